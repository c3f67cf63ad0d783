#!/usr/bin/env python3
"""Fuzzer of bpfgate's pure commands.

Mutates valid results files, stored baselines (baselines/<testbed>/runs/*.json), BMF-like and verdict files,
configuration files (--config) and flag values, runs the commands that load no BPF program (compare, baseline
save/accept --results, baseline show/list/delete, history, trend, report, upload to a dead loopback URL, list)
on them, and checks every case:

  crash             death by a signal (Swift trap, SIGSEGV, ...)
  exit-1            exit status 1 (a bpfgate defect by the README's table)
  bad-status        an exit status outside the README's table
  no-error-line     a failing command (status not 0/2/6) without a `bpfgate: error:` line
  multi-line-error  more than one error line, or the error line is not the last line of stderr
  control-chars     the error line holds raw control characters
  partial-outputs   a failing command left output files (or changed the output directory); a succeeding one
                    did not write every output it was given
  baselines-changed a failing command (or a read-only one) changed the baselines directory it was given
  escaped-write     something was written outside the areas the command may write (outputs, its baselines
                    directory, its outbox), e.g. a testbed name `../../escaped`
  hang              the case ran longer than --case-timeout seconds

Usage:
  fuzz.py --bin PATH --seed S --cases N [--jobs J] [--json FILE] [--keep DIR]
  fuzz.py --bin PATH --replay [--jobs J] [--json FILE]      # the fixed corpus (seed and count below)

Deterministic for a seed: case i draws from random.Random(S * 1000003 + i). One line per finding, then
`fuzz: N passed, M failed`; exit 0 without findings, else 1. Uploads only ever go to http://127.0.0.1:9
(nothing listens there); proxies are removed from the environment. Never runs `run`, `check`, `doctor` or
`objects`, and `baseline save/accept` only with --results.
"""

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

# The fixed corpus of --replay: about 50 s with --jobs 2 on the 2-core CI machine.
REPLAY_SEED = 13
REPLAY_CASES = 1000

DEAD_URL = "http://127.0.0.1:9"
KINDS = ["crash", "exit-1", "bad-status", "no-error-line", "multi-line-error", "control-chars", "partial-outputs",
         "baselines-changed", "escaped-write", "hang", "fuzzer-error"]
KNOWN_STATUSES = {0, 2, 3, 4, 5, 6, 64, 65}
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


# ---------------------------------------------------------------- JSON with what json.dumps cannot write

class Raw(str):
    """Emitted verbatim: NaN, Infinity, 1e400, -0 ..."""


class Dup(list):
    """An object as a list of (key, value) pairs: duplicate keys."""


def dump(v):
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, Dup):
        return "{" + ",".join(json.dumps(k) + ":" + dump(x) for k, x in v) + "}"
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dump(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, float):
        if v != v:
            return "NaN"
        if v in (float("inf"), float("-inf")):
            return "Infinity" if v > 0 else "-Infinity"
    return json.dumps(v)


SPECIAL_NUMBERS = [0, -0.0, 1, -1, 2, 0.5, 1e30, -1e30, 1e308, -1e308, 5e-324, 2 ** 63, -(2 ** 63) - 1, 2 ** 64,
                   10 ** 30, Raw("1e400"), Raw("-1e400"), Raw("NaN"), Raw("Infinity"), Raw("-0"), Raw("1E+2"),
                   Raw("0.0000000000000000000000000001"), "NaN", "nan", "inf", "-inf", "1e30", "Infinity"]
SPECIAL_STRINGS = ["", " ", "\n", "a\nb", "\x00", "x\x00y", "\x1b[31mred\x1b[0m", "\r", "\t", "\x7f", "\x85",
                   "\u2028", "\u00e9", "\u65e5\u672c", "\U0001F600", "\u202e", "\ufeff", "../../escaped", "/",
                   "a/b", "..", ".", "nan", "inf", "1e30", "-0", "null", "true", "x" * 3000, "%s%n%x", "$(id)",
                   "\\", "\"", "<script>alert(1)</script>", "&amp;]]>", "2300-01-01T00:00:00.000Z",
                   "1600-01-01T00:00:00Z", "\ud800"]
TIMES = ["2300-01-01T00:00:00.000Z", "1600-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
         "1970-01-01T00:00:00Z", "2026-02-30T25:61:61Z", "", "yesterday", "2026-11-01T00:00:00.000+14:00",
         "\u0662\u0660\u0662\u0666-11-01T00:00:00Z", "2026-11-01T00:00:00.1234567890123Z", "-2026-11-01T00:00:00Z"]
NAME_SEGMENTS = ["nan", "inf", "-inf", "1e30", "1e400", "0", "-1", "00", "9223372036854775808", "1.5", "infinity",
                 "0x10", "1_024", ".", "..", "-0", "nan.0", "e", "99999999999999999999999999999999"]
TESTBED_NAMES = ["../../escaped", "../../../escaped", "a/b", "", "UPPER", "fz\n", "fz\u00e9", ".", "..", ".hidden",
                 "fz\x1b[2J", " fz", "fz/..", "/abs", "x" * 300, "fz\x00"]
RUN_IDS = ["a/b", "../../escaped", "", "x" * 5000, "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", "id\nline",
           "........", "////////", "\x00\x00\x00\x00\x00\x00\x00\x00", "--all", "*"]


def special_value(rng):
    r = rng.random()
    if r < 0.4:
        return rng.choice(SPECIAL_NUMBERS)
    if r < 0.75:
        return rng.choice(SPECIAL_STRINGS)
    return rng.choice([None, True, False, [], {}, [1, 2], {"a": 1}, [[[[]]]], Dup([("a", 1), ("a", 2)])])


# ---------------------------------------------------------------- seed inputs

