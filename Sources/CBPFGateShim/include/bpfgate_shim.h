// What Swift cannot call directly: libbpf's option macros (LIBBPF_OPTS), its variadic print
// callback, and iteration macros. Every function carries the bpfgate_ prefix.
#ifndef BPFGATE_SHIM_H
#define BPFGATE_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

/// bpf_object__open_mem with LIBBPF_OPTS(object_name). Returns NULL and sets errno on failure.
struct bpf_object *bpfgate_object_open_mem(const void *bytes, size_t size, const char *name);

/// bpf_object__open_file with default options. Returns NULL and sets errno on failure.
struct bpf_object *bpfgate_object_open_file(const char *path);

/// Route libbpf's messages into an in-memory buffer (begin) and hand it out (end, caller frees).
/// libbpf prints the verifier log through this callback when a load fails.
void bpfgate_log_capture_begin(void);
char *bpfgate_log_capture_end(void);
/// Install bpfgate's print callback (silent unless bpfgate_log_set_verbose asked for more).
void bpfgate_log_install(void);
/// Echo libbpf's messages to stderr as well (debug level included when verbose > 1).
void bpfgate_log_set_verbose(int verbose);

/// bpf_object__for_each_program / bpf_object__for_each_map, as indexable walks.
struct bpf_program *bpfgate_object_program_at(struct bpf_object *obj, int index);
struct bpf_map *bpfgate_object_map_at(struct bpf_object *obj, int index);

/// A `const volatile` variable of the object's `.rodata` (a tool's command-line switch), found through the
/// object's BTF before load: its size in bytes (1, 2, 4 or 8 for an integer or bool), -ENOENT when there is no such
/// variable, -EINVAL when it is not a plain integer. `bpfgate_rodata_set` writes `value` into it (little-endian, in
/// its size; -ERANGE when it does not fit).
int bpfgate_rodata_size(struct bpf_object *obj, const char *name);
int bpfgate_rodata_set(struct bpf_object *obj, const char *name, int64_t value);

/// bpf_map_create with LIBBPF_OPTS(map_flags).
int bpfgate_map_create(enum bpf_map_type type, const char *name, uint32_t key_size, uint32_t value_size,
                       uint32_t max_entries, uint32_t map_flags);

/// bpf_map_update_batch / bpf_map_lookup_batch with LIBBPF_OPTS(elem_flags).
int bpfgate_map_update_batch(int fd, const void *keys, const void *values, uint32_t *count, uint64_t elem_flags);
int bpfgate_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, uint32_t *count);

/// bpf_program__attach_uprobe_opts(func_name): attach to a function of an ELF binary by name.
struct bpf_link *bpfgate_attach_uprobe(struct bpf_program *prog, int retprobe, const char *binary, const char *func);

/// bpf_prog_test_run_opts with data in/out, repeat and duration.
struct bpfgate_test_run_result { uint32_t retval; uint32_t duration_ns; };
/// BPF_PROG_TEST_RUN with packet data, a context or both (either may be NULL), `repeat` runs (0 for raw_tp and
/// syscall programs, which run once); the packet as the program left it into `data_out` (NULL: not wanted), its size
/// into *out_size. 0 or -errno.
int bpfgate_prog_test_run(int prog_fd, const void *data_in, uint32_t data_size, const void *ctx, uint32_t ctx_size,
                          uint32_t repeat, void *data_out, uint32_t *out_size, struct bpfgate_test_run_result *result);
/// Writes the `struct bpf_sk_lookup` a test run of an sk_lookup program takes (family AF_INET or AF_INET6, protocol
/// IPPROTO_TCP or IPPROTO_UDP, addresses of 4 or 16 bytes in network order, ports in host order) into `out`;
/// returns its size, or 0 if `size` is too small.
uint32_t bpfgate_sk_lookup_ctx(void *out, uint32_t size, uint32_t family, uint32_t protocol, const uint8_t *remote_ip,
                               uint16_t remote_port, const uint8_t *local_ip, uint16_t local_port);

/// bpf_obj_get_info_by_fd for programs and maps: the fields bpfgate reads.
struct bpfgate_prog_info {
    uint32_t id, type, verified_insns, xlated_prog_len, jited_prog_len, nr_map_ids;
    uint64_t run_time_ns, run_cnt, recursion_misses;
    char name[16];
    uint8_t tag[8];
};
int bpfgate_prog_info(int prog_fd, struct bpfgate_prog_info *out);

/// tc (clsact) through libbpf: creates the clsact qdisc on `ifindex` if absent (*created = 1 then),
/// attaches `prog_fd` at ingress (egress when `egress`), and reports handle/priority for the detach.
int bpfgate_tc_attach(int ifindex, int egress, int prog_fd, int *created, uint32_t *handle, uint32_t *priority);
/// Detaches what bpfgate_tc_attach attached, and destroys the clsact qdisc when it created it.
int bpfgate_tc_detach(int ifindex, int egress, uint32_t handle, uint32_t priority, int destroy_qdisc);

/// The ids of the maps a loaded program uses (up to cap); returns how many it uses, or -errno.
int bpfgate_prog_map_ids(int prog_fd, uint32_t *ids, uint32_t cap);
/// The id of the map behind map_fd; 0 or -errno.
int bpfgate_map_id(int map_fd, uint32_t *id);

/// A user-space consumer of a BPF ring buffer (perf = 0) or perf buffer (perf = 1, perf_pages per CPU) on
/// its own thread, polling every 10 ms and counting events, bytes and (perf buffer) lost records. NULL and
/// *err = -errno when it cannot start. Stop frees it.
struct bpfgate_consumer;
/// threaded = 0: no thread; the caller drains with bpfgate_consumer_drain (0 or -errno); the counts tell what arrived.
struct bpfgate_consumer *bpfgate_consumer_start(int map_fd, int perf, size_t perf_pages, int threaded, int *err);
int bpfgate_consumer_drain(struct bpfgate_consumer *c);
void bpfgate_consumer_counts(struct bpfgate_consumer *c, uint64_t *events, uint64_t *bytes, uint64_t *lost);
void bpfgate_consumer_stop(struct bpfgate_consumer *c);

#endif
