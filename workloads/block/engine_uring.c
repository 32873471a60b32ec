/*
 * engine_uring.c - the io_uring engine (liburing), built only with PVC_HAVE_URING.
 *
 * One ring per context, created with SINGLE_ISSUER | DEFER_TASKRUN so that completions are run
 * by the issuing task when it asks for them, with no cross-CPU wake-ups; init, queue, reap and
 * exit must therefore all run on the thread that called init. The caller's buffers and the one
 * file are registered, so each I/O is a READ_FIXED/WRITE_FIXED on fixed file 0 and the kernel
 * neither maps pages nor looks up the file per request.
 *
 * Invariants: queue() only fills an SQE (no system call); `outstanding` counts requests queued
 * and not yet handed back by reap, never more than depth, so the SQ (>= depth entries) and the
 * CQ (twice that) never overflow. user_data is the io_req pointer. Nothing is allocated or
 * locked per I/O.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <liburing.h>

#include "engine.h"

struct uring_ctx {
	struct io_uring ring;
	const struct iovec *bufs;
	unsigned nbufs;
	unsigned depth;
	unsigned outstanding;
	int fd;		    /* registered as fixed file 0 when registered */
	bool fixedbufs;	    /* READ_FIXED/WRITE_FIXED on the registered buffers */
	bool registered;    /* fd is fixed file 0 */
	bool vectored;	    /* READV/WRITEV (nonvectored=0 without fixedbufs) */
	struct iovec *iovs; /* one per request for READV/WRITEV, indexed by buffer */
};

/* Names the cause of a failed io_uring call as precisely as the errno and /proc allow. */
static void uring_explain(int err, const char *call, char *why, size_t why_size)
{
	struct rlimit rl;
	long disabled;

	switch (err) {
	case -ENOSYS:
		snprintf(why, why_size, "%s: %s, %s", call, strerror(-err),
			 "not supported by this kernel or blocked by seccomp");
		break;
	case -EPERM:
		if (engine_read_sysctl("/proc/sys/kernel/io_uring_disabled", &disabled) == 0 &&
		    (disabled == 1 || disabled == 2))
			snprintf(why, why_size, "%s: %s, disabled by kernel.io_uring_disabled=%ld",
				 call, strerror(-err), disabled);
		else
			snprintf(why, why_size,
				 "%s: %s, blocked by seccomp (container default profile?)", call,
				 strerror(-err));
		break;
	case -ENOMEM:
		if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
			snprintf(why, why_size,
				 "%s: %s, locked-memory limit too small (ulimit -l = %llu KiB)",
				 call, strerror(-err), (unsigned long long)rl.rlim_cur / 1024);
		else
			snprintf(why, why_size, "%s: %s (ulimit -l = unlimited)", call,
				 strerror(-err));
		break;
	default:
		snprintf(why, why_size, "%s: %s", call, strerror(-err));
		break;
	}
}

/* The ring's setup flags from the options; 0 or -EINVAL with why. */
static unsigned uring_setup_flags(const struct blk_engine_job_opts *o, struct io_uring_params *p)
{
	unsigned flags = 0;

	if (o && o->hipri)
		flags |= IORING_SETUP_IOPOLL;
	if (o && o->sqthread_poll) {
		flags |= IORING_SETUP_SQPOLL;
		if (o->sqthread_poll_cpu_set) {
			flags |= IORING_SETUP_SQ_AFF;
			p->sq_thread_cpu = (unsigned)o->sqthread_poll_cpu;
		}
	} else {
		/* completions run by this task when it asks: no cross-CPU wake-ups (6.1+) */
		flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	}
	return flags;
}

