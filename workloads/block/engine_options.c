/*
 * engine_options.c - the job options of the I/O path: ioengine, iodepth and its batching.
 */
#include "block.h"

#include <stddef.h>

#define F(field) offsetof(struct blk_options, field)

const struct option_def blk_engine_job_option_defs[] = {
	{ .name = "iodepth",
	  .type = OPT_INT,
	  .offset = F(iodepth),
	  .def = "1",
	  .min = 1,
	  .max = 4096,
	  .help = "I/Os in flight per job (psync: always 1)" },
	{ .name = "iodepth_batch_submit",
	  .alias = "iodepth_batch",
	  .type = OPT_INT,
	  .offset = F(iodepth_batch_submit),
	  .def = "4",
	  .max = 4096,
	  .help = "submit refills every N of them; 0 = all with the next wait (fio's default: 1)" },
	{ .name = "ioengine",
	  .type = OPT_CHOICE,
	  .offset = F(ioengine),
	  .def = "auto",
	  .choices = blk_engine_choices, /* from the engine table (engine.c) */
	  .help = "I/O engine; auto: the first of the others that starts, in this order" },
	{ 0 }
};

int blk_engine_job_validate(struct blk_job *job, char *err, size_t err_size)
{
	(void)job;
	(void)err;
	(void)err_size;
	return 0;
}
