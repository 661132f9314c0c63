/* ferry's own pre-copy data plane on the simulated datacenter.
 *
 * Memory is an array of 4 KiB pages whose content is a version stamp; the
 * guest bumps stamps and sets bits in a dirty log (what KVM's dirty log does),
 * and the sender walks a migration bitmap, copying stamps to the destination.
 * A sync moves the log into the bitmap, as QEMU's migration_bitmap_sync does.
 * Switchover happens the QEMU way (remaining <= bandwidth x downtime limit)
 * or when the engine asks. Disks work the same with 64 KiB blocks and
 * changed-block tracking. After every switchover the destination is checked
 * against the source by checksum: nothing may be lost. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/bitmap.h"
#include "ferry/rng.h"
#include "ferry/sim.h"
#include "ferry/units.h"
#include "sim_internal.h"

#define DST_EMPTY 0xffffffffu

/* Four page stamps at once (GCC/clang vector extensions: SSE2 or NEON, or
 * plain code where there is neither), and the lane masks for each value
 * of four bits of a bitmap word. */
typedef uint32_t v4u __attribute__((vector_size(16)));
#define LANE(n, i) (((n) >> (i)) & 1 ? 0xffffffffu : 0u)
#define LANES(n) {LANE(n, 0), LANE(n, 1), LANE(n, 2), LANE(n, 3)}
static const v4u nibble_lanes[16] = {
    LANES(0),  LANES(1),  LANES(2),  LANES(3),  LANES(4),  LANES(5),
    LANES(6),  LANES(7),  LANES(8),  LANES(9),  LANES(10), LANES(11),
    LANES(12), LANES(13), LANES(14), LANES(15)};

struct sim_disk {
    size_t nblocks, hot_blocks;
    uint32_t *src, *dst;
    struct bitmap cur, log, alloc;
    size_t cur_count;
    size_t model_index;
};

/* One slot of XBZRLE's cache: the page it holds (+1; 0: none), the
 * generation (bitmap sync) it was last used in, and the content it had
 * when it was sent, which the destination holds too. */
struct xz_slot {
    uint64_t page1, age;
    uint32_t stamp;
};

struct sim_mig {
    struct sim_dc *dc;
    size_t vm;
    struct hv_mig_params p;
    char *vm_name, *dst_host, *dst_ds, *src_host;
    const struct sim_workload *wl;
    struct rng rng;
    uint64_t t_ms;
    enum hv_status status;
    enum hv_stage stage;
    bool never_switch;

    /* memory */
    size_t npages, wss_pages, hot_pages;
    uint32_t *src, *dst;
    struct bitmap cur, log, zero;
    size_t cur_count, scan;
    /* The guest's writes since the dirty log was last brought up to date,
     * for the hot [0, hot_pages) and the rest of the working set. */
    uint64_t pending_writes[2];
    uint64_t mem_processed, mem_iteration;
    double write_carry, send_carry;

    /* disks */
    struct sim_disk *disks;
    size_t n_disks, disk_scan_idx, disk_scan;
    uint64_t disk_total, disk_processed, disk_iteration;
    double disk_write_carry, disk_send_carry;
    bool disk_ready;

    /* link: the connections' rate, and the cap's */
    struct sim_net net;
    uint64_t link_bps, bw_bps, disk_bps;

    /* control */
    uint64_t limit_ms;
    double throttle;
    bool paused;
    uint64_t paused_at_ms;
    bool postcopy_requested, switch_requested;

    /* auto-converge, as QEMU's migration_trigger_throttle */
    uint64_t ac_period_start_ms, ac_xfer_prev;
    uint64_t ac_dirty_pages_period;
    unsigned ac_high;

    /* the last sync of the active stream */
    uint64_t last_sync_ms, sync_t_ms, sync_dirty, sync_period_ms;
    uint64_t mem_dirty_rate, disk_dirty_rate;
    uint64_t disk_last_sync_ms;

    /* post-copy */
    struct bitmap pend;
    size_t pend_count, pend_scan;
    uint64_t postcopy_reqs;
    uint64_t src_sum_at_switch;

    /* what was sent: zero (constant) and whole pages; XBZRLE's cache,
     * a power of two of slots indexed by page number (QEMU's page_cache) */
    uint64_t pages_zero, pages_normal;
    struct xz_slot *xz;
    size_t xz_slots;
    uint64_t xz_pages, xz_bytes, xz_misses, xz_overflow;
    double xz_carry; /* the encoder's budget, bytes of pages */

    /* result */
    uint64_t downtime_ms, total_ms;
    char reason[256];
    bool verified;
};

/* Order-independent checksum of a stamp array. */
static uint64_t
checksum(const uint32_t *v, size_t n)
{
    uint64_t h = 0;

    for (size_t i = 0; i < n; i++)
        h += rng_mix(((uint64_t)i << 32) ^ v[i]);
    return h;
}

void
sim_mig_checksums(const struct sim_mig *m, uint64_t *src, uint64_t *dst)
{
    *src = checksum(m->src, m->npages);
    *dst = checksum(m->dst, m->npages);
}

static bool
is_compute(const struct sim_mig *m)
{
    return m->p.kind != KIND_STORAGE;
}

static bool
is_storage(const struct sim_mig *m)
{
    return m->p.kind != KIND_COMPUTE;
}

struct sim_mig *
sim_mig_new(struct sim_dc *dc, const struct hv_mig_params *p,
            struct ferry_err *err)
{
    struct model *md = &dc->model;
    struct model_vm *vm = model_vm(md, p->vm);
    struct sim_mig *m;
    const struct model_datastore *dds = NULL;

    if (vm == NULL) {
        err_set(err, "no VM named %s", p->vm);
        return NULL;
    }
    if (p->kind != KIND_STORAGE &&
        (p->dst_host == NULL || model_host(md, p->dst_host) == NULL)) {
        err_set(err, "no destination host named %s",
                p->dst_host ? p->dst_host : "(none)");
        return NULL;
    }
    if (p->kind != KIND_COMPUTE) {
        if (p->dst_ds == NULL || (dds = model_ds(md, p->dst_ds)) == NULL) {
            err_set(err, "no destination datastore named %s",
                    p->dst_ds ? p->dst_ds : "(none)");
            return NULL;
        }
    }
    if (vm->migrating) {
        err_set(err, "%s is already migrating", vm->name);
        return NULL;
    }
    m = xcalloc(1, sizeof *m);
    m->dc = dc;
    m->vm = (size_t)(vm - md->vms);
    m->p = *p;
    m->vm_name = xstrdup(vm->name);
    m->src_host = xstrdup(vm->host);
    m->dst_host = xstrdup(p->dst_host ? p->dst_host : vm->host);
    m->dst_ds = p->dst_ds ? xstrdup(p->dst_ds) : NULL;
    m->p.vm = m->vm_name;
    m->p.dst_host = m->dst_host;
    m->p.dst_ds = m->dst_ds;
    m->wl = &dc->wl[m->vm];
    rng_seed(&m->rng, p->seed ^ rng_mix(m->wl->stream + 1));
    m->status = HV_SETUP;
    m->limit_ms = p->downtime_limit_ms;

