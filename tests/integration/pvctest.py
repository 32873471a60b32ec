"""pvctest.py - Python side of the shell integration tests (imported, or run as a command).

The shell tests (tests/integration/*.sh) drive the pvcbench binary; what needs more than a
shell (parsing fio's text and JSON, fio's number formatting, reading /proc/PID/io of a process
at the instant it exits, sending a signal and timing the exit, a seccomp filter) lives here,
in the standard library only.

fio_num2str follows fio 3.x lib/num2str.c as described in docs/shared notes
(output-formats.md): it is an independent model of fio's format, used to check that pvcbench's
summary strings are what fio would print for the numbers pvcbench reports in its own JSON.
"""
import ctypes
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time

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


# ---------------------------------------------------------------- processes

def _open_out(path):
    return open(path if path and path != "-" else os.devnull, "w")


def run_with_io(out, err, argv, timeout=120):
    """Runs argv; reads /proc/PID/io at the instant it has exited (waitid WNOWAIT keeps the
    zombie, whose counters include every thread that ran), then reaps it.
    Prints one JSON line {rc, read_bytes, write_bytes, ...}."""
    with _open_out(out) as o, _open_out(err) as e:
        p = subprocess.Popen(argv, stdout=o, stderr=e)
        deadline = time.monotonic() + timeout
        while True:
            info = os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
            if info is not None:
                break
            if time.monotonic() > deadline:
                p.kill()
            time.sleep(0.005)
        io = {}
        with open("/proc/%d/io" % p.pid) as f:
            for line in f:
                k, v = line.split(":")
                io[k.strip()] = int(v)
        p.wait()
        io["rc"] = p.returncode
    print(json.dumps(io))


def signal_run(sig, delay, out, err, argv, limit=20.0):
    """Starts argv, sends sig after delay seconds, waits (at most limit s, then SIGKILL).
    Prints JSON {rc, exit_after_signal_s, killed_by_signal, pid}. rc is the exit status, or
    -N when the process died of signal N."""
    signum = getattr(signal, "SIG" + sig) if not sig.isdigit() else int(sig)
    with _open_out(out) as o, _open_out(err) as e:
        p = subprocess.Popen(argv, stdout=o, stderr=e)
        time.sleep(delay)
        alive_before = p.poll() is None
        t0 = time.monotonic()
        p.send_signal(signum)
        try:
            p.wait(timeout=limit)
            hung = False
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            hung = True
        dt = time.monotonic() - t0
    print(json.dumps({"rc": p.returncode, "exit_after_signal_s": round(dt, 3),
                      "alive_when_signalled": alive_before, "hung": hung, "pid": p.pid}))


def exec_without_syscalls(numbers, argv):
    """Execs argv under a seccomp filter that fails the given x86_64 system calls with EPERM
    (what container runtimes' default profiles do to io_uring)."""
    audit_arch_x86_64 = 0xC000003E
    ld_w_abs, jeq_k, ret_k = 0x20, 0x15, 0x06
    ret_allow, ret_errno = 0x7FFF0000, 0x00050000

    def stmt(code, k):
        return struct.pack("HBBI", code, 0, 0, k)

    def jump(code, k, jt, jf):
        return struct.pack("HBBI", code, jt, jf, k)

    prog = [stmt(ld_w_abs, 4), jump(jeq_k, audit_arch_x86_64, 1, 0), stmt(ret_k, ret_allow),
            stmt(ld_w_abs, 0)]
    for nr in numbers:
        prog += [jump(jeq_k, nr, 0, 1), stmt(ret_k, ret_errno | 1)]
    prog.append(stmt(ret_k, ret_allow))
    buf = ctypes.create_string_buffer(b"".join(prog))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(prog), ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0):
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(fprog), 0, 0):
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")
    os.execvp(argv[0], argv)


def odirect_ok(directory):
    """Whether the filesystem of directory accepts open(O_DIRECT) (exit 0 yes, 1 no)."""
    path = os.path.join(directory, ".odirect-probe")
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_DIRECT, 0o600)
        os.close(fd)
        ok = True
    except OSError:
        ok = False
    try:
        os.unlink(path)
    except OSError:
        pass
    return ok


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "run-io":  # run-io OUT ERR -- argv...
        run_with_io(argv[2], argv[3], argv[5:])
    elif cmd == "signal-run":  # signal-run SIG DELAY OUT ERR -- argv...
        signal_run(argv[2], float(argv[3]), argv[4], argv[5], argv[7:])
    elif cmd == "deny":  # deny NR[,NR...] -- argv...
        exec_without_syscalls([int(x) for x in argv[2].split(",")], argv[4:])
    elif cmd == "odirect-ok":
        return 0 if odirect_ok(argv[2]) else 1
    elif cmd == "num2str":  # num2str N [iec]
        print(fio_num2str(int(argv[2]), pow2=len(argv) > 3))
    else:
        print("usage: pvctest.py run-io|signal-run|deny|odirect-ok|num2str ...", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
