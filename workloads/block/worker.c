/*
 * worker.c - one clone of a block job: its file, engine, buffers and the hot loop.
 *
 * The loop is fio's (do_io and wait_for_completions): prepare I/Os while fewer than iodepth are
 * in use, submitting each time iodepth_batch_submit of them are queued; when the queue is full,
 * reap at least iodepth_batch_complete_min and at most iodepth_batch_complete_max completions,
 * again until no more than iodepth_low are in flight. So iodepth I/Os are in flight from their
 * preparation to their completion, and mean latency x IOPS is iodepth (Little's law).
 *
 * The clock, as fio reads it: once when an I/O is prepared (its start), once after each submit
 * call (the issue time of every I/O in it: slat = issue - start) and once after each reap (the
 * completion of every I/O in it: clat = completion - issue, lat = completion - start). No
 * allocation, lock or system call happens per I/O other than the engine's.
 */
#define _GNU_SOURCE
#include "block.h"
#include "inflight.h"
#include "pvcbench/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

/* A stalled device must not keep a stop request waiting: reap wakes up this often. */
#define REAP_TIMEOUT_NS 200000000ULL

struct blk_worker {
	struct blk_clone *clone;
	const struct blk_job *job;
	const struct blk_engine_job_opts *eo;
	struct blk_clone_stats *stats;
	int *fds; /* clone->nfiles entries */
	bool engine_open;
	struct io_engine engine;
	void *mem;
	size_t mem_size;
	enum { MEM_MALLOC, MEM_MMAP, MEM_SHM } mem_kind;
	struct iovec *iov;
	struct io_req *reqs;
	struct io_req **done;
	struct io_req **freeq; /* requests not in use: nfree of them */
	struct io_req **pend;  /* queued, not yet submitted: queued of them */
	unsigned depth, nfree, queued, inflight;
	/* fio's iodepth_batch_submit, _complete_min, _complete_max and iodepth_low */
	unsigned batch_submit, complete_min, complete_max, low;
	uint64_t writes_issued; /* fio's io_issues[WRITE]: fsync=N's count */
	bool last_sync;		/* the last request issued was a sync */
	struct io_req held;	/* the I/O generated when a sync took its place */
	bool have_held;
	int last_write_fd;
	bool sync_every; /* one of fsync, fdatasync, sync_file_range is set */
	bool *written;	 /* per file: written since the last end/close fsync */
	bool going;
	uint64_t rng[2];
	struct blk_gen gen;
	struct blk_data data;
	struct blk_pace pace;
	struct blk_inflight inflight_order; /* the live metrics' oldest request in flight */
	struct blk_log log;
	bool logging; /* the log was started (measuring began) */
	/* verify (verify_job.h): headers in the writes, the history, the ledger's records */
	bool verifying, dry; /* dry: verify_only, the writes are logged and not done */
	bool gen_done;	     /* the job issued all it should (not stopped): verify may follow */
	bool check_reads;    /* a read job with verify: every read is checked (fio's) */
	struct blk_vclone v;
};

/*
 * The buffers' memory as fio's mem= says: malloc (aligned for O_DIRECT), mmap (anonymous),
 * mmaphuge (anonymous huge pages; a file on hugetlbfs after ':' is not supported), shm and
 * shmhuge (a SysV segment, removed at once so nothing outlives the run). 0 or -errno.
 */
static int alloc_mem(struct blk_worker *bw, size_t size, char *why, size_t why_size)
{
	const char *mem = bw->eo->mem;
	uint64_t huge = bw->eo->hugepage_size ? bw->eo->hugepage_size : 2 << 20;
	bool hugetlb = !strncmp(mem, "mmaphuge", 8) || !strncmp(mem, "shmhuge", 7);

	if (hugetlb)
		size = (size + huge - 1) / huge * huge;
	bw->mem_size = size;
	if (!strncmp(mem, "mmap", 4)) {
		if (strchr(mem, ':')) {
			snprintf(why, why_size, "--mem=%s: a file for mmaphuge is not supported",
				 mem);
			return -EINVAL;
		}
		bw->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | (hugetlb ? MAP_HUGETLB : 0), -1, 0);
		if (bw->mem == MAP_FAILED) {
			int err = errno;
			bw->mem = NULL;
			snprintf(why, why_size, "--mem=%s: mmap of %zu bytes: %s%s", mem, size,
				 strerror(err),
				 hugetlb ? " (no huge pages reserved? vm.nr_hugepages)" : "");
			return -err;
		}
		bw->mem_kind = MEM_MMAP;
	} else if (!strncmp(mem, "shm", 3)) {
		int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600 | (hugetlb ? SHM_HUGETLB : 0));

		if (id < 0 || (bw->mem = shmat(id, NULL, 0)) == (void *)-1) {
			int err = errno;
			if (id >= 0)
				shmctl(id, IPC_RMID, NULL);
			bw->mem = NULL;
			snprintf(why, why_size, "--mem=%s: shared memory of %zu bytes: %s", mem,
				 size, strerror(err));
			return -err;
		}
		shmctl(id, IPC_RMID, NULL); /* freed at shmdt */
		bw->mem_kind = MEM_SHM;
	} else if (posix_memalign(&bw->mem, 4096, size)) {
		bw->mem = NULL;
		snprintf(why, why_size, "cannot allocate %zu bytes of buffers", size);
		return -ENOMEM;
	}
	if (bw->eo->lockmem &&
	    mlock(bw->mem, bw->eo->lockmem < size ? (size_t)bw->eo->lockmem : size)) {
		int err = errno;
		snprintf(why, why_size, "--lockmem=%llu: mlock: %s (ulimit -l?)",
			 (unsigned long long)bw->eo->lockmem, strerror(err));
		return -err;
	}
	return 0;
}

