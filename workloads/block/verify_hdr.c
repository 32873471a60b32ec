/*
 * verify_hdr.c - fio 3.33's verify layout: the header at the start of every verify_interval of a
 * write, what fills the rest, and the check of a block read back (fio's verify_io_u).
 *
 * The header, 40 bytes, little-endian: magic 0xacca (u16), verify_type (u16), len (u32, the
 * interval), rand_seed (u64), offset (u64, the interval's offset in the file), time_sec and
 * time_nsec (u32 each), thread (u16, the job's number), numberio (u16, the low bits of the job's
 * write count), crc32 (u32: fio's crc32c of the 36 bytes before it). The type's checksum field
 * follows (verify_csum.c), then the data, which the checksum covers. verify=meta writes the header
 * alone; verify_pattern without verify= writes the header and the pattern; verify=pattern writes
 * the pattern alone; verify=null writes nothing. With verify_offset the header (and checksum
 * field) trades places with the bytes at that offset of the interval, after the checksum.
 *
 * The check follows fio's order: magic, length, offset, the header's crc, then the data; fio also
 * compares rand_seed and numberio with what it regenerates itself: the caller who knows them
 * compares hdr in the result. Invariant: neither the fill's buffer nor the checked one is read or
 * written outside [buf, buf + len).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "verify.h"

/* fio's MAX_PATTERN_SIZE */
#define VERIFY_PATTERN_MAX 512
/* the largest header: base and sha512's 128-byte field */
#define VERIFY_HDR_MAX (BLK_VERIFY_HDR_BASE + 128)
/* the header's own crc covers the bytes before it */
#define VERIFY_HDR_CRC_AT 36

/* fio's names, in the order fio 3.33 lists them (fio --cmdhelp=verify) */
const char *const blk_verify_type_names[] = {
	"0",	    "md5",    "crc64",	"crc32",   "crc32c-intel", "crc32c",   "crc16",
	"crc7",	    "sha1",   "sha256", "sha512",  "sha3-224",	   "sha3-256", "sha3-384",
	"sha3-512", "xxhash", "meta",	"pattern", "null",	   NULL
};

static const char *const verify_type_by_value[BLK_VERIFY_NTYPES] = {
	[BLK_VERIFY_NONE] = "0",
	[BLK_VERIFY_HDR_ONLY] = "meta",
	[BLK_VERIFY_MD5] = "md5",
	[BLK_VERIFY_CRC64] = "crc64",
	[BLK_VERIFY_CRC32] = "crc32",
	[BLK_VERIFY_CRC32C] = "crc32c",
	[BLK_VERIFY_CRC32C_INTEL] = "crc32c-intel",
	[BLK_VERIFY_CRC16] = "crc16",
	[BLK_VERIFY_CRC7] = "crc7",
	[BLK_VERIFY_SHA256] = "sha256",
	[BLK_VERIFY_SHA512] = "sha512",
	[BLK_VERIFY_SHA3_224] = "sha3-224",
	[BLK_VERIFY_SHA3_256] = "sha3-256",
	[BLK_VERIFY_SHA3_384] = "sha3-384",
	[BLK_VERIFY_SHA3_512] = "sha3-512",
	[BLK_VERIFY_XXHASH] = "xxhash",
	[BLK_VERIFY_SHA1] = "sha1",
	/* fio has no name for it: it is what verify_pattern gives when verify= is not set */
	[BLK_VERIFY_PATTERN] = "pattern-header",
	[BLK_VERIFY_PATTERN_NO_HDR] = "pattern",
	[BLK_VERIFY_NULL] = "null",
};

int blk_verify_type_parse(const char *name, int *type)
{
	for (int t = 0; t < BLK_VERIFY_NTYPES; t++) {
		if (t == BLK_VERIFY_PATTERN || strcmp(name, verify_type_by_value[t]))
			continue;
		*type = t;
		return blk_verify_type_unbuilt(t) ? -ENOTSUP : 0;
	}
	return -EINVAL;
}

const char *blk_verify_type_name(int type)
{
	if (type < 0 || type >= BLK_VERIFY_NTYPES)
		return "unknown";
	return verify_type_by_value[type];
}

