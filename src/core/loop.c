/* The one poll() loop (see loop.h). */
#include "ferry/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ferry/util.h"

struct watch {
    int id, fd, events;
    bool deleted;
    loop_fd_cb cb;
    void *opaque;
    loop_free_cb ff;
};

struct timer {
    int id, period_ms;
    bool deleted;
    uint64_t due_ms;
    loop_timer_cb cb;
    void *opaque;
    loop_free_cb ff;
};

struct loop {
    pthread_mutex_t lock;
    int wake[2];
    int next_id;
    struct watch *w;
    size_t n_w, cap_w;
    struct timer *t;
    size_t n_t, cap_t;
};

uint64_t
loop_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop *
loop_new(void)
{
    struct loop *l = xcalloc(1, sizeof *l);

    pthread_mutex_init(&l->lock, NULL);
    if (pipe(l->wake) < 0) {
        free(l);
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(l->wake[i], F_SETFL, O_NONBLOCK);
        fcntl(l->wake[i], F_SETFD, FD_CLOEXEC);
    }
    l->next_id = 1;
    return l;
}

/* Drop deleted entries; their free callbacks run unlocked, afterwards. */
static void
sweep(struct loop *l)
{
    struct {
        loop_free_cb ff;
        void *opaque;
    } *fr = NULL;
    size_t n_fr = 0, k;

    pthread_mutex_lock(&l->lock);
    fr = xcalloc(l->n_w + l->n_t + 1, sizeof *fr);
    for (size_t i = k = 0; i < l->n_w; i++) {
        if (l->w[i].deleted) {
            if (l->w[i].ff != NULL) {
                fr[n_fr].ff = l->w[i].ff;
                fr[n_fr++].opaque = l->w[i].opaque;
            }
            continue;
        }
        l->w[k++] = l->w[i];
    }
    l->n_w = k;
    for (size_t i = k = 0; i < l->n_t; i++) {
        if (l->t[i].deleted) {
            if (l->t[i].ff != NULL) {
                fr[n_fr].ff = l->t[i].ff;
                fr[n_fr++].opaque = l->t[i].opaque;
            }
            continue;
        }
        l->t[k++] = l->t[i];
    }
    l->n_t = k;
    pthread_mutex_unlock(&l->lock);
    for (size_t i = 0; i < n_fr; i++)
        fr[i].ff(fr[i].opaque);
    free(fr);
}

