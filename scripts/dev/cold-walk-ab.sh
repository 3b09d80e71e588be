#!/usr/bin/env bash
# Compares a walk of the same tree on several mounts side by side: drop_caches before each walk
# (WARM=1: not), the order rotating each round; prints each mount's median, min and max in ms.
#
#   scripts/dev/cold-walk-ab.sh --make-tree DIR            fsbench's tree: 5,000 4 KiB files in 10x10 dirs
#   scripts/dev/cold-walk-ab.sh ROUNDS 'CMD' LABEL:DIR ...  CMD run by bash in each DIR
#
# e.g. two builds and gocryptfs, each mount holding a tree made with --make-tree MNT/t:
#   scripts/dev/cold-walk-ab.sh 16 'find . -type f -print0 | xargs -0 stat' A:/m/a/t B:/m/b/t g:/m/g/t
# Needs root for drop_caches. Session 9's read-ahead figures (docs/performance.md) came from it.
set -euo pipefail
if [ "${1:-}" = --make-tree ]; then
    mkdir -p "$2"
    perl -e 'open(my $r, "<", "/dev/urandom") or die; read($r, my $b, 4096) == 4096 or die;
        for my $i (0..9) { mkdir "$ARGV[0]/d$i" or die "mkdir: $!";
            for my $j (0..9) { mkdir "$ARGV[0]/d$i/e$j" or die "mkdir: $!";
                for my $k (0..49) { open(my $f, ">", "$ARGV[0]/d$i/e$j/f$k") or die "open: $!"; print $f $b; close $f or die } } }' "$2"
    exit 0
fi
[ $# -ge 3 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
rounds=$1 cmd=$2; shift 2
declare -A times
for r in $(seq "$rounds"); do
    all=("$@"); k=$((r % ${#all[@]}))
    for ld in "${all[@]:$k}" "${all[@]:0:$k}"; do
        label=${ld%%:*} dir=${ld#*:}
        if [ "${WARM:-0}" != 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
        sleep 0.3
        s=$(date +%s%N); (cd "$dir" && bash -c "$cmd" > /dev/null); e=$(date +%s%N)
        times[$label]+="$(( (e - s) / 100000 )) "
    done
done
for label in "${!times[@]}"; do
    printf '%s: ' "$label"
    printf '%s\n' ${times[$label]} | sort -n | awk '{v[NR] = $1} END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "median %.1f ms  min %.1f  max %.1f  n=%d\n", m / 10, v[1] / 10, v[NR] / 10, NR }'
done
