// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu: EP11 AES key blobs with header (PKEY_TYPE_EP11_AES), as the
 * emulated card makes them (docs/emulation.md has the byte table):
 *
 *   struct pkey_ep11kblob_header (16 bytes): type 0x00, hver 0x00, len =
 *   header and blob (272), version 0x06, bitlen 128/192/256;
 *   struct pkey_ep11keyblob (256 bytes): session zero (not session bound),
 *   wkvp = the card's 16-byte WKVP, attr = the keygenflags or by default
 *   ENCRYPT | DECRYPT | PROTKEY_EXTRACTABLE (0x00200c00), mode zero,
 *   version 0x1234, iv 14 random bytes, encrypted_key_data: the clear key
 *   zero padded to 48 bytes and wrapped under the wrapping key (domain 0x60
 *   | keytype), then zero; mac = a 32-byte MAC over header and blob.
 *
 * Multi-byte fields in the CPU's byte order.  A blob converts only while
 * its WKVP is the card's CURRENT one: EP11 has no old wrapping key.
 */
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/stddef.h>

#include "emu_internal.h"

#define EP_HDR			sizeof(struct pkey_ep11kblob_header)
#define EP_OFF(f)		(EP_HDR + offsetof(struct pkey_ep11keyblob, f))
#define EP_KEY_LEN		48	/* wrapped part of encrypted_key_data */
#define EP_DOMAIN		0x60
/* XCP_BLOB_ENCRYPT | XCP_BLOB_DECRYPT | XCP_BLOB_PROTKEY_EXTRACTABLE */
#define EP_ATTR_DEFAULT		0x00200c00

static int emu_ep_bits(u32 keytype)
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

static void emu_ep_seal_desc(struct emu_seal *s, u8 *tok, u32 keytype)
{
	*s = (struct emu_seal){
		.tok = tok, .len = EMU_EP11_BLOB_SIZE,
		.vp_off = EP_OFF(wkvp),
		.key_off = EP_OFF(encrypted_key_data), .key_len = EP_KEY_LEN,
		.mac_off = EP_OFF(mac),
		.mac_len = sizeof_field(struct pkey_ep11keyblob, mac),
		.domain = EP_DOMAIN | keytype,
	};
}

/*
 * Check every field but the WKVP and MAC; returns the keytype or -EINVAL.
 * A blob may be followed by zeros up to MAXEP11AESKEYBLOBSIZE, as the sysfs
 * ep11 attributes pad it.
 */
static int emu_ep_check(const u8 *tok, u32 len)
{
	const struct pkey_ep11kblob_header *h = (const void *)tok;
	const struct pkey_ep11keyblob *kb = (const void *)(tok + EP_HDR);
	u32 keytype;

	if (len < EMU_EP11_BLOB_SIZE || len > MAXEP11AESKEYBLOBSIZE ||
	    memchr_inv(tok + EMU_EP11_BLOB_SIZE, 0, len - EMU_EP11_BLOB_SIZE))
		return -EINVAL;
	switch (h->bitlen) {
	case 128:
		keytype = PKEY_KEYTYPE_AES_128;
		break;
	case 192:
		keytype = PKEY_KEYTYPE_AES_192;
		break;
	case 256:
		keytype = PKEY_KEYTYPE_AES_256;
		break;
	default:
		return -EINVAL;
	}
	if (h->type != PKEY_TOKTYPE_NON_CCA || h->hver ||
	    h->len != EMU_EP11_BLOB_SIZE ||
	    h->version != PKEY_TOKVER_EP11_AES_WITH_HEADER || h->res0 ||
	    memchr_inv(h->res1, 0, sizeof(h->res1)) ||
	    memchr_inv(kb->session, 0, sizeof(kb->session)) ||
	    kb->mode || kb->version != PKEY_EP11_STRUCT_MAGIC ||
	    memchr_inv(kb->encrypted_key_data + EP_KEY_LEN, 0,
		       sizeof(kb->encrypted_key_data) - EP_KEY_LEN))
		return -EINVAL;
	return keytype;
}

int emu_ep11_make(u32 keytype, u32 flags, const u8 *clr, u8 *tok)
{
	struct pkey_ep11kblob_header *h = (void *)tok;
	struct pkey_ep11keyblob *kb = (void *)(tok + EP_HDR);
	int bits = emu_ep_bits(keytype), rc;
	struct emu_seal s;

	BUILD_BUG_ON(EMU_EP11_BLOB_SIZE != 272);
	if (bits < 0)
		return bits;
	memset(tok, 0, EMU_EP11_BLOB_SIZE);
	h->type = PKEY_TOKTYPE_NON_CCA;
	h->len = EMU_EP11_BLOB_SIZE;
	h->version = PKEY_TOKVER_EP11_AES_WITH_HEADER;
	h->bitlen = bits;
	kb->attr = flags ?: EP_ATTR_DEFAULT;
	kb->version = PKEY_EP11_STRUCT_MAGIC;
	get_random_bytes(kb->iv, sizeof(kb->iv));
	memcpy(kb->encrypted_key_data, clr, bits / 8);
	emu_ep_seal_desc(&s, tok, keytype);
	rc = emu_card_seal(EMU_EP11, &s);
	if (rc) {
		memzero_explicit(tok, EMU_EP11_BLOB_SIZE);
		return rc;
	}
	return EMU_EP11_BLOB_SIZE;
}

int emu_ep11_to_clr(const u8 *tok, u32 len, u8 *clr)
{
	int keytype = emu_ep_check(tok, len), klen, rc;
	const struct pkey_ep11keyblob *kb = (const void *)(tok + EP_HDR);
	u8 buf[EMU_EP11_BLOB_SIZE];
	struct emu_seal s;
	u32 match;

	if (keytype < 0)
		return keytype;
	/* the real driver refuses blobs not marked for protected keys */
	if (!(kb->attr & PKEY_EP11_BLOB_PKEY_EXTRACTABLE))
		return -EINVAL;
	klen = emu_ep_bits(keytype) / 8;
	memcpy(buf, tok, sizeof(buf));
	emu_ep_seal_desc(&s, buf, keytype);
	rc = emu_card_unseal(EMU_EP11, &s, &match);
	if (!rc && memchr_inv(buf + s.key_off + klen, 0, EP_KEY_LEN - klen))
		rc = -EINVAL;
	if (!rc)
		memcpy(clr, buf + s.key_off, klen);
	memzero_explicit(buf, sizeof(buf));
	return rc ?: keytype;
}

int emu_ep11_verify(const u8 *tok, u32 len, u32 want, u32 *bits,
		    u32 *flags)
{
	int keytype = emu_ep_check(tok, len), rc;
	const struct pkey_ep11keyblob *kb = (const void *)(tok + EP_HDR);

	if (keytype < 0)
		return keytype;
	if (!(kb->attr & PKEY_EP11_BLOB_PKEY_EXTRACTABLE))
		return -EINVAL;
	/* only CURRENT: on a match the flag is always MATCH_CUR_MKVP */
	rc = emu_card_match(EMU_EP11, tok + EP_OFF(wkvp),
			    want & PKEY_FLAGS_MATCH_CUR_MKVP);
	if (rc < 0)
		return rc;
	*bits = emu_ep_bits(keytype);
	*flags = rc;
	return 0;
}
