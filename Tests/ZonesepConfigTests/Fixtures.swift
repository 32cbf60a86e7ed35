import ZonesepTestSupport

/// Texts shared by the loader and summary tests.
enum Fixtures {
    /// The complete example of DESIGN.md ("zones.conf"), verbatim.
    static let designExample = """
        [sensor]
        name = "core-switch-mirror"              # tags every alert
        vxlan_ports = [4789, 8472]               # optional; UDP ports decoded as VXLAN (default shown)
        geneve_ports = [6081]                    # optional; UDP ports decoded as Geneve (default shown)

        [internal]                               # optional; this is the default
        networks = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]

        [zones.mynumber]                         # the key is the zone's id
        kind = "mynumber"                        # mynumber | lgwan | internet
        label = "マイナンバー利用事務系"
        networks = ["10.10.0.0/16", "fd00:10::/48"]

        [zones.lgwan]
        kind = "lgwan"
        label = "LGWAN接続系"
        networks = ["10.20.0.0/16"]
        vlans = [120, 121]                       # optional: the VLANs its hosts live on

        [zones.lgwan-wan]                        # the LGWAN beyond the town hall
        kind = "lgwan"
        networks = ["172.20.0.0/14"]

        [zones.internet]
        kind = "internet"
        label = "インターネット接続系"
        networks = ["10.30.0.0/16"]

        [[routers]]                              # L3 devices forwarding between zones (optional)
        name = "core-switch"
        macs = ["00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5f"]

        [[gateways]]                             # the security cloud: sole Internet egress
        name = "security-cloud"
        addresses = ["203.0.113.10", "203.0.113.11"]

        [[conduits]]                             # a permitted Mynumber-zone link
        name = "intermediate-server"
        from = { addresses = ["10.10.1.5"], mac = "02:00:00:00:01:05" }
        to = { addresses = ["172.20.9.9"] }
        ports = ["tcp/443"]

        [[sanitisation]]                         # 無害化: the only LGWAN <-> Internet paths
        name = "mail-text-relay"
        method = "mail-text"                     # mail-text | screen-transfer | file-sanitiser
        from = ["10.30.5.10"]
        to = ["10.20.5.10"]
        ports = ["tcp/25"]

        [[sanitisation]]
        name = "virtual-browser"
        method = "screen-transfer"
        from = ["10.20.0.0/16"]
        to = ["10.30.6.0/28"]
        ports = ["tcp/3389", "udp/3389"]

        [[exceptions]]                           # 例外措置 approved by the CISO
        name = "web-conference"
        from = ["10.30.0.0/16"]
        to = ["198.51.100.0/24"]
        ports = ["tcp/443", "udp/3478-3481"]
        approved = "CISO approval 2026-04-01 No.12"
        expires = 2027-03-31
        """

    /// Three zones, one of each kind, on lines 1-9; tests append from line 10.
    static let base = ZonesText.threeZones()
}
