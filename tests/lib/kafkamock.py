"""kafkamock.py - the harness of the kafka tests (imported by tests/kafka/test_*.py).

Each test file starts its own mock cluster with `pvcbench kafka mock` (librdkafka's mock
brokers on loopback), drives it through its stdin control lines (`down ID`, `up ID`,
`topic NAME P R`, answered `ok ...`/`error ...` on its stdout), checks what reached the
cluster with kcat, and reports its checks through checks.py (exit 0 pass, 1 fail, 77
skip; a skip under CI=true is a failure: a CI machine without kcat or without the kafka
module cannot say whether pvcbench kafka works).

Every program runs under runs.py's hard timeout; the mock is stopped (SIGTERM, then SIGKILL)
when the test ends: by the context manager, at exit, on SIGTERM/SIGINT/SIGHUP, and, when the
test itself is killed with SIGKILL (a ctest timeout), by the kernel through setpriv's
parent-death signal, which every program the tests start gets. Scratch directories of killed
tests are removed by the next test that starts.

Usage of a test: `python3 tests/kafka/test_X.py PATH_TO_PVCBENCH`.
"""
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import runs
from checks import Checks  # noqa: F401 - the tests import these from here
from runs import (Event, Result, Service, after_event, after_line, at,  # noqa: F401
                  bad_input_problems, c_locale_env, first_of, ran_ok, signal_action, spawn)

MOCK_START_TIMEOUT = 20.0
CONTROL_TIMEOUT = 10.0


# ---------------------------------------------------------------- running a program

def scratch_dir(what):
    """A new directory /var/tmp/pvcbench-kafka-WHAT.PID.XXXX. Those of earlier tests whose
    process is gone (killed before they could clean up) are removed first."""
    for name in os.listdir("/var/tmp"):
        m = re.match(r"pvcbench-kafka-[a-z]+\.(\d+)\.", name)
        if m and not _pid_alive(int(m.group(1))):
            shutil.rmtree(os.path.join("/var/tmp", name), ignore_errors=True)
    return tempfile.mkdtemp(prefix="pvcbench-kafka-%s.%d." % (what, os.getpid()),
                            dir="/var/tmp")


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def base_env():
    """Every program we run gets English messages and UTC (the consumer's dates are
    compared with our clock), and kcat reads no configuration file of the machine's."""
    env = c_locale_env()
    env["TZ"] = "UTC"
    env["KCAT_CONFIG"] = "/dev/null"
    return env


def run(argv, timeout=60.0, env=None, stdin=None):
    """runs.run with the kafka tests' environment unless another is given."""
    return runs.run(argv, timeout=timeout, env=env or base_env(), stdin=stdin)


def run_with_events(argv, events, timeout=60.0, env=None):
    """runs.run_with_events with the kafka tests' environment unless another is given."""
    return runs.run_with_events(argv, events, timeout=timeout, env=env or base_env())


