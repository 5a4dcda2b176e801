// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu self-test and bench, run at every load before /dev/pkey
 * appears: the emulated KM/PCC must give what the kernel's xts(aes) gives
 * (and IEEE 1619 vector 2), through every path (AES-NI, software with the
 * key cache, software without it), in process, softirq-off and FPU-busy
 * context, and across a partial KM and its resume.  dm-paes trusts these
 * results, so a firmware that computes wrong must not load.  With the
 * module parameter bench it also times the paths and races KM against
 * rotations.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/bottom_half.h>
#include <crypto/aes.h>
#include <crypto/skcipher.h>
#ifdef CONFIG_X86
#include <asm/fpu/api.h>
#endif

#include <pkeydm/pkey_emu.h>
#include "emu_internal.h"

static unsigned int bench;
module_param(bench, uint, 0444);
MODULE_PARM_DESC(bench, "At load, time this many 4 KiB KM calls per path (default 0: none)");

#define ST_LEN	4096

struct emu_st {
	u8 *pt, *ref, *out, *buf;
	u8 key[2 * AES_KEYSIZE_256];
	u8 iv[AES_BLOCK_SIZE];
};

static int emu_st_ref(const u8 *key, unsigned int keylen, const u8 *iv,
		      const u8 *in, u8 *out, unsigned int len)
{
	struct crypto_skcipher *tfm;
	struct skcipher_request *req;
	struct scatterlist sg_in, sg_out;
	DECLARE_CRYPTO_WAIT(wait);
	u8 ivbuf[AES_BLOCK_SIZE];
	int rc;

	tfm = crypto_alloc_skcipher("xts(aes)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	req = skcipher_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		rc = -ENOMEM;
		goto out_tfm;
	}
	rc = crypto_skcipher_setkey(tfm, key, keylen);
	if (rc)
		goto out_req;
	memcpy(ivbuf, iv, sizeof(ivbuf));
	sg_init_one(&sg_in, in, len);
	sg_init_one(&sg_out, out, len);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				      CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &sg_in, &sg_out, len, ivbuf);
	rc = crypto_wait_req(crypto_skcipher_encrypt(req), &wait);
out_req:
	skcipher_request_free(req);
out_tfm:
	crypto_free_skcipher(tfm);
	return rc;
}

/* two-key XTS through PCC + KM, with a partial KM and resume on request */
static int emu_st_twokey(struct emu_st *st, unsigned int klen,
			 unsigned int flags, long fail_after)
{
	u32 kt = klen == 16 ? PKEY_KEYTYPE_AES_128 : PKEY_KEYTYPE_AES_256;
	unsigned long fc = klen == 16 ? PKEY_EMU_KM_PXTS_128 :
					PKEY_EMU_KM_PXTS_256;
	u8 prot[EMU_MAX_PROTKEY], pcc[64 + 80], km[64 + 16];
	int rc, done;

	/* PCC: xts = E_K2(iv) */
	rc = emu_clr2protkey(kt, st->key + klen, prot);
	if (rc < 0)
		return rc;
	memset(pcc, 0, sizeof(pcc));
	memcpy(pcc, prot, klen + EMU_WKVP_SIZE);
	memcpy(pcc + klen + EMU_WKVP_SIZE, st->iv, AES_BLOCK_SIZE);
	if (emu_pcc(fc, pcc, flags))
		return -EBADMSG;

	rc = emu_clr2protkey(kt, st->key, prot);
	if (rc < 0)
		return rc;
	memcpy(km, prot, klen + EMU_WKVP_SIZE);
	memcpy(km + klen + EMU_WKVP_SIZE, pcc + klen + 80, AES_BLOCK_SIZE);
	if (fail_after >= 0) {
		rc = emu_arm_km_fail(fail_after);
		if (rc)
			return rc;
	}
	done = emu_km(fc, km, st->out, st->pt, ST_LEN, flags);
	if (fail_after >= 0) {
		if (done != fail_after * AES_BLOCK_SIZE)
			return -EBADMSG;
		/* the old key is stale now and must not touch anything */
		if (emu_km(fc, km, st->out + done, st->pt + done,
			   ST_LEN - done, flags) != 0)
			return -EBADMSG;
		rc = emu_clr2protkey(kt, st->key, prot);
		if (rc < 0)
			return rc;
		memcpy(km, prot, klen + EMU_WKVP_SIZE);	/* keep init */
		done += emu_km(fc, km, st->out + done, st->pt + done,
			       ST_LEN - done, flags);
	}
	if (done != ST_LEN || memcmp(st->out, st->ref, ST_LEN))
		return -EBADMSG;

	/* decrypt in place, PCC again for block 5 and start there */
	rc = emu_clr2protkey(kt, st->key + klen, prot);
	if (rc < 0)
		return rc;
	memcpy(pcc, prot, klen + EMU_WKVP_SIZE);
	memset(pcc + klen + 48, 0, 48);
	pcc[klen + 48 + 15] = 5;
	if (emu_pcc(fc, pcc, flags))
		return -EBADMSG;
	memcpy(km + klen + EMU_WKVP_SIZE, pcc + klen + 80, AES_BLOCK_SIZE);
	memcpy(st->buf, st->ref, ST_LEN);
	done = emu_km(fc | PKEY_EMU_DECRYPT, km, st->buf + 80, st->buf + 80,
		      ST_LEN - 80, flags);
	if (done != ST_LEN - 80 || memcmp(st->buf + 80, st->pt + 80, done))
		return -EBADMSG;
	return 0;
}

