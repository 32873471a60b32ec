// validate.mjs RENDER-DIR KUSTOMIZATION-DIR...: checks the manifests that scripts/k8s-check
// rendered with `kubectl kustomize` (RENDER-DIR/<dir with / as __>.yaml for each directory),
// offline, without a cluster. Prints "  ok: ..." and "  FAILED: ..." lines; exits 1 on a
// failure. For every rendered object:
//   - its schema (kubernetes-models: types, required fields, enums, quantities) and no field
//     the API does not know (a walk over @kubernetes/client-node's attribute type maps);
//     names are DNS-1123
//   - every pod spec meets the restricted Pod Security Standard (non-root, seccomp
//     RuntimeDefault or Localhost, no privilege escalation, capabilities drop ALL, allowed
//     volume types), has a read-only root filesystem and resources, and pvcbench runs as 10001
//   - Jobs run each pod once: backoffLimit 0, or an Indexed Job's backoffLimitPerIndex 0 (one
//     failed index does not stop the others); ttlSecondsAfterFinished, restartPolicy Never
//   - references resolve: ConfigMaps, Secrets and their keys, PVCs, volumes, $(VAR) in args; a
//     Secret not in the output only when the docs tell the user to create it (docs.mjs)
//   - every container's resources are those of docs/kubernetes.md's table, and the concurrent
//     Kafka pairs' sizes those of docs/kubernetes.md and docs/kafka.md (docs.mjs)
//   - every pvcbench container that runs a workload serves live metrics on :9100 with the
//     downward API's labels, its pods annotated for Prometheus (monitoring.mjs); the
//     Prometheus Operator's ServiceMonitor and PodMonitor (no schema in kubernetes-models)
//     checked by hand
// For every kustomization: its JSON6902 patches (and those of the components it uses) really
// took effect in its output (a patch whose target matches nothing still renders), and the
// assertions of each scenario (scenarios.mjs).
import { readFileSync, existsSync } from "node:fs";
import { join, resolve, dirname, basename } from "node:path";
import { yaml, loadAll, modelClass, loadClientNode } from "./deps.mjs";
import * as docs from "./docs.mjs";
import { id, podSpecOf, containersOf, isPvcbench, jobs } from "./objects.mjs";
import { scenarios } from "./scenarios.mjs";
import { metricsProblems, monitorShape, monitoringScenarios } from "./monitoring.mjs";

const [renderDir, ...dirs] = process.argv.slice(2);
if (!renderDir || dirs.length === 0) {
  console.error("usage: validate.mjs RENDER-DIR KUSTOMIZATION-DIR...");
  process.exit(2);
}
const k8s = await loadClientNode();

let failures = 0;
const ok = (msg) => console.log(`  ok: ${msg}`);
const fail = (msg) => {
  console.log(`  FAILED: ${msg}`);
  failures++;
};
// check: one line per assertion group: the problems found, or ok
function check(what, list) {
  const problems = [...new Set(list)];
  if (problems.length === 0) ok(what);
  else fail(`${what}: ${problems.slice(0, 8).join("; ")}${problems.length > 8 ? ` (+${problems.length - 8} more)` : ""}`);
}

const renderFile = (dir) => join(renderDir, `${dir.replace(/\//g, "__")}.yaml`);
const rendered = new Map(); // dir -> objects
for (const dir of dirs) rendered.set(dir, loadAll(readFileSync(renderFile(dir), "utf8")));

// ---- schema and unknown fields -------------------------------------------------------------

