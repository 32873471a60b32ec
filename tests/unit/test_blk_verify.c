/*
 * test_blk_verify.c - fio's verify in pvcbench (verify_hdr.c, verify_csum.c, crc32c.c,
 * crc_small.c): known answers for every checksum (textbook vectors where fio uses the textbook
 * algorithm, and fields fio 3.33 itself wrote over a verify_pattern buffer for all), fill then
 * check for every type over several verify_interval and verify_offset values, each kind of
 * damage found as what it is, the names, and the crc32c instruction against the tables.
 * A type this build left out fails the test in CI (CI=true) and is skipped elsewhere.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/ci_skip.h"

#include "verify.h"

#define BS 4096

/* true when the type is built; in CI a missing one fails */
static bool built(int type)
{
	const char *why = blk_verify_type_unbuilt(type);

	if (!why)
		return true;
	if (t_in_ci())
		fail_msg("verify=%s not built (%s): CI builds every type",
			 blk_verify_type_name(type), why);
	print_message("skipping verify=%s: %s\n", blk_verify_type_name(type), why);
	return false;
}

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void assert_csum(int type, const void *data, size_t len, const char *hex)
{
	uint8_t got[128], want[128];
	size_t n = blk_verify_csum_size(type);
	struct blk_verify_seg seg = { data, len };

	assert_int_equal(strlen(hex), 2 * n);
	unhex(hex, want, n);
	assert_int_equal(blk_verify_csum(type, &seg, 1, got), 0);
	if (memcmp(got, want, n)) {
		char g[257];

		for (size_t i = 0; i < n; i++)
			snprintf(g + 2 * i, 3, "%02x", got[i]);
		fail_msg("%s: got %s, want %s", blk_verify_type_name(type), g, hex);
	}
}

static void test_crc_vectors(void **state)
{
	const char *s = "123456789";

	(void)state;
	/* the textbook check values, and fio's conventions on top of them */
	assert_int_equal(~blk_crc32c(~0U, s, 9), 0xe3069283);
	assert_int_equal(~blk_crc32c_sw(~0U, s, 9), 0xe3069283);
	assert_int_equal(blk_crc16(0, s, 9), 0xbb3d);		     /* CRC-16/ARC */
	assert_int_equal(blk_crc7(0, s, 9), 0x75);		     /* CRC-7/MMC */
	assert_int_equal(blk_crc64(0, s, 9), 0xe9c6d914c4b8d9caULL); /* CRC-64/Jones, init 0 */
	/* fio's crc32 is CRC-32/POSIX's register without its final inversion, not zlib's cbf43926 */
	assert_int_equal(blk_crc32(0, s, 9), (uint32_t)~0x765e7680U);
	/* chaining covers the pieces as one buffer */
	assert_int_equal(blk_crc32c(blk_crc32c(~0U, s, 4), s + 4, 5), blk_crc32c(~0U, s, 9));
	assert_int_equal(blk_crc64(blk_crc64(0, s, 3), s + 3, 6), blk_crc64(0, s, 9));
	/* what fio stores for crc32c: no final inversion */
	assert_csum(BLK_VERIFY_CRC32C, s, 9, "7c6df91c");
	assert_csum(BLK_VERIFY_CRC16, s, 9, "3dbb");
	assert_csum(BLK_VERIFY_CRC64, s, 9, "cad9b8c414d9c6e9");
	assert_csum(BLK_VERIFY_CRC7, s, 9, "75");
}

