/*
 * rng.h - the project's random numbers: xoroshiro128+ seeded through splitmix64. Fast, with no
 * state beyond two words, and good enough for offsets, mixes, buffer contents, benchmark
 * variables and arrival times (not for anything secret). rng_range and rng_exponential use the
 * high bits, which are xoroshiro128+'s best.
 */
#ifndef PVCBENCH_RNG_H
#define PVCBENCH_RNG_H

#include <math.h>
#include <stdint.h>

/* splitmix64: one step; also a full 64-bit mix of *x's sequence */
static inline uint64_t rng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Seeds a generator from any 64-bit value (never the all-zero state) */
static inline void rng_seed(uint64_t s[2], uint64_t seed)
{
	s[0] = rng_splitmix64(&seed);
	s[1] = rng_splitmix64(&seed);
	if (!s[0] && !s[1])
		s[1] = 1;
}

/* xoroshiro128+ */
static inline uint64_t rng_next(uint64_t s[2])
{
	uint64_t s0 = s[0], s1 = s[1], result = s0 + s1;

	s1 ^= s0;
	s[0] = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
	s[1] = (s1 << 37) | (s1 >> 27);
	return result;
}

/* Uniform in [lo, hi] */
static inline int64_t rng_range(uint64_t s[2], int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)(hi - lo) + 1;
	return lo + (int64_t)(((unsigned __int128)rng_next(s) * span) >> 64);
}

/* Exponentially distributed with this mean: the gaps between Poisson arrivals */
static inline uint64_t rng_exponential(uint64_t s[2], uint64_t mean)
{
	double u = (double)((rng_next(s) >> 11) + 1) * 0x1.0p-53; /* (0, 1] */
	return (uint64_t)(-log(u) * (double)mean);
}

#endif
