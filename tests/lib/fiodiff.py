"""fiodiff.py - the differential corpus: each job file of tests/fio-diff/ run by fio and by
pvcbench on the same (empty) directory, and what they did compared (scripts/fio-diff is the
command; docs/fio-diff.md explains the checks).

Each tool runs in a fresh directory of its own (the job's files relative to it, as fio names
them) under `strace -f -c`, which counts the fsync/fdatasync/sync_file_range calls of every
process and thread. After the run the directory is listed: data files with their sizes, and the
*.log files with their rows and columns. pvcbench runs with --keep=1 (it removes the files it
made otherwise, fio leaves them), unless the job says `nokeep` (unlink jobs, where both tools
must leave nothing).

Exact checks (a difference fails the job): exit status, an empty stderr when fio's is empty,
the job list (names and groups), bytes and I/O counts per job and per group and direction, the
files, the sync calls, the log files (names, columns, and rows unless the logs are averaged
over time), the JSON keys (every key of fio's document must be in pvcbench's: pvcbench may
add its own), the shape of non-JSON reports, and file contents when the job asks. Noise checks
(reported; only a factor beyond WILD fails): IOPS and mean latency per job and direction, and
what an `approx` directive takes out of the exact checks.

A job file may carry directives in comments, `# fio-diff: WORD ...`:
    file NAME SIZE     create NAME (SIZE bytes, fio's suffixes) before each tool runs
    env NAME=VALUE     set in both tools' environment (for ${NAME} in the job file)
    args ARG ...       command-line arguments for both tools, before the job file
    nokeep             run pvcbench without --keep=1
    approx dirs        the read/write split is random (rwmix): each job's and group's total
                       bytes and I/Os are exact, each direction's within noise
    approx ios         block sizes are random (bsrange, bssplit): bytes exact, I/O counts
                       within noise
    approx bytes       where the last block ends is random too (bs_unaligned, a random mix of
                       sizes), or the run is timed: which directions move data is exact, bytes
                       and counts within noise
    content hash       the data files' contents must be the same (sha256)
    content ratio      the data files' zlib-compressed fraction and fraction of distinct
                       4 KiB blocks must agree within 0.15 (buffer_compress_*, dedupe_*)
"""
import fnmatch
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib

from fiofmt import parse_fio_text
from runs import Result, _clean_up_at_end, c_locale_env, spawn

DIRS = ("read", "write", "trim", "mixed")
SYNC_CALLS = ("fsync", "fdatasync", "sync_file_range")
NOISE = 4.0  # within this factor: ok
WILD = 200.0  # beyond this factor: fails (a unit or counting mistake, not a busy disk)
MIN_RUNTIME_MS = 50  # IOPS of a shorter run is mostly start-up and rounding
MIN_IOS = 50  # a mean latency of fewer I/Os is mostly the first I/O's
# JSON objects whose keys are values (histogram bins), not names: compared as leaves
LEAF_KEYS = {"bins", "disk_util"}
TIMED_LOG_OPTS = re.compile(r"^\s*(log_avg_msec|log_hist_msec|time_based)\b", re.M)
RUN_TIMEOUT = 30.0


# ---------------------------------------------------------------- the corpus

def parse_size(text):
    m = re.fullmatch(r"([0-9]+)([kmgt]?)(i?b)?", text.strip().lower())
    if not m:
        raise ValueError("bad size %r" % text)
    return int(m.group(1)) * 1024 ** " kmgt".index(m.group(2) or " ")


