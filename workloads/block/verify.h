/*
 * verify.h - fio's verify: the block header it writes at the start of every verified block
 * (and every verify_interval), the checksums over the data, and the check of a block read back.
 *
 * The on-disk layout is fio 3.33's, field for field (magic 0xacca, verify_type, len, rand_seed,
 * offset, time_sec, time_nsec, thread, numberio, the header's own crc32c; then the type's
 * checksum header; then the data), so that blocks written by fio check here and ours check in
 * fio. Checksums come from libraries where Debian packages one (OpenSSL's libcrypto for md5,
 * sha1, sha256, sha512, sha3-*; libxxhash for xxhash), crc32c from the CPU's crc32 instruction
 * where it has one; crc7, crc16, crc32 and crc64 are small tables here.
 *
 * Implemented by verify_hdr.c (layout, fill, check), verify_csum.c (the checksum table),
 * crc_small.c (crc7, crc16, crc64), crc32c.c.
 */
#ifndef PVCBENCH_BLOCK_VERIFY_H
#define PVCBENCH_BLOCK_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* fio's verify types, numbered as fio numbers them on disk (its enum in verify.h) */
enum blk_verify_type {
	BLK_VERIFY_NONE = 0,
	/* the remaining values are fio 3.33's, in its order: verify_hdr.c's table holds them */
	BLK_VERIFY_NTYPES = 32
};

/* fio's names ("crc32c", "crc32c-intel", "md5", "sha3-256", "meta", "pattern", "null", ...):
 * 0 with *type set, or -EINVAL. */
int blk_verify_type_parse(const char *name, int *type);
const char *blk_verify_type_name(int type);
/* Every name fio 3.33 accepts for verify=, NULL-terminated (for the option's allowed values). */
extern const char *const blk_verify_type_names[];

/* How a job verifies: what fio's verify_* options say. */
struct blk_verify_spec {
	int type;		/* enum blk_verify_type value */
	uint32_t interval;	/* verify_interval: a header every interval bytes (0: bs) */
	uint32_t offset;	/* verify_offset: the header is swapped to this offset */
	const uint8_t *pattern; /* verify_pattern bytes, NULL: none */
	uint32_t pattern_len;
	bool pattern_has_offset; /* %o in verify_pattern: the block's offset is written in */
};

/* What identifies one written block: fio's header fields. */
struct blk_verify_block {
	uint64_t offset;    /* in the file */
	uint64_t rand_seed; /* the seed its random data was made from */
	uint64_t numberio;  /* the job's write number (fio: io_u->numberio) */
	uint32_t time_sec, time_nsec;
	uint16_t thread; /* the job's number */
};

/* The header's size for a type (fio's hdr_size): the header plus the type's checksum header. */
size_t blk_verify_hdr_size(int type);

/*
 * Fills buf (len bytes, the whole write) as fio does for verify: random data from b->rand_seed
 * (or verify_pattern), then a header per interval, each checksummed. Returns 0 or -EINVAL (len
 * too small for the header).
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
};

/*
 * Checks one block read back from offset (len bytes): every interval's header and checksum,
 * as fio's verify_io_u does. Returns the first failure (found->result), BLK_VERIFY_OK if none.
 */
enum blk_verify_result blk_verify_check(const struct blk_verify_spec *spec, const void *buf,
					size_t len, uint64_t offset,
					struct blk_verify_found *found);

/*
 * Reads the header at the start of buf, without checking the data: 0 when the magic and the
 * header's own crc32c hold (hdr and *type filled), else -EINVAL. For the ack ledger's checker.
 */
int blk_verify_hdr_read(const void *buf, size_t len, struct blk_verify_block *hdr, int *type,
			uint32_t *hdr_len);

/* crc32c (Castagnoli), with the CPU's instruction where it has one; crc starts at ~0 as fio. */
uint32_t blk_crc32c(uint32_t crc, const void *buf, size_t len);
bool blk_crc32c_hw(void);

#endif
