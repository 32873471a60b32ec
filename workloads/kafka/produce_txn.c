/*
 * produce_txn.c - the producer's transactions, as kafka-producer-perf-test runs them, and
 * max.block.ms, the bound Java puts on the producer's blocking calls.
 *
 * Transactions are on with --transaction-duration-ms, --transactional-id, or transactional.id
 * in the properties; the id is --transactional-id's, else the properties', else
 * performance-producer-<random UUID>; the duration is 3000 ms unless given. A transaction
 * begins with the first record after a commit and is committed once a send finds it that old,
 * and at the end. librdkafka's calls take a timeout where Java's block up to max.block.ms
 * (default 60000), so that is their timeout here. Messages come back in the kfk_txn's buffer,
 * so the caller's hot loop allocates nothing.
 */
#include "kafka.h"

#include <stdlib.h>
#include <unistd.h>

#include "pvcbench/clock.h"
#include "pvcbench/rng.h"

#define TXN_DEFAULT_DURATION_MS 3000
#define MAX_BLOCK_DEFAULT_MS 60000

void kfk_txn_configure(struct kfk_txn *t, const struct kfk_config *cfg)
{
	const char *from_props = kfk_props_get(&cfg->props, "transactional.id");
	const char *block = kfk_props_get(&cfg->props, "max.block.ms");
	long long ms = block ? strtoll(block, NULL, 10) : MAX_BLOCK_DEFAULT_MS;

	/* librdkafka's timeouts are ints */
	t->max_block_ms = ms < 1 ? 1 : ms > INT32_MAX ? INT32_MAX : ms;
	t->id = NULL;
	if (cfg->transactional_id[0]) {
		t->id = cfg->transactional_id;
	} else if (from_props) {
		t->id = from_props;
	} else if (cfg->transaction_duration_ms > 0) {
		uint64_t r[2];
		rng_seed(r, clock_now_ns() ^ ((uint64_t)getpid() << 32));
		uint64_t a = rng_next(r), b = rng_next(r);
		/* a version 4 UUID, as Java's Uuid.randomUuid() prints one */
		snprintf(t->id_buf, sizeof(t->id_buf),
			 "performance-producer-%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
			 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
			 0x8000 | ((unsigned)(b >> 48) & 0x3fff),
			 (unsigned long long)(b & 0xffffffffffffULL));
		t->id = t->id_buf;
	}
	int64_t d = cfg->transaction_duration_ms > 0 ? cfg->transaction_duration_ms
						     : TXN_DEFAULT_DURATION_MS;
	t->duration_ns = (uint64_t)d * 1000000ULL;
}

/* Keeps error's text in t->error and destroys it; returns the text */
static const char *txn_error(struct kfk_txn *t, const char *what, rd_kafka_error_t *error)
{
	snprintf(t->error, sizeof(t->error), "%s (transactional.id %s): %s", what, t->id,
		 rd_kafka_error_string(error));
	rd_kafka_error_destroy(error);
	return t->error;
}

int kfk_txn_init(struct kfk_txn *t, rd_kafka_t *rk, char *err, size_t size)
{
	rd_kafka_error_t *error = rd_kafka_init_transactions(rk, (int)t->max_block_ms);

	if (!error)
		return 0;
	snprintf(err, size, "%s", txn_error(t, "init_transactions", error));
	return -1;
}

const char *kfk_txn_begin(struct kfk_txn *t, rd_kafka_t *rk, uint64_t now)
{
	rd_kafka_error_t *error = rd_kafka_begin_transaction(rk);

	if (error)
		return txn_error(t, "begin_transaction", error);
	t->open = true;
	t->start_ns = now;
	return NULL;
}

const char *kfk_txn_commit(struct kfk_txn *t, rd_kafka_t *rk)
{
	rd_kafka_error_t *error = rd_kafka_commit_transaction(rk, (int)t->max_block_ms);

	if (error) {
		/* an abortable error leaves the producer usable only after an abort */
		if (rd_kafka_error_txn_requires_abort(error))
			rd_kafka_error_destroy(
				rd_kafka_abort_transaction(rk, (int)t->max_block_ms));
		t->open = false;
		return txn_error(t, "commit_transaction", error);
	}
	t->open = false;
	t->commits++;
	return NULL;
}
