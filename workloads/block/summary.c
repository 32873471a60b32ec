/*
 * summary.c - the white paper's "FIO Summary": the dbench script's nine fio runs on one file in
 * the mountpoint, each printed as it finishes, then the summary in exactly the seed's format.
 *
 * Settings come from the seed's environment variables (FIO_MOUNTPOINT, FIO_SIZE,
 * FIO_OFFSET_INCREMENT, FIO_DIRECT, FIO_QUICK, RUN_TIME; dbench's DBENCH_MOUNTPOINT and
 * DBENCH_QUICK too) or the matching flags. The one file is laid out once, big enough for the
 * sequential runs (numjobs 4 at offset_increment apart: 3 * increment + size), after a space
 * check, and removed at the end unless --keep.
 *
 * The command skeleton (src/core/command.c) parses, opens and commits the outputs, runs each
 * test's plan and writes the JSON envelope; this file is the suite: its table of tests, the
 * file, and the summary in text and JSON.
 */
#define _GNU_SOURCE
#include "block.h"
#include "pvcbench/fmt.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvcbench/signals.h"
#include "pvcbench/workloads.h"

#define ERR_SIZE 1024
#define SEQ_JOBS 4

struct sum_options {
	char mountpoint[OPT_STRING_MAX];
	uint64_t size;
	uint64_t offset_increment;
	bool direct;
	bool quick;
	uint64_t runtime;
	uint64_t ramp_time;
	char ioengine[OPT_STRING_MAX];
	bool keep;
	bool force;
};

/* The command's config: the suite's options, then the program options. */
struct sum_config {
	struct sum_options o;
	struct blk_cli cli;
};

#define F(field) offsetof(struct sum_config, o.field)

static const struct option_def sum_defs[] = {
	{ .name = "mountpoint",
	  .env = "FIO_MOUNTPOINT",
	  .env_alt = "DBENCH_MOUNTPOINT",
	  .type = OPT_STRING,
	  .offset = F(mountpoint),
	  .def = "/data",
	  .help = "directory to test (the PVC's mountpoint); the file fiotest is made in it" },
	{ .name = "size",
	  .env = "FIO_SIZE",
	  .type = OPT_SIZE,
	  .offset = F(size),
	  .def = "2G",
	  .min = 4096,
	  .help = "size each test addresses" },
	{ .name = "offset_increment",
	  .env = "FIO_OFFSET_INCREMENT",
	  .type = OPT_SIZE,
	  .offset = F(offset_increment),
	  .def = "500M",
	  .help = "distance between the 4 sequential jobs' regions" },
	{ .name = "direct",
	  .env = "FIO_DIRECT",
	  .type = OPT_BOOL,
	  .offset = F(direct),
	  .def = "1",
	  .help = "O_DIRECT I/O" },
	{ .name = "quick",
	  .env = "FIO_QUICK",
	  .env_alt = "DBENCH_QUICK",
	  .type = OPT_BOOL,
	  .offset = F(quick),
	  .def = "0",
	  .help = "only the four random IOPS and bandwidth tests" },
	{ .name = "runtime",
	  .env = "RUN_TIME",
	  .type = OPT_TIME,
	  .offset = F(runtime),
	  .def = "15s",
	  .min = 100000000,
	  .unit_ns = 1000000000ULL,
	  .help = "run time of each test" },
	{ .name = "ramp_time",
	  .type = OPT_TIME,
	  .offset = F(ramp_time),
	  .def = "2s",
	  .unit_ns = 1000000000ULL,
	  .help = "ramp before each test's measurement" },
	{ .name = "ioengine",
	  .env = "FIO_IOENGINE",
	  .type = OPT_CHOICE,
	  .offset = F(ioengine),
	  .def = "auto",
	  .choices = blk_engine_choices, /* from the engine table (engine.c) */
	  .help = "I/O engine; auto: the first of the others that starts, in this order" },
	{ .name = "keep",
	  .type = OPT_BOOL,
	  .offset = F(keep),
	  .def = "0",
	  .help = "keep the fiotest file at the end" },
	{ .name = "force",
	  .type = OPT_BOOL,
	  .offset = F(force),
	  .def = "0",
	  .help = "use an existing fiotest file pvcbench did not create" },
	BLK_CLI_OPTIONS(struct sum_config, cli),
	{ 0 }
};
/* The suite's own rows come first: the config echo of the summary shows those. */
#define SUM_ROWS 10

