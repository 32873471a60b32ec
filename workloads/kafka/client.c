/*
 * client.c - the one way both perf commands open their librdkafka client: the conf (our log
 * level, the command's defaults, the user's properties, the command's overrides, the
 * bootstrap list, statistics for --print-metrics), the in-process mock cluster when the
 * bootstrap is mock[:N], and the wait for the cluster's metadata, so that a cluster that is
 * not there is one error line rather than a wait of message.timeout.ms.
 *
 * Every callback's opaque is the client; the command's own state is client->arg. The error
 * callback only notes that every broker is down (librdkafka's __ALL_BROKERS_DOWN): the
 * metadata wait then stops at once instead of waiting out --timeout for a cluster that
 * refused every connection.
 */
#include "kafka.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka_mock.h>

#include "pvcbench/clock.h"

#define STATS_INTERVAL_MS "250" /* --print-metrics, unless the properties set one */
#define STATS_WAIT_MAX_MS 10000 /* the final statistics: at most this long */

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, char *err,
		    size_t size)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		snprintf(err, size, "%s=%s: %s", key, value, errstr);
		return -EINVAL;
	}
	return 0;
}

static int conf_set_all(rd_kafka_conf_t *conf, const struct kfk_setting *s, char *err, size_t size)
{
	for (; s && s->key; s++)
		if (conf_set(conf, s->key, s->value, err, size))
			return -EINVAL;
	return 0;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kfk_client *c = opaque;

	(void)rk;
	(void)reason;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		atomic_store(&c->all_down, true);
}

/* The "ts" field of a statistics document: librdkafka's monotonic clock in microseconds */
static int64_t stats_ts(const char *json)
{
	const char *p = strstr(json, "\"ts\":");

	return p ? strtoll(p + 5, NULL, 10) : 0;
}

static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct kfk_client *c = opaque;
	char *copy = strndup(json, len);

	(void)rk;
	if (copy) {
		free(c->stats);
		c->stats = copy;
		c->stats_ts_us = stats_ts(copy);
	}
	return 0; /* librdkafka frees json */
}

/* Statistics every STATS_INTERVAL_MS unless the properties set an interval */
static int setup_stats(struct kfk_client *c, rd_kafka_conf_t *conf, char *err, size_t size)
{
	char v[32];
	size_t vlen = sizeof(v);

	if (rd_kafka_conf_get(conf, "statistics.interval.ms", v, &vlen) != RD_KAFKA_CONF_OK ||
	    !strcmp(v, "0")) {
		if (conf_set(conf, "statistics.interval.ms", STATS_INTERVAL_MS, err, size))
			return -EINVAL;
		snprintf(v, sizeof(v), "%s", STATS_INTERVAL_MS);
	}
	c->stats_interval_ms = strtoll(v, NULL, 10);
	rd_kafka_conf_set_stats_cb(conf, on_stats);
	return 0;
}

/* mock or mock:N: starts the cluster in this process and connects to it */
static int start_mock(struct kfk_client *c, const struct kfk_config *cfg,
		      const struct kfk_client_spec *spec, int brokers, char *err, size_t size)
{
	if (kfk_mock_start(&c->mock, brokers, err, size))
		return -EIO;
	c->bootstrap = c->mock.bootstraps;
	/* the mock does not implement CreateTopics: it has its own call */
	if (spec->partitions > 0 &&
	    rd_kafka_mock_topic_create(c->mock.cluster, cfg->topic, (int)spec->partitions,
				       spec->replication > 0 ? (int)spec->replication : 1)) {
		snprintf(err, size, "cannot create topic %s in the mock cluster", cfg->topic);
		return -EIO;
	}
	fprintf(stderr, "pvcbench kafka %s: in-process mock cluster (%d broker%s) at %s\n",
		spec->cmd, brokers, brokers == 1 ? "" : "s", c->bootstrap);
	return 0;
}

