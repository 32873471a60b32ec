/*
 * produce.c - `pvcbench kafka produce`, kafka-producer-perf-test on librdkafka.
 *
 * One thread produces (as the Java tool does) and serves the delivery reports itself
 * (rd_kafka_poll), so every report is recorded by the thread that owns the statistics, with
 * no lock. Latency runs from just before rd_kafka_produce to the delivery report, in
 * nanoseconds: each record carries its sequence number as its opaque, and the send times
 * live in a ring as large as librdkafka's queue can hold, so nothing is allocated per record.
 * With --throughput, record i is due at start + i / rate; a second histogram measures from
 * that due time, so a stalled cluster shows as latency even though sending was paced
 * (coordinated omission). The payloads are payload.c's, the output produce_report.c's; the
 * command (kfk_produce_ops) runs on the core's skeleton: configure, prepare, one run, report.
 *
 * Transactions are the Java tool's: on with --transactional-id, --transaction-duration-ms or
 * transactional.id in the properties; a transaction begins with the first record after a
 * commit and is committed once a send finds it --transaction-duration-ms old (3000 by
 * default), and at the end. librdkafka's commit flushes, serving the delivery reports here.
 * max.block.ms bounds what the Java producer's send() and transaction calls would block:
 * a full queue for that long fails the record, as Java's send() does.
 */
#include "kafka.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvcbench/clock.h"
#include "pvcbench/metrics.h"
#include "pvcbench/report.h"
#include "pvcbench/signals.h"

#define BATCH 1024		   /* records handed to librdkafka per call */
#define STOP_FLUSH_MS 1000	   /* after SIGTERM: wait this long for reports */
#define WAIT_SLICE_NS 100000000ULL /* a pacing wait looks at the stop flag this often */

struct producer {
	const struct kfk_config *cfg;
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	struct worker *w;
	uint64_t *sent_ns, ring_mask;
	/*
	 * The live metrics' oldest record in flight: the lowest sequence number not yet reported
	 * on (delivered, failed, purged) and, per slot of sent_ns's ring, whether the record there
	 * was. The send time published is that record's (its batch's call), once per batch.
	 */
	uint8_t *reported;
	uint64_t unreported;
	uint64_t start_ns, steady_start_ns, end_ns;
	double period_ns; /* --throughput: time between due times */
	uint64_t warmup;
	struct kfk_txn txn; /* transactions and max.block.ms (produce_txn.c) */
	uint64_t txn_mark;  /* acknowledged records when the open transaction began */
	uint64_t aborted;   /* acknowledged, then aborted with the transaction at a stop */
	struct kfk_payloads payloads;
	rd_kafka_message_t batch[BATCH];
	char batch_tmp[BATCH][KFK_MONOTONIC_MAX]; /* monotonic payloads, copied by librdkafka */
	/* outcome */
	uint64_t delivered, failed, purged, warm;
	char first_error[256];
	/* the command's */
	struct kfk_client client;
	struct worker_spec spec;
	bool ran; /* the run started: its report and metrics are due */
	struct op_stats total, sched;
	struct kfk_produce_summary sum;
	/* --verify: the ledger, and the read-back's check (verify.c) */
	bool verify;
	struct kfk_ledger ledger;
	struct kfk_verify check;
};

/*
 * When record seq is due under --throughput: start + seq * period, in 64 bits, and
 * UINT64_MAX for a time beyond what the clock can count (rates far below one a day).
 */
static uint64_t due_ns(const struct producer *p, uint64_t seq)
{
	double due = (double)p->start_ns + (double)seq * p->period_ns;

	return due >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)due;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct producer *p = kfk_client_arg(opaque);
	uint64_t seq = (uint64_t)(uintptr_t)m->_private;
	uint64_t now = clock_now_ns();

	p->reported[seq & p->ring_mask] = 1;
	if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
	    m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		p->purged++; /* stopped by a signal before the cluster answered */
		return;
	}
	if (p->verify) {
		if (m->err)
			kfk_ledger_fail(&p->ledger, seq);
		else
			kfk_ledger_ack(&p->ledger, seq, m->partition, m->offset);
	}
	if (m->err) {
		if (!p->failed)
			snprintf(p->first_error, sizeof(p->first_error), "%s",
				 rd_kafka_err2str(m->err));
		p->failed++;
		worker_record_failure(p->w, KFK_OP_PRODUCE, rd_kafka_err2name(m->err));
		return;
	}
	if (seq < p->warmup) {
		p->warm++;
		return;
	}
	p->delivered++;
	uint64_t sent = p->sent_ns[seq & p->ring_mask];
	worker_record(p->w, KFK_OP_PRODUCE, now > sent ? now - sent : 0, m->len);
	if (p->period_ns > 0) {
		uint64_t due = due_ns(p, seq);
		worker_record(p->w, KFK_OP_SCHEDULED, now > due ? now - due : 0, m->len);
	}
}

