/*
 * args.c - the Java perf tools' options as pvcbench option tables (read by the core's parser in
 * its Java style), and the Kafka client properties: a properties file, then
 * --producer-props/--consumer-props k=v ... (OPT_LIST rows whose items kfk_on_option keeps),
 * passed to librdkafka one by one so that an unknown or invalid property is an error naming it.
 * The Java tools' options pvcbench lacks are OPT_REFUSED rows: refused by name, not ignored.
 */
#include "kafka.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(struct kfk_config, field)

static const char *const format_choices[] = { "text", "json", NULL };

#define COMMON_OPTS(config_name, props_name)                                                          \
	{ .name = "topic",                                                                            \
	  .type = OPT_STRING,                                                                         \
	  .offset = F(topic),                                                                         \
	  .help = "the topic (required)" },                                                           \
		{ .name = "bootstrap-server",                                                         \
		  .alias = "broker-list",                                                             \
		  .type = OPT_STRING,                                                                 \
		  .offset = F(bootstrap),                                                             \
		  .help = "host:port,... of the cluster; mock or mock:N starts an in-process mock "   \
			  "cluster of N brokers (default 3)" },                                       \
		{ .name = config_name,                                                                \
		  .type = OPT_STRING,                                                                 \
		  .offset = F(config_file),                                                           \
		  .help = "a properties file of client settings (k=v lines), passed to librdkafka" }, \
		{ .name = "print-metrics",                                                            \
		  .type = OPT_BOOL,                                                                   \
		  .offset = F(print_metrics),                                                         \
		  .def = "0",                                                                         \
		  .help = "print the client's metrics (librdkafka statistics) at the end" },          \
		{ .name = "reporting-interval",                                                       \
		  .type = OPT_INT,                                                                    \
		  .offset = F(reporting_interval_ms),                                                 \
		  .def = "5000",                                                                      \
		  .min = 100,                                                                         \
		  .max = 86400000,                                                                    \
		  .help = "milliseconds between progress lines" },                                    \
		{ .name = "output-format",                                                            \
		  .type = OPT_CHOICE,                                                                 \
		  .offset = F(output_format),                                                         \
		  .def = "text",                                                                      \
		  .choices = format_choices,                                                          \
		  .help = "the Java tool's lines, or one JSON document" },                            \
		{ .name = "output",                                                                   \
		  .type = OPT_STRING,                                                                 \
		  .offset = F(output),                                                                \
		  .help = "write the results to this file (whole, or not at all)" },                  \
		{ .name = props_name,                                                                 \
		  .type = OPT_LIST,                                                                   \
		  .arg_name = "K=V",                                                                  \
		  .help = "client properties for librdkafka, after the properties file's" },          \
		{ .name = "stall-threshold",                                                          \
		  .type = OPT_TIME,                                                                   \
		  .env = "PVCBENCH_STALL_THRESHOLD",                                                  \
		  .offset = F(stall_threshold_ns),                                                    \
		  .def = "1s",                                                                        \
		  .unit_ns = 1000000000ULL,                                                           \
		  .min = 1000000,                                                                     \
		  .max = 86400000000000LL,                                                            \
		  .arg_name = "TIME",                                                                 \
		  .help = "a stretch of TIME or more with no record completed is a stall: reported "  \
			  "with its start, length, failures and recovery (docs/kafka-verify.md)" },   \
		{ .name = "command-property",                                                         \
		  .type = OPT_REFUSED,                                                                \
		  .help = "use --producer-props or --consumer-props" },                               \
	{                                                                                             \
		.name = "command-config", .type = OPT_REFUSED,                                        \
		.help = "use --producer.config or --consumer.config"                                  \
	}

