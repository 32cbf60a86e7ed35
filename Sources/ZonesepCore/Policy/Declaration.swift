/// The four kinds of declaration that can allow a flow the separation model would otherwise forbid.
public enum DeclarationKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case conduit, sanitisation, gateway, exception

    /// The name used in alerts, flow records and the summary (`allowed_by.type`).
    public var name: String {
        switch self {
        case .conduit: return "conduit"
        case .sanitisation: return "sanitisation"
        case .gateway: return "gateway"
        case .exception: return "exception"
        }
    }

    public var description: String { name }
}

/// One conduit, sanitisation path, gateway or exception, as `Policy.declarations` lists them.
///
/// A flat list gives every declaration one small number (its index), so the engine can credit flows to
/// it in a fixed-size counter array instead of looking names up.
public struct Declaration: Sendable, Equatable {
    public var kind: DeclarationKind
    public var name: String
    /// Position within its kind's list in `PolicyConfig` (file order).
    public var index: Int
    /// For exceptions: the first instant (µs since the epoch, UTC) it no longer applies; nil otherwise.
    public var expiresAtMicros: Int64?

    public init(kind: DeclarationKind, name: String, index: Int, expiresAtMicros: Int64? = nil) {
        self.kind = kind
        self.name = name
        self.index = index
        self.expiresAtMicros = expiresAtMicros
    }
}

/// What the policy concluded about a flow: the rule it breaks, or the declaration that allowed it.
public struct Judgement: Sendable, Equatable {
    /// The first rule the flow breaks; nil when it is allowed.
    public var rule: RuleID?
    /// Index into `Policy.declarations`, or -1. For an allowed flow: the declaration that made it allowed
    /// (the first that matches, in file order), -1 when none was needed (same-kind zones, local addresses,
    /// no gateways declared). For `conduit-mac-mismatch`: the conduit whose MAC differed. Otherwise -1.
    /// Always below `Policy.maxDeclarations`, so it fits an `Int16`.
    public var declaration: Int
    /// For a violating flow: index into `Policy.declarations` of an exception, already expired at the
    /// flow's time, that would have allowed it (the first in file order); -1 otherwise. Lets the audit show
    /// stale exceptions that traffic still asks for.
    public var expiredException: Int

    public init(rule: RuleID?, declaration: Int = -1, expiredException: Int = -1) {
        self.rule = rule
        self.declaration = declaration
        self.expiredException = expiredException
    }

    /// Allowed, with no declaration needed.
    public static let allowed = Judgement(rule: nil)
}

/// A declaration's identity across reloads, which may renumber, add or remove declarations: its kind and name
/// (unique within a kind), as a key that is not spelled as one string (a policy may hold 32,767).
public struct DeclarationKey: Hashable, Sendable {
    public var kind: DeclarationKind
    public var name: String

    public init(kind: DeclarationKind, name: String) {
        self.kind = kind
        self.name = name
    }

    public init(_ d: Declaration) { self.init(kind: d.kind, name: d.name) }
}
