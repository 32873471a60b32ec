/*
 * e2e_loop.c - the loop of `kafka e2e`, as the Java tool's: for each message, fill the one
 * buffer with the tool's bytes (java.util.Random seeded with 0, its nextInt(26) + 'A' repeated
 * over the whole message), send it, wait for its acknowledgement (send().get()), poll the
 * consumer until it comes back (60 s at most), check it is the same message and the only
 * one, and record the time from before the send to the receipt. Every wait is a slice of at
 * most 100 ms and ends at the runner's next event, so a stop request is seen at once.
 */
#include "e2e.h"

#include <errno.h>
#include <string.h>

#include "pvcbench/clock.h"

#define SLICE_MS 100 /* a wait looks at the stop flag this often */
#define PROGRESS_EVERY 1000

/* ---- java.util.Random, for the Java tool's messages (its arithmetic, from its spec) ---- */

#define JAVA_RANDOM_MULT 0x5DEECE66DLL
#define JAVA_RANDOM_MASK ((1LL << 48) - 1)

int64_t e2e_random_seed(int64_t seed)
{
	return (seed ^ JAVA_RANDOM_MULT) & JAVA_RANDOM_MASK;
}

static int32_t java_random_next(int64_t *seed, int bits)
{
	*seed = (int64_t)(((uint64_t)*seed * (uint64_t)JAVA_RANDOM_MULT + 0xBULL) &
			  (uint64_t)JAVA_RANDOM_MASK);
	return (int32_t)(*seed >> (48 - bits));
}

/* nextInt(bound) for a bound that is not a power of two: rejects the top's uneven part */
static int32_t java_random_int(int64_t *seed, int32_t bound)
{
	int32_t u = java_random_next(seed, 31), r = u % bound;

	while ((int64_t)u - r + (bound - 1) > INT32_MAX) {
		u = java_random_next(seed, 31);
		r = u % bound;
	}
	return r;
}

void e2e_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct e2e *e = kfk_client_arg(opaque);

	(void)rk;
	e->delivery_err = m->err;
	e->delivered = true;
}

/* ---- the loop ---- */

/* How long one wait may last: a slice, and no further than the runner's next event or the
 * deadline */
static int wait_ms(struct worker *w, uint64_t now, uint64_t deadline)
{
	uint64_t until = worker_next_event_ns(w);

	if (deadline < until)
		until = deadline;
	if (until <= now)
		return 0;
	uint64_t ms = (until - now + 999999ULL) / 1000000ULL;
	return ms < SLICE_MS ? (int)ms : SLICE_MS;
}

/* What the consumer had ready besides the message: the Java tool expects none */
static unsigned extra_messages(rd_kafka_t *rk)
{
	unsigned extra = 0;
	rd_kafka_message_t *m;

	while ((m = rd_kafka_consumer_poll(rk, 0))) {
		extra += !m->err;
		rd_kafka_message_destroy(m);
	}
	return extra;
}

/* At most n bytes of a message, printable, for an error line */
static void excerpt(char *out, size_t size, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n = 0, max = size > 8 ? size - 8 : 0;

	for (size_t i = 0; i < len && n < max; i++)
		out[n++] = p[i] >= 32 && p[i] < 127 ? (char)p[i] : '?';
	if (len > max && size > 8)
		n += (size_t)snprintf(out + n, size - n, "...");
	out[n] = '\0';
}

static bool same(const void *got, size_t got_len, const void *sent, size_t sent_len)
{
	return got_len == sent_len && (!sent_len || !memcmp(got, sent, sent_len));
}

