/*
 * pace.c - the pacing options (rate, rate_iops, rate_min, thinktime, startdelay, ...) and when
 * each I/O of a clone may be issued.
 *
 * Everything here is decided before an I/O is issued (blk_pace_due), from counts the clone keeps
 * itself: bytes and I/Os issued per direction, completions reported by blk_pace_think. Time is
 * clock.h's. The rate schedule starts at the clone's first I/O, after its start delay.
 */
#define _GNU_SOURCE
#include "block.h"
#include "pvcbench/clock.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define F(field) offsetof(struct blk_options, pace.field)
#define SEC 1000000000ULL
#define USEC 1000ULL
/* fio lets a job settle this long before rate_min is checked */
#define MIN_RATE_SETTLE_NS (2 * SEC)
/* a wait sleeps at most this long at a time, so a stop request is seen soon */
#define WAIT_SLICE_NS (100 * 1000000ULL)

static const char *const process_choices[] = { "linear", "poisson", NULL };
static const char *const blocks_type_choices[] = { "complete", "issue", NULL };

const struct option_def blk_pace_option_defs[] = {
	{ .name = "rate",
	  .type = OPT_STRING,
	  .offset = F(rate),
	  .help = "bandwidth cap in bytes/s per direction: 1m (each), 1m,2m (read,write), ,2m (writes only)" },
	{ .name = "rate_iops",
	  .type = OPT_STRING,
	  .offset = F(rate_iops),
	  .help = "I/Os per second cap per direction, as rate (rate wins when both are set)" },
	{ .name = "rate_min",
	  .alias = "ratemin",
	  .type = OPT_STRING,
	  .offset = F(rate_min),
	  .help = "with rate or rate_iops: fail the job when its bandwidth falls below this over rate_cycle" },
	{ .name = "rate_iops_min",
	  .type = OPT_STRING,
	  .offset = F(rate_iops_min),
	  .help = "with rate or rate_iops: fail the job when its I/Os per second fall below this" },
	{ .name = "rate_process",
	  .type = OPT_CHOICE,
	  .offset = F(rate_process),
	  .def = "linear",
	  .choices = process_choices,
	  .help = "how rated I/Os are spaced: evenly, or as a Poisson process of the same mean" },
	{ .name = "rate_cycle",
	  .alias = "ratecycle",
	  .type = OPT_INT,
	  .offset = F(rate_cycle),
	  .def = "1000",
	  .min = 1,
	  .max = 86400000,
	  .help = "milliseconds over which rate_min and rate_iops_min are averaged" },
	{ .name = "rate_ignore_thinktime",
	  .type = OPT_BOOL,
	  .offset = F(rate_ignore_thinktime),
	  .def = "0",
	  .help = "the rate schedule moves by the think time instead of catching up after it" },
	{ .name = "thinktime",
	  .type = OPT_TIME,
	  .offset = F(thinktime),
	  .def = "0",
	  .unit_ns = USEC,
	  .help = "pause this long after every thinktime_blocks I/Os (bare number: microseconds)" },
	{ .name = "thinktime_spin",
	  .type = OPT_TIME,
	  .offset = F(thinktime_spin),
	  .def = "0",
	  .unit_ns = USEC,
	  .help = "spend this much of each think time busy on the CPU (bare number: microseconds)" },
	{ .name = "thinktime_blocks",
	  .type = OPT_INT,
	  .offset = F(thinktime_blocks),
	  .def = "1",
	  .min = 0,
	  .help = "I/Os between think times" },
	{ .name = "thinktime_blocks_type",
	  .type = OPT_CHOICE,
	  .offset = F(thinktime_blocks_type),
	  .def = "complete",
	  .choices = blocks_type_choices,
	  .help = "whether thinktime_blocks counts completed or issued I/Os" },
	{ .name = "thinktime_iotime",
	  .type = OPT_TIME,
	  .offset = F(thinktime_iotime),
	  .def = "0",
	  .unit_ns = SEC,
	  .help = "think after this much time of I/O (with thinktime; bare number: seconds)" },
	{ .name = "startdelay",
	  .type = OPT_STRING,
	  .offset = F(startdelay),
	  .def = "0",
	  .help = "start the job this long after the others (a range a-b: a random time in it), not measured" },
	{ .name = "max_latency",
	  .type = OPT_REFUSED,
	  .help = "a job that fails on one slow I/O; read the latency percentiles instead" },
	{ .name = "latency_target",
	  .type = OPT_REFUSED,
	  .help = "fio's search for the queue depth that meets a latency; run each depth as its own job" },
	{ .name = "latency_window",
	  .type = OPT_REFUSED,
	  .help = "part of latency_target, which is not supported" },
	{ .name = "latency_percentile",
	  .type = OPT_REFUSED,
	  .help = "part of latency_target, which is not supported" },
	{ .name = "latency_run",
	  .type = OPT_REFUSED,
	  .help = "part of latency_target, which is not supported" },
	{ 0 }
};

