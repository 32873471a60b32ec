/*
 * e2e_report.c - what `kafka e2e` prints: the Java tool's progress line ("i<TAB>ms" every
 * 1000 messages, the milliseconds as Java's Double.toString writes a double), its two final
 * lines (the average of the exact latencies, the percentiles as the elements of its sorted
 * array of whole milliseconds), and the job object of the JSON envelope.
 */
#include "e2e.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/report.h"

/*
 * The shortest decimal digits that read back to v (finite, not 0), without trailing zeros,
 * and the power of ten of the first: v = 0.d1d2... x 10^(exp + 1). Java prints doubles
 * from these digits, in Double.toString and in Formatter's %f alike.
 */
static size_t shortest_digits(double v, char digits[24], int *exp)
{
	char sci[40];
	size_t n = 0;

	for (int prec = 0; prec < 17; prec++) {
		snprintf(sci, sizeof(sci), "%.*e", prec, v);
		if (strtod(sci, NULL) == v)
			break;
	}
	/* sci is [-]d[.ddd]e[+-]xx */
	const char *s = sci + (sci[0] == '-');
	for (; *s && *s != 'e'; s++)
		if (*s != '.' && n < 23)
			digits[n++] = *s;
	digits[n] = '\0';
	*exp = atoi(s + 1);
	while (n > 1 && digits[n - 1] == '0')
		digits[--n] = '\0';
	return n;
}

/*
 * Double.toString: the shortest digits; plain decimal from 10^-3 to below 10^7 (at least one
 * digit after the point), computerized scientific notation (1.0E-4, 1.2345E7) outside.
 */
