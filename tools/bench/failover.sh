#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not part of CI): at a fixed packet rate, when the active uplink's far end goes down,
# fponic failover vs a Linux bond (active-backup, miimon=10) over two veth pairs, in one VM boot,
# REPS repetitions each:
#   - frames lost (sequence numbers never received), and that loss as time at the sending rate;
#   - switch time: from the last frame received on the failed path to the first one received on
#     the surviving path, by kernel receive timestamps on the far-side ports (the outage as the
#     network sees it).
#
#   tools/bench/failover.sh [REPS] [PPS]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

script=$(mktemp)
{ echo "REPS=${1:-20} PPS=${2:-2000}"; cat "$FPONIC_ROOT/tools/bench/failover-guest.sh"; } > "$script"
log=$FPONIC_CACHE/bench-failover.log
# The guest's clocksource watchdog may find the emulated TSC unstable under host load and fall
# back to jiffies (4 ms), which the timings here cannot use: the TSC is derived from the host's
# clock, so trust it.
FPONIC_KERNEL_ARGS="tsc=reliable ${FPONIC_KERNEL_ARGS:-}" "$FPONIC_ROOT/tools/vm/run.sh" -t 1800 -l "$log" "$script"
rm -f "$script"
bond=$(grep -a '^BOND ' "$log" | tr -d '\r')
echo "$bond"
case $bond in "BOND active-backup 1 miimon 10 active b0") ;; *) die "the bond is not set up as asked" ;; esac
grep -a '^RESULT ' "$log" | tr -d '\r' | awk -v pps="${2:-2000}" '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function max(s,   a, n, i, m) { n = split(s, a, " "); m = -1; for (i = 1; i <= n; i++) if (a[i] + 0 > m) m = a[i] + 0; return m }
	# RESULT name received N lost L switch_ms X
	{ lost[$2] = lost[$2] " " $6; sw[$2] = sw[$2] " " $8; n[$2]++ }
	END {
		printf "%-8s %5s %12s %12s %14s %16s %16s\n", "", "runs", "lost(med)", "lost(worst)", "loss_ms(med)", "switch_ms(med)", "switch_ms(worst)"
		for (k in lost) printf "%-8s %5d %12.1f %12.1f %14.2f %16.3f %16.3f\n", k, n[k], median(lost[k]), max(lost[k]), median(lost[k]) * 1000 / pps, median(sw[k]), max(sw[k])
		printf "\nfponic/bond switch time (median): %.3f   (target <= 0.1)\n", median(sw["fponic"]) / median(sw["bond"])
		printf "fponic/bond switch time (worst):  %.3f\n", max(sw["fponic"]) / max(sw["bond"])
	}'
