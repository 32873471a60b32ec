#!/usr/bin/env python3
"""test_kafka_tools.py - the rest of the Java perf tools' options (issue 12, item 5), on a
mock cluster of its own:

producer transactions (--transaction-duration-ms, --transactional-id, transactional.id in the
properties: the Java tool's rules, commits every duration, kcat reading back with
isolation.level=read_committed exactly what was acknowledged; a stop mid-transaction
aborts it and says so); the consumer's --group (offsets committed per group),
--fetch-size and --socket-buffer-size (librdkafka's max.partition.fetch.bytes and
socket.receive.buffer.bytes, winning over the properties when given, as in Java),
--reporting-interval with --show-detailed-stats, --date-format (java.text.SimpleDateFormat
patterns), --hide-header, --print-metrics (the Java tools' metric lines), the deprecated
--threads/--num-fetch-threads (Java's WARNING), and the --timeout WARNING's exit status 0.

Usage: python3 test_kafka_tools.py PATH_TO_PVCBENCH
"""
import datetime
import os
import re
import signal
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kafkamock import (Checks, Event, MockCluster, after_line, at, bad_input_problems,  # noqa: E402
                       base_env, first_of, kcat_argv, ran_ok, require_tools, run,
                       signal_action, spawn, unique)
from kafkareport import (CONSUME_HEADER, CONSUME_WARNING, DETAILED_HEADER,  # noqa: E402
                         PROGRESS_RE, ProduceReport, consume_line, load_json)

RUN_TIMEOUT = 90.0
CONF_RE = re.compile(r"\|CONF\|[^\n]*\]:   (\S+) = (.*)$", re.M)
THREADS_WARNING = ("WARNING: option [threads] and [num-fetch-threads] have been deprecated and "
                   "will be ignored by the test")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


class Ctx:
    def __init__(self, checks, bench, mock):
        self.checks, self.bench, self.mock = checks, bench, mock

    def run(self, sub, args, timeout=RUN_TIMEOUT):
        return self.bench.run(sub, [str(a) for a in args] +
                              ["--bootstrap-server", self.mock.bootstrap], timeout=timeout)


def kafka_json(res):
    doc, bad = load_json(res.out)
    if bad:
        raise ValueError("; ".join(bad) + "\n" + "\n".join(res.show()))
    return doc["jobs"][0]["kafka"]


def read_committed(bootstrap, topic, count, timeout=30.0):
    """The payloads of topic as a read_committed consumer sees them: kcat reads count
    records (-e can stop early against the mock) and is stopped after timeout when fewer
    exist."""
    argv = kcat_argv("-C", bootstrap, topic, ["-o", "beginning", "-c", str(count), "-X",
                                              "isolation.level=read_committed", "-f", "%s\\n"])
    res = run(argv, timeout=timeout)
    return [ln for ln in res.out.split("\n") if ln]


def monotonic_problems(payloads, n):
    want = [str(i) for i in range(n)]
    if sorted(payloads, key=int) == want:
        return []
    got = set(payloads)
    return ["read %d payloads (%d distinct), want 0..%d once each; missing e.g. %r"
            % (len(payloads), len(got), n - 1, sorted(set(want) - got)[:5])]


# ---------------------------------------------------------------- transactions

def check_transactions(c):
    n, topic = 4000, unique("txn")
    c.mock.create_topic(topic, 4)
    res = c.run("produce", ["--topic", topic, "--num-records", n, "--payload-monotonic",
                            "--throughput", 2000, "--transaction-duration-ms", 400,
                            "--output-format", "json"])
    bad = ran_ok(res)
    k = kafka_json(res) if not bad else {}
    if k:
        if k.get("records_sent") != n:
            bad.append("records_sent %r, want %d" % (k.get("records_sent"), n))
        if not re.fullmatch("performance-producer-" + UUID, k.get("transactional_id", "")):
            bad.append("transactional_id %r is not performance-producer-<uuid>"
                       % k.get("transactional_id"))
        # ~2 s at 2000/s (longer on a busy machine: the run's own rate says how long), a
        # commit each time a send finds the transaction 400 ms old, and the last at the end
        secs = n / k["records_per_sec"] if k.get("records_per_sec") else 0
        lo, hi = max(2, int(secs / 0.4) - 1), int(secs / 0.4) + 2
        if not lo <= k.get("transactions_committed", 0) <= hi:
            bad.append("%r transactions committed over %.2f s, want %d..%d (one per 400 ms)"
                       % (k.get("transactions_committed"), secs, lo, hi))
    c.checks.check("--transaction-duration-ms 400 over ~2 s: exit 0, a random "
                   "performance-producer-<uuid> id, a commit every 400 ms", bad)
    got = read_committed(c.mock.bootstrap, topic, n)
    c.checks.check("kcat with isolation.level=read_committed reads back exactly the %d "
                   "acknowledged records" % n, monotonic_problems(got, n))


