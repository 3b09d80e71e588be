#!/usr/bin/env python3
"""fsbench-table.py RUN.tsv... : the markdown table of docs/performance.md from bench-peers.sh result files.

One column a run (gocryptfs / ucryptfs / ratio, the ratio above 1 where ucryptfs is faster), then the
median ratio of each row and its target (issue 4). A last line says whether every run's tar hash is
plain's. Peers other than gocryptfs and ucryptfs: --peers A,B (A the reference, B the one measured).
"""
import statistics
import sys

ROWS = [  # key, label, unit, higher is better, target
    ("seq_write_1g", "seq write 1 GiB (median of 3)", "MB/s", True, 1.2),
    ("seq_read_1g", "seq read 1 GiB, cold (median of 3)", "MB/s", True, 1.2),
    ("fio_randread_4k", "4 KiB random read", "IOPS", True, 1.0),
    ("fio_randwrite_4k", "4 KiB random write", "IOPS", True, 1.0),
    ("small_create_5k", "create 5,000 × 4 KiB", "s", False, 1.0),
    ("small_stat_5k", "stat them (cold)", "s", False, 1.0),
    ("small_read_5k", "read them (cold)", "s", False, 1.0),
    ("small_rm_5k", "rm them", "s", False, 1.0),
    ("untar", "untar 29,124 files", "s", False, 1.0),
    ("tar_c_sha256", "tar c \\| sha256sum (cold)", "s", False, None),
    ("untar_rm", "rm -rf of the tree", "s", False, None),
]


def load(path):
    data = {}
    for line in open(path, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 3:
            data.setdefault(parts[0], {})[parts[1]] = parts[2]
    return data


def fmt(v, unit):
    return f"{v:,.2f}" if unit == "s" else f"{v:,.0f}"


def main(argv):
    ref, ours = "gocryptfs", "ucryptfs"
    if len(argv) > 2 and argv[1] == "--peers":
        ref, ours = argv[2].split(",")
        argv = argv[2:]
    runs = [load(p) for p in argv[1:]]
    if not runs:
        sys.exit(__doc__)
    head = "| workload | unit | " + " | ".join(f"run {i + 1}" for i in range(len(runs))) + " | median ratio | target |"
    print(head)
    print("|" + "---|" * (len(runs) + 4))
    for key, label, unit, higher, target in ROWS:
        cells, ratios = [], []
        for run in runs:
            try:
                g, u = float(run[ref][key]), float(run[ours][key])
                r = u / g if higher else g / u
                ratios.append(r)
                cells.append(f"{fmt(g, unit)} / {fmt(u, unit)} / {r:.2f}")
            except (KeyError, ValueError, ZeroDivisionError):
                cells.append("—")
        med = statistics.median(ratios) if ratios else float("nan")
        tgt = "" if target is None else f"≥ {target} {'✓' if med >= target else '✗'}"
        print(f"| {label} | {unit} | " + " | ".join(cells) + f" | **{med:.2f}** | {tgt} |")
    same = [run.get(ours, {}).get("tar_sha256") == run.get("plain", {}).get("tar_sha256") for run in runs]
    print(f"\ntar hash equal to plain's in {sum(same)} of {len(runs)} runs")


if __name__ == "__main__":
    main(sys.argv)
