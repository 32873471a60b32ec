"""pgreport.py - the report formats of `pvcbench pgbench` (/work/spec/pgbench-cli.md, kept in
docs), as line patterns the postgres tests match stdout and stderr against.

Two styles: "seed" (pvcbench's default: pgbench 13's lines, the white paper's) and "current"
(pgbench 15's). Both end with pvcbench's latency percentiles line; the seed style also with
the failed transactions line (pgbench 15 prints that one itself, earlier).
"""
import re

NUM = r"[0-9]+\.[0-9]+"
MS3 = r"[0-9]+\.[0-9]{3}"  # pgbench prints milliseconds with three decimals
TPS = r"[0-9]+\.[0-9]{6}"  # and tps with six

BUILTIN_NAMES = {
    "tpcb-like": "<builtin: TPC-B (sort of)>",
    "simple-update": "<builtin: simple update>",
    "select-only": "<builtin: select only>",
}

PERCENTILES_RE = re.compile(
    r"^latency percentiles: p50 = (%s) ms, p90 = (%s) ms, p99 = (%s) ms, p99\.9 = (%s) ms, "
    r"max = (%s) ms$" % (MS3, MS3, MS3, MS3, MS3))

# progress: 5.0 s, 1234.5 tps, lat 0.810 ms stddev 0.123[, 0 failed][, lag 0.012 ms]
PROGRESS_SEED_RE = re.compile(
    r"^progress: ([0-9]+\.[0-9]) s, ([0-9]+\.[0-9]) tps, lat (%s) ms stddev (%s|NaN)"
    r"(?:, lag (%s) ms)?$" % (MS3, MS3, MS3))
PROGRESS_CURRENT_RE = re.compile(
    r"^progress: ([0-9]+\.[0-9]) s, ([0-9]+\.[0-9]) tps, lat (%s) ms stddev (%s|NaN), "
    r"([0-9]+) failed(?:, lag (%s) ms)?$" % (MS3, MS3, MS3))


def progress_re(style):
    return PROGRESS_SEED_RE if style == "seed" else PROGRESS_CURRENT_RE


def report_patterns(style, builtin, mode, clients, threads, tpc=None, duration=None,
                    processed=None, progress=False, rate=False, connect=False, max_tries=1,
                    pvcbench=True):
    """The stdout lines of a successful run, in order, as a list of (required, regex).

    tpc: transactions per client (-t), or duration (-T) in seconds. processed: the number the
    processed line must show (None: any). pvcbench=False leaves out pvcbench's additions (the
    reference pgbench 15 run in current style).
    """
    q = re.escape
    pats = [(True, q("transaction type: " + BUILTIN_NAMES[builtin])),
            (True, r"scaling factor: [0-9]+"),
            (True, q("query mode: " + mode)),
            (True, "number of clients: %d" % clients),
            (True, "number of threads: %d" % threads)]
    if style == "current":
        pats.append((True, "maximum number of tries: %d" % max_tries))
    proc = str(processed) if processed is not None else "[0-9]+"
    if duration is not None:
        pats.append((True, "duration: %d s" % duration))
        pats.append((True, "number of transactions actually processed: %s" % proc))
    else:
        pats.append((True, "number of transactions per client: %d" % tpc))
        want = "%s/%d" % (proc, clients * tpc)
        pats.append((True, "number of transactions actually processed: %s" % want))
    stddev_always = progress or rate
    lat = [(True, r"latency average = %s ms" % MS3)]
    if style == "seed":
        # pgbench 13: the stddev line only with -P or -R
        if stddev_always:
            lat.append((True, r"latency stddev = %s ms" % MS3))
        if rate:
            lat.append((True, r"rate limit schedule lag: avg %s \(max %s\) ms" % (MS3, MS3)))
        pats += lat
        pats.append((True, r"tps = %s \(including connections establishing\)" % TPS))
        pats.append((True, r"tps = %s \(excluding connections establishing\)" % TPS))
    else:
        pats.append((True, r"number of failed transactions: [0-9]+ \([0-9]+\.[0-9]{3}%\)"))
        if max_tries != 1:
            # pgbench 15 prints these whenever retries are allowed
            pats.append((True, r"number of transactions retried: [0-9]+ \([0-9]+\.[0-9]{3}%\)"))
            pats.append((True, r"total number of retries: [0-9]+"))
        pats += lat
        # pgbench 15 prints stddev only with -P, -R or -L; the spec's example always shows it:
        # optional unless -P/-R make it pgbench's behaviour
        pats.append((stddev_always, r"latency stddev = %s ms" % MS3))
        if rate:
            pats.append((True, r"rate limit schedule lag: avg %s \(max %s\) ms" % (MS3, MS3)))
        if connect:
            pats.append((True, r"average connection time = %s ms" % MS3))
            pats.append((True, r"tps = %s \(including reconnection times\)" % TPS))
        else:
            pats.append((True, r"initial connection time = %s ms" % MS3))
            pats.append((True, r"tps = %s \(without initial connection time\)" % TPS))
    if pvcbench:
        pats.append((True, PERCENTILES_RE.pattern.strip("^$")))
        if style == "seed":
            pats.append((True, r"number of failed transactions: [0-9]+ \([0-9]+\.[0-9]{3}%\)"))
    return pats


