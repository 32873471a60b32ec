#!/usr/bin/env python3
"""test_kafka_consume.py - `pvcbench kafka consume` against a mock cluster of its own, as
/work/spec/kafka-cli.md says (kafka-consumer-perf-test's options and lines):

records produced with kcat consumed and reported in the CSV header and data line (exact
header, dates, MB to 4 decimals, rates consistent with the times), a round trip with
`pvcbench kafka produce`, --show-detailed-stats lines while a slow producer runs, --timeout
with fewer records than asked for (the WARNING, exit 0 as Java's), --from-latest, JSON, bad options
(exit 2) and an unreachable bootstrap server (exit 1, bounded).

The mock's consumer group waits ~3 s before its first assignment, so every run here takes
at least that long, and --timeout values that must not cut the join short are above it.

Usage: python3 test_kafka_consume.py PATH_TO_PVCBENCH
"""
import datetime
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kafkamock import (Checks, Event, KcatFeeder, MockCluster, at, bad_input_problems,  # noqa
                       closed_port, kcat_produce, ran_ok, require_tools, unique)
from kafkareport import (CONSUME_HEADER, CONSUME_WARNING, DETAILED_HEADER,  # noqa: E402
                         DETAILED_LINE_RE, MIB, ProduceReport, consume_figures_problems,
                         consume_line, job_problems, load_json)

RUN_TIMEOUT = 90.0


