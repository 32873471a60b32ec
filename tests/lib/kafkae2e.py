"""kafkae2e.py - what the `kafka e2e` tests know of Kafka's EndToEndLatency tool: its
messages (java.util.Random(0)'s draws, as its 3.x and 4.2 versions make them), Java's ways
of writing a double (Double.toString, String.format's %.4f), its output lines, and kcat's
reading of keys, values and headers. The Java models are checked against what a JVM printed
(JAVA_RANDOM0_LETTERS) by the test itself.
"""
import re
from decimal import ROUND_HALF_UP, Decimal

from kafkamock import run

PROGRESS_RE = re.compile(r"^(\d+)\t(\S+)$")
AVG_RE = re.compile(r"^Avg latency: (\d+\.\d{4}) ms$")
PCT_RE = re.compile(r"^Percentiles: 50th = (\d+), 99th = (\d+), 99\.9th = (\d+)$")
CREATE_LINE = ('Topic "%s" does not exist. Will create topic with 1 partition(s) and '
               'replication factor = 1')


class JavaRandom:
    """java.util.Random's arithmetic (its documented linear congruential generator)."""
    MULT, MASK = 0x5DEECE66D, (1 << 48) - 1

    def __init__(self, seed):
        self.seed = (seed ^ self.MULT) & self.MASK

    def next(self, bits):
        self.seed = (self.seed * self.MULT + 0xB) & self.MASK
        return self.seed >> (48 - bits)

    def next_int(self, bound):
        u = self.next(31)
        while True:
            r = u % bound
            if u - r + bound - 1 < (1 << 31):  # Java: no int overflow
                return r
            u = self.next(31)


# java.util.Random(0).nextInt(26) + 'A', 40 times, as OpenJDK 17 and Temurin 25 print them
JAVA_RANDOM0_LETTERS = "SSXVNJHPDQDXVCRASTVYBCWVMGNYKRXVZXKGXTSP"


def java_fixed(v, decimals):
    """Java's String.format("%.Nf", v): half up on Double.toString's digits."""
    q = Decimal(1).scaleb(-decimals)
    return str(Decimal(repr(v)).quantize(q, rounding=ROUND_HALF_UP))


def java_messages(n, size):
    """The Java tool's n messages: each one letter, A to Z, repeated size times."""
    rnd = JavaRandom(0)
    return [bytes([65 + rnd.next_int(26)]) * size for _ in range(n)]


def java_double(v):
    """Java's Double.toString (the shortest digits that read back, as Python's repr):
    plain from 1e-3 to below 1e7, else d.dddEn."""
    d = Decimal(repr(v)).normalize()
    sign, digits, _ = d.as_tuple()
    ds, adj = "".join(map(str, digits)), d.adjusted()
    neg = "-" if sign else ""
    if 1e-3 <= abs(v) < 1e7:
        if adj >= 0:
            ip, fp = ds[:adj + 1].ljust(adj + 1, "0"), ds[adj + 1:] or "0"
        else:
            ip, fp = "0", "0" * (-adj - 1) + ds
        return neg + ip + "." + fp
    return neg + ds[0] + "." + (ds[1:] or "0") + "E" + str(adj)


def java_records_named(n, size, key_size, headers, hkey_size, hvalue_size):
    """The 4.2 tool's records (named form): per record, draws for the key (empty when
    key_size is 0, never null), the value, then each header's key and value (none for -1,
    a null value). [(key, value, [(hkey, hvalue or None)])] as text."""
    rnd = JavaRandom(0)

    def letter():
        return chr(65 + rnd.next_int(26))
    out = []
    for _ in range(n):
        key = letter() * key_size
        value = letter() * size
        hdrs = []
        for _ in range(headers):
            hk = letter() * hkey_size
            hdrs.append((hk, None if hvalue_size == -1 else letter() * hvalue_size))
        out.append((key, value, hdrs))
    return out


def kcat_records_with_headers(bootstrap, topic, n, timeout=30):
    """(records as (key or None, value, [(hkey, hvalue or None)]), problems), read by kcat
    from the beginning; keys, values and headers are letters only."""
    r = run(["kcat", "-C", "-q", "-b", bootstrap, "-t", topic, "-o", "beginning", "-c", str(n),
             "-f", "%K|%k|%s|%h\n"], timeout=timeout)
    if r.rc != 0 or r.timed_out:
        return [], ["kcat failed"] + r.show()
    recs = []
    for line in r.out_lines:
        klen, key, value, hdrs = line.split("|")
        parsed = []
        for h in hdrs.split(",") if hdrs else []:
            hk, hv = h.split("=", 1)
            parsed.append((hk, None if hv == "NULL" else hv))
        recs.append((None if klen == "-1" else key, value, parsed))
    return recs, []


class E2eReport:
    """stdout of a text run: progress lines, then the average and the percentiles."""

    def __init__(self, out):
        self.lines = out.splitlines()
        self.progress = [PROGRESS_RE.match(ln) for ln in self.lines]
        self.avg = next((AVG_RE.match(ln) for ln in self.lines if AVG_RE.match(ln)), None)
        self.pct = next((PCT_RE.match(ln) for ln in self.lines if PCT_RE.match(ln)), None)

    def shape_problems(self, done, created_topic=None):
        """Exactly: [the create line], a progress line for i = 0, 1000, ... < done, the two
        final lines; each progress figure written as Java writes that double."""
        want_prefix = [CREATE_LINE % created_topic] if created_topic else []
        bad = []
        if self.lines[:len(want_prefix)] != want_prefix:
            bad.append("first line %r, want %r" % (self.lines[:1], want_prefix))
        body = self.lines[len(want_prefix):]
        want_idx = list(range(0, done, 1000))
        prog = body[:-2]
        got_idx = []
        for ln in prog:
            m = PROGRESS_RE.match(ln)
            if not m:
                bad.append("not a progress line: %r" % ln)
                continue
            got_idx.append(int(m.group(1)))
            ms = float(m.group(2))
            if java_double(ms) != m.group(2):
                bad.append("%r is not Java's Double.toString of %r (%r)"
                           % (m.group(2), ms, java_double(ms)))
            if not 0 < ms < 60000:
                bad.append("progress latency %r ms out of range" % ms)
        if got_idx != want_idx:
            bad.append("progress lines for %r, want %r" % (got_idx[:10], want_idx[:10]))
        if len(body) < 2 or not AVG_RE.match(body[-2]) or not PCT_RE.match(body[-1]):
            bad.append("the last two lines are not the average and percentiles: %r"
                       % body[-2:])
        elif self.percentiles != sorted(self.percentiles):
            bad.append("percentiles not in order: %r" % (self.percentiles,))
        return bad

    @property
    def percentiles(self):
        return [int(g) for g in self.pct.groups()] if self.pct else None