const PRIMITIVES = new Set(["string", "number", "boolean", "Date", "any", "object", "IntOrString"]);
// unknownFields PATH VALUE TYPE: the fields of VALUE (of client-node type TYPE) the API lacks
function unknownFields(path, value, type, out) {
  if (value === null || value === undefined) return;
  let m = /^Array<(.+)>$/.exec(type);
  if (m) {
    if (!Array.isArray(value)) return out.push(`${path}: not a list`);
    value.forEach((v, i) => unknownFields(`${path}[${i}]`, v, m[1], out));
    return;
  }
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) {
    for (const [k, v] of Object.entries(value)) unknownFields(`${path}.${k}`, v, m[1], out);
    return;
  }
  if (PRIMITIVES.has(type)) return;
  const cls = k8s[type];
  const map = cls?.getAttributeTypeMap?.() ?? cls?.attributeTypeMap;
  if (!map) return; // a type the walk does not know: kubernetes-models' schema covers it
  if (typeof value !== "object" || Array.isArray(value)) return out.push(`${path}: not an object`);
  const known = new Map(map.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!known.has(k)) out.push(`${path}.${k}: unknown field`);
    else unknownFields(`${path}.${k}`, v, known.get(k), out);
  }
}
const clientType = (apiVersion, kind) => {
  const version = apiVersion.split("/").pop();
  return `${version[0].toUpperCase()}${version.slice(1)}${kind}`;
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateSchema(dir, objs) {
  const problems = [];
  for (const o of objs) {
    if (o.apiVersion?.startsWith("monitoring.coreos.com/")) {
      problems.push(...monitorShape(o)); // the operator's CRDs: no schema here, checked by hand
      continue;
    }
    const Model = modelClass(o.apiVersion, o.kind);
    if (!Model) {
      problems.push(`${id(o)}: no schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (e) {
      problems.push(`${id(o)}: ${String(e.message ?? e).replace(/\s+/g, " ")}`);
    }
    const type = clientType(o.apiVersion, o.kind);
    if (!k8s[type]) problems.push(`${id(o)}: no client-node type ${type}`);
    else unknownFields(id(o), o, type, problems);
    const name = o.metadata?.name ?? "";
    // Job and StatefulSet names end up in label values and pod names: 63 characters at most
    const re = ["Service", "Job", "StatefulSet"].includes(o.kind) ? DNS_LABEL : DNS_SUBDOMAIN;
    if (!re.test(name) || name.length > (re === DNS_LABEL ? 63 : 253)) {
      problems.push(`${id(o)}: name is not a DNS-1123 ${re === DNS_LABEL ? "label" : "subdomain"}`);
    }
    for (const c of podSpecOf(o) ? containersOf(podSpecOf(o)) : []) {
      if (!DNS_LABEL.test(c.name)) problems.push(`${id(o)}: container name ${c.name} is not a DNS-1123 label`);
    }
  }
  check(`${dir}: ${objs.length} objects match the Kubernetes schemas, no unknown fields, DNS-1123 names`, problems);
}

// ---- pod security and resources --------------------------------------------------------

const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

function checkPodSecurity(dir, objs) {
  const problems = [];
  let pods = 0;
  for (const o of objs) {
    const spec = podSpecOf(o);
    if (!spec) continue;
    pods++;
    const where = id(o);
    const psc = spec.securityContext ?? {};
    if (psc.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
    if (!(psc.runAsUser > 0)) problems.push(`${where}: runAsUser is not set to a non-root uid`);
    const sp = psc.seccompProfile;
    if (!sp || !["RuntimeDefault", "Localhost"].includes(sp.type)) problems.push(`${where}: seccompProfile is not RuntimeDefault or Localhost`);
    if (sp?.type === "Localhost" && !sp.localhostProfile) problems.push(`${where}: Localhost seccomp without localhostProfile`);
    for (const k of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[k]) problems.push(`${where}: ${k}`);
    for (const v of spec.volumes ?? []) {
      const type = Object.keys(v).find((k) => k !== "name");
      if (!RESTRICTED_VOLUMES.includes(type)) problems.push(`${where}: volume ${v.name} of type ${type} is not allowed by the restricted standard`);
    }
    if (containersOf(spec).some(isPvcbench) && psc.runAsUser !== 10001) problems.push(`${where}: pvcbench pod does not run as 10001`);
    for (const c of containersOf(spec)) {
      const cw = `${where} container ${c.name}`;
      const sc = c.securityContext ?? {};
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${cw}: allowPrivilegeEscalation is not false`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${cw}: readOnlyRootFilesystem is not true`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${cw}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).some((x) => x !== "NET_BIND_SERVICE")) problems.push(`${cw}: adds capabilities`);
      if (sc.privileged) problems.push(`${cw}: privileged`);
      if (sc.runAsUser === 0 || sc.runAsNonRoot === false) problems.push(`${cw}: runs as root`);
      if (sc.seccompProfile && !["RuntimeDefault", "Localhost"].includes(sc.seccompProfile.type)) problems.push(`${cw}: seccompProfile ${sc.seccompProfile.type}`);
      for (const k of ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]) {
        const [a, b] = k.split(".");
        if (c.resources?.[a]?.[b] === undefined) problems.push(`${cw}: no resources.${k}`);
      }
      if (isPvcbench(c) && c.image !== "localhost/pvcbench:latest") problems.push(`${cw}: image ${c.image}, not localhost/pvcbench:latest (the name users replace with kustomize edit set image)`);
    }
    if (o.kind === "Job") {
      // an Indexed Job may instead fail each index alone; a backoffLimit beside it would still
      // stop every index at the first failures
      const perIndex = o.spec.completionMode === "Indexed" && o.spec.backoffLimitPerIndex === 0;
      if (perIndex && o.spec.backoffLimit !== undefined) problems.push(`${where}: backoffLimit ${o.spec.backoffLimit} beside backoffLimitPerIndex: 0 stops the other indexes`);
      if (!perIndex && o.spec.backoffLimit !== 0) problems.push(`${where}: backoffLimit is not 0 (nor an Indexed Job's backoffLimitPerIndex 0)`);
      if (!(o.spec.ttlSecondsAfterFinished > 0)) problems.push(`${where}: no ttlSecondsAfterFinished`);
      if (spec.restartPolicy !== "Never") problems.push(`${where}: restartPolicy is not Never`);
    }
  }
  // the monitoring kustomizations hold no pods, only what scrapes and shows the others
  const podless = objs.every((o) => ["ConfigMap", "Service", "ServiceMonitor", "PodMonitor"].includes(o.kind));
  if (pods === 0 && !podless) problems.push("no pod spec rendered");
  check(`${dir}: ${pods} pod spec(s) restricted (non-root, seccomp, no escalation, drop ALL, read-only root, resources), Jobs run once`, problems);
}

// ---- references ----------------------------------------------------------------------------

function checkReferences(dir, objs) {
  const problems = [];
  const userSecrets = docs.documentedSecrets(); // made by the user, as the docs say
  const find = (kind, name) => objs.find((o) => o.kind === kind && o.metadata.name === name);
  const keysOf = (o) => new Set([...Object.keys(o?.data ?? {}), ...Object.keys(o?.stringData ?? {})]);
  for (const o of objs) {
    const spec = podSpecOf(o);
    if (!spec) continue;
    const where = id(o);
    const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
    for (const v of spec.volumes ?? []) {
      if (v.persistentVolumeClaim && !find("PersistentVolumeClaim", v.persistentVolumeClaim.claimName)) problems.push(`${where}: PVC ${v.persistentVolumeClaim.claimName} is not in the output`);
      if (v.configMap && !v.configMap.optional && !find("ConfigMap", v.configMap.name)) problems.push(`${where}: ConfigMap ${v.configMap.name} is not in the output`);
      if (v.secret && !v.secret.optional && !find("Secret", v.secret.secretName)) problems.push(`${where}: Secret ${v.secret.secretName} is not in the output`);
    }
    const claimTemplates = new Set((o.spec?.volumeClaimTemplates ?? []).map((t) => t.metadata.name));
    for (const c of containersOf(spec)) {
      const cw = `${where} container ${c.name}`;
      for (const m of [...(c.volumeMounts ?? []), ...(c.volumeDevices ?? [])]) {
        if (!volumes.has(m.name) && !claimTemplates.has(m.name)) problems.push(`${cw}: volume ${m.name} is not declared`);
      }
      const env = new Set();
      for (const e of c.env ?? []) {
        env.add(e.name);
        const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
        if (!ref || ref.optional) continue;
        const kind = e.valueFrom.configMapKeyRef ? "ConfigMap" : "Secret";
        const t = find(kind, ref.name);
        if (!t && kind === "Secret" && userSecrets.has(ref.name)) {
          if (!userSecrets.get(ref.name).has(ref.key)) problems.push(`${cw}: env ${e.name}: the Secret ${ref.name} that ${docs.KUBERNETES_MD} has the user create has no key ${ref.key}`);
        } else if (!t) problems.push(`${cw}: env ${e.name}: ${kind} ${ref.name} is not in the output${kind === "Secret" ? ` (nor created by a kubectl create secret step in ${docs.KUBERNETES_MD})` : ""}`);
        else if (!keysOf(t).has(ref.key)) problems.push(`${cw}: env ${e.name}: ${kind} ${ref.name} has no key ${ref.key}`);
      }
      for (const ef of c.envFrom ?? []) {
        const ref = ef.configMapRef ?? ef.secretRef;
        const kind = ef.configMapRef ? "ConfigMap" : "Secret";
        const t = find(kind, ref.name);
        if (!t && !ref.optional) problems.push(`${cw}: envFrom ${kind} ${ref.name} is not in the output`);
        for (const k of keysOf(t)) env.add(k);
      }
      for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
        for (const [, name] of String(arg).matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          if (!env.has(name)) problems.push(`${cw}: $(${name}) in its arguments is not in its environment`);
        }
      }
    }
  }
  check(`${dir}: references resolve (ConfigMaps, Secrets and keys, PVCs, volumes, $(VAR) in arguments)`, problems);
}

// ---- JSON6902 patches ----------------------------------------------------------------------

// the value at a JSON pointer, or undefined
function pointer(doc, path) {
  let v = doc;
  for (const raw of path.split("/").slice(1)) {
    const t = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (v === null || typeof v !== "object") return undefined;
    v = Array.isArray(v) ? (t === "-" ? v[v.length - 1] : v[Number(t)]) : v[t];
  }
  return v;
}
// patched: does the output value GOT show the patch's value WANT? Names in WANT may have been
// rewritten since, by the kustomization's namePrefix/nameSuffix or a generator's hash suffix
// (pvcbench-jobs -> pvcbench-jobs-raw-block-67fcb6bfbd).
function patched(got, want, k) {
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => patched(got[i], w, k));
  if (want && typeof want === "object") {
    return got !== null && typeof got === "object" && !Array.isArray(got) &&
      Object.keys(got).length === Object.keys(want).length && Object.keys(want).every((key) => patched(got[key], want[key], k));
  }
  if (typeof want === "string" && typeof got === "string" && got !== want) {
    const renamed = `${k.namePrefix ?? ""}${want}${k.nameSuffix ?? ""}`;
    return got === renamed || new RegExp(`^(${escape(want)}|${escape(renamed)})-[a-z0-9]{10}$`).test(got);
  }
  return got === want;
}
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const readKustomization = (dir) => {
  for (const f of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) {
    if (existsSync(join(dir, f))) return yaml.load(readFileSync(join(dir, f), "utf8"));
  }
  return undefined;
};

function checkPatches(dir, objs) {
  const k = readKustomization(dir);
  // the patches of this kustomization and of the components it uses, with the name prefix and
  // suffix they are written before
  const sources = [{ from: dir, k }];
  for (const c of k.components ?? []) sources.push({ from: resolve(dir, c), k: readKustomization(resolve(dir, c)) });
  let count = 0;
  const problems = [];
  for (const { from, k: kz } of sources) {
    for (const p of kz?.patches ?? []) {
      const text = p.patch ?? (p.path ? readFileSync(resolve(from, p.path), "utf8") : "");
      const ops = yaml.load(text);
      if (!Array.isArray(ops)) continue; // a strategic merge patch
      count++;
      const t = p.target ?? {};
      const names = t.name ? [t.name, `${k.namePrefix ?? ""}${t.name}${k.nameSuffix ?? ""}`] : null;
      const targets = objs.filter(
        (o) => (!t.kind || o.kind === t.kind) && (!names || names.includes(o.metadata.name)) &&
          (!t.group || o.apiVersion.startsWith(`${t.group}/`)),
      );
      const what = `patch on ${t.kind ?? "*"}/${t.name ?? "*"} from ${basename(from)}`;
      if (targets.length === 0) {
        problems.push(`${what}: its target matches nothing in the output`);
        continue;
      }
      for (const o of targets) {
        for (const op of ops) {
          const at = `${what} on ${id(o)}: ${op.op} ${op.path}`;
          const got = pointer(o, op.path);
          if (op.op === "add" || op.op === "replace" || op.op === "test") {
            if (!patched(got, op.value, k)) problems.push(`${at}: the output has ${JSON.stringify(got)}`);
          } else if (op.op === "remove") {
            if (!/\/\d+$/.test(op.path) && got !== undefined) problems.push(`${at}: still there`);
          } else if (op.op === "copy" || op.op === "move") {
            if (op.op === "copy" && !patched(got, pointer(o, op.from), k)) problems.push(`${at}: differs from ${op.from}`);
          }
        }
      }
    }
  }
  if (count) check(`${dir}: ${count} JSON6902 patch(es) applied to their targets`, problems);
}

// ---- what the docs say -------------------------------------------------------------------

// checkResourcesDoc: each container's requests and limits are those of docs/kubernetes.md's
// resources table (its row names the object and the container); SEEN collects the pairs found
const resourceRows = docs.resourceTable();
function checkResourcesDoc(dir, objs, seen) {
  const what = `${dir}: every container's resources are those of ${docs.KUBERNETES_MD}'s table`;
  if (typeof resourceRows === "string") return check(what, [resourceRows]);
  const problems = [];
  for (const o of objs) {
    const spec = podSpecOf(o);
    if (!spec) continue;
    for (const c of containersOf(spec)) {
      const cw = `${id(o)} container ${c.name}`;
      const row = resourceRows.find((r) => r.objects.includes(o.metadata.name) && r.containers.includes(c.name));
      if (!row) {
        problems.push(`${cw}: no row of ${docs.KUBERNETES_MD}'s resources table names it`);
        continue;
      }
      seen.add(`${o.metadata.name}/${c.name}`);
      for (const [col, a, b] of docs.RESOURCE_COLUMNS) {
        const got = c.resources?.[a]?.[b];
        const want = row.values[col];
        if (!(docs.quantity(got) === docs.quantity(want))) problems.push(`${cw}: ${a}.${b} ${got}, the docs say ${want}`);
      }
    }
  }
  check(what, problems);
}
// and no row names a container that nothing rendered: a stale row misleads as much
function checkResourcesDocStale(seen) {
  if (typeof resourceRows === "string") return;
  const problems = [];
  for (const r of resourceRows) {
    for (const o of r.objects) for (const c of r.containers) if (!seen.has(`${o}/${c}`)) problems.push(`${o} container ${c} is in the table but not in the manifests`);
  }
  check(`${docs.KUBERNETES_MD}'s resources table names only rendered containers`, problems);
}

// checkKafkaSizesDoc: the concurrent pairs' topics and sizes are those of docs/kubernetes.md's
// table and of docs/kafka.md's commands
function checkKafkaSizesDoc(dir, objs) {
  const problems = [];
  const table = docs.concurrentKafkaTable();
  const commands = docs.concurrentKafkaCommands();
  if (typeof table === "string") problems.push(table);
  for (const j of jobs(objs)) {
    const prod = j.spec.template.spec.initContainers?.find((c) => c.name === "producer");
    const cm = objs.find((o) => o.kind === "ConfigMap" && prod?.envFrom?.some((e) => e.configMapRef?.name === o.metadata.name))?.data ?? {};
    const got = `${cm.KAFKA_RECORDS} records of ${cm.KAFKA_RECORD_SIZE} bytes`;
    const row = typeof table === "string" ? null : table[j.metadata.name];
    if (typeof table !== "string") {
      if (!row) problems.push(`${j.metadata.name} is not in ${docs.KUBERNETES_MD}'s table`);
      else if (row.topic !== cm.KAFKA_TOPIC || `${row.records} records of ${row.size} bytes` !== got) problems.push(`${j.metadata.name}: ${cm.KAFKA_TOPIC}, ${got}; ${docs.KUBERNETES_MD} says ${row.topic}, ${row.records} records of ${row.size} bytes`);
    }
    const pair = /-(\d+)$/.exec(j.metadata.name)?.[1];
    const cmd = commands[pair];
    if (!cmd) problems.push(`${j.metadata.name}: ${docs.KAFKA_MD} has no producer command for pair ${pair} (--topic conc${pair})`);
    else if (`${cmd.records} records of ${cmd.size} bytes` !== got) problems.push(`${j.metadata.name}: ${got}; ${docs.KAFKA_MD} says ${cmd.records} records of ${cmd.size} bytes`);
  }
  check(`${dir}: the pairs' topics and sizes are those of ${docs.KUBERNETES_MD} and ${docs.KAFKA_MD}`, problems);
}

// ---- run -----------------------------------------------------------------------------------

const seen = new Set();
const allScenarios = { ...scenarios, ...monitoringScenarios(rendered, "k8s/monitoring/pvcbench-dashboard.json") };

for (const dir of dirs) {
  const objs = rendered.get(dir);
  validateSchema(dir, objs);
  checkPodSecurity(dir, objs);
  checkReferences(dir, objs);
  checkPatches(dir, objs);
  checkResourcesDoc(dir, objs, seen);
  if (dir === "k8s/scenarios/kafka-concurrent") checkKafkaSizesDoc(dir, objs);
  const metrics = metricsProblems(objs);
  if (objs.some(podSpecOf) && metrics.serving === 0) metrics.problems.push("no pvcbench container runs a workload");
  if (objs.some(podSpecOf)) check(`${dir}: ${metrics.serving} pod spec(s) serve live metrics on :9100 (downward API labels, prometheus.io annotations, port metrics)`, metrics.problems);
  const own = allScenarios[dir];
  if (own) {
    const problems = [];
    own(objs, problems);
    check(`${dir}: the scenario's own assertions`, problems);
  }
}
const missing = Object.keys(allScenarios).filter((d) => !dirs.includes(d));
if (!process.env.VALIDATE_PARTIAL) {
  check("every scenario with assertions was rendered", missing.map((d) => `${d} was not`));
  checkResourcesDocStale(seen);
}
process.exit(failures ? 1 : 0);
