/*
 * test_opt_argv.c - one command-line parser in three styles (opt_parse_argv), on small tables
 * shaped like the commands that use them: getopt_long's as pgbench reads it, fio's with its two
 * tables (program options, job options), and the Java tools'. Then modes (opt_check_mode), the
 * rows without a field of their own (fixed flags, lists, refused names) and --help in each
 * style, line by line.
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

/* argv as a compound literal: ARGV("-c", "10") is { "prog", "-c", "10", NULL } */
#define ARGV(...) ((const char *const[]){ "prog", __VA_ARGS__, NULL })

/* ---- the tables ---- */

struct test_pg {
	bool initialize, connect, no_vacuum, help, internal;
	int64_t client, fillfactor;
	char builtin[OPT_STRING_MAX];
	double rate;
};

#define PG(field) offsetof(struct test_pg, field)

static const struct option_def test_pg_defs[] = {
	{ .name = "initialize",
	  .short_name = 'i',
	  .type = OPT_BOOL,
	  .offset = PG(initialize),
	  .help = "initialize" },
	{ .name = "client",
	  .short_name = 'c',
	  .env = "TEST_PVC_ARGV_CLIENT",
	  .type = OPT_INT,
	  .offset = PG(client),
	  .def = "1",
	  .min = 1,
	  .modes = OPT_MODE_RUN,
	  .help = "clients" },
	{ .name = "connect",
	  .short_name = 'C',
	  .type = OPT_BOOL,
	  .offset = PG(connect),
	  .modes = OPT_MODE_RUN,
	  .help = "a connection per transaction" },
	{ .name = "no-vacuum",
	  .short_name = 'n',
	  .type = OPT_BOOL,
	  .offset = PG(no_vacuum),
	  .help = "no vacuum" },
	{ .name = "fillfactor",
	  .short_name = 'F',
	  .type = OPT_INT,
	  .offset = PG(fillfactor),
	  .def = "100",
	  .modes = OPT_MODE_INIT,
	  .help = "fill factor" },
	{ .name = "builtin",
	  .short_name = 'b',
	  .type = OPT_STRING,
	  .offset = PG(builtin),
	  .def = "tpcb-like",
	  .modes = OPT_MODE_RUN,
	  .help = "builtin script" },
	/* after builtin: its missing default must not clear builtin's */
	{ .name = "select-only",
	  .short_name = 'S',
	  .type = OPT_STRING,
	  .offset = PG(builtin),
	  .fixed = "select-only",
	  .modes = OPT_MODE_RUN,
	  .help = "= --builtin=select-only" },
	{ .name = "simple-update",
	  .short_name = 'N',
	  .type = OPT_STRING,
	  .offset = PG(builtin),
	  .fixed = "simple-update",
	  .modes = OPT_MODE_RUN,
	  .help = "= --builtin=simple-update" },
	{ .name = "rate",
	  .short_name = 'R',
	  .type = OPT_RATE,
	  .offset = PG(rate),
	  .positive = true,
	  .modes = OPT_MODE_RUN,
	  .help = "transactions per second" },
	{ .name = "file", .short_name = 'f', .type = OPT_REFUSED, .help = "custom script files" },
	{ .name = "help", .short_name = '?', .type = OPT_BOOL, .offset = PG(help), .help = "help" },
	{ .name = "internal",
	  .type = OPT_BOOL,
	  .offset = PG(internal),
	  .hidden = true,
	  .help = "not in --help" },
	{ .name = NULL },
};

struct test_cli {
	char output_format[OPT_STRING_MAX];
	bool progress;
};

struct test_job {
	char name[OPT_STRING_MAX];
	uint64_t bs, size;
	bool direct;
};

static const char *const test_formats[] = { "normal", "json", NULL };

static const struct option_def test_cli_defs[] = {
	{ .name = "output-format",
	  .type = OPT_CHOICE,
	  .offset = offsetof(struct test_cli, output_format),
	  .def = "normal",
	  .choices = test_formats,
	  .help = "results format" },
	{ .name = "progress",
	  .type = OPT_BOOL,
	  .offset = offsetof(struct test_cli, progress),
	  .help = "status line" },
	{ .name = NULL },
};

static const struct option_def test_job_defs[] = {
	{ .name = "name", .type = OPT_STRING, .offset = offsetof(struct test_job, name) },
	{ .name = "bs",
	  .alias = "blocksize",
	  .type = OPT_SIZE,
	  .offset = offsetof(struct test_job, bs),
	  .def = "4k",
	  .min = 512 },
	{ .name = "size", .type = OPT_SIZE, .offset = offsetof(struct test_job, size) },
	{ .name = "direct", .type = OPT_BOOL, .offset = offsetof(struct test_job, direct) },
	{ .name = NULL },
};

