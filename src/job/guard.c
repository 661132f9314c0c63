/* The fail-safe's messages, decisions and records (see ferry/guard.h). */
#include "ferry/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ferry/jsonf.h"

static const char *const kind_names[] = {"live", "blockcopy", "cold"};
static const char *const act_names[] = {"none", "abort", "budget",
                                        "cancel-copy", "delete-partial"};

const char *
guard_kind_name(enum guard_kind k)
{
    return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

const char *
guard_act_name(enum guard_act a)
{
    return (unsigned)a < ARRAY_SIZE(act_names) ? act_names[a] : "?";
}

int64_t
guard_unix_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void
guard_job_fini(struct guard_job *j)
{
    free(j->id);
    free(j->vm);
    free(j->src);
    free(j->dst);
    free(j->src_uri);
    free(j->dst_uri);
    free(j->log);
    free_strv(j->disks, j->n_disks);
    free_strv(j->new_vols, j->n_new);
    memset(j, 0, sizeof *j);
}

static int
strv_from(json_object *o, const char *key, char ***v, size_t *n,
          struct ferry_err *err)
{
    json_object *a = NULL;

    if (jf_array(o, key, false, &a, err) < 0)
        return -1;
    if (a == NULL)
        return 0;
    *n = json_object_array_length(a);
    *v = xcalloc(*n + 1, sizeof **v);
    for (size_t i = 0; i < *n; i++) {
        json_object *e = json_object_array_get_idx(a, i);

        if (!json_object_is_type(e, json_type_string)) {
            err_set(err, "\"%s\"[%zu]: not a string", key, i);
            return -1;
        }
        (*v)[i] = xstrdup(json_object_get_string(e));
    }
    return 0;
}

int
guard_job_from_json(json_object *o, struct guard_job *j, struct ferry_err *err)
{
    const char *kind = NULL, *mode = NULL;
    size_t k;

    memset(j, 0, sizeof *j);
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        err_set(err, "an armed move must be an object");
        return -1;
    }
    if (jf_strdup(o, "id", true, &j->id, err) < 0 ||
        jf_str(o, "kind", true, &kind, err) < 0 ||
        jf_str(o, "mode", true, &mode, err) < 0 ||
        jf_u64(o, "budget_ms", false, &j->budget_ms, err) < 0 ||
        jf_strdup(o, "vm", true, &j->vm, err) < 0 ||
        jf_strdup(o, "src", true, &j->src, err) < 0 ||
        jf_strdup(o, "dst", false, &j->dst, err) < 0 ||
        jf_strdup(o, "src_uri", true, &j->src_uri, err) < 0 ||
        jf_strdup(o, "dst_uri", false, &j->dst_uri, err) < 0 ||
        jf_strdup(o, "log", false, &j->log, err) < 0 ||
        jf_i64(o, "t0_unix_ms", false, &j->t0_unix_ms, err) < 0 ||
        strv_from(o, "disks", &j->disks, &j->n_disks, err) < 0 ||
        strv_from(o, "new_volumes", &j->new_vols, &j->n_new, err) < 0)
        goto bad;
    for (k = 0; k < ARRAY_SIZE(kind_names); k++)
        if (strcmp(kind, kind_names[k]) == 0)
            break;
    if (k == ARRAY_SIZE(kind_names)) {
        err_set(err, "\"kind\": '%s' is not live, blockcopy or cold", kind);
        goto bad;
    }
    j->kind = (enum guard_kind)k;
    if (steer_lost_lookup(mode, &j->mode) < 0 || j->mode == STEER_LOST_UNSET) {
        err_set(err, "\"mode\": '%s' is not abort or budget", mode);
        goto bad;
    }
    if (j->dst == NULL)
        j->dst = xstrdup(j->src);
    if (j->dst_uri == NULL)
        j->dst_uri = xstrdup(j->src_uri);
    return 0;
bad:
    guard_job_fini(j);
    return -1;
}

