/* The ferry server: clients on a UNIX socket, the jobs table, and the
 * backend's news broadcast to those who asked for it (see server.h). */
#include "ferry/server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ferry/evac.h"
#include "ferry/flightlog.h"
#include "ferry/hints.h"
#include "ferry/jsonf.h"
#include "ferry/proto.h"
#include "ferry/runner.h"
#include "ferry/wire.h"

#define CLIENT_OUT_MAX (512u << 20) /* a client this far behind is dropped */
#define MODEL_EVERY_MS 250          /* inventory broadcasts, at most */
#define SETTLE_MAX_MS 90000         /* commands wait this long for hosts */

struct sclient {
    struct server *s;
    int fd, watch;
    unsigned long serial; /* for the log: client #N */
    pid_t pid;
    char kind[32];
    bool hello, dead, closing;
    struct proto_reader in;
    char *out;
    size_t out_len, out_cap, out_off;
    bool want_write;
    /* what it subscribed to */
    bool sub_jobs, sub_model, sub_prompts, sub_evacs;
    long *watching;
    size_t n_watching;
    /* a "settle" request waiting for the hosts */
    bool settling;
    int64_t settle_id;
    uint64_t settle_until;
    bool settle_accept_new;
    json_object *settle_refused; /* host keys declined on its behalf */
    /* "checks_hosts" requests still computing */
    struct hostchecks **hc;
    size_t n_hc, cap_hc;
};

/* One "checks_hosts" request: a message per host as its results come,
 * then the reply. */
struct hostchecks {
    struct sclient *c;
    int64_t id;
    void *handle;
    char **hosts;
    size_t n_hosts, got;
};

struct server {
    struct server_opts o;
    struct jobs *jobs;
    struct evacs *evacs;
    char *maint_path; /* the hosts in maintenance, kept across servers */
    char *log_dir;
    int listen_watch;
    struct sclient **c;
    size_t n_c, cap_c;
    unsigned long serial;
    uint64_t now_ms;
    /* what the clients were last told */
    uint64_t sent_gen, sent_status;
    bool model_dirty;
    uint64_t model_sent_ms;
    bool have_prompt;
    unsigned prompt_id;
    struct wire_buf text; /* a large message being written */
    /* lifetime */
    uint64_t idle_since; /* 0: not idle */
    uint64_t notices_due; /* the fail-safe's notices looked at again */
    bool stopping;
    uint64_t stop_until;
};

/* ---- the log ----------------------------------------------------------------
 */

void
server_log(struct server *s, const char *fmt, ...)
{
    va_list ap;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;

    if (s->o.log == NULL)
        return;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(s->o.log, "%s [%d] ", stamp, (int)getpid());
    va_start(ap, fmt);
    vfprintf(s->o.log, fmt, ap);
    va_end(ap);
    fputc('\n', s->o.log);
    fflush(s->o.log);
}

/* A move the fail-safe handed to QEMU (on_steering_lost = budget) that
 * still runs: this server adopts it and steers it to the end. */
static bool
adopt_handed_over(struct server *s, json_object *notice)
{
    json_object *v;
    const char *log;
    const struct job *j;
    struct ferry_err err;

    if (notice == NULL ||
        !json_object_is_type(notice, json_type_object) ||
        !json_object_object_get_ex(notice, "outcome", &v) ||
        !json_object_is_type(v, json_type_string) ||
        strcmp(json_object_get_string(v), "handed-over") != 0 ||
        !json_object_object_get_ex(notice, "log", &v) ||
        !json_object_is_type(v, json_type_string) ||
        (log = json_object_get_string(v)) == NULL)
        return false;
    j = jobs_adopt(s->jobs, log, &err);
    if (j == NULL) {
        server_log(s, "not adopted: %s", err.msg);
        return false;
    }
    server_log(s, "job #%ld: %s adopted from %s (its server died)", job_id(j),
               job_vm(j), log);
    return true;
}

/* What an earlier server's fail-safe did: each becomes an ended job the
 * clients see (marked steering_lost), and a line in this log. The file is
 * taken whole (renamed) so that a guard still writing starts a new one. */
static void
import_notices(struct server *s)
{
    char *tmp;
    FILE *f;
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;

    if (s->o.notices == NULL)
        return;
    tmp = xasprintf("%s.%ld", s->o.notices, (long)getpid());
    if (rename(s->o.notices, tmp) < 0) {
        if (errno != ENOENT)
            server_log(s, "fail-safe notices %s: %s", s->o.notices,
                       strerror(errno));
        free(tmp);
        return;
    }
    f = fopen(tmp, "r");
    while (f != NULL && (len = getline(&line, &cap, f)) >= 0) {
        json_object *o;
        struct ferry_err err;
        const struct job *j;

        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len == 0)
            continue;
        o = json_tokener_parse(line);
        if (adopt_handed_over(s, o))
            j = NULL;
        else if ((j = jobs_add_lost(s->jobs, o, &err)) == NULL)
            server_log(s, "%s:%zu: fail-safe notice skipped: %s",
                       s->o.notices, lineno,
                       o == NULL ? "not valid JSON" : err.msg);
        else
            server_log(s, "job #%ld: %s (fail-safe of an earlier server)",
                       job_id(j), job_vm(j));
        json_object_put(o);
    }
    free(line);
    if (f != NULL)
        fclose(f);
    unlink(tmp);
    free(tmp);
}

/* ---- sending ------------------------------------------------------------ */

static void client_drop(struct sclient *c, const char *why);

static void
flush_out(struct sclient *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            c->dead = true; /* it went away: read's EOF says the rest */
            c->out_off = c->out_len = 0;
            return;
        }
        c->out_off += (size_t)n;
    }
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    if ((c->out_len > 0) != c->want_write) {
        c->want_write = c->out_len > 0;
        loop_update_fd(c->s->o.loop, c->watch,
                       LOOP_READ | (c->want_write ? LOOP_WRITE : 0));
    }
}

static void
send_raw(struct sclient *c, const char *s, size_t n)
{
    if (c->dead)
        return;
    if (c->out_len - c->out_off + n > CLIENT_OUT_MAX) {
        client_drop(c, "it stopped reading (more than 512 MiB waiting)");
        return;
    }
    if (c->out_off > 0 && c->out_off >= c->out_len / 2) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    c->out = xgrow(c->out, &c->out_cap, c->out_len + n, 1);
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
    flush_out(c);
}

/* Send a message and put it. */
static void
send_msg(struct sclient *c, json_object *o)
{
    size_t n;
    char *line = proto_line(o, &n);

    send_raw(c, line, n);
    free(line);
    json_object_put(o);
}

static void send_error(struct sclient *c, const char *fmt, ...)
    FERRY_PRINTF(2, 3);

