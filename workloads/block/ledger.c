/*
 * ledger.c - the writer's side of the acknowledgement ledger (ledger.h): one per run, shared by
 * its workers under one mutex, writing pre and post records to the journal and/or the witness.
 *
 * Durability, as the checker relies on it:
 * - pre: written and fdatasync'd to the journal, and answered by the witness (which answers
 *   only once they are durable there), before blk_ledger_pre returns, so a write is never
 *   submitted before its record can be found again. One fdatasync per call: a caller batches.
 * - post: written at once (the journal's write(), the witness's frame) but not synced on its
 *   own: the next call's fdatasync (every pre syncs the file, posts included) or the close
 *   makes it durable. A post lost in a crash only means that write is checked as never
 *   acknowledged (allowed), so fewer blocks are checked: never a false loss.
 * A witness that went away is reconnected once per call (the run's header again, then the
 * frame again), so a witness restarted between two calls loses nothing.
 */
#include "ledger_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "pvcbench/signals.h"

struct blk_ledger {
	pthread_mutex_t lock;
	int journal_fd; /* -1: none */
	char journal[4096];
	bool has_witness;
	char witness_addr[256];
	struct witness_conn witness;
	uint8_t run_id[LEDGER_RUN_ID_LEN];
	char run_hex[2 * LEDGER_RUN_ID_LEN + 1];
	uint8_t *hdr; /* the run header, sent again on a reconnect */
	size_t hdrlen;
	uint8_t *buf; /* encoded records of the current call */
	size_t cap;
	uint8_t *reply;
	size_t reply_cap;
	char err[4608]; /* the last failure, for close's message */
};

static int ledger_witness_hello(struct blk_ledger *l, char *err, size_t err_size)
{
	int rc = witness_connect(&l->witness, l->witness_addr, err, err_size);
	if (rc)
		return rc;
	rc = witness_send(&l->witness, WITNESS_HELLO, l->hdr, l->hdrlen);
	if (!rc)
		rc = witness_wait_ok(&l->witness, err, err_size);
	else
		snprintf(err, err_size, "witness %s: %s", l->witness_addr, strerror(-rc));
	if (rc)
		witness_close(&l->witness);
	return rc;
}

