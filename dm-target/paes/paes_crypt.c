// SPDX-License-Identifier: GPL-2.0
/*
 * dm-paes: the XTS data path.  KM runs directly on the bio pages: reads
 * are decrypted in place, writes are encrypted into bounce pages of a
 * mempool.  Each crypto sector gets its own tweak (PCC of the plain64 IV
 * for the two-key forms, the IV itself for the full-XTS forms) and one KM
 * call, unless the sector straddles a page of the caller's buffer.
 *
 * KM may stop early when the wrapping key changed under it.  The bytes
 * before the stop are already transformed; io->done and the XTS state
 * from the parameter block (io->state) are kept so a read resumes at
 * exactly that byte with a fresh key and never transforms a byte twice.
 * A write is simply encrypted again from its (unchanged) plaintext.
 */
#include <linux/bio.h>
#include <linux/highmem.h>
#include <linux/string.h>
#include <pkeydm/kcompat.h>
#include <crypto/aes.h>

#include "dm-paes.h"

/* 0, -EKEYEXPIRED when PCC reports a WKVP mismatch, or -EIO. */
int paes_xts_start(struct paes_xctx *x, const u8 *iv)
{
	struct paes_pcc_param pcc;
	unsigned int klen = 64 - x->off;
	int r;

	if (x->full) {
		memcpy(x->fkm.tweak, iv, 16);
		memset(x->fkm.nap, 0, sizeof(x->fkm.nap));
		x->fkm.nap[0] = 1;	/* initial alpha power, little-endian */
		return 0;
	}

	memset(&pcc, 0, sizeof(pcc));
	memcpy(pcc.key + x->off, x->k2, klen);
	memcpy(pcc.tweak, iv, 16);
	r = paes_pcc(x->fc, pcc.key + x->off);
	if (r) {
		memzero_explicit(&pcc, sizeof(pcc));
		/* < 0: the call itself was refused (emulation), not stale */
		return r < 0 ? -EIO : -EKEYEXPIRED;
	}
	memcpy(x->km.init, pcc.xts, 16);
	memzero_explicit(&pcc, sizeof(pcc));
	return 0;
}

/* Bytes processed; fewer than @len means WKVP mismatch. */
int paes_xts_crypt(struct paes_xctx *x, u8 *dst, const u8 *src,
		   unsigned int len, bool decrypt)
{
	unsigned long fc = x->fc | (decrypt ? PAES_DECRYPT : 0);
	void *param = x->full ? (void *)(x->fkm.key + x->off) :
				(void *)(x->km.key + x->off);

	return paes_km(fc, param, dst, src, len);
}

/* The XTS chaining state is what follows the key in the KM block. */
static void paes_xts_save(struct paes_xctx *x, u8 *state)
{
	if (x->full) {
		memcpy(state, x->fkm.tweak, 16);
		memcpy(state + 16, x->fkm.nap, 16);
	} else {
		memcpy(state, x->km.init, 16);
	}
}

static void paes_xts_restore(struct paes_xctx *x, const u8 *state)
{
	if (x->full) {
		memcpy(x->fkm.tweak, state, 16);
		memcpy(x->fkm.nap, state + 16, 16);
	} else {
		memcpy(x->km.init, state, 16);
	}
}

/* plain64 IV of the crypto sector holding byte io->done, as dm-crypt. */
static void paes_iv(struct paes_c *pc, struct paes_io *io, u8 *iv)
{
	u64 s = io->sector + ((io->done & ~(pc->sector_size - 1)) >> SECTOR_SHIFT);

	s += pc->iv_offset;
	if (pc->iv_large_sectors)
		s >>= pc->sector_shift;
	put_unaligned_le64(s, iv);
	memset(iv + 8, 0, 8);
}

/*
 * Transform @io's data from io->done on, in place (@dst == NULL, decrypt)
 * or into the bounce pages of @dst (encrypt).  0 when all is done,
 * -EKEYEXPIRED on a WKVP mismatch (io->done/io->state tell where to go
 * on), -EIO for a buffer layout KM cannot take.
 */
static int paes_convert(struct paes_c *pc, struct paes_io *io,
			struct paes_xctx *x, struct bio *dst)
{
	unsigned int ss = pc->sector_size;
	struct bio *bio = io->bio;
	struct bvec_iter it = io->iter;
	u8 iv[16];

	bio_advance_iter(bio, &it, io->done);
	if (io->done & (ss - 1)) {
		/* the state of one key form means nothing to the other */
		if (unlikely(io->fc != x->fc))
			return -EIO;
		paes_xts_restore(x, io->state);
	}

