/* The command line: list, plan, migrate (the contract in DESIGN.md). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include "ferry/client.h"
#include "ferry/console.h"
#include "ferry/evacview.h"
#include "ferry/flightlog.h"
#include "ferry/jsonf.h"
#include "ferry/proto.h"
#include "ferry/server.h"
#include "ferry/srvpath.h"
#include "ferry/wire.h"
#include "ferry/hv_libvirt.h"
#include "ferry/ini.h"
#include "ferry/loop.h"
#include "ferry/policy.h"
#include "ferry/queue.h"
#include "ferry/runner.h"
#include "ferry/sim.h"
#include "ferry/table.h"
#include "ferry/units.h"
#include "ferry/whatif.h"
#include "../ui/replay.h"
#include "cli_evac.h"
#include "console_main.h"

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

struct cli {
    const char *cmd;
    const char *args[4];
    size_t n_args;
    bool demo, json, real_time, no_log, have_seed, keep_source, summary;
    bool accept_new, detach, dry_run, include_shutoff, allow_storage;
    bool abort_it;
    char *auto_to; /* the host --to auto picked */
    const char **connect;
    size_t n_connect, cap_connect;
    const char *ready_fd; /* server: where to say it listens */
    char *config_path;    /* the ferry.ini read, or NULL */
    uint64_t linger_ms;   /* [server] linger: idle this long, it exits */
    const struct policy_set *pset; /* the server's, once connected */
    struct client *cl;    /* the connection to the server */
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
    struct loop *loop; /* the one poll loop (console, libvirt events) */
};

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
    (void)sig;
    if (interrupted < 100)
        interrupted++; /* the second ^C counts too */
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
        "  ferry migrate ... --detach   queue it in the server, print its "
        "job\n"
        "  ferry evacuate HOST [--to HOST,...] [--policy NAME] [--downtime "
        "MS]\n"
        "             [--include-shutoff] [--allow-storage] [--dry-run] "
        "[--json]\n"
        "             [--detach] | --abort   empty a host for maintenance\n"
        "  ferry maintenance [HOST [on|off]]   hosts that take no new VMs\n"
        "  --to auto (migrate, plan) picks the best host and says why\n"
        "  ferry jobs [--json] | watch JOB [--json] | abort JOB\n"
        "  ferry take-over JOB [--policy NAME] [--downtime MS]   steer a\n"
        "             migration ferry did not start (external)\n"
        "  ferry attach | server | kill-server\n"
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
        "  --measure 3s samples the guest's dirty rate (and, on libvirt,\n"
        "  reads pages for its share of zero pages) before planning (or\n"
        "  migrating); the prediction then starts from it.\n"
        "  --demo (the default) uses the built-in demo datacenter; --sim "
        "FILE\n"
        "  loads one; -c FILE reads policies and defaults (default\n"
        "  ~/.config/ferry/ferry.ini). Migrations run in a server per\n"
        "  configuration that ferry starts; the console and the commands\n"
        "  attach to it and may detach (a job goes on). JOB: a number from\n"
        "  ferry jobs, or a VM. Exit: 0 done, 1 failed or aborted (the\n"
        "  source is intact), 2 bad input, 3 detached (the job goes on).\n",
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
    {"--detach", false, OS(detach)},
    {"--dry-run", false, OS(dry_run)},
    {"--include-shutoff", false, OS(include_shutoff)},
    {"--allow-storage", false, OS(allow_storage)},
    {"--abort", false, OS(abort_it)},
    {"--ready-fd", true, OS(ready_fd)},
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

/* parse_args with the option's name (before any '=') in *name, which the
 * caller frees. */
static int
parse_args_in(struct cli *c, int argc, char **argv, char **name_p)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        char *name;
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
        free(*name_p);
        name = *name_p =
            xstrndup(a, eq && a[1] == '-' ? (size_t)(eq - a) : strlen(a));
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
            c->connect = xgrow(c->connect, &c->cap_connect,
                               c->n_connect + 1, sizeof *c->connect);
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

