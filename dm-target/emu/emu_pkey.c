// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu: /dev/pkey with the s390 pkey ioctls, sysfs under
 * /sys/devices/virtual/misc/pkey/, and the module's init/exit.
 *
 * An x86_64 stand-in for the IBM Z firmware and the s390 pkey driver, for
 * development and CI of pkeydm.  It protects nothing: the wrapping key and
 * the master key live in ordinary kernel memory.  See docs/emulation.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "emu_internal.h"

#define EMU_KEYBLOB_MAX		8192	/* KEYBLOBBUFSIZE of the real driver */
#define EMU_APQNS_MAX		256
#define EMU_TOKHDR_SIZE		sizeof(struct pkey_keytoken_hdr)
#define EMU_TOK_SIZE		16	/* header + keytype + len */

/* ---- key blobs (PKEY_KBLOB2PROTK, PKEY_KBLOB2PROTK3) ---- */

static int emu_blob_protkey(const u8 *blob, u32 bloblen, u8 *prot,
			    u32 *keytype)
{
	const struct pkey_protaeskeytoken *t = (const void *)blob;
	int klen, rc;

	if (bloblen < EMU_TOK_SIZE ||
	    memchr_inv(t->res0, 0, sizeof(t->res0)) ||
	    memchr_inv(t->res1, 0, sizeof(t->res1)))
		return -EINVAL;
	klen = emu_keytype_len(t->keytype);
	if (klen < 0 || t->len != klen + EMU_WKVP_SIZE)
		return -EINVAL;
	/* an 80-byte protaeskeytoken (zero padded) or header + key exactly */
	if (bloblen != EMU_TOK_SIZE + t->len &&
	    !(bloblen == PROTKEYBLOBSIZE && t->len <= MAXPROTKEYSIZE &&
	      !memchr_inv(blob + EMU_TOK_SIZE + t->len, 0,
			  bloblen - EMU_TOK_SIZE - t->len)))
		return -EINVAL;
	rc = emu_verify_protkey(t->keytype, blob + EMU_TOK_SIZE, t->len);
	if (rc)
		return rc;	/* stale: can never be converted again */
	memcpy(prot, blob + EMU_TOK_SIZE, t->len);
	*keytype = t->keytype;
	return t->len;
}

static int emu_blob_clrkey(const u8 *blob, u32 bloblen, u8 *prot,
			   u32 *keytype)
{
	const struct pkey_clearkeytoken *t = (const void *)blob;
	int klen, rc;

	if (bloblen < EMU_TOK_SIZE ||
	    memchr_inv(t->res0, 0, sizeof(t->res0)) ||
	    memchr_inv(t->res1, 0, sizeof(t->res1)))
		return -EINVAL;
	klen = emu_keytype_len(t->keytype);
	if (klen < 0 || t->len != klen || bloblen != EMU_TOK_SIZE + klen)
		return -EINVAL;
	rc = emu_clr2protkey(t->keytype, t->clearkey, prot);
	if (rc >= 0)
		*keytype = t->keytype;
	return rc;
}

static int emu_blob_seckey(const u8 *blob, u32 bloblen,
			   const struct pkey_apqn *apqns, u32 nr_apqns,
			   u8 *prot, u32 *keytype)
{
	u8 clr[EMU_SK_CLR_MAX];
	int rc, kt;

	rc = emu_card_apqns(apqns, nr_apqns);
	if (rc)
		return rc;
	kt = emu_seckey_to_clr(blob, bloblen, clr);
	if (kt < 0)
		return kt;
	rc = emu_clr2protkey(kt, clr, prot);
	memzero_explicit(clr, sizeof(clr));
	if (rc >= 0)
		*keytype = kt;
	return rc;
}

/*
 * Any supported key blob -> protected key; returns its length.  An APQN
 * list (@nr_apqns may be 0) only matters for secure keys, as on s390.
 */
