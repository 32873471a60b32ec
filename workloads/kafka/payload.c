/*
 * payload.c - what `kafka produce` sends: one payload of random upper-case letters of
 * --record-size bytes sent every time (the Java tool's), a random record of --payload-file
 * split on --payload-delimiter, or with --payload-monotonic each record's index in decimal.
 *
 * The payload file is read by chunks to its end, so any kind of file works (a regular file,
 * a FIFO, /dev/stdin): nothing relies on its size being known beforehand. The records point
 * into the file's data, which lives until the end of the run, so librdkafka never copies them.
 */
#define _GNU_SOURCE /* memmem */
#include "kafka.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/clock.h"

#define READ_CHUNK 65536

static int unescape_delimiter(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 1 < size; in++) {
		if (*in == '\\' && in[1]) {
			in++;
			out[n++] = *in == 'n' ? '\n' : *in == 't' ? '\t' : *in == 'r' ? '\r' : *in;
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
	return n ? 0 : -EINVAL;
}

/* Reads the whole of f into a NUL-terminated buffer; returns 0 or a negative errno */
static int read_all(FILE *f, char **data, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;

	for (;;) {
		if (cap - n < READ_CHUNK + 1) {
			size_t ncap = cap ? 2 * cap : 4 * READ_CHUNK;
			char *nbuf = ncap > cap ? realloc(buf, ncap) : NULL;
			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, READ_CHUNK, f);
		n += got;
		if (got < READ_CHUNK) {
			if (ferror(f)) {
				int e = errno ? -errno : -EIO;
				free(buf);
				return e;
			}
			break; /* end of file */
		}
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

/* Splits the file's data on delim into records (empty ones are left out) */
static int split_records(struct kfk_payloads *pl, size_t len, const char *delim)
{
	size_t dlen = strlen(delim), cap = 0;
	char *s = pl->file_data, *end = pl->file_data + len;

	while (s < end) {
		char *d = memmem(s, (size_t)(end - s), delim, dlen);
		char *stop = d ? d : end;
		if (stop > s) {
			if (pl->nrecords == cap) {
				cap = cap ? 2 * cap : 1024;
				char **r = realloc(pl->records, cap * sizeof(*r));
				if (!r)
					return -ENOMEM;
				pl->records = r;
				size_t *l = realloc(pl->record_len, cap * sizeof(*l));
				if (!l)
					return -ENOMEM;
				pl->record_len = l;
			}
			pl->records[pl->nrecords] = s;
			pl->record_len[pl->nrecords++] = (size_t)(stop - s);
		}
		s = d ? d + dlen : end;
	}
	return 0;
}

static int load_file(struct kfk_payloads *pl, const struct kfk_config *cfg, char *err, size_t size)
{
	char delim[64];
	size_t len;

	if (unescape_delimiter(cfg->payload_delimiter, delim, sizeof(delim))) {
		snprintf(err, size, "--payload-delimiter must not be empty");
		return -EINVAL;
	}
	FILE *f = fopen(cfg->payload_file, "rb");
	if (!f) {
		snprintf(err, size, "--payload-file %s: %s", cfg->payload_file, strerror(errno));
		return -EINVAL;
	}
	int ret = read_all(f, &pl->file_data, &len);
	fclose(f);
	if (ret) {
		snprintf(err, size, "--payload-file %s: %s", cfg->payload_file, strerror(-ret));
		return ret == -ENOMEM ? ret : -EINVAL;
	}
	if (split_records(pl, len, delim)) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	if (!pl->nrecords) {
		snprintf(err, size, "--payload-file %s has no records%s", cfg->payload_file,
			 len ? " (only delimiters)" : " (it is empty)");
		return -EINVAL;
	}
	fprintf(stderr, "pvcbench kafka produce: %zu records read from %s\n", pl->nrecords,
		cfg->payload_file);
	return 0;
}

int kfk_payloads_init(struct kfk_payloads *pl, const struct kfk_config *cfg, char *err, size_t size)
{
	memset(pl, 0, sizeof(*pl));
	rng_seed(pl->rng, clock_now_ns());
	if (cfg->payload_monotonic) {
		pl->monotonic = true;
		return 0;
	}
	if (cfg->payload_file[0])
		return load_file(pl, cfg, err, size);
	/* as the Java tool: one payload of random upper-case letters, sent every time */
	pl->payload_len = (size_t)cfg->record_size;
	pl->payload = malloc(pl->payload_len);
	if (!pl->payload) {
		snprintf(err, size, "--record-size %lld: out of memory",
			 (long long)cfg->record_size);
		return -ENOMEM;
	}
	for (size_t i = 0; i < pl->payload_len; i++)
		pl->payload[i] = (char)('A' + rng_range(pl->rng, 0, 25));
	return 0;
}

void kfk_payloads_free(struct kfk_payloads *pl)
{
	free(pl->payload);
	free(pl->file_data);
	free(pl->records);
	free(pl->record_len);
	memset(pl, 0, sizeof(*pl));
}
