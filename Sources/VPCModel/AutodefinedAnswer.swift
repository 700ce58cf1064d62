import DNSWire

extension ResolutionModel {
    /// The answer of an autodefined zone (AWS-DNS-RULES 11.1): its records, else NODATA or
    /// NXDOMAIN with the zone's SOA; never a forward.
    func answer(from zone: AutodefinedZone, name: DNSName, type: RRType, view: View) -> Answer {
        let reason = Reason(view: view.name, source: .autodefined(apex: zone.apex), location: view.vpc?.location)
        if let records = view.instanceNames.lookup(name, in: zone) {
            let matching = type == .any ? records.minimalANYAnswer() : records.filter { $0.type == type }
            if !matching.isEmpty { return Answer(rcode: .noError, answers: matching, reason: reason) }
            return Answer(rcode: .noError, answers: [], authorities: [negative(zone.soa)], reason: reason)
        }
        if name == zone.apex, type == .soa {
            return Answer(rcode: .noError, answers: [zone.soa], reason: reason)
        }
        let rcode: RCode = view.instanceNames.isNonTerminal(name, in: zone) ? .noError : .nxDomain
        return Answer(rcode: rcode, answers: [], authorities: [negative(zone.soa)], reason: reason)
    }
}
