#!/bin/bash
# scripts/dev/profile-daemon.sh MOUNTPOINT OUT -- COMMAND...
# CPU profile of the ucryptfs daemon serving MOUNTPOINT while COMMAND runs: async-profiler (Java and
# kernel frames; from Maven Central, tools.profiler:async-profiler:3.0, fetched once into ~/.m2) is
# attached with jcmd, COMMAND runs, and the stacks are written to OUT in collapsed form (one line per
# stack with its sample count; feed to a flame graph tool or read the summary printed here: the frames
# with the largest share of samples, counted once per stack). Root, or the daemon's user.
#   scripts/dev/profile-daemon.sh /var/tmp/m /tmp/create.collapsed -- perl -e '...'
# INTERVAL (default 200us) sets the sampling interval; EVENT=alloc (with INTERVAL=512k: bytes) profiles allocations. docs/performance.md cites its results.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 4 ] && [ "$3" = "--" ] || { sed -n 2,9p "$0" >&2; exit 2; }
MNT=$(realpath "$1"); OUT=$2; shift 3
VER=3.0
JAR=~/.m2/repository/tools/profiler/async-profiler/$VER/async-profiler-$VER.jar
[ -f "$JAR" ] || mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:$VER >&2
LIB=$(mktemp -d /tmp/async-profiler.XXXXXX)
trap 'rm -rf "$LIB"' EXIT
(cd "$LIB" && unzip -q "$JAR" "linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')/libasyncProfiler.so")
SO=$(ls "$LIB"/linux-*/libasyncProfiler.so)
PID=$(pgrep -f "io.ucryptfs.cli.Main mount .*$MNT.*--daemon-child" | head -1)
[ -n "$PID" ] || { echo "no ucryptfs daemon serves $MNT" >&2; exit 1; }
# the agent's options as one quoted argument: jcmd would split them at '='
jcmd "$PID" JVMTI.agent_load "$SO" "\"start,event=${EVENT:-cpu},interval=${INTERVAL:-200us}\"" >/dev/null
rc=0; "$@" || rc=$?
jcmd "$PID" JVMTI.agent_load "$SO" "\"stop,file=$(realpath -m "$OUT"),collapsed\"" >/dev/null
python3 - "$OUT" <<'EOF'
import collections, sys
total = 0; inclusive = collections.Counter()
for line in open(sys.argv[1]):
    stack, n = line.rsplit(' ', 1); n = int(n); total += n
    for frame in set(stack.split(';')):
        inclusive[frame] += n
print(f"{total} samples; frames by share of samples (inclusive):")
for frame, n in inclusive.most_common(45):
    print(f"{100 * n / total:5.1f}%  {frame[:110]}")
EOF
exit $rc