static int uring_init(struct io_engine *e, int fd, unsigned depth, const struct iovec *bufs,
		      unsigned nbufs, char *why, size_t why_size)
{
	const struct blk_engine_job_opts *o = e->opts;
	struct io_uring_params p;
	struct uring_ctx *ctx;
	int ret;

	if (fd < 0 || depth == 0 || nbufs == 0 || !bufs) {
		snprintf(why, why_size, "invalid arguments (fd %d, depth %u, %u buffers)", fd,
			 depth, nbufs);
		return -EINVAL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	/* pvcbench's defaults register both (fio's do not): fixedbufs=0 / registerfiles=0 */
	ctx->fixedbufs = !o || o->fixedbufs;
	ctx->registered = !o || o->registerfiles;
	ctx->vectored = !ctx->fixedbufs && o && !strcmp(o->nonvectored, "0");

	memset(&p, 0, sizeof(p));
	p.flags = uring_setup_flags(o, &p);
	ret = io_uring_queue_init_params(depth, &ctx->ring, &p);
	if (ret == -EINVAL && (p.flags & IORING_SETUP_DEFER_TASKRUN)) {
		/* Kernels before 6.1 reject the flags; the ring works without them. */
		unsigned keep =
			p.flags & ~(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);

		memset(&p, 0, sizeof(p));
		p.flags = keep;
		ret = io_uring_queue_init_params(depth, &ctx->ring, &p);
	}
	if (ret < 0) {
		uring_explain(ret,
			      o && o->sqthread_poll ? "io_uring_setup (sqthread_poll)"
			      : o && o->hipri	    ? "io_uring_setup (hipri)"
						    : "io_uring_setup",
			      why, why_size);
		free(ctx);
		return ret;
	}

	/* Saves an fget/fput per io_uring_enter; older kernels lack it, which costs nothing. */
	io_uring_register_ring_fd(&ctx->ring);

	if (ctx->fixedbufs) {
		ret = io_uring_register_buffers(&ctx->ring, bufs, nbufs);
		if (ret < 0) {
			uring_explain(ret, "io_uring_register_buffers", why, why_size);
			goto fail;
		}
	}
	if (ctx->registered) {
		ret = io_uring_register_files(&ctx->ring, &fd, 1);
		if (ret < 0) {
			uring_explain(ret, "io_uring_register_files", why, why_size);
			goto fail;
		}
	}
	if (ctx->vectored) {
		ctx->iovs = calloc(nbufs, sizeof(*ctx->iovs));
		if (!ctx->iovs) {
			ret = -ENOMEM;
			snprintf(why, why_size, "out of memory");
			goto fail;
		}
	}

	ctx->bufs = bufs;
	ctx->nbufs = nbufs;
	ctx->depth = depth;
	ctx->fd = fd;
	e->priv = ctx;
	return 0;

fail:
	io_uring_queue_exit(&ctx->ring);
	free(ctx);
	return ret;
}

/* Fills sqe with a read or write of r in the form the options chose. */
static void uring_prep_rw(struct uring_ctx *ctx, struct io_uring_sqe *sqe, int fd,
			  const struct io_req *r)
{
	void *base = ctx->bufs[r->buf].iov_base;
	bool wr = r->dir == IO_WRITE;

	if (ctx->fixedbufs) {
		if (wr)
			io_uring_prep_write_fixed(sqe, fd, base, r->len, r->offset, r->buf);
		else
			io_uring_prep_read_fixed(sqe, fd, base, r->len, r->offset, r->buf);
	} else if (ctx->vectored) {
		struct iovec *iov = &ctx->iovs[r->buf];

		iov->iov_base = base;
		iov->iov_len = r->len;
		if (wr)
			io_uring_prep_writev(sqe, fd, iov, 1, r->offset);
		else
			io_uring_prep_readv(sqe, fd, iov, 1, r->offset);
	} else if (wr) {
		io_uring_prep_write(sqe, fd, base, r->len, r->offset);
	} else {
		io_uring_prep_read(sqe, fd, base, r->len, r->offset);
	}
}

static int uring_queue(struct io_engine *e, struct io_req *r)
{
	struct uring_ctx *ctx = e->priv;
	struct io_uring_sqe *sqe;

	if (ctx->outstanding >= ctx->depth)
		return -EBUSY;
	if (r->dir <= IO_WRITE && (r->buf >= ctx->nbufs || r->len > ctx->bufs[r->buf].iov_len))
		return -EINVAL;
	sqe = io_uring_get_sqe(&ctx->ring);
	if (!sqe)
		return -EBUSY;

	bool fixed = ctx->registered && r->fd == ctx->fd;
	int fd = fixed ? 0 : r->fd;
	switch (r->dir) {
	case IO_SYNC:
		io_uring_prep_fsync(sqe, fd, 0);
		break;
	case IO_DATASYNC:
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
		break;
	case IO_TRIM:
		/* a punched hole, as fio's trim of a file (a device: see engine_do_other) */
		io_uring_prep_fallocate(sqe, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					r->offset, r->len);
		break;
	default:
		uring_prep_rw(ctx, sqe, fd, r);
		break;
	}
	if (fixed)
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data(sqe, r);
	ctx->outstanding++;
	return 0;
}

static int uring_submit(struct io_engine *e)
{
	struct uring_ctx *ctx = e->priv;
	int ret = io_uring_submit(&ctx->ring);

	return ret < 0 && ret != -EAGAIN && ret != -EBUSY ? ret : 0;
}

/* Hands back up to max completions that are already in the CQ. */
static unsigned uring_drain(struct uring_ctx *ctx, struct io_req **done, unsigned max)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0, n = 0;

	io_uring_for_each_cqe(&ctx->ring, head, cqe)
	{
		struct io_req *r;

		if (n == max)
			break;
		seen++;
		/* liburing's own timeout SQE, used only on kernels without EXT_ARG */
		if (cqe->user_data == LIBURING_UDATA_TIMEOUT)
			continue;
		r = io_uring_cqe_get_data(cqe);
		/* fallocate answers 0: a trim's result is its length, as the other engines' */
		r->result = r->dir == IO_TRIM && cqe->res == 0 ? (int64_t)r->len : cqe->res;
		done[n++] = r;
	}
	io_uring_cq_advance(&ctx->ring, seen);
	ctx->outstanding -= n;
	return n;
}

