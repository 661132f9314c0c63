/* Remote probes: the script ferry runs on a host and its parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/probe.h"

static const char *const out_ok =
    "Welcome to hv1\n" /* a banner: lines without '=' are noise */
    "time=1763800000.250000000\n"
    "kernel=6.1.0-27-amd64\n"
    "qemu=QEMU emulator version 7.2.13 (Debian 1:7.2+dfsg-7+deb12u7)\n"
    "fs=1073741824 4294967296 /var/lib/libvirt/images\n"
    "fs=5 10 /srv/with space\n"
    "reach=10.0.0.2 1 bash: connect: Connection refused bash: line 1: "
    "/dev/tcp/10.0.0.2/49152: Connection refused \n"
    "reach=10.0.0.3 124 \n"
    "reach=10.0.0.4 1 bash: connect: Network is unreachable\n"
    "reach=10.0.0.5 0 \n"
    "tlsdir=/etc/pki/qemu\n"
    "tlsfile=ca-cert.pem 1\n"
    "tlsfile=server-cert.pem 1\n"
    "tlsfile=server-key.pem 0\n"
    "tlsfile=client-cert.pem 1\n"
    "tlsfile=client-key.pem 1\n"
    "tlsfile=unknown.pem 1\n"
    "end=1\n";

static void
output_is_parsed(void **state)
{
    struct host_probe p = {0};
    struct ferry_err err = {0};
    char buf[128];

    (void)state;
    assert_int_equal(probe_parse(out_ok, &p, &err), 0);
    assert_true(p.valid);
    assert_string_equal(p.kernel, "6.1.0-27-amd64");
    assert_string_equal(p.qemu, "7.2.13");
    assert_int_equal(p.n_fs, 2);
    assert_int_equal(probe_fs_of(&p, "/var/lib/libvirt/images")->avail,
                     1073741824ull);
    assert_int_equal(probe_fs_of(&p, "/srv/with space")->size, 10);
    assert_null(probe_fs_of(&p, "/nowhere"));
    assert_int_equal(probe_reach_of(&p, "10.0.0.2")->result, REACH_REFUSED);
    assert_string_equal(probe_reach_of(&p, "10.0.0.2")->detail,
                        "Connection refused");
    assert_int_equal(probe_reach_of(&p, "10.0.0.3")->result, REACH_NO);
    assert_string_equal(probe_reach_of(&p, "10.0.0.3")->detail,
                        "no answer within 3 s");
    assert_int_equal(probe_reach_of(&p, "10.0.0.4")->result, REACH_NO);
    assert_int_equal(probe_reach_of(&p, "10.0.0.5")->result, REACH_OK);
    /* QEMU's TLS files: the server key is missing, the client has all */
    assert_string_equal(p.tls_dir, "/etc/pki/qemu");
    {
        char *m = probe_tls_missing(&p, PTLS_SERVER_NEEDS);

        assert_string_equal(m, "server-key.pem");
        free(m);
        assert_null(probe_tls_missing(&p, PTLS_CLIENT_NEEDS));
    }
    /* the host read its clock halfway between send and first byte */
    probe_set_skew(&p, 1763800000000ull, 1763800000100ull);
    assert_true(p.has_skew);
    assert_int_equal(p.skew_ms, 200);
    assert_int_equal(p.skew_err_ms, 50);
    assert_string_equal(probe_summary(&p, buf, sizeof buf),
                        "kernel 6.1.0-27-amd64, QEMU 7.2.13, clock +200 ms "
                        "(+/-50)");
    probe_fini(&p);
}

static void
broken_output_is_an_error(void **state)
{
    struct host_probe p = {0};
    struct ferry_err err = {0};

    (void)state;
    /* cut short: no end marker */
    assert_int_equal(probe_parse("time=1\nkernel=6.1\n", &p, &err), -1);
    assert_non_null(strstr(err.msg, "no end marker"));
    assert_false(p.valid);
    assert_int_equal(probe_parse("fs=12 x /a\nend=1\n", &p, &err), -1);
    assert_non_null(strstr(err.msg, "line 1"));
    assert_int_equal(probe_parse("reach=\nend=1\n", &p, &err), -1);
    assert_non_null(strstr(err.msg, "reach="));
    /* no clock reading: no skew */
    assert_int_equal(probe_parse("end=1\n", &p, &err), 0);
    probe_set_skew(&p, 10, 20);
    assert_false(p.has_skew);
    probe_fini(&p);
}

static void
script_quotes_what_it_is_given(void **state)
{
    char *paths[] = {"/var/lib/libvirt/images", "/srv/it's here"};
    char *addrs[] = {"10.0.0.2"};
    char *s = probe_script(paths, 2, addrs, 1);

    (void)state;
    assert_non_null(strstr(s, "p='/srv/it'\\''s here'"));
    assert_non_null(strstr(s, "a='10.0.0.2'"));
    assert_non_null(strstr(s, "/dev/tcp/$a/49152"));
    /* the clock is read first, the end marker last */
    assert_true(strstr(s, "time=") < strstr(s, "kernel="));
    assert_non_null(strstr(s, "echo end=1\n"));
    free(s);
}

/* The script runs under this machine's sh and parses: QEMU's TLS
 * directory is always named (qemu.conf's, or libvirt's default). */
static void
script_runs_and_parses(void **state)
{
    char *s = probe_script(NULL, 0, NULL, 0), *out = NULL;
    size_t n = 0, got;
    char buf[4096];
    FILE *p, *o = open_memstream(&out, &n);
    struct host_probe pr = {0};
    struct ferry_err err = {0};

    (void)state;
    p = popen(s, "r");
    assert_non_null(p);
    while ((got = fread(buf, 1, sizeof buf, p)) > 0)
        fwrite(buf, 1, got, o);
    pclose(p);
    fclose(o);
    if (probe_parse(out, &pr, &err) < 0)
        fail_msg("%s in:\n%s", err.msg, out);
    assert_non_null(pr.tls_dir);
    assert_true(pr.tls_dir[0] == '/');
    probe_fini(&pr);
    free(out);
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(output_is_parsed),
        cmocka_unit_test(broken_output_is_an_error),
        cmocka_unit_test(script_quotes_what_it_is_given),
        cmocka_unit_test(script_runs_and_parses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
