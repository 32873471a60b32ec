/*
 * javaprops.c - the Java client's producer and consumer properties (Kafka 3.x ProducerConfig,
 * ConsumerConfig, CommonClientConfigs, SslConfigs, SaslConfigs), each with what it becomes in
 * librdkafka: the same name, another name (buffer.memory -> queue.buffering.max.kbytes), a
 * value converted where the units or the words differ, or nothing (serializers, interceptors,
 * metric reporters: Java machinery with no librdkafka counterpart).
 *
 * kfk_conf_apply_for() reads every property through this table, so the command lines of
 * Kafka's documentation run unchanged: the mapped ones are set, those with no effect are named
 * in ONE note line on stderr, and a name that is neither a Java nor a librdkafka property is
 * bad input with a "did you mean". docs/kafka.md has the table, one row per Java property.
 */
#include "kafka.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define P KFK_ROLE_PRODUCER
#define C KFK_ROLE_CONSUMER
#define B KFK_ROLE_ANY

/* What a special row's apply sees: the conf, every property given, the value and the role */
struct kfk_jp_ctx {
	rd_kafka_conf_t *conf;
	const struct kfk_props *all;
	unsigned role;
	char *became; /* "k=v[, k=v]" of what was set */
	size_t became_size;
	char *err;
	size_t err_size;
};

/* Sets one librdkafka property and notes it in became; -EINVAL with err on a bad value */
static int jp_set(struct kfk_jp_ctx *x, const char *key, const char *value)
{
	char errstr[512];
	size_t len = strlen(x->became);
	rd_kafka_conf_res_t r = rd_kafka_conf_set(x->conf, key, value, errstr, sizeof(errstr));

	if (r == RD_KAFKA_CONF_UNKNOWN)
		return 0; /* this librdkafka is older than the property: no effect */
	if (r != RD_KAFKA_CONF_OK) {
		snprintf(x->err, x->err_size, "%s=%s: %s", key, value, errstr);
		return -EINVAL;
	}
	snprintf(x->became + len, x->became_size - len, "%s%s=%s", len ? ", " : "", key, value);
	return 1;
}

static int jp_number(struct kfk_jp_ctx *x, const char *name, const char *value, long long min,
		     long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(value, &end, 10);
	if (errno || end == value || *end || *out < min) {
		snprintf(x->err, x->err_size, "%s=%s: must be an integer >= %lld", name, value,
			 min);
		return -EINVAL;
	}
	return 0;
}

/* buffer.memory: bytes; librdkafka's queue.buffering.max.kbytes: KiB (rounded up) */
static int jp_buffer_memory(struct kfk_jp_ctx *x, const char *value)
{
	long long bytes;
	char kb[32];

	if (jp_number(x, "buffer.memory", value, 0, &bytes))
		return -EINVAL;
	snprintf(kb, sizeof(kb), "%lld", bytes ? (bytes + 1023) / 1024 : 1);
	return jp_set(x, "queue.buffering.max.kbytes", kb);
}

/* send.buffer.bytes / receive.buffer.bytes: Java's -1 (the OS default) is librdkafka's 0 */
static int jp_socket_buffer(struct kfk_jp_ctx *x, const char *target, const char *name,
			    const char *value)
{
	long long n;
	char v[32];

	if (jp_number(x, name, value, -1, &n))
		return -EINVAL;
	snprintf(v, sizeof(v), "%lld", n < 0 ? 0 : n);
	return jp_set(x, target, v);
}

static int jp_send_buffer(struct kfk_jp_ctx *x, const char *value)
{
	return jp_socket_buffer(x, "socket.send.buffer.bytes", "send.buffer.bytes", value);
}

static int jp_receive_buffer(struct kfk_jp_ctx *x, const char *value)
{
	return jp_socket_buffer(x, "socket.receive.buffer.bytes", "receive.buffer.bytes", value);
}

/* batch.size=0 turns batching off in Java; librdkafka's batch.size starts at 1 */
static int jp_batch_size(struct kfk_jp_ctx *x, const char *value)
{
	return strcmp(value, "0") ? jp_set(x, "batch.size", value)
				  : jp_set(x, "batch.num.messages", "1");
}