static void test_hash_vectors(void **state)
{
	(void)state;
	if (built(BLK_VERIFY_MD5))
		assert_csum(BLK_VERIFY_MD5, "abc", 3, "900150983cd24fb0d6963f7d28e17f72");
	/* fio keeps sha1's words in host order: a9993e36 4706816a ... byte-swapped per word */
	if (built(BLK_VERIFY_SHA1))
		assert_csum(BLK_VERIFY_SHA1, "abc", 3, "363e99a96a81064771253eba6cc250789dd8d09c");
	if (built(BLK_VERIFY_SHA3_256)) {
		assert_csum(BLK_VERIFY_SHA3_224, "abc", 3,
			    "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf");
		assert_csum(BLK_VERIFY_SHA3_256, "abc", 3,
			    "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
		assert_csum(BLK_VERIFY_SHA3_384, "abc", 3,
			    "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b2"
			    "98d88cea927ac7f539f1edf228376d25");
		assert_csum(BLK_VERIFY_SHA3_512, "abc", 3,
			    "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
			    "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0");
	}
}

/*
 * The fields fio 3.33 wrote (fio --rw=write --bs=4k --size=4k --verify=TYPE
 * --verify_pattern=0xdeadbeef --do_verify=0) over a 4 KiB write of the pattern: the checksum
 * covers the pattern from the header's end to the end of the block.
 */
static const struct {
	int type;
	const char *field;
} fio_fields[] = {
	{ BLK_VERIFY_MD5, "86f321f4317f1affcef25b056c377dde" },
	{ BLK_VERIFY_CRC64, "987137a39ed45ce1" },
	{ BLK_VERIFY_CRC32, "5aca10d4" },
	{ BLK_VERIFY_CRC32C, "c10dd61a" },
	{ BLK_VERIFY_CRC16, "2ffc" },
	{ BLK_VERIFY_CRC7, "0c" },
	{ BLK_VERIFY_SHA1, "02399e9fe76fb2be33c319bc70ec7ea8b410be85" },
	{ BLK_VERIFY_SHA256, "f9063f9b5d0344aedeadbeefdeadbeefdeadbeefdeadbeef8000000000000000"
			     "000000000000000000000000000000000000000000000000c07c000000000000" },
	{ BLK_VERIFY_SHA512, "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"
			     "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"
			     "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"
			     "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef" },
	{ BLK_VERIFY_SHA3_224, "5af34c9b2dc31730356242626419f9dbfaabf73d36b4a9cdc60405ec" },
	{ BLK_VERIFY_SHA3_256, "d59cc0ee2df3f366f0b9295cd301d052aeaeebee40da6317ec2d00d1a8121ade" },
	{ BLK_VERIFY_SHA3_384, "a6a06bd2da07d15859747129011a980c5ba00e9fe605c15ee5b3d497237cf58e"
			       "9addfa50fdd21d31f2614bd466071736" },
	{ BLK_VERIFY_SHA3_512, "e16f0ae6f9302328919698ef0144e67f458048cdb159a5e2ead177ab8e33d88d"
			       "761d20aab4b8d838018c12c05fba3196364d5e05f67387b63fc3bc0b3c9cad59" },
	{ BLK_VERIFY_XXHASH, "2dd6b400" },
};

static void test_fio_fields(void **state)
{
	static const uint8_t pat[4] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t buf[BS];

	(void)state;
	for (size_t i = 0; i < BS; i++)
		buf[i] = pat[i % 4];
	for (size_t i = 0; i < sizeof(fio_fields) / sizeof(fio_fields[0]); i++) {
		int type = fio_fields[i].type;
		size_t hs = blk_verify_hdr_size(type);

		if (!built(type))
			continue;
		assert_int_equal(hs, BLK_VERIFY_HDR_BASE + blk_verify_csum_size(type));
		assert_csum(type, buf + hs, BS - hs, fio_fields[i].field);
	}
}

/* every type, as a spec: the pattern types get one, with %o for verify=pattern */
static void spec_for(struct blk_verify_spec *s, int type, uint32_t interval, uint32_t offset,
		     uint8_t *pat)
{
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->interval = interval;
	s->offset = offset;
	if (type == BLK_VERIFY_PATTERN || type == BLK_VERIFY_PATTERN_NO_HDR) {
		/* 0xaabb%o"xy": fio reserves the offset's 8 bytes in the pattern */
		memcpy(pat, "\xaa\xbb\0\0\0\0\0\0\0\0xy", 12);
		s->pattern = pat;
		s->pattern_len = 12;
		s->pattern_has_offset = type == BLK_VERIFY_PATTERN_NO_HDR;
		s->pattern_offset_at = 2;
	}
}

static const struct blk_verify_block blk0 = {
	.offset = 0x30000,
	.rand_seed = 0x123456789abcdefULL,
	.numberio = 0x10007,
	.time_sec = 12,
	.time_nsec = 345678,
	.thread = 3,
};

static void test_round_trip(void **state)
{
	static const uint32_t intervals[] = { 0, 512, 1024, 4096 };
	uint8_t buf[BS], pat[16];

	(void)state;
	for (int type = 1; type < BLK_VERIFY_NTYPES; type++) {
		if (!built(type))
			continue;
		for (size_t i = 0; i < 4; i++) {
			size_t inc = intervals[i] ? intervals[i] : BS;
			size_t hs = blk_verify_hdr_size(type);
			uint32_t offsets[] = { 0, (uint32_t)hs, 200, (uint32_t)(inc - hs) };

			for (size_t k = 0; k < 4; k++) {
				struct blk_verify_spec s;
				struct blk_verify_found f;

				if (k && (!hs || offsets[k] < hs || offsets[k] + hs > inc))
					continue;
				spec_for(&s, type, intervals[i], offsets[k], pat);
				assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), 0);
				if (blk_verify_check(&s, buf, BS, blk0.offset, &f) != BLK_VERIFY_OK)
					fail_msg("%s interval %zu offset %u: %s",
						 blk_verify_type_name(type), inc, offsets[k],
						 f.detail);
				/* the same seed gives the same data: fio's meaning of rand_seed */
				uint8_t again[BS];
				assert_int_equal(blk_verify_fill(&s, again, BS, &blk0), 0);
				assert_memory_equal(buf, again, BS);
			}
		}
	}
}

