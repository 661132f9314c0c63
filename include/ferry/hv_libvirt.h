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

/* Connects to every host (a host that cannot be reached is kept as lost
 * and retried with backoff; err is set only when none could be reached
 * and fail_if_none). Caller frees with hv_free. */
struct hv *hv_libvirt_new(const struct lv_cfg *cfg, struct loop *loop,
                          bool fail_if_none, struct ferry_err *err);

#endif
