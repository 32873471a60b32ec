/*
 * block.h - the block workload's internals: fio-style jobs, their files, offsets and workers.
 *
 * A job is one section of a job file (or one --name on the command line) after [global] and
 * defaults are applied; it runs as numjobs workers. Jobs up to a stonewall form a group that
 * runs at once, as in fio. Each worker has its own file descriptor, engine and buffers.
 */
#ifndef PVCBENCH_BLOCK_H
#define PVCBENCH_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pvcbench/command.h"
#include "pvcbench/options.h"
#include "pvcbench/report.h"
#include "pvcbench/rng.h"
#include "pvcbench/runner.h"
#include "engine.h"
#include "data.h"
#include "files.h"
#include "fio_report.h"
#include "jobctl.h"
#include "logs.h"
#include "pace.h"
#include "pattern.h"
#include "verify_job.h"

/* One job's settings: the fields the option table (blk_option_defs) writes. */
struct blk_options {
	char name[OPT_STRING_MAX];
	char rw[OPT_STRING_MAX];
	uint64_t bs;
	int64_t iodepth;
	int64_t iodepth_batch_submit;
	int64_t numjobs;
	uint64_t size;
	uint64_t offset;
	uint64_t offset_increment;
	uint64_t runtime; /* ns */
	bool time_based;
	uint64_t ramp_time; /* ns */
	bool direct;
	char ioengine[OPT_STRING_MAX];
	char filename[OPT_STRING_MAX];
	char directory[OPT_STRING_MAX];
	int64_t rwmixread;
	bool group_reporting;
	bool stonewall;
	bool randrepeat;
	char cpus_allowed[OPT_STRING_MAX];
	char numa_cpu_nodes[OPT_STRING_MAX];
	bool keep;
	bool force;
	/* accepted for fio compatibility */
	bool thread;
	bool gtod_reduce;
	/* each group's own options: its header, its rows in its .c file */
	struct blk_pattern_opts pat;	/* pattern.h */
	struct blk_file_opts file;	/* files.h */
	struct blk_engine_job_opts eng; /* engine.h */
	struct blk_pace_opts pace;	/* pace.h */
	struct blk_data_opts data;	/* data.h */
	struct blk_jobctl_opts ctl;	/* jobctl.h */
	struct blk_report_opts rep;	/* fio_report.h */
	struct blk_log_opts log;	/* logs.h */
	struct blk_verify_opts verify;	/* verify_job.h */
};

/*
 * Room for the rows of every group's options (struct blk_job's sources). The table is built
 * before main from the groups' tables (options.c); blk_option_tables_check says when the rows
 * do not fit or two share a name.
 */
#define BLK_MAX_OPTIONS 400
extern struct option_def blk_option_defs[BLK_MAX_OPTIONS + 1];

enum blk_pattern {
	PAT_READ,
	PAT_WRITE,
	PAT_RANDREAD,
	PAT_RANDWRITE,
	PAT_RW,
	PAT_RANDRW,
	PAT_TRIM,
	PAT_RANDTRIM,
	PAT_TRIMWRITE,
	PAT_RANDTRIMWRITE,
};

/* A job ready to run: its options with their sources, and what follows from them. */
struct blk_job {
	struct blk_options o;
	enum opt_source source[BLK_MAX_OPTIONS];
	struct option_set set;
	unsigned groupid;
	unsigned first_thread; /* fio's thread number of its first clone: 1 + earlier clones */
	enum blk_pattern pattern;
	bool random, reads, writes;
	const char *engine_name; /* chosen by blk_job_probe_engine */
	char engine_why[512];
	/*
	 * The jobname its clones are reported under (the live metrics' job label): with
	 * group_reporting the reporting group's first job's, as fio_output.c joins them; NULL:
	 * o.name.
	 */
	const char *report_name;
	/* verify_only with ack_journal/ack_witness: the ledger check's report once the job ran
	 * (NULL: none; the group's, for the text and JSON reports) */
	const struct blk_ack_report *ack;
};

