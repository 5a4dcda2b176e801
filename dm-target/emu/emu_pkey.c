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

static int emu_blob_seckey(const u8 *blob, u32 bloblen, u8 *prot,
			   u32 *keytype)
{
	u8 clr[32];
	int rc, kt;

	if (bloblen != SECKEYBLOBSIZE)
		return -EINVAL;
	kt = emu_seckey2clr(blob, clr);
	if (kt < 0)
		return kt;
	rc = emu_clr2protkey(kt, clr, prot);
	memzero_explicit(clr, sizeof(clr));
	if (rc >= 0)
		*keytype = kt;
	return rc;
}

/* any supported key blob -> protected key; returns its length */
static int emu_blob2protkey(const u8 *blob, u32 bloblen, u8 *prot,
			    u32 *keytype)
{
	const struct pkey_keytoken_hdr *hdr = (const void *)blob;

	if (bloblen < EMU_TOKHDR_SIZE)
		return -EINVAL;
	if (hdr->type == PKEY_TOKTYPE_CCA_INTERNAL &&
	    hdr->version == PKEY_TOKVER_CCA_AES)
		return emu_blob_seckey(blob, bloblen, prot, keytype);
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

/* ---- ioctls ---- */

static long emu_genseck(void __user *uarg)
{
	struct pkey_genseck k;
	long rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	rc = emu_gen_seckey(k.keytype, k.seckey.seckey);
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
	rc = emu_clr2seckey(k.keytype, k.clrkey.clrkey, k.seckey.seckey);
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
	u8 clr[32], prot[EMU_MAX_PROTKEY];
	int rc, kt;

	if (copy_from_user(&k, uarg, sizeof(k))) {
		memzero_explicit(&k, sizeof(k));
		return -EFAULT;
	}
	kt = emu_seckey2clr(k.seckey.seckey, clr);
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
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k))) {
		rc = -EFAULT;
		goto out;
	}
	rc = emu_verify_seckey(k.seckey.seckey, &k.keysize, &k.attributes);
	if (rc)
		goto out;
	k.cardnr = 0;
	k.domain = 0;
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
	u8 *blob;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	blob = emu_copy_blob(k.key, k.keylen);
	if (IS_ERR(blob))
		return PTR_ERR(blob);
	rc = emu_blob2protkey(blob, k.keylen, prot, &kt);
	kfree_sensitive(blob);
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
	u8 *blob;
	int rc;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	if (k.apqns && k.apqn_entries) {
		/* one emulated card serves every APQN: just check the list */
		struct pkey_apqn *apqns;

		if (k.apqn_entries > EMU_APQNS_MAX)
			return -EINVAL;
		apqns = memdup_user(k.apqns,
				    k.apqn_entries * sizeof(struct pkey_apqn));
		if (IS_ERR(apqns))
			return PTR_ERR(apqns);
		kfree(apqns);
	}
	blob = emu_copy_blob(k.key, k.keylen);
	if (IS_ERR(blob))
		return PTR_ERR(blob);
	rc = emu_blob2protkey(blob, k.keylen, prot, &kt);
	kfree_sensitive(blob);
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
	rc = emu_seckey_init();
	if (rc)
		goto out_firmware;
	rc = emu_selftest();
	if (rc)
		goto out_seckey;
	rc = misc_register(&emu_misc);
	if (rc)
		goto out_seckey;
	pr_info("emulated IBM Z protected-key firmware ready (development and CI only, protects nothing)\n");
	return 0;

out_seckey:
	emu_seckey_exit();
out_firmware:
	emu_firmware_exit();
	return rc;
}

static void __exit pkey_emu_exit(void)
{
	misc_deregister(&emu_misc);
	emu_seckey_exit();
	emu_firmware_exit();
}

module_init(pkey_emu_init);
module_exit(pkey_emu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Emulated IBM Z protected-key firmware and s390 pkey interface (development/CI only)");
MODULE_AUTHOR("pkeydm project");
