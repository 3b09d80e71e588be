#!/usr/bin/env bash
# Installs ucryptfs for users: the jars in PREFIX/lib/ucryptfs and a `ucryptfs` command in
# PREFIX/bin (default PREFIX=/usr/local), so that `ucryptfs mount ...`, `mount -t fuse.ucryptfs` and
# fstab lines work (mount.fuse3 runs `ucryptfs LOWER MOUNTPOINT -o OPTIONS`).
#
#   scripts/install.sh [PREFIX]          build if needed, then install (root for /usr/local)
#   scripts/install.sh --uninstall [PREFIX]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
uninstall=0
if [ "${1:-}" = "--uninstall" ]; then uninstall=1; shift; fi
PREFIX="${1:-/usr/local}"
LIB="$PREFIX/lib/ucryptfs"
BIN="$PREFIX/bin/ucryptfs"
HELPER="$PREFIX/sbin/mount.fuse.ucryptfs"
# mount(8) runs /sbin/mount.fuse.ucryptfs for type fuse.ucryptfs, with a PATH that may lack PREFIX/bin
SBIN_LINK=/sbin/mount.fuse.ucryptfs

if [ $uninstall = 1 ]; then
    rm -rf "$LIB" "$BIN" "$HELPER"
    [ "$(readlink "$SBIN_LINK" 2>/dev/null)" = "$HELPER" ] && rm -f "$SBIN_LINK"
    echo "removed $LIB, $BIN and $HELPER"
    exit 0
fi

"$ROOT/scripts/ensure-deps.sh" --no-kernel --quiet
(cd "$ROOT" && mvn -B -q -Dstyle.color=never -DskipTests package)

jar="$(ls "$ROOT"/fuse-mount/target/ucryptfs-fuse-mount-*.jar | grep -v -e sources -e javadoc -e tests | head -1)"
[ -f "$jar" ] && [ -f "$ROOT/fuse-mount/target/classpath.txt" ] || { echo "install: build output missing" >&2; exit 1; }

# a fresh copy of every jar: a running mount keeps reading its own, so install to a new folder first
staging="$LIB.new.$$"
mkdir -p "$staging"
cp "$jar" "$staging/"
tr ":" "\n" < "$ROOT/fuse-mount/target/classpath.txt" | while read -r j || [ -n "$j" ]; do
    [ -n "$j" ] && cp "$j" "$staging/"
done
rm -rf "$LIB.old"
[ -d "$LIB" ] && mv "$LIB" "$LIB.old"
mv "$staging" "$LIB"
rm -rf "$LIB.old"

mkdir -p "$(dirname "$BIN")"
cat > "$BIN" <<SCRIPT
#!/bin/sh
# ucryptfs, installed from $ROOT by scripts/install.sh
exec java --add-opens=java.base/sun.nio.fs=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \${UCRYPTFS_JAVA_OPTS:-} -cp '$LIB/*' io.ucryptfs.cli.Main "\$@"
SCRIPT
chmod 755 "$BIN"

mkdir -p "$(dirname "$HELPER")"
cat > "$HELPER" <<SCRIPT
#!/bin/sh
# mount(8) helper: mount -t fuse.ucryptfs LOWER MOUNTPOINT -o OPTIONS (and fstab lines)
exec '$BIN' "\$@"
SCRIPT
chmod 755 "$HELPER"
if [ "$(id -u)" = 0 ] && [ "${UCRYPTFS_NO_SBIN_LINK:-0}" != 1 ] && [ -d /sbin ]; then
    ln -sfn "$HELPER" "$SBIN_LINK"
fi
echo "installed $BIN and $HELPER (jars in $LIB)"
echo "  mount:  ucryptfs mount LOWER MOUNTPOINT     or   mount -t fuse.ucryptfs LOWER MOUNTPOINT -o passfile=FILE"