class Job:
    """One job file of the corpus and its directives."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.name = os.path.splitext(os.path.basename(path))[0]
        with open(path) as f:
            self.text = f.read()
        self.files, self.env, self.args, self.keep = [], {}, [], True
        self.approx, self.content = set(), set()
        about, in_head = [], True  # the opening comment, "# Expected: ..."
        for line in self.text.splitlines():
            m = re.match(r"^[#;]\s*fio-diff:\s*(\S+)\s*(.*)$", line)
            if m:
                self._directive(m.group(1), m.group(2).split())
                continue
            m = re.match(r"^[#;]\s*(.*)$", line)
            if m and in_head:
                about.append(m.group(1).strip())
            else:
                in_head = False
        self.about = re.sub(r"^Expected:\s*", "", " ".join(about).strip())
        self.timed_logs = bool(TIMED_LOG_OPTS.search(self.text))
        # an ioengine line (or argument): the job chooses; else both run fio's default, psync
        self.names_engine = bool(re.search(r"^\s*ioengine\s*=", self.text, re.M)) or any(
            a.startswith("--ioengine") for a in self.args)

    def _directive(self, word, rest):
        if word == "file" and len(rest) == 2:
            self.files.append((rest[0], parse_size(rest[1])))
        elif word == "env" and len(rest) == 1 and "=" in rest[0]:
            k, v = rest[0].split("=", 1)
            self.env[k] = v
        elif word == "args" and rest:
            self.args += rest
        elif word == "nokeep" and not rest:
            self.keep = False
        elif word == "approx" and set(rest) <= {"dirs", "ios", "bytes"} and rest:
            self.approx |= set(rest)
        elif word == "content" and set(rest) <= {"hash", "ratio"} and rest:
            self.content |= set(rest)
        else:
            raise ValueError("%s: bad directive: fio-diff: %s %s"
                             % (self.path, word, " ".join(rest)))


def load_corpus(corpus_dir, only=None):
    paths = sorted(p for p in os.listdir(corpus_dir) if p.endswith(".fio"))
    jobs = [Job(os.path.join(corpus_dir, p)) for p in paths]
    if only:
        pats = [p[:-4] if p.endswith(".fio") else p for p in only]
        jobs = [j for j in jobs if any(fnmatch.fnmatch(j.name, p) for p in pats)]
    return jobs


# ---------------------------------------------------------------- running one tool

class ToolRun:
    """What one tool did on one job: exit status, stderr, its JSON (or None), the sync calls
    strace counted, the data files (name -> size) and log files (name -> (rows, columns))."""

    def __init__(self):
        self.rc, self.out, self.err, self.doc, self.json_error = None, "", "", None, None
        self.timed_out, self.after = False, ""
        self.syncs, self.files, self.logs, self.contents = None, {}, {}, {}


def _prepare(job, rundir):
    pattern = bytes(range(256)) * 4096  # 1 MiB of a fixed, incompressible-enough pattern
    for name, size in job.files:
        path = os.path.join(rundir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            left = size
            while left > 0:
                f.write(pattern[:min(left, len(pattern))])
                left -= len(pattern)


def parse_strace_summary(text):
    """strace -c's table: syscall -> calls."""
    counts = {}
    for line in text.splitlines():
        cols = line.split()
        # % time, seconds, usecs/call, calls, [errors,] syscall: errors is blank when none
        if len(cols) >= 5 and cols[-1] in SYNC_CALLS:
            counts[cols[-1]] = int(cols[3])
    return counts


def parse_json_output(text):
    """(document, None, what follows it) or (None, why, ""): fio may print "note: ..." lines
    before its JSON; what follows is another report (--status-interval) or nothing."""
    start = text.find("{")
    if start < 0:
        return None, "no JSON document on stdout", ""
    try:
        doc, end = json.JSONDecoder().raw_decode(text[start:])
    except ValueError as e:
        return None, "stdout is not JSON: %s" % e, ""
    return doc, None, text[start + end:].strip()


def list_dir(rundir):
    """(data files name -> size, log files name -> (rows, sorted column counts))."""
    files, logs = {}, {}
    for root, _dirs, names in os.walk(rundir):
        for n in names:
            path = os.path.join(root, n)
            rel = os.path.relpath(path, rundir)
            if n.endswith(".log"):
                with open(path, errors="replace") as f:
                    rows = [ln for ln in f.read().splitlines() if ln.strip()]
                cols = sorted({len(r.split(",")) for r in rows})
                logs[rel] = (len(rows), cols)
            elif os.path.islink(path) or not os.path.isfile(path):
                files[rel] = "(not a regular file)"
            else:
                files[rel] = os.path.getsize(path)
    return files, logs


