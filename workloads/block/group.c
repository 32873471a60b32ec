/*
 * group.c - one group of block jobs (the jobs up to a stonewall) at once: works out their files
 * and regions, checks and lays out the files, picks each job's engine and plans all clones for
 * the core's runner (which the command skeleton runs); then takes the run's result. The caller
 * removes the files (blk_group_cleanup) after printing, or hands those a later group uses over
 * to it (blk_group_release_files, blk_group_carry_files): laid out once, removed after the last.
 *
 * Each clone's files and regions follow fio's setup_files: size split between nrfiles files,
 * or filesize per file, or without size what each existing file or device holds.
 */
#define _GNU_SOURCE
#include "block.h"
#include "pvcbench/fmt.h"
#include "pvcbench/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvcbench/signals.h"

/* Bytes of memory this process may still use: MemAvailable, or less under a cgroup limit. */
static uint64_t memory_available(void)
{
	static const char *const limits[][2] = {
		{ "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current" },
		{ "/sys/fs/cgroup/memory/memory.limit_in_bytes",
		  "/sys/fs/cgroup/memory/memory.usage_in_bytes" },
	};
	unsigned long long avail = UINT64_MAX, kib, limit, used;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			avail = kib * 1024;
	if (f)
		fclose(f);
	for (unsigned i = 0; i < 2; i++) {
		FILE *l = fopen(limits[i][0], "re"), *u = fopen(limits[i][1], "re");
		if (l && u && fscanf(l, "%llu", &limit) == 1 && fscanf(u, "%llu", &used) == 1 &&
		    limit > used && limit - used < avail)
			avail = limit - used;
		if (l)
			fclose(l);
		if (u)
			fclose(u);
	}
	return avail;
}

void blk_clone_stats_init(struct blk_clone_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned d = 0; d < BLK_DIRS; d++) {
		hist_init(&s->slat[d]);
		hist_init(&s->clat[d]);
		hist_init(&s->sched[d]);
	}
	hist_init(&s->sync_lat);
}

/* The group's entry for path: found, or added (files has room for every clone's files). */
static struct blk_file *file_for(struct blk_file *files, unsigned *nfiles, const char *path,
				 bool *added)
{
	*added = false;
	for (unsigned i = 0; i < *nfiles; i++)
		if (!strcmp(files[i].path, path))
			return &files[i];
	struct blk_file *f = &files[(*nfiles)++];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	*added = true;
	return f;
}

/* What a job asks of a file it uses (fio's extend_file rules). */
static void file_takes_job(struct blk_file *f, const struct blk_job *job, unsigned clone,
			   bool added)
{
	const struct blk_file_opts *fo = &job->o.file;
	/* fio fills a file before the run for reads, or for writes with overwrite=1 */
	bool data = job->reads || (fo->overwrite && !fo->file_append);

	if (added) {
		f->owner = job->o.name;
		f->owner_clone = clone;
		f->no_data = !data;
		f->append = fo->file_append;
		f->on_open = fo->create_on_open;
		f->no_create = !fo->allow_file_create;
		f->no_fsync = !fo->create_fsync;
		f->fallocate = fo->fallocate_mode;
	} else {
		f->no_data &= !data;
		f->append &= fo->file_append;
		f->on_open &= fo->create_on_open;
		f->no_create &= !fo->allow_file_create;
		f->no_fsync &= !fo->create_fsync;
	}
	f->writes |= job->writes;
	f->direct |= job->o.direct;
	f->keep |= job->o.keep || fo->create_only; /* files made to be used later */
	/* what verify_only checks, and what a ledger records, is there for a later check */
	f->keep |= job->o.verify.verify_only || job->o.verify.ack_journal[0] ||
		   job->o.verify.ack_witness[0];
	f->force |= job->o.force;
	f->mounted_ok |= fo->allow_mounted_write;
	f->unlink |= fo->unlink; /* unlink_each_loop leaves the last loop's file, as fio */
}

/* The size of an existing regular file or device, 0 when there is none. */
static uint64_t current_size(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	if (S_ISBLK(st.st_mode)) {
		uint64_t bytes = 0;
		int fd = open(path, O_RDONLY);
		if (fd >= 0) {
			if (ioctl(fd, BLKGETSIZE64, &bytes))
				bytes = 0;
			close(fd);
		}
		return bytes;
	}
	return (uint64_t)st.st_size;
}

