#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not part of CI): at a fixed packet rate, frames lost and the longest gap between
# received frames (outage) when the active uplink's far end goes down: fponic failover vs a Linux
# bond (active-backup, miimon=10) over two veth pairs, in one VM boot, REPS repetitions each.
#
#   tools/bench/failover.sh [REPS] [PPS]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

script=$(mktemp)
{ echo "REPS=${1:-20} PPS=${2:-2000}"; cat "$FPONIC_ROOT/tools/bench/failover-guest.sh"; } > "$script"
log=$FPONIC_CACHE/bench-failover.log
"$FPONIC_ROOT/tools/vm/run.sh" -t 1800 -l "$log" "$script"
rm -f "$script"
grep -a '^RESULT ' "$log" | tr -d '\r' | awk '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function max(s,   a, n, i, m) { n = split(s, a, " "); m = 0; for (i = 1; i <= n; i++) if (a[i] + 0 > m) m = a[i] + 0; return m }
	{ lost[$2] = lost[$2] " " $6; out[$2] = out[$2] " " $8 }
	END {
		printf "%-8s %14s %14s %14s %14s\n", "", "lost(median)", "lost(worst)", "outage_ms(med)", "outage_ms(worst)"
		for (k in lost) printf "%-8s %14.1f %14.1f %14.1f %14.1f\n", k, median(lost[k]), max(lost[k]), median(out[k]), max(out[k])
		printf "\nfponic/bond outage (median): %.3f   (target <= 0.1)\n", median(out["fponic"]) / median(out["bond"])
	}'