/* request.timeout.ms: the producer's ack timeout; for a consumer, librdkafka's socket.timeout.ms */
static int jp_request_timeout(struct kfk_jp_ctx *x, const char *value)
{
	return jp_set(x, x->role == C ? "socket.timeout.ms" : "request.timeout.ms", value);
}

/* auto.offset.reset=none: librdkafka's word for it is error */
static int jp_offset_reset(struct kfk_jp_ctx *x, const char *value)
{
	return jp_set(x, "auto.offset.reset", strcasecmp(value, "none") ? value : "error");
}

/* Java turns host name verification off with an empty value; librdkafka with none */
static int jp_endpoint_algorithm(struct kfk_jp_ctx *x, const char *value)
{
	return jp_set(x, "ssl.endpoint.identification.algorithm", *value ? value : "none");
}

/* compression.<codec>.level: librdkafka has one compression.level, for the codec in use */
static int jp_compression_level(struct kfk_jp_ctx *x, const char *codec, const char *value)
{
	const char *type = kfk_props_get(x->all, "compression.type");

	if (!type)
		type = kfk_props_get(x->all, "compression.codec");
	if (!type || strcasecmp(type, codec))
		return 0;
	return jp_set(x, "compression.level", value);
}

static int jp_gzip_level(struct kfk_jp_ctx *x, const char *value)
{
	return jp_compression_level(x, "gzip", value);
}

static int jp_lz4_level(struct kfk_jp_ctx *x, const char *value)
{
	return jp_compression_level(x, "lz4", value);
}

static int jp_zstd_level(struct kfk_jp_ctx *x, const char *value)
{
	return jp_compression_level(x, "zstd", value);
}

/* ssl.truststore.location: librdkafka reads CA certificates from PEM files only */
static int jp_truststore(struct kfk_jp_ctx *x, const char *value)
{
	const char *type = kfk_props_get(x->all, "ssl.truststore.type");

	if (!type || strcasecmp(type, "PEM"))
		return 0;
	return jp_set(x, "ssl.ca.location", value);
}

/* sasl.kerberos.kinit.cmd: Java's is the path of kinit, librdkafka's a whole command line */
static int jp_kinit(struct kfk_jp_ctx *x, const char *value)
{
	return strchr(value, ' ') ? jp_set(x, "sasl.kerberos.kinit.cmd", value) : 0;
}

