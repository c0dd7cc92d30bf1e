#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fold a tcgprof profile into kernel functions.

usage: report.py PROFILE KALLSYMS [TOP]

PROFILE holds "pc insns executions" lines (tcgprof.c), KALLSYMS the guest's /proc/kallsyms.
Prints the functions that executed the most guest instructions (self, not inclusive).
"""
import bisect
import sys


def main():
    prof, kallsyms = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    syms = []
    with open(kallsyms, errors="replace") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in "tTwW":
                continue
            name = parts[2] + (" " + parts[3] if len(parts) > 3 else "")
            syms.append((int(parts[0], 16), name))
    syms.sort()
    addrs = [a for a, _ in syms]
    per = {}
    total = 0
    with open(prof) as f:
        for line in f:
            pc, insns, count = line.split()
            n = int(insns) * int(count)
            i = bisect.bisect_right(addrs, int(pc, 16)) - 1
            name = syms[i][1] if i >= 0 else "?"
            per[name] = per.get(name, 0) + n
            total += n
    print(f"{total} guest instructions in kernel text")
    acc = 0
    for name, n in sorted(per.items(), key=lambda kv: -kv[1])[:top]:
        acc += n
        print(f"{100 * n / total:6.2f}% {100 * acc / total:6.2f}% {n:12d}  {name}")


if __name__ == "__main__":
    main()
