/*
 * agentbox-exec: the native helper of agentbox's local backend, run as root by the server.
 *
 *   agentbox-exec init [--cgroup DIR]... [--timeout-ms N] [--log FILE] [--serve-socket PATH] -- CMD...
 *   agentbox-exec run --record DIR [options] -- CMD...
 *   agentbox-exec exchange PATH1 PATH2
 *
 * "init" starts a sandbox's init inside its cgroups, detached from the server. "run" supervises one
 * exec inside a running sandbox and keeps what it learns in files, so that an exec and its record
 * outlive a server crash. "exchange" swaps two directory entries atomically (a workspace restore's
 * last step). With --serve-socket, init also leaves an exec server behind: it holds the
 * sandbox's namespaces and forks one "run" supervisor per connection, which saves the JVM a process
 * spawn per exec. The contract (CLI, record files, capture layout, JSON keys, the server's protocol)
 * is docs/exec-helper.md; change the two together.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define MSG_MAX 1024             /* error texts */
#define CHUNK (64 * 1024)        /* one pipe read */
#define CAPTURE_MAX (1ULL << 40) /* per region: keeps 32+H+T far from off_t overflow */
#define MS_MAX (1ULL << 40)
#define KILL_WAIT_MS 5000        /* bound on emptying a tree */
#define FREEZE_WAIT_MS 1000
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"
#define REQUEST_MAX (1 << 20)    /* exec server: bytes of arguments in one request */
#define REQUEST_WAIT_MS 10000    /* exec server: a client sends its request as soon as it connects */
#define USAGE "usage: agentbox-exec init [--cgroup DIR]... [--timeout-ms N] [--log FILE] [--serve-socket PATH] -- CMD...\n" \
	      "       agentbox-exec run --record DIR [options] -- CMD...   (see docs/exec-helper.md)\n" \
	      "       agentbox-exec exchange PATH1 PATH2\n"

/* ------------------------------------------------------------------ utilities */

static void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("agentbox-exec: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

#define usage(...) (warn(__VA_ARGS__), fputs(USAGE, stderr), exit(2))

static int64_t now_ms(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	poll(NULL, 0, ms); /* our signals are blocked (signalfd), so nothing cuts this short */
}

/* Writes all of buf at offset off, or at the file position when off < 0. */
static int write_full(int fd, const void *buf, size_t len, int64_t off)
{
	for (const char *p = buf; len > 0;) {
		ssize_t n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) return -1;
		p += n, len -= (size_t)n;
		off = off < 0 ? off : off + n;
	}
	return 0;
}

/* Builds DIR/NAME; refuses (ENAMETOOLONG) rather than act on a silently truncated path. */
static int path_join(char *buf, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(buf, cap, "%s/%s", dir, name);
	if (n >= 0 && (size_t)n < cap) return 0;
	errno = ENAMETOOLONG;
	return -1;
}

/* One value into an existing control file: cgroup files take one value per write(2). */
static int write_control(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	int rc = write_full(fd, text, strlen(text), -1), saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Moves the calling process, which must be single-threaded, into cgroup DIR. On v1 it writes 0 to
 * "tasks": that moves only the calling thread, here the whole process, and since Linux 6.2 it skips
 * the global threadgroup lock that a "cgroup.procs" write takes, whose write side waits for an RCU
 * grace period (about 10 ms per exec measured). v2 has no "tasks" file: "cgroup.procs" it is. */
static int join_cgroup(const char *dir)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof path, dir, "tasks") < 0) return -1;
	if (write_control(path, "0") == 0) return 0;
	if (errno != ENOENT || path_join(path, sizeof path, dir, "cgroup.procs") < 0) return -1;
	return write_control(path, "0");
}

/* Reads at most cap-1 bytes of a small file, NUL-terminated. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n = 0;
	if (fd < 0) return -1;
	while (len < cap - 1 && ((n = read(fd, buf + len, cap - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	close(fd);
	buf[len] = '\0';
	return n < 0 ? -1 : (ssize_t)len;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || v > max) return -1;
	*out = v;
	return 0;
}

/* The fields of /proc/PID/stat we use. The command name may hold spaces and ')', so parsing starts
 * after the last ')'. */
struct proc_stat {
	char state;
	long ppid, pgrp, session;
	unsigned flags;                /* field 9: the kernel's PF_* bits */
	unsigned long long start_time; /* field 22: with the pid, it names a process across pid reuse */
};

#define PF_EXITING 0x4 /* include/linux/sched.h: set as soon as a task starts to exit */

static int read_proc_stat(long pid, struct proc_stat *st)
{
	char path[64], buf[1024], *p;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (read_small(path, buf, sizeof buf) < 0 || !(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %c %ld %ld %ld %*d %*d %u", &st->state, &st->ppid, &st->pgrp, &st->session, &st->flags) != 5)
		return -1;
	for (int field = 2; field < 22 && p; field++) /* p is at the end of field 2 */
		p = strchr(p + 1, ' ');
	if (!p) return -1;
	st->start_time = strtoull(p + 1, NULL, 10);
	return 0;
}

/* 1 while pid exists and has not begun to exit; start_time, unless 0, must match (against pid reuse). */
static int process_running(long pid, unsigned long long start_time)
{
	struct proc_stat st;
	return read_proc_stat(pid, &st) == 0 && (!start_time || st.start_time == start_time) && st.state != 'Z' &&
	       st.state != 'X' && !(st.flags & PF_EXITING);
}

/* First pid in /proc/PID/task/PID/children, 0 if none. */
static long first_child(long pid)
{
	char path[96], buf[64];
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", pid, pid);
	return read_small(path, buf, sizeof buf) > 0 ? strtol(buf, NULL, 10) : 0;
}

/* A forked child's set-up failed: tell the parent through fd (a close-on-exec pipe) and exit. */
static void __attribute__((noreturn)) child_fail(int fd, int code, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n > 0) /* if this fails, the exit code alone still tells */
		write_full(fd, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1, -1);
	_exit(code);
}

/* A child must not inherit our blocked mask or an ignored SIGPIPE/SIGHUP: `yes | head` relies on
 * the defaults. EINVAL is expected for SIGKILL, SIGSTOP and libc's internal signals. */
static void reset_signals(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, &dfl, NULL) < 0 && errno != EINVAL)
			warn("reset signal %d: %s", sig, strerror(errno));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void rstrip(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid (overlong, surrogate, truncated...). */
static size_t utf8_seq(const unsigned char *s)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		   : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	uint32_t cp = s[0] & (0x7f >> len);
	if (len <= 1) return len;
	for (size_t i = 1; i < len; i++) { /* a NUL fails here too, so we never read past the end */
		if ((s[i] & 0xc0) != 0x80) return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	return cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : len;
}

/* Quotes str as a JSON string into out, which must hold 6 * strlen(str) + 3 bytes. The Java side
 * parses strict JSON, so invalid UTF-8 (log tails, odd paths) becomes U+FFFD. */
static char *json_string(char *out, const char *str)
{
	char *o = out;
	*o++ = '"';
	for (const unsigned char *s = (const unsigned char *)str; *s;) {
		size_t n = utf8_seq(s);
		if (n == 0)
			o += sprintf(o, "\\ufffd"), s++;
		else if (*s == '"' || *s == '\\')
			*o++ = '\\', *o++ = (char)*s++;
		else if (*s < 0x20 || *s == 0x7f)
			o += sprintf(o, "\\u%04x", *s++);
		else
			memcpy(o, s, n), o += n, s += n;
	}
	strcpy(o, "\"");
	return out;
}

/* One line to an exec server client. Never blocks: our lines are far smaller than a socket buffer,
 * and a client that stopped reading loses the line rather than stall a supervisor. One that went
 * away is no error (SIGPIPE is ignored, MSG_NOSIGNAL besides). */
static void send_line(int conn, const char *line)
{
	if (send(conn, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EPIPE && errno != ECONNRESET)
		warn("send to exec client: %s", strerror(errno));
}

/* The line {"error":"..."} to an exec server client. */
static void send_error(int conn, const char *fmt, ...)
{
	char msg[MSG_MAX], json[6 * sizeof msg + 3], line[sizeof json + 16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, "{\"error\":%s}\n", json_string(json, msg));
	send_line(conn, line);
}

/* ------------------------------------------------------------------ init */

struct init_opts {
	char **cgroups, **cmd;
	int ncgroups;
	const char *log, *serve_socket;
	uint64_t timeout_ms;
};

/* stdin and stdout become /dev/null, stderr the log (append; /dev/null without one). stdout must not
 * stay the caller's pipe, or the caller would wait for the sandbox (or the exec server) to end.
 * Returns 0, or -1 with msg saying what failed. */
static int detach_stdio(const char *log_path, char *msg, size_t cap)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC), log;
	if (devnull < 0) {
		snprintf(msg, cap, "open /dev/null: %s", strerror(errno));
		return -1;
	}
	if ((log = log_path ? open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : devnull) < 0) {
		snprintf(msg, cap, "open %s: %s", log_path, strerror(errno));
		return -1;
	}
	if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(log, 2) < 0) {
		snprintf(msg, cap, "set up stdio: %s", strerror(errno));
		return -1;
	}
	if (log != devnull) close(log);
	close(devnull);
	return 0;
}

