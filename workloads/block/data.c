/*
 * data.c - the data options (buffer_pattern, buffer_compress_percentage, dedupe_percentage,
 * ...) and the contents of what the block workload writes.
 *
 * blk_data_write is on the hot path: in fio's default mode (scramble) it writes three words per
 * 512 bytes; only refill_buffers, a compression or a dedupe percentage costs a new fill per
 * write, as it does in fio.
 */
#include "block.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define F(field) offsetof(struct blk_options, data.field)

static const char *const dedupe_mode_choices[] = { "repeat", "working_set", NULL };

const struct option_def blk_data_option_defs[] = {
	{ .name = "buffer_pattern",
	  .type = OPT_STRING,
	  .offset = F(buffer_pattern),
	  .help = "fill the buffers with this pattern: 0xdeadbeef, \"text\", -12, 'file', or several in a row" },
	{ .name = "buffer_compress_percentage",
	  .type = OPT_INT,
	  .offset = F(buffer_compress_percentage),
	  .def = "0",
	  .min = 0,
	  .max = 100,
	  .help = "make the data written about this much compressible (zeros or the pattern in each chunk)" },
	{ .name = "buffer_compress_chunk",
	  .type = OPT_SIZE,
	  .offset = F(buffer_compress_chunk),
	  .def = "512",
	  .help = "size of the chunks that buffer_compress_percentage splits into random and fill" },
	{ .name = "dedupe_percentage",
	  .type = OPT_INT,
	  .offset = F(dedupe_percentage),
	  .def = "0",
	  .min = 0,
	  .max = 100,
	  .help = "percentage of the buffers written that repeat an earlier one" },
	{ .name = "dedupe_mode",
	  .type = OPT_CHOICE,
	  .offset = F(dedupe_mode),
	  .def = "repeat",
	  .choices = dedupe_mode_choices,
	  .help = "a dedupable buffer repeats the last unique one, or one of a working set" },
	{ .name = "dedupe_working_set_percentage",
	  .type = OPT_INT,
	  .offset = F(dedupe_working_set_percentage),
	  .def = "5",
	  .min = 0,
	  .max = 100,
	  .help = "dedupe_mode=working_set: the set's size as a percentage of the job's size" },
	{ .name = "dedupe_global",
	  .type = OPT_BOOL,
	  .offset = F(dedupe_global),
	  .def = "0",
	  .help = "dedupe_mode=working_set: every job with this set draws from one working set (no effect with repeat)" },
	{ .name = "refill_buffers",
	  .type = OPT_BOOL,
	  .offset = F(refill_buffers),
	  .def = "0",
	  .help = "new random contents for every write (on with a compression or dedupe percentage)" },
	{ .name = "scramble_buffers",
	  .type = OPT_BOOL,
	  .offset = F(scramble_buffers),
	  .def = "1",
	  .help = "stamp each write's offset into every 512 bytes, so no two blocks are alike" },
	{ .name = "zero_buffers",
	  .type = OPT_BOOL,
	  .offset = F(zero_buffers),
	  .def = "0",
	  .help = "fill the buffers with zeros" },
	{ 0 }
};

/* 'file': up to size bytes of the file's beginning. */
static const char *parse_file(const char *s, unsigned char *out, unsigned size, unsigned *n)
{
	const char *end = strchr(s + 1, '\'');
	char path[OPT_STRING_MAX];
	ssize_t got;
	int fd;

	if (!end || end == s + 1 || (size_t)(end - s - 1) >= sizeof(path))
		return NULL;
	memcpy(path, s + 1, (size_t)(end - s - 1));
	path[end - s - 1] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	got = read(fd, out, size);
	close(fd);
	if (got <= 0)
		return NULL;
	*n = (unsigned)got;
	return end + 1;
}

/* 0x followed by hex digits: a byte per two digits, an odd first digit a byte of its own. */
static const char *parse_hex(const char *s, unsigned char *out, unsigned size, unsigned *n)
{
	const char *d = s + 2;
	size_t digits = strspn(d, "0123456789abcdefABCDEF");

	/* "0xff0x14" is two numbers: the 0 of the second 0x is not a digit of the first */
	if (digits > 1 && (d[digits] == 'x' || d[digits] == 'X'))
		digits--;
	if (!digits)
		return NULL;
	*n = 0;
	for (size_t i = 0; i < digits;) {
		size_t take = (digits - i) % 2 ? 1 : 2;
		char byte[3] = { d[i], take == 2 ? d[i + 1] : '\0', '\0' };
		if (*n == size)
			return NULL;
		out[(*n)++] = (unsigned char)strtoul(byte, NULL, 16);
		i += take;
	}
	return d + digits;
}

