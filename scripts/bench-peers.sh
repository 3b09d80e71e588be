#!/usr/bin/env bash
# Runs ../shared/bench/fsbench.sh on ucryptfs and its peers, back to back on the same disk, and
# writes the result lines to docs/performance-data/DATE/fsbench-peers.tsv (and stdout).
#
#   scripts/bench-peers.sh [PEER ...]      default: plain bindfs gocryptfs encfs securefs ucryptfs
# Knobs: FSBENCH_* (see ../shared/bench/fsbench.sh), BENCH_DIR (default /var/tmp/ucryptfs-bench),
# BENCH_TSV (the result file, default docs/performance-data/DATE/fsbench-peers.tsv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="$ROOT/../shared/bench"
[ -x "$SHARED/fsbench.sh" ] || { echo "bench-peers: $SHARED/fsbench.sh not found" >&2; exit 2; }
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(plain bindfs gocryptfs encfs securefs ucryptfs)
dir="${BENCH_DIR:-/var/tmp/ucryptfs-bench}"
out="$ROOT/docs/performance-data/$(date -u +%F)"
mkdir -p "$out"
tsv="${BENCH_TSV:-$out/fsbench-peers.tsv}"
export FSBENCH_OUT="$tsv" FSBENCH_QUIET_CPU="${FSBENCH_QUIET_CPU:-30}"
"$ROOT/ucryptfs" --version >/dev/null   # build now, not inside a timed step
pass="$dir/ucryptfs.pass"
mkdir -p "$dir"
printf '%s\n' "${PEER_PASS:-fsbench-test-passphrase}" > "$pass"
for p in "${peers[@]}"; do
    rm -rf "$dir/$p"
    mkdir -p "$dir/$p/lower" "$dir/$p/mnt"
    echo "== $p" >&2
    if [ "$p" = ucryptfs ]; then
        msg=$("$ROOT/ucryptfs" mount --ecryptfs --fnek --passfile "$pass" "$dir/$p/lower" "$dir/$p/mnt" 2>&1)
        echo "$msg" >&2
        # Steady state, as the peers are measured in: wait (at most 60 s) for the daemon's JIT warm-up,
        # 5-13 s of one core right after mounting, whose last line in the daemon's log follows the
        # mount's own "mounting" line; timed steps started at once would share a core with it.
        log=$(printf '%s\n' "$msg" | sed -n 's/.*(log: \(.*\))$/\1/p')
        for _ in $(seq 60); do
            awk '/ - mounting / {w = 0} /JIT warm-up: [0-9]+ rounds/ {w = 1} END {exit !w}' "$log" 2>/dev/null && break
            sleep 1
        done
    else
        PEER_ARGS="${PEER_ARGS:--o big_writes,max_write=131072,max_read=131072}" "$SHARED/mount-peer.sh" "$p" "$dir/$p/lower" "$dir/$p/mnt"
    fi
    "$SHARED/fsbench.sh" "$dir/$p/mnt" "$p" || echo "bench-peers: some $p steps failed (see above)" >&2
    if [ "$p" = ucryptfs ]; then "$ROOT/ucryptfs" umount "$dir/$p/mnt"; else "$SHARED/mount-peer.sh" unmount "$dir/$p/mnt"; fi
    rm -rf "$dir/$p"
done
echo "results: $tsv" >&2
