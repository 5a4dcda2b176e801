// SPDX-License-Identifier: GPL-2.0
/*
 * dm-paes: device-mapper target "paes", XTS-AES with CPACF protected keys
 * (on s390) or the pkey_emu firmware emulation (elsewhere).
 *
 * <start> <len> paes paes-xts-plain64 <key> <iv_offset> <dev> <offset>
 *	[<#opt> <opt>...]
 *
 * On disk the data is byte-identical to dm-crypt aes-xts-plain64 with the
 * clear key the protected key was made from.
 *
 * Why the read side uses the end_io hook and not private clones: dm core
 * already clones every bio for us, and an end_io hook may keep that clone
 * by returning DM_ENDIO_INCOMPLETE and finish it later with bio_endio().
 * Upstream relies on the same: dm-multipath for bio-based paths (6.1 and
 * 6.12) and dm-integrity's inline mode (6.12: a read whose tags fail is
 * rechecked in a worker that then ends the clone).  What we rely on is
 * dm core's clone_endio(): on DM_ENDIO_INCOMPLETE it returns with the clone
 * and its dm_io reference untouched, and a later bio_endio() of the clone
 * enters clone_endio() again, which calls end_io a second time
 * (PAES_IO_FINISHED then returns DM_ENDIO_DONE) before it frees the clone,
 * gives back its limit_swap_bios slot and completes the original.  The
 * VM suite runs this on 6.1 and 6.12.
 * So a read is only
 * remapped, no second clone and no extra allocation per read, and a read
 * whose key goes stale is held on the completion side with the data
 * already in its pages.  The bvec_iter is saved in map() because the lower
 * device advances the clone's iterator as it completes.  Writes need
 * bounce pages anyway and get their own clone, like in dm-crypt.
 *
 * Where the crypto runs: a bio alone in flight on the target is
 * transformed inline, a write in map() (the submitter's context), a read
 * in the completion context unless that is hard-irq or has irqs disabled.
 * With other I/O of the target in flight (pc->inflight > 1), for a bio
 * of PAES_ASYNC_BYTES or more, and for such completions, the crypto goes
 * to the unbound crypt_wq so that it spreads over the CPUs (see
 * paes_crypt_async()), and so do resumed parked bios; pc->wq has only
 * the key events and the timeout, so they never wait behind crypto.
 *
 * REQ_NOWAIT (DM_TARGET_NOWAIT): nothing in map() sleeps for such a bio;
 * a write that would wait for bounce pages goes to crypt_wq instead.
 */
#include <linux/blkdev.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/atomic.h>
#include <linux/vmalloc.h>
#include <crypto/algapi.h>

#include "dm-paes.h"

#define PAES_MIN_IOS	64
#define PAES_ASYNC_BYTES	(64 * 1024)	/* bios this large: crypt_wq */

/*
 * dm-crypt's workqueue tuning flags, accepted so that dm-crypt style
 * tables load, and echoed in the table line so that a copy of it loads the
 * same; dm-paes chooses where its crypto runs by itself.  The order is the
 * order of the table line.
 */
static const char * const paes_wq_opts[] = {
	"same_cpu_crypt", "submit_from_crypt_cpus", "no_read_workqueue",
	"no_write_workqueue",
};

/* index in paes_wq_opts[] (names are case-insensitive), or -1 */
static int paes_wq_opt(const char *o)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(paes_wq_opts); i++)
		if (!strcasecmp(o, paes_wq_opts[i]))
			return i;
	return -1;
}