	while (it.bi_size) {
		struct bio_vec bv = bio_iter_iovec(bio, it);
		unsigned int pos = io->done & (ss - 1);
		unsigned int n = min(bv.bv_len, ss - pos);
		u8 *src;
		int k;

		if (unlikely(n & (AES_BLOCK_SIZE - 1)))
			return -EIO;
		if (!pos) {
			paes_iv(pc, io, iv);
			k = paes_xts_start(x, iv);
			if (k)
				return k;
		}
		src = bvec_kmap_local(&bv);
		if (dst) {
			struct page *pg = dst->bi_io_vec[io->done >> PAGE_SHIFT].bv_page;
			u8 *d = kmap_local_page(pg);

			k = paes_xts_crypt(x, d + offset_in_page(io->done), src,
					   n, false);
			kunmap_local(d);
		} else {
			k = paes_xts_crypt(x, src, src, n, true);
		}
		kunmap_local(src);

		if (unlikely(k < 0 || k > n))
			return -EIO;
		io->done += k;
		if (unlikely(k != n)) {
			paes_xts_save(x, io->state);
			io->fc = x->fc;
			return -EKEYEXPIRED;
		}
		bio_advance_iter_single(bio, &it, n);
	}
	return 0;
}

/* Under pc->lock: load the key into @x (0) or decide the pass (1). */
static int paes_take_key(struct paes_c *pc, struct paes_io *io,
			 struct paes_xctx *x, enum paes_pass *res)
{
	switch (pc->state) {
	case PAES_KEY_VALID:
		paes_xctx_load(x, &pc->key, pc->gen);
		return 0;
	case PAES_KEY_LOST:
		io->status = BLK_STS_IOERR;
		*res = PAES_PASS_DONE;
		return 1;
	default:
		*res = paes_park_locked(pc, io);
		return 1;
	}
}

/*
 * KM or PCC refused the key we loaded.  If a new key was installed since,
 * just retry; otherwise the key went stale: park.  Never sleeps.
 */
static enum paes_pass paes_stale(struct paes_c *pc, struct paes_io *io,
				 struct paes_xctx *x, bool *retry)
{
	enum paes_pass res = PAES_PASS_PARKED;
	unsigned long flags;
	u64 gen = x->gen;

	memzero_explicit(x, sizeof(*x));
	spin_lock_irqsave(&pc->lock, flags);
	*retry = pc->gen != gen;
	if (!*retry) {
		if (pc->state == PAES_KEY_VALID) {
			pc->stale_events++;
			paes_set_state_locked(pc, PAES_KEY_STALE);
		}
		paes_take_key(pc, io, x, &res);
	}
	spin_unlock_irqrestore(&pc->lock, flags);
	memzero_explicit(x, sizeof(*x));
	return res;
}

/*
 * The start of a read or write pass: true with the key in @x, or false
 * with the pass decided in @res (parked, lost, or a read of a block the
 * current key never wrote).  A write notes the replace epoch it is
 * encrypted under.
 */
static bool paes_pass_key(struct paes_io *io, struct paes_xctx *x,
			  enum paes_pass *res)
{
	struct paes_c *pc = io->pc;
	unsigned long flags;
	bool loaded = false;

	spin_lock_irqsave(&pc->lock, flags);
	if ((io->flags & PAES_IO_READ) && pc->state == PAES_KEY_VALID &&
	    !paes_read_allowed(pc, io)) {
		/* written under a replaced key, or never since: lost */
		io->status = BLK_STS_IOERR;
		*res = PAES_PASS_DONE;
	} else if (!paes_take_key(pc, io, x, res)) {
		if (io->flags & PAES_IO_WRITE)
			io->epoch = pc->epoch;
		loaded = true;
	}
	spin_unlock_irqrestore(&pc->lock, flags);
	return loaded;
}

enum paes_pass paes_read_pass(struct paes_io *io)
{
	struct paes_c *pc = io->pc;
	struct paes_xctx x;
	enum paes_pass res;
	bool retry;
	int r;

again:
	if (!paes_pass_key(io, &x, &res))
		return res;
	r = paes_convert(pc, io, &x, NULL);
	if (r == -EKEYEXPIRED) {
		res = paes_stale(pc, io, &x, &retry);
		if (retry)
			goto again;
		return res;
	}
	memzero_explicit(&x, sizeof(x));
	io->status = r ? BLK_STS_IOERR : BLK_STS_OK;
	return PAES_PASS_DONE;
}

static void paes_free_bounce(struct paes_c *pc, struct bio *clone)
{
	struct bvec_iter_all iter_all;
	struct bio_vec *bv;

	bio_for_each_segment_all(bv, clone, iter_all)
		mempool_free(bv->bv_page, &pc->page_pool);
	bio_put(clone);
}

static void paes_write_endio(struct bio *clone)
{
	struct paes_io *io = clone->bi_private;
	struct paes_c *pc = io->pc;
	blk_status_t status = clone->bi_status;
	unsigned long flags;

	spin_lock_irqsave(&pc->lock, flags);
	paes_write_done_locked(pc, io, status);
	spin_unlock_irqrestore(&pc->lock, flags);
	paes_free_bounce(pc, clone);
	io->bio->bi_status = status;
	bio_endio(io->bio);
}

