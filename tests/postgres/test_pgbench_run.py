#!/usr/bin/env python3
"""test_pgbench_run.py - `pvcbench pgbench` runs pgbench's builtin transactions and reports
them in the spec's formats.

Against a server of its own, on a database initialised at scale 1 by the real pgbench:
every builtin (by name, by prefix, -N, -S) in every query mode, with the report's lines in
order and the database effects checked (history rows, the TPC-B balance invariant); -n; -s in
run mode; -T (duration, wall time); -P (progress lines adding up to the processed count);
-R (rate, schedule lag); -C; --report-style=current; --max-tries; --output-format=json and
--output; the latency percentiles; the header lines side by side with pgbench 15's; SIGTERM
during -T 30.

Usage: python3 test_pgbench_run.py PATH_TO_PVCBENCH (or PATH_TO_PGBENCH: the reference, in
pgbench 15's own report style, without pvcbench's additions)
"""
import json
import os
import shutil
import signal
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pgserver import Bench, Checks, PgServer, require_bench, run_signalled, server_bindir  # noqa
import pgreport  # noqa: E402
from pgreport import match_lines, percentile_problems, processed, report_patterns  # noqa: E402

SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
RUN_TIMEOUT = 90

# builtin (as reported) and how it is asked for
BUILTIN_ARGS = [
    ("tpcb-like", ["-b", "tpcb-like"]),
    ("simple-update", ["-b", "simple-update"]),
    ("select-only", ["-b", "select-only"]),
    ("simple-update", ["-N"]),
    ("select-only", ["-S"]),
    ("select-only", ["-b", "select"]),  # a unique prefix, as pgbench accepts
]
MODES = ["simple", "extended", "prepared"]


class Ctx:
    """What every check needs: the report, the binary, the server, the styles."""

    def __init__(self, checks, bench, srv):
        self.checks, self.bench, self.srv = checks, bench, srv
        # the reference pgbench 15 prints only its own (current) style
        self.default_style = "current" if bench.reference else "seed"
        self.pvc = not bench.reference

    def style_args(self, style):
        if style == "current" and self.pvc:
            return ["--report-style=current"]
        return []

    def run(self, args, style=None, timeout=RUN_TIMEOUT, **env):
        style = style or self.default_style
        return self.bench.run(list(args) + self.style_args(style), env=self.srv.env(**env),
                              timeout=timeout)

    def patterns(self, style=None, **kw):
        return report_patterns(style or self.default_style, pvcbench=self.pvc, **kw)

    def lines(self, res):
        return pgreport.report_lines(res, self.bench)

    def report(self, res, style=None, **kw):
        """Problems of res's stdout against the report's patterns (and stdout if any)."""
        bad = match_lines(self.lines(res), self.patterns(style, **kw))
        return bad + (["stdout:"] + ["  " + x for x in res.out_lines] if bad else [])


def ran_ok(res, rc=0):
    bad = res.crash_problems()
    if res.rc != rc:
        bad.append("exit status %s, want %d" % (res.rc, rc))
    return bad + (res.show() if bad else [])


def sums(srv):
    """(sum abalance, sum tbalance, sum bbalance, history rows, sum delta)."""
    row = srv.psql("SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts), "
                   "(SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers), "
                   "(SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches), "
                   "(SELECT count(*) FROM pgbench_history), "
                   "(SELECT coalesce(sum(delta), 0) FROM pgbench_history)")[0]
    return tuple(int(x) for x in row)


def history_count(srv):
    return int(srv.value("SELECT count(*) FROM pgbench_history"))


def effect_problems(builtin, before, after, txns):
    """The database effects of txns transactions of builtin, the history emptied before the
    run (pgbench's vacuum step truncates it): the balances moved by exactly the deltas the
    history records."""
    da, dt, db = (after[i] - before[i] for i in range(3))
    hist, delta = after[3], after[4]
    bad = []
    want_hist = 0 if builtin == "select-only" else txns
    if hist != want_hist:
        bad.append("pgbench_history has %d rows, want %d" % (hist, want_hist))
    if builtin == "tpcb-like" and not (da == dt == db == delta):
        bad.append("TPC-B invariant broken: balance changes accounts %d, tellers %d, branches "
                   "%d, history deltas %d" % (da, dt, db, delta))
    if builtin == "simple-update" and not (da == delta and dt == 0 and db == 0):
        bad.append("simple update: accounts moved %d, history deltas %d, tellers %d, branches "
                   "%d (want equal, 0, 0)" % (da, delta, dt, db))
    if builtin == "select-only" and (da, dt, db) != (0, 0, 0):
        bad.append("select only changed balances by %d, %d, %d" % (da, dt, db))
    return bad


