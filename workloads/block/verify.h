/*
 * verify.h - fio's verify: the block header it writes at the start of every verified block
 * (and every verify_interval), the checksums over the data, and the check of a block read back.
 *
 * The on-disk layout is fio 3.33's, field for field (magic 0xacca, verify_type, len, rand_seed,
 * offset, time_sec, time_nsec, thread, numberio, the header's own crc32c; then the type's
 * checksum header; then the data), so that blocks written by fio check here and ours check in
 * fio. Checksums come from libraries where Debian packages one (OpenSSL's libcrypto for md5,
 * sha1, sha256's compression, sha3-*; libxxhash for xxhash), crc32c from the CPU's crc32
 * instruction where it has one; crc7, crc16, crc32 and crc64 are small tables here, and fio's
 * sha512 needs no hash at all (below).
 *
 * Implemented by verify_hdr.c (layout, fill, names), verify_check.c (the check), both over
 * verify_layout.h, verify_csum.c (the checksum table), crc_small.c (crc7, crc16, crc32, crc64),
 * crc32c.c.
 *
 * fio 3.33's checksums are not all the textbook ones, and the bytes on disk are what count:
 * its crc32c starts at ~0 and is not inverted at the end (the textbook value's complement); its
 * crc32 is the MSB-first 0x04c11db7 crc from 0 without a final xor (not zlib's); crc64 is the
 * reflected 0x95ac9329ac4bc9b5 (Jones) from 0; crc16 is CRC-16/ARC; crc7 is the MMC crc7;
 * sha1's five words are stored in host (little-endian) order; "sha256" pads with a
 * little-endian bit count and keeps only the low byte of each state word, in a 64-byte field
 * that also holds its last block; "sha512" never finalises: its 128-byte field is the hash's
 * block buffer (the data's first 128 bytes under its last partial block). Every field is written
 * in little-endian order (fio writes host order; pvcbench runs on little-endian hosts).
 */
#ifndef PVCBENCH_BLOCK_VERIFY_H
#define PVCBENCH_BLOCK_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* fio's verify types, numbered as fio numbers them on disk (its enum in verify.h) */
enum blk_verify_type {
	BLK_VERIFY_NONE = 0,
	BLK_VERIFY_HDR_ONLY, /* verify=meta: the header alone (and verify_pattern if given) */
	BLK_VERIFY_MD5,
	BLK_VERIFY_CRC64,
	BLK_VERIFY_CRC32,
	BLK_VERIFY_CRC32C,
	BLK_VERIFY_CRC32C_INTEL, /* fio writes it as CRC32C on disk */
	BLK_VERIFY_CRC16,
	BLK_VERIFY_CRC7,
	BLK_VERIFY_SHA256,
	BLK_VERIFY_SHA512,
	BLK_VERIFY_SHA3_224,
	BLK_VERIFY_SHA3_256,
	BLK_VERIFY_SHA3_384,
	BLK_VERIFY_SHA3_512,
	BLK_VERIFY_XXHASH,
	BLK_VERIFY_SHA1,
	BLK_VERIFY_PATTERN,	   /* verify_pattern without verify=: a header, then the pattern */
	BLK_VERIFY_PATTERN_NO_HDR, /* verify=pattern: the pattern alone, no header at all */
	BLK_VERIFY_NULL,	   /* verify=null: pretend */
	BLK_VERIFY_NTYPES
};

/* fio's magic, the first two bytes of every header */
#define BLK_VERIFY_MAGIC 0xacca
/* sizeof fio's struct verify_header: the fields before the type's checksum */
#define BLK_VERIFY_HDR_BASE 40

/*
 * fio's names ("crc32c", "crc32c-intel", "md5", "sha3-256", "meta", "pattern", "null", "0"):
 * 0 with *type set; -EINVAL for a name fio does not know; -ENOTSUP (with *type set) for a type
 * this build left out, blk_verify_type_unbuilt() says why.
 */
int blk_verify_type_parse(const char *name, int *type);
const char *blk_verify_type_name(int type);
/* Every name fio 3.33 accepts for verify=, NULL-terminated (for the option's allowed values). */
extern const char *const blk_verify_type_names[];
/* NULL when this build computes the type, else what was missing ("libssl-dev was missing"). */
const char *blk_verify_type_unbuilt(int type);

/* How a job verifies: what fio's verify_* options say. */
struct blk_verify_spec {
	int type;		/* enum blk_verify_type value */
	uint32_t interval;	/* verify_interval: a header every interval bytes (0: bs) */
	uint32_t offset;	/* verify_offset: the header is swapped to this offset */
	const uint8_t *pattern; /* verify_pattern bytes, NULL: none */
	uint32_t pattern_len;
	bool pattern_has_offset; /* %o in verify_pattern: the block's offset is written in */
	/* where %o sits in pattern: the 8 bytes there (reserved in pattern_len, as fio does) take
	 * the offset of the whole write, little-endian, in every copy of the pattern */
	uint32_t pattern_offset_at;
};

/* What identifies one written block: fio's header fields. */
struct blk_verify_block {
	uint64_t offset;    /* in the file */
	uint64_t rand_seed; /* the seed its random data was made from */
	uint64_t numberio;  /* the job's write number (fio: io_u->numberio) */
	uint32_t time_sec, time_nsec;
	uint16_t thread; /* the job's number */
};