struct test_java {
	char topic[OPT_STRING_MAX];
	int64_t records;
	double throughput;
	bool metrics;
};

#define JV(field) offsetof(struct test_java, field)

static const struct option_def test_java_defs[] = {
	{ .name = "topic", .type = OPT_STRING, .offset = JV(topic), .help = "topic" },
	{ .name = "num-records", .type = OPT_INT, .offset = JV(records), .help = "records" },
	{ .name = "throughput",
	  .type = OPT_RATE,
	  .offset = JV(throughput),
	  .def = "-1",
	  .no_limit = true,
	  .help = "records per second" },
	{ .name = "producer-props", .type = OPT_LIST, .arg_name = "PROP=VALUE", .help = "props" },
	{ .name = "print-metrics", .type = OPT_BOOL, .offset = JV(metrics), .help = "metrics" },
	{ .name = "payload-delimiter",
	  .type = OPT_REFUSED,
	  .help = "payload files are not read; --record-size instead" },
	{ .name = NULL },
};

/* ---- the fixture: up to two tables, the operands and callback calls seen ---- */

#define MAX_SEEN 8

struct test_fixture {
	struct test_pg pg;
	struct test_cli cli;
	struct test_job job;
	struct test_java java;
	struct option_set sets[2];
	struct opt_target targets[2];
	struct opt_argv p;
	char operands[MAX_SEEN][64];
	unsigned noperands;
	/* on_option's calls, as "target:name=value" */
	char calls[MAX_SEEN][96];
	unsigned ncalls;
	bool pass_on; /* on_option hands rows other than lists to opt_set */
	char err[256];
};

static int test_on_operand(void *arg, const char *text, char *err, size_t err_size)
{
	struct test_fixture *f = arg;

	if (f->noperands == MAX_SEEN) {
		snprintf(err, err_size, "too many operands");
		return -E2BIG;
	}
	snprintf(f->operands[f->noperands++], sizeof(f->operands[0]), "%s", text);
	return 0;
}

static int test_on_option(void *arg, unsigned target, const struct option_def *def,
			  const char *value, char *err, size_t err_size)
{
	struct test_fixture *f = arg;

	if (f->pass_on && def->type != OPT_LIST)
		return opt_set(f->targets[target].set, f->targets[target].config, def->name, value,
			       SRC_FLAG, err, err_size);
	if (value && !strcmp(value, "refuse")) {
		snprintf(err, err_size, "callback refused %s", def->name);
		return -EINVAL;
	}
	if (f->ncalls == MAX_SEEN) {
		snprintf(err, err_size, "too many calls");
		return -E2BIG;
	}
	snprintf(f->calls[f->ncalls++], sizeof(f->calls[0]), "%u:%s=%s", target, def->name,
		 value ? value : "(null)");
	return 0;
}

/* One table or two (fio's), with defaults applied, operands collected. */
static void test_tables(struct test_fixture *f, enum opt_style style,
			const struct option_def *first, void *first_config,
			const struct option_def *second, void *second_config)
{
	unsigned n = second ? 2 : 1;
	const struct option_def *defs[2] = { first, second };
	void *configs[2] = { first_config, second_config };

	for (unsigned t = 0; t < n; t++) {
		opt_set_free(&f->sets[t]);
		assert_int_equal(opt_set_init(&f->sets[t], defs[t]), 0);
		assert_int_equal(f->sets[t].count, opt_count(defs[t]));
		assert_int_equal(
			opt_apply_defaults(&f->sets[t], configs[t], f->err, sizeof(f->err)), 0);
		f->targets[t].set = &f->sets[t];
		f->targets[t].config = configs[t];
	}
	memset(&f->p, 0, sizeof(f->p));
	f->p.style = style;
	f->p.targets = f->targets;
	f->p.ntargets = n;
	f->p.on_operand = test_on_operand;
	f->p.arg = f;
	f->noperands = 0;
	f->ncalls = 0;
}

static int test_parse(struct test_fixture *f, const char *const *argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	f->err[0] = '\0';
	int ret = opt_parse_argv(&f->p, argc, (char **)argv, f->err, sizeof(f->err));
	assert_null(strchr(f->err, '\n'));
	return ret;
}