# ---------------------------------------------------------------- the checks

def check_builtins(c):
    for builtin, bargs in BUILTIN_ARGS:
        for mode in MODES:
            name = "%s -M %s" % (" ".join(bargs), mode)
            before = sums(c.srv)
            res = c.run(bargs + ["-M", mode, "-c", "2", "-j", "2", "-t", "25"])
            if not c.checks.check(name + ": exit status 0", ran_ok(res)):
                continue
            c.checks.check(name + ": report lines",
                           c.report(res, builtin=builtin, mode=mode, clients=2, threads=2,
                                    tpc=25, processed=50))
            c.checks.check(name + ": database effects of 50 transactions",
                           effect_problems(builtin, before, sums(c.srv), 50))
            if c.pvc:
                c.checks.check(name + ": percentiles in order", percentile_problems(res.out))


def check_option_forms(c):
    """getopt_long's spellings all work: -c2, --client=2, --client 2."""
    for args in (["-c2", "-j2", "-t5", "-Msimple"],
                 ["--client=2", "--jobs=2", "--transactions=5", "--protocol=simple"],
                 ["--client", "2", "--jobs", "2", "--transactions", "5", "--protocol", "simple"]):
        res = c.run(["-n"] + args)
        c.checks.check("%s: 2 clients, 2 threads, 10/10" % " ".join(args),
                       ran_ok(res) + c.report(res, builtin="tpcb-like", mode="simple", clients=2,
                                              threads=2, tpc=5, processed=10))


def check_no_vacuum_and_scale(c):
    c.run(["-c", "2", "-j", "1", "-t", "10"])  # history emptied by the vacuum step, then 20
    before = history_count(c.srv)
    res = c.run(["-n", "-c", "1", "-t", "7"])
    c.checks.check("-n -t 7: exit status 0", ran_ok(res))
    c.checks.check("-n: no `starting vacuum` on stderr",
                   [] if "starting vacuum" not in res.err else ["stderr: %r" % res.err])
    got, _ = processed(res.out)
    c.checks.check("-n keeps the history: %d rows grow by the processed count" % before,
                   [] if got == 7 and history_count(c.srv) == before + 7
                   else ["processed %r, history %d -> %d" % (got, before, history_count(c.srv))])
    res = c.run(["-s", "5", "-t", "5"])
    c.checks.check("-s 5 in run mode: exit 0, pgbench's warning, scaling factor from the table",
                   ran_ok(res)
                   + ([] if "scale option ignored, using count from pgbench_branches table (1)"
                      in res.err else ["no scale warning on stderr: %r" % res.err])
                   + ([] if "scaling factor: 1" in res.out_lines else ["stdout: %r" % res.out]))


def check_duration(c):
    res = c.run(["-T", "3", "-c", "2", "-j", "1"])
    c.checks.check("-T 3: exit status 0", ran_ok(res))
    c.checks.check("-T 3: report lines (duration: 3 s, processed without /)",
                   c.report(res, builtin="tpcb-like", mode="simple", clients=2, threads=1,
                            duration=3))
    # 3 s of transactions, plus connecting and the vacuum step; generous on a noisy machine
    c.checks.check("-T 3: wall time %.2f s within 3..7 s" % res.wall, 3.0 <= res.wall <= 7.0)
    got, _ = processed(res.out)
    hist = history_count(c.srv)
    # pgbench 15 lets the transactions in flight at the deadline finish and counts them:
    # every committed transaction is in the report (a dropped COMMIT would still land)
    c.checks.check("-T 3: processed %r > 0, history rows %d = processed" % (got, hist),
                   got is not None and 0 < got == hist)


