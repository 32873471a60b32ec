/*
 * pattern_dist.c - the non-uniform distributions of random_distribution and file_service_type:
 * zipf (Gray et al.'s "Quickly generating billion-record synthetic databases", as fio uses),
 * pareto (fio's power of a uniform draw) and normal (Box-Muller, deviation in percent of the
 * range). Each draws a rank; the rank is then scattered over the range by a fixed bijection, so
 * the popular blocks are spread over the file as fio spreads them with a hash. Sequences differ
 * from fio's (its generator is another), the distributions of ranks are the same.
 */
#include "block.h"

#include <math.h>
#include <string.h>

/* fio computes zipf's normalising sum over at most this many terms. */
#define ZIPF_MAX_TERMS 10000000ULL

static double uniform(uint64_t rng[2])
{
	return (double)(rng_next(rng) >> 11) * 0x1.0p-53; /* [0, 1) */
}

void blk_dist_init(struct blk_dist *d, enum blk_dist_kind kind, double arg, uint64_t n,
		   uint64_t seed)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->n = n ? n : 1;
	blk_perm_init(&d->scatter, d->n, seed);
	switch (kind) {
	case DIST_ZIPF: {
		uint64_t terms = d->n < ZIPF_MAX_TERMS ? d->n : ZIPF_MAX_TERMS;
		d->theta = arg;
		for (uint64_t i = 1; i <= terms; i++)
			d->zetan += pow((double)i, -arg);
		d->zeta2 = 1.0 + pow(0.5, arg);
		d->alpha = 1.0 / (1.0 - arg);
		d->eta = (1.0 - pow(2.0 / (double)d->n, 1.0 - arg)) / (1.0 - d->zeta2 / d->zetan);
		break;
	}
	case DIST_PARETO:
		d->pareto_pow = log(arg) / log(1.0 - arg);
		break;
	case DIST_NORMAL:
		d->dev = arg / 100.0 * (double)d->n;
		break;
	default:
		break;
	}
}

uint64_t blk_dist_rank(const struct blk_dist *d, uint64_t rng[2])
{
	double v;

	switch (d->kind) {
	case DIST_ZIPF: {
		double u = uniform(rng), uz = u * d->zetan;
		if (uz < 1.0)
			return 0;
		if (uz < d->zeta2 || d->n < 2)
			return d->n > 1 ? 1 : 0;
		v = (double)d->n * pow(d->eta * u - d->eta + 1.0, d->alpha);
		break;
	}
	case DIST_PARETO:
		v = (double)(d->n - 1) * pow(uniform(rng), d->pareto_pow);
		break;
	case DIST_NORMAL:
		/* redraw what falls outside the range (a truncated normal, centred) */
		for (unsigned tries = 0;; tries++) {
			double u1 = 1.0 - uniform(rng), u2 = uniform(rng);
			double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
			v = (double)d->n / 2.0 + z * d->dev;
			if ((v >= 0 && v < (double)d->n) || tries > 64)
				break;
		}
		break;
	default:
		return (uint64_t)rng_range(rng, 0, (int64_t)d->n - 1);
	}
	if (!(v >= 0))
		return 0;
	return v >= (double)d->n ? d->n - 1 : (uint64_t)v;
}

uint64_t blk_dist_next(const struct blk_dist *d, uint64_t rng[2])
{
	uint64_t v = blk_perm_map(&d->scatter, blk_dist_rank(d, rng)) + d->shift;
	return v >= d->n ? v - d->n : v;
}
