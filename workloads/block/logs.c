/*
 * logs.c - the log options (write_bw_log, write_lat_log, log_avg_msec, ...), and what each
 * completed I/O adds to a clone's logs and to its bandwidth and IOPS samples.
 *
 * The rules are fio 3.33's (stat.c): an entry per I/O, or with log_avg_msec one per direction
 * and window, the mean rounded (or the max), written when an I/O ends a window and for the
 * partial windows at the end; bandwidth and IOPS sampled every bwavgtime/iopsavgtime over the
 * bytes and I/Os done since the last sample, or per I/O when their log keeps every I/O (fio's
 * bw_min/bw_max then describe single I/Os, as fio's do). The hot path is blk_log_io: a few
 * additions and one comparison with the next sample time; no system call, no allocation
 * except a new chunk of entries now and then (logs_write.c).
 */
#define _GNU_SOURCE
#include "block.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define F(field) offsetof(struct blk_options, log.field)
#define MS 1000000ULL

const struct option_def blk_log_option_defs[] = {
	{ .name = "write_bw_log",
	  .type = OPT_STRING,
	  .offset = F(bw_log),
	  .arg_name = "PREFIX",
	  .bare_ok = true,
	  .help = "bandwidth log PREFIX_bw.N.log (KiB/s per I/O, or per log_avg_msec window)" },
	{ .name = "write_iops_log",
	  .type = OPT_STRING,
	  .offset = F(iops_log),
	  .arg_name = "PREFIX",
	  .bare_ok = true,
	  .help = "IOPS log PREFIX_iops.N.log (1 per I/O, or IOPS per log_avg_msec window)" },
	{ .name = "write_lat_log",
	  .type = OPT_STRING,
	  .offset = F(lat_log),
	  .arg_name = "PREFIX",
	  .bare_ok = true,
	  .help = "latency logs PREFIX_slat.N.log, PREFIX_clat.N.log, PREFIX_lat.N.log (ns)" },
	{ .name = "write_hist_log",
	  .type = OPT_STRING,
	  .offset = F(hist_log),
	  .arg_name = "PREFIX",
	  .bare_ok = true,
	  .help = "completion latency histograms PREFIX_clat_hist.N.log every log_hist_msec" },
	{ .name = "per_job_logs",
	  .type = OPT_BOOL,
	  .offset = F(per_job_logs),
	  .def = "1",
	  .help = "the job number in log names (0: one file per prefix, appended to by each job)" },
	{ .name = "log_avg_msec",
	  .type = OPT_INT,
	  .offset = F(avg_msec),
	  .def = "0",
	  .max = INT32_MAX,
	  .help = "one log entry per direction per this many ms (the mean); 0: every I/O" },
	{ .name = "log_hist_msec",
	  .type = OPT_INT,
	  .offset = F(hist_msec),
	  .def = "0",
	  .max = INT32_MAX,
	  .help = "a histogram entry per direction per this many ms (write_hist_log)" },
	{ .name = "log_hist_coarseness",
	  .type = OPT_INT,
	  .offset = F(hist_coarseness),
	  .def = "0",
	  .max = 6,
	  .help = "histogram log: each step halves the 1856 columns" },
	{ .name = "log_max_value",
	  .type = OPT_BOOL,
	  .offset = F(max_value),
	  .def = "0",
	  .help = "log each window's maximum instead of its mean" },
	{ .name = "log_offset",
	  .type = OPT_BOOL,
	  .offset = F(offset),
	  .def = "0",
	  .help = "add each I/O's offset column to the logs" },
	{ .name = "log_prio",
	  .type = OPT_BOOL,
	  .offset = F(prio),
	  .def = "0",
	  .help = "the priority column as the I/O priority value (0x0000) instead of 0/1" },
	{ .name = "log_entries",
	  .type = OPT_INT,
	  .offset = F(entries),
	  .def = "1024",
	  .min = 1024,
	  .max = 1048576,
	  .help = "entries each log holds before it grows" },
	{ .name = "log_compression",
	  .type = OPT_SIZE,
	  .offset = F(compression),
	  .def = "0",
	  .help = "refused: logs are kept uncompressed in memory" },
	{ .name = "log_compression_cpus",
	  .type = OPT_STRING,
	  .offset = F(compression_cpus),
	  .help = "accepted for fio compatibility: no log compression, so no effect" },
	{ .name = "log_store_compressed",
	  .type = OPT_BOOL,
	  .offset = F(store_compressed),
	  .def = "0",
	  .help = "only 0: logs are written as text" },
	{ .name = "log_unix_epoch",
	  .type = OPT_BOOL,
	  .offset = F(unix_epoch),
	  .def = "0",
	  .help = "log times in ms since the Unix epoch instead of the start of the job" },
	{ .name = "log_alternate_epoch",
	  .type = OPT_BOOL,
	  .offset = F(alternate_epoch),
	  .def = "0",
	  .help = "log times on the epoch of log_alternate_epoch_clock_id" },
	{ .name = "log_alternate_epoch_clock_id",
	  .type = OPT_INT,
	  .offset = F(epoch_clock_id),
	  .def = "0",
	  .max = INT32_MAX,
	  .help = "clock_gettime's clock for log_unix_epoch/log_alternate_epoch (0: realtime)" },
	{ .name = "bwavgtime",
	  .type = OPT_INT,
	  .offset = F(bw_avg_msec),
	  .def = "500",
	  .min = 1,
	  .max = INT32_MAX,
	  .help = "bandwidth samples (bw_min, bw_mean, ...) over windows of this many ms" },
	{ .name = "iopsavgtime",
	  .type = OPT_INT,
	  .offset = F(iops_avg_msec),
	  .def = "500",
	  .min = 1,
	  .max = INT32_MAX,
	  .help = "IOPS samples (iops_min, iops_mean, ...) over windows of this many ms" },
	{ .name = "disable_bw_measurement",
	  .alias = "disable_bw",
	  .type = OPT_BOOL,
	  .offset = F(disable_bw),
	  .def = "0",
	  .help = "no per-I/O bandwidth samples (the bw log and bw_* with log_avg_msec=0)" },
	{ 0 }
};

