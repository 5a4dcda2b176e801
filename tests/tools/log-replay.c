// SPDX-License-Identifier: GPL-2.0
/*
 * log-replay: list and replay a dm-log-writes log (the kernel's target
 * "log-writes", Documentation/admin-guide/device-mapper/log-writes.rst),
 * for the power-cut test tests/vm/pdm/powercut.sh.  Run with --help for
 * the usage.
 *
 * The log format (drivers/md/dm-log-writes.c), all fields little-endian:
 *
 *   byte 0:           super block { u64 magic; u64 version; u64 nr_entries;
 *                     u32 sectorsize; }, in a block of sectorsize bytes
 *   byte sectorsize:  entry 0, then entry 1, ... each one
 *                       a header block of sectorsize bytes:
 *                         { u64 sector; u64 nr_sectors; u64 flags; u64 data_len; }
 *                         and, for a mark, data_len bytes of its name
 *                       then, unless it is a discard, nr_sectors * sectorsize
 *                       bytes of the data written
 *
 * sector and nr_sectors count blocks of sectorsize bytes (the logical block
 * size of the logged device).  The kernel writes the super block again at
 * every FUA and mark entry and when the target is removed, so nr_entries
 * covers the whole log only after the target is gone.
 *
 * The log is untrusted input: everything read from it is checked (magic,
 * version, block size, flags, mark lengths, that every entry and its data
 * lie inside the log, that a replayed range lies inside the target) and a
 * violation ends the run with a message naming the entry and its offset.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/fs.h>
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

#define LW_MAGIC 0x6a736677736872ULL
#define LW_VERSION 1ULL
#define LW_FLUSH (1ULL << 0)
#define LW_FUA (1ULL << 1)
#define LW_DISCARD (1ULL << 2)
#define LW_MARK (1ULL << 3)
#define LW_METADATA (1ULL << 4)
#define LW_KNOWN_FLAGS (LW_FLUSH | LW_FUA | LW_DISCARD | LW_MARK | LW_METADATA)
#define LW_SUPER_BYTES 28	/* magic, version, nr_entries, sectorsize */
#define LW_ENTRY_BYTES 32	/* sector, nr_sectors, flags, data_len */
#define LW_MIN_BLOCK 512
#define LW_MAX_BLOCK 65536

/* exit codes, as documented in usage() */
enum {
	EX_OK = 0,
	EX_BADLOG = 1,
	EX_USAGE = 2,
	EX_TARGET = 3,
	EX_NOTFOUND = 4,
};

