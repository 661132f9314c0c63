/* Units: what operators type is parsed exactly; what ferry prints reads well. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ferry/units.h"

static void
bytes_accept_binary_and_decimal_units(void **state)
{
    uint64_t v;

    (void)state;
    assert_int_equal(units_parse_bytes("4GiB", &v, NULL), 0);
    assert_int_equal(v, 4 * GiB);
    assert_int_equal(units_parse_bytes("512 MiB", &v, NULL), 0);
    assert_int_equal(v, 512 * MiB);
    assert_int_equal(units_parse_bytes("1.5G", &v, NULL), 0);
    assert_int_equal(v, 3 * GiB / 2);
    assert_int_equal(units_parse_bytes("4GB", &v, NULL), 0);
    assert_int_equal(v, 4000000000ULL);
    assert_int_equal(units_parse_bytes("4096", &v, NULL), 0);
    assert_int_equal(v, 4096);
}

/* A datacenter's storage is counted in PiB and its spine in Tbit/s. */
static void
sizes_reach_pib_and_rates_tbit(void **state)
{
    uint64_t v;
    char b[32];
    struct ferry_err err;

    (void)state;
    assert_int_equal(units_parse_bytes("1PiB", &v, NULL), 0);
    assert_true(v == 1024ULL * 1024 * GiB);
    assert_int_equal(units_parse_bytes("2.5 PB", &v, NULL), 0);
    assert_true(v == 2500000000000000ULL);
    assert_int_equal(units_parse_bytes("8EiB", &v, NULL), 0);
    assert_true(v == 8ULL << 60);
    assert_int_equal(units_parse_bytes("16EiB", &v, &err), -1);
    assert_non_null(strstr(err.msg, "too large"));
    assert_string_equal(units_fmt_bytes(b, sizeof b, 3ULL << 50), "3.00 PiB");
    assert_int_equal(units_parse_rate("1.6Tbit/s", &v, NULL), 0);
    assert_true(v == 200000000000ULL);
    assert_int_equal(units_parse_rate("1 Tbps", &v, NULL), 0);
    assert_true(v == 125000000000ULL);
    assert_int_equal(units_parse_rate("2TiB/s", &v, NULL), 0);
    assert_true(v == 2ULL << 40);
}

static void
bytes_reject_garbage_with_a_message(void **state)
{
    uint64_t v;
    struct ferry_err err;

    (void)state;
    assert_int_equal(units_parse_bytes("lots", &v, &err), -1);
    assert_non_null(strstr(err.msg, "lots"));
    assert_int_equal(units_parse_bytes("4 parsecs", &v, &err), -1);
    assert_non_null(strstr(err.msg, "unknown unit"));
    assert_int_equal(units_parse_bytes("-1GiB", &v, &err), -1);
}

static void
rates_take_bytes_and_bits(void **state)
{
    uint64_t v;

    (void)state;
    assert_int_equal(units_parse_rate("200MiB/s", &v, NULL), 0);
    assert_int_equal(v, 200 * MiB);
    assert_int_equal(units_parse_rate("10Gbit", &v, NULL), 0);
    assert_int_equal(v, 1250000000ULL);
    assert_int_equal(units_parse_rate("100 Mbps", &v, NULL), 0);
    assert_int_equal(v, 12500000ULL);
    assert_int_equal(units_parse_rate("50", &v, NULL), 0); /* MiB/s */
    assert_int_equal(v, 50 * MiB);
}

static void
durations_default_to_milliseconds(void **state)
{
    uint64_t v;

    (void)state;
    assert_int_equal(units_parse_ms("500ms", &v, NULL), 0);
    assert_int_equal(v, 500);
    assert_int_equal(units_parse_ms("1.5s", &v, NULL), 0);
    assert_int_equal(v, 1500);
    assert_int_equal(units_parse_ms("2m", &v, NULL), 0);
    assert_int_equal(v, 120000);
    assert_int_equal(units_parse_ms("300", &v, NULL), 0);
    assert_int_equal(v, 300);
    assert_int_equal(units_parse_ms("soon", &v, NULL), -1);
}

static void
percent_is_bounded(void **state)
{
    double p;

    (void)state;
    assert_int_equal(units_parse_percent("20%", &p, NULL), 0);
    assert_true(p == 20);
    assert_int_equal(units_parse_percent("101", &p, NULL), -1);
}

static void
formatting_picks_readable_units(void **state)
{
    char b[32];

    (void)state;
    assert_string_equal(units_fmt_bytes(b, sizeof b, 1536 * MiB), "1.50 GiB");
    assert_string_equal(units_fmt_bytes(b, sizeof b, 512), "512 B");
    assert_string_equal(units_fmt_rate(b, sizeof b, 117.0 * MiB),
                        "117 MiB/s");
    assert_string_equal(units_fmt_ms(b, sizeof b, 350), "350 ms");
    assert_string_equal(units_fmt_ms(b, sizeof b, 12400), "12.4 s");
    assert_string_equal(units_fmt_ms(b, sizeof b, 185000), "3m05s");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bytes_accept_binary_and_decimal_units),
        cmocka_unit_test(sizes_reach_pib_and_rates_tbit),
        cmocka_unit_test(bytes_reject_garbage_with_a_message),
        cmocka_unit_test(rates_take_bytes_and_bits),
        cmocka_unit_test(durations_default_to_milliseconds),
        cmocka_unit_test(percent_is_bounded),
        cmocka_unit_test(formatting_picks_readable_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
