#!/bin/bash
# scripts/dev/first-read-jit.sh [ROOT]
# What the JIT still compiles during the first cold 1 GiB read of a freshly mounted ucryptfs (built in
# ROOT, default this checkout), after its warm-up: the daemon runs with its usual JVM options plus a
# JFR recording of every compilation from its start (starting JFR later deoptimises compiled code and
# would be measured instead). Prints the warm-up's log line, speed and daemon CPU of two reads, how many
# compilations ran during the first, and the longest of them. Root (drop_caches). docs/performance.md.
set -euo pipefail
ROOT=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
D=/var/tmp/ucryptfs-first-read
JFC=$(mktemp /tmp/compilations.XXXXXX.jfc)
trap 'rm -f "$JFC"; "$ROOT/ucryptfs" umount "$D/m" >/dev/null 2>&1 || true' EXIT
# the JDK's default settings with every compilation recorded (the default records those over 1 s)
python3 - "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/default.jfc" "$JFC" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
i = s.index('<event name="jdk.Compilation">'); j = s.index('</event>', i)
b = re.sub(r'<setting name="threshold"[^>]*>[^<]*</setting>', '<setting name="threshold">0 ms</setting>', s[i:j])
open(sys.argv[2], 'w').write(s[:i] + b + s[j:])
PY
"$ROOT/ucryptfs" --version >/dev/null
mkdir -p "$D/l" "$D/m"; printf 'first-read\n' > "$D/pass"
mount_it() { UCRYPTFS_DAEMON_JAVA_OPTS="$1" "$ROOT/ucryptfs" mount --ecryptfs --fnek --passfile "$D/pass" "$D/l" "$D/m" >/dev/null 2>&1; }
# a first mount with the usual options: writes the file once, and shows the options (its command line)
mount_it ""
P=$(pgrep -f "io.ucryptfs.*$D/m" | head -1)
opts=$(tr '\0' '\n' < "/proc/$P/cmdline" | sed -n '2,/^-cp$/p' | grep -v '^-cp$' | tr '\n' ' ')
[ -f "$D/m/f" ] || { sleep 15; dd if=/dev/zero of="$D/m/f" bs=1M count=1024 conv=fsync status=none; }
"$ROOT/ucryptfs" umount "$D/m" >/dev/null
mount_it "$opts -XX:StartFlightRecording=name=c,settings=$JFC"
log=$(ls -t ~/.local/state/ucryptfs/*first-read_m.log | head -1)
for _ in $(seq 60); do grep -q "JIT warm-up:" <(tac "$log" | sed '/ - mounting /q') && break; sleep 1; done
grep "JIT warm-up:" "$log" | tail -1 | sed 's/.* - //'
P=$(pgrep -f "io.ucryptfs.*$D/m" | head -1)
cpu() { awk '{print ($14 + $15) * 10}' "/proc/$P/stat"; }
jcmd "$P" JFR.dump name=c filename=/tmp/first-read-0.jfr >/dev/null
for i in 1 2; do
    echo 3 > /proc/sys/vm/drop_caches; c0=$(cpu)
    echo "read $i: $(dd if="$D/m/f" of=/dev/null bs=1M 2>&1 | tail -1 | sed 's/.*copied, //'), daemon CPU $(( $(cpu) - c0 )) ms"
    jcmd "$P" JFR.dump name=c filename=/tmp/first-read-$i.jfr >/dev/null
done
comps() { jfr print --events jdk.Compilation "$1" | grep -E "duration|method =" | paste - - | awk '{print $3, $7}'; }
before=$(comps /tmp/first-read-0.jfr | wc -l)
comps /tmp/first-read-1.jfr | tail -n +$((before + 1)) > /tmp/first-read.compilations
awk '{n++; s += $1} END {printf "compiled during read 1: %d methods, %.0f ms\n", n, s}' /tmp/first-read.compilations
sort -rn /tmp/first-read.compilations | head -5
rm -f /tmp/first-read-[012].jfr /tmp/first-read.compilations
