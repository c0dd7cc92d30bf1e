#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not part of CI): tc flower offload in one VM boot, ratios against baselines measured
# in the same boot (medians):
#   - pps VF->VF through an offloaded redirect vs veth + software flower + mirred, and vs a
#     plain veth pair (pktgen, 64-byte packets, A B B A interleaved, ratios per pair); also with
#     GRO off on the receiving VF, as veth has it unless asked;
#   - pps with RULES rules (one mask, random destinations) vs with 1 rule;
#   - insertion rate of RULES skip_sw rules with tc -b vs netdevsim (no-op driver) and vs
#     skip_hw software flower;
#   - VPID remap of a port with REMAP flows vs tc filter replace of those REMAP rules.
#
#   tools/bench/offload.sh [N] [RULES] [REMAP]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

script=$(mktemp)
{
	echo "N=${1:-100000} RULES=${2:-100000} REMAP=${3:-10000}"
	cat "$FPONIC_ROOT/tools/bench/guest-lib.sh" "$FPONIC_ROOT/tools/bench/offload-guest.sh"
} > "$script"
log=$FPONIC_CACHE/bench-offload.log
# The guest's clocksource watchdog may find the emulated TSC unstable under host load and fall
# back to jiffies (4 ms), which the timings here cannot use: the TSC is derived from the host's
# clock, so trust it.
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
		for (k in v) printf "%-18s median %12.2f   samples:%s\n", k, median(v[k]), v[k]
		printf "\n%-58s %10s %8s\n", "comparison (median of per-pair ratios)", "ratio", "target"
		printf "%-58s %10.2f %8s\n", "offloaded redirect / veth+sw flower+mirred (pps)", median(v["pair_offload_swflower"]), ">= 1.5"
		printf "%-58s %10.2f %8s\n", "offloaded redirect / plain veth (pps)", median(v["pair_offload_veth"]), ">= 1.0"
		printf "%-58s %10.2f %8s\n", "  same, receiving VF with GRO off as veth / veth+flower", median(v["pair_nogro_swflower"]), ">= 1.5"
		printf "%-58s %10.2f %8s\n", "  same, receiving VF with GRO off as veth / plain veth", median(v["pair_nogro_veth"]), ">= 1.0"
		printf "%-58s %10.2f %8s\n", "many rules / 1 rule (pps)", median(v["pair_scale"]), ">= 0.9"
		printf "%-58s %10.2f %8s\n", "insertion fponic / netdevsim (rules/s)", median(v["pair_ins_netdevsim"]), ">= 0.8"
		printf "%-58s %10.2f %8s\n", "insertion fponic / software skip_hw (rules/s)", median(v["pair_ins_software"]), "-"
		printf "%-58s %10.5f %8s\n", "VPID remap / tc replace of the flows (time)", median(v["remap_vpid_ms"]) / median(v["remap_tc_ms"]), "<= 0.001"
	}'