/* Parses in a fresh set of tables of the style, expecting success. */
static void test_ok(struct test_fixture *f, const char *const *argv)
{
	if (test_parse(f, argv))
		fail_msg("%s ...: unexpected error \"%s\"", argv[1], f->err);
}

static void test_fails(struct test_fixture *f, const char *const *argv, int ret,
		       const char *message)
{
	int got = test_parse(f, argv);

	if (got != ret)
		fail_msg("%s ...: returned %d, expected %d (\"%s\")", argv[1], got, ret, f->err);
	assert_string_equal(f->err, message);
}

static void test_pg_tables(struct test_fixture *f)
{
	test_tables(f, OPT_STYLE_GETOPT, test_pg_defs, &f->pg, NULL, NULL);
}

static void test_fio_tables(struct test_fixture *f)
{
	test_tables(f, OPT_STYLE_FIO, test_cli_defs, &f->cli, test_job_defs, &f->job);
}

static void test_java_tables(struct test_fixture *f)
{
	test_tables(f, OPT_STYLE_JAVA, test_java_defs, &f->java, NULL, NULL);
}

static int test_setup(void **state)
{
	struct test_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	unsetenv("TEST_PVC_ARGV_CLIENT");
	*state = f;
	return 0;
}

static int test_teardown(void **state)
{
	struct test_fixture *f = *state;

	opt_set_free(&f->sets[0]);
	opt_set_free(&f->sets[1]);
	unsetenv("TEST_PVC_ARGV_CLIENT");
	free(f);
	return 0;
}

/* ---- getopt style (pgbench) ---- */

static void test_getopt_values(void **state)
{
	struct test_fixture *f = *state;
	const struct {
		const char *const *argv;
		int64_t client;
	} forms[] = {
		{ ARGV("-c10"), 10 },
		{ ARGV("-c", "11"), 11 },
		{ ARGV("--client=12"), 12 },
		{ ARGV("--client", "13"), 13 },
		/* unambiguous prefixes, as getopt_long takes them */
		{ ARGV("--cli=14"), 14 },
		{ ARGV("--cl", "15"), 15 },
		{ ARGV("-c1", "-c", "16"), 16 }, /* the last one wins */
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		test_pg_tables(f);
		test_ok(f, forms[i].argv);
		if (f->pg.client != forms[i].client)
			fail_msg("form %zu: client %lld, expected %lld", i, (long long)f->pg.client,
				 (long long)forms[i].client);
		assert_true(opt_given(&f->sets[0], "client"));
		assert_int_equal(f->sets[0].source[opt_row_index(&f->sets[0], "client")], SRC_FLAG);
		assert_int_equal(f->noperands, 0);
	}
	/* getopt takes what follows as the value, even with a dash; the table refuses it */
	test_pg_tables(f);
	test_fails(f, ARGV("-c", "-5"), -ERANGE, "--client=-5: must not be negative");
	test_fails(f, ARGV("-cabc"), -EINVAL, "--client=abc: not a whole number");
	test_fails(f, ARGV("--client="), -EINVAL, "--client: needs a value");
	/* a rate with a suffix, through its short letter */
	test_pg_tables(f);
	test_ok(f, ARGV("-R2k"));
	assert_true(f->pg.rate == 2000);
	test_fails(f, ARGV("-R", "0"), -ERANGE, "--rate=0: must be above 0");
}

static void test_getopt_clusters(void **state)
{
	struct test_fixture *f = *state;

	test_pg_tables(f);
	test_ok(f, ARGV("-nC"));
	assert_true(f->pg.no_vacuum);
	assert_true(f->pg.connect);
	assert_false(f->pg.initialize);

	/* a value at the end of a cluster, glued or as the next argument */
	test_pg_tables(f);
	test_ok(f, ARGV("-nc17"));
	assert_true(f->pg.no_vacuum);
	assert_int_equal(f->pg.client, 17);
	test_pg_tables(f);
	test_ok(f, ARGV("-inF", "90"));
	assert_true(f->pg.initialize);
	assert_true(f->pg.no_vacuum);
	assert_int_equal(f->pg.fillfactor, 90);
	assert_false(f->pg.connect);

	/* a letter that takes a value ends the cluster: the rest is its value */
	test_pg_tables(f);
	test_fails(f, ARGV("-cn"), -EINVAL, "--client=n: not a whole number");
	assert_false(f->pg.no_vacuum);

	/* a value missing at the end of argv, short and long */
	test_pg_tables(f);
	test_fails(f, ARGV("-n", "-c"), -EINVAL, "option -c needs a value");
	test_fails(f, ARGV("-nc"), -EINVAL, "option -c needs a value");
	test_fails(f, ARGV("--client"), -EINVAL, "option --client needs a value");
	test_fails(f, ARGV("-i", "--fill"), -EINVAL, "option --fillfactor needs a value");
}

