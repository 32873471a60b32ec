/*
 * logs.h - fio's per-I/O and averaged logs (write_bw_log, write_lat_log, ...) and the bandwidth
 * and IOPS samples behind fio's bw_min/bw_max/iops_mean/... fields.
 *
 * Entries are kept in memory (chunks that grow rarely, never per I/O) and written as fio 3.33
 * writes them when the clone closes its logs: "time, value, ddir, bs[, offset], prio" with the
 * time in ms from the start of measurement, latencies in ns, bandwidth in KiB/s.
 */
#ifndef PVCBENCH_BLOCK_LOGS_H
#define PVCBENCH_BLOCK_LOGS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvcbench/options.h"
#include "engine.h"

struct blk_job;
struct blk_clone;
struct blk_samples;

struct blk_log_opts {
	/* the prefix of each log; given empty (a bare key): the job's name */
	char bw_log[OPT_STRING_MAX];
	char iops_log[OPT_STRING_MAX];
	char lat_log[OPT_STRING_MAX];
	char hist_log[OPT_STRING_MAX];
	bool per_job_logs;
	int64_t avg_msec;	 /* log_avg_msec: 0 = an entry per I/O */
	int64_t hist_msec;	 /* log_hist_msec: 0 = no histogram entries */
	int64_t hist_coarseness; /* log_hist_coarseness: 0..6 */
	bool max_value;		 /* log_max_value */
	bool offset;		 /* log_offset */
	bool prio;		 /* log_prio */
	int64_t entries;	 /* log_entries: the first chunk's entries */
	uint64_t compression;	 /* log_compression: refused when set */
	char compression_cpus[OPT_STRING_MAX];
	bool store_compressed;	/* refused when set */
	bool unix_epoch;	/* log_unix_epoch */
	bool alternate_epoch;	/* log_alternate_epoch */
	int64_t epoch_clock_id; /* log_alternate_epoch_clock_id */
	int64_t bw_avg_msec;	/* bwavgtime */
	int64_t iops_avg_msec;	/* iopsavgtime */
	bool disable_bw;	/* disable_bw_measurement */
};

extern const struct option_def blk_log_option_defs[];
int blk_log_validate(struct blk_job *job, char *err, size_t err_size);

/* fio's latency histogram (stat.c): 29 groups of 64 buckets over nanoseconds. */
#define BLK_PLAT_BITS 6
#define BLK_PLAT_VAL (1u << BLK_PLAT_BITS)
#define BLK_PLAT_NR (29 * BLK_PLAT_VAL)
/* fio's bucket of a latency in ns. */
unsigned blk_plat_index(uint64_t ns);

/* One entry of a log: an I/O, or a window's average (bs and offset 0). */
struct blk_log_entry {
	uint64_t value;
	uint64_t offset;
	uint32_t time_ms;
	uint32_t bs;
	uint8_t dir;
};

struct blk_log_chunk;

/* fio's running statistics of one window (add_stat_sample: Welford's mean). */
struct blk_log_window {
	uint64_t n, max;
	double mean;
};

/* One log file's entries. */
enum blk_log_kind { BLK_LOG_BW, BLK_LOG_IOPS, BLK_LOG_SLAT, BLK_LOG_CLAT, BLK_LOG_LAT };
struct blk_log_series {
	bool on;
	enum blk_log_kind kind;
	uint64_t avg_msec; /* 0: an entry per I/O */
	struct blk_log_window win[3];
	uint64_t win_start[3]; /* ms: fio's avg_last */
	struct blk_log_chunk *head, *tail;
	size_t next_cap; /* entries of the next chunk */
	bool dropped;	 /* memory ran out: no more entries */
	char path[PATH_MAX];
};

/* The histogram log: each entry the counts of one window of one direction. */
struct blk_hist_log {
	bool on;
	uint64_t msec;
	unsigned stride;     /* 1 << coarseness buckets per column */
	uint64_t *counts[3]; /* BLK_PLAT_NR each: the current window */
	uint64_t last[3];    /* ms; 0: not yet (fio's hist_last) */
	unsigned char *rows; /* entries: time, dir, bs, then BLK_PLAT_NR / stride counts */
	size_t nrows, cap;
	bool dropped;
	char path[PATH_MAX];
};

/* A rate sampled every window (fio's bw and iops samples, __add_samples). */
struct blk_rate_sampler {
	uint64_t avg_msec; /* 0: not sampled by windows */
	uint64_t last_ns;  /* the last sample */
	uint64_t due_ns;   /* the next: on the grid of avg_msec from the start, as fio's helper */
	uint64_t done[3], at_last[3]; /* bytes or I/Os */
};

/* One clone's logs. */
struct blk_log {
	bool active; /* some log or sample is kept: the worker reports each I/O */
	bool started;
	bool files;	/* some log file is written (else only the samples are kept) */
	bool append;	/* per_job_logs=0: one file for all clones, appended to */
	bool sync_slat; /* a synchronous engine: no slat entries, as fio */
	bool max_value, offset, prio, epoch;
	bool bw_per_io, iops_per_io; /* per-I/O samples for the JSON (fio's per_unit_log) */
	bool bw_disabled;	     /* disable_bw_measurement: no per-I/O bandwidth samples */
	int clock_id;
	size_t first_entries;
	uint64_t start_ns;
	uint64_t epoch_ms;	 /* added to each time (log_unix_epoch, log_alternate_epoch) */
	uint64_t next_sample_ns; /* the next bw or iops window ends here */
	struct blk_log_series bw, iops, slat, clat, lat;
	struct blk_hist_log hist;
	struct blk_rate_sampler bw_rate, iops_rate;
	struct blk_samples *bw_stats, *iops_stats; /* clone->stats->bw, ->iops */
};

int blk_log_open(struct blk_log *l, struct blk_clone *clone, char *why, size_t why_size);
/* Measurement starts at now (after the ramp): the logs' time 0. */
void blk_log_start(struct blk_log *l, uint64_t now);
/* One completed, measured I/O: slat and clat in ns. Only called when l->active. */
void blk_log_io(struct blk_log *l, uint64_t now, const struct io_req *r, uint64_t slat_ns,
		uint64_t clat_ns);
/* The end of measurement at now: the last samples, and the files written. 0 or -errno. */
int blk_log_close(struct blk_log *l, uint64_t now);

/* --- logs_write.c --- */
/* Appends an entry to a series (a new chunk when full; nothing once memory ran out). */
void blk_log_series_add(struct blk_log_series *s, size_t first_entries, uint32_t time_ms,
			uint64_t value, unsigned dir, uint32_t bs, uint64_t offset);
/* Writes the log's files (fio's format) and frees the entries. 0 or the first -errno. */
int blk_log_write_files(struct blk_log *l);
/* Frees the entries without writing. */
void blk_log_free(struct blk_log *l);

#endif
