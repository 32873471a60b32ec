/*
 * test_engines.c - the block workload's I/O engines on a real file.
 *
 * For each engine built in, with and without O_DIRECT: 256 distinct 4 KiB blocks are written at
 * depth 16 in shuffled order, read back in another order into other buffers through the same
 * engine, and read once more with plain pread; every result must equal the length. Also: auto
 * picks io_uring when it works, unknown names fail with a message naming the engine table's
 * names, engines' own options are found by name, reap honours its timeout
 * and signals, and auto falls back to libaio with the cause named when io_uring_setup is
 * blocked by a seccomp filter or buffer registration hits the locked-memory limit (each in a
 * forked child, so the filter and limits do not leak into the other tests).
 *
 * Exit: 0 pass, 1 fail, 77 when something could not run for want of a feature, unless
 * CI=true, where that is a failure. Files live in a mkdtemp directory under /var/tmp that is
 * removed at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <setjmp.h>
#include <cmocka.h>

#include "../lib/ci_skip.h"

#include "engine.h"

#define T_BS 4096u
#define T_NBLOCKS 256u
#define T_DEPTH 16u
#define T_NBUFS (2 * T_DEPTH) /* the first half for writes, the second for reads */
#define T_ISSUE_MAGIC 0x5eedf00dULL

#if defined(__x86_64__)
#define T_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define T_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

struct t_env {
	char dir[64];
	bool ci;
	unsigned skipped;
};

struct t_case {
	struct t_env *env;
	const char *engine;
	bool direct;
	const struct blk_engine_job_opts *opts; /* NULL: the defaults */
};

/* A missing feature skips the test, except under CI=true where it must not go unnoticed. */
static void t_skip(struct t_env *env, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (env->ci)
		fail_msg("cannot run (%s), and CI=true makes that a failure", msg);
	fprintf(stderr, "SKIP: %s\n", msg);
	env->skipped++;
	skip();
}

static uint64_t t_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void t_fill(unsigned char *buf, uint64_t block, uint64_t seed)
{
	for (unsigned i = 0; i < T_BS / 8; i++) {
		uint64_t w = t_mix(seed ^ (block << 16) ^ i);

		memcpy(buf + 8 * i, &w, 8);
	}
}

static void t_shuffle(unsigned *order, unsigned n, uint64_t seed)
{
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)(t_mix(seed + i) % (i + 1));
		unsigned tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
}

static uint64_t t_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct t_bufs {
	struct iovec iov[T_NBUFS];
};

static void t_bufs_alloc(struct t_bufs *b)
{
	for (unsigned i = 0; i < T_NBUFS; i++) {
		void *p = NULL;

		assert_int_equal(posix_memalign(&p, 4096, T_BS), 0);
		memset(p, 0, T_BS);
		b->iov[i].iov_base = p;
		b->iov[i].iov_len = T_BS;
	}
}

static void t_bufs_free(struct t_bufs *b)
{
	for (unsigned i = 0; i < T_NBUFS; i++)
		free(b->iov[i].iov_base);
}

/* Opens (creating, sized) dir/name; -EINVAL when O_DIRECT is not supported there. */
static int t_open_file(struct t_env *env, const char *name, bool direct, char *path,
		       size_t path_size)
{
	int fd;

	snprintf(path, path_size, "%s/%s", env->dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | (direct ? O_DIRECT : 0), 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)T_NBLOCKS * T_BS) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Opens the named engine, skipping (or failing under CI) when it is not built or not usable. */
/* The file of the engine opened last: every request names its file (io_req.fd). */
static int t_fd = -1;

static void t_engine_open_opts(struct t_env *env, struct io_engine *e, const char *name,
			       const struct blk_engine_job_opts *opts, int fd, unsigned depth,
			       struct t_bufs *b)
{
	char why[512];
	int ret;

