/* `ferry evacuate` and `ferry maintenance` (cli_evac.h). */
#include "cli_evac.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/evacview.h"
#include "ferry/jsonf.h"
#include "ferry/proto.h"
#include "ferry/table.h"
#include "ferry/units.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_DETACHED 3

static void
json_line(json_object *o)
{
    puts(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    fflush(stdout);
}

static const char *
ms(char *buf, size_t n, double v)
{
    if (!isfinite(v))
        return "-";
    return units_fmt_ms(buf, n, v);
}

static const struct table_col plan_cols[] = {
    {"#", 0, 0, 0, true, false},        {"VM", 0, 0, 0, false, false},
    {"TO", 0, 0, 0, false, false},      {"KIND", 0, 0, 0, false, false},
    {"START", 0, 0, 0, true, false},    {"TIME", 0, 0, 0, true, false},
    {"DOWNTIME", 0, 0, 0, true, false}, {"PREDICTION", 0, 0, 0, false, false},
};

static void
reason_line(FILE *f, size_t row, void *ctx)
{
    const struct evac_view *v = ctx;

    fprintf(f, "      %s\n", v->moves[row].reason);
}

/* The plan as a person reads it. */
static void
print_plan(const struct evac_view *v)
{
    char a[32], b[32], d[32];
    struct table t = {0};

    printf("evacuate %s: %zu VM%s to move, policy %s, budget %llu ms, up to "
           "%u at once\n",
           v->host, v->n_moves, v->n_moves == 1 ? "" : "s",
           v->policy ? v->policy : "?", (unsigned long long)v->budget_ms,
           v->parallel);
    if (v->n_moves > 0) {
        table_init(&t, plan_cols, (int)(sizeof plan_cols / sizeof *plan_cols));
        for (size_t i = 0; i < v->n_moves; i++) {
            const struct evac_move_view *m = &v->moves[i];
            size_t r = table_add(&t, m->vm, 0);

            table_set(&t, r, 0, NAN, "%d", m->order);
            table_set(&t, r, 1, NAN, "%s", m->vm);
            table_set(&t, r, 2, NAN, "%s%s%s", m->to, m->ds ? " " : "",
                      m->ds ? m->ds : "");
            table_set(&t, r, 3, NAN, "%s", m->cold ? "cold" : m->kind);
            table_set(&t, r, 4, NAN, "%s", ms(a, sizeof a, m->start_ms));
            table_set(&t, r, 5, NAN, "%s", ms(b, sizeof b, m->predicted_ms));
            table_set(&t, r, 6, NAN, "%s",
                      m->cold ? "-"
                              : ms(d, sizeof d, m->predicted_downtime_ms));
            table_set(&t, r, 7, NAN, "%s", m->how ? m->how : "");
        }
        table_print(stdout, &t, reason_line, (void *)v);
        table_fini(&t);
    }
    if (v->n_stays > 0) {
        printf("stay on %s:\n", v->host);
        for (size_t i = 0; i < v->n_stays; i++)
            printf("  %s: %s\n", v->stays[i].vm, v->stays[i].reason);
    }
    if (v->n_moves > 0)
        printf("predicted: %s empty of what moves in %s\n", v->host,
               ms(a, sizeof a, v->planned_ms));
    fflush(stdout);
}

/* Whether the plan leaves VMs that had to go. */
static bool
plan_leaves(const struct evac_view *v)
{
    for (size_t i = 0; i < v->n_stays; i++)
        if (!v->stays[i].shutoff || v->include_shutoff)
            return true;
    return false;
}

static json_object *
request(const char *cmd, const struct evac_args *a)
{
    json_object *r = proto_request(0, cmd);

    evac_args_to_json(a, r);
    return r;
}

struct watch {
    struct client *cl;
    long id;
    struct cli_evac *o;
    /* what was printed of each move: its state, its attempt */
    enum evac_move_state *seen;
    int *attempt;
    size_t n_seen;
    bool ended;
    double planned_ms;
};

static const struct evac_view *
current(const struct watch *w)
{
    return client_evac(w->cl, w->id);
}

/* Print what changed since the last look. */
static void
news(struct watch *w)
{
    const struct evac_view *v = current(w);
    char a[32], b[32], c[32], d[32], e[32];

    if (v == NULL)
        return;
    if (w->n_seen < v->n_moves) {
        w->seen = xrealloc(w->seen, v->n_moves * sizeof *w->seen);
        w->attempt = xrealloc(w->attempt, v->n_moves * sizeof *w->attempt);
        for (size_t i = w->n_seen; i < v->n_moves; i++) {
            w->seen[i] = EVM_PLANNED;
            w->attempt[i] = 1;
        }
        w->n_seen = v->n_moves;
    }
    for (size_t i = 0; i < v->n_moves; i++) {
        const struct evac_move_view *m = &v->moves[i];
        const char *t = ms(a, sizeof a, v->elapsed_ms);

        if (m->attempt != w->attempt[i]) {
            w->attempt[i] = m->attempt;
            w->seen[i] = EVM_PLANNED;
            if (!w->o->json)
                printf("%8s  %s: trying %s instead (%s)\n", t, m->vm, m->to,
                       m->reason);
        }
        if (m->state == w->seen[i])
            continue;
        w->seen[i] = m->state;
        if (w->o->json)
            continue;
        switch (m->state) {
        case EVM_RUNNING:
            printf("%8s  %s -> %s started (job %ld)\n", t, m->vm, m->to,
                   m->job);
            break;
        case EVM_DONE:
            if (m->cold)
                printf("%8s  %s -> %s moved cold in %s (predicted %s)\n", t,
                       m->vm, m->to, ms(b, sizeof b, m->real_ms),
                       ms(d, sizeof d, m->predicted_ms));
            else
                printf("%8s  %s -> %s done in %s, %s down (predicted %s, "
                       "%s)\n",
                       t, m->vm, m->to, ms(b, sizeof b, m->real_ms),
                       ms(c, sizeof c, m->real_downtime_ms),
                       ms(d, sizeof d, m->predicted_ms),
                       ms(e, sizeof e, m->predicted_downtime_ms));
            break;
        case EVM_FAILED:
            printf("%8s  %s -> %s failed: %s\n", t, m->vm, m->to,
                   m->error ? m->error : "?");
            break;
        case EVM_CANCELLED:
            printf("%8s  %s stays on %s: %s\n", t, m->vm, v->host,
                   m->error ? m->error : "cancelled");
            break;
        default:
            break;
        }
    }
    fflush(stdout);
    w->ended = v->ended;
}

static bool
over(void *ctx)
{
    struct watch *w = ctx;
    const struct evac_view *v = current(w);

    return (v != NULL && v->ended) || *w->o->term ||
           *w->o->interrupted > (w->o->abort ? 1 : 0);
}

static int
result(const struct watch *w)
{
    const struct evac_view *v = current(w);
    char a[32], b[32];

    if (w->o->json) {
        json_object *r = proto_request(0, "evacs"), *all, *e;
        struct ferry_err err;

        /* the object as the server has it, whole */
        r = client_call(w->cl, r, CLIENT_TIMEOUT_MS, &err);
        if (r != NULL && jf_array(r, "evacs", true, &all, &err) == 1)
            for (size_t i = 0; i < json_object_array_length(all); i++) {
                int64_t id = 0;

                e = json_object_array_get_idx(all, i);
                if (jf_i64(e, "id", false, &id, &err) == 1 && id == w->id)
                    json_line(e);
            }
        json_object_put(r);
    } else if (v->empty) {
        printf("%s is empty: %u moved in %s (planned %s); it stays in "
               "maintenance until `ferry maintenance %s off`\n",
               v->host, v->moved, ms(a, sizeof a, v->elapsed_ms),
               ms(b, sizeof b, v->planned_ms), v->host);
    } else {
        printf("%s still has %zu VM%s that had to leave (%u moved, %u "
               "failed, in %s):\n",
               v->host, v->n_left, v->n_left == 1 ? "" : "s", v->moved,
               v->failed, ms(a, sizeof a, v->elapsed_ms));
        for (size_t i = 0; i < v->n_left; i++)
            printf("  %s: %s\n", v->left[i].vm, v->left[i].reason);
        printf("%s stays in maintenance until `ferry maintenance %s off`\n",
               v->host, v->host);
    }
    if (v->log != NULL && !w->o->json)
        printf("summary log: %s (ferry replay shows its timeline)\n", v->log);
    return v->empty ? EXIT_OK : EXIT_FAILED;
}

static void
on_update(void *ctx)
{
    news(ctx);
}

int
cli_evacuate(struct client *cl, struct cli_evac *o)
{
    struct ferry_err err;
    json_object *r, *ev;
    struct evac_view v;
    struct watch w = {.cl = cl, .o = o};
    int rc;

    if (o->abort) {
        r = proto_request(0, "evac_abort");
        jf_add_str(r, "evac", o->a.host);
        r = client_call(cl, r, CLIENT_TIMEOUT_MS, &err);
        if (r == NULL) {
            fprintf(stderr, "ferry: %s\n", err.msg);
            return EXIT_FAILED;
        }
        json_object_put(r);
        printf("the evacuation of %s is being aborted: what waits is "
               "cancelled, what runs is aborted\n",
               o->a.host);
        return EXIT_OK;
    }
    evac_view_init(&v);
    if (o->dry_run) {
        r = client_call(cl, request("evac_plan", &o->a), CLIENT_TIMEOUT_MS,
                        &err);
        if (r == NULL) {
            fprintf(stderr, "ferry: %s\n", err.msg);
            return EXIT_USAGE;
        }
        if (jf_obj(r, "evac", true, &ev, &err) < 0 ||
            evac_view_read(ev, &v, &err) < 0) {
            fprintf(stderr, "ferry: the server's plan: %s\n", err.msg);
            json_object_put(r);
            return EXIT_FAILED;
        }
        if (o->json)
            json_line(ev);
        else
            print_plan(&v);
        rc = plan_leaves(&v) ? EXIT_FAILED : EXIT_OK;
        evac_view_fini(&v);
        json_object_put(r);
        return rc;
    }
    if (!o->detach && client_subscribe_evacs(cl, &err) < 0) {
        fprintf(stderr, "ferry: %s\n", err.msg);
        return EXIT_FAILED;
    }
    r = client_call(cl, request("evacuate", &o->a), CLIENT_TIMEOUT_MS, &err);
    if (r == NULL) {
        fprintf(stderr, "ferry: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (jf_obj(r, "evac", true, &ev, &err) < 0 ||
        evac_view_read(ev, &v, &err) < 0 || client_note_evac(cl, ev) < 0) {
        fprintf(stderr, "ferry: the server's evacuation: %s\n", err.msg);
        json_object_put(r);
        return EXIT_FAILED;
    }
    w.id = v.id;
    w.planned_ms = v.planned_ms;
    if (o->json)
        json_line(ev);
    else
        print_plan(&v);
    json_object_put(r);
    if (o->detach) {
        if (!o->json)
            printf("evacuation %ld of %s goes on in the server (ferry "
                   "evacuate %s --abort stops it)\n",
                   v.id, v.host, v.host);
        evac_view_fini(&v);
        return EXIT_OK;
    }
    evac_view_fini(&v);
    client_on_update(cl, on_update, &w);
    for (;;) {
        const char *why;

        client_wait(cl, over, &w, -1);
        news(&w);
        if (w.ended)
            break;
        if (client_closed(cl, &why)) {
            fprintf(stderr, "ferry: %s\n", why);
            rc = EXIT_FAILED;
            goto out;
        }
        if (*o->term || *o->interrupted > 1) {
            fprintf(stderr, "ferry: stopped watching; the evacuation of %s "
                            "goes on in the server (ferry evacuate %s "
                            "--abort stops it)\n",
                    o->a.host, o->a.host);
            rc = EXIT_DETACHED;
            goto out;
        }
        if (*o->interrupted == 1 && !o->abort) {
            /* ^C: abort it, and wait for what runs to end */
            o->abort = true;
            r = proto_request(0, "evac_abort");
            json_object_object_add(r, "evac", json_object_new_int64(w.id));
            r = client_call(cl, r, CLIENT_TIMEOUT_MS, &err);
            if (r == NULL)
                fprintf(stderr, "ferry: cannot abort: %s\n", err.msg);
            else
                fprintf(stderr, "ferry: aborting the evacuation of %s (^C "
                                "again stops waiting)\n",
                        o->a.host);
            json_object_put(r);
        }
    }
    rc = result(&w);
out:
    client_on_update(cl, NULL, NULL);
    free(w.seen);
    free(w.attempt);
    return rc;
}

int
cli_maintenance(struct client *cl, const char *host, const char *onoff,
                bool json)
{
    struct ferry_err err;
    const struct model *m = client_hv(cl)->model;
    json_object *r;
    bool on;

    if (host == NULL || onoff == NULL) {
        json_object *a = json_object_new_array();
        size_t n = 0;

        for (size_t i = 0; i < m->n_hosts; i++)
            if ((host == NULL || strcmp(m->hosts[i].name, host) == 0) &&
                m->hosts[i].maintenance) {
                json_object_array_add(a,
                                      json_object_new_string(m->hosts[i].name));
                if (!json)
                    printf("%s is in maintenance\n", m->hosts[i].name);
                n++;
            }
        if (host != NULL && model_host(m, host) == NULL) {
            json_object_put(a);
            fprintf(stderr, "ferry: no host named '%s' (ferry list hosts)\n",
                    host);
            return EXIT_USAGE;
        }
        if (json)
            json_line(a);
        else if (n == 0)
            printf("%s\n", host ? "not in maintenance"
                                : "no host is in maintenance");
        json_object_put(a);
        return EXIT_OK;
    }
    if (strcmp(onoff, "on") == 0)
        on = true;
    else if (strcmp(onoff, "off") == 0)
        on = false;
    else {
        fprintf(stderr, "ferry: maintenance %s: '%s' is not on or off\n",
                host, onoff);
        return EXIT_USAGE;
    }
    r = proto_request(0, "maintenance");
    jf_add_str(r, "host", host);
    json_object_object_add(r, "on", json_object_new_boolean(on));
    r = client_call(cl, r, CLIENT_TIMEOUT_MS, &err);
    if (r == NULL) {
        fprintf(stderr, "ferry: %s\n", err.msg);
        return model_host(m, host) == NULL ? EXIT_USAGE : EXIT_FAILED;
    }
    json_object_put(r);
    if (!json)
        printf(on ? "%s is in maintenance: it takes no new VMs from ferry\n"
                  : "%s is out of maintenance\n",
               host);
    return EXIT_OK;
}

char *
cli_place(struct client *cl, const char *vm, bool allow_storage, bool quiet,
          struct ferry_err *err)
{
    json_object *r = proto_request(0, "place");
    const char *host = NULL, *reason = "";
    char *out = NULL;

    jf_add_str(r, "vm", vm);
    json_object_object_add(r, "allow_storage",
                           json_object_new_boolean(allow_storage));
    r = client_call(cl, r, CLIENT_TIMEOUT_MS, err);
    if (r == NULL)
        return NULL;
    if (jf_str(r, "host", true, &host, err) == 1) {
        jf_str(r, "reason", false, &reason, err);
        out = xstrdup(host);
        if (!quiet)
            printf("--to auto: %s (%s)\n", host, reason);
    }
    json_object_put(r);
    return out;
}
