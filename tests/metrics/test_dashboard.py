#!/usr/bin/env python3
"""test_dashboard.py - the Grafana dashboard k8s/monitoring/pvcbench-dashboard.json against a
real run scraped by a real Prometheus.

1. Its structure: valid JSON of a Grafana 9/10 dashboard, unique panel ids, panels only of the
   types Grafana ships (row, timeseries, stat, heatmap) inside the 24-column grid, every panel
   and every query on the datasource variable, the variables datasource, storage_class,
   namespace and pod (label_values over pvcbench's series), and every metric a query names is
   one include/pvcbench/metrics.h declares.
2. Its queries: Debian's prometheus (tests/lib/promenv.py) scrapes `pvcbench fio` with a read
   job, a rate-limited write job and one that stalls, run with --metrics-listen on a free
   loopback port and the downward API's variables set (PVCBENCH_POD, _NODE, _NAMESPACE,
   _STORAGE_CLASS). Then every
   PromQL expression of every panel, with Grafana's variables substituted ($storage_class,
   $namespace, $pod: the values set; $workload: ".*"; $__rate_interval 5s; $__range from the
   start of the run), is run through Prometheus' query API at a moment inside the run: each
   must return a non-empty vector (the failure names the panel and the query), carry the
   labels it groups by, and the throughput, operation and latency queries positive values.
   Each variable's label_values query must offer the value set. A third job writes once a
   second on average with a 0.3 s stall threshold: the stall panels must show its stalls.
3. With PVCBENCH_DASHBOARD_SNAPSHOT=OUT.png, the panels' query results over the run are drawn
   by dashboard_snapshot.py and photographed with headless chromium into OUT.png (how
   docs/img/dashboard.png is made).

Usage: python3 test_dashboard.py PATH_TO_PVCBENCH
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
from checks import Checks  # noqa: E402
from promenv import PromEnv, free_port, http_get  # noqa: E402
from runs import Result, c_locale_env, ran_ok, spawn  # noqa: E402
import dashboard_snapshot  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DASHBOARD = os.path.join(ROOT, "k8s", "monitoring", "pvcbench-dashboard.json")
METRICS_H = os.path.join(ROOT, "include", "pvcbench", "metrics.h")

RUN_SECONDS = 10
LABELS = {"PVCBENCH_POD": "dash-pod-0", "PVCBENCH_NODE": "dash-node",
          "PVCBENCH_NAMESPACE": "dash-ns", "PVCBENCH_STORAGE_CLASS": "dash-class"}
SNAPSHOT_SUBTITLE = ("pvcbench fio for %d s in a temporary directory: dash-read (random reads, "
                     "unlimited), dash-write (random writes at rate_iops=200), dash-stall (a "
                     "write a second at random moments, stall threshold 0.3 s); scraped every "
                     "1 s" % RUN_SECONDS)
PANEL_TYPES = {"row", "timeseries", "stat", "heatmap"}
DATASOURCE_UIDS = {"${datasource}", "$datasource"}


def declared_metrics():
    """The metric names metrics.h's header comment declares (histograms with their series)."""
    with open(METRICS_H) as f:
        text = f.read()
    names = set(re.findall(r"\*\s+(pvcbench_[a-z_]+)", text))
    for n in list(names):
        if n.endswith("_seconds") and "histogram" in text.split(n, 1)[1].split("\n", 1)[0]:
            names |= {n + "_bucket", n + "_sum", n + "_count"}
    return names


def panels_of(dash):
    """Every panel, those inside collapsed rows too."""
    for p in dash.get("panels", []):
        yield p
        for q in p.get("panels", []) or []:
            yield q


def queries(dash):
    """[(panel title, refId, expr, panel)] of every panel's targets."""
    out = []
    for p in panels_of(dash):
        for t in p.get("targets", []) or []:
            out.append((p.get("title", "?"), t.get("refId", "?"), t.get("expr", ""), p))
    return out


def substitute(expr, values, range_s):
    """Grafana's variables as Grafana would expand them for this dashboard's time range."""
    def var(m):
        name = m.group(1) or m.group(2)
        if name == "__rate_interval":
            return "5s"
        if name == "__interval":
            return "1s"
        if name == "__range":
            return "%ds" % range_s
        if name == "__range_s":
            return str(range_s)
        if name in values:
            return values[name]
        raise KeyError("unknown variable $%s" % name)
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", var, expr)


# ---------------------------------------------------------------------------- structure

