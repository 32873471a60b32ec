/*
 * test_fio_report.c - fio's report formats from a made-up group result (two clones of one
 * randrw job with known counts and latencies): terse lines with fio 3.33's field counts for
 * versions 2 to 5 (measured: fio --minimal --terse-version=V on a randrw job), unified
 * reporting, the JSON objects fio writes per job (trim, sync, depths, latency buckets, json+'s
 * bins), the normal text's lines and units (kb_base, percentile_list, significant_figures),
 * fio's order at the end (terse, job reports, Run status blocks, Disk stats), and the bad
 * values of the reporting options and --output-format. Exit: 0 pass, 1 fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "block.h"

struct t_group {
	struct blk_job job, *jobp;
	struct blk_group_result gr;
	struct worker_result workers[2];
	struct blk_clone clones[2];
	struct blk_clone_stats stats[2];
	char err[512];
};

static int t_set(struct t_group *t, const char *name, const char *value)
{
	return opt_set(&t->job.set, &t->job.o, name, value, SRC_FLAG, t->err, sizeof(t->err));
}

/* Clone k: 1000 reads and 500 writes of 4 KiB over 1 s, latencies 100-199 us. */
static struct t_group *t_make(const char *const *opts)
{
	struct t_group *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(blk_job_init(&t->job, t->err, sizeof(t->err)), 0);
	assert_int_equal(t_set(t, "name", "job1"), 0);
	assert_int_equal(t_set(t, "rw", "randrw"), 0);
	for (; opts && *opts; opts += 2)
		assert_int_equal(t_set(t, opts[0], opts[1]), 0);
	/* size, the pattern (rw, block sizes) and the report's options, as blk_job_validate */
	assert_int_equal(t_set(t, "size", "4m"), 0);
	assert_int_equal(blk_files_validate(&t->job, t->err, sizeof(t->err)), 0);
	assert_int_equal(blk_pattern_validate(&t->job, t->err, sizeof(t->err)), 0);
	assert_int_equal(blk_report_validate(&t->job, t->err, sizeof(t->err)), 0);
	t->job.reads = t->job.writes = true;
	t->job.engine_name = "libaio";
	t->jobp = &t->job;
	t->gr.jobs = &t->jobp;
	t->gr.njobs = 1;
	t->gr.clones = t->clones;
	t->gr.stats = t->stats;
	t->gr.run.nworkers = 2;
	t->gr.run.nops = 2;
	t->gr.run.workers = t->workers;
	for (unsigned k = 0; k < 2; k++) {
		struct worker_result *w = &t->workers[k];
		blk_clone_stats_init(&t->stats[k]);
		t->clones[k].job = &t->job;
		t->clones[k].clone = k;
		t->clones[k].stats = &t->stats[k];
		w->runtime_ns = w->elapsed_ns = 1000000000ULL;
		w->cpu_usr_ns = 100000000ULL;
		w->cpu_sys_ns = 200000000ULL;
		w->ctx = 42;
		for (unsigned d = 0; d < 2; d++) {
			hist_init(&w->op[d].lat);
			w->op[d].ops = d ? 500 : 1000;
			w->op[d].bytes = w->op[d].ops * 4096;
			for (uint64_t i = 0; i < w->op[d].ops; i++) {
				uint64_t lat = 100000 + (i % 100) * 1000;
				hist_record(&w->op[d].lat, lat);
				hist_record(&t->stats[k].slat[d], 5000);
				hist_record(&t->stats[k].clat[d], lat - 5000);
			}
		}
		t->stats[k].depth[2] = 1500; /* 4 in flight */
		t->stats[k].submit[1] = 375;
		t->stats[k].complete[1] = 375;
		t->stats[k].bw[0] = (struct blk_samples){
			.n = 4, .min = 3900, .max = 4100, .sum = 16000, .sum_squares = 64020000
		};
	}
	return t;
}

/* The output of fn into a string (caller frees). */
static char *t_capture(void (*fn)(FILE *, void *), void *arg)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	fn(f, arg);
	long size = ftell(f);
	assert_true(size >= 0);
	char *buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = '\0';
	fclose(f);
	return buf;
}

static unsigned t_fields(const char *line)
{
	unsigned n = 1;

	for (; *line && *line != '\n'; line++)
		n += *line == ';';
	return n;
}

