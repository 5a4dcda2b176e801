// SPDX-License-Identifier: GPL-2.0
/*
 * pkey-emu-check: exercise the pkey_emu module's /dev/pkey ioctls and its
 * sysfs (protkey/ and emu/) from userspace, the way the s390 pkey ABI is
 * used.  Run as root in the test VM after loading pkey_emu.  Prints one
 * line per failed check and "pkey-emu-check: N checks, M failed"; exits 1
 * if any failed.  "pkey-emu-check convert FILE" instead converts the key
 * blob in FILE with KBLOB2PROTK3 (exit 0 if it converts, 1 if not), for the
 * guest scripts.
 *
 * KM/PCC are kernel-internal; their equivalence with xts(aes) is checked
 * by the module's load-time self-test and by the dm-paes tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uapi/pkeydm/pkey_abi.h>

#include "tool_util.h"

#define SYS "/sys/devices/virtual/misc/pkey/"

static int checks, failed, fd;

#define CHECK(cond, ...)						\
	do {								\
		checks++;						\
		if (!(cond)) {						\
			failed++;					\
			printf("FAIL %s:%d: ", __func__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} while (0)

/* ioctl result as 0 or -errno */
static int pk_ioctl(unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int sys_write(const char *name, const char *val)
{
	int f = open(name, O_WRONLY), rc = 0;

	if (f < 0)
		return -errno;
	if (write(f, val, strlen(val)) < 0)
		rc = -errno;
	close(f);
	return rc;
}

static void hex2bin(const char *hex, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

/* 1 if any of the @n bytes at @p differs from @c */
static int memchr_inv_u(const uint8_t *p, int c, size_t n)
{
	while (n--)
		if (*p++ != (uint8_t)c)
			return 1;
	return 0;
}

static void cur_wkvp(uint8_t wkvp[32])
{
	char hex[80] = "";

	sys_read(SYS "emu/wkvp", hex, sizeof(hex) - 1, 0);
	hex2bin(hex, wkvp, 32);
}

static int klen_of(uint32_t kt)
{
	switch (kt) {
	case PKEY_KEYTYPE_AES_128: return 16;
	case PKEY_KEYTYPE_AES_192: return 24;
	case PKEY_KEYTYPE_AES_256: return 32;
	case PKEY_KEYTYPE_AES_XTS_128: return 32;
	case PKEY_KEYTYPE_AES_XTS_256: return 64;
	}
	return -1;
}

static void test_genprotk(void)
{
	static const uint32_t ok[] = { PKEY_KEYTYPE_AES_128,
		PKEY_KEYTYPE_AES_192, PKEY_KEYTYPE_AES_256,
		PKEY_KEYTYPE_AES_XTS_128 };
	struct pkey_genprotk g, g2;
	struct pkey_verifyprotk v;
	uint8_t wkvp[32];
	unsigned int i;
	int rc;

	cur_wkvp(wkvp);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int kl = klen_of(ok[i]);

		memset(&g, 0, sizeof(g));
		g.keytype = ok[i];
		rc = pk_ioctl(PKEY_GENPROTK, &g);
		CHECK(rc == 0, "GENPROTK %u: %d", ok[i], rc);
		CHECK(g.protkey.type == ok[i] && g.protkey.len == kl + 32u,
		      "GENPROTK %u: type %u len %u", ok[i], g.protkey.type,
		      g.protkey.len);
		CHECK(!memcmp(g.protkey.protkey + kl, wkvp, 32),
		      "GENPROTK %u: WKVP is not emu/wkvp", ok[i]);
		g2 = g;
		pk_ioctl(PKEY_GENPROTK, &g2);
		CHECK(memcmp(g.protkey.protkey, g2.protkey.protkey, kl),
		      "GENPROTK %u: two calls gave the same key", ok[i]);
		v.protkey = g.protkey;
		CHECK(pk_ioctl(PKEY_VERIFYPROTK, &v) == 0, "VERIFYPROTK %u", ok[i]);
	}
	g.keytype = PKEY_KEYTYPE_AES_XTS_256;	/* 96 bytes do not fit */
	CHECK(pk_ioctl(PKEY_GENPROTK, &g) == -EINVAL, "GENPROTK XTS_256");
	g.keytype = 99;
	CHECK(pk_ioctl(PKEY_GENPROTK, &g) == -EINVAL, "GENPROTK type 99");
	CHECK(pk_ioctl(PKEY_GENPROTK, (void *)8) == -EFAULT, "GENPROTK bad ptr");
	CHECK(pk_ioctl(_IOWR('p', 0x7f, int), &g) == -ENOTTY, "unknown ioctl");

	/* VERIFYPROTK: bad length, bad type, stale after rotation */
	g.keytype = PKEY_KEYTYPE_AES_256;
	pk_ioctl(PKEY_GENPROTK, &g);
	v.protkey = g.protkey;
	v.protkey.len = 63;
	CHECK(pk_ioctl(PKEY_VERIFYPROTK, &v) == -EINVAL, "VERIFYPROTK len 63");
	v.protkey.len = 200;
	CHECK(pk_ioctl(PKEY_VERIFYPROTK, &v) == -EINVAL, "VERIFYPROTK len 200");
	v.protkey = g.protkey;
	v.protkey.type = 7;
	CHECK(pk_ioctl(PKEY_VERIFYPROTK, &v) == -EINVAL, "VERIFYPROTK type 7");
	v.protkey = g.protkey;
	CHECK(sys_write(SYS "emu/rotate_wrapping_key", "1\n") == 0, "rotate");
	rc = pk_ioctl(PKEY_VERIFYPROTK, &v);
	CHECK(rc == -EKEYREJECTED, "VERIFYPROTK stale: %d", rc);
	cur_wkvp(wkvp);
	CHECK(memcmp(v.protkey.protkey + 32, wkvp, 32), "WKVP did not change");
}

static void test_clr2protk(void)
{
	struct pkey_clr2protk c, c2;
	int rc;

	memset(&c, 0, sizeof(c));
	c.keytype = PKEY_KEYTYPE_AES_256;
	memset(c.clrkey.clrkey, 0x5a, 32);
	c2 = c;
	rc = pk_ioctl(PKEY_CLR2PROTK, &c);
	CHECK(rc == 0 && c.protkey.len == 64, "CLR2PROTK: %d len %u", rc,
	      c.protkey.len);
	pk_ioctl(PKEY_CLR2PROTK, &c2);
	CHECK(!memcmp(&c.protkey, &c2.protkey, sizeof(c.protkey)),
	      "CLR2PROTK is not deterministic under one wrapping key");
	CHECK(memcmp(c.protkey.protkey, c.clrkey.clrkey, 32),
	      "CLR2PROTK: wrapped key equals the clear key");
	CHECK(!memcmp(c.clrkey.clrkey, c2.clrkey.clrkey, 32),
	      "CLR2PROTK changed the caller's clrkey");
	c.keytype = PKEY_KEYTYPE_AES_XTS_128;
	CHECK(pk_ioctl(PKEY_CLR2PROTK, &c) == 0 && c.protkey.len == 64,
	      "CLR2PROTK XTS_128");
	c.keytype = PKEY_KEYTYPE_AES_XTS_256;
	CHECK(pk_ioctl(PKEY_CLR2PROTK, &c) == -EINVAL, "CLR2PROTK XTS_256");
	c.keytype = 0;
	CHECK(pk_ioctl(PKEY_CLR2PROTK, &c) == -EINVAL, "CLR2PROTK type 0");
}

static void mkvp_now(uint8_t mkvp[8])
{
	char hex[32] = "";

	sys_read(SYS "emu/master_key", hex, sizeof(hex) - 1, 0);
	hex2bin(hex, mkvp, 8);
}

static void test_seckeys(void)
{
	struct pkey_clr2seck cs;
	struct pkey_genseck gs;
	struct pkey_sec2protk sp;
	struct pkey_clr2protk cp;
	struct pkey_verifykey vk;
	struct pkey_secaeskeytoken *t;
	uint8_t mkvp[8];
	int rc;

	CHECK(sys_write(SYS "emu/master_key",
			"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n") == 0,
	      "set master key");
	CHECK(sys_write(SYS "emu/master_key", "0011") == -EINVAL,
	      "short master key accepted");
	CHECK(sys_write(SYS "emu/master_key",
			"x0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff") == -EINVAL,
	      "non-hex master key accepted");
	mkvp_now(mkvp);

	memset(&gs, 0, sizeof(gs));
	gs.keytype = PKEY_KEYTYPE_AES_256;
	rc = pk_ioctl(PKEY_GENSECK, &gs);
	t = (void *)gs.seckey.seckey;
	CHECK(rc == 0 && t->type == 1 && t->version == 4 && t->bitsize == 256 &&
	      !memcmp(&t->mkvp, mkvp, 8), "GENSECK: %d %u %u %u", rc, t->type,
	      t->version, t->bitsize);
	gs.keytype = PKEY_KEYTYPE_AES_XTS_128;
	CHECK(pk_ioctl(PKEY_GENSECK, &gs) == -EINVAL, "GENSECK XTS");

	/* CLR2SECK + SEC2PROTK == CLR2PROTK of the same clear key */
	memset(&cs, 0, sizeof(cs));
	cs.keytype = PKEY_KEYTYPE_AES_128;
	memset(cs.clrkey.clrkey, 0xa7, 16);
	CHECK(pk_ioctl(PKEY_CLR2SECK, &cs) == 0, "CLR2SECK");
	memset(&sp, 0, sizeof(sp));
	memcpy(sp.seckey.seckey, cs.seckey.seckey, 64);
	rc = pk_ioctl(PKEY_SEC2PROTK, &sp);
	memset(&cp, 0, sizeof(cp));
	cp.keytype = PKEY_KEYTYPE_AES_128;
	memset(cp.clrkey.clrkey, 0xa7, 16);
	pk_ioctl(PKEY_CLR2PROTK, &cp);
	CHECK(rc == 0 && sp.protkey.type == PKEY_KEYTYPE_AES_128 &&
	      sp.protkey.len == 48 &&
	      !memcmp(sp.protkey.protkey, cp.protkey.protkey, 48),
	      "SEC2PROTK != CLR2PROTK: %d", rc);

	memset(&vk, 0, sizeof(vk));
	memcpy(vk.seckey.seckey, cs.seckey.seckey, 64);
	rc = pk_ioctl(PKEY_VERIFYKEY, &vk);
	CHECK(rc == 0 && vk.keysize == 128 &&
	      vk.attributes == PKEY_VERIFY_ATTR_AES, "VERIFYKEY: %d %u %x",
	      rc, vk.keysize, vk.attributes);

	/* corrupted tokens */
	sp.seckey.seckey[63] ^= 1;		/* tvv */
	CHECK(pk_ioctl(PKEY_SEC2PROTK, &sp) == -EINVAL, "bad tvv accepted");
	sp.seckey.seckey[63] ^= 1;
	sp.seckey.seckey[4] = 5;		/* version */
	CHECK(pk_ioctl(PKEY_SEC2PROTK, &sp) == -EINVAL, "bad version accepted");
	sp.seckey.seckey[4] = 4;

	/*
	 * new master key: old keys flagged and still converted (the card's
	 * OLD register), as a real card does; one more change and they are
	 * gone
	 */
	CHECK(sys_write(SYS "emu/master_key",
			"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100") == 0,
	      "change master key");
	rc = pk_ioctl(PKEY_VERIFYKEY, &vk);
	CHECK(rc == 0 && (vk.attributes & PKEY_VERIFY_ATTR_OLD_MKVP),
	      "VERIFYKEY old MK: %d %x", rc, vk.attributes);
	rc = pk_ioctl(PKEY_SEC2PROTK, &sp);
	CHECK(rc == 0 && !memcmp(sp.protkey.protkey, cp.protkey.protkey, 48),
	      "SEC2PROTK old MK: %d", rc);
	sys_write(SYS "emu/master_key",
		  "0101010101010101010101010101010101010101010101010101010101010101");
	rc = pk_ioctl(PKEY_VERIFYKEY, &vk);
	CHECK(rc == -ENODEV, "VERIFYKEY unknown MK: %d", rc);
	rc = pk_ioctl(PKEY_SEC2PROTK, &sp);
	CHECK(rc == -ENODEV, "SEC2PROTK unknown MK: %d", rc);
}

static void test_kblob(void)
{
	struct pkey_kblob2pkey kb;
	struct pkey_kblob2pkey3 k3;
	struct pkey_clr2protk cp;
	struct pkey_genseck gs;
	struct pkey_sec2protk sp;
	uint8_t blob[128], tok[160], pk[128];
	struct pkey_apqn apqns[2] = { { 0, 0 }, { 1, 1 } };
	int rc;

	/* clear-key token (version 2) */
	memset(blob, 0, sizeof(blob));
	blob[4] = PKEY_TOKVER_CLEAR_KEY;
	*(uint32_t *)(blob + 8) = PKEY_KEYTYPE_AES_256;
	*(uint32_t *)(blob + 12) = 32;
	memset(blob + 16, 0x33, 32);
	memset(&kb, 0, sizeof(kb));
	kb.key = blob;
	kb.keylen = 48;
	rc = pk_ioctl(PKEY_KBLOB2PROTK, &kb);
	memset(&cp, 0, sizeof(cp));
	cp.keytype = PKEY_KEYTYPE_AES_256;
	memset(cp.clrkey.clrkey, 0x33, 32);
	pk_ioctl(PKEY_CLR2PROTK, &cp);
	CHECK(rc == 0 && kb.protkey.len == 64 &&
	      !memcmp(kb.protkey.protkey, cp.protkey.protkey, 64),
	      "KBLOB2PROTK clear token: %d", rc);
	kb.keylen = 47;
	CHECK(pk_ioctl(PKEY_KBLOB2PROTK, &kb) == -EINVAL, "clear token len 47");
	kb.keylen = 4;
	CHECK(pk_ioctl(PKEY_KBLOB2PROTK, &kb) == -EINVAL, "keylen 4");
	kb.keylen = 100000;
	CHECK(pk_ioctl(PKEY_KBLOB2PROTK, &kb) == -EINVAL, "keylen 100000");
	kb.keylen = 48;
	kb.key = (void *)8;
	CHECK(pk_ioctl(PKEY_KBLOB2PROTK, &kb) == -EFAULT, "bad key pointer");

	/* secure key blob */
	memset(&gs, 0, sizeof(gs));
	gs.keytype = PKEY_KEYTYPE_AES_192;
	pk_ioctl(PKEY_GENSECK, &gs);
	kb.key = gs.seckey.seckey;
	kb.keylen = 64;
	rc = pk_ioctl(PKEY_KBLOB2PROTK, &kb);
	memset(&sp, 0, sizeof(sp));
	memcpy(sp.seckey.seckey, gs.seckey.seckey, 64);
	pk_ioctl(PKEY_SEC2PROTK, &sp);
	CHECK(rc == 0 && kb.protkey.type == PKEY_KEYTYPE_AES_192 &&
	      kb.protkey.len == 56 &&
	      !memcmp(kb.protkey.protkey, sp.protkey.protkey, 56),
	      "KBLOB2PROTK secure key: %d", rc);

	/* protected-key token from sysfs, passed through */
	CHECK(sys_read(SYS "protkey/protkey_aes_256", tok, 80, 0) == 80,
	      "read protkey_aes_256");
	kb.key = tok;
	kb.keylen = 80;
	rc = pk_ioctl(PKEY_KBLOB2PROTK, &kb);
	CHECK(rc == 0 && kb.protkey.len == 64 &&
	      !memcmp(kb.protkey.protkey, tok + 16, 64),
	      "KBLOB2PROTK protkey token: %d", rc);

	/* KBLOB2PROTK3 with a full-XTS-256 token (112 bytes) */
	CHECK(sys_read(SYS "protkey/protkey_aes_xts_256", tok, 112, 0) == 112,
	      "read protkey_aes_xts_256");
	memset(&k3, 0, sizeof(k3));
	k3.key = tok;
	k3.keylen = 112;
	k3.apqns = apqns;
	k3.apqn_entries = 2;
	k3.pkey = pk;
	k3.pkeylen = sizeof(pk);
	rc = pk_ioctl(PKEY_KBLOB2PROTK3, &k3);
	CHECK(rc == 0 && k3.pkeylen == 96 &&
	      k3.pkeytype == PKEY_KEYTYPE_AES_XTS_256 && !memcmp(pk, tok + 16, 96),
	      "KBLOB2PROTK3 full XTS: %d len %u type %u", rc, k3.pkeylen,
	      k3.pkeytype);
	k3.pkeylen = 95;
	CHECK(pk_ioctl(PKEY_KBLOB2PROTK3, &k3) == -EINVAL, "pkeylen too small");
	k3.pkeylen = sizeof(pk);
	k3.apqn_entries = 100000;
	CHECK(pk_ioctl(PKEY_KBLOB2PROTK3, &k3) == -EINVAL, "100000 apqns");
	k3.apqn_entries = 2;
	/* KBLOB2PROTK cannot return 96 bytes */
	kb.key = tok;
	kb.keylen = 112;
	CHECK(pk_ioctl(PKEY_KBLOB2PROTK, &kb) == -EINVAL, "96 bytes in protkey");

	/* stale protected-key token */
	sys_write(SYS "emu/rotate_wrapping_key", "1");
	rc = pk_ioctl(PKEY_KBLOB2PROTK3, &k3);
	CHECK(rc == -EKEYREJECTED, "stale token: %d", rc);
}

static void test_sysfs(void)
{
	static const struct {
		const char *name;
		int size, keytype, len, count;
	} a[] = {
		{ "protkey_aes_128", 80, PKEY_KEYTYPE_AES_128, 48, 1 },
		{ "protkey_aes_192", 80, PKEY_KEYTYPE_AES_192, 56, 1 },
		{ "protkey_aes_256", 80, PKEY_KEYTYPE_AES_256, 64, 1 },
		{ "protkey_aes_128_xts", 160, PKEY_KEYTYPE_AES_128, 48, 2 },
		{ "protkey_aes_256_xts", 160, PKEY_KEYTYPE_AES_256, 64, 2 },
		{ "protkey_aes_xts_128", 80, PKEY_KEYTYPE_AES_XTS_128, 64, 1 },
		{ "protkey_aes_xts_256", 112, PKEY_KEYTYPE_AES_XTS_256, 96, 1 },
	};
	uint8_t b1[512], b2[512], wkvp[32];
	char path[128];
	unsigned int i;
	int n, j;

	cur_wkvp(wkvp);
	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		snprintf(path, sizeof(path), SYS "protkey/%s", a[i].name);
		n = sys_read(path, b1, sizeof(b1), 0);
		CHECK(n == a[i].size, "%s: read %d", a[i].name, n);
		for (j = 0; j < a[i].count; j++) {
			uint8_t *t = b1 + 80 * j;
			int kl = a[i].len - 32;

			CHECK(t[0] == 0 && t[4] == 1 &&
			      *(uint32_t *)(t + 8) == (uint32_t)a[i].keytype &&
			      *(uint32_t *)(t + 12) == (uint32_t)a[i].len,
			      "%s[%d]: header", a[i].name, j);
			CHECK(!memcmp(t + 16 + kl, wkvp, 32), "%s[%d]: WKVP",
			      a[i].name, j);
		}
		if (a[i].count == 2)
			CHECK(memcmp(b1 + 16, b1 + 96, a[i].len - 32),
			      "%s: K1 == K2", a[i].name);
		n = sys_read(path, b2, sizeof(b2), 0);
		CHECK(n == a[i].size && memcmp(b1 + 16, b2 + 16, a[i].len - 32),
		      "%s: second read gave the same key", a[i].name);
		n = sys_read(path, b2, a[i].size - 1, 0);
		CHECK(n == -EINVAL, "%s: short read %d", a[i].name, n);
		n = sys_read(path, b2, 16, 1);
		CHECK(n == -EINVAL, "%s: read at offset 1: %d", a[i].name, n);
	}
}

