// SPDX-License-Identifier: GPL-2.0
/*
 * dm-paes: key tokens, the verification pattern, key state and the
 * "key set|replace|wipe" messages.
 *
 * Verification pattern (VP): the XTS encryption of one zero block under
 * the tweak 0xff * 16, which no plain64 IV can produce (its upper eight
 * bytes are always zero).  It depends only on the clear key, not on the
 * wrapping, so a re-wrapped token of the same key has the same VP while a
 * different key has another one: "key set" refuses a key whose VP differs
 * from the stored one and so can never decrypt data with the wrong key.
 * The stored VP comes from the table option vp: or from the first key;
 * the table line prints it, so that a reloaded copy of the table (whose
 * key is "-" when the key was hex) still accepts only the right key.
 * It is a key check value, not a secret: one known plaintext block under
 * an otherwise unused tweak tells nothing about an AES key.
 *
 * Lost blocks after "key replace": one bitmap bit per crypto block means
 * "written under the current key since the last replace".  The bitmap is
 * allocated with the table; every replace clears it, puts it in force and
 * bumps the key epoch.  A write encrypted in the current epoch sets its bits
 * on successful completion; a write encrypted in an older epoch that
 * completes afterwards clears them
 * (its data is under the old key).  While a replace is in force a read
 * returns data only if every block it touches has its bit set and it was
 * issued in the current epoch; otherwise it fails with EIO, never garbage.
 * And while any write of an older epoch is still in flight (writes_old),
 * every read fails: such a write may already have landed on a block whose
 * bit a newer write has set, and only its completion clears that bit.
 * Blocks never written since the replace fail too (conservative: the
 * target cannot know whether they held data).  The bitmap lives in memory
 * with the table: a reload loses it, so reload only with the key the
 * blocks were written with, or accept that old blocks read as garbage.
 */
#include <linux/ctype.h>
#include <linux/key.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/algapi.h>
#include <keys/user-type.h>
#include <pkeydm/kcompat.h>

#include <uapi/pkeydm/pkey_abi.h>

#include "dm-paes.h"

const char *paes_keytype_name(enum paes_keytype type)
{
	switch (type) {
	case PAES_KT_XTS128:
		return "xts-128";
	case PAES_KT_XTS256:
		return "xts-256";
	case PAES_KT_FXTS128:
		return "fxts-128";
	case PAES_KT_FXTS256:
		return "fxts-256";
	default:
		return "none";
	}
}

/* Token u32 fields are in the CPU's byte order (big-endian on s390). */
static u32 paes_tok_u32(const u8 *p)
{
	return get_unaligned((const u32 *)p);
}

static int paes_check_hdr(const u8 *t, char **err)
{
	if (t[0] != PKEY_TOKTYPE_NON_CCA) {
		*err = "Invalid key token: type is not non-CCA (0x00)";
		return -EINVAL;
	}
	if (t[4] != PKEY_TOKVER_PROTECTED_KEY) {
		*err = "Invalid key token: version is not protected key (0x01)";
		return -EINVAL;
	}
	if (t[1] || t[2] || t[3] || t[5] || t[6] || t[7]) {
		*err = "Invalid key token: reserved header bytes not zero";
		return -EINVAL;
	}
	return 0;
}

/* Two independent protaeskeytokens: K1 (data key) then K2 (tweak key). */
static int paes_parse_pair(const u8 *buf, struct paes_key *key,
			   char **err)
{
	u32 type[2];
	int i, r;

	for (i = 0; i < 2; i++) {
		const u8 *t = buf + i * PAES_TOKEN_SIZE;
		u32 len;

		r = paes_check_hdr(t, err);
		if (r)
			return r;
		type[i] = paes_tok_u32(t + 8);
		len = paes_tok_u32(t + 12);
		if (type[i] != PKEY_KEYTYPE_AES_128 &&
		    type[i] != PKEY_KEYTYPE_AES_256) {
			*err = "Invalid key token: keytype must be AES_128 or AES_256 in an XTS token pair";
			return -EINVAL;
		}
		if (len != (type[i] == PKEY_KEYTYPE_AES_128 ? 48 : 64)) {
			*err = "Invalid key token: len does not match keytype (48 for AES_128, 64 for AES_256)";
			return -EINVAL;
		}
	}
	if (type[0] != type[1]) {
		*err = "Invalid XTS token pair: the two key types differ";
		return -EINVAL;
	}

	if (type[0] == PKEY_KEYTYPE_AES_128) {
		key->type = PAES_KT_XTS128;
		key->fc = PAES_KM_PXTS_128;
		key->kl = 16;
	} else {
		key->type = PAES_KT_XTS256;
		key->fc = PAES_KM_PXTS_256;
		key->kl = 32;
	}
	/*
	 * Equal halves make a weak XTS key.  Upstream refuses them only in
	 * FIPS mode or on request (xts_verify_key()); we always do.  Under
	 * one wrapping key the same clear key wraps to the same bytes, so
	 * equal protected keys are equal clear keys.
	 */
	if (!crypto_memneq(buf + 16, buf + PAES_TOKEN_SIZE + 16, key->kl)) {
		*err = "Invalid XTS token pair: K1 and K2 are the same key (a weak XTS key)";
		return -EINVAL;
	}
	memcpy(key->prot, buf + 16, key->kl + PAES_WKVP_SIZE);
	memcpy(key->prot + 64, buf + PAES_TOKEN_SIZE + 16,
	       key->kl + PAES_WKVP_SIZE);
	return 0;
}

