/*
 * hist.h - an HDR-style log-linear latency histogram.
 *
 * Values are nanoseconds. Values below HIST_LINEAR (256) have a bucket each; above, every power of
 * two [2^k, 2^(k+1)) is cut into HIST_SUB_COUNT (128) equal buckets, so a bucket is never wider
 * than 1/128 of its lower bound and a value read back (the bucket's midpoint, clamped to the
 * exact min and max) is within 0.4% of any value recorded into it. Values of 2^42 ns (73 min) and
 * more share the last bucket; min and max stay exact.
 *
 * The struct is plain fixed memory (~37 KB): recording is a count-leading-zeros, two shifts and
 * a few adds, with no allocation, lock or atomic. Merging is adding counts, so histograms of many
 * workers, or of many pods read back from JSON, combine exactly. sum (64-bit: 584 years of
 * nanoseconds) and sum of squares (128-bit) are kept exactly, so mean and stddev merge exactly too.
 */
#ifndef PVCBENCH_HIST_H
#define PVCBENCH_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB_COUNT (1u << HIST_SUB_BITS) /* 128 buckets per power of two */
#define HIST_LINEAR (2u * HIST_SUB_COUNT)    /* 0..255: one bucket per value */
#define HIST_TOP_BIT 42			     /* 2^42 ns = 73 minutes */
#define HIST_BUCKETS (HIST_LINEAR + (HIST_TOP_BIT - HIST_SUB_BITS - 1) * HIST_SUB_COUNT)

struct hist {
	uint64_t count;
	uint64_t min; /* UINT64_MAX while empty */
	uint64_t max;
	uint64_t sum;
	unsigned __int128 sum_squares;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
/* Adds every count of from into into. */
void hist_merge(struct hist *into, const struct hist *from);

/* Index of the bucket that holds value, and the lowest and highest value of a bucket. */
static inline unsigned hist_bucket_of(uint64_t value)
{
	if (value < HIST_LINEAR)
		return (unsigned)value;
	unsigned top = 63u - (unsigned)__builtin_clzll(value);
	if (top >= HIST_TOP_BIT)
		return HIST_BUCKETS - 1;
	unsigned shift = top - HIST_SUB_BITS;
	return HIST_LINEAR + (shift - 1) * HIST_SUB_COUNT +
	       (unsigned)((value >> shift) - HIST_SUB_COUNT);
}
uint64_t hist_bucket_low(unsigned bucket);
uint64_t hist_bucket_high(unsigned bucket);

static inline void hist_record(struct hist *h, uint64_t value)
{
	h->count++;
	h->sum += value;
	h->sum_squares += (unsigned __int128)value * value;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
	h->buckets[hist_bucket_of(value)]++;
}

/* Adds count values that fell into bucket (used when reading a histogram back from JSON);
 * min, max, sum and sum_squares are the caller's to restore. Returns -EINVAL for a bad bucket. */
int hist_add_bucket(struct hist *h, unsigned bucket, uint64_t count);

/*
 * The value at a percentile (0 < percentile <= 100): the smallest recorded value v such that at
 * least percentile% of the values are <= v (nearest rank), read as its bucket's midpoint clamped
 * to [min, max]. 0 for an empty histogram.
 */
uint64_t hist_value_at(const struct hist *h, double percentile);
double hist_mean(const struct hist *h);
/* Sample standard deviation (divides by n - 1, as fio prints it), 0 for fewer than two values. */
double hist_stddev(const struct hist *h);

#endif
