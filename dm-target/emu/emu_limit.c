// SPDX-License-Identifier: GPL-2.0
/*
 * The ceiling for dm-paes in a guest: how many bytes per second the
 * emulated KM and the kernel's own xts(aes) transform when every online
 * CPU does nothing else.  tests/bench/guest-bench.sh loads pkey_emu with
 * limit_ms set and sets dm-paes's measured throughput against these
 * figures.  The threads start together and stop at one deadline, so the
 * figure is what all CPUs do at once, as under a queue-depth-32 fio run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/kthread.h>
#include <linux/sched/task.h>
#include <linux/wait.h>
#include <linux/cpumask.h>
#include <crypto/aes.h>
#include <crypto/skcipher.h>

#include <pkeydm/pkey_emu.h>
#include "emu_internal.h"

static unsigned int limit_ms;
module_param(limit_ms, uint, 0444);
MODULE_PARM_DESC(limit_ms, "At load, run KM and the kernel's xts(aes) on every online CPU at once for this many ms per unit size and log the throughput (default 0: not)");

/* four runs of this at most: module load stays well under a minute */
#define LIMIT_MAX_MS	5000
#define LIMIT_BUF	(64 * 1024)

enum limit_engine { LIMIT_KM, LIMIT_XTS };

struct limit_run {
	enum limit_engine engine;
	unsigned int unit;
	ktime_t deadline;
	bool started;
	wait_queue_head_t start;
	atomic_t entered;
	wait_queue_head_t ready;
};

struct limit_cpu {
	struct limit_run *run;
	struct task_struct *task;
	u8 *buf;
	u8 key[2 * AES_KEYSIZE_256];
	u8 prot[EMU_MAX_PROTKEY];		/* LIMIT_KM */
	struct crypto_skcipher *tfm;		/* LIMIT_XTS */
	struct skcipher_request *req;
	u64 bytes;
	ktime_t end;
	int rc;
};

static int limit_setup(struct limit_cpu *c)
{
	int rc;

	if (c->run->engine == LIMIT_KM) {
		rc = emu_clr2protkey(PKEY_KEYTYPE_AES_XTS_256, c->key, c->prot);
		return rc < 0 ? rc : 0;
	}
	c->tfm = crypto_alloc_skcipher("xts(aes)", 0, 0);
	if (IS_ERR(c->tfm)) {
		rc = PTR_ERR(c->tfm);
		c->tfm = NULL;
		return rc;
	}
	c->req = skcipher_request_alloc(c->tfm, GFP_KERNEL);
	if (!c->req)
		return -ENOMEM;
	return crypto_skcipher_setkey(c->tfm, c->key, sizeof(c->key));
}

static void limit_teardown(struct limit_cpu *c)
{
	memzero_explicit(c->prot, sizeof(c->prot));
	skcipher_request_free(c->req);
	c->req = NULL;
	crypto_free_skcipher(c->tfm);
	c->tfm = NULL;
}

/* One full-key KM call per unit, as dm-paes issues one per sector. */
static int limit_km(struct limit_cpu *c)
{
	unsigned int unit = c->run->unit, off;
	u8 param[160];
	int rc = 0, k;

	while (ktime_before(ktime_get(), c->run->deadline)) {
		for (off = 0; off < LIMIT_BUF; off += unit) {
			memset(param, 0, sizeof(param));
			memcpy(param, c->prot, 64);
			param[80] = 1;			/* nap = 1 */
			memcpy(param + 96, c->prot + 64, EMU_WKVP_SIZE);
			k = emu_km(PKEY_EMU_KM_PXTS_256_FULL, param,
				   c->buf + off, c->buf + off, unit, 0);
			if (k != unit) {
				rc = k < 0 ? k : -ESTALE;
				goto out;
			}
			c->bytes += unit;
		}
		cond_resched();
	}
out:
	memzero_explicit(param, sizeof(param));
	return rc;
}

static int limit_xts(struct limit_cpu *c)
{
	unsigned int unit = c->run->unit, off;
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[AES_BLOCK_SIZE];
	int rc = 0;

	skcipher_request_set_callback(c->req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				      crypto_req_done, &wait);
	while (!rc && ktime_before(ktime_get(), c->run->deadline)) {
		for (off = 0; off < LIMIT_BUF; off += unit) {
			memset(iv, 0, sizeof(iv));
			sg_init_one(&sg, c->buf + off, unit);
			skcipher_request_set_crypt(c->req, &sg, &sg, unit, iv);
			rc = crypto_wait_req(crypto_skcipher_encrypt(c->req),
					     &wait);
			if (rc)
				break;
			c->bytes += unit;
		}
		cond_resched();
	}
	return rc;
}

/*
 * Keys and ciphers are made before the start, so that the measured time
 * is the work alone; the deadline is published by the release of
 * run->started.
 */
