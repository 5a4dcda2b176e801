/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the guest test tools share.  Header-only: each tool is a single
 * .c file (tests/tools/CMakeLists.txt builds every one on its own).
 */
#ifndef PDM_TOOL_UTIL_H
#define PDM_TOOL_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <uapi/pkeydm/pkey_abi.h>

/* pread of a sysfs attribute: bytes read or -errno */
static inline int sys_read(const char *name, void *buf, size_t len, off_t off)
{
	int f = open(name, O_RDONLY);
	ssize_t n;

	if (f < 0)
		return -errno;
	n = pread(f, buf, len, off);
	if (n < 0)
		n = -errno;
	close(f);
	return n;
}

/*
 * KBLOB2PROTK3 of a clear-key token holding the @n bytes at @clr: the
 * protected key goes to @prot (at most @protlen bytes); its length, or
 * -errno.  The clear key's copy on the stack is wiped.
 */
static inline int clear_kblob2prot(int fd, uint32_t keytype, const uint8_t *clr,
				   size_t n, uint8_t *prot, uint32_t protlen)
{
	uint8_t blob[16 + 64];
	struct pkey_clearkeytoken *ct = (void *)blob;
	struct pkey_kblob2pkey3 k;
	int rc;

	if (n > 64)
		return -EINVAL;
	memset(blob, 0, sizeof(blob));
	ct->type = PKEY_TOKTYPE_NON_CCA;
	ct->version = PKEY_TOKVER_CLEAR_KEY;
	ct->keytype = keytype;
	ct->len = n;
	memcpy(blob + 16, clr, n);
	memset(&k, 0, sizeof(k));
	k.key = blob;
	k.keylen = 16 + n;
	k.pkey = prot;
	k.pkeylen = protlen;
	rc = ioctl(fd, PKEY_KBLOB2PROTK3, &k) ? -errno : (int)k.pkeylen;
	memset(blob, 0, sizeof(blob));
	return rc;
}

/*
 * CLR2PROTK of one AES key (@kl bytes at @clr) into an 80-byte protected
 * key token (struct pkey_protaeskeytoken) at @tok: 0 or -errno.
 */
static inline int clear2prot_token(int fd, uint32_t keytype, const uint8_t *clr,
				   size_t kl, uint8_t *tok)
{
	struct pkey_clr2protk k;
	struct pkey_protaeskeytoken t;
	int rc = 0;

	if (kl > sizeof(k.clrkey.clrkey))
		return -EINVAL;
	memset(&k, 0, sizeof(k));
	k.keytype = keytype;
	memcpy(k.clrkey.clrkey, clr, kl);
	if (ioctl(fd, PKEY_CLR2PROTK, &k)) {
		rc = -errno;
	} else {
		memset(&t, 0, sizeof(t));
		t.type = PKEY_TOKTYPE_NON_CCA;
		t.version = PKEY_TOKVER_PROTECTED_KEY;
		t.keytype = k.protkey.type;
		t.len = k.protkey.len;
		memcpy(t.protkey, k.protkey.protkey, k.protkey.len);
		memcpy(tok, &t, sizeof(t));
		memset(&t, 0, sizeof(t));
	}
	memset(&k, 0, sizeof(k));
	return rc;
}

/* "PROG: message" on stderr, then exit(@code) */
static inline void __attribute__((format(printf, 3, 4), noreturn))
tool_die(const char *prog, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/*
 * The value of option @opt, @s: a non-negative number (decimal, 0x hex or
 * 0 octal) that fits 64 bits; anything else ends the program with
 * @usage_code and a message naming @opt.
 */
static inline uint64_t tool_parse_u64(const char *prog, int usage_code, const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!*s || *s == '-')
		tool_die(prog, usage_code, "%s '%s': not a non-negative number", opt, s);
	v = strtoull(s, &end, 0);
	if (errno || *end)
		tool_die(prog, usage_code, "%s '%s': not a non-negative number", opt, s);
	return v;
}

/* Latency samples: a monotonic clock in ms, and percentiles of a sorted set */
static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* the p-th percentile (nearest rank) of the n sorted samples at s */
static inline double pct(const double *s, int n, double p)
{
	int i = (int)(p / 100.0 * n + 0.999999) - 1;

	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return s[i];
}

#endif
