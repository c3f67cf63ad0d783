#!/usr/bin/env python3
"""The house rules, checked (run by ci/test.sh before the tests):

- every `import` of a package module in Sources/<T> or Tests/<T> is a dependency Package.swift declares for T;
- the pure floors (no kernel, no privilege) depend, directly or not, on no kernel-bound module;
- no Swift source file is over 450 lines;
- the hook families are spelled (as string literals) in one Swift file, Sources/BPFCatalog/Hooks.swift.

Usage: ci/floors.py [PACKAGE_DIR]   (exit 0: all hold; 1: a rule is broken, each on one line)
"""
import json
import os
import re
import subprocess
import sys

PURE = {"Statistics", "BPFCatalog", "Results", "Configuration", "Gate", "Reports", "Tracking"}
KERNEL_BOUND = {"BPF", "BPFObjects", "Harness", "Suites", "CLibBPF", "CBPFGateShim", "CHarness"}
MAX_LINES = 450
HOOK_NAMES = ["tracepoint", "raw_tracepoint", "tp_btf", "kprobe", "kretprobe", "fentry", "fexit", "uprobe", "uretprobe",
              "xdp", "tc", "socket_filter", "cgroup_skb", "perf_event", "iter", "lsm"]
HOOK_TABLE = os.path.join("Sources", "BPFCatalog", "Hooks.swift")
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_implementationOnly\s+|@preconcurrency\s+)*import\s+(?:struct\s+|enum\s+|class\s+|func\s+)?(\w+)", re.M)


def main() -> int:
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    os.chdir(root)
    dump = json.loads(subprocess.run(["swift", "package", "dump-package"], check=True, capture_output=True, text=True).stdout)
    deps: dict[str, set[str]] = {}
    for t in dump["targets"]:
        names = set()
        for d in t.get("dependencies", []):
            for value in d.values():
                names.add(value[0])
        deps[t["name"]] = names
    products = {name for t in deps.values() for name in t} - set(deps)
    modules = set(deps) | products
    problems: list[str] = []

    for top in ("Sources", "Tests"):
        for target in sorted(os.listdir(top)):
            tdir = os.path.join(top, target)
            if target not in deps or not os.path.isdir(tdir):
                continue
            for dirpath, _, files in os.walk(tdir):
                for f in sorted(files):
                    if not f.endswith(".swift"):
                        continue
                    path = os.path.join(dirpath, f)
                    text = open(path, encoding="utf-8").read()
                    for m in sorted(set(IMPORT.findall(text))):
                        if m in modules and m != target and m not in deps[target]:
                            problems.append(f"{path}: imports {m}, which Package.swift does not declare for {target}")
                    lines = text.count("\n")
                    if top == "Sources" and lines > MAX_LINES:
                        problems.append(f"{path}: {lines} lines (at most {MAX_LINES})")
                    if top == "Sources" and path != HOOK_TABLE:
                        for name in HOOK_NAMES:
                            if re.search(rf'"{name}"', text):
                                problems.append(f'{path}: spells the hook "{name}" (the hook table is {HOOK_TABLE})')

    def closure(name: str, seen: set[str]) -> set[str]:
        for d in deps.get(name, ()):
            if d not in seen:
                seen.add(d)
                closure(d, seen)
        return seen

    for pure in sorted(PURE):
        bound = sorted(closure(pure, set()) & KERNEL_BOUND)
        if bound:
            problems.append(f"{pure} is a pure floor but depends on {', '.join(bound)}")

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