static int limit_thread(void *arg)
{
	struct limit_cpu *c = arg;
	struct limit_run *run = c->run;

	c->rc = limit_setup(c);
	atomic_inc(&run->entered);
	wake_up(&run->ready);
	/* pairs with the release in limit_measure(): the deadline is set */
	wait_event(run->start, smp_load_acquire(&run->started));
	if (!c->rc)
		c->rc = run->engine == LIMIT_KM ? limit_km(c) : limit_xts(c);
	c->end = ktime_get();
	limit_teardown(c);
	return 0;
}

/* The driver behind "xts(aes)", copied while a tfm holds it. */
static void limit_xts_driver(char *name, size_t len)
{
	struct crypto_skcipher *tfm;

	strscpy(name, "none", len);
	tfm = crypto_alloc_skcipher("xts(aes)", 0, 0);
	if (IS_ERR(tfm))
		return;
	strscpy(name, crypto_tfm_alg_driver_name(crypto_skcipher_tfm(tfm)),
		len);
	crypto_free_skcipher(tfm);
}

/*
 * Run @engine with @unit-sized calls on every online CPU for limit_ms and
 * log the sum.  A CPU whose thread could not be created is left out; the
 * line says how many ran.
 */
static void limit_measure(struct limit_cpu *cpus, unsigned int ncpu,
			  unsigned int ms, enum limit_engine engine,
			  unsigned int unit)
{
	struct limit_run run = { .engine = engine, .unit = unit };
	char driver[CRYPTO_MAX_ALG_NAME];
	unsigned int cpu, n = 0, i = 0;
	ktime_t t0, end;
	u64 bytes = 0;
	int rc = 0;

	if (engine == LIMIT_KM)
		strscpy(driver, emu_xts_driver(), sizeof(driver));
	else
		limit_xts_driver(driver, sizeof(driver));
	init_waitqueue_head(&run.start);
	init_waitqueue_head(&run.ready);
	atomic_set(&run.entered, 0);
	for_each_online_cpu(cpu) {
		struct limit_cpu *c;

		if (i == ncpu)
			break;
		c = &cpus[i++];
		c->run = &run;
		c->bytes = 0;
		c->rc = 0;
		c->task = kthread_create(limit_thread, c, "emu_limit/%u",
					 cpu);
		if (IS_ERR(c->task)) {
			c->task = NULL;
			continue;
		}
		/* kthread_stop() below needs it even after it returned */
		get_task_struct(c->task);
		kthread_bind(c->task, cpu);
		wake_up_process(c->task);
		n++;
	}
	/*
	 * kthread_stop() on a thread that has not yet entered limit_thread()
	 * would keep it from running at all: start only when all are in.
	 */
	wait_event(run.ready, atomic_read(&run.entered) == n);
	t0 = ktime_get();
	end = t0;
	run.deadline = ktime_add_ms(t0, ms);
	/* publishes the deadline to limit_thread()'s acquire */
	smp_store_release(&run.started, true);
	wake_up_all(&run.start);
	for (cpu = 0; cpu < i; cpu++) {
		struct limit_cpu *c = &cpus[cpu];

		if (!c->task)
			continue;
		kthread_stop(c->task);
		put_task_struct(c->task);
		c->task = NULL;
		bytes += c->bytes;
		rc = rc ?: c->rc;
		if (ktime_after(c->end, end))
			end = c->end;
	}
	if (rc || !n) {
		pr_warn("limit engine=%s unit=%u failed: %d\n",
			engine == LIMIT_KM ? "km" : "xts", unit, rc ?: -EAGAIN);
		return;
	}
	pr_info("limit engine=%s driver=%s unit=%u cpus=%u bytes=%llu ns=%lld\n",
		engine == LIMIT_KM ? "km" : "xts", driver, unit, n, bytes,
		ktime_to_ns(ktime_sub(end, t0)));
}

void emu_limit(void)
{
	static const unsigned int units[] = { 4096, LIMIT_BUF };
	unsigned int ms = min_t(unsigned int, limit_ms, LIMIT_MAX_MS);
	/* a CPU that comes online meanwhile is left out (the line counts) */
	unsigned int ncpu = num_online_cpus(), i, u;
	struct limit_cpu *cpus;

	if (!ms)
		return;
	cpus = kcalloc(ncpu, sizeof(*cpus), GFP_KERNEL);
	if (!cpus)
		goto nomem;
	for (i = 0; i < ncpu; i++) {
		cpus[i].buf = kmalloc(LIMIT_BUF, GFP_KERNEL);
		if (!cpus[i].buf)
			goto free;
		get_random_bytes(cpus[i].buf, LIMIT_BUF);
		get_random_bytes(cpus[i].key, sizeof(cpus[i].key));
	}
	for (u = 0; u < ARRAY_SIZE(units); u++) {
		limit_measure(cpus, ncpu, ms, LIMIT_KM, units[u]);
		limit_measure(cpus, ncpu, ms, LIMIT_XTS, units[u]);
	}
	for (i = 0; i < ncpu; i++)
		kfree(cpus[i].buf);
	kfree_sensitive(cpus);
	return;

free:
	while (i-- > 0)
		kfree(cpus[i].buf);
	kfree_sensitive(cpus);
nomem:
	pr_warn("limit: no memory for the buffers of %u CPUs, not measured\n",
		ncpu);
}
