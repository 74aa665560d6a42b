/* A real I/O fault for tests (see tests/faultshim.py): loaded with LD_PRELOAD into a
 * child process, it makes the C library's write/sync/rename/link/unlink/close/create
 * calls on files under one folder fail as a failing disk or a full quota makes them
 * fail, below Python and inside HDF5 alike; and its read/open/stat calls, as a failing
 * disk or a network file system's lost server makes them fail.
 *
 * Environment (read at the first call):
 *   FAULT_DIR    the folder: only calls on files under it count (absolute path)
 *   FAULT_OPS    the kinds of calls that count, comma separated: write, sync, rename,
 *                link, unlink, close, create; read (read, pread, readv), open (an open
 *                that creates nothing, a directory's too), stat (stat, lstat, fstat,
 *                fstatat)
 *   FAULT_ERRNO  the error number the failing call sets (default 5, EIO)
 *   FAULT_AT     the counting call (0-based) that fails first; -1: none (only counts)
 *   FAULT_STICKY 1: every counting call after the first failure fails too (a dead disk,
 *                a full quota); 0: only that one call fails
 *   FAULT_MATCH  if set, only files whose path holds this text count (for a rename or
 *                a link, either path)
 *   FAULT_MINSIZE  only writes of at least this many bytes count (an array's bytes,
 *                not the metadata around them)
 *   FAULT_BYTES  if set, writes fail once this many bytes went to files under the
 *                folder; the write that crosses the limit writes the part that fits (a
 *                short write, as the kernel does at a quota), the next one fails; a
 *                reservation of blocks (posix_fallocate, fallocate) that would cross it
 *                fails whole, as a full quota refuses it (it is no counted call)
 *   FAULT_TRACE  if set, each counting call is numbered on stderr, with its kind
 *
 * A child arms the fault itself once its setup is done: fault_set(at, limit) (below).
 *
 * The calls are made on the real functions (dlsym RTLD_NEXT) unless they fail; a close
 * that fails closes the descriptor all the same (as Linux does), then reports the error.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int ready;
static char dir[PATH_MAX];
static size_t dirlen;
static char ops[256];
static int code = EIO;
static long at = -1;
static int sticky;
static long long byte_limit = -1;
static long long bytes_written;
static long long min_size;
static char match[PATH_MAX];
static long calls;
static int failed;

static void setup(void) {
    if (ready)
        return;
    ready = 1;
    const char *d = getenv("FAULT_DIR");
    if (d) {
        snprintf(dir, sizeof dir, "%s", d);
        dirlen = strlen(dir);
        while (dirlen > 1 && dir[dirlen - 1] == '/')
            dir[--dirlen] = 0;
    }
    const char *o = getenv("FAULT_OPS");
    snprintf(ops, sizeof ops, ",%s,", o ? o : "");
    const char *e = getenv("FAULT_ERRNO");
    if (e)
        code = atoi(e);
    const char *a = getenv("FAULT_AT");
    if (a)
        at = atol(a);
    const char *s = getenv("FAULT_STICKY");
    sticky = s && atoi(s);
    const char *b = getenv("FAULT_BYTES");
    if (b)
        byte_limit = atoll(b);
    const char *t = getenv("FAULT_MATCH");
    if (t)
        snprintf(match, sizeof match, "%s", t);
    const char *m = getenv("FAULT_MINSIZE");
    if (m)
        min_size = atoll(m);
}

static int counts(const char *op) {
    char key[32];
    setup();
    if (!dirlen)
        return 0;
    snprintf(key, sizeof key, ",%s,", op);
    return strstr(ops, key) != NULL;
}

static int under(const char *path) {
    char buf[PATH_MAX];
    if (!path)
        return 0;
    if (path[0] != '/') {
        if (!getcwd(buf, sizeof buf))
            return 0;
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "/%s", path);
        path = buf;
    }
    return strncmp(path, dir, dirlen) == 0 && (path[dirlen] == '/' || path[dirlen] == 0) &&
           (!match[0] || strstr(path, match) != NULL);
}

static int fd_under(int fd) {
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return 0;
    target[n] = 0;
    return under(target);
}

static int tracing = -1;

/* Whether this counting call fails (FAULT_TRACE=1: say which call it is, on stderr). */
static int fails(const char *op) {
    long n = calls++;
    if (tracing < 0)
        tracing = getenv("FAULT_TRACE") != NULL;
    if (tracing)
        dprintf(2, "fault: call %ld (%s)\n", n, op);
    if (failed && sticky)
        return 1;
    if (at >= 0 && n == at) {
        failed = 1;
        return 1;
    }
    return 0;
}

