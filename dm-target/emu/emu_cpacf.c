// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu CPACF: the KM and PCC protected-key XTS functions (PXTS_128/256
 * two-key, PXTS_128/256_FULL) that pkey_emu exports to dm-paes, with the
 * parameter blocks and results of the real instructions.  KM/PCC check the
 * WKVP in the parameter block against the current one first; a mismatch is
 * the condition code 1 of the real instructions and touches nothing.  A
 * cached key runs through the AES-NI skcipher where the buffers and the
 * FPU allow, anything else through software XTS on lib/crypto AES.
 *
 * Also here, because KM is what they act on: the km_fail_after control
 * (KM stops after N blocks and the wrapping key changes) and the counters
 * shown under emu/.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/string.h>
#include <linux/mm.h>
#include <pkeydm/kcompat.h>
#include <crypto/aes.h>
#include <crypto/algapi.h>
#include <crypto/skcipher.h>
#include <crypto/internal/cipher.h>
#include <asm/simd.h>
#include <crypto/internal/simd.h>

#include <pkeydm/pkey_emu.h>
#include "emu_internal.h"

static bool fastpath = true;
module_param(fastpath, bool, 0644);
MODULE_PARM_DESC(fastpath,
		 "Run KM XTS through the kernel's AES-NI xts skcipher when usable (default: on)");

#define EMU_KM_MAX		(INT_MAX & ~(AES_BLOCK_SIZE - 1))

struct emu_fn {
	u32 keytype;
	unsigned int wlen;
	bool full;
};

/* km_fail_after (changed under emu_lock): armed, blocks to go, new key */
static bool emu_fail_armed;
static long emu_fail_n = -1;
static struct emu_wk *emu_fail_wk;	/* prepared wrapping key for it */

DEFINE_PER_CPU(struct emu_stats, emu_stats);

u64 emu_stat_read(enum emu_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(emu_stats.v[s], cpu);
	return sum;
}

/* ---- GF(2^128) in the XTS (IEEE 1619, little-endian) representation ---- */

static inline void gf_load(u64 t[2], const u8 *p)
{
	t[0] = get_unaligned_le64(p);
	t[1] = get_unaligned_le64(p + 8);
}

static inline void gf_store(u8 *p, const u64 t[2])
{
	put_unaligned_le64(t[0], p);
	put_unaligned_le64(t[1], p + 8);
}

/* t *= alpha */
static inline void gf_double(u64 t[2])
{
	u64 carry = t[1] >> 63;

	t[1] = (t[1] << 1) | (t[0] >> 63);
	t[0] = (t[0] << 1) ^ (carry * 0x87);
}

static inline bool gf_is_one(const u64 t[2])
{
	return t[0] == 1 && t[1] == 0;
}

/* r = a * b; r may alias a or b */
static void gf_mul(u64 r[2], const u64 a[2], const u64 b[2])
{
	u64 x[2] = { a[0], a[1] }, y[2] = { b[0], b[1] }, acc[2] = { 0, 0 };
	int i;

	for (i = 0; i < 128; i++) {
		if ((y[i / 64] >> (i % 64)) & 1) {
			acc[0] ^= x[0];
			acc[1] ^= x[1];
		}
		gf_double(x);
	}
	r[0] = acc[0];
	r[1] = acc[1];
}

/* t *= alpha^n, a byte at a time: x^128 = x^7 + x^2 + x + 1 */
static void gf_mul_alpha_n(u64 t[2], unsigned long n)
{
	for (; n >= 8; n -= 8) {
		u64 c = t[1] >> 56;

		t[1] = (t[1] << 8) | (t[0] >> 56);
		t[0] = (t[0] << 8) ^ c ^ (c << 1) ^ (c << 2) ^ (c << 7);
	}
	while (n--)
		gf_double(t);
}

