"""benchlib.py - what bench/fio-compare, bench/pgbench-compare and bench/kafka-compare share:
running a tool and charging it the CPU the kernel accounted to it, medians and ratios over
rounds, number formats, the side-by-side table, and the facts of the machine for the header.

A tool's CPU is measured from outside, the same way for every tool: the user+sys time of its
process (every thread, and the children it waited for) from os.wait4's rusage when it exits.
"""
import argparse
import os
import re
import shlex
import signal
import statistics
import subprocess
import tempfile
import threading
import time


# ---------------------------------------------------------------- running a tool

class Watchdog:
    """Kills a child (SIGKILL) past its deadline, or when stop_if() gives a reason, and says
    why (in .why).

    It signals the pid itself instead of calling Popen methods, which would reap the child
    behind the main thread's wait4. stop() is called once wait4 has returned; the lock makes
    sure no signal is sent after that, when the pid could belong to someone else."""

    def __init__(self, pid, deadline, stop_if=None):
        self.pid, self.deadline, self.stop_if = pid, deadline, stop_if
        self.why = None
        self.lock = threading.Lock()
        self.done = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self):
        while not self.done.wait(0.2):
            if time.monotonic() > self.deadline:
                why = "still running at its deadline"
            else:
                why = self.stop_if() if self.stop_if else None
                if not why:
                    continue
            with self.lock:
                if not self.done.is_set():
                    self.why = why
                    os.kill(self.pid, signal.SIGKILL)
            return

    def stop(self):
        with self.lock:
            self.done.set()


class ToolRunner:
    """Runs one tool at a time and measures it; kill() stops the one under way (for the
    scripts' signal handlers and their clean-up)."""

    def __init__(self, log=None):
        self.log = log
        self.child = None

    def run(self, cmd, timeout, env=None, stop_if=None):
        """Runs cmd to its end. Returns {cmd, exit, wall, usr, sys, cpu, killed, stdout,
        stderr}: exit is -N when it died of signal N, killed the watchdog's reason or None.

        The wall clock runs from just before the fork to the moment wait4 returns; wait4
        blocks (a polling loop would add up to its sleep to every run), and a watchdog
        thread kills a child that hangs."""
        if self.log:
            self.log("+ " + shlex.join(cmd))
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.monotonic()
            self.child = subprocess.Popen(cmd, stdout=out, stderr=err,
                                          stdin=subprocess.DEVNULL, env=env)
            dog = Watchdog(self.child.pid, t0 + timeout, stop_if)
            try:
                _, status, ru = os.wait4(self.child.pid, 0)
            finally:
                dog.stop()
            wall = time.monotonic() - t0
            code = os.waitstatus_to_exitcode(status)
            self.child.returncode = code  # reaped: Popen must not wait for it again
            self.child = None
            out.seek(0)
            err.seek(0)
            return {"cmd": cmd, "exit": code, "wall": wall, "usr": ru.ru_utime,
                    "sys": ru.ru_stime, "cpu": ru.ru_utime + ru.ru_stime, "killed": dog.why,
                    "stdout": out.read().decode(errors="replace"),
                    "stderr": err.read().decode(errors="replace")}

    def kill(self):
        if self.child is not None:
            try:
                self.child.kill()
                os.wait4(self.child.pid, 0)
            except OSError:
                pass
            self.child = None


def first_line(argv, pattern=None, env=None):
    """The first output line of a version command (or the first matching pattern); '?' if
    none."""
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, env=env, timeout=10)
        lines = r.stdout.decode(errors="replace").strip().splitlines()
        if pattern:
            lines = [ln.strip() for ln in lines if re.search(pattern, ln)]
        return lines[0] if lines else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def add_save_verbose(p):
    """The options every compare script has: --save FILE and --verbose."""
    p.add_argument("--save", metavar="FILE", help="write every run's raw figures as JSON")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="print commands and each run's figures (stderr), and per-round ratios")


def pick_rows(p, text, known):
    """--rows: a comma-separated subset of known (argparse's error when it is not)."""
    rows = [r.strip() for r in text.split(",") if r.strip()]
    unknown = [r for r in rows if r not in known]
    if unknown or not rows:
        p.error("unknown row(s) %s; choose from %s" % (", ".join(unknown) or "(none)",
                                                       ",".join(known)))
    return rows


def positive_int(text):
    """argparse type: a whole number >= 1; 2_000_000 and 2,000,000 are read as 2000000."""
    try:
        n = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError("%r is not a positive whole number" % text)
    return n


# ---------------------------------------------------------------- figures

def median(runs, key):
    """The median of run[key] over the runs that worked (no "error" key); None if none did."""
    vals = [r[key] for r in runs if "error" not in r]
    return statistics.median(vals) if vals else None


def ratio(a, b):
    """a / b, None when either is unknown or b is 0."""
    return a / b if a is not None and b else None


def fmt(v, spec):
    """v through a %-spec, or "-" when unknown."""
    return "-" if v is None else spec % v


def fmt_si(v):
    """12.3k, 1.5M: one decimal with an SI prefix from 1000 up."""
    if v is None:
        return "-"
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return "%.1f%s" % (v / div, suf)
    return "%.0f" % v


def fmt_bw(v):
    """Bytes per second with an IEC prefix and one decimal: 512.0MiB/s."""
    if v is None:
        return "-"
    for div, suf in ((1 << 30, "GiB/s"), (1 << 20, "MiB/s"), (1 << 10, "KiB/s")):
        if v >= div:
            return "%.1f%s" % (v / div, suf)
    return "%.0fB/s" % v


def grouped(v):
    """A whole number with thousands separators: 1,234,567."""
    return "-" if v is None else "{:,.0f}".format(v)


def table(head, rows):
    """Lines of a table: the first column left-aligned, the numbers right-aligned, the last
    column (the verdict) left-aligned with nothing after it; a rule under the head."""
    lines = [head] + rows
    widths = [max(len(ln[i]) for ln in lines) for i in range(len(head))]
    out = []
    for n, ln in enumerate(lines):
        cells = [ln[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(ln[1:-1], widths[1:-1])]
        out.append("  ".join(cells + [ln[-1]]).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


# ---------------------------------------------------------------- the machine

def loadavg():
    """The 1, 5 and 15 minute load averages as /proc/loadavg gives them, or "?"."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def now():
    return time.strftime("%Y-%m-%d %H:%M:%S %z")


def started_line(started, load_start):
    """When and where, and how busy the machine was before and after: a shared machine's
    load explains a surprising ratio."""
    return ("started %s on %s; load average %s at start, %s at end"
            % (started, os.uname().release, load_start, loadavg()))
