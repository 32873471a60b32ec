/*
 * merge_int.h - the merge module's internals, shared by its files: the inputs as jansson trees
 * (kept whole, so every input job is written back as it was) and the merged groups.
 */
#ifndef PVCBENCH_MERGE_INT_H
#define PVCBENCH_MERGE_INT_H

#include <stdbool.h>

#include <jansson.h>

#include "pvcbench/merge.h"
#include "pvcbench/report.h"

/* Operation types of one merged group: a job has at most PVC_MAX_OPS, MERGE_ALL their union. */
#define MERGE_MAX_OPS (2 * PVC_MAX_OPS)

/* One operation type of one input job: a member object of the job that holds lat_hist. */
struct merge_op_ref {
	const char *name; /* the member's key: "read", "txn", ... */
	json_t *obj;
	uint64_t runtime_ms;
};

struct merge_job {
	const char *jobname;
	json_t *obj;
	unsigned input; /* index into merge_set.inputs */
	unsigned group; /* index into merge_set.groups */
	int64_t error;	/* the job's own "error" member, 0 if none */
	unsigned nops;
	struct merge_op_ref op[PVC_MAX_OPS];
};

struct merge_input {
	char *name; /* as given on the command line; "stdin" for "-" */
	json_t *doc;
	unsigned njobs;
};

/*
 * What a fio direction holds beyond the counts and lat_hist, each part optional (pgbench's and
 * kafka's operations, and older results, have none of it): slat_hist and clat_hist (split),
 * bw_sums and iops_sums (samples), short_ios and drop_ios; sync: fio's sync object (no clat_ns).
 */
#define MERGE_MAX_PERCENTILES 64

struct merge_extra {
	bool split, samples, sync;
	struct hist slat, clat;
	struct op_samples bw, iops;
	uint64_t short_ios, drop_ios;
	/*
	 * Which of slat_ns, clat_ns, lat_ns hold a percentile object (fio's *_percentiles; none is
	 * written for an empty histogram, so only an input with samples says "off"), and its list.
	 */
	bool percentile_seen[OP_LATS], percentile_on[OP_LATS];
	unsigned npercentiles;
	double percentiles[MERGE_MAX_PERCENTILES];
};

struct merge_total {
	const char *name;
	uint64_t runtime_ms; /* the longest of the merged operations' */
	struct op_stats stats;
	/* each part of extra is written only when every merged operation had it */
	unsigned added, split, samples, sync;
	struct merge_extra extra;
};

struct merge_group {
	const char *jobname;
	unsigned njobs;
	unsigned ninputs;     /* how many inputs hold jobs of the group */
	unsigned first_input; /* the first of them */
	unsigned last_input;  /* the last of them, + 1 (0: none yet) */
	unsigned nops;
	struct merge_total op[MERGE_MAX_OPS];
};

struct merge_set {
	struct merge_input *inputs;
	unsigned ninputs;
	struct merge_job *jobs;
	unsigned njobs;
	struct merge_group *groups; /* one per distinct job name */
	unsigned ngroups;
	struct merge_group all; /* every job: they are all of one kind (see kind.c) */
};

/* kind.c: what a job measures, told by its operation types. */
struct merge_kind {
	const char *name;	     /* "block", "pgbench", "kafka-produce", "kafka-consume" */
	const char *label;	     /* for people: "block read/write", "pgbench transactions"... */
	const char *const *ops;	     /* the operation types a job of the kind may have */
	const char *const *optional; /* those of them that only some jobs of a name may have */
};

/* The job's kind, or NULL when its operations fit none (it is then a kind of its own). */
const struct merge_kind *merge_job_kind(const struct merge_job *job);
/* Of one known kind, or of no known kind and measuring exactly the same operations. */
bool merge_same_kind(const struct merge_job *a, const struct merge_job *b);
/* Whether jobs of a name may differ in having op (NULL kind: none may). */
bool merge_kind_optional(const struct merge_kind *kind, const char *op);
/* The kind's name and label; "other" for a job of no known kind. */
const char *merge_kind_name(const struct merge_job *job);
const char *merge_kind_label(const struct merge_job *job);

/*
 * An operation's counts and exact histogram from its JSON object (checked by merge_set_add, so
 * this cannot fail then). Returns 0 or -EINVAL with the reason in err.
 */
int merge_op_stats(const json_t *op, struct op_stats *s, char *err, size_t err_size);
/* The same for the operation's optional fio parts (see struct merge_extra). */
int merge_op_extra(const json_t *op, struct merge_extra *x, char *err, size_t err_size);

const struct merge_group *merge_group_get(const struct merge_set *m, int group);

/*
 * groups.c: checks that the jobs of input name are of the set's kind, and that jobs of one name
 * measure the same operations (0, or -EINVAL with a message); makes room for them (0 or -ENOMEM); adds them (as input
 * number input) to their groups and to the group of everything. scratch is working memory.
 */
int merge_check_workload(const struct merge_set *m, const char *name, const struct merge_job *jobs,
			 size_t njobs, char *err, size_t err_size);
int merge_reserve(struct merge_set *m, const struct merge_job *jobs, size_t njobs);
void merge_commit(struct merge_set *m, struct merge_job *jobs, size_t njobs, unsigned input,
		  struct op_stats *scratch, struct merge_extra *extra);

/*
 * stalls.c: the inputs' outage windows lined up on wall-clock time. any: when some input was
 * stalled; all: when every input was stalled or not running; gaps: when none was running, for
 * at least the threshold (all
 * within the span from the first input's start to the last one's end). start_ns of each is from
 * the span's start.
 */
struct merge_stalls {
	unsigned inputs;	       /* inputs that said when they ran */
	uint64_t span_start, span_end; /* ns since the epoch */
	struct stall_list any, all, gaps;
};
int merge_stalls_compute(const struct merge_set *m, struct merge_stalls *out);
void merge_stalls_free(struct merge_stalls *s);
void merge_stalls_json(struct jsonw *j, const struct merge_stalls *s);
void merge_stalls_text(FILE *out, const struct merge_stalls *s);

/*
 * The command lines of merge, compare and report (args.c): their operands and repeated options
 * in a list that grows, in order (the strings are argv's, not copied).
 */
struct merge_list {
	const char **v;
	int n, cap;
};
int merge_list_add(struct merge_list *l, const char *text, char *err, size_t err_size);
void merge_list_free(struct merge_list *l);
/*
 * --label NAME=FILE (compare, report). merge_label_add checks its form and adds it;
 * merge_labels_check says which one names none of the files (the same text, or the same file on
 * disk); merge_label_of copies the NAME that labels file into name (the last given wins) and
 * returns false when none does.
 */
int merge_label_add(struct merge_list *labels, const char *spec, char *err, size_t err_size);
int merge_labels_check(const struct merge_list *labels, const struct merge_list *files, char *err,
		       size_t err_size);
bool merge_label_of(const struct merge_list *labels, const char *file, char *name, size_t size);

#endif
