/*
 * ledger_format.c - the journal's bytes (ledger_int.h): run headers, 48-byte records, the
 * parser that stops at a torn tail, and the append-only opener that refuses a file that is not
 * a ledger. Shared by the writer's journal, the witness's copies and the checker.
 *
 * Invariant: a reader accepts a prefix of the file in which every header and every record has
 * its checksum right; anything after the first bad one is a tail torn by a crash and ignored.
 */
#include "ledger_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef PVC_HAVE_XXHASH
#include <xxhash.h>
#endif

/* header: magic 8, version 4, total length 4, run id 16, start 8, nfiles 4, names, check 4 */
#define HDR_FIXED (LEDGER_MAGIC_LEN + 4 + 4 + LEDGER_RUN_ID_LEN + 8 + 4)

#ifdef PVC_HAVE_XXHASH
int ledger_available(char *err, size_t err_size)
{
	return 0;
}

uint64_t blk_ledger_digest(const void *buf, size_t len)
{
	return XXH3_64bits(buf, len);
}
#else
/* Without xxh3 no digest could be compared with another build's: no ledger at all. */
int ledger_available(char *err, size_t err_size)
{
	snprintf(err, err_size,
		 "the ack ledger needs xxh3: libxxhash-dev was missing when "
		 "pvcbench was built");
	return -ENOTSUP;
}

uint64_t blk_ledger_digest(const void *buf, size_t len)
{
	return 0;
}
#endif

uint32_t ledger_check32(const void *buf, size_t len)
{
	return (uint32_t)blk_ledger_digest(buf, len);
}