	if (!blk_engine_find(name))
		t_skip(env, "engine %s is not built in", name);
	t_fd = fd;
	ret = engine_open_opts(e, name, opts, fd, depth, b->iov, T_NBUFS, why, sizeof(why));
	if (ret < 0)
		t_skip(env, "engine %s cannot be opened here: %s", name, why);
	assert_non_null(e->ops);
	assert_string_equal(e->ops->name, name);
}

static void t_engine_open(struct t_env *env, struct io_engine *e, const char *name, int fd,
			  unsigned depth, struct t_bufs *b)
{
	t_engine_open_opts(env, e, name, NULL, fd, depth, b);
}

/* Runs one pass over all blocks in order[] at depth T_DEPTH, checking every completion. */
static void t_pass(struct io_engine *e, struct t_bufs *b, enum io_dir dir, const unsigned *order,
		   uint64_t seed)
{
	struct io_req reqs[T_DEPTH], *done[T_DEPTH];
	unsigned free_slots[T_DEPTH], nfree = T_DEPTH, next = 0, completed = 0;
	unsigned first_buf = dir == IO_WRITE ? 0 : T_DEPTH;
	unsigned char expect[T_BS];

	for (unsigned i = 0; i < T_DEPTH; i++)
		free_slots[i] = i;
	while (completed < T_NBLOCKS) {
		while (nfree && next < T_NBLOCKS) {
			unsigned slot = free_slots[--nfree];
			struct io_req *r = &reqs[slot];
			uint64_t block = order[next++];

			memset(r, 0, sizeof(*r));
			r->offset = block * T_BS;
			r->len = T_BS;
			r->buf = (uint16_t)(first_buf + slot);
			r->dir = (uint8_t)dir;
			r->fd = t_fd;
			r->result = -12345;
			r->issue_ns = T_ISSUE_MAGIC + slot;
			if (dir == IO_WRITE)
				t_fill(b->iov[r->buf].iov_base, block, seed);
			else
				memset(b->iov[r->buf].iov_base, 0xa5, T_BS);
			assert_int_equal(e->ops->queue(e, r), 0);
		}

		/* a signal may end a wait early with nothing (the contract): wait again */
		int n = 0;
		for (unsigned tries = 0; n == 0 && tries < 100; tries++)
			n = e->ops->reap(e, 1, 0, done, T_DEPTH);

		assert_true(n >= 1);
		for (int i = 0; i < n; i++) {
			struct io_req *r = done[i];
			unsigned slot = (unsigned)(r - reqs);

			assert_true(slot < T_DEPTH);
			assert_int_equal(r->result, T_BS);
			/* a synchronous engine stamps the issue time (fio's), others leave it */
			if (e->ops->sync_io)
				assert_true(r->issue_ns != T_ISSUE_MAGIC + slot &&
					    r->issue_ns <= t_now_ns());
			else
				assert_int_equal(r->issue_ns, T_ISSUE_MAGIC + slot);
			if (dir == IO_READ) {
				t_fill(expect, r->offset / T_BS, seed);
				assert_memory_equal(b->iov[r->buf].iov_base, expect, T_BS);
			}
			free_slots[nfree++] = slot;
			completed++;
		}
	}
}

static void t_verify_plain(const char *path, uint64_t seed)
{
	unsigned char got[T_BS], expect[T_BS];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, (off_t)T_NBLOCKS * T_BS);
	for (unsigned blk = 0; blk < T_NBLOCKS; blk++) {
		assert_int_equal(pread(fd, got, T_BS, (off_t)blk * T_BS), T_BS);
		t_fill(expect, blk, seed);
		assert_memory_equal(got, expect, T_BS);
	}
	close(fd);
}