int kfk_client_open(struct kfk_client *c, const struct kfk_config *cfg,
		    const struct kfk_client_spec *spec, char *err, size_t size)
{
	char errstr[512];
	int ret;

	memset(c, 0, sizeof(*c));
	c->arg = spec->arg;
	c->print_metrics = cfg->print_metrics;
	c->bootstrap = kfk_bootstrap(cfg);
	if (!c->bootstrap) {
		snprintf(err, size,
			 "--bootstrap-server is required (or bootstrap.servers in the "
			 "properties; mock for an in-process cluster)");
		return -EINVAL;
	}
	int brokers = kfk_mock_spec(c->bootstrap);
	if (brokers < 0) {
		snprintf(err, size, "--bootstrap-server %s: mock:N takes 1 to 64 brokers",
			 c->bootstrap);
		return -EINVAL;
	}
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	/*
	 * librdkafka logs every failed connection attempt; the commands report what failed in
	 * one line of their own. Its log comes back with log_level or debug in the properties.
	 */
	if (conf_set(conf, "log_level", "2", err, size) ||
	    conf_set_all(conf, spec->defaults, err, size) ||
	    kfk_conf_apply_for(conf, &cfg->props,
			       spec->type == RD_KAFKA_PRODUCER ? KFK_ROLE_PRODUCER
							       : KFK_ROLE_CONSUMER,
			       spec->cmd, &c->applied, err, size) ||
	    conf_set_all(conf, spec->overrides, err, size) ||
	    (c->print_metrics && setup_stats(c, conf, err, size))) {
		rd_kafka_conf_destroy(conf);
		return -EINVAL;
	}
	if (brokers > 0 && (ret = start_mock(c, cfg, spec, brokers, err, size))) {
		rd_kafka_conf_destroy(conf);
		return ret;
	}
	if (conf_set(conf, "bootstrap.servers", c->bootstrap, err, size)) {
		rd_kafka_conf_destroy(conf);
		return -EINVAL;
	}
	rd_kafka_conf_set_error_cb(conf, on_error);
	if (spec->dr_msg_cb)
		rd_kafka_conf_set_dr_msg_cb(conf, spec->dr_msg_cb);
	if (spec->rebalance_cb)
		rd_kafka_conf_set_rebalance_cb(conf, spec->rebalance_cb);
	rd_kafka_conf_set_opaque(conf, c);
	c->rk = rd_kafka_new(spec->type, conf, errstr, sizeof(errstr));
	if (!c->rk) {
		snprintf(err, size, "%s", errstr);
		rd_kafka_conf_destroy(conf);
		return -EINVAL;
	}
	/* the handle owns conf now */
	char why[1024];
	if (kfk_prepare_topic(c, cfg->topic, brokers > 0 ? 0 : spec->partitions, spec->replication,
			      cfg->timeout_ms, why, sizeof(why))) {
		snprintf(err, size, "bootstrap %s: %s", c->bootstrap, why);
		return -EIO;
	}
	return 0;
}

void kfk_client_final_stats(struct kfk_client *c)
{
	if (!c->rk || !c->print_metrics)
		return;
	int64_t from_us = (int64_t)(clock_now_ns() / 1000ULL);
	int64_t wait_ms = 2 * c->stats_interval_ms + 1000;
	if (wait_ms > STATS_WAIT_MAX_MS)
		wait_ms = STATS_WAIT_MAX_MS;
	uint64_t deadline = clock_now_ns() + (uint64_t)wait_ms * 1000000ULL;

	/* librdkafka's "ts" and clock_now_ns are both CLOCK_MONOTONIC */
	while (c->stats_ts_us < from_us && clock_now_ns() < deadline)
		rd_kafka_poll(c->rk, 50);
}

void kfk_client_close(struct kfk_client *c)
{
	if (c->rk)
		rd_kafka_destroy(c->rk);
	kfk_mock_stop(&c->mock);
	kfk_applied_free(&c->applied);
	free(c->stats);
	c->rk = NULL;
	c->stats = NULL;
}
