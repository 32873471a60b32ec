/*
 * load.c - reads pvcbench JSON results with jansson, checks each one whole, and hands it to
 * groups.c to be merged.
 *
 * An input is added only once every check has passed, so a refused file leaves the set as it
 * was. The histograms are rebuilt from lat_hist exactly: bucket counts through hist_add_bucket,
 * and count, min, max, sum and the 128-bit sum of squares from the JSON. They are checked
 * against each other (buckets adding up to count, min and max in the first and last non-empty
 * buckets), because a merged report is only as exact as every one of its inputs. A fio
 * direction's slat_hist and clat_hist are read and checked the same way, and its bw_sums and
 * iops_sums as numbers (all optional: see struct merge_extra).
 */
#include "merge_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ERR_SIZE 1024

static int get_u64(const json_t *obj, const char *key, uint64_t *value, char *why, size_t why_size)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(why, why_size, "%s is %s", key,
			 v ? "not a non-negative integer" : "missing");
		return -EINVAL;
	}
	*value = (uint64_t)json_integer_value(v);
	return 0;
}

static int parse_u128(const char *s, unsigned __int128 *value)
{
	const unsigned __int128 top = ~(unsigned __int128)0;
	unsigned __int128 v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (v > (top - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*value = v;
	return 0;
}

static int hist_from_json(const json_t *lh, const char *key, struct hist *h, char *why,
			  size_t why_size)
{
	uint64_t bits, count, min, max, sum, total = 0;
	unsigned __int128 squares;
	unsigned first = HIST_BUCKETS, last = 0;
	const json_t *sq, *buckets, *pair;
	size_t i;

	hist_init(h);
	if (!json_is_object(lh)) {
		snprintf(why, why_size, "%s is %s", key, lh ? "not an object" : "missing");
		return -EINVAL;
	}
	if (get_u64(lh, "sub_bucket_bits", &bits, why, why_size) ||
	    get_u64(lh, "count", &count, why, why_size) ||
	    get_u64(lh, "min", &min, why, why_size) || get_u64(lh, "max", &max, why, why_size) ||
	    get_u64(lh, "sum", &sum, why, why_size))
		return -EINVAL;
	if (bits != HIST_SUB_BITS) {
		snprintf(why, why_size,
			 "%s has sub_bucket_bits %" PRIu64
			 ", but this pvcbench's histograms have %u",
			 key, bits, HIST_SUB_BITS);
		return -EINVAL;
	}
	sq = json_object_get(lh, "sum_squares");
	if (!json_is_string(sq) || parse_u128(json_string_value(sq), &squares)) {
		snprintf(why, why_size, "%s sum_squares is not a decimal string of 128 bits", key);
		return -EINVAL;
	}
	buckets = json_object_get(lh, "buckets");
	if (!json_is_array(buckets)) {
		snprintf(why, why_size, "%s buckets is not an array", key);
		return -EINVAL;
	}
	json_array_foreach(buckets, i, pair)
	{
		const json_t *b = json_array_get(pair, 0), *c = json_array_get(pair, 1);

		if (json_array_size(pair) != 2 || !json_is_integer(b) || !json_is_integer(c) ||
		    json_integer_value(c) < 0) {
			snprintf(why, why_size, "%s buckets[%zu] is not an [index, count] pair",
				 key, i);
			return -EINVAL;
		}
		json_int_t index = json_integer_value(b);
		uint64_t n = (uint64_t)json_integer_value(c);
		if (index < 0 || index >= HIST_BUCKETS || hist_add_bucket(h, (unsigned)index, n)) {
			snprintf(why, why_size, "%s buckets[%zu]: index %lld out of range (0..%u)",
				 key, i, (long long)index, HIST_BUCKETS - 1);
			return -EINVAL;
		}
		if (__builtin_add_overflow(total, n, &total)) {
			snprintf(why, why_size, "%s bucket counts overflow 64 bits", key);
			return -EINVAL;
		}
		if (n && (unsigned)index < first)
			first = (unsigned)index;
		if (n && (unsigned)index > last)
			last = (unsigned)index;
	}
	if (total != count) {
		snprintf(why, why_size,
			 "%s bucket counts add up to %" PRIu64 ", but its count is %" PRIu64, key,
			 total, count);
		return -EINVAL;
	}
	if (!count) {
		if (min || max || sum || squares) {
			snprintf(why, why_size, "%s is empty, but its min, max or sum is not 0",
				 key);
			return -EINVAL;
		}
		return 0;
	}
	if (min > max || hist_bucket_of(min) != first || hist_bucket_of(max) != last ||
	    (unsigned __int128)min * count > sum || (unsigned __int128)max * count < sum) {
		snprintf(why, why_size,
			 "%s min %" PRIu64 ", max %" PRIu64 " and sum %" PRIu64
			 " do not fit its buckets",
			 key, min, max, sum);
		return -EINVAL;
	}
	h->min = min;
	h->max = max;
	h->sum = sum;
	h->sum_squares = squares;
	return 0;
}

int merge_op_stats(const json_t *op, struct op_stats *s, char *err, size_t err_size)
{
	memset(s, 0, sizeof(*s) - sizeof(s->lat));
	if (get_u64(op, "total_ios", &s->ops, err, err_size) ||
	    get_u64(op, "io_bytes", &s->bytes, err, err_size) ||
	    get_u64(op, "errors", &s->errors, err, err_size))
		return -EINVAL;
	return hist_from_json(json_object_get(op, "lat_hist"), "lat_hist", &s->lat, err, err_size);
}

/* A finite number (jansson reads what %.17g wrote back to the same double). */
static int get_number(const json_t *obj, const char *key, double *value, char *why, size_t why_size)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_number(v) || !isfinite(json_number_value(v))) {
		snprintf(why, why_size, "%s is %s", key, v ? "not a number" : "missing");
		return -EINVAL;
	}
	*value = json_number_value(v);
	return 0;
}

