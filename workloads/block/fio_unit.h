/*
 * fio_unit.h - the report's model, private to fio_output.c, fio_text.c, fio_json.c and
 * fio_terse.c: one "unit" is what fio reports as one job (its thread_stat): one clone, or all
 * the clones of a job together with group_reporting. Built from the core's per-worker results
 * (ops, bytes, errors, total latency, runtime, cpu) and the clones' blk_clone_stats (slat, clat,
 * depths, syncs, bw/iops samples).
 */
#ifndef PVCBENCH_BLOCK_FIO_UNIT_H
#define PVCBENCH_BLOCK_FIO_UNIT_H

#include <sys/types.h>

#include "block.h"

/* Clones whose outage windows a unit lines up (more are left out of its stalls). */
#define BLK_UNIT_STALL_SOURCES 64

/* Index of the unified ("mixed") direction after read, write, trim. */
#define BLK_DIR_MIXED BLK_DIRS

/* fio's io_stat of samples summed as group_reporting sums them (min, max, mean and S added). */
struct blk_sample_sum {
	uint64_t n;
	double min, max, mean, s; /* s: sum of squared deviations, fio's S */
};

struct blk_unit_dir {
	uint64_t ops, bytes, errors, short_ios, drop_ios;
	uint64_t runtime_ns; /* 0 when the direction did no I/O, as fio */
	struct hist slat, clat, lat;
	struct hist sched; /* from each I/O's intended issue time under a rate (pvcbench's) */
	struct blk_sample_sum bw, iops; /* bw in KiB/s, as fio's bw samples */
};

struct blk_unit {
	const struct blk_job *job;
	const struct blk_report_opts *rep;
	unsigned index, run; /* the unit's index, and the run of its first clone */
	unsigned groupid, clones;
	struct blk_unit_dir dir[BLK_DIRS + 1]; /* read, write, trim, mixed */
	uint64_t runtime_ns, elapsed_ns, usr_ns, sys_ns, ctx;
	uint64_t clone_runtime_ns; /* summed over clones: what cpu percentages divide by */
	uint64_t depth[BLK_DEPTH_BUCKETS], submit[BLK_DEPTH_BUCKETS], complete[BLK_DEPTH_BUCKETS];
	uint64_t syncs;
	struct hist sync_lat;
	int first_error;	/* the first error continue_on_error let pass */
	uint64_t behind_max_ns; /* how far the rate's schedule fell behind, at most */
	int error;
	const char *error_msg;
	pid_t pid;
	/* the clones' outage windows (their workers' stalls), for blk_unit_stalls */
	const struct stall_list *stall_src[BLK_UNIT_STALL_SOURCES];
	unsigned nstall_src;
};

/*
 * The units of the runs (runs[0..nruns), in order) in fio's order: one per clone, and with
 * group_reporting one for the consecutive clones of a reporting group (fio's threadstats, see
 * walk_units). A unit's clones may span runs (a wait_for pvcbench runs after its run): it is
 * printed with the run of its first clone (u->run).
 */
unsigned blk_units_count(const struct blk_group_result *const *runs, unsigned nruns);
/* The run of unit index's first clone, without filling it (UINT_MAX: no such unit). */
unsigned blk_unit_run(const struct blk_group_result *const *runs, unsigned nruns, unsigned index);
/* Fills u with unit index (index < blk_units_count); its groupid is its first job's. */
void blk_unit_fill(const struct blk_group_result *const *runs, unsigned nruns, unsigned index,
		   struct blk_unit *u);

/*
 * fio's group_run_stats of one reporting group: what "Run status group N" prints, and bw_agg's
 * reference. A reporting group is the jobs of one groupid (fio's: a new one at each stonewall
 * or new_group), so a run may hold several, and one may span runs (a wait_for pvcbench runs
 * after its run). fio computes them per unit: min/max bw and runtime are units', not clones'.
 */
struct blk_group_stats {
	uint64_t min_run_ms[BLK_DIRS], max_run_ms[BLK_DIRS];
	uint64_t min_bw[BLK_DIRS], max_bw[BLK_DIRS]; /* B/s */
	uint64_t bytes[BLK_DIRS], agg[BLK_DIRS];     /* agg: B/s over the longest run */
	const struct blk_report_opts *rep;
};
/* Every reporting group's stats, [0..blk_groups_count) (free it; NULL: out of memory). */
struct blk_group_stats *blk_groups_stats(const struct blk_group_result *const *runs,
					 unsigned nruns);
/* The number of reporting groups the runs hold: their jobs' highest groupid + 1 (0: none). */
unsigned blk_groups_count(const struct blk_group_result *const *runs, unsigned nruns);

/* Percentage of total in fio's way (0.1 floor for depths, 0.01 for latency buckets). */
double blk_pct(uint64_t count, uint64_t total, double floor);
/*
 * The unit's outage windows (fio_stalls.c): its clone's own, or with group_reporting the times
 * when none of its clones completed an I/O. Returns the list to read; *owned says whether it
 * was made for the call (free it with stall_list_free then).
 */
const struct stall_list *blk_unit_stalls(const struct blk_unit *u, struct stall_list *made,
					 bool *owned);
/* The unit's stalls as fio_json.c and fio_text.c write them. */
void blk_unit_stalls_json(struct jsonw *j, const struct blk_unit *u);
void blk_unit_stalls_text(FILE *out, const struct blk_unit *u);
/* The job's "target" (fio_target.c): the filesystem and device under its files. */
void blk_unit_target_json(struct jsonw *j, const struct blk_unit *u);

/* Latency buckets: fio's io_u_lat_n (10), _u (10), _m (12) counts from a unit's latencies. */
void blk_lat_buckets(const struct blk_unit *u, uint64_t n[10], uint64_t us[10], uint64_t ms[12]);
/* The unit's histogram that fio's percentiles read: lat with lat_percentiles, else clat. */
const struct hist *blk_unit_pct_hist(const struct blk_unit *u, unsigned d);
/* Samples summed: mean, sample stddev (0 for fewer than two). */
double blk_sample_dev(const struct blk_sample_sum *s);
/* Number of directions to report and their indexes (mixed alone, or read/write/trim[/mixed]). */
extern const char *const blk_dir_names[BLK_DIRS + 1];

#endif
