/* The command line: list, plan, migrate (the contract in DESIGN.md). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ferry/checks.h"
#include "ferry/console.h"
#include "ferry/flightlog.h"
#include "ferry/hv_libvirt.h"
#include "ferry/ini.h"
#include "ferry/loop.h"
#include "ferry/policy.h"
#include "ferry/queue.h"
#include "ferry/runner.h"
#include "ferry/sim.h"
#include "ferry/units.h"
#include "ferry/whatif.h"
#include "../ui/replay.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

struct cli {
    const char *cmd;
    const char *args[4];
    size_t n_args;
    bool demo, json, real_time, no_log, have_seed, keep_source, summary;
    bool accept_new;
    const char *connect[16];
    size_t n_connect;
    struct lv_cfg hosts;
    struct queue_cfg queue;
    const char *sim_file, *config, *to, *datastore, *kind, *policy;
    const char *downtime, *max_downtime, *bandwidth, *log, *max_time;
    const char *theme, *measure, *export, *what_if, *output;
    uint64_t measured_bps;
    char *config_theme;
    bool config_found;
    uint64_t seed;
    struct policy_set policies;
    const char *default_policy;
    uint64_t default_downtime_ms;
    char *log_dir;
    char *hints_dir; /* the log directory, resolved */
    struct loop *loop; /* the one poll loop (console, libvirt events) */
};

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void
usage(FILE *f)
{
    fputs(
        "usage: ferry [--demo | --sim FILE] [--seed N] [-c FILE] [COMMAND ...]\n"
        "\n"
        "  ferry [--theme NAME]         the console (no command)\n"
        "  ferry list hosts|vms|datastores [--json]\n"
        "  ferry plan VM --to HOST [--datastore DS] [--kind KIND] [--policy "
        "NAME]\n"
        "             [--downtime MS] [--max-downtime MS] [--bandwidth "
        "MiB/s]\n"
        "             [--measure DURATION] [--json]\n"
        "  ferry migrate VM --to HOST [same options] [--log FILE | "
        "--no-log]\n"
        "             [--time virtual|real] [--max-time DURATION] [--json]\n"
        "  ferry policies [--json]\n"
        "  --connect URI (repeatable) names the hosts instead of ferry.ini;\n"
        "  qemu+ssh:// and qemu+libssh:// hosts are reached over SSH with\n"
        "  ~/.ssh/config, known_hosts and the agent; --accept-new records\n"
        "  unknown host keys (a changed key is always refused)\n"
        "  ferry replay FILE            replay a flight log in the console\n"
        "             [--summary] [--export csv [-o FILE]]\n"
        "             [--what-if POLICY [--downtime MS]]\n"
        "\n"
        "  KIND is compute (default with --to), storage (default with only\n"
        "  --datastore) or both. Durations take units (300ms, 1.5s), rates\n"
        "  too (200MiB/s, 10Gbit); a bare number is ms or MiB/s.\n"
        "  --measure 3s samples the guest's dirty rate before planning (or\n"
        "  migrating); the prediction then starts from it.\n"
        "  --demo (the default) uses the built-in demo datacenter; --sim "
        "FILE\n"
        "  loads one; -c FILE reads policies and defaults (default\n"
        "  ~/.config/ferry/ferry.ini). Exit: 0 done, 1 failed or aborted\n"
        "  (the source is intact), 2 bad input.\n",
        f);
}

static int
bad(const char *fmt, ...) FERRY_PRINTF(1, 2);

/* Report bad input and return the usage exit code. */
static int
bad(const char *fmt, ...)
{
    va_list ap;

    fputs("ferry: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

struct optdef {
    const char *name;
    bool has_arg;
    size_t off; /* offset of a const char * in struct cli, or of a bool */
};

#define OS(f) offsetof(struct cli, f)
static const struct optdef opts[] = {
    {"--demo", false, OS(demo)},
    {"--json", false, OS(json)},
    {"--no-log", false, OS(no_log)},
    {"--keep-source", false, OS(keep_source)},
    {"--accept-new", false, OS(accept_new)},
    {"--sim", true, OS(sim_file)},
    {"-c", true, OS(config)},
    {"--config", true, OS(config)},
    {"--to", true, OS(to)},
    {"--datastore", true, OS(datastore)},
    {"--kind", true, OS(kind)},
    {"--policy", true, OS(policy)},
    {"--downtime", true, OS(downtime)},
    {"--max-downtime", true, OS(max_downtime)},
    {"--bandwidth", true, OS(bandwidth)},
    {"--log", true, OS(log)},
    {"--max-time", true, OS(max_time)},
    {"--theme", true, OS(theme)},
    {"--measure", true, OS(measure)},
    {"--summary", false, OS(summary)},
    {"--export", true, OS(export)},
    {"--what-if", true, OS(what_if)},
    {"-o", true, OS(output)},
    {"--output", true, OS(output)},
};

static int
parse_args(struct cli *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        char name[64];
        const char *eq = strchr(a, '=');
        bool found = false;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(EXIT_OK);
        }
        if (strcmp(a, "--version") == 0) {
            printf("ferry %s\n", FERRY_VERSION_STRING);
            exit(EXIT_OK);
        }
        if (a[0] != '-') {
            if (c->cmd == NULL)
                c->cmd = a;
            else if (c->n_args < ARRAY_SIZE(c->args))
                c->args[c->n_args++] = a;
            else
                return bad("unexpected argument '%s'", a);
            continue;
        }
        snprintf(name, sizeof name, "%.*s",
                 (int)(eq && a[1] == '-' ? (size_t)(eq - a) : strlen(a)), a);
        if (strcmp(name, "--seed") == 0 || strcmp(name, "--time") == 0) {
            val = eq && a[1] == '-' ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (val == NULL)
                return bad("%s needs a value", name);
            if (strcmp(name, "--seed") == 0) {
                char *end;

                errno = 0;
                c->seed = strtoull(val, &end, 10);
                if (*val == '\0' || *end != '\0' || errno != 0)
                    return bad("--seed: '%s' is not a whole number", val);
                c->have_seed = true;
            } else if (strcmp(val, "real") == 0) {
                c->real_time = true;
            } else if (strcmp(val, "virtual") != 0) {
                return bad("--time: '%s' is not virtual or real", val);
            }
            continue;
        }
        if (strcmp(name, "--connect") == 0) {
            val = eq && a[1] == '-' ? eq + 1
                                    : (i + 1 < argc ? argv[++i] : NULL);
            if (val == NULL)
                return bad("--connect needs a libvirt URI");
            if (c->n_connect == ARRAY_SIZE(c->connect))
                return bad("--connect: at most %zu hosts",
                           ARRAY_SIZE(c->connect));
            c->connect[c->n_connect++] = val;
            continue;
        }
        for (size_t k = 0; k < ARRAY_SIZE(opts); k++) {
            if (strcmp(opts[k].name, name) != 0)
                continue;
            found = true;
            if (!opts[k].has_arg) {
                *(bool *)((char *)c + opts[k].off) = true;
                break;
            }
            val = eq && a[1] == '-' ? eq + 1
                                    : (i + 1 < argc ? argv[++i] : NULL);
            if (val == NULL)
                return bad("%s needs a value", name);
            *(const char **)((char *)c + opts[k].off) = val;
            break;
        }
        if (!found)
            return bad("unknown option '%s' (see ferry --help)", a);
    }
    return 0;
}

