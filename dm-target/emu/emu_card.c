// SPDX-License-Identifier: GPL-2.0
/*
 * pkey_emu: the emulated crypto card.
 *
 * One adapter domain, APQN 0/0 (card 0, domain 0), online or offline, that
 * answers both as a CCA coprocessor and as an EP11 one (a real adapter is
 * in one mode or the other; one card keeps the tests short):
 *
 *  - CCA AES master-key registers NEW, CURRENT and OLD.  A commit moves NEW
 *    to CURRENT and CURRENT to OLD, so keys made under the previous master
 *    key still convert until the next commit, as on a real card.  MKVP =
 *    the first 8 bytes of AES-256_MK("pkey_emu-mkvp-00").
 *  - EP11 wrapping-key registers NEW and CURRENT only (as the real EP11
 *    domain info): a commit loses the previous wrapping key at once.  WKVP =
 *    AES-256_WK("pkey_emu-ep11-vp"), all 16 bytes, as stored in key blobs.
 *
 * The card seals key tokens laid out by emu_cca.c and emu_ep11.c: it puts
 * its verification pattern into the token, MACs the plaintext token (a CBC
 * MAC under a key derived from the register) and wraps the key bytes in
 * place with emu_aes_wrap().  Unsealing finds the register by the token's
 * verification pattern, unwraps and checks the MAC, so any change to a
 * token is noticed.
 *
 * The initial keys come from the module parameters master_key and
 * ep11_wrapping_key (64 hex digits each), or are random per load.  They are
 * key material: perm 0, so sysfs never shows them, wiped once parsed, and
 * a bad value is reported without echoing it.
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
#include <crypto/aes.h>
#include <crypto/algapi.h>

#include "emu_internal.h"

/*
 * charps, not parameters with their own parser: a set callback that failed
 * would make the module loader print the rejected value, which may be a
 * mistyped key.  emu_card_init() checks them and says what is wrong instead.
 */
static char *master_key;
module_param(master_key, charp, 0);
MODULE_PARM_DESC(master_key,
		 "Crypto card CCA AES master key, 64 hex digits (default: random per load)");

static char *ep11_wrapping_key;
module_param(ep11_wrapping_key, charp, 0);
MODULE_PARM_DESC(ep11_wrapping_key,
		 "Crypto card EP11 wrapping key, 64 hex digits (default: random per load)");

/*
 * A conversion is a request to the crypto card, which the real driver builds
 * in memory allocated per request with GFP_KERNEL (the CPRB, and an AP
 * message of up to MSGTYPE06_MAX_MSG_SIZE).  The emulation allocates the
 * same, so that a caller which must not recurse into I/O (a daemon repairing
 * a swap device) has to protect itself here as it must on real hardware.
 */
#define EMU_CARD_MSG_SIZE	(12 * 1024)

struct emu_reg {
	bool set;
	struct crypto_aes_ctx ctx;	/* the master or wrapping key */
	struct crypto_aes_ctx mac;	/* MAC key derived from it */
	u8 vp[EMU_VP_MAX];		/* MKVP (first 8 bytes) or WKVP */
};

static struct emu_reg emu_regs[EMU_CARD_NR][EMU_REG_NR];
static bool emu_online = true;
/* the registers and emu_online */
static DEFINE_MUTEX(emu_card_lock);

static const u8 emu_vp_const[EMU_CARD_NR][AES_BLOCK_SIZE] = {
	[EMU_CCA] = "pkey_emu-mkvp-00",
	[EMU_EP11] = "pkey_emu-ep11-vp",
};

unsigned int emu_card_vp_len(enum emu_card_kind kind)
{
	return kind == EMU_CCA ? EMU_MKVP_SIZE : EMU_EP11_WKVP_SIZE;
}

static void emu_reg_derive(enum emu_card_kind kind, struct emu_reg *r,
			   const u8 key[32])
{
	static const u8 mc[2][AES_BLOCK_SIZE] = {
		"pkey_emu-mac-k00", "pkey_emu-mac-k01"
	};
	u8 mk[32];

	aes_expandkey(&r->ctx, key, AES_KEYSIZE_256);
	aes_encrypt(&r->ctx, r->vp, emu_vp_const[kind]);
	aes_encrypt(&r->ctx, mk, mc[0]);
	aes_encrypt(&r->ctx, mk + AES_BLOCK_SIZE, mc[1]);
	aes_expandkey(&r->mac, mk, sizeof(mk));
	memzero_explicit(mk, sizeof(mk));
	r->set = true;
}

int emu_card_load(enum emu_card_kind kind, const u8 key[32])
{
	mutex_lock(&emu_card_lock);
	emu_reg_derive(kind, &emu_regs[kind][EMU_REG_NEW], key);
	mutex_unlock(&emu_card_lock);
	return 0;
}

