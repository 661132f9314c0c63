/* The guided migration wizard: kind, destination host, datastore, options,
 * pre-flight, review. Inside ui/ only; the console owns it and starts (or
 * queues) what it returns. */
#ifndef FERRY_UI_WIZARD_H
#define FERRY_UI_WIZARD_H

#include <stdbool.h>
#include <stdint.h>

#include "ferry/hv.h"
#include "ferry/policy.h"
#include "ferry/queue.h"
#include "ferry/runner.h"
#include "ferry/ui.h"

/* What the operator chose: everything needed to start the move. */
struct mig_choice {
    char *vm;      /* whole names, however long; never NULL */
    enum job_kind kind;
    char *host;    /* destination ("" for storage moves) */
    char *ds;      /* destination datastore ("" for compute moves) */
    int policy;    /* index into the policy set */
    uint64_t budget_ms;
    uint64_t bw_cap_bps; /* 0: the link's speed */
    bool allow_throttle, allow_postcopy, allow_pause;
    enum queue_priority prio;
};

struct wizard_env {
    struct hv *hv;
    const char *hints_dir; /* earlier flight logs refine the plans */
    const struct policy_set *policies;
    uint64_t default_budget_ms;
    int default_policy;
    /* VMs with a job in this console (running or queued) */
    const char **(*busy)(void *ctx, size_t *n);
    /* Would this move start now? "", or what it would wait for (caller
     * frees). */
    char *(*queue_why)(void *ctx, const struct mig_choice *ch);
    void (*status)(void *ctx, bool error, const char *msg);
    void *ctx;
};

enum wizard_result { WZR_CONTINUE, WZR_CLOSE, WZR_START };

struct wizard;

/* NULL (with a status message) when the VM does not exist. */
struct wizard *wizard_new(const struct wizard_env *env, const char *vm);
void wizard_free(struct wizard *w);
enum wizard_result wizard_key(struct wizard *w, int key);
/* Its keys (the help shows them). */
struct keymap;
const struct keymap *wizard_keymap(size_t *n);
/* The inventory changed: recompute verdicts. */
void wizard_refresh(struct wizard *w);
/* A measurement in flight: poll it; true when something changed. */
bool wizard_tick(struct wizard *w);
bool wizard_measuring(const struct wizard *w);
/* When wizard_tick is next wanted, ms (0: at the loop's next turn, the
 * host step's checks going on); -1: not. */
int wizard_timeout_ms(const struct wizard *w);
void wizard_draw(struct wizard *w, struct ui_term *t, int y, int h);
const char *wizard_hints(const struct wizard *w);
const struct mig_choice *wizard_choice(const struct wizard *w);
/* A choice's names: set one (a copy), copy a whole choice, free them. */
void mig_choice_set(char **field, const char *value);
void mig_choice_copy(struct mig_choice *dst, const struct mig_choice *src);
void mig_choice_fini(struct mig_choice *ch);
/* The escalations a policy uses, as the choice's defaults. */
void mig_choice_escalations(struct mig_choice *ch, const struct policy *p);
/* The request the checks and the queue see. */
struct mig_request mig_choice_request(const struct mig_choice *ch);
/* Runner options for the choice with policy pol (no log, default tick). */
void mig_choice_runner_opts(const struct mig_choice *ch,
                            const struct policy *pol, struct runner_opts *o);
/* The policy the choice makes: the chosen one without the escalations the
 * operator did not allow. Free with policy_copy_free. */
void mig_choice_policy(const struct mig_choice *ch,
                       const struct policy_set *set, struct policy *out);

#endif