static void
send_error(struct sclient *c, const char *fmt, ...)
{
    char buf[600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    send_msg(c, proto_error(buf));
}

/* A job's record to one client, without parsing it again. */
static void
send_record(struct sclient *c, long job, const char *line, size_t len)
{
    char head[64];
    int h = snprintf(head, sizeof head,
                     "{\"type\":\"record\",\"job\":%ld,"
                     "\"record\":",
                     job);

    send_raw(c, head, (size_t)h);
    send_raw(c, line, len);
    send_raw(c, "}\n", 2);
}

static bool
watches(const struct sclient *c, long job)
{
    for (size_t i = 0; i < c->n_watching; i++)
        if (c->watching[i] == job)
            return true;
    return false;
}

static json_object *
job_msg(const struct server *s, const struct job *j)
{
    json_object *o = proto_new(PT_JOB);

    json_object_object_add(o, "job", job_meta_json(s->jobs, j));
    return o;
}

/* A job and its whole history to one client. */
static void
send_history(struct sclient *c, const struct job *j)
{
    size_t len;
    const char *rec = job_records(j, &len, NULL), *p = rec;

    send_msg(c, job_msg(c->s, j));
    while (p < rec + len) {
        const char *nl = memchr(p, '\n', (size_t)(rec + len - p));

        if (nl == NULL)
            break;
        send_record(c, job_id(j), p, (size_t)(nl - p));
        p = nl + 1;
    }
}

static void
put_s(struct wire_buf *b, const char *s)
{
    wire_buf_put(b, s, strlen(s));
}

/* The "model" message, written straight into s->text: tens of thousands
 * of VMs are megabytes that json-c objects would take long to build,
 * print and free. */
static const struct wire_buf *
model_msg(struct server *s)
{
    struct wire_buf *b = &s->text;

    b->len = 0;
    jobs_maintenance_apply(s->jobs, s->o.hv->model);
    put_s(b, "{\"type\":\"model\",\"model\":");
    wire_model_write(s->o.hv, b);
    put_s(b, ",\"generation\":");
    wire_buf_u64(b, s->o.hv->generation);
    put_s(b, "}\n");
    return b;
}

static void
send_model(struct sclient *c)
{
    const struct wire_buf *b = model_msg(c->s);

    send_raw(c, b->p, b->len);
}

static void
send_prompt(struct sclient *c, const struct hv_prompt *p)
{
    json_object *o = proto_new(PT_PROMPT);

    json_object_object_add(o, "prompt", wire_prompt(p));
    send_msg(c, o);
}

/* ---- the jobs' news ------------------------------------------------------ */

static void
on_record(void *ctx, const struct job *j, const char *line, size_t len)
{
    struct server *s = ctx;

    for (size_t i = 0; i < s->n_c; i++) {
        struct sclient *c = s->c[i];

        if (c->hello && (c->sub_jobs || watches(c, job_id(j))))
            send_record(c, job_id(j), line, len);
    }
}

static void
on_change(void *ctx, const struct job *j)
{
    struct server *s = ctx;

    for (size_t i = 0; i < s->n_c; i++) {
        struct sclient *c = s->c[i];

        if (c->hello && (c->sub_jobs || watches(c, job_id(j))))
            send_msg(c, job_msg(s, j));
    }
    /* a VM is now migrating, or lives elsewhere */
    s->model_dirty = true;
    if (job_state(j) == JOB_ENDED)
        server_log(s, "job %ld (%s) ended", job_id(j), job_vm(j));
    if (s->evacs != NULL)
        evacs_job_changed(s->evacs, j);
}

/* ---- evacuations and maintenance ------------------------------------------- */

static json_object *
evac_msg(const struct server *s, long id)
{
    json_object *o = proto_new(PT_EVAC);

    json_object_object_add(o, "evac", evacs_json(s->evacs, id));
    return o;
}

static void
on_evac(void *ctx, long id)
{
    struct server *s = ctx;

    for (size_t i = 0; i < s->n_c; i++) {
        struct sclient *c = s->c[i];

        if (c->hello && (c->sub_jobs || c->sub_evacs))
            send_msg(c, evac_msg(s, id));
    }
}

/* The hosts in maintenance, one per line, for the next server. */
static void
maint_save(struct server *s)
{
    const char *const *h;
    size_t n = jobs_maintenance(s->jobs, &h);
    char *tmp;
    FILE *f;

    if (s->maint_path == NULL)
        return;
    if (n == 0) {
        unlink(s->maint_path);
        return;
    }
    tmp = xasprintf("%s.tmp", s->maint_path);
    if ((f = fopen(tmp, "w")) != NULL) {
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%s\n", h[i]);
        if (fclose(f) == 0 && rename(tmp, s->maint_path) == 0) {
            free(tmp);
            return;
        }
    }
    server_log(s, "cannot keep the hosts in maintenance in %s: %s",
               s->maint_path, strerror(errno));
    unlink(tmp);
    free(tmp);
}

static void
maint_load(struct server *s)
{
    FILE *f = s->maint_path ? fopen(s->maint_path, "r") : NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;

    while (f != NULL && (len = getline(&line, &cap, f)) > 0) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] != '\0' &&
            jobs_set_maintenance(s->jobs, line, true, NULL) == 0)
            server_log(s, "%s is in maintenance (since an earlier server)",
                       line);
    }
    free(line);
    if (f != NULL)
        fclose(f);
}

/* ---- requests -------------------------------------------------------------
 */

struct req {
    struct server *s;
    struct sclient *c;
    struct proto_msg *m;
    json_object *args;
    int64_t id;
};

/* A reply that failed, with err's message. */
static json_object *
fail(const struct req *r, const struct ferry_err *err)
{
    return proto_reply(r->id, false, err->msg);
}

static json_object *
ok(const struct req *r)
{
    return proto_reply(r->id, true, NULL);
}

/* A reply that succeeded, with the job as it is now. */
static json_object *
ok_job(const struct req *r, const struct job *j)
{
    json_object *o = ok(r);

    json_object_object_add(o, "job", job_meta_json(r->s->jobs, j));
    return o;
}

/* The job a request names: "job": a number or a VM's name. */
static const struct job *
req_job(const struct req *r, struct ferry_err *err)
{
    json_object *v;
    char buf[32];

    if (!json_object_object_get_ex(r->args, "job", &v) || v == NULL) {
        err_set(err, "\"job\" is missing");
        return NULL;
    }
    if (json_object_is_type(v, json_type_int)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_object_get_int64(v));
        return jobs_lookup(r->s->jobs, buf, err);
    }
    if (!json_object_is_type(v, json_type_string)) {
        err_set(err, "\"job\" must be a number or a VM's name");
        return NULL;
    }
    return jobs_lookup(r->s->jobs, json_object_get_string(v), err);
}

static json_object *
cmd_ping(struct req *r)
{
    return ok(r);
}

static json_object *
cmd_subscribe(struct req *r)
{
    struct sclient *c = r->c;
    struct server *s = r->s;
    struct ferry_err err;
    bool jobs = false, model = false, prompts = false, evacs = false;

    if (jf_bool(r->args, "jobs", false, &jobs, &err) < 0 ||
        jf_bool(r->args, "evacs", false, &evacs, &err) < 0 ||
        jf_bool(r->args, "model", false, &model, &err) < 0 ||
        jf_bool(r->args, "prompts", false, &prompts, &err) < 0)
        return fail(r, &err);
    send_msg(c, ok(r));
    /* then what it asked for, as it is now; news follows */
    if (model && !c->sub_model)
        send_model(c);
    if (jobs && !c->sub_jobs)
        for (size_t i = 0; i < jobs_count(s->jobs); i++)
            send_history(c, jobs_at(s->jobs, i));
    if ((jobs || evacs) && !c->sub_jobs && !c->sub_evacs)
        for (size_t i = 0; i < evacs_count(s->evacs); i++)
            send_msg(c, evac_msg(s, evacs_id_at(s->evacs, i)));
    c->sub_evacs |= evacs;
    if (prompts && !c->sub_prompts && s->o.hv->ops->prompt != NULL) {
        struct hv_prompt p;

        if (s->o.hv->ops->prompt(s->o.hv, &p))
            send_prompt(c, &p);
    }
    c->sub_jobs |= jobs;
    c->sub_model |= model;
    c->sub_prompts |= prompts;
    if (s->o.hv->status_gen > 0 && s->o.hv->status[0] != '\0') {
        json_object *o = proto_new(PT_STATUS);

        json_object_object_add(o, "error",
                               json_object_new_boolean(s->o.hv->status_error));
        jf_add_str(o, "message", s->o.hv->status);
        send_msg(c, o);
    }
    return NULL; /* replied already */
}

static json_object *
cmd_model(struct req *r)
{
    struct wire_buf *b = &r->s->text;

    b->len = 0;
    put_s(b, "{\"type\":\"reply\",\"id\":");
    wire_buf_u64(b, (uint64_t)r->id);
    put_s(b, ",\"ok\":true,\"model\":");
    /* the backend may have made its inventory anew since */
    jobs_maintenance_apply(r->s->jobs, r->s->o.hv->model);
    wire_model_write(r->s->o.hv, b);
    put_s(b, "}\n");
    send_raw(r->c, b->p, b->len);
    return NULL; /* replied already */
}

