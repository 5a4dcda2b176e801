/* regen-latency: the time from a wrapping-key change to the first parked bio
 * completing, with pdmd running (tests/bench/regen-latency.sh).
 *
 *   regen-latency DEVICE ROTATIONS [PAUSE_MS]
 *
 * Per round: write "1" to emu/rotate_wrapping_key (every protected key goes
 * stale), take t0, issue one 4 KiB O_DIRECT read at a new offset of DEVICE:
 * the target finds the WKVP mismatch on it, parks it and raises a dm event;
 * pdmd derives the key again and sends "key set"; the read completes: t1.
 * The mismatch is found a few microseconds after t0, so t1 - t0 is the
 * latency asked for, slightly over-estimated.  Prints every sample and then
 * p50/p90/p99/max in ms.  A read that fails ends the run (exit 1).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#include "tool_util.h"

#define ROTATE "/sys/devices/virtual/misc/pkey/emu/rotate_wrapping_key"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: regen-latency DEVICE ROTATIONS [PAUSE_MS]\n");
		return 2;
	}
	const char *dev = argv[1];
	int n = atoi(argv[2]);
	int pause_ms = argc > 3 ? atoi(argv[3]) : 50;
	if (n < 1) {
		fprintf(stderr, "regen-latency: ROTATIONS must be >= 1\n");
		return 2;
	}
	int fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "regen-latency: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	unsigned long long bytes = 0;
	if (ioctl(fd, BLKGETSIZE64, &bytes) < 0 || bytes < 4096) {
		fprintf(stderr, "regen-latency: %s: cannot get a usable size\n", dev);
		return 1;
	}
	int rot = open(ROTATE, O_WRONLY);
	if (rot < 0) {
		fprintf(stderr, "regen-latency: open %s: %s (pkey_emu loaded?)\n", ROTATE, strerror(errno));
		return 1;
	}
	void *buf;
	if (posix_memalign(&buf, 4096, 4096))
		return 1;
	double *s = calloc(n, sizeof *s);
	unsigned long long blocks = bytes / 4096;
	for (int i = 0; i < n; i++) {
		if (pwrite(rot, "1\n", 2, 0) != 2) {
			fprintf(stderr, "regen-latency: rotate: %s\n", strerror(errno));
			return 1;
		}
		double t0 = now_ms();
		ssize_t r = pread(fd, buf, 4096, (off_t)((i * 7919ULL) % blocks) * 4096);
		double t1 = now_ms();
		if (r != 4096) {
			fprintf(stderr, "regen-latency: round %d: read: %s\n", i, r < 0 ? strerror(errno) : "short");
			return 1;
		}
		s[i] = t1 - t0;
		printf("sample %d %.3f\n", i, s[i]);
		usleep(pause_ms * 1000);
	}
	qsort(s, n, sizeof *s, cmp_double);
	printf("rotations %d p50 %.2f ms p90 %.2f ms p99 %.2f ms max %.2f ms min %.2f ms\n", n, pct(s, n, 50),
	       pct(s, n, 90), pct(s, n, 99), s[n - 1], s[0]);
	return 0;
}
