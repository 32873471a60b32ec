/*
 * engine_posixaio.c - fio's posixaio engine: POSIX asynchronous I/O (aio_read, aio_write,
 * aio_fsync), which glibc carries out with its own helper threads.
 *
 * queue() fills an aiocb (no call); submit() hands the queued ones to aio_read/aio_write/
 * aio_fsync; reap() collects those whose aio_error is no longer EINPROGRESS and, while fewer
 * than min are done, waits in aio_suspend. One aiocb per request, allocated at init; nothing is
 * allocated per I/O. Trims are left to the worker (engine_do_other), as in fio.
 */
#include <aio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"

struct paio_ctx {
	unsigned depth, nbufs;
	const struct iovec *bufs;
	unsigned npending, ninflight;
	struct aiocb *cbs;		/* depth of them, free ones on the free stack */
	struct aiocb **free, **pending; /* queued, not yet submitted */
	struct aiocb **inflight;	/* submitted: ninflight of them */
	struct io_req **req_of;		/* by aiocb index */
	int *refused;			/* by aiocb index: the errno of a refused start, or 0 */
	unsigned nfree;
};

static int paio_init(struct io_engine *e, int fd, unsigned depth, const struct iovec *bufs,
		     unsigned nbufs, char *why, size_t why_size)
{
	struct paio_ctx *ctx = calloc(1, sizeof(*ctx));

	(void)fd;
	if (ctx) {
		ctx->cbs = calloc(depth, sizeof(*ctx->cbs));
		ctx->free = calloc(depth, sizeof(*ctx->free));
		ctx->pending = calloc(depth, sizeof(*ctx->pending));
		ctx->inflight = calloc(depth, sizeof(*ctx->inflight));
		ctx->req_of = calloc(depth, sizeof(*ctx->req_of));
		ctx->refused = calloc(depth, sizeof(*ctx->refused));
	}
	if (!ctx || !ctx->cbs || !ctx->free || !ctx->pending || !ctx->inflight || !ctx->req_of ||
	    !ctx->refused) {
		if (ctx) {
			free(ctx->refused);
			free(ctx->cbs);
			free(ctx->free);
			free(ctx->pending);
			free(ctx->inflight);
			free(ctx->req_of);
			free(ctx);
		}
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < depth; i++)
		ctx->free[i] = &ctx->cbs[i];
	ctx->nfree = ctx->depth = depth;
	ctx->bufs = bufs;
	ctx->nbufs = nbufs;
	e->priv = ctx;
	return 0;
}

static int paio_queue(struct io_engine *e, struct io_req *r)
{
	struct paio_ctx *ctx = e->priv;
	struct aiocb *cb;

	if (!ctx->nfree)
		return -EBUSY;
	if (r->dir <= IO_WRITE && (r->buf >= ctx->nbufs || r->len > ctx->bufs[r->buf].iov_len))
		return -EINVAL;
	if (r->dir == IO_TRIM)
		return -EINVAL; /* the worker trims itself */
	cb = ctx->free[--ctx->nfree];
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = r->fd;
	cb->aio_offset = (off_t)r->offset;
	cb->aio_nbytes = r->len;
	cb->aio_buf = r->dir <= IO_WRITE ? ctx->bufs[r->buf].iov_base : NULL;
	cb->aio_sigevent.sigev_notify = SIGEV_NONE;
	ctx->req_of[cb - ctx->cbs] = r;
	ctx->refused[cb - ctx->cbs] = 0;
	ctx->pending[ctx->npending++] = cb;
	return 0;
}

static int paio_start(struct aiocb *cb, unsigned dir)
{
	switch (dir) {
	case IO_READ:
		return aio_read(cb);
	case IO_WRITE:
		return aio_write(cb);
	case IO_SYNC:
		return aio_fsync(O_SYNC, cb);
	default:
		return aio_fsync(O_DSYNC, cb);
	}
}

static int paio_submit(struct io_engine *e)
{
	struct paio_ctx *ctx = e->priv;

	for (unsigned i = 0; i < ctx->npending; i++) {
		struct aiocb *cb = ctx->pending[i];
		unsigned idx = (unsigned)(cb - ctx->cbs);

		/* refused at once: it completes with that error at the next reap */
		if (paio_start(cb, ctx->req_of[idx]->dir))
			ctx->refused[idx] = errno ? errno : EIO;
		ctx->inflight[ctx->ninflight++] = cb;
	}
	ctx->npending = 0;
	return 0;
}

/* Moves the finished ones of inflight[] into done; returns how many. */
static unsigned paio_collect(struct paio_ctx *ctx, struct io_req **done, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ctx->ninflight && n < max;) {
		struct aiocb *cb = ctx->inflight[i];
		unsigned idx = (unsigned)(cb - ctx->cbs);
		int err = ctx->refused[idx] ? ctx->refused[idx] : aio_error(cb);

		if (err == EINPROGRESS) {
			i++;
			continue;
		}
		struct io_req *r = ctx->req_of[idx];
		ssize_t ret = ctx->refused[idx] ? -1 : aio_return(cb);

		r->result = err ? -err : ret;
		done[n++] = r;
		ctx->inflight[i] = ctx->inflight[--ctx->ninflight];
		ctx->free[ctx->nfree++] = cb;
	}
	return n;
}

static int paio_reap(struct io_engine *e, unsigned min, uint64_t timeout_ns, struct io_req **done,
		     unsigned max)
{
	struct paio_ctx *ctx = e->priv;
	struct timespec ts = { (time_t)(timeout_ns / 1000000000ULL),
			       (long)(timeout_ns % 1000000000ULL) };
	unsigned n;

	paio_submit(e);
	n = paio_collect(ctx, done, max);
	while (n < min && n < max && ctx->ninflight) {
		int ret = aio_suspend((const struct aiocb *const *)ctx->inflight,
				      (int)ctx->ninflight, timeout_ns ? &ts : NULL);
		if (ret && errno == EAGAIN)
			break; /* the timeout: the caller looks at its stop flag */
		n += paio_collect(ctx, done + n, max - n);
	}
	return (int)n;
}

static void paio_exit(struct io_engine *e)
{
	struct paio_ctx *ctx = e->priv;

	if (!ctx)
		return;
	while (ctx->ninflight) {
		aio_suspend((const struct aiocb *const *)ctx->inflight, (int)ctx->ninflight, NULL);
		for (unsigned i = 0; i < ctx->ninflight;) {
			struct aiocb *cb = ctx->inflight[i];

			if (!ctx->refused[cb - ctx->cbs] && aio_error(cb) == EINPROGRESS) {
				i++;
				continue;
			}
			if (!ctx->refused[cb - ctx->cbs])
				aio_return(cb);
			ctx->inflight[i] = ctx->inflight[--ctx->ninflight];
		}
	}
	free(ctx->cbs);
	free(ctx->free);
	free(ctx->pending);
	free(ctx->inflight);
	free(ctx->req_of);
	free(ctx->refused);
	free(ctx);
	e->priv = NULL;
}

const struct io_engine_ops engine_posixaio_ops = {
	.name = "posixaio",
	.queues_other = true, /* aio_fsync */
	.init = paio_init,
	.queue = paio_queue,
	.submit = paio_submit,
	.reap = paio_reap,
	.exit = paio_exit,
};
