// sendmmsg(2), which Swift's Glibc module leaves out (glibc declares it only under _GNU_SOURCE).
// Header-only: it inlines into its caller.
#ifndef ZONESEP_DATAGRAMS_H
#define ZONESEP_DATAGRAMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

// The kernel's structures spelled out here: including <sys/socket.h> from this module took the socket
// declarations away from Swift's Glibc module for the whole target.

/// `struct msghdr` (the kernel's layout): the destination's address, the vectors, the control data (unused).
struct zonesep_msghdr {
    void *msg_name;
    unsigned int msg_namelen;
    void *msg_iov;
    size_t msg_iovlen;
    void *msg_control;
    size_t msg_controllen;
    int msg_flags;
};

/// `struct mmsghdr`: one datagram of a sendmmsg call and, after it, its length.
struct zonesep_mmsghdr {
    struct zonesep_msghdr msg_hdr;
    unsigned int msg_len;
};

/// Sends up to `count` datagrams in one system call: how many the kernel took, or -1 and errno when it
/// took none (an error after the first is not reported: the caller learns it by trying the next again).
static inline int zonesep_sendmmsg(int fd, struct zonesep_mmsghdr *messages, unsigned int count, int flags) {
    return (int)syscall(SYS_sendmmsg, fd, messages, count, flags);
}

#endif
