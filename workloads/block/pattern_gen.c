/*
 * pattern_gen.c - each clone's generator of I/Os: direction, file, offset and length, as fio's
 * get_io_u picks them (io_u.c): rw and rwmixread for the direction, file_service_type for the
 * file, the sequential position or a random block (random_distribution, percentage_random, the
 * :N of rw) for the offset, bs/bsrange/bssplit for the length; and the budget: io_size (default:
 * the region) per loop, loops, number_ios. Nothing here allocates or calls the kernel after init.
 */
#include "block.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The part of a file's region the generator addresses now: all of it, or the current zone. */
static inline uint64_t window_len(const struct blk_gen *g, const struct blk_gen_file *f)
{
	if (!g->p->strided)
		return f->len;
	uint64_t left = f->len - f->zone_off;
	return g->p->zonerange < left ? g->p->zonerange : left;
}

/* fio's last_block: the blocks a random offset may start at in a window of len bytes. */
static uint64_t blocks_in(const struct blk_pattern_opts *p, uint64_t len, uint64_t unit,
			  uint64_t min_bs)
{
	if (min_bs > unit) {
		if (len < min_bs - unit)
			return 0;
		len -= min_bs - unit;
	}
	return len / unit;
}

static void start_pass(struct blk_gen_file *f)
{
	memset(f->pos, 0, sizeof(f->pos));
	memset(f->last_start, 0, sizeof(f->last_start));
	f->zone_off = f->zone_bytes = f->pass_bytes = 0;
	f->perm.index = f->perm.n; /* a new permutation (and map) on the next draw */
	f->done = false;
}

/* The zoned tables: draws v in 1..100 land in [zone_start, zone_end) of the blocks. */
static int zoned_tables(struct blk_gen *g, struct blk_gen_file *f, char *why, size_t why_size)
{
	const struct blk_pattern_opts *p = g->p;

	for (unsigned d = 0; d < 3; d++) {
		uint64_t prev = 0;
		unsigned v = 0;
		for (unsigned z = 0; z < p->nzones[d]; z++) {
			const struct blk_zone_split *zs = &p->zones[d][z];
			uint64_t s, e;
			if (p->dist == DIST_ZONED) {
				s = prev * f->nblocks / 100;
				e = (prev + zs->size) * f->nblocks / 100;
			} else {
				s = prev / f->unit;
				e = (prev + zs->size) / f->unit;
				if (e > f->nblocks) {
					snprintf(
						why, why_size,
						"--random_distribution=%s: the ranges add up to more "
						"than the region (%llu bytes)",
						p->random_distribution, (unsigned long long)f->len);
					return -EINVAL;
				}
			}
			if (e <= s)
				e = s + 1 <= f->nblocks ? s + 1 : s;
			prev += zs->size;
			for (unsigned i = 0; i < zs->access && v < 100; i++, v++) {
				f->zone_start[d][v] = s;
				f->zone_end[d][v] = e;
			}
		}
	}
	return 0;
}

/*
 * Whether random I/Os of several sizes need fio's map of the blocks done: a larger I/O covers
 * blocks the permutation has still to come to, which are then skipped, and an I/O stops short of
 * a block already done, so that a pass covers each block once, as in fio.
 */
static bool needs_map(const struct blk_job *job)
{
	const struct blk_pattern_opts *p = &job->o.pat;

	if (!job->random || p->norandommap || p->dist != DIST_RANDOM)
		return false;
	for (unsigned d = 0; d < 3; d++)
		if (p->dir[d].max > p->dir[d].ba)
			return true;
	return false;
}

static inline bool map_test(const uint64_t *map, uint64_t b)
{
	return map[b / 64] >> (b % 64) & 1;
}

/*
 * The map has two levels: map[] one bit per block, full[] one bit per word of map[] that has no
 * free block left, so that a search skips 4096 done blocks per word of full[]. The bits past the
 * last block are set: the last word fills up like the others.
 */