/* ---- the emulated crypto card: CCA AESCIPHER, EP11, the newer ioctls ---- */

static const struct {
	uint32_t type;
	const char *name;
	int len;		/* key blob as made */
	int stride;		/* sysfs: bytes per key */
	const char *dir;
} sk_types[] = {
	{ PKEY_TYPE_CCA_DATA, "CCA_DATA", 64, 64, "ccadata" },
	{ PKEY_TYPE_CCA_CIPHER, "CCA_CIPHER", 136, 136, "ccacipher" },
	{ PKEY_TYPE_EP11_AES, "EP11_AES", 272, MAXEP11AESKEYBLOBSIZE, "ep11" },
};
#define N_SK (sizeof(sk_types) / sizeof(sk_types[0]))

static const struct pkey_apqn our_apqn = { 0, 0 };

static uint32_t size2kt(uint32_t size)
{
	return size == 128 ? PKEY_KEYTYPE_AES_128 :
	       size == 192 ? PKEY_KEYTYPE_AES_192 : PKEY_KEYTYPE_AES_256;
}

/* GENSECK2 into @key (512 bytes); returns keylen or -errno */
static int genseck2(uint32_t type, uint32_t size, uint8_t *key)
{
	struct pkey_apqn a = our_apqn;
	struct pkey_genseck2 g;
	int rc;

	memset(&g, 0, sizeof(g));
	g.apqns = &a;
	g.apqn_entries = 1;
	g.type = type;
	g.size = size;
	g.key = key;
	g.keylen = 512;
	rc = pk_ioctl(PKEY_GENSECK2, &g);
	return rc ? rc : (int)g.keylen;
}

