"""promenv.py - a real Prometheus server and a real Pushgateway for the live-metrics tests
(imported by tests/metrics/test_*.py and the dashboard's tests).

PromEnv starts Debian's `prometheus-pushgateway` and `prometheus` on 127.0.0.1 free ports, with
their data in a fresh directory under /var/tmp, a scrape config with scrape_interval 1s and two
scrape jobs, both with honor_labels: true (so pvcbench's own `job` label and the pushed groups'
job and instance are kept, instead of being renamed exported_job):
  - job_name "pvcbench": the targets given (host:port of pvcbench's --metrics-listen); its
    series have instance="127.0.0.1:PORT";
  - job_name "pushgateway": the Pushgateway; pvcbench's pushed series have
    instance=<pod or hostname> from the push's grouping key (docs/metrics.md).
query(expr) asks Prometheus' HTTP API and returns [(labels dict, float value)];
wait_until(expr, predicate, timeout) repeats it until predicate(result) holds;
promtool_check(text) lints an exposition with `promtool check metrics`; set_targets(targets)
rewrites the scrape config and reloads it (SIGHUP). stop() stops both servers and removes the
directory; it runs also at exit, on SIGTERM/SIGINT/SIGHUP, and the servers die with the test
(runs.spawn's parent-death signal) when the test is killed; the directory a killed test left is
removed by the next one that starts.

A missing binary: checks.skip (exit 77 outside CI, a failure under CI=true).
Standard library only.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from runs import Service, spawn

READY_TIMEOUT = 20.0
BINARIES = ("prometheus", "prometheus-pushgateway", "promtool")


def free_port():
    """A TCP port free on 127.0.0.1 now (the kernel's pick; another process could take it
    before it is used, which the caller sees as a bind error)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5.0):
    """(status, body text) of a GET; status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def _remove_stale_dirs():
    """The directories of earlier tests killed before they could remove theirs (SIGKILL: the
    servers died with them, the directory stayed): /var/tmp/pvcbench-prom.PID.* of a PID gone."""
    for name in os.listdir("/var/tmp"):
        m = re.match(r"pvcbench-prom\.(\d+)\.", name)
        if not m:
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join("/var/tmp", name), ignore_errors=True)
        except PermissionError:
            pass


def _config(targets, push_port, interval):
    # JSON is YAML: no YAML writer needed
    cfg = {
        "global": {"scrape_interval": interval, "scrape_timeout": interval,
                   "evaluation_interval": interval},
        "scrape_configs": [
            {"job_name": "pvcbench", "honor_labels": True,
             "static_configs": [{"targets": list(targets)}]},
            {"job_name": "pushgateway", "honor_labels": True,
             "static_configs": [{"targets": ["127.0.0.1:%d" % push_port]}]},
        ],
    }
    return json.dumps(cfg, indent=1)


class PromEnv(Service):
    """Prometheus + Pushgateway on loopback. Attributes once started: prom_url, push_url
    (the Pushgateway's base URL, for --metrics-push), dir."""

    def __init__(self, checks, targets=(), scrape_interval="1s"):
        self.checks = checks
        self.targets = list(targets)
        self.interval = scrape_interval
        self.procs = []
        self.dir = None

    # ------------------------------------------------------------ lifecycle

    def start(self):
        missing = [b for b in BINARIES if not shutil.which(b)]
        if missing:
            self.checks.skip("%s not installed (apt install prometheus prometheus-pushgateway)"
                             % ", ".join(missing))
        self.track()
        _remove_stale_dirs()
        self.dir = tempfile.mkdtemp(prefix="pvcbench-prom.%d." % os.getpid(), dir="/var/tmp")
        self.push_port = free_port()
        self.prom_port = free_port()
        self.push_url = "http://127.0.0.1:%d" % self.push_port
        self.prom_url = "http://127.0.0.1:%d" % self.prom_port
        self.cfg_path = os.path.join(self.dir, "prometheus.yml")
        self._write_config()
        self._log_push = open(os.path.join(self.dir, "pushgateway.log"), "w")
        self._log_prom = open(os.path.join(self.dir, "prometheus.log"), "w")
        self.push = spawn(["prometheus-pushgateway",
                           "--persistence.file=" + os.path.join(self.dir, "pg.data"),
                           "--web.listen-address=127.0.0.1:%d" % self.push_port],
                          stdin=subprocess.DEVNULL, stdout=self._log_push,
                          stderr=subprocess.STDOUT)
        self.procs.append(self.push)
        self.prom = spawn(["prometheus", "--config.file=" + self.cfg_path,
                           "--storage.tsdb.path=" + os.path.join(self.dir, "tsdb"),
                           "--web.listen-address=127.0.0.1:%d" % self.prom_port],
                          stdin=subprocess.DEVNULL, stdout=self._log_prom,
                          stderr=subprocess.STDOUT)
        self.procs.append(self.prom)
        for name, url, proc in (("pushgateway", self.push_url, self.push),
                                ("prometheus", self.prom_url, self.prom)):
            deadline = time.monotonic() + READY_TIMEOUT
            while http_get(url + "/-/ready", timeout=1.0)[0] != 200:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = self.log(name)
                    self.stop()
                    raise RuntimeError("%s did not start:\n%s" % (name, log[-2000:]))
                time.sleep(0.1)
        return self

    def _write_config(self):
        tmp = self.cfg_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(_config(self.targets, self.push_port, self.interval))
        os.rename(tmp, self.cfg_path)

    def set_targets(self, targets):
        """Scrape these host:port targets from now on (config rewritten, SIGHUP reload)."""
        self.targets = list(targets)
        self._write_config()
        self.prom.send_signal(signal.SIGHUP)

    def log(self, name):
        """What prometheus or pushgateway printed so far."""
        try:
            with open(os.path.join(self.dir, name + ".log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if not self.untrack():
            return
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for f in (getattr(self, "_log_push", None), getattr(self, "_log_prom", None)):
            if f:
                f.close()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------ asking

    def query(self, expr):
        """Prometheus' instant query: [(labels dict, float value)]. Raises on an API error."""
        url = "%s/api/v1/query?%s" % (self.prom_url, urllib.parse.urlencode({"query": expr}))
        status, body = http_get(url)
        if status != 200:
            raise RuntimeError("query %r: HTTP %s: %s" % (expr, status, body[:500]))
        doc = json.loads(body)
        if doc.get("status") != "success":
            raise RuntimeError("query %r: %s" % (expr, body[:500]))
        data = doc["data"]
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        if data["resultType"] != "vector":
            raise RuntimeError("query %r: result type %s, want vector" % (expr,
                                                                          data["resultType"]))
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def wait_until(self, expr, predicate, timeout=15.0, every=0.25):
        """Queries expr until predicate(result) is true or timeout s passed. Returns
        (ok, last result)."""
        deadline = time.monotonic() + timeout
        while True:
            res = self.query(expr)
            if predicate(res):
                return True, res
            if time.monotonic() > deadline:
                return False, res
            time.sleep(every)

    def targets_up(self, timeout=15.0):
        """Waits until every scrape target reports up == 1; returns the problems."""
        want = set(self.targets) | {"127.0.0.1:%d" % self.push_port}

        def all_up(res):
            return want <= {lab.get("instance") for lab, v in res if v == 1}
        ok, res = self.wait_until("up", all_up, timeout)
        return [] if ok else ["targets up: %r, want all of %r" % (res, sorted(want))]

    def pushed(self):
        """The Pushgateway's own /metrics body (what it holds)."""
        return http_get(self.push_url + "/metrics")[1]

    def promtool_check(self, text):
        """`promtool check metrics` on text: [] when clean, else its lines (and status)."""
        p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        out = p.stdout.decode(errors="replace").strip()
        problems = out.splitlines() if out else []
        if p.returncode != 0 and not problems:
            problems = ["promtool exited %d" % p.returncode]
        return problems
