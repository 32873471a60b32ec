#!/usr/bin/env python3
"""test_kafka_failover.py - Kafka failover, measured (issue 13, items 1 and 4), against
`pvcbench kafka mock` with its brokers taken down and up through its stdin, and checked with
kcat as an independent reader:

- outage accuracy: produce at 2000 records/s while every broker is down for 3.0 s; the
  reported stall lasts as long as the injected window (the mock's own wall-clock answers)
  within 0.1 s, and starts within 0.1 s of it; the runner's live notice is on stderr while the
  Java-style progress lines stop. The same for consume, fed by a paced producer (with
  fetch.error.backoff.ms=10 and fetch.wait.max.ms=10, so that its fetches resume at once).
  The clients' reconnect.backoff.ms / reconnect.backoff.max.ms are set low (5 / 20 ms) so
  that they come back at once: with librdkafka's defaults (100 ms growing to 10 s) the
  reconnection itself would add up to seconds to the window.
- acks=all + enable.idempotence, brokers down and up mid-run: --verify-read finds 0 lost and 0
  duplicated, and the acknowledged records are exactly the records kcat reads back.
- a lossy run (acks=1, no idempotence, message.timeout.ms shorter than the outage, then the
  brokers' answers late past request.timeout.ms): the mock keeps every record it acknowledged
  (one process: nothing to lose), so the losses are the failed records, some of them written
  all the same (failed but present); each count of the report is the set arithmetic of the
  ledger against what kcat read.
- lost, duplicated, out of order, unexpected and other records found by `consume --verify`
  against a topic written by kcat from a copy with records left out, copied twice, swapped and
  added: each count is what the copy made.
- the mock's --outage schedule, and bad input (exit 2, one line).

Usage: python3 test_kafka_failover.py PATH_TO_PVCBENCH
"""
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kafkamock import (Checks, Event, MockCluster, after_event, at,  # noqa: E402
                       bad_input_problems, base_env, kcat_argv, kcat_read, records_in_topic,
                       require_tools, run, scratch_dir, spawn, unique)

FAST_RECONNECT = ["reconnect.backoff.ms=5", "reconnect.backoff.max.ms=20"]
TOLERANCE_S = 0.1  # the issue's: a 3.0 s outage reads as 3.0 s +- 0.1 s
STAMP_RE = re.compile(r"^ok (down|up) \S+ at (\d+\.\d+)")


class Outage:
    """Takes every broker down, then up, through the mock's stdin; keeps the mock's times."""

    def __init__(self, mock):
        self.mock, self.times, self.answers = mock, {}, []

    def action(self, what):
        def act(proc):
            ans = self.mock.control("%s all" % what)
            self.answers.append(ans)
            m = STAMP_RE.match(ans)
            if m:
                self.times[what] = float(m.group(2))
        return act

    def events(self, down_at, length):
        return [Event("down", at(down_at), self.action("down")),
                Event("up", after_event("down", length), self.action("up"))]

    def problems(self):
        if set(self.times) != {"down", "up"}:
            return ["the mock's answers: %r" % self.answers]
        return []


def produce_args(mock, topic, n, rate, props, extra=()):
    return (["--topic", topic, "--bootstrap-server", mock.bootstrap, "--num-records", n,
             "--record-size", 100, "--throughput", rate] + list(extra)
            + ["--producer-props"] + props)


def payload_seqs(records, producer):
    """kcat's records as the sequence numbers of this producer's marks (others: None)."""
    out = []
    for _, _, payload in records:
        head = payload[:24].decode(errors="replace")
        if head.startswith("pv") and head[2:10] == producer:
            out.append(int(head[10:24], 16))
        else:
            out.append(None)
    return out


