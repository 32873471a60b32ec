#!/usr/bin/env python3
"""test_compare.py - `pvcbench compare` on results of real runs, made here in temporary
directories of their own: three short `pvcbench fio` runs (two random read/write, one random
read only, one of them under a storage class from the downward API's variable), a merge of two,
a short FIO Summary (--quick), two pgbench runs with --check on a PostgreSQL server of its own,
and two Kafka producers on in-process mock clusters (one with --verify --verify-read).

Checked, each from the JSON that pvcbench wrote (nothing taken from compare's own arithmetic):
- every figure equals the result's own: IOPS, bandwidth (bw_bytes / 2^20), mean latency
  (lat_ns), p99 from lat_hist's buckets (tests/lib/histmodel.py); the Summary's figures equal
  its "summary" tests; the merged result's those of its total;
- every noise equals the coefficient of variation of the figure's per-interval values in the
  result's series, recomputed here (docs/compare.md's rule);
- every change in the JSON is (value - first) / first, recomputed here, and every change the
  text prints is that JSON change rounded to 0.1 %, with the same mark ("*" beyond 2 x the
  combined noise, recomputed here); figures a result lacks are "-" in the text, null in JSON;
- pgbench: tps is pgbench's own (without the initial connection time), latencies from
  lat_hist, the check its --check's counts; Kafka: records/s and MB/s are the tool's own,
  latencies from lat_hist, the verified run's check its verify counts;
- a copy of a result with its IOPS and bandwidth scaled far beyond the noise is marked, a copy
  scaled within the noise is not, and latencies left as they were are not;
- labels: the storage class, the file name, --label NAME=FILE; -o FILE holds what stdout would;
- bad input (one result, a file that is not a result, a missing file, a --label naming no
  result, an unknown format) exits 2 with one line on stderr, and leaves no -o file.

Usage: python3 test_compare.py PATH_TO_PVCBENCH
"""
import copy
import json
import math
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import Checks  # noqa: E402
from histmodel import Hist  # noqa: E402
from pgserver import server_bindir  # noqa: E402
from runs import c_locale_env, run  # noqa: E402

FIO_SECONDS = 3
KAFKA_RECORDS, KAFKA_RATE = 16000, 8000  # 2 s of produce: four 500 ms points
PG_SECONDS = 2
FACTOR = 2.0  # FIG_NOISE_FACTOR
BLOCK_DIRS = ("read", "write", "trim")


def rel_close(a, b, rel=1e-6, abs_=2e-6):
    return abs(a - b) <= abs_ + rel * abs(b)


def cv(values):
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    if mean <= 0:
        return None
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) / mean


def series_cv(series, op, sample):
    """The CV of one figure over a series entry, as docs/compare.md says."""
    s = series["series"]
    interval = s["interval_ms"]
    vals = []
    for p in s["points"]:
        o, ms = p.get(op), p["duration_ms"]
        if not isinstance(o, dict) or ms <= 0 or 2 * ms < interval:
            continue
        if sample == "ops":
            vals.append(o["ops"] * 1000.0 / ms)
        elif sample == "bytes":
            vals.append(o["bytes"] * 1000.0 / ms)
        elif o["ops"] > 0:
            vals.append(float(o["lat_mean_ns" if sample == "lat_mean" else "lat_p99_ns"]))
    return cv(vals)


SAMPLE_OF = {"iops": "ops", "bw": "bytes", "lat_mean": "lat_mean", "lat_p99": "lat_p99"}


def expected_block(doc, jobname):
    """{key: (value, noise)} of a single block result's job, computed from its JSON."""
    job = next(j for j in doc["jobs"] if j["jobname"] == jobname)
    entries = [s for s in doc.get("series", []) if s["jobname"] == jobname]
    if not entries and len(doc.get("series", [])) == 1:
        entries = doc["series"]
    want = {}
    for d in BLOCK_DIRS:
        o = job.get(d)
        if not o or not o["total_ios"]:
            continue
        secs = o["runtime"] / 1000.0
        h = Hist(o["lat_hist"])
        vals = {"iops": o["total_ios"] / secs, "bw": o["io_bytes"] / secs / 1048576.0,
                "lat_mean": h.mean() / 1e3, "lat_p99": h.value_at("99") / 1e3}
        for what, v in vals.items():
            noise = series_cv(entries[0], d, SAMPLE_OF[what]) if entries else None
            want["%s.%s" % (d, what)] = (v, noise)
    return want


