/*
 * test_blk_ledger.c - the acknowledgement ledger's journal and checker (ledger.h): records
 * written and read back, a torn last record ignored (and cut before the next run appends), a
 * file that is not a ledger refused and left as it was, and the checker's classes on a data
 * file whose blocks the test writes itself: intact, lost (zeroed, and past the end of the
 * file), stale (an older acknowledged version copied back, and an older fio header), corrupt
 * (random bytes), unacknowledged (an in-flight write that landed) and torn (an in-flight
 * write's fio header over other bytes).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../lib/ci_skip.h"

#include "ledger_int.h"
#include "pvcbench/report.h"
#include "verify.h"

#define BS 4096

struct fixture {
	char dir[64];
	char journal[128];
	char data[128];
	char err[4096];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_blk_ledger.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->journal, sizeof(f->journal), "%s/journal", f->dir);
	snprintf(f->data, sizeof(f->data), "%s/data.0.0", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->journal);
	unlink(f->data);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void fill(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
}

static struct blk_ledger_rec rec_for(uint64_t offset, uint64_t seq, const uint8_t *block)
{
	return (struct blk_ledger_rec){ .job = 0,
					.file = 0,
					.offset = offset,
					.len = BS,
					.seq = seq,
					.digest = blk_ledger_digest(block, BS) };
}

struct counts {
	unsigned runs, pre, post;
	struct blk_ledger_rec last;
};

static int count_run(void *arg, const struct ledger_run *run)
{
	struct counts *c = arg;

	c->runs++;
	assert_int_equal(run->nfiles, 2);
	assert_memory_equal(run->names[1], "/x/data.0.1", run->name_lens[1]);
	return 0;
}

static int count_rec(void *arg, enum ledger_kind kind, const struct blk_ledger_rec *r,
		     uint64_t index)
{
	struct counts *c = arg;

	if (kind == LEDGER_PRE)
		c->pre++;
	else
		c->post++;
	c->last = *r;
	return 0;
}

static struct counts parse_journal(const char *path, size_t *valid, size_t *len)
{
	struct counts c = { 0 };
	struct ledger_sink sink = { .run = count_run, .rec = count_rec, .arg = &c };
	uint8_t *buf;

	assert_int_equal(ledger_file_read(path, &buf, len), 0);
	assert_int_equal(ledger_parse(buf, *len, &sink, valid), 0);
	free(buf);
	return c;
}

static void write_run(struct fixture *f, unsigned nrec)
{
	const char *files[] = { "/x/data.0.0", "/x/data.0.1" };
	struct blk_ledger *l;
	struct blk_ledger_rec recs[16];

	assert_true(nrec <= 16);
	assert_int_equal(blk_ledger_open(&l, f->journal, NULL, files, 2, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(strlen(blk_ledger_run_id(l)), 32);
	for (unsigned i = 0; i < nrec; i++)
		recs[i] = (struct blk_ledger_rec){ .job = 3,
						   .file = i % 2,
						   .offset = (uint64_t)i * BS,
						   .len = BS,
						   .seq = i + 1,
						   .digest = 0x1234567890abcdefull + i };
	assert_int_equal(blk_ledger_pre(l, recs, nrec), 0);
	assert_int_equal(blk_ledger_post(l, recs, nrec - 1), 0);
	assert_int_equal(blk_ledger_close(l, f->err, sizeof(f->err)), 0);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	size_t valid, len;

	write_run(f, 5);
	struct counts c = parse_journal(f->journal, &valid, &len);
	assert_int_equal(valid, len);
	assert_int_equal(c.runs, 1);
	assert_int_equal(c.pre, 5);
	assert_int_equal(c.post, 4);
	assert_int_equal(c.last.job, 3);
	assert_int_equal(c.last.file, 1);
	assert_int_equal(c.last.offset, 3 * BS);
	assert_int_equal(c.last.len, BS);
	assert_int_equal(c.last.seq, 4);
	assert_int_equal(c.last.digest, 0x1234567890abcdefull + 3);

	/* a second run appends its own header after the first */
	write_run(f, 2);
	c = parse_journal(f->journal, &valid, &len);
	assert_int_equal(valid, len);
	assert_int_equal(c.runs, 2);
	assert_int_equal(c.pre, 7);
	assert_int_equal(c.post, 5);
}

