/*
 * expr_func.c - pgbench's functions by name: the table the parser looks names up in (with
 * pgbench 15's argument counts) and what each function computes, with pgbench's messages.
 *
 * hash_fnv1a, hash_murmur2 and permute give pgbench's results for the same arguments: they
 * are pure functions of their arguments, and scripts rely on them being stable (permute's
 * rounds draw from their own generator seeded by the seed argument, the xoroshiro128** of
 * PostgreSQL's pg_prng seeded through splitmix64: prng.h). The random distributions draw from
 * the client's pg_prng state with pgbench's arithmetic (pg_prng_int64_range, Box-Muller on
 * 1 - pg_prng_double, the inverse of the truncated exponential, Devroye's rejection for
 * zipfian), so the same --random-seed gives pgbench's numbers; its parameter checks too.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "prng.h"

#include "expr_impl.h"

/* pgbench's bounds (the messages below spell them as pgbench's "%f" and "%.3f" do) */
#define MIN_GAUSSIAN_PARAM 2.0
#define MIN_ZIPFIAN_PARAM 1.001
#define MAX_ZIPFIAN_PARAM 1000.0

const struct pgb_func_def pgb_func_defs[] = {
	/* operators, found by these names but never typed as them (but mod) */
	{ "+", 2, PGB_F_ADD },
	{ "-", 2, PGB_F_SUB },
	{ "*", 2, PGB_F_MUL },
	{ "/", 2, PGB_F_DIV },
	{ "mod", 2, PGB_F_MOD },
	/* functions */
	{ "abs", 1, PGB_F_ABS },
	{ "least", PGB_NARGS_VARIABLE, PGB_F_LEAST },
	{ "greatest", PGB_NARGS_VARIABLE, PGB_F_GREATEST },
	{ "debug", 1, PGB_F_DEBUG },
	{ "pi", 0, PGB_F_PI },
	{ "sqrt", 1, PGB_F_SQRT },
	{ "ln", 1, PGB_F_LN },
	{ "exp", 1, PGB_F_EXP },
	{ "int", 1, PGB_F_INT },
	{ "double", 1, PGB_F_DOUBLE },
	{ "random", 2, PGB_F_RANDOM },
	{ "random_gaussian", 3, PGB_F_RANDOM_GAUSSIAN },
	{ "random_exponential", 3, PGB_F_RANDOM_EXPONENTIAL },
	{ "random_zipfian", 3, PGB_F_RANDOM_ZIPFIAN },
	{ "pow", 2, PGB_F_POW },
	{ "power", 2, PGB_F_POW },
	{ "!and", 2, PGB_F_AND },
	{ "!or", 2, PGB_F_OR },
	{ "!not", 1, PGB_F_NOT },
	{ "&", 2, PGB_F_BITAND },
	{ "|", 2, PGB_F_BITOR },
	{ "#", 2, PGB_F_BITXOR },
	{ "<<", 2, PGB_F_LSHIFT },
	{ ">>", 2, PGB_F_RSHIFT },
	{ "=", 2, PGB_F_EQ },
	{ "<>", 2, PGB_F_NE },
	{ "<=", 2, PGB_F_LE },
	{ "<", 2, PGB_F_LT },
	{ "!is", 2, PGB_F_IS },
	{ "!case_end", PGB_NARGS_CASE, PGB_F_CASE },
	{ "hash", PGB_NARGS_HASH, PGB_F_HASH_MURMUR2 },
	{ "hash_murmur2", PGB_NARGS_HASH, PGB_F_HASH_MURMUR2 },
	{ "hash_fnv1a", PGB_NARGS_HASH, PGB_F_HASH_FNV1A },
	{ "permute", PGB_NARGS_PERMUTE, PGB_F_PERMUTE },
	{ NULL, 0, 0 },
};

const struct pgb_func_def *pgb_func_def_of(enum pgb_func f)
{
	for (const struct pgb_func_def *d = pgb_func_defs; d->name; d++)
		/* the first name of each, but hash_murmur2 prints as itself, not as hash */
		if (d->func == f && (f != PGB_F_HASH_MURMUR2 || strcmp(d->name, "hash") != 0))
			return d;
	return &pgb_func_defs[0];
}

