// The reference for ci/bench/accuracy.sh: the same libbpf calls bpfgate's user-space map suite makes for
// `user/map/hash/<size>/update`, in plain C. Same map (HASH u32->u64, <size> entries, filled), same key
// order (SplitMix64 Fisher-Yates with bpfgate's seed ^ size), same rounds (warm-up, then samples of <batch>
// updates, BPF_ANY), and the same interleaved reference (lookups of <batch> keys in a filled 1024-entry
// array, before or after the updates in alternate rounds), same clock. Prints the median ns per update.
// Build: cc -O2 -o maploop ci/bench/maploop.c -lbpf     Run: ./maploop [size] [batch] [samples] [warmup]
#include <bpf/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t state;
static uint64_t next(void) {
    state += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    uint32_t size = argc > 1 ? atoi(argv[1]) : 1024, batch = argc > 2 ? atoi(argv[2]) : 512;
    int samples = argc > 3 ? atoi(argv[3]) : 20, warmup = argc > 4 ? atoi(argv[4]) : 2;
    int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "maploop", 4, 8, size, NULL);
    if (fd < 0) { perror("bpf_map_create"); return 1; }
    uint64_t value[1] = {0};
    for (int i = 0; i < 8; i++) ((uint8_t *)value)[i] = (uint8_t)(i * 31 + 7);
    for (uint32_t k = 0; k < size; k++)
        if (bpf_map_update_elem(fd, &k, value, BPF_ANY)) { perror("fill"); return 1; }
    uint32_t *order = malloc(size * sizeof *order), *keys = malloc(batch * sizeof *keys);
    for (uint32_t i = 0; i < size; i++) order[i] = i;
    state = 0x6270666761746521ULL ^ size;
    for (uint32_t i = size - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(next() % (uint64_t)(i + 1));
        uint32_t t = order[i]; order[i] = order[j]; order[j] = t;
    }
    /* The reference: a 1024-entry array, filled, its keys in the order of seed (no size mixed in). */
    int ref = bpf_map_create(BPF_MAP_TYPE_ARRAY, "maploop_ref", 4, 8, 1024, NULL);
    if (ref < 0) { perror("bpf_map_create(ref)"); return 1; }
    uint32_t *ref_order = malloc(1024 * sizeof *ref_order), *ref_keys = malloc(batch * sizeof *ref_keys);
    for (uint32_t k = 0; k < 1024; k++) {
        if (bpf_map_update_elem(ref, &k, value, BPF_ANY)) { perror("fill ref"); return 1; }
        ref_order[k] = k;
    }
    state = 0x6270666761746521ULL;
    for (uint32_t i = 1023; i > 0; i--) {
        uint32_t j = (uint32_t)(next() % (uint64_t)(i + 1));
        uint32_t t = ref_order[i]; ref_order[i] = ref_order[j]; ref_order[j] = t;
    }
    uint64_t out[1];
    double *ns = malloc(samples * sizeof *ns);
    for (int round = 0; round < warmup + samples; round++) {
        uint32_t start = (uint32_t)(((uint64_t)round * batch) % size);
        for (uint32_t i = 0; i < batch; i++) keys[i] = order[(start + i) % size];
        uint32_t ref_start = (uint32_t)(((uint64_t)round * batch) % 1024);
        for (uint32_t i = 0; i < batch; i++) ref_keys[i] = ref_order[(ref_start + i) % 1024];
        for (int unit = 0; unit < 2; unit++) {
            if ((unit + round) % 2 == 1) {  /* the reference's slot */
                for (uint32_t i = 0; i < batch; i++) bpf_map_lookup_elem(ref, &ref_keys[i], out);
                continue;
            }
            uint64_t t0 = now();
            for (uint32_t i = 0; i < batch; i++)
                if (bpf_map_update_elem(fd, &keys[i], value, BPF_ANY)) { perror("update"); return 1; }
            uint64_t t1 = now();
            if (round >= warmup) ns[round - warmup] = (double)(t1 - t0) / batch;
        }
    }
    qsort(ns, samples, sizeof *ns, cmp);
    double median = samples % 2 ? ns[samples / 2] : (ns[samples / 2 - 1] + ns[samples / 2]) / 2;
    printf("%.3f\n", median);
    return 0;
}
