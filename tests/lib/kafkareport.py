"""kafkareport.py - the outputs of `pvcbench kafka produce|consume` as /work/spec/kafka-cli.md
gives them (Java's kafka-producer-perf-test and kafka-consumer-perf-test formats, and the
fio-shaped JSON), parsed and checked for the kafka tests. Each *_problems function returns a
list of problems, empty when all is well.
"""
import datetime
import json
import re

MIB = 1024 * 1024

# ---------------------------------------------------------------- producer text

# `%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.`
PROGRESS_RE = re.compile(r"^(\d+) records sent, (\d+\.\d) records/sec \((\d+\.\d\d) MB/sec\), "
                         r"(\d+\.\d) ms avg latency, (\d+\.\d) ms max latency\.$")
# `%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency,
#  %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.`  (%f: six decimals)
FINAL_RE = re.compile(r"^(\d+) records sent, (\d+\.\d{6}) records/sec \((\d+\.\d\d) MB/sec\), "
                      r"(\d+\.\d\d) ms avg latency, (\d+\.\d\d) ms max latency, (\d+) ms 50th, "
                      r"(\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$")
# `latency from scheduled send time: %.2f ms avg, %.2f ms max, %d ms 50th, %d ms 95th,
#  %d ms 99th, %d ms 99.9th.`
SCHEDULED_RE = re.compile(r"^latency from scheduled send time: (\d+\.\d\d) ms avg, "
                          r"(\d+\.\d\d) ms max, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, "
                          r"(\d+) ms 99\.9th\.$")
# stderr: `N records failed delivery: <first error>`, after the program's name as pvcbench
# starts its error lines (`pvcbench kafka produce: `) or alone
FAILED_RE = re.compile(r"^(?:pvcbench kafka produce: )?(\d+) records failed delivery: (\S.*)$",
                       re.M)


# pvcbench's own lines after the tool's: the outage windows (docs/outages.md), when there was a
# stall: `stalls (no operation completed for 1.0s or more): N, ...` and one `  at ...` per stall
STALL_RE = re.compile(r"^(stalls( \(no operation completed for [0-9.]+s or more\))?: \d+, "
                      r"[0-9.]+s in all, longest [0-9.]+s, \d+ failed|  at \d{4}-\d\d-\d\dT"
                      r"[0-9:.]+Z \(\+[0-9.]+s\): [0-9.]+s, \d+ failed.*|  \(\d+ more not listed\))$")


class ProduceReport:
    """The producer's stdout, line by line: progress lines (count, rate, MB/s, avg, max),
    the final line and the scheduled-latency line as dicts, anything else in `other`, and
    `order` (the kinds in the order printed: 'progress', 'final', 'scheduled', 'other')."""

    def __init__(self, out):
        self.progress, self.finals, self.scheduled, self.other, self.order = [], [], [], [], []
        self.stalls = []  # pvcbench's outage lines: not the tool's, so not in `order`
        for line in out.splitlines():
            if STALL_RE.match(line) and self.finals:
                self.stalls.append(line)
                continue
            m = PROGRESS_RE.match(line)
            if m:
                self.progress.append((int(m.group(1)),) + tuple(float(x) for x in
                                                                m.groups()[1:]))
                self.order.append("progress")
                continue
            m = FINAL_RE.match(line)
            if m:
                g = m.groups()
                self.finals.append(dict(count=int(g[0]), rate=float(g[1]), mbps=float(g[2]),
                                        avg=float(g[3]), max=float(g[4]), p50=int(g[5]),
                                        p95=int(g[6]), p99=int(g[7]), p999=int(g[8]),
                                        line=line))
                self.order.append("final")
                continue
            m = SCHEDULED_RE.match(line)
            if m:
                g = m.groups()
                self.scheduled.append(dict(avg=float(g[0]), max=float(g[1]), p50=int(g[2]),
                                           p95=int(g[3]), p99=int(g[4]), p999=int(g[5]),
                                           line=line))
                self.order.append("scheduled")
                continue
            if line.strip():
                self.other.append(line)
                self.order.append("other")

    @property
    def final(self):
        return self.finals[0] if len(self.finals) == 1 else None

    @property
    def sent(self):
        return self.final["count"] if self.final else None

    def shape_problems(self, scheduled):
        """Progress lines, then exactly one final line, then (with --throughput, and only
        then) the scheduled-latency line; nothing else on stdout."""
        bad = []
        if len(self.finals) != 1:
            bad.append("%d final lines in the spec's format, want 1" % len(self.finals))
        want = len(self.progress) * ["progress"] + ["final"] + (["scheduled"] if scheduled
                                                                else [])
        if not bad and self.order != want:
            bad.append("lines in the order %r, want %r" % (self.order, want))
        if self.other:
            bad.append("lines in none of the spec's formats: %r" % self.other[:5])
        return bad


