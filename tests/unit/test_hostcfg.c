/* Host entries of ferry.ini and --connect URIs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/hostcfg.h"

static int
load(const char *text, struct lv_cfg *c, struct ferry_err *err)
{
    struct ini_doc *doc = ini_load_string("ferry.ini", text, err);
    int rc;

    assert_non_null(doc);
    memset(c, 0, sizeof *c);
    rc = lv_cfg_load(c, doc, err);
    ini_free(doc);
    return rc;
}

static void
hosts_are_read_with_their_limits(void **state)
{
    struct lv_cfg c;
    struct ferry_err err;

    (void)state;
    assert_int_equal(load("[host a]\nuri = qemu+ssh://root@a/system\n"
                          "migration_address = 10.0.0.1\n"
                          "link_speed = 10Gbit\nmax_bandwidth = 500MiB/s\n"
                          "switchover_overhead = 50ms\nmax_migrations = 2\n"
                          "[host b]\nuri = qemu:///system\n"
                          "[datastore nfs1]\nshared = yes\n"
                          "[datastore local]\nshared = no\n"
                          "[policy p]\nmode = adaptive\n",
                          &c, &err),
                     0);
    assert_int_equal(c.n_hosts, 2);
    assert_string_equal(c.hosts[0].name, "a");
    assert_string_equal(c.hosts[0].uri, "qemu+ssh://root@a/system");
    assert_string_equal(c.hosts[0].migration_address, "10.0.0.1");
    assert_true(c.hosts[0].link_bps == 1250000000ull);
    assert_true(c.hosts[0].max_bw_bps == 500ull << 20);
    assert_true(c.hosts[0].overhead_ms == 50);
    assert_int_equal(c.hosts[0].max_migrations, 2);
    assert_null(c.hosts[1].migration_address);
    assert_int_equal(c.n_shared, 1);
    assert_string_equal(c.shared[0], "nfs1");
    lv_cfg_fini(&c);
}

static void
bad_entries_say_where(void **state)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"[host a]\nuri = qemu:/system\n",
         "ferry.ini:2: [host a] uri: 'qemu:/system' is not a libvirt URI"},
        {"[host a]\nuri = QEMU://x/system\n", "has a bad scheme"},
        {"[host a]\nuri = qemu:///system\nuri = qemu:///system\n",
         "ferry.ini:3: [host a] uri: given twice"},
        {"[host a]\nmigration_address = 10.0.0.1\n",
         "ferry.ini:2: [host a] has no uri ="},
        {"[host a]\nuri = qemu:///system\nmigration_address = tcp://x\n",
         "is not a host name or address"},
        {"[host a]\nuri = qemu:///system\nlink_speed = fast\n",
         "ferry.ini:3: [host a] link_speed"},
        {"[host a]\nuri = qemu:///system\nmax_migrations = 0\n",
         "ferry.ini:3: [host a] max_migrations"},
        {"[host a]\nuri = qemu:///system\ncolour = red\n",
         "ferry.ini:3: [host a] colour: unknown key"},
        {"[host a b]\nuri = qemu:///system\n", "may not contain spaces"},
        {"[datastore x]\nshared = perhaps\n", "ferry.ini:2: [datastore x]"},
        {"[host a]\nuri = qemu:///system\ntransport = pigeon\n",
         "ferry.ini:3: [host a] transport: 'pigeon' is not ssh, libssh, tls "
         "or tcp"},
        {"[host a]\nuri = qemu:///system\ntransport = unix\n",
         "is not ssh, libssh, tls or tcp"},
        {"[host a]\nuri = qemu:///system\ntls = maybe\n",
         "ferry.ini:3: [host a] tls"},
        {"[host a]\nuri = qemu:///system\nencryption = some\n",
         "ferry.ini:3: [host a] encryption: 'some' is not none"},
        {"[host a]\nuri = qemu:///system\nparallel_connections = 0\n",
         "ferry.ini:3: [host a] parallel_connections"},
        {"[host a]\nuri = qemu:///system\nparallel_connections = 999\n",
         "ferry.ini:3: [host a] parallel_connections"},
        {"[host a]\nuri = qemu:///system\nstream_speed = quick\n",
         "ferry.ini:3: [host a] stream_speed"},
        {"[datastore x]\nbandwidth = fast\n",
         "ferry.ini:2: [datastore x] bandwidth"},
        {"[datastore x]\nbandwidth = 0\n",
         "ferry.ini:2: [datastore x] bandwidth: '0' is no bandwidth"},
        {"[datastore x]\nbandwidth = 10MiB/s\n\n[datastore x]\n"
         "bandwidth = 20MiB/s\n",
         "ferry.ini:5: [datastore x] bandwidth: given twice (first at "
         "ferry.ini:2)"},
        {"[datastore x]\nspeed = 1\n",
         "ferry.ini:2: [datastore x] speed: unknown key (shared, bandwidth)"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct lv_cfg c;
        struct ferry_err err = {0};

        if (load(cases[i].text, &c, &err) == 0)
            fail_msg("accepted: %s", cases[i].text);
        if (strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("'%s' lacks '%s'", err.msg, cases[i].msg);
        lv_cfg_fini(&c);
    }
}

/* [datastore NAME] bandwidth caps storage moves: a pool's name covers it
 * on every host, POOL@HOST one host's and wins over it. */
