#!/usr/bin/env python3
"""test_kafka_e2e.py - `pvcbench kafka e2e`, Kafka's EndToEndLatency tool (the 3.x positional
arguments and the 4.2 named options with keys and headers), against a mock
cluster of its own (`pvcbench kafka mock`) and the in-process one (`mock`):

the Java tool's lines (a progress line every 1000 messages with the milliseconds as Java's
Double.toString writes them, "Avg latency: %.4f ms", the percentiles line), the messages
read back with kcat (count = num_messages, size = message_size_bytes, each the Java tool's
bytes: java.util.Random(0)'s nextInt(26) + 'A' repeated, checked against letters a JVM
printed), Java's rounding of the average, the JSON envelope whose e2e
histogram holds the Java figures (mean = average, each percentile in its bucket), a broker
round-trip time showing in the figures, the properties file, the topic created when missing,
a stranger's messages in the topic detected (exit 1), the Java tool's statuses for its
usage and checks (1) and ours for what only pvcbench checks (2), SIGTERM and SIGINT (the
lines of what was gathered, exit 128 + the signal, within two seconds).

Usage: python3 test_kafka_e2e.py PATH_TO_PVCBENCH
"""
import os
import re
import signal
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from histmodel import Hist, bucket_high, bucket_low, close  # noqa: E402
from kafkae2e import (CREATE_LINE, JAVA_RANDOM0_LETTERS, PROGRESS_RE, E2eReport,  # noqa: E402
                      java_fixed, java_messages, java_records_named,
                      kcat_records_with_headers)
from kafkamock import (Checks, Event, MockCluster, after_line, at, end_offsets,  # noqa: E402
                       kcat_produce, kcat_read, ran_ok, require_tools, scratch_dir,
                       signal_action, topic_partitions)
from kafkareport import job_problems, load_json  # noqa: E402

RUN_TIMEOUT = 120.0


# ---------------------------------------------------------------- helpers

class Ctx:
    def __init__(self, checks, bench, mock, tmp):
        self.checks, self.bench, self.mock, self.tmp = checks, bench, mock, tmp

    def e2e(self, args, timeout=RUN_TIMEOUT):
        return self.bench.run("e2e", args, timeout=timeout)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def topic(self, name, partitions=1):
        self.mock.create_topic(name, partitions, 1)
        return name


def readback_problems(mock, topic, n, size):
    """kcat reads exactly n records of size bytes, the Java tool's messages in order."""
    rb = kcat_read(mock.bootstrap, topic, n)
    bad = rb.problems(n)
    # one partition: kcat's order is the send order
    got = rb.payloads
    want = java_messages(n, size)
    sizes = {len(p) for p in got}
    if sizes and sizes != {size}:
        bad.append("record sizes %r, want all %d" % (sorted(sizes)[:5], size))
    if not bad and got != want:
        first = next(i for i in range(n) if got[i] != want[i])
        bad.append("record %d is %r..., the Java tool's is %r..." % (first, got[first][:8],
                                                                     want[first][:8]))
    held = sum(end_offsets(mock.bootstrap, topic).values())
    if held != n:
        bad.append("the topic holds %d records, want %d" % (held, n))
    return bad


def java_index_rank(n, p):
    """The Java tool's element of the sorted latencies, as a 1-based rank."""
    return int(n * p) + 1


def hist_percentile_problems(job, n):
    """The JSON's Java figures against its own histogram: the mean is the average, and each
    percentile (whole ms, floored) lies in the bucket that holds its rank."""
    k, e2e = job["kafka"], job["e2e"]
    h = Hist(e2e["lat_hist"])
    bad = []
    if h.count != n:
        bad.append("the histogram counts %d, want %d" % (h.count, n))
        return bad
    if not close(h.mean() / 1e6, k["avg_latency_ms"]):
        bad.append("avg_latency_ms %r, the histogram's mean %r ms"
                   % (k["avg_latency_ms"], h.mean() / 1e6))
    buckets = sorted((b, c) for b, c in e2e["lat_hist"]["buckets"])
    for name, p in (("p50_ms", 0.5), ("p99_ms", 0.99), ("p99_9_ms", 0.999)):
        rank, seen = min(java_index_rank(n, p), n), 0
        for b, c in buckets:
            seen += c
            if seen >= rank:
                lo = max(bucket_low(b), h.min) // 1000000
                hi = min(bucket_high(b), h.max) // 1000000
                if not lo <= k[name] <= hi:
                    bad.append("%s = %r, but the histogram's rank %d lies in %d..%d ms"
                               % (name, k[name], rank, lo, hi))
                break
    return bad


