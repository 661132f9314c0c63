/* The libvirt backend: real hosts, their inventory kept current by
 * libvirt's events on ferry's poll loop, and migrations that QEMU carries
 * out while the engine steers them. Only src/hv/libvirt includes libvirt;
 * this header does not. */
#ifndef FERRY_HV_LIBVIRT_H
#define FERRY_HV_LIBVIRT_H

#include <stdbool.h>
#include <stdint.h>

#include "ferry/hostcfg.h"
#include "ferry/hv.h"
#include "ferry/loop.h"

/* How to open the hosts. */
struct lv_open {
    /* err when no host could be reached */
    bool fail_if_none;
    /* Run the loop until every SSH host is connected (and probed) or has
     * failed, answering questions with ask (the command line). Without it
     * SSH hosts come up later and their questions wait in hv->prompt
     * (the console). */
    bool wait;
    bool accept_new; /* record unknown SSH host keys (--accept-new) */
    bool can_prompt; /* false: refuse what would need a question */
    bool ask_hostkey;/* false: unknown host keys are refused, not asked */
    /* with wait: answer p into ans; 0, or -1 to decline */
    int (*ask)(void *opaque, const struct hv_prompt *p, char *ans,
               size_t n);
    void *opaque;
};

/* Connects to every host (a host that cannot be reached is kept as lost
 * and retried with backoff; err is set only when none could be reached
 * and how->fail_if_none). Caller frees with hv_free. */
struct hv *hv_libvirt_new(const struct lv_cfg *cfg, struct loop *loop,
                          const struct lv_open *how, struct ferry_err *err);

/* Start the fail-safe for this backend's moves: a guard process
 * (exe guard --notices FILE --log LOG) that resolves every move still
 * armed when this process is gone (see ferry/guard.h); it writes what it
 * does to LOG (the server's). -1 with err. */
int hv_libvirt_guard(struct hv *hv, const char *exe, const char *notices,
                     const char *log, struct ferry_err *err);
/* The guard process: read arm/disarm messages from fd until it closes,
 * then resolve what is armed, within 30 s. Returns the exit code. */
int hv_libvirt_guard_main(int fd, const char *notices, const char *log);

#endif
