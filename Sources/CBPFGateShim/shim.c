#define _GNU_SOURCE
#include "bpfgate_shim.h"

#include <sched.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bpf_object *bpfgate_object_open_mem(const void *bytes, size_t size, const char *name) {
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
    struct bpf_object *obj = bpf_object__open_mem(bytes, size, &opts);
    if (libbpf_get_error(obj)) { errno = -(int)libbpf_get_error(obj); return NULL; }
    return obj;
}

struct bpf_object *bpfgate_object_open_file(const char *path) {
    struct bpf_object *obj = bpf_object__open_file(path, NULL);
    if (libbpf_get_error(obj)) { errno = -(int)libbpf_get_error(obj); return NULL; }
    return obj;
}

// ---- libbpf print capture -------------------------------------------------------------------
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_buf;
static size_t log_len, log_cap;
static int log_capturing;
static int log_verbose;

static int bpfgate_print(enum libbpf_print_level level, const char *fmt, va_list args) {
    va_list copy;
    va_copy(copy, args);
    if (log_verbose > 1 || (log_verbose == 1 && level != LIBBPF_DEBUG)) {
        va_list echo;
        va_copy(echo, copy);
        vfprintf(stderr, fmt, echo);
        va_end(echo);
    }
    if (level != LIBBPF_DEBUG) {
        pthread_mutex_lock(&log_lock);
        if (log_capturing) {
            // libbpf prints a whole verifier log (up to megabytes) in one call: size it, then append it whole.
            va_list sizing;
            va_copy(sizing, copy);
            int n = vsnprintf(NULL, 0, fmt, sizing);
            va_end(sizing);
            if (n > 0) {
                size_t len = (size_t)n;
                if (log_len + len + 1 > log_cap) {
                    size_t cap = log_cap ? log_cap * 2 : 8192;
                    while (cap < log_len + len + 1) cap *= 2;
                    char *grown = realloc(log_buf, cap);
                    if (grown) { log_buf = grown; log_cap = cap; }
                }
                if (log_len + len + 1 <= log_cap) {
                    vsnprintf(log_buf + log_len, len + 1, fmt, copy);
                    log_len += len;
                }
            }
        }
        pthread_mutex_unlock(&log_lock);
    }
    va_end(copy);
    return 0;
}

void bpfgate_log_install(void) {
    libbpf_set_print(bpfgate_print);
}

void bpfgate_log_set_verbose(int verbose) {
    log_verbose = verbose;
    libbpf_set_print(bpfgate_print);
}

void bpfgate_log_capture_begin(void) {
    libbpf_set_print(bpfgate_print);
    pthread_mutex_lock(&log_lock);
    log_capturing = 1;
    log_len = 0;
    if (log_buf) log_buf[0] = 0;
    pthread_mutex_unlock(&log_lock);
}

char *bpfgate_log_capture_end(void) {
    pthread_mutex_lock(&log_lock);
    log_capturing = 0;
    char *out = strdup(log_buf ? log_buf : "");
    log_len = 0;
    pthread_mutex_unlock(&log_lock);
    return out;
}

// ---- iteration --------------------------------------------------------------------------------
struct bpf_program *bpfgate_object_program_at(struct bpf_object *obj, int index) {
    struct bpf_program *prog;
    int i = 0;
    bpf_object__for_each_program(prog, obj) {
        if (i++ == index) return prog;
    }
    return NULL;
}

struct bpf_map *bpfgate_object_map_at(struct bpf_object *obj, int index) {
    struct bpf_map *map;
    int i = 0;
    bpf_object__for_each_map(map, obj) {
        if (i++ == index) return map;
    }
    return NULL;
}

// ---- .rodata ------------------------------------------------------------------------------------

#include <bpf/btf.h>

/// The `.rodata` variable `name`: its offset in the section's data and its BTF size; the map holding it.
static int rodata_find(struct bpf_object *obj, const char *name, struct bpf_map **map, uint32_t *offset, uint32_t *size) {
    struct btf *btf = bpf_object__btf(obj);
    if (!btf) return -ENOENT;
    struct bpf_map *m;
    bpf_object__for_each_map(m, obj) {
        if (!bpf_map__is_internal(m)) continue;
        const char *mname = bpf_map__name(m);
        const char *dot = mname ? strstr(mname, ".rodata") : NULL;
        if (!dot || strcmp(dot, ".rodata") != 0) continue;
        int sec = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
        if (sec < 0) return -ENOENT;
        const struct btf_type *t = btf__type_by_id(btf, (uint32_t)sec);
        const struct btf_var_secinfo *vi = btf_var_secinfos(t);
        for (int i = 0; i < btf_vlen(t); i++, vi++) {
            const struct btf_type *var = btf__type_by_id(btf, vi->type);
            if (!var || !btf_is_var(var) || strcmp(btf__name_by_offset(btf, var->name_off), name) != 0) continue;
            const struct btf_type *type = btf__type_by_id(btf, var->type);
            while (type && (btf_is_mod(type) || btf_is_typedef(type))) type = btf__type_by_id(btf, type->type);
            if (!type || !(btf_is_int(type) || btf_is_enum(type)) || (vi->size != 1 && vi->size != 2 && vi->size != 4 && vi->size != 8))
                return -EINVAL;
            *map = m;
            *offset = vi->offset;
            *size = vi->size;
            return 0;
        }
        return -ENOENT;
    }
    return -ENOENT;
}

