"""fiofmt.py - fio's formats, modelled independently of pvcbench's C code: its number
formatting (num2str), the stat lines of its normal output, its JSON output and the relations
between the figures of one direction. Tests check pvcbench's output against these.

fio_num2str follows fio 3.x lib/num2str.c as described in docs (output-formats.md): it is an
independent model of fio's format, used to check that pvcbench's summary strings are what fio
would print for the numbers pvcbench reports in its own JSON.
"""
import json
import re

# ---------------------------------------------------------------- fio number formats

SI = ["", "k", "M", "G", "T", "P"]
IEC = ["", "Ki", "Mi", "Gi", "Ti", "Pi"]


def fio_num2str(num, maxlen=4, pow2=False, unit=""):
    """fio's num2str(num, maxlen, base=1, pow2, units) for non-negative integers."""
    thousand = 1024 if pow2 else 1000
    prefixes = IEC if pow2 else SI
    num = int(num)
    post = 0
    modulo = None
    carry = False
    while post < len(prefixes):
        if len(str(num)) <= maxlen:
            break
        modulo = num % thousand
        num //= thousand
        carry = modulo >= thousand // 2
        post += 1
    if post >= len(prefixes):
        post = 0
    if modulo is None:
        return "%d%s%s" % (num, prefixes[post], unit)
    room = maxlen - len(str(num))
    if room <= 1:
        if carry:
            num += 1
        return "%d%s%s" % (num, prefixes[post], unit)
    frac = "%.*f" % (room - 1, modulo / thousand)
    if frac.startswith("1"):
        num += 1
    return "%d.%s%s%s" % (num, frac[2:], prefixes[post], unit)