def utcnow():
    """Now as a naive UTC datetime, as the consumer prints its dates under TZ=UTC."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Ctx:
    def __init__(self, checks, bench, mock):
        self.checks, self.bench, self.mock = checks, bench, mock

    def consume(self, args, timeout=RUN_TIMEOUT):
        """(Result, UTC before, UTC after) of a consume run against our mock."""
        t0 = utcnow()
        res = self.bench.run("consume", list(args) + ["--bootstrap-server",
                                                      self.mock.bootstrap], timeout=timeout)
        return res, t0, utcnow()

    def topic_with(self, payloads):
        """A new topic holding payloads (through kcat, not the binary under test)."""
        topic = unique("in")
        kcat_produce(self.mock.bootstrap, topic, payloads)
        return topic


def payloads_of(n, size):
    """n distinct printable payloads of size bytes."""
    return [(b"%08d" % i).ljust(size, b"x") for i in range(n)]


def report_problems(res, n, nbytes, t0, t1):
    """Exit 0, header and data line, figures for n messages of nbytes in all."""
    bad = ran_ok(res)
    if bad:
        return bad
    d, bad = consume_line(res.out)
    if d is not None:
        bad += consume_figures_problems(d, n, nbytes, t0, t1)
    return bad + (res.show() if bad else [])


# ---------------------------------------------------------------- the checks

def check_basic(c):
    n, size = 20000, 100
    topic = c.topic_with(payloads_of(n, size))
    res, t0, t1 = c.consume(["--topic", topic, "--messages", n])
    c.checks.check("--messages 20000 of 100 bytes: exit 0, the header exactly, one data line "
                   "of 10 fields, nMsg 20000, MB %.4f, rates consistent with the times"
                   % (n * size / MIB), report_problems(res, n, n * size, t0, t1))
    d, _ = consume_line(res.out)
    if d:
        c.checks.check("rebalance.time.ms %d and fetch.time.ms %d: non-negative"
                       % (d["rebalance"], d["fetch"]), d["rebalance"] >= 0 and d["fetch"] >= 0)
    res, _, _ = c.consume(["--topic", topic, "--messages", 100, "--hide-header"])
    lines = [ln for ln in res.out_lines if ln.strip()]
    c.checks.check("--hide-header: only the data line",
                   ran_ok(res) or (len(lines) == 1 and CONSUME_HEADER not in lines)
                   or res.show())


def check_round_trip(c):
    n, topic = 10000, unique("rt")
    res = c.bench.run("produce", ["--topic", topic, "--num-records", n, "--payload-monotonic",
                                  "--bootstrap-server", c.mock.bootstrap], timeout=RUN_TIMEOUT)
    rep = ProduceReport(res.out)
    if not c.checks.check("round trip: pvcbench produce 10000 --payload-monotonic",
                          ran_ok(res) or (rep.sent == n or res.show())):
        return
    nbytes = sum(len(str(i)) for i in range(n))
    res, t0, t1 = c.consume(["--topic", topic, "--messages", n])
    c.checks.check("round trip: pvcbench consume 10000: nMsg 10000, MB of the payloads' "
                   "%d bytes" % nbytes, report_problems(res, n, nbytes, t0, t1))


def check_detailed(c):
    """A producer feeding 50 records every 100 ms for 6 s; the consumer, started with it,
    joins after ~3 s and reports every 500 ms from then on."""
    n, topic = 3000, unique("slow")
    feeder = KcatFeeder(c.mock.bootstrap, topic)
    batches = [payloads_of(n, 100)[i:i + 50] for i in range(0, n, 50)]
    events = [Event("batch %d" % i, at(0.1 * i), lambda p, b=b: feeder.send(b))
              for i, b in enumerate(batches)]
    events.append(Event("close", at(0.1 * len(batches)), lambda p: feeder.close()))
    try:
        res = c.bench.run_with_events("consume", [
            "--topic", topic, "--messages", n, "--show-detailed-stats",
            "--reporting-interval", 500, "--bootstrap-server", c.mock.bootstrap], events,
            timeout=RUN_TIMEOUT)
    finally:
        feeder.close()
    bad = ran_ok(res)
    if not bad:
        bad = detailed_problems(res.out_lines, n)
        bad += res.show() if bad else []
    c.checks.check("--show-detailed-stats --reporting-interval 500 with a slow producer: the "
                   "time, threadId header, a line per interval, no final line", bad)


def detailed_problems(out_lines, n):
    """The detailed header, then >= 2 interval lines of `time, threadId, ...` (10 fields,
    none above n messages), and no final summary line (which starts with two dates)."""
    lines = [ln for ln in out_lines if ln.strip()]
    bad = []
    if not lines or lines[0] != DETAILED_HEADER:
        bad.append("first line %r, want %r" % (lines[:1], DETAILED_HEADER))
    data = lines[1:]
    shape = [ln for ln in data if not DETAILED_LINE_RE.match(ln)]
    if shape:
        bad.append("lines not `time, threadId, ...` with 10 fields: %r" % shape[:3])
    if len(data) < 2:
        bad.append("%d interval lines, want >= 2 over ~3 s at 500 ms" % len(data))
    counts = [int(m.group(5)) for m in map(DETAILED_LINE_RE.match, data) if m]
    if any(x > n for x in counts):
        bad.append("a count above %d: %r" % (n, counts))
    return bad


def timeout_problems(res, ms, bound):
    """Exit 0 after the warning (as the Java tool's), within bound seconds."""
    bad = res.crash_problems()
    if res.rc != 0:
        bad.append("exit status %s, want 0 (Java's: the timeout is a WARNING)" % res.rc)
    if res.wall > bound:
        bad.append("took %.1f s with --timeout %d" % (res.wall, ms))
    if CONSUME_WARNING % ms not in res.out_lines + res.err_lines:
        bad.append("no line %r" % (CONSUME_WARNING % ms))
    return bad


def check_timeout(c):
    available, size = 100, 100
    topic = c.topic_with(payloads_of(available, size))
    # 5000 ms outlasts the mock's ~3 s join, so the figures do not depend on whether the
    # clock starts at subscribe (as Java's) or at the assignment
    res, t0, t1 = c.consume(["--topic", topic, "--messages", 200, "--timeout", 5000])
    bad = timeout_problems(res, 5000, 20.0)
    d, more = consume_line(res.out, CONSUME_WARNING % 5000)
    bad += more
    if d is not None:
        bad += consume_figures_problems(d, available, available * size, t0, t1)
    c.checks.check("--messages 200 of 100 available, --timeout 5000: exit 0, the WARNING, "
                   "nMsg 100", bad + (res.show() if bad else []))
    res, _, _ = c.consume(["--topic", topic, "--messages", 200, "--timeout", 2000])
    bad = timeout_problems(res, 2000, 15.0)
    c.checks.check("--timeout 2000: exit 0 with the WARNING, bounded",
                   bad + (res.show() if bad else []))


def check_from_latest(c):
    """100 old records of 200 bytes, then new ones of 10 bytes every 250 ms while the
    consumer runs: with --from-latest the 20 it reads are all new, so its MB is
    20 x 10 bytes. (New records keep coming, so it does not matter when the consumer
    resolves "latest".)"""
    topic = c.topic_with([b"o" * 200] * 100)
    feeder = KcatFeeder(c.mock.bootstrap, topic)
    events = [Event("new %d" % i, at(0.25 * i),
                    lambda p, i=i: feeder.send([b"new%07d" % (5 * i + j) for j in range(5)]))
              for i in range(100)]
    t0 = utcnow()
    try:
        res = c.bench.run_with_events("consume", [
            "--topic", topic, "--messages", 20, "--from-latest", "--timeout", 10000,
            "--bootstrap-server", c.mock.bootstrap], events, timeout=60)
    finally:
        feeder.close()
    c.checks.check("--from-latest: only records produced after it started (20 x 10 bytes)",
                   report_problems(res, 20, 20 * 10, t0, utcnow()))


def check_json(c):
    n, size = 5000, 100
    topic = c.topic_with(payloads_of(n, size))
    res, _, _ = c.consume(["--topic", topic, "--messages", n, "--output-format", "json"])
    doc, bad = load_json(res.out)
    c.checks.check("--output-format json: exit 0, stdout is one JSON document",
                   ran_ok(res) + bad)
    if doc is None:
        return
    job, bad = job_problems(doc, "kafka-consume", "consume", n, n * size)
    if job is not None and not isinstance(job.get("kafka"), dict):
        bad.append("no kafka object in the job")
    c.checks.check("JSON: kafka-consume job, consume.total_ios = %d, io_bytes = %d, "
                   "percentiles, a kafka object" % (n, n * size), bad)


BAD_OPTIONS = [
    (["--topic", "t"], ["messages"]),
    (["--topic", "t", "--messages", 0], ["messages"]),
    (["--topic", "t", "--messages", "abc"], ["abc"]),
    (["--messages", 10], ["topic"]),
    (["--topic", "t", "--messages", 10, "--no-such-option", 1], ["--no-such-option"]),
    (["--topic", "t", "--messages", 10, "--timeout", "soon"], ["soon"]),
]


def check_bad_options(c):
    for args, names in BAD_OPTIONS:
        res, _, _ = c.consume(args, timeout=30)
        c.checks.check("bad input %s: exit 2, one stderr line naming it"
                       % " ".join(str(a) for a in args), bad_input_problems(res, names))
    res = c.bench.run("consume", ["--topic", "t", "--messages", 10], timeout=30)
    c.checks.check("no --bootstrap-server: exit 2, one line naming it",
                   bad_input_problems(res, ["bootstrap"]))


def check_unreachable(c):
    sock, port = closed_port()
    try:
        res = c.bench.run("consume", ["--topic", "t", "--messages", 10, "--timeout", 2000,
                                      "--bootstrap-server", "127.0.0.1:%d" % port], timeout=30)
    finally:
        sock.close()
    bad = res.crash_problems()
    if res.rc != 1:
        bad.append("exit status %s, want 1" % res.rc)
    if res.wall > 10:
        bad.append("took %.1f s with --timeout 2000" % res.wall)
    c.checks.check("unreachable bootstrap, --timeout 2000: exit 1 within 10 s",
                   bad + (res.show() if bad else []))


def main():
    checks = Checks()
    bench = require_tools(checks)
    with MockCluster(bench, brokers=3) as mock:
        c = Ctx(checks, bench, mock)
        checks.section(check_basic, c)
        checks.section(check_round_trip, c)
        checks.section(check_detailed, c)
        checks.section(check_timeout, c)
        checks.section(check_from_latest, c)
        checks.section(check_json, c)
        checks.section(check_bad_options, c)
        checks.section(check_unreachable, c)
    checks.finish()


if __name__ == "__main__":
    main()