int bpfgate_rodata_size(struct bpf_object *obj, const char *name) {
    struct bpf_map *map;
    uint32_t offset, size;
    int err = rodata_find(obj, name, &map, &offset, &size);
    return err ? err : (int)size;
}

int bpfgate_rodata_set(struct bpf_object *obj, const char *name, int64_t value) {
    struct bpf_map *map;
    uint32_t offset, size;
    int err = rodata_find(obj, name, &map, &offset, &size);
    if (err) return err;
    if (size < 8) {
        int64_t lo = -((int64_t)1 << (size * 8 - 1)), hi = ((int64_t)1 << (size * 8)) - 1;
        if (value < lo || value > hi) return -ERANGE;
    }
    size_t total = 0;
    const uint8_t *current = bpf_map__initial_value(map, &total);
    if (!current || (size_t)offset + size > total) return -EINVAL;
    uint8_t *data = malloc(total);
    if (!data) return -ENOMEM;
    memcpy(data, current, total);
    for (uint32_t i = 0; i < size; i++) data[offset + i] = (uint8_t)((uint64_t)value >> (8 * i));
    err = bpf_map__set_initial_value(map, data, total);
    free(data);
    return err;
}

// ---- maps ---------------------------------------------------------------------------------------
int bpfgate_map_create(enum bpf_map_type type, const char *name, uint32_t key_size, uint32_t value_size,
                       uint32_t max_entries, uint32_t map_flags) {
    LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = map_flags);
    return bpf_map_create(type, name, key_size, value_size, max_entries, &opts);
}

int bpfgate_map_update_batch(int fd, const void *keys, const void *values, uint32_t *count, uint64_t elem_flags) {
    LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = elem_flags);
    return bpf_map_update_batch(fd, keys, values, count, &opts);
}

int bpfgate_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, uint32_t *count) {
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    return bpf_map_lookup_batch(fd, in_batch, out_batch, keys, values, count, &opts);
}

// ---- programs -----------------------------------------------------------------------------------
struct bpf_link *bpfgate_attach_uprobe(struct bpf_program *prog, int retprobe, const char *binary, const char *func) {
    LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = func, .retprobe = retprobe != 0);
    struct bpf_link *link = bpf_program__attach_uprobe_opts(prog, -1, binary, 0, &opts);
    if (libbpf_get_error(link)) { errno = -(int)libbpf_get_error(link); return NULL; }
    return link;
}

int bpfgate_prog_test_run(int prog_fd, const void *data_in, uint32_t data_size, const void *ctx, uint32_t ctx_size,
                          uint32_t repeat, void *data_out, uint32_t *out_size, struct bpfgate_test_run_result *result) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data_in, .data_size_in = data_size, .ctx_in = ctx,
                .ctx_size_in = ctx_size, .repeat = (int)repeat, .data_out = data_out,
                .data_size_out = data_out && out_size ? *out_size : 0);
    int err = bpf_prog_test_run_opts(prog_fd, &opts);
    if (err) return err;
    if (data_out && out_size) *out_size = opts.data_size_out;
    result->retval = opts.retval;
    result->duration_ns = opts.duration;
    return 0;
}

uint32_t bpfgate_sk_lookup_ctx(void *out, uint32_t size, uint32_t family, uint32_t protocol, const uint8_t *remote_ip,
                               uint16_t remote_port, const uint8_t *local_ip, uint16_t local_port) {
    struct bpf_sk_lookup ctx;
    if (size < sizeof ctx) return 0;
    memset(&ctx, 0, sizeof ctx);
    ctx.family = family;
    ctx.protocol = protocol;
    if (family == AF_INET) {
        memcpy(&ctx.remote_ip4, remote_ip, 4);
        memcpy(&ctx.local_ip4, local_ip, 4);
    } else {
        memcpy(ctx.remote_ip6, remote_ip, 16);
        memcpy(ctx.local_ip6, local_ip, 16);
    }
    ctx.remote_port = htons(remote_port);
    ctx.local_port = local_port;
    memcpy(out, &ctx, sizeof ctx);
    return sizeof ctx;
}

int bpfgate_prog_info(int prog_fd, struct bpfgate_prog_info *out) {
    struct bpf_prog_info info;
    uint32_t len = sizeof info;
    memset(&info, 0, sizeof info);
    int err = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
    if (err) return err;
    memset(out, 0, sizeof *out);
    out->id = info.id;
    out->type = info.type;
    out->verified_insns = info.verified_insns;
    out->xlated_prog_len = info.xlated_prog_len;
    out->jited_prog_len = info.jited_prog_len;
    out->nr_map_ids = info.nr_map_ids;
    out->run_time_ns = info.run_time_ns;
    out->run_cnt = info.run_cnt;
    out->recursion_misses = info.recursion_misses;
    memcpy(out->name, info.name, sizeof out->name);
    out->name[sizeof out->name - 1] = 0;
    memcpy(out->tag, info.tag, sizeof out->tag);
    return 0;
}

