// SPDX-License-Identifier: GPL-2.0
/*
 * paes-fuzz: grammar-based fuzzer of the kernel interfaces of dm-paes and
 * pkey_emu (tests only; run as root in the test VM, modules loaded).
 *
 *   paes-fuzz --dev /dev/loopN --msg-dev /dev/loopM [--seed S] [--cases N]
 *             [--mix T,M,P,S] [-v]
 *
 * --dev is the backing device of the tables (written to at random
 * places), --msg-dev that of the long-lived message device (its block 0
 * must keep what was written to it): two different devices.
 * Each case is one of (weights from --mix, default 50,25,15,10):
 *  T  a paes table built from the grammar of docs/target.md, then maybe
 *     broken (tokens truncated/extended/odd/non-hex, header bytes flipped,
 *     numbers at their limits, option counts, duplicates, keyring
 *     references to keys of wrong size/type/state, lengths and offsets),
 *     issued through DM_DEV_CREATE + DM_TABLE_LOAD + resume + DM_DEV_REMOVE.
 *     vp: options carry a VP the target printed for a pool key (its own
 *     or another's), a random or a malformed one.
 *     A userspace model of the table rules says whether it must load.
 *     Refused: a clean errno, no inactive table, DM_LIST_DEVICES unchanged
 *     after the remove.  Accepted: resume works, status parses, the table
 *     line shows no key, a small O_DIRECT write/read round trip works.
 *  M  a target message (key set|replace [<gen>]|wipe, valid or mutated,
 *     or junk) to a live paes device (key or "-", maybe with vp:),
 *     suspended (flush or noflush) or not.  A model of the key state
 *     machine (replace only over a missing key, VPs) predicts the
 *     outcome, gen, keytype, replaces and the table's vp:; while the key
 *     is valid, block 0 must read back the last pattern written (EIO
 *     after a replace until rewritten).
 *  P  a /dev/pkey ioctl: every number of the ABI and random ones, with
 *     random/mutated structures, lengths at limits, NULL, unmapped and
 *     too-short user buffers (guard pages).  A clean errno or success,
 *     never a write outside the structure (canaries checked).
 *  S  a read or write of a sysfs attribute under .../pkey/protkey,
 *     ccadata, ccacipher, ep11 and .../pkey/emu: short, long and offset
 *     reads, junk writes; the controls that change state are written
 *     valid values too and then restored (km_fail_after disarmed;
 *     rotations tracked).  card_online and msa10 are left alone: they
 *     would make the valid reads fail.
 *
 * Deterministic from --seed (the kernel's random keys aside).  Prints one
 * line per failure and a summary:
 *   paes-fuzz: seed=S cases=N ... failures=F
 * Exit status: 0 no failure, 1 failures, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <uapi/pkeydm/pkey_abi.h>

#include "tool_util.h"

#define SYSPK "/sys/devices/virtual/misc/pkey/"
#define MSGDEV "pfz-msg"
#define TABDEV "pfz-tab"
#define DMBUF (128 * 1024)

/* ------------------------------------------------------------------ */
/* rng */

static uint64_t rs;

static uint64_t rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rn(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int pct)
{
	return rn(100) < pct;
}

static void rbytes(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = rnd();
}

/* ------------------------------------------------------------------ */
/* bookkeeping */

static bool verbose;
static unsigned long failures, cases;
static unsigned long n_tab, n_tab_ok, n_msg, n_msg_ok, n_pk, n_pk_ok;
static unsigned long n_sys, n_sys_ok, n_io;
static unsigned long errs[256];
static unsigned long cur_case;