const struct option_def kfk_produce_defs[] = {
	{ .name = "num-records",
	  .type = OPT_INT,
	  .offset = F(num_records),
	  .min = 1,
	  .help = "number of records to produce (required)" },
	{ .name = "record-size",
	  .type = OPT_INT,
	  .offset = F(record_size),
	  .min = 1,
	  .max = 1073741824,
	  .help = "bytes per record (or --payload-file, or --payload-monotonic)" },
	{ .name = "payload-file",
	  .type = OPT_STRING,
	  .offset = F(payload_file),
	  .help = "records to send, split on --payload-delimiter; one at random per send" },
	{ .name = "payload-delimiter",
	  .type = OPT_STRING,
	  .offset = F(payload_delimiter),
	  .def = "\\n",
	  .help = "the delimiter of --payload-file records (\\n, \\t and \\r understood)" },
	{ .name = "payload-monotonic",
	  .type = OPT_BOOL,
	  .offset = F(payload_monotonic),
	  .def = "0",
	  .help = "each record's payload is its index, in decimal" },
	{ .name = "throughput",
	  .type = OPT_RATE,
	  .offset = F(throughput_rps),
	  .def = "-1",
	  .positive = true,
	  .no_limit = true,
	  .help = "records per second at most; -1: no limit" },
	{ .name = "warmup-records",
	  .type = OPT_INT,
	  .offset = F(warmup_records),
	  .def = "0",
	  .help = "the first N records are sent but left out of the statistics" },
	{ .name = "partitions",
	  .type = OPT_INT,
	  .offset = F(partitions),
	  .def = "0",
	  .max = 1000000,
	  .help = "create the topic with this many partitions when it does not exist" },
	{ .name = "replication-factor",
	  .type = OPT_INT,
	  .offset = F(replication_factor),
	  .def = "0",
	  .max = 1000,
	  .help = "replication of a topic created here (default: the broker's)" },
	{ .name = "timeout",
	  .type = OPT_INT,
	  .offset = F(timeout_ms),
	  .def = "10000",
	  .min = 100,
	  .max = 86400000,
	  .help = "milliseconds to wait for the cluster before giving up" },
	{ .name = "transactional-id",
	  .type = OPT_STRING,
	  .offset = F(transactional_id),
	  .help = "produce in transactions with this transactional.id (wins over the "
		  "properties'; default performance-producer-<uuid> when transactions are on)" },
	{ .name = "transaction-duration-ms",
	  .type = OPT_INT,
	  .offset = F(transaction_duration_ms),
	  .def = "0",
	  .min = 1,
	  .help = "commit the transaction once it is this old (ms, > 0; turns transactions on; "
		  "default 3000 when a transactional id is given)" },
	{ .name = "verify",
	  .type = OPT_STRING,
	  .offset = F(verify_file),
	  .bare_ok = true,
	  .arg_name = "[FILE]",
	  .help = "write a producer id and sequence number into each record's first 24 bytes "
		  "and keep the acknowledged and failed records; with FILE, write them there "
		  "(docs/kafka-verify.md)" },
	{ .name = "verify-read",
	  .type = OPT_BOOL,
	  .offset = F(verify_read),
	  .def = "0",
	  .help = "with --verify: read the topic back after producing and report lost, "
		  "duplicated, out-of-order and unexpected records" },
	COMMON_OPTS("producer.config", "producer-props"),
	{ 0 }
};

