// SPDX-License-Identifier: GPL-2.0
/*
 * paes-token: make dm-paes key tokens from a known clear key (tests only).
 *
 *   paes-token clear2prot {xts-128|xts-256|fxts-128|fxts-256} HEXCLEARKEY
 *
 * prints the hex of the <key> a paes table or "key set" takes:
 *   xts-128/xts-256   a 160-byte token pair; the clear key is K1 || K2
 *                     (32 or 64 bytes, as for dm-crypt aes-xts-plain64),
 *                     each half made a protected key with PKEY_CLR2PROTK;
 *   fxts-128/256      one full-XTS token (80 or 112 bytes), from a clear
 *                     key token through PKEY_KBLOB2PROTK3.
 * Same clear key => same effective key, so the ciphertext equals dm-crypt's.
 * Exit status: 0 ok, 1 pkey error, 2 usage.
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

static int usage(void)
{
	fprintf(stderr, "usage: paes-token clear2prot {xts-128|xts-256|fxts-128|fxts-256} HEXCLEARKEY\n");
	return 2;
}

static int unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s), i;

	if (n % 2 || n / 2 > max)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return -1;
		out[i] = v;
	}
	return n / 2;
}

static void hexout(const uint8_t *p, size_t n)
{
	while (n--)
		printf("%02x", *p++);
}

/* one 80-byte protaeskeytoken from one AES key half */
static int clr2prot(int fd, uint32_t keytype, const uint8_t *clr, size_t kl,
		    uint8_t *tok)
{
	int rc = clear2prot_token(fd, keytype, clr, kl, tok);

	if (rc < 0) {
		errno = -rc;
		perror("paes-token: PKEY_CLR2PROTK");
		return -1;
	}
	return 0;
}

static int full(int fd, uint32_t keytype, const uint8_t *clr, size_t n,
		uint8_t *tok, size_t *toklen)
{
	uint8_t prot[96];
	int len = clear_kblob2prot(fd, keytype, clr, n, prot, sizeof(prot));

	if (len < 0) {
		errno = -len;
		perror("paes-token: PKEY_KBLOB2PROTK3");
		return -1;
	}
	if ((size_t)len != n + 32) {
		fprintf(stderr, "paes-token: unexpected protected key length %d\n", len);
		return -1;
	}
	uint32_t plen = len;

	memset(tok, 0, 16);
	tok[0] = PKEY_TOKTYPE_NON_CCA;
	tok[4] = PKEY_TOKVER_PROTECTED_KEY;
	memcpy(tok + 8, &keytype, 4);
	memcpy(tok + 12, &plen, 4);
	memcpy(tok + 16, prot, plen);
	*toklen = 16 + plen;
	memset(prot, 0, sizeof(prot));
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t clr[64], tok[160];
	size_t toklen = 0;
	int n, fd, rc = 1;

	if (argc != 4 || strcmp(argv[1], "clear2prot"))
		return usage();
	n = unhex(argv[3], clr, sizeof(clr));
	if (n < 0) {
		fprintf(stderr, "paes-token: HEXCLEARKEY is not hex\n");
		return 2;
	}
	fd = open("/dev/pkey", O_RDWR);
	if (fd < 0) {
		perror("paes-token: /dev/pkey");
		return 1;
	}
	if (!strcmp(argv[2], "xts-128") || !strcmp(argv[2], "xts-256")) {
		int kl = argv[2][4] == '1' ? 16 : 32;
		uint32_t kt = kl == 16 ? PKEY_KEYTYPE_AES_128 : PKEY_KEYTYPE_AES_256;

		if (n != 2 * kl) {
			fprintf(stderr, "paes-token: %s needs %d clear key bytes\n", argv[2], 2 * kl);
			rc = 2;
			goto out;
		}
		if (clr2prot(fd, kt, clr, kl, tok) ||
		    clr2prot(fd, kt, clr + kl, kl, tok + 80))
			goto out;
		toklen = 160;
	} else if (!strcmp(argv[2], "fxts-128") || !strcmp(argv[2], "fxts-256")) {
		int cl = argv[2][5] == '1' ? 32 : 64;
		uint32_t kt = cl == 32 ? PKEY_KEYTYPE_AES_XTS_128 : PKEY_KEYTYPE_AES_XTS_256;

		if (n != cl) {
			fprintf(stderr, "paes-token: %s needs %d clear key bytes\n", argv[2], cl);
			rc = 2;
			goto out;
		}
		if (full(fd, kt, clr, cl, tok, &toklen))
			goto out;
	} else {
		rc = usage();
		goto out;
	}
	hexout(tok, toklen);
	putchar('\n');
	rc = 0;
out:
	memset(clr, 0, sizeof(clr));
	memset(tok, 0, sizeof(tok));
	close(fd);
	return rc;
}
