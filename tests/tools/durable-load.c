// SPDX-License-Identifier: GPL-2.0
/*
 * durable-load: a metadata-heavy workload that knows what it made durable,
 * and the checker of what a power cut must have kept (the power-cut test
 * tests/vm/pdm/powercut.sh).  Run with --help for the usage.
 *
 * --run DIR: in DIR/d0 and DIR/d1 (NF names each, d0/f00 ...) a seeded
 * pseudo-random sequence of operations: create or overwrite (O_TRUNC) a
 * file, append to one, rename one (also over an existing file, also into
 * the other directory), unlink one, fsync a directory; most followed by
 * fsync or fdatasync of the file and fsync of the directories whose entries
 * changed, some left unsynced.  The sequence depends on the seed only, never
 * on timing.  A file's bytes are a stream determined by (seed, origin name,
 * generation): a 48-byte header naming them, then pseudo-random bytes; an
 * append continues the same stream; a rename moves the stream to a new name.
 *
 * After every fsync/fdatasync returns, durable-load asks dm-log-writes (the
 * device named by --mark-dev) to log a mark "dNNNNNN", and appends to the
 * manifest (which must live outside the file system under test) what it
 * knows to be durable from that mark on.  Manifest lines, in order:
 *
 *   durable-load 1 seed=S files=NF         header
 *   op I NAME STATE KIND                   operation I gave NAME the state
 *                                          STATE: '-' (absent) or
 *                                          ORIGIN:GEN:SIZE; KIND is write,
 *                                          append, rename-to, rename-from or
 *                                          unlink
 *   durable NAME I                         the state NAME got at op I is
 *                                          durable: a crash from the next mark
 *                                          on must show exactly it
 *   mark MARK                              the mark was logged
 *   end                                    the run is over (after a syncfs)
 *
 * A name's state is durable when its directory entry is (the directory was
 * fsynced since the entry last changed) and, for a file, its contents are
 * (the file was fsynced or fdatasynced since they last changed).  A rename
 * moves the contents' durability with them; durable-load fsyncs a file
 * before it renames it, so what it renames is always durable contents.
 *
 * --check DIR --mark M / --after-mark M: the rule.  A power cut at mark M
 * (the log replayed up to that mark) keeps every fact recorded before the
 * "mark M" line.  For each name, let D be its last durable state recorded
 * before that line (absent if none) and L the operations on the name after
 * D's operation that happened before the point checked: before the "mark M"
 * line for --mark, before the next mark line for --after-mark (a flush
 * point between two marks).
 *   - L empty: the name must be exactly D (absent, or a regular file of
 *     exactly D's size and bytes).  This is the check that matters: durable
 *     data that is gone, stale or wrong is a failure.
 *   - L not empty (the name is "in flux"): the cut may have caught any of
 *     the states in between, torn as a file system may tear an unsynced
 *     file: absent is fine if D or an operation in L left it absent; a
 *     regular file of size s is fine if its bytes are the first s bytes of
 *     the stream of D or of an operation in L, with s in D's size for D and
 *     for rename-to, in 0..SIZE for a write (truncate, then data), and from
 *     the size before the append to SIZE for an append; and a 4 KiB
 *     block of it may be "torn": the stream up to some byte, zeros from
 *     there to the block's end.  ext4 does that to unsynced data: a new
 *     size (or an unwritten extent, which reads as zeros) can reach the
 *     journal before the data of the block does, and the block on disk is
 *     then an older version of it, written when the file ended inside it
 *     (zeros past that EOF), or nothing.  Both were seen with dm-crypt, the
 *     reference, as with dm-paes.  The zeros never start below bytes known
 *     durable: D's own, a renamed file's (fsynced before the rename), and
 *     for a chain of appends the bytes the chain started from; only a
 *     write may tear from byte 0.  Other bytes (another file's, garbage)
 *     are a failure.
 * A directory entry that no operation ever made (another name, a directory
 * or a special file in d0 or d1) is a failure, and so is a missing d0 or d1
 * at or after the first mark.  Not checked: timestamps, modes, link counts.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/dm-ioctl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool_util.h"

#define NDIRS 2
#define MAX_FILES 100		/* per directory */
#define HDR 48			/* header bytes at the start of every stream */
#define MAX_SIZE (256 * 1024)	/* no append past this */
#define MAX_NAME 32
#define MAX_PAUSES 64
#define ZBLOCK 4096		/* the tail of a block of an unsynced file may read as zeros */

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_MANIFEST = 3 };