static const char *prog = "log-replay";
static const char *log_path;
static bool verbose;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: log-replay --log LOG --info\n"
		"       log-replay --log LOG --list [--start-entry N] [--end-entry M]\n"
		"       log-replay --log LOG --points\n"
		"       log-replay --log LOG --replay DEV [--start-entry N [--start-offset BYTES]]\n"
		"                  [--end-entry M | --end-mark NAME] [--discard zero|blkdiscard] [-v]\n"
		"\n"
		"Reads a dm-log-writes log (a device or a file) and lists or replays it.\n"
		"\n"
		"  --info          one line: entries=N sectorsize=S marks=M flush=F fua=U\n"
		"                  discards=D data_bytes=B (every entry is read and checked)\n"
		"  --list          one line per entry: INDEX SECTOR NR_SECTORS FLAGS [MARK],\n"
		"                  FLAGS a comma-separated subset of FLUSH,FUA,DISCARD,MARK,\n"
		"                  METADATA or '-'; SECTOR and NR_SECTORS in blocks of the\n"
		"                  log's sectorsize; a first line '# entries=N sectorsize=S'\n"
		"  --points        the entries a power cut can be checked at, one per line:\n"
		"                  'INDEX FLUSH|FUA|FLUSH,FUA' or 'INDEX MARK NAME'\n"
		"  --replay DEV    write entries START..END (both included) onto DEV (a\n"
		"                  device or a file, at least as large as every range\n"
		"                  replayed), fdatasync it, and print 'next INDEX OFFSET': the\n"
		"                  entry to start from next time and its byte offset in the\n"
		"                  log, for --start-entry/--start-offset (incremental replay\n"
		"                  without reading the log from its beginning again)\n"
		"  --start-entry N first entry (default 0)\n"
		"  --start-offset BYTES\n"
		"                  byte offset of entry N, as printed by an earlier --replay\n"
		"                  of the same log; without it the log is walked from entry 0\n"
		"  --end-entry M   last entry (default: the last one of the log)\n"
		"  --end-mark NAME replay up to and including the first mark NAME at or\n"
		"                  after START\n"
		"  --discard zero  a discard entry writes zeros over its range (default);\n"
		"          blkdiscard: it is sent to DEV as BLKDISCARD (a block device only)\n"
		"  -v, --verbose   --replay: each entry applied, on stderr\n"
		"  -h, --help      this text\n"
		"\n"
		"The log is checked as untrusted input: magic, version 1, a sectorsize that\n"
		"is a power of two from 512 to 65536, known flags only, marks that fit their\n"
		"block and are printable, data only on marks, every entry and its data\n"
		"inside the log, and every replayed range inside DEV.\n"
		"\n"
		"Exit status: 0 success; 1 the log is invalid (bad super block, corrupt or\n"
		"truncated entry, read error or short read of the log); 2 usage error;\n"
		"3 target error (DEV cannot be opened, sized or written, an entry lies\n"
		"outside it, or standard output cannot be written); 4 not found (--end-mark\n"
		"NAME not in the log after START, --start-entry or --end-entry past the last\n"
		"entry).\n");
}

#define die(code, ...) tool_die(prog, code, __VA_ARGS__)
#define parse_u64(opt, s) tool_parse_u64(prog, EX_USAGE, opt, s)

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* size in bytes of a block device or regular file, or -errno */
static int64_t fd_size(int fd)
{
	struct stat st;
	uint64_t bytes;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
			return -errno;
		return (int64_t)bytes;
	}
	if (S_ISREG(st.st_mode))
		return st.st_size;
	return -ENOTBLK;
}

/* exactly @len bytes at @off of the log, or die naming @what */
static void log_read(int fd, void *buf, size_t len, uint64_t off, const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EX_BADLOG, "%s: %s at byte %" PRIu64 ": read error: %s", log_path, what,
			    off + done, strerror(errno));
		if (n == 0)
			die(EX_BADLOG, "%s: %s at byte %" PRIu64 ": short read (%zu of %zu bytes)",
			    log_path, what, off, done, len);
		done += (size_t)n;
	}
}

struct log {
	int fd;
	uint64_t bytes;		/* size of the log device or file */
	uint64_t nr_entries;
	uint32_t bs;		/* sectorsize */
	unsigned char *block;	/* one header block */
};

struct entry {
	uint64_t index;
	uint64_t off;		/* byte offset of its header block */
	uint64_t sector;	/* in blocks of bs */
	uint64_t nr_sectors;
	uint64_t flags;
	uint64_t data_off;	/* byte offset of its data (if it has any) */
	uint64_t data_bytes;	/* data in the log: 0 for marks, flushes, discards */
	char mark[LW_MAX_BLOCK];
};