struct sum_test {
	const char *title; /* as dbench announces it */
	const char *name;  /* the fio job name dbench gives it */
	const char *rw, *bs;
	const char *iodepth;
	bool full_only, sequential;
	const char *rwmixread;
};

enum {
	T_READ_IOPS,
	T_WRITE_IOPS,
	T_READ_BW,
	T_WRITE_BW,
	T_READ_LAT,
	T_WRITE_LAT,
	T_READ_SEQ,
	T_WRITE_SEQ,
	T_MIX,
	T_COUNT
};

static const struct sum_test tests[T_COUNT] = {
	{ "Read IOPS", "read_iops", "randread", "4k", "64", false, false, NULL },
	{ "Write IOPS", "write_iops", "randwrite", "4k", "64", false, false, NULL },
	{ "Read Bandwidth", "read_bw", "randread", "128k", "64", false, false, NULL },
	{ "Write Bandwidth", "write_bw", "randwrite", "128k", "64", false, false, NULL },
	{ "Read Latency", "read_latency", "randread", "4k", "4", true, false, NULL },
	{ "Write Latency", "write_latency", "randwrite", "4k", "4", true, false, NULL },
	{ "Read Sequential Speed", "read_seq", "read", "1M", "16", true, true, NULL },
	{ "Write Sequential Speed", "write_seq", "write", "1M", "16", true, true, NULL },
	{ "Read/Write Mixed", "rw_mix", "randrw", "4k", "64", true, false, "75" },
};

struct summary {
	const struct sum_options *o;
	const struct option_set *set; /* the command's: the sources of the suite's options */
	struct blk_job jobs[T_COUNT];
	struct blk_job *job_ptr[T_COUNT];
	struct blk_group_result groups[T_COUNT];
	bool planned[T_COUNT], ran[T_COUNT];
	unsigned test_of[T_COUNT]; /* the test of each run */
	unsigned next;		   /* the next test to consider */
	bool failed;		   /* a test failed: the rest did not run */
	struct blk_file file;
	bool file_made;
	char path[4096];
	struct blk_run_settings settings;
};

/* Sets a job option, with the source of the suite setting it comes from. */
static int job_set(struct blk_job *job, const char *key, const char *value, enum opt_source source,
		   char *err)
{
	return opt_set(&job->set, &job->o, key, value, source, err, ERR_SIZE);
}

static int job_set_from(struct summary *s, struct blk_job *job, const char *sum_key,
			const char *job_key, char *err)
{
	const struct option_def *def = opt_find(sum_defs, sum_key);
	char value[OPT_STRING_MAX];

	opt_format_value(def, s->o, value, sizeof(value));
	/* times print in whole units; sizes in the largest exact suffix: both parse back exactly */
	return job_set(job, job_key, value, s->set->source[def - sum_defs], err);
}

