/// zones.conf text that the config and end-to-end tests share: the map most of them judge by is written once,
/// so a change to the format changes one place.
public enum ZonesText {
    /// A `[sensor]` table naming the sensor, then a blank line.
    public static func sensor(_ name: String) -> String {
        "[sensor]\nname = \"\(name)\"\n\n"
    }

    /// A `[zones.ID]` table on three lines: its kind (the id unless given) and its networks.
    public static func zone(_ id: String, kind: String? = nil, _ networks: String...) -> String {
        "[zones.\(id)]\nkind = \"\(kind ?? id)\"\nnetworks = [\(networks.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
    }

    /// Three zones, one of each kind, on lines 1-9 with no blank line: mynumber 10.10.0.0/16, lgwan
    /// 10.20.0.0/16, and the Internet zone 10.30.0.0/16 under the id `internet` (renamed, the map reads the
    /// same addresses under another name).
    public static func threeZones(internet: String = "internet") -> String {
        zone("mynumber", "10.10.0.0/16") + zone("lgwan", "10.20.0.0/16")
            + zone(internet, kind: "internet", "10.30.0.0/16")
    }
}