int blk_pace_parse_dirs(const char *text, uint64_t out[BLK_PACE_DIRS])
{
	char buf[OPT_STRING_MAX];
	char *item, *rest;
	unsigned n = 0;

	memset(out, 0, BLK_PACE_DIRS * sizeof(out[0]));
	if (!text[0])
		return 0;
	snprintf(buf, sizeof(buf), "%s", text);
	rest = buf;
	while ((item = strsep(&rest, ",")) != NULL) {
		if (n == BLK_PACE_DIRS)
			return -EINVAL;
		if (item[0] && opt_parse_size(item, &out[n]))
			return -EINVAL;
		n++;
	}
	/* one value without a comma is every direction's, as in fio */
	if (n == 1)
		out[1] = out[2] = out[0];
	return 0;
}

int blk_pace_parse_delay(const char *text, uint64_t *lo_ns, uint64_t *hi_ns)
{
	char buf[OPT_STRING_MAX];
	char *dash;

	snprintf(buf, sizeof(buf), "%s", text);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (!buf[0] || opt_parse_time(buf, SEC, lo_ns))
		return -EINVAL;
	*hi_ns = *lo_ns;
	if (dash && (!dash[1] || opt_parse_time(dash + 1, SEC, hi_ns) || *hi_ns < *lo_ns))
		return -EINVAL;
	return 0;
}

static const char *const dir_names[BLK_PACE_DIRS] = { "reads", "writes", "trims" };

static int bad(const struct blk_job *job, char *err, size_t err_size, const char *name,
	       const char *value, const char *allowed)
{
	snprintf(err, err_size, "job %s: --%s=%s: %s", job->o.name, name, value, allowed);
	return -EINVAL;
}

/* The block size an IOPS rate of direction d counts in: fio's min_bs of that direction. */
static uint64_t iops_bs(const struct blk_job *job, unsigned d)
{
	uint64_t bs = d < 3 ? job->o.pat.dir[d].min : 0;

	return bs ? bs : job->o.bs;
}