def read_ledger(path):
    """The ledger file (docs/kafka-verify.md): header fields, acknowledged {seq: (p, o)},
    failed set."""
    head, acked, failed = {}, {}, set()
    with open(path) as f:
        lines = f.read().splitlines()
    if lines[0] != "pvcbench-kafka-ledger 1" or lines[-1] != "end":
        raise ValueError("not a whole ledger: %r ... %r" % (lines[0], lines[-1]))
    for ln in lines[1:-1]:
        w = ln.split()
        if w[0] == "A":
            seq, count, part, off = map(int, w[1:])
            for i in range(count):
                acked[seq + i] = (part, off + i)
        elif w[0] == "F":
            seq, count = map(int, w[1:])
            failed.update(range(seq, seq + count))
        else:
            head[w[0]] = w[1]
    return head, acked, failed


def kcat_all(mock, topic):
    n = records_in_topic(mock.bootstrap, topic)
    return kcat_read(mock.bootstrap, topic, n), n


def check_outage_accuracy(c, bench, mock):
    topic = unique("fo-acc")
    mock.create_topic(topic, 4, 3)
    out = Outage(mock)
    args = produce_args(mock, topic, 20000, 2000, ["acks=all", "enable.idempotence=true"]
                        + FAST_RECONNECT, ["--output-format", "json"])
    r = bench.run_with_events("produce", args, out.events(3.0, 3.0), timeout=60)
    c.check("produce at 2000/s through a 3 s outage of every broker: exit 0, the mock "
            "answered down and up with times", (out.problems() + r.crash_problems()
                                                + ([] if r.rc == 0 else r.show())))
    stall_problems(c, json.loads(r.out)["jobs"][0]["stalls"], out, "produce")
    c.check("stderr: the runner's live notice while no record completed",
            [] if re.search(r"stalled \d+\.\d+s", r.err) else ["no notice:"] + r.show())


def check_consume_accuracy(c, bench, mock):
    """The same for consume, fed by a paced producer through the outage: the consumer's
    stall (no record read) matches the window too, once both clients reconnect at once."""
    topic = unique("fo-cons")
    mock.create_topic(topic, 4, 3)
    feeder = spawn(bench.argv("produce", produce_args(
        mock, topic, 24000, 2000, ["acks=all", "enable.idempotence=true"] + FAST_RECONNECT)),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=base_env())
    try:
        out = Outage(mock)
        args = ["--topic", topic, "--bootstrap-server", mock.bootstrap, "--messages", 24000,
                "--timeout", 15000, "--output-format", "json", "--consumer-props",
                "fetch.error.backoff.ms=10", "fetch.wait.max.ms=10"] + FAST_RECONNECT
        r = bench.run_with_events("consume", args, out.events(5.0, 3.0), timeout=60)
    finally:
        feeder.kill()
        feeder.wait()
    c.check("consume during a 3 s outage of every broker: exit 0, the mock answered",
            out.problems() + r.crash_problems() + ([] if r.rc == 0 else r.show()))
    stall_problems(c, json.loads(r.out)["jobs"][0]["stalls"], out, "consume")


def stall_problems(c, stalls, out, who):
    injected = out.times["up"] - out.times["down"]
    over = [s for s in stalls["list"]
            if s["start_unix_ms"] / 1e3 < out.times["up"]
            and (s["start_unix_ms"] + s["length_ms"]) / 1e3 > out.times["down"]]
    bad = []
    if len(over) != 1:
        bad.append("%d stalls overlap the outage: %r" % (len(over), stalls))
    else:
        s = over[0]
        length, start = s["length_ms"] / 1e3, s["start_unix_ms"] / 1e3
        c.note("%s: injected %.3f s (down at %.3f), reported %.3f s from %.3f"
               % (who, injected, out.times["down"], length, start))
        if abs(length - injected) > TOLERANCE_S:
            bad.append("stall of %.3f s for an outage of %.3f s" % (length, injected))
        if abs(start - out.times["down"]) > TOLERANCE_S:
            bad.append("stall from %.3f, outage from %.3f" % (start, out.times["down"]))
    c.check("%s: the reported stall equals the injected window within %.1f s"
            % (who, TOLERANCE_S), bad)


