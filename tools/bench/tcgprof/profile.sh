#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Instruction profile (not part of CI) of the forwarding paths the offload benchmark compares:
# boots the VM with the tcgprof QEMU plugin, runs profile-guest.sh and prints, per path, the
# guest instructions per packet and the kernel functions that executed them. SCENARIO=ct profiles
# the conntrack hit path instead (see profile-guest.sh).
#
#   [RULES=20000] [SCENARIO=redirect|pedit_csum|ct] tools/bench/tcgprof/profile.sh [PACKETS] [TOP]
#
# SCENARIO picks the offloaded rule of the fponic paths: a plain redirect (the default), or
# pedit_csum: the IPv4 TTL rewritten, the IPv4 and UDP checksums recomputed, then the redirect
# (pktgen sends its UDP packets with a checksum then); ct profiles the conntrack hit path
# instead of the other paths.
set -euo pipefail
. "$(dirname "$0")/../../lib.sh"

n=${1:-200000}
top=${2:-25}
rules=${RULES:-20000}
scenario=${SCENARIO:-redirect}
case $scenario in redirect|pedit_csum|ct) ;; *) die "SCENARIO: redirect, pedit_csum or ct" ;; esac
here=$FPONIC_ROOT/tools/bench/tcgprof
out=$FPONIC_CACHE/tcgprof
rm -rf "$out"
mkdir -p "$out"
cc -O2 -Wall -shared -fPIC -o "$out/tcgprof.so" "$here/tcgprof.c"
kdir=$("$FPONIC_ROOT/tools/kernel/build.sh")
mark=$(awk '$3 == "ksys_sync" { print $1 }' "$kdir/System.map")
[ -n "$mark" ] || die "ksys_sync not in $kdir/System.map"
script=$(mktemp)
{
	echo "N=$n RULES=$rules SCENARIO=$scenario"
	cat "$FPONIC_ROOT/tools/bench/guest-lib.sh" "$here/profile-guest.sh"
} > "$script"
FPONIC_QEMU_ARGS="-plugin $out/tcgprof.so,out=$out/prof,mark=$mark" \
	"$FPONIC_ROOT/tools/vm/run.sh" -t 3000 -l "$out/console.log" "$script"
rm -f "$script"
tr -d '\r' < "$out/console.log" | sed -n '/^KALLSYMS-BEGIN/,/^KALLSYMS-END/p' > "$out/kallsyms"
tr -d '\r' < "$out/console.log" | grep -a '^# ' || true
# The k-th PROFILE line's traffic is snapshot 2k+1 (see profile-guest.sh).
i=1
tr -d '\r' < "$out/console.log" | awk '$1 == "PROFILE" { print $2, $3, $4 }' > "$out/paths"
while read -r path unit value; do
	echo "== $path: $value $unit under the plugin"
	per=$n
	[ "$unit" = rules/s ] && per=$rules
	python3 "$here/report.py" "$out/prof.$i" "$out/kallsyms" "$top" | awk -v n=$per \
		'NR == 1 { printf "%.0f guest kernel instructions per packet or rule\n", $1 / n; next } { print }'
	i=$((i + 2))
done < "$out/paths"
