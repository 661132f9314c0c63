/* Off-screen UI tests: curses on /dev/null, screens read back as text and
 * compared with expected screens (tests/ui/expected/). Set
 * FERRY_UPDATE_GOLDEN=1 to rewrite them after an intended change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include <wchar.h>

#include "ferry/console.h"
#include "ferry/evac.h"
#include "ferry/evacview.h"
#include "ferry/jobs.h"
#include "ferry/jobview.h"
#include "ferry/loop.h"
#include "ferry/sim.h"
#include "ferry/ui.h"
#include "ferry/runner_sim.h"
#include "replay.h"
#include "evac_timeline.h"

static struct ui_term term;
static FILE *devnull_in, *devnull_out;

static int
setup(void **state)
{
    struct theme th;

    (void)state;
    setenv("LANG", "C.UTF-8", 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    devnull_in = fopen("/dev/null", "r");
    devnull_out = fopen("/dev/null", "w");
    theme_default(&th);
    if (ui_term_init(&term, devnull_in, devnull_out, "xterm-256color", &th,
                     false) < 0)
        return -1;
    resizeterm(24, 80);
    return term.utf8 ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    ui_term_fini(&term);
    fclose(devnull_in);
    fclose(devnull_out);
    return 0;
}

/* Row y of the virtual screen as UTF-8, trailing blanks trimmed. */
static void
screen_row(int y, char *out, size_t n)
{
    size_t off = 0;
    mbstate_t st;

    memset(&st, 0, sizeof st);
    for (int x = 0; x < COLS && off + 8 < n; x++) {
        cchar_t cc;
        wchar_t wc[CCHARW_MAX + 1];
        attr_t a;
        short pair;

        mvwin_wch(stdscr, y, x, &cc);
        getcchar(&cc, wc, &a, &pair, NULL);
        if (wc[0] == 0)
            continue;
        if (wc[0] < 0x80) {
            out[off++] = (char)wc[0];
        } else if ((a & A_ALTCHARSET) || (cc.attr & A_ALTCHARSET)) {
            out[off++] = '+';
        } else {
            size_t k = wcrtomb(out + off, wc[0], &st);

            if (k != (size_t)-1)
                off += k;
        }
    }
    while (off > 0 && out[off - 1] == ' ')
        off--;
    out[off] = '\0';
}

static char *
screen_text(void)
{
    size_t n = (size_t)LINES * (size_t)(COLS * 4 + 2) + 1, off = 0;
    char *s = malloc(n), row[1024];

    for (int y = 0; y < LINES; y++) {
        screen_row(y, row, sizeof row);
        off += (size_t)snprintf(s + off, n - off, "%s\n", row);
    }
    return s;
}

/* Goldens rewritten in this run: such a run checks nothing and fails. */
static int rewritten;

static void
golden(const char *name)
{
    char path[512], *got = screen_text(), *want;
    size_t len;
    struct ferry_err err;

    snprintf(path, sizeof path, "%s/tests/ui/expected/%s.txt", SRCDIR, name);
    if (getenv("FERRY_UPDATE_GOLDEN") != NULL) {
        FILE *f;

        if (getenv("CI") != NULL)
            fail_msg("FERRY_UPDATE_GOLDEN is set under CI: refusing to "
                     "rewrite the expected screens");
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(got, f);
        fclose(f);
        rewritten++;
    }
    want = file_read_all(path, &len, &err);
    if (want == NULL)
        fail_msg("%s (FERRY_UPDATE_GOLDEN=1 writes it)", err.msg);
    if (strcmp(want, got) != 0) {
        fprintf(stderr, "--- expected %s\n%s--- got\n%s", name, want, got);
        free(want);
        free(got);
        fail_msg("screen %s differs", name);
    }
    free(want);
    free(got);
}

static void
graph_braille_packs_two_samples_per_cell(void **state)
{
    /* Max 20 ms rounds up to 50: 8 levels over 2 rows; levels 3,2,1,0. */
    double v[] = {20, 10, 5, 0};
    struct graph g = {.title = "t", .unit = GU_MS, .area = v, .n_area = 4,
                      .area_role = ROLE_GRAPH_DOWNTIME, .ref = -1};
    char row[512];

    (void)state;
    werase(stdscr);
    ui_graph_draw(&term, stdscr, 0, 0, 4, 40, &g);
    screen_row(2, row, sizeof row);
    /* label (10) + axis, then U+28E6 (left 3, right 2), U+2840 (left 1) */
    assert_non_null(strstr(row, "\u2502\u28e6\u2840"));
    assert_string_equal(strstr(row, "\u2502") + 3, "\u28e6\u2840");
    screen_row(1, row, sizeof row);
    assert_non_null(strstr(row, "50 ms"));
    screen_row(2, row, sizeof row);
    assert_int_equal(strncmp(row, "         0", 10), 0);
}

static void
graph_ascii_fallback_uses_one_sample_per_cell(void **state)
{
    double v[] = {20, 10, 5, 0};
    struct graph g = {.title = "t", .unit = GU_MS, .area = v, .n_area = 4,
                      .area_role = ROLE_GRAPH_DOWNTIME, .ref = 40,
                      .ref_role = ROLE_BUDGET, .ref_label = "budget"};
    char row[512];

    (void)state;
    term.utf8 = false;
    werase(stdscr);
    ui_graph_draw(&term, stdscr, 0, 0, 4, 40, &g);
    term.utf8 = true;
    screen_row(2, row, sizeof row);
    if (strncmp(row + 11, "|:.", 3) != 0)
        fail_msg("ascii row: '%s'", row);
    screen_row(1, row, sizeof row);
    /* the budget (40 of 50) is drawn as '=' where there is no data */
    assert_non_null(strstr(row, "===="));
    assert_null(strpbrk(row, "\xe2"));
}

static void
theme_falls_back_and_reports_bad_values_with_line(void **state)
{
    char path[] = "/tmp/ferry-themeXXXXXX", warn[512];
    int fd = mkstemp(path);
    struct theme def, th;
    struct ferry_err err;
    FILE *f = fdopen(fd, "w");

    (void)state;
    fputs("[theme]\nname = t\n[colors]\nselection = 1, 2, bold\n"
          "error = purple-ish, default\nsparkles = 1, 2\n",
          f);
    fclose(f);
    theme_default(&def);
    theme_default(&th);
    assert_int_equal(theme_load(&th, path, warn, sizeof warn, &err), 0);
    assert_string_equal(th.name, "t");
    assert_int_equal(th.s[ROLE_SELECTION].fg, 1);
    assert_int_equal(th.s[ROLE_SELECTION].bg, 2);
    assert_true(th.s[ROLE_SELECTION].attrs & ATTR_BOLD);
    /* a bad value keeps the default and says where */
    assert_int_equal(th.s[ROLE_ERROR].fg, def.s[ROLE_ERROR].fg);
    assert_non_null(strstr(warn, ":5: [colors] error"));
    assert_non_null(strstr(warn, ":6: [colors] sparkles: unknown key"));
    /* keys it does not set come from the default */
    assert_int_equal(th.s[ROLE_HEADER].bg, def.s[ROLE_HEADER].bg);
    unlink(path);
    assert_int_equal(theme_load(&th, "/nonexistent.theme", warn, sizeof warn,
                                &err),
                     -1);
}

static void
shipped_themes_load_cleanly(void **state)
{
    const char *names[] = {"default", "light", "high-contrast", "mono"};

    (void)state;
    for (size_t i = 0; i < 4; i++) {
        char path[512], warn[256];
        struct theme th;
        struct ferry_err err;

        snprintf(path, sizeof path, "%s/themes/%s.theme", SRCDIR, names[i]);
        theme_default(&th);
        assert_int_equal(theme_load(&th, path, warn, sizeof warn, &err), 0);
        assert_string_equal(warn, "");
        assert_string_equal(th.name, names[i]);
    }
}