static void
datastore_bandwidth_caps_by_pool_or_pool_at_host(void **state)
{
    struct lv_cfg c;
    struct ferry_err err;

    (void)state;
    assert_int_equal(load("[datastore local]\nbandwidth = 100MiB/s\n"
                          "[datastore local@hv2]\nbandwidth = 20MiB/s\n"
                          "[datastore nfs1]\nshared = yes\nbandwidth = 50\n",
                          &c, &err),
                     0);
    assert_int_equal(c.n_datastores, 3);
    assert_true(lv_cfg_ds_bandwidth(&c, "local@hv1") == 100ull << 20);
    assert_true(lv_cfg_ds_bandwidth(&c, "local@hv2") == 20ull << 20);
    assert_true(lv_cfg_ds_bandwidth(&c, "nfs1") == 50ull << 20);
    assert_true(lv_cfg_ds_bandwidth(&c, "fast@hv1") == 0);
    assert_true(lv_cfg_ds_bandwidth(&c, "loc@hv1") == 0);
    assert_int_equal(c.n_shared, 1);
    lv_cfg_fini(&c);
}

static void
transport_keys_are_read(void **state)
{
    struct lv_cfg c;
    struct ferry_err err;

    (void)state;
    assert_int_equal(load("[host a]\nuri = qemu:///system\n"
                          "transport = TLS\ntls = yes\nencryption = none\n"
                          "parallel_connections = 4\nstream_speed = 1GiB/s\n"
                          "[host b]\nuri = qemu:///system\ntls = no\n",
                          &c, &err),
                     0);
    assert_int_equal(c.hosts[0].transport, LVT_TLS);
    assert_int_equal(c.hosts[0].tls, 1);
    assert_true(c.hosts[0].cleartext_ok);
    assert_int_equal(c.hosts[0].parallel, 4);
    assert_true(c.hosts[0].stream_bps == 1ull << 30);
    assert_int_equal(c.hosts[1].tls, -1);
    assert_false(c.hosts[1].cleartext_ok);
    lv_cfg_fini(&c);
}

/* The peer-to-peer URI for host b of text, or the error. */
static char *
p2p(const char *text, enum lv_transport *t)
{
    struct lv_cfg c;
    struct ferry_err err = {0};
    struct lv_p2p r;
    char *out;

    if (load(text, &c, &err) != 0)
        fail_msg("%s", err.msg);
    if (lv_p2p_uri(&c.hosts[c.n_hosts - 1], &r, &err) < 0) {
        out = xasprintf("error: %s", err.msg);
        *t = LVT_UNSET;
    } else {
        out = r.uri;
        *t = r.transport;
    }
    lv_cfg_fini(&c);
    return out;
}

