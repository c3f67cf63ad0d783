// SPDX-License-Identifier: GPL-2.0
/* In-kernel micro-benchmarks (suite `kernel`): each program times bpf_loop(iters, body) with bpf_ktime_get_ns
 * around it and stores the elapsed nanoseconds in kbench_result[0]. XDP programs are run once by
 * BPF_PROG_TEST_RUN; helpers that only tracing programs may call run in raw_tp programs, also run once by
 * BPF_PROG_TEST_RUN. Every body computes the same key from the loop index as `empty` does, so that
 * subtracting `empty` (timed in alternation with each benchmark) leaves the operation's own cost. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "kernel_bench.h"

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct kbench_config);
} kbench_cfg SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} kbench_result SEC(".maps");

/* The maps under test; user space sets max_entries before load and fills them. */
#define KV_MAP(name, kind, flags)                                               \
    struct {                                                                    \
        __uint(type, kind);                                                     \
        __uint(max_entries, 1024);                                              \
        __uint(map_flags, flags);                                               \
        __type(key, __u32);                                                     \
        __type(value, __u64);                                                   \
    } name SEC(".maps");

KV_MAP(k_hash, BPF_MAP_TYPE_HASH, BPF_F_ZERO_SEED)
KV_MAP(k_array, BPF_MAP_TYPE_ARRAY, 0)
KV_MAP(k_percpu_hash, BPF_MAP_TYPE_PERCPU_HASH, BPF_F_ZERO_SEED)
KV_MAP(k_percpu_array, BPF_MAP_TYPE_PERCPU_ARRAY, 0)
KV_MAP(k_lru_hash, BPF_MAP_TYPE_LRU_HASH, BPF_F_ZERO_SEED)
KV_MAP(k_lru_percpu_hash, BPF_MAP_TYPE_LRU_PERCPU_HASH, BPF_F_ZERO_SEED)

struct lpm_key {
    __u32 prefixlen;
    __u32 data;
};

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 1024);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct lpm_key);
    __type(value, __u64);
} k_lpm_trie SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
    __uint(max_entries, 1024);
    __uint(map_extra, 3); /* hash functions */
    __type(value, __u32);
} k_bloom_filter SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, 1024);
    __type(value, __u64);
} k_queue SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_STACK);
    __uint(max_entries, 1024);
    __type(value, __u64);
} k_stack SEC(".maps");

/* Helpers' props: a stack-trace map, a string to read, a value with a spin lock, per-CPU and shared counters. */
struct {
    __uint(type, BPF_MAP_TYPE_STACK_TRACE);
    __uint(max_entries, 1024);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, 127 * sizeof(__u64));
} k_stacks SEC(".maps");

struct locked {
    struct bpf_spin_lock lock;
    __u64 value;
};

struct props {
    char text[32];
    __u64 shared;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct locked);
} k_locked SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct props);
} k_props SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} k_percpu_counter SEC(".maps");

/* Event submission: a ring buffer (user space sets its size before load and empties it between batches), a
 * perf event array (user space opens the per-CPU buffers), and the record the output helpers copy from. */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} k_ringbuf SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} k_perfbuf SEC(".maps");

struct record {
    __u64 words[KBENCH_MAX_RECORD / 8];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct record);
} k_record SEC(".maps");

struct loop_ctx {
    __u32 keys;
    __u32 pad;
    __u64 acc;
    void *prog_ctx;
    struct props *props;
    struct locked *locked;
    __u64 *counter;
    struct record *record;
};

/* The key of iteration i: spread over [0, keys) by a multiplicative hash (no sequential locality). */
static __always_inline __u32 key_of(__u64 i, struct loop_ctx *c)
{
    return ((__u32)i * 2654435761u) % c->keys;
}