/* ferry.ini: [policy NAME] sections and [defaults]. */
static int
load_config(struct cli *c, struct ferry_err *err)
{
    char *path = NULL;
    struct ini_doc *doc;
    struct stat st;
    int rc = 0;

    if (c->config != NULL) {
        path = xstrdup(c->config);
    } else {
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

        if (xdg != NULL && xdg[0] == '/')
            path = xasprintf("%s/ferry/ferry.ini", xdg);
        else if (home != NULL)
            path = xasprintf("%s/.config/ferry/ferry.ini", home);
        if (path == NULL || stat(path, &st) != 0) {
            free(path);
            return 0;
        }
    }
    doc = ini_load_file(path, err);
    free(path);
    if (doc == NULL)
        return -1;
    c->config_found = true;
    for (size_t i = 0; i < doc->n && rc == 0; i++) {
        const struct ini_entry *e = &doc->v[i];

        if (ini_section_name(e->section, "policy") != NULL ||
            ini_section_name(e->section, "host") != NULL ||
            ini_section_name(e->section, "datastore") != NULL ||
            strcmp(e->section, "queue") == 0)
            continue;
        if (strcmp(e->section, "defaults") != 0) {
            rc = ini_error(doc, e, err,
                           "unknown section (expected [defaults], [queue], "
                           "[host NAME], [datastore NAME] or [policy "
                           "NAME])");
            break;
        }
        if (strcmp(e->key, "policy") == 0) {
            free((char *)c->default_policy);
            c->default_policy = xstrdup(e->value);
        } else if (strcmp(e->key, "downtime") == 0) {
            rc = ini_get_ms(doc, e, &c->default_downtime_ms, err);
        } else if (strcmp(e->key, "theme") == 0) {
            free(c->config_theme);
            c->config_theme = xstrdup(e->value);
        } else if (strcmp(e->key, "log_dir") == 0) {
            free(c->log_dir);
            c->log_dir = xstrdup(e->value);
        } else {
            rc = ini_error(doc, e, err, "unknown key");
        }
    }
    if (rc == 0)
        rc = policy_set_load(&c->policies, doc, err);
    if (rc == 0)
        rc = lv_cfg_load(&c->hosts, doc, err);
    if (rc == 0)
        rc = queue_cfg_load(&c->queue, doc, err);
    for (size_t i = 0; rc == 0 && i < c->hosts.n_hosts; i++)
        if (c->hosts.hosts[i].name && c->hosts.hosts[i].max_migrations)
            queue_cfg_host_slots(&c->queue, c->hosts.hosts[i].name,
                                 c->hosts.hosts[i].max_migrations);
    ini_free(doc);
    return rc;
}

static struct hv *
load_sim(struct cli *c, struct ferry_err *err)
{
    struct sim_dc *dc = c->sim_file ? sim_dc_load_file(c->sim_file, err)
                                    : sim_dc_demo(err);

    if (dc == NULL)
        return NULL;
    if (c->have_seed)
        sim_dc_set_seed(dc, c->seed);
    return hv_sim_new(dc, true);
}

static bool
use_libvirt(const struct cli *c)
{
    return !c->demo && c->sim_file == NULL &&
           (c->n_connect > 0 || c->hosts.n_hosts > 0);
}

/* A passphrase or password for an SSH host, asked on the terminal without
 * echo (a command line has no dialogs). Host keys are never asked here:
 * unknown ones are refused unless --accept-new. */
