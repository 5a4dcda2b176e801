/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pkey_emu internals, the interface between its files:
 *
 *   emu_wrap.c      wrapping key, PCKMO-style wrapping, protected keys,
 *                   start and stop of the emulated firmware
 *   emu_cache.c     the key cache of unwrapped, expanded protected keys
 *   emu_cpacf.c     KM/PCC (exported to dm-paes), km_fail_after, counters
 *   emu_card.c      emulated crypto card: online state, CCA master-key and
 *                   EP11 wrapping-key registers, sealing of key tokens
 *   emu_cca.c       CCA AESDATA and AESCIPHER secure-key tokens
 *   emu_ep11.c      EP11 AES key blobs with header
 *   emu_seckey.c    secure keys of any of those types (dispatch)
 *   emu_selftest.c  self-test (and bench) of KM/PCC at load
 *   emu_limit.c     throughput of KM and xts(aes) on all CPUs (limit_ms=)
 *   emu_sysfs.c     protkey/ and emu/ (test controls) attributes
 *   emu_pkey.c      /dev/pkey and module init/exit
 *
 * See docs/emulation.md for the model.  Nothing here protects anything:
 * all keys live in ordinary kernel memory.
 */
#ifndef _EMU_INTERNAL_H
#define _EMU_INTERNAL_H

#include <linux/types.h>
#include <linux/device.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <crypto/aes.h>
#include <uapi/pkeydm/pkey_abi.h>

#define EMU_WKVP_SIZE		PKEY_WKVP_SIZE
#define EMU_MAX_CLRKEY		64	/* full XTS-256: K1 | K2 */
#define EMU_MAX_PROTKEY		(EMU_MAX_CLRKEY + EMU_WKVP_SIZE)
#define EMU_MKVP_SIZE		8

struct crypto_cipher;
struct crypto_sync_skcipher;

/* ---- emu_wrap.c: wrapping key, protected keys ---- */

/* Clear key bytes of a PKEY_KEYTYPE_*, or -EINVAL for an unknown type. */
int emu_keytype_len(u32 keytype);

/*
 * Make a protected key (wrapped key | WKVP) of @keytype from @clr under the
 * current wrapping key; @prot must hold EMU_MAX_PROTKEY bytes.  Process
 * context (fills the key cache).  Returns the protected key length or a
 * negative errno: -ENODEV for a full-XTS key while emu/msa10 is 0, as the
 * s390 driver when PCKMO lacks the function.
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

#define EMU_CACHE_SLOTS		128	/* power of two */

/* one cached, unwrapped and expanded protected key */
struct emu_ckey {
	u32 keytype;			/* AES_128/256 (two-key), XTS_* (full) */
	u32 wlen;			/* wrapped key bytes */
	u8 wrapped[EMU_MAX_CLRKEY];	/* lookup key */
	unsigned long last_used;	/* jiffies, for LRU eviction */
	struct crypto_aes_ctx k1;	/* data key (two-key: the key) */
	struct crypto_aes_ctx k2;	/* full: K2; two-key: tweak key of @xts */
	struct crypto_sync_skcipher *xts; /* K1|K2 or K1|K', or NULL */
	/*
	 * The same keys as single-block AES-NI ciphers, or NULL: the one
	 * or two blocks per call outside the bulk XTS (PCC's E_K, the
	 * full form's E_K2(tweak), the two-key IV D_K'(t)) would otherwise
	 * run in lib/crypto's table AES, several times slower.
	 */
	struct crypto_cipher *c1, *c2;
	struct rcu_work rwork;
};

/* one wrapping key and the cache of keys wrapped under it */
struct emu_wk {
	u64 gen;
	struct crypto_aes_ctx ctx;
	u8 wkvp[EMU_WKVP_SIZE];
	struct emu_ckey __rcu *slot[EMU_CACHE_SLOTS];
	struct rcu_work rwork;
};

/* the current wrapping key; readers rcu_read_lock(), writers emu_lock */
extern struct emu_wk __rcu *emu_cur;
/* emu_cur updates, cache slots, km_fail_after state, refill queue */
extern spinlock_t emu_lock;
/* frees retired wrapping keys and cache entries, refills the cache */
extern struct workqueue_struct *emu_wq;

