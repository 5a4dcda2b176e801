/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-paes: device-mapper target "paes", XTS with CPACF protected keys.
 *
 * Internals shared by paes_target.c (dm glue), paes_key.c (tokens, key
 * state, messages), paes_crypt.c (the XTS data path), paes_park.c
 * (parking of I/O while the key is stale, timeouts, events) and
 * paes_bounce.c (bounce pages and their budget).
 *
 * paes_target.c calls the others and nothing calls it.  paes_crypt.c,
 * paes_key.c and paes_park.c call each other in a circle, because a bio
 * goes round one: data path -> parked -> key set -> data path.
 *
 *  - crypt -> key: may this bio run now, and with which key
 *    (paes_read_allowed(), paes_write_start/done_locked(), paes_xctx_load());
 *  - crypt -> park: the key turned out stale, so the bio parks
 *    (paes_park_locked(), paes_set_state_locked());
 *  - key -> park: a key set or key replace marks the key valid and resumes
 *    the parked bios (paes_set_state_locked(), paes_resume_parked());
 *  - park -> crypt: a resumed bio re-enters the data path (paes_io_work()),
 *    a failed one ends through it (paes_io_finish());
 *  - key -> crypt: the verification pattern is the key's own XTS of a fixed
 *    block (paes_key_vp() through paes_xts_start()/paes_xts_crypt()).
 *
 * Making it one-way would need function pointers for resume and finish,
 * which hide this loop instead of removing it; only the last edge could
 * go by moving the XTS primitives below both files.  What keeps the circle
 * safe is the locking: the _locked functions need pc->lock, while
 * paes_resume_parked() and paes_fail_parked() take a list spliced off
 * pc->parked under the lock and run after it is dropped.
 */
#ifndef _DM_PAES_H
#define _DM_PAES_H

#include <linux/bio.h>
#include <linux/blk_types.h>
#include <linux/device-mapper.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/percpu_counter.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/workqueue.h>

#include "paes_cpacf.h"

#define DM_MSG_PREFIX "paes"

#define PAES_CIPHER		"paes-xts-plain64"
#define PAES_DEFAULT_TIMEOUT_MS	30000

#define PAES_TOKEN_SIZE		80	/* one protaeskeytoken */
#define PAES_PAIR_SIZE		160	/* K1 token then K2 token */
#define PAES_FXTS128_SIZE	80	/* full-XTS token, 64 key bytes */
#define PAES_FXTS256_SIZE	112	/* full-XTS token, 96 key bytes */
#define PAES_WKVP_SIZE		32
#define PAES_VP_SIZE		16
#define PAES_XTS_STATE		32	/* XTS chaining state saved on a stop */

enum paes_key_state {
	PAES_KEY_NONE,		/* no key (table "-" or after key wipe) */
	PAES_KEY_VALID,
	PAES_KEY_STALE,		/* WKVP mismatch seen, waiting for key set */
	PAES_KEY_LOST,		/* timed out waiting: fail fast */
};

enum paes_keytype {
	PAES_KT_NONE,
	PAES_KT_XTS128,		/* two AES-128 protected keys */
	PAES_KT_XTS256,		/* two AES-256 protected keys */
	PAES_KT_FXTS128,	/* one full XTS-128 protected key */
	PAES_KT_FXTS256,	/* one full XTS-256 protected key */
};

/*
 * An effective protected key, as parsed from a token.  For the two-key
 * forms prot[0..63] holds K1 (wrapped key then WKVP, kl + 32 bytes) and
 * prot[64..127] K2; for the full forms prot[] holds the token's key bytes
 * (2 * kl wrapped key bytes then the WKVP).
 */
struct paes_key {
	enum paes_keytype type;
	unsigned long fc;	/* KM/PCC function code, encrypt */
	unsigned int kl;	/* clear AES key length: 16 or 32 */
	u8 prot[128];
};

/* Parameter blocks, see paes_cpacf.h; the key field is right-aligned. */
struct paes_pcc_param {
	u8 key[64];
	u8 tweak[16];
	u8 block[16];
	u8 bit[16];
	u8 xts[16];
} __packed;

struct paes_km_param {
	u8 key[64];
	u8 init[16];
} __packed;

struct paes_fkm_param {
	u8 key[64];
	u8 tweak[16];
	u8 nap[16];
	u8 wkvp[32];
} __packed;

/*
 * A private copy of the key for one pass over one bio, so that the
 * spinlock is not held across KM and a concurrent key install cannot tear
 * the key under the instruction.  Lives on the stack, wiped after use.
 */
struct paes_xctx {
	unsigned long fc;
	unsigned int off;	/* offset of the key in the param block */
	bool full;
	u64 gen;
	u8 k2[64];		/* two-key: the tweak key for PCC */
	union {
		struct paes_km_param km;
		struct paes_fkm_param fkm;
	};
};

struct paes_c {
	struct dm_target *ti;
	struct dm_dev *dev;
	sector_t start;			/* <offset> on dev, 512-byte sectors */
	u64 iv_offset;
	unsigned int sector_size;
	unsigned int sector_shift;	/* log2(sector_size) - SECTOR_SHIFT */
	bool iv_large_sectors;
	unsigned int key_timeout_ms;
	unsigned int wq_flags;		/* dm-crypt workqueue flags, echoed */
	sector_t nr_blocks;		/* crypto blocks in ti->len */