static void test_torn_tail(void **state)
{
	struct fixture *f = *state;
	size_t valid, len;
	struct stat st;

	write_run(f, 4);
	assert_int_equal(stat(f->journal, &st), 0);
	size_t whole = (size_t)st.st_size;

	/* half a record, as a crash in the middle of a write leaves it */
	uint8_t rec[LEDGER_REC_SIZE];
	struct blk_ledger_rec r = { .seq = 99, .len = BS };
	ledger_rec_encode(rec, LEDGER_POST, 0, &r);
	int fd = open(f->journal, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, rec, 20), 20);
	close(fd);
	struct counts c = parse_journal(f->journal, &valid, &len);
	assert_int_equal(len, whole + 20);
	assert_int_equal(valid, whole);
	assert_int_equal(c.pre, 4);
	assert_int_equal(c.post, 3);

	/* a whole record whose checksum fails counts as torn too */
	fd = open(f->journal, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)whole), 0);
	rec[30] ^= 0x40;
	assert_int_equal(pwrite(fd, rec, sizeof(rec), (off_t)whole), (ssize_t)sizeof(rec));
	close(fd);
	c = parse_journal(f->journal, &valid, &len);
	assert_int_equal(valid, whole);
	assert_int_equal(c.post, 3);

	/* the next run cuts the torn tail and appends on a record boundary */
	write_run(f, 2);
	c = parse_journal(f->journal, &valid, &len);
	assert_int_equal(valid, len);
	assert_int_equal(c.runs, 2);
	assert_int_equal(c.pre, 6);
	assert_int_equal(c.post, 4);

	/* damage early in a journal, more than a torn write leaves after it: kept, refused */
	fd = open(f->journal, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	static uint8_t zeros[LEDGER_HDR_MAX + 4096];
	assert_int_equal(write(fd, zeros, sizeof(zeros)), (ssize_t)sizeof(zeros));
	close(fd);
	assert_int_equal(stat(f->journal, &st), 0);
	const char *files[] = { "data" };
	struct blk_ledger *l;
	assert_int_equal(blk_ledger_open(&l, f->journal, NULL, files, 1, f->err, sizeof(f->err)),
			 -EINVAL);
	assert_non_null(strstr(f->err, "damaged at byte"));
	struct stat after;
	assert_int_equal(stat(f->journal, &after), 0);
	assert_int_equal(after.st_size, st.st_size);
}

