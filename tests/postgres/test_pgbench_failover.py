#!/usr/bin/env python3
"""test_pgbench_failover.py - `pvcbench pgbench` survives a server that stops, crashes and
comes back, measures the outage, and proves with --check that nothing acknowledged was lost.

Against a real server of its own (tests/lib/pgserver.py; fsync=off, since the OS itself never
crashes here, but synchronous_commit on: an acknowledged COMMIT must survive the server's own
crash, and with it off the check rightly fails):
  - outage accuracy: a -T run with -c 4 -j 2; mid-run the server is stopped (pg_ctl stop -m
    fast -w) and started again (pg_ctl start -W) 3.0 s after the stop returned. The clients
    lose the server from the stop call until it accepts connections again (its postmaster.pid
    status turns "ready", watched every 2 ms): the run's stall must be that long within 0.1 s
    and name the SQLSTATEs of the lost transactions; -P's
    progress lines go on through the outage and the runner's live notice says "stalled";
  - crash recovery: pg_ctl restart -m immediate in the middle of a -T run with --check: the run
    goes on to its end, the outage is reported, the invariant and the acknowledged count hold,
    exit 0;
  - --on-error=abort keeps pgbench's behaviour: the clients abort, "Run was aborted", exit 2;
  - what a lost session costs, made certain with pg_terminate_backend(pg_backend_pid()) in a
    script: inside a transaction block, a failed transaction; as a statement of its own (whose
    answer would have acknowledged it), one in doubt;
  - --check fails loudly (exit 2) when the invariant is broken on purpose, and passes again
    once it is repaired; a clean run prints none of the failover lines; --check refuses
    another script (exit 1, one line); SIGINT ends a --check run within 2 s, results written
    and the check not made (exit 130);
  - --timeout: the server stopped for good: the run ends within the timeout (+ 2 s), with the
    failures counted and the results (text and JSON) written.

Usage: python3 test_pgbench_failover.py PATH_TO_PVCBENCH
"""
import json
import os
import re
import signal
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pgserver import Checks, PgServer, require_bench  # noqa: E402
from runs import Event, at, ran_ok, run_signalled, run_with_events  # noqa: E402

SETTINGS = {"fsync": "off", "full_page_writes": "off"}
TOLERANCE = 0.1  # s: the accuracy goal
SQLSTATE_RE = re.compile(r"^[0-9A-Z]{5}$")
FAILOVER_LINES = ("stalls (", "transactions failed with their connection",
                  "transactions in doubt", "reconnections:", "check:")


class Outage:
    """Times (monotonic) of what was done to the server, filled in by the event actions."""

    def __init__(self, srv):
        self.srv = srv
        self.stop = self.start = self.restart = self.ready = None

    def stop_server(self, proc):
        self.stop = self.srv.timed_pg_ctl("-m", "fast", "-w", "stop")

    def start_server(self, proc):
        self.start = self.srv.timed_pg_ctl("-w", "-t", "60", "start")

    def start_server_watched(self, proc):
        """pg_ctl start without waiting, then the moment the postmaster says it accepts
        connections (its postmaster.pid status line turns "ready"), read every 2 ms: pg_ctl's
        own wait polls every 100 ms, too coarse to judge a 0.1 s accuracy."""
        called = time.monotonic()
        r = self.srv.pg_ctl("-W", "start")
        pidfile = os.path.join(self.srv.data, "postmaster.pid")
        ready = None
        while time.monotonic() - called < 60:
            try:
                with open(pidfile) as f:
                    lines = f.read().split("\n")
                if len(lines) > 7 and lines[7].strip() == "ready":
                    ready = time.monotonic()
                    break
            except OSError:
                pass
            time.sleep(0.002)
        self.start = (r, called, ready if ready is not None else time.monotonic())
        self.ready = ready

    def restart_server(self, proc):
        self.restart = self.srv.timed_pg_ctl("-m", "immediate", "-w", "restart")


def json_job(path):
    with open(path) as f:
        return json.load(f)["jobs"][0]


def run_json(bench, srv, args, events, timeout, tmp, name):
    """A run with JSON into tmp/name.json (the text report on stdout as well)."""
    out = os.path.join(tmp, name + ".json")
    argv = bench.argv(list(args) + ["--output-format=json", "--output=" + out])
    return run_with_events(argv, events, timeout=timeout, env=srv.env()), out