def descendants(pid):
    """Every process below pid, from /proc (fio's job processes start sessions of their own,
    so a process group does not hold them)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir("/proc/%d/task" % parent)
        except OSError:
            continue
        for tid in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (parent, tid)) as f:
                    kids = [int(x) for x in f.read().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def kill_tree(pid):
    for victim in [pid] + descendants(pid):
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_group(argv, cwd, env, timeout=RUN_TIMEOUT):
    """Runs argv and, past the timeout, kills it with every process below it: fio's job
    processes hold the output pipes, and killing only strace would leave them running."""
    t0 = time.monotonic()
    p = spawn(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
              stderr=subprocess.PIPE)
    timed_out = False
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_tree(p.pid)
        out, err = p.communicate()
    return Result(argv, p.returncode, out.decode(errors="replace"),
                  err.decode(errors="replace"), time.monotonic() - t0, timed_out, pid=p.pid)


def run_tool(argv, job, workdir, strace):
    """Runs argv (the job file last) in workdir/run, under strace when we have it."""
    rundir = os.path.join(workdir, "run")
    os.makedirs(rundir)
    _prepare(job, rundir)
    trace = os.path.join(workdir, "strace.txt")
    full = list(argv)
    if strace:
        full = [strace, "-f", "-c", "-o", trace, "-e", "trace=" + ",".join(SYNC_CALLS)] + full
    env = c_locale_env()
    env.update(job.env)
    res = run_group(full, rundir, env)
    t = ToolRun()
    t.rc, t.out, t.err, t.timed_out = res.rc, res.out, res.err, res.timed_out
    if res.timed_out:
        t.err = "timed out after %.0f s\n" % RUN_TIMEOUT + t.err
    if strace:
        with open(trace) as f:
            text = f.read()
        # strace's own complaints go first in its file; its table is what follows
        t.syncs = parse_strace_summary(text)
        if "ptrace" in text and "% time" not in text:
            t.syncs = None
    t.doc, t.json_error, t.after = parse_json_output(res.out)
    t.files, t.logs = list_dir(rundir)
    if job.content:
        t.contents = {n: content_figures(os.path.join(rundir, n))
                      for n, size in t.files.items() if isinstance(size, int)}
    return t


# ---------------------------------------------------------------- what is compared

def io_by_job(doc):
    """[(jobname, groupid, {dir: (io_bytes, total_ios)})] in the document's order."""
    out = []
    for j in doc.get("jobs", []):
        dirs = {d: (j[d].get("io_bytes"), j[d].get("total_ios"))
                for d in DIRS if isinstance(j.get(d), dict)}
        out.append((j.get("jobname"), j.get("groupid"), dirs))
    return out


def io_text(dirs, approx=()):
    """What must agree exactly: 'r 2097152/512 w 4096/1' for the directions with I/O (a
    direction with zero I/O compares equal to an absent one); with approx "dirs" the total
    over the directions ('all ...'), with approx "ios" the bytes without the I/O count."""
    if "dirs" in approx:
        # unified_rw_reporting=both writes "mixed" beside read and write: count once
        split = {d: v for d, v in dirs.items() if d != "mixed" and any(v)}
        parts = split or dirs
        dirs = {"all": (sum(b or 0 for b, _ in parts.values()),
                        sum(n or 0 for _, n in parts.values()))}
    fmt = (lambda b, n: "%s" % b) if "ios" in approx else (lambda b, n: "%s/%s" % (b, n))
    if "bytes" in approx:
        fmt = lambda b, n: "some"  # noqa: E731
    parts = ["%s %s" % (d if d == "all" else d[0], fmt(b, n))
             for d, (b, n) in sorted(dirs.items()) if b or n]
    return " ".join(parts) or "none"


def approx_row(check, fdirs, pdirs):
    """The quantities an approx directive leaves out of the exact check, within noise."""
    order = ["ok", "noise", "FAIL"]
    verdict = "ok"
    for d in set(fdirs) | set(pdirs):
        fb, fn = fdirs.get(d, (0, 0))
        pb, pn = pdirs.get(d, (0, 0))
        for a, b in ((fb, pb), (fn, pn)):
            verdict = max(verdict, ratio_verdict(a, b), key=order.index)
    return Row(check, io_text(fdirs), io_text(pdirs), verdict)


def group_sums(jobs):
    sums = {}
    for _name, gid, dirs in jobs:
        g = sums.setdefault(gid, {})
        for d, (b, n) in dirs.items():
            ob, on = g.get(d, (0, 0))
            g[d] = (ob + (b or 0), on + (n or 0))
    return sums


