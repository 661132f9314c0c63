/* The protocol and the server: lines and messages, round trips,
 * malformed and unknown messages, a client that vanishes mid-message,
 * the server's lifetime, jobs seen by two clients; and the client library
 * against a server on its own thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ferry/client.h"
#include "ferry/jsonf.h"
#include "ferry/proto.h"
#include "ferry/runner.h"
#include "ferry/server.h"
#include "ferry/sim.h"
#include "ferry/wire.h"

/* ---- lines and messages --------------------------------------------------- */

static void
lines_come_whole_whatever_the_pieces(void **state)
{
    struct proto_reader r;
    size_t len;
    bool over;
    char *l;

    (void)state;
    proto_reader_init(&r);
    proto_reader_feed(&r, "{\"a\":", 5);
    assert_null(proto_reader_next(&r, &len, &over));
    assert_false(over);
    {
        const char *more = "1}\r\n\n{\"b\":2}\n{\"c\"";

        proto_reader_feed(&r, more, strlen(more));
    }
    l = proto_reader_next(&r, &len, &over);
    assert_string_equal(l, "{\"a\":1}");
    assert_int_equal(len, 7);
    /* blank lines are nothing */
    l = proto_reader_next(&r, &len, &over);
    assert_string_equal(l, "{\"b\":2}");
    assert_null(proto_reader_next(&r, &len, &over));
    assert_int_equal(proto_reader_pending(&r), 4);
    proto_reader_fini(&r);
}

static void
an_overlong_line_is_skipped_and_reported_once(void **state)
{
    struct proto_reader r;
    char big[300];
    size_t len;
    bool over;
    char *l;

    (void)state;
    proto_reader_init(&r);
    r.max = 100;
    memset(big, 'x', sizeof big);
    proto_reader_feed(&r, big, 150); /* no newline yet: dropped as it comes */
    assert_null(proto_reader_next(&r, &len, &over));
    assert_false(over);
    proto_reader_feed(&r, big, 150);
    proto_reader_feed(&r, "\n{\"ok\":1}\n", 10);
    assert_null(proto_reader_next(&r, &len, &over));
    assert_true(over);
    l = proto_reader_next(&r, &len, &over);
    assert_non_null(l);
    assert_string_equal(l, "{\"ok\":1}");
    proto_reader_fini(&r);
}

static int
parse(const char *line, struct proto_msg *m, struct ferry_err *err)
{
    return proto_parse(line, strlen(line), m, err);
}

static void
messages_round_trip(void **state)
{
    struct proto_msg m;
    struct ferry_err err;
    json_object *o;
    char *line;
    size_t len;

    (void)state;
    o = proto_request(42, "jobs");
    json_object_object_add(o, "json", json_object_new_boolean(1));
    line = proto_line(o, &len);
    json_object_put(o);
    assert_int_equal(line[len - 1], '\n');
    assert_int_equal(proto_parse(line, len - 1, &m, &err), 0);
    assert_int_equal(m.type, PT_REQUEST);
    assert_int_equal(m.id, 42);
    assert_string_equal(m.cmd, "jobs");
    proto_msg_fini(&m);
    free(line);

    o = proto_reply(7, false, "no job 9");
    line = proto_line(o, &len);
    json_object_put(o);
    assert_int_equal(proto_parse(line, len, &m, &err), 0);
    assert_int_equal(m.type, PT_REPLY);
    assert_int_equal(m.id, 7);
    assert_false(m.ok);
    assert_string_equal(m.error, "no job 9");
    proto_msg_fini(&m);
    free(line);

    o = proto_hello("console");
    line = proto_line(o, &len);
    json_object_put(o);
    assert_int_equal(proto_parse(line, len, &m, &err), 0);
    assert_int_equal(m.type, PT_HELLO);
    proto_msg_fini(&m);
    free(line);

    assert_int_equal(parse("{\"type\":\"record\",\"job\":3,\"record\":"
                           "{\"type\":\"phase\"}}", &m, &err), 0);
    assert_int_equal(m.type, PT_RECORD);
    assert_int_equal(m.id, 3);
    proto_msg_fini(&m);
}

