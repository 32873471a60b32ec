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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "pvcbench/options.h"

/*
 * The directions of fio: read, write and trim are data directions (the statistics' index);
 * IO_SYNC and IO_DATASYNC are fio's fsync/fdatasync I/Os, made by the worker (fsync=N, ...).
 */
enum io_dir {
	IO_READ = 0,
	IO_WRITE = 1,
	IO_TRIM = 2,
	IO_SYNC = 3,
	IO_DATASYNC = 4,
	IO_SYNC_FILE_RANGE = 5, /* done by the worker, never queued */
};

/* One I/O in flight. The caller owns the array of requests; the engine keeps pointers to them. */
struct io_req {
	uint64_t offset;
	int fd; /* the file of this request: init's fd or another of the worker's */
	uint32_t len;
	uint16_t buf;	   /* index into the buffers given to init */
	uint8_t dir;	   /* enum io_dir */
	int64_t result;	   /* bytes transferred, or a negative errno; set by reap */
	uint64_t start_ns; /* when the caller prepared it (fio's start_time); engines leave it */
	/*
	 * When its submit call returned (fio's issue_time): set by the caller after submit, and
	 * by a synchronous engine (ops->sync_io) itself, just before its system call.
	 */
	uint64_t issue_ns;
	uint64_t due_ns; /* its intended issue time under a rate (pace.h); engines leave it alone */
};

struct io_engine;

struct io_engine_ops {
	const char *name; /* as the engine table in engine.c spells it */
	/*
	 * fio's FIO_SYNCIO: the I/O happens inside reap, one at a time, so there is no submission
	 * latency (fio reports slat for these engines with N = 0) and the engine stamps issue_ns.
	 */
	bool sync_io;
	/*
	 * Whether queue() takes IO_SYNC and IO_DATASYNC (and IO_TRIM); for an engine that does
	 * not (libaio, as in fio), the worker waits for what is in flight and then does them
	 * itself with engine_do_other. The worker does trims itself on every asynchronous engine,
	 * as fio's engines do.
	 */
	bool queues_other;
	/*
	 * The engine's own options (fio's ioengine_ops.options), a table ending with a row whose
	 * name is NULL, or NULL for none: it says which keys the engine takes (found by
	 * blk_engine_option_find); their values are job options (struct blk_engine_job_opts,
	 * e->opts at init), so that job files and command lines set them like any other.
	 */
	const struct option_def *options;
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

struct blk_engine_job_opts;

/* An engine instance: its ops, the job's engine options (NULL: defaults), its private state. */
struct io_engine {
	const struct io_engine_ops *ops;
	const struct blk_engine_job_opts *opts;
	void *priv;
	unsigned depth;
};

/* engine_psync.c: fio's synchronous engines, one I/O per system call */
extern const struct io_engine_ops engine_psync_ops, engine_sync_ops, engine_vsync_ops,
	engine_pvsync_ops, engine_pvsync2_ops;
/* engine_posixaio.c: POSIX AIO (glibc's threads) */
extern const struct io_engine_ops engine_posixaio_ops;
#ifdef PVC_HAVE_URING
extern const struct io_engine_ops engine_uring_ops;
#endif
#ifdef PVC_HAVE_AIO
extern const struct io_engine_ops engine_aio_ops;
#endif

struct blk_job;

/*
 * The I/O path's options that have no field in struct blk_options' first part: fio's job
 * options of the group (engine_options.c) and the engines' own options (io_uring's hipri, ...),
 * which fio lists with --enghelp and which are job options here too (the engine's table says
 * which engine takes which: blk_engine_job_validate refuses one the chosen engine lacks).
 */
struct blk_engine_job_opts {
	int64_t iodepth_batch_complete_min;  /* reap at least this many (fio: 1) */
	int64_t iodepth_batch_complete_max;  /* reap at most this many (0: _min) */
	int64_t iodepth_low;		     /* when full, reap down to this many (0: iodepth) */
	char io_submit_mode[OPT_STRING_MAX]; /* inline (offload is refused) */
	char mem[OPT_STRING_MAX];	     /* malloc, mmap, mmaphuge[:file], shm, shmhuge */
	uint64_t lockmem;		     /* bytes of the buffers to mlock (0: none) */
	uint64_t hugepage_size;		     /* for mem=mmaphuge/shmhuge */
	char clocksource[OPT_STRING_MAX];    /* accepted: pvcbench reads CLOCK_MONOTONIC */
	int64_t gtod_cpu;		     /* accepted: no timer thread */
	bool disable_lat, disable_clat, disable_slat;
	/* fsync/fdatasync/write_barrier/sync_file_range/end_fsync/fsync_on_close */
	int64_t fsync_blocks, fdatasync_blocks, barrier_blocks, sync_file_range_blocks;
	char sync_file_range[OPT_STRING_MAX];
	bool end_fsync, fsync_on_close;
	/* the engines' own options */
	bool hipri;		    /* io_uring: IORING_SETUP_IOPOLL; pvsync2: RWF_HIPRI */
	bool fixedbufs;		    /* io_uring: registered buffers (pvcbench's default: on) */
	bool registerfiles;	    /* io_uring: registered file (pvcbench's default: on) */
	bool sqthread_poll;	    /* io_uring: IORING_SETUP_SQPOLL */
	int64_t sqthread_poll_cpu;  /* with sqthread_poll_cpu_set: IORING_SETUP_SQ_AFF */
	bool sqthread_poll_cpu_set; /* set by blk_engine_job_validate */
	char nonvectored[OPT_STRING_MAX]; /* io_uring: "-1", "1": READ/WRITE; "0": READV/WRITEV */
	bool userspace_reap;		  /* libaio: read completions from the ring in user space */
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
/* engine_open with the job's engine options (opts stays the caller's until exit). */
int engine_open_opts(struct io_engine *e, const char *name, const struct blk_engine_job_opts *opts,
		     int fd, unsigned depth, const struct iovec *bufs, unsigned nbufs,
		     char *chosen_why, size_t why_size);

/*
 * Does a request that is neither a read nor a write, synchronously: IO_TRIM (BLKDISCARD on a
 * block device, a punched hole on a file), IO_SYNC (fsync), IO_DATASYNC (fdatasync). Returns
 * r->len for a trim, 0 for a sync, or a negative errno. For the engines without a queued form.
 */
int64_t engine_do_other(const struct io_req *r);

/* Reads one number from a /proc/sys file, for the engines' explanations. 0 or -errno. */
int engine_read_sysctl(const char *path, long *val);

#endif