void ledger_run_hex(const uint8_t id[LEDGER_RUN_ID_LEN], char hex[2 * LEDGER_RUN_ID_LEN + 1])
{
	for (int i = 0; i < LEDGER_RUN_ID_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
}

int ledger_run_unhex(const char *hex, uint8_t id[LEDGER_RUN_ID_LEN])
{
	if (strlen(hex) != 2 * LEDGER_RUN_ID_LEN)
		return -EINVAL;
	for (int i = 0; i < LEDGER_RUN_ID_LEN; i++) {
		unsigned v;
		char two[3] = { hex[2 * i], hex[2 * i + 1], 0 };
		char *end;
		v = (unsigned)strtoul(two, &end, 16);
		if (*end)
			return -EINVAL;
		id[i] = (uint8_t)v;
	}
	return 0;
}

int ledger_hdr_encode(const uint8_t id[LEDGER_RUN_ID_LEN], uint64_t start_ns,
		      const char *const *files, unsigned nfiles, uint8_t **out, size_t *len)
{
	size_t total = HDR_FIXED + 4;

	if (nfiles > LEDGER_MAX_FILES)
		return -E2BIG;
	for (unsigned i = 0; i < nfiles; i++)
		total += 4 + strlen(files[i]);
	if (total > LEDGER_HDR_MAX)
		return -E2BIG;
	uint8_t *p = malloc(total);
	if (!p)
		return -ENOMEM;
	memcpy(p, LEDGER_MAGIC, LEDGER_MAGIC_LEN);
	ledger_put32(p + 8, LEDGER_VERSION);
	ledger_put32(p + 12, (uint32_t)total);
	memcpy(p + 16, id, LEDGER_RUN_ID_LEN);
	ledger_put64(p + 32, start_ns);
	ledger_put32(p + 40, nfiles);
	size_t at = HDR_FIXED;
	for (unsigned i = 0; i < nfiles; i++) {
		size_t n = strlen(files[i]);
		ledger_put32(p + at, (uint32_t)n);
		memcpy(p + at + 4, files[i], n);
		at += 4 + n;
	}
	ledger_put32(p + at, ledger_check32(p, at));
	*out = p;
	*len = total;
	return 0;
}

/* record: kind 4, job 4, file 4, len 4, offset 8, seq 8, digest 8, run tag 4, check 4 */
void ledger_rec_encode(uint8_t *out, enum ledger_kind kind, uint32_t run_tag,
		       const struct blk_ledger_rec *r)
{
	ledger_put32(out, (uint32_t)kind);
	ledger_put32(out + 4, r->job);
	ledger_put32(out + 8, r->file);
	ledger_put32(out + 12, r->len);
	ledger_put64(out + 16, r->offset);
	ledger_put64(out + 24, r->seq);
	ledger_put64(out + 32, r->digest);
	ledger_put32(out + 40, run_tag);
	ledger_put32(out + 44, ledger_check32(out, 44));
}

int ledger_rec_decode(const uint8_t *in, enum ledger_kind *kind, uint32_t *run_tag,
		      struct blk_ledger_rec *r)
{
	uint32_t k = ledger_get32(in);

	if ((k != LEDGER_PRE && k != LEDGER_POST) ||
	    ledger_get32(in + 44) != ledger_check32(in, 44))
		return -EINVAL;
	*kind = (enum ledger_kind)k;
	*run_tag = ledger_get32(in + 40);
	r->job = ledger_get32(in + 4);
	r->file = ledger_get32(in + 8);
	r->len = ledger_get32(in + 12);
	r->offset = ledger_get64(in + 16);
	r->seq = ledger_get64(in + 24);
	r->digest = ledger_get64(in + 32);
	return 0;
}

uint32_t ledger_run_tag(const uint8_t id[LEDGER_RUN_ID_LEN])
{
	return ledger_get32(id);
}

/* A header at p (avail bytes): its length, 0 when torn or wrong. */
static size_t hdr_decode(const uint8_t *p, size_t avail, struct ledger_run *run)
{
	if (avail < HDR_FIXED + 4 || memcmp(p, LEDGER_MAGIC, LEDGER_MAGIC_LEN) ||
	    ledger_get32(p + 8) != LEDGER_VERSION)
		return 0;
	uint32_t total = ledger_get32(p + 12);
	if (total < HDR_FIXED + 4 || total > LEDGER_HDR_MAX || total > avail ||
	    ledger_get32(p + total - 4) != ledger_check32(p, total - 4))
		return 0;
	memcpy(run->id, p + 16, LEDGER_RUN_ID_LEN);
	run->start_ns = ledger_get64(p + 32);
	run->nfiles = ledger_get32(p + 40);
	if (run->nfiles > LEDGER_MAX_FILES)
		return 0;
	size_t at = HDR_FIXED;
	for (uint32_t i = 0; i < run->nfiles; i++) {
		if (at + 4 > total - 4)
			return 0;
		uint32_t n = ledger_get32(p + at);
		if (n > total - 4 - at - 4)
			return 0;
		run->names[i] = (const char *)p + at + 4;
		run->name_lens[i] = n;
		at += 4 + n;
	}
	return at == total - 4 ? total : 0;
}

/* The runs a parse has met: where each one's latest header is, by tag. */
struct parse_runs {
	struct {
		uint32_t tag;
		size_t at;
	} * v;
	size_t n, cap;
	long cur; /* the run the sink was last told of, -1: none */
};

static int parse_runs_note(struct parse_runs *pr, uint32_t tag, size_t at)
{
	for (size_t i = 0; i < pr->n; i++)
		if (pr->v[i].tag == tag) {
			pr->v[i].at = at;
			pr->cur = (long)i;
			return 0;
		}
	if (pr->n == pr->cap) {
		size_t cap = pr->cap ? 2 * pr->cap : 8;
		void *p = realloc(pr->v, cap * sizeof(*pr->v));
		if (!p)
			return -ENOMEM;
		pr->v = p;
		pr->cap = cap;
	}
	pr->v[pr->n].tag = tag;
	pr->v[pr->n].at = at;
	pr->cur = (long)pr->n++;
	return 0;
}

int ledger_parse(const uint8_t *buf, size_t len, const struct ledger_sink *sink, size_t *valid_end)
{
	struct ledger_run *run = malloc(sizeof(*run));
	struct parse_runs pr = { .cur = -1 };
	size_t at = 0;
	uint64_t index = 0;
	int rc = 0;

	if (!run)
		return -ENOMEM;
	if (len > 0) {
		size_t n = hdr_decode(buf, len, run);
		/* a file cut inside its very first header is a ledger whose writer died opening
		 * it: only a prefix of the magic is accepted as that */
		if (!n &&
		    memcmp(buf, LEDGER_MAGIC, len < LEDGER_MAGIC_LEN ? len : LEDGER_MAGIC_LEN))
			rc = -EINVAL;
	}
	while (!rc && at < len) {
		size_t n = hdr_decode(buf + at, len - at, run);
		if (n) {
			rc = parse_runs_note(&pr, ledger_run_tag(run->id), at);
			if (!rc && sink && sink->run)
				rc = sink->run(sink->arg, run);
			at += n;
			continue;
		}
		enum ledger_kind kind;
		uint32_t tag;
		struct blk_ledger_rec r;
		if (at == 0 || len - at < LEDGER_REC_SIZE ||
		    ledger_rec_decode(buf + at, &kind, &tag, &r))
			break; /* the torn tail */
		/* two writers appending to one journal interleave their records: each names
		 * its run, and the sink is told when the run changes */
		if (pr.cur < 0 || pr.v[pr.cur].tag != tag) {
			size_t i = 0;
			while (i < pr.n && pr.v[i].tag != tag)
				i++;
			if (i == pr.n) {
				at += LEDGER_REC_SIZE; /* no header of its run: nothing to read it by */
				index++;
				continue;
			}
			pr.cur = (long)i;
			hdr_decode(buf + pr.v[i].at, len - pr.v[i].at, run);
			if (sink && sink->run)
				rc = sink->run(sink->arg, run);
			if (rc)
				break;
		}
		if (sink && sink->rec)
			rc = sink->rec(sink->arg, kind, &r, index);
		index++;
		at += LEDGER_REC_SIZE;
	}
	free(pr.v);
	free(run);
	if (valid_end)
		*valid_end = at;
	return rc;
}

int ledger_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ledger_file_read(const char *path, uint8_t **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int rc = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		rc = -errno;
		goto out;
	}
	*buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*buf) {
		rc = -ENOMEM;
		goto out;
	}
	while (*len < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + *len, (size_t)st.st_size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break; /* shrank while read: what was there */
		*len += (size_t)n;
	}
