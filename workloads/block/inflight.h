/*
 * inflight.h - the issue time of a clone's oldest request still in flight, for the live metrics'
 * pvcbench_oldest_inflight_seconds (worker_set_inflight_since, runner.h), kept cheaply.
 *
 * The requests go into a ring in submission order; a completed request stays in it until the
 * head passes it, so completions out of order cost nothing, and the head is advanced past
 * completed ones once per reap batch: amortised O(1) per request. Each request knows its
 * position in the ring (pos[], by its index among the clone's requests): an entry is live while
 * its request's pos is the entry's position, and a completion or a resubmission moves pos on.
 * A request stuck in flight while the others cycle fills the ring with completed entries: then
 * the ring is compacted (the live ones, at most depth of 2 x depth slots, moved up in order).
 * Positions are 32-bit counters that wrap; the ring never spans more than its size.
 */
#ifndef PVCBENCH_BLOCK_INFLIGHT_H
#define PVCBENCH_BLOCK_INFLIGHT_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine.h"

struct blk_inflight {
	struct io_req **ring;
	uint32_t *pos;		   /* per request: its live entry's position */
	const struct io_req *base; /* the clone's requests: index = r - base */
	uint32_t mask, head, tail;
};

static inline int blk_inflight_init(struct blk_inflight *f, const struct io_req *base,
				    unsigned depth)
{
	uint32_t cap = 2;

	while (cap < 2 * depth)
		cap *= 2;
	f->ring = calloc(cap, sizeof(*f->ring));
	f->pos = calloc(depth ? depth : 1, sizeof(*f->pos));
	f->base = base;
	f->mask = cap - 1;
	f->head = f->tail = 0;
	return f->ring && f->pos ? 0 : -ENOMEM;
}

static inline void blk_inflight_free(struct blk_inflight *f)
{
	free(f->ring);
	free(f->pos);
	f->ring = NULL;
	f->pos = NULL;
}

static inline uint32_t *blk_inflight_pos(struct blk_inflight *f, const struct io_req *r)
{
	return &f->pos[r - f->base];
}

/* The ring is full of mostly completed entries: the live ones move up, in order. */
static inline void blk_inflight_compact(struct blk_inflight *f)
{
	uint32_t n = f->head;

	for (uint32_t p = f->head; p != f->tail; p++) {
		struct io_req *r = f->ring[p & f->mask];
		uint32_t *pos = blk_inflight_pos(f, r);
		if (*pos != p)
			continue;
		f->ring[n & f->mask] = r;
		*pos = n++;
	}
	f->tail = n;
}

/* r was submitted (in submission order). */
static inline void blk_inflight_push(struct blk_inflight *f, struct io_req *r)
{
	if (f->tail - f->head > f->mask)
		blk_inflight_compact(f);
	*blk_inflight_pos(f, r) = f->tail;
	f->ring[f->tail++ & f->mask] = r;
}

/* r completed: its entry is dead (pos moves off it by half the counter's range). */
static inline void blk_inflight_done(struct blk_inflight *f, const struct io_req *r)
{
	*blk_inflight_pos(f, r) ^= 0x80000000u;
}

/* The issue time of the oldest request in flight, 0 for none; advances the head. */
static inline uint64_t blk_inflight_oldest(struct blk_inflight *f)
{
	while (f->head != f->tail && *blk_inflight_pos(f, f->ring[f->head & f->mask]) != f->head)
		f->head++;
	return f->head == f->tail ? 0 : f->ring[f->head & f->mask]->issue_ns;
}

#endif