/* full XTS, optionally partial with resume via nap */
static int emu_st_full(struct emu_st *st, unsigned int klen,
		       unsigned int flags, long fail_after, bool dec)
{
	u32 kt = klen == 16 ? PKEY_KEYTYPE_AES_XTS_128 :
			      PKEY_KEYTYPE_AES_XTS_256;
	unsigned long fc = (klen == 16 ? PKEY_EMU_KM_PXTS_128_FULL :
					 PKEY_EMU_KM_PXTS_256_FULL) |
			   (dec ? PKEY_EMU_DECRYPT : 0);
	u8 prot[EMU_MAX_PROTKEY], param[64 + 16 + 16 + 32];
	const u8 *in = dec ? st->ref : st->pt, *want = dec ? st->pt : st->ref;
	unsigned int wl = 2 * klen;
	int rc, done;

	rc = emu_clr2protkey(kt, st->key, prot);
	if (rc < 0)
		return rc;
	memset(param, 0, sizeof(param));
	memcpy(param, prot, wl);
	memcpy(param + wl, st->iv, AES_BLOCK_SIZE);
	param[wl + 16] = 0x01;
	memcpy(param + wl + 32, prot + wl, EMU_WKVP_SIZE);
	if (fail_after >= 0) {
		rc = emu_arm_km_fail(fail_after);
		if (rc)
			return rc;
	}
	done = emu_km(fc, param, st->out, in, ST_LEN, flags);
	if (fail_after >= 0) {
		if (done != fail_after * AES_BLOCK_SIZE)
			return -EBADMSG;
		rc = emu_clr2protkey(kt, st->key, prot);
		if (rc < 0)
			return rc;
		memcpy(param, prot, wl);		/* keep tweak, nap */
		memcpy(param + wl + 32, prot + wl, EMU_WKVP_SIZE);
		done += emu_km(fc, param, st->out + done, in + done,
			       ST_LEN - done, flags);
	}
	if (done != ST_LEN || memcmp(st->out, want, ST_LEN))
		return -EBADMSG;
	return 0;
}