/* From the child, once its setup is done (ctypes): count calls afresh from here and
 * fail the ``at``-th (-1: none), or writes past ``limit`` bytes (-1: no limit). */
void fault_set(long at_, long long limit) {
    setup();
    calls = 0;
    failed = 0;
    bytes_written = 0;
    at = at_;
    byte_limit = limit;
}

/* The counting calls made since the last fault_set, and whether one failed. */
long fault_calls(void) { return calls; }
int fault_failed(void) { return failed; }

#define REAL(name) static __typeof__(&name) real_##name; \
    if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

/* How many of ``want`` bytes a write under the folder may write (-1: fail it). */
static ssize_t allowed(int fd, size_t want) {
    if (!counts("write") || (long long)want < min_size || !fd_under(fd))
        return (ssize_t)want;
    if (fails("write"))
        return -1;
    if (byte_limit < 0)
        return (ssize_t)want;
    long long room = byte_limit - bytes_written;
    if (room <= 0) {
        failed = 1;
        return -1;
    }
    return (ssize_t)((long long)want < room ? (long long)want : room);
}

static ssize_t wrote(ssize_t n) {
    if (n > 0)
        bytes_written += n;
    return n;
}

ssize_t write(int fd, const void *buf, size_t count) {
    REAL(write);
    ssize_t ok = allowed(fd, count);
    if (ok < 0) {
        errno = code;
        return -1;
    }
    return wrote(real_write(fd, buf, (size_t)ok));
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    REAL(pwrite);
    ssize_t ok = allowed(fd, count);
    if (ok < 0) {
        errno = code;
        return -1;
    }
    return wrote(real_pwrite(fd, buf, (size_t)ok, offset));
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
    REAL(pwrite64);
    ssize_t ok = allowed(fd, count);
    if (ok < 0) {
        errno = code;
        return -1;
    }
    return wrote(real_pwrite64(fd, buf, (size_t)ok, offset));
}

static size_t total(const struct iovec *iov, int n) {
    size_t t = 0;
    for (int i = 0; i < n; i++)
        t += iov[i].iov_len;
    return t;
}

/* vectored writes fail whole or go through whole (no short vectored write) */
ssize_t writev(int fd, const struct iovec *iov, int n) {
    REAL(writev);
    size_t want = total(iov, n);
    ssize_t ok = allowed(fd, want);
    if (ok < 0 || (size_t)ok < want) {
        errno = code;
        return -1;
    }
    return wrote(real_writev(fd, iov, n));
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t offset) {
    REAL(pwritev);
    size_t want = total(iov, n);
    ssize_t ok = allowed(fd, want);
    if (ok < 0 || (size_t)ok < want) {
        errno = code;
        return -1;
    }
    return wrote(real_pwritev(fd, iov, n, offset));
}

static int sync_fails(int fd) {
    return counts("sync") && fd_under(fd) && fails("sync");
}

int fsync(int fd) {
    REAL(fsync);
    if (sync_fails(fd)) {
        errno = code;
        return -1;
    }
    return real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    if (sync_fails(fd)) {
        errno = code;
        return -1;
    }
    return real_fdatasync(fd);
}

