/* libFuzzer target: the server's side of the protocol. Each input is what
 * a client sends after its hello (lines, cut anywhere); a fresh server on
 * the demo datacenter reads it, answers, and is stopped. Also every line
 * alone through proto_parse. Nothing it sends may crash, leak or hang the
 * server. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ferry/proto.h"
#include "ferry/server.h"
#include "ferry/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
drain(int fd)
{
    char buf[65536];

    while (read(fd, buf, sizeof buf) > 0)
        ;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct policy_set set;
    static bool init;
    struct ferry_err err;
    struct loop *loop;
    struct hv *hv;
    struct server *srv;
    struct server_opts o = {0};
    int sv[2];
    const char *hello = "{\"type\":\"hello\",\"protocol\":1}\n";
    uint64_t now;

    if (!init) {
        policy_set_init(&set);
        policy_set_builtin(&set, &err);
        init = true;
    }
    /* every line alone */
    for (size_t i = 0, start = 0; i <= size; i++)
        if (i == size || data[i] == '\n') {
            struct proto_msg m;

            if (proto_parse((const char *)data + start, i - start, &m, &err) ==
                0)
                proto_msg_fini(&m);
            start = i + 1;
        }
    /* and all of it to a server */
    loop = loop_new();
    hv = hv_sim_new(sim_dc_demo(&err), true);
    o.loop = loop;
    o.hv = hv;
    o.policies = &set;
    o.no_log = true;
    o.name = "fuzz";
    o.label = "fuzz";
    o.listen_fd = -1;
    o.linger_ms = 1000;
    srv = server_new(&o, &err);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0) {
        server_add_client(srv, sv[1]);
        if (write(sv[0], hello, strlen(hello)) < 0 ||
            write(sv[0], data, size) < 0) {
            /* a full socket: what got there is the input */
        }
        now = loop_now_ms();
        for (int i = 0; i < 20; i++) {
            loop_run_once(loop, 0);
            server_tick(srv, now + (uint64_t)i * 100);
            drain(sv[0]);
        }
        close(sv[0]);
        for (int i = 0; i < 3; i++) {
            loop_run_once(loop, 0);
            server_tick(srv, now + 2000);
        }
    }
    server_stop(srv, "fuzz", 0);
    server_free(srv);
    hv_free(hv);
    loop_free(loop);
    return 0;
}
