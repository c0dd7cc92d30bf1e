# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for fponic's tools. Source, do not execute.

FPONIC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FPONIC_CACHE=${FPONIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fponic}
export FPONIC_ROOT FPONIC_CACHE
export PATH="$FPONIC_CACHE/tools/bin:$PATH"

log() { printf '[fponic %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "must run as root (apt, module builds for the VM)"; }

rust_version() { rustc --version | cut -d' ' -f2; }
export RUST_LIB_SRC=${RUST_LIB_SRC:-/usr/src/rustc-$(rust_version)/library}
