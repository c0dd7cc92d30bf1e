#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make check`: KUnit suites, then the selftests (the TEST_PROGS of the selftests'
# kselftest Makefile, each under the per-test timeout of their `settings`), each result as a line
#   FPONIC-RESULT: ok|not ok <layer>/<name>
# and each test's duration as FPONIC-TIME: <layer>/<name> <seconds>, followed by the kernel log.
# Runs as the VM's /fponic/cmd.
#
# FPONIC_TESTS (from `make check T=...`): run only these, by name: selftests without ".sh", and
# "kunit" for the KUnit suites. Unset or empty: everything.
cd /fponic
results=/tmp/results
: > $results
ST=/fponic/selftests
progs=$(sed -n '/^TEST_PROGS/,/^# end of TEST_PROGS/s/^[[:space:]]*\([A-Za-z0-9_.-]*\.sh\).*/\1/p' $ST/Makefile |
	tr '\n' ' ')
tmo=$(sed -n 's/^timeout=\([0-9]*\)$/\1/p' $ST/settings 2>/dev/null)

# uptime_cs: uptime in centiseconds.
uptime_cs() {
	read -r up _ < /proc/uptime
	echo "${up%.*}${up#*.}" | sed 's/^0*//; s/^$/0/'
}

# reap: kill what a timed-out test left running (every process but init, this shell and kernel
# threads), so that the tests after it start from a quiet system.
reap() {
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = 1 ] || [ "$pid" = $$ ] && continue
		grep -qE '^PPid:[[:space:]]+[02]$' $p/status 2>/dev/null && continue
		kill -9 "$pid" 2>/dev/null
	done
	sleep 1
}

# collect LAYER NAME CMD...: run a TAP producer, keep its output for the log, record its results.
collect() {
	layer=$1 name=$2
	shift 2
	out=/tmp/out.$$
	t0=$(uptime_cs)
	"$@" > $out 2>&1
	rc=$?
	t1=$(uptime_cs)
	sed "s/^/[$name] /" $out
	secs=$(((t1 - t0) / 100)).$(((t1 - t0) % 100 / 10))
	echo "[$name] # $secs s"
	echo "FPONIC-TIME: $layer/$name $secs" >> $results
	sed -n -E "s/^(not ok|ok) [0-9]+ - (.*)$/FPONIC-RESULT: \1 $layer\/$name: \2/p" $out >> $results
	if [ -n "$tmo" ] && [ $rc = 143 ] && [ $(((t1 - t0) / 100)) -ge "$tmo" ]; then
		echo "FPONIC-RESULT: not ok $layer/$name: timed out after $tmo s (timeout= in settings)" >> $results
		reap
	elif [ $rc != 0 ] && ! grep -q '^not ok' $out; then
		echo "FPONIC-RESULT: not ok $layer/$name: exited with status $rc" >> $results
	fi
	if ! grep -qE '^(not )?ok ' $out; then
		echo "FPONIC-RESULT: not ok $layer/$name: produced no result" >> $results
	fi
	rm -f $out
}

# The selection: KUnit or not, and the selftests in order.
kunit=1
tests=$(echo $progs | sed 's/\.sh//g')
if [ -n "${FPONIC_TESTS:-}" ]; then
	kunit=0
	tests=
	for n in $FPONIC_TESTS; do
		if [ "$n" = kunit ]; then
			kunit=1
		elif echo " $progs " | grep -q " $n\.sh "; then
			tests="$tests $n"
		else
			echo "FPONIC-RESULT: not ok selftest/$n: no such test in $ST/Makefile" >> $results
		fi
	done
fi

# KUnit suites run when the module is inserted.
if [ $kunit = 1 ]; then
	if insmod /fponic/modules/fponic.ko; then
		collect kunit fponic sh /fponic/kunit-collect.sh fponic_
		rmmod fponic
	else
		echo "FPONIC-RESULT: not ok kunit/fponic: insmod failed" >> $results
	fi
fi

for n in $tests; do
	collect selftest "$n" ${tmo:+timeout "$tmo"} sh "$ST/$n.sh"
	# Every test cleans up after itself; make sure the next one starts from scratch anyway,
	# with its scratch files gone too (/tmp is memory).
	for d in /sys/kernel/config/fponic/*/; do [ -d "$d" ] && rmdir "$d"; done 2>/dev/null
	for f in /tmp/*; do [ "$f" = "$results" ] || rm -rf "$f"; done
	grep -q '^fponic ' /proc/modules && rmmod fponic
done

echo "FPONIC-RESULTS-BEGIN"
cat $results
echo "FPONIC-RESULTS-END"
echo "FPONIC-DMESG-BEGIN"
dmesg
echo "FPONIC-DMESG-END"
! grep -q '^FPONIC-RESULT: not ok' $results