static void map_clear(struct blk_gen_file *f)
{
	uint64_t words = (f->nblocks + 63) / 64;

	memset(f->map, 0, words * sizeof(uint64_t));
	memset(f->full, 0, (words + 63) / 64 * sizeof(uint64_t));
	if (f->nblocks % 64)
		f->map[words - 1] = ~0ULL << (f->nblocks % 64);
}

static inline void map_set(struct blk_gen_file *f, uint64_t b)
{
	uint64_t w = b / 64;

	f->map[w] |= 1ULL << (b % 64);
	if (f->map[w] == ~0ULL)
		f->full[w / 64] |= 1ULL << (w % 64);
}

/* The first block at or after b (wrapping) not in the map; UINT64_MAX when all are. */
static uint64_t map_next_free(const struct blk_gen_file *f, uint64_t b)
{
	uint64_t words = (f->nblocks + 63) / 64, groups = (words + 63) / 64;
	uint64_t free = ~f->map[b / 64] & (~0ULL << (b % 64));

	if (free)
		return b / 64 * 64 + (uint64_t)__builtin_ctzll(free);
	/* the words after b's, through the level above, wrapping once */
	uint64_t w = b / 64 + 1;
	for (uint64_t k = 0; k <= groups; k++) {
		if (w >= words)
			w = 0;
		uint64_t g = w / 64, open = ~f->full[g] & (~0ULL << (w % 64));
		if (g == groups - 1 && words % 64)
			open &= ~(~0ULL << (words % 64));
		if (open) {
			uint64_t x = g * 64 + (uint64_t)__builtin_ctzll(open);
			return x * 64 + (uint64_t)__builtin_ctzll(~f->map[x]);
		}
		w = (g + 1) * 64;
	}
	return UINT64_MAX;
}

/* Marks the free blocks of [off, off + len) from off's block on; returns the length they
 * cover (at least one block: the permutation gave a free one). */
static inline uint64_t map_claim(struct blk_gen_file *f, uint64_t off, uint64_t len)
{
	uint64_t b = off / f->unit, n = (len + f->unit - 1) / f->unit, i = 0;

	for (; i < n && b + i < f->nblocks && !map_test(f->map, b + i); i++)
		map_set(f, b + i);
	if (!i)
		return len;
	return i * f->unit < len ? i * f->unit : len;
}

static uint64_t round_up(uint64_t v, uint64_t align)
{
	return align > 1 ? (v + align - 1) / align * align : v;
}

/*
 * offset or offset_increment as a percentage: of the file's size before the run, as fio takes
 * it when it sets the file up (a file pvcbench created had none: 0, as fio's new file), rounded
 * up to offset_align. The region then ends at the file's end at the latest.
 */
static int percent_region(const struct blk_job *job, const struct blk_clone *clone, unsigned i,
			  int fd, uint64_t min_bs, uint64_t *start, uint64_t *len, char *why,
			  size_t why_size)
{
	const struct blk_pattern_opts *p = &job->o.pat;
	const struct blk_file *file = clone->files[i].file;
	uint64_t real = 0, align = p->offset_align ? p->offset_align : min_bs;

	if (!file->created) {
		off_t end = lseek(fd, 0, SEEK_END);
		real = end > 0 ? (uint64_t)end : 0;
	}
	uint64_t base = p->offset_pct >= 0
				? round_up((uint64_t)((double)real * p->offset_pct / 100), align)
				: job->o.offset;
	uint64_t inc = p->offset_inc_pct >= 0
			       ? round_up((uint64_t)((double)real * p->offset_inc_pct / 100), align)
			       : job->o.offset_increment;
	*start = base + (uint64_t)clone->clone * inc;
	if (real && *start + *len > real)
		*len = real > *start ? real - *start : 0;
	if (*len < min_bs) {
		snprintf(why, why_size, "%s: --offset=%s leaves less than a block of the file",
			 file->path, p->offset);
		return -EINVAL;
	}
	return 0;
}