static void fail(const char *fmt, ...)
{
	va_list ap;

	failures++;
	printf("FAIL case %lu: ", cur_case);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void vlog(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	printf("case %lu: ", cur_case);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static double t_create, t_load, t_resume, t_remove;

static void count_err(int e)
{
	errs[e > 0 && e < 256 ? e : 0]++;
}

/* ------------------------------------------------------------------ */
/* sysfs and /dev/pkey helpers */

static int pkfd = -1;

static int sys_write(const char *name, const void *val, size_t len)
{
	int f = open(name, O_WRONLY);
	ssize_t n;

	if (f < 0)
		return -errno;
	n = write(f, val, len);
	if (n < 0)
		n = -errno;
	close(f);
	return n;
}

static long sys_num(const char *name)
{
	char b[64];
	int n = sys_read(name, b, sizeof(b) - 1, 0);

	if (n <= 0)
		return -1;
	b[n] = 0;
	return strtol(b, NULL, 10);
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int v;

		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = v;
	}
	return 0;
}

static void tohex(const uint8_t *p, size_t n, char *out)
{
	static const char h[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = h[p[i] >> 4];
		out[2 * i + 1] = h[p[i] & 15];
	}
	out[2 * n] = 0;
}

/* ------------------------------------------------------------------ */
/* key pool: tokens of known clear keys, refreshed on every rotation */

enum form { F_NONE, F_X128, F_X256, F_F128, F_F256 };
static const char *const form_name[] = { "none", "xts-128", "xts-256",
					 "fxts-128", "fxts-256" };

struct tok {
	uint8_t b[160];
	int n;
	enum form form;
	int keyid;		/* same id <=> same effective key (same VP) */
};

#define NCLR 3
static uint8_t clr32[NCLR][32], clr64[NCLR][64];
/* [k][0]=pair, [k][1]=full; k<NCLR: 128-bit, else 256-bit */
static struct tok pool[2 * NCLR][2];
static struct tok stale_pool[2 * NCLR][2];
static bool have_stale;
static uint8_t cur_wkvp[32];
static long seen_rotations = -1;
static int next_keyid = 100;

static int pk_clr2prot(uint32_t kt, const uint8_t *clr, size_t kl, uint8_t *tok)
{
	return clear2prot_token(pkfd, kt, clr, kl, tok);
}

static int pk_full(uint32_t kt, const uint8_t *clr, size_t n, uint8_t *tok)
{
	uint8_t prot[96];
	int len = clear_kblob2prot(pkfd, kt, clr, n, prot, sizeof(prot));
	uint32_t plen;

	if (len < 0)
		return len;
	plen = len;
	memset(tok, 0, 16);
	tok[0] = PKEY_TOKTYPE_NON_CCA;
	tok[4] = PKEY_TOKVER_PROTECTED_KEY;
	memcpy(tok + 8, &kt, 4);
	memcpy(tok + 12, &plen, 4);
	memcpy(tok + 16, prot, plen);
	return 16 + plen;
}

static void read_wkvp(void)
{
	char b[80];
	int n = sys_read(SYSPK "emu/wkvp", b, sizeof(b) - 1, 0);

	if (n < 64 || unhex(b, cur_wkvp, 32)) {
		fprintf(stderr, "paes-fuzz: cannot read emu/wkvp\n");
		exit(2);
	}
}

static void make_pool(void)
{
	int k, r = 0;

	for (k = 0; k < 2 * NCLR; k++) {
		bool big = k >= NCLR;
		struct tok *p = &pool[k][0], *f = &pool[k][1];

		p->keyid = f->keyid = k + 1;
		p->n = 160;
		if (!big) {
			const uint8_t *c = clr32[k];

			p->form = F_X128;
			f->form = F_F128;
			r |= pk_clr2prot(PKEY_KEYTYPE_AES_128, c, 16, p->b);
			r |= pk_clr2prot(PKEY_KEYTYPE_AES_128, c + 16, 16,
					 p->b + 80);
			f->n = pk_full(PKEY_KEYTYPE_AES_XTS_128, c, 32, f->b);
		} else {
			const uint8_t *c = clr64[k - NCLR];

			p->form = F_X256;
			f->form = F_F256;
			r |= pk_clr2prot(PKEY_KEYTYPE_AES_256, c, 32, p->b);
			r |= pk_clr2prot(PKEY_KEYTYPE_AES_256, c + 32, 32,
					 p->b + 80);
			f->n = pk_full(PKEY_KEYTYPE_AES_XTS_256, c, 64, f->b);
		}
		if (r || f->n < 0) {
			fprintf(stderr, "paes-fuzz: cannot make tokens (%d/%d)\n",
				r, f->n);
			exit(2);
		}
	}
}

/* keyring */
#define KEY_SPEC_SESSION_KEYRING	-3
#define KEYCTL_JOIN_SESSION_KEYRING	1
#define KEYCTL_REVOKE			3
#define KEYCTL_UNLINK			9

struct kr {
	const char *type;
	char desc[4096];
	int src;		/* 0 pair, 1 f128, 2 f256, 3 zero80, 4 junk160, 5 stale160 */
	int size;		/* payload size */
	bool revoked;
	long serial;
};

#define KR(t, d, s, z, r) { .type = t, .desc = d, .src = s, .size = z, .revoked = r }
static struct kr krs[] = {
	KR("logon", "pfz:pair", 0, 160, false),
	KR("logon", "pfz:f128", 1, 80, false),
	KR("logon", "pfz:f256", 2, 112, false),
	KR("logon", "pfz:zero80", 3, 80, false),
	KR("logon", "pfz:junk160", 4, 160, false),
	KR("logon", "pfz:stale", 5, 160, false),
	KR("logon", "pfz:revoked", 0, 160, true),
	KR("user", "pfz:user", 0, 160, false),
	KR("logon", "", 1, 80, false),	/* long description, set at start */
	KR("logon", "pfz:caf\xc3\xa9", 1, 80, false),	/* Latin-1 printable */
};
#define NKR (sizeof(krs) / sizeof(krs[0]))

static const struct tok *kr_tok(const struct kr *k)
{
	switch (k->src) {
	case 0:
		return &pool[NCLR][0];
	case 1:
		return &pool[0][1];
	case 2:
		return &pool[NCLR][1];
	default:
		return NULL;
	}
}

static void kr_payload(const struct kr *k, uint8_t *b)
{
	const struct tok *t = kr_tok(k);

	memset(b, 0, 160);
	if (t)
		memcpy(b, t->b, t->n);
	else if (k->src == 4)
		memset(b, 0x5a, 160);
	else if (k->src == 5)
		memcpy(b, have_stale ? stale_pool[NCLR][0].b : pool[NCLR][0].b,
		       160);
}

static void kr_load(bool first)
{
	unsigned int i;

	for (i = 0; i < NKR; i++) {
		struct kr *k = &krs[i];
		uint8_t b[160];
		long s;

		if (k->revoked && !first)
			continue;
		kr_payload(k, b);
		s = syscall(SYS_add_key, k->type, k->desc, b, k->size,
			    KEY_SPEC_SESSION_KEYRING);
		if (s < 0) {
			fprintf(stderr, "paes-fuzz: add_key %s %.20s: %s\n",
				k->type, k->desc, strerror(errno));
			exit(2);
		}
		k->serial = s;
		if (k->revoked && syscall(SYS_keyctl, KEYCTL_REVOKE, s)) {
			fprintf(stderr, "paes-fuzz: revoke: %s\n", strerror(errno));
			exit(2);
		}
	}
}

static void kr_unload(void)
{
	unsigned int i;

	for (i = 0; i < NKR; i++)
		if (krs[i].serial > 0)
			syscall(SYS_keyctl, KEYCTL_UNLINK, krs[i].serial,
				KEY_SPEC_SESSION_KEYRING);
}

static void msg_dev_stale(void);

/* after any rotation: new tokens (old ones kept as stale), keyring too */
static void check_rotation(void)
{
	long r = sys_num(SYSPK "emu/rotations");

	if (r == seen_rotations)
		return;
	if (seen_rotations >= 0) {
		memcpy(stale_pool, pool, sizeof(pool));
		have_stale = true;
	}
	seen_rotations = r;
	read_wkvp();
	make_pool();
	kr_load(false);
	msg_dev_stale();
	/* a rotation between the reads: go round again */
	if (sys_num(SYSPK "emu/rotations") != r)
		check_rotation();
}

/* ------------------------------------------------------------------ */
/* model of the token rules (paes_key.c), incl. the WKVP check */

static uint32_t u32at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* 1 valid (*form set), 0 invalid or stale */
static int model_token(const uint8_t *b, int n, enum form *form)
{
	int i;

	if (n != 160 && n != 80 && n != 112)
		return 0;
	for (i = 0; i < (n == 160 ? 2 : 1); i++) {
		const uint8_t *t = b + 80 * i;

		if (t[0] || t[4] != 1 || t[1] || t[2] || t[3] || t[5] ||
		    t[6] || t[7])
			return 0;
	}
	if (n == 160) {
		uint32_t t1 = u32at(b + 8), l1 = u32at(b + 12);
		uint32_t t2 = u32at(b + 88), l2 = u32at(b + 92);
		int kl;

		if ((t1 != 1 && t1 != 3) || t1 != t2)
			return 0;
		kl = t1 == 1 ? 16 : 32;
		if (l1 != (uint32_t)kl + 32 || l2 != (uint32_t)kl + 32)
			return 0;
		if (memcmp(b + 16 + kl, cur_wkvp, 32) ||
		    memcmp(b + 96 + kl, cur_wkvp, 32))
			return 0;
		/* K1 = K2: a weak XTS key, refused */
		if (!memcmp(b + 16, b + 96, kl))
			return 0;
		*form = kl == 16 ? F_X128 : F_X256;
		return 1;
	}
	if (u32at(b + 8) != (n == 80 ? 10u : 11u) ||
	    u32at(b + 12) != (uint32_t)n - 16)
		return 0;
	if (memcmp(b + n - 32, cur_wkvp, 32))
		return 0;
	*form = n == 80 ? F_F128 : F_F256;
	return 1;
}

/* the key bytes the target uses (wrapped keys, no header/WKVP/padding) */
static int eff_bytes(const uint8_t *b, int n, enum form form, uint8_t *out)
{
	int kl = form == F_X128 || form == F_F128 ? 16 : 32;

	if (form == F_X128 || form == F_X256) {
		memcpy(out, b + 16, kl);
		memcpy(out + kl, b + 96, kl);
	} else {
		memcpy(out, b + 16, 2 * kl);
	}
	(void)n;
	return 2 * kl;
}

/* keyid of a valid token: a pool key's if it is one, else a fresh one */

static int token_keyid(const uint8_t *b, int n, enum form form)
{
	uint8_t e1[64], e2[64];
	int k, f, l = eff_bytes(b, n, form, e1);

	for (k = 0; k < 2 * NCLR; k++)
		for (f = 0; f < 2; f++)
			if (pool[k][f].form == form &&
			    eff_bytes(pool[k][f].b, pool[k][f].n, form, e2) == l &&
			    !memcmp(e1, e2, l))
				return pool[k][f].keyid;
	return next_keyid++;
}

/* the hex parse of paes_parse_key_arg(), then model_token() */
static int model_hex(const char *hex, uint8_t *b, int *n, enum form *form)
{
	size_t l = strlen(hex);

	if (l & 1 || (l != 320 && l != 160 && l != 224))
		return 0;
	if (unhex(hex, b, l / 2))
		return 0;
	*n = l / 2;
	return model_token(b, *n, form);
}

/* kstrtoull/kstrtouint, base 10 */
static bool kstrtou(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (*s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (x > (UINT64_MAX - (*s - '0')) / 10)
			return false;
		x = x * 10 + (*s - '0');
	}
	if (x > max)
		return false;
	*v = x;
	return true;
}

/* ------------------------------------------------------------------ */
/* key argument generation: valid, then maybe broken */

struct keyarg {
	char s[9000];
	bool valid;		/* the model says it parses and is fresh */
	bool none;		/* "-" */
	enum form form;
	int keyid;		/* 0: unknown key (fresh id assigned on accept) */
	bool keyring;
};

static const char *const numbers[] = {
	"0", "1", "-1", "+1", "-0", "+0", "00", "4294967295", "4294967296",
	"18446744073709551615", "18446744073709551616",
	"99999999999999999999999999", "9223372036854775807",
	"9223372036854775808", "0x10", "010", "1a", "1.5", "1e3", "+",
	"-", "++1", "8", "512", "4096", "65536", "2147483647", "2147483648",
};
#define NNUM (sizeof(numbers) / sizeof(numbers[0]))

static const char *rnum(char *buf)
{
	switch (rn(4)) {
	case 0:
		sprintf(buf, "%u", rn(100000));
		return buf;
	case 1:
		sprintf(buf, "%" PRIu64, rnd() >> rn(64));
		return buf;
	default:
		return numbers[rn(NNUM)];
	}
}

/* a pool token, fresh unless @stale */
static const struct tok *pick_tok(bool stale)
{
	int k = rn(2 * NCLR), f = rn(2);

	return stale && have_stale ? &stale_pool[k][f] : &pool[k][f];
}

/* sysfs token of a random key (a unique effective key) */
static int sysfs_tok(uint8_t *b, enum form *form)
{
	static const struct {
		const char *name;
		int n;
		enum form f;
	} s[] = {
		{ "protkey_aes_128_xts", 160, F_X128 },
		{ "protkey_aes_256_xts", 160, F_X256 },
		{ "protkey_aes_xts_128", 80, F_F128 },
		{ "protkey_aes_xts_256", 112, F_F256 },
	};
	int i = rn(4), n;
	char path[128];

	snprintf(path, sizeof(path), SYSPK "protkey/%s", s[i].name);
	n = sys_read(path, b, 160, 0);
	if (n != s[i].n) {
		fail("sysfs %s read returned %d, want %d", s[i].name, n, s[i].n);
		return -1;
	}
	*form = s[i].f;
	return n;
}

static void mutate_token(uint8_t *b, int *n)
{
	static const int hdr_off[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
				       12, 13, 14, 15 };
	int t = *n == 160 && chance(50) ? 80 : 0;
	uint32_t v;

	switch (rn(7)) {
	case 0:	/* header byte */
		b[t + hdr_off[rn(16)]] = chance(50) ? rnd() : rn(4);
		break;
	case 1:	/* keytype */
		v = chance(70) ? rn(13) : (uint32_t)rnd();
		memcpy(b + t + 8, &v, 4);
		break;
	case 2:	/* len */
		v = chance(70) ? (uint32_t[]){ 0, 16, 32, 48, 64, 80, 96,
					      112, 0xffffffff }[rn(9)] :
				 (uint32_t)rnd();
		memcpy(b + t + 12, &v, 4);
		break;
	case 3:	/* a wrapped key byte: accepted, another effective key */
	case 4:	/* a WKVP or key byte */
		b[16 + rn(*n - 16)] ^= 1 << rn(8);
		break;
	case 5:	/* the other half from another key size, or K2 = K1 */
		if (*n == 160 && chance(50))
			memcpy(b + 80, b, 80);
		else if (*n == 160)
			memcpy(b + 80, pool[rn(2) ? 0 : NCLR][0].b + 80, 80);
		else
			b[rn(*n)] = rnd();
		break;
	default:	/* random bytes of the same size */
		rbytes(b, *n);
		break;
	}
}

/* the model of a ":<bytes>:logon:<desc>" key, as paes_keyring_key() */
static void model_keyring(struct keyarg *ka)
{
	char *ref = ka->s + 1, *c = strchr(ref, ':'), *d;
	const struct kr *found = NULL;
	const struct tok *kt;
	unsigned int i;
	uint64_t v;
	bool ok;

	ka->keyring = true;
	ka->valid = false;
	if (!c || c == ref)
		return;
	*c = 0;
	ok = kstrtou(ref, UINT32_MAX, &v) && (v == 160 || v == 80 || v == 112);
	*c = ':';
	if (!ok || strncmp(c + 1, "logon:", 6))
		return;
	d = c + 7;
	if (!*d)
		return;
	for (i = 0; d[i]; i++) {
		unsigned char ch = d[i];

		/* kernel ctype: 0xa0..0xff are printable */
		if (isspace(ch) || ch < 0x20 || ch == 0x7f ||
		    (ch >= 0x80 && ch < 0xa0))
			return;
	}
	for (i = 0; i < NKR; i++)
		if (!strcmp(krs[i].type, "logon") && !strcmp(krs[i].desc, d))
			found = &krs[i];
	if (!found || found->revoked || found->size != (int)v)
		return;
	kt = kr_tok(found);
	if (!kt)
		return;	/* junk, zero, stale payloads */
	ka->valid = true;
	ka->form = kt->form;
	ka->keyid = kt->keyid;
}

/* the model of any <key> word of a message */
static void model_keyword(struct keyarg *ka)
{
	uint8_t b[256];
	int n;

	ka->none = !strcmp(ka->s, "-");
	ka->valid = ka->none;
	ka->keyid = 0;
	if (ka->s[0] == ':') {
		model_keyring(ka);
		return;
	}
	if (strlen(ka->s) > 400)
		return;
	ka->valid = model_hex(ka->s, b, &n, &ka->form);
	if (ka->valid)
		ka->keyid = token_keyid(b, n, ka->form);
}

static void gen_keyarg(struct keyarg *ka, bool allow_none, bool mutate)
{
	uint8_t b[256];
	int n, kind = rn(10);
	const struct tok *t;
	char hex[1400];

	memset(ka, 0, sizeof(*ka));
	if (allow_none && kind == 0) {
		strcpy(ka->s, "-");
		ka->valid = ka->none = true;
		return;
	}
	if (kind <= 2) {	/* keyring reference */
		const struct kr *k = &krs[rn(NKR)];
		char bytes[64];
		const char *type = k->type, *desc = k->desc;
		int size = k->size;

		snprintf(bytes, sizeof(bytes), "%d", size);
		if (mutate && chance(60)) {
			switch (rn(8)) {
			case 0:
				snprintf(bytes, sizeof(bytes), "%s",
					 rnum(bytes));
				break;
			case 1:
				snprintf(bytes, sizeof(bytes), "%d",
					 (int[]){ 160, 80, 112 }[rn(3)]);
				break;
			case 2:
				type = (const char *[]){ "user", "LOGON",
					"logon ", "encrypted", "" }[rn(5)];
				break;
			case 3: {
				static char huge[6001];

				if (!huge[0]) {
					memcpy(huge, "pfz:", 4);
					memset(huge + 4, 'L', 5996);
				}
				desc = (const char *[]){ "", "pfz:none",
					"pfz:pair\x01", "pfz:\x7f",
					"pfz:pai", "pfz:pairr", ":",
					huge }[rn(8)];
				break;
			}
			case 4:
				snprintf(ka->s, sizeof(ka->s), ":%s", bytes);
				goto model;
			case 5:
				snprintf(ka->s, sizeof(ka->s), ":%s:logon", bytes);
				goto model;
			case 6:
				snprintf(ka->s, sizeof(ka->s), "::logon:%s", desc);
				goto model;
			default:
				snprintf(ka->s, sizeof(ka->s), ":%s:logon:%s:%s",
					 bytes, desc, "x");
				goto model;
			}
		}
		snprintf(ka->s, sizeof(ka->s), ":%s:%s:%s", bytes, type, desc);
model:
		model_keyring(ka);
		return;
	}

	if (kind == 3 && chance(50)) {
		n = sysfs_tok(b, &ka->form);
		if (n < 0) {
			strcpy(ka->s, "-");
			ka->valid = ka->none = true;
			return;
		}
	} else {
		t = pick_tok(kind == 3);
		memcpy(b, t->b, t->n);
		n = t->n;
	}
	if (mutate && chance(50))
		mutate_token(b, &n);
	tohex(b, n, hex);
	/* text-level mutations */
	if (mutate && chance(25)) {
		size_t l = strlen(hex), i;
		char tmp[sizeof(hex)];	/* hex is at most 330 digits */

		switch (rn(7)) {
		case 0:	/* truncate */
			hex[rn(l)] = 0;
			break;
		case 1:	/* odd */
			hex[l - 1] = 0;
			break;
		case 2:	/* extend */
			strcat(hex, (const char *[]){ "0", "00", "0000",
				"ffffffff", "g" }[rn(5)]);
			break;
		case 3:	/* non-hex digit */
			hex[rn(l)] = "gGxz-+:/"[rn(8)];
			break;
		case 4:	/* uppercase: still valid hex */
			for (i = 0; i < l; i++)
				hex[i] = toupper((unsigned char)hex[i]);
			break;
		case 5:	/* cut to another valid size */
			i = (size_t[]){ 160, 224, 320 }[rn(3)];
			if (i < l)
				hex[i] = 0;
			break;
		default:	/* doubled */
			memcpy(tmp, hex, l);
			memcpy(tmp + l, hex, l + 1);
			memcpy(hex, tmp, 2 * l + 1);
			break;
		}
	}
	snprintf(ka->s, sizeof(ka->s), "%s", hex);
	ka->valid = model_hex(hex, b, &n, &ka->form);
	if (ka->valid)
		ka->keyid = token_keyid(b, n, ka->form);
}

/* ------------------------------------------------------------------ */
/* device-mapper ioctls */

static int dmfd = -1;
static struct dm_ioctl *dmb;
static char loopdev[64], msgloop[64];	/* tables, messages */
static uint64_t loop_sectors, msg_sectors;
static unsigned int loop_major, loop_minor;

static void dm_init(const char *name)
{
	memset(dmb, 0, sizeof(*dmb) + 256);
	dmb->version[0] = DM_VERSION_MAJOR;
	dmb->data_size = DMBUF;
	dmb->data_start = sizeof(*dmb);
	if (name)
		snprintf(dmb->name, sizeof(dmb->name), "%s", name);
}

static int dm_call(unsigned long cmd)
{
	return ioctl(dmfd, cmd, dmb) ? -errno : 0;
}

/* names of all dm devices, NUL separated; returns the count */
static bool list_skip_tab;	/* leave TABDEV out (kept for reuse) */

static int dm_list(char *out, size_t max)
{
	struct dm_name_list *nl;
	size_t off = 0;
	int n = 0;

	memset(out, 0, max);
	dm_init(NULL);
	if (dm_call(DM_LIST_DEVICES) || dmb->flags & DM_BUFFER_FULL_FLAG)
		return -1;
	nl = (void *)((char *)dmb + dmb->data_start);
	if (!nl->dev)
		return 0;
	for (;;) {
		size_t l = strlen(nl->name) + 1;

		/* the message fuzzer's device comes and goes on its own */
		if (strcmp(nl->name, MSGDEV) &&
		    !(list_skip_tab && !strcmp(nl->name, TABDEV))) {
			if (off + l < max) {
				memcpy(out + off, nl->name, l);
				off += l;
			}
			n++;
		}
		if (!nl->next)
			break;
		nl = (void *)((char *)nl + nl->next);
	}
	return n;
}

static int dm_create(const char *name, uint64_t *dev)
{
	int r;

	dm_init(name);
	r = dm_call(DM_DEV_CREATE);
	if (!r && dev)
		*dev = dmb->dev;
	return r;
}

static int dm_remove(const char *name)
{
	int i, r = 0;

	for (i = 0; i < 50; i++) {
		dm_init(name);
		r = dm_call(DM_DEV_REMOVE);
		if (r != -EBUSY)
			break;
		usleep(20000);
	}
	return r;
}

/* @n (1 or 2) paes targets of @len sectors each, back to back */
static int dm_load(const char *name, uint64_t start, uint64_t len,
		   const char *params, int n)
{
	struct dm_target_spec *sp;
	size_t pl = strlen(params) + 1;
	size_t step = (sizeof(*sp) + pl + 7) & ~(size_t)7;
	int i;

	if (sizeof(*dmb) + n * step > DMBUF)
		return -E2BIG;
	dm_init(name);
	dmb->target_count = n;
	sp = (void *)((char *)dmb + dmb->data_start);
	for (i = 0; i < n; i++) {
		memset(sp, 0, sizeof(*sp));
		sp->sector_start = start + i * len;
		sp->length = len;
		strcpy(sp->target_type, "paes");
		memcpy(sp + 1, params, pl);
		sp->next = i + 1 < n ? step : 0;
		sp = (void *)((char *)sp + step);
	}
	return dm_call(DM_TABLE_LOAD);
}

/* suspend (flags DM_SUSPEND_FLAG [| DM_NOFLUSH_FLAG]) or resume (0) */
static int dm_suspend(const char *name, uint32_t flags)
{
	dm_init(name);
	dmb->flags = flags;
	return dm_call(DM_DEV_SUSPEND);
}

/* INFO status (or TABLE with @table) into @out */
static int dm_status(const char *name, bool table, char *out, size_t max,
		     uint32_t *dmflags)
{
	struct dm_target_spec *sp;
	int r;

	dm_init(name);
	if (table)
		dmb->flags = DM_STATUS_TABLE_FLAG;
	r = dm_call(DM_TABLE_STATUS);
	if (r)
		return r;
	if (dmflags)
		*dmflags = dmb->flags;
	if (!dmb->target_count) {
		*out = 0;
		return -ENODATA;
	}
	sp = (void *)((char *)dmb + dmb->data_start);
	snprintf(out, max, "%s", (char *)(sp + 1));
	return 0;
}

static int dm_info_flags(const char *name, uint32_t *flags)
{
	int r;

	dm_init(name);
	r = dm_call(DM_DEV_STATUS);
	if (!r)
		*flags = dmb->flags;
	return r;
}

static uint64_t msg_sector;	/* target sector of the next message */

static int dm_msg(const char *name, const char *msg)
{
	struct dm_target_msg *m;
	size_t l = strlen(msg) + 1;

	if (sizeof(*dmb) + sizeof(*m) + l > DMBUF)
		return -E2BIG;
	dm_init(name);
	m = (void *)((char *)dmb + dmb->data_start);
	m->sector = msg_sector;
	msg_sector = 0;
	memcpy(m->message, msg, l);
	return dm_call(DM_TARGET_MSG);
}

/* status line field NAME=value */
static bool sfield(const char *st, const char *name, char *val, size_t max)
{
	size_t nl = strlen(name);
	const char *p = st;

	while ((p = strstr(p, name))) {
		if ((p == st || p[-1] == ' ') && p[nl] == '=') {
			size_t i = 0;

			p += nl + 1;
			while (p[i] && p[i] != ' ' && i + 1 < max) {
				val[i] = p[i];
				i++;
			}
			val[i] = 0;
			return true;
		}
		p += nl;
	}
	return false;
}

/* the INFO line has every field, in order, with sane values */
static bool status_sane(const char *st, char *state)
{
	static const char *const f[] = { "key", "gen", "parked",
		"stale_events", "lost_blocks", "keytype", "wkvp",
		"parked_total", "expired", "key_timeout", "sector_size",
		"replaces", "requeued" };
	char v[64];
	unsigned int i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!sfield(st, f[i], v, sizeof(v)) || !*v)
			return false;
	sfield(st, "key", state, 16);
	return !strcmp(state, "valid") || !strcmp(state, "stale") ||
	       !strcmp(state, "none") || !strcmp(state, "lost");
}