# ---------------------------------------------------------------- the checks

def check_basic(c):
    """2500 messages of 100 bytes, acks 1, on a topic of one partition."""
    topic = c.topic("e2e-basic")
    res = c.e2e([c.mock.bootstrap, topic, 2500, 1, 100])
    bad = ran_ok(res)
    if not bad:
        rep = E2eReport(res.out)
        bad = rep.shape_problems(2500)
        if rep.avg and float(rep.avg.group(1)) <= 0:
            bad.append("average %s ms" % rep.avg.group(1))
        bad += res.show() if bad else []
    c.checks.check("2500 messages: the Java tool's progress, average and percentile lines", bad)
    c.checks.check("kcat reads back 2500 records of 100 bytes, the Java tool's messages",
                   readback_problems(c.mock, topic, 2500, 100))


def check_java_facts(c):
    """The test's Java models against what a JVM printed, then one-message runs, whose
    average is the one latency: the Avg line is Java's %.4f of the progress line's double."""
    got = "".join(chr(m[0]) for m in java_messages(40, 1))
    c.checks.check("the test's java.util.Random(0) letters are the JVM's",
                   [] if got == JAVA_RANDOM0_LETTERS
                   else ["%s, want %s" % (got, JAVA_RANDOM0_LETTERS)])
    bad = [] if java_fixed(0.00115, 4) == "0.0012" else ["java_fixed(0.00115) is not 0.0012"]
    topic = c.topic("e2e-one")
    for _ in range(3):
        res = c.e2e([c.mock.bootstrap, topic, 1, 1, 7])
        bad += ran_ok(res)
        rep = E2eReport(res.out)
        bad += rep.shape_problems(1)
        if bad:
            break
        v = float(rep.progress[0].group(2))
        if rep.avg.group(1) != java_fixed(v, 4):
            bad.append("Avg latency %s ms, Java's %%.4f of %r is %s"
                       % (rep.avg.group(1), v, java_fixed(v, 4)))
        if rep.percentiles != [int(v)] * 3:
            bad.append("percentiles %r, want %d thrice" % (rep.percentiles, int(v)))
    c.checks.check("one message: Avg is Java's %.4f of its latency, percentiles its whole ms",
                   bad)


def check_properties_file(c):
    """acks=all and a properties file of Java-style lines."""
    topic = c.topic("e2e-props")
    props = c.path("client.properties")
    with open(props, "w") as f:
        f.write("# a comment\n! another\nclient.id = e2e-test\nsocket.timeout.ms: 30000\n"
                "buffer.memory=33554432\nmax.poll.records=10\n")
    res = c.e2e([c.mock.bootstrap, topic, 300, "all", 1, props])
    bad = ran_ok(res) or E2eReport(res.out).shape_problems(300)
    c.checks.check("acks all with a properties file: 300 messages, the lines", bad)
    notes = {who: ln for ln in res.err_lines for who in ("producer", "consumer")
             if ln.startswith("pvcbench kafka e2e %s: note:" % who)}
    bad = []
    if "max.poll.records" not in notes.get("producer", ""):
        bad.append("no producer note naming max.poll.records (the consumer's)")
    if "buffer.memory" not in notes.get("consumer", ""):
        bad.append("no consumer note naming buffer.memory (the producer's)")
    c.checks.check("Java client properties: each client's note names what it ignores",
                   bad + (res.show() if bad else []))
    c.checks.check("kcat reads back 300 records of 1 byte",
                   readback_problems(c.mock, topic, 300, 1))
    blank = c.e2e([c.mock.bootstrap, topic, 5, "all", 0, " "])
    bad = ran_ok(blank) or E2eReport(blank.out).shape_problems(5)
    c.checks.check("a blank properties_file is no file (as Java's isBlank); empty messages",
                   bad)


