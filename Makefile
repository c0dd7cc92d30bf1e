# SPDX-License-Identifier: GPL-2.0
#
# fponic top-level Makefile.
#
#   make            build fponic.ko against the project's kernel (built and cached on first use)
#   make KDIR=...   build against an existing Rust-enabled kernel build dir
#   make check      set up everything, run all tests (host, KUnit, VM selftests)
#   make check T="failover wire"
#                   build the module and run only these VM selftests (names from
#                   tools/testing/selftests/drivers/net/fponic/Makefile, shell patterns
#                   like T='tc_*', "kunit" for the KUnit suites)
#   make demo       boot the VM and show the driver at work
#   make clippy     build with CLIPPY=1
#   make setup      install toolchain and packages (Debian bookworm, root)
#   make kernel     build the test kernel only

.PHONY: all module check demo clippy setup kernel host-test clean

all module: setup
	@tools/build-module.sh

check:
	@FPONIC_TESTS="$(T)" tools/testing/check.sh

demo: setup
	@tools/vm/run.sh -t 600 -l $${FPONIC_CACHE:-$$HOME/.cache/fponic}/demo.log samples/fponic/demo.sh; \
	  rc=$$?; sed -n '/^FPONIC-BOOT/,/^FPONIC-EXIT/p' $${FPONIC_CACHE:-$$HOME/.cache/fponic}/demo.log; exit $$rc

clippy: setup
	@rm -f $${FPONIC_CACHE:-$$HOME/.cache/fponic}/module/*/fponic_main.o
	@tools/build-module.sh CLIPPY=1

setup:
	@tools/setup.sh

kernel: setup
	@tools/kernel/build.sh

host-test:
	cd tools/testing/fponic && cargo test --release

clean:
	rm -rf tools/testing/fponic/target tools/fpkt/target