static void test_getopt_operands(void **state)
{
	struct test_fixture *f = *state;

	/* permuted: operands anywhere, options after them still read */
	test_pg_tables(f);
	test_ok(f, ARGV("db1", "-c", "3", "db2", "-n"));
	assert_int_equal(f->noperands, 2);
	assert_string_equal(f->operands[0], "db1");
	assert_string_equal(f->operands[1], "db2");
	assert_int_equal(f->pg.client, 3);
	assert_true(f->pg.no_vacuum);

	/* -- ends the options; a lone - is an operand */
	test_pg_tables(f);
	test_ok(f, ARGV("-c", "3", "--", "-n", "--client=4", "--"));
	assert_int_equal(f->pg.client, 3);
	assert_false(f->pg.no_vacuum);
	assert_int_equal(f->noperands, 3);
	assert_string_equal(f->operands[0], "-n");
	assert_string_equal(f->operands[1], "--client=4");
	assert_string_equal(f->operands[2], "--");
	test_pg_tables(f);
	test_ok(f, ARGV("-", "-n"));
	assert_int_equal(f->noperands, 1);
	assert_string_equal(f->operands[0], "-");
	assert_true(f->pg.no_vacuum);
	/* the value of an option is not an operand, even one that looks like a name */
	test_pg_tables(f);
	test_ok(f, ARGV("-b", "db", "x"));
	assert_string_equal(f->pg.builtin, "db");
	assert_int_equal(f->noperands, 1);

	/* without on_operand an operand is an error */
	test_pg_tables(f);
	f->p.on_operand = NULL;
	test_fails(f, ARGV("-n", "db"), -EINVAL, "unexpected argument \"db\"");
}

static void test_getopt_fixed(void **state)
{
	struct test_fixture *f = *state;

	test_pg_tables(f);
	/* the fixed rows have no default: builtin's stands */
	assert_string_equal(f->pg.builtin, "tpcb-like");
	assert_false(opt_given(&f->sets[0], "builtin"));
	test_ok(f, ARGV("-S"));
	assert_string_equal(f->pg.builtin, "select-only");
	/* -S is --builtin=select-only: the row that owns the field was given too */
	assert_true(opt_given(&f->sets[0], "select-only"));
	assert_true(opt_given(&f->sets[0], "builtin"));
	assert_false(opt_given(&f->sets[0], "simple-update"));

	test_pg_tables(f);
	test_ok(f, ARGV("-N"));
	assert_string_equal(f->pg.builtin, "simple-update");
	test_pg_tables(f);
	test_ok(f, ARGV("--select-only"));
	assert_string_equal(f->pg.builtin, "select-only");
	/* a fixed letter inside a cluster takes no value: the cluster goes on */
	test_pg_tables(f);
	test_ok(f, ARGV("-Sc5", "-n"));
	assert_string_equal(f->pg.builtin, "select-only");
	assert_int_equal(f->pg.client, 5);
	assert_true(f->pg.no_vacuum);
	/* the last of -S, -N and -b wins */
	test_pg_tables(f);
	test_ok(f, ARGV("-S", "-b", "tpcb-like", "-N"));
	assert_string_equal(f->pg.builtin, "simple-update");

	test_pg_tables(f);
	test_fails(f, ARGV("--select-only=x"), -EINVAL, "option --select-only takes no value");
	assert_string_equal(f->pg.builtin, "tpcb-like");

	/* on_option gets the fixed text as the value */
	test_pg_tables(f);
	f->p.on_option = test_on_option;
	test_ok(f, ARGV("-nS"));
	assert_int_equal(f->ncalls, 2);
	assert_string_equal(f->calls[0], "0:no-vacuum=(null)");
	assert_string_equal(f->calls[1], "0:select-only=select-only");
	/* with a callback the config is the callback's business */
	assert_string_equal(f->pg.builtin, "tpcb-like");
	assert_false(f->pg.no_vacuum);
}

static void test_getopt_help_letter(void **state)
{
	struct test_fixture *f = *state;

	test_pg_tables(f);
	test_ok(f, ARGV("-?"));
	assert_true(f->pg.help);
	test_pg_tables(f);
	test_ok(f, ARGV("-n?"));
	assert_true(f->pg.help);

	/* a table without a '?' row: -? is unknown like any letter */
	test_java_tables(f);
	f->p.style = OPT_STYLE_GETOPT;
	test_fails(f, ARGV("-?"), -ENOENT, "unknown option -?");
}

