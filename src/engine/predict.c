/* The pre-copy model in closed form, round by round.
 *
 * A round sends what was dirty at its start; while it runs the guest dirties
 * d(t) = W (1 - exp(-D t / W)) unique bytes (D the raw write rate, W the
 * writable working set; d(t) = D t when W is unbounded). Switchover happens
 * at the first instant the bytes left (unsent part of the round plus what was
 * dirtied since the sync, overlap counted once) move within the budget. */
#include "ferry/predict.h"

#include <math.h>
#include <string.h>

#include "ferry/util.h"

#define MAX_ROUNDS 500
#define HORIZON_S (48.0 * 3600)
#define GRID 24

double
predict_dirtied(double dirty_bps, double wss, double t_s)
{
    if (dirty_bps <= 0 || t_s <= 0)
        return 0;
    if (wss <= 0)
        return dirty_bps * t_s;
    return wss * -expm1(-dirty_bps * t_s / wss);
}

double
predict_dirtied_skew(double dirty_bps, double wss, double hot_fraction,
                     double hot_share, double t_s)
{
    double wh, dh;

    if (wss <= 0 || hot_fraction <= 0 || hot_fraction >= 1)
        return predict_dirtied(dirty_bps, wss, t_s);
    wh = wss * hot_fraction;
    dh = dirty_bps * hot_share;
    return predict_dirtied(dh, wh, t_s) +
           predict_dirtied(dirty_bps - dh, wss - wh, t_s);
}

static double
dirtied(const struct predict_in *in, double t_s)
{
    return predict_dirtied_skew(in->dirty_bps, in->wss_bytes,
                                in->hot_fraction, in->hot_share, t_s);
}

double
predict_union(double unsent, double dirtied, double wss)
{
    double overlap = 0, u;

    if (wss > 0 && unsent > 0 && dirtied > 0)
        overlap = unsent * dirtied / (wss > unsent ? wss : unsent);
    u = unsent + dirtied - overlap;
    if (u < unsent)
        u = unsent;
    if (u < dirtied)
        u = dirtied;
    return u;
}

/* The working set's parts: sizes and write rates (1: uniform; 0: no
 * bound, so no page is ever written twice in a way a cache could hold). */
static int
regions(const struct predict_in *in, double size[2], double rate[2])
{
    if (in->wss_bytes <= 0 || in->dirty_bps <= 0)
        return 0;
    if (in->hot_fraction <= 0 || in->hot_fraction >= 1) {
        size[0] = in->wss_bytes;
        rate[0] = in->dirty_bps;
        return 1;
    }
    size[0] = in->wss_bytes * in->hot_fraction;
    rate[0] = in->dirty_bps * in->hot_share;
    size[1] = in->wss_bytes - size[0];
    rate[1] = in->dirty_bps - rate[0];
    return 2;
}

/* One XBZRLE round: the pages it re-sends (what t_s of writes dirtied)
 * enter the cache, as far as their part of it goes. The hot part keeps
 * its slots (QEMU does not replace a page hit lately); the rest of the
 * working set gets what is left. */
static void
cache_step(const struct predict_in *in, double t_s, double cached[2])
{
    double size[2] = {0, 0}, rate[2] = {0, 0}, cap[2] = {0, 0};
    double c = in->xbzrle_cache_bytes;
    int n = regions(in, size, rate);

    if (n == 0 || c <= 0)
        return;
    cap[0] = MIN(1.0, c / size[0]);
    if (n == 2 && size[1] > 0)
        cap[1] = MAX(0.0, MIN(1.0, (c - size[0]) / size[1]));
    for (int k = 0; k < n; k++) {
        double q = predict_dirtied(rate[k], size[k], t_s) / size[k];

        cached[k] = MIN(cap[k], cached[k] + q * (1 - cached[k]));
    }
}

void
predict_xbzrle_cached(const struct predict_in *in, double t_s,
                      unsigned rounds, double cached[2])
{
    cached[0] = cached[1] = 0;
    for (unsigned r = 0; r < rounds && r < 64; r++)
        cache_step(in, t_s, cached);
}

double
predict_xbzrle_ratio(const struct predict_in *in, double t_s,
                     const double cached[2])
{
    double size[2] = {0, 0}, rate[2] = {0, 0}, d = 0, hits = 0;
    double hit_cost = MIN(1.0, in->xbzrle_delta +
                                   PREDICT_XBZRLE_HEADER_BYTES / 4096.0);
    int n = regions(in, size, rate);

    for (int k = 0; k < n; k++) {
        double dk = predict_dirtied(rate[k], size[k], MAX(t_s, 1e-3));

        d += dk;
        hits += dk * cached[k];
    }
    if (d <= 0)
        return 1;
    return (hits * hit_cost + (d - hits)) / d;
}

/* Raw bytes per second a round moves at: the link over the wire ratio,
 * and through XBZRLE no faster than its encoder. */