def match_lines(lines, patterns):
    """Matches lines against (required, regex) patterns in order, every line used exactly
    once; an optional pattern is skipped when its line does not match. Returns problems."""
    i = 0
    for required, rx in patterns:
        line = lines[i] if i < len(lines) else None
        if line is not None and re.fullmatch(rx, line):
            i += 1
            continue
        if required:
            return ["line %d is %r, want /%s/" % (i + 1, line, rx)]
    if i < len(lines):
        return ["unexpected line %d: %r" % (i + 1, lines[i])]
    return []


def report_lines(res, bench):
    """stdout lines of a run; the reference pgbench 15 starts with a version line the spec
    leaves out."""
    lines = res.out_lines
    if bench.reference and lines and lines[0].startswith("pgbench ("):
        lines = lines[1:]
    return lines


def field(text, regex, conv=str):
    """The first group of the first line matching regex in text, converted; None if none."""
    m = re.search(regex, text, re.M)
    return conv(m.group(1)) if m else None


def processed(text):
    """(processed, expected or None) from a report's processed line, or (None, None)."""
    m = re.search(r"^number of transactions actually processed: ([0-9]+)(?:/([0-9]+))?$", text,
                  re.M)
    if not m:
        return None, None
    return int(m.group(1)), (int(m.group(2)) if m.group(2) else None)


def percentiles(text):
    """[p50, p90, p99, p99.9, max] in ms from the percentiles line, or None."""
    for line in text.splitlines():
        m = PERCENTILES_RE.match(line)
        if m:
            return [float(x) for x in m.groups()]
    return None


def percentile_problems(text):
    p = percentiles(text)
    if p is None:
        return ["no latency percentiles line"]
    if p != sorted(p):
        return ["percentiles out of order: p50 %s, p90 %s, p99 %s, p99.9 %s, max %s" % tuple(p)]
    if p[-1] <= 0:
        return ["max latency %s ms" % p[-1]]
    return []


def progress_lines(text, style):
    """The parsed progress lines of stderr: (time, tps, lat, stddev, failed|None, lag|None),
    and the lines that start with "progress:" but do not match the style's format."""
    rx = progress_re(style)
    good, bad = [], []
    for line in text.splitlines():
        if not line.startswith("progress:"):
            continue
        m = rx.match(line)
        if not m:
            bad.append(line)
            continue
        g = m.groups()
        if style == "seed":
            good.append((float(g[0]), float(g[1]), float(g[2]), g[3], None, g[4]))
        else:
            good.append((float(g[0]), float(g[1]), float(g[2]), g[3], int(g[4]), g[5]))
    return good, bad