/*
 * Waits towards the due time, serving delivery reports meanwhile: at most one slice, and no
 * further than the runner's next event, so the caller's worker_tick sees a stop request and
 * the interval boundaries in time however far away the due time is (a rate of one record a
 * year is a wait of months).
 */
static void wait_until(struct producer *p, uint64_t due, uint64_t now)
{
	uint64_t left = due - now;
	uint64_t next = worker_next_event_ns(p->w);

	if (left > WAIT_SLICE_NS)
		left = WAIT_SLICE_NS;
	if (next > now && next - now < left)
		left = next - now;
	if (left > 2000000ULL) {
		rd_kafka_poll(p->rk, (int)(left / 1000000ULL) - 1);
	} else {
		rd_kafka_poll(p->rk, 0);
		struct timespec ts = { 0, (long)left };
		nanosleep(&ts, NULL);
	}
}

/*
 * The send time of the oldest record not yet reported on, of those below next (sent): the
 * lowest moves past what was reported, amortised O(1). A record older than the ring (its slot
 * reused by a later send) is taken as the oldest whose slot is still its own.
 */
static void publish_inflight(struct producer *p, uint64_t next)
{
	if (next - p->unreported > p->ring_mask + 1)
		p->unreported = next - (p->ring_mask + 1);
	while (p->unreported < next && p->reported[p->unreported & p->ring_mask])
		p->unreported++;
	worker_set_inflight_since(
		p->w, p->unreported < next ? p->sent_ns[p->unreported & p->ring_mask] : 0);
}

static int produce_init(struct worker *w)
{
	struct producer *p = worker_arg(w);

	p->w = w;
	worker_set_state(w, p);
	return 0;
}

/* Records what librdkafka refused for good (not a full queue) as failed deliveries */
static void send_failed(struct producer *p, rd_kafka_resp_err_t err, uint64_t seq)
{
	p->reported[seq & p->ring_mask] = 1; /* no report will come */
	if (p->verify)
		kfk_ledger_fail(&p->ledger, seq);
	if (!p->failed)
		snprintf(p->first_error, sizeof(p->first_error), "%s", rd_kafka_err2str(err));
	p->failed++;
	worker_record_failure(p->w, KFK_OP_PRODUCE, rd_kafka_err2name(err));
}

/*
 * Hands records seq .. seq+count-1 to librdkafka in one call, stamped with one send time (the
 * call's start). Returns how many were taken; a full queue stops the batch there, and the
 * rest is sent again after serving delivery reports, as the Java producer blocks in send().
 */
