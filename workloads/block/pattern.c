/*
 * pattern.c - the pattern options (fio's rw, bs, bsrange, bssplit, offset, rwmixread,
 * random_distribution, file_service_type, zones, loops, ...) and their checks. The generator that
 * turns them into I/Os is in pattern_gen.c; the distributions in pattern_dist.c.
 */
#include "block.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(struct blk_options, field)
#define P(field) offsetof(struct blk_options, pat.field)

static const char *const sequencer_choices[] = { "sequential", "identical", NULL };
static const char *const generator_choices[] = { "tausworthe", "lfsr", "tausworthe64", NULL };
static const char *const zonemode_choices[] = { "none", "strided", "zbd", NULL };

const struct option_def blk_pattern_option_defs[] = {
	{ .name = "rw",
	  .alias = "readwrite",
	  .type = OPT_STRING,
	  .offset = F(rw),
	  .def = "read",
	  .help = "I/O pattern: read, write, randread, randwrite, rw, randrw, trim, randtrim, "
		  "trimwrite, randtrimwrite, with an optional :N" },
	{ .name = "rw_sequencer",
	  .type = OPT_CHOICE,
	  .offset = P(rw_sequencer),
	  .def = "sequential",
	  .choices = sequencer_choices,
	  .help = "between rw's :N offsets: continue sequentially or repeat the offset" },
	{ .name = "bs",
	  .alias = "blocksize",
	  .type = OPT_STRING,
	  .offset = P(bs),
	  .def = "4096", /* bytes, whatever kb_base says */
	  .arg_name = "SIZE[,SIZE][,SIZE]",
	  .help = "block size of each I/O; per direction: read,write,trim" },
	{ .name = "bsrange",
	  .alias = "blocksize_range",
	  .type = OPT_STRING,
	  .offset = P(bsrange),
	  .arg_name = "MIN-MAX[,MIN-MAX]",
	  .help = "block sizes drawn between MIN and MAX (per direction)" },
	{ .name = "bssplit",
	  .type = OPT_STRING,
	  .offset = P(bssplit),
	  .arg_name = "BS/PCT:BS/PCT...[,...]",
	  .help = "block sizes with the percentage of I/Os of each (per direction)" },
	{ .name = "ba",
	  .alias = "blockalign",
	  .type = OPT_STRING,
	  .offset = P(ba),
	  .arg_name = "SIZE[,SIZE]",
	  .help = "alignment of random offsets (default: the smallest block size)" },
	{ .name = "bs_unaligned",
	  .alias = "blocksize_unaligned",
	  .type = OPT_BOOL,
	  .offset = P(bs_unaligned),
	  .def = "0",
	  .help = "bsrange sizes need not be multiples of the smallest" },
	{ .name = "bs_is_seq_rand",
	  .type = OPT_BOOL,
	  .offset = P(bs_is_seq_rand),
	  .def = "0",
	  .help = "bs's two values are for sequential and random I/Os, not reads and writes" },
	{ .name = "offset",
	  .alias = "fileoffset",
	  .type = OPT_STRING,
	  .offset = P(offset),
	  .def = "0",
	  .arg_name = "SIZE|PCT%",
	  .help = "start of the region in the file; a percentage is of an existing file's size" },
	{ .name = "offset_increment",
	  .type = OPT_STRING,
	  .offset = P(offset_increment),
	  .def = "0",
	  .arg_name = "SIZE|PCT%",
	  .help = "clone N starts at offset + N * offset_increment" },
	{ .name = "offset_align",
	  .type = OPT_SIZE,
	  .offset = P(offset_align),
	  .def = "0",
	  .help = "offsets given as percentages are rounded up to a multiple of this (0: the "
		  "smallest block size)" },
	{ .name = "rwmixread",
	  .type = OPT_INT,
	  .offset = F(rwmixread),
	  .def = "50",
	  .max = 100,
	  .help = "percentage of reads in rw and randrw" },
	{ .name = "rwmixwrite",
	  .type = OPT_INT,
	  .offset = P(rwmixwrite),
	  .def = "50",
	  .max = 100,
	  .help = "percentage of writes in rw and randrw (100 - rwmixread)" },
	{ .name = "io_size",
	  .alias = "io_limit",
	  .type = OPT_SIZE,
	  .offset = P(io_size),
	  .def = "0",
	  .help = "bytes to issue per loop (default: size); beyond size the region wraps" },
	{ .name = "number_ios",
	  .type = OPT_INT,
	  .offset = P(number_ios),
	  .def = "0",
	  .help = "stop after this many I/Os (0: no limit)" },
	{ .name = "loops",
	  .type = OPT_INT,
	  .offset = P(loops),
	  .def = "1",
	  .min = 1,
	  .help = "run the job's I/O this many times" },
	{ .name = "percentage_random",
	  .type = OPT_STRING,
	  .offset = P(percentage_random),
	  .def = "100",
	  .arg_name = "PCT[,PCT][,PCT]",
	  .help = "percentage of random I/Os in a random pattern, the rest sequential" },
	{ .name = "norandommap",
	  .type = OPT_BOOL,
	  .offset = P(norandommap),
	  .def = "0",
	  .help = "random offsets may repeat within a pass" },
	{ .name = "randrepeat",
	  .type = OPT_BOOL,
	  .offset = F(randrepeat),
	  .def = "1",
	  .help = "same random offsets on every run" },
	{ .name = "randseed",
	  .type = OPT_INT,
	  .offset = P(randseed),
	  .def = "0",
	  .help = "seed of the random offsets (implies the same sequence every run)" },
	{ .name = "allrandrepeat",
	  .type = OPT_BOOL,
	  .offset = P(allrandrepeat),
	  .def = "0",
	  .help = "accepted: every random choice of a clone (offsets, directions, sizes, files) "
		  "follows randrepeat in pvcbench" },
	{ .name = "random_generator",
	  .type = OPT_CHOICE,
	  .offset = P(random_generator),
	  .def = "tausworthe",
	  .choices = generator_choices,
	  .help = "accepted; pvcbench uses its own generator (other sequences, same distributions)" },
	{ .name = "random_distribution",
	  .type = OPT_STRING,
	  .offset = P(random_distribution),
	  .def = "random",
	  .arg_name = "random|zipf:T|pareto:H|normal:DEV|zoned:...|zoned_abs:...",
	  .help = "distribution of random offsets" },
	{ .name = "file_service_type",
	  .type = OPT_STRING,
	  .offset = P(file_service_type),
	  .def = "roundrobin",
	  .arg_name = "random|roundrobin|sequential|zipf:T|pareto:H|normal:DEV[:N]",
	  .help = "how the next I/O's file is chosen among the job's files" },
	{ .name = "zonemode",
	  .type = OPT_CHOICE,
	  .offset = P(zonemode),
	  .def = "none",
	  .choices = zonemode_choices,
	  .help = "strided: zonesize bytes of each zonerange, then skip zoneskip" },
	{ .name = "zonesize",
	  .type = OPT_SIZE,
	  .offset = P(zonesize),
	  .def = "0",
	  .help = "strided: bytes to issue in a zone before moving on" },
	{ .name = "zonerange",
	  .type = OPT_SIZE,
	  .offset = P(zonerange),
	  .def = "0",
	  .help = "strided: size of a zone (default: zonesize)" },
	{ .name = "zoneskip",
	  .type = OPT_SIZE,
	  .offset = P(zoneskip),
	  .def = "0",
	  .help = "strided: bytes skipped after each zone" },
	{ .name = "zonecapacity",
	  .type = OPT_REFUSED,
	  .help = "zoned block devices are not supported" },
	{ .name = "read_beyond_wp",
	  .type = OPT_REFUSED,
	  .help = "zoned block devices are not supported" },
	{ .name = "max_open_zones",
	  .type = OPT_REFUSED,
	  .help = "zoned block devices are not supported" },
	{ .name = "job_max_open_zones",
	  .type = OPT_REFUSED,
	  .help = "zoned block devices are not supported" },
	{ .name = "ignore_zone_limits",
	  .type = OPT_REFUSED,
	  .help = "zoned block devices are not supported" },
	{ .name = "zone_reset_threshold",
	  .type = OPT_REFUSED,
	  .help = "zoned block devices are not supported" },
	{ .name = "zone_reset_frequency",
	  .type = OPT_REFUSED,
	  .help = "zoned block devices are not supported" },
	{ .name = "serialize_overlap",
	  .type = OPT_BOOL,
	  .offset = P(serialize_overlap),
	  .def = "0",
	  .help = "accepted, no effect: overlapping I/Os in flight are not held back (for verify, "
		  "the last write submitted to a block is the one checked)" },
	{ 0 }
};