static void
malformed_messages_say_what_is_wrong(void **state)
{
    static const struct {
        const char *line, *says;
    } bad[] = {
        {"hello", "not JSON"},
        {"{\"type\":\"request\",\"id\":1", "ends inside the object"},
        {"[1,2]", "a JSON object, not array"},
        {"{\"id\":1}", "\"type\" is missing"},
        {"{\"type\":\"launch\"}", "unknown message type \"launch\""},
        {"{\"type\":\"request\",\"cmd\":\"jobs\"}", "request: \"id\" is missing"},
        {"{\"type\":\"request\",\"id\":\"1\",\"cmd\":\"jobs\"}",
         "\"id\" must be a whole number"},
        {"{\"type\":\"request\",\"id\":-4,\"cmd\":\"jobs\"}", "0 or more"},
        {"{\"type\":\"request\",\"id\":1,\"cmd\":\"\"}", "non-empty string"},
        {"{\"type\":\"hello\",\"protocol\":9}",
         "protocol version 9; this ferry speaks version 1"},
        {"{\"type\":\"reply\",\"id\":1}", "\"ok\" is missing"},
        {"{\"type\":\"reply\",\"id\":1,\"ok\":false}", "\"error\" is missing"},
        {"{\"type\":\"job\"}", "job: \"job\" is missing"},
        {"{\"type\":\"jobs\"}{\"x\":1}", "more after the object"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct proto_msg m;
        struct ferry_err err;

        assert_int_equal(parse(bad[i].line, &m, &err), -1);
        if (strstr(err.msg, bad[i].says) == NULL)
            fail_msg("'%s': '%s' does not say '%s'", bad[i].line, err.msg,
                     bad[i].says);
    }
}

/* The inventory as text: what is written reads back the same, escapes
 * and all; what is not JSON, or lacks a name first, is refused. */
static void
the_inventory_round_trips_through_text(void **state)
{
    struct ferry_err err;
    struct hv *hv = hv_sim_new(sim_dc_demo(&err), true);
    struct wire_buf b = {0}, rest = {0};
    struct model m;
    struct wire_workload *wl;
    const char *odd = "{\"hosts\":[{\"name\":\"h\\\"1\\u00e9\\ud83d\\ude00\","
                      "\"extra\":[1,{\"x\":null}],\"up\":false}],"
                      "\"links\":[],\"datastores\":[],\"vms\":[]}";
    const char *line = "{\"type\":\"model\",\"model\":{\"hosts\":[],"
                       "\"links\":[],\"datastores\":[],\"vms\":[]},"
                       "\"generation\":3}";

    (void)state;
    wire_model_write(hv, &b);
    assert_int_equal(wire_model_parse(b.p, b.len, &m, &wl, &err), 0);
    assert_int_equal(m.n_vms, hv->model->n_vms);
    assert_int_equal(m.n_hosts, hv->model->n_hosts);
    for (size_t i = 0; i < m.n_vms; i++) {
        uint64_t dirty = 0;
        const char *w = hv->ops->workload(hv, m.vms[i].name, &dirty);

        assert_string_equal(m.vms[i].name, hv->model->vms[i].name);
        assert_string_equal(m.vms[i].host, hv->model->vms[i].host);
        assert_int_equal(m.vms[i].n_disks, hv->model->vms[i].n_disks);
        assert_int_equal(m.vms[i].memory_bytes,
                         hv->model->vms[i].memory_bytes);
        assert_string_equal(wl[i].word, w);
        assert_int_equal(wl[i].dirty_bps, dirty);
    }
    wire_workloads_free(wl, m.n_vms);
    model_fini(&m);
    assert_int_equal(wire_model_parse(odd, strlen(odd), &m, NULL, &err), 0);
    assert_string_equal(m.hosts[0].name, "h\"1\xc3\xa9\xf0\x9f\x98\x80");
    assert_false(m.hosts[0].up);
    model_fini(&m);
    assert_int_equal(wire_model_parse("{\"hosts\":[{\"up\":true}]}",
                                      strlen("{\"hosts\":[{\"up\":true}]}"),
                                      &m, NULL, &err),
                     -1);
    assert_non_null(strstr(err.msg, "name"));
    assert_int_equal(wire_model_parse("{\"hosts\":[", 10, &m, NULL, &err),
                     -1);
    /* a message: the model taken out, the rest for proto_parse */
    assert_int_equal(wire_msg_take_model(line, strlen(line), &rest, &m, NULL,
                                         &err),
                     1);
    assert_string_equal(rest.p,
                        "{\"type\":\"model\",\"model\":{},\"generation\":3}");
    model_fini(&m);
    assert_int_equal(wire_msg_take_model("{\"type\":\"bye\"}", 14, &rest,
                                         &m, NULL, &err),
                     0);
    wire_buf_fini(&rest);
    wire_buf_fini(&b);
    hv_free(hv);
}

/* ---- a server in this thread, clients by hand ---------------------------- */

struct fx {
    struct loop *loop;
    struct policy_set set;
    struct hv *hv;
    struct server *srv;
    uint64_t now;
};

static struct server *
make_server(struct fx *f, uint64_t linger)
{
    struct ferry_err err;
    struct server_opts o = {.loop = f->loop, .hv = f->hv,
                            .policies = &f->set, .no_log = true,
                            .name = "test", .label = "demo datacenter",
                            .listen_fd = -1, .linger_ms = linger};

    f->srv = server_new(&o, &err);
    assert_non_null(f->srv);
    return f->srv;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct ferry_err err;

    f->loop = loop_new();
    policy_set_init(&f->set);
    if (policy_set_builtin(&f->set, &err) < 0)
        return -1;
    f->hv = hv_sim_new(sim_dc_demo(&err), true);
    f->now = loop_now_ms();
    make_server(f, 60000);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    server_free(f->srv);
    hv_free(f->hv);
    policy_set_fini(&f->set);
    loop_free(f->loop);
    free(f);
    return 0;
}

/* Let the server run what is due, a few turns. */
static void
pump(struct fx *f)
{
    for (int i = 0; i < 5; i++) {
        loop_run_once(f->loop, 0);
        server_tick(f->srv, f->now);
    }
}

/* The clock moves by ms; the server reads, steps its jobs, writes. */
static void
advance(struct fx *f, uint64_t ms)
{
    f->now += ms;
    loop_run_once(f->loop, 0);
    server_tick(f->srv, f->now);
}

/* Our end of a socketpair whose other end the server took. */
static int
connect_raw(struct fx *f)
{
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(server_add_client(f->srv, sv[1]), 0);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    return sv[0];
}

static void
say(int fd, const char *line)
{
    assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
}

/* Everything the server sent so far, parsed line by line. */
struct heard {
    json_object *msg[4096];
    size_t n;
    bool closed;
};

static void
listen_to(struct fx *f, int fd, struct heard *h)
{
    static struct proto_reader r;
    char buf[65536];
    ssize_t n;
    size_t len;
    bool over;
    char *line;

    pump(f);
    proto_reader_init(&r);
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            proto_reader_feed(&r, buf, (size_t)n);
    h->closed = n == 0;
    while ((line = proto_reader_next(&r, &len, &over)) != NULL)
        if (h->n < sizeof h->msg / sizeof *h->msg)
            h->msg[h->n++] = json_tokener_parse(line);
    proto_reader_fini(&r);
}

static void
heard_fini(struct heard *h)
{
    for (size_t i = 0; i < h->n; i++)
        json_object_put(h->msg[i]);
    h->n = 0;
}

static const char *
type_of(json_object *o)
{
    return json_object_get_string(json_object_object_get(o, "type"));
}

static json_object *
find_type(struct heard *h, const char *type, size_t from)
{
    for (size_t i = from; i < h->n; i++)
        if (h->msg[i] && strcmp(type_of(h->msg[i]), type) == 0)
            return h->msg[i];
    return NULL;
}

static json_object *
reply_to(struct heard *h, int64_t id)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->msg[i] && strcmp(type_of(h->msg[i]), "reply") == 0 &&
            json_object_get_int64(json_object_object_get(h->msg[i], "id")) ==
                id)
            return h->msg[i];
    return NULL;
}

