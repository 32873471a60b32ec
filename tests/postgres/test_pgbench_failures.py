#!/usr/bin/env python3
"""test_pgbench_failures.py - `pvcbench pgbench` fails as pgbench does: the right exit status,
a short message naming the cause, never a hang or a crash.

Bad options (no server: they must be refused before any connection): one line on stderr
naming the bad value, exit 1; -c 2 -j 3 is not an error (pgbench lowers the threads).
Against a server of its own (max_connections=6, 3 of them reserved for superusers, and a
127.0.0.1 listener): a connection limit hit by some clients (exit 2, the run goes on with the
others, `N of M clients could not connect` once, the processed count and the history agree);
a closed port; a listener that never answers, with PGCONNECT_TIMEOUT, with connect_timeout in
a connection string and with no timeout given (pvcbench's 10 s default); a wrong password; a
missing database; a database without the pgbench tables.

Usage: python3 test_pgbench_failures.py PATH_TO_PVCBENCH (or PATH_TO_PGBENCH: the reference;
the cases where the spec departs from pgbench 15 then check pgbench 15's behaviour)
"""
import os
import re
import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pgserver import Bench, Checks, PgServer, client_base_env, free_port, require_bench  # noqa
from pgserver import server_bindir  # noqa: E402
from pgreport import processed  # noqa: E402

SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
SLOTS_MSG = "remaining connection slots are reserved"
TOO_MANY_MSG = "sorry, too many clients already"


def val(v):
    """A regex for the value v standing on its own ("0" not inside "2147483647"), quoted or
    not."""
    return r"""(?<![\w.-])["']?%s["']?(?![\w.-])""" % re.escape(v)


# Bad options: (args, regex the one stderr line must match: the bad value, pgbench 15's
# first stderr line for the same arguments). Found by running pgbench 15.18.
BAD_OPTIONS = [
    (["-c", "0"], val("0"), '-c/--clients must be in range 1..2147483647'),
    (["-c", "abc"], val("abc"), 'invalid value "abc" for option -c/--clients'),
    (["-j", "0"], val("0"), '-j/--jobs must be in range 1..2147483647'),
    (["-M", "bogus"], val("bogus"), 'invalid query mode (-M): "bogus"'),
    (["-b", "bogus"], val("bogus"), 'no builtin script found for name "bogus"'),
    (["-b", "s"], val("s"), 'ambiguous builtin name: 2 builtin scripts found for prefix "s"'),
    (["-t", "10", "-T", "10"], r"(-t|transactions).*(-T|duration|time)",
     'specify either a number of transactions (-t) or a duration (-T), not both'),
    (["--max-tries=0"], r"max-tries|tries",
     'an unlimited number of transaction tries can only be used with --latency-limit or a '
     'duration (-T)'),
    (["-T", "0"], val("0"), '-T/--time must be in range 1..2147483647'),
    (["-P", "0"], val("0"), '-P/--progress must be in range 1..2147483647'),
    (["-R", "0"], val("0"), 'invalid rate limit: "0"'),
    (["-i", "-s", "0"], val("0"), '-s/--scale must be in range 1..2147483647'),
    (["-i", "-F", "5"], val("5"), '-F/--fillfactor must be in range 10..100'),
    (["-i", "--partition-method=bogus"], val("bogus"),
     'invalid partition method, expecting "range" or "hash", got: "bogus"'),
    (["-i", "-I", "dtx"], val("x") + "|" + val("dtx"), 'unrecognized initialization step "x"'),
    (["--bogus"], val("--bogus"), "unrecognized option '--bogus'"),
]


def args_text(args):
    return " ".join(args)


def run_problems(res, rc, wall=None):
    """Exit status rc, no crash, and (when given) an exit within wall seconds."""
    bad = res.crash_problems()
    if res.rc != rc and not res.timed_out:
        bad.append("exit status %s, want %d" % (res.rc, rc))
    if wall is not None and res.wall > wall:
        bad.append("took %.1f s, want at most %.0f s" % (res.wall, wall))
    return bad


