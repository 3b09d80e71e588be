#!/usr/bin/env python3
"""Per-operation latency of small-file patterns on a mount, to compare two daemons op by op.

    scripts/dev/op-latency.py tar  DIR [N]   create, three 10 KiB writes, futimens, close (tar x, cp -a)
    scripts/dev/op-latency.py make DIR [N]   N files of 4 KiB (create, write, close; fsbench's create), for `read`
    scripts/dev/op-latency.py read DIR [N]   stat, open, read, close of the files `make` wrote

DIR must not exist for `tar` and `make` (O_EXCL creates). Prints the mean microseconds of each
step. fsbench.sh times whole workloads; this says which request of one is slow. For cold-cache
figures drop the caches first (echo 3 > /proc/sys/vm/drop_caches), and alternate the daemons
compared: the VM's disk moves from minute to minute. docs/performance.md cites its results.
"""
import os
import sys
import time


def tar_like(d, n):
    os.makedirs(d)
    buf = os.urandom(25000)
    t = [0.0] * 4
    for i in range(n):
        p = f"{d}/f{i}"
        a = time.perf_counter()
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        b = time.perf_counter()
        for off in range(0, len(buf), 10240):
            os.write(fd, buf[off:off + 10240])
        c = time.perf_counter()
        os.utime(fd, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))
        e = time.perf_counter()
        os.close(fd)
        f = time.perf_counter()
        t = [t[0] + b - a, t[1] + c - b, t[2] + e - c, t[3] + f - e]
    return ["create", "3 writes", "futimens", "close"], t


def make(d, n):
    os.makedirs(d)
    buf = os.urandom(4096)
    t = [0.0] * 3
    for i in range(n):
        a = time.perf_counter()
        fd = os.open(f"{d}/f{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        b = time.perf_counter()
        os.write(fd, buf)
        c = time.perf_counter()
        os.close(fd)
        e = time.perf_counter()
        t = [t[0] + b - a, t[1] + c - b, t[2] + e - c]
    return ["create", "write 4 KiB", "close"], t


def read(d, n):
    t = [0.0] * 4
    for i in range(n):
        p = f"{d}/f{i}"
        a = time.perf_counter()
        os.stat(p)
        b = time.perf_counter()
        fd = os.open(p, os.O_RDONLY)
        c = time.perf_counter()
        os.read(fd, 65536)
        e = time.perf_counter()
        os.close(fd)
        f = time.perf_counter()
        t = [t[0] + b - a, t[1] + c - b, t[2] + e - c, t[3] + f - e]
    return ["stat", "open", "read", "close"], t


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("tar", "make", "read"):
        sys.exit(__doc__)
    mode, d = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    names, t = {"tar": tar_like, "make": make, "read": read}[mode](d, n)
    if names:
        steps = ", ".join(f"{name} {v / n * 1e6:.0f} us" for name, v in zip(names, t))
        print(f"{d}: {steps}, total {sum(t) / n * 1e6:.0f} us")


if __name__ == "__main__":
    main()
