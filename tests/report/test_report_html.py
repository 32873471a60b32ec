#!/usr/bin/env python3
"""test_report_html.py - `pvcbench report` of real runs, opened in a real browser.

Results: the FIO Summary (--quick, 1 s per test) run on four directories labelled as four
storage classes (PVCBENCH_STORAGE_CLASS=class-a, -b, -d; class-c by --label), class-b twice (a
spread), class-d on tmpfs (/dev/shm, buffered: a red flag), a fio job of class-a (by --label)
whose think time makes a stall (the failover section), `pvcbench merge` of class-b's runs (as
two pods: --label class-b-pods), and a Kafka produce test of class-a and class-b on the mock
cluster (another kind of test on the same page). Then:
- the page: exit 0, one self-contained file (no http(s) URL, no script, link, img or url());
- every figure cell (data-value, -min, -max, -n, -rank, -tied and its text) equals what this
  test computes from the JSON (tests/lib/histmodel.py for the histograms, fiofmt.py for fio's
  number formats), and the FIO Summary's cells equal the results' own summary.tests figures;
  every class has a cell for every figure it has; ranks as the spreads say;
- the failover row says the stall's count and length; the red flags are those of the rules
  (tmpfs; with --baseline, the write figures beating the baseline by more than the noise);
  the environment table has a row per result with its kernel;
- headless chromium opens it with no console message; its screenshot is a PNG of sane size
  that is not blank (decoded here: many colours, the chart colours among them);
- the 'floor' red flag on a result edited to say that its microsecond writes were direct on a
  rotational disk;
- bad input (a missing file, a result that is not one, a --label or --baseline naming
  nothing): exit 2, one line on stderr, no report file left.

Usage: python3 test_report_html.py PATH_TO_PVCBENCH
Set REPORT_SCREENSHOT=PATH to keep the screenshot (docs/img/report.png is made so).
"""
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from checks import Checks  # noqa: E402
from fiofmt import fio_num2str  # noqa: E402
from histmodel import Hist  # noqa: E402
from runs import run  # noqa: E402

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf"]
SEED = ("read_iops/read.iops", "write_iops/write.iops", "read_bw/read.bw", "write_bw/write.bw")
RATES = ("IOPS", "tps", "records/s", "ops/s")
NOISE = 0.10


# ---- what the page should say, computed from the JSON ----

def op_members(job):
    return [(k, v) for k, v in job.items() if isinstance(v, dict) and "lat_hist" in v]


def kind_of(doc):
    ops = {k for j in doc["jobs"] for k, _ in op_members(j)}
    if "txn" in ops:
        return "pgbench"
    if "produce" in ops:
        return "kafka-produce"
    if "consume" in ops:
        return "kafka-consume"
    return "block"


def merged_ops(doc, name):
    """{op: (ops, bytes, errors, runtime_ms, Hist)} over the jobs called name."""
    out = {}
    for job in doc["jobs"]:
        if job["jobname"] != name:
            continue
        for op, v in op_members(job):
            ops, nbytes, errors, rt, h = out.get(op, (0, 0, 0, 0, Hist()))
            h.add(v["lat_hist"])
            out[op] = (ops + v["total_ios"], nbytes + v["io_bytes"], errors + v["errors"],
                       max(rt, v["runtime"]), h)
    return out


def per_sec(n, runtime_ms):
    """figures.c's rate: n * 1e9 / the run time in ns (merge keeps it in whole ms)."""
    return float(n) * 1e9 / float(runtime_ms * 1000000) if runtime_ms else None


def own_sum(doc, name, obj, key):
    """A rate from the workload's own summary, summed over the jobs of name (None: not all
    have it)."""
    vals = [j.get(obj, {}).get(key) for j in doc["jobs"] if j["jobname"] == name]
    if not vals or any(not isinstance(v, (int, float)) or isinstance(v, bool) for v in vals):
        return None
    return float(sum(vals)) if len(vals) > 1 else float(vals[0])