static int paes_ctr_opts(struct dm_target *ti, struct paes_c *pc,
			 unsigned int argc, char **argv)
{
	bool seen_ss = false, seen_large = false, seen_disc = false;
	bool seen_to = false, seen_vp = false, seen_wq[4] = { }, *seen;
	unsigned int nopt, i, v;

	if (!argc)
		return 0;
	if (kstrtouint(argv[0], 10, &nopt)) {
		ti->error = "Invalid number of optional arguments";
		return -EINVAL;
	}
	if (nopt != argc - 1) {
		ti->error = "Number of optional arguments does not match <#opt>";
		return -EINVAL;
	}

	for (i = 1; i < argc; i++) {
		const char *o = argv[i];
		int wq = paes_wq_opt(o);

		if (wq >= 0) {
			/* dm-crypt's workqueue flags: no effect, echoed */
			seen = &seen_wq[wq];
			pc->wq_flags |= 1U << wq;
		} else if (!strcasecmp(o, "iv_large_sectors")) {
			seen = &seen_large;
			pc->iv_large_sectors = true;
		} else if (!strcasecmp(o, "allow_discards")) {
			seen = &seen_disc;
			ti->num_discard_bios = 1;
		} else if (!strncasecmp(o, "sector_size:", 12)) {
			seen = &seen_ss;
			if (kstrtouint(o + 12, 10, &v) || v < SECTOR_SIZE ||
			    v > 4096 || v > PAGE_SIZE || !is_power_of_2(v)) {
				ti->error = "Invalid sector_size (a power of two, 512..4096)";
				return -EINVAL;
			}
			pc->sector_size = v;
		} else if (!strncasecmp(o, "key_timeout:", 12)) {
			seen = &seen_to;
			if (kstrtouint(o + 12, 10, &v)) {
				ti->error = "Invalid key_timeout (milliseconds, 0 waits forever)";
				return -EINVAL;
			}
			pc->key_timeout_ms = v;
		} else if (!strncasecmp(o, "vp:", 3)) {
			/* checked against the key once that is parsed */
			seen = &seen_vp;
			if (strlen(o + 3) != 2 * PAES_VP_SIZE ||
			    hex2bin(pc->vp, o + 3, PAES_VP_SIZE)) {
				ti->error = "Invalid vp (the verification pattern: 32 hex digits)";
				return -EINVAL;
			}
			pc->have_vp = true;
		} else {
			ti->error = "Unknown optional argument";
			return -EINVAL;
		}
		if (*seen) {
			ti->error = "Duplicate optional argument";
			return -EINVAL;
		}
		*seen = true;
	}
	return 0;
}

static void paes_dtr(struct dm_target *ti)
{
	struct paes_c *pc = ti->private;
	LIST_HEAD(parked);

	ti->private = NULL;
	if (!pc)
		return;

	/*
	 * dm core guarantees no I/O here: nothing should be parked or in
	 * flight.  Should a bio still be parked, fail it rather than leak it.
	 */
	cancel_delayed_work_sync(&pc->timeout_work);
	spin_lock_irq(&pc->lock);
	list_splice_init(&pc->parked, &parked);
	pc->nr_parked = 0;
	spin_unlock_irq(&pc->lock);
	if (!list_empty(&parked)) {
		DMERR("destroying a target with parked I/O: failing it");
		paes_fail_parked(&parked, BLK_STS_IOERR);
	}
	cancel_work_sync(&pc->event_work);
	if (pc->crypt_wq)
		destroy_workqueue(pc->crypt_wq);
	if (pc->wq)
		destroy_workqueue(pc->wq);

	bioset_exit(&pc->bs);
	paes_bounce_exit(pc);
	if (pc->dev)
		dm_put_device(ti, pc->dev);
	kvfree(pc->lost_map);
	kfree(pc->key_desc);
	mutex_destroy(&pc->bio_alloc_lock);
	mutex_destroy(&pc->msg_lock);
	kfree_sensitive(pc);	/* holds the key */
}