static void log_open(struct log *lg)
{
	unsigned char sb[LW_SUPER_BYTES];
	uint64_t magic, version, max_entries;
	int64_t sz;

	lg->fd = open(log_path, O_RDONLY | O_CLOEXEC);
	if (lg->fd < 0)
		die(EX_BADLOG, "%s: cannot open the log: %s", log_path, strerror(errno));
	sz = fd_size(lg->fd);
	if (sz < 0)
		die(EX_BADLOG, "%s: cannot get the size of the log: %s", log_path, strerror((int)-sz));
	lg->bytes = (uint64_t)sz;
	if (lg->bytes < LW_MIN_BLOCK)
		die(EX_BADLOG, "%s: %" PRIu64 " bytes: too small for a log super block", log_path, lg->bytes);
	log_read(lg->fd, sb, sizeof(sb), 0, "super block");
	magic = le64(sb);
	version = le64(sb + 8);
	lg->nr_entries = le64(sb + 16);
	lg->bs = le32(sb + 24);
	if (magic != LW_MAGIC)
		die(EX_BADLOG, "%s: super block: magic 0x%" PRIx64 ", not the dm-log-writes magic 0x%llx",
		    log_path, magic, LW_MAGIC);
	if (version != LW_VERSION)
		die(EX_BADLOG, "%s: super block: version %" PRIu64 ", only version %llu is known",
		    log_path, version, LW_VERSION);
	if (lg->bs < LW_MIN_BLOCK || lg->bs > LW_MAX_BLOCK || (lg->bs & (lg->bs - 1)))
		die(EX_BADLOG, "%s: super block: sectorsize %" PRIu32 " is not a power of two from %d to %d",
		    log_path, lg->bs, LW_MIN_BLOCK, LW_MAX_BLOCK);
	if (lg->bytes < 2ULL * lg->bs && lg->nr_entries)
		die(EX_BADLOG, "%s: %" PRIu64 " bytes: no room for an entry of %" PRIu32 " bytes",
		    log_path, lg->bytes, lg->bs);
	/* every entry takes at least its header block */
	max_entries = lg->bytes / lg->bs - 1;
	if (lg->nr_entries > max_entries)
		die(EX_BADLOG, "%s: super block: %" PRIu64 " entries cannot fit in %" PRIu64
		    " bytes (at most %" PRIu64 " blocks of %" PRIu32 ")",
		    log_path, lg->nr_entries, lg->bytes, max_entries, lg->bs);
	lg->block = malloc(lg->bs);
	if (!lg->block)
		die(EX_BADLOG, "out of memory");
}

static const char *flag_names(uint64_t flags, char *buf, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{ LW_FLUSH, "FLUSH" }, { LW_FUA, "FUA" }, { LW_DISCARD, "DISCARD" },
		{ LW_MARK, "MARK" }, { LW_METADATA, "METADATA" },
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", names[i].name);
		if (n >= len)
			break;
	}
	if (!n)
		snprintf(buf, len, "-");
	return buf;
}

/*
 * Read and check the entry at @e->off (index @e->index); fills @e.  Dies
 * with EX_BADLOG on anything that is not a well-formed entry inside the log.
 */