def key_paths(obj, prefix=""):
    """Every key path of a JSON value; list items merge ("jobs[]"), LEAF_KEYS stop."""
    paths = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = prefix + "." + k if prefix else k
            paths.add(p)
            if k not in LEAF_KEYS:
                paths |= key_paths(v, p)
    elif isinstance(obj, list):
        for v in obj:
            paths |= key_paths(v, prefix + "[]")
    return paths


def ratio_verdict(fio_v, pvc_v):
    if not fio_v or not pvc_v:
        return "FAIL" if bool(fio_v) != bool(pvc_v) else "ok"
    r = max(pvc_v / fio_v, fio_v / pvc_v)
    if r <= NOISE:
        return "ok"
    return "noise" if r <= WILD else "FAIL"


def fmt_num(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "%.4g" % v
    return str(v)


class Row:
    def __init__(self, check, fio, pvc, verdict, detail=None):
        self.check, self.fio, self.pvc, self.verdict = check, fio, pvc, verdict
        self.detail = detail or []


def exact(check, fio, pvc, detail=None):
    return Row(check, fio, pvc, "ok" if fio == pvc else "FAIL",
               None if fio == pvc else detail)


def text_before_json(text):
    """The report printed before the JSON document, without fio's "note:" and "fio: ..." lines
    (such as "fio: opendir added 2 files")."""
    head = text[:text.find("{")] if "{" in text else ""
    lines = [ln for ln in head.splitlines()
             if ln.strip() and not ln.startswith(("note:", "fio: "))]
    return "\n".join(lines)


def text_shape(text):
    """What a non-JSON report must share with fio's: terse lines and their field counts; the
    jobs, directions and groups of a normal report; or nothing at all."""
    if text.lstrip().startswith("{"):
        return "JSON"
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "empty"
    terse = [ln for ln in lines if re.match(r"^[0-9]+;", ln)]
    if terse:
        fields = sorted({len(ln.split(";")) for ln in terse})
        return "terse: %d lines of %s fields" % (len(terse), "/".join(map(str, fields)))
    rep = parse_fio_text(text)
    jobs = " ".join("%s(%s)" % (n, ",".join(sorted(d))) for n, d in sorted(rep["jobs"].items()))
    groups = " ".join("g%s(%s)" % (g, ",".join(sorted(d)))
                      for g, d in sorted(rep["groups"].items()))
    return "normal: %s; %s" % (jobs or "no job", groups or "no group")


def first_line(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[0] if lines else ""


def compare(job, f, p):
    """The rows of one job: f is fio's run, p pvcbench's."""
    rows = [exact("exit status", str(f.rc), str(p.rc),
                  ["pvcbench: " + first_line(p.err)] if p.rc else ["fio: " + first_line(f.err)])]
    if f.rc != 0:
        rows.append(Row("fio run", "rc %s" % f.rc, "", "FAIL",
                        ["fio cannot run this job (a corpus bug): " + first_line(f.err)]))
        return rows
    if p.rc != 0:
        return rows
    f_err, p_err = f.err.strip(), p.err.strip()
    if not f_err:
        rows.append(Row("stderr", "empty", "empty" if not p_err else
                        "%d lines" % len(p_err.splitlines()),
                        "ok" if not p_err else "FAIL", p_err.splitlines()[:5]))
    if f.doc is None or p.doc is None:
        # terse, normal, --parse-only: the report's shape, then the files
        fs, ps = text_shape(f.out), text_shape(p.out)
        rows.append(exact("stdout", fs, ps, [p.json_error or ""] if p.doc is None else []))
        return rows + compare_files(job, f, p)
    fpre, ppre = text_before_json(f.out), text_before_json(p.out)
    if fpre or ppre:  # --output-format=json,terse and the like: the other report first
        rows.append(exact("stdout before JSON", text_shape(fpre), text_shape(ppre)))
    if f.after or p.after:  # --status-interval: more reports after the first
        def more(t):
            return "%d more JSON documents" % t.count('"fio version"') if t else "none"
        rows.append(exact("stdout after JSON", more(f.after), more(p.after)))
    rows += compare_io(job, f, p)
    rows += compare_files(job, f, p)
    rows += compare_content(job, f, p)
    rows += compare_keys(f, p)
    rows += compare_noise(f, p)
    return rows


def compare_io(job, f, p):
    rows = []
    fj, pj = io_by_job(f.doc), io_by_job(p.doc)
    names = lambda js: " ".join("%s/g%s" % (n, g) for n, g, _ in js)  # noqa: E731
    rows.append(exact("jobs", names(fj), names(pj)))
    for i, (name, _gid, dirs) in enumerate(fj):
        pdirs = pj[i][2] if i < len(pj) else None
        tag = "job %d %s" % (i, name)
        rows.append(exact("io " + tag, io_text(dirs, job.approx),
                          io_text(pdirs, job.approx) if pdirs is not None else "missing"))
        if job.approx and pdirs is not None:
            rows.append(approx_row("io~ " + tag, dirs, pdirs))
    fg, pg = group_sums(fj), group_sums(pj)
    for gid in sorted(set(fg) | set(pg), key=str):
        rows.append(exact("io group %s" % gid, io_text(fg.get(gid, {}), job.approx),
                          io_text(pg[gid], job.approx) if gid in pg else "missing"))
    if f.syncs is None or p.syncs is None:
        rows.append(Row("sync calls", "-", "-", "skip", ["strace could not count"]))
    else:
        def calls(c):
            return " ".join("%s %d" % (k, c[k]) for k in SYNC_CALLS if c.get(k)) or "none"
        rows.append(exact("sync calls", calls(f.syncs), calls(p.syncs)))
    return rows


def content_figures(path):
    """(sha256, zlib-compressed fraction, fraction of distinct 4 KiB blocks) of a file."""
    with open(path, "rb") as fh:
        data = fh.read()
    blocks = [data[i:i + 4096] for i in range(0, len(data), 4096)]
    comp = len(zlib.compress(data, 1)) / len(data) if data else 1.0
    uniq = len(set(blocks)) / len(blocks) if blocks else 1.0
    return hashlib.sha256(data).hexdigest()[:12], comp, uniq


def compare_content(job, f, p):
    rows = []
    for name in sorted(set(f.contents) & set(p.contents)):
        fc, pc = f.contents[name], p.contents[name]
        if "hash" in job.content:
            rows.append(exact("content " + name, fc[0], pc[0]))
        if "ratio" in job.content:
            near = abs(fc[1] - pc[1]) <= 0.15 and abs(fc[2] - pc[2]) <= 0.15
            rows.append(Row("compress/unique " + name, "%.2f/%.2f" % fc[1:],
                            "%.2f/%.2f" % pc[1:], "ok" if near else "FAIL"))
    return rows


def dict_diff(a, b):
    return ["%s: fio %s, pvcbench %s" % (k, a.get(k, "absent"), b.get(k, "absent"))
            for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def compare_files(job, f, p):
    rows = []
    summ = lambda fs: "%d: %s" % (len(fs), ", ".join(  # noqa: E731
        "%s %s" % (k, v) for k, v in sorted(fs.items()))) if fs else "none"
    rows.append(exact("files", summ(f.files), summ(p.files), dict_diff(f.files, p.files)))
    if f.logs or p.logs:
        cols = lambda ls: {k: v[1] for k, v in ls.items()}  # noqa: E731
        fc, pc = cols(f.logs), cols(p.logs)
        cs = lambda c: "%d: %s" % (len(c), ", ".join(  # noqa: E731
            "%s %s" % (k, "/".join(map(str, v)) or "empty") for k, v in sorted(c.items())))
        rows.append(exact("log names, columns", cs(fc), cs(pc), dict_diff(fc, pc)))
        fr = {k: v[0] for k, v in f.logs.items()}
        pr = {k: v[0] for k, v in p.logs.items() if k in fr}
        rs = lambda r: " ".join(str(r[k]) for k in sorted(r))  # noqa: E731
        if job.timed_logs:
            worst = "ok"
            for k in pr:
                a, b = fr[k], pr[k]
                if abs(a - b) > max(2, 0.3 * max(a, b)):
                    worst = "noise"
            rows.append(Row("log rows (timed)", rs(fr), rs(pr), worst))
        else:
            rows.append(exact("log rows", rs(fr), rs(pr), dict_diff(fr, pr)))
    return rows


def compare_keys(f, p):
    fk, pk = key_paths(f.doc), key_paths(p.doc)
    missing = sorted(fk - pk)
    extra = len(pk - fk)
    pv = "all" if not missing else "missing %d" % len(missing)
    if extra:
        pv += " (+%d own)" % extra
    return [Row("json keys", "%d keys" % len(fk), pv, "ok" if not missing else "FAIL",
                _compress_keys(missing))]


def _compress_keys(paths, limit=12):
    """The missing key paths, a missing object standing for the keys under it."""
    top = [k for k in paths if not any(k.startswith(o + ".") or k.startswith(o + "[]")
                                       for o in paths if o != k)]
    more = ["... and %d more" % (len(top) - limit)] if len(top) > limit else []
    return top[:limit] + more


def compare_noise(f, p):
    rows = []
    fjobs, pjobs = f.doc.get("jobs", []), p.doc.get("jobs", [])
    for i, fj in enumerate(fjobs):
        if i >= len(pjobs):
            break
        pj = pjobs[i]
        for d in DIRS:
            fd, pd = fj.get(d), pj.get(d)
            if not isinstance(fd, dict) or not fd.get("total_ios") or not isinstance(pd, dict):
                continue
            tag = "%d %s %s" % (i, fj.get("jobname"), d)
            if fd.get("runtime", 0) >= MIN_RUNTIME_MS:
                rows.append(Row("iops " + tag, fmt_num(fd.get("iops")),
                                fmt_num(pd.get("iops")),
                                ratio_verdict(fd.get("iops"), pd.get("iops"))))
            if fd.get("total_ios", 0) >= MIN_IOS:
                fl = (fd.get("lat_ns") or {}).get("mean")
                pl = (pd.get("lat_ns") or {}).get("mean")
                rows.append(Row("lat mean ns " + tag, fmt_num(fl), fmt_num(pl),
                                ratio_verdict(fl, pl)))
    return rows


# ---------------------------------------------------------------- the command

def clip(s, n):
    s = str(s)
    return s if len(s) <= n else s[:n - 3] + "..."


def print_rows(name, rows, out):
    for r in rows:
        out.write("%-22s %-26s %-34s %-34s %s\n" % (clip(name, 22), clip(r.check, 26),
                                                    clip(r.fio, 34), clip(r.pvc, 34),
                                                    r.verdict))
        if r.verdict == "FAIL":
            for d in r.detail:
                if d:
                    out.write("    %s\n" % d)
    out.flush()


def main(argv=None, repo=None):
    import argparse
    ap = argparse.ArgumentParser(
        prog="fio-diff",
        description="Runs each job file of the corpus with fio and with pvcbench and "
        "compares them (docs/fio-diff.md).")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this job (name without .fio, or a glob); repeatable")
    ap.add_argument("--pvcbench", metavar="PATH", help="the binary (default: build/pvcbench)")
    ap.add_argument("--fio", metavar="PATH", default="fio", help="the fio binary (default fio)")
    ap.add_argument("--keep-going", action="store_true",
                    help="go on after a job fails an exact check")
    ap.add_argument("--list", action="store_true", help="list the corpus and exit")
    ap.add_argument("--against-fio", action="store_true",
                    help="run fio in pvcbench's place: checks the corpus itself (every exact "
                    "check must pass)")
    ap.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                    help="run N corpus jobs at once (default 1)")
    ap.add_argument("--corpus", metavar="DIR", help="job files (default tests/fio-diff)")
    ap.add_argument("--tmpdir", metavar="DIR", default=os.environ.get("TMPDIR", "/var/tmp"),
                    help="where the runs' directories go (default $TMPDIR or /var/tmp)")
    args = ap.parse_args(argv)
    repo = repo or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    corpus = args.corpus or os.path.join(repo, "tests", "fio-diff")
    try:
        jobs = load_corpus(corpus, args.only)
    except (OSError, ValueError) as e:
        print("fio-diff: %s" % e, file=sys.stderr)
        return 2
    if not jobs:
        print("fio-diff: no job matches in %s" % corpus, file=sys.stderr)
        return 2
    if args.list:
        for j in jobs:
            print("%s\n    %s" % (j.name, j.about))
        return 0
    pvc = args.pvcbench or os.path.join(repo, "build", "pvcbench")
    pvc = shutil.which(pvc) or pvc
    fio = shutil.which(args.fio)
    if not fio:
        print("fio-diff: %s not found" % args.fio, file=sys.stderr)
        return 77
    if not os.access(pvc, os.X_OK):
        print("fio-diff: pvcbench binary %s not found (--pvcbench PATH)" % pvc, file=sys.stderr)
        return 77
    pvc = os.path.abspath(pvc)
    strace = shutil.which("strace")
    if strace and subprocess.run([strace, "-f", "-c", "-o", os.devnull, "true"],
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL).returncode != 0:
        strace = None  # a container without ptrace: run the tools bare
    if not strace:
        print("fio-diff: strace cannot run here: sync calls are not counted", file=sys.stderr)
    second = [fio] if args.against_fio else [pvc, "fio"]
    return run_corpus(jobs, fio, second, strace, args.tmpdir, args.keep_going, args.jobs)


def run_job(job, fio, second, strace, tmpdir):
    """Both tools on one job, each in a fresh directory: the rows and the seconds each took."""
    with tempfile.TemporaryDirectory(prefix="fio-diff-%s." % job.name, dir=tmpdir) as tmp:
        fdir, pdir = os.path.join(tmp, "fio"), os.path.join(tmp, "pvc")
        os.makedirs(fdir)
        os.makedirs(pdir)
        t0 = time.monotonic()
        f = run_tool([fio, "--output-format=json"] + job.args + [job.path], job, fdir, strace)
        if f.timed_out:  # the reference hung (seen once under strace): once more
            shutil.rmtree(fdir)
            os.makedirs(fdir)
            f = run_tool([fio, "--output-format=json"] + job.args + [job.path], job, fdir,
                         strace)
        t1 = time.monotonic()
        keep = ["--keep=1"] if job.keep and second[0] != fio else []
        # the same work: fio's default engine (psync) where the job names none, for
        # pvcbench's default (auto: io_uring) has a submission latency and syncs in its ring
        engine = [] if second[0] == fio or job.names_engine else ["--ioengine=psync"]
        p = run_tool(second + ["--output-format=json"] + keep + engine + job.args + [job.path],
                     job, pdir, strace)
        t2 = time.monotonic()
        return compare(job, f, p), t1 - t0, t2 - t1


def run_corpus(jobs, fio, second, strace, tmpdir, keep_going, parallel=1):
    """second: the command that stands for pvcbench (pvcbench fio, or fio itself). With
    parallel > 1, that many jobs run at once (fio spends most of its start-up asleep); the
    table still comes in corpus order."""
    from concurrent.futures import ThreadPoolExecutor
    out = sys.stdout
    out.write("%-22s %-26s %-34s %-34s %s\n" % ("job", "check", "fio", "pvcbench", "verdict"))
    failed, noisy, ran, secs = [], [], 0, [0.0, 0.0]
    t0 = time.monotonic()
    _clean_up_at_end()  # its signal handlers can only be set from the main thread
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = [pool.submit(run_job, job, fio, second, strace, tmpdir) for job in jobs]
        for job, fut in zip(jobs, futures):
            rows, fs, ps = fut.result()
            ran += 1
            secs[0] += fs
            secs[1] += ps
            print_rows(job.name, rows, out)
            if any(r.verdict == "FAIL" for r in rows):
                failed.append(job.name)
                if not keep_going:
                    out.write("stopped at the first failing job (--keep-going runs them all)\n")
                    for other in futures:
                        other.cancel()
                    break
            elif any(r.verdict == "noise" for r in rows):
                noisy.append(job.name)
    out.write("\n%d of %d jobs run in %.0f s (fio %.0f s, the other %.0f s): %d failed%s\n" % (
        ran, len(jobs), time.monotonic() - t0, secs[0], secs[1], len(failed),
        (": " + " ".join(failed)) if failed else ""))
    if noisy:
        out.write("outside the noise factor %g but not failed: %s\n" % (NOISE, " ".join(noisy)))
    return 1 if failed else 0