static void test_getopt_errors(void **state)
{
	struct test_fixture *f = *state;

	test_pg_tables(f);
	test_fails(f, ARGV("-x"), -ENOENT, "unknown option -x");
	test_fails(f, ARGV("-nx"), -ENOENT, "unknown option -x");
	test_fails(f, ARGV("--clinet=3"), -ENOENT,
		   "unknown option --clinet; did you mean --client?");
	test_fails(f, ARGV("--zzzzzzzz"), -ENOENT, "unknown option --zzzzzzzz (see --help)");
	/* a hidden row is not suggested, but it is read */
	test_fails(f, ARGV("--internl"), -ENOENT, "unknown option --internl (see --help)");
	test_ok(f, ARGV("--internal"));
	assert_true(f->pg.internal);

	/* ambiguous prefixes name every candidate, in table order */
	test_pg_tables(f);
	test_fails(f, ARGV("--c=3"), -EINVAL,
		   "option --c is ambiguous; possibilities: --client --connect");
	test_fails(f, ARGV("--fil", "x"), -EINVAL,
		   "option --fil is ambiguous; possibilities: --fillfactor --file");
	/* one letter more settles it */
	test_ok(f, ARGV("--con", "--fill=80"));
	assert_true(f->pg.connect);
	assert_int_equal(f->pg.fillfactor, 80);
	/* an exact name beats the longer names it is a prefix of */
	struct test_pg cfg;
	const struct option_def defs[] = {
		{ .name = "log", .type = OPT_BOOL, .offset = PG(connect), .help = "a" },
		{ .name = "log-prefix", .type = OPT_BOOL, .offset = PG(help), .help = "b" },
		{ .name = NULL },
	};
	test_tables(f, OPT_STYLE_GETOPT, defs, &cfg, NULL, NULL);
	test_ok(f, ARGV("--log"));
	assert_true(cfg.connect);
	assert_false(cfg.help);

	/* refused rows, by letter, by name and by prefix */
	test_pg_tables(f);
	test_fails(f, ARGV("-f", "x.sql"), -EINVAL,
		   "option -f is not supported: custom script files");
	test_fails(f, ARGV("-nf"), -EINVAL, "option -f is not supported: custom script files");
	test_fails(f, ARGV("--file=x.sql"), -EINVAL,
		   "option --file is not supported: custom script files");
	/* parsing stops at the first error */
	test_pg_tables(f);
	test_fails(f, ARGV("-c", "3", "-x", "-c", "4"), -ENOENT, "unknown option -x");
	assert_int_equal(f->pg.client, 3);

	/* a callback's error stops the parse with its message */
	test_pg_tables(f);
	f->p.on_option = test_on_option;
	test_fails(f, ARGV("-b", "refuse", "-n"), -EINVAL, "callback refused builtin");
	assert_int_equal(f->ncalls, 0);
}

/* ---- modes ---- */

static void test_modes(void **state)
{
	struct test_fixture *f = *state;

	test_pg_tables(f);
	/* nothing given: no row is out of its mode */
	assert_null(opt_check_mode(&f->sets[0], OPT_MODE_INIT));
	assert_null(opt_check_mode(&f->sets[0], OPT_MODE_RUN));
	test_ok(f, ARGV("-i", "-n", "-F", "90"));
	assert_null(opt_check_mode(&f->sets[0], OPT_MODE_INIT));
	assert_ptr_equal(opt_check_mode(&f->sets[0], OPT_MODE_RUN),
			 opt_find(test_pg_defs, "fillfactor"));

	test_pg_tables(f);
	test_ok(f, ARGV("-i", "-n", "-c", "4", "-C"));
	/* the first in table order */
	assert_ptr_equal(opt_check_mode(&f->sets[0], OPT_MODE_INIT),
			 opt_find(test_pg_defs, "client"));
	assert_null(opt_check_mode(&f->sets[0], OPT_MODE_RUN));
	/* a row allowed in both modes is fine in either */
	assert_null(opt_check_mode(&f->sets[0], OPT_MODE_INIT | OPT_MODE_RUN));

	/* a fixed flag counts, through itself and the row it sets */
	test_pg_tables(f);
	test_ok(f, ARGV("-S", "-i"));
	const struct option_def *d = opt_check_mode(&f->sets[0], OPT_MODE_INIT);
	assert_non_null(d);
	assert_string_equal(d->name, "builtin");

	/* an environment variable is given by the user too; a preset is not */
	test_pg_tables(f);
	setenv("TEST_PVC_ARGV_CLIENT", "8", 1);
	assert_int_equal(opt_apply_env(&f->sets[0], &f->pg, f->err, sizeof(f->err)), 0);
	assert_true(opt_given(&f->sets[0], "client"));
	assert_ptr_equal(opt_check_mode(&f->sets[0], OPT_MODE_INIT),
			 opt_find(test_pg_defs, "client"));
	unsetenv("TEST_PVC_ARGV_CLIENT");
	test_pg_tables(f);
	assert_int_equal(
		opt_set(&f->sets[0], &f->pg, "client", "2", SRC_PRESET, f->err, sizeof(f->err)), 0);
	assert_true(opt_given(&f->sets[0], "client"));
	assert_null(opt_check_mode(&f->sets[0], OPT_MODE_INIT));
}