/* One full-XTS token: header, keytype, len, 2 * kl key bytes, WKVP. */
static int paes_parse_full(const u8 *buf, size_t size, struct paes_key *key,
			   char **err)
{
	u32 type, len, want_type, want_len;
	int r;

	r = paes_check_hdr(buf, err);
	if (r)
		return r;
	type = paes_tok_u32(buf + 8);
	len = paes_tok_u32(buf + 12);
	want_type = size == PAES_FXTS128_SIZE ? PKEY_KEYTYPE_AES_XTS_128 :
						PKEY_KEYTYPE_AES_XTS_256;
	want_len = size - 16;
	if (type != want_type) {
		*err = size == PAES_FXTS128_SIZE ?
			"Invalid key token: an 80-byte key must be a full-XTS token of keytype AES_XTS_128" :
			"Invalid key token: a 112-byte key must be a full-XTS token of keytype AES_XTS_256";
		return -EINVAL;
	}
	if (len != want_len) {
		*err = "Invalid key token: len does not match keytype (64 for AES_XTS_128, 96 for AES_XTS_256)";
		return -EINVAL;
	}
	if (type == PKEY_KEYTYPE_AES_XTS_128) {
		key->type = PAES_KT_FXTS128;
		key->fc = PAES_KM_PXTS_128_FULL;
		key->kl = 16;
	} else {
		key->type = PAES_KT_FXTS256;
		key->fc = PAES_KM_PXTS_256_FULL;
		key->kl = 32;
	}
	memcpy(key->prot, buf + 16, len);
	return 0;
}

static bool paes_valid_size(unsigned int n)
{
	return n == PAES_PAIR_SIZE || n == PAES_FXTS128_SIZE ||
	       n == PAES_FXTS256_SIZE;
}

static int paes_parse_token(const u8 *buf, unsigned int n,
			    struct paes_key *key, char **err)
{
	memset(key, 0, sizeof(*key));
	if (n == PAES_PAIR_SIZE)
		return paes_parse_pair(buf, key, err);
	return paes_parse_full(buf, n, key, err);
}

#ifdef CONFIG_KEYS
/* ":<bytes>:logon:<desc>", @ref points after the first ':' */
static int paes_keyring_key(char *ref, u8 *buf, unsigned int *n,
			    char **err)
{
	const struct user_key_payload *ukp;
	char *colon, *desc;
	struct key *key;
	unsigned int bytes;
	int r;

	colon = strchr(ref, ':');
	if (!colon || colon == ref) {
		*err = "Invalid keyring key reference (expected :<bytes>:logon:<desc>)";
		return -EINVAL;
	}
	*colon = '\0';
	r = kstrtouint(ref, 10, &bytes);
	*colon = ':';
	if (r || !paes_valid_size(bytes)) {
		*err = "Invalid keyring key size (expected 160, 80 or 112 bytes)";
		return -EINVAL;
	}
	if (strncmp(colon + 1, "logon:", 6)) {
		*err = "Invalid keyring key type (only logon keys are supported)";
		return -EINVAL;
	}
	desc = colon + 7;
	if (!*desc) {
		*err = "Invalid keyring key description (empty)";
		return -EINVAL;
	}
	for (colon = desc; *colon; colon++) {
		if (isspace(*colon) || !isprint(*colon)) {
			*err = "Invalid keyring key description (whitespace or control characters)";
			return -EINVAL;
		}
	}

	key = request_key(&key_type_logon, desc, NULL);
	if (IS_ERR(key)) {
		*err = "Keyring key not found (logon type)";
		return -ENOKEY;
	}
	down_read(&key->sem);
	ukp = user_key_payload_locked(key);
	if (!ukp) {
		*err = "Keyring key revoked";
		r = -EKEYREVOKED;
	} else if (ukp->datalen != bytes) {
		*err = "Keyring key payload size differs from <bytes>";
		r = -EINVAL;
	} else {
		memcpy(buf, ukp->data, bytes);
		*n = bytes;
		r = 0;
	}
	up_read(&key->sem);
	key_put(key);
	return r;
}
#else
static int paes_keyring_key(char *ref, u8 *buf, unsigned int *n,
			    char **err)
{
	*err = "Keyring keys need CONFIG_KEYS";
	return -EINVAL;
}
#endif

