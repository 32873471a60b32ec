// job-to-pod.mjs RENDERED.yaml POD-NAME [NAME=VALUE ...]: the first Job of a rendered manifest
// as something `podman kube play` runs (it ignores kind: Job): the Job's pod template as a Pod
// named POD-NAME, preceded by the PVCs it mounts (podman makes them volumes, owned by the pod's
// runAsUser and fsGroup as a kubelet would make them writable). NAME=VALUE pairs replace (or
// add) environment variables of every container. The downward API's fields that podman (4.3)
// cannot fill and refuses the pod for (spec.nodeName, metadata.namespace) become the values a
// kubelet would give: this host's name and the namespace "default".
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { yaml, loadAll } from "./deps.mjs";

const [file, podName, ...sets] = process.argv.slice(2);
if (!file || !podName) {
  console.error("usage: job-to-pod.mjs RENDERED.yaml POD-NAME [NAME=VALUE ...]");
  process.exit(2);
}
const docs = loadAll(readFileSync(file, "utf8"));
const job = docs.find((d) => d.kind === "Job");
if (!job) {
  console.error(`${file}: no Job`);
  process.exit(1);
}
const tmpl = structuredClone(job.spec.template);
const spec = tmpl.spec;
const env = sets.map((s) => {
  const i = s.indexOf("=");
  return { name: s.slice(0, i), value: s.slice(i + 1) };
});
const KUBELET_FIELDS = { "spec.nodeName": hostname(), "metadata.namespace": "default" };
for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
  c.env = (c.env ?? []).filter((e) => !env.some((x) => x.name === e.name)).concat(env);
  c.env = c.env.map((e) => {
    const field = e.valueFrom?.fieldRef?.fieldPath;
    return field in KUBELET_FIELDS ? { name: e.name, value: KUBELET_FIELDS[field] } : e;
  });
}
const sc = spec.securityContext ?? {};
const out = [];
for (const v of spec.volumes ?? []) {
  if (!v.persistentVolumeClaim) continue;
  const pvc = docs.find(
    (d) => d.kind === "PersistentVolumeClaim" && d.metadata.name === v.persistentVolumeClaim.claimName,
  );
  if (!pvc) {
    console.error(`${file}: no PVC ${v.persistentVolumeClaim.claimName}`);
    process.exit(1);
  }
  const p = structuredClone(pvc);
  p.metadata.annotations = {
    ...(p.metadata.annotations ?? {}),
    ...(sc.runAsUser !== undefined ? { "volume.podman.io/uid": String(sc.runAsUser) } : {}),
    ...(sc.fsGroup !== undefined ? { "volume.podman.io/gid": String(sc.fsGroup) } : {}),
  };
  out.push(p);
}
out.push({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: podName, labels: tmpl.metadata?.labels ?? {} },
  spec,
});
process.stdout.write(out.map((d) => yaml.dump(d, { lineWidth: -1 })).join("---\n"));
