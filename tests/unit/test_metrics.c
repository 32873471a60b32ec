/*
 * test_metrics.c - the live metrics registry and its exposition (metrics.h): le edges that are
 * exact hist.h bucket ends, cumulative bucket counts for values at, just below and just above an
 * edge, _sum and _count exact, label escaping, the constant labels, two runs of one job summed
 * (and a run publishing again replacing its own totals), everything harmless with metrics off,
 * metrics_take's forms and refusals, and the endpoint itself on 127.0.0.1:0 (200, 404, 405).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/metrics/metrics_int.h"
#include "pvcbench/clock.h"
#include "pvcbench/hist.h"

/* The value of the sample whose line starts with prefix ("name{labels}"), or NULL. */
static char *sample_value(const char *text, const char *prefix, char *out, size_t size)
{
	size_t n = strlen(prefix);

	for (const char *line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, prefix, n) && line[n] == ' ') {
			snprintf(out, size, "%.*s", (int)strcspn(line + n + 1, "\n"), line + n + 1);
			return out;
		}
	}
	return NULL;
}

static void expect_sample(const char *text, const char *prefix, const char *want)
{
	char v[64];

	if (!sample_value(text, prefix, v, sizeof(v)))
		fail_msg("no sample %s in:\n%s", prefix, text);
	if (strcmp(v, want))
		fail_msg("%s = %s, want %s", prefix, v, want);
}

static char *render(void)
{
	size_t len;
	char *text = metrics_render(&len);

	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void test_le_edges_are_bucket_ends(void **state)
{
	const uint64_t *edges;
	unsigned n = metrics_le_edges(&edges);

	assert_true(n > 40);
	assert_int_equal(edges[0], 1023);
	assert_int_equal(edges[1], 1535);
	assert_int_equal(edges[n - 1], (1ull << 36) - 1);
	for (unsigned i = 0; i < n; i++) {
		unsigned b = hist_bucket_of(edges[i]);
		if (hist_bucket_high(b) != edges[i])
			fail_msg("edge %llu is inside bucket %u [%llu, %llu]",
				 (unsigned long long)edges[i], b,
				 (unsigned long long)hist_bucket_low(b),
				 (unsigned long long)hist_bucket_high(b));
		if (i)
			assert_true(edges[i] > edges[i - 1]);
	}
}

static void test_exposition_counts(void **state)
{
	static const uint64_t values[] = { 1022, 1023, 1024,	      1535,	   1536,
					   2047, 2048, 5000000000ull, (1ull << 40) };
	struct op_stats *s = calloc(1, sizeof(*s));
	char sum[64];

	assert_non_null(s);
	metrics_registry_open("fio");
	hist_init(&s->lat);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		hist_record(&s->lat, values[i]);
	s->ops = 9;
	s->bytes = 9 * 4096;
	s->errors = 2;
	metrics_publish_op(0, "j1", "read", s);
	char *text = render();
#define L "{workload=\"fio\",job=\"j1\",op=\"read\""
	expect_sample(text, "pvcbench_operations_total" L "}", "9");
	expect_sample(text, "pvcbench_bytes_total" L "}", "36864");
	expect_sample(text, "pvcbench_errors_total" L "}", "2");
	/* a value v is in le=X iff v <= X: 1022, 1023 | 1024, 1535 | 1536, 2047 | 2048 ... */
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"0.000001023\"}", "2");
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"0.000001535\"}", "4");
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"0.000002047\"}", "6");
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"0.000003071\"}", "7");
	/* 5 s is under the 6.442450943 s edge, 2^40 ns (18 min) beyond the last (68.7 s) */
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"4.294967295\"}", "7");
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"6.442450943\"}", "8");
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"68.719476735\"}", "8");
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"+Inf\"}", "9");
	expect_sample(text, "pvcbench_latency_seconds_count" L "}", "9");
	uint64_t total = 0;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		total += values[i];
	snprintf(sum, sizeof(sum), "%llu.%09llu", (unsigned long long)(total / 1000000000ull),
		 (unsigned long long)(total % 1000000000ull));
	expect_sample(text, "pvcbench_latency_seconds_sum" L "}", sum);
	expect_sample(text, "pvcbench_job_info{workload=\"fio\",job=\"j1\",engine=\"\"}", "1");
	expect_sample(text, "pvcbench_phase{workload=\"fio\",phase=\"setup\"}", "1");
	expect_sample(text, "pvcbench_phase{workload=\"fio\",phase=\"run\"}", "0");
	/* one HELP and one TYPE per family */
	assert_non_null(strstr(text, "# TYPE pvcbench_latency_seconds histogram\n"));
	assert_null(strstr(strstr(text, "# TYPE pvcbench_operations_total") + 1,
			   "# TYPE pvcbench_operations_total"));
	free(text);
	metrics_set_engine("j1", "psync");
	metrics_set_phase(METRICS_RUN);
	text = render();
	expect_sample(text, "pvcbench_job_info{workload=\"fio\",job=\"j1\",engine=\"psync\"}", "1");
	expect_sample(text, "pvcbench_phase{workload=\"fio\",phase=\"run\"}", "1");
	expect_sample(text, "pvcbench_phase{workload=\"fio\",phase=\"setup\"}", "0");
	free(text);
