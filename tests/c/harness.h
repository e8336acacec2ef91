/*
 * A tiny test harness for the libftps C suite: no dependencies, TAP-like output,
 * a final "N passed, M failed" line.
 */
#ifndef FTPS_TEST_HARNESS_H
#define FTPS_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "ftps.h"

/* A test returns PASS, FAIL or SKIP. */
enum { FAIL = 0, PASS = 1, SKIP = 2 };

/* The server a test runs against (NULL for offline tests). */
struct server {
    const char *name;      /* e.g. "vsftpd-explicit" */
    const char *host;      /* "127.0.0.1" */
    unsigned port;
    int implicit;          /* 1: implicit TLS, 0: explicit */
    const char *ca;        /* CA file */
    const char *user;
    const char *pass;
    const char *root;      /* local directory of the server root, or NULL */
};

/* Prints the reason of a failure and fails the test. */
#define FAILF(...)                                                     \
    do {                                                               \
        fprintf(stderr, "    %s:%d: ", __FILE__, __LINE__);            \
        fprintf(stderr, __VA_ARGS__);                                  \
        fputc('\n', stderr);                                           \
        return FAIL;                                                   \
    } while (0)

#define CHECK(cond)                                                    \
    do {                                                               \
        if (!(cond)) FAILF("CHECK(%s) failed", #cond);                 \
    } while (0)

/* Checks a result code; on a mismatch prints both codes and the client's message. */
#define CHECK_RC(client, expr, want)                                   \
    do {                                                               \
        ftps_result rc_ = (expr);                                      \
        ftps_result want_ = (want);                                    \
        if (rc_ != want_)                                              \
            FAILF("%s = %u (%s), want %u (%s); message: %s", #expr,   \
                  (unsigned)rc_, ftps_result_str(rc_),                 \
                  (unsigned)want_, ftps_result_str(want_),             \
                  client_message(client));                             \
    } while (0)

#define CHECK_OK(client, expr) CHECK_RC(client, expr, FTPS_RESULT_OK)

/* The detailed message of a client (static buffer; "" for NULL). */
static inline const char *client_message(const ftps_client *c) {
    static char buf[2048];
    size_t n = 0;
    buf[0] = '\0';
    if (c != NULL && ftps_client_error_message(c, buf, sizeof buf, &n) != FTPS_RESULT_OK)
        strcpy(buf, "(no message)");
    return buf;
}

#endif
