/* The client side of the protocol (see client.h). */
#include "ferry/client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ferry/ini.h"
#include "ferry/jsonf.h"
#include "ferry/proto.h"
#include "ferry/srvpath.h"
#include "ferry/wire.h"

#define START_TIMEOUT_MS 180000 /* a server connects its hosts first */

struct client {
    struct hv base; /* first: client_hv hands out &base */
    struct model model;
    struct wire_workload *wl; /* each VM's workload word, by position */
    bool have_model;
    /* an inventory read straight from its line, until its message is
     * applied (or its reply taken) */
    bool staged;
    struct model staged_m;
    struct wire_workload *staged_wl;
    struct wire_buf rest; /* that line without it */
    int fd, watch, apply_timer;
    struct loop *loop;
    struct proto_reader in;
    int64_t next_id;
    /* a request waiting for its reply */
    int64_t waiting_id;
    json_object *reply;
    /* what arrived meanwhile: applied on the loop's next turn */
    json_object **pending;
    size_t n_pending, cap_pending;
    struct client_info info;
    struct policy_set policies;
    struct job_view **jobs;
    size_t n_jobs, cap_jobs;
    /* the evacuations, as the server last sent each */
    struct evac_view *evacs;
    size_t n_evacs, cap_evacs;
    /* the operator's question, if the server has one */
    bool have_prompt;
    struct hv_prompt prompt;
    char *p_host, *p_title, *p_text;
    void (*on_update)(void *ctx);
    void *update_ctx;
    void (*on_record)(void *ctx, long job, json_object *rec);
    void *record_ctx;
    bool closed;
    char *why;
    volatile sig_atomic_t *stop; /* set by a signal: stop waiting */
    /* requests whose answers go to a callback (client_call_async) */
    struct acall *ac;
    size_t n_ac, cap_ac;
    int ac_timer;
};

struct acall {
    long id;
    uint64_t deadline_ms;
    int timeout_ms;
    client_reply_fn fn;
    /* a message of the request's own before its reply ("checks") */
    void (*part)(void *ctx, json_object *msg);
    void *ctx;
    char *failed; /* it could not be sent: why */
};

static const struct hv_ops remote_ops;
static const struct hv_ops remote_rt_ops;

/* ---- the connection --------------------------------------------------------
 */

static void close_with(struct client *cl, const char *fmt, ...)
    FERRY_PRINTF(2, 3);

static void
close_with(struct client *cl, const char *fmt, ...)
{
    va_list ap;
    char buf[512];

    if (cl->closed)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cl->closed = true;
    cl->why = xstrdup(buf);
    if (cl->n_ac > 0) /* their failures, from the loop */
        loop_update_timer(cl->loop, cl->ac_timer, 0);
    if (cl->watch > 0) {
        loop_remove_fd(cl->loop, cl->watch);
        cl->watch = 0;
    }
}

