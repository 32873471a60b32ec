/*
 * verify_layout.h - what verify_hdr.c (the fill) and verify_check.c (the check) share of fio's
 * layout: the header's field positions, the interval, the pattern with %o, little-endian fields.
 * Private to those two files.
 */
#ifndef PVCBENCH_BLOCK_VERIFY_LAYOUT_H
#define PVCBENCH_BLOCK_VERIFY_LAYOUT_H

#include <string.h>

#include "verify.h"

/* fio's MAX_PATTERN_SIZE */
#define VERIFY_PATTERN_MAX 512
/* the largest header: base and sha512's 128-byte field */
#define VERIFY_HDR_MAX (BLK_VERIFY_HDR_BASE + 128)
/* the header's own crc covers the bytes before it */
#define VERIFY_HDR_CRC_AT 36

/* crc32c-intel is fio's other name for crc32c, and fio writes it as crc32c */
static inline int verify_disk_type(int type)
{
	return type == BLK_VERIFY_CRC32C_INTEL ? BLK_VERIFY_CRC32C : type;
}

/* fio's hdr_inc: a header every verify_interval bytes, or one for the whole write */
static inline size_t verify_interval_of(const struct blk_verify_spec *spec, size_t len)
{
	if (spec->interval && spec->interval <= len)
		return spec->interval;
	return len;
}

static inline void verify_put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t verify_get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The pattern as it is written for a write at offset: %o's 8 bytes take the offset. */
static inline void verify_pattern_for(const struct blk_verify_spec *spec, uint64_t offset,
				      uint8_t *out)
{
	memcpy(out, spec->pattern, spec->pattern_len);
	if (spec->pattern_has_offset && spec->pattern_offset_at < spec->pattern_len) {
		uint8_t le[8];
		size_t n = spec->pattern_len - spec->pattern_offset_at;

		verify_put_le(le, offset, 8);
		memcpy(out + spec->pattern_offset_at, le, n < 8 ? n : 8);
	}
}

/* The header's fields (not the magic, type, len or crc) from its bytes. */
static inline void verify_hdr_fields(const uint8_t *h, struct blk_verify_block *hdr)
{
	hdr->rand_seed = verify_get_le(h + 8, 8);
	hdr->offset = verify_get_le(h + 16, 8);
	hdr->time_sec = (uint32_t)verify_get_le(h + 24, 4);
	hdr->time_nsec = (uint32_t)verify_get_le(h + 28, 4);
	hdr->thread = (uint16_t)verify_get_le(h + 32, 2);
	hdr->numberio = verify_get_le(h + 34, 2);
}

#endif