static void free_mem(struct blk_worker *bw)
{
	if (!bw->mem)
		return;
	if (bw->mem_kind == MEM_MMAP)
		munmap(bw->mem, bw->mem_size);
	else if (bw->mem_kind == MEM_SHM)
		shmdt(bw->mem);
	else
		free(bw->mem);
	bw->mem = NULL;
}

static int alloc_buffers(struct blk_worker *bw, unsigned depth, uint64_t bs, char *why,
			 size_t why_size)
{
	size_t stride = (size_t)bs;
	int ret;

	bw->depth = depth;
	ret = alloc_mem(bw, stride * depth, why, why_size);
	if (ret)
		return ret;
	bw->iov = calloc(depth, sizeof(*bw->iov));
	bw->reqs = calloc(depth, sizeof(*bw->reqs));
	bw->done = calloc(depth, sizeof(*bw->done));
	bw->freeq = calloc(depth, sizeof(*bw->freeq));
	bw->pend = calloc(depth, sizeof(*bw->pend));
	if (!bw->iov || !bw->reqs || !bw->done || !bw->freeq || !bw->pend)
		return -ENOMEM;
	/* first touch by the (pinned) worker thread puts the pages on its NUMA node */
	blk_data_fill(&bw->data, bw->mem, stride * depth);
	for (unsigned i = 0; i < depth; i++) {
		bw->iov[i].iov_base = (char *)bw->mem + i * stride;
		bw->iov[i].iov_len = stride;
		bw->reqs[i].buf = (uint16_t)i;
		bw->reqs[i].len = (uint32_t)bs;
		bw->freeq[depth - 1 - i] = &bw->reqs[i];
	}
	bw->nfree = depth;
	return 0;
}

static void free_worker(struct blk_worker *bw)
{
	if (bw->engine_open)
		bw->engine.ops->exit(&bw->engine);
	if (bw->fds)
		blk_clone_close(bw->clone, bw->fds);
	blk_gen_free(&bw->gen);
	blk_log_free(&bw->log); /* after blk_log_close, or what a failed clone kept */
	free(bw->fds);
	free_mem(bw);
	free(bw->iov);
	free(bw->reqs);
	free(bw->done);
	free(bw->freeq);
	free(bw->pend);
	free(bw->written);
	blk_inflight_free(&bw->inflight_order);
	blk_vclone_free(&bw->v);
	free(bw);
}

static unsigned effective_depth(const struct blk_job *job)
{
	const struct io_engine_ops *ops = blk_engine_find(job->engine_name);

	/* a synchronous engine completes each I/O inside the call: more in flight is not possible */
	if (ops && ops->sync_io)
		return 1;
	return (unsigned)job->o.iodepth;
}

/* fio's fix-ups of the batching options (fio's fixup_options), for a queue of depth. */
static void batch_settings(struct blk_worker *bw, const struct blk_job *job)
{
	const struct blk_engine_job_opts *o = &job->o.eng;
	unsigned depth = bw->depth;

	bw->batch_submit = (unsigned)job->o.iodepth_batch_submit;
	if (!bw->batch_submit || bw->batch_submit > depth)
		bw->batch_submit = depth;
	bw->complete_min = (unsigned)o->iodepth_batch_complete_min;
	if (bw->complete_min > depth)
		bw->complete_min = depth;
	/* fio: complete_max defaults to complete_min, so by default one I/O per reap */
	bw->complete_max = (unsigned)o->iodepth_batch_complete_max;
	if (bw->complete_max > depth)
		bw->complete_max = depth;
	if (bw->complete_max < bw->complete_min)
		bw->complete_max = bw->complete_min;
	if (!bw->complete_max)
		bw->complete_max = 1;
	bw->low = (unsigned)o->iodepth_low;
	if (!bw->low || bw->low > depth)
		bw->low = depth;
}

