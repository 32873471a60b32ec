/*
 * verify_check.c - the check of a block read back, as fio 3.33's verify_io_u does it: every
 * interval's header (verify_offset undone, without writing to the buffer), then the type's
 * checksum or the verify_pattern over its data.
 *
 * The order is fio's: magic, length, offset, the header's own crc, the type, then the data. fio
 * also compares rand_seed and numberio with what it regenerates itself; the caller who knows them
 * compares found->hdr. The details are fio's words ("verify: bad magic header 0, wanted acca at
 * file F offset N, length L"). Invariant: nothing outside [buf, buf + len) is read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "verify.h"
#include "verify_layout.h"

/* Where a failure is, in fio's words: "at file F offset N, length L" */
struct verify_where {
	const char *file;
	uint64_t offset; /* the interval's */
	size_t len;
};

/* Appends to a message that may already be full: the detail keeps its start. */
__attribute__((format(printf, 3, 4))) static void verify_appendf(char *buf, size_t size,
								 const char *fmt, ...)
{
	size_t used = strnlen(buf, size);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* Records a failure: fio's words for it (fmt), then where ("at file F offset N, length L"). */
__attribute__((format(printf, 4, 5))) static enum blk_verify_result
verify_fail(struct blk_verify_found *found, enum blk_verify_result r, const struct verify_where *w,
	    const char *fmt, ...)
{
	va_list ap;

	found->result = r;
	found->bad_offset = w->offset;
	va_start(ap, fmt);
	vsnprintf(found->detail, sizeof(found->detail), fmt, ap);
	va_end(ap);
	if (w->file)
		verify_appendf(found->detail, sizeof(found->detail), " at file %s", w->file);
	else
		verify_appendf(found->detail, sizeof(found->detail), " at");
	verify_appendf(found->detail, sizeof(found->detail), " offset %llu, length %zu",
		       (unsigned long long)w->offset, w->len);
	return r;
}

static void verify_hex(char *out, size_t size, const uint8_t *p, size_t n)
{
	size_t shown = n > 8 ? 8 : n, at = 0;

	for (size_t i = 0; i < shown && at + 3 < size; i++)
		at += (size_t)snprintf(out + at, size - at, "%02x", p[i]);
	if (shown < n && at + 4 < size)
		snprintf(out + at, size - at, "...");
}

/*
 * The pattern in data (len bytes, the first at position pos of the write): fio's
 * verify_io_u_pattern. bad_at gets the failing byte's index in data.
 */
static bool verify_pattern_ok(const uint8_t *data, size_t len, size_t pos, const uint8_t *pat,
			      size_t plen, size_t *bad_at)
{
	size_t mod = pos % plen, i = 0;

	while (i < len) {
		size_t n = plen - mod < len - i ? plen - mod : len - i;

		if (memcmp(data + i, pat + mod, n)) {
			while (data[i] == pat[mod])
				i++, mod++;
			*bad_at = i;
			return false;
		}
		i += n;
		mod = 0;
	}
	return true;
}

static enum blk_verify_result verify_pattern_fail(struct blk_verify_found *found,
						  const struct verify_where *w, uint8_t got,
						  uint8_t want, size_t at_in_interval)
{
	verify_fail(found, BLK_VERIFY_BAD_PATTERN, w,
		    "pattern: got pattern '%02x', wanted '%02x'. Bad bits %d, bad pattern block "
		    "offset %zu",
		    got, want, __builtin_popcount((unsigned int)(got ^ want)), at_in_interval);
	found->bad_offset = w->offset + at_in_interval;
	return BLK_VERIFY_BAD_PATTERN;
}

/* The header's first n bytes as they were before verify_offset's swap (fio's memswp). */
static void verify_unswap(uint8_t *h, const uint8_t *q, size_t o, size_t n)
{
	if (!o) {
		memcpy(h, q, n);
		return;
	}
	/* before the swap, [0, n) held what is now at o; [o, n), when they overlap, what is at 0 */
	memcpy(h, q + o, o < n ? o : n);
	if (o < n)
		memcpy(h + o, q, n - o);
}

/*
 * One interval at q (inc bytes, the n-th of the write at offset). Undoes verify_offset as fio's
 * memswp does, without writing: the header is copied out, the data read in up to three pieces.
 */
static enum blk_verify_result verify_interval(const struct blk_verify_spec *spec, const uint8_t *q,
					      size_t inc, size_t at, uint64_t offset,
					      const uint8_t *pat, struct blk_verify_found *found,
					      const struct verify_where *w)
{
	uint8_t h[VERIFY_HDR_MAX], sum[128];
	size_t o = spec->offset, hs, bad;
	int type;

	if (spec->type == BLK_VERIFY_NULL)
		return BLK_VERIFY_OK;
	if (spec->type == BLK_VERIFY_PATTERN_NO_HDR) {
		if (spec->pattern_len &&
		    !verify_pattern_ok(q, inc, at, pat, spec->pattern_len, &bad))
			return verify_pattern_fail(found, w, q[bad],
						   pat[(at + bad) % spec->pattern_len], bad);
		return BLK_VERIFY_OK;
	}

	/* fio swaps as many bytes as the configured type's header; with none, the base */
	hs = spec->type == BLK_VERIFY_NONE ? BLK_VERIFY_HDR_BASE : blk_verify_hdr_size(spec->type);
	if (hs > inc)
		return verify_fail(found, BLK_VERIFY_BAD_LENGTH, w,
				   "verify: block too short for the header");
	if (o && o + hs > inc)
		return verify_fail(found, BLK_VERIFY_BAD_LENGTH, w,
				   "verify: verify_offset past the interval");
	verify_unswap(h, q, o, hs);

	uint32_t magic = (uint32_t)verify_get_le(h, 2), hlen = (uint32_t)verify_get_le(h + 4, 4);
	uint64_t hoff = verify_get_le(h + 16, 8);
	uint32_t hcrc = (uint32_t)verify_get_le(h + VERIFY_HDR_CRC_AT, 4);
	uint32_t crc = blk_crc32c(~0U, h, VERIFY_HDR_CRC_AT);

	type = (int)verify_get_le(h + 2, 2);
	found->type = type;
	if (magic != BLK_VERIFY_MAGIC)
		return verify_fail(found, BLK_VERIFY_BAD_MAGIC, w,
				   "verify: bad magic header %x, wanted %x", magic,
				   BLK_VERIFY_MAGIC);
	verify_hdr_fields(h, &found->hdr);
	if (hlen != inc)
		return verify_fail(found, BLK_VERIFY_BAD_LENGTH, w,
				   "verify: bad header length %u, wanted %zu", hlen, inc);
	if (hoff != offset + at)
		return verify_fail(found, BLK_VERIFY_BAD_OFFSET, w,
				   "verify: bad header offset %llu, wanted %llu",
				   (unsigned long long)hoff, (unsigned long long)(offset + at));
	if (crc != hcrc)
		return verify_fail(found, BLK_VERIFY_BAD_HDR_CRC, w,
				   "verify: bad header crc %x, calculated %x", hcrc, crc);

	int want = spec->type == BLK_VERIFY_NONE ? type : spec->type;
	if (type <= BLK_VERIFY_NONE || type >= BLK_VERIFY_NTYPES || type == BLK_VERIFY_NULL ||
	    type == BLK_VERIFY_PATTERN_NO_HDR || verify_disk_type(want) != verify_disk_type(type))
		return verify_fail(found, BLK_VERIFY_BAD_TYPE, w,
				   "fio: verify type mismatch (%u media, %u given)",
				   (unsigned int)type, (unsigned int)want);
	if (blk_verify_type_unbuilt(type))
		return verify_fail(found, BLK_VERIFY_BAD_TYPE, w, "%s: not built: %s",
				   blk_verify_type_name(type), blk_verify_type_unbuilt(type));
	if (spec->type == BLK_VERIFY_NONE && o && blk_verify_hdr_size(type) != hs)
		return verify_fail(found, BLK_VERIFY_BAD_TYPE, w,
				   "verify: verify_offset needs the verify type");
	hs = blk_verify_hdr_size(type);
	if (hs > inc)
		return verify_fail(found, BLK_VERIFY_BAD_LENGTH, w, "verify: interval too short");
	verify_unswap(h, q, o, hs);

	/* the data [hs, inc) as it was before the swap: from behind the header, the bytes the
	 * header displaced (now at the start), and the rest */
	struct blk_verify_seg seg[3];
	int nseg = 0;
	if (!o) {
		seg[nseg++] = (struct blk_verify_seg){ q + hs, inc - hs };
	} else {
		size_t lo = hs > o ? hs : o;

		if (o > hs)
			seg[nseg++] = (struct blk_verify_seg){ q + hs, o - hs };
		seg[nseg++] = (struct blk_verify_seg){ q + lo - o, o + hs - lo };
		if (o + hs < inc)
			seg[nseg++] = (struct blk_verify_seg){ q + o + hs, inc - o - hs };
	}

	size_t cs = blk_verify_csum_size(type);
	if (!cs) {
		/* meta and pattern-with-header: the pattern, when one is given */
		if (!spec->pattern_len)
			return BLK_VERIFY_OK;
		for (int s = 0, done = 0; s < nseg; done += (int)seg[s].len, s++)
			if (!verify_pattern_ok(seg[s].p, seg[s].len, at + hs + (size_t)done, pat,
					       spec->pattern_len, &bad)) {
				size_t in = hs + (size_t)done + bad;
				return verify_pattern_fail(found, w,
							   ((const uint8_t *)seg[s].p)[bad],
							   pat[(at + in) % spec->pattern_len], in);
			}
		return BLK_VERIFY_OK;
	}
	if (blk_verify_csum(type, seg, nseg, sum))
		return verify_fail(found, BLK_VERIFY_BAD_TYPE, w, "verify: checksum failed");
	if (memcmp(sum, h + BLK_VERIFY_HDR_BASE, cs)) {
		char want_hex[24], got_hex[24];

		verify_hex(want_hex, sizeof(want_hex), h + BLK_VERIFY_HDR_BASE, cs);
		verify_hex(got_hex, sizeof(got_hex), sum, cs);
		return verify_fail(found, BLK_VERIFY_BAD_CSUM, w,
				   "%.8s: verify failed (expected %s, received %s)",
				   blk_verify_type_name(type), want_hex, got_hex);
	}
	return BLK_VERIFY_OK;
}

enum blk_verify_result blk_verify_check_file(const struct blk_verify_spec *spec, const char *file,
					     const void *buf, size_t len, uint64_t offset,
					     struct blk_verify_found *found)
{
	const uint8_t *p = buf;
	uint8_t pat[VERIFY_PATTERN_MAX];
	size_t inc = verify_interval_of(spec, len);
	struct verify_where w = { file, offset, len };

	/* not a memset: the check of a block is on the read path, and the detail is 160 bytes */
	found->result = BLK_VERIFY_OK;
	found->hdr = (struct blk_verify_block){ 0 };
	found->bad_offset = 0;
	found->detail[0] = '\0';
	found->type = spec->type;
	if (spec->type < 0 || spec->type >= BLK_VERIFY_NTYPES)
		return verify_fail(found, BLK_VERIFY_BAD_TYPE, &w, "verify: unknown verify type");
	if (spec->pattern_len > VERIFY_PATTERN_MAX || (spec->pattern_len && !spec->pattern))
		return verify_fail(found, BLK_VERIFY_BAD_TYPE, &w, "verify: bad verify_pattern");
	if (spec->pattern_len)
		verify_pattern_for(spec, offset, pat);
	if (spec->type != BLK_VERIFY_NULL && spec->type != BLK_VERIFY_PATTERN_NO_HDR) {
		if (inc < BLK_VERIFY_HDR_BASE)
			return verify_fail(found, BLK_VERIFY_BAD_LENGTH, &w,
					   "verify: block too short for a header");
		if (len % inc) {
			return verify_fail(
				found, BLK_VERIFY_BAD_LENGTH, &w,
				"verify: %zu bytes are not a whole number of %zu-byte intervals",
				len, inc);
		}
	}
	for (size_t at = 0; at < len; at += inc) {
		size_t n = len - at < inc ? len - at : inc;
		enum blk_verify_result r;

		w.offset = offset + at;
		w.len = n;
		r = verify_interval(spec, p + at, n, at, offset, pat, found, &w);
		if (r != BLK_VERIFY_OK)
			return r;
	}
	return BLK_VERIFY_OK;
}

enum blk_verify_result blk_verify_check(const struct blk_verify_spec *spec, const void *buf,
					size_t len, uint64_t offset, struct blk_verify_found *found)
{
	return blk_verify_check_file(spec, NULL, buf, len, offset, found);
}