static void
colors_degrade_to_eight(void **state)
{
    (void)state;
    assert_int_equal(color_to8(-1), -1);
    assert_int_equal(color_to8(196), 1);  /* bright red -> red */
    assert_int_equal(color_to8(46), 2);   /* green */
    assert_int_equal(color_to8(21), 4);   /* blue */
    assert_int_equal(color_to8(15), 7);
    assert_int_equal(color_to8(234), 0);  /* dark grey -> black */
}

static struct policy_set policies;
static struct hv *hv;

/* The console owns no job: here a jobs table of our own stands where the
 * server does, its records read into job views as a client reads them. */
struct local {
    struct jobs *js;
    struct job_view **v;
    size_t n;
};

static struct local loc;

static struct job_view *
view_of(long id)
{
    for (size_t i = 0; i < loc.n; i++)
        if (loc.v[i]->id == id)
            return loc.v[i];
    loc.v = realloc(loc.v, (loc.n + 1) * sizeof *loc.v);
    return loc.v[loc.n++] = job_view_new(id);
}

static void
on_record(void *ctx, const struct job *j, const char *line, size_t len)
{
    struct ferry_err err;

    (void)ctx;
    assert_int_equal(job_view_record(view_of(job_id(j)), line, len, &err), 0);
}

static void
on_change(void *ctx, const struct job *j)
{
    struct ferry_err err;
    json_object *meta = job_meta_json(loc.js, j);

    (void)ctx;
    assert_int_equal(job_view_meta(view_of(job_id(j)), meta, &err), 0);
    json_object_put(meta);
}

static size_t
l_n_jobs(void *ctx)
{
    (void)ctx;
    return loc.n;
}

static const struct job_view *
l_job_at(void *ctx, size_t i)
{
    (void)ctx;
    return i < loc.n ? loc.v[i] : NULL;
}

static const struct job_view *
l_job(void *ctx, long id)
{
    (void)ctx;
    for (size_t i = 0; i < loc.n; i++)
        if (loc.v[i]->id == id)
            return loc.v[i];
    return NULL;
}

static long
l_start(void *ctx, const struct job_req *rq, struct ferry_err *err)
{
    const struct job *j = jobs_submit(loc.js, rq, NULL, err);

    (void)ctx;
    return j ? job_id(j) : -1;
}

static int
l_act(void *ctx, long id, enum action_kind a, uint64_t value,
      struct ferry_err *err)
{
    (void)ctx;
    return jobs_act(loc.js, id, a, value, err);
}

static int
l_budget(void *ctx, long id, uint64_t ms, struct ferry_err *err)
{
    (void)ctx;
    return jobs_set_budget(loc.js, id, ms, err);
}

static int
l_queue_move(void *ctx, long id, int delta, struct ferry_err *err)
{
    (void)ctx;
    return jobs_queue_move(loc.js, id, delta, err);
}

static char *
l_why(void *ctx, const struct job_req *rq)
{
    (void)ctx;
    return jobs_queue_why(loc.js, rq);
}

static const struct console_ops local_ops = {
    .n_jobs = l_n_jobs, .job_at = l_job_at, .job = l_job,
    .start = l_start, .act = l_act, .budget = l_budget,
    .queue_move = l_queue_move, .queue_why = l_why,
};

static void
local_fini(void)
{
    jobs_free(loc.js);
    for (size_t i = 0; i < loc.n; i++)
        job_view_free(loc.v[i]);
    free(loc.v);
    memset(&loc, 0, sizeof loc);
}

static struct console *
console_q(const struct queue_cfg *q)
{
    struct ferry_err err;
    struct console_opts o = {0};
    struct jobs_cfg jc = {0};

    local_fini();
    hv_free(hv);
    hv = hv_sim_new(sim_dc_demo(&err), true);
    if (policies.n == 0)
        policy_set_builtin(&policies, &err);
    jc.hv = hv;
    jc.policies = &policies;
    jc.queue = q;
    jc.no_log = true;
    jc.on_record = on_record;
    jc.on_change = on_change;
    loc.js = jobs_new(&jc);
    jobs_tick(loc.js, 0); /* our clock starts at 0 */
    o.hv = hv;
    o.ops = &local_ops;
    o.policies = &policies;
    o.source_label = "demo datacenter";
    o.no_log = true;
    o.default_budget_ms = 300;
    return console_new(&term, &o);
}

static struct console *
console(void)
{
    return console_q(NULL);
}

static void fake_on_tick(void);

/* The clock moves: the jobs' owner steps them, the console redraws. */
static void
tick(struct console *c, uint64_t t)
{
    jobs_tick(loc.js, t);
    fake_on_tick();
    console_tick(c, t);
}

static void
keys(struct console *c, const char *s)
{
    for (; *s; s++)
        console_key(c, *s == '\n' ? '\r' : *s);
}

static void
views_at_80x24(void **state)
{
    struct console *c = console();

    (void)state;
    console_tick(c, 0);
    console_draw(c, true);
    golden("vms");
    keys(c, "1");
    console_draw(c, true);
    golden("hosts");
    keys(c, "3");
    console_draw(c, true);
    golden("datastores");
    keys(c, "4");
    console_draw(c, true);
    golden("jobs-empty");
    keys(c, "?");
    console_draw(c, true);
    golden("help");
    console_free(c);
}

static void
table_filters_and_sorts(void **state)
{
    struct console *c = console();
    char *s;

    (void)state;
    keys(c, "/db\n");
    console_draw(c, true);
    s = screen_text();
    assert_non_null(strstr(s, "db-01"));
    assert_non_null(strstr(s, "db-02"));
    assert_null(strstr(s, "web-01"));
    free(s);
    keys(c, "\x1b>>>>r"); /* clear; sort by MEMORY, largest first */
    console_draw(c, true);
    s = screen_text();
    assert_non_null(strstr(s, "MEMORY\u2193"));
    assert_true(strstr(s, "db-02") < strstr(s, "db-01"));
    assert_true(strstr(s, "db-01") < strstr(s, "web-01"));
    free(s);
    console_free(c);
}

static bool screen_has(const char *what);

/* Keys and ':' commands come from one table: the same command by key
 * and by name does the same, commands say where they work, and the help
 * lists every key and command with what it does. */
static void
commands_and_keys_share_one_table(void **state)
{
    struct console *c = console();
    char *s;

    (void)state;
    console_tick(c, 0);
    console_command(c, "sort mem"); /* a column by the start of its name */
    console_draw(c, true);
    assert_true(screen_has("MEMORY\u2191"));
    assert_true(screen_has("sorted by MEMORY"));
    console_command(c, "reverse");
    console_draw(c, true);
    s = screen_text();
    assert_non_null(strstr(s, "MEMORY\u2193"));
    assert_true(strstr(s, "db-02") < strstr(s, "web-01"));
    free(s);
    console_command(c, "sort nosuch");
    console_draw(c, true);
    assert_true(screen_has("no column nosuch here: sort by one of NAME"));
    console_command(c, "filter web-0");
    console_draw(c, true);
    assert_true(screen_has("web-01"));
    assert_false(screen_has("db-01"));
    console_key(c, 27); /* Esc clears the filter first */
    console_draw(c, true);
    assert_true(screen_has("db-01"));
    /* a command for one view, elsewhere: says where it works */
    console_command(c, "hosts");
    console_command(c, "open");
    console_draw(c, true);
    assert_true(screen_has("nothing to open in the hosts"));
    console_command(c, "replay");
    console_draw(c, true);
    assert_true(screen_has(":replay needs a flight log file"));
    console_command(c, "frobnicate");
    console_draw(c, true);
    assert_true(screen_has("unknown command :frobnicate (:help lists"));
    /* the dashboard's commands by VM name from a list */
    console_command(c, "vms");
    console_command(c, "abort web-01");
    console_draw(c, true);
    assert_true(screen_has(":abort: web-01 has no migration"));
    console_command(c, "budget +50");
    console_draw(c, true);
    assert_true(screen_has(":budget: which migration?"));
    console_command(c, "quick db-01");
    keys(c, "\ny");
    for (uint64_t t = 0; t <= 1000; t += 100)
        tick(c, t);
    console_command(c, "vms");
    console_command(c, "budget 450 db-01");
    console_draw(c, true);
    assert_true(screen_has("db-01: downtime budget 450 ms"));
    console_command(c, "abort db-01");
    console_draw(c, true);
    assert_true(screen_has("abort this migration of db-01?"));
    keys(c, "n");
    /* the help: every binding with its command, every command */
    console_command(c, "help");
    console_command(c, "filter :abort");
    console_draw(c, true);
    s = screen_text();
    assert_non_null(strstr(s, "dashboard  a"));
    assert_non_null(strstr(s, "evacuation a"));
    assert_non_null(strstr(s, ":abort [VM]"));
    assert_null(strstr(s, " ? \n")); /* no key without words */
    free(s);
    console_command(c, "help replay");
    console_draw(c, true);
    assert_true(screen_has("Space p"));
    console_free(c);
}