/*
 * The region of file i (of n) of a clone, as fio's setup_files: size split between the files
 * (the first ones a block more when it does not divide), or filesize (a range: random per
 * file, in whole blocks), or what an existing file holds (times size=N%).
 */
static int clone_file_region(const struct blk_job *job, unsigned clone, unsigned i, unsigned n,
			     uint64_t rng[2], struct blk_clone_file *cf, uint64_t *file_size,
			     char *err, size_t err_size)
{
	const struct blk_options *o = &job->o;
	const struct blk_file_opts *fo = &o->file;
	uint64_t have = current_size(cf->file->path);
	uint64_t start = o->offset + clone * o->offset_increment;
	struct stat st;

	/* fio ignores file_append for what is not a regular file */
	if (fo->file_append && !stat(cf->file->path, &st) && S_ISREG(st.st_mode))
		start += have;
	if (fo->filesize_low) {
		uint64_t size = have;
		if (have < fo->filesize_low || have > fo->filesize_high) {
			size = fo->filesize_low;
			if (fo->filesize_high > fo->filesize_low)
				size += rng_next(rng) % (fo->filesize_high - fo->filesize_low + 1);
			size -= size % o->bs;
		}
		if (start >= size) {
			snprintf(err, err_size, "job %s: %s: offset %llu is beyond its size %llu",
				 o->name, cf->file->path, (unsigned long long)start,
				 (unsigned long long)size);
			return -EINVAL;
		}
		cf->start = start;
		cf->len = size - start;
		*file_size = size;
		return 0;
	}
	if (fo->size_text[0] && !fo->size_percent) {
		uint64_t each = o->size / n, extra_blocks = (o->size - each * n) / o->bs;
		cf->start = start;
		cf->len = each + (i < extra_blocks ? o->bs : 0);
	} else {
		/* size absent or N%: the file as it is */
		if (have <= start) {
			snprintf(
				err, err_size,
				"job %s: you need to specify size= (%s does not exist or is empty)",
				o->name, cf->file->path);
			return -EINVAL;
		}
		cf->start = start;
		cf->len = have - start;
		if (fo->size_percent && have * fo->size_percent / 100 < cf->len)
			cf->len = have * fo->size_percent / 100;
		cf->len -= cf->len % o->bs;
	}
	*file_size = cf->start + cf->len;
	return 0;
}

