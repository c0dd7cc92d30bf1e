#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build fponic.ko out of tree against the test kernel (or KDIR=...) and print its path.
# Build output goes to $FPONIC_CACHE/module/<kernel>/, never into the source tree.
#
#   tools/build-module.sh [extra kbuild args, e.g. CLIPPY=1 or W=1]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=$("$FPONIC_ROOT/tools/kernel/build.sh")
out=$FPONIC_CACHE/module/$(basename "$kdir")
mkdir -p "$out"
log "building fponic.ko against $kdir"
make -s -C "$kdir" M="$FPONIC_ROOT/drivers/net/fponic" MO="$out" LLVM="${LLVM_SUFFIX:--19}" \
	-j"$(nproc)" "$@" modules >&2
echo "$out/fponic.ko"
