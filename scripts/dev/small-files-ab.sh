#!/usr/bin/env bash
# scripts/dev/small-files-ab.sh ROUNDS LABEL:DIR ...
# fsbench's small-file steps (5,000 4 KiB files in 10x10 directories) on several mounts side by
# side, the order rotating each round: create, drop_caches, cold stat (find | xargs stat),
# drop_caches, cold read (find | xargs cat), rm -rf; prints each mount's median, min and max of every
# step in ms. DIR is a directory inside the mount (the tree is made as DIR/t and removed each round).
# Root (drop_caches). Session 12's stat and rm figures (docs/performance.md) came from it.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 2 ] || { sed -n '2,7p' "$0" >&2; exit 2; }
rounds=$1; shift
declare -A times
ms() { local s e; s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo $(( (e - s) / 100000 )); }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 0.3; }
for r in $(seq "$rounds"); do
    all=("$@"); k=$((r % ${#all[@]}))
    for ld in "${all[@]:$k}" "${all[@]:0:$k}"; do
        label=${ld%%:*} dir=${ld#*:}
        rm -rf "$dir/t"
        times[$label/create]+="$(ms "$HERE/cold-walk-ab.sh" --make-tree "$dir/t") "
        drop; times[$label/stat]+="$(ms bash -c 'cd "$1" && find . -type f -print0 | xargs -0 stat' _ "$dir/t") "
        drop; times[$label/read]+="$(ms bash -c 'cd "$1" && find . -type f -print0 | xargs -0 cat' _ "$dir/t") "
        find "$dir/t" -type f | wc -l > /dev/null
        times[$label/rm]+="$(ms rm -rf "$dir/t") "
    done
done
for key in $(printf '%s\n' "${!times[@]}" | sort -t/ -k2,2 -k1,1); do
    printf '%-16s ' "$key"
    printf '%s\n' ${times[$key]} | sort -n | awk '{v[NR] = $1} END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "median %7.1f ms  min %7.1f  max %7.1f  n=%d\n", m / 10, v[1] / 10, v[NR] / 10, NR }'
done