static void test_roundtrip(void **state)
{
	struct t_case *c = *state;
	unsigned order[T_NBLOCKS];
	uint64_t seed = t_mix((uintptr_t)c->engine ^ c->direct ^ (uint64_t)time(NULL));
	struct io_engine e = { 0 };
	struct t_bufs b;
	char name[64], path[256];
	int fd;

	if (!blk_engine_find(c->engine))
		t_skip(c->env, "engine %s is not built in", c->engine);
	snprintf(name, sizeof(name), "rt-%s-%s.dat", c->engine, c->direct ? "direct" : "buffered");
	fd = t_open_file(c->env, name, c->direct, path, sizeof(path));
	if (fd == -EINVAL && c->direct)
		t_skip(c->env, "O_DIRECT is not supported in %s", c->env->dir);
	assert_true(fd >= 0);
	t_bufs_alloc(&b);
	t_engine_open_opts(c->env, &e, c->engine, c->opts, fd, T_DEPTH, &b);

	t_shuffle(order, T_NBLOCKS, seed);
	t_pass(&e, &b, IO_WRITE, order, seed);
	t_shuffle(order, T_NBLOCKS, seed + 1);
	t_pass(&e, &b, IO_READ, order, seed);
	e.ops->exit(&e);

	t_verify_plain(path, seed);
	close(fd);
	t_bufs_free(&b);
}

/* queue() refuses a request beyond depth, and every queued request comes back once. */
static void test_busy(void **state)
{
	struct t_case *c = *state;
	struct io_req reqs[5], *done[8];
	struct io_engine e = { 0 };
	struct t_bufs b;
	char path[256];
	unsigned got = 0;
	int fd = t_open_file(c->env, "busy.dat", false, path, sizeof(path));

	assert_true(fd >= 0);
	t_bufs_alloc(&b);
	t_engine_open(c->env, &e, c->engine, fd, 4, &b);
	memset(reqs, 0, sizeof(reqs));
	for (unsigned i = 0; i < 5; i++) {
		reqs[i].offset = i * T_BS;
		reqs[i].len = T_BS;
		reqs[i].buf = (uint16_t)i;
		reqs[i].dir = IO_READ;
		reqs[i].fd = t_fd;
		reqs[i].result = -12345;
	}
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(e.ops->queue(&e, &reqs[i]), 0);
	assert_int_equal(e.ops->queue(&e, &reqs[4]), -EBUSY);
	while (got < 4) {
		int n = e.ops->reap(&e, 1, 0, done, 8);

		assert_true(n >= 1);
		for (int i = 0; i < n; i++)
			assert_int_equal(done[i]->result, T_BS);
		got += (unsigned)n;
	}
	assert_int_equal(reqs[4].result, -12345);
	assert_int_equal(e.ops->reap(&e, 0, 1000000, done, 8), 0);
	e.ops->exit(&e);
	close(fd);
	t_bufs_free(&b);
}

/* With nothing in flight, reap with a timeout returns 0 at once instead of hanging. */
static void test_reap_idle_timeout(void **state)
{
	struct t_case *c = *state;
	struct io_engine e = { 0 };
	struct io_req *done[4];
	struct t_bufs b;
	char path[256];
	uint64_t t0;
	int fd = t_open_file(c->env, "idle.dat", false, path, sizeof(path));

	assert_true(fd >= 0);
	t_bufs_alloc(&b);
	t_engine_open(c->env, &e, c->engine, fd, T_DEPTH, &b);
	t0 = t_now_ns();
	assert_int_equal(e.ops->reap(&e, 1, 50 * 1000000ULL, done, 4), 0);
	assert_true(t_now_ns() - t0 < 1000000000ULL);
	e.ops->exit(&e);
	close(fd);
	t_bufs_free(&b);
}

static void t_on_alarm(int sig)
{
	(void)sig;
}

/*
 * io_uring on a pipe: a read that cannot complete until we write lets us see a real timeout
 * (0 after about the timeout) and a real signal (0, not an error) in reap.
 */
