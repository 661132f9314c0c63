/* Word-packed bitmaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ferry/bitmap.h"

static void
set_range_count_and_next(void **state)
{
    struct bitmap b;

    (void)state;
    bitmap_init(&b, 200);
    bitmap_set_range(&b, 3, 130);
    assert_int_equal(bitmap_count(&b), 127);
    assert_int_equal(bitmap_next(&b, 0), 3);
    assert_int_equal(bitmap_next(&b, 129), 129);
    assert_int_equal(bitmap_next(&b, 130), 200);
    bitmap_clear(&b, 64);
    assert_false(bitmap_test(&b, 64));
    assert_int_equal(bitmap_next(&b, 64), 65);
    bitmap_fini(&b);
}

static void
or_merges_and_counts(void **state)
{
    struct bitmap a, b;

    (void)state;
    bitmap_init(&a, 100);
    bitmap_init(&b, 100);
    bitmap_set(&a, 1);
    bitmap_set(&b, 1);
    bitmap_set(&b, 99);
    assert_int_equal(bitmap_count_or(&a, &b), 2);
    assert_int_equal(bitmap_or(&a, &b), 2);
    assert_true(bitmap_test(&a, 99));
    bitmap_zero(&a);
    assert_int_equal(bitmap_count(&a), 0);
    bitmap_fini(&a);
    bitmap_fini(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_range_count_and_next),
        cmocka_unit_test(or_merges_and_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
