/* INI documents keep line numbers; errors say file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A datastore every one of 300 hosts sees: a line of several thousand
 * characters, read whole, with its line number and inline comment. */
static void
lines_over_a_thousand_characters_are_read_whole(void **state)
{
    struct ferry_err err;
    size_t cap = 300 * 40 + 200, off = 0;
    char *text = malloc(cap), *want = malloc(cap);
    struct ini_doc *d;

    (void)state;
    off += (size_t)snprintf(text + off, cap - off,
                            "[datastore nfs-01]\ntype = nfs\nhosts = ");
    want[0] = '\0';
    for (int i = 0; i < 300; i++) {
        char h[48];

        snprintf(h, sizeof h, "%skvm-node-%03d.dc2.example.net", i ? ", " : "",
                 i);
        strcat(want, h);
        off += (size_t)snprintf(text + off, cap - off, "%s", h);
    }
    off += (size_t)snprintf(text + off, cap - off,
                            "   ; every host\nshared = yes\n");
    assert_true(strlen(want) > 1000);
    d = ini_load_string("big.ini", text, &err);
    assert_non_null(d);
    assert_int_equal(d->n, 3);
    assert_string_equal(d->v[1].key, "hosts");
    assert_string_equal(d->v[1].value, want);
    assert_int_equal(d->v[1].line, 3);
    assert_string_equal(d->v[2].key, "shared");
    assert_int_equal(d->v[2].line, 4);
    ini_free(d);
    free(text);
    free(want);
}

/* inih keeps section names in 50 bytes: longer names come back whole. */
static void
long_section_names_are_kept_whole(void **state)
{
    struct ferry_err err;
    const char *name = "host kvm-node-017-with-a-rather-long-name."
                       "rack-42.row-7.dc2.example.net";
    char text[400];
    struct ini_doc *d;

    (void)state;
    snprintf(text, sizeof text, "[%s]\ncores = 8\n[vm a]\nhost = x\n", name);
    d = ini_load_string("t.ini", text, &err);
    assert_non_null(d);
    assert_int_equal(d->n, 2);
    assert_string_equal(d->v[0].section, name);
    assert_string_equal(d->v[1].section, "vm a");
    ini_free(d);
}

/* A long line that is not key = value is still a syntax error, with the
 * place; so is one with a long key. */
static void
long_junk_is_a_syntax_error_with_its_line(void **state)
{
    struct ferry_err err;
    char text[700];

    (void)state;
    memset(text, 'x', sizeof text);
    memcpy(text, "[a]\nk = 1\n", 10);
    text[sizeof text - 2] = '\n';
    text[sizeof text - 1] = '\0';
    assert_null(ini_load_string("long.ini", text, &err));
    assert_non_null(strstr(err.msg, "long.ini:3: syntax error"));
    text[400] = '=';
    assert_null(ini_load_string("long.ini", text, &err));
    assert_non_null(strstr(err.msg, "long.ini:3: syntax error"));
    /* a long comment is dropped; a long unclosed section is an error */
    text[400] = 'x';
    text[10] = ';';
    {
        struct ini_doc *d = ini_load_string("long.ini", text, &err);

        assert_non_null(d);
        assert_int_equal(d->n, 1);
        ini_free(d);
    }
    text[10] = '[';
    assert_null(ini_load_string("long.ini", text, &err));
    assert_non_null(strstr(err.msg, "long.ini:3: syntax error"));
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
        cmocka_unit_test(lines_over_a_thousand_characters_are_read_whole),
        cmocka_unit_test(long_section_names_are_kept_whole),
        cmocka_unit_test(long_junk_is_a_syntax_error_with_its_line),
        cmocka_unit_test(typed_getters_report_the_place),
        cmocka_unit_test(missing_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
