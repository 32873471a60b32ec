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
	char verify[OPT_STRING_MAX];
};

/*
 * Room for the sources of blk_option_defs' rows (struct blk_job). The table is extern, so its
 * length cannot be checked at compile time: blk_option_tables_check does it when a job is set up.
 */
#define BLK_MAX_OPTIONS 48
extern const struct option_def blk_option_defs[];

enum blk_pattern { PAT_READ, PAT_WRITE, PAT_RANDREAD, PAT_RANDWRITE, PAT_RW, PAT_RANDRW };

/* A job ready to run: its options with their sources, and what follows from them. */
struct blk_job {
	struct blk_options o;
	enum opt_source source[BLK_MAX_OPTIONS];
	struct option_set set;
	unsigned groupid;
	enum blk_pattern pattern;
	bool random, reads, writes;
	const char *engine_name; /* chosen by blk_job_probe_engine */
	char engine_why[512];
};

/* One file the group uses: created and laid out by pvcbench, or the user's. */
struct blk_file {
	char path[4096];
	uint64_t need; /* bytes the jobs address */
	bool writes;   /* some job writes it */
	bool direct;   /* some job opens it O_DIRECT */
	bool created;  /* pvcbench made it: removed at the end unless kept */
	bool keep;     /* --keep: leave the file when done */
	bool force;    /* --force: may write a device or a file pvcbench did not create */
	bool is_device;
};

