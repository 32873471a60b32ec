/*
 * environment.c - the "environment" of a result and the "target" of a block job
 * (environment.h), read from uname, /proc and /sys when the result is written. Anything the
 * machine does not show is left out (or null), never guessed.
 */
#define _GNU_SOURCE
#include "pvcbench/environment.h"
#include "pvcbench/report.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef PVC_BUILT_IN
#define PVC_BUILT_IN "psync"
#endif

/* The first line of /proc/cpuinfo that starts with key, its value after ": ". */
static void cpuinfo_value(const char *key, char *out, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, key, strlen(key)) || !colon)
			continue;
		snprintf(out, size, "%s", colon + 1 + (colon[1] == ' '));
		out[strcspn(out, "\n")] = '\0';
		break;
	}
	fclose(f);
}

static unsigned long long mem_total_bytes(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long kb = 0;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static const char *const k8s_facts[ENV_K8S_FACTS][3] = {
	{ "pod", "PVCBENCH_POD", "POD_NAME" },
	{ "node", "PVCBENCH_NODE", "NODE_NAME" },
	{ "namespace", "PVCBENCH_NAMESPACE", "POD_NAMESPACE" },
	{ "storage_class", "PVCBENCH_STORAGE_CLASS", "STORAGE_CLASS" },
};

const char *environment_k8s(unsigned i, const char **name)
{
	const char *v = getenv(k8s_facts[i][1]);

	if (!v || !v[0])
		v = getenv(k8s_facts[i][2]);
	*name = k8s_facts[i][0];
	return v && v[0] ? v : NULL;
}

void report_environment_json(struct jsonw *j)
{
	report_environment_json_with(j, NULL, NULL);
}

void report_environment_json_with(struct jsonw *j, void (*more)(void *arg, struct jsonw *j),
				  void *arg)
{
	struct utsname u;
	char host[256] = "", model[256];
	const char *built = PVC_BUILT_IN;

	jsonw_object_begin(j, "environment");
	jsonw_string(j, "pvcbench_version", PVC_VERSION);
	jsonw_array_begin(j, "built_in");
	while (*built) {
		char name[64];
		size_t n = strcspn(built, ",");
		snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1),
			 built);
		jsonw_string(j, NULL, name);
		built += n + (built[n] == ',');
	}
	jsonw_array_end(j);
	if (!uname(&u)) {
		jsonw_object_begin(j, "kernel");
		jsonw_string(j, "release", u.release);
		jsonw_string(j, "machine", u.machine);
		jsonw_object_end(j);
	}
	gethostname(host, sizeof(host) - 1);
	jsonw_string(j, "hostname", host);
	jsonw_object_begin(j, "cpu");
	cpuinfo_value("model name", model, sizeof(model));
	if (model[0])
		jsonw_string(j, "model", model);
	else
		jsonw_null(j, "model");
	jsonw_u64(j, "cores", (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
	jsonw_object_end(j);
	jsonw_u64(j, "memory_bytes", mem_total_bytes());
	jsonw_object_begin(j, "kubernetes");
	for (unsigned i = 0; i < ENV_K8S_FACTS; i++) {
		const char *name, *v = environment_k8s(i, &name);
		if (v)
			jsonw_string(j, name, v);
		else
			jsonw_null(j, name);
	}
	jsonw_object_end(j);
	if (more)
		more(arg, j);
	jsonw_object_end(j);
}

/* One line of /sys/dev/block/MAJ:MIN/rel, trimmed, into out ("" when absent). */
static void sys_value(unsigned maj, unsigned min, const char *rel, char *out, size_t size)
{
	char path[256];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s", maj, min, rel);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(out, (int)size, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
	while (size && out[0] && out[strlen(out) - 1] == ' ')
		out[strlen(out) - 1] = '\0';
}

/* A device attribute: its own, or its whole disk's (a partition has no queue/). */
static void dev_value(unsigned maj, unsigned min, const char *rel, char *out, size_t size)
{
	char up[128];

	sys_value(maj, min, rel, out, size);
	if (out[0])
		return;
	snprintf(up, sizeof(up), "../%s", rel);
	sys_value(maj, min, up, out, size);
}

static void device_json(struct jsonw *j, unsigned maj, unsigned min)
{
	char v[256], id[32];

	jsonw_object_begin(j, "device");
	snprintf(id, sizeof(id), "%u:%u", maj, min);
	jsonw_string(j, "major_minor", id);
	static const char *const attrs[][2] = {
		{ "model", "device/model" },
		{ "rotational", "queue/rotational" },
		{ "scheduler", "queue/scheduler" },
		{ "nr_requests", "queue/nr_requests" },
		{ "logical_block_size", "queue/logical_block_size" },
	};
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		dev_value(maj, min, attrs[i][1], v, sizeof(v));
		if (v[0])
			jsonw_string(j, attrs[i][0], v);
		else
			jsonw_null(j, attrs[i][0]);
	}
	jsonw_object_end(j);
}

/*
 * The mount a path lies on: the line of /proc/self/mountinfo whose mount point is the longest
 * prefix of the path's real location. Fields: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... -
 * FSTYPE SOURCE SUPEROPTIONS.
 */
static int find_mount(const char *real, char *point, char *opts, char *fstype, char *source,
		      unsigned *maj, unsigned *min)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	size_t best = 0;
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char mp[PATH_MAX], mo[1024], fs[64], src[1024];
		unsigned a, b;
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*u %*u %u:%u %*s %4095s %1023s", &a, &b, mp, mo) != 4 ||
		    sscanf(dash + 3, "%63s %1023s", fs, src) != 2)
			continue;
		size_t n = strlen(mp);
		bool under = !strcmp(mp, "/") ||
			     (!strncmp(real, mp, n) && (real[n] == '/' || real[n] == '\0'));
		if (under && (n >= best || found < 0)) {
			best = n;
			strcpy(point, mp);
			strcpy(opts, mo);
			strcpy(fstype, fs);
			strcpy(source, src);
			*maj = a;
			*min = b;
			found = 0;
		}
	}
	fclose(f);
	return found;
}

void report_target_json(struct jsonw *j, const char *path)
{
	char real[PATH_MAX], point[PATH_MAX], opts[1024], fstype[64], source[1024];
	struct stat st;
	unsigned maj, min;

	jsonw_object_begin(j, "target");
	jsonw_string(j, "path", path);
	if (!stat(path, &st) && S_ISBLK(st.st_mode)) {
		jsonw_string(j, "type", "block device");
		device_json(j, major(st.st_rdev), minor(st.st_rdev));
	} else if (realpath(path, real) &&
		   !find_mount(real, point, opts, fstype, source, &maj, &min)) {
		jsonw_string(j, "mount_point", point);
		jsonw_string(j, "fstype", fstype);
		jsonw_string(j, "mount_options", opts);
		jsonw_string(j, "source", source);
		/* a filesystem without a device (tmpfs, overlay) has major 0 */
		if (maj)
			device_json(j, maj, min);
	}
	jsonw_object_end(j);
}
