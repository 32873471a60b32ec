#!/usr/bin/env python3
"""test_merge_kafka.py - `pvcbench merge` of real `pvcbench kafka produce` and `consume` runs
on a mock cluster of its own.

Three producers (pods) write one topic, one of them under --throughput (so its job also has
produce_scheduled); each job is relabelled after its pod (pvcbench names every produce job
"kafka-produce": a pod's result relabelled "producer-0"...). Merged:
- the total's produce is the sum of the three: lat_hist the sum of the inputs' buckets, its
  clat_ns and lat_ns figures (N, min, max, mean, stddev, percentiles) those of a histogram built
  from them (tests/lib/histmodel.py), total_ios and io_bytes the sums, and total_ios equal to the
  records in the topic as kcat counts them; produce_scheduled is that one producer's; kind
  "kafka-produce"; totals[] one per name;
- the results as written (one name): one total, equal to the one above;
- two consumers (groups of their own) reading the topic back: their total adds up, kind
  "kafka-consume";
- a produce result with a consume one, and a produce result with a fio one: refused, exit 2,
  one stderr line naming both kinds.

Usage: python3 test_merge_kafka.py PATH_TO_PVCBENCH
"""
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kafkamock import Checks, MockCluster, ran_ok, records_in_topic, require_tools, run, unique  # noqa
from histmodel import Hist, check_clat  # noqa: E402

RUN_TIMEOUT = 90.0
PRODUCERS = ((3000, None), (5000, None), (2000, 4000))  # records, --throughput
SIZE = 100


def op_problems(got, ops, what):
    """A merged operation against the sum of the inputs' ops, computed here."""
    bad = []
    union = Hist()
    for o in ops:
        union.add(o["lat_hist"])
    if Hist(got["lat_hist"]).as_lat_hist() != union.as_lat_hist():
        bad.append("%s: lat_hist is not the sum of the inputs' buckets" % what)
    bad += check_clat(got["lat_ns"], union, what + " lat_ns")
    bad += check_clat(got["clat_ns"], union, what + " clat_ns")
    if not got["clat_ns"].get("percentile"):
        bad.append("%s: clat_ns has no percentiles" % what)
    for k in ("total_ios", "io_bytes", "errors"):
        if got[k] != sum(o[k] for o in ops):
            bad.append("%s: %s %r, want %r" % (what, k, got[k], sum(o[k] for o in ops)))
    if got["runtime"] != max(o["runtime"] for o in ops):
        bad.append("%s: runtime %r, want %r" % (what, got["runtime"],
                                                 max(o["runtime"] for o in ops)))
    return bad


def merge(bench, args):
    return run([bench.path, "merge"] + args, timeout=60)