static int paes_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	const char *devname = dm_table_device_name(ti->table);
	unsigned long long tmpll;
	struct paes_key key;
	char *err = NULL;
	u8 vp[PAES_VP_SIZE];
	char *desc = NULL;
	struct paes_c *pc;
	sector_t spb, dev_sectors;
	int r;

	memset(&key, 0, sizeof(key));
	if (argc < 5) {
		ti->error = "Not enough arguments (<cipher> <key> <iv_offset> <dev> <offset> [<#opt> <opt>...])";
		/* wipe a key given in a too short table all the same */
		if (argc >= 2 && argv[1][0] != ':')
			memset(argv[1], '0', strlen(argv[1]));
		return -EINVAL;
	}

	pc = kzalloc(sizeof(*pc), GFP_KERNEL);
	if (!pc) {
		ti->error = "Cannot allocate context";
		memset(argv[1], '0', strlen(argv[1]));
		return -ENOMEM;
	}
	ti->private = pc;
	pc->ti = ti;
	pc->sector_size = SECTOR_SIZE;
	pc->key_timeout_ms = PAES_DEFAULT_TIMEOUT_MS;
	pc->state = PAES_KEY_NONE;
	mutex_init(&pc->msg_lock);
	mutex_init(&pc->bio_alloc_lock);
	spin_lock_init(&pc->lock);
	INIT_LIST_HEAD(&pc->parked);
	atomic_set(&pc->inflight, 0);
	INIT_WORK(&pc->event_work, paes_event_work);
	INIT_DELAYED_WORK(&pc->timeout_work, paes_timeout_work);

	r = -EINVAL;
	if (strcmp(argv[0], PAES_CIPHER)) {
		ti->error = "Unsupported cipher (only paes-xts-plain64)";
		goto bad;
	}

	r = paes_ctr_opts(ti, pc, argc - 5, argv + 5);
	if (r)
		goto bad;
	pc->sector_shift = ilog2(pc->sector_size) - SECTOR_SHIFT;
	spb = pc->sector_size >> SECTOR_SHIFT;

	r = -EINVAL;
	if (kstrtoull(argv[2], 10, &tmpll)) {
		ti->error = "Invalid iv_offset";
		goto bad;
	}
	if (tmpll & (spb - 1)) {
		ti->error = "Invalid iv_offset: not a multiple of sector_size";
		goto bad;
	}
	pc->iv_offset = tmpll;

	if (kstrtoull(argv[4], 10, &tmpll) || tmpll != (sector_t)tmpll) {
		ti->error = "Invalid device offset";
		goto bad;
	}
	/*
	 * The logical block size becomes sector_size (io_hints), and dm core
	 * refuses a device area that does not start on one ("Cannot
	 * calculate initial queue limits"): say why here.
	 */
	if (tmpll & (spb - 1)) {
		ti->error = "Invalid device offset: not a multiple of sector_size";
		goto bad;
	}
	pc->start = tmpll;

	if (ti->len & (spb - 1)) {
		ti->error = "Target length is not a multiple of sector_size";
		goto bad;
	}
	pc->nr_blocks = ti->len >> pc->sector_shift;

	r = paes_parse_key_arg(ti, argv[1], &key, &desc, &err);
	if (r) {
		ti->error = err;
		goto bad;
	}
	if (key.type != PAES_KT_NONE) {
		r = -EOPNOTSUPP;
		if (!paes_query(key.fc)) {
			ti->error = "CPACF function for this protected key type is not available";
			goto bad;
		}
		r = paes_key_vp(&key, vp);
		if (r) {
			ti->error = "Protected key does not match the current wrapping key (stale token)";
			r = -EINVAL;
			goto bad;
		}
		if (pc->have_vp && crypto_memneq(vp, pc->vp, PAES_VP_SIZE)) {
			ti->error = "Key does not match the verification pattern (vp:) - another effective key";
			r = -EINVAL;
			goto bad;
		}
	}

	r = dm_get_device(ti, argv[3], dm_table_get_mode(ti->table), &pc->dev);
	if (r) {
		ti->error = "Device lookup failed";
		goto bad;
	}
	dev_sectors = bdev_nr_sectors(pc->dev->bdev);
	if (pc->start > dev_sectors || ti->len > dev_sectors - pc->start) {
		ti->error = "Device too small for <offset> plus target length";
		r = -EINVAL;
		goto bad;
	}

	/*
	 * The lost-block map "key replace" installs is allocated here, with
	 * the table: the replace itself may be what un-parks a swap device
	 * under memory pressure, so it must not wait for memory.
	 */
	pc->lost_map = kvzalloc(array_size(BITS_TO_LONGS(pc->nr_blocks),
					   sizeof(unsigned long)), GFP_KERNEL);
	if (!pc->lost_map) {
		ti->error = "Cannot allocate the lost-block map";
		r = -ENOMEM;
		goto bad;
	}

	r = paes_bounce_init(pc);
	if (r) {
		ti->error = "Cannot allocate the bounce page pool";
		goto bad;
	}
	r = bioset_init(&pc->bs, PAES_MIN_IOS, 0, BIOSET_NEED_BVECS);
	if (r) {
		ti->error = "Cannot allocate bioset";
		goto bad;
	}
	/* resumes parked I/O and fires timeouts while swapping: reclaim-safe */
	pc->wq = alloc_workqueue("kpaesd/%s", WQ_MEM_RECLAIM | WQ_HIGHPRI, 0,
				 devname);
	if (!pc->wq) {
		ti->error = "Cannot allocate workqueue";
		r = -ENOMEM;
		goto bad;
	}
	/* crypto of overlapping I/O, spread over the CPUs as dm-crypt's */
	pc->crypt_wq = alloc_workqueue("kpaesd_crypt/%s",
				       WQ_UNBOUND | WQ_CPU_INTENSIVE |
				       WQ_MEM_RECLAIM, num_online_cpus(),
				       devname);
	if (!pc->crypt_wq) {
		ti->error = "Cannot allocate crypto workqueue";
		r = -ENOMEM;
		goto bad;
	}

	if (key.type != PAES_KT_NONE) {
		pc->key = key;
		memcpy(pc->vp, vp, PAES_VP_SIZE);
		pc->have_vp = true;
		pc->gen = 1;
		pc->state = PAES_KEY_VALID;
		pc->key_desc = desc;
		desc = NULL;
	}

	ti->num_flush_bios = 1;
	ti->limit_swap_bios = true;
	ti->accounts_remapped_io = true;
	ti->per_io_data_size = sizeof(struct paes_io);
	r = 0;
	goto out;