/* Each kind of damage, found as what it is, at the interval (or byte) where it is. */
static void test_damage(void **state)
{
	uint8_t buf[BS], pat[16];
	struct blk_verify_spec s;
	struct blk_verify_found f;

	(void)state;
	for (int type = 1; type < BLK_VERIFY_NTYPES; type++) {
		if (type == BLK_VERIFY_NULL || !built(type))
			continue;
		size_t hs = blk_verify_hdr_size(type);
		spec_for(&s, type, 1024, 0, pat);

		/* a flipped data byte in the third interval: the checksum, or the pattern */
		assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), 0);
		buf[2048 + 1000] ^= 0x10;
		enum blk_verify_result r = blk_verify_check(&s, buf, BS, blk0.offset, &f);
		if (type == BLK_VERIFY_HDR_ONLY) {
			/* meta checks the header alone: data damage goes unseen, as in fio */
			assert_int_equal(r, BLK_VERIFY_OK);
		} else if (!blk_verify_csum_size(type)) {
			assert_int_equal(r, BLK_VERIFY_BAD_PATTERN);
			assert_int_equal(f.bad_offset, blk0.offset + 2048 + 1000);
			assert_non_null(strstr(f.detail, "Bad bits 1"));
		} else {
			assert_int_equal(r, BLK_VERIFY_BAD_CSUM);
			assert_int_equal(f.bad_offset, blk0.offset + 2048);
			assert_non_null(strstr(f.detail, "verify failed"));
		}
		if (!hs)
			continue;

		/* read back at another offset: the header names its own */
		assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), 0);
		assert_int_equal(blk_verify_check(&s, buf, BS, blk0.offset + BS, &f),
				 BLK_VERIFY_BAD_OFFSET);
		assert_non_null(strstr(f.detail, "bad header offset"));

		/* a zeroed interval (a write that never landed) */
		memset(buf + 1024, 0, 1024);
		assert_int_equal(blk_verify_check(&s, buf, BS, blk0.offset, &f),
				 BLK_VERIFY_BAD_MAGIC);
		assert_int_equal(f.bad_offset, blk0.offset + 1024);
		assert_string_equal(f.detail, "verify: bad magic header 0, wanted acca at offset "
					      "197632, length 1024");

		/* a header field changed: its own crc32c */
		assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), 0);
		buf[3072 + 25] ^= 1; /* time_sec */
		assert_int_equal(blk_verify_check(&s, buf, BS, blk0.offset, &f),
				 BLK_VERIFY_BAD_HDR_CRC);

		/* another interval length than the one written */
		assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), 0);
		s.interval = 2048;
		assert_int_equal(blk_verify_check(&s, buf, BS, blk0.offset, &f),
				 BLK_VERIFY_BAD_LENGTH);
	}

	/* a block of one type checked as another; verify=0 checks whatever the header says */
	if (built(BLK_VERIFY_MD5)) {
		spec_for(&s, BLK_VERIFY_MD5, 0, 0, pat);
		assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), 0);
		s.type = BLK_VERIFY_CRC32C;
		assert_int_equal(blk_verify_check(&s, buf, BS, blk0.offset, &f),
				 BLK_VERIFY_BAD_TYPE);
		assert_string_equal(f.detail,
				    "fio: verify type mismatch (2 media, 5 given) at offset "
				    "196608, length 4096");
		s.type = BLK_VERIFY_NONE;
		assert_int_equal(blk_verify_check(&s, buf, BS, blk0.offset, &f), BLK_VERIFY_OK);
		assert_int_equal(f.type, BLK_VERIFY_MD5);
	}
	/* crc32c-intel is written as crc32c, and either name checks it */
	spec_for(&s, BLK_VERIFY_CRC32C_INTEL, 0, 0, pat);
	assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), 0);
	assert_int_equal(buf[2], BLK_VERIFY_CRC32C);
	s.type = BLK_VERIFY_CRC32C;
	assert_int_equal(blk_verify_check(&s, buf, BS, blk0.offset, &f), BLK_VERIFY_OK);
	/* the file's name in fio's words */
	buf[100] ^= 0xff;
	assert_int_equal(blk_verify_check_file(&s, "/data/f", buf, BS, blk0.offset, &f),
			 BLK_VERIFY_BAD_CSUM);
	assert_non_null(strstr(f.detail, "crc32c: verify failed"));
	assert_non_null(strstr(f.detail, "at file /data/f offset 196608, length 4096"));
}