#undef L
	metrics_registry_close();
	free(s);
}

static void test_two_runs_sum(void **state)
{
	struct op_stats *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

	assert_non_null(a);
	assert_non_null(b);
	metrics_registry_open("pgbench");
	hist_init(&a->lat);
	hist_init(&b->lat);
	hist_record(&a->lat, 1000);
	a->ops = 1;
	metrics_publish_op(0, "j", "txn", a);
	/* run 0 publishes its cumulative totals again: replaced, not added */
	hist_record(&a->lat, 3000);
	a->ops = 2;
	metrics_publish_op(0, "j", "txn", a);
	hist_record(&b->lat, 1000000);
	b->ops = 1;
	metrics_publish_op(1, "j", "txn", b);
	char *text = render();
#define L "{workload=\"pgbench\",job=\"j\",op=\"txn\""
	expect_sample(text, "pvcbench_operations_total" L "}", "3");
	expect_sample(text, "pvcbench_latency_seconds_count" L "}", "3");
	expect_sample(text, "pvcbench_latency_seconds_sum" L "}", "0.001004");
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"0.000001023\"}", "1");
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"0.000003071\"}", "2");
	expect_sample(text, "pvcbench_latency_seconds_bucket" L ",le=\"0.001048575\"}", "3");
#undef L
	free(text);
	metrics_registry_close();
	free(a);
	free(b);
}

static void test_escaping_and_constant_labels(void **state)
{
	struct op_stats *s = calloc(1, sizeof(*s));
	struct metrics_live l = { 0 };

	assert_non_null(s);
	setenv("PVCBENCH_POD", "pod-1", 1);
	setenv("NODE_NAME", "node\"a", 1);
	unsetenv("PVCBENCH_NODE");
	unsetenv("PVCBENCH_NAMESPACE");
	unsetenv("POD_NAMESPACE");
	setenv("PVCBENCH_STORAGE_CLASS", "", 1);
	setenv("STORAGE_CLASS", "fast", 1);
	metrics_registry_open("fio");
	hist_init(&s->lat);
	s->ops = 5;
	metrics_publish_op(0, "a\"b\\c\nd", "read", s);
	metrics_publish_live(0, "a\"b\\c\nd", &l);
	char *text = render();
	expect_sample(text,
		      "pvcbench_operations_total{workload=\"fio\",job=\"a\\\"b\\\\c\\nd\","
		      "op=\"read\",pod=\"pod-1\",node=\"node\\\"a\",storage_class=\"fast\"}",
		      "5");
	expect_sample(text,
		      "pvcbench_build_info{version=\"" PVC_VERSION "\",pod=\"pod-1\","
		      "node=\"node\\\"a\",storage_class=\"fast\"}",
		      "1");
	expect_sample(text,
		      "pvcbench_stalled{workload=\"fio\",job=\"a\\\"b\\\\c\\nd\",pod=\"pod-1\","
		      "node=\"node\\\"a\",storage_class=\"fast\"}",
		      "0");
	free(text);
	metrics_registry_close();
	unsetenv("PVCBENCH_POD");
	unsetenv("NODE_NAME");
	unsetenv("STORAGE_CLASS");
	unsetenv("PVCBENCH_STORAGE_CLASS");
	free(s);
}

