// SPDX-License-Identifier: GPL-2.0
#define CORPUS_SLOW
#include "xdp_fwd.bpf.c"
