/*
 * engine_psync.c - the synchronous engine: pread/pwrite, one request at a time.
 *
 * queue() only records the request (no system call, as the ops contract says); reap() then
 * performs the queued requests in order with pread/pwrite and hands them back as completed, so
 * at most one I/O is ever in the kernel, like fio's psync. It needs nothing beyond POSIX, which
 * is why ioengine=auto falls back to it last. The pending list is a ring of `depth` pointers
 * allocated at init; nothing is allocated per I/O.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

struct psync_ctx {
	int fd;
	unsigned depth;
	const struct iovec *bufs;
	unsigned nbufs;
	unsigned head;	/* oldest pending request */
	unsigned count; /* pending requests */
	struct io_req *pending[];
};

static int psync_init(struct io_engine *e, int fd, unsigned depth, const struct iovec *bufs,
		      unsigned nbufs, char *why, size_t why_size)
{
	struct psync_ctx *ctx;

	if (fd < 0 || depth == 0 || (nbufs && !bufs)) {
		snprintf(why, why_size, "invalid arguments (fd %d, depth %u)", fd, depth);
		return -EINVAL;
	}
	ctx = calloc(1, sizeof(*ctx) + depth * sizeof(ctx->pending[0]));
	if (!ctx) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	ctx->fd = fd;
	ctx->depth = depth;
	ctx->bufs = bufs;
	ctx->nbufs = nbufs;
	e->priv = ctx;
	return 0;
}

static int psync_queue(struct io_engine *e, struct io_req *r)
{
	struct psync_ctx *ctx = e->priv;

	if (ctx->count >= ctx->depth)
		return -EBUSY;
	if (r->buf >= ctx->nbufs || r->len > ctx->bufs[r->buf].iov_len)
		return -EINVAL;
	ctx->pending[(ctx->head + ctx->count) % ctx->depth] = r;
	ctx->count++;
	return 0;
}

static int64_t psync_do(const struct psync_ctx *ctx, const struct io_req *r)
{
	void *base = ctx->bufs[r->buf].iov_base;
	ssize_t n;

	do {
		if (r->dir == IO_WRITE)
			n = pwrite(r->fd, base, r->len, (off_t)r->offset);
		else
			n = pread(r->fd, base, r->len, (off_t)r->offset);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* The I/O happens here, so min and timeout_ns have nothing to wait for. */
static int psync_reap(struct io_engine *e, unsigned min, uint64_t timeout_ns, struct io_req **done,
		      unsigned max)
{
	struct psync_ctx *ctx = e->priv;
	unsigned n = 0;

	(void)min;
	(void)timeout_ns;
	while (n < max && ctx->count) {
		struct io_req *r = ctx->pending[ctx->head];

		ctx->head = (ctx->head + 1) % ctx->depth;
		ctx->count--;
		r->result = psync_do(ctx, r);
		done[n++] = r;
	}
	return (int)n;
}

static void psync_exit(struct io_engine *e)
{
	free(e->priv);
	e->priv = NULL;
}

const struct io_engine_ops engine_psync_ops = {
	.name = "psync",
	.init = psync_init,
	.queue = psync_queue,
	.reap = psync_reap,
	.exit = psync_exit,
};