def closed_port():
    """(socket, port): a loopback port bound but not listening, so connecting to it is
    refused for as long as the caller keeps the socket."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


# ---------------------------------------------------------------- the binary under test

class Bench:
    """pvcbench, run as `pvcbench kafka SUBCOMMAND ...`."""

    def __init__(self, path):
        self.path = os.path.abspath(path)

    def argv(self, sub, args):
        return [self.path, "kafka", sub] + [str(a) for a in args]

    def run(self, sub, args, timeout=60.0, env=None, stdin=None):
        return run(self.argv(sub, args), timeout=timeout, env=env, stdin=stdin)

    def run_with_events(self, sub, args, events, timeout=60.0):
        return run_with_events(self.argv(sub, args), events, timeout=timeout)


def require_tools(checks):
    """The binary from the command line with its kafka module, and kcat; skips (a failure
    under CI=true) when one is missing."""
    if len(sys.argv) < 2:
        checks.skip("usage: %s PATH_TO_PVCBENCH" % sys.argv[0])
    path = sys.argv[1]
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        checks.skip("binary %s not found or not executable" % path)
    if not shutil.which("kcat"):
        checks.skip("kcat not found (apt-get install kcat)")
    bench = Bench(path)
    r = run([bench.path, "kafka", "--help"], timeout=20)
    if r.rc != 0:
        checks.skip("`%s kafka --help` exits %s: is the kafka module built (librdkafka-dev)?"
                    % (path, r.rc))
    return bench


# ---------------------------------------------------------------- the mock cluster

class MockCluster(Service):
    """`pvcbench kafka mock` for one test; use as a context manager.

    bootstrap: the list from its first stdout line. control(line) sends a control line and
    returns the answer. Its stderr (librdkafka's log) goes to a file, shown on failures.
    """

    def __init__(self, bench, brokers=3):
        self.bench = bench
        self.brokers = brokers
        self.proc = None
        self.bootstrap = None
        self.dir = None
        self._buf = b""

    @property
    def bootstrap_file(self):
        return os.path.join(self.dir, "bootstrap")

    def start(self, extra_args=None):
        self.dir = scratch_dir("mock")
        self.track()
        args = ["--brokers", str(self.brokers)] if self.brokers is not None else []
        args += ["--bootstrap-file", self.bootstrap_file] + list(extra_args or [])
        self.argv = self.bench.argv("mock", args)
        self._errf = open(os.path.join(self.dir, "stderr"), "wb")
        self.proc = spawn(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=self._errf, env=base_env())
        line = self.read_line(MOCK_START_TIMEOUT)
        if line is None:
            raise RuntimeError("`%s` printed no bootstrap line in %.0f s (exit status %s); "
                               "stderr:\n%s" % (" ".join(self.argv), MOCK_START_TIMEOUT,
                                                self.proc.poll(), self.stderr_tail()))
        self.bootstrap = line.strip()
        return self

    def read_line(self, timeout):
        """The next stdout line (text, without the newline), or None after timeout s or at
        EOF. Reads the pipe unbuffered, so a line never sits in a Python buffer."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], min(left, 0.2))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode(errors="replace")

    def control(self, line, timeout=CONTROL_TIMEOUT):
        """Sends one control line; returns the answer (a line starting `ok` or `error`).
        Raises when none comes in time, since nothing after it could be trusted."""
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        skipped = []
        while True:
            ans = self.read_line(max(deadline - time.monotonic(), 0))
            if ans is None:
                raise RuntimeError("the mock did not answer %r within %.0f s (other lines: %r)"
                                   % (line, timeout, skipped))
            if ans.startswith(("ok", "error")):
                return ans
            skipped.append(ans)

    def create_topic(self, name, partitions, replication=None):
        cmd = "topic %s %d" % (name, partitions)
        if replication is not None:
            cmd += " %d" % replication
        ans = self.control(cmd)
        if not ans.startswith("ok"):
            raise RuntimeError("the mock refused %r: %s" % (cmd, ans))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def terminate(self, sig=signal.SIGTERM, timeout=10.0):
        """Sends sig and waits; returns (exit status or None when still alive, seconds)."""
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
        return rc, time.monotonic() - t0

    def stderr_tail(self, n=20):
        try:
            with open(os.path.join(self.dir, "stderr"), errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s; the directory is removed."""
        if not self.untrack():
            return
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
            self._errf.close()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- kcat

KCAT_FORMAT = r"%p %o %S %s\n"  # partition, offset, payload length, payload, newline


def kcat_argv(mode, bootstrap, topic=None, extra=()):
    argv = ["kcat", mode, "-q", "-b", bootstrap]
    if topic is not None:
        argv += ["-t", topic]
    return argv + list(extra)


def parse_kcat_records(data):
    """kcat's KCAT_FORMAT output as [(partition, offset, payload bytes)]. The length
    prefix says how many bytes the payload takes, so payloads may hold any bytes."""
    records, pos = [], 0
    while pos < len(data):
        parts = []
        for _ in range(3):
            sp = data.index(b" ", pos)
            parts.append(int(data[pos:sp]))
            pos = sp + 1
        part, off, size = parts
        size = max(size, 0)  # -1 = a NULL payload
        payload = data[pos:pos + size]
        if len(payload) != size or data[pos + size:pos + size + 1] != b"\n":
            raise ValueError("kcat output cut in the middle of a record at byte %d" % pos)
        records.append((part, off, payload))
        pos += size + 1
    return records


class ReadBack:
    """What kcat read: records [(partition, offset, payload)], and whether it had to be
    stopped because fewer records came than asked for."""

    def __init__(self, records, timed_out, err):
        self.records, self.timed_out, self.err = records, timed_out, err

    @property
    def payloads(self):
        return [r[2] for r in self.records]

    def problems(self, count):
        """Empty when exactly `count` records were read."""
        if len(self.records) == count and not self.timed_out:
            return []
        return ["kcat read %d of %d records%s" % (len(self.records), count,
                                                  " before its timeout" if self.timed_out
                                                  else ""),
                "kcat stderr: %s" % self.err[-500:]]


def kcat_read(bootstrap, topic, count, timeout=None):
    """Reads `count` records of every partition from the beginning. kcat's -e can stop
    before the end against the mock, so it is -c with a timeout instead: when fewer than
    count records exist, kcat is stopped and what it printed is returned."""
    timeout = timeout or 30.0 + count / 5000.0
    argv = kcat_argv("-C", bootstrap, topic, ["-o", "beginning", "-c", str(count),
                                              "-f", KCAT_FORMAT])
    p = spawn(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
              stderr=subprocess.PIPE, env=base_env())
    timed_out = False
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        p.kill()
        out, err = p.communicate()
    # a kill can cut the last record short: keep the whole ones
    try:
        records = parse_kcat_records(out)
    except ValueError:
        cut = out.rfind(b"\n")
        records = []
        while cut > 0:
            try:
                records = parse_kcat_records(out[:cut + 1])
                break
            except ValueError:
                cut = out.rfind(b"\n", 0, cut)
    return ReadBack(records, timed_out, err.decode(errors="replace"))


def kcat_produce(bootstrap, topic, payloads, delimiter=b"\n", timeout=60.0):
    """Produces payloads (bytes without the delimiter) from kcat's stdin; True on success."""
    data = delimiter.join(payloads) + delimiter
    extra = [] if delimiter == b"\n" else ["-D", delimiter.decode()]
    r = run(kcat_argv("-P", bootstrap, topic, extra), timeout=timeout, stdin=data)
    if r.rc != 0 or r.timed_out:
        raise RuntimeError("kcat could not produce to %s:\n%s" % (topic, "\n".join(r.show())))


class KcatFeeder:
    """A kcat producer fed over time through its stdin, for tests that need records to
    keep arriving while something else runs."""

    def __init__(self, bootstrap, topic):
        self.proc = spawn(kcat_argv("-P", bootstrap, topic), stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          env=base_env())
        self.sent = 0

    def send(self, payloads):
        self.proc.stdin.write(b"".join(p + b"\n" for p in payloads))
        self.proc.stdin.flush()
        self.sent += len(payloads)

    def close(self, timeout=30.0):
        """Closes stdin (kcat then delivers what it has and exits); True on exit 0. kcat
        holds back the last few lines it read until then, so the records a test waits for
        are all there only after this."""
        if self.proc.stdin.closed:
            return self.proc.wait(timeout=timeout) == 0
        try:
            self.proc.stdin.close()
            return self.proc.wait(timeout=timeout) == 0
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
            return False


def kcat_metadata(bootstrap, topic=None, timeout=30.0):
    """The cluster's metadata as kcat -L -J gives it (a dict), or raises."""
    r = run(kcat_argv("-L", bootstrap, topic, ["-J", "-m", "5"]), timeout=timeout)
    if r.rc != 0:
        raise RuntimeError("kcat -L failed:\n" + "\n".join(r.show()))
    return json.loads(r.out)


def topic_partitions(bootstrap, topic):
    """The number of partitions of topic, 0 when the cluster does not know it."""
    md = kcat_metadata(bootstrap, topic)
    for t in md.get("topics", []):
        if t.get("topic") == topic and not t.get("error"):
            return len(t.get("partitions", []))
    return 0


def end_offsets(bootstrap, topic, timeout=30.0):
    """{partition: end offset}: with nothing removed by retention, their sum is the number
    of records the topic holds (kcat -Q with timestamp -1 asks for the latest offset)."""
    parts = topic_partitions(bootstrap, topic)
    if not parts:
        raise RuntimeError("topic %s not in the cluster's metadata" % topic)
    extra = ["-J"]
    for p in range(parts):
        extra += ["-t", "%s:%d:-1" % (topic, p)]
    r = run(kcat_argv("-Q", bootstrap, None, extra), timeout=timeout)
    if r.rc != 0:
        raise RuntimeError("kcat -Q failed:\n" + "\n".join(r.show()))
    doc = json.loads(r.out)[topic]
    return {int(k): v["offset"] for k, v in doc.items() if k != "topic"}


def records_in_topic(bootstrap, topic):
    return sum(end_offsets(bootstrap, topic).values())


# ---------------------------------------------------------------- small helpers

def unique(prefix):
    """A topic or group name no earlier run of this test used (the mock starts empty, but
    a name per check keeps one check's records out of another's)."""
    unique.n = getattr(unique, "n", 0) + 1
    return "%s-%d-%d" % (prefix, os.getpid(), unique.n)
