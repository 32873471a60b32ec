#!/usr/bin/env python3
"""test_pgbench_runner_fails.py - a run the runner cannot start (its memory refused) ends as
pgbench ends when it cannot allocate or start its threads: exit status 1, one error line, no
report, no crash.

How the runner is made to fail, honestly: -c 4096 -j 4096 asks the runner for 4096 workers,
whose results and interval slots (a latency histogram per operation type in each) take
hundreds of MB, while the program itself runs in a few tens of MB. Under an address-space limit
(RLIMIT_AS) of 256 MB a one-client run still works (checked: the limit is not what fails), and
the 4096-worker run's first big allocation, the array of worker results, fails: the runner
returns -ENOMEM with no worker result at all. Under 1200 MB that array fits and the workers'
slots do not: the runner returns -ENOMEM with results that hold nothing. A build with
AddressSanitizer cannot run under an address-space limit (its shadow memory is reserved
up front); there ASAN_OPTIONS make the allocator refuse any single allocation over 256 MB
instead, which the array of results is.

pgbench (and pvcbench) first checks that the clients' sockets fit the open-files limit: the
run asks for 4096 workers, or as many as the hard limit leaves room for (4093 under a hard
limit of 4096, as in a container), which changes the memory figures above by a fraction.

Usage: python3 test_pgbench_runner_fails.py PATH_TO_PVCBENCH (or PATH_TO_PGBENCH: the
reference; pgbench 15 fails there a step later, exit 1 with "could not create thread")
"""
import os
import re
import resource
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgserver import Checks, PgServer, Result, require_bench  # noqa: E402

SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
REPORT_LINE = "number of transactions actually processed"


def sanitized(path):
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


def run_limited(argv, env, limit_mb, asan):
    """argv with its memory limited to limit_mb: RLIMIT_AS, or ASan's allocation limit."""
    env = dict(env)
    preexec = None
    if asan:
        env["ASAN_OPTIONS"] = ("allocator_may_return_null=1:max_allocation_size_mb=%d:%s"
                               % (limit_mb, env.get("ASAN_OPTIONS", "")))
    else:
        def preexec():
            resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))
    t0 = time.monotonic()
    p = subprocess.run(argv, env=env, capture_output=True, preexec_fn=preexec, timeout=120)
    err = p.stderr.decode(errors="replace")
    if asan:
        # ASan's note of the very allocation it was told to refuse: not a crash sign
        err = re.sub(r"(?m)^==\d+==WARNING: AddressSanitizer failed to allocate 0x[0-9a-f]+ "
                     r"bytes\n", "", err)
    return Result(argv, p.returncode, p.stdout.decode(errors="replace"), err,
                  time.monotonic() - t0, False)


def could_not_start_problems(bench, res):
    bad = res.crash_problems()
    if res.rc != 1:
        bad.append("exit status %s, want 1 (pgbench's status when it cannot start)" % res.rc)
    if REPORT_LINE in res.out:
        bad.append("a report was printed for a run that did not start")
    errors = [line for line in res.err_lines if "error" in line or "could not" in line]
    if len(errors) != 1:
        bad.append("%d error lines on stderr, want 1" % len(errors))
    elif not bench.reference and "could not start the run: Cannot allocate memory" \
            not in errors[0]:
        bad.append("the error line does not say the run could not start for want of memory")
    return bad + (res.show() if bad else [])


def many_workers():
    """4096, or fewer when the open-files limit leaves room for fewer clients (pgbench's check:
    a socket per client and three more)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return 4096 if hard == resource.RLIM_INFINITY else min(4096, hard - 3)


def main():
    checks = Checks()
    bench = require_bench(checks)
    asan = not bench.reference and sanitized(bench.path)
    if asan:
        checks.note("AddressSanitizer build: the allocator's limit instead of RLIMIT_AS")
    with PgServer(checks, settings=SETTINGS) as srv:
        env = srv.env()
        res = bench.run(["-i", "-s", "1", "-q"], env=env, timeout=120)
        if not checks.check("pgbench -i -s 1", res.rc == 0 or res.show()):
            checks.finish()
        limits = [256] if asan else [256, 1200]
        for mb in limits:
            res = run_limited(bench.argv(["-c", "1", "-j", "1", "-t", "3"]), env, mb, asan)
            ok = checks.check("%d MB: a one-client run works under the limit" % mb,
                              (res.rc == 0 and REPORT_LINE in res.out) or
                              ["exit status %s" % res.rc] + res.show())
            if not ok:
                continue  # the limit itself would fail the next run: it proves nothing
            n = str(many_workers())
            res = run_limited(bench.argv(["-c", n, "-j", n, "-t", "1"]), env, mb, asan)
            checks.check("%d MB: -c %s -j %s, the runner's memory refused: exit 1, one "
                         "error line, no report" % (mb, n, n),
                         could_not_start_problems(bench, res))
    checks.finish()


if __name__ == "__main__":
    main()
