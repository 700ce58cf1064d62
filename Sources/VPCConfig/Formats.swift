/// Format checks for the AWS identifiers and names the config holds. Each returns nil when the
/// text is fine, or the reason it is not, phrased to follow `'<text>' `.
enum Formats {
    /// `vpc-` + 8 or 17 lowercase hex digits.
    static func vpcID(_ text: String) -> String? {
        hexID(text, prefix: "vpc-") ? nil : "is not a valid VPC id (expected vpc- followed by 8 or 17 lowercase hex digits)"
    }

    /// `vpce-` + 8 or 17 lowercase hex digits.
    static func endpointID(_ text: String) -> String? {
        hexID(text, prefix: "vpce-") ? nil
            : "is not a valid VPC endpoint id (expected vpce- followed by 8 or 17 lowercase hex digits)"
    }

    /// `i-` + 8 or 17 lowercase hex digits.
    static func instanceID(_ text: String) -> String? {
        hexID(text, prefix: "i-") ? nil : "is not a valid instance id (expected i- followed by 8 or 17 lowercase hex digits)"
    }

    /// `^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$`.
    static func region(_ text: String) -> String? {
        isRegion(Substring(text)) ? nil
            : "is not a valid region name (expected a form like ap-northeast-1 or us-gov-west-1)"
    }

    /// A region followed by one letter (`ap-northeast-1a`), or by `-` and a Local Zone or
    /// Wavelength Zone part (`us-west-2-lax-1a`).
    static func availabilityZone(_ text: String) -> String? {
        let reason = "is not a valid availability zone name (expected a region and a letter, like ap-northeast-1a)"
        if let last = text.last, last.isASCII, last.isLowercase, isRegion(text.dropLast()) { return nil }
        var index = text.startIndex
        while let dash = text[index...].firstIndex(of: "-") {
            let rest = text[text.index(after: dash)...]
            if isRegion(text[..<dash]), !rest.isEmpty, rest.allSatisfy({ isLowerAlnum($0) || $0 == "-" }),
               rest.first != "-", rest.last != "-" {
                return nil
            }
            index = text.index(after: dash)
        }
        return reason
    }

    /// Exactly 8 of `[a-z0-9]`.
    static func dnsSuffix(_ text: String) -> String? {
        text.count == 8 && text.allSatisfy(isLowerAlnum) ? nil
            : "is not a valid endpoint DNS suffix (expected exactly 8 lowercase letters or digits)"
    }

    /// 12 ASCII digits.
    static func accountID(_ text: String) -> String? {
        text.count == 12 && text.allSatisfy({ $0.isASCII && $0.isNumber }) ? nil
            : "is not a valid AWS account id (expected 12 digits)"
    }

    /// Dot-separated labels of `[a-z0-9-]`, at least two: `com.amazonaws.ap-northeast-1.ssm`.
    static func serviceName(_ text: String) -> String? {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        let fine = labels.count >= 2 && labels.allSatisfy { label in
            !label.isEmpty && label.allSatisfy { isLowerAlnum($0) || $0 == "-" }
        }
        return fine ? nil
            : "is not a valid endpoint service name (expected lowercase dot-separated words like com.amazonaws.ap-northeast-1.ssm)"
    }

    /// A domain name in presentation form: labels of letters, digits, `-` and `_`, each 1...63
    /// characters, 253 in all, an optional final dot. `allowWildcard` admits a leading `*.`;
    /// `allowRoot` admits `.` alone.
    static func domainName(_ text: String, allowWildcard: Bool = false, allowRoot: Bool = false) -> String? {
        if text == "." { return allowRoot ? nil : "is not a valid domain name here (the root . is not allowed)" }
        var body = Substring(text)
        if body.hasSuffix(".") { body = body.dropLast() }
        var labels = body.split(separator: ".", omittingEmptySubsequences: false)
        if allowWildcard, labels.count > 1, labels.first == "*" { labels.removeFirst() }
        guard !body.isEmpty, body.utf8.count <= 253 else {
            return "is not a valid domain name (expected 1 to 253 characters)"
        }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63 else {
                return "is not a valid domain name (each dot-separated label must have 1 to 63 characters)"
            }
            guard label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                let extra = allowWildcard ? "; a wildcard is allowed only as a leading *." : ""
                return "is not a valid domain name (labels may hold letters, digits, - and _ only\(extra))"
            }
        }
        return nil
    }

    private static func hexID(_ text: String, prefix: String) -> Bool {
        guard text.hasPrefix(prefix) else { return false }
        let digits = text.dropFirst(prefix.count)
        return (digits.count == 8 || digits.count == 17)
            && digits.allSatisfy { $0.isASCII && ($0.isNumber || ("a"..."f").contains($0)) }
    }

    private static func isRegion(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3 || parts.count == 4 else { return false }
        let letters: (Substring) -> Bool = { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isLowercase } }
        guard parts[0].count == 2, letters(parts[0]),
              letters(parts[parts.count - 2]),
              !parts[parts.count - 1].isEmpty, parts[parts.count - 1].allSatisfy({ $0.isASCII && $0.isNumber })
        else { return false }
        if parts.count == 4 {
            let partition = parts[1]
            guard partition == "gov" || (partition.hasPrefix("iso") && partition.dropFirst(3).allSatisfy {
                $0.isASCII && $0.isLowercase
            }) else { return false }
        }
        return true
    }

    private static func isLowerAlnum(_ character: Character) -> Bool {
        character.isASCII && (character.isNumber || character.isLowercase)
    }
}
