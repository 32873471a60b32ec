#!/usr/bin/env python3
"""test_pgbench_logs.py - `pvcbench pgbench`'s -l logs and -r report side by side with pgbench 15
on the same server.

Each case runs the binary under test and the real pgbench 15 with the same options, each in
a directory of its own, and compares what they wrote: the log files' names (PREFIX.PID and
PREFIX.PID.THREAD), each line's field count and the range of each field, the line count
(= transactions ended, or sampled, or intervals), the failure words; and the report's
per-script sections and statement latencies with every number masked, line by line. Options:
-l, --log-prefix, --sampling-rate, --aggregate-interval, -R, -L, --max-tries, -r,
--failures-detailed, several -f with weights, -P with --progress-timestamp, in pgbench 15's
style and (the binary alone) pgbench 13's (--report-style=seed).

Serialization failures come from a script that updates one branch at REPEATABLE READ with a
1 ms sleep before its COMMIT, run by 4 clients.

Usage: python3 test_pgbench_logs.py PATH_TO_PVCBENCH
"""
import os
import re
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pgserver import Bench, Checks, PgServer, require_bench, run, server_bindir  # noqa: E402

SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
RUN_TIMEOUT = 90

A_SQL = "\\set aid random(1, 100000)\nSELECT abalance FROM pgbench_accounts\n  WHERE aid = :aid;\n" \
        "\\sleep 1 ms\nselect 1;\n"
B_SQL = "BEGIN;\nselect 2;\nEND;\n"
SER_SQL = ("BEGIN ISOLATION LEVEL REPEATABLE READ;\n"
           "UPDATE pgbench_branches SET bbalance = bbalance + 1 WHERE bid = 1;\n"
           "\\sleep 1 ms\nEND;\n")
INT = re.compile(r"-?[0-9]+")


class Tool:
    """One of the two binaries, run in a fresh directory of its own."""

    def __init__(self, bench, srv, name, style_args):
        self.bench, self.srv, self.name, self.style_args = bench, srv, name, style_args

    def run(self, args, scripts=None):
        """(Result, the directory with the scripts and whatever the run wrote, start, end)."""
        d = tempfile.mkdtemp(prefix="pvcbench-pglog.", dir="/var/tmp")
        for fname, text in (scripts or {}).items():
            with open(os.path.join(d, fname), "w") as f:
                f.write(text)
        t0 = time.time()
        # env -C: the run's working directory (execs: the pid stays the one in the names)
        res = run(["env", "-C", d] + self.bench.argv(list(args) + self.style_args),
                  timeout=RUN_TIMEOUT, env=self.srv.env())
        return res, d, t0, time.time()


def ran_ok(res):
    bad = res.crash_problems()
    if res.rc != 0:
        bad.append("exit status %s, want 0" % res.rc)
    return bad + (res.show() if bad else [])


def log_files(d, prefix, pid):
    """{thread: lines} of PREFIX.PID and PREFIX.PID.N in d, and the names that do not fit."""
    logs, odd = {}, []
    for name in sorted(os.listdir(d)):
        m = re.fullmatch(re.escape(prefix) + r"\.([0-9]+)(?:\.([0-9]+))?", name)
        if not m:
            if name.startswith(prefix):
                odd.append(name)
            continue
        if int(m.group(1)) != pid:
            odd.append("%s (pid %s, the run's is %d)" % (name, m.group(1), pid))
            continue
        with open(os.path.join(d, name)) as f:
            logs[int(m.group(2) or 0)] = f.read().splitlines()
    return logs, odd


def txn_line_problems(line, nfields, clients, t0, t1, words=()):
    """One per-transaction line: client_id transaction_no time script_no epoch us [lag] [retries]."""
    f = line.split()
    if len(f) != nfields:
        return ["%r: %d fields, want %d" % (line, len(f), nfields)]
    bad = []
    if not (f[0].isdigit() and int(f[0]) < clients):
        bad.append("%r: client %r" % (line, f[0]))
    if not (f[1].isdigit() and int(f[1]) >= 1):
        bad.append("%r: transaction number %r" % (line, f[1]))
    if not ((f[2].isdigit() and 0 < int(f[2]) < 60000000) or f[2] in words):
        bad.append("%r: time %r is neither a latency in us nor one of %r" % (line, f[2], words))
    if not f[3].isdigit():
        bad.append("%r: script %r" % (line, f[3]))
    if not (f[4].isdigit() and int(t0) - 1 <= int(f[4]) <= int(t1) + 1):
        bad.append("%r: epoch %r not within the run %d..%d" % (line, f[4], t0, t1))
    if not (f[5].isdigit() and int(f[5]) < 1000000):
        bad.append("%r: microseconds %r" % (line, f[5]))
    for x in f[6:]:
        if not x.isdigit():
            bad.append("%r: %r is not a count" % (line, x))
    return bad


