#!/usr/bin/env python3
"""test_kafka_produce.py - `pvcbench kafka produce` against a mock cluster of its own, as
/work/spec/kafka-cli.md says (kafka-producer-perf-test's options and lines):

records delivered and read back with kcat (count, size, monotonic payloads, payload file
with a custom delimiter), the final, progress and scheduled-latency lines, --throughput
held, --producer-props / --producer.config (and unknown properties refused), JSON and
--output, topic creation with --partitions, --warmup-records left out of the statistics,
a broker down mid-run (nothing lost) and brokers down past message.timeout.ms (failures
counted, exit 1), an unreachable bootstrap server, `--bootstrap-server mock`, bad options
(exit 2), SIGTERM (exit 143 with the final line).

Usage: python3 test_kafka_produce.py PATH_TO_PVCBENCH
"""
import math
import os
import shutil
import signal
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kafkamock import (Checks, Event, MockCluster, after_event, after_line,  # noqa: E402
                       at, bad_input_problems, closed_port, first_of, kcat_read, ran_ok,
                       records_in_topic, require_tools, scratch_dir, signal_action,
                       topic_partitions, unique)
from kafkareport import (FAILED_RE, PROGRESS_RE, ProduceReport, final_problems,  # noqa: E402
                         job_problems, latency_order_problems, load_json)

RUN_TIMEOUT = 90.0
PROGRESS = PROGRESS_RE.pattern


class Ctx:
    """What every check needs: the report, the binary, the mock, a scratch directory."""

    def __init__(self, checks, bench, mock, tmp):
        self.checks, self.bench, self.mock, self.tmp = checks, bench, mock, tmp

    def produce(self, args, bootstrap=True, timeout=RUN_TIMEOUT):
        """Runs produce with args, and --bootstrap-server to our mock unless told not to."""
        extra = ["--bootstrap-server", self.mock.bootstrap] if bootstrap else []
        return self.bench.run("produce", list(args) + extra, timeout=timeout)

    def path(self, name):
        return os.path.join(self.tmp, name)


def sent_problems(res, sent, size=None, scheduled=False):
    """Exit 0, stdout of the spec's lines only, the final line with `sent` records."""
    bad = ran_ok(res)
    if bad:
        return bad
    rep = ProduceReport(res.out)
    bad = rep.shape_problems(scheduled) + final_problems(rep, sent, size)
    return bad + (res.show() if bad else [])


def monotonic_problems(payloads, n):
    """The payloads are "0".."n-1", each exactly once."""
    want = {str(i).encode() for i in range(n)}
    got = set(payloads)
    bad = []
    if len(payloads) != len(got):
        bad.append("%d payloads repeated" % (len(payloads) - len(got)))
    missing, extra = want - got, got - want
    if missing:
        bad.append("%d payloads missing, e.g. %r" % (len(missing), sorted(missing)[:5]))
    if extra:
        bad.append("%d payloads not in 0..%d, e.g. %r" % (len(extra), n - 1, sorted(extra)[:5]))
    return bad


def partitions_for(n, size):
    """Enough partitions that the mock's ~5 MiB per partition keeps n records of size
    bytes (at most 4 MiB each, to be safe)."""
    return max(4, math.ceil(n * size / (4 * 1024 * 1024)) + 1)


# ---------------------------------------------------------------- the checks

def check_basic(c):
    n, topic = 20000, unique("basic")
    c.mock.create_topic(topic, partitions_for(n, 100))
    res = c.produce(["--topic", topic, "--num-records", n, "--record-size", 100,
                     "--throughput", -1])
    c.checks.check("20000 records of 100 bytes: exit 0, the spec's final line, 20000 sent",
                   sent_problems(res, n, 100))
    rb = kcat_read(c.mock.bootstrap, topic, n)
    sizes = {len(p) for p in rb.payloads}
    c.checks.check("kcat reads back 20000 records of 100 bytes",
                   rb.problems(n) or (sizes == {100} or ["payload sizes %r" % sizes]))
    held = records_in_topic(c.mock.bootstrap, topic)
    c.checks.check("the topic holds exactly 20000 records (no duplicates)",
                   held == n or ["end offsets add up to %d" % held])
    # --name=value works as well as --name value
    topic = unique("eq")
    res = c.produce(["--topic=" + topic, "--num-records=500", "--record-size=10"])
    c.checks.check("--name=value forms (no --throughput: no limit)", sent_problems(res, 500, 10))