static void test_uring_wait_timeout_and_signal(void **state)
{
	struct t_case *c = *state;
	struct sigaction sa = { .sa_handler = t_on_alarm }, old_sa;
	struct itimerval it = { .it_value = { .tv_usec = 50000 } }, off = { 0 };
	struct io_engine e = { 0 };
	struct io_req req = { 0 }, *done[4];
	unsigned char msg[T_BS];
	struct t_bufs b;
	uint64_t t0, dt;
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	t_bufs_alloc(&b);
	t_engine_open(c->env, &e, "io_uring", p[0], 4, &b);

	req.len = T_BS;
	req.dir = IO_READ;
	req.fd = p[0];
	assert_int_equal(e.ops->queue(&e, &req), 0);
	t0 = t_now_ns();
	assert_int_equal(e.ops->reap(&e, 1, 100 * 1000000ULL, done, 4), 0);
	dt = t_now_ns() - t0;
	assert_true(dt >= 90 * 1000000ULL);
	assert_true(dt < 2000000000ULL);

	/* no SA_RESTART: the wait must come back with 0 so a worker can see its stop flag */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old_sa), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	assert_int_equal(e.ops->reap(&e, 1, 0, done, 4), 0);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old_sa, NULL);

	memset(msg, 0x3c, sizeof(msg));
	assert_int_equal(write(p[1], msg, sizeof(msg)), (ssize_t)sizeof(msg));
	assert_int_equal(e.ops->reap(&e, 1, 0, done, 4), 1);
	assert_ptr_equal(done[0], &req);
	assert_int_equal(req.result, T_BS);
	assert_memory_equal(b.iov[0].iov_base, msg, T_BS);
	e.ops->exit(&e);
	close(p[0]);
	close(p[1]);
	t_bufs_free(&b);
}

static void test_auto_picks_uring(void **state)
{
	struct t_env *env = *state;
	struct io_engine e = { 0 };
	struct t_bufs b;
	char path[256], why[512];
	int fd;

	if (!blk_engine_find("io_uring"))
		t_skip(env, "engine io_uring is not built in");
	fd = t_open_file(env, "auto.dat", false, path, sizeof(path));
	assert_true(fd >= 0);
	t_bufs_alloc(&b);

	/* only claim auto is wrong if io_uring itself works here */
	t_engine_open(env, &e, "io_uring", fd, T_DEPTH, &b);
	e.ops->exit(&e);

	t_fd = fd;
	assert_int_equal(engine_open(&e, "auto", fd, T_DEPTH, b.iov, T_NBUFS, why, sizeof(why)), 0);
	fprintf(stderr, "auto: %s\n", why);
	assert_string_equal(e.ops->name, "io_uring");
	assert_true(strlen(why) > 0);
	assert_non_null(strstr(why, "io_uring"));
	e.ops->exit(&e);

	assert_int_equal(engine_open(&e, "psync", fd, T_DEPTH, b.iov, T_NBUFS, why, sizeof(why)),
			 0);
	assert_string_equal(e.ops->name, "psync");
	assert_true(strlen(why) > 0);
	e.ops->exit(&e);
	close(fd);
	t_bufs_free(&b);
}

/*
 * The engine table is the one list of names: ioengine='s allowed values are auto and then the
 * engines in auto's order, each built-in engine's ops carry the same name, the message text
 * reads the same list, and an unknown name's message lists them.
 */
static void test_engine_table(void **state)
{
	static const char *const want[] = { "auto",  "io_uring", "libaio",  "psync",	"sync",
					    "vsync", "pvsync",	 "pvsync2", "posixaio", NULL };
	char names[128];
	unsigned i;

	(void)state;
	for (i = 0; want[i]; i++) {
		const struct io_engine_ops *ops;

		assert_non_null(blk_engine_choices[i]);
		assert_string_equal(blk_engine_choices[i], want[i]);
		ops = blk_engine_find(want[i]);
		if (ops)
			assert_string_equal(ops->name, want[i]);
	}
	assert_null(blk_engine_choices[i]);
	assert_null(blk_engine_find("auto"));
	blk_engine_names(names, sizeof(names));
	assert_string_equal(
		names, "auto, io_uring, libaio, psync, sync, vsync, pvsync, pvsync2 or posixaio");
	blk_engine_names(names, 8);
	assert_string_equal(names, "auto, i");
}

