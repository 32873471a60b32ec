/*
 * worker.c - one clone of a block job: its file, engine, buffers and the hot loop.
 *
 * The loop keeps iodepth requests in flight: one reap (which submits what was queued and waits
 * for at least one completion) per batch, one timestamp when the batch completes (the latency of
 * every request in it) and one after the refills are queued (their issue time), and no
 * allocation, lock or system call other than the engine's per batch.
 */
#define _GNU_SOURCE
#include "block.h"
#include "pvcbench/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A stalled device must not keep a stop request waiting: reap wakes up this often. */
#define REAP_TIMEOUT_NS 200000000ULL

struct blk_worker {
	struct blk_clone *clone;
	const struct blk_job *job;
	int *fds; /* clone->nfiles entries */
	bool engine_open;
	struct io_engine engine;
	void *mem;
	struct iovec *iov;
	struct io_req *reqs;
	struct io_req **done;
	unsigned depth;
	uint64_t rng[2];
	struct blk_gen gen;
	struct blk_data data;
	struct blk_pace pace;
	struct blk_log log;
	bool logging;	       /* the log was started (measuring began) */
	unsigned batch_submit; /* submit every this many refills; 0 = with the next wait */
};

static int alloc_buffers(struct blk_worker *bw, unsigned depth, uint64_t bs, char *why,
			 size_t why_size)
{
	size_t stride = (size_t)bs;

	bw->depth = depth;
	if (posix_memalign(&bw->mem, 4096, stride * depth)) {
		snprintf(why, why_size, "cannot allocate %u buffers of %zu bytes", depth, stride);
		return -ENOMEM;
	}
	bw->iov = calloc(depth, sizeof(*bw->iov));
	bw->reqs = calloc(depth, sizeof(*bw->reqs));
	bw->done = calloc(depth, sizeof(*bw->done));
	if (!bw->iov || !bw->reqs || !bw->done)
		return -ENOMEM;
	/* first touch by the (pinned) worker thread puts the pages on its NUMA node */
	blk_data_fill(&bw->data, bw->mem, stride * depth);
	for (unsigned i = 0; i < depth; i++) {
		bw->iov[i].iov_base = (char *)bw->mem + i * stride;
		bw->iov[i].iov_len = stride;
		bw->reqs[i].buf = (uint16_t)i;
		bw->reqs[i].len = (uint32_t)bs;
	}
	return 0;
}

static void free_worker(struct blk_worker *bw)
{
	if (bw->engine_open)
		bw->engine.ops->exit(&bw->engine);
	if (bw->fds)
		blk_clone_close(bw->clone, bw->fds);
	blk_gen_free(&bw->gen);
	free(bw->fds);
	free(bw->mem);
	free(bw->iov);
	free(bw->reqs);
	free(bw->done);
	free(bw);
}