bad:
	paes_dtr(ti);
out:
	/* a hex key must not stay in the table buffer */
	if (argv[1][0] != ':')
		memset(argv[1], '0', strlen(argv[1]));
	kfree(desc);
	memzero_explicit(&key, sizeof(key));
	memzero_explicit(vp, sizeof(vp));
	return r;
}

static void paes_remap(struct dm_target *ti, struct bio *bio)
{
	struct paes_c *pc = ti->private;

	bio_set_dev(bio, pc->dev->bdev);
	if (bio_sectors(bio))
		bio->bi_iter.bi_sector = pc->start +
			dm_target_offset(ti, bio->bi_iter.bi_sector);
}

/*
 * Where the crypto of a data bio (counted in pc->inflight) runs.  A small
 * bio alone in flight is transformed right here (map() for a write, the
 * completion for a read): no context switch, the lowest latency.  With
 * other I/O of this target in flight, or for a large bio, the crypto goes
 * to the unbound crypt_wq, like dm-crypt's kcryptd, so that all CPUs
 * work and the submitter goes on issuing.  The size test matters for a
 * lower device that completes synchronously (brd, some virtual disks):
 * each bio then completes before the next is mapped and the in-flight
 * count never shows a queue.
 */
static bool paes_crypt_async(struct paes_c *pc, struct paes_io *io)
{
	return atomic_read(&pc->inflight) > 1 ||
	       io->iter.bi_size >= PAES_ASYNC_BYTES;
}