/* ---- parsing helpers: one-line errors naming the option and its value ---- */

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(err, err_size, __VA_ARGS__);                                              \
		return -EINVAL;                                                                    \
	} while (0)

/*
 * Splits text at commas into fio's per-direction values: one value sets reads, writes and trims;
 * two set reads and writes-and-trims; a trailing empty one keeps the default. part[d] is NULL
 * where the default stays. Modifies text.
 */
static int split_dirs(char *text, char *part[3])
{
	char *tok[4] = { 0 };
	unsigned n = 0;
	char *s = text;

	for (;;) {
		if (n == 3)
			return -EINVAL;
		tok[n++] = s;
		char *c = strchr(s, ',');
		if (!c)
			break;
		*c = 0;
		s = c + 1;
	}
	for (unsigned d = 0; d < 3; d++) {
		char *t = n == 1 ? tok[0] : n == 2 ? tok[d ? 1 : 0] : tok[d];
		part[d] = *t ? t : NULL;
	}
	return 0;
}

static int parse_pct(const char *t, unsigned *v)
{
	char *end;
	unsigned long x = strtoul(t, &end, 10);
	if (end == t || *end || x > 100)
		return -EINVAL;
	*v = (unsigned)x;
	return 0;
}

static const char *const dir_names[3] = { "reads", "writes", "trims" };

