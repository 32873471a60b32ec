#!/usr/bin/env python3
"""test_merge_pgbench.py - `pvcbench merge` of real `pvcbench pgbench --output-format=json` runs.

Against a server of its own (initialised by the real pgbench at scale 1), three runs of
`pvcbench pgbench -c 2 -j 2 -t N --output-format=json` (tpcb-like: one history row per
transaction), as three pods would make them:
- as written (every job is called "pgbench"): merged, the name's total and the total are the
  sum of the three: txn's lat_hist is the sum of the inputs' buckets and its clat_ns and lat_ns
  figures (N, min, max, mean, stddev, percentiles) those of a histogram built from them
  (tests/lib/histmodel.py), total_ios the history rows the runs added (each run's checked
  against the table after it, as its vacuum empties it first), kind "pgbench";
- with each job named after its pod (pvcbench pgbench names its job "pgbench"; a pod's
  result relabelled "pgbench-pod-0"...): one total all the same, equal to the one above, and
  totals[] with one entry per name;
- with a real `pvcbench fio` result: refused, exit 2, one line naming both kinds.

Usage: python3 test_merge_pgbench.py PATH_TO_PVCBENCH
"""
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pgserver import Bench, Checks, PgServer, require_bench, run, server_bindir  # noqa: E402
from histmodel import Hist, check_clat  # noqa: E402

SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
RUNS = (40, 60, 25)  # transactions per client of each pod's run


def history(srv):
    return int(srv.value("SELECT count(*) FROM pgbench_history"))


def merge(pvc, args):
    return run([pvc, "merge"] + args, timeout=60)


def total_problems(total, docs, what):
    """total (a merged group) against the sum of docs' jobs, computed here."""
    bad = []
    txns = [j["txn"] for d in docs for j in d["jobs"]]
    union = Hist()
    for t in txns:
        union.add(t["lat_hist"])
    got = total["txn"]
    if Hist(got["lat_hist"]).as_lat_hist() != union.as_lat_hist():
        bad.append("%s: txn lat_hist is not the sum of the inputs' buckets" % what)
    # without fio's split, clat_ns is the whole latency, with the percentiles (as a run's)
    bad += check_clat(got["lat_ns"], union, what + " txn lat_ns")
    bad += check_clat(got["clat_ns"], union, what + " txn clat_ns")
    if not got["clat_ns"].get("percentile"):
        bad.append("%s: txn clat_ns has no percentiles" % what)
    for k in ("total_ios", "io_bytes", "errors"):
        if got[k] != sum(t[k] for t in txns):
            bad.append("%s: txn %s %r, want %r" % (what, k, got[k], sum(t[k] for t in txns)))
    if got["runtime"] != max(t["runtime"] for t in txns):
        bad.append("%s: runtime %r, want the longest %r" %
                   (what, got["runtime"], max(t["runtime"] for t in txns)))
    return bad


