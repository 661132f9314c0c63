/* Policies as data: built-ins parse, bad input says where. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/policy.h"

static void
builtins_include_every_reference_schedule(void **state)
{
    struct policy_set s;
    struct ferry_err err;
    const char *names[] = {"ferry", "qemu-default", "ovirt-minimal-downtime",
                           "ovirt-postcopy", "nova", "kubevirt"};

    (void)state;
    policy_set_init(&s);
    assert_int_equal(policy_set_builtin(&s, &err), 0);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_non_null(policy_find(&s, names[i]));
    assert_int_equal(policy_find(&s, "qemu-default")->downtime_limit_ms, 300);
    assert_int_equal(policy_find(&s, "qemu-default")->n_steps, 0);
    assert_true(policy_find(&s, "ovirt-minimal-downtime")->sequential);
    assert_int_equal(policy_find(&s, "ovirt-minimal-downtime")->n_steps, 6);
    assert_int_equal(policy_find(&s, "nova")->n_steps, 11);
    assert_true(policy_find(&s, "nova")->steps[0].per_gib);
    assert_true(policy_find(&s, "ferry")->postcopy);
    assert_int_equal(policy_find(&s, "ferry")->mode, POLICY_ADAPTIVE);
    policy_set_fini(&s);
}

static void
config_replaces_a_builtin_and_adds_new_ones(void **state)
{
    struct policy_set s;
    struct ferry_err err;
    struct ini_doc *d = ini_load_string(
        "ferry.ini",
        "[policy ferry]\nmode = adaptive\nescalation = throttle\n"
        "[policy night]\nmode = schedule\ndowntime_limit = 2s\n"
        "step = no progress for 30s : abort\n",
        &err);

    (void)state;
    policy_set_init(&s);
    assert_int_equal(policy_set_builtin(&s, &err), 0);
    assert_int_equal(policy_set_load(&s, d, &err), 0);
    assert_false(policy_find(&s, "ferry")->postcopy);
    assert_int_equal(policy_find(&s, "night")->downtime_limit_ms, 2000);
    assert_int_equal(policy_find(&s, "night")->steps[0].trig,
                     TRIG_NO_PROGRESS);
    ini_free(d);
    policy_set_fini(&s);
}

static void
bad_step_names_file_line_and_choices(void **state)
{
    struct policy_set s;
    struct ferry_err err;
    struct ini_doc *d = ini_load_string(
        "ferry.ini", "[policy p]\nmode = schedule\nstep = sometimes : abort\n",
        &err);

    (void)state;
    policy_set_init(&s);
    assert_int_equal(policy_set_load(&s, d, &err), -1);
    assert_non_null(strstr(err.msg, "ferry.ini:3: [policy p] step:"));
    assert_non_null(strstr(err.msg, "rounds > N"));
    ini_free(d);
    d = ini_load_string("ferry.ini",
                        "[policy p]\nstep = rounds > 2 : explode\n", &err);
    assert_int_equal(policy_set_load(&s, d, &err), -1);
    assert_non_null(strstr(err.msg, "unknown action"));
    ini_free(d);
    d = ini_load_string("ferry.ini", "[policy p]\nflavour = mint\n", &err);
    assert_int_equal(policy_set_load(&s, d, &err), -1);
    assert_non_null(strstr(err.msg, "ferry.ini:2: [policy p] flavour: "
                                    "unknown key"));
    ini_free(d);
    policy_set_fini(&s);
}

/* The wizard's escalation switches: a copy without what is not allowed;
 * an adaptive policy may gain what it did not name. */
static void
restricted_copies(void **state)
{
    struct policy_set s;
    struct ferry_err err;
    struct policy c;
    const struct policy *p;

    (void)state;
    policy_set_init(&s);
    assert_int_equal(policy_set_builtin(&s, &err), 0);
    p = policy_find(&s, "ferry");
    policy_copy_restricted(p, &c, false, false, true);
    assert_false(policy_allows(&c, ACT_THROTTLE));
    assert_false(policy_allows(&c, ACT_POSTCOPY));
    assert_true(policy_allows(&c, ACT_PAUSE));
    assert_true(policy_allows(&c, ACT_SET_DOWNTIME));
    assert_false(c.postcopy);
    assert_string_equal(c.name, "ferry");
    policy_copy_free(&c);
    /* a schedule loses its post-copy step and flag, keeps the rest */
    p = policy_find(&s, "ovirt-postcopy");
    policy_copy_restricted(p, &c, true, false, false);
    assert_false(policy_allows(&c, ACT_POSTCOPY));
    assert_false(c.postcopy);
    assert_true(policy_allows(&c, ACT_ABORT));
    assert_int_equal(c.n_steps, p->n_steps - 1);
    assert_true(c.auto_converge);
    policy_copy_free(&c);
    policy_copy_restricted(p, &c, false, true, false);
    assert_false(c.auto_converge);
    assert_true(c.postcopy);
    policy_copy_free(&c);
    policy_set_fini(&s);
}

