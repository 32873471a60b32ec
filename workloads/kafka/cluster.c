/*
 * cluster.c - what the perf commands need from the cluster before they start: an in-process
 * mock cluster when asked (--bootstrap-server mock), the cluster's metadata within a timeout
 * (so an unreachable bootstrap is an error, not a wait for message.timeout.ms; and one that
 * refused every connection is an error at once), and the topic, created through the Admin
 * API when it is missing and a partition count is given.
 */
#include "kafka.h"

#include <ctype.h>
#include <time.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka_mock.h>

#include "pvcbench/clock.h"
#include "pvcbench/signals.h"

int kfk_mock_spec(const char *bootstrap)
{
	if (strncmp(bootstrap, "mock", 4))
		return 0;
	if (!bootstrap[4])
		return 3;
	if (bootstrap[4] != ':')
		return 0; /* a host called mockingbird */
	char *end;
	long n = strtol(bootstrap + 5, &end, 10);
	if (*end || end == bootstrap + 5 || n < 1 || n > 64)
		return -1;
	return (int)n;
}

int kfk_mock_start(struct kfk_mock *m, int brokers, char *err, size_t size)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	memset(m, 0, sizeof(*m));
	/* the owning handle only hosts the cluster: keep it quiet */
	rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
	m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!m->rk) {
		snprintf(err, size, "cannot start the mock cluster: %s", errstr);
		rd_kafka_conf_destroy(conf);
		return -1;
	}
	m->cluster = rd_kafka_mock_cluster_new(m->rk, brokers);
	if (!m->cluster) {
		snprintf(err, size, "cannot start a mock cluster of %d brokers", brokers);
		rd_kafka_destroy(m->rk);
		m->rk = NULL;
		return -1;
	}
	snprintf(m->bootstraps, sizeof(m->bootstraps), "%s",
		 rd_kafka_mock_cluster_bootstraps(m->cluster));
	return 0;
}

void kfk_mock_stop(struct kfk_mock *m)
{
	if (m->cluster)
		rd_kafka_mock_cluster_destroy(m->cluster);
	if (m->rk)
		rd_kafka_destroy(m->rk);
	m->cluster = NULL;
	m->rk = NULL;
}

#define REFRESH_TIMEOUT_MS 1000 /* the metadata's second look at the end, at most */

/* What the metadata says of the cluster and the topic, for the result's "environment" */
static void note_cluster(struct kfk_client *c, const struct rd_kafka_metadata *md,
			 const char *topic)
{
	struct kfk_cluster_info *info = &c->cluster;
	/* the metadata just answered, so the id is cached: no wait */
	char *id = rd_kafka_clusterid(c->rk, 0);

	memset(info, 0, sizeof(*info));
	info->known = true;
	info->brokers = md->broker_cnt;
	if (id) {
		snprintf(info->cluster_id, sizeof(info->cluster_id), "%s", id);
		rd_kafka_mem_free(c->rk, id);
	}
	for (int i = 0; i < md->topic_cnt; i++) {
		const rd_kafka_metadata_topic_t *t = &md->topics[i];
		if (strcmp(t->topic, topic) || t->err || t->partition_cnt <= 0)
			continue;
		info->topic_known = true;
		info->partitions = t->partition_cnt;
		info->replication_factor = t->partitions[0].replica_cnt;
		for (int p = 1; p < t->partition_cnt; p++)
			if (t->partitions[p].replica_cnt < info->replication_factor)
				info->replication_factor = t->partitions[p].replica_cnt;
	}
}

void kfk_cluster_json(struct jsonw *j, struct kfk_client *c, const char *topic)
{
	const struct kfk_cluster_info *info = &c->cluster;
	const struct rd_kafka_metadata *md;

	if (!info->known)
		return;
	/* a topic left to the broker to create was not in the metadata before the run; after
	 * it, one short request finds it (not after a stop: the results are due at once) */
	if (!info->topic_known && c->rk && !signals_stop_requested() &&
	    !rd_kafka_metadata(c->rk, 1, NULL, &md, REFRESH_TIMEOUT_MS)) {
		note_cluster(c, md, topic);
		rd_kafka_metadata_destroy(md);
	}
	jsonw_object_begin(j, "kafka");
	jsonw_i64(j, "brokers", info->brokers);
	if (info->cluster_id[0])
		jsonw_string(j, "cluster_id", info->cluster_id);
	else
		jsonw_null(j, "cluster_id");
	jsonw_string(j, "topic", topic);
	if (info->topic_known) {
		jsonw_i64(j, "partitions", info->partitions);
		jsonw_i64(j, "replication_factor", info->replication_factor);
	} else {
		jsonw_null(j, "partitions");
		jsonw_null(j, "replication_factor");
	}
	jsonw_object_end(j);
}

