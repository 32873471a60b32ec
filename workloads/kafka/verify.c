/*
 * verify.c - `kafka produce --verify`: every acknowledged record accounted for.
 *
 * The producer numbers its records 0..n-1 and writes a mark into each record's first
 * KFK_VERIFY_MARK bytes (the record keeps the size asked for): "pv", a random producer id in 8
 * hex digits, the sequence number in 14. Its ledger keeps, per sequence number, the partition
 * and offset of the acknowledgement, or that delivery failed for good, or neither (no answer
 * came before a stop). The check reads the topic back and sorts what it finds in the classes of
 * Jepsen's Kafka analysis: acknowledged but read nowhere (lost; or expired, when below the
 * partition's log start: removed by retention, not by a failure), read more than once
 * (duplicated), read after a higher sequence in the same partition (out of order), carrying our
 * mark but never handed to the client (unexpected); records that failed or were never answered
 * may be present (allowed, counted apart). Invariant: a sequence number is acknowledged at most
 * once in the ledger (the first report wins; librdkafka gives one report per record).
 *
 * The ledger's file is text, one run of records per line (docs/kafka-verify.md): with
 * librdkafka's sticky partitioner consecutive records go to one partition at consecutive
 * offsets, so a run of thousands is one line.
 */
#include "kafka.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "pvcbench/clock.h"

#define LEDGER_MAGIC "pvcbench-kafka-ledger 1"

int kfk_ledger_init(struct kfk_ledger *l, const char *topic, uint64_t records)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->topic, sizeof(l->topic), "%s", topic);
	if (getrandom(&l->producer, sizeof(l->producer), GRND_NONBLOCK) != sizeof(l->producer))
		l->producer = (uint32_t)(clock_now_ns() ^ ((uint64_t)getpid() << 16));
	l->cap = records;
	l->partition = malloc((records ? records : 1) * sizeof(*l->partition));
	l->offset = malloc((records ? records : 1) * sizeof(*l->offset));
	if (!l->partition || !l->offset) {
		kfk_ledger_free(l);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < records; i++)
		l->partition[i] = KFK_SEQ_UNANSWERED;
	return 0;
}

void kfk_ledger_free(struct kfk_ledger *l)
{
	free(l->partition);
	free(l->offset);
	free(l->buf);
	l->partition = NULL;
	l->offset = NULL;
	l->buf = NULL;
}

int kfk_ledger_payloads(struct kfk_ledger *l, const char *payload, size_t len, unsigned max_slots)
{
	/* a batch's payloads live only until librdkafka has copied them: 16 MiB is plenty */
	size_t slots = (16u << 20) / (len ? len : 1);

	l->slots = slots < 1 ? 1 : slots > max_slots ? max_slots : (unsigned)slots;
	l->len = len;
	l->buf = malloc((size_t)l->slots * len);
	if (!l->buf)
		return -ENOMEM;
	for (unsigned i = 0; i < l->slots; i++)
		memcpy(l->buf + (size_t)i * len, payload, len);
	return 0;
}

void kfk_ledger_mark(struct kfk_ledger *l, uint64_t seq, char *buf)
{
	char mark[KFK_VERIFY_MARK + 1];

	snprintf(mark, sizeof(mark), "pv%08" PRIx32 "%014" PRIx64, l->producer,
		 (uint64_t)(seq & 0xffffffffffffffULL));
	memcpy(buf, mark, KFK_VERIFY_MARK);
	if (seq >= l->n)
		l->n = seq + 1;
}

void kfk_ledger_ack(struct kfk_ledger *l, uint64_t seq, int32_t partition, int64_t offset)
{
	if (seq >= l->cap || l->partition[seq] >= 0)
		return;
	if (l->partition[seq] == KFK_SEQ_FAILED)
		l->failed--;
	l->partition[seq] = partition;
	l->offset[seq] = offset;
	l->acked++;
}

void kfk_ledger_fail(struct kfk_ledger *l, uint64_t seq)
{
	if (seq >= l->cap || l->partition[seq] != KFK_SEQ_UNANSWERED)
		return;
	l->partition[seq] = KFK_SEQ_FAILED;
	l->failed++;
}

int kfk_ledger_path_ok(const char *path, char *err, size_t size)
{
	char line[64] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	bool ours =
		fgets(line, sizeof(line), f) && !strncmp(line, LEDGER_MAGIC, strlen(LEDGER_MAGIC));
	fclose(f);
	if (ours)
		return 0;
	snprintf(err, size,
		 "--verify %s: the file exists and is not a ledger of pvcbench's: not "
		 "overwritten (give a new file)",
		 path);
	return -EEXIST;
}