struct t_terse {
	struct t_group *t;
	unsigned version;
	const struct blk_disk_util *du;
};

static void t_print_terse(FILE *f, void *arg)
{
	struct t_terse *a = arg;

	const struct blk_group_result *run = &a->t->gr;

	blk_print_group_terse(f, &run, 1, 0, a->version, a->du);
}

static void test_terse_field_counts(void **state)
{
	/* fio 3.33 on a randrw job without disk fields: v2 161, v3 121, v4 162, v5 180 */
	static const unsigned expect[] = { 161, 121, 162, 180 };
	struct t_group *t = t_make((const char *const[]){ "group_reporting", "1", NULL });
	struct blk_disk_util du = { .n = 1, .stopped = true };

	(void)state;
	snprintf(du.delta[0].name, sizeof(du.delta[0].name), "vda");
	for (unsigned v = 2; v <= 5; v++) {
		struct t_terse a = { t, v, NULL };
		char *out = t_capture(t_print_terse, &a);
		assert_int_equal(t_fields(out), expect[v - 2]);
		if (v == 3) {
			assert_true(!strncmp(out, "3;pvcbench-", 11));
			assert_non_null(strstr(out, ";job1;0;0;"));
			/* read: 8000 KiB, 8000 KiB/s (2000 IOPS over 1000 ms: group reporting) */
			assert_non_null(strstr(out, ";0;0;8000;8000;2000;1000;"));
			/* slat in usec: min=max=5 */
			assert_non_null(strstr(out, ";5;5;5.000000;0.000000;"));
			assert_non_null(strstr(out, ";1.000000%="));
			assert_non_null(strstr(out, ";0%=0;0%=0;0%=0;"));
		}
		free(out);
		/* a disk adds its nine fields from version 3 on, as fio's */
		a.du = &du;
		out = t_capture(t_print_terse, &a);
		assert_int_equal(t_fields(out), expect[v - 2] + (v >= 3 ? 9 : 0));
		if (v >= 3)
			assert_non_null(strstr(out, ";vda;0;0;0;0;0;0;0;0.00%\n"));
		free(out);
	}
	free(t);
}

static void test_terse_unified(void **state)
{
	struct t_group *t = t_make((const char *const[]){ "unified_rw_reporting", "mixed", NULL });
	struct t_terse a = { t, 3, NULL };

	(void)state;
	char *out = t_capture(t_print_terse, &a);
	/* one line per clone, the mixed direction alone: 5 + 41 + 34 fields */
	assert_int_equal(t_fields(out), 80);
	assert_non_null(strstr(out, ";job1;0;0;6000;6000;1500;1000;"));
	free(out);
	free(t);
}

struct t_json {
	struct t_group *t;
	bool plus;
};

static void t_print_json(FILE *f, void *arg)
{
	struct t_json *a = arg;
	const struct blk_group_result *run = &a->t->gr;
	struct jsonw j;

	jsonw_begin(&j, f);
	jsonw_array_begin(&j, "jobs");
	blk_group_json_format(&j, &run, 1, 0, a->plus);
	jsonw_array_end(&j);
	jsonw_end(&j);
}

static void test_json_members(void **state)
{
	static const char *const keys[] = {
		"\"jobname\"",
		"\"eta\"",
		"\"elapsed\"",
		"\"job options\"",
		"\"read\"",
		"\"write\"",
		"\"trim\"",
		"\"sync\"",
		"\"io_kbytes\"",
		"\"bw_bytes\"",
		"\"short_ios\"",
		"\"drop_ios\"",
		"\"slat_ns\"",
		"\"clat_ns\"",
		"\"lat_ns\"",
		"\"percentile\"",
		"\"99.950000\"",
		"\"bw_min\"",
		"\"bw_agg\"",
		"\"bw_dev\"",
		"\"bw_samples\" : 4",
		"\"iops_stddev\"",
		"\"iops_samples\"",
		"\"job_runtime\" : 1000",
		"\"majf\"",
		"\"minf\"",
		"\"iodepth_level\"",
		"\"4\" : 100.0",
		"\"iodepth_submit\"",
		"\"iodepth_complete\"",
		"\"latency_ns\"",
		"\"latency_us\"",
		"\"latency_ms\"",
		"\">=2000\"",
		"\"latency_depth\" : 1",
		"\"latency_target\"",
		"\"latency_window\"",
		"\"latency_percentile\"",
	};
	struct t_group *t = t_make(NULL);
	struct t_json a = { t, false };

	(void)state;
	char *out = t_capture(t_print_json, &a);
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strstr(out, keys[i]))
			fail_msg("JSON lacks %s:\n%.2000s", keys[i], out);
	assert_null(strstr(out, "\"bins\""));
	free(out);
	a.plus = true;
	out = t_capture(t_print_json, &a);
	assert_non_null(strstr(out, "\"bins\""));
	free(out);
	free(t);
}

