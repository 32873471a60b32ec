/*
 * test_fmt.c - fio's number formatting, checked against strings that fio 3.33 itself printed.
 *
 * The run triples (total_ios, io_bytes, runtime from --output-format=json) and the IOPS=/BW=/
 * io= strings of the same runs' normal output were taken from real fio runs (null, psync and
 * libaio engines, rate-limited and not), so the quirks are fio's, not our reading of its source.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pvcbench/fmt.h"

struct test_number {
	uint64_t num;
	enum fmt_base base;
	const char *unit;
	const char *expected;
};

static const struct test_number test_numbers[] = {
	/* plain integers: never divided */
	{ 0, FMT_SI, "", "0" },
	{ 1, FMT_SI, "", "1" },
	{ 999, FMT_SI, "", "999" },
	{ 1000, FMT_SI, "", "1000" },
	{ 9529, FMT_SI, "", "9529" },
	{ 9999, FMT_SI, "", "9999" },
	{ 0, FMT_IEC, "B", "0B" },
	{ 1023, FMT_IEC, "B", "1023B" },
	{ 9999, FMT_IEC, "B", "9999B" },
	/* divided, decimals */
	{ 10000, FMT_SI, "", "10.0k" },
	{ 12001, FMT_SI, "", "12.0k" },
	{ 55612, FMT_SI, "", "55.6k" },
	{ 99949, FMT_SI, "", "99.9k" },
	{ 99950, FMT_SI, "", "99.9k" },
	{ 99960, FMT_SI, "", "100.0k" },
	{ 99999, FMT_SI, "", "100.0k" },
	{ 12345678, FMT_SI, "", "12.3M" },
	{ 10000000000ull, FMT_SI, "", "10.0G" },
	{ 15000000000000ull, FMT_SI, "", "15.0T" },
	{ 45600000000000000ull, FMT_SI, "", "45.6P" },
	/* divided, no room for decimals: rounded on the last remainder */
	{ 100000, FMT_SI, "", "100k" },
	{ 100499, FMT_SI, "", "100k" },
	{ 100500, FMT_SI, "", "101k" },
	{ 1234567, FMT_SI, "", "1235k" },
	{ 999499, FMT_SI, "", "999k" },
	{ 999500, FMT_SI, "", "1000k" },
	{ 9999999, FMT_SI, "", "10000k" },
	{ 1000000000ull, FMT_SI, "", "1000M" },
	{ 123456789012ull, FMT_SI, "", "123G" },
	{ 1234567890123ull, FMT_SI, "", "1235G" },
	{ 999999999999999999ull, FMT_SI, "", "1000P" },
	/* past the last prefix we stay at P, where fio drops or overruns its prefix table */
	{ UINT64_MAX, FMT_SI, "B", "18447PB" },
	{ UINT64_MAX, FMT_IEC, "B", "16384PiB" },
	/* IEC */
	{ 924844032, FMT_IEC, "B/s", "882MiB/s" },
	{ 924844032, FMT_SI, "B/s", "925MB/s" },
	{ 1120927744, FMT_IEC, "B/s", "1069MiB/s" },
	{ 10000, FMT_IEC, "B", "9.77KiB" },
	{ 10239, FMT_IEC, "B", "10.00KiB" },
	{ 10240, FMT_IEC, "B", "10.0KiB" },
	{ 65536, FMT_IEC, "B", "64.0KiB" },
	{ 1048575, FMT_IEC, "B", "1024KiB" },
	{ 1048576, FMT_IEC, "B", "1024KiB" },
	{ 1294537326592ull, FMT_IEC, "B", "1206GiB" },
	{ 12884901888000ull, FMT_IEC, "B", "11.7TiB" },
	/* io= sizes fio printed for runs of exactly these many bytes (SI in brackets) */
	{ 9529, FMT_SI, "B", "9529B" },
	{ 10000, FMT_SI, "B", "10.0kB" },
	{ 10239, FMT_SI, "B", "10.2kB" },
	{ 99950, FMT_SI, "B", "99.9kB" },
	{ 99960, FMT_SI, "B", "100.0kB" },
	{ 99999, FMT_SI, "B", "100.0kB" },
	{ 100000, FMT_SI, "B", "100kB" },
	{ 999500, FMT_SI, "B", "1000kB" },
	{ 1048575, FMT_SI, "B", "1049kB" },
	{ 1234567, FMT_SI, "B", "1235kB" },
	{ 1234567, FMT_IEC, "B", "1206KiB" },
	{ 12345678, FMT_SI, "B", "12.3MB" },
	{ 12345678, FMT_IEC, "B", "11.8MiB" },
	{ 99950, FMT_IEC, "B", "97.6KiB" },
	{ 999500, FMT_IEC, "B", "976KiB" },
	{ 1294537326592ull, FMT_SI, "B", "1295GB" },
	{ 4718592000000ull, FMT_IEC, "B", "4395GiB" },
	{ 4718592000000ull, FMT_SI, "B", "4719GB" },
	{ 12884901888000ull, FMT_SI, "B", "12.9TB" },
};