static void
dialog_and_dashboard(void **state)
{
    struct console *c = console();
    char *s;

    (void)state;
    console_tick(c, 0);
    console_command(c, "quick db-02");
    keys(c, "\t"); /* destination host */
    console_key(c, KEY_RIGHT); /* hv-01 -> hv-02 -> hv-03 -> hv-04: AMD, */
    console_key(c, KEY_RIGHT); /* which lacks avx512f */
    console_key(c, KEY_RIGHT);
    console_draw(c, true);
    golden("dialog-incompatible");
    keys(c, "\n");
    console_draw(c, true);
    s = screen_text();
    assert_non_null(strstr(s, "cannot start"));
    free(s);
    console_key(c, 27);
    console_command(c, "quick db-01");
    keys(c, "\ny");
    /* Drive the clock: five seconds into the migration. */
    for (uint64_t t = 0; t <= 5000; t += 100)
        tick(c, t);
    console_draw(c, true);
    golden("dashboard-5s");
    for (uint64_t t = 5000; t <= 30000; t += 100)
        tick(c, t);
    console_draw(c, true);
    s = screen_text();
    assert_non_null(strstr(s, "done"));
    assert_non_null(strstr(s, "switchover"));
    free(s);
    console_free(c);
}

static bool
screen_has(const char *what)
{
    char *s;
    bool r;

    s = screen_text();
    r = strstr(s, what) != NULL;
    free(s);
    return r;
}

/* The wizard off-screen: each step drawn at 80x24; an incompatible host
 * refused; warnings asked for; the move started through the queue. */
static void
wizard_steps(void **state)
{
    struct console *c = console();

    (void)state;
    console_tick(c, 0);
    console_command(c, "migrate db-02");
    console_draw(c, true);
    golden("wizard-kind");
    keys(c, "\n");
    console_draw(c, true);
    golden("wizard-host");
    /* the AMD host, last, lacks avx512f */
    for (int i = 0; i < 4; i++)
        console_key(c, KEY_DOWN);
    keys(c, "\n");
    console_draw(c, true);
    assert_true(screen_has("hv-04 cannot be chosen"));
    assert_true(screen_has("step 2 of 5: Host"));
    console_key(c, KEY_UP);
    console_key(c, KEY_UP);
    console_key(c, KEY_UP);
    keys(c, "\n"); /* hv-01 */
    console_draw(c, true);
    golden("wizard-options");
    keys(c, "\n");
    console_draw(c, true);
    golden("wizard-preflight");
    keys(c, "\n");
    if (screen_has("accept and go on"))
        keys(c, "y");
    console_draw(c, true);
    golden("wizard-review");
    keys(c, "\n");
    console_draw(c, true);
    assert_true(screen_has("db-02: migration started"));
    console_free(c);
}

/* A host limit of one: the second move waits, then starts by itself. */
static void
queue_starts_when_a_slot_frees(void **state)
{
    struct queue_cfg q;
    struct console *c;
    uint64_t t;

    (void)state;
    queue_cfg_default(&q);
    q.host_limit = 1;
    c = console_q(&q);
    console_tick(c, 0);
    console_command(c, "quick web-01");
    keys(c, "\ny");
    console_command(c, "quick web-02");
    keys(c, "\ny");
    console_draw(c, true);
    assert_true(screen_has("QUEUED #1"));
    assert_true(screen_has("web-02 waits for host hv-01 (1 of 1 units"));
    golden("jobs-queued");
    for (t = 0; t <= 120000 && !screen_has("web-02: migration completed");
         t += 100) {
        tick(c, t);
        console_draw(c, false);
    }
    assert_true(screen_has("web-02: migration completed"));
    console_command(c, "jobs");
    console_draw(c, true);
    assert_false(screen_has("QUEUED"));
    console_free(c);
}

static void
too_small_then_recovers(void **state)
{
    struct console *c = console();
    char *s;

    (void)state;
    resizeterm(12, 40);
    console_invalidate(c);
    console_draw(c, true);
    s = screen_text();
    assert_non_null(strstr(s, "terminal too small: 40x12"));
    free(s);
    resizeterm(24, 80);
    console_invalidate(c);
    console_draw(c, true);
    s = screen_text();
    assert_non_null(strstr(s, "NAME"));
    free(s);
    console_free(c);
}

static void
idle_console_draws_nothing(void **state)
{
    struct console *c = console();

    (void)state;
    console_tick(c, 0);
    console_draw(c, true);
    assert_int_equal(console_timeout_ms(c, 0), -1); /* no timer at all */
    console_tick(c, 60000);
    assert_false(console_draw(c, false));
    console_free(c);
}

/* A flight log of the demo's cache-01 (it does not converge; post-copy
 * finishes it), written by the simulator into dir. */
static char *
cache_log(const char *dir)
{
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_demo(&err);
    char *path = xasprintf("%s/20260101T000000Z-cache-01-1.jsonl", dir);
    struct runner_opts o = {.vm = "cache-01", .to = "hv-01",
                            .kind = KIND_COMPUTE, .budget_ms = 300,
                            .log_path = path};
    struct runner *r;

    if (policies.n == 0)
        policy_set_builtin(&policies, &err);
    o.policy = policy_find(&policies, "ferry");
    r = runner_new_sim(dc, &o, NULL, 0, &err);
    assert_non_null(r);
    while (runner_step(r))
        ;
    runner_free(r);
    sim_dc_free(dc);
    return path;
}

/* The replay: the dashboard at fixed positions, the summary, a what-if;
 * and the console's :logs opening the same log. */
static void
replay_positions_summary_and_whatif(void **state)
{
    const char *dir = "/tmp/ferry-ui-replay"; /* fixed: it is on screen */
    char *path;
    struct ferry_err err;
    struct flog_data *d;
    struct replay *r;
    struct replay_opts ro = {.policies = &policies};
    struct console *c;
    struct console_opts co = {0};

    (void)state;
    assert_int_equal(system("rm -rf /tmp/ferry-ui-replay"), 0);
    assert_int_equal(mkdir(dir, 0700), 0);
    path = cache_log(dir);
    d = flog_load(path, &err);
    assert_non_null(d);
    d->h.created = "2026-01-01T00:00:00Z"; /* a fixed date for the golden */
    r = replay_new(&term, d, &ro);
    replay_seek(r, 5000);
    erase();
    replay_screen_draw(r, true);
    golden("replay-5s");
    assert_true(replay_key(r, 'n', 0)); /* the next event: post-copy */
    replay_screen_draw(r, true);
    golden("replay-postcopy");
    assert_true(replay_key(r, 'G', 0));
    replay_screen_draw(r, true);
    golden("replay-end");
    replay_show_summary(r);
    replay_screen_draw(r, true);
    golden("replay-summary");
    assert_true(replay_whatif(r, "qemu-default"));
    replay_screen_draw(r, true);
    golden("replay-whatif");
    /* playing at 64x reaches the end and stops */
    replay_key(r, 27, 0);
    replay_key(r, 'g', 0);
    for (int i = 0; i < 8; i++)
        replay_key(r, '+', 0);
    replay_key(r, ' ', 0);
    assert_int_equal(replay_timeout_ms(r, 0), 200);
    for (uint64_t t = 0; t <= 1000; t += 200)
        replay_tick(r, t);
    assert_int_equal(replay_timeout_ms(r, 1000), -1); /* paused: idle */
    replay_screen_draw(r, true);
    assert_true(screen_has("20.7 s / 20.7 s"));
    replay_free(r);

    /* :logs in the console lists it; Enter replays it */
    hv_free(hv);
    hv = hv_sim_new(sim_dc_demo(&err), true);
    co.hv = hv;
    co.ops = &local_ops;
    co.policies = &policies;
    co.source_label = "demo datacenter";
    co.log_dir = dir;
    co.default_budget_ms = 300;
    c = console_new(&term, &co);
    console_tick(c, 0);
    console_command(c, "logs");
    console_draw(c, true);
    assert_true(screen_has("cache-01   hv-02 -> hv-01   compute completed"));
    assert_true(screen_has("1 flight log in"));
    keys(c, "\n");
    console_draw(c, true);
    assert_true(screen_has("Replay cache-01"));
    assert_true(screen_has("sample 1/"));
    keys(c, "q");
    console_draw(c, true);
    assert_true(screen_has("Flight logs"));
    console_command(c, "replay /nonexistent.jsonl");
    console_draw(c, true);
    assert_true(screen_has("/nonexistent.jsonl: cannot read"));
    console_free(c);
    unlink(path);
    free(path);
    rmdir(dir);
}

