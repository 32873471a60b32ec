#!/usr/bin/env python3
"""test_kafka_props.py - the Java client's properties in `pvcbench kafka produce` and
`consume` (--producer-props, --consumer-props, --producer.config, --consumer.config), on a
mock cluster of its own (issue 12, item 4):

Kafka's documented command lines run unchanged (buffer.memory and the rest accepted), kcat
reads back exactly what was acknowledged; each mapped property is observably applied, in
librdkafka's own configuration dump (debug=conf logs the client's configuration as
librdkafka holds it), in the JSON's `properties`, or in behaviour (max.request.size refuses a
larger record, buffer.memory with max.block.ms fails records that find no room,
auto.offset.reset=none stops a group without offsets); the properties with no effect are
named in ONE note line; a name that is neither Java's nor librdkafka's is exit 2 with a
"did you mean".

Usage: python3 test_kafka_props.py PATH_TO_PVCBENCH
"""
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kafkamock import (Checks, MockCluster, bad_input_problems, kcat_read, ran_ok,  # noqa: E402
                       records_in_topic, require_tools, scratch_dir, unique)
from kafkareport import (CONSUME_WARNING, FAILED_RE, ProduceReport, consume_line,  # noqa: E402
                         final_problems, load_json)

RUN_TIMEOUT = 90.0
NOTE_RE = re.compile(r"^pvcbench kafka (produce|consume): note: no effect with librdkafka "
                     r"\(no counterpart, or the other client's\): (.+)$", re.M)
CONF_RE = re.compile(r"\|CONF\|[^\n]*\]:   (\S+) = (.*)$", re.M)


class Ctx:
    def __init__(self, checks, bench, mock, tmp):
        self.checks, self.bench, self.mock, self.tmp = checks, bench, mock, tmp

    def run(self, sub, args, timeout=RUN_TIMEOUT):
        return self.bench.run(sub, [str(a) for a in args], timeout=timeout)

    def path(self, name):
        return os.path.join(self.tmp, name)


def conf_dump(res):
    """librdkafka's configuration dump (debug=conf) from stderr: {name: value}."""
    return dict(CONF_RE.findall(res.err))


def notes(res):
    return NOTE_RE.findall(res.err)


def sent_ok(res, n, size=None):
    bad = ran_ok(res)
    if bad:
        return bad
    bad = final_problems(ProduceReport(res.out), n, size)
    return bad + (res.show() if bad else [])


def kafka_doc(res):
    """The JSON document's jobs[0].kafka, or raises."""
    doc, bad = load_json(res.out)
    if bad:
        raise ValueError("; ".join(bad))
    return doc["jobs"][0]["kafka"]


def became(doc, name):
    for p in doc["properties"]:
        if p["name"] == name:
            return p["librdkafka"]
    return None


# ---------------------------------------------------------------- the producer

def check_documented_producer(c):
    """The producer line of Kafka's documentation (and of the issue), unchanged."""
    n, topic = 20000, unique("doc")
    c.mock.create_topic(topic, 8)
    res = c.run("produce", ["--topic", topic, "--num-records", n, "--record-size", 100,
                            "--throughput", -1, "--producer-props",
                            "bootstrap.servers=%s" % c.mock.bootstrap,
                            "buffer.memory=67108864", "acks=all", "linger.ms=5",
                            "batch.size=8196"])
    c.checks.check("kafka-producer-perf-test's documented line (buffer.memory=67108864 acks=all "
                   "linger.ms=5 batch.size=8196): exit 0, %d records sent" % n,
                   sent_ok(res, n, 100))
    c.checks.check("every property of that line has an effect: no note line",
                   [] if not notes(res) else ["note lines: %r" % notes(res)] + res.show())
    rb = kcat_read(c.mock.bootstrap, topic, n)
    c.checks.check("kcat reads back exactly the %d records acknowledged" % n,
                   rb.problems(n) or ({len(p) for p in rb.payloads} == {100}
                                      or ["payload sizes differ from 100"]))
    held = records_in_topic(c.mock.bootstrap, topic)
    c.checks.check("the topic holds %d records, no more" % n,
                   held == n or ["end offsets add up to %d" % held])


