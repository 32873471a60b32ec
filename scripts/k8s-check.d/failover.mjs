// failover.mjs: the failover scenarios' own assertions (k8s/scenarios/failover-*), used by
// scenarios.mjs. What k8s/failover.sh and docs/kubernetes.md rely on: the exact pvcbench command
// lines of the writer, its check before write, the witness and the checker; the journal and the witness's ledger on volumes of
// their own, the witness never on the writer's node, the checker on the writer's data volume and
// applied suspended; the pgbench client off the server's node, reconnecting, checking, in JSON;
// the Kafka producer and consumer sharing the acknowledged set, with acks=all and idempotence.
// Each is (objects, problems) => void.
import { containersOf, jobs, envOf } from "./objects.mjs";

const WRITER =
  "pvcbench fio --name=writer --directory=/data --rw=randwrite --bs=4k --size=1G --direct=1 " +
  "--iodepth=16 --time_based --runtime=${RUN_TIME} --verify=crc32c --do_verify=0 --keep=1 " +
  "--ack_journal=/journal/ack-${POD_NAME}.log --ack_witness=pvcbench-witness:7070 " +
  "--stall-threshold=1s --output-format=json --output=/journal/writer-${POD_NAME}-$(date +%s).json";
const BEFORE_WRITE =
  "[ -s /journal/ack-${POD_NAME}.log ] || exit 0; exec pvcbench fio --name=writer --directory=/data " +
  "--rw=randwrite --bs=4k --size=1G --verify=crc32c --verify_only=1 --keep=1 " +
  "--ack_journal=/journal/ack-${POD_NAME}.log --ack_witness=pvcbench-witness:7070 --output-format=json " +
  "--output=/journal/check-before-write-${POD_NAME}-$(date +%s).json";
const WITNESS = "witness --listen 0.0.0.0:7070 --dir /witness";
const CHECKER =
  "fio --name=writer --directory=/data --rw=randwrite --bs=4k --size=1G --verify=crc32c " +
  "--verify_only=1 --keep=1 --ack_witness=pvcbench-witness:7070 --output-format=json --output=/journal/checker.json";

const words = (a) => (a ?? []).join(" ").replace(/\s+/g, " ").trim();
const find = (objs, kind, name) => objs.find((o) => o.kind === kind && o.metadata.name === name);
// claimAt SPEC CONTAINER PATH: the PVC mounted at PATH in the container, or undefined
function claimAt(spec, c, path) {
  const m = (c?.volumeMounts ?? []).find((v) => v.mountPath === path);
  return (spec?.volumes ?? []).find((v) => v.name === m?.name)?.persistentVolumeClaim?.claimName;
}
// selects SELECTOR LABELS: a label selector's matchLabels all hold in LABELS (and it has some)
const selects = (sel, labels) =>
  Object.keys(sel?.matchLabels ?? {}).length > 0 &&
  Object.entries(sel.matchLabels).every(([k, v]) => labels?.[k] === v) &&
  !(sel.matchExpressions?.length);
