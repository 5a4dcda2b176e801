// SPDX-License-Identifier: GPL-2.0
/*
 * memscan: look for key material in files and in a process's memory
 * (tests/vm/pdm/hygiene.sh).
 *
 *   memscan NEEDLES FILE...     search each file
 *   memscan NEEDLES --pid PID   search every readable mapping of PID through
 *                               /proc/PID/mem, noting which are excluded
 *                               from core dumps ("dd" in smaps VmFlags)
 *
 * NEEDLES is a file of lines "LABEL HEX" (read from a file, not argv, so
 * that no needle shows up in /proc/<this>/cmdline).  Each needle is looked
 * for as raw bytes and as hex text in lower and in upper case.  Prints one
 * line per hit: "hit LABEL FORM WHERE+OFFSET [dontdump]".
 * Exit status: 0 no hit (--pid: none outside dontdump mappings), 1 a hit,
 * 2 usage or I/O error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_NEEDLES 64

struct needle {
	char label[64];
	unsigned char *form[3];	/* raw, hex lower, hex upper */
	size_t len[3];
};

static struct needle needles[MAX_NEEDLES];
static int nneedles;
static const char *form_name[3] = { "raw", "hex", "HEX" };

static int nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void load_needles(const char *path)
{
	char line[4096], label[64], hex[4000];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		struct needle *n;
		size_t i, hl;

		if (sscanf(line, "%63s %3999s", label, hex) != 2)
			continue;
		hl = strlen(hex);
		if (hl < 16 || hl % 2 || nneedles == MAX_NEEDLES) {
			fprintf(stderr, "memscan: needle %s: need >= 8 bytes of even-length hex (or too many)\n",
				label);
			exit(2);
		}
		n = &needles[nneedles++];
		snprintf(n->label, sizeof(n->label), "%s", label);
		n->len[0] = hl / 2;
		n->len[1] = n->len[2] = hl;
		for (i = 0; i < 3; i++) {
			n->form[i] = malloc(n->len[i]);
			if (!n->form[i])
				exit(2);
		}
		for (i = 0; i < hl; i++) {
			int a = nibble(hex[i]);

			if (a < 0) {
				fprintf(stderr, "memscan: needle %s: not hex\n", label);
				exit(2);
			}
			n->form[1][i] = (unsigned char)tolower((unsigned char)hex[i]);
			n->form[2][i] = (unsigned char)toupper((unsigned char)hex[i]);
			if (i % 2)
				n->form[0][i / 2] |= (unsigned char)a;
			else
				n->form[0][i / 2] = (unsigned char)(a << 4);
		}
	}
	fclose(f);
	if (!nneedles) {
		fprintf(stderr, "memscan: no needles in %s\n", path);
		exit(2);
	}
}

/* every needle in buf; returns the number of hits */
static long printed;

static long scan(const unsigned char *buf, size_t len, const char *where,
		 unsigned long base, int dontdump)
{
	long hits = 0;
	int i, k;

	for (i = 0; i < nneedles; i++)
		for (k = 0; k < 3; k++) {
			const unsigned char *p = buf, *end = buf + len, *q;

			/* upper == lower case when the hex has no letters */
			if (k == 2 && !memcmp(needles[i].form[1], needles[i].form[2], needles[i].len[1]))
				continue;

			while ((q = memmem(p, (size_t)(end - p), needles[i].form[k],
					   needles[i].len[k]))) {
				/* the first 50 hits say enough */
				if (printed++ < 50)
					printf("hit %s %s %s+0x%lx%s\n", needles[i].label,
					       form_name[k], where,
					       base + (unsigned long)(q - buf),
					       dontdump ? " dontdump" : "");
				hits++;
				p = q + 1;
			}
		}
	return hits;
}

static unsigned char *read_all(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	unsigned char *b = malloc(cap);
	ssize_t r;

	while (b) {
		if (n == cap) {
			unsigned char *nb = realloc(b, cap *= 2);

			if (!nb)
				break;
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*len = n;
			return b;
		}
		n += (size_t)r;
	}
	free(b);
	return NULL;
}

static int scan_file(const char *path, long *hits)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char *b;
	size_t len;

	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -1; /* a process went away */
	b = read_all(fd, &len);
	close(fd);
	if (!b)
		return -1;
	*hits += scan(b, len, path, 0, 0);
	free(b);
	return 0;
}

/* /proc/PID/smaps: start-end of each mapping and whether it has "dd" */
static int scan_pid(const char *pid, long *hits, long *dd_hits)
{
	char path[64], line[512];
	unsigned long start = 0, end = 0;
	int have = 0, memfd;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/smaps", pid);
	f = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%s/mem", pid);
	memfd = open(path, O_RDONLY | O_CLOEXEC);
	if (!f || memfd < 0) {
		fprintf(stderr, "memscan: cannot open /proc/%s/{smaps,mem}: %s\n", pid, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3 && strchr(line, '-') < strchr(line, ' ')) {
			have = perms[0] == 'r';
			start = s;
			end = e;
			continue;
		}
		if (have && !strncmp(line, "VmFlags:", 8)) {
			int dd = strstr(line, " dd") != NULL;
			size_t len = end - start;
			unsigned char *b = malloc(len);
			ssize_t r;
			long h;
			char where[64];

			have = 0;
			if (!b)
				return -1;
			r = pread(memfd, b, len, (off_t)start);
			if (r > 0) {
				snprintf(where, sizeof(where), "mem:%lx-%lx", start, end);
				h = scan(b, (size_t)r, where, 0, dd);
				if (dd)
					*dd_hits += h;
				else
					*hits += h;
			}
			free(b);
		}
	}
	fclose(f);
	close(memfd);
	return 0;
}

int main(int argc, char **argv)
{
	long hits = 0, dd_hits = 0;
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: memscan NEEDLES FILE... | memscan NEEDLES --pid PID\n");
		return 2;
	}
	load_needles(argv[1]);
	if (!strcmp(argv[2], "--pid")) {
		if (argc != 4 || scan_pid(argv[3], &hits, &dd_hits))
			return 2;
		printf("memscan: pid %s: %ld hit(s) in dumpable memory, %ld in dontdump memory\n",
		       argv[3], hits, dd_hits);
		return hits ? 1 : 0;
	}
	for (i = 2; i < argc; i++)
		if (scan_file(argv[i], &hits)) {
			fprintf(stderr, "memscan: %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
	printf("memscan: %d file(s), %ld hit(s)\n", argc - 2, hits);
	return hits ? 1 : 0;
}
