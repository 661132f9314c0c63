/* Policies as data: parse [policy NAME] sections into schedules. */
#include "ferry/policy.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ferry/units.h"

static const char *const action_names[] = {
    [ACT_NONE] = "none",         [ACT_SET_DOWNTIME] = "downtime",
    [ACT_SWITCHOVER] = "switchover", [ACT_POSTCOPY] = "postcopy",
    [ACT_THROTTLE] = "throttle", [ACT_PAUSE] = "pause",
    [ACT_ABORT] = "abort",
};

const char *
steer_lost_name(enum steer_lost s)
{
    return s == STEER_LOST_BUDGET ? "budget" : "abort";
}

const char *
xbzrle_use_name(enum xbzrle_use u)
{
    return u == XBZRLE_AUTO ? "auto" : u == XBZRLE_ALWAYS ? "always" : "no";
}

int
xbzrle_use_lookup(const char *s, enum xbzrle_use *out)
{
    if (strcasecmp(s, "auto") == 0)
        *out = XBZRLE_AUTO;
    else if (strcasecmp(s, "always") == 0 || strcasecmp(s, "yes") == 0)
        *out = XBZRLE_ALWAYS;
    else if (strcasecmp(s, "no") == 0 || strcasecmp(s, "never") == 0)
        *out = XBZRLE_FORBID;
    else
        return -1;
    return 0;
}

int
steer_lost_lookup(const char *s, enum steer_lost *out)
{
    if (strcasecmp(s, "abort") == 0)
        *out = STEER_LOST_ABORT;
    else if (strcasecmp(s, "budget") == 0)
        *out = STEER_LOST_BUDGET;
    else
        return -1;
    return 0;
}

const char *
action_name(enum action_kind a)
{
    return (unsigned)a < ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

enum action_kind
action_lookup(const char *name)
{
    for (size_t i = 1; i < ARRAY_SIZE(action_names); i++)
        if (strcasecmp(action_names[i], name) == 0)
            return (enum action_kind)i;
    return ACT_NONE;
}

void
policy_set_init(struct policy_set *set)
{
    memset(set, 0, sizeof *set);
}

static void
policy_fini(struct policy *p)
{
    free(p->name);
    free(p->description);
    free(p->source);
    free(p->steps);
    memset(p, 0, sizeof *p);
}

void
policy_set_fini(struct policy_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        policy_fini(&set->v[i]);
    free(set->v);
    memset(set, 0, sizeof *set);
}

const struct policy *
policy_find(const struct policy_set *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].name, name) == 0)
            return &set->v[i];
    return NULL;
}

bool
policy_allows(const struct policy *p, enum action_kind a)
{
    if (p->mode == POLICY_SCHEDULE) {
        for (size_t i = 0; i < p->n_steps; i++)
            if (p->steps[i].action == a)
                return true;
        return false;
    }
    for (size_t i = 0; i < p->n_escalation; i++)
        if (p->escalation[i] == a)
            return true;
    return false;
}

void
policy_copy_restricted(const struct policy *src, struct policy *dst,
                       bool throttle, bool postcopy, bool pause)
{
    bool ok[ACT_ABORT + 1];

    for (int a = 0; a <= ACT_ABORT; a++)
        ok[a] = true;
    ok[ACT_THROTTLE] = throttle;
    ok[ACT_POSTCOPY] = postcopy;
    ok[ACT_PAUSE] = pause;
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->description = xstrdup(src->description);
    dst->source = xstrdup(src->source);
    dst->steps = xcalloc(src->n_steps + 1, sizeof *dst->steps);
    dst->n_steps = 0;
    for (size_t i = 0; i < src->n_steps; i++)
        if (ok[src->steps[i].action])
            dst->steps[dst->n_steps++] = src->steps[i];
    dst->n_escalation = 0;
    for (size_t i = 0; i < src->n_escalation; i++)
        if (ok[src->escalation[i]])
            dst->escalation[dst->n_escalation++] = src->escalation[i];
    /* an adaptive policy may take an escalation it did not name */
    if (src->mode == POLICY_ADAPTIVE) {
        static const enum action_kind order[] = {ACT_THROTTLE, ACT_POSTCOPY,
                                                 ACT_PAUSE};

        for (size_t k = 0; k < ARRAY_SIZE(order); k++)
            if (ok[order[k]] && !policy_allows(dst, order[k]) &&
                dst->n_escalation < ARRAY_SIZE(dst->escalation))
                dst->escalation[dst->n_escalation++] = order[k];
    }
    if (!throttle)
        dst->auto_converge = false;
    dst->postcopy = postcopy && (src->postcopy || policy_allows(dst,
                                                                ACT_POSTCOPY));
}