static __always_inline int run(void *prog_ctx, long (*body)(__u64, void *), int ret, int tracing)
{
    __u32 zero = 0;
    struct kbench_config *cfg = bpf_map_lookup_elem(&kbench_cfg, &zero);
    if (!cfg)
        return ret;
    struct loop_ctx c = {.keys = cfg->keys ? cfg->keys : 1, .prog_ctx = prog_ctx};
    c.props = bpf_map_lookup_elem(&k_props, &zero);
    if (!tracing) /* tracing programs may not touch a map with a bpf_spin_lock */
        c.locked = bpf_map_lookup_elem(&k_locked, &zero);
    c.counter = bpf_map_lookup_elem(&k_percpu_counter, &zero);
    c.record = bpf_map_lookup_elem(&k_record, &zero);
    __u64 t0 = bpf_ktime_get_ns();
    bpf_loop(cfg->iters, body, &c, 0);
    __u64 t1 = bpf_ktime_get_ns();
    __u64 *r = bpf_map_lookup_elem(&kbench_result, &zero);
    if (r) {
        *r = t1 - t0;
        cfg->sink += c.acc;
    }
    return ret;
}

/* XDP programs are kb_<name>, raw_tp programs kt_<name>. */
#define XDP_BENCH(name)                                                         \
    SEC("xdp") int kb_##name(struct xdp_md *ctx) { return run(ctx, body_##name, XDP_PASS, 0); }
#define TRACING_BENCH(name)                                                     \
    SEC("raw_tp") int kt_##name(void *ctx) { return run(ctx, body_##name, 0, 1); }

/* ---- the empty body: the key computation only ---- */
static long body_empty(__u64 i, void *ctx)
{
    struct loop_ctx *c = ctx;
    c->acc += key_of(i, c);
    return 0;
}
XDP_BENCH(empty)
TRACING_BENCH(empty)