/* The forked child. Never returns; a failure is written to the ready pipe, where the parent shows it. */
static void __attribute__((noreturn)) init_child(const struct init_opts *o, int ready)
{
	char msg[MSG_MAX];

	reset_signals();
	for (int i = 0; i < o->ncgroups; i++)
		if (join_cgroup(o->cgroups[i]) < 0)
			child_fail(ready, 126, "join cgroup %s: %s", o->cgroups[i], strerror(errno));
	/* A session of its own, so that nothing aimed at the server's process group reaches the sandbox. */
	if (setsid() < 0)
		child_fail(ready, 126, "setsid: %s", strerror(errno));
	if (detach_stdio(o->log, msg, sizeof msg) < 0)
		child_fail(ready, 126, "%s", msg);
	if ((ready != 9 && dup2(ready, 9) < 0) || close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0 || fcntl(9, F_SETFD, 0) < 0)
		child_fail(ready, 126, "set up descriptors: %s", strerror(errno));
	execvp(o->cmd[0], o->cmd);
	child_fail(9, errno == ENOENT ? 127 : 126, "exec %s: %s", o->cmd[0], strerror(errno));
}

/* 1 once a line "ready" arrived, 0 on EOF without it, -1 on timeout. Other text is kept in text. */
static int wait_ready(int fd, uint64_t timeout_ms, char *text, size_t cap)
{
	int64_t deadline = now_ms(CLOCK_MONOTONIC) + (int64_t)timeout_ms, left;
	size_t len = 0;
	text[0] = '\0';
	while ((left = deadline - now_ms(CLOCK_MONOTONIC)) > 0) {
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, (int)(left < INT_MAX ? left : INT_MAX));
		if (r < 0 && errno != EINTR) return 0;
		if (r <= 0) continue;
		if (len == cap - 1) /* bounded: a chatty init loses its older text */
			memmove(text, text + cap / 2, len - cap / 2), len -= cap / 2;
		ssize_t n = read(fd, text + len, cap - 1 - len);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) return 0;
		text[len += (size_t)n] = '\0';
		if (!strncmp(text, "ready\n", 6) || strstr(text, "\nready\n")) return 1;
	}
	return -1;
}

/* Kills what a failed start left behind. A namespace init ignores SIGTERM; SIGKILL of the sandbox's
 * pid 1 ends its whole pid namespace. Then the process group and the forked process itself. */