/* A decimal in INT_MIN..INT_MAX: its bytes little-endian up to the last non-zero one. */
static const char *parse_decimal(const char *s, unsigned char *out, unsigned size, unsigned *n)
{
	char buf[32];
	size_t len = strcspn(s, "\"'");
	char *end;
	const char *hex = strstr(s, "0x") ? strstr(s, "0x") : strstr(s, "0X");
	long v;

	/* a number ends where a string, a file or a 0x number begins */
	if (hex && (size_t)(hex - s) < len)
		len = (size_t)(hex - s);
	if (!len || len >= sizeof(buf))
		return NULL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || errno || v > INT_MAX || v < INT_MIN)
		return NULL;
	unsigned int u = (unsigned int)v;
	*n = 0;
	do {
		if (*n == size)
			return NULL;
		out[(*n)++] = (unsigned char)(u & 0xff);
		u >>= 8;
	} while (u);
	return s + (end - buf);
}

int blk_data_parse_pattern(const char *text, unsigned char *out, unsigned size)
{
	const char *s = text;
	unsigned total = 0;

	if (!*s)
		return -EINVAL;
	while (*s) {
		unsigned n = 0;
		const char *next;

		if (*s == '"') {
			const char *end = strchr(s + 1, '"');
			if (!end || end == s + 1 || (size_t)(end - s - 1) > size - total)
				return -EINVAL;
			n = (unsigned)(end - s - 1);
			memcpy(out + total, s + 1, n);
			next = end + 1;
		} else if (*s == '\'') {
			next = parse_file(s, out + total, size - total, &n);
		} else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			next = parse_hex(s, out + total, size - total, &n);
		} else {
			next = parse_decimal(s, out + total, size - total, &n);
		}
		if (!next || !n)
			return -EINVAL;
		total += n;
		s = next;
	}
	return (int)total;
}

int blk_data_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_data_opts *o = &job->o.data;
	int n = 0;

	o->pattern_len = 0;
	if (o->buffer_pattern[0]) {
		n = blk_data_parse_pattern(o->buffer_pattern, o->pattern, sizeof(o->pattern));
		if (n <= 0) {
			snprintf(
				err, err_size,
				"job %s: --buffer_pattern=%s: expected 0x hex bytes, decimal numbers, \"strings\" or 'files' (at most %u bytes in all), one after the other",
				job->o.name, o->buffer_pattern, (unsigned)BLK_PATTERN_MAX);
			return -EINVAL;
		}
		o->pattern_len = (unsigned)n;
	}
	return 0;
}

/* The working set of every job with dedupe_global: one seed for the whole run. */
#define GLOBAL_WORKING_SET_SEED 0x6a09e667f3bcc909ULL

void blk_data_init(struct blk_data *d, const struct blk_job *job, uint64_t seed)
{
	const struct blk_data_opts *o = &job->o.data;

	memset(d, 0, sizeof(*d));
	d->o = o;
	rng_seed(d->rng, seed);
	rng_seed(d->dedupe_rng, seed ^ 0x3c6ef372fe94f82bULL);
	d->unique_base = rng_next(d->rng);
	d->unique_seed = d->unique_base;
	d->working_set_base = o->dedupe_global ? GLOBAL_WORKING_SET_SEED : d->unique_base;
	d->working_set_pages = job->o.size / 100 * (uint64_t)o->dedupe_working_set_percentage /
			       (job->o.bs ? job->o.bs : 1);
	if (!d->working_set_pages)
		d->working_set_pages = 1;
	/* fio: a compression or dedupe percentage implies refill_buffers */
	if (o->refill_buffers ||
	    (o->buffer_compress_percentage > 0 && o->buffer_compress_percentage < 100) ||
	    o->dedupe_percentage)
		d->mode = BLK_DATA_REFILL;
	else if (o->zero_buffers || o->pattern_len || o->buffer_compress_percentage == 100)
		d->mode = BLK_DATA_FIXED;
	else if (o->scramble_buffers)
		d->mode = BLK_DATA_SCRAMBLE;
	else
		d->mode = BLK_DATA_AS_IS;
	d->restore = job->reads && d->mode == BLK_DATA_FIXED;
	d->working_set = !strcmp(o->dedupe_mode, "working_set");
	d->buf_size = (size_t)blk_pattern_max_bs(job);
}