int emu_card_commit(enum emu_card_kind kind)
{
	struct emu_reg *r = emu_regs[kind];
	int rc = 0;

	mutex_lock(&emu_card_lock);
	if (!r[EMU_REG_NEW].set) {
		rc = -EINVAL;
	} else {
		/* EP11 has no OLD register: its previous key is gone */
		if (kind == EMU_CCA)
			r[EMU_REG_OLD] = r[EMU_REG_CUR];
		r[EMU_REG_CUR] = r[EMU_REG_NEW];
		memzero_explicit(&r[EMU_REG_NEW], sizeof(r[EMU_REG_NEW]));
	}
	mutex_unlock(&emu_card_lock);
	return rc;
}

int emu_set_master_key(const u8 mk[32])
{
	emu_card_load(EMU_CCA, mk);
	return emu_card_commit(EMU_CCA);
}

int emu_card_vp(enum emu_card_kind kind, enum emu_reg_id reg, u8 *vp)
{
	const struct emu_reg *r = &emu_regs[kind][reg];
	int rc = -ENOENT;

	mutex_lock(&emu_card_lock);
	if (r->set) {
		rc = emu_card_vp_len(kind);
		memcpy(vp, r->vp, rc);
	}
	mutex_unlock(&emu_card_lock);
	return rc;
}

int emu_card_vps(enum emu_card_kind kind, u8 vp[EMU_REG_NR][EMU_VP_MAX],
		 bool set[EMU_REG_NR])
{
	const struct emu_reg *r = emu_regs[kind];
	int i;

	mutex_lock(&emu_card_lock);
	for (i = 0; i < EMU_REG_NR; i++) {
		set[i] = r[i].set;
		memcpy(vp[i], r[i].vp, EMU_VP_MAX);
	}
	mutex_unlock(&emu_card_lock);
	return emu_card_vp_len(kind);
}

void emu_card_set_online(bool online)
{
	mutex_lock(&emu_card_lock);
	WRITE_ONCE(emu_online, online);
	mutex_unlock(&emu_card_lock);
}

bool emu_card_online(void)
{
	return READ_ONCE(emu_online);
}

/*
 * CBC-MAC of @len bytes (a last partial block zero padded), started from a
 * block holding the domain and the length; 16 or 32 bytes of tag.
 */
static void emu_card_mac(const struct emu_reg *r, u8 domain, const u8 *buf,
			 unsigned int len, u8 *tag, unsigned int taglen)
{
	u8 x[AES_BLOCK_SIZE] = { domain, len & 0xff, len >> 8 };
	unsigned int i, n;

	aes_encrypt(&r->mac, x, x);
	for (i = 0; i < len; i += AES_BLOCK_SIZE) {
		n = min_t(unsigned int, AES_BLOCK_SIZE, len - i);
		crypto_xor(x, buf + i, n);
		aes_encrypt(&r->mac, x, x);
	}
	memcpy(tag, x, AES_BLOCK_SIZE);
	if (taglen > AES_BLOCK_SIZE) {
		for (i = 0; i < AES_BLOCK_SIZE; i++)
			x[i] ^= 0x5c;
		aes_encrypt(&r->mac, tag + AES_BLOCK_SIZE, x);
	}
	memzero_explicit(x, sizeof(x));
}

int emu_card_seal(enum emu_card_kind kind, const struct emu_seal *s)
{
	const struct emu_reg *r = &emu_regs[kind][EMU_REG_CUR];
	int rc = 0;

	mutex_lock(&emu_card_lock);
	if (!emu_online || !r->set) {
		rc = -ENODEV;
		goto out;
	}
	memcpy(s->tok + s->vp_off, r->vp, emu_card_vp_len(kind));
	if (s->mac_len) {
		memset(s->tok + s->mac_off, 0, s->mac_len);
		emu_card_mac(r, s->domain, s->tok, s->len, s->tok + s->mac_off,
			     s->mac_len);
	}
	emu_aes_wrap(&r->ctx, s->domain, s->tok + s->key_off, s->key_len);
out:
	mutex_unlock(&emu_card_lock);
	return rc;
}

/* The register holding @vp: CURRENT, or OLD if @flags allow it. */
static const struct emu_reg *emu_card_find(enum emu_card_kind kind,
					   const u8 *vp, u32 flags, u32 *match)
{
	const struct emu_reg *r = emu_regs[kind];
	unsigned int n = emu_card_vp_len(kind);

	if (!emu_online)
		return NULL;
	if ((flags & PKEY_FLAGS_MATCH_CUR_MKVP) && r[EMU_REG_CUR].set &&
	    !memcmp(vp, r[EMU_REG_CUR].vp, n)) {
		*match = PKEY_FLAGS_MATCH_CUR_MKVP;
		return &r[EMU_REG_CUR];
	}
	if (kind == EMU_CCA && (flags & PKEY_FLAGS_MATCH_ALT_MKVP) &&
	    r[EMU_REG_OLD].set && !memcmp(vp, r[EMU_REG_OLD].vp, n)) {
		*match = PKEY_FLAGS_MATCH_ALT_MKVP;
		return &r[EMU_REG_OLD];
	}
	return NULL;
}

