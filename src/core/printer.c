/*
 * printer.c - a thread that writes the progress lines of a run to one output (see runner_int.h).
 *
 * The reporter only ever copies a line in under a short lock: it never writes to an output
 * itself, so a stdout or stderr that nobody reads (a full pipe) blocks this thread alone. Lines
 * come out in the order posted. The queue is a ring of bytes; a line that does not fit is
 * dropped and counted, and so is every line after it until the writer has caught up with the
 * queue and written a note with the count, so the note stands where the lines are missing. The
 * status line is one slot, replaced by the next if not yet written, and written when the queue
 * is empty, so it never cuts a queued line in two.
 */
#include "runner_int.h"
#include "pvcbench/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct printer {
	pthread_mutex_t lock;
	pthread_cond_t work;	/* to the writer: something to write, or stop */
	pthread_cond_t written; /* from the writer: it wrote something, or is done */
	pthread_t thread;
	FILE *out;
	char status[512];
	bool status_pending;
	size_t head, len; /* the queued bytes: len of them from head, around the ring */
	uint64_t dropped; /* lines refused since the last note */
	uint64_t writes;  /* printer_stop's sign of life */
	bool stop, done, detached;
	char queue[PRINTER_QUEUE_BYTES];
};

static void printer_free(struct printer *p)
{
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->written);
	free(p);
}

/* What to write next, taken under the lock into buf; false when stopped with nothing left. */
static bool take(struct printer *p, char *buf, size_t size, size_t *n, uint64_t *note, bool *status)
{
	*n = 0;
	*note = 0;
	*status = false;
	for (;;) {
		if (p->len) {
			size_t run = PRINTER_QUEUE_BYTES - p->head;
			*n = p->len < run ? p->len : run;
			if (*n > size)
				*n = size;
			memcpy(buf, p->queue + p->head, *n);
			p->head = (p->head + *n) % PRINTER_QUEUE_BYTES;
			p->len -= *n;
			return true;
		}
		if (p->dropped) {
			*note = p->dropped;
			p->dropped = 0;
			return true;
		}
		if (p->status_pending) {
			snprintf(buf, size, "%s", p->status);
			*n = strlen(buf);
			p->status_pending = false;
			*status = true;
			return true;
		}
		if (p->stop)
			return false;
		pthread_cond_wait(&p->work, &p->lock);
	}
}

static void *printer_main(void *arg)
{
	struct printer *p = arg;
	char buf[4096];
	/* a terminal's status line is on screen without its newline: clear it before a line */
	bool status_open = false;
	size_t n;
	uint64_t note;
	bool status;

	pthread_mutex_lock(&p->lock);
	while (take(p, buf, sizeof(buf), &n, &note, &status)) {
		pthread_mutex_unlock(&p->lock);
		if (status) {
			fwrite(buf, 1, n, p->out);
			status_open = n && buf[n - 1] != '\n';
		} else {
			if (status_open)
				fputs("\r\033[K", p->out);
			status_open = false;
			if (note)
				fprintf(p->out,
					"pvcbench: %llu progress line(s) dropped: the output was not read in time\n",
					(unsigned long long)note);
			else
				fwrite(buf, 1, n, p->out);
		}
		fflush(p->out);
		pthread_mutex_lock(&p->lock);
		p->writes++;
		pthread_cond_broadcast(&p->written);
	}
	p->done = true;
	bool detached = p->detached;
	pthread_cond_broadcast(&p->written);
	pthread_mutex_unlock(&p->lock);
	if (detached)
		printer_free(p); /* printer_stop gave up on it: nobody else holds it */
	return NULL;
}

struct printer *printer_start(FILE *out)
{
	struct printer *p = calloc(1, sizeof(*p));
	pthread_condattr_t attr;

	if (!p)
		return NULL;
	p->out = out;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->written, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&p->thread, NULL, printer_main, p)) {
		printer_free(p);
		return NULL;
	}
	return p;
}

void printer_post_status(struct printer *p, const char *line)
{
	pthread_mutex_lock(&p->lock);
	snprintf(p->status, sizeof(p->status), "%s", line);
	p->status_pending = true;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void printer_post_line(struct printer *p, const char *line)
{
	size_t n = strlen(line);

	pthread_mutex_lock(&p->lock);
	if (p->dropped || n > PRINTER_QUEUE_BYTES - p->len) {
		p->dropped++;
	} else {
		size_t tail = (p->head + p->len) % PRINTER_QUEUE_BYTES;
		size_t run = PRINTER_QUEUE_BYTES - tail < n ? PRINTER_QUEUE_BYTES - tail : n;
		memcpy(p->queue + tail, line, run);
		memcpy(p->queue, line + run, n - run);
		p->len += n;
	}
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

int printer_stop(struct printer *p)
{
	uint64_t writes, since = clock_now_ns();

	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->work);
	writes = p->writes;
	while (!p->done) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += 50000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->written, &p->lock, &until);
		uint64_t now = clock_now_ns();
		if (p->writes != writes) {
			writes = p->writes;
			since = now;
		} else if (!p->done && now - since >= PRINTER_STUCK_NS) {
			/* stuck on an output nobody reads: it frees itself if it ever gets out */
			p->detached = true;
			pthread_mutex_unlock(&p->lock);
			pthread_detach(p->thread);
			return -ETIMEDOUT;
		}
	}
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	printer_free(p);
	return 0;
}