/* Engines' own options: io_uring and pvsync2 declare fio's (their values are job options). */
static void test_engine_options(void **state)
{
	static const char *const uring_keys[] = {
		"hipri",	 "fixedbufs",	      "registerfiles",
		"sqthread_poll", "sqthread_poll_cpu", "nonvectored"
	};
	const struct io_engine_ops *uring = blk_engine_find("io_uring");

	(void)state;
	assert_null(blk_engine_option_find("psync", "hipri"));
	assert_non_null(blk_engine_option_find("pvsync2", "hipri"));
	assert_null(blk_engine_option_find("pvsync2", "fixedbufs"));
	assert_null(blk_engine_option_find("auto", "hipri"));
	assert_null(blk_engine_option_find("nope", "hipri"));
	assert_null(blk_engine_option_find(NULL, "hipri"));
	if (!uring)
		return; /* not built in: nothing to find, as the NULLs above show for it too */
	assert_non_null(uring->options);
	for (size_t i = 0; i < sizeof(uring_keys) / sizeof(uring_keys[0]); i++) {
		const struct option_def *def = blk_engine_option_find("io_uring", uring_keys[i]);

		assert_non_null(def);
		assert_string_equal(def->name, uring_keys[i]);
		assert_true(def->type != OPT_REFUSED);
		assert_non_null(def->help);
	}
	assert_null(blk_engine_option_find("io_uring", "bs"));
	assert_null(blk_engine_option_find("io_uring", NULL));
}

static void test_unknown_engine(void **state)
{
	struct t_env *env = *state;
	struct io_engine e = { 0 };
	struct t_bufs b;
	char path[256], why[512] = "";
	int fd, ret;

	assert_null(blk_engine_find("nope"));
	assert_null(blk_engine_find(""));
	assert_non_null(blk_engine_find("psync"));
	fd = t_open_file(env, "unknown.dat", false, path, sizeof(path));
	assert_true(fd >= 0);
	t_bufs_alloc(&b);
	ret = engine_open(&e, "nope", fd, T_DEPTH, b.iov, T_NBUFS, why, sizeof(why));
	assert_true(ret == -EINVAL || ret == -ENOENT);
	fprintf(stderr, "nope: %s\n", why);
	assert_non_null(strstr(why, "nope"));
	assert_non_null(strstr(
		why, "auto, io_uring, libaio, psync, sync, vsync, pvsync, pvsync2 or posixaio"));
	close(fd);
	t_bufs_free(&b);
}

/*
 * In a child: open "auto" and "io_uring" on a fresh file and check that auto chose libaio and
 * both explanations contain `expect`. Returns the child's exit code.
 */
static int t_child_expect_libaio(struct t_env *env, const char *tag, int uring_err,
				 const char *expect)
{
	struct io_engine e = { 0 };
	struct t_bufs b;
	char path[256], why[512];
	int fd, ret;

	fd = t_open_file(env, tag, false, path, sizeof(path));
	if (fd < 0)
		return 1;
	for (unsigned i = 0; i < T_NBUFS; i++) {
		void *p = NULL;

		if (posix_memalign(&p, 4096, T_BS))
			return 1;
		b.iov[i].iov_base = p;
		b.iov[i].iov_len = T_BS;
	}
	ret = engine_open(&e, "io_uring", fd, T_DEPTH, b.iov, T_NBUFS, why, sizeof(why));
	fprintf(stderr, "%s: io_uring: %d %s\n", tag, ret, why);
	if (ret != uring_err || !strstr(why, expect))
		return 1;
	ret = engine_open(&e, "auto", fd, T_DEPTH, b.iov, T_NBUFS, why, sizeof(why));
	fprintf(stderr, "%s: auto: %d %s\n", tag, ret, why);
	if (ret != 0 || strcmp(e.ops->name, "libaio") != 0 || !strstr(why, "using libaio") ||
	    !strstr(why, expect))
		return 1;
	e.ops->exit(&e);
	close(fd);
	return 0;
}

