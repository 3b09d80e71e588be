#!/bin/bash
# scripts/dev/lower-layout.sh [DIR]
# 5,000 small lower files laid out as each format does, straight on the filesystem of DIR (default
# /var/tmp/lower-layout), no FUSE: 4 KiB files in 10x10 directories as fsbench makes them, with
#   u: our lower file with the header's second page a hole (one page, a hole, one page of data),
#   c: our lower file as the kernel writes it (12 KiB contiguous),
#   g: gocryptfs's (4,146 bytes, a gocryptfs.diriv a directory),
# and encrypted names of 84 characters (eCryptfs FNEK, a short name) or 22 (gocryptfs). Times the
# creates, a cold stat walk and the rm, two rounds. Root (drop_caches). docs/performance.md, session 6.
# Caveat (session 8): the stat walk's `xargs stat` runs stat once per 128 KiB of paths, so long
# lower names mean more stat processes (11 against 4 here, ~2.3 ms each): its gap between name
# lengths is mostly that, not the disk. `find` alone shows the directory blocks' share.
set -euo pipefail
D=${1:-/var/tmp/lower-layout}
mk() {
perl -e '
use strict; my ($root, $nl, $lay) = @ARGV; my @c = ("A".."Z", "a".."z", "0".."9", "-", "_");
my $blk = "x" x 4096;
sub name { join("", map { $c[rand @c] } 1..$nl) }
for my $i (0..9) { my $d1 = "$root/" . name(); mkdir $d1;
 for my $j (0..9) { my $d2 = "$d1/" . name(); mkdir $d2;
  if ($lay eq "g") { open(my $f, ">", "$d2/gocryptfs.diriv"); print $f "x" x 16; close $f; }
  for my $k (0..49) { open(my $f, ">", "$d2/" . name()) or die; binmode $f;
   if ($lay eq "u") { print $f $blk; seek($f, 8192, 0); print $f $blk; }
   elsif ($lay eq "c") { print $f ($blk x 3); }
   else { print $f ("x" x 4146); }
   close $f } } }' "$1" "$2" "$3"
}
t() { local s; s=$(date +%s.%N); "$@"; echo "$(date +%s.%N) - $s" | bc; }
mkdir -p "$D"
for _ in 1 2; do
    for v in u:84 c:84 u:22 g:22 g:84; do
        lay=${v%:*}; nl=${v#*:}
        rm -rf "$D/$lay"; mkdir -p "$D/$lay"; sync; echo 3 > /proc/sys/vm/drop_caches
        c=$(t mk "$D/$lay" "$nl" "$lay"); sync; echo 3 > /proc/sys/vm/drop_caches
        st=$(t bash -c 'cd "$1" && find . -type f -print0 | xargs -0 stat > /dev/null' _ "$D/$lay")
        r=$(t rm -rf "$D/$lay")
        echo "$lay (names $nl): create $c s, cold stat $st s, rm $r s"
    done
done
rm -rf "$D"