def check_progress(c):
    # ~3 s at 3000 records/s, a line every 500 ms
    n, topic = 9000, unique("progress")
    res = c.produce(["--topic", topic, "--num-records", n, "--record-size", 100,
                     "--throughput", 3000, "--reporting-interval", 500])
    c.checks.check("--reporting-interval 500 over ~3 s: exit 0 and the final line",
                   sent_problems(res, n, 100, scheduled=True))
    rep = ProduceReport(res.out)
    counts = [p[0] for p in rep.progress]
    bad = [] if len(counts) >= 2 else ["%d progress lines, want >= 2" % len(counts)]
    if sum(counts) > n:
        bad.append("progress counts add up to %d > %d: %r" % (sum(counts), n, counts))
    c.checks.check("progress lines in the spec's format (>= 2), counts adding up to <= N",
                   bad + (res.show() if bad else []))
    bad = ["avg %.1f above max %.1f: %r" % (p[3], p[4], p) for p in rep.progress
           if p[3] > p[4] + 0.05]
    c.checks.check("progress lines: avg latency <= max latency", bad)


def startup_overhead(c):
    """Seconds a 1-record run takes: starting, metadata, delivery, exit. Subtracted from a
    throttled run's wall time before judging its rate."""
    res = c.produce(["--topic", unique("one"), "--num-records", 1, "--record-size", 100])
    return res.wall if res.rc == 0 else 0.0


def check_throughput(c):
    n, rate, topic = 15000, 5000, unique("rate")
    overhead = startup_overhead(c)
    res = c.produce(["--topic", topic, "--num-records", n, "--record-size", 100,
                     "--throughput", rate])
    c.checks.check("--throughput 5000, 15000 records: exit 0, final and scheduled lines",
                   sent_problems(res, n, 100, scheduled=True))
    rep = ProduceReport(res.out)
    if rep.final is None:
        return
    printed = rep.final["rate"]
    c.checks.check("--throughput 5000: printed %.0f records/sec within 10%% of 5000" % printed,
                   abs(printed - rate) <= 0.1 * rate or res.show())
    # wall time includes start-up: the raw wall rate can only be lower than the real rate
    # (so it bounds a throttle that lets too much through), and with the start-up of a
    # one-record run taken off it must not be much lower either
    raw = n / res.wall
    net = n / max(res.wall - overhead, 0.001)
    bad = []
    if raw > rate * 1.1:
        bad.append("%d records in %.2f s = %.0f/s: faster than the limit" % (n, res.wall, raw))
    if net < rate * 0.9:
        bad.append("%d records in %.2f s minus %.2f s of start-up = %.0f/s"
                   % (n, res.wall, overhead, net))
    c.checks.check("--throughput 5000: records / wall time within 10%% (%.0f/s raw, %.0f/s "
                   "without start-up)" % (raw, net), bad)
    s = rep.scheduled[0] if len(rep.scheduled) == 1 else None
    c.checks.check("--throughput: the scheduled-latency line, percentiles in order",
                   latency_order_problems(s, "scheduled") if s else
                   ["%d scheduled-latency lines" % len(rep.scheduled)] + res.show())


def check_monotonic(c):
    n, topic = 10000, unique("mono")
    res = c.produce(["--topic", topic, "--num-records", n, "--payload-monotonic"])
    c.checks.check("--payload-monotonic: exit 0, %d sent" % n, sent_problems(res, n))
    rb = kcat_read(c.mock.bootstrap, topic, n)
    c.checks.check("--payload-monotonic: kcat reads back \"0\"..\"%d\" each exactly once"
                   % (n - 1), rb.problems(n) or monotonic_problems(rb.payloads, n))