static int
ask_tty(void *opaque, const struct hv_prompt *p, char *ans, size_t n)
{
    FILE *tty = fopen("/dev/tty", "r+");
    struct termios old, quiet;
    bool echo = p->kind == HV_ASK_TEXT;
    int rc = -1;

    (void)opaque;
    if (tty == NULL || p->kind == HV_ASK_YESNO) {
        if (tty != NULL)
            fclose(tty);
        return -1;
    }
    fprintf(tty, "ferry: %s\n%s ", p->title, p->text);
    fflush(tty);
    if (!echo && tcgetattr(fileno(tty), &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    if (fgets(ans, (int)n, tty) != NULL) {
        ans[strcspn(ans, "\r\n")] = '\0';
        rc = 0;
    }
    if (!echo) {
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
        fputc('\n', tty);
    }
    fclose(tty);
    return rc;
}

/* The simulator (--demo, --sim, or nothing configured), or the hosts of
 * --connect (only those) or of ferry.ini. */
static struct hv *
load_hv(struct cli *c, bool console, struct ferry_err *err)
{
    struct hv *hv;

    if (!use_libvirt(c))
        return load_sim(c, err);
    if (c->n_connect > 0) {
        lv_cfg_clear_hosts(&c->hosts);
        for (size_t i = 0; i < c->n_connect; i++)
            if (lv_cfg_add_uri(&c->hosts, c->connect[i], err) < 0)
                return NULL;
    }
    {
        /* the console asks in its dialogs as hosts come up; a command
         * waits for SSH hosts and asks on the terminal */
        struct lv_open how = {
            .fail_if_none = !console,
            .wait = !console,
            .accept_new = c->accept_new,
            .can_prompt = console || isatty(STDIN_FILENO),
            .ask_hostkey = console,
            .ask = ask_tty,
        };

        hv = hv_libvirt_new(&c->hosts, c->loop, &how, err);
    }
    return hv;
}

/* Print an array (or object) for --json and free it. */
static int
json_finish(const struct cli *c, json_object *arr)
{
    if (c->json)
        puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE |
                                                     JSON_C_TO_STRING_SPACED));
    json_object_put(arr);
    return EXIT_OK;
}