int blk_job_probe_engine(struct blk_job *job, const struct blk_file *file, char *err,
			 size_t err_size)
{
	struct blk_worker *bw = calloc(1, sizeof(*bw));
	char why[512] = "";
	int ret;

	int fd;

	if (!bw)
		return -ENOMEM;
	bw->eo = &job->o.eng;
	fd = blk_file_open_probe(file, job);
	if (fd < 0) {
		ret = fd;
		if (ret == -EINVAL && job->o.direct)
			snprintf(
				err, err_size,
				"%s: the filesystem refuses O_DIRECT (EINVAL: ramfs, older tmpfs and FUSE do): use --direct=0",
				file->path);
		else
			snprintf(err, err_size, "%s: %s", file->path, strerror(-ret));
		free_worker(bw);
		return ret;
	}
	rng_seed(bw->rng, 1);
	blk_data_init(&bw->data, job, 1);
	/*
	 * Register as many buffers as all clones together will: the locked-memory limit is per
	 * user, so a probe with one clone's share would pass where the run then fails.
	 */
	uint64_t nbufs = (uint64_t)job->o.iodepth * (uint64_t)job->o.numjobs;
	ret = alloc_buffers(bw, nbufs > UINT16_MAX ? UINT16_MAX : (unsigned)nbufs,
			    blk_pattern_max_bs(job), err, err_size);
	if (!ret) {
		ret = engine_open_opts(&bw->engine, job->o.ioengine, &job->o.eng, fd,
				       (unsigned)job->o.iodepth, bw->iov, bw->depth, why,
				       sizeof(why));
		if (ret)
			/* why already names the engine: "ioengine=NAME: cause" */
			snprintf(err, err_size, "job %s: --%s", job->o.name, why);
		else {
			bw->engine_open = true;
			job->engine_name = bw->engine.ops->name;
			snprintf(job->engine_why, sizeof(job->engine_why), "%s", why);
		}
	}
	free_worker(bw);
	close(fd);
	return ret;
}

int blk_worker_init(struct worker *w)
{
	struct blk_clone *clone = worker_arg(w);
	const struct blk_job *job = clone->job;
	struct blk_worker *bw = calloc(1, sizeof(*bw));
	char why[512] = "";
	int ret;

	if (!bw)
		return worker_fail(w, -ENOMEM, "out of memory");
	bw->clone = clone;
	bw->job = job;
	bw->eo = &job->o.eng;
	bw->stats = clone->stats;
	bw->last_write_fd = -1;
	worker_set_state(w, bw);
	rng_seed(bw->rng, clone->seed);

	ret = blk_jobctl_thread_setup(job, clone->clone, why, sizeof(why));
	if (ret)
		return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	bw->fds = calloc(clone->nfiles, sizeof(*bw->fds));
	if (!bw->fds)
		return worker_fail(w, -ENOMEM, "out of memory");
	ret = blk_clone_open(clone, bw->fds, why, sizeof(why));
	if (ret) {
		free(bw->fds);
		bw->fds = NULL;
		return worker_fail(w, ret, "%s", why);
	}
	/* fadvise_hint is applied by blk_clone_open, per file region */
	ret = blk_gen_init(&bw->gen, clone, bw->fds, why, sizeof(why));
	if (ret)
		return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	/* fio closes and reopens the files between loops: stop there when that shows */
	bw->gen.pause_each_loop =
		job->o.pat.loops > 1 && !job->o.time_based &&
		(blk_files_act_each_loop(job) || bw->eo->end_fsync || bw->eo->fsync_on_close);
	blk_data_init(&bw->data, job, clone->seed ^ 0x2545f4914f6cdd1dULL);
	ret = alloc_buffers(bw, effective_depth(job), blk_pattern_max_bs(job), why, sizeof(why));
	if (!ret && blk_inflight_init(&bw->inflight_order, bw->reqs, bw->depth))
		return worker_fail(w, -ENOMEM, "out of memory");
	if (ret)
		return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	batch_settings(bw, job);
	bw->sync_every =
		bw->eo->fsync_blocks || bw->eo->fdatasync_blocks || bw->eo->sync_file_range_blocks;
	bw->written = calloc(clone->nfiles, sizeof(*bw->written));
	if (!bw->written)
		return worker_fail(w, -ENOMEM, "out of memory");
	ret = engine_open_opts(&bw->engine, job->engine_name, bw->eo, bw->fds[0], bw->depth,
			       bw->iov, bw->depth, why, sizeof(why));
	if (ret)
		return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	bw->engine_open = true;
	if (job->o.verify.active) {
		bw->verifying = true;
		bw->dry = job->o.verify.verify_only;
		bw->check_reads = !bw->dry && !job->writes;
		ret = blk_vclone_init(&bw->v, clone, bw->depth, why, sizeof(why));
		if (ret)
			return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	}
	ret = blk_pace_init(&bw->pace, clone, why, sizeof(why));
	bw->pace.run_stopped = &w->run_stopped;
	if (!ret)
		ret = blk_log_open(&bw->log, clone, why, sizeof(why));
	if (ret)
		return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	return 0;
}

