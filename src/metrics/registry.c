/*
 * registry.c - the live metrics registry (metrics.h): what the runner's reporter and the command
 * publish, kept under one mutex until the endpoint or the pusher renders it; and the module's
 * start and stop.
 *
 * The registry is the process's one set of live metrics, as the endpoint is its one port, so it
 * is a single static object rather than a handle passed around: every publisher is outside the
 * hot path (reporter thread, command), and workers never reach it. Each (run, job, op) keeps a
 * copy of the run's cumulative op_stats (a histogram is ~37 KB): a publish replaces it, and the
 * exposition sums the runs of one (job, op) by merging their histograms, so sums are exact and a
 * job name used by two runs never makes a counter go down.
 */
#define _GNU_SOURCE
#include "metrics_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvcbench/clock.h"

pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
struct metrics_registry metrics_reg;
static struct metrics_config metrics_cfg;

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, METRICS_NAME_MAX, "%s", src ? src : "");
}

static void registry_free_locked(void)
{
	for (unsigned i = 0; i < metrics_reg.nops; i++)
		free(metrics_reg.ops[i]);
	free(metrics_reg.ops);
	free(metrics_reg.live);
	free(metrics_reg.engines);
	memset(&metrics_reg, 0, sizeof(metrics_reg));
}

int metrics_registry_open(const char *workload)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&metrics_lock);
	registry_free_locked();
	copy_name(metrics_reg.workload, workload);
	metrics_reg.phase = METRICS_SETUP;
	metrics_reg.start_unix_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	metrics_reg.on = true;
	pthread_mutex_unlock(&metrics_lock);
	return 0;
}

void metrics_registry_close(void)
{
	pthread_mutex_lock(&metrics_lock);
	registry_free_locked();
	pthread_mutex_unlock(&metrics_lock);
}

bool metrics_on(void)
{
	bool on;

	pthread_mutex_lock(&metrics_lock);
	on = metrics_reg.on;
	pthread_mutex_unlock(&metrics_lock);
	return on;
}

