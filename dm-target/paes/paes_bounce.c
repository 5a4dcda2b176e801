// SPDX-License-Identifier: GPL-2.0
/*
 * dm-paes: the budget of bounce pages for writes.
 *
 * A mempool's reserve is a floor, not a ceiling: without a bound each
 * write in flight takes its pages from the page allocator, and writeback
 * over a slow device could pin as much memory as there is dirty page
 * cache, on a device that may carry swap.  So, as dm-crypt does, all paes
 * targets together may hold at most PAES_MEMORY_PERCENT of low memory,
 * shared evenly, but each at least PAES_MIN_PAGES_PER_CLIENT.  Above its
 * share a target's pool allocator fails (mempool asks it with
 * __GFP_NORETRY); the write then takes the pool's reserve and, when that
 * is empty too, waits for a page of its own target to come back.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/percpu_counter.h>
#include <linux/spinlock.h>

#include "dm-paes.h"

#define PAES_MEMORY_PERCENT		2
#define PAES_MIN_PAGES_PER_CLIENT	(BIO_MAX_VECS * 16)

static DEFINE_SPINLOCK(paes_clients_lock);
static unsigned int paes_clients;
static unsigned long paes_pages_per_client;

static void paes_update_share_locked(void)
{
	unsigned long pages;

	lockdep_assert_held(&paes_clients_lock);
	if (!paes_clients)
		return;
	pages = (totalram_pages() - totalhigh_pages()) *
		PAES_MEMORY_PERCENT / 100 / paes_clients;
	WRITE_ONCE(paes_pages_per_client,
		   max_t(unsigned long, pages, PAES_MIN_PAGES_PER_CLIENT));
}

static void *paes_page_alloc(gfp_t gfp, void *data)
{
	struct paes_c *pc = data;
	struct page *page;

	/*
	 * percpu_counter_read_positive() may be off by a batch per CPU; an
	 * exact sum would make every write contend on one lock.
	 */
	if (unlikely(percpu_counter_read_positive(&pc->bounce_pages) >=
		     READ_ONCE(paes_pages_per_client)) &&
	    likely(gfp & __GFP_NORETRY))
		return NULL;

	page = alloc_page(gfp);
	if (likely(page))
		percpu_counter_inc(&pc->bounce_pages);
	return page;
}

static void paes_page_free(void *page, void *data)
{
	struct paes_c *pc = data;

	__free_page(page);
	percpu_counter_dec(&pc->bounce_pages);
}

/*
 * At table load: a share of the budget and the reserve of one maximal
 * write.  On an error the caller still calls paes_bounce_exit().
 */
int paes_bounce_init(struct paes_c *pc)
{
	int r;

	r = percpu_counter_init(&pc->bounce_pages, 0, GFP_KERNEL);
	if (r)
		return r;

	spin_lock(&paes_clients_lock);
	paes_clients++;
	paes_update_share_locked();
	spin_unlock(&paes_clients_lock);
	pc->bounce_client = true;

	return mempool_init(&pc->page_pool, BIO_MAX_VECS, paes_page_alloc,
			    paes_page_free, pc);
}

void paes_bounce_exit(struct paes_c *pc)
{
	/* frees the reserve through paes_page_free(): the counter first */
	mempool_exit(&pc->page_pool);
	if (!pc->bounce_client)
		return;
	pc->bounce_client = false;

	spin_lock(&paes_clients_lock);
	paes_clients--;
	paes_update_share_locked();
	spin_unlock(&paes_clients_lock);

	percpu_counter_destroy(&pc->bounce_pages);
}
