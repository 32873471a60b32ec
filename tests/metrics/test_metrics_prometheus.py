#!/usr/bin/env python3
"""test_metrics_prometheus.py - pvcbench's live metrics read by the real thing: Debian's
prometheus scraping --metrics-listen every second, and Debian's prometheus-pushgateway taking
--metrics-push (both started by promenv.py on 127.0.0.1 free ports).

A fio run of two jobs (randread and randwrite, psync, 4 s, in a fresh directory) serves and
pushes its metrics; after it ends (it lingers until Prometheus scraped the final values), the
values Prometheus' HTTP API gives, through the scrape and through the Pushgateway, equal the
final JSON's: pvcbench_operations_total, _bytes_total, _errors_total per job and op
(total_ios, io_bytes, errors), pvcbench_latency_seconds_count and _bucket{le="+Inf"}
(lat_hist.count), _sum (lat_hist.sum / 1e9, as exact as a float), and every le bucket the
count of lat_hist's buckets at or below that edge. `promtool check metrics` finds nothing in a
body scraped during the run. A kafka produce on an in-process mock cluster, scraped the same
way, equals its JSON too. The linger: results written before it, ended by one scrape of the
final values, by SIGTERM (status unchanged) or by its time. Then: SIGTERM during a pushed run ends it within 2 s with the
final values pushed; bad --metrics-* values and a port in use are refused with one line.

Usage: python3 test_metrics_prometheus.py PATH_TO_PVCBENCH
"""
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from decimal import Decimal

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import Checks  # noqa: E402
from histmodel import bucket_high  # noqa: E402
from promenv import PromEnv, free_port, http_get  # noqa: E402
from runs import bad_input_problems, c_locale_env, ran_ok, run, run_signalled, spawn  # noqa

POD = "pod-metrics-test"
JOBS = (("r", "randread"), ("w", "randwrite"))
OPS = ("read", "write", "trim")


def fio_args(directory, runtime="4"):
    args = ["fio", "--ioengine=psync", "--size=4M", "--bs=4k", "--runtime=" + runtime,
            "--time_based", "--output-format=json", "--directory=" + directory]
    for name, rw in JOBS:
        args += ["--name=" + name, "--rw=" + rw]
    return args


def final_figures(doc, ops=OPS):
    """{(job, op): {ops, bytes, errors, count, sum_ns, hist {bucket: count}}} of the JSON."""
    out = {}
    for j in doc["jobs"]:
        for op in ops:
            o = j.get(op)
            if o is None:
                continue
            lh = o["lat_hist"]
            out[(j["jobname"], op)] = {
                "ops": o["total_ios"], "bytes": o["io_bytes"], "errors": o.get("errors", 0),
                "count": lh["count"], "sum_ns": lh["sum"],
                "hist": {b: c for b, c in lh["buckets"]}}
    return out


def le_ns(text):
    return int(Decimal(text) * 1000000000)


def series(prom, expr):
    """{(job, op[, le]): value} of last_over_time(expr[5m]): the last value a series had, as
    the series of a target that went away are marked stale at the next scrape."""
    res = prom.query("last_over_time(%s[5m])" % expr)
    out = {}
    for labels, v in res:
        key = (labels.get("job"), labels.get("op"))
        if "le" in labels:
            key += (labels["le"],)
        out[key] = v
    return out


def compare(prom, instance, want, what, workload="fio"):
    """Problems: the values Prometheus holds for instance against the JSON's."""
    bad = []
    sel = '{instance="%s",workload="%s"}' % (instance, workload)
    for metric, field in (("pvcbench_operations_total", "ops"), ("pvcbench_bytes_total", "bytes"),
                          ("pvcbench_errors_total", "errors"),
                          ("pvcbench_latency_seconds_count", "count")):
        got = series(prom, metric + sel)
        for key, fig in want.items():
            if key not in got:
                bad.append("%s %s: no %s%s (has %s)" % (what, key, metric, sel, sorted(got)))
            elif got[key] != fig[field]:
                bad.append("%s %s: %s = %r, JSON %s = %r" % (what, key, metric, got[key], field,
                                                             fig[field]))
    sums = series(prom, "pvcbench_latency_seconds_sum" + sel)
    for key, fig in want.items():
        exp = fig["sum_ns"] / 1e9
        if key not in sums or abs(sums[key] - exp) > 1e-12 * max(1.0, exp):
            bad.append("%s %s: _sum = %r, JSON lat_hist.sum/1e9 = %r" % (what, key,
                                                                       sums.get(key), exp))
    buckets = series(prom, "pvcbench_latency_seconds_bucket" + sel)
    checked = 0
    for (job, op, le), v in buckets.items():
        fig = want.get((job, op))
        if fig is None:
            bad.append("%s: a bucket of an unknown job/op %s %s" % (what, job, op))
            continue
        if le == "+Inf":
            exp = fig["count"]
        else:
            edge = le_ns(le)
            exp = sum(c for b, c in fig["hist"].items() if bucket_high(b) <= edge)
        checked += 1
        if v != exp:
            bad.append("%s %s %s le=%s: %r, JSON buckets at or below: %r" % (what, job, op, le,
                                                                            v, exp))
    # every (job, op) has its +Inf and its buckets in between
    for key in want:
        if key + ("+Inf",) not in buckets:
            bad.append("%s %s: no le=\"+Inf\" bucket" % (what, key))
    if checked < 40 * len(want):
        bad.append("%s: only %d buckets came back for %d series" % (what, checked, len(want)))
    return bad