def check_json(c):
    """--output-format json: fio's shape with the e2e operation, the Java figures agreeing
    with the histogram; --output FILE writes the same document."""
    topic = c.topic("e2e-json")
    n, size = 1200, 64
    out = c.path("e2e.json")
    res = c.e2e([c.mock.bootstrap, topic, n, 1, size, "--output-format", "json",
                 "--output", out])
    bad = ran_ok(res)
    if not bad:
        if res.out.strip():
            bad.append("stdout is not empty with --output: %r" % res.out[:200])
        prog = [ln for ln in res.err_lines if PROGRESS_RE.match(ln)]
        if len(prog) != 2:
            bad.append("%d progress lines on stderr, want 2" % len(prog))
        with open(out) as f:
            doc, bad2 = load_json(f.read())
        bad += bad2
        if doc:
            job, bad3 = job_problems(doc, "kafka-e2e", "e2e", n, n * size)
            bad += bad3
            if job:
                k = job.get("kafka", {})
                for key, want in (("messages_done", n), ("num_messages", n),
                                  ("producer_acks", "1"), ("message_size_bytes", size),
                                  ("topic", topic), ("form", "positional"),
                                  ("record_key_size", -1), ("num_headers", 0)):
                    if k.get(key) != want:
                        bad.append("kafka.%s %r, want %r" % (key, k.get(key), want))
                bad += hist_percentile_problems(job, n)
            series = doc.get("series", [])
            total = sum(p.get("e2e", {}).get("ops", 0)
                        for s in series for p in s.get("series", {}).get("points", []))
            if total != n:
                bad.append("the series counts %d messages, want %d" % (total, n))
    c.checks.check("JSON: e2e operation of %d messages, Java figures within the histogram" % n,
                   bad + (res.show() if bad else []))


def check_rtt(c):
    """5 ms more round trip on every broker: the figures show it, and still agree."""
    topic = c.topic("e2e-rtt")
    brokers = range(1, c.mock.brokers + 1)
    for b in brokers:
        c.mock.control("rtt %d 5" % b)
    try:
        res = c.e2e([c.mock.bootstrap, topic, 200, 1, 10, "--output-format", "json"])
    finally:
        for b in brokers:
            c.mock.control("rtt %d 0" % b)
    bad = ran_ok(res)
    if not bad:
        doc, bad = load_json(res.out)
        if doc:
            job, bad = job_problems(doc, "kafka-e2e", "e2e", 200, 2000)
            if job:
                k = job["kafka"]
                if k["p50_ms"] < 5 or k["avg_latency_ms"] < 5:
                    bad.append("p50 %r ms, average %r ms: want at least the 5 ms added"
                               % (k["p50_ms"], k["avg_latency_ms"]))
                bad += hist_percentile_problems(job, 200)
    c.checks.check("a 5 ms broker round trip shows in the percentiles and the average",
                   bad + (res.show() if bad else []))


def check_in_process_mock(c):
    """mock: the topic is missing in a new cluster, so the Java tool's creation line."""
    res = c.e2e(["mock:1", "e2e-inproc", 1001, 1, 20])
    bad = ran_ok(res) or E2eReport(res.out).shape_problems(1001, created_topic="e2e-inproc")
    if not bad and "in-process mock cluster (1 broker)" not in res.err:
        bad.append("stderr does not name the in-process mock: %r" % res.err[:300])
    c.checks.check("mock:1: the topic created (the Java tool's line), 1001 messages", bad)


def check_missing_topic(c):
    """A topic missing from our mock: the Java tool's line, then creation through the Admin
    API, which librdkafka's mock lacks unless it creates; either way one clear outcome."""
    topic = "e2e-missing"
    res = c.e2e([c.mock.bootstrap, topic, 10, 1, 10])
    lines = res.out_lines
    bad = res.crash_problems()
    if not lines or lines[0] != CREATE_LINE % topic:
        bad.append("first line %r, want the creation line" % lines[:1])
    if res.rc == 0:
        bad += E2eReport(res.out).shape_problems(10, created_topic=topic)
        if topic_partitions(c.mock.bootstrap, topic) != 1:
            bad.append("the topic was not created with 1 partition")
    elif res.rc != 1 or "Creation of topic %s failed" % topic not in res.err:
        bad.append("exit %s without the Java tool's creation failure" % res.rc)
    c.checks.check("a missing topic: the creation line, then created or the Java failure (%s)"
                   % res.rc, bad + (res.show() if bad else []))