static int
req_mig_request(const struct req *r, struct mig_request *req,
                struct ferry_err *err)
{
    const char *kind = "compute";

    memset(req, 0, sizeof *req);
    if (jf_str(r->args, "vm", true, &req->vm, err) < 0 ||
        jf_str(r->args, "host", false, &req->dst_host, err) < 0 ||
        jf_str(r->args, "datastore", false, &req->dst_ds, err) < 0 ||
        jf_str(r->args, "kind", false, &kind, err) < 0)
        return -1;
    if (job_kind_lookup(kind, &req->kind) < 0) {
        err_set(err, "\"kind\": '%s' is not compute, storage or both", kind);
        return -1;
    }
    return 0;
}

static json_object *
cmd_checks(struct req *r)
{
    struct mig_request req;
    struct checks out;
    struct ferry_err err;
    const char **busy;
    size_t nb;
    json_object *o;

    if (req_mig_request(r, &req, &err) < 0)
        return fail(r, &err);
    busy = jobs_busy_vms(r->s->jobs, &nb);
    checks_init(&out);
    runner_checks(r->s->o.hv, &req, busy, nb, &out);
    free(busy);
    o = ok(r);
    json_object_object_add(o, "checks", wire_checks(out.v, out.n));
    checks_fini(&out);
    return o;
}

static void
hostchecks_end(struct hostchecks *h)
{
    struct sclient *c = h->c;

    for (size_t i = 0; i < c->n_hc; i++)
        if (c->hc[i] == h) {
            memmove(c->hc + i, c->hc + i + 1,
                    (c->n_hc - i - 1) * sizeof *c->hc);
            c->n_hc--;
            break;
        }
    hv_checks_cancel(c->s->o.hv, h->handle);
    strv_free(h->hosts, h->n_hosts);
    free(h);
}

static void
hostchecks_done(void *ctx, size_t i, const struct check_result *r, size_t n)
{
    struct hostchecks *h = ctx;
    json_object *o = proto_new(PT_CHECKS);

    json_object_object_add(o, "id", json_object_new_int64(h->id));
    json_object_object_add(o, "index", json_object_new_uint64(i));
    jf_add_str(o, "host", i < h->n_hosts ? h->hosts[i] : NULL);
    json_object_object_add(o, "checks", wire_checks(r, n));
    send_msg(h->c, o);
    if (++h->got < h->n_hosts)
        return;
    o = proto_reply(h->id, true, NULL);
    json_object_object_add(o, "hosts", json_object_new_uint64(h->n_hosts));
    send_msg(h->c, o);
    hostchecks_end(h);
}

/* Checks of one VM against many hosts: each host's results go out as
 * they are computed ("checks" messages), so that a slow host holds back
 * only its own; the reply follows the last. */
static json_object *
cmd_checks_hosts(struct req *r)
{
    struct mig_request req;
    struct ferry_err err;
    struct hostchecks *h;
    json_object *a;
    const char **busy;
    size_t nb;

    if (req_mig_request(r, &req, &err) < 0 ||
        jf_array(r->args, "hosts", true, &a, &err) < 0)
        return fail(r, &err);
    h = xcalloc(1, sizeof *h);
    h->c = r->c;
    h->id = r->id;
    h->n_hosts = json_object_array_length(a);
    h->hosts = h->n_hosts ? xcalloc(h->n_hosts, sizeof *h->hosts) : NULL;
    for (size_t i = 0; i < h->n_hosts; i++) {
        json_object *x = json_object_array_get_idx(a, i);

        if (!json_object_is_type(x, json_type_string)) {
            strv_free(h->hosts, i);
            free(h);
            err_set(&err, "\"hosts\" must be an array of host names");
            return fail(r, &err);
        }
        h->hosts[i] = xstrdup(json_object_get_string(x));
    }
    if (h->n_hosts == 0) {
        json_object *o = ok(r);

        json_object_object_add(o, "hosts", json_object_new_uint64(0));
        free(h);
        return o;
    }
    busy = jobs_busy_vms(r->s->jobs, &nb);
    h->handle = hv_checks_start(r->s->o.hv, &req,
                                (const char *const *)h->hosts, h->n_hosts,
                                hostchecks_done, h, busy, nb, r->s->o.loop);
    free(busy);
    if (h->handle == NULL) {
        strv_free(h->hosts, h->n_hosts);
        free(h);
        err_set(&err, "the checks could not start");
        return fail(r, &err);
    }
    r->c->hc = xgrow(r->c->hc, &r->c->cap_hc, r->c->n_hc + 1,
                     sizeof *r->c->hc);
    r->c->hc[r->c->n_hc++] = h;
    return NULL; /* the reply follows the last host's results */
}

static json_object *
cmd_hv_plan(struct req *r)
{
    struct hv_mig_params p;
    struct hv_plan plan;
    struct ferry_err err;
    const struct model_vm *vm;
    struct hv *hv = r->s->o.hv;
    json_object *params, *o;

    if (jf_obj(r->args, "params", true, &params, &err) < 0 ||
        wire_mig_params_read(params, &p, &err) < 0)
        return fail(r, &err);
    if ((vm = model_vm(hv->model, p.vm)) == NULL) {
        err_set(&err, "no VM named '%s'", p.vm);
        return fail(r, &err);
    }
    if (hv->ops->plan(hv, vm, &p, &plan, &err) < 0)
        return fail(r, &err);
    job_hints_apply(r->s->log_dir, vm->name, &plan);
    o = ok(r);
    json_object_object_add(o, "plan", wire_plan(&plan));
    return o;
}

static json_object *
cmd_measure(struct req *r)
{
    struct hv *hv = r->s->o.hv;
    struct ferry_err err;
    const char *vm;
    uint64_t seconds = 3;

    if (jf_str(r->args, "vm", true, &vm, &err) < 0 ||
        jf_u64(r->args, "seconds", false, &seconds, &err) < 0)
        return fail(r, &err);
    if (hv->ops->measure_start == NULL) {
        err_set(&err, "the %s backend cannot measure", hv->ops->name);
        return fail(r, &err);
    }
    if (seconds < 1 || seconds > 60) {
        err_set(&err, "a measurement takes 1 to 60 s, not %llu",
                (unsigned long long)seconds);
        return fail(r, &err);
    }
    if (hv->ops->measure_start(hv, vm, (unsigned)seconds, &err) < 0)
        return fail(r, &err);
    return ok(r);
}

static json_object *
cmd_measure_poll(struct req *r)
{
    struct hv *hv = r->s->o.hv;
    struct ferry_err err;
    const char *vm;
    uint64_t bps = 0;
    int st;
    json_object *o;

    if (jf_str(r->args, "vm", true, &vm, &err) < 0)
        return fail(r, &err);
    if (hv->ops->measure_poll == NULL) {
        err_set(&err, "the %s backend cannot measure", hv->ops->name);
        return fail(r, &err);
    }
    if ((st = hv->ops->measure_poll(hv, vm, &bps, &err)) < 0)
        return fail(r, &err);
    o = ok(r);
    jf_add_str(o, "state", st == 0 ? "measuring" : "done");
    if (st > 0)
        json_object_object_add(o, "dirty_bps", json_object_new_uint64(bps));
    return o;
}

