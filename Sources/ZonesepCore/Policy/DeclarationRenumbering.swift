/// Declaration indices of one policy as indices of its reload, by kind and name (unique within a kind): a
/// flow judged before the reload is named, credited and counted against the declaration that allowed it,
/// wherever the reload moved it, and against none (-1) when the reload removed or renamed it. An index
/// into the old `Policy.declarations` read under the new one would name another declaration, or none.
public struct DeclarationRenumbering: Sendable {
    private let indices: [Int16]

    public init(from old: Policy, to new: Policy) {
        if old.declarations == new.declarations {
            indices = old.declarations.indices.map { Int16(clamping: $0) }
            return
        }
        var index: [DeclarationKey: Int] = [:]
        index.reserveCapacity(new.declarations.count)
        for (i, d) in new.declarations.enumerated() where index[DeclarationKey(d)] == nil {
            index[DeclarationKey(d)] = i
        }
        indices = old.declarations.map { d in Int16(clamping: index[DeclarationKey(d)] ?? -1) }
    }

    /// The new index of old index `d` (-1: none, or `d` was none).
    public func callAsFunction(_ d: Int16) -> Int16 {
        d >= 0 && Int(d) < indices.count ? indices[Int(d)] : -1
    }
}

extension FlowEntry {
    /// This flow, judged under `old`, as `new` (its reload) holds it: its verdict kept, its declaration
    /// renumbered. A conduit MAC check still to make goes on under `new` only where `new`, judging the flow
    /// as it stands, allows it by the same conduit with that MAC still unseen: the check then finishes a
    /// judgement both policies agree on, and cannot raise any other rule. Otherwise the flow is
    /// `judgedBeforeReload`, with `old`'s answer to "MAC not verified" kept in `lateMACCheck` (the
    /// declaration of that name in `new` may name other MACs, or be gone), and is not checked again.
    public mutating func carry(across renumbering: DeclarationRenumbering, from old: Policy, to new: Policy) {
        let unverified = rule == FlowEntry.noVerdict && old.conduitMACUnverified(self)
        let byException =
            rule == FlowEntry.noVerdict && declaration >= 0 && Int(declaration) < old.declarations.count
            && old.declarations[Int(declaration)].kind == .exception
        declaration = renumbering(declaration)
        // An exception is an approval for a time: a reload that withdraws, renames or narrows the one that
        // allowed a running flow ends that approval as its expiry would (REVIEW-148 F2: the flow went on
        // allowed for good, by no declaration). Judged again at its next packet or record under `new`, which
        // may allow it otherwise (a renamed entry) or raise its rule then; one the exception of that name
        // still allows goes on as before.
        if byException {
            let j = new.judge(FlowEnds(of: self), at: lastSeen)
            if j.rule != nil || j.declaration != Int(declaration) { allowanceEnded = true }
        }
        if unverified && declaration >= 0 {
            let j = new.judge(FlowEnds(of: self), at: firstSeen)
            if j.rule == nil && j.declaration == Int(declaration) {
                judgedBeforeReload = false  // so that `new` answers from the conduit, not from this flag
                if new.conduitMACUnverified(self) {
                    lateMACCheck = true
                    return
                }
            }
        }
        if rule == FlowEntry.noVerdict { lateMACCheck = unverified }
        judgedBeforeReload = true
    }
}
