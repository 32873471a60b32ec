/*
 * test_options.c - the option table: the size, time, bool and integer parsers, and everything a
 * table drives (defaults, environment variables, opt_set with its sources, error messages, the
 * "did you mean" suggestion, the config echo and --help), on a small table of our own that has
 * one row of every type that holds a value (lists, refused rows, fixed flags and the command
 * line are test_opt_argv.c's).
 *
 * The environment variables are TEST_PVC_*, so that nothing in a developer's environment can
 * change a result; every test that sets one unsets it again.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pvcbench/options.h"

#define KIB 1024ULL
#define MIB (1024ULL * KIB)
#define GIB (1024ULL * MIB)
#define TIB (1024ULL * GIB)
#define PIB (1024ULL * TIB)
#define NS_PER_S 1000000000ULL

struct test_config {
	char name[OPT_STRING_MAX];
	int64_t jobs;
	int64_t limit;
	bool direct;
	uint64_t bs;
	uint64_t runtime;
	char mode[OPT_STRING_MAX];
	char note[OPT_STRING_MAX];
	double ratio;
	double rate;
	double speed;
};

static const char *const test_modes[] = { "read", "write", "randrw", NULL };

#define F(field) offsetof(struct test_config, field)

enum {
	ROW_NAME,
	ROW_JOBS,
	ROW_LIMIT,
	ROW_DIRECT,
	ROW_BS,
	ROW_RUNTIME,
	ROW_MODE,
	ROW_NOTE,
	ROW_RATIO,
	ROW_RATE,
	ROW_SPEED,
	ROWS
};

static const struct option_def test_defs[] = {
	[ROW_NAME] = { .name = "name",
		       .env = "TEST_PVC_NAME",
		       .type = OPT_STRING,
		       .offset = F(name),
		       .def = "job",
		       .help = "job name" },
	[ROW_JOBS] = { .name = "jobs",
		       .alias = "numjobs",
		       .env = "TEST_PVC_JOBS",
		       .type = OPT_INT,
		       .offset = F(jobs),
		       .def = "1",
		       .min = 1,
		       .max = 64,
		       .help = "number of workers" },
	/* "0 = unlimited" below a min of 1: the default must get past the bound */
	[ROW_LIMIT] = { .name = "limit",
			.type = OPT_INT,
			.offset = F(limit),
			.def = "0",
			.min = 1,
			.help = "operations per worker" },
	[ROW_DIRECT] = { .name = "direct",
			 .env = "TEST_PVC_DIRECT",
			 .type = OPT_BOOL,
			 .offset = F(direct),
			 .def = "0",
			 .help = "use O_DIRECT" },
	[ROW_BS] = { .name = "bs",
		     .env = "TEST_PVC_BS",
		     .env_alt = "TEST_PVC_BLOCK_SIZE",
		     .type = OPT_SIZE,
		     .offset = F(bs),
		     .def = "4k",
		     .min = 512,
		     .help = "block size" },
	[ROW_RUNTIME] = { .name = "runtime",
			  .env = "TEST_PVC_RUNTIME",
			  .type = OPT_TIME,
			  .offset = F(runtime),
			  .def = "0",
			  .unit_ns = NS_PER_S,
			  .help = "how long to run" },
	[ROW_MODE] = { .name = "mode",
		       .env = "TEST_PVC_MODE",
		       .type = OPT_CHOICE,
		       .offset = F(mode),
		       .def = "read",
		       .choices = test_modes,
		       .help = "access pattern" },
	[ROW_NOTE] = { .name = "note",
		       .type = OPT_STRING,
		       .offset = F(note),
		       .def = NULL,
		       .help = "free text" },
	[ROW_RATIO] = { .name = "ratio",
			.env = "TEST_PVC_RATIO",
			.type = OPT_DOUBLE,
			.offset = F(ratio),
			.def = "0.5",
			.dmin = 0,
			.dmax = 1,
			.help = "share of reads" },
	/* the Java tools' --throughput: -1 is no limit */
	[ROW_RATE] = { .name = "rate",
		       .env = "TEST_PVC_RATE",
		       .type = OPT_RATE,
		       .offset = F(rate),
		       .def = "-1",
		       .no_limit = true,
		       .help = "events per second" },
	/* pgbench's -R: above 0, no "no limit" */
	[ROW_SPEED] = { .name = "speed",
			.type = OPT_RATE,
			.offset = F(speed),
			.positive = true,
			.dmin = 0,
			.dmax = 1e6,
			.help = "transactions per second" },
	[ROWS] = { .name = NULL },
};

static const char *const test_env_names[] = {
	"TEST_PVC_NAME", "TEST_PVC_JOBS",	"TEST_PVC_DIRECT",
	"TEST_PVC_BS",	 "TEST_PVC_BLOCK_SIZE", "TEST_PVC_RUNTIME",
	"TEST_PVC_MODE", "TEST_PVC_RATIO",	"TEST_PVC_RATE",
};

struct test_fixture {
	struct test_config config;
	enum opt_source source[ROWS];
	struct option_set set;
	char err[256];
};

static void test_unset_env(void)
{
	for (size_t i = 0; i < sizeof(test_env_names) / sizeof(test_env_names[0]); i++)
		unsetenv(test_env_names[i]);
}

static int test_setup(void **state)
{
	struct test_fixture *f = malloc(sizeof(*f));

	if (!f)
		return -1;
	/* garbage, so that a default that is not applied shows */
	memset(f, 0xa5, sizeof(*f));
	f->set.defs = test_defs;
	f->set.count = opt_count(test_defs);
	f->set.source = f->source;
	f->err[0] = '\0';
	test_unset_env();
	*state = f;
	return 0;
}

