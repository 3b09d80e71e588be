#!/usr/bin/env bash
# Times opening 10,000 files with per-file token packets (tag 1, one RSA decryption on a SoftHSM2
# token per open) against the mount key (tag 3), through the filesystem API in one thread
# (io.ucryptfs.bench.TokenOpenTiming; docs/performance.md, section "Keys"). Makes its own SoftHSM2
# token (RSA-2048) in a temporary directory, removed at the end.
#
#   scripts/bench-token-open.sh [FILES=10000] [ROUNDS=3]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODULE=/usr/lib/softhsm/libsofthsm2.so
[ -f "$MODULE" ] && command -v pkcs11-tool >/dev/null || { echo "needs softhsm2 and opensc (scripts/ensure-deps.sh)" >&2; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/tokens" > "$WORK/softhsm2.conf"
export SOFTHSM2_CONF="$WORK/softhsm2.conf"
softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 >/dev/null
pkcs11-tool --module "$MODULE" --token-label bench --login --pin 1234 --keypairgen --key-type rsa:2048 \
    --label k --id 01 >/dev/null

echo "[bench-token-open] building benchmarks/target/benchmarks.jar" >&2
mvn -B -q -o -pl benchmarks -am -DskipTests package
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
java -cp benchmarks/target/benchmarks.jar io.ucryptfs.bench.TokenOpenTiming \
    "pkcs11:token=bench;object=k?module-path=$MODULE" 1234 "$WORK" "${1:-10000}" "${2:-3}"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
