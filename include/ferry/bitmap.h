/* Word-packed bitmaps: dirty page and changed-block tracking. */
#ifndef FERRY_BITMAP_H
#define FERRY_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bitmap {
    uint64_t *w;
    size_t nbits;
    size_t nwords;
};

void bitmap_init(struct bitmap *b, size_t nbits);
void bitmap_fini(struct bitmap *b);

static inline void
bitmap_set(struct bitmap *b, size_t i)
{
    b->w[i >> 6] |= 1ULL << (i & 63);
}

static inline void
bitmap_clear(struct bitmap *b, size_t i)
{
    b->w[i >> 6] &= ~(1ULL << (i & 63));
}

static inline bool
bitmap_test(const struct bitmap *b, size_t i)
{
    return (b->w[i >> 6] >> (i & 63)) & 1;
}

/* Bits set in w, without a call into libgcc when the target has no
 * popcount instruction. */
static inline unsigned
bitmap_popcount64(uint64_t w)
{
    w -= (w >> 1) & 0x5555555555555555ULL;
    w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
    w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (unsigned)((w * 0x0101010101010101ULL) >> 56);
}

void bitmap_zero(struct bitmap *b);
/* Set bits [from, to). */
void bitmap_set_range(struct bitmap *b, size_t from, size_t to);
size_t bitmap_count(const struct bitmap *b);
/* dst |= src; both of the same size. Returns the new count of dst. */
size_t bitmap_or(struct bitmap *dst, const struct bitmap *src);
/* Count of bits set in (a | b). */
size_t bitmap_count_or(const struct bitmap *a, const struct bitmap *b);
/* Index of the first set bit at or after from, or nbits. */
size_t bitmap_next(const struct bitmap *b, size_t from);

#endif