/* Write all of it (requests are small; the server reads them at once). */
static int
write_all(struct client *cl, const char *s, size_t n, struct ferry_err *err)
{
    while (n > 0) {
        ssize_t w = write(cl->fd, s, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {.fd = cl->fd, .events = POLLOUT};

            if (poll(&p, 1, CLIENT_TIMEOUT_MS) <= 0) {
                err_set(err, "the ferry server does not read what it is "
                             "sent");
                return -1;
            }
            continue;
        }
        if (w <= 0) {
            close_with(cl, "the ferry server went away (%s)",
                       w < 0 ? strerror(errno) : "closed");
            err_set(err, "%s", cl->why);
            return -1;
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static int
send_obj(struct client *cl, json_object *o, struct ferry_err *err)
{
    size_t n;
    char *line = proto_line(o, &n);
    int rc;

    json_object_put(o);
    if (cl->closed) {
        err_set(err, "%s", cl->why);
        rc = -1;
    } else {
        rc = write_all(cl, line, n, err);
    }
    explicit_bzero(line, n); /* it may carry an answer to a question */
    free(line);
    return rc;
}

static void apply(struct client *cl, json_object *o);

static void
unstage(struct client *cl)
{
    if (!cl->staged)
        return;
    wire_workloads_free(cl->staged_wl, cl->staged_m.n_vms);
    model_fini(&cl->staged_m);
    cl->staged_wl = NULL;
    cl->staged = false;
}

/* The staged inventory becomes the copy. */
static void
install_staged(struct client *cl)
{
    wire_workloads_free(cl->wl, cl->model.n_vms);
    model_fini(&cl->model);
    cl->model = cl->staged_m;
    cl->wl = cl->staged_wl;
    cl->staged_wl = NULL;
    cl->staged = false;
    cl->have_model = true;
    cl->base.generation++;
}

/* An inventory that came as objects (a line the fast reader declined):
 * staged from their text. */
static int
stage_obj(struct client *cl, json_object *x, struct ferry_err *err)
{
    size_t n;
    const char *s;
    struct model m;
    struct wire_workload *wl;

    if (x == NULL || !json_object_is_type(x, json_type_object)) {
        err_set(err, "the inventory is not an object");
        return -1;
    }
    if (json_object_object_length(x) == 0 && cl->staged)
        return 0; /* its place: read from the line already */
    s = json_object_to_json_string_length(x, JSON_C_TO_STRING_PLAIN, &n);
    if (wire_model_parse(s, n, &m, &wl, err) < 0)
        return -1;
    unstage(cl);
    cl->staged_m = m;
    cl->staged_wl = wl;
    cl->staged = true;
    return 0;
}

/* A line that carries an inventory ("model" news, the reply to "model")
 * is read without building objects for it; the rest of the message goes
 * on as usual, with the inventory staged. Returns the line to parse. */
static char *
take_model(struct client *cl, char *line, size_t *len)
{
    struct model m;
    struct wire_workload *wl;
    struct ferry_err err;

    if (*len < 16 || (strncmp(line, "{\"type\":\"model\"", 15) != 0 &&
                      (strncmp(line, "{\"type\":\"reply\"", 15) != 0 ||
                       *len < 4096)))
        return line;
    if (wire_msg_take_model(line, *len, &cl->rest, &m, &wl, &err) != 1)
        return line; /* proto_parse and apply say what is wrong */
    unstage(cl);
    cl->staged_m = m;
    cl->staged_wl = wl;
    cl->staged = true;
    *len = cl->rest.len;
    return cl->rest.p;
}

/* A message arrived: a reply we wait for is kept for the caller;
 * anything else is applied now, or on the loop's next turn when a
 * request is waiting. */
static void
take(struct client *cl, json_object *o, bool waiting)
{
    json_object *t, *id;

    if (json_object_object_get_ex(o, "type", &t) &&
        strcmp(json_object_get_string(t), "reply") == 0 &&
        json_object_object_get_ex(o, "id", &id) &&
        json_object_get_int64(id) == cl->waiting_id && cl->reply == NULL &&
        cl->waiting_id > 0) {
        cl->reply = o;
        return;
    }
    if (waiting || cl->n_pending > 0) {
        cl->pending = xgrow(cl->pending, &cl->cap_pending, cl->n_pending + 1,
                            sizeof *cl->pending);
        cl->pending[cl->n_pending++] = o;
        if (!waiting)
            loop_update_timer(cl->loop, cl->apply_timer, 0);
        return;
    }
    apply(cl, o);
}

/* Read what there is; false when the server has gone. */
static bool
read_some(struct client *cl, bool waiting)
{
    char buf[65536];

    for (;;) {
        ssize_t n = read(cl->fd, buf, sizeof buf);
        char *line;
        size_t len;
        bool overlong;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n <= 0) {
            close_with(cl, "the ferry server went away%s%s",
                       cl->info.name ? " (its log: " : "",
                       cl->info.name ? "$XDG_STATE_HOME/ferry/server-*.log)"
                                     : "");
            return false;
        }
        proto_reader_feed(&cl->in, buf, (size_t)n);
        while ((line = proto_reader_next(&cl->in, &len, &overlong)) != NULL ||
               overlong) {
            struct proto_msg m;
            struct ferry_err err;
            json_object *o;

            if (overlong)
                continue;
            line = take_model(cl, line, &len);
            if (proto_parse(line, len, &m, &err) < 0) {
                /* a newer server may say more than we know: say so */
                snprintf(cl->base.status, sizeof cl->base.status,
                         "the server sent what this ferry cannot read: %.200s",
                         err.msg);
                cl->base.status_error = true;
                cl->base.status_gen++;
                continue;
            }
            o = json_object_get(m.obj);
            proto_msg_fini(&m);
            take(cl, o, waiting);
        }
        if (n < (ssize_t)sizeof buf)
            return true;
    }
}

static void
on_fd(int watch, int fd, int events, void *opaque)
{
    struct client *cl = opaque;

    (void)watch;
    (void)fd;
    (void)events;
    read_some(cl, false);
    if (cl->closed && cl->on_update)
        cl->on_update(cl->update_ctx);
}

static void
on_apply(int timer, void *opaque)
{
    struct client *cl = opaque;
    size_t n = cl->n_pending;
    json_object **v = cl->pending;

    loop_update_timer(cl->loop, timer, -1);
    cl->pending = NULL;
    cl->n_pending = cl->cap_pending = 0;
    for (size_t i = 0; i < n; i++)
        apply(cl, v[i]);
    free(v);
}

/* Wait for the reply to request id; live: news is applied meanwhile. */
static json_object *
wait_reply(struct client *cl, int64_t id, int timeout_ms, bool live,
           struct ferry_err *err)
{
    uint64_t until = loop_now_ms() + (uint64_t)timeout_ms;
    json_object *r;

    cl->waiting_id = id;
    while (cl->reply == NULL && !cl->closed) {
        struct pollfd p = {.fd = cl->fd, .events = POLLIN};
        uint64_t now = loop_now_ms();
        int rc;

        if (now >= until) {
            err_set(err, "the ferry server did not answer within %d s",
                    timeout_ms / 1000);
            break;
        }
        if (cl->stop != NULL && *cl->stop) {
            err_set(err, "interrupted while waiting for the server");
            break;
        }
        rc = poll(&p, 1, (int)MIN(until - now, 200));
        if (rc < 0 && errno != EINTR) {
            err_set(err, "poll: %s", strerror(errno));
            break;
        }
        if (rc > 0)
            read_some(cl, !live);
    }
    if (cl->reply == NULL && cl->closed)
        err_set(err, "%s", cl->why);
    r = cl->reply;
    cl->reply = NULL;
    cl->waiting_id = 0;
    if (cl->n_pending > 0)
        loop_update_timer(cl->loop, cl->apply_timer, 0);
    return r;
}

static json_object *
call(struct client *cl, json_object *req, int timeout_ms, bool live,
     struct ferry_err *err)
{
    int64_t id = ++cl->next_id;

    json_object_object_add(req, "id", json_object_new_int64(id));
    if (send_obj(cl, req, err) < 0)
        return NULL;
    return wait_reply(cl, id, timeout_ms, live, err);
}

json_object *
client_call_reply(struct client *cl, json_object *req, int timeout_ms,
                  struct ferry_err *err)
{
    return call(cl, req, timeout_ms, false, err);
}

json_object *
client_call_live(struct client *cl, json_object *req, int timeout_ms,
                 struct ferry_err *err)
{
    return call(cl, req, timeout_ms, true, err);
}

json_object *
client_call(struct client *cl, json_object *req, int timeout_ms,
            struct ferry_err *err)
{
    json_object *r = client_call_reply(cl, req, timeout_ms, err), *ok, *e;

    if (r == NULL)
        return NULL;
    if (!json_object_object_get_ex(r, "ok", &ok) ||
        !json_object_get_boolean(ok)) {
        err_set(err, "%s",
                json_object_object_get_ex(r, "error", &e)
                    ? json_object_get_string(e)
                    : "the server refused");
        json_object_put(r);
        return NULL;
    }
    return r;
}

void
client_send(struct client *cl, json_object *req)
{
    struct ferry_err err;

    /* no one waits for this id: the reply is applied as news */
    json_object_object_add(req, "id", json_object_new_int64(++cl->next_id));
    send_obj(cl, req, &err);
}

/* ---- requests answered through a callback -------------------------------- */

static long
ac_find(const struct client *cl, long id)
{
    for (size_t i = 0; i < cl->n_ac; i++)
        if (cl->ac[i].id == id)
            return (long)i;
    return -1;
}

/* Take call i out, then tell its callback (which may call or cancel). */
static void
ac_deliver(struct client *cl, size_t i, json_object *reply, const char *why)
{
    struct acall a = cl->ac[i];
    struct ferry_err err;

    memmove(cl->ac + i, cl->ac + i + 1, (cl->n_ac - i - 1) * sizeof *cl->ac);
    cl->n_ac--;
    if (reply != NULL) {
        a.fn(a.ctx, reply, NULL);
    } else {
        err_set(&err, "%s", why ? why : "the server refused");
        a.fn(a.ctx, NULL, &err);
    }
    free(a.failed);
}

/* The next deadline of the calls, for their timer. */
static void
ac_arm(struct client *cl)
{
    uint64_t now = loop_now_ms(), first = UINT64_MAX;

    for (size_t i = 0; i < cl->n_ac; i++)
        first = MIN(first, cl->ac[i].failed || cl->closed
                               ? now
                               : cl->ac[i].deadline_ms);
    loop_update_timer(cl->loop, cl->ac_timer,
                      first == UINT64_MAX ? -1
                      : first <= now      ? 0
                                          : (int)MIN(first - now, INT32_MAX));
}

/* Calls that failed, were not answered in time, or lost their server. */
static void
on_ac_timer(int timer, void *opaque)
{
    struct client *cl = opaque;
    bool again = true;

    (void)timer;
    while (again) {
        uint64_t now = loop_now_ms();

        again = false;
        for (size_t i = 0; i < cl->n_ac; i++) {
            struct acall *a = &cl->ac[i];
            char why[600];

            if (a->failed != NULL)
                snprintf(why, sizeof why, "%s", a->failed);
            else if (cl->closed)
                snprintf(why, sizeof why, "%s", cl->why);
            else if (now >= a->deadline_ms)
                snprintf(why, sizeof why,
                         "the ferry server did not answer within %d ms",
                         a->timeout_ms);
            else
                continue;
            ac_deliver(cl, i, NULL, why);
            again = true; /* the array changed under us */
            break;
        }
    }
    ac_arm(cl);
}

static long
call_async(struct client *cl, json_object *req, int timeout_ms,
           client_reply_fn fn, void (*part)(void *ctx, json_object *msg),
           void *ctx)
{
    struct acall *a;
    struct ferry_err err;
    long id = (long)++cl->next_id;

    json_object_object_add(req, "id", json_object_new_int64(id));
    cl->ac = xgrow(cl->ac, &cl->cap_ac, cl->n_ac + 1, sizeof *cl->ac);
    a = &cl->ac[cl->n_ac++];
    memset(a, 0, sizeof *a);
    a->id = id;
    a->timeout_ms = MAX(timeout_ms, 0);
    a->deadline_ms = loop_now_ms() + (uint64_t)a->timeout_ms;
    a->fn = fn;
    a->part = part;
    a->ctx = ctx;
    if (send_obj(cl, req, &err) < 0)
        cl->ac[cl->n_ac - 1].failed = xstrdup(err.msg);
    ac_arm(cl);
    return id;
}

long
client_call_async(struct client *cl, json_object *req, int timeout_ms,
                  client_reply_fn fn, void *ctx)
{
    return call_async(cl, req, timeout_ms, fn, NULL, ctx);
}

void
client_cancel(struct client *cl, long id)
{
    long i = ac_find(cl, id);

    if (i < 0)
        return;
    free(cl->ac[i].failed);
    memmove(cl->ac + i, cl->ac + i + 1,
            (cl->n_ac - (size_t)i - 1) * sizeof *cl->ac);
    cl->n_ac--;
    ac_arm(cl);
}

/* A reply or a request's own message for a call through a callback:
 * true when it was one (and is handled). */
static bool
ac_take(struct client *cl, json_object *o, const char *type)
{
    int64_t id;
    long i;
    struct ferry_err err;
    json_object *ok, *e;

    if (jf_i64(o, "id", true, &id, &err) != 1 || (i = ac_find(cl, (long)id)) < 0)
        return false;
    if (strcmp(type, "checks") == 0) {
        if (cl->ac[i].part != NULL)
            cl->ac[i].part(cl->ac[i].ctx, o);
        return true;
    }
    if (json_object_object_get_ex(o, "ok", &ok) && json_object_get_boolean(ok))
        ac_deliver(cl, (size_t)i, o, NULL);
    else
        ac_deliver(cl, (size_t)i, NULL,
                   json_object_object_get_ex(o, "error", &e)
                       ? json_object_get_string(e)
                       : "the server refused");
    ac_arm(cl);
    return true;
}

/* ---- what the server sends -------------------------------------------------
 */

static struct job_view *
job_get(struct client *cl, long id, bool create)
{
    struct job_view *v;

    for (size_t i = 0; i < cl->n_jobs; i++)
        if (cl->jobs[i]->id == id)
            return cl->jobs[i];
    if (!create)
        return NULL;
    v = job_view_new(id);
    cl->jobs = xgrow(cl->jobs, &cl->cap_jobs, cl->n_jobs + 1, sizeof *cl->jobs);
    cl->jobs[cl->n_jobs++] = v;
    return v;
}

static void
set_status(struct client *cl, bool error, const char *msg)
{
    snprintf(cl->base.status, sizeof cl->base.status, "%.*s",
             (int)sizeof cl->base.status - 1, msg);
    cl->base.status_error = error;
    cl->base.status_gen++;
}

static void
apply_prompt(struct client *cl, json_object *p)
{
    uint64_t id = 0;
    const char *kind = "secret";
    struct ferry_err err;

    free(cl->p_host);
    free(cl->p_title);
    free(cl->p_text);
    cl->p_host = cl->p_title = cl->p_text = NULL;
    cl->have_prompt = false;
    if (jf_u64(p, "id", true, &id, &err) < 0 ||
        jf_str(p, "kind", false, &kind, &err) < 0 ||
        jf_strdup(p, "host", false, &cl->p_host, &err) < 0 ||
        jf_strdup(p, "title", false, &cl->p_title, &err) < 0 ||
        jf_strdup(p, "text", false, &cl->p_text, &err) < 0)
        return;
    cl->prompt.id = (unsigned)id;
    cl->prompt.kind = strcmp(kind, "yesno") == 0  ? HV_ASK_YESNO
                      : strcmp(kind, "text") == 0 ? HV_ASK_TEXT
                                                  : HV_ASK_SECRET;
    cl->prompt.host = cl->p_host ? cl->p_host : "?";
    cl->prompt.title = cl->p_title ? cl->p_title : "";
    cl->prompt.text = cl->p_text ? cl->p_text : "";
    cl->have_prompt = true;
}

static void
apply(struct client *cl, json_object *o)
{
    const char *type =
        json_object_get_string(json_object_object_get(o, "type"));
    struct ferry_err err;
    json_object *x;

    if (strcmp(type, "model") == 0) {
        x = json_object_object_get(o, "model");
        if (x != NULL && json_object_is_type(x, json_type_object) &&
            json_object_object_length(x) == 0 && !cl->staged) {
            /* read already: an earlier message took the newest */
        } else if (stage_obj(cl, x, &err) == 0) {
            install_staged(cl);
        } else {
            set_status(cl, true, "the server's inventory could not be read");
        }
    } else if (strcmp(type, "job") == 0) {
        int64_t id;

        if (json_object_object_get_ex(o, "job", &x) &&
            jf_i64(x, "id", true, &id, &err) == 1) {
            struct job_view *v = job_get(cl, (long)id, true);

            if (job_view_meta(v, x, &err) < 0)
                set_status(cl, true, err.msg);
        }
    } else if (strcmp(type, "evac") == 0) {
        if (!json_object_object_get_ex(o, "evac", &x) ||
            client_note_evac(cl, x) < 0)
            set_status(cl, true, "the server's evacuation could not be read");
    } else if (strcmp(type, "record") == 0) {
        int64_t id;
        struct job_view *v;

        if (jf_i64(o, "job", true, &id, &err) == 1 &&
            json_object_object_get_ex(o, "record", &x) &&
            (v = job_get(cl, (long)id, true)) != NULL) {
            size_t len;
            const char *line = json_object_to_json_string_length(
                x, JSON_C_TO_STRING_PLAIN, &len);

            if (job_view_record(v, line, len, &err) < 0)
                set_status(cl, true, err.msg);
            if (cl->on_record != NULL)
                cl->on_record(cl->record_ctx, (long)id, x);
        }
    } else if (strcmp(type, "status") == 0) {
        bool e = false;
        const char *msg = "";

        jf_bool(o, "error", false, &e, &err);
        jf_str(o, "message", false, &msg, &err);
        set_status(cl, e, msg);
    } else if (strcmp(type, "prompt") == 0) {
        if (json_object_object_get_ex(o, "prompt", &x))
            apply_prompt(cl, x);
    } else if (strcmp(type, "prompt_gone") == 0) {
        int64_t id = 0;

        if (jf_i64(o, "id", true, &id, &err) == 1 && cl->have_prompt &&
            (unsigned)id == cl->prompt.id)
            cl->have_prompt = false;
    } else if (strcmp(type, "bye") == 0) {
        const char *why = "it stopped";

        jf_str(o, "reason", false, &why, &err);
        close_with(cl, "the ferry server stopped: %s", why);
    } else if (strcmp(type, "error") == 0) {
        const char *msg = "?";

        jf_str(o, "error", false, &msg, &err);
        set_status(cl, true, msg);
    } else if (strcmp(type, "checks") == 0) {
        ac_take(cl, o, type); /* nobody asked any more: nothing */
    } else if (strcmp(type, "reply") == 0) {
        /* a reply nobody waits for (client_send): only failures matter */
        json_object *ok;

        if (ac_take(cl, o, type))
            ; /* client_call_async's */
        else if (json_object_object_get_ex(o, "ok", &ok) &&
            !json_object_get_boolean(ok) &&
            json_object_object_get_ex(o, "error", &x))
            set_status(cl, true, json_object_get_string(x));
    }
    json_object_put(o);
    if (cl->on_update != NULL)
        cl->on_update(cl->update_ctx);
}

/* ---- hello -----------------------------------------------------------------
 */

static int
read_welcome(struct client *cl, json_object *w, struct ferry_err *err)
{
    json_object *srv, *def;
    const char *ini = NULL, *type;
    int64_t pid = 0;
    struct ini_doc *doc;

    type = json_object_get_string(json_object_object_get(w, "type"));
    if (strcmp(type, "error") == 0) {
        err_set(err, "the ferry server refused: %s",
                json_object_get_string(json_object_object_get(w, "error")));
        return -1;
    }
    if (strcmp(type, "welcome") != 0 ||
        jf_obj(w, "server", true, &srv, err) < 0 ||
        jf_strdup(srv, "name", false, &cl->info.name, err) < 0 ||
        jf_strdup(srv, "label", false, &cl->info.label, err) < 0 ||
        jf_strdup(srv, "version", false, &cl->info.version, err) < 0 ||
        jf_strdup(srv, "backend", false, &cl->info.backend, err) < 0 ||
        jf_strdup(srv, "log_dir", false, &cl->info.log_dir, err) < 0 ||
        jf_bool(srv, "realtime", false, &cl->info.realtime, err) < 0 ||
        jf_bool(srv, "measure", false, &cl->info.can_measure, err) < 0 ||
        jf_i64(srv, "pid", false, &pid, err) < 0 ||
        jf_str(w, "policies", false, &ini, err) < 0 ||
        jf_obj(w, "defaults", false, &def, err) < 0) {
        if (strcmp(type, "welcome") != 0)
            err_set(err, "the ferry server did not welcome this client");
        return -1;
    }
    cl->info.pid = (pid_t)pid;
    if (def != NULL &&
        (jf_strdup(def, "policy", false, &cl->info.default_policy, err) < 0 ||
         jf_u64(def, "budget_ms", false, &cl->info.default_budget_ms, err) < 0))
        return -1;
    if (ini != NULL) {
        doc = ini_load_string("the server's policies", ini, err);
        if (doc == NULL || policy_set_load(&cl->policies, doc, err) < 0) {
            ini_free(doc);
            return -1;
        }
        ini_free(doc);
    }
    cl->base.ops = cl->info.realtime ? &remote_rt_ops : &remote_ops;
    return 0;
}

struct client *
client_new_fd(int fd, const char *kind, struct loop *loop,
              struct ferry_err *err)
{
    struct client *cl = xcalloc(1, sizeof *cl);
    json_object *hello = proto_hello(kind), *w;

    cl->fd = fd;
    cl->loop = loop;
    cl->base.ops = &remote_ops;
    cl->base.model = &cl->model;
    model_init(&cl->model);
    policy_set_init(&cl->policies);
    proto_reader_init(&cl->in);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    json_object_object_add(hello, "pid", json_object_new_int((int)getpid()));
    if (send_obj(cl, hello, err) < 0) {
        client_free(cl);
        return NULL;
    }
    /* the welcome comes before anything else: wait for it as a reply */
    cl->apply_timer = loop_add_timer(loop, -1, on_apply, cl, NULL);
    cl->ac_timer = loop_add_timer(loop, -1, on_ac_timer, cl, NULL);
    {
        uint64_t until = loop_now_ms() + CLIENT_TIMEOUT_MS;

        w = NULL;
        while (w == NULL && !cl->closed && loop_now_ms() < until) {
            struct pollfd p = {.fd = fd, .events = POLLIN};

            if (poll(&p, 1, (int)(until - loop_now_ms())) > 0) {
                read_some(cl, true);
                if (cl->n_pending > 0) {
                    w = cl->pending[0];
                    memmove(cl->pending, cl->pending + 1,
                            --cl->n_pending * sizeof *cl->pending);
                }
            }
        }
    }
    if (w == NULL || read_welcome(cl, w, err) < 0) {
        if (w == NULL)
            err_set(err, "%s",
                    cl->closed ? cl->why
                               : "the ferry server did not "
                                 "answer the hello");
        json_object_put(w);
        client_free(cl);
        return NULL;
    }
    json_object_put(w);
    cl->watch = loop_add_fd(loop, fd, LOOP_READ, on_fd, cl, NULL);
    return cl;
}

/* Start the server (a grandchild, in its own session, its output to its
 * log) and wait until it says it listens, or why it cannot. */
static int
spawn(const struct client_spawn *sp, bool *busy, struct ferry_err *err)
{
    int p[2], status;
    pid_t pid;
    char buf[1024];
    size_t got = 0;
    uint64_t until;

    *busy = false;
    if (pipe2(p, O_CLOEXEC) < 0) {
        err_set(err, "pipe: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        err_set(err, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        size_t n = 0;
        const char **argv;
        char fdarg[16];
        int dn = open("/dev/null", O_RDWR);

        setsid();
        if (fork() != 0)
            _exit(0); /* the server is nobody's child: no zombie */
        if (dn >= 0) {
            dup2(dn, STDIN_FILENO);
            dup2(dn, STDOUT_FILENO);
            dup2(dn, STDERR_FILENO);
        }
        signal(SIGHUP, SIG_IGN);
        fcntl(p[1], F_SETFD, 0);
        while (sp->argv[n] != NULL)
            n++;
        argv = calloc(n + 3, sizeof *argv);
        memcpy(argv, sp->argv, n * sizeof *argv);
        snprintf(fdarg, sizeof fdarg, "%d", p[1]);
        argv[n] = "--ready-fd";
        argv[n + 1] = fdarg;
        execv("/proc/self/exe", (char *const *)argv);
        dprintf(p[1], "error: cannot run /proc/self/exe: %s\n",
                strerror(errno));
        _exit(127);
    }
    close(p[1]);
    waitpid(pid, &status, 0);
    until = loop_now_ms() + START_TIMEOUT_MS;
    for (;;) {
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        uint64_t now = loop_now_ms();
        ssize_t n;

        if (now >= until) {
            err_set(err,
                    "the ferry server did not start within %d s (its "
                    "log: %s)",
                    START_TIMEOUT_MS / 1000, sp->log_path ? sp->log_path : "?");
            close(p[0]);
            return -1;
        }
        if (poll(&pf, 1, (int)(until - now)) <= 0)
            continue;
        n = read(p[0], buf + got, sizeof buf - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (memchr(buf, '\n', got) != NULL || got == sizeof buf - 1)
            break;
    }
    close(p[0]);
    buf[got] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (strcmp(buf, "ok") == 0)
        return 0;
    if (strcmp(buf, "busy") == 0) {
        *busy = true; /* another client started it a moment ago */
        return 0;
    }
    if (strncmp(buf, "error: ", 7) == 0)
        err_set(err, "%s", buf + 7);
    else
        err_set(err, "the ferry server stopped as it started (its log: %s)",
                sp->log_path ? sp->log_path : "?");
    return -1;
}

struct client *
client_open(const char *dir, const char *name, const struct client_spawn *sp,
            const char *kind, struct loop *loop, struct ferry_err *err)
{
    bool none, busy = false, started = false;
    uint64_t until = 0;
    int fd;

    for (;;) {
        fd = srv_connect(dir, name, &none, err);
        if (fd >= 0)
            return client_new_fd(fd, kind, loop, err);
        if (!none)
            return NULL;
        if (sp == NULL || sp->argv == NULL) {
            err_set(err, "no ferry server runs for this configuration");
            return NULL;
        }
        if (!started) {
            if (spawn(sp, &busy, err) < 0)
                return NULL;
            started = true;
            until = loop_now_ms() + START_TIMEOUT_MS;
            continue;
        }
        /* another server was starting: wait until it listens */
        if (loop_now_ms() >= until) {
            err_set(err,
                    "the ferry server that another ferry started did "
                    "not open its socket within %d s",
                    START_TIMEOUT_MS / 1000);
            return NULL;
        }
        (void)busy;
        poll(NULL, 0, 50);
    }
}

void
client_free(struct client *cl)
{
    if (cl == NULL)
        return;
    if (cl->watch > 0)
        loop_remove_fd(cl->loop, cl->watch);
    if (cl->apply_timer > 0)
        loop_remove_timer(cl->loop, cl->apply_timer);
    if (cl->ac_timer > 0)
        loop_remove_timer(cl->loop, cl->ac_timer);
    for (size_t i = 0; i < cl->n_ac; i++)
        free(cl->ac[i].failed);
    free(cl->ac);
    if (cl->fd >= 0)
        close(cl->fd);
    for (size_t i = 0; i < cl->n_pending; i++)
        json_object_put(cl->pending[i]);
    free(cl->pending);
    json_object_put(cl->reply);
    for (size_t i = 0; i < cl->n_jobs; i++)
        job_view_free(cl->jobs[i]);
    free(cl->jobs);
    for (size_t i = 0; i < cl->n_evacs; i++)
        evac_view_fini(&cl->evacs[i]);
    free(cl->evacs);
    unstage(cl);
    wire_buf_fini(&cl->rest);
    wire_workloads_free(cl->wl, cl->model.n_vms);
    model_fini(&cl->model);
    policy_set_fini(&cl->policies);
    proto_reader_fini(&cl->in);
    free(cl->info.name);
    free(cl->info.label);
    free(cl->info.version);
    free(cl->info.backend);
    free(cl->info.log_dir);
    free(cl->info.default_policy);
    free(cl->p_host);
    free(cl->p_title);
    free(cl->p_text);
    free(cl->why);
    free(cl);
}

const struct client_info *
client_info(const struct client *cl)
{
    return &cl->info;
}

const struct policy_set *
client_policies(const struct client *cl)
{
    return &cl->policies;
}

int
client_note_evac(struct client *cl, json_object *evac)
{
    struct evac_view v;
    struct ferry_err err;
    size_t i;

    evac_view_init(&v);
    if (evac_view_read(evac, &v, &err) < 0)
        return -1;
    for (i = 0; i < cl->n_evacs; i++)
        if (cl->evacs[i].id == v.id)
            break;
    if (i == cl->n_evacs) {
        cl->evacs = xgrow(cl->evacs, &cl->cap_evacs, cl->n_evacs + 1,
                          sizeof *cl->evacs);
        evac_view_init(&cl->evacs[cl->n_evacs++]);
    }
    evac_view_fini(&cl->evacs[i]);
    cl->evacs[i] = v;
    return 0;
}

size_t
client_evacs(const struct client *cl)
{
    return cl->n_evacs;
}

const struct evac_view *
client_evac_at(const struct client *cl, size_t i)
{
    return i < cl->n_evacs ? &cl->evacs[i] : NULL;
}

const struct evac_view *
client_evac(const struct client *cl, long id)
{
    for (size_t i = 0; i < cl->n_evacs; i++)
        if (cl->evacs[i].id == id)
            return &cl->evacs[i];
    return NULL;
}

int
client_subscribe_evacs(struct client *cl, struct ferry_err *err)
{
    json_object *r = proto_request(0, "subscribe");

    json_object_object_add(r, "evacs", json_object_new_boolean(true));
    r = client_call(cl, r, CLIENT_TIMEOUT_MS, err);
    if (r == NULL)
        return -1;
    json_object_put(r);
    return 0;
}

int
client_subscribe(struct client *cl, bool jobs, bool model, bool prompts,
                 struct ferry_err *err)
{
    json_object *r = proto_request(0, "subscribe");

    json_object_object_add(r, "jobs", json_object_new_boolean(jobs));
    json_object_object_add(r, "model", json_object_new_boolean(model));
    json_object_object_add(r, "prompts", json_object_new_boolean(prompts));
    r = client_call(cl, r, CLIENT_TIMEOUT_MS, err);
    if (r == NULL)
        return -1;
    json_object_put(r);
    /* the inventory comes right behind the reply: a console draws it */
    if (model) {
        uint64_t until = loop_now_ms() + CLIENT_TIMEOUT_MS;

        while (!cl->have_model && !cl->closed && loop_now_ms() < until) {
            struct pollfd p = {.fd = cl->fd, .events = POLLIN};

            if (cl->n_pending > 0) {
                on_apply(cl->apply_timer, cl);
                continue;
            }
            if (poll(&p, 1, (int)(until - loop_now_ms())) > 0)
                read_some(cl, false);
        }
        if (!cl->have_model) {
            err_set(err, "%s", cl->closed ? cl->why
                                          : "the server sent no inventory");
            return -1;
        }
    }
    return 0;
}

int
client_watch(struct client *cl, const char *ref, long *id,
             struct ferry_err *err)
{
    json_object *r = proto_request(0, "watch"), *j;
    int64_t v;

    json_object_object_add(r, "job", json_object_new_string(ref));
    r = client_call(cl, r, CLIENT_TIMEOUT_MS, err);
    if (r == NULL)
        return -1;
    if (jf_obj(r, "job", true, &j, err) < 0 ||
        jf_i64(j, "id", true, &v, err) < 0) {
        json_object_put(r);
        return -1;
    }
    *id = (long)v;
    job_view_meta(job_get(cl, *id, true), j, err);
    json_object_put(r);
    return 0;
}

int
client_fetch_model(struct client *cl, struct ferry_err *err)
{
    json_object *r = client_call(cl, proto_request(0, "model"),
                                 CLIENT_TIMEOUT_MS, err),
                *x;

    if (r == NULL)
        return -1;
    /* read straight from the line (staged), or from its objects */
    if (jf_obj(r, "model", true, &x, err) < 0 || stage_obj(cl, x, err) < 0) {
        json_object_put(r);
        return -1;
    }
    install_staged(cl);
    json_object_put(r);
    return 0;
}

void
client_note_job(struct client *cl, json_object *meta)
{
    int64_t id;
    struct ferry_err err;

    if (jf_i64(meta, "id", true, &id, &err) == 1)
        job_view_meta(job_get(cl, (long)id, true), meta, &err);
}

size_t
client_jobs(const struct client *cl)
{
    return cl->n_jobs;
}

const struct job_view *
client_job_at(const struct client *cl, size_t i)
{
    return i < cl->n_jobs ? cl->jobs[i] : NULL;
}

const struct job_view *
client_job(const struct client *cl, long id)
{
    return job_get((struct client *)cl, id, false);
}

void
client_on_update(struct client *cl, void (*fn)(void *ctx), void *ctx)
{
    cl->on_update = fn;
    cl->update_ctx = ctx;
}

void
client_on_record(struct client *cl,
                 void (*fn)(void *ctx, long job, json_object *rec), void *ctx)
{
    cl->on_record = fn;
    cl->record_ctx = ctx;
}

void
client_set_stop(struct client *cl, volatile sig_atomic_t *flag)
{
    cl->stop = flag;
}

bool
client_closed(const struct client *cl, const char **why)
{
    if (why != NULL)
        *why = cl->why ? cl->why : "";
    return cl->closed;
}

bool
client_wait(struct client *cl, bool (*fn)(void *ctx), void *ctx, int timeout_ms)
{
    uint64_t until =
        timeout_ms < 0 ? UINT64_MAX : loop_now_ms() + (uint64_t)timeout_ms;

    while (!fn(ctx) && !cl->closed) {
        uint64_t now = loop_now_ms();

        if (now >= until)
            break;
        loop_run_once(cl->loop,
                      until == UINT64_MAX ? 1000 : (int)MIN(until - now, 1000));
    }
    return fn(ctx);
}

/* ---- the remote backend ----------------------------------------------------
 */

static struct client *
of(struct hv *hv)
{
    return (struct client *)hv;
}

static int
r_plan(struct hv *hv, const struct model_vm *vm, const struct hv_mig_params *p,
       struct hv_plan *out, struct ferry_err *err)
{
    json_object *r = proto_request(0, "hv_plan"), *x;
    int rc;

    (void)vm;
    json_object_object_add(r, "params", wire_mig_params(p));
    r = client_call(of(hv), r, CLIENT_TIMEOUT_MS, err);
    if (r == NULL)
        return -1;
    rc =
        jf_obj(r, "plan", true, &x, err) < 0 ? -1 : wire_plan_read(x, out, err);
    json_object_put(r);
    return rc;
}

static void
r_checks(struct hv *hv, const struct mig_request *req, struct checks *out)
{
    json_object *r = proto_request(0, "checks"), *x;
    struct checks got;
    struct ferry_err err;

    jf_add_str(r, "vm", req->vm);
    jf_add_str(r, "host", req->dst_host);
    jf_add_str(r, "datastore", req->dst_ds);
    jf_add_str(r, "kind", job_kind_name(req->kind));
    r = client_call(of(hv), r, CLIENT_TIMEOUT_MS, &err);
    checks_init(&got);
    if (r != NULL && jf_array(r, "checks", true, &x, &err) == 1 &&
        wire_checks_read(x, &got, &err) >= 0) {
        /* the server's own, which know its jobs */
        checks_copy(out, got.v, got.n);
        checks_fini(&got);
        json_object_put(r);
        return;
    }
    checks_fini(&got);
    json_object_put(r);
    checks_set(out, "server", CHECK_ERROR,
               "the ferry server could "
               "not check this move: %s",
               err.msg);
}

/* checks_start: one "checks_hosts" request, each host's results as
 * they come; hosts the server could not answer for get an error. */
struct rchecks {
    struct client *cl;
    long id; /* 0 once answered */
    hv_checks_fn done;
    void *ctx;
    size_t n_hosts;
    bool *seen;
    int in_cb;
    bool cancelled;
};

static void
rc_free(struct rchecks *h)
{
    free(h->seen);
    free(h);
}

/* Host i's results to done, once; false when done cancelled meanwhile
 * (h is then freed). */
static bool
rc_emit(struct rchecks *h, size_t i, const struct check_result *r, size_t n)
{
    if (i >= h->n_hosts || h->seen[i] || h->cancelled)
        return !h->cancelled;
    h->seen[i] = true;
    h->in_cb++;
    h->done(h->ctx, i, r, n);
    h->in_cb--;
    if (h->cancelled && h->in_cb == 0) {
        rc_free(h);
        return false;
    }
    return true;
}

static void
rc_part(void *ctx, json_object *msg)
{
    struct rchecks *h = ctx;
    struct checks out;
    struct ferry_err err;
    json_object *a;
    int64_t i;

    if (jf_i64(msg, "index", true, &i, &err) != 1 || i < 0)
        return;
    checks_init(&out);
    if (jf_array(msg, "checks", true, &a, &err) != 1 ||
        wire_checks_read(a, &out, &err) < 0)
        checks_set(&out, "server", CHECK_ERROR,
                   "the ferry server's results cannot be read: %s", err.msg);
    rc_emit(h, (size_t)i, out.v, out.n);
    checks_fini(&out);
}

static void
rc_reply(void *ctx, json_object *reply, const struct ferry_err *err)
{
    struct rchecks *h = ctx;

    h->id = 0;
    for (size_t i = 0; i < h->n_hosts; i++) {
        struct checks out;
        bool more;

        if (h->seen[i])
            continue;
        checks_init(&out);
        checks_set(&out, "server", CHECK_ERROR,
                   "the ferry server could not check this move: %s",
                   reply ? "no results for this host" : err->msg);
        more = rc_emit(h, i, out.v, out.n);
        checks_fini(&out);
        if (!more)
            return;
    }
}

static void *
r_checks_start(struct hv *hv, const struct mig_request *req,
               const char *const *hosts, size_t n_hosts, hv_checks_fn done,
               void *ctx)
{
    struct rchecks *h = xcalloc(1, sizeof *h);
    json_object *r = proto_request(0, "checks_hosts"),
                *a = json_object_new_array();

    h->cl = of(hv);
    h->done = done;
    h->ctx = ctx;
    h->n_hosts = n_hosts;
    h->seen = xcalloc(n_hosts + 1, sizeof *h->seen);
    jf_add_str(r, "vm", req->vm);
    jf_add_str(r, "datastore", req->dst_ds);
    jf_add_str(r, "kind", job_kind_name(req->kind));
    for (size_t i = 0; i < n_hosts; i++)
        json_object_array_add(a, json_object_new_string(hosts[i]));
    json_object_object_add(r, "hosts", a);
    h->id = call_async(h->cl, r, CLIENT_TIMEOUT_MS, rc_reply, rc_part, h);
    return h;
}

static void
r_checks_cancel(struct hv *hv, void *handle)
{
    struct rchecks *h = handle;

    (void)hv;
    if (h == NULL || h->cancelled)
        return;
    if (h->id > 0)
        client_cancel(h->cl, h->id);
    h->id = 0;
    h->cancelled = true;
    if (h->in_cb == 0)
        rc_free(h);
}

static int
r_measure_start(struct hv *hv, const char *vm, unsigned seconds,
                struct ferry_err *err)
{
    json_object *r = proto_request(0, "measure");

    jf_add_str(r, "vm", vm);
    json_object_object_add(r, "seconds", json_object_new_int((int)seconds));
    r = client_call(of(hv), r, CLIENT_TIMEOUT_MS, err);
    json_object_put(r);
    return r != NULL ? 0 : -1;
}

static int
r_measure_poll(struct hv *hv, const char *vm, uint64_t *bps,
               struct ferry_err *err)
{
    json_object *r = proto_request(0, "measure_poll");
    const char *state = "measuring";
    int rc = -1;

    jf_add_str(r, "vm", vm);
    r = client_call(of(hv), r, CLIENT_TIMEOUT_MS, err);
    if (r == NULL)
        return -1;
    if (jf_str(r, "state", true, &state, err) == 1) {
        rc = strcmp(state, "done") == 0 ? 1 : 0;
        if (rc == 1 && jf_u64(r, "dirty_bps", false, bps, err) < 0)
            rc = -1;
    }
    json_object_put(r);
    return rc;
}

static bool
r_prompt(struct hv *hv, struct hv_prompt *out)
{
    struct client *cl = of(hv);

    if (!cl->have_prompt)
        return false;
    *out = cl->prompt;
    return true;
}

static void
r_answer(struct hv *hv, unsigned id, const char *answer)
{
    struct client *cl = of(hv);
    json_object *r = proto_request(0, "answer");

    json_object_object_add(r, "prompt", json_object_new_int64(id));
    if (answer != NULL)
        json_object_object_add(r, "answer", json_object_new_string(answer));
    client_send(cl, r);
    if (cl->have_prompt && cl->prompt.id == id)
        cl->have_prompt = false; /* the next one, if any, will come */
}

static const char *
r_workload(struct hv *hv, const char *vm, uint64_t *dirty_bps)
{
    struct client *cl = of(hv);
    const struct model_vm *v = model_vm(&cl->model, vm);
    const struct wire_workload *w =
        v != NULL && cl->wl != NULL ? &cl->wl[v - cl->model.vms] : NULL;

    if (w == NULL || w->word == NULL)
        return NULL;
    if (dirty_bps != NULL)
        *dirty_bps = w->dirty_bps;
    return w->word;
}

static void
r_free(struct hv *hv)
{
    (void)hv; /* the client owns it */
}

#define REMOTE_OPS(rt)                                                         \
    {                                                                          \
        .name = "server", .realtime = rt, .plan = r_plan, .checks = r_checks,  \
        .checks_start = r_checks_start, .checks_cancel = r_checks_cancel,      \
        .measure_start = r_measure_start, .measure_poll = r_measure_poll,      \
        .prompt = r_prompt, .answer = r_answer, .workload = r_workload,        \
        .free = r_free,                                                        \
    }
static const struct hv_ops remote_ops = REMOTE_OPS(false);
static const struct hv_ops remote_rt_ops = REMOTE_OPS(true);

struct hv *
client_hv(struct client *cl)
{
    return &cl->base;
}