/* A header value as Java's Arrays.toString writes it ("[65, 65]", "null"), cut short */
static void java_bytes(char *out, size_t size, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;

	if (!data) {
		snprintf(out, size, "null");
		return;
	}
	n = (size_t)snprintf(out, size, "[");
	for (size_t i = 0; i < len && n + 16 < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%u", i ? ", " : "", p[i]);
	snprintf(out + n, size - n, "%s]", n + 16 >= size ? ", ..." : "");
}

/* The named form's headers, pairwise in order, as the 4.2 tool compares them */
static int check_headers(struct e2e *e, const rd_kafka_message_t *m)
{
	size_t nh = (size_t)e->num_headers, hks = (size_t)e->header_key_size;
	size_t hvs = e->header_value_size > 0 ? (size_t)e->header_value_size : 0;
	bool null_values = e->header_value_size < 0;
	rd_kafka_headers_t *hdrs = NULL;

	if (!nh)
		return 0;
	if (rd_kafka_message_headers(m, &hdrs) || !rd_kafka_header_cnt(hdrs))
		return worker_fail(e->w, -EIO, "Expected message headers but received none");
	size_t cnt = rd_kafka_header_cnt(hdrs);
	for (size_t h = 0; h < cnt && h < nh; h++) {
		const char *name;
		const void *value;
		size_t vsize;
		rd_kafka_header_get_all(hdrs, h, &name, &value, &vsize);
		const char *sent_key = e->header_keys + h * hks;
		const char *sent_value = null_values ? NULL : e->header_values + h * hvs;
		bool ok = same(name, strlen(name), sent_key, hks) &&
			  (null_values ? !value : value && same(value, vsize, sent_value, hvs));
		if (!ok) {
			char rk[40], sk[40], rv[64], sv[64];
			excerpt(rk, sizeof(rk), name, strlen(name));
			excerpt(sk, sizeof(sk), sent_key, hks);
			java_bytes(rv, sizeof(rv), value, vsize);
			java_bytes(sv, sizeof(sv), sent_value, hvs);
			return worker_fail(e->w, -EIO,
					   "The message header read [%s:%s] did not match the "
					   "message header sent [%s:%s]",
					   rk, rv, sk, sv);
		}
	}
	if (cnt != nh)
		return worker_fail(e->w, -EIO,
				   "Header count mismatch between sent and received messages");
	return 0;
}

/* The Java tool's checks of the message read: its value, then (named form) key and headers */
static int check_message(struct e2e *e, const rd_kafka_message_t *m)
{
	size_t size = (size_t)e->message_size, ks = (size_t)e->key_size;
	const char *what = e->named ? "message value" : "message";
	char read[56], sent[56];

	if (!same(m->payload, m->len, e->message, size)) {
		excerpt(read, sizeof(read), m->payload, m->len);
		excerpt(sent, sizeof(sent), e->message, size);
		return worker_fail(e->w, -EIO, "The %s read [%s] did not match the %s sent [%s]",
				   what, read, what, sent);
	}
	if (!e->named)
		return 0;
	if (!m->key)
		return worker_fail(e->w, -EIO, "Expected message key but received null");
	if (!same(m->key, m->key_len, e->key, ks)) {
		excerpt(read, sizeof(read), m->key, m->key_len);
		excerpt(sent, sizeof(sent), e->key, ks);
		return worker_fail(e->w, -EIO,
				   "The message key read [%s] did not match the message key sent "
				   "[%s]",
				   read, sent);
	}
	return check_headers(e, m);
}

static char java_letter(int64_t *seed)
{
	return (char)('A' + java_random_int(seed, 26));
}

/* The Java tool's draws for one message: (named form: the key,) the value, (each header's
 * key and value) */
static void fill_message(struct e2e *e)
{
	size_t hks = (size_t)e->header_key_size;
	size_t hvs = e->header_value_size > 0 ? (size_t)e->header_value_size : 0;

	if (e->named)
		memset(e->key, java_letter(&e->random_seed), (size_t)e->key_size);
	memset(e->message, java_letter(&e->random_seed), (size_t)e->message_size);
	for (int64_t h = 0; e->named && h < e->num_headers; h++) {
		memset(e->header_keys + (size_t)h * hks, java_letter(&e->random_seed), hks);
		if (e->header_value_size >= 0)
			memset(e->header_values + (size_t)h * hvs, java_letter(&e->random_seed),
			       hvs);
	}
}

/*
 * Hands the message to librdkafka without copying it: the buffers stay as they are until it
 * is acknowledged. Headers are librdkafka's objects, which it takes over: the one allocation
 * per message, and only when headers are asked for.
 */
static rd_kafka_resp_err_t send_message(struct e2e *e)
{
	size_t size = (size_t)e->message_size;

	if (!e->named)
		return rd_kafka_produce(e->rkt, RD_KAFKA_PARTITION_UA, 0, e->message, size, NULL, 0,
					NULL)
			       ? rd_kafka_last_error()
			       : RD_KAFKA_RESP_ERR_NO_ERROR;
	if (!e->num_headers)
		return rd_kafka_producev(e->producer.rk, RD_KAFKA_V_RKT(e->rkt),
					 RD_KAFKA_V_KEY(e->key, (size_t)e->key_size),
					 RD_KAFKA_V_VALUE(e->message, size), RD_KAFKA_V_END);
	size_t hks = (size_t)e->header_key_size;
	size_t hvs = e->header_value_size > 0 ? (size_t)e->header_value_size : 0;
	rd_kafka_headers_t *hdrs = rd_kafka_headers_new((size_t)e->num_headers);
	for (int64_t h = 0; h < e->num_headers; h++)
		rd_kafka_header_add(hdrs, e->header_keys + (size_t)h * hks, (ssize_t)hks,
				    e->header_value_size < 0 ? NULL
							     : e->header_values + (size_t)h * hvs,
				    (ssize_t)hvs);
	rd_kafka_resp_err_t err = rd_kafka_producev(
		e->producer.rk, RD_KAFKA_V_RKT(e->rkt), RD_KAFKA_V_KEY(e->key, (size_t)e->key_size),
		RD_KAFKA_V_VALUE(e->message, size), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
	if (err)
		rd_kafka_headers_destroy(hdrs);
	return err;
}

/*
 * One message's round trip. Returns its latency in ns, 0 when a stop was requested (nothing
 * recorded), or a negative errno after worker_fail.
 */
static int64_t round_trip(struct e2e *e)
{
	struct worker *w = e->w;
	rd_kafka_resp_err_t err;

	fill_message(e);
	e->delivered = false;
	uint64_t begin = clock_now_ns();
	worker_set_inflight_since(w, begin); /* the round trip: e2e_run clears it */
	if ((err = send_message(e))) {
		worker_record_failure(w, 0, rd_kafka_err2name(err));
		return worker_fail(w, -EIO, "send failed: %s", rd_kafka_err2str(err));
	}
	/* synchronous, as the Java tool's send().get() */
	while (!e->delivered) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			return 0;
		rd_kafka_poll(e->producer.rk, wait_ms(w, now, UINT64_MAX));
	}
	if (e->delivery_err) {
		worker_record_failure(w, 0, rd_kafka_err2name(e->delivery_err));
		return worker_fail(w, -EIO, "delivery failed: %s",
				   rd_kafka_err2str(e->delivery_err));
	}
	uint64_t deadline = clock_now_ns() + E2E_POLL_TIMEOUT_MS * 1000000ULL;
	rd_kafka_resp_err_t last_err = RD_KAFKA_RESP_ERR_NO_ERROR;
	for (;;) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			return 0;
		if (now >= deadline)
			return worker_fail(w, -ETIMEDOUT,
					   "poll() timed out before finding a result "
					   "(timeout:[%d%s])%s%s",
					   E2E_POLL_TIMEOUT_MS, e->named ? "ms" : "",
					   last_err ? "; the consumer's last error: " : "",
					   last_err ? rd_kafka_err2str(last_err) : "");
		rd_kafka_message_t *m =
			rd_kafka_consumer_poll(e->consumer.rk, wait_ms(w, now, deadline));
		if (!m)
			continue;
		uint64_t end = clock_now_ns();
		if (m->err) {
			/* the Java consumer retries what fails (a broker down, a leader moved)
			 * within its poll; so does this loop, until the deadline */
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				last_err = m->err;
			rd_kafka_message_destroy(m);
			continue;
		}
		int ret = check_message(e, m);
		rd_kafka_message_destroy(m);
		if (ret)
			return ret;
		unsigned extra = extra_messages(e->consumer.rk);
		if (extra)
			return worker_fail(w, -EIO,
					   "Only one result was expected during this test. We "
					   "found [%u]",
					   extra + 1);
		return (int64_t)(end - begin);
	}
}