#define HELLO "{\"type\":\"hello\",\"protocol\":1,\"client\":\"test\"}\n"

static void
hello_welcome_and_a_request(void **state)
{
    struct fx *f = *state;
    int fd = connect_raw(f);
    struct heard h = {0};
    json_object *w, *r;
    const char *pol;

    say(fd, HELLO "{\"type\":\"request\",\"id\":1,\"cmd\":\"ping\"}\n");
    listen_to(f, fd, &h);
    w = find_type(&h, "welcome", 0);
    assert_non_null(w);
    assert_int_equal(json_object_get_int(json_object_object_get(w,
                                                                "protocol")),
                     1);
    /* the server's policies travel with the welcome */
    pol = json_object_get_string(json_object_object_get(w, "policies"));
    assert_non_null(strstr(pol, "[policy qemu-default]"));
    r = reply_to(&h, 1);
    assert_non_null(r);
    assert_true(json_object_get_boolean(json_object_object_get(r, "ok")));
    assert_int_equal(server_clients(f->srv), 1);
    heard_fini(&h);
    close(fd);
    pump(f);
    assert_int_equal(server_clients(f->srv), 0);
}

static void
a_request_before_hello_is_refused_and_closed(void **state)
{
    struct fx *f = *state;
    int fd = connect_raw(f);
    struct heard h = {0};
    json_object *e;

    say(fd, "{\"type\":\"request\",\"id\":1,\"cmd\":\"jobs\"}\n");
    listen_to(f, fd, &h);
    e = find_type(&h, "error", 0);
    assert_non_null(e);
    assert_non_null(strstr(json_object_get_string(json_object_object_get(
                               e, "error")),
                           "say hello first"));
    assert_null(reply_to(&h, 1));
    assert_int_equal(server_clients(f->srv), 0);
    heard_fini(&h);
    close(fd);
}

