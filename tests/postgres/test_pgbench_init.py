#!/usr/bin/env python3
"""test_pgbench_init.py - `pvcbench pgbench -i` builds what `pgbench -i` builds.

Against a server of its own: the row counts, keys, data and stderr step lines of -i -s 2; the
schema (columns, fillfactor, persistence, indexes, constraints, partitions and their bounds)
and the data compared with what the real pgbench 15 makes in another database, plain and with
-F 90, --unlogged-tables, --foreign-keys and --partitions=3 (range and hash); the init steps
-I dtg (no vacuum, no keys) and -I dtGvp (server-side generation), -n, -q, and a re-init that
replaces the tables instead of adding to them.

Usage: python3 test_pgbench_init.py PATH_TO_PVCBENCH (or PATH_TO_PGBENCH: the reference)
"""
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pgserver import Bench, Checks, PgServer, require_bench, server_bindir  # noqa: E402

# speed over durability: the server's data is thrown away after the test
SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
INIT_TIMEOUT = 120
DONE_RE = re.compile(r"^done in [0-9]+\.[0-9]{2} s \((.*)\)\.$")
TUPLES_RE = re.compile(r"^([0-9]+) of ([0-9]+) tuples \(([0-9]+)%\) done "
                       r"\(elapsed ([0-9]+\.[0-9]{2}) s, remaining ([0-9]+\.[0-9]{2}) s\)$")
TABLES = ("pgbench_branches", "pgbench_tellers", "pgbench_accounts", "pgbench_history")


def init(bench, srv, db, args):
    """bench -i ARGS DB, the database given by name on the command line as users do."""
    return bench.run(["-i"] + list(args) + [db], env=srv.env(db=db), timeout=INIT_TIMEOUT)


def ran_ok(res):
    """Exit status 0 and no crash."""
    bad = res.crash_problems()
    if res.rc != 0:
        bad.append("exit status %s" % res.rc)
    return bad + (res.show() if bad else [])


def counts(srv, db):
    return {t: int(srv.value("SELECT count(*) FROM %s" % t, db=db)) for t in TABLES}


def count_problems(srv, db, scale, history=0):
    want = {"pgbench_branches": scale, "pgbench_tellers": 10 * scale,
            "pgbench_accounts": 100000 * scale, "pgbench_history": history}
    try:
        got = counts(srv, db)
    except RuntimeError as e:
        return [str(e)]
    return ["%s: %d rows, want %d" % (t, got[t], want[t]) for t in TABLES if got[t] != want[t]]


def data_problems(srv, db, scale):
    """pgbench's data: every balance zero; keys 1..N without holes; the branch of a teller and
    of an account follows from its key."""
    q = {
        "accounts": "SELECT min(aid), max(aid), count(DISTINCT aid), "
                    "count(*) FILTER (WHERE bid <> (aid - 1) / 100000 + 1), "
                    "count(*) FILTER (WHERE abalance <> 0) FROM pgbench_accounts",
        "tellers": "SELECT min(tid), max(tid), count(DISTINCT tid), "
                   "count(*) FILTER (WHERE bid <> (tid - 1) / 10 + 1), "
                   "count(*) FILTER (WHERE tbalance <> 0) FROM pgbench_tellers",
        "branches": "SELECT min(bid), max(bid), count(DISTINCT bid), 0, "
                    "count(*) FILTER (WHERE bbalance <> 0) FROM pgbench_branches",
    }
    per = {"accounts": 100000, "tellers": 10, "branches": 1}
    bad = []
    for name, sql in q.items():
        try:
            lo, hi, distinct, wrong_bid, nonzero = srv.psql(sql, db=db)[0]
        except RuntimeError as e:
            return [str(e)]
        n = per[name] * scale
        if (lo, hi, distinct) != ("1", str(n), str(n)):
            bad.append("%s: keys %s..%s (%s distinct), want 1..%d" % (name, lo, hi, distinct, n))
        if wrong_bid != "0":
            bad.append("%s: %s rows whose bid does not follow from the key" % (name, wrong_bid))
        if nonzero != "0":
            bad.append("%s: %s rows with a nonzero balance" % (name, nonzero))
    return bad


