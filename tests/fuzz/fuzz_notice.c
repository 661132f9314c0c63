/* libFuzzer target: what the fail-safe writes and reads. Each input is a
 * file of lines: every line through guard_job_from_json (an arm message)
 * and jobs_add_lost (a notice an earlier server's guard left), on a fresh
 * jobs table over the demo datacenter. Nothing may crash, leak or hang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/guard.h"
#include "ferry/jobs.h"
#include "ferry/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct policy_set set;
    static struct hv *hv;
    static bool init;
    struct ferry_err err;
    struct jobs_cfg c = {0};
    struct jobs *js;
    char *text = malloc(size + 1), *line, *save = NULL;

    if (!init) {
        struct sim_dc *dc;

        policy_set_init(&set);
        if (policy_set_builtin(&set, &err) < 0 ||
            (dc = sim_dc_demo(&err)) == NULL)
            abort();
        hv = hv_sim_new(dc, true);
        init = true;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    c.hv = hv;
    c.policies = &set;
    c.no_log = true;
    js = jobs_new(&c);
    for (line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        json_object *o = json_tokener_parse(line), *arm = NULL;
        struct guard_job j;

        if (o != NULL && json_object_object_get_ex(o, "arm", &arm) &&
            guard_job_from_json(arm, &j, &err) == 0) {
            json_object *back = guard_job_to_json(&j);

            json_object_put(back);
            guard_job_fini(&j);
        }
        if (jobs_add_lost(js, o, &err) != NULL) {
            const struct job *jb = jobs_at(js, jobs_count(js) - 1);
            json_object *m = job_meta_json(js, jb);

            json_object_put(m);
        }
        json_object_put(o);
    }
    jobs_free(js);
    free(text);
    return 0;
}