static bool given(const struct blk_job *job, const char *name)
{
	return opt_given(&job->set, name);
}

/* The prefix of a log: the option's value, or the job's name when the key came bare. */
static const char *prefix_of(const struct blk_job *job, const char *value)
{
	return value[0] ? value : job->o.name;
}

/*
 * The directory a log goes to must take new files: found before the run, not when the clone
 * writes its logs at the end.
 */
static int check_log_dir(const struct blk_job *job, const char *option, const char *value,
			 char *err, size_t err_size)
{
	const char *prefix = prefix_of(job, value), *slash = strrchr(prefix, '/');
	char dir[PATH_MAX];

	if (!given(job, option))
		return 0;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == prefix ? 1 : (int)(slash - prefix),
			 prefix);
	if (access(dir, W_OK | X_OK)) {
		int e = errno;
		snprintf(err, err_size, "job %s: --%s=%s: cannot write log files in %s: %s",
			 job->o.name, option, prefix, dir, strerror(e));
		return -e;
	}
	return 0;
}

int blk_log_validate(struct blk_job *job, char *err, size_t err_size)
{
	const struct blk_log_opts *o = &job->o.log;
	struct timespec ts;
	int ret;

	if ((ret = check_log_dir(job, "write_bw_log", o->bw_log, err, err_size)) ||
	    (ret = check_log_dir(job, "write_iops_log", o->iops_log, err, err_size)) ||
	    (ret = check_log_dir(job, "write_lat_log", o->lat_log, err, err_size)) ||
	    (ret = check_log_dir(job, "write_hist_log", o->hist_log, err, err_size)))
		return ret;

	if (o->compression) {
		snprintf(
			err, err_size,
			"job %s: --log_compression=%llu: compressed logs are not supported (pvcbench "
			"keeps log entries uncompressed and writes text)",
			job->o.name, (unsigned long long)o->compression);
		return -EINVAL;
	}
	if (o->store_compressed) {
		snprintf(
			err, err_size,
			"job %s: --log_store_compressed=1: compressed (.fz) logs are not supported",
			job->o.name);
		return -EINVAL;
	}
	if ((o->unix_epoch || o->alternate_epoch) &&
	    clock_gettime((clockid_t)o->epoch_clock_id, &ts)) {
		snprintf(err, err_size, "job %s: --log_alternate_epoch_clock_id=%lld: %s",
			 job->o.name, (long long)o->epoch_clock_id,
			 "no such clock (see clock_gettime(2))");
		return -EINVAL;
	}
	return 0;
}

