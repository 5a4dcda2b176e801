// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu: CCA secure-key tokens, as the emulated card makes them
 * (docs/emulation.md has the byte tables).  Multi-byte fields are in the
 * CPU's byte order, little-endian here, as the real driver reads them in
 * its own (big-endian) one.
 *
 * AESDATA (struct pkey_secaeskeytoken, 64 bytes): flag 0x80, cv zero,
 * bitsize/keysize, key[32] = the clear key zero padded and wrapped under
 * the master key (domain 0x40 | keytype), tvv = 32-bit big-endian sum of
 * the first fifteen big-endian 32-bit words.
 *
 * AESCIPHER (struct pkey_cipherkeytoken + 80 bytes of vdata, 136 bytes):
 * the fixed part a card makes for an internal AES CIPHER key exportable to
 * CPACF; wpllen 512/576/640 bits (payload version 0) tells the key size.
 * vdata holds wpllen / 8 bytes: the clear key zero padded to wpllen / 8 -
 * 16 bytes and wrapped under the master key (domain 0x50 | keytype), then
 * a 16-byte MAC over the whole plaintext token; the rest is zero.
 *
 * Both convert under the CURRENT or OLD master key (emu_card.c).
 */
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/stddef.h>
#include <pkeydm/kcompat.h>

#include "emu_internal.h"

#define EMU_SK_FLAG		0x80
#define EMU_SK_DOMAIN		0x40
#define SK_OFF(f)		offsetof(struct pkey_secaeskeytoken, f)

#define EMU_CT_DOMAIN		0x50
#define CT_OFF(f)		offsetof(struct pkey_cipherkeytoken, f)
#define CT_FIXED		sizeof(struct pkey_cipherkeytoken)	/* 56 */
#define CT_VDATA		(EMU_CCA_CIPHER_SIZE - CT_FIXED)	/* 80 */
#define CT_MAC			16

/* fixed-part values of the tokens the emulated card makes */
#define CT_KMS			0x03	/* wrapped under the master key */
#define CT_KVPT			0x01	/* MKVP in mkvp0 */
#define CT_ESKWM		0x02	/* AESKW */
#define CT_HASHALG		0x02	/* SHA-256 */
#define CT_ADSVER		0x01
#define CT_ADSLEN		26
#define CT_ALGTYPE		0x02	/* AES */
#define CT_KEYTYPE		0x0001	/* CIPHER */
#define CT_KUFC			0x02
#define CT_KUF1			0xc000	/* encipher, decipher */
#define CT_KUF2			0xff00	/* any mode */
#define CT_KMFC			0x03
#define CT_KMF1			0x08c8	/* XPRTCPAC, NOEX-RAW/DES/AES/RSA */

static int emu_aes_bits(u32 keytype)
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

static u32 emu_aes_keytype(unsigned int bits)
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

/* ---- AESDATA ---- */

static u32 emu_sk_tvv(const u8 *tok)
{
	u32 sum = 0;
	int i;

	for (i = 0; i < SK_OFF(tvv) / 4; i++)
		sum += get_unaligned_be32(tok + 4 * i);
	return sum;
}