/* ---- hashes and permute: pgbench's results ---- */

#define FNV_PRIME 0x100000001b3ULL
#define FNV_OFFSET_BASIS 0xcbf29ce484222325ULL
#define MM2_MUL 0xc6a4a7935bd1e995ULL
#define MM2_MUL_TIMES_8 0x35253c9ade8f4ca8ULL
#define MM2_ROT 47

int64_t pgb_hash_fnv1a(int64_t v, int64_t seed)
{
	uint64_t h = FNV_OFFSET_BASIS ^ (uint64_t)seed;

	/* the value's eight bytes from the lowest; the shift is arithmetic, as in pgbench */
	for (int i = 0; i < 8; i++) {
		h ^= (uint64_t)(v & 0xff);
		h *= FNV_PRIME;
		v >>= 8;
	}
	return (int64_t)h;
}

int64_t pgb_hash_murmur2(int64_t v, int64_t seed)
{
	uint64_t h = (uint64_t)seed ^ MM2_MUL_TIMES_8; /* the length, 8, times the multiplier */
	uint64_t k = (uint64_t)v;

	k *= MM2_MUL;
	k ^= k >> MM2_ROT;
	k *= MM2_MUL;
	h ^= k;
	h *= MM2_MUL;
	h ^= h >> MM2_ROT;
	h *= MM2_MUL;
	h ^= h >> MM2_ROT;
	return (int64_t)h;
}

static int top_bit(uint64_t x)
{
	return 63 - __builtin_clzll(x);
}

int pgb_permute(int64_t i, int64_t size, int64_t seed, int64_t *out, char *err, size_t err_size)
{
	if (size <= 0) {
		snprintf(err, err_size, "permute size parameter must be greater than zero");
		return -EINVAL;
	}
	if (size < 2) {
		*out = 0;
		return 0;
	}
	uint64_t r[2];
	uint64_t n = (uint64_t)size, v = (uint64_t)i % n;
	int bits = top_bit(n);
	uint64_t mask = (1ULL << bits) - 1; /* the largest power of two <= n, less one */

	pgb_prng_seed(r, (uint64_t)seed);
	/*
	 * Six rounds of: an odd multiply, an xor and a one-bit rotation modulo that power of
	 * two, on the lower values and then (mirrored) the upper ones, so both ends of a range
	 * that is no power of two are mixed; then a random offset modulo the size.
	 */
	for (int round = 0; round < 6; round++) {
		uint64_t m = (pgb_prng_next(r) & mask) | 1, x = pgb_prng_next(r) & mask, t;

		if (v <= mask) {
			v = ((v * m) ^ x) & mask;
			v = ((v << 1) & mask) | (v >> (bits - 1));
		}
		m = (pgb_prng_next(r) & mask) | 1;
		x = pgb_prng_next(r) & mask;
		t = n - 1 - v;
		if (t <= mask) {
			t = ((t * m) ^ x) & mask;
			t = ((t << 1) & mask) | (t >> (bits - 1));
			v = n - 1 - t;
		}
		v = (v + pgb_prng_upto(r, n - 1)) % n;
	}
	*out = (int64_t)v;
	return 0;
}

/* ---- the random distributions, on the client's generator (pg_prng, as pgbench draws) ---- */

static int64_t random_gaussian(uint64_t *s, int64_t min, int64_t max, double param)
{
	double z;

	/* Box-Muller, drawn again until within [-param, param): at least 86% pass at 2.0 */
	do {
		double u1 = 1.0 - pgb_prng_double(s), u2 = 1.0 - pgb_prng_double(s);

		z = sqrt(-2.0 * log(u1)) * sin(2.0 * M_PI * u2);
	} while (z < -param || z >= param);
	double unit = (z + param) / (param * 2.0);

	return min + (int64_t)((double)((uint64_t)(max - min) + 1) * unit);
}

