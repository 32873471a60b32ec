/*
 * verify_ack.c - the acknowledgement ledger's side of a block group: one ledger per writing
 * job with ack_journal or ack_witness (opened before the run over the job's files, closed
 * after it so its last records are durable), and for a verify_only job with them the ledger's
 * checker (blk_ack_check), run by the job's first clone instead of the plain read-back.
 *
 * Invariant: a clone's ledger and its files' ledger_file indices are set before its worker
 * starts; the check's report stays with the group until it is freed (job->ack points at it
 * for the reports once the check has run).
 */
#include "block.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The acknowledgement ledgers: one per writing job with ack_journal or ack_witness, over the
 * job's files (each clone file learns its index there); a verify_only job with them gets a
 * report for its checker, which its first clone runs.
 */
int blk_verify_group_plan(struct blk_job **jobs, unsigned njobs, struct blk_group_result *gr,
			  unsigned nworkers, const struct blk_run_settings *s, char *err,
			  size_t err_size)
{
	for (unsigned i = 0; i < njobs; i++) {
		const struct blk_verify_opts *o = &jobs[i]->o.verify;

		if (s->note && o->active && o->do_verify && !o->verify_only &&
		    jobs[i]->o.time_based && !o->verify_backlog)
			fprintf(s->note,
				"pvcbench: %s: verification read phase will never start because "
				"write phase uses all of runtime\n",
				jobs[i]->o.name);
		/* fio's warning: clones on one file overwrite each other's verified blocks */
		if (s->note && blk_verify_writes(jobs[i]) && jobs[i]->o.numjobs > 1 &&
		    jobs[i]->o.filename[0])
			fprintf(s->note,
				"pvcbench: %s: multiple writers may overwrite blocks that belong to "
				"other jobs. This can cause verification failures.\n",
				jobs[i]->o.name);
		if (!blk_verify_ledger_wanted(jobs[i]))
			continue;
		if (!gr->ledgers) {
			gr->ledgers = calloc(njobs, sizeof(*gr->ledgers));
			gr->acks = calloc(njobs, sizeof(*gr->acks));
			if (!gr->ledgers || !gr->acks)
				goto nomem;
		}
		if (o->verify_only) {
			gr->acks[i] = calloc(1, sizeof(*gr->acks[i]));
			if (!gr->acks[i])
				goto nomem;
			jobs[i]->ack = NULL; /* set once the check has run */
			for (unsigned k = 0; k < nworkers; k++)
				if (gr->clones[k].job == jobs[i]) {
					gr->clones[k].ack = gr->acks[i];
					break;
				}
			continue;
		}
		if (!blk_verify_writes(jobs[i]))
			continue;
		const char **names = calloc(gr->nfiles ? gr->nfiles : 1, sizeof(*names));
		unsigned nnames = 0;
		if (!names)
			goto nomem;
		for (unsigned k = 0; k < nworkers; k++) {
			struct blk_clone *cl = &gr->clones[k];
			if (cl->job != jobs[i])
				continue;
			for (unsigned f = 0; f < cl->nfiles; f++) {
				unsigned at = 0;
				while (at < nnames && strcmp(names[at], cl->files[f].file->path))
					at++;
				if (at == nnames && nnames < gr->nfiles)
					names[nnames++] = cl->files[f].file->path;
				cl->files[f].ledger_file = at;
			}
		}
		char why[512] = "";
		int ret = blk_ledger_open(
			&gr->ledgers[i], o->ack_journal[0] ? o->ack_journal : NULL,
			o->ack_witness[0] ? o->ack_witness : NULL, names, nnames, why, sizeof(why));
		free(names);
		if (ret) {
			gr->ledgers[i] = NULL;
			snprintf(err, err_size, "job %s: %s", jobs[i]->o.name, why);
			return ret;
		}
		for (unsigned k = 0; k < nworkers; k++)
			if (gr->clones[k].job == jobs[i])
				gr->clones[k].ledger = gr->ledgers[i];
	}
	return 0;
nomem:
	snprintf(err, err_size, "out of memory");
	return -ENOMEM;
}

/* Closes the ledgers (their last records made durable); the first error, with err. */
int blk_verify_group_close(struct blk_group_result *gr, char *err, size_t err_size)
{
	int first = 0;

	for (unsigned i = 0; gr->ledgers && i < gr->njobs; i++) {
		char why[512] = "";
		int ret;

		if (!gr->ledgers[i])
			continue;
		ret = blk_ledger_close(gr->ledgers[i], why, sizeof(why));
		gr->ledgers[i] = NULL;
		if (ret && !first) {
			first = ret;
			if (err)
				snprintf(err, err_size, "job %s: ack ledger: %s",
					 gr->jobs[i]->o.name, why);
		}
	}
	return first;
}

/* verify_only with ack_journal/ack_witness: the ledger's checker instead of the read-back. */
int blk_verify_ack_check(struct worker *w, const struct blk_clone *clone)
{
	const struct blk_job *job = clone->job;
	const struct blk_verify_opts *o = &job->o.verify;
	struct blk_ack_report *rep = clone->ack;
	char err[512] = "";
	int ret = blk_ack_check(o->ack_journal[0] ? o->ack_journal : NULL,
				o->ack_witness[0] ? o->ack_witness : NULL, NULL, rep, err,
				sizeof(err));

	if (ret)
		return worker_fail(w, ret, "job %s: %s", job->o.name, err);
	if (!blk_ack_failed(rep))
		return 0;
	uint64_t bad =
		rep->count[BLK_ACK_LOST] + rep->count[BLK_ACK_STALE] + rep->count[BLK_ACK_CORRUPT];
	/* the outage windows count them as failures (bounded: the report has the rest) */
	for (uint64_t i = 0; i < bad && i < 1000; i++)
		worker_record_failure(w, IO_READ, "verify");
	return worker_fail(w, -EILSEQ,
			   "job %s: the ack check found %llu lost, %llu stale, %llu corrupt of "
			   "%llu acknowledged blocks",
			   job->o.name, (unsigned long long)rep->count[BLK_ACK_LOST],
			   (unsigned long long)rep->count[BLK_ACK_STALE],
			   (unsigned long long)rep->count[BLK_ACK_CORRUPT],
			   (unsigned long long)rep->acked);
}