#define VPHEX 32	/* hex digits of a verification pattern (16 bytes) */

/* a vp:<32 hex> word starts at @w (a key check value, not key material) */
static bool vp_word(const char *w)
{
	return !strncmp(w, "vp:", 3) &&
	       strspn(w + 3, "0123456789abcdef") == VPHEX &&
	       (w[3 + VPHEX] == ' ' || !w[3 + VPHEX]);
}

/* a table line must never show key material: no long hex word */
static bool table_leaks(const char *t)
{
	const char *start = t;
	int run = 0;

	for (; *t; t++) {
		if ((t == start || t[-1] == ' ') && vp_word(t)) {
			t += 3 + VPHEX - 1;
			run = 0;
			continue;
		}
		run = isxdigit((unsigned char)*t) ? run + 1 : 0;
		if (run >= 32)
			return true;
	}
	return false;
}

/*
 * The VPs the target printed for the pool keys, by keyid ("" not seen
 * yet).  They depend on the clear key only, so they outlive rotations.
 */
static char pool_vp[2 * NCLR + 1][VPHEX + 1];

/* the hex of the vp: word of a TABLE line into @vp, or "" */
static void table_vp(const char *t, char *vp)
{
	const char *p = strstr(t, " vp:");

	vp[0] = 0;
	if (p && vp_word(p + 1)) {
		memcpy(vp, p + 4, VPHEX);
		vp[VPHEX] = 0;
	}
}

/*
 * A TABLE line of a target whose VP is that of key @keyid: it shows a
 * vp: word, the one the same key showed before (a pool key's is learnt).
 */
static void check_table_vp(const char *t, int keyid, const char *what)
{
	char vp[VPHEX + 1];

	table_vp(t, vp);
	if (!*vp) {
		fail("%s: table line without vp: %.200s", what, t);
		return;
	}
	if (keyid < 1 || keyid > 2 * NCLR)
		return;
	if (!pool_vp[keyid][0])
		memcpy(pool_vp[keyid], vp, sizeof(vp));
	else if (strcmp(pool_vp[keyid], vp))
		fail("%s: vp:%s, key %d showed vp:%s before", what, vp, keyid,
		     pool_vp[keyid]);
}

/* keyid of a pool key whose learnt VP is @hex (any case), or 0 */
static int vp_keyid(const char *hex)
{
	int k;

	for (k = 1; k <= 2 * NCLR; k++)
		if (pool_vp[k][0] && !strcasecmp(pool_vp[k], hex))
			return k;
	return 0;
}

/* a learnt VP at random, or NULL */
static const char *known_vp(void)
{
	int k, start = 1 + rn(2 * NCLR);

	for (k = 0; k < 2 * NCLR; k++) {
		int i = 1 + (start - 1 + k) % (2 * NCLR);

		if (pool_vp[i][0])
			return pool_vp[i];
	}
	return NULL;
}

/* O_DIRECT round trip of @bytes at @off on dm device @dev; 0 ok */
static uint8_t *iobuf, *iobuf2;

static int dev_open(uint64_t dev)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/dm-%u", minor(dev));
	fd = open(path, O_RDWR | O_DIRECT);
	if (fd >= 0)
		return fd;
	/* no devtmpfs node: make one */
	snprintf(path, sizeof(path), "/tmp/pfz-node");
	unlink(path);
	if (mknod(path, S_IFBLK | 0600, makedev(major(dev), minor(dev))))
		return -errno;
	fd = open(path, O_RDWR | O_DIRECT);
	unlink(path);
	return fd < 0 ? -errno : fd;
}

static int dev_rw(uint64_t dev, off_t off, size_t bytes, uint32_t pat,
		  bool write, bool check)
{
	int fd = dev_open(dev), r = 0;
	size_t i;

	if (fd < 0)
		return fd;
	n_io++;
	if (write) {
		for (i = 0; i < bytes / 4; i++)
			((uint32_t *)iobuf)[i] = pat ^ (uint32_t)i * 2654435761u;
		if (pwrite(fd, iobuf, bytes, off) != (ssize_t)bytes)
			r = -errno ?: -EIO;
	} else {
		if (pread(fd, iobuf2, bytes, off) != (ssize_t)bytes) {
			r = -errno ?: -EIO;
		} else if (check) {
			for (i = 0; i < bytes / 4; i++)
				if (((uint32_t *)iobuf2)[i] !=
				    (pat ^ (uint32_t)i * 2654435761u)) {
					r = -EILSEQ;
					break;
				}
		}
	}
	close(fd);
	return r;
}

/* ------------------------------------------------------------------ */
/* T: tables */

static char dm_before[8192];
static int dm_before_n;

static bool refusal_errno_ok(int e)
{
	switch (e) {
	case EINVAL: case ENOKEY: case EKEYREVOKED: case ENOENT: case ENXIO:
	case ENODEV: case ENOTBLK: case EOPNOTSUPP: case ERANGE: case E2BIG:
		return true;
	default:
		return false;
	}
}

struct tabcase {
	char params[16384];
	uint64_t start, len;
	bool expect_ok;
	bool unknown;		/* the model cannot tell */
	struct keyarg key;
	unsigned int ss;
	bool vp_given;		/* a well-formed vp: option */
	int vp_keyid;		/* the pool key it belongs to, 0 none known */
	char why[96];
};

/* a vp:<hex> option: mostly the key's own VP or another key's */
static void gen_vp_opt(char *b, size_t max, const struct keyarg *ka)
{
	int kid = ka->valid && !ka->none && ka->keyid < 100 ? ka->keyid : 0;
	const char *other = known_vp();
	uint8_t rb[VPHEX / 2];
	char hex[2 * VPHEX + 2];
	int k = rn(10);

	rbytes(rb, sizeof(rb));
	tohex(rb, sizeof(rb), hex);
	if (k < 5 && kid && pool_vp[kid][0])
		snprintf(hex, sizeof(hex), "%s", pool_vp[kid]);
	else if (k < 7 && other)
		snprintf(hex, sizeof(hex), "%s", other);
	else if (k == 9)	/* malformed */
		switch (rn(5)) {
		case 0:
			hex[VPHEX - 1] = 0;
			break;
		case 1:
			strcat(hex, "0");
			break;
		case 2:
			hex[rn(VPHEX)] = "gxz-+: "[rn(7)];
			break;
		case 3:
			hex[0] = 0;
			break;
		default:	/* 64 digits, the size the issue first named */
			memcpy(hex + VPHEX, hex, VPHEX);
			hex[2 * VPHEX] = 0;
			break;
		}
	snprintf(b, max, "%s%s", chance(10) ? "VP:" : "vp:", hex);
	if (chance(10)) {	/* hex digits in capitals: still valid */
		char *p;

		for (p = b; *p; p++)
			*p = toupper((unsigned char)*p);
	}
}

static const char *const opt_names[] = {
	"sector_size:", "iv_large_sectors", "allow_discards", "key_timeout:",
	"same_cpu_crypt", "submit_from_crypt_cpus", "no_read_workqueue",
	"no_write_workqueue",
};