def check_conf_dump(c):
    """What librdkafka holds after the Java names: its own dump of its configuration."""
    res = c.run("produce", ["--topic", unique("conf"), "--num-records", 100,
                            "--record-size", 100, "--bootstrap-server", c.mock.bootstrap,
                            "--producer-props", "buffer.memory=67108864",
                            "delivery.timeout.ms=45000", "send.buffer.bytes=131072",
                            "receive.buffer.bytes=-1", "max.request.size=2000000",
                            "max.in.flight.requests.per.connection=3", "retries=7",
                            "compression.type=zstd", "compression.zstd.level=5",
                            "batch.size=0", "request.timeout.ms=25000", "debug=conf"])
    bad = sent_ok(res, 100, 100)
    dump = conf_dump(res)
    want = {"queue.buffering.max.kbytes": "65536", "message.timeout.ms": "45000",
            "socket.send.buffer.bytes": "131072", "message.max.bytes": "2000000",
            "max.in.flight.requests.per.connection": "3", "message.send.max.retries": "7",
            "compression.codec": "zstd", "compression.level": "5",
            "batch.num.messages": "1", "request.timeout.ms": "25000",
            "client.id": "perf-producer-client"}
    for k, v in want.items():
        if dump.get(k) != v:
            bad.append("librdkafka's %s is %r, want %r" % (k, dump.get(k), v))
    # receive.buffer.bytes=-1 is librdkafka's 0 (the OS default), which it leaves out of its
    # dump of what differs from the defaults
    if dump.get("socket.receive.buffer.bytes", "0") != "0":
        bad.append("socket.receive.buffer.bytes %r, want 0" % dump["socket.receive.buffer.bytes"])
    c.checks.check("producer: Java names and units reach librdkafka (its debug=conf dump: "
                   "buffer.memory 67108864 -> queue.buffering.max.kbytes 65536, ...)",
                   bad + (["dump: %r" % dump] + res.show(10) if bad else []))


def check_json_properties(c):
    res = c.run("produce", ["--topic", unique("json"), "--num-records", 50, "--record-size", 10,
                            "--bootstrap-server", c.mock.bootstrap, "--output-format", "json",
                            "--producer-props", "buffer.memory=1000000", "linger.ms=2",
                            "value.serializer=org.apache.kafka.common.serialization."
                            "ByteArraySerializer", "max.block.ms=5000"])
    bad = ran_ok(res)
    if not bad:
        doc = kafka_doc(res)
        for name, want in (("buffer.memory", "queue.buffering.max.kbytes=977"),
                           ("linger.ms", "linger.ms=2"), ("value.serializer", ""),
                           ("max.block.ms", "(pvcbench) max.block.ms=5000")):
            if became(doc, name) != want:
                bad.append("%s became %r, want %r" % (name, became(doc, name), want))
    c.checks.check("JSON kafka.properties: what each became (bytes/1024 rounded up; "
                   "serializers nothing)", bad)


def check_note_line(c):
    res = c.run("produce", ["--topic", unique("note"), "--num-records", 100, "--record-size", 10,
                            "--bootstrap-server", c.mock.bootstrap, "--producer-props",
                            "key.serializer=org.apache.kafka.common.serialization."
                            "ByteArraySerializer",
                            "value.serializer=org.apache.kafka.common.serialization."
                            "ByteArraySerializer",
                            "interceptor.classes=com.example.Tracing",
                            "metric.reporters=com.example.Reporter", "acks=1",
                            "fetch.min.bytes=10"])
    bad = sent_ok(res, 100, 10)
    n = notes(res)
    if len(n) != 1:
        bad.append("%d note lines, want exactly 1: %r" % (len(n), n))
    else:
        named = [x.strip() for x in n[0][1].split(",")]
        want = ["key.serializer", "value.serializer", "interceptor.classes",
                "metric.reporters", "fetch.min.bytes"]
        if named != want:
            bad.append("the note names %r, want %r" % (named, want))
    other = [ln for ln in res.err_lines if ln.strip() and not NOTE_RE.match(ln)]
    if other:
        bad.append("other stderr lines: %r" % other)
    c.checks.check("Java-only properties (serializers, interceptors, reporters, a consumer's "
                   "property): accepted, ONE note line naming them", bad + (res.show() if bad
                                                                            else []))