int e2e_init(struct worker *w)
{
	struct e2e *e = worker_arg(w);

	e->w = w;
	worker_set_state(w, e);
	return 0;
}

int e2e_run(struct worker *w)
{
	struct e2e *e = worker_state(w);
	struct e2e_figures *fig = &e->fig;
	char ms[64];

	for (int64_t i = 0; i < e->num_messages; i++) {
		int64_t elapsed = round_trip(e);
		worker_set_inflight_since(w, 0);
		if (elapsed <= 0)
			return elapsed < 0 ? (int)elapsed : 0;
		worker_record(w, 0, (uint64_t)elapsed, (uint64_t)e->message_size);
		if (i % PROGRESS_EVERY == 0) {
			e2e_java_double(ms, sizeof(ms), (double)elapsed / 1000.0 / 1000.0);
			fprintf(e->progress, "%lld\t%s\n", (long long)i, ms);
			fflush(e->progress);
		}
		fig->done++;
		fig->total_ns += (double)elapsed;
		uint64_t whole_ms = (uint64_t)elapsed / 1000000ULL;
		if (whole_ms >= E2E_MS_SLOTS) {
			whole_ms = E2E_MS_SLOTS - 1;
			fig->clamped++;
		}
		fig->ms[whole_ms]++;
	}
	return 0;
}