const struct option_def kfk_consume_defs[] = {
	{ .name = "messages",
	  .type = OPT_INT,
	  .offset = F(messages),
	  .min = 1,
	  .help = "number of messages to consume (required)" },
	{ .name = "group",
	  .type = OPT_STRING,
	  .offset = F(group),
	  .help = "consumer group id (default perf-consumer-<random>)" },
	{ .name = "timeout",
	  .type = OPT_INT,
	  .offset = F(timeout_ms),
	  .def = "10000",
	  .min = 100,
	  .max = 86400000,
	  .help = "stop when no message arrived for this many milliseconds" },
	{ .name = "from-latest",
	  .type = OPT_BOOL,
	  .offset = F(from_latest),
	  .def = "0",
	  .help = "start from the end of the topic when the group has no offsets" },
	{ .name = "show-detailed-stats",
	  .type = OPT_BOOL,
	  .offset = F(detailed),
	  .def = "0",
	  .help = "a line per reporting interval instead of the final line" },
	{ .name = "date-format",
	  .type = OPT_STRING,
	  .offset = F(date_format),
	  .help = "strftime format of the times (%L: milliseconds); default yyyy-MM-dd "
		  "HH:mm:ss:SSS" },
	{ .name = "hide-header",
	  .type = OPT_BOOL,
	  .offset = F(hide_header),
	  .def = "0",
	  .help = "leave out the header line" },
	{ .name = "fetch-size",
	  .type = OPT_INT,
	  .offset = F(fetch_size),
	  .def = "1048576",
	  .min = 1,
	  .max = 2147483647,
	  .help = "bytes fetched per partition per request (max.partition.fetch.bytes)" },
	{ .name = "socket-buffer-size",
	  .type = OPT_INT,
	  .offset = F(socket_buffer_size),
	  .def = "2097152",
	  .min = 0,
	  .max = 100000000,
	  .help = "socket receive buffer (socket.receive.buffer.bytes)" },
	{ .name = "threads",
	  .type = OPT_INT,
	  .offset = F(threads),
	  .def = "10",
	  .help = "deprecated and ignored, as in the Java tool (one consumer)" },
	{ .name = "num-fetch-threads",
	  .type = OPT_INT,
	  .offset = F(num_fetch_threads),
	  .def = "1",
	  .help = "deprecated and ignored, as in the Java tool" },
	{ .name = "verify",
	  .type = OPT_STRING,
	  .offset = F(verify_file),
	  .arg_name = "FILE",
	  .help = "check the topic against the ledger of kafka produce --verify=FILE instead "
		  "of measuring: lost, duplicated, out-of-order and unexpected records "
		  "(docs/kafka-verify.md)" },
	COMMON_OPTS("consumer.config", "consumer-props"),
	{ 0 }
};

int kfk_props_add(struct kfk_props *props, const char *kv, char *err, size_t size)
{
	const char *eq = strchr(kv, '=');

	if (!eq || eq == kv) {
		snprintf(err, size, "property \"%s\" is not key=value", kv);
		return -EINVAL;
	}
	if (props->count == KFK_MAX_PROPS) {
		snprintf(err, size, "more than %d properties", KFK_MAX_PROPS);
		return -EINVAL;
	}
	props->key[props->count] = strndup(kv, (size_t)(eq - kv));
	props->value[props->count] = strdup(eq + 1);
	if (!props->key[props->count] || !props->value[props->count]) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	props->count++;
	return 0;
}

void kfk_props_free(struct kfk_props *props)
{
	for (unsigned i = 0; i < props->count; i++) {
		free(props->key[i]);
		free(props->value[i]);
	}
	props->count = 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strlen(s);
	while (len && strchr(" \t\r\n", s[len - 1]))
		s[--len] = '\0';
	return s;
}

int kfk_props_read_file(struct kfk_props *props, const char *path, char *err, size_t size)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	unsigned lineno = 0;

	if (!f) {
		snprintf(err, size, "cannot read %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == '#' || *s == '!')
			continue;
		/* Java properties take "k=v", "k:v" and "k v" */
		size_t k = strcspn(s, "=: \t");
		if (!s[k]) {
			snprintf(err, size, "%s:%u: \"%s\" has no value", path, lineno, s);
			fclose(f);
			return -EINVAL;
		}
		s[k] = '\0';
		char *v = trim(s + k + 1);
		if (*v == '=' || *v == ':')
			v = trim(v + 1);
		char kv[4200];
		snprintf(kv, sizeof(kv), "%s=%s", s, v);
		if (kfk_props_add(props, kv, err, size)) {
			fclose(f);
			return -EINVAL;
		}
	}
	fclose(f);
	return 0;
}

