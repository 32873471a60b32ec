/*
 * merge.h - pvcbench merge: the JSON results of many runs (one per pod of an Indexed Job, say)
 * into one exact report.
 *
 * Each input job's histograms are rebuilt from its lat_hist bucket for bucket, so the merged
 * percentiles, mean, stddev, min and max are those of the union of every sample, never an
 * average of percentiles. Counts, bytes and errors add; the run time of a merged operation is
 * the longest of its inputs' (the pods ran at the same time, as fio's group reporting counts
 * it), and IOPS and bandwidth are the sums over that time.
 *
 * Merged groups: one per distinct job name (in order of first appearance), and one of
 * everything (MERGE_ALL), which adds every job of every input per operation type. Every job
 * must be of one kind (block read/write, pgbench transactions, Kafka produce, Kafka consume:
 * told by its operation types), whatever its name: pods often name their job after the pod, and
 * their results still add into one total. Jobs of one name must measure the same operations.
 */
#ifndef PVCBENCH_MERGE_H
#define PVCBENCH_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pvcbench/hist.h"
#include "pvcbench/runner.h"

#define MERGE_ALL (-1)

struct merge_set;

struct merge_set *merge_set_new(void);
void merge_set_free(struct merge_set *m);

/*
 * Adds one pvcbench JSON result (len bytes of text; whitespace around the document is fine,
 * anything else is not) under name. Checks it whole first: valid JSON, a pvcbench result (jobs,
 * each with lat_hist), exact histograms (sub_bucket_bits, bucket counts adding up to count),
 * jobs of the same kind as the results added before, and a job name's operation types the same
 * wherever the name appears. Returns 0,
 * or -EINVAL with a one-line message naming the input in err; the set is unchanged then.
 */
int merge_set_add(struct merge_set *m, const char *name, const char *text, size_t len, char *err,
		  size_t err_size);
/* Reads path ("-": stdin) and adds it; -errno with a message if it cannot be read. */
int merge_set_add_file(struct merge_set *m, const char *path, char *err, size_t err_size);

unsigned merge_input_count(const struct merge_set *m);
/* The kind of every job in the set ("block", "pgbench", "kafka-produce", "kafka-consume", or
 * "other"), NULL while the set is empty. */
const char *merge_set_kind(const struct merge_set *m);
unsigned merge_job_count(const struct merge_set *m);
/* Input jobs whose own "error" is not 0, with a one-line note for each into notes. */
unsigned merge_failed_jobs(const struct merge_set *m, FILE *notes);

/* Groups by job name: 0 .. merge_group_count() - 1, or MERGE_ALL. */
unsigned merge_group_count(const struct merge_set *m);
const char *merge_group_name(const struct merge_set *m, int group);
/* How many jobs, and from how many inputs, a group adds. */
unsigned merge_group_jobs(const struct merge_set *m, int group);
unsigned merge_group_sources(const struct merge_set *m, int group);
unsigned merge_group_nops(const struct merge_set *m, int group);
/* Operation op of a group: its name ("read", "txn"...), merged stats and run time. */
const struct op_stats *merge_group_op(const struct merge_set *m, int group, unsigned op,
				      const char **name, uint64_t *runtime_ns);

/*
 * The merged JSON document: fio's top-level members, "sources" (each input's own top-level
 * members but its jobs), "jobs" (every input job, each with "source"), "totals" (one merged job
 * per job name, when there are several) and "total" (MERGE_ALL); each merged job says its
 * "kind", how many jobs it adds and from how many inputs.
 */
void merge_print_json(const struct merge_set *m, FILE *out);
/* A table: a row per input job and operation, then the merged rows. */
void merge_print_text(const struct merge_set *m, FILE *out);

/* Rebuilds a histogram from the text of one lat_hist object, with merge_set_add's checks. */
int merge_hist_parse(const char *text, struct hist *h, char *err, size_t err_size);

/* pvcbench merge [--output-format=text|json] [--output=FILE] FILE... */

#endif