def with_run(bad, res):
    return bad + (res.show() if bad else [])


def check_bad_options(checks, bench, pgbench):
    """No server: a closed port, so an option that is wrongly accepted fails later and
    differently (connection refused) instead of hanging or passing."""
    port = str(free_port())
    env = client_base_env()
    for args, value_re, pg_line in BAD_OPTIONS:
        argv = ["-h", "127.0.0.1", "-p", port] + args + ["pvc"]
        res = bench.run(argv, env=env, timeout=20)
        bad = run_problems(res, 1, wall=10)
        lines = res.err_lines
        if bench.reference:
            if not lines or pg_line not in lines[0]:
                bad.append("first stderr line is not pgbench 15's %r" % pg_line)
        else:
            # pgbench's own next lines may follow: "detail: ...", "hint: Try ... --help",
            # and after a builtin name it does not know, its list of the builtins
            extra = [x for x in lines[1:]
                     if not re.match(r"pvcbench pgbench: (detail|hint): |Available builtin "
                                     r"scripts:$| +[a-z-]+: <builtin: .*>$|$", x)]
            if not lines or extra:
                bad.append("%d lines on stderr, want 1 (and pgbench's detail or hint)"
                           % len(lines))
            elif not lines[0].startswith("pvcbench pgbench: "):
                bad.append("the line does not start with `pvcbench pgbench: `")
            elif not re.search(value_re, lines[0].split(": ", 1)[1]):
                bad.append("the line does not name the bad value (/%s/)" % value_re)
            elif len(lines[0]) > 200:
                bad.append("the line is %d characters long" % len(lines[0]))
        if res.out:
            bad.append("output on stdout")
        what = "pgbench 15's line" if bench.reference else "one line naming the value"
        checks.check("bad option %s: exit 1, %s" % (args_text(args), what), with_run(bad, res))
        if not bench.reference:
            # pgbench 15's wording, for whoever reads the log beside pvcbench's
            ref = pgbench.run(argv, env=env, timeout=20)
            checks.note("  pgbench 15: %s | pvcbench: %s"
                        % (ref.err_lines[0] if ref.err_lines else "", lines[0] if lines else ""))


def check_threads_lowered(checks, bench, srv):
    """-j above -c is no error for pgbench 15: it runs with as many threads as clients."""
    res = bench.run(["-h", "127.0.0.1", "-p", str(free_port()), "-c", "2", "-j", "3", "pvc"],
                    env=client_base_env(), timeout=20)
    checks.check("-c 2 -j 3 (closed port): not refused as an option, fails to connect (exit 1)",
                 with_run(run_problems(res, 1, wall=10)
                          + ([] if re.search(r"connection refused|could not connect", res.err,
                                             re.I)
                             else ["no connection error on stderr"]), res))
    res = bench.run(["-n", "-c", "2", "-j", "3", "-t", "5"], env=srv.env(), timeout=60)
    bad = run_problems(res, 0)
    if "number of threads: 2" not in res.out_lines:
        bad.append("no `number of threads: 2` line")
    if processed(res.out) != (10, 10):
        bad.append("processed %r, want 10/10" % (processed(res.out),))
    checks.check("-c 2 -j 3 -t 5: runs with 2 threads, as pgbench 15", with_run(bad, res))


