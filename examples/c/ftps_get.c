/*
 * ftps_get: download one file over FTPS with libftps.
 *
 *   cc ftps_get.c $(pkg-config --cflags --libs ftps) -o ftps_get
 *   FTPS_PASSWORD=secret ./ftps_get -u alice -c ca.pem ftp.example.com pub/file.tar.gz file.tar.gz
 *
 * Options: -i implicit TLS (default explicit), -p PORT, -c CA_FILE (default: the
 * system trust store), -u USER (default "anonymous"), -r resume an existing local file.
 * The password comes from the FTPS_PASSWORD environment variable. Without LOCAL the
 * file goes to standard output.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ftps.h>

/* Prints what went wrong: the code, the detailed message, the server's last reply. */
static int fail(const ftps_client *client, const char *what, ftps_result rc) {
    char msg[1024] = "", reply[1024] = "";
    size_t n;
    uint16_t code = 0;
    if (client != NULL) {
        if (ftps_client_error_message(client, msg, sizeof msg, &n) != FTPS_RESULT_OK) msg[0] = '\0';
        if (ftps_client_last_reply_code(client, &code) == FTPS_RESULT_OK)
            (void)ftps_client_last_reply_text(client, reply, sizeof reply, &n);
    }
    fprintf(stderr, "ftps_get: %s: %s", what, ftps_result_str(rc));
    if (msg[0] != '\0') fprintf(stderr, ": %s", msg);
    if (code != 0) fprintf(stderr, " (server said %u %s)", code, reply);
    fputc('\n', stderr);
    return 1;
}

static int show_progress(void *userdata, uint64_t done, uint64_t total) {
    (void)userdata;
    if (total == FTPS_SIZE_UNKNOWN)
        fprintf(stderr, "\r%llu bytes", (unsigned long long)done);
    else
        fprintf(stderr, "\r%llu of %llu bytes", (unsigned long long)done, (unsigned long long)total);
    return 0; /* non-zero would cancel */
}

int main(int argc, char **argv) {
    const char *ca = NULL, *user = "anonymous", *password = getenv("FTPS_PASSWORD");
    int implicit = 0, resume = 0, opt;
    unsigned long port = 0;
    while ((opt = getopt(argc, argv, "ip:c:u:r")) != -1) {
        switch (opt) {
        case 'i': implicit = 1; break;
        case 'p': port = strtoul(optarg, NULL, 10); break;
        case 'c': ca = optarg; break;
        case 'u': user = optarg; break;
        case 'r': resume = 1; break;
        default: goto usage;
        }
    }
    if (argc - optind < 2 || argc - optind > 3 || port > 65535) goto usage;
    const char *host = argv[optind], *remote = argv[optind + 1];
    const char *local = argc - optind == 3 ? argv[optind + 2] : NULL;
    if (password == NULL) password = "";

    /* 1. The configuration: built once, shareable, freed when no longer needed. */
    ftps_config_builder *builder = NULL;
    const ftps_config *config = NULL;
    ftps_result rc = ftps_config_builder_new(host, &builder);
    if (rc != FTPS_RESULT_OK) return fail(NULL, "config", rc);
    rc = ftps_config_builder_set_mode(builder, implicit ? FTPS_MODE_IMPLICIT : FTPS_MODE_EXPLICIT);
    if (rc == FTPS_RESULT_OK && port != 0) rc = ftps_config_builder_set_port(builder, (uint16_t)port);
    if (rc == FTPS_RESULT_OK && ca != NULL) rc = ftps_config_builder_add_ca_file(builder, ca);
    if (rc == FTPS_RESULT_OK) rc = ftps_config_builder_build(builder, &config);
    if (rc != FTPS_RESULT_OK) {
        char msg[512];
        size_t n;
        if (ftps_config_builder_error_message(builder, msg, sizeof msg, &n) != FTPS_RESULT_OK) msg[0] = '\0';
        fprintf(stderr, "ftps_get: config: %s: %s\n", ftps_result_str(rc), msg);
        ftps_config_builder_free(builder);
        return 1;
    }
    ftps_config_builder_free(builder);

    /* 2. The client: connect, log in. */
    ftps_client *client = NULL;
    rc = ftps_client_new(config, &client);
    ftps_config_free(config); /* the client keeps its own reference */
    if (rc != FTPS_RESULT_OK) return fail(NULL, "client", rc);
    int status = 0;
    if ((rc = ftps_client_connect(client)) != FTPS_RESULT_OK) {
        status = fail(client, "connect", rc);
    } else if ((rc = ftps_client_login(client, user, password)) != FTPS_RESULT_OK) {
        status = fail(client, "login", rc);
    } else {
        char version[32] = "", cipher[64] = "";
        size_t n;
        (void)ftps_client_tls_version(client, FTPS_TLS_CONNECTION_CONTROL, version, sizeof version, &n);
        (void)ftps_client_tls_cipher(client, FTPS_TLS_CONNECTION_CONTROL, cipher, sizeof cipher, &n);
        fprintf(stderr, "ftps_get: logged in to %s over %s %s\n", host, version, cipher);

        /* 3. The download, with a progress callback. */
        uint64_t bytes = 0;
        (void)ftps_client_set_progress(client, show_progress, NULL);
        if (local != NULL)
            rc = ftps_client_download_path(client, remote, strlen(remote), local, resume != 0, &bytes);
        else
            rc = ftps_client_download_fd(client, remote, strlen(remote), STDOUT_FILENO, 0, &bytes);
        fputc('\n', stderr);
        if (rc != FTPS_RESULT_OK) {
            status = fail(client, "download", rc);
        } else {
            bool resumed = false;
            (void)ftps_client_tls_resumed(client, FTPS_TLS_CONNECTION_LAST_DATA, &resumed);
            fprintf(stderr, "ftps_get: %llu bytes; the data connection %s the TLS session\n",
                    (unsigned long long)bytes, resumed ? "resumed" : "did not resume");
        }
        /* 4. Goodbye. */
        if ((rc = ftps_client_quit(client)) != FTPS_RESULT_OK && status == 0)
            status = fail(client, "quit", rc);
    }
    ftps_client_free(client);
    return status;

usage:
    fprintf(stderr, "usage: FTPS_PASSWORD=... %s [-i] [-p PORT] [-c CA_FILE] [-u USER] [-r] HOST REMOTE [LOCAL]\n",
            argv[0]);
    return 2;
}