def check_idempotent(c, bench, mock):
    topic = unique("fo-idem")
    mock.create_topic(topic, 4, 3)
    d = scratch_dir("verify")
    ledger = os.path.join(d, "ledger")
    out = Outage(mock)
    args = produce_args(mock, topic, 20000, 5000, ["acks=all", "enable.idempotence=true"]
                        + FAST_RECONNECT, ["--verify", ledger, "--verify-read"])
    r = bench.run_with_events("produce", args, out.events(1.5, 1.5), timeout=60)
    c.check("acks=all, idempotence, brokers down 1.5 s: exit 0",
            out.problems() + r.crash_problems() + ([] if r.rc == 0 else r.show()))
    c.check("text output (the Java lines on stdout): the live notice on stderr all the same",
            [] if re.search(r"kafka produce: stalled \d+\.\d+s", r.err) else r.show())
    c.check("text: the stall after the tool's lines, the verify lines",
            [] if re.search(r"^stalls \(.*\n(.*\n)*verify: every acknowledged record was read "
                            r"back$", r.out, re.M) else r.show())
    m = re.search(r"^verify: all partitions: read (\d+), lost (\d+), duplicated (\d+), "
                  r"out of order (\d+), unexpected (\d+)", r.out, re.M)
    c.check("verify: 0 lost, 0 duplicated, 0 out of order, 0 unexpected",
            [] if m and m.groups()[1:] == ("0", "0", "0", "0") else r.show())
    head, acked, failed = read_ledger(ledger)
    rb, n = kcat_all(mock, topic)
    seqs = payload_seqs(rb.records, head["producer"])
    bad = rb.problems(n)
    if sorted(s for s in seqs if s is not None) != sorted(acked):
        bad.append("kcat read %d records of this producer, %d distinct; the ledger has %d "
                   "acknowledged" % (len(seqs), len(set(seqs)), len(acked)))
    if len(acked) != 20000 or failed:
        bad.append("ledger: %d acknowledged, %d failed of 20000" % (len(acked), len(failed)))
    if m and int(m.group(1)) != len(rb.records):
        bad.append("verify read %s records, kcat %d" % (m.group(1), len(rb.records)))
    got = {(p, o) for (p, o, _) in rb.records}
    if set(acked.values()) != got:
        bad.append("the acknowledged partitions/offsets differ from kcat's")
    c.check("kcat reads back exactly the acknowledged records, where they were acknowledged",
            bad)
    os.remove(ledger)
    os.rmdir(d)


