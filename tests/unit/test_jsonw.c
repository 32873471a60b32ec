/*
 * test_jsonw.c - the report's streaming JSON writer (src/report/json.c): the exact text of a
 * small document (fio's layout: two-space indents, " : " between key and value, a comma at the
 * end of a line), RFC 8259 escaping of keys and values, UTF-8 passed through, and doubles that
 * are never nan or inf. Where jansson is linked, the output is also parsed back and each value
 * compared with what was written, so escaping is checked by a parser, not by our own reading.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PVC_HAVE_JANSSON
#include <jansson.h>
#endif

#include "pvcbench/report.h"

/* What one document wrote: a memory stream, read back after jsonw_end. */
struct capture {
	FILE *f;
	char *text;
	size_t len;
};

static struct jsonw *capture_begin(struct capture *c, struct jsonw *j)
{
	c->text = NULL;
	c->len = 0;
	c->f = open_memstream(&c->text, &c->len);
	assert_non_null(c->f);
	jsonw_begin(j, c->f);
	return j;
}

static const char *capture_end(struct capture *c, struct jsonw *j)
{
	jsonw_end(j);
	assert_int_equal(fclose(c->f), 0);
	return c->text;
}

static void test_small_document_exact(void **state)
{
	struct capture c;
	struct jsonw j;

	(void)state;
	capture_begin(&c, &j);
	jsonw_string(&j, "name", "randread");
	jsonw_u64(&j, "u64_max", UINT64_MAX);
	jsonw_i64(&j, "i64_min", INT64_MIN);
	jsonw_i64(&j, "i64_max", INT64_MAX);
	jsonw_double(&j, "half", 1.5);
	jsonw_double(&j, "negative", -2.25);
	jsonw_bool(&j, "yes", true);
	jsonw_bool(&j, "no", false);
	jsonw_string(&j, "null_is_empty", NULL);
	jsonw_object_begin(&j, "obj");
	jsonw_u64(&j, "a", 1);
	jsonw_object_begin(&j, "empty");
	jsonw_object_end(&j);
	jsonw_object_end(&j);
	jsonw_array_begin(&j, "arr");
	jsonw_u64(&j, NULL, 0);
	jsonw_string(&j, NULL, "two");
	jsonw_object_begin(&j, NULL);
	jsonw_bool(&j, "x", true);
	jsonw_object_end(&j);
	jsonw_array_begin(&j, NULL);
	jsonw_array_end(&j);
	jsonw_array_end(&j);
	capture_end(&c, &j);

	assert_string_equal(c.text, "{\n"
				    "  \"name\" : \"randread\",\n"
				    "  \"u64_max\" : 18446744073709551615,\n"
				    "  \"i64_min\" : -9223372036854775808,\n"
				    "  \"i64_max\" : 9223372036854775807,\n"
				    "  \"half\" : 1.500000,\n"
				    "  \"negative\" : -2.250000,\n"
				    "  \"yes\" : true,\n"
				    "  \"no\" : false,\n"
				    "  \"null_is_empty\" : \"\",\n"
				    "  \"obj\" : {\n"
				    "    \"a\" : 1,\n"
				    "    \"empty\" : {}\n"
				    "  },\n"
				    "  \"arr\" : [\n"
				    "    0,\n"
				    "    \"two\",\n"
				    "    {\n"
				    "      \"x\" : true\n"
				    "    },\n"
				    "    []\n"
				    "  ]\n"
				    "}\n");
	free(c.text);
}

static void test_empty_document(void **state)
{
	struct capture c;
	struct jsonw j;

	(void)state;
	capture_begin(&c, &j);
	capture_end(&c, &j);
	assert_string_equal(c.text, "{\n}\n");
	free(c.text);
}

/* Every byte below 0x20 has to be escaped; the short forms where JSON has them. */
static void test_escaping_exact(void **state)
{
	struct capture c;
	struct jsonw j;

	(void)state;
	capture_begin(&c, &j);
	jsonw_string(&j, "q\"k\\", "say \"hi\" \\ back/slash");
	jsonw_string(&j, "ws", "a\nb\tc\rd");
	jsonw_string(&j, "ctl", "\x01\x08\x0c\x1f\x7f");
	jsonw_string(&j, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	capture_end(&c, &j);

	assert_string_equal(c.text, "{\n"
				    "  \"q\\\"k\\\\\" : \"say \\\"hi\\\" \\\\ back/slash\",\n"
				    "  \"ws\" : \"a\\nb\\tc\\rd\",\n"
				    "  \"ctl\" : \"\\u0001\\u0008\\u000c\\u001f\x7f\",\n"
				    "  \"utf8\" : \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n"
				    "}\n");
	free(c.text);
}

/* A double is printed with %f, as fio does; what %f cannot say in JSON becomes 0. */
static void test_doubles_never_nan_or_inf(void **state)
{
	struct capture c;
	struct jsonw j;

	(void)state;
	capture_begin(&c, &j);
	jsonw_double(&j, "nan", NAN);
	jsonw_double(&j, "inf", INFINITY);
	jsonw_double(&j, "minus_inf", -INFINITY);
	jsonw_double(&j, "tiny", 1e-9);
	jsonw_double(&j, "third", 1.0 / 3.0);
	capture_end(&c, &j);

	assert_string_equal(c.text, "{\n"
				    "  \"nan\" : 0.000000,\n"
				    "  \"inf\" : 0.000000,\n"
				    "  \"minus_inf\" : 0.000000,\n"
				    "  \"tiny\" : 0.000000,\n"
				    "  \"third\" : 0.333333\n"
				    "}\n");
	free(c.text);
}

/* Whether a member at depth d (0: in the top-level object) sits in an object and wants a key:
 * the containers alternate, an object at even depths and an array at odd ones. */
static bool keyed(int d)
{
	return d == 0 || (d - 1) % 2 == 0;
}

/* Indentation follows the depth at any nesting, and every closer lines up with its opener. */
static void test_deep_nesting_indents(void **state)
{
	enum { DEPTH = 12 };
	struct capture c;
	struct jsonw j;
	char want[4096], *w = want;

	(void)state;
	capture_begin(&c, &j);
	for (int d = 0; d < DEPTH; d++) {
		if (d % 2)
			jsonw_array_begin(&j, keyed(d) ? "o" : NULL);
		else
			jsonw_object_begin(&j, keyed(d) ? "o" : NULL);
	}
	jsonw_u64(&j, keyed(DEPTH) ? "o" : NULL, 7);
	for (int d = DEPTH - 1; d >= 0; d--) {
		if (d % 2)
			jsonw_array_end(&j);
		else
			jsonw_object_end(&j);
	}
	capture_end(&c, &j);

	w += sprintf(w, "{");
	for (int d = 0; d < DEPTH; d++)
		w += sprintf(w, "\n%*s%s%c", 2 * (d + 1), "", keyed(d) ? "\"o\" : " : "",
			     d % 2 ? '[' : '{');
	w += sprintf(w, "\n%*s%s7", 2 * (DEPTH + 1), "", keyed(DEPTH) ? "\"o\" : " : "");
	for (int d = DEPTH - 1; d >= 0; d--)
		w += sprintf(w, "\n%*s%c", 2 * (d + 1), "", d % 2 ? ']' : '}');
	sprintf(w, "\n}\n");
	assert_string_equal(c.text, want);
	free(c.text);
}

#ifdef PVC_HAVE_JANSSON
static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &err);

	if (!doc)
		fail_msg("not JSON: %s at line %d column %d:\n%s", err.text, err.line, err.column,
			 text);
	return doc;
}