/* bw_sums or iops_sums: see report_samples_json */
static int samples_from_json(const json_t *op, const char *key, struct op_samples *s, char *why,
			     size_t why_size)
{
	const json_t *o = json_object_get(op, key);
	char detail[256];

	memset(s, 0, sizeof(*s));
	if (!json_is_object(o) || get_u64(o, "samples", &s->n, detail, sizeof(detail)) ||
	    get_number(o, "min", &s->min, detail, sizeof(detail)) ||
	    get_number(o, "max", &s->max, detail, sizeof(detail)) ||
	    get_number(o, "mean", &s->mean, detail, sizeof(detail)) ||
	    get_number(o, "S", &s->s, detail, sizeof(detail))) {
		snprintf(why, why_size, "%s: %s", key, o ? detail : "missing");
		return -EINVAL;
	}
	if (s->min > s->max || s->s < 0) {
		snprintf(why, why_size, "%s: min %g above max %g, or S %g below 0", key, s->min,
			 s->max, s->s);
		return -EINVAL;
	}
	return 0;
}

/* Whether op has key; that it has the other as well when it has one of the pair. */
static int pair_present(const json_t *op, const char *a, const char *b, bool *present, char *why,
			size_t why_size)
{
	bool has_a = json_object_get(op, a), has_b = json_object_get(op, b);

	if (has_a != has_b) {
		snprintf(why, why_size, "%s without %s", has_a ? a : b, has_a ? b : a);
		return -EINVAL;
	}
	*present = has_a;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Which latency objects have percentiles, and at which values (see struct merge_extra). */
static int percentiles_from_json(const json_t *op, struct merge_extra *x, char *why,
				 size_t why_size)
{
	static const char *const keys[OP_LATS] = { "slat_ns", "clat_ns", "lat_ns" };

	x->npercentiles = 0;
	for (unsigned k = 0; k < OP_LATS; k++) {
		const json_t *lat = json_object_get(op, keys[k]);
		const json_t *pct = json_object_get(lat, "percentile");
		const char *name;
		const json_t *v;
		x->percentile_seen[k] = json_integer_value(json_object_get(lat, "N")) > 0;
		x->percentile_on[k] = json_is_object(pct);
		if (!x->percentile_on[k] || x->npercentiles)
			continue;
		json_object_foreach((json_t *)pct, name, v)
		{
			char *end;
			double p = strtod(name, &end);
			if (*end || !(p > 0.0 && p <= 100.0) ||
			    x->npercentiles == MERGE_MAX_PERCENTILES) {
				snprintf(
					why, why_size,
					"%s percentile \"%s\" is not a percentile (0 to 100, at most "
					"%u of them)",
					keys[k], name, MERGE_MAX_PERCENTILES);
				return -EINVAL;
			}
			x->percentiles[x->npercentiles++] = p;
		}
		qsort(x->percentiles, x->npercentiles, sizeof(double), cmp_double);
	}
	return 0;
}

int merge_op_extra(const json_t *op, struct merge_extra *x, char *err, size_t err_size)
{
	if (percentiles_from_json(op, x, err, err_size))
		return -EINVAL;
	x->sync = !json_object_get(op, "clat_ns");
	x->short_ios = x->drop_ios = 0;
	if (json_object_get(op, "short_ios") &&
	    get_u64(op, "short_ios", &x->short_ios, err, err_size))
		return -EINVAL;
	if (json_object_get(op, "drop_ios") && get_u64(op, "drop_ios", &x->drop_ios, err, err_size))
		return -EINVAL;
	if (pair_present(op, "slat_hist", "clat_hist", &x->split, err, err_size) ||
	    pair_present(op, "bw_sums", "iops_sums", &x->samples, err, err_size))
		return -EINVAL;
	if (x->split && (hist_from_json(json_object_get(op, "slat_hist"), "slat_hist", &x->slat,
					err, err_size) ||
			 hist_from_json(json_object_get(op, "clat_hist"), "clat_hist", &x->clat,
					err, err_size)))
		return -EINVAL;
	if (x->samples && (samples_from_json(op, "bw_sums", &x->bw, err, err_size) ||
			   samples_from_json(op, "iops_sums", &x->iops, err, err_size)))
		return -EINVAL;
	return 0;
}

int merge_hist_parse(const char *text, struct hist *h, char *err, size_t err_size)
{
	json_error_t jerr;
	json_t *lh = json_loads(text, 0, &jerr);
	int ret;

	if (!lh) {
		snprintf(err, err_size, "not valid JSON (line %d, column %d): %s", jerr.line,
			 jerr.column, jerr.text);
		return -EINVAL;
	}
	ret = hist_from_json(lh, "lat_hist", h, err, err_size);
	json_decref(lh);
	return ret;
}

/* The job's operations: members that are objects holding lat_hist (or fio's total_ios). */
static int load_job(json_t *job, size_t index, struct merge_job *out, struct op_stats *scratch,
		    struct merge_extra *extra, char *why, size_t why_size)
{
	const char *key;
	json_t *v;
	char detail[512];

	memset(out, 0, sizeof(*out));
	out->obj = job;
	if (!json_is_object(job) || !json_is_string(json_object_get(job, "jobname"))) {
		snprintf(why, why_size, "jobs[%zu] is not a job (an object with a jobname)", index);
		return -EINVAL;
	}
	out->jobname = json_string_value(json_object_get(job, "jobname"));
	if (json_is_integer(json_object_get(job, "error")))
		out->error = json_integer_value(json_object_get(job, "error"));
	json_object_foreach(job, key, v)
	{
		if (!json_is_object(v) ||
		    !(json_object_get(v, "lat_hist") || json_object_get(v, "total_ios")))
			continue;
		if (!json_object_get(v, "lat_hist")) {
			snprintf(why, why_size,
				 "job '%s' %s has no lat_hist: not a pvcbench result (only "
				 "pvcbench's exact histograms can be merged)",
				 out->jobname, key);
			return -EINVAL;
		}
		if (out->nops == PVC_MAX_OPS) {
			snprintf(why, why_size, "job '%s' has more than %u operation types",
				 out->jobname, PVC_MAX_OPS);
			return -EINVAL;
		}
		struct merge_op_ref *op = &out->op[out->nops++];
		op->name = key;
		op->obj = v;
		if (get_u64(v, "runtime", &op->runtime_ms, detail, sizeof(detail)) ||
		    merge_op_stats(v, scratch, detail, sizeof(detail)) ||
		    merge_op_extra(v, extra, detail, sizeof(detail))) {
			snprintf(why, why_size, "job '%s' %s: %s", out->jobname, key, detail);
			return -EINVAL;
		}
	}
	if (!out->nops) {
		snprintf(
			why, why_size,
			"job '%s' has no measured operation with a lat_hist: not a pvcbench result",
			out->jobname);
		return -EINVAL;
	}
	return 0;
}

static int check_doc(const char *name, json_t *doc, struct merge_job *jobs, size_t *njobs,
		     struct op_stats *scratch, struct merge_extra *extra, char *err,
		     size_t err_size)
{
	const json_t *arr = json_object_get(doc, "jobs");
	char why[ERR_SIZE - 64];

	*njobs = 0;
	if (!json_is_object(doc)) {
		snprintf(err, err_size, "%s: not a pvcbench result: the document is not an object",
			 name);
		return -EINVAL;
	}
	if (!json_is_array(arr) || !json_array_size(arr)) {
		snprintf(err, err_size, "%s: not a pvcbench result: %s", name,
			 arr ? "its jobs array is empty or not an array" : "it has no jobs");
		return -EINVAL;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		if (load_job(json_array_get(arr, i), i, &jobs[i], scratch, extra, why,
			     sizeof(why))) {
			snprintf(err, err_size, "%s: %s", name, why);
			return -EINVAL;
		}
		(*njobs)++;
	}
	return 0;
}

int merge_set_add(struct merge_set *m, const char *name, const char *text, size_t len, char *err,
		  size_t err_size)
{
	struct merge_job *jobs = NULL;
	struct op_stats *scratch = malloc(sizeof(*scratch));
	struct merge_extra *extra = malloc(sizeof(*extra));
	json_error_t jerr;
	json_t *doc;
	size_t njobs = 0;
	int ret = -ENOMEM;
	char *copy = strdup(name);

	doc = json_loadb(text, len, 0, &jerr);
	if (!doc) {
		snprintf(err, err_size, "%s: not valid JSON (line %d, column %d): %s", name,
			 jerr.line, jerr.column, jerr.text);
		ret = -EINVAL;
		goto out;
	}
	size_t n = json_array_size(json_object_get(doc, "jobs"));
	jobs = calloc(n ? n : 1, sizeof(*jobs));
	if (!scratch || !extra || !copy || !jobs) {
		snprintf(err, err_size, "%s: out of memory", name);
		goto out;
	}
	ret = check_doc(name, doc, jobs, &njobs, scratch, extra, err, err_size);
	if (!ret)
		ret = merge_check_workload(m, name, jobs, njobs, err, err_size);
	if (!ret && merge_reserve(m, jobs, njobs)) {
		snprintf(err, err_size, "%s: out of memory", name);
		ret = -ENOMEM;
	}
	if (ret)
		goto out;
	merge_commit(m, jobs, njobs, m->ninputs, scratch, extra);
	m->inputs[m->ninputs++] = (struct merge_input){ .name = copy, .doc = doc, .njobs = njobs };
	copy = NULL;
	doc = NULL;
out:
	json_decref(doc);
	free(copy);
	free(jobs);
	free(scratch);
	free(extra);
	return ret;
}

/*
 * A pod's `kubectl logs` has stderr's lines (which engine, laying out, waiting to start)
 * around, and sometimes between, the lines of the JSON document on stdout. pvcbench writes
 * that document pretty-printed: "{" alone on a line, every member indented, "}" alone on the
 * last line. So the document is the lines from the first "{" to the next "}" that start with
 * an indent; other lines in that span came from stderr. Returns the length of the document
 * copied into out (0: none found) and the number of lines left out.
 */
static size_t extract_document(const char *text, size_t len, char *out, unsigned *skipped)
{
	const char *p = text, *end = text + len;
	size_t n = 0;
	bool inside = false;

	*skipped = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool open = l == 1 && p[0] == '{', close = l == 1 && p[0] == '}';
		bool member = l >= 2 && p[0] == ' ' && p[1] == ' ';
		if (!inside && open)
			inside = true;
		if (inside && (open || close || member)) {
			memcpy(out + n, p, l);
			out[n + l] = '\n';
			n += l + 1;
			if (close)
				return n;
		} else {
			(*skipped)++;
		}
		p += l + 1;
	}
	return 0; /* no complete document: the strict parse's error says why */
}

