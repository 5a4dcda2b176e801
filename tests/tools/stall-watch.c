// SPDX-License-Identifier: GPL-2.0
/*
 * stall-watch DMNAME PID [THRESHOLD_MS]: catch a recovery stall in the act.
 *
 * Every 200 ms it reads the paes status of DMNAME straight from
 * /dev/mapper/control.  Once the key has not been "valid" for THRESHOLD_MS
 * (default 3000) it prints, once per episode, the status, for every
 * thread of PID (pdmd) its name, state, wchan and kernel stack, the kernel
 * stack of every task that is running or blocked, then asks the kernel for
 * a sysrq-w dump of all blocked tasks.
 *
 * A shell loop cannot do this job: under memory pressure with the swap
 * device stale, bash, dmsetup and their libraries are themselves swapped out
 * and wait for the same key.  This tool locks its memory, marks itself
 * PR_SET_IO_FLUSHER, reads only /proc and /dev/mapper/control (no swappable
 * file), and writes with write(2) to its standard output, which the test bed
 * connects to a serial port.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

static char out[65536];

static void emit(const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(1, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* the target's status line into @buf and the device's event counter; 0 or -errno */
static int dm_status(int ctl, const char *name, char *buf, size_t len, unsigned int *event_nr)
{
	static union {
		struct dm_ioctl io;
		char raw[16384];
	} u;
	struct dm_target_spec *spec;

	memset(&u, 0, sizeof(u));
	u.io.version[0] = DM_VERSION_MAJOR;
	u.io.data_size = sizeof(u);
	u.io.data_start = sizeof(u.io);
	snprintf(u.io.name, sizeof(u.io.name), "%s", name);
	if (ioctl(ctl, DM_TABLE_STATUS, &u.io) < 0)
		return -errno;
	if (u.io.target_count < 1)
		return -ENODATA;
	*event_nr = u.io.event_nr;
	spec = (struct dm_target_spec *)(u.raw + u.io.data_start);
	snprintf(buf, len, "%s", (char *)(spec + 1));
	return 0;
}

/* "<prefix><file contents, each line prefixed>" of /proc/<pid>/task/<tid>/<f> */
static void dump_file(const char *pid, const char *tid, const char *f, const char *prefix)
{
	char path[600], buf[8192], *line, *save = NULL;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/task/%s/%s", pid, tid, f);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(f, "status") && strncmp(line, "State:", 6))
			continue;
		snprintf(out, sizeof(out), "%s%s\n", prefix, line);
		emit(out);
	}
}

static void dump_threads(const char *pid)
{
	char path[300];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	dir = opendir(path);
	if (!dir) {
		emit("STALL: pdmd is gone\n");
		return;
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(out, sizeof(out), "STALL: thread %s:\n", d->d_name);
		emit(out);
		dump_file(pid, d->d_name, "comm", "STALL:   comm ");
		dump_file(pid, d->d_name, "status", "STALL:   ");
		dump_file(pid, d->d_name, "wchan", "STALL:   wchan ");
		dump_file(pid, d->d_name, "stack", "STALL:     ");
	}
	closedir(dir);
}