static uint64_t send_batch(struct producer *p, uint64_t seq, unsigned count, uint64_t now)
{
	rd_kafka_message_t *msgs = p->batch;
	bool copy = false;

	for (unsigned j = 0; j < count; j++) {
		size_t len;
		if (p->verify) {
			msgs[j].payload = (void *)kfk_ledger_payload(&p->ledger, j, seq + j);
			len = p->ledger.len;
			copy = true;
		} else {
			msgs[j].payload = (void *)kfk_payload_of(&p->payloads, seq + j, &len,
								 p->batch_tmp[j], &copy);
		}
		msgs[j].len = len;
		msgs[j].key = NULL;
		msgs[j].key_len = 0;
		msgs[j]._private = (void *)(uintptr_t)(seq + j);
		msgs[j].err = RD_KAFKA_RESP_ERR_NO_ERROR;
		p->sent_ns[(seq + j) & p->ring_mask] = now;
		p->reported[(seq + j) & p->ring_mask] = 0;
	}
	int taken = rd_kafka_produce_batch(p->rkt, RD_KAFKA_PARTITION_UA,
					   copy ? RD_KAFKA_MSG_F_COPY : 0, msgs, (int)count);
	if ((unsigned)taken == count)
		return count;
	for (unsigned j = 0; j < count; j++) {
		if (msgs[j].err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			return j; /* this one and the rest again, later */
		if (msgs[j].err)
			send_failed(p, msgs[j].err, seq + j);
	}
	return count;
}

/* A transaction call's outcome: 0, or the worker fails with its message */
static int txn_call(struct producer *p, const char *error)
{
	return error ? worker_fail(p->w, -EIO, "%s", error) : 0;
}

/*
 * Records seq.. of the batch in one call, and what the queue did not take again after
 * serving reports, for up to max.block.ms: then the record fails, as Java's send() does
 * after max.block.ms (librdkafka's produce never blocks). Returns how many were handled.
 */
static uint64_t send_blocking(struct producer *p, uint64_t seq, unsigned count, uint64_t now,
			      uint64_t *blocked_since)
{
	uint64_t sent = send_batch(p, seq, count, now);

	if (sent) {
		*blocked_since = 0;
		return sent;
	}
	if (!*blocked_since)
		*blocked_since = now;
	else if (now - *blocked_since >= (uint64_t)p->txn.max_block_ms * 1000000ULL) {
		send_failed(p, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, seq);
		*blocked_since = 0;
		return 1;
	}
	return 0;
}

static int produce_run(struct worker *w)
{
	struct producer *p = worker_state(w);
	uint64_t n = (uint64_t)p->cfg->num_records;
	uint64_t seq = 0, blocked_since = 0;
	int ret = 0;

	p->start_ns = clock_now_ns();
	p->steady_start_ns = p->warmup ? 0 : p->start_ns;
	while (seq < n) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			break;
		uint64_t count = n - seq < BATCH ? n - seq : BATCH;
		if (p->verify && count > p->ledger.slots)
			count = p->ledger.slots;
		if (p->period_ns > 0) {
			/* paced: what is due by now, and no more */
			uint64_t due = due_ns(p, seq);
			worker_set_schedule_lag(w, now > due ? now - due : 0);
			if (now < due) {
				wait_until(p, due, now);
				continue;
			}
			uint64_t due_now =
				(uint64_t)((double)(now - p->start_ns) / p->period_ns) + 1;
			if (due_now - seq < count)
				count = due_now - seq;
		}
		/* the warm-up ends inside this batch: the steady part starts with it */
		if (p->warmup && !p->steady_start_ns && seq + count > p->warmup)
			p->steady_start_ns = now;
		if (p->txn.id && !p->txn.open) {
			p->txn_mark = p->delivered + p->warm;
			if ((ret = txn_call(p, kfk_txn_begin(&p->txn, p->rk, now))))
				break;
		}
		uint64_t sent = send_blocking(p, seq, (unsigned)count, now, &blocked_since);
		seq += sent;
		rd_kafka_poll(p->rk, sent < count ? 1 : 0);
		publish_inflight(p, seq);
		if (kfk_txn_due(&p->txn, now) &&
		    (ret = txn_call(p, kfk_txn_commit(&p->txn, p->rk))))
			break;
	}
	if (p->txn.open && !ret) {
		/* the last transaction: committed, or aborted when the run was stopped */
		if (!signals_stop_requested())
			ret = txn_call(p, kfk_txn_commit(&p->txn, p->rk));
		else {
			rd_kafka_error_destroy(rd_kafka_abort_transaction(p->rk, STOP_FLUSH_MS));
			p->aborted = p->delivered + p->warm - p->txn_mark;
		}
	}
	/* every record sent: wait for the last reports, as the Java tool's close() does */
	while (rd_kafka_outq_len(p->rk) > 0) {
		if (!worker_tick(w, clock_now_ns()))
			break;
		rd_kafka_poll(p->rk, 50);
		publish_inflight(p, seq);
	}
	worker_set_inflight_since(w, 0);
	if (signals_stop_requested()) {
		rd_kafka_flush(p->rk, STOP_FLUSH_MS);
		rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(p->rk, 0);
	}
	p->end_ns = clock_now_ns();
	return ret;
}