/* KBLOB2PROTK3 of a key blob: protected key length or -errno */
static int kblob3(const uint8_t *key, uint32_t len, uint8_t *prot,
		  uint32_t *kt)
{
	struct pkey_kblob2pkey3 k;
	int rc;

	memset(&k, 0, sizeof(k));
	k.key = (uint8_t *)key;
	k.keylen = len;
	k.pkey = prot;
	k.pkeylen = 128;
	rc = pk_ioctl(PKEY_KBLOB2PROTK3, &k);
	if (kt)
		*kt = k.pkeytype;
	return rc ? rc : (int)k.pkeylen;
}

static int verify2(const uint8_t *key, uint32_t len, struct pkey_verifykey2 *v)
{
	memset(v, 0, sizeof(*v));
	v->key = (uint8_t *)key;
	v->keylen = len;
	v->cardnr = 0xffff;
	v->domain = 0xffff;
	return pk_ioctl(PKEY_VERIFYKEY2, v);
}

static void test_abi2(void)
{
	/* the s390 numbers: _IOWR('p', nr, struct) with the x86_64 sizes */
	CHECK(PKEY_GENSECK2 == _IOWR('p', 0x11, char[40]), "GENSECK2 %#lx",
	      (unsigned long)PKEY_GENSECK2);
	CHECK(PKEY_CLR2SECK2 == _IOWR('p', 0x12, char[72]), "CLR2SECK2 %#lx",
	      (unsigned long)PKEY_CLR2SECK2);
	CHECK(PKEY_VERIFYKEY2 == _IOWR('p', 0x17, char[32]), "VERIFYKEY2 %#lx",
	      (unsigned long)PKEY_VERIFYKEY2);
	CHECK(PKEY_KBLOB2PROTK2 == _IOWR('p', 0x1a, char[104]),
	      "KBLOB2PROTK2 %#lx", (unsigned long)PKEY_KBLOB2PROTK2);
	CHECK(PKEY_APQNS4K == _IOWR('p', 0x1b, char[32]), "APQNS4K %#lx",
	      (unsigned long)PKEY_APQNS4K);
	CHECK(PKEY_APQNS4KT == _IOWR('p', 0x1c, char[88]), "APQNS4KT %#lx",
	      (unsigned long)PKEY_APQNS4KT);
	CHECK(sizeof(struct pkey_cipherkeytoken) == 56, "cipherkeytoken %zu",
	      sizeof(struct pkey_cipherkeytoken));
	CHECK(sizeof(struct pkey_ep11kblob_header) == 16 &&
	      sizeof(struct pkey_ep11keyblob) == 256, "ep11 blob sizes");
	CHECK(MAXEP11AESKEYBLOBSIZE == 336, "MAXEP11AESKEYBLOBSIZE");
}