static int parse_bs(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_pattern_opts *p = &job->o.pat;
	char text[OPT_STRING_MAX], *part[3];

	snprintf(text, sizeof(text), "%s", p->bs);
	if (split_dirs(text, part))
		FAIL("job %s: --bs=%s: at most three sizes (read,write,trim)", job->o.name, p->bs);
	for (unsigned d = 0; d < 3; d++) {
		uint64_t v = 4096;
		if (part[d] && (opt_parse_size(part[d], &v) || !v || v > (1ULL << 30)))
			FAIL("job %s: --bs=%s: %s is not a size between 1 and 1g", job->o.name,
			     p->bs, part[d]);
		p->dir[d].min = p->dir[d].max = v;
	}
	if (!p->bsrange[0])
		return 0;
	snprintf(text, sizeof(text), "%s", p->bsrange);
	if (split_dirs(text, part))
		FAIL("job %s: --bsrange=%s: at most three ranges (read,write,trim)", job->o.name,
		     p->bsrange);
	for (unsigned d = 0; d < 3; d++) {
		char range[OPT_STRING_MAX];
		if (!part[d])
			continue;
		snprintf(range, sizeof(range), "%s", part[d]); /* one range may serve several */
		char *dash = strpbrk(range, "-:");
		uint64_t lo, hi;
		if (!dash)
			FAIL("job %s: --bsrange=%s: %s is not MIN-MAX (e.g. 1k-64k)", job->o.name,
			     p->bsrange, part[d]);
		*dash = 0;
		if (opt_parse_size(range, &lo) || opt_parse_size(dash + 1, &hi) || !lo ||
		    hi > (1ULL << 30))
			FAIL("job %s: --bsrange=%s: sizes between 1 and 1g, as MIN-MAX",
			     job->o.name, p->bsrange);
		if (lo > hi) {
			uint64_t t = lo;
			lo = hi;
			hi = t;
		}
		p->dir[d].min = lo;
		p->dir[d].max = hi;
	}
	return 0;
}

