/*
 * environment.h - where a result was measured, for comparing results: pvcbench's version and what
 * it was built with, the kernel, the CPU, the memory, the host, and the Kubernetes pod, node,
 * namespace and storage class from the downward API's environment variables; and, for a block
 * job, the filesystem and the device under its target, as far as /proc and /sys show them; and
 * what a command adds of the system it measured (workload_ops.json_environment).
 */
#ifndef PVCBENCH_ENVIRONMENT_H
#define PVCBENCH_ENVIRONMENT_H

struct jsonw;

/*
 * The "environment" member of a result: pvcbench_version, built_in (["psync", "io_uring", ...]),
 * kernel (release, machine), hostname, cpu (model, cores online), memory_bytes, and kubernetes
 * (pod, node, namespace, storage_class: PVCBENCH_POD, PVCBENCH_NODE, PVCBENCH_NAMESPACE,
 * PVCBENCH_STORAGE_CLASS, or the usual POD_NAME, NODE_NAME, POD_NAMESPACE, STORAGE_CLASS; null
 * when unset).
 */
void report_environment_json(struct jsonw *j);
/*
 * The downward API's facts, for the result's "kubernetes" member and the live metrics' labels:
 * fact i (0 .. ENV_K8S_FACTS - 1: pod, node, namespace, storage_class) gives its name and its
 * value, from PVCBENCH_POD, _NODE, _NAMESPACE, _STORAGE_CLASS, else POD_NAME, NODE_NAME,
 * POD_NAMESPACE, STORAGE_CLASS; NULL when neither is set or both are empty.
 */
#define ENV_K8S_FACTS 4
const char *environment_k8s(unsigned i, const char **name);
/*
 * The same, with what the command knows of the system it measured (a PostgreSQL server's
 * settings, a Kafka cluster's brokers): more(arg, j), when not NULL, writes its members inside
 * the object, after the machine's.
 */
void report_environment_json_with(struct jsonw *j, void (*more)(void *arg, struct jsonw *j),
				  void *arg);

/*
 * The "target" member of a block job: path, the mount it lies on (mount_point, fstype,
 * mount_options, source) from /proc/self/mountinfo, and its device (major:minor, and from
 * /sys/dev/block: model, rotational, scheduler, nr_requests, logical_block_size) where it has
 * one. path may be a directory, a file or a block device.
 */
void report_target_json(struct jsonw *j, const char *path);

#endif
