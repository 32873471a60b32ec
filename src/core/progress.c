/*
 * progress.c - fio's live status line, from the counts the workers publish as they go:
 *
 *   Jobs: 1 (f=1): [r=217MiB/s][r=55.6k IOPS][eta 00m:13s]
 *
 * On a terminal it rewrites itself in place ("\r" ... "\033[K"); elsewhere it is one line per
 * interval. The reporter builds it and the status printer (printer.c) writes it, so an output
 * nobody reads never holds up the reporter.
 */
#include "runner_int.h"
#include "pvcbench/fmt.h"

#include <string.h>
#include <unistd.h>

uint64_t progress_rate(uint64_t count, uint64_t dt_ns)
{
	unsigned __int128 rate;

	if (!dt_ns)
		return 0;
	/* 64 bits overflow at 18.4 GB per interval: a fast disk over a long --interval */
	rate = (unsigned __int128)count * 1000000000ULL / dt_ns;
	return rate > UINT64_MAX ? UINT64_MAX : (uint64_t)rate;
}

void progress_eta_text(char *buf, size_t size, uint64_t left_ns)
{
	uint64_t s = (left_ns + 999999999ULL) / 1000000000ULL;

	if (s >= 3600)
		snprintf(buf, size, "%02luh:%02lum:%02lus", (unsigned long)(s / 3600),
			 (unsigned long)(s / 60 % 60), (unsigned long)(s % 60));
	else
		snprintf(buf, size, "%02lum:%02lus", (unsigned long)(s / 60),
			 (unsigned long)(s % 60));
}

void progress_init(struct runner *r, struct progress_state *ps, uint64_t now)
{
	memset(ps, 0, sizeof(*ps));
	ps->last_ns = now;
	ps->tty = r->status_printer && isatty(fileno(r->plan->progress_out));
}

const char *progress_newline(struct progress_state *ps, uint64_t eta_newline_ns, uint64_t now)
{
	const char *prefix = ps->newline_pending ? "\n" : "";

	/* fio's cadence: once more than TIME has passed since the first line or the last new
	 * line, the line after this one starts a new line */
	ps->newline_pending = false;
	if (!ps->newline_init) {
		ps->newline_init = true;
		ps->newline_ns = now;
	} else if (eta_newline_ns && now - ps->newline_ns > eta_newline_ns) {
		ps->newline_ns = now;
		ps->newline_pending = true;
	}
	return prefix;
}

void progress_format(char *buf, size_t size, const struct run_plan *plan, const uint64_t *dops,
		     const uint64_t *dbytes, uint64_t dt_ns, unsigned running, uint64_t eta_ns,
		     const char *prefix, const char *suffix)
{
	char bw[160] = "", iops[160] = "", eta[32], num[32];

	for (unsigned k = 0; k < plan->nops; k++) {
		size_t lb = strlen(bw), li = strlen(iops);
		fmt_fio_num(num, sizeof(num), progress_rate(dbytes[k], dt_ns), 4, FMT_IEC, "B/s");
		snprintf(bw + lb, sizeof(bw) - lb, "%s%c=%s", k ? "," : "", plan->op_names[k][0],
			 num);
		fmt_fio_num(num, sizeof(num), progress_rate(dops[k], dt_ns), 4, FMT_SI, "");
		snprintf(iops + li, sizeof(iops) - li, "%s%c=%s", k ? "," : "",
			 plan->op_names[k][0], num);
	}
	if (eta_ns != UINT64_MAX)
		progress_eta_text(eta, sizeof(eta), eta_ns);
	else
		snprintf(eta, sizeof(eta), "--m:--s");
	snprintf(buf, size, "%sJobs: %u (f=%u): [%s][%s IOPS][eta %s]%s", prefix, running, running,
		 bw, iops, eta, suffix);
}

