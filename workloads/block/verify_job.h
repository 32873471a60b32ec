/*
 * verify_job.h - fio's verify in block jobs: the job options (verify, do_verify, verify_only,
 * verify_backlog, ...; ack_journal and ack_witness for the acknowledgement ledger) and one
 * clone's verify state: the header written into each block, the history of what was written
 * (fio's io_piece log: the last write at each offset), the read-back that checks it, and the
 * ledger records of each write (pre before it is submitted, post once it is acknowledged).
 *
 * verify_job.c holds the options, verify_state.c the clone's state, verify_replay.c
 * verify_only's replay and the saved state, verify_ack.c the group's ledgers and the ledger
 * check. The block format and the checksums are verify.h's, the ledger ledger.h's: this is
 * only the job's side.
 */
#ifndef PVCBENCH_BLOCK_VERIFY_JOB_H
#define PVCBENCH_BLOCK_VERIFY_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvcbench/options.h"
#include "data.h"
#include "ledger.h"
#include "verify.h"

struct blk_job;
struct blk_clone;
struct blk_gen;
struct blk_group_result;
struct blk_run_settings;
struct io_req;
struct worker;

/* The verify options' fields (verify_job.c's rows) and what blk_verify_validate derives. */
struct blk_verify_opts {
	char verify[OPT_STRING_MAX];
	bool do_verify, verify_only, verify_fatal, verify_dump;
	bool verify_state_save, verify_state_load;
	uint64_t verify_interval, verify_offset;
	char verify_pattern[OPT_STRING_MAX];
	int64_t verify_async, verify_backlog, verify_backlog_batch;
	char ack_journal[OPT_STRING_MAX], ack_witness[OPT_STRING_MAX];
	int64_t trim_percentage, trim_backlog, trim_backlog_batch;
	bool trim_verify_zero;
	/* derived */
	bool active; /* a verify type other than 0 */
	int type;    /* enum blk_verify_type */
	unsigned char pattern[BLK_PATTERN_MAX];
	unsigned pattern_len;
	bool pattern_has_offset;
	unsigned pattern_offset_at; /* where %o's 8 bytes sit in pattern */
};

extern const struct option_def blk_verify_option_defs[];
/* Checks the verify options together and derives the type and pattern; 0 or -EINVAL. */
int blk_verify_validate(struct blk_job *job, char *err, size_t err_size);
/* Whether the job keeps a ledger (ack_journal or ack_witness set). */
bool blk_verify_ledger_wanted(const struct blk_job *job);
/* Whether the job writes with verify headers (a verify type, and not verify_only). */
bool blk_verify_writes(const struct blk_job *job);

/* One write the history keeps (fio's io_piece): enough to read it back and to rebuild it. */
struct blk_vpiece {
	uint64_t offset, seq, seed;
	uint32_t len, time_sec, time_nsec; /* len 0: dropped (trimmed without trim_verify_zero) */
	uint32_t file : 30;		   /* index in the clone's files */
	uint32_t trimmed : 1;		   /* trimmed after the write: reads back as zeros */
	uint32_t dropped : 1;		   /* a later write overlaps it (compact's mark) */
};

/* One clone's verify state. */
struct blk_vclone {
	const struct blk_job *job;
	const struct blk_clone *clone;
	const struct blk_verify_opts *o;
	struct blk_verify_spec spec;
	uint16_t thread; /* fio's thread number of the clone */
	uint64_t numberio;
	uint64_t rng[2];
	/* the history: pieces not verified yet, in the order written (compacted when full) */
	struct blk_vpiece *hist;
	size_t nhist, cap;
	uint64_t since_backlog; /* writes completed since the last backlog verify */
	/* trim_percentage's candidates (fio's trim_list): pieces to trim once trim_backlog
	 * of them are there, oldest first */
	struct blk_vpiece *trims;
	size_t ntrims, trims_cap;
	uint64_t trim_rng[2];
	/* the ledger (NULL: none) and its records */
	struct blk_ledger *ledger;
	bool post_at_completion;	/* O_DIRECT, O_SYNC/O_DSYNC, or no sync option at all */
	struct blk_ledger_rec *per_req; /* the record of the write in each request (by buf) */
	size_t *sync_covers;		/* per request: awaiting records a sync covers */
	struct blk_ledger_rec *pre;	/* queued since the last submit */
	unsigned npre;
	struct blk_ledger_rec *await; /* completed, waiting for a sync */
	size_t nawait, await_cap;
	/* the read-back */
	uint64_t verified, failures;
	int stop_error; /* the error that stops the clone (verify failed, read failed) */
};