static void
peer_to_peer_follows_the_hosts_transport(void **state)
{
    static const struct {
        const char *entry, *uri;
        enum lv_transport t;
    } cases[] = {
        /* the uri's own transport, to the migration address */
        {"uri = qemu+ssh://admin@hv2:2222/system\n"
         "migration_address = 10.0.0.2\n",
         "qemu+ssh://admin@10.0.0.2:2222/system", LVT_SSH},
        {"uri = qemu+ssh://hv2/system?keyfile=/home/me/.ssh/k\n",
         "qemu+ssh://hv2/system", LVT_SSH},
        /* libvirt's libssh transport stalls: OpenSSH on the host */
        {"uri = qemu+libssh://root@hv2/system?known_hosts=/x\n",
         "qemu+ssh://root@hv2/system", LVT_SSH},
        {"uri = qemu+tls://hv2/system\nmigration_address = 10.0.0.2\n",
         "qemu+tls://10.0.0.2/system", LVT_TLS},
        {"uri = qemu://hv2/system\n", "qemu+tls://hv2/system", LVT_TLS},
        {"uri = qemu+tcp://hv2:16509/system\n",
         "qemu+tcp://hv2:16509/system", LVT_TCP},
        /* transport = names it; the uri's port is not that transport's */
        {"uri = qemu+ssh://root@hv2:2222/system\ntransport = tls\n"
         "migration_address = fd00::2\n",
         "qemu+tls://[fd00::2]/system", LVT_TLS},
        {"uri = qemu+unix:///system?socket=/run/x.sock\n"
         "migration_address = 10.77.0.2\ntransport = tcp\n",
         "qemu+tcp://10.77.0.2/system", LVT_TCP},
        {"uri = qemu+tls://hv2/system\nssh = ops@hv2-mgmt:2200\n"
         "transport = ssh\n",
         "qemu+ssh://ops@hv2-mgmt:2200/system", LVT_SSH},
        {"ssh = ops@hv2\ntransport = ssh\nmigration_address = 10.0.0.2\n",
         "qemu+ssh://ops@10.0.0.2/system", LVT_SSH},
        {"uri = qemu+ssh://hv2/session\n", "qemu+ssh://hv2/session",
         LVT_SSH},
        /* migration_uri as given */
        {"uri = qemu+ssh://hv2/system\n"
         "migration_uri = qemu+tls://hv2.mig/system?pkipath=/etc/p\n",
         "qemu+tls://hv2.mig/system?pkipath=/etc/p", LVT_TLS},
        /* a local socket reaches no other host */
        {"uri = qemu+unix:///system?socket=/run/x.sock\n"
         "migration_address = 10.77.0.2\n",
         "error: ferry.ini:2: [host b]: the other hosts' libvirtd cannot "
         "reach b through qemu+unix:///system?socket=/run/x.sock; set "
         "transport = ssh, tls or tcp (with migration_address), or "
         "migration_uri",
         LVT_UNSET},
        {"uri = qemu:///system\ntransport = tcp\n",
         "error: ferry.ini:2: [host b]: no address for the other hosts' "
         "libvirtd to reach it over tcp; set migration_address or "
         "migration_uri",
         LVT_UNSET},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("[host b]\n%s", cases[i].entry);
        enum lv_transport t;
        char *got = p2p(text, &t);

        if (strcmp(got, cases[i].uri) != 0)
            fail_msg("%s: got '%s', want '%s'", cases[i].entry, got,
                     cases[i].uri);
        assert_int_equal(t, cases[i].t);
        free(got);
        free(text);
    }
}

static void
uri_transports_are_named(void **state)
{
    (void)state;
    assert_int_equal(lv_uri_transport("qemu:///system"), LVT_UNIX);
    assert_int_equal(lv_uri_transport("qemu+unix:///system"), LVT_UNIX);
    assert_int_equal(lv_uri_transport("qemu://h/system"), LVT_TLS);
    assert_int_equal(lv_uri_transport("qemu+tls://h/system"), LVT_TLS);
    assert_int_equal(lv_uri_transport("qemu+tcp://h/system"), LVT_TCP);
    assert_int_equal(lv_uri_transport("qemu+ssh://h/system"), LVT_SSH);
    assert_int_equal(lv_uri_transport("qemu+libssh://h/system"), LVT_LIBSSH);
    assert_int_equal(lv_uri_transport("qemu+ext://h/system"), LVT_UNSET);
    assert_int_equal(lv_uri_transport("nonsense"), LVT_UNSET);
}

static void
connect_uris_are_checked(void **state)
{
    struct lv_cfg c = {0};
    struct ferry_err err;

    (void)state;
    assert_int_equal(lv_cfg_add_uri(&c, "qemu+tcp://10.0.0.2/system", &err),
                     0);
    assert_null(c.hosts[0].name); /* named by libvirt's hostname later */
    assert_int_equal(lv_cfg_add_uri(&c, "qemu+tcp://10.0.0.2/system", &err),
                     -1);
    assert_non_null(strstr(err.msg, "given twice"));
    assert_int_equal(lv_cfg_add_uri(&c, "localhost", &err), -1);
    assert_non_null(strstr(err.msg, "--connect: 'localhost' is not a libvirt URI"));
    lv_cfg_fini(&c);
}

