#!/bin/bash
# JIT warm-up probe: on a fresh daemon (its JVM options from UCRYPTFS_DAEMON_JAVA_OPTS), a 1 GiB write
# with fsync, a cold read, three rounds of 5,000 creates in new directories and an untar of the fsbench
# tree, then the JIT compile time (jstat -compiler). Root (drop_caches). docs/performance.md cites it.
#   UCRYPTFS_DAEMON_JAVA_OPTS="..." scripts/dev/jit-warmup.sh LABEL
cd "$(dirname "$0")/../.."
set -u
B=/var/tmp/jx-$1; rm -rf $B; mkdir -p $B/l $B/m
printf 'jit-warmup-passphrase\n' > $B/pass
[ -f /var/tmp/fsbench-cache/linux-subset.tar ] || { echo "run ../shared/bench/fsbench.sh once first (it makes the untar tree)" >&2; exit 2; }
./ucryptfs mount --ecryptfs --fnek --passfile $B/pass $B/l $B/m >/dev/null
P=$(pgrep -f "io.ucryptfs.*jx-$1/m" | head -1)
cpu() { awk '{print $14+$15}' /proc/$P/stat; }
s=$(date +%s.%N); dd if=/dev/zero of=$B/m/big bs=1M count=1024 conv=fsync status=none; e=$(date +%s.%N)
echo "$1 seq write $(echo "1073.741824/($e-$s)"|bc) MB/s"
sync; echo 3 > /proc/sys/vm/drop_caches
s=$(date +%s.%N); cat $B/m/big > /dev/null; e=$(date +%s.%N)
echo "$1 seq read $(echo "1073.741824/($e-$s)"|bc) MB/s"
rm $B/m/big
for r in 1 2 3; do d=$B/m/s$r; mkdir $d; sync; a=$(cpu); s=$(date +%s.%N)
perl -e 'my $d=shift; for my $i (0..9){ for my $j (0..9){ mkdir "$d/$i"; mkdir "$d/$i/$j"; for my $k (0..49){ open(my $f, ">", "$d/$i/$j/f$k") or die; print $f ("x" x 4096); close $f; }}}' $d
e=$(date +%s.%N); echo "$1 create run $r: $(echo "$e-$s"|bc) s, daemon cpu $(( $(cpu)-a )) ticks"; done
mkdir $B/m/u; s=$(date +%s.%N); tar xf /var/tmp/fsbench-cache/linux-subset.tar -C $B/m/u; e=$(date +%s.%N); echo "$1 untar $(echo "$e-$s"|bc) s"
jstat -compiler $P | tail -1
./ucryptfs umount $B/m; rm -rf $B
