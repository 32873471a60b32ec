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
#include <errno.h>
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
	int fd; /* registered as fixed file 0 */
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

static int uring_init(struct io_engine *e, int fd, unsigned depth, const struct iovec *bufs,
		      unsigned nbufs, char *why, size_t why_size)
{
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

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	ret = io_uring_queue_init_params(depth, &ctx->ring, &p);
	if (ret == -EINVAL) {
		/* Kernels before 6.1 reject the flags; the ring works without them. */
		memset(&p, 0, sizeof(p));
		ret = io_uring_queue_init_params(depth, &ctx->ring, &p);
	}
	if (ret < 0) {
		uring_explain(ret, "io_uring_setup", why, why_size);
		free(ctx);
		return ret;
	}

	/* Saves an fget/fput per io_uring_enter; older kernels lack it, which costs nothing. */
	io_uring_register_ring_fd(&ctx->ring);

	ret = io_uring_register_buffers(&ctx->ring, bufs, nbufs);
	if (ret < 0) {
		uring_explain(ret, "io_uring_register_buffers", why, why_size);
		goto fail;
	}
	ret = io_uring_register_files(&ctx->ring, &fd, 1);
	if (ret < 0) {
		uring_explain(ret, "io_uring_register_files", why, why_size);
		goto fail;
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

static int uring_queue(struct io_engine *e, struct io_req *r)
{
	struct uring_ctx *ctx = e->priv;
	struct io_uring_sqe *sqe;
	void *base;

	if (ctx->outstanding >= ctx->depth)
		return -EBUSY;
	if (r->buf >= ctx->nbufs || r->len > ctx->bufs[r->buf].iov_len)
		return -EINVAL;
	sqe = io_uring_get_sqe(&ctx->ring);
	if (!sqe)
		return -EBUSY;

	base = ctx->bufs[r->buf].iov_base;
	bool fixed = r->fd == ctx->fd;
	int fd = fixed ? 0 : r->fd;
	if (r->dir == IO_WRITE)
		io_uring_prep_write_fixed(sqe, fd, base, r->len, r->offset, r->buf);
	else
		io_uring_prep_read_fixed(sqe, fd, base, r->len, r->offset, r->buf);
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
		r->result = cqe->res;
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
	int ret;

	if (ctx->outstanding == 0)
		return 0;
	if (want > max)
		want = max;

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
		return ret;
	return (int)uring_drain(ctx, done, max);
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
	free(ctx);
	e->priv = NULL;
}

/*
 * fio's io_uring options, declared so that job options can find them by name
 * (blk_engine_option_find) and say precisely why each is not taken. None is read by this engine
 * yet: every row is OPT_REFUSED, and struct uring_options is where their values will go when a
 * row becomes a real type (and init receives the struct), e.g. sqthread_poll as
 * IORING_SETUP_SQPOLL once a test can show the kernel thread doing the submissions.
 */
struct uring_options {
	bool hipri;
	bool fixedbufs;
	bool registerfiles;
	bool sqthread_poll;
	int64_t sqthread_poll_cpu;
	bool nonvectored;
};

#define F(field) offsetof(struct uring_options, field)

static const struct option_def uring_option_defs[] = {
	{ .name = "hipri",
	  .type = OPT_REFUSED,
	  .offset = F(hipri),
	  .help = "polled completions (IORING_SETUP_IOPOLL) are not supported yet" },
	{ .name = "fixedbufs",
	  .type = OPT_REFUSED,
	  .offset = F(fixedbufs),
	  .help = "buffers are always registered (READ_FIXED/WRITE_FIXED); it cannot be turned off" },
	{ .name = "registerfiles",
	  .type = OPT_REFUSED,
	  .offset = F(registerfiles),
	  .help = "the file is always registered; it cannot be turned off" },
	{ .name = "sqthread_poll",
	  .type = OPT_REFUSED,
	  .offset = F(sqthread_poll),
	  .help = "a kernel submission thread (IORING_SETUP_SQPOLL) is not supported yet" },
	{ .name = "sqthread_poll_cpu",
	  .type = OPT_REFUSED,
	  .offset = F(sqthread_poll_cpu),
	  .help = "a kernel submission thread (IORING_SETUP_SQPOLL) is not supported yet" },
	{ .name = "nonvectored",
	  .type = OPT_REFUSED,
	  .offset = F(nonvectored),
	  .help = "reads and writes are always non-vectored (READ_FIXED/WRITE_FIXED)" },
	{ 0 }
};

const struct io_engine_ops engine_uring_ops = {
	.name = "io_uring",
	.options = uring_option_defs,
	.options_size = sizeof(struct uring_options),
	.init = uring_init,
	.queue = uring_queue,
	.submit = uring_submit,
	.reap = uring_reap,
	.exit = uring_exit,
};