/* the fixed fields of a made key of sk_types[i] */
static void check_token(unsigned int i, const uint8_t *k, uint32_t size,
			const char *what)
{
	switch (sk_types[i].type) {
	case PKEY_TYPE_CCA_DATA: {
		const struct pkey_secaeskeytoken *t = (const void *)k;

		CHECK(t->type == 1 && t->version == 4 && t->bitsize == size,
		      "%s: AESDATA header", what);
		break;
	}
	case PKEY_TYPE_CCA_CIPHER: {
		const struct pkey_cipherkeytoken *t = (const void *)k;

		CHECK(t->type == 1 && t->len == 136 && t->version == 5 &&
		      t->kms == 3 && t->kvpt == 1 && t->algtype == 2 &&
		      t->keytype == 1 && (t->kmf1 & PKEY_KEYGEN_XPRT_CPAC) &&
		      t->wpllen == 512 + (size - 128),
		      "%s: AESCIPHER header (len %u wpllen %u)", what, t->len,
		      t->wpllen);
		break;
	}
	case PKEY_TYPE_EP11_AES: {
		const struct pkey_ep11kblob_header *h = (const void *)k;
		const struct pkey_ep11keyblob *b = (const void *)(k + 16);

		CHECK(h->type == 0 && h->version == 6 && h->len == 272 &&
		      h->bitlen == size && b->version == 0x1234 &&
		      (b->attr & PKEY_EP11_BLOB_PKEY_EXTRACTABLE),
		      "%s: EP11 header (len %u bitlen %u)", what, h->len,
		      h->bitlen);
		break;
	}
	}
}

