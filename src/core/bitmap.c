/* Word-packed bitmaps. */
#include "ferry/bitmap.h"

#include <stdlib.h>
#include <string.h>

#include "ferry/util.h"

void
bitmap_init(struct bitmap *b, size_t nbits)
{
    b->nbits = nbits;
    b->nwords = (nbits + 63) / 64;
    b->w = xcalloc(b->nwords ? b->nwords : 1, sizeof *b->w);
}

void
bitmap_fini(struct bitmap *b)
{
    free(b->w);
    b->w = NULL;
    b->nbits = b->nwords = 0;
}

void
bitmap_zero(struct bitmap *b)
{
    memset(b->w, 0, b->nwords * sizeof *b->w);
}

void
bitmap_set_range(struct bitmap *b, size_t from, size_t to)
{
    if (to > b->nbits)
        to = b->nbits;
    while (from < to && (from & 63) != 0)
        bitmap_set(b, from++);
    while (from + 64 <= to) {
        b->w[from >> 6] = ~0ULL;
        from += 64;
    }
    while (from < to)
        bitmap_set(b, from++);
}

size_t
bitmap_count(const struct bitmap *b)
{
    size_t n = 0;

    for (size_t i = 0; i < b->nwords; i++)
        n += (size_t)bitmap_popcount64(b->w[i]);
    return n;
}

size_t
bitmap_or(struct bitmap *dst, const struct bitmap *src)
{
    size_t n = 0;

    for (size_t i = 0; i < dst->nwords; i++) {
        dst->w[i] |= src->w[i];
        n += (size_t)bitmap_popcount64(dst->w[i]);
    }
    return n;
}

size_t
bitmap_count_or(const struct bitmap *a, const struct bitmap *b)
{
    size_t n = 0;

    for (size_t i = 0; i < a->nwords; i++)
        n += (size_t)bitmap_popcount64(a->w[i] | b->w[i]);
    return n;
}

size_t
bitmap_next(const struct bitmap *b, size_t from)
{
    size_t wi;
    uint64_t w;

    if (from >= b->nbits)
        return b->nbits;
    wi = from >> 6;
    w = b->w[wi] & (~0ULL << (from & 63));
    for (;;) {
        if (w != 0) {
            size_t i = (wi << 6) + (size_t)__builtin_ctzll(w);
            return i < b->nbits ? i : b->nbits;
        }
        if (++wi >= b->nwords)
            return b->nbits;
        w = b->w[wi];
    }
}
