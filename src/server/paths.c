/* The server's directory, names and socket (srvpath.h). */
#include "ferry/srvpath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static uint64_t
fnv(uint64_t h, const char *s)
{
    for (; s != NULL && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    h ^= 0xff; /* a separator no string contains */
    h *= 0x100000001b3ULL;
    return h;
}

static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An absolute path (the file need not exist). Caller frees. */
static char *
absolute(const char *p)
{
    char buf[PATH_MAX], *r = p ? realpath(p, buf) : NULL;

    if (p == NULL)
        return NULL;
    if (r != NULL)
        return xstrdup(r);
    if (p[0] == '/' || getcwd(buf, sizeof buf) == NULL)
        return xstrdup(p);
    return xasprintf("%s/%s", buf, p);
}

char *
srv_name(const struct srv_ident *id)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    char seed[32] = "", *file = absolute(id->file), *cfg = absolute(id->config);
    const char **uris = xcalloc(id->n_uris + 1, sizeof *uris);

    if (id->have_seed)
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)id->seed);
    h = fnv(h, id->kind);
    h = fnv(h, seed);
    h = fnv(h, file);
    h = fnv(h, cfg);
    if (id->n_uris > 0)
        memcpy(uris, id->uris, id->n_uris * sizeof *uris);
    qsort(uris, id->n_uris, sizeof *uris, str_cmp);
    for (size_t i = 0; i < id->n_uris; i++)
        h = fnv(h, uris[i]);
    h = fnv(h, getenv("HOME"));
    free(uris);
    free(file);
    free(cfg);
    return xasprintf("%s-%016llx", id->kind, (unsigned long long)h);
}

char *
srv_dir(struct ferry_err *err)
{
    const char *x = getenv("XDG_RUNTIME_DIR");
    char *dir = x != NULL && x[0] == '/'
                    ? xasprintf("%s/ferry", x)
                    : xasprintf("/tmp/ferry-%d", (int)getuid());
    struct stat st;

    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        err_set(err, "%s: cannot create the server directory: %s", dir,
                strerror(errno));
        free(dir);
        return NULL;
    }
    if (lstat(dir, &st) < 0) {
        err_set(err, "%s: %s", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
        (st.st_mode & 077) != 0) {
        err_set(err,
                "%s is not private (%s, owner uid %d, mode %04o): "
                "refusing to use it for ferry's socket; remove it or set "
                "XDG_RUNTIME_DIR",
                dir, S_ISDIR(st.st_mode) ? "a directory" : "not a directory",
                (int)st.st_uid, (unsigned)(st.st_mode & 07777));
        free(dir);
        return NULL;
    }
    return dir;
}

char *
srv_path(const char *dir, const char *name, const char *ext)
{
    return xasprintf("%s/%s.%s", dir, name, ext);
}

char *
srv_log_path(const char *name)
{
    const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char *dir = x != NULL && x[0] == '/'
                    ? xasprintf("%s/ferry", x)
                    : xasprintf("%s/.local/state/ferry", home ? home : "/tmp");
    char *p = xasprintf("%s/server-%s.log", dir, name);
    struct ferry_err err;

    mkdir_parents(p, 0700, &err); /* opening it will say what is wrong */
    free(dir);
    return p;
}

static int
addr(const char *dir, const char *name, struct sockaddr_un *sa,
     struct ferry_err *err)
{
    char *p = srv_path(dir, name, "sock");

    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(p) >= sizeof sa->sun_path) {
        err_set(err,
                "%s: the socket's path is longer than %zu bytes: set "
                "XDG_RUNTIME_DIR to a shorter directory",
                p, sizeof sa->sun_path - 1);
        free(p);
        return -1;
    }
    memcpy(sa->sun_path, p, strlen(p) + 1);
    free(p);
    return 0;
}

int
srv_listen(const char *dir, const char *name, int *lock_fd, bool *busy,
           struct ferry_err *err)
{
    struct sockaddr_un sa;
    char *lock = srv_path(dir, name, "lock"), *pid = NULL;
    int lfd, fd = -1;
    FILE *f;

    *busy = false;
    *lock_fd = -1;
    if (addr(dir, name, &sa, err) < 0) {
        free(lock);
        return -1;
    }
    lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0) {
        err_set(err, "%s: %s", lock, strerror(errno));
        free(lock);
        return -1;
    }
    if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
        *busy = errno == EWOULDBLOCK;
        err_set(err, "%s: %s", lock,
                *busy ? "another ferry server holds it" : strerror(errno));
        close(lfd);
        free(lock);
        return -1;
    }
    free(lock);
    /* we hold the lock: a socket left behind is a dead server's */
    unlink(sa.sun_path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        chmod(sa.sun_path, 0600) < 0 || listen(fd, 64) < 0) {
        err_set(err, "%s: cannot listen: %s", sa.sun_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        close(lfd);
        return -1;
    }
    pid = srv_path(dir, name, "pid");
    if ((f = fopen(pid, "w")) != NULL) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
    free(pid);
    *lock_fd = lfd;
    return fd;
}

void
srv_unlink(const char *dir, const char *name)
{
    char *s = srv_path(dir, name, "sock"), *p = srv_path(dir, name, "pid");

    unlink(s);
    unlink(p);
    free(s);
    free(p);
}

int
srv_connect(const char *dir, const char *name, bool *none,
            struct ferry_err *err)
{
    struct sockaddr_un sa;
    int fd;

    *none = false;
    if (addr(dir, name, &sa, err) < 0)
        return -1;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        err_set(err, "socket: %s", strerror(errno));
        return -1;
    }
    while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (errno == EINTR)
            continue;
        *none = errno == ENOENT || errno == ECONNREFUSED;
        err_set(err, "%s: %s", sa.sun_path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}
