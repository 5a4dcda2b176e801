// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu: an emulated crypto card (one APQN answering every card/domain)
 * with a settable AES master key, and CCA AESDATA internal secure-key
 * tokens enciphered under it (layout: struct pkey_secaeskeytoken).
 *
 *  - master key: the module parameter master_key (64 hex digits) or, without
 *    it, 256 random bits at load; settable through emu/master_key, and the
 *    previous one is kept as the "old" master key so PKEY_VERIFYKEY can flag
 *    keys enciphered under it.  A real card keeps its master key across
 *    boots, so secure keys stay usable; the parameter (from modprobe.d) is
 *    how an emulated machine does the same.  It is key material: perm 0, so
 *    sysfs never shows it, and its string is wiped once parsed.
 *  - MKVP: the first 8 bytes of AES-256_MK("pkey_emu-mkvp-00"), stored in
 *    the token's mkvp field in that byte order.
 *  - key[32]: the clear key zero padded to 32 bytes, wrapped under the
 *    master key with emu_aes_wrap() (domain 0x40 | keytype).
 *  - flag 0x80, cv zero, bitsize 128/192/256 and keysize 16/24/32 (u16, CPU
 *    byte order), tvv = 32-bit big-endian sum of the token's first fifteen
 *    big-endian 32-bit words.
 *
 * This protects nothing; it is for development and CI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stddef.h>
#include <pkeydm/kcompat.h>
#include <crypto/aes.h>
#include <crypto/algapi.h>

#include "emu_internal.h"

/*
 * A charp, not a parameter with its own parser: a set callback that failed
 * would make the module loader print the rejected value, which may be a
 * mistyped key.  emu_seckey_init() checks it and says what is wrong instead.
 */
static char *master_key;
module_param(master_key, charp, 0);
MODULE_PARM_DESC(master_key,
		 "Crypto card AES master key, 64 hex digits (default: random per load)");

#define EMU_SK_FLAG	0x80
#define EMU_SK_DOMAIN	0x40
#define SK_OFF(f)	offsetof(struct pkey_secaeskeytoken, f)

struct emu_mk {
	bool set;
	struct crypto_aes_ctx ctx;
	u8 mkvp[EMU_MKVP_SIZE];
};

static struct emu_mk emu_mk_cur, emu_mk_old;
static DEFINE_MUTEX(emu_mk_lock);

static void emu_mk_derive(struct emu_mk *mk, const u8 key[32])
{
	static const u8 pt[AES_BLOCK_SIZE] = {
		'p', 'k', 'e', 'y', '_', 'e', 'm', 'u',
		'-', 'm', 'k', 'v', 'p', '-', '0', '0'
	};
	u8 blk[AES_BLOCK_SIZE];

	aes_expandkey(&mk->ctx, key, AES_KEYSIZE_256);
	aes_encrypt(&mk->ctx, blk, pt);
	memcpy(mk->mkvp, blk, EMU_MKVP_SIZE);
	mk->set = true;
}

int emu_set_master_key(const u8 mk[32])
{
	mutex_lock(&emu_mk_lock);
	memzero_explicit(&emu_mk_old, sizeof(emu_mk_old));
	emu_mk_old = emu_mk_cur;
	emu_mk_derive(&emu_mk_cur, mk);
	mutex_unlock(&emu_mk_lock);
	return 0;
}

void emu_get_mkvp(u8 mkvp[EMU_MKVP_SIZE])
{
	mutex_lock(&emu_mk_lock);
	memcpy(mkvp, emu_mk_cur.mkvp, EMU_MKVP_SIZE);
	mutex_unlock(&emu_mk_lock);
}

static int emu_sk_bits(u32 keytype)
{
	switch (keytype) {
	case PKEY_KEYTYPE_AES_128:
		return 128;
	case PKEY_KEYTYPE_AES_192:
		return 192;
	case PKEY_KEYTYPE_AES_256:
		return 256;
	default:
		return -EINVAL;
	}
}

