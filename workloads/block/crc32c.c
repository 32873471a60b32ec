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
__attribute__((target("sse4.2"))) static uint32_t crc32c_x86(uint32_t crc, const uint8_t *p,
							     size_t len)
{
	uint64_t c = crc;

	while (len && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
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
