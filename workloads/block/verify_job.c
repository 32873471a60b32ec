/*
 * verify_job.c - the verify options of a block job, with fio 3.33's names, defaults and
 * meaning (docs/verify.md), and the acknowledgement ledger's ack_journal and ack_witness.
 *
 * Invariant after blk_verify_validate: o.verify.active says whether writes carry fio's
 * headers (and verify_only reads them back); type is a verify.h type; a verify_only job opens
 * its files read-only (job->writes is false) but still generates the write offsets.
 */
#include "block.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define F(field) offsetof(struct blk_options, verify.field)

const struct option_def blk_verify_option_defs[] = {
	{ .name = "verify",
	  .type = OPT_STRING,
	  .offset = F(verify),
	  .def = "0",
	  .arg_name = "TYPE",
	  .help = "write fio's verify headers and check them: 0 (none), md5, crc64, crc32, "
		  "crc32c, crc32c-intel, crc16, crc7, sha1, sha256, sha512, sha3-224, sha3-256, "
		  "sha3-384, sha3-512, xxhash, meta, pattern, null" },
	{ .name = "do_verify",
	  .type = OPT_BOOL,
	  .offset = F(do_verify),
	  .def = "1",
	  .help = "after the write phase, read back and check what was written (with verify)" },
	{ .name = "verify_only",
	  .type = OPT_BOOL,
	  .offset = F(verify_only),
	  .def = "0",
	  .help = "do not write: read back and check what the same job wrote before" },
	{ .name = "verify_interval",
	  .type = OPT_SIZE,
	  .offset = F(verify_interval),
	  .def = "0",
	  .help = "a header every this many bytes of each block (0: one per block)" },
	{ .name = "verify_offset",
	  .type = OPT_SIZE,
	  .offset = F(verify_offset),
	  .def = "0",
	  .help = "swap the header to this offset in each block" },
	{ .name = "verify_pattern",
	  .type = OPT_STRING,
	  .offset = F(verify_pattern),
	  .help = "fill blocks with this pattern: 0xdeadbeef, \"text\", a number, %o (the "
		  "block's offset), or several in a row" },
	{ .name = "verify_fatal",
	  .type = OPT_BOOL,
	  .offset = F(verify_fatal),
	  .def = "0",
	  .help = "stop at the first verify failure even when continue_on_error lets it go on" },
	{ .name = "verify_dump",
	  .type = OPT_BOOL,
	  .offset = F(verify_dump),
	  .def = "0",
	  .help = "write a failed block as read (FILE.OFFSET.received) and as expected "
		  "(FILE.OFFSET.expected) into the current directory" },
	{ .name = "verify_async",
	  .type = OPT_INT,
	  .offset = F(verify_async),
	  .def = "0",
	  .min = 0,
	  .max = 1024,
	  .help = "fio's verify threads: accepted, the clone checks its blocks itself" },
	{ .name = "verify_backlog",
	  .type = OPT_INT,
	  .offset = F(verify_backlog),
	  .def = "0",
	  .min = 0,
	  .max = INT64_MAX / 2,
	  .help = "verify the blocks written so far after every N writes (0: only at the end)" },
	{ .name = "verify_backlog_batch",
	  .type = OPT_INT,
	  .offset = F(verify_backlog_batch),
	  .def = "0",
	  .min = 0,
	  .max = INT64_MAX / 2,
	  .help = "blocks verified each time verify_backlog says so (0: verify_backlog)" },
	{ .name = "verify_state_save",
	  .type = OPT_BOOL,
	  .offset = F(verify_state_save),
	  .def = "1",
	  .help = "at the end of a verifying write job, save how many writes it issued "
		  "(local-JOB-CLONE-verify.state in the current directory)" },
	{ .name = "verify_state_load",
	  .type = OPT_BOOL,
	  .offset = F(verify_state_load),
	  .def = "0",
	  .help = "verify_only: check only the writes the saved state counts" },
	{ .name = "trim_percentage",
	  .type = OPT_INT,
	  .offset = F(trim_percentage),
	  .def = "0",
	  .min = 0,
	  .max = 100,
	  .help = "percentage of the verified blocks written that are trimmed (discarded) "
		  "again, in batches after trim_backlog writes" },
	{ .name = "trim_verify_zero",
	  .type = OPT_BOOL,
	  .offset = F(trim_verify_zero),
	  .def = "1",
	  .help = "a trimmed block must read back as zeros (else it is not checked)" },
	{ .name = "trim_backlog",
	  .type = OPT_INT,
	  .offset = F(trim_backlog),
	  .def = "0",
	  .min = 0,
	  .max = INT64_MAX / 2,
	  .help = "trim once this many trim candidates were written" },
	{ .name = "trim_backlog_batch",
	  .type = OPT_INT,
	  .offset = F(trim_backlog_batch),
	  .def = "0",
	  .min = 0,
	  .max = INT64_MAX / 2,
	  .help = "candidates trimmed each time (0: trim_backlog)" },
	{ .name = "ack_journal",
	  .alias = "ack-journal",
	  .type = OPT_STRING,
	  .offset = F(ack_journal),
	  .arg_name = "PATH",
	  .help = "record every acknowledged write in this journal (on another volume); with "
		  "verify_only: check the files against it" },
	{ .name = "ack_witness",
	  .alias = "ack-witness",
	  .type = OPT_STRING,
	  .offset = F(ack_witness),
	  .arg_name = "HOST:PORT",
	  .help = "stream every acknowledged write to `pvcbench witness` there; with "
		  "verify_only: check the files against its copy" },
	{ 0 }
};

