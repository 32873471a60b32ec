#!/usr/bin/env python3
"""test_kafka_mock.py - `pvcbench kafka mock` serves librdkafka's mock cluster as the spec
says: the bootstrap list as the first stdout line and in --bootstrap-file (written whole),
brokers kcat can list, control lines on stdin answered `ok`/`error` (checked for effect:
a topic appears, a broker goes down and comes back), EOF on stdin changing nothing, exit 0
on SIGTERM and SIGINT, and bad --brokers refused with exit status 2.

Usage: python3 test_kafka_mock.py PATH_TO_PVCBENCH
"""
import os
import re
import signal
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kafkamock import (Checks, MockCluster, bad_input_problems, kcat_argv,  # noqa: E402
                       kcat_metadata, kcat_produce, kcat_read, require_tools, run,
                       topic_partitions)

ADDR_RE = re.compile(r"^127\.0\.0\.1:(\d+)$")


def bootstrap_problems(bootstrap, brokers):
    """`brokers` distinct 127.0.0.1:PORT addresses, comma-separated."""
    addrs = bootstrap.split(",")
    bad = []
    if len(addrs) != brokers:
        bad.append("%d addresses in %r, want %d" % (len(addrs), bootstrap, brokers))
    if not all(ADDR_RE.match(a) for a in addrs):
        bad.append("not all 127.0.0.1:PORT: %r" % bootstrap)
    if len(set(addrs)) != len(addrs):
        bad.append("an address twice: %r" % bootstrap)
    return bad


def check_bootstrap(checks, mock):
    checks.check("--brokers 3: the first stdout line is 3 loopback host:port",
                 bootstrap_problems(mock.bootstrap, 3))
    try:
        with open(mock.bootstrap_file) as f:
            text = f.read()
        bad = [] if text.strip() == mock.bootstrap else \
            ["the file holds %r, stdout said %r" % (text, mock.bootstrap)]
    except OSError as e:
        bad = [str(e)]
    checks.check("--bootstrap-file: the same list in the file", bad)
    # written whole, then renamed: nothing but the file (and our stderr log) in its directory
    left = sorted(set(os.listdir(mock.dir)) - {"bootstrap", "stderr"})
    checks.check("--bootstrap-file: no temporary file left beside it", left == [] or left)


def check_metadata(checks, mock):
    md = kcat_metadata(mock.bootstrap)
    listed = sorted(b["name"] for b in md.get("brokers", []))
    checks.check("kcat -L lists the 3 brokers of the bootstrap list",
                 [] if listed == sorted(mock.bootstrap.split(",")) else
                 ["kcat lists %r, the bootstrap list is %r" % (listed, mock.bootstrap)])
    # a round trip through the cluster, and the mock's auto-created topics have 4 partitions
    kcat_produce(mock.bootstrap, "auto", [b"r%d" % i for i in range(100)])
    rb = kcat_read(mock.bootstrap, "auto", 100)
    checks.check("kcat round trip: 100 records produced and read back", rb.problems(100)
                 or sorted(rb.payloads) == sorted(b"r%d" % i for i in range(100)))
    n = topic_partitions(mock.bootstrap, "auto")
    checks.check("an auto-created topic has 4 partitions", n == 4 or ["%d partitions" % n])


def check_control(checks, mock):
    ans = mock.control("topic made 6 2")
    checks.check("`topic made 6 2` answered ok", ans.startswith("ok") or [ans])
    n = topic_partitions(mock.bootstrap, "made")
    checks.check("`topic made 6 2`: kcat sees 6 partitions", n == 6 or ["%d partitions" % n])
    # (no check of the replication: librdkafka 2.0.2's mock gives every partition its
    # default replica count whatever the topic was created with)

    # broker 1 taken down: a client that knows only broker 1 cannot get metadata
    first = mock.bootstrap.split(",")[0]
    ans = mock.control("down 1")
    checks.check("`down 1` answered ok", ans.startswith("ok") or [ans])
    r = run(kcat_argv("-L", first, None, ["-m", "2"]), timeout=20)
    checks.check("`down 1`: broker 1 refuses clients", r.rc != 0 or r.show())
    ans = mock.control("up 1")
    checks.check("`up 1` answered ok", ans.startswith("ok") or [ans])
    r = run(kcat_argv("-L", first, None, ["-m", "5"]), timeout=20)
    checks.check("`up 1`: broker 1 serves again", r.rc == 0 or r.show())

    ans = mock.control("rtt 2 5")
    checks.check("`rtt 2 5` answered ok", ans.startswith("ok") or [ans])
    mock.control("rtt 2 0")
    for bad_line in ("frobnicate 1", "topic"):
        ans = mock.control(bad_line)
        checks.check("%r answered with an error line" % bad_line,
                     ans.startswith("error") or [ans])
    checks.check("the mock still serves after the bad lines", mock.alive())


def check_eof_and_sigterm(checks, mock):
    mock.proc.stdin.close()  # EOF on the control input
    time.sleep(1.0)
    checks.check("EOF on stdin: the mock keeps running", mock.alive())
    r = run(kcat_argv("-L", mock.bootstrap, None, ["-m", "5"]), timeout=20)
    checks.check("EOF on stdin: the cluster still answers kcat", r.rc == 0 or r.show())
    rc, took = mock.terminate(signal.SIGTERM)
    checks.check("SIGTERM: exit status 0 within 5 s",
                 [] if rc == 0 and took <= 5 else
                 ["exit status %s after %.2f s; stderr:" % (rc, took), mock.stderr_tail()])


def check_defaults_and_sigint(checks, bench):
    """No --brokers: 3 brokers; --brokers 1: one; SIGINT stops it with status 0 too."""
    with MockCluster(bench, brokers=None) as mock:
        checks.check("no --brokers: 3 brokers by default", bootstrap_problems(mock.bootstrap, 3))
        rc, took = mock.terminate(signal.SIGINT)
        checks.check("SIGINT: exit status 0 within 5 s",
                     [] if rc == 0 and took <= 5 else ["exit status %s after %.2f s"
                                                       % (rc, took)])
    with MockCluster(bench, brokers=1) as mock:
        checks.check("--brokers 1: one address", bootstrap_problems(mock.bootstrap, 1))


def check_bad_input(checks, bench):
    for args, names in ((["--brokers", "0"], ["brokers"]),
                        (["--brokers", "abc"], ["abc"]),
                        (["--no-such-option"], ["--no-such-option"])):
        r = bench.run("mock", args, timeout=20)
        checks.check("mock %s: exit status 2, one line naming it" % " ".join(args),
                     bad_input_problems(r, names))


def main():
    checks = Checks()
    bench = require_tools(checks)
    with MockCluster(bench, brokers=3) as mock:
        checks.section(check_bootstrap, checks, mock)
        checks.section(check_metadata, checks, mock)
        checks.section(check_control, checks, mock)
        checks.section(check_eof_and_sigterm, checks, mock)
    checks.section(check_defaults_and_sigint, checks, bench)
    checks.section(check_bad_input, checks, bench)
    checks.finish()


if __name__ == "__main__":
    main()