/* One worker's share of a job: clone number, file, region. */
struct blk_clone {
	struct blk_job *job;
	unsigned clone;
	struct blk_file *file;
	uint64_t region_start, region_len;
	unsigned long long seed;
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
/* Parses a CPU list ("0,2,4-7") into cpus; returns how many, 0 for "", -EINVAL if malformed. */
#define BLK_MAX_CPUS 1024
int blk_parse_cpus(const char *text, int *cpus, unsigned max);
/* Checks the values together (bs <= size, direct alignment, ...) and derives the pattern. */
int blk_job_validate(struct blk_job *job, char *err, size_t err_size);

/* --- layout.c --- */
/* The path of a clone's file: filename (in directory) or JOBNAME.CLONE.0 as fio names it. */
int blk_clone_path(const struct blk_job *job, unsigned clone, char *path, size_t size);
/*
 * Checks directories, ownership and free space of every file, before any I/O. Returns 0, or
 * -EINVAL/-ENOSPC/-EPERM... with a one-line message in err.
 */
int blk_files_check(struct blk_file *files, unsigned nfiles, char *err, size_t err_size);
/* Creates and lays out (writes random data to) every file that needs it. */
int blk_files_layout(struct blk_file *files, unsigned nfiles, FILE *note, char *err,
		     size_t err_size);
/* Drops the files' pages from the page cache, so a buffered run reads the device (fio's
 * invalidate=1), not what an earlier job left in memory. */
void blk_files_invalidate(const struct blk_file *files, unsigned nfiles);
/* Removes the files pvcbench created, unless kept. */
void blk_files_cleanup(struct blk_file *files, unsigned nfiles);
/* Opens a file for a worker with the job's flags. Returns an fd or a negative errno. */
int blk_file_open(const struct blk_file *f, const struct blk_job *job);
/* The same before the file exists: an unnamed file in its directory, to try O_DIRECT and engines. */
int blk_file_open_probe(const struct blk_file *f, const struct blk_job *job);

/* --- offsets.c --- */
/* A permutation of 0..n-1 that changes every pass: random offsets without repeats. */
struct blk_perm {
	uint64_t n, index, mask;
	unsigned half_bits;
	uint32_t keys[4];
	uint64_t rng[2];
};
void blk_perm_init(struct blk_perm *p, uint64_t n, uint64_t seed);
uint64_t blk_perm_next(struct blk_perm *p); /* starts a new pass after n values */

/* Fills buf with random bytes (pvcbench/rng.h's generator) */
void blk_fill_random(void *buf, size_t len, uint64_t s[2]);

/* --- worker.c --- */
int blk_worker_init(struct worker *w);
int blk_worker_run(struct worker *w);
void blk_worker_exit(struct worker *w);
/* Picks the engine once for a job (auto: the engine table's order), on the job's first file. */
int blk_job_probe_engine(struct blk_job *job, const struct blk_file *file, char *err,
			 size_t err_size);

/* --- group.c: one group of jobs (the jobs up to a stonewall) on the core's runner --- */
struct blk_group_result {
	struct blk_job **jobs;
	unsigned njobs;
	struct blk_clone *clones; /* one per worker */
	struct blk_file *files;
	unsigned nfiles;
	struct worker_spec *specs; /* the run plan's, kept until the group is freed */
	struct run_result run;	   /* the core's result, shared: the core frees it */
	int ret;
	bool before_io; /* ret is from a check before any file was written */
};

struct blk_run_settings {
	bool progress;
	FILE *out;  /* normal output: results */
	FILE *note; /* notes and errors: stderr */
	bool quiet; /* no fio-style text for each group (JSON output) */
	uint64_t interval_ns;
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
/* Per-direction totals of one job (all its clones): runtime is the longest clone's. */
void blk_job_totals(const struct blk_group_result *gr, const struct blk_job *job, unsigned op,
		    struct op_stats *into, uint64_t *runtime_ns);

/* --- cli.c: the program options both commands share --- */
/* Where results go and how progress shows: the first member of both commands' configs. */
struct blk_cli {
	char output_format[OPT_STRING_MAX];
	char output[OPT_STRING_MAX];
	char eta[OPT_STRING_MAX];
	bool progress;
	char series[OPT_STRING_MAX];
	uint64_t interval;
};
extern const char *const blk_format_choices[];
extern const char *const blk_eta_choices[];
/* The program options' rows, over the member of a command's config that is a struct blk_cli. */
#define BLK_CLI_OPTIONS(cfg_type, cli_member)                                                          \
	{ .name = "output-format",                                                                     \
	  .type = OPT_CHOICE,                                                                          \
	  .offset = offsetof(cfg_type, cli_member.output_format),                                      \
	  .def = "normal",                                                                             \
	  .choices = blk_format_choices,                                                               \
	  .help = "results as fio's text or as one JSON document" },                                   \
		{ .name = "output",                                                                    \
		  .type = OPT_STRING,                                                                  \
		  .offset = offsetof(cfg_type, cli_member.output),                                     \
		  .help = "write results to this file (whole, or not at all) instead of stdout" },     \
		{ .name = "progress",                                                                  \
		  .type = OPT_BOOL,                                                                    \
		  .offset = offsetof(cfg_type, cli_member.progress),                                   \
		  .def = "0",                                                                          \
		  .help = "status line on stderr every interval even when stderr is not a terminal" }, \
		{ .name = "eta",                                                                       \
		  .type = OPT_CHOICE,                                                                  \
		  .offset = offsetof(cfg_type, cli_member.eta),                                        \
		  .def = "auto",                                                                       \
		  .choices = blk_eta_choices,                                                          \
		  .help = "status line: auto (when stderr is a terminal), always, never" },            \
		{ .name = "series",                                                                    \
		  .type = OPT_STRING,                                                                  \
		  .offset = offsetof(cfg_type, cli_member.series),                                     \
		  .help = "write the per-interval time series as CSV to this file" },                  \
	{                                                                                              \
		.name = "interval", .type = OPT_TIME,                                                  \
		.offset = offsetof(cfg_type, cli_member.interval), .def = "1s",                        \
		.unit_ns = 1000000000ULL, .min = 100000000, .max = 3600000000000LL,                    \
		.help = "time series and status line interval"                                         \
	}
bool blk_cli_progress(const struct blk_cli *cli);
bool blk_cli_json(const struct blk_cli *cli);
/* The command's outputs (struct cmd_outputs) as the program options say. */
void blk_cli_outputs(const struct blk_cli *cli, struct cmd_outputs *o);
/* The run settings for a command's runs, from its program options. */
void blk_cli_settings(const struct command *cmd, const struct blk_cli *cli,
		      struct blk_run_settings *s);

#endif
