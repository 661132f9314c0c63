/* The console's views: the lists (their columns, rows and drawing), the
 * dashboard, the quick dialog, the wizard and the replay, each a class the
 * screen manager drives. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ferry/checks.h"
#include "ferry/console.h"
#include "ferry/flightlog.h"
#include "ferry/evacview.h"
#include "ferry/jobview.h"
#include "ferry/queue.h"
#include "ferry/runner.h"
#include "ferry/table.h"
#include "ferry/units.h"
#include "dash.h"
#include "keymap.h"
#include "replay.h"
#include "wizard.h"
#include "console_int.h"

/* VMs with a job that has not ended (the checks' busy list). */
static const char **
migrating_vms(struct console *c, size_t *n)
{
    *n = 0;
    c->busy = xgrow(c->busy, &c->cap_busy, con_n_jobs(c) + 1, sizeof *c->busy);
    for (size_t i = 0; i < con_n_jobs(c); i++)
        if (!job_view_ended(con_job_at(c, i)))
            c->busy[(*n)++] = con_job_at(c, i)->vm;
    return c->busy;
}

void
con_open_dashboard(struct console *c, long id)
{
    const struct job_view *j = con_job_by_id(c, id);

    if (j == NULL)
        return;
    if (j->state == JOB_QUEUED) {
        con_set_status(c, false, "%s is queued (#%d): waits for %s", j->vm,
                   j->queue_pos, j->waits_for ? j->waits_for : "its turn");
        return;
    }
    if (!j->started) {
        con_set_status(c, true, "%s: %s", j->vm, j->reason ? j->reason : "");
        return;
    }
    con_push(c, V_DASH)->job = id;
}

/* The request the server runs for a choice. */
static void
choice_req(const struct console *c, const struct mig_choice *ch,
           struct job_req *rq)
{
    struct mig_request req = mig_choice_request(ch);

    job_req_init(rq);
    rq->vm = xstrdup(ch->vm);
    rq->kind = ch->kind;
    rq->host = req.dst_host ? xstrdup(req.dst_host) : NULL;
    rq->ds = req.dst_ds ? xstrdup(req.dst_ds) : NULL;
    rq->policy = xstrdup(c->o.policies->v[ch->policy].name);
    rq->budget_ms = ch->budget_ms;
    rq->bw_cap_bps = ch->bw_cap_bps;
    rq->restrict_escalations = true;
    rq->allow_throttle = ch->allow_throttle;
    rq->allow_postcopy = ch->allow_postcopy;
    rq->allow_pause = ch->allow_pause;
    rq->prio = ch->prio;
    rq->no_log = c->o.no_log;
    rq->owner = xstrdup("console");
}

static char *
choice_queue_why(void *ctx, const struct mig_choice *ch)
{
    struct console *c = ctx;
    struct job_req rq;
    char *why;

    choice_req(c, ch, &rq);
    why = c->o.ops->queue_why(c->o.ops_ctx, &rq);
    job_req_fini(&rq);
    return why;
}

/* A new job from the dialog or the wizard: the server starts it at once
 * when the limits allow, queues it otherwise. */
static void
job_enqueue(struct console *c, const struct mig_choice *ch)
{
    struct job_req rq;
    struct ferry_err err;
    long id;
    const struct job_view *j;

    choice_req(c, ch, &rq);
    id = c->o.ops->start(c->o.ops_ctx, &rq, &err);
    job_req_fini(&rq);
    /* close the dialog or wizard */
    while (c->depth > 1 &&
           (con_top(c)->kind == V_DIALOG || con_top(c)->kind == V_WIZARD))
        con_pop(c);
    if (id < 0) {
        con_set_status(c, true, "%s: not started: %s", ch->vm, err.msg);
        return;
    }
    j = con_job_by_id(c, id);
    if (j != NULL && j->state == JOB_QUEUED) {
        con_go_list(c, V_JOBS);
        {
            char b[24];

            snprintf(b, sizeof b, "%ld", id);
            con_set_sel(con_top(c), b);
        }
        con_set_status(c, false, "%s: queued (#%d), waits for %s", ch->vm,
                   j->queue_pos, j->waits_for ? j->waits_for : "its turn");
        return;
    }
    con_push(c, V_DASH)->job = id;
    con_set_status(c, false, "%s: migration started (policy %s, budget %llu ms)",
               ch->vm, c->o.policies->v[ch->policy].name,
               (unsigned long long)ch->budget_ms);
}

/* The quick dialog's choices, with the policy's own escalations. */
void
con_start_job(struct console *c, struct dialog *d)
{
    const struct model *m = c->o.hv->model;
    const struct policy *p = &c->o.policies->v[d->policy];
    struct mig_choice ch;

    memset(&ch, 0, sizeof ch);
    ch.vm = xstrdup(d->vm);
    ch.kind = d->kind;
    ch.host = xstrdup(d->kind != KIND_STORAGE ? m->hosts[d->host].name : "");
    ch.ds = xstrdup(d->kind != KIND_COMPUTE ? m->datastores[d->ds].name : "");
    ch.policy = d->policy;
    ch.budget_ms = d->budget_ms;
    mig_choice_escalations(&ch, p);
    ch.prio = PRIO_NORMAL;
    job_enqueue(c, &ch); /* closes the dialog */
    mig_choice_fini(&ch);
}

/* ---- wizard ------------------------------------------------------------ */

static const char **
busy_vms(void *ctx, size_t *n)
{
    return migrating_vms(ctx, n);
}

static void
wizard_status(void *ctx, bool error, const char *msg)
{
    con_set_status(ctx, error, "%s", msg);
}

void
con_wizard_open(struct console *c, const char *vm)
{
    struct wizard_env env = {
        .hv = c->o.hv,
        .policies = c->o.policies,
        .default_budget_ms = c->o.default_budget_ms,
        .busy = busy_vms,
        .queue_why = choice_queue_why,
        .status = wizard_status,
        .ctx = c,
    };
    struct wizard *wz;

    for (size_t i = 0; i < c->o.policies->n; i++)
        if (str_eq(c->o.policies->v[i].name,
                   c->o.default_policy ? c->o.default_policy : "ferry"))
            env.default_policy = (int)i;
    if ((wz = wizard_new(&env, vm)) == NULL)
        return;
    if (con_top(c)->kind == V_WIZARD)
        con_pop(c);
    con_push(c, V_WIZARD)->wz = wz;
}

static enum vr
wizard_view_key(struct console *c, struct view *v, int key)
{
    enum wizard_result r = wizard_key(v->wz, key);

    if (r == WZR_START) {
        struct mig_choice ch;

        mig_choice_copy(&ch, wizard_choice(v->wz));
        job_enqueue(c, &ch); /* closes the wizard */
        mig_choice_fini(&ch);
    }
    return r == WZR_CLOSE ? VR_CLOSE : VR_DONE;
}

