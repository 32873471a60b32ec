// scenarios.mjs: each scenario's own assertions, by the directory it renders from: the white
// paper's values (sizes, run times, commands), the raw block device and the region its job file
// addresses, the Indexed Job's spread, volumes and per-index failures, the seccomp profile,
// PostgreSQL's password from a Secret the user made, the Kafka producer/consumer pairs, and the
// failover scenarios (failover.mjs).
// Each is (objects, problems) => void, pushing one line per problem found.
import { readFileSync, existsSync } from "node:fs";
import { join, basename } from "node:path";
import { modelClass, loadClientNode } from "./deps.mjs";
import * as docs from "./docs.mjs";
import { id, containersOf, isPvcbench, jobs, pvcs, envOf } from "./objects.mjs";
import { failoverBlock, failoverPostgres, failoverKafka } from "./failover.mjs";

const k8s = await loadClientNode();

function seedFio(objs, problems, { pvc = true } = {}) {
  const [job] = jobs(objs);
  const c = job?.spec.template.spec.containers[0];
  if (!c) return problems.push("no Job");
  const env = envOf(c);
  if (env.FIO_SIZE !== "10G") problems.push(`FIO_SIZE ${env.FIO_SIZE}, not the white paper's 10G`);
  if (env.RUN_TIME !== "900s") problems.push(`RUN_TIME ${env.RUN_TIME}, not the white paper's 900s`);
  if (env.FIO_MOUNTPOINT !== "/data") problems.push(`FIO_MOUNTPOINT ${env.FIO_MOUNTPOINT}, not /data`);
  if (pvc) {
    const [claim] = pvcs(objs);
    if (claim?.spec.resources.requests.storage !== "50Gi") problems.push("the PVC is not 50Gi");
    if (!(c.volumeMounts ?? []).some((m) => m.mountPath === "/data")) problems.push("nothing mounted at /data");
  }
}

// fioSections TEXT: a fio job file's sections, Map NAME -> {key: value}
function fioSections(text) {
  const out = new Map();
  let cur = null;
  for (const line of text.split("\n")) {
    const head = /^\[([^\]]+)\]\s*$/.exec(line);
    const kv = /^([a-z_]+)=(.*)$/.exec(line);
    if (head) out.set(head[1], (cur = {}));
    else if (kv && cur) cur[kv[1]] = kv[2].trim();
  }
  return out;
}
// fioSize TEXT: a fio size ("10G", "500M", "4k", bytes) in bytes: fio's suffixes are powers of
// 1024 (kb_base=1024), with an optional i or iB; NaN when it is not one
function fioSize(text) {
  const m = /^([0-9]+)([kmgtp]?)(i?b?)$/i.exec(String(text ?? "").trim());
  return m ? Number(m[1]) * 1024 ** " kmgtp".indexOf(m[2].toLowerCase() || " ") : NaN;
}