def check_connection_limit(checks, bench, srv):
    """3 slots for a non-superuser, 8 clients: the clients that got a slot do their
    transactions, the others are counted once on stderr, and the exit status is 2."""
    srv.psql("TRUNCATE pgbench_history")
    res = bench.run(["-n", "-c", "8", "-j", "2", "-t", "20", "-U", "plain"], env=srv.env(),
                    timeout=120)
    hist = int(srv.value("SELECT count(*) FROM pgbench_history"))
    if bench.reference:
        # pgbench 15 gives up on the whole run when one client cannot connect
        checks.check("connection limit (pgbench 15): exit 1, the server's message",
                     with_run(run_problems(res, 1, wall=30)
                              + ([] if SLOTS_MSG in res.err else ["no %r" % SLOTS_MSG]), res))
        return
    bad = run_problems(res, 2, wall=60)
    # the server refuses with one of two messages, depending on how full it is when each
    # client comes: each distinct message once, with its count
    lines = re.findall(r"^pvcbench pgbench: ([0-9]+) of 8 clients could not connect: (.*)$",
                       res.err, re.M)
    for why in (SLOTS_MSG, TOO_MANY_MSG):
        n_msg = sum(why in text for _, text in lines)
        if n_msg > 1:
            bad.append("%r on %d lines, want one at most" % (why, n_msg))
    if not any(SLOTS_MSG in text or TOO_MANY_MSG in text for _, text in lines):
        bad.append("no %r nor %r on stderr" % (SLOTS_MSG, TOO_MANY_MSG))
    got, expected = processed(res.out)
    if not lines:
        bad.append("no `pvcbench pgbench: N of 8 clients could not connect: ...` line")
    else:
        connected = 8 - sum(int(n) for n, _ in lines)
        # the server has 3 slots for plain roles; a setup connection still closing may hold one
        if not 1 <= connected <= 3:
            bad.append("%d clients connected, want 1..3 (3 slots)" % connected)
        if expected != 160 or got != 20 * connected:
            bad.append("processed %r/%r, want %d/160 (20 per connected client)"
                       % (got, expected, 20 * connected))
    if got is not None and hist != got:
        bad.append("pgbench_history has %d rows, the report says %d processed" % (hist, got))
    checks.check("connection limit: exit 2, `N of 8 clients could not connect` once per message, "
                 "processed X/160 = 20 x connected = history rows", with_run(bad, res))


def check_unreachable(checks, bench):
    res = bench.run(["-h", "127.0.0.1", "-p", str(free_port()), "-t", "5", "pvc"],
                    env=client_base_env(), timeout=30)
    bad = run_problems(res, 1, wall=10)
    hits = [ln for ln in res.err_lines if re.search(r"connection refused|could not connect",
                                                     ln, re.I)]
    if len(hits) != 1:
        bad.append("%d stderr lines say connection refused, want 1" % len(hits))
    if not re.search(r"^%s: error: connection to server" % re.escape(bench.progname), res.err,
                     re.M):
        bad.append("no `%s: error: connection to server ...` line" % bench.progname)
    if len(res.err_lines) > 4:
        bad.append("%d lines on stderr" % len(res.err_lines))
    checks.check("closed port on 127.0.0.1: exit 1 within 10 s, connection refused once",
                 with_run(bad, res))