# what a database's pgbench schema is made of, one query per aspect; compared as row lists
CATALOG = {
    "columns": "SELECT table_name, ordinal_position, column_name, data_type, "
               "coalesce(character_maximum_length::text, ''), is_nullable, "
               "coalesce(column_default, '') FROM information_schema.columns "
               "WHERE table_schema = 'public' ORDER BY 1, 2",
    "relations (kind, persistence, options)":
        "SELECT relname, relkind, relpersistence, coalesce(array_to_string(reloptions, ','), ''), "
        "relispartition FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY 1",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes "
               "WHERE schemaname = 'public' ORDER BY 1, 2",
    "constraints": "SELECT conrelid::regclass::text, conname, contype, "
                   "pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    "partitioning": "SELECT c.relname, p.partstrat, pg_get_partkeydef(c.oid) "
                    "FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid ORDER BY 1",
    "partition bounds": "SELECT relname, pg_get_expr(relpartbound, oid) FROM pg_class "
                        "WHERE relispartition AND relkind = 'r' ORDER BY 1",
    "rows per partition": "SELECT tableoid::regclass::text, count(*) FROM pgbench_accounts "
                          "GROUP BY 1 ORDER BY 1",
}

# the rows themselves (pgbench_history is empty after -i), by key
CONTENT_KEYS = (("pgbench_branches", "bid"), ("pgbench_tellers", "tid"),
                ("pgbench_accounts", "aid"))


def rows_diff(want, got, limit=6):
    """The rows only one side has, for a failure message."""
    missing = [r for r in want if r not in got]
    extra = [r for r in got if r not in want]
    out = ["pgbench has, pvcbench lacks: %r" % (r,) for r in missing[:limit]]
    out += ["pvcbench has, pgbench lacks: %r" % (r,) for r in extra[:limit]]
    if not out:
        out = ["same rows in another order"]
    return out


def compare(srv, ref_db, db, queries):
    bad = []
    for aspect, sql in queries.items():
        want, got = srv.psql(sql, db=ref_db), srv.psql(sql, db=db)
        if want != got:
            bad.append(aspect + ":")
            bad += ["  " + x for x in rows_diff(want, got)]
    return bad


def content_problems(srv, ref_db, db):
    """The tables hold the same rows, compared by a hash of all of them in key order; on a
    difference, the first rows of each side show what differs."""
    bad = []
    for table, key in CONTENT_KEYS:
        digest = ("SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x.%s), '')) FROM %s x"
                  % (key, table))
        if srv.value(digest, db=ref_db) == srv.value(digest, db=db):
            continue
        first = "SELECT x::text FROM %s x ORDER BY x.%s LIMIT 2" % (table, key)
        bad.append("%s differs; first rows:" % table)
        bad += ["  pgbench:  %s" % r[0] for r in srv.psql(first, db=ref_db)]
        bad += ["  pvcbench: %s" % r[0] for r in srv.psql(first, db=db)]
    return bad


def step_lines_problems(err, steps, total_tuples=None):
    """The step lines appear in this order (other lines, such as server NOTICEs, may sit
    between them) and the last is pgbench's `done in` line."""
    lines = err.splitlines()
    bad = []
    pos = 0
    for step in steps:
        try:
            pos = lines.index(step, pos) + 1
        except ValueError:
            bad.append("no %r line (after line %d)" % (step, pos))
    done = [ln for ln in lines if DONE_RE.match(ln)]
    if len(done) != 1:
        bad.append("%d `done in X s (...)` lines, want 1" % len(done))
    elif lines[-1] != done[0]:
        bad.append("the `done in` line is not the last")
    if total_tuples:
        tl = [TUPLES_RE.match(ln) for ln in lines if TUPLES_RE.match(ln)]
        if not tl or tl[-1].group(1) != str(total_tuples) or tl[-1].group(3) != "100":
            bad.append("no final `%d of %d tuples (100%%) done (...)` line"
                       % (total_tuples, total_tuples))
        elif any(m.group(2) != str(total_tuples) for m in tl):
            bad.append("tuples lines with another total than %d" % total_tuples)
    return bad + (["stderr:"] + ["  " + x for x in lines[:30]] if bad else [])


def done_parts(err):
    m = [DONE_RE.match(ln) for ln in err.splitlines() if DONE_RE.match(ln)]
    return [p.rsplit(" ", 2)[0] for p in m[0].group(1).split(", ")] if m else []


def key_indexes(srv, db):
    return sorted(r[0] for r in srv.psql(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE "
        "'%pkey'", db=db))


def vacuumed(srv, db, table="pgbench_accounts"):
    """Whether a manual VACUUM ran on table (autovacuum sets another column)."""
    return srv.value("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = "
                     "'%s'" % table, db=db) == "t"


# ---------------------------------------------------------------- the checks