static void test_header_fields(void **state)
{
	uint8_t buf[BS], pat[16];
	struct blk_verify_spec s;
	struct blk_verify_block h;
	int type;
	uint32_t len;

	(void)state;
	spec_for(&s, BLK_VERIFY_CRC32C, 2048, 0, pat);
	assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), 0);
	/* fio's layout, byte for byte */
	assert_int_equal(buf[0], 0xca);
	assert_int_equal(buf[1], 0xac);
	assert_int_equal(buf[4] | buf[5] << 8, 2048);
	assert_int_equal(blk_verify_hdr_read(buf + 2048, BS - 2048, &h, &type, &len), 0);
	assert_int_equal(type, BLK_VERIFY_CRC32C);
	assert_int_equal(len, 2048);
	assert_int_equal(h.offset, blk0.offset + 2048);
	assert_int_equal(h.rand_seed, blk0.rand_seed);
	assert_int_equal(h.numberio, blk0.numberio & 0xffff); /* 16 bits on disk, as fio */
	assert_int_equal(h.time_sec, 12);
	assert_int_equal(h.time_nsec, 345678);
	assert_int_equal(h.thread, 3);
	buf[20] ^= 1;
	assert_int_equal(blk_verify_hdr_read(buf, BS, &h, &type, &len), -EINVAL);
	assert_int_equal(blk_verify_hdr_read(buf + 2048, 39, &h, &type, &len), -EINVAL);

	/* verify_offset moves the header: at the start are data bytes, the header is at 100 */
	spec_for(&s, BLK_VERIFY_CRC32C, 0, 100, pat);
	assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), 0);
	assert_int_equal(blk_verify_hdr_read(buf + 100, BS - 100, &h, &type, &len), 0);
	assert_int_equal(blk_verify_hdr_read(buf, BS, &h, &type, &len), -EINVAL);

	/* what the fill refuses: a block too small for the header, a partial interval, a
	 * verify_offset past the interval's end or over the header itself */
	spec_for(&s, BLK_VERIFY_SHA512, 0, 0, pat);
	assert_int_equal(blk_verify_fill(&s, buf, 168, &blk0), -EINVAL);
	spec_for(&s, BLK_VERIFY_CRC32C, 1000, 0, pat);
	assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), -EINVAL);
	spec_for(&s, BLK_VERIFY_CRC32C, 0, BS - 40, pat);
	assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), -EINVAL);
	spec_for(&s, BLK_VERIFY_MD5, 0, 40, pat);
	assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0),
			 blk_verify_type_unbuilt(BLK_VERIFY_MD5) ? -ENOTSUP : -EINVAL);
	spec_for(&s, BLK_VERIFY_NTYPES, 0, 0, pat);
	assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), -EINVAL);

	/* a read too short for the header: a length error, never a read past the buffer (the
	 * sanitizer build would see one) */
	struct blk_verify_found f;
	uint8_t *small = malloc(100);
	assert_non_null(small);
	memcpy(small, buf, 100);
	spec_for(&s, BLK_VERIFY_SHA512, 0, 0, pat);
	assert_int_equal(blk_verify_check(&s, small, 100, 0, &f), BLK_VERIFY_BAD_LENGTH);
	spec_for(&s, BLK_VERIFY_CRC32C, 0, 80, pat);
	assert_int_equal(blk_verify_check(&s, small, 100, 0, &f), BLK_VERIFY_BAD_LENGTH);
	spec_for(&s, BLK_VERIFY_NONE, 0, 0, pat);
	assert_int_equal(blk_verify_check(&s, small, 30, 0, &f), BLK_VERIFY_BAD_LENGTH);
	free(small);

	/* verify=pattern with %o: every copy of the pattern carries the write's offset */
	spec_for(&s, BLK_VERIFY_PATTERN_NO_HDR, 0, 0, pat);
	assert_int_equal(blk_verify_fill(&s, buf, BS, &blk0), 0);
	assert_memory_equal(buf, "\xaa\xbb\x00\x00\x03\x00\x00\x00\x00\x00xy\xaa\xbb", 14);
	assert_memory_equal(buf + 12 * 300, buf, 12);
}

