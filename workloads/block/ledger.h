/*
 * ledger.h - the acknowledgement ledger: a record, kept off the node that writes, of every write
 * a block job had acknowledged, so that a later pod can tell, block by block, whether what was
 * acknowledged survived (lost, stale, corrupt) even when the writer's node died unannounced.
 *
 * Each write is recorded twice, as diskchecker.pl's witness does: "pre" before it is submitted
 * (offset, length, sequence number, digest of the block as written) and "post" once it is
 * acknowledged (completed, and durable as the job asks: O_DIRECT, O_DSYNC, or the fsync that
 * follows it). Records go to --ack-journal=PATH (a file on another volume; a record counts once
 * it is on disk there: pre records are made durable before the write is submitted) and/or, with
 * --ack-witness=HOST:PORT, to `pvcbench witness` in another pod (pre is answered before the
 * write is submitted). The checker (verify_only with --ack-journal or --ack-witness) reads the
 * ledger back and sorts every block of the last acknowledged write at each offset:
 * intact, lost (acknowledged but absent), stale (an older acknowledged version), corrupt
 * (neither: the checksum fails or the bytes are foreign), torn or unacknowledged (a write that
 * was submitted and never acknowledged: allowed, counted apart, never a loss).
 *
 * Implemented by ledger.c (records, journal), witness.c (the server and its client), and
 * ledger_check.c (the checker and its report).
 */
#ifndef PVCBENCH_BLOCK_LEDGER_H
#define PVCBENCH_BLOCK_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct blk_ledger;

/* One write, as the ledger records it. file: the index of the job's file (names given at open). */
struct blk_ledger_rec {
	uint32_t job, file;
	uint64_t offset;
	uint32_t len;
	uint64_t seq;	 /* the job's write sequence number, from 1 */
	uint64_t digest; /* blk_ledger_digest of the block as written */
};

/* The digest the ledger keeps of a block: 64 bits of a fast hash of every byte (xxh3). */
uint64_t blk_ledger_digest(const void *buf, size_t len);

/*
 * Opens the ledger of one run: journal (NULL: none) and witness ("host:port", NULL: none), at
 * least one of them. files: the run's data file names (nfiles). One ledger per run, shared by
 * its workers (calls are thread-safe). 0, or a negative errno with one line in err.
 */
int blk_ledger_open(struct blk_ledger **out, const char *journal, const char *witness,
		    const char *const *files, unsigned nfiles, char *err, size_t err_size);
/* Before the writes are submitted: returns once they are recorded (durably). 0 or -errno. */
int blk_ledger_pre(struct blk_ledger *l, const struct blk_ledger_rec *recs, unsigned n);
/* Once the writes are acknowledged (recs[i].seq of earlier pre records). 0 or -errno. */
int blk_ledger_post(struct blk_ledger *l, const struct blk_ledger_rec *recs, unsigned n);
/* The run's id, 32 hex digits: a checker names the run with --ack_witness=HOST:PORT/RUNID. */
const char *blk_ledger_run_id(const struct blk_ledger *l);
/* The last failure of pre or post, one line (after they returned -errno). */
const char *blk_ledger_error(const struct blk_ledger *l);
/* Makes every post record durable (journal) and answered (witness); at the end of the run. */
int blk_ledger_close(struct blk_ledger *l, char *err, size_t err_size);

/* What the checker found. */
enum blk_ack_class {
	BLK_ACK_INTACT,
	BLK_ACK_LOST,
	BLK_ACK_STALE,
	BLK_ACK_CORRUPT,
	BLK_ACK_TORN,
	BLK_ACK_UNACKED,
	BLK_ACK_NCLASSES
};
#define BLK_ACK_FIRST_KEPT 10 /* first offsets kept per class */
#define BLK_ACK_NAMES_KEPT 16 /* file names kept for the report */
struct blk_ack_report {
	uint64_t count[BLK_ACK_NCLASSES];
	struct {
		uint32_t file;
		uint64_t offset;
	} first[BLK_ACK_NCLASSES][BLK_ACK_FIRST_KEPT];
	unsigned nfirst[BLK_ACK_NCLASSES];
	uint64_t records, acked, pre_only; /* what the ledger held */
	char source[4096];		   /* the journal path or witness address read */
	/* the files first[][].file indexes (names as the ledger recorded them); past
	 * BLK_ACK_NAMES_KEPT, first[][].file is printed as a number */
	unsigned nfiles;
	char files[BLK_ACK_NAMES_KEPT][256];
};
const char *blk_ack_class_name(enum blk_ack_class c); /* "intact", "lost", ... */
/* Whether the report shows acknowledged data gone (lost, stale or corrupt): the job exits 1. */
bool blk_ack_failed(const struct blk_ack_report *rep);
/* The exit status the report calls for: 1 when blk_ack_failed, else 0. */
int blk_ack_exit_status(const struct blk_ack_report *rep);

/*
 * The checker: reads the ledger (journal path or witness address), then every block it names
 * from the files (dir: where the ledger's file names are looked for, NULL: as recorded), and
 * sorts them. 0 (report filled), or a negative errno with one line in err.
 */
int blk_ack_check(const char *journal, const char *witness, const char *dir,
		  struct blk_ack_report *rep, char *err, size_t err_size);
/* The report as text (counts, then the first offsets of each class that is not intact). */
void blk_ack_print_text(FILE *f, const struct blk_ack_report *rep);
/* ... and as a JSON member "ack_check" (struct jsonw from pvcbench/report.h). */
struct jsonw;
void blk_ack_print_json(struct jsonw *j, const struct blk_ack_report *rep);

/*
 * `pvcbench witness --listen HOST:PORT [--dir DIR]` serves until SIGTERM/SIGINT: a command of its
 * own (blk_witness_ops in pvcbench/workloads.h, listed in src/main.c), in witness.c.
 */

#endif
