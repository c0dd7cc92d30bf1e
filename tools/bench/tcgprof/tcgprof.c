// SPDX-License-Identifier: GPL-2.0
/*
 * tcgprof: a QEMU TCG plugin that counts guest instructions per translation block.
 *
 * Under TCG the guest's run time follows the number of guest instructions it executes, so a
 * count per block start address is an exact profile (no sampling skid, no PMU needed). At exit
 * it writes "pc insns executions" lines to the file named by the `out=` argument;
 * tools/bench/tcgprof/report.py folds them into functions with the guest's /proc/kallsyms.
 * With `mark=<hex address>`, every execution of the block starting there (a kernel function the
 * guest calls on purpose, such as ksys_sync) writes the counts so far to `<out>.<n>` and resets
 * them, so a profile can cover exactly one phase of a test.
 *
 * Build: cc -O2 -shared -fPIC -o tcgprof.so tcgprof.c (only the stable core of the plugin API is
 * declared here, so no QEMU headers are needed).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
} qemu_info_t;
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *udata);
typedef void (*vcpu_udata_cb)(unsigned int vcpu, void *udata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb,
					  int flags, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *udata);

__attribute__((visibility("default"))) int qemu_plugin_version = 2;

struct block {
	uint64_t pc;
	uint64_t insns;
	uint64_t count;
	struct block *next;
};

static struct block *blocks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *out_path = "tcgprof.out";
static uint64_t min_pc;
static uint64_t mark_pc;
static int snapshots;

static void dump(const char *path)
{
	FILE *f = fopen(path, "w");
	struct block *b;

	if (!f)
		return;
	pthread_mutex_lock(&lock);
	for (b = blocks; b; b = b->next) {
		uint64_t n = __atomic_exchange_n(&b->count, 0, __ATOMIC_RELAXED);

		if (n)
			fprintf(f, "%llx %llu %llu\n", (unsigned long long)b->pc,
				(unsigned long long)b->insns, (unsigned long long)n);
	}
	pthread_mutex_unlock(&lock);
	fclose(f);
}

/* The guest ran the marker function: the counts so far form one snapshot. */
static void mark_cb(unsigned int vcpu, void *udata)
{
	char path[4096];

	(void)vcpu;
	(void)udata;
	snprintf(path, sizeof(path), "%s.%d", out_path, __atomic_fetch_add(&snapshots, 1, __ATOMIC_RELAXED));
	dump(path);
}

static void exec_cb(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	(void)vcpu;
	__atomic_fetch_add(&b->count, 1, __ATOMIC_RELAXED);
}

static void trans_cb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t pc = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	(void)id;
	/* Kernel text only: user space is not what this profiles. */
	if (pc < min_pc)
		return;
	b = calloc(1, sizeof(*b));
	if (!b)
		return;
	b->pc = pc;
	b->insns = qemu_plugin_tb_n_insns(tb);
	pthread_mutex_lock(&lock);
	b->next = blocks;
	blocks = b;
	pthread_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, exec_cb, 0, b);
	if (mark_pc && pc == mark_pc)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, mark_cb, 0, NULL);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	dump(out_path);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
							       const qemu_info_t *info,
							       int argc, char **argv)
{
	(void)info;
	min_pc = 0xffff800000000000ULL;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
		else if (!strncmp(argv[i], "mark=", 5))
			mark_pc = strtoull(argv[i] + 5, NULL, 16);
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, trans_cb);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