static void
wizard_view_draw(struct console *c, struct view *v, int y, int h)
{
    wizard_draw(v->wz, c->t, y, h);
}

static const char *
wizard_view_hints(struct console *c, struct view *v)
{
    (void)c;
    return wizard_hints(v->wz);
}

static bool
wizard_view_tick(struct console *c, struct view *v, uint64_t now_ms)
{
    (void)now_ms;
    if (c->o.hv->generation != v->gen) {
        v->gen = c->o.hv->generation;
        wizard_refresh(v->wz);
        return true;
    }
    return wizard_tick(v->wz);
}

static int
wizard_view_timeout(const struct console *c, const struct view *v,
                    uint64_t now_ms)
{
    (void)c;
    (void)now_ms;
    return wizard_timeout_ms(v->wz);
}

static void
wizard_view_fini(struct view *v)
{
    wizard_free(v->wz);
}

/* ---- dialog ------------------------------------------------------------ */

static void
dialog_update(struct console *c, struct dialog *d)
{
    const struct model *m = c->o.hv->model;
    struct mig_request req = {.vm = d->vm, .kind = d->kind};
    struct runner_opts o = {0};
    struct job_params jp;
    struct ferry_err err;
    size_t nm;
    const char **mig = migrating_vms(c, &nm);

    req.dst_host = d->kind == KIND_STORAGE ? NULL : m->hosts[d->host].name;
    req.dst_ds = d->kind == KIND_COMPUTE ? NULL : m->datastores[d->ds].name;
    runner_checks(c->o.hv, &req, mig, nm, &d->ck);
    o.vm = d->vm;
    o.to = req.dst_host;
    o.datastore = req.dst_ds;
    o.kind = d->kind;
    o.policy = &c->o.policies->v[d->policy];
    o.budget_ms = d->budget_ms;
    d->pred_ok = runner_plan(c->o.hv, &o, &jp, &d->pred, &err) == 0;
    c->dirty = true;
}

void
con_dialog_open(struct console *c, const char *vm)
{
    struct dialog *d;
    const struct model *m = c->o.hv->model;
    const struct model_vm *v = model_vm(m, vm);

    if (v == NULL) {
        con_set_status(c, true, "no VM named %s", vm);
        return;
    }
    if (con_top(c)->kind == V_DIALOG)
        con_pop(c);
    d = con_push(c, V_DIALOG)->dlg = xcalloc(1, sizeof *d);
    d->vm = xstrdup(vm);
    d->kind = KIND_COMPUTE;
    d->budget_ms = c->o.default_budget_ms;
    for (size_t i = 0; i < m->n_hosts; i++)
        if (strcmp(m->hosts[i].name, v->host) != 0) {
            d->host = (int)i;
            break;
        }
    for (size_t i = 0; i < m->n_datastores; i++)
        if (model_ds_seen_by(&m->datastores[i], v->host) &&
            (v->n_disks == 0 ||
             strcmp(m->datastores[i].name, v->disks[0].datastore) != 0)) {
            d->ds = (int)i;
            break;
        }
    for (size_t i = 0; i < c->o.policies->n; i++)
        if (str_eq(c->o.policies->v[i].name,
                   c->o.default_policy ? c->o.default_policy : "ferry"))
            d->policy = (int)i;
    dialog_update(c, d);
}

static void
dialog_fini(struct view *v)
{
    if (v->dlg != NULL) {
        free(v->dlg->vm);
        checks_fini(&v->dlg->ck);
    }
    free(v->dlg);
}

enum { F_KIND, F_HOST, F_DS, F_POLICY, F_BUDGET, F_START, F_COUNT };

static bool
field_shown(const struct dialog *d, int f)
{
    if (f == F_HOST)
        return d->kind != KIND_STORAGE;
    if (f == F_DS)
        return d->kind != KIND_COMPUTE;
    return true;
}

/* The quick dialog's keys. */
enum {
    DK_NONE, DK_NEXT, DK_PREV, DK_LESS, DK_MORE, DK_START, DK_TYPE, DK_CANCEL
};

static const struct keymap dialog_keys[] = {
    {{'\t', KEY_DOWN}, "Tab Down", DK_NEXT, "next field"},
    {{KEY_BTAB, KEY_UP}, "S-Tab Up", DK_PREV, "previous field"},
    {{KEY_LEFT}, "Left", DK_LESS, "the field's previous choice (budget: "
                                  "50 ms less)"},
    {{KEY_RIGHT, ' '}, "Right Space", DK_MORE, "the field's next choice "
                                               "(budget: 50 ms more)"},
    {{'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', KEY_BACKSPACE, 127,
      8},
     "0-9 Bksp", DK_TYPE, "type the downtime budget in ms"},
    {{'\r', '\n', KEY_ENTER}, "Enter", DK_START,
     "start the migration (asks first; not while a check fails)"},
    {{27, 'q'}, "Esc q", DK_CANCEL, "close without starting"},
};

const struct keymap *
con_dialog_keymap(size_t *n)
{
    *n = ARRAY_SIZE(dialog_keys);
    return dialog_keys;
}

