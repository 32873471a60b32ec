// objects.mjs: small helpers over rendered Kubernetes objects, shared by validate.mjs and
// scenarios.mjs: an object's id for messages, its pod spec and containers, and the pvcbench ones.

export const id = (o) => `${o.kind}/${o.metadata?.name}`;

// podSpecOf OBJECT: the pod spec of a Pod or of a workload's pod template, or undefined
export function podSpecOf(o) {
  if (o.kind === "Pod") return o.spec;
  if (["Job", "StatefulSet", "Deployment", "DaemonSet", "ReplicaSet"].includes(o.kind)) return o.spec?.template?.spec;
  if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}
export const containersOf = (spec) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
export const isPvcbench = (c) => /(^|\/)pvcbench(:|@|$)/.test(c.image ?? "");
export const jobs = (objs) => objs.filter((o) => o.kind === "Job");
export const pvcs = (objs) => objs.filter((o) => o.kind === "PersistentVolumeClaim");
// envOf CONTAINER: its environment's literal values by name (not those from references)
export const envOf = (c) => Object.fromEntries((c.env ?? []).filter((e) => "value" in e).map((e) => [e.name, e.value]));
