/*
 * e2e_args.c - the command line of `kafka e2e`, in the Java tool's two forms:
 *
 *   positional (Kafka 3.x, and 4.x with a deprecation warning):
 *     broker_list topic num_messages producer_acks message_size_bytes [properties_file]
 *   named (Kafka 4.2 and later, KIP-1172):
 *     --bootstrap-server B --topic T --num-records N --producer-acks A --record-size S
 *     [--command-config FILE] [--record-key-size K] [--num-headers H]
 *     [--record-header-key-size HK] [--record-header-size HV (-1: null values)]
 *
 * The positional form behaves as the 3.x tool (no key, no headers: one random draw per
 * message), the named form as the 4.2 one (a key of --record-key-size bytes, empty by default,
 * and headers: draws for the key, the value, then each header). The Java tool's refusals
 * keep its wording and its status (1); they are kept in the state, and the command then runs
 * e2e_execute instead of measuring, since the core gives parse errors our status (2), which
 * stays for what is ours (an unknown option, a bad --output-format).
 */
#include "e2e.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char usage_line[] = "USAGE: pvcbench kafka e2e broker_list topic num_messages "
				 "producer_acks message_size_bytes [optional] properties_file";

#define F(field) offsetof(struct e2e_config, field)

static const char *const format_choices[] = { "text", "json", NULL };

const struct option_def e2e_defs[] = {
	{ .name = "bootstrap-server",
	  .type = OPT_STRING,
	  .offset = F(kfk.bootstrap),
	  .arg_name = "HOST:PORT,...",
	  .help = "named form: the cluster (broker_list); mock or mock:N for an in-process one" },
	{ .name = "topic",
	  .type = OPT_STRING,
	  .offset = F(kfk.topic),
	  .arg_name = "TOPIC",
	  .help = "named form: the topic" },
	{ .name = "num-records",
	  .type = OPT_STRING,
	  .offset = F(num_records),
	  .arg_name = "COUNT",
	  .help = "named form: messages to send (num_messages)" },
	{ .name = "producer-acks",
	  .type = OPT_STRING,
	  .offset = F(producer_acks),
	  .arg_name = "1|all",
	  .help = "named form: the producer's acks" },
	{ .name = "record-size",
	  .type = OPT_STRING,
	  .offset = F(record_size),
	  .arg_name = "BYTES",
	  .help = "named form: bytes per message value (message_size_bytes)" },
	{ .name = "command-config",
	  .type = OPT_STRING,
	  .offset = F(kfk.config_file),
	  .arg_name = "FILE",
	  .help = "named form: a properties file for both clients (properties_file)" },
	{ .name = "record-key-size",
	  .type = OPT_STRING,
	  .offset = F(record_key_size),
	  .def = "0",
	  .arg_name = "BYTES",
	  .help = "named form: bytes per message key" },
	{ .name = "num-headers",
	  .type = OPT_STRING,
	  .offset = F(num_headers),
	  .def = "0",
	  .arg_name = "COUNT",
	  .help = "named form: headers per message" },
	{ .name = "record-header-key-size",
	  .type = OPT_STRING,
	  .offset = F(record_header_key_size),
	  .def = "0",
	  .arg_name = "BYTES",
	  .help = "named form: bytes per header key" },
	{ .name = "record-header-size",
	  .type = OPT_STRING,
	  .offset = F(record_header_size),
	  .def = "0",
	  .arg_name = "BYTES",
	  .help = "named form: bytes per header value; -1: null values" },
	{ .name = "output-format",
	  .type = OPT_CHOICE,
	  .offset = F(kfk.output_format),
	  .def = "text",
	  .choices = format_choices,
	  .arg_name = "FORMAT",
	  .help = "the Java tool's lines, or one JSON document" },
	{ .name = "output",
	  .type = OPT_STRING,
	  .offset = F(kfk.output),
	  .arg_name = "FILE",
	  .help = "write the results to this file (whole, or not at all)" },
	{ .name = "stall-threshold",
	  .type = OPT_TIME,
	  .env = "PVCBENCH_STALL_THRESHOLD",
	  .offset = F(kfk.stall_threshold_ns),
	  .def = "1s",
	  .unit_ns = 1000000000ULL,
	  .min = 1000000,
	  .max = 86400000000000LL,
	  .arg_name = "TIME",
	  .help = "a stretch of TIME or more with no round trip completed is a stall: reported "
		  "with its start, length, failures and recovery" },
	{ 0 }
};

