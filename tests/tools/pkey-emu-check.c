// SPDX-License-Identifier: GPL-2.0
/*
 * pkey-emu-check: exercise the pkey_emu module's /dev/pkey ioctls and its
 * sysfs (protkey/ and emu/) from userspace, the way the s390 pkey ABI is
 * used.  Run as root in the test VM after loading pkey_emu.  Prints one
 * line per failed check and "pkey-emu-check: N checks, M failed"; exits 1
 * if any failed.
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

	/* new master key: old keys flagged, refused for SEC2PROTK */
	CHECK(sys_write(SYS "emu/master_key",
			"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100") == 0,
	      "change master key");
	rc = pk_ioctl(PKEY_VERIFYKEY, &vk);
	CHECK(rc == 0 && (vk.attributes & PKEY_VERIFY_ATTR_OLD_MKVP),
	      "VERIFYKEY old MK: %d %x", rc, vk.attributes);
	rc = pk_ioctl(PKEY_SEC2PROTK, &sp);
	CHECK(rc == -ENODEV, "SEC2PROTK old MK: %d", rc);
	sys_write(SYS "emu/master_key",
		  "0101010101010101010101010101010101010101010101010101010101010101");
	rc = pk_ioctl(PKEY_VERIFYKEY, &vk);
	CHECK(rc == -ENODEV, "VERIFYKEY unknown MK: %d", rc);
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

int main(void)
{
	fd = open("/dev/pkey", O_RDWR);
	if (fd < 0) {
		perror("/dev/pkey");
		return 2;
	}
	test_genprotk();
	test_clr2protk();
	test_seckeys();
	test_kblob();
	test_sysfs();
	test_controls();
	close(fd);
	printf("pkey-emu-check: %d checks, %d failed\n", checks, failed);
	return failed ? 1 : 0;
}