/* Grows an array of size elements to hold one more. */
static int grow(void **arr, unsigned n, unsigned *cap, size_t size)
{
	if (n < *cap)
		return 0;
	unsigned ncap = *cap ? 2 * *cap : 8;
	void *p = realloc(*arr, (size_t)ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

void metrics_set_phase(enum metrics_phase phase)
{
	pthread_mutex_lock(&metrics_lock);
	if (metrics_reg.on)
		metrics_reg.phase = phase;
	pthread_mutex_unlock(&metrics_lock);
}

void metrics_set_engine(const char *job, const char *engine)
{
	struct metrics_registry *r = &metrics_reg;

	pthread_mutex_lock(&metrics_lock);
	if (!r->on || !job)
		goto out;
	for (unsigned i = 0; i < r->nengines; i++) {
		if (!strcmp(r->engines[i].job, job)) {
			copy_name(r->engines[i].engine, engine);
			goto out;
		}
	}
	if (grow((void **)&r->engines, r->nengines, &r->engines_cap, sizeof(*r->engines)))
		goto out;
	copy_name(r->engines[r->nengines].job, job);
	copy_name(r->engines[r->nengines].engine, engine);
	r->nengines++;
out:
	pthread_mutex_unlock(&metrics_lock);
}

void metrics_publish_op(unsigned run, const char *job, const char *op, const struct op_stats *s)
{
	struct metrics_registry *r = &metrics_reg;
	struct metrics_op_entry *e = NULL;

	if (!job || !op || !s)
		return;
	pthread_mutex_lock(&metrics_lock);
	if (!r->on)
		goto out;
	for (unsigned i = 0; i < r->nops && !e; i++)
		if (r->ops[i]->run == run && !strcmp(r->ops[i]->job, job) &&
		    !strcmp(r->ops[i]->op, op))
			e = r->ops[i];
	if (!e) {
		/* a series that cannot be kept is left out, never reported wrong */
		if (grow((void **)&r->ops, r->nops, &r->ops_cap, sizeof(*r->ops)))
			goto out;
		e = malloc(sizeof(*e));
		if (!e)
			goto out;
		e->run = run;
		copy_name(e->job, job);
		copy_name(e->op, op);
		r->ops[r->nops++] = e;
	}
	memcpy(&e->s, s, sizeof(*s));
out:
	pthread_mutex_unlock(&metrics_lock);
}

void metrics_publish_live(unsigned run, const char *job, const struct metrics_live *l)
{
	struct metrics_registry *r = &metrics_reg;
	struct metrics_live_entry *e = NULL;

	if (!job || !l)
		return;
	pthread_mutex_lock(&metrics_lock);
	if (!r->on)
		goto out;
	for (unsigned i = 0; i < r->nlive && !e; i++)
		if (r->live[i].run == run && !strcmp(r->live[i].job, job))
			e = &r->live[i];
	if (!e) {
		if (grow((void **)&r->live, r->nlive, &r->live_cap, sizeof(*r->live)))
			goto out;
		e = &r->live[r->nlive++];
		e->run = run;
		copy_name(e->job, job);
		e->first_seen_ns = clock_now_ns();
	}
	e->l = *l;
	e->sampled_ns = clock_now_ns();
out:
	pthread_mutex_unlock(&metrics_lock);
}

static bool has_name(char **names, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static int add_name(char ***names, unsigned *n, unsigned *cap, const char *name)
{
	if (has_name(*names, *n, name))
		return 0;
	if (grow((void **)names, *n, cap, sizeof(**names)))
		return -ENOMEM;
	(*names)[*n] = strdup(name);
	if (!(*names)[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

char **metrics_job_names(unsigned *n)
{
	struct metrics_registry *r = &metrics_reg;
	char **names = NULL;
	unsigned cap = 0;
	int ret = 0;

	*n = 0;
	pthread_mutex_lock(&metrics_lock);
	for (unsigned i = 0; !ret && i < r->nops; i++)
		ret = add_name(&names, n, &cap, r->ops[i]->job);
	for (unsigned i = 0; !ret && i < r->nlive; i++)
		ret = add_name(&names, n, &cap, r->live[i].job);
	for (unsigned i = 0; !ret && i < r->nengines; i++)
		ret = add_name(&names, n, &cap, r->engines[i].job);
	pthread_mutex_unlock(&metrics_lock);
	return names;
}

char *metrics_render_group(const char *job_group, bool process, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	pthread_mutex_lock(&metrics_lock);
	metrics_render_locked(f, job_group, process);
	pthread_mutex_unlock(&metrics_lock);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = size;
	return buf;
}

char *metrics_render(size_t *len)
{
	return metrics_render_group(NULL, true, len);
}

int metrics_start(const struct metrics_config *cfg, const char *workload, char *err,
		  size_t err_size)
{
	int ret;

	if (!cfg->listen[0] && !cfg->push_url[0])
		return 0;
	metrics_cfg = *cfg;
	ret = metrics_registry_open(workload);
	if (!ret && cfg->listen[0])
		ret = metrics_server_start(cfg->listen, err, err_size);
	if (!ret && cfg->push_url[0]) {
		ret = metrics_push_start(cfg->push_url, cfg->push_interval_ns, err, err_size);
		if (ret)
			metrics_server_stop(0);
	}
	if (ret)
		metrics_registry_close();
	return ret;
}

unsigned metrics_port(void)
{
	return metrics_server_port();
}

void metrics_stop(void)
{
	bool measured;

	if (!metrics_on())
		return;
	metrics_set_phase(METRICS_DONE);
	metrics_server_final();
	metrics_push_stop();
	pthread_mutex_lock(&metrics_lock);
	measured = metrics_reg.nops > 0;
	pthread_mutex_unlock(&metrics_lock);
	/* a command that failed before measuring anything has no final figures to wait for */
	metrics_server_stop(measured ? metrics_cfg.linger_ns : 0);
	metrics_registry_close();
}
