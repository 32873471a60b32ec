/*
 * figures.h - the comparable figures of one pvcbench result (a single run or a `pvcbench merge`
 * of many): per test, the figures the white paper compares, each with its unit, which way is
 * better, and the run-to-run noise the result itself shows. `pvcbench compare` and `pvcbench
 * report` are both built on it.
 *
 * A test is a job name (the FIO Summary's read_iops, write_iops, read_bw, write_bw...; fio's
 * --name; "pgbench"; "kafka-produce"; "kafka-consume"). The jobs of one name in a result (fio's
 * numjobs, the pods of a merged result) add into one test exactly, as `pvcbench merge` adds them
 * (src/merge/load.c reads the result). A merged result of several sources whose pods each named
 * their job after themselves (every name from one source only) is one test, named after its
 * kind ("block", "pgbench", "kafka-produce", "kafka-consume").
 *
 * Figures per kind (key: name, unit, better):
 *   block, per operation type with I/Os (read, write, trim):
 *     <op>.iops      "<op> IOPS"          IOPS       higher   ops / run time
 *     <op>.bw        "<op> bandwidth"     MiB/s      higher   bytes / run time / 2^20
 *     <op>.lat_mean  "<op> mean latency"  us         lower    lat_hist's mean (fio's lat_ns)
 *     <op>.lat_p99   "<op> p99 latency"   us         lower    lat_hist's 99th percentile
 *   pgbench:
 *     txn.tps        "tps"                tps        higher   pgbench's tps without the initial
 *                                                             connection time (summed over jobs)
 *     txn.lat_mean   "latency average"    ms         lower
 *     txn.lat_p99    "latency p99"        ms         lower
 *   kafka-produce:
 *     produce.records_per_sec "records/s" records/s  higher   the tool's own (summed over jobs)
 *     produce.mb_per_sec      "MB/s"      MB/s       higher   the tool's own: 2^20 bytes (Kafka's)
 *     produce.lat_mean        "avg latency" ms       lower
 *     produce.lat_p99         "p99 latency" ms       lower
 *   kafka-consume:
 *     consume.mb_per_sec       "MB/s"      MB/s      higher   (summed over jobs)
 *     consume.records_per_sec  "records/s" records/s higher
 *   any other kind: per operation type, <op>.ops_per_sec (ops/s), <op>.lat_mean and
 *   <op>.lat_p99 (ms).
 * Latencies come from the exact merged histogram (lat_hist), never from averaged percentiles.
 *
 * Noise (struct fig_figure.noise): the coefficient of variation (sample standard deviation /
 * mean) of the figure's per-interval values in the result's own time series ("series": each
 * point's ops or bytes per second for a throughput, its lat_mean_ns or lat_p99_ns for a latency;
 * points shorter than half the interval, the run's ragged end, are left out, and for latencies
 * points with no operation), from at least FIG_NOISE_MIN_SAMPLES points. For a merged result,
 * the largest of its sources' CVs. Without such a series, block IOPS and bandwidth fall back on
 * fio's own samples (iops_stddev / iops_mean, bw_dev / bw_mean); otherwise the noise is unknown
 * (FIG_NOISE_UNKNOWN).
 *
 * Ownership: everything a struct fig_result points to lives until fig_result_free().
 */
#ifndef PVCBENCH_MERGE_FIGURES_H
#define PVCBENCH_MERGE_FIGURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "pvcbench/merge.h"
#include "pvcbench/runner.h"

#define FIG_MAX_FIGURES 16
#define FIG_MAX_OPS 8
#define FIG_NAME_MAX 128
#define FIG_NOISE_MIN_SAMPLES 2
#define FIG_NOISE_UNKNOWN (-1.0)

enum fig_better {
	FIG_HIGHER, /* throughput: more is better */
	FIG_LOWER,  /* latency: less is better */
};

enum fig_noise_source {
	FIG_NOISE_NONE,	   /* unknown: noise is FIG_NOISE_UNKNOWN */
	FIG_NOISE_SERIES,  /* the CV of the per-interval series */
	FIG_NOISE_SAMPLES, /* the CV of fio's iops/bw samples */
};

/* The per-interval value of a series point that a figure's noise is computed from */
enum fig_sample {
	FIG_SAMPLE_OPS,	     /* ops per second */
	FIG_SAMPLE_BYTES,    /* bytes per second */
	FIG_SAMPLE_LAT_MEAN, /* lat_mean_ns */
	FIG_SAMPLE_LAT_P99,  /* lat_p99_ns */
};

struct fig_figure {
	char key[64];	  /* stable: "read.iops", "txn.tps", "produce.lat_p99"... */
	const char *op;	  /* the operation type: "read", "txn", "produce"... */
	char name[64];	  /* for people: "read IOPS", "tps", "p99 latency"... */
	const char *unit; /* "IOPS", "MiB/s", "us", "ms", "tps", "records/s", "MB/s", "ops/s" */
	enum fig_better better;
	enum fig_sample sample; /* what its noise is computed from */
	double value;		/* in unit */
	double noise;		/* CV (0.05 = 5%), or FIG_NOISE_UNKNOWN */
	enum fig_noise_source noise_source;
	unsigned noise_samples; /* points (or fio samples) the CV came from */
};

