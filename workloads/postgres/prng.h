/*
 * prng.h - PostgreSQL's pg_prng, as pgbench 15 draws from it: xoroshiro128** seeded through
 * splitmix64 (an all-zero state replaced by Knuth's LCG constants), integers in a range by
 * bitmask rejection, doubles from the top 52 bits. Written here from that arithmetic so that
 * pgbench's sequences come out the same for the same --random-seed: the clients' states, the
 * script choice, :default_seed, permute(), and the random*() functions.
 */
#ifndef PVCBENCH_PGBENCH_PRNG_H
#define PVCBENCH_PGBENCH_PRNG_H

#include <math.h>
#include <stdint.h>

#include "pvcbench/rng.h"

static inline void pgb_prng_seed(uint64_t s[2], uint64_t seed)
{
	s[0] = rng_splitmix64(&seed);
	s[1] = rng_splitmix64(&seed);
	if (!s[0] && !s[1]) {
		s[0] = 0x5851F42D4C957F2DULL;
		s[1] = 0x14057B7EF767814FULL;
	}
}

static inline uint64_t pgb_prng_rotl(uint64_t x, int bits)
{
	return (x << bits) | (x >> (64 - bits));
}

static inline uint64_t pgb_prng_next(uint64_t s[2])
{
	uint64_t s0 = s[0], sx = s[1] ^ s0, val = pgb_prng_rotl(s0 * 5, 7) * 9;

	s[0] = pgb_prng_rotl(s0, 24) ^ sx ^ (sx << 16);
	s[1] = pgb_prng_rotl(sx, 37);
	return val;
}

/* Uniform in [0, range], by bitmask rejection as pg_prng_uint64_range; range 0 draws nothing */
static inline uint64_t pgb_prng_upto(uint64_t s[2], uint64_t range)
{
	uint64_t v;

	if (!range)
		return 0;
	do
		v = pgb_prng_next(s) >> __builtin_clzll(range);
	while (v > range);
	return v;
}

/* Uniform in [lo, hi] (lo <= hi), as pg_prng_int64_range: pgbench's random() */
static inline int64_t pgb_prng_range(uint64_t s[2], int64_t lo, int64_t hi)
{
	return (int64_t)((uint64_t)lo + pgb_prng_upto(s, (uint64_t)hi - (uint64_t)lo));
}

/* Uniform in [0, 1), from the top 52 bits, as pg_prng_double */
static inline double pgb_prng_double(uint64_t s[2])
{
	return ldexp((double)(pgb_prng_next(s) >> 12), -52);
}

#endif