def progress_sum_problems(lines, interval, total, duration):
    """The progress lines' tps times their interval add up to the processed count, give or
    take one interval's worth (the run's last partial interval has no line)."""
    prev, s, peak = 0.0, 0.0, 0.0
    bad = []
    for t, tps, *_ in lines:
        if t <= prev:
            bad.append("progress times not increasing: %.1f after %.1f" % (t, prev))
        s += tps * (t - prev)
        peak = max(peak, tps)
        prev = t
    slack = 1.1 * max(peak, total / duration) * interval + 2
    if abs(s - total) > slack:
        bad.append("progress lines add up to %.0f transactions, the report says %d (allowed "
                   "difference %.0f)" % (s, total, slack))
    return bad


def check_progress(c):
    style = c.default_style
    res = c.run(["-P", "1", "-T", "3", "-c", "2", "-j", "1"])
    c.checks.check("-P 1 -T 3: exit status 0", ran_ok(res))
    c.checks.check("-P 1 -T 3: report lines (with latency stddev)",
                   c.report(res, builtin="tpcb-like", mode="simple", clients=2, threads=1,
                            duration=3, progress=True))
    good, bad = pgreport.progress_lines(res.err, style)
    c.checks.check("-P 1 -T 3: >= 2 progress lines on stderr, all in the %s format" % style,
                   (["%d progress lines" % len(good)] if len(good) < 2 else [])
                   + ["line not in the format: %r" % x for x in bad]
                   + (["stderr: %r" % res.err[-800:]] if len(good) < 2 or bad else []))
    got, _ = processed(res.out)
    if got is not None and good:
        c.checks.check("-P 1 -T 3: progress tps x interval adds up to processed (%d)" % got,
                       progress_sum_problems(good, 1.0, got, 3.0))
    if c.pvc:
        c.checks.check("-P 1: nothing but the report on stdout (progress goes to stderr)",
                       [] if "progress:" not in res.out else ["progress lines on stdout"])


def check_rate(c):
    style = c.default_style
    res = c.run(["-R", "100", "-T", "3", "-P", "1", "-c", "2", "-j", "1"])
    c.checks.check("-R 100 -T 3: exit status 0", ran_ok(res))
    c.checks.check("-R 100 -T 3: report lines (stddev, rate limit schedule lag)",
                   c.report(res, builtin="tpcb-like", mode="simple", clients=2, threads=1,
                            duration=3, progress=True, rate=True))
    got, _ = processed(res.out)
    c.checks.check("-R 100 -T 3: processed %r within 210..390 (300 +- 30%%)" % got,
                   got is not None and 210 <= got <= 390)
    good, bad = pgreport.progress_lines(res.err, style)
    lagless = [x for x in good if x[5] is None]
    c.checks.check("-R 100 -P 1: progress lines end with `, lag X ms`",
                   (["no progress lines: %r" % res.err[-500:]] if not good else [])
                   + ["not in the format: %r" % x for x in bad]
                   + (["%d lines without lag" % len(lagless)] if lagless else []))


def check_connect(c):
    res = c.run(["-C", "-t", "10", "-c", "2"])
    c.checks.check("-C -t 10 -c 2: exit status 0", ran_ok(res))
    c.checks.check("-C -t 10 -c 2: report lines, processed 20/20",
                   c.report(res, builtin="tpcb-like", mode="simple", clients=2, threads=1,
                            tpc=10, processed=20, connect=True))
    if c.pvc:
        res = c.run(["-C", "-t", "10", "-c", "2"], style="current")
        c.checks.check("-C, current style: average connection time, including reconnection",
                       ran_ok(res) + c.report(res, style="current", builtin="tpcb-like",
                                              mode="simple", clients=2, threads=1, tpc=10,
                                              processed=20, connect=True))


def check_current_style(c):
    if not c.pvc:
        return  # the reference already ran everything in this style
    res = c.run(["-c", "2", "-j", "2", "-t", "25"], style="current")
    c.checks.check("--report-style=current: pgbench 15's lines in order, tries 1",
                   ran_ok(res) + c.report(res, style="current", builtin="tpcb-like",
                                          mode="simple", clients=2, threads=2, tpc=25,
                                          processed=50))
    c.checks.check("--report-style=current: percentiles in order", percentile_problems(res.out))
    res = c.run(["-c", "2", "-j", "2", "-t", "25", "--max-tries=3"])
    c.checks.check("--max-tries=3 accepted (seed style)", ran_ok(res))
    res = c.run(["-c", "2", "-j", "2", "-t", "25", "--max-tries=3"], style="current")
    c.checks.check("--max-tries=3, current style: `maximum number of tries: 3` and pgbench "
                   "15's retry lines",
                   ran_ok(res) + c.report(res, style="current", builtin="tpcb-like",
                                          mode="simple", clients=2, threads=2, tpc=25,
                                          processed=50, max_tries=3))