static enum vr
dialog_key(struct console *c, struct view *v, int key)
{
    struct dialog *d = v->dlg;
    const struct model *m = c->o.hv->model;
    int dir = 0;

    switch (keymap_action(dialog_keys, ARRAY_SIZE(dialog_keys), key,
                          DK_NONE)) {
    case DK_CANCEL:
        con_set_status(c, false, "migration not started");
        return VR_CLOSE;
    case DK_NEXT:
        do
            d->field = (d->field + 1) % F_COUNT;
        while (!field_shown(d, d->field));
        return VR_DONE;
    case DK_PREV:
        do
            d->field = (d->field + F_COUNT - 1) % F_COUNT;
        while (!field_shown(d, d->field));
        return VR_DONE;
    case DK_LESS:
        dir = -1;
        break;
    case DK_MORE:
        dir = 1;
        break;
    case DK_START:
        if (checks_worst(d->ck.v, d->ck.n) == CHECK_ERROR) {
            for (size_t i = 0; i < d->ck.n; i++)
                if (d->ck.v[i].status == CHECK_ERROR) {
                    con_set_status(c, true, "cannot start: %s",
                               d->ck.v[i].message);
                    break;
                }
            return VR_DONE;
        }
        con_ask(c, C_START, 0, "start migrating %s? (y/n)", d->vm);
        return VR_DONE;
    case DK_TYPE:
        if (d->field == F_BUDGET) {
            size_t n = strlen(d->budget_text);

            if (isdigit(key) && n + 1 < sizeof d->budget_text) {
                d->budget_text[n] = (char)key;
                d->budget_text[n + 1] = '\0';
            } else if (!isdigit(key) && n > 0) {
                d->budget_text[n - 1] = '\0';
            }
            if (d->budget_text[0] != '\0') {
                uint64_t ms = strtoull(d->budget_text, NULL, 10);

                if (ms >= 1 && ms <= 60000)
                    d->budget_ms = ms;
                else
                    con_set_status(c, true, "a budget is 1 to 60000 ms");
            }
            dialog_update(c, d);
        }
        return VR_DONE;
    default:
        return VR_DONE;
    }
    switch (d->field) {
    case F_KIND:
        d->kind = (enum job_kind)(((int)d->kind + 3 + dir) % 3);
        break;
    case F_HOST:
        d->host = (d->host + (int)m->n_hosts + dir) % (int)m->n_hosts;
        break;
    case F_DS:
        d->ds = (d->ds + (int)m->n_datastores + dir) % (int)m->n_datastores;
        break;
    case F_POLICY:
        d->policy = (d->policy + (int)c->o.policies->n + dir) %
                    (int)c->o.policies->n;
        break;
    case F_BUDGET:
        if (dir < 0 && d->budget_ms > 50)
            d->budget_ms -= 50;
        else if (dir > 0 && d->budget_ms < 60000)
            d->budget_ms += 50;
        d->budget_text[0] = '\0';
        break;
    }
    dialog_update(c, d);
    return VR_DONE;
}

/* ---- tables ------------------------------------------------------------ */

/* Columns: min, max (0: none), give (short of room, the highest gives way
 * first; 0 never hides), right-aligned, flex (takes the room left). */
static const struct table_col host_cols[] = {
    {"NAME", 8, 40, 0, false, false},   {"STATE", 5, 0, 0, false, false},
    {"CPU", 6, 0, 4, false, true},      {"CORES", 5, 0, 5, true, false},
    {"MEM USED", 8, 0, 1, true, false}, {"MEM TOTAL", 9, 0, 1, true, false},
    {"VMS", 4, 0, 2, true, false},      {"IN", 3, 0, 3, true, false},
    {"OUT", 3, 0, 3, true, false},
};
static const struct table_col vm_cols[] = {
    {"NAME", 10, 40, 0, false, false},   {"HOST", 6, 32, 0, false, false},
    {"STATE", 7, 0, 2, false, false},    {"VCPU", 4, 0, 4, true, false},
    {"MEMORY", 8, 0, 1, true, false},    {"DATASTORES", 6, 0, 5, false, true},
    {"MIGRATION", 9, 0, 0, false, false}, {"DIRTY", 8, 16, 6, false, false},
};
#define VM_COL_DIRTY 7 /* a sparkline of the VM's job */
static const struct table_col ds_cols[] = {
    {"NAME", 10, 40, 0, false, false},  {"TYPE", 4, 0, 3, false, false},
    {"HOSTS", 5, 0, 4, false, true},    {"CAPACITY", 8, 0, 2, true, false},
    {"USED", 8, 0, 2, true, false},     {"FREE", 8, 0, 1, true, false},
    {"SHARING", 6, 0, 5, false, false},
};
static const struct table_col job_cols[] = {
    {"VM", 9, 40, 0, false, false},       {"ROUTE", 10, 0, 0, false, true},
    {"KIND", 7, 0, 4, false, false},      {"POLICY", 8, 0, 3, false, false},
    {"PHASE", 9, 0, 0, false, false},     {"PROGRESS", 8, 0, 1, true, false},
    {"ELAPSED", 7, 0, 2, true, false},    {"DOWNTIME", 8, 0, 2, true, false},
};
static const struct table_col log_cols[] = {
    {"STARTED", 16, 0, 2, false, false}, {"VM", 10, 40, 0, false, false},
    {"ROUTE", 10, 0, 3, false, true},    {"KIND", 7, 0, 4, false, false},
    {"OUTCOME", 9, 0, 0, false, false},  {"TIME", 7, 0, 1, true, false},
    {"DOWNTIME", 8, 0, 1, true, false},
};

static double
job_progress(const struct job_view *j)
{
    if (job_view_ended(j))
        return j->outcome && strcmp(j->outcome, "completed") == 0 ? 100
                                                                   : NAN;
    if (j->state == JOB_QUEUED)
        return 0;
    return isnan(j->progress) ? 0 : j->progress;
}

static const char *
job_outcome(const struct job_view *j)
{
    return j->outcome ? j->outcome : "failed";
}

static void
rows_hosts(struct console *c, struct view *v)
{
    const struct model *m = c->o.hv->model;
    struct table *t = &v->tbl;
    char a[32], b[32];
    uint64_t *used = xcalloc(m->n_hosts + 1, sizeof *used);
    unsigned *count = xcalloc(m->n_hosts + 1, sizeof *count);
    int *in = xcalloc(m->n_hosts + 1, sizeof *in),
        *out = xcalloc(m->n_hosts + 1, sizeof *out);

    model_host_totals(m, used, count);
    for (size_t q = 0; q < con_n_jobs(c); q++) {
        const struct job_view *j = con_job_at(c, q);
        long x;

        if (j->state != JOB_RUNNING || j->kind == KIND_STORAGE)
            continue;
        if ((x = model_host_pos(m, j->dst)) >= 0)
            in[x]++;
        if ((x = model_host_pos(m, j->src)) >= 0)
            out[x]++;
    }
    for (size_t i = 0; i < m->n_hosts; i++) {
        const struct model_host *h = &m->hosts[i];
        size_t r = table_add(t, h->name, !h->up          ? ROLE_ERROR
                                         : h->maintenance ? ROLE_WARNING
                                                          : ROLE_NORMAL);

        table_set(t, r, 0, NAN, "%s", h->name);
        /* in maintenance: it takes no new VMs */
        table_set(t, r, 1, NAN, "%s", !h->up          ? "LOST"
                                      : h->maintenance ? "maint"
                                                       : "up");
        table_set(t, r, 2, NAN, "%s", h->cpu_model);
        table_set(t, r, 3, h->cores, "%u", h->cores);
        table_set(t, r, 4, (double)used[i], "%s",
                  units_fmt_bytes(a, sizeof a, used[i]));
        table_set(t, r, 5, (double)h->memory_bytes, "%s",
                  units_fmt_bytes(b, sizeof b, h->memory_bytes));
        table_set(t, r, 6, count[i], "%u", count[i]);
        table_set(t, r, 7, in[i], "%d", in[i]);
        table_set(t, r, 8, out[i], "%d", out[i]);
    }
    free(used);
    free(count);
    free(in);
    free(out);
}

