#!/usr/bin/env python3
"""dashboard_snapshot.py - a picture of what the Grafana dashboard shows, without Grafana.

Grafana is not in Debian, so for the docs (docs/img/dashboard.png) this draws the dashboard's
panels from their own queries' results: each panel's PromQL (Grafana's variables substituted)
is run against a real Prometheus over a time range (query_range, 1 s steps), and the results are
laid out on the dashboard's 24-column grid in one self-contained HTML page (inline SVG: line
charts for timeseries, cells for the heatmap, the last value or the series' names for stats; no
scripts, fonts or images), which headless chromium photographs. The picture is of the data, not
of Grafana's look: colours, axes and legends are ours.

  tests/metrics/test_dashboard.py PVCBENCH   with PVCBENCH_DASHBOARD_SNAPSHOT=OUT.png does it
  after its run; or by hand against any Prometheus holding pvcbench's series:
  dashboard_snapshot.py --prometheus URL --start UNIX --end UNIX --out OUT.png
      [--set storage_class=VALUE ...] [--html OUT.html] [DASHBOARD.json]

Standard library only.
"""
import argparse
import html
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DASHBOARD = os.path.join(HERE, "..", "..", "k8s", "monitoring", "pvcbench-dashboard.json")
ROW_PX = 34      # one grid unit of height
WIDTH_PX = 1400  # the page's width: 24 columns
PANEL = '<div class="panel" style="%s"><div class="title">%s</div>%s</div>'
COLOURS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff",
           "#ffb357", "#96d98d", "#ca95e5"]


def prom_get(url, path, params):
    with urllib.request.urlopen("%s%s?%s" % (url, path, urllib.parse.urlencode(params)),
                                timeout=10) as r:
        doc = json.loads(r.read().decode())
    if doc.get("status") != "success":
        raise RuntimeError("%s: %s" % (path, doc))
    return doc["data"]


def expand(expr, values, range_s):
    fixed = {"__rate_interval": "5s", "__interval": "1s", "__range": "%ds" % range_s,
             "__range_s": str(range_s)}
    fixed.update(values)
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: fixed.get(m.group(1) or m.group(2), ".*"), expr)


def legend(fmt, labels):
    text = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt or "")
    return " ".join(text.split()) or ",".join("%s=%s" % kv for kv in sorted(labels.items()))