/* The live counts since the last line, into dops and dbytes; the last line's counts move on. */
static void progress_deltas(struct runner *r, struct progress_state *ps, uint64_t *dops,
			    uint64_t *dbytes)
{
	const struct run_plan *plan = r->plan;

	for (unsigned k = 0; k < plan->nops; k++) {
		uint64_t ops = 0, bytes = 0;
		for (unsigned i = 0; i < plan->nworkers; i++) {
			const struct worker *hot = &r->workers[i].hot;
			ops += atomic_load_explicit(&hot->live_ops_pub[k], memory_order_relaxed);
			bytes +=
				atomic_load_explicit(&hot->live_bytes_pub[k], memory_order_relaxed);
		}
		dops[k] = ops - ps->last_ops[k];
		dbytes[k] = bytes - ps->last_bytes[k];
		ps->last_ops[k] = ops;
		ps->last_bytes[k] = bytes;
	}
}

static void progress_post(struct runner *r, struct progress_state *ps, uint64_t now, uint64_t dt,
			  unsigned running, uint64_t eta_ns)
{
	uint64_t dops[PVC_MAX_OPS], dbytes[PVC_MAX_OPS];
	char line[512], prefix[8];

	progress_deltas(r, ps, dops, dbytes);
	ps->last_ns = now;
	/* on a terminal the line rewrites itself, but for --eta-newline's; elsewhere one a line */
	snprintf(prefix, sizeof(prefix), "%s%s",
		 ps->tty ? progress_newline(ps, r->plan->eta_newline_ns, now) : "",
		 ps->tty ? "\r" : "");
	/* an outage shows on the status line: "[stalled 3.2s]" */
	char suffix[64] = "";
	uint64_t stalled = stall_track_live(r, now);
	if (stalled) {
		char live[40];
		stall_format_live(live, sizeof(live), stalled);
		snprintf(suffix, sizeof(suffix), "[%s]", live);
	}
	strcat(suffix, ps->tty ? "\033[K" : "\n");
	progress_format(line, sizeof(line), r->plan, dops, dbytes, dt, running, eta_ns, prefix,
			suffix);
	printer_post_status(r->status_printer, line);
	ps->printed = true;
}

void progress_status(struct runner *r, struct progress_state *ps, uint64_t now)
{
	const struct run_plan *plan = r->plan;
	uint64_t dt = now - ps->last_ns;
	unsigned running = 0;
	uint64_t end = 0;

	if (!dt || !r->status_printer)
		return;
	for (unsigned i = 0; i < plan->nworkers; i++) {
		const struct runner_worker *w = &r->workers[i];
		if (!atomic_load(&w->finished))
			running++;
		uint64_t e = r->t0_ns + w->spec->ramp_ns + w->spec->runtime_ns;
		if (w->spec->runtime_ns && e > end)
			end = e;
	}
	/* no deadline: no eta; past it (the workers finishing their last I/O): none left */
	progress_post(r, ps, now, dt, running, !end ? UINT64_MAX : end > now ? end - now : 0);
}

void progress_last(struct runner *r, struct progress_state *ps)
{
	const struct run_plan *plan = r->plan;
	uint64_t end = 0;
	unsigned ran = 0;

	if (!r->status_printer)
		return;
	for (unsigned i = 0; i < plan->nworkers; i++) {
		const struct runner_worker *w = &r->workers[i];
		if (!atomic_load(&w->finished))
			continue; /* stuck in the kernel: its counts are still moving */
		if (w->end_ns > ps->last_ns)
			ran++;
		if (w->end_ns > end)
			end = w->end_ns;
	}
	/* a line just printed covers the end already */
	if (!ran || end <= ps->last_ns || end - ps->last_ns < plan->interval_ns / 100)
		return;
	progress_post(r, ps, end, end - ps->last_ns, ran, 0);
}
void progress_done(struct runner *r, struct progress_state *ps)
{
	if (ps->printed && ps->tty)
		printer_post_status(r->status_printer, "\r\033[K");
}
