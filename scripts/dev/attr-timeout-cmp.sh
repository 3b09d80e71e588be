#!/bin/bash
# Compares attr_timeout=1 with the default 0 on the small-file and untar workloads of
# ../shared/bench/fsbench.sh, one fresh ucryptfs mount each (docs/performance.md).
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
B=/var/tmp/attrcmp
for t in 1 0; do
  rm -rf $B; mkdir -p $B/lower $B/mnt; printf 'x-pass\n' > $B/pass
  ./ucryptfs mount --ecryptfs --fnek --passfile $B/pass $B/lower $B/mnt -o attr_timeout=$t >/dev/null 2>&1 || { echo mount failed; exit 1; }
  grep "$B/mnt" /proc/mounts | head -1
  FSBENCH_WORKLOADS="small untar" FSBENCH_QUIET_CPU=0 FSBENCH_OUT=/tmp/attr-$t.tsv bash ../shared/bench/fsbench.sh $B/mnt ucryptfs-attr$t >/dev/null 2>&1
  ./ucryptfs umount $B/mnt >/dev/null
  grep -E "small_|untar\s|tar_c" /tmp/attr-$t.tsv | awk -v t=$t '{print "attr_timeout=" t, $2, $3}'
done
rm -rf $B