def fmt_value(v, unit):
    if v is None or v != v:
        return "-"
    if unit == "s":
        for div, suffix in ((1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
            if abs(v) >= div or div == 1e-9:
                return "%.3g %s" % (v / div, suffix)
    scaled, suffix = v, ""
    if unit == "Bps":
        base, names = 1024, ["", "Ki", "Mi", "Gi", "Ti"]
    else:
        base, names = 1000, ["", "k", "M", "G", "T"]
    for name in names:
        suffix = name
        if abs(scaled) < base:
            break
        scaled /= base
    tail = {"Bps": "B/s", "ops": " ops/s"}.get(unit, "")
    return "%.3g %s%s" % (scaled, suffix, tail) if (suffix or tail) else "%.3g" % scaled


def series_of(url, panel, values, start, end):
    """[(name, [(t, v)])] of every target of panel over [start, end] (1 s steps)."""
    out = []
    range_s = max(1, int(end - start))
    for t in panel.get("targets", []):
        q = expand(t["expr"], values, range_s)
        data = prom_get(url, "/api/v1/query_range", {"query": q, "start": "%.3f" % start,
                                                      "end": "%.3f" % end, "step": "1"})
        for r in data["result"]:
            pts = [(float(ts), float(v)) for ts, v in r["values"]]
            out.append((legend(t.get("legendFormat"), r["metric"]), r["metric"], pts))
    return out


def svg_lines(series, unit, w, h, start, end):
    pad_l, pad_r, pad_t, pad_b = 64, 8, 6, 18
    vals = [v for _, _, pts in series for _, v in pts if v == v and not math.isinf(v)]
    top = max(vals) if vals else 1.0
    top = top * 1.1 if top > 0 else 1.0
    pw, ph = w - pad_l - pad_r, h - pad_t - pad_b
    x = lambda t: pad_l + (t - start) / max(1e-9, end - start) * pw  # noqa: E731
    y = lambda v: pad_t + ph - v / top * ph  # noqa: E731
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">' % (w, h)]
    for i in range(5):
        v = top * i / 4
        parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#2c3235"/>'
                     % (pad_l, w - pad_r, y(v), y(v)))
        parts.append('<text x="%d" y="%.1f" fill="#9fa7b3" font-size="10" text-anchor="end">%s'
                     '</text>' % (pad_l - 4, y(v) + 3, html.escape(fmt_value(v, unit))))
    for i in range(5):
        t = start + (end - start) * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append('<text x="%.1f" y="%d" fill="#9fa7b3" font-size="10" text-anchor="%s">'
                     '+%ds</text>' % (x(t), h - 4, anchor, round(t - start)))
    for i, (_, _, pts) in enumerate(series):
        runs, cur = [], []
        for t, v in pts:
            if v == v and not math.isinf(v):
                cur.append("%.1f,%.1f" % (x(t), y(max(v, 0))))
            elif cur:
                runs.append(cur)
                cur = []
        if cur:
            runs.append(cur)
        for r in runs:
            parts.append('<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>'
                         % (COLOURS[i % len(COLOURS)], " ".join(r)))
    parts.append("</svg>")
    return "".join(parts)


def svg_heatmap(series, w, h, start, end):
    """Cumulative le buckets -> per-bucket counts per step, drawn as cells (log of the count)."""
    def le(s):
        return float(s[1].get("le", "inf").replace("+Inf", "inf"))
    series = sorted((s for s in series if s[2]), key=le)
    times = sorted({t for s in series for t, _ in s[2]})
    if not series or not times:
        return svg_lines([], "", w, h, start, end)
    cum = [dict(s[2]) for s in series]
    cells, top = [], 0.0
    for bi in range(len(series)):
        row = []
        for t in times:
            c = cum[bi].get(t, 0.0) - (cum[bi - 1].get(t, 0.0) if bi else 0.0)
            c = c if c == c and c > 0 else 0.0
            row.append(c)
            top = max(top, c)
        cells.append(row)
    # only the buckets that ever held something, so the picture is not mostly empty rows
    keep = [i for i, row in enumerate(cells) if any(row)] or [0]
    lo, hi = keep[0], keep[-1]
    pad_l, pad_b = 64, 18
    cw = (w - pad_l - 8) / len(times)
    ch = (h - pad_b - 6) / (hi - lo + 1)
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">' % (w, h)]
    for bi in range(lo, hi + 1):
        yy = 6 + (hi - bi) * ch
        for ti, c in enumerate(cells[bi]):
            if c <= 0:
                continue
            a = 0.15 + 0.85 * math.log1p(c) / math.log1p(top)
            parts.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#ff9830" '
                         'fill-opacity="%.2f"/>' % (pad_l + ti * cw, yy, max(cw - 0.5, 0.5),
                                                    max(ch - 0.5, 0.5), a))
        if (bi - lo) % max(1, (hi - lo + 1) // 6) == 0:
            parts.append('<text x="%d" y="%.1f" fill="#9fa7b3" font-size="10" text-anchor="end">'
                         '≤ %s</text>' % (pad_l - 4, yy + ch / 2 + 3,
                                          html.escape(fmt_value(le(series[bi]), "s"))))
    parts.append('<text x="%d" y="%d" fill="#9fa7b3" font-size="10">+0s</text>' % (pad_l, h - 4))
    parts.append('<text x="%d" y="%d" fill="#9fa7b3" font-size="10" text-anchor="end">+%ds</text>'
                 % (w - 8, h - 4, round(end - start)))
    parts.append("</svg>")
    return "".join(parts)


def panel_html(url, p, values, start, end):
    g = p["gridPos"]
    w = int(WIDTH_PX * g["w"] / 24) - 12
    h = g["h"] * ROW_PX - 8
    style = "grid-column:%d / span %d;grid-row:%d / span %d" % (g["x"] + 1, g["w"],
                                                                g["y"] + 1, g["h"])
    title = html.escape(p.get("title", ""))
    if p["type"] == "row":
        return '<div class="row" style="%s">%s</div>' % (style, title)
    defaults = p.get("fieldConfig", {}).get("defaults", {})
    unit = defaults.get("unit", "")
    digits = defaults.get("decimals")
    series = series_of(url, p, values, start, end)
    if p["type"] == "stat":
        text_mode = p.get("options", {}).get("textMode")
        if text_mode == "name":
            names = sorted({name for name, _, pts in series if pts and pts[-1][1] == pts[-1][1]
                            and pts[-1][1] != 0})
            body = "".join('<div class="name">%s</div>' % html.escape(n) for n in names[:8])
        else:
            vals = []
            for name, _, pts in series:
                last = [v for _, v in pts if v == v]
                v = last[-1] if last else None
                vals.append((name, round(v, digits) if v is not None and digits is not None
                             else v))
            body = "".join('<div class="big">%s</div><div class="sub">%s</div>'
                           % (html.escape(fmt_value(v, unit)), html.escape(n)) for n, v in vals[:3])
        return PANEL % (style, title, body)
    if p["type"] == "heatmap":
        svg = svg_heatmap(series, w, h - 28, start, end)
        return PANEL % (style, title, svg)
    shown = series[:8]
    legend_h = 14 * min(len(shown), 4)
    svg = svg_lines(shown, unit, w, h - 30 - legend_h, start, end)
    items = "".join('<span class="key"><i style="background:%s"></i>%s</span>'
                    % (COLOURS[i % len(COLOURS)], html.escape(name))
                    for i, (name, _, _) in enumerate(shown))
    return ('<div class="panel" style="%s"><div class="title">%s</div>%s<div class="legend">%s'
            '</div></div>' % (style, title, svg, items))


def page(url, dash, values, start, end, subtitle=""):
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dash["panels"])
    cells = "\n".join(panel_html(url, p, values, start, end) for p in dash["panels"])
    picked = ", ".join("%s=%s" % kv for kv in sorted(values.items()) if kv[0] != "datasource")
    return """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>%(title)s</title><style>
body{margin:0;background:#111217;color:#ccccdc;font:12px sans-serif}
header{padding:8px 12px;border-bottom:1px solid #2c3235}
header b{font-size:16px;color:#fff}
.grid{display:grid;grid-template-columns:repeat(24,1fr);grid-auto-rows:%(row)dpx;gap:6px;
 padding:6px;width:%(w)dpx;box-sizing:border-box}
.panel{background:#181b1f;border:1px solid #2c3235;border-radius:3px;padding:4px 6px;
 overflow:hidden}
.row{font-size:14px;font-weight:bold;color:#fff;align-self:end}
.title{font-weight:bold;color:#fff;margin-bottom:2px;white-space:nowrap;overflow:hidden}
.big{font-size:24px;color:#73bf69;font-weight:bold}.sub{color:#9fa7b3;font-size:10px}
.name{color:#73bf69;font-size:12px;white-space:nowrap;overflow:hidden}
.legend{font-size:10px;line-height:14px;overflow:hidden}
.key{margin-right:10px;white-space:nowrap}
.key i{display:inline-block;width:10px;height:3px;margin-right:3px;vertical-align:middle}
</style></head><body>
<header><b>%(title)s</b> &mdash; the dashboard's queries on a real run (%(picked)s)<br>
%(subtitle)s</header>
<div class="grid" style="grid-template-rows:repeat(%(rows)d,%(row)dpx)">
%(cells)s
</div></body></html>
""" % {"title": html.escape(dash.get("title", "dashboard")), "picked": html.escape(picked),
       "subtitle": html.escape(subtitle), "rows": rows, "row": ROW_PX - 6, "w": WIDTH_PX,
       "cells": cells}


