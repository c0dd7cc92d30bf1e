#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not part of CI): VF -> VF ping RTT and bulk TCP throughput through fponic's
# switchdev slow path and legacy switching, against a plain veth pair measured in the same VM
# boot. Prints medians and ratios (fponic / veth).
#
#   tools/bench/slowpath.sh [ROUNDS]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

rounds=${1:-2}
script=$(mktemp)
{ echo "ROUNDS=$rounds"; cat "$FPONIC_ROOT/tools/bench/slowpath-guest.sh"; } > "$script"
log=$FPONIC_CACHE/bench-slowpath.log
"$FPONIC_ROOT/tools/vm/run.sh" -t 1800 -l "$log" "$script"
rm -f "$script"
grep -a '^RESULT ' "$log" | tr -d '\r' | awk '
	{ v[$2" "$3] = v[$2" "$3] " " $4 }
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		printf "%-10s %14s %14s %10s %10s\n", "path", "rtt_ms(med)", "tcp_mbps(med)", "rtt/veth", "tcp/veth"
		vr = median(v["veth rtt_ms"]); vt = median(v["veth tcp_mbps"])
		split("veth switchdev legacy", p, " ")
		for (k = 1; k <= 3; k++) {
			r = median(v[p[k]" rtt_ms"]); t = median(v[p[k]" tcp_mbps"])
			printf "%-10s %14.3f %14.1f %10.2f %10.2f\n", p[k], r, t, r / vr, t / vt
		}
	}'