/* Check every field but the MKVP; returns the keytype or -EINVAL. */
static int emu_sk_check(const u8 *tok, u32 len)
{
	const struct pkey_secaeskeytoken *t = (const void *)tok;
	unsigned int bits;
	u32 keytype;

	if (len != SECKEYBLOBSIZE)
		return -EINVAL;
	bits = t->bitsize;
	keytype = emu_aes_keytype(bits);
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

static void emu_sk_seal_desc(struct emu_seal *s, u8 *tok, u32 keytype)
{
	*s = (struct emu_seal){
		.tok = tok, .len = SECKEYBLOBSIZE,
		.vp_off = SK_OFF(mkvp),
		.key_off = SK_OFF(key), .key_len = 32,
		.domain = EMU_SK_DOMAIN | keytype,
	};
}

int emu_cca_data_make(u32 keytype, const u8 *clr, u8 *tok)
{
	struct pkey_secaeskeytoken *t = (void *)tok;
	int bits = emu_aes_bits(keytype), rc;
	struct emu_seal s;

	if (bits < 0)
		return bits;
	BUILD_BUG_ON(sizeof(struct pkey_secaeskeytoken) != SECKEYBLOBSIZE);
	memset(tok, 0, SECKEYBLOBSIZE);
	t->type = PKEY_TOKTYPE_CCA_INTERNAL;
	t->version = PKEY_TOKVER_CCA_AES;
	t->flag = EMU_SK_FLAG;
	t->bitsize = bits;
	t->keysize = bits / 8;
	memcpy(t->key, clr, bits / 8);
	emu_sk_seal_desc(&s, tok, keytype);
	rc = emu_card_seal(EMU_CCA, &s);
	if (rc) {
		memzero_explicit(tok, SECKEYBLOBSIZE);
		return rc;
	}
	put_unaligned_be32(emu_sk_tvv(tok), tok + SK_OFF(tvv));
	return SECKEYBLOBSIZE;
}

int emu_cca_data_to_clr(const u8 *tok, u32 len, u8 *clr)
{
	int keytype = emu_sk_check(tok, len), klen, rc;
	u8 buf[SECKEYBLOBSIZE];
	struct emu_seal s;
	u32 match;

	if (keytype < 0)
		return keytype;
	klen = emu_aes_bits(keytype) / 8;
	memcpy(buf, tok, sizeof(buf));
	emu_sk_seal_desc(&s, buf, keytype);
	rc = emu_card_unseal(EMU_CCA, &s, &match);
	/* the padding after the key must come back zero, else tampered */
	if (!rc && memchr_inv(buf + SK_OFF(key) + klen, 0, 32 - klen))
		rc = -EINVAL;
	if (!rc)
		memcpy(clr, buf + SK_OFF(key), klen);
	memzero_explicit(buf, sizeof(buf));
	return rc ?: keytype;
}

int emu_cca_data_verify(const u8 *tok, u32 len, u32 want, u32 *bits,
			u32 *flags)
{
	int keytype = emu_sk_check(tok, len), rc;

	if (keytype < 0)
		return keytype;
	rc = emu_card_match(EMU_CCA, tok + SK_OFF(mkvp), want);
	if (rc < 0)
		return rc;
	*bits = emu_aes_bits(keytype);
	*flags = rc;
	return 0;
}

/* ---- AESCIPHER ---- */

static int emu_ct_wpllen(u32 keytype)
{
	int bits = emu_aes_bits(keytype);

	/* payload version 0: 512, 576 or 640 bits for AES-128/192/256 */
	return bits < 0 ? bits : 512 + (bits - 128) / 64 * 64;
}

static u32 emu_ct_keytype(unsigned int wpllen)
{
	switch (wpllen) {
	case 512:
		return PKEY_KEYTYPE_AES_128;
	case 576:
		return PKEY_KEYTYPE_AES_192;
	case 640:
		return PKEY_KEYTYPE_AES_256;
	default:
		return 0;
	}
}

static void emu_ct_seal_desc(struct emu_seal *s, u8 *tok, u32 keytype)
{
	unsigned int n = emu_ct_wpllen(keytype) / 8;

	*s = (struct emu_seal){
		.tok = tok, .len = EMU_CCA_CIPHER_SIZE,
		.vp_off = CT_OFF(mkvp0),
		.key_off = CT_FIXED, .key_len = n - CT_MAC,
		.mac_off = CT_FIXED + n - CT_MAC, .mac_len = CT_MAC,
		.domain = EMU_CT_DOMAIN | keytype,
	};
}

/* Check every field but the MKVP and MAC; returns the keytype or -EINVAL. */
static int emu_ct_check(const u8 *tok, u32 len)
{
	const struct pkey_cipherkeytoken *t = (const void *)tok;
	u32 keytype;

	if (len != EMU_CCA_CIPHER_SIZE)
		return -EINVAL;
	keytype = emu_ct_keytype(t->wpllen);
	if (t->type != PKEY_TOKTYPE_CCA_INTERNAL || t->res0[0] ||
	    t->len != EMU_CCA_CIPHER_SIZE ||
	    t->version != PKEY_TOKVER_CCA_VLSC ||
	    memchr_inv(t->res1, 0, sizeof(t->res1)) ||
	    t->kms != CT_KMS || t->kvpt != CT_KVPT || t->mkvp1 ||
	    t->eskwm != CT_ESKWM || t->hashalg != CT_HASHALG ||
	    t->plfver || t->res2[0] || t->adsver != CT_ADSVER || t->res3[0] ||
	    t->adslen != CT_ADSLEN || t->kllen || t->ieaslen || t->uadlen ||
	    t->res4[0] || !keytype || t->res5[0] ||
	    t->algtype != CT_ALGTYPE || t->keytype != CT_KEYTYPE ||
	    t->kufc != CT_KUFC || t->kuf1 != CT_KUF1 || t->kuf2 != CT_KUF2 ||
	    t->kmfc != CT_KMFC || t->kmf2 || t->kmf3 ||
	    !(t->kmf1 & PKEY_KEYGEN_XPRT_CPAC) ||
	    memchr_inv(tok + CT_FIXED + t->wpllen / 8, 0,
		       EMU_CCA_CIPHER_SIZE - CT_FIXED - t->wpllen / 8))
		return -EINVAL;
	return keytype;
}

int emu_cca_cipher_make(u32 keytype, u32 flags, const u8 *clr, u8 *tok)
{
	struct pkey_cipherkeytoken *t = (void *)tok;
	int bits = emu_aes_bits(keytype), rc;
	struct emu_seal s;
	u16 kmf1;

	BUILD_BUG_ON(CT_FIXED != 56);
	if (bits < 0 || (flags & ~0xffffU))
		return -EINVAL;
	/* keygenflags: the upper byte adds to kmf1, the lower one removes */
	kmf1 = (CT_KMF1 | (flags & 0xff00)) & ~(flags & 0xff);
	memset(tok, 0, EMU_CCA_CIPHER_SIZE);
	t->type = PKEY_TOKTYPE_CCA_INTERNAL;
	t->len = EMU_CCA_CIPHER_SIZE;
	t->version = PKEY_TOKVER_CCA_VLSC;
	t->kms = CT_KMS;
	t->kvpt = CT_KVPT;
	t->eskwm = CT_ESKWM;
	t->hashalg = CT_HASHALG;
	t->adsver = CT_ADSVER;
	t->adslen = CT_ADSLEN;
	t->wpllen = emu_ct_wpllen(keytype);
	t->algtype = CT_ALGTYPE;
	t->keytype = CT_KEYTYPE;
	t->kufc = CT_KUFC;
	t->kuf1 = CT_KUF1;
	t->kuf2 = CT_KUF2;
	t->kmfc = CT_KMFC;
	t->kmf1 = kmf1;
	memcpy(tok + CT_FIXED, clr, bits / 8);
	emu_ct_seal_desc(&s, tok, keytype);
	rc = emu_card_seal(EMU_CCA, &s);
	if (rc) {
		memzero_explicit(tok, EMU_CCA_CIPHER_SIZE);
		return rc;
	}
	return EMU_CCA_CIPHER_SIZE;
}

int emu_cca_cipher_to_clr(const u8 *tok, u32 len, u8 *clr)
{
	int keytype = emu_ct_check(tok, len), klen, rc;
	u8 buf[EMU_CCA_CIPHER_SIZE];
	struct emu_seal s;
	u32 match;

	if (keytype < 0)
		return keytype;
	klen = emu_aes_bits(keytype) / 8;
	memcpy(buf, tok, sizeof(buf));
	emu_ct_seal_desc(&s, buf, keytype);
	rc = emu_card_unseal(EMU_CCA, &s, &match);
	if (!rc && memchr_inv(buf + CT_FIXED + klen, 0, s.key_len - klen))
		rc = -EINVAL;
	if (!rc)
		memcpy(clr, buf + CT_FIXED, klen);
	memzero_explicit(buf, sizeof(buf));
	return rc ?: keytype;
}

int emu_cca_cipher_verify(const u8 *tok, u32 len, u32 want, u32 *bits,
			  u32 *flags)
{
	int keytype = emu_ct_check(tok, len), rc;

	if (keytype < 0)
		return keytype;
	rc = emu_card_match(EMU_CCA, tok + CT_OFF(mkvp0), want);
	if (rc < 0)
		return rc;
	*bits = emu_aes_bits(keytype);
	*flags = rc;
	return 0;
}