int blk_ledger_open(struct blk_ledger **out, const char *journal, const char *witness,
		    const char *const *files, unsigned nfiles, char *err, size_t err_size)
{
	struct blk_ledger *l;
	struct timespec now;
	int rc;

	*out = NULL;
	if ((rc = ledger_available(err, err_size)))
		return rc;
	if (!journal && !witness) {
		snprintf(err, err_size, "an ack ledger needs a journal or a witness");
		return -EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, err_size, "ack ledger: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->journal_fd = -1;
	l->witness.fd = -1;
	if (getrandom(l->run_id, sizeof(l->run_id), 0) != (ssize_t)sizeof(l->run_id)) {
		rc = -errno;
		snprintf(err, err_size, "ack ledger: getrandom: %s", strerror(errno));
		goto fail;
	}
	ledger_run_hex(l->run_id, l->run_hex);
	clock_gettime(CLOCK_REALTIME, &now);
	rc = ledger_hdr_encode(l->run_id, (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec, files,
			       nfiles, &l->hdr, &l->hdrlen);
	if (rc) {
		snprintf(err, err_size, "ack ledger: %u file names: %s", nfiles, strerror(-rc));
		goto fail;
	}
	if (journal) {
		snprintf(l->journal, sizeof(l->journal), "%s", journal);
		rc = ledger_file_open(journal, l->hdr, l->hdrlen, err, err_size);
		if (rc < 0)
			goto fail;
		l->journal_fd = rc;
	}
	if (witness) {
		l->has_witness = true;
		snprintf(l->witness_addr, sizeof(l->witness_addr), "%s", witness);
		rc = ledger_witness_hello(l, err, err_size);
		if (rc)
			goto fail;
	}
	*out = l;
	return 0;
fail:
	if (l->journal_fd >= 0)
		close(l->journal_fd);
	free(l->hdr);
	pthread_mutex_destroy(&l->lock);
	free(l);
	return rc < 0 ? rc : -EIO;
}

const char *blk_ledger_run_id(const struct blk_ledger *l)
{
	return l->run_hex;
}

static int ledger_encode(struct blk_ledger *l, enum ledger_kind kind,
			 const struct blk_ledger_rec *recs, unsigned n)
{
	size_t need = (size_t)n * LEDGER_REC_SIZE;

	if (need > WITNESS_MAX_PAYLOAD)
		return -E2BIG;
	if (need > l->cap) {
		uint8_t *p = realloc(l->buf, need);
		if (!p)
			return -ENOMEM;
		l->buf = p;
		l->cap = need;
	}
	for (unsigned i = 0; i < n; i++)
		ledger_rec_encode(l->buf + (size_t)i * LEDGER_REC_SIZE, kind,
				  ledger_run_tag(l->run_id), &recs[i]);
	return 0;
}

/* Sends the frame; a connection that failed is made again once. wait: for its OK. */
static int ledger_witness_frame(struct blk_ledger *l, enum witness_type type, size_t len, bool wait)
{
	char err[512];
	int rc = -ENOTCONN;

	/* once a signal asked the run to stop, no second attempt: the job must end in 1-2 s */
	for (int attempt = 0; attempt < (signals_stop_requested() ? 1 : 2); attempt++) {
		if (l->witness.fd < 0 && (rc = ledger_witness_hello(l, err, sizeof(err)))) {
			snprintf(l->err, sizeof(l->err), "%s", err);
			continue;
		}
		rc = witness_send(&l->witness, type, l->buf, len);
		if (rc)
			snprintf(err, sizeof(err), "witness %s: %s", l->witness_addr,
				 strerror(-rc));
		else if (wait)
			rc = witness_wait_ok(&l->witness, err, sizeof(err));
		if (!rc)
			return 0;
		snprintf(l->err, sizeof(l->err), "%s", err);
		witness_close(&l->witness);
	}
	return rc;
}

static int ledger_journal_write(struct blk_ledger *l, size_t len, bool sync)
{
	int rc = ledger_write_all(l->journal_fd, l->buf, len);

	if (!rc && sync && fdatasync(l->journal_fd))
		rc = -errno;
	if (rc)
		snprintf(l->err, sizeof(l->err), "--ack_journal %s: %s", l->journal, strerror(-rc));
	return rc;
}

int blk_ledger_pre(struct blk_ledger *l, const struct blk_ledger_rec *recs, unsigned n)
{
	int rc;

	if (!n)
		return 0;
	pthread_mutex_lock(&l->lock);
	rc = ledger_encode(l, LEDGER_PRE, recs, n);
	size_t len = (size_t)n * LEDGER_REC_SIZE;
	/* the witness syncs while the journal does: sent first, its answer awaited after */
	bool sent = !rc && l->has_witness && l->witness.fd >= 0 &&
		    !witness_send(&l->witness, WITNESS_PRE, l->buf, len);
	if (!rc && l->journal_fd >= 0)
		rc = ledger_journal_write(l, len, true);
	if (!rc && sent && witness_wait_ok(&l->witness, l->err, sizeof(l->err)))
		sent = false;
	/* not sent, or no answer: again on a new connection (a record the old one kept
	 * twice is counted once by the checker) */
	if (!rc && l->has_witness && !sent) {
		witness_close(&l->witness);
		rc = ledger_witness_frame(l, WITNESS_PRE, len, true);
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int blk_ledger_post(struct blk_ledger *l, const struct blk_ledger_rec *recs, unsigned n)
{
	int rc;

	if (!n)
		return 0;
	pthread_mutex_lock(&l->lock);
	rc = ledger_encode(l, LEDGER_POST, recs, n);
	if (!rc && l->journal_fd >= 0)
		rc = ledger_journal_write(l, (size_t)n * LEDGER_REC_SIZE, false);
	if (!rc && l->has_witness)
		rc = ledger_witness_frame(l, WITNESS_POST, (size_t)n * LEDGER_REC_SIZE, false);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

const char *blk_ledger_error(const struct blk_ledger *l)
{
	return l->err[0] ? l->err : "no error";
}

int blk_ledger_close(struct blk_ledger *l, char *err, size_t err_size)
{
	int rc = 0;

	if (!l)
		return 0;
	if (l->journal_fd >= 0) {
		if (fdatasync(l->journal_fd) && !rc) {
			rc = -errno;
			snprintf(err, err_size, "--ack_journal %s: %s", l->journal,
				 strerror(errno));
		}
		if (close(l->journal_fd) && !rc) {
			rc = -errno;
			snprintf(err, err_size, "--ack_journal %s: %s", l->journal,
				 strerror(errno));
		}
	}
	if (l->has_witness) {
		int wrc = ledger_witness_frame(l, WITNESS_SYNC, 0, true);
		if (wrc && !rc) {
			rc = wrc;
			snprintf(err, err_size, "%s", l->err);
		}
		witness_close(&l->witness);
	}
	pthread_mutex_destroy(&l->lock);
	free(l->hdr);
	free(l->buf);
	free(l->reply);
	free(l);
	return rc;
}