#define METADATA_SLICE_MS 100 /* the metadata wait looks at the brokers' state this often */

/*
 * 1 when the topic exists, 0 when not, -1 (with a message) when the cluster did not answer
 * within timeout_ms, or as soon as every broker's connection failed: the error callback,
 * served between slices of the wait, says so.
 */
static int topic_exists(struct kfk_client *c, const char *topic, int timeout_ms, char *err,
			size_t size)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__TIMED_OUT;
	uint64_t deadline = clock_now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	for (;;) {
		uint64_t now = clock_now_ns();
		if (now >= deadline)
			break;
		uint64_t left_ms = (deadline - now + 999999ULL) / 1000000ULL;
		int slice = left_ms < METADATA_SLICE_MS ? (int)left_ms : METADATA_SLICE_MS;
		e = rd_kafka_metadata(c->rk, 1, NULL, &md, slice);
		if (!e)
			break;
		rd_kafka_poll(c->rk, 0); /* the error callback */
		if (atomic_load(&c->all_down)) {
			/* refused (or unresolvable) everywhere: no point waiting for more */
			e = RD_KAFKA_RESP_ERR__TRANSPORT;
			break;
		}
	}
	if (e) {
		snprintf(err, size, "no answer from the cluster within %d ms: %s", timeout_ms,
			 rd_kafka_err2str(e));
		return -1;
	}
	int found = 0;
	for (int i = 0; i < md->topic_cnt; i++)
		if (!strcmp(md->topics[i].topic, topic) && !md->topics[i].err &&
		    md->topics[i].partition_cnt > 0)
			found = 1;
	note_cluster(c, md, topic);
	rd_kafka_metadata_destroy(md);
	return found;
}

static int create_topic(rd_kafka_t *rk, const char *topic, int64_t partitions, int64_t replication,
			int timeout_ms, char *err, size_t size)
{
	char errstr[512];
	rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, (int)partitions,
							replication > 0 ? (int)replication : -1,
							errstr, sizeof(errstr));
	if (!nt) {
		snprintf(err, size, "cannot create topic %s: %s", topic, errstr);
		return -1;
	}
	rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
	rd_kafka_AdminOptions_t *opts =
		rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
	rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, errstr, sizeof(errstr));
	rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, errstr, sizeof(errstr));
	rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
	int ret = 0;
	if (!ev) {
		snprintf(err, size, "creating topic %s: no answer within %d ms", topic, timeout_ms);
		ret = -1;
	} else if (rd_kafka_event_error(ev)) {
		snprintf(err, size, "creating topic %s: %s", topic,
			 rd_kafka_event_error_string(ev));
		ret = -1;
	} else {
		size_t n;
		const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
		const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
		for (size_t i = 0; i < n; i++) {
			rd_kafka_resp_err_t e = rd_kafka_topic_result_error(tr[i]);
			if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
				const char *msg = rd_kafka_topic_result_error_string(tr[i]);
				snprintf(err, size, "creating topic %s: %s", topic,
					 msg ? msg : rd_kafka_err2str(e));
				ret = -1;
			}
		}
	}
	if (ev)
		rd_kafka_event_destroy(ev);
	rd_kafka_AdminOptions_destroy(opts);
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
	return ret;
}

int kfk_prepare_topic(struct kfk_client *c, const char *topic, int64_t partitions,
		      int64_t replication, int64_t timeout_ms, char *err, size_t size)
{
	int exists = topic_exists(c, topic, (int)timeout_ms, err, size);

	if (exists < 0)
		return -1;
	if (exists || partitions <= 0)
		return 0; /* used as it is, or left to the broker to create */
	if (create_topic(c->rk, topic, partitions, replication, (int)timeout_ms, err, size)) {
		/* librdkafka's mock cluster has no CreateTopics: say how to make one there */
		size_t len = strlen(err);
		snprintf(err + len, size - len,
			 " (against `pvcbench kafka mock`, create it with the "
			 "mock's control line: topic %s %lld)",
			 topic, (long long)partitions);
		return -1;
	}
	fprintf(stderr, "pvcbench kafka: created topic %s (%lld partitions)\n", topic,
		(long long)partitions);
	/* wait until the new topic shows in the metadata, so the first sends find it */
	for (int i = 0; i < 50; i++) {
		exists = topic_exists(c, topic, (int)timeout_ms, err, size);
		if (exists != 0)
			return exists < 0 ? -1 : 0;
		struct timespec ts = { 0, 100000000L };
		nanosleep(&ts, NULL);
	}
	snprintf(err, size, "topic %s was created but does not show in the metadata", topic);
	return -1;
}