static int check_config(struct kfk_config *cfg, bool verify, char *err, size_t size)
{
	int payloads = (cfg->record_size > 0) + (cfg->payload_file[0] != 0) +
		       (cfg->payload_monotonic ? 1 : 0);

	if (!cfg->topic[0]) {
		snprintf(err, size, "--topic is required");
		return -EINVAL;
	}
	if (cfg->num_records <= 0) {
		snprintf(err, size, "--num-records is required (a number of records, at least 1)");
		return -EINVAL;
	}
	if (payloads != 1) {
		snprintf(err, size,
			 "give exactly one of --record-size, --payload-file and "
			 "--payload-monotonic");
		return -EINVAL;
	}
	if (cfg->warmup_records >= cfg->num_records) {
		snprintf(err, size, "--warmup-records %lld: must be less than --num-records %lld",
			 (long long)cfg->warmup_records, (long long)cfg->num_records);
		return -EINVAL;
	}
	if (cfg->verify_read && !verify) {
		snprintf(err, size, "--verify-read needs --verify");
		return -EINVAL;
	}
	if (verify && cfg->record_size < KFK_VERIFY_MARK) {
		snprintf(err, size,
			 "--verify: needs --record-size of at least %d (the mark: producer id and "
			 "sequence number)",
			 KFK_VERIFY_MARK);
		return -EINVAL;
	}
	if (verify && cfg->verify_file[0] && kfk_ledger_path_ok(cfg->verify_file, err, size))
		return -EINVAL;
	if (cfg->replication_factor && !cfg->partitions) {
		snprintf(err, size,
			 "--replication-factor needs --partitions (used when the topic "
			 "is created)");
		return -EINVAL;
	}
	return 0;
}

static size_t ring_size(rd_kafka_t *rk)
{
	char value[64];
	size_t len = sizeof(value);
	uint64_t max = 100000;

	if (rd_kafka_conf_get(rd_kafka_conf(rk), "queue.buffering.max.messages", value, &len) ==
	    RD_KAFKA_CONF_OK)
		max = strtoull(value, NULL, 10);
	size_t n = 1024;
	while (n <= max + 1024)
		n <<= 1;
	return n;
}

/* ---- the command ---- */

/*
 * The properties, the options' checks, then the payloads: a bad --payload-file is bad input
 * (exit 2), reported before any connection is tried.
 */
static int produce_configure(struct command *cmd, char *err, size_t size)
{
	struct kfk_config *cfg = command_config(cmd);
	struct producer *p;
	int ret;

	bool verify = opt_given(command_options(cmd), "verify");
	if (kfk_props_merge(cfg, err, size) || check_config(cfg, verify, err, size))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	command_set_state(cmd, p);
	p->cfg = cfg;
	p->verify = verify;
	kfk_txn_configure(&p->txn, cfg);
	ret = kfk_payloads_init(&p->payloads, cfg, err, size);
	if (!ret && verify &&
	    (kfk_ledger_init(&p->ledger, cfg->topic, (uint64_t)cfg->num_records) ||
	     kfk_ledger_payloads(&p->ledger, p->payloads.payload, p->payloads.payload_len,
				 BATCH))) {
		snprintf(err, size, "--verify: out of memory for %lld records",
			 (long long)cfg->num_records);
		ret = -ENOMEM;
	}
	return ret ? ret : CMD_CONTINUE;
}

static void produce_outputs(const struct command *cmd, struct cmd_outputs *o)
{
	const struct kfk_config *cfg = command_config(cmd);

	o->results = cfg->output;
	o->json = !strcmp(cfg->output_format, "json");
	o->text_on_stdout = !o->json;
}