def check_payload_file(c):
    records = [b"alpha", b"bravo two words", b"charlie\nwith a newline", b"d"]
    path = c.path("payloads.txt")
    with open(path, "wb") as f:
        f.write(b"|".join(records))
    n, topic = 1000, unique("pfile")
    res = c.produce(["--topic", topic, "--num-records", n, "--payload-file", path,
                     "--payload-delimiter", "|"])
    c.checks.check("--payload-file with --payload-delimiter '|': exit 0, %d sent" % n,
                   sent_problems(res, n))
    rb = kcat_read(c.mock.bootstrap, topic, n)
    strangers = {p for p in rb.payloads if p not in records}
    used = {p for p in rb.payloads if p in records}
    bad = rb.problems(n)
    if strangers:
        bad.append("records not in the file: %r" % sorted(strangers)[:5])
    if len(used) < 2:
        bad.append("only %r used of the file's 4 records (one chosen at random per send)"
                   % used)
    c.checks.check("--payload-file: every record read back is one of the file's", bad)
    # with the default delimiter, a newline splits
    path2 = c.path("lines.txt")
    with open(path2, "wb") as f:
        f.write(b"one\ntwo\nthree\n")
    topic = unique("plines")
    res = c.produce(["--topic", topic, "--num-records", 200, "--payload-file", path2])
    rb = kcat_read(c.mock.bootstrap, topic, 200)
    strangers = {p for p in rb.payloads if p not in (b"one", b"two", b"three")}
    c.checks.check("--payload-file, default delimiter \\n: records are the file's lines",
                   sent_problems(res, 200) + rb.problems(200)
                   + (["records not in the file: %r" % sorted(strangers)[:5]] if strangers
                      else []))


def check_props(c):
    topic = unique("props")
    # the values after --producer-props run up to the next option
    res = c.produce(["--topic", topic, "--producer-props", "acks=all", "linger.ms=5",
                     "compression.type=lz4", "--num-records", 2000, "--record-size", 100])
    c.checks.check("--producer-props acks=all linger.ms=5 compression.type=lz4 accepted",
                   sent_problems(res, 2000, 100))
    rb = kcat_read(c.mock.bootstrap, topic, 2000)
    c.checks.check("lz4-compressed records read back", rb.problems(2000))

    res = c.produce(["--topic", unique("props"), "--num-records", 10, "--record-size", 10,
                     "--producer-props", "no.such.prop=1"])
    c.checks.check("--producer-props no.such.prop=1: exit 2, one line naming it",
                   bad_input_problems(res, ["no.such.prop"]))

    res = c.produce(["--topic", unique("props"), "--num-records", 10, "--record-size", 10,
                     "--producer-props",
                     "key.serializer=org.apache.kafka.common.serialization.ByteArraySerializer",
                     "value.serializer=org.apache.kafka.common.serialization."
                     "ByteArraySerializer"])
    c.checks.check("key.serializer/value.serializer (Java only) accepted and ignored",
                   sent_problems(res, 10, 10))


def check_producer_config(c):
    """A Java properties file with comments and blank lines; its bootstrap.servers is the
    only way the run learns the cluster's address, so it must have been read."""
    path = c.path("producer.properties")
    with open(path, "w") as f:
        f.write("# producer settings for the test\n"
                "bootstrap.servers=%s\n"
                "\n"
                "# wait for every replica\n"
                "acks=all\n"
                "linger.ms=5\n" % c.mock.bootstrap)
    topic = unique("config")
    res = c.produce(["--topic", topic, "--num-records", 1000, "--record-size", 50,
                     "--producer.config", path], bootstrap=False)
    c.checks.check("--producer.config with comments (bootstrap.servers from it): exit 0",
                   sent_problems(res, 1000, 50))
    rb = kcat_read(c.mock.bootstrap, topic, 1000)
    c.checks.check("--producer.config: the records are in the file's cluster",
                   rb.problems(1000))
    bad_path = c.path("bad.properties")
    with open(bad_path, "w") as f:
        f.write("# an unknown property\nno.such.prop=1\n")
    res = c.produce(["--topic", unique("config"), "--num-records", 10, "--record-size", 10,
                     "--producer.config", bad_path])
    c.checks.check("--producer.config with an unknown property: exit 2 naming it",
                   bad_input_problems(res, ["no.such.prop"]))