export const scenarios = {
  "k8s/base": (objs, p) => seedFio(objs, p),
  "k8s/scenarios/fio-summary": (objs, p) => {
    seedFio(objs, p);
    if (jobs(objs)[0]?.spec.template.spec.containers[0].args) p.push("arguments given: the default job is the FIO Summary");
  },
  "k8s/overlays/seccomp-io-uring": (objs, p) => {
    seedFio(objs, p);
    const sp = jobs(objs)[0]?.spec.template.spec.securityContext.seccompProfile;
    if (sp?.type !== "Localhost") p.push("the pod's seccomp profile is not Localhost");
    const file = join("k8s/overlays/seccomp-io-uring", basename(sp?.localhostProfile ?? ""));
    if (!existsSync(file)) return p.push(`the profile ${sp?.localhostProfile} is not in k8s/overlays/seccomp-io-uring`);
    const prof = JSON.parse(readFileSync(file, "utf8"));
    const uring = ["io_uring_setup", "io_uring_enter", "io_uring_register"];
    for (const name of uring) {
      const rules = prof.syscalls.filter((s) => s.names.includes(name) && !(s.includes?.caps?.length) && !(s.args?.length));
      if (!rules.some((s) => s.action === "SCMP_ACT_ALLOW")) p.push(`${file} does not allow ${name}`);
      if (rules.some((s) => s.action !== "SCMP_ACT_ALLOW")) p.push(`${file} also refuses ${name}`);
    }
    if (!["SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS"].includes(prof.defaultAction)) p.push(`${file}: its default action ${prof.defaultAction} allows what the runtime's default refuses`);
  },
  "k8s/scenarios/raw-block": (objs, p) => {
    seedFio(objs, p, { pvc: false });
    const [claim] = pvcs(objs);
    if (claim?.spec.volumeMode !== "Block") p.push("the PVC's volumeMode is not Block");
    const spec = jobs(objs)[0].spec.template.spec;
    const c = spec.containers[0];
    const dataVol = spec.volumes.find((v) => v.persistentVolumeClaim?.claimName === claim?.metadata.name);
    const dev = (c.volumeDevices ?? []).find((d) => d.name === dataVol?.name);
    if (!dev) p.push("the PVC is not a volumeDevice of the container");
    if ((c.volumeMounts ?? []).some((m) => m.name === dataVol?.name)) p.push("the block PVC is also mounted");
    const [cmd, jobfile] = c.args ?? [];
    if (cmd !== "fio" || !jobfile) return p.push("the container does not run pvcbench fio JOBFILE");
    const mount = (c.volumeMounts ?? []).find((m) => jobfile.startsWith(`${m.mountPath}/`));
    const vol = spec.volumes.find((v) => v.name === mount?.name);
    const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === vol?.configMap?.name);
    const text = cm?.data?.[basename(jobfile)];
    if (!text) return p.push(`the job file ${jobfile} is not in a mounted ConfigMap`);
    if (!/^force=1$/m.test(text)) p.push("the job file does not set force=1 (pvcbench will not write to a device without it)");
    const fn = /^filename=(.*)$/m.exec(text)?.[1];
    if (fn !== dev?.devicePath) p.push(`the job file's filename ${fn} is not the devicePath ${dev?.devicePath}`);
    // every ${VAR} from the Job itself: a default of the image is not in the manifests, so
    // what the device must hold could not be read from them
    const env = envOf(c);
    for (const [, v] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      if (!(v in env)) p.push(`the job file uses \${${v}}, which the Job does not set`);
    }
    // and the region the jobs address fits the volume: clone N of a job with numjobs and
    // offset_increment starts at N * offset_increment and covers size
    const expand = (t) => t.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v) => env[v] ?? "");
    const sections = fioSections(expand(text));
    const global = sections.get("global") ?? {};
    sections.delete("global");
    let need = 0;
    for (const [name, sec] of sections) {
      const o = { ...global, ...sec };
      const end = (Number(o.numjobs ?? 1) - 1) * fioSize(o.offset_increment ?? "0") + fioSize(o.offset ?? "0") + fioSize(o.size);
      if (Number.isNaN(end)) p.push(`job ${name}: size ${o.size}, offset_increment ${o.offset_increment} or numjobs ${o.numjobs} is not a number`);
      else need = Math.max(need, end);
    }
    const have = docs.quantity(claim?.spec.resources.requests.storage);
    if (!(need > 0 && need <= have)) p.push(`the jobs address ${(need / 2 ** 30).toFixed(2)} GiB, the PVC holds ${claim?.spec.resources.requests.storage}`);
  },
  "k8s/scenarios/scale-out": (objs, p) => {
    seedFio(objs, p, { pvc: false });
    const job = jobs(objs)[0];
    const spec = job.spec.template.spec;
    if (job.spec.completionMode !== "Indexed") p.push("completionMode is not Indexed");
    if (!(job.spec.completions >= 2) || job.spec.completions !== job.spec.parallelism) p.push("completions and parallelism are not the same N >= 2");
    const labels = job.spec.template.metadata?.labels ?? {};
    const matches = (sel) => sel && Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && Object.keys(sel.matchLabels ?? {}).length > 0;
    const spread = (spec.topologySpreadConstraints ?? []).some((t) => t.topologyKey === "kubernetes.io/hostname" && t.whenUnsatisfiable === "DoNotSchedule" && matches(t.labelSelector));
    const anti = (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some((t) => t.topologyKey === "kubernetes.io/hostname" && matches(t.labelSelector));
    if (!spread && !anti) p.push("no spread over kubernetes.io/hostname that selects the Job's own pods");
    if (spec.volumes.some((v) => v.persistentVolumeClaim)) p.push("a PVC is shared by all the pods");
    const data = spec.volumes.find((v) => v.name === spec.containers[0].volumeMounts?.find((m) => m.mountPath === "/data")?.name);
    if (!data?.ephemeral?.volumeClaimTemplate?.spec?.resources?.requests?.storage) p.push("/data is not a generic ephemeral volume with a size");
    const c = spec.containers[0];
    if (!(c.args ?? []).includes("--output-format=json")) p.push("the pods do not print --output-format=json");
    const start = (c.env ?? []).find((e) => e.name === "PVCBENCH_START_AT");
    if (!start?.valueFrom?.configMapKeyRef) p.push("PVCBENCH_START_AT does not come from a ConfigMap (set once)");
    // one pod that fails must not stop the others: each index fails alone
    if (job.spec.backoffLimitPerIndex !== 0) p.push(`backoffLimitPerIndex is ${job.spec.backoffLimitPerIndex}, not 0: a failed pod is retried or stops the others`);
    if (job.spec.backoffLimit !== undefined) p.push(`backoffLimit ${job.spec.backoffLimit}: the first failures stop every pod`);
    const maxFailed = job.spec.maxFailedIndexes;
    if (maxFailed !== undefined && !(maxFailed >= 1 && maxFailed <= job.spec.completions)) p.push(`maxFailedIndexes ${maxFailed} is not within 1..completions`);
    schemaKnowsPerIndex(p);
  },
  "k8s/scenarios/postgres": (objs, p) => {
    postgresPassword(objs, p);
    const sts = objs.find((o) => o.kind === "StatefulSet");
    if (sts?.spec.volumeClaimTemplates?.[0]?.spec.resources.requests.storage !== "200Gi") p.push("the StatefulSet's volume is not 200Gi");
    const pg = sts?.spec.template.spec.containers[0];
    if (!/^docker\.io\/library\/postgres:15$|^postgres:15$/.test(pg?.image ?? "")) p.push(`the server is ${pg?.image}, not postgres:15`);
    const maxc = /^max_connections=(\d+)$/.exec((pg?.args ?? []).find((a) => a.startsWith("max_connections=")) ?? "");
    if (!maxc || Number(maxc[1]) < 104) p.push("max_connections leaves no room for the big test's 100 clients");
    const svc = objs.find((o) => o.kind === "Service");
    const podLabels = sts?.spec.template.metadata.labels ?? {};
    if (!svc || !Object.entries(svc.spec.selector).every(([k, v]) => podLabels[k] === v)) p.push("the Service does not select the server's pod");
    const job = jobs(objs)[0];
    const spec = job?.spec.template.spec;
    const steps = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
    const want = [
      ["wait-for-postgres", null],
      ["init", "pgbench -i -s 400"],
      ["small-test", "pgbench -c 1 -j 1 -t 10"],
      ["big-test", "pgbench -c 100 -j 4 -t 10000"],
    ];
    if (steps.map((c) => c.name).join(",") !== want.map((w) => w[0]).join(",")) p.push(`the steps are ${steps.map((c) => c.name).join(",")}`);
    for (const [name, args] of want) {
      const c = steps.find((s) => s.name === name);
      if (args && !(c?.args ?? []).join(" ").startsWith(args)) p.push(`${name} does not run ${args}`);
    }
    if ((spec?.containers ?? []).length !== 1) p.push("more than one main container: they would run at the same time");
    const cm = objs.find((o) => o.kind === "ConfigMap" && steps[1]?.envFrom?.some((e) => e.configMapRef?.name === o.metadata.name));
    if (cm?.data?.PGHOST !== svc?.metadata.name) p.push(`PGHOST ${cm?.data?.PGHOST} is not the Service ${svc?.metadata.name}`);
    if (cm?.data?.PGDATABASE !== "userdb") p.push("the database is not userdb");
  },
  "k8s/scenarios/kafka": (objs, p) => kafkaPairs(objs, p, 1),
  "k8s/scenarios/kafka-concurrent": (objs, p) => kafkaPairs(objs, p, 3),
  "k8s/scenarios/failover-block": failoverBlock,
  "k8s/scenarios/failover-postgres": (objs, p) => {
    postgresPassword(objs, p, 3);
    failoverPostgres(objs, p);
  },
  "k8s/scenarios/failover-kafka": failoverKafka,
};

