"""checks.py - how every test reports: one ok/FAIL line per check, and the exit status.

The convention is liburing's, and lib.bash's for the shell tests: exit 0 pass, 1 fail, 77 skip
(ctest's SKIP_RETURN_CODE). A skip under CI=true is a failure: a CI machine that lacks what a
test needs cannot say whether the code works. A failed check does not stop the test, so one run
reports every problem; a skip after failed checks is a failure too (it must not hide them).
"""
import os
import sys
import traceback

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_SKIP = 77


class Checks:
    """ok/FAIL lines as lib.bash prints them, and the counts behind finish()."""

    def __init__(self, name=None):
        self.name = name or os.path.splitext(os.path.basename(sys.argv[0]))[0]
        self.checks = 0
        self.failures = 0

    def note(self, msg):
        print("[%s] %s" % (self.name, msg), flush=True)

    def check(self, desc, problems):
        """problems: a list of strings (empty = pass), a bool, or None (= pass)."""
        if isinstance(problems, bool):
            problems = [] if problems else ["check failed"]
        problems = problems or []
        self.checks += 1
        if problems:
            self.failures += 1
            print("[%s] FAIL: %s" % (self.name, desc))
            for p in problems:
                for line in str(p).splitlines() or [""]:
                    print("    " + line)
        else:
            print("[%s] ok: %s" % (self.name, desc))
        sys.stdout.flush()
        return not problems

    def section(self, fn, *args):
        """Runs fn(*args), a group of checks; an exception in it (output the group could not
        parse, a server or mock that did not answer) is one failed check, and the next group
        still runs."""
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - any error of the group is reported the same way
            self.check("%s ran to its end" % fn.__name__, traceback.format_exc().splitlines())

    def skip(self, reason):
        """Something the test needs is missing: exit 77, or 1 under CI=true or when checks
        already failed."""
        if self.failures:
            print("[%s] cannot go on (%s); %d of %d checks failed so far"
                  % (self.name, reason, self.failures, self.checks), flush=True)
            sys.exit(EXIT_FAIL)
        if os.environ.get("CI") == "true":
            print("[%s] FAIL: cannot run (and CI=true forbids skipping): %s" % (self.name, reason),
                  flush=True)
            sys.exit(EXIT_FAIL)
        print("[%s] SKIP: %s" % (self.name, reason), flush=True)
        sys.exit(EXIT_SKIP)

    def finish(self):
        if self.failures:
            print("[%s] %d of %d checks failed" % (self.name, self.failures, self.checks),
                  flush=True)
            sys.exit(EXIT_FAIL)
        print("[%s] all %d checks passed" % (self.name, self.checks), flush=True)
        sys.exit(EXIT_PASS)