/* state letter of /proc/<pid>/task/<tid>/stat, or 0 */
static char task_state(const char *pid, const char *tid)
{
	char path[600], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/task/%s/stat", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* ppid of /proc/<pid>/stat, or -1 */
static long parent_of(const char *pid)
{
	char path[300], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && strlen(p) > 4 ? strtol(p + 4, NULL, 10) : -1;
}

/* every descendant of @root: where a stalled script's commands wait */
static void dump_descendants(long root)
{
	static long pids[4096], ppids[4096];
	long want[64];
	int n = 0, nwant = 1, i, j;
	struct dirent *pd;
	DIR *procs;

	procs = opendir("/proc");
	if (!procs)
		return;
	while ((pd = readdir(procs)) && n < 4096) {
		if (pd->d_name[0] < '1' || pd->d_name[0] > '9')
			continue;
		pids[n] = atol(pd->d_name);
		ppids[n++] = parent_of(pd->d_name);
	}
	closedir(procs);
	want[0] = root;
	for (i = 0; i < nwant; i++) {
		for (j = 0; j < n && nwant < 64; j++) {
			char pid[24];

			if (ppids[j] != want[i])
				continue;
			want[nwant++] = pids[j];
			snprintf(pid, sizeof(pid), "%ld", pids[j]);
			snprintf(out, sizeof(out), "STALL: descendant %s of %ld:\n", pid, want[i]);
			emit(out);
			dump_file(pid, pid, "comm", "STALL:   comm ");
			dump_file(pid, pid, "status", "STALL:   ");
			dump_file(pid, pid, "wchan", "STALL:   wchan ");
			dump_file(pid, pid, "stack", "STALL:     ");
		}
	}
}

/* every task running (R) or blocked (D) anywhere, with its kernel stack */
static void dump_busy(void)
{
	struct dirent *pd, *td;
	DIR *procs, *tasks;
	char path[300];

	procs = opendir("/proc");
	if (!procs)
		return;
	while ((pd = readdir(procs))) {
		if (pd->d_name[0] < '1' || pd->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", pd->d_name);
		tasks = opendir(path);
		if (!tasks)
			continue;
		while ((td = readdir(tasks))) {
			char st;

			if (td->d_name[0] == '.')
				continue;
			st = task_state(pd->d_name, td->d_name);
			if (st != 'R' && st != 'D')
				continue;
			snprintf(out, sizeof(out), "STALL: busy %s/%s state %c:\n", pd->d_name,
				 td->d_name, st);
			emit(out);
			dump_file(pd->d_name, td->d_name, "comm", "STALL:   comm ");
			dump_file(pd->d_name, td->d_name, "stack", "STALL:     ");
		}
		closedir(tasks);
	}
	closedir(procs);
}

int main(int argc, char **argv)
{
	long threshold = argc > 3 ? atol(argv[3]) : 3000, since = 0;
	unsigned int ev = 0, last_ev = 0;
	char status[4096];
	int ctl, dumped = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: stall-watch DMNAME PID [THRESHOLD_MS]\n");
		return 2;
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		perror("stall-watch: mlockall");
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) < 0)
		perror("stall-watch: PR_SET_IO_FLUSHER");
	ctl = open("/dev/mapper/control", O_RDWR);
	if (ctl < 0) {
		perror("stall-watch: /dev/mapper/control");
		return 1;
	}
	for (;;) {
		int r = dm_status(ctl, argv[1], status, sizeof(status), &ev);
		long t = now_ms();

		/* a dm event while stalled: did the manager get one to wake on? */
		if (!r && dumped && ev != last_ev) {
			snprintf(out, sizeof(out), "STALL: %s event_nr %u after %ld ms: %s\n",
				 argv[1], ev, t - since, status);
			emit(out);
		}
		if (!r)
			last_ev = ev;

		if (r == -ENXIO)
			return 0;	/* the device is gone: done */
		if (!r && !strstr(status, "key=valid")) {
			if (!since)
				since = t;
			if (!dumped && t - since > threshold) {
				int fd;

				dumped = 1;
				snprintf(out, sizeof(out), "STALL: %s key not valid for %ld ms (event_nr %u): %s\n",
					 argv[1], t - since, ev, status);
				emit(out);
				dump_threads(argv[2]);
				dump_descendants(atol(argv[2]));
				dump_busy();
				fd = open("/proc/sysrq-trigger", O_WRONLY);
				if (fd >= 0) {
					if (write(fd, "w", 1) < 0)
						emit("STALL: sysrq-w failed\n");
					close(fd);
				}
			}
		} else if (!r) {
			if (dumped) {
				snprintf(out, sizeof(out), "STALL: %s valid again after %ld ms\n",
					 argv[1], t - since);
				emit(out);
			}
			since = 0;
			dumped = 0;
		}
		usleep(200000);
	}
}
