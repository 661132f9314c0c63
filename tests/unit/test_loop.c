/* The poll loop: fds, timers, removal from callbacks and other threads,
 * and free callbacks that run later, never inside the remove. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "ferry/loop.h"

struct ctx {
    struct loop *l;
    int fired, freed, watch, last_events;
    bool in_remove;
};

static void
on_fd(int watch, int fd, int events, void *opaque)
{
    struct ctx *c = opaque;
    char buf[16];

    (void)watch;
    c->fired++;
    c->last_events = events;
    if ((events & LOOP_READ) && read(fd, buf, sizeof buf) < 0)
        fail();
}

static void
on_free(void *opaque)
{
    struct ctx *c = opaque;

    assert_false(c->in_remove);
    c->freed++;
}

static void
readable_fd_runs_its_callback_and_free_runs_later(void **state)
{
    struct ctx c = {0};
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    c.l = loop_new();
    c.watch = loop_add_fd(c.l, p[0], LOOP_READ, on_fd, &c, on_free);
    assert_true(c.watch > 0);
    assert_int_equal(loop_run_once(c.l, 0), 0); /* nothing to read yet */
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(loop_run_once(c.l, 1000), 1);
    assert_int_equal(c.fired, 1);
    assert_true(c.last_events & LOOP_READ);
    c.in_remove = true;
    assert_int_equal(loop_remove_fd(c.l, c.watch), 0);
    c.in_remove = false;
    assert_int_equal(c.freed, 0);
    loop_run_once(c.l, 0);
    assert_int_equal(c.freed, 1);
    assert_int_equal(loop_remove_fd(c.l, c.watch), -1);
    /* a disabled watch does not fire */
    c.watch = loop_add_fd(c.l, p[0], 0, on_fd, &c, NULL);
    loop_run_once(c.l, 0);
    assert_int_equal(c.fired, 1);
    loop_free(c.l);
    close(p[0]);
    close(p[1]);
}

static void
on_timer(int timer, void *opaque)
{
    struct ctx *c = opaque;

    c->fired++;
    if (c->fired == 3)
        loop_update_timer(c->l, timer, -1);
}

static void
timers_fire_on_period_and_stop_when_disabled(void **state)
{
    struct ctx c = {0};
    uint64_t t0;
    int t;

    (void)state;
    c.l = loop_new();
    t = loop_add_timer(c.l, 20, on_timer, &c, on_free);
    t0 = loop_now_ms();
    while (c.fired < 3 && loop_now_ms() - t0 < 5000)
        loop_run_once(c.l, -1);
    assert_int_equal(c.fired, 3);
    assert_true(loop_now_ms() - t0 >= 55);
    loop_run_once(c.l, 50); /* disabled now: waits, fires nothing */
    assert_int_equal(c.fired, 3);
    loop_update_timer(c.l, t, 0);
    loop_run_once(c.l, 1000);
    assert_int_equal(c.fired, 4);
    loop_free(c.l); /* runs the pending free callback */
    assert_int_equal(c.freed, 1);
}

static void *
adder(void *arg)
{
    struct ctx *c = arg;

    usleep(20000);
    loop_add_timer(c->l, 0, on_timer, c, NULL);
    return NULL;
}

static void
another_thread_wakes_the_loop(void **state)
{
    struct ctx c = {0};
    pthread_t th;
    uint64_t t0 = loop_now_ms();

    (void)state;
    c.l = loop_new();
    pthread_create(&th, NULL, adder, &c);
    /* waits (for longer than any slow machine needs, never forever) until
     * the other thread's timer has been added and fired */
    while (c.fired == 0 && loop_now_ms() - t0 < 120000)
        loop_run_once(c.l, (int)(120000 - (loop_now_ms() - t0)));
    pthread_join(th, NULL);
    if (c.fired != 1)
        fail_msg("the loop was not woken by the other thread within 120 s");
    loop_free(c.l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readable_fd_runs_its_callback_and_free_runs_later),
        cmocka_unit_test(timers_fire_on_period_and_stop_when_disabled),
        cmocka_unit_test(another_thread_wakes_the_loop),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
