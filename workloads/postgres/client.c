/*
 * client.c - one thread's share of the clients: it connects them before the common start (as
 * pgbench does, and measured), then waits for all of their sockets in one ppoll() and moves
 * each client whose socket is ready or whose time has come one step on (client_step.c). At the
 * end of the run, transactions under way finish and count, so that processed equals what the
 * database committed.
 */
#define _GNU_SOURCE /* ppoll */
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/clock.h"
#include "pvcbench/rng.h"

#define POLL_CAP_NS 100000000ULL	    /* wake at least every 100 ms to see a stop request */
#define DRAIN_AFTER_SIGNAL_NS 1000000000ULL /* after SIGTERM, wait this long for results */

/*
 * One round: step the clients that wait for no socket (idle ones start, -R ones whose time
 * came), wait for the sockets until the earliest deadline (at most until wake_ns), and step
 * the clients whose socket is ready or whose connect deadline may have passed. Returns -errno
 * if ppoll itself failed.
 */
static int poll_round(struct pgb_thread *t, uint64_t wake_ns)
{
	uint64_t now = clock_now_ns();
	unsigned n = 0;

	for (unsigned i = 0; i < t->n; i++) {
		struct pgb_client *c = &t->clients[i];
		if (!pgb_client_waits_on_socket(c))
			pgb_client_step(t, c, 0, now);
		if (c->state == CS_THROTTLE && c->scheduled_ns < wake_ns)
			wake_ns = c->scheduled_ns;
		if (c->state == CS_CONNECTING && c->conn_deadline_ns < wake_ns)
			wake_ns = c->conn_deadline_ns;
		if ((c->state == CS_SLEEP || c->state == CS_RECONNECT) &&
		    c->sleep_until_ns < wake_ns)
			wake_ns = c->sleep_until_ns;
		/* a script of meta-commands alone yielded at its end: go on at once */
		if (c->state == CS_IDLE && t->running)
			wake_ns = now;
		if (!pgb_client_waits_on_socket(c))
			continue;
		t->pfd[n].fd = PQsocket(c->conn);
		t->pfd[n].events = (short)(c->want_write ? POLLOUT : POLLIN);
		if (c->state != CS_CONNECTING && c->want_write)
			t->pfd[n].events |= POLLIN;
		t->pfd[n].revents = 0;
		t->pfd_client[n++] = i;
	}
	if (!t->live)
		return 0;
	uint64_t wait = wake_ns > now ? wake_ns - now : 0;
	if (wait > POLL_CAP_NS)
		wait = POLL_CAP_NS;
	struct timespec tmo = { (time_t)(wait / 1000000000ULL), (long)(wait % 1000000000ULL) };
	int ready = ppoll(t->pfd, n, &tmo, NULL);
	if (ready < 0) {
		if (errno == EINTR)
			return 0;
		return -errno;
	}
	now = clock_now_ns();
	for (unsigned k = 0; k < n; k++)
		pgb_client_step(t, &t->clients[t->pfd_client[k]], t->pfd[k].revents, now);
	return 0;
}

static bool connecting(const struct pgb_client *c)
{
	return c->state == CS_CONNECTING;
}

/* pgbench's variables of a client, before its first transaction */
static int client_vars(const struct pgb_run *run, struct pgb_client *c)
{
	const struct pgb_scripts *ss = run->scripts;
	int ret = pgb_vars_init(&c->vars, &ss->vars);

	for (unsigned i = 0; !ret && i < ss->ndefines; i++) {
		const struct pgb_define *d = &ss->defines[i];
		ret = pgb_var_set_string(&c->vars, d->slot, d->value, strlen(d->value));
	}
	if (ret)
		return ret;
	struct pgb_value v = { .type = PGB_V_INT };
	if (!ss->scale_defined && ss->var_scale >= 0) {
		v.u.i = run->scale;
		pgb_var_set_value(&c->vars, ss->var_scale, &v);
	}
	if (!ss->client_id_defined && ss->var_client_id >= 0) {
		v.u.i = c->id;
		pgb_var_set_value(&c->vars, ss->var_client_id, &v);
	}
	if (!ss->default_seed_defined && ss->var_default_seed >= 0) {
		v.u.i = run->default_seed;
		pgb_var_set_value(&c->vars, ss->var_default_seed, &v);
	}
	if (!ss->random_seed_defined && ss->var_random_seed >= 0) {
		v.u.i = (int64_t)run->cfg->seed;
		pgb_var_set_value(&c->vars, ss->var_random_seed, &v);
	}
	return 0;
}

/* The most parameters any SQL command has: the size of each client's pointer array */
static unsigned max_params(const struct pgb_scripts *ss)
{
	unsigned n = 1;

	for (unsigned i = 0; i < ss->n; i++)
		for (unsigned k = 0; k < ss->s[i].ncmds; k++)
			if (ss->s[i].cmds[k].type == PGB_CMD_SQL &&
			    ss->s[i].cmds[k].sql.nparams > n)
				n = ss->s[i].cmds[k].sql.nparams;
	return n;
}

