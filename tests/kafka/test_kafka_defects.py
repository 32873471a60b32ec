#!/usr/bin/env python3
"""test_kafka_defects.py - the kafka module's defects found in review (issue 10), each checked
by what it did wrong:

--payload-file on a pipe (/dev/stdin) and on a FIFO, which cannot be measured with ftell
(read them whole, by chunks) and an empty file (an error naming it); a pacing wait of months
(--throughput 0.0000001) that must still wake for SIGTERM; --print-metrics whose txmsgs
counts every acknowledged record, on a short run and a longer one; a bootstrap that refuses
connections, which must fail once every broker has refused rather than after --timeout.

Usage: python3 test_kafka_defects.py PATH_TO_PVCBENCH
"""
import os
import re
import shutil
import signal
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafkamock import (Checks, Event, MockCluster, at, bad_input_problems,  # noqa: E402
                       closed_port, kcat_read, ran_ok, require_tools,
                       scratch_dir, signal_action, unique)
from kafkareport import ProduceReport  # noqa: E402

RUN_TIMEOUT = 90.0
# the Java tools' metric lines: group:name:{tags} : value (librdkafka's txmsgs among them)
TXMSGS_RE = re.compile(r"^librdkafka:txmsgs:\{client-id=[^}]*\}\s+:\s+(\d+)\s*$", re.M)


class Ctx:
    def __init__(self, checks, bench, mock, tmp):
        self.checks, self.bench, self.mock, self.tmp = checks, bench, mock, tmp

    def produce(self, args, timeout=RUN_TIMEOUT, stdin=None):
        return self.bench.run("produce", list(args) + ["--bootstrap-server",
                                                       self.mock.bootstrap],
                              timeout=timeout, stdin=stdin)


def sent_problems(res, sent):
    bad = ran_ok(res)
    if bad:
        return bad
    rep = ProduceReport(res.out)
    if rep.sent != sent:
        return ["final line says %r records sent, want %d" % (rep.sent, sent)] + res.show()
    return []


def only_file_records(c, topic, n, records):
    rb = kcat_read(c.mock.bootstrap, topic, n)
    strangers = {p for p in rb.payloads if p not in records}
    return rb.problems(n) + (["records not in the file: %r" % sorted(strangers)[:5]]
                             if strangers else [])


# ---------------------------------------------------------------- --payload-file

def check_payload_stdin(c):
    """A pipe has no size: ftell fails, and the old code read SIZE_MAX bytes into malloc(0).
    Records spread over more than one read (200 KiB) must all arrive whole."""
    records = [(b"rec%06d-" % i).ljust(100, b"z") for i in range(2000)]
    topic, n = unique("pstdin"), 500
    res = c.produce(["--topic", topic, "--num-records", n, "--payload-file", "/dev/stdin"],
                    stdin=b"\n".join(records) + b"\n")
    c.checks.check("--payload-file /dev/stdin (a pipe of 200 KiB): exit 0, %d sent" % n,
                   sent_problems(res, n))
    c.checks.check("--payload-file /dev/stdin: every record read back is one of the pipe's",
                   only_file_records(c, topic, n, set(records)))


def check_payload_fifo(c):
    path = os.path.join(c.tmp, "payloads.fifo")
    os.mkfifo(path)
    records = [b"fifo-%d" % i for i in range(1000)]

    def writer():
        with open(path, "wb") as f:  # blocks until pvcbench opens the FIFO
            f.write(b"#".join(records))

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    topic, n = unique("pfifo"), 300
    res = c.produce(["--topic", topic, "--num-records", n, "--payload-file", path,
                     "--payload-delimiter", "#"])
    if t.is_alive():  # pvcbench never opened it: unblock the writer
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass
    c.checks.check("--payload-file on a FIFO, delimiter '#': exit 0, %d sent" % n,
                   sent_problems(res, n))
    c.checks.check("--payload-file on a FIFO: every record read back is one of the FIFO's",
                   only_file_records(c, topic, n, set(records)))


def check_payload_empty(c):
    path = os.path.join(c.tmp, "empty.txt")
    open(path, "wb").close()
    res = c.produce(["--topic", unique("pempty"), "--num-records", 10, "--payload-file", path])
    c.checks.check("--payload-file of an empty file: exit 2, one line naming it",
                   bad_input_problems(res, [path]))
    res = c.produce(["--topic", unique("pempty"), "--num-records", 10,
                     "--payload-file", "/dev/stdin"], stdin=b"")
    c.checks.check("--payload-file /dev/stdin with nothing on it: exit 2, one line naming it",
                   bad_input_problems(res, ["/dev/stdin"]))