/* The file as one JSON document; failing that, as a log that holds one (see above) */
static int add_document_or_log(struct merge_set *m, const char *name, const char *text, size_t len,
			       char *err, size_t err_size)
{
	int ret = merge_set_add(m, name, text, len, err, err_size);
	unsigned skipped;
	char *doc;
	char why[512];

	if (ret != -EINVAL || !strstr(err, "not valid JSON") || !(doc = malloc(len + 1)))
		return ret;
	size_t n = extract_document(text, len, doc, &skipped);
	if (n && skipped && !merge_set_add(m, name, doc, n, why, sizeof(why))) {
		fprintf(stderr,
			"pvcbench merge: %s: read the result out of a log (%u other line%s "
			"left out)\n",
			name, skipped, skipped == 1 ? "" : "s");
		ret = 0;
	}
	free(doc);
	return ret;
}

int merge_set_add_file(struct merge_set *m, const char *path, char *err, size_t err_size)
{
	bool std_in = !strcmp(path, "-");
	const char *name = std_in ? "stdin" : path;
	FILE *f = std_in ? stdin : fopen(path, "r");
	size_t len = 0, cap = 1 << 16;
	char *buf = NULL;
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, err_size, "%s: cannot read: %s", name, strerror(-ret));
		return ret;
	}
	for (;;) {
		if (!buf || len == cap) {
			char *bigger = realloc(buf, buf ? cap * 2 : cap);
			if (!bigger) {
				ret = -ENOMEM;
				break;
			}
			cap = buf ? cap * 2 : cap;
			buf = bigger;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (!ret && ferror(f))
		ret = errno ? -errno : -EIO;
	if (ret)
		snprintf(err, err_size, "%s: cannot read: %s", name, strerror(-ret));
	if (!std_in)
		fclose(f);
	if (!ret)
		ret = add_document_or_log(m, name, buf, len, err, err_size);
	free(buf);
	return ret;
}

struct merge_set *merge_set_new(void)
{
	struct merge_set *m = calloc(1, sizeof(*m));

	return m;
}

void merge_set_free(struct merge_set *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->ninputs; i++) {
		json_decref(m->inputs[i].doc);
		free(m->inputs[i].name);
	}
	free(m->inputs);
	free(m->jobs);
	free(m->groups);
	free(m);
}
