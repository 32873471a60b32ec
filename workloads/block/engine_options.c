/*
 * engine_options.c - the job options of the I/O path: ioengine, iodepth and its batching, the
 * durability I/Os of the loop (fsync=N, ...), the buffers' memory, the clocks, and the engines'
 * own options (fio's --enghelp lists), which are job options here so that a job file or a
 * command line sets them as in fio; blk_engine_job_validate refuses one the engine lacks.
 */
#include "block.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define F(field) offsetof(struct blk_options, field)
#define E(field) offsetof(struct blk_options, eng.field)

static const char *const submit_mode_choices[] = { "inline", "offload", NULL };
static const char *const nonvectored_choices[] = { "-1", "0", "1", NULL };
static const char *const clocksource_choices[] = { "gettimeofday", "clock_gettime", "cpu", NULL };

const struct option_def blk_engine_job_option_defs[] = {
	{ .name = "iodepth",
	  .type = OPT_INT,
	  .offset = F(iodepth),
	  .def = "1",
	  .min = 1,
	  .max = 4096,
	  .help = "I/Os in flight per job (the synchronous engines: always 1)" },
	{ .name = "iodepth_batch_submit",
	  .alias = "iodepth_batch",
	  .type = OPT_INT,
	  .offset = F(iodepth_batch_submit),
	  .def = "1",
	  .max = 4096,
	  .help = "submit when this many I/Os are prepared (0: iodepth), as fio" },
	{ .name = "iodepth_batch_complete_min",
	  .alias = "iodepth_batch_complete",
	  .type = OPT_INT,
	  .offset = E(iodepth_batch_complete_min),
	  .def = "1",
	  .max = 4096,
	  .help = "wait for at least this many completions when the queue is full" },
	{ .name = "iodepth_batch_complete_max",
	  .type = OPT_INT,
	  .offset = E(iodepth_batch_complete_max),
	  .def = "0",
	  .max = 4096,
	  .help = "take at most this many completions per reap (0: iodepth_batch_complete_min, "
		  "as fio)" },
	{ .name = "iodepth_low",
	  .type = OPT_INT,
	  .offset = E(iodepth_low),
	  .def = "0",
	  .max = 4096,
	  .help = "when the queue is full, reap until no more than this many are in flight "
		  "(0: iodepth)" },
	{ .name = "io_submit_mode",
	  .type = OPT_CHOICE,
	  .offset = E(io_submit_mode),
	  .def = "inline",
	  .choices = submit_mode_choices,
	  .help = "inline: the job's thread submits (offload is refused)" },
	{ .name = "ioengine",
	  .type = OPT_CHOICE,
	  .offset = F(ioengine),
	  .def = "auto",
	  .choices = blk_engine_choices, /* from the engine table (engine.c) */
	  .help = "I/O engine; auto: the first of io_uring, libaio, psync that starts" },
	/* durability I/Os of the loop */
	{ .name = "fsync",
	  .type = OPT_INT,
	  .offset = E(fsync_blocks),
	  .def = "0",
	  .help = "fsync the file after every N writes (0: never)" },
	{ .name = "fdatasync",
	  .type = OPT_INT,
	  .offset = E(fdatasync_blocks),
	  .def = "0",
	  .help = "fdatasync the file after every N writes (0: never)" },
	{ .name = "write_barrier",
	  .type = OPT_INT,
	  .offset = E(barrier_blocks),
	  .def = "0",
	  .help = "accepted for fio compatibility: fio marks every Nth write a barrier, which only "
		  "its sg engine acts on; like fio's psync, libaio and io_uring, no engine of "
		  "pvcbench has a barrier write" },
	{ .name = "sync_file_range",
	  .type = OPT_STRING,
	  .offset = E(sync_file_range),
	  .help = "sync_file_range after every N writes: wait_before,write,wait_after:N" },
	{ .name = "end_fsync",
	  .type = OPT_BOOL,
	  .offset = E(end_fsync),
	  .def = "0",
	  .help = "fsync each file the job wrote when its I/O is done" },
	{ .name = "fsync_on_close",
	  .type = OPT_BOOL,
	  .offset = E(fsync_on_close),
	  .def = "0",
	  .help = "fsync each file before closing it" },
	/* the buffers and the clock */
	{ .name = "mem",
	  .alias = "iomem",
	  .type = OPT_STRING,
	  .offset = E(mem),
	  .def = "malloc",
	  .help = "where the I/O buffers come from: malloc, mmap, mmaphuge, shm, shmhuge" },
	{ .name = "lockmem",
	  .type = OPT_SIZE,
	  .offset = E(lockmem),
	  .def = "0",
	  .help = "mlock this much of the I/O buffers (0: none)" },
	{ .name = "hugepage-size",
	  .type = OPT_SIZE,
	  .offset = E(hugepage_size),
	  .def = "2m",
	  .help = "huge page size for mem=mmaphuge/shmhuge" },
	{ .name = "clocksource",
	  .type = OPT_CHOICE,
	  .offset = E(clocksource),
	  .def = "clock_gettime",
	  .choices = clocksource_choices,
	  .help = "accepted for fio compatibility: pvcbench always reads CLOCK_MONOTONIC through "
		  "the vDSO (as fio's clock_gettime), which is as cheap as fio's cpu clock" },
	{ .name = "gtod_cpu",
	  .type = OPT_INT,
	  .offset = E(gtod_cpu),
	  .def = "0",
	  .help = "accepted for fio compatibility: pvcbench has no time-keeping thread (the "
		  "vDSO clock costs about 20 ns per read)" },
	{ .name = "disable_lat",
	  .type = OPT_BOOL,
	  .offset = E(disable_lat),
	  .def = "0",
	  .help = "accepted for fio compatibility: the total latency is always measured (it "
		  "carries the I/O counts and the status line)" },
	{ .name = "disable_clat",
	  .type = OPT_BOOL,
	  .offset = E(disable_clat),
	  .def = "0",
	  .help = "do not keep the completion latency (clat) histogram" },
	{ .name = "disable_slat",
	  .type = OPT_BOOL,
	  .offset = E(disable_slat),
	  .def = "0",
	  .help = "do not keep the submission latency (slat) histogram" },
	/* the engines' own options (fio --enghelp=ENGINE); the engine's table says who takes it */
	{ .name = "hipri",
	  .type = OPT_BOOL,
	  .offset = E(hipri),
	  .def = "0",
	  .help = "io_uring: polled completions (IORING_SETUP_IOPOLL); pvsync2: RWF_HIPRI" },
	{ .name = "fixedbufs",
	  .type = OPT_BOOL,
	  .offset = E(fixedbufs),
	  .def = "1",
	  .help = "io_uring: registered buffers (READ_FIXED/WRITE_FIXED); on by default, pvcbench's "
		  "faster default (fio's is off: --fixedbufs=0 for fio's behaviour)" },
	{ .name = "registerfiles",
	  .type = OPT_BOOL,
	  .offset = E(registerfiles),
	  .def = "1",
	  .help = "io_uring: registered file; on by default, pvcbench's faster default (fio's is "
		  "off: --registerfiles=0 for fio's behaviour)" },
	{ .name = "sqthread_poll",
	  .type = OPT_BOOL,
	  .offset = E(sqthread_poll),
	  .def = "0",
	  .help = "io_uring: a kernel thread polls the submission queue (IORING_SETUP_SQPOLL)" },
	{ .name = "sqthread_poll_cpu",
	  .type = OPT_INT,
	  .offset = E(sqthread_poll_cpu),
	  .def = "0",
	  .max = 65535,
	  .help = "io_uring: pin the sqthread_poll thread to this CPU (IORING_SETUP_SQ_AFF)" },
	{ .name = "nonvectored",
	  .type = OPT_CHOICE,
	  .offset = E(nonvectored),
	  .def = "-1",
	  .choices = nonvectored_choices,
	  .help = "io_uring: 1 or -1: READ/WRITE commands; 0: READV/WRITEV (without fixedbufs; "
		  "fixedbufs uses READ_FIXED/WRITE_FIXED)" },
	{ .name = "userspace_reap",
	  .type = OPT_BOOL,
	  .offset = E(userspace_reap),
	  .def = "0",
	  .help = "libaio: read completions from the AIO ring in user space" },
	{ 0 }
};