/* reference ciphertext from the software full-XTS KM */
static int emu_st_swref(struct emu_st *st, unsigned int klen)
{
	u32 kt = klen == 16 ? PKEY_KEYTYPE_AES_XTS_128 :
			      PKEY_KEYTYPE_AES_XTS_256;
	unsigned long fc = klen == 16 ? PKEY_EMU_KM_PXTS_128_FULL :
					PKEY_EMU_KM_PXTS_256_FULL;
	u8 prot[EMU_MAX_PROTKEY], param[64 + 16 + 16 + 32];
	int rc;

	rc = emu_clr2protkey(kt, st->key, prot);
	if (rc < 0)
		return rc;
	memset(param, 0, sizeof(param));
	memcpy(param, prot, 2 * klen);
	memcpy(param + 2 * klen, st->iv, AES_BLOCK_SIZE);
	param[2 * klen + 16] = 0x01;
	memcpy(param + 2 * klen + 32, prot + 2 * klen, EMU_WKVP_SIZE);
	rc = emu_km(fc, param, st->ref, st->pt, ST_LEN, EMU_NOFAST | EMU_NOCACHE);
	return rc == ST_LEN ? 0 : -EBADMSG;
}

/* IEEE 1619 XTS-AES-128 vector 2 through the full-XTS KM */
static int emu_st_vector(u8 *data, unsigned int flags)
{
	static const u8 ct[32] = {
		0xc4, 0x54, 0x18, 0x5e, 0x6a, 0x16, 0x93, 0x6e,
		0x39, 0x33, 0x40, 0x38, 0xac, 0xef, 0x83, 0x8b,
		0xfb, 0x18, 0x6f, 0xff, 0x74, 0x80, 0xad, 0xc4,
		0x28, 0x93, 0x82, 0xec, 0xd6, 0xd3, 0x94, 0xf0,
	};
	u8 key[32], prot[EMU_MAX_PROTKEY], param[32 + 16 + 16 + 32];
	int rc, done, ctx;

	memset(key, 0x11, 16);
	memset(key + 16, 0x22, 16);
	rc = emu_clr2protkey(PKEY_KEYTYPE_AES_XTS_128, key, prot);
	if (rc < 0)
		return rc;
	/* process context, bottom halves off, inside a kernel FPU section */
	for (ctx = 0; ctx < 3; ctx++) {
		memset(data, 0x44, sizeof(ct));
		memset(param, 0, sizeof(param));
		memcpy(param, prot, 32);
		memset(param + 32, 0x33, 5);
		param[48] = 0x01;
		memcpy(param + 64, prot + 32, EMU_WKVP_SIZE);
		if (ctx == 1)
			local_bh_disable();
#ifdef CONFIG_X86
		if (ctx == 2)
			kernel_fpu_begin();	/* AES-NI unusable: software */
#endif
		done = emu_km(PKEY_EMU_KM_PXTS_128_FULL, param, data, data,
			      sizeof(ct), flags);
#ifdef CONFIG_X86
		if (ctx == 2)
			kernel_fpu_end();
#endif
		if (ctx == 1)
			local_bh_enable();
		if (done != sizeof(ct) || memcmp(data, ct, sizeof(ct)))
			return -EBADMSG;
	}
	return 0;
}

static void emu_bench_report(const char *what, ktime_t t0)
{
	u64 ns = max_t(u64, ktime_to_ns(ktime_sub(ktime_get(), t0)), 1);

	pr_info("bench %-28s %6u x 4 KiB: %8llu us, %6llu MB/s\n", what, bench,
		ns / 1000, div64_u64((u64)bench * ST_LEN * 1000, ns));
}

static int emu_rot_thread(void *arg)
{
	while (!kthread_should_stop()) {
		u32 r = get_random_u32();

		if (r & 1)
			emu_rotate_wrapping_key();
		else
			emu_arm_km_fail((r >> 1) % 300);
		usleep_range(20, 200);
	}
	return 0;
}

/*
 * Stress: KM (full XTS-256) over st->pt while another thread rotates the
 * wrapping key and arms km_fail_after; on a short return re-wrap the same
 * clear key and resume like dm-paes.  Output must equal st->ref.
 */
