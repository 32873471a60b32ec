/*
 * pattern.h - what each I/O of a clone is: its direction, file, offset and length (fio's rw,
 * bs, offset, random_distribution, ...), and how much a clone issues before it is done.
 */
#ifndef PVCBENCH_BLOCK_PATTERN_H
#define PVCBENCH_BLOCK_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvcbench/options.h"
#include "engine.h"

struct blk_job;
struct blk_clone;

/* The pattern's options that have no field in struct blk_options' first part. */
struct blk_pattern_opts {
	char reserved; /* the options of the pattern group go here */
};

/* The rows of the pattern options (rw, bs, offset, rwmixread, randrepeat, ...). */
extern const struct option_def blk_pattern_option_defs[];
/* Checks the pattern options together; derives job->pattern, random, reads, writes. */
int blk_pattern_validate(struct blk_job *job, char *err, size_t err_size);
/* The largest I/O the job issues: the size of each of its buffers. */
uint64_t blk_pattern_max_bs(const struct blk_job *job);

/* A permutation of 0..n-1 that changes every pass: random offsets without repeats. */
struct blk_perm {
	uint64_t n, index, mask;
	unsigned half_bits;
	uint32_t keys[4];
	uint64_t rng[2];
};
void blk_perm_init(struct blk_perm *p, uint64_t n, uint64_t seed);
uint64_t blk_perm_next(struct blk_perm *p); /* starts a new pass after n values */

/* Fills buf with random bytes (pvcbench/rng.h's generator) */
void blk_fill_random(void *buf, size_t len, uint64_t s[2]);

/* One clone's generator of I/Os. */
struct blk_gen {
	const struct blk_clone *clone;
	const int *fds; /* the clone's files, in clone->files' order */
	uint64_t bs, nblocks, next_block;
	struct blk_perm perm;
	uint64_t rng[2];
	uint64_t budget, issued; /* bytes to issue once measuring; 0 = no limit */
};
/* Sets up the generator for a clone whose files are open as fds. 0 or a negative errno. */
int blk_gen_init(struct blk_gen *g, const struct blk_clone *clone, const int *fds, char *why,
		 size_t why_size);
/*
 * Fills in the next request's dir, fd, offset and len; false when the clone has issued all it
 * should. measuring: whether the I/O counts towards the clone's budget (ramp time does not).
 */
bool blk_gen_next(struct blk_gen *g, struct io_req *r, bool measuring);
void blk_gen_free(struct blk_gen *g);

#endif
