#!/usr/bin/env python3
"""test_pgbench_tap.py - PostgreSQL's own pgbench test cases (tap_cases.py: REL_15_STABLE's
t/001_pgbench_with_server.pl and t/002_pgbench_no_server.pl, one row each) against a real
server of its own, as the .pl files run them: the exit status, regexes on stdout and stderr,
and the checks after the run (tables, the server's log, -l's files).

Each case's result is printed, then the share that held. Against pvcbench the test fails when
a case fails that docs/pgbench.md's "cases that do not hold" list does not name, when a listed
case holds (the list must stay true), or when fewer than 95% hold. Against the real pgbench
(the reference) every case must hold: that proves the table.

Usage: python3 test_pgbench_tap.py PATH_TO_PVCBENCH (or /usr/lib/postgresql/15/bin/pgbench)
"""
import os
import pwd
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
from pgserver import Checks, PgServer, client_base_env, require_bench, run  # noqa: E402
import tap_cases  # noqa: E402

DOC = os.path.join(HERE, "..", "..", "docs", "pgbench.md")
GOAL = 0.95
CASE_TIMEOUT = 120
SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def listed_cases():
    """The names in docs/pgbench.md's "cases that do not hold" section: each list item starts
    with one or more `name`s, then a colon and the reason."""
    names, inside = set(), False
    with open(DOC) as f:
        for line in f:
            if line.startswith("#"):
                inside = "cases that do not hold" in line.lower()
                continue
            # "- `name`, `name`: reason": every name before the colon
            m = re.match(r"\s*[-*] ((?:`[^`]+`(?:, )?)+):", line)
            if inside and m:
                names.update(re.findall(r"`([^`]+)`", m.group(1)))
    return names


def write_files(case, casedir):
    """The case's scripts as -f arguments: 001 keeps @W on the command line, 002 drops it."""
    args = []
    for fn in sorted(case.get("files", {})):
        path = os.path.join(casedir, fn)
        plain = re.sub(r"@\d+$", "", path)
        with open(plain, "w") as f:
            f.write(case["files"][fn])
        args += ["-f", path if case.get("server", True) else plain]
    return args


def apply_conf(srv, conf):
    for k, v in conf.items():
        srv.psql("ALTER SYSTEM SET %s = %s" % (k, v), db="postgres")
    srv.psql("SELECT pg_reload_conf()", db="postgres")
    # the backends read the reloaded file at their next command: a fresh connection waits
    srv.psql("SELECT 1", db="postgres")


def server_log(srv):
    with open(srv.log, errors="replace") as f:
        return f.read()


def after_checks(case, srv, casedir):
    bad = []
    for chk in case.get("checks", []):
        if chk[0] == "sql":
            rows = "\n".join("|".join(r) for r in srv.psql(chk[1]))
            if not re.search(chk[2], rows):
                bad.append("rows of %r do not match /%s/:\n%s" % (chk[1], chk[2], rows))
        elif chk[0] == "log":
            found = re.search(chk[1], server_log(srv)) is not None
            if found != chk[2]:
                bad.append("server log %s /%s/" % ("lacks" if chk[2] else "has", chk[1]))
        elif chk[0] == "logs":
            _, prefix, nb, lo, hi, line_re = chk
            files = sorted(f for f in os.listdir(casedir) if f.startswith(prefix + "."))
            if len(files) != nb:
                bad.append("%d log files %s.*, want %d" % (len(files), prefix, nb))
            for f in files:
                if not re.fullmatch(re.escape(prefix) + r"\.\d+(\.\d+)?", f):
                    bad.append("log file name %s is not PREFIX.PID[.THREAD]" % f)
                with open(os.path.join(casedir, f)) as fh:
                    lines = fh.read().split("\n")
                if lines and lines[-1] == "":
                    lines.pop()
                if not lo <= len(lines) <= hi:
                    bad.append("%s: %d lines, want %d..%d" % (f, len(lines), lo, hi))
                odd = [x for x in lines if not re.search(line_re, x)]
                if odd:
                    bad.append("%s: %d lines do not match /%s/, first %r"
                               % (f, len(odd), line_re, odd[0]))
    return bad