/* The what-if runs on a worker: the replay answers keys meanwhile, shows
 * progress, can be cancelled with Esc, and the outcome arrives through the
 * loop. */
static void
replay_whatif_runs_on_a_worker(void **state)
{
    const char *dir = "/tmp/ferry-ui-whatif";
    char *path;
    struct ferry_err err;
    struct flog_data *d;
    struct replay *r;
    struct loop *l = loop_new();
    struct replay_opts ro = {.policies = &policies, .loop = l};
    bool error;
    const char *msg;
    uint64_t start;

    (void)state;
    assert_int_equal(system("rm -rf /tmp/ferry-ui-whatif"), 0);
    assert_int_equal(mkdir(dir, 0700), 0);
    path = cache_log(dir);
    d = flog_load(path, &err);
    assert_non_null(d);
    r = replay_new(&term, d, &ro);
    replay_message(r, &error);

    /* Esc stops a running what-if and keeps the replay */
    assert_true(replay_whatif_start(r, "qemu-default"));
    assert_true(replay_whatif_running(r));
    assert_true(replay_key(r, 27, 0));
    assert_false(replay_whatif_running(r));
    assert_false(replay_closed(r));
    msg = replay_message(r, &error);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "cancelled"));

    /* while it runs, keys work and a second one is refused */
    assert_true(replay_whatif_start(r, "qemu-default"));
    assert_int_equal(replay_timeout_ms(r, 0), 250); /* progress shown */
    assert_true(replay_key(r, 'G', 0));
    replay_screen_draw(r, true);
    assert_true(screen_has("sample 415/415"));
    assert_false(replay_whatif_start(r, "nova"));
    msg = replay_message(r, &error);
    assert_true(error);
    assert_non_null(strstr(msg, "is running (Esc cancels it)"));

    /* the worker wakes the loop when it ends: wait for that state (a
     * sanitized build on a slow machine takes long; no guess of speed) */
    start = loop_now_ms();
    while (replay_whatif_running(r) && loop_now_ms() - start < 600000) {
        loop_run_once(l, 1000);
        replay_tick(r, loop_now_ms());
    }
    assert_false(replay_whatif_running(r));
    msg = replay_message(r, &error);
    assert_non_null(msg);
    assert_false(error);
    assert_non_null(strstr(msg, "what-if: qemu-default with a 300 ms budget: "
                                "did not complete"));
    replay_screen_draw(r, true);
    assert_true(screen_has("what-if: qemu-default, 300 ms"));
    assert_int_equal(replay_timeout_ms(r, 0), -1); /* idle again */
    replay_free(r);
    loop_free(l);
    unlink(path);
    free(path);
    rmdir(dir);
}

/* ---- evacuations: a jobs' owner of our own that plans them ---------------- */

#define LONG_VM "analytics-warehouse-primary-replica-with-a-name-longer-than-any-column-0001"

/* The plan for hv-02, as the server would send it. */
static const char *const evac_plan_json =
    "{\"id\":0,\"host\":\"hv-02\",\"state\":\"planned\",\"policy\":\"ferry\","
    "\"budget_ms\":300,\"parallel\":2,\"planned_ms\":118000,"
    "\"elapsed_ms\":0,\"moves\":["
    "{\"vm\":\"" LONG_VM "\",\"to\":\"hv-01\",\"kind\":\"compute\","
    "\"order\":1,\"predicted_ms\":41000,\"predicted_downtime_ms\":120,"
    "\"converges\":true,\"how\":\"converges in 4 rounds\",\"reason\":"
    "\"hv-01: 9% of its memory and 0.3 vCPUs per core in use after the "
    "move, the least loaded of the 2 hosts that pass every check; "
    "1.16 GiB/s link, about 41.0 s\",\"state\":\"planned\"},"
    "{\"vm\":\"web-03\",\"to\":\"hv-01\",\"kind\":\"compute\",\"order\":2,"
    "\"predicted_ms\":6500,\"predicted_downtime_ms\":40,\"converges\":true,"
    "\"how\":\"converges in 3 rounds\",\"reason\":\"hv-01: the least "
    "loaded\",\"state\":\"planned\"},"
    "{\"vm\":\"db-02\",\"to\":\"hv-01\",\"kind\":\"compute\",\"order\":3,"
    "\"predicted_ms\":52000,\"predicted_downtime_ms\":210,"
    "\"converges\":true,\"how\":\"converges in 6 rounds\",\"reason\":"
    "\"hv-01: the least loaded\",\"state\":\"planned\"},"
    "{\"vm\":\"cache-01\",\"to\":\"hv-03\",\"kind\":\"compute\","
    "\"order\":4,\"predicted_ms\":64000,\"predicted_downtime_ms\":300,"
    "\"converges\":false,\"how\":\"post-copy after 3 rounds\",\"reason\":"
    "\"hv-03: the only host with room\",\"state\":\"planned\"},"
    "{\"vm\":\"ci-01\",\"to\":\"hv-03\",\"ds\":\"ds-ssd-02\",\"kind\":"
    "\"both\",\"order\":5,\"predicted_ms\":77000,"
    "\"predicted_downtime_ms\":90,\"converges\":true,\"how\":\"converges "
    "in 5 rounds\",\"reason\":\"hv-03: disks to ds-ssd-02\","
    "\"state\":\"planned\"}],"
    "\"stays\":[{\"vm\":\"gpu-01\",\"reason\":\"stays on hv-02: it has a "
    "passed-through device (hostdev 0000:3b:00.0); what would let it go: "
    "shutting it down: it can then move cold\",\"shutoff\":false}],"
    "\"remaining\":[\"" LONG_VM "\",\"web-03\",\"db-02\",\"cache-01\","
    "\"ci-01\",\"gpu-01\"]}";

/* The same evacuation a minute in: one move done, one running (its job
 * is real: moves[1].job is set by the test), one queued, one failed and
 * retried. */
