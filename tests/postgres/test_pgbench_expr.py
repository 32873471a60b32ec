#!/usr/bin/env python3
"""test_pgbench_expr.py - pgbench's expression language (\\set), differentially: the same
expressions through the real pgbench 15 and through `pvcbench pgbench`, each case a script of

    \\set x EXPR
    \\set y debug(:x)

run once (-n -t 1 --random-seed=5, and -D NAME=VALUE where the case sets variables), on a
server of its own. What is compared: debug()'s line on stderr (the value and its type), an
evaluation error's message (the client aborts, exit 2), a parse error's message and the
column of its caret (exit 1).

Each case also holds what pgbench 15.18 printed for it (recorded with --record below), so the
reference itself is checked against the table: a different pgbench shows up as failures.

Until `pvcbench pgbench` runs -f scripts (another branch of issue 12 brings the engine), it
refuses -f with "is not supported": then only pgbench 15 is checked against the table, and the
test says so. Once -f is accepted, every case must give pvcbench pgbench's stderr the same
debug line, the same error message and the same caret as pgbench 15's.

Usage: python3 test_pgbench_expr.py PATH_TO_PVCBENCH (or PATH_TO_PGBENCH: the reference alone)
       python3 test_pgbench_expr.py PATH_TO_PGBENCH --record   (prints the cases with what
       this pgbench prints: how the table's expectations were made)
       python3 test_pgbench_expr.py PATH_TO_PGBENCH --print-c  (the same, as rows of
       tests/unit/test_pgbench_expr.c)
"""
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pgserver import Bench, Checks, PgServer, require_bench, server_bindir  # noqa: E402
from pgexprcases import CASES, PREFIX  # noqa: E402

RUN_TIMEOUT = 30
# the variables pgbench sets on each client (script.c's job, checked here end to end)
ENGINE_VARIABLES = (":default_seed", ":random_seed", ":client_id", ":scale")


def outcome(res, script_path):
    """What one run says about the expression: "int 7" (debug's value), "! MSG" (evaluation
    error), "? MSG @COL" (parse error, COL the caret's offset in EXPR), or "?? ..." when the
    output is none of those. debug() lines of EXPR itself come first, as "[1: int 1] "."""
    lines = [re.sub(r"^(pvcbench )?pgbench: ", "", line) for line in res.err.splitlines()]
    inner = "".join("[1: %s] " % m.group(1) for m in
                    (re.match(r"debug\(script=0,command=1\): (.*)$", x) for x in lines) if m)
    for line in lines:
        m = re.match(r"debug\(script=0,command=2\): (.*)$", line)
        if m and res.rc == 0:
            return inner + m.group(1)
    for i, line in enumerate(lines):
        m = re.match(r'(?:error: )?(.*):1: (.*) in command "set"$', line)
        if m and res.rc == 1:
            col = None
            if i + 2 < len(lines) and lines[i + 2].endswith("^ error found here"):
                col = lines[i + 2].index("^") - len(PREFIX)
            return "? %s @%s" % (m.group(2), col)
    if res.rc == 2:
        msgs = []
        for line in lines:
            if re.match(r"(error: )?client 0 aborted in command 0 \(set\)", line):
                return inner + "! " + (msgs[-1] if msgs else "")
            m = re.match(r"error: (.*)$", line)
            if not line.startswith("debug("):
                msgs.append(m.group(1) if m else line)
    return "?? exit %s, stderr %r" % (res.rc, res.err)


def run_case(bench, srv, workdir, expr, defines):
    path = os.path.join(workdir, "expr.sql")
    with open(path, "w") as f:
        f.write("%s%s\n\\set y debug(:x)\n" % (PREFIX, expr))
    args = ["-n", "-t", "1", "--random-seed=5", "-f", path]
    for d in defines:
        args += ["-D", d]
    res = bench.run(args, env=srv.env(), timeout=RUN_TIMEOUT)
    return outcome(res, path)


def supports_scripts(bench, srv, workdir):
    """Whether this binary runs -f at all (pvcbench's pgbench refuses it before issue 12)."""
    res = run_case(bench, srv, workdir, "1", [])
    return "is not supported" not in res, res


def c_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main():
    checks = Checks()
    bench = require_bench(checks)
    mode = sys.argv[2] if len(sys.argv) > 2 else None
    bindir = server_bindir()
    ref_path = os.path.join(bindir, "pgbench") if bindir else None
    if not ref_path or not os.access(ref_path, os.X_OK):
        checks.skip("the reference pgbench is not in the server's directory %s" % bindir)
    ref = Bench(ref_path)
    with PgServer(checks) as srv, tempfile.TemporaryDirectory(prefix="pvc-expr.") as workdir:
        if mode in ("--record", "--print-c"):
            for expr, defines, _ in CASES:
                if mode == "--print-c" and (expr in ENGINE_VARIABLES or len(expr) > 200):
                    continue  # what the engine sets; DEEP: the unit test makes its own
                got = run_case(bench, srv, workdir, expr, defines)
                if mode == "--record":
                    print("    (%r, %r, %r)," % (expr, defines, got))
                else:
                    print("\t{ %s, %s, %s }," % (c_string(expr), c_string(
                        ";".join(defines)), c_string(got)))
            return
        ok, first = (True, None) if bench.reference else supports_scripts(bench, srv, workdir)
        if not ok:
            checks.note("pvcbench pgbench does not run -f scripts yet (%s): only pgbench 15 is "
                        "checked against the table" % first)
        for expr, defines, want in CASES:
            shown = expr if len(expr) <= 80 else "%s...%s (%d bytes)" % (expr[:30], expr[-20:],
                                                                       len(expr))
            desc = "\\set x %s%s" % (shown, "".join(" -D " + d for d in defines))
            got_ref = run_case(ref, srv, workdir, expr, defines)
            checks.check("pgbench 15: %s => %s" % (desc, want),
                         [] if got_ref == want else ["pgbench 15 gave %r" % got_ref])
            if ok and not bench.reference:
                got = run_case(bench, srv, workdir, expr, defines)
                checks.check("pvcbench: %s => %s" % (desc, got_ref),
                             [] if got == got_ref else ["pvcbench pgbench gave %r" % got])
    checks.finish()


if __name__ == "__main__":
    main()
