/*
 * verify_state.c - one clone's verify state: fio's headers in each write, the history of what
 * was written (fio's io_piece log), the read-back that checks it, and the ledger's records.
 *
 * The history keeps the pieces not verified yet in the order written. As fio's log does for
 * random I/O without a random map, a later write over a piece replaces it: when the history
 * fills up, and before each verify, pieces overlapped by a later write are dropped, so a
 * block is always checked against the last write to it.
 *
 * The ledger: a write's pre record is made before the batch it is in is submitted; its post
 * record once it is acknowledged: at completion when that is durable as the job asks (O_SYNC,
 * O_DSYNC; O_DIRECT or buffered without a sync option: the completion is all there is), else
 * when the fsync or fdatasync issued after it completes (fsync=N, fdatasync=N, end_fsync).
 */
#define _GNU_SOURCE
#include "block.h"
#include "pvcbench/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int blk_vclone_init(struct blk_vclone *v, const struct blk_clone *clone, unsigned depth, char *why,
		    size_t why_size)
{
	const struct blk_job *job = clone->job;
	const struct blk_verify_opts *o = &job->o.verify;
	const struct blk_engine_job_opts *eo = &job->o.eng;

	memset(v, 0, sizeof(*v));
	v->job = job;
	v->clone = clone;
	v->o = o;
	v->spec = (struct blk_verify_spec){
		.type = o->type,
		.interval = (uint32_t)o->verify_interval,
		.offset = (uint32_t)o->verify_offset,
		.pattern = o->pattern_len ? o->pattern : NULL,
		.pattern_len = o->pattern_len,
		.pattern_has_offset = o->pattern_has_offset,
		.pattern_offset_at = o->pattern_offset_at,
	};
	v->thread = (uint16_t)(job->first_thread + clone->clone);
	rng_seed(v->rng, clone->seed ^ 0x9e3779b97f4a7c15ULL);
	rng_seed(v->trim_rng, clone->seed ^ 0x7f4a7c159e3779b9ULL);
	v->cap = 1024;
	v->hist = malloc(v->cap * sizeof(*v->hist));
	v->ledger = clone->ledger;
	v->post_at_completion =
		job->o.file.open_sync || (!eo->fsync_blocks && !eo->fdatasync_blocks);
	if (v->ledger) {
		v->per_req = calloc(depth, sizeof(*v->per_req));
		v->sync_covers = calloc(depth, sizeof(*v->sync_covers));
		v->pre = calloc(depth, sizeof(*v->pre));
	}
	if (!v->hist || (v->ledger && (!v->per_req || !v->sync_covers || !v->pre))) {
		snprintf(why, why_size, "out of memory for the verify history");
		return -ENOMEM;
	}
	return 0;
}

void blk_vclone_free(struct blk_vclone *v)
{
	free(v->hist);
	free(v->per_req);
	free(v->sync_covers);
	free(v->pre);
	free(v->await);
	free(v->trims);
	memset(v, 0, sizeof(*v));
}