def main_run(checks, prom, bench, port, work):
    env = c_locale_env()
    env["PVCBENCH_POD"] = POD
    env["PVCBENCH_STORAGE_CLASS"] = "test-sc"
    argv = [bench] + fio_args(work) + [
        "--metrics-listen=127.0.0.1:%d" % port, "--metrics-push=" + prom.push_url,
        "--metrics-push-interval=1s", "--metrics-linger=20s"]
    t0 = time.monotonic()
    p = spawn(argv, stdout=open(os.path.join(work, "out.json"), "w"),
              stderr=open(os.path.join(work, "err.txt"), "w"), env=env)
    # a body scraped while it runs, for promtool
    body, deadline = "", time.monotonic() + 10
    while time.monotonic() < deadline and p.poll() is None:
        status, text = http_get("http://127.0.0.1:%d/metrics" % port, timeout=2)
        if status == 200 and "pvcbench_latency_seconds_bucket" in text:
            body = text
            break
        time.sleep(0.3)
    try:
        rc = p.wait(timeout=40)
    except Exception:  # noqa: BLE001 - a hung run is killed and reported
        p.kill()
        rc = "hung"
    wall = time.monotonic() - t0
    err = open(os.path.join(work, "err.txt")).read()
    checks.check("the run ends 0, lingering until scraped (%.1f s)" % wall,
                 [] if rc == 0 and wall < 15 else ["exit %s after %.1f s" % (rc, wall), err])
    checks.check("it says where the metrics are and that it lingers",
                 [] if ("pvcbench: metrics on http://127.0.0.1:%d/metrics" % port) in err
                 and "until scraped" in err else [err])
    checks.check("promtool check metrics: nothing to say about a scraped body",
                 prom.promtool_check(body) if body else ["no body with buckets was scraped"])
    with open(os.path.join(work, "out.json")) as f:
        doc = json.load(f)
    want = final_figures(doc)
    checks.check("the JSON has both jobs with I/O",
                 [] if want[("r", "read")]["ops"] > 0 and want[("w", "write")]["ops"] > 0
                 else [repr(want.keys())])
    # the final scrape happened before the exit; give Prometheus a moment to store it
    target = "127.0.0.1:%d" % port
    prom.wait_until('last_over_time(pvcbench_phase{instance="%s",phase="done"}[5m])' % target,
                    lambda r: r and r[0][1] == 1, timeout=10)
    checks.check("scraped: counters, histogram counts and buckets equal the final JSON",
                 compare(prom, target, want, "scraped"))
    ok, _ = prom.wait_until(
        'last_over_time(pvcbench_phase{instance="%s",phase="done"}[5m])' % POD,
        lambda r: r and r[0][1] == 1, timeout=10)
    checks.check("pushed: the final values reached the Pushgateway (phase done)",
                 [] if ok else [prom.pushed()[-3000:]])
    checks.check("pushed: counters, histogram counts and buckets equal the final JSON",
                 compare(prom, POD, want, "pushed"))
    labels = prom.query('last_over_time(pvcbench_operations_total{instance="%s"}[5m])' % target)
    checks.check("constant labels pod and storage_class from the environment",
                 [] if labels and all(lab.get("pod") == POD and lab.get("storage_class") ==
                                      "test-sc" for lab, _ in labels) else [repr(labels)])


