/*
 * hist.c - the log-linear latency histogram declared in hist.h: bucket bounds, merging,
 * percentiles, mean and standard deviation.
 *
 * Recording is inline in the header; everything here runs once per report, so it favours
 * exactness over speed. Invariants: count is the sum of all buckets (hist_add_bucket keeps it
 * so), and min/max/sum/sum_squares describe exactly the values recorded with hist_record.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "pvcbench/hist.h"

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	unsigned i;

	into->count += from->count;
	into->sum += from->sum;
	into->sum_squares += from->sum_squares;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
	for (i = 0; i < HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
}

uint64_t hist_bucket_low(unsigned bucket)
{
	unsigned row, sub;

	if (bucket >= HIST_BUCKETS)
		bucket = HIST_BUCKETS - 1;
	if (bucket < HIST_LINEAR)
		return bucket;
	row = (bucket - HIST_LINEAR) / HIST_SUB_COUNT;
	sub = (bucket - HIST_LINEAR) % HIST_SUB_COUNT;
	return (uint64_t)(HIST_SUB_COUNT + sub) << (row + 1);
}

uint64_t hist_bucket_high(unsigned bucket)
{
	unsigned row;

	/* The last bucket also takes every value of 2^HIST_TOP_BIT and more. */
	if (bucket >= HIST_BUCKETS - 1)
		return UINT64_MAX;
	if (bucket < HIST_LINEAR)
		return bucket;
	row = (bucket - HIST_LINEAR) / HIST_SUB_COUNT;
	return hist_bucket_low(bucket) + ((uint64_t)1 << (row + 1)) - 1;
}

int hist_add_bucket(struct hist *h, unsigned bucket, uint64_t count)
{
	if (bucket >= HIST_BUCKETS)
		return -EINVAL;
	h->buckets[bucket] += count;
	h->count += count;
	return 0;
}

/*
 * The nearest rank ceil(percentile / 100 * count), at least 1. Percentiles come as decimals that
 * binary floating point cannot hold (99.9 is 99.900000000000006), so a product within a hair of
 * an integer is taken as that integer: otherwise p99.9 of 1000 values would be rank 1000.
 */
static uint64_t hist_rank(uint64_t count, double percentile)
{
	long double exact = (long double)percentile / 100.0L * (long double)count;
	long double nearest = roundl(exact);
	uint64_t rank;

	if (fabsl(exact - nearest) <= 1e-9L * (nearest > 1.0L ? nearest : 1.0L))
		exact = nearest;
	else
		exact = ceill(exact);
	if (exact >= (long double)count)
		return count;
	rank = (uint64_t)exact;
	return rank ? rank : 1;
}

uint64_t hist_value_at(const struct hist *h, double percentile)
{
	uint64_t rank, seen = 0, low, high, mid;
	unsigned i;

	if (h->count == 0)
		return 0;
	if (!(percentile > 0.0))
		percentile = 0.0;
	rank = hist_rank(h->count, percentile > 100.0 ? 100.0 : percentile);
	for (i = 0; i < HIST_BUCKETS - 1; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			break;
	}
	low = hist_bucket_low(i);
	high = hist_bucket_high(i);
	mid = low + (high - low) / 2;
	/* min/max are unknown (UINT64_MAX / 0) when only buckets were added */
	if (h->min <= h->max) {
		if (mid < h->min)
			mid = h->min;
		if (mid > h->max)
			mid = h->max;
	}
	return mid;
}

double hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return 0.0;
	return (double)((long double)h->sum / (long double)h->count);
}

/*
 * var = (n * sumsq - sum^2) / n^2. The numerator is exact in 128 bits whenever n * sumsq fits,
 * which avoids the cancellation of sumsq / n - mean^2 when the spread is small against the mean.
 */
double hist_stddev(const struct hist *h)
{
	unsigned __int128 n = h->count, scaled, numerator;
	long double var, mean;

	if (h->count < 2)
		return 0.0;
	if (!__builtin_mul_overflow(n, h->sum_squares, &scaled)) {
		unsigned __int128 square = (unsigned __int128)h->sum * h->sum;

		numerator = scaled > square ? scaled - square : 0;
		var = (long double)numerator /
		      ((long double)h->count * (long double)(h->count - 1));
	} else {
		mean = (long double)h->sum / (long double)h->count;
		var = ((long double)h->sum_squares - mean * (long double)h->sum) /
		      (long double)(h->count - 1);
		if (var < 0.0L)
			var = 0.0L;
	}
	return (double)sqrtl(var);
}