static const char *prog = "durable-load";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: durable-load --run DIR --manifest FILE --mark-dev DMNAME [--seed S] [--ops N]\n"
		"                    [--files NF] [--status FILE] [--pause-before-sync K]...\n"
		"       durable-load --check DIR --manifest FILE (--mark MARK | --after-mark MARK|-) [-v]\n"
		"\n"
		"--run: a seeded metadata-heavy workload in DIR/d0 and DIR/d1 (created; they\n"
		"must not exist): N operations (default 60) on NF names per directory\n"
		"(default 12, at most %d): create/overwrite, append, rename (also over an\n"
		"existing file), unlink, with fsync/fdatasync of files and fsync of\n"
		"directories, some left unsynced; then a syncfs.  After every sync returns, a\n"
		"dm-log-writes mark 'dNNNNNN' is logged on device-mapper device DMNAME\n"
		"(DM_TARGET_MSG \"mark dNNNNNN\"; '-' logs none) and the manifest FILE (put it\n"
		"outside the file system under test) gets what is durable from that mark on.\n"
		"  --status FILE   kept up to date with 'sync K WHAT' while sync number K\n"
		"                  runs (WHAT: a name such as d0/f03, 'dir' or 'syncfs'),\n"
		"                  'synced K' after it, 'pause K NAME' (see below), 'done'\n"
		"  --pause-before-sync K\n"
		"                  before writing a file that it will then sync as sync\n"
		"                  number K or later, write 'pause K NAME' to the status file\n"
		"                  and wait for SIGUSR1; then write the file and sync it (so\n"
		"                  its data is dirty when the sync starts).  Up to %d times,\n"
		"                  K ascending; one pause per operation\n"
		"\n"
		"--check: DIR is the file system after a power cut at a point of the log:\n"
		"  --mark MARK        at the mark MARK\n"
		"  --after-mark MARK  after mark MARK and before the next one ('-': before\n"
		"                     the first mark)\n"
		"Every name whose durable state cannot have changed must be exactly that\n"
		"state; a name an unsynced operation was changing may be any state it went\n"
		"through, torn as an unsynced file may be (the rule is in the source).  One\n"
		"line 'FAIL: ...' per violation, then a summary line.  -v: one line per name.\n"
		"\n"
		"Exit status: 0 success (--check: all names as required); 1 --check found a\n"
		"violation, or --run failed (a system call or the mark); 2 usage error; 3 the\n"
		"manifest cannot be read or is malformed, or names no such mark.\n",
		MAX_FILES, MAX_PAUSES);
}

#define die(code, ...) tool_die(prog, code, __VA_ARGS__)
#define parse_u64(opt, s) tool_parse_u64(prog, EX_USAGE, opt, s)

/* ------------------------------------------------------------ contents */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t stream_key(uint64_t seed, const char *origin, uint32_t gen)
{
	uint64_t k = mix64(seed ^ 0x64757261626c65ULL);
	const char *p;

	for (p = origin; *p; p++)
		k = mix64(k ^ (unsigned char)*p);
	return mix64(k ^ gen);
}

/* bytes [off, off+len) of the stream of (seed, origin, gen) into @buf */
static void stream_fill(uint64_t seed, const char *origin, uint32_t gen, uint64_t off,
			unsigned char *buf, size_t len)
{
	uint64_t key = stream_key(seed, origin, gen);
	char hdr[HDR + 1];
	size_t i;

	snprintf(hdr, sizeof(hdr), "DL %s gen %" PRIu32 " seed %" PRIu64 "\n", origin, gen, seed);
	memset(hdr + strlen(hdr), '#', HDR - strlen(hdr));
	for (i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (o < HDR)
			buf[i] = (unsigned char)hdr[o];
		else
			buf[i] = (unsigned char)(mix64(key + (o >> 3)) >> ((o & 7) * 8));
	}
}

/* ------------------------------------------------------------ states */

struct state {
	bool present;
	char origin[MAX_NAME];
	uint32_t gen;
	uint64_t size;
};

static void state_str(const struct state *s, char *buf, size_t len)
{
	if (!s->present)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s:%" PRIu32 ":%" PRIu64, s->origin, s->gen, s->size);
}

static int index_of(const char *name);

static bool state_parse(const char *s, struct state *st)
{
	unsigned long long size;
	unsigned int gen;
	int n = 0;

	memset(st, 0, sizeof(*st));
	if (!strcmp(s, "-"))
		return true;
	if (strlen(s) < 7 || s[6] != ':')
		return false;
	memcpy(st->origin, s, 6);
	st->origin[6] = '\0';
	if (index_of(st->origin) < 0 || s[7] < '0' || s[7] > '9')
		return false;
	if (sscanf(s + 6, ":%u:%llu%n", &gen, &size, &n) != 2 || s[6 + n] || !gen || size > 2ULL * MAX_SIZE)
		return false;
	st->present = true;
	st->gen = gen;
	st->size = size;
	return true;
}

/* name index <-> "dD/fNN" */
static int nfiles = 12;

static void name_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "d%u/f%02u", (unsigned int)(i / nfiles) % 10, (unsigned int)(i % nfiles) % 100);
}

static int index_of(const char *name)
{
	int d, f, n = 0;

	if (sscanf(name, "d%1d/f%2d%n", &d, &f, &n) != 2 || n != 6 || name[n] || d < 0 || d >= NDIRS ||
	    f < 0 || f >= nfiles || name[4] < '0' || name[5] < '0')
		return -1;
	return d * nfiles + f;
}

/* ------------------------------------------------------------ run mode */

struct file {
	struct state st;
	bool name_durable;	/* its directory entry (or its absence) is durable */
	bool data_durable;	/* its contents were synced since they changed */
	uint64_t last_op;	/* op that gave it st (0: never touched) */
	uint64_t durable_op;	/* last op recorded durable */
};

struct run {
	const char *dir;
	const char *mark_dev;
	const char *status_path;
	const char *manifest;
	FILE *man;
	uint64_t seed, rng;
	int nnames;
	struct file f[NDIRS * MAX_FILES];
	int dirfd[NDIRS], topfd, ctl;
	uint64_t op, syncs, marks;
	uint32_t gen;
	uint64_t pause_at[MAX_PAUSES];	/* ascending */
	int npauses, next_pause;
	unsigned long n_write, n_append, n_rename, n_over, n_unlink, n_dirsync, n_nosync;
	unsigned char buf[MAX_SIZE];
};

