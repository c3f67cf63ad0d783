/* Shared between the XDP demo programs and user space (Sources/Suites/XDPDemoSuite.swift). */
#ifndef BPFGATE_XDP_DEMO_H
#define BPFGATE_XDP_DEMO_H

enum demo_verdict {
    DEMO_PASSED = 0,  /* UDP to a Fibonacci port */
    DEMO_DROPPED,     /* UDP to another port */
    DEMO_NOT_UDP,     /* not IPv4/UDP: passed untouched */
    DEMO_VERDICTS,
};

struct demo_config {
    unsigned int extra_work; /* loop iterations of injected cost per packet (0: none) */
    unsigned int pad;
};

#endif