static int emu_stress(struct emu_st *st)
{
	unsigned long fc = PKEY_EMU_KM_PXTS_256_FULL;
	u8 prot[EMU_MAX_PROTKEY], param[160];
	unsigned int i, resumes = 0;
	struct task_struct *task;
	int rc = 0, k, done;

	task = kthread_run(emu_rot_thread, NULL, "pkey_emu_rot");
	if (IS_ERR(task))
		return PTR_ERR(task);
	for (i = 0; i < bench && !rc; i++) {
		memset(param, 0, sizeof(param));
		memcpy(param + 64, st->iv, 16);
		param[80] = 1;
		memset(st->out, 0, ST_LEN);
		for (done = 0; done < ST_LEN; done += k) {
			if (emu_clr2protkey(PKEY_KEYTYPE_AES_XTS_256, st->key,
					    prot) < 0) {
				rc = -ENOMEM;
				break;
			}
			memcpy(param, prot, 64);
			memcpy(param + 96, prot + 64, 32);
			k = emu_km(fc, param, st->out + done, st->pt + done,
				   ST_LEN - done, 0);
			if (k < 0 || k > ST_LEN - done) {
				rc = -EBADMSG;
				break;
			}
			if (done + k < ST_LEN)
				resumes++;
		}
		if (!rc && memcmp(st->out, st->ref, ST_LEN))
			rc = -EBADMSG;
		cond_resched();
	}
	kthread_stop(task);
	emu_arm_km_fail(-1);
	pr_info("stress: %u x 4 KiB KM racing rotations, %u resumes: %s\n",
		i, resumes, rc ? "FAILED" : "ok");
	return rc;
}

/* Throughput of the KM paths and of the kernel's xts(aes), same buffer. */
static void emu_bench(struct emu_st *st)
{
	static const struct {
		const char *what;
		unsigned int flags;
	} paths[] = {
		{ "KM-256-full aesni", 0 },
		{ "KM-256-full sw cached", EMU_NOFAST },
		{ "KM-256-full sw uncached", EMU_NOCACHE },
	};
	u8 prot[EMU_MAX_PROTKEY], p1[EMU_MAX_PROTKEY], param[160], pcc[160];
	struct crypto_skcipher *tfm;
	struct skcipher_request *req;
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	unsigned int i, m;
	ktime_t t0;

	if (emu_clr2protkey(PKEY_KEYTYPE_AES_XTS_256, st->key, prot) < 0 ||
	    emu_clr2protkey(PKEY_KEYTYPE_AES_256, st->key, p1) < 0)
		return;
	for (m = 0; m < ARRAY_SIZE(paths); m++) {
		t0 = ktime_get();
		for (i = 0; i < bench; i++) {
			memset(param, 0, sizeof(param));
			memcpy(param, prot, 64);
			memcpy(param + 64, st->iv, 16);
			param[80] = 1;
			memcpy(param + 96, prot + 64, 32);
			emu_km(PKEY_EMU_KM_PXTS_256_FULL, param, st->buf, st->buf,
			       ST_LEN, paths[m].flags);
			cond_resched();
		}
		emu_bench_report(paths[m].what, t0);
	}
	/* two-key as dm-paes does per sector: PCC, then KM */
	t0 = ktime_get();
	for (i = 0; i < bench; i++) {
		memcpy(pcc, p1, 64);
		memcpy(pcc + 64, st->iv, 16);
		memset(pcc + 80, 0, 48);
		emu_pcc(PKEY_EMU_KM_PXTS_256, pcc, 0);
		memcpy(param, p1, 64);
		memcpy(param + 64, pcc + 128, 16);
		emu_km(PKEY_EMU_KM_PXTS_256, param, st->buf, st->buf, ST_LEN, 0);
		cond_resched();
	}
	emu_bench_report("PCC+KM-256 two-key aesni", t0);

	tfm = crypto_alloc_skcipher("xts(aes)", 0, 0);
	if (IS_ERR(tfm))
		return;
	req = skcipher_request_alloc(tfm, GFP_KERNEL);
	if (req && !crypto_skcipher_setkey(tfm, st->key, 64)) {
		sg_init_one(&sg, st->buf, ST_LEN);
		skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG,
					      crypto_req_done, &wait);
		t0 = ktime_get();
		for (i = 0; i < bench; i++) {
			u8 iv[AES_BLOCK_SIZE];

			memcpy(iv, st->iv, sizeof(iv));
			skcipher_request_set_crypt(req, &sg, &sg, ST_LEN, iv);
			crypto_wait_req(crypto_skcipher_encrypt(req), &wait);
			cond_resched();
		}
		emu_bench_report(crypto_tfm_alg_driver_name(crypto_skcipher_tfm(tfm)),
				 t0);
	}
	skcipher_request_free(req);
	crypto_free_skcipher(tfm);
}

