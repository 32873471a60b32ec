/*
 * produce_report.c - what `kafka produce` prints: kafka-producer-perf-test's progress line
 * for each reporting interval, its final line and our scheduled-latency line (exactly the
 * Java tool's formats: MB is 1024 x 1024 bytes, percentiles in whole milliseconds rounded
 * down), or the job object of the one JSON document (the core writes the envelope and the
 * time series).
 */
#include "kafka.h"

#include "pvcbench/report.h"

void kfk_produce_progress(void *arg, const struct series_point *pt, const struct op_stats *ops,
			  bool last, char *line, size_t size)
{
	const struct op_stats *s = &ops[KFK_OP_PRODUCE];
	double secs = (double)pt->duration_ms / 1000.0;

	(void)arg;
	if (last || !s->ops)
		return; /* the final line covers it; the Java tool prints a window only when records
			   completed in it */
	snprintf(line, size,
		 "%llu records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms "
		 "max latency.\n",
		 (unsigned long long)s->ops, secs > 0 ? (double)s->ops / secs : 0,
		 secs > 0 ? (double)s->bytes / 1048576.0 / secs : 0,
		 s->lat.count ? hist_mean(&s->lat) / 1e6 : 0, (double)s->lat.max / 1e6);
}

void kfk_produce_lines(FILE *out, const struct kfk_produce_summary *sum)
{
	const struct op_stats *s = sum->s;
	const struct hist *h = &s->lat;
	double secs = sum->secs;

	fprintf(out,
		"%llu records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max "
		"latency, %lld ms 50th, %lld ms 95th, %lld ms 99th, %lld ms 99.9th.\n",
		(unsigned long long)s->ops, secs > 0 ? (double)s->ops / secs : 0,
		secs > 0 ? (double)s->bytes / 1048576.0 / secs : 0,
		h->count ? hist_mean(h) / 1e6 : 0, (double)h->max / 1e6,
		kfk_ms_floor(hist_value_at(h, 50)), kfk_ms_floor(hist_value_at(h, 95)),
		kfk_ms_floor(hist_value_at(h, 99)), kfk_ms_floor(hist_value_at(h, 99.9)));
	if (sum->sched) {
		const struct hist *d = &sum->sched->lat;
		fprintf(out,
			"latency from scheduled send time: %.2f ms avg, %.2f ms max, %lld ms 50th, "
			"%lld ms 95th, %lld ms 99th, %lld ms 99.9th.\n",
			d->count ? hist_mean(d) / 1e6 : 0, (double)d->max / 1e6,
			kfk_ms_floor(hist_value_at(d, 50)), kfk_ms_floor(hist_value_at(d, 95)),
			kfk_ms_floor(hist_value_at(d, 99)), kfk_ms_floor(hist_value_at(d, 99.9)));
	}
	/* the outage windows after the tool's own lines: nothing when there were none */
	if (sum->res)
		stall_print_text(out, &sum->res->stalls, "");
	if (sum->verify)
		kfk_verify_text(out, sum->verify);
}

void kfk_produce_json_job(struct jsonw *j, const struct kfk_produce_summary *sum)
{
	const struct kfk_config *cfg = sum->cfg;
	const struct op_stats *s = sum->s;
	double secs = sum->secs;

	jsonw_object_begin(j, NULL);
	jsonw_string(j, "jobname", "kafka-produce");
	jsonw_u64(j, "groupid", 0);
	jsonw_i64(j, "error", sum->failed ? 1 : 0);
	report_config_json(j, sum->set, cfg);
	report_op_json(j, "produce", s, sum->runtime_ns);
	if (sum->sched)
		report_op_json(j, "produce_scheduled", sum->sched, sum->runtime_ns);
	if (sum->res)
		report_stalls_json(j, "stalls", &sum->res->stalls);
	jsonw_object_begin(j, "kafka");
	jsonw_string(j, "topic", cfg->topic);
	jsonw_string(j, "bootstrap", sum->bootstrap);
	jsonw_i64(j, "num_records", cfg->num_records);
	jsonw_i64(j, "record_size", cfg->record_size);
	jsonw_double(j, "throughput", cfg->throughput_rps > 0 ? cfg->throughput_rps : -1);
	jsonw_i64(j, "warmup_records", cfg->warmup_records);
	jsonw_u64(j, "records_sent", s->ops);
	jsonw_u64(j, "records_failed", sum->failed);
	jsonw_u64(j, "records_unacknowledged_at_stop", sum->purged);
	jsonw_double(j, "records_per_sec", secs > 0 ? (double)s->ops / secs : 0);
	jsonw_double(j, "mb_per_sec", secs > 0 ? (double)s->bytes / 1048576.0 / secs : 0);
	jsonw_bool(j, "transactions", sum->txn_id != NULL);
	if (sum->txn_id) {
		jsonw_string(j, "transactional_id", sum->txn_id);
		jsonw_u64(j, "transactions_committed", sum->txn_commits);
		jsonw_u64(j, "records_aborted_at_stop", sum->txn_aborted);
	}
	if (sum->client)
		kfk_applied_json(j, "properties", &cfg->props, &sum->client->applied);
	if (sum->verify)
		kfk_verify_json(j, "verify", sum->verify);
	jsonw_object_end(j);
	jsonw_object_end(j);
}
