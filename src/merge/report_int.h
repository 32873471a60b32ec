/*
 * report_int.h - pvcbench report's internals: the results it reads (each one checked and merged
 * per job name by a merge_set of its own, so results of different workloads can share a page),
 * the storage classes they belong to, the tests (job names) and their figures, and the
 * renderers of the page's parts.
 *
 * Invariants: every number the page shows comes from a struct rep_stat computed here from the
 * loaded JSON, and every table cell that shows one carries its exact value in data-value, so a
 * reader (or the test) can check it against the results.
 */
#ifndef PVCBENCH_REPORT_INT_H
#define PVCBENCH_REPORT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "figures.h"
#include "pvcbench/hist.h"
#include "pvcbench/merge.h"

#define REP_MAX_CLASSES 64
#define REP_MAX_TESTS 64
#define REP_MAX_FIGURES 512

struct rep_input {
	struct fig_result r;	/* its figures per test (figures.h), as compare has them */
	const char *label_from; /* "--label", "storage class", "pod", "file name" */
	unsigned cls;		/* index into rep_model.classes */
};

struct rep_class {
	char label[FIG_NAME_MAX];
	unsigned ninputs;
};

/*
 * One figure: a figure key of a test (figures.h: "read.iops", "txn.tps"...), or the test's
 * errors (key "errors"), across the inputs.
 */
struct rep_figure {
	unsigned test;
	char figkey[64];
	char key[FIG_NAME_MAX + 72]; /* "read_iops/read.iops": data-figure, unique */
	char title[96];
	char op[32];	  /* its operation type; "" for errors */
	const char *unit; /* figures.h's units, "errors" */
	enum fig_better better;
	bool errors;
};

/* A figure over the runs of one class: spread, mean and rank among the classes. */
struct rep_stat {
	unsigned n; /* runs of the class that have the figure (0: none) */
	double min, max, mean;
	unsigned rank; /* 1, 2, ...; classes whose spreads overlap share one */
	bool tied;
};

struct rep_test {
	char name[FIG_NAME_MAX]; /* the test's name (a job name, or a kind: figures.h) */
	const char *kind;	 /* "block", "pgbench", "kafka-produce", ... */
};

struct rep_model {
	struct rep_input *inputs;
	unsigned ninputs;
	struct rep_class classes[REP_MAX_CLASSES];
	unsigned nclasses;
	struct rep_test tests[REP_MAX_TESTS];
	unsigned ntests;
	struct rep_figure *figures;
	unsigned nfigures;
	struct rep_stat *stats; /* nfigures * nclasses, figure-major */
	const char *baseline;	/* --baseline: the local disk's class, or NULL */
	const char *title;
};

/* report_model.c */
int rep_model_add(struct rep_model *m, const char *file, const char *label, char *err,
		  size_t err_size);
/* Classes, tests, figures and their stats, once every input is in. 0 or -ENOMEM/-EINVAL. */
int rep_model_build(struct rep_model *m, char *err, size_t err_size);
void rep_model_free(struct rep_model *m);
const struct rep_stat *rep_stat_of(const struct rep_model *m, unsigned figure, unsigned cls);
/* The input's test of that name and kind, or NULL. */
const struct fig_test *rep_input_test(const struct rep_model *m, unsigned input, unsigned test);
/* The value of a figure in one input; false when the input has none. */
bool rep_input_value(const struct rep_model *m, unsigned input, const struct rep_figure *f,
		     double *value);
/* An input's merged stats of a test's operation (its jobs of that name), or NULL. */
const struct op_stats *rep_input_op(const struct rep_model *m, unsigned input, unsigned test,
				    const char *op);
bool rep_higher_is_better(const struct rep_figure *f);
/* The value as the page shows it: fio's 55.6k and 882MiB/s, two decimals for the rest. */
void rep_format(char *buf, size_t size, const struct rep_figure *f, double value);

/* report_html.c: the page's frame and its parts */
void rep_html_escape(FILE *out, const char *s);
int rep_html_write(const struct rep_model *m, FILE *out);

/* report_tables.c */
void rep_tables_summary(const struct rep_model *m, FILE *out);
void rep_tables_test(const struct rep_model *m, unsigned test, FILE *out);
void rep_tables_environment(const struct rep_model *m, FILE *out);

/* report_failover.c: outages, recovery, errors and what was lost (nothing printed when no
 * result has any); red flags. */
void rep_failover(const struct rep_model *m, FILE *out);
void rep_flags(const struct rep_model *m, FILE *out);

/* report_svg.c */
#define REP_PALETTE 8
const char *rep_color(unsigned cls);
void rep_svg_bars(const struct rep_model *m, unsigned figure, FILE *out);
void rep_svg_percentiles(const struct rep_model *m, unsigned test, const char *op, FILE *out);
void rep_svg_series(const struct rep_model *m, unsigned test, FILE *out);

#endif
