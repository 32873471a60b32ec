/*
 * compare_int.h - pvcbench compare's model, shared by compare.c (the command line, which builds
 * it) and compare_out.c (its text and JSON): the inputs' figures lined up per test and figure,
 * the first input being the one every change is measured against.
 */
#ifndef PVCBENCH_MERGE_COMPARE_INT_H
#define PVCBENCH_MERGE_COMPARE_INT_H

#include <stdio.h>

#include "figures.h"

#define CMP_MAX_KEYS 32

/* One test as the inputs hold it: a row of figures per key, a column per input. */
struct cmp_test {
	const struct fig_test *first; /* of the first input that has it: names it */
	const struct fig_test **in;   /* per input, NULL where the input has no such test */
	unsigned nkeys;
	const char *keys[CMP_MAX_KEYS]; /* every figure's key, in order of first appearance */
};

struct cmp {
	unsigned ninputs;
	struct fig_result *inputs;
	unsigned ntests;
	struct cmp_test *tests;
};

/* Lines the inputs' tests and figures up (0 or -ENOMEM); frees what it made. */
int cmp_build(struct cmp *c);
void cmp_free_tests(struct cmp *c);
/* The figure key of test in input i, or NULL. */
const struct fig_figure *cmp_figure(const struct cmp *c, const struct cmp_test *t, unsigned i,
				    const char *key);

void cmp_print_text(const struct cmp *c, FILE *out);
void cmp_print_json(const struct cmp *c, FILE *out);

#endif