BENCHMARKS = [
    # name, suite, [(measure, unit, direction, center)], reference
    ("user/map/hash/1024/update", "user-maps", [("latency", "ns", "s", 900.0)], "user/map/hash/1024/reference"),
    ("user/map/hash/1024/lookup", "user-maps", [("latency", "ns", "s", 500.0)], "user/map/hash/1024/reference"),
    ("user/map/hash/1024/reference", "user-maps", [("latency", "ns", "s", 430.0)], None),
    ("user/map/array/1024/lookup", "user-maps", [("latency", "ns", "s", 300.0)], "user/map/array/1024/reference"),
    ("user/map/array/1024/reference", "user-maps", [("latency", "ns", "s", 430.0)], None),
    ("user/map/hash/1024/full", "user-maps", [("memlock-bytes", "bytes", "s", 82960.0)], None),
    ("user/map/hash/1024/batch-update", "user-maps", [("latency", "ns", "s", 120.0)], "user/map/hash/1024/reference-batch"),
    ("user/map/hash/1024/reference-batch", "user-maps", [("latency", "ns", "s", 60.0)], None),
    ("xdp/demo/fib-classifier", "xdp-demo", [("latency", "ns", "s", 40.0)], "xdp/demo/reference-pass"),
    ("xdp/demo/reference-pass", "xdp-demo", [("latency", "ns", "s", 20.0)], None),
    ("kernel/map/hash/1024/full/lookup", "kernel", [("latency", "ns", "s", 30.0)], None),
    ("kernel/map/array/1024/full/update", "kernel", [("latency", "ns", "s", 25.0)], None),
    ("kernel/helper/ktime_get_ns", "kernel", [("latency", "ns", "s", 20.0)], None),
    ("kernel/helper/ringbuf_output/64", "kernel", [("latency", "ns", "s", 60.0)], None),
    ("kernel/helper/perf_event_output/4096", "kernel", [("latency", "ns", "s", 300.0)], None),
    ("macro/count/xdp", "macro", [("latency", "ns", "s", 30.0), ("throughput", "events/s", "b", 9e5),
                                  ("overhead-ns", "ns", "s", 25.0), ("overhead-percent", "%", "s", 3.0),
                                  ("system-cpu-percent", "%", "s", 40.0)], None),
    ("macro/count/tracepoint", "macro", [("latency", "ns", "s", 30.0), ("overhead-ns", "ns", "s", 25.0)], None),
    ("macro/ringbuf-64/tracepoint", "macro", [("latency", "ns", "s", 80.0), ("consumed", "events/s", "b", 5e5),
                                              ("drop-percent", "%", "s", 0.1)], None),
    ("macro/perfbuf-4096/tracepoint", "macro", [("latency", "ns", "s", 400.0)], None),
    ("macro/xdp-demo/xdp", "macro", [("latency", "ns", "s", 60.0)], "macro/xdp-demo/xdp/reference"),
    ("macro/xdp-demo/xdp/reference", "macro", [("latency", "ns", "s", 30.0)], None),
]


class Case:
    """One case: its rng, its directory, what was mutated (for the report)."""

    def __init__(self, index, seed, root):
        self.index = index
        self.rng = random.Random(seed * 1000003 + index)
        self.dir = os.path.join(root, "c%d" % index)
        self.s = os.path.join(self.dir, "s")
        self.notes = []

    def p(self, *parts):
        return os.path.join(self.s, *parts)

    def note(self, text):
        self.notes.append(text)


def pick_benchmarks(c):
    rng = c.rng
    chosen = [b for b in BENCHMARKS if rng.random() < 0.35] or [BENCHMARKS[0]]
    names = {b[0] for b in chosen}
    for b in list(chosen):  # keep references with what they reference
        if b[3] and b[3] not in names:
            ref = next((x for x in BENCHMARKS if x[0] == b[3]), None)
            if ref:
                chosen.append(ref)
                names.add(ref[0])
    rename = {}
    if rng.random() < 0.3:  # size segments nan/inf/1e30 ... in every file of the case
        seg = rng.choice(NAME_SEGMENTS)
        for name, *_ in chosen:
            parts = name.split("/")
            for i, p in enumerate(parts):
                if p in ("1024", "64", "4096"):
                    parts[i] = seg
                elif p.startswith("ringbuf-") or p.startswith("perfbuf-"):
                    parts[i] = p.split("-")[0] + "-" + seg
            rename[name] = "/".join(parts)
        c.note("size segment '%s' in every benchmark name" % seg)
    out = []
    for name, suite, measures, ref in chosen:
        out.append((rename.get(name, name), suite, measures, rename.get(ref, ref) if ref else None))
    return out


def samples_for(rng, center, factor):
    n = rng.randint(3, 12)
    return [round(center * factor * (1 + rng.uniform(-0.03, 0.03)), 4) for _ in range(n)]


def make_results(c, benchmarks, i, testbed, when, factor=1.0):
    rng = c.rng
    bl = []
    for name, suite, measures, ref in benchmarks:
        ms = []
        for slug, unit, d, center in measures:
            m = {"measure": slug, "unit": unit, "direction": "smaller-is-better" if d == "s" else "bigger-is-better",
                 "flags": [], "status": "ok"}
            if rng.random() < 0.04:
                m["status"] = rng.choice(["failed", "unsupported", "not-applicable"])
                m["reason"] = rng.choice(["bpf_map_lookup_elem failed", "not here", "verifier: R1 invalid mem access"])
                m["samples"] = []
            else:
                m["samples"] = samples_for(rng, center, factor * (1.3 if "update" in name and rng.random() < 0.3 else 1.0))
            ms.append(m)
        b = {"name": name, "suite": suite, "measures": ms}
        if ref:
            b["reference"] = ref
        bl.append(b)
    return {
        "schemaVersion": 1,
        "testbed": dict(testbed),
        "run": {"id": "00000000-0000-4000-8000-%012d" % (c.index * 100 + i), "toolVersion": "0.1.0",
                "startedAt": when, "finishedAt": when, "durationSeconds": 1.5,
                "git": {"commit": "%02d" % (i % 100) + "a" * 38, "dirty": False},
                "bpfObjects": [{"name": "probes", "sha256": "0" * 64}], "load": [], "suites": ["user-maps"],
                "settings": {"user-maps.samples": "10"}},
        "benchmarks": bl,
    }


def make_testbed(name="fz"):
    return {"name": name, "kernelRelease": "6.18.44", "architecture": "x86_64", "cpuModel": "cpu", "cpuCount": 2,
            "libbpfVersion": "1.1", "clangVersion": "clang 21", "jitEnabled": True, "jitHarden": 0}


def make_config(rng):
    cfg = {
        "gate": {"minEffect": 0.05, "abMinEffect": 0.01, "alpha": 0.05, "correction": rng.choice(["bh", "holm", "none"]),
                 "normalize": rng.random() < 0.8, "speedAdjust": rng.random() < 0.8, "minBaselineRuns": rng.choice([2, 3, 5]),
                 "baselineRuns": 3, "history": rng.choice([2, 5, 64]), "maxSpread": 0.5},
        "rules": [{"benchmark": "^xdp/", "measure": "latency", "minEffect": 0.03},
                  {"benchmark": "/full$", "measure": "memlock-bytes", "tolerance": 0.01}],
        "waivers": [{"benchmark": "user/map/hash/1024/update", "measure": "latency", "reason": "accepted in #42",
                     "expires": "2027-01-31"}],
        "profiles": {"gate": {"samples": {"user-maps": 300, "xdp-demo": 60}, "repeat": 300000},
                     "mine": {"suites": ["xdp-demo"], "samples": 50, "sizes": [1024]}},
    }
    if rng.random() < 0.4:
        test = rng.choice(["static", "percentage", "z_score", "t_test", "log_normal", "iqr", "delta_iqr"])
        bound = {"static": 1000.0, "percentage": 0.1, "z_score": 0.99, "t_test": 0.99, "log_normal": 0.99, "iqr": 3.0,
                 "delta_iqr": 3.0}[test]
        cfg["gate"]["model"] = {"test": test, "upperBoundary": bound, "maxSampleSize": rng.choice([2, 8, 64])}
        if rng.random() < 0.5:
            cfg["rules"].append({"benchmark": ".*", "measure": "latency", "model": dict(cfg["gate"]["model"])})
    return cfg


