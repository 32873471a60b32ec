// monitoring.mjs: the live-metrics side of the manifests, for validate.mjs and storage-class.mjs.
//   - measures(c): a pvcbench container that runs a workload (so serves metrics), as opposed to
//     the witness, a shell that waits, or `sleep` that holds a volume for kubectl cp
//   - metricsProblems: every such container has PVCBENCH_METRICS_LISTEN :9100 (an init
//     container may say "" explicitly, so that no linger holds back what follows) and the downward
//     API's PVCBENCH_POD / _NODE / _NAMESPACE, PVCBENCH_STORAGE_CLASS; its pod template the
//     prometheus.io annotations for that port and the label k8s/monitoring selects; a main
//     container declares the port named metrics
//   - monitorShape: the Prometheus Operator's ServiceMonitor and PodMonitor checked by hand
//     (kubernetes-models has no schema for monitoring.coreos.com): known fields, a selector,
//     endpoints with a port name, a path, an interval, honorLabels: true (pvcbench's own label
//     `job` would otherwise become exported_job)
//   - monitoringScenarios: k8s/monitoring (the dashboard's ConfigMap for Grafana's sidecar),
//     its service-monitor and pod-monitor, and that they select every pvcbench pod that serves
//     metrics in every rendered scenario
import { readFileSync } from "node:fs";
import { id, podSpecOf, containersOf, isPvcbench } from "./objects.mjs";

export const METRICS_PORT = 9100;
export const METRICS_LABEL = ["pvcbench-metrics", "true"];
const DOWNWARD = { PVCBENCH_POD: "metadata.name", PVCBENCH_NODE: "spec.nodeName", PVCBENCH_NAMESPACE: "metadata.namespace" };
// the image's commands that measure nothing
const NOT_WORKLOADS = /^(witness|merge|report|compare|help|version|-h|--help|--version)$/;

// measures CONTAINER: runs a pvcbench workload: the image's entrypoint with no arguments (the
// default job), its options, or a workload's command (fio, pgbench, kafka ...); or a shell
// that execs pvcbench fio|pgbench|kafka
export function measures(c) {
  if (!isPvcbench(c)) return false;
  if (!c.command) return !NOT_WORKLOADS.test(c.args?.[0] ?? "");
  return /\bexec pvcbench (fio|pgbench|kafka)\b/.test(c.command.concat(c.args ?? []).join(" "));
}

const templateOf = (o) => (o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template : o.spec?.template);

export function metricsProblems(objs) {
  const problems = [];
  let serving = 0;
  for (const o of objs) {
    const spec = podSpecOf(o);
    if (!spec) continue;
    const measuring = containersOf(spec).filter(measures);
    if (measuring.length === 0) continue;
    serving++;
    for (const c of measuring) {
      const cw = `${id(o)} container ${c.name}`;
      const env = new Map((c.env ?? []).map((e) => [e.name, e]));
      const listen = env.get("PVCBENCH_METRICS_LISTEN")?.value;
      // an init container may turn its endpoint off, said explicitly (""): its linger for a
      // scrape would hold back the containers after it (the failover writer's check)
      const init = (spec.initContainers ?? []).includes(c);
      if (!/^(0\.0\.0\.0|\[::\])?:9100$/.test(listen ?? "") && !(init && listen === "")) problems.push(`${cw}: PVCBENCH_METRICS_LISTEN is ${JSON.stringify(listen)}, not ":${METRICS_PORT}"`);
      for (const [name, path] of Object.entries(DOWNWARD)) {
        const got = env.get(name)?.valueFrom?.fieldRef?.fieldPath;
        if (got !== path) problems.push(`${cw}: ${name} is not the downward API's ${path}`);
      }
      const sc = env.get("PVCBENCH_STORAGE_CLASS");
      if (!sc || !("value" in sc)) problems.push(`${cw}: no PVCBENCH_STORAGE_CLASS value (k8s/components/storage-class fills it)`);
    }
    const ports = (spec.containers ?? []).flatMap((c) => c.ports ?? []);
    if (!ports.some((p) => p.name === "metrics" && p.containerPort === METRICS_PORT)) problems.push(`${id(o)}: no main container declares the port metrics ${METRICS_PORT}`);
    const meta = templateOf(o)?.metadata ?? {};
    const ann = meta.annotations ?? {};
    if (ann["prometheus.io/scrape"] !== "true") problems.push(`${id(o)}: no annotation prometheus.io/scrape: "true"`);
    if (ann["prometheus.io/port"] !== String(METRICS_PORT)) problems.push(`${id(o)}: annotation prometheus.io/port ${ann["prometheus.io/port"]}, not "${METRICS_PORT}"`);
    if (ann["prometheus.io/path"] !== "/metrics") problems.push(`${id(o)}: annotation prometheus.io/path ${ann["prometheus.io/path"]}, not /metrics`);
    if (meta.labels?.[METRICS_LABEL[0]] !== METRICS_LABEL[1]) problems.push(`${id(o)}: its pods lack the label ${METRICS_LABEL.join("=")} that k8s/monitoring selects`);
  }
  return { problems, serving };
}