/* r = alpha^j, j a 128-bit big-endian integer (PCC block field) */
static void gf_alpha_pow(u64 r[2], const u8 j[16])
{
	int i, b;

	r[0] = 1;
	r[1] = 0;
	for (i = 0; i < 16; i++) {
		for (b = 7; b >= 0; b--) {
			gf_mul(r, r, r);
			if ((j[i] >> b) & 1)
				gf_double(r);
		}
	}
}

/*
 * One block with a cached key: the AES-NI cipher when there is one and the
 * fast path is on (it falls back to lib/crypto by itself where the FPU is
 * unusable), else lib/crypto on the expanded key.
 */
static void emu_ck_block(struct crypto_cipher *c,
			 const struct crypto_aes_ctx *ctx, bool dec,
			 unsigned int flags, u8 *out, const u8 *in)
{
	if (c && READ_ONCE(fastpath) && !(flags & EMU_NOFAST)) {
		if (dec)
			crypto_cipher_decrypt_one(c, out, in);
		else
			crypto_cipher_encrypt_one(c, out, in);
	} else if (dec) {
		aes_decrypt(ctx, out, in);
	} else {
		aes_encrypt(ctx, out, in);
	}
}

int emu_arm_km_fail(long n)
{
	struct emu_wk *nwk = NULL, *old;
	unsigned long flags;

	if (n >= 0) {
		/* KM cannot allocate: prepare the next wrapping key now */
		nwk = emu_wk_alloc();
		if (!nwk)
			return -ENOMEM;
	}
	spin_lock_irqsave(&emu_lock, flags);
	old = emu_fail_wk;
	emu_fail_wk = nwk;
	emu_fail_n = n >= 0 ? n : -1;
	WRITE_ONCE(emu_fail_armed, n >= 0);
	spin_unlock_irqrestore(&emu_lock, flags);
	if (old)
		emu_wk_free(old);	/* never published */
	return 0;
}

long emu_km_fail_pending(void)
{
	unsigned long flags;
	long n;

	spin_lock_irqsave(&emu_lock, flags);
	n = emu_fail_armed ? emu_fail_n : -1;
	spin_unlock_irqrestore(&emu_lock, flags);
	return n;
}

/* ---- CPACF emulation ---- */

static bool emu_fn_decode(unsigned long func, struct emu_fn *f)
{
	if (func & ~0xffUL)
		return false;
	switch (func & ~(unsigned long)PKEY_EMU_DECRYPT) {
	case PKEY_EMU_KM_PXTS_128:
		*f = (struct emu_fn){ PKEY_KEYTYPE_AES_128, 16, false };
		return true;
	case PKEY_EMU_KM_PXTS_256:
		*f = (struct emu_fn){ PKEY_KEYTYPE_AES_256, 32, false };
		return true;
	case PKEY_EMU_KM_PXTS_128_FULL:
		*f = (struct emu_fn){ PKEY_KEYTYPE_AES_XTS_128, 32, true };
		return true;
	case PKEY_EMU_KM_PXTS_256_FULL:
		*f = (struct emu_fn){ PKEY_KEYTYPE_AES_XTS_256, 64, true };
		return true;
	default:
		return false;
	}
}

/*
 * Whether the machine has the full-XTS functions (MSA 10): emu/msa10.
 * Without them query says no for KM 0x5a/0x5c and PCKMO cannot make
 * full-XTS protected keys, so callers fall back to the two-key form.  KM
 * itself still runs them, for keys made before the switch.
 */
static bool emu_msa10_on = true;

bool emu_msa10(void)
{
	return READ_ONCE(emu_msa10_on);
}

void emu_set_msa10(bool on)
{
	WRITE_ONCE(emu_msa10_on, on);
}

bool pkey_emu_query(unsigned long func)
{
	struct emu_fn f;

	if (!emu_fn_decode(func & ~(unsigned long)PKEY_EMU_DECRYPT, &f))
		return false;
	return !f.full || emu_msa10();
}
EXPORT_SYMBOL_GPL(pkey_emu_query);