static void
rows_vms(struct console *c, struct view *v)
{
    const struct model *m = c->o.hv->model;
    struct table *t = &v->tbl;
    char a[32];
    /* each VM's job (the running one over an ended one), in one pass */
    const struct job_view **job = xcalloc(m->n_vms + 1, sizeof *job);

    for (size_t q = 0; q < con_n_jobs(c); q++) {
        const struct job_view *j = con_job_at(c, q);
        const struct model_vm *vm = model_vm(m, j->vm);

        if (vm != NULL &&
            (job[vm - m->vms] == NULL || !job_view_ended(j) ||
             job_view_ended(job[vm - m->vms])))
            job[vm - m->vms] = j;
    }
    for (size_t i = 0; i < m->n_vms; i++) {
        const struct model_vm *vm = &m->vms[i];
        size_t r = table_add(t, vm->name, ROLE_NORMAL);
        const struct job_view *j = job[i];
        char *dss = model_vm_datastores_str(vm);

        table_set(t, r, 0, NAN, "%s", vm->name);
        table_set(t, r, 1, NAN, "%s", vm->host);
        table_set(t, r, 2, NAN, "%s", vm_state_name(vm->state));
        table_set(t, r, 3, vm->vcpus, "%u", vm->vcpus);
        table_set(t, r, 4, (double)vm->memory_bytes, "%s",
                  units_fmt_bytes(a, sizeof a, vm->memory_bytes));
        table_set(t, r, 5, NAN, "%s", dss);
        free(dss);
        if (j != NULL && j->state == JOB_QUEUED) {
            table_set(t, r, 6, -1, "queued #%d", j->queue_pos);
            t->rows[r].role = ROLE_TITLE;
        } else if (j != NULL && !job_view_ended(j)) {
            table_set(t, r, 6, job_progress(j), "%s %3.0f%%",
                      job_phase_name(j->phase), job_progress(j));
            t->rows[r].role = ROLE_TITLE;
        } else if (j != NULL) {
            table_set(t, r, 6, NAN, "%s",
                      strcmp(job_outcome(j), "completed") == 0
                          ? "done"
                          : job_outcome(j));
        }
        if (j != NULL && job_view_data(j) && job_view_data(j)->n > 0)
            t->rows[r].tag = j;
        if (vm->state == VM_SHUTOFF)
            t->rows[r].role = ROLE_DIM;
    }
    free(job);
}

static void
rows_ds(struct console *c, struct view *v)
{
    const struct model *m = c->o.hv->model;
    struct table *t = &v->tbl;
    char a[32], b[32], d[32];

    for (size_t i = 0; i < m->n_datastores; i++) {
        const struct model_datastore *s = &m->datastores[i];
        size_t r = table_add(t, s->name, ROLE_NORMAL);
        uint64_t free_b =
            s->capacity_bytes - MIN(s->used_bytes, s->capacity_bytes);
        char *hosts = s->n_hosts == m->n_hosts && m->n_hosts > 1
                          ? xasprintf("all %zu hosts", m->n_hosts)
                          : strv_join(s->hosts, s->n_hosts, ",");

        table_set(t, r, 0, NAN, "%s", s->name);
        table_set(t, r, 1, NAN, "%s", s->type);
        table_set(t, r, 2, NAN, "%s", hosts);
        free(hosts);
        table_set(t, r, 3, (double)s->capacity_bytes, "%s",
              units_fmt_bytes(a, sizeof a, s->capacity_bytes));
        table_set(t, r, 4, (double)s->used_bytes, "%s",
              units_fmt_bytes(b, sizeof b, s->used_bytes));
        table_set(t, r, 5, (double)free_b, "%s",
              units_fmt_bytes(d, sizeof d, free_b));
        table_set(t, r, 6, NAN, "%s", s->shared ? "shared" : "local");
    }
}

static void
rows_logs(struct console *c, struct view *v)
{
    struct table *t = &v->tbl;
    char a[32];

    for (size_t i = 0; i < c->n_logs; i++) {
        const struct flog_brief *b = &c->logs[i];
        char id[24];
        size_t r;

        snprintf(id, sizeof id, "%zu", i);
        r = table_add(t, id, ROLE_NORMAL);
        /* 2026-11-22T09:22:16Z -> 2026-11-22 09:22 */
        table_set(t, r, 0, (double)(c->n_logs - i), "%.10s %.5s", b->created,
              strlen(b->created) > 11 ? b->created + 11 : "");
        if (!b->ok) {
            const char *base = strrchr(b->path, '/');

            table_set(t, r, 1, NAN, "%s", base ? base + 1 : b->path);
            table_set(t, r, 2, NAN, "%s", b->error);
            t->rows[r].role = ROLE_DIM;
            continue;
        }
        table_set(t, r, 1, NAN, "%s", b->vm);
        if (strcmp(b->kind, "storage") == 0)
            table_set(t, r, 2, NAN, "%s: disks -> %s", b->source, b->datastore);
        else
            table_set(t, r, 2, NAN, "%s -> %s%s%s", b->source, b->destination,
                  b->datastore[0] ? " + " : "", b->datastore);
        table_set(t, r, 3, NAN, "%s", b->kind);
        table_set(t, r, 4, NAN, "%s", b->outcome);
        table_set(t, r, 5, isnan(b->total_ms) ? -1 : b->total_ms, "%s",
              isnan(b->total_ms) ? "-"
                                 : units_fmt_ms(a, sizeof a, b->total_ms));
        table_set(t, r, 6, isnan(b->downtime_ms) ? -1 : b->downtime_ms, "%s",
              isnan(b->downtime_ms)
                  ? "-"
                  : units_fmt_ms(a, sizeof a, b->downtime_ms));
        if (strcmp(b->outcome, "completed") != 0)
            t->rows[r].role = ROLE_WARNING;
    }
}

