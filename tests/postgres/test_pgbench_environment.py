#!/usr/bin/env python3
"""test_pgbench_environment.py - a pgbench result says which server it measured: the
"postgres" member of its "environment" holds the server's version and the settings that decide
what a commit costs and how much the server caches, as SHOW prints them on that server.

Against a server of its own whose configuration sets non-defaults (fsync, synchronous_commit,
full_page_writes, wal_sync_method off their defaults, shared_buffers 24MB), so values that
were not read from it cannot pass:
- a run as a role without superuser: every member is there and equals SHOW's answer to the
  same role; shared_buffers_bytes is 24 MiB, and pg_settings' own figure (8 kB pages);
- a session setting (PGOPTIONS=-c synchronous_commit=local, as the run's connections get it)
  shows as the run saw it;
- merge keeps each source's environment as it was; the text report has none of it.

Usage: python3 test_pgbench_environment.py PATH_TO_PVCBENCH
"""
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pgserver import Checks, PgServer, require_bench, run  # noqa: E402

SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "wal_sync_method": "fsync", "shared_buffers": "'24MB'"}
SHOWN = ("server_version", "fsync", "synchronous_commit", "wal_sync_method",
         "full_page_writes", "data_checksums", "wal_level", "synchronous_standby_names",
         "shared_buffers", "max_connections")
ROLE = "bench"


def run_json(bench, srv, script, extra_env=None):
    """A short run of script as ROLE; (Result, its JSON document or None)."""
    env = srv.env(user=ROLE, **(extra_env or {}))
    r = bench.run(["-n", "-f", script, "-c", "1", "-t", "5", "--output-format=json"], env=env,
                  timeout=60)
    try:
        return r, json.loads(r.out) if r.rc == 0 else None
    except ValueError:
        return r, None


def show(srv, name, user=ROLE):
    rows = srv.psql("SHOW %s" % name, user=user)
    return rows[0][0] if rows and rows[0] else ""


def check_members(checks, bench, srv, script):
    r, doc = run_json(bench, srv, script)
    if not checks.check("a run as a role without superuser: exit 0 and JSON",
                        [] if doc else r.show()):
        return None
    pg = doc.get("environment", {}).get("postgres")
    if not checks.check("environment has a postgres member", [] if isinstance(pg, dict)
                        else ["environment: %r" % doc.get("environment")]):
        return None
    bad = []
    for name in SHOWN:
        want = show(srv, name)
        if pg.get(name) != want:
            bad.append("%s: %r, SHOW says %r" % (name, pg.get(name), want))
    want_num = int(show(srv, "server_version_num"))
    if pg.get("server_version_num") != want_num:
        bad.append("server_version_num: %r, SHOW says %d" % (pg.get("server_version_num"),
                                                              want_num))
    checks.check("every member equals SHOW's answer to the same role", bad)

    nondefault = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                  "wal_sync_method": "fsync", "shared_buffers": "24MB",
                  "max_connections": str(srv.max_connections)}
    checks.check("the server's non-default settings are those read",
                 ["%s: %r, the configuration sets %r" % (k, pg.get(k), v)
                  for k, v in nondefault.items() if pg.get(k) != v])
    pages = int(srv.value("SELECT setting FROM pg_settings WHERE name = 'shared_buffers' "
                          "AND unit = '8kB'"))
    checks.check("shared_buffers_bytes is 24 MiB, pg_settings' %d pages of 8 kB" % pages,
                 [] if pg.get("shared_buffers_bytes") == 24 << 20 == pages * 8192
                 else ["shared_buffers_bytes %r" % pg.get("shared_buffers_bytes")])
    return doc


def check_session(checks, bench, srv, script):
    r, doc = run_json(bench, srv, script, {"PGOPTIONS": "-c synchronous_commit=local"})
    got = (doc or {}).get("environment", {}).get("postgres", {}).get("synchronous_commit")
    checks.check("PGOPTIONS=-c synchronous_commit=local: the run's session says local",
                 [] if got == "local" else ["got %r" % got] + r.show())
    return doc


def check_merge_and_text(checks, bench, srv, script, docs, tmp):
    if run([bench.path, "merge", "--help"], timeout=20).rc != 0:
        checks.skip("pvcbench merge was not built (libjansson-dev missing)")
    paths = []
    for i, d in enumerate(docs):
        paths.append(os.path.join(tmp, "r%d.json" % i))
        with open(paths[-1], "w") as f:
            json.dump(d, f)
    r = run([bench.path, "merge", "--output-format=json"] + paths, timeout=60)
    try:
        got = [s.get("environment") for s in json.loads(r.out)["sources"]]
    except (ValueError, KeyError):
        got = None
    checks.check("merge keeps each source's environment as it was",
                 [] if got == [d["environment"] for d in docs] else r.show())

    r = bench.run(["-n", "-f", script, "-c", "1", "-t", "5"], env=srv.env(user=ROLE),
                  timeout=60)
    checks.check("the text report is as it was: none of the environment in it",
                 [] if r.rc == 0 and "number of transactions actually processed" in r.out and
                 "shared_buffers" not in r.out and "environment" not in r.out else r.show())


def main():
    checks = Checks()
    bench = require_bench(checks)
    if bench.reference:
        checks.skip("the environment is pvcbench's own: run with PATH_TO_PVCBENCH")
    tmp = tempfile.mkdtemp(prefix="pvcbench-pgenv.", dir="/var/tmp")
    try:
        script = os.path.join(tmp, "select.sql")
        with open(script, "w") as f:
            f.write("SELECT 1;\n")
        with PgServer(checks, settings=SETTINGS) as srv:
            srv.create_role(ROLE)
            checks.check("the role has no superuser",
                         show(srv, "is_superuser") == "off")
            docs = [d for d in (check_members(checks, bench, srv, script),
                                check_session(checks, bench, srv, script)) if d]
            if len(docs) == 2:
                checks.section(check_merge_and_text, checks, bench, srv, script, docs, tmp)
    finally:
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)
    checks.finish()


if __name__ == "__main__":
    main()
