/* INI documents keep line numbers; errors say file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ferry/ini.h"

static void
entries_carry_section_key_value_and_line(void **state)
{
    struct ferry_err err;
    struct ini_doc *d = ini_load_string("t.ini",
                                        "; comment\n[host hv-01]\n"
                                        "memory = 4GiB\n\ncores=8\n",
                                        &err);

    (void)state;
    assert_non_null(d);
    assert_int_equal(d->n, 2);
    assert_string_equal(d->v[0].section, "host hv-01");
    assert_string_equal(d->v[0].key, "memory");
    assert_string_equal(d->v[0].value, "4GiB");
    assert_int_equal(d->v[0].line, 3);
    assert_int_equal(d->v[1].line, 5);
    assert_string_equal(ini_section_name(d->v[0].section, "host"), "hv-01");
    assert_null(ini_section_name(d->v[0].section, "vm"));
    ini_free(d);
}

static void
syntax_error_names_file_and_line(void **state)
{
    struct ferry_err err;

    (void)state;
    assert_null(ini_load_string("bad.ini", "[a]\nx = 1\nnot a pair\n", &err));
    assert_non_null(strstr(err.msg, "bad.ini:3:"));
}

static void
overlong_line_is_refused_not_split(void **state)
{
    struct ferry_err err;
    char text[600];

    (void)state;
    memset(text, 'x', sizeof text);
    memcpy(text, "[a]\nk = ", 8);
    text[sizeof text - 2] = '\n';
    text[sizeof text - 1] = '\0';
    assert_null(ini_load_string("long.ini", text, &err));
    assert_non_null(strstr(err.msg, "long.ini:2: line too long"));
}

static void
typed_getters_report_the_place(void **state)
{
    struct ferry_err err;
    struct ini_doc *d =
        ini_load_string("t.ini", "[vm a]\nmemory = lots\nok = maybe\n", &err);
    uint64_t v;
    bool b;

    (void)state;
    assert_int_equal(ini_get_bytes(d, &d->v[0], &v, &err), -1);
    assert_non_null(strstr(err.msg, "t.ini:2: [vm a] memory:"));
    assert_int_equal(ini_get_bool(d, &d->v[1], &b, &err), -1);
    assert_non_null(strstr(err.msg, "t.ini:3:"));
    ini_free(d);
}

static void
missing_file_is_an_error(void **state)
{
    struct ferry_err err;

    (void)state;
    assert_null(ini_load_file("/nonexistent/ferry.ini", &err));
    assert_non_null(strstr(err.msg, "/nonexistent/ferry.ini"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entries_carry_section_key_value_and_line),
        cmocka_unit_test(syntax_error_names_file_and_line),
        cmocka_unit_test(overlong_line_is_refused_not_split),
        cmocka_unit_test(typed_getters_report_the_place),
        cmocka_unit_test(missing_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