def test_figures(doc, name, kind):
    """{figure key: (value, unit, higher is better)} of test name, as figures.h defines them
    (block, kafka-produce: the kinds this test runs), and its errors."""
    out = {}
    m = merged_ops(doc, name)
    for op, (ops, nbytes, errors, ms, h) in m.items():
        if kind == "block" and op in ("read", "write", "trim", "mixed") and ops:
            out[op + ".iops"] = (per_sec(ops, ms), "IOPS", True)
            out[op + ".bw"] = (per_sec(nbytes, ms) / 1048576.0, "MiB/s", True)
            if h.count:
                out[op + ".lat_mean"] = (h.mean() / 1e3, "us", False)
                out[op + ".lat_p99"] = (float(h.value_at(99)) / 1e3, "us", False)
        if kind == "kafka-produce" and op == "produce":
            rec = own_sum(doc, name, "kafka", "records_per_sec")
            mb = own_sum(doc, name, "kafka", "mb_per_sec")
            out["produce.records_per_sec"] = (rec if rec is not None else per_sec(ops, ms),
                                              "records/s", True)
            out["produce.mb_per_sec"] = (mb if mb is not None else
                                         per_sec(nbytes, ms) / 1048576.0, "MB/s", True)
            if h.count:
                out["produce.lat_mean"] = (h.mean() / 1e6, "ms", False)
                out["produce.lat_p99"] = (float(h.value_at(99)) / 1e6, "ms", False)
    out["errors"] = (float(sum(e[2] for e in m.values())), "errors", False)
    return out


def formatted(unit, v):
    n = int(v) if v > 0 else 0  # truncated, as fio's integer 1000 * ios / runtime
    if unit in RATES:
        return fio_num2str(n)
    if unit == "MiB/s":
        return fio_num2str(int(v * 1048576.0) if v > 0 else 0, pow2=True, unit="B/s")
    if unit == "MB/s":
        return "%.2f MB/s" % v
    if unit == "errors":
        return "%d" % n
    return "%.2f" % v


def expected(inputs):
    """inputs: [(label, doc)] -> classes, figure keys, {key: {class: stat}}, {key: unit}."""
    classes = []
    for label, _ in inputs:
        if label not in classes:
            classes.append(label)
    tests = []
    for _, doc in inputs:
        for job in doc["jobs"]:
            t = (job["jobname"], kind_of(doc))
            if t not in tests:
                tests.append(t)
    figures, stats, units = [], {}, {}
    for name, kind in tests:
        values = {}
        for label, doc in inputs:
            if kind_of(doc) != kind or not any(j["jobname"] == name for j in doc["jobs"]):
                continue
            for fk, (v, unit, higher) in test_figures(doc, name, kind).items():
                key = "%s/%s" % (name, fk)
                if key not in units:
                    figures.append(key)
                    units[key] = (unit, higher)
                values.setdefault(key, {}).setdefault(label, []).append(v)
        for key, per_class in values.items():
            st = {c: {"n": len(v), "min": min(v), "max": max(v), "mean": sum(v) / len(v)}
                  for c, v in per_class.items()}
            rank(st, classes, units[key][1])
            stats[key] = st
    return classes, figures, stats, units


def rank(st, classes, higher):
    sign = -1 if higher else 1
    order = sorted(st, key=lambda c: (sign * st[c]["mean"], classes.index(c)))
    for i, c in enumerate(order):
        s = st[c]
        s["rank"], s["tied"] = i + 1, False
        if i:
            p = st[order[i - 1]]
            if s["min"] <= p["max"] and p["min"] <= s["max"]:
                s["rank"] = p["rank"]
                s["tied"] = p["tied"] = True


def same(a, b, key):
    if key.endswith("lat_mean"):  # the C divides in long double, then rounds
        return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1e-300)
    return a == b


# ---- the page ----