def all_lines(logs):
    return [ln for t in sorted(logs) for ln in logs[t]]


def per_txn_problems(logs, nfields, clients, tpc, t0, t1, words=()):
    """Every client's transactions 1..tpc, once each, in lines of nfields."""
    bad = []
    seen = {}
    for ln in all_lines(logs):
        bad += txn_line_problems(ln, nfields, clients, t0, t1, words)
        f = ln.split()
        if len(f) > 1:
            seen.setdefault(f[0], []).append(int(f[1]) if f[1].isdigit() else -1)
    if tpc is not None:
        for cid in range(clients):
            got = sorted(seen.get(str(cid), []))
            if got != list(range(1, tpc + 1)):
                bad.append("client %d logged transactions %r, want 1..%d" % (cid, got[:12], tpc))
    return bad[:10]


def both(c, args, scripts=None, pvc_only_style=None):
    """Runs pvcbench (current style unless told) and pgbench with args."""
    mine = Tool(c.bench, c.srv, "pvcbench",
                ["--report-style=" + (pvc_only_style or "current")])
    ref = Tool(c.pgbench, c.srv, "pgbench", [])
    return mine.run(args, scripts), ref.run(args, scripts)


def cleanup(*runs):
    for r in runs:
        shutil.rmtree(r[1], ignore_errors=True)


def check_names_and_lines(c):
    """-l -c 2 -j 2 -t 10: two files per run, named as pgbench names them, 6 fields a line."""
    mine, ref = both(c, ["-n", "-l", "-c", "2", "-j", "2", "-t", "10"])
    for tool, (res, d, t0, t1) in (("pvcbench", mine), ("pgbench", ref)):
        if not c.checks.check("-l -j 2 (%s): exit 0" % tool, ran_ok(res)):
            continue
        logs, odd = log_files(d, "pgbench_log", res.pid)
        c.checks.check("-l -j 2 (%s): pgbench_log.PID and pgbench_log.PID.1, nothing else"
                       % tool, ([] if sorted(logs) == [0, 1] else ["threads %r" % sorted(logs)])
                       + ["odd file %s" % x for x in odd])
        c.checks.check("-l -j 2 (%s): 20 lines of 6 fields, each client's 1..10 once" % tool,
                       per_txn_problems(logs, 6, 2, 10, t0, t1))
    cleanup(mine, ref)


def check_prefix_rate_retries(c):
    """--log-prefix, -R (lag field), --max-tries=3 (retries field): 8 fields."""
    args = ["-n", "-l", "--log-prefix=pfx", "-c", "2", "-t", "5", "-R", "100", "--max-tries=3"]
    mine, ref = both(c, args)
    for tool, (res, d, t0, t1) in (("pvcbench", mine), ("pgbench", ref)):
        if not c.checks.check("--log-prefix -R --max-tries=3 (%s): exit 0" % tool, ran_ok(res)):
            continue
        logs, odd = log_files(d, "pfx", res.pid)
        c.checks.check("--log-prefix=pfx (%s): one file pfx.PID" % tool,
                       ([] if sorted(logs) == [0] else ["threads %r" % sorted(logs)]) + odd)
        bad = per_txn_problems(logs, 8, 2, 5, t0, t1)
        bad += ["%r: lag %s us is over a second" % (ln, ln.split()[6]) for ln in all_lines(logs)
                if len(ln.split()) == 8 and int(ln.split()[6]) > 1000000]
        c.checks.check("-R --max-tries=3 (%s): 10 lines of 8 fields (lag, retries)" % tool, bad)
    # pgbench 13's lines have no retries field
    res, d, t0, t1 = Tool(c.bench, c.srv, "pvcbench", ["--report-style=seed"]).run(args)
    if c.checks.check("--report-style=seed -R --max-tries=3: exit 0", ran_ok(res)):
        logs, _ = log_files(d, "pfx", res.pid)
        c.checks.check("--report-style=seed: pgbench 13's 7 fields (no retries)",
                       per_txn_problems(logs, 7, 2, 5, t0, t1))
    cleanup(mine, ref, (res, d))