def check_merge(checks, pvc, srv, tmp):
    paths, docs = [], []
    for i, n in enumerate(RUNS):
        res = Bench(pvc).run(["-c", "2", "-j", "2", "-t", str(n), "--output-format=json"],
                             env=srv.env(), timeout=120)
        if not checks.check("pod %d: pvcbench pgbench -t %d --output-format=json exits 0" % (i, n),
                            [] if res.rc == 0 else res.show()):
            return
        docs.append(json.loads(res.out))
        paths.append(os.path.join(tmp, "pod-%d.json" % i))
        with open(paths[-1], "w") as f:
            f.write(res.out)
        # the run's vacuum empties pgbench_history first: what is there is this run's
        rows, ios = history(srv), docs[-1]["jobs"][0]["txn"]["total_ios"]
        checks.check("pod %d: txn total_ios %d = the %d history rows it added" % (i, ios, rows),
                     [] if rows == ios == 2 * n else ["want %d" % (2 * n)])

    res = merge(pvc, ["--output-format=json"] + paths)
    checks.check("merge of three pgbench results: exit 0, nothing on stderr",
                 [] if res.rc == 0 and not res.err else res.show())
    same = json.loads(res.out)
    t = same["total"]
    bad = total_problems(t, docs, "total")
    if t["txn"]["total_ios"] != 2 * sum(RUNS):
        bad.append("total txn total_ios %r, but the runs added %d history rows"
                   % (t["txn"]["total_ios"], 2 * sum(RUNS)))
    for k, v in (("jobname", "pgbench"), ("kind", "pgbench"), ("merged_jobs", 3),
                 ("merged_sources", 3)):
        if t.get(k) != v:
            bad.append("total %s %r, want %r" % (k, t.get(k), v))
    if "totals" in same:
        bad.append("totals[] though every job is called pgbench")
    checks.check("one name: the total is the sum of the three runs' histograms and counts", bad)

    named = []
    for i, (doc, path) in enumerate(zip(docs, paths)):
        doc = json.loads(json.dumps(doc))
        doc["jobs"][0]["jobname"] = "pgbench-pod-%d" % i
        named.append(path.replace("pod-", "named-"))
        with open(named[-1], "w") as f:
            json.dump(doc, f, indent=2)
    # and pod-0 once more under its own name: that name's total adds its two results
    res = merge(pvc, ["--output-format=json"] + named + [named[0]])
    checks.check("merge of three pods' results named after the pods: exit 0",
                 [] if res.rc == 0 and not res.err else res.show())
    m = json.loads(res.out)
    bad = total_problems(m["total"], docs + [docs[0]], "total")
    if m["total"]["jobname"] != "all" or m["total"]["merged_sources"] != 4:
        bad.append("total jobname %r, merged_sources %r" %
                   (m["total"]["jobname"], m["total"]["merged_sources"]))
    names = [g["jobname"] for g in m.get("totals", [])]
    if names != ["pgbench-pod-0", "pgbench-pod-1", "pgbench-pod-2"]:
        bad.append("totals %r" % names)
    else:
        bad += total_problems(m["totals"][0], [docs[0], docs[0]], "pgbench-pod-0")
        bad += total_problems(m["totals"][1], [docs[1]], "pgbench-pod-1")
    checks.check("names of pods: one total of every job, one per name", bad)

    res = merge(pvc, named)
    lines = res.out.split("\n\n")[0].splitlines()  # the table; the outage windows follow
    rows = [ln.split()[:3] for ln in lines[2:]]
    want = [[p, "pgbench-pod-%d" % i, "txn"] for i, p in enumerate(named)]
    want.append(["total", "all", "txn"])
    checks.check("text: a row per pod and the total of all",
                 [] if res.rc == 0 and rows == want and lines and
                 "3 jobs (pgbench transactions), 3 job names" in lines[0]
                 else ["stdout:"] + lines + ["want rows %r" % want])

    fio = os.path.join(tmp, "fio.json")
    r = run([pvc, "fio", "--name=pvc-bench-0", "--directory=" + tmp, "--size=4M",
             "--rw=randread", "--runtime=1", "--time_based", "--output-format=json",
             "--output=" + fio], timeout=60)
    if not checks.check("pvcbench fio --output-format=json exits 0", [] if r.rc == 0 else r.show()):
        return
    res = merge(pvc, ["--output-format=json", named[0], fio])
    err = res.err.splitlines()
    want = ["fio.json and %s hold different workloads" % named[0],
            "has job 'pvc-bench-0' (block read/write: read)",
            "has job 'pgbench-pod-0' (pgbench transactions: txn)"]
    checks.check("a fio result with pgbench's: exit 2, one line naming both kinds",
                 [] if res.rc == 2 and len(err) == 1 and not res.out and
                 all(w in err[0] for w in want) else res.show())


def main():
    checks = Checks()
    bench = require_bench(checks)
    if bench.reference:
        checks.skip("merge is pvcbench's own: run with PATH_TO_PVCBENCH")
    bindir = server_bindir()
    ref = os.path.join(bindir, "pgbench") if bindir else None
    if not ref or not os.access(ref, os.X_OK):
        checks.skip("the reference pgbench is not in the server's directory %s" % bindir)
    if run([bench.path, "merge", "--help"], timeout=20).rc != 0:
        checks.skip("pvcbench merge was not built (libjansson-dev missing)")
    with PgServer(checks, settings=SETTINGS) as srv:
        r = Bench(ref).run(["-i", "-s", "1", "-q"], env=srv.env(), timeout=120)
        if r.rc != 0:
            raise RuntimeError("pgbench -i failed:\n" + "\n".join(r.show()))
        tmp = tempfile.mkdtemp(prefix="pvcbench-merge-pg.", dir="/var/tmp")
        try:
            checks.section(check_merge, checks, bench.path, srv, tmp)
        finally:
            for name in os.listdir(tmp):
                os.unlink(os.path.join(tmp, name))
            os.rmdir(tmp)
    checks.finish()


if __name__ == "__main__":
    main()