def fio_iops(ios, runtime_ms):
    """The IOPS= of fio's stat line."""
    return fio_num2str(1000 * int(ios) // int(runtime_ms)) if runtime_ms else "0"


def fio_bw(nbytes, runtime_ms):
    """The BW= of fio's stat line (IEC, bytes per second)."""
    return fio_num2str(1000 * int(nbytes) // int(runtime_ms), pow2=True, unit="B/s") \
        if runtime_ms else "0B/s"


IOPS_RE = re.compile(r"^[0-9]+(\.[0-9]+)?[kMGTP]?$")
BW_RE = re.compile(r"^[0-9]+(\.[0-9]+)?([KMGTP]i)?B/s$")
LAT_RE = re.compile(r"^[0-9]+\.[0-9]{2}$")


def fio_figures_ok(s):
    """fio prints at most 4 significant figures (plus one when a fraction rounds up)."""
    digits = re.sub(r"[^0-9]", "", s)
    return 1 <= len(digits) <= 5


# ---------------------------------------------------------------- fio text output

JOB_HEAD = re.compile(r"^(\S+): \(groupid=(\d+), jobs=(\d+)\)")
JOB_G = re.compile(r"^(\S+): \(g=(\d+)\)")
DIR_LINE = re.compile(r"^\s+(read|write): IOPS=([^,]+), BW=(\S+) \(")
LAT_LINE = re.compile(r"^\s+lat \((nsec|usec|msec)\): min=[^,]+, max=[^,]+, avg=\s*([0-9.]+),")
GROUP_HEAD = re.compile(r"^Run status group (\d+) \(all jobs\):")
GROUP_LINE = re.compile(r"^\s+(READ|WRITE): bw=(\S+) \(")


def parse_fio_text(text):
    """Stat lines of fio-style normal output.

    Returns {"jobs": {name: {"read": {...}, "write": {...}}}, "groups": {gid: {"READ": bw}},
    "group_of": {name: gid}, "lines": [...]}. A job printed more than once (clones without
    group_reporting) keeps its first block.
    """
    jobs, groups, group_of = {}, {}, {}
    cur_job = cur_dir = None
    cur_group = None
    lines = text.splitlines()
    for line in lines:
        m = JOB_G.match(line)
        if m:
            group_of.setdefault(m.group(1), int(m.group(2)))
            continue
        m = JOB_HEAD.match(line)
        if m:
            cur_job = m.group(1)
            first = cur_job not in jobs
            jobs.setdefault(cur_job, {})
            if not first:
                cur_job = None  # a further clone's block: keep the first
            cur_dir = None
            continue
        m = DIR_LINE.match(line)
        if m and cur_job:
            cur_dir = m.group(1)
            jobs[cur_job][cur_dir] = {"iops": m.group(2), "bw": m.group(3)}
            continue
        m = LAT_LINE.match(line)
        if m and cur_job and cur_dir:
            jobs[cur_job][cur_dir]["lat_unit"] = m.group(1)
            jobs[cur_job][cur_dir]["lat_avg"] = m.group(2)
            continue
        m = GROUP_HEAD.match(line)
        if m:
            cur_group = int(m.group(1))
            groups.setdefault(cur_group, {})
            cur_job = None
            continue
        m = GROUP_LINE.match(line)
        if m and cur_group is not None:
            groups[cur_group][m.group(1)] = m.group(2)
    return {"jobs": jobs, "groups": groups, "group_of": group_of, "lines": lines}


def lat_usec_text(unit, avg):
    """fio's avg= of a lat line, in usec with two decimals (as a float, and its precision)."""
    v = float(avg)
    if unit == "nsec":
        return v / 1000.0, 0.00001
    if unit == "msec":
        return v * 1000.0, 5.0  # msec lines carry two decimals: +-0.005 ms
    return v, 0.0


# ---------------------------------------------------------------- JSON

def load_one_json(path):
    """The file must hold exactly one JSON document (and nothing else but whitespace)."""
    with open(path) as f:
        text = f.read()
    dec = json.JSONDecoder()
    doc, end = dec.raw_decode(text.lstrip())
    rest = text.lstrip()[end:].strip()
    if rest:
        raise ValueError("%s: %d characters after the JSON document" % (path, len(rest)))
    return doc


def load_fio_json(path):
    """fio's own JSON output; fio may print "note: ..." lines on stdout before it."""
    with open(path) as f:
        text = f.read()
    start = text.find("{")
    if start < 0:
        raise ValueError("%s: no JSON document" % path)
    return json.JSONDecoder().raw_decode(text[start:])[0]


def check_direction_consistency(d, bs=None):
    """fio's relations inside one direction object; returns a list of problems."""
    bad = []
    rt, ios, nbytes = d["runtime"], d["total_ios"], d["io_bytes"]
    if rt > 0:
        want_iops = ios * 1000.0 / rt
        if abs(d["iops"] - want_iops) > max(0.01, want_iops * 1e-6):
            bad.append("iops %r != total_ios*1000/runtime = %r" % (d["iops"], want_iops))
        if d["bw_bytes"] != nbytes * 1000 // rt:
            bad.append("bw_bytes %r != io_bytes*1000/runtime = %r"
                       % (d["bw_bytes"], nbytes * 1000 // rt))
        if "bw" in d and d["bw"] != d["bw_bytes"] // 1024:
            bad.append("bw %r != bw_bytes/1024 = %r" % (d["bw"], d["bw_bytes"] // 1024))
    if "io_kbytes" in d and d["io_kbytes"] != nbytes // 1024:
        bad.append("io_kbytes %r != io_bytes/1024" % d["io_kbytes"])
    if bs is not None and nbytes != ios * bs:
        bad.append("io_bytes %r != total_ios*bs = %r" % (nbytes, ios * bs))
    if ios:
        lat = d["lat_ns"]
        if lat.get("N", ios) != ios:
            bad.append("lat_ns.N %r != total_ios %r" % (lat.get("N"), ios))
        if not (lat["min"] <= lat["mean"] <= lat["max"]):
            bad.append("lat_ns min/mean/max out of order: %r" % lat)
        pct = d["clat_ns"]["percentile"]
        keys = sorted(pct, key=float)
        vals = [pct[k] for k in keys]
        if vals != sorted(vals):
            bad.append("clat_ns percentiles not monotonic: %r" % pct)
    return bad