/* The engine options of engine_options rows: which engines take each (checked below). */
static const char *const engine_keys[] = { "hipri",	    "fixedbufs",	 "registerfiles",
					   "sqthread_poll", "sqthread_poll_cpu", "nonvectored",
					   "userspace_reap" };

/* An engine option given for an engine that does not take it is refused, as fio does. */
static int check_engine_keys(struct blk_job *job, char *err, size_t err_size)
{
	const char *engine = job->o.ioengine;

	for (size_t i = 0; i < sizeof(engine_keys) / sizeof(engine_keys[0]); i++) {
		if (!opt_given(&job->set, engine_keys[i]))
			continue;
		if (blk_engine_option_find(engine, engine_keys[i]))
			continue;
		if (!strcmp(engine, "auto"))
			snprintf(err, err_size,
				 "job %s: --%s is an engine option: name the engine with "
				 "--ioengine (io_uring, libaio or pvsync2)",
				 job->o.name, engine_keys[i]);
		else
			snprintf(err, err_size, "job %s: --%s is not an option of ioengine=%s",
				 job->o.name, engine_keys[i], engine);
		return -EINVAL;
	}
	return 0;
}

/* "wait_before,write,wait_after:N" into the engine options; 0 or -EINVAL. */
static int parse_sync_file_range(struct blk_engine_job_opts *o, char *err, size_t err_size)
{
	char copy[OPT_STRING_MAX], *colon, *save = NULL;
	int64_t n;

	if (!o->sync_file_range[0])
		return 0;
	snprintf(copy, sizeof(copy), "%s", o->sync_file_range);
	colon = strrchr(copy, ':');
	if (!colon || opt_parse_int(colon + 1, &n) || n <= 0)
		goto bad;
	*colon = '\0';
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "wait_before") && strcmp(tok, "write") && strcmp(tok, "wait_after"))
			goto bad;
	o->sync_file_range_blocks = n;
	return 0;
