/*
 * figures_check.c - the data checks a result holds, added over a test's jobs (struct
 * fig_check): the block ledger's ack_check (verify_only with ack_journal or ack_witness),
 * Kafka's verify (--verify-read) and pgbench's check (--check). A check that was skipped
 * (pgbench's, when the tables were not pgbench's) is not counted.
 */
#include "figures_int.h"

static uint64_t count(const json_t *obj, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(obj, key));

	return v > 0 ? (uint64_t)v : 0;
}

static void start(struct fig_check *c, const char *what)
{
	if (!c->present) {
		c->present = true;
		c->ok = true;
		c->what = what;
	}
}

void fig_check_add(struct fig_check *c, const json_t *job)
{
	const json_t *ack = json_object_get(job, "ack_check");
	const json_t *verify = json_object_get(json_object_get(job, "kafka"), "verify");
	const json_t *check = json_object_get(json_object_get(job, "pgbench"), "check");

	if (json_is_object(ack)) {
		start(c, "ack_check");
		c->acknowledged += count(ack, "acknowledged");
		c->lost += count(ack, "lost");
		c->damaged += count(ack, "stale") + count(ack, "corrupt") + count(ack, "torn");
		if (json_is_true(json_object_get(ack, "failed")))
			c->ok = false;
	}
	if (json_is_object(verify)) {
		start(c, "verify");
		c->acknowledged += count(verify, "acknowledged");
		c->lost += count(verify, "lost");
		c->damaged += count(verify, "duplicated") + count(verify, "out_of_order");
		c->in_doubt += count(verify, "unanswered");
		if (!json_is_true(json_object_get(verify, "ok")))
			c->ok = false;
	}
	if (json_is_object(check) && !json_is_true(json_object_get(check, "skipped"))) {
		uint64_t acked = count(check, "acknowledged");
		uint64_t rows = count(check, "history_rows_added");
		start(c, "check");
		c->acknowledged += acked;
		/* an acknowledged transaction adds one history row: fewer rows, that many lost */
		c->lost += acked > rows ? acked - rows : 0;
		c->in_doubt += count(check, "in_doubt");
		if (!json_is_true(json_object_get(check, "ok")))
			c->ok = false;
	}
}
