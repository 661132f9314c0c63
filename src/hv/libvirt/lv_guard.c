/* The fail-safe on libvirt hosts.
 *
 * The server's side: a guard process started next to the server, told
 * over a socket about every move (arm) and its end (disarm). The guard's
 * side: it blocks reading that socket; when the server is gone (the
 * socket closes: SIGKILL, a crash, the OOM killer, or an exit that left
 * moves running) it opens its own connections to the hosts and resolves
 * every move still armed (ferry/guard.h decides), within 30 s, then
 * exits. Why a process and not only libvirt's own cancelling of a
 * client-managed migration: that covers live migrations aborted, not a
 * budget handed to QEMU, block copies or cold copies, and it cannot write
 * down what happened. ferry uses both: client-managed migrations for
 * abort (libvirt cancels them even if the whole jump host goes away), the
 * guard for the rest and for the record. */
#include "lv_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ferry/guard.h"

#define GUARD_DEADLINE_MS 25000 /* everything resolved within 30 s */
#define SETTLE_MS 10000         /* an abort takes effect within this */

/* ---- the server's side --------------------------------------------------- */

static int spawn(struct lv *lv, struct ferry_err *err);

static void
guard_close(struct lv *lv)
{
    if (lv->guard_watch >= 0)
        loop_remove_fd(lv->loop, lv->guard_watch);
    lv->guard_watch = -1;
    if (lv->guard_fd >= 0)
        close(lv->guard_fd);
    lv->guard_fd = -1;
}

/* The guard never writes: readable means it is gone. A new one is armed
 * with every move at once. */
static void
on_guard_gone(int watch, int fd, int events, void *opaque)
{
    struct lv *lv = opaque;
    struct ferry_err err;
    int st;

    (void)watch;
    (void)fd;
    (void)events;
    guard_close(lv);
    if (lv->guard_pid > 0)
        waitpid(lv->guard_pid, &st, WNOHANG);
    lv->guard_pid = 0;
    if (loop_now_ms() < lv->guard_started_ms + 5000) {
        /* it died at once (cannot run?): no loop of respawns */
        lv_status(lv, true, "no fail-safe: the guard (%s guard) exits as "
                  "soon as it starts", lv->guard_exe);
        return;
    }
    fprintf(stderr, "ferry: the fail-safe guard exited; starting another\n");
    if (spawn(lv, &err) < 0) {
        lv_status(lv, true, "no fail-safe: %s", err.msg);
        return;
    }
    lv_mig_arm_all(lv);
}

static int
spawn(struct lv *lv, struct ferry_err *err)
{
    int sp[2];
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
        err_set(err, "the guard's socket: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        err_set(err, "cannot start the guard: %s", strerror(errno));
        close(sp[0]);
        close(sp[1]);
        return -1;
    }
    if (pid == 0) {
        /* its own session: a signal to the server's group is not its */
        setsid();
        if (dup2(sp[1], STDIN_FILENO) < 0)
            _exit(127);
        /* nothing of the server's: not its lock, not its ready pipe */
        if (close_range(3, ~0U, 0) < 0) {
            long max = sysconf(_SC_OPEN_MAX);

            for (long f = 3; f < (max > 0 ? max : 1024); f++)
                close((int)f);
        }
        execl(lv->guard_exe, "ferry", "guard", "--notices",
              lv->guard_notices, "--log", lv->guard_log, (char *)NULL);
        _exit(127);
    }
    close(sp[1]);
    lv->guard_fd = sp[0];
    lv->guard_pid = (int)pid;
    lv->guard_started_ms = loop_now_ms();
    lv->guard_watch = loop_add_fd(lv->loop, sp[0], LOOP_READ, on_guard_gone,
                                  lv, NULL);
    return 0;
}

int
hv_libvirt_guard(struct hv *hv, const char *exe, const char *notices,
                 const char *log, struct ferry_err *err)
{
    struct lv *lv = (struct lv *)hv;

    free(lv->guard_exe);
    free(lv->guard_notices);
    free(lv->guard_log);
    lv->guard_exe = xstrdup(exe);
    lv->guard_notices = xstrdup(notices);
    lv->guard_log = xstrdup(log != NULL ? log : "/dev/null");
    return spawn(lv, err);
}