# ---------------------------------------------------------------- mutations

def all_slots(v, acc, depth=0):
    """Every (container, key) in a JSON tree."""
    if depth > 12:
        return acc
    if isinstance(v, dict):
        for k in list(v.keys()):
            acc.append((v, k))
            all_slots(v[k], acc, depth + 1)
    elif isinstance(v, list) and not isinstance(v, Dup):
        for i in range(len(v)):
            acc.append((v, i))
            all_slots(v[i], acc, depth + 1)
    return acc


def path_of(root, target_container, key):
    return "%s[%r]" % (type(target_container).__name__, key)


def mutate_tree(c, doc, label, n=None):
    rng = c.rng
    for _ in range(n or rng.randint(1, 3)):
        slots = all_slots(doc, [])
        if not slots:
            return doc
        cont, key = rng.choice(slots)
        old = cont[key]
        op = rng.random()
        if op < 0.15 and isinstance(cont, dict):
            del cont[key]
            c.note("%s: deleted key '%s'" % (label, key))
        elif op < 0.55:
            cont[key] = special_value(rng)
            c.note("%s: '%s' = %s" % (label, key, short(cont[key])))
        elif op < 0.65 and isinstance(old, dict) and old:
            k = rng.choice(list(old.keys()))
            pairs = list(old.items()) + [(k, special_value(rng))]
            cont[key] = Dup(pairs)
            c.note("%s: duplicate key '%s' in '%s'" % (label, k, key))
        elif op < 0.72 and isinstance(old, list):
            cont[key] = []
            c.note("%s: '%s' = []" % (label, key))
        elif op < 0.8 and isinstance(old, list) and old:
            cont[key] = old * rng.choice([100, 3000])
            c.note("%s: '%s' repeated to %d items" % (label, key, len(cont[key])))
        elif op < 0.88 and isinstance(old, str):
            cont[key] = old + rng.choice(SPECIAL_STRINGS[:20])
            c.note("%s: '%s' += %s" % (label, key, short(cont[key][len(old):])))
        elif op < 0.94:
            cont[key] = [old]
            c.note("%s: '%s' wrapped in a list" % (label, key))
        else:
            cont[key] = json.loads(json.dumps(old)) if not isinstance(old, (Raw, Dup)) else old
            if isinstance(cont, dict):
                cont[str(key) + "X"] = special_value(rng)
                c.note("%s: unknown key '%sX'" % (label, key))
    return doc


def short(v):
    s = dump(v) if not isinstance(v, str) or isinstance(v, Raw) else json.dumps(v)
    return s if len(s) <= 40 else s[:37] + "..."


def mutate_results_domain(c, doc, label):
    """Targeted faults of results files."""
    rng = c.rng
    r = rng.random()
    bms = doc.get("benchmarks") if isinstance(doc, dict) else None
    if not isinstance(bms, list) or not bms:
        return doc
    b = rng.choice(bms)
    if not isinstance(b, dict) or not isinstance(b.get("measures"), list) or not b["measures"]:
        return doc
    m = rng.choice(b["measures"])
    if not isinstance(m, dict):
        return doc
    if r < 0.35:
        kind = rng.choice(["big", "huge", "neg", "zero", "nan-str", "nan-raw", "inf-raw", "tiny", "mixed", "many", "one", "empty"])
        vals = {"big": [1e30] * 5, "huge": [1e308, 1e308, 1e308], "neg": [-1e308, -1.0, -5.0], "zero": [0, 0, 0, -0.0],
                "nan-str": ["NaN", "NaN"], "nan-raw": [Raw("NaN"), 1.0], "inf-raw": [Raw("1e400"), 1.0, 2.0],
                "tiny": [5e-324, 5e-324, 1e-320], "mixed": [1e-300, 1e300, 1.0, -1e300], "many": None, "one": [42.0],
                "empty": []}[kind]
        if vals is None:
            vals = [float(rng.randint(1, 1000)) for _ in range(rng.choice([5000, 50000]))]
        m["samples"] = vals
        c.note("%s: %s %s samples = %s" % (label, b.get("name"), m.get("measure"), kind if kind == "many" else short(vals)))
    elif r < 0.5:
        run = doc.get("run", {})
        if isinstance(run, dict):
            k = rng.choice(["startedAt", "finishedAt"])
            run[k] = rng.choice(TIMES)
            c.note("%s: run.%s = %s" % (label, k, short(run[k])))
    elif r < 0.62:
        run = doc.get("run", {})
        if isinstance(run, dict):
            run["id"] = rng.choice(RUN_IDS)
            c.note("%s: run.id = %s" % (label, short(run["id"])))
    elif r < 0.74:
        tb = doc.get("testbed", {})
        if isinstance(tb, dict):
            tb["name"] = rng.choice(TESTBED_NAMES)
            c.note("%s: testbed.name = %s" % (label, short(tb["name"])))
    elif r < 0.84:
        k = rng.choice(["unit", "reason", "measure", "direction", "status"])
        m[k] = rng.choice(SPECIAL_STRINGS)
        c.note("%s: %s %s.%s = %s" % (label, b.get("name"), m.get("measure"), k, short(m[k])))
    elif r < 0.92:
        b["reference"] = rng.choice([b.get("name"), "no/such/ref", "", "a//b", b.get("name", "x") + "/reference"])
        c.note("%s: %s reference = %s" % (label, b.get("name"), short(b["reference"])))
    else:
        k = rng.choice(["cpuModel", "kernelRelease", "clangVersion", "cpuCount", "jitHarden", "schemaVersion", "suite"])
        if k == "schemaVersion":
            doc[k] = rng.choice([0, 2, 10 ** 30, -1, Raw("1.5"), Raw("1e400")])
        elif k == "suite":
            b["suite"] = rng.choice(SPECIAL_STRINGS)
            k = "%s.suite" % b.get("name")
        else:
            tb = doc.get("testbed", {})
            if isinstance(tb, dict):
                tb[k] = rng.choice(SPECIAL_NUMBERS + SPECIAL_STRINGS[:12])
        c.note("%s: %s mutated" % (label, k))
    return doc