int blk_vclone_init(struct blk_vclone *v, const struct blk_clone *clone, unsigned depth, char *why,
		    size_t why_size);
void blk_vclone_free(struct blk_vclone *v);
/*
 * A write about to be queued in request r (buffer buf, file index file of the clone): fills
 * the buffer with fio's headers, logs it into the history and queues its pre record.
 * 0 or -ENOMEM.
 */
int blk_vclone_prep_write(struct blk_vclone *v, const struct io_req *r, void *buf, unsigned file);
/* verify_only: logs a write that is not done (fio's dry run). 0 or -ENOMEM. */
int blk_vclone_dry_write(struct blk_vclone *v, const struct io_req *r, unsigned file);
/* Before the queued requests are submitted: the ledger's pre records. 0 or -errno. */
int blk_vclone_flush_pre(struct blk_vclone *v);
/* A write completed: posted now, or kept for the next sync. 0 or -errno. */
int blk_vclone_write_done(struct blk_vclone *v, const struct io_req *r);
/* A sync (fsync, fdatasync) was issued in r / completed: what it covers is posted. */
void blk_vclone_sync_issued(struct blk_vclone *v, const struct io_req *r);
int blk_vclone_sync_done(struct blk_vclone *v, const struct io_req *r);
/* Every file was synced (end_fsync, fsync_on_close): everything completed is acknowledged. */
int blk_vclone_synced_all(struct blk_vclone *v);
/* Whether trim_backlog asks for trims now. */
bool blk_vclone_trim_due(const struct blk_vclone *v);
/*
 * fio's trim_backlog: trims trim_backlog_batch of the candidates (each still the last write
 * to its place) with synchronous discards (engine_do_other), counted as the job's trims; the
 * history then expects zeros there (trim_verify_zero) or forgets them. 0, or a negative errno
 * (worker_fail done).
 */
int blk_vclone_trim(struct worker *w, struct blk_vclone *v, const int *fds);
/* Whether verify_backlog asks for a verify now. */
bool blk_vclone_backlog_due(const struct blk_vclone *v);
/*
 * Reads back and checks the pieces of the history not verified yet (all, or one
 * verify_backlog_batch), each with a synchronous pread into buf (room for the largest block,
 * aligned for O_DIRECT). Failures print fio's lines on stderr and go to the worker as
 * failures (cause "verify"). 0, or a negative errno when the clone must stop (worker_fail
 * done).
 */
int blk_vclone_verify(struct worker *w, struct blk_vclone *v, const int *fds, void *buf, bool all);

/*
 * verify_state_save / verify_state_load: the writes a clone issued, in fio's file name
 * (local-JOB-CLONE-verify.state, in the current directory) but pvcbench's own contents. Save:
 * 0 or -errno with why (a file of that name pvcbench did not write is left alone: -EEXIST).
 * Load: 0 with *writes set, or -errno with why.
 */
int blk_vclone_state_save(const struct blk_vclone *v, char *why, size_t why_size);
int blk_vclone_state_load(const struct blk_vclone *v, uint64_t *writes, char *why, size_t why_size);

/* verify_only (fio's do_dry_run): logs the job's writes without doing them (as far as
 * verify_state_load says). 0, or a negative errno (worker_fail done). */
int blk_vclone_dry_run(struct worker *w, struct blk_vclone *v, struct blk_gen *gen, const int *fds);

/* --- verify_ack.c --- */
/*
 * Before the group runs: fio's verify warnings on s->note, each writing job's ledger opened
 * (ack_journal/ack_witness) and given to its clones, a report for each verify_only job's check.
 * 0, or a negative errno with one line in err.
 */
int blk_verify_group_plan(struct blk_job **jobs, unsigned njobs, struct blk_group_result *gr,
			  unsigned nworkers, const struct blk_run_settings *s, char *err,
			  size_t err_size);
/* After it: the ledgers closed (their records durable); the first error with err (may be NULL). */
int blk_verify_group_close(struct blk_group_result *gr, char *err, size_t err_size);
/* The ledger check of a verify_only job, in its first clone. 0, or -errno (worker_fail done). */
int blk_verify_ack_check(struct worker *w, const struct blk_clone *clone);

#endif
