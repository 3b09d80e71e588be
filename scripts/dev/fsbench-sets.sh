#!/usr/bin/env bash
# scripts/dev/fsbench-sets.sh TAG [N]
# N (default 5) runs of scripts/bench-peers.sh (plain bindfs gocryptfs ucryptfs), one after the other,
# each into docs/performance-data/DATE/fsbench-peers-TAG<letter>.tsv (a, b, c...); the 2nd, 4th...
# run measure ucryptfs before gocryptfs, so neither always runs on a disk the other just filled.
# Quiet-host waits as in docs/performance.md (FSBENCH_QUIET_CPU=50, FSBENCH_QUIET_WAIT=20).
# Then: python3 scripts/dev/fsbench-table.py docs/performance-data/DATE/fsbench-peers-TAG?.tsv
# Root (drop_caches, mounts). About 4.5 minutes a run on the 2-core VM.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TAG=${1:?usage: fsbench-sets.sh TAG [N]}; N=${2:-5}
[ "$N" -ge 1 ] && [ "$N" -le 10 ] || { echo "fsbench-sets.sh: N must be 1 to 10 (runs are lettered a..j)" >&2; exit 2; }
out="$ROOT/docs/performance-data/$(date -u +%F)"
mkdir -p "$out"
letters=(a b c d e f g h i j)
for i in $(seq 0 $((N - 1))); do
    x=${letters[$i]}
    if [ $((i % 2)) = 1 ]; then order=(plain bindfs ucryptfs gocryptfs); else order=(plain bindfs gocryptfs ucryptfs); fi
    echo "== run $((i + 1)) of $N: ${order[*]} ($(date -u +%T))" >&2
    BENCH_TSV="$out/fsbench-peers-$TAG$x.tsv" FSBENCH_QUIET_CPU=${FSBENCH_QUIET_CPU:-50} \
        FSBENCH_QUIET_WAIT=${FSBENCH_QUIET_WAIT:-20} "$ROOT/scripts/bench-peers.sh" "${order[@]}"
done