def check_sampling(c):
    """--sampling-rate=0.5 of 400 transactions: about half, in both."""
    args = ["-n", "-l", "--log-prefix=samp", "--sampling-rate=0.5", "-c", "1", "-t", "400", "-S"]
    mine, ref = both(c, args)
    counts = {}
    for tool, (res, d, t0, t1) in (("pvcbench", mine), ("pgbench", ref)):
        if not c.checks.check("--sampling-rate=0.5 (%s): exit 0" % tool, ran_ok(res)):
            continue
        logs, _ = log_files(d, "samp", res.pid)
        lines = all_lines(logs)
        counts[tool] = len(lines)
        # binomial(400, 0.5): sd 10; 140..260 is six of them
        bad = [] if 140 <= len(lines) <= 260 else ["%d lines of 400" % len(lines)]
        c.checks.check("--sampling-rate=0.5 (%s): %d of 400 logged, within 140..260"
                       % (tool, len(lines)), bad + per_txn_problems(logs, 6, 1, None, t0, t1))
    c.note("sampled lines: %r" % counts)
    cleanup(mine, ref)


def agg_problems(lines, nfields, t0, t1):
    """Aggregate lines: consecutive whole seconds from the run's start, sums consistent."""
    bad, prev = [], None
    for ln in lines:
        f = ln.split()
        if len(f) != nfields or not all(INT.fullmatch(x) for x in f):
            bad.append("%r: want %d integer fields" % (ln, nfields))
            continue
        start, cnt, s, s2, lo, hi = (int(x) for x in f[:6])
        if not int(t0) - 1 <= start <= int(t1):
            bad.append("%r: interval start %d not within the run %d..%d" % (ln, start, t0, t1))
        if prev is not None and start != prev + 1:
            bad.append("%r: interval start %d after %d" % (ln, start, prev))
        prev = start
        if cnt and not (0 < lo <= hi and cnt * lo <= s <= cnt * hi and s2 >= lo * s):
            bad.append("%r: count/sum/sum2/min/max inconsistent" % ln)
        if not cnt and (s, s2, lo, hi) != (0, 0, 0, 0):
            bad.append("%r: an empty interval with figures" % ln)
    return bad[:10]


def processed(out):
    m = re.search(r"^number of transactions actually processed: ([0-9]+)", out, re.M)
    return int(m.group(1)) if m else None


def check_aggregate(c):
    """--aggregate-interval=1 -T 3: whole-second intervals, 15 fields (pgbench 15), none
    counting more than processed; pgbench 13's 6 and, under -R -L, 11 fields."""
    args = ["-n", "-l", "--log-prefix=agg", "--aggregate-interval=1", "-c", "2", "-T", "3"]
    mine, ref = both(c, args)
    for tool, (res, d, t0, t1) in (("pvcbench", mine), ("pgbench", ref)):
        if not c.checks.check("--aggregate-interval=1 -T 3 (%s): exit 0" % tool, ran_ok(res)):
            continue
        logs, _ = log_files(d, "agg", res.pid)
        lines = all_lines(logs)
        bad = agg_problems(lines, 15, t0, t1)
        total = sum(int(ln.split()[1]) for ln in lines if len(ln.split()) == 15)
        got = processed(res.out)
        if not 2 <= len(lines) <= 4:
            bad.append("%d intervals for 3 s" % len(lines))
        if got is None or not 0 < total <= got:
            bad.append("intervals count %d transactions, the report %r" % (total, got))
        c.checks.check("--aggregate-interval=1 -T 3 (%s): %d lines of 15 fields, %d of %r "
                       "transactions" % (tool, len(lines), total, got), bad)
    cleanup(mine, ref)
    for extra, nf in (([], 6), (["-R", "200", "-L", "50"], 11)):
        res, d, t0, t1 = Tool(c.bench, c.srv, "pvcbench", ["--report-style=seed"]).run(
            args + extra)
        if c.checks.check("--report-style=seed --aggregate-interval=1 %s: exit 0"
                          % " ".join(extra), ran_ok(res)):
            logs, _ = log_files(d, "agg", res.pid)
            lines = all_lines(logs)
            c.checks.check("--report-style=seed %s: pgbench 13's %d fields in %d lines"
                           % (" ".join(extra), nf, len(lines)),
                           agg_problems(lines, nf, t0, t1)
                           + ([] if lines else ["no interval lines"]))
        cleanup((res, d))


NUMBER = r"(?:-?[0-9]+(?:\.[0-9]+)?|NaN)"


def masked(lines):
    """Lines with every number and the spaces before it replaced by " #": shapes to compare
    whatever the figures' widths. A statement line (numbers in columns, then the command)
    starts with "@N", N the column where its command begins: pgbench's fixed widths."""
    out = []
    for ln in lines:
        m = re.match(r"((?: +%s)+)  \S" % NUMBER, ln)
        col = "@%d " % len(m.group(1)) if m and ln.startswith("   ") else ""
        out.append(col + re.sub(r" *" + NUMBER, " #", ln))
    return out


