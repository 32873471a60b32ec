/*
 * data.h - what the block workload writes: the contents of its buffers (random by default;
 * fio's buffer_pattern, buffer_compress_percentage, dedupe_percentage, ...).
 */
#ifndef PVCBENCH_BLOCK_DATA_H
#define PVCBENCH_BLOCK_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvcbench/options.h"

struct blk_job;

struct blk_data_opts {
	char reserved; /* the options of the data group go here */
};

extern const struct option_def blk_data_option_defs[];
int blk_data_validate(struct blk_job *job, char *err, size_t err_size);

/* One clone's data generator. */
struct blk_data {
	uint64_t rng[2];
};
void blk_data_init(struct blk_data *d, const struct blk_job *job, uint64_t seed);
/* Fills a buffer when it is allocated. */
void blk_data_fill(struct blk_data *d, void *buf, size_t len);
/* Prepares a buffer before it is written at offset (refill, scramble, or stamp). */
void blk_data_write(struct blk_data *d, void *buf, uint32_t len, uint64_t offset);

#endif