static void test_names(void **state)
{
	int type, n = 0;

	(void)state;
	for (const char *const *name = blk_verify_type_names; *name; name++, n++) {
		int err = blk_verify_type_parse(*name, &type);

		assert_true(err == 0 || err == -ENOTSUP);
		assert_string_equal(blk_verify_type_name(type), *name);
	}
	assert_int_equal(n, 19); /* fio 3.33's list, with "0" */
	assert_int_equal(blk_verify_type_parse("crc32c-intel", &type), 0);
	assert_int_equal(type, BLK_VERIFY_CRC32C_INTEL);
	assert_int_equal(blk_verify_type_parse("meta", &type), 0);
	assert_int_equal(type, BLK_VERIFY_HDR_ONLY);
	assert_int_equal(blk_verify_type_parse("pattern", &type), 0);
	assert_int_equal(type, BLK_VERIFY_PATTERN_NO_HDR);
	assert_int_equal(blk_verify_type_parse("sha384", &type), -EINVAL);
	assert_int_equal(blk_verify_type_parse("pattern-header", &type), -EINVAL);
	/* fio's on-disk numbers */
	assert_int_equal(BLK_VERIFY_MD5, 2);
	assert_int_equal(BLK_VERIFY_SHA1, 16);
	assert_int_equal(BLK_VERIFY_PATTERN, 17);
	assert_int_equal(BLK_VERIFY_NULL, 19);
	assert_string_equal(blk_verify_result_name(BLK_VERIFY_BAD_MAGIC), "bad magic");
}

/* The crc32 instruction and the tables agree, at every alignment and length. */
static void test_crc32c_hw_sw(void **state)
{
	static uint8_t buf[8192 + 16];
	uint64_t x = 88172645463325252ULL;

	(void)state;
	if (!blk_crc32c_hw())
		print_message("no SSE4.2 here: both sides are the tables\n");
	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (int round = 0; round < 2000; round++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t start = x % 16, len = (x >> 8) % 8192;
		uint32_t seed = (uint32_t)(x >> 32);

		assert_int_equal(blk_crc32c(seed, buf + start, len),
				 blk_crc32c_sw(seed, buf + start, len));
	}
}

/* crc32 and crc64 eat eight bytes at a time: the same as one byte at a time, at any length. */
static void test_crc_slicing(void **state)
{
	static uint8_t buf[1024];
	uint64_t x = 0x2545f4914f6cdd1dULL;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (size_t len = 0; len < 300; len += 7) {
		uint32_t c32 = 0;
		uint64_t c64 = 0;

		for (size_t i = 0; i < len; i++) {
			c32 = blk_crc32(c32, buf + 3 + i, 1);
			c64 = blk_crc64(c64, buf + 3 + i, 1);
		}
		assert_int_equal(blk_crc32(0, buf + 3, len), c32);
		assert_int_equal(blk_crc64(0, buf + 3, len), c64);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_vectors), cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_fio_fields),  cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_damage),	    cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_names),	    cmocka_unit_test(test_crc32c_hw_sw),
		cmocka_unit_test(test_crc_slicing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
