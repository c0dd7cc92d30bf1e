#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: set up, build, and run every test layer; print one line per test and a final
# "N passed, N failed". Exit status 0 only if everything passed.
#
# Layers: build (module and clippy without warnings), host (cargo test of the pure engines),
# kunit and selftest (in the VM). A kernel splat in the VM log fails the run.
#
# FPONIC_TESTS (`make check T=...`): names of selftests (shell patterns; "kunit" for the KUnit
# suites); then only the module build and those run, in the VM.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

# The selftests are the kselftest Makefile's TEST_PROGS; every other script there is a TEST_FILE.
st=$FPONIC_ROOT/tools/testing/selftests/drivers/net/fponic
mk_list() { # VAR: the names listed in the Makefile's VAR := ... # end of VAR
	sed -n "/^$1/,/^# end of $1/s/^[[:space:]]*\([A-Za-z0-9_.-]*\.sh\).*/\1/p" "$st/Makefile"
}
progs=$(mk_list TEST_PROGS | sed 's/\.sh$//')

# The selection, checked before anything is built.
sel=
if [ -n "${FPONIC_TESTS:-}" ]; then
	unknown=
	read -ra pats <<< "$FPONIC_TESTS"
	for pat in "${pats[@]}"; do
		pat=${pat%.sh}
		found=
		for n in kunit $progs; do
			# shellcheck disable=SC2254 # $pat is a pattern
			case $n in $pat) found=1; case " $sel " in *" $n "*) ;; *) sel="$sel $n" ;; esac ;; esac
		done
		[ -n "$found" ] || unknown="$unknown $pat"
	done
	if [ -n "$unknown" ]; then
		echo "make check: T names no selftest:$unknown" >&2
		echo "  selftests: $(echo $progs)" >&2
		echo "  and kunit (the KUnit suites); shell patterns work, e.g. T='tc_*'" >&2
		exit 2
	fi
	sel=${sel# }
fi

pass=0
fail=0
result() { # ok|fail NAME [detail]
	if [ "$1" = ok ]; then
		pass=$((pass + 1))
		echo "ok      $2"
	else
		fail=$((fail + 1))
		echo "FAILED  $2${3:+  ($3)}"
	fi
}
summary() {
	echo
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
	exit $?
}
t0=$SECONDS

"$FPONIC_ROOT/tools/setup.sh" || { result fail setup; summary; }
kdir=$("$FPONIC_ROOT/tools/kernel/build.sh") || { result fail kernel-build; summary; }

# -- build: the module and clippy, both free of warnings
out=$FPONIC_CACHE/check
mkdir -p "$out"

# The selftest folder as the kselftest runner sees it: every script but the TEST_FILES is one of
# the TEST_PROGS, and executable.
bad=
files=$(mk_list TEST_FILES)
for f in "$st"/*.sh; do
	b=$(basename "$f")
	case " $(echo $files) " in *" $b "*) continue ;; esac
	case " $(echo $progs) " in *" ${b%.sh} "*) ;; *) bad="$bad $b (not in TEST_PROGS)" ;; esac
	[ -x "$f" ] || bad="$bad $b (not executable)"
done
for n in $progs; do [ -f "$st/$n.sh" ] || bad="$bad $n.sh (in TEST_PROGS, missing)"; done
if [ -z "$bad" ]; then
	result ok build/selftest-list
else
	result fail build/selftest-list "$st:$bad"
fi
# Remove the Rust object so its warnings are always reported, not only after an edit (a run with
# a selection builds incrementally: warnings are reported when the driver was rebuilt).
[ -z "$sel" ] && rm -f "$FPONIC_CACHE/module/$(basename "$kdir")/fponic_main.o"
if "$FPONIC_ROOT/tools/build-module.sh" > /dev/null 2> "$out/build.log"; then
	if grep -qE 'warning|error' "$out/build.log"; then
		cat "$out/build.log"
		result fail build/module "warnings"
	else
		result ok build/module
	fi
else
	cat "$out/build.log"
	result fail build/module
	summary
fi
# Clippy, rustfmt and the host tests; not with a selection, which goes straight to the VM.
if [ -z "$sel" ]; then
	# Clippy: force a rebuild of the Rust object so lints are evaluated.
	rm -f "$FPONIC_CACHE/module/$(basename "$kdir")/fponic_main.o"
	if "$FPONIC_ROOT/tools/build-module.sh" CLIPPY=1 > /dev/null 2> "$out/clippy.log" &&
		! grep -qE 'warning|error' "$out/clippy.log"; then
		result ok build/clippy
	else
		cat "$out/clippy.log"
		result fail build/clippy
	fi

	# rustfmt with the kernel's configuration, on the driver and the host tools.
	ksrc=$kdir
	[ -e "$kdir/source" ] && ksrc=$(readlink -f "$kdir/source")
	if rustfmt --edition 2021 --config-path "$ksrc/.rustfmt.toml" --check \
		"$FPONIC_ROOT/drivers/net/fponic/fponic_main.rs" > "$out/rustfmt.log" 2>&1 &&
		(cd "$FPONIC_ROOT/tools/testing/fponic" && cargo fmt --check) >> "$out/rustfmt.log" 2>&1 &&
		(cd "$FPONIC_ROOT/tools/fpkt" && cargo fmt --check) >> "$out/rustfmt.log" 2>&1; then
		result ok build/rustfmt
	else
		head -40 "$out/rustfmt.log"
		result fail build/rustfmt
	fi

	# -- host: the pure engines under cargo test
	if (cd "$FPONIC_ROOT/tools/testing/fponic" && cargo test --release 2>&1) > "$out/host.log"; then :; fi
	while read -r name status; do
		if [ "$status" = ok ]; then result ok "host/$name"; else result fail "host/$name"; fi
	done < <(sed -n -E 's/^test ([^ ]+) \.\.\. (ok|FAILED)$/\1 \2/p' "$out/host.log")
	grep -q '^test result: ok' "$out/host.log" || { tail -30 "$out/host.log"; result fail host "cargo test failed"; }
fi

# -- kunit + selftests in the VM
vmlog=$out/vm-console.log
# The debug kernel (KASAN, lockdep, fault injection loops) runs the suite about twice as slowly.
vm_timeout=1500
[ "${FPONIC_KVARIANT:-default}" = debug ] && vm_timeout=3600
"$FPONIC_ROOT/tools/vm/run.sh" -t $vm_timeout -l "$vmlog" ${sel:+-e "FPONIC_TESTS=$sel"} \
	"$FPONIC_ROOT/tools/testing/guest-check.sh"
vmrc=$?
sed -n '/^FPONIC-RESULTS-BEGIN/,/^FPONIC-RESULTS-END/p' "$vmlog" | tr -d '\r' > "$out/vm-results"
while IFS= read -r line; do
	case $line in
	"FPONIC-RESULT: ok "*) result ok "${line#FPONIC-RESULT: ok }" ;;
	"FPONIC-RESULT: not ok "*)
		result fail "${line#FPONIC-RESULT: not ok }"
		;;
	esac
done < "$out/vm-results"
if [ "$fail" -gt 0 ]; then
	echo "--- failing tests, with their diagnostics, are in $vmlog"
	grep -a -E -A3 '^\[[A-Za-z0-9_.-]+\] not ok' "$vmlog" | head -60
fi
case $vmrc in
0) result ok vm/run ;;
3) result fail vm/run "kernel splat in $vmlog" ;;
124) result fail vm/run "VM timed out" ;;
*) [ "$fail" -gt 0 ] && result ok vm/run || result fail vm/run "exit $vmrc, see $vmlog" ;;
esac

echo "(check took $((SECONDS - t0)) s)"
summary