/*
 * Parse a <key> argument: hex token(s), ":<bytes>:logon:<desc>" or "-".
 * On success @key holds the key (type PAES_KT_NONE for "-") and *@desc the
 * keyring reference without its leading ':' (kmalloc'ed) or NULL.  The
 * hex digits in @arg are overwritten either way.
 */
int paes_parse_key_arg(struct dm_target *ti, char *arg, struct paes_key *key,
		       char **desc, char **err)
{
	size_t len = strlen(arg);
	u8 buf[PAES_PAIR_SIZE];
	unsigned int n = 0;
	int r;

	*desc = NULL;
	memset(key, 0, sizeof(*key));

	if (!strcmp(arg, "-"))
		return 0;

	if (arg[0] == ':') {
		r = paes_keyring_key(arg + 1, buf, &n, err);
		if (r)
			goto out;
		r = paes_parse_token(buf, n, key, err);
		if (r)
			goto out;
		*desc = kstrdup(arg + 1, GFP_KERNEL);
		if (!*desc) {
			*err = "Cannot allocate key description";
			r = -ENOMEM;
		}
		goto out;
	}

	if (len & 1) {
		*err = "Invalid key: odd number of hex digits";
		r = -EINVAL;
		goto out;
	}
	n = len / 2;
	if (!paes_valid_size(n)) {
		*err = "Invalid key size (expected 160 bytes for an XTS token pair, 80 or 112 for a full-XTS token)";
		r = -EINVAL;
		goto out;
	}
	if (hex2bin(buf, arg, n)) {
		*err = "Invalid key: not a hex string";
		r = -EINVAL;
		goto out;
	}
	r = paes_parse_token(buf, n, key, err);
out:
	memzero_explicit(buf, sizeof(buf));
	if (arg[0] != ':')
		memset(arg, '0', len);
	if (r) {
		memzero_explicit(key, sizeof(*key));
		kfree(*desc);
		*desc = NULL;
	}
	return r;
}

void paes_xctx_load(struct paes_xctx *x, const struct paes_key *key, u64 gen)
{
	unsigned int kl = key->kl;

	memset(x, 0, sizeof(*x));
	x->fc = key->fc;
	x->gen = gen;
	x->full = key->type == PAES_KT_FXTS128 || key->type == PAES_KT_FXTS256;
	if (x->full) {
		x->off = 64 - 2 * kl;
		memcpy(x->fkm.key + x->off, key->prot, 2 * kl);
		memcpy(x->fkm.wkvp, key->prot + 2 * kl, PAES_WKVP_SIZE);
	} else {
		x->off = 64 - (kl + PAES_WKVP_SIZE);
		memcpy(x->km.key + x->off, key->prot, kl + PAES_WKVP_SIZE);
		memcpy(x->k2, key->prot + 64, kl + PAES_WKVP_SIZE);
	}
}

/* 0, or -EKEYEXPIRED if the key does not match the wrapping key. */
int paes_key_vp(const struct paes_key *key, u8 *vp)
{
	static const u8 zero[PAES_VP_SIZE];
	struct paes_xctx x;
	u8 iv[16];
	int r;

	memset(iv, 0xff, sizeof(iv));
	paes_xctx_load(&x, key, 0);
	r = paes_xts_start(&x, iv);
	if (!r && paes_xts_crypt(&x, vp, zero, PAES_VP_SIZE, false) !=
		  PAES_VP_SIZE)
		r = -EKEYEXPIRED;
	memzero_explicit(&x, sizeof(x));
	return r;
}

/* An encrypted write goes to the device: count it in its epoch. */
void paes_write_start_locked(struct paes_c *pc, struct paes_io *io)
{
	lockdep_assert_held(&pc->lock);
	if (io->epoch == pc->epoch)
		pc->writes_cur++;
	else
		pc->writes_old++;
}