/* The header's size for a type (fio's hdr_size): the header plus the type's checksum header;
 * 0 for the types that write none (pattern, null, none). */
size_t blk_verify_hdr_size(int type);

/*
 * Fills buf (len bytes, the whole write) as fio does for verify: random data from b->rand_seed
 * (or verify_pattern), then a header per interval, each checksummed. Returns 0 or -EINVAL (len
 * too small for the header, not a whole number of intervals, verify_offset inside the header or
 * past the interval's end, a pattern over 512 bytes), -ENOTSUP (a type this build left out).
 * fio's types for its options: verify=meta is BLK_VERIFY_HDR_ONLY; verify_pattern without
 * verify= is BLK_VERIFY_PATTERN (a header, then the pattern); verify=pattern is
 * BLK_VERIFY_PATTERN_NO_HDR; verify=null writes data and no header.
 *
 * The random data is pvcbench's own (splitmix64 from rand_seed, 8 bytes at a time, little-endian),
 * not fio's bytes: the same seed always gives the same data, which is what fio's rand_seed means.
 * numberio is stored in 16 bits, as fio stores it.
 */
int blk_verify_fill(const struct blk_verify_spec *spec, void *buf, size_t len,
		    const struct blk_verify_block *b);

/* What a check found. */
enum blk_verify_result {
	BLK_VERIFY_OK = 0,
	BLK_VERIFY_BAD_MAGIC,	/* no fio header where one should be */
	BLK_VERIFY_BAD_HDR_CRC, /* the header's own crc32c fails */
	BLK_VERIFY_BAD_LENGTH,
	BLK_VERIFY_BAD_OFFSET, /* the header names another offset */
	BLK_VERIFY_BAD_TYPE,
	BLK_VERIFY_BAD_CSUM,	/* the data's checksum fails */
	BLK_VERIFY_BAD_PATTERN, /* pattern: a byte differs */
};
struct blk_verify_found {
	enum blk_verify_result result;
	struct blk_verify_block hdr; /* the header read (when the magic held) */
	uint64_t bad_offset;	     /* file offset of the interval (or byte) that failed */
	char detail[160]; /* fio's words: "bad magic header 0, wanted acca at file ..." */
	int type;	  /* the type the header named (the spec's when there is no header) */
};

/*
 * Checks one block read back from offset (len bytes): every interval's header and checksum,
 * as fio's verify_io_u does. Returns the first failure (found->result), BLK_VERIFY_OK if none.
 * With spec->type BLK_VERIFY_NONE it checks whichever type each header names. rand_seed and
 * numberio are not compared (fio compares them with what it regenerates; the caller who knows
 * them compares found->hdr). buf is only read.
 */
enum blk_verify_result blk_verify_check(const struct blk_verify_spec *spec, const void *buf,
					size_t len, uint64_t offset,
					struct blk_verify_found *found);
/* The same, naming the file in the detail as fio does ("... at file F offset N, length L"). */
enum blk_verify_result blk_verify_check_file(const struct blk_verify_spec *spec, const char *file,
					     const void *buf, size_t len, uint64_t offset,
					     struct blk_verify_found *found);
const char *blk_verify_result_name(enum blk_verify_result r); /* "bad magic", ... */

/*
 * Reads the header at the start of buf, without checking the data: 0 when the magic and the
 * header's own crc32c hold (hdr and *type filled), else -EINVAL. For the ack ledger's checker.
 */
int blk_verify_hdr_read(const void *buf, size_t len, struct blk_verify_block *hdr, int *type,
			uint32_t *hdr_len);

/*
 * A type's checksum field over data given in pieces (verify_offset splits the data in three):
 * writes blk_verify_csum_size(type) bytes to out, as fio stores them. 0, or -ENOTSUP for a type
 * this build left out, -EINVAL for a type without a checksum.
 */
struct blk_verify_seg {
	const void *p;
	size_t len;
};
size_t blk_verify_csum_size(int type);
int blk_verify_csum(int type, const struct blk_verify_seg *seg, int nseg, uint8_t *out);

/*
 * crc32c (Castagnoli), with the CPU's instruction where it has one. No inversion on the way in
 * or out: fio's crc32c is blk_crc32c(~0U, ...) as it is; the textbook crc32c is
 * ~blk_crc32c(~0U, ...). Calls chain: blk_crc32c(blk_crc32c(c, a), b) covers a then b.
 */
uint32_t blk_crc32c(uint32_t crc, const void *buf, size_t len);
uint32_t blk_crc32c_sw(uint32_t crc, const void *buf, size_t len); /* the table, always */
bool blk_crc32c_hw(void);

/* fio's small crcs (crc_small.c), chaining as blk_crc32c; fio starts each at 0. */
uint8_t blk_crc7(uint8_t crc, const void *buf, size_t len);
uint16_t blk_crc16(uint16_t crc, const void *buf, size_t len);
uint32_t blk_crc32(uint32_t crc, const void *buf, size_t len);
uint64_t blk_crc64(uint64_t crc, const void *buf, size_t len);

#endif