def figures_of(cmp, test, i):
    """{key: value object} of input i in a compare JSON's test."""
    t = next(t for t in cmp["tests"] if t["name"] == test)
    return {f["key"]: f["values"][i] for f in t["figures"]}


def check_figures(checks, what, cmp, test, i, want):
    got = figures_of(cmp, test, i)
    bad = []
    for key, (v, noise) in want.items():
        g = got.get(key)
        if not g or g["value"] is None:
            bad.append("%s: missing" % key)
            continue
        if not rel_close(g["value"], v):
            bad.append("%s: value %r, the result says %r" % (key, g["value"], v))
        if noise is None:
            if g["noise"] is not None:
                bad.append("%s: noise %r, want unknown" % (key, g["noise"]))
        elif g["noise"] is None or not rel_close(g["noise"], noise, rel=1e-5):
            bad.append("%s: noise %r, the series' CV is %r" % (key, g["noise"], noise))
    extra = [k for k, g in got.items() if g["value"] is not None and k not in want]
    if extra:
        bad.append("figures the result does not have: %r" % extra)
    checks.check("%s: every figure and noise equals the result's own" % what, bad)


CHANGE_RE = re.compile(r"([+-]\d+\.\d)%( [*?])?")


def text_changes(text):
    """(change text, mark) of every change cell, in the order printed."""
    out = []
    for line in text.splitlines():
        for m in CHANGE_RE.finditer(line):
            out.append((m.group(1), (m.group(2) or "").strip()))
    return out


def json_changes(cmp):
    """Every change in the JSON, recomputed here: (text as it must print, mark), and problems."""
    out, bad = [], []
    for t in cmp["tests"]:
        for f in t["figures"]:
            base = f["values"][0]
            for i, v in enumerate(f["values"][1:], 1):
                if v["value"] is None or base["value"] is None:
                    if v.get("change_pct") is not None:
                        bad.append("%s %s input %d: a change without two values"
                                   % (t["name"], f["key"], i))
                    continue
                want = (v["value"] - base["value"]) / base["value"] * 100
                if not rel_close(v["change_pct"], want, rel=1e-6, abs_=1e-3):
                    bad.append("%s %s input %d: change %r, recomputed %r"
                               % (t["name"], f["key"], i, v["change_pct"], want))
                mark = "?"
                if base["noise"] is not None and v["noise"] is not None:
                    comb = 100 * math.hypot(base["noise"], v["noise"])
                    beyond = abs(want) > FACTOR * comb
                    if abs(abs(want) - FACTOR * comb) > 1e-3 and beyond != v["beyond_noise"]:
                        bad.append("%s %s input %d: beyond_noise %r, but |%.4f| vs 2 x %.4f"
                                   % (t["name"], f["key"], i, v["beyond_noise"], want, comb))
                    mark = "*" if v["beyond_noise"] else ""
                out.append(("%+.1f" % v["change_pct"], mark))
    return out, bad


def compare(bench, args, timeout=60):
    return run([bench, "compare"] + args, timeout=timeout, env=c_locale_env())


def check_outputs(checks, what, bench, files, extra=()):
    """compare in text and JSON: the text's changes are the JSON's; returns the JSON."""
    t = compare(bench, list(extra) + files)
    j = compare(bench, list(extra) + ["--output-format=json"] + files)
    if not checks.check("%s: text and JSON, exit 0, nothing on stderr" % what,
                        [] if t.rc == 0 == j.rc and not t.err and not j.err
                        else t.show() + j.show()):
        return None, None
    cmp = json.loads(j.out)
    want, bad = json_changes(cmp)
    checks.check("%s: every JSON change is (value - first) / first, marked by the rule" % what,
                 bad)
    got = text_changes(t.out)
    checks.check("%s: every change printed (%d) is the JSON's, rounded, with its mark"
                 % (what, len(got)),
                 [] if got == want and got else ["text %r" % got, "JSON %r" % want])
    return cmp, t.out