static int cmp_place(const void *a, const void *b)
{
	const struct blk_vpiece *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct blk_vpiece *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Drops every piece a later write overlaps (fio drops the older io_piece of an overlap); keeps
 * the order written. One sweep in offset order over the pieces still reaching the current one
 * (active): an active newer piece drops the current one, an older one is dropped by it, and an
 * older piece inside the current one's range leaves active (the current one does its part).
 * 0, or -ENOMEM (the history is left as it was, in offset order).
 */
static int compact(struct blk_vclone *v)
{
	size_t kept = 0, nact = 0, cap = 16;
	size_t *act;

	if (v->nhist < 2)
		return 0;
	act = malloc(cap * sizeof(*act));
	if (!act)
		return -ENOMEM;
	qsort(v->hist, v->nhist, sizeof(*v->hist), cmp_place);
	for (size_t i = 0; i < v->nhist; i++) {
		struct blk_vpiece *p = &v->hist[i];
		size_t n = 0;

		p->dropped = !p->len;
		if (p->dropped)
			continue; /* trimmed and forgotten: it covers nothing */
		for (size_t k = 0; k < nact; k++) {
			struct blk_vpiece *q = &v->hist[act[k]];
			if (q->file != p->file || q->offset + q->len <= p->offset)
				continue; /* behind p: it reaches no later piece either */
			if (q->seq > p->seq)
				p->dropped = 1;
			else
				q->dropped = 1;
			if (q->seq > p->seq || q->offset + q->len > p->offset + p->len)
				act[n++] = act[k]; /* still does something p does not */
		}
		if (n == cap) {
			size_t *more = realloc(act, 2 * cap * sizeof(*act));
			if (!more) {
				free(act);
				return -ENOMEM;
			}
			act = more;
			cap *= 2;
		}
		act[n++] = i;
		nact = n;
	}
	free(act);
	for (size_t i = 0; i < v->nhist; i++)
		if (!v->hist[i].dropped)
			v->hist[kept++] = v->hist[i];
	v->nhist = kept;
	qsort(v->hist, v->nhist, sizeof(*v->hist), cmp_seq);
	return 0;
}

static int log_piece(struct blk_vclone *v, const struct blk_vpiece *p)
{
	if (v->nhist == v->cap) {
		if (compact(v))
			return -ENOMEM;
		if (v->nhist > v->cap / 2) {
			struct blk_vpiece *more = realloc(v->hist, 2 * v->cap * sizeof(*more));
			if (!more)
				return -ENOMEM;
			v->hist = more;
			v->cap *= 2;
		}
	}
	v->hist[v->nhist++] = *p;
	return 0;
}

int blk_vclone_prep_write(struct blk_vclone *v, const struct io_req *r, void *buf, unsigned file)
{
	struct timespec ts;
	struct blk_vpiece p = { .offset = r->offset, .len = r->len, .file = file };
	struct blk_verify_block b;

	clock_gettime(CLOCK_REALTIME, &ts);
	p.seq = ++v->numberio;
	p.seed = rng_next(v->rng);
	p.time_sec = (uint32_t)ts.tv_sec;
	p.time_nsec = (uint32_t)ts.tv_nsec;
	b = (struct blk_verify_block){ .offset = p.offset,
				       .rand_seed = p.seed,
				       .numberio = p.seq,
				       .time_sec = p.time_sec,
				       .time_nsec = p.time_nsec,
				       .thread = v->thread };
	if (blk_verify_fill(&v->spec, buf, r->len, &b))
		return -EINVAL; /* blk_verify_validate checked the sizes */
	/* fio's io_u_should_trim: a candidate for trim_backlog's discards */
	if (v->o->trim_percentage &&
	    rng_next(v->trim_rng) % 100 < (uint64_t)v->o->trim_percentage) {
		if (v->ntrims == v->trims_cap) {
			size_t cap = v->trims_cap ? 2 * v->trims_cap : 64;
			struct blk_vpiece *more = realloc(v->trims, cap * sizeof(*more));
			if (!more)
				return -ENOMEM;
			v->trims = more;
			v->trims_cap = cap;
		}
		v->trims[v->ntrims++] = p;
	}
	if (v->ledger) {
		struct blk_ledger_rec rec = {
			.job = v->thread,
			.file = v->clone->files[file].ledger_file,
			.offset = r->offset,
			.len = r->len,
			.seq = p.seq,
			.digest = blk_ledger_digest(buf, r->len),
		};
		v->per_req[r->buf] = rec;
		v->pre[v->npre++] = rec;
	}
	return log_piece(v, &p);
}

int blk_vclone_dry_write(struct blk_vclone *v, const struct io_req *r, unsigned file)
{
	struct blk_vpiece p = { .offset = r->offset, .len = r->len, .file = file };

	p.seq = ++v->numberio;
	return log_piece(v, &p);
}

int blk_vclone_flush_pre(struct blk_vclone *v)
{
	int ret = 0;

	if (v->ledger && v->npre)
		ret = blk_ledger_pre(v->ledger, v->pre, v->npre);
	v->npre = 0;
	return ret;
}

static int post(struct blk_vclone *v, size_t n)
{
	int ret;

	if (!n)
		return 0;
	ret = blk_ledger_post(v->ledger, v->await, (unsigned)n);
	memmove(v->await, v->await + n, (v->nawait - n) * sizeof(*v->await));
	v->nawait -= n;
	return ret;
}

int blk_vclone_write_done(struct blk_vclone *v, const struct io_req *r)
{
	v->since_backlog++;
	if (!v->ledger)
		return 0;
	if (v->post_at_completion)
		return blk_ledger_post(v->ledger, &v->per_req[r->buf], 1);
	if (v->nawait == v->await_cap) {
		size_t cap = v->await_cap ? 2 * v->await_cap : 256;
		struct blk_ledger_rec *more = realloc(v->await, cap * sizeof(*more));
		if (!more)
			return -ENOMEM;
		v->await = more;
		v->await_cap = cap;
	}
	v->await[v->nawait++] = v->per_req[r->buf];
	return 0;
}

void blk_vclone_sync_issued(struct blk_vclone *v, const struct io_req *r)
{
	if (v->ledger)
		v->sync_covers[r->buf] = v->nawait;
}

int blk_vclone_sync_done(struct blk_vclone *v, const struct io_req *r)
{
	size_t n;

	if (!v->ledger || v->post_at_completion || r->dir == IO_SYNC_FILE_RANGE)
		return 0;
	/* what completed before the sync was issued; fewer if an earlier sync posted them */
	n = v->sync_covers[r->buf] < v->nawait ? v->sync_covers[r->buf] : v->nawait;
	return post(v, n);
}

int blk_vclone_synced_all(struct blk_vclone *v)
{
	if (!v->ledger || v->post_at_completion)
		return 0;
	return post(v, v->nawait);
}

bool blk_vclone_trim_due(const struct blk_vclone *v)
{
	return v->o->trim_backlog && v->ntrims >= (uint64_t)v->o->trim_backlog;
}

/* The history's piece for a trim candidate: the same write, not overwritten or verified. */
static struct blk_vpiece *find_piece(struct blk_vclone *v, const struct blk_vpiece *c)
{
	for (size_t i = v->nhist; i-- > 0;) {
		struct blk_vpiece *p = &v->hist[i];
		if (p->file == c->file && p->offset == c->offset && p->len)
			return p->seq == c->seq ? p : NULL;
	}
	return NULL;
}

int blk_vclone_trim(struct worker *w, struct blk_vclone *v, const int *fds)
{
	size_t n = v->ntrims, i;

	if (v->o->trim_backlog_batch && (uint64_t)v->o->trim_backlog_batch < n)
		n = (size_t)v->o->trim_backlog_batch;
	for (i = 0; i < n; i++) {
		struct blk_vpiece *p = find_piece(v, &v->trims[i]);
		struct io_req r = { .dir = IO_TRIM };
		uint64_t start, now;

		if (!p)
			continue; /* overwritten or verified since: fio drops it from its list */
		r.fd = fds[p->file];
		r.offset = p->offset;
		r.len = p->len;
		start = clock_now_ns();
		r.result = engine_do_other(&r);
		now = clock_now_ns();
		if (r.result != (int64_t)r.len) {
			int err = r.result < 0 ? (int)r.result : -EIO;
			worker_record_failure(w, IO_TRIM, stall_errno_cause(err));
			memmove(v->trims, v->trims + i + 1,
				(v->ntrims - i - 1) * sizeof(*v->trims));
			v->ntrims -= i + 1;
			return worker_fail(w, err, "%s trim at offset %llu (trim_percentage): %s",
					   v->clone->files[p->file].file->path,
					   (unsigned long long)p->offset, strerror(-err));
		}
		worker_record(w, IO_TRIM, now - start, p->len);
		if (v->o->trim_verify_zero)
			p->trimmed = 1;
		else
			p->len = 0; /* not checked: compact drops it */
	}
	memmove(v->trims, v->trims + n, (v->ntrims - n) * sizeof(*v->trims));
	v->ntrims -= n;
	return 0;
}

/* fio's verify_trimmed_io_u: a trimmed block reads back as zeros. */
static bool all_zero(const void *buf, size_t len)
{
	const unsigned char *b = buf;

	return len == 0 || (b[0] == 0 && !memcmp(b, b + 1, len - 1));
}

bool blk_vclone_backlog_due(const struct blk_vclone *v)
{
	return v->o->verify_backlog && v->since_backlog >= (uint64_t)v->o->verify_backlog;
}

/* fio's dump_buf: NAME.OFFSET.KIND in the current directory, NAME the file's base name. */
static void dump_block(const char *path, uint64_t offset, const char *kind, const void *buf,
		       size_t len)
{
	char copy[4096], name[4352];
	int fd;

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(name, sizeof(name), "%s.%llu.%s", basename(copy), (unsigned long long)offset,
		 kind);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		fprintf(stderr, "verify: failed to dump %s: %s\n", name, strerror(errno));
	else
		fprintf(stderr, "       %s data dumped as %s\n", kind, name);
	if (fd >= 0)
		close(fd);
}

static void dump_failure(struct blk_vclone *v, const struct blk_vpiece *p, const char *path,
			 const void *buf, const struct blk_verify_found *f)
{
	void *expected = malloc(p->len);
	struct blk_verify_block b = { .offset = p->offset,
				      .rand_seed = p->seed,
				      .numberio = p->seq,
				      .time_sec = p->time_sec,
				      .time_nsec = p->time_nsec,
				      .thread = v->thread };

	dump_block(path, p->offset, "received", buf, p->len);
	/* verify_only knows what was written only from the header read back */
	if (v->o->verify_only && f->result != BLK_VERIFY_BAD_MAGIC &&
	    f->result != BLK_VERIFY_BAD_HDR_CRC)
		b = f->hdr;
	else if (v->o->verify_only)
		b.rand_seed = 0;
	b.offset = p->offset;
	if (expected && !blk_verify_fill(&v->spec, expected, p->len, &b))
		dump_block(path, p->offset, "expected", expected, p->len);
	free(expected);
}

/* fio's lines for a failed check, on stderr (the detail names the file as fio does). */
static void print_failure(const struct blk_vclone *v, const struct blk_vpiece *p, const char *path,
			  const struct blk_verify_found *f)
{
	uint32_t ilen = v->spec.interval ? v->spec.interval : p->len;
	unsigned long long at = f->bad_offset ? f->bad_offset : p->offset;

	if (!f->detail[0])
		fprintf(stderr,
			"verify: %s at file %s offset %llu, length %u (requested block: "
			"offset=%llu, length=%u)\n",
			blk_verify_result_name(f->result), path, at, ilen,
			(unsigned long long)p->offset, p->len);
	else if (!strncmp(f->detail, "bad ", 4))
		fprintf(stderr, "verify: %s\n", f->detail); /* fio's verify_header lines */
	else
		fprintf(stderr, "%s\n", f->detail);
}

/* fio's header checks beyond the block's own: the seed and write number of this write. */
static void check_identity(const struct blk_vclone *v, const struct blk_vpiece *p, const char *path,
			   struct blk_verify_found *f)
{
	const struct blk_job *job = v->job;

	if (v->o->verify_only || f->result != BLK_VERIFY_OK)
		return;
	if (!blk_verify_hdr_size(v->spec.type))
		return; /* pattern, null: no header to compare */
	int n = 0;

	if (f->hdr.rand_seed != p->seed) {
		f->result = BLK_VERIFY_BAD_HDR_CRC;
		f->bad_offset = p->offset;
		n = snprintf(
			f->detail, sizeof(f->detail),
			"bad header rand_seed %llu, wanted %llu at file %s offset %llu, length "
			"%u (requested block: offset=%llu, length=%u)",
			(unsigned long long)f->hdr.rand_seed, (unsigned long long)p->seed, path,
			(unsigned long long)p->offset, p->len, (unsigned long long)p->offset,
			p->len);
	} else if (!job->o.time_based && blk_pattern_max_bs(job) == job->o.bs &&
		   (uint16_t)f->hdr.numberio != (uint16_t)p->seq) {
		/* fio checks the write number (16 bits on disk) only where the bs is fixed and
		 * the job is not time_based */
		f->result = BLK_VERIFY_BAD_HDR_CRC;
		f->bad_offset = p->offset;
		n = snprintf(f->detail, sizeof(f->detail),
			     "bad header numberio %u, wanted %u at file %s offset %llu, length %u "
			     "(requested block: offset=%llu, length=%u)",
			     (unsigned)(uint16_t)f->hdr.numberio, (unsigned)(uint16_t)p->seq, path,
			     (unsigned long long)p->offset, p->len, (unsigned long long)p->offset,
			     p->len);
	}
	if (n >= (int)sizeof(f->detail)) /* a long file name: the line is cut, as it may be */
		f->detail[sizeof(f->detail) - 1] = 0;
}

static int read_block(int fd, void *buf, uint32_t len, uint64_t offset)
{
	uint32_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (uint32_t)n;
	}
	/* what is past the end reads as nothing: the check finds no header there */
	memset((char *)buf + done, 0, len - done);
	return 0;
}