def check_scale_2(checks, bench, srv):
    db = srv.createdb("scale2")
    res = init(bench, srv, db, ["-s", "2"])
    checks.check("-i -s 2: exit status 0", ran_ok(res))
    checks.check("-i -s 2: 2 branches, 20 tellers, 200000 accounts, empty history",
                 count_problems(srv, db, 2))
    checks.check("-i -s 2: pgbench_{accounts,branches,tellers}_pkey exist",
                 [] if key_indexes(srv, db) == ["pgbench_accounts_pkey", "pgbench_branches_pkey",
                                                "pgbench_tellers_pkey"]
                 else ["primary key indexes: %r" % key_indexes(srv, db)])
    checks.check("-i -s 2: balances zero, keys 1..N, bid follows from aid and tid",
                 data_problems(srv, db, 2))
    checks.check("-i -s 2: stderr has the step lines in order, both tuples lines, `done in`",
                 step_lines_problems(res.err, ["dropping old tables...", "creating tables...",
                                               "generating data (client-side)...",
                                               "vacuuming...", "creating primary keys..."],
                                     total_tuples=200000)
                 + ([] if re.search(r"^100000 of 200000 tuples \(50%\) done", res.err, re.M)
                    else ["no `100000 of 200000 tuples (50%) done` line (one per 100000 rows)"]))
    checks.check("-i -s 2: `done in` names drop, create, client-side generate, vacuum, keys",
                 [] if done_parts(res.err) == ["drop tables", "create tables",
                                               "client-side generate", "vacuum", "primary keys"]
                 else ["done line parts %r" % done_parts(res.err)])
    checks.check("-i: nothing on stdout", [] if not res.out else ["stdout: %r" % res.out[:300]])
    checks.check("-i (dtgvp): pgbench_accounts vacuumed",
                 [] if vacuumed(srv, db) else ["pg_stat_user_tables.last_vacuum is null"])

    # a second -i drops the tables first: same counts, not twice as many, history emptied
    srv.psql("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) "
             "VALUES (1, 1, 1, 5, now()), (2, 1, 2, 7, now())", db=db)
    res = init(bench, srv, db, ["-s", "2"])
    checks.check("re-init -s 2: exit status 0", ran_ok(res))
    checks.check("re-init -s 2: tables replaced (same counts, history empty)",
                 count_problems(srv, db, 2))

    # -q: one tuples line per 5 s instead of per 100000 rows (the run is shorter than 5 s on
    # any sane machine; a line printed after 5 s is allowed)
    res = init(bench, srv, db, ["-s", "2", "-q"])
    checks.check("-i -s 2 -q: exit status 0", ran_ok(res))
    early = [m.group(0) for m in map(TUPLES_RE.match, res.err.splitlines())
             if m and m.group(1) != m.group(2) and float(m.group(4)) < 4.5]
    checks.check("-i -s 2 -q: only the final tuples line (and lines 5 s apart)",
                 step_lines_problems(res.err, ["generating data (client-side)..."],
                                     total_tuples=200000)
                 + ["early progress line under -q: %r" % x for x in early])
    checks.check("-i -s 2 -q: counts", count_problems(srv, db, 2))


def check_steps(checks, bench, srv):
    db = srv.createdb("steps")
    res = init(bench, srv, db, ["-I", "dtg"])
    checks.check("-I dtg: exit status 0", ran_ok(res))
    checks.check("-I dtg: counts", count_problems(srv, db, 1))
    checks.check("-I dtg: no primary keys",
                 [] if not key_indexes(srv, db) else ["indexes %r" % key_indexes(srv, db)])
    checks.check("-I dtg: not vacuumed, no vacuum or keys step on stderr",
                 (["pgbench_accounts was vacuumed"] if vacuumed(srv, db) else [])
                 + ["%r on stderr" % s for s in ("vacuuming...", "creating primary keys...")
                    if s in res.err.splitlines()])
    checks.check("-I dtg: `done in` names drop, create, client-side generate",
                 [] if done_parts(res.err) == ["drop tables", "create tables",
                                               "client-side generate"]
                 else ["done line parts %r" % done_parts(res.err)])

    res = init(bench, srv, db, ["-I", "dtGvp"])
    checks.check("-I dtGvp: exit status 0", ran_ok(res))
    checks.check("-I dtGvp: counts", count_problems(srv, db, 1))
    checks.check("-I dtGvp: data", data_problems(srv, db, 1))
    checks.check("-I dtGvp: primary keys", len(key_indexes(srv, db)) == 3)
    checks.check("-I dtGvp: `generating data (server-side)...`, `server-side generate`",
                 step_lines_problems(res.err, ["dropping old tables...", "creating tables...",
                                               "generating data (server-side)...",
                                               "vacuuming...", "creating primary keys..."])
                 + ([] if "server-side generate" in done_parts(res.err)
                    else ["done line parts %r" % done_parts(res.err)]))

    res = init(bench, srv, db, ["-n"])
    checks.check("-i -n: exit status 0", ran_ok(res))
    checks.check("-i -n: counts and keys", count_problems(srv, db, 1)
                 + ([] if len(key_indexes(srv, db)) == 3 else ["primary keys missing"]))
    checks.check("-i -n: no vacuum (no step line, pgbench_accounts not vacuumed)",
                 (["pgbench_accounts was vacuumed"] if vacuumed(srv, db) else [])
                 + (["`vacuuming...` on stderr"] if "vacuuming..." in res.err.splitlines()
                    else []))


