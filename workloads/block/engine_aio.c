/*
 * engine_aio.c - the Linux native AIO engine (libaio), built only with PVC_HAVE_AIO.
 *
 * One io_context per context, with depth iocbs allocated at init and handed out from a free
 * stack, so nothing is allocated per I/O. queue() fills an iocb and appends it to the pending
 * array; reap() io_submit()s the pending array (a partial submission leaves the rest pending,
 * in order) and then io_getevents(). A request the kernel refuses at submission is completed
 * with that error, as if the I/O had failed, rather than failing the whole reap.
 *
 * Invariants: every iocb is in exactly one of free[], pending[] or the kernel (inflight);
 * nfree + npending + inflight + nfailed == depth. AIO is only asynchronous with O_DIRECT; on
 * a buffered file io_submit() does the I/O itself, which is still correct, only slower.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libaio.h>

#include "engine.h"

struct aio_ctx {
	io_context_t io;
	int fd;
	unsigned depth;
	const struct iovec *bufs;
	unsigned nbufs;
	unsigned nfree, npending, inflight, nfailed;
	struct iocb *iocbs;	 /* depth of them */
	struct iocb **free;	 /* free stack */
	struct iocb **pending;	 /* queued, not yet accepted by io_submit */
	struct iocb **failed;	 /* refused by io_submit, to hand back from reap */
	struct io_event *events; /* depth of them */
	bool userspace_reap;	 /* read completions from the ring in user space */
};

/* The kernel's AIO completion ring, mapped at the io_context's address (fs/aio.c). */
struct aio_uring {
	unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
	struct io_event events[];
};
#define AIO_RING_MAGIC 0xa10a10a1

/*
 * fio's userspace_reap: up to max completions straight from the ring, with no system call.
 * Returns how many it stored in events.
 */
static unsigned aio_user_reap(struct aio_ctx *ctx, struct io_event *events, unsigned max)
{
	struct aio_uring *ring = (struct aio_uring *)ctx->io;
	unsigned head = ring->head, n = 0;
	unsigned tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);

	while (head != tail && n < max) {
		events[n++] = ring->events[head];
		head = head + 1 == ring->nr ? 0 : head + 1;
	}
	__atomic_store_n(&ring->head, head, __ATOMIC_RELEASE);
	return n;
}

static void aio_explain(int err, char *why, size_t why_size)
{
	long nr = -1, max = -1;

	switch (err) {
	case -EAGAIN:
		engine_read_sysctl("/proc/sys/fs/aio-nr", &nr);
		engine_read_sysctl("/proc/sys/fs/aio-max-nr", &max);
		snprintf(why, why_size,
			 "io_setup: %s, aio-max-nr exhausted (fs.aio-nr=%ld of fs.aio-max-nr=%ld)",
			 strerror(-err), nr, max);
		break;
	case -ENOSYS:
		snprintf(why, why_size, "io_setup: %s, io_setup not supported (seccomp?)",
			 strerror(-err));
		break;
	case -EPERM:
		snprintf(why, why_size, "io_setup: %s, blocked by seccomp?", strerror(-err));
		break;
	default:
		snprintf(why, why_size, "io_setup: %s", strerror(-err));
		break;
	}
}

static void aio_free_ctx(struct aio_ctx *ctx)
{
	free(ctx->iocbs);
	free(ctx->free);
	free(ctx->pending);
	free(ctx->failed);
	free(ctx->events);
	free(ctx);
}