static void test_card_keys(void)
{
	static const uint32_t sizes[] = { 128, 192, 256 };
	uint8_t key[512], key2[512], prot[128], wkvp[32];
	struct pkey_verifykey2 v;
	struct pkey_clr2seck2 c;
	struct pkey_clr2protk cp;
	struct pkey_kblob2pkey2 k2;
	struct pkey_genseck2 g;
	struct pkey_apqn many[300], other = { 5, 5 };
	unsigned int i, j;
	char what[64];
	uint32_t kt;
	int n, rc;

	cur_wkvp(wkvp);
	memset(many, 0, sizeof(many));
	for (i = 0; i < N_SK; i++) {
		for (j = 0; j < 3; j++) {
			uint32_t sz = sizes[j];
			int kl = sz / 8;

			snprintf(what, sizeof(what), "%s-%u", sk_types[i].name,
				 sz);
			n = genseck2(sk_types[i].type, sz, key);
			CHECK(n == sk_types[i].len, "%s: GENSECK2 %d", what, n);
			if (n < 0)
				continue;
			check_token(i, key, sz, what);
			rc = verify2(key, n, &v);
			CHECK(rc == 0 && v.type == sk_types[i].type &&
			      v.size == sz && v.flags == PKEY_FLAGS_MATCH_CUR_MKVP &&
			      v.cardnr == 0 && v.domain == 0,
			      "%s: VERIFYKEY2 %d type %u size %u flags %#x",
			      what, rc, v.type, v.size, v.flags);
			rc = kblob3(key, n, prot, &kt);
			CHECK(rc == kl + 32 && kt == size2kt(sz) &&
			      !memcmp(prot + kl, wkvp, 32),
			      "%s: KBLOB2PROTK3 %d type %u", what, rc, kt);
			memset(&k2, 0, sizeof(k2));
			k2.key = key;
			k2.keylen = n;
			k2.apqns = (struct pkey_apqn *)&our_apqn;
			k2.apqn_entries = 1;
			rc = pk_ioctl(PKEY_KBLOB2PROTK2, &k2);
			CHECK(rc == 0 && k2.protkey.len == (uint32_t)kl + 32 &&
			      !memcmp(k2.protkey.protkey, prot, kl + 32),
			      "%s: KBLOB2PROTK2 %d", what, rc);
			k2.apqns = &other;
			rc = pk_ioctl(PKEY_KBLOB2PROTK2, &k2);
			CHECK(rc == -ENODEV, "%s: KBLOB2PROTK2 APQN 5/5: %d",
			      what, rc);

			/* CLR2SECK2 + conversion == CLR2PROTK */
			memset(&c, 0, sizeof(c));
			c.type = sk_types[i].type;
			c.size = sz;
			memset(c.clrkey.clrkey, 0x40 + i * 3 + j, 32);
			c.key = key2;
			c.keylen = sizeof(key2);
			rc = pk_ioctl(PKEY_CLR2SECK2, &c);
			CHECK(rc == 0 && c.keylen == (uint32_t)sk_types[i].len,
			      "%s: CLR2SECK2 %d len %u", what, rc, c.keylen);
			memset(&cp, 0, sizeof(cp));
			cp.keytype = size2kt(sz);
			memset(cp.clrkey.clrkey, 0x40 + i * 3 + j, 32);
			pk_ioctl(PKEY_CLR2PROTK, &cp);
			rc = kblob3(key2, c.keylen, prot, NULL);
			CHECK(rc == kl + 32 && !memcmp(prot, cp.protkey.protkey,
						       kl + 32),
			      "%s: CLR2SECK2 key != CLR2PROTK key: %d", what, rc);
		}

		/* malformed and tampered blobs */
		n = genseck2(sk_types[i].type, 256, key);
		snprintf(what, sizeof(what), "%s", sk_types[i].name);
		if (n < 0)
			continue;
		memcpy(key2, key, n);
		key2[n - 20] ^= 1;	/* tvv / MAC / MAC */
		rc = kblob3(key2, n, prot, NULL);
		CHECK(rc == -EINVAL, "%s: byte %d changed: %d", what, n - 20,
		      rc);
		memcpy(key2, key, n);
		key2[i == 0 ? 20 : i == 1 ? 60 : 100] ^= 0x80;
		rc = kblob3(key2, n, prot, NULL);
		CHECK(rc == -EINVAL, "%s: key byte changed: %d", what, rc);
		memcpy(key2, key, n);
		key2[5] = 0x11;		/* a reserved byte */
		rc = kblob3(key2, n, prot, NULL);
		CHECK(rc == -EINVAL, "%s: reserved byte: %d", what, rc);
		rc = kblob3(key, n - 1, prot, NULL);
		CHECK(rc == -EINVAL, "%s: one byte short: %d", what, rc);
		rc = verify2(key, n - 1, &v);
		CHECK(rc == -EINVAL, "%s: VERIFYKEY2 short: %d", what, rc);
		v.cardnr = 3;
		v.key = key;
		v.keylen = n;
		v.domain = 0xffff;
		rc = pk_ioctl(PKEY_VERIFYKEY2, &v);
		CHECK(rc == -ENODEV, "%s: VERIFYKEY2 card 3: %d", what, rc);
	}

	/* GENSECK2 argument checks */
	memset(&g, 0, sizeof(g));
	g.type = PKEY_TYPE_CCA_CIPHER;
	g.size = 256;
	rc = pk_ioctl(PKEY_GENSECK2, &g);	/* no list, no buffer: size */
	CHECK(rc == 0 && g.keylen == 136, "GENSECK2 length only: %d %u", rc,
	      g.keylen);
	g.key = key;
	g.keylen = 135;
	CHECK(pk_ioctl(PKEY_GENSECK2, &g) == -EINVAL, "GENSECK2 keylen 135");
	g.keylen = sizeof(key);
	g.size = 100;
	CHECK(pk_ioctl(PKEY_GENSECK2, &g) == -EINVAL, "GENSECK2 size 100");
	g.size = 128;
	g.type = PKEY_TYPE_EP11;
	CHECK(pk_ioctl(PKEY_GENSECK2, &g) == -EINVAL, "GENSECK2 type EP11");
	g.type = 77;
	CHECK(pk_ioctl(PKEY_GENSECK2, &g) == -EINVAL, "GENSECK2 type 77");
	g.type = PKEY_TYPE_CCA_DATA;
	g.apqns = &other;
	g.apqn_entries = 1;
	CHECK(pk_ioctl(PKEY_GENSECK2, &g) == -ENODEV, "GENSECK2 APQN 5/5");
	g.apqns = many;
	g.apqn_entries = 300;
	CHECK(pk_ioctl(PKEY_GENSECK2, &g) == -EINVAL, "GENSECK2 300 APQNs");
	g.apqn_entries = 3;	/* 0/0 among others */
	many[0] = other;
	many[1] = other;
	CHECK(pk_ioctl(PKEY_GENSECK2, &g) == 0, "GENSECK2 0/0 third");
	g.apqns = (void *)8;
	CHECK(pk_ioctl(PKEY_GENSECK2, &g) == -EFAULT, "GENSECK2 bad list");
	g.apqns = NULL;
	g.key = (void *)8;
	CHECK(pk_ioctl(PKEY_GENSECK2, &g) == -EFAULT, "GENSECK2 bad key ptr");
	g.key = key;
	g.keygenflags = 0x10000;
	g.type = PKEY_TYPE_CCA_CIPHER;
	CHECK(pk_ioctl(PKEY_GENSECK2, &g) == -EINVAL, "GENSECK2 flags 0x10000");
	memset(&v, 0, sizeof(v));
	v.key = key;
	v.keylen = 9000;
	CHECK(pk_ioctl(PKEY_VERIFYKEY2, &v) == -EINVAL, "VERIFYKEY2 keylen 9000");
}

