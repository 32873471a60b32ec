/*
 * ledger_check.c - the checker (blk_ack_check): reads the ledger back (a journal, a witness's
 * copy, or both), pairs every post with its pre, then for each block whose ledger holds an
 * acknowledged write reads the block from its file and sorts it (docs/ack-ledger.md has the
 * rules, in the order they are tried):
 *
 *   intact          the digest equals the last acknowledged write's
 *   unacknowledged  equals a later write that was submitted, never acknowledged (allowed)
 *   stale           equals an older write, or its fio header names an older write
 *   torn            its fio header names a write that was in flight (submitted after the last
 *                   acknowledged one, never acknowledged) but the bytes do not match (allowed)
 *   lost            zeros, or nothing (past the end of the file)
 *   corrupt         anything else
 *
 * Writes are ordered by their pre record's position in the ledger: a pre is durable before its
 * write is submitted, so a write whose pre comes after another's post was submitted after that
 * one was acknowledged. A block whose ledger holds no acknowledged write is counted only when it
 * shows an in-flight write (unacknowledged or torn): nothing was promised for it.
 */
#include "ledger_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verify.h"

struct ck_write {
	uint64_t offset, seq, digest, order;
	uint32_t file, job, len, run;
	bool acked;
};
struct ck_post {
	uint64_t seq;
	uint32_t run, job;
};
struct ck_run {
	uint8_t id[LEDGER_RUN_ID_LEN];
	uint32_t nfiles;
	uint32_t *file; /* the run's file index -> the checker's */
};

struct ck_state {
	struct ck_run *runs;
	unsigned nruns;
	char **files;
	unsigned nfiles;
	struct ck_write *writes;
	size_t nwrites, cap_writes;
	struct ck_post *posts;
	size_t nposts, cap_posts;
	int cur_run;	     /* -1 before the first header */
	uint64_t order_base; /* a second source's records come after the first's */
	uint64_t records, orphans;
};