def check_stranger(c):
    """Someone else writes to the topic during the run: the Java tool's checks fail it
    (exit 1, its message), and what came back before is still reported."""
    topic = c.topic("e2e-stranger")
    strangers = [b"stranger-%d" % i for i in range(50)]
    events = [Event("feed", after_line(r"^1000\t", 0.2),
                    lambda proc: kcat_produce(c.mock.bootstrap, topic, strangers))]
    res = c.bench.run_with_events("e2e", [c.mock.bootstrap, topic, 200000, 1, 30], events,
                                  timeout=RUN_TIMEOUT)
    bad = res.crash_problems()
    if res.rc != 1:
        bad.append("exit %s, want 1" % res.rc)
    if not re.search(r"The message read \[.*\] did not match the message sent \[|"
                     r"Only one result was expected during this test\. We found \[\d+\]",
                     res.err):
        bad.append("no Java check's message on stderr")
    rep = E2eReport(res.out)
    if not (rep.avg and rep.pct):
        bad.append("no average and percentiles of what came back before")
    c.checks.check("a stranger's messages in the topic: exit 1 with the Java tool's check",
                   bad + (res.show() if bad else []))


def check_brokers_down(c):
    """Every broker down for a second mid-run: the message in flight waits (as the Java
    clients retry), the run completes, nothing is lost or doubled, and the wait shows in
    the largest latency."""
    topic = c.topic("e2e-down")
    n = 10000  # some seconds: the brokers go down 1 s in (JSON: no progress on stdout)
    brokers = range(1, c.mock.brokers + 1)

    def down(proc):
        for b in brokers:
            c.mock.control("down %d" % b)

    def up(proc):
        for b in brokers:
            c.mock.control("up %d" % b)
    events = [Event("down", at(1.0), down),
              Event("up", lambda el, out, fired: "down" in fired and el >= fired["down"] + 1.0,
                    up)]
    try:
        res = c.bench.run_with_events("e2e", [c.mock.bootstrap, topic, n, "all", 50,
                                              "--output-format", "json"], events,
                                      timeout=RUN_TIMEOUT)
    finally:
        up(None)
    bad = ran_ok(res)
    if not bad:
        doc, bad = load_json(res.out)
        if doc:
            job, bad = job_problems(doc, "kafka-e2e", "e2e", n, n * 50)
            if job and job["kafka"]["messages_done"] != n:
                bad.append("messages_done %r, want %d" % (job["kafka"]["messages_done"], n))
            if job and job["e2e"]["lat_hist"]["max"] < 900 * 1000000:
                bad.append("largest latency %.1f ms: the second down does not show"
                           % (job["e2e"]["lat_hist"]["max"] / 1e6))
    if "up" not in res.fired:
        bad.append("the run ended before the brokers came back")

    c.checks.check("every broker down for 1 s mid-run: completed, the wait in the max latency",
                   bad + (res.show() if bad else []))
    c.checks.check("kcat reads back the %d records once each" % n,
                   readback_problems(c.mock, topic, n, 50))


def check_failures(c):
    """Failures during the run: the Java tool's status 1, one line saying what failed."""
    res = c.e2e(["127.0.0.1:1", "t", 10, 1, 10], timeout=30)
    c.checks.check("an unreachable cluster: exit 1, one line naming it",
                   usage_problems(res, ["127.0.0.1:1"], 1))
    topic = c.topic("e2e-too-large")
    res = c.e2e([c.mock.bootstrap, topic, 3, 1, 2000000], timeout=30)
    c.checks.check("a message larger than message.max.bytes: exit 1, one line",
                   usage_problems(res, ["send failed", "too large"], 1))


def check_signals(c):
    """SIGTERM and SIGINT: stop within 2 s, the lines of what was gathered, 128 + signal."""
    for sig, fmt in ((signal.SIGTERM, "text"), (signal.SIGINT, "json")):
        topic = c.topic("e2e-sig%d" % sig)
        events = [Event("sig", after_line(r"^1000\t", 0.3) if fmt == "text" else
                        lambda el, out, fired: el >= 3.0, signal_action(sig))]
        res = c.bench.run_with_events("e2e", [c.mock.bootstrap, topic, 1000000, 1, 10,
                                              "--output-format", fmt], events,
                                      timeout=RUN_TIMEOUT)
        bad = res.crash_problems()
        after = res.wall - res.fired.get("sig", res.wall)
        if "sig" not in res.fired:
            bad.append("the run ended before the signal")
        elif res.timed_out:
            bad.append("still running long after the signal: killed")
        elif after > 2.0:
            bad.append("exited %.2f s after the signal" % after)
        if res.rc != 128 + sig:
            bad.append("exit %s, want %d" % (res.rc, 128 + sig))
        if fmt == "text":
            rep = E2eReport(res.out)
            if not (rep.avg and rep.pct):
                bad.append("no average and percentiles after the signal")
            elif len([m for m in rep.progress if m]) < 2:
                bad.append("fewer progress lines than the 1000 messages seen")
        else:
            doc, bad2 = load_json(res.out)
            bad += bad2
            if doc:
                job = doc["jobs"][0]
                done = job["kafka"]["messages_done"]
                if not 0 < done < 1000000 or job["e2e"]["total_ios"] != done:
                    bad.append("messages_done %r, e2e.total_ios %r"
                               % (done, job["e2e"]["total_ios"]))
                elif done:
                    rb = kcat_read(c.mock.bootstrap, topic, done + 1, timeout=10)
                    if len(rb.records) < done:
                        # kcat was slower than 10 s (a loaded machine): the counted ones
                        # again, with kcat's own time (it returns once it has them)
                        rb = kcat_read(c.mock.bootstrap, topic, done)
                    # the message in flight at the signal may or may not have gone
                    if len(rb.records) not in (done, done + 1):
                        bad.append("kcat reads %d records, the run counted %d"
                                   % (len(rb.records), done))
        c.checks.check("%s: stopped within 2 s with what was gathered (%s)"
                       % (signal.Signals(sig).name, fmt), bad + (res.show() if bad else []))