/* A new wrapping key, not yet published; process context. */
struct emu_wk *emu_wk_alloc(void);
void emu_wk_free(struct emu_wk *wk);
void emu_install_wk_locked(struct emu_wk *nwk);

/* ---- emu_cache.c: key cache ---- */

/* Under rcu_read_lock(): the entry of a wrapped key in @wk, or NULL. */
struct emu_ckey *emu_cache_lookup(struct emu_wk *wk, u32 keytype,
				  const u8 *wrapped, u32 wlen);
void emu_cache_insert(u32 keytype, const u8 *clr, const u8 *wrapped, u64 gen);
void emu_refill_request(u64 gen, u32 keytype, const u8 *wrapped, u32 wlen);
void emu_ckey_free(struct emu_ckey *ck);
/* Is the kernel's synchronous AES-NI xts there for the cache to use? */
void emu_probe_xts(void);
const char *emu_xts_driver(void);
void emu_refill_init(void);
void emu_refill_cancel(void);
void emu_refill_clear(void);

/* ---- emu_cpacf.c: KM/PCC ---- */

/* emu_km()/emu_pcc() flags for the self-test */
#define EMU_NOFAST		0x1	/* software XTS even if AES-NI usable */
#define EMU_NOCACHE		0x2	/* ignore the key cache */

/* pkey_emu_km()/pkey_emu_pcc() with @flags */
int emu_km(unsigned long func, void *param, u8 *dst, const u8 *src, long len,
	   unsigned int flags);
int emu_pcc(unsigned long func, void *param, unsigned int flags);

/* emu/msa10: are the full-XTS functions there (query, PCKMO)? */
bool emu_msa10(void);
void emu_set_msa10(bool on);

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

struct emu_stats {
	u64 v[EMU_STAT_NR];
};
DECLARE_PER_CPU(struct emu_stats, emu_stats);

static inline void emu_stat_add(enum emu_stat s, u64 n)
{
	this_cpu_add(emu_stats.v[s], n);
}

u64 emu_stat_read(enum emu_stat s);

/* ---- emu_selftest.c ---- */

int emu_selftest(void);

/* ---- emu_limit.c ---- */

void emu_limit(void);

/* ---- emu_card.c: emulated crypto card ---- */

/* the one APQN of the emulated card */
#define EMU_APQN_CARD		0
#define EMU_APQN_DOMAIN		0

#define EMU_EP11_WKVP_SIZE	16
#define EMU_VP_MAX		16
#define EMU_CARD_MAC_MAX	32

enum emu_card_kind { EMU_CCA, EMU_EP11, EMU_CARD_NR };
/* registers: CCA has all three, EP11 only NEW and CURRENT */
enum emu_reg_id { EMU_REG_NEW, EMU_REG_CUR, EMU_REG_OLD, EMU_REG_NR };

/*
 * A token for the card to seal or unseal: the verification pattern goes to
 * tok[vp_off], a MAC of the plaintext token (with the MAC field zeroed) to
 * tok[mac_off] (mac_len 0: none, else 16 or 32), and tok[key_off] ..
 * tok[key_off + key_len) (>= 16 bytes) is wrapped in place under @domain.
 */
struct emu_seal {
	u8 *tok;
	unsigned int len;
	unsigned int vp_off;
	unsigned int key_off, key_len;
	unsigned int mac_off, mac_len;
	u8 domain;
};

int emu_card_init(void);
void emu_card_exit(void);
unsigned int emu_card_vp_len(enum emu_card_kind kind);
/* Load @key into NEW; commit NEW to CURRENT (-EINVAL if NEW is empty). */
int emu_card_load(enum emu_card_kind kind, const u8 key[32]);
int emu_card_commit(enum emu_card_kind kind);
/* CCA load and commit in one step (emu/master_key) */
int emu_set_master_key(const u8 mk[32]);
/* A register's verification pattern: its length, or -ENOENT if empty. */
int emu_card_vp(enum emu_card_kind kind, enum emu_reg_id reg, u8 *vp);
/* All registers' patterns at one moment; returns the pattern length. */
int emu_card_vps(enum emu_card_kind kind, u8 vp[EMU_REG_NR][EMU_VP_MAX],
		 bool set[EMU_REG_NR]);