def sigterm_run(checks, prom, bench, work):
    """SIGTERM while it runs: out within 2 s, the results written and their final values
    pushed (read from the Pushgateway itself)."""
    env = c_locale_env()
    env["PVCBENCH_POD"] = POD + "-term"
    argv = [bench] + fio_args(work, runtime="30") + [
        "--metrics-push=" + prom.push_url, "--metrics-push-interval=1s"]
    res, after, alive = run_signalled(argv, signal.SIGTERM, 2.0, timeout=20, env=env)
    checks.check("SIGTERM: exit within 2 s with 143 (%.2f s)" % after,
                 [] if alive and after < 2.0 and res.rc == 143 else
                 ["alive %s, %.2f s, exit %s" % (alive, after, res.rc)] + res.show())
    try:
        want = final_figures(json.loads(res.out))
    except ValueError:
        checks.check("SIGTERM: the results were written", ["no JSON"] + res.show())
        return
    got = {}
    for line in prom.pushed().splitlines():
        if line.startswith("pvcbench_operations_total{") and 'instance="%s"' % env[
                "PVCBENCH_POD"] in line:
            lab = dict(kv.split("=", 1) for kv in line[line.index("{") + 1:
                                                        line.index("}")].split(","))
            got[(lab["job"].strip('"'), lab["op"].strip('"'))] = float(line.rsplit(" ", 1)[1])
    bad = ["%s: pushed %r, JSON %r" % (k, got.get(k), v["ops"]) for k, v in want.items()
           if got.get(k) != v["ops"]]
    checks.check("SIGTERM: the pushed final counters equal the written JSON", bad)


def kafka_run(checks, prom, bench, port):
    """A short kafka produce on an in-process mock cluster, scraped on the same port: its
    produce and produce_scheduled series equal its JSON."""
    if run([bench, "kafka", "produce", "--help"], timeout=20).rc != 0:
        checks.note("the kafka module is not built in: no kafka run")
        return
    argv = [bench, "kafka", "produce", "--topic", "metrics", "--num-records", "20000",
            "--record-size", "100", "--throughput", "10000", "--bootstrap-server", "mock",
            "--output-format", "json", "--metrics-listen=127.0.0.1:%d" % port,
            "--metrics-linger=20s"]
    res = run(argv, timeout=60, env=c_locale_env())
    if not checks.check("kafka produce: ends 0 after the final scrape", ran_ok(res)):
        return
    want = final_figures(json.loads(res.out), ops=("produce", "produce_scheduled"))
    checks.check("kafka produce: the JSON has its job",
                 [] if want.get(("kafka-produce", "produce"), {}).get("ops") == 20000
                 else [repr(want)])
    target = "127.0.0.1:%d" % port
    prom.wait_until('last_over_time(pvcbench_phase{instance="%s",workload="kafka produce",'
                    'phase="done"}[5m])' % target, lambda r: r and r[0][1] == 1, timeout=10)
    checks.check("kafka produce: scraped counters, histogram counts and buckets equal the JSON",
                 compare(prom, target, want, "kafka", workload="kafka produce"))
    info = prom.query('last_over_time(pvcbench_job_info{instance="%s",workload="kafka produce"}'
                      '[5m])' % target)
    checks.check("kafka produce: its engine is librdkafka",
                 [] if [lab.get("engine") for lab, _ in info] == ["librdkafka"]
                 else [repr(info)])


def lingering(bench, work, linger, port):
    """Starts a 1 s fio run serving on port (that nobody scrapes) with --metrics-linger; returns
    (process, stdout path, stderr path, seconds from the start to its linger line or None)."""
    out, err = os.path.join(work, "linger.json"), os.path.join(work, "linger.err")
    p = spawn([bench] + fio_args(work, "1") + ["--metrics-listen=127.0.0.1:%d" % port,
                                               "--metrics-linger=" + linger],
              stdout=open(out, "w"), stderr=open(err, "w"), env=c_locale_env())
    t0, seen = time.monotonic(), None
    while time.monotonic() - t0 < 20 and p.poll() is None:
        with open(err) as f:
            if "until scraped" in f.read():
                seen = time.monotonic() - t0
                break
        time.sleep(0.05)
    return p, out, err, seen


def wait_exit(p, limit):
    """(exit status, seconds it took), killing it after limit s."""
    t0 = time.monotonic()
    try:
        return p.wait(timeout=limit), time.monotonic() - t0
    except Exception:  # noqa: BLE001 - reported as hung
        p.kill()
        p.wait()
        return "hung", time.monotonic() - t0