int kfk_ledger_write(const struct kfk_ledger *l, const char *path, char *err, size_t size)
{
	char tmp[OPT_STRING_MAX + 32];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");

	if (!f) {
		snprintf(err, size, "--verify %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f,
		"%s\ntopic %s\nproducer %08" PRIx32 "\nrecords %" PRIu64 "\nacknowledged %" PRIu64
		"\nfailed %" PRIu64 "\n",
		LEDGER_MAGIC, l->topic, l->producer, l->n, l->acked, l->failed);
	for (uint64_t i = 0; i < l->n;) {
		uint64_t j = i + 1;
		int32_t p = l->partition[i];
		if (p >= 0) {
			while (j < l->n && l->partition[j] == p &&
			       l->offset[j] == l->offset[i] + (int64_t)(j - i))
				j++;
			fprintf(f, "A %" PRIu64 " %" PRIu64 " %" PRId32 " %" PRId64 "\n", i, j - i,
				p, l->offset[i]);
		} else {
			while (j < l->n && l->partition[j] == p)
				j++;
			if (p == KFK_SEQ_FAILED)
				fprintf(f, "F %" PRIu64 " %" PRIu64 "\n", i, j - i);
		}
		i = j;
	}
	fprintf(f, "end\n");
	if (ferror(f) | fclose(f) || rename(tmp, path)) {
		snprintf(err, size, "--verify %s: %s", path, strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static int bad_ledger(const char *path, unsigned line, const char *why, char *err, size_t size)
{
	snprintf(err, size,
		 "--verify %s: line %u: %s (not a whole ledger of kafka produce --verify)", path,
		 line, why);
	return -EINVAL;
}

int kfk_ledger_read(struct kfk_ledger *l, const char *path, char *err, size_t size)
{
	char buf[OPT_STRING_MAX + 64], topic[OPT_STRING_MAX];
	uint64_t n = 0, acked = 0, failed = 0;
	unsigned producer = 0, no = 4;
	FILE *f = fopen(path, "r");
	int ret = -EINVAL;

	memset(l, 0, sizeof(*l));
	if (!f) {
		snprintf(err, size, "--verify %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if (!fgets(buf, sizeof(buf), f) || strncmp(buf, LEDGER_MAGIC, strlen(LEDGER_MAGIC)) ||
	    fscanf(f, "topic %255s producer %x records %" SCNu64 " ", topic, &producer, &n) != 3) {
		ret = bad_ledger(path, 1, "no ledger header", err, size);
		goto out;
	}
	if (fscanf(f, "acknowledged %" SCNu64 " failed %" SCNu64 " ", &acked, &failed) != 2 ||
	    n > (1ULL << 40)) {
		ret = bad_ledger(path, no, "no counts", err, size);
		goto out;
	}
	if (kfk_ledger_init(l, topic, n)) {
		snprintf(err, size, "--verify %s: out of memory for %" PRIu64 " records", path, n);
		ret = -ENOMEM;
		goto out;
	}
	l->producer = producer;
	l->n = n;
	bool ended = false;
	while (fgets(buf, sizeof(buf), f)) {
		uint64_t seq, count;
		int32_t part;
		int64_t off;
		no++;
		if (!strcmp(buf, "end\n")) {
			ended = true;
			break;
		}
		if (sscanf(buf, "A %" SCNu64 " %" SCNu64 " %" SCNd32 " %" SCNd64, &seq, &count,
			   &part, &off) == 4 &&
		    seq < n && count <= n - seq && part >= 0 && off >= 0) {
			for (uint64_t i = 0; i < count; i++)
				kfk_ledger_ack(l, seq + i, part, off + (int64_t)i);
		} else if (sscanf(buf, "F %" SCNu64 " %" SCNu64, &seq, &count) == 2 && seq < n &&
			   count <= n - seq) {
			for (uint64_t i = 0; i < count; i++)
				kfk_ledger_fail(l, seq + i);
		} else {
			ret = bad_ledger(path, no, "not an A or F line", err, size);
			goto out;
		}
	}
	if (!ended || l->acked != acked || l->failed != failed) {
		ret = bad_ledger(path, no, ended ? "the counts do not add up" : "no end line", err,
				 size);
		goto out;
	}
	ret = 0;
out:
	fclose(f);
	if (ret)
		kfk_ledger_free(l);
	return ret;
}

/* ---- the check ---- */

int kfk_verify_begin(struct kfk_verify *v, const struct kfk_ledger *l, unsigned nparts)
{
	memset(v, 0, sizeof(*v));
	v->l = l;
	v->nparts = nparts;
	v->seen = calloc(l->n ? l->n : 1, 1);
	v->parts = calloc(nparts ? nparts : 1, sizeof(*v->parts));
	if (!v->seen || !v->parts) {
		kfk_verify_free(v);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < nparts; i++) {
		v->parts[i].partition = (int32_t)i;
		v->parts[i].last_seq = -1;
	}
	v->total.partition = -1;
	return 0;
}

void kfk_verify_free(struct kfk_verify *v)
{
	free(v->seen);
	free(v->parts);
	v->seen = NULL;
	v->parts = NULL;
}

/* The sequence number in a record of this producer, or -1 */
static int64_t record_seq(const struct kfk_ledger *l, const unsigned char *p, size_t len)
{
	uint64_t x = 0;

	if (len < KFK_VERIFY_MARK || p[0] != 'p' || p[1] != 'v')
		return -1;
	for (unsigned i = 2; i < KFK_VERIFY_MARK; i++) {
		unsigned char c = p[i];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
						    : 16;
		if (d == 16)
			return -1;
		if (i == 10) {
			if (x != l->producer)
				return -1;
			x = 0;
		}
		x = x << 4 | d;
	}
	return (int64_t)x;
}

void kfk_verify_record(struct kfk_verify *v, int32_t partition, const void *payload, size_t len)
{
	const struct kfk_ledger *l = v->l;

	if (partition < 0 || (unsigned)partition >= v->nparts)
		return;
	struct kfk_verify_part *pp = &v->parts[partition];
	int64_t seq = record_seq(l, payload, len);

	pp->read++;
	if (seq < 0) {
		pp->foreign++;
		return;
	}
	if ((uint64_t)seq >= l->n) {
		pp->unexpected++;
		return;
	}
	if (v->seen[seq]) {
		pp->duplicated++;
	} else {
		if (seq < pp->last_seq)
			pp->out_of_order++;
		if (l->partition[seq] == KFK_SEQ_FAILED)
			pp->failed_present++;
		else if (l->partition[seq] == KFK_SEQ_UNANSWERED)
			pp->unanswered_present++;
	}
	if (v->seen[seq] < 255)
		v->seen[seq]++;
	if (seq > pp->last_seq)
		pp->last_seq = seq;
}

void kfk_verify_end(struct kfk_verify *v)
{
	const struct kfk_ledger *l = v->l;
	struct kfk_verify_part *t = &v->total;

	for (uint64_t s = 0; s < l->n; s++) {
		int32_t p = l->partition[s];
		if (p < 0 || v->seen[s])
			continue;
		if ((unsigned)p >= v->nparts || l->offset[s] >= v->parts[p].low) {
			/* a partition the topic no longer has lost its records too */
			if ((unsigned)p < v->nparts)
				v->parts[p].lost++;
			else
				t->lost++;
			if (v->nfirst_lost < KFK_VERIFY_FIRST)
				v->first_lost[v->nfirst_lost++] = s;
		} else {
			v->parts[p].expired++;
		}
	}
	for (unsigned i = 0; i < v->nparts; i++) {
		const struct kfk_verify_part *pp = &v->parts[i];
		t->read += pp->read;
		t->lost += pp->lost;
		t->expired += pp->expired;
		t->duplicated += pp->duplicated;
		t->out_of_order += pp->out_of_order;
		t->unexpected += pp->unexpected;
		t->failed_present += pp->failed_present;
		t->unanswered_present += pp->unanswered_present;
		t->foreign += pp->foreign;
	}
}

bool kfk_verify_failed(const struct kfk_verify *v)
{
	return v->total.lost > 0 || !v->complete;
}

static void part_text(FILE *out, const char *what, const struct kfk_verify_part *p)
{
	fprintf(out,
		"verify: %s: read %" PRIu64 ", lost %" PRIu64 ", duplicated %" PRIu64
		", out of order %" PRIu64 ", unexpected %" PRIu64 "; failed but present %" PRIu64
		", unanswered but present %" PRIu64 " (allowed); expired by retention %" PRIu64
		", other records %" PRIu64 "\n",
		what, p->read, p->lost, p->duplicated, p->out_of_order, p->unexpected,
		p->failed_present, p->unanswered_present, p->expired, p->foreign);
}

void kfk_verify_text(FILE *out, const struct kfk_verify *v)
{
	const struct kfk_ledger *l = v->l;
	char what[48];

	fprintf(out,
		"verify: topic %s, producer %08" PRIx32 ": %" PRIu64 " records sent, %" PRIu64
		" acknowledged, %" PRIu64 " failed, %" PRIu64 " unanswered\n",
		l->topic, l->producer, l->n, l->acked, l->failed, l->n - l->acked - l->failed);
	if (!v->complete)
		fprintf(out, "verify: INCOMPLETE: %s\n", v->incomplete);
	part_text(out, "all partitions", &v->total);
	for (unsigned i = 0; i < v->nparts; i++) {
		const struct kfk_verify_part *p = &v->parts[i];
		snprintf(what, sizeof(what), "partition %u (offsets %" PRId64 "..%" PRId64 ")", i,
			 p->low, p->high);
		part_text(out, what, p);
	}
	for (unsigned i = 0; i < v->nfirst_lost; i++) {
		uint64_t s = v->first_lost[i];
		fprintf(out,
			"verify: lost: sequence %" PRIu64 ", acknowledged at partition %" PRId32
			" offset %" PRId64 "\n",
			s, l->partition[s], l->offset[s]);
	}
	fprintf(out, "verify: %s\n",
		v->total.lost  ? "FAILED: acknowledged records were lost"
		: !v->complete ? "FAILED: the topic could not be read to its end"
			       : "every acknowledged record was read back");
}

static void part_json(struct jsonw *j, const struct kfk_verify_part *p)
{
	jsonw_object_begin(j, NULL);
	jsonw_i64(j, "partition", p->partition);
	if (p->partition >= 0) {
		jsonw_i64(j, "log_start_offset", p->low);
		jsonw_i64(j, "end_offset", p->high);
	}
	jsonw_u64(j, "read", p->read);
	jsonw_u64(j, "lost", p->lost);
	jsonw_u64(j, "duplicated", p->duplicated);
	jsonw_u64(j, "out_of_order", p->out_of_order);
	jsonw_u64(j, "unexpected", p->unexpected);
	jsonw_u64(j, "failed_present", p->failed_present);
	jsonw_u64(j, "unanswered_present", p->unanswered_present);
	jsonw_u64(j, "expired", p->expired);
	jsonw_u64(j, "other_records", p->foreign);
	jsonw_object_end(j);
}

void kfk_verify_json(struct jsonw *j, const char *key, const struct kfk_verify *v)
{
	const struct kfk_ledger *l = v->l;
	char id[16];

	snprintf(id, sizeof(id), "%08" PRIx32, l->producer);
	jsonw_object_begin(j, key);
	jsonw_string(j, "topic", l->topic);
	jsonw_string(j, "producer", id);
	jsonw_u64(j, "records_sent", l->n);
	jsonw_u64(j, "acknowledged", l->acked);
	jsonw_u64(j, "failed", l->failed);
	jsonw_u64(j, "unanswered", l->n - l->acked - l->failed);
	jsonw_bool(j, "complete", v->complete);
	if (!v->complete)
		jsonw_string(j, "incomplete", v->incomplete);
	jsonw_bool(j, "ok", !kfk_verify_failed(v));
	jsonw_u64(j, "read", v->total.read);
	jsonw_u64(j, "lost", v->total.lost);
	jsonw_u64(j, "duplicated", v->total.duplicated);
	jsonw_u64(j, "out_of_order", v->total.out_of_order);
	jsonw_u64(j, "unexpected", v->total.unexpected);
	jsonw_u64(j, "failed_present", v->total.failed_present);
	jsonw_u64(j, "unanswered_present", v->total.unanswered_present);
	jsonw_u64(j, "expired", v->total.expired);
	jsonw_u64(j, "other_records", v->total.foreign);
	jsonw_array_begin(j, "first_lost");
	for (unsigned i = 0; i < v->nfirst_lost; i++) {
		uint64_t s = v->first_lost[i];
		jsonw_object_begin(j, NULL);
		jsonw_u64(j, "sequence", s);
		jsonw_i64(j, "partition", l->partition[s]);
		jsonw_i64(j, "offset", l->offset[s]);
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	jsonw_array_begin(j, "partitions");
	for (unsigned i = 0; i < v->nparts; i++)
		part_json(j, &v->parts[i]);
	jsonw_array_end(j);
	jsonw_object_end(j);
}