/*
 * Bounce pages as dm-crypt takes them: first without blocking; if the
 * pool runs dry, retry blocking but one writer at a time, so that two
 * writers each holding half of the pool cannot wait for each other.
 * For a REQ_NOWAIT submitter (PAES_IO_NOWAIT) there is no blocking
 * retry: NULL, and the caller hands the write to a worker.
 */
static struct bio *paes_alloc_bounce(struct paes_io *io)
{
	struct paes_c *pc = io->pc;
	unsigned int size = io->iter.bi_size;
	unsigned int nr = DIV_ROUND_UP(size, PAGE_SIZE);
	bool nowait = io->flags & PAES_IO_NOWAIT;
	gfp_t gfp = GFP_NOWAIT | __GFP_HIGHMEM;
	unsigned int i, len, remaining;
	struct bio *clone;
	struct page *page;

retry:
	if (unlikely(gfp & __GFP_DIRECT_RECLAIM))
		mutex_lock(&pc->bio_alloc_lock);

	clone = bio_alloc_bioset(pc->dev->bdev, nr, io->bio->bi_opf,
				 nowait ? GFP_NOWAIT : GFP_NOIO, &pc->bs);
	if (unlikely(!clone)) {	/* only GFP_NOWAIT can fail */
		if (gfp & __GFP_DIRECT_RECLAIM)
			mutex_unlock(&pc->bio_alloc_lock);
		return NULL;
	}
	/* the bounce bio completes through our endio, never by polling */
	bio_clear_polled(clone);
	/*
	 * A worker may block: let the lower device wait for tags rather
	 * than fail an already encrypted write with BLK_STS_AGAIN.
	 */
	if (!nowait)
		clone->bi_opf &= ~REQ_NOWAIT;
	clone->bi_private = io;
	clone->bi_end_io = paes_write_endio;
	clone->bi_ioprio = io->bio->bi_ioprio;

	remaining = size;
	for (i = 0; i < nr; i++) {
		page = mempool_alloc(&pc->page_pool, gfp);
		if (!page) {
			paes_free_bounce(pc, clone);
			if (nowait)
				return NULL;
			gfp |= __GFP_DIRECT_RECLAIM;
			goto retry;
		}
		len = min_t(unsigned int, remaining, PAGE_SIZE);
		__bio_add_page(clone, page, len, 0);
		remaining -= len;
	}

	if (unlikely(gfp & __GFP_DIRECT_RECLAIM))
		mutex_unlock(&pc->bio_alloc_lock);
	return clone;
}

/*
 * May sleep (bounce allocation) unless PAES_IO_NOWAIT: map() or a work
 * item only.
 */
enum paes_pass paes_write_pass(struct paes_io *io)
{
	struct paes_c *pc = io->pc;
	struct paes_xctx x;
	enum paes_pass res;
	unsigned long flags;
	struct bio *clone;
	bool retry;
	int r;

again:
	if (!paes_pass_key(io, &x, &res))
		return res;
	clone = paes_alloc_bounce(io);
	if (unlikely(!clone)) {
		memzero_explicit(&x, sizeof(x));
		return PAES_PASS_WOULDBLOCK;
	}
	io->done = 0;
	r = paes_convert(pc, io, &x, clone);
	if (r) {
		paes_free_bounce(pc, clone);
		io->done = 0;
		if (r == -EKEYEXPIRED) {
			res = paes_stale(pc, io, &x, &retry);
			if (retry)
				goto again;
			return res;
		}
		memzero_explicit(&x, sizeof(x));
		io->status = BLK_STS_IOERR;
		return PAES_PASS_DONE;
	}
	memzero_explicit(&x, sizeof(x));

	spin_lock_irqsave(&pc->lock, flags);
	paes_write_start_locked(pc, io);
	spin_unlock_irqrestore(&pc->lock, flags);
	clone->bi_iter.bi_sector = pc->start + io->sector;
	dm_submit_bio_remap(io->bio, clone);
	return PAES_PASS_SUBMITTED;
}

/* Complete @io's bio with io->status (process or softirq context). */
void paes_io_finish(struct paes_io *io)
{
	struct bio *bio = io->bio;

	/* end_io sees this bio again: tell it we are done with it */
	io->flags |= PAES_IO_FINISHED;
	bio->bi_status = io->status;
	bio_endio(bio);
}

/* Punted read decryption, and every resumed or requeued bio. */
void paes_io_work(struct work_struct *work)
{
	struct paes_io *io = container_of(work, struct paes_io, work);
	enum paes_pass res;

	/*
	 * A worker may wait for bounce pages: a write parked from a
	 * REQ_NOWAIT map() must not come back PAES_PASS_WOULDBLOCK here,
	 * where nobody would finish it.
	 */
	io->flags &= ~PAES_IO_NOWAIT;

	if (io->flags & PAES_IO_READ)
		res = paes_read_pass(io);
	else
		res = paes_write_pass(io);
	if (res == PAES_PASS_DONE)
		paes_io_finish(io);
}
