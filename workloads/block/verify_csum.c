/*
 * verify_csum.c - the checksum field of each fio verify type, byte for byte as fio 3.33 writes
 * it (see verify.h for where fio departs from the textbook algorithms).
 *
 * md5, sha1 and sha3-* come from OpenSSL's libcrypto (EVP); fio's "sha256" is SHA-256's
 * compression over fio's own padding (a little-endian bit count), run by libcrypto's SHA256_Update
 * and read back from its state; fio's "sha512" stores no hash at all, only the hash's block
 * buffer, so it needs no library; xxhash is libxxhash's XXH32 with seed 1, as fio seeds it.
 * A type whose library the build lacked answers -ENOTSUP, and blk_verify_type_unbuilt() says why.
 *
 * The data comes in up to a few segments (verify_offset moves the header into the data) and
 * every type accepts them in order, as if they were one buffer.
 */
#include <errno.h>
#include <string.h>

#include "verify.h"

#ifdef PVC_HAVE_LIBCRYPTO
/* fio's sha256 needs the bare compression function: libcrypto still ships the SHA256_* calls */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/sha.h>
#endif
#ifdef PVC_HAVE_XXHASH
#define XXH_STATIC_LINKING_ONLY 1
#include <xxhash.h>
#endif

size_t blk_verify_csum_size(int type)
{
	switch (type) {
	case BLK_VERIFY_MD5:
		return 16;
	case BLK_VERIFY_CRC64:
		return 8;
	case BLK_VERIFY_CRC32:
	case BLK_VERIFY_CRC32C:
	case BLK_VERIFY_CRC32C_INTEL:
	case BLK_VERIFY_XXHASH:
		return 4;
	case BLK_VERIFY_CRC16:
		return 2;
	case BLK_VERIFY_CRC7:
		return 1;
	case BLK_VERIFY_SHA256:
		return 64;
	case BLK_VERIFY_SHA512:
		return 128;
	case BLK_VERIFY_SHA3_224:
		return 28;
	case BLK_VERIFY_SHA3_256:
		return 32;
	case BLK_VERIFY_SHA3_384:
		return 48;
	case BLK_VERIFY_SHA3_512:
		return 64;
	case BLK_VERIFY_SHA1:
		return 20;
	default:
		return 0;
	}
}

const char *blk_verify_type_unbuilt(int type)
{
	switch (type) {
	case BLK_VERIFY_MD5:
	case BLK_VERIFY_SHA1:
	case BLK_VERIFY_SHA256:
	case BLK_VERIFY_SHA3_224:
	case BLK_VERIFY_SHA3_256:
	case BLK_VERIFY_SHA3_384:
	case BLK_VERIFY_SHA3_512:
#ifdef PVC_HAVE_LIBCRYPTO
		return NULL;
#else
		return "libssl-dev was missing";
#endif
	case BLK_VERIFY_XXHASH:
#ifdef PVC_HAVE_XXHASH
		return NULL;
#else
		return "libxxhash-dev was missing";
#endif
	default:
		return NULL;
	}
}

static void put_le(uint8_t *out, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++, v >>= 8)
		out[i] = (uint8_t)v;
}

static size_t segs_total(const struct blk_verify_seg *seg, int nseg)
{
	size_t n = 0;

	for (int i = 0; i < nseg; i++)
		n += seg[i].len;
	return n;
}

/* Copies the data's bytes [from, from + len) out of the segments. */
static void segs_copy(const struct blk_verify_seg *seg, int nseg, size_t from, uint8_t *out,
		      size_t len)
{
	for (int i = 0; i < nseg && len; i++) {
		if (from >= seg[i].len) {
			from -= seg[i].len;
			continue;
		}
		size_t n = seg[i].len - from;
		if (n > len)
			n = len;
		memcpy(out, (const uint8_t *)seg[i].p + from, n);
		out += n;
		len -= n;
		from = 0;
	}
}

/*
 * fio's sha512 runs its update once and never its final: the field is its 128-byte block buffer,
 * the data's first block with the last partial block copied over its start (zeros past the data
 * when there is less than a block: fio leaves whatever was there).
 */
static void csum_fio_sha512(const struct blk_verify_seg *seg, int nseg, uint8_t *out)
{
	size_t n = segs_total(seg, nseg);

	memset(out, 0, 128);
	segs_copy(seg, nseg, 0, out, n < 128 ? n : 128);
	if (n >= 128 && n % 128)
		segs_copy(seg, nseg, n - n % 128, out, n % 128);
}

#ifdef PVC_HAVE_LIBCRYPTO
static int csum_evp(const EVP_MD *md, const struct blk_verify_seg *seg, int nseg, uint8_t *out,
		    size_t size)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL);

	for (int i = 0; ok && i < nseg; i++)
		ok = EVP_DigestUpdate(ctx, seg[i].p, seg[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, digest, &dlen) && dlen == size;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -ENOMEM;
	memcpy(out, digest, size);
	return 0;
}