/* bssplit: "4k/10:64k/50:32k/40[,...]"; sizes without a percentage share what is left. */
static int parse_bssplit(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_pattern_opts *p = &job->o.pat;
	char text[OPT_STRING_MAX], *part[3];

	if (!p->bssplit[0])
		return 0;
	snprintf(text, sizeof(text), "%s", p->bssplit);
	if (split_dirs(text, part))
		FAIL("job %s: --bssplit=%s: at most three lists (read,write,trim)", job->o.name,
		     p->bssplit);
	for (unsigned d = 0; d < 3; d++) {
		struct blk_dir_bs *b = &p->dir[d];
		unsigned total = 0, missing = 0;
		char *save = NULL;

		char list[OPT_STRING_MAX];

		if (!part[d])
			continue;
		snprintf(list, sizeof(list), "%s", part[d]); /* one list may serve several */
		b->nsplit = 0;
		for (char *e = strtok_r(list, ":", &save); e; e = strtok_r(NULL, ":", &save)) {
			struct blk_bssplit *s = &b->split[b->nsplit];
			char *slash = strchr(e, '/');
			if (b->nsplit == BLK_BSSPLIT_MAX)
				FAIL("job %s: --bssplit=%s: at most %d sizes per direction",
				     job->o.name, p->bssplit, BLK_BSSPLIT_MAX);
			if (slash)
				*slash = 0;
			if (opt_parse_size(e, &s->bs) || !s->bs || s->bs > (1ULL << 30))
				FAIL("job %s: --bssplit=%s: %s is not a size between 1 and 1g",
				     job->o.name, p->bssplit, e);
			if (slash && slash[1]) {
				if (parse_pct(slash + 1, &s->perc))
					FAIL("job %s: --bssplit=%s: %s is not a percentage 0-100",
					     job->o.name, p->bssplit, slash + 1);
				total += s->perc;
			} else {
				s->perc = UINT32_MAX;
				missing++;
			}
			b->nsplit++;
		}
		if (!b->nsplit)
			FAIL("job %s: --bssplit=%s: no size for %s", job->o.name, p->bssplit,
			     dir_names[d]);
		if (total > 100)
			FAIL("job %s: --bssplit=%s: percentages add up to %u, at most 100",
			     job->o.name, p->bssplit, total);
		/* fio: the sizes without a percentage share the rest equally, rounded down */
		for (unsigned i = 0; i < b->nsplit; i++)
			if (b->split[i].perc == UINT32_MAX)
				b->split[i].perc = (b->nsplit == 1 ? 100 : 100 - total) / missing;
		/* in order of size, as fio sorts them */
		for (unsigned i = 1; i < b->nsplit; i++)
			for (unsigned j = i; j > 0 && b->split[j - 1].bs > b->split[j].bs; j--) {
				struct blk_bssplit t = b->split[j];
				b->split[j] = b->split[j - 1];
				b->split[j - 1] = t;
			}
		b->min = b->split[0].bs;
		b->max = b->split[b->nsplit - 1].bs;
		if (b->nsplit == 1)
			b->nsplit = 0; /* one size: a plain bs */
	}
	return 0;
}

static int parse_ba(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_pattern_opts *p = &job->o.pat;
	char text[OPT_STRING_MAX], *part[3] = { 0 };

	for (unsigned d = 0; d < 3; d++)
		p->dir[d].ba = p->dir[d].min;
	if (!p->ba[0])
		return 0;
	snprintf(text, sizeof(text), "%s", p->ba);
	if (split_dirs(text, part))
		FAIL("job %s: --ba=%s: at most three sizes (read,write,trim)", job->o.name, p->ba);
	for (unsigned d = 0; d < 3; d++)
		if (part[d] && (opt_parse_size(part[d], &p->dir[d].ba) || !p->dir[d].ba))
			FAIL("job %s: --ba=%s: %s is not a size of at least 1", job->o.name, p->ba,
			     part[d]);
	return 0;
}

static int parse_perc_random(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_pattern_opts *p = &job->o.pat;
	char text[OPT_STRING_MAX], *part[3];

	snprintf(text, sizeof(text), "%s", p->percentage_random);
	if (split_dirs(text, part))
		FAIL("job %s: --percentage_random=%s: at most three percentages (read,write,trim)",
		     job->o.name, p->percentage_random);
	for (unsigned d = 0; d < 3; d++) {
		p->perc_rand[d] = 100;
		if (part[d] && parse_pct(part[d], &p->perc_rand[d]))
			FAIL("job %s: --percentage_random=%s: %s is not a percentage 0-100",
			     job->o.name, p->percentage_random, part[d]);
	}
	return 0;
}

static const struct {
	const char *name;
	enum blk_pattern pattern;
} patterns[] = {
	{ "read", PAT_READ },
	{ "write", PAT_WRITE },
	{ "randread", PAT_RANDREAD },
	{ "randwrite", PAT_RANDWRITE },
	{ "rw", PAT_RW },
	{ "readwrite", PAT_RW },
	{ "randrw", PAT_RANDRW },
	{ "trim", PAT_TRIM },
	{ "randtrim", PAT_RANDTRIM },
	{ "trimwrite", PAT_TRIMWRITE },
	{ "randtrimwrite", PAT_RANDTRIMWRITE },
};