PGBENCH_JSON_KEYS = ["transaction_type", "builtin", "scale", "query_mode", "clients", "threads",
                     "transactions_per_client", "duration_s", "processed", "expected", "failed",
                     "retried", "clients_not_connected", "clients_aborted",
                     "tps_including_connections", "tps_excluding_connections",
                     "initial_connection_time_ms"]


def lat_problems(lat, n, what):
    bad = ["%s: no %r" % (what, k) for k in ("mean", "stddev", "min", "max", "N", "percentile")
           if k not in lat]
    if bad:
        return bad
    if lat["N"] != n:
        bad.append("%s.N %r, want %d" % (what, lat["N"], n))
    if not lat["min"] <= lat["mean"] <= lat["max"]:
        bad.append("%s min/mean/max out of order: %r" % (what, [lat[k] for k in
                                                                ("min", "mean", "max")]))
    pct = lat["percentile"]
    bad += ["%s.percentile has no %r" % (what, k) for k in
            ("50.000000", "90.000000", "99.000000", "99.900000") if k not in pct]
    vals = [pct[k] for k in sorted(pct, key=float)]
    if vals != sorted(vals):
        bad.append("%s percentiles not monotonic: %r" % (what, pct))
    elif vals and not (lat["min"] <= vals[0] and vals[-1] <= lat["max"]):
        bad.append("%s percentiles outside min..max: %r" % (what, pct))
    return bad


def json_problems(doc, hist, clients, tpc):
    """The spec's JSON: fio's shape, one job "pgbench" with a txn op object and a pgbench
    object, whose counts agree with the history table."""
    bad = ["no top-level %r" % k for k in ("fio version", "timestamp", "jobs") if k not in doc]
    jobs = doc.get("jobs")
    if not isinstance(jobs, list) or len(jobs) != 1:
        return bad + ["jobs is %r, want a list of one job" % type(jobs).__name__]
    job = jobs[0]
    if job.get("jobname") != "pgbench":
        bad.append("jobname %r" % job.get("jobname"))
    txn = job.get("txn")
    if not isinstance(txn, dict):
        return bad + ["no txn object"]
    if txn.get("total_ios") != hist:
        bad.append("txn.total_ios %r, the history table has %d rows" % (txn.get("total_ios"),
                                                                        hist))
    if txn.get("io_bytes") != 0:
        bad.append("txn.io_bytes %r, want 0" % txn.get("io_bytes"))
    if txn.get("errors") != 0:
        bad.append("txn.errors %r, want 0" % txn.get("errors"))
    if not (isinstance(txn.get("iops"), (int, float)) and txn["iops"] > 0):
        bad.append("txn.iops %r" % txn.get("iops"))
    # as in fio's JSON, the percentiles are in clat_ns; lat_ns is the same measurement
    if not isinstance(txn.get("clat_ns"), dict):
        bad.append("no txn.clat_ns")
    else:
        bad += lat_problems(txn["clat_ns"], hist, "txn.clat_ns")
    lat = txn.get("lat_ns")
    if not isinstance(lat, dict) or lat.get("N") != hist or \
            lat.get("mean") != txn.get("clat_ns", {}).get("mean"):
        bad.append("txn.lat_ns %r is not the same measurement as clat_ns" % (lat,))
    pg = job.get("pgbench")
    if not isinstance(pg, dict):
        return bad + ["no pgbench object"]
    bad += ["pgbench.%s missing" % k for k in PGBENCH_JSON_KEYS if k not in pg]
    want = {"processed": hist, "expected": clients * tpc, "clients": clients,
            "transactions_per_client": tpc, "failed": 0, "clients_not_connected": 0,
            "clients_aborted": 0, "query_mode": "simple", "builtin": "tpcb-like",
            "transaction_type": "<builtin: TPC-B (sort of)>", "scale": 1}
    bad += ["pgbench.%s = %r, want %r" % (k, pg[k], v) for k, v in want.items()
            if k in pg and pg[k] != v]
    if "lag_mean_ms" in pg or "lag" in job:
        bad.append("schedule lag reported without -R")
    # the time series is in the envelope's "series" array, one entry per run
    entries = doc.get("series")
    if not isinstance(entries, list) or len(entries) != 1:
        return bad + ["top-level series is %r, want a list of one run" % (entries,)]
    if entries[0].get("jobname") != "pgbench" or entries[0].get("groupid") != 0:
        bad.append("series entry names %r group %r, want pgbench group 0"
                   % (entries[0].get("jobname"), entries[0].get("groupid")))
    if "series" in job:
        bad.append("the job still carries a series of its own")
    bad += series_problems(entries[0].get("series"), hist)
    return bad