/* Levenshtein distance of two short names, for "did you mean" */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[128];

	if (lb >= 128)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void consider(const char *name, const char *cand, size_t len, char *best, size_t size,
		     unsigned *dist)
{
	char c[128];

	if (!len || len >= sizeof(c))
		return;
	memcpy(c, cand, len);
	c[len] = '\0';
	unsigned d = edit_distance(name, c);
	if (d < *dist) {
		*dist = d;
		snprintf(best, size, "%s", c);
	}
}

/*
 * The closest Java or librdkafka property name to name, into best; 0 when none is close
 * (at most a third of the name's letters differ). librdkafka's names come from its own
 * list (rd_kafka_conf_properties_show: a table whose rows start with the name).
 */
static int suggest_property(const char *name, char *best, size_t size)
{
	unsigned dist = (unsigned)strlen(name) / 3 + 1;
	unsigned limit = dist;
	char *text = NULL;
	size_t text_len = 0;
	FILE *f = open_memstream(&text, &text_len);

	best[0] = '\0';
	for (const struct kfk_java_prop *p = kfk_java_props(); p->name; p++)
		consider(name, p->name, strlen(p->name), best, size, &dist);
	if (f) {
		rd_kafka_conf_properties_show(f);
		fclose(f);
		for (char *line = text; line && *line;) {
			char *nl = strchr(line, '\n');
			size_t n = strcspn(line, " |\n");
			if (n && strchr(line, '|') && (!nl || strchr(line, '|') < nl) &&
			    strncmp(line, "Property", 8))
				consider(name, line, n, best, size, &dist);
			line = nl ? nl + 1 : NULL;
		}
		free(text);
	}
	return dist < limit;
}

/* Sets one librdkafka property; 1 set, 0 unknown to librdkafka, -EINVAL bad value */
static int rd_set(rd_kafka_conf_t *conf, const char *key, const char *value, char *err, size_t size)
{
	char errstr[512];
	rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr));

	if (r == RD_KAFKA_CONF_UNKNOWN)
		return 0;
	if (r != RD_KAFKA_CONF_OK) {
		snprintf(err, size, "property %s=%s: %s", key, value, errstr);
		return -EINVAL;
	}
	return 1;
}

/* One property: 1 set (became says how), 0 no effect, -EINVAL (err) */
static int apply_one(rd_kafka_conf_t *conf, const struct kfk_props *props, unsigned i,
		     unsigned role, char *became, size_t bsize, char *err, size_t size)
{
	const char *key = props->key[i], *value = props->value[i];
	const struct kfk_java_prop *jp = kfk_java_prop_find(key);
	char why[600];
	int r;

	became[0] = '\0';
	if (jp) {
		r = kfk_java_prop_apply(jp, conf, props, role, value, became, bsize, why,
					sizeof(why));
		if (r < 0)
			snprintf(err, size, "property %s=%s: %s", key, value, why);
		return r;
	}
	r = rd_set(conf, key, value, err, size);
	if (r > 0)
		snprintf(became, bsize, "%s=%s", key, value);
	if (r)
		return r;
	if (suggest_property(key, why, sizeof(why)))
		snprintf(
			err, size,
			"unknown property %s: neither a Java client nor a librdkafka property; did "
			"you mean %s?",
			key, why);
	else
		snprintf(err, size,
			 "unknown property %s: neither a Java client nor a librdkafka property "
			 "(see docs/kafka.md and librdkafka's CONFIGURATION.md)",
			 key);
	return -EINVAL;
}

/* name is an item of the ", "-separated list */
static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ' ') && (!p[n] || p[n] == ','))
			return true;
	return false;
}

