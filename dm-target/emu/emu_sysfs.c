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
 * /sys/devices/virtual/misc/pkey/emu/      test controls and counters
 *   rotate_wrapping_key, wkvp, master_key, km_fail_after, xts_driver and
 *   read-only counters (see docs/emulation.md).
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

/* ---- emu/ ---- */

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
	u8 mkvp[EMU_MKVP_SIZE];

	emu_get_mkvp(mkvp);
	return sysfs_emit(buf, "%*phN\n", EMU_MKVP_SIZE, mkvp);
}

static ssize_t master_key_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	u8 mk[32];
	int rc;

	if (count != 64 && !(count == 65 && buf[64] == '\n'))
		return -EINVAL;
	if (hex2bin(mk, buf, sizeof(mk)))
		return -EINVAL;
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
	&emu_ctl_group,
	NULL
};