static json_object *
cmd_migrate(struct req *r)
{
    struct job_req rq;
    struct ferry_err err;
    struct checks checks;
    const struct job *j;
    json_object *args, *o;
    struct placement pl = {0};
    bool placed = false;

    if (jf_obj(r->args, "request", true, &args, &err) < 0 ||
        job_req_from_json(args, &rq, &err) < 0)
        return fail(r, &err);
    if (rq.owner == NULL)
        rq.owner = xstrdup(r->c->kind);
    if (rq.host != NULL && strcmp(rq.host, "auto") == 0 &&
        rq.kind != KIND_STORAGE) {
        /* the best host, as an evacuation would pick it */
        if (evacs_place(r->s->evacs, rq.vm ? rq.vm : "",
                        rq.kind == KIND_BOTH, &pl, &err) < 0) {
            job_req_fini(&rq);
            return fail(r, &err);
        }
        free(rq.host);
        rq.host = xstrdup(pl.host);
        if (pl.ds != NULL && rq.ds == NULL) {
            rq.ds = xstrdup(pl.ds);
            rq.kind = KIND_BOTH;
        }
        placed = true;
    }
    checks_init(&checks);
    j = jobs_submit(r->s->jobs, &rq, &checks, &err);
    if (j == NULL) {
        o = fail(r, &err);
        server_log(r->s, "client #%lu: %s refused: %s", r->c->serial, rq.vm,
                   err.msg);
    } else {
        o = ok(r);
        json_object_object_add(o, "job", job_meta_json(r->s->jobs, j));
        server_log(r->s, "client #%lu (%s): job %ld: %s %s", r->c->serial,
                   r->c->kind, job_id(j), job_kind_name(rq.kind), rq.vm);
    }
    json_object_object_add(o, "checks", wire_checks(checks.v, checks.n));
    if (placed) {
        json_object *po = json_object_new_object();

        jf_add_str(po, "host", pl.host);
        jf_add_str(po, "ds", pl.ds);
        jf_add_str(po, "reason", pl.reason);
        json_object_object_add(o, "placement", po);
        placement_fini(&pl);
    }
    checks_fini(&checks);
    job_req_fini(&rq);
    return o;
}

static json_object *
cmd_evac_plan(struct req *r)
{
    struct evac_args a;
    struct ferry_err err;
    json_object *plan, *o;

    if (evac_args_from_json(r->args, &a, &err) < 0)
        return fail(r, &err);
    plan = evacs_plan(r->s->evacs, &a, &err);
    evac_args_fini(&a);
    if (plan == NULL)
        return fail(r, &err);
    o = ok(r);
    json_object_object_add(o, "evac", plan);
    return o;
}

static json_object *
cmd_evacuate(struct req *r)
{
    struct evac_args a;
    struct ferry_err err;
    long id;
    json_object *o;

    if (evac_args_from_json(r->args, &a, &err) < 0)
        return fail(r, &err);
    if (a.owner == NULL)
        a.owner = xstrdup(r->c->kind);
    if (a.virtual_time && r->s->o.hv->ops->realtime) {
        err_set(&err, "%s hosts run in real time only",
                r->s->o.hv->ops->name);
        evac_args_fini(&a);
        return fail(r, &err);
    }
    id = evacs_start(r->s->evacs, &a, &err);
    if (id < 0) {
        server_log(r->s, "client #%lu: evacuation of %s refused: %s",
                   r->c->serial, a.host, err.msg);
        evac_args_fini(&a);
        return fail(r, &err);
    }
    server_log(r->s, "client #%lu (%s): evacuation %ld of %s; %s in "
                     "maintenance",
               r->c->serial, r->c->kind, id, a.host, a.host);
    maint_save(r->s);
    r->s->model_dirty = true;
    evac_args_fini(&a);
    o = ok(r);
    json_object_object_add(o, "evac", evacs_json(r->s->evacs, id));
    return o;
}

/* "evac": an id, or the host's name (its newest evacuation). */
static long
req_evac(const struct req *r, struct ferry_err *err)
{
    json_object *v;
    long id = 0;

    if (!json_object_object_get_ex(r->args, "evac", &v) || v == NULL) {
        err_set(err, "\"evac\" is missing");
        return 0;
    }
    if (json_object_is_type(v, json_type_int))
        id = (long)json_object_get_int64(v);
    else if (json_object_is_type(v, json_type_string))
        id = evacs_lookup(r->s->evacs, json_object_get_string(v));
    if (id <= 0 || evacs_json(r->s->evacs, id) == NULL) {
        err_set(err, "no evacuation %s", json_object_to_json_string(v));
        return 0;
    }
    return id;
}

static json_object *
cmd_evac_abort(struct req *r)
{
    struct ferry_err err;
    long id = req_evac(r, &err);

    if (id <= 0 || evacs_abort(r->s->evacs, id, NULL, &err) < 0)
        return fail(r, &err);
    server_log(r->s, "client #%lu: evacuation %ld aborted", r->c->serial, id);
    return ok(r);
}

/* Where a VM would go: `--to auto`. */
static json_object *
cmd_place(struct req *r)
{
    struct ferry_err err;
    const char *vm;
    bool storage = false;
    struct placement p;
    json_object *o;

    if (jf_str(r->args, "vm", true, &vm, &err) < 0 ||
        jf_bool(r->args, "allow_storage", false, &storage, &err) < 0 ||
        evacs_place(r->s->evacs, vm, storage, &p, &err) < 0)
        return fail(r, &err);
    o = ok(r);
    jf_add_str(o, "host", p.host);
    jf_add_str(o, "ds", p.ds);
    jf_add_str(o, "kind", job_kind_name(p.kind));
    jf_add_str(o, "reason", p.reason);
    placement_fini(&p);
    return o;
}

static json_object *
cmd_evacs(struct req *r)
{
    json_object *o = ok(r), *a = json_object_new_array();

    for (size_t i = 0; i < evacs_count(r->s->evacs); i++)
        json_object_array_add(a, evacs_json(r->s->evacs,
                                            evacs_id_at(r->s->evacs, i)));
    json_object_object_add(o, "evacs", a);
    return o;
}

static json_object *
cmd_maintenance(struct req *r)
{
    struct ferry_err err;
    const char *host;
    bool on = true;

    if (jf_str(r->args, "host", true, &host, &err) < 0 ||
        jf_bool(r->args, "on", true, &on, &err) < 0)
        return fail(r, &err);
    if (model_host(r->s->o.hv->model, host) == NULL) {
        err_set(&err, "no host named '%s'", host);
        return fail(r, &err);
    }
    if (!on)
        for (size_t i = 0; i < evacs_count(r->s->evacs); i++) {
            long id = evacs_id_at(r->s->evacs, i);
            json_object *e = evacs_json(r->s->evacs, id), *st, *h;
            bool running = json_object_object_get_ex(e, "state", &st) &&
                           strcmp(json_object_get_string(st), "ended") != 0 &&
                           json_object_object_get_ex(e, "host", &h) &&
                           strcmp(json_object_get_string(h), host) == 0;

            json_object_put(e);
            if (running) {
                err_set(&err, "%s is being evacuated (evacuation %ld): abort "
                              "it first (`ferry evacuate %s --abort`)",
                        host, id, host);
                return fail(r, &err);
            }
        }
    if (jobs_set_maintenance(r->s->jobs, host, on, &err) < 0)
        return fail(r, &err);
    maint_save(r->s);
    r->s->model_dirty = true;
    server_log(r->s, "client #%lu: %s %s maintenance", r->c->serial, host,
               on ? "in" : "out of");
    return ok(r);
}

static json_object *
cmd_act(struct req *r)
{
    struct ferry_err err;
    const struct job *j = req_job(r, &err);
    const char *action;
    enum action_kind a;
    uint64_t value = 0;

    if (j == NULL || jf_str(r->args, "action", true, &action, &err) < 0 ||
        jf_u64(r->args, "value", false, &value, &err) < 0)
        return fail(r, &err);
    a = action_lookup(action);
    if (a != ACT_ABORT && a != ACT_SWITCHOVER && a != ACT_POSTCOPY &&
        a != ACT_THROTTLE && a != ACT_PAUSE) {
        err_set(&err,
                "\"action\": '%s' is not abort, switchover, postcopy, "
                "throttle or pause",
                action);
        return fail(r, &err);
    }
    if (jobs_act(r->s->jobs, job_id(j), a, value, &err) < 0)
        return fail(r, &err);
    server_log(r->s, "client #%lu (%s): %s on job %ld (%s)", r->c->serial,
               r->c->kind, action, job_id(j), job_vm(j));
    return ok_job(r, j);
}

