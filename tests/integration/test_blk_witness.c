/*
 * test_blk_witness.c - `pvcbench witness` over loopback (witness.c, witness_client.c): a
 * writer streams pre and post records of writes it makes to a data file; the witness is
 * SIGKILLed in the middle and started again on the same port and directory; the checker then
 * downloads the run from the witness and finds every acknowledged block intact, the writes
 * whose post died with the witness counted apart (unacknowledged), nothing lost. Also: a
 * witness that is not there is a one-line error, SIGTERM stops it, --once exits after one
 * download.
 *
 * The witness runs as a child process of this test (command_main on blk_witness_ops), on
 * 127.0.0.1 with a port the kernel picks, its ledgers in a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../lib/ci_skip.h"

#include "ledger_int.h"
#include "pvcbench/signals.h"
#include "pvcbench/workloads.h"

#define BS 4096
#define BATCH 8

struct fixture {
	char dir[64];
	char data[128];
	char addr[64];
	pid_t witness;
	char err[4096];
};

/* Starts the witness on listen (port 0: any), returns its address in f->addr. */
static void start_witness(struct fixture *f, const char *listen, bool once)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "witness", "--listen", (char *)listen,
				 "--dir",   f->dir,	once ? "--once" : NULL,
				 NULL };
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		signals_install();
		_exit(command_main(&blk_witness_ops, once ? 6 : 5, argv));
	}
	close(fds[1]);
	FILE *out = fdopen(fds[0], "r");
	assert_non_null(out);
	assert_non_null(fgets(f->addr, sizeof(f->addr), out));
	f->addr[strcspn(f->addr, "\n")] = 0;
	fclose(out);
	f->witness = pid;
}

