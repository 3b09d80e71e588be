#!/bin/bash
# scripts/dev/ab-builds.sh ROOT LABEL: one fresh mount of the build in ROOT; seq write x2, cold read, 3 create rounds, stat, cat, untar
# Compares two builds on one machine in one session: check the old commit out with `git worktree add
# /var/tmp/old COMMIT`, build it (`mvn -o -q package -DskipTests`), then run alternately, e.g.
#   for i in 1 2; do scripts/dev/ab-builds.sh /var/tmp/old old; scripts/dev/ab-builds.sh "$PWD" new; done
# Needs root (drop_caches) and the fsbench untar tree (/var/tmp/fsbench-cache/linux-subset.tar). Prints one line per run; rss is the daemon's VmHWM.
set -u; R=$1; L=$2; B=/var/tmp/ab-builds; rm -rf $B; mkdir -p $B/l $B/m
printf 'ab-builds-passphrase\n' > $B.pass
$R/ucryptfs mount --ecryptfs --fnek --passfile $B.pass $B/l $B/m >/dev/null 2>&1 || { echo mount failed; exit 1; }
P=$(pgrep -f "io.ucryptfs.*ab-builds/m" | head -1)
t() { local s=$(date +%s.%N); "$@"; local e=$(date +%s.%N); echo "$(echo "$e-$s"|bc)"; }
out="$L"
for i in 1 2; do x=$(t dd if=/dev/zero of=$B/m/big bs=1M count=1024 conv=fsync status=none); out="$out w$i=$(echo "1073.7/$x"|bc)"; done
sync; echo 3 > /proc/sys/vm/drop_caches; x=$(t sh -c "cat $B/m/big >/dev/null"); out="$out r=$(echo "1073.7/$x"|bc)"; rm $B/m/big
for r in 1 2 3; do d=$B/m/s$r; mkdir $d; sync; x=$(t perl -e 'my $d=shift; open(my $r,"<","/dev/urandom"); my $buf; read($r,$buf,4096); for my $i (0..9){ mkdir "$d/$i"; for my $j (0..9){ mkdir "$d/$i/$j"; for my $k (0..49){ open(my $f, ">", "$d/$i/$j/f$k") or die; print $f $buf; close $f; }}}' $d); out="$out c$r=$(printf %.2f $x)"; done
sync; echo 3 > /proc/sys/vm/drop_caches; x=$(t sh -c "find $B/m/s1 -type f -print0 | xargs -0 stat >/dev/null"); out="$out stat=$(printf %.2f $x)"
sync; echo 3 > /proc/sys/vm/drop_caches; x=$(t sh -c "find $B/m/s1 -type f -print0 | xargs -0 cat >/dev/null"); out="$out cat=$(printf %.2f $x)"
mkdir $B/m/u; sync; x=$(t tar xf /var/tmp/fsbench-cache/linux-subset.tar -C $B/m/u); out="$out untar=$(printf %.2f $x)"
echo "$out rss=$(grep VmHWM /proc/$P/status | awk '{print $2/1024}')MiB"
$R/ucryptfs umount $B/m >/dev/null 2>&1; rm -rf $B