    sim_dc_net(dc, m->src_host, m->dst_host, p, &m->net);
    m->link_bps = m->net.link_bps;
    if (p->xbzrle && m->net.xbzrle_ok && p->kind != KIND_STORAGE) {
        uint64_t n = MAX(p->xbzrle_cache_bytes / SIM_PAGE_SIZE, 1);

        m->xz_slots = 1;
        while (m->xz_slots <= n / 2)
            m->xz_slots *= 2; /* QEMU wants a power of two of pages */
        m->xz = xcalloc(m->xz_slots, sizeof *m->xz);
    }
    m->bw_bps = p->bandwidth_cap_bps && p->bandwidth_cap_bps < m->link_bps
                    ? p->bandwidth_cap_bps
                    : m->link_bps;

    /* Memory: pages, the working set at the start, zero pages outside. */
    m->npages = (size_t)(vm->memory_bytes / SIM_PAGE_SIZE);
    m->wss_pages = (size_t)MIN(m->wl->wss_bytes / SIM_PAGE_SIZE, m->npages);
    m->hot_pages = (size_t)((double)m->wss_pages * m->wl->hot_fraction);
    if (m->hot_pages == 0 && m->wss_pages > 0)
        m->hot_pages = 1;
    m->src = xmalloc(m->npages * sizeof *m->src);
    m->dst = xmalloc(m->npages * sizeof *m->dst);
    bitmap_init(&m->cur, m->npages);
    bitmap_init(&m->log, m->npages);
    bitmap_init(&m->zero, m->npages);
    for (size_t i = 0; i < m->npages; i++) {
        bool zero = i >= m->wss_pages &&
                    (double)(rng_mix(i ^ p->seed) >> 11) * 0x1.0p-53 <
                        m->wl->zero_fraction;

        m->src[i] = zero ? 0 : 1;
        if (zero)
            bitmap_set(&m->zero, i);
        m->dst[i] = DST_EMPTY;
    }
    if (is_compute(m)) {
        bitmap_set_range(&m->cur, 0, m->npages);
        m->cur_count = m->npages;
    } else {
        /* Storage only: the destination already has the memory. */
        memcpy(m->dst, m->src, m->npages * sizeof *m->src);
    }

    /* Disks that move: every disk not already on the destination. */
    if (is_storage(m)) {
        m->disks = xcalloc(vm->n_disks ? vm->n_disks : 1, sizeof *m->disks);
        for (size_t i = 0; i < vm->n_disks; i++) {
            const struct model_disk *d = &vm->disks[i];
            struct sim_disk *sd;
            size_t alloc;

            if (strcmp(d->datastore, dds->name) == 0)
                continue;
            sd = &m->disks[m->n_disks++];
            sd->model_index = i;
            sd->nblocks = (size_t)((d->size_bytes + SIM_BLOCK_SIZE - 1) /
                                   SIM_BLOCK_SIZE);
            sd->hot_blocks = (size_t)MIN(
                (m->wl->disk_hot_bytes + SIM_BLOCK_SIZE - 1) / SIM_BLOCK_SIZE,
                sd->nblocks);
            sd->src = xmalloc(sd->nblocks * sizeof *sd->src);
            sd->dst = xmalloc(sd->nblocks * sizeof *sd->dst);
            bitmap_init(&sd->cur, sd->nblocks);
            bitmap_init(&sd->log, sd->nblocks);
            bitmap_init(&sd->alloc, sd->nblocks);
            alloc = (size_t)(d->allocated_bytes / SIM_BLOCK_SIZE);
            for (size_t b = 0; b < sd->nblocks; b++) {
                sd->src[b] = b < alloc ? 1 : 0;
                sd->dst[b] = 0; /* a new, sparse volume */
            }
            bitmap_set_range(&sd->alloc, 0, alloc);
            bitmap_set_range(&sd->cur, 0, alloc);
            sd->cur_count = alloc;
            m->disk_total += (uint64_t)alloc * SIM_BLOCK_SIZE;
        }
        m->disk_bps = sim_dc_copy_bps(dc, vm, dds->name, p->kind, m->bw_bps,
                                      p->bandwidth_cap_bps);
        m->stage = m->n_disks > 0 ? STAGE_DISK : STAGE_MEMORY;
        if (m->n_disks == 0 && p->kind == KIND_STORAGE)
            m->disk_ready = true;
    } else {
        m->stage = STAGE_MEMORY;
    }
    vm->migrating = true;
    return m;
}

void
sim_mig_free(struct sim_mig *m)
{
    struct model_vm *vm;

    if (m == NULL)
        return;
    vm = model_vm(&m->dc->model, m->vm_name);
    if (vm != NULL)
        vm->migrating = false;
    for (size_t i = 0; i < m->n_disks; i++) {
        free(m->disks[i].src);
        free(m->disks[i].dst);
        bitmap_fini(&m->disks[i].cur);
        bitmap_fini(&m->disks[i].log);
        bitmap_fini(&m->disks[i].alloc);
    }
    free(m->disks);
    free(m->xz);
    free(m->src);
    free(m->dst);
    bitmap_fini(&m->cur);
    bitmap_fini(&m->log);
    bitmap_fini(&m->zero);
    bitmap_fini(&m->pend);
    free(m->vm_name);
    free(m->src_host);
    free(m->dst_host);
    free(m->dst_ds);
    free(m);
}

/* The recorded step in force at job time t. */
static size_t
sched_at(const struct sim_workload *w, uint64_t t)
{
    size_t k = count_le_u64(w->sched_t, w->n_sched, sizeof *w->sched_t, 0, t);

    return k > 0 ? k - 1 : 0;
}

