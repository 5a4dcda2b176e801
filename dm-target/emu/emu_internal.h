/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pkey_emu internals shared by emu_firmware.c (wrapping key, CPACF
 * emulation), emu_seckey.c (emulated crypto card master key, CCA secure
 * keys), emu_sysfs.c (protkey/ and emu/ attributes) and emu_pkey.c
 * (/dev/pkey and module init/exit).
 *
 * See docs/emulation.md for the model.  Nothing here protects anything:
 * all keys live in ordinary kernel memory.
 */
#ifndef _EMU_INTERNAL_H
#define _EMU_INTERNAL_H

#include <linux/types.h>
#include <linux/device.h>
#include <crypto/aes.h>
#include <uapi/pkeydm/pkey_abi.h>

#define EMU_WKVP_SIZE		PKEY_WKVP_SIZE
#define EMU_MAX_CLRKEY		64	/* full XTS-256: K1 | K2 */
#define EMU_MAX_PROTKEY		(EMU_MAX_CLRKEY + EMU_WKVP_SIZE)
#define EMU_MKVP_SIZE		8

/* ---- emu_firmware.c: wrapping key, protected keys, KM/PCC ---- */

/* Clear key bytes of a PKEY_KEYTYPE_*, or -EINVAL for an unknown type. */
int emu_keytype_len(u32 keytype);

/*
 * Make a protected key (wrapped key | WKVP) of @keytype from @clr under the
 * current wrapping key; @prot must hold EMU_MAX_PROTKEY bytes.  Process
 * context (fills the key cache).  Returns the protected key length or a
 * negative errno.
 */
int emu_clr2protkey(u32 keytype, const u8 *clr, u8 *prot);

/* Same from a fresh random clear key that is wiped before returning. */
int emu_gen_protkey(u32 keytype, u8 *prot);

/*
 * Check a protected key: -EINVAL if @protlen does not fit @keytype, -EIO
 * if its WKVP is not the current one (stale), 0 if usable.
 */
int emu_verify_protkey(u32 keytype, const u8 *prot, u32 protlen);

/* New random wrapping key; every existing protected key becomes stale. */
int emu_rotate_wrapping_key(void);
void emu_get_wkvp(u8 wkvp[EMU_WKVP_SIZE]);

/* km_fail_after control: arm (n >= 0) or disarm (n < 0); read pending. */
int emu_arm_km_fail(long n);
long emu_km_fail_pending(void);

enum emu_stat {
	EMU_STAT_KM_CALLS,	/* pkey_emu_km() calls */
	EMU_STAT_KM_BYTES,	/* bytes transformed by KM */
	EMU_STAT_KM_STALE,	/* KM calls refused for a stale WKVP */
	EMU_STAT_KM_PARTIAL,	/* KM calls stopped by km_fail_after */
	EMU_STAT_KM_FAST,	/* KM calls run by the AES-NI xts skcipher */
	EMU_STAT_PCC_CALLS,	/* pkey_emu_pcc() calls */
	EMU_STAT_PCC_STALE,	/* PCC calls refused for a stale WKVP */
	EMU_STAT_ROTATIONS,	/* wrapping key changes */
	EMU_STAT_CACHE_HITS,	/* KM/PCC found the expanded key cached */
	EMU_STAT_CACHE_MISSES,	/* KM/PCC had to unwrap and expand */
	EMU_STAT_NR
};
u64 emu_stat_read(enum emu_stat s);
const char *emu_xts_driver(void);

/*
 * Length-preserving AES wrap/unwrap of @len (>= 16) bytes in place under an
 * expanded key, domain-separated by @domain (see docs/emulation.md).
 */
void emu_aes_wrap(const struct crypto_aes_ctx *ctx, u8 domain, u8 *buf,
		  unsigned int len);
void emu_aes_unwrap(const struct crypto_aes_ctx *ctx, u8 domain, u8 *buf,
		    unsigned int len);

int emu_firmware_init(void);
void emu_firmware_exit(void);
int emu_selftest(void);

/* ---- emu_seckey.c: emulated crypto card, CCA AESDATA secure keys ---- */

int emu_seckey_init(void);
void emu_seckey_exit(void);
int emu_set_master_key(const u8 mk[32]);
void emu_get_mkvp(u8 mkvp[EMU_MKVP_SIZE]);
int emu_gen_seckey(u32 keytype, u8 seckey[SECKEYBLOBSIZE]);
int emu_clr2seckey(u32 keytype, const u8 *clr, u8 seckey[SECKEYBLOBSIZE]);
/* Secure key -> clear key (@clr holds 32 bytes); returns the keytype. */
int emu_seckey2clr(const u8 seckey[SECKEYBLOBSIZE], u8 *clr);
int emu_verify_seckey(const u8 seckey[SECKEYBLOBSIZE], u16 *keybits,
		      u32 *attributes);

/* ---- emu_sysfs.c ---- */

extern const struct attribute_group *emu_attr_groups[];

#endif /* _EMU_INTERNAL_H */