def linger_runs(checks, bench, work):
    """The linger on a port nobody else scrapes: the results are written before it; one scrape
    of the final values ends it; a SIGTERM ends it with the status unchanged; without a scrape
    it ends when its time is up."""
    port = free_port()
    p, out, err, seen = lingering(bench, work, "30s", port)
    bad = [] if seen else ["no linger line"]
    try:
        with open(out) as f:
            json.load(f)
    except ValueError:
        bad.append("the results were not written before the linger")
    status, body = http_get("http://127.0.0.1:%d/metrics" % port)
    if status != 200 or 'phase="done"} 1' not in body:
        bad.append("the scrape during the linger: HTTP %s, phase done not 1" % status)
    rc, took = wait_exit(p, 10)
    if rc != 0 or took > 2.0:
        bad.append("after the final scrape: exit %s after %.2f s, want 0 within 2 s" % (rc, took))
    checks.check("linger: results written first, one scrape of the final values ends it",
                 bad + ([open(err).read()] if bad else []))

    p, out, err, seen = lingering(bench, work, "30s", free_port())
    if seen:
        p.send_signal(signal.SIGTERM)
    rc, took = wait_exit(p, 10)
    checks.check("linger: SIGTERM ends it within 2 s, exit status 0 (the command had ended)",
                 [] if seen and rc == 0 and took < 2.0 else
                 ["linger line %s, exit %s after %.2f s" % (seen, rc, took), open(err).read()])

    p, out, err, seen = lingering(bench, work, "1s", free_port())
    rc, took = wait_exit(p, 15)
    checks.check("linger: unscraped, it ends when --metrics-linger=1s is up (%.2f s)" % took,
                 [] if seen and rc == 0 and 0.5 < took < 5.0 else
                 ["linger line %s, exit %s after %.2f s" % (seen, rc, took), open(err).read()])


def bad_input(checks, bench, work):
    for arg, names in (("--metrics-listen=foo", ["--metrics-listen=foo"]),
                       ("--metrics-listen=127.0.0.1:99999", ["127.0.0.1:99999"]),
                       ("--metrics-linger=soon", ["--metrics-linger=soon"]),
                       ("--metrics-push=ftp://x", ["--metrics-push=ftp://x"])):
        res = run([bench] + fio_args(work, "1") + [arg], timeout=15, env=c_locale_env())
        checks.check("bad input %s: one line, exit 2" % arg, bad_input_problems(res, names))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        res = run([bench] + fio_args(work, "1") + ["--metrics-listen=127.0.0.1:%d" % port],
                  timeout=15, env=c_locale_env())
    lines = [ln for ln in res.err_lines if ln.strip()]
    checks.check("a port in use: one line naming it, nothing run, exit non-zero",
                 [] if res.rc not in (0, None) and len(lines) == 1 and str(port) in lines[0]
                 and "in use" in lines[0] and not res.out.strip() and not os.listdir(work)
                 else res.show())
    # a Pushgateway that is not there: warned about once, never fatal
    res = run([bench] + fio_args(work, "1") + ["--metrics-push=http://127.0.0.1:%d" % free_port(),
                                               "--metrics-push-interval=200ms"],
              timeout=30, env=c_locale_env())
    warned = [ln for ln in res.err_lines if "warning: metrics push to" in ln]
    checks.check("an unreachable Pushgateway: one warning line, the run ends 0",
                 ran_ok(res) + ([] if len(warned) == 1 else ["%d warnings" % len(warned)]
                                + res.show()))


def main():
    checks = Checks()
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        checks.skip("usage: %s PATH_TO_PVCBENCH" % sys.argv[0])
    bench = os.path.abspath(sys.argv[1])
    # the flags are checked before anything else: a build without the endpoint or the push
    # says so at once (the directory does not even have to exist)
    probe = run([bench, "fio", "--name=a", "--rw=read", "--size=4k", "--directory=/nonexistent",
                 "--metrics-listen=127.0.0.1:0", "--metrics-push=http://127.0.0.1:1"],
                timeout=20, env=c_locale_env())
    if "built without" in probe.err:
        checks.skip(probe.err.strip())
    port = free_port()
    work = tempfile.mkdtemp(prefix="pvcbench-metrics.%d." % os.getpid(), dir="/var/tmp")
    try:
        with PromEnv(checks, targets=["127.0.0.1:%d" % port]) as prom:
            checks.section(main_run, checks, prom, bench, port, work)
            d = tempfile.mkdtemp(dir=work)
            checks.section(sigterm_run, checks, prom, bench, d)
            checks.section(kafka_run, checks, prom, bench, port)
            d = tempfile.mkdtemp(dir=work)
            checks.section(linger_runs, checks, bench, d)
            d = tempfile.mkdtemp(dir=work)
            checks.section(bad_input, checks, bench, d)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    checks.finish()


if __name__ == "__main__":
    main()
