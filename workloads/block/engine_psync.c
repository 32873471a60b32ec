/*
 * engine_psync.c - fio's synchronous engines: sync, psync, vsync, pvsync, pvsync2.
 *
 * queue() only records the request (no system call, as the ops contract says); reap() then
 * performs the queued requests in order, one system call each, and hands them back as
 * completed, so at most one I/O is ever in the kernel, as with fio's engines of these names:
 * sync uses lseek + read/write, psync pread/pwrite, vsync lseek + readv/writev, pvsync
 * preadv/pwritev and pvsync2 preadv2/pwritev2 (with RWF_HIPRI under hipri). They need nothing
 * beyond POSIX, which is why ioengine=auto falls back to psync last. Trims and syncs go through
 * engine_do_other. The pending list is a ring of `depth` pointers allocated at init; nothing is
 * allocated per I/O.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

#ifndef RWF_HIPRI
#define RWF_HIPRI 0x00000001
#endif

enum psync_mode { M_SYNC, M_PSYNC, M_VSYNC, M_PVSYNC, M_PVSYNC2 };

struct psync_ctx {
	int fd;
	enum psync_mode mode;
	int rwf; /* pvsync2's flags */
	unsigned depth;
	const struct iovec *bufs;
	unsigned nbufs;
	unsigned head;	/* oldest pending request */
	unsigned count; /* pending requests */
	struct io_req *pending[];
};

static enum psync_mode psync_mode_of(const struct io_engine_ops *ops)
{
	if (ops == &engine_sync_ops)
		return M_SYNC;
	if (ops == &engine_vsync_ops)
		return M_VSYNC;
	if (ops == &engine_pvsync_ops)
		return M_PVSYNC;
	if (ops == &engine_pvsync2_ops)
		return M_PVSYNC2;
	return M_PSYNC;
}

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
	ctx->mode = psync_mode_of(e->ops);
	if (ctx->mode == M_PVSYNC2 && e->opts && e->opts->hipri)
		ctx->rwf = RWF_HIPRI;
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
	if (r->dir <= IO_WRITE && (r->buf >= ctx->nbufs || r->len > ctx->bufs[r->buf].iov_len))
		return -EINVAL;
	ctx->pending[(ctx->head + ctx->count) % ctx->depth] = r;
	ctx->count++;
	return 0;
}

/* One read or write, in the system calls of the engine's name. */
static ssize_t psync_rw(const struct psync_ctx *ctx, const struct io_req *r)
{
	struct iovec iov = { ctx->bufs[r->buf].iov_base, r->len };
	bool wr = r->dir == IO_WRITE;
	off_t off = (off_t)r->offset;

	switch (ctx->mode) {
	case M_SYNC:
	case M_VSYNC:
		/* fio's sync engines seek each time (it skips the seek when already there) */
		if (lseek(r->fd, off, SEEK_SET) < 0)
			return -1;
		if (ctx->mode == M_VSYNC)
			return wr ? writev(r->fd, &iov, 1) : readv(r->fd, &iov, 1);
		return wr ? write(r->fd, iov.iov_base, r->len) : read(r->fd, iov.iov_base, r->len);
	case M_PVSYNC:
		return wr ? pwritev(r->fd, &iov, 1, off) : preadv(r->fd, &iov, 1, off);
	case M_PVSYNC2:
		return wr ? pwritev2(r->fd, &iov, 1, off, ctx->rwf)
			  : preadv2(r->fd, &iov, 1, off, ctx->rwf);
	case M_PSYNC:
	default:
		return wr ? pwrite(r->fd, iov.iov_base, r->len, off)
			  : pread(r->fd, iov.iov_base, r->len, off);
	}
}

static uint64_t psync_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int64_t psync_do(const struct psync_ctx *ctx, struct io_req *r)
{
	ssize_t n;

	/* fio's issue_time for a sync engine: just before the system call */
	r->issue_ns = psync_now_ns();
	if (r->dir > IO_WRITE)
		return engine_do_other(r);
	do
		n = psync_rw(ctx, r);
	while (n < 0 && errno == EINTR);
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

#define PSYNC_OPS(var, engine_name)                                                                \
	const struct io_engine_ops var = {                                                         \
		.name = engine_name,                                                               \
		.sync_io = true,                                                                   \
		.queues_other = true,                                                              \
		.init = psync_init,                                                                \
		.queue = psync_queue,                                                              \
		.reap = psync_reap,                                                                \
		.exit = psync_exit,                                                                \
	}

PSYNC_OPS(engine_psync_ops, "psync");
PSYNC_OPS(engine_sync_ops, "sync");
PSYNC_OPS(engine_vsync_ops, "vsync");
PSYNC_OPS(engine_pvsync_ops, "pvsync");

/* pvsync2 alone takes hipri (RWF_HIPRI), as in fio */
static const struct option_def pvsync2_option_defs[] = {
	{ .name = "hipri", .type = OPT_BOOL, .help = "RWF_HIPRI on preadv2/pwritev2" }, { 0 }
};

const struct io_engine_ops engine_pvsync2_ops = {
	.name = "pvsync2",
	.sync_io = true,
	.queues_other = true,
	.options = pvsync2_option_defs,
	.init = psync_init,
	.queue = psync_queue,
	.reap = psync_reap,
	.exit = psync_exit,
};
