/*
 * offsets.c - random block numbers that cover the region without repeats within a pass.
 *
 * A pass is a permutation of 0..n-1: a four-round Feistel network over the smallest even number
 * of bits that holds n, walked until it lands below n (cycle walking: under four steps on
 * average). A Feistel network is a bijection whatever its round function, so every block comes
 * exactly once per pass. Each pass draws new keys, so passes differ.
 */
#include "block.h"

#include <string.h>

void blk_fill_random(void *buf, size_t len, uint64_t s[2])
{
	unsigned char *p = buf;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t v = rng_next(s);
		memcpy(p + i, &v, 8);
	}
	if (i < len) {
		uint64_t v = rng_next(s);
		memcpy(p + i, &v, len - i);
	}
}

static void new_pass(struct blk_perm *p)
{
	for (unsigned i = 0; i < 4; i++)
		p->keys[i] = (uint32_t)rng_next(p->rng);
	p->index = 0;
}

void blk_perm_init(struct blk_perm *p, uint64_t n, uint64_t seed)
{
	unsigned bits = 2;

	memset(p, 0, sizeof(*p));
	p->n = n ? n : 1;
	while (bits < 64 && (1ULL << bits) < p->n)
		bits++;
	bits += bits & 1;
	p->half_bits = bits / 2;
	p->mask = (1ULL << p->half_bits) - 1;
	rng_seed(p->rng, seed);
	new_pass(p);
}

/* A full 64-bit mix (splitmix64's finaliser): a weaker one leaves small regions nearly in order. */
static inline uint64_t round_fn(uint64_t x, uint32_t key)
{
	x ^= (uint64_t)key * 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t feistel(const struct blk_perm *p, uint64_t x)
{
	uint64_t left = x >> p->half_bits, right = x & p->mask;

	for (unsigned r = 0; r < 4; r++) {
		uint64_t next = left ^ (round_fn(right, p->keys[r]) & p->mask);
		left = right;
		right = next;
	}
	return (left << p->half_bits) | right;
}

uint64_t blk_perm_map(const struct blk_perm *p, uint64_t x)
{
	do
		x = feistel(p, x);
	while (x >= p->n);
	return x;
}

uint64_t blk_perm_next(struct blk_perm *p)
{
	if (p->index >= p->n)
		new_pass(p);
	uint64_t x = p->index++;
	do
		x = feistel(p, x);
	while (x >= p->n);
	return x;
}