static int apqns4k(const uint8_t *key, uint32_t len, uint32_t flags,
		   struct pkey_apqn *list, uint32_t *entries)
{
	struct pkey_apqns4key a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.key = (uint8_t *)key;
	a.keylen = len;
	a.flags = flags;
	a.apqns = list;
	a.apqn_entries = *entries;
	rc = pk_ioctl(PKEY_APQNS4K, &a);
	*entries = a.apqn_entries;
	return rc;
}

static void test_apqns(void)
{
	struct pkey_apqn list[4];
	struct pkey_apqns4keytype t;
	uint8_t key[512];
	uint32_t e;
	unsigned int i;
	int n, rc;

	for (i = 0; i < N_SK; i++) {
		n = genseck2(sk_types[i].type, 128, key);
		e = 0;
		rc = apqns4k(key, n, PKEY_FLAGS_MATCH_CUR_MKVP, NULL, &e);
		CHECK(rc == 0 && e == 1, "%s APQNS4K count: %d %u",
		      sk_types[i].name, rc, e);
		e = 4;
		memset(list, 0xff, sizeof(list));
		rc = apqns4k(key, n, PKEY_FLAGS_MATCH_CUR_MKVP, list, &e);
		CHECK(rc == 0 && e == 1 && list[0].card == 0 &&
		      list[0].domain == 0 && list[1].card == 0xffff,
		      "%s APQNS4K list: %d %u", sk_types[i].name, rc, e);
		e = 4;
		rc = apqns4k(key, n - 1, PKEY_FLAGS_MATCH_CUR_MKVP, list, &e);
		CHECK(rc == -EINVAL, "%s APQNS4K short key: %d",
		      sk_types[i].name, rc);
	}
	/* a key under another master key: no APQN */
	n = genseck2(PKEY_TYPE_CCA_DATA, 128, key);
	key[8] += 1;	/* the MSB of word 2: add the same to the tvv's */
	key[60] += 1;
	e = 4;
	rc = apqns4k(key, n, PKEY_FLAGS_MATCH_CUR_MKVP, list, &e);
	CHECK(rc == -ENODEV, "APQNS4K unknown MKVP: %d %u", rc, e);

	/* APQNS4KT */
	memset(&t, 0, sizeof(t));
	t.type = PKEY_TYPE_CCA_CIPHER;
	t.apqns = list;
	t.apqn_entries = 4;
	rc = pk_ioctl(PKEY_APQNS4KT, &t);
	CHECK(rc == 0 && t.apqn_entries == 1, "APQNS4KT no flags: %d %u", rc,
	      t.apqn_entries);
	n = genseck2(PKEY_TYPE_CCA_DATA, 128, key);
	memcpy(t.cur_mkvp, key + 8, 8);
	t.flags = PKEY_FLAGS_MATCH_CUR_MKVP;
	t.apqn_entries = 4;
	rc = pk_ioctl(PKEY_APQNS4KT, &t);
	CHECK(rc == 0 && t.apqn_entries == 1, "APQNS4KT CCA cur: %d %u", rc,
	      t.apqn_entries);
	t.flags = PKEY_FLAGS_MATCH_ALT_MKVP;
	t.apqn_entries = 4;
	rc = pk_ioctl(PKEY_APQNS4KT, &t);
	CHECK(rc == -ENODEV, "APQNS4KT CCA alt (no match): %d", rc);
	n = genseck2(PKEY_TYPE_EP11_AES, 128, key);
	memset(&t, 0, sizeof(t));
	t.type = PKEY_TYPE_EP11_AES;
	memcpy(t.cur_mkvp, key + 16 + 32, 16);
	t.flags = PKEY_FLAGS_MATCH_CUR_MKVP;
	t.apqn_entries = 0;
	rc = pk_ioctl(PKEY_APQNS4KT, &t);
	CHECK(rc == 0 && t.apqn_entries == 1, "APQNS4KT EP11 count: %d %u",
	      rc, t.apqn_entries);
	t.cur_mkvp[3] ^= 1;
	t.apqns = list;
	t.apqn_entries = 4;
	rc = pk_ioctl(PKEY_APQNS4KT, &t);
	CHECK(rc == -ENODEV, "APQNS4KT EP11 other (no match): %d", rc);
	t.type = 99;
	CHECK(pk_ioctl(PKEY_APQNS4KT, &t) == -EINVAL, "APQNS4KT type 99");
	(void)n;
}

/* "<name> <hex|->" line of emu/cca_mkvps or emu/ep11_wkvps */
static void vps_line(const char *file, const char *name, char *out, size_t n)
{
	char buf[256] = "", *p;
	size_t l = strlen(name);

	out[0] = 0;
	sys_read(file, buf, sizeof(buf) - 1, 0);
	for (p = strtok(buf, "\n"); p; p = strtok(NULL, "\n"))
		if (!strncmp(p, name, l) && p[l] == ' ')
			snprintf(out, n, "%s", p + l + 1);
}

static int vps_lines(const char *file)
{
	char buf[256] = "";
	int n = 0;
	char *p;

	sys_read(file, buf, sizeof(buf) - 1, 0);
	for (p = buf; *p; p++)
		n += *p == '\n';
	return n;
}

