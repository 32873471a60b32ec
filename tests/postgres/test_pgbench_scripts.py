#!/usr/bin/env python3
"""test_pgbench_scripts.py - custom scripts (-f) run by `pvcbench pgbench` and by the real
pgbench 15 on the same server, side by side: the same rows written, the same debug() lines,
the same messages and exit statuses.

Against a server of its own, on a database initialised at scale 1 by the real pgbench, each
case writes its script files, resets the tables it writes, runs pgbench 15, takes what the
script wrote (rows, stderr's debug and abort lines), resets, runs the binary under test the
same way, and compares. Every case runs in each protocol it allows (simple, extended,
prepared). The cases: \\set over the whole expression language with -D, -s and
--random-seed (values pgbench defines for the same arguments: arithmetic, hash functions with
a seed, permute, CASE...; random() only in its range), \\if chains (nested, \\elif, \\else,
NULL), \\gset and \\aset (prefix, several rows, no row), \\; compounds, \\sleep (with a
variable), \\setshell and \\shell, pipelines (extended and prepared; refused in simple),
several -f with weights (one of weight 0; with --random-seed, each script chosen exactly as
often as by pgbench), serialization failures retried under --max-tries with --verbose-errors'
lines, a 10-statement read/write mix that keeps the TPC-B invariant, the errors that abort a
client (SQL, evaluation, \\gset's row count, an unfinished transaction, a pipeline left
open), and -l's files over two threads.

Usage: python3 test_pgbench_scripts.py PATH_TO_PVCBENCH (or PATH_TO_PGBENCH: both sides are
then the reference, which checks the test itself)
"""
import glob
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pgserver import Bench, Checks, PgServer, require_bench, server_bindir  # noqa: E402
from pgreport import processed  # noqa: E402

SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
RUN_TIMEOUT = 120
MODES = ["simple", "extended", "prepared"]
PREFIX_RE = re.compile(r"^(pvcbench pgbench|pgbench): ")


class Case:
    """One script (or several, with weights) and what it writes.

    scripts: [(text, weight or None)]; args: more options; tables: CREATE TABLE statements
    (dropped and created again before each run); snapshot: the query whose rows both tools
    must leave the same (exact; else only check reads them); modes: the protocols it runs in;
    setup: SQL run after the tables are made; rc: the exit status both must give; check(c, res, rows, mode): more problems of one run.
    """

    def __init__(self, name, scripts, args=(), tables=(), snapshot=None, modes=MODES, rc=0,
                 check=None, stderr_lines=None, exact=True, setup=""):
        self.name, self.scripts, self.args = name, scripts, list(args)
        self.exact, self.setup = exact, setup
        self.tables, self.snapshot, self.modes, self.rc = list(tables), snapshot, modes, rc
        self.check, self.stderr_lines = check, stderr_lines


def table_names(tables):
    return [re.match(r"CREATE TABLE (\w+)", t).group(1) for t in tables]


def reset(srv, case):
    drops = "".join("DROP TABLE IF EXISTS %s; " % n for n in table_names(case.tables))
    srv.psql(drops + "".join(t + "; " for t in case.tables) + case.setup
             + "TRUNCATE pgbench_history")


def script_args(case, tmp):
    args = []
    for i, (text, weight) in enumerate(case.scripts):
        path = os.path.join(tmp, "%s_%d.sql" % (case.name, i))
        with open(path, "w") as f:
            f.write(text)
        args += ["-f", path + ("@%d" % weight if weight is not None else "")]
    return args


def message_lines(err, what):
    """stderr lines saying `what` (debug( or client ...), the program's prefix dropped."""
    out = []
    for line in err.splitlines():
        line = PREFIX_RE.sub("", line)
        if what == "debug" and line.startswith("debug("):
            out.append(line)
        if what == "client" and re.match(r"(error: )?client \d+ ", line):
            out.append(line)
    return sorted(out)


def run_one(c, bench, case, mode, tmp):
    reset(c.srv, case)
    args = ["-n", "-M", mode] + case.args + script_args(case, tmp)
    res = bench.run(args, env=c.srv.env(), timeout=RUN_TIMEOUT)
    rows = sorted(c.srv.psql(case.snapshot)) if case.snapshot else None
    return res, rows