static double
round_rate(const struct predict_in *in, double ratio, bool xz)
{
    double rb = in->bw_bps / (ratio > 0 ? ratio : 1);

    if (xz && in->xbzrle_bps > 0)
        rb = MIN(rb, in->xbzrle_bps);
    return rb;
}

/* Downtime if the guest stops with `unsent` left of a round whose bytes
 * take `ratio` on the wire, and `since` seconds of dirt (re-sent pages:
 * through XBZRLE when xz). *bytes gets the wire bytes. */
static double
downtime_at(const struct predict_in *in, double unsent, double since,
            double ratio, bool xz, const double cached[2], double *bytes)
{
    double d = dirtied(in, since);
    double u = predict_union(unsent, d, in->wss_bytes);
    double fb = in->final_bps > 0 ? in->final_bps : in->bw_bps;
    double dirt = u - unsent, wire, ms;

    if (ratio <= 0)
        ratio = 1;
    wire = unsent * ratio + in->fixed_bytes;
    if (xz && dirt > 0)
        wire += dirt * predict_xbzrle_ratio(in, since, cached);
    else
        wire += dirt;
    ms = wire / fb * 1000.0;
    if (xz && in->xbzrle_bps > 0)
        ms = MAX(ms, u / in->xbzrle_bps * 1000.0);
    if (bytes != NULL)
        *bytes = wire;
    return ms + in->overhead_ms;
}

void
predict_run(const struct predict_in *in, struct prediction *out)
{
    double r = in->remaining_bytes, s = in->since_sync_s, t = 0, sent = 0;
    double b = in->bw_bps, prev = INFINITY, fbytes, win;
    double ratio = in->cur_wire_ratio > 0 ? in->cur_wire_ratio : 1;
    double cached[2] = {0, 0};
    bool xz = in->cur_xbzrle;
    unsigned stalls = 0;

    memset(out, 0, sizeof *out);
    out->total_ms = INFINITY;
    out->stall_downtime_ms = INFINITY;
    if (b <= 0 || !(in->final_bps > 0 || b > 0)) {
        out->downtime_now_ms = INFINITY;
        out->postcopy_ms = INFINITY;
        return;
    }
    /* the dirt this round's bytes came from, about a round long */
    win = s + r / round_rate(in, ratio, xz);
    if (xz || in->xbzrle)
        predict_xbzrle_cached(in, win, in->xbzrle_rounds, cached);
    if (xz && in->cur_wire_ratio <= 0)
        ratio = predict_xbzrle_ratio(in, win, cached);
    out->downtime_now_ms = downtime_at(in, r, s, ratio, xz, cached, &fbytes);
    out->postcopy_ms = in->overhead_ms + fbytes / b * 1000.0;
    for (unsigned round = 0; round < MAX_ROUNDS; round++) {
        double rb = round_rate(in, ratio, xz);
        double span = r / rb, best = INFINITY;
        double lo = -1;

        /* Earliest point of this round where the downtime fits. */
        for (int k = 0; k <= GRID; k++) {
            double tau = span * k / GRID;
            double dt = downtime_at(in, r - rb * tau, s + tau, ratio, xz,
                                    cached, NULL);

            if (dt < best)
                best = dt;
            if (dt <= in->budget_ms) {
                double hi = tau;

                lo = k == 0 ? 0 : span * (k - 1) / GRID;
                if (k > 0) {
                    for (int i = 0; i < 30; i++) {
                        double mid = (lo + hi) / 2;

                        if (downtime_at(in, r - rb * mid, s + mid, ratio, xz,
                                        cached, NULL) <= in->budget_ms)
                            hi = mid;
                        else
                            lo = mid;
                    }
                }
                lo = hi;
                break;
            }
        }
        if (lo >= 0) {
            out->converges = true;
            out->downtime_ms = downtime_at(in, r - rb * lo, s + lo, ratio,
                                           xz, cached, &fbytes);
            out->total_ms = (t + lo) * 1000.0 + out->downtime_ms;
            out->bytes = sent + rb * lo * ratio + fbytes;
            out->rounds = round;
            return;
        }
        t += span;
        sent += r * ratio;
        s += span;
        /* what this round sent is in the cache for the next */
        if (xz)
            cache_step(in, win, cached);
        r = dirtied(in, s);
        win = s;
        s = 0;
        xz = in->xbzrle;
        ratio = xz ? predict_xbzrle_ratio(in, win, cached) : 1;
        out->rounds = round + 1;
        /* No longer shrinking: the copy has reached its floor. */
        if (round > 0 && r >= 0.97 * prev) {
            if (++stalls >= 2 || r >= prev) {
                out->stall_bytes = r;
                out->stall_downtime_ms = best;
                out->bytes = sent;
                return;
            }
        } else {
            stalls = 0;
        }
        prev = r;
        if (t > HORIZON_S)
            break;
    }
    out->stall_bytes = r;
    out->stall_downtime_ms = downtime_at(in, r, 0, ratio, xz, cached, NULL);
    out->bytes = sent;
}