int blk_vclone_verify(struct worker *w, struct blk_vclone *v, const int *fds, void *buf, bool all)
{
	struct blk_clone_stats *st = v->clone->stats;
	size_t n, i;
	int ret = 0;

	if (compact(v))
		return worker_fail(w, -ENOMEM, "out of memory for the verify history");
	n = v->nhist;
	if (!all && v->o->verify_backlog_batch && (uint64_t)v->o->verify_backlog_batch < n)
		n = (size_t)v->o->verify_backlog_batch;
	v->since_backlog = 0;
	for (i = 0; i < n && !ret; i++) {
		const struct blk_vpiece *p = &v->hist[i];
		const char *path = v->clone->files[p->file].file->path;
		struct blk_verify_found f = { 0 };
		uint64_t start = clock_now_ns(), now;

		if (signals_stop_requested())
			break;
		ret = read_block(fds[p->file], buf, p->len, p->offset);
		now = clock_now_ns();
		if (ret) {
			worker_record_failure(w, IO_READ, stall_errno_cause(ret));
			ret = worker_fail(w, ret, "%s read at offset %llu (verify): %s", path,
					  (unsigned long long)p->offset, strerror(-ret));
			break;
		}
		worker_record(w, IO_READ, now - start, p->len);
		if (worker_measuring(w) && st)
			hist_record(&st->clat[IO_READ], now - start);
		v->verified++;
		if (p->trimmed) {
			if (!all_zero(buf, p->len)) {
				f.result = BLK_VERIFY_BAD_PATTERN;
				if (snprintf(
					    f.detail, sizeof(f.detail),
					    "trim: verify failed at file %s offset %llu, length %u",
					    path, (unsigned long long)p->offset,
					    p->len) >= (int)sizeof(f.detail))
					f.detail[sizeof(f.detail) - 1] = 0;
			}
		} else if (blk_verify_check_file(&v->spec, path, buf, p->len, p->offset, &f) ==
			   BLK_VERIFY_OK) {
			check_identity(v, p, path, &f);
		}
		if (f.result != BLK_VERIFY_OK) {
			v->failures++;
			print_failure(v, p, path, &f);
			if (v->o->verify_dump)
				dump_failure(v, p, path, buf, &f);
			worker_record_failure(w, IO_READ, "verify");
			if (st && !st->first_error)
				st->first_error = EILSEQ;
			/* fio: a verify error ends the job unless continue_on_error covers it */
			if (v->o->verify_fatal ||
			    !blk_jobctl_error_continue(v->job, IO_READ, -EILSEQ))
				ret = worker_fail(w, -EILSEQ,
						  "verify failed at file %s offset %llu", path,
						  (unsigned long long)p->offset);
		}
		if (!worker_tick(w, clock_now_ns()) && !ret) {
			i++;
			break;
		}
	}
	memmove(v->hist, v->hist + i, (v->nhist - i) * sizeof(*v->hist));
	v->nhist -= i;
	return ret;
}
