// SPDX-License-Identifier: GPL-2.0
/* The gate's demo classifier, fast version: a table of Fibonacci numbers (see xdp_fib.h). */
#define FIB_TABLE 1
#include "xdp_fib.h"