static void test_live_gauges(void **state)
{
	struct metrics_live l = { 0 };
	char v[64];

	metrics_registry_open("fio");
	uint64_t now = clock_now_ns();
	l.last_success_ns = now - 3000000000ull;    /* 3 s ago */
	l.oldest_inflight_ns = now - 2000000000ull; /* 2 s ago */
	l.stall_start_ns = l.last_success_ns;
	l.schedule_lag_ns = 1500000;
	l.stalls = 1;
	metrics_publish_live(0, "j", &l);
	l.stalls = 2;
	metrics_publish_live(1, "j", &l);
	metrics_set_phase(METRICS_RUN);
	char *text = render();
#define L "{workload=\"fio\",job=\"j\"}"
	expect_sample(text, "pvcbench_stalled" L, "1");
	expect_sample(text, "pvcbench_stalls_total" L, "3");
	expect_sample(text, "pvcbench_schedule_lag_seconds" L, "0.0015");
	/* computed at scrape time: at least as old as published */
	assert_non_null(sample_value(text, "pvcbench_stall_seconds" L, v, sizeof(v)));
	assert_true(strtod(v, NULL) >= 3.0);
	assert_non_null(sample_value(text, "pvcbench_seconds_since_last_success" L, v, sizeof(v)));
	assert_true(strtod(v, NULL) >= 3.0);
	assert_non_null(sample_value(text, "pvcbench_oldest_inflight_seconds" L, v, sizeof(v)));
	assert_true(strtod(v, NULL) >= 2.0 && strtod(v, NULL) < 3.0);
	free(text);
	/* after the end nothing is in flight and nothing stalls */
	metrics_set_phase(METRICS_DONE);
	text = render();
	expect_sample(text, "pvcbench_stalled" L, "0");
	expect_sample(text, "pvcbench_oldest_inflight_seconds" L, "0");
	expect_sample(text, "pvcbench_stalls_total" L, "3");
#undef L
	free(text);
	metrics_registry_close();
}

static void test_off_is_harmless(void **state)
{
	struct op_stats *s = calloc(1, sizeof(*s));
	struct metrics_live l = { 0 };

	assert_non_null(s);
	hist_init(&s->lat);
	assert_false(metrics_on());
	metrics_publish_op(0, "j", "read", s);
	metrics_publish_live(0, "j", &l);
	metrics_set_phase(METRICS_RUN);
	metrics_set_engine("j", "psync");
	char *text = render();
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(metrics_port(), 0);
	metrics_stop();
	struct metrics_config cfg = { .linger_ns = 0 };
	char err[256];
	assert_int_equal(metrics_start(&cfg, "fio", err, sizeof(err)), 0);
	assert_false(metrics_on());
	free(s);
}

/* metrics_take on a NULL-terminated copy of args; returns its status. */
static int take(int *argc, char **argv, struct metrics_config *cfg, char *err, size_t size)
{
	err[0] = '\0';
	return metrics_take(argc, argv, cfg, err, size);
}