static void entry_read(struct log *lg, struct entry *e)
{
	const unsigned char *b = lg->block;
	uint64_t data_len, room, i;
	char what[64];

	snprintf(what, sizeof(what), "entry %" PRIu64, e->index);
	if (e->off % lg->bs || e->off < lg->bs)
		die(EX_BADLOG, "%s: %s: offset %" PRIu64 " is not a block boundary after the super block",
		    log_path, what, e->off);
	if (e->off > lg->bytes - lg->bs)
		die(EX_BADLOG, "%s: %s: header at byte %" PRIu64 " is past the end of the log (%" PRIu64
		    " bytes): the log is truncated or nr_entries (%" PRIu64 ") is wrong",
		    log_path, what, e->off, lg->bytes, lg->nr_entries);
	log_read(lg->fd, lg->block, lg->bs, e->off, what);
	e->sector = le64(b);
	e->nr_sectors = le64(b + 8);
	e->flags = le64(b + 16);
	data_len = le64(b + 24);
	e->mark[0] = '\0';
	e->data_off = e->off + lg->bs;
	e->data_bytes = 0;
	if (e->flags & ~LW_KNOWN_FLAGS)
		die(EX_BADLOG, "%s: %s at byte %" PRIu64 ": unknown flags 0x%" PRIx64,
		    log_path, what, e->off, (uint64_t)(e->flags & ~LW_KNOWN_FLAGS));
	if (e->flags & LW_MARK) {
		if (e->nr_sectors || e->sector)
			die(EX_BADLOG, "%s: %s at byte %" PRIu64 ": a mark with sector %" PRIu64
			    " nr_sectors %" PRIu64 " (a mark has neither)",
			    log_path, what, e->off, e->sector, e->nr_sectors);
		if (data_len > lg->bs - LW_ENTRY_BYTES - 1)
			die(EX_BADLOG, "%s: %s at byte %" PRIu64 ": mark of %" PRIu64
			    " bytes does not fit its %" PRIu32 "-byte block",
			    log_path, what, e->off, data_len, lg->bs);
		for (i = 0; i < data_len; i++) {
			unsigned char c = b[LW_ENTRY_BYTES + i];

			if (c < 0x21 || c > 0x7e)
				die(EX_BADLOG, "%s: %s at byte %" PRIu64 ": mark byte %" PRIu64
				    " is 0x%02x (not printable)", log_path, what, e->off, i, c);
			e->mark[i] = (char)c;
		}
		e->mark[data_len] = '\0';
		return;
	}
	if (data_len)
		die(EX_BADLOG, "%s: %s at byte %" PRIu64 ": data_len %" PRIu64
		    " on an entry that is not a mark (inline data is not supported)",
		    log_path, what, e->off, data_len);
	/* the data must lie inside the log; no overflow on the way */
	room = lg->bytes - e->data_off;
	if (e->nr_sectors > UINT64_MAX / lg->bs)
		die(EX_BADLOG, "%s: %s at byte %" PRIu64 ": nr_sectors %" PRIu64 " overflows",
		    log_path, what, e->off, e->nr_sectors);
	if (e->sector > UINT64_MAX / lg->bs - e->nr_sectors)
		die(EX_BADLOG, "%s: %s at byte %" PRIu64 ": sector %" PRIu64 " + %" PRIu64 " overflows",
		    log_path, what, e->off, e->sector, e->nr_sectors);
	if (e->flags & LW_DISCARD)
		return;
	e->data_bytes = e->nr_sectors * lg->bs;
	if (e->data_bytes > room)
		die(EX_BADLOG, "%s: %s at byte %" PRIu64 ": %" PRIu64 " bytes of data end past the end of the log (%"
		    PRIu64 " bytes)", log_path, what, e->off, e->data_bytes, lg->bytes);
}

/* the entry after @e: its index and offset */
static void entry_next(struct entry *e)
{
	e->off = e->data_off + e->data_bytes;
	e->index++;
}

struct target {
	const char *path;
	int fd;
	uint64_t bytes;
	bool blkdiscard;
	unsigned char *buf;
	size_t buflen;
};