static void
json_print(json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int
cmd_list(struct cli *c, struct hv *hv)
{
    const struct model *m = hv->model;
    const char *what = c->n_args > 0 ? c->args[0] : NULL;
    json_object *arr = json_object_new_array();
    char a[32], b[32], d[32];

    if (what == NULL || (strcmp(what, "hosts") != 0 &&
                         strcmp(what, "vms") != 0 &&
                         strcmp(what, "datastores") != 0 &&
                         strcmp(what, "ds") != 0)) {
        json_object_put(arr);
        return bad("list what? hosts, vms or datastores");
    }
    if (strcmp(what, "hosts") == 0) {
        if (!c->json)
            printf("%-8s %-34s %5s %10s %10s %4s\n", "NAME", "CPU", "CORES",
                   "MEM USED", "MEM TOTAL", "VMS");
        for (size_t i = 0; i < m->n_hosts; i++) {
            const struct model_host *h = &m->hosts[i];
            uint64_t used = model_host_mem_used(m, h->name);
            json_object *o = json_object_new_object();

            json_object_object_add(o, "name", json_object_new_string(h->name));
            json_object_object_add(o, "cpu_model",
                                   json_object_new_string(h->cpu_model));
            json_object_object_add(o, "cores", json_object_new_int(
                                                   (int)h->cores));
            json_object_object_add(o, "memory_bytes", json_object_new_int64(
                                                          (int64_t)h->memory_bytes));
            json_object_object_add(o, "memory_used_bytes",
                                   json_object_new_int64((int64_t)used));
            json_object_object_add(o, "vms", json_object_new_int(
                                                 (int)model_host_vm_count(m, h->name)));
            json_object_object_add(o, "up", json_object_new_boolean(h->up));
            if (h->uri != NULL)
                json_object_object_add(o, "uri", json_object_new_string(h->uri));
            if (h->versions != NULL)
                json_object_object_add(o, "versions",
                                       json_object_new_string(h->versions));
            if (h->state_note != NULL)
                json_object_object_add(o, "problem",
                                       json_object_new_string(h->state_note));
            if (h->ssh != NULL)
                json_object_object_add(o, "ssh",
                                       json_object_new_string(h->ssh));
            if (h->probe != NULL)
                json_object_object_add(o, "probe",
                                       json_object_new_string(h->probe));
            json_object_array_add(arr, o);
            if (!c->json && h->uri == NULL)
                printf("%-8s %-34.34s %5u %10s %10s %4u\n", h->name,
                       h->cpu_model, h->cores,
                       units_fmt_bytes(a, sizeof a, used),
                       units_fmt_bytes(b, sizeof b, h->memory_bytes),
                       model_host_vm_count(m, h->name));
            else if (!c->json)
                printf("%-8s %-34.34s %5u %10s %10s %4u  %s %s\n", h->name,
                       h->cpu_model, h->cores,
                       units_fmt_bytes(a, sizeof a, used),
                       units_fmt_bytes(b, sizeof b, h->memory_bytes),
                       model_host_vm_count(m, h->name),
                       h->up ? "up" : "LOST", h->uri);
            if (!c->json && h->ssh != NULL)
                printf("         ssh %s\n", h->ssh);
            if (!c->json && h->probe != NULL)
                printf("         %s\n", h->probe);
        }
    } else if (strcmp(what, "vms") == 0) {
        if (!c->json)
            printf("%-11s %-6s %-9s %5s %9s %-9s %s\n", "NAME", "HOST",
                   "STATE", "VCPUS", "MEMORY", "WORKLOAD", "DATASTORES");
        for (size_t i = 0; i < m->n_vms; i++) {
            const struct model_vm *v = &m->vms[i];
            uint64_t dirty = 0;
            const char *wl = hv->ops->workload
                                 ? hv->ops->workload(hv, v->name, &dirty)
                                 : NULL;
            json_object *o = json_object_new_object(),
                        *ds = json_object_new_array();
            const char *names[16];
            size_t nds = model_vm_datastores(v, names, ARRAY_SIZE(names));
            char dss[128];

            for (size_t k = 0; k < nds; k++)
                json_object_array_add(ds, json_object_new_string(names[k]));
            model_vm_datastores_str(v, dss, sizeof dss);
            json_object_object_add(o, "name", json_object_new_string(v->name));
            json_object_object_add(o, "host", json_object_new_string(v->host));
            json_object_object_add(o, "state", json_object_new_string(
                                                   vm_state_name(v->state)));
            json_object_object_add(o, "vcpus", json_object_new_int(
                                                   (int)v->vcpus));
            json_object_object_add(o, "memory_bytes", json_object_new_int64(
                                                          (int64_t)v->memory_bytes));
            json_object_object_add(o, "datastores", ds);
            if (wl != NULL) {
                json_object_object_add(o, "workload",
                                       json_object_new_string(wl));
                json_object_object_add(o, "dirty_bps",
                                       json_object_new_int64((int64_t)dirty));
            }
            json_object_array_add(arr, o);
            if (!c->json)
                printf("%-11s %-6s %-9s %5u %9s %-9s %s\n", v->name, v->host,
                       vm_state_name(v->state), v->vcpus,
                       units_fmt_bytes(a, sizeof a, v->memory_bytes),
                       wl ? wl : "-", dss);
        }
    } else {
        if (!c->json)
            printf("%-10s %-6s %10s %10s %10s %-6s %s\n", "NAME", "TYPE",
                   "CAPACITY", "USED", "FREE", "SHARED", "HOSTS");
        for (size_t i = 0; i < m->n_datastores; i++) {
            const struct model_datastore *s = &m->datastores[i];
            uint64_t free_b = s->capacity_bytes - MIN(s->used_bytes,
                                                      s->capacity_bytes);
            json_object *o = json_object_new_object(),
                        *hs = json_object_new_array();
            char hosts[128] = "";
            size_t off = 0;

            for (size_t k = 0; k < s->n_hosts; k++) {
                json_object_array_add(hs, json_object_new_string(s->hosts[k]));
                if (off < sizeof hosts)
                    off += (size_t)snprintf(hosts + off, sizeof hosts - off,
                                            "%s%s", k ? "," : "",
                                            s->hosts[k]);
            }
            json_object_object_add(o, "name", json_object_new_string(s->name));
            json_object_object_add(o, "type", json_object_new_string(s->type));
            json_object_object_add(o, "capacity_bytes", json_object_new_int64(
                                                            (int64_t)s->capacity_bytes));
            json_object_object_add(o, "used_bytes", json_object_new_int64(
                                                        (int64_t)s->used_bytes));
            json_object_object_add(o, "free_bytes",
                                   json_object_new_int64((int64_t)free_b));
            json_object_object_add(o, "shared",
                                   json_object_new_boolean(s->shared));
            json_object_object_add(o, "hosts", hs);
            json_object_array_add(arr, o);
            if (!c->json)
                printf("%-10s %-6s %10s %10s %10s %-6s %s\n", s->name,
                       s->type,
                       units_fmt_bytes(a, sizeof a, s->capacity_bytes),
                       units_fmt_bytes(b, sizeof b, s->used_bytes),
                       units_fmt_bytes(d, sizeof d, free_b),
                       s->shared ? "shared" : "local", hosts);
        }
    }
    return json_finish(c, arr);
}

static int
cmd_policies(struct cli *c)
{
    json_object *arr = json_object_new_array();
    char sum[200];

    for (size_t i = 0; i < c->policies.n; i++) {
        const struct policy *p = &c->policies.v[i];
        json_object *o = json_object_new_object();

        policy_summary(p, sum, sizeof sum);
        json_object_object_add(o, "name", json_object_new_string(p->name));
        json_object_object_add(o, "summary", json_object_new_string(sum));
        json_object_object_add(o, "description",
                               json_object_new_string(p->description));
        json_object_object_add(o, "source", json_object_new_string(p->source));
        json_object_array_add(arr, o);
        if (!c->json)
            printf("%-24s %s\n%-24s %s\n\n", p->name, p->description, "",
                   sum);
    }
    return json_finish(c, arr);
}

/* Turn the command line into runner options; EXIT_USAGE on bad input. */
static int
request_opts(struct cli *c, struct hv *hv, struct runner_opts *o)
{
    struct ferry_err err;
    const struct model *m = hv->model;
    uint64_t v;

    memset(o, 0, sizeof *o);
    if (c->n_args < 1)
        return bad("%s: which VM? (ferry %s VM --to HOST)", c->cmd, c->cmd);
    o->vm = c->args[0];
    if (model_vm(m, o->vm) == NULL)
        return bad("no VM named '%s' (ferry list vms)", o->vm);
    o->to = c->to;
    o->datastore = c->datastore;
    if (c->to != NULL && model_host(m, c->to) == NULL)
        return bad("--to: no host named '%s' (ferry list hosts)", c->to);
    if (c->datastore != NULL && model_ds(m, c->datastore) == NULL)
        return bad("--datastore: no datastore named '%s' (ferry list "
                   "datastores)",
                   c->datastore);
    if (c->kind != NULL) {
        if (job_kind_lookup(c->kind, &o->kind) < 0)
            return bad("--kind: '%s' is not compute, storage or both",
                       c->kind);
    } else {
        o->kind = c->to == NULL && c->datastore != NULL ? KIND_STORAGE
                  : c->datastore != NULL                ? KIND_BOTH
                                                        : KIND_COMPUTE;
    }
    if (o->kind != KIND_STORAGE && c->to == NULL)
        return bad("%s: a %s migration needs --to HOST", c->cmd,
                   job_kind_name(o->kind));
    if (o->kind != KIND_COMPUTE && c->datastore == NULL)
        return bad("%s: a %s migration needs --datastore DS", c->cmd,
                   job_kind_name(o->kind));
    {
        const char *pname = c->policy ? c->policy
                            : c->default_policy ? c->default_policy
                                                : "ferry";

        o->policy = policy_find(&c->policies, pname);
        if (o->policy == NULL) {
            char names[512] = "";
            size_t off = 0;

            for (size_t i = 0; i < c->policies.n && off < sizeof names; i++)
                off += (size_t)snprintf(names + off, sizeof names - off,
                                        "%s%s", i ? ", " : "",
                                        c->policies.v[i].name);
            return bad("--policy: no policy named '%s' (%s)", pname, names);
        }
    }
    o->budget_ms = c->default_downtime_ms ? c->default_downtime_ms : 300;
    if (c->downtime != NULL) {
        if (units_parse_ms(c->downtime, &v, &err) < 0)
            return bad("--downtime: %s", err.msg);
        if (v == 0)
            return bad("--downtime: the budget must be above 0 ms");
        o->budget_ms = v;
    }
    o->ceiling_ms = o->budget_ms;
    if (c->max_downtime != NULL) {
        if (units_parse_ms(c->max_downtime, &v, &err) < 0)
            return bad("--max-downtime: %s", err.msg);
        if (v < o->budget_ms)
            return bad("--max-downtime: %llu ms is below the %llu ms budget",
                       (unsigned long long)v,
                       (unsigned long long)o->budget_ms);
        o->ceiling_ms = v;
    }
    if (c->bandwidth != NULL) {
        if (units_parse_rate(c->bandwidth, &v, &err) < 0)
            return bad("--bandwidth: %s", err.msg);
        if (v < 1024 * 1024)
            return bad("--bandwidth: %s is below 1 MiB/s", c->bandwidth);
        o->bw_cap_bps = v;
    }
    o->max_time_ms = c->real_time || hv->ops->realtime ? 0 : 10 * 60 * 1000;
    o->keep_source = c->keep_source;
    free(c->hints_dir);
    c->hints_dir = c->log_dir ? xstrdup(c->log_dir) : flog_default_dir();
    o->hints_dir = c->hints_dir;
    if (c->max_time != NULL) {
        if (units_parse_ms(c->max_time, &v, &err) < 0)
            return bad("--max-time: %s", err.msg);
        o->max_time_ms = v;
    }
    return 0;
}

static void
print_checks(const struct check_result *r, size_t n)
{
    static const char *const tag[] = {"  ok  ", " warn ", "ERROR "};

    for (size_t i = 0; i < n; i++)
        printf("  [%s] %-16s %s\n", tag[r[i].status], r[i].name,
               r[i].message);
}

static void
print_prediction(const struct prediction *p, uint64_t budget_ms)
{
    char a[32], b[32], d[32];

    if (p->converges)
        printf("  converges in %u round%s: total %s, downtime %s (budget "
               "%llu ms), %s to send\n",
               p->rounds, p->rounds == 1 ? "" : "s",
               units_fmt_ms(a, sizeof a, p->total_ms),
               units_fmt_ms(b, sizeof b, p->downtime_ms),
               (unsigned long long)budget_ms,
               units_fmt_bytes(d, sizeof d, (uint64_t)p->bytes));
    else
        printf("  does NOT converge within the %llu ms budget: the copy "
               "stalls near %s (downtime %s);\n  post-copy would finish in "
               "about %s\n",
               (unsigned long long)budget_ms,
               units_fmt_bytes(a, sizeof a, (uint64_t)p->stall_bytes),
               units_fmt_ms(b, sizeof b, p->stall_downtime_ms),
               units_fmt_ms(d, sizeof d, p->postcopy_ms));
}

static size_t
run_checks(struct hv *hv, const struct runner_opts *o,
           struct check_result *r)
{
    struct mig_request req = {
        .vm = o->vm,
        .dst_host = o->to,
        .dst_ds = o->datastore,
        .kind = o->kind,
    };

    return runner_checks(hv, &req, NULL, 0, r, CHECKS_MAX);
}

/* --measure: the guest's dirty rate before the plan, on the event loop. */
static int
measure(struct cli *c, struct hv *hv, const char *vm)
{
    struct ferry_err err;
    uint64_t ms, bps = 0;
    char a[32];
    int r;

    if (c->measure == NULL)
        return 0;
    if (units_parse_ms(c->measure, &ms, &err) < 0)
        return bad("--measure: %s", err.msg);
    if (ms < 1000 || ms > 60000)
        return bad("--measure: between 1s and 60s, not %s", c->measure);
    if (hv->ops->measure_start == NULL)
        return bad("--measure: the %s backend cannot measure", hv->ops->name);
    if (hv->ops->measure_start(hv, vm, (unsigned)(ms / 1000), &err) < 0) {
        fprintf(stderr, "ferry: %s\n", err.msg);
        return EXIT_FAILED;
    }
    while ((r = hv->ops->measure_poll(hv, vm, &bps, &err)) == 0 &&
           !interrupted)
        loop_run_once(c->loop, 200);
    if (r < 0 || interrupted) {
        fprintf(stderr, "ferry: %s\n",
                r < 0 ? err.msg : "interrupted while measuring");
        return EXIT_FAILED;
    }
    c->measured_bps = bps;
    if (!c->json)
        printf("%s: measured dirty rate %s (page sampling, %llu s)\n", vm,
               bps ? units_fmt_rate(a, sizeof a, (double)bps)
                   : "under 1 MiB/s",
               (unsigned long long)(ms / 1000));
    return 0;
}

static int
cmd_plan(struct cli *c, struct hv *hv)
{
    struct runner_opts o;
    struct check_result r[CHECKS_MAX];
    struct job_params jp;
    struct prediction p;
    struct ferry_err err;
    size_t n;
    int rc = request_opts(c, hv, &o);

    if (rc != 0)
        return rc;
    if ((rc = measure(c, hv, o.vm)) != 0)
        return rc;
    n = run_checks(hv, &o, r);
    if (runner_plan(hv, &o, &jp, &p, &err) < 0)
        return bad("%s", err.msg);
    if (c->json) {
        json_object *obj = json_object_new_object();

        json_object_object_add(obj, "checks", flog_checks_json(r, n));
        json_object_object_add(obj, "prediction", flog_prediction_json(&p));
        json_object_object_add(obj, "policy",
                               json_object_new_string(o.policy->name));
        json_object_object_add(obj, "budget_ms",
                               json_object_new_int64((int64_t)o.budget_ms));
        if (c->measure != NULL)
            json_object_object_add(
                obj, "measured_dirty_bps",
                json_object_new_int64((int64_t)c->measured_bps));
        puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
        json_object_put(obj);
    } else {
        printf("%s: %s %s -> %s%s%s, policy %s\n", o.vm,
               job_kind_name(o.kind), model_vm(hv->model, o.vm)->host,
               o.to ? o.to : model_vm(hv->model, o.vm)->host,
               o.datastore ? " datastore " : "",
               o.datastore ? o.datastore : "", o.policy->name);
        printf("pre-flight checks:\n");
        print_checks(r, n);
        printf("prediction:\n");
        print_prediction(&p, o.budget_ms);
    }
    return checks_worst(r, n) == CHECK_ERROR ? EXIT_FAILED : EXIT_OK;
}

struct migrate_ctx {
    struct cli *c;
    bool tty;
    bool line_shown;
};

static void
clear_line(struct migrate_ctx *mc)
{
    if (mc->line_shown) {
        fputs("\r\033[K", stdout);
        mc->line_shown = false;
    }
}

static void
on_event(void *ctx, json_object *obj)
{
    struct migrate_ctx *mc = ctx;
    const char *type =
        json_object_get_string(json_object_object_get(obj, "type"));
    char a[32];

    if (mc->c->json) {
        if (strcmp(type, "header") != 0)
            json_print(obj);
        return;
    }
    if (strcmp(type, "decision") == 0) {
        clear_line(mc);
        printf("  %8s  %-10s %s\n",
               units_fmt_ms(a, sizeof a,
                            (double)json_object_get_int64(
                                json_object_object_get(obj, "t_ms"))),
               json_object_get_string(json_object_object_get(obj, "action")),
               json_object_get_string(json_object_object_get(obj, "reason")));
    } else if (strcmp(type, "phase") == 0 && !mc->tty) {
        printf("  %8s  phase      %s\n",
               units_fmt_ms(a, sizeof a,
                            (double)json_object_get_int64(
                                json_object_object_get(obj, "t_ms"))),
               json_object_get_string(json_object_object_get(obj, "to")));
    } else if (strcmp(type, "error") == 0) {
        clear_line(mc);
        printf("  error: %s\n",
               json_object_get_string(json_object_object_get(obj, "message")));
    }
}

/* One status line, redrawn in place on a terminal. */
static void
progress_line(struct migrate_ctx *mc, const struct runner *r)
{
    const struct job_sample *s = runner_sample(r);
    const struct engine_job *j = runner_job(r);
    const struct prediction *p = engine_prediction(j);
    const struct estimate *e = engine_estimate(j);
    double total = (double)sample_get(s, SF_DATA_TOTAL, 1);
    double rem = (double)sample_get(s, SF_DATA_REMAINING, 0);
    char t[32], l[32], d[32], b[32], dt[32];

    printf("\r\033[K  %8s  %-10s r%-3llu %3.0f%%  left %s  dirty %s  bw %s  "
           "downtime~%s",
           units_fmt_ms(t, sizeof t, (double)runner_time_ms(r)),
           job_phase_name(engine_phase(j)),
           (unsigned long long)sample_get(
               s,
               engine_params(j)->kind == KIND_STORAGE ? SF_DISK_ITERATION
                                                      : SF_MEMORY_ITERATION,
               0),
           total > 0 ? 100.0 * (1 - rem / total) : 0,
           units_fmt_bytes(l, sizeof l, (uint64_t)rem),
           e->dirty_known ? units_fmt_rate(d, sizeof d, e->unique_bps) : "?",
           units_fmt_rate(b, sizeof b, e->bw_bps),
           isfinite(p->downtime_now_ms)
               ? units_fmt_ms(dt, sizeof dt, p->downtime_now_ms)
               : "?");
    fflush(stdout);
    mc->line_shown = true;
}

static char *
default_log_path(struct cli *c, const char *vm)
{
    char *dir = c->log_dir ? xstrdup(c->log_dir) : flog_default_dir();
    char stamp[32], *path;
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    path = xasprintf("%s/%s-%s-%d.jsonl", dir, stamp, vm, (int)getpid());
    free(dir);
    return path;
}

static int
cmd_migrate(struct cli *c, struct hv *hv)
{
    struct runner_opts o;
    struct check_result r[CHECKS_MAX];
    struct migrate_ctx mc = {.c = c, .tty = isatty(STDOUT_FILENO) && !c->json};
    struct ferry_err err;
    struct runner *run;
    const struct runner_result *res;
    char *log_path = NULL;
    size_t n;
    int rc = request_opts(c, hv, &o);
    struct timespec last = {0};
    char a[32], b[32], d[32], e[32];

    if (rc != 0)
        return rc;
    if ((rc = measure(c, hv, o.vm)) != 0)
        return rc;
    n = run_checks(hv, &o, r);
    if (checks_worst(r, n) == CHECK_ERROR) {
        if (c->json) {
            json_object *obj = json_object_new_object();

            json_object_object_add(obj, "type",
                                   json_object_new_string("result"));
            json_object_object_add(obj, "outcome",
                                   json_object_new_string("failed"));
            for (size_t i = 0; i < n; i++)
                if (r[i].status == CHECK_ERROR) {
                    json_object_object_add(
                        obj, "reason", json_object_new_string(r[i].message));
                    break;
                }
            json_object_object_add(obj, "checks", flog_checks_json(r, n));
            json_print(obj);
            json_object_put(obj);
        } else {
            fprintf(stderr, "ferry: %s cannot migrate; nothing was "
                            "changed:\n", o.vm);
            for (size_t i = 0; i < n; i++)
                if (r[i].status == CHECK_ERROR)
                    fprintf(stderr, "  %s: %s\n", r[i].name, r[i].message);
        }
        return EXIT_FAILED;
    }
    if (!c->no_log)
        log_path = c->log ? xstrdup(c->log) : default_log_path(c, o.vm);
    o.log_path = log_path;
    o.on_event = on_event;
    o.ctx = &mc;
    if (!c->json) {
        printf("%s: %s %s -> %s%s%s, policy %s, budget %llu ms\n", o.vm,
               job_kind_name(o.kind), model_vm(hv->model, o.vm)->host,
               o.to ? o.to : model_vm(hv->model, o.vm)->host,
               o.datastore ? " datastore " : "",
               o.datastore ? o.datastore : "", o.policy->name,
               (unsigned long long)o.budget_ms);
        for (size_t i = 0; i < n; i++)
            if (r[i].status == CHECK_WARN)
                printf("  warning: %s\n", r[i].message);
    }
    run = runner_new(hv, &o, r, n, &err);
    if (run == NULL) {
        free(log_path);
        return bad("%s", err.msg);
    }
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    for (;;) {
        bool more;

        if (interrupted == 1) {
            interrupted = 2;
            if (!runner_request(run, ACT_ABORT, 0, &err)) {
                clear_line(&mc);
                fprintf(stderr, "ferry: cannot abort: %s\n", err.msg);
            }
        }
        more = runner_step(run);
        if (more && (c->real_time || hv->ops->realtime)) {
            /* wall-clock pacing; libvirt's events run meanwhile */
            uint64_t until = loop_now_ms() + runner_sample_ms(run);

            while (loop_now_ms() < until && interrupted != 1)
                loop_run_once(c->loop, (int)(until - loop_now_ms()));
        }
        if (mc.tty && more) {
            struct timespec now;

            clock_gettime(CLOCK_MONOTONIC, &now);
            if ((now.tv_sec - last.tv_sec) * 1000 +
                    (now.tv_nsec - last.tv_nsec) / 1000000 >=
                100) {
                progress_line(&mc, run);
                last = now;
            }
        }
        if (!more)
            break;
    }
    clear_line(&mc);
    res = runner_result(run);
    if (!c->json) {
        if (res->phase == PH_DONE)
            printf("completed in %s: downtime %s (budget %llu ms, predicted "
                   "total %s), %llu rounds, %s sent%s\n",
                   units_fmt_ms(a, sizeof a, (double)res->total_ms),
                   units_fmt_ms(b, sizeof b, (double)res->downtime_ms),
                   (unsigned long long)engine_budget_ms(runner_job(run)),
                   isfinite(runner_expected_total_ms(&res->predicted,
                                                     o.policy))
                       ? units_fmt_ms(d, sizeof d,
                                      runner_expected_total_ms(
                                          &res->predicted, o.policy))
                       : "never",
                   (unsigned long long)res->rounds,
                   units_fmt_bytes(e, sizeof e, res->bytes_sent),
                   res->verified ? ", destination verified" : "");
        else
            printf("%s after %s: %s\n",
                   res->phase == PH_FAILED ? "FAILED" : "CANCELLED",
                   units_fmt_ms(a, sizeof a, (double)res->total_ms),
                   res->reason);
        if (log_path != NULL)
            printf("flight log: %s\n", log_path);
    }
    rc = res->phase == PH_DONE ? EXIT_OK : EXIT_FAILED;
    runner_free(run);
    free(log_path);
    return rc;
}

int console_run(const struct console_opts *o, const char *theme_name,
                char *warn, size_t warn_n, struct loop *loop);
int replay_run(struct flog_data *d, const struct replay_opts *o,
               const char *theme_name, struct loop *loop);

/* The what-if of `replay --what-if`: the log's own policy by its recorded
 * definition, any other from the configured ones. */
static int
cli_whatif(struct cli *c, const struct flog_data *d, uint64_t budget_ms)
{
    struct ferry_err err;
    struct policy *own;
    const struct policy *pol;
    struct whatif w;
    char *text;

    pol = whatif_policy(d, &c->policies, c->what_if, &own, &err);
    if (pol == NULL)
        return bad("--what-if: %s", err.msg);
    if (whatif_run(d, pol, budget_ms, &w, &err) < 0) {
        whatif_policy_free(own);
        fprintf(stderr, "ferry: what-if: %s\n", err.msg);
        return EXIT_FAILED;
    }
    text = whatif_compare(d, &w);
    fputs(text, stdout);
    free(text);
    whatif_fini(&w);
    whatif_policy_free(own);
    return EXIT_OK;
}

/* ferry replay FILE: the console on a flight log, or its summary, CSV or
 * a what-if without one. */
static int
cmd_replay(struct cli *c)
{
    struct ferry_err err;
    struct flog_data *d;
    uint64_t budget = 0;
    int rc = EXIT_OK;

    if (c->n_args != 1)
        return bad("replay needs one flight log: ferry replay FILE "
                   "[--summary] [--export csv] [--what-if POLICY]");
    if (c->export != NULL && strcmp(c->export, "csv") != 0)
        return bad("--export: '%s' is not a format ferry writes (csv)",
                   c->export);
    if (c->output != NULL && c->export == NULL)
        return bad("-o goes with --export csv");
    if (c->downtime != NULL && units_parse_ms(c->downtime, &budget, &err) < 0)
        return bad("--downtime: %s", err.msg);
    if (c->downtime != NULL && c->what_if == NULL)
        return bad("--downtime goes with --what-if POLICY");
    d = flog_load(c->args[0], &err);
    if (d == NULL)
        return bad("%s", err.msg);
    if (c->export == NULL && !c->summary && c->what_if == NULL) {
        struct replay_opts ro = {.policies = &c->policies,
                                 .whatif_budget_ms = budget,
                                 .loop = c->loop};

        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
            flog_data_free(d);
            return bad("the replay needs a terminal; for scripts use "
                       "--summary, --export csv or --what-if POLICY");
        }
        return replay_run(d, &ro, c->theme ? c->theme : c->config_theme,
                          c->loop);
    }
    if (!c->summary)
        for (size_t i = 0; i < MIN(d->n_problems, FLOG_PROBLEMS_KEPT); i++)
            fprintf(stderr, "ferry: %s:%zu: %s\n", d->path,
                    d->problems[i].line, d->problems[i].message);
    if (c->export != NULL) {
        FILE *out = c->output ? fopen(c->output, "w") : stdout;

        if (out == NULL) {
            fprintf(stderr, "ferry: %s: cannot write: %s\n", c->output,
                    strerror(errno));
            rc = EXIT_FAILED;
        } else {
            if (flog_export_csv(d, out, &err) < 0) {
                fprintf(stderr, "ferry: %s\n", err.msg);
                rc = EXIT_FAILED;
            }
            if (out != stdout && fclose(out) != 0) {
                fprintf(stderr, "ferry: %s: %s\n", c->output,
                        strerror(errno));
                rc = EXIT_FAILED;
            }
        }
    }
    if (c->summary) {
        char *text = flog_summary(d);

        fputs(text, stdout);
        free(text);
    }
    if (c->what_if != NULL && rc == EXIT_OK) {
        if (c->summary)
            putchar('\n');
        rc = cli_whatif(c, d, budget);
    }
    flog_data_free(d);
    return rc;
}