const char *blk_verify_result_name(enum blk_verify_result r)
{
	static const char *const names[] = {
		[BLK_VERIFY_OK] = "ok",
		[BLK_VERIFY_BAD_MAGIC] = "bad magic",
		[BLK_VERIFY_BAD_HDR_CRC] = "bad header crc",
		[BLK_VERIFY_BAD_LENGTH] = "bad length",
		[BLK_VERIFY_BAD_OFFSET] = "bad offset",
		[BLK_VERIFY_BAD_TYPE] = "bad type",
		[BLK_VERIFY_BAD_CSUM] = "bad checksum",
		[BLK_VERIFY_BAD_PATTERN] = "bad pattern",
	};

	if ((unsigned int)r >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[r];
}

size_t blk_verify_hdr_size(int type)
{
	switch (type) {
	case BLK_VERIFY_HDR_ONLY:
	case BLK_VERIFY_PATTERN:
		return BLK_VERIFY_HDR_BASE;
	case BLK_VERIFY_NONE:
	case BLK_VERIFY_NULL:
	case BLK_VERIFY_PATTERN_NO_HDR:
		return 0;
	default:
		if (type < 0 || type >= BLK_VERIFY_NTYPES)
			return 0;
		return BLK_VERIFY_HDR_BASE + blk_verify_csum_size(type);
	}
}

/* crc32c-intel is fio's other name for crc32c, and fio writes it as crc32c */
static int verify_disk_type(int type)
{
	return type == BLK_VERIFY_CRC32C_INTEL ? BLK_VERIFY_CRC32C : type;
}

/* fio's hdr_inc: a header every verify_interval bytes, or one for the whole write */
static size_t verify_interval_of(const struct blk_verify_spec *spec, size_t len)
{
	if (spec->interval && spec->interval <= len)
		return spec->interval;
	return len;
}

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The pattern as it is written for a write at offset: %o's 8 bytes take the offset. */
static void verify_pattern_for(const struct blk_verify_spec *spec, uint64_t offset, uint8_t *out)
{
	memcpy(out, spec->pattern, spec->pattern_len);
	if (spec->pattern_has_offset && spec->pattern_offset_at < spec->pattern_len) {
		uint8_t le[8];
		size_t n = spec->pattern_len - spec->pattern_offset_at;

		put_le(le, offset, 8);
		memcpy(out + spec->pattern_offset_at, le, n < 8 ? n : 8);
	}
}

static void verify_fill_random(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t s = seed;

	/* splitmix64: fast, and every seed gives a full-period, well-mixed stream */
	while (len) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
		uint8_t le[8];
		size_t n = len < 8 ? len : 8;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		put_le(le, z, 8);
		memcpy(p, le, n);
		p += n;
		len -= n;
	}
}

static void verify_fill_pattern(uint8_t *p, size_t len, const uint8_t *pat, size_t plen)
{
	size_t done = plen < len ? plen : len;

	memcpy(p, pat, done);
	/* doubling copies: the pattern repeats from the start of the write */
	while (done < len) {
		size_t n = done < len - done ? done : len - done;

		memcpy(p + done, p, n);
		done += n;
	}
}

/* fio's memswp: the first n bytes trade places with the n at off (off >= n: no overlap) */
static void verify_swap(uint8_t *p, size_t off, size_t n)
{
	uint8_t tmp[VERIFY_HDR_MAX];

	memcpy(tmp, p, n);
	memmove(p, p + off, n);
	memcpy(p + off, tmp, n);
}

static int verify_spec_ok(const struct blk_verify_spec *spec, size_t len)
{
	int type = spec->type;
	size_t hs = blk_verify_hdr_size(type), inc = verify_interval_of(spec, len);

	if (type < 0 || type >= BLK_VERIFY_NTYPES || !len)
		return -EINVAL;
	if (blk_verify_type_unbuilt(type))
		return -ENOTSUP;
	if (spec->pattern_len > VERIFY_PATTERN_MAX || (spec->pattern_len && !spec->pattern))
		return -EINVAL;
	if (hs && (inc <= hs || len % inc))
		return -EINVAL;
	if (hs && spec->offset && (spec->offset < hs || spec->offset + hs > inc))
		return -EINVAL;
	return 0;
}

