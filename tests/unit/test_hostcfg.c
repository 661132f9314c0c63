/* Host entries of ferry.ini and --connect URIs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hosts_are_read_with_their_limits),
        cmocka_unit_test(bad_entries_say_where),
        cmocka_unit_test(connect_uris_are_checked),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
