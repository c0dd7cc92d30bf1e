#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not part of CI): conntrack offload in one VM boot, ratios against baselines measured
# in the same boot (medians of per-pair ratios, A B B A interleaved):
#   - established packets per second VF0 -> VF1 (UDP from pktgen, 64-byte packets; TCP data
#     segments of 64 bytes from fpkt flood) through OVS-style ct rules offloaded to fponic (hw),
#     vs the same rules in software: skip_hw on two veth pairs (veth: act_ct's software flow
#     table, the fair baseline: no device emulation cost on either side of it) and skip_hw on
#     fponic's representors (rep: what this switch does without offload, its slow path
#     included); vs the nftables software flow table forwarding between two veth legs (nft);
#   - connections per second: CONNS short TCP connections (BYTES each) with the ct rules
#     offloaded vs in software.
# The rules carry no skip flag on the offloaded path: a `ct` miss resumes in software at the
# rule's action, which software never runs for a skip_sw rule (tcf_action_exec skips actions of
# skip_sw filters), so skip_sw ct rules could not set connections up at all.
#
#   [ROUNDS=3] [CONNS=200] tools/bench/ct.sh [N] [SECS]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

script=$(mktemp)
{
	echo "N=${1:-100000} SECS=${2:-3} ROUNDS=${ROUNDS:-3} CONNS=${CONNS:-200} BYTES=${BYTES:-1000}"
	cat "$FPONIC_ROOT/tools/bench/guest-lib.sh" "$FPONIC_ROOT/tools/bench/ct-guest.sh"
} > "$script"
log=$FPONIC_CACHE/bench-ct.log
# A trusted TSC for the timings (see offload.sh).
FPONIC_KERNEL_ARGS="tsc=reliable ${FPONIC_KERNEL_ARGS:-}" "$FPONIC_ROOT/tools/vm/run.sh" -t 3600 -l "$log" "$script"
rm -f "$script"
tr -d '\r' < "$log" | grep -a -E '^(# (hw|sw0|-|v|n)[: ]|BENCH-FAIL)' || true
grep -a '^RESULT ' "$log" | tr -d '\r' | awk '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{ v[$2] = v[$2] " " $3; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
	END {
		for (i = 1; i <= n; i++) printf "%-16s median %12.2f   samples:%s\n", order[i], median(v[order[i]]), v[order[i]]
		printf "\n%-62s %8s %8s\n", "comparison (median of per-pair ratios)", "ratio", "target"
		printf "%-62s %8.2f %8s\n", "a/b  UDP pps: offloaded ct / software ct on veth", median(v["udp_hw_veth"]), ">= 2.0"
		printf "%-62s %8.2f %8s\n", "a/b  TCP pps: offloaded ct / software ct on veth", median(v["tcp_hw_veth"]), ">= 2.0"
		printf "%-62s %8.2f %8s\n", "a/b\x27 UDP pps: offloaded ct / software ct on representors", median(v["udp_hw_rep"]), "-"
		printf "%-62s %8.2f %8s\n", "a/b\x27 TCP pps: offloaded ct / software ct on representors", median(v["tcp_hw_rep"]), "-"
		printf "%-62s %8.2f %8s\n", "a/c  UDP pps: offloaded ct / nft software flowtable", median(v["udp_hw_nft"]), "-"
		printf "%-62s %8.2f %8s\n", "a/c  TCP pps: offloaded ct / nft software flowtable", median(v["tcp_hw_nft"]), "-"
		printf "%-62s %8.2f %8s\n", "connections/s: offloaded ct / software ct on veth", median(v["cps_hw_veth"]), "-"
		printf "%-62s %8.2f %8s\n", "connections/s: offloaded ct / software ct on representors", median(v["cps_hw_rep"]), "-"
		printf "%-62s %8.4f %8s\n", "share of hw deliveries forwarded by the switch +trk+est rule", median(v["hw_est_share"]), "1.0"
	}'
! grep -aq '^BENCH-FAIL' "$log"