/* One run as fio reported it in JSON, and the stat line it printed. */
struct test_run {
	uint64_t ios, bytes, runtime_ms;
	const char *iops, *bw_iec, *bw_si, *io_size;
};

static const struct test_run test_runs[] = {
	{ 262144, 1073741824, 59, "4443k", "16.9GiB/s", "18.2GB/s", "1024MiB" },
	{ 1048576, 4294967296ull, 241, "4351k", "16.6GiB/s", "17.8GB/s", "4096MiB" },
	{ 65536, 68719476736ull, 37, "1771k", "1730GiB/s", "1857GB/s", "64.0GiB" },
	{ 204800, 104857600, 114, "1796k", "877MiB/s", "920MB/s", "100MiB" },
	{ 4096, 16777216, 2, "2048k", "8000MiB/s", "8389MB/s", "16.0MiB" },
	{ 256, 1048576, 1, "256k", "1000MiB/s", "1049MB/s", "1024KiB" },
	{ 65536, 274877906944ull, 34, "1928k", "7529GiB/s", "8085GB/s", "256GiB" },
	{ 65536, 1099511627776ull, 15, "4369k", "66.7TiB/s", "73.3TB/s", "1024GiB" },
	{ 81920, 10737418240ull, 35, "2341k", "286GiB/s", "307GB/s", "10.0GiB" },
	{ 32768, 2147483648ull, 16, "2048k", "125GiB/s", "134GB/s", "2048MiB" },
	{ 2, 8192, 1, "2000", "8000KiB/s", "8192kB/s", "8192B" },
	{ 1024, 524288, 1, "1024k", "500MiB/s", "524MB/s", "512KiB" },
	{ 501, 2052096, 1001, "500", "2002KiB/s", "2050kB/s", "2004KiB" },
	{ 3001, 12292096, 1001, "2998", "11.7MiB/s", "12.3MB/s", "11.7MiB" },
	{ 12001, 49156096, 1001, "12.0k", "46.8MiB/s", "49.1MB/s", "46.9MiB" },
	{ 9600, 629145600, 1001, "9590", "599MiB/s", "629MB/s", "600MiB" },
	{ 99961, 409440256, 1001, "99.9k", "390MiB/s", "409MB/s", "390MiB" },
	{ 55613, 227790848, 1001, "55.6k", "217MiB/s", "228MB/s", "217MiB" },
	{ 1000, 1024000, 1001, "999", "999KiB/s", "1023kB/s", "1000KiB" },
	{ 51201, 209719296, 1001, "51.1k", "200MiB/s", "210MB/s", "200MiB" },
	{ 16384, 67108864, 1598, "10.3k", "40.0MiB/s", "42.0MB/s", "64.0MiB" },
	{ 512, 67108864, 116, "4413", "552MiB/s", "579MB/s", "64.0MiB" },
	{ 54167, 221868032, 1001, "54.1k", "211MiB/s", "222MB/s", "212MiB" },
	{ 111734, 457662464, 1001, "112k", "436MiB/s", "457MB/s", "436MiB" },
	{ 2097152, 8589934592ull, 297, "7061k", "26.9GiB/s", "28.9GB/s", "8192MiB" },
	{ 3145728, 12884901888ull, 488, "6446k", "24.6GiB/s", "26.4GB/s", "12.0GiB" },
	{ 33554432, 17179869184ull, 5149, "6517k", "3182MiB/s", "3337MB/s", "16.0GiB" },
	{ 2048, 137438953472ull, 1, "2048k", "125TiB/s", "137TB/s", "128GiB" },
	{ 7, 28672, 1001, "6", "28.0KiB/s", "28.6kB/s", "28.0KiB" },
	{ 198, 811008, 2001, "98", "396KiB/s", "405kB/s", "792KiB" },
	{ 10485760000ull / 16777216, 10485760000ull, 1, "625k", "9766GiB/s", "10.5TB/s",
	  "9.77GiB" },
};

