/*
 * pattern.c - the pattern options (fio's rw, bs, offset, rwmixread, randrepeat, ...) and each
 * clone's generator of I/Os: direction, file, offset and length.
 */
#include "block.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(struct blk_options, field)

static const char *const rw_choices[] = { "read", "write",     "randread", "randwrite",
					  "rw",	  "readwrite", "randrw",   NULL };

const struct option_def blk_pattern_option_defs[] = {
	{ .name = "rw",
	  .alias = "readwrite",
	  .type = OPT_CHOICE,
	  .offset = F(rw),
	  .def = "read",
	  .choices = rw_choices,
	  .help = "I/O pattern" },
	{ .name = "bs",
	  .alias = "blocksize",
	  .type = OPT_SIZE,
	  .offset = F(bs),
	  .def = "4k",
	  .min = 1,
	  .max = 1LL << 30,
	  .help = "block size of each I/O" },
	{ .name = "offset",
	  .type = OPT_SIZE,
	  .offset = F(offset),
	  .def = "0",
	  .help = "start of the region in the file" },
	{ .name = "offset_increment",
	  .type = OPT_SIZE,
	  .offset = F(offset_increment),
	  .def = "0",
	  .help = "clone N starts at offset + N * offset_increment" },
	{ .name = "rwmixread",
	  .type = OPT_INT,
	  .offset = F(rwmixread),
	  .def = "50",
	  .max = 100,
	  .help = "percentage of reads in rw and randrw" },
	{ .name = "randrepeat",
	  .type = OPT_BOOL,
	  .offset = F(randrepeat),
	  .def = "1",
	  .help = "same random offsets on every run" },
	{ 0 }
};

static const struct {
	const char *name;
	enum blk_pattern pattern;
} patterns[] = {
	{ "read", PAT_READ },		{ "write", PAT_WRITE }, { "randread", PAT_RANDREAD },
	{ "randwrite", PAT_RANDWRITE }, { "rw", PAT_RW },	{ "readwrite", PAT_RW },
	{ "randrw", PAT_RANDRW },
};

int blk_pattern_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_options *o = &job->o;

	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (!strcmp(o->rw, patterns[i].name))
			job->pattern = patterns[i].pattern;
	job->random = job->pattern == PAT_RANDREAD || job->pattern == PAT_RANDWRITE ||
		      job->pattern == PAT_RANDRW;
	job->reads = job->pattern == PAT_READ || job->pattern == PAT_RANDREAD ||
		     ((job->pattern == PAT_RW || job->pattern == PAT_RANDRW) && o->rwmixread > 0);
	job->writes =
		job->pattern == PAT_WRITE || job->pattern == PAT_RANDWRITE ||
		((job->pattern == PAT_RW || job->pattern == PAT_RANDRW) && o->rwmixread < 100);

	if (o->bs > o->size) {
		snprintf(err, err_size, "job %s: --bs=%llu is larger than --size=%llu", o->name,
			 (unsigned long long)o->bs, (unsigned long long)o->size);
		return -EINVAL;
	}
	uint64_t last = 0, region_end;
	if (__builtin_mul_overflow((uint64_t)(o->numjobs - 1), o->offset_increment, &last) ||
	    __builtin_add_overflow(last, o->offset, &region_end) ||
	    __builtin_add_overflow(region_end, o->size, &region_end) ||
	    region_end > (uint64_t)INT64_MAX) {
		snprintf(
			err, err_size,
			"job %s: --offset + (numjobs - 1) * --offset_increment + --size is beyond the largest file offset",
			o->name);
		return -ERANGE;
	}
	/* fio works in whole blocks: the region is rounded down to a multiple of bs */
	o->size -= o->size % o->bs;
	return 0;
}

uint64_t blk_pattern_max_bs(const struct blk_job *job)
{
	return job->o.bs;
}

int blk_gen_init(struct blk_gen *g, const struct blk_clone *clone, const int *fds, char *why,
		 size_t why_size)
{
	const struct blk_job *job = clone->job;

	(void)why;
	(void)why_size;
	memset(g, 0, sizeof(*g));
	g->clone = clone;
	g->fds = fds;
	g->bs = job->o.bs;
	g->nblocks = clone->files[0].len / job->o.bs;
	rng_seed(g->rng, clone->seed);
	blk_perm_init(&g->perm, g->nblocks, clone->seed ^ 0x5bd1e995ULL);
	if (!job->o.time_based)
		g->budget = clone->files[0].len;
	return 0;
}

bool blk_gen_next(struct blk_gen *g, struct io_req *r, bool measuring)
{
	const struct blk_job *job = g->clone->job;
	uint64_t block;

	if (g->budget && g->issued >= g->budget)
		return false;
	switch (job->pattern) {
	case PAT_READ:
	case PAT_RANDREAD:
		r->dir = IO_READ;
		break;
	case PAT_WRITE:
	case PAT_RANDWRITE:
		r->dir = IO_WRITE;
		break;
	default:
		r->dir = rng_next(g->rng) % 100 < (uint64_t)job->o.rwmixread ? IO_READ : IO_WRITE;
	}
	if (job->random) {
		block = blk_perm_next(&g->perm);
	} else {
		block = g->next_block++;
		if (g->next_block >= g->nblocks)
			g->next_block = 0;
	}
	r->fd = g->fds[0];
	r->offset = g->clone->files[0].start + block * g->bs;
	r->len = (uint32_t)g->bs;
	if (measuring)
		g->issued += g->bs;
	return true;
}

void blk_gen_free(struct blk_gen *g)
{
	(void)g;
}