/*
 * Write completion: see the comment at the top.  A write of an older
 * epoch clears its bits even if it failed: the blocks may now hold data
 * under the old key.
 */
void paes_write_done_locked(struct paes_c *pc, struct paes_io *io,
			    blk_status_t status)
{
	sector_t b = io->sector >> pc->sector_shift;
	sector_t end = b + (io->iter.bi_size >> (SECTOR_SHIFT + pc->sector_shift));

	lockdep_assert_held(&pc->lock);
	if (io->epoch == pc->epoch)
		pc->writes_cur--;
	else
		pc->writes_old--;
	if (!pc->written)
		return;
	if (io->epoch == pc->epoch) {
		if (status)
			return;
		for (; b < end; b++)
			if (!test_and_set_bit(b, pc->written))
				pc->lost_blocks--;
	} else {
		for (; b < end; b++)
			if (test_and_clear_bit(b, pc->written))
				pc->lost_blocks++;
	}
}

/* Read, under pc->lock: may its data be decrypted with the current key? */
bool paes_read_allowed(struct paes_c *pc, struct paes_io *io)
{
	sector_t b = io->sector >> pc->sector_shift;
	sector_t end = b + (io->iter.bi_size >> (SECTOR_SHIFT + pc->sector_shift));

	lockdep_assert_held(&pc->lock);
	if (io->epoch != pc->epoch || pc->writes_old)
		return false;
	if (!pc->written)
		return true;
	return find_next_zero_bit(pc->written, end, b) >= end;
}

/*
 * "key set <key>", or with @replace "key replace <key> [<gen>]": @gen is
 * the generation the sender saw when it decided to replace, or NULL.
 */
static int paes_msg_install(struct paes_c *pc, char *arg, bool replace,
			    const char *gen)
{
	const char *op = replace ? "key replace" : "key set";
	char *err = "invalid key";
	struct paes_key nk;
	LIST_HEAD(resume);
	u8 vp[PAES_VP_SIZE];
	char *desc = NULL;
	u64 want_gen = 0;
	int r;

	r = paes_parse_key_arg(pc->ti, arg, &nk, &desc, &err);
	if (r) {
		DMERR_LIMIT("%s: %s", op, err);
		goto out;
	}
	if (nk.type == PAES_KT_NONE) {
		DMERR_LIMIT("%s: a key is required", op);
		r = -EINVAL;
		goto out;
	}
	if (gen && kstrtoull(gen, 10, &want_gen)) {
		DMERR_LIMIT("key replace: invalid generation (a decimal number, the gen= being replaced)");
		r = -EINVAL;
		goto out;
	}
	if (!paes_query(nk.fc)) {
		DMERR_LIMIT("%s: CPACF function 0x%02lx (%s) is not available",
			    op, nk.fc, paes_keytype_name(nk.type));
		r = -EOPNOTSUPP;
		goto out;
	}
	r = paes_key_vp(&nk, vp);
	if (r) {
		DMERR_LIMIT("%s: the key does not match the current wrapping key (stale token)",
			    op);
		r = -EINVAL;
		goto out;
	}

	spin_lock_irq(&pc->lock);
	/*
	 * A replace makes every block written so far unreadable: only once
	 * the old key is gone (stale and not derivable again, lost, or
	 * none), never over a key that works.  With <gen>, also not when
	 * another key was installed since the sender looked.
	 */
	if (replace && pc->state == PAES_KEY_VALID) {
		spin_unlock_irq(&pc->lock);
		DMERR_LIMIT("key replace: the key is valid - replace only a stale, lost or missing key (key wipe first, while suspended)");
		r = -EBUSY;
		goto out;
	}
	if (gen && want_gen != pc->gen) {
		u64 cur = pc->gen;

		spin_unlock_irq(&pc->lock);
		DMERR_LIMIT("key replace: generation is %llu, not %llu - the key changed since",
			    cur, want_gen);
		r = -EBUSY;
		goto out;
	}
	/*
	 * The two-key and the full-XTS forms of one clear key share the VP
	 * but not the XTS state a read stopped mid-sector keeps: key set
	 * must not switch forms under parked I/O.
	 */
	if (!replace && pc->key.type != PAES_KT_NONE && pc->key.fc != nk.fc) {
		enum paes_keytype cur = pc->key.type;

		spin_unlock_irq(&pc->lock);
		DMERR_LIMIT("key set: key form %s differs from the current %s - use the same form (or a new table)",
			    paes_keytype_name(nk.type), paes_keytype_name(cur));
		r = -EINVAL;
		goto out;
	}
	if (pc->have_vp) {
		bool same = !crypto_memneq(vp, pc->vp, PAES_VP_SIZE);

		if (!replace && !same) {
			spin_unlock_irq(&pc->lock);
			DMERR_LIMIT("key set: verification pattern mismatch - use key replace for a new key");
			r = -EINVAL;
			goto out;
		}
		if (replace && same) {
			spin_unlock_irq(&pc->lock);
			DMERR_LIMIT("key replace: same effective key (verification pattern matches) - use key set");
			r = -EINVAL;
			goto out;
		}
	}
	pc->key = nk;
	memcpy(pc->vp, vp, PAES_VP_SIZE);
	pc->have_vp = true;
	pc->gen++;
	if (replace) {
		/*
		 * The map was allocated with the table; one already in
		 * force is cleared here, under the lock that readers and
		 * write completions take.
		 */
		pc->epoch++;
		pc->writes_old += pc->writes_cur;
		pc->writes_cur = 0;
		if (pc->written)
			bitmap_zero(pc->written, pc->nr_blocks);
		pc->written = pc->lost_map;
		pc->lost_blocks = pc->nr_blocks;
	}
	/* Always an event: a waiting manager re-reads gen as well. */
	if (pc->state == PAES_KEY_VALID)
		queue_work(pc->wq, &pc->event_work);
	paes_set_state_locked(pc, PAES_KEY_VALID);
	list_splice_init(&pc->parked, &resume);
	pc->nr_parked = 0;
	/*
	 * A pending timeout_work is left alone: it ignores a fire with
	 * nothing parked, and I/O parking from now on re-arms it.
	 */
	pc->timer_armed = false;
	swap(pc->key_desc, desc);	/* the old one is freed below */
	spin_unlock_irq(&pc->lock);

	paes_resume_parked(pc, &resume);
out:
	kfree(desc);
	memzero_explicit(&nk, sizeof(nk));
	memzero_explicit(vp, sizeof(vp));
	return r;
}