static json_object *
cmd_budget(struct req *r)
{
    struct ferry_err err;
    const struct job *j = req_job(r, &err);
    uint64_t ms;

    if (j == NULL || jf_u64(r->args, "budget_ms", true, &ms, &err) < 0 ||
        jobs_set_budget(r->s->jobs, job_id(j), ms, &err) < 0)
        return fail(r, &err);
    return ok_job(r, j);
}

/* An external job (a migration ferry did not start): ferry steers it from
 * now on, under a policy and a budget. */
static json_object *
cmd_take_over(struct req *r)
{
    struct ferry_err err;
    const struct job *j = req_job(r, &err);
    const char *policy = NULL;
    uint64_t ms = 0;

    if (j == NULL || jf_str(r->args, "policy", false, &policy, &err) < 0 ||
        jf_u64(r->args, "budget_ms", false, &ms, &err) < 0 ||
        jobs_take_over(r->s->jobs, job_id(j), policy, ms, &err) < 0)
        return fail(r, &err);
    server_log(r->s, "client #%lu (%s): took over job %ld (%s)", r->c->serial,
               r->c->kind, job_id(j), job_vm(j));
    return ok_job(r, j);
}

static json_object *
cmd_queue_move(struct req *r)
{
    struct ferry_err err;
    const struct job *j = req_job(r, &err);
    int64_t delta;

    if (j == NULL || jf_i64(r->args, "delta", true, &delta, &err) < 0)
        return fail(r, &err);
    if (delta == 0 || delta < -1000000 || delta > 1000000) {
        err_set(&err, "\"delta\" must move the job (-1 earlier, 1 later)");
        return fail(r, &err);
    }
    if (jobs_queue_move(r->s->jobs, job_id(j), (int)delta, &err) < 0)
        return fail(r, &err);
    return ok_job(r, j);
}

static json_object *
cmd_queue_preview(struct req *r)
{
    struct job_req rq;
    struct ferry_err err;
    json_object *args, *o;
    char *why;

    if (jf_obj(r->args, "request", true, &args, &err) < 0 ||
        job_req_from_json(args, &rq, &err) < 0)
        return fail(r, &err);
    why = jobs_queue_why(r->s->jobs, &rq);
    job_req_fini(&rq);
    o = ok(r);
    jf_add_str(o, "waits_for", why);
    free(why);
    return o;
}

static json_object *
cmd_jobs(struct req *r)
{
    json_object *o = ok(r), *a = json_object_new_array();

    for (size_t i = 0; i < jobs_count(r->s->jobs); i++)
        json_object_array_add(
            a, job_meta_json(r->s->jobs, jobs_at(r->s->jobs, i)));
    json_object_object_add(o, "jobs", a);
    return o;
}

static json_object *
cmd_watch(struct req *r)
{
    struct ferry_err err;
    const struct job *j = req_job(r, &err);
    struct sclient *c = r->c;

    if (j == NULL)
        return fail(r, &err);
    {
        json_object *o = ok(r);

        json_object_object_add(o, "job", job_meta_json(r->s->jobs, j));
        send_msg(c, o);
    }
    if (!c->sub_jobs && !watches(c, job_id(j))) {
        send_history(c, j);
        c->watching =
            xrealloc(c->watching, (c->n_watching + 1) * sizeof *c->watching);
        c->watching[c->n_watching++] = job_id(j);
    }
    return NULL;
}

static json_object *
cmd_answer(struct req *r)
{
    struct hv *hv = r->s->o.hv;
    struct ferry_err err;
    uint64_t id;
    const char *answer = NULL;

    json_object *a = NULL;

    if (jf_u64(r->args, "prompt", true, &id, &err) < 0)
        return fail(r, &err);
    /* an empty answer (a passphrase) is an answer; null declines */
    if (json_object_object_get_ex(r->args, "answer", &a) && a != NULL) {
        if (!json_object_is_type(a, json_type_string)) {
            err_set(&err, "\"answer\" must be a string, or null to decline");
            return fail(r, &err);
        }
        answer = json_object_get_string(a);
    }
    if (hv->ops->answer == NULL) {
        err_set(&err, "nothing was asked");
        return fail(r, &err);
    }
    hv->ops->answer(hv, (unsigned)id, answer);
    if (answer != NULL) /* secrets do not linger in the message */
        explicit_bzero((char *)answer, strlen(answer));
    server_log(r->s, "client #%lu (%s) %s question %llu", r->c->serial,
               r->c->kind, answer ? "answered" : "declined",
               (unsigned long long)id);
    return ok(r);
}

static json_object *
cmd_settle(struct req *r)
{
    struct sclient *c = r->c;
    struct ferry_err err;
    bool accept_new = false;
    uint64_t timeout = SETTLE_MAX_MS;

    if (jf_bool(r->args, "accept_new", false, &accept_new, &err) < 0 ||
        jf_u64(r->args, "timeout_ms", false, &timeout, &err) < 0)
        return fail(r, &err);
    if (c->settling) {
        err_set(&err, "already waiting for the hosts");
        return fail(r, &err);
    }
    c->settling = true;
    c->settle_id = r->id;
    c->settle_until = r->s->now_ms + MIN(timeout, SETTLE_MAX_MS);
    c->settle_accept_new = accept_new;
    c->settle_refused = json_object_new_array();
    return NULL; /* server_tick replies once they have settled */
}

static json_object *
cmd_shutdown(struct req *r)
{
    char why[96];

    snprintf(why, sizeof why, "asked to stop by %s (pid %d)", r->c->kind,
             (int)r->c->pid);
    send_msg(r->c, ok(r));
    server_stop(r->s, why, 1500);
    return NULL;
}

static const struct {
    const char *name;
    json_object *(*fn)(struct req *r);
} commands[] = {
    {"ping", cmd_ping},
    {"subscribe", cmd_subscribe},
    {"model", cmd_model},
    {"checks", cmd_checks},
    {"checks_hosts", cmd_checks_hosts},
    {"hv_plan", cmd_hv_plan},
    {"measure", cmd_measure},
    {"measure_poll", cmd_measure_poll},
    {"migrate", cmd_migrate},
    {"act", cmd_act},
    {"budget", cmd_budget},
    {"take_over", cmd_take_over},
    {"queue_move", cmd_queue_move},
    {"queue_preview", cmd_queue_preview},
    {"jobs", cmd_jobs},
    {"watch", cmd_watch},
    {"answer", cmd_answer},
    {"settle", cmd_settle},
    {"shutdown", cmd_shutdown},
    {"evac_plan", cmd_evac_plan},
    {"evacuate", cmd_evacuate},
    {"evac_abort", cmd_evac_abort},
    {"evacs", cmd_evacs},
    {"place", cmd_place},
    {"maintenance", cmd_maintenance},
};