static void
rows_jobs(struct console *c, struct view *v)
{
    struct table *t = &v->tbl;
    char a[32];

    for (size_t i = 0; i < con_n_jobs(c); i++) {
        const struct job_view *j = con_job_at(c, i);
        char id[24];
        size_t r;
        double el = j->elapsed_ms;

        snprintf(id, sizeof id, "%ld", j->id);
        r = table_add(t, id, ROLE_NORMAL);
        table_set(t, r, 0, NAN, "%s", j->vm);
        if (j->kind == KIND_STORAGE)
            table_set(t, r, 1, NAN, "%s: -> %s", j->src, j->ds ? j->ds : "");
        else
            table_set(t, r, 1, NAN, "%s->%s%s%s", j->src, j->dst,
                  j->ds ? " " : "", j->ds ? j->ds : "");
        table_set(t, r, 2, NAN, "%s", job_kind_name(j->kind));
        /* who steers it: a policy, or nobody of ferry's */
        if (j->external && !j->taken_over)
            table_set(t, r, 3, NAN, "%s", "EXTERNAL");
        else if (j->steering_lost)
            table_set(t, r, 3, NAN, "%s", "LOST");
        else
            table_set(t, r, 3, NAN, "%s%s", j->policy ? j->policy : "",
                  j->external ? " (taken)" : "");
        if (j->state == JOB_QUEUED) {
            table_set(t, r, 4, j->queue_pos, "QUEUED #%d", j->queue_pos);
            table_set(t, r, 5, NAN, "-");
            table_set(t, r, 6, NAN, "-");
            table_set(t, r, 7, NAN, "-");
            t->rows[r].role = ROLE_DIM;
            continue;
        }
        if (!j->started) { /* never ran */
            table_set(t, r, 4, NAN, "%s",
                  strcmp(job_outcome(j), "cancelled") == 0
                      ? "CANCELLED"
                      : "NOT STARTED");
            table_set(t, r, 5, NAN, "-");
            table_set(t, r, 6, NAN, "-");
            table_set(t, r, 7, NAN, "-");
            t->rows[r].role = ROLE_WARNING;
            continue;
        }
        table_set(t, r, 4, NAN, "%s", job_phase_name(j->phase));
        table_set(t, r, 5, job_progress(j), "%.0f%%",
              isnan(job_progress(j)) ? 0 : job_progress(j));
        table_set(t, r, 6, el, "%s", units_fmt_ms(a, sizeof a, el));
        if (job_view_ended(j) && strcmp(job_outcome(j), "completed") == 0)
            table_set(t, r, 7, (double)j->downtime_ms, "%llu ms",
                  (unsigned long long)j->downtime_ms);
        else
            table_set(t, r, 7, NAN, "%s", "-");
        t->rows[r].role = !job_view_ended(j) ? ROLE_TITLE
                  : strcmp(job_outcome(j), "completed") == 0
                      ? ROLE_OK
                      : ROLE_WARNING;
    }
}

/* The selection: on the row it was on (by id) when there is one, else
 * at its position, kept inside the rows shown. */
static void
keep_selection(struct view *v)
{
    struct table *t = &v->tbl;
    long at;

    if (v->sel_id[0] != '\0' && (at = table_find(t, v->sel_id)) >= 0)
        v->sel = (int)at;
    if (v->sel >= (int)t->n_shown)
        v->sel = (int)t->n_shown - 1;
    if (v->sel < 0)
        v->sel = 0;
    if (t->n_shown > 0)
        con_set_sel(v, table_id(t, table_shown(t, (size_t)v->sel)));
}

/* The view's table from its data, filtered and sorted: built again only
 * when what it shows changed, arranged again only when the rows, the
 * filter or the sort did. */
void
con_ready_table(struct console *c, struct view *v)
{
    struct table *t = &v->tbl;
    uint64_t sig = v->cls->rows_sig(c, v);

    if (!v->built || sig != v->built_sig) {
        if (t->cols == NULL)
            table_init(t, v->cls->cols, v->cls->n_cols);
        table_clear(t);
        v->cls->rows(c, v);
        v->built = true;
        v->built_sig = sig;
        free(v->arranged_filter);
        v->arranged_filter = NULL;
        v->widths_for = -1;
    }
    if (v->sort_col >= t->n_cols || v->sort_col < 0)
        v->sort_col = 0;
    if (v->arranged_filter == NULL || strcmp(v->arranged_filter, v->filter) ||
        v->arranged_col != v->sort_col || v->arranged_desc != v->sort_desc) {
        table_arrange(t, v->filter, v->sort_col, v->sort_desc);
        free(v->arranged_filter);
        v->arranged_filter = xstrdup(v->filter);
        v->arranged_col = v->sort_col;
        v->arranged_desc = v->sort_desc;
    }
    keep_selection(v);
}

/* Its columns laid out for the terminal's width (again only when the
 * rows, the width or the sorted column changed). */
static const int *
view_widths(struct view *v, int width)
{
    if (v->widths_for != width || v->widths_col != v->sort_col) {
        if (v->widths == NULL)
            v->widths = xcalloc((size_t)v->tbl.n_cols, sizeof *v->widths);
        table_widths(&v->tbl, v->sort_col, width, v->widths);
        v->widths_for = width;
        v->widths_col = v->sort_col;
    }
    return v->widths;
}

void
con_draw_table(struct console *c, struct view *v, int y, int h)
{
    struct ui_term *t = c->t;
    struct table *tb = &v->tbl;
    int w = COLS, x;
    const int *widths = view_widths(v, w);

    /* Header */
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    ui_fill(stdscr, y, 0, w, ' ');
    x = 1;
    for (int i = 0; i < tb->n_cols && x < w; i++) {
        char *title;

        if (widths[i] == 0)
            continue;
        title = xasprintf("%s%s", tb->cols[i].title,
                          i != v->sort_col ? ""
                          : t->utf8        ? (v->sort_desc ? "\u2193" : "\u2191")
                                           : (v->sort_desc ? "v" : "^"));
        if (tb->cols[i].right)
            ui_put(stdscr, y, x + MAX(0, widths[i] - text_width(title)),
                   MIN(widths[i], w - x), title);
        else
            ui_put(stdscr, y, x, MIN(widths[i], w - x), title);
        free(title);
        x += widths[i] + 1;
    }
    /* Rows */
    if (v->sel < v->top)
        v->top = v->sel;
    if (v->sel >= v->top + h - 1)
        v->top = v->sel - (h - 2);
    if (v->top < 0)
        v->top = 0;
    for (int r = 0; r < h - 1; r++) {
        int i = v->top + r, row = y + 1 + r;
        size_t k;
        int role;

        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_fill(stdscr, row, 0, w, ' ');
        if (i >= (int)tb->n_shown)
            continue;
        k = table_shown(tb, (size_t)i);
        role = i == v->sel ? ROLE_SELECTION : tb->rows[k].role;
        wattrset(stdscr, ui_attr(t, role));
        if (i == v->sel)
            ui_fill(stdscr, row, 0, w, ' ');
        x = 1;
        for (int col = 0; col < tb->n_cols && x < w; col++) {
            const char *s = table_cell(tb, k, col);
            int cw = MIN(widths[col], w - x);

            if (widths[col] == 0)
                continue;
            if (tb->cols == vm_cols && col == VM_COL_DIRTY &&
                tb->rows[k].tag != NULL) {
                const struct flog_data *d = job_view_data(tb->rows[k].tag);

                ui_sparkline(t, stdscr, row, x, cw, d->dirty, d->n,
                             ROLE_GRAPH_DIRTY);
                wattrset(stdscr, ui_attr(t, role));
            } else if (tb->cols[col].right) {
                ui_put_cut(t, stdscr, row,
                           x + MAX(0, cw - text_width(s)), cw, s);
            } else {
                ui_put_cut(t, stdscr, row, x, cw, s);
            }
            x += widths[col] + 1;
        }
    }
    if (tb->n_shown == 0) {
        wattrset(stdscr, ui_attr(t, ROLE_DIM));
        ui_put(stdscr, y + 1, 2, w - 2,
               v->filter[0] ? "no rows match the filter (Esc clears it)"
               : v->kind == V_JOBS
                   ? "no migrations yet: select a VM and press m"
                   : "nothing here");
    }
}