static int paes_map(struct dm_target *ti, struct bio *bio)
{
	struct paes_c *pc = ti->private;
	struct paes_io *io = paes_io_of(bio);
	unsigned int ss = pc->sector_size;

	/* end_io reads both, also for the bios that are only remapped */
	io->pc = pc;
	io->flags = 0;

	/* no data to transform: flushes (dm core sends them empty), discards */
	if (unlikely(bio->bi_opf & REQ_PREFLUSH ||
		     bio_op(bio) == REQ_OP_DISCARD || !bio_sectors(bio))) {
		paes_remap(ti, bio);
		return DM_MAPIO_REMAPPED;
	}
	if (unlikely(bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE))
		return DM_MAPIO_KILL;

	/* the bounce clone holds at most BIO_MAX_VECS pages */
	if (unlikely(bio->bi_iter.bi_size > (BIO_MAX_VECS << PAGE_SHIFT)) &&
	    bio_data_dir(bio) == WRITE)
		dm_accept_partial_bio(bio, (BIO_MAX_VECS << PAGE_SHIFT) >>
					   SECTOR_SHIFT);

	if (unlikely(bio->bi_iter.bi_sector & ((ss >> SECTOR_SHIFT) - 1) ||
		     bio->bi_iter.bi_size & (ss - 1)))
		return DM_MAPIO_KILL;

	io->pc = pc;
	io->bio = bio;
	io->iter = bio->bi_iter;
	io->sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	io->done = 0;
	io->status = BLK_STS_OK;
	INIT_LIST_HEAD(&io->list);

	if (bio_data_dir(bio) == READ) {
		if (READ_ONCE(pc->state) == PAES_KEY_LOST)
			return DM_MAPIO_KILL;
		io->flags = PAES_IO_READ | PAES_IO_COUNTED;
		io->epoch = READ_ONCE(pc->epoch);
		atomic_inc(&pc->inflight);
		paes_remap(ti, bio);
		return DM_MAPIO_REMAPPED;
	}

	io->flags = PAES_IO_WRITE | PAES_IO_COUNTED;
	atomic_inc(&pc->inflight);
	if (paes_crypt_async(pc, io))
		goto to_worker;		/* other I/O in flight: another CPU */
	if (bio->bi_opf & REQ_NOWAIT)
		io->flags |= PAES_IO_NOWAIT;
	switch (paes_write_pass(io)) {
	case PAES_PASS_DONE:
		/* dm core does not call end_io for these */
		atomic_dec(&pc->inflight);
		return io->status == BLK_STS_DM_REQUEUE ? DM_MAPIO_REQUEUE :
							  DM_MAPIO_KILL;
	case PAES_PASS_WOULDBLOCK:
		/* a worker may wait for bounce pages, the submitter may not */
		io->flags &= ~PAES_IO_NOWAIT;
		goto to_worker;
	default:
		return DM_MAPIO_SUBMITTED;
	}
to_worker:
	INIT_WORK(&io->work, paes_io_work);
	queue_work(pc->crypt_wq, &io->work);
	return DM_MAPIO_SUBMITTED;
}

static int paes_end_io(struct dm_target *ti, struct bio *bio,
		       blk_status_t *error)
{
	struct paes_io *io = paes_io_of(bio);
	struct paes_c *pc = io->pc;	/* ti->private is gone in dtr */

	if (!(io->flags & PAES_IO_READ) || (io->flags & PAES_IO_FINISHED) ||
	    *error) {
		if (io->flags & PAES_IO_COUNTED) {
			io->flags &= ~PAES_IO_COUNTED;
			atomic_dec(&pc->inflight);
		}
		return DM_ENDIO_DONE;
	}

	/*
	 * KM on a whole bio is too long for hard irq, emu needs irqs on;
	 * and with other I/O in flight another CPU may as well decrypt.
	 */
	if (in_hardirq() || irqs_disabled() || paes_crypt_async(pc, io)) {
		INIT_WORK(&io->work, paes_io_work);
		queue_work(pc->crypt_wq, &io->work);
		return DM_ENDIO_INCOMPLETE;
	}

	if (paes_read_pass(io) == PAES_PASS_PARKED)
		return DM_ENDIO_INCOMPLETE;
	io->flags |= PAES_IO_FINISHED;
	io->flags &= ~PAES_IO_COUNTED;
	atomic_dec(&pc->inflight);
	*error = io->status;
	return DM_ENDIO_DONE;
}