def json_doc_problems(doc, n, size, topic, scheduled):
    """The spec's JSON for n records of size bytes to topic."""
    job, bad = job_problems(doc, "kafka-produce", "produce", n, n * size)
    if job is None:
        return bad
    prod = job["produce"]
    if prod.get("errors") != 0:
        bad.append("produce.errors %r, want 0" % prod.get("errors"))
    if "lat_hist" not in prod:
        bad.append("no produce.lat_hist")
    k = job.get("kafka")
    if not isinstance(k, dict):
        return bad + ["no kafka object in the job (keys: %r)" % sorted(job)]
    keys = ("topic", "num_records", "record_size", "throughput", "records_sent",
            "records_failed", "records_per_sec", "mb_per_sec", "bootstrap")
    bad += ["kafka.%s missing" % key for key in keys if key not in k]
    want = {"topic": topic, "num_records": n, "record_size": size, "records_sent": n,
            "records_failed": 0}
    bad += ["kafka.%s = %r, want %r" % (key, k[key], v) for key, v in want.items()
            if key in k and k[key] != v]
    # the series is in the envelope's top-level "series" (one entry per run), not in the job
    runs = doc.get("series")
    if "series" in job:
        bad.append("a series inside the job; it belongs in the top-level series")
    if not isinstance(runs, list) or len(runs) != 1 or not isinstance(runs[0], dict) \
            or not isinstance(runs[0].get("series"), dict) or runs[0].get("groupid") != 0 \
            or not runs[0]["series"].get("points"):
        bad.append("top-level series %r: want one run with groupid 0 and its points"
                   % (runs if not isinstance(runs, list) else runs[:1]))
    if scheduled:
        o = job.get("produce_scheduled")
        if not isinstance(o, dict) or o.get("total_ios") != n:
            bad.append("under --throughput, produce_scheduled should count %d records: %r"
                       % (n, o if not isinstance(o, dict) else o.get("total_ios")))
    elif "produce_scheduled" in job:
        bad.append("produce_scheduled without --throughput")
    return bad


def check_json(c):
    n, topic = 5000, unique("json")
    res = c.produce(["--topic", topic, "--num-records", n, "--record-size", 100,
                     "--output-format=json"])
    doc, bad = load_json(res.out)
    c.checks.check("--output-format=json: exit 0, stdout is one JSON document",
                   ran_ok(res) + bad)
    if doc is not None:
        c.checks.check("JSON: kafka-produce job, produce.total_ios = N, io_bytes = N*100, "
                       "ordered percentiles, kafka.records_sent = N",
                       json_doc_problems(doc, n, 100, topic, False))

    topic = unique("json")
    res = c.produce(["--topic", topic, "--num-records", n, "--record-size", 100,
                     "--throughput", 20000, "--output-format", "json"])
    doc, bad = load_json(res.out)
    c.checks.check("JSON under --throughput: produce_scheduled counts every record",
                   ran_ok(res) + bad or json_doc_problems(doc, n, 100, topic, True))

    outdir = tempfile.mkdtemp(prefix="out.", dir=c.tmp)
    path = os.path.join(outdir, "result.json")
    topic = unique("json")
    res = c.produce(["--topic", topic, "--num-records", n, "--record-size", 100,
                     "--output-format=json", "--output", path])
    try:
        with open(path) as f:
            fdoc, bad = load_json(f.read())
    except OSError as e:
        fdoc, bad = None, [str(e)]
    c.checks.check("--output FILE: exit 0, the file holds the JSON document",
                   ran_ok(res) + bad or json_doc_problems(fdoc, n, 100, topic, False))
    # (the spec does not say what stdout then holds: nothing, the text report or the
    # document are all accepted; only nothing may be left beside the file)
    left = sorted(set(os.listdir(outdir)) - {"result.json"})
    c.checks.check("--output FILE: nothing else left beside it", left == [] or left)


