/// The key path of a value in TOML spelling with indices (`exceptions[12].from[0]`), spelled out only
/// when a diagnostic needs it: a prefecture's policy holds tens of thousands of values, and building the
/// text of each one's path cost more than checking the values.
///
/// The path is text already spelled plus up to four steps (keys and indices) not yet spelled; a fifth
/// step spells the first four.
struct ConfigPath: CustomStringConvertible, ExpressibleByStringLiteral {
    enum Step {
        case key(String)
        case index(Int)
    }

    private var spelled: String
    private var steps: (Step?, Step?, Step?, Step?) = (nil, nil, nil, nil)
    private var count = 0

    /// A path already spelled in TOML (`zones`, `sensor.vxlan_ports`), or empty for the document itself.
    init(_ spelled: String) {
        self.spelled = spelled
    }

    init(stringLiteral spelled: String) {
        self.spelled = spelled
    }

    /// The path of `key` inside this one.
    func key(_ key: String) -> ConfigPath { appending(.key(key)) }

    /// The path of element `n` of the array at this path.
    func index(_ n: Int) -> ConfigPath { appending(.index(n)) }

    private func appending(_ step: Step) -> ConfigPath {
        var p = count < 4 ? self : ConfigPath(description)
        switch p.count {
        case 0: p.steps.0 = step
        case 1: p.steps.1 = step
        case 2: p.steps.2 = step
        default: p.steps.3 = step
        }
        p.count += 1
        return p
    }

    var isEmpty: Bool { spelled.isEmpty && count == 0 }

    var description: String {
        var out = spelled
        for step in [steps.0, steps.1, steps.2, steps.3].prefix(count) {
            switch step {
            case .key(let k)?: out += (out.isEmpty ? "" : ".") + tomlKeyText(k)
            case .index(let n)?: out += "[\(n)]"
            case nil: break
            }
        }
        return out
    }
}