// keptOff SPEC LABELS: a required pod anti-affinity per node against pods with LABELS
const keptOff = (spec, labels) =>
  (spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(
    (t) => t.topologyKey === "kubernetes.io/hostname" && selects(t.labelSelector, labels),
  );

export function failoverBlock(objs, p) {
  const sts = find(objs, "StatefulSet", "pvcbench-writer");
  const wit = find(objs, "Deployment", "pvcbench-witness");
  const svc = find(objs, "Service", "pvcbench-witness");
  const checker = find(objs, "Job", "pvcbench-failover-checker");
  const results = find(objs, "Job", "pvcbench-failover-results");
  if (!sts || !wit || !svc || !checker || !results) {
    return p.push("not StatefulSet pvcbench-writer, Deployment and Service pvcbench-witness, Jobs pvcbench-failover-checker and pvcbench-failover-results");
  }
  // the writer
  const ws = sts.spec.template.spec;
  const writer = ws.containers.find((c) => c.name === "writer");
  if (sts.spec.replicas !== 1) p.push(`the writer has ${sts.spec.replicas} replicas, not 1`);
  const cmd = writer?.command ?? [];
  if (cmd.length !== 3 || cmd[0] !== "/bin/sh" || cmd[1] !== "-c") p.push("the writer is not run by /bin/sh -c");
  else if (words([cmd[2]]) !== `exec ${WRITER}`) p.push(`the writer runs "${words([cmd[2]])}", not "exec ${WRITER}"`);
  const env = envOf(writer ?? {});
  if (!/^[1-9][0-9]*s$/.test(env.RUN_TIME ?? "")) p.push(`the writer's RUN_TIME ${env.RUN_TIME} is not a number of seconds`);
  const podName = (writer?.env ?? []).find((e) => e.name === "POD_NAME")?.valueFrom?.fieldRef?.fieldPath;
  if (podName !== "metadata.name") p.push("the writer's POD_NAME is not its pod's name");
  const data = claimAt(ws, writer, "/data");
  const journal = claimAt(ws, writer, "/journal");
  if (!data || !journal) p.push("the writer has no PVC at /data or /journal");
  if (data && data === journal) p.push("the journal is on the data volume");
  // each start after the first checks the interrupted run before writing over it
  const inits = (ws.initContainers ?? []).map((c) => c.name).join(",");
  if (inits !== "wait-for-witness,check-before-write") p.push(`the writer's init containers are ${inits}, not wait-for-witness,check-before-write`);
  const before = (ws.initContainers ?? []).find((c) => c.name === "check-before-write");
  const bcmd = before?.command ?? [];
  if (bcmd[0] !== "/bin/sh" || bcmd[1] !== "-c" || words([bcmd[2]]) !== BEFORE_WRITE) p.push(`check-before-write runs "${words([bcmd[2]])}", not "${BEFORE_WRITE}"`);
  if (claimAt(ws, before, "/data") !== data || claimAt(ws, before, "/journal") !== journal) p.push("check-before-write does not mount the writer's data and journal PVCs");
  if ((before?.env ?? []).find((e) => e.name === "POD_NAME")?.valueFrom?.fieldRef?.fieldPath !== "metadata.name") p.push("check-before-write's POD_NAME is not its pod's name");
  // the witness, off the writer's node, on a volume of its own, behind the Service the writer names
  const ps = wit.spec.template.spec;
  const w = ps.containers[0];
  if (words(w.args) !== WITNESS) p.push(`the witness runs "${words(w.args)}", not "${WITNESS}"`);
  const ledger = claimAt(ps, w, "/witness");
  if (!ledger) p.push("the witness has no PVC at /witness");
  if (ledger && (ledger === data || ledger === journal)) p.push("the witness's ledger shares a volume with the writer");
  if (!keptOff(ps, sts.spec.template.metadata.labels)) p.push("the witness has no required anti-affinity per node on the writer's labels");
  if (wit.spec.replicas !== 1 || wit.spec.strategy?.type !== "Recreate") p.push("the witness is not one replica with the Recreate strategy (its volume is ReadWriteOnce)");
  if (!selects({ matchLabels: svc.spec.selector }, wit.spec.template.metadata.labels)) p.push("the Service pvcbench-witness does not select the witness");
  const port = svc.spec.ports?.find((x) => x.port === 7070);
  const cport = (w.ports ?? []).find((x) => x.containerPort === 7070);
  if (!port || !cport || (port.targetPort !== 7070 && port.targetPort !== cport.name)) p.push("the Service's port 7070 does not reach the witness's 7070");
  // the checker on the writer's volumes, suspended until the writer is stopped
  const cs = checker.spec.template.spec;
  const c = cs.containers[0];
  if (checker.spec.suspend !== true) p.push("the checker Job is not suspended: it would run at once, beside the writer");
  if (words(c.args) !== CHECKER) p.push(`the checker runs "${words(c.args)}", not "${CHECKER}"`);
  if (claimAt(cs, c, "/data") !== data) p.push("the checker's /data is not the writer's data PVC");
  if (claimAt(cs, c, "/journal") !== journal) p.push("the checker's /journal is not the writer's journal PVC");
  // the results holder: the journal, read-only
  const rs = results.spec.template.spec;
  const r = rs.containers[0];
  if (results.spec.suspend !== true) p.push("the results Job is not suspended");
  const rm = (r.volumeMounts ?? []).find((m) => m.mountPath === "/journal");
  if (claimAt(rs, r, "/journal") !== journal || rm?.readOnly !== true) p.push("the results Job does not mount the journal PVC read-only at /journal");
}

export function failoverPostgres(objs, p) {
  const sts = objs.find((o) => o.kind === "StatefulSet");
  const svc = objs.find((o) => o.kind === "Service");
  const [job] = jobs(objs);
  const spec = job?.spec.template.spec;
  if (!sts || !svc || !job) return p.push("not a StatefulSet, a Service and a Job");
  if (sts.spec.replicas !== 1) p.push("the server has more than one replica");
  if (!sts.spec.volumeClaimTemplates?.[0]?.spec.resources.requests.storage) p.push("the server's volume is not a volumeClaimTemplate");
  const labels = sts.spec.template.metadata.labels;
  if (!selects({ matchLabels: svc.spec.selector }, labels)) p.push("the Service does not select the server");
  if (svc.spec.clusterIP !== "None") p.push("the Service is not headless");
  if (!keptOff(spec, labels)) p.push("the client Job has no required anti-affinity per node on the server's labels");
  const steps = containersOf(spec ?? {}).map((c) => c.name).join(",");
  if (steps !== "wait-for-postgres,init,client") p.push(`the steps are ${steps}, not wait-for-postgres,init,client`);
  const client = spec.containers.find((c) => c.name === "client");
  const args = words(client?.args);
  if (!args.startsWith("pgbench -c 8 -j 2 -T $(RUN_TIME) ")) p.push(`the client runs "${args}", not pgbench -c 8 -j 2 -T $(RUN_TIME) ...`);
  for (const want of ["--on-error=reconnect", "--timeout=300", "--stall-threshold=1s", "--check", "--output-format=json"]) {
    if (!(client?.args ?? []).includes(want)) p.push(`the client does not run with ${want}`);
  }
  const runTime = Number(envOf(client ?? {}).RUN_TIME);
  if (!(runTime >= 300)) p.push(`RUN_TIME ${envOf(client ?? {}).RUN_TIME}: not the 300 s or more a drain and a move take`);
  const cm = objs.find((o) => o.kind === "ConfigMap" && client?.envFrom?.some((e) => e.configMapRef?.name === o.metadata.name));
  if (cm?.data?.PGHOST !== svc.metadata.name) p.push(`PGHOST ${cm?.data?.PGHOST} is not the Service ${svc.metadata.name}`);
}

export function failoverKafka(objs, p) {
  const [job] = jobs(objs);
  const spec = job?.spec.template.spec;
  const prod = spec?.initContainers?.find((c) => c.name === "producer");
  const cons = spec?.containers.find((c) => c.name === "consumer");
  if (!prod || !cons || spec.containers.length !== 1) return p.push("not a producer init container followed by a consumer");
  if (words(prod.args.slice(0, 2)) !== "kafka produce" || words(cons.args.slice(0, 2)) !== "kafka consume") p.push("not kafka produce then kafka consume");
  for (const c of [prod, cons]) {
    if (!c.args.includes("--verify=/results/acked.bin")) p.push(`the ${c.name} does not run with --verify=/results/acked.bin`);
    const i = c.args.indexOf("--bootstrap-server");
    if (c.args[i + 1] !== "$(KAFKA_BOOTSTRAP)") p.push(`the ${c.name}'s --bootstrap-server is not $(KAFKA_BOOTSTRAP)`);
    const m = (c.volumeMounts ?? []).find((v) => v.mountPath === "/results");
    const vol = spec.volumes?.find((v) => v.name === m?.name);
    if (!vol?.emptyDir) p.push(`the ${c.name} has no emptyDir at /results`);
  }
  const vp = (prod.volumeMounts ?? []).find((v) => v.mountPath === "/results")?.name;
  const vc = (cons.volumeMounts ?? []).find((v) => v.mountPath === "/results")?.name;
  if (vp !== vc) p.push("the producer and the consumer do not share /results");
  const props = prod.args.slice(prod.args.indexOf("--producer-props") + 1);
  for (const want of ["acks=all", "enable.idempotence=true"]) if (!props.includes(want)) p.push(`the producer does not run with ${want}`);
  if (!prod.args.includes("--stall-threshold=1s")) p.push("the producer does not run with --stall-threshold=1s");
  const cm = objs.find((o) => o.kind === "ConfigMap" && prod.envFrom?.some((e) => e.configMapRef?.name === o.metadata.name))?.data ?? {};
  if (!(Number(cm.KAFKA_REPLICATION_FACTOR) >= 3)) p.push(`replication factor ${cm.KAFKA_REPLICATION_FACTOR}: a topic needs 3 replicas to lose a broker with acks=all`);
  const seconds = Number(cm.KAFKA_RECORDS) / Number(cm.KAFKA_THROUGHPUT);
  if (!(seconds >= 300)) p.push(`${cm.KAFKA_RECORDS} records at ${cm.KAFKA_THROUGHPUT}/s last ${seconds} s: not the 300 s or more a drain and a move take`);
  if (!(spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some((t) => t.topologyKey === "kubernetes.io/hostname")) p.push("the client has no required anti-affinity per node (off the brokers' nodes)");
}