def check_topic_creation(c):
    """--partitions creates a missing topic through the Admin API. librdkafka 2.0.2's mock
    does not implement CreateTopics (rdkafka_mock.h says so; the client waits for a
    controller in vain), so against it the run must fail cleanly: exit 1 within about
    --timeout, one line naming the topic. A mock that can create topics must give 6."""
    topic = unique("created")
    res = c.produce(["--topic", topic, "--num-records", 100, "--record-size", 10,
                     "--partitions", 6, "--replication-factor", 1, "--timeout", 3000],
                    timeout=30)
    if res.rc == 0:
        n = topic_partitions(c.mock.bootstrap, topic)
        c.checks.check("--partitions 6 --replication-factor 1 on a new topic: 6 partitions",
                       sent_problems(res, 100, 10) + ([] if n == 6 else ["%d partitions" % n]))
    else:
        lines = [ln for ln in res.err_lines if ln.strip()]
        bad = res.crash_problems()
        if res.rc != 1:
            bad.append("exit status %s, want 1 (or 0 with the topic made)" % res.rc)
        if res.wall > 10:
            bad.append("took %.1f s with --timeout 3000" % res.wall)
        if len(lines) != 1 or topic not in lines[0]:
            bad.append("want one stderr line naming the topic %s" % topic)
        c.checks.check("--partitions 6 on a new topic, the mock lacking CreateTopics: exit 1 "
                       "within --timeout, one line naming the topic",
                       bad + (res.show() if bad else []))
    # on an existing topic the options change nothing (and no creation is tried)
    topic = unique("existing")
    c.mock.create_topic(topic, 6)
    res = c.produce(["--topic", topic, "--num-records", 100, "--record-size", 10,
                     "--partitions", 2, "--replication-factor", 1, "--timeout", 3000])
    n = topic_partitions(c.mock.bootstrap, topic)
    c.checks.check("--partitions 2 on an existing 6-partition topic: used as it is",
                   sent_problems(res, 100, 10) + ([] if n == 6 else ["%d partitions" % n]))


def check_warmup(c):
    # spec: "the first N records are sent but left out of the statistics"
    n, warm, topic = 5000, 1000, unique("warmup")
    res = c.produce(["--topic", topic, "--num-records", n, "--record-size", 100,
                     "--warmup-records", warm])
    c.checks.check("--warmup-records 1000 of 5000: the final line counts 4000",
                   sent_problems(res, n - warm, 100))
    held = records_in_topic(c.mock.bootstrap, topic)
    c.checks.check("--warmup-records: all 5000 records were sent",
                   held == n or ["the topic holds %d records" % held])


def check_broker_down(c, bench):
    """Broker 1 of 3 down from ~0.5 s to ~1.2 s into the sending: with acks=all and
    idempotence every record arrives once. The outage is timed from the first progress
    line (sending has begun), or from the start when no progress line shows up."""
    n, topic = 20000, unique("down")
    with MockCluster(bench, brokers=3) as mock:
        mock.create_topic(topic, 8, 3)
        events = [
            Event("down 1", first_of(after_line(PROGRESS, 0.25), at(1.5)),
                  lambda p: mock.control("down 1")),
            Event("up 1", after_event("down 1", 0.7), lambda p: mock.control("up 1")),
        ]
        res = bench.run_with_events("produce", [
            "--topic", topic, "--num-records", n, "--payload-monotonic",
            "--throughput", 10000, "--reporting-interval", 250,
            "--bootstrap-server", mock.bootstrap,
            "--producer-props", "acks=all", "enable.idempotence=true"], events,
            timeout=RUN_TIMEOUT)
        during = "up 1" in res.fired and res.fired["up 1"] < res.wall
        c.checks.check("broker 1 went down and came back while the run went on",
                       during or res.show())
        c.checks.check("broker down mid-run: exit 0, 20000 records sent",
                       sent_problems(res, n, scheduled=True))
        rb = kcat_read(mock.bootstrap, topic, n)
        c.checks.check("broker down mid-run: kcat reads back every payload 0..19999",
                       rb.problems(n) or monotonic_problems(rb.payloads, n))
        held = records_in_topic(mock.bootstrap, topic)
        c.checks.check("broker down mid-run: no record written twice",
                       held == n or ["the topic holds %d records" % held])