def write(tmp, name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
    return path


def check_produce(checks, bench, mock, tmp):
    topic = unique("merge")
    docs, as_written, named = [], [], []
    for i, (n, rate) in enumerate(PRODUCERS):
        args = ["--topic", topic, "--num-records", n, "--record-size", SIZE,
                "--throughput", rate or -1, "--producer-props", "acks=1",
                "--bootstrap-server", mock.bootstrap, "--output-format=json"]
        res = bench.run("produce", args, timeout=RUN_TIMEOUT)
        if not checks.check("producer %d: %d records%s, JSON, exit 0" %
                            (i, n, " under --throughput %d" % rate if rate else ""),
                            ran_ok(res)):
            return None
        doc = json.loads(res.out)
        docs.append(doc)
        as_written.append(write(tmp, "produce-%d.json" % i, doc))
        relabelled = json.loads(res.out)
        relabelled["jobs"][0]["jobname"] = "producer-%d" % i
        named.append(write(tmp, "producer-%d.json" % i, relabelled))
    in_topic = records_in_topic(mock.bootstrap, topic)
    sent = sum(d["jobs"][0]["produce"]["total_ios"] for d in docs)
    checks.check("kcat counts %d records in the topic, the producers acknowledged %d"
                 % (in_topic, sent), in_topic == sent == sum(n for n, _ in PRODUCERS))

    res = merge(bench, ["--output-format=json"] + named)
    checks.check("merge of three producers named after their pods: exit 0, stderr empty",
                 [] if res.rc == 0 and not res.err else res.show())
    m = json.loads(res.out)
    t = m["total"]
    jobs = [d["jobs"][0] for d in docs]
    bad = op_problems(t["produce"], [j["produce"] for j in jobs], "total produce")
    sched = [j["produce_scheduled"] for j in jobs if "produce_scheduled" in j]
    if len(sched) != 1:
        bad.append("%d producers have produce_scheduled, want 1" % len(sched))
    else:
        bad += op_problems(t["produce_scheduled"], sched, "total produce_scheduled")
    if t["produce"]["total_ios"] != in_topic:
        bad.append("total produce total_ios %r, kcat counts %r" % (t["produce"]["total_ios"],
                                                                   in_topic))
    for k, v in (("jobname", "all"), ("kind", "kafka-produce"), ("merged_jobs", 3),
                 ("merged_sources", 3)):
        if t.get(k) != v:
            bad.append("total %s %r, want %r" % (k, t.get(k), v))
    names = [g["jobname"] for g in m.get("totals", [])]
    if names != ["producer-0", "producer-1", "producer-2"]:
        bad.append("totals %r" % names)
    checks.check("the total: the sum of the producers' histograms and counts, as in the topic",
                 bad)

    res = merge(bench, ["--output-format=json"] + as_written)
    same = json.loads(res.out) if res.rc == 0 else {}
    checks.check("the results as written (one name): the same total",
                 [] if res.rc == 0 and same["total"]["produce"] == t["produce"] and
                 same["total"]["jobname"] == "kafka-produce" and "totals" not in same
                 else res.show())
    return topic, named[0]


def check_consume(checks, bench, mock, tmp, topic, produced):
    n = sum(r for r, _ in PRODUCERS)
    docs, paths = [], []
    for i in range(2):
        res = bench.run("consume", ["--topic", topic, "--messages", n, "--group",
                                    unique("group"), "--bootstrap-server", mock.bootstrap,
                                    "--output-format", "json"], timeout=RUN_TIMEOUT)
        if not checks.check("consumer %d: %d messages, JSON, exit 0" % (i, n), ran_ok(res)):
            return
        doc = json.loads(res.out)
        doc["jobs"][0]["jobname"] = "consumer-%d" % i
        docs.append(doc)
        paths.append(write(tmp, "consumer-%d.json" % i, doc))
    res = merge(bench, ["--output-format=json"] + paths)
    ok = res.rc == 0
    m = json.loads(res.out) if ok else {}
    bad = [] if ok else res.show()
    if ok:
        bad += op_problems(m["total"]["consume"], [d["jobs"][0]["consume"] for d in docs],
                           "total consume")
        if m["total"]["consume"]["total_ios"] != 2 * n or m["total"]["kind"] != "kafka-consume":
            bad.append("total consume %r messages, kind %r; want %d, kafka-consume"
                       % (m["total"]["consume"]["total_ios"], m["total"]["kind"], 2 * n))
    checks.check("two consumers named after their pods: one total, the sum of both", bad)

    res = merge(bench, ["--output-format=json", produced, paths[0]])
    err = res.err.splitlines()
    want = ["%s and %s hold different workloads" % (paths[0], produced),
            "has job 'consumer-0' (Kafka consume: consume)",
            "has job 'producer-0' (Kafka produce: produce)"]
    checks.check("a consume result with a produce one: exit 2, one line naming both kinds",
                 [] if res.rc == 2 and len(err) == 1 and not res.out and
                 all(w in err[0] for w in want) else res.show())


def check_fio(checks, bench, tmp, produced):
    fio = os.path.join(tmp, "fio.json")
    r = run([bench.path, "fio", "--name=pvc-bench-0", "--directory=" + tmp, "--size=4M",
             "--rw=randwrite", "--runtime=1", "--time_based", "--output-format=json",
             "--output=" + fio], timeout=60)
    if not checks.check("pvcbench fio --output-format=json exits 0", [] if r.rc == 0 else r.show()):
        return
    res = merge(bench, [produced, fio])
    err = res.err.splitlines()
    want = ["fio.json and %s hold different workloads" % produced,
            "'pvc-bench-0' (block read/write: write)", "(Kafka produce: produce)"]
    checks.check("a fio result with a produce one: exit 2, one line naming both kinds",
                 [] if res.rc == 2 and len(err) == 1 and not res.out and
                 all(w in err[0] for w in want) else res.show())


def main():
    checks = Checks()
    bench = require_tools(checks)
    if run([bench.path, "merge", "--help"], timeout=20).rc != 0:
        checks.skip("pvcbench merge was not built (libjansson-dev missing)")
    tmp = tempfile.mkdtemp(prefix="pvcbench-merge-kafka.", dir="/var/tmp")
    try:
        with MockCluster(bench, brokers=3) as mock:
            got = None
            try:
                got = check_produce(checks, bench, mock, tmp)
            except Exception as e:  # noqa: BLE001 - reported as one failed check
                checks.check("the producers' checks ran to their end", [repr(e)])
            if got:
                checks.section(check_consume, checks, bench, mock, tmp, *got)
                checks.section(check_fio, checks, bench, tmp, got[1])
    finally:
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)
    checks.finish()


if __name__ == "__main__":
    main()