/* ---- dashboard --------------------------------------------------------- */

static void
draw_dashboard(struct console *c, const struct job_view *j, int y, int h)
{
    const struct flog_data *d = job_view_data(j);
    struct dash ds;

    if (d == NULL) {
        /* its header is on the way, or it never started */
        struct ui_term *t = c->t;

        for (int r = 0; r < h; r++) {
            wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
            ui_fill(stdscr, y + r, 0, COLS, ' ');
        }
        wattrset(stdscr, ui_attr(t, ROLE_TITLE));
        ui_line(t, stdscr, y, 0, COLS, " %s  %s -> %s", j->vm, j->src,
                j->dst);
        wattrset(stdscr, ui_attr(t, ROLE_DIM));
        ui_line(t, stdscr, y + 1, 0, COLS, " %s",
                j->state == JOB_QUEUED ? "queued: waiting for its turn"
                : !j->started          ? (j->reason ? j->reason : "")
                                       : "starting...");
        return;
    }
    dash_fill(&ds, d, d->n ? d->n - 1 : 0, UINT64_MAX);
    dash_draw(c->t, y, h, &ds);
}

/* ---- dialog drawing ---------------------------------------------------- */

static void
draw_dialog(struct console *c, struct dialog *d, int y, int h)
{
    struct ui_term *t = c->t;
    const struct model *m = c->o.hv->model;
    int w = MIN(COLS - 2, 78), x = (COLS - w) / 2, row = y;
    char line[256], a[32], b[32], e[32], sum[160];
    static const char *const labels[F_COUNT] = {
        "Kind", "Destination host", "Destination datastore", "Policy",
        "Downtime budget", "Start"};

    for (int r = 0; r < h; r++) {
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_fill(stdscr, y + r, x, w, ' ');
    }
    wattrset(stdscr, ui_attr(t, ROLE_TITLE));
    snprintf(line, sizeof line, " Migrate %s (now on %s)", d->vm,
             model_vm(m, d->vm)->host);
    ui_put(stdscr, row++, x, w, line);
    for (int f = 0; f < F_COUNT; f++) {
        const char *val = "";
        char vb[128];

        if (!field_shown(d, f))
            continue;
        switch (f) {
        case F_KIND:
            val = job_kind_name(d->kind);
            break;
        case F_HOST:
            val = m->hosts[d->host].name;
            break;
        case F_DS:
            val = m->datastores[d->ds].name;
            break;
        case F_POLICY:
            policy_summary(&c->o.policies->v[d->policy], sum, sizeof sum);
            snprintf(vb, sizeof vb, "%.40s  (%.80s)",
                     c->o.policies->v[d->policy].name, sum);
            val = vb;
            break;
        case F_BUDGET:
            snprintf(vb, sizeof vb, "%llu ms%s",
                     (unsigned long long)d->budget_ms,
                     d->field == F_BUDGET ? "  (type ms or Left/Right)" : "");
            val = vb;
            break;
        case F_START:
            val = checks_worst(d->ck.v, d->ck.n) == CHECK_ERROR
                      ? "[ blocked by a check ]"
                      : "[ Start migration ]";
            break;
        }
        wattrset(stdscr, ui_attr(t, d->field == f ? ROLE_SELECTION : ROLE_NORMAL));
        snprintf(line, sizeof line, "  %-22s %s%s%s", labels[f],
                 f == F_START ? "" : "< ", val, f == F_START ? "" : " >");
        ui_put_pad(stdscr, row++, x, w, line);
    }
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    ui_put_pad(stdscr, row++, x, w, " Pre-flight checks");
    for (size_t i = 0; i < d->ck.n && row < y + h - 3; i++) {
        static const char *const tag[] = {" ok ", "warn", "FAIL"};
        static const enum role roles[] = {ROLE_OK, ROLE_WARNING, ROLE_ERROR};
        const struct check_result *cr = &d->ck.v[i];

        if (cr->status == CHECK_OK && d->ck.n > (size_t)(h - 10))
            continue; /* short of room: show what needs attention */
        wattrset(stdscr, ui_attr(t, roles[cr->status]));
        snprintf(line, sizeof line, "  %s ", tag[cr->status]);
        ui_put(stdscr, row, x, 8, line);
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_put(stdscr, row++, x + 8, w - 8, cr->message);
    }
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    ui_put_pad(stdscr, row++, x, w, " Prediction");
    wattrset(stdscr, ui_attr(t, d->pred.converges ? ROLE_OK : ROLE_WARNING));
    if (!d->pred_ok)
        snprintf(line, sizeof line, "  no prediction for this choice");
    else if (d->pred.converges)
        snprintf(line, sizeof line, "  converges: total %s, downtime %s, "
                 "%u rounds, %s to send",
                 units_fmt_ms(a, sizeof a, d->pred.total_ms),
                 units_fmt_ms(b, sizeof b, d->pred.downtime_ms),
                 d->pred.rounds + 0,
                 units_fmt_bytes(e, sizeof e, (uint64_t)d->pred.bytes));
    else
        snprintf(line, sizeof line, "  does not converge within %llu ms: "
                 "stalls near %s (%s); post-copy: about %s",
                 (unsigned long long)d->budget_ms,
                 units_fmt_bytes(a, sizeof a, (uint64_t)d->pred.stall_bytes),
                 units_fmt_ms(b, sizeof b, d->pred.stall_downtime_ms),
                 units_fmt_ms(e, sizeof e, d->pred.postcopy_ms));
    ui_put(stdscr, row++, x, w, line);
}

/* The selected queued job: what it waits for. */
static void
draw_wait_line(struct console *c, const struct view *v, int y)
{
    struct ui_term *t = c->t;
    const struct job_view *j =
        v->sel_id[0] ? con_job_by_id(c, atol(v->sel_id)) : NULL;

    wattrset(stdscr, ui_attr(t, ROLE_DIM));
    if (j != NULL && j->state == JOB_QUEUED)
        ui_line(t, stdscr, y, 0, COLS, " %s waits for %s  ([ ] reorder, x "
                "cancel)", j->vm, j->waits_for ? j->waits_for : "its turn");
    else
        ui_line(t, stdscr, y, 0, COLS, " %zu queued: select one to see "
                "what it waits for", con_jobs_in(c, JOB_QUEUED));
}