static uint64_t rnd(struct run *r)
{
	r->rng = mix64(r->rng);
	return r->rng;
}

static unsigned int rnd_below(struct run *r, unsigned int n)
{
	return (unsigned int)(rnd(r) % n);
}

static void man_line(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void man_line(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(r->man, fmt, ap);
	va_end(ap);
	if (fputc('\n', r->man) == EOF || fflush(r->man))
		die(EX_FAIL, "writing the manifest: %s", strerror(errno));
}

static void status(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void status(struct run *r, const char *fmt, ...)
{
	char line[512], tmp[4096];
	va_list ap;
	int fd, n;

	if (!r->status_path)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		die(EX_FAIL, "formatting a status line failed");
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* A poller must never see the file empty or half written: rename. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", r->status_path) >= (int)sizeof(tmp))
		die(EX_USAGE, "status file path too long: %s", r->status_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, (size_t)n) != n || close(fd) < 0 ||
	    rename(tmp, r->status_path) < 0)
		die(EX_FAIL, "writing the status file %s: %s", r->status_path, strerror(errno));
}

/* a dm-log-writes mark through DM_TARGET_MSG */
static void log_mark(struct run *r, const char *mark)
{
	static union {
		struct dm_ioctl io;
		char raw[sizeof(struct dm_ioctl) + sizeof(struct dm_target_msg) + 64];
	} u;
	struct dm_target_msg *msg;

	if (!strcmp(r->mark_dev, "-"))
		return;
	memset(&u, 0, sizeof(u));
	u.io.version[0] = DM_VERSION_MAJOR;
	u.io.data_size = sizeof(u);
	u.io.data_start = sizeof(u.io);
	snprintf(u.io.name, sizeof(u.io.name), "%s", r->mark_dev);
	msg = (struct dm_target_msg *)(u.raw + sizeof(u.io));
	msg->sector = 0;
	snprintf(msg->message, sizeof(u.raw) - sizeof(u.io) - sizeof(*msg), "mark %s", mark);
	if (ioctl(r->ctl, DM_TARGET_MSG, &u.io) < 0)
		die(EX_FAIL, "mark %s on %s: %s", mark, r->mark_dev, strerror(errno));
}

/* after a sync returned: record what is durable now, then log a mark */
static void after_sync(struct run *r)
{
	char name[MAX_NAME], mark[16];
	int i;

	for (i = 0; i < r->nnames; i++) {
		struct file *f = &r->f[i];

		if (!f->last_op || f->durable_op == f->last_op)
			continue;
		if (!f->name_durable || (f->st.present && !f->data_durable))
			continue;
		name_of(i, name, sizeof(name));
		man_line(r, "durable %s %" PRIu64, name, f->last_op);
		f->durable_op = f->last_op;
	}
	snprintf(mark, sizeof(mark), "d%06" PRIu64, r->marks++);
	log_mark(r, mark);
	man_line(r, "mark %s", mark);
}

/*
 * --pause-before-sync: before an operation that will write a file and sync
 * it as sync number K or later (K the next pause point), wait for SIGUSR1.
 * The data is written after the wait, so the sync finds it dirty whatever
 * background writeback did meanwhile.  One pause per operation; pause
 * points it has passed meanwhile are dropped.
 */
static void maybe_pause(struct run *r, const char *name)
{
	sigset_t set;
	int sig, rc;

	if (r->next_pause >= r->npauses || r->syncs + 1 < r->pause_at[r->next_pause])
		return;
	while (r->next_pause < r->npauses && r->pause_at[r->next_pause] <= r->syncs + 1)
		r->next_pause++;
	status(r, "pause %" PRIu64 " %s", r->syncs + 1, name);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	rc = sigwait(&set, &sig);
	if (rc)
		die(EX_FAIL, "sigwait: %s", strerror(rc));
}

static void do_fsync(struct run *r, int fd, bool data_only, const char *what)
{
	uint64_t k = ++r->syncs;

	status(r, "sync %" PRIu64 " %s", k, what);
	if ((data_only ? fdatasync(fd) : fsync(fd)) < 0)
		die(EX_FAIL, "sync %" PRIu64 ": %s of %s: %s", k, data_only ? "fdatasync" : "fsync", what,
		    strerror(errno));
	status(r, "synced %" PRIu64, k);
}

static void dir_sync(struct run *r, int d)
{
	int i;

	do_fsync(r, r->dirfd[d], false, "dir");
	for (i = d * nfiles; i < (d + 1) * nfiles; i++)
		r->f[i].name_durable = true;
	r->n_dirsync++;
	after_sync(r);
}

static void file_sync(struct run *r, int i, int fd, bool data_only)
{
	char name[MAX_NAME];

	name_of(i, name, sizeof(name));
	do_fsync(r, fd, data_only, name);
	r->f[i].data_durable = true;
	after_sync(r);
}

static int open_name(struct run *r, int i, int flags)
{
	char name[MAX_NAME];
	int fd;

	name_of(i, name, sizeof(name));
	fd = openat(r->dirfd[i / nfiles], name + 3, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		die(EX_FAIL, "open %s/%s: %s", r->dir, name, strerror(errno));
	return fd;
}

static void write_all(int fd, const unsigned char *buf, size_t len, const char *name)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(EX_FAIL, "write %s: %s", name, n < 0 ? strerror(errno) : "no progress");
		buf += n;
		len -= (size_t)n;
	}
}

