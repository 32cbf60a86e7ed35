import ArgumentParser

/// An option whose values are the raw values of an enumeration (`--output text|json`). ArgumentParser's
/// own defaults for such types are generic code it runs for every option on every parse, with dynamic
/// casts and a key path that cost start-up a conformance scan each; these give the same strings directly.
public protocol ArgumentChoices: ExpressibleByArgument, CaseIterable, RawRepresentable where RawValue == String {}

extension ArgumentChoices {
    public init?(argument: String) { self.init(rawValue: argument) }

    public var defaultValueDescription: String { rawValue }

    public static var allValueStrings: [String] { allCases.map { $0.rawValue } }

    /// No value has a description of its own (ArgumentParser's default finds none either: each value's
    /// description is its raw value).
    public static var allValueDescriptions: [String: String] { [:] }

    public static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}