class Page(html.parser.HTMLParser):
    """Figure cells with their attributes and text, flags, failover and environment rows."""

    def __init__(self):
        super().__init__()
        self.cells, self.flags, self.failover, self.env = [], [], [], []
        self.stack = []  # (tag, attrs, [text])
        self.section = None
        self.tags = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "section":
            self.section = a.get("id")
        if tag in ("td", "li", "tr", "span"):
            self.stack.append((tag, a, []))

    def handle_endtag(self, tag):
        if tag not in ("td", "li", "tr", "span") or not self.stack:
            return
        t, a, text = self.stack.pop()
        s = "".join(text)
        if self.stack:
            self.stack[-1][2].append(s)
        if t == "span" and a.get("class") == "v" and self.stack and self.stack[-1][0] == "td":
            self.stack[-1][1]["_v"] = s
        elif t == "td" and "data-figure" in a:
            self.cells.append(dict(a, section=self.section, text=s))
        elif t == "td" and self.stack and self.stack[-1][0] == "tr":
            self.stack[-1][1].setdefault("_cells", []).append((a, s))
        elif t == "li" and a.get("class") == "flag":
            self.flags.append(dict(a, text=s))
        elif t == "tr" and self.section == "failover" and a.get("_cells"):
            self.failover.append(a["_cells"])
        elif t == "tr" and self.section == "environment" and "data-input" in a:
            self.env.append((int(a["data-input"]), [s for _, s in a.get("_cells", [])]))

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)


def check_cells(checks, page, inputs):
    classes, figures, stats, units = expected(inputs)
    bad, seen = [], set()
    for c in page.cells:
        key, cls = c["data-figure"], c["data-class"]
        want = stats.get(key, {}).get(cls)
        if not want:
            bad.append("%s %s: a cell the results do not have" % (key, cls))
            continue
        seen.add((key, cls, c["section"] == "fio-summary"))
        got = {k: float(c["data-" + k]) for k in ("min", "max", "value")}
        for k, w in (("value", want["mean"]), ("min", want["min"]), ("max", want["max"])):
            if not same(got[k], w, key):
                bad.append("%s %s: data-%s %r, want %r" % (key, cls, k, got[k], w))
        for k in ("n", "rank"):
            if int(c["data-" + k]) != want[k]:
                bad.append("%s %s: data-%s %s, want %s" % (key, cls, k, c["data-" + k], want[k]))
        if (c["data-tied"] == "1") != want["tied"]:
            bad.append("%s %s: tied %s, want %s" % (key, cls, c["data-tied"], want["tied"]))
        shown = formatted(units[key][0], want["mean"])
        if c.get("_v") != shown:
            bad.append("%s %s: shows %r, want %r" % (key, cls, c.get("_v"), shown))
        if "#%d" % want["rank"] not in c["text"]:
            bad.append("%s %s: text %r lacks its rank #%d" % (key, cls, c["text"], want["rank"]))
    for key in figures:
        for cls in stats[key]:
            if (key, cls, False) not in seen:
                bad.append("%s %s: no cell in its test's table" % (key, cls))
            if key in SEED and (key, cls, True) not in seen:
                bad.append("%s %s: no cell in the FIO Summary table" % (key, cls))
    checks.check("%d figure cells, each equal to the JSON (value, spread, runs, rank, tied, "
                 "text), and none missing" % len(page.cells), bad)
    return stats, units


SEED_LINE = re.compile(r"^Random Read/Write IOPS: (\S+)/(\S+)\. BW: (\S+) / (\S+)$")


def check_summary_json(checks, page, stats, inputs):
    """The FIO Summary's cells against the results' own summary.tests and the seed's summary
    line as the run printed it (single-run classes)."""
    bad, n = [], 0
    shown = {(c["data-figure"], c["data-class"]): c.get("_v") for c in page.cells
             if c["section"] == "fio-summary"}
    for label, doc in inputs:
        tests = doc.get("summary", {}).get("tests")
        if not tests:
            continue
        line = SEED_LINE.match(doc["summary"]["text"][0])
        if stats[SEED[0]][label]["n"] == 1:
            n += 1
            texts = [shown.get((k, label)) for k in SEED]
            if not line or list(line.groups()) != texts:
                bad.append("%s: the page shows %r, the run printed %r" %
                           (label, texts, doc["summary"]["text"][0]))
        for key in SEED:
            test, fig = key.split("/")
            op, what = fig.split(".")
            st = stats[key][label]
            if st["n"] != 1:
                continue
            j = tests[test][op]
            got = st["mean"] if what == "iops" else st["mean"] * 1048576.0
            want = j["iops"] if what == "iops" else j["bw_bytes"]
            tol = 1e-6 * want if what == "iops" else 1.0  # summary's bw_bytes is integer
            n += 1
            if abs(got - want) > tol:
                bad.append("%s %s: %r, but summary.tests says %r" % (label, key, st["mean"],
                                                                      want))
    checks.check("%d FIO Summary figures and lines equal the results' summary.tests and the "
                 "seed's line they printed" % n,
                 bad or ([] if n >= 4 else ["only %d compared" % n]))