static int build_job(struct summary *s, unsigned t, char *err)
{
	const struct sum_test *test = &tests[t];
	struct blk_job *job = &s->jobs[t];
	int ret;

	ret = blk_job_init(job, err, ERR_SIZE);
	ret = ret ?: job_set(job, "name", test->name, SRC_PRESET, err);
	ret = ret ?: job_set(job, "filename", s->path, SRC_PRESET, err);
	ret = ret ?: job_set(job, "rw", test->rw, SRC_PRESET, err);
	ret = ret ?: job_set(job, "bs", test->bs, SRC_PRESET, err);
	ret = ret ?: job_set(job, "iodepth", test->iodepth, SRC_PRESET, err);
	ret = ret ?: job_set(job, "time_based", "1", SRC_PRESET, err);
	ret = ret ?: job_set(job, "randrepeat", "0", SRC_PRESET, err);
	/* the suite made and checked the file: the jobs may write it, and must not remove it */
	ret = ret ?: job_set(job, "force", "1", SRC_PRESET, err);
	ret = ret ?: job_set(job, "keep", "1", SRC_PRESET, err);
	ret = ret ?: job_set_from(s, job, "size", "size", err);
	ret = ret ?: job_set_from(s, job, "direct", "direct", err);
	ret = ret ?: job_set_from(s, job, "runtime", "runtime", err);
	ret = ret ?: job_set_from(s, job, "ramp_time", "ramp_time", err);
	ret = ret ?: job_set_from(s, job, "ioengine", "ioengine", err);
	if (!ret && test->sequential) {
		char n[8];
		snprintf(n, sizeof(n), "%d", SEQ_JOBS);
		ret = job_set(job, "numjobs", n, SRC_PRESET, err);
		ret = ret ?: job_set_from(s, job, "offset_increment", "offset_increment", err);
	}
	if (!ret && test->rwmixread)
		ret = job_set(job, "rwmixread", test->rwmixread, SRC_PRESET, err);
	if (!ret)
		ret = blk_job_validate(job, err, ERR_SIZE);
	job->groupid = t;
	s->job_ptr[t] = job;
	return ret;
}

/*
 * The totals of test t in one direction; false when there is nothing to show: the test did not
 * run, or was stopped or failed before anything completed (a 0 would read as a measurement).
 */
static bool measured(const struct summary *s, unsigned t, unsigned dir, struct op_stats *st,
		     uint64_t *runtime_ns)
{
	const struct blk_group_result *gr = &s->groups[t];

	if (!s->ran[t])
		return false;
	blk_job_totals(gr, &s->jobs[t], dir, st, runtime_ns);
	return st->ops || (!gr->run.interrupted && !gr->ret);
}

/* IOPS and BW exactly as fio's stat line prints them, for the one job of test t. */
static void stat_strings(const struct summary *s, unsigned t, unsigned dir, char *iops, char *bw,
			 size_t size)
{
	struct op_stats st;
	uint64_t runtime_ns = 0;

	if (!measured(s, t, dir, &st, &runtime_ns)) {
		snprintf(iops, size, "n/a");
		snprintf(bw, size, "n/a");
		return;
	}
	fmt_fio_iops(iops, size, st.ops, fmt_fio_msec(runtime_ns));
	fmt_fio_bw(bw, size, st.bytes, fmt_fio_msec(runtime_ns), 0);
}

static void latency_string(const struct summary *s, unsigned t, unsigned dir, char *buf,
			   size_t size)
{
	struct op_stats st;

	if (!measured(s, t, dir, &st, NULL)) {
		snprintf(buf, size, "n/a");
		return;
	}
	snprintf(buf, size, "%.2f", hist_mean(&st.lat) / 1000.0);
}

struct sum_lines {
	char line[4][256];
	unsigned n;
};