/* rw=NAME[:N]: the pattern, and N as fio reads it (random: I/Os per new offset; else bytes). */
static int parse_rw(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_options *o = &job->o;
	struct blk_pattern_opts *p = &o->pat;
	char name[OPT_STRING_MAX];
	const char *colon = strchr(o->rw, ':');
	size_t len = colon ? (size_t)(colon - o->rw) : strlen(o->rw);
	bool found = false;

	snprintf(name, sizeof(name), "%.*s", (int)len, o->rw);
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (!strcmp(name, patterns[i].name)) {
			job->pattern = patterns[i].pattern;
			found = true;
		}
	if (!found)
		FAIL("job %s: --rw=%s: not one of read, write, randread, randwrite, rw (readwrite), "
		     "randrw, trim, randtrim, trimwrite, randtrimwrite",
		     o->name, o->rw);
#ifndef BLK_TRIM_SUPPORTED
	/*
	 * The generator makes trims (IO_TRIM), but they run only where the engines issue them and
	 * the group counts a third direction: block.h defines BLK_TRIM_SUPPORTED once both do.
	 */
	if (job->pattern >= PAT_TRIM)
		FAIL("job %s: --rw=%s: trims are not supported yet (read, write, randread, "
		     "randwrite, rw, randrw are)",
		     o->name, o->rw);
#endif
	job->random = job->pattern == PAT_RANDREAD || job->pattern == PAT_RANDWRITE ||
		      job->pattern == PAT_RANDRW || job->pattern == PAT_RANDTRIM ||
		      job->pattern == PAT_RANDTRIMWRITE;
	p->seq_nr = 1;
	p->seq_add = 0;
	if (colon && colon[1]) {
		if (job->random) {
			int64_t n;
			if (opt_parse_int(colon + 1, &n) || n < 1 || n > UINT32_MAX)
				FAIL("job %s: --rw=%s: after %s: the number of I/Os per random "
				     "offset, at least 1",
				     o->name, o->rw, name);
			p->seq_nr = (unsigned)n;
		} else if (colon[1] == '-') {
			FAIL("job %s: --rw=%s: backwards sequential I/O (a negative :N) is not "
			     "supported",
			     o->name, o->rw);
		} else if (opt_parse_size(colon + 1, &p->seq_add)) {
			FAIL("job %s: --rw=%s: after %s: a size to skip after each I/O (e.g. 4k)",
			     o->name, o->rw, name);
		}
	}
	return 0;
}

/* rwmixread and rwmixwrite are one setting: the one given wins, as in fio. */
static int resolve_mix(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_options *o = &job->o;
	bool r = opt_given(&job->set, "rwmixread"), w = opt_given(&job->set, "rwmixwrite");

	if (r && w && o->rwmixread + o->pat.rwmixwrite != 100)
		FAIL("job %s: --rwmixread=%lld and --rwmixwrite=%lld add up to %lld, not 100: "
		     "give one of them",
		     o->name, (long long)o->rwmixread, (long long)o->pat.rwmixwrite,
		     (long long)(o->rwmixread + o->pat.rwmixwrite));
	if (w && !r)
		o->rwmixread = 100 - o->pat.rwmixwrite;
	o->pat.rwmixwrite = 100 - o->rwmixread;
	o->pat.mixread = (unsigned)o->rwmixread;
	return 0;
}

/* "zipf:1.2", "pareto:0.3", "normal:10", "zoned:60/10:30/20:10/70[,...]", "zoned_abs:..." */
static int parse_zones(struct blk_job *job, const char *what, char *list, bool abs, char *err,
		       size_t err_size)
{
	struct blk_pattern_opts *p = &job->o.pat;
	char *part[3];

	if (split_dirs(list, part))
		FAIL("job %s: --random_distribution=%s: at most three lists (read,write,trim)",
		     job->o.name, what);
	for (unsigned d = 0; d < 3; d++) {
		unsigned access = 0, n = 0, size_pct = 0;
		char *save = NULL, zl[OPT_STRING_MAX];
		if (!part[d]) {
			p->nzones[d] = 0;
			continue;
		}
		snprintf(zl, sizeof(zl), "%s", part[d]); /* one list may serve several */
		for (char *e = strtok_r(zl, ":", &save); e; e = strtok_r(NULL, ":", &save)) {
			char *slash = strchr(e, '/');
			struct blk_zone_split *z = &p->zones[d][n];
			if (n == BLK_ZONES_MAX)
				FAIL("job %s: --random_distribution=%s: at most %d ranges",
				     job->o.name, what, BLK_ZONES_MAX);
			if (!slash)
				FAIL("job %s: --random_distribution=%s: %s is not ACCESS%%/%s",
				     job->o.name, what, e, abs ? "SIZE" : "RANGE%");
			*slash = 0;
			if (parse_pct(e, &z->access))
				FAIL("job %s: --random_distribution=%s: %s is not a percentage 0-100",
				     job->o.name, what, e);
			if (abs) {
				if (opt_parse_size(slash + 1, &z->size) || !z->size)
					FAIL("job %s: --random_distribution=%s: %s is not a size",
					     job->o.name, what, slash + 1);
			} else {
				unsigned v;
				if (parse_pct(slash + 1, &v))
					FAIL("job %s: --random_distribution=%s: %s is not a percentage 0-100",
					     job->o.name, what, slash + 1);
				z->size = v;
				size_pct += v;
			}
			access += z->access;
			n++;
		}
		if (access != 100)
			FAIL("job %s: --random_distribution=%s: the access percentages of %s add up "
			     "to %u, not 100",
			     job->o.name, what, dir_names[d], access);
		if (!abs && size_pct > 100)
			FAIL("job %s: --random_distribution=%s: the ranges of %s add up to %u%%, at "
			     "most 100",
			     job->o.name, what, dir_names[d], size_pct);
		p->nzones[d] = n;
	}
	return 0;
}

