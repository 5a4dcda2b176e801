// SPDX-License-Identifier: GPL-2.0
/* stack-depth: how deep each thread of a running process has ever gone into
 * its stack (tests/bench/scale.sh, for pdmd's thread stack size).
 *
 *   stack-depth PID
 *
 * Per thread: the stack pointer from /proc/PID/task/TID/syscall (the thread
 * must be blocked in a system call, as an idle daemon's threads are), the
 * mapping that holds it from /proc/PID/maps, and the lowest non-zero byte of
 * that mapping read through /proc/PID/mem.  A fresh stack mapping is zero
 * pages; under mlockall(MCL_FUTURE) every page of it is present, so the
 * distance from the mapping's top to its lowest non-zero byte is the high
 * water of the thread's stack (with, at the top of a thread's mapping,
 * glibc's thread descriptor and static TLS).  One line per thread:
 *   "stack tid=T comm=NAME size_kib=S used_kib=U"
 * A thread that ends meanwhile is left out.  Exit 1 on an error, with its
 * reason; 2 on a usage error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "stack-depth: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

/* the mapping [*lo, *hi) of @pid holding @addr: 0; 1 if none; -1 on error */
static int find_mapping(int pid, uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int found = 1;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f) {
		fail("cannot open", path);
		return -1;
	}
	while (found && getline(&line, &cap, f) > 0) {
		uint64_t a, b;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &a, &b) == 2 && addr >= a && addr < b) {
			*lo = a;
			*hi = b;
			found = 0;
		}
	}
	free(line);
	fclose(f);
	return found;
}

/* lowest address in [lo, hi) holding a non-zero byte; hi if none */
static uint64_t lowest_used(int mem, uint64_t lo, uint64_t hi)
{
	static unsigned char page[4096];
	uint64_t a;

	for (a = lo; a < hi; a += sizeof(page)) {
		size_t i, n = hi - a < sizeof(page) ? hi - a : sizeof(page);

		/* the guard page (PROT_NONE) and holes read as errors: skip */
		if (pread(mem, page, n, (off_t)a) != (ssize_t)n)
			continue;
		for (i = 0; i < n; i++) {
			if (page[i])
				return a + i;
		}
	}
	return hi;
}

/*
 * The stack pointer of thread @tid from its "NR ARG1 .. ARG6 SP PC" line,
 * which it has while blocked in a system call ("running" otherwise: an idle
 * daemon's thread may be between two calls, so it is asked again for up to
 * a second); 0 if never seen in one (errno ENOENT: the thread ended).
 */
static uint64_t syscall_sp(int pid, int tid)
{
	char path[96], line[512];
	int tries;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	for (tries = 0; tries < 100; tries++) {
		uint64_t sp = 0;
		char *last = NULL;
		FILE *f = fopen(path, "r");

		if (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			last = strrchr(line, ' ');
			if (last) {
				*last = 0;
				last = strrchr(line, ' ');
			}
		}
		if (!f && errno == ENOENT)
			return 0;	/* the thread has ended */
		if (f)
			fclose(f);
		if (last && sscanf(last + 1, "%" SCNx64, &sp) == 1 && sp)
			return sp;
		usleep(10000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	char path[96], comm[64];
	struct dirent *d;
	DIR *tasks;
	int pid, mem, rc = 0;
	char *end = NULL;

	pid = argc == 2 ? (int)strtol(argv[1], &end, 10) : 0;
	if (pid <= 0 || !end || *end) {
		fprintf(stderr, "usage: stack-depth PID\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY);
	if (mem < 0)
		return fail("cannot open", path);
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	tasks = opendir(path);
	if (!tasks) {
		close(mem);
		return fail("cannot open", path);
	}
	while ((d = readdir(tasks))) {
		uint64_t sp = 0, lo, hi, low;
		int tid = atoi(d->d_name), rc_map;
		FILE *f;

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
		f = fopen(path, "r");
		if (!f || !fgets(comm, sizeof(comm), f))
			snprintf(comm, sizeof(comm), "?");
		if (f)
			fclose(f);
		comm[strcspn(comm, "\n")] = 0;
		errno = 0;
		sp = syscall_sp(pid, tid);
		if (!sp && errno == ENOENT)
			continue;
		if (!sp) {
			fprintf(stderr, "stack-depth: thread %d (%s) was never seen in a system call\n", tid, comm);
			rc = 1;
			continue;
		}
		rc_map = find_mapping(pid, sp, &lo, &hi);
		if (rc_map) {
			if (rc_map > 0)
				fprintf(stderr, "stack-depth: no mapping holds thread %d's stack pointer %" PRIx64 "\n",
					tid, sp);
			rc = 1;
			continue;
		}
		low = lowest_used(mem, lo, hi);
		printf("stack tid=%d comm=%s size_kib=%" PRIu64 " used_kib=%" PRIu64 "\n", tid, comm,
		       (hi - lo) / 1024, (hi - low + 1023) / 1024);
	}
	closedir(tasks);
	close(mem);
	return rc;
}