/* The named form's options that make a command line named, as the Java tool looks for them */
static const char *const required_named[] = { "bootstrap-server", "topic",	 "num-records",
					      "producer-acks",	  "record-size", NULL };
static const char *const optional_named[] = { "command-config",	    "record-key-size",
					      "num-headers",	    "record-header-key-size",
					      "record-header-size", NULL };

struct e2e *e2e_state(struct command *cmd)
{
	struct e2e *e = command_state(cmd);

	if (!e) {
		e = calloc(1, sizeof(*e));
		if (e)
			command_set_state(cmd, e);
	}
	return e;
}

int e2e_on_operand(struct command *cmd, const char *text, char *err, size_t size)
{
	struct e2e *e = e2e_state(cmd);

	if (!e) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	if (e->noperands == E2E_MAX_OPERANDS) {
		e->extra_operands++; /* the usage line, once all are counted */
		return 0;
	}
	e->operand[e->noperands] = strdup(text);
	if (!e->operand[e->noperands]) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	e->noperands++;
	return 0;
}

/* Integer.parseInt: an optional sign and decimal digits, within 32 bits */
static bool java_parse_int(const char *text, int64_t *value)
{
	const char *s = text + (*text == '-' || *text == '+');
	int64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > (int64_t)INT32_MAX + 1)
			return false;
	}
	v = *text == '-' ? -v : v;
	if (v > INT32_MAX || v < INT32_MIN)
		return false;
	*value = v;
	return true;
}