/* Fills the clone's files and regions; files gets the ones no clone named before. */
static int plan_clone_files(struct blk_job *job, unsigned c, struct blk_clone *cl,
			    struct blk_file **files, unsigned *nfiles, unsigned *cap, char *err,
			    size_t err_size)
{
	char **paths;
	unsigned n;
	uint64_t rng[2];
	int ret = blk_clone_paths(job, c, &paths, &n, err, err_size);

	if (ret)
		return ret;
	if (*nfiles + n > *cap) {
		/* clones point into files by index until the end of the plan */
		unsigned want = (*nfiles + n) * 2;
		struct blk_file *more = realloc(*files, want * sizeof(**files));
		if (!more) {
			free(paths);
			snprintf(err, err_size, "out of memory");
			return -ENOMEM;
		}
		*files = more;
		*cap = want;
	}
	cl->files = calloc(n, sizeof(*cl->files));
	if (!cl->files) {
		free(paths);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	cl->nfiles = n;
	rng_seed(rng, cl->seed ^ 0x66696c6573ULL);
	for (unsigned i = 0; i < n && !ret; i++) {
		struct blk_clone_file *cf = &cl->files[i];
		bool added;
		uint64_t size = 0;
		struct blk_file *f = file_for(*files, nfiles, paths[i], &added);

		cf->file = (struct blk_file *)(uintptr_t)(f - *files); /* an index until the end */
		file_takes_job(f, job, c, added);
		struct blk_clone_file probe = { .file = f };
		ret = clone_file_region(job, c, i, n, rng, &probe, &size, err, err_size);
		cf->start = probe.start;
		cf->len = probe.len;
		if (size > f->need)
			f->need = size;
	}
	free(paths);
	return ret;
}

static uint64_t clone_seed(const struct blk_job *job, unsigned clone)
{
	uint64_t h = 1469598103934665603ULL;

	if (!job->o.randrepeat)
		h ^= (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&h;
	for (const char *p = job->o.name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h ^ ((uint64_t)clone << 32);
}

/* The clones' files into one array (gr->clone_files), their file indices made pointers. */
static int pack_clone_files(struct blk_group_result *gr, unsigned nworkers)
{
	size_t total = 0, at = 0;

	for (unsigned w = 0; w < nworkers; w++)
		total += gr->clones[w].nfiles;
	gr->clone_files = calloc(total ? total : 1, sizeof(*gr->clone_files));
	if (!gr->clone_files)
		return -ENOMEM;
	for (unsigned w = 0; w < nworkers; w++) {
		struct blk_clone *cl = &gr->clones[w];
		for (unsigned i = 0; i < cl->nfiles; i++) {
			gr->clone_files[at + i] = cl->files[i];
			gr->clone_files[at + i].file = &gr->files[(uintptr_t)cl->files[i].file];
		}
		free(cl->files);
		cl->files = &gr->clone_files[at];
		at += cl->nfiles;
	}
	return 0;
}

/* A file an earlier group created and left for this one is pvcbench's here too. */
static void adopt_carried(struct blk_group_result *gr)
{
	for (unsigned i = 0; i < gr->nfiles; i++)
		for (unsigned k = 0; k < gr->ncarried; k++)
			if (gr->carried[k].created &&
			    !strcmp(gr->carried[k].path, gr->files[i].path)) {
				gr->files[i].created = true;
				gr->carried[k].created = false;
			}
}

/* Engine lines a person should see: auto had to skip an engine (io_uring) it tried first. */
static bool engine_fell_back(const struct blk_job *job)
{
	return !strncmp(job->engine_why, "ioengine=auto: using", 20) &&
	       !strstr(job->engine_why, "the first choice");
}

int blk_group_plan(struct blk_job **jobs, unsigned njobs, const struct blk_run_settings *s,
		   struct blk_group_result *gr, struct run_plan *plan, char *err, size_t err_size)
{
	unsigned nworkers = 0, nfiles = 0, cap = 0, w = 0;
	struct blk_file *files = NULL;
	struct worker_spec *specs = NULL;
	struct blk_file *carried = gr->carried;
	unsigned ncarried = gr->ncarried;
	int ret;

	memset(gr, 0, sizeof(*gr));
	gr->carried = carried;
	gr->ncarried = ncarried;
	gr->before_io = true;
	gr->jobs = jobs;
	gr->njobs = njobs;
	for (unsigned i = 0; i < njobs; i++)
		nworkers += (unsigned)jobs[i]->o.numjobs;
	specs = calloc(nworkers, sizeof(*specs));
	gr->clones = calloc(nworkers, sizeof(*gr->clones));
	gr->stats = calloc(nworkers, sizeof(*gr->stats));
	gr->worker_jobs = calloc(nworkers, sizeof(*gr->worker_jobs));
	if (!specs || !gr->clones || !gr->stats || !gr->worker_jobs) {
		ret = -ENOMEM;
		snprintf(err, err_size, "out of memory");
		goto out;
	}

	for (unsigned i = 0; i < njobs; i++) {
		struct blk_job *job = jobs[i];
		int cpus[BLK_MAX_CPUS];
		int ncpus = blk_parse_cpus(job->o.cpus_allowed, cpus, BLK_MAX_CPUS);
		if (ncpus < 0)
			ncpus = 0; /* blk_job_validate said so already */

		for (unsigned c = 0; c < (unsigned)job->o.numjobs; c++, w++) {
			struct blk_clone *cl = &gr->clones[w];

			cl->job = job;
			cl->clone = c;
			/* stats=0: in no report, so in no metric either (a NULL entry) */
			gr->worker_jobs[w] = job->o.rep.stats ? blk_job_report_name(job) : NULL;
			cl->stats = &gr->stats[w];
			blk_clone_stats_init(cl->stats);
			cl->seed = clone_seed(job, c);
			ret = plan_clone_files(job, c, cl, &files, &nfiles, &cap, err, err_size);
			if (ret)
				goto out;
			specs[w].ramp_ns = job->o.ramp_time;
			specs[w].runtime_ns = job->o.runtime;
			specs[w].cpu = blk_jobctl_clone_cpu(job, c, cpus, ncpus);
			blk_pace_adjust_spec(job, &specs[w]);
			specs[w].numa_node =
				job->o.numa_cpu_nodes[0] ? atoi(job->o.numa_cpu_nodes) : -1;
			char where[256];
			ret = runner_check_placement(specs[w].cpu, specs[w].numa_node, where,
						     sizeof(where));
			if (ret) {
				snprintf(err, err_size, "job %s: %s", job->o.name, where);
				goto out;
			}
			specs[w].arg = cl;
		}
	}
	gr->files = files;
	gr->nfiles = nfiles;
	ret = pack_clone_files(gr, nworkers);
	if (ret) {
		snprintf(err, err_size, "out of memory");
		goto out;
	}
	adopt_carried(gr);
	/* create_on_open: the clones make what does not exist yet, and it is pvcbench's */
	for (unsigned i = 0; i < nfiles; i++)
		if (files[i].on_open && access(files[i].path, F_OK))
			files[i].created = true;

	uint64_t buffers = 0, avail = memory_available();
	for (unsigned i = 0; i < njobs; i++)
		buffers +=
			(uint64_t)jobs[i]->o.numjobs * (uint64_t)jobs[i]->o.iodepth * jobs[i]->o.bs;
	if (buffers > avail) {
		char a[32], b[32];
		snprintf(
			err, err_size,
			"the I/O buffers (numjobs x iodepth x bs) need %s, but only %s of memory is available",
			fmt_size(a, sizeof(a), buffers), fmt_size(b, sizeof(b), avail));
		ret = -ENOMEM;
		goto out;
	}
	ret = blk_files_check(files, nfiles, err, err_size);
	if (ret)
		goto out;
	/* the ledgers open before any file is written: a journal or witness that fails is bad
	 * input (exit 2), with nothing laid out */
	ret = blk_verify_group_plan(jobs, njobs, gr, nworkers, s, err, err_size);
	if (ret)
		goto out;
	/* the engine and O_DIRECT are tried before any data is written */
	for (unsigned i = 0; i < njobs; i++) {
		struct blk_clone *first = NULL;
		for (unsigned k = 0; k < nworkers && !first; k++)
			if (gr->clones[k].job == jobs[i])
				first = &gr->clones[k];
		ret = blk_job_probe_engine(jobs[i], first->files[0].file, err, err_size);
		if (ret)
			goto out;
		metrics_set_engine(blk_job_report_name(jobs[i]), jobs[i]->engine_name);
		/* quiet when all is well: the engine goes into the report, a fallback here */
		if (s->note && engine_fell_back(jobs[i]))
			fprintf(s->note, "pvcbench: %s: %s\n", jobs[i]->o.name,
				jobs[i]->engine_why);
	}
	gr->before_io = false;
	if (!s->quiet)
		for (unsigned i = 0; i < njobs; i++)
			blk_print_job_header(s->out, jobs[i]);
	ret = blk_files_lay_out(files, nfiles, s->quiet ? NULL : s->out, &gr->layout_lines, err,
				err_size);
	if (ret < 0)
		goto cleanup;
	gr->files_laid_out = (unsigned)ret;

	*plan = (struct run_plan){
		.nworkers = nworkers,
		.nops = 3,
		.op_names = { "read", "write", "trim" },
		.specs = specs,
		.interval_ns = s->interval_ns,
		.stall_threshold_ns = s->stall_threshold_ns,
		.progress = s->progress,
		.progress_out = s->note ? s->note : stderr,
		.worker_init = blk_worker_init,
		.worker_run = blk_worker_run,
		.worker_exit = blk_worker_exit,
		.worker_jobs = gr->worker_jobs,
	};
	ret = 0;
	goto out;
cleanup:
	blk_files_cleanup(files, nfiles);
out:
	if (!gr->clone_files) /* failed before packing: the clones' own arrays */
		for (unsigned k = 0; gr->clones && k < nworkers; k++) {
			free(gr->clones[k].files);
			gr->clones[k].files = NULL;
			gr->clones[k].nfiles = 0;
		}
	/* clones point into files: keep them for the renderers, by path only */
	gr->files = files;
	gr->nfiles = nfiles;
	gr->specs = specs;
	gr->ret = ret;
	return ret;
}

void blk_group_release_files(struct blk_group_result *gr, struct blk_job *const *later,
			     unsigned nlater)
{
	for (unsigned i = 0; i < gr->nfiles; i++) {
		struct blk_file *f = &gr->files[i];
		if (f->created && !blk_jobs_use_path(later, nlater, f->path))
			blk_files_cleanup(f, 1);
	}
	for (unsigned i = 0; i < gr->ncarried; i++) {
		struct blk_file *f = &gr->carried[i];
		if (f->created && !blk_jobs_use_path(later, nlater, f->path))
			blk_files_cleanup(f, 1);
	}
}

static int carry_one(struct blk_group_result *into, struct blk_file *f)
{
	struct blk_file *more = realloc(into->carried, (into->ncarried + 1) * sizeof(*more));

	if (!more)
		return -ENOMEM;
	into->carried = more;
	into->carried[into->ncarried++] = *f;
	f->created = false; /* the later group removes it now */
	return 0;
}

int blk_group_carry_files(struct blk_group_result *into, struct blk_group_result *from)
{
	int ret = 0;

	for (unsigned i = 0; !ret && i < from->nfiles; i++)
		if (from->files[i].created)
			ret = carry_one(into, &from->files[i]);
	for (unsigned i = 0; !ret && i < from->ncarried; i++)
		if (from->carried[i].created)
			ret = carry_one(into, &from->carried[i]);
	return ret;
}

int blk_group_done(struct blk_group_result *gr, const struct run_result *res,
		   const struct blk_run_settings *s, char *err, size_t err_size)
{
	int ret = 0;

	gr->run = *res;
	if (res->stuck && s->note)
		fprintf(s->note,
			"pvcbench: %u clone(s) still waiting for I/O after the stop: reported with what they completed before their last interval\n",
			res->stuck);
	for (unsigned k = 0; res->workers && k < res->nworkers; k++) {
		if (res->workers[k].error) {
			snprintf(err, err_size, "%s", res->workers[k].error_msg);
			ret = res->workers[k].error < 0 ? res->workers[k].error : -EIO;
			break;
		}
	}
	if (gr->ledgers) {
		char why[600] = "";
		int lret = blk_verify_group_close(gr, why, sizeof(why));
		if (lret && !ret) {
			snprintf(err, err_size, "%s", why);
			ret = lret;
		}
	}
	/* the reports print it with the job (fio_text.c, fio_json.c) */
	for (unsigned i = 0; gr->acks && i < gr->njobs; i++)
		if (gr->acks[i] && gr->acks[i]->source[0])
			gr->jobs[i]->ack = gr->acks[i];
	gr->ret = ret;
	/* the files stay until the caller has printed: a stuck volume must not hold back results */
	return ret;
}

bool blk_group_measured(const struct blk_group_result *gr)
{
	return gr->run.workers && !gr->run.init_failed;
}

void blk_group_cleanup(struct blk_group_result *gr)
{
	if (gr->files)
		blk_files_cleanup(gr->files, gr->nfiles);
	blk_files_cleanup(gr->carried, gr->ncarried); /* carried over but not used */
}

void blk_group_free(struct blk_group_result *gr)
{
	if (gr->run.detached)
		return; /* a detached clone still uses its spec, clone and file: the exit frees them */
	blk_verify_group_close(gr, NULL, 0);
	for (unsigned i = 0; gr->acks && i < gr->njobs; i++) {
		if (gr->acks[i] && gr->jobs[i]->ack == gr->acks[i])
			gr->jobs[i]->ack = NULL;
		free(gr->acks[i]);
	}
	free(gr->acks);
	free(gr->ledgers);
	gr->acks = NULL;
	gr->ledgers = NULL;
	free(gr->specs);
	free(gr->worker_jobs);
	gr->worker_jobs = NULL;
	free(gr->clones);
	free(gr->clone_files);
	free(gr->stats);
	free(gr->files);
	free(gr->layout_lines);
	free(gr->carried);
	gr->layout_lines = NULL;
	gr->carried = NULL;
	gr->ncarried = 0;
	gr->specs = NULL;
	gr->clones = NULL;
	gr->clone_files = NULL;
	gr->stats = NULL;
	gr->files = NULL;
}