int kfk_conf_apply_for(rd_kafka_conf_t *conf, const struct kfk_props *props, unsigned role,
		       const char *who, struct kfk_applied *applied, char *err, size_t size)
{
	char became[1024], noted[1024] = "";

	for (unsigned i = 0; i < props->count; i++) {
		int r = apply_one(conf, props, i, role, became, sizeof(became), err, size);
		if (r < 0)
			return -EINVAL;
		if (applied) {
			applied->became[i] = strdup(became);
			applied->count = i + 1;
		}
		size_t len = strlen(noted);
		if (!r && !listed(noted, props->key[i]) && len + 3 < sizeof(noted))
			snprintf(noted + len, sizeof(noted) - len, "%s%s", len ? ", " : "",
				 props->key[i]);
	}
	if (noted[0])
		fprintf(stderr,
			"pvcbench kafka%s%s: note: no effect with librdkafka (no counterpart, or "
			"the other client's): %s\n",
			who ? " " : "", who ? who : "", noted);
	if (applied)
		snprintf(applied->noted, sizeof(applied->noted), "%s", noted);
	return 0;
}

int kfk_conf_apply(rd_kafka_conf_t *conf, const struct kfk_props *props, char *err, size_t size)
{
	return kfk_conf_apply_for(conf, props, KFK_ROLE_ANY, NULL, NULL, err, size);
}

void kfk_applied_free(struct kfk_applied *applied)
{
	for (unsigned i = 0; i < applied->count; i++)
		free(applied->became[i]);
	applied->count = 0;
}

void kfk_applied_json(struct jsonw *j, const char *key, const struct kfk_props *props,
		      const struct kfk_applied *applied)
{
	jsonw_array_begin(j, key);
	for (unsigned i = 0; i < props->count; i++) {
		const char *became =
			i < applied->count && applied->became[i] ? applied->became[i] : "";
		jsonw_object_begin(j, NULL);
		jsonw_string(j, "name", props->key[i]);
		/* secrets stay out of the results */
		bool secret = strstr(props->key[i], "password") || strstr(props->key[i], "jaas") ||
			      strstr(props->key[i], "secret");
		jsonw_string(j, "value", secret ? "(hidden)" : props->value[i]);
		jsonw_string(j, "librdkafka", secret && became[0] ? "(hidden)" : became);
		jsonw_bool(j, "effect", became[0] != '\0');
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
}

/* The bootstrap list: --bootstrap-server, else the properties' (the last one given wins) */
const char *kfk_bootstrap(const struct kfk_config *cfg)
{
	if (cfg->bootstrap[0])
		return cfg->bootstrap;
	for (unsigned i = cfg->props.count; i-- > 0;)
		if (!strcmp(cfg->props.key[i], "bootstrap.servers") ||
		    !strcmp(cfg->props.key[i], "metadata.broker.list"))
			return cfg->props.value[i];
	return NULL;
}

int kfk_on_option(struct command *cmd, unsigned table, const struct option_def *def,
		  const char *value, char *err, size_t err_size)
{
	struct kfk_config *cfg = command_config(cmd);
	char why[512];

	if (def->type != OPT_LIST)
		return command_store_option(cmd, def, value, err, err_size);
	(void)table;
	if (kfk_props_add(&cfg->cli_props, value, why, sizeof(why))) {
		snprintf(err, err_size, "--%s: %s", def->name, why);
		return -EINVAL;
	}
	return 0;
}

int kfk_props_merge(struct kfk_config *cfg, char *err, size_t size)
{
	char kv[4200];

	if (cfg->config_file[0] && kfk_props_read_file(&cfg->props, cfg->config_file, err, size))
		return -EINVAL;
	/* the command line's properties come after the file's, so they win */
	for (unsigned k = 0; k < cfg->cli_props.count; k++) {
		snprintf(kv, sizeof(kv), "%s=%s", cfg->cli_props.key[k], cfg->cli_props.value[k]);
		if (kfk_props_add(&cfg->props, kv, err, size))
			return -EINVAL;
	}
	return 0;
}