static void
malformed_and_unknown_requests_change_nothing(void **state)
{
    struct fx *f = *state;
    int fd = connect_raw(f);
    struct heard h = {0};
    json_object *r;
    const char *msg;

    say(fd, HELLO);
    say(fd, "this is not json\n");
    say(fd, "{\"type\":\"request\",\"id\":2,\"cmd\":\"launch\"}\n");
    say(fd, "{\"type\":\"request\",\"id\":3,\"cmd\":\"act\",\"job\":9,"
            "\"action\":\"abort\"}\n");
    say(fd, "{\"type\":\"request\",\"id\":4,\"cmd\":\"migrate\","
            "\"request\":{\"vm\":\"web-01\",\"host\":\"hv-02\","
            "\"budget_ms\":\"soon\"}}\n");
    say(fd, "{\"type\":\"request\",\"id\":5,\"cmd\":\"ping\"}\n");
    listen_to(f, fd, &h);
    assert_non_null(strstr(json_object_get_string(json_object_object_get(
                               find_type(&h, "error", 0), "error")),
                           "not JSON"));
    r = reply_to(&h, 2);
    msg = json_object_get_string(json_object_object_get(r, "error"));
    assert_non_null(strstr(msg, "unknown command \"launch\""));
    assert_non_null(strstr(msg, "migrate"));
    assert_non_null(strstr(json_object_get_string(json_object_object_get(
                               reply_to(&h, 3), "error")),
                           "no job 9"));
    assert_non_null(strstr(json_object_get_string(json_object_object_get(
                               reply_to(&h, 4), "error")),
                           "budget_ms"));
    /* still there, and nothing was started */
    assert_true(json_object_get_boolean(json_object_object_get(reply_to(&h, 5),
                                                               "ok")));
    assert_int_equal(jobs_count(server_jobs(f->srv)), 0);
    heard_fini(&h);
    close(fd);
}

static void
a_client_vanishing_mid_message_costs_nothing(void **state)
{
    struct fx *f = *state;
    int a = connect_raw(f), b = connect_raw(f);
    struct heard h = {0};

    say(a, HELLO);
    say(a, "{\"type\":\"request\",\"id\":1,\"cmd\":\"migr");
    pump(f);
    close(a);
    pump(f);
    assert_int_equal(server_clients(f->srv), 1);
    say(b, HELLO "{\"type\":\"request\",\"id\":1,\"cmd\":\"jobs\"}\n");
    listen_to(f, b, &h);
    assert_non_null(reply_to(&h, 1));
    assert_int_equal(jobs_count(server_jobs(f->srv)), 0);
    heard_fini(&h);
    close(b);
}

/* Alive while a client is attached or a job runs or waits; done after
 * linger with neither. */
static void
the_server_lives_while_there_is_work_or_a_client(void **state)
{
    struct fx *f = *state;
    struct heard h = {0};
    int fd;

    server_free(f->srv);
    make_server(f, 1000);
    server_tick(f->srv, f->now);
    assert_false(server_done(f->srv, f->now + 999));
    assert_true(server_done(f->srv, f->now + 1000));
    /* a client: not done, whatever the time */
    fd = connect_raw(f);
    say(fd, HELLO);
    pump(f);
    f->now += 5000;
    server_tick(f->srv, f->now);
    assert_false(server_done(f->srv, f->now + 60000));
    /* it starts a move in real time and goes */
    say(fd, "{\"type\":\"request\",\"id\":1,\"cmd\":\"migrate\",\"request\":"
            "{\"vm\":\"web-01\",\"host\":\"hv-02\"}}\n");
    listen_to(f, fd, &h);
    assert_true(json_object_get_boolean(json_object_object_get(reply_to(&h, 1),
                                                               "ok")));
    heard_fini(&h);
    close(fd);
    pump(f);
    assert_int_equal(server_clients(f->srv), 0);
    server_tick(f->srv, f->now + 2000);
    assert_false(server_done(f->srv, f->now + 2000)); /* the job runs */
    /* the job's clock runs; it ends; then linger, then done */
    for (int i = 0; i < 2000 && jobs_active(server_jobs(f->srv)) > 0; i++) {
        f->now += 100;
        server_tick(f->srv, f->now);
    }
    assert_int_equal(jobs_active(server_jobs(f->srv)), 0);
    assert_false(server_done(f->srv, f->now + 999));
    assert_true(server_done(f->srv, f->now + 1000));
}

