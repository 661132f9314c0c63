/* The simulated datacenter behind the hv ops table. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/hv.h"
#include "ferry/predict.h"
#include "ferry/sim.h"

struct sim_hv {
    struct hv base;
    struct sim_dc *dc;
    bool owns;
    unsigned measure_s;
    /* migrations "another tool" started (hv_sim_external): vm, dst */
    char **ext;
    size_t n_ext; /* pairs */
};

static ptrdiff_t
ext_find(const struct sim_hv *s, const char *vm)
{
    for (size_t i = 0; i < s->n_ext; i++)
        if (strcmp(s->ext[2 * i], vm) == 0)
            return (ptrdiff_t)i;
    return -1;
}

void
hv_sim_external(struct hv *hv, const char *vm, const char *dst)
{
    struct sim_hv *s = (struct sim_hv *)hv;
    struct model_vm *v = model_vm(hv->model, vm);

    if (v == NULL || ext_find(s, vm) >= 0)
        return;
    s->ext = xrealloc(s->ext, (s->n_ext + 1) * 2 * sizeof *s->ext);
    s->ext[2 * s->n_ext] = xstrdup(vm);
    s->ext[2 * s->n_ext + 1] = xstrdup(dst);
    s->n_ext++;
    v->migrating = true;
    hv->generation++;
}

static bool
sim_external(struct hv *hv, const char *vm, char *dst, size_t n)
{
    struct sim_hv *s = (struct sim_hv *)hv;
    ptrdiff_t i = ext_find(s, vm);

    if (i < 0)
        return false;
    snprintf(dst, n, "%s", s->ext[2 * i + 1]);
    return true;
}

static int
sim_plan(struct hv *hv, const struct model_vm *vm,
         const struct hv_mig_params *p, struct hv_plan *out,
         struct ferry_err *err)
{
    struct sim_dc *dc = ((struct sim_hv *)hv)->dc;
    const struct sim_workload *w = sim_dc_workload(dc, vm->name);
    const char *dst = p->dst_host ? p->dst_host : vm->host;
    struct sim_net net;
    uint64_t link;
    uint64_t bw;
    double zero_pages = (double)(vm->memory_bytes -
                                 MIN(w->wss_bytes, vm->memory_bytes)) /
                        SIM_PAGE_SIZE * w->zero_fraction;

    /* the link as the connections fill it */
    sim_dc_net(dc, vm->host, dst, p, &net);
    link = net.link_bps;
    bw = p->bandwidth_cap_bps && p->bandwidth_cap_bps < link
             ? p->bandwidth_cap_bps
             : link;
    (void)err;
    memset(out, 0, sizeof *out);
    out->link_bps = bw;
    out->tls = net.tls;
    out->encrypted = net.encrypted;
    out->parallel = net.parallel;
    out->stream_bps = net.stream_bps;
    out->xbzrle_ok = net.xbzrle_ok && p->kind != KIND_STORAGE;
    out->hint_xbzrle_delta = w->xbzrle_delta;
    out->xbzrle_bps = net.xbzrle_bps;
    out->final_bps = link;
    if (p->kind != KIND_COMPUTE)
        out->disk_bw_bps = sim_dc_copy_bps(dc, vm, p->dst_ds, p->kind, bw,
                                           p->bandwidth_cap_bps);
    out->overhead_ms =
        (uint64_t)ceil(sim_dc_fixed_switch_ms(dc, p->kind, vm->host, dst));
    out->memory_wire_bytes =
        vm->memory_bytes -
        (uint64_t)(zero_pages * (SIM_PAGE_SIZE - SIM_ZERO_PAGE_WIRE));
    /* The simulator's workload stands for a measurement before the move. */
    out->hint_dirty_bps = sim_workload_avg_bps(w);
    out->hint_wss_bytes = w->wss_bytes;
    out->hint_hot_fraction = w->hot_fraction;
    out->hint_hot_share = w->hot_share;
    out->hint_disk_dirty_bps = w->disk_write_bps;
    out->hint_disk_wss_bytes = w->disk_hot_bytes;
    return 0;
}

static json_object *
sim_transport(struct hv *hv, const struct hv_mig_params *p)
{
    struct sim_dc *dc = ((struct sim_hv *)hv)->dc;
    const struct model_vm *vm = p->vm ? model_vm(hv->model, p->vm) : NULL;

    if (vm == NULL)
        return NULL;
    return sim_dc_transport(dc, vm->host, p);
}

static void *
sim_new(struct hv *hv, const struct hv_mig_params *p, struct ferry_err *err)
{
    struct sim_hv *s = (struct sim_hv *)hv;
    struct hv_mig_params mp = *p;

    mp.seed = sim_dc_seed(s->dc);
    if (p->adopt) {
        /* "another tool's" migration: from here on it is this one */
        ptrdiff_t i = ext_find(s, p->vm);
        struct model_vm *v = model_vm(hv->model, p->vm);

        if (i < 0 || v == NULL) {
            err_set(err, "no migration of %s runs to adopt", p->vm);
            return NULL;
        }
        free(s->ext[2 * i]);
        free(s->ext[2 * i + 1]);
        s->n_ext--;
        s->ext[2 * i] = s->ext[2 * s->n_ext];
        s->ext[2 * i + 1] = s->ext[2 * s->n_ext + 1];
        v->migrating = false;
    }
    return sim_mig_new(s->dc, &mp, err);
}