static void test_take(void **state)
{
	char a0[] = "fio", a1[] = "--metrics-listen=127.0.0.1:9100", a2[] = "--name=x",
	     a3[] = "--metrics-linger", a4[] = "500ms", a5[] = "--metrics-push=http://gw:9091/",
	     a6[] = "--metrics-push-interval=2s", a7[] = "--metrics-listen=[::1]:0", a8[] = "--",
	     a9[] = "--metrics-listen=x";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, NULL };
	int argc = 10;
	struct metrics_config cfg;
	char err[256];

	unsetenv(METRICS_LISTEN_ENV);
	unsetenv(METRICS_LINGER_ENV);
	unsetenv(METRICS_PUSH_ENV);
	unsetenv(METRICS_PUSH_INTERVAL_ENV);
#if !defined(PVC_HAVE_MICROHTTPD) || !defined(PVC_HAVE_CURL)
	/* a build without the endpoint or the push refuses the flag, naming the package */
	assert_int_equal(take(&argc, argv, &cfg, err, sizeof(err)), -EINVAL);
#ifndef PVC_HAVE_MICROHTTPD
	assert_non_null(strstr(err, "without libmicrohttpd (Debian: libmicrohttpd-dev)"));
#else
	assert_non_null(strstr(err, "without libcurl (Debian: libcurl4-openssl-dev)"));
#endif
	return;
#endif
	assert_int_equal(take(&argc, argv, &cfg, err, sizeof(err)), 0);
	assert_int_equal(argc, 4);
	assert_string_equal(argv[1], "--name=x");
	assert_string_equal(argv[2], "--");
	assert_string_equal(argv[3], "--metrics-listen=x"); /* after "--": an operand */
	assert_null(argv[4]);
	assert_string_equal(cfg.listen, "[::1]:0"); /* the last wins */
	assert_int_equal(cfg.linger_ns, 500000000ull);
	assert_string_equal(cfg.push_url, "http://gw:9091");
	assert_int_equal(cfg.push_interval_ns, 2000000000ull);

	/* defaults, then the environment */
	char *argv2[] = { a0, NULL };
	argc = 1;
	assert_int_equal(take(&argc, argv2, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.listen, "");
	assert_string_equal(cfg.push_url, "");
	assert_int_equal(cfg.linger_ns, METRICS_DEFAULT_LINGER_NS);
	assert_int_equal(cfg.push_interval_ns, METRICS_DEFAULT_PUSH_INTERVAL_NS);
	setenv(METRICS_LISTEN_ENV, ":9100", 1);
	setenv(METRICS_LINGER_ENV, "0", 1);
	assert_int_equal(take(&argc, argv2, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.listen, ":9100");
	assert_int_equal(cfg.linger_ns, 0);
	unsetenv(METRICS_LINGER_ENV);
	setenv(METRICS_LISTEN_ENV, "nope", 1);
	assert_int_equal(take(&argc, argv2, &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "PVCBENCH_METRICS_LISTEN=nope: not ADDR:PORT; use e.g. "
				 "127.0.0.1:9100, :9100 or [::1]:9100");
	unsetenv(METRICS_LISTEN_ENV);
}

static void expect_refused(const char *arg, const char *want)
{
	char a0[] = "fio", a1[256];
	char *argv[] = { a0, a1, NULL };
	int argc = 2;
	struct metrics_config cfg;
	char err[256];

	snprintf(a1, sizeof(a1), "%s", arg);
	if (take(&argc, argv, &cfg, err, sizeof(err)) != -EINVAL)
		fail_msg("%s: accepted", arg);
	if (strcmp(err, want))
		fail_msg("%s: '%s', want '%s'", arg, err, want);
}

static void test_take_refusals(void **state)
{
	const char *listen_use = "not ADDR:PORT; use e.g. 127.0.0.1:9100, :9100 or [::1]:9100";
	char want[256];
	static const char *const bad_listen[] = {
		"foo",		"127.0.0.1",	  "127.0.0.1:", "127.0.0.1:70000",
		"127.0.0.1:-1", "localhost:9100", "[::1:9100",	"::1:9100",
		"1.2.3:80",	"127.0.0.1:9x",
	};

	for (size_t i = 0; i < sizeof(bad_listen) / sizeof(bad_listen[0]); i++) {
		char arg[128];
		snprintf(arg, sizeof(arg), "--metrics-listen=%s", bad_listen[i]);
		snprintf(want, sizeof(want), "%s: %s", arg, listen_use);
		expect_refused(arg, want);
	}
	expect_refused("--metrics-linger=soon",
		       "--metrics-linger=soon: not a duration; use e.g. 30s, 500ms or 2m (0 for "
		       "none)");
	expect_refused("--metrics-linger=5h",
		       "--metrics-linger=5h: not a duration; use e.g. 30s, 500ms or 2m (0 for "
		       "none)");
	expect_refused("--metrics-push=ftp://gw",
		       "--metrics-push=ftp://gw: not an http:// or https:// URL; use e.g. "
		       "http://pushgateway:9091");
	expect_refused("--metrics-push=http://",
		       "--metrics-push=http://: not an http:// or https:// URL; use e.g. "
		       "http://pushgateway:9091");
	expect_refused(
		"--metrics-push-interval=10ms",
		"--metrics-push-interval=10ms: not a duration of 100ms or more; use e.g. 5s");
	expect_refused("--metrics-listen", "--metrics-listen needs a value");
}

/* One HTTP/1.0 request to 127.0.0.1:port: the status code, the body into body. */
static int http(unsigned port, const char *method, const char *path, char *body, size_t size)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char req[256], buf[65536];
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0), code = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		fail_msg("connect to port %u: %s", port, strerror(errno));
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: x\r\n\r\n", method, path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	sscanf(buf, "HTTP/1.%*d %d", &code);
	const char *b = strstr(buf, "\r\n\r\n");
	snprintf(body, size, "%s", b ? b + 4 : "");
	if (code == 200 && !strstr(buf, "Content-Type: text/plain; version=0.0.4; charset=utf-8"))
		fail_msg("no 0.0.4 content type:\n%s", buf);
	return code;
}