/* The child's wait status, waiting at most 10 s. */
static int wait_child(pid_t pid)
{
	int status;

	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		assert_true(r >= 0);
		if (r == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fail_msg("the witness did not stop within 10 s");
	return -1;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_blk_witness.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	f->witness = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[200];

	if (f->witness > 0) {
		kill(f->witness, SIGKILL);
		waitpid(f->witness, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void fill(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 7;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
}

/* Batch b's records (blocks at their own offsets), and their bytes written when submit. */
static int batch(struct blk_ledger *l, int fd, unsigned b, bool post, int *post_rc)
{
	struct blk_ledger_rec recs[BATCH];
	uint8_t block[BATCH][BS];

	for (unsigned i = 0; i < BATCH; i++) {
		uint64_t n = b * BATCH + i;
		fill(block[i], BS, n + 1);
		recs[i] = (struct blk_ledger_rec){ .job = 0,
						   .file = 0,
						   .offset = n * BS,
						   .len = BS,
						   .seq = n + 1,
						   .digest = blk_ledger_digest(block[i], BS) };
	}
	int rc = blk_ledger_pre(l, recs, BATCH);
	if (rc)
		return rc; /* not submitted */
	for (unsigned i = 0; i < BATCH; i++)
		assert_int_equal(pwrite(fd, block[i], BS, (off_t)recs[i].offset), BS);
	assert_int_equal(fdatasync(fd), 0);
	if (post)
		*post_rc = blk_ledger_post(l, recs, BATCH);
	return 0;
}

static void test_witness_killed(void **state)
{
	struct fixture *f = *state;
	const char *files[] = { f->data };
	struct blk_ledger *l;
	int post_rc = 0;

	start_witness(f, "127.0.0.1:0", false);
	int fd = open(f->data, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(blk_ledger_open(&l, NULL, f->addr, files, 1, f->err, sizeof(f->err)), 0);
	for (unsigned b = 0; b < 4; b++) {
		assert_int_equal(batch(l, fd, b, true, &post_rc), 0);
		assert_int_equal(post_rc, 0);
	}
	/* batch 4's pre is answered (so the witness holds batches 0-3's posts, sent before
	 * it), then the witness dies before its post: batch 4 was written, never acknowledged */
	assert_int_equal(batch(l, fd, 4, false, NULL), 0);
	kill(f->witness, SIGKILL);
	assert_true(WIFSIGNALED(wait_child(f->witness)));
	f->witness = -1;
	/* with the witness gone, a pre fails: the write is not submitted */
	assert_true(batch(l, fd, 5, true, &post_rc) < 0);
	assert_non_null(strstr(blk_ledger_error(l), "cannot connect"));

	/* started again on the same port and directory: the writer reconnects */
	char addr[64];
	snprintf(addr, sizeof(addr), "%s", f->addr);
	start_witness(f, addr, false);
	assert_string_equal(f->addr, addr);
	assert_int_equal(batch(l, fd, 6, true, &post_rc), 0);
	assert_int_equal(post_rc, 0);
	char run[40];
	snprintf(run, sizeof(run), "%s", blk_ledger_run_id(l));
	assert_int_equal(blk_ledger_close(l, f->err, sizeof(f->err)), 0);
	close(fd);

	/* the run's copy, in the journal's format */
	char path[200];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s.ledger", f->dir, run);
	assert_int_equal(stat(path, &st), 0);

	struct blk_ack_report *rep = malloc(sizeof(*rep));
	assert_non_null(rep);
	assert_int_equal(blk_ack_check(NULL, f->addr, NULL, rep, f->err, sizeof(f->err)), 0);
	assert_int_equal(rep->acked, 5 * BATCH);
	assert_int_equal(rep->pre_only, BATCH);
	assert_int_equal(rep->records, 6 * BATCH + 5 * BATCH);
	assert_int_equal(rep->count[BLK_ACK_INTACT], 5 * BATCH);
	assert_int_equal(rep->count[BLK_ACK_UNACKED], BATCH);
	assert_int_equal(rep->count[BLK_ACK_LOST], 0);
	assert_int_equal(rep->count[BLK_ACK_STALE], 0);
	assert_int_equal(rep->count[BLK_ACK_CORRUPT], 0);
	assert_int_equal(rep->count[BLK_ACK_TORN], 0);
	assert_false(blk_ack_failed(rep));

	/* the same run named by its id; a run the witness does not have is an error */
	char named[128];
	snprintf(named, sizeof(named), "%s/%s", f->addr, run);
	assert_int_equal(blk_ack_check(NULL, named, NULL, rep, f->err, sizeof(f->err)), 0);
	assert_int_equal(rep->count[BLK_ACK_INTACT], 5 * BATCH);
	snprintf(named, sizeof(named), "%s/%032d", f->addr, 0);
	assert_int_equal(blk_ack_check(NULL, named, NULL, rep, f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "no ledger of that run"));

	/* one block overwritten after the run: the checker, from the witness, names it */
	fd = open(f->data, O_WRONLY);
	uint8_t junk[BS];
	fill(junk, BS, 4242);
	assert_int_equal(pwrite(fd, junk, BS, 3 * BS), BS);
	close(fd);
	assert_int_equal(blk_ack_check(NULL, f->addr, NULL, rep, f->err, sizeof(f->err)), 0);
	assert_int_equal(rep->count[BLK_ACK_CORRUPT], 1);
	assert_int_equal(rep->first[BLK_ACK_CORRUPT][0].offset, 3 * BS);
	free(rep);

	/* SIGTERM stops it, status 0 */
	kill(f->witness, SIGTERM);
	int status = wait_child(f->witness);
	f->witness = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* nobody listening: a one-line error naming the address */
	assert_int_equal(blk_ledger_open(&l, NULL, addr, files, 1, f->err, sizeof(f->err)),
			 -ECONNREFUSED);
	assert_non_null(strstr(f->err, addr));
	assert_non_null(strstr(f->err, "cannot connect"));
	assert_null(strchr(f->err, '\n'));
}

static void test_once(void **state)
{
	struct fixture *f = *state;
	const char *files[] = { f->data };
	struct blk_ledger *l;
	uint8_t *buf;
	size_t len, valid;

	start_witness(f, "127.0.0.1:0", true);
	assert_int_equal(blk_ledger_open(&l, NULL, f->addr, files, 1, f->err, sizeof(f->err)), 0);
	struct blk_ledger_rec r = { .offset = 0, .len = BS, .seq = 1, .digest = 5 };
	assert_int_equal(blk_ledger_pre(l, &r, 1), 0);
	assert_int_equal(blk_ledger_close(l, f->err, sizeof(f->err)), 0);
	assert_int_equal(witness_fetch(f->addr, &buf, &len, f->err, sizeof(f->err)), 0);
	assert_int_equal(ledger_parse(buf, len, NULL, &valid), 0);
	assert_int_equal(valid, len);
	assert_true(len > LEDGER_REC_SIZE);
	free(buf);
	int status = wait_child(f->witness);
	f->witness = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Journal and witness together: the checker reads both and merges them. */
static void test_journal_and_witness(void **state)
{
	struct fixture *f = *state;
	const char *files[] = { f->data };
	struct blk_ledger *l;
	char journal[200];
	int post_rc = 0;

	snprintf(journal, sizeof(journal), "%s/journal", f->dir);
	start_witness(f, "127.0.0.1:0", false);
	int fd = open(f->data, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(blk_ledger_open(&l, journal, f->addr, files, 1, f->err, sizeof(f->err)),
			 0);
	for (unsigned b = 0; b < 3; b++) {
		assert_int_equal(batch(l, fd, b, true, &post_rc), 0);
		assert_int_equal(post_rc, 0);
	}
	assert_int_equal(batch(l, fd, 3, false, NULL), 0);
	assert_int_equal(blk_ledger_close(l, f->err, sizeof(f->err)), 0);
	close(fd);

	struct blk_ack_report *rep = malloc(sizeof(*rep));
	assert_non_null(rep);
	assert_int_equal(blk_ack_check(journal, f->addr, NULL, rep, f->err, sizeof(f->err)), 0);
	assert_non_null(strstr(rep->source, "journal"));
	assert_non_null(strstr(rep->source, "witness"));
	/* each write once, though both hold it */
	assert_int_equal(rep->acked, 3 * BATCH);
	assert_int_equal(rep->pre_only, BATCH);
	assert_int_equal(rep->count[BLK_ACK_INTACT], 3 * BATCH);
	assert_int_equal(rep->count[BLK_ACK_UNACKED], BATCH);

	/* the journal lost its posts (cut after the pres): the witness still has them */
	uint8_t *buf;
	size_t len, valid;
	assert_int_equal(ledger_file_read(journal, &buf, &len), 0);
	assert_int_equal(ledger_parse(buf, len, NULL, &valid), 0);
	free(buf);
	struct stat st;
	assert_int_equal(stat(journal, &st), 0);
	assert_int_equal(truncate(journal, st.st_size - 3 * BATCH * LEDGER_REC_SIZE / 2), 0);
	assert_int_equal(blk_ack_check(journal, f->addr, NULL, rep, f->err, sizeof(f->err)), 0);
	assert_int_equal(rep->acked, 3 * BATCH);
	assert_int_equal(rep->count[BLK_ACK_INTACT], 3 * BATCH);
	free(rep);
}

/* A frame of another protocol version is answered by ERROR, one line, then closed. */
static void test_bad_frame(void **state)
{
	struct fixture *f = *state;
	struct witness_conn c = { .fd = -1 };
	uint8_t head[WITNESS_HEAD] = { 0, 0, 0, 0, 2, WITNESS_SYNC, 0, 0 };
	uint8_t *buf = NULL;
	size_t cap = 0, len;
	enum witness_type type;

	start_witness(f, "127.0.0.1:0", false);
	assert_int_equal(witness_connect(&c, f->addr, f->err, sizeof(f->err)), 0);
	assert_int_equal(write(c.fd, head, sizeof(head)), (ssize_t)sizeof(head));
	assert_int_equal(witness_recv(&c, &type, &buf, &cap, &len), 0);
	assert_int_equal(type, WITNESS_ERROR);
	assert_string_equal((char *)buf, "protocol version 2: this witness speaks version 1");
	assert_int_equal(witness_recv(&c, &type, &buf, &cap, &len), -ECONNRESET);
	witness_close(&c);

	/* records before HELLO */
	assert_int_equal(witness_connect(&c, f->addr, f->err, sizeof(f->err)), 0);
	uint8_t rec[LEDGER_REC_SIZE];
	struct blk_ledger_rec r = { .len = BS, .seq = 1 };
	ledger_rec_encode(rec, LEDGER_PRE, 0, &r);
	assert_int_equal(witness_send(&c, WITNESS_PRE, rec, sizeof(rec)), 0);
	assert_int_equal(witness_wait_ok(&c, f->err, sizeof(f->err)), -EIO);
	assert_non_null(strstr(f->err, "records before HELLO"));
	witness_close(&c);
	free(buf);

	/* the witness still serves others */
	const char *files[] = { f->data };
	struct blk_ledger *l;
	assert_int_equal(blk_ledger_open(&l, NULL, f->addr, files, 1, f->err, sizeof(f->err)), 0);
	assert_int_equal(blk_ledger_close(l, f->err, sizeof(f->err)), 0);
}

int main(void)
{
	char why[200];

	/* a build without libxxhash has no ledger: a skip, a failure in CI */
	if (ledger_available(why, sizeof(why)))
		return t_cannot_run("%s", why);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_witness_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_and_witness, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frame, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