void blk_worker_exit(struct worker *w)
{
	if (worker_state(w))
		free_worker(worker_state(w));
	worker_set_state(w, NULL);
}

/* fio's "IO depths" bucket of d I/Os in use: 1, 2-3, 4-7, ..., 32-63, >= 64. */
static inline unsigned depth_bucket(unsigned d)
{
	unsigned b = 0;

	while (b < BLK_DEPTH_BUCKETS - 1 && d >= (2u << b))
		b++;
	return b;
}

/* fio's "submit"/"complete" bucket of n I/Os per call: 0, 1-4, 5-8, ..., 33-64, > 64. */
static inline unsigned batch_bucket(unsigned n)
{
	unsigned b = 1;

	if (n == 0)
		return 0;
	while (b < BLK_DEPTH_BUCKETS - 1 && n > (4u << (b - 1)))
		b++;
	return b;
}

/* The fd's index among the clone's files, for the written[] marks. */
static unsigned file_index(const struct blk_worker *bw, int fd)
{
	for (unsigned i = 0; i < bw->clone->nfiles; i++)
		if (bw->fds[i] == fd)
			return i;
	return 0;
}

/*
 * fio's fsync=N, fdatasync=N and sync_file_range=...:N: after every N writes issued, the next
 * I/O is a sync of the file last written (fio's get_io_u), if the job has a next I/O at all.
 * Returns true when r became one.
 */
static bool sync_due(struct blk_worker *bw, struct io_req *r)
{
	const struct blk_engine_job_opts *o = bw->eo;
	uint64_t n = bw->writes_issued;

	/*
	 * fio's rule: a sync goes ahead of the next I/O whenever the writes issued are a
	 * multiple of N and the last request was not a sync; so in a mixed job a sync also goes
	 * ahead of each read until the next write (fio 3.33 counts, checked with strace).
	 */
	if (!n || bw->last_sync || bw->last_write_fd < 0)
		return false;
	if (o->fsync_blocks && !(n % (uint64_t)o->fsync_blocks))
		r->dir = IO_SYNC;
	else if (o->fdatasync_blocks && !(n % (uint64_t)o->fdatasync_blocks))
		r->dir = IO_DATASYNC;
	else if (o->sync_file_range_blocks && !(n % (uint64_t)o->sync_file_range_blocks))
		r->dir = IO_SYNC_FILE_RANGE;
	else
		return false;
	r->fd = bw->last_write_fd;
	r->offset = 0;
	r->len = 0;
	return true;
}

/* Fills in the next request and stamps its start; false when the job has issued all it should. */
static int drain(struct worker *w, struct blk_worker *bw);

/*
 * Holds r until the pace says it is due (rate limits, think time). As fio does, what is in
 * flight completes first (its io_u_quiesce), so no I/O's latency includes the wait. The due
 * time stays with the request: its latency from the schedule goes into stats->sched.
 */
static bool pace(struct worker *w, struct blk_worker *bw, struct io_req *r)
{
	uint64_t now = clock_now_ns(), due = blk_pace_due(&bw->pace, r->dir, r->len, now);

	if (due == BLK_PACE_STOP) {
		if (bw->pace.error && !worker_error(w))
			worker_fail(w, bw->pace.error, "%s", bw->pace.why);
		return false;
	}
	if (bw->pace.rated) {
		r->due_ns = due; /* earlier than now when the load is behind its schedule */
		worker_set_schedule_lag(w, due < now ? now - due : 0);
	}
	if (due <= now)
		return true;
	if ((bw->inflight || bw->queued) && drain(w, bw))
		return false;
	return bw->going && blk_pace_wait(&bw->pace, due);
}

