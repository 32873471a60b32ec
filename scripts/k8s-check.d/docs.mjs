// docs.mjs: what the documentation says about the manifests, read from the Markdown itself, so
// that validate.mjs can hold the rendered manifests to it and neither drifts from the other:
//   - docs/kubernetes.md's resources table: each container's CPU and memory requests and limits
//   - the concurrent Kafka test's sizes: docs/kubernetes.md's table of the three pairs and the
//     commands in docs/kafka.md
//   - the Secrets the user creates (`kubectl create secret generic NAME --from-literal=KEY=...`
//     in docs/kubernetes.md), which the manifests may reference without holding them
// A table is found by the words of its header row, so prose around it may change freely.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const docsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs");
export const KUBERNETES_MD = "docs/kubernetes.md";
export const KAFKA_MD = "docs/kafka.md";
const read = (name) => readFileSync(join(docsDir, name.replace(/^docs\//, "")), "utf8");

const cells = (line) => line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());

// tableWith TEXT HEADERS: the rows of the first Markdown table whose header row has every one
// of HEADERS (lower case), each row an object keyed by the lower-cased header cells; or null
export function tableWith(text, headers) {
  const lines = text.split("\n");
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].trim().startsWith("|") || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1])) continue;
    const head = cells(lines[i]).map((h) => h.toLowerCase());
    if (!headers.every((h) => head.includes(h))) continue;
    const rows = [];
    for (let j = i + 2; j < lines.length && lines[j].trim().startsWith("|"); j++) {
      const row = cells(lines[j]);
      rows.push(Object.fromEntries(head.map((h, k) => [h, row[k] ?? ""])));
    }
    return rows;
  }
  return null;
}

// the names in backticks in a table cell: "Jobs `a`, `b`" -> ["a", "b"]
const ticked = (cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

// quantity TEXT: a Kubernetes quantity ("500m", "2", "512Mi", "4Gi") as a number, or NaN
const SUFFIX = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
export function quantity(text) {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(text ?? "").trim());
  return m ? Number(m[1]) * SUFFIX[m[2] ?? ""] : NaN;
}

export const RESOURCE_COLUMNS = [
  ["cpu request", "requests", "cpu"],
  ["cpu limit", "limits", "cpu"],
  ["memory request", "requests", "memory"],
  ["memory limit", "limits", "memory"],
];

// resourceTable: [{objects, containers, values: {"cpu request": "1", ...}}] from
// docs/kubernetes.md, or a string saying why there is none
export function resourceTable() {
  const rows = tableWith(read(KUBERNETES_MD), ["objects", "containers", ...RESOURCE_COLUMNS.map((c) => c[0])]);
  if (!rows) return `${KUBERNETES_MD} has no table with the columns objects, containers, ${RESOURCE_COLUMNS.map((c) => c[0]).join(", ")}`;
  return rows.map((r) => ({
    objects: ticked(r.objects),
    containers: ticked(r.containers),
    values: Object.fromEntries(RESOURCE_COLUMNS.map(([col]) => [col, r[col]])),
  }));
}

// concurrentKafkaTable: {JOB: {topic, records, size}} from docs/kubernetes.md's table of the
// concurrent pairs, or a string saying why there is none
export function concurrentKafkaTable() {
  const rows = tableWith(read(KUBERNETES_MD), ["job", "topic", "records", "record size"]);
  if (!rows) return `${KUBERNETES_MD} has no table with the columns job, topic, records, record size`;
  const out = {};
  for (const r of rows) {
    const [job] = ticked(r.job);
    const [topic] = ticked(r.topic);
    out[job] = { topic, records: r.records.replace(/,/g, ""), size: r["record size"].replace(/,/g, "") };
  }
  return out;
}

// concurrentKafkaCommands: {PAIR: {records, size}} from the producers of the concurrent test in
// docs/kafka.md: `kafka produce --topic concN --num-records R --record-size S` lines, where a
// topic conc$i stands for every N of an enclosing `for i in 1 2 3`
export function concurrentKafkaCommands() {
  const text = read(KAFKA_MD);
  const out = {};
  let loop = null;
  for (const line of text.split("\n")) {
    const f = /^\s*for (\w+) in ([0-9 ]+);/.exec(line);
    if (f) loop = { name: f[1], values: f[2].trim().split(/\s+/) };
    if (/^\s*done\b/.test(line)) loop = null;
    const m = /kafka produce\b.*--topic conc(\S+)\s+--num-records\s+(\d+)\s+--record-size\s+(\d+)/.exec(line);
    if (!m) continue;
    const pairs = loop && m[1] === `$${loop.name}` ? loop.values : [m[1]];
    for (const p of pairs) out[p] = { records: m[2], size: m[3] };
  }
  return out;
}

// documentedSecrets: Map NAME -> Set of KEYS of the Secrets docs/kubernetes.md tells the user
// to create with kubectl create secret generic NAME --from-literal=KEY=...
export function documentedSecrets() {
  const out = new Map();
  for (const m of read(KUBERNETES_MD).matchAll(/kubectl create secret generic ([a-z0-9.-]+)((?:\s+--from-literal=[A-Za-z0-9_.-]+=\S+)+)/g)) {
    const keys = out.get(m[1]) ?? new Set();
    for (const k of m[2].matchAll(/--from-literal=([A-Za-z0-9_.-]+)=/g)) keys.add(k[1]);
    out.set(m[1], keys);
  }
  return out;
}