/* software XTS over @nblocks blocks starting with tweak @t0 */
static void emu_xts_sw(const struct crypto_aes_ctx *ctx, bool dec,
		       const u64 t0[2], u8 *dst, const u8 *src,
		       unsigned long nblocks)
{
	u64 t[2] = { t0[0], t0[1] };
	u8 b[AES_BLOCK_SIZE];

	for (; nblocks; nblocks--) {
		put_unaligned_le64(get_unaligned_le64(src) ^ t[0], b);
		put_unaligned_le64(get_unaligned_le64(src + 8) ^ t[1], b + 8);
		if (dec)
			aes_decrypt(ctx, b, b);
		else
			aes_encrypt(ctx, b, b);
		put_unaligned_le64(get_unaligned_le64(b) ^ t[0], dst);
		put_unaligned_le64(get_unaligned_le64(b + 8) ^ t[1], dst + 8);
		gf_double(t);
		src += AES_BLOCK_SIZE;
		dst += AES_BLOCK_SIZE;
	}
	memzero_explicit(b, sizeof(b));
}

/* may the AES-NI skcipher walk this buffer without copying/allocating? */
static bool emu_buf_linear(const u8 *p, unsigned long len)
{
	return !((unsigned long)p & (AES_BLOCK_SIZE - 1)) &&
	       virt_addr_valid(p) && virt_addr_valid(p + len - 1);
}

static noinline int emu_xts_fast(struct crypto_sync_skcipher *tfm, bool dec,
				 u8 *iv, u8 *dst, const u8 *src,
				 unsigned int nbytes)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg_src, sg_dst;
	int err;

	sg_init_one(&sg_src, src, nbytes);
	sg_init_one(&sg_dst, dst, nbytes);
	skcipher_request_set_sync_tfm(req, tfm);
	/* no CRYPTO_TFM_REQ_MAY_SLEEP: the walk neither sleeps nor allocates */
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg_src, src == dst ? &sg_src : &sg_dst,
				   nbytes, iv);
	err = dec ? crypto_skcipher_decrypt(req) : crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	return err;
}

/*
 * KM with a cached key.  Two-key: @t is the first block's tweak (init).
 * Full: the first tweak is E_K2(@tweak) * @nap, computed only if needed.
 */
static void emu_km_cached(const struct emu_ckey *ck, const struct emu_fn *f,
			  const u8 *tweak, u64 t[2], const u64 nap[2],
			  u8 *dst, const u8 *src, unsigned long nblocks,
			  bool dec, unsigned int flags)
{
	unsigned long nbytes = nblocks * AES_BLOCK_SIZE;
	bool nap_one = f->full && gf_is_one(nap);

	if (f->full && !nap_one) {
		u8 e[AES_BLOCK_SIZE];

		emu_ck_block(ck->c2, &ck->k2, false, flags, e, tweak);
		gf_load(t, e);
		gf_mul(t, t, nap);
	}
	if (ck->xts && READ_ONCE(fastpath) && !(flags & EMU_NOFAST) &&
	    emu_buf_linear(src, nbytes) && emu_buf_linear(dst, nbytes) &&
	    crypto_simd_usable()) {
		u8 iv[AES_BLOCK_SIZE] __aligned(AES_BLOCK_SIZE);

		if (nap_one) {
			memcpy(iv, tweak, AES_BLOCK_SIZE);
		} else {
			/* the skcipher encrypts the IV with its tweak key */
			gf_store(iv, t);
			emu_ck_block(ck->c2, &ck->k2, true, flags, iv, iv);
		}
		if (!emu_xts_fast(ck->xts, dec, iv, dst, src, nbytes)) {
			emu_stat_add(EMU_STAT_KM_FAST, 1);
			return;
		}
	}
	if (nap_one) {
		u8 e[AES_BLOCK_SIZE];

		aes_encrypt(&ck->k2, e, tweak);
		gf_load(t, e);
	}
	emu_xts_sw(&ck->k1, dec, t, dst, src, nblocks);
}

