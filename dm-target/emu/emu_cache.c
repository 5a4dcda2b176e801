// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu key cache: unwrapping and expanding a protected key costs more
 * than the KM call that uses it, so every protected key this firmware
 * makes (process context) gets a cache entry in its emu_wk holding the
 * expanded clear keys and an xts skcipher of the kernel's internal
 * synchronous AES-NI implementation ("__xts(aes)", the one the async
 * "xts(aes)" simd wrapper calls), keyed so that KM can run a whole request
 * through it.  KM/PCC look entries up by the wrapped key bytes under
 * rcu_read_lock(), never sleep and never allocate; a miss asks a worker to
 * (re)fill the cache.  Each wrapping key has its own cache, so a rotation
 * retires the old entries with the old key and no stale entry can hit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/kmod.h>
#include <linux/string.h>
#include <crypto/aes.h>
#include <crypto/skcipher.h>
#include <crypto/internal/cipher.h>

#include "emu_internal.h"

MODULE_IMPORT_NS(CRYPTO_INTERNAL);	/* crypto_cipher */

#define EMU_CACHE_PROBE		8
#define EMU_REFILL_SLOTS	8
#define EMU_XTS_ALG	"__xts(aes)"

struct emu_refill {
	bool used;
	u32 keytype;
	u32 wlen;
	u64 gen;
	u8 wrapped[EMU_MAX_CLRKEY];
};

static struct emu_refill emu_refill[EMU_REFILL_SLOTS];
static struct work_struct emu_refill_work;
static bool emu_xts_ok;
static char emu_xts_drv[CRYPTO_MAX_ALG_NAME] = "none (lib/crypto aes)";

const char *emu_xts_driver(void)
{
	return emu_xts_drv;
}

static bool emu_keytype_cacheable(u32 keytype)
{
	return keytype != PKEY_KEYTYPE_AES_192;
}

static bool emu_keytype_full(u32 keytype)
{
	return keytype == PKEY_KEYTYPE_AES_XTS_128 ||
	       keytype == PKEY_KEYTYPE_AES_XTS_256;
}

void emu_ckey_free(struct emu_ckey *ck)
{
	if (ck->xts)
		crypto_free_sync_skcipher(ck->xts);
	if (ck->c1)
		crypto_free_cipher(ck->c1);
	if (ck->c2)
		crypto_free_cipher(ck->c2);
	kfree_sensitive(ck);
}

static struct crypto_cipher *emu_cipher_alloc(const u8 *key, unsigned int len)
{
	struct crypto_cipher *c = crypto_alloc_cipher("aes", 0, 0);

	if (IS_ERR(c))
		return NULL;
	if (crypto_cipher_setkey(c, key, len)) {
		crypto_free_cipher(c);
		return NULL;
	}
	return c;
}

static void emu_ckey_free_work(struct work_struct *work)
{
	emu_ckey_free(container_of(to_rcu_work(work), struct emu_ckey, rwork));
}

static void emu_ckey_retire(struct emu_ckey *ck)
{
	INIT_RCU_WORK(&ck->rwork, emu_ckey_free_work);
	queue_rcu_work(emu_wq, &ck->rwork);
}

static u32 emu_cache_hash(u32 keytype, const u8 *wrapped, u32 wlen)
{
	return jhash(wrapped, wlen, keytype);
}

struct emu_ckey *emu_cache_lookup(struct emu_wk *wk, u32 keytype,
				  const u8 *wrapped, u32 wlen)
{
	u32 h = emu_cache_hash(keytype, wrapped, wlen);
	int i;

	for (i = 0; i < EMU_CACHE_PROBE; i++) {
		struct emu_ckey *ck;

		ck = rcu_dereference(wk->slot[(h + i) % EMU_CACHE_SLOTS]);
		if (ck && ck->keytype == keytype &&
		    !memcmp(ck->wrapped, wrapped, wlen)) {
			if (READ_ONCE(ck->last_used) != jiffies)
				WRITE_ONCE(ck->last_used, jiffies);
			return ck;
		}
	}
	return NULL;
}

/*
 * Make a cache entry for the clear key @clr wrapped as @wrapped under the
 * wrapping key of generation @gen.  Process context; best effort.
 */