static inline bool next_io(struct worker *w, struct blk_worker *bw, struct io_req *r)
{
	if (bw->have_held) {
		/* the I/O a sync went ahead of, into this request's buffer */
		r->offset = bw->held.offset;
		r->fd = bw->held.fd;
		r->len = bw->held.len;
		r->dir = bw->held.dir;
		bw->have_held = false;
	} else {
		if (!blk_gen_next(&bw->gen, r, worker_measuring(w))) {
			bw->gen_done = !bw->gen.loop_ended;
			return false;
		}
		if (__builtin_expect(bw->sync_every && bw->writes_issued && !bw->last_sync, 0)) {
			bw->held = *r;
			if (sync_due(bw, r)) {
				bw->have_held = true;
				bw->last_sync = true;
				if (bw->verifying)
					blk_vclone_sync_issued(&bw->v, r);
				r->start_ns = clock_now_ns();
				return true;
			}
		}
	}
	bw->last_sync = false;
	if (r->dir == IO_WRITE) {
		if (!bw->verifying) {
			blk_data_write(&bw->data, bw->iov[r->buf].iov_base, r->len, r->offset);
		} else {
			int ret = blk_vclone_prep_write(&bw->v, r, bw->iov[r->buf].iov_base,
							file_index(bw, r->fd));
			if (ret) {
				worker_fail(w, ret, "job %s: verify history: %s", bw->job->o.name,
					    strerror(-ret));
				return false;
			}
		}
		if (bw->sync_every) {
			bw->writes_issued++;
			bw->last_write_fd = r->fd;
		}
		bw->written[file_index(bw, r->fd)] = true;
	}
	r->due_ns = 0;
	if (bw->pace.active && !pace(w, bw, r))
		return false;
	/* fio's start_time: the I/O is ready to go */
	r->start_ns = clock_now_ns();
	return true;
}

/* The path of the file a request went to, for messages. */
static const char *file_of(const struct blk_worker *bw, const struct io_req *r)
{
	for (unsigned i = 0; i < bw->clone->nfiles; i++)
		if (bw->fds[i] == r->fd)
			return bw->clone->files[i].file->path;
	return bw->clone->files[0].file->path;
}

static const char *dir_name(unsigned dir)
{
	static const char *const names[] = { "read",  "write",	   "trim",
					     "fsync", "fdatasync", "sync_file_range" };

	return dir < sizeof(names) / sizeof(names[0]) ? names[dir] : "I/O";
}

/* What a successful request returns: its length, or 0 for a sync. */
static inline int64_t expected_result(const struct io_req *r)
{
	return r->dir >= IO_SYNC ? 0 : (int64_t)r->len;
}

/* Records one completed request at now, the end of the reap that returned it. */
static void complete_one(struct worker *w, struct blk_worker *bw, struct io_req *r, uint64_t now)
{
	struct blk_clone_stats *st = bw->stats;

	if (r->result == expected_result(r)) {
		uint64_t lat = now - r->start_ns, clat = now - r->issue_ns;
		uint64_t slat = bw->engine.ops->sync_io ? 0 : r->issue_ns - r->start_ns;

		if (bw->check_reads && r->dir == IO_READ &&
		    blk_vclone_check_read(w, &bw->v, r, bw->iov[r->buf].iov_base,
					  file_index(bw, r->fd)))
			bw->going = false;
		if (bw->verifying &&
		    (r->dir == IO_WRITE || r->dir == IO_SYNC || r->dir == IO_DATASYNC)) {
			int ret = r->dir == IO_WRITE ? blk_vclone_write_done(&bw->v, r)
						     : blk_vclone_sync_done(&bw->v, r);
			if (ret && !worker_error(w)) {
				worker_fail(w, ret, "job %s: ack ledger: %s", bw->job->o.name,
					    blk_vclone_ledger_why(&bw->v, ret));
				bw->going = false;
			}
		}

		if (bw->pace.active && r->dir < IO_SYNC)
			blk_pace_think(&bw->pace, now); /* thinktime_blocks_type=complete */
		if (r->dir < IO_SYNC)
			worker_record(w, r->dir, lat, r->len); /* ramping: the live counts only */
		if (!worker_measuring(w))
			return;
		if (r->dir >= IO_SYNC) {
			/* fio's "sync" object: the count and the syncs' completion latency */
			if (st) {
				/* fio 3.33 counts fsyncs only in total_ios; lat has them all */
				st->syncs += r->dir == IO_SYNC;
				hist_record(&st->sync_lat, clat);
			}
			return;
		}
		/* latency from the intended issue time: no coordinated omission */
		if (st && r->due_ns)
			hist_record(&st->sched[r->dir], now - r->due_ns);
		if (st) {
			if (!bw->engine.ops->sync_io && !bw->eo->disable_slat)
				hist_record(&st->slat[r->dir], slat);
			if (!bw->eo->disable_clat)
				hist_record(&st->clat[r->dir], clat);
		}
		if (bw->log.active) {
			if (!bw->logging) {
				blk_log_start(&bw->log, now);
				bw->logging = true;
			}
			blk_log_io(&bw->log, now, r, slat, clat);
		}
		return;
	}
	int err = r->result < 0 ? (int)r->result : -EIO;
	worker_record_failure(w, r->dir < BLK_DIRS ? r->dir : IO_WRITE, stall_errno_cause(err));
	if (blk_jobctl_error_continue(bw->job, r->dir, err)) {
		if (st && !st->first_error)
			st->first_error = -err;
	} else {
		if (!worker_error(w))
			worker_fail(w, err, "%s %s at offset %llu: %s", file_of(bw, r),
				    dir_name(r->dir), (unsigned long long)r->offset,
				    r->result < 0 ? strerror((int)-r->result) : "short transfer");
		bw->going = false;
	}
}