static void test_endpoint(void **state)
{
	struct metrics_config cfg = { .linger_ns = 0 };
	char err[256] = "", body[65536];

	snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1:0");
#ifndef PVC_HAVE_MICROHTTPD
	/* built without libmicrohttpd: refused with a reason, and nothing left on */
	assert_true(metrics_start(&cfg, "fio", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "without libmicrohttpd"));
	assert_false(metrics_on());
	return;
#endif
	if (metrics_start(&cfg, "fio", err, sizeof(err)))
		fail_msg("metrics_start: %s", err);
	assert_true(metrics_on());
	unsigned port = metrics_port();
	assert_true(port > 0);
	assert_int_equal(http(port, "GET", "/metrics", body, sizeof(body)), 200);
	assert_non_null(strstr(body, "pvcbench_build_info{version=\"" PVC_VERSION "\"} 1\n"));
	assert_int_equal(http(port, "GET", "/other", body, sizeof(body)), 404);
	assert_int_equal(http(port, "POST", "/metrics", body, sizeof(body)), 405);

	/* the same port again: refused at start, with the reason */
	struct metrics_config again = cfg;
	snprintf(again.listen, sizeof(again.listen), "127.0.0.1:%u", port);
	metrics_stop();
	assert_false(metrics_on());
	assert_int_equal(metrics_port(), 0);
	assert_int_equal(metrics_start(&again, "fio", err, sizeof(err)), 0);
	struct metrics_config third = again;
	err[0] = '\0';
	/* a second endpoint on the port in use, through the server alone */
	assert_true(metrics_server_start(third.listen, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "cannot listen there: Address already in use"));
	metrics_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_le_edges_are_bucket_ends),
		cmocka_unit_test(test_exposition_counts),
		cmocka_unit_test(test_two_runs_sum),
		cmocka_unit_test(test_escaping_and_constant_labels),
		cmocka_unit_test(test_live_gauges),
		cmocka_unit_test(test_off_is_harmless),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_take_refusals),
		cmocka_unit_test(test_endpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
