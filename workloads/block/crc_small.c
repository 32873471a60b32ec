/*
 * crc_small.c - fio's other checksums for verify=crc7, crc16, crc32 and crc64, over tables built
 * once from the polynomials: crc32 and crc64 eight bytes at a time (slicing-by-8), crc7 and
 * crc16 a byte at a time (they are there for fio compatibility; crc32c is the fast one).
 *
 * fio's conventions, all without an initial or final inversion (fio starts each at 0):
 *   crc7  - x^7 + x^3 + 1, MSB first, 7-bit result (the MMC crc7; "123456789" -> 0x75)
 *   crc16 - 0x8005 reflected (0xa001): CRC-16/ARC ("123456789" -> 0xbb3d)
 *   crc32 - 0x04c11db7 MSB first, from 0, no final xor ("123456789" -> 0x89a1897f): not zlib's
 *   crc64 - 0xad93d23594c935a9 reflected (0x95ac9329ac4bc9b5), "Jones", from 0 ("123456789" ->
 *           0xe9c6d914c4b8d9ca)
 * Invariant: the tables are written once, under pthread_once, before any lookup.
 */
#include <pthread.h>
#include <string.h>

#include "verify.h"

static uint8_t crc7_table[256];
static uint16_t crc16_table[256];
static uint32_t crc32_table[8][256];
static uint64_t crc64_table[8][256];
static pthread_once_t crc_small_once = PTHREAD_ONCE_INIT;

static void crc_small_build(void)
{
	for (unsigned int i = 0; i < 256; i++) {
		/* crc7: the byte times x^7 modulo the polynomial, kept in the low 7 bits */
		unsigned int r7 = i << 7;
		for (int bit = 14; bit >= 7; bit--)
			if (r7 & (1u << bit))
				r7 ^= 0x89u << (bit - 7);
		crc7_table[i] = (uint8_t)(r7 & 0x7f);

		uint16_t r16 = (uint16_t)i;
		uint64_t r64 = i;
		uint32_t r32 = (uint32_t)i << 24;
		for (int k = 0; k < 8; k++) {
			r16 = (r16 & 1) ? (uint16_t)((r16 >> 1) ^ 0xa001) : (uint16_t)(r16 >> 1);
			r64 = (r64 & 1) ? (r64 >> 1) ^ 0x95ac9329ac4bc9b5ULL : r64 >> 1;
			r32 = (r32 & 0x80000000u) ? (r32 << 1) ^ 0x04c11db7u : r32 << 1;
		}
		crc16_table[i] = r16;
		crc64_table[0][i] = r64;
		crc32_table[0][i] = r32;
	}
	/* table k: a byte followed by k zero bytes */
	for (unsigned int i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++) {
			uint64_t r64 = crc64_table[k - 1][i];
			uint32_t r32 = crc32_table[k - 1][i];

			crc64_table[k][i] = (r64 >> 8) ^ crc64_table[0][r64 & 0xff];
			crc32_table[k][i] = (r32 << 8) ^ crc32_table[0][r32 >> 24];
		}
}

uint8_t blk_crc7(uint8_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc_small_once, crc_small_build);
	while (len--)
		crc = crc7_table[(uint8_t)((crc << 1) ^ *p++)];
	return crc;
}

uint16_t blk_crc16(uint16_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc_small_once, crc_small_build);
	while (len--)
		crc = (uint16_t)((crc >> 8) ^ crc16_table[(crc ^ *p++) & 0xff]);
	return crc;
}

uint32_t blk_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc_small_once, crc_small_build);
	/* MSB first: the first byte is the highest of a big-endian word */
	for (; len >= 8; p += 8, len -= 8) {
		uint32_t hi =
			((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) ^
			crc;
		uint32_t lo =
			(uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];

		crc = crc32_table[7][hi >> 24] ^ crc32_table[6][(hi >> 16) & 0xff] ^
		      crc32_table[5][(hi >> 8) & 0xff] ^ crc32_table[4][hi & 0xff] ^
		      crc32_table[3][lo >> 24] ^ crc32_table[2][(lo >> 16) & 0xff] ^
		      crc32_table[1][(lo >> 8) & 0xff] ^ crc32_table[0][lo & 0xff];
	}
	while (len--)
		crc = (crc << 8) ^ crc32_table[0][((crc >> 24) ^ *p++) & 0xff];
	return crc;
}

uint64_t blk_crc64(uint64_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc_small_once, crc_small_build);
	/* reflected: the first byte is the lowest of a little-endian word */
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		v = __builtin_bswap64(v);
#endif
		v ^= crc;
		crc = crc64_table[7][v & 0xff] ^ crc64_table[6][(v >> 8) & 0xff] ^
		      crc64_table[5][(v >> 16) & 0xff] ^ crc64_table[4][(v >> 24) & 0xff] ^
		      crc64_table[3][(v >> 32) & 0xff] ^ crc64_table[2][(v >> 40) & 0xff] ^
		      crc64_table[1][(v >> 48) & 0xff] ^ crc64_table[0][v >> 56];
	}
	while (len--)
		crc = crc64_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