static unsigned effective_depth(const struct blk_job *job)
{
	/* psync completes each I/O inside the call: more in flight is not possible */
	if (!strcmp(job->engine_name, "psync"))
		return 1;
	return (unsigned)job->o.iodepth;
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
		ret = engine_open(&bw->engine, job->o.ioengine, fd, (unsigned)job->o.iodepth,
				  bw->iov, bw->depth, why, sizeof(why));
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
	worker_set_state(w, bw);
	rng_seed(bw->rng, clone->seed);
	bw->batch_submit = (unsigned)job->o.iodepth_batch_submit;

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
	/* fio's fadvise_hint: no read-ahead for random patterns */
	for (unsigned i = 0; i < clone->nfiles; i++)
		posix_fadvise(bw->fds[i], 0, 0,
			      job->random ? POSIX_FADV_RANDOM : POSIX_FADV_SEQUENTIAL);
	ret = blk_gen_init(&bw->gen, clone, bw->fds, why, sizeof(why));
	if (ret)
		return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	blk_data_init(&bw->data, job, clone->seed ^ 0x2545f4914f6cdd1dULL);
	ret = alloc_buffers(bw, effective_depth(job), blk_pattern_max_bs(job), why, sizeof(why));
	if (ret)
		return worker_fail(w, ret, "%s", why);
	ret = engine_open(&bw->engine, job->engine_name, bw->fds[0], bw->depth, bw->iov, bw->depth,
			  why, sizeof(why));
	if (ret)
		return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	bw->engine_open = true;
	ret = blk_pace_init(&bw->pace, clone, why, sizeof(why));
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

/* Fills in the next request; false when the job has issued all it should. */
static inline bool next_io(struct worker *w, struct blk_worker *bw, struct io_req *r)
{
	if (!blk_gen_next(&bw->gen, r, worker_measuring(w)))
		return false;
	if (r->dir == IO_WRITE)
		blk_data_write(&bw->data, bw->iov[r->buf].iov_base, r->len, r->offset);
	if (bw->pace.active) {
		uint64_t now = clock_now_ns(), due = blk_pace_due(&bw->pace, r->dir, r->len, now);
		if (due > now && !blk_pace_wait(&bw->pace, due))
			return false;
	}
	return true;
}

/*
 * Stamps the issue time of the requests queued since the last stamp, done[*stamped..fresh), and
 * submits them now when submit is set (every iodepth_batch_submit refills); otherwise they go
 * with the next reap's wait, in the same system call.
 */
static int stamp_and_submit(struct blk_worker *bw, unsigned *stamped, unsigned fresh, bool submit)
{
	uint64_t now = clock_now_ns();

	for (unsigned i = *stamped; i < fresh; i++)
		bw->done[i]->issue_ns = now;
	*stamped = fresh;
	if (!submit || !bw->engine.ops->submit)
		return 0;
	return bw->engine.ops->submit(&bw->engine);
}

/* Queues r (a refill, or one of the first depth requests) into done[*fresh]. */
static int refill(struct worker *w, struct blk_worker *bw, struct io_req *r, unsigned *fresh,
		  unsigned *stamped)
{
	int ret = bw->engine.ops->queue(&bw->engine, r);

	if (ret)
		return worker_fail(w, ret, "queue: %s", strerror(-ret));
	bw->done[(*fresh)++] = r;
	if (bw->batch_submit && *fresh - *stamped >= bw->batch_submit) {
		ret = stamp_and_submit(bw, stamped, *fresh, true);
		if (ret)
			return worker_fail(w, ret, "submit: %s", strerror(-ret));
	}
	return 0;
}

/* The path of the file a request went to, for messages. */
static const char *file_of(const struct blk_worker *bw, const struct io_req *r)
{
	for (unsigned i = 0; i < bw->clone->nfiles; i++)
		if (bw->fds[i] == r->fd)
			return bw->clone->files[i].file->path;
	return bw->clone->files[0].file->path;
}

int blk_worker_run(struct worker *w)
{
	struct blk_worker *bw = worker_state(w);
	struct io_engine *e = &bw->engine;
	unsigned inflight = 0, fresh = 0, stamped = 0;
	bool going = true;

	for (unsigned i = 0; i < bw->depth && next_io(w, bw, &bw->reqs[i]); i++) {
		if (refill(w, bw, &bw->reqs[i], &fresh, &stamped))
			return worker_error(w);
		inflight++;
	}
	stamp_and_submit(bw, &stamped, fresh, false);

	while (inflight) {
		int n = e->ops->reap(e, 1, REAP_TIMEOUT_NS, bw->done, bw->depth);
		uint64_t now = clock_now_ns();

		if (n < 0) {
			if (n == -EINTR)
				continue;
			return worker_fail(w, n, "%s: reap: %s", e->ops->name, strerror(-n));
		}
		if (going && !worker_tick(w, now))
			going = false;
		fresh = stamped = 0;
		for (int i = 0; i < n; i++) {
			struct io_req *r = bw->done[i];
			inflight--;
			if (r->result == (int64_t)r->len) {
				worker_record(w, r->dir, now - r->issue_ns, r->len);
				if (bw->log.active && worker_measuring(w)) {
					if (!bw->logging) {
						blk_log_start(&bw->log, now);
						bw->logging = true;
					}
					blk_log_io(&bw->log, now, r, 0, now - r->issue_ns);
				}
			} else {
				int err = r->result < 0 ? (int)r->result : -EIO;
				worker_record_error(w, r->dir);
				if (!blk_jobctl_error_continue(bw->job, r->dir, err)) {
					if (!worker_error(w))
						worker_fail(w, err, "%s %s at offset %llu: %s",
							    file_of(bw, r),
							    r->dir == IO_READ ? "read" : "write",
							    (unsigned long long)r->offset,
							    r->result < 0
								    ? strerror((int)-r->result)
								    : "short transfer");
					going = false;
				}
			}
			/* done[] holds the reaped requests ahead of i and the refills behind it */
			if (going && next_io(w, bw, r)) {
				if (refill(w, bw, r, &fresh, &stamped))
					return worker_error(w);
				inflight++;
			}
		}
		stamp_and_submit(bw, &stamped, fresh, false);
	}
	if (bw->logging) {
		int ret = blk_log_close(&bw->log, clock_now_ns());
		if (ret && !worker_error(w))
			worker_fail(w, ret, "job %s: writing its logs: %s", bw->job->o.name,
				    strerror(-ret));
	}
	return worker_error(w);
}