static void
sim_free_mig(void *m)
{
    sim_mig_free(m);
}

static uint64_t
sim_advance(void *m, uint64_t t_ms)
{
    sim_mig_advance(m, t_ms);
    return sim_mig_time_ms(m);
}

static void
sim_sample(void *m, struct job_sample *s)
{
    sim_mig_sample(m, s);
}

static int
sim_act(void *m, const struct engine_action *a, struct ferry_err *err)
{
    return sim_mig_act(m, a, err);
}

static bool
sim_finished(void *m, struct hv_result *r)
{
    return sim_mig_finished(m, r);
}

static void
sim_header(struct hv *hv, const char *vm, json_object *h)
{
    struct sim_dc *dc = ((struct sim_hv *)hv)->dc;
    const struct sim_workload *w = sim_dc_workload(dc, vm);
    json_object *wl = json_object_new_object();

    json_object_object_add(h, "seed",
                           json_object_new_int64((int64_t)sim_dc_seed(dc)));
    json_object_object_add(wl, "profile", json_object_new_string(w->profile));
    json_object_object_add(
        wl, "dirty_bps",
        json_object_new_int64((int64_t)sim_workload_avg_bps(w)));
    json_object_object_add(wl, "wss_bytes",
                           json_object_new_int64((int64_t)w->wss_bytes));
    json_object_object_add(wl, "disk_write_bps",
                           json_object_new_int64((int64_t)w->disk_write_bps));
    json_object_object_add(h, "workload", wl);
    /* the datacenter and the workload in full: a what-if on this log runs
     * the same data plane */
    {
        char *ini = sim_dc_describe(dc, vm);

        json_object_object_add(h, "sim_ini", json_object_new_string(ini));
        free(ini);
    }
}

static const char *
sim_workload(struct hv *hv, const char *vm, uint64_t *dirty_bps)
{
    const struct sim_workload *w =
        sim_dc_workload(((struct sim_hv *)hv)->dc, vm);

    if (w == NULL)
        return NULL;
    if (dirty_bps != NULL)
        *dirty_bps = sim_workload_avg_bps(w);
    return w->profile;
}

/* What page sampling would see over the period: unique pages dirtied. */
static int
sim_measure_start(struct hv *hv, const char *vm, unsigned seconds,
                  struct ferry_err *err)
{
    struct sim_hv *s = (struct sim_hv *)hv;

    if (sim_dc_workload(s->dc, vm) == NULL) {
        err_set(err, "no VM named %s", vm);
        return -1;
    }
    s->measure_s = seconds ? seconds : 1;
    return 0;
}

static int
sim_measure_poll(struct hv *hv, const char *vm, uint64_t *bps,
                 struct ferry_err *err)
{
    struct sim_hv *s = (struct sim_hv *)hv;
    const struct sim_workload *w = sim_dc_workload(s->dc, vm);
    double t = s->measure_s ? s->measure_s : 1;

    if (w == NULL) {
        err_set(err, "no VM named %s", vm);
        return -1;
    }
    *bps = (uint64_t)(predict_dirtied_skew((double)sim_workload_avg_bps(w),
                                           (double)w->wss_bytes,
                                           w->hot_fraction, w->hot_share, t) /
                      t);
    return 1;
}

static void
sim_hv_free(struct hv *hv)
{
    struct sim_hv *s = (struct sim_hv *)hv;

    for (size_t i = 0; i < 2 * s->n_ext; i++)
        free(s->ext[i]);
    free(s->ext);
    if (s->owns)
        sim_dc_free(s->dc);
    free(hv);
}

static const struct hv_ops sim_ops = {
    .name = "sim",
    .realtime = false,
    .plan = sim_plan,
    .mig_new = sim_new,
    .mig_free = sim_free_mig,
    .mig_advance = sim_advance,
    .mig_sample = sim_sample,
    .mig_act = sim_act,
    .mig_finished = sim_finished,
    .transport = sim_transport,
    .header = sim_header,
    .workload = sim_workload,
    .measure_start = sim_measure_start,
    .measure_poll = sim_measure_poll,
    .external = sim_external,
    .free = sim_hv_free,
};

struct hv *
hv_sim_new(struct sim_dc *dc, bool owns)
{
    struct sim_hv *s = xcalloc(1, sizeof *s);

    s->owns = owns;
    s->base.ops = &sim_ops;
    s->base.model = sim_dc_model(dc);
    s->dc = dc;
    return &s->base;
}

struct sim_dc *
hv_sim_dc(struct hv *hv)
{
    return hv != NULL && hv->ops == &sim_ops ? ((struct sim_hv *)hv)->dc
                                             : NULL;
}
