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
//   - Jobs: backoffLimit 0, ttlSecondsAfterFinished, restartPolicy Never
//   - references resolve: ConfigMaps, Secrets and their keys, PVCs, volumes, $(VAR) in args
// For every kustomization: its JSON6902 patches (and those of the components it uses) really
// took effect in its output (a patch whose target matches nothing still renders), and the
// assertions of each scenario (the white paper's values, raw block, Indexed Job, seccomp).
import { readFileSync, existsSync } from "node:fs";
import { join, resolve, dirname, basename } from "node:path";
import { yaml, loadAll, modelClass, loadClientNode } from "./deps.mjs";

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
function check(what, problems) {
  if (problems.length === 0) ok(what);
  else fail(`${what}: ${problems.slice(0, 8).join("; ")}${problems.length > 8 ? ` (+${problems.length - 8} more)` : ""}`);
}

const renderFile = (dir) => join(renderDir, `${dir.replace(/\//g, "__")}.yaml`);
const rendered = new Map(); // dir -> objects
for (const dir of dirs) rendered.set(dir, loadAll(readFileSync(renderFile(dir), "utf8")));
const id = (o) => `${o.kind}/${o.metadata?.name}`;

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

function podSpecOf(o) {
  if (o.kind === "Pod") return o.spec;
  if (["Job", "StatefulSet", "Deployment", "DaemonSet", "ReplicaSet"].includes(o.kind)) return o.spec?.template?.spec;
  if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}
const containersOf = (spec) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
const isPvcbench = (c) => /(^|\/)pvcbench(:|@|$)/.test(c.image ?? "");
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
      if (o.spec.backoffLimit !== 0) problems.push(`${where}: backoffLimit is not 0`);
      if (!(o.spec.ttlSecondsAfterFinished > 0)) problems.push(`${where}: no ttlSecondsAfterFinished`);
      if (spec.restartPolicy !== "Never") problems.push(`${where}: restartPolicy is not Never`);
    }
  }
  if (pods === 0) problems.push("no pod spec rendered");
  check(`${dir}: ${pods} pod spec(s) restricted (non-root, seccomp, no escalation, drop ALL, read-only root, resources), Jobs run once`, problems);
}

// ---- references ----------------------------------------------------------------------------

function checkReferences(dir, objs) {
  const problems = [];
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
        if (!t) problems.push(`${cw}: env ${e.name}: ${kind} ${ref.name} is not in the output`);
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

// ---- the scenarios' own assertions ---------------------------------------------------------

const jobs = (objs) => objs.filter((o) => o.kind === "Job");
const envOf = (c) => Object.fromEntries((c.env ?? []).filter((e) => "value" in e).map((e) => [e.name, e.value]));
const pvcs = (objs) => objs.filter((o) => o.kind === "PersistentVolumeClaim");

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

const scenarios = {
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
    for (const [, v] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      if (!["FIO_SIZE", "RUN_TIME", "FIO_OFFSET_INCREMENT"].includes(v)) p.push(`the job file uses \${${v}}, which neither the Job nor the image sets`);
    }
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
  },
  "k8s/scenarios/postgres": (objs, p) => {
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
};

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

// ---- run -----------------------------------------------------------------------------------

for (const dir of dirs) {
  const objs = rendered.get(dir);
  validateSchema(dir, objs);
  checkPodSecurity(dir, objs);
  checkReferences(dir, objs);
  checkPatches(dir, objs);
  const own = scenarios[dir];
  if (own) {
    const problems = [];
    own(objs, problems);
    check(`${dir}: the scenario's own assertions`, problems);
  }
}
const missing = Object.keys(scenarios).filter((d) => !dirs.includes(d));
if (!process.env.VALIDATE_PARTIAL) check("every scenario with assertions was rendered", missing.map((d) => `${d} was not`));
process.exit(failures ? 1 : 0);
