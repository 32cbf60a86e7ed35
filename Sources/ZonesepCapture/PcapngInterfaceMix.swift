/// A pcapng file whose interfaces differ in link type or snapshot length (dumpcap writes one when it captures
/// two interfaces): valid, and tshark reads it, but libpcap gives a whole file one link type and snapshot
/// length and stops at such an interface ("an interface has a type 101 different from the type of the first
/// interface"), which the replay called damage. Its message is replaced by one that says why, and how to
/// write the packets in files libpcap reads.
public enum PcapngInterfaceMix {
    /// `error` reworded when libpcap refused an interface of another link type or snapshot length; `error`
    /// itself otherwise.
    public static func explain(_ error: PcapError) -> PcapError {
        let said = error.message
        let way: String
        if said.hasPrefix("an interface has a type ") {
            way =
                "its interfaces have different link types (libpcap: \"\(said)\"); write each interface's packets "
                + "to a file of its own and give those: `tshark -r FILE -T fields -e frame.number -e "
                + "frame.interface_id` lists whose each packet is, and `editcap -r -F pcap -T ENCAP FILE PART.pcap "
                + "NUMBERS` keeps those packets under link type ENCAP (ether, rawip, ...)"
        } else if said.hasPrefix("an interface has a snapshot length ") {
            way =
                "its interfaces have different snapshot lengths (libpcap: \"\(said)\"); write it as one pcap file "
                + "with `editcap -F pcap FILE NEW.pcap` and give that"
        } else {
            return error
        }
        var e = error
        e.kind = .interfacesLibpcapCannotMix
        e.message = "the file cannot be read by libpcap: " + way
        return e
    }
}
