"""pgserver.py - the harness of the postgres tests (imported by tests/postgres/test_*.py).

Each test file starts its own PostgreSQL server with PgServer (initdb in a fresh directory
under /var/tmp, owned by the postgres OS user, run through runuser since the tests run as
root), talks to it with the psql client (the tests use the standard library only) and runs the
binary under test with runs.py's hard timeout; checks are reported by checks.py (exit 0 pass,
1 fail, 77 skip; a skip under CI=true is a failure: a CI machine without a PostgreSQL server
cannot say whether pvcbench pgbench works).

The server listens on a Unix socket in its own directory and, only when asked, on 127.0.0.1;
never on any other address. It is stopped when the test ends: by the context manager, at
exit, on SIGTERM/SIGINT/SIGHUP, and by a watchdog process that outlives a test killed with
SIGKILL (a ctest timeout) just long enough to stop the server and remove its directory.

The binary under test: `python3 test_X.py PATH`. PATH is pvcbench, run as `PATH pgbench ...`;
or, to check the tests themselves against the reference, the real pgbench (a PATH whose name
is "pgbench"), run as `PATH ...`. Checks of pvcbench's own additions (the seed report style,
JSON, percentiles) are left out in that reference mode.
"""
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from checks import Checks  # noqa: F401 - the tests import it from here
from runs import Result, Service, c_locale_env, run, run_signalled  # noqa: F401

SERVER_USER = "postgres"
READY_TIMEOUT = 30.0


# ---------------------------------------------------------------- the binary under test