def series_problems(series, total):
    """The per-interval points: a list, or (as pvcbench's block results) an object with
    interval_ms and a points list; their transactions add up to the total."""
    points = series.get("points") if isinstance(series, dict) else series
    if not isinstance(points, list) or not points:
        return ["no series points in the job: %r" % (series,)]
    ops = [p.get("txn", {}).get("ops") if isinstance(p, dict) else None for p in points]
    if None in ops:
        return ["series points without txn.ops: %r" % points[:2]]
    if sum(ops) != total:
        return ["series points add up to %d transactions, total_ios is %d" % (sum(ops), total)]
    return []


def check_json(c):
    if not c.pvc:
        return
    res = c.run(["-c", "2", "-j", "2", "-t", "25", "--output-format=json"])
    c.checks.check("--output-format=json: exit status 0", ran_ok(res))
    try:
        doc = json.loads(res.out)
    except ValueError as e:
        c.checks.check("--output-format=json: stdout is one JSON document",
                       ["%s; stdout starts %r" % (e, res.out[:300])])
        doc = None
    if doc is not None:
        c.checks.check("--output-format=json: stdout is one JSON document", [])
        c.checks.check("--output-format=json: fields and counts (total_ios = history rows)",
                       json_problems(doc, history_count(c.srv), 2, 25))

    # under -R (docs/pgbench.md): a "lag" operation beside "txn", one sample per processed
    # transaction, and its mean and max in the pgbench object
    res = c.run(["-R", "200", "-T", "2", "-c", "2", "--output-format=json"])
    try:
        job = json.loads(res.out)["jobs"][0]
        pg, lag, txn = job["pgbench"], job.get("lag"), job["txn"]
        bad = []
        if not isinstance(lag, dict) or lag.get("total_ios") != txn.get("total_ios"):
            bad.append("lag operation %r does not count txn's %r transactions"
                       % (lag and lag.get("total_ios"), txn.get("total_ios")))
        for k in ("lag_mean_ms", "lag_max_ms", "rate_tps"):
            if not isinstance(pg.get(k), (int, float)):
                bad.append("pgbench.%s is %r" % (k, pg.get(k)))
        if not bad and not 0 <= pg["lag_mean_ms"] <= pg["lag_max_ms"]:
            bad.append("lag mean %r above max %r" % (pg["lag_mean_ms"], pg["lag_max_ms"]))
        if not bad and abs(lag["clat_ns"]["max"] / 1e6 - pg["lag_max_ms"]) > 0.001:
            bad.append("lag.clat_ns.max %r ns vs pgbench.lag_max_ms %r"
                       % (lag["clat_ns"]["max"], pg["lag_max_ms"]))
    except (ValueError, LookupError, TypeError) as e:
        bad = ["no pgbench object in one JSON document: %r" % e] + res.show()
    c.checks.check("-R 200 --output-format=json: the lag operation and lag_mean_ms/lag_max_ms",
                   bad)

    tmp = tempfile.mkdtemp(prefix="pvcbench-pgjson.", dir="/var/tmp")
    try:
        path = os.path.join(tmp, "result.json")
        res = c.run(["-c", "2", "-j", "2", "-t", "25", "--output-format=json",
                     "--output=" + path])
        c.checks.check("--output=FILE: exit status 0", ran_ok(res))
        try:
            with open(path) as f:
                fdoc = json.load(f)
            bad = json_problems(fdoc, history_count(c.srv), 2, 25)
        except (OSError, ValueError) as e:
            bad = ["%s: %s" % (path, e)]
        c.checks.check("--output=FILE: the file holds the JSON document", bad)
        c.checks.check("--output=FILE: the text report on stdout",
                       c.report(res, builtin="tpcb-like", mode="simple", clients=2, threads=2,
                                tpc=25, processed=50))
        c.checks.check("--output=FILE: nothing else left beside it",
                       sorted(os.listdir(tmp)) == ["result.json"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


HEADER_PREFIXES = ("transaction type:", "scaling factor:", "query mode:", "number of clients:",
                   "number of threads:", "maximum number of tries:",
                   "number of transactions per client:",
                   "number of transactions actually processed:")


def check_like_pgbench(c, pgbench):
    """The same run by pgbench 15 and by the binary in pgbench 15's style: the same header."""
    args = ["-t", "200", "-c", "2", "-j", "1", "-S"]
    ref = pgbench.run(args, env=c.srv.env(), timeout=RUN_TIMEOUT)
    res = c.run(args, style="current")
    if not c.checks.check("-S -t 200 -c 2 -j 1: both exit 0", ran_ok(ref) + ran_ok(res)):
        return
    head = [ln for ln in pgreport.report_lines(ref, pgbench) if ln.startswith(HEADER_PREFIXES)]
    mine = [ln for ln in c.lines(res) if ln.startswith(HEADER_PREFIXES)]
    c.checks.check("-S -t 200 -c 2 -j 1: header lines as pgbench 15's",
                   [] if head == mine and len(head) == len(HEADER_PREFIXES)
                   else ["pgbench: %r" % head, "this:    %r" % mine])


def check_sigterm(c):
    if not c.pvc:
        return  # pgbench dies of SIGTERM without a report
    argv = c.bench.argv(["-T", "30", "-c", "2", "-j", "2"])
    res, after, alive = run_signalled(argv, signal.SIGTERM, 3.0, timeout=20, env=c.srv.env())
    bad = [] if alive else ["the run had ended before the signal"]
    if res.timed_out:
        bad.append("still running 20 s after SIGTERM: killed")
    elif res.rc < 0:
        bad.append("died of signal %d instead of handling it" % -res.rc)
    elif res.rc != 128 + signal.SIGTERM:
        # the spec is silent; pvcbench's README: 128 + the signal after a stop by a signal
        bad.append("exit status %d, want 143 (pvcbench's convention)" % res.rc)
    if after > 3.0:
        bad.append("exited %.2f s after the signal" % after)
    c.checks.check("SIGTERM 3 s into -T 30: exit status 143 within 3 s", bad
                   + (res.show() if bad else []))
    got, _ = processed(res.out)
    hist = history_count(c.srv)
    c.checks.check("SIGTERM: the report is printed, processed %r > 0, history %d rows"
                   % (got, hist),
                   [] if got and got <= hist <= got + 2 else res.show())
    c.checks.check("SIGTERM: the report has the percentiles line", percentile_problems(res.out))


def main():
    checks = Checks()
    bench = require_bench(checks)
    bindir = server_bindir()
    ref_path = os.path.join(bindir, "pgbench") if bindir else None
    if not ref_path or not os.access(ref_path, os.X_OK):
        checks.skip("the reference pgbench is not in the server's directory %s" % bindir)
    pgbench = Bench(ref_path)
    with PgServer(checks, settings=SETTINGS) as srv:
        # the database comes from the reference, so a broken -i does not fail these tests
        r = pgbench.run(["-i", "-s", "1", "-q"], env=srv.env(), timeout=120)
        if r.rc != 0:
            raise RuntimeError("pgbench -i failed:\n" + "\n".join(r.show()))
        c = Ctx(checks, bench, srv)
        checks.section(check_builtins, c)
        checks.section(check_option_forms, c)
        checks.section(check_no_vacuum_and_scale, c)
        checks.section(check_duration, c)
        checks.section(check_progress, c)
        checks.section(check_rate, c)
        checks.section(check_connect, c)
        checks.section(check_current_style, c)
        checks.section(check_json, c)
        checks.section(check_like_pgbench, c, pgbench)
        checks.section(check_sigterm, c)
    checks.finish()


if __name__ == "__main__":
    main()