static void gen_table(struct tabcase *tc)
{
	bool mut = chance(75);
	char iv[64], off[64], dev[96], cipher[64], nb[64], opts[2048];
	const char *optv[16];
	char optbuf[16][80];
	int nopt = 0, i, declared;
	uint64_t ivv = 0, offv = 0, spb;
	bool valid = true;
	const char *why = "";

	memset(tc, 0, sizeof(*tc));
	tc->ss = 512;
	gen_keyarg(&tc->key, true, mut && chance(50));

	/* options from the grammar */
	for (i = rn(5); i > 0; i--) {
		int o = rn(8);
		char *b = optbuf[nopt];

		if (o == 0)
			snprintf(b, 80, "sector_size:%u", 512u << rn(4));
		else if (o == 3)
			snprintf(b, 80, "key_timeout:%u",
				 (unsigned int[]){ 0, 1, 1000, 30000,
						   4294967295u }[rn(5)]);
		else
			snprintf(b, 80, "%s", opt_names[o]);
		if (chance(10)) {	/* case does not matter */
			char *p;

			for (p = b; *p; p++)
				*p = toupper((unsigned char)*p);
		}
		optv[nopt++] = b;
	}
	if (chance(30)) {
		gen_vp_opt(optbuf[nopt], sizeof(optbuf[nopt]), &tc->key);
		optv[nopt] = optbuf[nopt];
		nopt++;
	}
	snprintf(cipher, sizeof(cipher), "paes-xts-plain64");
	spb = 1;
	declared = nopt;

	/* pick sector size early so len/iv are usually right */
	for (i = 0; i < nopt; i++)
		if (!strncasecmp(optv[i], "sector_size:", 12))
			tc->ss = atoi(optv[i] + 12);
	spb = tc->ss / 512;
	tc->len = (1 + rn(loop_sectors / spb)) * spb;
	if (chance(30))
		tc->len = loop_sectors;
	if (chance(30))
		ivv = rnd() >> rn(64) & ~(spb - 1);
	if (chance(30))
		offv = rn((loop_sectors - tc->len) / spb + 1) * spb;
	snprintf(dev, sizeof(dev), "%s", chance(50) ? loopdev : "");
	if (!*dev)
		snprintf(dev, sizeof(dev), "%u:%u", loop_major, loop_minor);

	snprintf(iv, sizeof(iv), "%" PRIu64, ivv);
	if (mut) {
		int m, nm = 1 + rn(3);
		bool iv_txt = false, off_txt = false;

		for (m = 0; m < nm; m++) {
			switch (rn(12)) {
			case 0:
				tc->len = (uint64_t[]){ 0, 1, spb - 1, spb + 1,
					loop_sectors + 1, loop_sectors + spb,
					UINT64_MAX, 1ULL << 32, 1ULL << 63,
					loop_sectors - 1 }[rn(10)];
				if (!tc->len && chance(50))
					tc->len = 8;
				break;
			case 1:
				snprintf(iv, sizeof(iv), "%s", rnum(nb));
				iv_txt = true;
				break;
			case 2:
				snprintf(off, sizeof(off), "%s", rnum(nb));
				off_txt = true;
				break;
			case 3:
				/* no dev_t that would make the kernel load a module */
				snprintf(dev, sizeof(dev), "%s",
					 (const char *[]){ "/dev/nonexistent",
					 "/dev/null", "/dev/pkey", "/",
					 "/dev/loop-control", "abc:def", ":7",
					 "/dev/mapper/" TABDEV, "/dev/loop" }[rn(9)]);
				if (chance(20))
					snprintf(dev, sizeof(dev), "%sx", loopdev);
				break;
			case 4:
				snprintf(cipher, sizeof(cipher), "%s",
					 (const char *[]){ "aes-xts-plain64",
					 "PAES-XTS-PLAIN64", "paes-xts-plain",
					 "paes-xts-plain64x", "paes",
					 "paes-cbc-essiv:sha256", "-" }[rn(7)]);
				break;
			case 5:	/* the option count */
				declared = (int[]){ nopt + 1, nopt - 1, -1, 0,
					255, 65536 }[rn(6)];
				if (declared == nopt)
					declared++;
				break;
			case 6:	/* duplicate an option */
				if (nopt && nopt < 15) {
					optv[nopt] = optv[rn(nopt)];
					nopt++;
				}
				declared = nopt;
				break;
			case 7:	/* option values at their limits */
				if (nopt < 15) {
					char *b = optbuf[nopt];

					snprintf(b, 80, "%s%s",
						 chance(50) ? "sector_size:" :
							      "key_timeout:",
						 rnum(nb));
					optv[nopt++] = b;
					declared = nopt;
				}
				break;
			case 8:	/* unknown options */
				if (nopt < 15) {
					optv[nopt++] = (const char *[]){
						"integrity:28:aead", "sector_size",
						"key_timeout", "sector_size:",
						"iv_large_sectors:1",
						"allow_discards=1", "0",
						"key:set", "sector_size:512:1",
						"sector_size: 512" }[rn(10)];
					declared = nopt;
				}
				break;
			case 9:	/* sector size change after len was chosen */
				if (nopt < 15) {
					char *b = optbuf[nopt];

					snprintf(b, 80, "sector_size:%u",
						 512u << rn(5));
					optv[nopt++] = b;
					declared = nopt;
				}
				break;
			case 10:	/* start not at 0 */
				tc->start = (uint64_t[]){ 1, 8,
					UINT64_MAX }[rn(3)];
				break;
			default:	/* offset beyond the device */
				offv = (uint64_t[]){ loop_sectors,
					loop_sectors - tc->len + spb,
					UINT64_MAX, UINT64_MAX - tc->len + 1,
					1ULL << 63 }[rn(5)];
				break;
			}
		}
		if (!iv_txt)
			snprintf(iv, sizeof(iv), "%" PRIu64, ivv);
		if (!off_txt)
			snprintf(off, sizeof(off), "%" PRIu64, offv);
	} else {
		snprintf(off, sizeof(off), "%" PRIu64, offv);
	}
	opts[0] = 0;
	if (nopt || declared != nopt || chance(5)) {
		size_t l;

		snprintf(opts, sizeof(opts), " %d", declared);
		for (i = 0; i < nopt; i++) {
			l = strlen(opts);
			snprintf(opts + l, sizeof(opts) - l, " %s", optv[i]);
		}
	}
	/* fewer or more words than the grammar */
	if (mut && chance(8)) {
		snprintf(tc->params, sizeof(tc->params), "%s %s %s %s", cipher,
			 tc->key.s, iv, (const char *[]){ dev, "", iv }[rn(3)]);
	} else {
		snprintf(tc->params, sizeof(tc->params), "%s %s %s %s %s%s",
			 cipher, tc->key.s, iv, dev, off, opts);
	}

	/*
	 * The model: every rule of paes_ctr() and dm core's own table
	 * checks.  The order does not matter, only accept or refuse.
	 */
	{
		char tmp[16384], *argv[64], *p, *save = NULL;
		int argc = 0;
		uint64_t v, nopt_v;
		unsigned int ss = 512;
		bool seenw[9] = { false };
		const char *vpv = NULL;

		snprintf(tmp, sizeof(tmp), "%s", tc->params);
		for (p = strtok_r(tmp, " ", &save); p && argc < 64;
		     p = strtok_r(NULL, " ", &save))
			argv[argc++] = p;
#define BAD(s) do { valid = false; why = s; goto done; } while (0)
		if (tc->start)
			BAD("start");
		if (!tc->len)
			BAD("zero len");
		if (argc < 5)
			BAD("argc");
		if (strcmp(argv[0], "paes-xts-plain64"))
			BAD("cipher");
		if (argc > 5) {
			if (!kstrtou(argv[5], UINT32_MAX, &nopt_v))
				BAD("#opt");
			if (nopt_v != (uint64_t)argc - 6)
				BAD("#opt count");
			for (i = 6; i < argc; i++) {
				const char *o = argv[i];
				int w = -1, k;

				for (k = 0; k < 8; k++)
					if (k != 0 && k != 3 &&
					    !strcasecmp(o, opt_names[k]))
						w = k;
				if (w < 0 && !strncasecmp(o, "sector_size:", 12)) {
					w = 0;
					if (!kstrtou(o + 12, UINT32_MAX, &v) ||
					    v < 512 || v > 4096 || (v & (v - 1)))
						BAD("sector_size");
					ss = v;
				} else if (w < 0 &&
					   !strncasecmp(o, "key_timeout:", 12)) {
					w = 3;
					if (!kstrtou(o + 12, UINT32_MAX, &v))
						BAD("key_timeout");
				} else if (w < 0 && !strncasecmp(o, "vp:", 3)) {
					w = 8;
					if (strlen(o + 3) != VPHEX ||
					    strspn(o + 3, "0123456789abcdefABCDEF") != VPHEX)
						BAD("vp");
					vpv = o + 3;
				}
				if (w < 0)
					BAD("unknown opt");
				if (seenw[w])
					BAD("dup opt");
				seenw[w] = true;
			}
		}
		tc->ss = ss;
		spb = ss / 512;
		if (!kstrtou(argv[2], UINT64_MAX, &v))
			BAD("iv_offset");
		if (v & (spb - 1))
			BAD("iv_offset align");
		if (!kstrtou(argv[4], UINT64_MAX, &offv))
			BAD("offset");
		if (offv & (spb - 1))
			BAD("offset align");
		if (tc->len & (spb - 1))
			BAD("len align");
		if (!tc->key.valid)
			BAD("key");
		if (vpv) {
			tc->vp_given = true;
			tc->vp_keyid = vp_keyid(vpv);
			/*
			 * A key must have this VP.  A VP not learnt yet is
			 * never generated for its own key: another key's or
			 * a random one, so a mismatch.
			 */
			if (!tc->key.none &&
			    (tc->key.keyid >= 100 || tc->vp_keyid != tc->key.keyid))
				BAD("vp mismatch");
		}
		if (strcmp(argv[3], loopdev)) {
			char mm[32];

			snprintf(mm, sizeof(mm), "%u:%u", loop_major, loop_minor);
			if (strcmp(argv[3], mm))
				BAD("dev");
		}
		if (offv > loop_sectors || tc->len > loop_sectors - offv)
			BAD("too small");
		/* dm core: the table must end on a logical block boundary */
done:
		;
#undef BAD
	}
	tc->expect_ok = valid;
	snprintf(tc->why, sizeof(tc->why), "%s", why);
}

/* params with the key shortened, for messages */
static void redact(const char *in, char *out, size_t max)
{
	size_t o = 0;
	int run = 0;

	for (; *in && o + 4 < max; in++) {
		run = isxdigit((unsigned char)*in) ? run + 1 : 0;
		if (run > 16) {
			if (run == 17) {
				out[o++] = '.';
				out[o++] = '.';
			}
			continue;
		}
		out[o++] = (unsigned char)*in < 0x20 ? '?' : *in;
		if (o > 400)
			break;
	}
	out[o] = 0;
}

static uint64_t tab_dev;	/* TABDEV exists (without a table) */

