#!/usr/bin/env bash
# Builds benchmarks/target/benchmarks.jar and runs the JMH benchmarks (docs/performance.md says what
# they measure). Runs from any directory.
#
#   scripts/bench.sh [JMH options] [benchmark regex ...]
#
# Defaults suit a 2-core machine, about 6 minutes for everything: -f 1 -wi 3 -w 2s -i 5 -r 2s.
# Any of -f -wi -w -i -r -t given here replaces the default; other arguments go to JMH as they are,
# e.g.  scripts/bench.sh ExtentCrypto -p keyBytes=16 -prof gc      (java -jar ... -h lists them all)
# Results: benchmarks/target/jmh-result.txt (the console log) and jmh-result.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

case "${1:-}" in
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

command -v mvn >/dev/null 2>&1 || { echo "bench: mvn not found; run scripts/ensure-deps.sh --no-kernel" >&2; exit 2; }

declare -A opt=([-f]=1 [-wi]=3 [-w]=2s [-i]=5 [-r]=2s)
order=(-f -wi -w -i -r)
rest=()
while (($#)); do
    case "$1" in
        -f|-wi|-w|-i|-r|-t)
            [ $# -ge 2 ] || { echo "bench: $1 needs a value" >&2; exit 2; }
            [ -n "${opt[$1]+x}" ] || order+=("$1")
            opt[$1]="$2"
            shift 2 ;;
        *) rest+=("$1"); shift ;;
    esac
done
args=()
for k in "${order[@]}"; do args+=("$k" "${opt[$k]}"); done

echo "[bench] building benchmarks/target/benchmarks.jar" >&2
mvn -B -q -pl benchmarks -am -DskipTests package

OUT="$ROOT/benchmarks/target"
echo "[bench] java -jar benchmarks/target/benchmarks.jar ${args[*]} ${rest[*]:-}" >&2
# the load at start and end go into the log: other work on the machine skews the figures
{
    echo "# bench.sh: $(date -u +%FT%TZ), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    java -jar "$OUT/benchmarks.jar" "${args[@]}" -rf json -rff "$OUT/jmh-result.json" ${rest[@]+"${rest[@]}"}
    echo "# bench.sh: load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/jmh-result.txt"
echo "[bench] results: $OUT/jmh-result.txt, $OUT/jmh-result.json" >&2
