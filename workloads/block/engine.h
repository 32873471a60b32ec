/*
 * engine.h - the I/O engines of the block workload behind one ops table.
 *
 * An engine owns one submission context for one worker: one file, `depth` requests in flight at
 * most, and `nbufs` buffers that the caller allocated (aligned for O_DIRECT) and that the engine
 * may register with the kernel. The worker's loop is:
 *
 *     queue() each request (no system call), then reap(min = 1), which first submits everything
 *     queued and then waits for at least `min` completions, in one system call where the engine
 *     can (io_uring_submit_and_wait), and hands back the completed requests.
 *
 * Functions return 0 (or a count) on success and a negative errno on failure; they never exit.
 */
#ifndef PVCBENCH_BLOCK_ENGINE_H
#define PVCBENCH_BLOCK_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "pvcbench/options.h"

enum io_dir { IO_READ = 0, IO_WRITE = 1, IO_TRIM = 2 };

/* One I/O in flight. The caller owns the array of requests; the engine keeps pointers to them. */
struct io_req {
	uint64_t offset;
	int fd; /* the file of this request: init's fd or another of the worker's */
	uint32_t len;
	uint16_t buf;	   /* index into the buffers given to init */
	uint8_t dir;	   /* enum io_dir */
	int64_t result;	   /* bytes transferred, or a negative errno; set by reap */
	uint64_t issue_ns; /* the caller's timestamp; engines leave it alone */
	uint64_t due_ns; /* its intended issue time under a rate (pace.h); engines leave it alone */
};

struct io_engine;

struct io_engine_ops {
	const char *name; /* as the engine table in engine.c spells it */
	/*
	 * The engine's own options (fio's ioengine_ops.options), a table ending with a row whose
	 * name is NULL, or NULL for none; the rows' offsets point into a struct of options_size
	 * bytes that belongs to the engine. Found by blk_engine_option_find.
	 */
	const struct option_def *options;
	size_t options_size;
	/*
	 * Sets up a context for fd with room for depth requests. bufs[0..nbufs) stay valid until
	 * exit. On failure returns a negative errno and writes why into why (a short phrase naming
	 * the cause, e.g. "io_uring_setup: Operation not permitted (blocked by seccomp?)").
	 */
	int (*init)(struct io_engine *e, int fd, unsigned depth, const struct iovec *bufs,
		    unsigned nbufs, char *why, size_t why_size);
	/* Queues one request; no system call. -EBUSY when depth requests are already queued. */
	int (*queue)(struct io_engine *e, struct io_req *r);
	/*
	 * Submits what is queued without waiting for anything; NULL when the engine does its I/O
	 * in reap (psync). Returns 0 or a negative errno.
	 */
	int (*submit)(struct io_engine *e);
	/*
	 * Submits what is queued, then waits for at least min completions or until timeout_ns
	 * passes (0: no timeout), and stores up to max completed requests in done. Returns the
	 * number stored (0 on timeout) or a negative errno.
	 */
	int (*reap)(struct io_engine *e, unsigned min, uint64_t timeout_ns, struct io_req **done,
		    unsigned max);
	/* Waits for what is in flight, then releases the context. */
	void (*exit)(struct io_engine *e);
};

/* An engine instance: its ops and its private state. */
struct io_engine {
	const struct io_engine_ops *ops;
	void *priv;
	unsigned depth;
};

extern const struct io_engine_ops engine_psync_ops;
#ifdef PVC_HAVE_URING
extern const struct io_engine_ops engine_uring_ops;
#endif
#ifdef PVC_HAVE_AIO
extern const struct io_engine_ops engine_aio_ops;
#endif

struct blk_job;

/* The I/O path's options that have no field in struct blk_options' first part. */
struct blk_engine_job_opts {
	char reserved; /* the options of the engine group go here */
};
/* The rows of the I/O path's job options (ioengine, iodepth, ...): engine_options.c. */
extern const struct option_def blk_engine_job_option_defs[];
int blk_engine_job_validate(struct blk_job *job, char *err, size_t err_size);

/*
 * The engine table (engine.c) is the one list of engine names, in auto's order. From it come:
 * blk_engine_choices, the allowed values of ioengine= ("auto" first, then every engine, built
 * in or not) for the option tables; blk_engine_names, the same as text for messages ("auto,
 * io_uring, libaio or psync"); and the lookups below.
 */
extern const char *const blk_engine_choices[];
void blk_engine_names(char *buf, size_t size);

/* The engine of that name, NULL if unknown or not built in. */
const struct io_engine_ops *blk_engine_find(const char *name);

/*
 * The row of the engine's own option key (io_uring's hipri, ...), NULL when the engine is
 * unknown, not built in, "auto" (no engine chosen yet) or has no such option.
 */
const struct option_def *blk_engine_option_find(const char *engine, const char *key);

/*
 * Opens an engine for fd. name is an engine name or "auto", which tries the engines in the
 * table's order (io_uring, libaio, psync), keeping the first that initialises. chosen_why receives, for auto, a line such as
 * "io_uring unavailable: io_uring_setup: Operation not permitted (seccomp?); using libaio";
 * for a named engine that fails, why it failed. Returns 0 or a negative errno.
 */
int engine_open(struct io_engine *e, const char *name, int fd, unsigned depth,
		const struct iovec *bufs, unsigned nbufs, char *chosen_why, size_t why_size);

/* Reads one number from a /proc/sys file, for the engines' explanations. 0 or -errno. */
int engine_read_sysctl(const char *path, long *val);

#endif
