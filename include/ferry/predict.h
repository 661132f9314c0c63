/* The pre-copy model: how many rounds, how long, how much downtime. Pure
 * arithmetic, used by `ferry plan` and at every engine tick. */
#ifndef FERRY_PREDICT_H
#define FERRY_PREDICT_H

#include <stdbool.h>
#include <stdint.h>

/* A page XBZRLE encodes carries a header as well (offset, flags, length). */
#define PREDICT_XBZRLE_HEADER_BYTES 16.0

struct predict_in {
    double remaining_bytes;   /* still to send in the current round */
    double since_sync_s;      /* dirt has accumulated this long */
    double dirty_bps;         /* raw write rate of the guest, bytes/s */
    double wss_bytes;         /* writable working set; 0 = unbounded */
    double hot_fraction;      /* part of the working set that is hot (0: */
    double hot_share;         /* uniform); share of writes that go there */
    double bw_bps;            /* transfer rate during the rounds */
    double final_bps;         /* rate of the stop-and-copy (unthrottled) */
    double overhead_ms;       /* fixed cost of a switchover */
    double budget_ms;         /* switch when the downtime fits this */
    double fixed_bytes;       /* sent at switchover whatever happens */
    /* How the bytes travel (all 0: every byte whole on the wire). */
    double cur_wire_ratio;    /* wire bytes per byte of the current round
                               * (zero pages in round one; 0: 1) */
    bool cur_xbzrle;          /* the current round goes through XBZRLE */
    bool xbzrle;              /* later rounds and the switchover do */
    double xbzrle_delta;      /* wire share of a page found in the cache */
    double xbzrle_cache_bytes;
    double xbzrle_bps;        /* pages the encoder gets through (0: any) */
    unsigned xbzrle_rounds;   /* XBZRLE rounds the cache has seen */
};

struct prediction {
    bool converges;
    double total_ms;          /* from now until the guest runs on dst */
    double downtime_ms;       /* at the predicted switchover */
    double downtime_now_ms;   /* if switching over right now */
    unsigned rounds;          /* further rounds before switchover */
    double bytes;             /* further bytes to send */
    double stall_bytes;       /* remainder the copy stalls at (no conv.) */
    double stall_downtime_ms; /* downtime if switching at the stall */
    double postcopy_ms;       /* total if switching to post-copy now */
};

/* Unique bytes dirtied in t seconds by a guest writing dirty_bps over a
 * working set of wss bytes (0 = unbounded), uniformly. */
double predict_dirtied(double dirty_bps, double wss, double t_s);
/* The same with a hot part of the working set (hot_fraction of it) taking
 * hot_share of the writes; hot_fraction 0 means uniform. */
double predict_dirtied_skew(double dirty_bps, double wss, double hot_fraction,
                            double hot_share, double t_s);
/* Bytes that must move at a switchover: the unsent part of the round and
 * what was dirtied since the sync, counting their overlap once. */
double predict_union(double unsent, double dirtied, double wss);
/* XBZRLE's cache, as a share of each part of the working set (hot, then
 * the rest; a uniform working set uses [0]) that it holds after `rounds`
 * rounds each re-sending what t_s of writes dirtied. QEMU's cache is
 * direct-mapped by page address and keeps a page it used lately, so the
 * hot part holds min(1, cache / hot set) at most, the rest what is left. */
void predict_xbzrle_cached(const struct predict_in *in, double t_s,
                           unsigned rounds, double cached[2]);
/* Wire bytes per byte re-sent when pages dirtied in t_s go through XBZRLE
 * with the cache holding cached[] (hits cost delta, misses a page). */
double predict_xbzrle_ratio(const struct predict_in *in, double t_s,
                            const double cached[2]);
void predict_run(const struct predict_in *in, struct prediction *out);

#endif