static void table_case(void)
{
	static struct tabcase tc;
	char red[512], names[8192], st[4096], state[16];
	uint64_t dev = 0;
	uint32_t fl = 0;
	double t0;
	int r, n, ntgt;
	uint64_t total;

	gen_table(&tc);
	redact(tc.params, red, sizeof(red));
	n_tab++;
	if (!tab_dev) {
		t0 = now_ms();
		r = dm_create(TABDEV, &tab_dev);
		t_create += now_ms() - t0;
		if (r) {
			fail("DM_DEV_CREATE %s: %s", TABDEV, strerror(-r));
			tab_dev = 0;
			return;
		}
	}
	dev = tab_dev;
	/* now and then two targets, the second one after the first */
	ntgt = chance(10) && tc.len < UINT64_MAX / 2 ? 2 : 1;
	t0 = now_ms();
	r = dm_load(TABDEV, tc.start, tc.len, tc.params, ntgt);
	t_load += now_ms() - t0;
	total = tc.len * ntgt;
	vlog("table %" PRIu64 " %" PRIu64 "%s %s -> %d (model %s%s)",
	     tc.start, tc.len, ntgt > 1 ? " x2" : "", red, r,
	     tc.expect_ok ? "ok" : "refuse: ", tc.why);
	if (r) {
		count_err(-r);
		if (!refusal_errno_ok(-r))
			fail("table refused with unexpected errno %d (%s): %s",
			     -r, strerror(-r), red);
		if (tc.expect_ok)
			fail("wrong refusal (%s): %" PRIu64 " %" PRIu64 " %s",
			     strerror(-r), tc.start, tc.len, red);
		if (dm_info_flags(TABDEV, &fl) ||
		    fl & (DM_INACTIVE_PRESENT_FLAG | DM_ACTIVE_PRESENT_FLAG))
			fail("refused table left a table: %s", red);
		/*
		 * A device without a table is used again for the next case
		 * (creating and removing one costs 35 ms in the test VM);
		 * every fourth refusal does the whole cycle.
		 */
		if (!chance(25)) {
			list_skip_tab = true;
			n = dm_list(names, sizeof(names));
			list_skip_tab = false;
			if (n != dm_before_n || memcmp(names, dm_before, sizeof(names)))
				fail("device list changed: %d devices, was %d", n,
				     dm_before_n);
			return;
		}
	} else {
		n_tab_ok++;
		if (!tc.expect_ok)
			fail("wrong acceptance (model: %s): %" PRIu64 " %" PRIu64 " %s",
			     tc.why, tc.start, tc.len, red);
		t0 = now_ms();
		r = dm_suspend(TABDEV, 0);
		t_resume += now_ms() - t0;
		if (r) {
			fail("resume after an accepted load: %s: %s",
			     strerror(-r), red);
			goto remove;
		}
		if (dm_status(TABDEV, false, st, sizeof(st), NULL) ||
		    !status_sane(st, state)) {
			fail("bad status '%s': %s", st, red);
			goto remove;
		}
		if (dm_status(TABDEV, true, st, sizeof(st), NULL) ||
		    table_leaks(st))
			fail("table line shows key material or fails: %.80s", st);
		else if (!strcmp(state, "valid"))
			check_table_vp(st, tc.key.keyid, "table with a key");
		else if (tc.vp_given)
			check_table_vp(st, tc.vp_keyid, "'-' table with vp:");
		if (!strcmp(state, "none")) {
			/*
			 * "-": install a key first, in every target; with
			 * vp: the key it names (a wrong one is refused), or
			 * with a VP of no known key only a refusal.
			 */
			const struct tok *t = pick_tok(false);
			char msg[400] = "key set ";
			int i, want = tc.vp_given ? tc.vp_keyid : 0;

			if (want) {
				t = &pool[want - 1][rn(2)];
				if (chance(20)) {	/* another key */
					t = &pool[want % (2 * NCLR)][rn(2)];
					want = -1;
				}
			} else if (tc.vp_given) {
				want = -1;
			}
			tohex(t->b, t->n, msg + 8);
			for (i = 0; i < ntgt; i++) {
				msg_sector = i * tc.len;
				r = dm_msg(TABDEV, msg);
				if (r)
					break;
			}
			if (want < 0) {
				if (r != -EINVAL)
					fail("key set of a key with another VP on a '-' table with vp: %s, want EINVAL",
					     r ? strerror(-r) : "accepted");
				goto remove;
			}
			if (r) {
				fail("key set on a '-' table: %s", strerror(-r));
			} else {
				strcpy(state, "valid");
				if (!dm_status(TABDEV, true, st, sizeof(st), NULL))
					check_table_vp(st, t->keyid, "'-' table after key set");
			}
		}
		if (!strcmp(state, "valid")) {
			/*
			 * Within one target: the two targets share the
			 * params, so they map the same blocks of the device.
			 */
			size_t bytes = tc.len * 512 < 8192 ? tc.len * 512 : 8192;
			off_t last = (off_t)total * 512 - bytes;
			uint32_t pat = rnd();

			bytes -= bytes % tc.ss;
			last -= last % tc.ss;
			if ((r = dev_rw(dev, 0, bytes, pat, true, false)) ||
			    (r = dev_rw(dev, 0, bytes, pat, false, true)) ||
			    (r = dev_rw(dev, last, bytes, pat + 1, true, false)) ||
			    (r = dev_rw(dev, last, bytes, pat + 1, false, true)))
				fail("I/O on an accepted table: %s: %s",
				     strerror(-r), red);
		} else {
			fail("accepted table in state %s: %s", state, red);
		}
	}
remove:
	t0 = now_ms();
	r = dm_remove(TABDEV);
	t_remove += now_ms() - t0;
	tab_dev = 0;
	if (r)
		fail("DM_DEV_REMOVE: %s", strerror(-r));
	n = dm_list(names, sizeof(names));
	if (n != dm_before_n || memcmp(names, dm_before, sizeof(names)))
		fail("device list changed: %d devices, was %d", n, dm_before_n);
}

/* ------------------------------------------------------------------ */
/* M: messages to a live device, with a model of the key state */

static struct {
	uint64_t dev;
	bool live;
	bool has_key;
	bool have_vp;
	int keyid;
	enum form form;
	uint64_t gen, epoch;
	bool stale;		/* wrapping key rotated since the key was set */
	bool suspended;
	int64_t written_epoch;	/* epoch block 0 was last written in, -1 */
	uint32_t pat;
	unsigned int ss;
} md;

static void msg_dev_stale(void)
{
	md.stale = true;
}

static void msg_dev_create(void)
{
	char params[1024], hex[400];
	const struct tok *t = &pool[rn(2 * NCLR)][rn(2)];
	int r;

	const char *vp = NULL;
	char vpopt[64] = "";

	memset(&md, 0, sizeof(md));
	md.ss = 512u << rn(4);
	if (chance(30)) {
		strcpy(hex, "-");
		/* a '-' table that knows its key's VP: only that key fits */
		vp = chance(50) ? known_vp() : NULL;
		if (vp) {
			md.have_vp = true;
			md.keyid = vp_keyid(vp);
		}
	} else {
		tohex(t->b, t->n, hex);
		md.has_key = md.have_vp = true;
		md.keyid = t->keyid;
		md.form = t->form;
		md.gen = 1;
		vp = chance(30) && pool_vp[t->keyid][0] ? pool_vp[t->keyid] : NULL;
	}
	if (vp)
		snprintf(vpopt, sizeof(vpopt), " vp:%s", vp);
	snprintf(params, sizeof(params),
		 "paes-xts-plain64 %s 0 %s 0 %d sector_size:%u key_timeout:10000%s",
		 hex, msgloop, vp ? 3 : 2, md.ss, vpopt);
	if ((r = dm_create(MSGDEV, &md.dev)) ||
	    (r = dm_load(MSGDEV, 0, msg_sectors, params, 1)) ||
	    (r = dm_suspend(MSGDEV, 0))) {
		fprintf(stderr, "paes-fuzz: cannot create %s: %s\n", MSGDEV,
			strerror(-r));
		exit(2);
	}
	md.live = true;
	md.written_epoch = -1;
}

static void msg_junk(char *m, size_t max)
{
	static const char *const words[] = {
		"key", "KEY", "set", "SET", "replace", "Replace", "wipe",
		"WIPE", "frobnicate", "now", "-", "0", "key_timeout:0",
		":160:logon:pfz:pair", "\x01", "00", "set\x7f",
	};
	int n = rn(5), i;
	size_t l = 0;

	m[0] = 0;
	for (i = 0; i < n && l + 100 < max; i++) {
		const char *w = words[rn(sizeof(words) / sizeof(words[0]))];
		char nb[64];

		if (chance(15))
			w = rnum(nb);
		l += snprintf(m + l, max - l, "%s%s", i ? " " : "", w);
	}
	if (chance(5)) {	/* one very long word */
		size_t k = 2000 + rn(6000);

		if (l + k + 2 < max) {
			m[l++] = ' ';
			memset(m + l, 'a' + rn(6), k);
			l += k;
			m[l] = 0;
		}
	}
	if (!l)
		snprintf(m, max, "x");
}

static void msg_check_state(const char *what)
{
	char st[4096], v[64], state[16];

	if (dm_status(MSGDEV, false, st, sizeof(st), NULL) ||
	    !status_sane(st, state)) {
		fail("status after %s does not parse: '%s'", what, st);
		return;
	}
	if (strcmp(state, md.has_key ? "valid" : "none"))
		fail("after %s: key=%s, model %s", what, state,
		     md.has_key ? "valid" : "none");
	sfield(st, "gen", v, sizeof(v));
	if (strtoull(v, NULL, 10) != md.gen)
		fail("after %s: gen=%s, model %" PRIu64, what, v, md.gen);
	sfield(st, "keytype", v, sizeof(v));
	if (strcmp(v, form_name[md.has_key ? md.form : F_NONE]))
		fail("after %s: keytype=%s, model %s", what, v,
		     form_name[md.has_key ? md.form : F_NONE]);
	sfield(st, "replaces", v, sizeof(v));
	if (strtoull(v, NULL, 10) != md.epoch)
		fail("after %s: replaces=%s, model %" PRIu64, what, v, md.epoch);
	if (dm_status(MSGDEV, true, st, sizeof(st), NULL) || table_leaks(st)) {
		fail("after %s: table line shows key material: %.80s", what, st);
	} else if (md.have_vp) {
		check_table_vp(st, md.keyid, what);
	} else {
		table_vp(st, v);
		if (*v)
			fail("after %s: vp:%s shown, the model knows no VP", what, v);
	}
}

static void msg_io(void)
{
	size_t bytes = md.ss > 4096 ? md.ss : 4096;
	int r;

	if (!md.has_key || md.stale || md.suspended)
		return;
	/* block 0: the last pattern, or EIO after a replace */
	if (md.written_epoch >= 0 || md.epoch) {
		r = dev_rw(md.dev, 0, bytes, md.pat, false, true);
		if (md.epoch && md.written_epoch != (int64_t)md.epoch) {
			if (r != -EIO)
				fail("read of a block lost by key replace: %s, want EIO",
				     r ? strerror(-r) : "data");
		} else if (r) {
			fail("read back of block 0: %s", strerror(-r));
		}
	}
	md.pat = rnd();
	r = dev_rw(md.dev, 0, bytes, md.pat, true, false);
	if (!r)
		r = dev_rw(md.dev, 0, bytes, md.pat, false, true);
	if (r) {
		fail("write/read of block 0 (key %s gen %" PRIu64 "): %s",
		     form_name[md.form], md.gen, strerror(-r));
		md.written_epoch = -2;
	} else {
		md.written_epoch = md.epoch;
	}
}