static void test_rows_and_sets(void **state)
{
	struct test_fixture *f = *state;
	struct option_set set;

	assert_int_equal(opt_set_init(&set, test_pg_defs), 0);
	assert_ptr_equal(set.defs, test_pg_defs);
	assert_int_equal(set.count, opt_count(test_pg_defs));
	for (unsigned i = 0; i < set.count; i++)
		assert_int_equal(set.source[i], SRC_DEFAULT);
	assert_int_equal(opt_row_index(&set, "initialize"), 0);
	assert_int_equal(opt_row_index(&set, "rate"), 8);
	assert_int_equal(opt_row_index(&set, "nope"), -1);
	assert_false(opt_given(&set, "nope"));
	opt_set_free(&set);
	assert_null(set.source);
	opt_set_free(&set);

	/* rows without a field of their own */
	assert_true(opt_has_field(opt_find(test_pg_defs, "builtin")));
	assert_false(opt_has_field(opt_find(test_pg_defs, "select-only")));
	assert_false(opt_has_field(opt_find(test_pg_defs, "file")));
	assert_false(opt_has_field(opt_find(test_java_defs, "producer-props")));
	/* a refused row is refused wherever it comes from, a job file too */
	test_pg_tables(f);
	assert_int_equal(
		opt_set(&f->sets[0], &f->pg, "file", "x", SRC_JOBFILE, f->err, sizeof(f->err)),
		-EINVAL);
	assert_string_equal(f->err, "option file is not supported: custom script files");
	/* a fixed row through opt_set: its own text or nothing */
	assert_int_equal(opt_set(&f->sets[0], &f->pg, "simple-update", NULL, SRC_JOBFILE, f->err,
				 sizeof(f->err)),
			 0);
	assert_string_equal(f->pg.builtin, "simple-update");
	assert_int_equal(opt_set(&f->sets[0], &f->pg, "select-only", "tpcb-like", SRC_FLAG, f->err,
				 sizeof(f->err)),
			 -EINVAL);
	assert_string_equal(f->err, "--select-only=tpcb-like: takes no value");
	assert_string_equal(f->pg.builtin, "simple-update");
}

/* ---- fio style ---- */