void
policy_copy(const struct policy *src, struct policy *dst)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->description = xstrdup(src->description);
    dst->source = xstrdup(src->source);
    dst->steps = xcalloc(src->n_steps + 1, sizeof *dst->steps);
    if (src->n_steps > 0)
        memcpy(dst->steps, src->steps, src->n_steps * sizeof *dst->steps);
}

void
policy_copy_free(struct policy *p)
{
    policy_fini(p);
}

static void
policy_defaults(struct policy *p, const char *name)
{
    memset(p, 0, sizeof *p);
    p->name = xstrdup(name);
    p->description = xstrdup("");
    p->source = xstrdup("ferry.ini");
    p->mode = POLICY_SCHEDULE;
    p->downtime_limit_ms = 300;
    p->ac_initial = 20;
    p->ac_increment = 10;
    p->throttle_max = 99;
    p->stall_rounds = 3;
}

/* Skip blanks; return the rest. */
static const char *
skip(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* Match a word (case-insensitive) followed by a blank or the end. */
static bool
word(const char **s, const char *w)
{
    size_t n = strlen(w);
    const char *p = skip(*s);

    if (strncasecmp(p, w, n) != 0)
        return false;
    if (p[n] != '\0' && !isspace((unsigned char)p[n]))
        return false;
    *s = p + n;
    return true;
}

static int parse_step_parts(const char *trig, const char *act,
                            struct policy_step *st, char *msg, size_t n);

/* Parse "TRIGGER : ACTION [ARG]" into st; msg gets the reason on failure. */
static int
parse_step(const char *text, struct policy_step *st, char *msg, size_t n)
{
    const char *colon = strchr(text, ':');
    char *trig, *act;
    int rc;

    memset(st, 0, sizeof *st);
    if (colon == NULL) {
        snprintf(msg, n, "expected 'TRIGGER : ACTION', got '%s'", text);
        return -1;
    }
    trig = xstrndup(text, (size_t)(colon - text));
    act = xstrdup(colon + 1);
    rc = parse_step_parts(str_trim(trig), str_trim(act), st, msg, n);
    free(trig);
    free(act);
    return rc;
}

/* The trigger and the action of a step, each trimmed. */
static int
parse_step_parts(const char *trig, const char *act, struct policy_step *st,
                 char *msg, size_t n)
{
    const char *p;
    struct ferry_err e;
    char *end;

    p = trig;
    if (word(&p, "rounds")) {
        p = skip(p);
        if (*p++ != '>')
            goto bad_trigger;
        st->trig = TRIG_ROUNDS;
        st->value = strtod(p, &end);
        if (end == p || *skip(end) != '\0')
            goto bad_trigger;
    } else if (word(&p, "elapsed")) {
        char *dur;
        const char *q;
        uint64_t ms;
        int rc;

        p = skip(p);
        if (*p++ != '>')
            goto bad_trigger;
        p = skip(p);
        q = p;
        while (*q && !isspace((unsigned char)*q))
            q++;
        dur = xstrndup(p, (size_t)(q - p));
        rc = units_parse_ms(dur, &ms, &e);
        free(dur);
        if (rc < 0) {
            snprintf(msg, n, "%.200s", e.msg);
            return -1;
        }
        st->trig = TRIG_ELAPSED;
        st->value = (double)ms;
        p = q;
        if (word(&p, "per")) {
            if (!word(&p, "GiB"))
                goto bad_trigger;
            st->per_gib = true;
        }
        if (*skip(p) != '\0')
            goto bad_trigger;
    } else if (word(&p, "no")) {
        uint64_t ms;

        if (!word(&p, "progress") || !word(&p, "for"))
            goto bad_trigger;
        if (units_parse_ms(skip(p), &ms, &e) < 0) {
            snprintf(msg, n, "%.200s", e.msg);
            return -1;
        }
        st->trig = TRIG_NO_PROGRESS;
        st->value = (double)ms;
    } else if (word(&p, "round")) {
        double pct;

        if (!word(&p, "progress"))
            goto bad_trigger;
        p = skip(p);
        if (*p++ != '<')
            goto bad_trigger;
        if (units_parse_percent(skip(p), &pct, &e) < 0) {
            snprintf(msg, n, "%.200s", e.msg);
            return -1;
        }
        st->trig = TRIG_SLOW_ROUND;
        st->value = pct;
    } else {
        goto bad_trigger;
    }

    p = act;
    if (word(&p, "downtime")) {
        uint64_t ms;

        if (units_parse_ms(skip(p), &ms, &e) < 0) {
            snprintf(msg, n, "%.200s", e.msg);
            return -1;
        }
        st->action = ACT_SET_DOWNTIME;
        st->arg = ms;
    } else if (word(&p, "throttle")) {
        double pct;

        if (units_parse_percent(skip(p), &pct, &e) < 0) {
            snprintf(msg, n, "%.200s", e.msg);
            return -1;
        }
        st->action = ACT_THROTTLE;
        st->arg = (uint64_t)pct;
    } else {
        enum action_kind a = action_lookup(skip(p));

        if (a != ACT_POSTCOPY && a != ACT_PAUSE && a != ACT_ABORT &&
            a != ACT_SWITCHOVER) {
            snprintf(msg, n,
                     "unknown action '%s' (downtime DURATION, throttle P%%, "
                     "postcopy, pause, switchover, abort)",
                     act);
            return -1;
        }
        st->action = a;
    }
    return 0;

bad_trigger:
    snprintf(msg, n,
             "unknown trigger '%s' (rounds > N, elapsed > DURATION [per "
             "GiB], no progress for DURATION, round progress < P%%)",
             trig);
    return -1;
}

/* Apply one key of a [policy] section. */
static int
policy_key(struct policy *p, const struct ini_doc *doc,
           const struct ini_entry *e, struct ferry_err *err)
{
    const char *k = e->key;
    uint64_t u;
    char msg[256];

    if (strcmp(k, "description") == 0) {
        free(p->description);
        p->description = xstrdup(e->value);
    } else if (strcmp(k, "source") == 0) {
        free(p->source);
        p->source = xstrdup(e->value);
    } else if (strcmp(k, "mode") == 0) {
        if (strcasecmp(e->value, "adaptive") == 0)
            p->mode = POLICY_ADAPTIVE;
        else if (strcasecmp(e->value, "schedule") == 0)
            p->mode = POLICY_SCHEDULE;
        else
            return ini_error(doc, e, err,
                             "'%s' is not a mode (adaptive or schedule)",
                             e->value);
    } else if (strcmp(k, "downtime_limit") == 0) {
        if (ini_get_ms(doc, e, &u, err) < 0)
            return -1;
        p->downtime_limit_ms = u;
    } else if (strcmp(k, "auto_converge") == 0) {
        return ini_get_bool(doc, e, &p->auto_converge, err);
    } else if (strcmp(k, "auto_converge_initial") == 0) {
        return ini_get_percent(doc, e, &p->ac_initial, err);
    } else if (strcmp(k, "auto_converge_increment") == 0) {
        return ini_get_percent(doc, e, &p->ac_increment, err);
    } else if (strcmp(k, "postcopy") == 0) {
        return ini_get_bool(doc, e, &p->postcopy, err);
    } else if (strcmp(k, "schedule") == 0) {
        if (strcasecmp(e->value, "sequential") == 0)
            p->sequential = true;
        else if (strcasecmp(e->value, "independent") == 0)
            p->sequential = false;
        else
            return ini_error(doc, e, err,
                             "'%s' is not sequential or independent",
                             e->value);
    } else if (strcmp(k, "data_gib_min") == 0) {
        return ini_get_double(doc, e, 0, 1e6, &p->data_gib_min, err);
    } else if (strcmp(k, "step") == 0) {
        struct policy_step st;

        if (parse_step(e->value, &st, msg, sizeof msg) < 0)
            return ini_error(doc, e, err, "%s", msg);
        st.line = e->line;
        p->steps = xrealloc(p->steps, (p->n_steps + 1) * sizeof st);
        p->steps[p->n_steps++] = st;
    } else if (strcmp(k, "escalation") == 0) {
        size_t n;
        char **v = strv_split(e->value, &n);

        p->n_escalation = 0;
        for (size_t i = 0; i < n; i++) {
            enum action_kind a = action_lookup(v[i]);

            if (a != ACT_SET_DOWNTIME && a != ACT_THROTTLE &&
                a != ACT_POSTCOPY && a != ACT_PAUSE) {
                ini_error(doc, e, err,
                          "'%s' is not an escalation (downtime, throttle, "
                          "postcopy, pause)",
                          v[i]);
                strv_free(v, n);
                return -1;
            }
            if (p->n_escalation < ARRAY_SIZE(p->escalation))
                p->escalation[p->n_escalation++] = a;
        }
        strv_free(v, n);
    } else if (strcmp(k, "on_steering_lost") == 0) {
        if (steer_lost_lookup(e->value, &p->on_steering_lost) < 0)
            return ini_error(doc, e, err, "'%s' is not abort or budget",
                             e->value);
    } else if (strcmp(k, "throttle_max") == 0) {
        return ini_get_percent(doc, e, &p->throttle_max, err);
    } else if (strcmp(k, "stall_rounds") == 0) {
        if (ini_get_uint(doc, e, 1, 100, &u, err) < 0)
            return -1;
        p->stall_rounds = (unsigned)u;
    } else if (strcmp(k, "xbzrle") == 0) {
        if (xbzrle_use_lookup(e->value, &p->xbzrle) < 0)
            return ini_error(doc, e, err,
                             "'%s' is not auto, always or no", e->value);
    } else if (strcmp(k, "xbzrle_cache") == 0) {
        if (ini_get_bytes(doc, e, &u, err) < 0)
            return -1;
        if (u != 0 && u < 4096)
            return ini_error(doc, e, err,
                             "a cache of %llu bytes holds no page (at least "
                             "4KiB, or 0 for the engine to size it)",
                             (unsigned long long)u);
        p->xbzrle_cache_bytes = u;
    } else if (strcmp(k, "parallel_connections") == 0) {
        if (ini_get_uint(doc, e, 1, 256, &u, err) < 0)
            return -1;
        p->parallel = (unsigned)u;
    } else if (strcmp(k, "tls") == 0) {
        bool b;

        if (ini_get_bool(doc, e, &b, err) < 0)
            return -1;
        p->tls = b ? 1 : -1;
    } else {
        return ini_error(doc, e, err, "unknown key");
    }
    return 0;
}

int
policy_set_load(struct policy_set *set, const struct ini_doc *doc,
                struct ferry_err *err)
{
    struct policy cur;
    const char *cur_section = NULL;
    bool have = false;

    for (size_t i = 0; i <= doc->n; i++) {
        const struct ini_entry *e = i < doc->n ? &doc->v[i] : NULL;
        const char *name = e ? ini_section_name(e->section, "policy") : NULL;

        if (have && (e == NULL || strcmp(e->section, cur_section) != 0)) {
            struct policy *slot = NULL;

            /* An adaptive policy may use post-copy iff it lists it. */
            if (cur.mode == POLICY_ADAPTIVE)
                cur.postcopy = policy_allows(&cur, ACT_POSTCOPY);
            for (size_t j = 0; j < set->n; j++)
                if (strcmp(set->v[j].name, cur.name) == 0)
                    slot = &set->v[j];
            if (slot != NULL) {
                policy_fini(slot);
            } else {
                set->v = xgrow(set->v, &set->cap, set->n + 1,
                               sizeof *set->v);
                slot = &set->v[set->n++];
            }
            *slot = cur;
            have = false;
        }
        if (e == NULL || name == NULL)
            continue;
        if (!have) {
            policy_defaults(&cur, name);
            cur_section = e->section;
            have = true;
        }
        if (policy_key(&cur, doc, e, err) < 0) {
            policy_fini(&cur);
            return -1;
        }
    }
    return 0;
}

int
policy_set_builtin(struct policy_set *set, struct ferry_err *err)
{
    struct ini_doc *doc = ini_load_string("<built-in policies>",
                                          policies_ini, err);
    int rc;

    if (doc == NULL)
        return -1;
    rc = policy_set_load(set, doc, err);
    ini_free(doc);
    return rc;
}

void
policy_summary(const struct policy *p, char *buf, size_t n)
{
    size_t off = 0;

    if (p->mode == POLICY_ADAPTIVE) {
        off += (size_t)snprintf(buf, n,
                                "switch when predicted downtime fits; "
                                "escalate:");
        for (size_t i = 0; i < p->n_escalation && off < n; i++)
            off += (size_t)snprintf(buf + off, n - off, "%s %s",
                                    i ? "," : "", action_name(p->escalation[i]));
        if (p->n_escalation == 0 && off < n)
            snprintf(buf + off, n - off, " none (abort)");
        return;
    }
    off += (size_t)snprintf(buf, n, "limit %llu ms%s%s, %zu step%s",
                            (unsigned long long)p->downtime_limit_ms,
                            p->auto_converge ? ", auto-converge" : "",
                            p->postcopy ? ", post-copy" : "", p->n_steps,
                            p->n_steps == 1 ? "" : "s");
}

/* One step back into the text parse_step reads. */
static void
step_text(const struct policy_step *st, char *buf, size_t n)
{
    char trig[80], act[48];

    switch (st->trig) {
    case TRIG_ROUNDS:
        snprintf(trig, sizeof trig, "rounds > %g", st->value);
        break;
    case TRIG_ELAPSED:
        snprintf(trig, sizeof trig, "elapsed > %.0fms%s", st->value,
                 st->per_gib ? " per GiB" : "");
        break;
    case TRIG_NO_PROGRESS:
        snprintf(trig, sizeof trig, "no progress for %.0fms", st->value);
        break;
    case TRIG_SLOW_ROUND:
        snprintf(trig, sizeof trig, "round progress < %g%%", st->value);
        break;
    }
    if (st->action == ACT_SET_DOWNTIME)
        snprintf(act, sizeof act, "downtime %llums",
                 (unsigned long long)st->arg);
    else if (st->action == ACT_THROTTLE)
        snprintf(act, sizeof act, "throttle %llu%%",
                 (unsigned long long)st->arg);
    else
        snprintf(act, sizeof act, "%s", action_name(st->action));
    snprintf(buf, n, "%s : %s", trig, act);
}

char *
policy_to_ini(const struct policy *p)
{
    char *out, *tmp, line[256];
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);

    if (f == NULL)
        fatal("out of memory");
    fprintf(f, "[policy %s]\n", p->name);
    if (p->description)
        fprintf(f, "description = %s\n", p->description);
    if (p->source)
        fprintf(f, "source = %s\n", p->source);
    fprintf(f, "mode = %s\n",
            p->mode == POLICY_ADAPTIVE ? "adaptive" : "schedule");
    fprintf(f, "downtime_limit = %llums\n",
            (unsigned long long)p->downtime_limit_ms);
    fprintf(f, "auto_converge = %s\n", p->auto_converge ? "yes" : "no");
    fprintf(f, "auto_converge_initial = %g%%\n", p->ac_initial);
    fprintf(f, "auto_converge_increment = %g%%\n", p->ac_increment);
    fprintf(f, "postcopy = %s\n", p->postcopy ? "yes" : "no");
    fprintf(f, "schedule = %s\n", p->sequential ? "sequential" : "independent");
    fprintf(f, "data_gib_min = %g\n", p->data_gib_min);
    for (size_t i = 0; i < p->n_steps; i++) {
        step_text(&p->steps[i], line, sizeof line);
        fprintf(f, "step = %s\n", line);
    }
    if (p->on_steering_lost != STEER_LOST_UNSET)
        fprintf(f, "on_steering_lost = %s\n",
                steer_lost_name(p->on_steering_lost));
    if (p->xbzrle != XBZRLE_FORBID)
        fprintf(f, "xbzrle = %s\n", xbzrle_use_name(p->xbzrle));
    if (p->xbzrle_cache_bytes > 0)
        fprintf(f, "xbzrle_cache = %llu\n",
                (unsigned long long)p->xbzrle_cache_bytes);
    if (p->parallel > 0)
        fprintf(f, "parallel_connections = %u\n", p->parallel);
    if (p->tls != 0)
        fprintf(f, "tls = %s\n", p->tls > 0 ? "yes" : "no");
    if (p->mode == POLICY_ADAPTIVE) {
        line[0] = '\0';
        for (size_t i = 0; i < p->n_escalation; i++) {
            tmp = line + strlen(line);
            snprintf(tmp, sizeof line - (size_t)(tmp - line), "%s%s",
                     i ? ", " : "", action_name(p->escalation[i]));
        }
        fprintf(f, "escalation = %s\n", line);
        fprintf(f, "throttle_max = %g%%\n", p->throttle_max);
        fprintf(f, "stall_rounds = %u\n", p->stall_rounds);
    }
    fclose(f);
    return out;
}