/*
 * fio's verify_pattern: what buffer_pattern takes, where %o stands for the block's offset
 * (8 bytes, written by the fill for each block). The bytes of %o are left as zeros here.
 */
static int parse_pattern(struct blk_verify_opts *v, const char *name, char *err, size_t err_size)
{
	const char *text = v->verify_pattern, *mark = strstr(text, "%o");
	char before[OPT_STRING_MAX];
	int n = 0, m = 0;

	v->pattern_has_offset = mark != NULL;
	if (!mark) {
		n = blk_data_parse_pattern(text, v->pattern, sizeof(v->pattern));
	} else {
		size_t k = (size_t)(mark - text);
		memcpy(before, text, k);
		before[k] = 0;
		if (k)
			n = blk_data_parse_pattern(before, v->pattern, sizeof(v->pattern));
		if (n >= 0 && (size_t)n + 8 <= sizeof(v->pattern)) {
			memset(v->pattern + n, 0, 8);
			v->pattern_offset_at = (unsigned)n;
			n += 8;
			if (mark[2]) {
				m = blk_data_parse_pattern(mark + 2, v->pattern + n,
							   sizeof(v->pattern) - (unsigned)n);
				n = m < 0 ? m : n + m;
			}
		} else if (n >= 0) {
			n = -EINVAL;
		}
	}
	if (n <= 0) {
		snprintf(err, err_size,
			 "job %s: --verify_pattern=%s: not a pattern (0x hex bytes, \"text\", a "
			 "number, %%o; at most %d bytes)",
			 name, text, BLK_PATTERN_MAX);
		return -EINVAL;
	}
	v->pattern_len = (unsigned)n;
	return 0;
}

/* From the pattern, not job->writes: verify_only clears that. */
static bool pattern_writes(const struct blk_job *job)
{
	switch (job->pattern) {
	case PAT_WRITE:
	case PAT_RANDWRITE:
	case PAT_RW:
	case PAT_RANDRW:
	case PAT_TRIMWRITE:
	case PAT_RANDTRIMWRITE:
		return true;
	default:
		return false;
	}
}