int blk_gen_init(struct blk_gen *g, const struct blk_clone *clone, const int *fds, char *why,
		 size_t why_size)
{
	const struct blk_job *job = clone->job;
	const struct blk_pattern_opts *p = &job->o.pat;
	uint64_t seed = clone->seed, total = 0, unit = UINT64_MAX, min_bs = UINT64_MAX;

	memset(g, 0, sizeof(*g));
	g->clone = clone;
	g->p = p;
	g->fds = fds;
	g->nfiles = clone->nfiles;
	if (opt_given(&job->set, "randseed"))
		seed = (uint64_t)p->randseed * 0x9e3779b97f4a7c15ULL + clone->clone;
	g->files = calloc(g->nfiles, sizeof(*g->files));
	if (!g->files) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	for (unsigned d = 0; d < 3; d++) {
		if (p->dir[d].ba < unit)
			unit = p->dir[d].ba;
		if (p->dir[d].min < min_bs)
			min_bs = p->dir[d].min;
	}
	rng_seed(g->rng, seed);
	for (unsigned i = 0; i < g->nfiles; i++) {
		struct blk_gen_file *f = &g->files[i];
		f->start = clone->files[i].start;
		f->len = clone->files[i].len;
		if (p->offset_pct >= 0 || p->offset_inc_pct >= 0) {
			int ret = percent_region(job, clone, i, fds[i], min_bs, &f->start, &f->len,
						 why, why_size);
			if (ret) {
				blk_gen_free(g);
				return ret;
			}
		}
		f->unit = unit;
		f->nblocks =
			blocks_in(p, p->strided && p->zonerange < f->len ? p->zonerange : f->len,
				  unit, min_bs);
		if (!f->nblocks) {
			snprintf(why, why_size, "%s: the region (%llu bytes) is smaller than --bs",
				 clone->files[i].file->path, (unsigned long long)f->len);
			blk_gen_free(g);
			return -EINVAL;
		}
		total += f->len;
		if (needs_map(job)) {
			uint64_t words = (f->nblocks + 63) / 64;
			f->map = malloc(words * sizeof(uint64_t));
			f->full = malloc((words + 63) / 64 * sizeof(uint64_t));
			if (f->map && f->full)
				map_clear(f);
			else {
				snprintf(why, why_size, "out of memory");
				blk_gen_free(g);
				return -ENOMEM;
			}
		}
		blk_perm_init(&f->perm, f->nblocks, seed ^ 0x5bd1e995ULL ^ ((uint64_t)i << 40));
		if (p->dist == DIST_ZIPF || p->dist == DIST_PARETO || p->dist == DIST_NORMAL) {
			blk_dist_init(&f->dist, p->dist, p->dist_arg, f->nblocks,
				      seed ^ 0xa0761d6478bd642fULL ^ i);
			f->dist.shift =
				(uint64_t)(p->dist_center * (double)f->nblocks) % f->nblocks;
		}
		int ret = zoned_tables(g, f, why, why_size);
		if (ret) {
			blk_gen_free(g);
			return ret;
		}
	}
	if (p->fservice == FS_ZIPF || p->fservice == FS_PARETO || p->fservice == FS_NORMAL)
		blk_dist_init(&g->fdist,
			      p->fservice == FS_ZIPF	 ? DIST_ZIPF
			      : p->fservice == FS_PARETO ? DIST_PARETO
							 : DIST_NORMAL,
			      p->fservice_arg, g->nfiles, seed ^ 0xe7037ed1a0b428dbULL);
	g->cur_left = p->fservice_nr;
	g->seq_left = p->seq_nr;
	g->time_based = job->o.time_based;
	g->loop_budget = p->io_size ? p->io_size : total;
	g->wraps = g->time_based || g->loop_budget > total;
	g->loops_left = (uint64_t)(p->loops > 0 ? p->loops : 1) - 1;
	/*
	 * io_size with loops, as fio 3.33 does it (measured: size=32k gives io_size=48k loops=2:
	 * 64k, loops=3: 96k; io_size=96k loops=2: 96k; io_size=16k loops=3: 48k): the first loop
	 * issues io_size, each later one at most min(io_size, the region), and all of them
	 * max(io_size, loops x min(io_size, the region)).
	 */
	g->later_budget = g->loop_budget < total ? g->loop_budget : total;
	uint64_t all = g->later_budget * (g->loops_left + 1);
	if (all < g->loop_budget)
		all = g->loop_budget;
	g->left_after = all - g->loop_budget;
	g->limited_ios = p->number_ios > 0;
	g->ios_left = (uint64_t)p->number_ios;
	return 0;
}