static const char *const evac_run_json =
    "{\"id\":7,\"host\":\"hv-02\",\"state\":\"running\",\"policy\":"
    "\"ferry\",\"budget_ms\":300,\"parallel\":2,\"planned_ms\":118000,"
    "\"elapsed_ms\":62000,\"predicted_end_ms\":130000,\"moves\":["
    "{\"vm\":\"" LONG_VM "\",\"to\":\"hv-01\",\"kind\":\"compute\","
    "\"order\":1,\"predicted_ms\":41000,\"predicted_downtime_ms\":120,"
    "\"converges\":true,\"how\":\"converges in 4 rounds\",\"reason\":"
    "\"hv-01: the least loaded\",\"state\":\"done\",\"job\":90,"
    "\"real_ms\":44000,\"real_downtime_ms\":131},"
    "{\"vm\":\"web-03\",\"to\":\"hv-01\",\"kind\":\"compute\",\"order\":2,"
    "\"predicted_ms\":6500,\"predicted_downtime_ms\":40,\"converges\":true,"
    "\"how\":\"converges in 3 rounds\",\"reason\":\"hv-01: the least "
    "loaded\",\"state\":\"running\",\"job\":0},"
    "{\"vm\":\"db-02\",\"to\":\"hv-01\",\"kind\":\"compute\",\"order\":3,"
    "\"predicted_ms\":52000,\"predicted_downtime_ms\":210,"
    "\"converges\":true,\"how\":\"converges in 6 rounds\",\"reason\":"
    "\"hv-01: the least loaded\",\"state\":\"queued\"},"
    "{\"vm\":\"cache-01\",\"to\":\"hv-03\",\"kind\":\"compute\","
    "\"order\":4,\"predicted_ms\":64000,\"predicted_downtime_ms\":300,"
    "\"converges\":false,\"how\":\"post-copy after 3 rounds\",\"reason\":"
    "\"hv-03: the only host with room\",\"state\":\"planned\"},"
    "{\"vm\":\"ci-01\",\"to\":\"hv-01\",\"kind\":\"compute\",\"order\":5,"
    "\"predicted_ms\":77000,\"predicted_downtime_ms\":90,"
    "\"converges\":true,\"how\":\"converges in 5 rounds\",\"reason\":"
    "\"hv-01: next best\",\"state\":\"failed\",\"attempt\":2,"
    "\"tried\":[\"hv-03\"],\"error\":\"hv-01: the destination refused "
    "the guest: domain ci-01 already exists\"}],"
    "\"stays\":[{\"vm\":\"gpu-01\",\"reason\":\"stays on hv-02: it has a "
    "passed-through device (hostdev 0000:3b:00.0)\",\"shutoff\":false}],"
    "\"remaining\":[\"web-03\",\"db-02\",\"cache-01\",\"ci-01\","
    "\"gpu-01\"]}";

/* And at its end: two VMs left. */
static const char *const evac_end_json =
    "{\"id\":7,\"host\":\"hv-02\",\"state\":\"ended\",\"policy\":"
    "\"ferry\",\"budget_ms\":300,\"parallel\":2,\"planned_ms\":118000,"
    "\"elapsed_ms\":126000,\"predicted_end_ms\":126000,\"moves\":["
    "{\"vm\":\"" LONG_VM "\",\"to\":\"hv-01\",\"order\":1,"
    "\"reason\":\"hv-01: the least loaded\","
    "\"state\":\"done\",\"real_ms\":44000,\"real_downtime_ms\":131,"
    "\"predicted_ms\":41000,\"predicted_downtime_ms\":120},"
    "{\"vm\":\"web-03\",\"to\":\"hv-01\",\"order\":2,\"state\":\"done\","
    "\"real_ms\":7000,\"real_downtime_ms\":38,\"predicted_ms\":6500,"
    "\"predicted_downtime_ms\":40},"
    "{\"vm\":\"db-02\",\"to\":\"hv-01\",\"order\":3,\"state\":\"done\","
    "\"real_ms\":50000,\"real_downtime_ms\":220,\"predicted_ms\":52000,"
    "\"predicted_downtime_ms\":210},"
    "{\"vm\":\"cache-01\",\"to\":\"hv-03\",\"order\":4,\"state\":\"done\","
    "\"real_ms\":70000,\"real_downtime_ms\":12,\"predicted_ms\":64000,"
    "\"predicted_downtime_ms\":300},"
    "{\"vm\":\"ci-01\",\"to\":\"hv-01\",\"order\":5,\"state\":\"failed\","
    "\"attempt\":2,\"tried\":[\"hv-03\"],\"error\":\"hv-01: the "
    "destination refused the guest\",\"predicted_ms\":77000,"
    "\"predicted_downtime_ms\":90}],"
    "\"stays\":[{\"vm\":\"gpu-01\",\"reason\":\"stays on hv-02: it has a "
    "passed-through device\"}],"
    "\"remaining\":[\"ci-01\",\"gpu-01\"],"
    "\"result\":{\"empty\":false,\"moved\":4,\"failed\":1,\"left\":["
    "{\"vm\":\"ci-01\",\"reason\":\"failed twice: hv-03, then hv-01 "
    "refused the guest\"},{\"vm\":\"gpu-01\",\"reason\":\"a "
    "passed-through device\"}]}}";

static struct {
    struct evac_view run; /* what n_evacs/evac_at show (once started) */
    bool started;
    long aborted;
    char *plan_host;
    bool maint[8]; /* the owner's maintenance, by host position */
    const char *plan_json, *run_json; /* NULL: the ones above */
} fake;

/* The owner's maintenance state on the model the console reads, as the
 * server sets it before sending the model. */
static void
fake_maint_apply(void)
{
    bool changed = false;

    for (size_t i = 0; i < hv->model->n_hosts && i < 8; i++) {
        changed |= hv->model->hosts[i].maintenance != fake.maint[i];
        hv->model->hosts[i].maintenance = fake.maint[i];
    }
    if (changed) /* a new model, as the server would send */
        hv->generation++;
}

/* The jobs table applies its own maintenance list when it runs checks:
 * the fake owner's is set again after each step. */
static void
fake_on_tick(void)
{
    if (fake.started)
        fake_maint_apply();
}

static void
fake_maint_set(const char *host, bool on)
{
    long i = model_host_pos(hv->model, host);

    assert_true(i >= 0 && i < 8);
    fake.maint[i] = on;
    fake_maint_apply();
}

static void
evac_view_from(const char *json, struct evac_view *v)
{
    json_object *o = json_tokener_parse(json);
    struct ferry_err err;

    assert_non_null(o);
    if (evac_view_read(o, v, &err) < 0)
        fail_msg("evac_view_read: %s", err.msg);
    json_object_put(o);
}

static int
l_evac_plan(void *ctx, const struct evac_args *a, struct evac_view *out,
            struct ferry_err *err)
{
    (void)ctx;
    (void)err;
    free(fake.plan_host);
    fake.plan_host = xstrdup(a->host);
    evac_view_from(fake.plan_json ? fake.plan_json : evac_plan_json, out);
    return 0;
}

static long
l_evac_start(void *ctx, const struct evac_args *a, struct ferry_err *err)
{
    (void)ctx;
    (void)err;
    fake_maint_set(a->host, true); /* the server's doing */
    evac_view_from(fake.run_json ? fake.run_json : evac_run_json, &fake.run);
    fake.started = true;
    return fake.run.id;
}

static int
l_evac_abort(void *ctx, long id, struct ferry_err *err)
{
    (void)ctx;
    (void)err;
    fake.aborted = id;
    return 0;
}

static int
l_maintenance(void *ctx, const char *host, bool on, struct ferry_err *err)
{
    (void)ctx;
    (void)err;
    fake_maint_set(host, on);
    return 0;
}

static size_t
l_n_evacs(void *ctx)
{
    (void)ctx;
    return fake.started ? 1 : 0;
}

static const struct evac_view *
l_evac_at(void *ctx, size_t i)
{
    (void)ctx;
    return fake.started && i == 0 ? &fake.run : NULL;
}

static const struct console_ops evac_ops = {
    .n_jobs = l_n_jobs, .job_at = l_job_at, .job = l_job,
    .start = l_start, .act = l_act, .budget = l_budget,
    .queue_move = l_queue_move, .queue_why = l_why,
    .evac_plan = l_evac_plan, .evac_start = l_evac_start,
    .evac_abort = l_evac_abort, .maintenance = l_maintenance,
    .n_evacs = l_n_evacs, .evac_at = l_evac_at,
};

static struct console *
console_evac(void)
{
    struct console *c = console();

    console_free(c);
    evac_view_fini(&fake.run);
    free(fake.plan_host);
    memset(&fake, 0, sizeof fake);
    {
        struct console_opts o = {0};

        o.hv = hv;
        o.ops = &evac_ops;
        o.policies = &policies;
        o.source_label = "demo datacenter";
        o.no_log = true;
        o.default_budget_ms = 300;
        return console_new(&term, &o);
    }
}