int blk_verify_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_verify_opts *v = &job->o.verify;
	const char *name = job->o.name;

	v->active = false;
	v->type = BLK_VERIFY_NONE;
	if (strcmp(v->verify, "none")) {
		int ret = blk_verify_type_parse(v->verify, &v->type);
		if (ret == -ENOTSUP) {
			snprintf(err, err_size, "job %s: --verify=%s is not in this build: %s",
				 name, v->verify, blk_verify_type_unbuilt(v->type));
			return -EINVAL;
		}
		if (ret) {
			snprintf(
				err, err_size,
				"job %s: --verify=%s: not a verify type (0, md5, crc64, crc32, "
				"crc32c, crc32c-intel, crc16, crc7, sha1, sha256, sha512, sha3-224, "
				"sha3-256, sha3-384, sha3-512, xxhash, meta, pattern, null)",
				name, v->verify);
			return -EINVAL;
		}
		v->active = v->type != BLK_VERIFY_NONE;
	}
	v->pattern_len = 0;
	v->pattern_has_offset = false;
	if (v->verify_pattern[0]) {
		int ret = parse_pattern(v, name, err, err_size);
		if (ret)
			return ret;
		/* fio: a pattern without a verify type is checked after a header of its own */
		if (!v->active) {
			v->type = BLK_VERIFY_PATTERN;
			v->active = true;
		}
	} else if (v->type == BLK_VERIFY_PATTERN_NO_HDR) {
		snprintf(err, err_size, "job %s: --verify=pattern needs --verify_pattern", name);
		return -EINVAL;
	}
	if (v->verify_interval && v->verify_interval < blk_verify_hdr_size(v->type)) {
		snprintf(
			err, err_size,
			"job %s: --verify_interval=%llu: smaller than the verify header (%zu bytes)",
			name, (unsigned long long)v->verify_interval, blk_verify_hdr_size(v->type));
		return -EINVAL;
	}
	if (v->active && v->verify_interval &&
	    (job->o.bs % v->verify_interval || v->verify_interval > job->o.bs)) {
		snprintf(err, err_size,
			 "job %s: --verify_interval=%llu: must divide the block size (%llu)", name,
			 (unsigned long long)v->verify_interval, (unsigned long long)job->o.bs);
		return -EINVAL;
	}
	if (v->active && job->o.bs < blk_verify_hdr_size(v->type)) {
		snprintf(err, err_size,
			 "job %s: --bs=%llu: smaller than the verify header of --verify=%s (%zu "
			 "bytes)",
			 name, (unsigned long long)job->o.bs, v->verify,
			 blk_verify_hdr_size(v->type));
		return -EINVAL;
	}
	if (v->verify_offset && v->active &&
	    v->verify_offset + blk_verify_hdr_size(v->type) >
		    (v->verify_interval ? v->verify_interval : job->o.bs)) {
		snprintf(err, err_size,
			 "job %s: --verify_offset=%llu: the header (%zu bytes) must fit in the "
			 "block or interval",
			 name, (unsigned long long)v->verify_offset, blk_verify_hdr_size(v->type));
		return -EINVAL;
	}
	if (!v->verify_backlog_batch)
		v->verify_backlog_batch = v->verify_backlog;
	if (!v->trim_backlog_batch)
		v->trim_backlog_batch = v->trim_backlog;
	if (v->trim_percentage && (v->ack_journal[0] || v->ack_witness[0])) {
		snprintf(err, err_size,
			 "job %s: --trim_percentage with --ack_journal/--ack_witness: a trimmed "
			 "block would be acknowledged data gone; use one or the other",
			 name);
		return -EINVAL;
	}
	if ((v->ack_journal[0] || v->ack_witness[0]) &&
	    (!v->active || !blk_verify_hdr_size(v->type))) {
		snprintf(err, err_size,
			 "job %s: --ack_journal/--ack_witness need a --verify type that writes a "
			 "header (not 0, pattern or null): the checker reads each block's sequence "
			 "number from it",
			 name);
		return -EINVAL;
	}
	if (v->verify_only && v->active) {
		if (!pattern_writes(job)) {
			snprintf(err, err_size,
				 "job %s: --verify_only=1 replays a writing job: give its --rw "
				 "(write, randwrite, rw, ...)",
				 name);
			return -EINVAL;
		}
		/* nothing is written: the files are opened read-only */
		job->writes = false;
		job->reads = true;
	}
	return 0;
}

bool blk_verify_ledger_wanted(const struct blk_job *job)
{
	const struct blk_verify_opts *v = &job->o.verify;

	return v->active && (v->ack_journal[0] || v->ack_witness[0]);
}

bool blk_verify_writes(const struct blk_job *job)
{
	return job->o.verify.active && !job->o.verify.verify_only && job->writes;
}