static void
welcome(struct sclient *c)
{
    struct server *s = c->s;
    json_object *o = proto_new(PT_WELCOME), *srv = json_object_new_object(),
                *def = json_object_new_object();
    char *ini = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&ini, &len);

    json_object_object_add(o, "protocol", json_object_new_int(PROTO_VERSION));
    json_object_object_add(srv, "pid", json_object_new_int((int)getpid()));
    jf_add_str(srv, "name", s->o.name);
    jf_add_str(srv, "label", s->o.label);
    jf_add_str(srv, "version", FERRY_VERSION_STRING);
    jf_add_str(srv, "backend", s->o.hv->ops->name);
    json_object_object_add(srv, "realtime",
                           json_object_new_boolean(s->o.hv->ops->realtime));
    json_object_object_add(
        srv, "measure",
        json_object_new_boolean(s->o.hv->ops->measure_start != NULL));
    jf_add_str(srv, "log_dir", s->log_dir);
    json_object_object_add(o, "server", srv);
    for (size_t i = 0; i < s->o.policies->n; i++) {
        char *p = policy_to_ini(&s->o.policies->v[i]);

        fputs(p, f);
        fputc('\n', f);
        free(p);
    }
    fclose(f);
    jf_add_str(o, "policies", ini);
    free(ini);
    jf_add_str(def, "policy",
               s->o.default_policy ? s->o.default_policy : "ferry");
    json_object_object_add(def, "budget_ms",
                           json_object_new_uint64(s->o.default_budget_ms
                                                      ? s->o.default_budget_ms
                                                      : 300));
    json_object_object_add(o, "defaults", def);
    send_msg(c, o);
}

static void
handle_line(struct sclient *c, const char *line, size_t len)
{
    struct proto_msg m;
    struct ferry_err err;
    struct req r = {.s = c->s, .c = c, .m = &m};
    json_object *reply = NULL;
    bool found = false;

    if (proto_parse(line, len, &m, &err) < 0) {
        send_error(c, "%s", err.msg);
        if (!c->hello)
            c->closing = true; /* not a ferry client */
        return;
    }
    if (!c->hello) {
        const char *kind = "client";
        int64_t pid = 0;

        if (m.type != PT_HELLO) {
            send_error(c, "say hello first (type \"hello\", protocol %d)",
                       PROTO_VERSION);
            c->closing = true;
        } else {
            jf_str(m.obj, "client", false, &kind, &err);
            jf_i64(m.obj, "pid", false, &pid, &err);
            snprintf(c->kind, sizeof c->kind, "%.31s", kind);
            c->hello = true;
            server_log(c->s, "client #%lu attached: %s (pid %d)", c->serial,
                       c->kind, (int)c->pid);
            if (c->s->o.on_attach != NULL)
                c->s->o.on_attach(c->s->o.ctx, c->s);
            import_notices(c->s);
            welcome(c);
        }
        proto_msg_fini(&m);
        return;
    }
    if (m.type != PT_REQUEST) {
        send_error(c, "a client sends requests, not \"%s\"",
                   proto_type_name(m.type));
        proto_msg_fini(&m);
        return;
    }
    r.id = m.id;
    r.args = m.obj;
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].name, m.cmd) == 0) {
            found = true;
            reply = c->s->stopping && commands[i].fn != cmd_ping &&
                            commands[i].fn != cmd_jobs &&
                            commands[i].fn != cmd_subscribe
                        ? proto_reply(m.id, false, "the server is stopping")
                        : commands[i].fn(&r);
            break;
        }
    if (!found) {
        char names[400];
        size_t off = 0;

        for (size_t i = 0; i < ARRAY_SIZE(commands) && off < sizeof names; i++)
            off += (size_t)snprintf(names + off, sizeof names - off, "%s%s",
                                    i ? ", " : "", commands[i].name);
        err_set(&err, "unknown command \"%.60s\" (%s)", m.cmd, names);
        reply = fail(&r, &err);
    }
    if (reply != NULL)
        send_msg(c, reply);
    proto_msg_fini(&m);
}

/* ---- clients
 * ----------------------------------------------------------------- */

static void
client_free(void *opaque)
{
    struct sclient *c = opaque;

    if (c->fd >= 0)
        close(c->fd);
    proto_reader_fini(&c->in);
    json_object_put(c->settle_refused);
    free(c->hc);
    free(c->out);
    free(c->watching);
    free(c);
}

/* Take it out of the table; its memory goes when the loop lets go. */
static void
client_remove(struct sclient *c)
{
    struct server *s = c->s;

    while (c->n_hc > 0) /* no one wants their results now */
        hostchecks_end(c->hc[c->n_hc - 1]);
    for (size_t i = 0; i < s->n_c; i++)
        if (s->c[i] == c) {
            memmove(s->c + i, s->c + i + 1, (s->n_c - i - 1) * sizeof *s->c);
            s->n_c--;
            break;
        }
    loop_remove_fd(s->o.loop, c->watch);
}

static void
client_drop(struct sclient *c, const char *why)
{
    server_log(c->s, "client #%lu (%s) dropped: %s", c->serial, c->kind, why);
    c->dead = true;
    c->out_off = c->out_len = 0;
}

static void
on_client(int watch, int fd, int events, void *opaque)
{
    struct sclient *c = opaque;
    char buf[65536];

    (void)watch;
    if (events & LOOP_WRITE)
        flush_out(c);
    if (events & (LOOP_READ | LOOP_HANGUP | LOOP_ERROR)) {
        for (;;) {
            ssize_t n = read(fd, buf, sizeof buf);
            char *line;
            size_t len;
            bool overlong;

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (n <= 0) {
                /* gone: whatever it had half sent costs nothing */
                size_t left = proto_reader_pending(&c->in);

                if (c->hello || left > 0)
                    server_log(c->s, "client #%lu (%s) detached%s", c->serial,
                               c->hello ? c->kind : "?",
                               left > 0 ? " in the middle of a message" : "");
                c->dead = true;
                break;
            }
            proto_reader_feed(&c->in, buf, (size_t)n);
            while (
                !c->dead && !c->closing &&
                ((line = proto_reader_next(&c->in, &len, &overlong)) != NULL ||
                 overlong)) {
                if (overlong)
                    send_error(c, "a line of more than %u MiB: ignored",
                               PROTO_MAX_LINE >> 20);
                else
                    handle_line(c, line, len);
            }
            if (c->dead || c->closing)
                break;
        }
    }
    if (c->dead || (c->closing && c->out_len == 0))
        client_remove(c);
}

static int
peer_ok(struct server *s, int fd, pid_t *pid)
{
    struct ucred cr;
    socklen_t len = sizeof cr;

    *pid = 0;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
        server_log(s, "refused a client: its credentials cannot be read: %s",
                   strerror(errno));
        return -1;
    }
    *pid = cr.pid;
    if (cr.uid != getuid()) {
        server_log(s,
                   "refused a client of uid %d (pid %d): this server "
                   "serves uid %d only",
                   (int)cr.uid, (int)cr.pid, (int)getuid());
        return -1;
    }
    return 0;
}

int
server_add_client(struct server *s, int fd)
{
    struct sclient *c;
    pid_t pid;

    if (peer_ok(s, fd, &pid) < 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    c = xcalloc(1, sizeof *c);
    c->s = s;
    c->fd = fd;
    c->pid = pid;
    c->serial = ++s->serial;
    snprintf(c->kind, sizeof c->kind, "client");
    proto_reader_init(&c->in);
    c->watch = loop_add_fd(s->o.loop, fd, LOOP_READ, on_client, c, client_free);
    if (c->watch < 0) {
        client_free(c);
        return -1;
    }
    s->c = xgrow(s->c, &s->cap_c, s->n_c + 1, sizeof *s->c);
    s->c[s->n_c++] = c;
    s->idle_since = 0;
    return 0;
}

static void
on_listen(int watch, int fd, int events, void *opaque)
{
    struct server *s = opaque;

    (void)watch;
    (void)events;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

        if (cfd < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                server_log(s, "accept: %s", strerror(errno));
            return;
        }
        if (s->stopping) {
            close(cfd);
            continue;
        }
        server_add_client(s, cfd);
    }
}

/* ---- the server ------------------------------------------------------------
 */