static void test_fio(void **state)
{
	struct test_fixture *f = *state;

	test_fio_tables(f);
	test_ok(f, ARGV("--bs=8k", "--size", "1G", "--output-format", "json", "--progress"));
	assert_int_equal(f->job.bs, 8192);
	assert_int_equal(f->job.size, 1ULL << 30);
	assert_string_equal(f->cli.output_format, "json");
	assert_true(f->cli.progress);
	assert_true(opt_given(&f->sets[1], "bs"));
	assert_false(opt_given(&f->sets[1], "direct"));

	/* a boolean never takes the next argument: that is a job file */
	test_fio_tables(f);
	test_ok(f, ARGV("a.fio", "--direct", "b.fio", "--blocksize", "16k", "c.fio"));
	assert_true(f->job.direct);
	assert_int_equal(f->job.bs, 16384);
	assert_int_equal(f->noperands, 3);
	assert_string_equal(f->operands[0], "a.fio");
	assert_string_equal(f->operands[1], "b.fio");
	assert_string_equal(f->operands[2], "c.fio");
	test_fio_tables(f);
	test_ok(f, ARGV("--direct=0", "--progress=yes"));
	assert_false(f->job.direct);
	assert_true(f->cli.progress);

	/* single dashes are job files in fio's style; -- ends the options */
	test_fio_tables(f);
	test_ok(f, ARGV("-x", "--", "--bs=1k"));
	assert_int_equal(f->noperands, 2);
	assert_string_equal(f->operands[0], "-x");
	assert_string_equal(f->operands[1], "--bs=1k");
	assert_int_equal(f->job.bs, 4096);

	/* a value cannot start with --: the option before it lacks one */
	test_fio_tables(f);
	test_fails(f, ARGV("--bs", "--direct"), -EINVAL, "option --bs needs a value");
	test_fails(f, ARGV("--direct", "--bs"), -EINVAL, "option --bs needs a value");
	test_fails(f, ARGV("--bs=0"), -ERANGE, "--bs=0: must be at least 512");
	/* no prefixes in fio's style; "did you mean" looks in both tables */
	test_fails(f, ARGV("--b=4k"), -ENOENT, "unknown option --b; did you mean --bs?");
	test_fails(f, ARGV("--blocksiz=4k"), -ENOENT,
		   "unknown option --blocksiz; did you mean --bs?");
	test_fails(f, ARGV("--progres"), -ENOENT,
		   "unknown option --progres; did you mean --progress?");
	test_fails(f, ARGV("--output-formt=json"), -ENOENT,
		   "unknown option --output-formt; did you mean --output-format?");
	test_fails(f, ARGV("--sizee=1G"), -ENOENT, "unknown option --sizee; did you mean --size?");

	/* fio's jobs: on_option sees every option with its table, in order */
	test_fio_tables(f);
	f->p.on_option = test_on_option;
	test_ok(f, ARGV("--name", "a", "--bs=4k", "x.fio", "--name=b", "--direct", "--progress"));
	assert_int_equal(f->ncalls, 5);
	assert_string_equal(f->calls[0], "1:name=a");
	assert_string_equal(f->calls[1], "1:bs=4k");
	assert_string_equal(f->calls[2], "1:name=b");
	assert_string_equal(f->calls[3], "1:direct=(null)");
	assert_string_equal(f->calls[4], "0:progress=(null)");
	assert_int_equal(f->noperands, 1);
	assert_string_equal(f->job.name, "");
}

/* ---- the Java tools' style ---- */

static void test_java(void **state)
{
	struct test_fixture *f = *state;

	test_java_tables(f);
	assert_true(f->java.throughput == -1);
	test_ok(f,
		ARGV("--topic", "t1", "--num-records=5", "--throughput", "-1", "--print-metrics"));
	assert_string_equal(f->java.topic, "t1");
	assert_int_equal(f->java.records, 5);
	assert_true(f->java.throughput == -1);
	assert_true(f->java.metrics);
	test_java_tables(f);
	test_ok(f, ARGV("--throughput", "10k", "--topic=-t-"));
	assert_true(f->java.throughput == 10000);
	assert_string_equal(f->java.topic, "-t-");

	/* lists: every argument up to the next --name, one call each */
	test_java_tables(f);
	f->p.on_option = test_on_option;
	f->pass_on = true;
	test_ok(f, ARGV("--producer-props", "a=1", "b=2", "--topic", "t", "--producer-props=c=3",
			"d=4"));
	assert_int_equal(f->ncalls, 4);
	assert_string_equal(f->calls[0], "0:producer-props=a=1");
	assert_string_equal(f->calls[1], "0:producer-props=b=2");
	assert_string_equal(f->calls[2], "0:producer-props=c=3");
	assert_string_equal(f->calls[3], "0:producer-props=d=4");
	assert_string_equal(f->java.topic, "t");
	test_fails(f, ARGV("--producer-props", "--topic", "t"), -EINVAL,
		   "option --producer-props needs at least one value");
	test_fails(f, ARGV("--topic", "t", "--producer-props"), -EINVAL,
		   "option --producer-props needs at least one value");
	f->ncalls = 0;
	test_fails(f, ARGV("--producer-props", "a=1", "refuse"), -EINVAL,
		   "callback refused producer-props");
	assert_int_equal(f->ncalls, 1);
	/* without a callback a list only says that it was given */
	test_java_tables(f);
	test_ok(f, ARGV("--producer-props", "a=1"));
	assert_true(opt_given(&f->sets[0], "producer-props"));

	/* operands are errors unless the command takes them */
	test_java_tables(f);
	f->p.on_operand = NULL;
	test_fails(f, ARGV("--topic", "t", "extra"), -EINVAL, "unexpected argument \"extra\"");
	test_fails(f, ARGV("-x"), -EINVAL, "unexpected argument \"-x\"");
	test_fails(f, ARGV("--topic"), -EINVAL, "option --topic needs a value");
	test_fails(f, ARGV("--topic", "--num-records", "3"), -EINVAL,
		   "option --topic needs a value");
	test_fails(f, ARGV("--payload-delimiter", ","), -EINVAL,
		   "option --payload-delimiter is not supported: payload files are not read; "
		   "--record-size instead");
	/* no prefixes in the Java style */
	test_fails(f, ARGV("--num-record", "5"), -ENOENT,
		   "unknown option --num-record; did you mean --num-records?");
	test_fails(f, ARGV("--top", "t"), -ENOENT, "unknown option --top; did you mean --topic?");
	test_fails(f, ARGV("--throughput", "fast"), -EINVAL,
		   "--throughput=fast: not a number; use a decimal with an optional k or m suffix");
}