def fio(bench, tmp, name, rw, env=None):
    d = tempfile.mkdtemp(dir=tmp)
    out = os.path.join(tmp, name + ".json")
    e = c_locale_env()
    e.update(env or {})
    for k in ("PVCBENCH_STORAGE_CLASS", "STORAGE_CLASS", "PVCBENCH_POD", "POD_NAME"):
        if k not in (env or {}):
            e.pop(k, None)
    r = run([bench, "fio", "--name=rw", "--rw=" + rw, "--size=8M", "--bs=4k",
             "--runtime=%d" % FIO_SECONDS, "--time_based", "--output-format=json",
             "--directory=" + d, "--output=" + out], timeout=60, env=e)
    shutil.rmtree(d)
    return r, out


def load(path):
    with open(path) as f:
        return json.load(f)


def write(tmp, name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
    return path


def check_fio_runs(checks, bench, tmp):
    runs = [fio(bench, tmp, "a", "randrw", {"PVCBENCH_STORAGE_CLASS": "class-a"}),
            fio(bench, tmp, "b", "randrw"), fio(bench, tmp, "c", "randread")]
    if not checks.check("three pvcbench fio runs of %d s" % FIO_SECONDS,
                        [x for r, _ in runs if r.rc != 0 for x in r.show()]):
        return None
    paths = [p for _, p in runs]
    docs = [load(p) for p in paths]
    cmp, text = check_outputs(checks, "fio a, b, c", bench, paths)
    if not cmp:
        return None
    labels = [i["label"] for i in cmp["inputs"]]
    checks.check("labels: the storage class, else the file's name: %r" % labels,
                 labels == ["class-a", "b", "c"])
    for i, doc in enumerate(docs):
        check_figures(checks, "fio %s" % "abc"[i], cmp, "rw", i, expected_block(doc, "rw"))
    c = figures_of(cmp, "rw", 2)
    rows = [l for l in text.splitlines() if l.strip().startswith("write IOPS")]
    checks.check("c has no write figures: null in JSON, '-' in its text columns",
                 [] if c["write.iops"]["value"] is None and len(rows) == 1 and
                 rows[0].split()[-3:] == ["-", "-", "-"] else [repr(c["write.iops"])] + rows)

    res = compare(bench, ["--label", "fast=" + paths[1], "-o", os.path.join(tmp, "o.txt"),
                          paths[0], paths[1]])
    same = compare(bench, ["--label=fast=" + paths[1], paths[0], paths[1]])
    with open(os.path.join(tmp, "o.txt")) as f:
        written = f.read()
    checks.check("--label fast=FILE names it; -o FILE holds what stdout shows",
                 [] if res.rc == 0 and not res.out and written == same.out and
                 "fast: " + paths[1] in written else res.show() + same.show())
    return paths, docs


def scaled(doc, factors):
    """A copy whose block directions' run time is divided by factors[dir]: their IOPS and
    bandwidth scale by it; counts, histograms and series (so the noise) stay as they were."""
    d = copy.deepcopy(doc)
    for job in d["jobs"]:
        for op, f in factors.items():
            o = job.get(op)
            if o and o["total_ios"]:
                o["runtime"] = max(1, int(round(o["runtime"] / f)))
    return d


def check_noise_marks(checks, bench, tmp, path, doc):
    base = expected_block(doc, "rw")
    dirs = [d for d in ("read", "write") if "%s.iops" % d in base]
    noise = {d: max(base["%s.iops" % d][1] or 0, base["%s.bw" % d][1] or 0) for d in dirs}
    if not checks.check("the run's IOPS and bandwidth have a noise above 0: %r" % noise,
                        all(n > 0 for n in noise.values())):
        return
    # far: x20 is beyond any CV of a few points (at most sqrt(n)); near: 40 % of the threshold
    near = {d: 1 + 0.4 * FACTOR * math.sqrt(2) * noise[d] for d in dirs}
    far = scaled(doc, {d: 20.0 for d in dirs})
    # and two outage windows, as a run with stalls reports them (docs/outages.md)
    far["jobs"][0]["stalls"].update({"count": 2, "total_ms": 2500.0, "longest_ms": 1500.0})
    far_p = write(tmp, "far.json", far)
    near_p = write(tmp, "near.json", scaled(doc, near))
    cmp, text = check_outputs(checks, "a result, x20 and within its noise", bench,
                              [path, far_p, near_p],
                              ["--label", "far=" + far_p, "--label", "near=" + near_p])
    if not cmp:
        return
    stalls = [l.strip() for l in text.splitlines() if l.strip().startswith("stalls:")]
    checks.check("the stalls line: none, 2 windows of 2.5 s with the longest 1.5 s, none",
                 [] if stalls == ["stalls: class-a none; far 2 (2.50 s in all, longest "
                                  "1.50 s); near none"] else ["got %r" % stalls])
    t = next(t for t in cmp["tests"] if t["name"] == "rw")
    bad = []
    for f in t["figures"]:
        far, nr = f["values"][1], f["values"][2]
        moved = f["key"].endswith((".iops", ".bw"))
        if far["beyond_noise"] != moved:
            bad.append("x20 %s: beyond_noise %r (change %r)" % (f["key"], far["beyond_noise"],
                                                                 far["change_pct"]))
        if nr["beyond_noise"]:
            bad.append("near %s: beyond_noise (change %r, noise %r)"
                       % (f["key"], nr["change_pct"], nr["combined_noise_pct"]))
        if moved and not (nr["change_pct"] and abs(nr["change_pct"]) > 0):
            bad.append("near %s: no change at all (%r): the copy was not scaled"
                       % (f["key"], nr["change_pct"]))
        if not moved and abs(far["change_pct"]) > 1e-9:
            bad.append("%s changed by %r, though nothing of it was" % (f["key"],
                                                                      far["change_pct"]))
    checks.check("x20: IOPS and bandwidth marked, latencies not; within the noise: none", bad)


def check_merged(checks, bench, tmp, paths):
    out = os.path.join(tmp, "merged.json")
    r = run([bench, "merge", "--output-format=json", "--output=" + out, paths[0], paths[1]],
            timeout=60)
    if not checks.check("pvcbench merge a b", [] if r.rc == 0 else r.show()):
        return
    m = load(out)
    cmp, _ = check_outputs(checks, "a against merge(a, b)", bench, [paths[0], out])
    if not cmp:
        return
    total = m["total"]
    got = figures_of(cmp, "rw", 1)
    bad = []
    for d in ("read", "write"):
        o = total[d]
        secs = o["runtime"] / 1000.0
        for key, v in (("iops", o["total_ios"] / secs),
                       ("bw", o["io_bytes"] / secs / 1048576.0),
                       ("lat_p99", Hist(o["lat_hist"]).value_at("99") / 1e3)):
            g = got["%s.%s" % (d, key)]["value"]
            if not rel_close(g, v):
                bad.append("%s.%s %r, the merged total says %r" % (d, key, g, v))
    inp = cmp["inputs"][1]
    if not inp["merged"] or inp["sources"] != 2:
        bad.append("input: merged %r, sources %r" % (inp["merged"], inp["sources"]))
    checks.check("the merged result's figures are its total's (2 sources)", bad)


def check_summary(checks, bench, tmp):
    d = tempfile.mkdtemp(dir=tmp)
    out = os.path.join(tmp, "summary.json")
    e = c_locale_env()
    e["FIO_MOUNTPOINT"] = d
    r = run([bench, "summary", "--quick", "--runtime=2s", "--ramp_time=0", "--size=16M",
             "--output-format=json", "--output=" + out], timeout=120, env=e)
    shutil.rmtree(d)
    if not checks.check("pvcbench summary --quick (2 s a test)", [] if r.rc == 0 else r.show()):
        return
    doc = load(out)
    far = write(tmp, "summary-x3.json", scaled(doc, {"read": 3.0, "write": 3.0}))
    cmp, text = check_outputs(checks, "summary against itself x3", bench, [out, far])
    if not cmp:
        return
    bad = []
    for name, t in doc["summary"]["tests"].items():
        for op, fig in t.items():
            got = figures_of(cmp, name, 0)
            for key, v in (("iops", fig["iops"]), ("bw", fig["bw_bytes"] / 1048576.0),
                           ("lat_mean", fig["lat_mean_usec"])):
                g = got.get("%s.%s" % (op, key))
                if g is None or not rel_close(g["value"], v, rel=1e-5):
                    bad.append("%s %s.%s: %r, the FIO Summary says %r"
                               % (name, op, key, g and g["value"], v))
    names = [t["name"] for t in cmp["tests"]]
    if names != list(doc["summary"]["tests"]):
        bad.append("tests %r" % names)
    checks.check("the Summary's four tests, figures equal to its own lines", bad)
    for name in names:
        check_figures(checks, "summary " + name, cmp, name, 0, expected_block(doc, name))


def check_kafka(checks, bench, tmp):
    """Two producers on in-process mock clusters, the second with --verify --verify-read."""
    paths, docs = [], []
    for i, extra in enumerate(([], ["--verify", "--verify-read"])):
        out = os.path.join(tmp, "produce-%d.json" % i)
        r = run([bench, "kafka", "produce", "--topic", "cmp", "--num-records", str(KAFKA_RECORDS),
                 "--record-size", "100", "--throughput", str(KAFKA_RATE),
                 "--reporting-interval", "500", "--bootstrap-server", "mock",
                 "--output-format", "json", "--output", out] + extra, timeout=60,
                env=c_locale_env())
        if not checks.check("kafka produce %d (%s)" % (i, " ".join(extra) or "plain"),
                            [] if r.rc == 0 else r.show()):
            return
        paths.append(out)
        docs.append(load(out))
    cmp, _ = check_outputs(checks, "two Kafka producers", bench, paths)
    if not cmp:
        return
    for i, doc in enumerate(docs):
        job = doc["jobs"][0]
        h = Hist(job["produce"]["lat_hist"])
        entry = doc["series"][0]
        want = {"produce.records_per_sec": (job["kafka"]["records_per_sec"],
                                            series_cv(entry, "produce", "ops")),
                "produce.mb_per_sec": (job["kafka"]["mb_per_sec"],
                                       series_cv(entry, "produce", "bytes")),
                "produce.lat_mean": (h.mean() / 1e6, series_cv(entry, "produce", "lat_mean")),
                "produce.lat_p99": (h.value_at("99") / 1e6,
                                    series_cv(entry, "produce", "lat_p99"))}
        check_figures(checks, "producer %d" % i, cmp, "kafka-produce", i, want)
    ins = next(t for t in cmp["tests"] if t["name"] == "kafka-produce")["inputs"]
    v = docs[1]["jobs"][0]["kafka"]["verify"]
    want = {"what": "verify", "ok": v["ok"], "acknowledged": v["acknowledged"],
            "lost": v["lost"], "damaged": v["duplicated"] + v["out_of_order"],
            "in_doubt": v["unanswered"]}
    checks.check("the verified producer's check is its verify's counts; the other has none",
                 [] if ins[0]["check"] is None and ins[1]["check"] == want and
                 v["acknowledged"] == KAFKA_RECORDS else [repr(ins), repr(want)])


def check_pgbench(checks, bench, tmp):
    """Two pvcbench pgbench runs (-T, --check) against a PostgreSQL server of the test's own."""
    from pgserver import Bench, PgServer  # noqa: E402 - only when a server is there

    with PgServer(checks) as srv:
        pg = Bench(bench)
        r = pg.run(["-i", "-s", "1", "-q"], env=srv.env(), timeout=120)
        if not checks.check("pvcbench pgbench -i -s 1", [] if r.rc == 0 else r.show()):
            return
        paths, docs = [], []
        for i in range(2):
            out = os.path.join(tmp, "pgbench-%d.json" % i)
            r = pg.run(["-c", "2", "-j", "2", "-T", str(PG_SECONDS), "--check",
                        "--output-format=json", "--output=" + out], env=srv.env(), timeout=120)
            if not checks.check("pvcbench pgbench -T %d --check, run %d" % (PG_SECONDS, i),
                                [] if r.rc == 0 else r.show()):
                return
            paths.append(out)
            docs.append(load(out))
    cmp, text = check_outputs(checks, "two pgbench runs", bench, paths)
    if not cmp:
        return
    checks.note("pgbench compared:\n" + text)
    ins = next(t for t in cmp["tests"] if t["name"] == "pgbench")["inputs"]
    for i, doc in enumerate(docs):
        job = doc["jobs"][0]
        h = Hist(job["txn"]["lat_hist"])
        entry = doc["series"][0]
        want = {"txn.tps": (job["pgbench"]["tps_excluding_connections"],
                            series_cv(entry, "txn", "ops")),
                "txn.lat_mean": (h.mean() / 1e6, series_cv(entry, "txn", "lat_mean")),
                "txn.lat_p99": (h.value_at("99") / 1e6, series_cv(entry, "txn", "lat_p99"))}
        check_figures(checks, "pgbench run %d" % i, cmp, "pgbench", i, want)
        c = job["pgbench"]["check"]
        lost = max(0, c["acknowledged"] - c["history_rows_added"])
        want = {"what": "check", "ok": c["ok"], "acknowledged": c["acknowledged"],
                "lost": lost, "damaged": 0, "in_doubt": c["in_doubt"]}
        checks.check("pgbench run %d: its --check's counts (%d acknowledged, ok)"
                     % (i, c["acknowledged"]),
                     [] if ins[i]["check"] == want and c["ok"] and c["acknowledged"] > 0
                     else [repr(ins[i]["check"]), repr(want)])


def check_bad_input(checks, bench, tmp, paths):
    notres = write(tmp, "not-a-result.json", {"hello": 1})
    o = os.path.join(tmp, "never.txt")
    cases = [("one result only", [paths[0]]),
             ("a JSON that is not a result", [paths[0], notres]),
             ("a file that does not exist", [paths[0], os.path.join(tmp, "missing.json")]),
             ("--label naming no result", ["--label", "x=" + notres, paths[0], paths[1]]),
             ("--label without NAME=", ["--label", paths[0], paths[0], paths[1]]),
             ("an unknown --output-format", ["--output-format=xml", paths[0], paths[1]])]
    for what, args in cases:
        r = compare(bench, ["-o", o] + args)
        checks.check("%s: exit 2, one line on stderr, no output" % what,
                     [] if r.rc == 2 and len(r.err_lines) == 1 and not r.out and
                     not os.path.exists(o) and not r.crash_problems() else r.show())


def main():
    checks = Checks()
    if len(sys.argv) != 2:
        sys.exit("usage: test_compare.py PATH_TO_PVCBENCH")
    bench = sys.argv[1]
    if run([bench, "compare", "--help"], timeout=20).rc != 0:
        checks.skip("pvcbench compare was not built (libjansson-dev missing)")
    tmp = tempfile.mkdtemp(prefix="pvcbench-compare.", dir="/var/tmp")
    try:
        got = None
        try:
            got = check_fio_runs(checks, bench, tmp)
        except Exception as e:  # noqa: BLE001 - reported as one failed check
            checks.check("the fio runs' checks ran to their end", [repr(e)])
        if got:
            paths, docs = got
            checks.section(check_noise_marks, checks, bench, tmp, paths[0], docs[0])
            checks.section(check_merged, checks, bench, tmp, paths)
            checks.section(check_bad_input, checks, bench, tmp, paths)
        checks.section(check_summary, checks, bench, tmp)
        if run([bench, "pgbench", "--help"], timeout=20).rc == 0 and server_bindir():
            checks.section(check_pgbench, checks, bench, tmp)
        else:
            checks.check("pvcbench has its postgres module and a server is installed, or CI "
                         "is not set", os.environ.get("CI") != "true")
        if run([bench, "kafka", "produce", "--help"], timeout=20).rc == 0:
            checks.section(check_kafka, checks, bench, tmp)
        else:
            checks.check("pvcbench has its kafka module (librdkafka), or CI is not set",
                         os.environ.get("CI") != "true")
    finally:
        shutil.rmtree(tmp)
    checks.finish()


if __name__ == "__main__":
    main()
