/*
 * engine.c - finding an I/O engine by name and opening one, with ioengine=auto.
 *
 * auto tries the engines in the table's order (io_uring, libaio, psync) and keeps the first whose
 * init succeeds; psync, the last, cannot fail for want of a kernel feature, so auto only fails
 * if psync's init does. Whatever happens, chosen_why ends up holding one line that says which
 * engine is in use and, for each engine skipped, the precise reason, so that a run in a
 * locked-down container explains itself.
 * The engine table is const: no state here is shared between workers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"

/* snprintf that appends at *pos and never overruns; truncation is silent but safe. */
static void engine_appendf(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf || size == 0 || *pos >= size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, size - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n < size - *pos ? (size_t)n : size - *pos - 1;
}

/*
 * The engine table: one row per engine, in auto's order, with its ops when built in and what to
 * say when it is not. Every list of engine names (the slots, ioengine='s allowed values, the
 * messages) is made from this one list, so adding an engine is adding a file and a row here.
 */
#ifdef PVC_HAVE_URING
#define ENGINE_URING_OPS (&engine_uring_ops)
#else
#define ENGINE_URING_OPS NULL
#endif
#ifdef PVC_HAVE_AIO
#define ENGINE_AIO_OPS (&engine_aio_ops)
#else
#define ENGINE_AIO_OPS NULL
#endif

/* auto tries the rows marked 1, in order; the others are only used by name, as in fio. */
#define ENGINE_TABLE(X)                                                                            \
	X("io_uring", ENGINE_URING_OPS, "not built in (liburing-dev missing at build time)", 1)    \
	X("libaio", ENGINE_AIO_OPS, "not built in (libaio-dev missing at build time)", 1)          \
	X("psync", (&engine_psync_ops), NULL, 1)                                                   \
	X("sync", (&engine_sync_ops), NULL, 0)                                                     \
	X("vsync", (&engine_vsync_ops), NULL, 0)                                                   \
	X("pvsync", (&engine_pvsync_ops), NULL, 0)                                                 \
	X("pvsync2", (&engine_pvsync2_ops), NULL, 0)                                               \
	X("posixaio", (&engine_posixaio_ops), NULL, 0)

/* One candidate: its name, its ops when built in, and what to say when it is not. */
struct engine_slot {
	const char *name;
	const struct io_engine_ops *ops;
	const char *missing;
	bool in_auto;
};

#define ENGINE_SLOT(name, ops, missing, in_auto) { name, ops, missing, in_auto },
#define ENGINE_NAME(name, ops, missing, in_auto) name,

static const struct engine_slot engine_slots[] = { ENGINE_TABLE(ENGINE_SLOT) };

const char *const blk_engine_choices[] = { "auto", ENGINE_TABLE(ENGINE_NAME) NULL };

#define ENGINE_NSLOTS (sizeof(engine_slots) / sizeof(engine_slots[0]))

static const struct engine_slot *engine_slot_find(const char *name)
{
	for (size_t i = 0; i < ENGINE_NSLOTS; i++)
		if (strcmp(engine_slots[i].name, name) == 0)
			return &engine_slots[i];
	return NULL;
}

const struct io_engine_ops *blk_engine_find(const char *name)
{
	const struct engine_slot *slot = name ? engine_slot_find(name) : NULL;

	return slot ? slot->ops : NULL;
}

void blk_engine_names(char *buf, size_t size)
{
	size_t pos = 0;

	if (!buf || size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; blk_engine_choices[i]; i++) {
		const char *sep = i == 0 ? "" : blk_engine_choices[i + 1] ? ", " : " or ";

		engine_appendf(buf, size, &pos, "%s%s", sep, blk_engine_choices[i]);
	}
}

const struct option_def *blk_engine_option_find(const char *engine, const char *key)
{
	const struct io_engine_ops *ops = blk_engine_find(engine);

	if (!ops || !ops->options || !key)
		return NULL;
	return opt_find(ops->options, key);
}

static int engine_try(struct io_engine *e, const struct io_engine_ops *ops,
		      const struct blk_engine_job_opts *opts, int fd, unsigned depth,
		      const struct iovec *bufs, unsigned nbufs, char *why, size_t why_size)
{
	int ret;

	memset(e, 0, sizeof(*e));
	e->ops = ops;
	e->opts = opts;
	e->depth = depth;
	why[0] = '\0';
	ret = ops->init(e, fd, depth, bufs, nbufs, why, why_size);
	if (ret < 0) {
		if (why[0] == '\0')
			snprintf(why, why_size, "init: %s", strerror(-ret));
		memset(e, 0, sizeof(*e));
	}
	return ret;
}