VARIANTS = [
    ("plain", []),
    ("-F 90", ["-F", "90"]),
    ("--unlogged-tables", ["--unlogged-tables"]),
    ("--foreign-keys", ["--foreign-keys"]),
    ("--partitions=3 --partition-method=range", ["--partitions=3", "--partition-method=range"]),
    ("--partitions=3 --partition-method=hash", ["--partitions=3", "--partition-method=hash"]),
    ("-I dtGvp (server-side data)", ["-I", "dtGvp"]),
]


def variant_problems(srv, db, args):
    """What the option itself must have done, beyond equality with pgbench."""
    rel = {r[0]: r for r in srv.psql(CATALOG["relations (kind, persistence, options)"], db=db)}
    bad = []
    if "-F" in args:
        for t in ("pgbench_branches", "pgbench_tellers", "pgbench_accounts"):
            if "fillfactor=90" not in rel.get(t, ("",) * 4)[3]:
                bad.append("%s has no fillfactor=90: %r" % (t, rel.get(t)))
    if "--unlogged-tables" in args:
        for t in TABLES:
            if rel.get(t, ("", "", ""))[2] != "u":
                bad.append("%s is not unlogged: %r" % (t, rel.get(t)))
    if "--foreign-keys" in args:
        n = int(srv.value("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                          "connamespace = 'public'::regnamespace", db=db))
        if n != 5:
            bad.append("%d foreign keys, want 5" % n)
    if any(a.startswith("--partitions") for a in args):
        n = int(srv.value("SELECT count(*) FROM pg_inherits WHERE inhparent = "
                          "'pgbench_accounts'::regclass", db=db))
        strat = srv.value("SELECT partstrat FROM pg_partitioned_table WHERE partrelid = "
                          "'pgbench_accounts'::regclass", db=db)
        want = "r" if "--partition-method=range" in args else "h"
        if n != 3 or strat != want:
            bad.append("%d partitions, strategy %r; want 3, %r" % (n, strat, want))
    return bad


def check_like_pgbench(checks, bench, srv, pgbench):
    """Each variant made by pgbench in ref_X and by the binary under test in X."""
    for i, (name, args) in enumerate(VARIANTS):
        ref_db, db = srv.createdb("ref_%d" % i), srv.createdb("var_%d" % i)
        ref = init(pgbench, srv, ref_db, ["-s", "1", "-q"] + args)
        if ref.rc != 0:
            checks.check("%s: the reference pgbench -i works" % name, ran_ok(ref))
            continue
        res = init(bench, srv, db, ["-s", "1", "-q"] + args)
        if not checks.check("-i %s: exit status 0" % name, ran_ok(res)):
            continue
        checks.check("-i %s: schema as pgbench's" % name, compare(srv, ref_db, db, CATALOG))
        checks.check("-i %s: rows as pgbench's" % name, content_problems(srv, ref_db, db))
        checks.check("-i %s: the option took effect" % name, variant_problems(srv, db, args))
        if any(a.startswith("--partitions") for a in args):
            checks.check("-i %s: `creating 3 partitions...` on stderr, as pgbench 15" % name,
                         step_lines_problems(res.err, ["creating tables...",
                                                       "creating 3 partitions...",
                                                       "generating data (client-side)..."],
                                             total_tuples=100000))
        if "--foreign-keys" in args:
            checks.check("-i %s: `creating foreign keys...`, `foreign keys X s`" % name,
                         step_lines_problems(res.err, ["creating primary keys...",
                                                       "creating foreign keys..."])
                         + ([] if done_parts(res.err)[-1:] == ["foreign keys"]
                            else ["done line parts %r" % done_parts(res.err)]))
        srv.dropdb(ref_db)
        srv.dropdb(db)


def main():
    checks = Checks()
    bench = require_bench(checks)
    bindir = server_bindir()
    ref_path = os.path.join(bindir, "pgbench") if bindir else None
    if not ref_path or not os.access(ref_path, os.X_OK):
        checks.skip("the reference pgbench is not in the server's directory %s" % bindir)
    pgbench = Bench(ref_path)
    with PgServer(checks, settings=SETTINGS) as srv:
        checks.section(check_scale_2, checks, bench, srv)
        checks.section(check_steps, checks, bench, srv)
        checks.section(check_like_pgbench, checks, bench, srv, pgbench)
    checks.finish()


if __name__ == "__main__":
    main()