static int set_string(char *field, const char *value, const char *what, char *err, size_t size)
{
	if (strlen(value) >= OPT_STRING_MAX) {
		snprintf(err, size, "%s: longer than %d characters", what, OPT_STRING_MAX - 1);
		return -EINVAL;
	}
	snprintf(field, OPT_STRING_MAX, "%s", value);
	return 0;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static int check_acks(struct e2e *e, bool named, char *err, size_t size)
{
	if (!strcmp(e->acks, "1") || !strcmp(e->acks, "all"))
		return 0;
	if (named)
		snprintf(err, size,
			 "Invalid value for --producer-acks. Latency testing requires synchronous "
			 "acknowledgement. Please use '1' or 'all'. (got \"%s\")",
			 e->acks);
	else
		snprintf(err, size,
			 "producer_acks \"%s\": Latency testing requires synchronous "
			 "acknowledgement. Please use 1 or all",
			 e->acks);
	return -EINVAL;
}

/* The 3.x tool's checks of its positional arguments, in its order (the numbers, then acks) */
static int positional_checks(struct e2e *e, struct e2e_config *cfg, char *err, size_t size)
{
	if ((e->noperands != 5 && e->noperands != 6) || e->extra_operands) {
		snprintf(err, size, "%s", usage_line);
		return -EINVAL;
	}
	if (!java_parse_int(e->operand[2], &e->num_messages) || e->num_messages < 1) {
		snprintf(err, size, "num_messages \"%s\": must be a whole number from 1 to %d",
			 e->operand[2], INT32_MAX);
		return -EINVAL;
	}
	if (!java_parse_int(e->operand[4], &e->message_size) || e->message_size < 0) {
		snprintf(err, size,
			 "message_size_bytes \"%s\": must be a whole number from 0 to %d",
			 e->operand[4], INT32_MAX);
		return -EINVAL;
	}
	e->acks = e->operand[3];
	return check_acks(e, false, err, size);
}

/* One integer of the named form: joptsimple's parse error, then the 4.2 tool's bound */
static int named_int(const char *name, const char *text, int64_t min, const char *what,
		     int64_t *value, char *err, size_t size)
{
	if (!java_parse_int(text, value)) {
		snprintf(err, size, "Cannot parse argument '%s' of option %s", text, name);
		return -EINVAL;
	}
	if (*value < min) {
		snprintf(err, size, "Value for --%s must be %s. (got %lld)", name, what,
			 (long long)*value);
		return -EINVAL;
	}
	return 0;
}

/* The 4.2 tool's checks of its named options, in its order */
static int named_checks(struct e2e *e, struct e2e_config *cfg, const struct option_set *set,
			char *err, size_t size)
{
	const char *nonneg = "a non-negative integer";

	if (e->noperands) {
		snprintf(err, size,
			 "unexpected argument \"%s\": give the named options or the positional "
			 "arguments, not both",
			 e->operand[0]);
		return -EINVAL;
	}
	for (unsigned i = 0; required_named[i]; i++) {
		if (!opt_given(set, required_named[i])) {
			snprintf(err, size, "Missing required argument \"[%s]\"",
				 required_named[i]);
			return -EINVAL;
		}
	}
	e->acks = cfg->producer_acks;
	if (check_acks(e, true, err, size) ||
	    named_int("num-records", cfg->num_records, 1, "a positive integer", &e->num_messages,
		      err, size) ||
	    named_int("record-size", cfg->record_size, 0, nonneg, &e->message_size, err, size) ||
	    named_int("record-key-size", cfg->record_key_size, 0, nonneg, &e->key_size, err,
		      size) ||
	    named_int("record-header-key-size", cfg->record_header_key_size, 0, nonneg,
		      &e->header_key_size, err, size) ||
	    named_int("record-header-size", cfg->record_header_size, -1,
		      "a non-negative integer or -1 for null header value", &e->header_value_size,
		      err, size) ||
	    named_int("num-headers", cfg->num_headers, 0, nonneg, &e->num_headers, err, size))
		return -EINVAL;
	e->named = true;
	return 0;
}

static bool any_given(const struct option_set *set, const char *const *names)
{
	for (unsigned i = 0; names[i]; i++)
		if (opt_given(set, names[i]))
			return true;
	return false;
}

/*
 * Our own errors (a value too long to keep) return -EINVAL: status 2. The Java tool's
 * refusals go to e->java_error, and e2e_execute says them with its status.
 */
int e2e_configure(struct command *cmd, char *err, size_t size)
{
	struct e2e_config *cfg = command_config(cmd);
	const struct option_set *set = command_options(cmd);
	struct e2e *e = e2e_state(cmd);
	int ret;

	if (!e) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	e->cfg = &cfg->kfk;
	e->set = set;
	cfg->kfk.timeout_ms = E2E_CLUSTER_TIMEOUT_MS;
	bool named = any_given(set, required_named) || any_given(set, optional_named);
	if (!named) {
		if (e->noperands >= 2 &&
		    (set_string(cfg->kfk.bootstrap, e->operand[0], "broker_list", err, size) ||
		     set_string(cfg->kfk.topic, e->operand[1], "topic", err, size)))
			return -EINVAL;
		if (e->noperands == 6 && !blank(e->operand[5]) &&
		    set_string(cfg->kfk.config_file, e->operand[5], "properties_file", err, size))
			return -EINVAL;
		ret = positional_checks(e, cfg, e->java_error, sizeof(e->java_error));
	} else {
		ret = named_checks(e, cfg, set, e->java_error, sizeof(e->java_error));
	}
	if (!ret && !cfg->kfk.topic[0]) {
		snprintf(e->java_error, sizeof(e->java_error), "topic \"\": must not be empty");
		ret = -EINVAL;
	}
	if (!ret && kfk_props_merge(&cfg->kfk, e->java_error, sizeof(e->java_error)))
		ret = -EINVAL;
	if (ret && !e->java_error[0])
		snprintf(e->java_error, sizeof(e->java_error), "%s", usage_line);
	return CMD_CONTINUE;
}

bool e2e_measures(const struct command *cmd)
{
	const struct e2e *e = command_state(cmd);

	return !e->java_error[0];
}

int e2e_execute(struct command *cmd)
{
	const struct e2e *e = command_state(cmd);

	command_error(cmd, "%s", e->java_error);
	return E2E_JAVA_STATUS;
}
