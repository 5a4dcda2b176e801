// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu sysfs, attached to the "pkey" misc device:
 *
 * /sys/devices/virtual/misc/pkey/protkey/  (as real s390 kernels have it)
 *   protkey_aes_{128,192,256}     one 80-byte protaeskeytoken
 *   protkey_aes_{128,256}_xts     two independent tokens, K1 then K2 (160)
 *   protkey_aes_xts_{128,256}     one full-XTS token (80 / 112 bytes)
 *   Every read makes a new random key; offset != 0 or a short read: -EINVAL.
 *
 * .../pkey/ccadata/, ccacipher/, ep11/      random secure keys (as s390)
 *   *_aes_{128,192,256}   one key, padded to the attribute's size
 *   *_aes_{128,256}_xts   two keys, at 0 and at that size
 *   The sizes are the real driver's: 64, CCACIPHERTOKENSIZE (136) and
 *   MAXEP11AESKEYBLOBSIZE (336) per key.  They need the card online.
 *
 * /sys/devices/virtual/misc/pkey/emu/      test controls and counters
 *   rotate_wrapping_key, wkvp, master_key, km_fail_after, xts_driver,
 *   card_online, cca_*, ep11_*, msa10 and read-only counters (see
 *   docs/emulation.md).
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "emu_internal.h"

#define EMU_FULLXTS_HDR	16

/* one protaeskeytoken (80 bytes) with a new random key of @keytype */
static int emu_protaes_token(u32 keytype, u8 *out)
{
	struct pkey_protaeskeytoken t;
	u8 prot[EMU_MAX_PROTKEY];
	int rc;

	rc = emu_gen_protkey(keytype, prot);
	if (rc < 0)
		return rc;
	memset(&t, 0, sizeof(t));
	t.type = PKEY_TOKTYPE_NON_CCA;
	t.version = PKEY_TOKVER_PROTECTED_KEY;
	t.keytype = keytype;
	t.len = rc;
	memcpy(t.protkey, prot, rc);
	memcpy(out, &t, sizeof(t));
	memzero_explicit(prot, sizeof(prot));
	memzero_explicit(&t, sizeof(t));
	return sizeof(t);
}

/* one full-XTS token: 16-byte header part, then 64 or 96 key bytes */
static int emu_fullxts_token(u32 keytype, u8 *out)
{
	struct pkey_protaeskeytoken *t = (void *)out;
	u8 prot[EMU_MAX_PROTKEY];
	int rc;

	rc = emu_gen_protkey(keytype, prot);
	if (rc < 0)
		return rc;
	memset(out, 0, EMU_FULLXTS_HDR);
	t->type = PKEY_TOKTYPE_NON_CCA;
	t->version = PKEY_TOKVER_PROTECTED_KEY;
	t->keytype = keytype;
	t->len = rc;
	memcpy(out + EMU_FULLXTS_HDR, prot, rc);
	memzero_explicit(prot, sizeof(prot));
	return EMU_FULLXTS_HDR + rc;
}

static ssize_t emu_protkey_read(u32 keytype, bool pair, bool full, char *buf,
				loff_t off, size_t count, size_t size)
{
	int rc;

	if (off != 0 || count < size)
		return -EINVAL;
	if (full)
		return emu_fullxts_token(keytype, buf);
	rc = emu_protaes_token(keytype, buf);
	if (rc >= 0 && pair)
		rc = emu_protaes_token(keytype, buf + PROTKEYBLOBSIZE);
	if (rc < 0) {
		memzero_explicit(buf, size);
		return rc;
	}
	return size;
}

#define EMU_PROTKEY_ATTR(_name, _keytype, _pair, _full, _size)		\
static ssize_t _name##_read(struct file *filp, struct kobject *kobj,	\
			    struct bin_attribute *attr, char *buf,	\
			    loff_t off, size_t count)			\
{									\
	return emu_protkey_read(_keytype, _pair, _full, buf, off, count,\
				_size);					\
}									\
static BIN_ATTR_RO(_name, _size)

EMU_PROTKEY_ATTR(protkey_aes_128, PKEY_KEYTYPE_AES_128, false, false,
		 PROTKEYBLOBSIZE);