int pgb_worker_init(struct worker *w)
{
	const struct pgb_thread_spec *spec = worker_arg(w);
	const struct pgb_run *run = spec->run;
	const struct pgb_scripts *ss = run->scripts;
	struct pgb_thread *t = calloc(1, sizeof(*t));
	unsigned nparams = max_params(ss);

	if (!t)
		return -ENOMEM;
	worker_set_state(w, t);
	t->spec = spec;
	t->run = run;
	t->res = spec->result;
	t->w = w;
	t->n = spec->nclients;
	t->res->clients = spec->nclients;
	t->res->scripts = calloc(ss->n, sizeof(*t->res->scripts));
	t->res->cmds = calloc(ss->total_cmds ? ss->total_cmds : 1, sizeof(*t->res->cmds));
	t->clients = calloc(t->n, sizeof(*t->clients));
	t->pfd = calloc(t->n, sizeof(*t->pfd));
	t->pfd_client = calloc(t->n, sizeof(*t->pfd_client));
	if (!t->clients || !t->pfd || !t->pfd_client || !t->res->scripts || !t->res->cmds)
		return -ENOMEM;
	if (run->cfg->log) {
		char err[512];
		t->log = pgb_txlog_open(run->cfg, worker_id(w), clock_now_ns(), err, sizeof(err));
		if (!t->log)
			return worker_fail(w, -EIO, "%s", err);
	}
	rng_seed(t->rng, run->cfg->seed ^ (0x5851f42d4c957f2dULL * (worker_id(w) + 1)));
	/* pgbench's order of draws from its base sequence: each client, :default_seed unless
	 * -D set it, then each thread's choice, throttle and sample states */
	uint64_t base[2];
	pgb_prng_seed(base, run->cfg->seed);
	for (uint64_t i = 0;
	     i < (uint64_t)run->cfg->clients + !ss->default_seed_defined + 3ULL * worker_id(w); i++)
		pgb_prng_next(base);
	pgb_prng_seed(t->choose_rng, pgb_prng_next(base));
	pgb_prng_seed(base, run->cfg->seed);
	for (unsigned i = 0; i < spec->first_client; i++)
		pgb_prng_next(base);
	for (unsigned i = 0; i < t->n; i++) {
		struct pgb_client *c = &t->clients[i];
		c->id = spec->first_client + i;
		/* -C: each transaction connects; else all connect before the start, below */
		c->state = run->cfg->connect ? CS_IDLE : CS_CONNECT;
		c->params = calloc(nparams, sizeof(*c->params));
		if (run->mode == PGB_PREPARED)
			c->prepared =
				calloc(ss->total_cmds ? ss->total_cmds : 1, sizeof(*c->prepared));
		if (!c->params || (run->mode == PGB_PREPARED && !c->prepared) ||
		    client_vars(run, c))
			return -ENOMEM;
		pgb_prng_seed(c->rng, pgb_prng_next(base));
	}

	t->live = t->n;
	if (run->cfg->connect)
		return 0;
	/* connect every client before the common start, as pgbench does; measured */
	uint64_t start = clock_now_ns();
	for (unsigned i = 0; i < t->n; i++)
		pgb_client_step(t, &t->clients[i], 0, start);
	for (;;) {
		bool pending = false;
		for (unsigned i = 0; i < t->n; i++)
			pending |= connecting(&t->clients[i]);
		if (!pending || signals_stop_requested())
			break;
		int ret = poll_round(t, UINT64_MAX);
		if (ret)
			return worker_fail(w, ret, "thread %u: poll: %s", worker_id(w),
					   strerror(-ret));
	}
	t->res->initial_conn_ns = clock_now_ns() - start;
	return 0;
}

/*
 * The run is over (-T reached, or a stop request). As pgbench does, a transaction under way
 * completes and counts, so that processed equals what the database committed; clients that
 * are waiting, connecting or preparing stop now. Bounded: by the connect timeout after -T, by
 * a second after a signal.
 */
static int drain(struct pgb_thread *t)
{
	uint64_t now = clock_now_ns();
	uint64_t limit =
		now + (signals_stop_requested() ? DRAIN_AFTER_SIGNAL_NS : t->run->ci->timeout_ns);

	t->draining = true;
	for (unsigned i = 0; i < t->n; i++) {
		struct pgb_client *c = &t->clients[i];
		/* between transactions, or connecting: nothing under way */
		if (c->state == CS_IDLE || c->state == CS_THROTTLE || c->state == CS_CONNECT ||
		    c->state == CS_CONNECTING || c->state == CS_RECONNECT)
			pgb_client_finish(t, c);
	}
	while (t->live && (now = clock_now_ns()) < limit) {
		int ret = poll_round(t, limit);
		if (ret)
			return worker_fail(t->w, ret, "thread %u: poll: %s", worker_id(t->w),
					   strerror(-ret));
	}
	return 0;
}

int pgb_worker_run(struct worker *w)
{
	struct pgb_thread *t = worker_state(w);

	t->running = true;
	t->throttle_trigger = clock_now_ns();
	for (;;) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			break;
		if (!t->live)
			break;
		int ret = poll_round(t, worker_next_event_ns(w));
		if (ret)
			return worker_fail(w, ret, "thread %u: poll: %s", worker_id(w),
					   strerror(-ret));
	}
	return drain(t);
}

void pgb_worker_exit(struct worker *w)
{
	struct pgb_thread *t = worker_state(w);

	if (!t)
		return;
	for (unsigned i = 0; t->clients && i < t->n; i++) {
		struct pgb_client *c = &t->clients[i];
		pgb_client_close(c);
		pgb_vars_free(&c->vars);
		free(c->sql);
		free(c->params);
		free(c->prepared);
	}
	if (t->log)
		pgb_txlog_close(t->log, clock_now_ns());
	free(t->clients);
	free(t->pfd);
	free(t->pfd_client);
	free(t);
	worker_set_state(w, NULL);
}