// ---- ServiceMonitor and PodMonitor, by hand --------------------------------------------

const ENDPOINT_FIELDS = new Set(["port", "targetPort", "path", "scheme", "interval", "scrapeTimeout", "honorLabels", "honorTimestamps", "params", "relabelings", "metricRelabelings", "tlsConfig", "bearerTokenSecret", "basicAuth", "authorization", "followRedirects", "enableHttp2", "filterRunning", "proxyUrl", "oauth2"]);
const SPEC_FIELDS = {
  ServiceMonitor: new Set(["selector", "endpoints", "namespaceSelector", "jobLabel", "targetLabels", "podTargetLabels", "sampleLimit", "targetLimit", "labelLimit", "attachMetadata"]),
  PodMonitor: new Set(["selector", "podMetricsEndpoints", "namespaceSelector", "jobLabel", "podTargetLabels", "sampleLimit", "targetLimit", "labelLimit", "attachMetadata"]),
};
const DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;
const isLabels = (m) => m && typeof m === "object" && !Array.isArray(m) && Object.entries(m).every(([k, v]) => typeof k === "string" && typeof v === "string");

export function monitorShape(o) {
  const problems = [];
  const where = id(o);
  if (o.apiVersion !== "monitoring.coreos.com/v1") problems.push(`${where}: apiVersion ${o.apiVersion}, not monitoring.coreos.com/v1`);
  const known = SPEC_FIELDS[o.kind];
  if (!known) return [`${where}: not a ServiceMonitor or PodMonitor`];
  for (const k of Object.keys(o)) if (!["apiVersion", "kind", "metadata", "spec"].includes(k)) problems.push(`${where}.${k}: unknown field`);
  if (!isLabels(o.metadata?.labels ?? {})) problems.push(`${where}: metadata.labels are not strings`);
  const spec = o.spec ?? {};
  for (const k of Object.keys(spec)) if (!known.has(k)) problems.push(`${where}.spec.${k}: unknown field`);
  const sel = spec.selector ?? {};
  for (const k of Object.keys(sel)) if (!["matchLabels", "matchExpressions"].includes(k)) problems.push(`${where}.spec.selector.${k}: unknown field`);
  if (!isLabels(sel.matchLabels) || Object.keys(sel.matchLabels).length === 0) problems.push(`${where}: spec.selector.matchLabels is not a non-empty map of strings`);
  const eps = spec[o.kind === "ServiceMonitor" ? "endpoints" : "podMetricsEndpoints"];
  if (!Array.isArray(eps) || eps.length === 0) problems.push(`${where}: no endpoints`);
  for (const [i, ep] of (eps ?? []).entries()) {
    const ew = `${where} endpoint ${i}`;
    for (const k of Object.keys(ep)) if (!ENDPOINT_FIELDS.has(k)) problems.push(`${ew}.${k}: unknown field`);
    if (typeof ep.port !== "string" || !ep.port) problems.push(`${ew}: port is not a port name`);
    if (ep.path !== undefined && !String(ep.path).startsWith("/")) problems.push(`${ew}: path ${ep.path}`);
    for (const k of ["interval", "scrapeTimeout"]) if (ep[k] !== undefined && !DURATION.test(ep[k])) problems.push(`${ew}: ${k} ${ep[k]} is not a Prometheus duration`);
    if (ep.honorLabels !== true) problems.push(`${ew}: honorLabels is not true (pvcbench's label job would become exported_job)`);
  }
  return problems;
}

