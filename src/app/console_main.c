/* The console on the app's one poll() loop: the terminal, a self-pipe
 * that signals write to (SIGWINCH only sets a flag), the console's own
 * timers, and whatever the backend watches (libvirt's events). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "ferry/client.h"
#include "ferry/evac.h"
#include "ferry/console.h"
#include "ferry/jsonf.h"
#include "ferry/proto.h"
#include "ferry/loop.h"
#include "ferry/ui.h"
#include "../ui/replay.h"
#include "../ui/evac_timeline.h"
#include "console_main.h"

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t got_winch, got_term;

static void
on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;

    if (sig == SIGWINCH)
        got_winch = 1;
    else
        got_term = 1;
    if (write(sig_pipe[1], &c, 1) < 0) {
        /* the pipe is full: the loop will wake anyway */
    }
    errno = saved;
}

/* SIGTERM, SIGINT or SIGHUP seen: a request waiting for the server gives
 * up too. */
volatile sig_atomic_t *
console_term_flag(void)
{
    return &got_term;
}

struct io {
    bool input, hangup;
};

static void
on_stdin(int watch, int fd, int events, void *opaque)
{
    struct io *io = opaque;

    (void)watch;
    (void)fd;
    if (events & LOOP_READ)
        io->input = true;
    else if (events & (LOOP_HANGUP | LOOP_ERROR))
        io->hangup = true;
}

static void
on_sig_pipe(int watch, int fd, int events, void *opaque)
{
    char buf[64];

    (void)watch;
    (void)events;
    (void)opaque;
    while (read(fd, buf, sizeof buf) > 0)
        ;
}

/* What the loop drives: the console or a replay on its own. */
struct screen {
    void *ctx;
    void (*key)(void *ctx, int key, uint64_t now_ms);
    void (*tick)(void *ctx, uint64_t now_ms);
    int (*wait_ms)(void *ctx, uint64_t now_ms);
    bool (*draw)(void *ctx, bool force);
    bool (*quit)(void *ctx);
    void (*invalidate)(void *ctx);
};