int blk_pace_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_pace_opts *o = &job->o.pace;
	static const char dirs_allowed[] =
		"expected a value for every direction (4m) or read,write[,trim] (1m,2m or ,2m), with k/m/g suffixes";

	if (blk_pace_parse_dirs(o->rate, o->bps))
		return bad(job, err, err_size, "rate", o->rate, dirs_allowed);
	if (blk_pace_parse_dirs(o->rate_iops, o->iops))
		return bad(job, err, err_size, "rate_iops", o->rate_iops, dirs_allowed);
	if (blk_pace_parse_dirs(o->rate_min, o->min_bps))
		return bad(job, err, err_size, "rate_min", o->rate_min, dirs_allowed);
	if (blk_pace_parse_dirs(o->rate_iops_min, o->min_iops))
		return bad(job, err, err_size, "rate_iops_min", o->rate_iops_min, dirs_allowed);
	if (blk_pace_parse_delay(o->startdelay, &o->startdelay_lo, &o->startdelay_hi))
		return bad(
			job, err, err_size, "startdelay", o->startdelay,
			"expected a time (10s, 500ms; bare number: seconds) or a range of two (1-10)");
	for (unsigned d = 0; d < BLK_PACE_DIRS; d++) {
		/* fio's rule: rate is the cap when both are given */
		uint64_t bs = iops_bs(job, d);
		uint64_t cap = o->bps[d] ? o->bps[d] : o->iops[d] * bs;
		uint64_t floor = o->min_bps[d] ? o->min_bps[d] : o->min_iops[d] * bs;
		if (cap && floor > cap) {
			snprintf(
				err, err_size,
				"job %s: the minimum rate of %s (%llu B/s) exceeds their rate (%llu B/s)",
				job->o.name, dir_names[d], (unsigned long long)floor,
				(unsigned long long)cap);
			return -EINVAL;
		}
	}
	if (o->thinktime_spin > o->thinktime) {
		snprintf(err, err_size, "job %s: --thinktime_spin is longer than --thinktime",
			 job->o.name);
		return -EINVAL;
	}
	return 0;
}

