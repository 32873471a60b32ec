"""runs.py - running the programs a test drives: with a hard timeout, with a signal at a moment,
or with events fired while it runs; and reading what a run did (Result).

Every program is started through spawn(), which makes it die with the test: setpriv's
parent-death signal has the kernel SIGKILL it when the test dies, even by SIGKILL (a ctest
timeout) when nothing of ours runs to stop it; at exit and on SIGTERM, SIGINT or SIGHUP the
rest are killed, then the Services still running (servers, mock clusters) are stopped.
"""
import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# A crash is death by a signal we did not send, or one of these on stderr.
CRASH_RE = re.compile(r"Segmentation|core dumped|Aborted|AddressSanitizer|runtime error:|"
                      r"Traceback|free\(\): |double free|stack smashing")

_children = []  # every process we started, so that an interrupted test can stop them


def c_locale_env(env=None):
    """A copy of env (default: ours) with English messages: the tests match them."""
    env = dict(os.environ if env is None else env)
    env["LC_ALL"] = "C"
    env.pop("LANGUAGE", None)
    return env


def _deathsig_prefix():
    """setpriv --pdeathsig KILL, when setpriv (util-linux) works here; else nothing, and the
    atexit and signal handlers have to do."""
    if not hasattr(_deathsig_prefix, "prefix"):
        setpriv = shutil.which("setpriv")
        ok = setpriv and subprocess.run([setpriv, "--pdeathsig", "KILL", "--", "true"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL).returncode == 0
        _deathsig_prefix.prefix = [setpriv, "--pdeathsig", "KILL", "--"] if ok else []
    return _deathsig_prefix.prefix


def spawn(argv, **kw):
    """subprocess.Popen(argv) that dies with this test (setpriv execs argv: same pid)."""
    _clean_up_at_end()
    _children[:] = [p for p in _children if p.poll() is None]
    p = subprocess.Popen(_deathsig_prefix() + list(argv), **kw)
    _children.append(p)
    return p


def kill_children():
    for p in _children:
        if p.poll() is None:
            p.kill()
            p.wait()


_live = []  # services started and not stopped yet


def _clean_up():
    kill_children()
    for s in list(_live):
        s.stop()


def _on_signal(signum, frame):
    _clean_up()
    sys.exit(128 + signum)


def _clean_up_at_end():
    """At exit, and on SIGTERM, SIGINT or SIGHUP (then exit 128 + the signal): the runs under
    way are killed first (a client whose server is gone would only wait), then the services
    still running are stopped."""
    if not getattr(_clean_up_at_end, "done", False):
        _clean_up_at_end.done = True
        atexit.register(_clean_up)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, _on_signal)


class Service:
    """A server or cluster that a test starts: a context manager, and stopped when the test
    ends without stopping it. A subclass calls track() in start() and begins stop() with
    `if not self.untrack(): return`, so that stopping twice is harmless."""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def track(self):
        _clean_up_at_end()
        _live.append(self)

    def untrack(self):
        """Whether it was running (and is now no longer counted as such)."""
        if self not in _live:
            return False
        _live.remove(self)
        return True


class Result:
    """What one run did: rc (-N when killed by signal N), out, err (text), wall (s),
    timed_out, pid, and for runs with events the seconds at which each event fired."""

    def __init__(self, argv, rc, out, err, wall, timed_out, fired=None, pid=None):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.wall, self.timed_out = wall, timed_out
        self.fired = fired or {}
        self.pid = pid

    @property
    def out_lines(self):
        return self.out.splitlines()

    @property
    def err_lines(self):
        return self.err.splitlines()

    def crash_problems(self):
        """A crash is death by a signal we did not send, or a sanitizer/abort trace."""
        bad = []
        if self.timed_out:
            bad.append("did not finish in time: killed after %.1f s" % self.wall)
        elif self.rc < 0:
            bad.append("died of signal %d" % -self.rc)
        if CRASH_RE.search(self.err):
            bad.append("crash signs on stderr")
        return bad

    def show(self, lines=25):
        """The run, for a failure message."""
        def head(text):
            ls = text.splitlines()
            more = ["... (%d more lines)" % (len(ls) - lines)] if len(ls) > lines else []
            return ["  " + x for x in ls[:lines]] + more
        fired = ["event %s at %.2f s" % kv for kv in sorted(self.fired.items(),
                                                              key=lambda kv: kv[1])]
        if len(fired) > 6:  # a feeder's many batches say little; keep the first few
            fired = fired[:5] + ["... (%d more events)" % (len(fired) - 5)]
        return (["command: %s" % " ".join(self.argv),
                 "exit status %s, %.2f s%s" % (self.rc, self.wall,
                                              " (timed out)" if self.timed_out else "")]
                + fired + ["--- stderr:"] + head(self.err) + ["--- stdout:"] + head(self.out))


def _text(b):
    return b.decode(errors="replace")