static inline const char *blk_job_report_name(const struct blk_job *job)
{
	return job->report_name ? job->report_name : job->o.name;
}

/* The engines issue trims and the group counts them (op 2): the trim patterns run. */
#define BLK_TRIM_SUPPORTED 1

/* Directions of the per-clone statistics: fio's read, write, trim. */
#define BLK_DIRS 3
/* fio's "IO depths" buckets: 1, 2, 4, 8, 16, 32, >=64 (submit/complete: 0, 4, ..., >=64) */
#define BLK_DEPTH_BUCKETS 7

/* Samples of a rate (fio's bw and iops samples, every bwavgtime/iopsavgtime). */
struct blk_samples {
	uint64_t n;
	double min, max, sum, sum_squares;
};

/*
 * What one clone measured beyond the core's per-direction counts and latency (which is the
 * total latency, fio's lat). Written by its worker thread while measuring, read after the run.
 */
struct blk_clone_stats {
	struct hist slat[BLK_DIRS];	    /* preparation to the return of the submit call */
	struct hist clat[BLK_DIRS];	    /* from there to the completion */
	struct hist sched[BLK_DIRS];	    /* from the intended issue time (rate limits, pace.c) */
	uint64_t behind_max_ns;		    /* how far the schedule fell behind at most (pace.c) */
	uint64_t depth[BLK_DEPTH_BUCKETS];  /* I/Os in flight when one was submitted */
	uint64_t submit[BLK_DEPTH_BUCKETS]; /* I/Os per submit call */
	uint64_t complete[BLK_DEPTH_BUCKETS]; /* I/Os per reap */
	uint64_t syncs; /* fsyncs: fio's "sync" total_ios (sync_lat has fdatasyncs too) */
	struct hist sync_lat;
	uint64_t short_ios[BLK_DIRS], dropped_ios[BLK_DIRS];
	struct blk_samples bw[BLK_DIRS], iops[BLK_DIRS]; /* logs.c */
	int first_error; /* the first error continue_on_error let pass (an errno), 0: none */
	bool ended_all;	 /* its end stopped the run with exit_what=all: no later group runs */
	/*
	 * fio's verify phase (do_verify after the writes): how long it took, 0 when there was
	 * none, and whether the clone had read before it (a read job, verify_backlog). fio gives
	 * each direction its own runtime from these: writes and trims the phase before, reads the
	 * verify phase (and the phase before too when they ran in it). See blk_clone_runtime.
	 */
	uint64_t verify_ns;
	bool read_before_verify;
};

/* One file of a clone and the region of it that the clone addresses. */
struct blk_clone_file {
	struct blk_file *file;
	uint64_t start, len;
	unsigned ledger_file; /* the file's index in the job's ledger */
};

/* One worker's share of a job: clone number, files, regions. */
struct blk_clone {
	struct blk_job *job;
	unsigned clone;
	struct blk_clone_file *files; /* nfiles entries */
	unsigned nfiles;
	unsigned long long seed;
	struct blk_clone_stats *stats;
	struct blk_ledger *ledger;  /* the job's acknowledgement ledger, NULL: none */
	struct blk_ack_report *ack; /* verify_only with a ledger: the job's check (first clone) */
};

/* --- options.c --- */
/*
 * 0 when a table of defs fits in capacity source slots; otherwise -E2BIG and a message naming
 * the table ("internal error: the table of job options has 49 rows, room for 48 (BLK_MAX_OPTIONS)").
 */
int blk_option_table_fits(const struct option_def *defs, unsigned capacity, const char *what,
			  char *err, size_t err_size);