bad:
	snprintf(err, err_size,
		 "--sync_file_range=%s: expected a list of wait_before, write, wait_after, then "
		 ":N (e.g. write:8)",
		 o->sync_file_range);
	return -EINVAL;
}

static bool mem_supported(const char *mem)
{
	static const char *const ok[] = { "malloc", "mmap", "mmaphuge", "shm", "shmhuge", NULL };
	size_t len = strcspn(mem, ":");

	for (size_t i = 0; ok[i]; i++)
		if (strlen(ok[i]) == len && !strncmp(mem, ok[i], len))
			return true;
	return false;
}

int blk_engine_job_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_engine_job_opts *o = &job->o.eng;
	int ret;

	if (!strcmp(o->io_submit_mode, "offload")) {
		snprintf(err, err_size,
			 "job %s: --io_submit_mode=offload is not supported: each job's thread "
			 "submits its own I/O (use inline)",
			 job->o.name);
		return -EINVAL;
	}
	if (!mem_supported(o->mem)) {
		snprintf(err, err_size,
			 "job %s: --mem=%s: expected malloc, mmap, mmaphuge, shm or shmhuge",
			 job->o.name, o->mem);
		return -EINVAL;
	}
	if (o->fsync_blocks < 0 || o->fdatasync_blocks < 0 || o->barrier_blocks < 0) {
		snprintf(err, err_size,
			 "job %s: --fsync, --fdatasync and --write_barrier take N >= 0",
			 job->o.name);
		return -EINVAL;
	}
	o->sqthread_poll_cpu_set = opt_given(&job->set, "sqthread_poll_cpu");
	ret = parse_sync_file_range(o, err, err_size);
	if (!ret)
		ret = check_engine_keys(job, err, err_size);
	return ret;
}