void emu_card_set_online(bool online);
bool emu_card_online(void);
/* Seal under CURRENT; -ENODEV if the card is offline. */
int emu_card_seal(enum emu_card_kind kind, const struct emu_seal *s);
/*
 * Unseal in place under the register whose pattern the token carries
 * (CURRENT, or OLD for CCA; *match = PKEY_FLAGS_MATCH_CUR/ALT_MKVP);
 * -ENODEV if none or offline, -EINVAL if the MAC does not match.  Allocates
 * a card message with GFP_KERNEL as the real driver does.
 */
int emu_card_unseal(enum emu_card_kind kind, const struct emu_seal *s,
		    u32 *match);
/* PKEY_FLAGS_MATCH_* of the register @vp matches within @flags, or -ENODEV */
int emu_card_match(enum emu_card_kind kind, const u8 *vp, u32 flags);
/* 0 if an APQN list lets the request reach the card, else -ENODEV */
int emu_card_apqns(const struct pkey_apqn *apqns, u32 nr);

/* ---- emu_cca.c, emu_ep11.c: token formats ---- */

#define EMU_CCA_CIPHER_SIZE	MAXAESCIPHERKEYSIZE	/* 136 */
/* EP11 AES blob with header: 16 + 256 = 272 bytes */
#define EMU_EP11_BLOB_SIZE	(sizeof(struct pkey_ep11kblob_header) + \
				 sizeof(struct pkey_ep11keyblob))
#define EMU_SECKEY_MAX		EMU_EP11_BLOB_SIZE
#define EMU_SK_CLR_MAX		32

/*
 * Per format: make from a clear key (@flags: keygenflags, 0 = default),
 * convert back to the clear key (@clr holds 32 bytes; returns the keytype),
 * and verify: bits and the PKEY_FLAGS_MATCH_* register (among @want) that
 * holds the token's pattern.  Each returns the token length from make,
 * -EINVAL for a malformed token and -ENODEV where the card cannot help.
 */
int emu_cca_data_make(u32 keytype, const u8 *clr, u8 *tok);
int emu_cca_data_to_clr(const u8 *tok, u32 len, u8 *clr);
int emu_cca_data_verify(const u8 *tok, u32 len, u32 want, u32 *bits,
			u32 *flags);
int emu_cca_cipher_make(u32 keytype, u32 flags, const u8 *clr, u8 *tok);
int emu_cca_cipher_to_clr(const u8 *tok, u32 len, u8 *clr);
int emu_cca_cipher_verify(const u8 *tok, u32 len, u32 want, u32 *bits,
			  u32 *flags);
int emu_ep11_make(u32 keytype, u32 flags, const u8 *clr, u8 *tok);
int emu_ep11_to_clr(const u8 *tok, u32 len, u8 *clr);
int emu_ep11_verify(const u8 *tok, u32 len, u32 want, u32 *bits,
		    u32 *flags);

/* ---- emu_seckey.c: secure keys of every type ---- */

/* Blob size of a PKEY_TYPE_* the card makes, or -EINVAL. */
int emu_seckey_size(u32 type);
/* PKEY_TYPE_* of a secure-key blob by its header, or -EINVAL. */
int emu_seckey_type(const u8 *blob, u32 len);
/* New secure key (random or from @clr) of @type; returns its length. */
int emu_seckey_gen(u32 type, u32 keytype, u32 flags, u8 *blob);
int emu_seckey_from_clr(u32 type, u32 keytype, u32 flags, const u8 *clr,
			u8 *blob);
/* Secure key -> clear key (@clr holds 32 bytes); returns the keytype. */
int emu_seckey_to_clr(const u8 *blob, u32 len, u8 *clr);
/* Type, bits and PKEY_FLAGS_MATCH_CUR/ALT_MKVP, or -ENODEV / -EINVAL. */
int emu_seckey_verify(const u8 *blob, u32 len, u32 *type, u32 *bits,
		      u32 *flags);
/*
 * Is @blob a secure key the card serves with one of these patterns?
 * PKEY_FLAGS_MATCH_* (0: either): 1 yes, 0 no, -EINVAL malformed.
 */
int emu_seckey_apqn_match(const u8 *blob, u32 len, u32 flags);

/* ---- emu_sysfs.c ---- */

extern const struct attribute_group *emu_attr_groups[];

#endif /* _EMU_INTERNAL_H */