static void msg_case(void)
{
	static char m[16384];
	static struct keyarg ka;
	char red[512];
	int r, op = rn(10);
	bool expect = false, mut = chance(40);
	bool is_set = false, is_replace = false, is_wipe = false;
	bool bad_sector = false;
	const char *gen_word = NULL;	/* key replace <key> <gen> */
	char genbuf[64];

	if (!md.live)
		msg_dev_create();
	check_rotation();
	n_msg++;

	/* a stale key first gets a fresh token of itself, as pdmd would */
	if (md.stale && md.has_key && md.keyid < 100 && chance(70)) {
		int k;

		for (k = 0; k < 2 * NCLR; k++) {
			const struct tok *t = &pool[k][md.form >= F_F128];

			if (t->keyid == md.keyid && t->form == md.form) {
				strcpy(m, "key set ");
				tohex(t->b, t->n, m + 8);
				r = dm_msg(MSGDEV, m);
				if (r)
					fail("key set of a fresh token of the current key: %s",
					     strerror(-r));
				else {
					md.gen++;
					md.stale = false;
				}
				break;
			}
		}
	}

	/* suspend or resume now and then */
	if (chance(15)) {
		if (md.suspended)
			r = dm_suspend(MSGDEV, 0);
		else
			r = dm_suspend(MSGDEV, DM_SUSPEND_FLAG |
					      (chance(50) ? DM_NOFLUSH_FLAG : 0));
		if (r)
			fail("%s: %s", md.suspended ? "resume" : "suspend",
			     strerror(-r));
		else
			md.suspended = !md.suspended;
	}

	if (op < 4) {
		is_set = true;
	} else if (op < 6) {
		is_replace = true;
	} else if (op < 8) {
		is_wipe = true;
	}
	/*
	 * A replace needs a key that is gone: now and then, while
	 * suspended, wipe it first as an admin would.
	 */
	if (is_replace && md.has_key && md.suspended && chance(50)) {
		r = dm_msg(MSGDEV, "key wipe");
		if (r)
			fail("key wipe while suspended: %s", strerror(-r));
		else
			md.has_key = false;
	}
	if (is_set || is_replace) {
		/* mostly a key that fits the rule of the operation */
		gen_keyarg(&ka, false, mut);
		if (!mut && is_set && md.have_vp && md.keyid < 100 && chance(70)) {
			int k, f = md.has_key ? md.form >= F_F128 : rn(2);

			for (k = 0; k < 2 * NCLR; k++)
				if (pool[k][f].keyid == md.keyid) {
					tohex(pool[k][f].b, pool[k][f].n, ka.s);
					ka.valid = true;
					ka.keyid = pool[k][f].keyid;
					ka.form = pool[k][f].form;
					ka.keyring = false;
				}
		}
		snprintf(m, sizeof(m), "%s %s %s",
			 chance(10) ? "KEY" : "key",
			 is_set ? (chance(10) ? "Set" : "set") : "replace", ka.s);
		if (is_replace && chance(40)) {	/* the generation replaced */
			char nb[64];
			size_t l = strlen(m);

			if (chance(70))
				snprintf(nb, sizeof(nb), "%" PRIu64, md.gen);
			else if (chance(50))
				snprintf(nb, sizeof(nb), "%" PRIu64, md.gen + 1);
			else
				rnum(nb);
			snprintf(m + l, sizeof(m) - l, " %s", nb);
			gen_word = strrchr(m, ' ') + 1;
		}
		if (mut && chance(10)) {	/* one word too many */
			strcat(m, " extra");
			ka.valid = false;
		}
		expect = ka.valid && !ka.none;
	} else if (is_wipe) {
		snprintf(m, sizeof(m), "key %s%s", chance(10) ? "WIPE" : "wipe",
			 mut && chance(30) ? " now" : "");
		expect = md.suspended && !strchr(m + 4, ' ');
	} else {
		char w[4][64], x[2];
		int nw;

		msg_junk(m, sizeof(m));
		if (m[0] == '@')
			m[0] = 'x';	/* dm core's own messages */
		/* junk may happen to be a valid message: model it too */
		nw = sscanf(m, "%63s %63s %63s %63s %1s", w[0], w[1], w[2],
			    w[3], x);
		if (strlen(m) < 150 && nw == 2 && !strcasecmp(w[0], "key") &&
		    !strcasecmp(w[1], "wipe")) {
			is_wipe = true;
			expect = md.suspended;
		} else if (strlen(m) < 150 && (nw == 3 || nw == 4) &&
			   !strcasecmp(w[0], "key") &&
			   (!strcasecmp(w[1], "set") ||
			    !strcasecmp(w[1], "replace")) &&
			   (nw == 3 || !strcasecmp(w[1], "replace"))) {
			is_set = !strcasecmp(w[1], "set");
			is_replace = !is_set;
			memset(&ka, 0, sizeof(ka));
			snprintf(ka.s, sizeof(ka.s), "%s", w[2]);
			model_keyword(&ka);
			expect = ka.valid && !ka.none;
			if (nw == 4) {
				snprintf(genbuf, sizeof(genbuf), "%s", w[3]);
				gen_word = genbuf;
			}
		}
	}
	/* the rules of key set / key replace against the current key */
	if (expect && md.has_key && is_set && ka.form != md.form)
		expect = false;
	if (expect && md.have_vp && is_set && ka.keyid != md.keyid)
		expect = false;
	if (expect && md.have_vp && is_replace && ka.keyid == md.keyid)
		expect = false;
	/*
	 * The guard of key replace: never over a valid key.  This device
	 * does no I/O while its key is stale, so its state is valid
	 * whenever it has a key.  <gen> must be the current generation.
	 */
	if (expect && is_replace && md.has_key)
		expect = false;
	if (expect && gen_word) {
		uint64_t g;

		if (!kstrtou(gen_word, UINT64_MAX, &g) || g != md.gen)
			expect = false;
	}

	/* now and then a sector outside the device: dm core refuses it */
	if (chance(3)) {
		msg_sector = chance(50) ? msg_sectors : UINT64_MAX;
		expect = false;
		bad_sector = true;
	}
	r = dm_msg(MSGDEV, m);
	redact(m, red, sizeof(red));
	vlog("msg%s%s '%s' -> %d (model %s; key %d %s vp %d/%d)",
	     md.suspended ? " (suspended)" : "", bad_sector ? " (bad sector)" : "",
	     red, r, expect ? "ok" : "refuse", md.has_key ? md.keyid : 0,
	     form_name[md.form], md.have_vp, md.keyid);
	if (r) {
		count_err(-r);
		if (-r != EINVAL && -r != EBUSY && -r != ENOKEY &&
		    -r != EOPNOTSUPP && -r != EKEYREVOKED)
			fail("message refused with unexpected errno %d: %s", -r, red);
		if (expect)
			fail("wrong refusal of message (%s): %s", strerror(-r), red);
		if (is_wipe && !md.suspended && -r != EBUSY && !bad_sector &&
		    !strcasecmp(m, "key wipe"))
			fail("key wipe while live: %s, want EBUSY", strerror(-r));
	} else {
		n_msg_ok++;
		if (!expect) {
			fail("wrong acceptance of message: %s", red);
			/* resync the model from the status: recreate */
			dm_suspend(MSGDEV, 0);
			dm_remove(MSGDEV);
			md.live = false;
			return;
		}
		if (is_wipe) {
			md.has_key = false;
		} else {
			md.has_key = true;
			md.have_vp = true;
			md.keyid = ka.keyid;
			md.form = ka.form;
			md.gen++;
			md.stale = false;
			if (is_replace)
				md.epoch++;
		}
	}
	msg_check_state(red);
	msg_io();
	/* now and then: a new device (a different sector size, a fresh map) */
	if (chance(1)) {
		if (md.suspended)
			dm_suspend(MSGDEV, 0);
		r = dm_remove(MSGDEV);
		if (r)
			fail("remove %s: %s", MSGDEV, strerror(-r));
		md.live = false;
	}
}

/* ------------------------------------------------------------------ */
/* P: /dev/pkey ioctls */

static uint8_t *guard;	/* pages: 0 none, 1 rw (gbuf), 2 none, 3 rw, 4 none */
static long pgsz;

/*
 * A buffer of @len bytes that ends at the end of the mapped page (so a
 * kernel read past it faults) with canaries before it.
 */
static uint8_t *gbuf(size_t len)
{
	uint8_t *page = guard + pgsz;

	memset(page, 0xa5, pgsz);
	return page + pgsz - len;
}

static bool canary_ok(const uint8_t *buf)
{
	const uint8_t *p;

	for (p = guard + pgsz; p < buf; p++)
		if (*p != 0xa5)
			return false;
	return true;
}

struct ioc {
	unsigned long cmd;
	size_t size;
	const char *name;
};

static const struct ioc iocs[] = {
	{ PKEY_GENSECK, sizeof(struct pkey_genseck), "GENSECK" },
	{ PKEY_CLR2SECK, sizeof(struct pkey_clr2seck), "CLR2SECK" },
	{ PKEY_SEC2PROTK, sizeof(struct pkey_sec2protk), "SEC2PROTK" },
	{ PKEY_CLR2PROTK, sizeof(struct pkey_clr2protk), "CLR2PROTK" },
	{ PKEY_VERIFYKEY, sizeof(struct pkey_verifykey), "VERIFYKEY" },
	{ PKEY_GENPROTK, sizeof(struct pkey_genprotk), "GENPROTK" },
	{ PKEY_VERIFYPROTK, sizeof(struct pkey_verifyprotk), "VERIFYPROTK" },
	{ PKEY_KBLOB2PROTK, sizeof(struct pkey_kblob2pkey), "KBLOB2PROTK" },
	{ PKEY_KBLOB2PROTK3, sizeof(struct pkey_kblob2pkey3), "KBLOB2PROTK3" },
	{ PKEY_GENSECK2, sizeof(struct pkey_genseck2), "GENSECK2" },
	{ PKEY_CLR2SECK2, sizeof(struct pkey_clr2seck2), "CLR2SECK2" },
	{ PKEY_VERIFYKEY2, sizeof(struct pkey_verifykey2), "VERIFYKEY2" },
	{ PKEY_KBLOB2PROTK2, sizeof(struct pkey_kblob2pkey2), "KBLOB2PROTK2" },
	{ PKEY_APQNS4K, sizeof(struct pkey_apqns4key), "APQNS4K" },
	{ PKEY_APQNS4KT, sizeof(struct pkey_apqns4keytype), "APQNS4KT" },
};
#define NIOC (sizeof(iocs) / sizeof(iocs[0]))

static uint32_t rkeytype(void)
{
	static const uint32_t kt[] = { 0, 1, 2, 3, 4, 9, 10, 11, 12,
				       0xffffffff, 0x80000001, 0x100 };

	return chance(80) ? kt[rn(12)] : (uint32_t)rnd();
}

static uint32_t rlen(void)
{
	static const uint32_t l[] = { 0, 1, 7, 8, 15, 16, 32, 48, 56, 63, 64,
		65, 79, 80, 81, 96, 111, 112, 113, 160, 4096, 8191, 8192, 8193,
		0x7fffffff, 0x80000000, 0xffffffff };

	return chance(85) ? l[rn(27)] : (uint32_t)rnd();
}

/* a user pointer: valid buffer (maybe short), NULL, junk */
static void *rptr(uint8_t *valid, size_t validlen, size_t *avail)
{
	*avail = 0;
	switch (rn(10)) {
	case 0:
		return NULL;
	case 1:
		return (void *)1;
	case 2:
		return (void *)0xffff888000000000ULL;	/* kernel */
	case 3:
		return guard + 4 * pgsz - 16;	/* 16 bytes then PROT_NONE */
	case 4:
		return guard;		/* PROT_NONE */
	default:
		*avail = validlen;
		return valid;
	}
}

/* a key blob: clear-key, protected, secure token; maybe mutated */
static size_t rblob(uint8_t *b, size_t max)
{
	size_t n = 0;

	memset(b, 0, max);
	switch (rn(5)) {
	case 0: {	/* clear key token */
		struct pkey_clearkeytoken *t = (void *)b;
		uint32_t kt = (uint32_t[]){ 1, 2, 3, 10, 11 }[rn(5)];
		uint32_t kl = (uint32_t[]){ 16, 24, 32, 32, 64 }[kt <= 3 ? kt - 1 :
							      kt - 7];

		t->version = PKEY_TOKVER_CLEAR_KEY;
		t->keytype = kt;
		t->len = kl;
		rbytes(b + 16, kl);
		n = 16 + kl;
		break;
	}
	case 1: {	/* protected key token from the pool */
		const struct tok *t = pick_tok(chance(30));

		memcpy(b, t->b, t->n < 80 ? t->n : 80);
		if (t->n == 112) {
			memcpy(b, t->b, 112);
			n = 112;
		} else {
			n = 80;
		}
		break;
	}
	case 2: {	/* secure key: CCA AESDATA, AESCIPHER or EP11 */
		struct pkey_genseck2 g;

		memset(&g, 0, sizeof(g));
		g.type = (uint32_t[]){ PKEY_TYPE_CCA_DATA, PKEY_TYPE_CCA_CIPHER,
				       PKEY_TYPE_EP11_AES }[rn(3)];
		g.size = 128 + 64 * rn(3);
		g.key = b;
		g.keylen = max;
		n = (size_t[]){ 64, 136, 272 }[g.type == PKEY_TYPE_CCA_DATA ? 0 :
					       g.type == PKEY_TYPE_CCA_CIPHER ? 1 : 2];
		if (n > max || ioctl(pkfd, PKEY_GENSECK2, &g))
			n = n > max ? max : n;
		break;
	}
	case 3:
		n = rn(max);
		rbytes(b, n);
		break;
	default:
		n = 8 + rn(200);
		b[0] = rn(3);
		b[4] = rn(5);
		break;
	}
	if (n && chance(50)) {	/* mutate */
		switch (rn(4)) {
		case 0:
			b[rn(16)] = rnd();
			break;
		case 1:
			b[rn(n)] ^= 1 << rn(8);
			break;
		case 2:
			n = rn(n + 1);
			break;
		default:
			n += rn(64);
			if (n > max)
				n = max;
			break;
		}
	}
	return n;
}

