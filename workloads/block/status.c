/*
 * status.c - fio's --status-interval and --eta-newline for pvcbench fio.
 *
 * --status-interval=TIME prints the running group's report so far every TIME, as the end
 * prints it, in every format asked for (fio's order: terse lines, a whole JSON document, the
 * normal text with its "Run status group" block). The core's reporter calls us at its interval
 * boundaries (run_plan.on_status) with each clone's totals so far; a clone's own figures
 * (struct blk_clone_stats, written by its worker thread without a lock) come as the copy the
 * worker made at the end of the same interval (run_plan.worker_snapshot), so the report reads
 * nothing a worker is writing. The reports fall on --interval's boundaries: TIME is rounded to
 * a whole number of intervals (at least one).
 *
 * The "cpu" line is the thread's usage as of the same interval's end (the core reads it with
 * the snapshot). What the interim reports lack against the end's: the JSON's "global options".
 *
 * --eta-newline=TIME is the core's (run_plan.eta_newline_ns, progress.c): on a terminal the
 * status line starts a new line once TIME has passed since the last one, as fio's does.
 */
#include "block.h"
#include "fio_report.h"

#include <stdlib.h>
#include <string.h>

#include "pvcbench/report.h"

/* One group runs at a time: the reports' state, for the group planned last. */
static struct blk_status {
	const struct blk_group_result *gr;
	unsigned groupid;
	unsigned formats, terse_version;
	FILE *out;
	struct blk_clone *clones; /* the group's clones, each with its snapshot's stats */
	unsigned nclones;
	struct blk_clone_stats empty; /* a clone's figures before its first snapshot */
	struct blk_disk_util du;      /* the group's disks' counters at its start */
} status;

/* In the worker thread, at the end of each of its intervals: its clone's figures so far. */
static void status_snapshot(struct worker *w, void *into)
{
	const struct blk_clone *clone = worker_arg(w);

	memcpy(into, clone->stats, sizeof(struct blk_clone_stats));
}

/* The group as it stands in st: the end report's renderers then print the run so far. */
static void status_report(void *arg, const struct run_status *st)
{
	struct blk_status *s = arg;
	struct blk_group_result gr = *s->gr;

	if (st->run.nworkers != s->nclones)
		return;
	memcpy(s->clones, s->gr->clones, s->nclones * sizeof(*s->clones));
	for (unsigned i = 0; i < s->nclones; i++)
		s->clones[i].stats =
			st->snapshots[i] ? (struct blk_clone_stats *)st->snapshots[i] : &s->empty;
	gr.clones = s->clones;
	gr.run = st->run;
	/* the disks' counters from the group's start to now */
	struct blk_disk_util du = s->du;
	blk_disk_util_stop(&du);
	bool disks = gr.njobs && gr.jobs[0]->o.rep.disk_util;
	const struct blk_group_result *runs[1] = { &gr }; /* this run alone, as it stands */
	if (s->formats & BLK_OUT_TERSE)
		blk_print_group_terse(s->out, runs, 1, 0, s->terse_version, disks ? &du : NULL);
	if (s->formats & BLK_OUT_JSON) {
		struct jsonw j;
		jsonw_begin(&j, s->out);
		report_json_header(&j);
		jsonw_array_begin(&j, "jobs");
		blk_group_json_format(&j, runs, 1, 0, s->formats & BLK_OUT_JSON_PLUS);
		jsonw_array_end(&j);
		if (disks)
			blk_disk_util_json(&j, &du);
		jsonw_end(&j);
	}
	if (s->formats & BLK_OUT_NORMAL) {
		blk_print_group_jobs(s->out, runs, 1, 0);
		/* a Run status block per reporting group of the run (new_group makes several) */
		for (unsigned i = 0; i < gr.njobs; i++)
			if (!i || gr.jobs[i]->groupid != gr.jobs[i - 1]->groupid)
				blk_print_group_status(s->out, runs, 1, gr.jobs[i]->groupid);
		if (disks)
			blk_disk_util_print(s->out, &du);
		/* fio's blank line between one report and the next */
		fputc('\n', s->out);
	}
	fflush(s->out);
}

void blk_status_plan(struct run_plan *plan, const struct blk_group_result *gr, unsigned groupid,
		     const struct blk_cli *cli, FILE *out)
{
	char err[256];

	plan->eta_newline_ns = cli->eta_newline;
	if (!cli->status_interval || !plan->nworkers)
		return;
	struct blk_clone *clones = realloc(status.clones, plan->nworkers * sizeof(*clones));
	if (!clones)
		return; /* no memory: the end report only */
	status.clones = clones;
	status.nclones = plan->nworkers;
	status.gr = gr;
	status.groupid = groupid;
	status.formats = blk_cli_formats(cli, err, sizeof(err));
	status.terse_version = (unsigned)cli->terse_version;
	status.out = out;
	memset(&status.empty, 0, sizeof(status.empty));
	for (unsigned d = 0; d < BLK_DIRS; d++) {
		hist_init(&status.empty.slat[d]);
		hist_init(&status.empty.clat[d]);
		hist_init(&status.empty.sched[d]);
	}
	hist_init(&status.empty.sync_lat);
	blk_disk_util_start(&status.du, gr);
	uint64_t every = (cli->status_interval + plan->interval_ns / 2) / plan->interval_ns;
	plan->status_every = every ? (unsigned)every : 1;
	plan->snapshot_size = sizeof(struct blk_clone_stats);
	plan->worker_snapshot = status_snapshot;
	plan->on_status = status_report;
	plan->on_status_arg = &status;
}
