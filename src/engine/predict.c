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

/* Downtime if the guest stops with `unsent` left and `since` seconds of dirt. */
static double
downtime_at(const struct predict_in *in, double unsent, double since,
            double *bytes)
{
    double d = dirtied(in, since);
    double u = predict_union(unsent, d, in->wss_bytes) + in->fixed_bytes;
    double fb = in->final_bps > 0 ? in->final_bps : in->bw_bps;

    if (bytes != NULL)
        *bytes = u;
    return u / fb * 1000.0 + in->overhead_ms;
}

void
predict_run(const struct predict_in *in, struct prediction *out)
{
    double r = in->remaining_bytes, s = in->since_sync_s, t = 0, sent = 0;
    double b = in->bw_bps, prev = INFINITY, fbytes;
    unsigned stalls = 0;

    memset(out, 0, sizeof *out);
    out->total_ms = INFINITY;
    out->stall_downtime_ms = INFINITY;
    if (b <= 0 || !(in->final_bps > 0 || b > 0)) {
        out->downtime_now_ms = INFINITY;
        out->postcopy_ms = INFINITY;
        return;
    }
    out->downtime_now_ms = downtime_at(in, r, s, &fbytes);
    out->postcopy_ms = in->overhead_ms + fbytes / b * 1000.0;
    for (unsigned round = 0; round < MAX_ROUNDS; round++) {
        double span = r / b, best = INFINITY;
        double lo = -1;

        /* Earliest point of this round where the downtime fits. */
        for (int k = 0; k <= GRID; k++) {
            double tau = span * k / GRID;
            double dt = downtime_at(in, r - b * tau, s + tau, NULL);

            if (dt < best)
                best = dt;
            if (dt <= in->budget_ms) {
                double hi = tau;

                lo = k == 0 ? 0 : span * (k - 1) / GRID;
                if (k > 0) {
                    for (int i = 0; i < 30; i++) {
                        double mid = (lo + hi) / 2;

                        if (downtime_at(in, r - b * mid, s + mid, NULL) <=
                            in->budget_ms)
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
            out->downtime_ms =
                downtime_at(in, r - b * lo, s + lo, &fbytes);
            out->total_ms = (t + lo) * 1000.0 + out->downtime_ms;
            out->bytes = sent + b * lo + fbytes;
            out->rounds = round;
            return;
        }
        t += span;
        sent += r;
        s += span;
        r = dirtied(in, s);
        s = 0;
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
    out->stall_downtime_ms = downtime_at(in, r, 0, NULL);
    out->bytes = sent;
}
