/*
 * data.c - the data options (buffer_pattern, buffer_compress_percentage, ...) and the contents
 * of what the block workload writes.
 */
#include "block.h"

#include <stddef.h>
#include <string.h>

const struct option_def blk_data_option_defs[] = { { 0 } };

int blk_data_validate(struct blk_job *job, char *err, size_t err_size)
{
	(void)job;
	(void)err;
	(void)err_size;
	return 0;
}

void blk_data_init(struct blk_data *d, const struct blk_job *job, uint64_t seed)
{
	(void)job;
	rng_seed(d->rng, seed);
}

void blk_data_fill(struct blk_data *d, void *buf, size_t len)
{
	blk_fill_random(buf, len, d->rng);
}

void blk_data_write(struct blk_data *d, void *buf, uint32_t len, uint64_t offset)
{
	/* every block written differs: deduplicating storage is measured honestly */
	uint64_t stamp[2] = { rng_next(d->rng), offset };

	memcpy(buf, stamp, sizeof(stamp) < len ? sizeof(stamp) : len);
}