def usage_problems(res, names, rc=1):
    """The Java tool's bad input: exit 1 (ours: 2), one stderr line naming the value."""
    bad = res.crash_problems()
    if res.rc != rc:
        bad.append("exit status %s, want %d" % (res.rc, rc))
    lines = [ln for ln in res.err_lines if ln.strip()]
    if len(lines) != 1:
        bad.append("%d lines on stderr, want 1" % len(lines))
    elif not all(n in lines[0] for n in names):
        bad.append("the stderr line names not all of %r" % (names,))
    if res.out.strip():
        bad.append("stdout: %r" % res.out[:200])
    if res.wall > 15:
        bad.append("took %.1f s" % res.wall)
    return bad + (res.show() if bad else [])


def check_named(c):
    """Kafka 4.2's named options: keys and headers (null values too) as its tool sends them,
    read back by kcat; the same lines."""
    for hvs, name in ((4, "e2e-named"), (-1, "e2e-named-null")):
        topic = c.topic(name)
        n = 1200
        res = c.e2e(["--bootstrap-server", c.mock.bootstrap, "--topic", topic,
                     "--num-records", n, "--producer-acks", "all", "--record-size", 10,
                     "--record-key-size", 3, "--num-headers", 2,
                     "--record-header-key-size", 2, "--record-header-size", hvs])
        bad = ran_ok(res) or E2eReport(res.out).shape_problems(n)
        c.checks.check("named options, headers of %d-byte values: the lines" % hvs, bad)
        got, bad = kcat_records_with_headers(c.mock.bootstrap, topic, n)
        want = java_records_named(n, 10, 3, 2, 2, hvs)
        if not bad and got != want:
            first = next((i for i in range(min(len(got), n)) if got[i] != want[i]), None)
            bad.append("%d records; record %s is %r, the 4.2 tool's is %r"
                       % (len(got), first, got[first] if first is not None else None,
                          want[first] if first is not None else None))
        c.checks.check("kcat reads the 4.2 tool's keys, values and headers (%d)" % hvs, bad)
    topic = c.topic("e2e-named-default")
    res = c.e2e(["--bootstrap-server", c.mock.bootstrap, "--topic", topic, "--num-records", 4,
                 "--producer-acks", 1, "--record-size", 2])
    got, bad = kcat_records_with_headers(c.mock.bootstrap, topic, 4)
    bad = ran_ok(res) + bad
    if not bad and got != java_records_named(4, 2, 0, 0, 0, 0):
        bad.append("records %r, want empty keys and %r" % (got, java_records_named(4, 2, 0, 0,
                                                                                   0, 0)))
    c.checks.check("named form by default: an empty key (not null), every second letter", bad)