void
loop_free(struct loop *l)
{
    if (l == NULL)
        return;
    pthread_mutex_lock(&l->lock);
    for (size_t i = 0; i < l->n_w; i++)
        l->w[i].deleted = true;
    for (size_t i = 0; i < l->n_t; i++)
        l->t[i].deleted = true;
    pthread_mutex_unlock(&l->lock);
    sweep(l);
    free(l->w);
    free(l->t);
    close(l->wake[0]);
    close(l->wake[1]);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

void
loop_wake(struct loop *l)
{
    char c = 1;

    if (write(l->wake[1], &c, 1) < 0) {
        /* full: the loop wakes anyway */
    }
}

int
loop_add_fd(struct loop *l, int fd, int events, loop_fd_cb cb, void *opaque,
            loop_free_cb ff)
{
    int id;

    pthread_mutex_lock(&l->lock);
    if (l->n_w == l->cap_w) {
        l->cap_w = l->cap_w ? l->cap_w * 2 : 8;
        l->w = xrealloc(l->w, l->cap_w * sizeof *l->w);
    }
    id = l->next_id++;
    l->w[l->n_w++] = (struct watch){.id = id, .fd = fd, .events = events,
                                    .cb = cb, .opaque = opaque, .ff = ff};
    pthread_mutex_unlock(&l->lock);
    loop_wake(l);
    return id;
}

static struct watch *
find_watch(struct loop *l, int id)
{
    for (size_t i = 0; i < l->n_w; i++)
        if (l->w[i].id == id && !l->w[i].deleted)
            return &l->w[i];
    return NULL;
}

static struct timer *
find_timer(struct loop *l, int id)
{
    for (size_t i = 0; i < l->n_t; i++)
        if (l->t[i].id == id && !l->t[i].deleted)
            return &l->t[i];
    return NULL;
}

void
loop_update_fd(struct loop *l, int watch, int events)
{
    struct watch *w;

    pthread_mutex_lock(&l->lock);
    w = find_watch(l, watch);
    if (w != NULL)
        w->events = events;
    pthread_mutex_unlock(&l->lock);
    loop_wake(l);
}

int
loop_remove_fd(struct loop *l, int watch)
{
    struct watch *w;

    pthread_mutex_lock(&l->lock);
    w = find_watch(l, watch);
    if (w != NULL)
        w->deleted = true;
    pthread_mutex_unlock(&l->lock);
    loop_wake(l);
    return w != NULL ? 0 : -1;
}

int
loop_add_timer(struct loop *l, int period_ms, loop_timer_cb cb, void *opaque,
               loop_free_cb ff)
{
    int id;

    pthread_mutex_lock(&l->lock);
    if (l->n_t == l->cap_t) {
        l->cap_t = l->cap_t ? l->cap_t * 2 : 8;
        l->t = xrealloc(l->t, l->cap_t * sizeof *l->t);
    }
    id = l->next_id++;
    l->t[l->n_t++] = (struct timer){
        .id = id, .period_ms = period_ms, .cb = cb, .opaque = opaque,
        .ff = ff, .due_ms = loop_now_ms() + (uint64_t)MAX(period_ms, 0)};
    pthread_mutex_unlock(&l->lock);
    loop_wake(l);
    return id;
}

void
loop_update_timer(struct loop *l, int timer, int period_ms)
{
    struct timer *t;

    pthread_mutex_lock(&l->lock);
    t = find_timer(l, timer);
    if (t != NULL) {
        t->period_ms = period_ms;
        t->due_ms = loop_now_ms() + (uint64_t)MAX(period_ms, 0);
    }
    pthread_mutex_unlock(&l->lock);
    loop_wake(l);
}

int
loop_remove_timer(struct loop *l, int timer)
{
    struct timer *t;

    pthread_mutex_lock(&l->lock);
    t = find_timer(l, timer);
    if (t != NULL)
        t->deleted = true;
    pthread_mutex_unlock(&l->lock);
    loop_wake(l);
    return t != NULL ? 0 : -1;
}

static short
to_poll(int ev)
{
    return (short)(((ev & LOOP_READ) ? POLLIN : 0) |
                   ((ev & LOOP_WRITE) ? POLLOUT : 0));
}

static int
from_poll(short re)
{
    return ((re & POLLIN) ? LOOP_READ : 0) | ((re & POLLOUT) ? LOOP_WRITE : 0) |
           ((re & (POLLERR | POLLNVAL)) ? LOOP_ERROR : 0) |
           ((re & POLLHUP) ? LOOP_HANGUP : 0);
}

int
loop_run_once(struct loop *l, int max_ms)
{
    struct pollfd *pf;
    int *ids, n, ran = 0, timeout = max_ms;
    size_t nw;
    uint64_t now = loop_now_ms();

    pthread_mutex_lock(&l->lock);
    nw = l->n_w;
    pf = xcalloc(nw + 1, sizeof *pf);
    ids = xcalloc(nw + 1, sizeof *ids);
    pf[0].fd = l->wake[0];
    pf[0].events = POLLIN;
    for (size_t i = 0; i < nw; i++) {
        pf[i + 1].fd = l->w[i].deleted || l->w[i].events == 0 ? -1
                                                              : l->w[i].fd;
        pf[i + 1].events = to_poll(l->w[i].events);
        ids[i + 1] = l->w[i].id;
    }
    for (size_t i = 0; i < l->n_t; i++) {
        const struct timer *t = &l->t[i];
        int left;

        if (t->deleted || t->period_ms < 0)
            continue;
        left = t->due_ms > now ? (int)(t->due_ms - now) : 0;
        if (timeout < 0 || left < timeout)
            timeout = left;
    }
    pthread_mutex_unlock(&l->lock);

    n = poll(pf, (nfds_t)nw + 1, timeout);
    if (n < 0 && errno != EINTR) {
        free(pf);
        free(ids);
        return -1;
    }
    if (n > 0 && (pf[0].revents & POLLIN)) {
        char buf[64];

        while (read(l->wake[0], buf, sizeof buf) > 0)
            ;
    }
    for (size_t i = 1; n > 0 && i <= nw; i++) {
        struct watch *w;
        loop_fd_cb cb = NULL;
        void *opaque = NULL;
        int ev;

        if (pf[i].fd < 0 || pf[i].revents == 0)
            continue;
        pthread_mutex_lock(&l->lock);
        w = find_watch(l, ids[i]);
        if (w != NULL) {
            cb = w->cb;
            opaque = w->opaque;
        }
        pthread_mutex_unlock(&l->lock);
        ev = from_poll(pf[i].revents);
        if (cb != NULL) {
            cb(ids[i], pf[i].fd, ev, opaque);
            ran++;
        }
    }
    /* Timers that are due; each runs at most once per iteration. */
    now = loop_now_ms();
    for (;;) {
        loop_timer_cb cb = NULL;
        void *opaque = NULL;
        int id = 0;

        pthread_mutex_lock(&l->lock);
        for (size_t i = 0; i < l->n_t; i++) {
            struct timer *t = &l->t[i];

            if (t->deleted || t->period_ms < 0 || t->due_ms > now)
                continue;
            t->due_ms = now + (uint64_t)MAX(t->period_ms, 0);
            if (t->period_ms == 0)
                t->due_ms = now + 1; /* once per iteration */
            cb = t->cb;
            opaque = t->opaque;
            id = t->id;
            break;
        }
        pthread_mutex_unlock(&l->lock);
        if (cb == NULL)
            break;
        cb(id, opaque);
        ran++;
    }
    free(pf);
    free(ids);
    sweep(l);
    return ran;
}
