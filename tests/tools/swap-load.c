/* swap-load: a working set larger than its memory cgroup allows, touched for
 * a while, so that swap is the bottleneck (tests/bench/swap.sh).
 *
 *   swap-load MIB SECONDS seq|rand
 *
 * Allocates MIB MiB, writes every page once (so each has contents to swap
 * out), then for SECONDS writes one word in one page after another, in
 * address order (seq) or at random (rand), checking that each page still
 * holds what was last written to it: a page that comes back from swap
 * wrong ends the run (exit 1).  A touch that takes more than 20 us is
 * counted as a major fault (a page read back from swap); their latencies
 * give p50/p99.  Pages swapped in and out (/proc/vmstat pswpin, pswpout)
 * are counted over the touching only, not the first fill.  Prints one line:
 *   touches N per_s X slow N slow_p50_us X slow_p99_us X swapin_per_s X swapout_per_s X
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tool_util.h"

#define PAGE 4096
#define SLOW_US 20.0
#define MAX_SLOW (1 << 20)

/* a counter of /proc/vmstat, or 0 if it cannot be read */
static unsigned long long vmstat(const char *name)
{
	unsigned long long v = 0, x;
	char key[64];
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return 0;
	while (fscanf(f, "%63s %llu", key, &x) == 2) {
		if (!strcmp(key, name)) {
			v = x;
			break;
		}
	}
	fclose(f);
	return v;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	uint64_t *stamp, seed = 0x9e3779b97f4a7c15ULL, touches = 0;
	size_t pages, i, nslow = 0;
	double *slow, t_end, elapsed, t0;
	unsigned char *mem;
	unsigned long long in0, out0;
	int rnd;

	if (argc != 4 || (strcmp(argv[3], "seq") && strcmp(argv[3], "rand"))) {
		fprintf(stderr, "usage: swap-load MIB SECONDS seq|rand\n");
		return 2;
	}
	pages = (size_t)atol(argv[1]) * (1024 * 1024 / PAGE);
	elapsed = atof(argv[2]) * 1e3;
	rnd = !strcmp(argv[3], "rand");
	if (!pages || elapsed <= 0) {
		fprintf(stderr, "swap-load: MIB and SECONDS must be positive\n");
		return 2;
	}
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	stamp = calloc(pages, sizeof(*stamp));
	slow = calloc(MAX_SLOW, sizeof(*slow));
	if (mem == MAP_FAILED || !stamp || !slow) {
		fprintf(stderr, "swap-load: cannot allocate %s MiB: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* The page numbers themselves, so no page is all zeros. */
	for (i = 0; i < pages; i++) {
		stamp[i] = i + 1;
		memcpy(mem + i * PAGE, &stamp[i], sizeof(stamp[i]));
	}
	in0 = vmstat("pswpin");
	out0 = vmstat("pswpout");
	t0 = now_ms();
	t_end = t0 + elapsed;
	for (i = 0;; i++) {
		size_t p = rnd ? next_rand(&seed) % pages : i % pages;
		uint64_t have;
		double a, b;

		if ((i & 255) == 0 && now_ms() >= t_end)
			break;
		a = now_ms();
		memcpy(&have, mem + p * PAGE, sizeof(have));
		if (have != stamp[p]) {
			fprintf(stderr, "swap-load: page %zu holds %llu, %llu was written\n", p,
				(unsigned long long)have, (unsigned long long)stamp[p]);
			return 1;
		}
		stamp[p] += pages;
		memcpy(mem + p * PAGE, &stamp[p], sizeof(stamp[p]));
		b = now_ms();
		if ((b - a) * 1e3 > SLOW_US && nslow < MAX_SLOW)
			slow[nslow++] = (b - a) * 1e3;
		touches++;
	}
	elapsed = (now_ms() - t0) / 1e3;
	qsort(slow, nslow, sizeof(*slow), cmp_double);
	printf("touches %llu per_s %.0f slow %zu slow_p50_us %.0f slow_p99_us %.0f swapin_per_s %.0f swapout_per_s %.0f\n",
	       (unsigned long long)touches, touches / elapsed, nslow, nslow ? pct(slow, (int)nslow, 50) : 0.0,
	       nslow ? pct(slow, (int)nslow, 99) : 0.0, (vmstat("pswpin") - in0) / elapsed,
	       (vmstat("pswpout") - out0) / elapsed);
	return 0;
}