/* Every byte 0x01..0xff that makes valid UTF-8 alone or in a sequence, written as a value and
 * as a key, comes back from a parser as the same bytes. */
static void test_strings_parse_back(void **state)
{
	static const char *const samples[] = {
		"plain",
		"quote \" and backslash \\",
		"slash / stays",
		"tab\tnl\ncr\r",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"\x7f del",
		"",
	};
	char all_ascii[128];
	struct capture c;
	struct jsonw j;
	json_t *doc, *arr;

	(void)state;
	for (int i = 1; i < 128; i++)
		all_ascii[i - 1] = (char)i;
	all_ascii[127] = '\0';

	capture_begin(&c, &j);
	jsonw_string(&j, all_ascii, all_ascii);
	jsonw_array_begin(&j, "samples");
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		jsonw_string(&j, NULL, samples[i]);
	jsonw_array_end(&j);
	capture_end(&c, &j);

	doc = parse(c.text);
	assert_string_equal(json_string_value(json_object_get(doc, all_ascii)), all_ascii);
	arr = json_object_get(doc, "samples");
	assert_int_equal(json_array_size(arr), sizeof(samples) / sizeof(samples[0]));
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		assert_string_equal(json_string_value(json_array_get(arr, i)), samples[i]);
	json_decref(doc);
	free(c.text);
}

/* Numbers of every kind parse back as the numbers written (within %f's six decimals). */
static void test_numbers_parse_back(void **state)
{
	static const double doubles[] = { 0.0, -0.0, 1.5, -2.25, 123456789.125, 1e-7, DBL_MAX };
	struct capture c;
	struct jsonw j;
	json_t *doc, *arr;

	(void)state;
	capture_begin(&c, &j);
	jsonw_i64(&j, "i64_min", INT64_MIN);
	jsonw_i64(&j, "i64_max", INT64_MAX);
	jsonw_u64(&j, "u64", 1234567890123ull);
	jsonw_double(&j, "nan", NAN);
	jsonw_double(&j, "inf", -INFINITY);
	jsonw_array_begin(&j, "doubles");
	for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++)
		jsonw_double(&j, NULL, doubles[i]);
	jsonw_array_end(&j);
	jsonw_bool(&j, "t", true);
	jsonw_bool(&j, "f", false);
	capture_end(&c, &j);

	doc = parse(c.text);
	assert_true(json_integer_value(json_object_get(doc, "i64_min")) == INT64_MIN);
	assert_true(json_integer_value(json_object_get(doc, "i64_max")) == INT64_MAX);
	assert_int_equal(json_integer_value(json_object_get(doc, "u64")), 1234567890123ll);
	assert_true(json_real_value(json_object_get(doc, "nan")) == 0.0);
	assert_true(json_real_value(json_object_get(doc, "inf")) == 0.0);
	arr = json_object_get(doc, "doubles");
	assert_int_equal(json_array_size(arr), sizeof(doubles) / sizeof(doubles[0]));
	for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++) {
		double got = json_number_value(json_array_get(arr, i));
		double tol = fmax(5e-7, fabs(doubles[i]) * 1e-15);

		if (fabs(got - doubles[i]) > tol)
			fail_msg("double %zu: wrote %g, read back %g", i, doubles[i], got);
	}
	assert_true(json_is_true(json_object_get(doc, "t")));
	assert_true(json_is_false(json_object_get(doc, "f")));
	json_decref(doc);
	free(c.text);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_document_exact),
		cmocka_unit_test(test_empty_document),
		cmocka_unit_test(test_escaping_exact),
		cmocka_unit_test(test_doubles_never_nan_or_inf),
		cmocka_unit_test(test_deep_nesting_indents),
#ifdef PVC_HAVE_JANSSON
		cmocka_unit_test(test_strings_parse_back),
		cmocka_unit_test(test_numbers_parse_back),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