static void
fake_fini(void)
{
    evac_view_fini(&fake.run);
    free(fake.plan_host);
    memset(&fake, 0, sizeof fake);
}

/* The hosts view's e plans the selected host's evacuation: per VM where
 * it goes, the kind, time, downtime, how, the order; what stays and why;
 * the selected row's reason whole below. */
static void
evacuation_plan_from_the_hosts_view(void **state)
{
    struct console *c = console_evac();

    (void)state;
    console_tick(c, 0);
    keys(c, "1");
    console_key(c, KEY_DOWN); /* hv-02 */
    keys(c, "e");
    console_draw(c, true);
    assert_string_equal(fake.plan_host, "hv-02");
    golden("evac-plan");
    /* without UTF-8: ASCII only, cut names end in "~" */
    term.utf8 = false;
    console_draw(c, true);
    term.utf8 = true;
    assert_true(screen_has("analytics-warehouse-pri~"));
    assert_false(screen_has("\xe2"));
    /* the row that stays: its reason whole at the bottom */
    keys(c, "G");
    console_draw(c, true);
    assert_true(screen_has("gpu-01 stays on hv-02: it has a passed-through"));
    assert_true(screen_has("shutting it down"));
    /* the help lists the view's keys */
    keys(c, "?");
    console_command(c, "filter evacuation");
    console_draw(c, true);
    assert_true(screen_has("abort the evacuation (asks"));
    keys(c, "\x1b\x1b");
    /* Esc goes back: nothing started */
    keys(c, "\x1b");
    console_draw(c, true);
    assert_false(fake.started);
    assert_true(screen_has("Hosts"));
    assert_false(screen_has("Evacuate"));
    console_free(c);
    fake_fini();
}

/* Enter starts it: the dashboard, every move with its state, the job's
 * phase and progress, predicted and real downtime; the VMs still on the
 * host; the live end against the planned one; a aborts after a y; at the
 * end the result, and M ends the maintenance. */
static void
evacuation_dashboard_to_the_end(void **state)
{
    struct console *c = console_evac();
    struct ferry_err err;
    struct job_req rq;
    const struct job *j;

    (void)state;
    console_tick(c, 0);
    console_command(c, "evacuate hv-02");
    keys(c, "\n");
    assert_true(fake.started);
    assert_true(model_host(hv->model, "hv-02")->maintenance);
    /* the running move's job: web-03 to hv-01, five seconds in */
    job_req_init(&rq);
    rq.vm = xstrdup("web-03");
    rq.host = xstrdup("hv-01");
    rq.kind = KIND_COMPUTE;
    rq.policy = xstrdup("ferry");
    rq.budget_ms = 300;
    rq.no_log = true;
    j = jobs_submit(loc.js, &rq, NULL, &err);
    job_req_fini(&rq);
    assert_non_null(j);
    fake.run.moves[1].job = job_id(j);
    for (uint64_t t = 0; t <= 1200; t += 100)
        tick(c, t);
    console_draw(c, true);
    golden("evac-dash");
    assert_true(model_host(hv->model, "hv-02")->maintenance);
    /* a asks first */
    keys(c, "a");
    console_draw(c, true);
    assert_true(screen_has("abort the evacuation of hv-02?"));
    keys(c, "n");
    assert_int_equal(fake.aborted, 0);
    keys(c, "ay");
    assert_int_equal(fake.aborted, 7);
    /* M refuses while it runs */
    keys(c, "M");
    console_draw(c, true);
    assert_true(screen_has("hv-02 is being evacuated: maintenance ends"));
    assert_true(model_host(hv->model, "hv-02")->maintenance);
    /* Enter on the running move: its migration dashboard */
    keys(c, "j\n");
    console_draw(c, true);
    assert_true(screen_has("Dirty rate vs bandwidth"));
    keys(c, "\x1b");
    /* the hosts view shows the host in maintenance */
    keys(c, "1");
    console_key(c, KEY_DOWN);
    console_draw(c, true);
    golden("hosts-maintenance");
    /* e on it again: the running evacuation's dashboard, not a plan */
    free(fake.plan_host);
    fake.plan_host = NULL;
    keys(c, "e");
    assert_null(fake.plan_host);
    /* the end (after its last job's): the result, the VMs left and why */
    for (uint64_t t = 1300; t <= 4000; t += 100)
        tick(c, t);
    evac_view_from(evac_end_json, &fake.run);
    tick(c, 4100);
    console_draw(c, false);
    golden("evac-ended");
    assert_true(screen_has("evacuation of hv-02 ended: 2 VMs left on it"));
    keys(c, "M");
    assert_false(model_host(hv->model, "hv-02")->maintenance);
    /* once nothing runs and nothing changes, nothing is drawn */
    {
        uint64_t t = 4200;
        long id = job_id(j);

        for (; t <= 120000 && !job_view_ended(l_job(NULL, id)); t += 100)
            tick(c, t);
        assert_true(job_view_ended(l_job(NULL, id)));
        tick(c, t + 100);
        console_draw(c, true);
        tick(c, t + 20000);
        assert_false(console_draw(c, false));
    }
    console_free(c);
    fake_fini();
}

/* An evacuation of n moves, in state (planned or running). Caller frees. */
static char *
evac_json_of(size_t n, const char *state)
{
    size_t cap = n * 200 + 512, len = 0;
    char *b = malloc(cap);

    len += (size_t)snprintf(b + len, cap - len,
                            "{\"id\":9,\"host\":\"hv-02\",\"state\":\"%s\","
                            "\"budget_ms\":300,\"parallel\":8,"
                            "\"planned_ms\":3600000,\"elapsed_ms\":1000,"
                            "\"predicted_end_ms\":3700000,\"moves\":[",
                            state);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(
            b + len, cap - len,
            "%s{\"vm\":\"vm-%05zu\",\"to\":\"hv-0%d\",\"order\":%zu,"
            "\"predicted_ms\":%zu,\"predicted_downtime_ms\":50,"
            "\"converges\":true,\"state\":\"%s\"}",
            i ? "," : "", i, i % 2 ? 1 : 3, n - i, 1000 + i,
            i < 8 && strcmp(state, "running") == 0 ? "running" : "planned");
    snprintf(b + len, cap - len, "],\"remaining\":[]}");
    return b;
}

/* Thousands of moves: the plan and the dashboard sort, filter and
 * scroll like the lists, and an unchanged evacuation draws nothing. */
static void
evacuation_of_thousands_of_vms(void **state)
{
    struct console *c = console_evac();
    char *plan = evac_json_of(5000, "planned"), *run = evac_json_of(5000, "running");

    (void)state;
    fake.plan_json = plan;
    fake.run_json = run;
    console_tick(c, 0);
    console_command(c, "evacuate hv-02");
    console_draw(c, true);
    assert_true(screen_has("host empty in 1h00m: 5000 VMs move"));
    /* order 1 first: the last VM of the list */
    assert_true(screen_has("  1 vm-04999"));
    keys(c, "G");
    console_draw(c, true);
    assert_true(screen_has(" vm-00000 -> hv-03"));
    keys(c, "/vm-01234\n");
    console_draw(c, true);
    assert_true(screen_has("3766 vm-01234"));
    assert_false(screen_has("vm-01235"));
    keys(c, "\x1b"); /* clears the filter */
    keys(c, "\n");     /* starts it */
    assert_true(fake.started);
    console_tick(c, 100);
    console_draw(c, true);
    assert_true(screen_has("Evacuation of hv-02  running"));
    keys(c, ">>>"); /* by state: the running ones last */
    keys(c, "r");
    console_draw(c, true);
    assert_true(screen_has("running"));
    console_tick(c, 200);
    console_draw(c, true);
    console_tick(c, 5000); /* nothing changed */
    assert_false(console_draw(c, false));
    console_free(c);
    fake_fini();
    free(plan);
    free(run);
}