static void record(struct run *r, int i, const char *kind)
{
	char name[MAX_NAME], st[64];

	name_of(i, name, sizeof(name));
	state_str(&r->f[i].st, st, sizeof(st));
	r->f[i].last_op = r->op;
	man_line(r, "op %" PRIu64 " %s %s %s", r->op, name, st, kind);
}

/* the index of a random present name (or absent if @want_present is false), or -1 */
static int pick(struct run *r, bool want_present)
{
	int i, start = (int)rnd_below(r, (unsigned int)r->nnames);

	for (i = 0; i < r->nnames; i++) {
		int k = (start + i) % r->nnames;

		if (r->f[k].st.present == want_present)
			return k;
	}
	return -1;
}

static bool want_sync(struct run *r)
{
	if (rnd_below(r, 100) < 80)
		return true;
	r->n_nosync++;
	return false;
}

/*
 * The end of a write or append of file @i, open as @fd: with @sync, sync
 * the file, then its directory if its entry is not durable yet; close.
 */
static void file_op_done(struct run *r, int i, int fd, bool sync, bool data_only)
{
	char name[MAX_NAME];

	if (sync) {
		file_sync(r, i, fd, data_only);
		if (!r->f[i].name_durable)
			dir_sync(r, i / nfiles);
	}
	if (close(fd) < 0) {
		name_of(i, name, sizeof(name));
		die(EX_FAIL, "close %s: %s", name, strerror(errno));
	}
}

static void op_write(struct run *r, int i)
{
	struct file *f = &r->f[i];
	char name[MAX_NAME];
	uint64_t size = rnd_below(r, 2) ? 1 + rnd_below(r, 4096) : 1 + rnd_below(r, 32768);
	bool created = !f->st.present, sync = want_sync(r), data_only = sync && rnd_below(r, 2);
	int fd;

	name_of(i, name, sizeof(name));
	if (sync)
		maybe_pause(r, name);
	fd = open_name(r, i, O_WRONLY | O_CREAT | O_TRUNC);
	f->st.present = true;
	snprintf(f->st.origin, sizeof(f->st.origin), "%s", name);
	f->st.gen = ++r->gen;
	f->st.size = size;
	f->data_durable = false;
	if (created)
		f->name_durable = false;
	stream_fill(r->seed, name, f->st.gen, 0, r->buf, size);
	write_all(fd, r->buf, size, name);
	record(r, i, "write");
	r->n_write++;
	file_op_done(r, i, fd, sync, data_only);
}

static void op_append(struct run *r, int i)
{
	struct file *f = &r->f[i];
	char name[MAX_NAME];
	uint64_t add = 1 + rnd_below(r, 8192);
	bool sync, data_only;
	int fd;

	if (f->st.size + add > MAX_SIZE) {
		op_write(r, i);
		return;
	}
	sync = want_sync(r);
	data_only = sync && rnd_below(r, 4) != 0;
	name_of(i, name, sizeof(name));
	if (sync)
		maybe_pause(r, name);
	fd = open_name(r, i, O_WRONLY | O_APPEND);
	stream_fill(r->seed, f->st.origin, f->st.gen, f->st.size, r->buf, add);
	write_all(fd, r->buf, add, name);
	f->st.size += add;
	f->data_durable = false;
	record(r, i, "append");
	r->n_append++;
	file_op_done(r, i, fd, sync, data_only);
}

static void op_rename(struct run *r, int src)
{
	struct file *s = &r->f[src], *t;
	char sname[MAX_NAME], tname[MAX_NAME];
	int dst;

	/* half of them over an existing file, if there is one */
	dst = -1;
	if (rnd_below(r, 2)) {
		int k, start = (int)rnd_below(r, (unsigned int)r->nnames);

		for (k = 0; k < r->nnames && dst < 0; k++) {
			int j = (start + k) % r->nnames;

			if (j != src && r->f[j].st.present)
				dst = j;
		}
	}
	while (dst < 0 || dst == src)
		dst = (int)rnd_below(r, (unsigned int)r->nnames);
	t = &r->f[dst];
	name_of(src, sname, sizeof(sname));
	name_of(dst, tname, sizeof(tname));
	/* only durable contents are renamed: a crash shows the old or the new entry */
	if (!s->data_durable) {
		int fd = open_name(r, src, O_RDONLY);

		file_sync(r, src, fd, false);
		close(fd);
	}
	if (renameat(r->dirfd[src / nfiles], sname + 3, r->dirfd[dst / nfiles], tname + 3) < 0)
		die(EX_FAIL, "rename %s -> %s: %s", sname, tname, strerror(errno));
	r->n_rename++;
	r->n_over += t->st.present;
	t->st = s->st;
	t->data_durable = true;
	t->name_durable = false;
	memset(&s->st, 0, sizeof(s->st));
	s->name_durable = false;
	record(r, dst, "rename-to");
	record(r, src, "rename-from");
	if (want_sync(r)) {
		dir_sync(r, dst / nfiles);
		if (src / nfiles != dst / nfiles)
			dir_sync(r, src / nfiles);
	}
}

static void op_unlink(struct run *r, int i)
{
	char name[MAX_NAME];

	name_of(i, name, sizeof(name));
	if (unlinkat(r->dirfd[i / nfiles], name + 3, 0) < 0)
		die(EX_FAIL, "unlink %s: %s", name, strerror(errno));
	r->n_unlink++;
	memset(&r->f[i].st, 0, sizeof(r->f[i].st));
	r->f[i].name_durable = false;
	record(r, i, "unlink");
	if (want_sync(r))
		dir_sync(r, i / nfiles);
}