def png_problems(path):
    """Why the PNG is not a picture of something: missing, small, or one colour."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return [str(e)]
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 20000:
        return ["%s: %d bytes, not a PNG of a page" % (path, len(data))]
    idat, pos = b"", 8
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    if len(set(raw[:: max(1, len(raw) // 200000)])) < 16:
        return ["%s: nearly one colour (blank)" % path]
    return []


def screenshot(html_path, png_path, height):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        return ["chromium is not installed (apt install chromium)"]
    with tempfile.TemporaryDirectory(prefix="pvcbench-chromium.") as profile:
        p = subprocess.run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", "--user-data-dir=" + profile,
                            "--screenshot=" + os.path.abspath(png_path),
                            "--window-size=%d,%d" % (WIDTH_PX, height),
                            "file://" + os.path.abspath(html_path)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
    if p.returncode != 0:
        return ["chromium exited %d: %s" % (p.returncode, p.stdout.decode(errors="replace")[-500:])]
    return png_problems(png_path)


def snapshot(url, dash, values, start, end, png_path, html_path=None, subtitle=""):
    """Draws the dashboard's data over [start, end] into png_path (and html_path): problems."""
    text = page(url, dash, values, start, end, subtitle)
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dash["panels"])
    with tempfile.TemporaryDirectory(prefix="pvcbench-snapshot.") as tmp:
        path = html_path or os.path.join(tmp, "dashboard.html")
        with open(path, "w") as f:
            f.write(text)
        return screenshot(path, png_path, rows * ROW_PX + 60)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dashboard", nargs="?", default=DEFAULT_DASHBOARD)
    ap.add_argument("--prometheus", required=True, help="its base URL")
    ap.add_argument("--start", type=float, required=True, help="unix time")
    ap.add_argument("--end", type=float, required=True, help="unix time")
    ap.add_argument("--out", required=True, help="the PNG to write")
    ap.add_argument("--html", help="keep the HTML page here too")
    ap.add_argument("--set", action="append", default=[], metavar="VAR=VALUE",
                    help="a variable's value (default .*)")
    a = ap.parse_args()
    with open(a.dashboard) as f:
        dash = json.load(f)
    values = dict(s.split("=", 1) for s in a.set)
    problems = snapshot(a.prometheus, dash, values, a.start, a.end, a.out, a.html)
    for p in problems:
        print("dashboard_snapshot: %s" % p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