def check_silent_listener(checks, bench, srv):
    """A socket that listens but never accepts: the kernel completes the handshake, the
    startup packet is never answered. Only the connect timeout ends the wait."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen(64)
        port = ls.getsockname()[1]
        env = dict(client_base_env(), PGCONNECT_TIMEOUT="2")
        res = bench.run(["-h", "127.0.0.1", "-p", str(port), "-t", "5", "pvc"], env=env,
                        timeout=30)
        bad = run_problems(res, 1, wall=8)
        if not re.search(r"timeout|timed out", res.err, re.I):
            bad.append("stderr does not say the connection timed out")
        checks.check("silent listener, PGCONNECT_TIMEOUT=2: exit 1 within 8 s",
                     with_run(bad, res))

        conninfo = "host=127.0.0.1 port=%d dbname=pvc connect_timeout=2" % port
        res = bench.run(["-t", "5", conninfo], env=client_base_env(), timeout=30)
        checks.check("silent listener, connect_timeout=2 in a connection string: exit 1 "
                     "within 8 s", with_run(run_problems(res, 1, wall=8), res))

        if not bench.reference:  # pgbench waits forever without a timeout
            res = bench.run(["-h", "127.0.0.1", "-p", str(port), "-t", "5", "pvc"],
                            env=client_base_env(), timeout=40)
            checks.check("silent listener, no timeout given: exit 1 after the 10 s default "
                         "(within 16 s)", with_run(run_problems(res, 1, wall=16), res))


def check_auth_and_database(checks, bench, srv):
    tcp = ["-h", "127.0.0.1", "-p", str(srv.port)]
    prog = re.escape(bench.progname)
    res = bench.run(tcp + ["-U", "pvcpw", "-n", "-t", "5", "pvc"],
                    env=dict(client_base_env(), PGPASSWORD="secret"), timeout=60)
    checks.check("right password over 127.0.0.1 (scram-sha-256): exit 0, 5/5",
                 with_run(run_problems(res, 0) + ([] if processed(res.out) == (5, 5)
                                                  else ["processed %r" % (processed(res.out),)]),
                          res))
    res = bench.run(tcp + ["-U", "pvcpw", "-n", "-t", "5", "pvc"],
                    env=dict(client_base_env(), PGPASSWORD="wrong"), timeout=30)
    checks.check("wrong password: exit 1, `password authentication failed`",
                 with_run(run_problems(res, 1, wall=10)
                          + ([] if 'password authentication failed for user "pvcpw"' in res.err
                             else ["no `password authentication failed` on stderr"]), res))

    # the database argument as a connection string, keywords or URI (its values win)
    for conn in ("host=127.0.0.1 port=%d dbname=pvc user=postgres" % srv.port,
                 "postgresql://postgres@127.0.0.1:%d/pvc" % srv.port):
        res = bench.run(["-n", "-t", "5", conn], env=dict(client_base_env(), PGPORT="1"),
                        timeout=60)
        checks.check("connection string %r: exit 0, 5/5" % conn,
                     with_run(run_problems(res, 0) + ([] if processed(res.out) == (5, 5)
                                                      else ["processed %r"
                                                            % (processed(res.out),)]), res))

    res = bench.run(["-t", "5", "nope"], env=srv.env(), timeout=30)
    checks.check('missing database: exit 1, `database "nope" does not exist`',
                 with_run(run_problems(res, 1, wall=10)
                          + ([] if 'database "nope" does not exist' in res.err
                             else ["not on stderr"]), res))

    res = bench.run(["-t", "5", "empty"], env=srv.env(db="empty"), timeout=30)
    bad = run_problems(res, 1, wall=10)
    if not re.search(r"^%s: error: could not count number of branches: ERROR:  relation "
                     r'"pgbench_branches" does not exist' % prog, res.err, re.M):
        bad.append("no `%s: error: could not count number of branches: ERROR:  relation "
                   "\"pgbench_branches\" does not exist` line" % bench.progname)
    if 'Perhaps you need to do initialization ("pgbench -i") in database "empty".' \
            not in res.err:
        bad.append("no `Perhaps you need to do initialization (\"pgbench -i\") in database "
                   "\"empty\".` hint")
    checks.check("database without pgbench tables: exit 1, could not count branches, hint",
                 with_run(bad, res))


def main():
    checks = Checks()
    bench = require_bench(checks)
    bindir = server_bindir()
    ref_path = os.path.join(bindir, "pgbench") if bindir else None
    if not ref_path or not os.access(ref_path, os.X_OK):
        checks.skip("the reference pgbench is not in the server's directory %s" % bindir)
    pgbench = Bench(ref_path)

    checks.section(check_bad_options, checks, bench, pgbench)
    checks.section(check_unreachable, checks, bench)
    with PgServer(checks, tcp=True, max_connections=6, superuser_reserved_connections=3,
                  settings=SETTINGS) as srv:
        r = pgbench.run(["-i", "-s", "1", "-q"], env=srv.env(), timeout=120)
        if r.rc != 0:
            raise RuntimeError("pgbench -i failed:\n" + "\n".join(r.show()))
        for role, pw in (("plain", None), ("pvcpw", "secret")):
            srv.create_role(role, password=pw)
            srv.psql("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO %s" % role)
        srv.createdb("empty")
        checks.section(check_threads_lowered, checks, bench, srv)
        checks.section(check_connection_limit, checks, bench, srv)
        checks.section(check_silent_listener, checks, bench, srv)
        checks.section(check_auth_and_database, checks, bench, srv)
    checks.finish()


if __name__ == "__main__":
    main()
