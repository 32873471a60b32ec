#!/usr/bin/env python3
"""test_kafka_environment.py - a kafka result says which cluster it measured: the "kafka"
member of its "environment" holds the brokers' count, the cluster id, the topic, its partitions
and its replication factor, from the metadata the command waits for before it runs.

Against `pvcbench kafka mock --brokers 3` with a topic of 5 partitions, cross-checked with
kcat -L (brokers, partitions, replicas of each partition):
- produce, consume and e2e on that topic say 3 brokers, 5 partitions, kcat's replication, and
  one cluster id, the same for the three;
- an in-process `mock:2` cluster with --partitions 7 says 2 and 7;
- a topic the cluster does not have yet (left to the broker to create on the first record):
  looked up again after the run, it says what kcat -L says of the topic then;
- merge keeps each source's environment as it was; the text report has none of it.

Usage: python3 test_kafka_environment.py PATH_TO_PVCBENCH
"""
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kafkamock import (Checks, MockCluster, kcat_metadata, require_tools,  # noqa: E402
                       run)

TOPIC = "envtopic"
RECORDS = 200
TIMEOUT = 60


def result(checks, bench, sub, args, what):
    """Runs `kafka SUB ARGS --output-format json`; its JSON, or None after a failed check."""
    r = bench.run(sub, list(args) + ["--output-format", "json"], timeout=TIMEOUT)
    try:
        doc = json.loads(r.out) if r.rc == 0 else None
    except ValueError:
        doc = None
    checks.check("%s: exit 0 and JSON" % what, [] if doc else r.show())
    return doc


def kafka_member(doc):
    return ((doc or {}).get("environment") or {}).get("kafka")


def kcat_view(bootstrap, topic):
    """(brokers, partitions, fewest replicas of a partition) as kcat -L sees them."""
    md = kcat_metadata(bootstrap, topic)
    parts = next((t.get("partitions", []) for t in md.get("topics", [])
                  if t.get("topic") == topic and not t.get("error")), [])
    return (len(md.get("brokers", [])), len(parts),
            min((len(p.get("replicas", [])) for p in parts), default=None))


def check_external(checks, bench, mock, tmp):
    ids = set()
    mock.create_topic(TOPIC, 5)
    brokers, parts, repl = kcat_view(mock.bootstrap, TOPIC)
    checks.check("kcat -L: the mock has 3 brokers and the topic 5 partitions (replicas %s)"
                 % repl, [] if (brokers, parts) == (3, 5) and repl else
                 ["kcat: %d brokers, %d partitions" % (brokers, parts)])
    boot = ["--bootstrap-server", mock.bootstrap]
    docs = {
        "produce": result(checks, bench, "produce",
                          ["--topic", TOPIC, "--num-records", RECORDS, "--record-size", 100,
                           "--throughput", -1] + boot, "produce"),
        "consume": result(checks, bench, "consume",
                          ["--topic", TOPIC, "--messages", RECORDS, "--timeout", 20000] + boot,
                          "consume"),
        "e2e": result(checks, bench, "e2e", [mock.bootstrap, TOPIC, 20, 1, 50], "e2e"),
    }
    want = {"brokers": brokers, "topic": TOPIC, "partitions": parts,
            "replication_factor": repl}
    for sub, doc in docs.items():
        k = kafka_member(doc)
        bad = ["no environment.kafka: %r" % (doc or {}).get("environment")] if not k else \
            ["%s: %r, kcat says %r" % (n, k.get(n), v) for n, v in want.items() if k.get(n) != v]
        if k:
            ids.add(k.get("cluster_id"))
        checks.check("%s: environment.kafka says what kcat -L says (%r)" % (sub, want), bad)
    ids.discard(None)
    checks.check("one cluster id, a non-empty string, for the three commands",
                 [] if len(ids) == 1 and all(isinstance(i, str) and i for i in ids)
                 else ["cluster ids %r" % ids])
    check_merge_and_text(checks, bench, docs["produce"], boot, tmp)


def check_merge_and_text(checks, bench, doc, boot, tmp):
    if not doc:
        return
    if run([bench.path, "merge", "--help"], timeout=20).rc != 0:
        checks.skip("pvcbench merge was not built (libjansson-dev missing)")
    paths = []
    for name in ("a", "b"):
        paths.append(os.path.join(tmp, name + ".json"))
        with open(paths[-1], "w") as f:
            json.dump(doc, f)
    r = run([bench.path, "merge", "--output-format=json"] + paths, timeout=60)
    try:
        got = [s.get("environment") for s in json.loads(r.out)["sources"]]
    except (ValueError, KeyError):
        got = None
    checks.check("merge keeps each source's environment as it was",
                 [] if got == [doc["environment"]] * 2 else r.show())
    r = bench.run("produce", ["--topic", TOPIC, "--num-records", 50, "--record-size", 10,
                              "--throughput", -1] + boot, timeout=TIMEOUT)
    checks.check("the text report is as it was: none of the environment in it",
                 [] if r.rc == 0 and "records sent" in r.out and "cluster_id" not in r.out
                 and "environment" not in r.out else r.show())


def check_in_process(checks, bench):
    doc = result(checks, bench, "produce",
                 ["--topic", "seven", "--num-records", 50, "--record-size", 10,
                  "--throughput", -1, "--partitions", 7, "--bootstrap-server", "mock:2"],
                 "produce to an in-process mock:2 with --partitions 7")
    k = kafka_member(doc) or {}
    bad = ["%s: %r, want %r" % (n, k.get(n), v) for n, v in
           (("brokers", 2), ("partitions", 7), ("topic", "seven")) if k.get(n) != v]
    # (the mock's id is made of its address in memory: two processes may well get the same)
    if not isinstance(k.get("cluster_id"), str) or not k.get("cluster_id"):
        bad.append("cluster_id %r" % k.get("cluster_id"))
    checks.check("mock:2 --partitions 7: 2 brokers, 7 partitions, a cluster id", bad)


def check_unknown_topic(checks, bench, mock):
    doc = result(checks, bench, "produce",
                 ["--topic", "notyet", "--num-records", 20, "--record-size", 10,
                  "--throughput", -1, "--bootstrap-server", mock.bootstrap],
                 "produce to a topic the cluster does not have yet")
    brokers, parts, repl = kcat_view(mock.bootstrap, "notyet")
    k = kafka_member(doc) or {}
    want = {"brokers": brokers, "topic": "notyet", "partitions": parts,
            "replication_factor": repl}
    bad = ["%s: %r, kcat says %r" % (n, k.get(n), v) for n, v in want.items() if k.get(n) != v]
    checks.check("a topic the broker created on the first record: looked up after the run, "
                 "as kcat -L sees it (%r)" % want, bad if parts else
                 ["kcat does not see the topic the run created"])


def main():
    checks = Checks()
    bench = require_tools(checks)
    tmp = tempfile.mkdtemp(prefix="pvcbench-kafkaenv.", dir="/var/tmp")
    try:
        with MockCluster(bench, brokers=3) as mock:
            checks.section(check_external, checks, bench, mock, tmp)
            checks.section(check_unknown_topic, checks, bench, mock)
        checks.section(check_in_process, checks, bench)
    finally:
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)
    checks.finish()


if __name__ == "__main__":
    main()
