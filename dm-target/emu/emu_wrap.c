// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu firmware: the per-load wrapping key and PCKMO-style wrapping of
 * clear keys into protected keys, and the start and stop of the emulated
 * firmware as a whole.  It owns the current wrapping key (emu_cur), which
 * the key cache and KM/PCC read under RCU and change only through here.
 *
 * Wrapping key: 256 random bits per load (and per rotation), kept only
 * expanded (struct crypto_aes_ctx) in a struct emu_wk published by RCU in
 * emu_cur.
 * WKVP = AES-256_W("pkey_emu-wkvp-00") | AES-256_W("pkey_emu-wkvp-01").
 * Rotation publishes a new emu_wk; the old one and its key cache are freed
 * by an rcu_work after a grace period, so a KM in softirq on another CPU
 * keeps a consistent (old) view until it ends.
 *
 * Wrapping: length preserving, see emu_aes_wrap().  A protected key is the
 * wrapped key followed by the WKVP of the wrapping key that wrapped it.
 *
 * This is a development and CI backend: it protects nothing.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/string.h>
#include <crypto/aes.h>
#include <crypto/algapi.h>

#include "emu_internal.h"

struct emu_wk __rcu *emu_cur;
DEFINE_SPINLOCK(emu_lock);
static u64 emu_gen;
struct workqueue_struct *emu_wq;

int emu_keytype_len(u32 keytype)
{
	switch (keytype) {
	case PKEY_KEYTYPE_AES_128:
		return 16;
	case PKEY_KEYTYPE_AES_192:
		return 24;
	case PKEY_KEYTYPE_AES_256:
		return 32;
	case PKEY_KEYTYPE_AES_XTS_128:
		return 32;
	case PKEY_KEYTYPE_AES_XTS_256:
		return 64;
	default:
		return -EINVAL;
	}
}

/* ---- wrapping ---- */

/*
 * Length-preserving wrap: AES under @ctx of the 16-byte windows at offsets
 * 0, 16, ... and finally len - 16 (so a 24-byte key is covered by two
 * overlapping windows), in that order; before encrypting window i its byte
 * 14 is XORed with @domain (the key type) and byte 15 with i.  Unwrapping
 * runs the windows backwards and needs the same key.
 */
void emu_aes_wrap(const struct crypto_aes_ctx *ctx, u8 domain, u8 *buf,
		  unsigned int len)
{
	unsigned int i, n = DIV_ROUND_UP(len, AES_BLOCK_SIZE);

	for (i = 0; i < n; i++) {
		u8 *b = buf + min(i * AES_BLOCK_SIZE, len - AES_BLOCK_SIZE);

		b[14] ^= domain;
		b[15] ^= i;
		aes_encrypt(ctx, b, b);
	}
}

void emu_aes_unwrap(const struct crypto_aes_ctx *ctx, u8 domain, u8 *buf,
		    unsigned int len)
{
	unsigned int i = DIV_ROUND_UP(len, AES_BLOCK_SIZE);

	while (i--) {
		u8 *b = buf + min(i * AES_BLOCK_SIZE, len - AES_BLOCK_SIZE);

		aes_decrypt(ctx, b, b);
		b[14] ^= domain;
		b[15] ^= i;
	}
}

struct emu_wk *emu_wk_alloc(void)
{
	static const u8 pt[2][AES_BLOCK_SIZE] = {
		{ 'p', 'k', 'e', 'y', '_', 'e', 'm', 'u',
		  '-', 'w', 'k', 'v', 'p', '-', '0', '0' },
		{ 'p', 'k', 'e', 'y', '_', 'e', 'm', 'u',
		  '-', 'w', 'k', 'v', 'p', '-', '0', '1' },
	};
	struct emu_wk *wk;
	u8 raw[AES_KEYSIZE_256];

	wk = kzalloc(sizeof(*wk), GFP_KERNEL);
	if (!wk)
		return NULL;
	get_random_bytes(raw, sizeof(raw));
	aes_expandkey(&wk->ctx, raw, sizeof(raw));
	memzero_explicit(raw, sizeof(raw));
	aes_encrypt(&wk->ctx, wk->wkvp, pt[0]);
	aes_encrypt(&wk->ctx, wk->wkvp + AES_BLOCK_SIZE, pt[1]);
	return wk;
}

/* free a wrapping key no reader can see any more */
void emu_wk_free(struct emu_wk *wk)
{
	int i;

	for (i = 0; i < EMU_CACHE_SLOTS; i++) {
		struct emu_ckey *ck = rcu_dereference_protected(wk->slot[i], 1);

		if (ck)
			emu_ckey_free(ck);
	}
	kfree_sensitive(wk);
}

