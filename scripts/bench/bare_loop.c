/* The floor of scripts/bench-compare: open a capture with pcap_open_offline and visit every packet,
 * doing nothing with it but counting (so the loop cannot be optimised away). Prints the count. */
#include <pcap/pcap.h>
#include <stdio.h>

static void visit(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
    (void)h;
    (void)bytes;
    ++*(unsigned long *)user;
}

int main(int argc, char **argv) {
    char errbuf[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "%s\n", errbuf);
        return 2;
    }
    unsigned long packets = 0;
    if (pcap_loop(p, -1, visit, (u_char *)&packets) == -1) {
        fprintf(stderr, "%s\n", pcap_geterr(p));
        return 2;
    }
    pcap_close(p);
    printf("%lu packets\n", packets);
    return 0;
}
