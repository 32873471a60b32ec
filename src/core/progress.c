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

void progress_status(struct runner *r, struct progress_state *ps, uint64_t now)
{
	const struct run_plan *plan = r->plan;
	uint64_t dt = now - ps->last_ns;
	char bw[160] = "", iops[160] = "", eta[32] = "", num[32];
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
	for (unsigned k = 0; k < plan->nops; k++) {
		uint64_t ops = 0, bytes = 0;
		for (unsigned i = 0; i < plan->nworkers; i++) {
			const struct worker *hot = &r->workers[i].hot;
			ops += atomic_load_explicit(&hot->live_ops_pub[k], memory_order_relaxed);
			bytes +=
				atomic_load_explicit(&hot->live_bytes_pub[k], memory_order_relaxed);
		}
		uint64_t dops = ops - ps->last_ops[k], dbytes = bytes - ps->last_bytes[k];
		ps->last_ops[k] = ops;
		ps->last_bytes[k] = bytes;
		size_t lb = strlen(bw), li = strlen(iops);
		fmt_fio_num(num, sizeof(num), progress_rate(dbytes, dt), 4, FMT_IEC, "B/s");
		snprintf(bw + lb, sizeof(bw) - lb, "%s%c=%s", k ? "," : "", plan->op_names[k][0],
			 num);
		fmt_fio_num(num, sizeof(num), progress_rate(dops, dt), 4, FMT_SI, "");
		snprintf(iops + li, sizeof(iops) - li, "%s%c=%s", k ? "," : "",
			 plan->op_names[k][0], num);
	}
	ps->last_ns = now;
	if (end > now)
		progress_eta_text(eta, sizeof(eta), end - now);
	else
		snprintf(eta, sizeof(eta), "--m:--s");
	char line[512];
	snprintf(line, sizeof(line), "%sJobs: %u (f=%u): [%s][%s IOPS][eta %s]%s",
		 ps->tty ? "\r" : "", running, running, bw, iops, eta, ps->tty ? "\033[K" : "\n");
	printer_post_status(r->status_printer, line);
	ps->printed = true;
}

void progress_done(struct runner *r, struct progress_state *ps)
{
	if (ps->printed && ps->tty)
		printer_post_status(r->status_printer, "\r\033[K");
}