static int parse_dist(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_pattern_opts *p = &job->o.pat;
	char text[OPT_STRING_MAX];
	const char *v = p->random_distribution;
	char *colon;

	snprintf(text, sizeof(text), "%s", v);
	colon = strchr(text, ':');
	if (colon)
		*colon++ = 0;
	p->dist = DIST_RANDOM;
	if (!strcmp(text, "random")) {
		if (colon)
			FAIL("job %s: --random_distribution=%s: random takes no value", job->o.name,
			     v);
		return 0;
	}
	if (!strcmp(text, "zoned") || !strcmp(text, "zoned_abs")) {
		bool abs = text[5] == '_';
		p->dist = abs ? DIST_ZONED_ABS : DIST_ZONED;
		if (!colon || !*colon)
			FAIL("job %s: --random_distribution=%s: %s needs ranges, e.g. %s",
			     job->o.name, v, text,
			     abs ? "zoned_abs:60/1g:40/9g" : "zoned:60/10:40/90");
		return parse_zones(job, v, colon, abs, err, err_size);
	}
	if (!strcmp(text, "zipf"))
		p->dist = DIST_ZIPF;
	else if (!strcmp(text, "pareto"))
		p->dist = DIST_PARETO;
	else if (!strcmp(text, "normal"))
		p->dist = DIST_NORMAL;
	else
		FAIL("job %s: --random_distribution=%s: not one of random, zipf:THETA, pareto:H, "
		     "normal:DEV, zoned:..., zoned_abs:... (each of the first three with an "
		     "optional :CENTER)",
		     job->o.name, v);
	char *center = colon ? strchr(colon, ':') : NULL;
	if (center)
		*center++ = 0;
	p->dist_center = 0;
	if (!colon || opt_parse_double(colon, &p->dist_arg))
		FAIL("job %s: --random_distribution=%s: %s needs a number (e.g. %s:%s)",
		     job->o.name, v, text, text,
		     p->dist == DIST_ZIPF     ? "1.2"
		     : p->dist == DIST_PARETO ? "0.3"
					      : "10");
	if (center &&
	    (opt_parse_double(center, &p->dist_center) || p->dist_center < 0 || p->dist_center > 1))
		FAIL("job %s: --random_distribution=%s: the center is a fraction 0.0-1.0",
		     job->o.name, v);
	if (p->dist == DIST_ZIPF && (p->dist_arg <= 0 || p->dist_arg == 1.0))
		FAIL("job %s: --random_distribution=%s: zipf's theta must be above 0 and not 1",
		     job->o.name, v);
	if (p->dist == DIST_PARETO && (p->dist_arg <= 0 || p->dist_arg >= 1))
		FAIL("job %s: --random_distribution=%s: pareto's h must be between 0 and 1 "
		     "(exclusive)",
		     job->o.name, v);
	if (p->dist == DIST_NORMAL && (p->dist_arg < 0 || p->dist_arg > 100))
		FAIL("job %s: --random_distribution=%s: normal's deviation is a percentage 0-100",
		     job->o.name, v);
	return 0;
}