# ---- the runs ----

def summary_run(bench, checks, tmp, name, cls, mountpoint, extra=()):
    env = dict(os.environ, FIO_MOUNTPOINT=mountpoint)
    env.pop("PVCBENCH_STORAGE_CLASS", None)
    if cls:
        env["PVCBENCH_STORAGE_CLASS"] = cls
    path = os.path.join(tmp, name + ".json")
    res = run([bench, "summary", "--quick", "--size=16M", "--runtime=1s", "--ramp_time=0",
               "--interval=200ms", "--output-format=json", "--output=" + path] + list(extra),
              timeout=60, env=env)
    ok = checks.check("summary --quick on %s (%s): exit 0" % (mountpoint, cls or "no class"),
                      [] if res.rc == 0 and os.path.exists(path) else [res.show()])
    return path if ok else None


def fio_stall_run(bench, checks, tmp):
    d = os.path.join(tmp, "e")
    os.mkdir(d)
    path = os.path.join(tmp, "stall.json")
    env = dict(os.environ)
    env.pop("PVCBENCH_STORAGE_CLASS", None)
    res = run([bench, "fio", "--name=randwrite", "--rw=randwrite", "--bs=4k", "--size=8M",
               "--directory=" + d, "--direct=1", "--runtime=4s", "--time_based",
               "--thinktime=1200ms", "--thinktime_iotime=1", "--stall-threshold=500ms",
               "--interval=250ms", "--output-format=json", "--output=" + path],
              timeout=60, env=env)
    doc = json.load(open(path)) if res.rc == 0 and os.path.exists(path) else None
    ok = checks.check("fio with a 1.2 s think time: exit 0, a stall in its JSON",
                      [res.show()] if not doc else
                      [] if doc["jobs"][0]["stalls"]["count"] >= 1 else ["no stall"])
    return path if ok else None


def kafka_run(bench, checks, tmp, name, cls):
    """A Kafka produce test on an in-process mock cluster: another kind of test on the page."""
    path = os.path.join(tmp, name + ".json")
    env = dict(os.environ, PVCBENCH_STORAGE_CLASS=cls)
    res = run([bench, "kafka", "produce", "--topic", "report-" + name, "--num-records", "20000",
               "--record-size", "100", "--throughput", "-1", "--producer-props", "acks=all",
               "--bootstrap-server", "mock", "--output-format=json", "--output=" + path],
              timeout=60, env=env)
    ok = checks.check("kafka produce on a mock cluster (%s): exit 0" % cls,
                      [] if res.rc == 0 and os.path.exists(path) else [res.show()])
    return path if ok else None


# ---- the browser ----

