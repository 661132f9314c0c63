/* The protocol between a ferry server and its clients: JSON Lines on a
 * UNIX socket, one object per line, versioned (README.md "The server and
 * its protocol"). A client says hello, the server welcomes it; requests
 * carry an id that their reply repeats; the server also sends what a
 * client subscribed to (the inventory, jobs and their records, questions
 * for the operator, status messages). Job records are the flight log's
 * own lines. Pure C over json-c: no sockets here. */
#ifndef FERRY_PROTO_H
#define FERRY_PROTO_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/util.h"

#define PROTO_VERSION 1
/* A line longer than this is not ferry's (a whole inventory of tens of
 * thousands of VMs fits many times). */
#define PROTO_MAX_LINE (256u << 20)

/* ---- lines from a byte stream -------------------------------------------- */

struct proto_reader {
    size_t max; /* longest line (0: PROTO_MAX_LINE) */
    char *buf;
    size_t len, cap, start;
    bool skipping;   /* inside a line that was too long */
    size_t too_long; /* bytes of it so far */
};

void proto_reader_init(struct proto_reader *r);
void proto_reader_fini(struct proto_reader *r);
void proto_reader_feed(struct proto_reader *r, const char *data, size_t n);
/* The next complete line (NUL-terminated, without its newline, valid
 * until the next call), or NULL when there is none yet. A line over the
 * maximum is skipped whole and reported once: NULL with *overlong set. */
char *proto_reader_next(struct proto_reader *r, size_t *len, bool *overlong);
/* Bytes of an unfinished line (a peer that vanished mid-message). */
size_t proto_reader_pending(const struct proto_reader *r);

/* ---- messages ------------------------------------------------------------ */

enum proto_type {
    /* client -> server */
    PT_HELLO,   /* {"type":"hello","protocol":1,"client":KIND,"pid":N} */
    PT_REQUEST, /* {"type":"request","id":N,"cmd":NAME, ...arguments} */
    /* server -> client */
    PT_WELCOME,     /* {"type":"welcome","protocol":1,"server":{...}} */
    PT_REPLY,       /* {"type":"reply","id":N,"ok":true|false,...} */
    PT_MODEL,       /* {"type":"model","model":{...}} */
    PT_JOB,         /* {"type":"job","job":{...}} */
    PT_RECORD,      /* {"type":"record","job":N,"record":{...}} */
    PT_STATUS,      /* {"type":"status","error":B,"message":S} */
    PT_PROMPT,      /* {"type":"prompt","prompt":{...}} */
    PT_PROMPT_GONE, /* {"type":"prompt_gone","id":N} */
    PT_ERROR,       /* {"type":"error","error":S}: a line it could not use */
    PT_BYE,         /* {"type":"bye","reason":S}: the server is stopping */
    /* one host's results of a "checks_hosts" request, before its reply:
     * {"type":"checks","id":N,"index":I,"host":S,"checks":[...]} */
    PT_CHECKS,
    /* an evacuation as it is now (ferry/evac.h has its form), to clients
     * subscribed to jobs or evacuations: {"type":"evac","evac":{...}} */
    PT_EVAC,
    PT_COUNT
};

const char *proto_type_name(enum proto_type t);

struct proto_msg {
    enum proto_type type;
    json_object *obj;  /* the whole message (owned) */
    int64_t id;        /* requests and replies */
    const char *cmd;   /* requests: borrowed from obj */
    bool ok;           /* replies */
    const char *error; /* replies that failed, errors */
};

/* Parse one line. -1 with err (saying what is wrong, in a sentence) when
 * it is not JSON, not an object, of no known type, or lacks what its
 * type needs. */
int proto_parse(const char *line, size_t len, struct proto_msg *m,
                struct ferry_err *err);
void proto_msg_fini(struct proto_msg *m);

/* Builders: caller puts (or hands to proto_line). */
json_object *proto_new(enum proto_type t);
json_object *proto_hello(const char *client_kind);
json_object *proto_request(int64_t id, const char *cmd);
json_object *proto_reply(int64_t id, bool ok, const char *error);
json_object *proto_error(const char *error);

/* The message as a line with its newline. Caller frees; *len excludes
 * the terminating NUL. */
char *proto_line(json_object *o, size_t *len);

#endif
