/*
 * logs_write.c - a clone's log entries in memory, and the log files written from them in fio
 * 3.33's text format when the clone ends.
 *
 * Entries live in chunks: the first holds log_entries, each next one twice the last (up to
 * 2^20), so a long run allocates a few times, never per I/O. Files are written in 1 MiB
 * writes. With per_job_logs=0 every clone of every job with the same prefix appends to one
 * file, as fio does; flock keeps one clone's entries together.
 */
#include "block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define MAX_CHUNK_ENTRIES (1u << 20)
#define OUT_BUFFER (1u << 20)
#define OUT_SLACK (64u << 10) /* room for the longest line (a histogram row) */

struct blk_log_chunk {
	struct blk_log_chunk *next;
	size_t n, cap;
	struct blk_log_entry e[];
};

void blk_log_series_add(struct blk_log_series *s, size_t first_entries, uint32_t time_ms,
			uint64_t value, unsigned dir, uint32_t bs, uint64_t offset)
{
	struct blk_log_chunk *c = s->tail;

	if (s->dropped)
		return;
	if (!c || c->n == c->cap) {
		size_t cap = s->next_cap ? s->next_cap : (first_entries ? first_entries : 1024);
		c = malloc(sizeof(*c) + cap * sizeof(c->e[0]));
		if (!c) {
			/* fio stops logging too ("failed extending iolog! Will stop logging.") */
			s->dropped = true;
			return;
		}
		c->next = NULL;
		c->n = 0;
		c->cap = cap;
		if (s->tail)
			s->tail->next = c;
		else
			s->head = c;
		s->tail = c;
		s->next_cap = cap * 2 > MAX_CHUNK_ENTRIES ? MAX_CHUNK_ENTRIES : cap * 2;
	}
	c->e[c->n++] = (struct blk_log_entry){
		.value = value, .offset = offset, .time_ms = time_ms, .bs = bs, .dir = (uint8_t)dir
	};
}

/* A file being written: a buffer flushed in big writes; err keeps the first error. */
struct out {
	int fd;
	char *buf;
	size_t len;
	int err;
};

static void out_flush(struct out *o)
{
	size_t done = 0;

	while (done < o->len && !o->err) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			o->err = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	o->len = 0;
}

static void out_room(struct out *o)
{
	if (OUT_BUFFER - o->len < OUT_SLACK)
		out_flush(o);
}

static void out_u64(struct out *o, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		o->buf[o->len++] = tmp[--n];
}

static void out_str(struct out *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static int out_open(struct out *o, const char *path, bool append)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);

	o->len = 0;
	o->err = 0;
	o->fd = open(path, flags, 0644);
	if (o->fd < 0)
		return -errno;
	/* clones sharing an appended file write one after another, each its whole log */
	if (append && flock(o->fd, LOCK_EX))
		o->err = -errno;
	return o->err;
}

static int out_close(struct out *o)
{
	out_flush(o);
	if (close(o->fd) && !o->err)
		o->err = -errno;
	return o->err;
}

/* "time, value, ddir, bs[, offset], prio": fio 3.33's flush_samples. */
static void write_entry(struct out *o, const struct blk_log *l, const struct blk_log_entry *e)
{
	out_room(o);
	out_u64(o, l->epoch_ms + e->time_ms);
	out_str(o, ", ");
	out_u64(o, e->value);
	out_str(o, ", ");
	out_u64(o, e->dir);
	out_str(o, ", ");
	out_u64(o, e->bs);
	if (l->offset) {
		out_str(o, ", ");
		out_u64(o, e->offset);
	}
	/* no per-I/O priority: 0 (not real-time class), or with log_prio the value 0x0000 */
	out_str(o, l->prio ? ", 0x0000\n" : ", 0\n");
}

static void series_free(struct blk_log_series *s)
{
	struct blk_log_chunk *c = s->head;

	while (c) {
		struct blk_log_chunk *next = c->next;
		free(c);
		c = next;
	}
	s->head = s->tail = NULL;
}

static int series_write(const struct blk_log *l, struct blk_log_series *s, char *buf)
{
	struct out o = { .buf = buf };
	int ret = out_open(&o, s->path, l->append);

	if (o.fd < 0)
		return ret;
	for (const struct blk_log_chunk *c = s->head; c && !o.err; c = c->next)
		for (size_t i = 0; i < c->n; i++)
			write_entry(&o, l, &c->e[i]);
	return out_close(&o);
}

/* "time, ddir, bs, count, count, ...": fio 3.33's flush_hist_samples. */
static int hist_write(const struct blk_log *l, const struct blk_hist_log *h, char *buf)
{
	struct out o = { .buf = buf };
	int ret = out_open(&o, h->path, l->append);
	size_t cols = BLK_PLAT_NR / h->stride;

	if (o.fd < 0)
		return ret;
	for (size_t r = 0; r < h->nrows && !o.err; r++) {
		const uint64_t *row =
			(const uint64_t *)(h->rows + r * (3 + cols) * sizeof(uint64_t));
		out_room(&o);
		out_u64(&o, l->epoch_ms + row[0]);
		for (size_t k = 1; k < 3 + cols; k++) {
			out_str(&o, ", ");
			out_u64(&o, row[k]);
		}
		out_str(&o, "\n");
	}
	return out_close(&o);
}

int blk_log_write_files(struct blk_log *l)
{
	struct blk_log_series *all[] = { &l->bw, &l->iops, &l->slat, &l->clat, &l->lat };
	char *buf = NULL;
	int ret = 0;

	if (l->hist.on || l->bw.on || l->iops.on || l->clat.on) {
		buf = malloc(OUT_BUFFER);
		if (!buf)
			ret = -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && buf; i++) {
		if (!all[i]->on)
			continue;
		int r = series_write(l, all[i], buf);
		if (r && !ret)
			ret = r;
	}
	if (l->hist.on && buf) {
		int r = hist_write(l, &l->hist, buf);
		if (r && !ret)
			ret = r;
	}
	free(buf);
	blk_log_free(l);
	return ret;
}

void blk_log_free(struct blk_log *l)
{
	struct blk_log_series *all[] = { &l->bw, &l->iops, &l->slat, &l->clat, &l->lat };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		series_free(all[i]);
	for (unsigned d = 0; d < BLK_DIRS; d++) {
		free(l->hist.counts[d]);
		l->hist.counts[d] = NULL;
	}
	free(l->hist.rows);
	l->hist.rows = NULL;
	l->hist.nrows = l->hist.cap = 0;
}