def check_delivery_failures(c, bench):
    """The only broker down for 3 s, longer than message.timeout.ms=1000: the records sent
    meanwhile fail; the run says so on stderr, exits 1 and loses none from its counts."""
    n, topic = 500, unique("fail")
    with MockCluster(bench, brokers=1) as mock:
        mock.create_topic(topic, 2, 1)
        events = [
            Event("down 1", first_of(after_line(PROGRESS, 0.25), at(1.5)),
                  lambda p: mock.control("down 1")),
            Event("up 1", after_event("down 1", 3.0), lambda p: mock.control("up 1")),
        ]
        res = bench.run_with_events("produce", [
            "--topic", topic, "--num-records", n, "--record-size", 100,
            "--throughput", 100, "--reporting-interval", 250,
            "--bootstrap-server", mock.bootstrap,
            "--producer-props", "message.timeout.ms=1000"], events, timeout=60)
    bad = res.crash_problems()
    if res.rc != 1:
        bad.append("exit status %s, want 1" % res.rc)
    if res.wall > 30:
        bad.append("took %.1f s for a 5 s run" % res.wall)
    c.checks.check("brokers down past message.timeout.ms: exit 1, no hang",
                   bad + (res.show() if bad else []))
    m = FAILED_RE.search(res.err)
    rep = ProduceReport(res.out)
    bad = []
    if not m:
        bad.append("no `N records failed delivery: <error>` line on stderr")
    if rep.sent is None:
        bad.append("no final line")
    if not bad:
        failed = int(m.group(1))
        if failed == 0 or rep.sent + failed != n:
            bad.append("%d sent + %d failed != %d" % (rep.sent, failed, n))
    c.checks.check("delivery failures counted: `records failed delivery` on stderr, "
                   "sent + failed = N", bad + (res.show() if bad else []))


def check_sigterm_broker_down(c, bench):
    """SIGTERM while the only broker is down: records wait for a cluster that does not
    answer, and the run must still stop within the spec's second or two, with its final
    line, rather than wait for them."""
    with MockCluster(bench, brokers=1) as mock:
        events = [
            Event("down 1", first_of(after_line(PROGRESS, 0.5), at(2.0)),
                  lambda p: mock.control("down 1")),
            Event("SIGTERM", after_event("down 1", 1.5), signal_action(signal.SIGTERM)),
        ]
        res = bench.run_with_events("produce", [
            "--topic", unique("stuck"), "--num-records", 1000000, "--record-size", 100,
            "--throughput", 1000, "--reporting-interval", 500,
            "--bootstrap-server", mock.bootstrap], events, timeout=30)
    after = res.wall - res.fired.get("SIGTERM", res.wall)
    bad = [] if "SIGTERM" in res.fired else ["the run ended before the signal"]
    if res.timed_out:
        bad.append("still running long after SIGTERM: killed")
    elif res.rc != 128 + signal.SIGTERM:
        bad.append("exit status %s, want 143" % res.rc)
    if after > 3.0:
        bad.append("exited %.2f s after the signal" % after)
    if ProduceReport(res.out).sent is None:
        bad.append("no final line")
    c.checks.check("SIGTERM while the only broker is down: exit 143 within 3 s, final line",
                   bad + (res.show() if bad else []))


def check_unreachable(c):
    sock, port = closed_port()
    try:
        res = c.bench.run("produce", ["--topic", "t", "--num-records", 10, "--record-size", 10,
                                      "--bootstrap-server", "127.0.0.1:%d" % port,
                                      "--timeout", 2000], timeout=30)
    finally:
        sock.close()
    bad = res.crash_problems()
    if res.rc != 1:
        bad.append("exit status %s, want 1" % res.rc)
    if res.wall > 10:
        bad.append("took %.1f s with --timeout 2000" % res.wall)
    c.checks.check("unreachable bootstrap, --timeout 2000: exit 1 within 10 s",
                   bad + (res.show() if bad else []))
    lines = [ln for ln in res.err_lines if ln.strip()]
    addr = "127.0.0.1:%d" % port
    c.checks.check("unreachable bootstrap: one clear error line naming %s" % addr,
                   [] if len(lines) == 1 and addr in lines[0] else
                   ["stderr has %d lines%s" % (len(lines), "" if any(addr in ln for ln in lines)
                                               else ", none naming " + addr)] + res.show())