void emu_cache_insert(u32 keytype, const u8 *clr, const u8 *wrapped, u64 gen)
{
	struct emu_ckey *ck, *cur, *victim = NULL;
	int klen = emu_keytype_len(keytype), half, i, idx = -1, vidx = -1;
	struct emu_wk *wk;
	unsigned long flags;
	u8 xkey[2 * AES_KEYSIZE_256];
	u32 h;

	if (klen < 0 || !emu_keytype_cacheable(keytype))
		return;
	ck = kzalloc(sizeof(*ck), GFP_KERNEL);
	if (!ck)
		return;
	ck->keytype = keytype;
	ck->wlen = klen;
	memcpy(ck->wrapped, wrapped, klen);
	if (emu_keytype_full(keytype)) {
		half = klen / 2;
		memcpy(xkey, clr, klen);
	} else {
		/*
		 * Two-key form: KM only knows K1 and the current tweak, so
		 * the skcipher gets a dummy tweak key K' (never equal to K1)
		 * and the IV D_K'(tweak), which it encrypts back.
		 */
		half = klen;
		memcpy(xkey, clr, klen);
		for (i = 0; i < klen; i++)
			xkey[klen + i] = clr[i] ^ 0x36;
	}
	aes_expandkey(&ck->k1, xkey, half);
	aes_expandkey(&ck->k2, xkey + half, half);
	if (emu_xts_ok) {
		struct crypto_sync_skcipher *tfm;

		tfm = crypto_alloc_sync_skcipher(EMU_XTS_ALG,
						 CRYPTO_ALG_INTERNAL,
						 CRYPTO_ALG_INTERNAL);
		if (!IS_ERR(tfm)) {
			if (crypto_skcipher_alignmask(&tfm->base) >= AES_BLOCK_SIZE ||
			    crypto_sync_skcipher_setkey(tfm, xkey, 2 * half))
				crypto_free_sync_skcipher(tfm);
			else
				ck->xts = tfm;
		}
		ck->c1 = emu_cipher_alloc(xkey, half);
		ck->c2 = emu_cipher_alloc(xkey + half, half);
	}
	memzero_explicit(xkey, sizeof(xkey));
	ck->last_used = jiffies;

	h = emu_cache_hash(keytype, wrapped, klen);
	spin_lock_irqsave(&emu_lock, flags);
	wk = rcu_dereference_protected(emu_cur, lockdep_is_held(&emu_lock));
	if (!wk || wk->gen != gen)
		goto drop;	/* rotated meanwhile: the key is stale */
	for (i = 0; i < EMU_CACHE_PROBE; i++) {
		int s = (h + i) % EMU_CACHE_SLOTS;

		cur = rcu_dereference_protected(wk->slot[s],
						lockdep_is_held(&emu_lock));
		if (!cur) {
			if (idx < 0)
				idx = s;
			continue;
		}
		if (cur->keytype == keytype && !memcmp(cur->wrapped, wrapped, klen))
			goto drop;	/* already cached */
		if (!victim || time_before(cur->last_used, victim->last_used)) {
			victim = cur;
			vidx = s;
		}
	}
	if (idx < 0)
		idx = vidx;
	else
		victim = NULL;
	rcu_assign_pointer(wk->slot[idx], ck);
	spin_unlock_irqrestore(&emu_lock, flags);
	if (victim)
		emu_ckey_retire(victim);
	return;
drop:
	spin_unlock_irqrestore(&emu_lock, flags);
	emu_ckey_free(ck);
}

/* from KM/PCC (any context): ask the worker to cache a missed key */
void emu_refill_request(u64 gen, u32 keytype, const u8 *wrapped, u32 wlen)
{
	unsigned long flags;
	int i, free = -1;

	if (!emu_keytype_cacheable(keytype))
		return;
	spin_lock_irqsave(&emu_lock, flags);
	for (i = 0; i < EMU_REFILL_SLOTS; i++) {
		struct emu_refill *r = &emu_refill[i];

		if (!r->used) {
			if (free < 0)
				free = i;
		} else if (r->gen == gen && r->keytype == keytype &&
			   !memcmp(r->wrapped, wrapped, wlen)) {
			free = -1;
			goto out;
		}
	}
	if (free >= 0) {
		struct emu_refill *r = &emu_refill[free];

		r->used = true;
		r->gen = gen;
		r->keytype = keytype;
		r->wlen = wlen;
		memcpy(r->wrapped, wrapped, wlen);
	}
out:
	spin_unlock_irqrestore(&emu_lock, flags);
	if (free >= 0)
		queue_work(emu_wq, &emu_refill_work);
}

static void emu_refill_fn(struct work_struct *work)
{
	struct emu_refill r;
	u8 clr[EMU_MAX_CLRKEY];
	unsigned long flags;
	struct emu_wk *wk;
	bool ok;
	int i;

	for (i = 0; i < EMU_REFILL_SLOTS; i++) {
		spin_lock_irqsave(&emu_lock, flags);
		r = emu_refill[i];
		emu_refill[i].used = false;
		spin_unlock_irqrestore(&emu_lock, flags);
		if (!r.used)
			continue;
		rcu_read_lock();
		wk = rcu_dereference(emu_cur);
		ok = wk && wk->gen == r.gen;
		if (ok) {
			memcpy(clr, r.wrapped, r.wlen);
			emu_aes_unwrap(&wk->ctx, r.keytype, clr, r.wlen);
		}
		rcu_read_unlock();
		if (ok)
			emu_cache_insert(r.keytype, clr, r.wrapped, r.gen);
	}
	memzero_explicit(clr, sizeof(clr));
}

void emu_probe_xts(void)
{
	struct crypto_sync_skcipher *tfm;

	tfm = crypto_alloc_sync_skcipher(EMU_XTS_ALG, CRYPTO_ALG_INTERNAL,
					 CRYPTO_ALG_INTERNAL);
	if (IS_ERR(tfm)) {
		/* not autoloaded without udev: try the AES-NI glue module */
		request_module("aesni-intel");
		tfm = crypto_alloc_sync_skcipher(EMU_XTS_ALG,
						 CRYPTO_ALG_INTERNAL,
						 CRYPTO_ALG_INTERNAL);
	}
	if (IS_ERR(tfm)) {
		pr_info("no synchronous %s (%ld): KM uses lib/crypto AES\n",
			EMU_XTS_ALG, PTR_ERR(tfm));
		return;
	}
	strscpy(emu_xts_drv, crypto_tfm_alg_driver_name(crypto_skcipher_tfm(&tfm->base)),
		sizeof(emu_xts_drv));
	emu_xts_ok = true;
	crypto_free_sync_skcipher(tfm);
	pr_info("KM XTS bulk path: %s\n", emu_xts_drv);
}

void emu_refill_init(void)
{
	INIT_WORK(&emu_refill_work, emu_refill_fn);
}

void emu_refill_cancel(void)
{
	cancel_work_sync(&emu_refill_work);
}

void emu_refill_clear(void)
{
	memset(emu_refill, 0, sizeof(emu_refill));
}