/* ---- --help in each style ---- */

struct test_help_config {
	int64_t client;
	bool progress;
	char mode[OPT_STRING_MAX];
	char builtin[OPT_STRING_MAX];
	uint64_t bs;
};

static const char *const test_help_modes[] = { "a", "b", NULL };

#define HC(field) offsetof(struct test_help_config, field)

static const struct option_def test_help_defs[] = {
	{ .name = "client",
	  .short_name = 'c',
	  .type = OPT_INT,
	  .offset = HC(client),
	  .def = "1",
	  .help = "clients" },
	{ .name = "select-only",
	  .short_name = 'S',
	  .type = OPT_STRING,
	  .offset = HC(builtin),
	  .fixed = "select-only",
	  .help = "= --builtin=select-only" },
	{ .name = "progress",
	  .type = OPT_BOOL,
	  .offset = HC(progress),
	  .def = "0",
	  .help = "progress" },
	{ .name = "mode",
	  .env = "TEST_X",
	  .env_alt = "TEST_Y",
	  .type = OPT_CHOICE,
	  .offset = HC(mode),
	  .def = "a",
	  .choices = test_help_modes,
	  .help = "mode" },
	{ .name = "props", .type = OPT_LIST, .arg_name = "K=V", .help = "properties" },
	{ .name = "bs",
	  .alias = "blocksize",
	  .type = OPT_SIZE,
	  .offset = HC(bs),
	  .def = "4k",
	  .help = "block size" },
	{ .name = "old", .type = OPT_BOOL, .offset = HC(progress), .hidden = true, .help = "x" },
	{ .name = "file", .short_name = 'f', .type = OPT_REFUSED, .help = "refused" },
	{ .name = NULL },
};

static void test_help_text(enum opt_style style, const char *expected)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	opt_print_help_style(test_help_defs, style, out);
	fclose(out);
	assert_string_equal(text, expected);
	free(text);
}

static void test_help(void **state)
{
	test_help_text(OPT_STYLE_GETOPT,
		       "  -c, --client=NUM   clients (default 1)\n"
		       "  -S, --select-only  = --builtin=select-only\n"
		       "  --progress         progress\n"
		       "  --mode=VALUE       mode (a or b) (default a) (env TEST_X, TEST_Y)\n"
		       "  --props=K=V...     properties\n"
		       "  --bs=SIZE          block size (default 4k) (alias --blocksize)\n");
	test_help_text(OPT_STYLE_JAVA,
		       "  --client NUM    clients (default 1)\n"
		       "  --select-only   = --builtin=select-only\n"
		       "  --progress      progress\n"
		       "  --mode VALUE    mode (a or b) (default a) (env TEST_X, TEST_Y)\n"
		       "  --props K=V...  properties\n"
		       "  --bs SIZE       block size (default 4k) (alias --blocksize)\n");
	test_help_text(OPT_STYLE_FIO,
		       "  --client=NUM    clients (default 1)\n"
		       "  --select-only   = --builtin=select-only\n"
		       "  --progress      progress\n"
		       "  --mode=VALUE    mode (a or b) (default a) (env TEST_X, TEST_Y)\n"
		       "  --props=K=V...  properties\n"
		       "  --bs=SIZE       block size (default 4k) (alias --blocksize)\n");

	/* the old printer is the fio style */
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	assert_non_null(out);
	opt_print_help(test_help_defs, out);
	fclose(out);
	assert_non_null(strstr(text, "  --bs=SIZE       block size"));
	free(text);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, test_setup, test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_getopt_values), T(test_getopt_clusters),	    T(test_getopt_operands),
		T(test_getopt_fixed),  T(test_getopt_help_letter),  T(test_getopt_errors),
		T(test_modes),	       T(test_rows_and_sets),	    T(test_fio),
		T(test_java),	       cmocka_unit_test(test_help),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