/* One operation type of a test, merged: for latency-percentile curves and the like. */
struct fig_op {
	const char *name;	      /* "read", "write", "txn", "produce", "consume"... */
	const struct op_stats *stats; /* counts and the exact histogram (ns) */
	uint64_t runtime_ns;
};

/* The outage windows of a test (its jobs' "stalls", added). */
struct fig_stalls {
	unsigned count;
	double total_ms, longest_ms;
	uint64_t failures;
	unsigned open; /* still open when the run ended */
};

/*
 * What a data check found, where the result holds one: the block ledger's "ack_check", Kafka's
 * "verify" (--verify-read), pgbench's "check" (--check). Counts add over the test's jobs.
 */
struct fig_check {
	bool present;
	const char *what;      /* "ack_check", "verify" or "check" */
	bool ok;	       /* every job's check passed */
	uint64_t acknowledged; /* writes, records or transactions acknowledged */
	uint64_t lost;	       /* acknowledged and not found */
	uint64_t damaged;      /* block: stale + corrupt + torn; Kafka: duplicated + out of order */
	uint64_t in_doubt;     /* pgbench: in doubt; Kafka: unanswered */
};

struct fig_test {
	char name[FIG_NAME_MAX];
	const char *
		kind; /* "block", "pgbench", "kafka-produce", "kafka-consume", "kafka-e2e", "other" */
	const char *label;	  /* for people: "block read/write", "pgbench transactions"... */
	unsigned njobs, nsources; /* jobs added, and from how many sources */
	unsigned nfigures;
	struct fig_figure fig[FIG_MAX_FIGURES];
	unsigned nops;
	struct fig_op op[FIG_MAX_OPS];
	uint64_t errors;	/* the operations' errors, added */
	unsigned failed_jobs;	/* jobs whose own "error" is not 0 */
	const char *engine;	/* the block job's ioengine, else NULL */
	const char *filesystem; /* the block job's target fstype, else NULL */
	struct fig_stalls stalls;
	struct fig_check check;
	/*
	 * The test's per-interval series ({"interval_ms", "start_unix_ms", "points": [...]}) and
	 * its stall windows (the "list" array of its "stalls"): of the first source that has them
	 * in a merged result; NULL when the result has none.
	 */
	const json_t *series;
	const json_t *stall_list;
};

/* The environment of the run (the first source's, for a merged result); NULL: not known. */
struct fig_env {
	const char *version, *kernel, *hostname, *cpu_model;
	unsigned cores;
	uint64_t memory_bytes;
	const char *pod, *node, *namespace, *storage_class;
	const char *engine;	/* the first block test's ioengine */
	const char *filesystem; /* the first block test's target fstype */
};

struct fig_result {
	char *path; /* as given */
	/*
	 * kubernetes.storage_class, else the pod (not for a merge of several), else the file
	 * name without directory and .json ("stdin" for "-")
	 */
	char label[FIG_NAME_MAX];
	bool merged;	   /* a `pvcbench merge` result */
	unsigned nsources; /* 1, or the merged result's sources */
	struct fig_env env;
	unsigned ntests;
	struct fig_test *tests;
	const json_t *doc; /* the whole document */
	struct merge_set *set;
};

/*
 * Loads a result (path "-": stdin) and works out its figures. 0, or a negative errno with a
 * one-line message naming path in err (not a pvcbench result, unreadable, corrupt); r is then
 * empty (fig_result_free is still safe).
 */
int fig_result_load(struct fig_result *r, const char *path, char *err, size_t err_size);
/* The same from len bytes of text, named name (the label falls back on name). */
int fig_result_load_text(struct fig_result *r, const char *name, const char *text, size_t len,
			 char *err, size_t err_size);
void fig_result_free(struct fig_result *r);
/* Replaces the label (--label NAME=FILE); truncated to FIG_NAME_MAX - 1. */
void fig_result_set_label(struct fig_result *r, const char *label);

/*
 * The test of r that matches t (of another result): the one of the same name, or, when both
 * results hold exactly one test and of one kind, that one (two fio runs with different --name).
 */
const struct fig_test *fig_match_test(const struct fig_result *r, const struct fig_result *of,
				      const struct fig_test *t);
const struct fig_figure *fig_test_figure(const struct fig_test *t, const char *key);

/* (value - base) / base in %; NAN when base is 0 or either is not finite. */
double fig_change_pct(double base, double value);
/* The combined noise of two figures in %: 100 * sqrt(a.noise^2 + b.noise^2); NAN if unknown. */
double fig_combined_noise_pct(const struct fig_figure *a, const struct fig_figure *b);
/*
 * Whether a change is larger than the noise: |change_pct| > FIG_NOISE_FACTOR x the combined
 * noise. False when either noise is unknown.
 */
#define FIG_NOISE_FACTOR 2.0
bool fig_beyond_noise(const struct fig_figure *base, const struct fig_figure *other,
		      double change_pct);
/* Whether value is better than base by the figure's direction (false if equal). */
bool fig_better_than(const struct fig_figure *f, double value, double base);

const char *fig_noise_source_name(enum fig_noise_source s); /* "series", "samples", "none" */

#endif