static int
parse_args(struct cli *c, int argc, char **argv)
{
    char *name = NULL;
    int rc = parse_args_in(c, argc, argv, &name);

    free(name);
    return rc;
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
    free(c->config_path);
    c->config_path = path;
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
        if (strcmp(e->section, "server") == 0) {
            if (strcmp(e->key, "linger") == 0)
                rc = ini_get_ms(doc, e, &c->linger_ms, err);
            else
                rc = ini_error(doc, e, err, "unknown key (linger)");
            continue;
        }
        if (strcmp(e->section, "defaults") != 0) {
            rc = ini_error(doc, e, err,
                           "unknown section (expected [defaults], [server], "
                           "[queue], [host NAME], [datastore NAME] or "
                           "[policy NAME])");
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
static char *
ask_tty(const struct hv_prompt *p)
{
    FILE *tty = fopen("/dev/tty", "r+");
    struct termios old, quiet;
    bool echo = p->kind == HV_ASK_TEXT;
    char *ans = NULL;
    size_t cap = 0;
    ssize_t len;

    if (tty == NULL || p->kind == HV_ASK_YESNO) {
        if (tty != NULL)
            fclose(tty);
        return NULL;
    }
    fprintf(tty, "ferry: %s\n%s ", p->title, p->text);
    fflush(tty);
    if (!echo && tcgetattr(fileno(tty), &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    /* a passphrase as long as it is; getline's buffer is wiped by the
     * caller (ask_free) */
    if ((len = getline(&ans, &cap, tty)) >= 0) {
        ans[strcspn(ans, "\r\n")] = '\0';
    } else if (ans != NULL) {
        explicit_bzero(ans, cap);
        free(ans);
        ans = NULL;
    }
    if (!echo) {
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
        fputc('\n', tty);
    }
    fclose(tty);
    return ans;
}

/* The simulator (--demo, --sim, or nothing configured), or the hosts of
 * --connect (only those) or of ferry.ini, as the server opens them: SSH
 * hosts come up on the loop, their questions wait for someone to answer
 * (a console, or a command that waits for the hosts). */
static struct hv *
load_hv(struct cli *c, struct ferry_err *err)
{
    struct lv_open how = {
        .fail_if_none = false,
        .wait = false,
        .accept_new = false,
        .can_prompt = true,
        .ask_hostkey = true,
    };

    if (!use_libvirt(c))
        return load_sim(c, err);
    if (c->n_connect > 0) {
        lv_cfg_clear_hosts(&c->hosts);
        for (size_t i = 0; i < c->n_connect; i++)
            if (lv_cfg_add_uri(&c->hosts, c->connect[i], err) < 0)
                return NULL;
    }
    return hv_libvirt_new(&c->hosts, c->loop, &how, err);
}

/* What the header says the console runs on. Caller frees. */
static char *
source_label(const struct cli *c, const struct hv *hv)
{
    if (use_libvirt(c))
        return xasprintf("libvirt: %zu host%s", hv->model->n_hosts,
                         hv->model->n_hosts == 1 ? "" : "s");
    if (c->sim_file != NULL)
        return xasprintf("simulated: %s", c->sim_file);
    if (c->demo)
        return xstrdup("demo datacenter");
    return xstrdup("demo datacenter (no hosts configured)");
}

/* ---- the server ---------------------------------------------------------- */

/* Which server is this configuration's. Caller frees. */
static char *
server_name(const struct cli *c)
{
    struct srv_ident id = {
        .kind = use_libvirt(c) ? "hosts" : c->sim_file ? "sim" : "demo",
        .file = c->sim_file,
        .have_seed = c->have_seed,
        .seed = c->seed,
        .config = c->config_path,
        .uris = c->connect,
        .n_uris = c->n_connect,
    };

    return srv_name(&id);
}

static int term_pipe[2] = {-1, -1};
static volatile sig_atomic_t got_term;

static void
on_term(int sig)
{
    int saved = errno;
    char b = (char)sig;

    got_term = 1;
    if (write(term_pipe[1], &b, 1) < 0) {
        /* full: the loop wakes anyway */
    }
    errno = saved;
}

static void
on_term_pipe(int watch, int fd, int events, void *opaque)
{
    char buf[16];

    (void)watch;
    (void)events;
    (void)opaque;
    while (read(fd, buf, sizeof buf) > 0)
        ;
}

/* Say to the client that started us that we listen ("ok"), that another
 * server does ("busy"), or why we cannot ("error: ..."). */
static void
ready(int fd, const char *what)
{
    if (fd < 0)
        return;
    if (write(fd, what, strlen(what)) < 0 || write(fd, "\n", 1) < 0) {
        /* the client went away: it will find the socket or not */
    }
    close(fd);
}

/* The hosts a configuration names, as one string to compare. Caller
 * frees. */
static char *
hosts_sig(const struct lv_cfg *h)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    for (size_t i = 0; i < h->n_hosts; i++) {
        const struct lv_host_cfg *x = &h->hosts[i];

        fprintf(f, "%s|%s|%s|%s|%llu|%llu|%llu|%u|%s|%s|%u\n",
                x->name ? x->name : "", x->uri ? x->uri : "",
                x->migration_address ? x->migration_address : "",
                x->migration_uri ? x->migration_uri : "",
                (unsigned long long)x->link_bps,
                (unsigned long long)x->max_bw_bps,
                (unsigned long long)x->overhead_ms, x->max_migrations,
                x->ssh_user ? x->ssh_user : "", x->ssh_host ? x->ssh_host : "",
                x->ssh_port);
    }
    for (size_t i = 0; i < h->n_shared; i++)
        fprintf(f, "shared %s\n", h->shared[i]);
    for (size_t i = 0; i < h->n_datastores; i++)
        fprintf(f, "datastore %s %llu\n", h->datastores[i].name,
                (unsigned long long)h->datastores[i].bandwidth_bps);
    fclose(f);
    return buf;
}

/* The server's configuration, read again when ferry.ini changed. */
struct reload {
    struct cli *c;
    struct timespec mtime;
    off_t size;
    bool have_stat;
};

static void
note_stat(struct reload *r)
{
    struct stat st;

    r->have_stat = r->c->config_path != NULL &&
                   stat(r->c->config_path, &st) == 0;
    if (r->have_stat) {
        r->mtime = st.st_mtim;
        r->size = st.st_size;
    }
}

/* A client attaches: if ferry.ini was edited since, its policies,
 * defaults and queue limits apply from now on (what runs keeps its own);
 * changed hosts need a new server, which the consoles are told. */
static void
on_attach(void *ctx, struct server *srv)
{
    struct reload *r = ctx;
    struct cli *c = r->c, t;
    struct stat st;
    struct ferry_err err;
    char *a, *b;

    if (c->config_path == NULL || stat(c->config_path, &st) != 0 ||
        (r->have_stat && st.st_mtim.tv_sec == r->mtime.tv_sec &&
         st.st_mtim.tv_nsec == r->mtime.tv_nsec && st.st_size == r->size))
        return;
    note_stat(r);
    memset(&t, 0, sizeof t);
    t.config = c->config_path;
    policy_set_init(&t.policies);
    queue_cfg_default(&t.queue);
    if (policy_set_builtin(&t.policies, &err) < 0 ||
        load_config(&t, &err) < 0) {
        char *msg = xasprintf("%s changed but cannot be read: %s; the "
                              "server keeps what it had",
                              c->config_path, err.msg);

        server_notice(srv, true, msg);
        free(msg);
        goto out;
    }
    policy_set_fini(&c->policies);
    c->policies = t.policies;
    policy_set_init(&t.policies);
    free((char *)c->default_policy);
    c->default_policy = t.default_policy;
    t.default_policy = NULL;
    c->default_downtime_ms = t.default_downtime_ms;
    queue_cfg_fini(&c->queue);
    c->queue = t.queue;
    queue_cfg_default(&t.queue); /* moved: c owns its host slots now */
    server_reconfigure(srv, c->default_policy, c->default_downtime_ms,
                       &c->queue);
    a = hosts_sig(&c->hosts);
    b = hosts_sig(&t.hosts);
    if (strcmp(a, b) != 0 && c->n_connect == 0)
        server_notice(srv, true, "ferry.ini's hosts changed: they apply "
                      "when this server restarts (ferry kill-server, once "
                      "no migration runs)");
    else
        server_log(srv, "%s changed: policies, defaults and queue limits "
                   "read again", c->config_path);
    free(a);
    free(b);
out:
    policy_set_fini(&t.policies);
    queue_cfg_fini(&t.queue);
    lv_cfg_fini(&t.hosts);
    free((char *)t.default_policy);
    free(t.config_theme);
    free(t.log_dir);
    free(t.config_path);
}

/* `ferry server`: run this configuration's server in this process until
 * it is idle past its linger time, or told to stop. */
static int
cmd_server(struct cli *c)
{
    struct ferry_err err;
    char *name = server_name(c), *dir = srv_dir(&err), *logp, *msg;
    char *notices = NULL;
    char *label = NULL;
    int rfd = c->ready_fd ? atoi(c->ready_fd) : -1, lock = -1, lfd, w;
    bool busy;
    FILE *log;
    struct hv *hv;
    struct server *srv;
    struct sigaction sa;
    struct reload rl = {.c = c};

    if (dir == NULL) {
        msg = xasprintf("error: %s", err.msg);
        ready(rfd, msg);
        free(msg);
        free(name);
        return bad("%s", err.msg);
    }
    logp = srv_log_path(name);
    log = fopen(logp, "a");
    if (log != NULL)
        fcntl(fileno(log), F_SETFD, FD_CLOEXEC);
    lfd = srv_listen(dir, name, &lock, &busy, &err);
    if (lfd < 0) {
        msg = xasprintf("%s%s", busy ? "busy" : "error: ", busy ? "" : err.msg);
        ready(rfd, msg);
        free(msg);
        if (log)
            fclose(log);
        free(logp);
        free(dir);
        free(name);
        return busy ? EXIT_OK : bad("%s", err.msg);
    }
    hv = load_hv(c, &err);
    if (hv == NULL) {
        msg = xasprintf("error: %s", err.msg);
        ready(rfd, msg);
        free(msg);
        if (log != NULL) {
            fprintf(log, "server %s could not start: %s\n", name, err.msg);
            fclose(log);
        }
        close(lfd);
        srv_unlink(dir, name);
        close(lock);
        free(logp);
        free(dir);
        free(name);
        return bad("%s", err.msg);
    }
    label = source_label(c, hv);
    notices = srv_path(dir, name, "lost");
    if (strcmp(hv->ops->name, "libvirt") == 0) {
        /* the fail-safe: a guard that outlives this process */
        char exe[4096];
        ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);

        if (el <= 0 || (size_t)el >= sizeof exe - 1 ||
            hv_libvirt_guard(hv, (exe[el] = '\0', exe), notices, logp,
                             &err) < 0) {
            if (el <= 0)
                err_set(&err, "/proc/self/exe: %s", strerror(errno));
            if (log != NULL)
                fprintf(log, "server %s: no fail-safe: %s\n", name, err.msg);
        }
    }
    {
        struct server_opts so = {
            .loop = c->loop,
            .hv = hv,
            .policies = &c->policies,
            .default_policy = c->default_policy,
            .default_budget_ms = c->default_downtime_ms,
            .queue = &c->queue,
            .log_dir = c->log_dir,
            .name = name,
            .label = label,
            .listen_fd = lfd,
            .linger_ms = c->linger_ms,
            .log = log,
            .notices = notices,
            .on_attach = on_attach,
            .ctx = &rl,
        };

        note_stat(&rl);
        srv = server_new(&so, &err);
    }
    if (srv == NULL) {
        msg = xasprintf("error: %s", err.msg);
        ready(rfd, msg);
        free(msg);
        hv_free(hv);
        free(notices);
        free(label);
        close(lfd);
        srv_unlink(dir, name);
        close(lock);
        free(logp);
        free(dir);
        free(name);
        return bad("%s", err.msg);
    }
    /* SIGTERM and ^C stop the server (aborting what runs); a lost
     * terminal is nothing to it */
    if (pipe2(term_pipe, O_CLOEXEC | O_NONBLOCK) == 0)
        w = loop_add_fd(c->loop, term_pipe[0], LOOP_READ, on_term_pipe, NULL,
                        NULL);
    else
        w = -1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    ready(rfd, "ok");
    for (;;) {
        uint64_t now = loop_now_ms();

        if (got_term && !server_stopping(srv))
            server_stop(srv, "SIGTERM", 1200);
        if (server_done(srv, now))
            break;
        loop_run_once(c->loop, server_timeout_ms(srv, now));
        server_tick(srv, loop_now_ms());
    }
    server_log(srv, "server %s exits", name);
    srv_unlink(dir, name);
    server_free(srv);
    hv_free(hv);
    free(notices);
    free(label);
    if (w > 0)
        loop_remove_fd(c->loop, w);
    if (log != NULL)
        fclose(log);
    close(lock);
    free(logp);
    free(dir);
    free(name);
    return EXIT_OK;
}

/* An absolute path for the server, which may run elsewhere. Caller frees. */
static char *
abs_path(const char *p)
{
    char cwd[4096];

    if (p[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
        return xstrdup(p);
    return xasprintf("%s/%s", cwd, p);
}

/* Connect to this configuration's server, starting it when none runs. */
static struct client *
connect_server(struct cli *c, const char *kind, struct ferry_err *err)
{
    const char **argv = xcalloc(2 * c->n_connect + 12, sizeof *argv);
    char seed[32], *sim = c->sim_file ? abs_path(c->sim_file) : NULL;
    char *cfg = c->config_path ? abs_path(c->config_path) : NULL;
    char *name = server_name(c), *dir = srv_dir(err), *logp;
    size_t n = 0;
    struct client *cl = NULL;
    struct client_spawn sp;

    if (dir == NULL) {
        free(argv);
        free(sim);
        free(cfg);
        free(name);
        return NULL;
    }
    logp = srv_log_path(name);
    argv[n++] = "ferry";
    if (c->demo)
        argv[n++] = "--demo";
    if (sim != NULL) {
        argv[n++] = "--sim";
        argv[n++] = sim;
    }
    if (c->have_seed) {
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
        argv[n++] = "--seed";
        argv[n++] = seed;
    }
    if (cfg != NULL) {
        argv[n++] = "-c";
        argv[n++] = cfg;
    }
    for (size_t i = 0; i < c->n_connect; i++) {
        argv[n++] = "--connect";
        argv[n++] = c->connect[i];
    }
    argv[n++] = "server";
    sp.argv = argv;
    sp.log_path = logp;
    cl = client_open(dir, name, &sp, kind, c->loop, err);
    free(argv);
    free(sim);
    free(cfg);
    free(name);
    free(dir);
    free(logp);
    return cl;
}

/* A command's questions from the hosts (a key's passphrase, a password)
 * on its terminal, while it waits for them to settle. */
struct asker {
    struct client *cl;
    bool tty;
    unsigned asked;
};

static void
ask_on_update(void *ctx)
{
    struct asker *a = ctx;
    struct hv *hv = client_hv(a->cl);
    struct hv_prompt p;
    char *ans;

    if (!hv->ops->prompt(hv, &p) || p.kind == HV_ASK_YESNO ||
        p.id == a->asked)
        return;
    a->asked = p.id;
    ans = a->tty ? ask_tty(&p) : NULL;
    hv->ops->answer(hv, p.id, ans);
    if (ans != NULL) {
        explicit_bzero(ans, strlen(ans));
        free(ans);
    }
}

/* Commands on real hosts wait for SSH hosts to come up (and answer what
 * they ask); unknown host keys are refused unless --accept-new. Returns
 * 0, or an exit code. */
static int
settle(struct cli *c, struct client *cl)
{
    struct asker a = {.cl = cl, .tty = isatty(STDIN_FILENO)};
    struct ferry_err err;
    json_object *r, *refused;
    uint64_t up = 0;
    const struct model *m;

    if (strcmp(client_info(cl)->backend, "libvirt") != 0)
        return 0;
    if (client_subscribe(cl, false, false, true, &err) < 0)
        return bad("%s", err.msg);
    client_on_update(cl, ask_on_update, &a);
    r = proto_request(0, "settle");
    json_object_object_add(r, "accept_new",
                           json_object_new_boolean(c->accept_new));
    r = client_call_live(cl, r, 120000, &err);
    client_on_update(cl, NULL, NULL);
    if (r == NULL)
        return bad("%s", err.msg);
    jf_u64(r, "hosts_up", false, &up, &err);
    if (json_object_object_get_ex(r, "refused", &refused) && refused)
        for (size_t i = 0; i < json_object_array_length(refused); i++) {
            json_object *x = json_object_array_get_idx(refused, i);
            const char *host = "?", *text = "";

            jf_str(x, "host", false, &host, &err);
            jf_str(x, "message", false, &text, &err);
            fprintf(stderr, "ferry: %s: %s\nferry: %s: refused: accept the "
                    "key with --accept-new, or from the console\n", host,
                    text, host);
        }
    json_object_put(r);
    if (up > 0)
        return 0;
    if (client_fetch_model(cl, &err) < 0)
        return bad("%s", err.msg);
    m = client_hv(cl)->model;
    for (size_t i = 0; i < m->n_hosts; i++)
        fprintf(stderr, "ferry: %s\n", m->hosts[i].state_note
                                           ? m->hosts[i].state_note
                                           : m->hosts[i].name);
    return EXIT_USAGE;
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

/* A host's SSH identity and probe under its row of 'list hosts'. */
static void
host_lines(FILE *f, size_t row, void *ctx)
{
    const struct model_host *h = &((const struct model *)ctx)->hosts[row];

    if (h->ssh != NULL)
        fprintf(f, "    ssh %s\n", h->ssh);
    if (h->probe != NULL)
        fprintf(f, "    %s\n", h->probe);
}

static const struct table_col list_host_cols[] = {
    {"NAME", 0, 0, 0, false, false},      {"CPU", 0, 0, 0, false, false},
    {"CORES", 0, 0, 0, true, false},      {"MEM USED", 0, 0, 0, true, false},
    {"MEM TOTAL", 0, 0, 0, true, false},  {"VMS", 0, 0, 0, true, false},
    {"STATE", 0, 0, 0, false, false},     {"URI", 0, 0, 0, false, false},
};
static const struct table_col list_vm_cols[] = {
    {"NAME", 0, 0, 0, false, false},    {"HOST", 0, 0, 0, false, false},
    {"STATE", 0, 0, 0, false, false},   {"VCPUS", 0, 0, 0, true, false},
    {"MEMORY", 0, 0, 0, true, false},   {"WORKLOAD", 0, 0, 0, false, false},
    {"DATASTORES", 0, 0, 0, false, false},
};
static const struct table_col list_ds_cols[] = {
    {"NAME", 0, 0, 0, false, false},     {"TYPE", 0, 0, 0, false, false},
    {"CAPACITY", 0, 0, 0, true, false},  {"USED", 0, 0, 0, true, false},
    {"FREE", 0, 0, 0, true, false},      {"SHARED", 0, 0, 0, false, false},
    {"HOSTS", 0, 0, 0, false, false},
};

static int
cmd_list(struct cli *c, struct hv *hv)
{
    const struct model *m = hv->model;
    const char *what = c->n_args > 0 ? c->args[0] : NULL;
    json_object *arr = json_object_new_array();
    char a[32], b[32], d[32];
    struct table t = {0};

    if (what == NULL || (strcmp(what, "hosts") != 0 &&
                         strcmp(what, "vms") != 0 &&
                         strcmp(what, "datastores") != 0 &&
                         strcmp(what, "ds") != 0)) {
        json_object_put(arr);
        return bad("list what? hosts, vms or datastores");
    }
    if (strcmp(what, "hosts") == 0) {
        uint64_t *usedv = xcalloc(m->n_hosts + 1, sizeof *usedv);
        unsigned *count = xcalloc(m->n_hosts + 1, sizeof *count);
        bool uris = false, maint = false;

        model_host_totals(m, usedv, count);
        for (size_t i = 0; i < m->n_hosts; i++)
            uris |= m->hosts[i].uri != NULL;
        /* simulated hosts have no URI worth a column, and a state only
         * when one is in maintenance */
        for (size_t i = 0; i < m->n_hosts; i++)
            maint |= m->hosts[i].maintenance;
        table_init(&t, list_host_cols,
                   (int)ARRAY_SIZE(list_host_cols) - (uris ? 0 : maint ? 1 : 2));
        for (size_t i = 0; i < m->n_hosts; i++) {
            const struct model_host *h = &m->hosts[i];
            uint64_t used = usedv[i];
            json_object *o = json_object_new_object();
            size_t r = table_add(&t, h->name, 0);

            json_object_object_add(o, "name", json_object_new_string(h->name));
            json_object_object_add(o, "cpu_model",
                                   json_object_new_string(h->cpu_model));
            json_object_object_add(o, "cores", json_object_new_int(
                                                   (int)h->cores));
            json_object_object_add(o, "memory_bytes", json_object_new_int64(
                                                          (int64_t)h->memory_bytes));
            json_object_object_add(o, "memory_used_bytes",
                                   json_object_new_int64((int64_t)used));
            json_object_object_add(o, "vms", json_object_new_int((int)count[i]));
            json_object_object_add(o, "up", json_object_new_boolean(h->up));
            json_object_object_add(o, "maintenance",
                                   json_object_new_boolean(h->maintenance));
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
            table_set(&t, r, 0, NAN, "%s", h->name);
            table_set(&t, r, 1, NAN, "%s", h->cpu_model);
            table_set(&t, r, 2, NAN, "%u", h->cores);
            table_set(&t, r, 3, NAN, "%s", units_fmt_bytes(a, sizeof a, used));
            table_set(&t, r, 4, NAN, "%s",
                      units_fmt_bytes(b, sizeof b, h->memory_bytes));
            table_set(&t, r, 5, NAN, "%u", count[i]);
            if (uris || maint)
                table_set(&t, r, 6, NAN, "%s%s", h->up ? "up" : "LOST",
                          h->maintenance ? ", maintenance" : "");
            if (uris)
                table_set(&t, r, 7, NAN, "%s", h->uri ? h->uri : "-");
        }
        if (!c->json)
            table_print(stdout, &t, host_lines, (void *)m);
        free(usedv);
        free(count);
    } else if (strcmp(what, "vms") == 0) {
        table_init(&t, list_vm_cols, (int)ARRAY_SIZE(list_vm_cols));
        for (size_t i = 0; i < m->n_vms; i++) {
            const struct model_vm *v = &m->vms[i];
            uint64_t dirty = 0;
            const char *wl = hv->ops->workload
                                 ? hv->ops->workload(hv, v->name, &dirty)
                                 : NULL;
            json_object *o = json_object_new_object(),
                        *ds = json_object_new_array();
            const char **names = xcalloc(v->n_disks + 1, sizeof *names);
            size_t nds = model_vm_datastores(v, names, v->n_disks);
            char *dss = model_vm_datastores_str(v);

            for (size_t k = 0; k < nds; k++)
                json_object_array_add(ds, json_object_new_string(names[k]));
            free(names);
            json_object_object_add(o, "name", json_object_new_string(v->name));
            json_object_object_add(o, "host", json_object_new_string(v->host));
            json_object_object_add(o, "state", json_object_new_string(
                                                   vm_state_name(v->state)));
            json_object_object_add(o, "vcpus", json_object_new_int(
                                                   (int)v->vcpus));
            json_object_object_add(o, "memory_bytes", json_object_new_int64(
                                                          (int64_t)v->memory_bytes));
            json_object_object_add(o, "memory_max_bytes",
                                   json_object_new_int64((int64_t)(
                                       v->memory_max_bytes ? v->memory_max_bytes
                                                           : v->memory_bytes)));
            json_object_object_add(o, "datastores", ds);
            if (wl != NULL) {
                json_object_object_add(o, "workload",
                                       json_object_new_string(wl));
                json_object_object_add(o, "dirty_bps",
                                       json_object_new_int64((int64_t)dirty));
            }
            json_object_array_add(arr, o);
            if (!c->json) {
                size_t r = table_add(&t, v->name, 0);

                table_set(&t, r, 0, NAN, "%s", v->name);
                table_set(&t, r, 1, NAN, "%s", v->host);
                table_set(&t, r, 2, NAN, "%s", vm_state_name(v->state));
                table_set(&t, r, 3, NAN, "%u", v->vcpus);
                table_set(&t, r, 4, NAN, "%s",
                          units_fmt_bytes(a, sizeof a, v->memory_bytes));
                table_set(&t, r, 5, NAN, "%s", wl ? wl : "-");
                table_set(&t, r, 6, NAN, "%s", dss);
            }
            free(dss);
        }
        if (!c->json)
            table_print(stdout, &t, NULL, NULL);
    } else {
        table_init(&t, list_ds_cols, (int)ARRAY_SIZE(list_ds_cols));
        for (size_t i = 0; i < m->n_datastores; i++) {
            const struct model_datastore *s = &m->datastores[i];
            uint64_t free_b = s->capacity_bytes - MIN(s->used_bytes,
                                                      s->capacity_bytes);
            json_object *o = json_object_new_object(),
                        *hs = json_object_new_array();
            char *hosts = strv_join(s->hosts, s->n_hosts, ",");
            size_t r = table_add(&t, s->name, 0);

            for (size_t k = 0; k < s->n_hosts; k++)
                json_object_array_add(hs, json_object_new_string(s->hosts[k]));
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
            table_set(&t, r, 0, NAN, "%s", s->name);
            table_set(&t, r, 1, NAN, "%s", s->type);
            table_set(&t, r, 2, NAN, "%s",
                      units_fmt_bytes(a, sizeof a, s->capacity_bytes));
            table_set(&t, r, 3, NAN, "%s",
                      units_fmt_bytes(b, sizeof b, s->used_bytes));
            table_set(&t, r, 4, NAN, "%s", units_fmt_bytes(d, sizeof d, free_b));
            table_set(&t, r, 5, NAN, "%s", s->shared ? "shared" : "local");
            table_set(&t, r, 6, NAN, "%s", hosts);
            free(hosts);
        }
        if (!c->json)
            table_print(stdout, &t, NULL, NULL);
    }
    table_fini(&t);
    return json_finish(c, arr);
}

static int
cmd_policies(struct cli *c)
{
    json_object *arr = json_object_new_array();
    char sum[200]; /* fixed words and at most six actions' names */

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

        o->policy = policy_find(c->pset, pname);
        if (o->policy == NULL) {
            char **names = xcalloc(c->pset->n + 1, sizeof *names), *all;
            int rc;

            for (size_t i = 0; i < c->pset->n; i++)
                names[i] = c->pset->v[i].name;
            all = strv_join(names, c->pset->n, ", ");
            rc = bad("--policy: no policy named '%s' (%s)", pname, all);
            free(all);
            free(names);
            return rc;
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
run_checks(struct hv *hv, const struct runner_opts *o, struct checks *r)
{
    struct mig_request req = {
        .vm = o->vm,
        .dst_host = o->to,
        .dst_ds = o->datastore,
        .kind = o->kind,
    };

    return runner_checks(hv, &req, NULL, 0, r);
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
plan_with(struct cli *c, struct hv *hv, struct checks *ck)
{
    struct runner_opts o;
    const struct check_result *r;
    struct job_params jp;
    struct prediction p;
    struct ferry_err err;
    size_t n;
    int rc = request_opts(c, hv, &o);

    if (rc != 0)
        return rc;
    if ((rc = measure(c, hv, o.vm)) != 0)
        return rc;
    n = run_checks(hv, &o, ck);
    r = ck->v;
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

static int
cmd_plan(struct cli *c, struct hv *hv)
{
    struct checks ck;
    int rc;

    checks_init(&ck);
    rc = plan_with(c, hv, &ck);
    checks_fini(&ck);
    return rc;
}

/* ---- following a job (migrate, watch) ------------------------------------ */

struct follow {
    struct cli *c;
    struct client *cl;
    long id;
    sig_atomic_t ints_seen; /* ^C handled so far */
    bool tty, line_shown, header_shown;
    uint64_t last_line_ms;
};

static void
clear_line(struct follow *f)
{
    if (f->line_shown) {
        fputs("\r\033[K", stdout);
        f->line_shown = false;
    }
}

/* One status line, redrawn in place on a terminal, from the newest
 * sample the server sent. */
static void
progress_line(struct follow *f, const struct job_view *v)
{
    struct job_sample s;
    struct estimate e;
    double eta, dt;
    char t[32], l[32], d[32], b[32], x[32];
    double total, rem;

    if (!flog_live_last(v->live, &s, &e, &eta, &dt))
        return;
    total = (double)sample_get(&s, SF_DATA_TOTAL, 1);
    rem = (double)sample_get(&s, SF_DATA_REMAINING, 0);
    printf("\r\033[K  %8s  %-10s r%-3llu %3.0f%%  left %s  dirty %s  bw %s  "
           "downtime~%s",
           units_fmt_ms(t, sizeof t, v->elapsed_ms), job_phase_name(v->phase),
           (unsigned long long)sample_get(
               &s,
               v->kind == KIND_STORAGE ? SF_DISK_ITERATION
                                       : SF_MEMORY_ITERATION,
               0),
           total > 0 ? 100.0 * (1 - rem / total) : 0,
           units_fmt_bytes(l, sizeof l, (uint64_t)rem),
           e.dirty_known ? units_fmt_rate(d, sizeof d, e.unique_bps) : "?",
           units_fmt_rate(b, sizeof b, e.bw_bps),
           isfinite(dt) ? units_fmt_ms(x, sizeof x, dt) : "?");
    fflush(stdout);
    f->line_shown = true;
}

/* Each record of the job as it arrives: JSON lines, or the decisions,
 * phases and errors as text, and a progress line on a terminal. */
static void
on_record(void *ctx, long job, json_object *obj)
{
    struct follow *f = ctx;
    const char *type =
        json_object_get_string(json_object_object_get(obj, "type"));
    char a[32];

    if (job != f->id)
        return;
    if (f->c->json) {
        if (strcmp(type, "header") != 0) {
            json_print(obj);
            fflush(stdout); /* a pipe reads each record as it comes */
        }
        return;
    }
    if (strcmp(type, "decision") == 0) {
        clear_line(f);
        printf("  %8s  %-10s %s\n",
               units_fmt_ms(a, sizeof a,
                            (double)json_object_get_int64(
                                json_object_object_get(obj, "t_ms"))),
               json_object_get_string(json_object_object_get(obj, "action")),
               json_object_get_string(json_object_object_get(obj, "reason")));
    } else if (strcmp(type, "phase") == 0 && !f->tty) {
        printf("  %8s  phase      %s\n",
               units_fmt_ms(a, sizeof a,
                            (double)json_object_get_int64(
                                json_object_object_get(obj, "t_ms"))),
               json_object_get_string(json_object_object_get(obj, "to")));
    } else if (strcmp(type, "error") == 0) {
        clear_line(f);
        printf("  error: %s\n",
               json_object_get_string(json_object_object_get(obj, "message")));
    } else if (strcmp(type, "sample") != 0) {
        return;
    }
    if (!f->tty) {
        fflush(stdout);
    } else if (strcmp(type, "sample") == 0) {
        uint64_t now = loop_now_ms();
        const struct job_view *v = client_job(f->cl, f->id);

        if (v != NULL && now >= f->last_line_ms + 100) {
            f->last_line_ms = now;
            progress_line(f, v);
        }
    }
}

/* The job has ended and its result has arrived. */
static bool
job_over(void *ctx)
{
    const struct follow *f = ctx;
    const struct job_view *v = client_job(f->cl, f->id);

    if (v == NULL || !job_view_ended(v))
        return false;
    return !v->started || (job_view_data(v) && job_view_data(v)->res.present);
}

/* The outcome line, as `migrate` always printed it; the exit code. */
static int
outcome(struct follow *f)
{
    const struct job_view *v = client_job(f->cl, f->id);
    const struct flog_data *d = v ? job_view_data(v) : NULL;
    char a[32], b[32], e[32], g[32];

    clear_line(f);
    if (v == NULL)
        return EXIT_FAILED;
    if (d == NULL || !d->res.present) {
        /* it ended without running: not started, or cancelled queued */
        if (f->c->json) {
            json_object *o = json_object_new_object();

            jf_add_str(o, "type", "result");
            jf_add_str(o, "outcome", v->outcome ? v->outcome : "failed");
            jf_add_str(o, "reason", v->reason);
            json_print(o);
            json_object_put(o);
        } else {
            printf("%s: %s\n", v->vm, v->reason ? v->reason : v->outcome);
        }
        return EXIT_FAILED;
    }
    if (!f->c->json) {
        const struct flog_result *r = &d->res;

        if (r->phase == PH_DONE)
            printf("completed in %s: downtime %s (budget %llu ms, predicted "
                   "total %s), %llu rounds, %s sent%s\n",
                   units_fmt_ms(a, sizeof a, (double)r->total_ms),
                   units_fmt_ms(b, sizeof b, (double)r->downtime_ms),
                   (unsigned long long)r->budget_ms,
                   isfinite(r->predicted_total_ms)
                       ? units_fmt_ms(g, sizeof g, r->predicted_total_ms)
                       : "never",
                   (unsigned long long)r->rounds,
                   units_fmt_bytes(e, sizeof e, r->bytes_sent),
                   r->verified ? ", destination verified" : "");
        else
            printf("%s after %s: %s\n",
                   r->phase == PH_FAILED ? "FAILED" : "CANCELLED",
                   units_fmt_ms(a, sizeof a, (double)r->total_ms), r->reason);
        if (v->log != NULL)
            printf("flight log: %s\n", v->log);
    }
    return d->res.phase == PH_DONE ? EXIT_OK : EXIT_FAILED;
}

#define EXIT_DETACHED 3

static bool
interrupted_or_over(void *ctx)
{
    const struct follow *f = ctx;

    return interrupted > f->ints_seen || got_term || job_over(ctx);
}

/* Follow job id to its end. migrate: ^C asks the server to abort it (a
 * second ^C stops waiting); watch: ^C only stops watching. SIGTERM and a
 * lost terminal leave it to the server either way. */
static int
follow(struct cli *c, struct client *cl, const char *ref, bool abort_on_int)
{
    struct follow f = {.c = c, .cl = cl,
                       .tty = isatty(STDOUT_FILENO) && !c->json};
    struct ferry_err err;
    const char *why;
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    /* the id is known before the history arrives: set it first */
    {
        char *end;
        long id = strtol(ref, &end, 10);

        f.id = *end == '\0' ? id : 0;
    }
    client_on_record(cl, on_record, &f);
    if (client_watch(cl, ref, &f.id, &err) < 0)
        return bad("%s", err.msg);
    for (;;) {
        client_wait(cl, interrupted_or_over, &f, -1);
        if (job_over(&f))
            return outcome(&f);
        if (client_closed(cl, &why)) {
            clear_line(&f);
            fprintf(stderr, "ferry: %s\n", why);
            return EXIT_FAILED;
        }
        if (got_term) {
            clear_line(&f);
            fprintf(stderr, "ferry: job %ld goes on in the server (ferry "
                    "watch %ld)\n", f.id, f.id);
            return EXIT_DETACHED;
        }
        if (interrupted == 1 && abort_on_int && f.ints_seen == 0) {
            json_object *r = proto_request(0, "act");

            f.ints_seen = 1; /* wait for the abort's end */
            json_object_object_add(r, "job", json_object_new_int64(f.id));
            jf_add_str(r, "action", "abort");
            r = client_call(cl, r, CLIENT_TIMEOUT_MS, &err);
            if (r == NULL) {
                clear_line(&f);
                fprintf(stderr, "ferry: cannot abort: %s\n", err.msg);
            }
            json_object_put(r);
            continue;
        }
        clear_line(&f);
        fprintf(stderr, "ferry: stopped watching; job %ld goes on in the "
                "server%s\n", f.id,
                abort_on_int ? " (being aborted)" : "");
        return EXIT_DETACHED;
    }
}

/* The request the server runs for these options. */
static void
job_request(struct cli *c, const struct runner_opts *o, bool realtime,
            struct job_req *rq)
{
    job_req_init(rq);
    rq->vm = xstrdup(o->vm);
    rq->kind = o->kind;
    rq->host = o->to ? xstrdup(o->to) : NULL;
    rq->ds = o->datastore ? xstrdup(o->datastore) : NULL;
    rq->policy = xstrdup(o->policy->name);
    rq->budget_ms = o->budget_ms;
    rq->ceiling_ms = o->ceiling_ms;
    rq->bw_cap_bps = o->bw_cap_bps;
    rq->keep_source = o->keep_source;
    rq->no_log = c->no_log;
    rq->log_path = c->log ? abs_path(c->log) : NULL;
    rq->virtual_time = !c->real_time && !realtime;
    rq->max_time_ms = o->max_time_ms;
    rq->owner = xstrdup(c->detach ? "migrate --detach" : "migrate");
}

static int
migrate_with(struct cli *c, struct client *cl, struct checks *ck)
{
    struct hv *hv = client_hv(cl);
    struct runner_opts o;
    const struct check_result *r = NULL;
    struct ferry_err err;
    struct job_req rq;
    json_object *req, *reply, *x, *job = NULL;
    bool okr = false;
    int64_t id = 0;
    int n = 0;
    int rc = request_opts(c, hv, &o);

    if (rc != 0)
        return rc;
    if ((rc = measure(c, hv, o.vm)) != 0)
        return rc;
    job_request(c, &o, client_info(cl)->realtime, &rq);
    req = proto_request(0, "migrate");
    json_object_object_add(req, "request", job_req_to_json(&rq));
    job_req_fini(&rq);
    reply = client_call_reply(cl, req, CLIENT_TIMEOUT_MS, &err);
    if (reply == NULL)
        return bad("%s", err.msg);
    jf_bool(reply, "ok", false, &okr, &err);
    if (json_object_object_get_ex(reply, "checks", &x) && x != NULL)
        n = wire_checks_read(x, ck, &err);
    if (n < 0)
        n = 0;
    r = ck->v;
    if (!okr) {
        const char *why = "refused";

        jf_str(reply, "error", false, &why, &err);
        if (checks_worst(r, (size_t)n) != CHECK_ERROR) {
            /* not a check: a request the server could not take */
            fprintf(stderr, "ferry: %s\n", why);
            json_object_put(reply);
            return EXIT_USAGE;
        }
        if (c->json) {
            json_object *obj = json_object_new_object();

            jf_add_str(obj, "type", "result");
            jf_add_str(obj, "outcome", "failed");
            for (int i = 0; i < n; i++)
                if (r[i].status == CHECK_ERROR) {
                    jf_add_str(obj, "reason", r[i].message);
                    break;
                }
            json_object_object_add(obj, "checks",
                                   flog_checks_json(r, (size_t)n));
            json_print(obj);
            json_object_put(obj);
        } else {
            fprintf(stderr, "ferry: %s cannot migrate; nothing was "
                            "changed:\n", o.vm);
            for (int i = 0; i < n; i++)
                if (r[i].status == CHECK_ERROR)
                    fprintf(stderr, "  %s: %s\n", r[i].name, r[i].message);
        }
        json_object_put(reply);
        return EXIT_FAILED;
    }
    jf_obj(reply, "job", true, &job, &err);
    jf_i64(job, "id", true, &id, &err);
    if (c->detach) {
        const char *state = "?";

        jf_str(job, "state", false, &state, &err);
        if (c->json)
            json_print(job);
        else
            printf("job %lld: %s %s %s -> %s%s%s: %s (ferry watch %lld, "
                   "ferry abort %lld)\n",
                   (long long)id, job_kind_name(o.kind), o.vm,
                   model_vm(hv->model, o.vm)->host,
                   o.to ? o.to : model_vm(hv->model, o.vm)->host,
                   o.datastore ? " datastore " : "",
                   o.datastore ? o.datastore : "", state, (long long)id,
                   (long long)id);
        json_object_put(reply);
        return EXIT_OK;
    }
    if (!c->json) {
        printf("%s: %s %s -> %s%s%s, policy %s, budget %llu ms\n", o.vm,
               job_kind_name(o.kind), model_vm(hv->model, o.vm)->host,
               o.to ? o.to : model_vm(hv->model, o.vm)->host,
               o.datastore ? " datastore " : "",
               o.datastore ? o.datastore : "", o.policy->name,
               (unsigned long long)o.budget_ms);
        for (int i = 0; i < n; i++)
            if (r[i].status == CHECK_WARN)
                printf("  warning: %s\n", r[i].message);
        {
            const char *state = "";

            jf_str(job, "state", false, &state, &err);
            if (strcmp(state, "queued") == 0) {
                const char *why = "its turn";

                jf_str(job, "waits_for", false, &why, &err);
                printf("  queued: waits for %s\n", why);
            }
        }
    }
    json_object_put(reply);
    {
        char ref[24];

        snprintf(ref, sizeof ref, "%lld", (long long)id);
        rc = follow(c, cl, ref, true);
    }
    return rc;
}

static int
cmd_migrate(struct cli *c, struct client *cl)
{
    struct checks ck;
    int rc;

    checks_init(&ck);
    rc = migrate_with(c, cl, &ck);
    checks_fini(&ck);
    return rc;
}


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
    if (evac_log_is(c->args[0])) { /* an evacuation's summary log */
        if (c->export != NULL || c->summary || c->what_if != NULL)
            return bad("%s is an evacuation's summary log: --summary, "
                       "--export and --what-if are a flight log's",
                       c->args[0]);
        return evac_replay_run(c->args[0],
                               c->theme ? c->theme : c->config_theme,
                               c->loop);
    }
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
    struct client *cl;
    const struct client_info *info;
    /* console_run takes a buffer for a theme's warning (a file, a line, a
     * key): what does not fit is cut there */
    char warn[512] = "";
    const char *why = NULL;
    int rc;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return bad("the console needs a terminal; for scripts use a "
                   "command (ferry --help)");
    cl = connect_server(c, "console", &err);
    if (cl == NULL)
        return bad("%s", err.msg);
    client_set_stop(cl, console_term_flag());
    if (client_subscribe(cl, true, true, true, &err) < 0) {
        client_free(cl);
        return bad("%s", err.msg);
    }
    info = client_info(cl);
    o.hv = client_hv(cl);
    o.ops = &console_link_ops;
    o.ops_ctx = cl;
    o.policies = client_policies(cl);
    o.source_label = info->label ? info->label : "ferry";
    o.log_dir = info->log_dir;
    o.default_budget_ms = info->default_budget_ms;
    o.default_policy = info->default_policy;
    o.no_log = c->no_log;
    rc = console_run(&o, c->theme ? c->theme : c->config_theme, warn,
                     sizeof warn, c->loop);
    if (client_closed(cl, &why) && rc == 0) {
        fprintf(stderr, "ferry: %s\n", why);
        rc = EXIT_FAILED;
    }
    client_free(cl);
    return rc;
}

/* ---- jobs, watch, abort, kill-server ------------------------------------- */

static int
cmd_jobs(struct cli *c, struct client *cl)
{
    struct ferry_err err;
    json_object *r = client_call(cl, proto_request(0, "jobs"),
                                 CLIENT_TIMEOUT_MS, &err),
                *a;
    char t[32];

    if (r == NULL)
        return bad("%s", err.msg);
    if (jf_array(r, "jobs", true, &a, &err) < 0) {
        json_object_put(r);
        return bad("%s", err.msg);
    }
    if (c->json) {
        puts(json_object_to_json_string_ext(
            a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(r);
        return EXIT_OK;
    }
    printf("%4s  %-16s %-24s %-8s %-11s %-12s %8s  %s\n", "JOB", "VM", "ROUTE",
           "KIND", "STATE", "PHASE", "ELAPSED", "OUTCOME");
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *j = json_object_array_get_idx(a, i);
        const char *vm = "?", *src = "?", *dst = "?", *ds = NULL, *kind = "",
                   *state = "", *phase = "-", *out = "", *reason = NULL,
                   *waits = NULL;
        int64_t id = 0, pos = 0;
        double el = NAN;
        char *route;

        jf_i64(j, "id", false, &id, &err);
        jf_str(j, "vm", false, &vm, &err);
        jf_str(j, "source", false, &src, &err);
        jf_str(j, "destination", false, &dst, &err);
        jf_str(j, "datastore", false, &ds, &err);
        jf_str(j, "kind", false, &kind, &err);
        jf_str(j, "state", false, &state, &err);
        jf_str(j, "phase", false, &phase, &err);
        jf_str(j, "outcome", false, &out, &err);
        jf_str(j, "reason", false, &reason, &err);
        jf_str(j, "waits_for", false, &waits, &err);
        jf_i64(j, "queue_position", false, &pos, &err);
        jf_double(j, "elapsed_ms", false, &el, &err);
        if (strcmp(kind, "storage") == 0)
            route = xasprintf("%s: -> %s", src, ds ? ds : "?");
        else
            route = xasprintf("%s -> %s%s%s", src, dst, ds ? " + " : "",
                              ds ? ds : "");
        printf("%4lld  %-16s %-24s %-8s %-11s %-12s %8s  %s\n", (long long)id,
               vm, route, kind, state, strcmp(state, "queued") == 0 ? "-" : phase,
               isnan(el) ? "-" : units_fmt_ms(t, sizeof t, el), out);
        free(route);
        if (strcmp(state, "queued") == 0)
            printf("      #%lld in the queue, waits for %s\n", (long long)pos,
                   waits ? waits : "its turn");
        else if (reason != NULL && out[0] && strcmp(out, "completed") != 0)
            printf("      %s\n", reason);
    }
    json_object_put(r);
    return EXIT_OK;
}

static int
cmd_watch(struct cli *c, struct client *cl)
{
    if (c->n_args != 1)
        return bad("watch which job? (ferry watch JOB: a number from ferry "
                   "jobs, or a VM)");
    return follow(c, cl, c->args[0], false);
}

static int
cmd_abort(struct cli *c, struct client *cl)
{
    struct ferry_err err;
    json_object *r;

    if (c->n_args != 1)
        return bad("abort which job? (ferry abort JOB: a number from ferry "
                   "jobs, or a VM)");
    r = proto_request(0, "act");
    jf_add_str(r, "job", c->args[0]);
    jf_add_str(r, "action", "abort");
    r = client_call(cl, r, CLIENT_TIMEOUT_MS, &err);
    if (r == NULL) {
        fprintf(stderr, "ferry: %s\n", err.msg);
        return EXIT_FAILED;
    }
    json_object_put(r);
    if (!c->json)
        printf("abort requested: the VM stays on its source\n");
    /* then its end, as watch shows it */
    return follow(c, cl, c->args[0], false) == EXIT_DETACHED ? EXIT_DETACHED
                                                             : EXIT_OK;
}

/* `ferry take-over JOB [--policy P] [--downtime MS]`: a migration ferry
 * did not start (marked external in ferry jobs), steered by ferry from now
 * on; then followed to its end, as watch does. */
static int
cmd_take_over(struct cli *c, struct client *cl)
{
    struct ferry_err err;
    json_object *r;
    uint64_t ms = 0;

    if (c->n_args != 1)
        return bad("take over which job? (ferry take-over JOB: a number "
                   "from ferry jobs, or a VM, of a job marked external)");
    if (c->downtime != NULL && units_parse_ms(c->downtime, &ms, &err) < 0)
        return bad("--downtime: %s", err.msg);
    r = proto_request(0, "take_over");
    jf_add_str(r, "job", c->args[0]);
    jf_add_str(r, "policy", c->policy);
    jf_add_u64(r, "budget_ms", ms);
    r = client_call(cl, r, CLIENT_TIMEOUT_MS, &err);
    if (r == NULL) {
        fprintf(stderr, "ferry: %s\n", err.msg);
        return EXIT_FAILED;
    }
    json_object_put(r);
    if (!c->json)
        printf("taken over: ferry steers it from now on\n");
    return follow(c, cl, c->args[0], false);
}

static int
cmd_kill_server(struct cli *c)
{
    struct ferry_err err;
    char *name = server_name(c), *dir = srv_dir(&err);
    struct client *cl = dir ? client_open(dir, name, NULL, "kill-server",
                                          c->loop, &err)
                            : NULL;
    json_object *r;
    const struct client_info *info;
    int rc = EXIT_OK;

    free(name);
    free(dir);
    if (cl == NULL) {
        fprintf(stderr, "ferry: %s\n", err.msg);
        return EXIT_FAILED;
    }
    info = client_info(cl);
    r = client_call(cl, proto_request(0, "shutdown"), CLIENT_TIMEOUT_MS, &err);
    if (r == NULL) {
        fprintf(stderr, "ferry: %s\n", err.msg);
        rc = EXIT_FAILED;
    } else {
        /* it stops after aborting what runs: wait for it to go */
        pid_t pid = info->pid;
        uint64_t until = loop_now_ms() + 5000;

        while (pid > 0 && kill(pid, 0) == 0 && loop_now_ms() < until)
            poll(NULL, 0, 20);
        if (!c->json)
            printf("server %s (pid %d) stopped\n", info->name, (int)pid);
    }
    json_object_put(r);
    client_free(cl);
    return rc;
}

/* `--to auto`: the server picks the host (and says why). */
static int
resolve_auto(struct cli *c, struct client *cl)
{
    struct ferry_err err;
    char *host;

    if (c->to == NULL || strcmp(c->to, "auto") != 0)
        return 0;
    if (c->n_args < 1)
        return bad("%s: which VM? (ferry %s VM --to auto)", c->cmd, c->cmd);
    host = cli_place(cl, c->args[0], c->allow_storage, c->json, &err);
    if (host == NULL) {
        fprintf(stderr, "ferry: --to auto: %s\n", err.msg);
        return EXIT_FAILED;
    }
    c->auto_to = host;
    c->to = host;
    return 0;
}

static int
cmd_evacuate(struct cli *c, struct client *cl)
{
    struct cli_evac o = {.dry_run = c->dry_run, .json = c->json,
                         .detach = c->detach, .abort = c->abort_it,
                         .interrupted = &interrupted, .term = &got_term};
    const struct model *m = client_hv(cl)->model;
    struct ferry_err err;
    struct sigaction sa;
    int rc;

    if (c->n_args != 1)
        return bad("evacuate: which host? (ferry evacuate HOST)");
    if (model_host(m, c->args[0]) == NULL)
        return bad("evacuate: no host named '%s' (ferry list hosts)",
                   c->args[0]);
    evac_args_init(&o.a);
    o.a.host = xstrdup(c->args[0]);
    if (c->to != NULL) {
        size_t n;
        char **v = strv_split_by(c->to, ",", &n);

        for (size_t i = 0; i < n; i++) {
            str_trim(v[i]);
            if (v[i][0] == '\0')
                continue;
            if (model_host(m, v[i]) == NULL) {
                rc = bad("--to: no host named '%s' (ferry list hosts)", v[i]);
                strv_free(v, n);
                evac_args_fini(&o.a);
                return rc;
            }
            o.a.to = xrealloc(o.a.to, (o.a.n_to + 1) * sizeof *o.a.to);
            o.a.to[o.a.n_to++] = xstrdup(v[i]);
        }
        strv_free(v, n);
    }
    if (c->policy != NULL) {
        if (policy_find(c->pset, c->policy) == NULL) {
            evac_args_fini(&o.a);
            return bad("--policy: no policy named '%s' (ferry policies)",
                       c->policy);
        }
        o.a.policy = xstrdup(c->policy);
    }
    if (c->downtime != NULL) {
        if (units_parse_ms(c->downtime, &o.a.budget_ms, &err) < 0 ||
            o.a.budget_ms == 0) {
            evac_args_fini(&o.a);
            return bad("--downtime: %s", o.a.budget_ms == 0 && err.msg[0] == 0
                                             ? "the budget must be above 0 ms"
                                             : err.msg);
        }
    }
    o.a.include_shutoff = c->include_shutoff;
    o.a.allow_storage = c->allow_storage;
    o.a.virtual_time = !c->real_time && !client_info(cl)->realtime;
    o.a.owner = xstrdup(c->detach ? "evacuate --detach" : "evacuate");
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    rc = cli_evacuate(cl, &o);
    evac_args_fini(&o.a);
    return rc;
}

static int
cmd_maintenance(struct cli *c, struct client *cl)
{
    if (c->n_args > 2)
        return bad("maintenance [HOST [on|off]]");
    return cli_maintenance(cl, c->n_args > 0 ? c->args[0] : NULL,
                           c->n_args > 1 ? c->args[1] : NULL, c->json);
}

/* Commands that are the server's clients. */
static const struct {
    const char *name;
    int (*fn)(struct cli *c, struct client *cl);
    bool hosts; /* waits for the hosts to settle first */
} client_cmds[] = {
    {"list", NULL, true},    {"plan", NULL, true},
    {"migrate", cmd_migrate, true}, {"jobs", cmd_jobs, false},
    {"watch", cmd_watch, false},    {"abort", cmd_abort, false},
    {"take-over", cmd_take_over, false},
    {"evacuate", cmd_evacuate, true},
    {"maintenance", cmd_maintenance, false},
};

/* SIGTERM and a lost terminal end a command at once (what it asked the
 * server to do goes on there). */
static void
catch_term(struct cli *c)
{
    struct sigaction sa;

    if (term_pipe[0] < 0 && pipe2(term_pipe, O_CLOEXEC | O_NONBLOCK) == 0)
        loop_add_fd(c->loop, term_pipe[0], LOOP_READ, on_term_pipe, NULL,
                    NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static int
run_client_cmd(struct cli *c, size_t k)
{
    struct ferry_err err;
    struct client *cl;
    int rc;

    catch_term(c);
    cl = connect_server(c, c->cmd, &err);
    if (cl == NULL)
        return bad("%s", err.msg);
    client_set_stop(cl, &got_term);
    c->cl = cl;
    c->pset = client_policies(cl);
    if (client_cmds[k].hosts && (rc = settle(c, cl)) != 0)
        goto out;
    if (client_fetch_model(cl, &err) < 0) {
        rc = bad("%s", err.msg);
        goto out;
    }
    if ((rc = resolve_auto(c, cl)) != 0)
        goto out;
    if (strcmp(c->cmd, "list") == 0)
        rc = cmd_list(c, client_hv(cl));
    else if (strcmp(c->cmd, "plan") == 0)
        rc = cmd_plan(c, client_hv(cl));
    else
        rc = client_cmds[k].fn(c, cl);
out:
    client_free(cl);
    c->cl = NULL;
    return rc;
}

int
cli_main(int argc, char **argv)
{
    struct cli c;
    struct ferry_err err;
    int rc;

    /* the fail-safe's guard (started by a server, see ferry/guard.h):
     * no configuration, no terminal, only the server's socket on stdin */
    if (argc == 6 && strcmp(argv[1], "guard") == 0 &&
        strcmp(argv[2], "--notices") == 0 && strcmp(argv[4], "--log") == 0)
        return hv_libvirt_guard_main(STDIN_FILENO, argv[3], argv[5]);
    memset(&c, 0, sizeof c);
    c.linger_ms = 60000;
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
    c.pset = &c.policies;
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
    if (strcmp(c.cmd, "server") == 0) {
        rc = cmd_server(&c);
        goto out;
    }
    if (strcmp(c.cmd, "kill-server") == 0) {
        rc = cmd_kill_server(&c);
        goto out;
    }
    if (strcmp(c.cmd, "attach") == 0) {
        rc = run_console(&c);
        goto out;
    }
    for (size_t k = 0; k < ARRAY_SIZE(client_cmds); k++)
        if (strcmp(c.cmd, client_cmds[k].name) == 0) {
            rc = run_client_cmd(&c, k);
            goto out;
        }
    rc = bad("unknown command '%s' (list, plan, migrate, evacuate, "
             "maintenance, jobs, watch, abort, take-over, attach, replay, "
             "policies, server, kill-server)", c.cmd);
out:
    loop_free(c.loop);
    lv_cfg_fini(&c.hosts);
    policy_set_fini(&c.policies);
    queue_cfg_fini(&c.queue);
    free(c.log_dir);
    free(c.config_path);
    free(c.connect);
    free((char *)c.default_policy);
    free(c.config_theme);
    free(c.auto_to);
    return rc;
}
