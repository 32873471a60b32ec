/*
 * fio_disk.c - fio's disk utilisation ("Disk stats (read/write):", JSON "disk_util", the terse
 * fields): the /sys/block/NAME/stat counters of the disks under a run's files, read when the
 * run starts and when it ends, and printed as their differences, as fio 3.33 prints them.
 *
 * A file's disk is the device of its filesystem (or the device itself), raised from a partition
 * to its whole disk as fio does; files on filesystems without a block device (tmpfs) have none.
 */
#define _GNU_SOURCE
#include "block.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The whole disk's name (vda for vda1) of the block device dev, or -ENODEV. */
static int disk_name_of(dev_t dev, char *name, size_t size)
{
	char link[64], real[PATH_MAX], part[PATH_MAX + 16];

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	if (!realpath(link, real))
		return -ENODEV;
	snprintf(part, sizeof(part), "%s/partition", real);
	if (!access(part, F_OK)) {
		char *slash = strrchr(real, '/');
		if (slash)
			*slash = '\0';
	}
	const char *base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	memcpy(name, base, strlen(base) + 1);
	return 0;
}

static int read_stat(struct blk_disk *d)
{
	char path[128];
	unsigned long long v[11] = { 0 };

	snprintf(path, sizeof(path), "/sys/block/%s/stat", d->name);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	int n = fscanf(f, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		       &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10]);
	fclose(f);
	if (n != 11)
		return -EINVAL;
	d->ios[0] = v[0], d->merges[0] = v[1], d->sectors[0] = v[2], d->ticks[0] = v[3];
	d->ios[1] = v[4], d->merges[1] = v[5], d->sectors[1] = v[6], d->ticks[1] = v[7];
	d->io_ticks = v[9];
	d->time_in_queue = v[10];
	d->msec = now_ms();
	return 0;
}

static void add_disk(struct blk_disk_util *du, const char *path)
{
	struct stat st;
	char name[64];
	dev_t dev;

	if (stat(path, &st))
		return;
	dev = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
	if (disk_name_of(dev, name, sizeof(name)))
		return;
	for (unsigned i = 0; i < du->n; i++)
		if (!strcmp(du->start[i].name, name))
			return;
	if (du->n == BLK_MAX_DISKS)
		return;
	struct blk_disk *d = &du->start[du->n];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (!read_stat(d))
		du->n++;
}

void blk_disk_util_start(struct blk_disk_util *du, const struct blk_group_result *gr)
{
	memset(du, 0, sizeof(*du));
	for (unsigned i = 0; i < gr->nfiles; i++)
		add_disk(du, gr->files[i].path);
}

void blk_disk_util_stop(struct blk_disk_util *du)
{
	for (unsigned i = 0; i < du->n; i++) {
		const struct blk_disk *s = &du->start[i];
		struct blk_disk *d = &du->delta[i];
		*d = *s;
		if (read_stat(d)) {
			memset(d->ios, 0, sizeof(*d) - offsetof(struct blk_disk, ios));
			continue;
		}
		for (unsigned k = 0; k < 2; k++) {
			d->ios[k] -= s->ios[k];
			d->merges[k] -= s->merges[k];
			d->sectors[k] -= s->sectors[k];
			d->ticks[k] -= s->ticks[k];
		}
		d->io_ticks -= s->io_ticks;
		d->time_in_queue -= s->time_in_queue;
		d->msec -= s->msec;
	}
	du->stopped = true;
}

/* Adds one run's differences to a total over runs (fio reports the whole command's). */
void blk_disk_util_add(struct blk_disk_util *into, const struct blk_disk_util *run)
{
	for (unsigned i = 0; run->stopped && i < run->n; i++) {
		const struct blk_disk *r = &run->delta[i];
		unsigned k = 0;
		while (k < into->n && strcmp(into->delta[k].name, r->name))
			k++;
		if (k == into->n) {
			if (into->n == BLK_MAX_DISKS)
				continue;
			memset(&into->delta[k], 0, sizeof(into->delta[k]));
			snprintf(into->delta[k].name, sizeof(into->delta[k].name), "%s", r->name);
			into->n++;
		}
		struct blk_disk *d = &into->delta[k];
		for (unsigned x = 0; x < 2; x++) {
			d->ios[x] += r->ios[x];
			d->merges[x] += r->merges[x];
			d->sectors[x] += r->sectors[x];
			d->ticks[x] += r->ticks[x];
		}
		d->io_ticks += r->io_ticks;
		d->time_in_queue += r->time_in_queue;
		d->msec += r->msec;
	}
	into->stopped = true;
}

static double util_of(const struct blk_disk *d)
{
	double u = d->msec ? 100.0 * (double)d->io_ticks / (double)d->msec : 0.0;
	return u > 100.0 ? 100.0 : u;
}

void blk_disk_util_json(struct jsonw *j, const struct blk_disk_util *du)
{
	if (!du->stopped || !du->n)
		return;
	jsonw_array_begin(j, "disk_util");
	for (unsigned i = 0; i < du->n; i++) {
		const struct blk_disk *d = &du->delta[i];
		jsonw_object_begin(j, NULL);
		jsonw_string(j, "name", d->name);
		jsonw_u64(j, "read_ios", d->ios[0]);
		jsonw_u64(j, "write_ios", d->ios[1]);
		jsonw_u64(j, "read_merges", d->merges[0]);
		jsonw_u64(j, "write_merges", d->merges[1]);
		jsonw_u64(j, "read_ticks", d->ticks[0]);
		jsonw_u64(j, "write_ticks", d->ticks[1]);
		jsonw_u64(j, "in_queue", d->time_in_queue);
		jsonw_double(j, "util", util_of(d));
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
}

void blk_disk_util_print(FILE *out, const struct blk_disk_util *du)
{
	if (!du->stopped || !du->n)
		return;
	fputs("\nDisk stats (read/write):\n", out);
	for (unsigned i = 0; i < du->n; i++) {
		const struct blk_disk *d = &du->delta[i];
		fprintf(out,
			"  %s: ios=%" PRIu64 "/%" PRIu64 ", merge=%" PRIu64 "/%" PRIu64
			", ticks=%" PRIu64 "/%" PRIu64 ", in_queue=%" PRIu64 ", util=%3.2f%%\n",
			d->name, d->ios[0], d->ios[1], d->merges[0], d->merges[1], d->ticks[0],
			d->ticks[1], d->time_in_queue, util_of(d));
	}
}

void blk_disk_util_terse(FILE *out, const struct blk_disk_util *du)
{
	for (unsigned i = 0; du->stopped && i < du->n; i++) {
		const struct blk_disk *d = &du->delta[i];
		fprintf(out,
			";%s;%" PRIu64 ";%" PRIu64 ";%" PRIu64 ";%" PRIu64 ";%" PRIu64 ";%" PRIu64
			";%" PRIu64 ";%3.2f%%",
			d->name, d->ios[0], d->ios[1], d->merges[0], d->merges[1], d->ticks[0],
			d->ticks[1], d->time_in_queue, util_of(d));
	}
}