def png_pixels(data):
    """(width, height, set of distinct RGB colours, non-white fraction) of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    assert depth == 8 and ctype in (2, 6) and not interlace, "PNG layout %r" % (ihdr,)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    colours, nonwhite = set(), 0
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        prev = line
        if y % 2:  # every other row is enough to count colours
            continue
        px = [bytes(line[i:i + 3]) for i in range(0, stride, bpp)]
        colours.update(px)
        nonwhite += sum(1 for p in px if p != b"\xff\xff\xff")
    return w, h, colours, nonwhite / (w * ((h + 1) // 2))


def check_browser(checks, page_path, tmp):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        checks.skip("chromium is not installed (apt-get install chromium)")
    shot = os.path.join(tmp, "report.png")
    argv = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--user-data-dir=" + os.path.join(tmp, "chromium"), "--enable-logging=stderr",
            "--v=0", "--hide-scrollbars", "--window-size=1400,2200", "--screenshot=" + shot,
            "file://" + page_path]
    res = run(argv, timeout=90)
    console = [ln for ln in res.err.splitlines() if "CONSOLE" in ln]
    checks.check("chromium opened the page: exit 0, no console message",
                 ([res.show()] if res.rc != 0 else []) + console)
    if not os.path.exists(shot):
        checks.check("a screenshot was written", ["none at " + shot])
        return
    data = open(shot, "rb").read()
    w, h, colours, nonwhite = png_pixels(data)
    want = {bytes(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in PALETTE[:4]}
    checks.check("screenshot %dx%d, %d bytes, %d colours, %.1f%% not white, the classes' "
                 "colours drawn" % (w, h, len(data), len(colours), 100 * nonwhite),
                 [p for p, bad in (
                     ("size %dx%d" % (w, h), (w, h) != (1400, 2200)),
                     ("%d bytes" % len(data), not 50000 < len(data) < 20000000),
                     ("blank: %d colours" % len(colours), len(colours) < 50),
                     ("blank: %.3f not white" % nonwhite, nonwhite < 0.05),
                     ("chart colours missing: %r" % (want - colours), want - colours))
                  if bad])
    keep = os.environ.get("REPORT_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)
        checks.note("screenshot kept at " + keep)
    dom = run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
               "--user-data-dir=" + os.path.join(tmp, "chromium"), "--dump-dom",
               "file://" + page_path], timeout=90)
    page = open(page_path).read()
    checks.check("the browser's DOM holds every chart (%d svg)" % page.count("<svg"),
                 [] if dom.rc == 0 and dom.out.count("<svg") == page.count("<svg") > 10
                 else ["dom has %d svg, the page %d" % (dom.out.count("<svg"),
                                                        page.count("<svg"))])


# ---- the checks ----

def check_page(checks, bench, tmp, runs, labels):
    out = os.path.join(tmp, "report.html")
    argv = [bench, "report"] + [p for p, _, _ in runs] + ["-o", out]
    argv += ["--label=%s=%s" % (lab, p) for p, lab in labels]
    res = run(argv, timeout=60)
    if not checks.check("report of %d results: exit 0, the page written" % len(runs),
                        [] if res.rc == 0 and os.path.exists(out) else [res.show()]):
        return None
    text = open(out).read()
    checks.check("self-contained: no http(s) URL, script, link, img, iframe or url()",
                 [m.group(0) for m in re.finditer(
                     r"https?://|<script|<link|<img|<iframe|url\(|@import|src=", text)])
    page = Page()
    page.feed(text)
    inputs = [(label, json.load(open(p))) for p, label, _ in runs]
    stats, units = check_cells(checks, page, inputs)
    check_summary_json(checks, page, stats, inputs)

    # failover: the stalled fio run, its count and longest stall as its JSON has them
    stall = [(p, doc) for (p, _, _), (_, doc) in zip(runs, inputs) if "stall" in p][0]
    st = stall[1]["jobs"][0]["stalls"]
    rows = [r for r in page.failover if r[1][1] == stall[0]]
    job = stall[1]["jobs"][0]
    rec = [x["recovery_ms"] for x in st["list"]]
    errors = sum(v["errors"] for _, v in op_members(job))
    bad = []
    if len(rows) != 1:
        bad.append("rows %r" % page.failover)
    else:
        cells = rows[0]
        for i, what, want in ((3, "outages", st["count"]), (4, "longest", st["longest_ms"]),
                              (5, "total", st["total_ms"]), (7, "errors", errors)):
            if float(cells[i][0].get("data-value", "nan")) != want:
                bad.append("%s: %r, want %r" % (what, cells[i][0].get("data-value"), want))
        if None in rec and "not recovered" not in cells[6][1]:
            bad.append("recovery: %r, but a stall did not recover" % cells[6][1])
        if rec and None not in rec and float(cells[6][0].get("data-value")) != max(rec):
            bad.append("recovery: %r, want %r" % (cells[6][0].get("data-value"), max(rec)))
        if "not checked" not in cells[8][1]:
            bad.append("lost: %r, but the run checked nothing" % cells[8][1])
    checks.check("failover: the stalled run's row says its %d stall(s), longest %.3f s, total, "
                 "recovery (%s), errors as its JSON" % (st["count"], st["longest_ms"] / 1000,
                                                         rec), bad)
    # the rule's filesystems: tmpfs (class-d's /dev/shm), and overlay, where /tmp is the
    # container's own root (a fresh Debian container runs every class there)
    memory_fs = ("tmpfs", "ramfs", "overlay")
    tmpfs = {label for (p, label, _), (_, doc) in zip(runs, inputs)
             if any(j.get("target", {}).get("fstype") in memory_fs for j in doc["jobs"])}
    got = {f["data-class"] for f in page.flags if f["data-rule"] == "memory"}
    checks.check("red flags 'memory' for the classes run on tmpfs, ramfs or overlay (%s)"
                 % sorted(tmpfs),
                 [] if got == tmpfs and tmpfs else ["flagged %r, want %r" % (got, tmpfs)])
    checks.check("environment: a row per result, each with its kernel",
                 [] if sorted(i for i, _ in page.env) == list(range(len(runs))) and all(
                     env_of(inputs[i][1])["kernel"]["release"] in cells
                     for i, cells in page.env) else ["rows %r" % page.env])
    return out, stats, units


def env_of(doc):
    """A result's environment; a merged result's first source's."""
    return doc["sources"][0]["environment"] if "sources" in doc else doc["environment"]


