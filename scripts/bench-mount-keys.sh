#!/usr/bin/env bash
# Mount time with each protector (docs/performance.md, "Keys"): a vault with a passphrase (Argon2id,
# default calibration), a key file and a token (RSA-2048 on a SoftHSM2 token of its own) protector;
# each mounted RUNS times in the background form (`mount` returns once the mount answers) and
# unmounted; prints each time and the median. Needs the jars built (./ucryptfs builds them, or
# mvn -DskipTests package) and softhsm2, opensc, fuse3 (scripts/ensure-deps.sh --no-kernel).
#
#   scripts/bench-mount-keys.sh [RUNS]        (default 3)
#
# The command is run as the ./ucryptfs launcher runs it (java -cp <fuse-mount jar:classpath.txt>
# io.ucryptfs.cli.Main), without the launcher's dependency and build checks, which are not mount time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-3}"
MODULE=/usr/lib/softhsm/libsofthsm2.so
JAR="$(ls "$ROOT"/fuse-mount/target/ucryptfs-fuse-mount-*.jar | grep -v -e -tests -e -sources | head -1)"
CP="$JAR:$(cat "$ROOT/fuse-mount/target/classpath.txt")"
ucryptfs() { java ${UCRYPTFS_JAVA_OPTS:-} -cp "$CP" io.ucryptfs.cli.Main "$@"; }

W="$(mktemp -d /tmp/bench-mount-keys.XXXXXX)"
trap 'fusermount3 -u "$W/mnt" 2>/dev/null || true; rm -rf "$W"' EXIT
mkdir -p "$W/mnt" "$W/tokens"
export SOFTHSM2_CONF="$W/softhsm2.conf"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$W/tokens" >"$SOFTHSM2_CONF"
echo "bench pass $$" >"$W/pass"
echo 1234 >"$W/pin"

softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 >/dev/null
pkcs11-tool --module "$MODULE" --token-label bench --login --pin 1234 --keypairgen --key-type rsa:2048 \
    --label k --id 01 >/dev/null 2>&1
URI="pkcs11:token=bench;object=k?module-path=$MODULE"

ucryptfs init "$W/vault" --passfile "$W/pass" 2>/dev/null
ucryptfs protector add keyfile "$W/key" "$W/vault" --passfile "$W/pass" 2>/dev/null
ucryptfs protector add token --uri "$URI" --pin-file "$W/pin" "$W/vault" --passfile "$W/pass" 2>/dev/null
ucryptfs protector list "$W/vault"

# seconds (3 decimals) of one mount, then unmount
one() {
    local t0 t1
    t0=$(date +%s.%N)
    ucryptfs mount "$W/vault" "$W/mnt" "$@" 2>/dev/null
    t1=$(date +%s.%N)
    ucryptfs umount "$W/mnt" 2>/dev/null
    echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}

median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

row() {
    local name="$1" times=()
    shift
    for _ in $(seq "$RUNS"); do
        times+=("$(one "$@")")
    done
    printf '%-28s %s   median %s s\n' "$name" "${times[*]}" "$(echo "${times[*]}" | median)"
}

echo "mount (background, returns once the mount answers) + umount, $RUNS runs each, seconds:"
row "passphrase (Argon2id)" --passfile "$W/pass"
row "key file" --keyfile "$W/key"
row "token (RSA, SoftHSM2)" --token "$URI" --pin-file "$W/pin"