def section_lines(out):
    """The report from the first per-script or statement line to its end, without pvcbench's
    own percentiles line."""
    lines = out.splitlines()
    for i, ln in enumerate(lines):
        if ln.startswith("SQL script ") or ln.startswith("statement latencies"):
            return [x for x in lines[i:] if not x.startswith("latency percentiles:")]
    return []


def check_report_sections(c):
    """-r with three weighted scripts over two threads: the sections and statement lines
    have pgbench 15's shape, line for line; the same run in pgbench 13's shape."""
    scripts = {"a.sql": A_SQL, "b.sql": B_SQL}
    args = ["-n", "-r", "-c", "2", "-j", "2", "-t", "30", "-f", "a.sql@3", "-f", "b.sql",
            "-b", "select-only@2"]
    mine, ref = both(c, args, scripts)
    if c.checks.check("-r, three scripts: both exit 0", ran_ok(mine[0]) + ran_ok(ref[0])):
        a, b = masked(section_lines(mine[0].out)), masked(section_lines(ref[0].out))
        c.checks.check("-r, three scripts: sections and statement lines shaped as pgbench "
                       "15's (%d lines)" % len(b),
                       [] if a == b and a else ["pvcbench: %r" % a, "pgbench:  %r" % b])
        c.checks.check("-r: 'transaction type: multiple scripts' in both",
                       all("transaction type: multiple scripts" in r[0].out for r in (mine, ref)))
    res, d, _, _ = Tool(c.bench, c.srv, "pvcbench", ["--report-style=seed"]).run(args, scripts)
    if c.checks.check("-r, seed style: exit 0", ran_ok(res)):
        lines = section_lines(res.out)
        want = re.compile(r"^( - )?statement latencies in milliseconds:$|^SQL script [0-9]: .*"
                          r"|^ - weight: [0-9]+ \(targets [0-9.]+% of total\)$"
                          r"|^ - [0-9]+ transactions \([0-9.]+% of total, tps = [0-9.]+\)$"
                          r"|^ - latency (average|stddev) = [0-9.]+ ms$"
                          r"|^   [ 0-9]{6}[0-9]\.[0-9]{3}  \S.*$|^number of failed .*")
        c.checks.check("-r, seed style: pgbench 13's section and statement lines",
                       ["%r" % x for x in lines if not want.match(x)]
                       + ([] if len(lines) >= 3 * 5 + 8 else ["%d lines" % len(lines)]))
    cleanup(mine, ref, (res, d))


def check_failures(c):
    """Serialization failures: --failures-detailed in the report and in -l's lines
    ("serialization" for the time), -r's failure and retry columns, as pgbench 15."""
    scripts = {"ser.sql": SER_SQL}
    args = ["-n", "-r", "-l", "--log-prefix=ser", "-c", "4", "-t", "10", "-f", "ser.sql",
            "--failures-detailed"]
    mine, ref = both(c, args, scripts)
    for tool, (res, d, t0, t1) in (("pvcbench", mine), ("pgbench", ref)):
        if not c.checks.check("--failures-detailed -r -l (%s): exit 0" % tool, ran_ok(res)):
            continue
        logs, _ = log_files(d, "ser", res.pid)
        lines = all_lines(logs)
        nfail = sum(1 for ln in lines if ln.split()[2:3] == ["serialization"])
        m = re.search(r"^number of serialization failures: ([0-9]+) ", res.out, re.M)
        bad = per_txn_problems(logs, 6, 4, 10, t0, t1, words=("serialization",))
        if not m or int(m.group(1)) != nfail or not nfail:
            bad.append("%d 'serialization' lines, the report says %r"
                       % (nfail, m and m.group(1)))
        c.checks.check("--failures-detailed (%s): 40 lines, %d 'serialization', as many as the "
                       "report counts" % (tool, nfail), bad)
    if mine[0].rc == 0 and ref[0].rc == 0:
        pick = re.compile(r"^(number of (failed|serialization|deadlock)|statement latencies|   )")
        a = masked([x for x in mine[0].out.splitlines() if pick.match(x)])
        b = masked([x for x in ref[0].out.splitlines() if pick.match(x)])
        c.checks.check("--failures-detailed -r: failure lines and statement lines shaped as "
                       "pgbench 15's", [] if a == b else ["pvcbench: %r" % a, "pgbench:  %r" % b])
    cleanup(mine, ref)

    args = ["-n", "-r", "-c", "4", "-t", "10", "-f", "ser.sql", "--max-tries=3"]
    mine, ref = both(c, args, scripts)
    if c.checks.check("--max-tries=3 -r: both exit 0", ran_ok(mine[0]) + ran_ok(ref[0])):
        a, b = masked(section_lines(mine[0].out)), masked(section_lines(ref[0].out))
        c.checks.check("--max-tries=3 -r: 'failures and retries' columns as pgbench 15's",
                       [] if a == b and a and "retries" in a[0]
                       else ["pvcbench: %r" % a, "pgbench:  %r" % b])
    cleanup(mine, ref)