def check_baseline(checks, bench, tmp, runs, labels, stats, units):
    out = os.path.join(tmp, "baseline.html")
    argv = [bench, "report", "--baseline=class-a", "-o", out] + [p for p, _, _ in runs]
    argv += ["--label=%s=%s" % (lab, p) for p, lab in labels]
    res = run(argv, timeout=60)
    if not checks.check("--baseline=class-a: exit 0", [] if res.rc == 0 else [res.show()]):
        return
    page = Page()
    page.feed(open(out).read())
    want = set()
    for key, st in stats.items():
        op = key.split("/")[1].split(".")[0]
        base = st.get("class-a")
        if op not in ("write", "txn", "produce") or not base or not base["mean"] > 0:
            continue
        for cls, s in st.items():
            if cls == "class-a" or not s["mean"] > 0:
                continue
            spread = [(x["max"] - x["min"]) / x["mean"] for x in (base, s)]
            noise = max([NOISE] + spread)
            ratio = s["mean"] / base["mean"] if units[key][1] \
                else base["mean"] / s["mean"]
            if ratio > 1 + noise:
                want.add((cls, key))
    got = {(f["data-class"], f.get("data-figure")) for f in page.flags
           if f["data-rule"] == "baseline"}
    checks.check("--baseline flags exactly the write figures beating class-a by more than "
                 "the noise (%d)" % len(want), [] if got == want else
                 ["flagged %r, want %r" % (sorted(got), sorted(want))])


def check_floor(checks, bench, tmp, shm):
    """The 'floor' rule: a buffered run on tmpfs (microseconds per write) whose JSON is made to
    say direct=1 on a rotational ext4 disk must be flagged likely cached; as it ran (tmpfs,
    buffered), only 'memory' fires."""
    d = tempfile.mkdtemp(prefix="floor-", dir=shm)
    path = os.path.join(tmp, "floor-real.json")
    res = run([bench, "fio", "--name=w", "--rw=write", "--bs=512", "--size=1M", "--directory=" + d,
               "--ioengine=psync", "--runtime=1", "--time_based", "--output-format=json",
               "--output=" + path], timeout=60)
    if not checks.check("fio, buffered 512-byte writes on tmpfs: exit 0",
                        [] if res.rc == 0 and os.path.exists(path) else [res.show()]):
        return
    doc = json.load(open(path))
    job = doc["jobs"][0]
    lh = job["write"]["lat_hist"]
    mean_us = lh["sum"] / lh["count"] / 1e3
    job["config"]["direct"]["value"] = "1"
    job["target"].update(fstype="ext4", source="/dev/sdz",
                         device={"major_minor": "8:0", "model": "HDD", "rotational": "1"})
    edited = os.path.join(tmp, "floor-edited.json")
    with open(edited, "w") as f:
        json.dump(doc, f, indent=2)
    out = os.path.join(tmp, "floor.html")
    res = run([bench, "report", "--label=hdd=" + edited, "--label=ram=" + path, edited, path,
               "-o", out], timeout=60)
    if not checks.check("report of the floor results: exit 0",
                        [] if res.rc == 0 else [res.show()]):
        return
    page = Page()
    page.feed(open(out).read())
    got = sorted((f["data-rule"], f["data-class"]) for f in page.flags)
    want = sorted(([("floor", "hdd")] if mean_us < 10 else []) + [("memory", "ram")])
    checks.check("red flags: 'floor' for %.2f us writes said to be direct on a rotational disk, "
                 "'memory' for them as they ran on tmpfs" % mean_us,
                 [] if got == want and mean_us < 10 else ["flags %r, want %r" % (got, want)])