/* No command: the console, on the configured hosts, or the demo
 * datacenter when there are none (or --demo / --sim says so). */
static int
run_console(struct cli *c)
{
    struct console_opts o = {0};
    struct ferry_err err;
    struct hv *hv;
    char label[300], warn[512] = "";
    int rc;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return bad("the console needs a terminal; for scripts use a "
                   "command (ferry --help)");
    hv = load_hv(c, true, &err);
    if (hv == NULL)
        return bad("%s", err.msg);
    if (use_libvirt(c))
        snprintf(label, sizeof label, "libvirt: %zu host%s",
                 hv->model->n_hosts, hv->model->n_hosts == 1 ? "" : "s");
    else if (c->sim_file != NULL)
        snprintf(label, sizeof label, "simulated: %s", c->sim_file);
    else if (c->demo)
        snprintf(label, sizeof label, "demo datacenter");
    else
        snprintf(label, sizeof label, "demo datacenter (no hosts "
                                      "configured)");
    o.hv = hv;
    o.queue = &c->queue;
    o.policies = &c->policies;
    o.source_label = label;
    o.log_dir = c->log_dir;
    o.default_budget_ms = c->default_downtime_ms;
    o.default_policy = c->default_policy;
    o.no_log = c->no_log;
    rc = console_run(&o, c->theme ? c->theme : c->config_theme, warn,
                     sizeof warn, c->loop);
    hv_free(hv);
    return rc;
}