/*
 * fio's sha256: SHA-256's blocks over the data, 0x80, zeros and the bit count little-endian
 * (the textbook puts it big-endian); then its 64-byte buffer, which holds that last block, gets
 * the low byte of each of the eight state words at its start.
 */
static void csum_fio_sha256(const struct blk_verify_seg *seg, int nseg, uint8_t *out)
{
	SHA256_CTX c;
	uint8_t pad[128] = { 0x80 };
	size_t n = segs_total(seg, nseg), padlen = 64 - (n + 8) % 64;

	SHA256_Init(&c);
	for (int i = 0; i < nseg; i++)
		SHA256_Update(&c, seg[i].p, seg[i].len);
	put_le(pad + padlen, (uint64_t)n * 8, 8);
	SHA256_Update(&c, pad, padlen + 8);

	/* the last block of data + pad, as fio's buffer holds it */
	size_t tail = n % 64 + padlen + 8 > 64 ? 0 : n % 64;
	size_t from_pad = 64 - tail;
	segs_copy(seg, nseg, n - tail, out, tail);
	memcpy(out + tail, pad + (padlen + 8 - from_pad), from_pad);
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)c.h[i];
}
#endif

static uint32_t csum_crc32c(const struct blk_verify_seg *seg, int nseg)
{
	uint32_t c = ~0U;

	for (int i = 0; i < nseg; i++)
		c = blk_crc32c(c, seg[i].p, seg[i].len);
	return c;
}

int blk_verify_csum(int type, const struct blk_verify_seg *seg, int nseg, uint8_t *out)
{
	uint64_t c = 0;

	switch (type) {
	case BLK_VERIFY_CRC32C:
	case BLK_VERIFY_CRC32C_INTEL:
		put_le(out, csum_crc32c(seg, nseg), 4);
		return 0;
	case BLK_VERIFY_CRC32:
		for (int i = 0; i < nseg; i++)
			c = blk_crc32((uint32_t)c, seg[i].p, seg[i].len);
		put_le(out, c, 4);
		return 0;
	case BLK_VERIFY_CRC64:
		for (int i = 0; i < nseg; i++)
			c = blk_crc64(c, seg[i].p, seg[i].len);
		put_le(out, c, 8);
		return 0;
	case BLK_VERIFY_CRC16:
		for (int i = 0; i < nseg; i++)
			c = blk_crc16((uint16_t)c, seg[i].p, seg[i].len);
		put_le(out, c, 2);
		return 0;
	case BLK_VERIFY_CRC7:
		for (int i = 0; i < nseg; i++)
			c = blk_crc7((uint8_t)c, seg[i].p, seg[i].len);
		out[0] = (uint8_t)c;
		return 0;
	case BLK_VERIFY_SHA512:
		csum_fio_sha512(seg, nseg, out);
		return 0;
#ifdef PVC_HAVE_XXHASH
	case BLK_VERIFY_XXHASH: {
		XXH32_state_t st;

		XXH32_reset(&st, 1);
		for (int i = 0; i < nseg; i++)
			XXH32_update(&st, seg[i].p, seg[i].len);
		put_le(out, XXH32_digest(&st), 4);
		return 0;
	}
#endif
#ifdef PVC_HAVE_LIBCRYPTO
	case BLK_VERIFY_MD5:
		return csum_evp(EVP_md5(), seg, nseg, out, 16);
	case BLK_VERIFY_SHA1: {
		int err = csum_evp(EVP_sha1(), seg, nseg, out, 20);

		/* fio keeps sha1's five words in host order: byte-swap each big-endian word */
		for (int w = 0; !err && w < 5; w++) {
			uint8_t *q = out + 4 * w, t0 = q[0], t1 = q[1];
			q[0] = q[3];
			q[1] = q[2];
			q[2] = t1;
			q[3] = t0;
		}
		return err;
	}
	case BLK_VERIFY_SHA256:
		csum_fio_sha256(seg, nseg, out);
		return 0;
	case BLK_VERIFY_SHA3_224:
		return csum_evp(EVP_sha3_224(), seg, nseg, out, 28);
	case BLK_VERIFY_SHA3_256:
		return csum_evp(EVP_sha3_256(), seg, nseg, out, 32);
	case BLK_VERIFY_SHA3_384:
		return csum_evp(EVP_sha3_384(), seg, nseg, out, 48);
	case BLK_VERIFY_SHA3_512:
		return csum_evp(EVP_sha3_512(), seg, nseg, out, 64);
#endif
	default:
		return blk_verify_type_unbuilt(type) ? -ENOTSUP : -EINVAL;
	}
}