/* The pattern from its first byte, repeated over len (fio's cpy_pattern). */
static void fill_pattern(const struct blk_data_opts *o, unsigned char *p, size_t len)
{
	size_t done = len < o->pattern_len ? len : o->pattern_len;

	memcpy(p, o->pattern, done);
	while (done < len) {
		size_t n = done < len - done ? done : len - done;
		memcpy(p + done, p, n);
		done += n;
	}
}

/* What compressible parts are filled with: the pattern, or zeros. */
static void fill_fixed(const struct blk_data_opts *o, unsigned char *p, size_t len)
{
	if (o->pattern_len)
		fill_pattern(o, p, len);
	else
		memset(p, 0, len);
}

/*
 * One buffer's contents from seed: random, or in chunks of buffer_compress_chunk whose first
 * (100 - percentage)% is random and the rest fixed, as fio's fill_random_buf_percentage.
 */
static void fill_contents(const struct blk_data_opts *o, unsigned char *p, size_t len,
			  uint64_t seed)
{
	uint64_t st[2];
	uint64_t pct = (uint64_t)o->buffer_compress_percentage;
	size_t chunk = o->buffer_compress_chunk && o->buffer_compress_chunk < len
			       ? (size_t)o->buffer_compress_chunk
			       : len;

	rng_seed(st, seed);
	if (!pct) {
		blk_fill_random(p, len, st);
		return;
	}
	while (len) {
		size_t seg = chunk < len ? chunk : len;
		size_t random = (size_t)((uint64_t)seg * (100 - pct) / 100);

		blk_fill_random(p, random, st);
		fill_fixed(o, p + random, seg - random);
		p += seg;
		len -= seg;
	}
}

void blk_data_fill(struct blk_data *d, void *buf, size_t len)
{
	unsigned char *p = buf;

	if (d->mode == BLK_DATA_FIXED)
		for (size_t at = 0; at < len; at += d->buf_size)
			fill_fixed(d->o, p + at, len - at < d->buf_size ? len - at : d->buf_size);
	else
		blk_fill_random(buf, len, d->rng);
}

/* fio's small_content_scramble: each 512 bytes get their offset and a stamp of the write. */
static void scramble(struct blk_data *d, unsigned char *p, uint32_t len, uint64_t offset)
{
	uint64_t stamp = rng_next(d->rng);
	unsigned slot = (unsigned)((stamp ^ offset) & 15) * 8;

	for (uint32_t i = 0; i + 512 <= len; i += 512, offset += 512) {
		memcpy(p + i + slot, &offset, sizeof(offset));
		memcpy(p + i + 48, &stamp, sizeof(stamp));
		memcpy(p + i + 56, &offset, sizeof(offset));
	}
	/* a block under 512 bytes: its start, so it differs from the last one all the same */
	if (len < 512)
		memcpy(p, &stamp, len < sizeof(stamp) ? len : sizeof(stamp));
}

/* The seed of the next buffer's contents: new, or a repeat (dedupe_percentage). */
static uint64_t next_seed(struct blk_data *d)
{
	const struct blk_data_opts *o = d->o;

	if (o->dedupe_percentage && rng_range(d->dedupe_rng, 1, 100) <= o->dedupe_percentage) {
		if (d->working_set) {
			uint64_t page = (uint64_t)rng_range(d->dedupe_rng, 0,
							    (int64_t)d->working_set_pages - 1);
			uint64_t x = d->working_set_base + page;
			return rng_splitmix64(&x);
		}
		return d->unique_seed;
	}
	uint64_t x = d->unique_base + d->unique_count++;
	d->unique_seed = rng_splitmix64(&x);
	return d->unique_seed;
}

void blk_data_write(struct blk_data *d, void *buf, uint32_t len, uint64_t offset)
{
	switch (d->mode) {
	case BLK_DATA_SCRAMBLE:
		scramble(d, buf, len, offset);
		break;
	case BLK_DATA_REFILL:
		fill_contents(d->o, buf, len, next_seed(d));
		break;
	case BLK_DATA_FIXED:
		/* a read may have filled the buffer since */
		if (d->restore)
			fill_fixed(d->o, buf, len);
		break;
	case BLK_DATA_AS_IS:
		break;
	}
}
