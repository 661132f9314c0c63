/* The one poll() loop: file descriptors and timers with callbacks. Other
 * threads may add, change and remove watches (libvirt's event
 * implementation does): the loop is locked and woken through a pipe, and
 * the free callbacks of removed watches run later, from the loop, never
 * inside the remove call. */
#ifndef FERRY_LOOP_H
#define FERRY_LOOP_H

#include <stdint.h>

/* The same bits as libvirt's VIR_EVENT_HANDLE_*. */
#define LOOP_READ 1
#define LOOP_WRITE 2
#define LOOP_ERROR 4
#define LOOP_HANGUP 8

struct loop;

typedef void (*loop_fd_cb)(int watch, int fd, int events, void *opaque);
typedef void (*loop_timer_cb)(int timer, void *opaque);
typedef void (*loop_free_cb)(void *opaque);

/* Caller frees with loop_free (which runs the pending free callbacks). */
struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Returns a watch id (> 0), or -1. */
int loop_add_fd(struct loop *l, int fd, int events, loop_fd_cb cb,
                void *opaque, loop_free_cb ff);
void loop_update_fd(struct loop *l, int watch, int events);
int loop_remove_fd(struct loop *l, int watch);

/* period_ms: -1 disabled, 0 as soon as possible (each iteration), else
 * every period_ms. Returns a timer id (> 0), or -1. */
int loop_add_timer(struct loop *l, int period_ms, loop_timer_cb cb,
                   void *opaque, loop_free_cb ff);
void loop_update_timer(struct loop *l, int timer, int period_ms);
int loop_remove_timer(struct loop *l, int timer);

/* Wait at most max_ms (-1: no limit) for something to happen, run its
 * callbacks. Returns the number of callbacks run, or -1 on a poll error. */
int loop_run_once(struct loop *l, int max_ms);
/* Make a loop_run_once in another thread return soon. */
void loop_wake(struct loop *l);

uint64_t loop_now_ms(void);

#endif