static void pkey_case(void)
{
	static uint8_t blob[9000], out[256];
	union {
		struct pkey_genseck gs;
		struct pkey_clr2seck c2s;
		struct pkey_sec2protk s2p;
		struct pkey_clr2protk c2p;
		struct pkey_verifykey vk;
		struct pkey_genprotk gp;
		struct pkey_verifyprotk vp;
		struct pkey_kblob2pkey kb;
		struct pkey_kblob2pkey3 kb3;
		struct pkey_genseck2 gs2;
		struct pkey_clr2seck2 c2s2;
		struct pkey_verifykey2 vk2;
		struct pkey_kblob2pkey2 kb2;
		struct pkey_apqns4key ak;
		struct pkey_apqns4keytype akt;
		uint8_t raw[512];
	} a;
	/* key outputs: larger than any key, whatever keylen claims */
	static uint8_t kout[1024];
	static struct pkey_apqn apqns[300];
	const struct ioc *ic = NULL;
	unsigned long cmd;
	size_t size, have, avail, bl;
	uint8_t *buf, *pk_out = NULL;
	bool blobcmd, bad_ptr = false;
	int r;

	n_pk++;
	if (chance(85)) {
		ic = &iocs[rn(NIOC)];
		cmd = ic->cmd;
		size = ic->size;
	} else {
		/* a random number; never the generic VFS ones (types 0, T, f, X, 0x94) */
		unsigned int type;

		do {
			type = chance(60) ? 'p' : rn(256);
		} while (type == 0 || type == 'T' || type == 'f' || type == 'X' ||
			 type == 0x94);
		cmd = _IOC(rn(4), type, rn(chance(50) ? 0x30 : 256),
			   rn(chance(50) ? 256 : 16384));
		size = _IOC_SIZE(cmd);
		for (r = 0; r < (int)NIOC; r++)
			if (iocs[r].cmd == cmd)
				ic = &iocs[r];
	}
	blobcmd = ic && (ic->cmd == PKEY_KBLOB2PROTK ||
			 ic->cmd == PKEY_KBLOB2PROTK3);
	if (chance(50))
		apqns[0] = (struct pkey_apqn){ chance(70) ? 0 : rnd(),
					       chance(70) ? 0 : rnd() };

	/* the structure: random, or valid-ish with fields at their limits */
	memset(&a, 0, sizeof(a));
	if (chance(20))
		rbytes(a.raw, sizeof(a.raw));
	if (ic && chance(85)) {
		switch (ic->cmd) {
		case PKEY_GENSECK:
			a.gs.keytype = rkeytype();
			break;
		case PKEY_GENPROTK:
			a.gp.keytype = rkeytype();
			break;
		case PKEY_CLR2SECK:
			a.c2s.keytype = rkeytype();
			break;
		case PKEY_CLR2PROTK:
			a.c2p.keytype = rkeytype();
			break;
		case PKEY_SEC2PROTK:
			rblob(blob, 64);
			memcpy(a.s2p.seckey.seckey, blob, 64);
			break;
		case PKEY_VERIFYKEY:
			rblob(blob, 64);
			memcpy(a.vk.seckey.seckey, blob, 64);
			break;
		case PKEY_VERIFYPROTK: {
			const struct tok *t = pick_tok(chance(30));

			a.vp.protkey.type = chance(70) ? u32at(t->b + 8) :
							 rkeytype();
			a.vp.protkey.len = chance(70) ? u32at(t->b + 12) : rlen();
			memcpy(a.vp.protkey.protkey, t->b + 16, 64);
			break;
		}
		case PKEY_GENSECK2:
		case PKEY_CLR2SECK2: {
			struct pkey_genseck2 *g = &a.gs2;
			struct pkey_clr2seck2 *c = &a.c2s2;
			uint32_t type = chance(80) ? (uint32_t[]){ 0, 1, 2, 3, 6, 8,
						    99 }[rn(7)] : rnd();
			uint32_t sz = chance(80) ? (uint32_t[]){ 0, 100, 128, 192,
						    256, 512 }[rn(6)] : rnd();
			uint32_t flags = chance(60) ? 0 : rnd();
			struct pkey_apqn *ap = chance(40) ? NULL :
				rptr((uint8_t *)apqns, sizeof(apqns), &avail);
			uint32_t ne = chance(60) ? rn(3) :
				(uint32_t[]){ 256, 257, 0xffffffff }[rn(3)];
			uint8_t *kp = chance(20) ? NULL :
				rptr(kout, sizeof(kout), &avail);
			uint32_t kl = chance(60) ? 512 : rlen();

			if (ic->cmd == PKEY_GENSECK2) {
				g->apqns = ap;
				g->apqn_entries = ne;
				g->type = type;
				g->size = sz;
				g->keygenflags = flags;
				g->key = kp;
				g->keylen = kl;
			} else {
				c->apqns = ap;
				c->apqn_entries = ne;
				c->type = type;
				c->size = sz;
				c->keygenflags = flags;
				rbytes(c->clrkey.clrkey, 32);
				c->key = kp;
				c->keylen = kl;
			}
			break;
		}
		case PKEY_VERIFYKEY2:
		case PKEY_APQNS4K: {
			uint8_t *kp;

			bl = rblob(blob, sizeof(blob));
			kp = rptr(blob, bl, &avail);
			if (ic->cmd == PKEY_VERIFYKEY2) {
				a.vk2.key = kp;
				a.vk2.keylen = chance(70) ? bl : rlen();
				a.vk2.cardnr = chance(60) ? 0xffff : rn(3);
				a.vk2.domain = chance(60) ? 0xffff : rn(3);
				break;
			}
			a.ak.key = kp;
			a.ak.keylen = chance(70) ? bl : rlen();
			a.ak.flags = chance(80) ? 2 * rn(4) : rnd();
			a.ak.apqns = chance(30) ? NULL :
				rptr((uint8_t *)apqns, sizeof(apqns), &avail);
			a.ak.apqn_entries = chance(70) ? rn(3) : rnd();
			break;
		}
		case PKEY_APQNS4KT:
			a.akt.type = chance(80) ? (uint32_t[]){ 0, 1, 2, 3, 6,
						   8 }[rn(6)] : rnd();
			if (chance(50))
				rbytes(a.akt.cur_mkvp, 64);	/* and alt */
			a.akt.flags = chance(80) ? 2 * rn(4) : rnd();
			a.akt.apqns = chance(30) ? NULL :
				rptr((uint8_t *)apqns, sizeof(apqns), &avail);
			a.akt.apqn_entries = chance(70) ? rn(3) : rnd();
			break;
		case PKEY_KBLOB2PROTK2: {
			uint8_t *kp;

			bl = rblob(blob, sizeof(blob));
			kp = rptr(blob, bl, &avail);
			a.kb2.key = kp;
			a.kb2.keylen = chance(70) ? bl : rlen();
			a.kb2.apqns = chance(50) ? NULL :
				rptr((uint8_t *)apqns, sizeof(apqns), &avail);
			a.kb2.apqn_entries = chance(50) ? rn(3) :
				(uint32_t[]){ 256, 257, 0xffffffff }[rn(3)];
			break;
		}
		case PKEY_KBLOB2PROTK:
		case PKEY_KBLOB2PROTK3: {
			uint8_t *kp;

			bl = rblob(blob, sizeof(blob));
			kp = rptr(blob, bl, &avail);
			if (avail && bl <= (size_t)pgsz && chance(50)) {
				/* the blob at the end of a mapped page */
				kp = guard + 4 * pgsz - bl;
				memcpy(kp, blob, bl);
			}
			if (ic->cmd == PKEY_KBLOB2PROTK) {
				a.kb.key = kp;
				a.kb.keylen = chance(70) ? bl : rlen();
				break;
			}
			a.kb3.key = kp;
			a.kb3.keylen = chance(70) ? bl : rlen();
			a.kb3.apqns = chance(50) ? NULL :
				rptr((uint8_t *)apqns, sizeof(apqns), &avail);
			a.kb3.apqn_entries = chance(50) ? rn(3) :
				(uint32_t[]){ 255, 256, 257, 300, 0x40000000,
					      0xffffffff }[rn(6)];
			a.kb3.pkeytype = rkeytype();
			a.kb3.pkeylen = chance(50) ? 96 : rlen();
			if (chance(30)) {
				/* pkey at the end of the guarded page */
				pk_out = gbuf(a.kb3.pkeylen < 200 ?
					      a.kb3.pkeylen : 200);
				a.kb3.pkey = pk_out;
			} else {
				a.kb3.pkey = rptr(out, sizeof(out), &avail);
			}
			break;
		}
		}
	}

	/* where the structure lives: a full copy, or cut short at a guard */
	have = size;
	if (chance(15) && size)
		have = rn(size);
	if (have > (size_t)pgsz / 2)
		have = pgsz / 2;
	if (blobcmd && pk_out) {
		buf = (uint8_t *)&a;	/* gbuf() holds pkey */
		have = size;
	} else {
		buf = gbuf(have);
		memcpy(buf, &a, have < sizeof(a) ? have : sizeof(a));
	}
	if (chance(4)) {
		buf = chance(50) ? NULL : (uint8_t *)0xffff888000000000ULL;
		bad_ptr = true;
	}

	r = ioctl(pkfd, cmd, buf) ? -errno : 0;
	vlog("ioctl %s (0x%lx) size %zu/%zu -> %d", ic ? ic->name : "random",
	     cmd, have, size, r);
	if (r) {
		count_err(-r);
		switch (-r) {
		/* EKEYREJECTED: a protected key of another wrapping key */
		case EFAULT: case EINVAL: case ENOTTY: case ENODEV:
		case EKEYREJECTED: case ENOMEM:
			break;
		case ENOSPC:	/* APQNS4K/APQNS4KT: the list is too short */
			if (ic && (ic->cmd == PKEY_APQNS4K ||
				   ic->cmd == PKEY_APQNS4KT))
				break;
			fail("ioctl 0x%lx: unexpected ENOSPC", cmd);
			break;
		default:
			fail("ioctl 0x%lx: unexpected errno %d (%s)", cmd, -r,
			     strerror(-r));
		}
		if (!ic && -r != ENOTTY)
			fail("unknown ioctl 0x%lx: %s, want ENOTTY", cmd,
			     strerror(-r));
	} else {
		n_pk_ok++;
		if (!ic)
			fail("unknown ioctl 0x%lx succeeded", cmd);
	}
	/* a structure cut short by an unmapped page, or a bad pointer */
	if (ic && (bad_ptr || have < size) && r != -EFAULT)
		fail("%s with %s: %d, want EFAULT", ic->name,
		     bad_ptr ? "a bad pointer" : "a cut-short structure", r);
	if (!bad_ptr && buf != (uint8_t *)&a && !canary_ok(buf))
		fail("ioctl 0x%lx wrote before its structure", cmd);
	if (pk_out && !canary_ok(pk_out))
		fail("KBLOB2PROTK3 wrote before its pkey buffer");

	/* output sanity of the protected-key producers */
	if (!r && ic && !bad_ptr && have == size &&
	    (ic->cmd == PKEY_CLR2PROTK || ic->cmd == PKEY_GENPROTK)) {
		struct pkey_protkey pk;
		uint32_t kt;
		int klen;

		if (ic->cmd == PKEY_CLR2PROTK) {
			memcpy(&pk, &((struct pkey_clr2protk *)buf)->protkey,
			       sizeof(pk));
			kt = ((struct pkey_clr2protk *)buf)->keytype;
		} else {
			memcpy(&pk, &((struct pkey_genprotk *)buf)->protkey,
			       sizeof(pk));
			kt = ((struct pkey_genprotk *)buf)->keytype;
		}
		klen = kt == 1 ? 16 : kt == 2 ? 24 : kt == 3 ? 32 :
		       kt == 10 ? 32 : -1;
		if (klen < 0 || pk.type != kt || pk.len != (uint32_t)klen + 32 ||
		    memcmp(pk.protkey + klen, cur_wkvp, 32))
			fail("%s keytype %u: protkey type %u len %u (want len %d, current WKVP)",
			     ic->name, kt, pk.type, pk.len, klen + 32);
	}
	if (!r && ic && ic->cmd == PKEY_KBLOB2PROTK3 && !bad_ptr) {
		struct pkey_kblob2pkey3 *k = (void *)buf;

		if (k->pkeylen != 48 && k->pkeylen != 56 && k->pkeylen != 64 &&
		    k->pkeylen != 96)
			fail("KBLOB2PROTK3: pkeylen %u", k->pkeylen);
	}
	/* read()/write()/lseek on /dev/pkey now and then */
	if (chance(2)) {
		char c[8];

		if (read(pkfd, c, sizeof(c)) >= 0 || write(pkfd, c, 1) >= 0)
			fail("/dev/pkey read or write succeeded");
		if (lseek(pkfd, 1, SEEK_SET) != -1)
			fail("/dev/pkey lseek succeeded");
	}
}

/* ------------------------------------------------------------------ */
/* S: sysfs */