# ---------------------------------------------------------------- pacing

def check_pacing_months(c):
    """--throughput 0.0000001: the second record is due in about 115 days, a wait whose
    milliseconds do not fit an int. The run must wait (not send it early) and still stop
    within a few seconds of SIGTERM, with its final line (1 record sent)."""
    events = [Event("SIGTERM", at(3.0), signal_action(signal.SIGTERM))]
    res = c.bench.run_with_events("produce", [
        "--topic", unique("months"), "--num-records", 2, "--record-size", 10,
        "--throughput", "0.0000001", "--bootstrap-server", c.mock.bootstrap], events,
        timeout=30)
    after = res.wall - res.fired.get("SIGTERM", res.wall)
    bad = [] if "SIGTERM" in res.fired else ["the run ended before the signal"]
    if res.timed_out:
        bad.append("still waiting %.1f s after SIGTERM: killed" % after)
    elif res.rc != 128 + signal.SIGTERM:
        bad.append("exit status %s, want 143" % res.rc)
    if not res.timed_out and after > 3.0:
        bad.append("exited %.2f s after the signal" % after)
    rep = ProduceReport(res.out)
    if rep.sent != 1:
        bad.append("final line says %r records sent, want 1 (the second is due in months)"
                   % rep.sent)
    c.checks.check("--throughput 0.0000001: waits for the second record, and SIGTERM ends "
                   "the wait: exit 143 within 3 s, 1 record sent", bad + (res.show() if bad
                                                                          else []))


# ---------------------------------------------------------------- --print-metrics

def metrics_problems(res, sent):
    bad = sent_problems(res, sent)
    if bad:
        return bad
    m = TXMSGS_RE.findall(res.out)
    if len(m) != 1:
        return ["%d `librdkafka:txmsgs:{...} : N` lines in the metrics" % len(m)] + res.show(60)
    if int(m[0]) != sent:
        return ["txmsgs %s, want the %d records acknowledged" % (m[0], sent)] + res.show(60)
    return []


def check_print_metrics(c):
    # well under a second: no periodic statistics may have come yet
    n = 3000
    res = c.produce(["--topic", unique("metrics"), "--num-records", n, "--record-size", 100,
                     "--print-metrics"])
    c.checks.check("--print-metrics on a short run: txmsgs = %d acknowledged" % n,
                   metrics_problems(res, n))
    # about 2.5 s: the last periodic statistics are older than the last records
    n = 25000
    res = c.produce(["--topic", unique("metrics"), "--num-records", n, "--record-size", 100,
                     "--throughput", 10000, "--print-metrics"])
    c.checks.check("--print-metrics on a 2.5 s run: txmsgs = %d acknowledged" % n,
                   metrics_problems(res, n))


# ---------------------------------------------------------------- unreachable bootstrap

def check_refused_fast(c):
    """Every connection to the bootstrap is refused at once: the run fails then, with the
    usual line, instead of waiting out --timeout 10000."""
    for cmd, args in (("produce", ["--num-records", 10, "--record-size", 10]),
                      ("consume", ["--messages", 10])):
        sock, port = closed_port()
        addr = "127.0.0.1:%d" % port
        try:
            res = c.bench.run(cmd, ["--topic", "t", "--bootstrap-server", addr,
                                    "--timeout", 10000] + args, timeout=30)
        finally:
            sock.close()
        bad = res.crash_problems()
        if res.rc != 1:
            bad.append("exit status %s, want 1" % res.rc)
        if res.wall >= 5.0:
            bad.append("took %.1f s: waited for --timeout rather than failing when every "
                       "broker had refused" % res.wall)
        lines = [ln for ln in res.err_lines if ln.strip()]
        want = "pvcbench kafka %s: bootstrap %s: no answer from the cluster" % (cmd, addr)
        if len(lines) != 1 or not lines[0].startswith(want):
            bad.append("want one stderr line starting %r" % want)
        c.checks.check("%s, bootstrap refusing connections, --timeout 10000: exit 1 in "
                       "under 5 s, one line naming it" % cmd, bad + (res.show() if bad else []))


def main():
    checks = Checks()
    bench = require_tools(checks)
    tmp = scratch_dir("defects")
    try:
        with MockCluster(bench, brokers=3) as mock:
            c = Ctx(checks, bench, mock, tmp)
            checks.section(check_payload_stdin, c)
            checks.section(check_payload_fifo, c)
            checks.section(check_payload_empty, c)
            checks.section(check_refused_fast, c)
            checks.section(check_pacing_months, c)
            checks.section(check_print_metrics, c)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    checks.finish()


if __name__ == "__main__":
    main()
