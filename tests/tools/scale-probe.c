/* scale-probe: with many pdm devices and pdmd running, the time from one
 * wrapping-key change until each device serves I/O again
 * (tests/bench/scale.sh).
 *
 *   scale-probe ROUNDS PAUSE_MS DEVICE...
 *
 * Per round: one thread per device waits at a barrier; the main thread writes
 * "1" to emu/rotate_wrapping_key (every protected key goes stale), takes t0
 * and releases them; each reads 4 KiB O_DIRECT at a new offset of its device.
 * The read finds the stale key, is parked and raises a dm event; it
 * completes once pdmd has set that device's key again: t1.  Prints one
 * "round" line per round (p50/p99/max over the devices, in ms) and a last
 * "devices N rounds R p50 .. p99 .. max .." line over every sample.  A read
 * that fails ends the run (exit 1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "tool_util.h"

#define ROTATE "/sys/devices/virtual/misc/pkey/emu/rotate_wrapping_key"

struct probe {
	pthread_t tid;
	const char *path;
	int fd;
	unsigned long long blocks;
	void *buf;
	double ms;	/* this round's time to served */
	int err;	/* errno of a failed read, or -1 for a short one */
};

static pthread_barrier_t start;
static pthread_barrier_t done;
static double t0;
static int rounds;

static void *run(void *arg)
{
	struct probe *p = arg;
	int r;

	for (r = 0; r < rounds; r++) {
		ssize_t n;

		pthread_barrier_wait(&start);
		n = pread(p->fd, p->buf, 4096, (off_t)((r * 7919ULL) % p->blocks) * 4096);
		p->ms = now_ms() - t0;
		p->err = n == 4096 ? 0 : n < 0 ? errno : -1;
		pthread_barrier_wait(&done);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct probe *p;
	double *round, *all;
	int n, i, r, rot, pause_ms, failed = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: scale-probe ROUNDS PAUSE_MS DEVICE...\n");
		return 2;
	}
	rounds = atoi(argv[1]);
	pause_ms = atoi(argv[2]);
	n = argc - 3;
	if (rounds < 1 || pause_ms < 0) {
		fprintf(stderr, "scale-probe: ROUNDS must be >= 1 and PAUSE_MS >= 0\n");
		return 2;
	}
	p = calloc(n, sizeof(*p));
	round = calloc(n, sizeof(*round));
	all = calloc((size_t)n * rounds, sizeof(*all));
	if (!p || !round || !all)
		return 1;
	rot = open(ROTATE, O_WRONLY);
	if (rot < 0) {
		fprintf(stderr, "scale-probe: open %s: %s (pkey_emu loaded?)\n", ROTATE, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		unsigned long long bytes = 0;

		p[i].path = argv[3 + i];
		p[i].fd = open(p[i].path, O_RDONLY | O_DIRECT);
		if (p[i].fd < 0) {
			fprintf(stderr, "scale-probe: open %s: %s\n", p[i].path, strerror(errno));
			return 1;
		}
		if (ioctl(p[i].fd, BLKGETSIZE64, &bytes) < 0 || bytes < 4096) {
			fprintf(stderr, "scale-probe: %s: cannot get a usable size\n", p[i].path);
			return 1;
		}
		p[i].blocks = bytes / 4096;
		if (posix_memalign(&p[i].buf, 4096, 4096))
			return 1;
	}
	if (pthread_barrier_init(&start, NULL, n + 1) || pthread_barrier_init(&done, NULL, n + 1))
		return 1;
	for (i = 0; i < n; i++) {
		if (pthread_create(&p[i].tid, NULL, run, &p[i])) {
			fprintf(stderr, "scale-probe: cannot start thread %d of %d\n", i + 1, n);
			return 1;
		}
	}
	for (r = 0; r < rounds; r++) {
		if (pwrite(rot, "1\n", 2, 0) != 2) {
			fprintf(stderr, "scale-probe: rotate: %s\n", strerror(errno));
			return 1;
		}
		t0 = now_ms();
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&done);
		for (i = 0; i < n; i++) {
			if (p[i].err) {
				fprintf(stderr, "scale-probe: round %d: read of %s: %s\n", r, p[i].path,
					p[i].err < 0 ? "short" : strerror(p[i].err));
				failed = 1;
			}
			round[i] = p[i].ms;
			all[(size_t)r * n + i] = p[i].ms;
		}
		qsort(round, n, sizeof(*round), cmp_double);
		printf("round %d devices %d p50 %.1f ms p99 %.1f ms max %.1f ms\n", r, n, pct(round, n, 50),
		       pct(round, n, 99), round[n - 1]);
		fflush(stdout);
		if (failed)
			return 1;
		usleep(pause_ms * 1000);
	}
	for (i = 0; i < n; i++)
		pthread_join(p[i].tid, NULL);
	qsort(all, (size_t)n * rounds, sizeof(*all), cmp_double);
	printf("devices %d rounds %d p50 %.1f ms p99 %.1f ms max %.1f ms\n", n, rounds,
	       pct(all, n * rounds, 50), pct(all, n * rounds, 99), all[(size_t)n * rounds - 1]);
	return 0;
}
