/* ftps-bench-c: the benchmark cases of tests/bench through the C ABI of ftps (libftps,
 * include/ftps.h). Same command line as the Rust ftps-bench; prints nothing on success.
 *
 *   ftps-bench-c --host H --port P --mode explicit|implicit --ca PATH --user U --pass P
 *                [--tls12] COMMAND ...
 *     get REMOTE LOCAL | put LOCAL REMOTE | many-get RDIR N LDIR | many-put LDIR N RDIR
 *     | list [RDIR]
 *
 * Built by tests/bench/build.sh against target/release/libftps.a. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ftps.h"

static ftps_client *g_client;

static int fail(const char *what, ftps_result r) {
    char msg[1024] = "";
    size_t n = 0;
    if (g_client)
        ftps_client_error_message(g_client, msg, sizeof msg, &n);
    fprintf(stderr, "ftps-bench-c: %s: %s%s%s\n", what, ftps_result_str((uint32_t)r),
            msg[0] ? ": " : "", msg);
    return 1;
}

#define CHECK(what, call)                  \
    do {                                   \
        ftps_result r_ = (call);           \
        if (r_ != FTPS_RESULT_OK)          \
            return fail((what), r_);       \
    } while (0)

static const char *usage =
    "usage: ftps-bench-c --host H --port P --mode explicit|implicit --ca PATH --user U "
    "--pass P [--tls12] (get REMOTE LOCAL | put LOCAL REMOTE | many-get RDIR N LDIR | "
    "many-put LDIR N RDIR | list [RDIR])\n";

static int get(const char *remote, const char *local) {
    int fd = open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "ftps-bench-c: %s: %s\n", local, strerror(errno));
        return 1;
    }
    ftps_result r = ftps_client_download_fd(g_client, remote, strlen(remote), fd, 0, NULL);
    close(fd);
    return r == FTPS_RESULT_OK ? 0 : fail(remote, r);
}

static int put(const char *local, const char *remote) {
    int fd = open(local, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "ftps-bench-c: %s: %s\n", local, strerror(errno));
        return 1;
    }
    ftps_result r = ftps_client_upload_fd(g_client, remote, strlen(remote), fd, 0, NULL);
    close(fd);
    return r == FTPS_RESULT_OK ? 0 : fail(remote, r);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1", *mode = "explicit", *ca = NULL, *user = "anonymous",
               *pass = "anonymous@";
    unsigned port = 0;
    int tls12 = 0, i;
    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--tls12")) { tls12 = 1; continue; }
        if (i + 1 >= argc) { fputs(usage, stderr); return 2; }
        const char *v = argv[++i];
        if (!strcmp(o, "--host")) host = v;
        else if (!strcmp(o, "--port")) port = (unsigned)atoi(v);
        else if (!strcmp(o, "--mode")) mode = v;
        else if (!strcmp(o, "--ca")) ca = v;
        else if (!strcmp(o, "--user")) user = v;
        else if (!strcmp(o, "--pass")) pass = v;
        else { fputs(usage, stderr); return 2; }
    }
    if (i >= argc) { fputs(usage, stderr); return 2; }
    char **cmd = argv + i;
    int ncmd = argc - i;

    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    CHECK("config", ftps_config_builder_new(host, &b));
    if (port) CHECK("port", ftps_config_builder_set_port(b, (uint16_t)port));
    CHECK("mode", ftps_config_builder_set_mode(
                      b, strcmp(mode, "implicit") ? FTPS_MODE_EXPLICIT : FTPS_MODE_IMPLICIT));
    if (ca) CHECK("ca", ftps_config_builder_add_ca_file(b, ca));
    if (tls12) CHECK("tls12", ftps_config_builder_set_max_tls_version(b, FTPS_TLS_VERSION_TLS12));
    ftps_result r = ftps_config_builder_build(b, &cfg);
    if (r != FTPS_RESULT_OK) {
        char msg[1024] = "";
        size_t n = 0;
        ftps_config_builder_error_message(b, msg, sizeof msg, &n);
        fprintf(stderr, "ftps-bench-c: config: %s: %s\n", ftps_result_str((uint32_t)r), msg);
        return 1;
    }
    ftps_config_builder_free(b);
    CHECK("client", ftps_client_new(cfg, &g_client));
    ftps_config_free(cfg);
    CHECK("connect", ftps_client_connect(g_client));
    CHECK("login", ftps_client_login(g_client, user, pass));

    int rc = 0;
    if (!strcmp(cmd[0], "get") && ncmd == 3) {
        rc = get(cmd[1], cmd[2]);
    } else if (!strcmp(cmd[0], "put") && ncmd == 3) {
        rc = put(cmd[1], cmd[2]);
    } else if ((!strcmp(cmd[0], "many-get") || !strcmp(cmd[0], "many-put")) && ncmd == 4) {
        int n = atoi(cmd[2]), is_get = cmd[0][5] == 'g';
        char l[4096], rem[4096];
        for (int k = 1; k <= n && rc == 0; k++) {
            if (is_get) {
                snprintf(rem, sizeof rem, "%s/f%03d.bin", cmd[1], k);
                snprintf(l, sizeof l, "%s/f%03d.bin", cmd[3], k);
                rc = get(rem, l);
            } else {
                snprintf(l, sizeof l, "%s/f%03d.bin", cmd[1], k);
                snprintf(rem, sizeof rem, "%s/f%03d.bin", cmd[3], k);
                rc = put(l, rem);
            }
        }
    } else if (!strcmp(cmd[0], "list") && ncmd <= 2) {
        ftps_listing *lst = NULL;
        const char *p = ncmd == 2 ? cmd[1] : NULL;
        CHECK("list", ftps_client_list(g_client, p, p ? strlen(p) : 0, &lst));
        ftps_listing_free(lst);
    } else {
        fputs(usage, stderr);
        rc = 2;
    }
    if (rc == 0)
        CHECK("quit", ftps_client_quit(g_client));
    ftps_client_free(g_client);
    return rc;
}