static int test_teardown(void **state)
{
	test_unset_env();
	free(*state);
	return 0;
}

static void test_apply_defaults(struct test_fixture *f)
{
	assert_int_equal(opt_apply_defaults(&f->set, &f->config, f->err, sizeof(f->err)), 0);
}

/* ---- the parsers ---- */

struct test_size_case {
	const char *text;
	int ret;
	uint64_t bytes;
};

/* fio's kb_base: k and KiB swap bases between 1024 (fio's default) and 1000; 0 is pvcbench's. */
static void test_size_kb_base(void **state)
{
	static const struct {
		unsigned base;
		const char *text;
		uint64_t bytes;
	} cases[] = {
		{ 0, "4k", 4096 },	    { 0, "4KiB", 4096 },       { 0, "1MiB", 1048576 },
		{ 1024, "4k", 4096 },	    { 1024, "4KiB", 4000 },    { 1024, "1MiB", 1000000 },
		{ 1024, "2g", 1ULL << 31 }, { 1000, "4k", 4000 },      { 1000, "4KiB", 4096 },
		{ 1000, "1m", 1000000 },    { 1000, "1MiB", 1048576 }, { 1000, "512", 512 },
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned old = opt_size_kb_base(cases[i].base);
		int ret = opt_parse_size(cases[i].text, &v);
		opt_size_kb_base(old);
		if (ret || v != cases[i].bytes)
			fail_msg("kb_base=%u %s: ret %d, %llu bytes, want %llu", cases[i].base,
				 cases[i].text, ret, (unsigned long long)v,
				 (unsigned long long)cases[i].bytes);
	}
	assert_int_equal(opt_size_kb_base(0), 0); /* the default was restored every time */
}

static void test_parse_size(void **state)
{
	static const struct test_size_case cases[] = {
		{ "0", 0, 0 },
		{ "1", 0, 1 },
		{ "512", 0, 512 },
		{ "4k", 0, 4096 },
		{ "4K", 0, 4096 },
		{ "4kb", 0, 4096 },
		{ "4KB", 0, 4096 },
		{ "4KiB", 0, 4096 },
		{ "4kib", 0, 4096 },
		{ "100b", 0, 100 },
		{ "500M", 0, 500 * MIB },
		{ "500MB", 0, 500 * MIB },
		{ "500MiB", 0, 500 * MIB },
		{ "1.5M", 0, 1572864 },
		{ "0.5k", 0, 512 },
		{ "10G", 0, 10 * GIB },
		{ "10GiB", 0, 10 * GIB },
		{ "2T", 0, 2 * TIB },
		{ "3P", 0, 3 * PIB },
		{ "16383P", 0, 16383 * PIB },
		{ "18446744073709551614", 0, 18446744073709551614ULL },
		/* overflow */
		{ "99999999999999999999", -ERANGE, 0 },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "20000P", -ERANGE, 0 },
		{ "16384P", -ERANGE, 0 },
		{ "17000000T", -ERANGE, 0 },
		/* garbage */
		{ "", -EINVAL, 0 },
		{ "k", -EINVAL, 0 },
		{ "abc", -EINVAL, 0 },
		{ "4x", -EINVAL, 0 },
		{ "4kk", -EINVAL, 0 },
		{ "4 k", -EINVAL, 0 },
		{ " 4k", -EINVAL, 0 },
		{ "4kB ", -EINVAL, 0 },
		{ "1Q", -EINVAL, 0 },
		{ ".", -EINVAL, 0 },
		{ "nan", -EINVAL, 0 },
		{ "inf", -EINVAL, 0 },
		/* negative sizes are errors, never wrap-arounds */
		{ "-1G", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "-0", -EINVAL, 0 },
		{ "+4k", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint64_t untouched = 0x5a5a5a5a5a5a5a5aULL;
		uint64_t bytes = untouched;
		int ret = opt_parse_size(cases[i].text, &bytes);

		if (ret != cases[i].ret)
			fail_msg("size \"%s\": returned %d, expected %d", cases[i].text, ret,
				 cases[i].ret);
		if (bytes != (ret == 0 ? cases[i].bytes : untouched))
			fail_msg("size \"%s\": gave %llu", cases[i].text,
				 (unsigned long long)bytes);
	}
	uint64_t bytes;
	assert_int_equal(opt_parse_size(NULL, &bytes), -EINVAL);
}

struct test_time_case {
	const char *text;
	uint64_t unit_ns;
	int ret;
	uint64_t ns;
};