int blk_verify_fill(const struct blk_verify_spec *spec, void *buf, size_t len,
		    const struct blk_verify_block *b)
{
	uint8_t *p = buf, pat[VERIFY_PATTERN_MAX];
	int err = verify_spec_ok(spec, len);

	if (err)
		return err;
	if (spec->pattern_len) {
		verify_pattern_for(spec, b->offset, pat);
		verify_fill_pattern(p, len, pat, spec->pattern_len);
	} else {
		verify_fill_random(p, len, b->rand_seed);
	}

	size_t hs = blk_verify_hdr_size(spec->type), inc = verify_interval_of(spec, len);
	size_t cs = blk_verify_csum_size(spec->type);
	if (!hs)
		return 0;
	for (size_t at = 0; at < len; at += inc) {
		uint8_t *h = p + at;

		put_le(h, BLK_VERIFY_MAGIC, 2);
		put_le(h + 2, (uint64_t)verify_disk_type(spec->type), 2);
		put_le(h + 4, inc, 4);
		put_le(h + 8, b->rand_seed, 8);
		put_le(h + 16, b->offset + at, 8);
		put_le(h + 24, b->time_sec, 4);
		put_le(h + 28, b->time_nsec, 4);
		put_le(h + 32, b->thread, 2);
		put_le(h + 34, b->numberio, 2);
		put_le(h + VERIFY_HDR_CRC_AT, blk_crc32c(~0U, h, VERIFY_HDR_CRC_AT), 4);
		if (cs) {
			struct blk_verify_seg seg = { h + hs, inc - hs };

			err = blk_verify_csum(spec->type, &seg, 1, h + BLK_VERIFY_HDR_BASE);
			if (err)
				return err;
		}
		if (spec->offset)
			verify_swap(h, spec->offset, hs);
	}
	return 0;
}

static void verify_hdr_fields(const uint8_t *h, struct blk_verify_block *hdr)
{
	hdr->rand_seed = get_le(h + 8, 8);
	hdr->offset = get_le(h + 16, 8);
	hdr->time_sec = (uint32_t)get_le(h + 24, 4);
	hdr->time_nsec = (uint32_t)get_le(h + 28, 4);
	hdr->thread = (uint16_t)get_le(h + 32, 2);
	hdr->numberio = get_le(h + 34, 2);
}

int blk_verify_hdr_read(const void *buf, size_t len, struct blk_verify_block *hdr, int *type,
			uint32_t *hdr_len)
{
	const uint8_t *h = buf;

	if (len < BLK_VERIFY_HDR_BASE || get_le(h, 2) != BLK_VERIFY_MAGIC ||
	    get_le(h + VERIFY_HDR_CRC_AT, 4) != blk_crc32c(~0U, h, VERIFY_HDR_CRC_AT))
		return -EINVAL;
	verify_hdr_fields(h, hdr);
	*type = (int)get_le(h + 2, 2);
	*hdr_len = (uint32_t)get_le(h + 4, 4);
	return 0;
}

/* Where a failure is, in fio's words: "at file F offset N, length L" */
struct verify_where {
	const char *file;
	uint64_t offset; /* the interval's */
	size_t len;
};

static enum blk_verify_result verify_fail(struct blk_verify_found *found, enum blk_verify_result r,
					  const struct verify_where *w, const char *what)
{
	found->result = r;
	found->bad_offset = w->offset;
	if (w->file)
		snprintf(found->detail, sizeof(found->detail),
			 "%s at file %s offset %llu, length %zu", what, w->file,
			 (unsigned long long)w->offset, w->len);
	else
		snprintf(found->detail, sizeof(found->detail), "%s at offset %llu, length %zu",
			 what, (unsigned long long)w->offset, w->len);
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
	char what[96];

	snprintf(
		what, sizeof(what),
		"pattern: got pattern '%02x', wanted '%02x'. Bad bits %d, bad pattern block offset %zu",
		got, want, __builtin_popcount((unsigned int)(got ^ want)), at_in_interval);
	verify_fail(found, BLK_VERIFY_BAD_PATTERN, w, what);
	found->bad_offset = w->offset + at_in_interval;
	return BLK_VERIFY_BAD_PATTERN;
}