def mutate_config(c, cfg):
    rng = c.rng
    r = rng.random()
    if r < 0.5:
        return mutate_tree(c, cfg, "config")
    targets = [("gate", "minEffect"), ("gate", "alpha"), ("gate", "history"), ("gate", "minBaselineRuns"),
               ("gate", "maxSpread"), ("gate", "baselineRuns"), ("gate", "abMinEffect")]
    if r < 0.8:
        sec, k = rng.choice(targets)
        cfg[sec][k] = rng.choice(SPECIAL_NUMBERS + [True, "0.05", None, 1000, 1001, 0.000001, 10, 100])
        c.note("config: %s.%s = %s" % (sec, k, short(cfg[sec][k])))
    elif r < 0.9:
        cfg["rules"].append({"benchmark": rng.choice(["(", "[a-", "\\", "", ".*", "\u00e9+", "(?<n>x)", "x{99999}"]),
                             "measure": rng.choice(["latency", "", "\n"]),
                             "minEffect": rng.choice([0, 10, 0.05, Raw("1e400")])})
        c.note("config: rule %s" % short(cfg["rules"][-1]))
    else:
        cfg["waivers"][0]["expires"] = rng.choice(["9999-99-99", "0000-00-00", "2027-1-1", "\u0662\u0660\u0662\u0667-01-31", ""])
        c.note("config: waiver expires %s" % short(cfg["waivers"][0]["expires"]))
    return cfg