// schemaKnowsPerIndex: the offline validation really checks backoffLimitPerIndex and
// maxFailedIndexes: the schema refuses them with a wrong type (a schema without the fields would
// let anything through) and the unknown-field walk knows them
function schemaKnowsPerIndex(p) {
  const Job = modelClass("batch/v1", "Job");
  const known = new Set((k8s.V1JobSpec.getAttributeTypeMap?.() ?? k8s.V1JobSpec.attributeTypeMap).map((a) => a.baseName));
  for (const field of ["backoffLimitPerIndex", "maxFailedIndexes"]) {
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "probe" }, spec: { completionMode: "Indexed", [field]: "not a number", template: { spec: { containers: [{ name: "c", image: "i" }] } } } };
    let refused = false;
    try {
      new Job(job).validate();
    } catch {
      refused = true;
    }
    if (!refused) p.push(`the kubernetes-models schema does not check spec.${field}: it needs a newer kubernetes-models`);
    if (!known.has(field)) p.push(`@kubernetes/client-node's V1JobSpec does not know ${field}: it needs a newer client-node`);
  }
}

// postgresPassword: no password in the output (no Secret with data at all), and the server and
// every pgbench step read theirs from one Secret that the docs have the user create
function postgresPassword(objs, p, readersWanted = 4) {
  for (const o of objs.filter((x) => x.kind === "Secret")) {
    if (Object.keys(o.data ?? {}).length || Object.keys(o.stringData ?? {}).length) p.push(`${id(o)} holds literal data (${Object.keys({ ...o.data, ...o.stringData }).join(", ")}): a password in the repository`);
  }
  const sts = objs.find((o) => o.kind === "StatefulSet");
  const pgbench = jobs(objs)[0]?.spec.template.spec;
  const readers = [
    [sts?.spec.template.spec.containers.find((c) => c.name === "postgres"), "POSTGRES_PASSWORD"],
    ...containersOf(pgbench ?? {}).filter(isPvcbench).map((c) => [c, "PGPASSWORD"]),
  ];
  if (readers.length < readersWanted) p.push(`not the server and ${readersWanted - 1} pgbench steps to read the password`);
  const refs = new Set();
  for (const [c, name] of readers) {
    const e = (c?.env ?? []).find((x) => x.name === name);
    const ref = e?.valueFrom?.secretKeyRef;
    if (!ref) {
      p.push(`${c?.name}: ${name} is not read from a secretKeyRef${e && "value" in e ? " (a literal value)" : ""}`);
      continue;
    }
    if (ref.optional) p.push(`${c.name}: ${name}'s Secret is optional: without it the server would start without a password`);
    refs.add(`${ref.name}/${ref.key}`);
  }
  if (refs.size > 1) p.push(`the password comes from different Secrets or keys: ${[...refs].join(", ")}`);
  const [ref] = refs;
  const [name, key] = (ref ?? "/").split("/");
  if (ref && !docs.documentedSecrets().get(name)?.has(key)) p.push(`${docs.KUBERNETES_MD} does not tell the user to create the Secret ${name} with key ${key} (kubectl create secret generic ${name} --from-literal=${key}=...)`);
}

