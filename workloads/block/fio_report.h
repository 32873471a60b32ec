/*
 * fio_report.h - what fio prints of a group: the text report, the JSON jobs, terse lines, and
 * the options that shape them (percentile_list, group_reporting, unified_rw_reporting, ...).
 */
#ifndef PVCBENCH_BLOCK_FIO_REPORT_H
#define PVCBENCH_BLOCK_FIO_REPORT_H

#include <stddef.h>

#include "pvcbench/options.h"

struct blk_job;

struct blk_report_opts {
	char reserved; /* the options of the reporting group go here */
};

extern const struct option_def blk_report_option_defs[];
int blk_report_validate(struct blk_job *job, char *err, size_t err_size);

#endif
