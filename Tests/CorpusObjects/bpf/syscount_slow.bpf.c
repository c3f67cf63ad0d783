// SPDX-License-Identifier: GPL-2.0
#define CORPUS_SLOW
#include "syscount.bpf.c"