json_object *
guard_job_to_json(const struct guard_job *j)
{
    json_object *o = json_object_new_object();

    jf_add_str(o, "id", j->id);
    jf_add_str(o, "kind", guard_kind_name(j->kind));
    jf_add_str(o, "mode", steer_lost_name(j->mode));
    jf_add_u64(o, "budget_ms", j->budget_ms);
    jf_add_str(o, "vm", j->vm);
    jf_add_str(o, "src", j->src);
    jf_add_str(o, "dst", j->dst);
    jf_add_str(o, "src_uri", j->src_uri);
    jf_add_str(o, "dst_uri", j->dst_uri);
    jf_add_str(o, "log", j->log);
    if (j->t0_unix_ms != 0)
        json_object_object_add(o, "t0_unix_ms",
                               json_object_new_int64(j->t0_unix_ms));
    if (j->n_disks > 0)
        json_object_object_add(o, "disks", jf_strv_new(j->disks, j->n_disks));
    if (j->n_new > 0)
        json_object_object_add(o, "new_volumes",
                               jf_strv_new(j->new_vols, j->n_new));
    return o;
}

enum guard_act
guard_decide(const struct guard_job *j, const struct guard_seen *s, char *why,
             size_t n)
{
    const char *dst = j->dst != NULL ? j->dst : j->src;

    if (!s->reached) {
        snprintf(why, n,
                 "steering lost: the server is gone and %s cannot be "
                 "reached (%s); %s is where libvirt leaves it",
                 j->kind == GUARD_COLD ? dst : j->src,
                 s->error[0] ? s->error : "no answer", j->vm);
        return GA_NONE;
    }
    switch (j->kind) {
    case GUARD_LIVE:
        if (!s->job_active) {
            if (s->on_dst)
                snprintf(why, n,
                         "steering lost: the server is gone; the migration "
                         "had already completed, %s runs on %s",
                         j->vm, dst);
            else
                snprintf(why, n,
                         "steering lost: the server is gone; libvirt ended "
                         "the migration, %s still runs on %s",
                         j->vm, j->src);
            return GA_NONE;
        }
        if (j->mode == STEER_LOST_BUDGET) {
            snprintf(why, n,
                     "steering lost: the server is gone; QEMU is given the "
                     "%llu ms downtime budget and may finish by itself",
                     (unsigned long long)j->budget_ms);
            return GA_BUDGET;
        }
        snprintf(why, n,
                 "steering lost: the server is gone; the migration is "
                 "aborted and %s stays on %s",
                 j->vm, j->src);
        return GA_ABORT;
    case GUARD_BLOCKCOPY:
        if (s->uses_new) {
            snprintf(why, n,
                     "steering lost: the server is gone; %s had already "
                     "pivoted to its new disks, the old ones are kept",
                     j->vm);
            return GA_NONE;
        }
        snprintf(why, n,
                 "steering lost: the server is gone; the block copy is "
                 "cancelled without a pivot, %s keeps its disks and the "
                 "new volumes are deleted",
                 j->vm);
        return s->job_active || j->n_new > 0 ? GA_CANCEL_COPY : GA_NONE;
    case GUARD_COLD:
        if (s->on_dst) {
            snprintf(why, n,
                     "steering lost: the server is gone; the copy had "
                     "finished and %s is defined on %s, its source volumes "
                     "are kept",
                     j->vm, dst);
            return GA_NONE;
        }
        snprintf(why, n,
                 "steering lost: the server is gone; the copy is "
                 "abandoned, %s stays on %s and the partial volumes on %s "
                 "are deleted",
                 j->vm, j->src, dst);
        return j->n_new > 0 ? GA_DELETE_PARTIAL : GA_NONE;
    }
    return GA_NONE;
}

const char *
guard_outcome(const struct guard_job *j, const struct guard_seen *s,
              enum guard_act a, bool ok)
{
    if (!s->reached)
        return "unknown";
    if (a == GA_BUDGET)
        return ok ? "handed-over" : "unknown";
    if (!ok && s->job_active)
        return "unknown"; /* it still runs: it has not ended */
    if ((j->kind == GUARD_LIVE && !s->job_active && s->on_dst) ||
        (j->kind == GUARD_BLOCKCOPY && s->uses_new) ||
        (j->kind == GUARD_COLD && s->on_dst))
        return "completed";
    return ok ? "cancelled" : "failed";
}

static json_object *
rec(const char *type, uint64_t t_ms)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(o, "t_ms", json_object_new_int64((int64_t)t_ms));
    return o;
}