/* The job options' table against BLK_MAX_OPTIONS. */
int blk_option_tables_check(char *err, size_t err_size);
/* Sets up a job's option set and applies fio's defaults. */
int blk_job_init(struct blk_job *job, char *err, size_t err_size);
/* Sets one option of a job (opt_set), sizes read with the job's kb_base so far, as fio. */
int blk_job_set(struct blk_job *job, const char *key, const char *value, enum opt_source source,
		char *err, size_t err_size);
/* Checks the values together (bs <= size, direct alignment, ...) and derives the pattern. */
int blk_job_validate(struct blk_job *job, char *err, size_t err_size);

/* --- worker.c --- */
int blk_worker_init(struct worker *w);
int blk_worker_run(struct worker *w);
void blk_worker_exit(struct worker *w);
/* Picks the engine once for a job (auto: the engine table's order), on the job's first file. */
int blk_job_probe_engine(struct blk_job *job, const struct blk_file *file, char *err,
			 size_t err_size);

/* Empty statistics: histograms initialised, counts 0. */
void blk_clone_stats_init(struct blk_clone_stats *s);

/* --- group.c: one group of jobs (the jobs up to a stonewall) on the core's runner --- */
struct blk_group_result {
	struct blk_job **jobs;
	unsigned njobs;
	struct blk_clone *clones;	    /* one per worker */
	struct blk_clone_file *clone_files; /* the clones' files (clone->files points here) */
	struct blk_clone_stats *stats;	    /* one per worker */
	struct blk_file *files;
	unsigned nfiles;
	struct worker_spec *specs; /* the run plan's, kept until the group is freed */
	const char **worker_jobs;  /* the run plan's: each clone's report name (live metrics) */
	struct run_result run;	   /* the core's result, shared: the core frees it */
	int ret;
	bool before_io; /* ret is from a check before any file was written */
	/* fio's "JOB: Laying out IO file (1 file / 16MiB)" lines, '\n'-ended, or NULL: for the
	 * text report (printed before the run) and the JSON */
	char *layout_lines;
	unsigned files_laid_out;
	/* files an earlier group created and left for this one (blk_group_carry_files): set
	 * before blk_group_plan, which keeps them */
	struct blk_file *carried;
	unsigned ncarried;
	/* per job: its ledger (writing with ack_journal/ack_witness) or its ledger check
	 * (verify_only with them), NULL: none */
	struct blk_ledger **ledgers;
	struct blk_ack_report **acks;
};

struct blk_run_settings {
	bool progress;
	FILE *out;  /* normal output: results */
	FILE *note; /* notes and errors: stderr */
	bool quiet; /* no fio-style text for each group (JSON output) */
	uint64_t interval_ns;
	uint64_t stall_threshold_ns; /* outage windows (stall.h) */
};

/*
 * Works out the group's files, regions and clones, checks and lays out the files, picks each
 * job's engine and fills plan for the core's runner. Returns 0, or a negative errno with a
 * one-line message in err (gr->before_io: nothing was written yet).
 */
int blk_group_plan(struct blk_job **jobs, unsigned njobs, const struct blk_run_settings *s,
		   struct blk_group_result *gr, struct run_plan *plan, char *err, size_t err_size);
/* Takes the run's result (res stays the core's); returns the first worker's error with its
 * message in err, or 0. */
int blk_group_done(struct blk_group_result *gr, const struct run_result *res,
		   const struct blk_run_settings *s, char *err, size_t err_size);
/* Whether the group measured something (its workers ran). */
bool blk_group_measured(const struct blk_group_result *gr);
/* Removes the files the group created (unless kept); then free what the group allocated. */
void blk_group_cleanup(struct blk_group_result *gr);
void blk_group_free(struct blk_group_result *gr);

/* --- fio_output.c --- */
void blk_print_group_normal(FILE *out, const struct blk_group_result *gr, unsigned groupid);
void blk_print_job_header(FILE *out, const struct blk_job *job);
/* jobs[] entries of fio's JSON for one group. */
void blk_group_json(struct jsonw *j, const struct blk_group_result *gr, unsigned groupid);
/* Per-direction totals of one job (all its clones): runtime is the longest clone's (the
 * direction's own, blk_clone_runtime). */