struct server *
server_new(const struct server_opts *o, struct ferry_err *err)
{
    struct server *s = xcalloc(1, sizeof *s);
    struct jobs_cfg jc = {
        .hv = o->hv,
        .policies = o->policies,
        .default_policy = o->default_policy,
        .default_budget_ms = o->default_budget_ms,
        .queue = o->queue,
        .log_dir = o->log_dir,
        .no_log = o->no_log,
        .on_record = on_record,
        .on_change = on_change,
        .ctx = s,
    };

    s->o = *o;
    s->listen_watch = -1;
    s->log_dir = o->log_dir ? xstrdup(o->log_dir) : flog_default_dir();
    jc.log_dir = s->log_dir;
    s->jobs = jobs_new(&jc);
    {
        struct evacs_cfg ec = {
            .jobs = s->jobs,
            .hv = o->hv,
            .policies = o->policies,
            .default_policy = o->default_policy,
            .default_budget_ms = o->default_budget_ms,
            .queue = o->queue,
            .log_dir = o->no_log ? NULL : s->log_dir,
            .on_change = on_evac,
            .ctx = s,
        };

        s->evacs = evacs_new(&ec);
    }
    if (o->name != NULL)
        s->maint_path = xasprintf("%s/.maintenance-%s", s->log_dir, o->name);
    maint_load(s);
    s->sent_gen = o->hv->generation;
    s->sent_status = o->hv->status_gen;
    s->now_ms = loop_now_ms();
    s->idle_since = 0; /* the first tick starts the idle clock */
    if (o->listen_fd >= 0) {
        fcntl(o->listen_fd, F_SETFL, fcntl(o->listen_fd, F_GETFL) | O_NONBLOCK);
        s->listen_watch =
            loop_add_fd(o->loop, o->listen_fd, LOOP_READ, on_listen, s, NULL);
        if (s->listen_watch < 0) {
            err_set(err, "cannot watch the server's socket");
            server_free(s);
            return NULL;
        }
    }
    server_log(s, "server %s started (%s, %s backend)", o->name ? o->name : "",
               o->label ? o->label : "", o->hv->ops->name);
    import_notices(s);
    return s;
}

void
server_free(struct server *s)
{
    if (s == NULL)
        return;
    while (s->n_c > 0)
        client_remove(s->c[0]);
    if (s->listen_watch >= 0)
        loop_remove_fd(s->o.loop, s->listen_watch);
    if (s->o.listen_fd >= 0)
        close(s->o.listen_fd);
    loop_run_once(s->o.loop, 0); /* the clients' memory */
    evacs_free(s->evacs);
    s->evacs = NULL;
    jobs_free(s->jobs);
    free(s->maint_path);
    wire_buf_fini(&s->text);
    free(s->c);
    free(s->log_dir);
    free(s);
}

/* The backend's inventory, status line and questions, to those who want
 * them. */
static void
broadcast_news(struct server *s)
{
    struct hv *hv = s->o.hv;
    struct hv_prompt p;
    bool have;

    if ((hv->generation != s->sent_gen || s->model_dirty) &&
        s->now_ms >= s->model_sent_ms + MODEL_EVERY_MS) {
        s->sent_gen = hv->generation;
        s->model_dirty = false;
        s->model_sent_ms = s->now_ms;
        for (size_t i = 0, done = 0; i < s->n_c; i++)
            if (s->c[i]->sub_model) {
                /* written once for all of them */
                const struct wire_buf *b = done++ ? &s->text : model_msg(s);

                send_raw(s->c[i], b->p, b->len);
            }
    }
    if (hv->status_gen != s->sent_status) {
        s->sent_status = hv->status_gen;
        server_log(s, "%s", hv->status);
        for (size_t i = 0; i < s->n_c; i++)
            if (s->c[i]->sub_model || s->c[i]->sub_jobs) {
                json_object *o = proto_new(PT_STATUS);

                json_object_object_add(
                    o, "error", json_object_new_boolean(hv->status_error));
                jf_add_str(o, "message", hv->status);
                send_msg(s->c[i], o);
            }
    }
    have = hv->ops->prompt != NULL && hv->ops->prompt(hv, &p);
    if (have && (!s->have_prompt || p.id != s->prompt_id)) {
        if (s->have_prompt)
            for (size_t i = 0; i < s->n_c; i++)
                if (s->c[i]->sub_prompts) {
                    json_object *o = proto_new(PT_PROMPT_GONE);

                    json_object_object_add(o, "id",
                                           json_object_new_int64(s->prompt_id));
                    send_msg(s->c[i], o);
                }
        for (size_t i = 0; i < s->n_c; i++)
            if (s->c[i]->sub_prompts)
                send_prompt(s->c[i], &p);
        server_log(s, "%s: waiting for an answer: %s", p.host, p.title);
    } else if (!have && s->have_prompt) {
        for (size_t i = 0; i < s->n_c; i++)
            if (s->c[i]->sub_prompts) {
                json_object *o = proto_new(PT_PROMPT_GONE);

                json_object_object_add(o, "id",
                                       json_object_new_int64(s->prompt_id));
                send_msg(s->c[i], o);
            }
    }
    s->have_prompt = have;
    s->prompt_id = have ? p.id : 0;
}

/* Commands waiting for the hosts: host keys they may not accept are
 * declined for them (and they are told which); once nothing settles any
 * more, or their time is up, they get the answer. */
static void
settle_waiters(struct server *s)
{
    struct hv *hv = s->o.hv;
    bool settling = hv->ops->settling != NULL && hv->ops->settling(hv);
    struct hv_prompt p;

    for (size_t i = 0; i < s->n_c; i++) {
        struct sclient *c = s->c[i];
        json_object *o;
        size_t up = 0;

        if (!c->settling)
            continue;
        if (hv->ops->prompt != NULL && hv->ops->prompt(hv, &p) &&
            p.kind == HV_ASK_YESNO) {
            if (c->settle_accept_new) {
                server_log(s,
                           "%s: host key accepted for %s (pid %d, "
                           "--accept-new)",
                           p.host, c->kind, (int)c->pid);
                hv->ops->answer(hv, p.id, "yes");
            } else {
                json_object *x = json_object_new_object();

                jf_add_str(x, "host", p.host);
                jf_add_str(x, "message", p.text);
                json_object_array_add(c->settle_refused, x);
                server_log(s,
                           "%s: unknown host key refused for %s (pid "
                           "%d): no --accept-new",
                           p.host, c->kind, (int)c->pid);
                hv->ops->answer(hv, p.id, NULL);
            }
            settling = hv->ops->settling(hv);
        }
        if (settling && s->now_ms < c->settle_until)
            continue;
        c->settling = false;
        for (size_t k = 0; k < hv->model->n_hosts; k++)
            up += hv->model->hosts[k].up;
        o = proto_reply(c->settle_id, true, NULL);
        json_object_object_add(o, "hosts_up", json_object_new_uint64(up));
        json_object_object_add(o, "timed_out",
                               json_object_new_boolean(settling));
        json_object_object_add(o, "refused", c->settle_refused);
        c->settle_refused = NULL;
        send_msg(c, o);
    }
}

void
server_tick(struct server *s, uint64_t now_ms)
{
    s->now_ms = now_ms;
    jobs_tick(s->jobs, now_ms);
    evacs_tick(s->evacs, now_ms);
    broadcast_news(s);
    settle_waiters(s);
    for (size_t i = 0; i < s->n_c;) {
        struct sclient *c = s->c[i];

        if (c->dead || (c->closing && c->out_len == 0)) {
            client_remove(c);
            continue;
        }
        i++;
    }
    /* a guard of a server that died a moment ago may still be writing */
    if (s->o.notices != NULL && now_ms >= s->notices_due) {
        struct stat st;

        s->notices_due = now_ms + 2000;
        if (stat(s->o.notices, &st) == 0)
            import_notices(s);
    }
    if (s->n_c == 0 && jobs_active(s->jobs) == 0 &&
        evacs_active(s->evacs) == 0) {
        if (s->idle_since == 0)
            s->idle_since = now_ms;
    } else {
        s->idle_since = 0;
    }
}

