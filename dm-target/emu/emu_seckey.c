// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu: secure keys of every type the emulated card makes (CCA AESDATA,
 * CCA AESCIPHER, EP11 AES with header), told apart by their header as the
 * real pkey driver does, for the ioctls and sysfs.
 */
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/string.h>

#include "emu_internal.h"

int emu_seckey_size(u32 type)
{
	switch (type) {
	case PKEY_TYPE_CCA_DATA:
		return SECKEYBLOBSIZE;
	case PKEY_TYPE_CCA_CIPHER:
		return EMU_CCA_CIPHER_SIZE;
	case PKEY_TYPE_EP11_AES:
		return EMU_EP11_BLOB_SIZE;
	default:
		return -EINVAL;	/* PKEY_TYPE_EP11 (no header) included */
	}
}

int emu_seckey_type(const u8 *blob, u32 len)
{
	const struct pkey_keytoken_hdr *hdr = (const void *)blob;

	if (len < sizeof(*hdr))
		return -EINVAL;
	if (hdr->type == PKEY_TOKTYPE_CCA_INTERNAL &&
	    hdr->version == PKEY_TOKVER_CCA_AES)
		return PKEY_TYPE_CCA_DATA;
	if (hdr->type == PKEY_TOKTYPE_CCA_INTERNAL &&
	    hdr->version == PKEY_TOKVER_CCA_VLSC)
		return PKEY_TYPE_CCA_CIPHER;
	if (hdr->type == PKEY_TOKTYPE_NON_CCA &&
	    hdr->version == PKEY_TOKVER_EP11_AES_WITH_HEADER)
		return PKEY_TYPE_EP11_AES;
	return -EINVAL;
}

int emu_seckey_from_clr(u32 type, u32 keytype, u32 flags, const u8 *clr,
			u8 *blob)
{
	switch (type) {
	case PKEY_TYPE_CCA_DATA:
		return emu_cca_data_make(keytype, clr, blob);
	case PKEY_TYPE_CCA_CIPHER:
		return emu_cca_cipher_make(keytype, flags, clr, blob);
	case PKEY_TYPE_EP11_AES:
		return emu_ep11_make(keytype, flags, clr, blob);
	default:
		return -EINVAL;
	}
}

int emu_seckey_gen(u32 type, u32 keytype, u32 flags, u8 *blob)
{
	u8 clr[EMU_SK_CLR_MAX];
	int rc;

	get_random_bytes(clr, sizeof(clr));
	rc = emu_seckey_from_clr(type, keytype, flags, clr, blob);
	memzero_explicit(clr, sizeof(clr));
	return rc;
}

int emu_seckey_to_clr(const u8 *blob, u32 len, u8 *clr)
{
	switch (emu_seckey_type(blob, len)) {
	case PKEY_TYPE_CCA_DATA:
		return emu_cca_data_to_clr(blob, len, clr);
	case PKEY_TYPE_CCA_CIPHER:
		return emu_cca_cipher_to_clr(blob, len, clr);
	case PKEY_TYPE_EP11_AES:
		return emu_ep11_to_clr(blob, len, clr);
	default:
		return -EINVAL;
	}
}

static int emu_seckey_verify_want(const u8 *blob, u32 len, u32 want,
				  u32 *type, u32 *bits, u32 *flags)
{
	int t = emu_seckey_type(blob, len);

	*type = t;
	switch (t) {
	case PKEY_TYPE_CCA_DATA:
		return emu_cca_data_verify(blob, len, want, bits, flags);
	case PKEY_TYPE_CCA_CIPHER:
		return emu_cca_cipher_verify(blob, len, want, bits, flags);
	case PKEY_TYPE_EP11_AES:
		return emu_ep11_verify(blob, len, want, bits, flags);
	default:
		return -EINVAL;
	}
}

int emu_seckey_verify(const u8 *blob, u32 len, u32 *type, u32 *bits,
		      u32 *flags)
{
	return emu_seckey_verify_want(blob, len, PKEY_FLAGS_MATCH_CUR_MKVP |
				      PKEY_FLAGS_MATCH_ALT_MKVP,
				      type, bits, flags);
}

int emu_seckey_apqn_match(const u8 *blob, u32 len, u32 flags)
{
	u32 type, bits, match;
	int rc;

	if (!(flags & (PKEY_FLAGS_MATCH_CUR_MKVP | PKEY_FLAGS_MATCH_ALT_MKVP)))
		flags |= PKEY_FLAGS_MATCH_CUR_MKVP | PKEY_FLAGS_MATCH_ALT_MKVP;
	/* EP11 matches its WKVP against CURRENT whatever the flags say */
	if (emu_seckey_type(blob, len) == PKEY_TYPE_EP11_AES)
		flags |= PKEY_FLAGS_MATCH_CUR_MKVP;
	rc = emu_seckey_verify_want(blob, len, flags, &type, &bits, &match);
	if (rc == -ENODEV)
		return 0;
	return rc ? rc : 1;
}