// ---- tc -----------------------------------------------------------------------------------------
int bpfgate_tc_attach(int ifindex, int egress, int prog_fd, int *created, uint32_t *handle, uint32_t *priority) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
    int err = bpf_tc_hook_create(&hook);
    *created = err == 0;
    if (err && err != -EEXIST) return err;
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd);
    err = bpf_tc_attach(&hook, &opts);
    if (err) {
        if (*created) { hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS; bpf_tc_hook_destroy(&hook); }
        return err;
    }
    *handle = opts.handle;
    *priority = opts.priority;
    return 0;
}

int bpfgate_tc_detach(int ifindex, int egress, uint32_t handle, uint32_t priority, int destroy_qdisc) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
    int err = bpf_tc_detach(&hook, &opts);
    if (destroy_qdisc) {
        hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
        int err2 = bpf_tc_hook_destroy(&hook);
        if (!err) err = err2;
    }
    return err;
}

// ---- map ids --------------------------------------------------------------------------------------
int bpfgate_prog_map_ids(int prog_fd, uint32_t *ids, uint32_t cap) {
    struct bpf_prog_info info;
    uint32_t len = sizeof info;
    memset(&info, 0, sizeof info);
    info.nr_map_ids = cap;
    info.map_ids = (uint64_t)(uintptr_t)ids;
    int err = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
    return err ? err : (int)info.nr_map_ids;
}

int bpfgate_map_id(int map_fd, uint32_t *id) {
    struct bpf_map_info info;
    uint32_t len = sizeof info;
    memset(&info, 0, sizeof info);
    int err = bpf_obj_get_info_by_fd(map_fd, &info, &len);
    if (!err) *id = info.id;
    return err;
}

// ---- ring buffer and perf buffer consumer ---------------------------------------------------------
struct bpfgate_consumer {
    struct ring_buffer *rb;
    struct perf_buffer *pb;
    pthread_t thread;
    int threaded;
    int stop;
    uint64_t events, bytes, lost;
};

static int consumer_ringbuf_event(void *ctx, void *data, size_t size) {
    struct bpfgate_consumer *c = ctx;
    (void)data;
    __atomic_add_fetch(&c->events, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&c->bytes, size, __ATOMIC_RELAXED);
    return 0;
}

static void consumer_perf_event(void *ctx, int cpu, void *data, uint32_t size) {
    (void)cpu;
    consumer_ringbuf_event(ctx, data, size);
}

static void consumer_perf_lost(void *ctx, int cpu, unsigned long long count) {
    struct bpfgate_consumer *c = ctx;
    (void)cpu;
    __atomic_add_fetch(&c->lost, count, __ATOMIC_RELAXED);
}

static void *consumer_loop(void *arg) {
    struct bpfgate_consumer *c = arg;
    while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
        int n = c->rb ? ring_buffer__poll(c->rb, 10) : perf_buffer__poll(c->pb, 10);
        if (n < 0 && n != -EINTR) break;
    }
    return NULL;
}

struct bpfgate_consumer *bpfgate_consumer_start(int map_fd, int perf, size_t perf_pages, int threaded, int *err) {
    struct bpfgate_consumer *c = calloc(1, sizeof *c);
    if (!c) { *err = -ENOMEM; return NULL; }
    if (perf) {
        c->pb = perf_buffer__new(map_fd, perf_pages, consumer_perf_event, consumer_perf_lost, c, NULL);
        if (!c->pb) { *err = -errno; free(c); return NULL; }
    } else {
        c->rb = ring_buffer__new(map_fd, consumer_ringbuf_event, c, NULL);
        if (!c->rb) { *err = -errno; free(c); return NULL; }
    }
    if (!threaded) return c;
    c->threaded = 1;
    int rc = pthread_create(&c->thread, NULL, consumer_loop, c);
    if (rc) {
        if (c->pb) perf_buffer__free(c->pb);
        if (c->rb) ring_buffer__free(c->rb);
        free(c);
        *err = -rc;
        return NULL;
    }
    return c;
}

void bpfgate_consumer_counts(struct bpfgate_consumer *c, uint64_t *events, uint64_t *bytes, uint64_t *lost) {
    *events = __atomic_load_n(&c->events, __ATOMIC_RELAXED);
    *bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
    *lost = __atomic_load_n(&c->lost, __ATOMIC_RELAXED);
}

int bpfgate_consumer_drain(struct bpfgate_consumer *c) {
    int n = c->rb ? ring_buffer__consume(c->rb) : perf_buffer__consume(c->pb);
    return n < 0 ? n : 0;
}

void bpfgate_consumer_stop(struct bpfgate_consumer *c) {
    if (!c) return;
    if (c->threaded) {
        __atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
        pthread_join(c->thread, NULL);
    }
    if (c->pb) perf_buffer__free(c->pb);
    if (c->rb) ring_buffer__free(c->rb);
    free(c);
}
