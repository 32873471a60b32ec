// storage-class.mjs RENDERED.yaml DIR CLASS: what `kubectl kustomize` made of DIR with the
// component k8s/components/storage-class and STORAGE_CLASS=CLASS (scripts/k8s-check writes that
// overlay): every pvcbench container that runs a workload has PVCBENCH_STORAGE_CLASS=CLASS (the
// label of its metrics and results), and every volume under test has the class: the PVCs but
// the failover journal's and the witness's, the StatefulSets' volumeClaimTemplates "data", the
// ephemeral volume "data" of a Job. The Kafka scenarios have no volume of ours under test.
// Prints one "  ok: " or "  FAILED: " line; exits 1 on a failure.
import { readFileSync } from "node:fs";
import { loadAll } from "./deps.mjs";
import { id, podSpecOf, containersOf } from "./objects.mjs";
import { measures } from "./monitoring.mjs";

const [file, dir, cls] = process.argv.slice(2);
const objs = loadAll(readFileSync(file, "utf8"));
const problems = [];
let labelled = 0, volumes = 0;
const NOT_UNDER_TEST = new Set(["pvcbench-failover-journal", "pvcbench-witness"]);
for (const o of objs) {
  if (o.kind === "PersistentVolumeClaim") {
    const want = NOT_UNDER_TEST.has(o.metadata.name) ? undefined : cls;
    if (o.spec.storageClassName !== want) problems.push(`${id(o)}: storageClassName ${o.spec.storageClassName}, want ${want ?? "none (not under test)"}`);
    if (want) volumes++;
  }
  for (const t of o.spec?.volumeClaimTemplates ?? []) {
    if (t.spec.storageClassName !== cls) problems.push(`${id(o)} volumeClaimTemplate ${t.metadata.name}: storageClassName ${t.spec.storageClassName}`);
    volumes++;
  }
  const spec = podSpecOf(o);
  if (!spec) continue;
  for (const v of spec.volumes ?? []) {
    const t = v.ephemeral?.volumeClaimTemplate;
    if (!t) continue;
    if (t.spec.storageClassName !== cls) problems.push(`${id(o)} ephemeral volume ${v.name}: storageClassName ${t.spec.storageClassName}`);
    volumes++;
  }
  for (const c of containersOf(spec).filter(measures)) {
    const got = (c.env ?? []).find((e) => e.name === "PVCBENCH_STORAGE_CLASS")?.value;
    if (got !== cls) problems.push(`${id(o)} container ${c.name}: PVCBENCH_STORAGE_CLASS ${JSON.stringify(got)}`);
    else labelled++;
  }
}
if (labelled === 0) problems.push("no pvcbench container labelled");
if (volumes === 0 && !/kafka/.test(dir)) problems.push("no volume under test got the class");
const what = `${dir} with k8s/components/storage-class: ${labelled} container(s) labelled ${cls}, ${volumes} volume(s) of that class`;
if (problems.length) {
  console.log(`  FAILED: ${what}: ${problems.slice(0, 8).join("; ")}`);
  process.exit(1);
}
console.log(`  ok: ${what}`);
