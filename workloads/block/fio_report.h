/*
 * fio_report.h - what fio prints of a group: the text report, the JSON jobs, terse lines, and
 * the options that shape them (percentile_list, group_reporting, unified_rw_reporting, ...).
 *
 * Three printers share one model (struct blk_unit, fio_output.c): what fio calls a job's
 * thread_stat, i.e. one clone, or all clones of a job with group_reporting. fio_text.c prints
 * the normal text, fio_json.c the JSON jobs, fio_terse.c the terse (--minimal) lines.
 */
#ifndef PVCBENCH_BLOCK_FIO_REPORT_H
#define PVCBENCH_BLOCK_FIO_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pvcbench/options.h"

struct blk_job;
struct blk_group_result;
struct jsonw;

/* fio's FIO_IO_U_LIST_MAX_LEN: at most 20 percentiles in percentile_list */
#define BLK_MAX_PERCENTILES 20

enum blk_unified { BLK_UNIFIED_NONE, BLK_UNIFIED_MIXED, BLK_UNIFIED_BOTH };

struct blk_report_opts {
	char unified_rw_reporting[OPT_STRING_MAX]; /* none, mixed, both (0, 1 as fio) */
	bool clat_percentiles, lat_percentiles, slat_percentiles;
	char percentile_list[OPT_STRING_MAX]; /* "99.5:99.9"; empty: fio's default list */
	int64_t significant_figures;
	bool disk_util;
	bool stats;
	int64_t kb_base;   /* 1024 or 1000: which base prints first */
	int64_t unit_base; /* 0 or 8: bytes, 1: bits */
	/* derived by blk_report_validate */
	enum blk_unified unified;
	double percentiles[BLK_MAX_PERCENTILES];
	unsigned npercentiles;
	unsigned precision; /* decimals printed: the most the list was given with (fio's) */
};

extern const struct option_def blk_report_option_defs[];
int blk_report_validate(struct blk_job *job, char *err, size_t err_size);

/* The output formats of --output-format (a comma list) and --minimal: a bitmask. */
enum {
	BLK_OUT_NORMAL = 1u << 0,
	BLK_OUT_JSON = 1u << 1,
	BLK_OUT_JSON_PLUS = 1u << 2, /* json with clat_ns "bins" */
	BLK_OUT_TERSE = 1u << 3,
};

/* fio's disk utilisation: a disk's /sys/block/NAME/stat counters (fio_disk.c). */
#define BLK_MAX_DISKS 16
struct blk_disk {
	char name[64];
	uint64_t ios[2], merges[2], sectors[2], ticks[2]; /* read, write */
	uint64_t io_ticks, time_in_queue;
	uint64_t msec; /* when read (CLOCK_MONOTONIC); in a difference: the time between */
};
struct blk_disk_util {
	struct blk_disk start[BLK_MAX_DISKS], delta[BLK_MAX_DISKS];
	unsigned n;
	bool stopped; /* delta holds the run's differences */
};
/* Before a group runs (its files laid out): the disks under its files and their counters. */
void blk_disk_util_start(struct blk_disk_util *du, const struct blk_group_result *gr);
/* After it ran: the differences. */
void blk_disk_util_stop(struct blk_disk_util *du);
/* Adds a stopped run's differences to into (zeroed first): fio reports the whole command. */
void blk_disk_util_add(struct blk_disk_util *into, const struct blk_disk_util *run);
/* JSON "disk_util" (top level), the text block, the terse fields; nothing without disks. */
void blk_disk_util_json(struct jsonw *j, const struct blk_disk_util *du);
void blk_disk_util_print(FILE *out, const struct blk_disk_util *du);
void blk_disk_util_terse(FILE *out, const struct blk_disk_util *du);

/*
 * What fio prints at the end, in fio's order: every job's terse lines, then (when JSON is not
 * written by the command's envelope) nothing of JSON, then every job's report, then every
 * reporting group's "Run status group N (all jobs):" block, then "Disk stats" (du, NULL: none).
 * runs[i] is run i (the jobs between two stonewalls); each job carries its fio groupid
 * (job->groupid), which numbers the reporting groups: a run may hold several (new_group).
 */
void blk_report_end(FILE *out, unsigned formats, unsigned terse_version,
		    const struct blk_group_result *const *runs, unsigned nruns,
		    const struct blk_disk_util *du);
/*
 * What fio prints before its runs, for every job of every group: "JOB: (g=0): rw=..., bs=...,
 * ioengine=..., iodepth=N" (and "..." for numjobs > 1), its version line, and "Starting N
 * processes" (threads when every job has thread=1).
 */
void blk_print_run_header(FILE *out, struct blk_job *const *jobs, unsigned njobs);
/*
 * The printers of one run's jobs, r < nruns: each needs every run, as a job's bw_agg is a
 * share of its whole reporting group. The job lines carry each job's groupid.
 */
/* Run r's job reports (normal text), without the Run status blocks. */
void blk_print_group_jobs(FILE *out, const struct blk_group_result *const *runs, unsigned nruns,
			  unsigned r);
/* Reporting group groupid's "Run status group N (all jobs):" block; nothing when no run holds
 * a job of that group. */
void blk_print_group_status(FILE *out, const struct blk_group_result *const *runs, unsigned nruns,
			    unsigned groupid);
/* Run r's terse lines (version 2, 3, 4 or 5); du: the disk fields (NULL: none). */
void blk_print_group_terse(FILE *out, const struct blk_group_result *const *runs, unsigned nruns,
			   unsigned r, unsigned version, const struct blk_disk_util *du);
/* jobs[] entries of fio's JSON for run r; plus: json+ (clat_ns "bins"). */
void blk_group_json_format(struct jsonw *j, const struct blk_group_result *const *runs,
			   unsigned nruns, unsigned r, bool plus);

#endif
