/// The key path of a value in TOML spelling with indices (`exceptions[12].from[0]`), spelled out only
/// when a diagnostic needs it: a prefecture's policy holds tens of thousands of values, and building the
/// text of each one's path cost more than checking the values.
///
/// The path is text already spelled plus the steps (keys and indices) not yet spelled, each a node
/// pointing at the one before: extending a path allocates one node, and copying a path (every located
/// value carries one) is one reference count, not a copy of each step's text.
struct ConfigPath: CustomStringConvertible, ExpressibleByStringLiteral {
    enum Step {
        case key(String)
        case index(Int)
    }

    private final class Node {
        let parent: Node?
        let step: Step

        init(parent: Node?, step: Step) {
            self.parent = parent
            self.step = step
        }
    }

    private let spelled: String
    private let last: Node?

    /// A path already spelled in TOML (`zones`, `sensor.vxlan_ports`), or empty for the document itself.
    init(_ spelled: String) {
        self.spelled = spelled
        last = nil
    }

    init(stringLiteral spelled: String) {
        self.init(spelled)
    }

    private init(spelled: String, last: Node) {
        self.spelled = spelled
        self.last = last
    }

    /// The path of `key` inside this one.
    func key(_ key: String) -> ConfigPath { ConfigPath(spelled: spelled, last: Node(parent: last, step: .key(key))) }

    /// The path of element `n` of the array at this path.
    func index(_ n: Int) -> ConfigPath { ConfigPath(spelled: spelled, last: Node(parent: last, step: .index(n))) }

    var isEmpty: Bool { spelled.isEmpty && last == nil }

    var description: String {
        var steps: [Step] = []
        var node = last
        while let n = node {
            steps.append(n.step)
            node = n.parent
        }
        var out = spelled
        for step in steps.reversed() {
            switch step {
            case .key(let k): out += (out.isEmpty ? "" : ".") + tomlKeyText(k)
            case .index(let n): out += "[\(n)]"
            }
        }
        return out
    }
}
