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

/* Most sizes bssplit may list per direction (fio allows 64). */
#define BLK_BSSPLIT_MAX 64

/* One entry of bssplit: a block size and the percentage of I/Os that use it. */
struct blk_bssplit {
	uint64_t bs;
	unsigned perc;
};

/* The block sizes of one direction (fio's min_bs, max_bs, ba and bssplit). */
struct blk_dir_bs {
	uint64_t min, max, ba;
	unsigned nsplit;
	struct blk_bssplit split[BLK_BSSPLIT_MAX];
};

/* random_distribution: how random offsets are chosen. */
enum blk_dist_kind { DIST_RANDOM, DIST_ZIPF, DIST_PARETO, DIST_NORMAL, DIST_ZONED, DIST_ZONED_ABS };

/* One range of zoned/zoned_abs: access percentage of I/Os into size (percent or bytes). */
struct blk_zone_split {
	unsigned access;
	uint64_t size;
};
#define BLK_ZONES_MAX 64

/* file_service_type: how the next I/O's file is chosen. */
enum blk_fservice { FS_ROUNDROBIN, FS_RANDOM, FS_SEQUENTIAL, FS_ZIPF, FS_PARETO, FS_NORMAL };

/* The pattern's options that have no field in struct blk_options' first part, and what the
 * group's validate derives from them (the generator reads only the derived fields). */
struct blk_pattern_opts {
	char bs[OPT_STRING_MAX]; /* text of bs: one size or one per direction ("4k,8k") */
	char bsrange[OPT_STRING_MAX];
	char bssplit[OPT_STRING_MAX];
	char ba[OPT_STRING_MAX];
	bool bs_unaligned;
	bool bs_is_seq_rand;
	int64_t rwmixwrite;
	char rw_sequencer[OPT_STRING_MAX];
	uint64_t io_size;
	int64_t number_ios;
	int64_t loops;
	char offset[OPT_STRING_MAX];	       /* text of offset: a size or a percentage */
	char offset_increment[OPT_STRING_MAX]; /* the same for offset_increment */
	uint64_t offset_align;
	char percentage_random[OPT_STRING_MAX];
	bool norandommap;
	int64_t randseed;
	bool allrandrepeat;
	char random_generator[OPT_STRING_MAX];
	char random_distribution[OPT_STRING_MAX];
	char file_service_type[OPT_STRING_MAX];
	char zonemode[OPT_STRING_MAX];
	uint64_t zonesize, zonerange, zoneskip;
	bool serialize_overlap;

	/* derived by blk_pattern_validate */
	struct blk_dir_bs dir[3]; /* read, write, trim (bs_is_seq_rand: sequential, random) */
	unsigned seq_nr;	  /* rw=randX:N: a new random offset every N I/Os (1: each) */
	uint64_t seq_add;	  /* rw=X:N for sequential X: a hole of N bytes after each I/O */
	bool seq_identical;	  /* rw_sequencer=identical */
	unsigned perc_rand[3];	  /* percentage_random per direction */
	unsigned mixread;	  /* percentage of reads in rw/randrw, rwmixwrite resolved */
	bool trimwrite;		  /* trimwrite/randtrimwrite: each block trimmed, then written */
	enum blk_dist_kind dist;
	double dist_arg;
	double dist_center; /* random_distribution's optional :CENTER, a fraction of the range */
	unsigned nzones[3];
	struct blk_zone_split zones[3][BLK_ZONES_MAX];
	enum blk_fservice fservice;
	double fservice_arg;
	unsigned fservice_nr; /* I/Os before switching files */
	bool strided;
	double offset_pct, offset_inc_pct; /* offset, offset_increment as percentages; -1: none */
};

/* The rows of the pattern options (rw, bs, offset, rwmixread, randrepeat, ...). */
extern const struct option_def blk_pattern_option_defs[];
/* Checks the pattern options together; derives job->pattern, random, reads, writes. */
int blk_pattern_validate(struct blk_job *job, char *err, size_t err_size);
/* rw's pattern name without its :N ("randread" for rw=randread:8), as fio's job line shows it. */
const char *blk_pattern_rw_name(const struct blk_job *job);
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
/* The pass's image of x (below n): a bijection of 0..n-1, the same until the next pass. */
uint64_t blk_perm_map(const struct blk_perm *p, uint64_t x);

/* Fills buf with random bytes (pvcbench/rng.h's generator) */
void blk_fill_random(void *buf, size_t len, uint64_t s[2]);