static void test_numbers_table(void **state)
{
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(test_numbers) / sizeof(test_numbers[0]); i++) {
		const struct test_number *t = &test_numbers[i];

		fmt_fio_num(buf, sizeof(buf), t->num, 4, t->base, t->unit);
		if (strcmp(buf, t->expected))
			fail_msg("%llu %s: got \"%s\", want \"%s\"", (unsigned long long)t->num,
				 t->base == FMT_IEC ? "IEC" : "SI", buf, t->expected);
	}
}

static void test_fio_runs(void **state)
{
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(test_runs) / sizeof(test_runs[0]); i++) {
		const struct test_run *r = &test_runs[i];

		assert_string_equal(fmt_fio_iops(buf, sizeof(buf), r->ios, r->runtime_ms), r->iops);
		assert_string_equal(fmt_fio_bw(buf, sizeof(buf), r->bytes, r->runtime_ms, 0),
				    r->bw_iec);
		assert_string_equal(fmt_fio_bw(buf, sizeof(buf), r->bytes, r->runtime_ms, 1),
				    r->bw_si);
		assert_string_equal(fmt_size(buf, sizeof(buf), r->bytes), r->io_size);
	}
}

static void test_rates(void **state)
{
	char buf[64];

	/* integer division, as fio: 55612.9 IOPS is 55612 */
	assert_string_equal(fmt_fio_iops(buf, sizeof(buf), 834194, 15000), "55.6k");
	assert_string_equal(fmt_fio_iops(buf, sizeof(buf), 9999, 1000), "9999");
	assert_string_equal(fmt_fio_iops(buf, sizeof(buf), 19999, 2000), "9999");
	assert_string_equal(fmt_fio_iops(buf, sizeof(buf), 0, 1000), "0");
	assert_string_equal(fmt_fio_iops(buf, sizeof(buf), 12345, 0), "0");
	assert_string_equal(fmt_fio_bw(buf, sizeof(buf), 12345, 0, 0), "0B/s");
	assert_string_equal(fmt_fio_bw(buf, sizeof(buf), 924844032ull * 15, 15000, 0), "882MiB/s");
	assert_string_equal(fmt_fio_bw(buf, sizeof(buf), 924844032ull * 15, 15000, 1), "925MB/s");
	/* 1000 * bytes overflows 64 bits here; fio would wrap, we do not */
	assert_string_equal(fmt_fio_bw(buf, sizeof(buf), 100000000000000000ull, 100000, 1),
			    "1000TB/s");
	assert_string_equal(fmt_size(buf, sizeof(buf), 3417309184ull), "3259MiB");
	assert_string_equal(fmt_size(buf, sizeof(buf), 512), "512B");
	assert_string_equal(fmt_size(buf, sizeof(buf), 65536), "64.0KiB");
}

static void test_maxlen_and_buffer(void **state)
{
	char buf[64], small[4];

	assert_string_equal(fmt_fio_num(buf, sizeof(buf), 123456, 6, FMT_SI, ""), "123456");
	assert_string_equal(fmt_fio_num(buf, sizeof(buf), 1234567, 6, FMT_SI, ""), "1234.6k");
	assert_string_equal(fmt_fio_num(buf, sizeof(buf), 55612, 3, FMT_SI, ""), "56k");
	assert_string_equal(fmt_fio_num(buf, sizeof(buf), 12345, 5, FMT_SI, NULL), "12345");
	assert_string_equal(fmt_fio_num(small, sizeof(small), 55612, 4, FMT_SI, ""), "55.");
	assert_ptr_equal(fmt_fio_num(small, 0, 55612, 4, FMT_SI, ""), small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_table),
		cmocka_unit_test(test_fio_runs),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_maxlen_and_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
