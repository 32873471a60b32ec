/*
 * crc32c.c - crc32c (Castagnoli, reflected 0x82f63b78) for fio's verify headers and
 * verify=crc32c: the SSE4.2 crc32 instruction where the CPU has it (checked at run time, so one
 * binary runs everywhere), else slicing-by-8 tables.
 *
 * No inversion on entry or exit (see verify.h): callers pass ~0U to start as fio does.
 * Invariant: the tables are written once, under pthread_once, before any lookup.
 */
#include <pthread.h>
#include <string.h>

#include "verify.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#define CRC32C_X86 1
#endif

static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_build(void)
{
	for (unsigned int i = 0; i < 256; i++) {
		uint32_t r = i;
		for (int k = 0; k < 8; k++)
			r = (r & 1) ? (r >> 1) ^ 0x82f63b78u : r >> 1;
		crc32c_table[0][i] = r;
	}
	/* table k advances a byte k positions further: slicing-by-8 */
	for (unsigned int i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			crc32c_table[k][i] = (crc32c_table[k - 1][i] >> 8) ^
					     crc32c_table[0][crc32c_table[k - 1][i] & 0xff];
}

uint32_t blk_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc32c_once, crc32c_build);
	while (len && ((uintptr_t)p & 7)) {
		crc = crc32c_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		len--;
	}
	while (len >= 8) {
		uint32_t lo, hi;

		/* little-endian loads: the reflected crc eats the lowest byte first */
		lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		     (uint32_t)p[3] << 24;
		hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
		     (uint32_t)p[7] << 24;
		lo ^= crc;
		crc = crc32c_table[7][lo & 0xff] ^ crc32c_table[6][(lo >> 8) & 0xff] ^
		      crc32c_table[5][(lo >> 16) & 0xff] ^ crc32c_table[4][lo >> 24] ^
		      crc32c_table[3][hi & 0xff] ^ crc32c_table[2][(hi >> 8) & 0xff] ^
		      crc32c_table[1][(hi >> 16) & 0xff] ^ crc32c_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc32c_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#ifdef CRC32C_X86
/*
 * The instruction takes 3 cycles but can start one a cycle: three streams of a block each run
 * side by side, then the first two are shifted over the following blocks and xored in (a crc
 * without inversions is linear: crc(c, A B) = shift_|B|(crc(c, A)) ^ crc(0, B)). Shifting by a
 * fixed length is a linear map on 32 bits, four table lookups.
 */
#define CRC32C_LONG 2048
#define CRC32C_SHORT 256

static uint32_t crc32c_shift_long[4][256], crc32c_shift_short[4][256];
static pthread_once_t crc32c_shift_once = PTHREAD_ONCE_INIT;

static void crc32c_shift_table(uint32_t table[4][256], size_t n)
{
	static const uint8_t zeros[CRC32C_LONG];
	uint32_t basis[32];

	/* shifting v by n bytes is feeding it n zero bytes */
	for (int bit = 0; bit < 32; bit++)
		basis[bit] = blk_crc32c_sw(1u << bit, zeros, n);
	for (int k = 0; k < 4; k++)
		for (unsigned int b = 0; b < 256; b++) {
			uint32_t v = 0;
			for (int bit = 0; bit < 8; bit++)
				if (b & (1u << bit))
					v ^= basis[8 * k + bit];
			table[k][b] = v;
		}
}

static void crc32c_shift_build(void)
{
	crc32c_shift_table(crc32c_shift_long, CRC32C_LONG);
	crc32c_shift_table(crc32c_shift_short, CRC32C_SHORT);
}

static uint32_t crc32c_shift(uint32_t table[4][256], uint32_t crc)
{
	return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^
	       table[3][crc >> 24];
}

__attribute__((target("sse4.2"))) static uint64_t
crc32c_x86_3way(uint64_t c0, const uint8_t **pp, size_t *lenp, size_t block, uint32_t table[4][256])
{
	const uint8_t *p = *pp;
	size_t len = *lenp;

	while (len >= 3 * block) {
		uint64_t c1 = 0, c2 = 0;

		for (size_t i = 0; i < block; i += 8) {
			uint64_t v0, v1, v2;

			memcpy(&v0, p + i, 8);
			memcpy(&v1, p + block + i, 8);
			memcpy(&v2, p + 2 * block + i, 8);
			c0 = _mm_crc32_u64(c0, v0);
			c1 = _mm_crc32_u64(c1, v1);
			c2 = _mm_crc32_u64(c2, v2);
		}
		c0 = crc32c_shift(table, (uint32_t)c0) ^ (uint32_t)c1;
		c0 = crc32c_shift(table, (uint32_t)c0) ^ (uint32_t)c2;
		p += 3 * block;
		len -= 3 * block;
	}
	*pp = p;
	*lenp = len;
	return c0;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_x86(uint32_t crc, const uint8_t *p,
							     size_t len)
{
	uint64_t c = crc;

	while (len && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	if (len >= 3 * CRC32C_SHORT) {
		pthread_once(&crc32c_shift_once, crc32c_shift_build);
		c = crc32c_x86_3way(c, &p, &len, CRC32C_LONG, crc32c_shift_long);
		c = crc32c_x86_3way(c, &p, &len, CRC32C_SHORT, crc32c_shift_short);
	}
	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return (uint32_t)c;
}
#endif

bool blk_crc32c_hw(void)
{
#ifdef CRC32C_X86
	return __builtin_cpu_supports("sse4.2");
#else
	return false;
#endif
}

uint32_t blk_crc32c(uint32_t crc, const void *buf, size_t len)
{
#ifdef CRC32C_X86
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_x86(crc, buf, len);
#endif
	return blk_crc32c_sw(crc, buf, len);
}