int
cli_main(int argc, char **argv)
{
    struct cli c;
    struct ferry_err err;
    struct hv *hv = NULL;
    int rc;

    memset(&c, 0, sizeof c);
    /* a host that goes away mid-write is an error to report, not death */
    signal(SIGPIPE, SIG_IGN);
    policy_set_init(&c.policies);
    queue_cfg_default(&c.queue);
    c.loop = loop_new();
    if (c.loop == NULL)
        fatal("cannot create the event loop");
    rc = parse_args(&c, argc, argv);
    if (rc != 0)
        goto out;
    if (policy_set_builtin(&c.policies, &err) < 0)
        fatal("%s", err.msg);
    if (load_config(&c, &err) < 0) {
        rc = bad("%s", err.msg);
        goto out;
    }
    if (c.cmd == NULL) {
        rc = run_console(&c);
        goto out;
    }
    if (strcmp(c.cmd, "policies") == 0) {
        rc = cmd_policies(&c);
        goto out;
    }
    if (strcmp(c.cmd, "replay") == 0) {
        rc = cmd_replay(&c);
        goto out;
    }
    if (strcmp(c.cmd, "list") != 0 && strcmp(c.cmd, "plan") != 0 &&
        strcmp(c.cmd, "migrate") != 0) {
        rc = bad("unknown command '%s' (list, plan, migrate, replay, "
                 "policies)", c.cmd);
        goto out;
    }
    hv = load_hv(&c, false, &err);
    if (hv == NULL) {
        rc = bad("%s", err.msg);
        goto out;
    }
    if (strcmp(c.cmd, "list") == 0)
        rc = cmd_list(&c, hv);
    else if (strcmp(c.cmd, "plan") == 0)
        rc = cmd_plan(&c, hv);
    else
        rc = cmd_migrate(&c, hv);
out:
    hv_free(hv);
    loop_free(c.loop);
    lv_cfg_fini(&c.hosts);
    policy_set_fini(&c.policies);
    free(c.log_dir);
    free(c.hints_dir);
    free((char *)c.default_policy);
    free(c.config_theme);
    return rc;
}