out:
	if (rc) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	close(fd);
	return rc;
}

static int sync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

int ledger_file_open(const char *path, const uint8_t *hdr, size_t hdrlen, char *err,
		     size_t err_size)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	struct stat st;
	int rc;

	if (fd < 0) {
		rc = -errno;
		snprintf(err, err_size, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, err_size, "%s: %s", path, strerror(-rc));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, err_size, "%s: not a regular file (an ack journal is a file)", path);
		goto fail;
	}
	if (st.st_size > 0) {
		uint8_t *old;
		size_t len, valid;
		rc = ledger_file_read(path, &old, &len);
		if (rc) {
			snprintf(err, err_size, "%s: %s", path, strerror(-rc));
			goto fail;
		}
		rc = ledger_parse(old, len, NULL, &valid);
		free(old);
		if (rc) {
			snprintf(err, err_size,
				 "%s: not an ack ledger (refusing to append to a file pvcbench "
				 "did not write)",
				 path);
			goto fail;
		}
		/* more than a torn write could leave is damage for a human to look at: kept */
		if (len - valid > LEDGER_HDR_MAX) {
			rc = -EINVAL;
			snprintf(err, err_size,
				 "%s: damaged at byte %zu, %zu bytes after it: refusing to append "
				 "(move it away)",
				 path, valid, len - valid);
			goto fail;
		}
		/* cut a torn tail so that what we append starts on a record boundary */
		if (valid < len && ftruncate(fd, (off_t)valid)) {
			rc = -errno;
			snprintf(err, err_size, "%s: cutting its torn tail: %s", path,
				 strerror(-rc));
			goto fail;
		}
	}
	if (hdrlen) {
		rc = ledger_write_all(fd, hdr, hdrlen);
		if (!rc && fdatasync(fd))
			rc = -errno;
		/* a file just created is found again after a crash only once its directory
		 * entry is durable too */
		if (!rc && st.st_size == 0)
			rc = sync_parent(path);
		if (rc) {
			snprintf(err, err_size, "%s: %s", path, strerror(-rc));
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return rc;
}
