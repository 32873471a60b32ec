/*
 * figures_int.h - what figures.c shares with figures_noise.c (the noise of each figure) and
 * figures_check.c (the data checks a result holds).
 */
#ifndef PVCBENCH_MERGE_FIGURES_INT_H
#define PVCBENCH_MERGE_FIGURES_INT_H

#include "figures.h"
#include "merge_int.h"

/* Whether job is one of group g's, or of every job for MERGE_ALL. */
static inline bool fig_job_in(const struct merge_job *job, int g)
{
	return g == MERGE_ALL || job->group == (unsigned)g;
}

/*
 * Sets the noise of every figure of t (the test of group g of r), and t's series and stall
 * list: see figures.h for the rule.
 */
void fig_test_noise(const struct fig_result *r, int g, struct fig_test *t);

/* Adds the data check a job holds (ack_check, kafka.verify, pgbench.check), if any. */
void fig_check_add(struct fig_check *c, const json_t *job);

#endif