/*
 * With DEFER_TASKRUN, finished I/O only becomes a CQE when this task enters the kernel with
 * GETEVENTS, so every path below that has something outstanding makes that call, even when
 * nothing new is queued. A timeout or a signal returns what is ready (often 0), so the caller
 * can look at its stop flag.
 */
static int uring_reap(struct io_engine *e, unsigned min, uint64_t timeout_ns, struct io_req **done,
		      unsigned max)
{
	struct uring_ctx *ctx = e->priv;
	unsigned want = min < ctx->outstanding ? min : ctx->outstanding;
	unsigned n;
	int ret;

	if (ctx->outstanding == 0)
		return 0;
	if (want > max)
		want = max;
	/*
	 * What an earlier call already posted comes first, without a system call (fio's
	 * getevents reaps the ring before it enters the kernel), unless something queued has
	 * yet to be submitted.
	 */
	if (io_uring_sq_ready(&ctx->ring) == 0 && io_uring_cq_ready(&ctx->ring) >= want) {
		n = uring_drain(ctx, done, max);
		if (n >= want)
			return (int)n;
		done += n;
		max -= n;
		want -= n;
	} else {
		n = 0;
	}

	if (want == 0) {
		ret = io_uring_submit_and_get_events(&ctx->ring);
	} else if (timeout_ns) {
		struct __kernel_timespec ts = {
			.tv_sec = (long long)(timeout_ns / 1000000000ULL),
			.tv_nsec = (long long)(timeout_ns % 1000000000ULL),
		};
		struct io_uring_cqe *cqe;

		ret = io_uring_submit_and_wait_timeout(&ctx->ring, &cqe, want, &ts, NULL);
	} else {
		ret = io_uring_submit_and_wait(&ctx->ring, want);
	}
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
		return n ? (int)n : ret;
	return (int)(n + uring_drain(ctx, done, max));
}

static void uring_exit(struct io_engine *e)
{
	struct uring_ctx *ctx = e->priv;
	struct io_req *done[64];
	int ret;

	if (!ctx)
		return;
	while (ctx->outstanding) {
		ret = uring_reap(e, 1, 0, done, 64);
		if (ret < 0)
			break;
	}
	io_uring_queue_exit(&ctx->ring);
	free(ctx->iovs);
	free(ctx);
	e->priv = NULL;
}

/*
 * fio's io_uring options (fio --enghelp=io_uring) that this engine takes; their values are job
 * options (struct blk_engine_job_opts, engine_options.c), read by init.
 */
static const struct option_def uring_option_defs[] = {
	{ .name = "hipri", .type = OPT_BOOL, .help = "polled completions (IORING_SETUP_IOPOLL)" },
	{ .name = "fixedbufs", .type = OPT_INT, .help = "registered buffers" },
	{ .name = "registerfiles", .type = OPT_INT, .help = "registered file" },
	{ .name = "sqthread_poll", .type = OPT_BOOL, .help = "IORING_SETUP_SQPOLL" },
	{ .name = "sqthread_poll_cpu", .type = OPT_INT, .help = "IORING_SETUP_SQ_AFF" },
	{ .name = "nonvectored", .type = OPT_INT, .help = "READ/WRITE rather than READV/WRITEV" },
	{ 0 }
};

const struct io_engine_ops engine_uring_ops = {
	.name = "io_uring",
	.options = uring_option_defs,
	.queues_other = true,
	.init = uring_init,
	.queue = uring_queue,
	.submit = uring_submit,
	.reap = uring_reap,
	.exit = uring_exit,
};
