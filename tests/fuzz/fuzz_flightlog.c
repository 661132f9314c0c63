/* libFuzzer target: the flight log reader, and everything a replay asks
 * of what it read (summary, stall, cursor, full samples, CSV). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ferry/flogread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ferry_err err;
    struct flog_data *d = flog_load_mem("fuzz.jsonl", (const char *)data,
                                        size, &err);
    char *s, stall[400];
    uint64_t t;
    FILE *null;

    if (d == NULL)
        return 0;
    s = flog_summary(d);
    free(s);
    flog_stall(d, stall, sizeof stall);
    for (size_t i = 0; i < d->n; i += 1 + d->n / 8) {
        struct job_sample js;
        struct estimate e;

        flog_sample_full(d, i, &js, &e, &err);
        flog_rounds_at(d, i);
        flog_decisions_at(d, d->pt[i].t_ms);
    }
    t = flog_start_ms(d);
    while (flog_next_event(d, t, 1, &t))
        ;
    flog_index_at(d, flog_end_ms(d) / 2);
    null = fopen("/dev/null", "w");
    if (null != NULL) {
        flog_export_csv(d, null, &err);
        fclose(null);
    }
    flog_data_free(d);
    return 0;
}