static int t_child_seccomp(struct t_env *env, int err)
{
#ifdef T_AUDIT_ARCH
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, T_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("seccomp");
		return T_EXIT_SKIP;
	}
	return t_child_expect_libaio(env, err == EPERM ? "seccomp-eperm" : "seccomp-enosys", -err,
				     "seccomp");
#else
	return T_EXIT_SKIP;
#endif
}

/* Root has CAP_IPC_LOCK, which exempts it from RLIMIT_MEMLOCK: drop it, then lower the limit. */
static int t_child_memlock(struct t_env *env)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct rlimit rl = { .rlim_cur = 64 * 1024, .rlim_max = 64 * 1024 };

	if (syscall(SYS_capget, &hdr, data) < 0)
		return T_EXIT_SKIP;
	data[0].effective &= ~(1u << CAP_IPC_LOCK);
	data[0].permitted &= ~(1u << CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data) < 0 || setrlimit(RLIMIT_MEMLOCK, &rl) < 0) {
		perror("drop CAP_IPC_LOCK / RLIMIT_MEMLOCK");
		return T_EXIT_SKIP;
	}
	return t_child_expect_libaio(env, "memlock", -ENOMEM,
				     "locked-memory limit too small (ulimit -l = 64 KiB)");
}

enum t_child_kind { T_CHILD_EPERM, T_CHILD_ENOSYS, T_CHILD_MEMLOCK };

static void t_run_child(struct t_env *env, enum t_child_kind kind)
{
	int status;
	pid_t pid;

	struct io_engine e = { 0 };
	struct t_bufs b;
	char path[256];
	int fd;

	if (!blk_engine_find("libaio"))
		t_skip(env, "fallback needs libaio built in");
	/* the child takes io_uring away, so it must work here to begin with */
	fd = t_open_file(env, "fallback-probe.dat", false, path, sizeof(path));
	assert_true(fd >= 0);
	t_bufs_alloc(&b);
	t_engine_open(env, &e, "io_uring", fd, T_DEPTH, &b);
	e.ops->exit(&e);
	close(fd);
	t_bufs_free(&b);

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc = kind == T_CHILD_MEMLOCK
				 ? t_child_memlock(env)
				 : t_child_seccomp(env, kind == T_CHILD_EPERM ? EPERM : ENOSYS);

		fflush(NULL);
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == T_EXIT_SKIP)
		t_skip(env, "the child could not set up its restriction");
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_fallback_seccomp_eperm(void **state)
{
	t_run_child(*state, T_CHILD_EPERM);
}

static void test_fallback_seccomp_enosys(void **state)
{
	t_run_child(*state, T_CHILD_ENOSYS);
}

static void test_fallback_memlock(void **state)
{
	t_run_child(*state, T_CHILD_MEMLOCK);
}

/* Queues one request and reaps it; returns its result. */
static int64_t t_one(struct io_engine *e, struct io_req *r)
{
	struct io_req *done[1];

	r->result = -12345;
	assert_int_equal(e->ops->queue(e, r), 0);
	assert_int_equal(e->ops->reap(e, 1, 0, done, 1), 1);
	assert_ptr_equal(done[0], r);
	return r->result;
}

/*
 * Trims and syncs: fio's trim of a file punches a hole that reads back as zeros and keeps the
 * file's size; fsync and fdatasync answer 0. Engines that cannot queue them (libaio) leave them
 * to engine_do_other, which is what the worker calls for them.
 */