/* The end of one loop: the next starts from the beginning, or the clone is done. */
static void end_loop(struct blk_gen *g)
{
	if (!g->loops_left) {
		g->finished = true;
		return;
	}
	if (!g->left_after) {
		g->finished = true; /* io_size's total is reached: the loops end here */
		return;
	}
	g->loops_left--;
	g->loop_budget = g->later_budget < g->left_after ? g->later_budget : g->left_after;
	g->left_after -= g->loop_budget;
	/* the worker acts first: finished stops the generator on its one usual check */
	g->loop_ended = g->finished = g->pause_each_loop;
	g->loop_bytes = 0;
	g->ios_left = (uint64_t)g->p->number_ios; /* fio: number_ios is per loop */
	g->cur = 0;
	g->cur_left = g->p->fservice_nr;
	g->trim_done = false;
	for (unsigned i = 0; i < g->nfiles; i++)
		start_pass(&g->files[i]);
}

static inline enum io_dir next_dir(struct blk_gen *g)
{
	switch (g->clone->job->pattern) {
	case PAT_READ:
	case PAT_RANDREAD:
		return IO_READ;
	case PAT_WRITE:
	case PAT_RANDWRITE:
		return IO_WRITE;
	case PAT_TRIM:
	case PAT_RANDTRIM:
		return IO_TRIM;
	case PAT_TRIMWRITE:
	case PAT_RANDTRIMWRITE:
		return g->trim_done ? IO_WRITE : IO_TRIM;
	default:
		break;
	}
	/*
	 * fio's rwmix: a direction drawn by rwmixread is kept until its count catches up with the
	 * other direction's times its share, then each I/O draws again; the counts stay close to
	 * the mix all along, not only on average.
	 */
	if (g->mix_issued[g->mix_dir] >= g->mix_until) {
		unsigned dir =
			(unsigned)rng_range(g->rng, 1, 100) <= g->p->mixread ? IO_READ : IO_WRITE;
		if (dir != g->mix_dir)
			g->mix_until = g->mix_issued[g->mix_dir] *
				       (dir == IO_READ ? g->p->mixread : 100 - g->p->mixread) / 100;
		g->mix_dir = dir;
	}
	g->mix_issued[g->mix_dir]++;
	return (enum io_dir)g->mix_dir;
}

/* file_service_type: the file of the next I/O. */
static inline unsigned next_file(struct blk_gen *g, enum io_dir dir)
{
	const struct blk_pattern_opts *p = g->p;

	if (g->nfiles == 1 || (p->trimwrite && dir == IO_WRITE))
		return g->cur;
	if (p->fservice == FS_SEQUENTIAL) {
		const struct blk_gen_file *f = &g->files[g->cur];
		if (f->pass_bytes >= f->len || f->done) {
			g->cur = (g->cur + 1) % g->nfiles;
			start_pass(&g->files[g->cur]);
		}
		return g->cur;
	}
	if (!g->cur_left) {
		g->cur_left = p->fservice_nr;
		switch (p->fservice) {
		case FS_RANDOM:
			g->cur = (unsigned)rng_range(g->rng, 0, g->nfiles - 1);
			break;
		case FS_ZIPF:
		case FS_PARETO:
		case FS_NORMAL:
			g->cur = (unsigned)blk_dist_next(&g->fdist, g->rng);
			break;
		default:
			g->cur = (g->cur + 1) % g->nfiles;
		}
	}
	g->cur_left--;
	return g->cur;
}

