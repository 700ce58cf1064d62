import DNSWire
import Resolver

/// One Route 53 Resolver query log record (AWS-DNS-RULES 8) as a JSON line, plus
/// `vpcdns_answered_by`: the view and the zone, rule, endpoint or upstream that answered.
struct QueryLogRecord {
    let event: QueryEvent
    let timestamp: String
    let accountID: String
    let region: String

    var json: String {
        let question = event.question
        var fields: [(String, String)] = [
            ("version", quoted("1.100000")),
            ("account_id", quoted(accountID)),
            ("region", quoted(region)),
            ("vpc_id", quoted(event.reason?.view ?? "default")),
            ("query_timestamp", quoted(timestamp)),
            ("query_name", quoted(question?.name.description ?? ".")),
            ("query_type", quoted(question?.type.description ?? "")),
            ("query_class", quoted(question?.dnsClass.description ?? "")),
            ("rcode", quoted(event.rcode.description)),
        ]
        let answers = event.answers.map { record in
            "{\"Rdata\":\(quoted(record.rdata.description)),\"Type\":\(quoted(record.type.description)),\"Class\":\(quoted(record.dnsClass.description))}"
        }
        fields.append(("answers", "[" + answers.joined(separator: ",") + "]"))
        fields.append(("srcaddr", quoted(event.client.ip.description)))
        fields.append(("srcport", quoted(String(event.client.port))))
        fields.append(("transport", quoted(event.transport.rawValue)))
        fields.append(("srcids", srcids))
        if let match = event.reason?.firewall?.match {
            fields.append(("firewall_rule_group_id", quoted(match.ruleGroupID)))
            fields.append(("firewall_rule_action", quoted(match.actionName)))
            fields.append(("firewall_domain_list_id", quoted(match.domainListID)))
        }
        fields.append(("vpcdns_answered_by", quoted(event.reason?.description ?? "request rejected at the door")))
        return "{" + fields.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// `srcids`: the inbound Resolver endpoint a query came through, as AWS names it.
    private var srcids: String {
        guard let endpoint = event.reason?.resolverEndpoint else { return "{}" }
        return "{\"resolver_endpoint\":\(quoted(endpoint))}"
    }

    /// A JSON string literal.
    private func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
