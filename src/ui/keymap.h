/* Key tables: one entry per action, with the keys that do it and what it
 * does in words. The key handlers dispatch through them and the help is
 * made from them, so the help cannot drift from what the keys do. */
#ifndef FERRY_UI_KEYMAP_H
#define FERRY_UI_KEYMAP_H

#include <stddef.h>

#define KEYMAP_KEYS 14 /* keys per entry: 0-9 and the three Backspaces */

struct keymap {
    int keys[KEYMAP_KEYS]; /* curses codes or characters; 0 ends */
    const char *label;     /* the keys as the help shows them */
    int action;            /* the owner's */
    const char *help;      /* what it does */
};

/* The entry for key, or NULL. */
const struct keymap *keymap_find(const struct keymap *m, size_t n, int key);
/* The action for key, or dflt. */
int keymap_action(const struct keymap *m, size_t n, int key, int dflt);

#endif
