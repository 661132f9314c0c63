/* libFuzzer target: ferry.ini and simulated datacenter files, through the
 * INI reader and every section parser (policies, [queue], [host],
 * [defaults] via hosts, the simulator's [sim]/[host]/[link]/[vm]). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/hostcfg.h"
#include "ferry/ini.h"
#include "ferry/policy.h"
#include "ferry/queue.h"
#include "ferry/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct ferry_err err;
    struct ini_doc *doc;
    struct sim_dc *dc;

    memcpy(text, data, size);
    text[size] = '\0';
    doc = ini_load_string("fuzz.ini", text, &err);
    if (doc != NULL) {
        struct policy_set set;
        struct queue_cfg q;
        struct lv_cfg hosts;

        policy_set_init(&set);
        if (policy_set_load(&set, doc, &err) == 0)
            for (size_t i = 0; i < set.n; i++) {
                char *ini = policy_to_ini(&set.v[i]), sum[200];

                policy_summary(&set.v[i], sum, sizeof sum);
                free(ini);
            }
        policy_set_fini(&set);
        queue_cfg_default(&q);
        queue_cfg_load(&q, doc, &err);
        memset(&hosts, 0, sizeof hosts);
        lv_cfg_load(&hosts, doc, &err);
        lv_cfg_fini(&hosts);
        ini_free(doc);
    }
    dc = sim_dc_load_string("fuzz.ini", text, &err);
    if (dc != NULL) {
        const struct model *m = sim_dc_model(dc);

        for (size_t i = 0; i < m->n_vms; i++)
            free(sim_dc_describe(dc, m->vms[i].name));
        sim_dc_free(dc);
    }
    free(text);
    return 0;
}
