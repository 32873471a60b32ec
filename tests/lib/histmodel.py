"""histmodel: pvcbench's latency histogram (include/pvcbench/hist.h) read back from a JSON
result's lat_hist, in plain Python integers, so tests can check merged figures independently of
the C code: nearest-rank percentiles read as the bucket's midpoint clamped to [min, max], the
mean, and the sample standard deviation.
"""
import math
from fractions import Fraction

SUB_BITS = 7
SUB_COUNT = 1 << SUB_BITS
LINEAR = 2 * SUB_COUNT
TOP_BIT = 42
BUCKETS = LINEAR + (TOP_BIT - SUB_BITS - 1) * SUB_COUNT
UINT64_MAX = (1 << 64) - 1


def bucket_low(b):
    if b < LINEAR:
        return b
    row, sub = divmod(b - LINEAR, SUB_COUNT)
    return (SUB_COUNT + sub) << (row + 1)


def bucket_high(b):
    if b >= BUCKETS - 1:
        return UINT64_MAX
    if b < LINEAR:
        return b
    row = (b - LINEAR) // SUB_COUNT
    return bucket_low(b) + (1 << (row + 1)) - 1


class Hist:
    """count, min, max, sum, sum_squares and {bucket: count}, as lat_hist holds them."""

    def __init__(self, lat_hist=None):
        self.count, self.min, self.max, self.sum, self.sum_squares = 0, None, 0, 0, 0
        self.buckets = {}
        if lat_hist is not None:
            assert lat_hist["sub_bucket_bits"] == SUB_BITS
            self.add(lat_hist)

    def add(self, lh):
        """Adds another lat_hist (a dict) or Hist."""
        if isinstance(lh, Hist):
            lh = lh.as_lat_hist()
        if lh["count"] == 0:
            return self
        self.count += lh["count"]
        self.sum += lh["sum"]
        self.sum_squares += int(lh["sum_squares"])
        self.min = lh["min"] if self.min is None else min(self.min, lh["min"])
        self.max = max(self.max, lh["max"])
        for b, n in lh["buckets"]:
            self.buckets[b] = self.buckets.get(b, 0) + n
        return self

    def as_lat_hist(self):
        return {"sub_bucket_bits": SUB_BITS, "count": self.count, "min": self.min or 0,
                "max": self.max, "sum": self.sum, "sum_squares": str(self.sum_squares),
                "buckets": sorted(self.buckets.items())}

    def value_at(self, percentile):
        """percentile as the decimal text of the JSON key ("99.900000")."""
        if self.count == 0:
            return 0
        rank = math.ceil(Fraction(percentile) / 100 * self.count)
        rank = min(max(rank, 1), self.count)
        seen, chosen = 0, BUCKETS - 1
        for b in sorted(self.buckets):
            if b >= BUCKETS - 1:
                break
            seen += self.buckets[b]
            if seen >= rank:
                chosen = b
                break
        low, high = bucket_low(chosen), bucket_high(chosen)
        mid = low + (high - low) // 2
        return min(max(mid, self.min), self.max)

    def mean(self):
        return self.sum / self.count if self.count else 0.0

    def stddev(self):
        n = self.count
        if n < 2:
            return 0.0
        return math.sqrt(Fraction(n * self.sum_squares - self.sum * self.sum, n * (n - 1)))


def close(a, b):
    """Equal as %f prints them (six decimals), with room for the last digit's rounding."""
    return abs(a - b) <= 2e-6 + 1e-12 * abs(b)


def check_clat(clat, h, what):
    """Problems of a clat_ns object against the histogram h (an empty list if none)."""
    bad = []
    for key, want in (("N", h.count), ("min", h.min or 0), ("max", h.max)):
        if clat[key] != want:
            bad.append("%s: %s %r, from the buckets %r" % (what, key, clat[key], want))
    if not close(clat["mean"], h.mean()):
        bad.append("%s: mean %r, from the buckets %r" % (what, clat["mean"], h.mean()))
    if not close(clat["stddev"], h.stddev()):
        bad.append("%s: stddev %r, from the buckets %r" % (what, clat["stddev"], h.stddev()))
    for p, v in clat.get("percentile", {}).items():
        if v != h.value_at(p):
            bad.append("%s: p%s %r, from the buckets %r" % (what, p, v, h.value_at(p)))
    return bad


def sum_samples(sums):
    """bw_sums or iops_sums objects added as fio's group_reporting adds its jobs' samples
    (stat.c's sum_stat with pure_sum): jobs that ran side by side have a bandwidth that is the
    sum of theirs, so samples, min, max, mean and S (the squared deviations) each add; a job
    without samples adds nothing."""
    total = None
    for s in sums:
        if s["samples"] == 0:
            continue
        if total is None:
            total = dict(s)
        else:
            for k in ("samples", "min", "max", "mean", "S"):
                total[k] += s[k]
    return total or {"samples": 0, "min": 0, "max": 0, "mean": 0, "S": 0}


def check_samples(op, inputs, what):
    """Problems of op's bw_* and iops_* fields (and its bw_sums, iops_sums) against the sum of
    the inputs' sums, computed here: min, max, mean and samples as summed, the deviation
    sqrt(S / (samples - 1)), as fio prints a group's."""
    bad = []
    for kind, dev in (("bw", "bw_dev"), ("iops", "iops_stddev")):
        want = sum_samples([x[kind + "_sums"] for x in inputs])
        got = op[kind + "_sums"]
        for k in ("samples", "min", "max", "mean", "S"):
            if got[k] != want[k] and not math.isclose(got[k], want[k], rel_tol=1e-12):
                bad.append("%s: %s_sums %s %r, want %r" % (what, kind, k, got[k], want[k]))
        n = want["samples"]
        fields = {kind + "_samples": n, kind + "_min": int(want["min"]),
                  kind + "_max": int(want["max"])}
        for k, v in fields.items():
            if op[k] != v:
                bad.append("%s: %s %r, want %r" % (what, k, op[k], v))
        sd = math.sqrt(want["S"] / (n - 1)) if n > 1 and want["S"] > 0 else 0.0
        for k, v in ((kind + "_mean", want["mean"]), (dev, sd)):
            if not close(op[k], v):
                bad.append("%s: %s %r, want %r" % (what, k, op[k], v))
    return bad