/* The client (and the mock cluster, and the topic), then what the loop needs */
static int produce_prepare(struct command *cmd)
{
	const struct kfk_config *cfg = command_config(cmd);
	struct producer *p = command_state(cmd);
	char err[1024];
	const struct kfk_setting overrides[] = {
		{ p->txn.id ? "transactional.id" : NULL, p->txn.id }, { NULL, NULL }
	};
	/* the Java tool's client.id unless the properties give one */
	const struct kfk_setting defaults[] = { { "client.id", "perf-producer-client" },
						{ NULL, NULL } };
	struct kfk_client_spec spec = { .cmd = "produce",
					.type = RD_KAFKA_PRODUCER,
					.defaults = defaults,
					.overrides = overrides,
					.dr_msg_cb = on_delivery,
					.arg = p,
					.partitions = cfg->partitions,
					.replication = cfg->replication_factor };
	int ret = kfk_client_open(&p->client, cfg, &spec, err, sizeof(err));

	if (ret) {
		command_error(cmd, "%s", err);
		/* a refused property or bootstrap is bad input; a silent cluster a failure */
		if (ret == -EINVAL)
			command_set_status(cmd, KFK_EXIT_USAGE);
		return ret;
	}
	p->rk = p->client.rk;
	if (p->txn.id) {
		char why[512];
		if (kfk_txn_init(&p->txn, p->rk, why, sizeof(why))) {
			command_error(cmd, "%s", why);
			return -EIO;
		}
	}
	p->rkt = rd_kafka_topic_new(p->rk, cfg->topic, NULL);
	size_t ring = ring_size(p->rk);
	p->sent_ns = calloc(ring, sizeof(*p->sent_ns));
	p->reported = calloc(ring, sizeof(*p->reported));
	p->ring_mask = ring - 1;
	p->warmup = (uint64_t)cfg->warmup_records;
	p->period_ns = cfg->throughput_rps > 0 ? 1e9 / cfg->throughput_rps : 0;
	if (!p->rkt || !p->sent_ns || !p->reported) {
		command_error(cmd, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int produce_plan(struct command *cmd, unsigned index, struct run_plan *plan)
{
	const struct kfk_config *cfg = command_config(cmd);
	struct producer *p = command_state(cmd);

	if (index > 0)
		return CMD_NO_MORE_RUNS;
	p->spec = (struct worker_spec){ .cpu = -1, .numa_node = -1, .arg = p };
	plan->nworkers = 1;
	plan->nops = p->period_ns > 0 ? 2 : 1;
	plan->op_names[0] = "produce";
	plan->op_names[1] = "produce_scheduled";
	plan->stall_ops = 1u << 0; /* a record completes once: its scheduled twin is not counted */
	plan->specs = &p->spec;
	plan->interval_ns = (uint64_t)cfg->reporting_interval_ms * 1000000ULL;
	plan->worker_init = produce_init;
	plan->worker_run = produce_run;
	plan->on_interval = kfk_produce_progress;
	plan->progress_label = "kafka produce";
	/* the JSON's jobname, which the progress label is not */
	static const char *const jobs[] = { "kafka-produce" };
	plan->worker_jobs = jobs;
	metrics_set_engine(jobs[0], "librdkafka");
	plan->stall_threshold_ns = cfg->stall_threshold_ns;
	/* progress lines on stdout only when the results are the Java tool's lines there */
	plan->interval_out = command_json(cmd) || command_results(cmd) != stdout ? stderr : stdout;
	return CMD_RUN;
}

/*
 * --verify: the ledger to its file, then with --verify-read the topic read back and checked
 * (exit status 1 when an acknowledged record is missing or the read could not finish)
 */
static void produce_verify(struct command *cmd, struct producer *p)
{
	const struct kfk_config *cfg = p->cfg;
	char err[1024];

	if (cfg->verify_file[0] &&
	    kfk_ledger_write(&p->ledger, cfg->verify_file, err, sizeof(err))) {
		command_error(cmd, "%s", err);
		command_set_status(cmd, KFK_EXIT_FAILED);
	}
	if (!cfg->verify_read || signals_stop_requested())
		return;
	if (kfk_verify_read(&p->check, &p->ledger, cfg, p->client.bootstrap, err, sizeof(err))) {
		command_error(cmd, "--verify-read: %s", err);
		command_set_status(cmd, KFK_EXIT_FAILED);
		return;
	}
	p->sum.verify = &p->check;
	if (!p->check.complete)
		command_error(cmd, "--verify-read: the check is incomplete: %s",
			      p->check.incomplete);
	else if (p->check.total.lost)
		command_error(cmd, "--verify-read: %llu acknowledged records lost",
			      (unsigned long long)p->check.total.lost);
	if (kfk_verify_failed(&p->check))
		command_set_status(cmd, KFK_EXIT_FAILED);
}

/* What the run measured, into the summary the report reads; errors on stderr */
static int produce_run_done(struct command *cmd, unsigned index, struct run_result *res, FILE *out)
{
	struct producer *p = command_state(cmd);
	struct kfk_produce_summary *sum = &p->sum;

	(void)index;
	(void)out;
	p->ran = !res->init_failed;
	if (res->workers[0].error_msg[0]) {
		command_error(cmd, "%s", res->workers[0].error_msg);
		command_set_status(cmd, KFK_EXIT_FAILED);
	}
	*sum = (struct kfk_produce_summary){ .cfg = p->cfg,
					     .set = command_options(cmd),
					     .res = res,
					     .s = &p->total,
					     .sched = res->nops > 1 ? &p->sched : NULL,
					     .failed = p->failed,
					     .purged = p->purged,
					     .client = &p->client,
					     .txn_id = p->txn.id,
					     .txn_commits = p->txn.commits,
					     .txn_aborted = p->aborted,
					     .bootstrap = p->client.bootstrap };
	run_result_total(res, KFK_OP_PRODUCE, &p->total, &sum->runtime_ns);
	if (sum->sched)
		run_result_total(res, KFK_OP_SCHEDULED, &p->sched, NULL);
	/* the rate over the steady part: after the warm-up records, to the last report */
	uint64_t from = p->steady_start_ns ? p->steady_start_ns : p->start_ns;
	sum->secs = p->end_ns > from ? (double)(p->end_ns - from) / 1e9 : 0;
	if (p->failed) {
		command_error(cmd, "%llu records failed delivery: %s",
			      (unsigned long long)p->failed, p->first_error);
		command_set_status(cmd, KFK_EXIT_FAILED);
	}
	if (p->purged)
		command_error(cmd, "%llu records not acknowledged when the run was stopped",
			      (unsigned long long)p->purged);
	if (p->verify && p->ran)
		produce_verify(cmd, p);
	if (p->aborted)
		command_error(cmd,
			      "%llu acknowledged records were in the transaction aborted at the "
			      "stop (read_committed consumers do not see them)",
			      (unsigned long long)p->aborted);
	return 0;
}

static void produce_report_text(struct command *cmd, FILE *out)
{
	struct producer *p = command_state(cmd);

	kfk_produce_lines(out, &p->sum);
}

static void produce_json_jobs(struct command *cmd, unsigned index, struct jsonw *j)
{
	struct producer *p = command_state(cmd);

	(void)index;
	kfk_produce_json_job(j, &p->sum);
}

/* --print-metrics comes here, after the report, where the Java tool prints its metrics */
static void produce_cleanup(struct command *cmd)
{
	struct kfk_config *cfg = command_config(cmd);
	struct producer *p = command_state(cmd);

	if (p && p->ran && cfg->print_metrics) {
		/* statistics taken after the last acknowledgement, so they count every record */
		kfk_client_final_stats(&p->client);
		kfk_print_metrics(!strcmp(cfg->output_format, "json") ? stderr : stdout,
				  p->client.stats);
	}
	if (p) {
		if (p->rkt)
			rd_kafka_topic_destroy(p->rkt);
		kfk_client_close(&p->client);
		free(p->sent_ns);
		free(p->reported);
		kfk_payloads_free(&p->payloads);
		kfk_verify_free(&p->check);
		kfk_ledger_free(&p->ledger);
		free(p);
	}
	kfk_props_free(&cfg->cli_props);
	kfk_props_free(&cfg->props);
}

const struct workload_ops kfk_produce_ops = {
	.name = "kafka produce",
	.summary = "kafka-producer-perf-test: produce records, measure throughput and latency",
	.usage = "usage: pvcbench kafka produce --option value ...\n\n"
		 "Produces records and measures them as kafka-producer-perf-test does.\n",
	.style = OPT_STYLE_JAVA,
	.options = kfk_produce_defs,
	.config_size = sizeof(struct kfk_config),
	.usage_status = KFK_EXIT_USAGE,
	.failed_status = KFK_EXIT_FAILED,
	.on_option = kfk_on_option,
	.configure = produce_configure,
	.outputs = produce_outputs,
	.prepare = produce_prepare,
	.plan = produce_plan,
	.run_done = produce_run_done,
	.report_text = produce_report_text,
	.json_jobs = produce_json_jobs,
	.cleanup = produce_cleanup,
};
