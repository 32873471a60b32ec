/*
 * group.c - one group of block jobs (the jobs up to a stonewall) at once: works out their files
 * and regions, checks and lays out the files, picks each job's engine and plans all clones for
 * the core's runner (which the command skeleton runs); then takes the run's result. The caller
 * removes the files (blk_group_cleanup) after printing.
 */
#define _GNU_SOURCE
#include "block.h"
#include "pvcbench/fmt.h"

#include <errno.h>
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

static struct blk_file *file_for(struct blk_file *files, unsigned *nfiles, const char *path)
{
	for (unsigned i = 0; i < *nfiles; i++)
		if (!strcmp(files[i].path, path))
			return &files[i];
	struct blk_file *f = &files[(*nfiles)++];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	return f;
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

int blk_group_plan(struct blk_job **jobs, unsigned njobs, const struct blk_run_settings *s,
		   struct blk_group_result *gr, struct run_plan *plan, char *err, size_t err_size)
{
	unsigned nworkers = 0, nfiles = 0, w = 0;
	struct blk_file *files = NULL;
	struct worker_spec *specs = NULL;
	int ret;

	memset(gr, 0, sizeof(*gr));
	gr->before_io = true;
	gr->jobs = jobs;
	gr->njobs = njobs;
	for (unsigned i = 0; i < njobs; i++)
		nworkers += (unsigned)jobs[i]->o.numjobs;
	files = calloc(nworkers, sizeof(*files));
	specs = calloc(nworkers, sizeof(*specs));
	gr->clones = calloc(nworkers, sizeof(*gr->clones));
	gr->clone_files = calloc(nworkers, sizeof(*gr->clone_files));
	gr->stats = calloc(nworkers, sizeof(*gr->stats));
	if (!files || !specs || !gr->clones || !gr->clone_files || !gr->stats) {
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
			char path[4096];

			ret = blk_clone_path(job, c, path, sizeof(path));
			if (ret) {
				snprintf(err, err_size, "job %s: path too long", job->o.name);
				goto out;
			}
			cl->job = job;
			cl->clone = c;
			cl->files = &gr->clone_files[w];
			cl->nfiles = 1;
			cl->stats = &gr->stats[w];
			blk_clone_stats_init(cl->stats);
			struct blk_clone_file *cf = &cl->files[0];
			cf->file = file_for(files, &nfiles, path);
			cf->start = job->o.offset + c * job->o.offset_increment;
			cf->len = job->o.size;
			cl->seed = clone_seed(job, c);
			uint64_t end = cf->start + cf->len;
			if (end > cf->file->need)
				cf->file->need = end;
			cf->file->writes |= job->writes;
			cf->file->keep |= job->o.keep;
			cf->file->force |= job->o.force;
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
	/* the engine and O_DIRECT are tried before any data is written */
	for (unsigned i = 0; i < njobs; i++) {
		struct blk_clone *first = NULL;
		for (unsigned k = 0; k < nworkers && !first; k++)
			if (gr->clones[k].job == jobs[i])
				first = &gr->clones[k];
		ret = blk_job_probe_engine(jobs[i], first->files[0].file, err, err_size);
		if (ret)
			goto out;
		if (s->note && jobs[i]->engine_why[0])
			fprintf(s->note, "pvcbench: %s: %s\n", jobs[i]->o.name,
				jobs[i]->engine_why);
	}
	gr->before_io = false;
	ret = blk_files_layout(files, nfiles, s->note, err, err_size);
	if (ret)
		goto cleanup;
	blk_files_invalidate(files, nfiles);
	if (!s->quiet)
		for (unsigned i = 0; i < njobs; i++)
			blk_print_job_header(s->out, jobs[i]);

	*plan = (struct run_plan){
		.nworkers = nworkers,
		.nops = 2,
		.op_names = { "read", "write" },
		.specs = specs,
		.interval_ns = s->interval_ns,
		.progress = s->progress,
		.progress_out = s->note ? s->note : stderr,
		.worker_init = blk_worker_init,
		.worker_run = blk_worker_run,
		.worker_exit = blk_worker_exit,
	};
	ret = 0;
	goto out;
cleanup:
	blk_files_cleanup(files, nfiles);
out:
	/* clones point into files: keep them for the renderers, by path only */
	gr->files = files;
	gr->nfiles = nfiles;
	gr->specs = specs;
	gr->ret = ret;
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
}

void blk_group_free(struct blk_group_result *gr)
{
	if (gr->run.detached)
		return; /* a detached clone still uses its spec, clone and file: the exit frees them */
	free(gr->specs);
	free(gr->clones);
	free(gr->clone_files);
	free(gr->stats);
	free(gr->files);
	gr->specs = NULL;
	gr->clones = NULL;
	gr->clone_files = NULL;
	gr->stats = NULL;
	gr->files = NULL;
}