/* The selected host: how ferry reaches it and what the probes found. */
static void
draw_host_lines(struct console *c, const struct view *v, int y)
{
    struct ui_term *t = c->t;
    const struct model_host *h = model_host(c->o.hv->model, v->sel_id);

    wattrset(stdscr, ui_attr(t, ROLE_DIM));
    if (h == NULL) {
        ui_put_pad(stdscr, y, 0, COLS, "");
        ui_put_pad(stdscr, y + 1, 0, COLS, "");
        return;
    }
    if (h->maintenance) {
        const struct evac_view *e = con_evac_of_host(c, h->name);

        wattrset(stdscr, ui_attr(t, ROLE_WARNING));
        if (e != NULL && !con_evac_is_over(e))
            ui_line(t, stdscr, y, 0, COLS, " %s: in maintenance, being "
                    "evacuated: %zu VM%s still on it (e shows it)", h->name,
                    e->n_remaining, e->n_remaining == 1 ? "" : "s");
        else
            ui_line(t, stdscr, y, 0, COLS, " %s: in maintenance: it takes "
                    "no new VMs (M ends it)", h->name);
        wattrset(stdscr, ui_attr(t, ROLE_DIM));
    } else if (h->ssh != NULL)
        ui_line(t, stdscr, y, 0, COLS, " %s: ssh %s", h->name, h->ssh);
    else
        ui_line(t, stdscr, y, 0, COLS, " %s: %s", h->name,
                h->uri ? h->uri : "simulated host");
    if (!h->up && h->state_note != NULL) {
        wattrset(stdscr, ui_attr(t, ROLE_ERROR));
        ui_line(t, stdscr, y + 1, 0, COLS, " %s", h->state_note);
    } else {
        ui_line(t, stdscr, y + 1, 0, COLS, " %s",
                h->probe      ? h->probe
                : h->versions ? h->versions
                              : "");
    }
}

/* The selected VM, its names whole: where it runs, what it has. */
static void
draw_vm_line(struct console *c, const struct view *v, int y)
{
    const struct model_vm *vm = model_vm(c->o.hv->model, v->sel_id);
    char a[32], b[32], mx[48] = "", *dss, *line;

    wattrset(stdscr, ui_attr(c->t, ROLE_DIM));
    if (vm == NULL) {
        ui_put_pad(stdscr, y, 0, COLS, "");
        return;
    }
    dss = model_vm_datastores_str(vm);
    if (vm->memory_max_bytes > vm->memory_bytes)
        snprintf(mx, sizeof mx, " (at most %s)",
                 units_fmt_bytes(b, sizeof b, vm->memory_max_bytes));
    line = xasprintf(" %s on %s: %s, %u vCPU, %s%s, disks on %s%s%s",
                     vm->name, vm->host, vm_state_name(vm->state), vm->vcpus,
                     units_fmt_bytes(a, sizeof a, vm->memory_bytes), mx,
                     dss[0] ? dss : "no datastore",
                     vm->live_migratable ? "" : "; not live: ",
                     vm->live_migratable ? ""
                     : vm->not_migratable_reason ? vm->not_migratable_reason
                                                 : "?");
    ui_fill(stdscr, y, 0, COLS, ' ');
    ui_put_cut(c->t, stdscr, y, 0, COLS, line);
    free(line);
    free(dss);
}

/* ---- what changes the rows --------------------------------------------- */

/* The jobs and how far each has come: the VMs' and jobs' tables show
 * progress. */
static uint64_t
jobs_progress_sig(const struct console *c)
{
    uint64_t h = con_jobs_signature(c);

    for (size_t i = 0; i < con_n_jobs(c); i++) {
        const struct job_view *j = con_job_at(c, i);
        const struct flog_data *d = job_view_data(j);

        if (job_view_ended(j))
            continue;
        h = h * 31 + (d != NULL ? d->n : 0);
        h = h * 31 + (uint64_t)(isnan(j->progress) ? 0 : j->progress * 10);
        h = h * 31 + (uint64_t)j->elapsed_ms;
    }
    return h;
}

static uint64_t
sig_model(const struct console *c, const struct view *v)
{
    (void)v;
    return c->o.hv->generation;
}

static uint64_t
sig_model_jobs(const struct console *c, const struct view *v)
{
    (void)v;
    return c->o.hv->generation * 1000003 + jobs_progress_sig(c);
}

static uint64_t
sig_jobs(const struct console *c, const struct view *v)
{
    (void)v;
    return jobs_progress_sig(c);
}

static uint64_t
sig_logs(const struct console *c, const struct view *v)
{
    (void)v;
    return c->logs_gen;
}

uint64_t
con_sig_none(const struct console *c, const struct view *v)
{
    (void)c;
    (void)v;
    return 1;
}

/* ---- views: how each draws --------------------------------------------- */

void
con_blank_line(struct console *c, int y)
{
    wattrset(stdscr, ui_attr(c->t, ROLE_NORMAL));
    ui_fill(stdscr, y, 0, COLS, ' ');
}

static void
draw_hosts(struct console *c, struct view *v, int y, int h)
{
    con_ready_table(c, v);
    con_draw_table(c, v, y, h - 2);
    draw_host_lines(c, v, y + h - 2);
}

static void
draw_vms(struct console *c, struct view *v, int y, int h)
{
    con_ready_table(c, v);
    con_draw_table(c, v, y, h - 1);
    draw_vm_line(c, v, y + h - 1);
}

static void
draw_jobs(struct console *c, struct view *v, int y, int h)
{
    con_ready_table(c, v);
    con_draw_table(c, v, y, h - 1);
    if (con_jobs_in(c, JOB_QUEUED) > 0)
        draw_wait_line(c, v, y + h - 1);
    else
        con_blank_line(c, y + h - 1);
}

static void
draw_plain_table(struct console *c, struct view *v, int y, int h)
{
    con_ready_table(c, v);
    con_draw_table(c, v, y, h);
}

static void
draw_dash(struct console *c, struct view *v, int y, int h)
{
    const struct job_view *j = con_job_by_id(c, v->job);

    if (j != NULL)
        draw_dashboard(c, j, y, h);
    else
        for (int r = 0; r < h; r++)
            con_blank_line(c, y + r);
}

static char *
crumb_dash(struct console *c, const struct view *v)
{
    const struct job_view *j = con_job_by_id(c, v->job);

    return xstrdup(j != NULL ? j->vm : "Migration");
}