class Bench:
    """pvcbench pgbench, or the real pgbench in reference mode."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.reference = os.path.basename(path) == "pgbench"
        self.prefix = [self.path] if self.reference else [self.path, "pgbench"]
        # pgbench prints its program name; pvcbench says "pvcbench pgbench"
        self.progname = "pgbench" if self.reference else "pvcbench pgbench"

    def argv(self, args):
        return self.prefix + list(args)

    def run(self, args, env, timeout=60.0):
        return run(self.argv(args), timeout=timeout, env=env)


def require_bench(checks):
    """The binary from the command line, checked to run; skips when it cannot."""
    if len(sys.argv) < 2:
        checks.skip("usage: %s PATH_TO_PVCBENCH (or PATH_TO_PGBENCH for the reference)"
                    % sys.argv[0])
    path = sys.argv[1]
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        checks.skip("binary %s not found or not executable" % path)
    bench = Bench(path)
    r = run(bench.argv(["--help"]), timeout=20, env=client_base_env())
    if r.rc != 0 or "usage" not in (r.out + r.err).lower():
        checks.skip("%s --help does not work (exit %s): is the postgres module built?"
                    % (" ".join(bench.prefix), r.rc))
    if bench.reference:
        checks.note("reference mode: running the real pgbench, pvcbench's own additions unchecked")
    return bench


# ---------------------------------------------------------------- the server

def server_bindir():
    """Debian keeps the server in /usr/lib/postgresql/VERSION/bin (pg_config --bindir names
    the client's directory); the highest version wins."""
    found = []
    base = "/usr/lib/postgresql"
    if os.path.isdir(base):
        for v in os.listdir(base):
            d = os.path.join(base, v, "bin")
            if re.fullmatch(r"[0-9]+(\.[0-9]+)?", v) and os.access(os.path.join(d, "postgres"),
                                                                  os.X_OK):
                found.append((float(v), d))
    return max(found)[1] if found else None


def require_server(checks):
    """The server binaries, psql and runuser, or a skip (a failure under CI=true)."""
    bindir = server_bindir()
    if not bindir:
        checks.skip("no PostgreSQL server in /usr/lib/postgresql/*/bin "
                    "(apt-get install postgresql)")
    for prog in ("initdb", "pg_ctl", "pg_isready"):
        if not os.access(os.path.join(bindir, prog), os.X_OK):
            checks.skip("%s not found in %s" % (prog, bindir))
    for prog in ("psql", "runuser"):
        if not shutil.which(prog):
            checks.skip("command %s not found" % prog)
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        checks.skip("no %s OS user to run the server as" % SERVER_USER)
    if os.geteuid() != 0:
        checks.skip("the tests start the server through runuser and must run as root")
    return bindir


def free_port():
    """A TCP port nobody listens on now (the server may still lose a race for it: start()
    retries)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_base_env():
    """The environment of every client we run: none of the caller's PG* settings (they must
    not change what a test does) and English messages."""
    return c_locale_env({k: v for k, v in os.environ.items() if not k.startswith("PG")})


def sql_literal(s):
    return "'" + s.replace("'", "''") + "'"


def sql_ident(s):
    return '"' + s.replace('"', '""') + '"'


class PgServer(Service):
    """A PostgreSQL server for one test; use as a context manager.

    tcp=True adds a listener on 127.0.0.1 (a free port); the Unix socket is always there.
    settings: extra postgresql.conf lines, e.g. {"fsync": "off"}.
    """

    def __init__(self, checks, dbname="pvc", max_connections=20, superuser_reserved_connections=3,
                 settings=None, tcp=False):
        self.checks = checks
        self.bindir = require_server(checks)
        self.dbname = dbname
        self.max_connections = max_connections
        self.superuser_reserved = superuser_reserved_connections
        self.settings = dict(settings or {})
        self.tcp = tcp
        self.dir = self.data = self.port = None
        self.password_roles = []
        self._watchdog = None
        self.running = False

    # -- lifecycle

    def _as_server_user(self, argv, timeout=60):
        return run(["runuser", "-u", SERVER_USER, "--"] + argv, timeout=timeout,
                   env=client_base_env())

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="pvcbench-pg.", dir="/var/tmp")
        self.track()
        pw = pwd.getpwnam(SERVER_USER)
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o700)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        r = self._as_server_user([os.path.join(self.bindir, "initdb"), "-D", self.data,
                                  "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                                  "--no-sync", "--no-instructions"], timeout=120)
        if r.rc != 0:
            raise RuntimeError("initdb failed:\n" + "\n".join(r.show()))
        self._start_watchdog()
        # a TCP port may be taken between free_port() and the bind: try a few
        for _ in range(3):
            self.port = free_port()
            self._write_config()
            if self._start_server():
                self.running = True
                self.createdb(self.dbname)
                return self
        raise RuntimeError("the server did not start; log:\n" + self.log_tail())

    def _write_config(self):
        conf = {
            "listen_addresses": "'127.0.0.1'" if self.tcp else "''",
            "port": str(self.port),
            "unix_socket_directories": sql_literal(self.dir),
            "max_connections": str(self.max_connections),
            "superuser_reserved_connections": str(self.superuser_reserved),
            "logging_collector": "off",
            "password_encryption": "'scram-sha-256'",
        }
        for k, v in self.settings.items():
            conf[k] = str(v)
        # a fresh copy of initdb's file each time, then ours: the last setting wins
        base = os.path.join(self.data, "postgresql.conf")
        orig = base + ".initdb"
        if not os.path.exists(orig):
            shutil.copyfile(base, orig)
        with open(orig) as f:
            text = f.read()
        text += "\n# pgserver.py\n" + "".join("%s = %s\n" % kv for kv in conf.items())
        with open(base, "w") as f:
            f.write(text)
        self._write_hba()

    def _write_hba(self):
        lines = ["local all all trust",
                 "host all postgres 127.0.0.1/32 trust"]
        lines += ["host all %s 127.0.0.1/32 scram-sha-256" % r for r in self.password_roles]
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def _start_server(self):
        """pg_ctl start without waiting, then pg_isready for at most READY_TIMEOUT s."""
        if os.path.exists(self.log):  # a failed attempt's log must not fail this one
            os.replace(self.log, self.log + ".failed")
        with open(os.path.join(self.dir, "pg_ctl.out"), "w") as out:
            subprocess.run(["runuser", "-u", SERVER_USER, "--",
                            os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", self.log,
                            "-W", "start"],
                           stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                           env=client_base_env(), timeout=60)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            r = run([os.path.join(self.bindir, "pg_isready"), "-q", "-h", self.dir,
                     "-p", str(self.port), "-t", "2"], timeout=10, env=client_base_env())
            if r.rc == 0:
                return True
            log = self.log_tail()
            if "could not bind" in log or "could not create" in log:
                self._pg_ctl_stop("immediate")
                return False
            time.sleep(0.2)
        self._pg_ctl_stop("immediate")
        return False

    def _pg_ctl_stop(self, mode):
        r = self._as_server_user([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m",
                                  mode, "-t", "30", "-s", "stop"], timeout=60)
        return r.rc == 0

    def _postmaster_pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def stop(self):
        """Fast shutdown, then immediate, then SIGKILL; the directory is removed."""
        if not self.untrack():
            return
        if self.data and os.path.exists(os.path.join(self.data, "postmaster.pid")):
            if not self._pg_ctl_stop("fast") and not self._pg_ctl_stop("immediate"):
                pid = self._postmaster_pid()
                if pid:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
        self.running = False
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        if self._watchdog:
            self._watchdog.stdin.close()  # the watchdog finds nothing left to do
            self._watchdog.wait(timeout=30)
            self._watchdog = None

    def _start_watchdog(self):
        """A detached process that waits for our end of a pipe to close: when this test dies
        without cleaning up (SIGKILL), it stops the server and removes the directory."""
        self._watchdog = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--watchdog", self.dir, self.bindir],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    # -- outages (test_pgbench_failover.py): the server stopped, started, crashed under load

    def pg_ctl(self, *args, timeout=60):
        """pg_ctl on this server's data directory as the server user (-l: its log), e.g.
        pg_ctl("-m", "fast", "-w", "stop"); returns the Result."""
        return self._as_server_user([os.path.join(self.bindir, "pg_ctl"), "-D", self.data,
                                     "-l", self.log] + list(args), timeout=timeout)

    def timed_pg_ctl(self, *args, timeout=60):
        """pg_ctl(*args) with when it was called and when it returned (time.monotonic()):
        (Result, called, returned). The caller judges what the server did in between."""
        called = time.monotonic()
        r = self.pg_ctl(*args, timeout=timeout)
        return r, called, time.monotonic()

    def log_tail(self, n=30):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    # -- clients

    def env(self, db=None, user="postgres", **extra):
        """The environment of a client of this server (over the Unix socket)."""
        env = client_base_env()
        env.update(PGHOST=self.dir, PGPORT=str(self.port), PGUSER=user,
                   PGDATABASE=db or self.dbname)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def psql(self, sql, db=None, user="postgres", check=True):
        """Runs sql (one or more statements) and returns the rows: tuples of strings."""
        r = run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-F", "|", "-f", "-"],
                timeout=300, env=self.env(db=db, user=user), stdin=sql)
        if r.rc != 0:
            if check:
                raise RuntimeError("psql failed on %r:\n%s" % (sql[:200], r.err))
            return None
        return [tuple(line.split("|")) for line in r.out.splitlines()]

    def value(self, sql, db=None):
        """The single value of a one-row, one-column query."""
        rows = self.psql(sql, db=db)
        if len(rows) != 1 or len(rows[0]) != 1:
            raise RuntimeError("%r returned %r, not one value" % (sql, rows))
        return rows[0][0]

    def createdb(self, name):
        self.psql("CREATE DATABASE %s" % sql_ident(name), db="postgres")
        return name

    def dropdb(self, name):
        self.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % sql_ident(name), db="postgres")

    def create_role(self, name, password=None, superuser=False):
        """A login role; with a password it authenticates over 127.0.0.1 with SCRAM."""
        opts = "LOGIN " + ("SUPERUSER" if superuser else "NOSUPERUSER")
        if password is not None:
            opts += " PASSWORD " + sql_literal(password)
        self.psql("CREATE ROLE %s %s" % (sql_ident(name), opts), db="postgres")
        if password is not None:
            self.password_roles.append(name)
            self._write_hba()
            self._as_server_user([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-s",
                                  "reload"])
            time.sleep(0.5)  # the postmaster rereads pg_hba.conf asynchronously
        return name

    def backends(self, db=None):
        """Client backends connected to db (default: this server's database)."""
        return int(self.value("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                              "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                              % sql_literal(db or self.dbname), db="postgres"))


def _watchdog_main(directory, bindir):
    """Blocks until the test's end of the pipe closes, then makes sure the server is gone."""
    if os.fork():  # detach from the test's process tree: a killer of the tree misses us
        os._exit(0)
    try:
        sys.stdin.buffer.read()
    except OSError:
        pass
    data = os.path.join(directory, "data")
    if os.path.exists(os.path.join(data, "postmaster.pid")):
        subprocess.run(["runuser", "-u", SERVER_USER, "--", os.path.join(bindir, "pg_ctl"), "-D",
                        data, "-m", "immediate", "-s", "stop"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    shutil.rmtree(directory, ignore_errors=True)
    os._exit(0)


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--watchdog":
    _watchdog_main(sys.argv[2], sys.argv[3])