def run_problems(res, rc):
    bad = res.crash_problems()
    if res.rc != rc:
        bad.append("exit status %s, want %d" % (res.rc, rc))
    return bad + (res.show() if bad else [])


def diff_rows(want, got, limit=6):
    if want == got:
        return []
    only_ref = [r for r in want if r not in got][:limit]
    only_got = [r for r in got if r not in want][:limit]
    return ["pgbench wrote %d rows, this %d" % (len(want), len(got))] + \
        ["  only pgbench's: %r" % (r,) for r in only_ref] + \
        ["  only this one's: %r" % (r,) for r in only_got]


def compare_case(c, case):
    for mode in case.modes:
        name = "%s -M %s" % (case.name, mode)
        tmp = tempfile.mkdtemp(prefix="pgb-scripts-")
        try:
            ref, ref_rows = run_one(c, c.pgbench, case, mode, tmp)
            res, rows = run_one(c, c.bench, case, mode, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if not c.checks.check(name + ": pgbench 15 exits %d" % case.rc,
                              run_problems(ref, case.rc)):
            continue
        if not c.checks.check(name + ": exits %d as pgbench 15" % case.rc,
                              run_problems(res, case.rc)):
            continue
        if case.snapshot and case.exact:
            c.checks.check(name + ": the same rows as pgbench 15 (%d)" % len(ref_rows),
                           diff_rows(ref_rows, rows) + ([] if ref_rows else
                                                         ["pgbench wrote no row: a void case"]))
        if case.rc == 0:
            want, _ = processed(ref.out)
            got, _ = processed(res.out)
            c.checks.check(name + ": processed %s as pgbench 15's %s" % (got, want),
                           [] if want is not None and got == want else res.show())
        for what in case.stderr_lines or ():
            want, got = message_lines(ref.err, what), message_lines(res.err, what)
            c.checks.check(name + ": %s lines on stderr as pgbench 15's (%d)" % (what, len(want)),
                           [] if want == got and want else
                           ["pgbench: %r" % want[:6], "this:    %r" % got[:6]])
        if case.check:
            for who, r, rw in (("pgbench 15", ref, ref_rows), ("this", res, rows)):
                c.checks.check(name + ": " + who + ": " + case.check.__doc__,
                               case.check(c, r, rw, mode))


# ---------------------------------------------------------------- the cases

EXPRS = r"""\set x :client_id * 1000 + 7
\set y (:x % 13) * 2 - 1 + abs(-3) + greatest(1, 5, 2) - least(4, 9)
\set h1 hash(:x, 5)
\set h2 hash_fnv1a(:x, 11) + hash_murmur2(:x, 11) % 1000
\set p permute(3, 10, 42) + permute(:x, 1000, 7)
\set d double(:x) / 4 + pi() - sqrt(16) + ln(exp(1.0)) + pow(2, 10)
\set b :x > 5 and not (:y < -100) or false
\set k :kconst * 2 + :scale
\set r random(1, 10) + random_exponential(1, 10, 2.0) * 0 + random_gaussian(1, 10, 2.5) * 0
\set g CASE WHEN :x % 2 = 0 THEN 10 WHEN :x % 3 = 0 THEN 20 ELSE 30 END
\set mx mod(:x, 7) + int(3.7) + (1 << 4) + (255 & 15) + (1 | 2) + (5 # 1) + ~0
\set rs :random_seed
\set z debug(:x + 1)
\set w debug(:d)
INSERT INTO ex VALUES (:client_id, :x, :y, :h1, :h2, :p, :d, :b, :k, :r, :g, :mx, :rs);
"""

BRANCHES = r"""\set m :client_id % 3
\if :m = 0
INSERT INTO br VALUES (:client_id, 'zero');
\elif :m = 1
INSERT INTO br VALUES (:client_id, 'one');
\if :client_id > 100
INSERT INTO br VALUES (:client_id, 'nested-never');
\else
INSERT INTO br VALUES (:client_id, 'nested-else');
\endif
\elif :m = 2
INSERT INTO br VALUES (:client_id, 'two');
\else
INSERT INTO br VALUES (:client_id, 'never');
\endif
\if false
INSERT INTO br VALUES (:client_id, 'false');
\elif null
INSERT INTO br VALUES (:client_id, 'null');
\else
INSERT INTO br VALUES (:client_id, 'else');
\endif
"""

GSET = r"""SELECT :client_id * 10 AS a, 2 AS two
\gset
SELECT 5 AS v \gset p_
SELECT g AS s FROM generate_series(1, 3) g \aset
SELECT 1 AS never WHERE false \aset
INSERT INTO gs VALUES (:client_id, :a, :two, :p_v, :s);
"""

COMPOUND = r"""INSERT INTO cp VALUES (:client_id, 1) \; INSERT INTO cp VALUES (:client_id, 2) \; SELECT 3 AS c3 \gset
SELECT 10 AS x \; SELECT 20 AS y \aset
INSERT INTO cp VALUES (:client_id, :c3 + :x + :y);
"""

SLEEP = r"""\set s 20
\sleep :s ms
\sleep 10000 us
INSERT INTO sl VALUES (:client_id);
"""

SHELL = r"""\setshell n echo 42
\setshell m echo :client_id
\shell true
INSERT INTO sh VALUES (:client_id, :n, :m, :base);
"""

PIPELINE = r"""\startpipeline
INSERT INTO pl VALUES (:client_id, 1);
INSERT INTO pl VALUES (:client_id, 2);
SELECT 1;
\endpipeline
BEGIN;
\startpipeline
INSERT INTO pl VALUES (:client_id, 3);
UPDATE pl SET n = n + 10 WHERE n = 3 AND client = :client_id;
\endpipeline
COMMIT;
"""

MIX10 = r"""\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set tid random(1, 10 * :scale)
\set delta random(-5000, 5000)
BEGIN;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT tbalance FROM pgbench_tellers WHERE tid = :tid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
SELECT bbalance FROM pgbench_branches WHERE bid = :bid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
SELECT count(*) FROM pgbench_tellers WHERE bid = :bid;
END;
"""


RETRY = r"""BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT v FROM hot WHERE k = 1;
\sleep 1 ms
UPDATE hot SET v = v + 1 WHERE k = 1;
END;
"""


VERBOSE_RES = [
    re.compile(r"^client \d+ got an error in command 3 \(SQL\) of script 0; ERROR:  could not "
               r"serialize access due to concurrent update$"),
    re.compile(r"^client \d+ repeats the transaction after the error \(try \d+/1000\)$"),
]


def retried(c, res, rows, mode):
    """--verbose-errors: serialization failures met and retried, said in pgbench 15's lines"""
    lines = [PREFIX_RE.sub("", ln) for ln in res.err.splitlines()]
    return [] if all(any(r.match(ln) for ln in lines) for r in VERBOSE_RES) else res.show()


def slept(c, res, rows, mode):
    """5 transactions of 30 ms of sleep each take at least 0.15 s"""
    return [] if res.wall >= 0.15 else ["ran %.3f s" % res.wall]


def weights_hold(c, res, rows, mode):
    """400 rows; weight 0 never runs; b (weight 3) runs 2-4.5 times as often as a (weight 1)"""
    n = dict((k, int(v)) for k, v in rows)
    a, b, z = n.get("a", 0), n.get("b", 0), n.get("zero", 0)
    bad = []
    if a + b + z != 400:
        bad.append("%d rows, want 400" % (a + b + z))
    if z:
        bad.append("the script of weight 0 ran %d times" % z)
    if not a or not 2.0 <= b / a <= 4.5:
        bad.append("b/a = %d/%d, want about 3" % (b, a))
    return bad


def tpcb_invariant(c, res, rows, mode):
    """the history has a row per transaction and the balances moved by its deltas"""
    (hist, delta, da, dt, db), = [tuple(int(x) for x in r) for r in rows]
    got, _ = processed(res.out)
    bad = []
    if hist != got or got != 200:
        bad.append("history %d rows, processed %s, want 200" % (hist, got))
    if not (da - c.base[0] == dt - c.base[1] == db - c.base[2] == delta):
        bad.append("balances moved %d, %d, %d; history deltas %d"
                   % (da - c.base[0], dt - c.base[1], db - c.base[2], delta))
    c.base = (da, dt, db)
    return bad


CASES = [
    Case("exprs", [(EXPRS, None)], ["-t", "3", "-c", "3", "-D", "kconst=21", "-s", "5",
                                    "--random-seed=7"],
         ["CREATE TABLE ex (client int, x bigint, y bigint, h1 bigint, h2 bigint, p bigint, "
          "d float8, b bool, k bigint, r bigint, g bigint, mx bigint, rs bigint)"],
         "SELECT client, x, y, h1, h2, p, d, b, k, r BETWEEN 1 AND 10, g, mx, rs FROM ex",
         stderr_lines=["debug"]),
    Case("branches", [(BRANCHES, None)], ["-t", "2", "-c", "4"],
         ["CREATE TABLE br (client int, what text)"], "SELECT client, what FROM br"),
    Case("gset", [(GSET, None)], ["-t", "2", "-c", "2"],
         ["CREATE TABLE gs (client int, a int, two int, v int, s int)"],
         "SELECT * FROM gs"),
    # several queries in one command: the simple protocol's (the others refuse them, both)
    Case("compound", [(COMPOUND, None)], ["-t", "2", "-c", "2"],
         ["CREATE TABLE cp (client int, n int)"], "SELECT * FROM cp", modes=["simple"]),
    Case("compound-refused", [(COMPOUND, None)], ["-t", "2", "-c", "1"],
         ["CREATE TABLE cp (client int, n int)"], None, modes=["extended"], rc=2,
         stderr_lines=["client"]),
    Case("sleep", [(SLEEP, None)], ["-t", "5", "-c", "2"], ["CREATE TABLE sl (client int)"],
         "SELECT * FROM sl", check=slept),
    Case("shell", [(SHELL, None)], ["-t", "2", "-c", "2", "-D", "base=500"],
         ["CREATE TABLE sh (client int, n int, m int, base int)"], "SELECT * FROM sh"),
    Case("pipeline", [(PIPELINE, None)], ["-t", "3", "-c", "2"],
         ["CREATE TABLE pl (client int, n int)"], "SELECT * FROM pl",
         modes=["extended", "prepared"]),
    Case("pipeline-simple", [(PIPELINE, None)], ["-t", "1", "-c", "1"],
         ["CREATE TABLE pl (client int, n int)"], None, modes=["simple"], rc=2,
         stderr_lines=["client"]),
    Case("weights", [("INSERT INTO wt VALUES ('a');\n", 1), ("INSERT INTO wt VALUES ('b');\n", 3),
                     ("INSERT INTO wt VALUES ('zero');\n", 0)],
         ["-t", "200", "-c", "2"], ["CREATE TABLE wt (name text)"],
         "SELECT name, count(*) FROM wt GROUP BY name", check=weights_hold, exact=False),
    # concurrent updates of one row under REPEATABLE READ: serialization failures, all retried
    # (--max-tries), so every transaction counts once
    Case("retries", [(RETRY, None)], ["-t", "20", "-c", "4", "--max-tries=1000", "--verbose-errors"],
         ["CREATE TABLE hot (k int, v int)"], "SELECT k, v FROM hot", check=retried,
         setup="INSERT INTO hot VALUES (1, 0); "),
    # the same --random-seed: the scripts chosen as pgbench 15 chooses them (its generator,
    # seeded in its order), so each script's count is pgbench's exactly
    Case("weights-seeded", [("INSERT INTO wt VALUES ('a');\n", 1),
                            ("INSERT INTO wt VALUES ('b');\n", 3)],
         ["-t", "150", "-c", "3", "-j", "2", "--random-seed=11"], ["CREATE TABLE wt (name text)"],
         "SELECT name, count(*) FROM wt GROUP BY name"),
    Case("mix10", [(MIX10, None)], ["-t", "50", "-c", "4", "-j", "2"], [],
         None, check=tpcb_invariant),
    Case("sql-error", [("SELECT 1;\nSELECT 1/0;\n", None)], ["-t", "1", "-c", "1"], [], None,
         rc=2, stderr_lines=["client"]),
    Case("eval-error", [("\\set x 1 / 0\nSELECT 1;\n", None)], ["-t", "1", "-c", "1"], [],
         None, rc=2, stderr_lines=["client"]),
    Case("gset-rows", [("SELECT 1 AS a WHERE false \\gset\n", None)], ["-t", "1", "-c", "1"],
         [], None, rc=2, stderr_lines=["client"]),
    Case("open-transaction", [("BEGIN;\nSELECT 1;\n", None)], ["-t", "1", "-c", "1"], [],
         None, rc=2, stderr_lines=["client"]),
    Case("open-pipeline", [("\\startpipeline\nSELECT 1;\n", None)], ["-t", "1", "-c", "1"],
         [], None, modes=["extended"], rc=2, stderr_lines=["client"]),
]


def check_mix10(c, case):
    """The mix's snapshot is its invariant: history rows and deltas, and the balances."""
    case.snapshot = ("SELECT (SELECT count(*) FROM pgbench_history), "
                     "(SELECT coalesce(sum(delta), 0) FROM pgbench_history), "
                     "(SELECT sum(abalance) FROM pgbench_accounts), "
                     "(SELECT sum(tbalance) FROM pgbench_tellers), "
                     "(SELECT sum(bbalance) FROM pgbench_branches)")
    for mode in case.modes:
        tmp = tempfile.mkdtemp(prefix="pgb-scripts-")
        try:
            for who, bench in (("pgbench 15", c.pgbench), ("this", c.bench)):
                row = c.srv.psql(case.snapshot)[0]
                c.base = tuple(int(x) for x in row[2:])
                res, rows = run_one(c, bench, case, mode, tmp)
                name = "mix10 -M %s: %s" % (mode, who)
                if c.checks.check(name + ": exit status 0", run_problems(res, 0)):
                    c.checks.check(name + ": " + tpcb_invariant.__doc__,
                                   tpcb_invariant(c, res, rows, mode))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def log_shape(tmp):
    """{file suffix: [(client, transaction, script, number of fields)]} of -l's files"""
    out = {}
    for path in sorted(glob.glob(os.path.join(tmp, "lg.*"))):
        suffix = re.sub(r"^lg\.[0-9]+", "lg.PID", os.path.basename(path))
        with open(path) as f:
            out[suffix] = sorted((ln.split()[0], ln.split()[1], ln.split()[3], len(ln.split()))
                                 for ln in f if ln.strip())
    return out


def check_txlog(c):
    """-l with two scripts over two threads: the same files (PREFIX.PID, PREFIX.PID.1), each
    with the same clients' transactions numbered as pgbench numbers them."""
    shapes = []
    for bench in (c.pgbench, c.bench):
        tmp = tempfile.mkdtemp(prefix="pgb-scripts-")
        try:
            a, b = os.path.join(tmp, "a.sql"), os.path.join(tmp, "b.sql")
            for path in (a, b):
                with open(path, "w") as f:
                    f.write("SELECT 1;\n")
            res = bench.run(["-n", "-t", "20", "-c", "4", "-j", "2", "-l",
                             "--log-prefix=" + os.path.join(tmp, "lg"), "-f", a + "@1",
                             "-f", b + "@0"], env=c.srv.env(), timeout=RUN_TIMEOUT)
            c.checks.check("-l -c 4 -j 2 -t 20: %s exits 0" % bench.progname,
                           run_problems(res, 0))
            shapes.append(log_shape(tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    want, got = shapes
    c.checks.check("-l: files and lines as pgbench 15's (%d lines)"
                   % sum(len(v) for v in want.values()),
                   [] if want == got and sum(len(v) for v in want.values()) == 80 else
                   ["pgbench: %r" % {k: v[:3] for k, v in want.items()},
                    "this:    %r" % {k: v[:3] for k, v in got.items()}])


class Ctx:
    def __init__(self, checks, bench, pgbench, srv):
        self.checks, self.bench, self.pgbench, self.srv = checks, bench, pgbench, srv
        self.base = (0, 0, 0)


def main():
    checks = Checks()
    bench = require_bench(checks)
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
        for case in CASES:
            if case.name == "mix10":
                checks.section(check_mix10, c, case)
            else:
                checks.section(compare_case, c, case)
        checks.section(check_txlog, c)
    checks.finish()


if __name__ == "__main__":
    main()
