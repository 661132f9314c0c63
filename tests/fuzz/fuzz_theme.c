/* libFuzzer target: theme files (styles, colours, attributes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), warn[512];
    struct ferry_err err;
    struct theme t;

    memcpy(text, data, size);
    text[size] = '\0';
    theme_default(&t);
    theme_load_string(&t, "fuzz.theme", text, warn, sizeof warn, &err);
    free(text);
    return 0;
}