def outage_accuracy(checks, bench, srv, tmp):
    o = Outage(srv)
    # the stop at 3 s; the start 3.0 s after the stop returned (the action runs in the
    # test's loop, so the second event waits for the first to return)
    events = [Event("stop", at(3.0), o.stop_server),
              Event("start", lambda el, out, fired: "stop" in fired and
                    time.monotonic() - o.stop[2] >= 3.0, o.start_server_watched)]
    res, path = run_json(bench, srv, ["-T", "9", "-c", "4", "-j", "2", "-P", "1"], events,
                         60, tmp, "accuracy")
    if not checks.check("outage run: exit 0", ran_ok(res)):
        return
    stop_r, stop_called, stop_returned = o.stop
    start_r, start_called, start_returned = o.start
    checks.check("pg_ctl stop and start worked", stop_r.rc == 0 and start_r.rc == 0 or
                 stop_r.show() + start_r.show())
    certain = start_called - stop_returned
    # the outage the clients saw: from the stop (their sessions end) to the moment the
    # server accepts connections again (start_returned: when its status said "ready")
    injected = start_returned - stop_called
    job = json_job(path)
    stalls = job["stalls"]["list"]
    lengths = [s["length_ms"] / 1000 for s in stalls]
    checks.note("injected outage: %.3f s from the stop call to the server's ready (down for "
                "certain %.3f s); reported stalls %s s"
                % (injected, certain, ", ".join("%.3f" % x for x in lengths) or "none"))
    lo, hi = injected - TOLERANCE, injected + TOLERANCE
    inside = [s for s in stalls if lo <= s["length_ms"] / 1000 <= hi]
    checks.check("one stall of the injected length (within [%.3f, %.3f] s)" % (lo, hi),
                 o.ready is not None and len(stalls) == 1 and len(inside) == 1 or
                 ["stalls: %r" % stalls])
    if stalls:
        causes = stalls[0]["causes"]
        checks.check("the stall's causes are SQLSTATEs (%s) and count its failures"
                     % ", ".join(sorted(causes)),
                     bool(causes) and all(SQLSTATE_RE.match(c) for c in causes) and
                     sum(causes.values()) == stalls[0]["failures"] or ["causes %r" % causes])
    pg = job["pgbench"]
    by_state = pg["connection_failures_by_sqlstate"]
    # each of the 4 clients was in a transaction when its session ended: it lost that one
    checks.check("JSON: one lost transaction per client, by SQLSTATE, reconnections (%d failed "
                 "%r, %d in doubt, %d reconnections)" % (pg["connection_failures"], by_state,
                                               pg["in_doubt"], pg["reconnections"]),
                 pg["connection_failures"] + pg["in_doubt"] == 4 and
                 sum(by_state.values()) == pg["connection_failures"] and
                 pg["reconnections"] >= 4 and pg["processed"] > 0)
    checks.check("text: the stall and the lost transactions after pgbench's lines",
                 re.search(r"(?m)^  stalls \(no operation completed for 1\.0s or more\): 1,",
                           res.out) is not None and
                 "reconnections: " in res.out or res.show(40))
    # -P 1 goes on through the outage: a line per second, some with nothing done
    progress = re.findall(r"(?m)^progress: ([0-9.]+) s, ([0-9.]+) tps", res.err)
    idle = [t for t, tps in progress if float(tps) == 0.0]
    checks.check("-P 1: progress lines all through the run (%d), %d of them during the outage"
                 % (len(progress), len(idle)),
                 len(progress) >= 8 and len(idle) >= 2 or res.show(40))
    checks.check("the runner's live notice on stderr",
                 re.search(r"pvcbench: stalled [0-9.]+s: no operation completed", res.err)
                 is not None or res.show(40))