void
lv_guard_send(struct lv *lv, json_object *msg)
{
    const char *s = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
    char *line = xasprintf("%s\n", s);
    size_t len = strlen(line), off = 0;

    while (lv->guard_fd >= 0 && off < len) {
        ssize_t w = send(lv->guard_fd, line + off, len - off, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "ferry: the fail-safe guard is gone: %s\n",
                    strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    free(line);
    json_object_put(msg);
}

void
lv_guard_stop(struct lv *lv)
{
    guard_close(lv); /* what is still armed is resolved by the guard */
    if (lv->guard_pid > 0) {
        int st;

        waitpid(lv->guard_pid, &st, WNOHANG);
    }
    lv->guard_pid = 0;
    free(lv->guard_exe);
    free(lv->guard_notices);
    free(lv->guard_log);
    lv->guard_exe = lv->guard_notices = lv->guard_log = NULL;
}

const char *
lv_guard_uri(const struct lv_host *h)
{
    return h->over_ssh && h->base_uri != NULL ? h->base_uri : h->uri;
}

/* ---- the guard process --------------------------------------------------- */

struct task {
    struct guard_job j;
    pthread_t th;
    bool started;
    bool done;     /* under g_lock */
    bool recorded; /* under g_rec_lock: its outcome is written (once) */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_rec_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_closing; /* under g_rec_lock: past the deadline, the tasks
                        * write nothing more */
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static const char *g_notices;

static void
quiet(void *opaque, virErrorPtr e)
{
    (void)opaque;
    (void)e;
}

static uint64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
nap(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static virConnectPtr
open_host(const char *uri, char *err, size_t n)
{
    virConnectPtr c = virConnectOpen(uri);

    if (c == NULL) {
        snprintf(err, n, "%s", lv_errmsg());
        return NULL;
    }
    virConnectSetKeepAlive(c, 2, 3);
    return c;
}

/* Every look at a host is one of: yes (1), no (0), cannot tell (-1).
 * Nothing is deleted or resumed on a "cannot tell". */

/* The domain: 1 there (*out set), 0 no such domain, -1 cannot tell. */
static int
lookup(virConnectPtr c, const char *vm, virDomainPtr *out)
{
    virErrorPtr e;

    *out = NULL;
    if (c == NULL)
        return -1;
    *out = virDomainLookupByName(c, vm);
    if (*out != NULL)
        return 1;
    e = virGetLastError();
    return e != NULL && e->code == VIR_ERR_NO_DOMAIN ? 0 : -1;
}

/* A job (migration) on the domain. */
static int
job_state(virDomainPtr d)
{
    virDomainJobInfo ji;

    if (d == NULL)
        return 0;
    if (virDomainGetJobInfo(d, &ji) < 0)
        return -1;
    return ji.type != VIR_DOMAIN_JOB_NONE;
}

static bool
job_active(virDomainPtr d)
{
    return job_state(d) != 0; /* cannot tell: still running, to be safe */
}

/* A block job on any of the move's disks. */
static bool
block_active(virDomainPtr d, const struct guard_job *j)
{
    for (size_t i = 0; i < j->n_disks; i++) {
        virDomainBlockJobInfo bi;

        if (virDomainGetBlockJobInfo(d, j->disks[i], &bi, 0) != 0)
            return true; /* one runs, or cannot tell */
    }
    return false;
}

/* A disk of the domain has one of the new volumes as its source (not
 * merely as a block copy's mirror). */
static int
uses_new(virDomainPtr d, const struct guard_job *j)
{
    char *xml = d != NULL ? virDomainGetXMLDesc(d, 0) : NULL;
    struct lv_xml_h x;
    void **nodes = NULL;
    size_t n;
    int yes = 0;

    if (xml == NULL || lv_xml_open(&x, xml) < 0) {
        free(xml);
        return -1;
    }
    n = lv_xml_nodes(&x, "/domain/devices/disk/source", &nodes);
    for (size_t i = 0; i < n && !yes; i++) {
        char *f = lv_xml_str(&x, nodes[i], "string(@file)");

        if (f == NULL)
            f = lv_xml_str(&x, nodes[i], "string(@dev)");
        for (size_t k = 0; f != NULL && k < j->n_new && !yes; k++)
            yes = strcmp(f, j->new_vols[k]) == 0;
        free(f);
    }
    free(nodes);
    lv_xml_close(&x);
    free(xml);
    return yes;
}

static bool
delete_vols(virConnectPtr c, const struct guard_job *j, char *err, size_t n)
{
    bool ok = true;

    for (size_t i = 0; i < j->n_new; i++) {
        virStorageVolPtr v = virStorageVolLookupByPath(c, j->new_vols[i]);

        if (v == NULL)
            continue; /* never made, or gone already */
        if (virStorageVolDelete(v, 0) < 0) {
            snprintf(err, n, "cannot delete %s: %s", j->new_vols[i],
                     lv_errmsg());
            ok = false;
        }
        virStorageVolFree(v);
    }
    return ok;
}

/* 1 running (not paused: a destination's incoming domain is paused until
 * the switch, and lingers a moment after a cancelled migration), 0 not,
 * -1 cannot tell. */
static int
running(virDomainPtr d, int *state)
{
    int st = 0, rs = 0;

    *state = -1;
    if (d == NULL)
        return 0;
    if (virDomainGetState(d, &st, &rs, 0) < 0)
        return -1;
    *state = st;
    return st == VIR_DOMAIN_RUNNING;
}

static void write_record(const struct guard_job *j, const struct guard_seen *s,
                         enum guard_act a, bool ok, const char *err,
                         const char *why);

/* A task's outcome, written once: by the task, or past the deadline by
 * the main thread (j is the first member of its struct task). */
static void
record(const struct guard_job *j, const struct guard_seen *s,
       enum guard_act a, bool ok, const char *err, const char *why)
{
    struct task *t = (struct task *)(void *)j;

    pthread_mutex_lock(&g_rec_lock);
    if (!g_closing && !t->recorded) {
        t->recorded = true;
        write_record(j, s, a, ok, err, why);
    }
    pthread_mutex_unlock(&g_rec_lock);
}

static void
write_record(const struct guard_job *j, const struct guard_seen *s,
             enum guard_act a, bool ok, const char *err, const char *why)
{
    json_object *recs[3], *notice;
    int64_t now = guard_unix_ms();
    size_t n;
    struct ferry_err ferr;
    bool logged = j->log != NULL;
    FILE *f;

    if (a == GA_NONE && j->log != NULL && guard_log_ended(j->log)) {
        fprintf(stderr, "ferry guard: %s: the move had ended already\n",
                j->vm);
        return;
    }
    n = guard_records(j, s, a, ok, err, why, now, recs);
    for (size_t i = 0; i < n; i++) {
        if (logged && guard_append(j->log, recs[i], &ferr) < 0) {
            fprintf(stderr, "ferry guard: %s: %s\n", j->vm, ferr.msg);
            logged = false;
        }
        json_object_put(recs[i]);
    }
    fprintf(stderr, "ferry guard: %s: %s%s%s\n", j->vm, why,
            ok ? "" : "; failed: ", ok ? "" : err);
    notice = guard_notice_json(j, s, a, ok, err, why, now);
    pthread_mutex_lock(&g_lock);
    f = fopen(g_notices, "a");
    if (f != NULL) {
        fprintf(f, "%s\n",
                json_object_to_json_string_ext(notice, JSON_C_TO_STRING_PLAIN));
        fclose(f);
    } else {
        fprintf(stderr, "ferry guard: %s: %s\n", g_notices, strerror(errno));
    }
    pthread_mutex_unlock(&g_lock);
    json_object_put(notice);
}

/* Where a live move is now, once its job has ended: on_dst (switched),
 * or on the source (resumed there if an interrupted switch left it
 * paused). Returns false when that cannot be told. */
static bool
live_where(struct guard_job *j, virDomainPtr d, int src_known,
           virConnectPtr dc, bool *on_dst, bool *dst_gone, char *note,
           size_t n)
{
    virDomainPtr dd = NULL;
    int dl = lookup(dc, j->vm, &dd), sst = -1, dst = -1;
    int sr = src_known == 1 ? running(d, &sst) : 0;
    int dr = dl == 1 ? running(dd, &dst) : 0;
    bool ok = dl >= 0 && sr >= 0 && dr >= 0;

    *on_dst = ok && dl == 1 && dst != -1 && dst != VIR_DOMAIN_SHUTOFF &&
              dr == 1 && sr == 0;
    *dst_gone = dl == 0;
    if (ok && !*on_dst && src_known == 1 && sst == VIR_DOMAIN_PAUSED &&
        dl == 0) {
        /* the switch was under way: the source waits paused for a
         * confirmation that never comes */
        if (virDomainResume(d) == 0)
            snprintf(note, n, "; it was paused on %s and is resumed",
                     j->src);
    }
    if (dd != NULL)
        virDomainFree(dd);
    return ok;
}

static void
resolve(struct guard_job *j)
{
    struct guard_seen s = {0};
    char err[512] = "", why[600], note[128] = "";
    virConnectPtr sc = NULL, dc = NULL;
    virDomainPtr d = NULL;
    enum guard_act a;
    bool ok = true, dst_gone = false, known = true;
    bool same = strcmp(j->src_uri, j->dst_uri) == 0;
    int ls = -1;

    sc = open_host(j->src_uri, s.error, sizeof s.error);
    if (sc != NULL)
        dc = same ? sc : open_host(j->dst_uri, s.error, sizeof s.error);
    s.reached = sc != NULL && dc != NULL;
    if (sc != NULL)
        ls = lookup(sc, j->vm, &d);
    if (s.reached && ls < 0) {
        s.reached = false;
        snprintf(s.error, sizeof s.error, "cannot look up %s: %s", j->vm,
                 lv_errmsg());
    }
    if (s.reached) {
        switch (j->kind) {
        case GUARD_LIVE: {
            int js = job_state(d);

            if (js < 0) {
                known = false;
                break;
            }
            s.job_active = js == 1;
            if (!s.job_active)
                known = live_where(j, d, ls, dc, &s.on_dst, &dst_gone, note,
                                   sizeof note);
            break;
        }
        case GUARD_BLOCKCOPY: {
            int u = ls == 1 ? uses_new(d, j) : -1;

            known = u >= 0;
            s.uses_new = u == 1;
            s.job_active = ls == 1 && block_active(d, j);
            break;
        }
        case GUARD_COLD:
            if (same) {
                int u = ls == 1 ? uses_new(d, j) : -1;

                known = u >= 0;
                s.on_dst = u == 1;
            } else {
                virDomainPtr dd = NULL;
                int dl = lookup(dc, j->vm, &dd);

                known = dl >= 0;
                s.on_dst = dl == 1;
                if (dd != NULL)
                    virDomainFree(dd);
            }
            break;
        }
        if (!known) {
            s.reached = false;
            snprintf(s.error, sizeof s.error, "cannot tell where %s is: %s",
                     j->vm, lv_errmsg());
        }
    }
    a = guard_decide(j, &s, why, sizeof why);
    err[0] = '\0';
    switch (a) {
    case GA_NONE:
        /* what libvirt ended on the source leaves nothing on dst (only
         * when the destination has no domain of that name at all) */
        if (j->kind == GUARD_LIVE && s.reached && !s.on_dst && dst_gone &&
            j->n_new > 0)
            ok = delete_vols(dc, j, err, sizeof err);
        break;
    case GA_ABORT: {
        uint64_t until = mono_ms() + SETTLE_MS;

        if (virDomainAbortJob(d) < 0 && job_active(d)) {
            snprintf(err, sizeof err, "abort refused: %s", lv_errmsg());
            ok = false;
            break;
        }
        while (job_active(d) && mono_ms() < until)
            nap(100);
        if (job_active(d)) {
            snprintf(err, sizeof err,
                     "the migration of %s still runs %u s after the abort",
                     j->vm, SETTLE_MS / 1000);
            ok = false;
            break;
        }
        s.job_active = false;
        if (!live_where(j, d, ls, dc, &s.on_dst, &dst_gone, note,
                        sizeof note)) {
            snprintf(err, sizeof err, "cannot tell where %s is after the "
                     "abort: %s", j->vm, lv_errmsg());
            ok = false;
            break;
        }
        if (s.on_dst) /* it switched before the abort took */
            a = guard_decide(j, &s, why, sizeof why);
        else if (j->n_new > 0 && dst_gone)
            ok = delete_vols(dc, j, err, sizeof err);
        break;
    }
    case GA_BUDGET:
        if (virDomainMigrateSetMaxDowntime(d, j->budget_ms, 0) < 0) {
            snprintf(err, sizeof err, "setting the downtime limit: %s",
                     lv_errmsg());
            ok = false;
        }
        break;
    case GA_CANCEL_COPY: {
        uint64_t until = mono_ms() + SETTLE_MS;

        for (size_t i = 0; i < j->n_disks; i++) {
            virDomainBlockJobInfo bi;

            if (virDomainGetBlockJobInfo(d, j->disks[i], &bi, 0) == 1 &&
                virDomainBlockJobAbort(d, j->disks[i], 0) < 0) {
                snprintf(err, sizeof err, "cancelling the copy of %s: %s",
                         j->disks[i], lv_errmsg());
                ok = false;
            }
        }
        while (ok && block_active(d, j) && mono_ms() < until)
            nap(100);
        if (ok && block_active(d, j)) {
            snprintf(err, sizeof err, "the block copy of %s still runs",
                     j->vm);
            ok = false;
        }
        s.job_active = !ok;
        /* never a volume the domain uses */
        if (ok && uses_new(d, j) == 0)
            ok = delete_vols(sc, j, err, sizeof err);
        break;
    }
    case GA_DELETE_PARTIAL:
        ok = delete_vols(dc, j, err, sizeof err);
        break;
    }
    if (note[0] && strlen(why) + strlen(note) < sizeof why)
        strcat(why, note);
    record(j, &s, a, ok, err, why);
    if (d != NULL)
        virDomainFree(d);
    if (dc != NULL && dc != sc)
        virConnectClose(dc);
    if (sc != NULL)
        virConnectClose(sc);
}

static void *
task_main(void *arg)
{
    struct task *t = arg;

    resolve(&t->j);
    pthread_mutex_lock(&g_lock);
    t->done = true;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

static void
handle(struct task **v, size_t *n, size_t *cap, const char *line)
{
    json_object *o = json_tokener_parse(line), *arm = NULL, *dis = NULL;
    struct ferry_err err;

    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        fprintf(stderr, "ferry guard: a message that is not JSON ignored\n");
        json_object_put(o);
        return;
    }
    if (json_object_object_get_ex(o, "arm", &arm)) {
        struct guard_job j;

        if (guard_job_from_json(arm, &j, &err) < 0) {
            fprintf(stderr, "ferry guard: arm ignored: %s\n", err.msg);
        } else {
            for (size_t i = 0; i < *n; i++)
                if (strcmp((*v)[i].j.id, j.id) == 0) {
                    guard_job_fini(&(*v)[i].j);
                    (*v)[i] = (*v)[--*n];
                    break;
                }
            *v = xgrow(*v, cap, *n + 1, sizeof **v);
            memset(&(*v)[*n], 0, sizeof **v);
            (*v)[(*n)++].j = j;
        }
    } else if (json_object_object_get_ex(o, "disarm", &dis)) {
        const char *id = json_object_get_string(dis);

        for (size_t i = 0; id != NULL && i < *n; i++)
            if (strcmp((*v)[i].j.id, id) == 0) {
                guard_job_fini(&(*v)[i].j);
                (*v)[i] = (*v)[--*n];
                break;
            }
    }
    json_object_put(o);
}

/* NAME.guard next to NAME.lost: the guard's PID, for whoever stops it. */
static char *
pid_path(const char *notices)
{
    size_t n = strlen(notices);

    if (n > 5 && strcmp(notices + n - 5, ".lost") == 0)
        return xasprintf("%.*s.guard", (int)(n - 5), notices);
    return xasprintf("%s.guard", notices);
}

static void
pid_write(const char *path)
{
    FILE *f = fopen(path, "w");

    if (f != NULL) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
}

/* Removed only while it is still ours (a newer guard may have taken it). */
static void
pid_remove(const char *path)
{
    FILE *f = fopen(path, "r");
    long p = 0;

    if (f == NULL)
        return;
    if (fscanf(f, "%ld", &p) != 1)
        p = 0;
    fclose(f);
    if (p == (long)getpid())
        unlink(path);
}

static int guard_run(int fd, const char *notices);

int
hv_libvirt_guard_main(int fd, const char *notices, const char *log)
{
    char *pp = pid_path(notices);
    int rc;

    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    if (log != NULL && freopen(log, "a", stderr) != NULL)
        setvbuf(stderr, NULL, _IOLBF, 0);
    pid_write(pp);
    rc = guard_run(fd, notices);
    pid_remove(pp);
    free(pp);
    /* tasks still blocked in libvirt on a dead host: no exit handlers
     * under them */
    fflush(stderr);
    _exit(rc);
}

static int
guard_run(int fd, const char *notices)
{
    struct task *v = NULL;
    size_t n = 0, cap = 0, len = 0, bcap = 4096;
    char *buf = xmalloc(bcap);
    uint64_t until;
    struct timespec ts;

    g_notices = notices;
    for (;;) {
        ssize_t r;
        char *nl;

        if (len + 1024 > bcap)
            buf = xgrow(buf, &bcap, len + 1024, 1);
        r = read(fd, buf + len, bcap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* the server is gone */
        len += (size_t)r;
        buf[len] = '\0';
        while ((nl = memchr(buf, '\n', len)) != NULL) {
            *nl = '\0';
            handle(&v, &n, &cap, buf);
            len -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, len);
            buf[len] = '\0';
        }
    }
    free(buf);
    close(fd);
    if (n == 0) {
        free(v);
        return 0; /* it ended with nothing left to do */
    }
    fprintf(stderr, "ferry guard: the server is gone with %zu move%s "
                    "armed; resolving\n",
            n, n == 1 ? "" : "s");
    virInitialize();
    virSetErrorFunc(NULL, quiet);
    for (size_t i = 0; i < n; i++)
        v[i].started = pthread_create(&v[i].th, NULL, task_main, &v[i]) == 0;
    until = mono_ms() + GUARD_DEADLINE_MS;
    pthread_mutex_lock(&g_lock);
    for (;;) {
        size_t left = 0;

        for (size_t i = 0; i < n; i++)
            left += v[i].started && !v[i].done;
        if (left == 0 || mono_ms() >= until)
            break;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&g_cond, &g_lock, &ts);
    }
    pthread_mutex_unlock(&g_lock);
    pthread_mutex_lock(&g_rec_lock);
    g_closing = true;
    for (size_t i = 0; i < n; i++)
        if (!v[i].recorded) {
            v[i].recorded = true;
            struct guard_seen s = {.reached = false};
            char why[600];

            snprintf(s.error, sizeof s.error, "no answer within %d s",
                     GUARD_DEADLINE_MS / 1000);
            guard_decide(&v[i].j, &s, why, sizeof why);
            write_record(&v[i].j, &s, GA_NONE, false, s.error, why);
        }
    pthread_mutex_unlock(&g_rec_lock);
    /* threads still blocked on a dead host end with the process */
    return 0;
}
