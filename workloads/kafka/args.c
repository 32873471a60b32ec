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
		{ .name = "transactional-id",                                                         \
		  .type = OPT_REFUSED,                                                                \
		  .help = "pvcbench does not produce in transactions" },                              \
		{ .name = "transaction-duration-ms",                                                  \
		  .type = OPT_REFUSED,                                                                \
		  .help = "pvcbench does not produce in transactions" },                              \
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

/* Java-only settings that have no meaning for librdkafka */
static bool java_only(const char *key)
{
	return !strcmp(key, "key.serializer") || !strcmp(key, "value.serializer") ||
	       !strcmp(key, "key.deserializer") || !strcmp(key, "value.deserializer");
}

int kfk_conf_apply(rd_kafka_conf_t *conf, const struct kfk_props *props, char *err, size_t size)
{
	char errstr[512];

	for (unsigned i = 0; i < props->count; i++) {
		if (java_only(props->key[i])) {
			fprintf(stderr,
				"pvcbench kafka: note: %s is a Java client setting; ignored\n",
				props->key[i]);
			continue;
		}
		rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, props->key[i], props->value[i],
							  errstr, sizeof(errstr));
		if (r == RD_KAFKA_CONF_UNKNOWN) {
			snprintf(err, size,
				 "unknown property %s (librdkafka's properties: see its "
				 "CONFIGURATION.md)",
				 props->key[i]);
			return -EINVAL;
		}
		if (r != RD_KAFKA_CONF_OK) {
			snprintf(err, size, "property %s=%s: %s", props->key[i], props->value[i],
				 errstr);
			return -EINVAL;
		}
	}
	return 0;
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