def latency_order_problems(d, what):
    """avg <= max, and the whole-ms percentiles (floored) in order and not above max."""
    bad = []
    if not d["p50"] <= d["p95"] <= d["p99"] <= d["p999"]:
        bad.append("%s percentiles out of order: %s" % (what, d["line"]))
    if d["p999"] > d["max"]:
        bad.append("%s 99.9th %d ms above the max %.2f ms" % (what, d["p999"], d["max"]))
    if d["avg"] > d["max"] + 0.01:
        bad.append("%s avg above max: %s" % (what, d["line"]))
    return bad


def final_problems(rep, sent, size=None):
    """The final line: `sent` records, latencies in order, MB/sec = records/sec * size."""
    f = rep.final
    if f is None:
        return ["no single final line (%d found)" % len(rep.finals)]
    bad = []
    if f["count"] != sent:
        bad.append("%d records sent, want %d" % (f["count"], sent))
    bad += latency_order_problems(f, "final line")
    if size is not None:
        want = f["rate"] * size / MIB
        if abs(f["mbps"] - want) > 0.006 + 0.001 * want:
            bad.append("MB/sec %.2f, but %.6f records/s of %d bytes are %.4f MB/s"
                       % (f["mbps"], f["rate"], size, want))
    return bad + (["line: " + f["line"]] if bad else [])


# ---------------------------------------------------------------- consumer text

CONSUME_HEADER = ("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, "
                  "nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
# with --show-detailed-stats the first two columns are `time, threadId`
DETAILED_HEADER = "time, threadId, " + CONSUME_HEADER.split(", ", 2)[2]
DATE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}"
NUMS = r"(\d+\.\d{4}), (\d+\.\d{4}), (\d+), (\d+\.\d{4}), (\d+), (\d+), (\d+\.\d{4}), (\d+\.\d{4})"
# `%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f`
CONSUME_LINE_RE = re.compile(r"^(%s), (%s), %s$" % (DATE, DATE, NUMS))
DETAILED_LINE_RE = re.compile(r"^(%s), (\d+), %s$" % (DATE, NUMS))
CONSUME_WARNING = ("WARNING: Exiting before consuming the expected number of messages: timeout "
                   "(%d ms) exceeded. You can use the --timeout option to increase the timeout.")


def parse_date(s):
    """`yyyy-MM-dd HH:mm:ss:SSS` as a naive datetime."""
    return datetime.datetime.strptime(s[:19] + "." + s[20:], "%Y-%m-%d %H:%M:%S.%f")


def consume_line(out, warning=None):
    """(fields dict, problems) of the consumer's default text output: the header, then one
    data line. warning: a line that may come between them (Java prints the timeout warning
    on stdout there)."""
    lines = [ln for ln in out.splitlines() if ln.strip() and ln != warning]
    # pvcbench's outage lines after the tool's (a consumer stalled by a broker down)
    while len(lines) > 2 and STALL_RE.match(lines[-1]):
        lines.pop()
    if len(lines) != 2:
        return None, ["%d lines on stdout, want the header and one data line" % len(lines)]
    bad = []
    if lines[0] != CONSUME_HEADER:
        bad.append("header %r, want %r" % (lines[0], CONSUME_HEADER))
    m = CONSUME_LINE_RE.match(lines[1])
    if not m:
        fields = lines[1].split(", ")
        return None, bad + ["data line %r is not `%%s, %%s, %%.4f, %%.4f, %%d, %%.4f, %%d, %%d, "
                            "%%.4f, %%.4f` (%d comma-separated fields)" % (lines[1], len(fields))]
    g = m.groups()
    d = dict(start=g[0], end=g[1], mb=g[2], mbps=float(g[3]), n=int(g[4]), nps=float(g[5]),
             rebalance=int(g[6]), fetch=int(g[7]), fetch_mbps=float(g[8]),
             fetch_nps=float(g[9]), line=lines[1])
    return d, bad