def structure(checks, dash):
    problems = []
    ids = [p.get("id") for p in panels_of(dash)]
    dup = sorted({i for i in ids if ids.count(i) > 1}, key=str)
    if dup or None in ids:
        problems.append("panel ids not unique or missing: %r" % (dup or ids,))
    for p in panels_of(dash):
        where = "panel %s %r" % (p.get("id"), p.get("title"))
        if p.get("type") not in PANEL_TYPES:
            problems.append("%s: type %r, not one of %s"
                            % (where, p.get("type"), sorted(PANEL_TYPES)))
        g = p.get("gridPos", {})
        if not (g.get("w", 0) > 0 and g.get("h", 0) > 0 and 0 <= g.get("x", -1)
                and g["x"] + g["w"] <= 24):
            problems.append("%s: gridPos %r outside the 24-column grid" % (where, g))
        if p.get("type") == "row":
            continue
        if (p.get("datasource") or {}).get("uid") not in DATASOURCE_UIDS:
            problems.append("%s: datasource %r, not the variable ${datasource}"
                            % (where, p.get("datasource")))
        if not p.get("targets"):
            problems.append("%s: no queries" % where)
        for t in p.get("targets", []):
            if (t.get("datasource") or {}).get("uid") not in DATASOURCE_UIDS:
                problems.append("%s %s: datasource %r"
                                % (where, t.get("refId"), t.get("datasource")))
            if not t.get("expr"):
                problems.append("%s %s: no expr" % (where, t.get("refId")))
        refs = [t.get("refId") for t in p.get("targets", [])]
        if len(set(refs)) != len(refs):
            problems.append("%s: refIds repeat: %r" % (where, refs))
    taken = {}
    for p in panels_of(dash):
        g = p.get("gridPos", {})
        for x in range(g.get("x", 0), g.get("x", 0) + g.get("w", 0)):
            for y in range(g.get("y", 0), g.get("y", 0) + g.get("h", 0)):
                if (x, y) in taken and taken[(x, y)] != p.get("id"):
                    problems.append("panels %s and %s overlap at x=%d y=%d"
                                    % (taken[(x, y)], p.get("id"), x, y))
                    break
                taken[(x, y)] = p.get("id")
            else:
                continue
            break
    checks.check("%d panels: unique ids, known types, in the grid without overlaps, each on "
                 "${datasource}" % len(ids), problems)

    problems = []
    tvars = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = tvars.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append("no datasource variable of type datasource over prometheus: %r" % ds)
    for name in ("storage_class", "namespace", "pod"):
        v = tvars.get(name)
        q = (v or {}).get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if not v or v.get("type") != "query" or not re.match(
                r"label_values\(pvcbench_\w+(\{[^}]*\})?, *%s\)$" % name, q or ""):
            problems.append("variable %s: not a query label_values(pvcbench_..., %s): %r"
                            % (name, name, q))
        elif not (v.get("includeAll") and v.get("allValue") == ".*"):
            problems.append("variable %s: no All (allValue .*): pods without the label would "
                            "vanish" % name)
    checks.check("variables: datasource, and storage_class, namespace, pod from label_values",
                 problems)

    known = declared_metrics()
    problems = []
    for title, ref, expr, _ in queries(dash):
        for name in set(re.findall(r"\bpvcbench_\w+", expr)):
            if name not in known:
                problems.append("%s %s: %s is not declared in metrics.h" % (title, ref, name))
    for v in tvars.values():
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        for name in set(re.findall(r"\bpvcbench_\w+", q or "")):
            if name not in known:
                problems.append("variable %s: %s is not declared in metrics.h" % (v["name"], name))
    checks.check("every metric the queries name is one of metrics.h's %d" % len(known),
                 problems if known else ["no metric names found in %s" % METRICS_H])
    return tvars


# ---------------------------------------------------------------------------- the run

class Api:
    """Prometheus' HTTP API at a given evaluation time."""

    def __init__(self, url):
        self.url = url

    def get(self, path, **params):
        query = urllib.parse.urlencode(params, doseq=True)
        status, body = http_get("%s%s?%s" % (self.url, path, query))
        if status != 200:
            raise RuntimeError("%s %r: HTTP %s: %s" % (path, params, status, body[:300]))
        doc = json.loads(body)
        if doc.get("status") != "success":
            raise RuntimeError("%s %r: %s" % (path, params, body[:300]))
        return doc["data"]

    def query(self, expr, at):
        data = self.get("/api/v1/query", query=expr, time="%.3f" % at)
        if data["resultType"] != "vector":
            raise RuntimeError("result type %s, not a vector" % data["resultType"])
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]