static int path_fails(const char *op, const char *a, const char *b) {
    return counts(op) && (under(a) || under(b)) && fails(op);
}

static int at_fails(const char *op, int dfd, const char *a, const char *b) {
    if (!counts(op))
        return 0;
    if (dfd != AT_FDCWD && ((a && a[0] != '/') || (b && b[0] != '/')))
        return fd_under(dfd) && fails(op);
    return (under(a) || under(b)) && fails(op);
}

int rename(const char *old, const char *new) {
    REAL(rename);
    if (path_fails("rename", old, new)) {
        errno = code;
        return -1;
    }
    return real_rename(old, new);
}

int renameat(int od, const char *old, int nd, const char *new) {
    REAL(renameat);
    (void)nd;
    if (at_fails("rename", od, old, new)) {
        errno = code;
        return -1;
    }
    return real_renameat(od, old, nd, new);
}

int renameat2(int od, const char *old, int nd, const char *new, unsigned flags) {
    REAL(renameat2);
    if (at_fails("rename", od, old, new)) {
        errno = code;
        return -1;
    }
    return real_renameat2(od, old, nd, new, flags);
}

int link(const char *old, const char *new) {
    REAL(link);
    if (path_fails("link", old, new)) {
        errno = code;
        return -1;
    }
    return real_link(old, new);
}

int linkat(int od, const char *old, int nd, const char *new, int flags) {
    REAL(linkat);
    if (at_fails("link", od, old, new)) {
        errno = code;
        return -1;
    }
    return real_linkat(od, old, nd, new, flags);
}

int unlink(const char *path) {
    REAL(unlink);
    if (path_fails("unlink", path, NULL)) {
        errno = code;
        return -1;
    }
    return real_unlink(path);
}

int unlinkat(int dfd, const char *path, int flags) {
    REAL(unlinkat);
    if (at_fails("unlink", dfd, path, NULL)) {
        errno = code;
        return -1;
    }
    return real_unlinkat(dfd, path, flags);
}

int close(int fd) {
    REAL(close);
    int counted = counts("close") && fd_under(fd) && fails("close");
    int r = real_close(fd);
    if (counted) {
        errno = code;
        return -1;
    }
    return r;
}

/* An open that creates counts as "create"; one that creates nothing, as "open". */
static int create_fails(const char *path, int flags) {
    if (!(flags & O_CREAT))
        return counts("open") && under(path) && fails("open");
    return counts("create") && under(path) && fails("create");
}

static int openat_fails(int dfd, const char *path, int flags) {
    return at_fails((flags & O_CREAT) ? "create" : "open", dfd, path, NULL);
}

static mode_t mode_of(int flags, va_list ap) {
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...) {
    REAL(open);
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    if (create_fails(path, flags)) {
        errno = code;
        return -1;
    }
    return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    REAL(open64);
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    if (create_fails(path, flags)) {
        errno = code;
        return -1;
    }
    return real_open64(path, flags, mode);
}

int openat(int dfd, const char *path, int flags, ...) {
    REAL(openat);
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    if (openat_fails(dfd, path, flags)) {
        errno = code;
        return -1;
    }
    return real_openat(dfd, path, flags, mode);
}

int openat64(int dfd, const char *path, int flags, ...) {
    REAL(openat64);
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    if (openat_fails(dfd, path, flags)) {
        errno = code;
        return -1;
    }
    return real_openat64(dfd, path, flags, mode);
}

static int read_fails(int fd) {
    return counts("read") && fd_under(fd) && fails("read");
}

ssize_t read(int fd, void *buf, size_t count) {
    REAL(read);
    if (read_fails(fd)) {
        errno = code;
        return -1;
    }
    return real_read(fd, buf, count);
}