/* A recorded link: the rate at this time, under the cap. */
static void
sched_link(struct sim_mig *m)
{
    const struct sim_workload *w = m->wl;
    size_t k;

    if (w->n_sched == 0)
        return;
    k = sched_at(w, m->t_ms);
    if (w->sched_bw[k] <= 0)
        return;
    m->link_bps = (uint64_t)w->sched_bw[k];
    m->bw_bps = m->p.bandwidth_cap_bps && m->p.bandwidth_cap_bps < m->link_bps
                    ? m->p.bandwidth_cap_bps
                    : m->link_bps;
}

/* The guest's page-write rate now, bytes/s: bursts, jitter, throttle. */
static double
write_rate(const struct sim_mig *m, uint64_t base, bool throttled)
{
    const struct sim_workload *w = m->wl;
    double r = (double)base;
    uint64_t sec = m->t_ms / 1000;
    size_t k;

    if (w->n_sched > 0 && base == w->dirty_bps) {
        /* a recorded workload: its rate at this time, nothing added */
        k = sched_at(w, m->t_ms);
        if (w->sched_dirty[k] >= 0)
            r = w->sched_dirty[k];
        return throttled ? r * (1 - m->throttle / 100.0) : r;
    }

    if (w->burst_bps > 0 && w->burst_period_ms > 0 && base == w->dirty_bps &&
        m->t_ms % w->burst_period_ms < w->burst_ms)
        r = (double)w->burst_bps;
    if (w->jitter > 0) {
        double u = (double)(rng_mix(m->p.seed ^ (sec * 0x9e37u) ^ m->wl->stream) >>
                            11) *
                   0x1.0p-53;
        r *= 1 + w->jitter * (2 * u - 1);
    }
    if (throttled)
        r *= 1 - m->throttle / 100.0;
    return r;
}

/* A 64-bit word whose bits are each set with probability q (0.64 fixed
 * point): each lane draws a uniform U and is set when U < q, its digits
 * compared with q's from the most significant down. A lane is decided at
 * the first digit where the two differ, so about 8 random words decide all
 * 64 lanes, whatever the precision of q. */
static uint64_t
bernoulli_word(struct rng *r, uint64_t q64)
{
    uint64_t x = 0, open = ~0ULL;

    for (int i = 63; i >= 0 && open != 0; i--) {
        uint64_t w = rng_next(r);

        if ((q64 >> i) & 1) {
            x |= open & ~w; /* U's digit 0 < q's 1: U < q */
            open &= w;
        } else {
            open &= ~w; /* U's digit 1 > q's 0: U > q */
            if ((q64 & ((1ULL << i) - 1)) == 0)
                break; /* q has no more 1 digits: the rest are U >= q */
        }
    }
    return x;
}

/* The guest wrote the pages set in mask (of word wi): new stamps, and the
 * dirty log, as KVM's dirty log would have them. */
static void
write_mask(struct sim_mig *m, size_t wi, uint64_t mask)
{
    uint32_t *stamp = m->src + wi * 64;

    m->ac_dirty_pages_period +=
        (uint64_t)bitmap_popcount64(mask & ~m->log.w[wi]);
    m->log.w[wi] |= mask;
    m->zero.w[wi] &= ~mask;
    if (bitmap_popcount64(mask) >= 16) {
        for (unsigned k = 0; k < 16; k++) {
            v4u v;

            memcpy(&v, stamp + 4 * k, sizeof v);
            v -= nibble_lanes[(mask >> (4 * k)) & 15]; /* +1 where set */
            memcpy(stamp + 4 * k, &v, sizeof v);
        }
    } else {
        for (; mask != 0; mask &= mask - 1)
            stamp[__builtin_ctzll(mask)]++;
    }
}

/* The pages of [start, start+len) hit by k writes at uniformly random
 * places: each page independently with probability 1-(1-1/len)^k. Costs
 * the pages hit when few are, and a few random words per 64 pages when
 * many are, never one step per write. */
static void
region_write(struct sim_mig *m, size_t start, size_t len, uint64_t k)
{
    double q;
    size_t end = start + len;

    if (len == 0 || k == 0)
        return;
    q = len == 1 ? 1.0 : -expm1((double)k * log1p(-1.0 / (double)len));
    if (q < 0.125) {
        /* Sparse: jump from hit to hit (geometric gaps). */
        double lq = log1p(-q);

        for (size_t p = start;;) {
            double gap = floor(log1p(-rng_unit(&m->rng)) / lq);

            if (gap >= (double)(end - p))
                break;
            p += (size_t)gap;
            write_mask(m, p >> 6, 1ULL << (p & 63));
            if (++p >= end)
                break;
        }
        return;
    }
    {
        bool all = q >= 1.0 - 0x1.0p-53;
        uint64_t q64 = all ? 0 : (uint64_t)ldexp(q, 64);

        for (size_t wi = start >> 6; wi <= (end - 1) >> 6; wi++) {
            uint64_t mask = all ? ~0ULL : bernoulli_word(&m->rng, q64);

            if (wi == start >> 6)
                mask &= ~0ULL << (start & 63);
            if (wi == (end - 1) >> 6 && (end & 63) != 0)
                mask &= ~0ULL >> (64 - (end & 63));
            if (mask != 0)
                write_mask(m, wi, mask);
        }
    }
}

/* Bring the dirty log and the stamps up to date with the guest's pending
 * writes. Only what reads the log (a sync, a switchover) needs this, so the
 * writes of a whole round cost one pass over the working set. */
static void
guest_flush(struct sim_mig *m)
{
    region_write(m, 0, m->hot_pages, m->pending_writes[0]);
    region_write(m, m->hot_pages, m->wss_pages - m->hot_pages,
                 m->pending_writes[1]);
    m->pending_writes[0] = m->pending_writes[1] = 0;
}

/* Pages of the working set not in cur | log that the pending writes are
 * expected to add (what guest_flush would add, on average). */
static double
pending_pages(const struct sim_mig *m)
{
    size_t from[2] = {0, m->hot_pages}, to[2] = {m->hot_pages, m->wss_pages};
    double n = 0;

    for (int r = 0; r < 2; r++) {
        size_t len = to[r] - from[r], have = 0;

        if (len == 0 || m->pending_writes[r] == 0)
            continue;
        for (size_t wi = from[r] >> 6; wi <= (to[r] - 1) >> 6; wi++) {
            uint64_t w = m->cur.w[wi] | m->log.w[wi];

            if (wi == from[r] >> 6)
                w &= ~0ULL << (from[r] & 63);
            if (wi == (to[r] - 1) >> 6 && (to[r] & 63) != 0)
                w &= ~0ULL >> (64 - (to[r] & 63));
            have += (size_t)bitmap_popcount64(w);
        }
        n += (double)(len - have) *
             (len == 1 ? 1.0
                       : -expm1((double)m->pending_writes[r] *
                                log1p(-1.0 / (double)len)));
    }
    return n;
}