/*
 * Submits what is queued (fio's commit): one system call for the batch, one clock read after
 * it for the issue time of every I/O in it, and fio's depth and submit distributions.
 */
static int submit_queued(struct worker *w, struct blk_worker *bw)
{
	struct io_engine *e = &bw->engine;
	unsigned n = bw->queued;

	if (!n)
		return 0;
	if (bw->verifying) {
		/* the ledger's pre records go first: a crash after this finds them */
		int ret = blk_vclone_flush_pre(&bw->v);
		if (ret)
			return worker_fail(w, ret, "job %s: ack ledger: %s", bw->job->o.name,
					   blk_vclone_ledger_why(&bw->v, ret));
	}
	if (e->ops->submit) {
		int ret = e->ops->submit(e);
		if (ret)
			return worker_fail(w, ret, "%s: submit: %s", e->ops->name, strerror(-ret));
	}
	if (!e->ops->sync_io) {
		uint64_t now = clock_now_ns();
		for (unsigned i = 0; i < n; i++) {
			bw->pend[i]->issue_ns = now;
			blk_inflight_push(&bw->inflight_order, bw->pend[i]);
		}
		worker_set_inflight_since(w, blk_inflight_oldest(&bw->inflight_order));
	} else {
		/* the engine's system call comes in reap, at once: in flight from its start */
		worker_set_inflight_since(w, bw->pend[0]->start_ns);
	}
	bw->inflight += n;
	bw->queued = 0;
	if (worker_measuring(w) && bw->stats) {
		bw->stats->depth[depth_bucket(bw->inflight)] += n;
		bw->stats->submit[batch_bucket(n)]++;
	}
	return 0;
}

/*
 * Reaps at least min completions (at most complete_max) and records them; returns the number
 * reaped or a negative errno (the worker has failed). Also ticks the worker's clock.
 */
static int reap_some(struct worker *w, struct blk_worker *bw, unsigned min)
{
	struct io_engine *e = &bw->engine;
	int n = e->ops->reap(e, min, REAP_TIMEOUT_NS, bw->done, bw->complete_max);
	uint64_t now = clock_now_ns();

	if (n < 0) {
		if (n == -EINTR)
			return 0;
		return worker_fail(w, n, "%s: reap: %s", e->ops->name, strerror(-n));
	}
	if (bw->going && !worker_tick(w, now))
		bw->going = false;
	if (n && worker_measuring(w) && bw->stats)
		bw->stats->complete[batch_bucket((unsigned)n)]++;
	for (int i = 0; i < n; i++) {
		struct io_req *r = bw->done[i];

		bw->inflight--;
		blk_inflight_done(&bw->inflight_order, r);
		complete_one(w, bw, r, now);
		bw->freeq[bw->nfree++] = r;
	}
	if (!e->ops->sync_io)
		worker_set_inflight_since(w, blk_inflight_oldest(&bw->inflight_order));
	else if (!bw->inflight)
		worker_set_inflight_since(w, 0);
	/* the batch completed at now, not at the next tick (the outage windows' ends) */
	worker_note_done(w, now);
	return n;
}

/* Waits for everything in flight (before a synchronous trim or sync, and at the end). */
static int drain(struct worker *w, struct blk_worker *bw)
{
	int ret = submit_queued(w, bw);

	while (!ret && bw->inflight) {
		int n = reap_some(w, bw, 1);
		if (n < 0)
			ret = n;
	}
	return ret;
}

/* One sync_file_range of the whole file with the flags the option names. */
static int64_t do_sync_file_range(const struct blk_worker *bw, const struct io_req *r)
{
	const char *spec = bw->eo->sync_file_range;
	unsigned flags = 0;

	if (strstr(spec, "wait_before"))
		flags |= SYNC_FILE_RANGE_WAIT_BEFORE;
	if (strstr(spec, "write"))
		flags |= SYNC_FILE_RANGE_WRITE;
	if (strstr(spec, "wait_after"))
		flags |= SYNC_FILE_RANGE_WAIT_AFTER;
	return sync_file_range(r->fd, 0, 0, flags) ? -errno : 0;
}