void blk_job_totals(const struct blk_group_result *gr, const struct blk_job *job, unsigned op,
		    struct op_stats *into, uint64_t *runtime_ns);
/*
 * The measured time of direction d (read, write, trim) of one clone, as fio's runtime[d]:
 * the clone's whole runtime, except in a job with a verify phase (cs->verify_ns), where
 * writes and trims ran before it and reads in it (and before it too when read_before_verify).
 * cs NULL: the whole runtime. A direction without I/O is the caller's to zero.
 */
uint64_t blk_clone_runtime(const struct worker_result *wr, const struct blk_clone_stats *cs,
			   unsigned d);

/* --- cli.c: the program options both commands share --- */
/* Where results go and how progress shows: the first member of both commands' configs. */
struct blk_cli {
	char output_format[OPT_STRING_MAX]; /* fio's comma list: normal,json,json+,terse */
	char output[OPT_STRING_MAX];
	char eta[OPT_STRING_MAX];
	bool progress;
	char series[OPT_STRING_MAX];
	uint64_t interval;
	bool minimal;		  /* fio's --minimal: terse output */
	int64_t terse_version;	  /* 2, 3, 4 or 5 */
	uint64_t status_interval; /* fio's --status-interval (ns): the report so far, 0 = never */
	uint64_t eta_newline;	  /* fio's --eta-newline (ns): the status line's new lines */
	uint64_t stall_threshold; /* ns: a gap without a completion this long is a stall */
};
extern const char *const blk_eta_choices[];
/* The program options' rows, over the member of a command's config that is a struct blk_cli. */
#define BLK_CLI_OPTIONS(cfg_type, cli_member)                                                             \
	{ .name = "output-format",                                                                        \
	  .type = OPT_STRING,                                                                             \
	  .offset = offsetof(cfg_type, cli_member.output_format),                                         \
	  .def = "normal",                                                                                \
	  .arg_name = "FORMAT[,FORMAT...]",                                                               \
	  .help = "normal, json, json+ or terse, or several separated by commas (each printed in "        \
		  "turn, as fio does)" },                                                                 \
		{ .name = "minimal",                                                                      \
		  .type = OPT_BOOL,                                                                       \
		  .offset = offsetof(cfg_type, cli_member.minimal),                                       \
		  .def = "0",                                                                             \
		  .help = "terse output: fio's one line of ';'-separated fields per job" },               \
		{ .name = "terse-version",                                                                \
		  .type = OPT_INT,                                                                        \
		  .offset = offsetof(cfg_type, cli_member.terse_version),                                 \
		  .def = "3",                                                                             \
		  .min = 2,                                                                               \
		  .max = 5,                                                                               \
		  .help = "terse format version: 2, 3, 4 or 5 (fio's field layouts)" },                   \
		{ .name = "output",                                                                       \
		  .type = OPT_STRING,                                                                     \
		  .offset = offsetof(cfg_type, cli_member.output),                                        \
		  .help = "write results to this file (whole, or not at all) instead of stdout" },        \
		{ .name = "progress",                                                                     \
		  .type = OPT_BOOL,                                                                       \
		  .offset = offsetof(cfg_type, cli_member.progress),                                      \
		  .def = "0",                                                                             \
		  .help = "status line on stderr every interval even when stderr is not a "               \
			  "terminal" },                                                                   \
		{ .name = "eta",                                                                          \
		  .type = OPT_CHOICE,                                                                     \
		  .offset = offsetof(cfg_type, cli_member.eta),                                           \
		  .def = "auto",                                                                          \
		  .choices = blk_eta_choices,                                                             \
		  .help = "status line: auto (when stderr is a terminal), always, never" },               \
		{ .name = "eta-newline",                                                                  \
		  .type = OPT_TIME,                                                                       \
		  .offset = offsetof(cfg_type, cli_member.eta_newline),                                   \
		  .def = "0",                                                                             \
		  .unit_ns = 1000000000ULL,                                                               \
		  .min = 0,                                                                               \
		  .max = 3600000000000LL,                                                                 \
		  .arg_name = "TIME",                                                                     \
		  .help = "on a terminal, the status line starts a new line once TIME has passed "        \
			  "(0: never; elsewhere every status line is a line of its own; pvcbench fio)" }, \
		{ .name = "status-interval",                                                              \
		  .type = OPT_TIME,                                                                       \
		  .offset = offsetof(cfg_type, cli_member.status_interval),                               \
		  .def = "0",                                                                             \
		  .unit_ns = 1000000000ULL,                                                               \
		  .min = 0,                                                                               \
		  .max = 3600000000000LL,                                                                 \
		  .arg_name = "TIME",                                                                     \
		  .help = "print the running group's full report so far every TIME (at the "              \
			  "--interval boundaries; 0: never; pvcbench fio)" },                             \
		{ .name = "series",                                                                       \
		  .type = OPT_STRING,                                                                     \
		  .offset = offsetof(cfg_type, cli_member.series),                                        \
		  .help = "write the per-interval time series as CSV to this file" },                     \
		{ .name = "stall-threshold",                                                              \
		  .type = OPT_TIME,                                                                       \
		  .env = "PVCBENCH_STALL_THRESHOLD",                                                      \
		  .offset = offsetof(cfg_type, cli_member.stall_threshold),                               \
		  .def = "1s",                                                                            \
		  .unit_ns = 1000000000ULL,                                                               \
		  .min = 1000000,                                                                         \
		  .max = 86400000000000LL,                                                                \
		  .arg_name = "TIME",                                                                     \
		  .help = "a stretch of TIME or more with no completed I/O is a stall: reported with "    \
			  "its start, length, failures and recovery (docs/outages.md)" },                 \
	{                                                                                                 \
		.name = "interval", .type = OPT_TIME,                                                     \
		.offset = offsetof(cfg_type, cli_member.interval), .def = "1s",                           \
		.unit_ns = 1000000000ULL, .min = 100000000, .max = 3600000000000LL,                       \
		.help = "time series and status line interval"                                            \
	}