/* The wizard's host step: the best host marked with its reason and
 * preselected; a host in maintenance is refused and never the best. */
static void
wizard_best_host(void **state)
{
    struct console *c = console();

    (void)state;
    console_tick(c, 0);
    console_command(c, "migrate db-02");
    keys(c, "\n");
    console_draw(c, true);
    assert_true(screen_has(" hv-01           best "));
    assert_true(screen_has("hv-01: the best host: "));
    console_free(c);
    c = console();
    model_host(hv->model, "hv-01")->maintenance = true;
    console_tick(c, 0);
    console_command(c, "migrate db-02");
    keys(c, "\n");
    console_draw(c, true);
    golden("wizard-host-maintenance");
    assert_true(screen_has(" hv-03           best "));
    assert_true(screen_has("hv-03: the best host: "));
    console_key(c, KEY_UP);
    console_key(c, KEY_UP);
    console_draw(c, true);
    assert_true(screen_has("hv-01: cannot be chosen: hv-01 is in maintenance"));
    console_free(c);
}

/* fatal() while curses runs: the terminal is restored (rmcup, the
 * normal screen) before the message is printed, so it is readable. */
static void
fatal_ends_curses_first(void **state)
{
    char path[] = "/tmp/ferry-ui-fatalXXXXXX";
    int fd = mkstemp(path), status;
    pid_t pid;
    char *text, *msg, *rmcup;
    size_t len;
    struct ferry_err err;

    (void)state;
    assert_true(fd >= 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *out = fdopen(dup(fd), "w"), *in = fopen("/dev/null", "r");
        struct ui_term t;
        struct theme th;

        dup2(fd, STDERR_FILENO);
        theme_default(&th);
        if (out == NULL || in == NULL ||
            ui_term_init(&t, in, out, "xterm-256color", &th, false) < 0)
            _exit(3);
        mvaddstr(1, 1, "a screen");
        refresh();
        fatal("broken invariant %d", 42);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    text = file_read_all(path, &len, &err);
    unlink(path);
    close(fd);
    assert_non_null(text);
    msg = strstr(text, "ferry: fatal: broken invariant 42");
    rmcup = strstr(text, "\033[?1049l");
    assert_non_null(msg);
    assert_non_null(rmcup);
    assert_true(rmcup < msg);
    free(text);
}

/* ---- an evacuation's timeline (evac_timeline.h) ------------------------ */

#define EVAC_DIR "/tmp/ferry-ui-evac" /* fixed: it is on screen */

/* The summary log fixture and the flight log its first move names,
 * copied where the screen shows them. */
static char *
evac_fixture(void)
{
    assert_int_equal(system("rm -rf " EVAC_DIR " && mkdir " EVAC_DIR
                            " && cp " SRCDIR "/tests/data/evac-hv-02.jsonl "
                            SRCDIR "/tests/data/evac-web-01.jsonl " EVAC_DIR),
                     0);
    return xstrdup(EVAC_DIR "/evac-hv-02.jsonl");
}

static struct evac_tl *
evac_open(const char *path)
{
    struct evac_log l;
    struct ferry_err err;
    struct replay_opts ro = {.policies = &policies};

    if (evac_log_read(path, &l, &err) < 0)
        fail_msg("%s", err.msg);
    return evac_tl_new(&term, &l, path, &ro);
}

/* The timeline at 80x24: the header, one row per move with its planned
 * and real spans, the cursor and the events at it, the VMs that stayed;
 * the same in ASCII. */
static void
evac_timeline_at_80x24(void **state)
{
    char *path = evac_fixture();
    struct evac_tl *e;

    (void)state;
    if (policies.n == 0) {
        struct ferry_err err;

        policy_set_builtin(&policies, &err);
    }
    e = evac_open(path);
    evac_tl_seek(e, 6000);
    erase();
    assert_true(evac_tl_screen_draw(e, true));
    golden("evac-timeline");
    assert_false(evac_tl_screen_draw(e, false)); /* nothing changed */
    assert_int_equal(evac_tl_timeout_ms(e, 0), -1); /* paused: idle */
    evac_tl_free(e);

    term.utf8 = false;
    e = evac_open(path);
    evac_tl_seek(e, 16000);
    erase();
    evac_tl_screen_draw(e, true);
    golden("evac-timeline-ascii");
    assert_false(screen_has("\xe2")); /* no UTF-8 at all */
    evac_tl_free(e);
    term.utf8 = true;
    unlink(EVAC_DIR "/evac-web-01.jsonl");
    unlink(path);
    rmdir(EVAC_DIR);
    free(path);
}

/* Keys: the cursor steps, plays and stops at the end; Up/Down select;
 * Enter replays the move's own flight log (found next to the summary
 * log) and q comes back; a move without a log, or whose log is gone,
 * says so. */
static void
evac_timeline_keys_and_flight_logs(void **state)
{
    char *path = evac_fixture();
    struct evac_tl *e = evac_open(path);

    (void)state;
    assert_true(evac_tl_key(e, KEY_RIGHT, 0));
    evac_tl_screen_draw(e, false);
    assert_true(screen_has("|| 1x  2.0 s / 23.5 s  step 2.0 s  2 running"));
    assert_true(screen_has("0 ms files-01 queued")); /* the events up to it */
    assert_true(screen_has("200 ms web-01 started \u2192 hv-03 (job 11)"));
    evac_tl_key(e, KEY_RIGHT, 0);
    evac_tl_key(e, KEY_LEFT, 0);
    evac_tl_key(e, 'n', 0); /* the next event: the failure at 5 s */
    evac_tl_screen_draw(e, false);
    assert_true(screen_has("5.0 s / 23.5 s"));
    assert_true(screen_has("5.0 s db-with-a-very-long-name-01 ended: failed "
                           "in 4.7 s: migration failed"));
    evac_tl_key(e, KEY_END, 0);
    evac_tl_screen_draw(e, false);
    assert_true(screen_has("23.5 s / 23.5 s"));
    assert_true(screen_has("23.0 s files-01 ended: failed in 600 ms: "
                           "ds-ssd-02: no space left"));

    /* played at 64x from the start, it stops at the end */
    evac_tl_key(e, KEY_HOME, 0);
    for (int i = 0; i < 6; i++)
        evac_tl_key(e, '+', 0);
    evac_tl_key(e, ' ', 0);
    assert_int_equal(evac_tl_timeout_ms(e, 0), 200);
    for (uint64_t t = 0; t <= 1000; t += 200)
        evac_tl_tick(e, t);
    assert_int_equal(evac_tl_timeout_ms(e, 1000), -1);
    evac_tl_screen_draw(e, false);
    assert_true(screen_has("|| 64x  23.5 s / 23.5 s"));

    /* web-01's flight log, relative to the summary log's directory */
    evac_tl_seek(e, 6000);
    assert_true(evac_tl_key(e, '\r', 0));
    assert_true(evac_tl_in_replay(e));
    evac_tl_screen_draw(e, false);
    assert_true(screen_has("ferry replay  " EVAC_DIR "/evac-web-01.jsonl"));
    assert_true(screen_has("sample 1/"));
    evac_tl_key(e, 'G', 0); /* the replay's own keys */
    evac_tl_screen_draw(e, false);
    assert_true(screen_has("downtime 64 ms (real)"));
    assert_false(evac_tl_closed(e));
    evac_tl_key(e, 'q', 0);
    assert_false(evac_tl_in_replay(e));
    assert_false(evac_tl_closed(e));
    evac_tl_screen_draw(e, false);
    assert_true(screen_has("evacuation of hv-02"));

    /* the second move's logs are gone; the third names none */
    evac_tl_key(e, KEY_DOWN, 0);
    evac_tl_key(e, '\r', 0);
    assert_false(evac_tl_in_replay(e));
    assert_non_null(strstr(evac_tl_status(e),
                           "db-with-a-very-long-name-01: its flight log is "
                           "missing: " EVAC_DIR "/evac-db-missing"));
    evac_tl_key(e, KEY_DOWN, 0);
    evac_tl_key(e, '\r', 0);
    assert_string_equal(evac_tl_status(e), "cache-01 has no flight log (the "
                                           "log names none)");
    /* past the last move, over the heading, to the VMs that stayed */
    evac_tl_key(e, KEY_DOWN, 0);
    evac_tl_key(e, KEY_DOWN, 0);
    evac_tl_key(e, KEY_DOWN, 0);
    evac_tl_key(e, '\r', 0);
    assert_non_null(strstr(evac_tl_status(e), "gpu-01 stayed on hv-02: a "
                                              "passed-through device"));
    evac_tl_key(e, 'q', 0);
    assert_true(evac_tl_closed(e));
    evac_tl_free(e);
    unlink(EVAC_DIR "/evac-web-01.jsonl");
    unlink(path);
    rmdir(EVAC_DIR);
    free(path);
}

/* Thousands of moves: the list scrolls to the selection, the last row
 * shows, and a frame draws the rows on screen only. */
static void
evac_timeline_thousands_of_moves(void **state)
{
    const char *path = "/tmp/ferry-ui-evac-big.jsonl";
    FILE *f = fopen(path, "w");
    struct evac_tl *e;
    char row[1024];
    const size_t n = 5000;

    (void)state;
    assert_non_null(f);
    fprintf(f, "{\"type\":\"evac_header\",\"version\":1,\"host\":\"big\","
               "\"unix_ms\":1767225600000,\"id\":1}\n"
               "{\"type\":\"evac_plan\",\"evac\":{\"host\":\"big\","
               "\"planned_ms\":%zu,\"moves\":[",
            n * 100);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s{\"vm\":\"vm-%05zu\",\"to\":\"hv-%zu\",\"order\":%zu,"
                   "\"start_ms\":%zu,\"end_ms\":%zu,\"predicted_ms\":1000}",
                i ? "," : "", i, i % 7, i + 1, i * 100, i * 100 + 1000);
    fprintf(f, "]}}\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "{\"type\":\"evac_event\",\"t_ms\":%zu,\"vm\":\"vm-%05zu\","
                   "\"event\":\"started\",\"to\":\"hv-%zu\"}\n"
                   "{\"type\":\"evac_event\",\"t_ms\":%zu,\"vm\":\"vm-%05zu\","
                   "\"event\":\"ended\",\"outcome\":\"completed\"}\n",
                i * 100, i, i % 7, i * 100 + 1100, i);
    fclose(f);
    e = evac_open(path);
    evac_tl_seek(e, 250000);
    evac_tl_key(e, KEY_SEND, 0);
    evac_tl_screen_draw(e, true);
    assert_true(screen_has("vm-04999"));
    assert_false(screen_has("vm-00000"));
    assert_true(screen_has("no result"));
    assert_true(screen_has("moved 5000"));
    assert_true(screen_has("11 running")); /* 1.1 s each, one per 100 ms */
    evac_tl_key(e, KEY_SHOME, 0);
    evac_tl_screen_draw(e, false);
    screen_row(4, row, sizeof row);
    assert_non_null(strstr(row, "vm-00000"));
    for (int i = 0; i < 40; i++)
        evac_tl_key(e, KEY_NPAGE, 0);
    evac_tl_screen_draw(e, false);
    assert_true(screen_has("vm-00"));
    evac_tl_free(e);
    unlink(path);
}

/* Moves that never ran (cancelled while queued, a destination not
 * reachable) draw no real span; a retry after one shows both
 * destinations. */
static void
evac_timeline_moves_that_never_ran(void **state)
{
    const char *path = "/tmp/ferry-ui-evac-never.jsonl";
    FILE *f = fopen(path, "w");
    struct evac_tl *e;
    char row[1024];

    (void)state;
    assert_non_null(f);
    fputs("{\"type\":\"evac_header\",\"version\":1,\"host\":\"src\","
          "\"unix_ms\":1767225600000,\"id\":1}\n"
          "{\"type\":\"evac_plan\",\"evac\":{\"host\":\"src\","
          "\"planned_ms\":2000,\"moves\":[{\"vm\":\"v1\",\"to\":\"b\","
          "\"order\":1,\"end_ms\":1000},{\"vm\":\"v2\",\"to\":\"b\","
          "\"order\":2,\"start_ms\":1000,\"end_ms\":2000}]}}\n"
          "{\"type\":\"evac_event\",\"t_ms\":0,\"vm\":\"v1\","
          "\"event\":\"ended\",\"to\":\"b\",\"outcome\":\"failed\","
          "\"real_ms\":0,\"error\":\"not started: b is not reachable\"}\n"
          "{\"type\":\"evac_event\",\"t_ms\":0,\"vm\":\"v1\","
          "\"event\":\"retry\",\"to\":\"a\"}\n"
          "{\"type\":\"evac_event\",\"t_ms\":0,\"vm\":\"v1\","
          "\"event\":\"started\",\"to\":\"a\"}\n"
          "{\"type\":\"evac_event\",\"t_ms\":1000,\"vm\":\"v1\","
          "\"event\":\"ended\",\"to\":\"a\",\"outcome\":\"completed\"}\n"
          "{\"type\":\"evac_event\",\"t_ms\":1000,\"vm\":\"v2\","
          "\"event\":\"ended\",\"to\":\"b\",\"outcome\":\"cancelled\","
          "\"real_ms\":0,\"error\":\"cancelled while queued\"}\n",
          f);
    fclose(f);
    e = evac_open(path);
    evac_tl_seek(e, 2000);
    evac_tl_screen_draw(e, true);
    screen_row(4, row, sizeof row);
    assert_non_null(strstr(row, "v1           b\u2192a"));
    assert_non_null(strstr(row, "done"));
    screen_row(5, row, sizeof row);
    /* v2: its plan only, no real span; cancelled */
    assert_non_null(strstr(row, "\u2580"));
    assert_null(strstr(row, "\u2584"));
    assert_null(strstr(row, "\u2588"));
    assert_non_null(strstr(row, "cancelled"));
    assert_true(screen_has("moved 1  failed 0"));
    evac_tl_free(e);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(graph_braille_packs_two_samples_per_cell),
        cmocka_unit_test(graph_ascii_fallback_uses_one_sample_per_cell),
        cmocka_unit_test(theme_falls_back_and_reports_bad_values_with_line),
        cmocka_unit_test(shipped_themes_load_cleanly),
        cmocka_unit_test(colors_degrade_to_eight),
        cmocka_unit_test(views_at_80x24),
        cmocka_unit_test(table_filters_and_sorts),
        cmocka_unit_test(commands_and_keys_share_one_table),
        cmocka_unit_test(dialog_and_dashboard),
        cmocka_unit_test(wizard_steps),
        cmocka_unit_test(wizard_best_host),
        cmocka_unit_test(evacuation_plan_from_the_hosts_view),
        cmocka_unit_test(evacuation_dashboard_to_the_end),
        cmocka_unit_test(evacuation_of_thousands_of_vms),
        cmocka_unit_test(queue_starts_when_a_slot_frees),
        cmocka_unit_test(too_small_then_recovers),
        cmocka_unit_test(idle_console_draws_nothing),
        cmocka_unit_test(fatal_ends_curses_first),
        cmocka_unit_test(replay_positions_summary_and_whatif),
        cmocka_unit_test(replay_whatif_runs_on_a_worker),
        cmocka_unit_test(evac_timeline_at_80x24),
        cmocka_unit_test(evac_timeline_keys_and_flight_logs),
        cmocka_unit_test(evac_timeline_thousands_of_moves),
        cmocka_unit_test(evac_timeline_moves_that_never_ran),
    };
    int rc;

    policy_set_init(&policies);
    rc = cmocka_run_group_tests(tests, setup, teardown);
    local_fini();
    hv_free(hv);
    policy_set_fini(&policies);
    if (rewritten > 0) {
        fprintf(stderr, "%d expected screens rewritten (FERRY_UPDATE_GOLDEN):"
                " review them with git diff and run again without it; this "
                "run checked nothing\n", rewritten);
        return 1;
    }
    return rc;
}
