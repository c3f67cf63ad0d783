// SPDX-License-Identifier: GPL-2.0
/* The gate's demo classifier, slow version: Fibonacci numbers recomputed per packet (see xdp_fib.h).
 * It exists to show the gate catching a regression: A/B it as head against bpf/xdp_demo.bpf.c. */
#include "xdp_fib.h"
