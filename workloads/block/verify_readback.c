/*
 * verify_readback.c - the read-back of a clone's history (fio's do_verify and verify_backlog)
 * and the check of a read job's blocks: each block read with a synchronous pread and checked
 * (verify.h), a failure printed in fio's words, dumped (verify_dump), counted as a failure of
 * the outage windows (cause "verify") and, unless continue_on_error lets it pass, the end of
 * the clone with EILSEQ, as in fio.
 *
 * Invariant: what was read back leaves the history; a trimmed piece must read as zeros.
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
#include <unistd.h>

/* fio's verify_trimmed_io_u: a trimmed block reads back as zeros. */
static bool all_zero(const void *buf, size_t len)
{
	const unsigned char *b = buf;

	return len == 0 || (b[0] == 0 && !memcmp(b, b + 1, len - 1));
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

/* A failed check: fio's lines, the dump, the failure counted; -EILSEQ when the clone stops. */
static int verify_failed(struct worker *w, struct blk_vclone *v, const struct blk_vpiece *p,
			 const char *path, const void *buf, const struct blk_verify_found *f)
{
	struct blk_clone_stats *st = v->clone->stats;

	v->failures++;
	print_failure(v, p, path, f);
	if (v->o->verify_dump)
		dump_failure(v, p, path, buf, f);
	worker_record_failure(w, IO_READ, "verify");
	if (st && !st->first_error)
		st->first_error = EILSEQ;
	/* fio: a verify error ends the job unless continue_on_error covers it */
	if (v->o->verify_fatal || !blk_jobctl_error_continue(v->job, IO_READ, -EILSEQ))
		return worker_fail(w, -EILSEQ, "verify failed at file %s offset %llu", path,
				   (unsigned long long)p->offset);
	return 0;
}

int blk_vclone_check_read(struct worker *w, struct blk_vclone *v, const struct io_req *r,
			  const void *buf, unsigned file)
{
	const char *path = v->clone->files[file].file->path;
	struct blk_vpiece p = { .offset = r->offset, .len = r->len, .file = file };
	struct blk_verify_found f = { 0 };

	v->verified++;
	if (blk_verify_check_file(&v->spec, path, buf, r->len, r->offset, &f) == BLK_VERIFY_OK)
		return 0;
	return verify_failed(w, v, &p, path, buf, &f);
}

int blk_vclone_verify(struct worker *w, struct blk_vclone *v, const int *fds, void *buf, bool all)
{
	struct blk_clone_stats *st = v->clone->stats;
	size_t n, i;
	int ret = 0;

	if (blk_vclone_compact(v))
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
		if (f.result != BLK_VERIFY_OK)
			ret = verify_failed(w, v, p, path, buf, &f);
		if (!worker_tick(w, clock_now_ns()) && !ret) {
			i++;
			break;
		}
	}
	memmove(v->hist, v->hist + i, (v->nhist - i) * sizeof(*v->hist));
	v->nhist -= i;
	return ret;
}