def check_lossy(c, bench, mock):
    topic = unique("fo-lossy")
    mock.create_topic(topic, 4, 3)
    d = scratch_dir("verify")
    ledger = os.path.join(d, "ledger")
    out = Outage(mock)
    props = ["acks=1", "enable.idempotence=false", "message.timeout.ms=1000",
             "request.timeout.ms=500", "retries=0"] + FAST_RECONNECT

    def rtt(ms):
        def act(proc):
            for b in (1, 2, 3):
                mock.control("rtt %d %d" % (b, ms))
        return act
    # the slow answers after the outage: records written, their answers too late (failed,
    # yet present: what Jepsen calls indeterminate)
    events = out.events(1.0, 2.0) + [Event("slow", after_event("up", 0.5), rtt(1500)),
                                     Event("fast", after_event("slow", 1.0), rtt(0))]
    args = produce_args(mock, topic, 20000, 5000, props,
                        ["--verify", ledger, "--verify-read", "--output-format", "json"])
    r = bench.run_with_events("produce", args, events, timeout=60)
    c.check("acks=1, message.timeout.ms=1000, brokers down 2 s, answers 1.5 s late for 1 s: "
            "exit 1 (failed deliveries)",
            out.problems() + r.crash_problems() + ([] if r.rc == 1 else r.show()))
    v = json.loads(r.out)["jobs"][0]["kafka"]["verify"]
    head, acked, failed = read_ledger(ledger)
    rb, n = kcat_all(mock, topic)
    seqs = payload_seqs(rb.records, head["producer"])
    read = [s for s in seqs if s is not None]
    kset = set(read)
    unanswered = set(range(int(head["records"]))) - set(acked) - failed
    want = {"acknowledged": len(acked), "failed": len(failed), "read": len(rb.records),
            "lost": len(set(acked) - kset), "duplicated": len(read) - len(kset),
            "failed_present": len(failed & kset), "unanswered_present": len(unanswered & kset),
            "other_records": seqs.count(None), "expired": 0}
    c.note("lossy run: %s" % ", ".join("%s %d" % kv for kv in sorted(want.items())))
    bad = rb.problems(n)
    bad += ["%s: verify says %s, kcat and the ledger %d" % (k, v[k], w)
            for k, w in sorted(want.items()) if v[k] != w]
    if not failed:
        bad.append("no record failed: the outage did not outlast message.timeout.ms")
    c.check("every count of the report is the ledger against kcat's read", bad)
    os.remove(ledger)
    os.rmdir(d)
    return topic


def check_classes(c, bench, mock):
    """consume --verify against a copy made with kcat: records left out, copied twice,
    swapped, a mark never sent, a foreign record."""
    src = unique("fo-src")
    mock.create_topic(src, 2, 1)
    d = scratch_dir("verify")
    ledger = os.path.join(d, "ledger")
    r = bench.run("produce", ["--topic", src, "--bootstrap-server", mock.bootstrap,
                              "--num-records", 2000, "--record-size", 60, "--verify", ledger],
                  timeout=60)
    c.check("produce --verify=FILE: exit 0, the ledger written",
            r.crash_problems() + ([] if r.rc == 0 and os.path.exists(ledger) else r.show()))
    head, acked, _ = read_ledger(ledger)
    rb, n = kcat_all(mock, src)
    recs = sorted(rb.records, key=lambda x: int(x[2][10:24], 16))
    payloads = [p for _, _, p in recs]
    left_out = set(range(100, 2000, 50))  # 38 records
    copy = [p for i, p in enumerate(payloads) if i not in left_out]
    copy[10], copy[11] = copy[11], copy[10]  # one out of order
    copy += payloads[501:506]  # five duplicated (none of them left out)
    bogus = ("pv%s%014x" % (head["producer"], 999999)).encode() + b"x" * 36
    copy += [bogus, b"not-a-mark-of-ours"]
    dst = unique("fo-dst")
    mock.create_topic(dst, 2, 1)
    r = run(kcat_argv("-P", mock.bootstrap, dst, ["-p", "0"]), timeout=60,
            stdin=b"\n".join(copy) + b"\n")
    c.check("kcat wrote the copy", [] if r.rc == 0 else r.show())
    with open(ledger) as f:
        text = f.read()
    with open(ledger, "w") as f:
        f.write(text.replace("\ntopic %s\n" % src, "\ntopic %s\n" % dst, 1))
    r = bench.run("consume", ["--bootstrap-server", mock.bootstrap, "--verify", ledger,
                              "--output-format", "json"], timeout=60)
    bad = r.crash_problems() + ([] if r.rc == 1 else ["exit status %s, want 1" % r.rc])
    v = json.loads(r.out)["verify"] if r.out.strip() else {}
    want = {"lost": len(left_out), "duplicated": 5, "out_of_order": 1, "unexpected": 1,
            "other_records": 1, "read": len(copy), "acknowledged": len(acked)}
    bad += ["%s: %s, want %d" % (k, v.get(k), w) for k, w in sorted(want.items())
            if v.get(k) != w]
    first = [x["sequence"] for x in v.get("first_lost", [])]
    if first != sorted(left_out)[:8]:
        bad.append("first_lost %r, want %r" % (first, sorted(left_out)[:8]))
    c.check("consume --verify: lost, duplicated, out of order, unexpected and other records "
            "as the copy made them; exit status 1", bad + (r.show() if bad else []))
    r = bench.run("consume", ["--bootstrap-server", mock.bootstrap, "--verify", ledger],
                  timeout=60)
    c.check("text: the lost records named, FAILED",
            [] if re.search(r"^verify: lost: sequence 100, acknowledged at partition",
                            r.out, re.M) and "verify: FAILED" in r.out else r.show())
    os.remove(ledger)
    os.rmdir(d)


