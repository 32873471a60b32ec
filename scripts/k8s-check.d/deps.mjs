// deps.mjs: the pinned npm packages, loaded from the cache directory that node-modules.sh
// installed them into (K8S_CHECK_NODE_MODULES), never from the repository.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.env.K8S_CHECK_NODE_MODULES;
if (!dir) {
  console.error("K8S_CHECK_NODE_MODULES is not set: run through scripts/k8s-check");
  process.exit(2);
}
const require = createRequire(join(dir, "noop.js"));

export const yaml = require("js-yaml");

// kubernetes-models' classes by apiVersion, each with validate(): types, required fields,
// enums, formats (quantities, ...)
const modelGroups = new Map();
export function modelClass(apiVersion, kind) {
  if (!modelGroups.has(apiVersion)) {
    let mod = null;
    try {
      mod = require(`kubernetes-models/${apiVersion}`);
    } catch {
      mod = null;
    }
    modelGroups.set(apiVersion, mod);
  }
  const mod = modelGroups.get(apiVersion);
  return mod ? mod[kind] : undefined;
}

// @kubernetes/client-node's generated classes: each has attributeTypeMap, the fields the API
// knows, with their types
export async function loadClientNode() {
  return import(pathToFileURL(join(dir, "@kubernetes/client-node/dist/index.js")).href);
}

// loadAll FILE-TEXT: the YAML documents of a rendered manifest, without the empty ones
export function loadAll(text) {
  return yaml.loadAll(text).filter((d) => d && typeof d === "object");
}