/* The transport keys read, write back and survive a copy. */
static void
transport_keys_read_back(void **state)
{
    struct policy_set s, back;
    struct ferry_err err;
    struct ini_doc *d = ini_load_string(
        "ferry.ini",
        "[policy fast]\nmode = adaptive\nescalation = downtime\n"
        "xbzrle = always\nxbzrle_cache = 512MiB\n"
        "parallel_connections = 4\ntls = yes\n",
        &err);
    const struct policy *p;
    struct policy c;
    char *ini;

    (void)state;
    policy_set_init(&s);
    assert_int_equal(policy_set_builtin(&s, &err), 0);
    assert_int_equal(policy_set_load(&s, d, &err), 0);
    ini_free(d);
    p = policy_find(&s, "fast");
    assert_int_equal(p->xbzrle, XBZRLE_ALWAYS);
    assert_int_equal(p->xbzrle_cache_bytes, 512 * 1024 * 1024);
    assert_int_equal(p->parallel, 4);
    assert_int_equal(p->tls, 1);
    /* the built-ins: ferry decides, the references do not compress */
    assert_int_equal(policy_find(&s, "ferry")->xbzrle, XBZRLE_AUTO);
    assert_int_equal(policy_find(&s, "qemu-default")->xbzrle, XBZRLE_FORBID);
    assert_int_equal(policy_find(&s, "nova")->xbzrle, XBZRLE_FORBID);
    assert_int_equal(policy_find(&s, "kubevirt")->parallel, 8);
    assert_int_equal(policy_find(&s, "nova")->parallel, 0);
    assert_int_equal(policy_find(&s, "nova")->tls, 0);
    /* written back, read back */
    ini = policy_to_ini(p);
    d = ini_load_string("log", ini, &err);
    assert_non_null(d);
    policy_set_init(&back);
    assert_int_equal(policy_set_load(&back, d, &err), 0);
    assert_int_equal(policy_find(&back, "fast")->xbzrle, XBZRLE_ALWAYS);
    assert_int_equal(policy_find(&back, "fast")->xbzrle_cache_bytes,
                     p->xbzrle_cache_bytes);
    assert_int_equal(policy_find(&back, "fast")->parallel, 4);
    assert_int_equal(policy_find(&back, "fast")->tls, 1);
    ini_free(d);
    free(ini);
    policy_set_fini(&back);
    /* "no" survives as the default; tls = no as -1 */
    d = ini_load_string("f.ini", "[policy q]\nxbzrle = no\ntls = no\n", &err);
    assert_int_equal(policy_set_load(&s, d, &err), 0);
    ini_free(d);
    assert_int_equal(policy_find(&s, "q")->xbzrle, XBZRLE_FORBID);
    assert_int_equal(policy_find(&s, "q")->tls, -1);
    ini = policy_to_ini(policy_find(&s, "q"));
    assert_non_null(strstr(ini, "tls = no"));
    free(ini);
    /* copies keep them */
    policy_copy(p, &c);
    assert_int_equal(c.xbzrle, XBZRLE_ALWAYS);
    assert_int_equal(c.parallel, 4);
    policy_copy_free(&c);
    policy_copy_restricted(p, &c, false, false, false);
    assert_int_equal(c.xbzrle, XBZRLE_ALWAYS);
    assert_int_equal(c.xbzrle_cache_bytes, p->xbzrle_cache_bytes);
    assert_int_equal(c.tls, 1);
    policy_copy_free(&c);
    policy_set_fini(&s);
}

static void
bad_transport_keys_name_file_line(void **state)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"[policy p]\nxbzrle = sometimes\n",
         "ferry.ini:2: [policy p] xbzrle: 'sometimes' is not auto, always "
         "or no"},
        {"[policy p]\nmode = adaptive\nxbzrle_cache = huge\n",
         "ferry.ini:3: [policy p] xbzrle_cache:"},
        {"[policy p]\nxbzrle_cache = 100\n",
         "ferry.ini:2: [policy p] xbzrle_cache: a cache of 100 bytes holds "
         "no page"},
        {"[policy p]\nparallel_connections = 0\n",
         "ferry.ini:2: [policy p] parallel_connections:"},
        {"[policy p]\nparallel_connections = many\n",
         "ferry.ini:2: [policy p] parallel_connections:"},
        {"[policy p]\ntls = maybe\n", "ferry.ini:2: [policy p] tls:"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct policy_set s;
        struct ferry_err err;
        struct ini_doc *d = ini_load_string("ferry.ini", cases[i].text, &err);

        assert_non_null(d);
        policy_set_init(&s);
        assert_int_equal(policy_set_load(&s, d, &err), -1);
        if (strstr(err.msg, cases[i].want) == NULL)
            fail_msg("case %zu: got '%s', want '%s'", i, err.msg,
                     cases[i].want);
        ini_free(d);
        policy_set_fini(&s);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtins_include_every_reference_schedule),
        cmocka_unit_test(config_replaces_a_builtin_and_adds_new_ones),
        cmocka_unit_test(bad_step_names_file_line_and_choices),
        cmocka_unit_test(restricted_copies),
        cmocka_unit_test(transport_keys_read_back),
        cmocka_unit_test(bad_transport_keys_name_file_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