def check_schedule(c, bench):
    """mock --outage AT:FOR[:BROKERS]: the downs and ups on stdout with their times, in order,
    FOR apart (within 0.1 s before, 0.3 s after, on a loaded machine): librdkafka's cluster
    thread, idle with no client, would act up to a second late without the mock's waker."""
    sched = MockCluster(bench, brokers=3)
    sched.start(["--outage", "0.5:1.0", "--outage", "2.0:0.5:2,3"])
    try:
        lines = [sched.read_line(10.0) for _ in range(4)]
    finally:
        sched.stop()
    got = [STAMP_RE.match(ln or "") for ln in lines]
    bad = []
    if not all(got) or [m.group(1) for m in got] != ["down", "up", "down", "up"]:
        bad.append("stdout: %r" % lines)
    else:
        t = [float(m.group(2)) for m in got]
        if not 0.9 <= t[1] - t[0] <= 1.3 or not 0.4 <= t[3] - t[2] <= 0.8:
            bad.append("times %r: not 1.0 s and 0.5 s apart" % t)
        if "down 2,3 at" not in lines[2] or "(--outage)" not in lines[2]:
            bad.append("the second outage's line: %r" % lines[2])
    c.check("mock --outage 0.5:1.0 --outage 2.0:0.5:2,3: down all, up all, down 2,3, up 2,3 "
            "with their wall-clock times", bad)


def check_bad_input(c, bench):
    for sub, args, names in (
            ("produce", ["--topic", "t", "--bootstrap-server", "mock", "--num-records", 10,
                         "--record-size", 20, "--verify"], ["--verify", "24"]),
            ("produce", ["--topic", "t", "--bootstrap-server", "mock", "--num-records", 10,
                         "--record-size", 100, "--verify-read"], ["--verify-read"]),
            ("produce", ["--topic", "t", "--bootstrap-server", "mock", "--num-records", 10,
                         "--record-size", 100, "--verify", "/etc/hostname"], ["/etc/hostname"]),
            ("produce", ["--topic", "t", "--bootstrap-server", "mock", "--num-records", 10,
                         "--record-size", 100, "--stall-threshold", "abc"], ["abc"]),
            ("consume", ["--bootstrap-server", "127.0.0.1:1", "--verify", "/etc/hostname"],
             ["/etc/hostname"]),
            ("mock", ["--outage", "1:x"], ["1:x"]),
            ("mock", ["--outage", "1:2:9"], ["1:2:9"])):
        r = bench.run(sub, args, timeout=20)
        c.check("%s %s: exit 2, one line naming it" % (sub, " ".join(map(str, args[-2:]))),
                bad_input_problems(r, names))


def main():
    c = Checks()
    bench = require_tools(c)
    with MockCluster(bench, brokers=3) as mock:
        c.section(check_outage_accuracy, c, bench, mock)
        c.section(check_consume_accuracy, c, bench, mock)
        c.section(check_idempotent, c, bench, mock)
        c.section(check_lossy, c, bench, mock)
        c.section(check_classes, c, bench, mock)
    c.section(check_schedule, c, bench)
    c.section(check_bad_input, c, bench)
    c.finish()


if __name__ == "__main__":
    main()