/* The header's first n bytes as they were before verify_offset's swap (fio's memswp). */
static void verify_unswap(uint8_t *h, const uint8_t *q, size_t o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h[i] = !o ? q[i] : i >= o ? q[i - o] : q[i + o];
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
	char what[120];
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
	if (o && o + hs > inc)
		return verify_fail(found, BLK_VERIFY_BAD_LENGTH, w,
				   "verify: verify_offset past the interval");
	verify_unswap(h, q, o, hs);

	uint32_t magic = (uint32_t)get_le(h, 2), hlen = (uint32_t)get_le(h + 4, 4);
	uint64_t hoff = get_le(h + 16, 8);
	uint32_t hcrc = (uint32_t)get_le(h + VERIFY_HDR_CRC_AT, 4);
	uint32_t crc = blk_crc32c(~0U, h, VERIFY_HDR_CRC_AT);

	type = (int)get_le(h + 2, 2);
	found->type = type;
	if (magic != BLK_VERIFY_MAGIC) {
		snprintf(what, sizeof(what), "verify: bad magic header %x, wanted %x", magic,
			 BLK_VERIFY_MAGIC);
		return verify_fail(found, BLK_VERIFY_BAD_MAGIC, w, what);
	}
	verify_hdr_fields(h, &found->hdr);
	if (hlen != inc) {
		snprintf(what, sizeof(what), "verify: bad header length %u, wanted %zu", hlen, inc);
		return verify_fail(found, BLK_VERIFY_BAD_LENGTH, w, what);
	}
	if (hoff != offset + at) {
		snprintf(what, sizeof(what), "verify: bad header offset %llu, wanted %llu",
			 (unsigned long long)hoff, (unsigned long long)(offset + at));
		return verify_fail(found, BLK_VERIFY_BAD_OFFSET, w, what);
	}
	if (crc != hcrc) {
		snprintf(what, sizeof(what), "verify: bad header crc %x, calculated %x", hcrc, crc);
		return verify_fail(found, BLK_VERIFY_BAD_HDR_CRC, w, what);
	}

	int want = spec->type == BLK_VERIFY_NONE ? type : spec->type;
	if (type <= BLK_VERIFY_NONE || type >= BLK_VERIFY_NTYPES || type == BLK_VERIFY_NULL ||
	    type == BLK_VERIFY_PATTERN_NO_HDR || verify_disk_type(want) != verify_disk_type(type)) {
		snprintf(what, sizeof(what), "fio: verify type mismatch (%u media, %u given)",
			 (unsigned int)type, (unsigned int)want);
		return verify_fail(found, BLK_VERIFY_BAD_TYPE, w, what);
	}
	if (blk_verify_type_unbuilt(type)) {
		snprintf(what, sizeof(what), "%s: not built: %s", blk_verify_type_name(type),
			 blk_verify_type_unbuilt(type));
		return verify_fail(found, BLK_VERIFY_BAD_TYPE, w, what);
	}
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
		snprintf(what, sizeof(what), "%.8s: verify failed (expected %s, received %s)",
			 blk_verify_type_name(type), want_hex, got_hex);
		return verify_fail(found, BLK_VERIFY_BAD_CSUM, w, what);
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

	memset(found, 0, sizeof(*found));
	found->type = spec->type;
	if (spec->type < 0 || spec->type >= BLK_VERIFY_NTYPES)
		return verify_fail(found, BLK_VERIFY_BAD_TYPE, &w, "verify: unknown verify type");
	if (spec->pattern_len > VERIFY_PATTERN_MAX || (spec->pattern_len && !spec->pattern))
		return verify_fail(found, BLK_VERIFY_BAD_TYPE, &w, "verify: bad verify_pattern");
	if (spec->pattern_len)
		verify_pattern_for(spec, offset, pat);
	if (spec->type != BLK_VERIFY_NULL && spec->type != BLK_VERIFY_PATTERN_NO_HDR &&
	    (len < BLK_VERIFY_HDR_BASE || inc < BLK_VERIFY_HDR_BASE || len % inc))
		return verify_fail(found, BLK_VERIFY_BAD_LENGTH, &w,
				   "verify: block too short for a header");
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