def check_did_you_mean(c):
    for prop, want in (("bufer.memory=1", "did you mean buffer.memory?"),
                       ("linger.msec=5", "did you mean linger.ms?"),
                       ("max.block.msec=5", "did you mean max.block.ms?")):
        res = c.run("produce", ["--topic", "t", "--num-records", 10, "--record-size", 10,
                                "--bootstrap-server", c.mock.bootstrap, "--producer-props",
                                prop])
        c.checks.check("%s: exit 2, one line with %r" % (prop, want),
                       bad_input_problems(res, [want]))
    res = c.run("produce", ["--topic", "t", "--num-records", 10, "--record-size", 10,
                            "--bootstrap-server", c.mock.bootstrap, "--producer-props",
                            "zzz.qqq.www=1"])
    c.checks.check("a name far from any property: exit 2 naming it, no suggestion",
                   bad_input_problems(res, ["zzz.qqq.www"]) or
                   (["a suggestion was made"] if "did you mean" in res.err else []))
    res = c.run("produce", ["--topic", "t", "--num-records", 10, "--record-size", 10,
                            "--bootstrap-server", c.mock.bootstrap, "--producer-props",
                            "buffer.memory=lots"])
    c.checks.check("buffer.memory=lots: exit 2 naming the value",
                   bad_input_problems(res, ["buffer.memory=lots"]))


def check_max_request_size(c):
    """max.request.size is librdkafka's message.max.bytes: a larger record is refused."""
    res = c.run("produce", ["--topic", unique("big"), "--num-records", 5, "--record-size", 3000,
                            "--bootstrap-server", c.mock.bootstrap, "--producer-props",
                            "max.request.size=1000"])
    m = FAILED_RE.search(res.err)
    bad = [] if res.rc == 1 else ["exit status %s, want 1" % res.rc]
    if not m or int(m.group(1)) != 5:
        bad.append("want `5 records failed delivery` on stderr")
    c.checks.check("max.request.size=1000, records of 3000 bytes: all 5 fail, exit 1",
                   bad + (res.show() if bad else []))
    res = c.run("produce", ["--topic", unique("big"), "--num-records", 5, "--record-size", 3000,
                            "--bootstrap-server", c.mock.bootstrap, "--producer-props",
                            "max.request.size=100000"])
    c.checks.check("max.request.size=100000: the same records go", sent_ok(res, 5, 3000))


def check_buffer_memory_max_block(c):
    """buffer.memory=1024 leaves no room for a record of 2000 bytes; max.block.ms=300 is how
    long a send waits for room before the record fails, as Java's send() does."""
    res = c.run("produce", ["--topic", unique("block"), "--num-records", 3,
                            "--record-size", 2000, "--bootstrap-server", c.mock.bootstrap,
                            "--producer-props", "buffer.memory=1024", "max.block.ms=300"])
    m = FAILED_RE.search(res.err)
    bad = [] if res.rc == 1 else ["exit status %s, want 1" % res.rc]
    if not m or int(m.group(1)) != 3:
        bad.append("want `3 records failed delivery` on stderr")
    if not 0.8 <= res.wall <= 15:
        bad.append("took %.2f s; 3 records x 300 ms of blocking is about 0.9 s" % res.wall)
    c.checks.check("buffer.memory=1024 max.block.ms=300, 3 records of 2000 bytes: each fails "
                   "after ~300 ms, exit 1", bad + (res.show() if bad else []))