static void t_print_jobs(FILE *f, void *arg)
{
	struct t_group *t = arg;
	const struct blk_group_result *run = &t->gr;

	blk_print_group_jobs(f, &run, 1, 0);
	blk_print_group_status(f, &run, 1, 0);
}

static void test_normal_text(void **state)
{
	struct t_group *t = t_make(NULL);

	(void)state;
	char *out = t_capture(t_print_jobs, t);
	static const char *const lines[] = {
		"job1: (groupid=0, jobs=1): err= 0: pid=",
		"  read: IOPS=1000, BW=4000KiB/s (4096kB/s)(4000KiB/1000msec)\n",
		"  write: IOPS=500, BW=2000KiB/s (2048kB/s)(2000KiB/1000msec); 0 zone resets\n",
		"    slat (nsec): min=5000, max=5000, avg=5000.00, stdev= 0.00\n",
		"    clat (usec): min=95, max=194, avg=",
		"     lat (usec): min=100, max=199, avg=",
		"    clat percentiles (usec):\n     |  1.00th=[   95],  5.00th=[  100],",
		"   bw (  KiB/s): min= 3900, max= 4100, per=50.00%, avg=4000.00, stdev=81.65, "
		"samples=4\n",
		"  lat (usec)   : 250=100.00%\n",
		"  cpu          : usr=10.00%, sys=20.00%, ctx=42, majf=0, minf=0\n",
		"  IO depths    : 1=0.0%, 2=0.0%, 4=100.0%, 8=0.0%, 16=0.0%, 32=0.0%, >=64=0.0%\n",
		"     submit    : 0=0.0%, 4=100.0%, 8=0.0%,",
		"     issued rwts: total=1000,500,0,0 short=0,0,0,0 dropped=0,0,0,0\n",
		"\nRun status group 0 (all jobs):\n   READ: bw=8000KiB/s (8192kB/s), "
		"4000KiB/s-4000KiB/s (4096kB/s-4096kB/s), io=8000KiB (8192kB), run=1000-1000msec\n",
		"  WRITE: bw=4000KiB/s (4096kB/s),",
	};
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!strstr(out, lines[i]))
			fail_msg("text lacks \"%s\":\n%s", lines[i], out);
	free(out);
	free(t);
}

static void test_normal_options(void **state)
{
	struct t_group *t = t_make((const char *const[]){
		"kb_base", "1000", "percentile_list", "50:99.5", "unified_rw_reporting", "both",
		"lat_percentiles", "1", "clat_percentiles", "0", "group_reporting", "1", NULL });

	(void)state;
	char *out = t_capture(t_print_jobs, t);
	static const char *const lines[] = {
		"job1: (groupid=0, jobs=2): err= 0:",
		"  read: IOPS=2000, BW=8192kB/s (8000KiB/s)(8192kB/1000msec)\n",
		"    lat percentiles (usec):\n     | 50.0th=[  149], 99.5th=[  199]\n",
		"  mixed: IOPS=3000, BW=12.3MB/s (11.7MiB/s)(12.3MB/1000msec)\n",
		"  MIXED: bw=12.3MB/s (11.7MiB/s),",
	};
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!strstr(out, lines[i]))
			fail_msg("text lacks \"%s\":\n%s", lines[i], out);
	assert_null(strstr(out, "clat percentiles"));
	free(out);
	free(t);
	/* stats=0: nothing at all for the job */
	t = t_make((const char *const[]){ "stats", "0", NULL });
	out = t_capture(t_print_jobs, t);
	assert_string_equal(out, "");
	free(out);
	free(t);
}

struct t_end {
	struct t_group *g[2];
	struct blk_disk_util du;
};