def check_open_error(c):
    """A log prefix in a directory that does not exist: pgbench's message."""
    args = ["-n", "-l", "--log-prefix=/nonexistent-pvc-dir/x", "-t", "1"]
    mine, ref = both(c, args)
    for tool, (res, d, _, _) in (("pvcbench", mine), ("pgbench", ref)):
        want = 'could not open logfile "/nonexistent-pvc-dir/x.%d": No such file or directory' \
            % res.pid
        c.checks.check("-l into a missing directory (%s): exit %d, %r on stderr"
                       % (tool, res.rc, want),
                       ([] if want in res.err else ["stderr: %r" % res.err[-400:]])
                       + ([] if res.rc != 0 else ["exit status 0"]))
    cleanup(mine, ref)


def check_progress_timestamp(c):
    """-P 1 --progress-timestamp: the Unix time with milliseconds, within the run, in both
    styles and in pgbench 15."""
    args = ["-n", "-P", "1", "--progress-timestamp", "-T", "2", "-c", "1"]
    mine, ref = both(c, args)
    seed = Tool(c.bench, c.srv, "pvcbench", ["--report-style=seed"]).run(args)
    line = re.compile(r"^progress: ([0-9]+)\.[0-9]{3} s, [0-9]+\.[0-9] tps, lat [0-9]+\.[0-9]{3} ms "
                      r"stddev [0-9]+\.[0-9]{3}(, [0-9]+ failed)?$")
    for tool, (res, d, t0, t1) in (("pvcbench", mine), ("pvcbench seed", seed),
                                   ("pgbench", ref)):
        if not c.checks.check("-P 1 --progress-timestamp (%s): exit 0" % tool, ran_ok(res)):
            continue
        got = [x for x in res.err.splitlines() if x.startswith("progress:")]
        bad = [] if got else ["no progress lines: %r" % res.err[-300:]]
        for x in got:
            m = line.match(x)
            if not m:
                bad.append("%r is not a timestamped progress line" % x)
            elif not int(t0) <= int(m.group(1)) <= int(t1) + 1:
                bad.append("%r: time outside the run %d..%d" % (x, t0, t1))
        c.checks.check("-P 1 --progress-timestamp (%s): %d lines with Unix time and ms"
                       % (tool, len(got)), bad)
    cleanup(mine, ref, seed)


class Ctx:
    def __init__(self, checks, bench, pgbench, srv):
        self.checks, self.bench, self.pgbench, self.srv = checks, bench, pgbench, srv

    def note(self, msg):
        self.checks.note(msg)


def main():
    checks = Checks()
    bench = require_bench(checks)
    if bench.reference:
        checks.skip("this test compares pvcbench with pgbench: give it pvcbench")
    bindir = server_bindir()
    ref_path = os.path.join(bindir, "pgbench") if bindir else None
    if not ref_path or not os.access(ref_path, os.X_OK):
        checks.skip("the reference pgbench is not in the server's directory %s" % bindir)
    pgbench = Bench(ref_path)
    with PgServer(checks, settings=SETTINGS) as srv:
        r = pgbench.run(["-i", "-s", "1", "-q"], env=srv.env(), timeout=120)
        if r.rc != 0:
            raise RuntimeError("pgbench -i failed:\n" + "\n".join(r.show()))
        c = Ctx(checks, bench, pgbench, srv)
        probe = bench.run(["-n", "-t", "1", "-l", "--log-prefix=/dev/null/x"], env=srv.env())
        if "not supported" in probe.err or "unrecognized option" in probe.err:
            checks.skip("this pvcbench refuses -l: %s" % probe.err.strip()[:200])
        checks.section(check_names_and_lines, c)
        checks.section(check_prefix_rate_retries, c)
        checks.section(check_sampling, c)
        checks.section(check_aggregate, c)
        checks.section(check_report_sections, c)
        checks.section(check_failures, c)
        checks.section(check_open_error, c)
        checks.section(check_progress_timestamp, c)
    checks.finish()


if __name__ == "__main__":
    main()