def grouped_by(expr):
    """The labels of the outermost aggregation's by (...) clause, or None."""
    m = re.match(r"\s*(?:sum|max|min|avg)\s+by\s*\(([^)]*)\)", expr)
    if not m:
        m = re.match(r"\s*histogram_quantile\([^,]+,\s*sum\s+by\s*\(([^)]*)\)", expr)
    if not m:
        return None
    return [x.strip() for x in m.group(1).split(",") if x.strip() and x.strip() != "le"]


def run_and_scrape(checks, bench, dash, tvars):
    tmp = tempfile.mkdtemp(prefix="pvcbench-dash.")
    try:
        with PromEnv(checks) as prom:
            port = free_port()
            prom.set_targets(["127.0.0.1:%d" % port])
            api = Api(prom.prom_url)
            # scraping from the run's first second on: Prometheus has taken the target (down
            # until pvcbench listens) before pvcbench starts
            deadline = time.monotonic() + 15
            while not any(t.get("scrapeUrl", "").startswith("http://127.0.0.1:%d/" % port)
                          for t in api.get("/api/v1/targets")["activeTargets"]):
                if time.monotonic() > deadline:
                    raise RuntimeError("Prometheus did not take the target 127.0.0.1:%d" % port)
                time.sleep(0.1)
            env = c_locale_env()
            env.update(LABELS)
            for k in ("PVCBENCH_METRICS_LISTEN", "PVCBENCH_METRICS_PUSH"):
                env.pop(k, None)
            argv = [bench, "fio", "--directory=" + tmp, "--size=4M", "--bs=4k",
                    "--runtime=%d" % RUN_SECONDS, "--time_based", "--output-format=json",
                    "--metrics-listen=127.0.0.1:%d" % port, "--metrics-linger=10s",
                    "--name=dash-read", "--rw=randread",
                    "--name=dash-write", "--rw=randwrite", "--rate_iops=200",
                    # one write a second on average, at random (poisson) moments, against a
                    # 0.3 s threshold: stalled ~74% of the time, and never in step with the
                    # 1 s scrapes (a steady 1/s would show a scrape the same phase each time)
                    "--name=dash-stall", "--rw=randwrite", "--rate_iops=1",
                    "--rate_process=poisson", "--stall-threshold=300ms"]
            t_start = time.time()
            proc = spawn(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
            try:
                out, err = proc.communicate(timeout=RUN_SECONDS + 30)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            t_end = time.time()
            res = Result(argv, proc.returncode, out.decode(errors="replace"),
                         err.decode(errors="replace"), t_end - t_start, False, pid=proc.pid)
            if not checks.check("pvcbench fio with --metrics-listen ran (%.1f s)" % res.wall,
                                ran_ok(res)):
                return
            try:
                result = json.loads(res.out)
                names = sorted(j["jobname"] for j in result["jobs"])
                moved = all(j["read"]["total_ios"] + j["write"]["total_ios"] > 0
                            for j in result["jobs"])
                bad = [] if names == ["dash-read", "dash-stall", "dash-write"] and moved else \
                    ["jobs %r, each with I/Os: %s" % (names, moved)]
            except (ValueError, KeyError, TypeError) as e:
                bad = ["its JSON: %s" % e] + res.show()
            checks.check("its JSON holds the three jobs, each with I/Os", bad)

            # the moment the queries are asked: the last scrape that saw the measured run (phase
            # run), so that every rate window (5 s at a 1 s scrape) ends inside it; found from
            # what Prometheus holds, not from our clock, as a loaded machine may start late
            seen = api.get("/api/v1/query_range", query='pvcbench_phase{phase="run"} == 1',
                           start="%.3f" % t_start, end="%.3f" % t_end, step="0.5")["result"]
            stamps = sorted({float(t) for r in seen for t, _ in r["values"]})
            if not checks.check("Prometheus saw the measured run for 5 s or more (%d "
                                "half-second steps)" % len(stamps),
                                [] if len(stamps) >= 10 else
                                ["the run phase in %d steps: too few for 5 s rate windows"
                                 % len(stamps)] + res.show()):
                return
            at = stamps[-1]
            values = {"storage_class": LABELS["PVCBENCH_STORAGE_CLASS"],
                      "namespace": LABELS["PVCBENCH_NAMESPACE"],
                      "pod": LABELS["PVCBENCH_POD"], "workload": ".*",
                      "datasource": "prometheus"}
            range_s = max(1, int(at - t_start))
            check_queries(checks, api, dash, values, range_s, at)
            check_variables(checks, api, tvars, values, t_start, t_end)
            check_stalls(checks, api, dash, values, range_s, at, t_start)

            snap = os.environ.get("PVCBENCH_DASHBOARD_SNAPSHOT")
            if snap:
                bad = dashboard_snapshot.snapshot(prom.prom_url, dash, values, t_start, t_end,
                                                  snap, subtitle=SNAPSHOT_SUBTITLE)
                checks.check("snapshot of the dashboard's data in %s" % snap, bad)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_queries(checks, api, dash, values, range_s, at):
    problems = []
    qs = queries(dash)
    for title, ref, expr, panel in qs:
        where = "panel %r query %s" % (title, ref)
        try:
            q = substitute(expr, values, range_s)
        except KeyError as e:
            problems.append("%s: %s in %s" % (where, e, expr))
            continue
        try:
            res = api.query(q, at)
        except RuntimeError as e:
            problems.append("%s: %s\n  %s" % (where, e, q))
            continue
        if not res:
            problems.append("%s returned no data:\n  %s" % (where, q))
            continue
        by = grouped_by(q) or []
        missing = [lab for lab in by if not all(m.get(lab) for m, _ in res)]
        if missing:
            problems.append("%s: series without %s: %r" % (where, missing, res[:3]))
        # what a run that moves data must show: positive throughput, rates and latencies
        moving = re.search(r"pvcbench_(bytes|operations)_total|pvcbench_latency_seconds", q) \
            and "increase(" not in q
        if moving and not any(v > 0 and v == v and v != float("inf") for _, v in res):
            problems.append("%s: no positive finite value: %r\n  %s" % (where, res[:4], q))
        classes = {m.get("storage_class") for m, _ in res}
        if "storage_class" in by and classes != {values["storage_class"]}:
            problems.append("%s: storage classes %r" % (where, classes))
    checks.check("each of the dashboard's %d queries returns data from the run" % len(qs), problems)


def panel(dash, title):
    return next((p for p in panels_of(dash) if p.get("title") == title), None)


def check_stalls(checks, api, dash, values, range_s, at, t_start):
    """The stall panels see the stalls of dash-stall (a write a second, 0.3 s threshold)."""
    problems = []
    count = panel(dash, "Stalls begun in the time range")
    stalled = panel(dash, "Stalled jobs")
    if not count or not stalled:
        return checks.check("the stall panels", ["no panel 'Stalls begun in the time range' "
                                                 "or 'Stalled jobs'"])
    q = substitute(count["targets"][0]["expr"], values, range_s)
    res = api.query(q, at)
    if not any(v >= 1 for _, v in res):
        problems.append("%r shows %r, want 1 or more:\n  %s" % (count["title"], res, q))
    q = substitute(stalled["targets"][0]["expr"], values, range_s)
    series = api.get("/api/v1/query_range", query=q, start="%.3f" % t_start,
                     end="%.3f" % at, step="0.25")["result"]
    seen = {r["metric"].get("job"): max(float(v) for _, v in r["values"]) for r in series}
    if seen.get("dash-stall") != 1:
        problems.append("%r: the highest value per job %r, want dash-stall 1:\n  %s"
                        % (stalled["title"], seen, q))
    checks.check("the stall panels show dash-stall's stalls", problems)


def check_variables(checks, api, tvars, values, t_start, t_end):
    problems = []
    for name in ("storage_class", "namespace", "pod", "workload"):
        v = tvars.get(name)
        if not v:
            continue
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.match(r"label_values\((.+), *(\w+)\)$", q)
        if not m:
            problems.append("variable %s: %r is not label_values(SELECTOR, LABEL)" % (name, q))
            continue
        sel = substitute(m.group(1), {k: ".*" for k in values}, 1)
        got = api.get("/api/v1/label/%s/values" % m.group(2), **{
            "match[]": sel, "start": "%.3f" % t_start, "end": "%.3f" % t_end})
        want = {"workload": "fio"}.get(name, values.get(name))
        if want not in got:
            problems.append("variable %s: %s offers %r, not %r" % (name, q, got, want))
    checks.check("the variables' label_values queries offer the run's labels", problems)


def main():
    checks = Checks()
    if len(sys.argv) != 2:
        print("usage: test_dashboard.py PATH_TO_PVCBENCH", file=sys.stderr)
        sys.exit(2)
    bench = sys.argv[1]
    try:
        with open(DASHBOARD) as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        checks.check("%s is JSON" % DASHBOARD, [str(e)])
        checks.finish()
    tvars = structure(checks, dash)
    checks.section(run_and_scrape, checks, bench, dash, tvars)
    checks.finish()


if __name__ == "__main__":
    main()
