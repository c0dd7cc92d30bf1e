#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the kernel fponic is tested on.
#
#   tools/kernel/build.sh            print the build dir on stdout, building it if needed
#
# Environment:
#   KDIR             use this Rust-enabled kernel build dir as is (nothing is built)
#   FPONIC_KVARIANT  "default" (tinyconfig + fponic.config) or "debug" (+ debug.config)
#   FPONIC_CACHE     cache root, outside the repo (default ~/.cache/fponic)
#   FPONIC_KCONFIG_ONLY  set: configure and verify the fragment, do not build
#
# The source comes from Debian's linux-source-7.x tarball (the highest installed). The build lives in
# $FPONIC_CACHE/kernel/<version>-<variant>-<hash> where the hash covers the fragments, this script,
# rustc and clang versions; a finished build is reused without running make at all.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

HERE=$FPONIC_ROOT/tools/kernel
VARIANT=${FPONIC_KVARIANT:-default}
LLVM_SUFFIX=${LLVM_SUFFIX:--19}

if [ -n "${KDIR:-}" ]; then
	[ -f "$KDIR/.config" ] || die "KDIR=$KDIR has no .config"
	grep -q '^CONFIG_RUST=y' "$KDIR/.config" || die "KDIR=$KDIR is not a Rust-enabled kernel (CONFIG_RUST is not y)"
	[ -f "$KDIR/arch/x86/boot/bzImage" ] || die "KDIR=$KDIR has no bzImage; build it first"
	echo "$KDIR"
	exit 0
fi

frags=("$HERE/fponic.config")
case $VARIANT in
default) ;;
debug) frags+=("$HERE/debug.config") ;;
*) die "FPONIC_KVARIANT must be default or debug, not '$VARIANT'" ;;
esac

tarball=$(ls /usr/src/linux-source-7.*.tar.xz 2>/dev/null | sort -V | tail -1 || true)
[ -n "$tarball" ] || die "no /usr/src/linux-source-7.x.tar.xz: run tools/setup.sh, or set KDIR= to a Rust-enabled kernel build dir"
pkg=$(basename "$tarball" .tar.xz)
pkgver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || stat -c %Y "$tarball")

srcdir=$FPONIC_CACHE/src/$pkg-$pkgver
if ! [ -f "$srcdir/.fponic-extracted" ]; then
	log "extracting $tarball ($pkg $pkgver)"
	rm -rf "$srcdir"
	mkdir -p "$srcdir"
	tar -C "$srcdir" --strip-components=1 -xJf "$tarball"
	touch "$srcdir/.fponic-extracted"
fi
kver=$(make -s -C "$srcdir" kernelversion)

hash=$( (cat "${frags[@]}" "$HERE/build.sh"; rustc --version; "clang$LLVM_SUFFIX" --version | head -1; echo "$pkgver") |
	sha256sum | cut -c1-12)
kb=$FPONIC_CACHE/kernel/$kver-$VARIANT-$hash
if [ -f "$kb/.fponic-built" ]; then
	log "reusing kernel $kver ($VARIANT) at $kb"
	echo "$kb"
	exit 0
fi

mk() { make -C "$srcdir" O="$kb" LLVM="$LLVM_SUFFIX" -j"$(nproc)" "$@"; }
mkdir -p "$kb"
log "configuring kernel $kver ($pkg $pkgver, variant $VARIANT) in $kb"
mk -s rustavailable >&2 || die "Rust is not available for this kernel (RUST_LIB_SRC=$RUST_LIB_SRC)"
mk -s tinyconfig >/dev/null
"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$kb" "$kb/.config" "${frags[@]}" >/dev/null
"$srcdir/scripts/config" --file "$kb/.config" -d KERNEL_XZ -e KERNEL_GZIP
mk -s olddefconfig >/dev/null

# Every fragment line must have survived olddefconfig: a dependency that silently
# dropped an option would otherwise show up much later as a confusing test failure.
bad=0
while IFS= read -r l; do
	k=${l%%=*}
	v=${l#*=}
	got=$(grep -E "^$k=|^# $k is not set" "$kb/.config" || true)
	if [ "$v" = n ]; then
		[ -z "$got" ] || [[ $got == *"not set"* ]] || { log "config mismatch: want $l, got $got"; bad=1; }
	else
		[ "$got" = "$l" ] || { log "config mismatch: want $l, got ${got:-nothing}"; bad=1; }
	fi
done < <(cat "${frags[@]}" | grep -E '^CONFIG_')
[ $bad = 0 ] || die "config fragment not satisfied (see above)"
if [ -n "${FPONIC_KCONFIG_ONLY:-}" ]; then
	log "configuration verified (FPONIC_KCONFIG_ONLY set: not building)"
	exit 0
fi

log "building kernel (about 9 minutes on 2 cores from scratch); log: $kb/build.log"
start=$SECONDS
# Progress: one line per 500 build steps, so a long build is visibly alive.
if ! mk 2>&1 | tee "$kb/build.log" |
	awk '/^  [A-Z]/ { if (++n % 500 == 0) printf "[fponic] kernel build: %d steps\n", n > "/dev/stderr" }'; then
	tail -40 "$kb/build.log" >&2
	die "kernel build failed (log: $kb/build.log)"
fi
[ -f "$kb/arch/x86/boot/bzImage" ] || die "kernel build produced no bzImage"
echo "$pkg $pkgver $kver $VARIANT" > "$kb/.fponic-built"
log "kernel built in $((SECONDS - start)) s"
echo "$kb"
