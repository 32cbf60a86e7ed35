/// One metric as Prometheus names it: a name, its help text, counter or gauge, and a sample per label set.
/// The daemon builds these from its workers' published counts; nothing on the packet path touches them.
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case counter, gauge
    }

    /// A count is kept as an integer so that large counters are printed exactly (a Double holds 53 bits).
    public enum Value: Sendable, Equatable {
        case count(UInt64)
        case number(Double)
    }

    public struct Sample: Sendable, Equatable {
        /// Label names and values, in the order they are printed.
        public var labels: [Label]
        public var value: Value

        public init(_ labels: [Label] = [], _ value: Value) {
            self.labels = labels
            self.value = value
        }
    }

    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Counters end in `_total`, as the exposition format's conventions ask.
    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    public init(_ name: String, _ kind: Kind, help: String, samples: [Sample] = []) {
        self.name = name
        self.kind = kind
        self.help = help
        self.samples = samples
    }

    /// A family with one unlabelled sample.
    public init(_ name: String, _ kind: Kind, help: String, value: Value) {
        self.init(name, kind, help: help, samples: [Sample([], value)])
    }

    public mutating func add(_ labels: [Label], _ value: Value) { samples.append(Sample(labels, value)) }
}