static void
guest_writes(struct sim_mig *m, double dts)
{
    double pages;
    uint64_t n, hot;

    if (m->paused || m->wss_pages == 0)
        return;
    pages = write_rate(m, m->wl->dirty_bps, true) * dts / SIM_PAGE_SIZE +
            m->write_carry;
    n = (uint64_t)pages;
    m->write_carry = pages - (double)n;
    hot = m->hot_pages >= m->wss_pages
              ? n
              : (uint64_t)llround((double)n * m->wl->hot_share);
    m->pending_writes[0] += hot;
    m->pending_writes[1] += n - hot;
}

static void
disk_writes(struct sim_mig *m, double dts)
{
    double blocks;
    uint64_t n;

    if (m->paused || m->n_disks == 0 || m->wl->disk_write_bps == 0)
        return;
    blocks = write_rate(m, m->wl->disk_write_bps, true) * dts /
                 SIM_BLOCK_SIZE +
             m->disk_write_carry;
    n = (uint64_t)blocks;
    m->disk_write_carry = blocks - (double)n;
    for (uint64_t i = 0; i < n; i++) {
        struct sim_disk *d = &m->disks[rng_below(&m->rng, m->n_disks)];
        size_t b;

        if (d->hot_blocks == 0)
            continue;
        b = (size_t)rng_below(&m->rng, d->hot_blocks);
        d->src[b]++;
        bitmap_set(&d->log, b);
        bitmap_set(&d->alloc, b);
    }
}

/* QEMU's auto-converge: once a second, if the guest dirtied more than half
 * of what was sent twice in a row, throttle harder. */
static void
auto_converge(struct sim_mig *m)
{
    uint64_t xfer, dirty;

    if (m->t_ms < m->ac_period_start_ms + 1000)
        return;
    xfer = m->mem_processed - m->ac_xfer_prev;
    dirty = m->ac_dirty_pages_period * SIM_PAGE_SIZE;
    if (m->p.auto_converge && dirty > xfer / 2 && ++m->ac_high >= 2) {
        m->ac_high = 0;
        if (m->throttle <= 0)
            m->throttle = m->p.ac_initial;
        else
            m->throttle = MIN(m->throttle + m->p.ac_increment, 99.0);
    }
    m->ac_period_start_ms = m->t_ms;
    m->ac_xfer_prev = m->mem_processed;
    m->ac_dirty_pages_period = 0;
}

/* Merge the dirty log into the migration bitmap: a new round. */
static void
mem_sync(struct sim_mig *m)
{
    size_t dirty;

    guest_flush(m);
    dirty = bitmap_count(&m->log);

    m->cur_count = bitmap_or(&m->cur, &m->log);
    bitmap_zero(&m->log);
    m->mem_iteration++;
    m->sync_period_ms = m->t_ms - m->last_sync_ms;
    m->sync_t_ms = m->t_ms;
    m->sync_dirty = (uint64_t)dirty * SIM_PAGE_SIZE;
    if (m->sync_period_ms > 0)
        m->mem_dirty_rate = m->sync_dirty * 1000 / m->sync_period_ms;
    m->last_sync_ms = m->t_ms;
    auto_converge(m);
}

/* Wire bytes of the pages set in a | b. */
static uint64_t
wire_bytes(const struct sim_mig *m, const struct bitmap *a,
           const struct bitmap *b)
{
    uint64_t full = 0, zero = 0;

    for (size_t i = 0; i < a->nwords; i++) {
        uint64_t w = a->w[i] | (b ? b->w[i] : 0);

        zero += (uint64_t)bitmap_popcount64(w & m->zero.w[i]);
        full += (uint64_t)bitmap_popcount64(w & ~m->zero.w[i]);
    }
    return full * SIM_PAGE_SIZE + zero * SIM_ZERO_PAGE_WIRE;
}

static uint64_t
disk_union_bytes(const struct sim_mig *m)
{
    uint64_t n = 0;

    for (size_t i = 0; i < m->n_disks; i++)
        n += bitmap_count_or(&m->disks[i].cur, &m->disks[i].log);
    return n * SIM_BLOCK_SIZE;
}

static uint64_t
disk_remaining(const struct sim_mig *m)
{
    uint64_t n = 0;

    for (size_t i = 0; i < m->n_disks; i++)
        n += m->disks[i].cur_count;
    return n * SIM_BLOCK_SIZE;
}

static void
disk_copy_all(struct sim_mig *m)
{
    for (size_t i = 0; i < m->n_disks; i++) {
        struct sim_disk *d = &m->disks[i];

        bitmap_or(&d->cur, &d->log);
        bitmap_zero(&d->log);
        for (size_t b = bitmap_next(&d->cur, 0); b < d->nblocks;
             b = bitmap_next(&d->cur, b + 1))
            d->dst[b] = d->src[b];
        m->disk_processed += (uint64_t)bitmap_count(&d->cur) * SIM_BLOCK_SIZE;
        bitmap_zero(&d->cur);
        d->cur_count = 0;
    }
}

static bool
disks_equal(const struct sim_mig *m)
{
    for (size_t i = 0; i < m->n_disks; i++) {
        const struct sim_disk *d = &m->disks[i];

        if (checksum(d->src, d->nblocks) != checksum(d->dst, d->nblocks))
            return false;
    }
    return true;
}

/* The VM now lives at its destination: host and datastores. */
static void
commit_model(struct sim_mig *m)
{
    struct model *md = &m->dc->model;
    struct model_vm *vm = model_vm(md, m->vm_name);

    if (vm == NULL)
        return;
    if (is_compute(m)) {
        free(vm->host);
        vm->host = xstrdup(m->dst_host);
    }
    for (size_t i = 0; i < m->n_disks; i++) {
        struct model_disk *d = &vm->disks[m->disks[i].model_index];
        struct model_datastore *from = model_ds(md, d->datastore);
        struct model_datastore *to = model_ds(md, m->dst_ds);
        uint64_t alloc =
            (uint64_t)bitmap_count(&m->disks[i].alloc) * SIM_BLOCK_SIZE;

        if (from != NULL)
            from->used_bytes -= MIN(from->used_bytes, d->allocated_bytes);
        d->allocated_bytes = MIN(alloc, d->size_bytes);
        if (to != NULL)
            to->used_bytes += d->allocated_bytes;
        free(d->datastore);
        d->datastore = xstrdup(m->dst_ds);
    }
}