	/* Messages are serialised. */
	struct mutex msg_lock;
	/* "<bytes>:logon:<desc>" or NULL; replaced under msg_lock and @lock */
	char *key_desc;

	/* Everything below up to the counters is under @lock (irqsave). */
	spinlock_t lock;
	enum paes_key_state state;
	struct paes_key key;
	bool have_vp;			/* from vp: or the first key */
	u8 vp[PAES_VP_SIZE];
	u64 gen;			/* bumped by every key install */
	u64 epoch;			/* bumped by every key replace */
	unsigned long writes_cur;	/* writes in flight of this epoch */
	unsigned long writes_old;	/* ... of older ones: reads fail */
	unsigned long *written;		/* lost_map once a replace is in force */
	unsigned long *lost_map;	/* one bit per block, see paes_key.c */
	u64 lost_blocks;
	struct list_head parked;
	unsigned int nr_parked;
	bool timer_armed;
	unsigned long deadline;		/* jiffies: parked I/O fails after */
	bool requeue;			/* noflush suspend: push back, no park */
	u64 parked_total;
	u64 stale_events;
	u64 expired;
	u64 requeued;

	struct workqueue_struct *wq;
	struct workqueue_struct *crypt_wq;	/* crypto when I/O overlaps */
	atomic_t inflight;		/* data bios between map and end_io */
	struct work_struct event_work;
	struct delayed_work timeout_work;

	mempool_t page_pool;		/* bounce pages, see paes_bounce.c */
	struct percpu_counter bounce_pages;	/* of page_pool, reserve included */
	bool bounce_client;		/* counted in the global budget */
	struct bio_set bs;
	struct mutex bio_alloc_lock;
};

/* Per-bio data (ti->per_io_data_size). */
struct paes_io {
	struct paes_c *pc;
	struct bio *bio;		/* the bio dm core passed to map() */
	struct bvec_iter iter;		/* its data, as seen by map() */
	sector_t sector;		/* target-relative, 512-byte units */
	u64 epoch;			/* key epoch the data belongs to */
	unsigned int done;		/* bytes already transformed */
	unsigned int flags;
	unsigned long fc;		/* key form io->state was saved for */
	blk_status_t status;
	u8 state[PAES_XTS_STATE];	/* XTS state when done is mid-block */
	struct list_head list;		/* on pc->parked */
	struct work_struct work;
};

#define PAES_IO_READ		0x1	/* a data read we decrypt */
#define PAES_IO_WRITE		0x2	/* a data write we encrypt */
#define PAES_IO_FINISHED	0x4	/* read: completed by us, end_io: done */
#define PAES_IO_COUNTED		0x8	/* counted in pc->inflight */
#define PAES_IO_NOWAIT		0x10	/* write in a REQ_NOWAIT submitter: never block */

/* Results of a pass over a bio. */
enum paes_pass {
	PAES_PASS_DONE,		/* finished, io->status says how */
	PAES_PASS_PARKED,	/* on pc->parked, resumed by key set */
	PAES_PASS_SUBMITTED,	/* write: encrypted clone submitted */
	PAES_PASS_WOULDBLOCK,	/* write, PAES_IO_NOWAIT: no bounce pages now */
};

/* paes_key.c */
int paes_parse_key_arg(struct dm_target *ti, char *arg, struct paes_key *key,
		       char **desc, char **err);
int paes_key_vp(const struct paes_key *key, u8 *vp);
const char *paes_keytype_name(enum paes_keytype type);
int paes_message(struct dm_target *ti, unsigned int argc, char **argv,
		 char *result, unsigned int maxlen);
void paes_xctx_load(struct paes_xctx *x, const struct paes_key *key, u64 gen);
void paes_write_start_locked(struct paes_c *pc, struct paes_io *io);
void paes_write_done_locked(struct paes_c *pc, struct paes_io *io,
			    blk_status_t status);
bool paes_read_allowed(struct paes_c *pc, struct paes_io *io);

/* paes_crypt.c */
int paes_xts_start(struct paes_xctx *x, const u8 *iv);
int paes_xts_crypt(struct paes_xctx *x, u8 *dst, const u8 *src,
		   unsigned int len, bool decrypt);
int paes_bounce_init(struct paes_c *pc);
void paes_bounce_exit(struct paes_c *pc);
enum paes_pass paes_read_pass(struct paes_io *io);
enum paes_pass paes_write_pass(struct paes_io *io);
void paes_io_finish(struct paes_io *io);
void paes_io_work(struct work_struct *work);

/* paes_park.c */
enum paes_pass paes_park_locked(struct paes_c *pc, struct paes_io *io);
void paes_set_state_locked(struct paes_c *pc, enum paes_key_state state);
void paes_resume_parked(struct paes_c *pc, struct list_head *list);
void paes_fail_parked(struct list_head *list, blk_status_t status);
void paes_event_work(struct work_struct *work);
void paes_timeout_work(struct work_struct *work);
void paes_requeue_parked(struct paes_c *pc);

static inline struct paes_io *paes_io_of(struct bio *bio)
{
	return dm_per_bio_data(bio, sizeof(struct paes_io));
}

#endif /* _DM_PAES_H */