static u32 emu_sk_keytype(unsigned int bits)
{
	switch (bits) {
	case 128:
		return PKEY_KEYTYPE_AES_128;
	case 192:
		return PKEY_KEYTYPE_AES_192;
	case 256:
		return PKEY_KEYTYPE_AES_256;
	default:
		return 0;
	}
}

static u32 emu_sk_tvv(const u8 *tok)
{
	u32 sum = 0;
	int i;

	for (i = 0; i < SK_OFF(tvv) / 4; i++)
		sum += get_unaligned_be32(tok + 4 * i);
	return sum;
}

/* Check every field but the MKVP; returns the keytype or -EINVAL. */
static int emu_sk_check(const u8 *tok)
{
	const struct pkey_secaeskeytoken *t = (const void *)tok;
	unsigned int bits = t->bitsize;
	u32 keytype = emu_sk_keytype(bits);

	if (t->type != PKEY_TOKTYPE_CCA_INTERNAL ||
	    t->version != PKEY_TOKVER_CCA_AES ||
	    t->flag != EMU_SK_FLAG ||
	    memchr_inv(t->res0, 0, sizeof(t->res0)) ||
	    memchr_inv(t->res1, 0, sizeof(t->res1)) ||
	    memchr_inv(t->res2, 0, sizeof(t->res2)) ||
	    memchr_inv(t->cv, 0, sizeof(t->cv)) ||
	    !keytype || t->keysize != bits / 8 ||
	    get_unaligned_be32(t->tvv) != emu_sk_tvv(tok))
		return -EINVAL;
	return keytype;
}

int emu_clr2seckey(u32 keytype, const u8 *clr, u8 seckey[SECKEYBLOBSIZE])
{
	struct pkey_secaeskeytoken *t = (void *)seckey;
	int bits = emu_sk_bits(keytype);
	u8 buf[32] = { 0 };

	if (bits < 0)
		return bits;
	BUILD_BUG_ON(sizeof(struct pkey_secaeskeytoken) != SECKEYBLOBSIZE);
	memset(seckey, 0, SECKEYBLOBSIZE);
	t->type = PKEY_TOKTYPE_CCA_INTERNAL;
	t->version = PKEY_TOKVER_CCA_AES;
	t->flag = EMU_SK_FLAG;
	t->bitsize = bits;
	t->keysize = bits / 8;
	memcpy(buf, clr, bits / 8);
	mutex_lock(&emu_mk_lock);
	memcpy(seckey + SK_OFF(mkvp), emu_mk_cur.mkvp, EMU_MKVP_SIZE);
	emu_aes_wrap(&emu_mk_cur.ctx, EMU_SK_DOMAIN | keytype, buf, sizeof(buf));
	mutex_unlock(&emu_mk_lock);
	memcpy(seckey + SK_OFF(key), buf, sizeof(buf));
	memzero_explicit(buf, sizeof(buf));
	put_unaligned_be32(emu_sk_tvv(seckey), seckey + SK_OFF(tvv));
	return 0;
}

int emu_gen_seckey(u32 keytype, u8 seckey[SECKEYBLOBSIZE])
{
	u8 clr[32];
	int rc;

	get_random_bytes(clr, sizeof(clr));
	rc = emu_clr2seckey(keytype, clr, seckey);
	memzero_explicit(clr, sizeof(clr));
	return rc;
}

/*
 * A conversion is a request to the crypto card, which the real driver builds
 * in memory allocated per request with GFP_KERNEL (the CPRB, and an AP
 * message of up to MSGTYPE06_MAX_MSG_SIZE).  The emulation allocates the
 * same, so that a caller which must not recurse into I/O (a daemon repairing
 * a swap device) has to protect itself here as it must on real hardware.
 */
#define EMU_CARD_MSG_SIZE	(12 * 1024)

/*
 * Secure key -> clear key.  -EINVAL for a malformed token, -ENODEV when no
 * (emulated) card has the token's MKVP as its current master key, as the
 * real driver's cca_findcard() does.
 */
