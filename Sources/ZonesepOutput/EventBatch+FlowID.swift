import ZonesepCore

extension EventBatch {
    /// The Community ID digest of the flow of event `i` (as its alert names the flow): hashed by the first
    /// sink of the batch that asks, and kept in the batch's memo for the sinks after it.
    public func flowID(of i: Int) -> FlowIDDigest {
        if let d = memo?.flowID(of: i) { return d }
        let d = CommunityID.digest(of: events[i].flow)
        memo?.setFlowID(d, of: i)
        return d
    }

    /// The digest of event `i`'s flow if a sink before this one hashed it, else nil: for a sink that needs it
    /// only in some outputs (the summary's violations in JSON) and hashes it itself when it writes them.
    public func knownFlowID(of i: Int) -> FlowIDDigest? { memo?.flowID(of: i) }
}