static int parse_fservice(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_pattern_opts *p = &job->o.pat;
	char text[OPT_STRING_MAX];
	const char *v = p->file_service_type;
	char *colon, *second;
	bool needs_arg = false;

	snprintf(text, sizeof(text), "%s", v);
	colon = strchr(text, ':');
	if (colon)
		*colon++ = 0;
	p->fservice_nr = 1;
	p->fservice_arg = 0;
	if (!strcmp(text, "roundrobin"))
		p->fservice = FS_ROUNDROBIN;
	else if (!strcmp(text, "random"))
		p->fservice = FS_RANDOM;
	else if (!strcmp(text, "sequential"))
		p->fservice = FS_SEQUENTIAL;
	else if (!strcmp(text, "zipf"))
		p->fservice = FS_ZIPF, needs_arg = true;
	else if (!strcmp(text, "pareto"))
		p->fservice = FS_PARETO, needs_arg = true;
	else if (!strcmp(text, "normal") || !strcmp(text, "gauss"))
		p->fservice = FS_NORMAL, needs_arg = true;
	else
		FAIL("job %s: --file_service_type=%s: not one of random, roundrobin, sequential, "
		     "zipf:THETA, pareto:H, normal:DEV (gauss), each with an optional :N",
		     job->o.name, v);
	if (!colon)
		return needs_arg ? (snprintf(err, err_size,
					     "job %s: --file_service_type=%s: %s needs a value "
					     "(e.g. %s:1.2)",
					     job->o.name, v, text, text),
				    -EINVAL)
				 : 0;
	second = strchr(colon, ':');
	if (second)
		*second++ = 0;
	if (needs_arg) {
		if (opt_parse_double(colon, &p->fservice_arg) || p->fservice_arg <= 0 ||
		    (p->fservice == FS_ZIPF && p->fservice_arg == 1.0) ||
		    (p->fservice == FS_PARETO && p->fservice_arg >= 1) ||
		    (p->fservice == FS_NORMAL && p->fservice_arg > 100))
			FAIL("job %s: --file_service_type=%s: %s is not a valid %s value",
			     job->o.name, v, colon, text);
		colon = second;
	} else if (second) {
		FAIL("job %s: --file_service_type=%s: %s takes one :N", job->o.name, v, text);
	}
	if (colon) {
		int64_t n;
		if (opt_parse_int(colon, &n) || n < 1 || n > UINT32_MAX)
			FAIL("job %s: --file_service_type=%s: %s is not a number of I/Os, at least 1",
			     job->o.name, v, colon);
		p->fservice_nr = (unsigned)n;
	}
	return 0;
}

/* offset and offset_increment: a size into o->offset/offset_increment, or a percentage (of an
 * existing file's size, applied when the clone's files are open: blk_gen_init). */
static int parse_offset(struct blk_job *job, const char *name, const char *text, uint64_t *bytes,
			double *pct, char *err, size_t err_size)
{
	size_t len = strlen(text);

	*pct = -1;
	if (len && text[len - 1] == '%') {
		char num[OPT_STRING_MAX];
		snprintf(num, sizeof(num), "%.*s", (int)(len - 1), text);
		if (opt_parse_double(num, pct) || *pct < 0 || *pct > 100)
			FAIL("job %s: --%s=%s: a percentage is 0-100%%", job->o.name, name, text);
		*bytes = 0;
		return 0;
	}
	if (opt_parse_size(text, bytes))
		FAIL("job %s: --%s=%s: not a size (e.g. 1g) or a percentage (e.g. 50%%)",
		     job->o.name, name, text);
	return 0;
}

static int check_zones(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_pattern_opts *p = &job->o.pat;

	p->strided = false;
	if (!strcmp(p->zonemode, "zbd"))
		FAIL("job %s: --zonemode=zbd: zoned block devices are not supported", job->o.name);
	if (!strcmp(p->zonemode, "none")) {
		/* fio: zonesize alone selects strided mode (its older syntax) */
		if (!p->zonesize)
			return 0;
	}
	if (!p->zonesize)
		FAIL("job %s: --zonemode=strided needs --zonesize", job->o.name);
	if (!p->zonerange)
		p->zonerange = p->zonesize;
	p->strided = true;
	return 0;
}

/* With O_DIRECT, every size and alignment must be a multiple of 512. */
static int check_direct(struct blk_job *job, char *err, size_t err_size)
{
	const struct blk_pattern_opts *p = &job->o.pat;

	if (!job->o.direct || p->bs_unaligned)
		return 0;
	for (unsigned d = 0; d < 3; d++) {
		const struct blk_dir_bs *b = &p->dir[d];
		uint64_t bad = b->min % 512   ? b->min
			       : b->max % 512 ? b->max
			       : b->ba % 512  ? b->ba
					      : 0;
		for (unsigned i = 0; !bad && i < b->nsplit; i++)
			if (b->split[i].bs % 512)
				bad = b->split[i].bs;
		if (bad)
			FAIL("job %s: --bs=%llu: must be a multiple of 512 with --direct=1",
			     job->o.name, (unsigned long long)bad);
	}
	return 0;
}

