// SPDX-License-Identifier: GPL-2.0
#define CORPUS_SLOW
#include "runqlat.bpf.c"