static size_t
count_records(struct heard *h, const char *rtype)
{
    size_t n = 0;

    for (size_t i = 0; i < h->n; i++) {
        json_object *rec;

        if (h->msg[i] && strcmp(type_of(h->msg[i]), "record") == 0 &&
            json_object_object_get_ex(h->msg[i], "record", &rec) &&
            strcmp(type_of(rec), rtype) == 0)
            n++;
    }
    return n;
}

/* Two clients see the same job; an abort from one is seen by both, and
 * it acts once. */
static void
two_clients_see_one_job_and_one_abort(void **state)
{
    struct fx *f = *state;
    int a = connect_raw(f), b = connect_raw(f);
    struct heard ha = {0}, hb = {0};
    json_object *r;

    say(a, HELLO "{\"type\":\"request\",\"id\":1,\"cmd\":\"subscribe\","
               "\"jobs\":true}\n");
    say(b, HELLO "{\"type\":\"request\",\"id\":1,\"cmd\":\"subscribe\","
               "\"jobs\":true}\n");
    pump(f);
    say(a, "{\"type\":\"request\",\"id\":2,\"cmd\":\"migrate\",\"request\":"
           "{\"vm\":\"db-01\",\"host\":\"hv-02\"}}\n");
    for (int i = 0; i < 30; i++)
        advance(f, 100);
    say(b, "{\"type\":\"request\",\"id\":3,\"cmd\":\"act\",\"job\":\"db-01\","
           "\"action\":\"abort\"}\n");
    say(a, "{\"type\":\"request\",\"id\":4,\"cmd\":\"act\",\"job\":1,"
           "\"action\":\"abort\"}\n");
    for (int i = 0; i < 10; i++)
        advance(f, 100);
    listen_to(f, a, &ha);
    listen_to(f, b, &hb);
    /* one abort acts; the other finds the job ending and says so */
    {
        json_object *rb = reply_to(&hb, 3), *ra = reply_to(&ha, 4);
        bool okb = json_object_get_boolean(json_object_object_get(rb, "ok"));
        bool oka = json_object_get_boolean(json_object_object_get(ra, "ok"));

        assert_true(oka != okb);
        r = oka ? rb : ra;
        assert_non_null(strstr(json_object_get_string(json_object_object_get(
                                   r, "error")),
                               "db-01: the migration"));
    }
    for (struct heard *h = &ha; h; h = h == &ha ? &hb : NULL) {
        assert_int_equal(count_records(h, "header"), 1);
        assert_int_equal(count_records(h, "result"), 1);
        assert_true(count_records(h, "sample") >= 20);
    }
    assert_int_equal(count_records(&ha, "sample"),
                     count_records(&hb, "sample"));
    heard_fini(&ha);
    heard_fini(&hb);
    /* a third client attaching now gets the whole history */
    {
        int c = connect_raw(f);
        struct heard hc = {0};

        say(c, HELLO "{\"type\":\"request\",\"id\":1,\"cmd\":\"subscribe\","
                   "\"jobs\":true}\n");
        listen_to(f, c, &hc);
        assert_int_equal(count_records(&hc, "header"), 1);
        assert_int_equal(count_records(&hc, "result"), 1);
        assert_true(count_records(&hc, "sample") >= 20);
        assert_string_equal(
            json_object_get_string(json_object_object_get(
                json_object_object_get(find_type(&hc, "job", 0), "job"),
                "outcome")),
            "cancelled");
        heard_fini(&hc);
        close(c);
    }
    close(a);
    close(b);
}

/* Stopping aborts what runs, says bye to the clients, and is done once
 * the aborts have ended. */
static void
stopping_aborts_and_says_why(void **state)
{
    struct fx *f = *state;
    int fd = connect_raw(f);
    struct heard h = {0};

    say(fd, HELLO "{\"type\":\"request\",\"id\":1,\"cmd\":\"migrate\","
                  "\"request\":{\"vm\":\"web-02\",\"host\":\"hv-02\"}}\n");
    pump(f);
    assert_int_equal(jobs_active(server_jobs(f->srv)), 1);
    server_stop(f->srv, "SIGTERM", 1000);
    for (int i = 0; i < 20 && !server_done(f->srv, f->now); i++) {
        f->now += 100;
        server_tick(f->srv, f->now);
    }
    assert_true(server_done(f->srv, f->now));
    assert_int_equal(jobs_active(server_jobs(f->srv)), 0);
    listen_to(f, fd, &h);
    assert_non_null(find_type(&h, "bye", 0));
    assert_string_equal(json_object_get_string(json_object_object_get(
                            find_type(&h, "bye", 0), "reason")),
                        "SIGTERM");
    heard_fini(&h);
    close(fd);
}