/*
 * A trim, or a sync on an engine that cannot queue one, done here as fio does: a trim after
 * submitting what is queued (fio's engines trim synchronously, with BLKDISCARD or a punched
 * hole), a sync once nothing is in flight either (libaio). Timed as a synchronous I/O.
 */
static int do_other_now(struct worker *w, struct blk_worker *bw, struct io_req *r)
{
	int ret = r->dir == IO_TRIM ? submit_queued(w, bw) : drain(w, bw);

	if (ret)
		return ret;
	r->issue_ns = clock_now_ns();
	/* the oldest in flight: what the engine has out, else this call */
	uint64_t oldest = blk_inflight_oldest(&bw->inflight_order);
	worker_set_inflight_since(w, oldest ? oldest : r->issue_ns);
	r->result = r->dir == IO_SYNC_FILE_RANGE ? do_sync_file_range(bw, r) : engine_do_other(r);
	worker_set_inflight_since(w, oldest);
	if (worker_measuring(w) && bw->stats) {
		bw->stats->depth[depth_bucket(bw->inflight + 1)]++;
		bw->stats->submit[batch_bucket(1)]++;
		bw->stats->complete[batch_bucket(1)]++;
	}
	uint64_t now = clock_now_ns();
	complete_one(w, bw, r, now);
	bw->freeq[bw->nfree++] = r;
	/* a run of trims never fills the queue: the clock must be looked at here too */
	if (bw->going && !worker_tick(w, now))
		bw->going = false;
	return 0;
}

static int loop_boundary(struct worker *w, struct blk_worker *bw);

/* Prepares and queues I/Os while some request is free (fio's do_io, up to queue_full). */
static int fill(struct worker *w, struct blk_worker *bw)
{
	struct io_engine *e = &bw->engine;

	while (bw->going && bw->nfree) {
		struct io_req *r = bw->freeq[--bw->nfree];
		int ret;

		if (!next_io(w, bw, r)) {
			bw->freeq[bw->nfree++] = r;
			if (bw->gen.loop_ended) {
				ret = loop_boundary(w, bw);
				if (ret)
					return ret;
				continue;
			}
			bw->going = false;
			break;
		}
		if (__builtin_expect(r->dir > IO_WRITE, 0) && !e->ops->sync_io &&
		    (r->dir == IO_TRIM || !e->ops->queues_other || r->dir == IO_SYNC_FILE_RANGE)) {
			ret = do_other_now(w, bw, r);
			if (ret)
				return ret;
			continue;
		}
		ret = e->ops->queue(e, r);
		if (ret) {
			bw->freeq[bw->nfree++] = r;
			return worker_fail(w, ret, "%s: queue: %s", e->ops->name, strerror(-ret));
		}
		bw->pend[bw->queued++] = r;
		if (bw->queued >= bw->batch_submit) {
			ret = submit_queued(w, bw);
			if (ret)
				return ret;
		}
	}
	/* fio commits what is queued before it waits for completions */
	return submit_queued(w, bw);
}

/* fio's end_fsync and fsync_on_close: fsync each file the job wrote, once all I/O is done. */
static void end_syncs(struct worker *w, struct blk_worker *bw)
{
	if (!bw->eo->end_fsync && !bw->eo->fsync_on_close)
		return;
	for (unsigned i = 0; i < bw->clone->nfiles; i++) {
		struct io_req r = { .fd = bw->fds[i], .dir = IO_SYNC };

		if (!bw->written[i])
			continue;
		r.start_ns = r.issue_ns = clock_now_ns();
		r.result = engine_do_other(&r);
		/* as fio, the closing syncs are not in the sync statistics; a failure is an error */
		if (r.result)
			complete_one(w, bw, &r, clock_now_ns());
		bw->written[i] = false;
	}
	if (bw->verifying && !worker_error(w)) {
		int ret = blk_vclone_synced_all(&bw->v);
		if (ret)
			worker_fail(w, ret, "job %s: ack ledger: %s", bw->job->o.name,
				    blk_vclone_ledger_why(&bw->v, ret));
	}
}

/*
 * Between two loops (fio's do_io ending and clear_io_state): what is in flight completes,
 * end_fsync and fsync_on_close sync what the loop wrote, and the files are closed, removed
 * (unlink_each_loop) and reopened (invalidate drops their cache again). The engine is set up
 * again on the new descriptors: io_uring's registered file would still be the old one.
 */