def _finish(p, timeout, stdin=None):
    """communicate() within timeout, else SIGKILL: (out, err, timed_out)."""
    try:
        out, err = p.communicate(input=stdin, timeout=timeout)
        return out, err, False
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return out, err, True


def run(argv, timeout=60.0, env=None, stdin=None):
    """Runs argv with a hard timeout (SIGKILL, and the result says timed_out). stdin: text
    or bytes to feed, or None for /dev/null. env None: ours."""
    t0 = time.monotonic()
    p = spawn(argv, stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if isinstance(stdin, str):
        stdin = stdin.encode()
    out, err, timed_out = _finish(p, timeout, stdin)
    return Result(argv, p.returncode, _text(out), _text(err), time.monotonic() - t0, timed_out,
                  pid=p.pid)


def run_signalled(argv, sig, delay, timeout=30.0, env=None):
    """Runs argv, sends sig after delay seconds and waits (at most timeout s, then SIGKILL).
    Returns (Result, seconds from the signal to the exit, alive when signalled)."""
    t0 = time.monotonic()
    p = spawn(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
              env=env)
    time.sleep(delay)
    alive = p.poll() is None
    ts = time.monotonic()
    p.send_signal(sig)
    out, err, timed_out = _finish(p, timeout)
    t1 = time.monotonic()
    res = Result(argv, p.returncode, _text(out), _text(err), t1 - t0, timed_out, pid=p.pid)
    return res, t1 - ts, alive


class Event:
    """Something to do to a running program: when(elapsed, out, fired) says whether it is
    time (out: its stdout so far; fired: name -> time of the events done), action(proc)
    does it. Each event fires at most once."""

    def __init__(self, name, when, action):
        self.name, self.when, self.action = name, when, action


def first_of(*conds):
    return lambda elapsed, out, fired: any(c(elapsed, out, fired) for c in conds)


def at(seconds):
    """At `seconds` after the start."""
    return lambda elapsed, out, fired: elapsed >= seconds


def after_line(regex, delay=0.0):
    """`delay` seconds after stdout first has a line matching regex. The first sighting is
    remembered per condition, so the delay counts from when we saw it."""
    pat = re.compile(regex, re.M)
    seen = {}

    def cond(elapsed, out, fired):
        if "t" not in seen and pat.search(out):
            seen["t"] = elapsed
        return "t" in seen and elapsed >= seen["t"] + delay
    return cond


def after_event(name, delay):
    """`delay` seconds after the event `name` fired."""
    return lambda elapsed, out, fired: name in fired and elapsed >= fired[name] + delay


def signal_action(sig):
    return lambda proc: proc.send_signal(sig)


def run_with_events(argv, events, timeout=60.0, env=None):
    """Runs argv while doing `events` at their moments (polled every 20 ms). Output goes to
    temporary files, so a chatty program never blocks on a full pipe. The program writes
    through its own opening of each file, in append mode: sharing ours, it would write at the
    offset our seek(0) leaves, over what it wrote before (a header overwritten by a line)."""
    with tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr, \
            open("/proc/self/fd/%d" % fout.fileno(), "ab") as cout, \
            open("/proc/self/fd/%d" % ferr.fileno(), "ab") as cerr:
        t0 = time.monotonic()
        p = spawn(argv, stdin=subprocess.DEVNULL, stdout=cout, stderr=cerr, env=env)
        fired, pending, timed_out = {}, list(events), False
        while p.poll() is None:
            elapsed = time.monotonic() - t0
            if elapsed > timeout:
                timed_out = True
                p.kill()
                p.wait()
                break
            if pending:
                fout.seek(0)
                out = _text(fout.read())
                for ev in list(pending):
                    if ev.when(elapsed, out, fired):
                        ev.action(p)
                        fired[ev.name] = time.monotonic() - t0
                        pending.remove(ev)
            time.sleep(0.02)
        wall = time.monotonic() - t0
        fout.seek(0)
        ferr.seek(0)
        return Result(argv, p.returncode, _text(fout.read()), _text(ferr.read()), wall,
                      timed_out, fired, pid=p.pid)


def ran_ok(res, rc=0):
    """Problems of a run that should have exited rc on its own."""
    bad = res.crash_problems()
    if res.rc != rc:
        bad.append("exit status %s, want %d" % (res.rc, rc))
    return bad + (res.show() if bad else [])


def bad_input_problems(res, names, bound=15.0):
    """The project's bad input: exit status 2 and one stderr line naming the value (any one
    of `names` will do), quickly."""
    bad = res.crash_problems()
    if res.rc != 2:
        bad.append("exit status %s, want 2" % res.rc)
    lines = [ln for ln in res.err_lines if ln.strip()]
    if len(lines) != 1:
        bad.append("%d lines on stderr, want 1" % len(lines))
    elif not any(n in lines[0] for n in names):
        bad.append("the stderr line names none of %r" % (names,))
    if res.wall > bound:
        bad.append("took %.1f s" % res.wall)
    return bad + (res.show() if bad else [])