/* ---- the client library against a server on its own thread -------------- */

struct srv_thread {
    struct fx *f;
    int fd;
    volatile bool stop;
    pthread_mutex_t lock;
};

static void *
serve(void *arg)
{
    struct srv_thread *t = arg;
    struct fx *f = t->f;

    server_add_client(f->srv, t->fd);
    while (!t->stop) {
        uint64_t now = loop_now_ms();

        loop_run_once(f->loop, MIN(server_timeout_ms(f->srv, now), 50));
        server_tick(f->srv, loop_now_ms());
    }
    return NULL;
}

static bool
job_done(void *ctx)
{
    struct client *cl = ctx;
    const struct job_view *v = client_job(cl, 1);

    return v != NULL && job_view_ended(v) && job_view_data(v) != NULL &&
           job_view_data(v)->res.present;
}

static void
the_client_mirrors_the_server(void **state)
{
    struct fx *f = *state;
    struct srv_thread t = {.f = f};
    struct loop *cl_loop = loop_new();
    struct ferry_err err;
    struct client *cl;
    pthread_t th;
    int sv[2];
    struct hv *hv;
    struct runner_opts o = {0};
    struct job_params jp;
    struct prediction p;
    struct checks checks;
    struct mig_request req = {.vm = "db-02", .dst_host = "hv-04",
                              .kind = KIND_COMPUTE};
    size_t n;
    json_object *r;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    t.fd = sv[1];
    pthread_create(&th, NULL, serve, &t);
    cl = client_new_fd(sv[0], "test", cl_loop, &err);
    assert_non_null(cl);
    assert_string_equal(client_info(cl)->label, "demo datacenter");
    assert_non_null(policy_find(client_policies(cl), "kubevirt"));
    assert_int_equal(client_subscribe(cl, true, true, false, &err), 0);
    hv = client_hv(cl);
    /* the inventory copy, with every field */
    assert_non_null(model_vm(hv->model, "db-02"));
    assert_string_equal(model_host(hv->model, "hv-04")->cpu_model,
                        model_host(f->hv->model, "hv-04")->cpu_model);
    assert_int_equal(hv->model->n_vms, f->hv->model->n_vms);
    /* checks and plans come from the server */
    checks_init(&checks);
    n = runner_checks(hv, &req, NULL, 0, &checks);
    assert_int_equal(checks_worst(checks.v, n), CHECK_ERROR);
    checks_fini(&checks);
    o.vm = "web-01";
    o.to = "hv-02";
    o.kind = KIND_COMPUTE;
    o.policy = policy_find(client_policies(cl), "ferry");
    o.budget_ms = 300;
    assert_int_equal(runner_plan(hv, &o, &jp, &p, &err), 0);
    assert_true(p.converges);
    /* a move, followed to its end */
    r = proto_request(0, "migrate");
    json_object_object_add(r, "request",
                           json_tokener_parse("{\"vm\":\"web-01\",\"host\":"
                                              "\"hv-02\",\"virtual_time\":"
                                              "true}"));
    r = client_call(cl, r, CLIENT_TIMEOUT_MS, &err);
    assert_non_null(r);
    json_object_put(r);
    assert_true(client_wait(cl, job_done, cl, 600000));
    assert_int_equal(job_view_data(client_job(cl, 1))->res.phase, PH_DONE);
    assert_string_equal(client_job(cl, 1)->outcome, "completed");
    /* the server's error comes back as the call's */
    r = proto_request(0, "act");
    json_object_object_add(r, "job", json_object_new_int(7));
    jf_add_str(r, "action", "abort");
    assert_null(client_call(cl, r, CLIENT_TIMEOUT_MS, &err));
    assert_non_null(strstr(err.msg, "no job 7"));
    client_free(cl);
    t.stop = true;
    loop_wake(f->loop);
    pthread_join(th, NULL);
    loop_free(cl_loop);
}

/* ---- requests answered through callbacks, checks against many hosts ---- */

struct answer {
    int calls;
    bool ok;
    char err[1024];
    char cmd_seen[64];
};

static void
on_answer(void *ctx, json_object *reply, const struct ferry_err *err)
{
    struct answer *a = ctx;

    a->calls++;
    a->ok = reply != NULL;
    snprintf(a->err, sizeof a->err, "%s", err ? err->msg : "");
}

struct until_n {
    const int *calls;
    int n;
};

static bool
reached(void *ctx)
{
    const struct until_n *u = ctx;

    return *u->calls >= u->n;
}

