#!/usr/bin/env bash
# Installs what ucryptfs needs to build, run and test on Debian 12, with apt-get, only what is
# missing. Safe to run again: when everything is there it installs nothing.
#
#   scripts/ensure-deps.sh [--no-kernel] [--quiet]
#
#   build:  openjdk-17-jdk-headless maven
#   FUSE:   fuse3 libfuse2 (never the old "fuse" package: it removes fuse3)
#   PKCS#11 tests: softhsm2 (the module and softhsm2-util) opensc (pkcs11-tool)
#   kernel interop tests: what ../shared/ecryptfs-kernel/run-vm.sh needs (qemu, busybox-static,
#           ecryptfs-utils, ...), then `run-vm.sh setup` (fetches and unpacks the Debian kernel once,
#           about a minute the first time; cached in /tmp/ecryptfs-vm-cache). --no-kernel skips this.
#
# As root it installs directly; otherwise through sudo when there is one; otherwise it prints what
# to install and exits 2. Exit 1 when an install or the kernel set-up fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${UCRYPTFS_SHARED:-$ROOT/../shared}"
SHARED="$(cd "$SHARED" 2>/dev/null && pwd || echo "$SHARED")"
KERNEL=1
QUIET=0
for a in "$@"; do
    case "$a" in
        --no-kernel) KERNEL=0 ;;
        --quiet) QUIET=1 ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "ensure-deps: unknown option $a" >&2; exit 2 ;;
    esac
done

say() { [ "$QUIET" = 1 ] || echo "[ensure-deps] $*" >&2; }
warn() { echo "[ensure-deps] $*" >&2; }

RUN_VM="$SHARED/ecryptfs-kernel/run-vm.sh"

pkgs=(openjdk-17-jdk-headless maven libfuse2 softhsm2 opensc)
# fuse3 conflicts with the old "fuse" package; where "fuse" is already installed it provides
# fusermount and we leave it alone rather than let apt remove it.
if dpkg-query -W -f='${Status}' fuse 2>/dev/null | grep -q 'install ok installed'; then
    say "the old 'fuse' package is installed: not installing fuse3 (it would remove 'fuse')"
else
    pkgs+=(fuse3)
fi
# A mount by a non-root user opens /dev/fuse itself: udev makes it 0666 on a normal machine, a
# container may leave it 0600.
if [ -c /dev/fuse ] && [ "$(stat -c %a /dev/fuse)" != 666 ] && [ "$(id -u)" = 0 ]; then
    chmod 0666 /dev/fuse && say "/dev/fuse made 0666 (non-root mounts need it)"
fi

if [ "$KERNEL" = 1 ]; then
    # the host packages run-vm.sh installs itself (kept in step with it), plus xz-utils, which it
    # uses to boot the kernel faster
    vm_pkgs=""
    [ -r "$RUN_VM" ] && vm_pkgs="$(sed -n 's/^HOST_PKGS="\(.*\)"$/\1/p' "$RUN_VM" | head -n 1)"
    [ -n "$vm_pkgs" ] || vm_pkgs="qemu-system-x86 busybox-static keyutils ecryptfs-utils attr e2fsprogs kmod cpio gzip"
    # shellcheck disable=SC2206
    pkgs+=($vm_pkgs xz-utils)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

SUDO=()
need_root() { # $1 = what for
    if [ "$(id -u)" = 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        warn "not root and no sudo: $1. As root, run:"
        warn "    $2"
        exit 2
    fi
}

if ((${#missing[@]})); then
    need_root "missing packages: ${missing[*]}" \
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
    LOCK=(-o DPkg::Lock::Timeout=600)
    warn "installing: ${missing[*]}"
    # update the package lists only when there are none, or when the install fails on old lists
    if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
        "${SUDO[@]}" apt-get "${LOCK[@]}" update >&2
    fi
    install() {
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get "${LOCK[@]}" install -y --no-install-recommends "${missing[@]}" >&2
    }
    if ! install; then
        say "install failed; updating the package lists and trying again"
        "${SUDO[@]}" apt-get "${LOCK[@]}" update >&2
        install || { warn "could not install: ${missing[*]}"; exit 1; }
    fi
else
    say "packages present: ${pkgs[*]}"
fi

if [ "$KERNEL" = 1 ]; then
    if [ ! -x "$RUN_VM" ] && [ ! -r "$RUN_VM" ]; then
        warn "WARNING: $RUN_VM not found: the shared/ folder must sit beside the checkout as ../shared"
        warn "         (or set UCRYPTFS_SHARED); tests that use the kernel vectors will fail"
    else
        need_root "the kernel VM set-up needs root" "bash $RUN_VM setup"
        say "kernel VM: $RUN_VM setup (about a minute the first time, then cached)"
        setup_log="$(mktemp "${TMPDIR:-/tmp}/ucryptfs-run-vm-setup.XXXXXX")"
        if ! "${SUDO[@]}" bash "$RUN_VM" setup >"$setup_log" 2>&1; then
            warn "kernel VM set-up failed; the end of its output ($setup_log):"
            tail -n 30 "$setup_log" >&2
            exit 1
        fi
        rm -f "$setup_log"
    fi
fi
say "done"
