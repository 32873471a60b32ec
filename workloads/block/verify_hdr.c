/*
 * verify_hdr.c - fio 3.33's verify layout: the header at the start of every verify_interval of a
 * write, what fills the rest, and the types' names and sizes.
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
 * Invariant: the fill writes nothing outside [buf, buf + len). The check is verify_check.c.
 */
#include <errno.h>
#include <string.h>

#include "verify.h"
#include "verify_layout.h"

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

static void verify_fill_random(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t s = seed;

	/* splitmix64: fast (no dependency between words but the counter), and every seed gives a
	 * well-mixed stream */
	while (len) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		if (len < 8) {
			uint8_t le[8];

			verify_put_le(le, z, 8);
			memcpy(p, le, len);
			return;
		}
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		z = __builtin_bswap64(z);
#endif
		memcpy(p, &z, 8);
		p += 8;
		len -= 8;
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

		verify_put_le(h, BLK_VERIFY_MAGIC, 2);
		verify_put_le(h + 2, (uint64_t)verify_disk_type(spec->type), 2);
		verify_put_le(h + 4, inc, 4);
		verify_put_le(h + 8, b->rand_seed, 8);
		verify_put_le(h + 16, b->offset + at, 8);
		verify_put_le(h + 24, b->time_sec, 4);
		verify_put_le(h + 28, b->time_nsec, 4);
		verify_put_le(h + 32, b->thread, 2);
		verify_put_le(h + 34, b->numberio, 2);
		verify_put_le(h + VERIFY_HDR_CRC_AT, blk_crc32c(~0U, h, VERIFY_HDR_CRC_AT), 4);
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

int blk_verify_hdr_read(const void *buf, size_t len, struct blk_verify_block *hdr, int *type,
			uint32_t *hdr_len)
{
	const uint8_t *h = buf;

	if (len < BLK_VERIFY_HDR_BASE || verify_get_le(h, 2) != BLK_VERIFY_MAGIC ||
	    verify_get_le(h + VERIFY_HDR_CRC_AT, 4) != blk_crc32c(~0U, h, VERIFY_HDR_CRC_AT))
		return -EINVAL;
	verify_hdr_fields(h, hdr);
	*type = (int)verify_get_le(h + 2, 2);
	*hdr_len = (uint32_t)verify_get_le(h + 4, 4);
	return 0;
}
