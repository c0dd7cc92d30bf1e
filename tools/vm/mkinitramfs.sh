#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs.
#
#   tools/vm/mkinitramfs.sh [-e ENVFILE] OUT.cpio.gz CMDFILE MODULE.ko...
#
# Contents: busybox (static), iproute2's ip/tc/devlink, ethtool, conntrack-tools' conntrack and
# nftables' nft with their shared libraries,
# the project's fpkt tool (built here), the kernel's tc_flower.sh with what it needs, the
# selftests and KUnit collector under /fponic, the given
# modules under /fponic/modules, CMDFILE as /fponic/cmd (what /init runs) and ENVFILE, shell
# code that /init sources first (exports for CMDFILE), as /fponic/env.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

envfile=
if [ "${1:-}" = -e ]; then
	envfile=$2
	shift 2
fi
out=$1
cmd=$2
shift 2

root=$(mktemp -d "${TMPDIR:-/tmp}/fponic-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,lib,lib64,proc,sys,dev,tmp,etc,run,root,fponic/modules}

copy_bin() {
	local b=$1
	cp -L "$b" "$root/sbin/"
	local l
	for l in $(ldd "$b" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$l")"
		cp -Ln "$l" "$root$l"
	done
}

cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
for b in /sbin/ip /sbin/tc /sbin/devlink /sbin/bridge "$(command -v ethtool)"; do
	copy_bin "$b"
done
# conntrack and nft: what act_ct and a software flowtable hold, to compare with the eswitch.
for t in conntrack nft; do
	b=$(command -v "$t") || die "no $t on this host (packages conntrack, nftables): run tools/setup.sh"
	copy_bin "$b"
done

# The kernel's forwarding selftest tc_flower.sh: bash, jq, mausezahn, coreutils readlink/date
# (busybox lacks readlink -e and date +%N; only the wrapper puts them first in PATH) and the
# library files, in the source tree's layout, under /fponic/kselftest.
ks=${FPONIC_KSRC:-}/tools/testing/selftests/net
if [ -f "$ks/forwarding/tc_flower.sh" ] && command -v jq >/dev/null && command -v mausezahn >/dev/null; then
	copy_bin /bin/bash
	ln -s /sbin/bash "$root/bin/bash"
	copy_bin "$(command -v jq)"
	copy_bin "$(command -v mausezahn)"
	mkdir -p "$root/fponic/kselftest/net/forwarding" "$root/fponic/kselftest/net/lib/sh" \
		"$root/fponic/kselftest/bin"
	cp "$ks/forwarding/tc_flower.sh" "$ks/forwarding/tc_common.sh" "$ks/forwarding/lib.sh" \
		"$root/fponic/kselftest/net/forwarding/"
	cp "$ks/lib.sh" "$root/fponic/kselftest/net/"
	cp "$ks/lib/sh/defer.sh" "$root/fponic/kselftest/net/lib/sh/"
	cp -L /usr/bin/readlink /usr/bin/date "$root/fponic/kselftest/bin/"
fi

(cd "$FPONIC_ROOT/tools/fpkt" && cargo build --release -q)
copy_bin "$FPONIC_ROOT/tools/fpkt/target/release/fpkt"

install -m755 "$FPONIC_ROOT/tools/vm/init" "$root/init"
cp -r "$FPONIC_ROOT/tools/testing/selftests/drivers/net/fponic" "$root/fponic/selftests"
cp "$FPONIC_ROOT/tools/testing/kunit-collect.sh" "$FPONIC_ROOT/tools/testing/guest-check.sh" "$root/fponic/"
cp -r "$FPONIC_ROOT/samples/fponic" "$root/fponic/samples"
cp "$cmd" "$root/fponic/cmd"
[ -n "$envfile" ] && cp "$envfile" "$root/fponic/env"
for m in "$@"; do
	cp "$m" "$root/fponic/modules/"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