ssize_t pread(int fd, void *buf, size_t count, off_t offset) {
    REAL(pread);
    if (read_fails(fd)) {
        errno = code;
        return -1;
    }
    return real_pread(fd, buf, count, offset);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t offset) {
    REAL(pread64);
    if (read_fails(fd)) {
        errno = code;
        return -1;
    }
    return real_pread64(fd, buf, count, offset);
}

ssize_t readv(int fd, const struct iovec *iov, int n) {
    REAL(readv);
    if (read_fails(fd)) {
        errno = code;
        return -1;
    }
    return real_readv(fd, iov, n);
}

ssize_t preadv(int fd, const struct iovec *iov, int n, off_t offset) {
    REAL(preadv);
    if (read_fails(fd)) {
        errno = code;
        return -1;
    }
    return real_preadv(fd, iov, n, offset);
}

/* stat calls: by path (the folder's own too), or by descriptor */
static int stat_fails(const char *path) {
    return counts("stat") && under(path) && fails("stat");
}

static int fstat_fails(int fd) {
    return counts("stat") && fd_under(fd) && fails("stat");
}

#define STAT_BY_PATH(name)                                   \
    int name(const char *path, struct stat *st) {            \
        REAL(name);                                          \
        if (stat_fails(path)) {                              \
            errno = code;                                    \
            return -1;                                       \
        }                                                    \
        return real_##name(path, st);                        \
    }

STAT_BY_PATH(stat)
STAT_BY_PATH(lstat)

int stat64(const char *path, struct stat64 *st) {
    REAL(stat64);
    if (stat_fails(path)) {
        errno = code;
        return -1;
    }
    return real_stat64(path, st);
}

int lstat64(const char *path, struct stat64 *st) {
    REAL(lstat64);
    if (stat_fails(path)) {
        errno = code;
        return -1;
    }
    return real_lstat64(path, st);
}

int fstat(int fd, struct stat *st) {
    REAL(fstat);
    if (fstat_fails(fd)) {
        errno = code;
        return -1;
    }
    return real_fstat(fd, st);
}

int fstat64(int fd, struct stat64 *st) {
    REAL(fstat64);
    if (fstat_fails(fd)) {
        errno = code;
        return -1;
    }
    return real_fstat64(fd, st);
}

int fstatat(int dfd, const char *path, struct stat *st, int flags) {
    REAL(fstatat);
    if (path[0] ? at_fails("stat", dfd, path, NULL) : fstat_fails(dfd)) {
        errno = code;
        return -1;
    }
    return real_fstatat(dfd, path, st, flags);
}

int fstatat64(int dfd, const char *path, struct stat64 *st, int flags) {
    REAL(fstatat64);
    if (path[0] ? at_fails("stat", dfd, path, NULL) : fstat_fails(dfd)) {
        errno = code;
        return -1;
    }
    return real_fstatat64(dfd, path, st, flags);
}

/* A reservation of ``len`` bytes of a file under the folder: refused (only) once it
 * would pass FAULT_BYTES, as a full quota refuses it; no counted call, so that the
 * calls a test numbers are the writes alone. */
static int reserve_fails(int fd, long long len) {
    if (!counts("write") || byte_limit < 0 || !fd_under(fd))
        return 0;
    return bytes_written + len > byte_limit;
}

int posix_fallocate(int fd, off_t offset, off_t len) {
    REAL(posix_fallocate);
    if (reserve_fails(fd, len))
        return code; /* (posix_fallocate returns the error, errno untouched) */
    return real_posix_fallocate(fd, offset, len);
}

int posix_fallocate64(int fd, off_t offset, off_t len) {
    REAL(posix_fallocate64);
    if (reserve_fails(fd, len))
        return code;
    return real_posix_fallocate64(fd, offset, len);
}

int fallocate(int fd, int mode, off_t offset, off_t len) {
    REAL(fallocate);
    if (reserve_fails(fd, len)) {
        errno = code;
        return -1;
    }
    return real_fallocate(fd, mode, offset, len);
}