static int ck_file_index(struct ck_state *s, const char *name, uint32_t len, uint32_t *out)
{
	for (unsigned i = 0; i < s->nfiles; i++)
		if (strlen(s->files[i]) == len && !memcmp(s->files[i], name, len)) {
			*out = i;
			return 0;
		}
	char **f = realloc(s->files, (s->nfiles + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	s->files = f;
	if (!(f[s->nfiles] = strndup(name, len)))
		return -ENOMEM;
	*out = s->nfiles++;
	return 0;
}

static int ck_on_run(void *arg, const struct ledger_run *run)
{
	struct ck_state *s = arg;

	for (unsigned i = 0; i < s->nruns; i++)
		if (!memcmp(s->runs[i].id, run->id, LEDGER_RUN_ID_LEN)) {
			s->cur_run = (int)i;
			return 0;
		}
	struct ck_run *r = realloc(s->runs, (s->nruns + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->runs = r;
	r += s->nruns;
	memcpy(r->id, run->id, LEDGER_RUN_ID_LEN);
	r->nfiles = run->nfiles;
	r->file = calloc(run->nfiles ? run->nfiles : 1, sizeof(*r->file));
	if (!r->file)
		return -ENOMEM;
	s->cur_run = (int)s->nruns++;
	for (uint32_t i = 0; i < run->nfiles; i++) {
		int rc = ck_file_index(s, run->names[i], run->name_lens[i], &r->file[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int ck_on_rec(void *arg, enum ledger_kind kind, const struct blk_ledger_rec *r,
		     uint64_t index)
{
	struct ck_state *s = arg;
	const struct ck_run *run = &s->runs[s->cur_run];

	s->records++;
	if (kind == LEDGER_POST) {
		if (s->nposts == s->cap_posts) {
			size_t cap = s->cap_posts ? 2 * s->cap_posts : 1024;
			struct ck_post *p = realloc(s->posts, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			s->posts = p;
			s->cap_posts = cap;
		}
		s->posts[s->nposts++] = (struct ck_post){ r->seq, (uint32_t)s->cur_run, r->job };
		return 0;
	}
	if (r->file >= run->nfiles) {
		s->orphans++; /* names a file its run does not have: nothing to read */
		return 0;
	}
	if (s->nwrites == s->cap_writes) {
		size_t cap = s->cap_writes ? 2 * s->cap_writes : 1024;
		struct ck_write *w = realloc(s->writes, cap * sizeof(*w));
		if (!w)
			return -ENOMEM;
		s->writes = w;
		s->cap_writes = cap;
	}
	s->writes[s->nwrites++] = (struct ck_write){
		.offset = r->offset,
		.seq = r->seq,
		.digest = r->digest,
		.order = s->order_base + index,
		.file = run->file[r->file],
		.job = r->job,
		.len = r->len,
		.run = (uint32_t)s->cur_run,
	};
	return 0;
}

static int cmp_id(const struct ck_write *a, const struct ck_write *b)
{
	if (a->run != b->run)
		return a->run < b->run ? -1 : 1;
	if (a->job != b->job)
		return a->job < b->job ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}
static int cmp_write_id(const void *a, const void *b)
{
	return cmp_id(a, b);
}
static int cmp_post(const void *pa, const void *pb)
{
	const struct ck_post *a = pa, *b = pb;

	if (a->run != b->run)
		return a->run < b->run ? -1 : 1;
	if (a->job != b->job)
		return a->job < b->job ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}
static int cmp_block(const void *pa, const void *pb)
{
	const struct ck_write *a = pa, *b = pb;

	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* One write per (run, job, seq), the first seen; acked when a post names it. */
static void ck_pair(struct ck_state *s, struct blk_ack_report *rep)
{
	size_t kept = 0, p = 0;

	if (s->nwrites)
		qsort(s->writes, s->nwrites, sizeof(*s->writes), cmp_write_id);
	for (size_t i = 0; i < s->nwrites; i++) {
		const struct ck_write *w = &s->writes[i];
		if (kept && s->writes[kept - 1].run == w->run &&
		    s->writes[kept - 1].job == w->job && s->writes[kept - 1].seq == w->seq)
			continue;
		s->writes[kept++] = *w;
	}
	s->nwrites = kept;
	if (s->nposts) /* qsort must not be given NULL */
		qsort(s->posts, s->nposts, sizeof(*s->posts), cmp_post);
	for (size_t i = 0; i < s->nwrites; i++) {
		struct ck_write *w = &s->writes[i];
		struct ck_post key = { w->seq, w->run, w->job };
		while (p < s->nposts && cmp_post(&s->posts[p], &key) < 0)
			p++;
		w->acked = p < s->nposts && !cmp_post(&s->posts[p], &key);
		rep->acked += w->acked;
		rep->pre_only += !w->acked;
	}
}

static void ck_note(struct blk_ack_report *rep, enum blk_ack_class c, uint32_t file,
		    uint64_t offset)
{
	rep->count[c]++;
	if (rep->nfirst[c] < BLK_ACK_FIRST_KEPT) {
		rep->first[c][rep->nfirst[c]].file = file;
		rep->first[c][rep->nfirst[c]].offset = offset;
		rep->nfirst[c]++;
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Whether a fio header names write w: its job, and numberio's 16 bits as fio stores them. */
static bool ck_names(const struct ck_write *w, const struct blk_verify_block *hdr)
{
	return (uint16_t)w->job == hdr->thread && (uint16_t)w->seq == (uint16_t)hdr->numberio;
}

/* The writes w[0..n) at one offset, in order; last: the last acknowledged (n if none). */
static int ck_sort_block(const struct ck_write *w, size_t n, size_t last, const uint8_t *buf)
{
	bool has_last = last < n;

	if (has_last && blk_ledger_digest(buf, w[last].len) == w[last].digest)
		return BLK_ACK_INTACT;
	for (size_t i = has_last ? last + 1 : 0; i < n; i++)
		if (blk_ledger_digest(buf, w[i].len) == w[i].digest)
			return BLK_ACK_UNACKED;
	for (size_t i = 0; has_last && i < last; i++)
		if (blk_ledger_digest(buf, w[i].len) == w[i].digest)
			return BLK_ACK_STALE;

	struct blk_verify_block hdr;
	int type;
	uint32_t hdr_len;
	size_t maxlen = 0;
	for (size_t i = 0; i < n; i++)
		if (w[i].len > maxlen)
			maxlen = w[i].len;
	if (!blk_verify_hdr_read(buf, maxlen, &hdr, &type, &hdr_len) && hdr.offset == w[0].offset) {
		/* fio keeps 16 bits of numberio: the last acknowledged write is tried first, then
		 * the later ones, then the older ones */
		if (has_last && ck_names(&w[last], &hdr))
			return last + 1 < n ? BLK_ACK_TORN : BLK_ACK_CORRUPT;
		for (size_t i = has_last ? last + 1 : 0; i < n; i++)
			if (ck_names(&w[i], &hdr))
				return BLK_ACK_TORN;
		for (size_t i = 0; has_last && i < last; i++)
			if (ck_names(&w[i], &hdr))
				return BLK_ACK_STALE;
		if (has_last && (uint16_t)w[last].job == hdr.thread && w[last].seq <= UINT16_MAX &&
		    hdr.numberio < w[last].seq)
			return BLK_ACK_STALE; /* a write older than the ledger's */
	}
	if (has_last && all_zero(buf, w[last].len))
		return BLK_ACK_LOST;
	return has_last ? BLK_ACK_CORRUPT : -1;
}

static int ck_open_file(const struct ck_state *s, uint32_t file, const char *dir, char *err,
			size_t err_size)
{
	char path[8192];
	const char *name = s->files[file];

	if (dir) {
		const char *base = strrchr(name, '/');
		snprintf(path, sizeof(path), "%s/%s", dir, base ? base + 1 : name);
	} else {
		snprintf(path, sizeof(path), "%s", name);
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;
		snprintf(err, err_size, "%s: %s (a data file the ack ledger names)", path,
			 strerror(errno));
		return rc;
	}
	return fd;
}

static int ck_blocks(struct ck_state *s, const char *dir, struct blk_ack_report *rep, char *err,
		     size_t err_size)
{
	uint8_t *buf = NULL;
	size_t cap = 0;
	int fd = -1, rc = 0;
	uint32_t open_file = UINT32_MAX;

	if (s->nwrites)
		qsort(s->writes, s->nwrites, sizeof(*s->writes), cmp_block);
	for (size_t i = 0, j; i < s->nwrites && !rc; i = j) {
		const struct ck_write *w = &s->writes[i];
		size_t last = SIZE_MAX, maxlen = 0;
		for (j = i; j < s->nwrites && s->writes[j].file == w->file &&
			    s->writes[j].offset == w->offset;
		     j++) {
			if (s->writes[j].acked)
				last = j - i;
			if (s->writes[j].len > maxlen)
				maxlen = s->writes[j].len;
		}
		if (w->file != open_file) {
			if (fd >= 0)
				close(fd);
			fd = ck_open_file(s, w->file, dir, err, err_size);
			if (fd < 0) {
				rc = fd;
				break;
			}
			open_file = w->file;
		}
		if (maxlen > cap) {
			uint8_t *p = realloc(buf, maxlen);
			if (!p) {
				rc = -ENOMEM;
				snprintf(err, err_size, "ack check: %s", strerror(ENOMEM));
				break;
			}
			buf = p;
			cap = maxlen;
		}
		memset(buf, 0, maxlen); /* past the end of the file reads as nothing: zeros */
		for (size_t got = 0; got < maxlen;) {
			ssize_t n = pread(fd, buf + got, maxlen - got, (off_t)(w->offset + got));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				rc = -errno;
				snprintf(err, err_size, "%s: reading offset %llu: %s",
					 s->files[w->file], (unsigned long long)w->offset,
					 strerror(errno));
				break;
			}
			if (n == 0)
				break;
			got += (size_t)n;
		}
		if (rc)
			break;
		int c = ck_sort_block(w, j - i, last == SIZE_MAX ? j - i : last, buf);
		if (c >= 0)
			ck_note(rep, (enum blk_ack_class)c, w->file, w->offset);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

static int ck_source(struct ck_state *s, const uint8_t *buf, size_t len, const char *what,
		     char *err, size_t err_size)
{
	struct ledger_sink sink = { .run = ck_on_run, .rec = ck_on_rec, .arg = s };
	size_t valid;

	s->cur_run = -1;
	int rc = ledger_parse(buf, len, &sink, &valid);
	if (rc == -EINVAL)
		snprintf(err, err_size, "%s: not an ack ledger", what);
	else if (rc)
		snprintf(err, err_size, "%s: %s", what, strerror(-rc));
	s->order_base += (uint64_t)1 << 40;
	return rc;
}

static void ck_free(struct ck_state *s)
{
	for (unsigned i = 0; i < s->nruns; i++)
		free(s->runs[i].file);
	for (unsigned i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->runs);
	free(s->files);
	free(s->writes);
	free(s->posts);
}

int blk_ack_check(const char *journal, const char *witness, const char *dir,
		  struct blk_ack_report *rep, char *err, size_t err_size)
{
	struct ck_state s = { .cur_run = -1 };
	uint8_t *buf;
	size_t len;
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	if ((rc = ledger_available(err, err_size)))
		return rc;
	if (!journal && !witness) {
		snprintf(err, err_size, "the ack check needs --ack_journal or --ack_witness");
		return -EINVAL;
	}
	snprintf(rep->source, sizeof(rep->source), "%s%s%s%s%s", journal ? "journal " : "",
		 journal ? journal : "", journal && witness ? ", " : "", witness ? "witness " : "",
		 witness ? witness : "");
	if (journal) {
		rc = ledger_file_read(journal, &buf, &len);
		if (rc) {
			snprintf(err, err_size, "--ack_journal %s: %s", journal, strerror(-rc));
			goto out;
		}
		rc = ck_source(&s, buf, len, journal, err, err_size);
		free(buf);
		if (rc)
			goto out;
	}
	if (witness) {
		rc = witness_fetch(witness, &buf, &len, err, err_size);
		if (rc)
			goto out;
		rc = ck_source(&s, buf, len, witness, err, err_size);
		free(buf);
		if (rc)
			goto out;
	}
	rep->records = s.records;
	ck_pair(&s, rep);
	rc = ck_blocks(&s, dir, rep, err, err_size);
	rep->nfiles = s.nfiles;
	for (unsigned i = 0; i < s.nfiles && i < BLK_ACK_NAMES_KEPT; i++)
		snprintf(rep->files[i], sizeof(rep->files[i]), "%s", s.files[i]);
out:
	ck_free(&s);
	return rc;
}