static void
ssh_targets_come_from_uris_and_ssh_keys(void **state)
{
    struct lv_cfg c;
    struct ferry_err err;

    (void)state;
    assert_int_equal(load("[host a]\nuri = qemu+ssh://root@hv1:2222/system\n"
                          "[host b]\nuri = qemu+libssh://hv2/system\n"
                          "[host c]\nssh = admin@[fd00::5]:22\n"
                          "[host d]\nuri = qemu+tcp://hv4/system\n"
                          "ssh = ops@hv4\n"
                          "[host e]\nuri = qemu:///system\n",
                          &c, &err),
                     0);
    assert_int_equal(c.n_hosts, 5);
    assert_string_equal(c.hosts[0].ssh_user, "root");
    assert_string_equal(c.hosts[0].ssh_host, "hv1");
    assert_int_equal(c.hosts[0].ssh_port, 2222);
    assert_null(c.hosts[1].ssh_user); /* ~/.ssh/config's, or ours */
    assert_string_equal(c.hosts[1].ssh_host, "hv2");
    assert_int_equal(c.hosts[1].ssh_port, 0);
    /* ssh = alone: libvirt goes over the same SSH */
    assert_string_equal(c.hosts[2].ssh_host, "fd00::5");
    assert_string_equal(c.hosts[2].uri, "qemu+libssh://[fd00::5]/system");
    /* probes over SSH, libvirt over its own transport */
    assert_string_equal(c.hosts[3].ssh_user, "ops");
    assert_string_equal(c.hosts[3].uri, "qemu+tcp://hv4/system");
    assert_null(c.hosts[4].ssh_host);
    lv_cfg_fini(&c);
    assert_int_equal(lv_cfg_add_uri(&c, "qemu+ssh://u@hv9/system", &err), 0);
    assert_string_equal(c.hosts[0].ssh_host, "hv9");
    lv_cfg_fini(&c);
}

static void
bad_ssh_targets_say_where(void **state)
{
    struct lv_cfg c;
    struct ferry_err err;

    (void)state;
    assert_int_equal(load("[host a]\nuri = qemu:///system\nssh = root@hv1:0\n",
                          &c, &err),
                     -1);
    assert_non_null(strstr(err.msg, "ferry.ini:3"));
    assert_non_null(strstr(err.msg, "bad port"));
    lv_cfg_fini(&c);
    assert_int_equal(load("[host a]\nssh = @hv1\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "ferry.ini:2"));
    assert_non_null(strstr(err.msg, "empty user"));
    lv_cfg_fini(&c);
    assert_int_equal(load("[host a]\nuri = qemu+ssh:///system\n", &c, &err),
                     -1);
    assert_non_null(strstr(err.msg, "no host to reach over SSH"));
    lv_cfg_fini(&c);
    assert_int_equal(lv_cfg_add_uri(&c, "qemu+ssh://hv1:99999/system", &err),
                     -1);
    assert_non_null(strstr(err.msg, "--connect"));
    lv_cfg_fini(&c);
}

static void
libvirt_runs_the_helper_through_ssh(void **state)
{
    char *local, *cmd;

    (void)state;
    cmd = lv_ssh_remote_cmd("qemu+ssh://root@hv1/system?no_tty=1");
    local = lv_ssh_local_uri("qemu+ssh://root@hv1/system?no_tty=1",
                             "/tmp/f/l.sock");
    assert_non_null(strstr(cmd, "virt-ssh-helper qemu:///system"));
    assert_non_null(strstr(cmd, "nc -U /var/run/libvirt/libvirt-sock"));
    assert_string_equal(local, "qemu+unix:///system?socket=/tmp/f/l.sock");
    free(cmd);
    free(local);
    /* a socket= of the URI is the daemon's socket on the host */
    cmd = lv_ssh_remote_cmd("qemu+ssh://hv1/session?socket=/run/x.sock");
    local = lv_ssh_local_uri("qemu+ssh://hv1/session?socket=/run/x.sock",
                             "/tmp/s");
    assert_string_equal(cmd, "exec nc -U /run/x.sock");
    assert_string_equal(local, "qemu+unix:///session?socket=/tmp/s");
    free(cmd);
    free(local);
    /* nothing from the URI reaches the shell unquoted */
    cmd = lv_ssh_remote_cmd("qemu+ssh://hv1/system?socket=/x;rm%20-rf");
    assert_null(strstr(cmd, "rm"));
    free(cmd);
    assert_null(lv_ssh_remote_cmd("not a uri"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hosts_are_read_with_their_limits),
        cmocka_unit_test(bad_entries_say_where),
        cmocka_unit_test(transport_keys_are_read),
        cmocka_unit_test(peer_to_peer_follows_the_hosts_transport),
        cmocka_unit_test(uri_transports_are_named),
        cmocka_unit_test(datastore_bandwidth_caps_by_pool_or_pool_at_host),
        cmocka_unit_test(connect_uris_are_checked),
        cmocka_unit_test(ssh_targets_come_from_uris_and_ssh_keys),
        cmocka_unit_test(bad_ssh_targets_say_where),
        cmocka_unit_test(libvirt_runs_the_helper_through_ssh),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
