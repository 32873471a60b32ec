/*
 * verify_replay.c - what verify_only checks: fio's dry run (the job's writes generated and
 * logged into the history, not done) and verify_state_save/load, the count of writes a
 * verifying write job issued, saved at its end so that a later verify_only replays only those.
 *
 * The state file has fio's name (local-JOB-CLONE-verify.state in the current directory) and
 * pvcbench's own contents (a line of magic, then "writes N"): fio's binary state is neither
 * read nor written, and a file of that name that is not pvcbench's is left alone.
 */
#include "block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STATE_MAGIC "pvcbench verify state 1\n"

static void state_name(const struct blk_vclone *v, char *name, size_t size)
{
	if (snprintf(name, size, "local-%s-%u-verify.state", v->job->o.name, v->clone->clone) >=
	    (int)size)
		name[size - 1] = 0;
}

int blk_vclone_state_save(const struct blk_vclone *v, char *why, size_t why_size)
{
	char name[512], head[sizeof(STATE_MAGIC)] = "", text[128];
	int fd, n;

	state_name(v, name, sizeof(name));
	fd = open(name, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* ours from an earlier run is replaced; fio's (or anything else) is not ours */
		fd = open(name, O_RDWR);
		if (fd >= 0 && (read(fd, head, sizeof(head) - 1) != (ssize_t)sizeof(head) - 1 ||
				strcmp(head, STATE_MAGIC))) {
			close(fd);
			snprintf(why, why_size, "%s exists and is not pvcbench's: not replaced",
				 name);
			return -EEXIST;
		}
	}
	if (fd < 0) {
		int err = errno;
		snprintf(why, why_size, "%s: %s", name, strerror(err));
		return -err;
	}
	n = snprintf(text, sizeof(text), STATE_MAGIC "writes %llu\n",
		     (unsigned long long)v->numberio);
	if (ftruncate(fd, 0) || pwrite(fd, text, (size_t)n, 0) != n) {
		int err = errno;
		close(fd);
		snprintf(why, why_size, "%s: %s", name, strerror(err));
		return -err;
	}
	close(fd);
	return 0;
}

int blk_vclone_state_load(const struct blk_vclone *v, uint64_t *writes, char *why, size_t why_size)
{
	char name[512], text[128] = "";
	unsigned long long n;
	int fd;
	ssize_t got;

	state_name(v, name, sizeof(name));
	fd = open(name, O_RDONLY);
	if (fd < 0) {
		int err = errno;
		snprintf(why, why_size,
			 "--verify_state_load=1: %s: %s (a writing run with verify saves it)", name,
			 strerror(err));
		return -err;
	}
	got = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (got <= 0 || strncmp(text, STATE_MAGIC, strlen(STATE_MAGIC)) ||
	    sscanf(text + strlen(STATE_MAGIC), "writes %llu", &n) != 1) {
		snprintf(why, why_size, "--verify_state_load=1: %s is not a pvcbench verify state",
			 name);
		return -EINVAL;
	}
	*writes = n;
	return 0;
}

/* The index of fd among the clone's files (the generator's request names the fd). */
static unsigned file_of_fd(const struct blk_clone *clone, const int *fds, int fd)
{
	for (unsigned i = 0; i < clone->nfiles; i++)
		if (fds[i] == fd)
			return i;
	return 0;
}

int blk_vclone_dry_run(struct worker *w, struct blk_vclone *v, struct blk_gen *gen, const int *fds)
{
	const struct blk_job *job = v->job;
	uint64_t pass = 0, bytes = 0, limit = UINT64_MAX;
	struct io_req r = { 0 };

	if (v->o->verify_state_load) {
		char why[700] = "";
		int ret = blk_vclone_state_load(v, &limit, why, sizeof(why));
		if (ret)
			return worker_fail(w, ret, "job %s: %s", job->o.name, why);
	}
	for (unsigned i = 0; i < v->clone->nfiles; i++)
		pass += v->clone->files[i].len;
	while (!signals_stop_requested() && v->numberio < limit) {
		if (!blk_gen_next(gen, &r, worker_measuring(w))) {
			if (!gen->loop_ended)
				break;
			blk_gen_next_loop(gen);
			continue;
		}
		if (r.dir != IO_WRITE)
			continue;
		int ret = blk_vclone_dry_write(v, &r, file_of_fd(v->clone, fds, r.fd));
		if (ret)
			return worker_fail(w, ret, "job %s: verify history: %s", job->o.name,
					   strerror(-ret));
		bytes += r.len;
		/* a time_based job's generator never ends: one pass is what it wrote */
		if (job->o.time_based && bytes >= pass)
			break;
	}
	return 0;
}