def check_transactional_id(c):
    topic = unique("txid")
    res = c.run("produce", ["--topic", topic, "--num-records", 500, "--record-size", 10,
                            "--transactional-id", "my-perf-txn", "--output-format", "json",
                            "--producer-props", "transactional.id=from-props"])
    bad = ran_ok(res)
    k = kafka_json(res) if not bad else {}
    if k and (k.get("transactional_id") != "my-perf-txn" or
              k.get("transactions_committed") != 1):
        bad.append("id %r, %r commits: want my-perf-txn (the option wins), 1 commit (3000 ms "
                   "by default)" % (k.get("transactional_id"), k.get("transactions_committed")))
    c.checks.check("--transactional-id wins over transactional.id in the properties; the "
                   "default duration (3000 ms) gives one commit for a short run", bad)
    res = c.run("produce", ["--topic", topic, "--num-records", 500, "--record-size", 10,
                            "--output-format", "json", "--producer-props",
                            "transactional.id=from-props", "--producer-props", "debug=conf"])
    bad = ran_ok(res)
    k = kafka_json(res) if not bad else {}
    conf = dict(CONF_RE.findall(res.err))
    if k and (k.get("transactional_id") != "from-props" or not k.get("transactions")):
        bad.append("transactional.id in the properties: id %r, transactions %r"
                   % (k.get("transactional_id"), k.get("transactions")))
    if conf.get("transactional.id") != "from-props":
        bad.append("librdkafka's transactional.id %r" % conf.get("transactional.id"))
    c.checks.check("transactional.id in --producer-props alone turns transactions on, as "
                   "in the Java tool", bad)
    res = c.run("produce", ["--topic", topic, "--num-records", 10, "--record-size", 10,
                            "--transaction-duration-ms", 0])
    c.checks.check("--transaction-duration-ms 0: exit 2 naming it",
                   bad_input_problems(res, ["--transaction-duration-ms"]))
    want = len(read_committed(c.mock.bootstrap, topic, 1000))
    c.checks.check("both transactional runs read back with read_committed: 1000 records",
                   want == 1000 or ["read %d" % want])


def check_transaction_stopped(c, bench):
    """SIGTERM in the middle of the second transaction: it is aborted, and the run says how
    many acknowledged records it held. (librdkafka's mock writes no transaction markers, so
    a read_committed reader of the mock still sees them: only the count is checked.)"""
    with MockCluster(bench, brokers=1) as mock:
        topic = unique("abort")
        events = [Event("SIGTERM", first_of(after_line(PROGRESS_RE.pattern, 0.6), at(2.5)),
                        signal_action(signal.SIGTERM))]
        res = bench.run_with_events("produce", [
            "--topic", topic, "--num-records", 100000, "--record-size", 10,
            "--throughput", 1000, "--transaction-duration-ms", 1000,
            "--reporting-interval", 1000, "--bootstrap-server", mock.bootstrap],
            events, timeout=30)
    bad = [] if res.rc == 128 + signal.SIGTERM else ["exit status %s, want 143" % res.rc]
    m = re.search(r"(\d+) acknowledged records were in the transaction aborted at the stop",
                  res.err)
    sent = ProduceReport(res.out).sent
    if not m or int(m.group(1)) == 0:
        bad.append("no `N acknowledged records were in the transaction aborted` line")
    elif sent is None or int(m.group(1)) >= sent:
        bad.append("%s aborted of %s sent: want fewer than sent" % (m.group(1), sent))
    c.checks.check("SIGTERM mid-transaction: exit 143, the open transaction aborted and "
                   "counted", bad + (res.show() if bad else []))