static const struct {
	const char *name;
	int size;		/* protkey: exact size; emu: 0 */
	bool writable;
} sysattrs[] = {
	{ .name = "protkey/protkey_aes_128", .size = 80 },
	{ .name = "protkey/protkey_aes_192", .size = 80 },
	{ .name = "protkey/protkey_aes_256", .size = 80 },
	{ .name = "protkey/protkey_aes_128_xts", .size = 160 },
	{ .name = "protkey/protkey_aes_256_xts", .size = 160 },
	{ .name = "protkey/protkey_aes_xts_128", .size = 80 },
	{ .name = "protkey/protkey_aes_xts_256", .size = 112 },
	{ .name = "ccadata/ccadata_aes_128", .size = 64 },
	{ .name = "ccadata/ccadata_aes_256_xts", .size = 128 },
	{ .name = "ccacipher/ccacipher_aes_192", .size = 136 },
	{ .name = "ccacipher/ccacipher_aes_128_xts", .size = 272 },
	{ .name = "ep11/ep11_aes_256", .size = MAXEP11AESKEYBLOBSIZE },
	{ .name = "ep11/ep11_aes_256_xts", .size = 2 * MAXEP11AESKEYBLOBSIZE },
	{ .name = "emu/cca_new_master_key", .size = 0, .writable = true },
	{ .name = "emu/cca_commit", .size = 0, .writable = true },
	{ .name = "emu/cca_mkvps", .size = 0 },
	{ .name = "emu/ep11_new_wrapping_key", .size = 0, .writable = true },
	{ .name = "emu/ep11_commit", .size = 0, .writable = true },
	{ .name = "emu/ep11_wkvps", .size = 0 },
	{ .name = "emu/rotate_wrapping_key", .size = 0, .writable = true },
	{ .name = "emu/wkvp", .size = 0 },
	{ .name = "emu/master_key", .size = 0, .writable = true },
	{ .name = "emu/km_fail_after", .size = 0, .writable = true },
	{ .name = "emu/xts_driver", .size = 0 },
	{ .name = "emu/km_calls", .size = 0 },
	{ .name = "emu/km_bytes", .size = 0 },
	{ .name = "emu/km_stale", .size = 0 },
	{ .name = "emu/km_partial", .size = 0 },
	{ .name = "emu/km_fast", .size = 0 },
	{ .name = "emu/pcc_calls", .size = 0 },
	{ .name = "emu/pcc_stale", .size = 0 },
	{ .name = "emu/rotations", .size = 0 },
	{ .name = "emu/cache_hits", .size = 0 },
	{ .name = "emu/cache_misses", .size = 0 },
};
#define NSYS (sizeof(sysattrs) / sizeof(sysattrs[0]))

static void sysfs_case(void)
{
	static uint8_t b[16384];
	unsigned int i = rn(NSYS);
	char path[160], w[256];
	int r, sz = sysattrs[i].size;
	size_t len;
	off_t off = 0;

	n_sys++;
	snprintf(path, sizeof(path), SYSPK "%s", sysattrs[i].name);
	if (chance(60)) {
		/* read: short, exact, long, at offsets */
		len = (size_t[]){ 0, 1, 15, 16, 79, 80, 81, 111, 112, 159, 160,
				  161, 4095, 4096, 16384 }[rn(15)];
		if (chance(30))
			off = (off_t[]){ 1, 16, 79, 80, 112, 160, 4095, 4096,
					 1 << 20 }[rn(9)];
		r = sys_read(path, b, len, off);
		vlog("sysfs read %s len %zu off %jd -> %d", sysattrs[i].name,
		     len, (intmax_t)off, r);
		if (r < 0)
			count_err(-r);
		if (sz) {
			/* protkey: exact size at 0; EOF past it; else EINVAL */
			int want;

			if (!len)
				want = 0;
			else if (off >= sz)
				want = 0;
			else if (off || (int)len < sz - (int)off)
				want = -EINVAL;
			else
				want = sz;
			if (r != want)
				fail("sysfs read %s len %zu off %jd: %d, want %d",
				     sysattrs[i].name, len, (intmax_t)off, r, want);
			if (r == sz && strncmp(sysattrs[i].name, "protkey/", 8)) {
				n_sys_ok++;	/* a secure key: the card checks it */
			} else if (r == sz) {
				enum form f;

				n_sys_ok++;
				if (b[0] || b[4] != 1)
					fail("sysfs %s: bad token header",
					     sysattrs[i].name);
				if (sz != 80 || strstr(sysattrs[i].name, "xts"))
					if (!model_token(b, sz, &f) &&
					    sys_num(SYSPK "emu/rotations") ==
						    seen_rotations)
						fail("sysfs %s: token not valid for the model",
						     sysattrs[i].name);
			}
		} else if (strstr(path, "rotate_wrapping_key") ||
			   strstr(path, "_new_") || strstr(path, "_commit")) {
			if (r != -EACCES && r != -EIO && r != -EPERM)
				fail("read of write-only %s: %d", path, r);
		} else {
			if (r < 0 && len)
				fail("sysfs read %s len %zu off %jd: %s",
				     sysattrs[i].name, len, (intmax_t)off,
				     strerror(-r));
			if (r >= 0)
				n_sys_ok++;
		}
	} else {
		/* write: junk everywhere; valid values for the controls */
		len = rn(sizeof(w));
		rbytes((uint8_t *)w, len);
		if (chance(50)) {
			char nb[64];

			len = snprintf(w, sizeof(w), "%s%s", rnum(nb),
				       chance(50) ? "\n" : "");
		}
		if ((!strcmp(sysattrs[i].name, "emu/master_key") ||
		     strstr(sysattrs[i].name, "_new_")) && chance(50)) {
			uint8_t mk[32];

			rbytes(mk, 32);
			tohex(mk, 32, w);
			len = chance(50) ? 64 : 65;
			w[64] = '\n';
			if (chance(20))
				len = (size_t[]){ 63, 66, 128 }[rn(3)];
		}
		if (!strcmp(sysattrs[i].name, "emu/rotate_wrapping_key") &&
		    !chance(20))
			len = 0;	/* rotations: rarely (costly tokens) */
		r = len ? sys_write(path, w, len) : 0;
		vlog("sysfs write %s len %zu -> %d", sysattrs[i].name, len, r);
		if (r < 0)
			count_err(-r);
		if (!len) {
			/* nothing */
		} else if (!sysattrs[i].writable) {
			if (r != -EACCES && r != -EPERM && r != -EIO)
				fail("write to read-only %s: %d", path, r);
		} else if (r >= 0) {
			n_sys_ok++;
		} else if (r != -EINVAL && r != -ERANGE) {
			fail("write to %s: unexpected %s", path, strerror(-r));
		}
		if (strstr(path, "km_fail_after")) {
			long v = sys_num(path);

			/* armed: disarm before any KM of ours uses it */
			if (sys_write(path, "-1", 2) != 2)
				fail("cannot disarm km_fail_after");
			if (r >= 0 && v < -1)
				fail("km_fail_after reads %ld", v);
			if (sys_num(path) != -1)
				fail("km_fail_after not disarmed");
		}
	}
	check_rotation();
}

/* ------------------------------------------------------------------ */

static int usage(void)
{
	fprintf(stderr, "usage: paes-fuzz --dev /dev/loopN --msg-dev /dev/loopM [--seed S] [--cases N] [--mix T,M,P,S] [-v]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long seed = 1, ncases = 1000;
	unsigned int mix[4] = { 50, 25, 15, 10 }, tot, i;
	struct stat stb;
	int fd;

	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < (unsigned int)argc)
			seed = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--cases") && i + 1 < (unsigned int)argc)
			ncases = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--dev") && i + 1 < (unsigned int)argc)
			snprintf(loopdev, sizeof(loopdev), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--msg-dev") && i + 1 < (unsigned int)argc)
			snprintf(msgloop, sizeof(msgloop), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--mix") && i + 1 < (unsigned int)argc) {
			if (sscanf(argv[++i], "%u,%u,%u,%u", &mix[0], &mix[1],
				   &mix[2], &mix[3]) != 4)
				return usage();
		} else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else
			return usage();
	}
	if (!*loopdev || stat(loopdev, &stb) || !S_ISBLK(stb.st_mode) ||
	    !*msgloop)
		return usage();
	fd = open(msgloop, O_RDONLY);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &msg_sectors)) {
		perror("paes-fuzz: message device size");
		return 2;
	}
	close(fd);
	msg_sectors = msg_sectors / 4096 * 8;	/* whole 4 KiB blocks */
	tot = mix[0] + mix[1] + mix[2] + mix[3];
	if (!tot)
		return usage();
	loop_major = major(stb.st_rdev);
	loop_minor = minor(stb.st_rdev);
	fd = open(loopdev, O_RDONLY);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &loop_sectors)) {
		perror("paes-fuzz: loop device size");
		return 2;
	}
	close(fd);
	loop_sectors /= 512;
	if (loop_sectors < 64) {
		fprintf(stderr, "paes-fuzz: device too small\n");
		return 2;
	}

	rs = seed * 0x2545f4914f6cdd1dULL + 1;
	pkfd = open("/dev/pkey", O_RDWR);
	dmfd = open("/dev/mapper/control", O_RDWR);
	if (pkfd < 0 || dmfd < 0) {
		perror("paes-fuzz: /dev/pkey or /dev/mapper/control");
		return 2;
	}
	dmb = aligned_alloc(4096, DMBUF);
	pgsz = sysconf(_SC_PAGESIZE);
	guard = mmap(NULL, 5 * pgsz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!dmb || guard == MAP_FAILED ||
	    mprotect(guard, pgsz, PROT_NONE) ||
	    mprotect(guard + 2 * pgsz, pgsz, PROT_NONE) ||
	    mprotect(guard + 4 * pgsz, pgsz, PROT_NONE) ||
	    posix_memalign((void **)&iobuf, 4096, 8192) ||
	    posix_memalign((void **)&iobuf2, 4096, 8192)) {
		perror("paes-fuzz: memory");
		return 2;
	}

	/* a private session keyring: our keys go away with the process */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0) {
		perror("paes-fuzz: join session keyring");
		return 2;
	}
	for (i = 0; i < NKR; i++)
		if (!krs[i].desc[0]) {
			memcpy(krs[i].desc, "pfz:", 4);
			memset(krs[i].desc + 4, 'L', 3000);
			krs[i].desc[3004] = 0;
		}
	rbytes(&clr32[0][0], sizeof(clr32));
	rbytes(&clr64[0][0], sizeof(clr64));
	/* tokens, then one rotation so that stale tokens exist */
	check_rotation();
	kr_load(true);
	if (sys_write(SYSPK "emu/rotate_wrapping_key", "1", 1) != 1) {
		perror("paes-fuzz: rotate");
		return 2;
	}
	check_rotation();

	dm_before_n = dm_list(dm_before, sizeof(dm_before));
	if (dm_before_n < 0) {
		perror("paes-fuzz: DM_LIST_DEVICES");
		return 2;
	}
	/* leftovers of an interrupted run */
	dm_remove(TABDEV);
	dm_remove(MSGDEV);
	dm_before_n = dm_list(dm_before, sizeof(dm_before));

	for (cur_case = 0; cur_case < ncases; cur_case++) {
		unsigned int w = rn(tot);

		cases++;
		if (w < mix[0])
			table_case();
		else if (w < mix[0] + mix[1])
			msg_case();
		else if (w < mix[0] + mix[1] + mix[2])
			pkey_case();
		else
			sysfs_case();
		if (cur_case % 97 == 0)
			check_rotation();
	}

	if (tab_dev && dm_remove(TABDEV))
		fail("final remove of %s", TABDEV);
	if (md.live) {
		if (md.suspended)
			dm_suspend(MSGDEV, 0);
		if (dm_remove(MSGDEV))
			fail("final remove of %s", MSGDEV);
	}
	{
		char names[8192];
		int n = dm_list(names, sizeof(names));

		if (n != dm_before_n)
			fail("device list at the end: %d devices, was %d", n,
			     dm_before_n);
	}
	kr_unload();

	printf("paes-fuzz: seed=%lu cases=%lu tables=%lu tables_accepted=%lu messages=%lu messages_accepted=%lu ioctls=%lu ioctls_ok=%lu sysfs=%lu sysfs_ok=%lu io=%lu",
	       seed, cases, n_tab, n_tab_ok, n_msg, n_msg_ok, n_pk, n_pk_ok,
	       n_sys, n_sys_ok, n_io);
	printf(" refused:");
	for (i = 0; i < 256; i++)
		if (errs[i])
			printf(" %s=%lu", i ? strerrorname_np(i) ?: "?" : "other",
			       errs[i]);
	printf(" failures=%lu\n", failures);
	if (verbose)
		printf("paes-fuzz-ms: create=%.0f load=%.0f resume=%.0f remove=%.0f\n",
		       t_create, t_load, t_resume, t_remove);
	return failures ? 1 : 0;
}
