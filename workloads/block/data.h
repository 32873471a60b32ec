/*
 * data.h - what the block workload writes: the contents of its buffers (random by default;
 * fio's buffer_pattern, buffer_compress_percentage, dedupe_percentage, ...).
 *
 * As in fio: buffers are filled once when allocated, and each write only scrambles them a little
 * (scramble_buffers, the default: every 512 bytes carry their offset, so no two blocks are
 * alike) unless refill_buffers, a compression or a dedupe percentage asks for new contents per
 * write. zero_buffers and buffer_pattern fill once and leave them as they are.
 */
#ifndef PVCBENCH_BLOCK_DATA_H
#define PVCBENCH_BLOCK_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvcbench/options.h"

struct blk_job;

/* fio's MAX_PATTERN_SIZE */
#define BLK_PATTERN_MAX 512

struct blk_data_opts {
	/* the rows' fields (data.c) */
	char buffer_pattern[OPT_STRING_MAX];
	int64_t buffer_compress_percentage;
	uint64_t buffer_compress_chunk;
	int64_t dedupe_percentage;
	char dedupe_mode[OPT_STRING_MAX]; /* repeat, working_set */
	int64_t dedupe_working_set_percentage;
	bool dedupe_global;
	bool refill_buffers, scramble_buffers, zero_buffers;
	/* buffer_pattern's bytes (blk_data_validate) */
	unsigned char pattern[BLK_PATTERN_MAX];
	unsigned pattern_len;
};

extern const struct option_def blk_data_option_defs[];
int blk_data_validate(struct blk_job *job, char *err, size_t err_size);

/*
 * Parses fio's buffer_pattern: 0x hex bytes of any length, decimal numbers (INT_MIN..INT_MAX,
 * their bytes little-endian without leading zero bytes), "strings" and 'files', one after the
 * other ("abc"0xff-12). Returns the number of bytes (at most size), or -EINVAL.
 */
int blk_data_parse_pattern(const char *text, unsigned char *out, unsigned size);

enum blk_data_mode {
	BLK_DATA_SCRAMBLE, /* fio's default: offsets stamped into the random contents */
	BLK_DATA_REFILL,   /* new contents on every write */
	BLK_DATA_FIXED,	   /* zeros or the pattern, as filled */
	BLK_DATA_AS_IS,	   /* scramble_buffers=0: the random contents filled once */
};

/* One clone's data generator. */
struct blk_data {
	uint64_t rng[2];
	enum blk_data_mode mode;
	bool restore; /* the clone reads into its buffers too: a fixed fill is redone per write */
	bool working_set; /* dedupe_mode=working_set */
	size_t buf_size;  /* each buffer's: a pattern starts again in each */
	const struct blk_data_opts *o;
	uint64_t dedupe_rng[2];
	/*
	 * The k-th unique buffer's contents come from seed unique_base + k, and page i of the
	 * working set's from working_set_base + i: as in fio, the working set is the first unique
	 * buffers written (unless dedupe_global shares one set between jobs).
	 */
	uint64_t unique_base, unique_count, unique_seed;
	uint64_t working_set_base, working_set_pages;
};
void blk_data_init(struct blk_data *d, const struct blk_job *job, uint64_t seed);
/* Fills a buffer when it is allocated. */
void blk_data_fill(struct blk_data *d, void *buf, size_t len);
/* Prepares a buffer before it is written at offset (refill, scramble, or stamp). */
void blk_data_write(struct blk_data *d, void *buf, uint32_t len, uint64_t offset);

#endif