def check_named_bad_input(c):
    req = ["--bootstrap-server", c.mock.bootstrap, "--topic", "t", "--num-records", 5,
           "--producer-acks", 1, "--record-size", 4]
    cases = [
        ("no --bootstrap-server", req[2:], ['Missing required argument "[bootstrap-server]"']),
        ("no --record-size", req[:-2], ['Missing required argument "[record-size]"']),
        ("--producer-acks 0", req[:7] + [0] + req[8:],
         ["Invalid value for --producer-acks. Latency testing requires synchronous "
          "acknowledgement. Please use '1' or 'all'.", '"0"']),
        ("--num-records 0", req[:5] + [0] + req[6:],
         ["Value for --num-records must be a positive integer."]),
        ("--num-records x", req[:5] + ["x"] + req[6:],
         ["Cannot parse argument 'x' of option num-records"]),
        ("--record-size -1", req[:-1] + [-1],
         ["Value for --record-size must be a non-negative integer."]),
        ("--record-key-size -1", req + ["--record-key-size", -1],
         ["Value for --record-key-size must be a non-negative integer."]),
        ("--num-headers -1", req + ["--num-headers", -1],
         ["Value for --num-headers must be a non-negative integer."]),
        ("--record-header-key-size -1", req + ["--record-header-key-size", -1],
         ["Value for --record-header-key-size must be a non-negative integer."]),
        ("--record-header-size -2", req + ["--record-header-size", -2],
         ["Value for --record-header-size must be a non-negative integer or -1 for null "
          "header value."]),
        ("named and positional together", req + ["extra"], ['"extra"']),
        ("a missing --command-config", req + ["--command-config", c.path("nope.cfg")],
         ["nope.cfg"]),
    ]
    for desc, args, names in cases:
        c.checks.check("named form, %s: exit 1, one line" % desc,
                       usage_problems(c.e2e(args, timeout=30), names, 1))


def check_bad_input(c):
    boot = c.mock.bootstrap
    usage = "USAGE: pvcbench kafka e2e broker_list topic num_messages producer_acks " \
            "message_size_bytes [optional] properties_file"
    cases = [
        ("no arguments", [], [usage], 1),
        ("4 arguments", [boot, "t", 10, 1], [usage], 1),
        ("7 arguments", [boot, "t", 10, 1, 10, "p", "x"], [usage], 1),
        ("acks 0", [boot, "t", 10, 0, 10],
         ['producer_acks "0"', "Please use 1 or all"], 1),
        ("acks -1", [boot, "t", 10, -1, 10], ['producer_acks "-1"'], 1),
        ("num_messages abc", [boot, "t", "abc", 1, 10], ['num_messages "abc"'], 1),
        ("num_messages 0", [boot, "t", 0, 1, 10], ['num_messages "0"'], 1),
        ("num_messages over int", [boot, "t", 2147483648, 1, 10],
         ['num_messages "2147483648"'], 1),
        ("message size -1", [boot, "t", 10, 1, -1], ['message_size_bytes "-1"'], 1),
        ("message size 1.5", [boot, "t", 10, 1, "1.5"], ['message_size_bytes "1.5"'], 1),
        ("missing properties file", [boot, "t", 10, 1, 10, c.path("nope.properties")],
         ["nope.properties"], 1),
        ("--output-format xml (ours)", [boot, "t", 10, 1, 10, "--output-format", "xml"],
         ["--output-format", "xml"], 2),
        ("an unknown option (ours)", [boot, "t", 10, 1, 10, "--acks", "1"], ["--acks"], 2),
        ("7 arguments and a JSON output", [boot, "t", 10, 1, 10, "p", "x", "--output",
                                           c.path("never.json")], [usage], 1),
        ("mock:0", ["mock:0", "t", 10, 1, 10], ["mock:0"], 2),
    ]
    unknown = c.path("unknown.properties")
    with open(unknown, "w") as f:
        f.write("no.such.property=1\n")
    cases.append(("an unknown property", [boot, "e2e-basic", 10, 1, 10, unknown],
                  ["no.such.property"], 2))
    for desc, args, names, rc in cases:
        c.checks.check("bad input, %s: exit %d, one line" % (desc, rc),
                       usage_problems(c.e2e(args, timeout=30), names, rc))
    c.checks.check("a refused command line writes no --output file",
                   [] if not os.path.exists(c.path("never.json")) else ["never.json exists"])


def main():
    checks = Checks()
    bench = require_tools(checks)
    tmp = scratch_dir("e2e")
    try:
        with MockCluster(bench, brokers=3) as mock:
            c = Ctx(checks, bench, mock, tmp)
            checks.section(check_basic, c)
            checks.section(check_java_facts, c)
            checks.section(check_properties_file, c)
            checks.section(check_json, c)
            checks.section(check_rtt, c)
            checks.section(check_in_process_mock, c)
            checks.section(check_missing_topic, c)
            checks.section(check_stranger, c)
            checks.section(check_brokers_down, c)
            checks.section(check_failures, c)
            checks.section(check_signals, c)
            checks.section(check_bad_input, c)
            checks.section(check_named, c)
            checks.section(check_named_bad_input, c)
    finally:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    checks.finish()


if __name__ == "__main__":
    main()