EMU_PROTKEY_ATTR(protkey_aes_192, PKEY_KEYTYPE_AES_192, false, false,
		 PROTKEYBLOBSIZE);
EMU_PROTKEY_ATTR(protkey_aes_256, PKEY_KEYTYPE_AES_256, false, false,
		 PROTKEYBLOBSIZE);
EMU_PROTKEY_ATTR(protkey_aes_128_xts, PKEY_KEYTYPE_AES_128, true, false,
		 2 * PROTKEYBLOBSIZE);
EMU_PROTKEY_ATTR(protkey_aes_256_xts, PKEY_KEYTYPE_AES_256, true, false,
		 2 * PROTKEYBLOBSIZE);
EMU_PROTKEY_ATTR(protkey_aes_xts_128, PKEY_KEYTYPE_AES_XTS_128, false, true,
		 EMU_FULLXTS_HDR + 64);
EMU_PROTKEY_ATTR(protkey_aes_xts_256, PKEY_KEYTYPE_AES_XTS_256, false, true,
		 PKEY_FULLXTS_TOKEN_MAX);

static struct bin_attribute *emu_protkey_bin_attrs[] = {
	&bin_attr_protkey_aes_128,
	&bin_attr_protkey_aes_192,
	&bin_attr_protkey_aes_256,
	&bin_attr_protkey_aes_128_xts,
	&bin_attr_protkey_aes_256_xts,
	&bin_attr_protkey_aes_xts_128,
	&bin_attr_protkey_aes_xts_256,
	NULL
};

static const struct attribute_group emu_protkey_group = {
	.name = "protkey",
	.bin_attrs = emu_protkey_bin_attrs,
};

/* ---- ccadata/, ccacipher/, ep11/ ---- */

/*
 * One or two (XTS) random secure keys of @type, each zero padded to
 * @stride bytes, the second at @stride, as the real driver lays them out.
 */
static ssize_t emu_seckey_read(u32 type, u32 keytype, bool xts,
			       unsigned int stride, char *buf, loff_t off,
			       size_t count)
{
	size_t size = xts ? 2 * stride : stride;
	int rc;

	if (off != 0 || count < size)
		return -EINVAL;
	memset(buf, 0, size);
	rc = emu_seckey_gen(type, keytype, 0, buf);
	if (rc >= 0 && xts)
		rc = emu_seckey_gen(type, keytype, 0, buf + stride);
	if (rc < 0) {
		memzero_explicit(buf, size);
		return rc;
	}
	return size;
}

#define EMU_SECKEY_ATTR(_name, _type, _bits, _xts, _stride)		\
static ssize_t _name##_read(struct file *filp, struct kobject *kobj,	\
			    struct bin_attribute *attr, char *buf,	\
			    loff_t off, size_t count)			\
{									\
	return emu_seckey_read(_type, PKEY_KEYTYPE_AES_##_bits, _xts,	\
			       _stride, buf, off, count);		\
}									\
static BIN_ATTR_RO(_name, (_xts ? 2 : 1) * (_stride))