static int paes_msg_wipe(struct paes_c *pc)
{
	if (!dm_suspended(pc->ti)) {
		DMERR_LIMIT("key wipe: the device must be suspended");
		return -EBUSY;
	}
	/*
	 * The verification pattern stays: it is not key material, and the
	 * next "key set" must present the key the data was written with (a
	 * new key takes "key replace"), else a wrong key would be used.
	 */
	char *desc;

	spin_lock_irq(&pc->lock);
	memzero_explicit(&pc->key, sizeof(pc->key));
	pc->key.type = PAES_KT_NONE;
	paes_set_state_locked(pc, PAES_KEY_NONE);
	desc = pc->key_desc;
	pc->key_desc = NULL;
	spin_unlock_irq(&pc->lock);
	kfree(desc);
	return 0;
}

/*
 * key set <key>            same effective key (VP must match), re-wrapped
 * key replace <key> [<gen>] a new effective key, only while the key is
 *                          stale, lost or none (and gen is <gen>); older
 *                          blocks read as EIO
 * key wipe                 forget the key (not its VP); only suspended
 */
int paes_message(struct dm_target *ti, unsigned int argc, char **argv,
		 char *result, unsigned int maxlen)
{
	struct paes_c *pc = ti->private;
	unsigned int noio, i;
	int r = -EINVAL;

	/*
	 * "key set" and "key replace" un-park the device, which may be the
	 * swap that reclaim is waiting for: nothing they allocate (the
	 * keyring lookup, the key description) may recurse into I/O.
	 */
	noio = memalloc_noio_save();
	mutex_lock(&pc->msg_lock);
	if (argc >= 2 && !strcasecmp(argv[0], "key")) {
		if (argc == 3 && !strcasecmp(argv[1], "set"))
			r = paes_msg_install(pc, argv[2], false, NULL);
		else if ((argc == 3 || argc == 4) &&
			 !strcasecmp(argv[1], "replace"))
			r = paes_msg_install(pc, argv[2], true,
					     argc == 4 ? argv[3] : NULL);
		else if (argc == 2 && !strcasecmp(argv[1], "wipe"))
			r = paes_msg_wipe(pc);
		else
			DMERR_LIMIT("invalid key message (key set <key>, key replace <key> [<gen>], key wipe)");
	} else {
		DMERR_LIMIT("unrecognised message");
	}
	mutex_unlock(&pc->msg_lock);
	memalloc_noio_restore(noio);

	/* Key material may be anywhere in a malformed message. */
	for (i = 2; i < argc; i++)
		memset(argv[i], '0', strlen(argv[i]));
	return r;
}