static void emu_wk_free_work(struct work_struct *work)
{
	emu_wk_free(container_of(to_rcu_work(work), struct emu_wk, rwork));
}

/* publish @nwk as the wrapping key; caller holds emu_lock */
void emu_install_wk_locked(struct emu_wk *nwk)
{
	struct emu_wk *old;

	old = rcu_dereference_protected(emu_cur, lockdep_is_held(&emu_lock));
	nwk->gen = ++emu_gen;
	rcu_assign_pointer(emu_cur, nwk);
	if (old) {
		emu_stat_add(EMU_STAT_ROTATIONS, 1);
		INIT_RCU_WORK(&old->rwork, emu_wk_free_work);
		queue_rcu_work(emu_wq, &old->rwork);
	}
}

int emu_rotate_wrapping_key(void)
{
	struct emu_wk *nwk = emu_wk_alloc();
	unsigned long flags;

	if (!nwk)
		return -ENOMEM;
	spin_lock_irqsave(&emu_lock, flags);
	emu_install_wk_locked(nwk);
	spin_unlock_irqrestore(&emu_lock, flags);
	return 0;
}

void emu_get_wkvp(u8 wkvp[EMU_WKVP_SIZE])
{
	rcu_read_lock();
	memcpy(wkvp, rcu_dereference(emu_cur)->wkvp, EMU_WKVP_SIZE);
	rcu_read_unlock();
}

/* ---- protected keys ---- */

int emu_clr2protkey(u32 keytype, const u8 *clr, u8 *prot)
{
	int klen = emu_keytype_len(keytype);
	struct emu_wk *wk;
	u64 gen;

	if (klen < 0)
		return klen;
	if ((keytype == PKEY_KEYTYPE_AES_XTS_128 ||
	     keytype == PKEY_KEYTYPE_AES_XTS_256) && !emu_msa10())
		return -ENODEV;
	memcpy(prot, clr, klen);
	rcu_read_lock();
	wk = rcu_dereference(emu_cur);
	emu_aes_wrap(&wk->ctx, keytype, prot, klen);
	memcpy(prot + klen, wk->wkvp, EMU_WKVP_SIZE);
	gen = wk->gen;
	rcu_read_unlock();
	emu_cache_insert(keytype, clr, prot, gen);
	return klen + EMU_WKVP_SIZE;
}

int emu_gen_protkey(u32 keytype, u8 *prot)
{
	int klen = emu_keytype_len(keytype), rc;
	u8 clr[EMU_MAX_CLRKEY];

	if (klen < 0)
		return klen;
	get_random_bytes(clr, klen);
	rc = emu_clr2protkey(keytype, clr, prot);
	memzero_explicit(clr, sizeof(clr));
	return rc;
}

/* -EKEYREJECTED for a stale key, as the s390 driver's pkey_verifyprotkey() */
int emu_verify_protkey(u32 keytype, const u8 *prot, u32 protlen)
{
	int klen = emu_keytype_len(keytype), rc;

	if (klen < 0 || protlen != klen + EMU_WKVP_SIZE)
		return -EINVAL;
	rcu_read_lock();
	rc = crypto_memneq(prot + klen, rcu_dereference(emu_cur)->wkvp,
			   EMU_WKVP_SIZE) ? -EKEYREJECTED : 0;
	rcu_read_unlock();
	return rc;
}

/* ---- init / exit ---- */

int emu_firmware_init(void)
{
	struct emu_wk *wk;
	unsigned long flags;

	emu_wq = alloc_workqueue("pkey_emu", 0, 0);
	if (!emu_wq)
		return -ENOMEM;
	emu_refill_init();
	wk = emu_wk_alloc();
	if (!wk) {
		destroy_workqueue(emu_wq);
		return -ENOMEM;
	}
	spin_lock_irqsave(&emu_lock, flags);
	emu_install_wk_locked(wk);
	spin_unlock_irqrestore(&emu_lock, flags);
	emu_probe_xts();
	return 0;
}

void emu_firmware_exit(void)
{
	struct emu_wk *wk;
	unsigned long flags;

	emu_arm_km_fail(-1);
	emu_refill_cancel();
	spin_lock_irqsave(&emu_lock, flags);
	wk = rcu_dereference_protected(emu_cur, lockdep_is_held(&emu_lock));
	RCU_INIT_POINTER(emu_cur, NULL);
	spin_unlock_irqrestore(&emu_lock, flags);
	synchronize_rcu();
	/* let queued rcu_works reach the workqueue, then drain it */
	rcu_barrier();
	destroy_workqueue(emu_wq);
	if (wk)
		emu_wk_free(wk);
	emu_refill_clear();
}