def serialize(c, doc, label):
    rng = c.rng
    text = dump(doc).encode("utf-8", "surrogatepass")
    r = rng.random()
    if r < 0.88:
        return text
    kind = rng.choice(["truncate", "flip", "bom", "utf16", "empty", "garbage", "deep", "nul", "latin1"])
    c.note("%s: bytes %s" % (label, kind))
    if kind == "truncate":
        return text[: rng.randint(0, max(0, len(text) - 1))]
    if kind == "flip":
        b = bytearray(text)
        for _ in range(rng.randint(1, 5)):
            if b:
                b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if kind == "bom":
        return b"\xef\xbb\xbf" + text
    if kind == "utf16":
        return text.decode("utf-8", "replace").encode("utf-16")
    if kind == "empty":
        return b""
    if kind == "garbage":
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
    if kind == "deep":
        n = rng.choice([600, 5000, 100000])
        return b"[" * n + b"]" * n
    if kind == "nul":
        return text + b"\x00"
    return text.replace(b"cpu", b"cp\xe9")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def stamp(i, year=2026):
    return "%04d%02d%02dT%02d%02d00.000Z" % (year, 11, 1 + i // 24, i % 24, i % 60)


# ---------------------------------------------------------------- special paths

def make_device(path, minor):
    """A char device like /dev/null (1,3), /dev/zero (1,5), /dev/full (1,7); a symlink where mknod is denied."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except OSError:
        os.symlink({3: "/dev/null", 5: "/dev/zero", 7: "/dev/full"}[minor], path)


def input_path(c, good, label):
    """Mostly `good`; sometimes '', '/', a directory, a missing parent, a device node, a symlink loop."""
    rng = c.rng
    if rng.random() > 0.1:
        return good
    kind = rng.choice(["empty", "root", "dir", "missing", "null", "zero", "full", "loop"])
    c.note("%s path: %s" % (label, kind))
    if kind == "empty":
        return ""
    if kind == "root":
        return "/"
    if kind == "dir":
        os.makedirs(c.p("in", "adir"), exist_ok=True)
        return c.p("in", "adir")
    if kind == "missing":
        return c.p("in", "missing", "x.json")
    if kind == "loop":
        p = c.p("in", "loop")
        if not os.path.lexists(p):
            os.symlink(p, p)
        return p
    os.makedirs(c.p("dev"), exist_ok=True)
    p = c.p("dev", kind)
    if not os.path.lexists(p):
        make_device(p, {"null": 3, "zero": 5, "full": 7}[kind])
    return p


def output_path(c, name, outputs):
    """out/<name>, or a special path: '', '/', a directory, a missing parent, a device node, a long name."""
    rng = c.rng
    if rng.random() > 0.12:
        p = c.p("out", name)
        if rng.random() < 0.05:
            p = c.p("out", rng.choice(["n\u00e9w\nline ", "\x1b[1m", "\u65e5\u672c"]) + name)
            c.note("output %s: odd characters" % name)
        outputs.append(p)
        return p
    kind = rng.choice(["empty", "root", "dir", "missing", "devnull", "long", "trailing-slash"])
    c.note("output %s: %s" % (name, kind))
    if kind == "empty":
        return ""
    if kind == "root":
        return "/"
    if kind == "dir":
        os.makedirs(c.p("out", "adir"), exist_ok=True)
        return c.p("out", "adir")
    if kind == "missing":
        return c.p("out", "missing", name)
    if kind == "devnull":
        p = c.p("out", "null")
        if not os.path.lexists(p):
            make_device(p, 3)
        return p
    if kind == "long":
        return c.p("out", "x" * 300 + name)
    return c.p("out", name) + "/"


NUMBER_VALUES = ["1e300", "inf", "-inf", "nan", "-0", "0", "1e-300", "0x10", "1_000", "", " 5", "5s", "1e400",
                 "9223372036854775807", "-1", "1.5", "\u0663", "+Infinity", "0.001"]
INT_VALUES = ["0", "-1", "1", "2", "1000000000000", "9223372036854775807", "9223372036854775808", "1e3", "", "nan",
              "5", "-9223372036854775808", "100000"]


def num(c, flag, default):
    if c.rng.random() < 0.15:
        v = c.rng.choice(NUMBER_VALUES)
        c.note("%s %s" % (flag, short(v)))
        return [flag, v]
    return [flag, default] if default is not None else []


def integer(c, flag, default):
    if c.rng.random() < 0.15:
        v = c.rng.choice(INT_VALUES)
        c.note("%s %s" % (flag, short(v)))
        return [flag, v]
    return [flag, default] if default is not None else []


def name_value(c, flag, good, pool):
    if c.rng.random() < 0.15:
        v = c.rng.choice(pool)
        c.note("%s %s" % (flag, short(v)))
        return [flag, v]
    return [flag, good] if good is not None else []


def argv_safe(args):
    """No argument may start a flag by accident where a value is meant; argv cannot hold NUL."""
    return [a.replace("\x00", "") for a in args]


# ---------------------------------------------------------------- scenarios

class Plan:
    def __init__(self, command, args):
        self.command = command
        self.args = args
        self.outputs = []          # ordinary output files: all written on success, none on failure
        self.baselines = None      # the baselines directory given (hashed before/after)
        self.writes_baselines = False
        self.outbox = None
        self.global_names = []     # paths outside the case that must not appear


def build_inputs(c):
    """The case's files: a config, results files, a baselines directory with stored runs."""
    rng = c.rng
    benchmarks = pick_benchmarks(c)
    tb = make_testbed()
    other_tb = make_testbed("other")
    other_tb["kernelRelease"] = "5.10.0"
    files = {}
    os.makedirs(c.p("in"), exist_ok=True)
    os.makedirs(c.p("out"), exist_ok=True)
    # Config.
    cfg = make_config(rng)
    if rng.random() < 0.3:
        mutate_config(c, cfg)
    files["config"] = c.p("in", "bpfgate.json")
    write(files["config"], serialize(c, cfg, "config"))
    # Results files (candidates, bases).
    nres = rng.randint(1, 3)
    files["results"] = []
    for i in range(nres):
        doc = make_results(c, benchmarks, 90 + i, tb, "2026-12-0%dT00:00:00.000Z" % (1 + i), factor=rng.choice([1.0, 1.0, 1.2, 0.8]))
        label = "results%d" % i
        if rng.random() < 0.45:
            mutate_results_domain(c, doc, label)
        if rng.random() < 0.3:
            mutate_tree(c, doc, label)
        p = c.p("in", "results%d.json" % i)
        write(p, serialize(c, doc, label))
        files["results"].append(p)
    # Stored runs.
    base = c.p("w", "baselines")
    files["baselines"] = base
    nruns = rng.choice([0, 1, 2, 3, 5, 8, 12])
    runs_dir = os.path.join(base, "fz", "runs")
    os.makedirs(runs_dir, exist_ok=True)
    mutate_stored = rng.random() < 0.45
    bad = rng.randrange(max(1, nruns))
    year = 2026
    if rng.random() < 0.08:
        year = rng.choice([1600, 2300])
        c.note("stored runs: saved in year %d" % year)
    for i in range(nruns):
        when = "%04d-11-%02dT%02d:00:00.000Z" % (year, 1 + i // 20, i % 20)
        res = make_results(c, benchmarks, i, tb if not (i == bad and rng.random() < 0.1) else other_tb, when,
                           factor=1.0 if i < nruns * 2 // 3 else rng.choice([1.0, 1.15]))
        kind = "accept" if (i > 0 and rng.random() < 0.1) else "save"
        run = {"kind": kind, "savedAt": when, "results": res}
        if kind == "accept":
            run["reason"] = rng.choice(["intended", "new locking\nsecond line", "\x1b[31m"])
        label = "stored run %d" % i
        if mutate_stored and i == bad:
            if rng.random() < 0.6:
                mutate_results_domain(c, res, label)
            if rng.random() < 0.4:
                mutate_tree(c, run, label)
        fname = "%s-%s.json" % (stamp(i, year if 1 <= year <= 9999 else 2026), str(res["run"].get("id", "x"))[:8] if isinstance(res.get("run"), dict) else "x")
        if "/" in fname or "\x00" in fname or len(fname) > 200:
            fname = "%s-odd%d.json" % (stamp(i), i)
        write(os.path.join(runs_dir, fname), serialize(c, run, label) if mutate_stored and i == bad else dump(run).encode("utf-8", "surrogatepass"))
    if rng.random() < 0.1:
        extra = rng.choice(["runs/.hidden.json", "runs/notjson.txt", "runs/dir.json/", "other-tb/runs/x.json", "x.json"])
        p = os.path.join(base, "fz", extra) if not extra.startswith("other") and extra != "x.json" else os.path.join(base, extra)
        if p.endswith("/"):
            os.makedirs(p, exist_ok=True)
        else:
            write(p, b"{not json")
        c.note("baselines: extra entry %s" % extra)
    files["testbed"] = "fz"
    return files


def baselines_arg(c, files, writable):
    rng = c.rng
    if rng.random() > 0.08:
        return files["baselines"]
    kinds = ["missing", "file", "null", "empty-dir"] + ([] if writable else ["root", "empty"])
    kind = rng.choice(kinds)
    c.note("--baselines %s" % kind)
    if kind == "missing":
        return c.p("w", "missing", "baselines")
    if kind == "file":
        return files["results"][0]
    if kind == "null":
        os.makedirs(c.p("dev"), exist_ok=True)
        p = c.p("dev", "bnull")
        if not os.path.lexists(p):
            make_device(p, 3)
        return p
    if kind == "empty-dir":
        os.makedirs(c.p("w", "emptyb"), exist_ok=True)
        return c.p("w", "emptyb")
    return "/" if kind == "root" else ""


def testbed_arg(c, good="fz"):
    return name_value(c, "--testbed", good, TESTBED_NAMES + ["fz", "nosuch", "FZ"])


def config_arg(c, files):
    r = c.rng.random()
    if r < 0.6:
        return ["--config", input_path(c, files["config"], "--config")]
    return []


def plan_compare(c, files):
    rng = c.rng
    kind = rng.choice(["results", "stored", "dir", "runs-dir", "results"])
    runs = os.path.join(files["baselines"], "fz", "runs")
    stored = sorted(os.listdir(runs)) if os.path.isdir(runs) else []
    if kind == "stored" and stored:
        base = os.path.join(runs, rng.choice(stored))
    elif kind == "dir":
        base = os.path.join(files["baselines"], "fz")
    elif kind == "runs-dir":
        base = runs
    else:
        base = files["results"][-1]
    args = ["compare", input_path(c, base, "base"), input_path(c, files["results"][0], "candidate")]
    pl = Plan("compare", args)
    for flag, name in [("--markdown", "r.md"), ("--junit", "r.xml"), ("--verdict", "v.json"), ("--html", "r.html")]:
        if rng.random() < 0.5:
            args += [flag, output_path(c, name, pl.outputs)]
    if rng.random() < 0.2:
        args.append("--warn-only")
    args += config_arg(c, files)
    pl.baselines = files["baselines"]
    return pl


def plan_save(c, files, accept):
    rng = c.rng
    n = rng.randint(1, len(files["results"]))
    results = [input_path(c, p, "--results") for p in files["results"][:n]]
    results = [r if r and not r.startswith("-") else "./" + r for r in results]
    base = baselines_arg(c, files, writable=True)
    args = ["baseline", "accept" if accept else "save", "--baselines", base, "--results"] + results
    if rng.random() < 0.85:
        args.append("--force")
    args += testbed_arg(c, None if rng.random() < 0.6 else "fz")
    if accept:
        args += name_value(c, "--reason", "faster hash", ["", " ", "\n", "a\nb", "\x1b[31mred", "\u00e9" * 10, "x" * 5000, "\t"])
    args += num(c, "--timeout", None)
    args += config_arg(c, files)
    pl = Plan("baseline " + ("accept" if accept else "save"), args)
    pl.baselines = base
    pl.writes_baselines = True
    return pl


def plan_show(c, files):
    base = baselines_arg(c, files, writable=False)
    pl = Plan("baseline show", ["baseline", "show", "--baselines", base] + testbed_arg(c))
    pl.baselines = base
    return pl


def plan_list_baselines(c, files):
    base = baselines_arg(c, files, writable=False)
    pl = Plan("baseline list", ["baseline", "list", "--baselines", base])
    pl.baselines = base
    return pl


def plan_delete(c, files):
    rng = c.rng
    base = baselines_arg(c, files, writable=True)
    args = ["baseline", "delete", "--baselines", base] + testbed_arg(c)
    if "--testbed" not in args:
        args += ["--testbed", "fz"]
    r = rng.random()
    if r < 0.4:
        args.append("--all")
    elif r < 0.9:
        args += ["--run", rng.choice(["00000000", "00000000-0000-4000-8000-0000000", "nosuch"] + RUN_IDS)]
    else:
        args += ["--all", "--run", "00000000"]
    pl = Plan("baseline delete", args)
    pl.baselines = base
    pl.writes_baselines = True
    return pl


def source_args(c, files):
    rng = c.rng
    base = baselines_arg(c, files, writable=False)
    args = ["--baselines", base] + testbed_arg(c)
    if rng.random() < 0.008:  # retried with backoff (no --attempts here): ~10 s a case
        args += ["--from", "influxdb", "--influx-url", DEAD_URL, "--influx-db", rng.choice(["bpf", "", "a\nb"]),
                 "--connect-timeout", "0.5", "--http-timeout", "1"]
        c.note("--from influxdb (dead URL)")
    if rng.random() < 0.3:
        args += name_value(c, "--benchmark", rng.choice(["^user/", "update$", "."]), ["(", "[", "\\", "", "\u00e9", "(?i)X", "a{2,1}"])
    if rng.random() < 0.2:
        args += name_value(c, "--measure", "latency", ["", "Not A Slug", "a\nb", "x" * 100, "\u00e9"])
    if rng.random() < 0.3:
        args.append("--raw")
    return args, base


def plan_history(c, files):
    src, base = source_args(c, files)
    pl = Plan("history", ["history"] + src)
    if c.rng.random() < 0.6:
        pl.args += ["--json", output_path(c, "h.json", pl.outputs)]
    pl.baselines = base
    return pl


def plan_trend(c, files):
    rng = c.rng
    src, base = source_args(c, files)
    pl = Plan("trend", ["trend"] + src)
    pl.args += integer(c, "--window", rng.choice([None, "2", "5", "50"]))
    pl.args += num(c, "--max-pvalue", rng.choice([None, "0.001", "0.5"]))
    pl.args += num(c, "--min-change", rng.choice([None, "0", "5"]))
    pl.args += integer(c, "--recent", rng.choice([None, "1", "5", "12"]))
    if rng.random() < 0.6:
        pl.args += ["--json", output_path(c, "t.json", pl.outputs)]
    pl.args += config_arg(c, files)
    pl.baselines = base
    return pl


def verdict_file(c):
    src = os.path.join(REPO, "Tests", "GateTests", "Golden", "verdict.json")
    try:
        with open(src) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        doc = {"findings": []}
    if c.rng.random() < 0.6:
        mutate_tree(c, doc, "verdict", n=c.rng.randint(1, 4))
    p = c.p("in", "verdict.json")
    write(p, serialize(c, doc, "verdict"))
    return p


def plan_report(c, files):
    rng = c.rng
    pl = Plan("report", ["report"])
    if rng.random() < 0.7:
        pl.args += [input_path(c, p, "report results") for p in files["results"][: rng.randint(1, len(files["results"]))]]
        pl.args = [a if a == "report" or (a and not a.startswith("-")) else "./" + a for a in pl.args]
    if rng.random() < 0.5:
        src, base = source_args(c, files)
        pl.args += ["--history"] + src
        pl.baselines = base
    else:
        pl.baselines = files["baselines"]
    if rng.random() < 0.35:
        pl.args += ["--compare", input_path(c, verdict_file(c), "--compare")]
    if len(pl.args) == 1:
        pl.args += [files["results"][0]]
    r = rng.random()
    if r < 0.45 or r >= 0.9:
        pl.args += ["--html", output_path(c, "r.html", pl.outputs)]
    if r >= 0.45:
        md = output_path(c, "r.md", pl.outputs)
        pl.args += ["--markdown", md]
    pl.args += config_arg(c, files)
    return pl


def plan_upload(c, files):
    rng = c.rng
    pl = Plan("upload", ["upload"])
    pl.outbox = c.p("out", "outbox") if rng.random() < 0.7 else c.p(".bpfgate", "outbox")
    outbox_arg = pl.outbox
    if rng.random() < 0.08:
        kind = rng.choice(["file", "null", "missing-parent", "empty"])
        c.note("--outbox %s" % kind)
        outbox_arg = {"file": files["results"][0], "null": c.p("dev", "onull"), "missing-parent": c.p("out", "m", "n", "outbox"),
                      "empty": ""}[kind]
        if kind == "null":
            os.makedirs(c.p("dev"), exist_ok=True)
            if not os.path.lexists(outbox_arg):
                make_device(outbox_arg, 3)
        if kind == "missing-parent":
            pl.outbox = c.p("out", "m")
    flush = rng.random() < 0.12
    if flush:
        pl.command = "upload --flush"
        pl.args.append("--flush")
        os.makedirs(pl.outbox, exist_ok=True)
        if rng.random() < 0.6:
            write(os.path.join(pl.outbox, "20261101T000000.000Z-bencher-x.json"),
                  rng.choice([b"", b"{", b"[]", b"{\"version\": 1}", b"\x00\xff", b"{\"version\":1e400}"]))
            c.note("outbox: a malformed entry")
    else:
        pl.args.append(input_path(c, files["results"][0], "upload file") or "./")
    target = rng.choice(["bencher", "influxdb"])
    if not flush:
        pl.command = "upload " + target
    pl.args += ["--to", target, "--host", rng.choice([DEAD_URL, DEAD_URL + "/", "http://[::1]:9", "http://localhost:9",
                                                       "ftp://127.0.0.1:9", "127.0.0.1:9", "", "http://127.0.0.1:9/\n",
                                                       "http://127.0.0.1:99999", "http://127.0.0.1:9/\u00e9"] if rng.random() < 0.2 else [DEAD_URL])]
    pl.args += ["--influx-url", DEAD_URL if rng.random() > 0.1 else rng.choice(["http://127.0.0.1:9/\n", "", "http://[::1]:9"]),
                "--influx-db", rng.choice(["bpf", "bpf", "", "a b\n", "\u00e9"])]
    pl.args += ["--outbox", outbox_arg]
    pl.args += integer(c, "--attempts", "1")
    if "--attempts" in pl.args and pl.args[pl.args.index("--attempts") + 1] not in ("1", "0", "-1", "", "nan", "1e3"):
        pl.args += ["--max-backoff", "0"]
    else:
        pl.args += num(c, "--max-backoff", "0")
    pl.args += num(c, "--connect-timeout", "1")
    pl.args += num(c, "--http-timeout", "2")
    for flag, pool in [("--project", ["", "a/b", "\n", "\u00e9"]), ("--branch", ["", "main\n", "a b", "x" * 3000]),
                       ("--hash", ["", "zz", "a" * 41, "\x1b"]), ("--testbed", TESTBED_NAMES)]:
        if rng.random() < 0.3:
            pl.args += name_value(c, flag, "main" if flag != "--testbed" else "fz", pool)
    if rng.random() < 0.2:
        pl.args.append("--thresholds")
    if rng.random() < 0.1:
        pl.args.append("--fail-on-alert")
    if rng.random() < 0.1:
        sp = c.p("in", "secrets")
        write(sp, rng.choice([b"BENCHER_API_KEY=abc\n", b"novalue\n", b"=x\n", b"INFLUX_TOKEN=\x1b[2J\n", b"\xff\xfe",
                              b"INFLUX_USERNAME=u\nINFLUX_PASSWORD=p\n"]))
        pl.args += ["--secrets-file", input_path(c, sp, "--secrets-file")]
        c.note("--secrets-file")
    if rng.random() < 0.05:
        pl.args += ["--cacert", input_path(c, files["results"][0], "--cacert")]
        c.note("--cacert")
    pl.args += config_arg(c, files)
    pl.baselines = files["baselines"]
    return pl


def plan_list(c, files):
    rng = c.rng
    pl = Plan("list", ["list"] + config_arg(c, files))
    if rng.random() < 0.5:
        pl.args += ["--suite", rng.choice(["user-maps", "xdp-demo", "kernel", "macro"])]
    pl.args += name_value(c, "--profile", rng.choice([None, "gate", "quick", "mine"]), ["", "nosuch", "\n", "\u00e9"])
    pl.args += integer(c, "--samples", rng.choice([None, "5"]))
    pl.args += integer(c, "--batch", rng.choice([None, "16"]))
    if rng.random() < 0.3:
        pl.args += ["--sizes", rng.choice(["1024", "64,65536", "", "0", "1e30", "nan", "1,,2", "-5", "99999999999999999999",
                                           "16777217", "2"])]
    if rng.random() < 0.2:
        pl.args += name_value(c, "--filter", "^user/", ["(", "", "\\", "[z-a]"])
    if rng.random() < 0.4:
        pl.args.append("--json")
    pl.args += num(c, "--timeout", None)
    pl.baselines = files["baselines"]
    return pl


PLANS = [(plan_compare, 26), (lambda c, f: plan_save(c, f, False), 12), (lambda c, f: plan_save(c, f, True), 6),
         (plan_show, 5), (plan_list_baselines, 3), (plan_delete, 6), (plan_history, 10), (plan_trend, 10),
         (plan_report, 12), (plan_upload, 8), (plan_list, 4)]


# ---------------------------------------------------------------- running and checking

def snapshot(root):
    """path -> (type, size, digest) for everything under root (symlinks not followed, device nodes not read)."""
    out = {}
    if not os.path.lexists(root):
        return out
    st = os.lstat(root)
    if not stat.S_ISDIR(st.st_mode):
        return {".": entry(root, st)}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            out[os.path.relpath(p, root)] = entry(p, st)
    return out


def entry(p, st):
    if stat.S_ISREG(st.st_mode):
        h = hashlib.sha1()
        try:
            with open(p, "rb") as f:
                h.update(f.read())
        except OSError:
            pass
        return ("f", st.st_size, h.hexdigest())
    if stat.S_ISLNK(st.st_mode):
        return ("l", os.readlink(p))
    if stat.S_ISDIR(st.st_mode):
        return ("d",)
    return ("o", st.st_mode, st.st_rdev)


def diff(a, b):
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def inside(path, area):
    path, area = os.path.abspath(path), os.path.abspath(area)
    return path == area or path.startswith(area.rstrip("/") + "/")


CONTROL = set(range(0, 32)) | {127} | set(range(0x80, 0xa0))


def child_env():
    env = {k: v for k, v in os.environ.items()
           if not (k.lower().endswith("_proxy") or k.startswith(("BENCHER_", "INFLUX_", "BPFGATE_")))}
    env.update({"NO_PROXY": "*", "no_proxy": "*", "BENCHER_HOST": DEAD_URL, "INFLUX_URL": DEAD_URL})
    return env


TIMES_TAKEN = []  # (seconds, case, command): --slowest


def run_case(index, seed, root, binary, case_timeout, keep):
    c = Case(index, seed, root)
    os.makedirs(c.s)
    findings = []
    try:
        files = build_inputs(c)
        builders, weights = zip(*PLANS)
        plan = c.rng.choices(builders, weights=weights)[0](c, files)
        args = argv_safe(plan.args)
        before_case = snapshot(c.dir)
        before_root = set(os.listdir("/"))
        before_parent = set(os.listdir(root))
        base_abs = os.path.join(c.s, plan.baselines) if plan.baselines not in (None, "", "/") else None
        before_base = snapshot(base_abs) if base_abs else {}
        started = time.monotonic()
        proc = subprocess.Popen([binary] + args, cwd=c.s, env=child_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=case_timeout)
            status = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            status = None
        elapsed = time.monotonic() - started
        TIMES_TAKEN.append((elapsed, index, plan.command))
        stderr = err.decode("utf-8", "replace")
        lines = stderr.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        first = next((l for l in lines if "Fatal error" in l or "Program crashed" in l),
                     next((l for l in lines if l.strip()), ""))

        def find(kind, detail=""):
            findings.append({"case": index, "seed": seed, "command": plan.command, "kind": kind, "status": status,
                             "stderr": first.replace(c.s, "$D")[:300], "detail": detail.replace(c.s, "$D")[:300],
                             "argv": [a.replace(c.s, "$D") for a in args], "mutations": c.notes[:12]})

        if status is None:
            find("hang", "no exit after %g s" % case_timeout)
        elif status < 0:
            find("crash", "signal %d (%s)" % (-status, signal.Signals(-status).name if -status in signal.valid_signals() else "?"))
        elif status == 1:
            find("exit-1")
        elif status not in KNOWN_STATUSES:
            find("bad-status", "exit %d" % status)
        # compare delivers its reports with the verdict's status: 3 when the candidate holds a failed benchmark.
        delivered = (0, 2, 3) if plan.command == "compare" else (0, 2)
        failed = status is None or status not in delivered + (6,)
        if status is not None and status >= 0 and failed:
            errs = [i for i, l in enumerate(lines) if l.startswith("bpfgate: error:")]
            if not errs:
                find("no-error-line", "stderr: %r" % stderr[-200:])
            else:
                if len(errs) > 1 or errs[0] != len(lines) - 1:
                    find("multi-line-error", "stderr tail: %r" % "\n".join(lines[errs[0]:])[-200:])
                    first = lines[errs[0]]
                bad = sorted({"%#04x" % ord(ch) for ch in lines[errs[0]] if ord(ch) in CONTROL})
                if bad:
                    find("control-chars", "error line holds %s" % ",".join(bad))
        # Outputs: none on failure; all on success.
        after_case = snapshot(c.dir)
        out_dir = c.p("out")
        out_changes = [k for k in diff(before_case, after_case) if inside(os.path.join(c.dir, k), out_dir)
                       and not (plan.outbox and inside(os.path.join(c.dir, k), plan.outbox))
                       and not (plan.outbox and os.path.join(c.dir, k) in (c.p("out", "m"), c.p("out", "m", "n")))]
        if failed and out_changes:
            find("partial-outputs", "left: %s" % ", ".join(out_changes[:4]))
        if status in delivered:
            missing = [o for o in plan.outputs if not os.path.isfile(o)]
            if missing:
                find("partial-outputs", "exit %d but missing: %s" % (status, ", ".join(os.path.relpath(m, c.s) for m in missing[:4])))
        # Baselines: unchanged unless a baseline command succeeded.
        if base_abs is not None:
            after_base = snapshot(base_abs)
            changed = diff(before_base, after_base)
            if changed and (failed or not plan.writes_baselines):
                find("baselines-changed", "changed: %s" % ", ".join(changed[:4]))
        # Nothing else anywhere.
        outbox_area = c.p(".bpfgate") if plan.outbox and inside(plan.outbox, c.p(".bpfgate")) else plan.outbox
        allowed = [out_dir] + ([base_abs] if base_abs else []) + ([outbox_area] if outbox_area else [])
        escaped = [k for k in diff(before_case, after_case) if not any(inside(os.path.join(c.dir, k), a) for a in allowed)
                   and not (plan.writes_baselines and status == 0 and base_abs and after_case.get(k) == ("d",)
                            and inside(base_abs, os.path.join(c.dir, k)))]  # parents of a new baselines directory
        if escaped:
            find("escaped-write", "wrote: %s" % ", ".join(escaped[:4]))
        new_root = [n for n in set(os.listdir("/")) - before_root if os.path.lexists("/" + n)]
        new_parent = [n for n in set(os.listdir(root)) - before_parent if not n.startswith("c") and os.path.lexists(os.path.join(root, n))]
        if new_root or new_parent:
            time.sleep(0.2)  # a transient temporary file of another case is gone by now
            new_root = [n for n in new_root if os.path.lexists("/" + n)]
            new_parent = [n for n in new_parent if os.path.lexists(os.path.join(root, n))]
            if new_root or new_parent:
                find("escaped-write", "outside the case: %s" % ", ".join(["/" + n for n in new_root] + [os.path.join(root, n) for n in new_parent]))
        for n in new_root:  # `report --markdown /` writes /-<chart>.svg: undo what this case made in /
            if "/" in args and re.match(r"^(-.*\.svg|\..*\.tmp-\d+-\d+)$", n) and os.path.isfile("/" + n):
                os.unlink("/" + n)
    except Exception as e:  # the fuzzer's own fault: report it, never hide it
        findings.append({"case": index, "seed": seed, "command": "?", "kind": "fuzzer-error", "status": None,
                         "stderr": repr(e)[:300], "detail": "", "argv": [], "mutations": c.notes[:12]})
    finally:
        if keep and findings:
            dest = os.path.join(keep, "case-%d-%d" % (seed, index))
            shutil.rmtree(dest, ignore_errors=True)
            try:
                shutil.copytree(c.dir, dest, symlinks=True)
                with open(os.path.join(dest, "case.json"), "w") as f:
                    json.dump({"cwd": "s", "D": c.s, "findings": findings}, f, indent=1)
            except (OSError, shutil.Error):
                pass
        shutil.rmtree(c.dir, ignore_errors=True)
    return findings


def repro(f):
    return "cd $D && bpfgate " + " ".join(shlex.quote(a) for a in f["argv"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="the bpfgate binary")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--cases", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", help="write the findings (and the summary) here")
    ap.add_argument("--keep", help="copy the directory of each case with a finding here")
    ap.add_argument("--replay", action="store_true", help="the fixed corpus: seed %d, %d cases" % (REPLAY_SEED, REPLAY_CASES))
    ap.add_argument("--case-timeout", type=float, default=20.0)
    ap.add_argument("--slowest", type=int, default=0, help="list the N slowest cases (on stderr)")
    ap.add_argument("--first", type=int, default=0, help="first case index (to rerun one case: --first I --cases 1)")
    a = ap.parse_args()
    seed = REPLAY_SEED if a.replay and a.seed is None else a.seed
    cases = REPLAY_CASES if a.replay and a.cases is None else a.cases
    if seed is None or cases is None:
        ap.error("give --seed and --cases, or --replay")
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        print("fuzz: %s is not an executable" % binary, file=sys.stderr)
        return 2
    # Bound what a runaway child may take (an input read without end): 4 GiB of address space.
    try:
        limit = 4 << 30
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass
    root = tempfile.mkdtemp(prefix="bpfgate-fuzz-", dir=os.environ.get("TMPDIR") or None)
    if a.keep:
        os.makedirs(a.keep, exist_ok=True)
        a.keep = os.path.abspath(a.keep)
    lock = threading.Lock()
    all_findings = []
    failed_cases = set()
    started = time.monotonic()

    def one(i):
        fs = run_case(i, seed, root, binary, a.case_timeout, a.keep)
        with lock:
            for f in fs:
                all_findings.append(f)
                print("case %d: %s: %s: %s%s" % (f["case"], f["command"], f["kind"], f["stderr"] or "(no stderr)",
                                                  (" [%s]" % f["detail"]) if f["detail"] else ""), flush=True)
            if fs:
                failed_cases.add(i)

    try:
        with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
            list(pool.map(one, range(a.first, a.first + cases)))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    elapsed = time.monotonic() - started
    failed = len(failed_cases)
    for t, i, cmd in sorted(TIMES_TAKEN, reverse=True)[: a.slowest]:
        print("fuzz: slow: case %d %s %.2f s" % (i, cmd, t), file=sys.stderr)
    if a.json:
        all_findings.sort(key=lambda f: (f["case"], f["kind"]))
        for f in all_findings:
            f["repro"] = repro(f)
        with open(a.json, "w") as fh:
            json.dump({"seed": seed, "cases": cases, "first": a.first, "passed": cases - failed, "failed": failed,
                       "seconds": round(elapsed, 1), "findings": all_findings}, fh, indent=1, ensure_ascii=True)
    print("fuzz: %d passed, %d failed" % (cases - failed, failed), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
