#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything fponic needs to build and test on Debian bookworm (root).
# Idempotent: a second run checks versions and returns in seconds.
#
# Environment:
#   FPONIC_CACHE   cache directory (default: $HOME/.cache/fponic); bindgen lands in $FPONIC_CACHE/tools
#   BINDGEN_VER    bindgen-cli version from crates.io (default 0.73.2, must be >= 0.71.1)
set -euo pipefail

. "$(dirname "$0")/lib.sh"

BINDGEN_VER=${BINDGEN_VER:-0.73.2}
export DEBIAN_FRONTEND=noninteractive

apt_suites() {
	local f=/etc/apt/sources.list.d/fponic.sources
	[ -f "$f" ] && return 0
	log "adding apt suites bookworm-backports, trixie, trixie-backports"
	cat > "$f" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get update -q
}

# The highest 7.x linux-source package apt knows about, e.g. "linux-source-7.3".
kernel_src_pkg() {
	apt-cache search --names-only '^linux-source-7\.[0-9]+$' | awk '{print $1}' | sort -V | tail -1
}

# rust-src whose upstream version equals `rustc --version` exactly.
rust_src_version() {
	local want=$1
	apt-cache madison rust-src | awk -F'|' '{gsub(/ /,"",$2); print $2}' |
		grep -E "^${want//./\\.}\+" | sort -V | tail -1
}

main() {
	need_root
	local rustver
	rustver=$(rustc --version | cut -d' ' -f2)
	local pkgs_bookworm="bc flex bison libelf-dev libssl-dev cpio kmod make python3 xz-utils
		busybox-static iproute2 ethtool clang-19 lld-19 llvm-19 libclang-19-dev jq netsniff-ng
		conntrack nftables"
	# qemu from bookworm-backports: bookworm's 7.2 would remove the preinstalled qemu-utils 10.x.
	local pkgs_bpo="qemu-system-x86/bookworm-backports qemu-system-common/bookworm-backports
		qemu-system-data/bookworm-backports seabios/bookworm-backports"

	local missing=0
	for b in clang-19 ld.lld-19 llvm-nm-19 qemu-system-x86_64 busybox bc flex bison cpio jq mausezahn \
		conntrack nft; do
		command -v "$b" >/dev/null || missing=1
	done
	[ -f /usr/share/qemu/qboot.rom ] || missing=1
	[ -d "/usr/src/rustc-$rustver/library/core" ] || missing=1
	ls /usr/src/linux-source-7.*.tar.xz >/dev/null 2>&1 || missing=1
	[ -f /usr/include/libelf.h ] || missing=1

	if [ $missing = 1 ]; then
		apt_suites
		local rsv ksp
		rsv=$(rust_src_version "$rustver")
		[ -n "$rsv" ] || die "no Debian rust-src package matches rustc $rustver (available: $(apt-cache madison rust-src | awk -F'|' '{print $2}' | tr -d ' ' | tr '\n' ' '))"
		ksp=$(kernel_src_pkg)
		[ -n "$ksp" ] || die "no linux-source-7.x package in the apt suites; set KDIR= to a Rust-enabled kernel build dir instead"
		local ksuite
		ksuite=$(apt-cache madison "$ksp" | awk -F'|' '{print $3}' | awk '{print $2}' | sed 's,/main,,' | head -1)
		local rsuite
		rsuite=$(apt-cache madison rust-src | awk -F'|' -v v="$rsv" '{gsub(/ /,"",$2); if ($2==v) print $3}' | awk '{print $2}' | sed 's,/main,,' | head -1)
		log "installing packages (rust-src $rsv from $rsuite, $ksp from $ksuite)"
		# shellcheck disable=SC2086
		apt-get install -y -q -t bookworm --no-install-recommends $pkgs_bookworm $pkgs_bpo \
			"rust-src=$rsv" "$ksp/$ksuite"
	fi
	[ -f "/usr/src/rustc-$rustver/library/core/src/lib.rs" ] ||
		die "rust-src for rustc $rustver is not at /usr/src/rustc-$rustver (installed: $(dpkg-query -W -f='${Version}' rust-src 2>/dev/null || echo none))"

	local bg="$FPONIC_CACHE/tools/bin/bindgen"
	if ! [ -x "$bg" ] || [ "$("$bg" --version | awk '{print $2}')" != "$BINDGEN_VER" ]; then
		log "installing bindgen-cli $BINDGEN_VER from crates.io"
		cargo install bindgen-cli --version "$BINDGEN_VER" --locked --root "$FPONIC_CACHE/tools"
	fi
	log "toolchain ready: rustc $rustver, $("$bg" --version), $(clang-19 --version | head -1)"
}

main "$@"