def crash_recovery(checks, bench, srv, tmp):
    o = Outage(srv)
    # -M prepared: a new session must prepare its statements again
    res, path = run_json(bench, srv, ["-T", "6", "-c", "4", "-j", "2", "-M", "prepared",
                                      "--check", "--stall-threshold=200ms"],
                         [Event("restart", at(2.5), o.restart_server)], 60, tmp, "crash")
    checks.check("crash (restart -m immediate, -M prepared): the run goes on to its end, exit 0",
                 ran_ok(res))
    restart_r, called, returned = o.restart
    checks.check("pg_ctl restart -m immediate worked", restart_r.rc == 0 or restart_r.show())
    job = json_job(path)
    pg = job["pgbench"]
    chk = pg.get("check", {})
    checks.note("restart took %.3f s; check: %d history rows added, %d acknowledged, %d in "
                "doubt; %d failed, %d reconnections"
                % (returned - called, chk.get("history_rows_added", -1),
                   chk.get("acknowledged", -1), chk.get("in_doubt", -1),
                   pg["connection_failures"], pg["reconnections"]))
    checks.check("--check: invariant and acknowledged count hold",
                 chk.get("ok") and chk.get("invariant_ok") and chk.get("count_ok") and
                 chk["acknowledged"] == pg["processed"] > 0 or [repr(chk)] + res.show(40))
    checks.check("text: both check lines say ok",
                 len(re.findall(r"(?m)^check: .*: ok$", res.out)) == 2 or res.show(40))
    stalls = job["stalls"]["list"]
    checks.check("the outage is reported (%s)" % ", ".join("%.3f s" % (s["length_ms"] / 1000)
                                                           for s in stalls),
                 len(stalls) >= 1 and pg["reconnections"] >= 4 or [repr(job["stalls"])])


def abort_keeps_pgbench(checks, bench, srv, tmp):
    o = Outage(srv)
    events = [Event("stop", at(2.0), o.stop_server),
              Event("start", lambda el, out, fired: "stop" in fired, o.start_server)]
    res = run_with_events(bench.argv(["-T", "8", "-c", "2", "-j", "1", "--on-error=abort"]),
                          events, timeout=60, env=srv.env())
    bad = res.crash_problems()
    if res.rc != 2:
        bad.append("exit status %s, want 2 (pgbench's: errors during the run)" % res.rc)
    if len(re.findall(r"(?m)^pvcbench pgbench: error: client \d+ .*abort", res.err)) != 2:
        bad.append("want one abort line per client")
    if "Run was aborted; the above results are incomplete." not in res.err:
        bad.append("no \"Run was aborted\" line")
    if "number of transactions actually processed" not in res.out:
        bad.append("no report")
    if "reconnections:" in res.out or res.wall > 7.5:
        bad.append("the clients did not abort (they reconnected, or the run lasted %.1f s)"
                   % res.wall)
    checks.check("--on-error=abort: the clients abort as pgbench's do, exit 2",
                 bad + (res.show(30) if bad else []))


def lost_transaction_kinds(checks, bench, srv, tmp):
    """A session the server ends in the middle of a transaction block loses a failed
    transaction; one it ends while a statement outside a block runs (that statement is its
    own transaction: its answer would have acknowledged it) loses one in doubt."""
    kill = "SELECT pg_terminate_backend(pg_backend_pid());\n"
    for name, text, failed, in_doubt in (("implicit", kill, 0, 3),
                                         ("block", "BEGIN;\n" + kill + "END;\n", 3, 0)):
        script = os.path.join(tmp, name + ".sql")
        with open(script, "w") as f:
            f.write(text)
        res, path = run_json(bench, srv, ["-n", "-t", "3", "-c", "1", "-f", script], [], 60,
                             tmp, name)
        bad = ran_ok(res)
        if not bad:
            pg = json_job(path)["pgbench"]
            got = (pg["connection_failures"], pg["in_doubt"], pg["reconnections"],
                   pg["processed"])
            if got != (failed, in_doubt, 3, 0):
                bad = ["failed, in doubt, reconnections, processed = %r, want %r"
                       % (got, (failed, in_doubt, 3, 0))] + res.show()
        checks.check("the server ends the session %s: %d failed, %d in doubt, 3 reconnections"
                     % ("at a statement outside a block" if in_doubt else
                        "inside a transaction block", failed, in_doubt), bad)