int emu_seckey2clr(const u8 seckey[SECKEYBLOBSIZE], u8 *clr)
{
	int keytype = emu_sk_check(seckey), klen, rc = 0;
	u8 buf[32];
	u8 *msg;

	if (keytype < 0)
		return keytype;
	klen = emu_keytype_len(keytype);
	msg = kzalloc(EMU_CARD_MSG_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, seckey, SECKEYBLOBSIZE);
	memcpy(buf, msg + SK_OFF(key), sizeof(buf));
	kfree_sensitive(msg);
	mutex_lock(&emu_mk_lock);
	if (!emu_mk_cur.set ||
	    memcmp(seckey + SK_OFF(mkvp), emu_mk_cur.mkvp, EMU_MKVP_SIZE))
		rc = -ENODEV;
	else
		emu_aes_unwrap(&emu_mk_cur.ctx, EMU_SK_DOMAIN | keytype, buf,
			       sizeof(buf));
	mutex_unlock(&emu_mk_lock);
	if (!rc && memchr_inv(buf + klen, 0, sizeof(buf) - klen))
		rc = -EINVAL;	/* key[] was tampered with */
	if (!rc)
		memcpy(clr, buf, klen);
	memzero_explicit(buf, sizeof(buf));
	return rc ?: keytype;
}

int emu_verify_seckey(const u8 seckey[SECKEYBLOBSIZE], u16 *keybits,
		      u32 *attributes)
{
	int keytype = emu_sk_check(seckey), rc = 0;
	const u8 *mkvp = seckey + SK_OFF(mkvp);

	if (keytype < 0)
		return keytype;
	*keybits = emu_sk_bits(keytype);
	*attributes = PKEY_VERIFY_ATTR_AES;
	mutex_lock(&emu_mk_lock);
	if (!emu_mk_cur.set || memcmp(mkvp, emu_mk_cur.mkvp, EMU_MKVP_SIZE)) {
		if (emu_mk_old.set &&
		    !memcmp(mkvp, emu_mk_old.mkvp, EMU_MKVP_SIZE))
			*attributes |= PKEY_VERIFY_ATTR_OLD_MKVP;
		else
			rc = -ENODEV;
	}
	mutex_unlock(&emu_mk_lock);
	return rc;
}

/* The master_key parameter into @mk: 0, or -EINVAL unless 64 hex digits. */
static int emu_parse_master_key(u8 mk[32])
{
	size_t len = strlen(master_key);
	int rc = 0;

	if (len != 64) {
		pr_err("invalid master_key parameter: %zu characters, expected 64 hex digits\n",
		       len);
		rc = -EINVAL;
	} else if (hex2bin(mk, master_key, 32)) {
		pr_err("invalid master_key parameter: not 64 hex digits\n");
		rc = -EINVAL;
	}
	memzero_explicit(master_key, len);
	if (rc)
		memzero_explicit(mk, 32);
	return rc;
}

int emu_seckey_init(void)
{
	u8 mk[32], mkvp[EMU_MKVP_SIZE];
	int rc;

	if (master_key) {
		rc = emu_parse_master_key(mk);
		if (rc)
			return rc;
	} else {
		get_random_bytes(mk, sizeof(mk));
	}
	emu_set_master_key(mk);
	memzero_explicit(mk, sizeof(mk));
	memzero_explicit(&emu_mk_old, sizeof(emu_mk_old));
	if (master_key) {
		emu_get_mkvp(mkvp);
		pr_info("crypto card master key from the master_key parameter, MKVP %*phN\n",
			EMU_MKVP_SIZE, mkvp);
	}
	return 0;
}

void emu_seckey_exit(void)
{
	mutex_lock(&emu_mk_lock);
	memzero_explicit(&emu_mk_cur, sizeof(emu_mk_cur));
	memzero_explicit(&emu_mk_old, sizeof(emu_mk_old));
	mutex_unlock(&emu_mk_lock);
}
