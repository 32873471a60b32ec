"""pvctest.py - the Python side of the shell integration tests (imported, or run as a command).

The shell tests (tests/integration/*.sh, through lib.bash) drive the pvcbench binary; what needs
more than a shell lives here, in the standard library only: reading /proc/PID/io of a process at
the instant it exits, sending a signal and timing the exit, a seccomp filter, whether a
filesystem takes O_DIRECT. fio's formats are fiofmt.py's, re-exported here because the shell
tests import them as `from pvctest import ...`.
"""
import ctypes
import json
import os
import signal
import struct
import subprocess
import sys
import time

from fiofmt import (BW_RE, IOPS_RE, LAT_RE, check_direction_consistency,  # noqa: F401
                    fio_bw, fio_figures_ok, fio_iops, fio_num2str, lat_usec_text,
                    load_fio_json, load_one_json, parse_fio_text)
from runs import run_signalled


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
    Prints JSON {rc, exit_after_signal_s, alive_when_signalled, hung, pid}. rc is the exit
    status, or -N when the process died of signal N."""
    signum = getattr(signal, "SIG" + sig) if not sig.isdigit() else int(sig)
    res, dt, alive = run_signalled(argv, signum, delay, timeout=limit)
    for path, text in ((out, res.out), (err, res.err)):
        with _open_out(path) as f:
            f.write(text)
    print(json.dumps({"rc": res.rc, "exit_after_signal_s": round(dt, 3),
                      "alive_when_signalled": alive, "hung": res.timed_out, "pid": res.pid}))


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