static void
finish(struct sim_mig *m, bool ok_mem)
{
    m->verified = ok_mem && disks_equal(m);
    if (!m->verified) {
        m->status = HV_FAILED;
        snprintf(m->reason, sizeof m->reason,
                 "integrity check failed: the destination differs from the "
                 "source; the source is kept");
        return;
    }
    commit_model(m);
    m->status = HV_COMPLETED;
    m->total_ms = m->t_ms;
}

/* XBZRLE runs from round two on (QEMU enables it after the first pass). */
static bool
xz_active(const struct sim_mig *m)
{
    return m->xz != NULL && m->mem_iteration >= 2 &&
           m->status == HV_ACTIVE;
}

/* What a page encoded against its cached copy costs on the wire. */
static uint64_t
xz_hit_cost(const struct sim_mig *m)
{
    double c = m->wl->xbzrle_delta * SIM_PAGE_SIZE + SIM_XBZRLE_HEADER;

    return c >= SIM_PAGE_SIZE ? SIM_PAGE_SIZE : (uint64_t)ceil(c);
}

/* Send non-zero page p through XBZRLE (QEMU's save_xbzrle_page): a page
 * in the cache goes as its delta, decoded against the destination's copy;
 * one that is not goes whole and enters the cache unless its slot holds a
 * page used in the last two generations. The last stage does not update
 * the cache. Returns the wire bytes. */
static uint64_t
xz_send_page(struct sim_mig *m, size_t p, bool last)
{
    struct xz_slot *sl = &m->xz[p & (m->xz_slots - 1)];
    uint64_t gen = m->mem_iteration, cost;

    if (sl->page1 == (uint64_t)p + 1) {
        sl->age = gen;
        cost = xz_hit_cost(m);
        if (cost >= SIM_PAGE_SIZE) {
            m->xz_overflow++; /* the delta is no smaller: sent whole */
            m->pages_normal++;
            m->dst[p] = m->src[p];
        } else {
            m->xz_pages++;
            m->xz_bytes += cost;
            /* a delta applies to the copy it was taken against */
            m->dst[p] = m->dst[p] == sl->stamp ? m->src[p] : DST_EMPTY - 1;
        }
        if (!last)
            sl->stamp = m->src[p];
        return cost;
    }
    m->xz_misses++;
    m->pages_normal++;
    m->dst[p] = m->src[p];
    if (!last && (sl->page1 == 0 || sl->age + 2 <= gen)) {
        sl->page1 = (uint64_t)p + 1;
        sl->age = gen;
        sl->stamp = m->src[p];
    }
    return SIM_PAGE_SIZE;
}

/* Wire bytes of the pages set in a | b through XBZRLE's last stage, and
 * the pages' bytes the encoder must get through (without sending). */
static uint64_t
xz_stop_bytes(const struct sim_mig *m, const struct bitmap *a,
              const struct bitmap *b, uint64_t *raw)
{
    uint64_t wire = 0, hit = xz_hit_cost(m);

    *raw = 0;
    for (size_t i = 0; i < a->nwords; i++) {
        uint64_t w = a->w[i] | (b ? b->w[i] : 0);

        for (; w != 0; w &= w - 1) {
            size_t p = i * 64 + (size_t)__builtin_ctzll(w);
            const struct xz_slot *sl = &m->xz[p & (m->xz_slots - 1)];

            if (bitmap_test(&m->zero, p)) {
                wire += SIM_ZERO_PAGE_WIRE;
                continue;
            }
            *raw += SIM_PAGE_SIZE;
            wire += sl->page1 == (uint64_t)p + 1 ? hit : SIM_PAGE_SIZE;
        }
    }
    return wire;
}

/* How long a stop-and-copy from here would take: the dirty data at full
 * speed (the link, or the datastores for a pivot) plus the fixed cost. */
static double
stop_copy_ms(const struct sim_mig *m)
{
    double bytes = (double)disk_union_bytes(m);
    double bps = (double)m->disk_bps;

    double enc_ms = 0;

    if (is_compute(m)) {
        if (xz_active(m)) {
            uint64_t raw;

            bytes += (double)xz_stop_bytes(m, &m->cur, &m->log, &raw);
            enc_ms = (double)raw / (double)m->dc->xbzrle_bps * 1000.0;
        } else {
            bytes += (double)wire_bytes(m, &m->cur, &m->log);
        }
        bytes += pending_pages(m) * SIM_PAGE_SIZE;
        bps = (double)m->link_bps;
    }
    return MAX(bytes / bps * 1000.0, enc_ms) +
           sim_dc_fixed_switch_ms(m->dc, m->p.kind, m->src_host, m->dst_host);
}

/* Stop and copy: the guest stops, the rest moves at full link speed. */
static void
complete(struct sim_mig *m)
{
    uint64_t start = m->paused ? m->paused_at_ms : m->t_ms;
    double ms;

    guest_flush(m);
    ms = stop_copy_ms(m);
    m->paused = true;
    if (is_compute(m)) {
        bool xz = xz_active(m);
        uint64_t wire = 0;

        bitmap_or(&m->cur, &m->log);
        bitmap_zero(&m->log);
        for (size_t p = bitmap_next(&m->cur, 0); p < m->npages;
             p = bitmap_next(&m->cur, p + 1)) {
            if (bitmap_test(&m->zero, p)) {
                m->pages_zero++;
                m->dst[p] = m->src[p];
                wire += SIM_ZERO_PAGE_WIRE;
            } else if (xz) {
                wire += xz_send_page(m, p, true);
            } else {
                m->pages_normal++;
                m->dst[p] = m->src[p];
                wire += SIM_PAGE_SIZE;
            }
        }
        m->mem_processed += wire + m->dc->device_state_bytes;
        bitmap_zero(&m->cur);
        m->cur_count = 0;
        m->mem_iteration++;
    }
    disk_copy_all(m);
    m->t_ms += (uint64_t)ceil(ms);
    m->downtime_ms = m->t_ms - start;
    finish(m, checksum(m->src, m->npages) == checksum(m->dst, m->npages));
}