/* fio's get_next_buflen: a length for an I/O at off of a window of wlen bytes; 0: none fits. */
static inline uint64_t next_len(struct blk_gen *g, enum io_dir dir, bool random, uint64_t off,
				uint64_t wlen)
{
	const struct blk_pattern_opts *p = g->p;
	const struct blk_dir_bs *b = &p->dir[p->bs_is_seq_rand ? (random ? 1 : 0) : dir];
	uint64_t room = wlen > off ? wlen - off : 0, len = b->min;

	if (b->min == b->max)
		return b->min <= room ? b->min : 0;
	if (b->min > room)
		return 0;
	for (unsigned tries = 0; tries < 16; tries++) {
		if (b->nsplit) {
			unsigned v = (unsigned)rng_range(g->rng, 0, 99), cum = 0;
			for (unsigned i = 0; i < b->nsplit; i++) {
				if (!b->split[i].perc)
					continue;
				len = b->split[i].bs;
				cum += b->split[i].perc;
				if (v < cum && len <= room)
					break;
			}
		} else {
			/* fio: min + max * u, so max comes up more often than the others */
			double u = (double)(rng_next(g->rng) >> 11) * 0x1.0p-53;
			len = b->min + (uint64_t)((double)b->max * u);
		}
		if (!p->bs_unaligned)
			len -= len % b->min;
		if (len > b->max)
			len = b->max;
		if (len <= room)
			return len;
	}
	return b->min;
}

/* A random block of the window per random_distribution (relative offset in bytes). */
static inline uint64_t random_offset(struct blk_gen *g, struct blk_gen_file *f, enum io_dir dir,
				     uint64_t wlen)
{
	const struct blk_pattern_opts *p = g->p;
	const struct blk_dir_bs *b = &p->dir[dir];
	uint64_t nb = f->nblocks, blk;

	if (p->strided) {
		uint64_t n = blocks_in(p, wlen, f->unit, b->min);
		nb = n && n < nb ? n : nb;
	}
	switch (p->dist) {
	case DIST_ZIPF:
	case DIST_PARETO:
	case DIST_NORMAL:
		blk = blk_dist_next(&f->dist, g->rng);
		break;
	case DIST_ZONED:
	case DIST_ZONED_ABS:
		if (p->nzones[dir]) {
			unsigned v = (unsigned)rng_range(g->rng, 0, 99);
			uint64_t s = f->zone_start[dir][v], e = f->zone_end[dir][v];
			blk = e > s ? s + (uint64_t)rng_range(g->rng, 0, (int64_t)(e - s - 1)) : s;
			break;
		}
		__attribute__((fallthrough)); /* no ranges for this direction: uniform */
	default:
		if (p->norandommap) {
			blk = (uint64_t)rng_range(g->rng, 0, (int64_t)f->nblocks - 1);
		} else if (f->map) {
			/* a larger I/O covered the drawn block: the next free one after it, as
			 * fio's axmap_next_free; a full map starts a new pass */
			if (f->perm.index >= f->perm.n)
				map_clear(f);
			blk = blk_perm_next(&f->perm);
			if (map_test(f->map, blk)) {
				blk = map_next_free(f, blk);
				if (blk == UINT64_MAX) {
					map_clear(f);
					f->perm.index = f->perm.n;
					blk = blk_perm_next(&f->perm);
				}
			}
		} else {
			blk = blk_perm_next(&f->perm);
		}
	}
	if (blk >= nb)
		blk = (uint64_t)rng_range(g->rng, 0, (int64_t)nb - 1);
	uint64_t off = blk * f->unit;
	return off - off % b->ba;
}