def check_producer_config_file(c):
    path = c.path("java-producer.properties")
    with open(path, "w") as f:
        f.write("# a Java client's producer.properties\n"
                "bootstrap.servers=%s\n"
                "buffer.memory=33554432\n"
                "compression.type=lz4\n"
                "acks=all\n"
                "enable.idempotence=true\n"
                "max.in.flight.requests.per.connection=5\n"
                "key.serializer=org.apache.kafka.common.serialization.StringSerializer\n"
                "value.serializer=org.apache.kafka.common.serialization.StringSerializer\n"
                % c.mock.bootstrap)
    n, topic = 3000, unique("file")
    res = c.run("produce", ["--topic", topic, "--num-records", n, "--record-size", 100,
                            "--throughput", -1, "--producer.config", path,
                            "--producer-props", "debug=conf"])
    bad = sent_ok(res, n, 100)
    dump = conf_dump(res)
    if dump.get("queue.buffering.max.kbytes") != "32768":
        bad.append("queue.buffering.max.kbytes %r, want 32768"
                   % dump.get("queue.buffering.max.kbytes"))
    if len(notes(res)) != 1 or "key.serializer, value.serializer" not in notes(res)[0][1]:
        bad.append("want one note naming the serializers: %r" % notes(res))
    c.checks.check("--producer.config of Java properties (buffer.memory, serializers, ...)",
                   bad + (res.show(10) if bad else []))
    rb = kcat_read(c.mock.bootstrap, topic, n)
    c.checks.check("kcat reads back the %d records" % n, rb.problems(n))


def check_sasl_mapping(c):
    """sasl.jaas.config's PLAIN login becomes librdkafka's sasl.username/password. The mock
    has no SASL, so the run fails to connect (exit 1); librdkafka's dump shows them set."""
    res = c.run("produce", ["--topic", "t", "--num-records", 1, "--record-size", 1,
                            "--timeout", 1000, "--bootstrap-server", c.mock.bootstrap,
                            "--producer-props", "security.protocol=SASL_PLAINTEXT",
                            "sasl.mechanism=PLAIN",
                            "sasl.jaas.config=org.apache.kafka.common.security.plain."
                            "PlainLoginModule required username=\"alice\" password=\"pw\";",
                            "debug=conf"], timeout=30)
    dump = conf_dump(res)
    bad = [] if res.rc == 1 else ["exit status %s, want 1 (the mock has no SASL)" % res.rc]
    for k, v in (("security.protocol", "sasl_plaintext"), ("sasl.mechanisms", "PLAIN"),
                 ("sasl.username", "[redacted]"), ("sasl.password", "[redacted]")):
        if dump.get(k) != v:
            bad.append("librdkafka's %s is %r, want %r" % (k, dump.get(k), v))
    c.checks.check("sasl.jaas.config PlainLoginModule -> sasl.username and sasl.password set",
                   bad + (["dump: %r" % dump] if bad else []))


# ---------------------------------------------------------------- the consumer

def check_documented_consumer(c):
    """kafka-consumer-perf-test's documented line, with a --consumer.config of Java
    properties."""
    n, topic = 5000, unique("cdoc")
    c.mock.create_topic(topic, 4)
    res = c.run("produce", ["--topic", topic, "--num-records", n, "--payload-monotonic",
                            "--producer-props", "bootstrap.servers=%s" % c.mock.bootstrap,
                            "acks=all"])
    c.checks.check("%d records produced for the consumer" % n, sent_ok(res, n))
    path = c.path("java-consumer.properties")
    with open(path, "w") as f:
        f.write("fetch.max.wait.ms=100\n"
                "fetch.min.bytes=1\n"
                "max.poll.records=500\n"
                "isolation.level=read_committed\n"
                "receive.buffer.bytes=65536\n"
                "key.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer\n"
                "partition.assignment.strategy=org.apache.kafka.clients.consumer."
                "RoundRobinAssignor\n")
    res = c.run("consume", ["--bootstrap-server", c.mock.bootstrap, "--topic", topic,
                            "--messages", n, "--consumer.config", path, "--consumer-props",
                            "debug=conf"])
    bad = ran_ok(res)
    d, more = consume_line(res.out)
    bad += more
    if d is not None and d["n"] != n:
        bad.append("nMsg %d, want %d" % (d["n"], n))
    dump = conf_dump(res)
    for k, v in (("fetch.wait.max.ms", "100"), ("isolation.level", "read_committed"),
                 ("partition.assignment.strategy", "roundrobin"),
                 ("client.id", "perf-consumer-client"), ("check.crcs", "false")):
        if dump.get(k) != v:
            bad.append("librdkafka's %s is %r, want %r" % (k, dump.get(k), v))
    # --socket-buffer-size was not given: the file's receive.buffer.bytes applies
    if dump.get("socket.receive.buffer.bytes") != "65536":
        bad.append("socket.receive.buffer.bytes %r, want the file's 65536"
                   % dump.get("socket.receive.buffer.bytes"))
    n_notes = notes(res)
    if len(n_notes) != 1 or n_notes[0][1] != "max.poll.records, key.deserializer":
        bad.append("want one note naming max.poll.records, key.deserializer: %r" % n_notes)
    c.checks.check("kafka-consumer-perf-test's line with a --consumer.config of Java "
                   "properties: all %d read, fetch.max.wait.ms -> fetch.wait.max.ms, assignor "
                   "class -> roundrobin, one note" % n, bad + (res.show(10) if bad else []))


