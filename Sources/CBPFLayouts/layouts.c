// The structs and constants bpf/*.bpf.c share with user space, seen by Swift through the same headers (the
// include directory links to bpf/probes.h, bpf/kernel_bench.h and bpf/xdp_demo.h): no hand-written offsets.
#include "probes.h"
#include "kernel_bench.h"
#include "xdp_demo.h"