static const char * const paes_state_names[] = {
	[PAES_KEY_NONE] = "none",
	[PAES_KEY_VALID] = "valid",
	[PAES_KEY_STALE] = "stale",
	[PAES_KEY_LOST] = "lost",
};

static void paes_status(struct dm_target *ti, status_type_t type,
			unsigned int status_flags, char *result,
			unsigned int maxlen)
{
	struct paes_c *pc = ti->private;
	unsigned int sz = 0, nopt, i;
	u8 vp[PAES_VP_SIZE];
	bool have_vp;
	enum paes_key_state state;
	enum paes_keytype kt;
	u64 gen, stale, lost, total, expired, epoch, requeued;
	unsigned int parked;
	char wkvp[9] = "-";

	switch (type) {
	case STATUSTYPE_INFO:
		spin_lock_irq(&pc->lock);
		state = pc->state;
		kt = pc->key.type;
		gen = pc->gen;
		parked = pc->nr_parked;
		stale = pc->stale_events;
		lost = pc->written ? pc->lost_blocks : 0;
		total = pc->parked_total;
		expired = pc->expired;
		epoch = pc->epoch;
		requeued = pc->requeued;
		if (kt != PAES_KT_NONE) {
			unsigned int off = pc->key.kl;

			if (kt == PAES_KT_FXTS128 || kt == PAES_KT_FXTS256)
				off *= 2;
			snprintf(wkvp, sizeof(wkvp), "%4phN", pc->key.prot + off);
		}
		spin_unlock_irq(&pc->lock);

		DMEMIT("key=%s gen=%llu parked=%u stale_events=%llu lost_blocks=%llu",
		       paes_state_names[state], gen, parked, stale, lost);
		DMEMIT(" keytype=%s wkvp=%s parked_total=%llu expired=%llu",
		       paes_keytype_name(kt), wkvp, total, expired);
		DMEMIT(" key_timeout=%u sector_size=%u replaces=%llu requeued=%llu",
		       pc->key_timeout_ms, pc->sector_size, epoch, requeued);
		break;

	case STATUSTYPE_TABLE:
		/*
		 * The VP is printed so that a copy of this line, whose key
		 * is "-" for a hex key, accepts only the right key: it is a
		 * key check value, not key material (docs/target.md).
		 */
		spin_lock_irq(&pc->lock);
		have_vp = pc->have_vp;
		memcpy(vp, pc->vp, PAES_VP_SIZE);
		spin_unlock_irq(&pc->lock);

		DMEMIT("%s ", PAES_CIPHER);
		/*
		 * A hex key is never printed, only a keyring reference.  Not
		 * under msg_lock: a message holds that across request_key()
		 * and allocations, and a status must not wait for those.
		 */
		spin_lock_irq(&pc->lock);
		if (pc->key_desc)
			DMEMIT(":%s", pc->key_desc);
		else
			DMEMIT("-");
		spin_unlock_irq(&pc->lock);
		DMEMIT(" %llu %s %llu", (unsigned long long)pc->iv_offset,
		       pc->dev->name, (unsigned long long)pc->start);

		nopt = !!ti->num_discard_bios + pc->iv_large_sectors +
		       (pc->sector_size != SECTOR_SIZE) +
		       (pc->key_timeout_ms != PAES_DEFAULT_TIMEOUT_MS) +
		       hweight32(pc->wq_flags) + have_vp;
		if (nopt) {
			DMEMIT(" %u", nopt);
			if (ti->num_discard_bios)
				DMEMIT(" allow_discards");
			if (pc->sector_size != SECTOR_SIZE)
				DMEMIT(" sector_size:%u", pc->sector_size);
			if (pc->iv_large_sectors)
				DMEMIT(" iv_large_sectors");
			if (pc->key_timeout_ms != PAES_DEFAULT_TIMEOUT_MS)
				DMEMIT(" key_timeout:%u", pc->key_timeout_ms);
			for (i = 0; i < ARRAY_SIZE(paes_wq_opts); i++)
				if (pc->wq_flags & (1U << i))
					DMEMIT(" %s", paes_wq_opts[i]);
			if (have_vp)
				DMEMIT(" vp:%*phN", PAES_VP_SIZE, vp);
		}
		break;

	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",cipher_string=%s,sector_size=%u,iv_large_sectors=%c",
		       PAES_CIPHER, pc->sector_size,
		       pc->iv_large_sectors ? 'y' : 'n');
		DMEMIT(",allow_discards=%c,key_timeout=%u;",
		       ti->num_discard_bios ? 'y' : 'n', pc->key_timeout_ms);
		break;
	}
}