static int emu_blob2protkey(const u8 *blob, u32 bloblen,
			    const struct pkey_apqn *apqns, u32 nr_apqns,
			    u8 *prot, u32 *keytype)
{
	const struct pkey_keytoken_hdr *hdr = (const void *)blob;

	if (bloblen < EMU_TOKHDR_SIZE)
		return -EINVAL;
	if (emu_seckey_type(blob, bloblen) >= 0)
		return emu_blob_seckey(blob, bloblen, apqns, nr_apqns, prot,
				       keytype);
	if (hdr->type != PKEY_TOKTYPE_NON_CCA)
		return -EINVAL;
	switch (hdr->version) {
	case PKEY_TOKVER_PROTECTED_KEY:
		return emu_blob_protkey(blob, bloblen, prot, keytype);
	case PKEY_TOKVER_CLEAR_KEY:
		return emu_blob_clrkey(blob, bloblen, prot, keytype);
	default:
		return -EINVAL;
	}
}

static u8 *emu_copy_blob(const u8 __user *ukey, u32 keylen)
{
	if (!ukey || keylen < EMU_TOKHDR_SIZE || keylen > EMU_KEYBLOB_MAX)
		return ERR_PTR(-EINVAL);
	return memdup_user(ukey, keylen);
}

/*
 * An APQN list from userspace: NULL with *nr = 0 if there is none (a NULL
 * pointer or no entries), -EINVAL beyond EMU_APQNS_MAX entries.
 */
static struct pkey_apqn *emu_copy_apqns(const struct pkey_apqn __user *u,
					u32 *nr)
{
	if (!u || !*nr) {
		*nr = 0;
		return NULL;
	}
	if (*nr > EMU_APQNS_MAX)
		return ERR_PTR(-EINVAL);
	return memdup_user(u, *nr * sizeof(struct pkey_apqn));
}

/*
 * The key blob and APQN list of a KBLOB2PROTK* request, copied in and
 * converted; returns the protected key's length in @prot or an errno.
 */
static int emu_ublob2protkey(const u8 __user *ukey, u32 keylen,
			     const struct pkey_apqn __user *uapqns, u32 nr,
			     u8 *prot, u32 *keytype)
{
	struct pkey_apqn *apqns;
	u8 *blob;
	int rc;

	apqns = emu_copy_apqns(uapqns, &nr);
	if (IS_ERR(apqns))
		return PTR_ERR(apqns);
	blob = emu_copy_blob(ukey, keylen);
	if (IS_ERR(blob)) {
		kfree(apqns);
		return PTR_ERR(blob);
	}
	rc = emu_blob2protkey(blob, keylen, apqns, nr, prot, keytype);
	kfree_sensitive(blob);
	kfree(apqns);
	return rc;
}

/* ---- ioctls ---- */