static void test_parse_time(void **state)
{
	static const struct test_time_case cases[] = {
		{ "900s", 0, 0, 900 * NS_PER_S },
		{ "900S", 0, 0, 900 * NS_PER_S },
		{ "15m", 0, 0, 900 * NS_PER_S },
		{ "15min", 0, 0, 900 * NS_PER_S },
		{ "1h", 0, 0, 3600 * NS_PER_S },
		{ "2d", 0, 0, 2 * 86400 * NS_PER_S },
		{ "500ms", 0, 0, 500000000ULL },
		{ "250us", 0, 0, 250000ULL },
		{ "7ns", 0, 0, 7 },
		{ "1.5s", 0, 0, 1500000000ULL },
		{ "0.5m", 0, 0, 30 * NS_PER_S },
		{ "0", NS_PER_S, 0, 0 },
		/* a bare number is in the row's unit; seconds when the row names none */
		{ "30", NS_PER_S, 0, 30 * NS_PER_S },
		{ "30", 1000000ULL, 0, 30000000ULL },
		{ "30", 1, 0, 30 },
		{ "30", 0, 0, 30 * NS_PER_S },
		{ "2.5", 1000ULL, 0, 2500 },
		/* a suffix overrides the row's unit */
		{ "30s", 1000ULL, 0, 30 * NS_PER_S },
		/* bad suffixes */
		{ "10x", 0, -EINVAL, 0 },
		{ "10sec", 0, -EINVAL, 0 },
		{ "10 s", 0, -EINVAL, 0 },
		{ "10mss", 0, -EINVAL, 0 },
		{ "s", 0, -EINVAL, 0 },
		{ "", 0, -EINVAL, 0 },
		{ "-5s", 0, -EINVAL, 0 },
		{ "-5", NS_PER_S, -EINVAL, 0 },
		/* past what a signed 64-bit count of nanoseconds holds (292 years) */
		{ "300y", 0, -EINVAL, 0 },
		{ "107000d", 0, -ERANGE, 0 },
		{ "9999999999999999999999h", 0, -ERANGE, 0 },
		{ "106000d", 0, 0, 106000ULL * 86400 * NS_PER_S },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint64_t untouched = 0x5a5a5a5a5a5a5a5aULL;
		uint64_t ns = untouched;
		int ret = opt_parse_time(cases[i].text, cases[i].unit_ns, &ns);

		if (ret != cases[i].ret)
			fail_msg("time \"%s\" (unit %llu ns): returned %d, expected %d",
				 cases[i].text, (unsigned long long)cases[i].unit_ns, ret,
				 cases[i].ret);
		if (ns != (ret == 0 ? cases[i].ns : untouched))
			fail_msg("time \"%s\" (unit %llu ns): gave %llu", cases[i].text,
				 (unsigned long long)cases[i].unit_ns, (unsigned long long)ns);
	}
	uint64_t ns;
	assert_int_equal(opt_parse_time(NULL, NS_PER_S, &ns), -EINVAL);
}

static void test_parse_bool(void **state)
{
	static const char *const yes[] = { "1",	   "yes", "YES", "Yes", "true",
					   "TRUE", "on",  "On",	 "y",	"Y" };
	static const char *const no[] = {
		"0", "no", "NO", "false", "False", "off", "OFF", "n", "N"
	};
	static const char *const bad[] = { "",	"2", "-1", "maybe", "yess",
					   "t", "f", " 1", "1 ",    "enable" };
	bool v;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		v = false;
		assert_int_equal(opt_parse_bool(yes[i], &v), 0);
		assert_true(v);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		v = true;
		assert_int_equal(opt_parse_bool(no[i], &v), 0);
		assert_false(v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = true;
		assert_int_equal(opt_parse_bool(bad[i], &v), -EINVAL);
		assert_true(v);
		v = false;
		assert_int_equal(opt_parse_bool(bad[i], &v), -EINVAL);
		assert_false(v);
	}
	/* a bare key (--direct) means true */
	v = false;
	assert_int_equal(opt_parse_bool(NULL, &v), 0);
	assert_true(v);
}