uint64_t blk_pace_startdelay(const struct blk_job *job)
{
	const struct blk_pace_opts *o = &job->o.pace;
	uint64_t h = 1469598103934665603ULL, rng[2];

	if (o->startdelay_hi <= o->startdelay_lo)
		return o->startdelay_lo;
	for (const char *c = job->o.name; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	/* one draw per job: group.c and the clones' pace must agree on it (see report) */
	if (!job->o.randrepeat)
		h ^= (uint64_t)(uintptr_t)job * 0x9e3779b97f4a7c15ULL;
	rng_seed(rng, h);
	return (uint64_t)rng_range(rng, (int64_t)o->startdelay_lo, (int64_t)o->startdelay_hi);
}

void blk_pace_adjust_spec(const struct blk_job *job, struct worker_spec *spec)
{
	/* the delay is part of the unmeasured start, as fio leaves it out of the runtime */
	spec->ramp_ns += blk_pace_startdelay(job);
}

int blk_pace_init(struct blk_pace *p, const struct blk_clone *clone, char *why, size_t why_size)
{
	const struct blk_job *job = clone->job;
	const struct blk_pace_opts *o = &job->o.pace;
	bool capped = false, floors = false;

	(void)why;
	(void)why_size;
	memset(p, 0, sizeof(*p));
	p->name = job->o.name;
	p->stats = clone->stats;
	p->poisson = !strcmp(o->rate_process, "poisson");
	rng_seed(p->rng, clone->seed ^ 0x7f4a7c159e3779b9ULL);
	for (unsigned d = 0; d < BLK_PACE_DIRS; d++) {
		uint64_t bs = iops_bs(job, d);
		p->bps[d] = o->bps[d] ? o->bps[d] : o->iops[d] * bs;
		if (p->bps[d]) {
			capped = true;
			p->gap_ns[d] = (uint64_t)((unsigned __int128)bs * SEC / p->bps[d]);
		}
		p->min_bps[d] = o->min_bps[d];
		p->min_iops[d] = o->min_bps[d] ? 0 : o->min_iops[d];
		floors |= p->min_bps[d] || p->min_iops[d];
	}
	p->rated = capped;
	p->mixed = job->reads && job->writes;
	/* as in fio, the minimum is only checked on a rate-limited job */
	p->check_min = capped && floors;
	p->cycle_ns = (uint64_t)o->rate_cycle * 1000000ULL;
	p->think_ns = o->thinktime;
	p->spin_ns = o->thinktime_spin;
	p->iotime_ns = o->thinktime_iotime;
	p->blocks = (uint64_t)o->thinktime_blocks;
	/* with thinktime_iotime alone, fio does not count blocks (their default 1 would win) */
	p->think_blocks = !p->iotime_ns || opt_given(&job->set, "thinktime_blocks");
	p->think_issue = !strcmp(o->thinktime_blocks_type, "issue");
	p->ignore_think = o->rate_ignore_thinktime;
	p->delay_ns = blk_pace_startdelay(job);
	p->ramp_ns = job->o.ramp_time;
	p->runtime_ns = job->o.runtime;
	p->active = p->rated || p->think_ns || p->delay_ns;
	return 0;
}

/* The first I/O: the schedule, the think time's clock and the run's end start now. */
static void pace_start(struct blk_pace *p, uint64_t now)
{
	p->started = true;
	p->epoch = now + p->delay_ns;
	p->last_think_at = p->epoch;
	p->deadline_ns = p->runtime_ns ? p->epoch + p->ramp_ns + p->runtime_ns : 0;
	/* the first check only takes the counts: the next one, a cycle later, compares */
	p->check_at = p->epoch + p->ramp_ns + MIN_RATE_SETTLE_NS;
}

/* Whether the think time is due before the next I/O: fio checks after each I/O. */
static bool think_due(struct blk_pace *p, uint64_t now)
{
	/* without reports of completions (depth 1), what was issued has completed */
	uint64_t count = p->think_issue || !p->completions ? p->issued : p->completed;

	/* fio measures from the start of the last think time (at first, of the job) */
	if (p->iotime_ns && now - p->last_think_at >= p->iotime_ns + p->think_ns)
		return true;
	return p->think_blocks && p->issued && count >= p->last_think_count + p->blocks;
}

static void think_start(struct blk_pace *p, uint64_t now)
{
	p->last_think_count = p->think_issue || !p->completions ? p->issued : p->completed;
	p->think_until = now + p->think_ns;
	p->spin_until = now + p->spin_ns;
	p->last_think_at = now;
	/* the rate resumes after the pause instead of catching up on it */
	if (p->ignore_think && p->rated)
		p->epoch += p->think_ns;
}

/*
 * rate_min and rate_iops_min, every rate_cycle once the job has settled, as fio: false when
 * a direction fell below its minimum (p->why says which).
 */
static bool min_rate_kept(struct blk_pace *p, uint64_t now)
{
	uint64_t spent = now - p->last_check;

	for (unsigned d = 0; d < BLK_PACE_DIRS && p->sampled && spent; d++) {
		uint64_t bytes = p->bytes[d] - p->last_bytes[d], ios = p->ios[d] - p->last_ios[d];
		uint64_t bps = (uint64_t)((unsigned __int128)bytes * SEC / spent);
		uint64_t iops = (uint64_t)((unsigned __int128)ios * SEC / spent);
		if (!p->bytes[d])
			continue; /* fio checks the directions that did I/O */
		if (p->min_bps[d] && bps < p->min_bps[d]) {
			snprintf(p->why, sizeof(p->why),
				 "%s: rate_min=%lluB/s not met, got %lluB/s", p->name,
				 (unsigned long long)p->min_bps[d], (unsigned long long)bps);
			return false;
		}
		if (p->min_iops[d] && iops < p->min_iops[d]) {
			snprintf(p->why, sizeof(p->why),
				 "%s: rate_iops_min=%llu not met, got %llu IOPS", p->name,
				 (unsigned long long)p->min_iops[d], (unsigned long long)iops);
			return false;
		}
	}
	memcpy(p->last_bytes, p->bytes, sizeof(p->bytes));
	memcpy(p->last_ios, p->ios, sizeof(p->ios));
	p->sampled = true;
	p->last_check = now;
	p->check_at = now + p->cycle_ns;
	return true;
}

/* When the schedule wants the next I/O of dir (ns), advancing it by bytes. */
static uint64_t schedule_next(struct blk_pace *p, unsigned dir, uint32_t bytes)
{
	uint64_t at;

	if (p->poisson) {
		/* as fio: the first at the start, each next one an exponential gap later */
		at = p->epoch + p->sent[dir];
		p->sent[dir] += rng_exponential(p->rng, p->gap_ns[dir]);
		return at;
	}
	at = p->epoch + (uint64_t)((unsigned __int128)p->sent[dir] * SEC / p->bps[dir]);
	p->sent[dir] += bytes;
	return at;
}

/* When dir's next I/O is due without advancing anything; 0 for a direction without a cap. */
static uint64_t next_due(const struct blk_pace *p, unsigned dir)
{
	if (!p->bps[dir])
		return 0;
	if (!p->started)
		return 0; /* the first I/O of each direction is due at the start */
	if (p->poisson)
		return p->epoch + p->sent[dir];
	return p->epoch + (uint64_t)((unsigned __int128)p->sent[dir] * SEC / p->bps[dir]);
}

unsigned blk_pace_pick_dir(const struct blk_pace *p, unsigned dir, uint64_t now)
{
	unsigned other = dir ^ 1;
	uint64_t mine, theirs;

	if (!p->rated || !p->mixed || dir > 1)
		return dir;
	mine = next_due(p, dir);
	if (mine <= now)
		return dir;
	theirs = next_due(p, other);
	if (theirs <= now)
		return other;
	return theirs < mine ? other : dir;
}

uint64_t blk_pace_due(struct blk_pace *p, unsigned dir, uint32_t bytes, uint64_t now)
{
	uint64_t due = now;

	if (p->error)
		return BLK_PACE_STOP;
	if (!p->started)
		pace_start(p, now);
	if (dir >= BLK_PACE_DIRS)
		dir = BLK_PACE_DIRS - 1;
	if (p->think_ns && think_due(p, now))
		think_start(p, now);
	if (p->check_min && now >= p->check_at && !min_rate_kept(p, now)) {
		p->error = -EIO;
		return BLK_PACE_STOP;
	}
	if (p->bps[dir]) {
		due = schedule_next(p, dir, bytes);
		if (due < now && p->stats && now - due > p->stats->behind_max_ns)
			p->stats->behind_max_ns = now - due;
	}
	/*
	 * A start delay or a think time still to come holds even an I/O that is behind its
	 * schedule; once over, the schedule's time stands (the I/O is late, and says so).
	 */
	uint64_t hold = p->epoch > p->think_until ? p->epoch : p->think_until;
	if (hold > now && due < hold)
		due = hold;
	p->issued++;
	p->bytes[dir] += bytes;
	p->ios[dir]++;
	return due;
}

uint64_t blk_pace_think(struct blk_pace *p, uint64_t now)
{
	p->completions = true;
	p->completed++;
	if (!p->think_ns || p->think_issue || !p->think_blocks ||
	    p->completed < p->last_think_count + p->blocks)
		return 0;
	return now + p->think_ns;
}

bool blk_pace_wait(struct blk_pace *p, uint64_t t)
{
	bool cut = false;

	if (t == BLK_PACE_STOP)
		return false;
	if (p->deadline_ns && t > p->deadline_ns) {
		/* a pause past the end of the run ends it, as fio does */
		t = p->deadline_ns;
		cut = true;
	}
	for (;;) {
		uint64_t now = clock_now_ns();

		if (signals_stop_requested() ||
		    (p->run_stopped && atomic_load_explicit(p->run_stopped, memory_order_relaxed)))
			return false;
		if (now >= t)
			break;
		if (now < p->spin_until && now < t)
			continue; /* thinktime_spin: busy, as fio spins */
		uint64_t until = t - now > WAIT_SLICE_NS ? now + WAIT_SLICE_NS : t;
		struct timespec ts = { .tv_sec = (time_t)(until / SEC),
				       .tv_nsec = (long)(until % SEC) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return !cut;
}
