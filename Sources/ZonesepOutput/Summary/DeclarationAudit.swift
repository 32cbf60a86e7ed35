import ZonesepCore

/// The sink behind the summary's `declarations`: credits each ended flow to the declaration that allowed
/// it, and each violating flow that an expired exception would have allowed to that exception.
///
/// It asks only for the ends of flows a declaration allowed and of violating flows, so flows allowed
/// without a declaration (most of them) cost it nothing. The expired exception is not kept in the flow
/// entry (it must stay two cache lines): it is judged again here, once per violating flow, at the flow's
/// first packet time.
public final class DeclarationAudit: EventSink {
    public let interests: EventInterests = [.declaredEnds, .violationEnds]
    // Reached only from this sink's own calls, one at a time: unchecked, a credit cost no run-time
    // exclusivity check of the class's property (about 80 instructions, most of what a credit cost).
    @exclusivity(unchecked) private var uses: [DeclarationUse] = []
    /// By declaration (as `uses`): whether a flow it allowed can have a MAC left unverified, i.e. it is a
    /// conduit that names a MAC. Any other flow, unless judged before a reload, is not asked about (most
    /// declarations name none: the question cost about 40 instructions a flow).
    @exclusivity(unchecked) private var namesMAC: [Bool] = []
    private var epoch = -1
    /// The policy whose `declarations` `uses` follows, entry for entry.
    private var usesPolicy: Policy?
    /// Whether the policy in force declares exceptions (each has an expiry): without any, no violating
    /// flow can be one an expired exception would have allowed, and none is judged again (a scan's
    /// thousands, about 300 instructions each).
    private var exceptionsExpire = false

    public init(policy: Policy) {
        uses = policy.declarations.map(DeclarationUse.init)
        usesPolicy = policy
        namesMAC = DeclarationAudit.namesMAC(policy)
        epoch = 0
        exceptionsExpire = DeclarationAudit.expires(policy)
    }

    static func expires(_ policy: Policy) -> Bool { !policy.config.exceptions.isEmpty }

    /// Each declaration's `namesMAC`: unverified with neither MAC seen is unverified with some unseen, so
    /// a declaration false here leaves every flow it allows verified.
    static func namesMAC(_ policy: Policy) -> [Bool] {
        policy.declarations.indices.map {
            policy.conduitMACUnverified(declaration: $0, initiatorMAC: nil, responderMAC: nil)
        }
    }

    public func consume(_ batch: EventBatch) {
        if batch.policyEpoch != epoch { remap(to: batch.policy, epoch: batch.policyEpoch) }
        // Events are read where they lie: `for e in` copied each one, its flow entry and all.
        let events = batch.events
        let exceptionsExpire = self.exceptionsExpire
        namesMAC.withUnsafeBufferPointer { namesMAC in
            uses.withUnsafeMutableBufferPointer { uses in
                for k in events.indices where events[k].kind == .flowEnded {
                    let verdict = events[k].flow.verdict
                    if verdict == nil {
                        let i = Int(events[k].flow.declaration)
                        guard i >= 0 && i < uses.count else { continue }
                        uses[i].credit(events[k].flow)
                        if namesMAC[i] || events[k].flow.judgedBeforeReload,
                            batch.policy.conduitMACUnverified(events[k].flow)
                        {
                            uses[i].macNotVerified &+= 1
                        }
                    } else if exceptionsExpire, let rule = verdict, rule != .mynumberIsolation,
                        rule != .conduitMACMismatch
                    {
                        let f = events[k].flow
                        // A verdict reached later (`verdictIsLate`) is an exception's that allowed the flow
                        // until it expired: the flow used it, and went on after its expiry.
                        let late = f.verdictIsLate
                        let ends = DeclarationAudit.ends(of: f)
                        let x = batch.policy.judge(ends, at: late ? f.lastSeen : f.firstSeen).expiredException
                        if x >= 0 && x < uses.count { uses[x].flowsAfterExpiry &+= 1 }
                        if late {
                            let d = batch.policy.judge(ends, at: f.firstSeen).declaration
                            if d >= 0 && d < uses.count { uses[d].credit(f) }
                        }
                    }
                }
            }
        }
    }

    /// Every declaration of `policy` (the one in force at the end), in `Policy.declarations` order, with
    /// the counts of the declarations of the same kind and name.
    public func declarations(for policy: Policy) -> [DeclarationUse] {
        // The end of a run without a reload: `uses` is already in the policy's order, and when no two
        // declarations share a kind and a name each one's counts are its own (what matching them gives).
        if policy === usesPolicy && DeclarationAudit.namesAreDistinct(policy.declarations) == true { return uses }
        return matchedByName(policy)
    }

    /// `declarations(for:)` by matching the counts to the declarations by kind and name.
    func matchedByName(_ policy: Policy) -> [DeclarationUse] {
        // By kind and name (the last of a repeated pair wins), as a key that is not spelled as text: a
        // policy of 10,000 declarations made and hashed 20,000 strings here at the end of every run.
        var old: [DeclarationKey: Int] = [:]
        old.reserveCapacity(uses.count)
        for (n, u) in uses.enumerated() { old[DeclarationKey(kind: u.kind, name: u.name)] = n }
        return policy.declarations.map { d in
            var u = DeclarationUse(d)
            if let n = old[DeclarationKey(d)] { u.add(uses[n]) }
            return u
        }
    }

    /// Whether no two of `declarations` share a kind and a name, told by a hash of their bytes (hashing
    /// each name as a `String`, twice, cost 1,300 instructions a declaration at the end of every run):
    /// false when two hashes meet, even of different names; nil when a name is beyond ASCII, where two
    /// spellings can be one `String`.
    static func namesAreDistinct(_ declarations: [Declaration]) -> Bool? {
        var size = 16
        while size < declarations.count * 2 { size <<= 1 }
        // Each name's hash with its low bit set (zero is a free slot), in an open-addressed table.
        var seen = [UInt64](repeating: 0, count: size)
        for d in declarations {
            var name = d.name
            guard let h = name.withUTF8({ ASCIINameHash.of($0, kind: d.kind.rawValue) }) else { return nil }
            var s = Int(truncatingIfNeeded: h >> 7) & (size - 1)
            while seen[s] != 0 {
                if seen[s] == h { return false }
                s = (s + 1) & (size - 1)
            }
            seen[s] = h
        }
        return true
    }

    /// A reload swapped the policy: counts carry over to the declarations of the same kind and name.
    private func remap(to policy: Policy, epoch: Int) {
        uses = declarations(for: policy)
        usesPolicy = policy
        namesMAC = DeclarationAudit.namesMAC(policy)
        self.epoch = epoch
        exceptionsExpire = DeclarationAudit.expires(policy)
    }

    /// The flow's two ends as the policy judges them, initiator first.
    static func ends(of f: FlowEntry) -> FlowEnds {
        let k = f.key
        let a = f.initiatorIsA
        let ports = IPProtocolNumber.hasPorts(k.proto)
        return FlowEnds(
            initiator: a ? k.addressA : k.addressB, responder: a ? k.addressB : k.addressA,
            initiatorZone: f.initiatorZone, responderZone: f.responderZone, proto: k.proto,
            port: ports ? (a ? k.portB : k.portA) : nil,
            initiatorMAC: f.mac(ofA: a), responderMAC: f.mac(ofA: !a))
    }
}