static int64_t random_exponential(uint64_t *s, int64_t min, int64_t max, double param)
{
	double cut = exp(-param), u = 1.0 - pgb_prng_double(s);
	/* -log of a value in (cut, 1], over param: in [0, 1) */
	double unit = -log(cut + (1.0 - cut) * u) / param;

	return min + (int64_t)((double)((uint64_t)(max - min) + 1) * unit);
}

/* Zipfian in [1, n] by rejection (Devroye, Non-Uniform Random Variate Generation, p. 550) */
static int64_t zipfian(uint64_t *s, int64_t n, double p)
{
	double b = pow(2.0, p - 1.0), x, t, u, v;

	if (n <= 1)
		return 1;
	for (;;) {
		u = pgb_prng_double(s);
		v = pgb_prng_double(s);
		x = floor(pow(u, -1.0 / (p - 1.0)));
		t = pow(1.0 + 1.0 / x, p - 1.0);
		if (v * x * (t - 1.0) / (b - 1.0) <= t / b && x <= (double)n)
			return (int64_t)x;
	}
}

/* A distribution's parameter out of its range: pgbench's message, "(not %f)" */
static int param_fail(struct pgb_eval *ev, const char *what, double param)
{
	char num[400]; /* "%f" of a double up to 1e308 */

	pgb_format_double(num, sizeof(num), param, true);
	return pgb_eval_fail(ev, "%s (not %s)", what, num);
}

static int eval_random(enum pgb_func f, const struct pgb_value *a, struct pgb_eval *ev,
		       struct pgb_value *out)
{
	int64_t lo, hi, span;
	double param;

	if (pgb_coerce_int(&a[0], &lo, ev) || pgb_coerce_int(&a[1], &hi, ev))
		return -EINVAL;
	if (lo > hi)
		return pgb_eval_fail(ev, "empty range given to random");
	if (__builtin_sub_overflow(hi, lo, &span) || __builtin_add_overflow(span, 1, &span))
		return pgb_eval_fail(ev, "random range is too large");
	if (f == PGB_F_RANDOM) {
		pgb_set_int(out, pgb_prng_range(ev->rng, lo, hi));
		return 0;
	}
	if (pgb_coerce_double(&a[2], &param, ev))
		return -EINVAL;
	if (f == PGB_F_RANDOM_GAUSSIAN) {
		if (param < MIN_GAUSSIAN_PARAM)
			return param_fail(ev, "gaussian parameter must be at least 2.000000",
					  param);
		pgb_set_int(out, random_gaussian(ev->rng, lo, hi, param));
	} else if (f == PGB_F_RANDOM_ZIPFIAN) {
		if (param < MIN_ZIPFIAN_PARAM || param > MAX_ZIPFIAN_PARAM)
			return param_fail(ev, "zipfian parameter must be in range [1.001, 1000]",
					  param);
		pgb_set_int(out, lo - 1 + zipfian(ev->rng, span, param));
	} else {
		if (param <= 0.0)
			return param_fail(ev, "exponential parameter must be greater than zero",
					  param);
		pgb_set_int(out, random_exponential(ev->rng, lo, hi, param));
	}
	return 0;
}

/* debug(): its line, then the value unchanged */
static void debug_line(const struct pgb_value *v, struct pgb_eval *ev)
{
	FILE *f = ev->debug_out;

	if (!f)
		return;
	fprintf(f, "debug(script=%u,command=%u): ", ev->script, ev->command);
	switch (v->type) {
	case PGB_V_NULL:
		fprintf(f, "null\n");
		break;
	case PGB_V_BOOL:
		fprintf(f, "boolean %s\n", v->u.b ? "true" : "false");
		break;
	case PGB_V_INT:
		fprintf(f, "int %" PRId64 "\n", v->u.i);
		break;
	default: {
		char num[64];

		pgb_format_double(num, sizeof(num), v->u.d, false);
		fprintf(f, "double %s\n", num);
		break;
	}
	}
}

static int extremum(enum pgb_func f, const struct pgb_value *a, unsigned n, struct pgb_eval *ev,
		    struct pgb_value *out)
{
	bool any_double = false;