static void paes_presuspend(struct dm_target *ti)
{
	struct paes_c *pc = ti->private;

	if (dm_noflush_suspending(ti))
		paes_requeue_parked(pc);
}

static void paes_clear_requeue(struct dm_target *ti)
{
	struct paes_c *pc = ti->private;

	spin_lock_irq(&pc->lock);
	pc->requeue = false;
	spin_unlock_irq(&pc->lock);
}

static int paes_iterate_devices(struct dm_target *ti,
				iterate_devices_callout_fn fn, void *data)
{
	struct paes_c *pc = ti->private;

	return fn(ti, pc->dev, pc->start, ti->len, data);
}

static void paes_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct paes_c *pc = ti->private;

	/* bounce pages are single pages: keep within max_segments */
	limits->max_segment_size = PAGE_SIZE;
	limits->logical_block_size =
		max_t(unsigned int, limits->logical_block_size, pc->sector_size);
	limits->physical_block_size =
		max_t(unsigned int, limits->physical_block_size, pc->sector_size);
	limits->io_min = max_t(unsigned int, limits->io_min, pc->sector_size);
	/* one crypto sector never straddles two pages of a bio */
	limits->dma_alignment = max_t(unsigned int, limits->dma_alignment,
				      limits->logical_block_size - 1);
}

static struct target_type paes_target = {
	.name = "paes",
	.version = {1, 2, 0},
	/*
	 * REQ_NOWAIT: map() never sleeps for such a bio (see paes_map()),
	 * so io_uring issues to us inline instead of from an io-wq worker.
	 */
	.features = DM_TARGET_NOWAIT,
	.module = THIS_MODULE,
	.ctr = paes_ctr,
	.dtr = paes_dtr,
	.map = paes_map,
	.end_io = paes_end_io,
	.status = paes_status,
	.message = paes_message,
	.presuspend = paes_presuspend,
	.presuspend_undo = paes_clear_requeue,
	.postsuspend = paes_clear_requeue,
	.iterate_devices = paes_iterate_devices,
	.io_hints = paes_io_hints,
};

static int __init dm_paes_init(void)
{
	int r = dm_register_target(&paes_target);

	if (r < 0)
		DMERR("register failed %d", r);
	return r;
}

static void __exit dm_paes_exit(void)
{
	dm_unregister_target(&paes_target);
}

module_init(dm_paes_init);
module_exit(dm_paes_exit);

MODULE_DESCRIPTION(DM_NAME " target for XTS with CPACF protected keys");
MODULE_AUTHOR("pkeydm project");
MODULE_LICENSE("GPL");