def check_bad_input(checks, bench, tmp, good):
    d = os.path.join(tmp, "bad")
    os.mkdir(d)
    notres = os.path.join(d, "not-a-result.json")
    with open(notres, "w") as f:
        json.dump({"hello": 1}, f)
    text = os.path.join(d, "text.json")
    with open(text, "w") as f:
        f.write("Random Read/Write IOPS: 1k/1k\n")
    out = os.path.join(d, "r.html")
    cases = (("a missing file", [good, os.path.join(d, "missing.json")]),
             ("a JSON that is not a result", [good, notres]),
             ("a text file", [text]),
             ("--label naming no RESULT", [good, "--label=x=" + notres + ".no"]),
             ("--label without NAME=", [good, "--label=" + good]),
             ("--baseline naming no class", [good, "--baseline=no-such-class"]),
             ("no RESULT", []),
             ("-o without FILE", [good, "-o"]))
    for what, args in cases:
        before = set(os.listdir(d))
        res = run([bench, "report"] + args + ([] if args[-1:] == ["-o"] else ["-o", out]),
                  timeout=30)
        # getopt's style (as pgbench, compare) adds its hint line to a usage error
        lines = [ln for ln in res.err.strip().splitlines() if "hint: Try" not in ln]
        checks.check("bad input, %s: exit 2, one line on stderr, no report left" % what,
                     [p for p, bad in (
                         ("exit %d" % res.rc, res.rc != 2),
                         ("stderr %r" % res.err, len(lines) != 1),
                         ("files left: %r" % (set(os.listdir(d)) - before),
                          set(os.listdir(d)) != before))
                      if bad])


def main():
    checks = Checks()
    if len(sys.argv) != 2:
        print("usage: %s PATH_TO_PVCBENCH" % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    bench = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="pvc-report-")
    shm = tempfile.mkdtemp(prefix="pvc-report-", dir="/dev/shm") \
        if os.path.isdir("/dev/shm") else None
    try:
        runs, labels = [], []
        for name, cls, mp, extra in (("a", "class-a", None, ()), ("b1", "class-b", None, ()),
                                     ("b2", "class-b", None, ()), ("c", None, None, ()),
                                     ("d-shm", "class-d", shm, ("--direct=0",))):
            if mp is None:
                mp = os.path.join(tmp, name)
                os.mkdir(mp)
            p = summary_run(bench, checks, tmp, name, cls, mp, extra)
            if p:
                runs.append((p, cls or "class-c", name))
        p = fio_stall_run(bench, checks, tmp)
        if p:
            runs.append((p, "class-a", "stall"))
            labels.append((p, "class-a"))
        merged = os.path.join(tmp, "merged.json")
        res = run([bench, "merge", "--output-format=json", "--output=" + merged,
                   os.path.join(tmp, "b1.json"), os.path.join(tmp, "b2.json")], timeout=60)
        if checks.check("pvcbench merge of class-b's two runs (as two pods): exit 0",
                        [] if res.rc == 0 else [res.show()]):
            runs.append((merged, "class-b-pods", "merged"))
            labels.append((merged, "class-b-pods"))
        for name, cls in (("ka", "class-a"), ("kb", "class-b")):
            p = kafka_run(bench, checks, tmp, name, cls)
            if p:
                runs.append((p, cls, name))
        labels.append((os.path.join(tmp, "c.json"), "class-c"))
        if len(runs) < 9:
            checks.check("every run made its result", ["%d of 9" % len(runs)])
            checks.finish()
        made = check_page(checks, bench, tmp, runs, labels)
        if made:
            check_browser(checks, made[0], tmp)
            check_baseline(checks, bench, tmp, runs, labels, made[1], made[2])
        if shm:
            check_floor(checks, bench, tmp, shm)
        check_bad_input(checks, bench, tmp, runs[0][0])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if shm:
            shutil.rmtree(shm, ignore_errors=True)
    checks.finish()


if __name__ == "__main__":
    main()
