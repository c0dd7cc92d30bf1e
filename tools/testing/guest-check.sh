#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make check`: KUnit suites, then every selftest, each result as a line
#   FPONIC-RESULT: ok|not ok <layer>/<name>
# followed by the kernel log. Runs as the VM's /fponic/cmd.
cd /fponic
results=/tmp/results
: > $results

# collect LAYER NAME CMD...: run a TAP producer, keep its output for the log, record its results.
collect() {
	layer=$1 name=$2
	shift 2
	out=/tmp/out.$$
	"$@" > $out 2>&1
	rc=$?
	sed "s/^/[$name] /" $out
	sed -n -E "s/^(not ok|ok) [0-9]+ - (.*)$/FPONIC-RESULT: \1 $layer\/$name: \2/p" $out >> $results
	if [ $rc != 0 ] && ! grep -q '^not ok' $out; then
		echo "FPONIC-RESULT: not ok $layer/$name: exited with status $rc" >> $results
	fi
	if ! grep -qE '^(not )?ok ' $out; then
		echo "FPONIC-RESULT: not ok $layer/$name: produced no result" >> $results
	fi
	rm -f $out
}

# KUnit suites run when the module is inserted.
if insmod /fponic/modules/fponic.ko; then
	collect kunit fponic sh /fponic/kunit-collect.sh fponic_
	rmmod fponic
else
	echo "FPONIC-RESULT: not ok kunit/fponic: insmod failed" >> $results
fi

for t in /fponic/selftests/*.sh; do
	case $(basename "$t") in lib.sh) continue ;; esac
	collect selftest "$(basename "$t" .sh)" sh "$t"
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
