/*
 * stalls.c - the outage windows of a run or a job as JSON (report.h: report_stalls_json), in a
 * shape pvcbench merge reads back: wall-clock starts in milliseconds since the epoch, so that
 * results of many pods line up.
 */
#include "pvcbench/report.h"

static void causes_json(struct jsonw *j, const char *key, const struct stall_cause *c, unsigned n)
{
	jsonw_object_begin(j, key);
	for (unsigned i = 0; i < n; i++)
		jsonw_u64(j, c[i].name, c[i].count);
	jsonw_object_end(j);
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

void report_stalls_json(struct jsonw *j, const char *key, const struct stall_list *l)
{
	uint64_t open = 0;

	for (size_t i = 0; i < l->n; i++)
		open += l->v[i].open;
	jsonw_object_begin(j, key);
	jsonw_double(j, "threshold_ms", ms(l->threshold_ns));
	jsonw_u64(j, "count", l->n + l->dropped);
	jsonw_double(j, "total_ms", ms(l->total_ns));
	jsonw_double(j, "longest_ms", ms(l->longest_ns));
	jsonw_u64(j, "failures", l->failures);
	jsonw_u64(j, "open", open);
	jsonw_u64(j, "dropped", l->dropped);
	jsonw_u64(j, "run_failures", l->run_failures);
	causes_json(j, "failures_by_cause", l->causes, l->ncauses);
	jsonw_array_begin(j, "list");
	for (size_t i = 0; i < l->n; i++) {
		const struct stall *s = &l->v[i];
		jsonw_object_begin(j, NULL);
		jsonw_double(j, "start_unix_ms", ms(s->start_unix_ns));
		jsonw_double(j, "start_ms", ms(s->start_ns));
		jsonw_double(j, "length_ms", ms(s->length_ns));
		jsonw_bool(j, "open", s->open);
		jsonw_u64(j, "failures", s->failures);
		causes_json(j, "causes", s->causes, s->ncauses);
		if (s->recovery_ns >= 0)
			jsonw_double(j, "recovery_ms", ms((uint64_t)s->recovery_ns));
		else
			jsonw_null(j, "recovery_ms");
		jsonw_string(j, "recovered",
			     s->recovery_ns >= 0		     ? "yes"
			     : s->recovery_ns == STALL_NOT_RECOVERED ? "no"
								     : "no baseline");
		jsonw_double(j, "baseline_ops_per_s", s->baseline_rate);
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	jsonw_object_end(j);
}