static int aio_init(struct io_engine *e, int fd, unsigned depth, const struct iovec *bufs,
		    unsigned nbufs, char *why, size_t why_size)
{
	struct aio_ctx *ctx;
	int ret;

	if (fd < 0 || depth == 0 || (nbufs && !bufs)) {
		snprintf(why, why_size, "invalid arguments (fd %d, depth %u)", fd, depth);
		return -EINVAL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		goto nomem;
	ctx->iocbs = calloc(depth, sizeof(*ctx->iocbs));
	ctx->free = calloc(depth, sizeof(*ctx->free));
	ctx->pending = calloc(depth, sizeof(*ctx->pending));
	ctx->failed = calloc(depth, sizeof(*ctx->failed));
	ctx->events = calloc(depth, sizeof(*ctx->events));
	if (!ctx->iocbs || !ctx->free || !ctx->pending || !ctx->failed || !ctx->events)
		goto nomem;

	/* libaio returns a negative errno rather than setting errno */
	ret = io_setup((int)depth, &ctx->io);
	if (ret < 0) {
		aio_explain(ret, why, why_size);
		aio_free_ctx(ctx);
		return ret;
	}
	for (unsigned i = 0; i < depth; i++)
		ctx->free[i] = &ctx->iocbs[i];
	ctx->nfree = depth;
	ctx->fd = fd;
	ctx->depth = depth;
	ctx->bufs = bufs;
	ctx->nbufs = nbufs;
	ctx->userspace_reap = e->opts && e->opts->userspace_reap &&
			      ((struct aio_uring *)ctx->io)->magic == AIO_RING_MAGIC;
	e->priv = ctx;
	return 0;

nomem:
	if (ctx)
		aio_free_ctx(ctx);
	snprintf(why, why_size, "out of memory");
	return -ENOMEM;
}

static int aio_queue(struct io_engine *e, struct io_req *r)
{
	struct aio_ctx *ctx = e->priv;
	struct iocb *cb;
	void *base;

	if (ctx->nfree == 0)
		return -EBUSY;
	if (r->buf >= ctx->nbufs || r->len > ctx->bufs[r->buf].iov_len)
		return -EINVAL;
	cb = ctx->free[--ctx->nfree];
	base = ctx->bufs[r->buf].iov_base;
	if (r->dir == IO_WRITE)
		io_prep_pwrite(cb, r->fd, base, r->len, (long long)r->offset);
	else
		io_prep_pread(cb, r->fd, base, r->len, (long long)r->offset);
	cb->data = r;
	ctx->pending[ctx->npending++] = cb;
	return 0;
}

/* Submits what io_submit will take; the rest stays pending, in order. */
static void aio_submit_pending(struct aio_ctx *ctx)
{
	unsigned done = 0;
	int ret;

	while (done < ctx->npending) {
		ret = io_submit(ctx->io, (long)(ctx->npending - done), ctx->pending + done);
		if (ret > 0) {
			done += (unsigned)ret;
			ctx->inflight += (unsigned)ret;
			continue;
		}
		if (ret == -EINTR)
			continue;
		if (ret == 0 || ret == -EAGAIN)
			break; /* out of kernel resources: retry after completions free some */
		/* the kernel refused the first iocb: complete it with the error */
		((struct io_req *)ctx->pending[done]->data)->result = ret;
		ctx->failed[ctx->nfailed++] = ctx->pending[done];
		done++;
	}
	ctx->npending -= done;
	memmove(ctx->pending, ctx->pending + done, ctx->npending * sizeof(ctx->pending[0]));
}

static int aio_submit(struct io_engine *e)
{
	aio_submit_pending(e->priv);
	return 0;
}

static int aio_reap(struct io_engine *e, unsigned min, uint64_t timeout_ns, struct io_req **done,
		    unsigned max)
{
	struct aio_ctx *ctx = e->priv;
	struct timespec ts, *tsp = NULL;
	unsigned n = 0, want, room;
	int ret;

	if (ctx->npending) {
		aio_submit_pending(ctx);
		/* nothing in flight will free resources, so waiting cannot help */
		if (ctx->npending && !ctx->inflight && !ctx->nfailed)
			return -EAGAIN;
	}

	while (n < max && ctx->nfailed) {
		struct iocb *cb = ctx->failed[--ctx->nfailed];

		done[n++] = cb->data;
		ctx->free[ctx->nfree++] = cb;
	}
	if (n == max || ctx->inflight == 0)
		return (int)n;

	room = max - n;
	if (room > ctx->depth)
		room = ctx->depth;
	want = n >= min ? 0 : min - n;
	if (want > ctx->inflight)
		want = ctx->inflight;
	if (want > room)
		want = room;
	if (timeout_ns) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000ULL);
		ts.tv_nsec = (long)(timeout_ns % 1000000000ULL);
		tsp = &ts;
	}
	ret = ctx->userspace_reap ? (int)aio_user_reap(ctx, ctx->events, room) : 0;
	if (ret < (int)want) {
		/* not enough in the ring: the kernel waits for the rest */
		int got = io_getevents(ctx->io, (long)(want - (unsigned)ret),
				       (long)(room - (unsigned)ret), ctx->events + ret, tsp);
		if (got < 0 && !ret)
			return got == -EINTR ? (int)n : got;
		if (got > 0)
			ret += got;
	}

	for (int i = 0; i < ret; i++) {
		struct iocb *cb = ctx->events[i].obj;
		struct io_req *r = cb->data;

		/* res is an unsigned long carrying either a byte count or a negative errno */
		r->result = (long)ctx->events[i].res;
		done[n++] = r;
		ctx->free[ctx->nfree++] = cb;
	}
	ctx->inflight -= (unsigned)ret;
	return (int)n;
}

static void aio_exit(struct io_engine *e)
{
	struct aio_ctx *ctx = e->priv;
	int ret;

	if (!ctx)
		return;
	while (ctx->inflight) {
		ret = io_getevents(ctx->io, 1, (long)ctx->depth, ctx->events, NULL);
		if (ret < 0 && ret != -EINTR)
			break;
		if (ret > 0)
			ctx->inflight -= (unsigned)ret;
	}
	io_destroy(ctx->io);
	aio_free_ctx(ctx);
	e->priv = NULL;
}

/* fio's libaio option that this engine takes; its value is a job option (engine_options.c) */
static const struct option_def aio_option_defs[] = {
	{ .name = "userspace_reap", .type = OPT_BOOL, .help = "reap from the ring in user space" },
	{ 0 }
};

const struct io_engine_ops engine_aio_ops = {
	.name = "libaio",
	.options = aio_option_defs,
	.init = aio_init,
	.queue = aio_queue,
	.submit = aio_submit,
	.reap = aio_reap,
	.exit = aio_exit,
};