static void test_parse_int(void **state)
{
	int64_t v = 0;

	assert_int_equal(opt_parse_int("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(opt_parse_int("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(opt_parse_int("-7", &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(opt_parse_int("9223372036854775807", &v), 0);
	assert_int_equal(v, INT64_MAX);
	v = 5;
	assert_int_equal(opt_parse_int("9223372036854775808", &v), -ERANGE);
	assert_int_equal(opt_parse_int("", &v), -EINVAL);
	assert_int_equal(opt_parse_int(NULL, &v), -EINVAL);
	assert_int_equal(opt_parse_int("12x", &v), -EINVAL);
	assert_int_equal(opt_parse_int("4k", &v), -EINVAL);
	assert_int_equal(opt_parse_int("1.5", &v), -EINVAL);
	assert_int_equal(v, 5);
}

static void test_parse_double(void **state)
{
	static const struct {
		const char *text;
		int ret;
		double value;
	} cases[] = {
		{ "1.5", 0, 1.5 },	 { "-2", 0, -2 },	   { "+3", 0, 3 },
		{ "0", 0, 0 },		 { ".5", 0, 0.5 },	   { "5.", 0, 5 },
		{ "1e3", 0, 1000 },	 { "2.5e-7", 0, 2.5e-7 },  { "1e+20", 0, 1e20 },
		{ "1e999", -ERANGE, 0 }, { "-1e999", -ERANGE, 0 }, { "", -EINVAL, 0 },
		{ ".", -EINVAL, 0 },	 { "-", -EINVAL, 0 },	   { "abc", -EINVAL, 0 },
		{ "inf", -EINVAL, 0 },	 { "-inf", -EINVAL, 0 },   { "nan", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },	 { " 1", -EINVAL, 0 },	   { "1 ", -EINVAL, 0 },
		{ "1.5x", -EINVAL, 0 },	 { "1e", -EINVAL, 0 },	   { "1k", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = 42.25;
		int ret = opt_parse_double(cases[i].text, &v);

		if (ret != cases[i].ret)
			fail_msg("double \"%s\": returned %d, expected %d", cases[i].text, ret,
				 cases[i].ret);
		if (v != (ret == 0 ? cases[i].value : 42.25))
			fail_msg("double \"%s\": gave %.17g", cases[i].text, v);
	}
	double v;
	assert_int_equal(opt_parse_double(NULL, &v), -EINVAL);
}

/* ---- the table ---- */

static void test_count_and_find(void **state)
{
	assert_int_equal(opt_count(test_defs), ROWS);
	assert_ptr_equal(opt_find(test_defs, "bs"), &test_defs[ROW_BS]);
	assert_ptr_equal(opt_find(test_defs, "jobs"), &test_defs[ROW_JOBS]);
	assert_ptr_equal(opt_find(test_defs, "numjobs"), &test_defs[ROW_JOBS]);
	assert_null(opt_find(test_defs, "b"));
	assert_null(opt_find(test_defs, "bss"));
	assert_null(opt_find(test_defs, "BS"));
	assert_null(opt_find(test_defs, ""));
}

static void test_defaults(void **state)
{
	struct test_fixture *f = *state;

	test_apply_defaults(f);
	assert_string_equal(f->config.name, "job");
	assert_int_equal(f->config.jobs, 1);
	assert_int_equal(f->config.limit, 0);
	assert_false(f->config.direct);
	assert_int_equal(f->config.bs, 4096);
	assert_int_equal(f->config.runtime, 0);
	assert_string_equal(f->config.mode, "read");
	/* no default: cleared, not left as garbage */
	assert_string_equal(f->config.note, "");
	assert_true(f->config.ratio == 0.5);
	assert_true(f->config.rate == -1);
	/* no default and a bound above 0: cleared to 0 all the same */
	assert_true(f->config.speed == 0);
	for (unsigned i = 0; i < ROWS; i++)
		assert_int_equal(f->source[i], SRC_DEFAULT);

	/* defaults reset what was set before, sources included */
	assert_int_equal(
		opt_set(&f->set, &f->config, "bs", "64k", SRC_FLAG, f->err, sizeof(f->err)), 0);
	assert_int_equal(
		opt_set(&f->set, &f->config, "note", "x", SRC_FLAG, f->err, sizeof(f->err)), 0);
	test_apply_defaults(f);
	assert_int_equal(f->config.bs, 4096);
	assert_string_equal(f->config.note, "");
	assert_int_equal(f->source[ROW_BS], SRC_DEFAULT);
	assert_int_equal(f->source[ROW_NOTE], SRC_DEFAULT);
}

static void test_bad_default(void **state)
{
	struct test_fixture *f = *state;
	struct option_def defs[] = {
		{ .name = "bs", .type = OPT_SIZE, .offset = F(bs), .def = "lots" },
		{ .name = NULL },
	};
	enum opt_source source[1];
	struct option_set set = { .defs = defs, .count = 1, .source = source };

	assert_int_equal(opt_apply_defaults(&set, &f->config, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "bs"));
	assert_non_null(strstr(f->err, "lots"));
}

static void test_env(void **state)
{
	struct test_fixture *f = *state;

	test_apply_defaults(f);
	setenv("TEST_PVC_NAME", "from-env", 1);
	setenv("TEST_PVC_JOBS", "8", 1);
	setenv("TEST_PVC_DIRECT", "yes", 1);
	setenv("TEST_PVC_BS", "64k", 1);
	setenv("TEST_PVC_RUNTIME", "90", 1);
	setenv("TEST_PVC_MODE", "randrw", 1);
	setenv("TEST_PVC_RATIO", "0.9", 1);
	setenv("TEST_PVC_RATE", "-1", 1);
	assert_int_equal(opt_apply_env(&f->set, &f->config, f->err, sizeof(f->err)), 0);
	assert_true(f->config.ratio == 0.9);
	assert_true(f->config.rate == -1);

	assert_string_equal(f->config.name, "from-env");
	assert_int_equal(f->config.jobs, 8);
	assert_true(f->config.direct);
	assert_int_equal(f->config.bs, 64 * KIB);
	assert_int_equal(f->config.runtime, 90 * NS_PER_S);
	assert_string_equal(f->config.mode, "randrw");
	for (unsigned i = 0; i < ROWS; i++) {
		bool has_env = test_defs[i].env != NULL;
		assert_int_equal(f->source[i], has_env ? SRC_ENV : SRC_DEFAULT);
	}
	assert_int_equal(f->config.limit, 0);
	assert_string_equal(f->config.note, "");
}

static void test_env_alt(void **state)
{
	struct test_fixture *f = *state;

	test_apply_defaults(f);
	setenv("TEST_PVC_BLOCK_SIZE", "16k", 1);
	assert_int_equal(opt_apply_env(&f->set, &f->config, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->config.bs, 16 * KIB);
	/* the echo must name the variable that was set: the second one */
	assert_int_equal(f->source[ROW_BS], SRC_ENV_ALT);

	/* both set: the first name wins */
	test_apply_defaults(f);
	setenv("TEST_PVC_BS", "1M", 1);
	assert_int_equal(opt_apply_env(&f->set, &f->config, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->config.bs, MIB);
	assert_int_equal(f->source[ROW_BS], SRC_ENV);
}

/* A Kubernetes manifest's `value: ""` sets the variable to the empty string: that means unset. */
static void test_env_empty(void **state)
{
	struct test_fixture *f = *state;

	test_apply_defaults(f);
	for (size_t i = 0; i < sizeof(test_env_names) / sizeof(test_env_names[0]); i++)
		setenv(test_env_names[i], "", 1);
	f->err[0] = '\0';
	assert_int_equal(opt_apply_env(&f->set, &f->config, f->err, sizeof(f->err)), 0);
	assert_string_equal(f->err, "");
	assert_string_equal(f->config.name, "job");
	assert_int_equal(f->config.jobs, 1);
	assert_false(f->config.direct);
	assert_int_equal(f->config.bs, 4096);
	assert_int_equal(f->config.runtime, 0);
	assert_string_equal(f->config.mode, "read");
	for (unsigned i = 0; i < ROWS; i++)
		assert_int_equal(f->source[i], SRC_DEFAULT);

	/* an empty first name falls through to the second */
	setenv("TEST_PVC_BLOCK_SIZE", "8k", 1);
	assert_int_equal(opt_apply_env(&f->set, &f->config, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->config.bs, 8 * KIB);
	assert_int_equal(f->source[ROW_BS], SRC_ENV_ALT);
}

static void test_env_bad_value(void **state)
{
	struct test_fixture *f = *state;

	test_apply_defaults(f);
	setenv("TEST_PVC_BS", "0", 1);
	assert_int_equal(opt_apply_env(&f->set, &f->config, f->err, sizeof(f->err)), -ERANGE);
	/* the message names the variable the user set, not the flag */
	assert_non_null(strstr(f->err, "TEST_PVC_BS=0"));
	assert_non_null(strstr(f->err, "at least 512"));
	assert_null(strstr(f->err, "--bs"));
	assert_int_equal(f->config.bs, 4096);
	assert_int_equal(f->source[ROW_BS], SRC_DEFAULT);
	unsetenv("TEST_PVC_BS");

	setenv("TEST_PVC_BLOCK_SIZE", "huge", 1);
	assert_int_equal(opt_apply_env(&f->set, &f->config, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "TEST_PVC_BLOCK_SIZE=huge"));
	assert_non_null(strstr(f->err, "not a size"));
	unsetenv("TEST_PVC_BLOCK_SIZE");

	setenv("TEST_PVC_MODE", "sequential", 1);
	assert_int_equal(opt_apply_env(&f->set, &f->config, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "TEST_PVC_MODE=sequential"));
	assert_non_null(strstr(f->err, "read, write or randrw"));
	assert_string_equal(f->config.mode, "read");
}

static void test_set_sources(void **state)
{
	struct test_fixture *f = *state;
	static const struct {
		const char *name, *value;
		enum opt_source source;
		unsigned row;
		const char *source_name;
	} sets[] = {
		{ "name", "j1", SRC_FLAG, ROW_NAME, "flag" },
		{ "numjobs", "4", SRC_JOBFILE, ROW_JOBS, "jobfile" },
		{ "direct", NULL, SRC_FLAG, ROW_DIRECT, "flag" },
		{ "bs", "1M", SRC_ENV, ROW_BS, "env" },
		{ "runtime", "15m", SRC_JOBFILE, ROW_RUNTIME, "jobfile" },
		{ "mode", "write", SRC_FLAG, ROW_MODE, "flag" },
		{ "limit", "10", SRC_PRESET, ROW_LIMIT, "preset" },
	};

	test_apply_defaults(f);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		assert_int_equal(opt_set(&f->set, &f->config, sets[i].name, sets[i].value,
					 sets[i].source, f->err, sizeof(f->err)),
				 0);
		assert_int_equal(f->source[sets[i].row], sets[i].source);
		assert_string_equal(opt_source_name(f->source[sets[i].row]), sets[i].source_name);
	}
	assert_string_equal(f->config.name, "j1");
	assert_int_equal(f->config.jobs, 4);
	assert_true(f->config.direct);
	assert_int_equal(f->config.bs, MIB);
	assert_int_equal(f->config.runtime, 900 * NS_PER_S);
	assert_string_equal(f->config.mode, "write");
	assert_int_equal(f->config.limit, 10);
	assert_int_equal(f->source[ROW_NOTE], SRC_DEFAULT);
	assert_string_equal(opt_source_name(SRC_DEFAULT), "default");

	/* a later source overrides an earlier one */
	assert_int_equal(opt_set(&f->set, &f->config, "bs", "8k", SRC_FLAG, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(f->config.bs, 8 * KIB);
	assert_int_equal(f->source[ROW_BS], SRC_FLAG);

	assert_int_equal(
		opt_set(&f->set, &f->config, "direct", "off", SRC_FLAG, f->err, sizeof(f->err)), 0);
	assert_false(f->config.direct);
}

/* Sets name=value from the command line, expecting ret, and checks the message holds every part. */
static void test_expect_error(struct test_fixture *f, enum opt_source source, const char *name,
			      const char *value, int ret, const char *const parts[])
{
	struct test_config before;
	enum opt_source before_source[ROWS];

	memcpy(&before, &f->config, sizeof(before));
	memcpy(before_source, f->source, sizeof(before_source));
	f->err[0] = '\0';
	int got = opt_set(&f->set, &f->config, name, value, source, f->err, sizeof(f->err));
	if (got != ret)
		fail_msg("%s=%s: returned %d, expected %d (\"%s\")", name, value ? value : "(none)",
			 got, ret, f->err);
	for (unsigned i = 0; parts[i]; i++) {
		if (!strstr(f->err, parts[i]))
			fail_msg("message \"%s\" lacks \"%s\"", f->err, parts[i]);
	}
	assert_null(strchr(f->err, '\n'));
	/* a rejected value changes neither the config nor where its value came from */
	assert_memory_equal(&before, &f->config, sizeof(before));
	assert_memory_equal(before_source, f->source, sizeof(before_source));
}

static void test_errors(void **state)
{
	struct test_fixture *f = *state;
	char long_name[OPT_STRING_MAX + 1];

	test_apply_defaults(f);
	test_expect_error(f, SRC_FLAG, "bs", "0", -ERANGE,
			  (const char *const[]){ "--bs=0", "at least", "512", NULL });
	test_expect_error(f, SRC_FLAG, "bs", "511", -ERANGE,
			  (const char *const[]){ "--bs=511", "at least 512", NULL });
	test_expect_error(f, SRC_JOBFILE, "bs", "0", -ERANGE,
			  (const char *const[]){ "bs=0", "at least 512", NULL });
	test_expect_error(f, SRC_FLAG, "bs", "-1G", -ERANGE,
			  (const char *const[]){ "--bs=-1G", "negative", NULL });
	test_expect_error(f, SRC_FLAG, "bs", "20000P", -ERANGE,
			  (const char *const[]){ "--bs=20000P", "too large", NULL });
	test_expect_error(f, SRC_FLAG, "bs", "4q", -EINVAL,
			  (const char *const[]){ "--bs=4q", "not a size", NULL });
	test_expect_error(f, SRC_FLAG, "bs", NULL, -EINVAL,
			  (const char *const[]){ "--bs", "needs a value", NULL });
	test_expect_error(f, SRC_FLAG, "bs", "", -EINVAL,
			  (const char *const[]){ "--bs", "needs a value", NULL });
	test_expect_error(f, SRC_FLAG, "jobs", "0", -ERANGE,
			  (const char *const[]){ "--jobs=0", "at least 1", NULL });
	test_expect_error(f, SRC_FLAG, "jobs", "65", -ERANGE,
			  (const char *const[]){ "--jobs=65", "at most 64", NULL });
	test_expect_error(f, SRC_FLAG, "numjobs", "65", -ERANGE,
			  (const char *const[]){ "jobs=65", "at most 64", NULL });
	test_expect_error(f, SRC_FLAG, "jobs", "-3", -ERANGE,
			  (const char *const[]){ "--jobs=-3", "negative", NULL });
	test_expect_error(f, SRC_FLAG, "jobs", "four", -EINVAL,
			  (const char *const[]){ "--jobs=four", "not a whole number", NULL });
	test_expect_error(f, SRC_FLAG, "limit", "0", -ERANGE,
			  (const char *const[]){ "--limit=0", "at least 1", NULL });
	test_expect_error(f, SRC_FLAG, "direct", "maybe", -EINVAL,
			  (const char *const[]){ "--direct=maybe", "not a boolean", NULL });
	test_expect_error(f, SRC_FLAG, "runtime", "10x", -EINVAL,
			  (const char *const[]){ "--runtime=10x", "not a time", NULL });
	test_expect_error(f, SRC_JOBFILE, "runtime", "-10", -ERANGE,
			  (const char *const[]){ "runtime=-10", "negative", NULL });
	test_expect_error(
		f, SRC_FLAG, "runtime", "9999999999999999999999h", -ERANGE,
		(const char *const[]){ "--runtime=9999999999999999999999h", "too large", NULL });
	memset(long_name, 'x', OPT_STRING_MAX);
	long_name[OPT_STRING_MAX] = '\0';
	test_expect_error(f, SRC_FLAG, "name", long_name, -EINVAL,
			  (const char *const[]){ "--name", "longer than 255", NULL });
	long_name[OPT_STRING_MAX - 1] = '\0';
	assert_int_equal(
		opt_set(&f->set, &f->config, "name", long_name, SRC_FLAG, f->err, sizeof(f->err)),
		0);
	assert_string_equal(f->config.name, long_name);
}

/* Sets a double row and returns what it holds. */
static double test_set_double(struct test_fixture *f, const char *name, const char *value)
{
	if (opt_set(&f->set, &f->config, name, value, SRC_FLAG, f->err, sizeof(f->err)))
		fail_msg("--%s=%s: %s", name, value, f->err);
	return *(double *)((char *)&f->config + opt_find(test_defs, name)->offset);
}

static void test_double_and_rate(void **state)
{
	struct test_fixture *f = *state;

	test_apply_defaults(f);
	assert_true(test_set_double(f, "ratio", "0.25") == 0.25);
	assert_true(test_set_double(f, "ratio", "0") == 0);
	assert_true(test_set_double(f, "ratio", "1") == 1);
	/* rates: k, m, g are thousands, either case */
	assert_true(test_set_double(f, "rate", "10k") == 10000);
	assert_true(test_set_double(f, "rate", "10K") == 10000);
	assert_true(test_set_double(f, "rate", "2.5m") == 2500000);
	assert_true(test_set_double(f, "rate", "1g") == 1e9);
	assert_true(test_set_double(f, "rate", "0.5") == 0.5);
	/* no_limit: any negative number is the Java tools' -1 */
	assert_true(test_set_double(f, "rate", "-1") == -1);
	assert_true(test_set_double(f, "rate", "100") == 100);
	assert_true(test_set_double(f, "rate", "-0.5") == -1);
	assert_true(test_set_double(f, "rate", "-3k") == -1);
	assert_true(test_set_double(f, "speed", "500") == 500);
	assert_true(test_set_double(f, "speed", "1m") == 1e6);

	test_expect_error(f, SRC_FLAG, "ratio", "1.5", -ERANGE,
			  (const char *const[]){ "--ratio=1.5", "at most 1", NULL });
	test_expect_error(f, SRC_FLAG, "ratio", "-0.1", -ERANGE,
			  (const char *const[]){ "--ratio=-0.1", "at least 0", NULL });
	test_expect_error(f, SRC_FLAG, "ratio", "half", -EINVAL,
			  (const char *const[]){ "--ratio=half", "not a number", NULL });
	test_expect_error(f, SRC_FLAG, "ratio", "nan", -EINVAL,
			  (const char *const[]){ "--ratio=nan", "not a number", NULL });
	test_expect_error(f, SRC_FLAG, "ratio", "1e999", -ERANGE,
			  (const char *const[]){ "--ratio=1e999", "too large", NULL });
	test_expect_error(f, SRC_FLAG, "ratio", NULL, -EINVAL,
			  (const char *const[]){ "--ratio", "needs a value", NULL });
	test_expect_error(f, SRC_FLAG, "rate", "10x", -EINVAL,
			  (const char *const[]){ "--rate=10x", "k or m suffix", NULL });
	test_expect_error(f, SRC_FLAG, "rate", "10kk", -EINVAL,
			  (const char *const[]){ "--rate=10kk", "not a number", NULL });
	test_expect_error(f, SRC_FLAG, "rate", "k", -EINVAL,
			  (const char *const[]){ "--rate=k", NULL });
	test_expect_error(f, SRC_FLAG, "rate", "1e308k", -ERANGE,
			  (const char *const[]){ "--rate=1e308k", "too large", NULL });
	/* without no_limit a negative rate is an error, not "no limit" */
	test_expect_error(f, SRC_FLAG, "speed", "-1", -ERANGE,
			  (const char *const[]){ "--speed=-1", "must not be negative", NULL });
	test_expect_error(f, SRC_FLAG, "speed", "0", -ERANGE,
			  (const char *const[]){ "--speed=0", "must be above 0", NULL });
	test_expect_error(f, SRC_FLAG, "speed", "1.5m", -ERANGE,
			  (const char *const[]){ "--speed=1.5m", "at most 1000000", NULL });

	setenv("TEST_PVC_RATE", "5k", 1);
	setenv("TEST_PVC_RATIO", "0.75", 1);
	assert_int_equal(opt_apply_env(&f->set, &f->config, f->err, sizeof(f->err)), 0);
	assert_true(f->config.rate == 5000);
	assert_true(f->config.ratio == 0.75);
	assert_int_equal(f->source[ROW_RATE], SRC_ENV);
	setenv("TEST_PVC_RATIO", "2", 1);
	assert_int_equal(opt_apply_env(&f->set, &f->config, f->err, sizeof(f->err)), -ERANGE);
	assert_non_null(strstr(f->err, "TEST_PVC_RATIO=2"));
	assert_non_null(strstr(f->err, "at most 1"));
}

static void test_time_bounds(void **state)
{
	struct test_fixture *f = *state;
	struct option_def defs[] = {
		{ .name = "ramp",
		  .type = OPT_TIME,
		  .offset = F(runtime),
		  .min = 500000000LL,
		  .max = 120LL * NS_PER_S,
		  .unit_ns = NS_PER_S },
		{ .name = NULL },
	};
	enum opt_source source[1];
	struct option_set set = { .defs = defs, .count = 1, .source = source };

	assert_int_equal(
		opt_set(&set, &f->config, "ramp", "100ms", SRC_FLAG, f->err, sizeof(f->err)),
		-ERANGE);
	assert_non_null(strstr(f->err, "--ramp=100ms"));
	assert_non_null(strstr(f->err, "at least 500ms"));
	assert_int_equal(opt_set(&set, &f->config, "ramp", "3m", SRC_FLAG, f->err, sizeof(f->err)),
			 -ERANGE);
	assert_non_null(strstr(f->err, "at most 120s"));
	assert_int_equal(opt_set(&set, &f->config, "ramp", "2m", SRC_FLAG, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(f->config.runtime, 120 * NS_PER_S);
	assert_int_equal(source[0], SRC_FLAG);
}

static void test_choices(void **state)
{
	struct test_fixture *f = *state;

	test_apply_defaults(f);
	test_expect_error(
		f, SRC_FLAG, "mode", "sequential", -EINVAL,
		(const char *const[]){ "--mode=sequential", "read, write or randrw", NULL });
	/* choices are exact: no case folding, no prefixes */
	test_expect_error(f, SRC_FLAG, "mode", "READ", -EINVAL,
			  (const char *const[]){ "--mode=READ", "allowed", NULL });
	test_expect_error(f, SRC_FLAG, "mode", "rand", -EINVAL,
			  (const char *const[]){ "--mode=rand", NULL });
	for (unsigned i = 0; test_modes[i]; i++) {
		assert_int_equal(opt_set(&f->set, &f->config, "mode", test_modes[i], SRC_FLAG,
					 f->err, sizeof(f->err)),
				 0);
		assert_string_equal(f->config.mode, test_modes[i]);
	}

	static const char *const two[] = { "on", "off", NULL };
	struct option_def defs[] = {
		{ .name = "sw", .type = OPT_CHOICE, .offset = F(mode), .choices = two },
		{ .name = NULL },
	};
	enum opt_source source[1];
	struct option_set set = { .defs = defs, .count = 1, .source = source };
	assert_int_equal(opt_set(&set, &f->config, "sw", "maybe", SRC_FLAG, f->err, sizeof(f->err)),
			 -EINVAL);
	assert_non_null(strstr(f->err, "allowed: on or off"));
}

static void test_unknown(void **state)
{
	struct test_fixture *f = *state;

	test_apply_defaults(f);
	test_expect_error(f, SRC_FLAG, "bss", "4k", -ENOENT,
			  (const char *const[]){ "--bss", "did you mean --bs?", NULL });
	test_expect_error(f, SRC_FLAG, "b", "4k", -ENOENT,
			  (const char *const[]){ "--b", "did you mean --bs?", NULL });
	test_expect_error(f, SRC_FLAG, "runtim", "1", -ENOENT,
			  (const char *const[]){ "did you mean --runtime?", NULL });
	test_expect_error(f, SRC_FLAG, "drect", NULL, -ENOENT,
			  (const char *const[]){ "did you mean --direct?", NULL });
	/* near an alias: suggest the option's own name */
	test_expect_error(f, SRC_FLAG, "numjob", "2", -ENOENT,
			  (const char *const[]){ "--numjob", "did you mean --jobs?", NULL });
	/* in a job file there are no dashes */
	test_expect_error(f, SRC_JOBFILE, "bss", "4k", -ENOENT,
			  (const char *const[]){ "unknown option bss", "did you mean bs?", NULL });
	assert_null(strstr(f->err, "--"));
	/* nothing close: no wild guess */
	test_expect_error(f, SRC_FLAG, "completely-unrelated", "1", -ENOENT,
			  (const char *const[]){ "--completely-unrelated", NULL });
	assert_null(strstr(f->err, "did you mean"));
}

/* Formats the row's value, parses the text back into a fresh config, and compares. */
static void test_round_trip(struct test_fixture *f, unsigned row, const char *value)
{
	const struct option_def *def = &test_defs[row];
	struct test_config again;
	char text[OPT_STRING_MAX + 16];

	assert_int_equal(
		opt_set(&f->set, &f->config, def->name, value, SRC_FLAG, f->err, sizeof(f->err)),
		0);
	opt_format_value(def, &f->config, text, sizeof(text));
	memset(&again, 0x5a, sizeof(again));
	if (opt_parse_value(def, text, &again, f->err, sizeof(f->err), true))
		fail_msg("%s=%s formats as \"%s\", which does not parse: %s", def->name,
			 value ? value : "(none)", text, f->err);
	const char *a = (const char *)&f->config + def->offset;
	const char *b = (const char *)&again + def->offset;
	switch (def->type) {
	case OPT_STRING:
	case OPT_CHOICE:
		assert_string_equal(a, b);
		break;
	case OPT_BOOL:
		assert_int_equal(*(const bool *)a, *(const bool *)b);
		break;
	case OPT_INT:
		assert_int_equal(*(const int64_t *)a, *(const int64_t *)b);
		break;
	case OPT_SIZE:
	case OPT_TIME:
		assert_int_equal(*(const uint64_t *)a, *(const uint64_t *)b);
		break;
	case OPT_DOUBLE:
	case OPT_RATE:
		/* exactly the same double: the text must not lose digits */
		if (*(const double *)a != *(const double *)b)
			fail_msg("%s=%s formats as \"%s\", which reads back as %.17g, not %.17g",
				 def->name, value, text, *(const double *)b, *(const double *)a);
		break;
	case OPT_LIST:
	case OPT_REFUSED:
		fail_msg("%s: no value of its own to round-trip", def->name);
	}
}

static void test_format_round_trip(void **state)
{
	struct test_fixture *f = *state;
	static const char *const sizes[] = { "512",  "4k", "1000",  "4095", "1.5M", "10G",
					     "1536", "3P", "1025k", "2T",   "6G",   "8191P" };
	static const char *const times[] = { "1",     "900s", "15m",  "1h", "500ms",
					     "250us", "7ns",  "1.5s", "2d", "0" };

	test_apply_defaults(f);
	test_round_trip(f, ROW_NAME, "some job");
	test_round_trip(f, ROW_JOBS, "1");
	test_round_trip(f, ROW_JOBS, "64");
	test_round_trip(f, ROW_DIRECT, NULL);
	test_round_trip(f, ROW_DIRECT, "no");
	test_round_trip(f, ROW_MODE, "randrw");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		test_round_trip(f, ROW_BS, sizes[i]);
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		test_round_trip(f, ROW_RUNTIME, times[i]);
	static const char *const ratios[] = { "0",    "1",   "0.1",   "0.3333333333333333",
					      "1e-9", "0.7", "2.5e-7" };
	for (size_t i = 0; i < sizeof(ratios) / sizeof(ratios[0]); i++)
		test_round_trip(f, ROW_RATIO, ratios[i]);
	static const char *const rates[] = { "-1",   "-7",    "0",   "1k",
					     "2.5m", "1g",    "0.1", "123456789.123",
					     "1e20", "3.7e-5" };
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		test_round_trip(f, ROW_RATE, rates[i]);
	test_round_trip(f, ROW_SPEED, "0.001");
	test_round_trip(f, ROW_SPEED, "1000000");

	char text[64];
	f->config.bs = 4096;
	opt_format_value(&test_defs[ROW_BS], &f->config, text, sizeof(text));
	assert_true(!strcmp(text, "4096") || !strcmp(text, "4k"));
	f->config.direct = true;
	opt_format_value(&test_defs[ROW_DIRECT], &f->config, text, sizeof(text));
	assert_string_equal(text, "1");
	f->config.jobs = 12;
	opt_format_value(&test_defs[ROW_JOBS], &f->config, text, sizeof(text));
	assert_string_equal(text, "12");
}

static void test_help(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	opt_print_help(test_defs, out);
	fclose(out);
	assert_non_null(text);
	assert_non_null(strstr(text, "\n  --bs=SIZE "));
	assert_non_null(strstr(text, "\n  --runtime=TIME "));
	assert_non_null(strstr(text, "\n  --jobs=NUM "));
	assert_non_null(strstr(text, "\n  --ratio=NUM "));
	assert_non_null(strstr(text, "\n  --rate=RATE "));
	assert_non_null(strstr(text, "block size"));
	assert_non_null(strstr(text, "(default 4k)"));
	assert_non_null(strstr(text, "(env TEST_PVC_BS, TEST_PVC_BLOCK_SIZE)"));
	assert_non_null(strstr(text, "(alias --numjobs)"));
	assert_non_null(strstr(text, "(read, write or randrw)"));
	/* a switch that is off by default says nothing about its default */
	const char *direct = strstr(text, "--direct");
	assert_non_null(direct);
	const char *eol = strchr(direct, '\n');
	assert_non_null(eol);
	const char *dflt = strstr(direct, "(default");
	assert_true(!dflt || dflt > eol);
	/* one line per row */
	unsigned lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, ROWS);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_size_kb_base),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_parse_double),
		cmocka_unit_test(test_count_and_find),
		cmocka_unit_test_setup_teardown(test_defaults, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_bad_default, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_env, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_env_alt, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_env_empty, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_env_bad_value, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_set_sources, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_errors, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_time_bounds, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_choices, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_double_and_rate, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_unknown, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_format_round_trip, test_setup, test_teardown),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