# ---------------------------------------------------------------- the consumer

def produced(c, n, size=20, partitions=4):
    topic = unique("in")
    c.mock.create_topic(topic, partitions)
    res = c.run("produce", ["--topic", topic, "--num-records", n, "--record-size", size])
    if res.rc != 0:
        raise RuntimeError("could not produce:\n" + "\n".join(res.show()))
    return topic


def check_group(c):
    n = 300
    topic = produced(c, n)
    group = unique("grp")
    res = c.run("consume", ["--topic", topic, "--messages", n, "--group", group,
                            "--output-format", "json"])
    bad = ran_ok(res)
    k = kafka_json(res) if not bad else {}
    if k and (k.get("group") != group or k.get("messages_consumed") != n):
        bad.append("group %r, %r consumed" % (k.get("group"), k.get("messages_consumed")))
    c.checks.check("--group %s: all %d read in that group" % (group, n), bad)
    # the group committed its offsets: the same group finds nothing new, another reads all
    res = c.run("consume", ["--topic", topic, "--messages", n, "--group", group,
                            "--timeout", 5000])
    d, bad = consume_line(res.out, CONSUME_WARNING % 5000)
    bad = ran_ok(res) + bad
    if d is not None and d["n"] != 0:
        bad.append("the same group read %d again" % d["n"])
    c.checks.check("the same --group again: nothing left to read, the WARNING, exit 0 "
                   "(Java's)", bad + (res.show() if bad else []))
    res = c.run("consume", ["--topic", topic, "--messages", n, "--group", unique("grp")])
    d, bad = consume_line(res.out)
    bad = ran_ok(res) + bad
    if d is not None and d["n"] != n:
        bad.append("a new group read %d" % d["n"])
    c.checks.check("another --group reads all %d again" % n, bad + (res.show() if bad else []))


def conf_of(res):
    return dict(CONF_RE.findall(res.err))


def check_fetch_and_socket(c):
    topic = produced(c, 100)
    res = c.run("consume", ["--topic", topic, "--messages", 100, "--fetch-size", 5000,
                            "--socket-buffer-size", 65536, "--consumer-props",
                            "max.partition.fetch.bytes=7000", "receive.buffer.bytes=32768",
                            "debug=conf"])
    conf = conf_of(res)
    bad = ran_ok(res)
    # librdkafka's dump names max.partition.fetch.bytes by its older name
    for k, v in (("fetch.message.max.bytes", "5000"), ("socket.receive.buffer.bytes", "65536")):
        if conf.get(k) != v:
            bad.append("librdkafka's %s %r, want %r" % (k, conf.get(k), v))
    c.checks.check("--fetch-size 5000 --socket-buffer-size 65536 given: they win over the "
                   "properties (Java's order)", bad)
    res = c.run("consume", ["--topic", topic, "--messages", 100, "--consumer-props",
                            "max.partition.fetch.bytes=7000", "debug=conf"])
    conf = conf_of(res)
    bad = ran_ok(res)
    if conf.get("fetch.message.max.bytes") != "7000":
        bad.append("max.partition.fetch.bytes (fetch.message.max.bytes) %r, want the "
                   "property's 7000" % conf.get("fetch.message.max.bytes"))
    if conf.get("socket.receive.buffer.bytes") != "2097152":
        bad.append("socket.receive.buffer.bytes %r, want the default --socket-buffer-size "
                   "2097152" % conf.get("socket.receive.buffer.bytes"))
    c.checks.check("without --fetch-size the property applies; --socket-buffer-size's "
                   "default 2 MiB is set", bad)