static void test_lifecycle(void)
{
	const char *ccam = SYS "emu/cca_mkvps", *epw = SYS "emu/ep11_wkvps";
	uint8_t keys[N_SK][512], prot[128];
	char cur[80], old[80], nw[80], hex[80];
	struct pkey_verifykey2 v;
	struct stat st;
	int len[N_SK], rc;
	unsigned int i;

	CHECK(vps_lines(ccam) == 3 && vps_lines(epw) == 2,
	      "cca_mkvps / ep11_wkvps line counts");
	for (i = 0; i < N_SK; i++)
		len[i] = genseck2(sk_types[i].type, 256, keys[i]);
	vps_line(ccam, "current", cur, sizeof(cur));
	CHECK(strlen(cur) == 16, "cca_mkvps current: '%s'", cur);
	vps_line(ccam, "new", nw, sizeof(nw));
	CHECK(!strcmp(nw, "-"), "cca_mkvps new: '%s'", nw);
	CHECK(stat(SYS "emu/cca_new_master_key", &st) == 0 &&
	      (st.st_mode & 0777) == 0200, "cca_new_master_key mode %o",
	      st.st_mode & 0777);
	CHECK(sys_write(SYS "emu/cca_commit", "1") == -EINVAL,
	      "cca_commit with NEW empty");
	CHECK(sys_write(SYS "emu/cca_new_master_key", "12") == -EINVAL,
	      "cca_new_master_key short");

	/* CCA: NEW -> CURRENT -> OLD; the keys convert under OLD */
	CHECK(sys_write(SYS "emu/cca_new_master_key",
			"2222222222222222222222222222222222222222222222222222222222222222\n") == 0,
	      "cca_new_master_key");
	vps_line(ccam, "new", nw, sizeof(nw));
	CHECK(strlen(nw) == 16, "cca_mkvps new after load: '%s'", nw);
	CHECK(sys_write(SYS "emu/cca_commit", "1") == 0, "cca_commit");
	vps_line(ccam, "old", old, sizeof(old));
	CHECK(!strcmp(old, cur), "cca_mkvps old '%s' != previous current '%s'",
	      old, cur);
	vps_line(ccam, "current", hex, sizeof(hex));
	CHECK(!strcmp(hex, nw), "cca_mkvps current '%s' != loaded new '%s'",
	      hex, nw);
	vps_line(ccam, "new", nw, sizeof(nw));
	CHECK(!strcmp(nw, "-"), "cca_mkvps new after commit: '%s'", nw);
	for (i = 0; i < 2; i++) {
		rc = verify2(keys[i], len[i], &v);
		CHECK(rc == 0 && v.flags == PKEY_FLAGS_MATCH_ALT_MKVP,
		      "%s under OLD: VERIFYKEY2 %d flags %#x",
		      sk_types[i].name, rc, v.flags);
		rc = kblob3(keys[i], len[i], prot, NULL);
		CHECK(rc == 64, "%s under OLD: KBLOB2PROTK3 %d",
		      sk_types[i].name, rc);
	}
	rc = verify2(keys[2], len[2], &v);
	CHECK(rc == 0 && v.flags == PKEY_FLAGS_MATCH_CUR_MKVP,
	      "EP11 after a CCA commit: %d", rc);

	/* second CCA commit: gone */
	CHECK(sys_write(SYS "emu/cca_new_master_key",
			"3333333333333333333333333333333333333333333333333333333333333333") == 0 &&
	      sys_write(SYS "emu/cca_commit", "x") == 0, "second CCA commit");
	for (i = 0; i < 2; i++) {
		rc = verify2(keys[i], len[i], &v);
		CHECK(rc == -ENODEV, "%s after 2 commits: VERIFYKEY2 %d",
		      sk_types[i].name, rc);
		rc = kblob3(keys[i], len[i], prot, NULL);
		CHECK(rc == -ENODEV, "%s after 2 commits: KBLOB2PROTK3 %d",
		      sk_types[i].name, rc);
	}

	/* master_key: load and commit in one step */
	vps_line(ccam, "current", cur, sizeof(cur));
	sys_write(SYS "emu/master_key",
		  "4444444444444444444444444444444444444444444444444444444444444444");
	vps_line(ccam, "old", old, sizeof(old));
	CHECK(!strcmp(old, cur), "master_key: old '%s' != previous '%s'", old,
	      cur);

	/* EP11: no OLD; a commit loses the keys at once */
	vps_line(epw, "current", cur, sizeof(cur));
	CHECK(strlen(cur) == 32, "ep11_wkvps current: '%s'", cur);
	hex[0] = 0;
	for (i = 0; i < 16; i++)
		sprintf(hex + 2 * i, "%02x", keys[2][48 + i]);
	CHECK(!strcmp(hex, cur), "EP11 blob WKVP %s != ep11_wkvps %s", hex,
	      cur);
	CHECK(sys_write(SYS "emu/ep11_commit", "1") == -EINVAL,
	      "ep11_commit with NEW empty");
	CHECK(sys_write(SYS "emu/ep11_new_wrapping_key",
			"5555555555555555555555555555555555555555555555555555555555555555\n") == 0,
	      "ep11_new_wrapping_key");
	vps_line(epw, "new", nw, sizeof(nw));
	CHECK(strlen(nw) == 32, "ep11_wkvps new: '%s'", nw);
	CHECK(sys_write(SYS "emu/ep11_commit", "1") == 0, "ep11_commit");
	rc = verify2(keys[2], len[2], &v);
	CHECK(rc == -ENODEV, "EP11 after a commit: VERIFYKEY2 %d", rc);
	rc = kblob3(keys[2], len[2], prot, NULL);
	CHECK(rc == -ENODEV, "EP11 after a commit: KBLOB2PROTK3 %d", rc);
	vps_line(epw, "current", hex, sizeof(hex));
	CHECK(!strcmp(hex, nw), "ep11_wkvps current after commit");
}

static void test_offline(void)
{
	struct pkey_genseck gs;
	struct pkey_verifykey2 v;
	uint8_t key[512], prot[128], buf[128];
	char s[8] = "";
	uint32_t e = 0;
	int n, rc;

	n = genseck2(PKEY_TYPE_CCA_DATA, 128, key);
	CHECK(sys_write(SYS "emu/card_online", "0") == 0, "card offline");
	sys_read(SYS "emu/card_online", s, sizeof(s) - 1, 0);
	CHECK(s[0] == '0', "card_online reads '%s'", s);
	CHECK(genseck2(PKEY_TYPE_EP11_AES, 128, buf) == -ENODEV,
	      "offline GENSECK2");
	memset(&gs, 0, sizeof(gs));
	gs.keytype = PKEY_KEYTYPE_AES_128;
	CHECK(pk_ioctl(PKEY_GENSECK, &gs) == -ENODEV, "offline GENSECK");
	rc = kblob3(key, n, prot, NULL);
	CHECK(rc == -ENODEV, "offline KBLOB2PROTK3: %d", rc);
	CHECK(verify2(key, n, &v) == -ENODEV, "offline VERIFYKEY2");
	e = 0;
	rc = apqns4k(key, n, 0, NULL, &e);
	CHECK(rc == -ENODEV, "offline APQNS4K: %d", rc);
	rc = sys_read(SYS "ccadata/ccadata_aes_128", buf, 64, 0);
	CHECK(rc == -ENODEV, "offline ccadata read: %d", rc);
	rc = sys_read(SYS "protkey/protkey_aes_128", buf, 80, 0);
	CHECK(rc == 80, "offline: protkey/ still works (no card): %d", rc);
	CHECK(sys_write(SYS "emu/card_online", "1\n") == 0, "card online");
	CHECK(kblob3(key, n, prot, NULL) == 48, "online again");
}