/* ---- map operations over u32 -> u64 maps ---- */
#define MAP_BODIES(map)                                                         \
    static long body_##map##_lookup(__u64 i, void *ctx)                         \
    {                                                                           \
        struct loop_ctx *c = ctx;                                               \
        __u32 k = key_of(i, c);                                                 \
        __u64 *v = bpf_map_lookup_elem(&k_##map, &k);                           \
        c->acc += v ? *v : k;                                                   \
        return 0;                                                               \
    }                                                                           \
    static long body_##map##_lookup_miss(__u64 i, void *ctx)                    \
    {                                                                           \
        struct loop_ctx *c = ctx;                                               \
        __u32 k = key_of(i, c) + KBENCH_MISS_OFFSET;                            \
        __u64 *v = bpf_map_lookup_elem(&k_##map, &k);                           \
        c->acc += v ? *v : k;                                                   \
        return 0;                                                               \
    }                                                                           \
    static long body_##map##_update(__u64 i, void *ctx)                         \
    {                                                                           \
        struct loop_ctx *c = ctx;                                               \
        __u32 k = key_of(i, c);                                                 \
        __u64 v = i;                                                            \
        c->acc += bpf_map_update_elem(&k_##map, &k, &v, BPF_ANY) + k;           \
        return 0;                                                               \
    }                                                                           \
    XDP_BENCH(map##_lookup)                                                     \
    XDP_BENCH(map##_lookup_miss)                                                \
    XDP_BENCH(map##_update)

#define DELETE_BODY(map)                                                        \
    static long body_##map##_delete_insert(__u64 i, void *ctx)                  \
    {                                                                           \
        struct loop_ctx *c = ctx;                                               \
        __u32 k = key_of(i, c);                                                 \
        __u64 v = i;                                                            \
        c->acc += bpf_map_delete_elem(&k_##map, &k) + k;                        \
        c->acc += bpf_map_update_elem(&k_##map, &k, &v, BPF_NOEXIST);           \
        return 0;                                                               \
    }                                                                           \
    XDP_BENCH(map##_delete_insert)

MAP_BODIES(hash)
MAP_BODIES(array)
MAP_BODIES(percpu_hash)
MAP_BODIES(percpu_array)
MAP_BODIES(lru_hash)
MAP_BODIES(lru_percpu_hash)
DELETE_BODY(hash)
DELETE_BODY(percpu_hash)
DELETE_BODY(lru_hash)
DELETE_BODY(lru_percpu_hash)

/* LPM trie: /32 keys. */
static long body_lpm_trie_lookup(__u64 i, void *ctx)
{
    struct loop_ctx *c = ctx;
    struct lpm_key k = {.prefixlen = 32, .data = key_of(i, c)};
    __u64 *v = bpf_map_lookup_elem(&k_lpm_trie, &k);
    c->acc += v ? *v : k.data;
    return 0;
}
static long body_lpm_trie_update(__u64 i, void *ctx)
{
    struct loop_ctx *c = ctx;
    struct lpm_key k = {.prefixlen = 32, .data = key_of(i, c)};
    __u64 v = i;
    c->acc += bpf_map_update_elem(&k_lpm_trie, &k, &v, BPF_ANY) + k.data;
    return 0;
}
static long body_lpm_trie_delete_insert(__u64 i, void *ctx)
{
    struct loop_ctx *c = ctx;
    struct lpm_key k = {.prefixlen = 32, .data = key_of(i, c)};
    __u64 v = i;
    c->acc += bpf_map_delete_elem(&k_lpm_trie, &k) + k.data;
    c->acc += bpf_map_update_elem(&k_lpm_trie, &k, &v, BPF_NOEXIST);
    return 0;
}
XDP_BENCH(lpm_trie_lookup)
XDP_BENCH(lpm_trie_update)
XDP_BENCH(lpm_trie_delete_insert)

/* Bloom filter: push (add) and peek (membership test) of present values. */
static long body_bloom_filter_push(__u64 i, void *ctx)
{
    struct loop_ctx *c = ctx;
    __u32 v = key_of(i, c);
    c->acc += bpf_map_push_elem(&k_bloom_filter, &v, BPF_ANY) + v;
    return 0;
}
static long body_bloom_filter_peek(__u64 i, void *ctx)
{
    struct loop_ctx *c = ctx;
    __u32 v = key_of(i, c);
    c->acc += bpf_map_peek_elem(&k_bloom_filter, &v) + v;
    return 0;
}
XDP_BENCH(bloom_filter_push)
XDP_BENCH(bloom_filter_peek)

/* Queue and stack: a push and a pop per iteration (the fill level stays). */
#define PUSH_POP(map)                                                           \
    static long body_##map##_push_pop(__u64 i, void *ctx)                       \
    {                                                                           \
        struct loop_ctx *c = ctx;                                               \
        __u64 v = key_of(i, c);                                                 \
        c->acc += bpf_map_push_elem(&k_##map, &v, BPF_ANY);                     \
        c->acc += bpf_map_pop_elem(&k_##map, &v) + v;                           \
        return 0;                                                               \
    }                                                                           \
    XDP_BENCH(map##_push_pop)
PUSH_POP(queue)
PUSH_POP(stack)

/* ---- helpers ---- */
#define HELPER_BODY(name, expr)                                                 \
    static long body_##name(__u64 i, void *ctx)                                 \
    {                                                                           \
        struct loop_ctx *c = ctx;                                               \
        c->acc += key_of(i, c);                                                 \
        expr;                                                                   \
        return 0;                                                               \
    }

HELPER_BODY(ktime_get_ns, c->acc += bpf_ktime_get_ns())
HELPER_BODY(ktime_get_boot_ns, c->acc += bpf_ktime_get_boot_ns())
HELPER_BODY(get_smp_processor_id, c->acc += bpf_get_smp_processor_id())
HELPER_BODY(get_prandom_u32, c->acc += bpf_get_prandom_u32())
HELPER_BODY(probe_read_kernel, {
    __u64 v = 0;
    if (c->props)
        bpf_probe_read_kernel(&v, sizeof(v), c->props->text);
    c->acc += v;
})
HELPER_BODY(probe_read_kernel_str, {
    char s[32];
    if (c->props)
        c->acc += bpf_probe_read_kernel_str(s, sizeof(s), c->props->text);
})
HELPER_BODY(map_lookup_percpu_elem, {
    __u32 zero = 0;
    __u64 *v = bpf_map_lookup_percpu_elem(&k_percpu_counter, &zero, 0);
    c->acc += v ? *v : 0;
})
HELPER_BODY(spin_lock, {
    if (c->locked) {
        bpf_spin_lock(&c->locked->lock);
        c->locked->value++;
        bpf_spin_unlock(&c->locked->lock);
    }
})
HELPER_BODY(atomic_add_shared, {
    if (c->props)
        __sync_fetch_and_add(&c->props->shared, 1);
})
HELPER_BODY(plain_add_percpu, {
    if (c->counter)
        *c->counter += 1;
})
XDP_BENCH(ktime_get_ns)
XDP_BENCH(ktime_get_boot_ns)
XDP_BENCH(get_smp_processor_id)
XDP_BENCH(get_prandom_u32)
XDP_BENCH(probe_read_kernel)
XDP_BENCH(probe_read_kernel_str)
XDP_BENCH(map_lookup_percpu_elem)
XDP_BENCH(spin_lock)
XDP_BENCH(atomic_add_shared)
XDP_BENCH(plain_add_percpu)

/* Event submission, per record size: bpf_ringbuf_output and bpf_perf_event_output copy `size` bytes from a
 * map value; reserve+submit writes the record's first and last word in place, as a program filling its own
 * fields would. A failed submission (buffer full) counts into acc; user space checks every record arrived. */
#define EVENT_BODIES(size)                                                      \
    static long body_ringbuf_output_##size(__u64 i, void *ctx)                  \
    {                                                                           \
        struct loop_ctx *c = ctx;                                               \
        c->acc += key_of(i, c);                                                 \
        if (c->record)                                                          \
            c->acc += bpf_ringbuf_output(&k_ringbuf, c->record, size, 0);       \
        return 0;                                                               \
    }                                                                           \
    static long body_ringbuf_reserve_submit_##size(__u64 i, void *ctx)          \
    {                                                                           \
        struct loop_ctx *c = ctx;                                               \
        c->acc += key_of(i, c);                                                 \
        __u64 *r = bpf_ringbuf_reserve(&k_ringbuf, size, 0);                    \
        if (!r) {                                                               \
            c->acc++;                                                           \
            return 0;                                                           \
        }                                                                       \
        r[0] = i;                                                               \
        r[size / 8 - 1] = c->acc;                                               \
        bpf_ringbuf_submit(r, 0);                                               \
        return 0;                                                               \
    }                                                                           \
    static long body_perf_event_output_##size(__u64 i, void *ctx)               \
    {                                                                           \
        struct loop_ctx *c = ctx;                                               \
        c->acc += key_of(i, c);                                                 \
        if (c->record)                                                          \
            c->acc += bpf_perf_event_output(c->prog_ctx, &k_perfbuf,            \
                                            BPF_F_CURRENT_CPU, c->record, size);\
        return 0;                                                               \
    }                                                                           \
    XDP_BENCH(ringbuf_output_##size)                                            \
    XDP_BENCH(ringbuf_reserve_submit_##size)                                    \
    XDP_BENCH(perf_event_output_##size)
EVENT_BODIES(64)
EVENT_BODIES(256)
EVENT_BODIES(1024)
EVENT_BODIES(4096)

/* Tracing-only helpers, in raw_tp programs. */
HELPER_BODY(get_current_pid_tgid, c->acc += bpf_get_current_pid_tgid())
HELPER_BODY(get_current_comm, {
    char comm[16];
    c->acc += bpf_get_current_comm(comm, sizeof(comm)) + comm[0];
})
HELPER_BODY(get_stackid, c->acc += bpf_get_stackid(c->prog_ctx, &k_stacks, 0))
TRACING_BENCH(get_current_pid_tgid)
TRACING_BENCH(get_current_comm)
TRACING_BENCH(get_stackid)

/* Cross-check by BPF_PROG_TEST_RUN's own clock (repeat + duration): one hash lookup per run, keys walking as
 * in the loop, against the same program without the lookup. */
static __always_inline __u32 next_key(struct kbench_config *cfg)
{
    __u32 zero = 0;
    __u64 *n = bpf_map_lookup_elem(&k_percpu_counter, &zero);
    if (!n)
        return 0;
    __u32 i = (__u32)(*n)++;
    return (i * 2654435761u) % (cfg->keys ? cfg->keys : 1);
}

SEC("xdp")
int kx_hash_lookup(struct xdp_md *ctx)
{
    __u32 zero = 0;
    struct kbench_config *cfg = bpf_map_lookup_elem(&kbench_cfg, &zero);
    if (!cfg)
        return XDP_PASS;
    __u32 k = next_key(cfg);
    __u64 *v = bpf_map_lookup_elem(&k_hash, &k);
    cfg->sink += v ? *v : k;
    return XDP_PASS;
}

SEC("xdp")
int kx_nothing(struct xdp_md *ctx)
{
    __u32 zero = 0;
    struct kbench_config *cfg = bpf_map_lookup_elem(&kbench_cfg, &zero);
    if (!cfg)
        return XDP_PASS;
    cfg->sink += next_key(cfg);
    return XDP_PASS;
}