def check_inprocess_mock(c):
    for server in ("mock", "mock:1"):
        res = c.bench.run("produce", ["--topic", "inproc", "--num-records", 3000,
                                      "--record-size", 100, "--bootstrap-server", server],
                          timeout=RUN_TIMEOUT)
        c.checks.check("--bootstrap-server %s: in-process cluster, exit 0, 3000 sent" % server,
                       sent_problems(res, 3000, 100))


BAD_OPTIONS = [
    # (args, what the stderr line must name (any of))
    (["--num-records", 10, "--record-size", 10], ["topic"]),
    (["--topic", "t", "--record-size", 10], ["num-records"]),
    (["--topic", "t", "--num-records", 0, "--record-size", 10], ["num-records"]),
    (["--topic", "t", "--num-records", "abc", "--record-size", 10], ["abc"]),
    (["--topic", "t", "--num-records", 10, "--record-size", 10, "--payload-file", "/etc/hosts"],
     ["record-size", "payload-file"]),
    (["--topic", "t", "--num-records", 10, "--record-size", 0], ["record-size"]),
    (["--topic", "t", "--num-records", 10, "--record-size", 10, "--throughput", "abc"],
     ["abc"]),
    (["--topic", "t", "--num-records", 10, "--record-size", 10, "--no-such-option", 1],
     ["--no-such-option"]),
    (["--topic", "t", "--num-records", 10, "--record-size", 10, "--producer-props", "noequals"],
     ["noequals"]),
    (["--topic", "t", "--num-records", 10, "--payload-file", "/nonexistent/payloads"],
     ["/nonexistent/payloads"]),
]


def check_bad_options(c):
    for args, names in BAD_OPTIONS:
        res = c.produce(args, timeout=30)
        c.checks.check("bad input %s: exit 2, one stderr line naming it"
                       % " ".join(str(a) for a in args),
                       bad_input_problems(res, names))


def check_sigterm(c):
    """A run that would last ~17 minutes gets SIGTERM once it is sending."""
    events = [Event("SIGTERM", first_of(after_line(PROGRESS, 0.5), at(3.0)),
                    signal_action(signal.SIGTERM))]
    res = c.bench.run_with_events("produce", [
        "--topic", unique("sigterm"), "--num-records", 1000000, "--record-size", 100,
        "--throughput", 1000, "--reporting-interval", 500,
        "--bootstrap-server", c.mock.bootstrap], events, timeout=30)
    after = res.wall - res.fired.get("SIGTERM", res.wall)
    bad = [] if "SIGTERM" in res.fired else ["the run ended before the signal"]
    if res.timed_out:
        bad.append("still running long after SIGTERM: killed")
    elif res.rc != 128 + signal.SIGTERM:
        bad.append("exit status %s, want 143" % res.rc)
    if after > 3.0:
        bad.append("exited %.2f s after the signal" % after)
    c.checks.check("SIGTERM during a throttled run: exit status 143 within 3 s",
                   bad + (res.show() if bad else []))
    rep = ProduceReport(res.out)
    c.checks.check("SIGTERM: the final line is still printed, with the records so far",
                   [] if rep.sent and 0 < rep.sent < 1000000 else
                   ["no final line with a count"] + res.show())


def main():
    checks = Checks()
    bench = require_tools(checks)
    tmp = scratch_dir("produce")
    try:
        with MockCluster(bench, brokers=3) as mock:
            c = Ctx(checks, bench, mock, tmp)
            checks.section(check_basic, c)
            checks.section(check_progress, c)
            checks.section(check_throughput, c)
            checks.section(check_monotonic, c)
            checks.section(check_payload_file, c)
            checks.section(check_props, c)
            checks.section(check_producer_config, c)
            checks.section(check_json, c)
            checks.section(check_topic_creation, c)
            checks.section(check_warmup, c)
            checks.section(check_unreachable, c)
            checks.section(check_inprocess_mock, c)
            checks.section(check_bad_options, c)
            checks.section(check_sigterm, c)
            checks.section(check_broker_down, c, bench)
            checks.section(check_delivery_failures, c, bench)
            checks.section(check_sigterm_broker_down, c, bench)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    checks.finish()


if __name__ == "__main__":
    main()