static void test_foreign_refused(void **state)
{
	struct fixture *f = *state;
	const char *files[] = { "data" };
	const char text[] = "not a ledger: someone's notes\n";
	struct blk_ledger *l = (struct blk_ledger *)&l;
	struct stat st;

	int fd = open(f->journal, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(blk_ledger_open(&l, f->journal, NULL, files, 1, f->err, sizeof(f->err)),
			 -EINVAL);
	assert_null(l);
	assert_non_null(strstr(f->err, "not an ack ledger"));
	assert_int_equal(stat(f->journal, &st), 0);
	assert_int_equal(st.st_size, sizeof(text) - 1); /* left as it was */

	/* nor is it read as one */
	struct blk_ack_report *rep = malloc(sizeof(*rep));
	assert_int_equal(blk_ack_check(f->journal, NULL, NULL, rep, f->err, sizeof(f->err)),
			 -EINVAL);
	assert_non_null(strstr(f->err, "not an ack ledger"));
	free(rep);

	/* neither journal nor witness */
	assert_int_equal(blk_ledger_open(&l, NULL, NULL, files, 1, f->err, sizeof(f->err)),
			 -EINVAL);
}

static void put_block(int fd, uint64_t offset, const uint8_t *block)
{
	assert_int_equal(pwrite(fd, block, BS, (off_t)offset), BS);
}

/* A block with a fio header naming (job 0, numberio seq) at offset, then seed's bytes. */
static void fio_block(uint8_t *block, uint64_t offset, uint64_t seq)
{
	struct blk_verify_spec spec = { 0 };
	struct blk_verify_block b = { .offset = offset, .rand_seed = seq, .numberio = seq };

	assert_int_equal(blk_verify_type_parse("crc32c", &spec.type), 0);
	assert_int_equal(blk_verify_fill(&spec, block, BS, &b), 0);
}

static bool first_has(const struct blk_ack_report *rep, enum blk_ack_class c, uint64_t offset)
{
	for (unsigned i = 0; i < rep->nfirst[c]; i++)
		if (rep->first[c][i].offset == offset && rep->first[c][i].file == 0)
			return true;
	return false;
}

static void test_classes(void **state)
{
	struct fixture *f = *state;
	const char *files[] = { f->data };
	struct blk_ledger *l;
	uint8_t v1[BS], v2[BS], junk[BS], zero[BS] = { 0 };
	struct blk_ledger_rec pre[32], post[32];
	unsigned npre = 0, npost = 0;
	uint64_t seq = 1;

	int fd = open(f->data, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(blk_ledger_open(&l, f->journal, NULL, files, 1, f->err, sizeof(f->err)),
			 0);
	/* block i at offset i * BS; v1 and v2 differ per block (seeded by offset) */
#define ACKED(off, buf) (pre[npre++] = post[npost++] = rec_for(off, seq++, buf))
#define IN_FLIGHT(off, buf) (pre[npre++] = rec_for(off, seq++, buf))
	/* 0: intact */
	fill(v1, BS, 100);
	ACKED(0 * BS, v1);
	put_block(fd, 0 * BS, v1);
	/* 1: lost, zeroed */
	fill(v1, BS, 101);
	ACKED(1 * BS, v1);
	put_block(fd, 1 * BS, zero);
	/* 2: stale: v1 then v2 acknowledged, v1 copied back */
	fill(v1, BS, 102);
	fill(v2, BS, 202);
	ACKED(2 * BS, v1);
	ACKED(2 * BS, v2);
	put_block(fd, 2 * BS, v1);
	/* 3: corrupt: random bytes */
	fill(v1, BS, 103);
	fill(junk, BS, 999);
	ACKED(3 * BS, v1);
	put_block(fd, 3 * BS, junk);
	/* 4: unacknowledged: v2 was in flight and landed */
	fill(v1, BS, 104);
	fill(v2, BS, 204);
	ACKED(4 * BS, v1);
	IN_FLIGHT(4 * BS, v2);
	put_block(fd, 4 * BS, v2);
	/* 5: torn: v2 (fio header) in flight, its header landed over other bytes */
	fio_block(v1, 5 * BS, seq);
	ACKED(5 * BS, v1);
	fio_block(v2, 5 * BS, seq);
	IN_FLIGHT(5 * BS, v2);
	memcpy(junk, v2, 512);
	put_block(fd, 5 * BS, junk);
	/* 6: stale by its header: v2 acknowledged, v1's header with other bytes */
	fio_block(v1, 6 * BS, seq);
	ACKED(6 * BS, v1);
	fio_block(v2, 6 * BS, seq);
	ACKED(6 * BS, v2);
	fill(junk, BS, 998);
	memcpy(junk, v1, 512);
	put_block(fd, 6 * BS, junk);
	/* 7: never acknowledged, still zeros: nothing was promised, not counted */
	fill(v1, BS, 107);
	IN_FLIGHT(7 * BS, v1);
	put_block(fd, 7 * BS, zero);
	/* 9: lost, past the end of the file (block 8 is the file's last) */
	put_block(fd, 8 * BS, zero);
	fill(v1, BS, 109);
	ACKED(9 * BS, v1);
	close(fd);

	assert_int_equal(blk_ledger_pre(l, pre, npre), 0);
	assert_int_equal(blk_ledger_post(l, post, npost), 0);
	assert_int_equal(blk_ledger_close(l, f->err, sizeof(f->err)), 0);

	struct blk_ack_report *rep = malloc(sizeof(*rep));
	assert_non_null(rep);
	assert_int_equal(blk_ack_check(f->journal, NULL, NULL, rep, f->err, sizeof(f->err)), 0);
	assert_int_equal(rep->records, npre + npost);
	assert_int_equal(rep->acked, npost);
	assert_int_equal(rep->pre_only, npre - npost);
	assert_int_equal(rep->count[BLK_ACK_INTACT], 1);
	assert_int_equal(rep->count[BLK_ACK_LOST], 2);
	assert_int_equal(rep->count[BLK_ACK_STALE], 2);
	assert_int_equal(rep->count[BLK_ACK_CORRUPT], 1);
	assert_int_equal(rep->count[BLK_ACK_UNACKED], 1);
	assert_int_equal(rep->count[BLK_ACK_TORN], 1);
	assert_true(first_has(rep, BLK_ACK_LOST, 1 * BS));
	assert_true(first_has(rep, BLK_ACK_LOST, 9 * BS));
	assert_true(first_has(rep, BLK_ACK_STALE, 2 * BS));
	assert_true(first_has(rep, BLK_ACK_STALE, 6 * BS));
	assert_true(first_has(rep, BLK_ACK_CORRUPT, 3 * BS));
	assert_true(first_has(rep, BLK_ACK_UNACKED, 4 * BS));
	assert_true(first_has(rep, BLK_ACK_TORN, 5 * BS));
	assert_true(blk_ack_failed(rep));
	assert_int_equal(blk_ack_exit_status(rep), 1);

	/* the text names the class, the file and the offset */
	char *text = NULL;
	size_t tlen = 0;
	FILE *m = open_memstream(&text, &tlen);
	blk_ack_print_text(m, rep);
	fclose(m);
	char want[256];
	snprintf(want, sizeof(want), "corrupt: %s offset %d (0x3000)", f->data, 3 * BS);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "lost=2,"));
	free(text);

	m = open_memstream(&text, &tlen);
	struct jsonw j;
	jsonw_begin(&j, m);
	blk_ack_print_json(&j, rep);
	jsonw_end(&j);
	fclose(m);
	assert_non_null(strstr(text, "\"corrupt\" : 1"));
	snprintf(want, sizeof(want), "\"offset\" : %d", 3 * BS);
	assert_non_null(strstr(text, want));
	free(text);

	/* with the data where --directory says, the names' directories are replaced */
	assert_int_equal(blk_ack_check(f->journal, NULL, f->dir, rep, f->err, sizeof(f->err)), 0);
	assert_int_equal(rep->count[BLK_ACK_INTACT], 1);
	/* a data file that is not there is an error, not a loss */
	assert_int_equal(
		blk_ack_check(f->journal, NULL, "/nonexistent", rep, f->err, sizeof(f->err)),
		-ENOENT);
	assert_non_null(strstr(f->err, "/nonexistent/data.0.0"));
	free(rep);
}

