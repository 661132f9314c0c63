/* Key tables. */
#include "keymap.h"

const struct keymap *
keymap_find(const struct keymap *m, size_t n, int key)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < KEYMAP_KEYS && m[i].keys[k] != 0; k++)
            if (m[i].keys[k] == key)
                return &m[i];
    return NULL;
}

int
keymap_action(const struct keymap *m, size_t n, int key, int dflt)
{
    const struct keymap *e = keymap_find(m, n, key);

    return e != NULL ? e->action : dflt;
}
