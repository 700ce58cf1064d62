/// RFC 8482: an ANY query is answered with one RRset, not every record of the name, so it cannot
/// serve as an amplifier. The one kept is the RRset of the lowest type number, which is the
/// address RRset when the name has one.
extension Sequence<ResourceRecord> {
    public func minimalANYAnswer() -> [ResourceRecord] {
        let records = Array(self)
        guard let kept = records.map(\.type.rawValue).min() else { return [] }
        return records.filter { $0.type.rawValue == kept }
    }
}
