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
        cmocka_unit_test(connect_uris_are_checked),
        cmocka_unit_test(ssh_targets_come_from_uris_and_ssh_keys),
        cmocka_unit_test(bad_ssh_targets_say_where),
        cmocka_unit_test(libvirt_runs_the_helper_through_ssh),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
