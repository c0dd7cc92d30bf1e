#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test VM and run a shell script inside it.
#
#   tools/vm/run.sh [-t TIMEOUT_S] [-l LOGFILE] [-e NAME=VALUE]... SCRIPT
#
# -e puts NAME=VALUE into SCRIPT's environment in the guest.
# FPONIC_QEMU_ARGS adds QEMU arguments (e.g. a TCG plugin, see tools/bench/tcgprof/),
# FPONIC_KERNEL_ARGS kernel command line arguments.
#
# Builds (or reuses) the kernel and fponic.ko, builds an initramfs whose /init runs SCRIPT, boots
# QEMU (KVM when it really works here, TCG otherwise), captures the serial console to LOGFILE and
# exits with the script's exit status. A hang ends at TIMEOUT_S (default 900) with exit 124. After
# every run the log is scanned for kernel splats; any makes the run fail (exit 3) even if the
# script passed.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

usage="usage: $0 [-t TIMEOUT_S] [-l LOGFILE] [-e NAME=VALUE]... SCRIPT"
timeout_s=900
logfile=
genv=()
while getopts "t:l:e:" o; do
	case $o in
	t) timeout_s=$OPTARG ;;
	l) logfile=$OPTARG ;;
	e)
		[[ $OPTARG =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "-e $OPTARG: not NAME=VALUE"
		genv+=("$OPTARG")
		;;
	*) die "$usage" ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 1 ] || die "$usage"
script=$(realpath "$1")

kdir=$("$FPONIC_ROOT/tools/kernel/build.sh")
ko=$("$FPONIC_ROOT/tools/build-module.sh")
# The kernel's own selftests (tc_flower.sh) come from its source tree.
FPONIC_KSRC=$([ -d "$kdir/source" ] && readlink -f "$kdir/source" || echo "$kdir")
export FPONIC_KSRC
vmdir=$FPONIC_CACHE/vm
mkdir -p "$vmdir"
logfile=${logfile:-$vmdir/console-$(date +%Y%m%d-%H%M%S).log}

initrd=$vmdir/initramfs.cpio.gz
mods=("$ko")
for m in drivers/net/netdevsim/netdevsim.ko net/bridge/bridge.ko net/llc/llc.ko net/802/stp.ko \
	net/core/pktgen.ko drivers/net/bonding/bonding.ko; do
	[ -f "$kdir/$m" ] && mods+=("$kdir/$m")
done
envfile=$(mktemp)
trap 'rm -f "$envfile"' EXIT
for e in ${genv[@]+"${genv[@]}"}; do
	v=${e#*=}
	printf "export %s='%s'\n" "${e%%=*}" "${v//\'/\'\\\'\'}" >> "$envfile"
done
"$FPONIC_ROOT/tools/vm/mkinitramfs.sh" -e "$envfile" "$initrd" "$script" "${mods[@]}"

# KVM only if it really runs a guest: /dev/kvm may exist and still be unusable (nested PVM).
# The probe result is cached per host kernel.
accel_cache=$vmdir/accel-$(uname -r)
if ! [ -f "$accel_cache" ]; then
	accel=tcg
	if [ -w /dev/kvm ]; then
		probe=$(mktemp)
		printf 'echo FPONIC-KVM-PROBE-OK\n' > "$probe"
		"$FPONIC_ROOT/tools/vm/mkinitramfs.sh" "$vmdir/probe.cpio.gz" "$probe"
		rm -f "$probe"
		if timeout 60 qemu-system-x86_64 -accel kvm -cpu host -M pc -m 512M -smp 1 -nographic \
			-no-reboot -kernel "$kdir/arch/x86/boot/bzImage" -initrd "$vmdir/probe.cpio.gz" \
			-append "console=ttyS0 panic=-1" </dev/null 2>&1 | grep -q FPONIC-KVM-PROBE-OK; then
			accel=kvm
		fi
	fi
	echo "$accel" > "$accel_cache"
fi
accel=$(cat "$accel_cache")
cpu=(-cpu max)
[ "$accel" = kvm ] && cpu=(-cpu host)

log "booting VM ($accel), console log: $logfile"
start=$SECONDS
set +e
timeout --foreground "$timeout_s" qemu-system-x86_64 -accel "$accel" "${cpu[@]}" -M pc -m 2G -smp 2 \
	-nographic -no-reboot -bios /usr/share/qemu/qboot.rom \
	-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$initrd" ${FPONIC_QEMU_ARGS:-} \
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 ${FPONIC_KERNEL_ARGS:-}" </dev/null >"$logfile" 2>&1
qrc=$?
set -e
log "VM ran for $((SECONDS - start)) s"
if [ $qrc = 124 ]; then
	log "error: VM timed out after $timeout_s s (hang?); last lines:"
	tail -20 "$logfile" >&2
	exit 124
fi

# Kernel splats fail the run whatever the script said.
splats='BUG:|WARNING:|Call Trace:|RIP:|unreferenced object|blocked for more than|Oops|Kernel panic'
if grep -aE "$splats" "$logfile" >&2; then
	log "error: kernel splat in $logfile (lines above)"
	exit 3
fi
rc=$(grep -a '^FPONIC-EXIT: ' "$logfile" | tail -1 | tr -dc 0-9)
if [ -z "$rc" ]; then
	log "error: the guest script did not finish (no FPONIC-EXIT line); last lines:"
	tail -20 "$logfile" >&2
	exit 125
fi
exit "$rc"