#define EMU_SECKEY_GROUP(_pfx, _type, _stride)				\
EMU_SECKEY_ATTR(_pfx##_aes_128, _type, 128, false, _stride);		\
EMU_SECKEY_ATTR(_pfx##_aes_192, _type, 192, false, _stride);		\
EMU_SECKEY_ATTR(_pfx##_aes_256, _type, 256, false, _stride);		\
EMU_SECKEY_ATTR(_pfx##_aes_128_xts, _type, 128, true, _stride);	\
EMU_SECKEY_ATTR(_pfx##_aes_256_xts, _type, 256, true, _stride);	\
static struct bin_attribute *emu_##_pfx##_bin_attrs[] = {		\
	&bin_attr_##_pfx##_aes_128,					\
	&bin_attr_##_pfx##_aes_192,					\
	&bin_attr_##_pfx##_aes_256,					\
	&bin_attr_##_pfx##_aes_128_xts,					\
	&bin_attr_##_pfx##_aes_256_xts,					\
	NULL								\
};									\
static const struct attribute_group emu_##_pfx##_group = {		\
	.name = #_pfx,							\
	.bin_attrs = emu_##_pfx##_bin_attrs,				\
}

/* the real driver's CCACIPHERTOKENSIZE: fixed part + 80 */
#define EMU_CCACIPHERTOKENSIZE	(sizeof(struct pkey_cipherkeytoken) + 80)

EMU_SECKEY_GROUP(ccadata, PKEY_TYPE_CCA_DATA, SECKEYBLOBSIZE);
EMU_SECKEY_GROUP(ccacipher, PKEY_TYPE_CCA_CIPHER, EMU_CCACIPHERTOKENSIZE);
EMU_SECKEY_GROUP(ep11, PKEY_TYPE_EP11_AES, MAXEP11AESKEYBLOBSIZE);

/* ---- emu/ ---- */

/* 64 hex digits, optionally followed by a newline, into @key */
static int emu_parse_hexkey(const char *buf, size_t count, u8 key[32])
{
	if (count != 64 && !(count == 65 && buf[64] == '\n'))
		return -EINVAL;
	return hex2bin(key, buf, 32) ? -EINVAL : 0;
}

/* "0"/"1" (kstrtobool) */
static ssize_t emu_bool_store(const char *buf, size_t count,
			      void (*set)(bool))
{
	bool v;
	int rc = kstrtobool(buf, &v);

	if (rc)
		return rc;
	set(v);
	return count;
}

static ssize_t card_online_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", emu_card_online());
}

static ssize_t card_online_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	return emu_bool_store(buf, count, emu_card_set_online);
}
static DEVICE_ATTR_RW(card_online);

static ssize_t msa10_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", emu_msa10());
}

static ssize_t msa10_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	return emu_bool_store(buf, count, emu_set_msa10);
}
static DEVICE_ATTR_RW(msa10);

static ssize_t emu_load_store(enum emu_card_kind kind, const char *buf,
			      size_t count)
{
	u8 key[32];
	int rc;

	rc = emu_parse_hexkey(buf, count, key);
	if (!rc)
		rc = emu_card_load(kind, key);
	memzero_explicit(key, sizeof(key));
	return rc ?: count;
}

static ssize_t cca_new_master_key_store(struct device *dev,
					struct device_attribute *attr,
					const char *buf, size_t count)
{
	return emu_load_store(EMU_CCA, buf, count);
}
static DEVICE_ATTR_WO(cca_new_master_key);

static ssize_t ep11_new_wrapping_key_store(struct device *dev,
					   struct device_attribute *attr,
					   const char *buf, size_t count)
{
	return emu_load_store(EMU_EP11, buf, count);
}
static DEVICE_ATTR_WO(ep11_new_wrapping_key);

static ssize_t cca_commit_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	return emu_card_commit(EMU_CCA) ?: count;
}
static DEVICE_ATTR_WO(cca_commit);

static ssize_t ep11_commit_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	return emu_card_commit(EMU_EP11) ?: count;
}
static DEVICE_ATTR_WO(ep11_commit);

/* "<name> <hex>" or "<name> -" per register, all from one moment */
static ssize_t emu_vps_show(enum emu_card_kind kind, char *buf)
{
	static const char * const names[EMU_REG_NR] = {
		[EMU_REG_NEW] = "new", [EMU_REG_CUR] = "current",
		[EMU_REG_OLD] = "old",
	};
	int nregs = kind == EMU_CCA ? EMU_REG_NR : EMU_REG_OLD;
	u8 vp[EMU_REG_NR][EMU_VP_MAX];
	bool set[EMU_REG_NR];
	int i, n, len = 0;

	n = emu_card_vps(kind, vp, set);
	for (i = 0; i < nregs; i++) {
		if (!set[i])
			len += sysfs_emit_at(buf, len, "%s -\n", names[i]);
		else
			len += sysfs_emit_at(buf, len, "%s %*phN\n", names[i],
					     n, vp[i]);
	}
	return len;
}

static ssize_t cca_mkvps_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return emu_vps_show(EMU_CCA, buf);
}
static DEVICE_ATTR_RO(cca_mkvps);

static ssize_t ep11_wkvps_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return emu_vps_show(EMU_EP11, buf);
}
static DEVICE_ATTR_RO(ep11_wkvps);


