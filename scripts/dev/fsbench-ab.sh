#!/bin/bash
# scripts/dev/fsbench-ab.sh CHECKOUT_A CHECKOUT_B [DIR]
# fsbench steps (FSBENCH_WORKLOADS, default "small untar") on fresh ucryptfs mounts of two builds (two
# checkouts, e.g. git worktrees), alternating, N rounds (default 3), lower directory in DIR (default
# /var/tmp/fsbench-ab: the disk; a tmpfs mount point for CPU-only comparisons). G=1 adds a gocryptfs
# mount each round as a reference. A_OPTS / B_OPTS, when set, are the daemon JVM options of each
# (UCRYPTFS_DAEMON_JAVA_OPTS: they replace the defaults), e.g. one checkout twice with two JIT settings.
# Prints one line a mount: the steps' figures and the daemon's CPU.
# Root (drop_caches). docs/performance.md, session 6.
set -euo pipefail
A=$(cd "$1" && pwd); B=$(cd "$2" && pwd); D=${3:-/var/tmp/fsbench-ab}
SHARED=$(cd "$(dirname "$0")/../../../shared/bench" && pwd)
W=${FSBENCH_WORKLOADS:-small untar}
mkdir -p "$D"
steps() { FSBENCH_WORKLOADS="$W" bash "$SHARED/fsbench.sh" "$1" x 2>/dev/null \
    | grep -v "_files\|tar_sha256\|_r[0-9]\|_min\|_max" | awk '{printf "%s=%s ", $2, $3}'; }
for _ in $(seq "${N:-3}"); do
    for ab in A B; do
        if [ "$ab" = A ]; then v=$A; opts=${A_OPTS:-}; else v=$B; opts=${B_OPTS:-}; fi
        rm -rf "$D/l" "$D/m"; mkdir -p "$D/l" "$D/m"; printf 'fsbench-ab\n' > "$D/pass"
        UCRYPTFS_DAEMON_JAVA_OPTS="$opts" "$v/ucryptfs" mount --ecryptfs --fnek --passfile "$D/pass" "$D/l" "$D/m" >/dev/null 2>&1
        log=$(ls -t ~/.local/state/ucryptfs/*"$(basename "$D")"_m.log | head -1)
        for _ in $(seq 60); do tac "$log" | sed '/ - mounting /q' | grep -q "JIT warm-up:" && break; sleep 1; done
        P=$(pgrep -f "io.ucryptfs.*$D/m" | head -1); c0=$(awk '{print $14+$15}' "/proc/$P/stat")
        steps "$D/m"
        echo " $ab $v cpu=$(( ($(awk '{print $14+$15}' "/proc/$P/stat") - c0) * 10 ))ms"
        "$v/ucryptfs" umount "$D/m" >/dev/null 2>&1
    done
    if [ -n "${G:-}" ]; then
        rm -rf "$D/gl" "$D/gm"; mkdir -p "$D/gl" "$D/gm"
        bash "$SHARED/mount-peer.sh" gocryptfs "$D/gl" "$D/gm" >/dev/null 2>&1
        steps "$D/gm"; echo " gocryptfs"
        bash "$SHARED/mount-peer.sh" unmount "$D/gm" >/dev/null 2>&1; rm -rf "$D/gl" "$D/gm"
    fi
done
rm -rf "$D/l" "$D/m" "$D/pass"