/* Post-copy: the guest resumes on the destination right away and pulls
 * the pages it has not got yet. */
static void
postcopy_start(struct sim_mig *m)
{
    uint64_t start = m->paused ? m->paused_at_ms : m->t_ms;
    uint64_t bytes = m->npages / 8; /* which pages are still missing */

    guest_flush(m);
    m->paused = true;
    bitmap_init(&m->pend, m->npages);
    bitmap_or(&m->pend, &m->cur);
    m->pend_count = bitmap_or(&m->pend, &m->log);
    bitmap_zero(&m->cur);
    bitmap_zero(&m->log);
    m->cur_count = 0;
    if (is_storage(m))
        bytes += disk_union_bytes(m);
    disk_copy_all(m);
    m->src_sum_at_switch = checksum(m->src, m->npages);
    m->t_ms += (uint64_t)ceil(
        (double)bytes / (double)m->link_bps * 1000.0 +
        sim_dc_fixed_switch_ms(m->dc, m->p.kind, m->src_host, m->dst_host));
    m->downtime_ms = m->t_ms - start;
    m->mem_processed += bytes + m->dc->device_state_bytes;
    m->status = HV_POSTCOPY;
    m->paused = false;
    m->pend_scan = 0;
}

static inline uint64_t
pull(struct sim_mig *m, size_t p)
{
    m->dst[p] = m->src[p];
    bitmap_clear(&m->pend, p);
    m->pend_count--;
    if (bitmap_test(&m->zero, p)) {
        m->pages_zero++;
        return SIM_ZERO_PAGE_WIRE;
    }
    m->pages_normal++;
    return SIM_PAGE_SIZE;
}

static void
postcopy_tick(struct sim_mig *m, double dts)
{
    double budget = (double)m->link_bps * dts;
    double pages = write_rate(m, m->wl->dirty_bps, false) * dts /
                       SIM_PAGE_SIZE +
                   m->write_carry;
    uint64_t n = (uint64_t)pages;

    m->write_carry = pages - (double)n;
    /* The guest touches its working set; a page not there yet faults. */
    for (uint64_t i = 0; i < n && m->wss_pages > 0; i++) {
        size_t p = (size_t)rng_below(&m->rng, m->wss_pages);

        if (bitmap_test(&m->pend, p)) {
            budget -= (double)pull(m, p);
            m->postcopy_reqs++;
        }
    }
    while (budget > 0 && m->pend_count > 0) {
        size_t p = bitmap_next(&m->pend, m->pend_scan);

        if (p >= m->npages) {
            m->pend_scan = 0;
            continue;
        }
        budget -= (double)pull(m, p);
        m->pend_scan = p + 1;
    }
    m->mem_processed += (uint64_t)MAX(0.0, (double)m->link_bps * dts - budget);
    if (m->pend_count == 0)
        finish(m, checksum(m->dst, m->npages) == m->src_sum_at_switch);
}

/* The QEMU switchover rule: sync when what is left is below bandwidth x
 * limit; complete when it still is after the sync. */
static void
qemu_check(struct sim_mig *m)
{
    double threshold = (double)m->bw_bps * (double)m->limit_ms / 1000.0;

    if ((double)m->cur_count * SIM_PAGE_SIZE > threshold && m->cur_count > 0)
        return;
    mem_sync(m);
    if (m->never_switch)
        return;
    if ((double)m->cur_count * SIM_PAGE_SIZE <= threshold &&
        (m->p.kind != KIND_BOTH || disk_remaining(m) <= threshold))
        complete(m);
}

/* Copy the pages set in bits (of word wi) to the destination. */
static void
send_mask(struct sim_mig *m, size_t wi, uint64_t bits)
{
    if (bitmap_popcount64(bits) >= 16) {
        uint32_t *d = m->dst + wi * 64;
        const uint32_t *s = m->src + wi * 64;

        for (unsigned k = 0; k < 16; k++) {
            v4u dv, sv, lanes = nibble_lanes[(bits >> (4 * k)) & 15];

            memcpy(&dv, d + 4 * k, sizeof dv);
            memcpy(&sv, s + 4 * k, sizeof sv);
            dv = (dv & ~lanes) | (sv & lanes);
            memcpy(d + 4 * k, &dv, sizeof dv);
        }
        return;
    }
    for (; bits != 0; bits &= bits - 1) {
        size_t p = wi * 64 + (size_t)__builtin_ctzll(bits);

        m->dst[p] = m->src[p];
    }
}

/* Send memory pages for up to budget bytes: a page goes while budget is
 * left, so the last one may overdraw it (carried to the next tick). */
static void
mem_send(struct sim_mig *m, double budget, double dts)
{
    double enc = 0;

    budget += m->send_carry;
    if (m->xz != NULL) {
        enc = (double)m->dc->xbzrle_bps * dts + m->xz_carry;
        m->xz_carry = 0;
    }
    while (budget > 0 && m->status == HV_ACTIVE) {
        size_t p, wi;
        uint64_t bits, zeros, cost;

        if (m->cur_count == 0) {
            qemu_check(m);
            if (m->cur_count == 0 || m->status != HV_ACTIVE) {
                budget = 0;
                break;
            }
            continue;
        }
        p = bitmap_next(&m->cur, m->scan);
        if (p >= m->npages) {
            m->scan = 0;
            continue;
        }
        if (xz_active(m)) {
            /* XBZRLE: page by page, while the encoder keeps up */
            if (enc <= 0)
                break;
            if (bitmap_test(&m->zero, p)) {
                cost = SIM_ZERO_PAGE_WIRE;
                m->pages_zero++;
                m->dst[p] = m->src[p];
            } else {
                cost = xz_send_page(m, p, false);
                enc -= SIM_PAGE_SIZE;
            }
            bitmap_clear(&m->cur, p);
            m->cur_count--;
            budget -= (double)cost;
            m->mem_processed += cost;
            m->scan = p + 1;
            continue;
        }
        /* The rest of p's word at once when the budget covers it all. */
        wi = p >> 6;
        bits = m->cur.w[wi] & (~0ULL << (p & 63));
        zeros = (uint64_t)bitmap_popcount64(bits & m->zero.w[wi]);
        cost = ((uint64_t)bitmap_popcount64(bits) - zeros) * SIM_PAGE_SIZE +
               zeros * SIM_ZERO_PAGE_WIRE;
        if ((double)cost >= budget) {
            bits = 1ULL << (p & 63);
            cost = bitmap_test(&m->zero, p) ? SIM_ZERO_PAGE_WIRE
                                            : SIM_PAGE_SIZE;
        }
        send_mask(m, wi, bits);
        zeros = (uint64_t)bitmap_popcount64(bits & m->zero.w[wi]);
        m->pages_zero += zeros;
        m->pages_normal += (uint64_t)bitmap_popcount64(bits) - zeros;
        m->cur.w[wi] &= ~bits;
        m->cur_count -= (size_t)bitmap_popcount64(bits);
        budget -= (double)cost;
        m->mem_processed += cost;
        m->scan = wi * 64 + 64 - (size_t)__builtin_clzll(bits);
    }
    /* an encoder that ran out leaves the link's budget unused */
    m->send_carry = MIN(budget, 0.0);
    if (m->xz != NULL)
        m->xz_carry = MIN(enc, 0.0);
    if (m->status == HV_ACTIVE)
        qemu_check(m);
}