unsigned blk_plat_index(uint64_t ns)
{
	/* values below 2 * 64 have a bucket each; above, 64 buckets per power of two */
	if (ns < 2 * BLK_PLAT_VAL)
		return (unsigned)ns;
	unsigned msb = 63u - (unsigned)__builtin_clzll(ns);
	unsigned error_bits = msb - BLK_PLAT_BITS;
	unsigned idx = ((error_bits + 1) << BLK_PLAT_BITS) +
		       (unsigned)((ns >> error_bits) & (BLK_PLAT_VAL - 1));
	return idx < BLK_PLAT_NR - 1 ? idx : BLK_PLAT_NR - 1;
}

/*
 * fio's job number in log names: td->thread_number, counting every clone of every job of the
 * run from 1.
 */
static unsigned log_number(const struct blk_clone *clone)
{
	return clone->job->first_thread + clone->clone;
}

static int set_path(char *path, const struct blk_clone *clone, const char *prefix, const char *type,
		    bool per_job)
{
	int n = per_job ? snprintf(path, PATH_MAX, "%s_%s.%u.log", prefix, type, log_number(clone))
			: snprintf(path, PATH_MAX, "%s_%s.log", prefix, type);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int series_open(struct blk_log_series *s, enum blk_log_kind kind, uint64_t avg_msec,
		       const struct blk_clone *clone, const char *prefix, const char *type,
		       bool per_job)
{
	memset(s, 0, sizeof(*s));
	s->on = true;
	s->kind = kind;
	s->avg_msec = avg_msec;
	return set_path(s->path, clone, prefix, type, per_job);
}

/* Engines whose I/O completes inside the submit call: fio logs no submission latency. */
static bool engine_is_sync(const char *name)
{
	static const char *const sync_engines[] = { "sync",   "psync",	 "vsync",
						    "pvsync", "pvsync2", NULL };
	for (unsigned i = 0; name && sync_engines[i]; i++)
		if (!strcmp(name, sync_engines[i]))
			return true;
	return false;
}

int blk_log_open(struct blk_log *l, struct blk_clone *clone, char *why, size_t why_size)
{
	const struct blk_job *job = clone->job;
	const struct blk_log_opts *o = &job->o.log;
	uint64_t avg = (uint64_t)o->avg_msec;
	uint64_t bw_avg = (uint64_t)o->bw_avg_msec, iops_avg = (uint64_t)o->iops_avg_msec;
	bool per_job = o->per_job_logs;
	int ret = 0;

	memset(l, 0, sizeof(*l));
	l->append = !per_job;
	l->sync_slat = engine_is_sync(job->engine_name);
	l->max_value = o->max_value;
	l->offset = o->offset;
	l->prio = o->prio;
	l->bw_disabled = o->disable_bw;
	l->epoch = o->unix_epoch || o->alternate_epoch;
	l->clock_id = (int)o->epoch_clock_id;
	l->first_entries = (size_t)o->entries;
	l->bw_stats = clone->stats ? clone->stats->bw : NULL;
	l->iops_stats = clone->stats ? clone->stats->iops : NULL;

	/*
	 * fio (init.c): a bandwidth log's window is log_avg_msec, or the smaller of it and
	 * bwavgtime when that was given; without bwavgtime the samples follow log_avg_msec, so a
	 * log of every I/O makes every I/O a sample.
	 */
	if (given(job, "write_bw_log")) {
		uint64_t w = avg;
		if (given(job, "bwavgtime"))
			w = avg < bw_avg ? avg : bw_avg;
		else
			bw_avg = avg;
		ret = series_open(&l->bw, BLK_LOG_BW, w, clone, prefix_of(job, o->bw_log), "bw",
				  per_job);
		l->bw_per_io = !w;
	}
	if (!ret && given(job, "write_iops_log")) {
		uint64_t w = avg;
		if (given(job, "iopsavgtime"))
			w = avg < iops_avg ? avg : iops_avg;
		else
			iops_avg = avg;
		ret = series_open(&l->iops, BLK_LOG_IOPS, w, clone, prefix_of(job, o->iops_log),
				  "iops", per_job);
		l->iops_per_io = !w;
	}
	if (!ret && given(job, "write_lat_log")) {
		const char *p = prefix_of(job, o->lat_log);
		ret = series_open(&l->slat, BLK_LOG_SLAT, avg, clone, p, "slat", per_job);
		if (!ret)
			ret = series_open(&l->clat, BLK_LOG_CLAT, avg, clone, p, "clat", per_job);
		if (!ret)
			ret = series_open(&l->lat, BLK_LOG_LAT, avg, clone, p, "lat", per_job);
	}
	if (!ret && given(job, "write_hist_log")) {
		l->hist.on = true;
		l->hist.msec = (uint64_t)o->hist_msec;
		l->hist.stride = 1u << o->hist_coarseness;
		ret = set_path(l->hist.path, clone, prefix_of(job, o->hist_log), "clat_hist",
			       per_job);
	}
	if (ret) {
		snprintf(why, why_size, "log file names longer than %d characters", PATH_MAX - 1);
		return ret;
	}
	l->files = l->bw.on || l->iops.on || l->clat.on || l->hist.on;
	l->bw_rate.avg_msec = l->bw_per_io ? 0 : bw_avg;
	l->iops_rate.avg_msec = l->iops_per_io ? 0 : iops_avg;
	/* the samples behind fio's bw_* and iops_* fields are always kept */
	l->active = true;
	return 0;
}

void blk_log_start(struct blk_log *l, uint64_t now)
{
	l->start_ns = now;
	/* the first I/O takes the slow path of blk_log_io, which sets the clocks (log_first) */
	l->next_sample_ns = 0;
}

static void samples_add(struct blk_samples *s, double v)
{
	if (!s->n || v < s->min)
		s->min = v;
	if (!s->n || v > s->max)
		s->max = v;
	s->n++;
	s->sum += v;
	s->sum_squares += v * v;
}

static void window_add(struct blk_log_window *w, uint64_t v)
{
	double delta = (double)v - w->mean;

	if (!w->n || v > w->max)
		w->max = v;
	w->mean += delta / (double)(w->n + 1);
	w->n++;
}

/* A window's entry, if it saw any sample, at elapsed ms; then the window starts over. */
static void window_flush(struct blk_log *l, struct blk_log_series *s, unsigned dir,
			 uint64_t elapsed)
{
	struct blk_log_window *w = &s->win[dir];

	if (w->n) {
		uint64_t v = l->max_value ? w->max : (uint64_t)(w->mean + 0.50);
		blk_log_series_add(s, l->first_entries, (uint32_t)elapsed, v, dir, 0, 0);
	}
	memset(w, 0, sizeof(*w));
}

/*
 * fio's add_log_sample: every sample, or the window's mean once elapsed is avg_msec past the
 * window's start (the latency logs exactly; the rate logs, sampled from fio's helper thread,
 * with 1 ms of slack).
 */
static void series_sample(struct blk_log *l, struct blk_log_series *s, uint64_t elapsed,
			  uint64_t value, unsigned dir, uint32_t bs, uint64_t offset)
{
	if (!s->avg_msec) {
		blk_log_series_add(s, l->first_entries, (uint32_t)elapsed, value, dir, bs, offset);
		return;
	}
	window_add(&s->win[dir], value);
	if (elapsed < s->win_start[dir])
		return;
	uint64_t this_window = elapsed - s->win_start[dir];
	if (this_window < s->avg_msec) {
		bool exact = s->kind != BLK_LOG_BW && s->kind != BLK_LOG_IOPS;
		if (exact || s->avg_msec - this_window > 1)
			return;
	}
	window_flush(l, s, dir, elapsed);
	s->win_start[dir] = elapsed - elapsed % s->avg_msec;
}

/*
 * The end of the window after now, on the grid of avg_msec from the start: a late sample (a
 * slow I/O, a preempted thread) does not delay the ones after it.
 */
static void rate_next(const struct blk_log *l, struct blk_rate_sampler *r, uint64_t now)
{
	uint64_t step = r->avg_msec * MS;

	r->due_ns = step ? l->start_ns + ((now - l->start_ns) / step + 1) * step : UINT64_MAX;
}

/* fio's __add_samples: a rate per direction that did something since the last sample. */
static void rate_sample(struct blk_log *l, struct blk_rate_sampler *r, struct blk_samples *stats,
			struct blk_log_series *log, bool kib, uint64_t now)
{
	uint64_t spent = (now - r->last_ns) / MS, elapsed = (now - l->start_ns) / MS;

	for (unsigned d = 0; d < BLK_DIRS; d++) {
		uint64_t delta = r->done[d] - r->at_last[d], rate = 0;
		if (!delta)
			continue;
		if (spent)
			rate = kib ? delta * 1000 / spent / 1024 : delta * 1000 / spent;
		if (stats)
			samples_add(&stats[d], (double)rate);
		if (log->on)
			series_sample(l, log, elapsed, rate, d, 0, 0);
		r->at_last[d] = r->done[d];
	}
	r->last_ns = now;
	rate_next(l, r, now);
}

/* The first I/O: time 0 is when it was issued (measurement began no later). */
static void log_first(struct blk_log *l, uint64_t now, uint64_t slat_ns, uint64_t clat_ns)
{
	uint64_t issued = now - slat_ns - clat_ns;

	if (!l->start_ns || issued < l->start_ns)
		l->start_ns = issued;
	if (l->epoch) {
		struct timespec ts = { 0, 0 };
		clock_gettime((clockid_t)l->clock_id, &ts);
		uint64_t since = (now - l->start_ns) / MS;
		uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / MS;
		l->epoch_ms = ms > since ? ms - since : 0;
	}
	for (unsigned d = 0; d < BLK_DIRS && l->hist.on; d++) {
		l->hist.counts[d] = calloc(BLK_PLAT_NR, sizeof(uint64_t));
		if (!l->hist.counts[d])
			l->hist.dropped = true;
	}
	l->bw_rate.last_ns = l->iops_rate.last_ns = l->start_ns;
	rate_next(l, &l->bw_rate, l->start_ns);
	rate_next(l, &l->iops_rate, l->start_ns);
	l->started = true;
}

/* Slow path of blk_log_io: the first I/O, or a bandwidth or IOPS window ended. */
static void log_tick(struct blk_log *l, uint64_t now, uint64_t slat_ns, uint64_t clat_ns)
{
	if (!l->started)
		log_first(l, now, slat_ns, clat_ns);
	if (now >= l->bw_rate.due_ns)
		rate_sample(l, &l->bw_rate, l->bw_stats, &l->bw, true, now);
	if (now >= l->iops_rate.due_ns)
		rate_sample(l, &l->iops_rate, l->iops_stats, &l->iops, false, now);
	uint64_t bw = l->bw_rate.due_ns, iops = l->iops_rate.due_ns;
	l->next_sample_ns = bw < iops ? bw : iops;
}

/* fio's add_clat_sample for the histogram log: the window's counts once it is hist_msec old. */
static void hist_sample(struct blk_log *l, uint64_t elapsed, unsigned dir, uint32_t bs,
			uint64_t clat_ns)
{
	struct blk_hist_log *h = &l->hist;

	/* without log_hist_msec the file stays empty, as fio's */
	if (h->dropped || !h->msec)
		return;
	h->counts[dir][blk_plat_index(clat_ns)]++;
	if (!h->last[dir])
		h->last[dir] = elapsed;
	uint64_t this_window = elapsed - h->last[dir];
	if (this_window < h->msec)
		return;
	size_t cols = BLK_PLAT_NR / h->stride, row = (3 + cols) * sizeof(uint64_t);
	if (h->nrows * row + row > h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64 * row;
		unsigned char *rows = realloc(h->rows, cap);
		if (!rows) {
			h->dropped = true;
			return;
		}
		h->rows = rows;
		h->cap = cap;
	}
	uint64_t *out = (uint64_t *)(h->rows + h->nrows++ * row);
	out[0] = elapsed;
	out[1] = dir;
	out[2] = bs;
	for (size_t c = 0; c < cols; c++) {
		uint64_t sum = 0;
		for (unsigned k = 0; k < h->stride; k++)
			sum += h->counts[dir][c * h->stride + k];
		out[3 + c] = sum;
	}
	memset(h->counts[dir], 0, BLK_PLAT_NR * sizeof(uint64_t));
	/* the next window starts where this one should have ended: no drift */
	h->last[dir] = elapsed - (this_window - h->msec);
}

void blk_log_io(struct blk_log *l, uint64_t now, const struct io_req *r, uint64_t slat_ns,
		uint64_t clat_ns)
{
	unsigned dir = r->dir < BLK_DIRS ? r->dir : IO_READ;

	l->bw_rate.done[dir] += r->len;
	l->iops_rate.done[dir]++;
	if (now >= l->next_sample_ns)
		log_tick(l, now, slat_ns, clat_ns);

	if (!l->files)
		return;
	uint64_t elapsed = now > l->start_ns ? (now - l->start_ns) / MS : 0;
	if (l->slat.on && !l->sync_slat)
		series_sample(l, &l->slat, elapsed, slat_ns, dir, r->len, r->offset);
	if (l->clat.on)
		series_sample(l, &l->clat, elapsed, clat_ns, dir, r->len, r->offset);
	if (l->lat.on)
		series_sample(l, &l->lat, elapsed, slat_ns + clat_ns, dir, r->len, r->offset);
	if (l->hist.on)
		hist_sample(l, elapsed, dir, r->len, clat_ns);
	if (l->bw_per_io && !l->bw_disabled) {
		/* fio's add_bw_sample: the I/O's own rate, bytes over its completion latency */
		uint64_t rate = clat_ns ? (uint64_t)r->len * 1000000ULL / clat_ns : 0;
		if (l->bw_stats)
			samples_add(&l->bw_stats[dir], (double)rate);
		series_sample(l, &l->bw, elapsed, rate, dir, r->len, r->offset);
	}
	if (l->iops_per_io) {
		if (l->iops_stats)
			samples_add(&l->iops_stats[dir], 1.0);
		series_sample(l, &l->iops, elapsed, 1, dir, r->len, r->offset);
	}
}

int blk_log_close(struct blk_log *l, uint64_t now)
{
	if (!l->started) {
		blk_log_free(l);
		return 0;
	}
	/* a bandwidth or IOPS window that ended (within fio's 1 ms of slack) with no I/O after it */
	if (now + MS >= l->bw_rate.due_ns)
		rate_sample(l, &l->bw_rate, l->bw_stats, &l->bw, true, now);
	if (now + MS >= l->iops_rate.due_ns)
		rate_sample(l, &l->iops_rate, l->iops_stats, &l->iops, false, now);
	/* fio's finalize_logs: the partial windows, read before write before trim */
	uint64_t elapsed = now > l->start_ns ? (now - l->start_ns) / MS : 0;
	struct blk_log_series *all[] = { &l->bw, &l->iops, &l->slat, &l->clat, &l->lat };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		for (unsigned d = 0; d < BLK_DIRS && all[i]->on && all[i]->avg_msec; d++)
			window_flush(l, all[i], d, elapsed);
	bool dropped = l->bw.dropped || l->iops.dropped || l->slat.dropped || l->clat.dropped ||
		       l->lat.dropped || l->hist.dropped;
	int ret = blk_log_write_files(l);
	/* fio goes on without the entries it had no memory for; the files say less than the run */
	return ret ? ret : dropped ? -ENOMEM : 0;
}