static void t_print_end(FILE *f, void *arg)
{
	struct t_end *e = arg;
	const struct blk_group_result *groups[2] = { &e->g[0]->gr, &e->g[1]->gr };

	blk_report_end(f, BLK_OUT_NORMAL | BLK_OUT_TERSE, 3, groups, 2, &e->du);
}

static void test_end_order(void **state)
{
	struct t_end e = { .g = { t_make(NULL), t_make(NULL) }, .du = { .n = 1, .stopped = true } };

	(void)state;
	e.g[1]->job.groupid = 1; /* a stonewall before the second run, as fio numbers it */
	snprintf(e.du.delta[0].name, sizeof(e.du.delta[0].name), "vda");
	e.du.delta[0].ios[0] = 7;
	char *out = t_capture(t_print_end, &e);
	static const char *const order[] = {
		"3;pvcbench-",
		"job1: (groupid=0",
		"job1: (groupid=1",
		"Run status group 0",
		"Run status group 1",
		"\nDisk stats (read/write):\n  vda: ios=7/0, merge=0/0, ticks=0/0, in_queue=0, "
		"util=0.00%\n",
	};
	size_t last = 0;
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *at = strstr(out, order[i]);
		if (!at || (size_t)(at - out) < last)
			fail_msg("\"%s\" missing or out of fio's order:\n%s", order[i], out);
		last = (size_t)(at - out);
	}
	free(out);
	free(e.g[0]);
	free(e.g[1]);
}

/*
 * One reporting group over two runs (a wait_for pvcbench runs after its run): one Run status
 * block with both runs' I/O, and with group_reporting one report of the four clones, as fio.
 */
static void test_group_across_runs(void **state)
{
	struct t_end e = { .g = { t_make((const char *const[]){ "group_reporting", "1", NULL }),
				  t_make((const char *const[]){ "group_reporting", "1", NULL }) } };

	(void)state;
	char *out = t_capture(t_print_end, &e);
	const char *status = strstr(out, "Run status group 0 (all jobs):");
	assert_non_null(status);
	assert_null(strstr(out, "Run status group 1"));
	assert_null(strstr(status + 1, "Run status group"));
	/* 2 runs x 2 clones x 1000 reads of 4 KiB */
	if (!strstr(status, "READ: bw=15.6MiB/s (16.4MB/s), 15.6MiB/s-15.6MiB/s") ||
	    !strstr(status, "io=15.6MiB (16.4MB), run=1000-1000msec"))
		fail_msg("Run status block not of both runs:\n%s", status);
	const char *report = strstr(out, "job1: (groupid=0, jobs=4)");
	assert_non_null(report);
	assert_null(strstr(report + 1, "job1: (groupid="));
	free(out);
	free(e.g[0]);
	free(e.g[1]);
}

static void test_bad_values(void **state)
{
	static const char *const bad[][3] = {
		{ "percentile_list", "99:abc", "percentile_list=99:abc: each value must be" },
		{ "percentile_list", "0", "percentile_list=0: each value must be" },
		{ "percentile_list", "1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19:20:21",
		  "at most 20 values" },
		{ "kb_base", "1001", "kb_base=1001: must be 1024 or 1000" },
		{ "unit_base", "3", "unit_base=3: must be 0, 1 (bits) or 8 (bytes)" },
	};
	struct t_group *t = t_make(NULL);

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct blk_job job = t->job;
		job.set.source = job.source;
		assert_int_equal(opt_set(&job.set, &job.o, bad[i][0], bad[i][1], SRC_FLAG, t->err,
					 sizeof(t->err)),
				 0);
		assert_int_equal(blk_report_validate(&job, t->err, sizeof(t->err)), -EINVAL);
		if (!strstr(t->err, bad[i][2]))
			fail_msg("%s=%s: \"%s\"", bad[i][0], bad[i][1], t->err);
	}
	assert_int_not_equal(opt_set(&t->job.set, &t->job.o, "block_error_percentiles", "1",
				     SRC_FLAG, t->err, sizeof(t->err)),
			     0);
	assert_non_null(strstr(t->err, "no per-block trim and write error states"));
	free(t);
}

static void t_print_header(FILE *f, void *arg)
{
	struct t_group *t = arg;
	struct blk_job *jobs[2] = { &t->job, &t->job };

	blk_print_run_header(f, jobs, 2);
}