static int run(struct run *r, uint64_t ops)
{
	char path[4096];
	int d, i;

	r->rng = mix64(r->seed);
	r->nnames = NDIRS * nfiles;
	if (strcmp(r->mark_dev, "-")) {
		r->ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
		if (r->ctl < 0)
			die(EX_FAIL, "/dev/mapper/control: %s", strerror(errno));
	}
	if (r->npauses) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		if (sigprocmask(SIG_BLOCK, &set, NULL))
			die(EX_FAIL, "sigprocmask: %s", strerror(errno));
	}
	r->topfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->topfd < 0)
		die(EX_FAIL, "open %s: %s", r->dir, strerror(errno));
	r->man = fopen(r->manifest, "wx");
	if (!r->man)
		die(EX_FAIL, "%s: cannot create the manifest (it must not exist): %s", r->manifest,
		    strerror(errno));
	man_line(r, "durable-load 1 seed=%" PRIu64 " files=%d", r->seed, nfiles);
	for (d = 0; d < NDIRS; d++) {
		snprintf(path, sizeof(path), "d%d", d);
		if (mkdirat(r->topfd, path, 0755) < 0)
			die(EX_FAIL, "mkdir %s/%s: %s", r->dir, path, strerror(errno));
		r->dirfd[d] = openat(r->topfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (r->dirfd[d] < 0)
			die(EX_FAIL, "open %s/%s: %s", r->dir, path, strerror(errno));
	}
	/* the directories themselves are durable from the first mark on */
	do_fsync(r, r->topfd, false, "dir");
	after_sync(r);
	for (r->op = 1; r->op <= ops; r->op++) {
		unsigned int c = rnd_below(r, 100);

		i = pick(r, true);
		if (c < 35 || i < 0) {
			op_write(r, (int)rnd_below(r, (unsigned int)r->nnames));
		} else if (c < 55) {
			op_append(r, i);
		} else if (c < 70) {
			op_rename(r, i);
		} else if (c < 85) {
			op_unlink(r, i);
		} else {
			dir_sync(r, (int)rnd_below(r, NDIRS));
		}
	}
	/* everything durable: syncfs, then every name's state is recorded */
	status(r, "sync %" PRIu64 " syncfs", ++r->syncs);
	if (syncfs(r->topfd) < 0)
		die(EX_FAIL, "syncfs %s: %s", r->dir, strerror(errno));
	for (i = 0; i < r->nnames; i++) {
		r->f[i].name_durable = true;
		r->f[i].data_durable = true;
	}
	after_sync(r);
	man_line(r, "end");
	status(r, "done");
	printf("durable-load: ops=%" PRIu64 " syncs=%" PRIu64 " marks=%" PRIu64
	       " writes=%lu appends=%lu renames=%lu (over an existing file %lu) unlinks=%lu"
	       " dir_syncs=%lu unsynced_ops=%lu\n",
	       ops, r->syncs, r->marks, r->n_write, r->n_append, r->n_rename, r->n_over, r->n_unlink,
	       r->n_dirsync, r->n_nosync);
	return EX_OK;
}

/* ------------------------------------------------------------ check mode */

enum rec_type { R_OP, R_DURABLE, R_MARK, R_END };
enum op_kind { K_WRITE, K_APPEND, K_RENAME_TO, K_RENAME_FROM, K_UNLINK };
static const char *const kind_names[] = { "write", "append", "rename-to", "rename-from", "unlink" };

struct rec {
	enum rec_type type;
	uint64_t op;
	int name;
	enum op_kind kind;
	struct state st;
	char mark[32];
};

struct manifest {
	const char *path;
	uint64_t seed;
	struct rec *r;
	size_t n, cap;
};

static void __attribute__((format(printf, 3, 4), noreturn)) bad_line(const struct manifest *m, size_t line,
								      const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s:%zu: ", prog, m->path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EX_MANIFEST);
}