def rate_problem(name, printed, amount, ms):
    """printed (4 decimals) against amount per second over `ms` milliseconds, the times
    being whole ms (so +-1 ms) and Java printing NaN/Infinity we do not expect here."""
    if ms <= 0:
        return ["%s: %d ms to divide by" % (name, ms)]
    lo, hi = amount * 1000.0 / (ms + 1), amount * 1000.0 / max(ms - 1, 0.5)
    if not lo * 0.99 - 0.0001 <= printed <= hi * 1.01 + 0.0001:
        return ["%s %.4f, want %.4f over %d ms" % (name, printed, amount * 1000.0 / ms, ms)]
    return []


def consume_figures_problems(d, n, nbytes, t_before, t_after):
    """The data line against n messages of nbytes payload bytes in all, consumed between
    the wall-clock times t_before and t_after (naive UTC datetimes: the tests run with
    TZ=UTC)."""
    bad = []
    if d["n"] != n:
        bad.append("data.consumed.in.nMsg %d, want %d" % (d["n"], n))
    if nbytes is not None and d["mb"] != "%.4f" % (nbytes / MIB):
        bad.append("data.consumed.in.MB %s, want %.4f (%d bytes / 1048576)"
                   % (d["mb"], nbytes / MIB, nbytes))
    start, end = parse_date(d["start"]), parse_date(d["end"])
    slack = datetime.timedelta(seconds=2)
    if not (t_before - slack <= start <= end <= t_after + slack):
        bad.append("start %s .. end %s not within the run (%s .. %s UTC)"
                   % (d["start"], d["end"], t_before, t_after))
    elapsed = round((end - start).total_seconds() * 1000)
    mb = float(d["mb"])
    bad += rate_problem("MB.sec", d["mbps"], mb, elapsed)
    bad += rate_problem("nMsg.sec", d["nps"], d["n"], elapsed)
    # rebalance.time.ms = subscribe until the first assignment; fetch.time.ms = the rest
    if abs(d["rebalance"] + d["fetch"] - elapsed) > 5 + elapsed // 100:
        bad.append("rebalance.time.ms %d + fetch.time.ms %d is not end - start = %d ms"
                   % (d["rebalance"], d["fetch"], elapsed))
    bad += rate_problem("fetch.MB.sec", d["fetch_mbps"], mb, d["fetch"])
    bad += rate_problem("fetch.nMsg.sec", d["fetch_nps"], d["n"], d["fetch"])
    return bad + (["line: " + d["line"]] if bad else [])


# ---------------------------------------------------------------- JSON

def load_json(text):
    """(document, problems): stdout must be exactly one JSON document."""
    try:
        return json.loads(text), []
    except ValueError as e:
        return None, ["not one JSON document: %s; it starts %r" % (e, text[:300])]


def percentile_problems(lat, what):
    if not isinstance(lat, dict) or not isinstance(lat.get("percentile"), dict) \
            or not lat["percentile"]:
        return ["%s has no percentile object: %r" % (what, lat)]
    pct = lat["percentile"]
    try:
        vals = [pct[k] for k in sorted(pct, key=float)]
    except ValueError:
        return ["%s.percentile keys are not numbers: %r" % (what, list(pct))]
    bad = []
    if "50.000000" not in pct or "99.000000" not in pct:
        bad.append("%s.percentile lacks fio's keys (50.000000, 99.000000): %r"
                   % (what, list(pct)))
    if vals != sorted(vals):
        bad.append("%s percentiles not in order: %r" % (what, pct))
    return bad


def job_problems(doc, jobname, op, total_ios, io_bytes=None):
    """fio's shape: jobs = [one job named jobname] whose operation `op` counts total_ios
    (and io_bytes), with clat_ns percentiles. Returns (job or None, problems)."""
    if not isinstance(doc, dict):
        return None, ["the document is a %s, not an object" % type(doc).__name__]
    jobs = doc.get("jobs")
    if not isinstance(jobs, list) or len(jobs) != 1 or not isinstance(jobs[0], dict):
        return None, ["jobs is %r, want a list of one job" % (jobs,)]
    job = jobs[0]
    bad = []
    if job.get("jobname") != jobname:
        bad.append("jobname %r, want %r" % (job.get("jobname"), jobname))
    o = job.get(op)
    if not isinstance(o, dict):
        return job, bad + ["no %r operation in the job (keys: %r)" % (op, sorted(job))]
    if o.get("total_ios") != total_ios:
        bad.append("%s.total_ios %r, want %d" % (op, o.get("total_ios"), total_ios))
    if io_bytes is not None and o.get("io_bytes") != io_bytes:
        bad.append("%s.io_bytes %r, want %d" % (op, o.get("io_bytes"), io_bytes))
    bad += percentile_problems(o.get("clat_ns"), op + ".clat_ns")
    return job, bad