int
server_timeout_ms(const struct server *s, uint64_t now_ms)
{
    int64_t t = jobs_timeout_ms(s->jobs, now_ms);
    int64_t due = evacs_timeout_ms(s->evacs, now_ms);

    if (due >= 0 && (t < 0 || due < t))
        t = due;
    if (s->model_dirty || s->o.hv->generation != s->sent_gen) {
        due = (int64_t)(s->model_sent_ms + MODEL_EVERY_MS) - (int64_t)now_ms;
        t = t < 0 || due < t ? MAX(due, 0) : t;
    }
    for (size_t i = 0; i < s->n_c; i++)
        if (s->c[i]->settling) {
            /* hosts settle on the loop; look again soon */
            t = t < 0 || t > 200 ? 200 : t;
            break;
        }
    if (s->stopping) {
        due = (int64_t)s->stop_until - (int64_t)now_ms;
        t = t < 0 || due < t ? MAX(due, 0) : t;
        t = t < 0 || t > 50 ? 50 : t;
    } else if (s->idle_since != 0) {
        due = (int64_t)(s->idle_since + s->o.linger_ms) - (int64_t)now_ms;
        t = t < 0 || due < t ? MAX(due, 0) : t;
    }
    /* the backend's prompts and status appear between events: a coarse
     * look keeps them from waiting on the next unrelated wake-up */
    if (s->o.hv->ops->prompt != NULL && (t < 0 || t > 1000))
        t = 1000;
    return (int)MIN(t, INT32_MAX);
}

bool
server_done(const struct server *s, uint64_t now_ms)
{
    if (s->stopping) {
        bool flushed = true;

        for (size_t i = 0; i < s->n_c; i++)
            flushed &= s->c[i]->out_len == 0 || s->c[i]->dead;
        /* moves handed over (budget) and others' (external) are not
         * waited for: nothing of ours is left to end */
        return (jobs_stoppable(s->jobs) == 0 && flushed) ||
               now_ms >= s->stop_until;
    }
    return s->idle_since != 0 && now_ms >= s->idle_since + s->o.linger_ms;
}

void
server_stop(struct server *s, const char *why, uint64_t grace_ms)
{
    size_t n;

    if (s->stopping)
        return;
    s->stopping = true;
    s->stop_until = loop_now_ms() + grace_ms;
    for (size_t i = 0; i < evacs_count(s->evacs); i++)
        evacs_abort(s->evacs, evacs_id_at(s->evacs, i), NULL, NULL);
    n = jobs_abort_all(s->jobs, "the server stopped before it started");
    server_log(s, "stopping: %s; %zu running job%s aborted", why, n,
               n == 1 ? "" : "s");
    for (size_t i = 0; i < s->n_c; i++) {
        json_object *o = proto_new(PT_BYE);

        jf_add_str(o, "reason", why);
        send_msg(s->c[i], o);
        s->c[i]->closing = true;
    }
    if (s->listen_watch >= 0) {
        loop_remove_fd(s->o.loop, s->listen_watch);
        s->listen_watch = -1;
    }
}

bool
server_stopping(const struct server *s)
{
    return s->stopping;
}

void
server_reconfigure(struct server *s, const char *default_policy,
                   uint64_t default_budget_ms, const struct queue_cfg *queue)
{
    s->o.default_policy = default_policy;
    s->o.default_budget_ms = default_budget_ms;
    if (queue != NULL)
        s->o.queue = queue;
    jobs_reconfigure(s->jobs, default_policy, default_budget_ms, queue);
    evacs_reconfigure(s->evacs, default_policy, default_budget_ms, queue);
}

void
server_notice(struct server *s, bool error, const char *msg)
{
    server_log(s, "%s", msg);
    for (size_t i = 0; i < s->n_c; i++)
        if (s->c[i]->hello && (s->c[i]->sub_model || s->c[i]->sub_jobs)) {
            json_object *o = proto_new(PT_STATUS);

            json_object_object_add(o, "error", json_object_new_boolean(error));
            jf_add_str(o, "message", msg);
            send_msg(s->c[i], o);
        }
}

size_t
server_clients(const struct server *s)
{
    return s->n_c;
}

const struct jobs *
server_jobs(const struct server *s)
{
    return s->jobs;
}

/* ---- checks against many hosts ------------------------------------------- */

/* hv_checks_start without the backend's op: runner_checks host by host
 * from a loop timer, a few a turn. */
struct hvc {
    struct hv *hv;
    struct loop *loop;
    int timer;
    struct mig_request req;
    char *vm, *ds;
    char **hosts, **busy;
    size_t n_hosts, n_busy, next;
    hv_checks_fn done;
    void *ctx;
    bool cancelled;
};

#define HVC_TURN_MS 4    /* at most this long per turn (simulator) */
#define HVC_TURN_HOSTS 8 /* nor more hosts than this */

static void
hvc_free(void *opaque)
{
    struct hvc *h = opaque;

    free(h->vm);
    free(h->ds);
    strv_free(h->hosts, h->n_hosts);
    strv_free(h->busy, h->n_busy);
    free(h);
}

static void
hvc_turn(int timer, void *opaque)
{
    struct hvc *h = opaque;
    uint64_t until = loop_now_ms() + HVC_TURN_MS;
    /* a real host's checks are round trips: one a turn */
    size_t most = h->hv->ops->realtime ? 1 : HVC_TURN_HOSTS;

    for (size_t k = 0; k < most && h->next < h->n_hosts && !h->cancelled;
         k++) {
        struct checks out;
        struct mig_request req = h->req;
        size_t i = h->next++;

        req.dst_host = h->hosts[i];
        checks_init(&out);
        runner_checks(h->hv, &req, (const char *const *)h->busy, h->n_busy,
                      &out);
        h->done(h->ctx, i, out.v, out.n); /* it may cancel */
        checks_fini(&out);
        if (loop_now_ms() >= until)
            break;
    }
    if (!h->cancelled && h->next >= h->n_hosts)
        loop_update_timer(h->loop, timer, -1);
}

static char **
strv_copy(const char *const *v, size_t n)
{
    char **c = n ? xcalloc(n, sizeof *c) : NULL;

    for (size_t i = 0; i < n; i++)
        c[i] = xstrdup(v[i]);
    return c;
}

void *
hv_checks_start(struct hv *hv, const struct mig_request *req_template,
                const char *const *hosts, size_t n_hosts, hv_checks_fn done,
                void *ctx, const char *const *busy, size_t n_busy,
                struct loop *loop)
{
    struct hvc *h;

    if (hv->ops->checks_start != NULL)
        return hv->ops->checks_start(hv, req_template, hosts, n_hosts, done,
                                     ctx);
    h = xcalloc(1, sizeof *h);
    h->hv = hv;
    h->loop = loop;
    h->req = *req_template;
    h->vm = req_template->vm ? xstrdup(req_template->vm) : NULL;
    h->ds = req_template->dst_ds ? xstrdup(req_template->dst_ds) : NULL;
    h->req.vm = h->vm;
    h->req.dst_ds = h->ds;
    h->req.dst_host = NULL;
    h->hosts = strv_copy(hosts, n_hosts);
    h->n_hosts = n_hosts;
    h->busy = strv_copy(busy, n_busy);
    h->n_busy = n_busy;
    h->done = done;
    h->ctx = ctx;
    /* its memory goes with the timer, after the loop's turn */
    h->timer = loop_add_timer(loop, n_hosts > 0 ? 0 : -1, hvc_turn, h,
                              hvc_free);
    if (h->timer < 0) {
        hvc_free(h);
        return NULL;
    }
    return h;
}

void
hv_checks_cancel(struct hv *hv, void *handle)
{
    struct hvc *h = handle;

    if (handle == NULL)
        return;
    if (hv->ops->checks_start != NULL) {
        if (hv->ops->checks_cancel != NULL)
            hv->ops->checks_cancel(hv, handle);
        return;
    }
    h->cancelled = true;
    loop_remove_timer(h->loop, h->timer);
}