/* A client on its own loop against the fixture's server on a thread. */
static struct client *
start_client(struct fx *f, struct srv_thread *t, pthread_t *th,
             struct loop *cl_loop)
{
    struct ferry_err err;
    struct client *cl;
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    t->f = f;
    t->fd = sv[1];
    pthread_create(th, NULL, serve, t);
    cl = client_new_fd(sv[0], "test", cl_loop, &err);
    assert_non_null(cl);
    return cl;
}

static void
stop_server_thread(struct fx *f, struct srv_thread *t, pthread_t th)
{
    t->stop = true;
    loop_wake(f->loop);
    pthread_join(th, NULL);
}

static void
async_calls_deliver_replies_and_failures(void **state)
{
    struct fx *f = *state;
    struct srv_thread t = {0};
    struct loop *cl_loop = loop_new();
    pthread_t th;
    struct client *cl = start_client(f, &t, &th, cl_loop);
    struct answer ping = {0}, bad = {0}, late = {0};
    struct until_n u = {&bad.calls, 1};
    json_object *r;

    assert_true(client_call_async(cl, proto_request(0, "ping"), 5000,
                                  on_answer, &ping) > 0);
    r = proto_request(0, "act");
    json_object_object_add(r, "job", json_object_new_int(7));
    jf_add_str(r, "action", "abort");
    client_call_async(cl, r, 5000, on_answer, &bad);
    /* never inside the call */
    assert_int_equal(ping.calls + bad.calls, 0);
    assert_true(client_wait(cl, reached, &u, 5000));
    assert_int_equal(ping.calls, 1);
    assert_true(ping.ok);
    assert_int_equal(bad.calls, 1);
    assert_false(bad.ok);
    assert_non_null(strstr(bad.err, "no job 7"));
    /* a server that does not answer: the timeout is a failure */
    stop_server_thread(f, &t, th);
    u.calls = &late.calls;
    client_call_async(cl, proto_request(0, "ping"), 100, on_answer, &late);
    assert_true(client_wait(cl, reached, &u, 5000));
    assert_false(late.ok);
    assert_non_null(strstr(late.err, "did not answer"));
    client_free(cl);
    loop_free(cl_loop);
}

static void
a_cancelled_call_is_never_answered(void **state)
{
    struct fx *f = *state;
    struct srv_thread t = {0};
    struct loop *cl_loop = loop_new();
    pthread_t th;
    struct client *cl = start_client(f, &t, &th, cl_loop);
    struct answer gone = {0}, after = {0};
    struct until_n u = {&after.calls, 1};
    long id;

    id = client_call_async(cl, proto_request(0, "ping"), 5000, on_answer,
                           &gone);
    client_cancel(cl, id);
    /* the server answers in order: once the next is in, so is the first */
    client_call_async(cl, proto_request(0, "ping"), 5000, on_answer, &after);
    assert_true(client_wait(cl, reached, &u, 5000));
    assert_true(after.ok);
    assert_int_equal(gone.calls, 0);
    client_cancel(cl, id); /* answered or cancelled: nothing */
    stop_server_thread(f, &t, th);
    client_free(cl);
    loop_free(cl_loop);
}

static const char *const four_hosts[] = {"hv-01", "hv-02", "hv-03", "hv-04"};

/* What runner_checks says for db-02 to host, as JSON text. */
static char *
checks_text(struct hv *hv, const char *host)
{
    struct mig_request req = {.vm = "db-02", .dst_host = host,
                              .kind = KIND_COMPUTE};
    struct checks out;
    json_object *o;
    char *s;

    checks_init(&out);
    runner_checks(hv, &req, NULL, 0, &out);
    o = wire_checks(out.v, out.n);
    s = xstrdup(json_object_to_json_string(o));
    json_object_put(o);
    checks_fini(&out);
    return s;
}

struct per_host {
    int calls;
    int count[4];
    char *text[4];
};

static void
on_host(void *ctx, size_t i, const struct check_result *r, size_t n)
{
    struct per_host *p = ctx;
    json_object *o = wire_checks(r, n);

    assert_true(i < 4);
    p->calls++;
    p->count[i]++;
    free(p->text[i]);
    p->text[i] = xstrdup(json_object_to_json_string(o));
    json_object_put(o);
}

static void
per_host_check(struct per_host *p, struct hv *ref)
{
    assert_int_equal(p->calls, 4);
    for (size_t i = 0; i < 4; i++) {
        char *want = checks_text(ref, four_hosts[i]);

        assert_int_equal(p->count[i], 1);
        assert_string_equal(p->text[i], want);
        free(want);
        free(p->text[i]);
        p->text[i] = NULL;
        p->count[i] = 0;
    }
    p->calls = 0;
}