/* E_K(in) for the (half at @off of the) wrapped key, without the cache */
static noinline void emu_encrypt_uncached(const struct emu_wk *wk,
					  u32 keytype, const u8 *wrapped,
					  unsigned int wlen, unsigned int off,
					  unsigned int klen, u8 *out,
					  const u8 *in)
{
	struct crypto_aes_ctx ctx;
	u8 clr[EMU_MAX_CLRKEY];

	memcpy(clr, wrapped, wlen);
	emu_aes_unwrap(&wk->ctx, keytype, clr, wlen);
	aes_expandkey(&ctx, clr + off, klen);
	memzero_explicit(clr, sizeof(clr));
	aes_encrypt(&ctx, out, in);
	memzero_explicit(&ctx, sizeof(ctx));
}

static noinline void emu_km_uncached(const struct emu_wk *wk,
				     const struct emu_fn *f, const u8 *wrapped,
				     const u64 t[2], u8 *dst, const u8 *src,
				     unsigned long nblocks, bool dec)
{
	unsigned int klen = f->full ? f->wlen / 2 : f->wlen;
	struct crypto_aes_ctx ctx;
	u8 clr[EMU_MAX_CLRKEY];

	memcpy(clr, wrapped, f->wlen);
	emu_aes_unwrap(&wk->ctx, f->keytype, clr, f->wlen);
	aes_expandkey(&ctx, clr, klen);
	memzero_explicit(clr, sizeof(clr));
	emu_xts_sw(&ctx, dec, t, dst, src, nblocks);
	memzero_explicit(&ctx, sizeof(ctx));
}

int emu_km(unsigned long func, void *param, u8 *dst, const u8 *src, long len,
	   unsigned int flags)
{
	bool dec = func & PKEY_EMU_DECRYPT, nap_one = true;
	u64 t[2] = { 0, 0 }, nap[2] = { 1, 0 };
	struct emu_wk *wk, *nwk = NULL;
	unsigned long nblocks, irqf;
	struct emu_ckey *ck = NULL;
	u8 *p = param, *state;
	const u8 *wkvp;
	struct emu_fn f;

	if (!emu_fn_decode(func, &f) || len < 0 || len > EMU_KM_MAX ||
	    len % AES_BLOCK_SIZE)
		return -EINVAL;
	emu_stat_add(EMU_STAT_KM_CALLS, 1);
	if (f.full) {
		state = p + f.wlen + AES_BLOCK_SIZE;		/* nap */
		wkvp = p + f.wlen + 2 * AES_BLOCK_SIZE;
		gf_load(nap, state);
		if (!nap[0] && !nap[1])
			return -EINVAL;
		nap_one = gf_is_one(nap);
	} else {
		wkvp = p + f.wlen;
		state = p + f.wlen + EMU_WKVP_SIZE;		/* init */
		gf_load(t, state);
	}
	nblocks = len / AES_BLOCK_SIZE;

	rcu_read_lock();
	wk = rcu_dereference(emu_cur);
	if (unlikely(crypto_memneq(wkvp, wk->wkvp, EMU_WKVP_SIZE))) {
		rcu_read_unlock();
		emu_stat_add(EMU_STAT_KM_STALE, 1);
		return 0;
	}
	if (unlikely(READ_ONCE(emu_fail_armed))) {
		spin_lock_irqsave(&emu_lock, irqf);
		if (emu_fail_armed) {
			WRITE_ONCE(emu_fail_armed, false);
			nwk = emu_fail_wk;
			emu_fail_wk = NULL;
			if (emu_fail_n < nblocks)
				nblocks = emu_fail_n;
			emu_fail_n = -1;
		}
		spin_unlock_irqrestore(&emu_lock, irqf);
	}
	if (!(flags & EMU_NOCACHE))
		ck = emu_cache_lookup(wk, f.keytype, p, f.wlen);
	if (ck) {
		emu_stat_add(EMU_STAT_CACHE_HITS, 1);
		if (nblocks)
			emu_km_cached(ck, &f, p + f.wlen, t, nap, dst, src,
				      nblocks, dec, flags);
	} else {
		emu_stat_add(EMU_STAT_CACHE_MISSES, 1);
		if (f.full) {
			u8 e[AES_BLOCK_SIZE];

			emu_encrypt_uncached(wk, f.keytype, p, f.wlen,
					     f.wlen / 2, f.wlen / 2, e,
					     p + f.wlen);
			gf_load(t, e);
			if (!nap_one)
				gf_mul(t, t, nap);
		}
		if (nblocks)
			emu_km_uncached(wk, &f, p, t, dst, src, nblocks, dec);
		if (!(flags & EMU_NOCACHE))
			emu_refill_request(wk->gen, f.keytype, p, f.wlen);
	}

	/* the XTS state follows the last block processed */
	if (f.full) {
		gf_mul_alpha_n(nap, nblocks);
		gf_store(state, nap);
	} else {
		gf_mul_alpha_n(t, nblocks);
		gf_store(state, t);
	}
	emu_stat_add(EMU_STAT_KM_BYTES, nblocks * AES_BLOCK_SIZE);

	if (nwk) {
		/* km_fail_after: the wrapping key changes after N blocks */
		spin_lock_irqsave(&emu_lock, irqf);
		emu_install_wk_locked(nwk);
		spin_unlock_irqrestore(&emu_lock, irqf);
		emu_stat_add(EMU_STAT_KM_PARTIAL, 1);
	}
	rcu_read_unlock();
	return nblocks * AES_BLOCK_SIZE;
}