def run_case(bench, srv, case, workdir):
    casedir = tempfile.mkdtemp(prefix="case.", dir=workdir)
    os.chmod(casedir, 0o755)
    if case.get("conf"):
        apply_conf(srv, case["conf"])
    if case.get("before"):
        srv.psql(case["before"])
    args = case["args"].split() + write_files(case, casedir)
    if case.get("extra"):
        args += case["extra"].format(dir=casedir).split()
    if case.get("server", True):
        env = srv.env()
    else:
        env = client_base_env()
    env.update(case.get("env", {}))
    res = bench.run(args, env=env, timeout=CASE_TIMEOUT)
    bad = res.crash_problems()
    if res.rc != case["status"]:
        bad.append("exit status %s, want %d" % (res.rc, case["status"]))
    for stream, text in (("out", res.out), ("err", res.err)):
        for rx in case.get(stream, []):
            if not re.search(rx, text):
                bad.append("std%s does not match /%s/" % (stream, rx))
    bad += after_checks(case, srv, casedir)
    if case.get("after_sql"):
        srv.psql(case["after_sql"])
    return bad + (res.show(12) if bad else [])


def create_tablespace(srv):
    """The .pl's tablespace (partitioned tables cannot name pg_default explicitly)."""
    ts = os.path.join(srv.dir, "regress_pgbench_tap_1_ts_dir")
    os.mkdir(ts)
    pw = pwd.getpwnam("postgres")
    os.chown(ts, pw.pw_uid, pw.pw_gid)
    srv.psql("CREATE TABLESPACE regress_pgbench_tap_1_ts LOCATION '%s'" % ts, db="postgres")


PGBENCH15 = "/usr/lib/postgresql/15/bin/pgbench"


def compare_wording(checks, bench, cases):
    """The no-server cases beside pgbench 15's own stderr, line by line with the program names
    taken out: how many are word for word pgbench's (a note: the cases' regexes are the
    test; this measures how close the rest of each message is)."""
    if bench.reference or not os.access(PGBENCH15, os.X_OK):
        return
    same, differ = 0, []
    for case in cases:
        if case.get("server", True) or case.get("files"):
            continue
        args = case["args"].split()
        ours = bench.run(args, env=client_base_env(), timeout=20)
        ref = run([PGBENCH15] + args, env=client_base_env(), timeout=20)
        strip = re.compile(r"^(pvcbench pgbench|%s|pgbench): " % re.escape(PGBENCH15), re.M)
        a, b = strip.sub("", ours.err), strip.sub("", ref.err)
        if a == b and ours.rc == ref.rc and (ours.out == "") == (ref.out == ""):
            same += 1
        else:
            differ.append("%s: pgbench 15 %r, pvcbench %r"
                          % (case["name"], b.splitlines()[:1], a.splitlines()[:1]))
    checks.note("stderr word for word pgbench 15's (program name aside) in %d of %d "
                "no-server cases; the others:" % (same, same + len(differ)))
    for d in differ:
        checks.note("  " + d)


def main():
    checks = Checks()
    bench = require_bench(checks)
    cases = tap_cases.all_cases()
    listed = set() if bench.reference else listed_cases()
    unknown = listed - {c["name"] for c in cases}
    checks.check("docs/pgbench.md lists only cases of the table", sorted(unknown))
    held, failed_names = 0, []
    workdir = tempfile.mkdtemp(prefix="pvcbench-tap.", dir="/var/tmp")
    os.chmod(workdir, 0o755)
    try:
        # the .pl's server: C locale (PgServer's initdb), a database of the test's own
        with PgServer(checks, dbname="tap", settings=SETTINGS) as srv:
            create_tablespace(srv)
            for case in cases:
                bad = run_case(bench, srv, case, workdir)
                name = case["name"]
                if not bad:
                    held += 1
                else:
                    failed_names.append(name)
                if bench.reference or (not bad and name not in listed):
                    checks.check("case %s: %s" % (name, "holds" if not bad else "fails"),
                                 bad)
                elif bad and name in listed:
                    checks.check("case %s: fails, as docs/pgbench.md says" % name, [])
                    for line in bad[:bad.index(next(x for x in bad
                                                   if x.startswith("command: ")))][:8]:
                        checks.note("    " + line)
                elif bad:
                    checks.check("case %s: fails, and docs/pgbench.md does not list it"
                                 % name, bad)
                else:
                    checks.check("case %s: holds, but docs/pgbench.md lists it as failing"
                                 % name, ["remove it from the list"])
            srv.psql("DROP TABLESPACE IF EXISTS regress_pgbench_tap_1_ts", db="postgres",
                     check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    compare_wording(checks, bench, cases)
    ratio = held / len(cases)
    checks.note("%d of %d cases hold (%.1f%%)" % (held, len(cases), 100 * ratio))
    if failed_names:
        checks.note("failing: " + "; ".join(failed_names))
    goal = 1.0 if bench.reference else GOAL
    checks.check("at least %.0f%% of the cases hold" % (100 * goal),
                 [] if ratio >= goal else ["%.1f%% hold" % (100 * ratio)])
    checks.finish()


if __name__ == "__main__":
    main()
