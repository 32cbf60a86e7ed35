// TEMPORARY until the policy branch lands Policy.judge: same shape.
public struct Judgement: Sendable, Equatable {
    public var rule: RuleID?
    public var declaration: Int
    public var expiredException: Int
    public static let none = Judgement(rule: nil, declaration: -1, expiredException: -1)
}
extension Policy {
    public func judge(_ f: FlowEnds, at time: Int64) -> Judgement {
        guard let v = verdict(f, at: time) else { return .none }
        return Judgement(rule: v.rule, declaration: v.conduit, expiredException: -1)
    }
}