const selects = (matchLabels, labels) => Object.keys(matchLabels ?? {}).length > 0 && Object.entries(matchLabels).every(([k, v]) => labels?.[k] === v);

// monitoringScenarios: assertions per monitoring directory; RENDERED is validate.mjs's map of
// every rendered directory, for the selectors' reach over the scenarios
export function monitoringScenarios(rendered, dashboardFile) {
  const servingTemplates = () => {
    const out = [];
    for (const [dir, objs] of rendered) {
      if (dir.startsWith("k8s/monitoring")) continue;
      for (const o of objs) {
        const spec = podSpecOf(o);
        if (spec && containersOf(spec).some(measures)) out.push([dir, o]);
      }
    }
    return out;
  };
  return {
    "k8s/monitoring": (objs, p) => {
      const cm = objs.find((o) => o.kind === "ConfigMap");
      if (objs.length !== 1 || !cm) return p.push(`${objs.length} objects, not the dashboard's ConfigMap alone`);
      if (cm.metadata.name !== "pvcbench-dashboard") p.push(`the ConfigMap is ${cm.metadata.name}, not pvcbench-dashboard (no hash suffix: the sidecar replaces it in place)`);
      if (cm.metadata.labels?.grafana_dashboard !== "1") p.push('the ConfigMap lacks the label grafana_dashboard: "1" that Grafana\'s sidecar looks for');
      const text = cm.data?.["pvcbench-dashboard.json"];
      let dash = null;
      try {
        dash = JSON.parse(text);
      } catch (e) {
        p.push(`its pvcbench-dashboard.json is not JSON: ${e.message}`);
      }
      if (text !== readFileSync(dashboardFile, "utf8")) p.push(`its pvcbench-dashboard.json differs from ${dashboardFile}`);
      if (dash && !(dash.uid && dash.title && Array.isArray(dash.panels) && dash.panels.length)) p.push("the dashboard has no uid, title or panels");
      // kubectl apply keeps the whole object in an annotation, of at most 256 KiB
      if ((text ?? "").length > 262144) p.push(`the dashboard is ${text.length} bytes: more than kubectl apply's 256 KiB annotation allows`);
    },
    "k8s/monitoring/service-monitor": (objs, p) => {
      const svc = objs.find((o) => o.kind === "Service");
      const sm = objs.find((o) => o.kind === "ServiceMonitor");
      if (!svc || !sm) return p.push("not a Service and a ServiceMonitor");
      if (!selects(sm.spec.selector?.matchLabels, svc.metadata.labels)) p.push(`the ServiceMonitor does not select the Service ${svc.metadata.name}`);
      const port = svc.spec.ports?.find((x) => x.name === sm.spec.endpoints?.[0]?.port);
      if (!port) p.push(`the ServiceMonitor's port ${sm.spec.endpoints?.[0]?.port} is not a port name of the Service`);
      else if (port.port !== METRICS_PORT || port.targetPort !== "metrics") p.push(`the Service's port ${port.name} is ${port.port} -> ${port.targetPort}, not ${METRICS_PORT} -> metrics`);
      if (svc.spec.clusterIP !== "None") p.push("the Service is not headless: Prometheus scrapes each pod, never a virtual IP");
      const missed = servingTemplates().filter(([, o]) => !selects(svc.spec.selector, templateOf(o)?.metadata?.labels));
      if (missed.length) p.push(`the Service does not select the pods of ${missed.map(([d, o]) => `${d} ${id(o)}`).join(", ")}`);
    },
    "k8s/monitoring/pod-monitor": (objs, p) => {
      const pm = objs.find((o) => o.kind === "PodMonitor");
      if (!pm || objs.length !== 1) return p.push("not a PodMonitor alone");
      if (pm.spec.podMetricsEndpoints?.[0]?.port !== "metrics") p.push("the PodMonitor's port is not the containers' port name metrics");
      const missed = servingTemplates().filter(([, o]) => !selects(pm.spec.selector?.matchLabels, templateOf(o)?.metadata?.labels));
      if (missed.length) p.push(`the PodMonitor does not select the pods of ${missed.map(([d, o]) => `${d} ${id(o)}`).join(", ")}`);
    },
  };
}