/* A sampler of block numbers 0..n-1 for zipf, pareto and normal distributions. */
struct blk_dist {
	enum blk_dist_kind kind;
	uint64_t n;
	double theta, zetan, eta, alpha, zeta2; /* zipf (Gray et al.'s generator) */
	double pareto_pow;			/* pareto */
	double dev;				/* normal: standard deviation in blocks */
	struct blk_perm scatter;		/* spreads the hot ranks over the range */
	uint64_t shift;				/* the center: values move this far (mod n) */
};
/* Sets up d over n values; kind/arg as random_distribution gives them. */
void blk_dist_init(struct blk_dist *d, enum blk_dist_kind kind, double arg, uint64_t n,
		   uint64_t seed);
/* The next rank in 0..n-1: 0 is the most frequent (zipf, pareto), n/2 the mean (normal). */
uint64_t blk_dist_rank(const struct blk_dist *d, uint64_t rng[2]);
/* The next value in 0..n-1: a rank scattered over the range (a fixed bijection), as fio
 * hashes its ranks so that the hot blocks are not all at the start. */
uint64_t blk_dist_next(const struct blk_dist *d, uint64_t rng[2]);

/* What a generator keeps per file of its clone. */
struct blk_gen_file {
	uint64_t start, len;	/* the region of the file (of its current zone when strided) */
	uint64_t zone_off;	/* strided: start of the current zone in the region */
	uint64_t zone_bytes;	/* strided: bytes issued in the current zone */
	uint64_t pos[3];	/* where the last I/O ended in the region, per direction */
	uint64_t last_start[3]; /* the last I/O's offset in the region, per direction */
	uint64_t nblocks, unit; /* random: blocks of unit bytes in the region */
	uint64_t pass_bytes;	/* bytes issued since the file's pass began */
	struct blk_perm perm;	/* random: each block once per pass */
	struct blk_dist dist;	/* zipf, pareto, normal */
	uint64_t zone_start[3][100], zone_end[3][100]; /* zoned: blocks per 1% of draws */
	bool done;	      /* sequential file service: this file's pass is over */
	uint64_t *map, *full; /* random sizes: blocks done this pass (fio's random map) */
};

/* One clone's generator of I/Os. */
struct blk_gen {
	const struct blk_clone *clone;
	const struct blk_pattern_opts *p;
	const int *fds; /* the clone's files, in clone->files' order */
	struct blk_gen_file *files;
	unsigned nfiles, cur, cur_left;	   /* the current file and I/Os left before switching */
	struct blk_dist fdist;		   /* file_service_type=zipf/pareto/normal */
	uint64_t rng[2];		   /* directions, sizes, uniform offsets */
	unsigned mix_dir;		   /* rw/randrw: the current direction */
	uint64_t mix_issued[2], mix_until; /* I/Os per direction; keep mix_dir up to this */
	uint64_t seq_left;		   /* rw=randX:N: I/Os left before the next random offset */
	bool trim_done;			   /* trimwrite: a trim was issued, its write comes next */
	uint64_t loop_bytes, loop_budget;  /* bytes issued in this loop and per loop (0: none) */
	uint64_t later_budget, left_after; /* later loops' budget; bytes left after this loop */
	uint64_t loops_left;		   /* loops after this one */
	uint64_t ios_left;		   /* number_ios: I/Os left (0: none) */
	bool time_based, limited_ios, wraps;
	bool finished;
	/*
	 * Set by the worker when something is due at each loop's end (fio closes the files there:
	 * unlink_each_loop, invalidate, fsync_on_close): blk_gen_next then returns false at the
	 * end of each loop but the last, with loop_ended set, and blk_gen_next_loop goes on.
	 */
	bool pause_each_loop;
	bool loop_ended;
};
/* Sets up the generator for a clone whose files are open as fds. 0 or a negative errno. */
int blk_gen_init(struct blk_gen *g, const struct blk_clone *clone, const int *fds, char *why,
		 size_t why_size);
/*
 * Fills in the next request's dir, fd, offset and len; false when the clone has issued all it
 * should. measuring: whether the I/O counts towards the clone's budget (ramp time does not).
 */
bool blk_gen_next(struct blk_gen *g, struct io_req *r, bool measuring);
/* After blk_gen_next returned false with g->loop_ended: the next loop's I/Os may come. */
void blk_gen_next_loop(struct blk_gen *g);
void blk_gen_free(struct blk_gen *g);

#endif
