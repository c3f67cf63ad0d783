// SPDX-License-Identifier: GPL-2.0
/* The pattern of bcc's biolatency: the time of insert or issue kept per request, the latency at completion in
 * a log2 histogram; tp_btf and raw_tp twins of each event. */
#include "corpus.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool targ_queued = false;
const volatile bool targ_ms = false;

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 10240);
    __type(key, struct request *);
    __type(value, u64);
} start SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, u32);
    __type(value, struct hist);
} hists SEC(".maps");

static __always_inline int trace_rq_start(struct request *rq, bool issue)
{
    if (issue && targ_queued && BPF_CORE_READ(rq, q, elevator))
        return 0;
    u64 ts = bpf_ktime_get_ns();
    bpf_map_update_elem(&start, &rq, &ts, 0);
    return 0;
}

static __always_inline int handle_complete(struct request *rq)
{
    u32 zero = 0;
    u64 *tsp = bpf_map_lookup_elem(&start, &rq);
    if (!tsp)
        return 0;
    s64 delta = bpf_ktime_get_ns() - *tsp;
    if (delta >= 0) {
        struct hist *h = bpf_map_lookup_elem(&hists, &zero);
        if (h) {
            u64 slot = log2l(targ_ms ? delta / 1000000U : delta / 1000U);
            if (slot >= MAX_SLOTS)
                slot = MAX_SLOTS - 1;
            __sync_fetch_and_add(&h->slots[slot], 1);
        }
    }
    bpf_map_delete_elem(&start, &rq);
    return 0;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(block_rq_insert, struct request *rq) { return trace_rq_start(rq, false); }

SEC("tp_btf/block_rq_issue")
int BPF_PROG(block_rq_issue, struct request *rq) { return trace_rq_start(rq, true); }

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *rq, int error, unsigned int nr_bytes) { return handle_complete(rq); }

SEC("raw_tp/block_rq_insert")
int BPF_PROG(block_rq_insert_raw, struct request *rq) { return trace_rq_start(rq, false); }

SEC("raw_tp/block_rq_issue")
int BPF_PROG(block_rq_issue_raw, struct request *rq) { return trace_rq_start(rq, true); }

SEC("raw_tp/block_rq_complete")
int BPF_PROG(block_rq_complete_raw, struct request *rq, int error, unsigned int nr_bytes) { return handle_complete(rq); }