def check_detailed_and_dates(c):
    topic = unique("feed")
    c.mock.create_topic(topic, 1)
    # records keep coming for ~5 s (1000/s) while the consumer prints every 1000 ms
    feeder = c.bench.argv("produce", ["--topic", topic, "--num-records", 5000,
                                      "--record-size", 10, "--throughput", 1000,
                                      "--bootstrap-server", c.mock.bootstrap])
    p = spawn(feeder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
              stderr=subprocess.DEVNULL, env=base_env())
    try:
        res = c.run("consume", ["--topic", topic, "--messages", 5000, "--show-detailed-stats",
                                "--reporting-interval", 1000, "--date-format",
                                "yyyy-MM-dd'T'HH:mm:ss.SSS", "--timeout", 15000])
    finally:
        p.wait(timeout=60)
    bad = ran_ok(res)
    lines = [ln for ln in res.out.splitlines() if ln.strip()]
    if not lines or lines[0] != DETAILED_HEADER:
        bad.append("first line %r, want the detailed header" % (lines[:1],))
    data = [ln for ln in lines[1:]]
    date_re = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}), 0, ")
    dates = []
    for ln in data:
        m = date_re.match(ln)
        if not m:
            bad.append("line %r does not start with a yyyy-MM-dd'T'HH:mm:ss.SSS date" % ln)
            break
        dates.append(datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f"))
    if len(data) < 3:
        bad.append("%d interval lines over ~5 s at 1000 ms, want >= 3" % len(data))
    # the last line covers the part interval up to the end
    gaps = [(b - a).total_seconds() for a, b in zip(dates, dates[1:])][:-1]
    if any(not 0.5 <= g <= 2.5 for g in gaps):
        bad.append("interval lines %r s apart, want about 1" % gaps)
    now = datetime.datetime.utcnow()
    if dates and abs((now - dates[-1]).total_seconds()) > 60:
        bad.append("last date %s is not now (%s, TZ=UTC)" % (dates[-1], now))
    c.checks.check("--show-detailed-stats --reporting-interval 1000 --date-format "
                   "yyyy-MM-dd'T'HH:mm:ss.SSS: a line a second in that format",
                   bad + (res.show() if bad else []))
    res = c.run("consume", ["--topic", topic, "--messages", 10, "--date-format", "yyyy-qq"])
    c.checks.check("--date-format yyyy-qq (q is no SimpleDateFormat letter): exit 2",
                   bad_input_problems(res, ["'q'"]))


def check_header_threads_metrics(c):
    n = 200
    topic = produced(c, n)
    res = c.run("consume", ["--topic", topic, "--messages", n, "--hide-header", "--threads", 4,
                            "--num-fetch-threads", 2, "--print-metrics"])
    bad = ran_ok(res)
    lines = [ln for ln in res.out.splitlines() if ln.strip()]
    if not lines or lines[0] != THREADS_WARNING:
        bad.append("first line %r, want Java's WARNING about --threads" % lines[:1])
    if CONSUME_HEADER in lines:
        bad.append("the header is there despite --hide-header")
    if len(lines) < 2 or not re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, ", lines[1]):
        bad.append("second line %r, want the data line" % lines[1:2])
    else:
        fields = lines[1].split(", ")
        if int(fields[4]) != n:
            bad.append("nMsg %s, want %d" % (fields[4], n))
    if "Metric Name" not in res.out:
        bad.append("no `Metric Name   Value` header of the metrics")
    m = re.search(r"^consumer-fetch-manager-metrics:records-consumed-total:"
                  r"\{client-id=perf-consumer-client\}\s+: (\d+)$", res.out, re.M)
    if not m or int(m.group(1)) != n:
        bad.append("records-consumed-total %s, want %d" % (m and m.group(1), n))
    c.checks.check("--hide-header --threads 4 --num-fetch-threads 2 --print-metrics: Java's "
                   "WARNING first, no header, the data line, Java-named metrics counting %d"
                   % n, bad + (res.show(40) if bad else []))


def main():
    checks = Checks()
    bench = require_tools(checks)
    with MockCluster(bench, brokers=3) as mock:
        c = Ctx(checks, bench, mock)
        checks.section(check_transactions, c)
        checks.section(check_transactional_id, c)
        checks.section(check_transaction_stopped, c, bench)
        checks.section(check_group, c)
        checks.section(check_fetch_and_socket, c)
        checks.section(check_detailed_and_dates, c)
        checks.section(check_header_threads_metrics, c)
    checks.finish()


if __name__ == "__main__":
    main()