static void summary_lines(const struct summary *s, struct sum_lines *l)
{
	char a[32], b[32], c[32], d[32], unused[32];

	stat_strings(s, T_READ_IOPS, IO_READ, a, unused, sizeof(a));
	stat_strings(s, T_WRITE_IOPS, IO_WRITE, b, unused, sizeof(b));
	stat_strings(s, T_READ_BW, IO_READ, unused, c, sizeof(c));
	stat_strings(s, T_WRITE_BW, IO_WRITE, unused, d, sizeof(d));
	snprintf(l->line[0], sizeof(l->line[0]), "Random Read/Write IOPS: %s/%s. BW: %s / %s", a, b,
		 c, d);
	l->n = 1;
	if (s->o->quick)
		return;
	latency_string(s, T_READ_LAT, IO_READ, a, sizeof(a));
	latency_string(s, T_WRITE_LAT, IO_WRITE, b, sizeof(b));
	snprintf(l->line[1], sizeof(l->line[1]), "Average Latency (usec) Read/Write: %s/%s", a, b);
	/* the group's aggregate READ:/WRITE: bandwidth of the four sequential jobs */
	stat_strings(s, T_READ_SEQ, IO_READ, unused, a, sizeof(a));
	stat_strings(s, T_WRITE_SEQ, IO_WRITE, unused, b, sizeof(b));
	snprintf(l->line[2], sizeof(l->line[2]), "Sequential Read/Write: %s / %s", a, b);
	stat_strings(s, T_MIX, IO_READ, a, unused, sizeof(a));
	stat_strings(s, T_MIX, IO_WRITE, b, unused, sizeof(b));
	snprintf(l->line[3], sizeof(l->line[3]), "Mixed Random Read/Write IOPS: %s/%s", a, b);
	l->n = 4;
}

/* The "summary" member after fio's jobs and series: the suite's settings and numbers. */
static void print_json_summary(struct summary *s, struct jsonw *j, const struct sum_lines *l)
{
	static const char *const keys[T_COUNT] = { "read_iops", "write_iops",	"read_bw",
						   "write_bw",	"read_latency", "write_latency",
						   "read_seq",	"write_seq",	"rw_mix" };
	struct option_set echo = *s->set;

	echo.count = SUM_ROWS;
	jsonw_object_begin(j, "summary");
	jsonw_bool(j, "quick", s->o->quick);
	jsonw_bool(j, "interrupted", signals_received() != 0);
	report_config_json(j, &echo, s->o);
	jsonw_object_begin(j, "tests");
	for (unsigned t = 0; t < T_COUNT; t++) {
		if (!s->ran[t])
			continue;
		jsonw_object_begin(j, keys[t]);
		for (unsigned dir = 0; dir < 2; dir++) {
			struct op_stats st;
			uint64_t rt;
			blk_job_totals(&s->groups[t], &s->jobs[t], dir, &st, &rt);
			if (!st.ops)
				continue;
			jsonw_object_begin(j, dir ? "write" : "read");
			uint64_t ms = fmt_fio_msec(rt);
			jsonw_double(j, "iops", ms ? (double)st.ops * 1000.0 / (double)ms : 0.0);
			jsonw_u64(j, "bw_bytes", ms ? st.bytes * 1000 / ms : 0);
			jsonw_double(j, "lat_mean_usec", hist_mean(&st.lat) / 1000.0);
			jsonw_object_end(j);
		}
		jsonw_object_end(j);
	}
	jsonw_object_end(j);
	jsonw_array_begin(j, "text");
	for (unsigned i = 0; i < l->n; i++)
		jsonw_string(j, NULL, l->line[i]);
	jsonw_array_end(j);
	jsonw_object_end(j);
}

static void print_text(FILE *out, const struct sum_lines *l, bool complete)
{
	fputs(complete ? "All tests complete.\n"
		       : "Stopped before all tests ran: n/a marks what was not measured.\n",
	      out);
	fputs("\n==================\n= FIO Summary =\n==================\n", out);
	for (unsigned i = 0; i < l->n; i++)
		fprintf(out, "%s\n", l->line[i]);
	fflush(out);
}

/* The table's offsets are sum_config's: with o first, s->o is the config the table reads. */
_Static_assert(offsetof(struct sum_config, o) == 0, "sum_config.o must come first");

static int sum_configure(struct command *cmd, char *err, size_t err_size)
{
	struct sum_config *cfg = command_config(cmd);
	int ret = blk_cli_check(&cfg->cli, false, err, err_size);

	if (ret)
		return ret;
	struct summary *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	command_set_state(cmd, s);
	s->o = &cfg->o;
	s->set = command_options(cmd);
	int n = snprintf(s->path, sizeof(s->path), "%s/fiotest", s->o->mountpoint);
	if (n < 0 || (size_t)n >= sizeof(s->path)) {
		snprintf(err, err_size, "--mountpoint: path too long");
		return -ENAMETOOLONG;
	}
	for (unsigned t = 0; !ret && t < T_COUNT; t++)
		ret = build_job(s, t, err);
	return ret;
}