static void target_write(struct target *t, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(t->fd, (const char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(EX_TARGET, "%s: write of %zu bytes at byte %" PRIu64 ": %s", t->path, len - done,
			    off + done, n < 0 ? strerror(errno) : "no progress");
		done += (size_t)n;
	}
}

static void replay_entry(struct log *lg, struct target *t, const struct entry *e)
{
	uint64_t dst = e->sector * lg->bs, len = e->nr_sectors * lg->bs, done;
	char fl[64];

	if (e->flags & LW_MARK || !e->nr_sectors)
		return;
	if (dst > t->bytes || len > t->bytes - dst)
		die(EX_TARGET, "%s: entry %" PRIu64 " at byte %" PRIu64 " (sector %" PRIu64 ", %" PRIu64
		    " sectors of %" PRIu32 " bytes) ends past the end of %s (%" PRIu64 " bytes)",
		    log_path, e->index, e->off, e->sector, e->nr_sectors, lg->bs, t->path, t->bytes);
	if (verbose)
		fprintf(stderr, "%s: entry %" PRIu64 ": %s sector %" PRIu64 " +%" PRIu64 "\n", prog,
			e->index, flag_names(e->flags, fl, sizeof(fl)), e->sector, e->nr_sectors);
	if (e->flags & LW_DISCARD) {
		if (t->blkdiscard) {
			uint64_t range[2] = { dst, len };

			if (ioctl(t->fd, BLKDISCARD, range) < 0)
				die(EX_TARGET, "%s: BLKDISCARD of %" PRIu64 " bytes at byte %" PRIu64 " (entry %"
				    PRIu64 "): %s", t->path, len, dst, e->index, strerror(errno));
			return;
		}
		memset(t->buf, 0, t->buflen);
		for (done = 0; done < len;) {
			size_t n = len - done < t->buflen ? (size_t)(len - done) : t->buflen;

			target_write(t, t->buf, n, dst + done);
			done += n;
		}
		return;
	}
	for (done = 0; done < len;) {
		size_t n = len - done < t->buflen ? (size_t)(len - done) : t->buflen;
		char what[64];

		snprintf(what, sizeof(what), "data of entry %" PRIu64, e->index);
		log_read(lg->fd, t->buf, n, e->data_off + done, what);
		target_write(t, t->buf, n, dst + done);
		done += n;
	}
}

enum mode { M_NONE, M_INFO, M_LIST, M_POINTS, M_REPLAY };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "info", no_argument, NULL, 'I' },
		{ "list", no_argument, NULL, 'L' },
		{ "points", no_argument, NULL, 'P' },
		{ "replay", required_argument, NULL, 'R' },
		{ "start-entry", required_argument, NULL, 's' },
		{ "start-offset", required_argument, NULL, 'o' },
		{ "end-entry", required_argument, NULL, 'e' },
		{ "end-mark", required_argument, NULL, 'm' },
		{ "discard", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum mode mode = M_NONE;
	struct target t = { .fd = -1 };
	uint64_t start = 0, start_off = 0, end = UINT64_MAX;
	bool have_start_off = false, have_end = false, found = false;
	const char *end_mark = NULL;
	uint64_t marks = 0, flushes = 0, fuas = 0, discards = 0, data = 0;
	struct log lg;
	struct entry *e;
	char fl[64];
	int c;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		enum mode m = M_NONE;

		switch (c) {
		case 'l': log_path = optarg; break;
		case 'I': m = M_INFO; break;
		case 'L': m = M_LIST; break;
		case 'P': m = M_POINTS; break;
		case 'R': m = M_REPLAY; t.path = optarg; break;
		case 's': start = parse_u64("--start-entry", optarg); break;
		case 'o': start_off = parse_u64("--start-offset", optarg); have_start_off = true; break;
		case 'e': end = parse_u64("--end-entry", optarg); have_end = true; break;
		case 'm': end_mark = optarg; break;
		case 'd':
			if (!strcmp(optarg, "blkdiscard"))
				t.blkdiscard = true;
			else if (strcmp(optarg, "zero"))
				die(EX_USAGE, "--discard '%s': expected zero or blkdiscard", optarg);
			break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
		if (m != M_NONE) {
			if (mode != M_NONE)
				die(EX_USAGE, "give one of --info, --list, --points, --replay");
			mode = m;
		}
	}
	if (optind < argc)
		die(EX_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
	if (!log_path)
		die(EX_USAGE, "--log LOG is required (see --help)");
	if (mode == M_NONE)
		die(EX_USAGE, "give one of --info, --list, --points, --replay (see --help)");
	if (have_end && end_mark)
		die(EX_USAGE, "--end-entry and --end-mark exclude each other");
	if (have_start_off && !start)
		die(EX_USAGE, "--start-offset needs --start-entry N with N > 0");
	if (mode != M_REPLAY && mode != M_LIST && (start || have_end || end_mark))
		die(EX_USAGE, "--start-entry, --end-entry and --end-mark go with --replay or --list");
	if (mode == M_LIST && (end_mark || have_start_off))
		die(EX_USAGE, "--list takes --start-entry and --end-entry only");
	if (mode != M_REPLAY && t.blkdiscard)
		die(EX_USAGE, "--discard goes with --replay");
	if (have_end && end < start)
		die(EX_USAGE, "--end-entry %" PRIu64 " is before --start-entry %" PRIu64, end, start);

	log_open(&lg);
	if (start >= lg.nr_entries && (start || mode == M_REPLAY))
		die(EX_NOTFOUND, "%s: --start-entry %" PRIu64 ": the log has %" PRIu64 " entries",
		    log_path, start, lg.nr_entries);
	if (have_end && end >= lg.nr_entries)
		die(EX_NOTFOUND, "%s: --end-entry %" PRIu64 ": the log has %" PRIu64 " entries (0..%" PRIu64 ")",
		    log_path, end, lg.nr_entries, lg.nr_entries ? lg.nr_entries - 1 : 0);
	if (!have_end)
		end = lg.nr_entries ? lg.nr_entries - 1 : 0;

	e = calloc(1, sizeof(*e));
	if (!e)
		die(EX_BADLOG, "out of memory");
	e->index = 0;
	e->off = lg.bs;
	if (have_start_off) {
		e->index = start;
		e->off = start_off;
	}
	/* walk up to the start entry, checking every entry on the way */
	while (e->index < start) {
		entry_read(&lg, e);
		entry_next(e);
	}

	if (mode == M_REPLAY) {
		int64_t sz;

		t.fd = open(t.path, O_WRONLY | O_CLOEXEC);
		if (t.fd < 0)
			die(EX_TARGET, "%s: cannot open the replay target: %s", t.path, strerror(errno));
		sz = fd_size(t.fd);
		if (sz < 0)
			die(EX_TARGET, "%s: cannot get its size: %s", t.path, strerror((int)-sz));
		t.bytes = (uint64_t)sz;
		t.buflen = 1 << 20;
		t.buf = malloc(t.buflen);
		if (!t.buf)
			die(EX_TARGET, "out of memory");
	}
	if (mode == M_LIST)
		printf("# entries=%" PRIu64 " sectorsize=%" PRIu32 "\n", lg.nr_entries, lg.bs);

	for (; lg.nr_entries && e->index <= end; entry_next(e)) {
		entry_read(&lg, e);
		switch (mode) {
		case M_INFO:
			marks += !!(e->flags & LW_MARK);
			flushes += !!(e->flags & LW_FLUSH);
			fuas += !!(e->flags & LW_FUA);
			discards += !!(e->flags & LW_DISCARD);
			data += e->data_bytes;
			break;
		case M_LIST:
			printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %s%s%s\n", e->index, e->sector,
			       e->nr_sectors, flag_names(e->flags, fl, sizeof(fl)),
			       e->flags & LW_MARK ? " " : "", e->mark);
			break;
		case M_POINTS:
			if (e->flags & LW_MARK)
				printf("%" PRIu64 " MARK %s\n", e->index, e->mark);
			else if (e->flags & (LW_FLUSH | LW_FUA))
				printf("%" PRIu64 " %s\n", e->index,
				       flag_names(e->flags & (LW_FLUSH | LW_FUA), fl, sizeof(fl)));
			break;
		case M_REPLAY:
			replay_entry(&lg, &t, e);
			if (end_mark && (e->flags & LW_MARK) && !strcmp(e->mark, end_mark)) {
				end = e->index;
				found = true;
			}
			break;
		case M_NONE:
			break;
		}
		if (ferror(stdout))
			die(EX_TARGET, "write error on standard output");
	}
	if (mode == M_REPLAY) {
		if (end_mark && !found)
			die(EX_NOTFOUND, "%s: no mark '%s' at or after entry %" PRIu64 " (the log has %" PRIu64
			    " entries)", log_path, end_mark, start, lg.nr_entries);
		if (fdatasync(t.fd) < 0)
			die(EX_TARGET, "%s: fdatasync: %s", t.path, strerror(errno));
		if (close(t.fd) < 0)
			die(EX_TARGET, "%s: close: %s", t.path, strerror(errno));
		printf("next %" PRIu64 " %" PRIu64 "\n", e->index, e->off);
	}
	if (mode == M_INFO)
		printf("entries=%" PRIu64 " sectorsize=%" PRIu32 " marks=%" PRIu64 " flush=%" PRIu64
		       " fua=%" PRIu64 " discards=%" PRIu64 " data_bytes=%" PRIu64 "\n",
		       lg.nr_entries, lg.bs, marks, flushes, fuas, discards, data);
	if (fflush(stdout) || ferror(stdout))
		die(EX_TARGET, "write error on standard output");
	return EX_OK;
}