static int engine_open_auto(struct io_engine *e, const struct blk_engine_job_opts *opts, int fd,
			    unsigned depth, const struct iovec *bufs, unsigned nbufs, char *out,
			    size_t out_size)
{
	char skipped[512] = "";
	size_t skipped_len = 0;
	char why[256];
	int ret = -ENOENT;

	for (size_t i = 0; i < ENGINE_NSLOTS; i++) {
		const struct engine_slot *slot = &engine_slots[i];

		if (!slot->in_auto)
			continue;
		if (!slot->ops) {
			engine_appendf(skipped, sizeof(skipped), &skipped_len, "%s%s: %s",
				       skipped_len ? "; " : "", slot->name, slot->missing);
			continue;
		}
		ret = engine_try(e, slot->ops, opts, fd, depth, bufs, nbufs, why, sizeof(why));
		if (ret == 0) {
			if (out && out_size)
				snprintf(out, out_size, "ioengine=auto: using %s (%s)", slot->name,
					 skipped_len ? skipped : "the first choice, available");
			return 0;
		}
		engine_appendf(skipped, sizeof(skipped), &skipped_len, "%s%s: %s",
			       skipped_len ? "; " : "", slot->name, why);
	}
	if (out && out_size)
		snprintf(out, out_size, "ioengine=auto: no engine could be opened (%s)", skipped);
	return ret;
}

int engine_open(struct io_engine *e, const char *name, int fd, unsigned depth,
		const struct iovec *bufs, unsigned nbufs, char *chosen_why, size_t why_size)
{
	return engine_open_opts(e, name, NULL, fd, depth, bufs, nbufs, chosen_why, why_size);
}

int engine_open_opts(struct io_engine *e, const char *name, const struct blk_engine_job_opts *opts,
		     int fd, unsigned depth, const struct iovec *bufs, unsigned nbufs,
		     char *chosen_why, size_t why_size)
{
	const struct engine_slot *slot;
	char why[256], names[128];
	int ret;

	if (chosen_why && why_size)
		chosen_why[0] = '\0';
	if (!e || depth == 0)
		return -EINVAL;
	if (!name || strcmp(name, "auto") == 0)
		return engine_open_auto(e, opts, fd, depth, bufs, nbufs, chosen_why, why_size);

	slot = engine_slot_find(name);
	if (!slot) {
		blk_engine_names(names, sizeof(names));
		if (chosen_why && why_size)
			snprintf(chosen_why, why_size, "ioengine=%s: unknown engine (choose %s)",
				 name, names);
		return -EINVAL;
	}
	if (!slot->ops) {
		if (chosen_why && why_size)
			snprintf(chosen_why, why_size, "ioengine=%s: %s", name, slot->missing);
		return -ENOTSUP;
	}
	ret = engine_try(e, slot->ops, opts, fd, depth, bufs, nbufs, why, sizeof(why));
	if (chosen_why && why_size) {
		if (ret == 0)
			snprintf(chosen_why, why_size, "ioengine=%s: using %s (as requested)", name,
				 name);
		else
			snprintf(chosen_why, why_size, "ioengine=%s: %s", name, why);
	}
	return ret;
}

int engine_read_sysctl(const char *path, long *val)
{
	FILE *f = fopen(path, "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	if (fscanf(f, "%ld", val) == 1)
		ret = 0;
	fclose(f);
	return ret;
}

/*
 * A trim as fio does it: on a block device the BLKDISCARD ioctl, on a file a hole punched
 * with fallocate (PUNCH_HOLE | KEEP_SIZE, so the file keeps its size).
 */
static int64_t engine_trim(const struct io_req *r)
{
	struct stat st;

	if (fstat(r->fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		uint64_t range[2] = { r->offset, r->len };

		if (ioctl(r->fd, BLKDISCARD, range))
			return -errno;
	} else if (fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)r->offset,
			     (off_t)r->len)) {
		return -errno;
	}
	return r->len;
}

int64_t engine_do_other(const struct io_req *r)
{
	int ret;

	switch (r->dir) {
	case IO_TRIM:
		return engine_trim(r);
	case IO_SYNC:
		ret = fsync(r->fd);
		break;
	case IO_DATASYNC:
		ret = fdatasync(r->fd);
		break;
	default:
		return -EINVAL;
	}
	return ret ? -errno : 0;
}