static long emu_genseck(void __user *uarg)
{
	struct pkey_genseck k;
	long rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	rc = emu_seckey_gen(PKEY_TYPE_CCA_DATA, k.keytype, 0, k.seckey.seckey);
	if (rc > 0)
		rc = 0;
	if (!rc && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
	memzero_explicit(&k, sizeof(k));
	return rc;
}

static long emu_clr2seck(void __user *uarg)
{
	struct pkey_clr2seck k;
	long rc;

	if (copy_from_user(&k, uarg, sizeof(k))) {
		memzero_explicit(&k, sizeof(k));
		return -EFAULT;
	}
	rc = emu_seckey_from_clr(PKEY_TYPE_CCA_DATA, k.keytype, 0,
				 k.clrkey.clrkey, k.seckey.seckey);
	if (rc > 0)
		rc = 0;
	/* the caller's clrkey is copied back unchanged, as by the real driver */
	if (!rc && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
	memzero_explicit(&k, sizeof(k));
	return rc;
}

/* protected key into a struct pkey_protkey (at most MAXPROTKEYSIZE bytes) */
static int emu_fill_protkey(struct pkey_protkey *pk, u32 keytype,
			    const u8 *prot, int protlen)
{
	if (protlen < 0)
		return protlen;
	if (protlen > MAXPROTKEYSIZE)
		return -EINVAL;
	memset(pk, 0, sizeof(*pk));
	pk->type = keytype;
	pk->len = protlen;
	memcpy(pk->protkey, prot, protlen);
	return 0;
}

/* keytypes whose protected key fits struct pkey_protkey */
static bool emu_protkey_fits(u32 keytype)
{
	int klen = emu_keytype_len(keytype);

	return klen > 0 && klen + EMU_WKVP_SIZE <= MAXPROTKEYSIZE;
}

static long emu_sec2protk(void __user *uarg)
{
	struct pkey_sec2protk k;
	u8 clr[EMU_SK_CLR_MAX], prot[EMU_MAX_PROTKEY];
	int rc, kt;

	if (copy_from_user(&k, uarg, sizeof(k))) {
		memzero_explicit(&k, sizeof(k));
		return -EFAULT;
	}
	/* a CCA AESDATA key: other types do not fit in 64 bytes */
	if (emu_seckey_type(k.seckey.seckey, SECKEYBLOBSIZE) !=
	    PKEY_TYPE_CCA_DATA)
		kt = -EINVAL;
	else
		kt = emu_seckey_to_clr(k.seckey.seckey, SECKEYBLOBSIZE, clr);
	if (kt < 0) {
		rc = kt;
		goto out;
	}
	rc = emu_clr2protkey(kt, clr, prot);
	memzero_explicit(clr, sizeof(clr));
	rc = emu_fill_protkey(&k.protkey, kt, prot, rc);
	if (!rc && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
out:
	memzero_explicit(&k, sizeof(k));
	memzero_explicit(prot, sizeof(prot));
	return rc;
}

static long emu_clr2protk(void __user *uarg)
{
	struct pkey_clr2protk k;
	u8 prot[EMU_MAX_PROTKEY];
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k))) {
		memzero_explicit(&k, sizeof(k));
		return -EFAULT;
	}
	if (!emu_protkey_fits(k.keytype) ||
	    emu_keytype_len(k.keytype) > MAXCLRKEYSIZE) {
		rc = -EINVAL;
	} else {
		rc = emu_clr2protkey(k.keytype, k.clrkey.clrkey, prot);
		rc = emu_fill_protkey(&k.protkey, k.keytype, prot, rc);
	}
	if (!rc && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
	memzero_explicit(&k, sizeof(k));
	memzero_explicit(prot, sizeof(prot));
	return rc;
}

static long emu_verifykey(void __user *uarg)
{
	struct pkey_verifykey k;
	u32 type, bits, flags;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k))) {
		rc = -EFAULT;
		goto out;
	}
	rc = emu_seckey_verify(k.seckey.seckey, SECKEYBLOBSIZE, &type, &bits,
			       &flags);
	if (!rc && type != PKEY_TYPE_CCA_DATA)
		rc = -EINVAL;
	if (rc)
		goto out;
	k.keysize = bits;
	k.attributes = PKEY_VERIFY_ATTR_AES;
	if (flags & PKEY_FLAGS_MATCH_ALT_MKVP)
		k.attributes |= PKEY_VERIFY_ATTR_OLD_MKVP;
	k.cardnr = EMU_APQN_CARD;
	k.domain = EMU_APQN_DOMAIN;
	if (copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
out:
	memzero_explicit(&k, sizeof(k));
	return rc;
}