static ssize_t rotate_wrapping_key_store(struct device *dev,
					 struct device_attribute *attr,
					 const char *buf, size_t count)
{
	int rc = emu_rotate_wrapping_key();

	return rc ?: count;
}
static DEVICE_ATTR_WO(rotate_wrapping_key);

static ssize_t wkvp_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	u8 wkvp[EMU_WKVP_SIZE];

	emu_get_wkvp(wkvp);
	return sysfs_emit(buf, "%*phN\n", EMU_WKVP_SIZE, wkvp);
}
static DEVICE_ATTR_RO(wkvp);

static ssize_t master_key_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	u8 mkvp[EMU_VP_MAX];
	int n = emu_card_vp(EMU_CCA, EMU_REG_CUR, mkvp);

	if (n < 0)
		return n;
	return sysfs_emit(buf, "%*phN\n", n, mkvp);
}

static ssize_t master_key_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	u8 mk[32];
	int rc;

	rc = emu_parse_hexkey(buf, count, mk);
	if (!rc)
		rc = emu_set_master_key(mk);
	memzero_explicit(mk, sizeof(mk));
	return rc ?: count;
}
static DEVICE_ATTR_RW(master_key);

static ssize_t km_fail_after_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", emu_km_fail_pending());
}

static ssize_t km_fail_after_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	long n;
	int rc;

	rc = kstrtol(buf, 0, &n);
	if (rc)
		return rc;
	if (n < -1 || n > INT_MAX / 16)
		return -EINVAL;
	rc = emu_arm_km_fail(n);
	return rc ?: count;
}
static DEVICE_ATTR_RW(km_fail_after);

static ssize_t xts_driver_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", emu_xts_driver());
}
static DEVICE_ATTR_RO(xts_driver);

#define EMU_STAT_ATTR(_name, _stat)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%llu\n", emu_stat_read(_stat));	\
}									\
static DEVICE_ATTR_RO(_name)

EMU_STAT_ATTR(km_calls, EMU_STAT_KM_CALLS);
EMU_STAT_ATTR(km_bytes, EMU_STAT_KM_BYTES);
EMU_STAT_ATTR(km_stale, EMU_STAT_KM_STALE);
EMU_STAT_ATTR(km_partial, EMU_STAT_KM_PARTIAL);
EMU_STAT_ATTR(km_fast, EMU_STAT_KM_FAST);
EMU_STAT_ATTR(pcc_calls, EMU_STAT_PCC_CALLS);
EMU_STAT_ATTR(pcc_stale, EMU_STAT_PCC_STALE);
EMU_STAT_ATTR(rotations, EMU_STAT_ROTATIONS);
EMU_STAT_ATTR(cache_hits, EMU_STAT_CACHE_HITS);
EMU_STAT_ATTR(cache_misses, EMU_STAT_CACHE_MISSES);

static struct attribute *emu_ctl_attrs[] = {
	&dev_attr_rotate_wrapping_key.attr,
	&dev_attr_wkvp.attr,
	&dev_attr_master_key.attr,
	&dev_attr_km_fail_after.attr,
	&dev_attr_xts_driver.attr,
	&dev_attr_card_online.attr,
	&dev_attr_cca_new_master_key.attr,
	&dev_attr_cca_commit.attr,
	&dev_attr_cca_mkvps.attr,
	&dev_attr_ep11_new_wrapping_key.attr,
	&dev_attr_ep11_commit.attr,
	&dev_attr_ep11_wkvps.attr,
	&dev_attr_msa10.attr,
	&dev_attr_km_calls.attr,
	&dev_attr_km_bytes.attr,
	&dev_attr_km_stale.attr,
	&dev_attr_km_partial.attr,
	&dev_attr_km_fast.attr,
	&dev_attr_pcc_calls.attr,
	&dev_attr_pcc_stale.attr,
	&dev_attr_rotations.attr,
	&dev_attr_cache_hits.attr,
	&dev_attr_cache_misses.attr,
	NULL
};

static const struct attribute_group emu_ctl_group = {
	.name = "emu",
	.attrs = emu_ctl_attrs,
};

const struct attribute_group *emu_attr_groups[] = {
	&emu_protkey_group,
	&emu_ccadata_group,
	&emu_ccacipher_group,
	&emu_ep11_group,
	&emu_ctl_group,
	NULL
};
