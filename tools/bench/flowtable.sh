#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not part of CI): connection offload through an nftables flowtable in one VM boot,
# ratios against baselines measured in the same boot (medians of per-pair ratios): pps of one
# routed UDP flow VF0 -> VF1 (pktgen, 64-byte packets) forwarded by the switch (flowtable with
# `flags offload`) vs nf_flow_table's software fast path on the same representors, and vs the
# host's classic forwarding path.
#
#   tools/bench/flowtable.sh [N]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

script=$(mktemp)
{
	echo "N=${1:-100000}"
	cat "$FPONIC_ROOT/tools/bench/guest-lib.sh" "$FPONIC_ROOT/tools/bench/flowtable-guest.sh"
} > "$script"
log=$FPONIC_CACHE/bench-flowtable.log
FPONIC_KERNEL_ARGS="tsc=reliable ${FPONIC_KERNEL_ARGS:-}" "$FPONIC_ROOT/tools/vm/run.sh" -t 3600 -l "$log" "$script"
rm -f "$script"
grep -a '^RESULT ' "$log" | tr -d '\r' | awk '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ v[$2] = v[$2] " " $3 }
	END {
		for (k in v) printf "%-22s median %12.2f   samples:%s\n", k, median(v[k]), v[k]
		printf "\n%-58s %10s\n", "comparison (median of per-pair ratios)", "ratio"
		printf "%-58s %10.2f\n", "flowtable offloaded / software flowtable fast path (pps)", median(v["pair_offload_sw"])
		printf "%-58s %10.2f\n", "flowtable offloaded / classic forwarding (pps)", median(v["pair_offload_classic"])
	}'
