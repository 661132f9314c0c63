/* Tables: any number of rows, filtered and sorted; columns laid out from
 * the content and the terminal width, giving way in a set order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ferry/table.h"

/* The console's VMs view. */
static const struct table_col cols[] = {
    {"NAME", 10, 40, 0, false, false},   {"HOST", 6, 32, 0, false, false},
    {"STATE", 7, 0, 2, false, false},    {"VCPU", 4, 0, 4, true, false},
    {"MEMORY", 8, 0, 1, true, false},    {"DATASTORES", 6, 0, 5, false, true},
    {"MIGRATION", 9, 0, 0, false, false}, {"DIRTY", 8, 16, 6, false, false},
};
#define N_COLS ((int)(sizeof cols / sizeof cols[0]))

static int
used(const int *w)
{
    int total = 1, shown = 0;

    for (int i = 0; i < N_COLS; i++)
        if (w[i] > 0)
            total += w[i] + (shown++ ? 1 : 0);
    return total;
}

/* At 200 columns everything has its content's width and the flex column
 * takes the rest; a 60-character name is capped at its column's max. */
static void
layout_at_200_columns_gives_content_its_width(void **state)
{
    int want[N_COLS] = {12, 28, 9, 4, 8, 20, 13, 5}, w[N_COLS];

    (void)state;
    assert_int_equal(table_layout(cols, N_COLS, want, 200, w), N_COLS);
    assert_int_equal(w[0], 12);
    assert_int_equal(w[1], 28);
    assert_int_equal(w[7], 8); /* its minimum: a sparkline */
    assert_true(w[5] > 20);    /* flex: the rest */
    assert_int_equal(used(w), 200);
    want[0] = 60;
    table_layout(cols, N_COLS, want, 200, w);
    assert_int_equal(w[0], 40);
    assert_int_equal(used(w), 200);
}

/* At 80 columns with long host names: the lowest columns give way first,
 * DIRTY and DATASTORES shrink then hide, NAME, HOST and MIGRATION stay. */
static void
layout_at_80_columns_gives_way_in_order(void **state)
{
    int want[N_COLS] = {12, 28, 9, 4, 8, 20, 13, 5}, w[N_COLS];

    (void)state;
    table_layout(cols, N_COLS, want, 80, w);
    assert_true(used(w) <= 80);
    assert_int_equal(w[0], 12);
    assert_true(w[1] >= 6);
    assert_true(w[6] >= 9);
    assert_int_equal(w[7], 0); /* DIRTY hides first */
    assert_true(w[5] == 0 || w[5] >= 6);
    assert_int_equal(w[1], 23); /* HOST shrank, then got the room back */
    for (int i = 0; i < N_COLS; i++)
        assert_true(w[i] == 0 || w[i] >= cols[i].min);
    /* short names fit everything at 80 */
    {
        int small[N_COLS] = {9, 5, 8, 4, 8, 9, 9, 5};

        assert_int_equal(table_layout(cols, N_COLS, small, 80, w), N_COLS);
        assert_int_equal(used(w), 80);
    }
    /* far too narrow: only the never-hidden columns are left */
    assert_int_equal(table_layout(cols, N_COLS, want, 40, w), 3);
    assert_true(used(w) <= 40);
    assert_int_equal(w[7] + w[5] + w[3] + w[2] + w[4], 0);
    /* narrower still: they go down to their minimum */
    table_layout(cols, N_COLS, want, 28, w);
    assert_int_equal(w[0], 10);
    assert_int_equal(w[1], 6);
    assert_int_equal(w[6], 9);
}

/* 10,000 rows: every one kept, filtered by any cell, sorted by number or
 * text, ids found again after sorting. */
static void
ten_thousand_rows_filter_and_sort(void **state)
{
    struct table t;
    char name[80];

    (void)state;
    table_init(&t, cols, N_COLS);
    for (int i = 0; i < 10000; i++) {
        size_t r;

        snprintf(name, sizeof name, "vm-%05d-%s", i,
                 i == 4242 ? "a-name-that-is-sixty-characters-long-for-the-test"
                           : "x");
        r = table_add(&t, name, 0);
        table_set(&t, r, 0, NAN, "%s", name);
        table_set(&t, r, 1, NAN, "h%03d", i % 256);
        table_set(&t, r, 4, (double)((i * 7919) % 10007), "%d",
                  (i * 7919) % 10007);
    }
    assert_int_equal(t.n_rows, 10000);
    table_arrange(&t, NULL, 0, false);
    assert_int_equal(t.n_shown, 10000);
    assert_string_equal(table_cell(&t, table_shown(&t, 9999), 0),
                        "vm-09999-x");
    table_arrange(&t, "SIXTY", 0, false);
    assert_int_equal(t.n_shown, 1);
    assert_true(strlen(table_id(&t, table_shown(&t, 0))) > 55);
    table_arrange(&t, "h255", 0, false);
    assert_int_equal(t.n_shown, 39);
    table_arrange(&t, "", 4, true);
    for (size_t i = 1; i < t.n_shown; i++)
        assert_true(t.cells[t.rows[table_shown(&t, i - 1)].cell0 + 4].key >=
                    t.cells[t.rows[table_shown(&t, i)].cell0 + 4].key);
    assert_int_equal(table_find(&t, "vm-00000-x") >= 0, 1);
    assert_int_equal(table_find(&t, "nope"), -1);
    /* a cell longer than any buffer */
    {
        char big[3000];

        memset(big, 'z', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        table_set(&t, 0, 5, NAN, "%s", big);
        assert_string_equal(table_cell(&t, 0, 5), big);
    }
    table_clear(&t);
    assert_int_equal(t.n_rows, 0);
    table_fini(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layout_at_200_columns_gives_content_its_width),
        cmocka_unit_test(layout_at_80_columns_gives_way_in_order),
        cmocka_unit_test(ten_thousand_rows_filter_and_sort),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