static void
disk_sync(struct sim_mig *m)
{
    uint64_t dirty = 0;

    for (size_t i = 0; i < m->n_disks; i++) {
        struct sim_disk *d = &m->disks[i];

        dirty += bitmap_count(&d->log);
        d->cur_count = bitmap_or(&d->cur, &d->log);
        bitmap_zero(&d->log);
    }
    m->disk_iteration++;
    if (m->stage == STAGE_DISK) {
        m->sync_period_ms = m->t_ms - m->disk_last_sync_ms;
        m->sync_t_ms = m->t_ms;
        m->sync_dirty = dirty * SIM_BLOCK_SIZE;
    }
    if (m->t_ms > m->disk_last_sync_ms)
        m->disk_dirty_rate = dirty * SIM_BLOCK_SIZE * 1000 /
                             (m->t_ms - m->disk_last_sync_ms);
    m->disk_last_sync_ms = m->t_ms;
}

/* Copy changed blocks for up to budget bytes; returns what is left. */
static double
disk_send(struct sim_mig *m, double budget)
{
    while (budget > 0) {
        struct sim_disk *d;
        size_t b;

        if (m->disk_scan_idx >= m->n_disks) {
            /* A pass over every disk ended. */
            m->disk_scan_idx = 0;
            m->disk_scan = 0;
            disk_sync(m);
            if (disk_remaining(m) == 0)
                break;
            continue;
        }
        d = &m->disks[m->disk_scan_idx];
        b = bitmap_next(&d->cur, m->disk_scan);
        if (b >= d->nblocks) {
            m->disk_scan_idx++;
            m->disk_scan = 0;
            continue;
        }
        d->dst[b] = d->src[b];
        bitmap_clear(&d->cur, b);
        d->cur_count--;
        m->disk_processed += SIM_BLOCK_SIZE;
        budget -= SIM_BLOCK_SIZE;
        m->disk_scan = b + 1;
    }
    return budget;
}

static void
disk_stage_tick(struct sim_mig *m, double dts)
{
    double threshold = (double)m->disk_bps * (double)MAX(m->limit_ms, 50) /
                       1000.0;
    double left = disk_send(m, (double)m->disk_bps * dts + m->disk_send_carry);

    m->disk_send_carry = MIN(left, 0.0);
    m->disk_ready = m->disk_iteration >= 1 &&
                    (double)disk_remaining(m) <= threshold;
    if (m->p.kind == KIND_BOTH && m->disk_ready) {
        /* Disks in sync: memory starts; the mirror keeps them in sync. */
        m->stage = STAGE_MEMORY;
        m->last_sync_ms = m->t_ms;
        m->ac_period_start_ms = m->t_ms;
    }
}

static void
tick(struct sim_mig *m, uint64_t dt)
{
    double dts = (double)dt / 1000.0;

    sched_link(m);
    if (m->status == HV_SETUP) {
        m->status = HV_ACTIVE;
        m->mem_iteration = is_compute(m) ? 1 : 0;
        m->last_sync_ms = m->t_ms;
        m->disk_last_sync_ms = m->t_ms;
        m->t_ms += dt;
        return;
    }
    if (m->status == HV_POSTCOPY) {
        postcopy_tick(m, dts);
        if (m->status == HV_POSTCOPY)
            m->t_ms += dt;
        return;
    }
    if (m->status != HV_ACTIVE)
        return;
    if (is_compute(m) && m->stage == STAGE_MEMORY)
        guest_writes(m, dts);
    disk_writes(m, dts);
    if (m->stage == STAGE_DISK) {
        disk_stage_tick(m, dts);
        if (m->p.kind == KIND_STORAGE && m->switch_requested)
            complete(m);
    } else {
        double budget = (double)m->bw_bps * dts;

        if (m->p.kind == KIND_BOTH) {
            /* Mirror first: the disks stay in sync. */
            for (size_t i = 0; i < m->n_disks; i++) {
                struct sim_disk *d = &m->disks[i];

                d->cur_count = bitmap_or(&d->cur, &d->log);
                bitmap_zero(&d->log);
            }
            budget = disk_send(m, budget);
        }
        if (m->postcopy_requested && m->p.postcopy) {
            postcopy_start(m);
        } else if (m->switch_requested) {
            complete(m);
        } else {
            mem_send(m, budget, dts);
        }
    }
    if (m->status == HV_ACTIVE)
        m->t_ms += dt;
}

void
sim_mig_advance(struct sim_mig *m, uint64_t t_ms)
{
    uint64_t dt = m->dc->tick_ms;

    while (m->t_ms + dt <= t_ms &&
           (m->status == HV_SETUP || m->status == HV_ACTIVE ||
            m->status == HV_POSTCOPY))
        tick(m, dt);
}

uint64_t
sim_mig_time_ms(const struct sim_mig *m)
{
    return m->t_ms;
}