int pkey_emu_km(unsigned long func, void *param, u8 *dest, const u8 *src,
		long src_len)
{
	return emu_km(func, param, dest, src, src_len, 0);
}
EXPORT_SYMBOL_GPL(pkey_emu_km);

int emu_pcc(unsigned long func, void *param, unsigned int flags)
{
	u8 *p = param, *tweak, *block, *bit, *xts;
	struct emu_ckey *ck = NULL;
	u8 e[AES_BLOCK_SIZE];
	struct emu_wk *wk;
	struct emu_fn f;
	u64 t[2], a[2];

	if (func & PKEY_EMU_DECRYPT || !emu_fn_decode(func, &f) || f.full)
		return -EINVAL;
	tweak = p + f.wlen + EMU_WKVP_SIZE;
	block = tweak + AES_BLOCK_SIZE;
	bit = block + AES_BLOCK_SIZE;
	xts = bit + AES_BLOCK_SIZE;
	if (memchr_inv(bit, 0, AES_BLOCK_SIZE))
		return -EINVAL;		/* bit index: not emulated */
	emu_stat_add(EMU_STAT_PCC_CALLS, 1);

	rcu_read_lock();
	wk = rcu_dereference(emu_cur);
	if (unlikely(crypto_memneq(p + f.wlen, wk->wkvp, EMU_WKVP_SIZE))) {
		rcu_read_unlock();
		emu_stat_add(EMU_STAT_PCC_STALE, 1);
		return 1;
	}
	if (!(flags & EMU_NOCACHE))
		ck = emu_cache_lookup(wk, f.keytype, p, f.wlen);
	if (ck) {
		emu_stat_add(EMU_STAT_CACHE_HITS, 1);
		emu_ck_block(ck->c1, &ck->k1, false, flags, e, tweak);
	} else {
		emu_stat_add(EMU_STAT_CACHE_MISSES, 1);
		emu_encrypt_uncached(wk, f.keytype, p, f.wlen, 0, f.wlen, e,
				     tweak);
		if (!(flags & EMU_NOCACHE))
			emu_refill_request(wk->gen, f.keytype, p, f.wlen);
	}
	rcu_read_unlock();

	gf_load(t, e);
	if (memchr_inv(block, 0, AES_BLOCK_SIZE)) {
		gf_alpha_pow(a, block);
		gf_mul(t, t, a);
	}
	gf_store(xts, t);
	memzero_explicit(e, sizeof(e));
	return 0;
}

int pkey_emu_pcc(unsigned long func, void *param)
{
	return emu_pcc(func, param, 0);
}
EXPORT_SYMBOL_GPL(pkey_emu_pcc);