void e2e_java_double(char *buf, size_t size, double v)
{
	char digits[24];
	int exp;
	size_t n, len = 0;

	if (isnan(v) || isinf(v)) {
		snprintf(buf, size, "%s", isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (v == 0) {
		snprintf(buf, size, "%s", signbit(v) ? "-0.0" : "0.0");
		return;
	}
	n = shortest_digits(v, digits, &exp);

	char out[64];
	if (v < 0)
		out[len++] = '-';
	double a = fabs(v);
	if (a >= 1e-3 && a < 1e7) {
		if (exp >= 0) {
			for (int i = 0; i <= exp; i++)
				out[len++] = (size_t)i < n ? digits[i] : '0';
			out[len++] = '.';
			if ((size_t)exp + 1 < n)
				for (size_t i = (size_t)exp + 1; i < n; i++)
					out[len++] = digits[i];
			else
				out[len++] = '0';
		} else {
			out[len++] = '0';
			out[len++] = '.';
			for (int i = 0; i < -exp - 1; i++)
				out[len++] = '0';
			for (size_t i = 0; i < n; i++)
				out[len++] = digits[i];
		}
		out[len] = '\0';
	} else {
		out[len++] = digits[0];
		out[len++] = '.';
		if (n > 1)
			for (size_t i = 1; i < n; i++)
				out[len++] = digits[i];
		else
			out[len++] = '0';
		snprintf(out + len, sizeof(out) - len, "E%d", exp);
	}
	snprintf(buf, size, "%s", out);
}

/*
 * Formatter's %.Nf: the shortest digits rounded half up at the Nth decimal (Java rounds the
 * decimal it would print, 0.00115 -> 0.0012, where C's printf rounds the binary value just
 * below it -> 0.0011). For a finite v of at least 0 below 10^15, which averages are.
 */
void e2e_java_fixed(char *buf, size_t size, double v, int decimals)
{
	char digits[24], out[48];
	int exp, len = 0;

	if (!(v > 0) || v >= 1e15 || decimals > 16) {
		snprintf(buf, size, "%.*f", decimals, v > 0 || v < 0 ? v : 0.0);
		return;
	}
	size_t n = shortest_digits(v, digits, &exp);
	/* the digits at the powers of ten top .. -decimals, one more place to round on */
	int top = exp > 0 ? exp : 0;
	int places = top + decimals + 1;
	char d[40];
	for (int i = 0; i < places; i++) {
		int k = exp - (top - i); /* index into digits of 10^(top - i) */
		d[i] = k >= 0 && (size_t)k < n ? digits[k] : '0';
	}
	int carry = 0;
	if (exp >= -decimals - 1) {
		int k = exp + decimals + 1; /* the first digit dropped */
		carry = k >= 0 && (size_t)k < n && digits[k] >= '5';
	}
	for (int i = places - 1; carry && i >= 0; i--) {
		if (d[i] == '9') {
			d[i] = '0';
		} else {
			d[i]++;
			carry = 0;
		}
	}
	if (carry)
		out[len++] = '1';
	for (int i = 0; i < places; i++) {
		if (i == top + 1)
			out[len++] = '.';
		out[len++] = d[i];
	}
	out[len] = '\0';
	snprintf(buf, size, "%s", out);
}

long long e2e_percentile_ms(const struct e2e_figures *fig, double p)
{
	/* the Java tool's index, with its arithmetic: (int) (length * p) */
	uint64_t k = (uint64_t)((double)fig->done * p), seen = 0;

	if (!fig->done || !fig->ms)
		return 0;
	if (k >= fig->done)
		k = fig->done - 1;
	for (uint32_t ms = 0; ms < E2E_MS_SLOTS; ms++) {
		seen += fig->ms[ms];
		if (seen > k)
			return ms;
	}
	return E2E_MS_SLOTS - 1;
}

static double avg_ms(const struct e2e_figures *fig)
{
	return fig->done ? fig->total_ns / (double)fig->done / 1000.0 / 1000.0 : 0;
}

void e2e_lines(FILE *out, const struct e2e *e)
{
	const struct e2e_figures *fig = &e->fig;

	if (fig->done) {
		char avg[48];

		e2e_java_fixed(avg, sizeof(avg), avg_ms(fig), 4);
		fprintf(out, "Avg latency: %s ms\n", avg);
		fprintf(out, "Percentiles: 50th = %lld, 99th = %lld, 99.9th = %lld\n",
			e2e_percentile_ms(fig, 0.5), e2e_percentile_ms(fig, 0.99),
			e2e_percentile_ms(fig, 0.999));
	}
	/* the outage windows after the tool's own lines: nothing when there were none */
	if (e->res)
		stall_print_text(out, &e->res->stalls, "");
}

void e2e_json_job(struct jsonw *j, const struct e2e *e)
{
	const struct kfk_config *cfg = e->cfg;
	const struct e2e_figures *fig = &e->fig;

	jsonw_object_begin(j, NULL);
	jsonw_string(j, "jobname", "kafka-e2e");
	jsonw_u64(j, "groupid", 0);
	jsonw_i64(j, "error", e->failed ? 1 : 0);
	report_config_json(j, e->set, cfg);
	report_op_json(j, "e2e", &e->total, e->runtime_ns);
	if (e->res)
		report_stalls_json(j, "stalls", &e->res->stalls);
	jsonw_object_begin(j, "kafka");
	jsonw_string(j, "topic", cfg->topic);
	jsonw_string(j, "bootstrap", e->producer.bootstrap ? e->producer.bootstrap : "");
	jsonw_i64(j, "num_messages", e->num_messages);
	jsonw_string(j, "producer_acks", e->acks);
	jsonw_i64(j, "message_size_bytes", e->message_size);
	jsonw_string(j, "properties_file", cfg->config_file);
	/* the properties file's, and what each became for each client */
	kfk_applied_json(j, "producer_properties", &cfg->props, &e->producer.applied);
	kfk_applied_json(j, "consumer_properties", &cfg->props, &e->consumer.applied);
	/* the named form's (Kafka 4.2) keys and headers; the positional form sends neither */
	jsonw_string(j, "form", e->named ? "named" : "positional");
	jsonw_i64(j, "record_key_size", e->named ? e->key_size : -1);
	jsonw_i64(j, "num_headers", e->num_headers);
	jsonw_i64(j, "record_header_key_size", e->header_key_size);
	jsonw_i64(j, "record_header_size", e->header_value_size);
	jsonw_bool(j, "topic_created", e->topic_created);
	jsonw_u64(j, "messages_done", fig->done);
	/* the Java tool's figures, as its two lines print them */
	jsonw_double(j, "avg_latency_ms", avg_ms(fig));
	jsonw_i64(j, "p50_ms", e2e_percentile_ms(fig, 0.5));
	jsonw_i64(j, "p99_ms", e2e_percentile_ms(fig, 0.99));
	jsonw_i64(j, "p99_9_ms", e2e_percentile_ms(fig, 0.999));
	jsonw_u64(j, "latencies_over_slots", fig->clamped);
	jsonw_object_end(j);
	jsonw_object_end(j);
}