static int loop_boundary(struct worker *w, struct blk_worker *bw)
{
	const struct blk_job *job = bw->job;
	char why[512] = "";
	int ret = drain(w, bw);

	if (ret || worker_error(w))
		return ret ? ret : worker_error(w);
	if (!bw->going)
		return 0; /* the run ended (runtime, a stop) while the loop drained */
	/*
	 * fio closes a written file at its loop's end, then opens and closes it once more before
	 * the next loop: with fsync_on_close each close syncs it (fio 3.33: 3 loops, 5 fsyncs).
	 */
	for (unsigned i = 0; bw->eo->fsync_on_close && i < bw->clone->nfiles; i++)
		if (bw->written[i])
			fsync(bw->fds[i]);
	end_syncs(w, bw);
	bw->engine.ops->exit(&bw->engine);
	bw->engine_open = false;
	ret = blk_clone_loop_end(bw->clone, bw->fds, why, sizeof(why));
	if (ret)
		return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	ret = engine_open_opts(&bw->engine, job->engine_name, bw->eo, bw->fds[0], bw->depth,
			       bw->iov, bw->depth, why, sizeof(why));
	if (ret)
		return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	bw->engine_open = true;
	bw->last_write_fd = -1; /* the descriptors are new */
	blk_gen_next_loop(&bw->gen);
	return 0;
}

int blk_worker_run(struct worker *w)
{
	struct blk_worker *bw = worker_state(w);

	if (bw->job->o.file.create_only)
		return 0; /* the setup (layout) was the job */
	if (bw->clone->ack)
		return blk_verify_ack_check(w, bw->clone);
	if (bw->dry && blk_verify_ledger_wanted(bw->job))
		return 0; /* the job's first clone checks its ledger */
	if (bw->dry) {
		bw->going = true;
		if (!blk_vclone_dry_run(w, &bw->v, &bw->gen, bw->fds))
			blk_vclone_verify(w, &bw->v, bw->fds, bw->mem, true);
		return worker_error(w);
	}
	bw->going = true;
	for (;;) {
		if (fill(w, bw))
			break;
		if (!bw->inflight)
			break;
		/*
		 * fio's wait_for_completions: with the queue full, at least complete_min (at
		 * least one), again until no more than iodepth_low are in flight; when the job
		 * is ending, one at a time until nothing is left.
		 */
		bool full = bw->nfree == 0;
		unsigned min = bw->complete_min < bw->inflight ? bw->complete_min : bw->inflight;

		if (!min)
			min = 1;
		do {
			if (reap_some(w, bw, min) < 0)
				goto out;
		} while (full && bw->going && bw->inflight > bw->low);
		if (bw->verifying && bw->going && blk_vclone_trim_due(&bw->v)) {
			/* fio's trim_backlog: discard some of what was written, then expect zeros */
			if (drain(w, bw) || worker_error(w) || blk_vclone_trim(w, &bw->v, bw->fds))
				goto out;
		}
		if (bw->verifying && bw->going && blk_vclone_backlog_due(&bw->v)) {
			/* fio's verify_backlog: what was written so far, read back mid-run */
			if (drain(w, bw) || worker_error(w) ||
			    blk_vclone_verify(w, &bw->v, bw->fds, bw->mem, false))
				goto out;
		}
	}
out:
	if (!worker_error(w)) {
		drain(w, bw);
		end_syncs(w, bw);
	}
	/* fio's verify phase: after a write phase that ended by itself (not runtime, not a stop) */
	if (bw->verifying && bw->job->o.verify.verify_state_save) {
		/* fio saves it at the end of every verifying write job: what verify_only loads */
		char why[700] = "";
		if (blk_vclone_state_save(&bw->v, why, sizeof(why)))
			fprintf(stderr, "pvcbench: %s: verify_state_save: %s\n", bw->job->o.name,
				why);
	}
	if (bw->verifying && bw->job->o.verify.do_verify && bw->gen_done && !worker_error(w) &&
	    !signals_stop_requested() && !atomic_load(&w->run_stopped)) {
		/* fio times the phase apart: its reads' runtime, the writes' ending here */
		uint64_t start = clock_now_ns();
		bool read_before = w->live_ops[0] > 0;

		blk_vclone_verify(w, &bw->v, bw->fds, bw->mem, true);
		if (bw->stats) {
			bw->stats->verify_ns = clock_now_ns() - start;
			bw->stats->read_before_verify = read_before;
		}
	}
	/* fio's exitall, exitall_on_error: this clone's end ends the others' too */
	const struct blk_jobctl_opts *ctl = &bw->job->o.ctl;
	if (ctl->exitall || (ctl->exitall_on_error && worker_error(w))) {
		worker_stop_run(w);
		if (ctl->exitall && !strcmp(ctl->exit_what, "all") && bw->stats)
			bw->stats->ended_all = true;
	}
	if (bw->logging) {
		int ret = blk_log_close(&bw->log, clock_now_ns());
		if (ret && !worker_error(w))
			worker_fail(w, ret, "job %s: writing its logs: %s", bw->job->o.name,
				    strerror(-ret));
	}
	return worker_error(w);
}