/* The value of key="value" (or key=value) in a JAAS line, into out; 0 when absent */
static int jaas_value(const char *jaas, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = jaas; (p = strstr(p, key)); p += klen) {
		if (p > jaas && p[-1] != ' ' && p[-1] != '\t')
			continue;
		const char *v = p + klen;
		while (*v == ' ')
			v++;
		if (*v != '=')
			continue;
		v++;
		while (*v == ' ')
			v++;
		size_t n = *v == '"' ? strcspn(++v, "\"") : strcspn(v, " ;");
		if (n >= size)
			return 0;
		memcpy(out, v, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

/* sasl.jaas.config: the PLAIN and SCRAM login modules' username and password */
static int jp_jaas(struct kfk_jp_ctx *x, const char *value)
{
	char user[256], password[256];
	int r;

	if (!strstr(value, "PlainLoginModule") && !strstr(value, "ScramLoginModule"))
		return 0;
	if (!jaas_value(value, "username", user, sizeof(user)) ||
	    !jaas_value(value, "password", password, sizeof(password)))
		return 0;
	if ((r = jp_set(x, "sasl.username", user)) <= 0)
		return r;
	/* the password is set, but not echoed back into the results */
	char errstr[512];
	if (rd_kafka_conf_set(x->conf, "sasl.password", password, errstr, sizeof(errstr)) !=
	    RD_KAFKA_CONF_OK) {
		snprintf(x->err, x->err_size, "sasl.password: %s", errstr);
		return -EINVAL;
	}
	size_t len = strlen(x->became);
	snprintf(x->became + len, x->became_size - len, ", sasl.password=(hidden)");
	return 1;
}

/* max.block.ms: librdkafka never blocks; pvcbench's producer reads it (produce_txn.c) */
static int jp_max_block(struct kfk_jp_ctx *x, const char *value)
{
	long long ms;

	if (jp_number(x, "max.block.ms", value, 0, &ms))
		return -EINVAL;
	snprintf(x->became, x->became_size, "(pvcbench) max.block.ms=%lld", ms);
	return 1;
}

/* Java's assignor classes, as librdkafka names them */
static const char *const assignors[][2] = {
	{ "org.apache.kafka.clients.consumer.RangeAssignor", "range" },
	{ "org.apache.kafka.clients.consumer.RoundRobinAssignor", "roundrobin" },
	{ "org.apache.kafka.clients.consumer.CooperativeStickyAssignor", "cooperative-sticky" },
	{ "range", "range" },
	{ "roundrobin", "roundrobin" },
	{ "cooperative-sticky", "cooperative-sticky" },
};

/*
 * partition.assignment.strategy: a list of class names. librdkafka cannot mix the eager
 * (range, roundrobin) and cooperative protocols, so the list keeps those of its first
 * known assignor's kind (Java's default "RangeAssignor, CooperativeStickyAssignor": range).
 * StickyAssignor and custom classes have no librdkafka counterpart.
 */
static int jp_assignors(struct kfk_jp_ctx *x, const char *value)
{
	char list[512] = "", item[256];
	int kind = -1; /* 0 eager, 1 cooperative */

	for (const char *p = value; *p;) {
		p += strspn(p, " ,");
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m && p[m - 1] == ' ')
			m--;
		if (!m)
			break;
		snprintf(item, sizeof(item), "%.*s", (int)m, p);
		p += n;
		for (size_t i = 0; i < sizeof(assignors) / sizeof(assignors[0]); i++) {
			if (strcmp(item, assignors[i][0]))
				continue;
			int k = !strcmp(assignors[i][1], "cooperative-sticky");
			if (kind < 0)
				kind = k;
			if (k == kind && !strstr(list, assignors[i][1])) {
				size_t len = strlen(list);
				snprintf(list + len, sizeof(list) - len, "%s%s", len ? "," : "",
					 assignors[i][1]);
			}
		}
	}
	return list[0] ? jp_set(x, "partition.assignment.strategy", list) : 0;
}

/*
 * The rows. target: librdkafka's property of the same meaning (NULL: none); apply: a
 * conversion, when names or values differ; pvcbench: what the tool itself does with it.
 * The last column is what docs/kafka.md says it becomes.
 */
static const struct kfk_java_prop table[] = {
	/* common to both clients (CommonClientConfigs) */
	{ "bootstrap.servers", B, "bootstrap.servers", NULL, NULL },
	{ "client.dns.lookup", B, NULL, NULL, "none: librdkafka resolves and tries every address" },
	{ "client.id", B, "client.id", NULL, NULL },
	{ "connections.max.idle.ms", B, "connections.max.idle.ms", NULL, NULL },
	{ "receive.buffer.bytes", B, "socket.receive.buffer.bytes", jp_receive_buffer,
	  "socket.receive.buffer.bytes (-1, the OS default, becomes 0)" },
	{ "send.buffer.bytes", B, "socket.send.buffer.bytes", jp_send_buffer,
	  "socket.send.buffer.bytes (-1, the OS default, becomes 0)" },
	{ "reconnect.backoff.ms", B, "reconnect.backoff.ms", NULL, NULL },
	{ "reconnect.backoff.max.ms", B, "reconnect.backoff.max.ms", NULL, NULL },
	{ "request.timeout.ms", B, "request.timeout.ms", jp_request_timeout,
	  "request.timeout.ms for the producer; socket.timeout.ms for the consumer" },
	{ "retry.backoff.ms", B, "retry.backoff.ms", NULL, NULL },
	{ "retry.backoff.max.ms", B, "retry.backoff.max.ms", NULL,
	  "retry.backoff.max.ms (librdkafka 2.3 and later; no effect before)" },
	{ "metadata.max.age.ms", B, "metadata.max.age.ms", NULL, NULL },
	{ "metadata.recovery.strategy", B, NULL, NULL, NULL },
	{ "socket.connection.setup.timeout.ms", B, "socket.connection.setup.timeout.ms", NULL,
	  NULL },
	{ "socket.connection.setup.timeout.max.ms", B, NULL, NULL, NULL },
	{ "security.protocol", B, "security.protocol", NULL, NULL },
	{ "security.providers", B, NULL, NULL, NULL },
	{ "interceptor.classes", B, NULL, NULL, NULL },
	{ "metric.reporters", B, NULL, NULL, NULL },
	{ "metrics.num.samples", B, NULL, NULL, NULL },
	{ "metrics.recording.level", B, NULL, NULL, NULL },
	{ "metrics.sample.window.ms", B, NULL, NULL, NULL },
	{ "auto.include.jmx.reporter", B, NULL, NULL, NULL },
	{ "enable.metrics.push", B, NULL, NULL, NULL },
	/* SSL (SslConfigs) */
	{ "ssl.cipher.suites", B, "ssl.cipher.suites", NULL,
	  "ssl.cipher.suites (an OpenSSL cipher list)" },
	{ "ssl.enabled.protocols", B, NULL, NULL, NULL },
	{ "ssl.endpoint.identification.algorithm", B, "ssl.endpoint.identification.algorithm",
	  jp_endpoint_algorithm, "ssl.endpoint.identification.algorithm (empty becomes none)" },
	{ "ssl.engine.factory.class", B, NULL, NULL, NULL },
	{ "ssl.key.password", B, "ssl.key.password", NULL, NULL },
	{ "ssl.keymanager.algorithm", B, NULL, NULL, NULL },
	{ "ssl.keystore.certificate.chain", B, "ssl.certificate.pem", NULL, NULL },
	{ "ssl.keystore.key", B, "ssl.key.pem", NULL, NULL },
	{ "ssl.keystore.location", B, "ssl.keystore.location", NULL,
	  "ssl.keystore.location (a PKCS#12 file)" },
	{ "ssl.keystore.password", B, "ssl.keystore.password", NULL, NULL },
	{ "ssl.keystore.type", B, NULL, NULL, "none: librdkafka's keystore is PKCS#12" },
	{ "ssl.protocol", B, NULL, NULL, NULL },
	{ "ssl.provider", B, NULL, NULL, NULL },
	{ "ssl.secure.random.implementation", B, NULL, NULL, NULL },
	{ "ssl.trustmanager.algorithm", B, NULL, NULL, NULL },
	{ "ssl.truststore.certificates", B, "ssl.ca.pem", NULL, NULL },
	{ "ssl.truststore.location", B, "ssl.ca.location", jp_truststore,
	  "ssl.ca.location with ssl.truststore.type=PEM; none for JKS or PKCS12" },
	{ "ssl.truststore.password", B, NULL, NULL, NULL },
	{ "ssl.truststore.type", B, NULL, NULL, "none (PEM lets ssl.truststore.location apply)" },
	/* SASL (SaslConfigs) */
	{ "sasl.client.callback.handler.class", B, NULL, NULL, NULL },
	{ "sasl.jaas.config", B, "sasl.username", jp_jaas,
	  "sasl.username and sasl.password from a PlainLoginModule or ScramLoginModule line; "
	  "none for other login modules" },
	{ "sasl.kerberos.kinit.cmd", B, "sasl.kerberos.kinit.cmd", jp_kinit,
	  "none for a path alone (Java's); a whole command line is librdkafka's" },
	{ "sasl.kerberos.min.time.before.relogin", B, "sasl.kerberos.min.time.before.relogin", NULL,
	  NULL },
	{ "sasl.kerberos.service.name", B, "sasl.kerberos.service.name", NULL, NULL },
	{ "sasl.kerberos.ticket.renew.jitter", B, NULL, NULL, NULL },
	{ "sasl.kerberos.ticket.renew.window.factor", B, NULL, NULL, NULL },
	{ "sasl.login.callback.handler.class", B, NULL, NULL, NULL },
	{ "sasl.login.class", B, NULL, NULL, NULL },
	{ "sasl.login.connect.timeout.ms", B, NULL, NULL, NULL },
	{ "sasl.login.read.timeout.ms", B, NULL, NULL, NULL },
	{ "sasl.login.refresh.buffer.seconds", B, NULL, NULL, NULL },
	{ "sasl.login.refresh.min.period.seconds", B, NULL, NULL, NULL },
	{ "sasl.login.refresh.window.factor", B, NULL, NULL, NULL },
	{ "sasl.login.refresh.window.jitter", B, NULL, NULL, NULL },
	{ "sasl.login.retry.backoff.max.ms", B, NULL, NULL, NULL },
	{ "sasl.login.retry.backoff.ms", B, NULL, NULL, NULL },
	{ "sasl.mechanism", B, "sasl.mechanism", NULL, NULL },
	{ "sasl.oauthbearer.clock.skew.seconds", B, NULL, NULL, NULL },
	{ "sasl.oauthbearer.expected.audience", B, NULL, NULL, NULL },
	{ "sasl.oauthbearer.expected.issuer", B, NULL, NULL, NULL },
	{ "sasl.oauthbearer.header.urlencode", B, NULL, NULL, NULL },
	{ "sasl.oauthbearer.jwks.endpoint.refresh.ms", B, NULL, NULL, NULL },
	{ "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms", B, NULL, NULL, NULL },
	{ "sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", B, NULL, NULL, NULL },
	{ "sasl.oauthbearer.jwks.endpoint.url", B, NULL, NULL, NULL },
	{ "sasl.oauthbearer.scope.claim.name", B, NULL, NULL, NULL },
	{ "sasl.oauthbearer.sub.claim.name", B, NULL, NULL, NULL },
	{ "sasl.oauthbearer.token.endpoint.url", B, "sasl.oauthbearer.token.endpoint.url", NULL,
	  "sasl.oauthbearer.token.endpoint.url (with sasl.oauthbearer.method=oidc)" },
	/* the producer (ProducerConfig) */
	{ "acks", P, "acks", NULL, NULL },
	{ "batch.size", P, "batch.size", jp_batch_size,
	  "batch.size (0, no batching, becomes batch.num.messages=1)" },
	{ "buffer.memory", P, "queue.buffering.max.kbytes", jp_buffer_memory,
	  "queue.buffering.max.kbytes: bytes / 1024, rounded up" },
	{ "compression.type", P, "compression.type", NULL, NULL },
	{ "compression.gzip.level", P, "compression.level", jp_gzip_level,
	  "compression.level when compression.type is gzip; none otherwise" },
	{ "compression.lz4.level", P, "compression.level", jp_lz4_level,
	  "compression.level when compression.type is lz4; none otherwise" },
	{ "compression.zstd.level", P, "compression.level", jp_zstd_level,
	  "compression.level when compression.type is zstd; none otherwise" },
	{ "delivery.timeout.ms", P, "delivery.timeout.ms", NULL,
	  "delivery.timeout.ms (librdkafka's name for message.timeout.ms)" },
	{ "enable.idempotence", P, "enable.idempotence", NULL, NULL },
	{ "key.serializer", P, NULL, NULL, NULL },
	{ "linger.ms", P, "linger.ms", NULL, NULL },
	{ "max.block.ms", P, NULL, jp_max_block,
	  "pvcbench: how long a send waits for room in librdkafka's queue, and the timeout of "
	  "the transaction calls" },
	{ "max.in.flight.requests.per.connection", P, "max.in.flight.requests.per.connection", NULL,
	  NULL },
	{ "max.request.size", P, "message.max.bytes", NULL, NULL },
	{ "metadata.max.idle.ms", P, NULL, NULL, NULL },
	{ "partitioner.adaptive.partitioning.enable", P, NULL, NULL, NULL },
	{ "partitioner.availability.timeout.ms", P, NULL, NULL, NULL },
	{ "partitioner.class", P, NULL, NULL, NULL },
	{ "partitioner.ignore.keys", P, NULL, NULL, "none: the perf test's records have no key" },
	{ "retries", P, "retries", NULL, NULL },
	{ "transaction.timeout.ms", P, "transaction.timeout.ms", NULL, NULL },
	{ "transactional.id", P, "transactional.id", NULL,
	  "transactional.id; the run produces in transactions, as the Java tool does" },
	{ "value.serializer", P, NULL, NULL, NULL },
	/* the consumer (ConsumerConfig) */
	{ "allow.auto.create.topics", C, "allow.auto.create.topics", NULL, NULL },
	{ "auto.commit.interval.ms", C, "auto.commit.interval.ms", NULL, NULL },
	{ "auto.offset.reset", C, "auto.offset.reset", jp_offset_reset,
	  "auto.offset.reset (none becomes error)" },
	{ "check.crcs", C, "check.crcs", NULL, NULL },
	{ "client.rack", C, "client.rack", NULL, NULL },
	{ "default.api.timeout.ms", C, NULL, NULL, NULL },
	{ "enable.auto.commit", C, "enable.auto.commit", NULL, NULL },
	{ "exclude.internal.topics", C, NULL, NULL, NULL },
	{ "fetch.max.bytes", C, "fetch.max.bytes", NULL, NULL },
	{ "fetch.max.wait.ms", C, "fetch.wait.max.ms", NULL, NULL },
	{ "fetch.min.bytes", C, "fetch.min.bytes", NULL, NULL },
	{ "group.id", C, "group.id", NULL, "group.id (--group, given or not, wins, as in Java)" },
	{ "group.instance.id", C, "group.instance.id", NULL, NULL },
	{ "group.protocol", C, NULL, NULL, "none: librdkafka 2.0 speaks the classic protocol" },
	{ "group.remote.assignor", C, NULL, NULL, NULL },
	{ "heartbeat.interval.ms", C, "heartbeat.interval.ms", NULL, NULL },
	{ "isolation.level", C, "isolation.level", NULL, NULL },
	{ "key.deserializer", C, NULL, NULL, NULL },
	{ "max.partition.fetch.bytes", C, "max.partition.fetch.bytes", NULL, NULL },
	{ "max.poll.interval.ms", C, "max.poll.interval.ms", NULL, NULL },
	{ "max.poll.records", C, NULL, NULL, "none: librdkafka hands out one record per poll" },
	{ "partition.assignment.strategy", C, "partition.assignment.strategy", jp_assignors,
	  "partition.assignment.strategy: RangeAssignor range, RoundRobinAssignor roundrobin, "
	  "CooperativeStickyAssignor cooperative-sticky (one protocol: the first's)" },
	{ "session.timeout.ms", C, "session.timeout.ms", NULL, NULL },
	{ "value.deserializer", C, NULL, NULL, NULL },
	{ NULL, 0, NULL, NULL, NULL },
};

const struct kfk_java_prop *kfk_java_props(void)
{
	return table;
}

const struct kfk_java_prop *kfk_java_prop_find(const char *name)
{
	for (const struct kfk_java_prop *p = table; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

const char *kfk_props_get(const struct kfk_props *props, const char *key)
{
	for (unsigned i = props->count; i-- > 0;)
		if (!strcmp(props->key[i], key))
			return props->value[i];
	return NULL;
}

int kfk_java_prop_apply(const struct kfk_java_prop *jp, rd_kafka_conf_t *conf,
			const struct kfk_props *all, unsigned role, const char *value, char *became,
			size_t became_size, char *err, size_t err_size)
{
	struct kfk_jp_ctx x = { conf, all, role, became, became_size, err, err_size };

	became[0] = '\0';
	if (!(jp->roles & role))
		return 0; /* the other client's property: Java ignores it too */
	if (jp->apply)
		return jp->apply(&x, value);
	return jp->target ? jp_set(&x, jp->target, value) : 0;
}