int emu_selftest(void)
{
	static const unsigned int modes[] = { 0, EMU_NOFAST, EMU_NOCACHE };
	struct emu_st *st;
	unsigned int k, m;
	int rc = -ENOMEM;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->pt = kmalloc(ST_LEN, GFP_KERNEL);
	st->ref = kmalloc(ST_LEN, GFP_KERNEL);
	st->out = kmalloc(ST_LEN, GFP_KERNEL);
	st->buf = kmalloc(ST_LEN, GFP_KERNEL);
	if (!st->pt || !st->ref || !st->out || !st->buf)
		goto out;
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		rc = emu_st_vector(st->buf, modes[m]);
		if (rc) {
			pr_err("self-test: IEEE 1619 vector 2 failed (mode %u)\n",
			       modes[m]);
			goto out;
		}
	}
	for (k = 16; k <= 32; k += 16) {
		get_random_bytes(st->key, sizeof(st->key));
		get_random_bytes(st->iv, sizeof(st->iv));
		get_random_bytes(st->pt, ST_LEN);
		rc = emu_st_ref(st->key, 2 * k, st->iv, st->pt, st->ref, ST_LEN);
		if (rc == -ENOENT) {
			/*
			 * No xts(aes) in this kernel (xts.ko missing): the
			 * software full-XTS path, anchored by the IEEE 1619
			 * vector above, is the reference for the others.
			 */
			pr_warn("self-test: kernel xts(aes) unavailable, checking against the software path only\n");
			rc = emu_st_swref(st, k);
		}
		if (rc) {
			pr_err("self-test: reference XTS-%u failed: %d\n",
			       k * 8, rc);
			goto out;
		}
		for (m = 0; m < ARRAY_SIZE(modes); m++) {
			rc = emu_st_twokey(st, k, modes[m], -1) ?:
			     emu_st_twokey(st, k, modes[m], 3) ?:
			     emu_st_twokey(st, k, modes[m], 100) ?:
			     emu_st_full(st, k, modes[m], 100, true) ?:
			     emu_st_full(st, k, modes[m], -1, false) ?:
			     emu_st_full(st, k, modes[m], -1, true) ?:
			     emu_st_full(st, k, modes[m], 7, false) ?:
			     emu_st_full(st, k, modes[m], 0, true);
			if (rc) {
				pr_err("self-test: XTS-%u mode %u: KM/PCC differs from xts(aes): %d\n",
				       k * 8, modes[m], rc);
				goto out;
			}
		}
	}
	pr_info("self-test passed (KM/PCC == xts(aes), IEEE 1619 vector 2, partial+resume)\n");
	if (bench) {
		emu_bench(st);
		rc = emu_stress(st);
	}
out:
	if (st->out)
		memzero_explicit(st->out, ST_LEN);
	kfree(st->pt);
	kfree(st->ref);
	kfree(st->out);
	kfree(st->buf);
	kfree_sensitive(st);
	return rc;
}