def check_can_fail(checks, bench, srv, tmp):
    env = srv.env()
    res = bench.run(["-t", "20", "-c", "2"], env=env)
    extra = [line for line in res.out_lines if line.strip().startswith(FAILOVER_LINES)]
    checks.check("a clean run prints none of the failover lines", ran_ok(res) + extra)
    srv.psql("UPDATE pgbench_branches SET bbalance = bbalance + 7 WHERE bid = 1")
    res = bench.run(["-t", "20", "-c", "2", "--check"], env=env)
    bad = res.crash_problems()
    if res.rc != 2:
        bad.append("exit status %s, want 2" % res.rc)
    if "CHECK FAILED" not in res.err:
        bad.append("no loud CHECK FAILED on stderr")
    if not re.search(r"(?m)^check: sum\(abalance\).*: FAILED$", res.out):
        bad.append("the invariant's check line does not say FAILED")
    checks.check("--check with one balance broken on purpose: fails loudly, exit 2",
                 bad + (res.show(30) if bad else []))
    srv.psql("UPDATE pgbench_branches SET bbalance = bbalance - 7 WHERE bid = 1")
    res = bench.run(["-t", "20", "-c", "2", "--check"], env=env)
    checks.check("--check after the repair: passes, exit 0",
                 ran_ok(res) or len(re.findall(r"(?m)^check: .*: ok$", res.out)) == 2 or
                 res.show(30))
    res = bench.run(["-t", "5", "-S", "--check"], env=env)
    lines = [line for line in res.err_lines if line.strip()]
    checks.check("--check with select-only: refused, one line, exit 1",
                 res.rc == 1 and len(lines) == 1 and "--check" in lines[0] or res.show())


def check_after_signal(checks, bench, srv, tmp):
    """SIGINT ends a --check run at once, with its results and no check (exit 128 + 2)."""
    res, stop_s, alive = run_signalled(bench.argv(["-T", "30", "-c", "2", "--check"]),
                                       signal.SIGINT, 2.0, timeout=20, env=srv.env())
    bad = res.crash_problems()
    if not alive:
        bad.append("the run had ended before the signal")
    if res.rc != 130:
        bad.append("exit status %s, want 130" % res.rc)
    if stop_s > 2.0:
        bad.append("took %.1f s after SIGINT, want at most 2 s" % stop_s)
    if "number of transactions actually processed" not in res.out or \
            "check: not made: the run was stopped by a signal" not in res.out:
        bad.append("no report, or no line saying the check was not made")
    checks.check("SIGINT during a --check run: results written, no check, exit 130 (%.2f s)"
                 % stop_s, bad + (res.show(30) if bad else []))


def timeout_bounds_reconnection(checks, bench, srv, tmp):
    o = Outage(srv)
    res, path = run_json(bench, srv, ["-T", "30", "-c", "4", "-j", "2", "--timeout=3"],
                         [Event("stop", at(2.0), o.stop_server)], 40, tmp, "timeout")
    # the run's end, measured from the stop's return: run_with_events counts from the start
    ended = res.wall - res.fired["stop"]
    bad = res.crash_problems()
    if res.rc != 2:
        bad.append("exit status %s, want 2 (clients aborted)" % res.rc)
    if ended > 3 + 2:
        bad.append("ended %.1f s after the stop, want at most --timeout + 2 s" % ended)
    if "could not reconnect in 3 s (--timeout)" not in res.err:
        bad.append("no message saying the clients could not reconnect in time")
    if "transactions failed with their connection: " not in res.out:
        bad.append("the lost transactions are not in the text report")
    try:
        job = json_job(path)
        if job["pgbench"]["connection_failures"] + job["pgbench"]["in_doubt"] < 1:
            bad.append("JSON counts no lost transaction")
        if job["stalls"]["open"] != 1:
            bad.append("JSON: the run should end inside an open stall")
    except (OSError, ValueError, KeyError) as e:
        bad.append("no JSON results: %s" % e)
    checks.note("server stopped for good: the run ended %.2f s after pg_ctl stop returned"
                % ended)
    checks.check("--timeout=3: the run ends in time, failures counted, results written",
                 bad + (res.show(30) if bad else []))


def main():
    checks = Checks()
    bench = require_bench(checks)
    if bench.reference:
        checks.skip("pvcbench's own options (--on-error, --check): nothing to compare")
    with PgServer(checks, settings=SETTINGS) as srv, \
            tempfile.TemporaryDirectory(prefix="pvcbench-failover.") as tmp:
        res = bench.run(["-i", "-s", "1", "-q"], env=srv.env(), timeout=120)
        if not checks.check("pgbench -i -s 1", ran_ok(res)):
            checks.finish()
        for section in (outage_accuracy, crash_recovery, abort_keeps_pgbench,
                        lost_transaction_kinds, check_can_fail, check_after_signal,
                        timeout_bounds_reconnection):
            checks.section(section, checks, bench, srv, tmp)
    checks.finish()


if __name__ == "__main__":
    main()