static void
checks_hosts_streams_one_result_per_host(void **state)
{
    struct fx *f = *state;
    int fd = connect_raw(f);
    struct heard h = {0};
    size_t seen[4] = {0}, last = 0;
    json_object *r;

    say(fd, HELLO "{\"type\":\"request\",\"id\":3,\"cmd\":"
                  "\"checks_hosts\",\"vm\":\"db-02\",\"kind\":"
                  "\"compute\",\"hosts\":[\"hv-01\",\"hv-02\","
                  "\"hv-03\",\"hv-04\"]}\n");
    listen_to(f, fd, &h);
    for (size_t i = 0; i < h.n; i++) {
        json_object *m = h.msg[i];
        int64_t k;
        char *want;

        if (m == NULL || strcmp(type_of(m), "checks") != 0)
            continue;
        assert_int_equal(json_object_get_int64(json_object_object_get(m,
                                                                      "id")),
                         3);
        k = json_object_get_int64(json_object_object_get(m, "index"));
        assert_true(k >= 0 && k < 4);
        seen[k]++;
        assert_string_equal(json_object_get_string(json_object_object_get(
                                m, "host")),
                            four_hosts[k]);
        /* the same as the synchronous checks of that host */
        want = checks_text(f->hv, four_hosts[k]);
        assert_string_equal(
            json_object_to_json_string(json_object_object_get(m, "checks")),
            want);
        free(want);
        last = i;
    }
    for (size_t k = 0; k < 4; k++)
        assert_int_equal(seen[k], 1);
    r = reply_to(&h, 3);
    assert_non_null(r);
    assert_true(json_object_get_boolean(json_object_object_get(r, "ok")));
    for (size_t i = 0; i < h.n; i++)
        if (h.msg[i] == r)
            assert_true(i > last); /* the reply comes after the last host */
    heard_fini(&h);
    close(fd);
    pump(f);
}

static void
async_checks_match_runner_checks_in_and_out_of_process(void **state)
{
    struct fx *f = *state;
    struct mig_request req = {.vm = "db-02", .kind = KIND_COMPUTE};
    struct per_host p = {0};
    struct until_n u = {&p.calls, 4};
    struct srv_thread t = {0};
    struct loop *cl_loop;
    pthread_t th;
    struct client *cl;
    void *hd;

    /* in process: host by host from the loop, never inside the start */
    hd = hv_checks_start(f->hv, &req, four_hosts, 4, on_host, &p, NULL, 0,
                         f->loop);
    assert_non_null(hd);
    assert_int_equal(p.calls, 0);
    for (int i = 0; i < 20 && p.calls < 4; i++)
        loop_run_once(f->loop, 0);
    hv_checks_cancel(f->hv, hd);
    per_host_check(&p, f->hv);
    /* cancelled at once: nothing comes */
    hd = hv_checks_start(f->hv, &req, four_hosts, 4, on_host, &p, NULL, 0,
                         f->loop);
    hv_checks_cancel(f->hv, hd);
    for (int i = 0; i < 5; i++)
        loop_run_once(f->loop, 0);
    assert_int_equal(p.calls, 0);
    /* through the server: one request, a result per host */
    cl_loop = loop_new();
    cl = start_client(f, &t, &th, cl_loop);
    assert_non_null(client_hv(cl)->ops->checks_start);
    hd = hv_checks_start(client_hv(cl), &req, four_hosts, 4, on_host, &p,
                         NULL, 0, cl_loop);
    assert_int_equal(p.calls, 0);
    assert_true(client_wait(cl, reached, &u, 10000));
    hv_checks_cancel(client_hv(cl), hd);
    stop_server_thread(f, &t, th);
    per_host_check(&p, f->hv);
    client_free(cl);
    loop_free(cl_loop);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_come_whole_whatever_the_pieces),
        cmocka_unit_test(an_overlong_line_is_skipped_and_reported_once),
        cmocka_unit_test(messages_round_trip),
        cmocka_unit_test(malformed_messages_say_what_is_wrong),
        cmocka_unit_test(the_inventory_round_trips_through_text),
        cmocka_unit_test_setup_teardown(hello_welcome_and_a_request, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            a_request_before_hello_is_refused_and_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(
            malformed_and_unknown_requests_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_client_vanishing_mid_message_costs_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(
            the_server_lives_while_there_is_work_or_a_client, setup,
            teardown),
        cmocka_unit_test_setup_teardown(two_clients_see_one_job_and_one_abort,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(stopping_aborts_and_says_why, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_client_mirrors_the_server, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            async_calls_deliver_replies_and_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(a_cancelled_call_is_never_answered,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            checks_hosts_streams_one_result_per_host, setup, teardown),
        cmocka_unit_test_setup_teardown(
            async_checks_match_runner_checks_in_and_out_of_process, setup,
            teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
