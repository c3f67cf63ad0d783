// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's tcplife: inet_sock_set_state keeps the birth time and owner of each TCP socket and, at
 * TCP_CLOSE, sends its lifespan through a perf buffer. CORPUS_SLOW reads the current comm and looks up the owner on
 * every change. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10

const volatile bool filter_sport = false;
const volatile short target_family = 0;

struct ident {
    u32 pid;
    char comm[TASK_COMM_LEN];
};

struct event {
    u8 saddr[16];
    u8 daddr[16];
    u64 ts_us;
    u64 span_us;
    u32 pid;
    u16 sport;
    u16 dport;
    u16 family;
    char comm[TASK_COMM_LEN];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, struct sock *);
    __type(value, u64);
} birth SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, struct sock *);
    __type(value, struct ident);
} idents SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(u32));
    __uint(value_size, sizeof(u32));
} events SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
    /* The record copied once: the verifier allows ctx reads at constant offsets from ctx only. */
    struct trace_event_raw_inet_sock_set_state a;
    bpf_probe_read_kernel(&a, sizeof(a), ctx);
    struct trace_event_raw_inet_sock_set_state *args = &a;
    if (args->protocol != IPPROTO_TCP)
        return 0;
    if (target_family && target_family != args->family)
        return 0;
    struct sock *sk = (struct sock *)args->skaddr;
    int family = args->family;
#ifdef CORPUS_SLOW
    /* The slow-down: the owner looked up and the comm read on every state change, not only where they are used. */
    char comm_now[TASK_COMM_LEN];
    bpf_get_current_comm(&comm_now, sizeof(comm_now));
    struct ident *early = bpf_map_lookup_elem(&idents, &sk);
    if (early && early->comm[0] == 0)
        __builtin_memcpy(early->comm, comm_now, sizeof(comm_now));
#endif
    if (args->newstate < TCP_FIN_WAIT1) {
        u64 ts = bpf_ktime_get_ns();
        bpf_map_update_elem(&birth, &sk, &ts, BPF_ANY);
    }
    if (args->newstate == TCP_SYN_SENT || args->newstate == TCP_LAST_ACK) {
        struct ident ident = {.pid = bpf_get_current_pid_tgid() >> 32};
        bpf_get_current_comm(&ident.comm, sizeof(ident.comm));
        bpf_map_update_elem(&idents, &sk, &ident, BPF_ANY);
    }
    if (args->newstate != TCP_CLOSE)
        return 0;
    u64 *start = bpf_map_lookup_elem(&birth, &sk);
    if (!start) {
        bpf_map_delete_elem(&idents, &sk);
        return 0;
    }
    u64 ts = bpf_ktime_get_ns();
    struct event event = {};
    event.span_us = (ts - *start) / 1000;
    event.ts_us = ts / 1000;
    struct ident *identp = bpf_map_lookup_elem(&idents, &sk);
    event.pid = identp ? identp->pid : bpf_get_current_pid_tgid() >> 32;
    if (identp)
        __builtin_memcpy(&event.comm, identp->comm, sizeof(event.comm));
    else
        bpf_get_current_comm(&event.comm, sizeof(event.comm));
    event.sport = args->sport;
    event.dport = args->dport;
    event.family = family;
    if (family == AF_INET) {
        bpf_probe_read_kernel(&event.saddr, 4, args->saddr);
        bpf_probe_read_kernel(&event.daddr, 4, args->daddr);
    } else {
        bpf_probe_read_kernel(&event.saddr, 16, args->saddr_v6);
        bpf_probe_read_kernel(&event.daddr, 16, args->daddr_v6);
    }
    bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &event, sizeof(event));
    bpf_map_delete_elem(&birth, &sk);
    bpf_map_delete_elem(&idents, &sk);
    return 0;
}