static void test_msa10(void)
{
	struct pkey_genprotk g;
	uint8_t buf[256];
	char s[8] = "";
	int rc;

	CHECK(sys_write(SYS "emu/msa10", "0") == 0, "msa10 0");
	sys_read(SYS "emu/msa10", s, sizeof(s) - 1, 0);
	CHECK(s[0] == '0', "msa10 reads '%s'", s);
	rc = sys_read(SYS "protkey/protkey_aes_xts_128", buf, 80, 0);
	CHECK(rc == -ENODEV, "msa10=0: protkey_aes_xts_128 %d", rc);
	rc = sys_read(SYS "protkey/protkey_aes_xts_256", buf, 112, 0);
	CHECK(rc == -ENODEV, "msa10=0: protkey_aes_xts_256 %d", rc);
	rc = sys_read(SYS "protkey/protkey_aes_128_xts", buf, 160, 0);
	CHECK(rc == 160, "msa10=0: two-key protkey_aes_128_xts %d", rc);
	memset(&g, 0, sizeof(g));
	g.keytype = PKEY_KEYTYPE_AES_XTS_128;
	CHECK(pk_ioctl(PKEY_GENPROTK, &g) == -ENODEV, "msa10=0: GENPROTK XTS");
	CHECK(sys_write(SYS "emu/msa10", "1") == 0, "msa10 1");
	rc = sys_read(SYS "protkey/protkey_aes_xts_128", buf, 80, 0);
	CHECK(rc == 80, "msa10=1: protkey_aes_xts_128 %d", rc);
	CHECK(sys_write(SYS "emu/msa10", "2") == -EINVAL, "msa10 2");
}

static void test_seckey_sysfs(void)
{
	static const char *const suffix[] = { "128", "192", "256", "128_xts",
					      "256_xts" };
	static const uint32_t bits[] = { 128, 192, 256, 128, 256 };
	uint8_t b1[1024], b2[1024], prot[128];
	unsigned int i, j, k;
	char path[160], what[64];
	int n, size, rc;

	for (i = 0; i < N_SK; i++) {
		for (j = 0; j < 5; j++) {
			int nkeys = j >= 3 ? 2 : 1, stride = sk_types[i].stride;

			size = nkeys * stride;
			snprintf(what, sizeof(what), "%s_aes_%s",
				 sk_types[i].dir, suffix[j]);
			snprintf(path, sizeof(path), SYS "%s/%s",
				 sk_types[i].dir, what);
			memset(b1, 0xee, sizeof(b1));
			n = sys_read(path, b1, sizeof(b1), 0);
			CHECK(n == size, "%s: read %d, want %d", what, n, size);
			if (n != size)
				continue;
			for (k = 0; k < (unsigned int)nkeys; k++) {
				uint8_t *t = b1 + k * stride;

				check_token(i, t, bits[j], what);
				CHECK(!memchr_inv_u(t + sk_types[i].len, 0,
						    stride - sk_types[i].len),
				      "%s[%u]: padding not zero", what, k);
				rc = kblob3(t, stride, prot, NULL);
				CHECK(rc == (int)bits[j] / 8 + 32,
				      "%s[%u]: KBLOB2PROTK3 of %d bytes: %d",
				      what, k, stride, rc);
			}
			if (nkeys == 2)
				CHECK(memcmp(b1, b1 + stride, sk_types[i].len),
				      "%s: both keys equal", what);
			n = sys_read(path, b2, sizeof(b2), 0);
			CHECK(n == size && memcmp(b1, b2, size),
			      "%s: second read gave the same key", what);
			n = sys_read(path, b2, size - 1, 0);
			CHECK(n == -EINVAL, "%s: short read %d", what, n);
			n = sys_read(path, b2, 16, 1);
			CHECK(n == -EINVAL, "%s: read at offset 1: %d", what, n);
		}
	}
}

static void test_controls(void)
{
	char buf[64] = "";

	CHECK(sys_write(SYS "emu/km_fail_after", "7") == 0, "arm");
	sys_read(SYS "emu/km_fail_after", buf, sizeof(buf) - 1, 0);
	CHECK(atoi(buf) == 7, "km_fail_after reads %s", buf);
	CHECK(sys_write(SYS "emu/km_fail_after", "-1") == 0, "disarm");
	memset(buf, 0, sizeof(buf));
	sys_read(SYS "emu/km_fail_after", buf, sizeof(buf) - 1, 0);
	CHECK(atoi(buf) == -1, "km_fail_after reads %s", buf);
	CHECK(sys_write(SYS "emu/km_fail_after", "-5") == -EINVAL, "-5");
	CHECK(sys_write(SYS "emu/km_fail_after", "abc") == -EINVAL, "abc");
}

/* pkey-emu-check convert FILE: KBLOB2PROTK3 of the key blob in FILE */
static int convert(const char *path)
{
	uint8_t blob[8192], prot[128];
	int f = open(path, O_RDONLY), n, rc;

	if (f < 0) {
		perror(path);
		return 2;
	}
	n = read(f, blob, sizeof(blob));
	close(f);
	if (n <= 0) {
		fprintf(stderr, "%s: empty\n", path);
		return 2;
	}
	rc = kblob3(blob, n, prot, NULL);
	if (rc < 0) {
		printf("KBLOB2PROTK3: %s\n", strerror(-rc));
		return 1;
	}
	printf("KBLOB2PROTK3: %d-byte protected key\n", rc);
	return 0;
}

int main(int argc, char **argv)
{
	fd = open("/dev/pkey", O_RDWR);
	if (fd < 0) {
		perror("/dev/pkey");
		return 2;
	}
	if (argc == 3 && !strcmp(argv[1], "convert"))
		return convert(argv[2]);
	test_genprotk();
	test_clr2protk();
	test_seckeys();
	test_kblob();
	test_sysfs();
	test_controls();
	test_abi2();
	test_card_keys();
	test_apqns();
	test_seckey_sysfs();
	test_offline();
	test_msa10();
	test_lifecycle();
	close(fd);
	printf("pkey-emu-check: %d checks, %d failed\n", checks, failed);
	return failed ? 1 : 0;
}