static void test_run_header(void **state)
{
	struct t_group *t = t_make(
		(const char *const[]){ "numjobs", "2", "iodepth", "8", "thread", "0", NULL });

	(void)state;
	char *out = t_capture(t_print_header, t);
	char want[512];
	snprintf(want, sizeof(want),
		 "job1: (g=0): rw=randrw, bs=(R) 4096B-4096B, (W) 4096B-4096B, (T) 4096B-4096B, "
		 "ioengine=libaio, iodepth=8\n...\n"
		 "job1: (g=0): rw=randrw, bs=(R) 4096B-4096B, (W) 4096B-4096B, (T) 4096B-4096B, "
		 "ioengine=libaio, iodepth=8\n...\npvcbench-%s\nStarting 4 processes\n",
		 PVC_VERSION);
	assert_string_equal(out, want);
	free(out);
	free(t);
}

/* The disk under a file in /var/tmp: found, and its counters move with a direct write. */
static void test_disk_util(void **state)
{
	char dir[] = "/var/tmp/pvc-diskutil-XXXXXX";
	struct blk_file file = { 0 };
	struct blk_group_result gr = { .files = &file, .nfiles = 1 };
	struct blk_disk_util du, total = { 0 };
	void *buf = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file.path, sizeof(file.path), "%s/f", dir);
	int fd = open(file.path, O_CREAT | O_RDWR | O_DIRECT, 0600);
	if (fd < 0) /* a filesystem without O_DIRECT (tmpfs): buffered, then synced */
		fd = open(file.path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	blk_disk_util_start(&du, &gr);
	if (!du.n) {
		close(fd);
		unlink(file.path);
		rmdir(dir);
		skip(); /* /var/tmp has no block device under it */
	}
	assert_int_equal(posix_memalign(&buf, 4096, 1 << 20), 0);
	memset(buf, 0x5a, 1 << 20);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(pwrite(fd, buf, 1 << 20, (off_t)i << 20), 1 << 20);
	assert_int_equal(fsync(fd), 0);
	close(fd);
	blk_disk_util_stop(&du);
	unlink(file.path);
	rmdir(dir);
	free(buf);
	assert_true(du.stopped);
	assert_true(du.delta[0].ios[1] >= 1);
	blk_disk_util_add(&total, &du);
	blk_disk_util_add(&total, &du);
	assert_int_equal(total.n, 1);
	assert_int_equal(total.delta[0].ios[1], 2 * du.delta[0].ios[1]);
	assert_string_equal(total.delta[0].name, du.delta[0].name);
}

static void test_output_formats(void **state)
{
	struct blk_cli cli = { .output_format = "normal,json+", .terse_version = 3 };
	char err[256];

	(void)state;
	assert_int_equal(blk_cli_formats(&cli, err, sizeof(err)),
			 BLK_OUT_NORMAL | BLK_OUT_JSON | BLK_OUT_JSON_PLUS);
	snprintf(cli.output_format, sizeof(cli.output_format), "terse,json,normal");
	assert_int_equal(blk_cli_formats(&cli, err, sizeof(err)),
			 BLK_OUT_NORMAL | BLK_OUT_JSON | BLK_OUT_TERSE);
	assert_int_equal(blk_cli_check(&cli, true, err, sizeof(err)), 0);
	assert_int_equal(blk_cli_check(&cli, false, err, sizeof(err)), -EINVAL);
	snprintf(cli.output_format, sizeof(cli.output_format), "normal,xml");
	assert_int_equal(blk_cli_formats(&cli, err, sizeof(err)), 0);
	assert_string_equal(err, "--output-format=normal,xml: xml is not a format: allowed "
				 "normal, json, json+, terse, or several separated by commas");
	snprintf(cli.output_format, sizeof(cli.output_format), "normal");
	cli.minimal = true;
	assert_int_equal(blk_cli_formats(&cli, err, sizeof(err)), BLK_OUT_TERSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terse_field_counts), cmocka_unit_test(test_terse_unified),
		cmocka_unit_test(test_json_members),	   cmocka_unit_test(test_normal_text),
		cmocka_unit_test(test_normal_options),	   cmocka_unit_test(test_end_order),
		cmocka_unit_test(test_group_across_runs),  cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_output_formats),	   cmocka_unit_test(test_run_header),
		cmocka_unit_test(test_disk_util),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