static void manifest_read(struct manifest *m)
{
	char line[512], name[32], st[64], kind[32];
	size_t lineno = 0;
	FILE *f = fopen(m->path, "r");
	bool ended = false;

	if (!f)
		die(EX_MANIFEST, "%s: cannot open the manifest: %s", m->path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct rec rc;
		unsigned long long op;
		int n = 0, files;

		lineno++;
		if (!strchr(line, '\n'))
			bad_line(m, lineno, "line too long or not terminated");
		*strchr(line, '\n') = '\0';
		memset(&rc, 0, sizeof(rc));
		if (lineno == 1) {
			unsigned long long seed;

			if (sscanf(line, "durable-load 1 seed=%llu files=%d%n", &seed, &files, &n) != 2 ||
			    line[n] || files < 1 || files > MAX_FILES)
				bad_line(m, lineno, "not a durable-load manifest header: '%s'", line);
			m->seed = seed;
			nfiles = files;
			continue;
		}
		if (ended)
			bad_line(m, lineno, "a line after 'end'");
		if (sscanf(line, "op %llu %31s %63s %31s%n", &op, name, st, kind, &n) == 4 && !line[n]) {
			size_t k;

			rc.type = R_OP;
			rc.op = op;
			rc.name = index_of(name);
			if (rc.name < 0)
				bad_line(m, lineno, "bad name '%s'", name);
			if (!state_parse(st, &rc.st))
				bad_line(m, lineno, "bad state '%s'", st);
			for (k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
				if (!strcmp(kind, kind_names[k]))
					break;
			if (k == sizeof(kind_names) / sizeof(kind_names[0]))
				bad_line(m, lineno, "bad kind '%s'", kind);
			rc.kind = (enum op_kind)k;
			if ((rc.kind == K_UNLINK || rc.kind == K_RENAME_FROM) == rc.st.present)
				bad_line(m, lineno, "state '%s' does not go with '%s'", st, kind);
		} else if (sscanf(line, "durable %31s %llu%n", name, &op, &n) == 2 && !line[n]) {
			rc.type = R_DURABLE;
			rc.op = op;
			rc.name = index_of(name);
			if (rc.name < 0)
				bad_line(m, lineno, "bad name '%s'", name);
		} else if (sscanf(line, "mark %31s%n", rc.mark, &n) == 1 && !line[n]) {
			rc.type = R_MARK;
		} else if (!strcmp(line, "end")) {
			rc.type = R_END;
			ended = true;
		} else {
			bad_line(m, lineno, "unknown line '%s'", line);
		}
		if (m->n == m->cap) {
			m->cap = m->cap ? 2 * m->cap : 1024;
			m->r = realloc(m->r, m->cap * sizeof(*m->r));
			if (!m->r)
				die(EX_MANIFEST, "out of memory");
		}
		m->r[m->n++] = rc;
	}
	if (ferror(f))
		die(EX_MANIFEST, "%s: read error: %s", m->path, strerror(errno));
	fclose(f);
	if (!lineno)
		die(EX_MANIFEST, "%s: empty manifest", m->path);
}

/* a state a name may be found in: content (origin, gen) of size lo..hi, or absent */
struct cand {
	struct state st;	/* st.size unused */
	uint64_t lo, hi;
	uint64_t intact;	/* bytes below this offset must not be torn */
	const char *why;	/* "durable" or the kind of the op */
	uint64_t op;
};

struct checker {
	const char *dir;
	struct manifest *m;
	bool verbose;
	unsigned long exact, flux, fails, torn_blocks;
	unsigned char *got, *want;
};

static void fail(struct checker *c, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct checker *c, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	c->fails++;
}

static bool all_zero(const unsigned char *b, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/*
 * Are the @s bytes read the first @s bytes of the stream of @st?  A block
 * of ZBLOCK bytes may instead hold the stream up to some byte at or past
 * @intact and zeros from there to its end: a version of that block written
 * when the file was shorter (the kernel writes zeros past EOF), or never
 * written (an unwritten extent reads as zeros).  Below @intact the bytes
 * were durable before anything now in flux touched the file, so they must
 * be exact.  *@torn counts such blocks.
 */
static bool matches(struct checker *c, const struct state *st, uint64_t s, uint64_t intact,
		    uint64_t *first_diff, uint64_t *torn)
{
	uint64_t b;

	*torn = 0;
	stream_fill(c->m->seed, st->origin, st->gen, 0, c->want, s);
	if (!memcmp(c->got, c->want, s))
		return true;
	for (b = 0; b < s; b += ZBLOCK) {
		uint64_t n = s - b < ZBLOCK ? s - b : ZBLOCK, i;

		if (!memcmp(c->got + b, c->want + b, n))
			continue;
		for (i = b; c->got[i] == c->want[i]; i++)
			;
		if (i >= intact && all_zero(c->got + i, b + n - i)) {
			(*torn)++;
			continue;
		}
		*first_diff = i;
		return false;
	}
	return true;
}

/* what the header of the bytes found says, for a message */
static void describe(const unsigned char *b, uint64_t s, char *out, size_t len)
{
	uint64_t i;

	if (s >= 3 && !memcmp(b, "DL ", 3)) {
		for (i = 0; i < s && i < HDR && b[i] != '\n' && b[i] >= 0x20 && b[i] < 0x7f; i++)
			;
		snprintf(out, len, "its header says '%.*s'", (int)i, (const char *)b);
		return;
	}
	for (i = 0; i < s && !b[i]; i++)
		;
	if (s && i == s)
		snprintf(out, len, "all %" PRIu64 " bytes are zero", s);
	else
		snprintf(out, len, "no durable-load header");
}

static void check_name(struct checker *c, int n, const struct cand *cands, int nc, bool dir_missing)
{
	char name[MAX_NAME], path[4096 + 32], want[64], desc[128];
	bool strict = nc == 1;
	struct stat sb;
	uint64_t s, diff = 0, zb;
	int fd, k;

	name_of(n, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	if (strict)
		c->exact++;
	else
		c->flux++;
	if (dir_missing || lstat(path, &sb) < 0) {
		if (!dir_missing && errno != ENOENT) {
			fail(c, name, "lstat: %s", strerror(errno));
			return;
		}
		for (k = 0; k < nc; k++)
			if (!cands[k].st.present) {
				if (c->verbose)
					printf("ok %s absent (%s, op %" PRIu64 ")\n", name, cands[k].why, cands[k].op);
				return;
			}
		state_str(&cands[0].st, want, sizeof(want));
		if (strict)
			fail(c, name, "missing; durable since op %" PRIu64 " as %s", cands[0].op, want);
		else
			fail(c, name, "missing; durable as %s (op %" PRIu64 ") and no later operation removed it",
			     want, cands[0].op);
		return;
	}
	if (!S_ISREG(sb.st_mode)) {
		fail(c, name, "not a regular file (mode 0%o)", (unsigned int)sb.st_mode);
		return;
	}
	s = (uint64_t)sb.st_size;
	if (s > 2 * MAX_SIZE) {
		fail(c, name, "%" PRIu64 " bytes, more than any file the workload writes", s);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fail(c, name, "open: %s", strerror(errno));
		return;
	}
	{
		uint64_t got = 0;

		while (got < s) {
			ssize_t r = pread(fd, c->got + got, s - got, (off_t)got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				fail(c, name, "read at byte %" PRIu64 " of %" PRIu64 ": %s", got, s,
				     r < 0 ? strerror(errno) : "end of file");
				close(fd);
				return;
			}
			got += (uint64_t)r;
		}
	}
	close(fd);
	for (k = 0; k < nc; k++) {
		const struct cand *cd = &cands[k];

		if (!cd->st.present || s < cd->lo || s > cd->hi)
			continue;
		if (matches(c, &cd->st, s, cd->intact, &diff, &zb)) {
			if (c->verbose)
				printf("ok %s %s:%" PRIu32 ":%" PRIu64 " (%s, op %" PRIu64 ")%s\n", name,
				       cd->st.origin, cd->st.gen, s, cd->why, cd->op,
				       zb ? " with torn blocks" : "");
			c->torn_blocks += zb;
			return;
		}
	}
	describe(c->got, s, desc, sizeof(desc));
	if (strict) {
		const struct cand *cd = &cands[0];

		state_str(&cd->st, want, sizeof(want));
		if (!cd->st.present && !cd->op)
			fail(c, name, "exists (%" PRIu64 " bytes, %s); no operation made it before this point",
			     s, desc);
		else if (!cd->st.present)
			fail(c, name, "exists (%" PRIu64 " bytes, %s); absent durably since op %" PRIu64,
			     s, desc, cd->op);
		else if (s != cd->lo)
			fail(c, name, "%" PRIu64 " bytes (%s); durable since op %" PRIu64 " as %s",
			     s, desc, cd->op, want);
		else
			fail(c, name, "wrong bytes from byte %" PRIu64 " on (%s); durable since op %" PRIu64
			     " as %s", diff, desc, cd->op, want);
		return;
	}
	fail(c, name, "%" PRIu64 " bytes (%s) match none of the %d states it may be in:", s, desc, nc);
	for (k = 0; k < nc; k++) {
		const struct cand *cd = &cands[k];
		char at[64] = "";

		if (cd->st.present && s >= cd->lo && s <= cd->hi && !matches(c, &cd->st, s, cd->intact, &diff, &zb))
			snprintf(at, sizeof(at), ": differs at byte %" PRIu64, diff);
		state_str(&cd->st, want, sizeof(want));
		printf("FAIL:   %s: %s, sizes %" PRIu64 "..%" PRIu64 " (%s, op %" PRIu64 ")%s\n", name, want,
		       cd->lo, cd->hi, cd->why, cd->op, at);
	}
}

/* unexpected entries in DIR/dD */
static void check_dir(struct checker *c, int d, bool *missing)
{
	char path[4096 + 8], name[300];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/d%d", c->dir, d);
	dir = opendir(path);
	*missing = !dir;
	if (!dir) {
		if (errno != ENOENT) {
			snprintf(name, sizeof(name), "d%d", d);
			fail(c, name, "opendir: %s", strerror(errno));
		}
		return;
	}
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(name, sizeof(name), "d%d/%.250s", d, e->d_name);
		if (index_of(name) < 0)
			fail(c, name, "an entry the workload never made");
	}
	closedir(dir);
}

static int check(const char *dir, const char *manifest, const char *mark, bool after, bool verbose)
{
	struct manifest m = { .path = manifest };
	struct checker c = { .dir = dir, .m = &m, .verbose = verbose };
	size_t mark_pos = 0, limit, i;
	bool missing[NDIRS], before_first = after && !strcmp(mark, "-");
	struct cand *cands;
	int n, d;

	manifest_read(&m);
	if (!before_first) {
		for (i = 0; i < m.n; i++)
			if (m.r[i].type == R_MARK && !strcmp(m.r[i].mark, mark))
				break;
		if (i == m.n)
			die(EX_MANIFEST, "%s: no mark '%s'", manifest, mark);
		mark_pos = i;
	}
	limit = mark_pos;
	if (after)
		for (limit = before_first ? 0 : mark_pos + 1; limit < m.n && m.r[limit].type != R_MARK; limit++)
			;
	c.got = malloc(2 * MAX_SIZE);
	c.want = malloc(2 * MAX_SIZE);
	cands = calloc(m.n + 1, sizeof(*cands));
	if (!c.got || !c.want || !cands)
		die(EX_MANIFEST, "out of memory");

	for (d = 0; d < NDIRS; d++) {
		check_dir(&c, d, &missing[d]);
		if (missing[d] && !before_first) {
			char name[8];

			snprintf(name, sizeof(name), "d%d", d);
			fail(&c, name, "directory missing; durable since the first mark");
		}
	}
	for (n = 0; n < NDIRS * nfiles; n++) {
		uint64_t durable_op = 0;
		struct cand *prev;
		int nc = 1;

		for (i = 0; i < mark_pos; i++)
			if (m.r[i].type == R_DURABLE && m.r[i].name == n)
				durable_op = m.r[i].op;
		memset(&cands[0], 0, sizeof(cands[0]));
		cands[0].why = "durable";
		cands[0].op = durable_op;
		if (durable_op) {
			for (i = 0; i < mark_pos; i++)
				if (m.r[i].type == R_OP && m.r[i].name == n && m.r[i].op == durable_op)
					break;
			if (i == mark_pos) {
				char name[MAX_NAME];

				name_of(n, name, sizeof(name));
				die(EX_MANIFEST, "%s: '%s' durable at op %" PRIu64 ", which is not in it",
				    manifest, name, durable_op);
			}
			cands[0].st = m.r[i].st;
			cands[0].lo = cands[0].hi = cands[0].intact = m.r[i].st.size;
		}
		prev = &cands[0];
		for (i = 0; i < limit; i++) {
			const struct rec *rc = &m.r[i];
			struct cand *cd = &cands[nc];

			if (rc->type != R_OP || rc->name != n || rc->op <= durable_op)
				continue;
			cd->st = rc->st;
			cd->why = kind_names[rc->kind];
			cd->op = rc->op;
			cd->hi = rc->st.size;
			/*
			 * What stays intact: nothing of a rewrite; for an append,
			 * what was intact under the state it extends (the durable
			 * bytes an unsynced append chain started from); all of a
			 * rename's contents, which were fsynced before the rename.
			 */
			switch (rc->kind) {
			case K_WRITE:
				cd->lo = 0;
				cd->intact = 0;
				break;
			case K_APPEND:
				cd->lo = prev->st.present ? prev->hi : 0;
				cd->intact = prev->st.present ? prev->intact : 0;
				break;
			default:
				cd->lo = rc->st.size;
				cd->intact = rc->st.size;
				break;
			}
			prev = cd;
			nc++;
		}
		check_name(&c, n, cands, nc, missing[n / nfiles]);
	}
	printf("check %s%s: %d names: %lu exact, %lu in flux (%lu torn blocks); %lu failure(s)\n",
	       after ? "after " : "at ", mark, NDIRS * nfiles, c.exact, c.flux, c.torn_blocks, c.fails);
	free(cands);
	free(c.got);
	free(c.want);
	free(m.r);
	return c.fails ? EX_FAIL : EX_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run", required_argument, NULL, 'r' },
		{ "check", required_argument, NULL, 'c' },
		{ "manifest", required_argument, NULL, 'M' },
		{ "mark-dev", required_argument, NULL, 'D' },
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "files", required_argument, NULL, 'f' },
		{ "status", required_argument, NULL, 'S' },
		{ "pause-before-sync", required_argument, NULL, 'p' },
		{ "mark", required_argument, NULL, 'm' },
		{ "after-mark", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *run_dir = NULL, *check_dir_path = NULL, *manifest = NULL, *mark = NULL;
	uint64_t ops = 60, files;
	bool after = false, verbose = false;
	struct run *r;
	int c;

	r = calloc(1, sizeof(*r));
	if (!r)
		die(EX_FAIL, "out of memory");
	r->seed = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': run_dir = optarg; break;
		case 'c': check_dir_path = optarg; break;
		case 'M': manifest = optarg; break;
		case 'D': r->mark_dev = optarg; break;
		case 's': r->seed = parse_u64("--seed", optarg); break;
		case 'n': ops = parse_u64("--ops", optarg); break;
		case 'f':
			files = parse_u64("--files", optarg);
			if (files < 1 || files > MAX_FILES)
				die(EX_USAGE, "--files %s: expected 1..%d", optarg, MAX_FILES);
			nfiles = (int)files;
			break;
		case 'S': r->status_path = optarg; break;
		case 'p': {
			uint64_t k = parse_u64("--pause-before-sync", optarg);

			if (!k)
				die(EX_USAGE, "--pause-before-sync counts from 1");
			if (r->npauses == MAX_PAUSES)
				die(EX_USAGE, "at most %d --pause-before-sync", MAX_PAUSES);
			if (r->npauses && k <= r->pause_at[r->npauses - 1])
				die(EX_USAGE, "--pause-before-sync %s: give them in ascending order", optarg);
			r->pause_at[r->npauses++] = k;
			break;
		}
		case 'm':
			if (mark)
				die(EX_USAGE, "give one of --mark and --after-mark, once");
			mark = optarg;
			break;
		case 'a':
			if (mark)
				die(EX_USAGE, "give one of --mark and --after-mark, once");
			mark = optarg;
			after = true;
			break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind < argc)
		die(EX_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
	if (!!run_dir == !!check_dir_path)
		die(EX_USAGE, "give one of --run DIR and --check DIR (see --help)");
	if (!manifest)
		die(EX_USAGE, "--manifest FILE is required");
	if (check_dir_path) {
		if (!mark)
			die(EX_USAGE, "--check needs --mark MARK or --after-mark MARK");
		if (!strcmp(mark, "-") && !after)
			die(EX_USAGE, "'-' (before the first mark) goes with --after-mark only");
		return check(check_dir_path, manifest, mark, after, verbose);
	}
	if (mark)
		die(EX_USAGE, "--mark and --after-mark go with --check");
	if (!r->mark_dev)
		die(EX_USAGE, "--run needs --mark-dev DMNAME ('-' for no marks)");
	r->dir = run_dir;
	r->manifest = manifest;
	return run(r, ops);
}
