// sendmmsg(2) and the socket error queue, which Swift's Glibc module leaves out (glibc declares them only
// under _GNU_SOURCE). Header-only: each inlines into its caller.
#ifndef ZONESEP_DATAGRAMS_H
#define ZONESEP_DATAGRAMS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// The kernel's structures spelled out here: including <sys/socket.h> from this module took the socket
// declarations away from Swift's Glibc module for the whole target.

/// `struct msghdr` (the kernel's layout): an address (unused: the socket is connected), the vectors, the
/// control data.
struct zonesep_msghdr {
    void *msg_name;
    unsigned int msg_namelen;
    void *msg_iov;
    size_t msg_iovlen;
    void *msg_control;
    size_t msg_controllen;
    int msg_flags;
};

/// `struct mmsghdr`: one datagram of a sendmmsg/recvmmsg call and, after it, its length.
struct zonesep_mmsghdr {
    struct zonesep_msghdr msg_hdr;
    unsigned int msg_len;
};

/// `struct cmsghdr`: a control message's header; its data follows, aligned to size_t.
struct zonesep_cmsghdr {
    size_t cmsg_len;
    int cmsg_level;
    int cmsg_type;
};

/// `MSG_ERRQUEUE`, `IP_RECVERR`, `IPV6_RECVERR` and the origins of `struct sock_extended_err` (linux/errqueue.h).
enum {
    zonesep_msg_errqueue = 0x2000,
    zonesep_ip_recverr = 11,
    zonesep_ipv6_recverr = 25,
    zonesep_ee_origin_icmp = 2,
    zonesep_ee_origin_icmp6 = 3,
};

/// Sends up to `count` datagrams in one system call: how many the kernel took, or -1 and errno when it
/// took none (an error after the first is not reported: the caller learns it by trying the next again).
static inline int zonesep_sendmmsg(int fd, struct zonesep_mmsghdr *messages, unsigned int count, int flags) {
    return (int)syscall(SYS_sendmmsg, fd, messages, count, flags);
}

/// Receives up to `count` datagrams (or, with MSG_ERRQUEUE, queued errors) in one call, without a timeout.
static inline int zonesep_recvmmsg(int fd, struct zonesep_mmsghdr *messages, unsigned int count, int flags) {
    return (int)syscall(SYS_recvmmsg, fd, messages, count, flags, NULL);
}

/// The errno of the `IP_RECVERR`/`IPV6_RECVERR` control message of a message read from the error queue,
/// and in `*origin` where the error came from (2: ICMP, 3: ICMPv6, 1: this host); 0 when it has none.
static inline int zonesep_queued_error(const struct zonesep_msghdr *message, int *origin) {
    const size_t align = sizeof(size_t);
    const size_t header = (sizeof(struct zonesep_cmsghdr) + align - 1) & ~(align - 1);
    const unsigned char *p = (const unsigned char *)message->msg_control;
    size_t left = message->msg_controllen;
    *origin = 0;
    while (p != NULL && left >= header) {
        struct zonesep_cmsghdr c;
        memcpy(&c, p, sizeof c);
        if (c.cmsg_len < header || c.cmsg_len > left) break;
        int ip = c.cmsg_level == 0 /* SOL_IP */ && c.cmsg_type == zonesep_ip_recverr;
        int ip6 = c.cmsg_level == 41 /* SOL_IPV6 */ && c.cmsg_type == zonesep_ipv6_recverr;
        if ((ip || ip6) && c.cmsg_len >= header + 8) {
            // struct sock_extended_err: ee_errno (u32), ee_origin, ee_type, ee_code, ee_pad (u8), …
            uint32_t err;
            memcpy(&err, p + header, 4);
            *origin = p[header + 4];
            return (int)err;
        }
        size_t step = (c.cmsg_len + align - 1) & ~(align - 1);
        if (step >= left) break;
        p += step;
        left -= step;
    }
    return 0;
}

#endif