static void kill_init(pid_t pid, int *status)
{
	pid_t targets[] = { (pid_t)first_child(pid), -pid, pid };
	for (int i = 0; i < 3; i++)
		if (targets[i] && kill(targets[i], SIGKILL) < 0 && errno != ESRCH)
			warn("kill %d: %s", (int)targets[i], strerror(errno));
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* The last 2000 bytes of the log: the first thing anyone debugging a failed start wants. */
static void log_tail(const char *log, char *tail, size_t cap)
{
	struct stat st;
	int fd = log ? open(log, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n = -1;
	if (fd >= 0 && fstat(fd, &st) == 0)
		n = pread(fd, tail, cap - 1, st.st_size > (off_t)cap - 1 ? st.st_size - (off_t)cap + 1 : 0);
	tail[n > 0 ? n : 0] = '\0';
	if (fd >= 0) close(fd);
	rstrip(tail);
}

static pid_t start_server(const struct init_opts *o, pid_t init_pid, long ns_pid, char *text, size_t cap);

static int cmd_init(int argc, char **argv)
{
	struct init_opts o = { .timeout_ms = 10000, .cgroups = calloc((size_t)argc + 1, sizeof(char *)) };
	char text[MSG_MAX], tail[2001], msg[sizeof text + sizeof tail + 128], json[6 * sizeof msg + 16];
	int i, ready[2], status = 0;
	struct proc_stat st;

	if (!o.cgroups) usage("out of memory");
	for (i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		if (i + 1 >= argc) usage("%s needs a value", argv[i]);
		if (!strcmp(argv[i], "--cgroup"))
			o.cgroups[o.ncgroups++] = argv[++i];
		else if (!strcmp(argv[i], "--log"))
			o.log = argv[++i];
		else if (!strcmp(argv[i], "--serve-socket"))
			o.serve_socket = argv[++i];
		else if (strcmp(argv[i], "--timeout-ms") || parse_u64(argv[++i], MS_MAX, &o.timeout_ms) < 0)
			usage("bad init option %s", argv[i]);
	}
	if (i + 1 >= argc) usage("init needs -- CMD...");
	o.cmd = argv + i + 1;

	pid_t pid = pipe2(ready, O_CLOEXEC) < 0 ? -1 : fork();
	if (pid < 0) {
		printf("{\"error\":\"cannot start init: %s\"}\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(ready[0]);
		init_child(&o, ready[1]);
	}
	close(ready[1]);
	int r = wait_ready(ready[0], o.timeout_ms, text, sizeof text);
	close(ready[0]); /* the exec server must not hold it */
	if (r == 1 && read_proc_stat(pid, &st) == 0) {
		/* Without a pid namespace (no bwrap child) the forked process's own namespaces are the ones. */
		long ns_pid = first_child(pid);
		ns_pid = ns_pid > 0 ? ns_pid : (long)pid;
		pid_t server = o.serve_socket ? start_server(&o, pid, ns_pid, text, sizeof text) : 0;
		if (server > 0)
			printf("{\"pid\":%ld,\"startTime\":%llu,\"nsPid\":%ld,\"servePid\":%ld}\n", (long)pid, st.start_time,
			       ns_pid, (long)server);
		else if (server == 0)
			printf("{\"pid\":%ld,\"startTime\":%llu,\"nsPid\":%ld}\n", (long)pid, st.start_time, ns_pid);
		if (server >= 0)
			return fflush(stdout) == 0 ? 0 : 1;
		r = 2; /* the server failed: the sandbox goes, like after any other set-up failure */
	}
	kill_init(pid, &status);
	if (r == 2)
		snprintf(msg, sizeof msg, "exec server did not start");
	else if (r == 1)
		snprintf(msg, sizeof msg, "init vanished right after signalling ready");
	else if (r < 0)
		snprintf(msg, sizeof msg, "init not ready after %llu ms", (unsigned long long)o.timeout_ms);
	else if (WIFEXITED(status))
		snprintf(msg, sizeof msg, "init exited with status %d before signalling ready", WEXITSTATUS(status));
	else
		snprintf(msg, sizeof msg, "init killed by signal %d before signalling ready", WTERMSIG(status));
	rstrip(text);
	log_tail(o.log, tail, sizeof tail);
	snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%s%s%s%s", text[0] ? ": " : "", text,
		 tail[0] ? "; log: " : "", tail);
	printf("{\"error\":%s}\n", json_string(json, msg));
	fflush(stdout);
	return 1;
}

/* ------------------------------------------------------------------ seccomp */

/* Calls that let a sandboxed process escape, watch others, or reach kernel surface that build and
 * test workloads do not need. */
static const int eperm_syscalls[] = {
	__NR_ptrace, __NR_process_vm_readv, __NR_process_vm_writev, __NR_mount, __NR_umount2,
	__NR_pivot_root, __NR_chroot, __NR_unshare, __NR_setns, __NR_kexec_load, __NR_init_module,
	__NR_finit_module, __NR_delete_module, __NR_bpf, __NR_perf_event_open, __NR_userfaultfd,
	__NR_keyctl, __NR_add_key, __NR_request_key, __NR_open_by_handle_at, __NR_name_to_handle_at,
	__NR_reboot, __NR_swapon, __NR_swapoff, __NR_acct, __NR_syslog, __NR_quotactl,
#ifdef __NR_kexec_file_load
	__NR_kexec_file_load,
#endif
#ifdef __NR_move_mount
	__NR_move_mount, __NR_open_tree, __NR_fsopen, __NR_fsconfig, __NR_fsmount, __NR_fspick,
#endif
#ifdef __NR_mount_setattr
	__NR_mount_setattr,
#endif
#ifdef __NR_iopl
	__NR_iopl,
#endif
#ifdef __NR_ioperm
	__NR_ioperm,
#endif
#ifdef __NR_lookup_dcookie
	__NR_lookup_dcookie,
#endif
#ifdef __NR_io_uring_setup
	__NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
#endif
};

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "agentbox-exec: no seccomp filter for this architecture"
#endif
#define NEW_NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ /* the flags all live in the low word of args[0] */
#define ARG0_LOW offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LOW (offsetof(struct seccomp_data, args[0]) + 4)
#endif

/* Jumps first hold label numbers; they become offsets once the blocks after the syscall list are placed. */
enum { L_NEXT, L_CLONE, L_ALLOW, L_EPERM, L_ENOSYS, L_KILL, L_COUNT };
#define FILTER_MAX 128

struct filter {
	struct sock_filter ins[FILTER_MAX];
	unsigned n, label[L_COUNT];
};

static void emit(struct filter *f, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	f->ins[f->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

static void build_filter(struct filter *f)
{
	memset(f, 0, sizeof *f);
	emit(f, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	emit(f, BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, L_NEXT, L_KILL);
	emit(f, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
#ifdef __x86_64__
	/* x32 calls carry the x86_64 arch value; only this bit of nr tells them apart. */
	emit(f, BPF_JMP | BPF_JGE | BPF_K, 0x40000000, L_KILL, L_NEXT);
#endif
	for (size_t i = 0; i < sizeof eperm_syscalls / sizeof eperm_syscalls[0]; i++)
		emit(f, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)eperm_syscalls[i], L_EPERM, L_NEXT);
#ifdef __NR_clone3
	/* clone3 passes its flags in memory the filter cannot read; ENOSYS makes libc fall back to clone. */
	emit(f, BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, L_ENOSYS, L_NEXT);
#endif
	emit(f, BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, L_CLONE, L_ALLOW);
	f->label[L_CLONE] = f->n;
	emit(f, BPF_LD | BPF_W | BPF_ABS, ARG0_LOW, 0, 0);
	emit(f, BPF_JMP | BPF_JSET | BPF_K, NEW_NS_FLAGS, L_EPERM, L_ALLOW);
	f->label[L_ALLOW] = f->n;
	emit(f, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	f->label[L_EPERM] = f->n;
	emit(f, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM, 0, 0);
	f->label[L_ENOSYS] = f->n;
	emit(f, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS, 0, 0);
	f->label[L_KILL] = f->n;
	emit(f, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	/* Classic BPF jumps are relative and forward only: every label lies after its jumps. */
	for (unsigned i = 0; i < f->n; i++) {
		if (f->ins[i].jt != L_NEXT) f->ins[i].jt = (uint8_t)(f->label[f->ins[i].jt] - i - 1);
		if (f->ins[i].jf != L_NEXT) f->ins[i].jf = (uint8_t)(f->label[f->ins[i].jf] - i - 1);
	}
}

/* ------------------------------------------------------------------ run: options and the child */

struct run_opts {
	const char *record, *cwd, *stdin_path, *stdout_path, *exec_cgroup, *oom_file, *pids_file;
	char **cgroups, **env, **cmd; /* env is NULL-terminated: it is the child's envp */
	int ncgroups, nenv, seccomp;
	uint64_t ns_pid, uid, gid, timeout_ms, head, tail, nofile, fsize; /* uid..fsize: UINT64_MAX = unset */
};

/* Returns 0, or -1 with msg saying what is wrong: "run" makes that a usage error, the exec server an
 * error line to its client. */
static int parse_run_opts(int argc, char **argv, struct run_opts *o, char *msg, size_t cap)
{
	int i;
	*o = (struct run_opts){ .head = 65536, .tail = 65536, .uid = UINT64_MAX, .gid = UINT64_MAX, .nofile = UINT64_MAX,
				.fsize = UINT64_MAX };
	o->cgroups = calloc((size_t)argc + 1, sizeof(char *));
	o->env = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->cgroups || !o->env) {
		snprintf(msg, cap, "out of memory");
		return -1;
	}
	for (i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		const char *opt = argv[i];
		char *v, *colon;
		int bad = 0;
		if (!strcmp(opt, "--seccomp")) {
			o->seccomp = 1;
			continue;
		}
		if (i + 1 >= argc) {
			snprintf(msg, cap, "%s needs a value", opt);
			return -1;
		}
		v = argv[++i];
		if (!strcmp(opt, "--record"))
			o->record = v;
		else if (!strcmp(opt, "--cwd"))
			o->cwd = v;
		else if (!strcmp(opt, "--stdin"))
			o->stdin_path = v;
		else if (!strcmp(opt, "--stdout"))
			o->stdout_path = v;
		else if (!strcmp(opt, "--exec-cgroup"))
			o->exec_cgroup = v;
		else if (!strcmp(opt, "--oom-file"))
			o->oom_file = v;
		else if (!strcmp(opt, "--pids-file"))
			o->pids_file = v;
		else if (!strcmp(opt, "--cgroup"))
			o->cgroups[o->ncgroups++] = v;
		else if (!strcmp(opt, "--env")) {
			o->env[o->nenv++] = v;
			bad = !strchr(v, '=');
		} else if (!strcmp(opt, "--ns-pid"))
			bad = parse_u64(v, INT_MAX, &o->ns_pid) < 0 || o->ns_pid == 0;
		else if (!strcmp(opt, "--uid"))
			bad = parse_u64(v, UINT32_MAX - 1, &o->uid) < 0;
		else if (!strcmp(opt, "--gid"))
			bad = parse_u64(v, UINT32_MAX - 1, &o->gid) < 0;
		else if (!strcmp(opt, "--timeout-ms"))
			bad = parse_u64(v, MS_MAX, &o->timeout_ms) < 0;
		else if (!strcmp(opt, "--nofile"))
			bad = parse_u64(v, UINT64_MAX - 1, &o->nofile) < 0;
		else if (!strcmp(opt, "--fsize"))
			bad = parse_u64(v, UINT64_MAX - 1, &o->fsize) < 0;
		else if (!strcmp(opt, "--capture") && (colon = strchr(v, ':'))) {
			*colon = '\0';
			bad = parse_u64(v, CAPTURE_MAX, &o->head) < 0 || parse_u64(colon + 1, CAPTURE_MAX, &o->tail) < 0;
			*colon = ':';
		} else
			bad = 1;
		if (bad) {
			snprintf(msg, cap, "bad option %s %s", opt, v);
			return -1;
		}
	}
	if (i + 1 >= argc || !o->record) {
		snprintf(msg, cap, "run needs --record DIR and -- CMD...");
		return -1;
	}
	o->cmd = argv + i + 1;
	return 0;
}

/* The child joins the first NNS in this order (mnt last); the supervisor joins pid, just for the fork. */
static const char *const ns_names[] = { "ipc", "uts", "net", "cgroup", "mnt", "pid" };
static const int ns_types[] = { CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWNS, CLONE_NEWPID };
#define NNS 5
#define NS_PID NNS /* index of the pid namespace in an array of NNS + 1 namespace files */

static void close_fds(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0) close(fds[i]), fds[i] = -1;
}

/* Opens the NNS + 1 namespace files of pid, in ns_names order. Returns 0, or -1 with msg set and
 * nothing left open. */
static int open_namespaces(long pid, int fds[NNS + 1], char *msg, size_t cap)
{
	char path[96];
	for (int i = 0; i <= NNS; i++)
		fds[i] = -1;
	for (int i = 0; i <= NNS; i++) {
		snprintf(path, sizeof path, "/proc/%ld/ns/%s", pid, ns_names[i]);
		if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			snprintf(msg, cap, "open %s: %s", path, strerror(errno));
			close_fds(fds, NNS + 1);
			return -1;
		}
	}
	return 0;
}

struct child_ctx {
	const struct run_opts *o;
	const int *ns;            /* NNS namespace files, -1 without --ns-pid */
	int in, out, err, report; /* report: close-on-exec pipe that carries a set-up failure */
	const struct sock_fprog *filter;
};

/* Root lacks CAP_SYS_RESOURCE here: never ask for more than the current hard limit. */
static int clamp_rlimit(int resource, uint64_t want)
{
	struct rlimit rl;
	if (getrlimit(resource, &rl) < 0) return -1;
	rl.rlim_cur = rl.rlim_max = rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max ? rl.rlim_max : (rlim_t)want;
	return setrlimit(resource, &rl);
}

/* execvp, but PATH comes from the child's environment instead of ours. Returns errno. */
static int exec_lookup(char **argv, char **envp)
{
	const char *name = argv[0], *path = DEFAULT_PATH, *p, *end;
	char full[PATH_MAX];
	int err = ENOENT;
	for (char **e = envp; *e; e++)
		if (!strncmp(*e, "PATH=", 5)) path = *e + 5;
	for (p = path; *name && !strchr(name, '/'); p = end + 1) {
		end = strchrnul(p, ':');
		int n = end == p ? snprintf(full, sizeof full, "./%s", name)
				 : snprintf(full, sizeof full, "%.*s/%s", (int)(end - p), p, name);
		if (n > 0 && (size_t)n < sizeof full) {
			execve(full, argv, envp);
			if (errno == EACCES)
				err = EACCES;
			else if (errno != ENOENT && errno != ENOTDIR)
				return errno;
		}
		if (!*end) return err;
	}
	execve(name, argv, envp);
	return errno;
}

/* Whether this process has the capability in its effective set. */
static int has_effective_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) < 0) return 1;
	return (data[cap / 32].effective >> (cap % 32)) & 1;
}

/* The child, in the spec's order. Never returns: it execs the command or reports why not. */
static void __attribute__((noreturn)) child_main(const struct child_ctx *c)
{
	const struct run_opts *o = c->o;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct no_caps[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	int fd = c->report, i;

	reset_signals();
	/* Whatever the caller let us inherit must not reach the sandbox. */
	if (dup2(c->in, 0) < 0 || dup2(c->out, 1) < 0 || dup2(c->err, 2) < 0 || close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		child_fail(fd, 126, "set up descriptors: %s", strerror(errno));
	for (i = 0; i <= o->ncgroups; i++) { /* the exec cgroup last: it may sit below a --cgroup */
		const char *cg = i < o->ncgroups ? o->cgroups[i] : o->exec_cgroup;
		if (cg && join_cgroup(cg) < 0)
			child_fail(fd, 126, "join cgroup %s: %s", cg, strerror(errno));
	}
	for (i = 0; i < NNS; i++)
		if (c->ns[i] >= 0 && setns(c->ns[i], ns_types[i]) < 0)
			child_fail(fd, 126, "join %s namespace of pid %llu: %s", ns_names[i], (unsigned long long)o->ns_pid,
				   strerror(errno));
	if (setsid() < 0) child_fail(fd, 126, "setsid: %s", strerror(errno));
	if (o->cwd && chdir(o->cwd) < 0) child_fail(fd, 126, "chdir %s: %s", o->cwd, strerror(errno));
	if (clamp_rlimit(RLIMIT_CORE, 0) < 0 || (o->nofile != UINT64_MAX && clamp_rlimit(RLIMIT_NOFILE, o->nofile) < 0) ||
	    (o->fsize != UINT64_MAX && clamp_rlimit(RLIMIT_FSIZE, o->fsize) < 0))
		child_fail(fd, 126, "setrlimit: %s", strerror(errno));
	for (int cap = 0; cap < 64; cap++) { /* EINVAL marks the first capability this kernel does not know */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
		if (errno == EINVAL && cap > 0) break;
		/* An unprivileged caller (a pod's user) may not shrink its bounding set; no_new_privs, set below,
		 * keeps execve from granting it any capability all the same. */
		if (errno == EPERM && !has_effective_cap(CAP_SETPCAP)) break;
		child_fail(fd, 126, "drop capability %d from the bounding set: %s", cap, strerror(errno));
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		child_fail(fd, 126, "clear ambient capabilities: %s", strerror(errno));
	if ((o->uid != UINT64_MAX || o->gid != UINT64_MAX) && setgroups(0, NULL) < 0)
		child_fail(fd, 126, "setgroups: %s", strerror(errno));
	if (o->gid != UINT64_MAX && setresgid((gid_t)o->gid, (gid_t)o->gid, (gid_t)o->gid) < 0)
		child_fail(fd, 126, "setresgid %llu: %s", (unsigned long long)o->gid, strerror(errno));
	if (o->uid != UINT64_MAX && setresuid((uid_t)o->uid, (uid_t)o->uid, (uid_t)o->uid) < 0)
		child_fail(fd, 126, "setresuid %llu: %s", (unsigned long long)o->uid, strerror(errno));
	/* Without --uid the child is still uid 0; empty its sets too, since root's execve would carry the
	 * inheritable set into the new permitted set. */
	if (syscall(SYS_capset, &hdr, no_caps) < 0) child_fail(fd, 126, "capset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(fd, 126, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (o->seccomp && syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, c->filter) < 0)
		child_fail(fd, 126, "install seccomp filter: %s", strerror(errno));
	int err = exec_lookup(o->cmd, o->env);
	if ((err == ENOENT || err == ENOTDIR) && !strchr(o->cmd[0], '/'))
		child_fail(fd, 127, "%s: command not found", o->cmd[0]);
	child_fail(fd, err == ENOENT || err == ENOTDIR ? 127 : 126, "exec %s: %s", o->cmd[0], strerror(err));
}

/* ------------------------------------------------------------------ run: capture files */

#define CAPTURE_HDR 32

struct capture {
	int fd, pipe;  /* pipe: the read end, -1 after EOF */
	uint64_t head, tail, total;
	const char *name;
	int failed;    /* errno of the first failed write, reported once */
};

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static int capture_open(int dirfd, const char *name, uint64_t head, uint64_t tail, struct capture *c)
{
	unsigned char hdr[CAPTURE_HDR] = "ABCAPT1\n";
	*c = (struct capture){ .name = name, .head = head, .tail = tail, .pipe = -1 };
	put_le64(hdr + 16, head);
	put_le64(hdr + 24, tail);
	/* The file grows with the output, never past 32 + H + T: a short command's record stays a few bytes
	 * on disk, also once it is copied off the tmpfs, where a sparse full-size file would not stay sparse. */
	c->fd = openat(dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->fd < 0) return -1;
	return write_full(c->fd, hdr, sizeof hdr, 0);
}

/* Stores a chunk per the layout: head bytes in place, the rest into the ring (only the chunk's last
 * T bytes can survive there, so only those are written), then publishes the new total. */
static int capture_store(struct capture *c, const char *data, size_t n)
{
	uint64_t pos = c->total, end = pos + n, from = pos > c->head ? pos : c->head;
	unsigned char le[8];
	if (pos < c->head && write_full(c->fd, data, (size_t)(c->head - pos < n ? c->head - pos : n), CAPTURE_HDR + pos) < 0)
		return -1;
	if (c->tail > 0 && end - from > c->tail) from = end - c->tail;
	while (c->tail > 0 && from < end) {
		uint64_t off = (from - c->head) % c->tail, k = end - from < c->tail - off ? end - from : c->tail - off;
		if (write_full(c->fd, data + (from - pos), (size_t)k, (int64_t)(CAPTURE_HDR + c->head + off)) < 0)
			return -1;
		from += k;
	}
	c->total = end;
	put_le64(le, end);
	return write_full(c->fd, le, 8, 8);
}

/* One read from the pipe; 1 if data moved. A failing capture file must not stall the writer, so
 * the pipe keeps being drained and the data dropped. */
static int capture_pump(struct capture *c)
{
	char buf[CHUNK];
	ssize_t n = c->pipe < 0 ? 0 : read(c->pipe, buf, sizeof buf);
	if (c->pipe < 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) return 0;
	if (n <= 0) {
		if (n < 0) warn("read %s pipe: %s", c->name, strerror(errno));
		close(c->pipe);
		c->pipe = -1;
		return 0;
	}
	if (capture_store(c, buf, (size_t)n) < 0 && !c->failed)
		warn("write capture %s: %s", c->name, strerror(c->failed = errno));
	return 1;
}

/* ------------------------------------------------------------------ run: the supervisor */

struct supervisor {
	const struct run_opts *o;
	int dirfd, sigfd, report, cg_made;
	int ns[NNS + 1];         /* the sandbox's namespace files (ns_names order), -1 without --ns-pid */
	int conn, conn_eof;      /* exec server: the client's connection (-1 for run); conn_eof: stop reading it */
	struct capture out, err;
	pid_t child;             /* 0 until forked */
	int reaped, status, timed_out, killed;
	int64_t started_ms, ended_ms;
	long long oom0, pids0;
	char cg_procs[PATH_MAX], cg_freezer[PATH_MAX], cg_kill[PATH_MAX];
	char error[MSG_MAX];
};

static void reap_children(struct supervisor *s)
{
	pid_t pid;
	int st;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (pid == s->child && !s->reaped)
			s->reaped = 1, s->status = st, s->ended_ms = now_ms(CLOCK_REALTIME);
	if (pid < 0 && errno != ECHILD && errno != EINTR) warn("waitpid: %s", strerror(errno));
}

/* Sends sig to every pid listed in a cgroup.procs file (sig 0: only counts). Returns the count. */
static int signal_listed(const char *file, int sig)
{
	char buf[4096];
	long pid = -1;
	int count = 0, fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0) return -1;
	while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] >= '0' && buf[i] <= '9')
				pid = pid < 0 ? buf[i] - '0' : pid < (1L << 30) ? pid * 10 + (buf[i] - '0') : pid;
			else if (pid >= 0) {
				count++;
				if (sig && kill((pid_t)pid, sig) < 0 && errno != ESRCH)
					warn("kill %ld: %s", pid, strerror(errno));
				pid = -1;
			}
	close(fd);
	return n < 0 ? -1 : count;
}

/* v1 freezer: frozen members cannot fork, so one SIGKILL pass reaches every one of them. */
static void set_frozen(const char *state_file, int frozen)
{
	char now[32];
	if (write_control(state_file, frozen ? "FROZEN" : "THAWED") < 0) {
		warn("write %s: %s", state_file, strerror(errno));
		return;
	}
	for (int64_t t0 = now_ms(CLOCK_MONOTONIC); frozen && now_ms(CLOCK_MONOTONIC) - t0 < FREEZE_WAIT_MS; sleep_ms(1))
		if (read_small(state_file, now, sizeof now) < 0 || !strncmp(now, "FROZEN", 6)) return;
}

static void kill_cgroup(struct supervisor *s)
{
	int freezer = access(s->cg_freezer, F_OK) == 0, left;
	if (!freezer && access(s->cg_kill, F_OK) == 0 && write_control(s->cg_kill, "1") < 0)
		warn("write %s: %s", s->cg_kill, strerror(errno));
	for (int64_t t0 = now_ms(CLOCK_MONOTONIC); now_ms(CLOCK_MONOTONIC) - t0 < KILL_WAIT_MS; sleep_ms(2)) {
		if (freezer) set_frozen(s->cg_freezer, 1);
		if ((left = signal_listed(s->cg_procs, SIGKILL)) < 0)
			warn("read %s: %s", s->cg_procs, strerror(errno));
		if (freezer) set_frozen(s->cg_freezer, 0);
		reap_children(s);
		if (left <= 0) return;
	}
	warn("exec cgroup %s still not empty after %d ms", s->o->exec_cgroup, KILL_WAIT_MS);
}

/* Without an exec cgroup the tree is what /proc shows: our children (we are a subreaper, so orphans
 * come back to us) and whatever is in the child's process group or session. Repeat until a pass
 * finds nothing, since killing a parent hands its children to us. */
static void kill_descendants(struct supervisor *s)
{
	long self = getpid(), pid;
	struct proc_stat st;
	struct dirent *e;
	for (int64_t t0 = now_ms(CLOCK_MONOTONIC); now_ms(CLOCK_MONOTONIC) - t0 < KILL_WAIT_MS; sleep_ms(2)) {
		DIR *d = opendir("/proc");
		int found = 0;
		if (!d) {
			warn("opendir /proc: %s", strerror(errno));
			return;
		}
		while ((e = readdir(d)))
			if ((pid = strtol(e->d_name, NULL, 10)) > 0 && pid != self && read_proc_stat(pid, &st) == 0 &&
			    st.state != 'Z' && st.state != 'X' && (st.ppid == self || st.pgrp == s->child || st.session == s->child)) {
				found++;
				if (kill((pid_t)pid, SIGKILL) < 0 && errno != ESRCH)
					warn("kill %ld: %s", pid, strerror(errno));
			}
		closedir(d);
		reap_children(s);
		if (!found) return;
	}
}

static void kill_tree(struct supervisor *s)
{
	/* The child may still be setting up, not yet in the exec cgroup. */
	if (s->child > 0 && !s->reaped && kill(s->child, SIGKILL) < 0 && errno != ESRCH)
		warn("kill %d: %s", (int)s->child, strerror(errno));
	if (s->o->exec_cgroup)
		kill_cgroup(s);
	else
		kill_descendants(s);
}

/* Removes the exec cgroup once empty. Exited members stay listed until their reaper (the sandbox's
 * pid 1) collects them, hence the short retry. */
static void remove_exec_cgroup(struct supervisor *s, int retry_ms)
{
	for (int64_t t0 = now_ms(CLOCK_MONOTONIC); s->cg_made; sleep_ms(2)) {
		int busy = signal_listed(s->cg_procs, 0) != 0;
		if (!busy && (rmdir(s->o->exec_cgroup) == 0 || errno == ENOENT)) return;
		if (!busy && errno != EBUSY) {
			warn("rmdir %s: %s", s->o->exec_cgroup, strerror(errno));
			return;
		}
		if (now_ms(CLOCK_MONOTONIC) - t0 >= retry_ms) return;
	}
}

/* The "KEY N" counter of a cgroup events file; -1 when unavailable. */
static long long read_counter(const char *file, const char *key)
{
	char buf[4096];
	size_t klen = strlen(key);
	if (!file || read_small(file, buf, sizeof buf) < 0) return -1;
	for (char *line = buf; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, key, klen) && line[klen] == ' ') return strtoll(line + klen + 1, NULL, 10);
	return -1;
}

static long long counter_delta(long long before, const char *file, const char *key)
{
	long long after = read_counter(file, key);
	return before >= 0 && after >= before ? after - before : 0;
}

static int write_supervisor_file(int dirfd)
{
	struct proc_stat st;
	char line[64];
	if (read_proc_stat(getpid(), &st) < 0) return -1;
	int n = snprintf(line, sizeof line, "%ld %llu\n", (long)getpid(), st.start_time);
	int fd = openat(dirfd, "supervisor", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) return -1;
	int rc = write_full(fd, line, (size_t)n, -1);
	return close(fd) < 0 ? -1 : rc;
}

#define FAIL(...) do { snprintf(s->error, sizeof s->error, __VA_ARGS__); return -1; } while (0)

/* What must happen before namespaces change, then the fork. On failure s->error is set and no child
 * exists. */
static int start_child(struct supervisor *s, const struct sock_fprog *filter)
{
	const struct run_opts *o = s->o;
	struct child_ctx c = { .o = o, .filter = filter, .ns = s->ns };
	int out[2], err[2], report[2], own_pid_ns = -1;
	const char *in = o->stdin_path ? o->stdin_path : "/dev/null";

	if (!o->exec_cgroup && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		FAIL("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	if ((c.in = open(in, O_RDONLY | O_CLOEXEC)) < 0) FAIL("open stdin %s: %s", in, strerror(errno));
	/* A new file only: never an existing one, never through a symlink. The stdout capture stays empty. */
	if (o->stdout_path &&
	    (c.out = open(o->stdout_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		FAIL("open stdout %s: %s", o->stdout_path, strerror(errno));
	/* The exec server hands us the files it holds; run opens them through /proc. */
	if (o->ns_pid && s->ns[NS_PID] < 0 && open_namespaces((long)o->ns_pid, s->ns, s->error, sizeof s->error) < 0)
		return -1;
	if (o->ns_pid && (own_pid_ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0)
		FAIL("open /proc/self/ns/pid: %s", strerror(errno));
	if (o->exec_cgroup) {
		if (path_join(s->cg_procs, PATH_MAX, o->exec_cgroup, "cgroup.procs") < 0 ||
		    path_join(s->cg_freezer, PATH_MAX, o->exec_cgroup, "freezer.state") < 0 ||
		    path_join(s->cg_kill, PATH_MAX, o->exec_cgroup, "cgroup.kill") < 0 ||
		    (mkdir(o->exec_cgroup, 0755) < 0 && errno != EEXIST))
			FAIL("create exec cgroup %s: %s", o->exec_cgroup, strerror(errno));
		s->cg_made = 1;
	}
	s->oom0 = read_counter(o->oom_file, "oom_kill");
	s->pids0 = read_counter(o->pids_file, "max");
	out[0] = out[1] = -1;
	if ((!o->stdout_path && pipe2(out, O_CLOEXEC) < 0) || pipe2(err, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0)
		FAIL("pipe: %s", strerror(errno));
	c.out = o->stdout_path ? c.out : out[1], c.err = err[1], c.report = report[1];

	/* setns(CLONE_NEWPID) only affects our future children: join for this one fork, then return to
	 * our own namespace so that a lingering copy stays out of the sandbox's sight. */
	if (s->ns[NS_PID] >= 0 && setns(s->ns[NS_PID], CLONE_NEWPID) < 0)
		FAIL("join pid namespace of pid %llu: %s", (unsigned long long)o->ns_pid, strerror(errno));
	s->started_ms = now_ms(CLOCK_REALTIME);
	pid_t pid = fork();
	if (pid == 0) child_main(&c);
	int fork_errno = errno;
	if (own_pid_ns >= 0 && setns(own_pid_ns, CLONE_NEWPID) < 0)
		warn("return to own pid namespace: %s", strerror(errno));
	/* A pid namespace whose init has begun to exit takes no new pids: fork fails with ENOMEM. */
	if (pid < 0 && fork_errno == ENOMEM && o->ns_pid && !process_running((long)o->ns_pid, 0))
		FAIL("sandbox is gone: pid %llu has exited (fork: %s)", (unsigned long long)o->ns_pid, strerror(fork_errno));
	if (pid < 0)
		FAIL("fork: %s", strerror(fork_errno));
	s->child = pid;
	s->out.pipe = out[0], s->err.pipe = err[0], s->report = report[0];
	close(c.out), close(err[1]), close(report[1]), close(c.in);
	/* A lingering copy must not keep the sandbox's mounts alive after the sandbox ends. */
	close_fds(s->ns, NNS + 1);
	if (own_pid_ns >= 0) close(own_pid_ns);
	if ((out[0] >= 0 && fcntl(out[0], F_SETFL, O_NONBLOCK) < 0) || fcntl(err[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(report[0], F_SETFL, O_NONBLOCK) < 0)
		warn("fcntl O_NONBLOCK: %s", strerror(errno));
	return 0;
}

/* SIGTERM, SIGINT and the exec server client's "K" all mean the same: kill the tree, record killed. */
static void kill_requested(struct supervisor *s)
{
	if (s->killed) return;
	s->killed = 1;
	kill_tree(s);
}

/* Acts on queued signals; returns 1 when SIGTERM or SIGINT was among them. */
static int handle_signals(struct supervisor *s, int lingering)
{
	struct signalfd_siginfo si;
	int stop = 0;
	while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
		stop |= si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT;
	if (!lingering) reap_children(s);
	if (stop && !lingering) kill_requested(s);
	return stop;
}

/* Reads what the exec server's client sent; 1 if it asked for a kill. EOF is not a kill: a client
 * that goes away (a server restart) leaves the exec running, so we just stop listening. */
static int client_wants_kill(struct supervisor *s)
{
	char buf[64];
	ssize_t n = read(s->conn, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
	if (n <= 0) {
		s->conn_eof = 1;
		return 0;
	}
	return memchr(buf, 'K', (size_t)n) != NULL;
}

/* One turn of the event loop shared by the supervisor and its lingering copy (which has no conn):
 * wait up to timeout ms, then act on signals, the client and output. Returns 1 on SIGTERM/SIGINT, -1
 * if poll failed. */
static int step(struct supervisor *s, int timeout, int lingering)
{
	struct pollfd p[4] = { { s->sigfd, POLLIN, 0 }, { s->out.pipe, POLLIN, 0 }, { s->err.pipe, POLLIN, 0 },
			       { s->conn >= 0 && !s->conn_eof ? s->conn : -1, POLLIN, 0 } }; /* poll skips fd -1 */
	int stop = 0;
	if (poll(p, 4, timeout) < 0)
		return errno == EINTR ? 0 : -1;
	if (p[0].revents)
		stop = handle_signals(s, lingering);
	if (p[3].revents && client_wants_kill(s) && !lingering)
		kill_requested(s);
	if (p[1].revents)
		capture_pump(&s->out);
	if (p[2].revents)
		capture_pump(&s->err);
	return stop;
}

/* Pumps output until the main child has been reaped, enforcing the timeout on the way. */
static void supervise(struct supervisor *s)
{
	int64_t deadline = s->o->timeout_ms ? now_ms(CLOCK_MONOTONIC) + (int64_t)s->o->timeout_ms : 0;
	while (!s->reaped) {
		int wait = -1;
		if (deadline && !s->timed_out) {
			int64_t left = deadline - now_ms(CLOCK_MONOTONIC);
			if (left <= 0) {
				s->timed_out = 1;
				kill_tree(s);
				continue;
			}
			wait = left < INT_MAX ? (int)left : INT_MAX;
		}
		if (step(s, wait, 0) < 0) {
			snprintf(s->error, sizeof s->error, "poll: %s", strerror(errno));
			kill_tree(s);
			if (waitpid(s->child, &s->status, 0) == s->child)
				s->reaped = 1, s->ended_ms = now_ms(CLOCK_REALTIME);
			return;
		}
	}
}

/* Background processes still hold the pipes: a copy of us keeps pumping into the same capture files
 * until EOF, so that the supervisor can exit now. It lets go of everything of the caller's. */
static void linger(struct supervisor *s)
{
	pid_t pid = fork();
	int devnull;
	if (pid < 0) warn("fork lingering copy: %s (later output is lost)", strerror(errno));
	if (pid != 0) {
		close(s->out.pipe), close(s->err.pipe);
		s->out.pipe = s->err.pipe = -1;
		return;
	}
	if (s->conn >= 0) /* the client's answer is the supervisor's to send; EOF must not wait for us */
		close(s->conn), s->conn = -1;
	if (setsid() < 0 || (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 || dup2(devnull, 0) < 0 ||
	    dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
		_exit(1); /* our stderr may be the caller's pipe: nowhere useful to report this */
	while (s->out.pipe >= 0 || s->err.pipe >= 0)
		if (step(s, -1, 1) != 0)
			_exit(0);
	remove_exec_cgroup(s, 200);
	_exit(0);
}

#define EXIT_JSON_MAX (6 * MSG_MAX + 512)

/* Writes the exit record; json receives its line. Returns 0, or 3 with errno set. */
static int write_exit_record(struct supervisor *s, char json[EXIT_JSON_MAX])
{
	char err[6 * MSG_MAX + 3] = "null", code[16] = "null", sig[16] = "null";
	int fd, n;
	if (!s->child)
		strcpy(code, "126");
	else if (WIFEXITED(s->status))
		snprintf(code, sizeof code, "%d", WEXITSTATUS(s->status));
	else if (WIFSIGNALED(s->status))
		snprintf(sig, sizeof sig, "%d", WTERMSIG(s->status));
	if (s->error[0]) json_string(err, s->error);
	s->ended_ms = s->ended_ms ? s->ended_ms : now_ms(CLOCK_REALTIME);
	n = snprintf(json, EXIT_JSON_MAX,
		     "{\"exitCode\":%s,\"signal\":%s,\"timedOut\":%s,\"killed\":%s,\"oomKills\":%lld,\"pidsMax\":%lld,"
		     "\"childPid\":%ld,\"startedAtMs\":%lld,\"endedAtMs\":%lld,\"stdoutBytes\":%llu,\"stderrBytes\":%llu,\"error\":%s}\n",
		     code, sig, s->timed_out ? "true" : "false", s->killed ? "true" : "false",
		     counter_delta(s->oom0, s->o->oom_file, "oom_kill"), counter_delta(s->pids0, s->o->pids_file, "max"),
		     (long)s->child, (long long)(s->started_ms ? s->started_ms : s->ended_ms), (long long)s->ended_ms,
		     (unsigned long long)s->out.total, (unsigned long long)s->err.total, err);
	fd = openat(s->dirfd, "exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_full(fd, json, (size_t)n, -1) < 0 || close(fd) < 0 ||
	    renameat(s->dirfd, "exit.tmp", s->dirfd, "exit") < 0) {
		int saved = errno;
		warn("write %s/exit: %s", s->o->record, strerror(saved));
		errno = saved;
		return 3;
	}
	return 0;
}

/* Tells the exec server's client what the record says, then lets go of it. */
static void answer_client(struct supervisor *s, int rc, const char *json)
{
	if (s->conn < 0) return;
	if (rc == 0)
		send_line(s->conn, json);
	else
		send_error(s->conn, "write %s/exit: %s", s->o->record, strerror(errno));
	close(s->conn);
	s->conn = -1;
}

/* The main child is gone: take its last output and set-up error, hand the pipes to a lingering copy
 * if background processes still hold them, write the record. */
static int finish(struct supervisor *s)
{
	for (int i = 0; i < 64 && (capture_pump(&s->out) | capture_pump(&s->err)); i++) /* bounded: a writer may never stop */
		;
	if (s->child && !s->error[0]) {
		ssize_t n = read(s->report, s->error, sizeof s->error - 1);
		s->error[n > 0 ? n : 0] = '\0';
	}
	if (!s->error[0] && (s->out.failed || s->err.failed))
		snprintf(s->error, sizeof s->error, "capture %s: %s", s->out.failed ? "stdout" : "stderr",
			 strerror(s->out.failed ? s->out.failed : s->err.failed));
	if (s->out.pipe >= 0 || s->err.pipe >= 0) linger(s);
	char json[EXIT_JSON_MAX];
	int rc = write_exit_record(s, json);
	answer_client(s, rc, json); /* before the cgroup clean-up: the client need not wait for it */
	/* After a kill the dead may still be listed for a moment; otherwise whoever is listed is alive. */
	remove_exec_cgroup(s, s->timed_out || s->killed ? 200 : 0);
	return rc;
}

/* The supervisor, shared by "run" and the exec server's per-connection child. ns: the sandbox's
 * namespace files as the server holds them (NULL: run opens them if --ns-pid asks); conn: the server's
 * client (-1 for run). Returns run's exit status. */
static int run_supervisor(const struct run_opts *o, const int *ns, int conn)
{
	struct supervisor s = { .o = o, .report = -1, .sigfd = -1, .conn = conn };
	struct filter f;
	sigset_t set;
	char line[64];

	for (int i = 0; i <= NNS; i++)
		s.ns[i] = ns ? ns[i] : -1;
	/* Best effort: fails only when we already lead a process group, and then we are detached enough. */
	if (setsid() < 0 && errno != EPERM) warn("setsid: %s", strerror(errno));
	/* Blocked first, so that a SIGTERM during set-up waits for the loop instead of killing us. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD), sigaddset(&set, SIGTERM), sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (signal(SIGHUP, SIG_IGN) == SIG_ERR || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		warn("ignore SIGHUP/SIGPIPE: %s", strerror(errno));
	if ((s.dirfd = open(o->record, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || write_supervisor_file(s.dirfd) < 0 ||
	    capture_open(s.dirfd, "stdout", o->head, o->tail, &s.out) < 0 ||
	    capture_open(s.dirfd, "stderr", o->head, o->tail, &s.err) < 0) {
		int saved = errno;
		warn("record directory %s: %s", o->record, strerror(saved));
		if (conn >= 0) send_error(conn, "record directory %s: %s", o->record, strerror(saved));
		return 3;
	}
	/* Every record file exists now, so a client may start reading the capture files. */
	if (conn >= 0) {
		snprintf(line, sizeof line, "{\"started\":true,\"supervisorPid\":%ld}\n", (long)getpid());
		send_line(conn, line);
	}
	build_filter(&f);
	struct sock_fprog prog = { (unsigned short)f.n, f.ins };
	if ((s.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		snprintf(s.error, sizeof s.error, "signalfd: %s", strerror(errno));
	else if (start_child(&s, &prog) == 0)
		supervise(&s);
	return finish(&s);
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	char msg[MSG_MAX];

	if (parse_run_opts(argc, argv, &o, msg, sizeof msg) < 0) usage("%s", msg);
	return run_supervisor(&o, NULL, -1);
}

/* ------------------------------------------------------------------ the exec server */

struct server {
	const char *path;
	int listen, pidfd, sigfd;
	int ns[NNS + 1];               /* the sandbox's namespace files, ns_names order */
	long ns_pid;
	unsigned long long ns_start;   /* nsPid's start time: with the pid, it names nsPid across pid reuse */
	dev_t dev;                     /* the socket file we bound, so that we never unlink a successor's */
	ino_t ino;
};

/* The pidfd turns readable once nsPid has exited, and with it the whole pid namespace. */
static int sandbox_running(const struct server *srv)
{
	struct pollfd p = { srv->pidfd, POLLIN, 0 };
	return poll(&p, 1, 0) == 0;
}

/* For the per-connection child, which no longer has the pidfd: /proc, with the start time against pid
 * reuse. It also sees what the pidfd does not yet: a pid 1 that has begun to exit. The pidfd turns
 * readable only once the kernel has killed and waited for the whole namespace (tens of ms), and forks
 * into the namespace fail from the start of that. */
static int sandbox_still_there(const struct server *srv)
{
	return process_running(srv->ns_pid, srv->ns_start);
}

/* Reads exactly len bytes before the deadline. Returns 0, or -1 with msg set. */
static int read_exact(int fd, char *buf, size_t len, int64_t deadline, char *msg, size_t cap)
{
	while (len > 0) {
		int64_t left = deadline - now_ms(CLOCK_MONOTONIC);
		struct pollfd p = { fd, POLLIN, 0 };
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR) continue;
		if (r == 0) {
			snprintf(msg, cap, "request incomplete after %d ms", REQUEST_WAIT_MS);
			return -1;
		}
		ssize_t n = r < 0 ? -1 : read(fd, buf, len);
		if (n < 0 && errno == EINTR) continue;
		if (n == 0) {
			snprintf(msg, cap, "request truncated: connection closed with %zu bytes missing", len);
			return -1;
		}
		if (n < 0) {
			snprintf(msg, cap, "read request: %s", strerror(errno));
			return -1;
		}
		buf += n, len -= (size_t)n;
	}
	return 0;
}

/* A request: a 4-byte little-endian length L, then L bytes of run's arguments, each NUL-terminated.
 * Returns them as a NULL-terminated argv (pointing into one buffer that lives as long as the process),
 * or NULL with msg set. */
static char **read_request(int conn, int *argc, char *msg, size_t cap)
{
	int64_t deadline = now_ms(CLOCK_MONOTONIC) + REQUEST_WAIT_MS;
	unsigned char le[4];
	char *buf, **argv;
	size_t n = 0;

	if (read_exact(conn, (char *)le, sizeof le, deadline, msg, cap) < 0) return NULL;
	uint32_t len = le[0] | (uint32_t)le[1] << 8 | (uint32_t)le[2] << 16 | (uint32_t)le[3] << 24;
	if (len == 0 || len > REQUEST_MAX) {
		snprintf(msg, cap, "bad request length %lu (1 to %d bytes)", (unsigned long)len, REQUEST_MAX);
		return NULL;
	}
	if (!(buf = malloc(len))) {
		snprintf(msg, cap, "out of memory for a request of %lu bytes", (unsigned long)len);
		return NULL;
	}
	if (read_exact(conn, buf, len, deadline, msg, cap) < 0) return NULL;
	if (buf[len - 1] != '\0') {
		snprintf(msg, cap, "request does not end with a NUL byte");
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\0';
	if (!(argv = calloc(n + 1, sizeof *argv))) {
		snprintf(msg, cap, "out of memory for %zu arguments", n);
		return NULL;
	}
	for (size_t i = 0, k = 0; i < len; i += strlen(buf + i) + 1)
		argv[k++] = buf + i;
	*argc = (int)n; /* n <= REQUEST_MAX */
	return argv;
}

/* The server's child for one connection: reads the request and becomes its supervisor. */
static void __attribute__((noreturn)) serve_connection(struct server *srv, int conn)
{
	char msg[MSG_MAX];
	struct run_opts o;
	char **argv;
	int argc = 0;

	/* Of the server's descriptors only the namespace files may reach a supervisor: a kept listening
	 * socket or pidfd would outlive the server in a lingering copy. (All are close-on-exec besides.) */
	close(srv->listen), close(srv->pidfd), close(srv->sigfd);
	if (!(argv = read_request(conn, &argc, msg, sizeof msg)) || parse_run_opts(argc, argv, &o, msg, sizeof msg) < 0) {
		send_error(conn, "%s", msg);
		_exit(2);
	}
	if (o.ns_pid) {
		send_error(conn, "--ns-pid is not accepted: the exec server joins its own sandbox");
		_exit(2);
	}
	/* The request may have taken a while to arrive: look again, so that a sandbox that ended meanwhile
	 * gets this answer rather than a record of a failed fork. */
	if (!sandbox_still_there(srv)) {
		send_error(conn, "sandbox is gone");
		_exit(2);
	}
	o.ns_pid = (uint64_t)srv->ns_pid; /* for messages; the namespaces come from srv->ns */
	_exit(run_supervisor(&o, srv->ns, conn));
}

/* Accepts every pending connection and forks a supervisor for each. Returns -1 once the sandbox is
 * gone: nothing more can be served. */
static int accept_pending(struct server *srv)
{
	for (;;) {
		int conn = accept4(srv->listen, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
		if (conn < 0 && (errno == EINTR || errno == ECONNABORTED)) continue;
		if (conn < 0) {
			warn("accept on %s: %s", srv->path, strerror(errno));
			sleep_ms(10); /* EMFILE and the like would otherwise make poll spin */
			return 0;
		}
		if (!sandbox_running(srv)) {
			send_error(conn, "sandbox is gone");
			close(conn);
			return -1;
		}
		pid_t pid = fork();
		if (pid == 0) serve_connection(srv, conn);
		if (pid < 0) {
			warn("fork supervisor: %s", strerror(errno));
			send_error(conn, "fork supervisor: %s", strerror(errno));
		}
		close(conn);
	}
}

/* Reaps finished supervisors; returns 1 when SIGTERM or SIGINT asks the server to stop. */
static int server_signals(struct server *srv)
{
	struct signalfd_siginfo si;
	int stop = 0, st;
	pid_t pid;
	while (read(srv->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
		stop |= si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		;
	if (pid < 0 && errno != ECHILD) warn("waitpid: %s", strerror(errno));
	return stop;
}

/* Stops serving: the socket file goes (only if it is still ours: a new server for the same path may
 * have replaced it), then the server. Running supervisors are not ours to stop; they are reparented. */
static void __attribute__((noreturn)) server_exit(struct server *srv, int code)
{
	struct stat st;
	close(srv->listen);
	if (stat(srv->path, &st) == 0 && st.st_dev == srv->dev && st.st_ino == srv->ino && unlink(srv->path) < 0)
		warn("unlink %s: %s", srv->path, strerror(errno));
	_exit(code);
}

static void __attribute__((noreturn)) serve(struct server *srv)
{
	for (;;) {
		struct pollfd p[3] = { { srv->pidfd, POLLIN, 0 }, { srv->sigfd, POLLIN, 0 }, { srv->listen, POLLIN, 0 } };
		if (poll(p, 3, -1) < 0 && errno != EINTR) {
			warn("poll: %s", strerror(errno));
			server_exit(srv, 1);
		}
		if (p[0].revents) /* nsPid exited */
			server_exit(srv, 0);
		if (p[1].revents && server_signals(srv))
			server_exit(srv, 0);
		if (p[2].revents && accept_pending(srv) < 0)
			server_exit(srv, 0);
	}
}

/* Takes hold of the sandbox: a pidfd of nsPid to watch, and its namespace files. The pidfd comes
 * first and the checks after it, so that what we hold is nsPid itself, not a process that reused its
 * pid: nsPid is the child of init's forked process (or that process itself), and still running once
 * the namespace files are open. */
static int hold_sandbox(struct server *srv, pid_t init_pid, long ns_pid, char *msg, size_t cap)
{
	struct proc_stat st;
	srv->ns_pid = ns_pid;
	if ((srv->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)ns_pid, 0)) < 0) { /* close-on-exec by design */
		snprintf(msg, cap, "pidfd_open %ld: %s", ns_pid, strerror(errno));
		return -1;
	}
	if (read_proc_stat(ns_pid, &st) < 0 || (ns_pid != init_pid && st.ppid != init_pid)) {
		snprintf(msg, cap, "pid %ld is no longer the sandbox's pid 1", ns_pid);
		return -1;
	}
	srv->ns_start = st.start_time;
	if (open_namespaces(ns_pid, srv->ns, msg, cap) < 0) return -1;
	if (!sandbox_running(srv)) {
		snprintf(msg, cap, "the sandbox's pid 1 (%ld) exited", ns_pid);
		return -1;
	}
	return 0;
}

/* Binds and listens at the socket path, mode 0600 (umask: no moment with a wider mode). A stale
 * file, left by a server that was killed, is removed first. */
static int bind_socket(struct server *srv, char *msg, size_t cap)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	if (strlen(srv->path) >= sizeof addr.sun_path) {
		snprintf(msg, cap, "socket path %s: longer than %zu bytes", srv->path, sizeof addr.sun_path - 1);
		return -1;
	}
	strcpy(addr.sun_path, srv->path);
	/* Non-blocking, so that accept_pending can drain the queue and stop at EAGAIN. */
	if ((srv->listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		snprintf(msg, cap, "socket: %s", strerror(errno));
		return -1;
	}
	if (unlink(srv->path) < 0 && errno != ENOENT) {
		snprintf(msg, cap, "remove stale %s: %s", srv->path, strerror(errno));
		return -1;
	}
	mode_t mask = umask(0177);
	int rc = bind(srv->listen, (struct sockaddr *)&addr, sizeof addr);
	umask(mask);
	if (rc < 0) {
		snprintf(msg, cap, "bind %s: %s", srv->path, strerror(errno));
		return -1;
	}
	const char *what = stat(srv->path, &st) < 0 ? "stat" : listen(srv->listen, SOMAXCONN) < 0 ? "listen on" : NULL;
	if (what) {
		snprintf(msg, cap, "%s %s: %s", what, srv->path, strerror(errno));
		unlink(srv->path);
		return -1;
	}
	srv->dev = st.st_dev, srv->ino = st.st_ino;
	return 0;
}

/* The forked exec server. Detaches, takes hold of the sandbox, binds, reports "ready" on the status
 * pipe and serves; a set-up failure is written to the pipe instead, like init_child's. */
static void __attribute__((noreturn)) server_main(const struct init_opts *o, pid_t init_pid, long ns_pid, int status)
{
	struct server srv = { .path = o->serve_socket, .listen = -1, .pidfd = -1, .sigfd = -1 };
	char msg[MSG_MAX];
	sigset_t set;

	/* The set a supervisor blocks too, so that it is already blocked in a freshly forked one. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD), sigaddset(&set, SIGTERM), sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (signal(SIGHUP, SIG_IGN) == SIG_ERR || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		child_fail(status, 1, "ignore SIGHUP/SIGPIPE: %s", strerror(errno));
	/* A session of its own: the JVM's process group and terminal are no longer ours. Nor is anything
	 * else the caller let init inherit: a pipe held here would keep its reader waiting for EOF. */
	if (setsid() < 0) child_fail(status, 1, "setsid: %s", strerror(errno));
	if ((status > 3 && close_range(3, (unsigned)status - 1, 0) < 0) || close_range((unsigned)status + 1, ~0U, 0) < 0)
		child_fail(status, 1, "close inherited descriptors: %s", strerror(errno));
	if (detach_stdio(o->log, msg, sizeof msg) < 0 || hold_sandbox(&srv, init_pid, ns_pid, msg, sizeof msg) < 0)
		child_fail(status, 1, "%s", msg);
	if ((srv.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		child_fail(status, 1, "signalfd: %s", strerror(errno));
	if (bind_socket(&srv, msg, sizeof msg) < 0) child_fail(status, 1, "%s", msg);
	if (write_full(status, "ready\n", 6, -1) < 0) { /* init is gone: nobody will learn of us */
		warn("report ready to init: %s", strerror(errno));
		server_exit(&srv, 1);
	}
	close(status);
	serve(&srv);
}

/* Forks the exec server and waits until it listens. Returns its pid, or -1 with text saying why (the
 * server is then reaped). */
static pid_t start_server(const struct init_opts *o, pid_t init_pid, long ns_pid, char *text, size_t cap)
{
	int status[2], st, r;
	pid_t pid;
	if (pipe2(status, O_CLOEXEC) < 0) {
		snprintf(text, cap, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == 0) {
		close(status[0]);
		server_main(o, init_pid, ns_pid, status[1]);
	}
	close(status[1]);
	if (pid < 0) {
		snprintf(text, cap, "fork: %s", strerror(errno));
		close(status[0]);
		return -1;
	}
	r = wait_ready(status[0], o->timeout_ms, text, cap);
	close(status[0]);
	if (r == 1) return pid; /* not waited for: it is reparented when we exit */
	if (kill(pid, SIGKILL) < 0 && errno != ESRCH) warn("kill %d: %s", (int)pid, strerror(errno));
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	rstrip(text);
	if (!text[0] && r < 0)
		snprintf(text, cap, "not ready after %llu ms", (unsigned long long)o->timeout_ms);
	else if (!text[0])
		snprintf(text, cap, "exited with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return -1;
}

/* ------------------------------------------------------------------ exchange */

/* Swaps two directory entries in one step (renameat2 RENAME_EXCHANGE): a reader sees either the old or
 * the new pair, never a moment without one. Neither path's last component is followed. */
static int cmd_exchange(int argc, char **argv)
{
	if (argc != 2) usage("exchange needs PATH1 PATH2");
	if (renameat2(AT_FDCWD, argv[0], AT_FDCWD, argv[1], RENAME_EXCHANGE) == 0) return 0;
	warn("exchange %s %s: %s", argv[0], argv[1], strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	for (int fd = 0; fd < 3; fd++) /* if the caller closed 0-2, our pipes would land there */
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd) return 3;
	if (argc >= 2 && !strcmp(argv[1], "init")) return cmd_init(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "run")) return cmd_run(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "exchange")) return cmd_exchange(argc - 2, argv + 2);
	usage("expected init, run or exchange");
}