/* The dialog over the list it was opened from. */
static void
draw_dialog_view(struct console *c, struct view *v, int y, int h)
{
    if (c->depth >= 2 && con_is_table(c->stack[c->depth - 2]))
        draw_plain_table(c, c->stack[c->depth - 2], y, h);
    draw_dialog(c, v->dlg, y + 1, MIN(h - 1, 20));
}

static const char *
dialog_hints(struct console *c, struct view *v)
{
    (void)c;
    (void)v;
    return " Tab/Up/Down field  Left/Right change  Enter start  Esc cancel";
}

/* ---- flight logs and the replay ---------------------------------------- */

void
con_logs_open(struct console *c)
{
    char *dir = c->o.log_dir ? xstrdup(c->o.log_dir) : flog_default_dir();
    struct ferry_err err;

    free(c->logs);
    err.msg[0] = '\0';
    c->n_logs = flog_list(dir, &c->logs, &err);
    c->logs_gen++;
    if (err.msg[0])
        con_set_status(c, true, "flight logs: %s", err.msg);
    else
        con_set_status(c, false, "%zu flight log%s in %s", c->n_logs,
                   c->n_logs == 1 ? "" : "s", dir);
    free(dir);
    if (con_top(c)->kind != V_LOGS)
        con_push(c, V_LOGS)->sort_desc = true; /* newest first */
}

static void
replay_say(struct console *c, struct replay *rp)
{
    bool error;
    const char *msg = replay_message(rp, &error);

    if (msg != NULL)
        con_set_status(c, error, "%s", msg);
}

/* Replay a log in the console; errors go to the status line. */
void
con_replay_open(struct console *c, const char *path)
{
    struct ferry_err err;
    struct flog_data *d = flog_load(path, &err);
    struct replay_opts ro = {.policies = c->o.policies, .loop = c->o.loop};
    struct replay *rp;

    if (d == NULL) {
        con_set_status(c, true, "%s", err.msg);
        return;
    }
    if (con_top(c)->kind == V_REPLAY)
        con_pop(c);
    rp = replay_new(c->t, d, &ro);
    con_push(c, V_REPLAY)->rp = rp;
    con_set_status(c, false, "%s", "");
    replay_say(c, rp);
}

static enum vr
replay_view_key(struct console *c, struct view *v, int key)
{
    bool took;

    if (key == ':')
        return VR_IGNORED; /* a command, over the replay */
    took = replay_key(v->rp, key, c->now_ms);
    if (replay_closed(v->rp))
        return VR_CLOSE;
    replay_say(c, v->rp);
    return took ? VR_DONE : VR_IGNORED;
}

static void
replay_view_draw(struct console *c, struct view *v, int y, int h)
{
    (void)c;
    replay_draw(v->rp, y, h);
}

static const char *
replay_view_hints(struct console *c, struct view *v)
{
    (void)c;
    return replay_hints(v->rp);
}

static char *
replay_crumb(struct console *c, const struct view *v)
{
    (void)c;
    return xasprintf("Replay %s", replay_data(v->rp)->h.vm);
}

static bool
replay_view_tick(struct console *c, struct view *v, uint64_t now_ms)
{
    bool redraw = replay_tick(v->rp, now_ms);

    /* a what-if's progress, or its outcome */
    replay_say(c, v->rp);
    return redraw;
}

static int
replay_view_timeout(const struct console *c, const struct view *v,
                    uint64_t now_ms)
{
    (void)c;
    return replay_timeout_ms(v->rp, now_ms);
}

static void
replay_view_fini(struct view *v)
{
    replay_free(v->rp);
}

/* ---- the views' con_classes ------------------------------------------------ */

static const struct view_class hosts_class = {
    .kind = V_HOSTS, .title = "Hosts", .where = "hosts",
    .cols = host_cols, .n_cols = ARRAY_SIZE(host_cols),
    .rows = rows_hosts, .rows_sig = sig_model_jobs, .draw = draw_hosts,
};
static const struct view_class vms_class = {
    .kind = V_VMS, .title = "VMs", .where = "VMs",
    .cols = vm_cols, .n_cols = ARRAY_SIZE(vm_cols),
    .rows = rows_vms, .rows_sig = sig_model_jobs, .draw = draw_vms,
};
static const struct view_class ds_class = {
    .kind = V_DS, .title = "Datastores", .where = "datastores",
    .cols = ds_cols, .n_cols = ARRAY_SIZE(ds_cols),
    .rows = rows_ds, .rows_sig = sig_model, .draw = draw_plain_table,
};
static const struct view_class jobs_class = {
    .kind = V_JOBS, .title = "Jobs", .where = "jobs",
    .cols = job_cols, .n_cols = ARRAY_SIZE(job_cols),
    .rows = rows_jobs, .rows_sig = sig_jobs, .draw = draw_jobs,
};
static const struct view_class logs_class = {
    .kind = V_LOGS, .title = "Flight logs", .where = "logs",
    .cols = log_cols, .n_cols = ARRAY_SIZE(log_cols),
    .rows = rows_logs, .rows_sig = sig_logs, .draw = draw_plain_table,
};
static const struct view_class dash_class = {
    .kind = V_DASH, .title = "Migration", .where = "dashboard",
    .draw = draw_dash, .crumb = crumb_dash,
};
static const struct view_class dialog_class = {
    .kind = V_DIALOG, .title = "Migrate", .where = "dialog",
    .draw = draw_dialog_view, .key = dialog_key, .hints = dialog_hints,
    .fini = dialog_fini,
};
static const struct view_class wizard_class = {
    .kind = V_WIZARD, .title = "Migrate (guided)", .where = "wizard",
    .draw = wizard_view_draw, .key = wizard_view_key,
    .hints = wizard_view_hints, .tick = wizard_view_tick,
    .next_ms = wizard_view_timeout, .fini = wizard_view_fini,
};
static const struct view_class replay_class = {
    .kind = V_REPLAY, .title = "Replay", .where = "replay",
    .draw = replay_view_draw, .key = replay_view_key,
    .hints = replay_view_hints, .crumb = replay_crumb,
    .tick = replay_view_tick, .next_ms = replay_view_timeout,
    .fini = replay_view_fini,
};

const struct view_class *const con_classes[V_COUNT] = {
    [V_HOSTS] = &hosts_class,   [V_VMS] = &vms_class,
    [V_DS] = &ds_class,         [V_JOBS] = &jobs_class,
    [V_LOGS] = &logs_class,     [V_HELP] = &con_help_class,
    [V_DASH] = &dash_class,     [V_DIALOG] = &dialog_class,
    [V_WIZARD] = &wizard_class, [V_REPLAY] = &replay_class,
    [V_EVAC] = &con_evac_class,
};