/*
 * --print-metrics. librdkafka's statistics are JSON; its top level holds the client's
 * counters (messages, bytes, requests, queue sizes). They are printed as the Java tools'
 * ToolsUtils.printMetrics prints a client's metrics: "group:name:{tags}" names, sorted, padded
 * to the longest, "Metric Name   Value" above them. Those with a Java counterpart are printed
 * under the Java name too (producer-metrics:record-send-total, ...); every one under
 * librdkafka:<its name>.
 */
#define METRICS_MAX 96

struct metric {
	char name[160];
	char value[48];
};

static int metric_cmp(const void *a, const void *b)
{
	return strcmp(((const struct metric *)a)->name, ((const struct metric *)b)->name);
}

/* librdkafka's top-level counters that Java's clients also count, by client type */
static const char *const java_names[][3] = {
	/* stat, producer's name, consumer's name */
	{ "tx", "producer-metrics:request-total", "consumer-metrics:request-total" },
	{ "rx", "producer-metrics:response-total", "consumer-metrics:response-total" },
	{ "tx_bytes", "producer-metrics:outgoing-byte-total",
	  "consumer-metrics:outgoing-byte-total" },
	{ "rx_bytes", "producer-metrics:incoming-byte-total",
	  "consumer-metrics:incoming-byte-total" },
	{ "txmsgs", "producer-metrics:record-send-total", NULL },
	{ "txmsg_bytes", "producer-metrics:byte-total", NULL },
	{ "rxmsgs", NULL, "consumer-fetch-manager-metrics:records-consumed-total" },
	{ "rxmsg_bytes", NULL, "consumer-fetch-manager-metrics:bytes-consumed-total" },
};

/* A top-level string field of the statistics ("type", "client_id"), into out */
static void stats_string(const char *json, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	out[0] = '\0';
	if ((p = strstr(json, pat))) {
		p += strlen(pat);
		p += strspn(p, " ");
		if (*p++ == '"')
			snprintf(out, size, "%.*s", (int)strcspn(p, "\""), p);
	}
}

static void add_metric(struct metric *m, unsigned *n, const char *name, const char *tags,
		       const char *value, size_t vlen)
{
	if (*n == METRICS_MAX)
		return;
	int len = snprintf(m[*n].name, sizeof(m[*n].name), "%s:{%s}", name, tags);
	if (len < 0 || (size_t)len >= sizeof(m[*n].name))
		return; /* a name cut short would name another metric: left out */
	snprintf(m[*n].value, sizeof(m[*n].value), "%.*s", (int)vlen, value);
	(*n)++;
}

void kfk_print_metrics(FILE *out, const char *json)
{
	struct metric m[METRICS_MAX];
	unsigned n = 0;
	int depth = 0, width = 0;
	const char *p = json;
	char type[32], client[128], tags[160], name[160];

	if (!json) {
		fputs("(no metrics: the client emitted no statistics)\n", out);
		return;
	}
	stats_string(json, "type", type, sizeof(type));
	stats_string(json, "client_id", client, sizeof(client));
	snprintf(tags, sizeof(tags), "client-id=%s", client);
	int col = strcmp(type, "consumer") ? 1 : 2;
	while (*p) {
		if (*p == '{' || *p == '[' || *p == '}' || *p == ']') {
			depth += *p == '{' || *p == '[' ? 1 : -1;
			p++;
			continue;
		}
		if (*p != '"') {
			p++;
			continue;
		}
		/* a string: a key when a ':' follows */
		const char *start = ++p;
		while (*p && *p != '"')
			p += *p == '\\' && p[1] ? 2 : 1;
		size_t len = (size_t)(p - start);
		if (*p)
			p++;
		while (*p == ' ')
			p++;
		if (*p != ':' || depth != 1)
			continue;
		p++;
		while (*p == ' ')
			p++;
		if (*p != '-' && !isdigit((unsigned char)*p))
			continue;
		const char *v = p;
		while (*p == '-' || *p == '.' || isdigit((unsigned char)*p))
			p++;
		snprintf(name, sizeof(name), "librdkafka:%.*s", (int)len, start);
		add_metric(m, &n, name, tags, v, (size_t)(p - v));
		for (size_t i = 0; i < sizeof(java_names) / sizeof(java_names[0]); i++)
			if (strlen(java_names[i][0]) == len &&
			    !strncmp(java_names[i][0], start, len) && java_names[i][col])
				add_metric(m, &n, java_names[i][col], tags, v, (size_t)(p - v));
	}
	qsort(m, n, sizeof(m[0]), metric_cmp);
	for (unsigned i = 0; i < n; i++)
		if ((int)strlen(m[i].name) > width)
			width = (int)strlen(m[i].name);
	fprintf(out, "\n%-*s   %s\n", width, "Metric Name", "Value");
	for (unsigned i = 0; i < n; i++)
		fprintf(out, "%-*s : %s\n", width, m[i].name, m[i].value);
}