int blk_pattern_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_options *o = &job->o;
	struct blk_pattern_opts *p = &o->pat;
	int ret;

	ret = parse_rw(job, err, err_size);
	ret = ret ?: resolve_mix(job, err, err_size);
	ret = ret ?: parse_bs(job, err, err_size);
	ret = ret ?: parse_bssplit(job, err, err_size);
	ret = ret ?: parse_ba(job, err, err_size);
	ret = ret ?: parse_perc_random(job, err, err_size);
	ret = ret ?: parse_dist(job, err, err_size);
	ret = ret ?: parse_fservice(job, err, err_size);
	ret = ret ?: check_zones(job, err, err_size);
	ret = ret ?: check_direct(job, err, err_size);
	ret = ret
		      ?: parse_offset(job, "offset", p->offset, &o->offset, &p->offset_pct, err,
				      err_size);
	ret = ret
		      ?: parse_offset(job, "offset_increment", p->offset_increment,
				      &o->offset_increment, &p->offset_inc_pct, err, err_size);
	if (ret)
		return ret;
	if (o->direct && ((o->offset % 512) || (o->offset_increment % 512)))
		FAIL("job %s: --offset and --offset_increment must be multiples of 512 with "
		     "--direct=1",
		     o->name);
	p->seq_identical = !strcmp(p->rw_sequencer, "identical");
	p->trimwrite = job->pattern == PAT_TRIMWRITE || job->pattern == PAT_RANDTRIMWRITE;
	if (p->number_ios < 0)
		FAIL("job %s: --number_ios=%lld: must be 0 (no limit) or more", o->name,
		     (long long)p->number_ios);
	if (p->trimwrite)
		/* fio: the write of a trimmed block has the trim's length */
		p->dir[IO_WRITE] = p->dir[IO_TRIM];

	bool mixed = job->pattern == PAT_RW || job->pattern == PAT_RANDRW;
	job->reads = job->pattern == PAT_READ || job->pattern == PAT_RANDREAD ||
		     (mixed && p->mixread > 0);
	job->writes = job->pattern == PAT_WRITE || job->pattern == PAT_RANDWRITE || p->trimwrite ||
		      (mixed && p->mixread < 100);
	/* trims change the file: it must be pvcbench's own or --force'd, as for writes */
	if (job->pattern == PAT_TRIM || job->pattern == PAT_RANDTRIM)
		job->writes = true;

	/* the largest block size any direction uses, for buffers and the memory estimate */
	o->bs = 0;
	for (unsigned d = 0; d < 3; d++)
		if (p->dir[d].max > o->bs)
			o->bs = p->dir[d].max;
	uint64_t min_bs = UINT64_MAX;
	for (unsigned d = 0; d < 3; d++)
		if (p->dir[d].min < min_bs)
			min_bs = p->dir[d].min;
	if (o->size && min_bs > o->size) {
		snprintf(err, err_size, "job %s: --bs=%llu is larger than --size=%llu", o->name,
			 (unsigned long long)min_bs, (unsigned long long)o->size);
		return -EINVAL;
	}
	uint64_t last = 0, region_end;
	if (__builtin_mul_overflow((uint64_t)(o->numjobs - 1), o->offset_increment, &last) ||
	    __builtin_add_overflow(last, o->offset, &region_end) ||
	    __builtin_add_overflow(region_end, o->size, &region_end) ||
	    region_end > (uint64_t)INT64_MAX) {
		snprintf(
			err, err_size,
			"job %s: --offset + (numjobs - 1) * --offset_increment + --size is beyond the largest file offset",
			o->name);
		return -ERANGE;
	}
	/* fio works in whole blocks: the region is rounded down to a multiple of bs */
	if (o->size && o->size % min_bs && !p->bs_unaligned)
		o->size -= o->size % min_bs;
	return 0;
}

const char *blk_pattern_rw_name(const struct blk_job *job)
{
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (patterns[i].pattern == job->pattern)
			return patterns[i].name;
	return job->o.rw;
}

uint64_t blk_pattern_max_bs(const struct blk_job *job)
{
	uint64_t max = 0;

	for (unsigned d = 0; d < 3; d++)
		if (job->o.pat.dir[d].max > max)
			max = job->o.pat.dir[d].max;
	return max ? max : job->o.bs;
}