static void sum_outputs(const struct command *cmd, struct cmd_outputs *o)
{
	const struct sum_config *cfg = command_config(cmd);

	blk_cli_outputs(&cfg->cli, o);
}

/* How the user set a suite option, as they would change it: "FIO_SIZE=16M", "--size=16M". */
static void setting_text(const struct summary *s, const char *key, char *buf, size_t size)
{
	int row = opt_row_index(s->set, key);
	const struct option_def *def = &s->set->defs[row];
	enum opt_source source = s->set->source[row];
	char value[OPT_STRING_MAX];

	opt_format_value(def, s->o, value, sizeof(value));
	if (source == SRC_ENV || source == SRC_ENV_ALT)
		snprintf(buf, size, "%s=%s", source == SRC_ENV ? def->env : def->env_alt, value);
	else if (source == SRC_FLAG)
		snprintf(buf, size, "--%s=%s", def->name, value);
	else
		snprintf(buf, size, "--%s=%s (the default; or %s)", def->name, value, def->env);
}

/*
 * The space the sequential tests need comes from offset_increment, which the user may not
 * connect with a file of size FIO_SIZE: name both settings as they were given.
 */
static void explain_space(const struct summary *s, uint64_t need, char *err, size_t err_size)
{
	char increment[OPT_STRING_MAX + 64], size[OPT_STRING_MAX + 64], total[32];
	size_t len = strlen(err);

	setting_text(s, "offset_increment", increment, sizeof(increment));
	setting_text(s, "size", size, sizeof(size));
	snprintf(err + len, err_size - len,
		 "; the %d sequential jobs need (%d - 1) x %s + %s = %s: lower one of them",
		 SEQ_JOBS, SEQ_JOBS, increment, size, fmt_size(total, sizeof(total), need));
}

/* The one file: checked, the engine tried on it, then laid out once for every test. */
static int sum_prepare(struct command *cmd)
{
	const struct sum_config *cfg = command_config(cmd);
	struct summary *s = command_state(cmd);
	struct blk_file *file = &s->file;
	char err[ERR_SIZE];
	int ret;

	blk_cli_settings(cmd, &cfg->cli, &s->settings);
	snprintf(file->path, sizeof(file->path), "%s", s->path);
	file->need = s->o->size;
	if (!s->o->quick && (SEQ_JOBS - 1) * s->o->offset_increment + s->o->size > file->need)
		file->need = (SEQ_JOBS - 1) * s->o->offset_increment + s->o->size;
	file->writes = true;
	file->force = s->o->force;
	file->keep = s->o->keep;
	ret = blk_files_check(file, 1, err, sizeof(err));
	if (ret == -ENOSPC && file->need > s->o->size)
		explain_space(s, file->need, err, sizeof(err));
	/* the engine and O_DIRECT are tried before gigabytes are laid out */
	if (!ret)
		ret = blk_job_probe_engine(&s->jobs[0], file, err, sizeof(err));
	if (ret) {
		command_error(cmd, "%s", err);
		command_set_status(cmd, 2); /* nothing was written: bad input */
		return ret;
	}
	s->file_made = true;
	ret = blk_files_layout(file, 1, stderr, err, sizeof(err));
	if (ret)
		command_error(cmd, "%s", err);
	return ret;
}

static FILE *sum_text(const struct command *cmd)
{
	return command_json(cmd) ? stderr : command_results(cmd);
}