/* The theme, the terminal and the signals. Returns 0, or an exit code. */
static int
term_start(struct ui_term *t, const char *theme_name, char *warn,
           size_t warn_n)
{
    struct theme th;
    struct sigaction sa;
    bool no_color = getenv("NO_COLOR") != NULL && getenv("NO_COLOR")[0];
    char *path = NULL;
    struct ferry_err err;

    theme_default(&th);
    if (theme_name != NULL) {
        path = theme_find(theme_name);
        if (path == NULL) {
            fprintf(stderr, "ferry: no theme named '%s' (default, light, "
                            "high-contrast, mono)\n",
                    theme_name);
            return 2;
        }
        if (theme_load(&th, path, warn, warn_n, &err) < 0) {
            fprintf(stderr, "ferry: %s\n", err.msg);
            free(path);
            return 2;
        }
        if (strcmp(th.name, "mono") == 0)
            th.mono = true;
        free(path);
    }
    if (pipe(sig_pipe) < 0)
        return 1;
    fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
    fcntl(sig_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(sig_pipe[1], F_SETFD, FD_CLOEXEC);
    if (ui_term_init(t, stdin, stdout, NULL, &th, no_color) < 0) {
        fprintf(stderr, "ferry: cannot start the terminal (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "unset");
        close(sig_pipe[0]);
        close(sig_pipe[1]);
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static void
term_stop(struct ui_term *t)
{
    ui_term_fini(t);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
}

/* The one poll() loop: keys, signals, resizes and the screen's timers. */
static void
screen_loop(const struct screen *s, struct loop *loop)
{
    struct io io = {0};
    int w_in, w_sig;

    s->tick(s->ctx, loop_now_ms());
    s->draw(s->ctx, true);
    w_in = loop_add_fd(loop, STDIN_FILENO, LOOP_READ, on_stdin, &io, NULL);
    w_sig = loop_add_fd(loop, sig_pipe[0], LOOP_READ, on_sig_pipe, NULL, NULL);
    while (!s->quit(s->ctx) && !got_term && !io.hangup) {
        int timeout = s->wait_ms(s->ctx, loop_now_ms());

        if (loop_run_once(loop, timeout) < 0)
            break;
        if (got_winch) {
            struct winsize ws;

            got_winch = 0;
            if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
                resizeterm(ws.ws_row, ws.ws_col);
            s->invalidate(s->ctx);
        }
        if (io.input) {
            wint_t ch;
            int r;

            io.input = false;
            while ((r = get_wch(&ch)) != ERR) {
                if (r == KEY_CODE_YES || ch < 0x80)
                    s->key(s->ctx, (int)ch, loop_now_ms());
            }
        }
        s->tick(s->ctx, loop_now_ms());
        s->draw(s->ctx, false);
    }
    loop_remove_fd(loop, w_in);
    loop_remove_fd(loop, w_sig);
    loop_run_once(loop, 0); /* run the removals */
}

static void
c_key(void *ctx, int key, uint64_t now_ms)
{
    (void)now_ms;
    console_key(ctx, key);
}

static void
c_tick(void *ctx, uint64_t now_ms)
{
    console_tick(ctx, now_ms);
}

static int
c_timeout(void *ctx, uint64_t now_ms)
{
    return console_timeout_ms(ctx, now_ms);
}

static bool
c_draw(void *ctx, bool force)
{
    return console_draw(ctx, force);
}

static bool
c_quit(void *ctx)
{
    return console_quit(ctx);
}

static void
c_invalidate(void *ctx)
{
    console_invalidate(ctx);
}

/* Run the console until the operator quits. Returns an exit code. */
int
console_run(const struct console_opts *o, const char *theme_name, char *warn,
            size_t warn_n, struct loop *loop)
{
    struct ui_term t;
    struct console *c;
    struct screen s = {.key = c_key, .tick = c_tick, .wait_ms = c_timeout,
                       .draw = c_draw, .quit = c_quit,
                       .invalidate = c_invalidate};
    int rc = term_start(&t, theme_name, warn, warn_n);

    if (rc != 0)
        return rc;
    {
        struct console_opts co = *o;

        co.loop = loop;
        c = console_new(&t, &co);
    }
    if (warn != NULL && warn[0] != '\0')
        console_status(c, true, warn); /* a bad theme value, and where */
    s.ctx = c;
    screen_loop(&s, loop);
    console_free(c);
    term_stop(&t);
    return 0;
}

static void
r_key(void *ctx, int key, uint64_t now_ms)
{
    replay_key(ctx, key, now_ms);
}

static void
r_tick(void *ctx, uint64_t now_ms)
{
    replay_tick(ctx, now_ms);
}

static int
r_timeout(void *ctx, uint64_t now_ms)
{
    return replay_timeout_ms(ctx, now_ms);
}

static bool
r_draw(void *ctx, bool force)
{
    return replay_screen_draw(ctx, force);
}

static bool
r_quit(void *ctx)
{
    return replay_closed(ctx);
}

static void
r_invalidate(void *ctx)
{
    replay_invalidate(ctx);
}

/* `ferry replay FILE`: the replay on its own. Takes d. */
int
replay_run(struct flog_data *d, const struct replay_opts *o,
           const char *theme_name, struct loop *loop)
{
    struct ui_term t;
    struct replay *r;
    char warn[512] = "";
    struct screen s = {.key = r_key, .tick = r_tick, .wait_ms = r_timeout,
                       .draw = r_draw, .quit = r_quit,
                       .invalidate = r_invalidate};
    int rc = term_start(&t, theme_name, warn, sizeof warn);

    if (rc != 0) {
        flog_data_free(d);
        return rc;
    }
    r = replay_new(&t, d, o);
    s.ctx = r;
    screen_loop(&s, loop);
    replay_free(r);
    term_stop(&t);
    return 0;
}

static void
ev_key(void *ctx, int key, uint64_t now_ms)
{
    evac_tl_key(ctx, key, now_ms);
}

static void
ev_tick(void *ctx, uint64_t now_ms)
{
    evac_tl_tick(ctx, now_ms);
}

static int
ev_timeout(void *ctx, uint64_t now_ms)
{
    return evac_tl_timeout_ms(ctx, now_ms);
}

static bool
ev_draw(void *ctx, bool force)
{
    return evac_tl_screen_draw(ctx, force);
}

static bool
ev_quit(void *ctx)
{
    return evac_tl_closed(ctx);
}

static void
ev_invalidate(void *ctx)
{
    evac_tl_invalidate(ctx);
}

/* `ferry replay FILE` on an evacuation's summary log: its timeline, a
 * move's flight log replayed over it with the built-in policies for
 * what-ifs. A log that cannot be read is bad input (2), said with its
 * file and line. */
int
evac_replay_run(const char *path, const char *theme_name, struct loop *loop)
{
    struct ui_term t;
    struct evac_log l;
    struct evac_tl *e;
    struct policy_set pols;
    struct ferry_err err;
    struct replay_opts ro = {.loop = loop};
    char warn[512] = "";
    struct screen s = {.key = ev_key, .tick = ev_tick, .wait_ms = ev_timeout,
                       .draw = ev_draw, .quit = ev_quit,
                       .invalidate = ev_invalidate};
    int rc;

    if (evac_log_read(path, &l, &err) < 0) {
        fprintf(stderr, "ferry: %s\n", err.msg);
        return 2;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        evac_log_fini(&l);
        fprintf(stderr, "ferry: the timeline needs a terminal (%s is an "
                        "evacuation's summary log)\n",
                path);
        return 2;
    }
    policy_set_init(&pols);
    if (policy_set_builtin(&pols, &err) == 0)
        ro.policies = &pols;
    rc = term_start(&t, theme_name, warn, sizeof warn);
    if (rc != 0) {
        evac_log_fini(&l);
        policy_set_fini(&pols);
        return rc;
    }
    e = evac_tl_new(&t, &l, path, &ro);
    s.ctx = e;
    screen_loop(&s, loop);
    evac_tl_free(e);
    term_stop(&t);
    policy_set_fini(&pols);
    return 0;
}

/* ---- the console's jobs are the server's --------------------------------- */

static size_t
l_n_jobs(void *ctx)
{
    return client_jobs(ctx);
}

static const struct job_view *
l_job_at(void *ctx, size_t i)
{
    return client_job_at(ctx, i);
}

static const struct job_view *
l_job(void *ctx, long id)
{
    return client_job(ctx, id);
}

static long
l_start(void *ctx, const struct job_req *rq, struct ferry_err *err)
{
    struct client *cl = ctx;
    json_object *r = proto_request(0, "migrate"), *job;
    int64_t id = -1;

    json_object_object_add(r, "request", job_req_to_json(rq));
    r = client_call(cl, r, CLIENT_TIMEOUT_MS, err);
    if (r == NULL)
        return -1;
    if (jf_obj(r, "job", true, &job, err) < 0 ||
        jf_i64(job, "id", true, &id, err) < 0) {
        json_object_put(r);
        return -1;
    }
    /* the job's own messages follow; know it at once */
    client_note_job(cl, job);
    json_object_put(r);
    return (long)id;
}

static json_object *
job_request(const char *cmd, long id)
{
    json_object *r = proto_request(0, cmd);

    json_object_object_add(r, "job", json_object_new_int64(id));
    return r;
}

/* A request about a job; the reply says how the job is now. */
static int
call_ok(struct client *cl, json_object *r, struct ferry_err *err)
{
    json_object *job;

    r = client_call(cl, r, CLIENT_TIMEOUT_MS, err);
    if (r == NULL)
        return -1;
    if (json_object_object_get_ex(r, "job", &job) && job != NULL)
        client_note_job(cl, job);
    json_object_put(r);
    return 0;
}

static int
l_act(void *ctx, long id, enum action_kind a, uint64_t value,
      struct ferry_err *err)
{
    json_object *r = job_request("act", id);

    jf_add_str(r, "action", action_name(a));
    if (value > 0)
        json_object_object_add(r, "value", json_object_new_uint64(value));
    return call_ok(ctx, r, err);
}

static int
l_budget(void *ctx, long id, uint64_t budget_ms, struct ferry_err *err)
{
    json_object *r = job_request("budget", id);

    json_object_object_add(r, "budget_ms", json_object_new_uint64(budget_ms));
    return call_ok(ctx, r, err);
}

static int
l_take_over(void *ctx, long id, const char *policy, uint64_t budget_ms,
            struct ferry_err *err)
{
    json_object *r = job_request("take_over", id);

    jf_add_str(r, "policy", policy);
    jf_add_u64(r, "budget_ms", budget_ms);
    return call_ok(ctx, r, err);
}

static int
l_queue_move(void *ctx, long id, int delta, struct ferry_err *err)
{
    json_object *r = job_request("queue_move", id);

    json_object_object_add(r, "delta", json_object_new_int(delta));
    return call_ok(ctx, r, err);
}

static char *
l_queue_why(void *ctx, const struct job_req *rq)
{
    json_object *r = proto_request(0, "queue_preview");
    struct ferry_err err;
    const char *why = "";
    char *s;

    json_object_object_add(r, "request", job_req_to_json(rq));
    r = client_call(ctx, r, CLIENT_TIMEOUT_MS, &err);
    if (r == NULL)
        return xasprintf("the server's answer (%s)", err.msg);
    jf_str(r, "waits_for", false, &why, &err);
    s = xstrdup(why);
    json_object_put(r);
    return s;
}

static const char *
l_gone(void *ctx)
{
    const char *why;

    return client_closed(ctx, &why) ? why : NULL;
}

/* ---- evacuations ------------------------------------------------------------ */

static json_object *
evac_request(const char *cmd, const struct evac_args *a)
{
    json_object *r = proto_request(0, cmd);

    evac_args_to_json(a, r);
    return r;
}

static int
l_evac_plan(void *ctx, const struct evac_args *a, struct evac_view *out,
            struct ferry_err *err)
{
    json_object *r = client_call(ctx, evac_request("evac_plan", a),
                                 CLIENT_TIMEOUT_MS, err), *ev;
    int rc;

    if (r == NULL)
        return -1;
    rc = jf_obj(r, "evac", true, &ev, err) < 0 ||
                 evac_view_read(ev, out, err) < 0
             ? -1
             : 0;
    json_object_put(r);
    return rc;
}

static long
l_evac_start(void *ctx, const struct evac_args *a, struct ferry_err *err)
{
    json_object *r = client_call(ctx, evac_request("evacuate", a),
                                 CLIENT_TIMEOUT_MS, err), *ev;
    int64_t id = -1;

    if (r == NULL)
        return -1;
    if (jf_obj(r, "evac", true, &ev, err) < 0 ||
        jf_i64(ev, "id", true, &id, err) < 0 ||
        client_note_evac(ctx, ev) < 0) {
        if (id >= 0)
            err_set(err, "the server's evacuation could not be read");
        id = -1;
    }
    json_object_put(r);
    return (long)id;
}

static int
l_evac_abort(void *ctx, long id, struct ferry_err *err)
{
    json_object *r = proto_request(0, "evac_abort");

    json_object_object_add(r, "evac", json_object_new_int64(id));
    return call_ok(ctx, r, err);
}

static int
l_maintenance(void *ctx, const char *host, bool on, struct ferry_err *err)
{
    json_object *r = proto_request(0, "maintenance");

    jf_add_str(r, "host", host);
    json_object_object_add(r, "on", json_object_new_boolean(on));
    return call_ok(ctx, r, err);
}

static size_t
l_n_evacs(void *ctx)
{
    return client_evacs(ctx);
}

static const struct evac_view *
l_evac_at(void *ctx, size_t i)
{
    return client_evac_at(ctx, i);
}

const struct console_ops console_link_ops = {
    .evac_plan = l_evac_plan,
    .evac_start = l_evac_start,
    .evac_abort = l_evac_abort,
    .maintenance = l_maintenance,
    .n_evacs = l_n_evacs,
    .evac_at = l_evac_at,
    .n_jobs = l_n_jobs,
    .job_at = l_job_at,
    .job = l_job,
    .start = l_start,
    .act = l_act,
    .budget = l_budget,
    .queue_move = l_queue_move,
    .take_over = l_take_over,
    .queue_why = l_queue_why,
    .gone = l_gone,
};