static long emu_genprotk(void __user *uarg)
{
	struct pkey_genprotk k;
	u8 prot[EMU_MAX_PROTKEY];
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	if (!emu_protkey_fits(k.keytype))
		return -EINVAL;
	rc = emu_gen_protkey(k.keytype, prot);
	rc = emu_fill_protkey(&k.protkey, k.keytype, prot, rc);
	if (!rc && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
	memzero_explicit(&k, sizeof(k));
	memzero_explicit(prot, sizeof(prot));
	return rc;
}

static long emu_verifyprotk(void __user *uarg)
{
	struct pkey_verifyprotk k;
	long rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		rc = -EFAULT;
	else if (k.protkey.len > MAXPROTKEYSIZE)
		rc = -EINVAL;
	else
		rc = emu_verify_protkey(k.protkey.type, k.protkey.protkey,
					k.protkey.len);
	memzero_explicit(&k, sizeof(k));
	return rc;
}

static long emu_kblob2protk(void __user *uarg)
{
	struct pkey_kblob2pkey k;
	u8 prot[EMU_MAX_PROTKEY];
	u32 kt = 0;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	rc = emu_ublob2protkey(k.key, k.keylen, NULL, 0, prot, &kt);
	rc = emu_fill_protkey(&k.protkey, kt, prot, rc);
	if (!rc && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
	memzero_explicit(&k, sizeof(k));
	memzero_explicit(prot, sizeof(prot));
	return rc;
}

static long emu_kblob2protk3(void __user *uarg)
{
	struct pkey_kblob2pkey3 k;
	u8 prot[EMU_MAX_PROTKEY];
	u32 kt = 0;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	rc = emu_ublob2protkey(k.key, k.keylen, k.apqns, k.apqn_entries, prot,
			       &kt);
	if (rc < 0)
		goto out;
	if (k.pkey && k.pkeylen) {
		if (rc > k.pkeylen) {
			rc = -EINVAL;
			goto out;
		}
		if (copy_to_user(k.pkey, prot, rc)) {
			rc = -EFAULT;
			goto out;
		}
	}
	k.pkeylen = rc;
	k.pkeytype = kt;
	rc = copy_to_user(uarg, &k, sizeof(k)) ? -EFAULT : 0;
out:
	memzero_explicit(prot, sizeof(prot));
	return rc;
}

static long emu_kblob2protk2(void __user *uarg)
{
	struct pkey_kblob2pkey2 k;
	u8 prot[EMU_MAX_PROTKEY];
	u32 kt = 0;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	rc = emu_ublob2protkey(k.key, k.keylen, k.apqns, k.apqn_entries, prot,
			       &kt);
	rc = emu_fill_protkey(&k.protkey, kt, prot, rc);
	if (!rc && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
	memzero_explicit(&k, sizeof(k));
	memzero_explicit(prot, sizeof(prot));
	return rc;
}

/* PKEY_SIZE_AES_* -> PKEY_KEYTYPE_AES_*, or 0 */
static u32 emu_size2keytype(u32 size)
{
	switch (size) {
	case PKEY_SIZE_AES_128:
		return PKEY_KEYTYPE_AES_128;
	case PKEY_SIZE_AES_192:
		return PKEY_KEYTYPE_AES_192;
	case PKEY_SIZE_AES_256:
		return PKEY_KEYTYPE_AES_256;
	default:
		return 0;
	}
}

/*
 * GENSECK2 and CLR2SECK2: a secure key of @type made by the card (from
 * @clr, or random if NULL) into the caller's buffer @ukey of *@keylen
 * bytes (none if @ukey is NULL); *@keylen becomes the key's length.
 */
static int emu_seck2(const struct pkey_apqn __user *uapqns, u32 nr,
		     u32 type, u32 size, u32 flags, const u8 *clr,
		     u8 __user *ukey, u32 *keylen)
{
	u32 keytype = emu_size2keytype(size);
	struct pkey_apqn *apqns;
	u8 *blob;
	int rc;

	if (!keytype)
		return -EINVAL;
	apqns = emu_copy_apqns(uapqns, &nr);
	if (IS_ERR(apqns))
		return PTR_ERR(apqns);
	rc = emu_card_apqns(apqns, nr);
	kfree(apqns);
	if (rc)
		return rc;
	blob = kzalloc(EMU_SECKEY_MAX, GFP_KERNEL);
	if (!blob)
		return -ENOMEM;
	if (clr)
		rc = emu_seckey_from_clr(type, keytype, flags, clr, blob);
	else
		rc = emu_seckey_gen(type, keytype, flags, blob);
	if (rc < 0)
		goto out;
	if (ukey) {
		if (*keylen < rc) {
			rc = -EINVAL;
			goto out;
		}
		if (copy_to_user(ukey, blob, rc)) {
			rc = -EFAULT;
			goto out;
		}
	}
	*keylen = rc;
	rc = 0;
out:
	kfree_sensitive(blob);
	return rc;
}

static long emu_genseck2(void __user *uarg)
{
	struct pkey_genseck2 k;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	rc = emu_seck2(k.apqns, k.apqn_entries, k.type, k.size, k.keygenflags,
		       NULL, k.key, &k.keylen);
	if (!rc && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
	return rc;
}

static long emu_clr2seck2(void __user *uarg)
{
	struct pkey_clr2seck2 k;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k))) {
		memzero_explicit(&k, sizeof(k));
		return -EFAULT;
	}
	rc = emu_seck2(k.apqns, k.apqn_entries, k.type, k.size, k.keygenflags,
		       k.clrkey.clrkey, k.key, &k.keylen);
	if (!rc && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
	memzero_explicit(&k, sizeof(k));
	return rc;
}

static long emu_verifykey2(void __user *uarg)
{
	struct pkey_verifykey2 k;
	u32 type, bits, flags;
	u8 *blob;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	blob = emu_copy_blob(k.key, k.keylen);
	if (IS_ERR(blob))
		return PTR_ERR(blob);
	rc = emu_seckey_verify(blob, k.keylen, &type, &bits, &flags);
	kfree_sensitive(blob);
	if (rc)
		return rc;
	/* a given APQN (0xFFFF: any) must be the card's */
	if ((k.cardnr != 0xffff && k.cardnr != EMU_APQN_CARD) ||
	    (k.domain != 0xffff && k.domain != EMU_APQN_DOMAIN))
		return -ENODEV;
	k.cardnr = EMU_APQN_CARD;
	k.domain = EMU_APQN_DOMAIN;
	k.type = type;
	k.size = bits;
	k.flags = flags;
	return copy_to_user(uarg, &k, sizeof(k)) ? -EFAULT : 0;
}

/*
 * The list answer of APQNS4K/APQNS4KT with @n (0 or 1) matching APQNs:
 * apqn_entries 0 asks for the count; a list too small gets -ENOSPC and the
 * count.  No match is -ENODEV, as the driver's cca_findcard2() and
 * ep11_findcard2() make it (the uapi comment's "0 entries" is not what the
 * driver does).
 */
static int emu_apqns_answer(struct pkey_apqn __user *uapqns,
			    u32 *entries, u32 n)
{
	static const struct pkey_apqn ours = {
		.card = EMU_APQN_CARD, .domain = EMU_APQN_DOMAIN
	};
	u32 room = *entries;

	if (!n)
		return -ENODEV;
	*entries = n;
	if (!room)
		return 0;
	if (n > room)
		return -ENOSPC;
	if (n && uapqns && copy_to_user(uapqns, &ours, sizeof(ours)))
		return -EFAULT;
	return 0;
}

static long emu_apqns4k(void __user *uarg)
{
	struct pkey_apqns4key k;
	u8 *blob;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	blob = emu_copy_blob(k.key, k.keylen);
	if (IS_ERR(blob))
		return PTR_ERR(blob);
	rc = emu_seckey_apqn_match(blob, k.keylen, k.flags);
	kfree_sensitive(blob);
	if (rc < 0)
		return rc;
	rc = emu_apqns_answer(k.apqns, &k.apqn_entries, rc);
	if ((!rc || rc == -ENOSPC) && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
	return rc;
}

static long emu_apqns4kt(void __user *uarg)
{
	const u32 cur = PKEY_FLAGS_MATCH_CUR_MKVP;
	const u32 alt = PKEY_FLAGS_MATCH_ALT_MKVP;
	struct pkey_apqns4keytype k;
	u32 n;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	switch (k.type) {
	case PKEY_TYPE_CCA_DATA:
	case PKEY_TYPE_CCA_CIPHER:
		/* the first 8 bytes: current and old AES MKVP; no flag: any */
		n = !(k.flags & (cur | alt)) ||
		    ((k.flags & cur) &&
		     emu_card_match(EMU_CCA, k.cur_mkvp, cur) > 0) ||
		    ((k.flags & alt) &&
		     emu_card_match(EMU_CCA, k.alt_mkvp, alt) > 0);
		break;
	case PKEY_TYPE_EP11:
	case PKEY_TYPE_EP11_AES:
		/* the first 16 bytes of cur_mkvp against the WKVP */
		n = !(k.flags & cur) ||
		    emu_card_match(EMU_EP11, k.cur_mkvp, cur) > 0;
		break;
	default:
		return -EINVAL;
	}
	if (!emu_card_online())
		n = 0;
	rc = emu_apqns_answer(k.apqns, &k.apqn_entries, n);
	if ((!rc || rc == -ENOSPC) && copy_to_user(uarg, &k, sizeof(k)))
		rc = -EFAULT;
	return rc;
}

static long emu_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case PKEY_GENSECK:
		return emu_genseck(uarg);
	case PKEY_CLR2SECK:
		return emu_clr2seck(uarg);
	case PKEY_SEC2PROTK:
		return emu_sec2protk(uarg);
	case PKEY_CLR2PROTK:
		return emu_clr2protk(uarg);
	case PKEY_VERIFYKEY:
		return emu_verifykey(uarg);
	case PKEY_GENPROTK:
		return emu_genprotk(uarg);
	case PKEY_VERIFYPROTK:
		return emu_verifyprotk(uarg);
	case PKEY_KBLOB2PROTK:
		return emu_kblob2protk(uarg);
	case PKEY_KBLOB2PROTK3:
		return emu_kblob2protk3(uarg);
	case PKEY_GENSECK2:
		return emu_genseck2(uarg);
	case PKEY_CLR2SECK2:
		return emu_clr2seck2(uarg);
	case PKEY_VERIFYKEY2:
		return emu_verifykey2(uarg);
	case PKEY_KBLOB2PROTK2:
		return emu_kblob2protk2(uarg);
	case PKEY_APQNS4K:
		return emu_apqns4k(uarg);
	case PKEY_APQNS4KT:
		return emu_apqns4kt(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations emu_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = emu_ioctl,
};

static struct miscdevice emu_misc = {
	.name = "pkey",
	.minor = MISC_DYNAMIC_MINOR,
	.mode = 0666,
	.fops = &emu_fops,
	.groups = emu_attr_groups,
};

static int __init pkey_emu_init(void)
{
	int rc;

	rc = emu_firmware_init();
	if (rc)
		return rc;
	rc = emu_card_init();
	if (rc)
		goto out_firmware;
	rc = emu_selftest();
	if (rc)
		goto out_card;
	emu_limit();
	rc = misc_register(&emu_misc);
	if (rc)
		goto out_card;
	pr_info("emulated IBM Z protected-key firmware ready (development and CI only, protects nothing)\n");
	return 0;

out_card:
	emu_card_exit();
out_firmware:
	emu_firmware_exit();
	return rc;
}

static void __exit pkey_emu_exit(void)
{
	misc_deregister(&emu_misc);
	emu_card_exit();
	emu_firmware_exit();
}

module_init(pkey_emu_init);
module_exit(pkey_emu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Emulated IBM Z protected-key firmware and s390 pkey interface (development/CI only)");
MODULE_AUTHOR("pkeydm project");