static void test_trim_and_sync(void **state)
{
	struct t_case *c = *state;
	unsigned char zero[T_BS], got[T_BS];
	struct io_engine e = { 0 };
	struct t_bufs b;
	struct stat st;
	char name[64], path[256];
	int fd;

	snprintf(name, sizeof(name), "trim-%s.dat", c->engine);
	fd = t_open_file(c->env, name, false, path, sizeof(path));
	assert_true(fd >= 0);
	t_bufs_alloc(&b);
	t_engine_open(c->env, &e, c->engine, fd, T_DEPTH, &b);
	assert_int_equal(fstat(fd, &st), 0);
	off_t size = st.st_size;
	/* four blocks of data */
	for (unsigned blk = 0; blk < 4; blk++) {
		struct io_req w = { .offset = blk * T_BS, .fd = fd, .len = T_BS, .dir = IO_WRITE };

		memset(b.iov[0].iov_base, 0x5a, T_BS);
		assert_int_equal(t_one(&e, &w), T_BS);
	}
	struct io_req t = { .offset = T_BS, .fd = fd, .len = 2 * T_BS, .dir = IO_TRIM };
	struct io_req sy = { .fd = fd, .dir = IO_SYNC }, ds = { .fd = fd, .dir = IO_DATASYNC };
	/* the synchronous engines trim in reap; the worker trims for the others (as fio) */
	int64_t ret = e.ops->sync_io ? t_one(&e, &t) : engine_do_other(&t);
	if (ret == -EOPNOTSUPP)
		t_skip(c->env, "%s cannot punch holes", c->env->dir);
	assert_int_equal(ret, 2 * T_BS);
	if (e.ops->queues_other) {
		assert_int_equal(t_one(&e, &sy), 0);
		assert_int_equal(t_one(&e, &ds), 0);
	} else {
		assert_int_equal(engine_do_other(&sy), 0);
		assert_int_equal(engine_do_other(&ds), 0);
	}
	e.ops->exit(&e);
	memset(zero, 0, sizeof(zero));
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, size);
	for (unsigned blk = 0; blk < 4; blk++) {
		assert_int_equal(pread(fd, got, T_BS, (off_t)blk * T_BS), T_BS);
		if (blk == 1 || blk == 2)
			assert_memory_equal(got, zero, T_BS);
		else
			assert_int_equal(got[0], 0x5a);
	}
	close(fd);
	t_bufs_free(&b);
}

/* An engine option given to an engine that does not take it is an error naming both. */
static void test_engine_keys_refused(void **state)
{
	(void)state;
	assert_null(blk_engine_option_find("libaio", "hipri"));
	assert_null(blk_engine_option_find("io_uring", "userspace_reap"));
	assert_non_null(blk_engine_option_find("libaio", "userspace_reap"));
}

static int t_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0)
		perror(path);
	return 0;
}

static void t_add(struct CMUnitTest *tests, size_t *n, const char *name, CMUnitTestFunction fn,
		  void *state)
{
	tests[(*n)++] = (struct CMUnitTest){ name, fn, NULL, NULL, state };
}