/* When the writer's journal lost its tail, only fewer blocks are checked: never a loss. */
static void test_unflushed_post(void **state)
{
	struct fixture *f = *state;
	const char *files[] = { f->data };
	struct blk_ledger *l;
	uint8_t v1[BS];
	struct stat st;

	int fd = open(f->data, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(blk_ledger_open(&l, f->journal, NULL, files, 1, f->err, sizeof(f->err)),
			 0);
	fill(v1, BS, 1);
	struct blk_ledger_rec r = rec_for(0, 1, v1);
	assert_int_equal(blk_ledger_pre(l, &r, 1), 0);
	assert_int_equal(stat(f->journal, &st), 0);
	assert_int_equal(blk_ledger_post(l, &r, 1), 0);
	assert_int_equal(blk_ledger_close(l, f->err, sizeof(f->err)), 0);
	close(fd); /* the write itself never reached the file */
	assert_int_equal(truncate(f->journal, st.st_size), 0); /* the post never reached disk */

	struct blk_ack_report *rep = malloc(sizeof(*rep));
	assert_int_equal(blk_ack_check(f->journal, NULL, NULL, rep, f->err, sizeof(f->err)), 0);
	assert_int_equal(rep->acked, 0);
	assert_int_equal(rep->pre_only, 1);
	for (int c = 0; c < BLK_ACK_NCLASSES; c++)
		assert_int_equal(rep->count[c], 0);
	assert_false(blk_ack_failed(rep));
	free(rep);
}

/* Two jobs appending to one journal at once: each record names its run. */
static void test_two_writers(void **state)
{
	struct fixture *f = *state;
	char other[160];
	const char *files_a[] = { f->data }, *files_b[] = { other };
	struct blk_ledger *a, *b;
	uint8_t block[BS];

	snprintf(other, sizeof(other), "%s/data.1.0", f->dir);
	int fa = open(f->data, O_RDWR | O_CREAT | O_TRUNC, 0644);
	int fb = open(other, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fa >= 0 && fb >= 0);
	assert_int_equal(blk_ledger_open(&a, f->journal, NULL, files_a, 1, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(blk_ledger_open(&b, f->journal, NULL, files_b, 1, f->err, sizeof(f->err)),
			 0);
	for (unsigned i = 0; i < 4; i++) {
		struct blk_ledger_rec ra, rb;
		fill(block, BS, 10 + i);
		ra = rec_for(i * BS, i + 1, block);
		put_block(fa, i * BS, block);
		fill(block, BS, 20 + i);
		rb = rec_for(i * BS, i + 1, block);
		put_block(fb, i * BS, block);
		assert_int_equal(blk_ledger_pre(a, &ra, 1), 0);
		assert_int_equal(blk_ledger_pre(b, &rb, 1), 0);
		assert_int_equal(blk_ledger_post(b, &rb, 1), 0);
		assert_int_equal(blk_ledger_post(a, &ra, 1), 0);
	}
	assert_int_equal(blk_ledger_close(a, f->err, sizeof(f->err)), 0);
	assert_int_equal(blk_ledger_close(b, f->err, sizeof(f->err)), 0);
	close(fa);
	close(fb);

	struct blk_ack_report *rep = malloc(sizeof(*rep));
	assert_int_equal(blk_ack_check(f->journal, NULL, NULL, rep, f->err, sizeof(f->err)), 0);
	assert_int_equal(rep->acked, 8);
	assert_int_equal(rep->count[BLK_ACK_INTACT], 8);
	assert_int_equal(rep->nfiles, 2);
	assert_false(blk_ack_failed(rep));
	free(rep);
	unlink(other);
}

int main(void)
{
	char why[200];

	/* a build without libxxhash has no ledger: a skip, a failure in CI */
	if (ledger_available(why, sizeof(why)))
		return t_cannot_run("%s", why);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_classes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unflushed_post, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