size_t
guard_records(const struct guard_job *j, const struct guard_seen *s,
              enum guard_act a, bool ok, const char *err, const char *why,
              int64_t now_unix_ms, json_object *out[3])
{
    uint64_t t = j->t0_unix_ms > 0 && now_unix_ms > j->t0_unix_ms
                     ? (uint64_t)(now_unix_ms - j->t0_unix_ms)
                     : 0;
    size_t n = 0;
    const char *outcome;
    json_object *o;

    if (a == GA_ABORT || a == GA_BUDGET || a == GA_CANCEL_COPY ||
        a == GA_DELETE_PARTIAL) {
        o = rec("decision", t);
        json_object_object_add(
            o, "action",
            json_object_new_string(a == GA_BUDGET ? "downtime" : "abort"));
        json_object_object_add(
            o, "value",
            json_object_new_int64(a == GA_BUDGET ? (int64_t)j->budget_ms : 0));
        json_object_object_add(o, "reason", json_object_new_string(why));
        out[n++] = o;
    }
    if (!ok || !s->reached) {
        char msg[600];

        snprintf(msg, sizeof msg, "steering lost: %s",
                 !ok && err != NULL && err[0] ? err : why);
        o = rec("error", t);
        json_object_object_add(o, "message", json_object_new_string(msg));
        out[n++] = o;
    }
    outcome = guard_outcome(j, s, a, ok);
    if (strcmp(outcome, "handed-over") == 0 || strcmp(outcome, "unknown") == 0)
        return n; /* it goes on, or what became of it is not known: a new
                   * server adopts it or finds out */
    o = rec("result", t);
    json_object_object_add(o, "outcome", json_object_new_string(outcome));
    json_object_object_add(o, "reason",
                           strcmp(outcome, "completed") == 0
                               ? NULL
                               : json_object_new_string(why));
    json_object_object_add(o, "total_ms", json_object_new_int64((int64_t)t));
    json_object_object_add(o, "downtime_budget_ms",
                           json_object_new_int64((int64_t)j->budget_ms));
    json_object_object_add(o, "steering_lost", json_object_new_boolean(true));
    out[n++] = o;
    return n;
}

json_object *
guard_notice_json(const struct guard_job *j, const struct guard_seen *s,
                  enum guard_act a, bool ok, const char *err, const char *why,
                  int64_t now_unix_ms)
{
    json_object *o = json_object_new_object();

    jf_add_str(o, "outcome", guard_outcome(j, s, a, ok));

    jf_add_str(o, "vm", j->vm);
    jf_add_str(o, "kind", guard_kind_name(j->kind));
    jf_add_str(o, "src", j->src);
    jf_add_str(o, "dst", j->dst);
    jf_add_str(o, "mode", steer_lost_name(j->mode));
    jf_add_u64(o, "budget_ms", j->budget_ms);
    jf_add_str(o, "action", guard_act_name(a));
    json_object_object_add(o, "ok", json_object_new_boolean(ok));
    jf_add_str(o, "error", err != NULL && err[0] ? err : NULL);
    jf_add_str(o, "what", why);
    jf_add_str(o, "log", j->log);
    json_object_object_add(o, "unix_ms", json_object_new_int64(now_unix_ms));
    return o;
}

int
guard_append(const char *path, json_object *o, struct ferry_err *err)
{
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    struct stat st;
    char last = '\n';
    size_t len = strlen(s);
    char *line;
    ssize_t w;

    if (fd < 0) {
        err_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        int rfd = open(path, O_RDONLY | O_CLOEXEC);

        if (rfd >= 0) {
            if (pread(rfd, &last, 1, st.st_size - 1) != 1)
                last = '\n';
            close(rfd);
        }
    }
    /* one write: the line lands whole or not at all */
    line = xasprintf("%s%s\n", last != '\n' ? "\n" : "", s);
    w = write(fd, line, strlen(line));
    if (w < 0 || (size_t)w != strlen(line)) {
        err_set(err, "%s: %s", path, w < 0 ? strerror(errno) : "short write");
        free(line);
        close(fd);
        return -1;
    }
    (void)len;
    free(line);
    if (fsync(fd) < 0 || close(fd) < 0) {
        err_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

bool
guard_log_ended(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char buf[8192];
    off_t off;
    ssize_t r;
    bool ended = false;

    if (fd < 0)
        return false;
    if (fstat(fd, &st) == 0) {
        off = st.st_size > (off_t)sizeof buf - 1
                  ? st.st_size - (off_t)sizeof buf + 1
                  : 0;
        r = pread(fd, buf, sizeof buf - 1, off);
        if (r > 0) {
            buf[r] = '\0';
            ended = strstr(buf, "\"type\":\"result\"") != NULL ||
                    strstr(buf, "\"type\": \"result\"") != NULL;
        }
    }
    close(fd);
    return ended;
}