	for (unsigned i = 0; i < n; i++)
		any_double |= a[i].type == PGB_V_DOUBLE;
	if (any_double) {
		double best, d;

		if (pgb_coerce_double(&a[0], &best, ev))
			return -EINVAL;
		for (unsigned i = 1; i < n; i++) {
			if (pgb_coerce_double(&a[i], &d, ev))
				return -EINVAL;
			if (f == PGB_F_LEAST ? d < best : d > best)
				best = d;
		}
		pgb_set_double(out, best);
	} else {
		int64_t best, x;

		if (pgb_coerce_int(&a[0], &best, ev))
			return -EINVAL;
		for (unsigned i = 1; i < n; i++) {
			if (pgb_coerce_int(&a[i], &x, ev))
				return -EINVAL;
			if (f == PGB_F_LEAST ? x < best : x > best)
				best = x;
		}
		pgb_set_int(out, best);
	}
	return 0;
}

int pgb_func_call(enum pgb_func f, const struct pgb_value *a, unsigned n, struct pgb_eval *ev,
		  struct pgb_value *out)
{
	int64_t i, j, k;
	double d, e;

	switch (f) {
	case PGB_F_PI:
		pgb_set_double(out, M_PI);
		return 0;
	case PGB_F_ABS:
		if (a[0].type == PGB_V_INT)
			/* pgbench negates with wrapping arithmetic: abs(INT64_MIN) stays */
			pgb_set_int(out,
				    a[0].u.i < 0 ? (int64_t)(0 - (uint64_t)a[0].u.i) : a[0].u.i);
		else
			/* pgbench reads a boolean's bits as a double here: abs(true) is the
			 * smallest subnormal, 4.94065645841247e-324 */
			pgb_set_double(out, a[0].u.d < 0.0 ? -a[0].u.d : a[0].u.d);
		return 0;
	case PGB_F_DEBUG:
		debug_line(&a[0], ev);
		*out = a[0];
		return 0;
	case PGB_F_DOUBLE:
	case PGB_F_SQRT:
	case PGB_F_LN:
	case PGB_F_EXP:
		if (pgb_coerce_double(&a[0], &d, ev))
			return -EINVAL;
		if (f == PGB_F_SQRT)
			d = sqrt(d);
		else if (f == PGB_F_LN)
			d = log(d);
		else if (f == PGB_F_EXP)
			d = exp(d);
		pgb_set_double(out, d);
		return 0;
	case PGB_F_INT:
		if (pgb_coerce_int(&a[0], &i, ev))
			return -EINVAL;
		pgb_set_int(out, i);
		return 0;
	case PGB_F_LEAST:
	case PGB_F_GREATEST:
		return extremum(f, a, n, ev, out);
	case PGB_F_RANDOM:
	case PGB_F_RANDOM_GAUSSIAN:
	case PGB_F_RANDOM_EXPONENTIAL:
	case PGB_F_RANDOM_ZIPFIAN:
		return eval_random(f, a, ev, out);
	case PGB_F_POW:
		if (pgb_coerce_double(&a[0], &d, ev) || pgb_coerce_double(&a[1], &e, ev))
			return -EINVAL;
		pgb_set_double(out, pow(d, e));
		return 0;
	case PGB_F_HASH_MURMUR2:
	case PGB_F_HASH_FNV1A:
		if (pgb_coerce_int(&a[0], &i, ev) || pgb_coerce_int(&a[1], &j, ev))
			return -EINVAL;
		pgb_set_int(out,
			    f == PGB_F_HASH_FNV1A ? pgb_hash_fnv1a(i, j) : pgb_hash_murmur2(i, j));
		return 0;
	case PGB_F_PERMUTE:
		if (pgb_coerce_int(&a[0], &i, ev) || pgb_coerce_int(&a[1], &j, ev) ||
		    pgb_coerce_int(&a[2], &k, ev))
			return -EINVAL;
		if (pgb_permute(i, j, k, &i, ev->err, ev->err_size))
			return -EINVAL;
		pgb_set_int(out, i);
		return 0;
	default:
		return pgb_eval_fail(ev, "unexpected function");
	}
}
