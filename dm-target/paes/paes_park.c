// SPDX-License-Identifier: GPL-2.0
/*
 * dm-paes: parking.  While the key is stale (or absent) I/O is neither
 * failed nor retried: the bio waits on pc->parked until "key set" or
 * "key replace" installs a key (then a work item per bio resumes it in
 * process context) or until key_timeout passes (then it fails with EIO
 * and the key state becomes "lost", so new I/O fails fast).
 *
 * Nothing here sleeps: bios park from map(), from end_io (softirq) and
 * from work items.  dm_table_event() takes a mutex, so every state change
 * only queues event_work.
 *
 * Suspend: a noflush suspend (e.g. a table reload that keeps queued I/O)
 * must not wait for a key.  presuspend then hands every parked bio back to
 * dm core with BLK_STS_DM_REQUEUE, and bios that would park until the
 * suspend completes are handed back too; dm core keeps them and issues
 * them again after resume, against the then live table (a read is read
 * from the device again, so partial in-place decryption does not matter).
 * A normal (flushing) suspend waits for all I/O, parked I/O included: it
 * completes when a key arrives or key_timeout passes, or the suspend is
 * interrupted (dmsetup suspend waits interruptibly).
 */
#include <linux/jiffies.h>
#include <linux/list.h>

#include "dm-paes.h"

void paes_set_state_locked(struct paes_c *pc, enum paes_key_state state)
{
	lockdep_assert_held(&pc->lock);
	if (pc->state != state) {
		pc->state = state;
		queue_work(pc->wq, &pc->event_work);
	}
}

/* Under pc->lock, key state none or stale. */
enum paes_pass paes_park_locked(struct paes_c *pc, struct paes_io *io)
{
	lockdep_assert_held(&pc->lock);
	if (pc->requeue && dm_noflush_suspending(pc->ti)) {
		io->status = BLK_STS_DM_REQUEUE;
		pc->requeued++;
		return PAES_PASS_DONE;
	}
	list_add_tail(&io->list, &pc->parked);
	pc->nr_parked++;
	pc->parked_total++;
	if (!pc->timer_armed && pc->key_timeout_ms) {
		unsigned long t = msecs_to_jiffies(pc->key_timeout_ms);

		pc->timer_armed = true;
		pc->deadline = jiffies + t;
		mod_delayed_work(pc->wq, &pc->timeout_work, t);
	}
	return PAES_PASS_PARKED;
}

void paes_resume_parked(struct paes_c *pc, struct list_head *list)
{
	struct paes_io *io, *tmp;

	/*
	 * On the unbound crypt queue, spread over the CPUs like any punted
	 * bio; pc->wq keeps events and timeouts, which must not wait
	 * behind writes that wait for bounce pages.
	 */
	list_for_each_entry_safe(io, tmp, list, list) {
		list_del_init(&io->list);
		INIT_WORK(&io->work, paes_io_work);
		queue_work(pc->crypt_wq, &io->work);
	}
}

void paes_fail_parked(struct list_head *list, blk_status_t status)
{
	struct paes_io *io, *tmp;

	list_for_each_entry_safe(io, tmp, list, list) {
		list_del_init(&io->list);
		io->status = status;
		paes_io_finish(io);
	}
}

void paes_event_work(struct work_struct *work)
{
	struct paes_c *pc = container_of(work, struct paes_c, event_work);

	dm_table_event(pc->ti->table);
}

void paes_timeout_work(struct work_struct *work)
{
	struct paes_c *pc = container_of(to_delayed_work(work), struct paes_c,
					 timeout_work);
	LIST_HEAD(failed);
	unsigned int n;

	spin_lock_irq(&pc->lock);
	if (!pc->nr_parked || pc->state == PAES_KEY_VALID) {
		pc->timer_armed = false;
		spin_unlock_irq(&pc->lock);
		return;
	}
	if (time_before(jiffies, pc->deadline)) {
		/* an older episode's timer: wait for this one's deadline */
		pc->timer_armed = true;
		mod_delayed_work(pc->wq, &pc->timeout_work,
				 pc->deadline - jiffies);
		spin_unlock_irq(&pc->lock);
		return;
	}
	pc->timer_armed = false;
	list_splice_init(&pc->parked, &failed);
	n = pc->nr_parked;
	pc->nr_parked = 0;
	pc->expired += n;
	paes_set_state_locked(pc, PAES_KEY_LOST);
	spin_unlock_irq(&pc->lock);

	DMWARN("%s: no fresh key within %u ms, %u parked I/O(s) failed, key lost",
	       dm_table_device_name(pc->ti->table), pc->key_timeout_ms, n);
	paes_fail_parked(&failed, BLK_STS_IOERR);
}

/* presuspend of a noflush suspend */
void paes_requeue_parked(struct paes_c *pc)
{
	LIST_HEAD(list);

	spin_lock_irq(&pc->lock);
	pc->requeue = true;
	list_splice_init(&pc->parked, &list);
	pc->requeued += pc->nr_parked;
	pc->nr_parked = 0;
	pc->timer_armed = false;
	spin_unlock_irq(&pc->lock);

	paes_fail_parked(&list, BLK_STS_DM_REQUEUE);
}