/*
 * The output formats (BLK_OUT_* bits) that --output-format and --minimal ask for; 0 with a
 * one-line message in err when --output-format names something else.
 */
unsigned blk_cli_formats(const struct blk_cli *cli, char *err, size_t err_size);
/*
 * Checks the program options together: 0, or -EINVAL with a one-line message. terse_allowed:
 * the command prints fio's terse and json+ outputs (pvcbench fio; summary does not).
 */
int blk_cli_check(const struct blk_cli *cli, bool terse_allowed, char *err, size_t err_size);
bool blk_cli_progress(const struct blk_cli *cli);
/* Whether JSON (json or json+) is the only output format. */
bool blk_cli_json(const struct blk_cli *cli);
/* The command's outputs (struct cmd_outputs) as the program options say. */
void blk_cli_outputs(const struct blk_cli *cli, struct cmd_outputs *o);
/* The run settings for a command's runs, from its program options. */
void blk_cli_settings(const struct command *cmd, const struct blk_cli *cli,
		      struct blk_run_settings *s);

/* --- status.c: --status-interval's reports and --eta-newline, for pvcbench fio --- */
/*
 * Sets the group's run plan for the program options: the status line's new lines, and with
 * --status-interval the group's report so far (as the end prints it, in every format asked
 * for) written to out every --status-interval. A command runs one group at a time: the
 * reports' state is status.c's own, for the group planned last.
 */
void blk_status_plan(struct run_plan *plan, const struct blk_group_result *gr, unsigned groupid,
		     const struct blk_cli *cli, FILE *out);

#endif
