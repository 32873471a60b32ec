/*
 * kind.c - what kind of measurement a job is, told by its operation types: block I/O (fio's
 * read, write, trim, sync and mixed objects), pgbench transactions (txn, and lag under a rate),
 * Kafka produce (produce, and produce_scheduled under --throughput), Kafka consume, or Kafka's
 * end-to-end latency (e2e).
 *
 * Jobs of one kind add into one total whatever they are called: pods name their job after
 * themselves ("pvc-bench-0", "pvc-bench-1"), and fio's job name is whatever --name says. A job
 * whose operations fit no kind here (a result of a newer pvcbench, say) is its own kind, named
 * by its operations: it merges only with jobs that measure exactly the same ones.
 *
 * The kinds' operation sets are disjoint, so a job belongs to at most one of them. Some
 * operations are measured only under a rate (pgbench's lag under -R, Kafka's produce_scheduled
 * under --throughput): a job may lack them where another of its name has them.
 */
#include "merge_int.h"

#include <string.h>

static const char *const block_ops[] = { "read", "write", "trim", "sync", "mixed", NULL };
static const char *const pgbench_ops[] = { "txn", "lag", NULL };
static const char *const produce_ops[] = { "produce", "produce_scheduled", NULL };
static const char *const consume_ops[] = { "consume", NULL };
static const char *const e2e_ops[] = { "e2e", NULL };
/* measured only under a rate (pgbench -R, --throughput): some pods may have them, some not */
static const char *const pgbench_optional[] = { "lag", NULL };
static const char *const produce_optional[] = { "produce_scheduled", NULL };
static const char *const none[] = { NULL };

static const struct merge_kind kinds[] = {
	{ "block", "block read/write", block_ops, none },
	{ "pgbench", "pgbench transactions", pgbench_ops, pgbench_optional },
	{ "kafka-produce", "Kafka produce", produce_ops, produce_optional },
	{ "kafka-consume", "Kafka consume", consume_ops, none },
	{ "kafka-e2e", "Kafka end-to-end latency", e2e_ops, none },
};

static bool listed(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (!strcmp(*names, name))
			return true;
	return false;
}

const struct merge_kind *merge_job_kind(const struct merge_job *job)
{
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		unsigned o = 0;
		while (o < job->nops && listed(kinds[k].ops, job->op[o].name))
			o++;
		if (job->nops && o == job->nops)
			return &kinds[k];
	}
	return NULL;
}

static bool job_has_op(const struct merge_job *job, const char *name)
{
	for (unsigned o = 0; o < job->nops; o++)
		if (!strcmp(job->op[o].name, name))
			return true;
	return false;
}

bool merge_same_kind(const struct merge_job *a, const struct merge_job *b)
{
	const struct merge_kind *ka = merge_job_kind(a), *kb = merge_job_kind(b);

	if (ka || kb)
		return ka == kb;
	/* neither of a known kind: the same operations, or nothing in common */
	if (a->nops != b->nops)
		return false;
	for (unsigned o = 0; o < a->nops; o++)
		if (!job_has_op(b, a->op[o].name))
			return false;
	return true;
}

bool merge_kind_optional(const struct merge_kind *kind, const char *op)
{
	return kind && listed(kind->optional, op);
}

const char *merge_kind_name(const struct merge_job *job)
{
	const struct merge_kind *k = merge_job_kind(job);

	return k ? k->name : "other";
}

const char *merge_kind_label(const struct merge_job *job)
{
	const struct merge_kind *k = merge_job_kind(job);

	return k ? k->label : "other";
}