void
sim_mig_sample(const struct sim_mig *m, struct job_sample *s)
{
    uint64_t mem_rem = (uint64_t)m->cur_count * SIM_PAGE_SIZE;
    uint64_t disk_rem = disk_remaining(m);

    memset(s, 0, sizeof *s);
    s->status = m->status;
    s->stage = m->stage;
    s->guest_paused = m->paused;
    s->disk_ready = m->disk_ready;
    sample_set(s, SF_TIME_ELAPSED, m->t_ms);
    if (is_compute(m)) {
        if (m->status == HV_POSTCOPY)
            mem_rem = (uint64_t)m->pend_count * SIM_PAGE_SIZE;
        sample_set(s, SF_MEMORY_TOTAL, (uint64_t)m->npages * SIM_PAGE_SIZE);
        sample_set(s, SF_MEMORY_PROCESSED, m->mem_processed);
        sample_set(s, SF_MEMORY_REMAINING, mem_rem);
        sample_set(s, SF_MEMORY_PAGE_SIZE, SIM_PAGE_SIZE);
        if (m->stage == STAGE_MEMORY && m->status != HV_SETUP) {
            sample_set(s, SF_MEMORY_ITERATION, m->mem_iteration);
            if (m->t_ms > m->last_sync_ms || m->mem_iteration > 1)
                sample_set(s, SF_MEMORY_BPS, m->bw_bps);
            sample_set(s, SF_MEMORY_DIRTY_RATE,
                       m->mem_iteration > 1 ? m->mem_dirty_rate : 0);
        }
        if (m->status == HV_POSTCOPY || m->postcopy_reqs > 0)
            sample_set(s, SF_MEMORY_POSTCOPY_REQS, m->postcopy_reqs);
        if (m->status != HV_SETUP) {
            sample_set(s, SF_MEMORY_CONSTANT, m->pages_zero);
            sample_set(s, SF_MEMORY_NORMAL, m->pages_normal);
        }
        if (m->xz != NULL) {
            sample_set(s, SF_COMPRESSION_BYTES, m->xz_bytes);
            sample_set(s, SF_COMPRESSION_PAGES, m->xz_pages);
            sample_set(s, SF_COMPRESSION_CACHE_MISSES, m->xz_misses);
        }
    }
    if (is_storage(m)) {
        sample_set(s, SF_DISK_TOTAL, m->disk_total);
        sample_set(s, SF_DISK_PROCESSED, m->disk_processed);
        sample_set(s, SF_DISK_REMAINING, disk_rem);
        sample_set(s, SF_DISK_BPS, m->disk_bps);
        sample_set(s, SF_DISK_DIRTY_RATE, m->disk_dirty_rate);
        sample_set(s, SF_DISK_ITERATION, m->disk_iteration + 1);
    }
    sample_set(s, SF_DATA_TOTAL,
               (is_compute(m) ? (uint64_t)m->npages * SIM_PAGE_SIZE : 0) +
                   m->disk_total);
    sample_set(s, SF_DATA_PROCESSED, m->mem_processed + m->disk_processed);
    sample_set(s, SF_DATA_REMAINING, (is_compute(m) ? mem_rem : 0) + disk_rem);
    if (m->status == HV_ACTIVE) {
        double bw = m->stage == STAGE_DISK ? (double)m->disk_bps
                                           : (double)m->bw_bps;
        sample_set(s, SF_DOWNTIME,
                   (uint64_t)((double)(m->stage == STAGE_DISK ? disk_rem
                                                              : mem_rem) /
                              bw * 1000.0));
    }
    sample_set(s, SF_DOWNTIME_LIMIT, m->limit_ms);
    if (m->throttle > 0)
        sample_set(s, SF_AUTO_CONVERGE_THROTTLE, (uint64_t)m->throttle);
    if (m->sync_t_ms > 0) {
        sample_set(s, SF_SYNC_TIME, m->sync_t_ms);
        sample_set(s, SF_SYNC_DIRTY, m->sync_dirty);
        sample_set(s, SF_SYNC_PERIOD, m->sync_period_ms);
    }
}

int
sim_mig_act(struct sim_mig *m, const struct engine_action *a,
            struct ferry_err *err)
{
    if (m->status != HV_ACTIVE && m->status != HV_SETUP) {
        if (a->kind == ACT_SET_DOWNTIME) {
            m->limit_ms = a->value;
            return 0;
        }
        err_set(err, "%s: the migration is %s", m->vm_name,
                hv_status_name(m->status));
        return -1;
    }
    switch (a->kind) {
    case ACT_SET_DOWNTIME:
        m->limit_ms = a->value;
        break;
    case ACT_SWITCHOVER:
        m->switch_requested = true;
        break;
    case ACT_POSTCOPY:
        if (!m->p.postcopy) {
            err_set(err, "%s: post-copy was not enabled when the migration "
                    "started", m->vm_name);
            return -1;
        }
        if (!is_compute(m)) {
            err_set(err, "%s: post-copy needs a memory migration",
                    m->vm_name);
            return -1;
        }
        m->postcopy_requested = true;
        break;
    case ACT_THROTTLE:
        m->throttle = (double)MIN(a->value, 99);
        break;
    case ACT_PAUSE:
        if (!m->paused) {
            m->paused = true;
            m->paused_at_ms = m->t_ms;
        }
        break;
    case ACT_ABORT:
        m->status = HV_CANCELLED;
        m->paused = false; /* the source resumes; it was never gone */
        snprintf(m->reason, sizeof m->reason, "cancelled; %s keeps running "
                 "on %s", m->vm_name, m->src_host);
        break;
    case ACT_NONE:
        break;
    }
    return 0;
}

bool
sim_mig_finished(const struct sim_mig *m, struct hv_result *r)
{
    if (m->status != HV_COMPLETED && m->status != HV_FAILED &&
        m->status != HV_CANCELLED)
        return false;
    if (r != NULL) {
        memset(r, 0, sizeof *r);
        r->status = m->status;
        snprintf(r->reason, sizeof r->reason, "%s", m->reason);
        r->total_ms = m->status == HV_COMPLETED ? m->total_ms : m->t_ms;
        r->downtime_ms = m->status == HV_COMPLETED ? m->downtime_ms : 0;
        r->bytes_sent = m->mem_processed + m->disk_processed;
        r->rounds = m->p.kind == KIND_STORAGE ? m->disk_iteration + 1
                                              : m->mem_iteration;
        r->postcopy_requests = m->postcopy_reqs;
        r->verified = m->verified;
    }
    return true;
}

double
sim_mig_switch_cost_ms(const struct sim_mig *m)
{
    return stop_copy_ms(m);
}

uint64_t
sim_mig_bw_bps(const struct sim_mig *m)
{
    return m->p.kind == KIND_STORAGE ? m->disk_bps : m->bw_bps;
}

uint64_t
sim_mig_final_bps(const struct sim_mig *m)
{
    return m->p.kind == KIND_STORAGE ? m->disk_bps : m->link_bps;
}

void
sim_mig_never_switch(struct sim_mig *m)
{
    m->never_switch = true;
}
