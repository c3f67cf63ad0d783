// SPDX-License-Identifier: GPL-2.0
/* The pattern of libbpf-bootstrap's lsm_connect: an LSM program, which applies to the whole host once attached.
 * bpfgate must never attach it without an explicit opt-in. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/socket_connect")
int BPF_PROG(restrict_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
    if (ret != 0)
        return ret;
    return 0;
}