int emu_card_match(enum emu_card_kind kind, const u8 *vp, u32 flags)
{
	u32 match = 0;
	int rc;

	mutex_lock(&emu_card_lock);
	rc = emu_card_find(kind, vp, flags, &match) ? match : -ENODEV;
	mutex_unlock(&emu_card_lock);
	return rc;
}

int emu_card_unseal(enum emu_card_kind kind, const struct emu_seal *s,
		    u32 *match)
{
	const u32 any = PKEY_FLAGS_MATCH_CUR_MKVP | PKEY_FLAGS_MATCH_ALT_MKVP;
	const struct emu_reg *r;
	u8 tag[EMU_CARD_MAC_MAX];
	u8 *msg;
	int rc = 0;

	if (WARN_ON_ONCE(s->len > EMU_CARD_MSG_SIZE ||
			 s->mac_len > sizeof(tag)))
		return -EINVAL;
	msg = kzalloc(EMU_CARD_MSG_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, s->tok, s->len);

	mutex_lock(&emu_card_lock);
	r = emu_card_find(kind, msg + s->vp_off, any, match);
	if (!r) {
		rc = -ENODEV;
		goto unlock;
	}
	emu_aes_unwrap(&r->ctx, s->domain, msg + s->key_off, s->key_len);
	if (s->mac_len) {
		memcpy(tag, msg + s->mac_off, s->mac_len);
		memset(msg + s->mac_off, 0, s->mac_len);
		emu_card_mac(r, s->domain, msg, s->len, msg + s->mac_off,
			     s->mac_len);
		if (crypto_memneq(tag, msg + s->mac_off, s->mac_len))
			rc = -EINVAL;	/* the token was changed */
	}
unlock:
	mutex_unlock(&emu_card_lock);
	if (!rc)
		memcpy(s->tok + s->key_off, msg + s->key_off, s->key_len);
	memzero_explicit(tag, sizeof(tag));
	kfree_sensitive(msg);
	return rc;
}

int emu_card_apqns(const struct pkey_apqn *apqns, u32 nr)
{
	u32 i;

	if (!emu_card_online())
		return -ENODEV;
	/* no list, or one "any" entry: the driver picks a card itself */
	if (!nr || (nr == 1 && apqns[0].card == 0xffff &&
		    apqns[0].domain == 0xffff))
		return 0;
	for (i = 0; i < nr; i++)
		if (apqns[i].card == EMU_APQN_CARD &&
		    apqns[i].domain == EMU_APQN_DOMAIN)
			return 0;
	return -ENODEV;
}

/* A key parameter into @key: 0, or -EINVAL unless 64 hex digits. */
static int emu_parse_key(const char *name, char *str, u8 key[32])
{
	size_t len = strlen(str);
	int rc = 0;

	if (len != 64) {
		pr_err("invalid %s parameter: %zu characters, expected 64 hex digits\n",
		       name, len);
		rc = -EINVAL;
	} else if (hex2bin(key, str, 32)) {
		pr_err("invalid %s parameter: not 64 hex digits\n", name);
		rc = -EINVAL;
	}
	memzero_explicit(str, len);
	if (rc)
		memzero_explicit(key, 32);
	return rc;
}

static int emu_card_init_reg(enum emu_card_kind kind, const char *name,
			     char *param)
{
	u8 key[32], vp[EMU_VP_MAX];
	int rc;

	if (param) {
		rc = emu_parse_key(name, param, key);
		if (rc)
			return rc;
	} else {
		get_random_bytes(key, sizeof(key));
	}
	emu_card_load(kind, key);
	memzero_explicit(key, sizeof(key));
	emu_card_commit(kind);
	/* a load starts with NEW and OLD empty */
	memzero_explicit(&emu_regs[kind][EMU_REG_OLD],
			 sizeof(emu_regs[kind][EMU_REG_OLD]));
	if (param) {
		rc = emu_card_vp(kind, EMU_REG_CUR, vp);
		pr_info("crypto card %s from the %s parameter, %s %*phN\n",
			kind == EMU_CCA ? "master key" : "EP11 wrapping key",
			name, kind == EMU_CCA ? "MKVP" : "WKVP", rc, vp);
	}
	return 0;
}

int emu_card_init(void)
{
	int rc;

	emu_online = true;
	rc = emu_card_init_reg(EMU_CCA, "master_key", master_key);
	if (!rc)
		rc = emu_card_init_reg(EMU_EP11, "ep11_wrapping_key",
				       ep11_wrapping_key);
	if (rc) {
		/* wipe the other parameter too when one is refused */
		if (master_key)
			memzero_explicit(master_key, strlen(master_key));
		if (ep11_wrapping_key)
			memzero_explicit(ep11_wrapping_key,
					 strlen(ep11_wrapping_key));
		emu_card_exit();
	}
	return rc;
}

void emu_card_exit(void)
{
	mutex_lock(&emu_card_lock);
	memzero_explicit(emu_regs, sizeof(emu_regs));
	mutex_unlock(&emu_card_lock);
}