int main(void)
{
	static const char *const engines[] = { "io_uring", "libaio", "psync",	"sync",
					       "vsync",	   "pvsync", "pvsync2", "posixaio" };
#define T_NENGINES (sizeof(engines) / sizeof(engines[0]))
	/* io_uring's options: fio's defaults (nothing registered), READV/WRITEV, and SQPOLL */
	static const struct blk_engine_job_opts uring_fio = { .nonvectored = "-1" },
						uring_vec = { .nonvectored = "0" },
						uring_sqpoll = { .fixedbufs = true,
								 .registerfiles = true,
								 .sqthread_poll = true,
								 .nonvectored = "-1" },
						aio_ureap = { .userspace_reap = true },
						pv2_hipri = { .hipri = true };
	static const struct {
		const char *engine, *what;
		const struct blk_engine_job_opts *opts;
	} variants[] = {
		{ "io_uring", "fixedbufs=0 registerfiles=0", &uring_fio },
		{ "io_uring", "fixedbufs=0 nonvectored=0", &uring_vec },
		{ "io_uring", "sqthread_poll", &uring_sqpoll },
		{ "libaio", "userspace_reap", &aio_ureap },
		{ "pvsync2", "hipri", &pv2_hipri },
	};
#define T_NVARIANTS (sizeof(variants) / sizeof(variants[0]))
	struct t_env env = { .ci = t_in_ci() };
	struct t_case rt[2 * T_NENGINES + T_NVARIANTS], eng[T_NENGINES];
	char names[64][64];
	struct CMUnitTest tests[80];
	size_t n = 0, nn = 0;
	int failed;

	snprintf(env.dir, sizeof(env.dir), "/var/tmp/pvc-engines-XXXXXX");
	if (!mkdtemp(env.dir))
		return t_cannot_run("mkdtemp /var/tmp: %s", strerror(errno));

	for (unsigned i = 0; i < T_NENGINES; i++) {
		for (unsigned d = 0; d < 2; d++) {
			struct t_case *c = &rt[2 * i + d];

			*c = (struct t_case){ &env, engines[i], d == 1, NULL };
			snprintf(names[nn], sizeof(names[nn]), "roundtrip %s %s", engines[i],
				 d ? "O_DIRECT" : "buffered");
			t_add(tests, &n, names[nn++], test_roundtrip, c);
		}
	}
	for (unsigned i = 0; i < T_NVARIANTS; i++) {
		struct t_case *c = &rt[2 * T_NENGINES + i];

		*c = (struct t_case){ &env, variants[i].engine, true, variants[i].opts };
		snprintf(names[nn], sizeof(names[nn]), "roundtrip %s %s O_DIRECT",
			 variants[i].engine, variants[i].what);
		t_add(tests, &n, names[nn++], test_roundtrip, c);
	}
	for (unsigned i = 0; i < T_NENGINES; i++) {
		eng[i] = (struct t_case){ &env, engines[i], false, NULL };
		snprintf(names[nn], sizeof(names[nn]), "busy %s", engines[i]);
		t_add(tests, &n, names[nn++], test_busy, &eng[i]);
		snprintf(names[nn], sizeof(names[nn]), "trim and sync %s", engines[i]);
		t_add(tests, &n, names[nn++], test_trim_and_sync, &eng[i]);
	}
	t_add(tests, &n, "engine keys", test_engine_keys_refused, &env);
	for (unsigned i = 0; i < 2; i++) {
		snprintf(names[nn], sizeof(names[nn]), "reap idle timeout %s", engines[i]);
		t_add(tests, &n, names[nn++], test_reap_idle_timeout, &eng[i]);
	}
	t_add(tests, &n, "io_uring wait timeout and signal", test_uring_wait_timeout_and_signal,
	      &eng[0]);
	t_add(tests, &n, "auto picks io_uring", test_auto_picks_uring, &env);
	t_add(tests, &n, "engine table", test_engine_table, &env);
	t_add(tests, &n, "engine options", test_engine_options, &env);
	t_add(tests, &n, "unknown engine", test_unknown_engine, &env);
	t_add(tests, &n, "fallback seccomp EPERM", test_fallback_seccomp_eperm, &env);
	t_add(tests, &n, "fallback seccomp ENOSYS", test_fallback_seccomp_enosys, &env);
	t_add(tests, &n, "fallback memlock", test_fallback_memlock, &env);

	failed = _cmocka_run_group_tests("engines", tests, n, NULL, NULL);
	nftw(env.dir, t_rm, 8, FTW_DEPTH | FTW_PHYS);

	if (failed)
		return 1;
	return env.skipped ? T_EXIT_SKIP : T_EXIT_PASS;
}