def check_offset_reset_none(c):
    """auto.offset.reset=none is librdkafka's error: a new group finds no offsets and
    reads nothing (Java's consumer throws there; here: errors, the WARNING, exit 1)."""
    topic = unique("none")
    res = c.run("produce", ["--topic", topic, "--num-records", 10, "--record-size", 10,
                            "--bootstrap-server", c.mock.bootstrap])
    res = c.run("consume", ["--bootstrap-server", c.mock.bootstrap, "--topic", topic,
                            "--messages", 10, "--timeout", 5000, "--consumer-props",
                            "auto.offset.reset=none"])
    bad = [] if res.rc == 1 else ["exit status %s, want 1" % res.rc]
    d, more = consume_line(res.out, CONSUME_WARNING % 5000)
    bad += more
    if d is not None and d["n"] != 0:
        bad.append("nMsg %d, want 0" % d["n"])
    if "consumer errors" not in res.err:
        bad.append("no `consumer errors` line on stderr")
    c.checks.check("auto.offset.reset=none: nothing read, errors said, exit 1",
                   bad + (res.show() if bad else []))


DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "kafka.md")
DOC_ROW_RE = re.compile(r"^\| `([a-z0-9.]+)` \| (producer|consumer|both) \| (.+) \|$", re.M)


def check_docs_table(c):
    """Every row of docs/kafka.md's table is a property the command knows (never `unknown
    property`), and one the docs call none is named in the note line. The cluster is a
    closed port: the properties are read before anything connects."""
    with open(DOCS) as f:
        rows = DOC_ROW_RE.findall(f.read())
    bad = [] if len(rows) >= 110 else ["only %d rows in the table" % len(rows)]
    for name, client, becomes in rows:
        sub = "consume" if client == "consumer" else "produce"
        args = ["--topic", "t", "--timeout", 100, "--bootstrap-server", "127.0.0.1:9"]
        args += (["--messages", 1, "--consumer-props"] if sub == "consume" else
                 ["--num-records", 1, "--record-size", 1, "--producer-props"])
        res = c.run(sub, args + ["%s=1" % name], timeout=30)
        if "unknown property" in res.err:
            bad.append("%s: %s" % (name, res.err.strip()))
        noted = [x.strip() for n in notes(res) for x in n[1].split(",")]
        if becomes.startswith("none") and name not in noted:
            bad.append("%s: the docs say none, but no note names it: %r" % (name, res.err))
    c.checks.check("docs/kafka.md's table: %d Java properties, each known to the command, "
                   "those with no effect named in the note" % len(rows), bad)


def main():
    checks = Checks()
    bench = require_tools(checks)
    tmp = scratch_dir("props")
    try:
        with MockCluster(bench, brokers=3) as mock:
            c = Ctx(checks, bench, mock, tmp)
            checks.section(check_documented_producer, c)
            checks.section(check_conf_dump, c)
            checks.section(check_json_properties, c)
            checks.section(check_note_line, c)
            checks.section(check_did_you_mean, c)
            checks.section(check_max_request_size, c)
            checks.section(check_buffer_memory_max_block, c)
            checks.section(check_producer_config_file, c)
            checks.section(check_sasl_mapping, c)
            checks.section(check_documented_consumer, c)
            checks.section(check_offset_reset_none, c)
            checks.section(check_docs_table, c)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    checks.finish()


if __name__ == "__main__":
    main()