bool blk_gen_next(struct blk_gen *g, struct io_req *r, bool measuring)
{
	const struct blk_pattern_opts *p = g->p;
	bool random = g->clone->job->random;

	for (unsigned attempt = 0; attempt < 4; attempt++) {
		if (g->finished)
			return false;
		if (!g->time_based && g->loop_bytes >= g->loop_budget) {
			end_loop(g);
			continue;
		}
		if (g->limited_ios && !g->ios_left) {
			end_loop(g); /* number_ios ends the loop as the bytes would */
			continue;
		}

		enum io_dir dir = next_dir(g);
		unsigned fi = next_file(g, dir);
		struct blk_gen_file *f = &g->files[fi];
		uint64_t wlen = window_len(g, f), off, len;
		bool is_random = false;

		if (p->trimwrite && dir == IO_WRITE) {
			/* the write of the block just trimmed */
			off = f->last_start[IO_TRIM];
			len = f->pos[IO_TRIM] - off;
		} else {
			bool hit = true;
			if (p->seq_nr > 1 && --g->seq_left)
				hit = false;
			else
				g->seq_left = p->seq_nr;
			if (hit && random &&
			    (p->perc_rand[dir] >= 100 ||
			     (unsigned)rng_range(g->rng, 1, 100) <= p->perc_rand[dir])) {
				off = random_offset(g, f, dir, wlen);
				is_random = true;
			} else if (!hit && p->seq_identical) {
				off = f->last_start[dir];
			} else {
				/* fio: the hole follows an I/O that ended inside the window;
				 * a hole past the end wraps to the start */
				off = f->pos[dir];
				if (off && off < wlen && p->seq_add) {
					off += p->seq_add;
					if (off >= wlen)
						off = 0;
				}
			}
			len = next_len(g, dir, is_random, off, wlen);
			if (!len && !is_random && random) {
				/* fio: when the sequential part runs out, a random block */
				off = random_offset(g, f, dir, wlen);
				is_random = true;
				len = next_len(g, dir, true, off, wlen);
			} else if (!len && !is_random) {
				/* the end of the window: the next file, a wrap, or the loop's end */
				f->pos[dir] = 0;
				if (p->fservice == FS_SEQUENTIAL && g->nfiles > 1 && !g->wraps) {
					f->done = true;
					continue;
				}
				if (!g->wraps && !p->strided && g->nfiles == 1) {
					end_loop(g);
					continue;
				}
				off = 0;
				len = next_len(g, dir, false, 0, wlen);
			}
			if (!len)
				continue;
			if (is_random && f->map) {
				/* fio shortens an I/O at a done block only when sizes vary;
				 * a fixed size larger than ba keeps its length */
				const struct blk_dir_bs *b = &p->dir[p->bs_is_seq_rand ? 1 : dir];
				uint64_t claimed = map_claim(f, off, len);
				if (b->min != b->max)
					len = claimed;
			}
		}
		f->last_start[dir] = off;
		f->pos[dir] = off + len; /* where the last I/O ended */
		r->dir = (uint8_t)dir;
		r->fd = g->fds[fi];
		r->offset = f->start + (p->strided ? f->zone_off : 0) + off;
		r->len = (uint32_t)len;
		if (p->trimwrite)
			g->trim_done = dir == IO_TRIM;
		if (!(p->trimwrite && dir == IO_TRIM)) {
			/* trimwrite: io_size counts the writes; each has its trim */
			f->pass_bytes += len;
			if (measuring) {
				g->loop_bytes += len;
				if (g->limited_ios)
					g->ios_left--;
			}
			if (p->strided) {
				f->zone_bytes += len;
				if (f->zone_bytes >= p->zonesize) {
					f->zone_bytes = 0;
					f->zone_off += p->zonerange + p->zoneskip;
					if (f->zone_off >= f->len)
						f->zone_off = 0;
					memset(f->pos, 0, sizeof(f->pos));
				}
			}
		} else if (measuring && g->limited_ios) {
			g->ios_left--;
		}
		return true;
	}
	return false;
}

void blk_gen_next_loop(struct blk_gen *g)
{
	g->loop_ended = g->finished = false;
}

void blk_gen_free(struct blk_gen *g)
{
	for (unsigned i = 0; g->files && i < g->nfiles; i++)
		free(g->files[i].map), free(g->files[i].full);
	free(g->files);
	g->files = NULL;
}