static int sum_plan(struct command *cmd, unsigned index, struct run_plan *plan)
{
	struct summary *s = command_state(cmd);
	FILE *text = sum_text(cmd);
	char err[ERR_SIZE];
	unsigned t = s->next;

	while (t < T_COUNT && s->o->quick && tests[t].full_only)
		t++;
	if (t >= T_COUNT)
		return CMD_NO_MORE_RUNS;
	s->next = t + 1;
	s->test_of[index] = t;
	fprintf(text, "Testing %s...\n", tests[t].title);
	fflush(text);
	s->planned[t] = true;
	int ret = blk_group_plan(&s->job_ptr[t], 1, &s->settings, &s->groups[t], plan, err,
				 sizeof(err));
	if (!ret)
		return CMD_RUN;
	command_error(cmd, "%s: %s", tests[t].name, err);
	command_set_status(cmd, 1); /* the file is laid out: this is no longer bad input */
	s->failed = true;
	if (!command_json(cmd))
		fputc('\n', text);
	return ret;
}

static int sum_run_done(struct command *cmd, unsigned index, struct run_result *res, FILE *out)
{
	struct summary *s = command_state(cmd);
	unsigned t = s->test_of[index];
	char err[ERR_SIZE];
	int ret;

	ret = blk_group_done(&s->groups[t], res, &s->settings, err, sizeof(err));
	s->ran[t] = blk_group_measured(&s->groups[t]);
	if (ret) {
		command_error(cmd, "%s: %s", tests[t].name, err);
		command_set_status(cmd, 1);
		s->failed = true;
	}
	if (!command_json(cmd) && s->ran[t])
		blk_print_group_normal(out, &s->groups[t], t);
	if (!command_json(cmd))
		fputc('\n', out);
	blk_group_cleanup(&s->groups[t]);
	return ret;
}

static void sum_report_text(struct command *cmd, FILE *out)
{
	struct summary *s = command_state(cmd);
	struct sum_lines lines;

	summary_lines(s, &lines);
	print_text(out, &lines, !s->failed && !signals_received());
}

static void sum_json_jobs(struct command *cmd, unsigned index, struct jsonw *j)
{
	struct summary *s = command_state(cmd);
	unsigned t = s->test_of[index];

	blk_group_json(j, &s->groups[t], t);
}

static void sum_json_tail(struct command *cmd, struct jsonw *j)
{
	struct summary *s = command_state(cmd);
	struct sum_lines lines;

	summary_lines(s, &lines);
	print_json_summary(s, j, &lines);
}

static const char *sum_run_label(const struct command *cmd, unsigned index)
{
	const struct summary *s = command_state(cmd);

	return tests[s->test_of[index]].name;
}

static unsigned sum_run_group(const struct command *cmd, unsigned index)
{
	const struct summary *s = command_state(cmd);

	return s->test_of[index];
}

static void sum_cleanup(struct command *cmd)
{
	struct summary *s = command_state(cmd);

	if (!s)
		return;
	if (s->file_made)
		blk_files_cleanup(&s->file, 1);
	for (unsigned t = 0; t < T_COUNT; t++)
		if (s->planned[t])
			blk_group_free(&s->groups[t]);
	free(s);
	command_set_state(cmd, NULL);
}

const struct workload_ops blk_summary_ops = {
	.name = "summary",
	.summary = "the white paper's FIO Summary suite on FIO_MOUNTPOINT (the default)",
	.usage =
		"usage: pvcbench [summary] [--option=value ...]\n"
		"Runs the white paper's FIO Summary suite on a mountpoint and prints its summary.\n"
		"Each suite option can also come from the environment variable shown.\n",
	.style = OPT_STYLE_FIO,
	.options = sum_defs,
	.config_size = sizeof(struct sum_config),
	.usage_status = 2,
	.failed_status = 1,
	.configure = sum_configure,
	.outputs = sum_outputs,
	.prepare = sum_prepare,
	.plan = sum_plan,
	.run_done = sum_run_done,
	.report_text = sum_report_text,
	.json_jobs = sum_json_jobs,
	.json_tail = sum_json_tail,
	.run_label = sum_run_label,
	.run_group = sum_run_group,
	.cleanup = sum_cleanup,
};