function kafkaPairs(objs, p, n) {
  const js = jobs(objs);
  if (js.length !== n) p.push(`${js.length} Jobs, not ${n}`);
  const topics = new Set(), bootstraps = new Set(), starts = new Set();
  for (const j of js) {
    const spec = j.spec.template.spec;
    const prod = spec.initContainers?.find((c) => c.name === "producer");
    const cons = spec.containers.find((c) => c.name === "consumer");
    if (!prod || !cons || spec.containers.length !== 1) {
      p.push(`${j.metadata.name}: not a producer init container followed by a consumer`);
      continue;
    }
    if (prod.args.slice(0, 2).join(" ") !== "kafka produce" || cons.args.slice(0, 2).join(" ") !== "kafka consume") p.push(`${j.metadata.name}: not kafka produce then kafka consume`);
    const cm = objs.find((o) => o.kind === "ConfigMap" && prod.envFrom?.some((e) => e.configMapRef?.name === o.metadata.name));
    if (!cm?.data?.KAFKA_BOOTSTRAP) p.push(`${j.metadata.name}: no KAFKA_BOOTSTRAP`);
    bootstraps.add(cm?.data?.KAFKA_BOOTSTRAP);
    topics.add(cm?.data?.KAFKA_TOPIC);
    for (const c of [prod, cons]) {
      const i = c.args.indexOf("--bootstrap-server");
      if (c.args[i + 1] !== "$(KAFKA_BOOTSTRAP)") p.push(`${j.metadata.name} ${c.name}: --bootstrap-server is not $(KAFKA_BOOTSTRAP)`);
    }
    const start = prod.env?.find((e) => e.name === "PVCBENCH_START_AT")?.valueFrom?.configMapKeyRef;
    starts.add(start?.name);
    if ((cons.env ?? []).some((e) => e.name === "PVCBENCH_START_AT")) p.push(`${j.metadata.name}: the consumer waits for the producers' start time too`);
  }
  if (bootstraps.size !== 1) p.push("the pairs do not share one bootstrap");
  if (topics.size !== js.length) p.push("the pairs do not each have their own topic");
  if (n > 1) {
    const [name] = starts;
    const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === name);
    if (starts.size !== 1 || !cm || !("PVCBENCH_START_AT" in (cm.data ?? {}))) p.push("the producers do not share one PVCBENCH_START_AT from a ConfigMap");
  }
}
