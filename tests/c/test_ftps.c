/*
 * The C test suite of libftps.
 *
 * Offline tests check the conventions of the C ABI with bad input from the caller
 * (docs/threats.md, classes "caller" and E2). Online tests run against the real
 * servers of tests/servers (vsftpd explicit and implicit) and the project's own
 * ftps-testserver (explicit and implicit): whole sessions, and every caller-side bad
 * input during a session, E1 (CR/LF/NUL in arguments) included. The G1 tests
 * (silent truncation of downloads, t_g1_...) log in as the fault users run.sh gives
 * ftps-testserver (--fault-user; FTPS_TESTSERVER_FAULT_USERS=1 says they exist). The
 * G5/G6 tests (transfers verified after the fact, atomic uploads, automatic resume and
 * reconnect, t_g5_..., t_g6_...) use more of them (FTPS_TESTSERVER_G56_USERS=1) and a
 * second ftps-testserver without hashes (FTPS_TESTSERVER_NOHASH_EXPLICIT, _CA); the A5
 * test a third that reads commands after 234 (FTPS_TESTSERVER_A5_EXPLICIT, _CA);
 * FTPS_C_G6_BIG_MIB sizes the big file of the G6 resume test (default 1024). The P1/P2/P3
 * tests (batches, segmented downloads and pipelining, t_p1_..., t_p2_..., t_p3_...) run
 * on every server, with FTPS_C_MORE_SERVERS=1 (run.sh's -O2 run) ProFTPD (explicit,
 * implicit) and pure-ftpd too
 * (FTPS_TEST_{PROFTPD_EXPLICIT,PROFTPD_IMPLICIT,PURE_FTPD_EXPLICIT}_{PORT,MODE,ROOT});
 * FTPS_C_P2_MIB sizes the segmented file (default 20; run.sh's -O2 run: 256). The test
 * of a server that limits sessions uses a fourth ftps-testserver with
 * --max-sessions-per-user 2 (FTPS_TESTSERVER_LIMITED_EXPLICIT, _CA).
 *
 * The server addresses come from the environment (tests/c/run.sh exports them):
 *   FTPS_TEST_HOST, FTPS_TEST_CA, FTPS_TEST_WRONG_CA, FTPS_TEST_CERT_SHA256,
 *   FTPS_TEST_USER, FTPS_TEST_PASS, FTPS_TEST_VSFTPD_{EXPLICIT,IMPLICIT}_{PORT,ROOT},
 *   FTPS_TESTSERVER_{EXPLICIT,IMPLICIT} (host:port), FTPS_TESTSERVER_CA,
 *   FTPS_TESTSERVER_USER, FTPS_TESTSERVER_PASS,
 *   FTPS_C_RUN_ID (names this run's directories on the servers), FTPS_C_TMPDIR.
 * A server whose variables are missing is skipped, unless FTPS_C_REQUIRE_SERVERS=1.
 *
 * Which tests are part of the run (an explicit selection, never a skip):
 *   FTPS_REAL_SERVERS=0  the real servers (vsftpd) are not: their tests are not run
 *                        (`make check`), and FTPS_C_REQUIRE_SERVERS does not ask for them;
 *   FTPS_LOCAL_TESTS=0   only the real-server tests run (`make test-real`): no offline
 *                        test and no ftps-testserver test.
 * What was left out is counted in the last line: "..., K not in this run".
 *
 * Usage: test_ftps [substring]   (runs the tests whose name contains it)
 * Output: "ok - name [server]", "not ok - ...", "skip - ...", then
 * "N passed, M failed, S skipped, K not in this run".
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* ------------------------------------------------------------------------ */
/* Environment, run-unique names, data                                     */
/* ------------------------------------------------------------------------ */

static const char *run_id = "local";
static const char *tmp_dir = "/tmp";
static const char *current_test = "";
static const char *current_server = "offline";

static const char *env(const char *name) {
    const char *v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

/* The remote directory of one test: "ftps-c-<run>-<server>-<test>" (the two ports of
   one server share a tree). */
static void test_dir(char *out, size_t len) {
    snprintf(out, len, "ftps-c-%s-%s-%s", run_id, current_server, current_test);
}

/* A local temporary file name for this test. */
static void tmp_path(char *out, size_t len, const char *what) {
    snprintf(out, len, "%s/ftps-c-%s-%s-%s-%s", tmp_dir, run_id, current_server, current_test, what);
}

static void fill_pattern(unsigned char *buf, size_t n, unsigned seed) {
    uint32_t x = 2463534242u ^ seed;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
}

static int write_file(const char *path, const unsigned char *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) return 0;
    size_t w = fwrite(data, 1, n, f);
    return fclose(f) == 0 && w == n;
}

/* Reads a whole local file; *n_out gets its length. Caller frees. */
static unsigned char *read_file(const char *path, size_t *n_out) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            unsigned char *nb = realloc(buf, cap);
            if (nb == NULL) { free(buf); fclose(f); return NULL; }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    fclose(f);
    *n_out = n;
    return buf;
}

/* 1 when the local file holds exactly data[0..n). */
static int file_equals(const char *path, const unsigned char *data, size_t n) {
    size_t got = 0;
    unsigned char *buf = read_file(path, &got);
    if (buf == NULL) return 0;
    int same = got == n && memcmp(buf, data, n) == 0;
    free(buf);
    return same;
}

/* ------------------------------------------------------------------------ */
/* Sessions                                                                 */
/* ------------------------------------------------------------------------ */

/* ftps_config_builder_set_tls_records_in_place() for the next server_config(): 0 or 1;
   -1 leaves it unset. The option does nothing any more (see
   t_tls_records_in_place_off_and_on), but the function must keep accepting it. */
static int records_in_place = -1;

/* The G5/G6 settings for the next server_config(); -1 leaves the default. Reset before
   every test (knobs_reset()). */
static long knob_verify = -1, knob_atomic = -1, knob_resume_attempts = -1, knob_backoff_ms = -1;
static long knob_pipelining = -1;

static void knobs_reset(void) {
    knob_verify = knob_atomic = knob_resume_attempts = knob_backoff_ms = -1;
    knob_pipelining = -1;
}

/* Builds the configuration for a server; NULL on failure (printed). */
static const ftps_config *server_config(const struct server *s, size_t buffer) {
    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    if (ftps_config_builder_new(s->host, &b) != FTPS_RESULT_OK) return NULL;
    ftps_result rc = FTPS_RESULT_OK;
    if (rc == FTPS_RESULT_OK) rc = ftps_config_builder_set_port(b, (uint16_t)s->port);
    if (rc == FTPS_RESULT_OK)
        rc = ftps_config_builder_set_mode(b, s->implicit ? FTPS_MODE_IMPLICIT : FTPS_MODE_EXPLICIT);
    if (rc == FTPS_RESULT_OK) rc = ftps_config_builder_add_ca_file(b, s->ca);
    if (rc == FTPS_RESULT_OK) rc = ftps_config_builder_set_reply_timeout_ms(b, 20000);
    if (rc == FTPS_RESULT_OK && buffer > 0) rc = ftps_config_builder_set_buffer_size(b, buffer);
    if (rc == FTPS_RESULT_OK && records_in_place >= 0)
        rc = ftps_config_builder_set_tls_records_in_place(b, records_in_place == 1);
    if (rc == FTPS_RESULT_OK && knob_verify >= 0) rc = ftps_config_builder_set_verify(b, (uint32_t)knob_verify);
    if (rc == FTPS_RESULT_OK && knob_atomic >= 0) rc = ftps_config_builder_set_atomic_uploads(b, knob_atomic == 1);
    if (rc == FTPS_RESULT_OK && knob_pipelining >= 0)
        rc = ftps_config_builder_set_pipelining(b, (uint32_t)knob_pipelining);
    if (rc == FTPS_RESULT_OK && knob_resume_attempts >= 0)
        rc = ftps_config_builder_set_resume_attempts(b, (uint32_t)knob_resume_attempts);
    if (rc == FTPS_RESULT_OK && knob_backoff_ms >= 0)
        rc = ftps_config_builder_set_resume_backoff_ms(b, (uint64_t)knob_backoff_ms);
    if (rc == FTPS_RESULT_OK) rc = ftps_config_builder_build(b, &cfg);
    if (rc != FTPS_RESULT_OK) {
        char msg[512];
        size_t n;
        if (ftps_config_builder_error_message(b, msg, sizeof msg, &n) != FTPS_RESULT_OK) msg[0] = 0;
        fprintf(stderr, "    config for %s: %s: %s\n", s->name, ftps_result_str(rc), msg);
    }
    ftps_config_builder_free(b);
    return cfg;
}

/* A connected, logged-in client, or NULL (the reason is printed). */
static ftps_client *connect_login_buffer(const struct server *s, size_t buffer) {
    const ftps_config *cfg = server_config(s, buffer);
    ftps_client *c = NULL;
    if (cfg == NULL) return NULL;
    ftps_result rc = ftps_client_new(cfg, &c);
    ftps_config_free(cfg); /* the client keeps its own reference */
    if (rc != FTPS_RESULT_OK) return NULL;
    rc = ftps_client_connect(c);
    if (rc == FTPS_RESULT_OK) rc = ftps_client_login(c, s->user, s->pass);
    if (rc != FTPS_RESULT_OK) {
        fprintf(stderr, "    connect/login to %s: %s: %s\n", s->name, ftps_result_str(rc),
                client_message(c));
        ftps_client_free(c);
        return NULL;
    }
    return c;
}

static ftps_client *connect_login(const struct server *s) { return connect_login_buffer(s, 0); }

/* Connects, logs in, makes this test's directory and goes into it. */
static ftps_client *open_session_buffer(const struct server *s, size_t buffer) {
    char dir[256];
    ftps_client *c = connect_login_buffer(s, buffer);
    if (c == NULL) return NULL;
    test_dir(dir, sizeof dir);
    ftps_result rc = ftps_client_mkdir(c, dir, strlen(dir));
    if (rc == FTPS_RESULT_OK) rc = ftps_client_cwd(c, dir, strlen(dir));
    if (rc != FTPS_RESULT_OK) {
        fprintf(stderr, "    mkdir/cwd %s: %s: %s\n", dir, ftps_result_str(rc), client_message(c));
        ftps_client_free(c);
        return NULL;
    }
    return c;
}

static ftps_client *open_session(const struct server *s) { return open_session_buffer(s, 0); }

/* Removes this test's directory (one level) and frees the client. */
static void close_session(ftps_client *c) {
    char dir[256];
    ftps_listing *l = NULL;
    if (c == NULL) return;
    test_dir(dir, sizeof dir);
    if (ftps_client_transfer_open(c)) (void)ftps_client_abort_transfer(c);
    if (ftps_client_cwd(c, "/", 1) == FTPS_RESULT_OK &&
        ftps_client_cwd(c, dir, strlen(dir)) == FTPS_RESULT_OK &&
        ftps_client_nlst(c, NULL, 0, &l) == FTPS_RESULT_OK) {
        for (size_t i = 0; i < ftps_listing_count(l); i++) {
            const char *name;
            size_t len;
            if (ftps_listing_entry_name(l, i, &name, &len) == FTPS_RESULT_OK)
                (void)ftps_client_delete(c, name, len);
        }
        ftps_listing_free(l);
        (void)ftps_client_cwd(c, "/", 1);
        (void)ftps_client_rmdir(c, dir, strlen(dir));
    }
    (void)ftps_client_quit(c);
    ftps_client_free(c);
}

/* The local path of a remote file of this test on a server with a local root. */
static void local_of(const struct server *s, const char *name, char *out, size_t len) {
    char dir[256];
    test_dir(dir, sizeof dir);
    snprintf(out, len, "%s/%s/%s", s->root, dir, name);
}

/* Uploads data[0..n) to name from a temporary file (via a file descriptor). */
static int put_bytes(ftps_client *c, const char *name, const unsigned char *data, size_t n) {
    char path[512];
    tmp_path(path, sizeof path, "put");
    if (!write_file(path, data, n)) return 0;
    int fd = open(path, O_RDONLY);
    uint64_t sent = 0;
    ftps_result rc = ftps_client_upload_fd(c, name, strlen(name), fd, 0, &sent);
    close(fd);
    unlink(path);
    if (rc != FTPS_RESULT_OK)
        fprintf(stderr, "    put %s: %s: %s\n", name, ftps_result_str(rc), client_message(c));
    return rc == FTPS_RESULT_OK && sent == n;
}

/* Downloads name into a malloc'd buffer; NULL on failure. */
struct membuf {
    unsigned char *data;
    size_t len, cap;
    int calls;
};

static int membuf_write(void *userdata, const uint8_t *buf, size_t len, size_t *out_n) {
    struct membuf *m = userdata;
    if (m->len + len > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->len + len) cap *= 2;
        unsigned char *nd = realloc(m->data, cap);
        if (nd == NULL) return ENOMEM;
        m->data = nd;
        m->cap = cap;
    }
    memcpy(m->data + m->len, buf, len);
    m->len += len;
    m->calls++;
    *out_n = len;
    return 0;
}

static unsigned char *get_bytes(ftps_client *c, const char *name, size_t *n_out) {
    struct membuf m = {0};
    uint64_t got = 0;
    ftps_result rc = ftps_client_download_cb(c, name, strlen(name), 0, membuf_write, &m, &got);
    if (rc != FTPS_RESULT_OK || got != m.len) {
        fprintf(stderr, "    get %s: %s: %s\n", name, ftps_result_str(rc), client_message(c));
        free(m.data);
        return NULL;
    }
    *n_out = m.len;
    if (m.data == NULL) m.data = malloc(1);
    return m.data;
}

/* A copy of the last reply text (static buffer). */
static const char *reply_text(const ftps_client *c) {
    static char buf[2048];
    size_t n;
    if (ftps_client_last_reply_text(c, buf, sizeof buf, &n) != FTPS_RESULT_OK) buf[0] = 0;
    return buf;
}

static unsigned reply_code(const ftps_client *c) {
    uint16_t code = 0;
    if (ftps_client_last_reply_code(c, &code) != FTPS_RESULT_OK) return 0;
    return code;
}

/* ------------------------------------------------------------------------ */
/* Offline: the conventions                                                 */
/* ------------------------------------------------------------------------ */

static int t_version_macros_match_the_library(const struct server *s) {
    (void)s;
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", FTPS_VERSION_MAJOR, FTPS_VERSION_MINOR,
             FTPS_VERSION_PATCH);
    CHECK(ftps_version() != NULL);
    if (strcmp(ftps_version(), want) != 0)
        FAILF("library %s, header %s", ftps_version(), want);
    return PASS;
}

static int t_result_codes_have_static_strings(const struct server *s) {
    (void)s;
    const ftps_result codes[] = {
        FTPS_RESULT_OK, FTPS_RESULT_NULL_PARAMETER, FTPS_RESULT_INVALID_HANDLE,
        FTPS_RESULT_INVALID_ARGUMENT, FTPS_RESULT_INSUFFICIENT_SIZE, FTPS_RESULT_BUSY,
        FTPS_RESULT_NOT_AVAILABLE, FTPS_RESULT_CALLBACK_FAILED, FTPS_RESULT_PANIC,
        FTPS_RESULT_STATE, FTPS_RESULT_CONFIG, FTPS_RESULT_LOCAL_IO, FTPS_RESULT_CONNECT,
        FTPS_RESULT_TIMEOUT, FTPS_RESULT_CONNECTION_LOST, FTPS_RESULT_IO,
        FTPS_RESULT_TLS_NOT_AVAILABLE, FTPS_RESULT_DATA_AFTER_AUTH_REPLY, FTPS_RESULT_TLS,
        FTPS_RESULT_CERTIFICATE, FTPS_RESULT_PIN_MISMATCH, FTPS_RESULT_DATA_CERTIFICATE_MISMATCH,
        FTPS_RESULT_SESSION_REUSE_REFUSED, FTPS_RESULT_LOGIN_REJECTED, FTPS_RESULT_REPLY,
        FTPS_RESULT_PROTOCOL, FTPS_RESULT_TRUNCATED, FTPS_RESULT_CANCELLED, FTPS_RESULT_INTEGRITY,
        FTPS_RESULT_OTHER,
    };
    /* The numbers are part of the ABI. */
    CHECK(FTPS_RESULT_OK == 0 && FTPS_RESULT_NULL_PARAMETER == 1 && FTPS_RESULT_PANIC == 8);
    CHECK(FTPS_RESULT_STATE == 100 && FTPS_RESULT_CANCELLED == 118 && FTPS_RESULT_OTHER == 199);
    CHECK(FTPS_RESULT_INTEGRITY == 119);
    CHECK(FTPS_SESSION_STAT_RETRIED == 6 && FTPS_SESSION_STAT_RECONNECTS == 7 && FTPS_SESSION_STAT_RESUMES == 8);
    CHECK(FTPS_VERIFY_AUTO == 1 && FTPS_VERIFY_REQUIRED == 2 && FTPS_VERIFY_OFF == 3);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *str = ftps_result_str(codes[i]);
        CHECK(str != NULL && str[0] != '\0');
        CHECK(strcmp(str, "unknown ftps_result") != 0);
        CHECK(ftps_result_str(codes[i]) == str); /* static: the same pointer every time */
    }
    CHECK(strcmp(ftps_result_str(4242), "unknown ftps_result") == 0);
    CHECK(strcmp(ftps_result_str(UINT32_MAX), "unknown ftps_result") == 0);
    return PASS;
}

static int t_caller_null_handles_are_rejected(const struct server *s) {
    (void)s;
    char buf[16];
    size_t n = 7;
    uint16_t code = 7;
    uint64_t u = 7;
    bool yes = true;
    const char *p = NULL;
    ftps_time t = {7, 7};
    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    ftps_client *c = NULL;
    ftps_listing *l = NULL;
    const ftps_result NP = FTPS_RESULT_NULL_PARAMETER;

    /* Every _free accepts NULL. */
    ftps_config_builder_free(NULL);
    ftps_config_free(NULL);
    ftps_client_free(NULL);
    ftps_listing_free(NULL);

    CHECK_RC(NULL, ftps_config_builder_new(NULL, &b), NP);
    CHECK(b == NULL);
    CHECK_RC(NULL, ftps_config_builder_set_port(NULL, 21), NP);
    CHECK_RC(NULL, ftps_config_builder_set_mode(NULL, FTPS_MODE_IMPLICIT), NP);
    CHECK_RC(NULL, ftps_config_builder_add_ca_file(NULL, "x"), NP);
    CHECK_RC(NULL, ftps_config_builder_danger_accept_invalid_certs(NULL, true), NP);
    CHECK_RC(NULL, ftps_config_builder_set_tls_records_in_place(NULL, true), NP);
    CHECK_RC(NULL, ftps_config_builder_build(NULL, &cfg), NP);
    CHECK(cfg == NULL);
    CHECK_RC(NULL, ftps_config_builder_error_message(NULL, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_client_new(NULL, &c), NP);
    CHECK(c == NULL);
    CHECK_RC(NULL, ftps_client_connect(NULL), NP);
    CHECK_RC(NULL, ftps_client_login(NULL, "u", "p"), NP);
    CHECK_RC(NULL, ftps_client_quit(NULL), NP);
    CHECK_RC(NULL, ftps_client_cwd(NULL, "x", 1), NP);
    CHECK_RC(NULL, ftps_client_mkdir(NULL, "x", 1), NP);
    CHECK_RC(NULL, ftps_client_rmdir(NULL, "x", 1), NP);
    CHECK_RC(NULL, ftps_client_delete(NULL, "x", 1), NP);
    CHECK_RC(NULL, ftps_client_rename(NULL, "x", 1, "y", 1), NP);
    CHECK_RC(NULL, ftps_client_pwd(NULL, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_client_size(NULL, "x", 1, &u), NP);
    CHECK_RC(NULL, ftps_client_mdtm(NULL, "x", 1, &t), NP);
    CHECK_RC(NULL, ftps_client_set_mtime(NULL, "x", 1, t), NP);
    CHECK_RC(NULL, ftps_client_site(NULL, "x", 1), NP);
    CHECK_RC(NULL, ftps_client_quote(NULL, "NOOP", 4, &code), NP);
    CHECK_RC(NULL, ftps_client_noop(NULL), NP);
    CHECK_RC(NULL, ftps_client_cdup(NULL), NP);
    CHECK_RC(NULL, ftps_client_list(NULL, NULL, 0, &l), NP);
    CHECK_RC(NULL, ftps_client_mlsd(NULL, NULL, 0, &l), NP);
    CHECK_RC(NULL, ftps_client_nlst(NULL, NULL, 0, &l), NP);
    CHECK_RC(NULL, ftps_client_mlst(NULL, "x", 1, &l), NP);
    CHECK(l == NULL);
    CHECK_RC(NULL, ftps_client_download_fd(NULL, "x", 1, 1, 0, &u), NP);
    CHECK_RC(NULL, ftps_client_upload_fd(NULL, "x", 1, 0, 0, &u), NP);
    CHECK_RC(NULL, ftps_client_download_path(NULL, "x", 1, "/tmp/x", false, &u), NP);
    CHECK_RC(NULL, ftps_client_upload_path(NULL, "x", 1, "/tmp/x", false, &u), NP);
    CHECK_RC(NULL, ftps_client_download_cb(NULL, "x", 1, 0, membuf_write, NULL, &u), NP);
    CHECK_RC(NULL, ftps_client_start_download(NULL, "x", 1, 0), NP);
    CHECK_RC(NULL, ftps_client_read(NULL, (uint8_t *)buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_client_write(NULL, (const uint8_t *)buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_client_finish_transfer(NULL), NP);
    CHECK_RC(NULL, ftps_client_abort_transfer(NULL), NP);
    CHECK_RC(NULL, ftps_client_set_progress(NULL, NULL, NULL), NP);
    CHECK_RC(NULL, ftps_client_set_transcript(NULL, NULL, NULL), NP);
    CHECK_RC(NULL, ftps_client_error_message(NULL, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_client_last_reply_code(NULL, &code), NP);
    CHECK_RC(NULL, ftps_client_last_reply_text(NULL, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_client_last_error_is_fatal(NULL, &yes), NP);
    CHECK_RC(NULL, ftps_client_tls_version(NULL, FTPS_TLS_CONNECTION_CONTROL, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_client_tls_resumed(NULL, FTPS_TLS_CONNECTION_CONTROL, &yes), NP);
    CHECK_RC(NULL, ftps_client_session_stat(NULL, FTPS_SESSION_STAT_DATA_RESUMED, &u), NP);
    CHECK_RC(NULL, ftps_client_feature(NULL, "EPSV", buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_config_builder_set_verify(NULL, FTPS_VERIFY_REQUIRED), NP);
    CHECK_RC(NULL, ftps_config_builder_set_atomic_uploads(NULL, true), NP);
    CHECK_RC(NULL, ftps_config_builder_set_resume_attempts(NULL, 1), NP);
    CHECK_RC(NULL, ftps_config_builder_set_resume_backoff_ms(NULL, 1), NP);
    CHECK_RC(NULL, ftps_transfer_options_init(NULL, sizeof(ftps_transfer_options)), NP);
    CHECK_RC(NULL, ftps_client_download_fd_ex(NULL, "x", 1, 1, 0, NULL, &u), NP);
    CHECK_RC(NULL, ftps_client_upload_fd_ex(NULL, "x", 1, 0, 0, NULL, &u), NP);
    CHECK_RC(NULL, ftps_client_download_path_ex(NULL, "x", 1, "/tmp/x", false, NULL, &u), NP);
    CHECK_RC(NULL, ftps_client_upload_path_ex(NULL, "x", 1, "/tmp/x", false, NULL, &u), NP);
    CHECK_RC(NULL, ftps_client_download_cb_ex(NULL, "x", 1, 0, membuf_write, NULL, NULL, &u), NP);
    CHECK_RC(NULL, ftps_client_upload_cb_ex(NULL, "x", 1, 0, NULL, NULL, NULL, &u), NP);
    CHECK_RC(NULL, ftps_client_reconnect(NULL), NP);
    CHECK_RC(NULL, ftps_client_last_integrity_check(NULL, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_client_last_integrity_local(NULL, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_client_last_integrity_remote(NULL, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_client_left_behind_count(NULL, &n), NP);
    CHECK_RC(NULL, ftps_client_left_behind_path(NULL, 0, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_listing_entry_name(NULL, 0, &p, &n), NP);
    CHECK_RC(NULL, ftps_listing_entry_size(NULL, 0, &u), NP);
    CHECK_RC(NULL, ftps_listing_skipped_line(NULL, 0, &p, &n), NP);
    CHECK(!ftps_client_is_logged_in(NULL));
    CHECK(!ftps_client_transfer_open(NULL));
    CHECK(ftps_listing_count(NULL) == 0);
    CHECK(ftps_listing_skipped_count(NULL) == 0);
    /* Out-parameters were never written. */
    CHECK(n == 7 && code == 7 && u == 7 && yes && p == NULL && t.unix_seconds == 7);
    return PASS;
}

/* A client that is not connected, for offline tests. */
static ftps_client *offline_client(void) {
    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    ftps_client *c = NULL;
    if (ftps_config_builder_new("127.0.0.1", &b) != FTPS_RESULT_OK) return NULL;
    if (ftps_config_builder_build(b, &cfg) == FTPS_RESULT_OK) (void)ftps_client_new(cfg, &c);
    ftps_config_free(cfg);
    ftps_config_builder_free(b);
    return c;
}

static int t_caller_null_out_pointers_are_rejected(const struct server *s) {
    (void)s;
    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    char buf[64];
    size_t n = 7;
    CHECK_RC(NULL, ftps_config_builder_new("h", NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK_OK(NULL, ftps_config_builder_new("h", &b));
    CHECK_RC(NULL, ftps_config_builder_build(b, NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK_OK(NULL, ftps_config_builder_error_message(b, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "config_out is NULL") == 0 && n == strlen(buf));
    CHECK_RC(NULL, ftps_config_builder_error_message(b, buf, sizeof buf, NULL),
             FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(NULL, ftps_config_builder_error_message(b, NULL, 10, &n), FTPS_RESULT_NULL_PARAMETER);
    CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
    CHECK_RC(NULL, ftps_client_new(cfg, NULL), FTPS_RESULT_NULL_PARAMETER);
    ftps_config_free(cfg);
    ftps_config_builder_free(b);

    ftps_client *c = offline_client();
    CHECK(c != NULL);
    CHECK_RC(c, ftps_client_size(c, "x", 1, NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK(strcmp(client_message(c), "size_out is NULL") == 0);
    CHECK_RC(c, ftps_client_list(c, NULL, 0, NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_pwd(c, buf, sizeof buf, NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_quote(c, "NOOP", 4, NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_read(c, NULL, 10, &n), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_download_cb(c, "x", 1, 0, NULL, NULL, NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK(strcmp(client_message(c), "callback is NULL") == 0);
    CHECK_RC(c, ftps_client_upload_cb(c, "x", 1, 0, NULL, NULL, NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_cwd(c, NULL, 3), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_login(c, NULL, "p"), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_last_reply_code(c, NULL), FTPS_RESULT_NULL_PARAMETER);
    ftps_client_free(c);
    return PASS;
}

static int t_caller_double_free_is_harmless(const struct server *s) {
    (void)s;
    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    ftps_client *c = NULL;
    CHECK_OK(NULL, ftps_config_builder_new("127.0.0.1", &b));
    CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
    CHECK_OK(NULL, ftps_client_new(cfg, &c));
    ftps_config_builder_free(b);
    ftps_config_builder_free(b);
    ftps_config_free(cfg);
    ftps_config_free(cfg);
    /* The client still works after its configuration was freed (twice). */
    CHECK_RC(c, ftps_client_noop(c), FTPS_RESULT_STATE);
    ftps_client_free(c);
    ftps_client_free(c);
    /* A freed handle is recognised, not dereferenced. */
    CHECK_RC(NULL, ftps_client_noop(c), FTPS_RESULT_INVALID_HANDLE);
    CHECK_RC(NULL, ftps_config_builder_set_port(b, 21), FTPS_RESULT_INVALID_HANDLE);
    CHECK_RC(NULL, ftps_client_new(cfg, &c), FTPS_RESULT_INVALID_HANDLE);
    return PASS;
}

static int t_caller_foreign_or_wrong_type_handle_is_rejected(const struct server *s) {
    (void)s;
    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    ftps_client *c = NULL;
    long not_a_handle[8] = {0};
    char buf[8];
    size_t n;
    CHECK_OK(NULL, ftps_config_builder_new("127.0.0.1", &b));
    CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
    /* A configuration passed as a client, a builder as a configuration, stack memory. */
    CHECK_RC(NULL, ftps_client_noop((ftps_client *)(void *)cfg), FTPS_RESULT_INVALID_HANDLE);
    CHECK_RC(NULL, ftps_client_new((const ftps_config *)(void *)b, &c), FTPS_RESULT_INVALID_HANDLE);
    CHECK_RC(NULL, ftps_client_error_message((ftps_client *)(void *)not_a_handle, buf, sizeof buf, &n),
             FTPS_RESULT_INVALID_HANDLE);
    CHECK(ftps_listing_count((ftps_listing *)(void *)not_a_handle) == 0);
    ftps_listing_free((ftps_listing *)(void *)cfg); /* wrong type: ignored */
    ftps_client_free((ftps_client *)(void *)not_a_handle); /* not ours: ignored */
    CHECK_OK(NULL, ftps_client_new(cfg, &c));
    ftps_client_free(c);
    ftps_config_free(cfg);
    ftps_config_builder_free(b);
    return PASS;
}

static int t_caller_length_zero_is_rejected(const struct server *s) {
    (void)s;
    ftps_client *c = offline_client();
    ftps_config_builder *b = NULL;
    char buf[64];
    size_t n = 0;
    CHECK(c != NULL);
    CHECK_RC(c, ftps_client_cwd(c, "x", 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(client_message(c), "length 0") != NULL);
    CHECK_RC(c, ftps_client_delete(c, "", 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_rename(c, "a", 1, "b", 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_quote(c, "NOOP", 0, (uint16_t *)(void *)buf), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_read(c, (uint8_t *)buf, 0, &n), FTPS_RESULT_INVALID_ARGUMENT);
    /* Output buffers of length 0: the size needed comes back, nothing is written. */
    CHECK_RC(c, ftps_client_error_message(c, NULL, 0, &n), FTPS_RESULT_INSUFFICIENT_SIZE);
    CHECK(n == strlen("len is 0 (0 bytes read would mean the end of the data)") + 1);
    memset(buf, 'Z', sizeof buf);
    CHECK_RC(c, ftps_client_error_message(c, buf, 5, &n), FTPS_RESULT_INSUFFICIENT_SIZE);
    CHECK(buf[0] == 'Z' && buf[4] == 'Z');
    CHECK_OK(c, ftps_client_error_message(c, buf, sizeof buf, &n));
    CHECK(n == strlen(buf) && buf[n] == '\0');
    /* Getters do not change the message. */
    CHECK_OK(c, ftps_client_error_message(c, buf, sizeof buf, &n));
    CHECK(strncmp(buf, "len is 0", 8) == 0);

    CHECK_OK(NULL, ftps_config_builder_new("h", &b));
    CHECK_RC(NULL, ftps_config_builder_add_ca_pem(b, (const uint8_t *)"x", 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_add_ca_file(b, ""), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_set_connect_timeout_ms(b, 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_set_max_reply_line(b, 0), FTPS_RESULT_INVALID_ARGUMENT);
    ftps_config_builder_free(b);
    ftps_client_free(c);
    return PASS;
}

static int t_e2_interior_nul_is_rejected(const struct server *s) {
    (void)s;
    ftps_client *c = offline_client();
    uint64_t u = 0;
    CHECK(c != NULL);
    CHECK_RC(c, ftps_client_cwd(c, "dir\0DELE x", 10), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(client_message(c), "NUL byte at offset 3") != NULL);
    CHECK_RC(c, ftps_client_size(c, "\0", 1, &u), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_site(c, "CHMOD 644 a\0b", 13), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_rename(c, "a", 1, "b\0", 2), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_start_download(c, "f\0", 2, 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(u == 0);
    ftps_client_free(c);
    return PASS;
}

static int t_config_builder_rejects_bad_values(const struct server *s) {
    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    char msg[512];
    size_t n;
    /* Any readable CA file: the real servers' spare CA, else the test server's (make check). */
    const char *wrong_ca = env("FTPS_TEST_WRONG_CA") ? env("FTPS_TEST_WRONG_CA") : env("FTPS_TESTSERVER_CA");
    (void)s;
    CHECK_RC(NULL, ftps_config_builder_new("\xff\xfe", &b), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(b == NULL);
    /* E1: CR/LF in the host is refused when the configuration is built. */
    CHECK_OK(NULL, ftps_config_builder_new("ftp.example.com\r\nUSER x", &b));
    CHECK_RC(NULL, ftps_config_builder_build(b, &cfg), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(cfg == NULL);
    ftps_config_builder_free(b);

    CHECK_OK(NULL, ftps_config_builder_new("127.0.0.1", &b));
    CHECK_RC(NULL, ftps_config_builder_set_port(b, 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_OK(NULL, ftps_config_builder_error_message(b, msg, sizeof msg, &n));
    CHECK(strstr(msg, "invalid port: 0 is not a port") != NULL); /* the core's message */
    CHECK_RC(NULL, ftps_config_builder_set_mode(b, 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_set_mode(b, 99), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_set_transfer_type(b, 7), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_set_min_tls_version(b, 0x0301), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_set_data_connection_mode(b, FTPS_DATA_CONNECTION_MODE_ACTIVE, "not-an-ip"),
             FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_set_data_connection_mode(b, FTPS_DATA_CONNECTION_MODE_PASSIVE, "127.0.0.1"),
             FTPS_RESULT_INVALID_ARGUMENT);
    /* The failed setters changed nothing: the builder still builds. */
    CHECK_OK(NULL, ftps_config_builder_error_message(b, msg, sizeof msg, &n));
    CHECK(n > 0);
    CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
    ftps_config_free(cfg);
    cfg = NULL;
    CHECK_OK(NULL, ftps_config_builder_error_message(b, msg, sizeof msg, &n));
    CHECK(n == 0 && msg[0] == '\0');

    /* Errors found by build: each with its code and a detailed message; the builder
       stays usable. */
    CHECK_OK(NULL, ftps_config_builder_set_min_tls_version(b, FTPS_TLS_VERSION_TLS13));
    CHECK_OK(NULL, ftps_config_builder_set_max_tls_version(b, FTPS_TLS_VERSION_TLS12));
    CHECK_RC(NULL, ftps_config_builder_build(b, &cfg), FTPS_RESULT_CONFIG);
    CHECK_OK(NULL, ftps_config_builder_error_message(b, msg, sizeof msg, &n));
    CHECK(strstr(msg, "minimum TLS version") != NULL);
    CHECK_OK(NULL, ftps_config_builder_set_max_tls_version(b, FTPS_TLS_VERSION_TLS13));
    CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
    ftps_config_free(cfg);
    cfg = NULL;
    CHECK_OK(NULL, ftps_config_builder_add_ca_file(b, "/nonexistent/ca.pem"));
    CHECK_RC(NULL, ftps_config_builder_build(b, &cfg), FTPS_RESULT_LOCAL_IO);
    CHECK_OK(NULL, ftps_config_builder_error_message(b, msg, sizeof msg, &n));
    CHECK(strstr(msg, "/nonexistent/ca.pem") != NULL);
    ftps_config_builder_free(b);

    CHECK_OK(NULL, ftps_config_builder_new("127.0.0.1", &b));
    CHECK_OK(NULL, ftps_config_builder_add_pin_sha256(b, "abc"));
    /* Later setters are judged on their own values; the malformed pin fails the build. */
    CHECK_OK(NULL, ftps_config_builder_set_port(b, 2121));
    CHECK_RC(NULL, ftps_config_builder_set_port(b, 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_build(b, &cfg), FTPS_RESULT_CONFIG);
    ftps_config_builder_free(b);
    CHECK_OK(NULL, ftps_config_builder_new("127.0.0.1", &b));
    CHECK_OK(NULL, ftps_config_builder_set_pin_replaces_ca(b, true));
    CHECK_RC(NULL, ftps_config_builder_build(b, &cfg), FTPS_RESULT_CONFIG);
    ftps_config_builder_free(b);
    CHECK_OK(NULL, ftps_config_builder_new("127.0.0.1", &b));
    CHECK_OK(NULL, ftps_config_builder_add_ca_pem(b, (const uint8_t *)"not a pem", 9));
    CHECK_RC(NULL, ftps_config_builder_build(b, &cfg), FTPS_RESULT_CONFIG);
    ftps_config_builder_free(b);
    CHECK(cfg == NULL);

    /* Every other setter accepts its values. */
    CHECK_OK(NULL, ftps_config_builder_new("localhost", &b));
    CHECK_OK(NULL, ftps_config_builder_set_auth_command(b, FTPS_AUTH_COMMAND_SSL));
    CHECK_OK(NULL, ftps_config_builder_set_data_protection(b, FTPS_DATA_PROTECTION_INSECURE_CLEAR));
    CHECK_OK(NULL, ftps_config_builder_set_data_connection_mode(b, FTPS_DATA_CONNECTION_MODE_ACTIVE, "::1"));
    CHECK_OK(NULL, ftps_config_builder_insecure_trust_pasv_address(b, true));
    CHECK_OK(NULL, ftps_config_builder_set_data_connect_timeout_ms(b, 1000));
    CHECK_OK(NULL, ftps_config_builder_set_data_idle_timeout_ms(b, 1000));
    CHECK_OK(NULL, ftps_config_builder_set_max_reply(b, 4096));
    CHECK_OK(NULL, ftps_config_builder_set_max_listing(b, 1 << 20));
    CHECK_OK(NULL, ftps_config_builder_set_max_listing_line(b, 4096));
    CHECK_OK(NULL, ftps_config_builder_set_tcp_keepalive_ms(b, 0));
    CHECK_OK(NULL, ftps_config_builder_set_tcp_nodelay(b, false));
    CHECK_OK(NULL, ftps_config_builder_set_tls_records_in_place(b, false));
    CHECK_OK(NULL, ftps_config_builder_set_tls_records_in_place(b, true));
    CHECK_OK(NULL, ftps_config_builder_set_transfer_type(b, FTPS_TRANSFER_TYPE_ASCII));
    CHECK_OK(NULL, ftps_config_builder_set_utf8(b, false));
    CHECK_OK(NULL, ftps_config_builder_set_tls_server_name(b, "ftp.example.com"));
    CHECK_OK(NULL, ftps_config_builder_set_system_roots(b, false));
    CHECK_OK(NULL, ftps_config_builder_set_alpn(b, false));
    CHECK_OK(NULL, ftps_config_builder_danger_accept_invalid_certs(b, true));
    CHECK_OK(NULL, ftps_config_builder_add_pin_sha256(b, "sha256//q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="));
    CHECK_OK(NULL, ftps_config_builder_set_buffer_size(b, 1));
    CHECK_OK(NULL, ftps_config_builder_set_verify(b, FTPS_VERIFY_REQUIRED));
    CHECK_OK(NULL, ftps_config_builder_set_verify(b, FTPS_VERIFY_OFF));
    CHECK_OK(NULL, ftps_config_builder_set_pipelining(b, FTPS_PIPELINING_ALWAYS));
    CHECK_OK(NULL, ftps_config_builder_set_pipelining(b, FTPS_PIPELINING_OFF));
    CHECK_OK(NULL, ftps_config_builder_set_atomic_uploads(b, true));
    CHECK_OK(NULL, ftps_config_builder_set_resume_attempts(b, 0));
    CHECK_OK(NULL, ftps_config_builder_set_resume_attempts(b, UINT32_MAX));
    CHECK_OK(NULL, ftps_config_builder_set_resume_backoff_ms(b, 0));
    CHECK_OK(NULL, ftps_config_builder_set_resume_backoff_ms(b, 3600000));
    /* Refused values: the core's refusal, reported by the setter itself. */
    CHECK_RC(NULL, ftps_config_builder_set_verify(b, 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_set_verify(b, 4), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_OK(NULL, ftps_config_builder_error_message(b, msg, sizeof msg, &n));
    CHECK(strstr(msg, "ftps_verify") != NULL);
    CHECK_RC(NULL, ftps_config_builder_set_pipelining(b, 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(NULL, ftps_config_builder_set_pipelining(b, 4), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_OK(NULL, ftps_config_builder_error_message(b, msg, sizeof msg, &n));
    CHECK(strstr(msg, "ftps_pipelining") != NULL);
    CHECK_RC(NULL, ftps_config_builder_set_resume_backoff_ms(b, 3600001), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_OK(NULL, ftps_config_builder_error_message(b, msg, sizeof msg, &n));
    CHECK(strstr(msg, "resume_backoff") != NULL);
    if (wrong_ca != NULL) CHECK_OK(NULL, ftps_config_builder_add_ca_file(b, wrong_ca));
    CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
    ftps_config_free(cfg);
    ftps_config_builder_free(b);
    return PASS;
}

static int t_calls_before_connect_fail_with_state(const struct server *s) {
    (void)s;
    ftps_client *c = offline_client();
    char buf[64];
    size_t n;
    uint16_t code;
    CHECK(c != NULL);
    CHECK_RC(c, ftps_client_noop(c), FTPS_RESULT_STATE);
    CHECK(strstr(client_message(c), "ftps_client_connect") != NULL);
    CHECK_RC(c, ftps_client_login(c, "u", "p"), FTPS_RESULT_STATE);
    CHECK_RC(c, ftps_client_finish_transfer(c), FTPS_RESULT_STATE);
    CHECK_RC(c, ftps_client_last_reply_code(c, &code), FTPS_RESULT_NOT_AVAILABLE);
    CHECK_RC(c, ftps_client_greeting(c, buf, sizeof buf, &n), FTPS_RESULT_STATE);
    CHECK_RC(c, ftps_client_tls_version(c, FTPS_TLS_CONNECTION_CONTROL, buf, sizeof buf, &n), FTPS_RESULT_STATE);
    CHECK_OK(c, ftps_client_quit(c)); /* nothing to quit: fine */
    CHECK(!ftps_client_is_logged_in(c));
    ftps_client_free(c);
    return PASS;
}

static int t_connect_to_a_closed_port_is_a_connect_error(const struct server *s) {
    (void)s;
    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    ftps_client *c = NULL;
    bool fatal = false;
    CHECK_OK(NULL, ftps_config_builder_new("127.0.0.1", &b));
    CHECK_OK(NULL, ftps_config_builder_set_port(b, 1));
    CHECK_OK(NULL, ftps_config_builder_set_connect_timeout_ms(b, 3000));
    CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
    CHECK_OK(NULL, ftps_client_new(cfg, &c));
    CHECK_RC(c, ftps_client_connect(c), FTPS_RESULT_CONNECT);
    CHECK(strstr(client_message(c), "127.0.0.1:1") != NULL);
    CHECK_OK(c, ftps_client_last_error_is_fatal(c, &fatal));
    CHECK(fatal);
    ftps_client_free(c);
    ftps_config_free(cfg);
    ftps_config_builder_free(b);
    return PASS;
}

/* G5/G6 offline: per-call options (ftps_transfer_options) are checked before anything
   is sent, and the new getters answer on a client that never connected. */
static int t_g5_transfer_options_are_checked_before_anything_is_sent(const struct server *s) {
    (void)s;
    ftps_transfer_options o, bad;
    struct {
        ftps_transfer_options v1;
        uint32_t later[2];
    } newer;
    char buf[64];
    size_t n = 7;
    uint64_t u = 7;
    ftps_client *c = offline_client();
    CHECK(c != NULL);
    memset(&o, 0, sizeof o);
    CHECK_OK(c, ftps_transfer_options_init(&o, sizeof o));
    CHECK(o.struct_size == sizeof o && o.verify == FTPS_TRANSFER_DEFAULT &&
          o.atomic_upload == FTPS_TRANSFER_DEFAULT && o.resume_attempts == FTPS_TRANSFER_DEFAULT);
    CHECK_RC(c, ftps_transfer_options_init(&bad, 3), FTPS_RESULT_INVALID_ARGUMENT);
    /* Good options reach the session check (not connected: STATE); NULL is "defaults". */
    CHECK_RC(c, ftps_client_download_path_ex(c, "x", 1, "/tmp/x", false, &o, &u), FTPS_RESULT_STATE);
    CHECK_RC(c, ftps_client_download_path_ex(c, "x", 1, "/tmp/x", false, NULL, &u), FTPS_RESULT_STATE);
    /* A zeroed struct (no init), a bad verify or atomic_upload value: refused first. */
    memset(&bad, 0, sizeof bad);
    CHECK_RC(c, ftps_client_download_cb_ex(c, "x", 1, 0, membuf_write, NULL, &bad, &u),
             FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(client_message(c), "ftps_transfer_options_init") != NULL);
    bad = o;
    bad.verify = 0;
    CHECK_RC(c, ftps_client_upload_path_ex(c, "x", 1, "/tmp/x", false, &bad, &u), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(client_message(c), "ftps_verify") != NULL);
    bad = o;
    bad.atomic_upload = 2;
    CHECK_RC(c, ftps_client_upload_fd_ex(c, "x", 1, 0, 0, &bad, &u), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(client_message(c), "atomic_upload") != NULL);
    /* A caller with a newer header: unknown fields at their default are fine, any other
       value is refused (never ignored). */
    CHECK_OK(c, ftps_transfer_options_init(&newer.v1, sizeof newer));
    CHECK(newer.v1.struct_size == sizeof newer && newer.later[0] == FTPS_TRANSFER_DEFAULT &&
          newer.later[1] == FTPS_TRANSFER_DEFAULT);
    newer.v1.resume_attempts = 0;
    CHECK_RC(c, ftps_client_download_fd_ex(c, "x", 1, 1, 0, &newer.v1, &u), FTPS_RESULT_STATE);
    newer.later[1] = 1;
    CHECK_RC(c, ftps_client_download_fd_ex(c, "x", 1, 1, 0, &newer.v1, &u), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(client_message(c), "does not know") != NULL);
    CHECK(u == 7);
    /* The other new calls on a client that never connected. */
    CHECK_RC(c, ftps_client_reconnect(c), FTPS_RESULT_STATE);
    CHECK_RC(c, ftps_client_last_integrity_check(c, buf, sizeof buf, &n), FTPS_RESULT_NOT_AVAILABLE);
    CHECK_RC(c, ftps_client_last_integrity_local(c, buf, sizeof buf, &n), FTPS_RESULT_NOT_AVAILABLE);
    CHECK_RC(c, ftps_client_last_integrity_remote(c, buf, sizeof buf, &n), FTPS_RESULT_NOT_AVAILABLE);
    CHECK_OK(c, ftps_client_left_behind_count(c, &n));
    CHECK(n == 0);
    CHECK_RC(c, ftps_client_left_behind_path(c, 0, buf, sizeof buf, &n), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_left_behind_count(c, NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_session_stat(c, FTPS_SESSION_STAT_RESUMES, &u), FTPS_RESULT_STATE);
    ftps_client_free(c);
    return PASS;
}

/* H7: the tree calls check their arguments before they need a session. */
static int t_h7_tree_call_arguments_are_checked_before_anything_is_sent(const struct server *s) {
    (void)s;
    ftps_report *r = NULL;
    ftps_client *c = offline_client();
    CHECK(c != NULL);
    CHECK_RC(c, ftps_client_sync(c, "/tmp", "x", 1, 0, 0, &r), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(client_message(c), "ftps_sync_direction") != NULL);
    CHECK_RC(c, ftps_client_sync(c, "/tmp", "x", 1, 3, 0, &r), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_sync(c, "/tmp", "x", 1, FTPS_SYNC_DIRECTION_UPLOAD, 0x100, &r),
             FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(client_message(c), "does not know") != NULL);
    CHECK_RC(c, ftps_client_sync(c, "", "x", 1, FTPS_SYNC_DIRECTION_UPLOAD, 0, &r), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_sync(c, NULL, "x", 1, FTPS_SYNC_DIRECTION_UPLOAD, 0, &r), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_sync(c, "/tmp", "x\0y", 3, FTPS_SYNC_DIRECTION_DOWNLOAD, 0, &r),
             FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_sync(c, "/tmp", NULL, 0, FTPS_SYNC_DIRECTION_DOWNLOAD, 0, NULL),
             FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_upload_dir(c, "/tmp", NULL, 0, true, NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_client_download_dir(c, NULL, 0, NULL, true, &r), FTPS_RESULT_NULL_PARAMETER);
    /* Good arguments reach the session check: not connected. */
    CHECK_RC(c, ftps_client_sync(c, "/tmp", NULL, 0,
                                 FTPS_SYNC_DIRECTION_DOWNLOAD, FTPS_SYNC_DELETE | FTPS_SYNC_DRY_RUN |
                                 FTPS_SYNC_TOP_ONLY | FTPS_SYNC_IGNORE_MTIME, &r),
             FTPS_RESULT_STATE);
    CHECK_RC(c, ftps_client_upload_dir(c, "/tmp", "x", 1, true, &r), FTPS_RESULT_STATE);
    CHECK_RC(c, ftps_client_download_dir(c, "x", 1, "/tmp/x", false, &r), FTPS_RESULT_STATE);
    CHECK(r == NULL);
    /* Report accessors on NULL and on a handle of another type. */
    CHECK(ftps_report_count(NULL) == 0 && ftps_report_skipped_count(NULL) == 0);
    CHECK(ftps_report_bytes(NULL) == 0 && !ftps_report_dry_run(NULL));
    CHECK(ftps_report_count((const ftps_report *)c) == 0);
    ftps_sync_action kind;
    ftps_sync_reason reason;
    const char *p, *why;
    size_t n;
    CHECK(ftps_report_action(NULL, 0, &kind, &reason, &p, &n) == FTPS_RESULT_NULL_PARAMETER);
    CHECK(ftps_report_action((const ftps_report *)c, 0, &kind, &reason, &p, &n) == FTPS_RESULT_INVALID_HANDLE);
    CHECK(ftps_report_skipped(NULL, 0, &p, &n, &why) == FTPS_RESULT_NULL_PARAMETER);
    ftps_report_free(NULL);
    ftps_report_free((ftps_report *)c); /* another type: ignored */
    CHECK_RC(c, ftps_client_noop(c), FTPS_RESULT_STATE); /* the client is still alive */
    ftps_client_free(c);
    return PASS;
}

/* ------------------------------------------------------------------------ */
/* Online: whole sessions                                                   */
/* ------------------------------------------------------------------------ */

static int t_login_and_tls_facts(const struct server *s) {
    ftps_client *c = connect_login(s);
    char buf[128];
    size_t n;
    bool resumed = true;
    uint64_t v;
    CHECK(c != NULL);
    CHECK(ftps_client_is_logged_in(c));
    CHECK_OK(c, ftps_client_tls_version(c, FTPS_TLS_CONNECTION_CONTROL, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "TLSv1.3") == 0 || strcmp(buf, "TLSv1.2") == 0);
    CHECK_OK(c, ftps_client_tls_cipher(c, FTPS_TLS_CONNECTION_CONTROL, buf, sizeof buf, &n));
    CHECK(n > 0 && (strstr(buf, "AES") != NULL || strstr(buf, "CHACHA") != NULL));
    CHECK_OK(c, ftps_client_tls_resumed(c, FTPS_TLS_CONNECTION_CONTROL, &resumed));
    CHECK(!resumed);
    /* No data connection yet. */
    CHECK_RC(c, ftps_client_tls_version(c, FTPS_TLS_CONNECTION_LAST_DATA, buf, sizeof buf, &n),
             FTPS_RESULT_NOT_AVAILABLE);
    CHECK_RC(c, ftps_client_tls_version(c, 77, buf, sizeof buf, &n), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_OK(c, ftps_client_session_stat(c, FTPS_SESSION_STAT_DATA_RESUMED, &v));
    CHECK(v == 0);
    CHECK_RC(c, ftps_client_session_stat(c, 0, &v), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_OK(c, ftps_client_greeting(c, buf, sizeof buf, &n));
    CHECK(n > 0);
    CHECK_OK(c, ftps_client_pwd(c, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "/") == 0 && n == 1);
    CHECK(reply_code(c) == 257);
    /* PWD into a buffer too small: the size needed, buffer untouched. */
    memset(buf, 'Z', sizeof buf);
    CHECK_RC(c, ftps_client_pwd(c, buf, 1, &n), FTPS_RESULT_INSUFFICIENT_SIZE);
    CHECK(n == 2 && buf[0] == 'Z');
    CHECK_OK(c, ftps_client_noop(c));
    CHECK(reply_code(c) == 200);
    CHECK_OK(c, ftps_client_quit(c));
    CHECK(!ftps_client_is_logged_in(c));
    /* The same handle connects again. */
    CHECK_OK(c, ftps_client_connect(c));
    CHECK_OK(c, ftps_client_login(c, s->user, s->pass));
    CHECK_OK(c, ftps_client_noop(c));
    ftps_client_free(c); /* without quit: the library says goodbye */
    return PASS;
}

static int t_upload_download_fd_roundtrip(const struct server *s) {
    enum { N = 300 * 1024 + 17 };
    ftps_client *c = open_session_buffer(s, 64 * 1024);
    unsigned char *data = malloc(N);
    char path[512], local[512];
    uint64_t bytes = 0, size = 0, resumed_count = 0;
    bool resumed = false;
    CHECK(c != NULL && data != NULL);
    fill_pattern(data, N, 1);
    tmp_path(path, sizeof path, "src");
    CHECK(write_file(path, data, N));
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_OK(c, ftps_client_upload_fd(c, "data.bin", 8, fd, 0, &bytes));
    close(fd);
    CHECK(bytes == N);
    /* The last reply is the check's (213 to HASH or SIZE), after the upload's 226. */
    CHECK(reply_code(c) == 213);
    if (s->root != NULL) {
        local_of(s, "data.bin", local, sizeof local);
        CHECK(file_equals(local, data, N)); /* the server has the file */
    }
    CHECK_OK(c, ftps_client_size(c, "data.bin", 8, &size));
    CHECK(size == N);

    tmp_path(path, sizeof path, "dst");
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK_OK(c, ftps_client_download_fd(c, "data.bin", 8, fd, 0, &bytes));
    close(fd);
    CHECK(bytes == N);
    CHECK(file_equals(path, data, N));
    unlink(path);
    tmp_path(path, sizeof path, "src");
    unlink(path);

    /* C1: the data connections resumed the control connection's TLS session. */
    CHECK_OK(c, ftps_client_tls_resumed(c, FTPS_TLS_CONNECTION_LAST_DATA, &resumed));
    CHECK(resumed);
    CHECK_OK(c, ftps_client_session_stat(c, FTPS_SESSION_STAT_DATA_RESUMED, &resumed_count));
    CHECK(resumed_count >= 2);
    free(data);
    close_session(c);
    return PASS;
}

static int t_upload_download_path_and_resume(const struct server *s) {
    enum { N = 200 * 1024, HALF = 70 * 1024 };
    ftps_client *c = open_session(s);
    unsigned char *data = malloc(N);
    char src[512], dst[512];
    uint64_t bytes = 0;
    CHECK(c != NULL && data != NULL);
    fill_pattern(data, N, 2);
    tmp_path(src, sizeof src, "src");
    tmp_path(dst, sizeof dst, "dst");
    /* Upload the first part, then resume the upload from the remote size. */
    CHECK(write_file(src, data, HALF));
    CHECK_OK(c, ftps_client_upload_path(c, "r.bin", 5, src, false, &bytes));
    CHECK(bytes == HALF);
    CHECK(write_file(src, data, N));
    CHECK_OK(c, ftps_client_upload_path(c, "r.bin", 5, src, true, &bytes));
    CHECK(bytes == N - HALF);
    /* Download a part (as if interrupted), then resume the download. */
    CHECK(write_file(dst, data, HALF));
    CHECK_OK(c, ftps_client_download_path(c, "r.bin", 5, dst, true, &bytes));
    CHECK(bytes == N - HALF);
    CHECK(file_equals(dst, data, N));
    /* Nothing left to resume: 0 bytes. */
    CHECK_OK(c, ftps_client_download_path(c, "r.bin", 5, dst, true, &bytes));
    CHECK(bytes == 0);
    /* Without resume: a fresh copy replaces the file. */
    CHECK(write_file(dst, (const unsigned char *)"old", 3));
    CHECK_OK(c, ftps_client_download_path(c, "r.bin", 5, dst, false, NULL));
    CHECK(file_equals(dst, data, N));
    /* A failed download never clobbers the existing file. */
    CHECK_RC(c, ftps_client_download_path(c, "missing.bin", 11, dst, false, &bytes), FTPS_RESULT_REPLY);
    CHECK(file_equals(dst, data, N));
    unlink(src);
    unlink(dst);
    free(data);
    close_session(c);
    return PASS;
}

struct source {
    const unsigned char *data;
    size_t len, pos, chunk;
    int calls;
};

static int source_read(void *userdata, uint8_t *buf, size_t len, size_t *out_n) {
    struct source *src = userdata;
    size_t n = src->len - src->pos;
    if (n > len) n = len;
    if (n > src->chunk) n = src->chunk;
    memcpy(buf, src->data + src->pos, n);
    src->pos += n;
    src->calls++;
    *out_n = n;
    return 0;
}

struct progress_log {
    int calls;
    uint64_t last_done, last_total;
};

static int record_progress(void *userdata, uint64_t done, uint64_t total) {
    struct progress_log *p = userdata;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
    return 0;
}

static int t_transfer_callbacks_roundtrip(const struct server *s) {
    enum { N = 100 * 1000 + 3 };
    ftps_client *c = open_session_buffer(s, 16 * 1024);
    unsigned char *data = malloc(N);
    struct source src = {0};
    struct membuf m = {0};
    struct progress_log up = {0}, down = {0};
    uint64_t bytes = 0;
    CHECK(c != NULL && data != NULL);
    fill_pattern(data, N, 3);
    src.data = data;
    src.len = N;
    src.chunk = 7000; /* short reads are fine */
    CHECK_OK(c, ftps_client_set_progress(c, record_progress, &up));
    CHECK_OK(c, ftps_client_upload_cb(c, "cb.bin", 6, 0, source_read, &src, &bytes));
    CHECK(bytes == N && src.pos == N && src.calls > 2);
    CHECK(up.calls > 2 && up.last_done == N && up.last_total == FTPS_SIZE_UNKNOWN);
    CHECK_OK(c, ftps_client_set_progress(c, record_progress, &down));
    CHECK_OK(c, ftps_client_download_cb(c, "cb.bin", 6, 0, membuf_write, &m, &bytes));
    CHECK(bytes == N && m.len == N && memcmp(m.data, data, N) == 0);
    CHECK(down.calls > 2 && down.last_done == N);
    CHECK(down.last_total == N || down.last_total == FTPS_SIZE_UNKNOWN);
    CHECK_OK(c, ftps_client_set_progress(c, NULL, NULL));
    free(m.data);
    free(data);
    close_session(c);
    return PASS;
}

static int t_download_at_offset_resumes(const struct server *s) {
    enum { N = 50000, OFF = 12345 };
    ftps_client *c = open_session(s);
    unsigned char *data = malloc(N);
    struct membuf m = {0};
    uint64_t bytes = 0;
    CHECK(c != NULL && data != NULL);
    fill_pattern(data, N, 4);
    CHECK(put_bytes(c, "off.bin", data, N));
    CHECK_OK(c, ftps_client_download_cb(c, "off.bin", 7, OFF, membuf_write, &m, &bytes));
    CHECK(bytes == N - OFF && m.len == N - OFF);
    CHECK(memcmp(m.data, data + OFF, N - OFF) == 0);
    free(m.data);
    /* Upload at an offset: REST + STOR overwrites from there on. */
    struct source src = {data, 100, 0, 100, 0};
    CHECK_OK(c, ftps_client_upload_cb(c, "off.bin", 7, 10, source_read, &src, &bytes));
    CHECK(bytes == 100);
    size_t got = 0;
    unsigned char *back = get_bytes(c, "off.bin", &got);
    CHECK(back != NULL);
    CHECK(got >= 110 && memcmp(back, data, 10) == 0 && memcmp(back + 10, data, 100) == 0);
    /* Whether the rest survives is the server's choice (vsftpd keeps it). */
    CHECK(got == 110 || (got == N && memcmp(back + 110, data + 110, N - 110) == 0));
    free(back);
    free(data);
    close_session(c);
    return PASS;
}

static int t_streaming_transfers(const struct server *s) {
    ftps_client *c = open_session(s);
    uint8_t buf[4096];
    size_t n = 0, total = 0;
    CHECK(c != NULL);
    CHECK_OK(c, ftps_client_start_upload(c, "s.txt", 5, FTPS_UPLOAD_MODE_REPLACE, 0));
    CHECK(ftps_client_transfer_open(c));
    /* Other commands wait for the transfer. */
    CHECK_RC(c, ftps_client_noop(c), FTPS_RESULT_STATE);
    CHECK_RC(c, ftps_client_read(c, buf, sizeof buf, &n), FTPS_RESULT_STATE);
    CHECK_OK(c, ftps_client_write(c, (const uint8_t *)"hello ", 6, &n));
    CHECK(n == 6);
    CHECK_OK(c, ftps_client_finish_transfer(c));
    CHECK(!ftps_client_transfer_open(c));
    CHECK_OK(c, ftps_client_start_upload(c, "s.txt", 5, FTPS_UPLOAD_MODE_APPEND, 0));
    CHECK_OK(c, ftps_client_write(c, (const uint8_t *)"world", 5, &n));
    CHECK_OK(c, ftps_client_finish_transfer(c));
    CHECK_RC(c, ftps_client_start_upload(c, "s.txt", 5, FTPS_UPLOAD_MODE_REPLACE, 3), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_start_upload(c, "s.txt", 5, 42, 0), FTPS_RESULT_INVALID_ARGUMENT);

    CHECK_OK(c, ftps_client_start_download(c, "s.txt", 5, 0));
    /* docs/threats.md, class "caller", "buffer length 0": refused, and the transfer goes on. */
    CHECK_RC(c, ftps_client_read(c, buf, 0, &n), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(ftps_client_transfer_open(c));
    for (;;) {
        CHECK_OK(c, ftps_client_read(c, buf + total, sizeof buf - total, &n));
        if (n == 0) break;
        total += n;
    }
    CHECK_OK(c, ftps_client_finish_transfer(c));
    CHECK(total == 11 && memcmp(buf, "hello world", 11) == 0);
    CHECK_RC(c, ftps_client_finish_transfer(c), FTPS_RESULT_STATE);

    /* A download stopped early: abort, and the session goes on. */
    enum { N = 200 * 1024 };
    unsigned char *data = malloc(N);
    CHECK(data != NULL);
    fill_pattern(data, N, 5);
    CHECK(put_bytes(c, "big.bin", data, N));
    CHECK_OK(c, ftps_client_start_download(c, "big.bin", 7, 0));
    CHECK_OK(c, ftps_client_read(c, buf, sizeof buf, &n));
    CHECK(n > 0 && memcmp(buf, data, n) == 0);
    CHECK_OK(c, ftps_client_abort_transfer(c));
    CHECK(!ftps_client_transfer_open(c));
    CHECK_OK(c, ftps_client_noop(c));
    /* Finishing a download that was not read to its end is a truncation. */
    CHECK_OK(c, ftps_client_start_download(c, "big.bin", 7, 0));
    CHECK_OK(c, ftps_client_read(c, buf, sizeof buf, &n));
    CHECK_RC(c, ftps_client_finish_transfer(c), FTPS_RESULT_TRUNCATED);
    CHECK_OK(c, ftps_client_noop(c));
    free(data);
    close_session(c);
    return PASS;
}

/* ftps_config_builder_set_tls_records_in_place() does nothing now: every data
   connection runs on rustls's own record layer. The function stays (the ABI never
   removes one), so: it is accepted with false and with true, it is harmless (the
   session and its data connections behave as without it: resumed TLS sessions, no
   full handshakes), and transfers past the first MiB (where the old option switched
   over) are still byte-exact both ways, by callback and through a file descriptor. */
static int t_tls_records_in_place_off_and_on(const struct server *s) {
    enum { N = 2 * 1024 * 1024 + 4321 };
    unsigned char *data = malloc(N);
    char path[512];
    CHECK(data != NULL);
    fill_pattern(data, N, 6);
    tmp_path(path, sizeof path, "rip");
    for (int on = 0; on < 2; on++) {
        /* Accepted: server_config() builds with the option set and fails on any error. */
        records_in_place = on;
        ftps_client *c = open_session(s);
        records_in_place = -1;
        size_t got = 0;
        uint64_t bytes = 0, full = 1;
        bool resumed = false;
        CHECK(c != NULL);
        CHECK(put_bytes(c, "rip.bin", data, N));
        unsigned char *back = get_bytes(c, "rip.bin", &got);
        int same = back != NULL && got == N && memcmp(back, data, N) == 0;
        free(back);
        if (!same) FAILF("records in place %s: the download by callback is not byte-exact", on ? "on" : "off");
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        CHECK(fd >= 0);
        ftps_result rc = ftps_client_download_fd(c, "rip.bin", 7, fd, 0, &bytes);
        close(fd);
        same = file_equals(path, data, N);
        unlink(path);
        CHECK_OK(c, rc);
        if (!same || bytes != N) FAILF("records in place %s: the download to an fd is not byte-exact", on ? "on" : "off");
        /* Harmless: data connections resume the control session as always. */
        CHECK_OK(c, ftps_client_tls_resumed(c, FTPS_TLS_CONNECTION_LAST_DATA, &resumed));
        CHECK(resumed);
        CHECK_OK(c, ftps_client_session_stat(c, FTPS_SESSION_STAT_DATA_FULL, &full));
        CHECK(full == 0);
        CHECK_OK(c, ftps_client_noop(c));
        close_session(c);
    }
    free(data);
    return PASS;
}

/* H6: a name that is not UTF-8 survives a listing and is sent back byte for byte. */
static int t_listing_entries_and_h6_name_bytes_roundtrip(const struct server *s) {
    static const char latin1[] = "caf\xe9.txt";
    ftps_client *c = open_session(s);
    ftps_listing *l = NULL;
    const char *name;
    size_t len, found = (size_t)-1;
    uint64_t size = 0;
    ftps_entry_kind kind = 0;
    ftps_time t = {0, 0};
    CHECK(c != NULL);
    CHECK(put_bytes(c, "a.txt", (const unsigned char *)"12345", 5));
    CHECK(put_bytes(c, latin1, (const unsigned char *)"xyz", 3));
    CHECK_OK(c, ftps_client_mkdir(c, "sub", 3));
    CHECK_OK(c, ftps_client_list(c, NULL, 0, &l));
    CHECK(ftps_listing_count(l) == 3);
    for (size_t i = 0; i < ftps_listing_count(l); i++) {
        CHECK_OK(c, ftps_listing_entry_name(l, i, &name, &len));
        CHECK_OK(c, ftps_listing_entry_kind(l, i, &kind));
        if (len == 3 && memcmp(name, "sub", 3) == 0) {
            CHECK(kind == FTPS_ENTRY_KIND_DIR);
        } else if (len == 5 && memcmp(name, "a.txt", 5) == 0) {
            CHECK(kind == FTPS_ENTRY_KIND_FILE);
            CHECK_OK(c, ftps_listing_entry_size(l, i, &size));
            CHECK(size == 5);
            CHECK_OK(c, ftps_listing_entry_mtime(l, i, &t));
            CHECK(t.unix_seconds > 1600000000 && t.unix_seconds < (int64_t)time(NULL) + 2 * 86400);
            CHECK_OK(c, ftps_listing_entry_raw(l, i, &name, &len));
            CHECK(len > 5 && memchr(name, '\n', len) == NULL);
        } else if (len == strlen(latin1) && memcmp(name, latin1, len) == 0) {
            found = i;
        } else {
            FAILF("unexpected entry %.*s", (int)len, name);
        }
    }
    CHECK(found != (size_t)-1);
    /* Out of range, NULL outs: errors, nothing written. */
    name = NULL;
    CHECK_RC(c, ftps_listing_entry_name(l, 3, &name, &len), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_listing_entry_name(l, 0, NULL, &len), FTPS_RESULT_NULL_PARAMETER);
    CHECK_RC(c, ftps_listing_entry_name(l, 0, &name, NULL), FTPS_RESULT_NULL_PARAMETER);
    CHECK(name == NULL);
    CHECK_RC(c, ftps_listing_skipped_line(l, 0, &name, &len), FTPS_RESULT_INVALID_ARGUMENT);
    /* The name goes back to the server exactly as it came. */
    CHECK_OK(c, ftps_listing_entry_name(l, found, &name, &len));
    CHECK_OK(c, ftps_client_size(c, name, len, &size));
    CHECK(size == 3);
    ftps_listing_free(l);
    ftps_listing_free(l); /* double free: ignored */

    /* The other listing commands. */
    CHECK_OK(c, ftps_client_nlst(c, NULL, 0, &l));
    CHECK(ftps_listing_count(l) == 3);
    CHECK_OK(c, ftps_listing_entry_kind(l, 0, &kind));
    CHECK(kind == FTPS_ENTRY_KIND_OTHER);
    CHECK_RC(c, ftps_listing_entry_size(l, 0, &size), FTPS_RESULT_NOT_AVAILABLE);
    ftps_listing_free(l);
    CHECK_OK(c, ftps_client_list_unix(c, NULL, 0, &l));
    CHECK(ftps_listing_count(l) == 3);
    ftps_listing_free(l);
    CHECK_OK(c, ftps_client_list(c, "sub", 3, &l));
    CHECK(ftps_listing_count(l) == 0);
    ftps_listing_free(l);
    CHECK_OK(c, ftps_client_rmdir(c, "sub", 3));
    close_session(c);
    return PASS;
}

static int t_mlsd_mlst_and_mtime(const struct server *s) {
    ftps_client *c = open_session(s);
    ftps_listing *l = NULL;
    char buf[64];
    size_t n, len;
    const char *v;
    ftps_time t = {0, 0};
    ftps_time when = {1700000000, 0};
    CHECK(c != NULL);
    if (ftps_client_feature(c, "MLST", buf, sizeof buf, &n) == FTPS_RESULT_NOT_AVAILABLE) {
        /* vsftpd offers no MLSD: asking anyway must be a typed error, no listing. */
        CHECK(ftps_client_mlsd(c, NULL, 0, &l) != FTPS_RESULT_OK);
        CHECK(l == NULL);
        {
            uint16_t code = 0;
            CHECK_OK(c, ftps_client_last_reply_code(c, &code));
            CHECK(code >= 500);
        }
        close_session(c);
        return PASS;
    }
    CHECK(put_bytes(c, "m.txt", (const unsigned char *)"mlsd", 4));
    CHECK_OK(c, ftps_client_mlsd(c, NULL, 0, &l));
    CHECK(ftps_listing_count(l) == 1);
    CHECK_OK(c, ftps_listing_entry_fact(l, 0, "TYPE", &v, &len));
    CHECK(len == 4 && memcmp(v, "file", 4) == 0);
    CHECK_RC(c, ftps_listing_entry_fact(l, 0, "no-such-fact", &v, &len), FTPS_RESULT_NOT_AVAILABLE);
    CHECK_RC(c, ftps_listing_entry_fact(l, 0, NULL, &v, &len), FTPS_RESULT_NULL_PARAMETER);
    ftps_listing_free(l);
    CHECK_OK(c, ftps_client_mlst(c, "m.txt", 5, &l));
    CHECK(ftps_listing_count(l) == 1);
    ftps_listing_free(l);
    CHECK_OK(c, ftps_client_set_mtime(c, "m.txt", 5, when));
    CHECK_OK(c, ftps_client_mdtm(c, "m.txt", 5, &t));
    CHECK(t.unix_seconds == when.unix_seconds);
    close_session(c);
    return PASS;
}

static int t_metadata_commands(const struct server *s) {
    ftps_client *c = open_session(s);
    char buf[512], dir[256];
    size_t n;
    uint64_t size = 0;
    uint16_t code = 0;
    ftps_time t = {0, 0};
    CHECK(c != NULL);
    test_dir(dir, sizeof dir);
    CHECK(put_bytes(c, "m.bin", (const unsigned char *)"0123456789", 10));
    CHECK_OK(c, ftps_client_size(c, "m.bin", 5, &size));
    CHECK(size == 10);
    CHECK_OK(c, ftps_client_mdtm(c, "m.bin", 5, &t));
    CHECK(t.unix_seconds > (int64_t)time(NULL) - 3600 && t.unix_seconds < (int64_t)time(NULL) + 3600);
    CHECK(t.nanoseconds < 1000000000u);
    CHECK_OK(c, ftps_client_rename(c, "m.bin", 5, "n.bin", 5));
    CHECK_RC(c, ftps_client_size(c, "m.bin", 5, &size), FTPS_RESULT_REPLY);
    CHECK(reply_code(c) == 550);
    CHECK_OK(c, ftps_client_mkdir(c, "d", 1));
    CHECK_OK(c, ftps_client_cwd(c, "d", 1));
    CHECK_OK(c, ftps_client_pwd(c, buf, sizeof buf, &n));
    CHECK(n > 2 && strcmp(buf + n - 2, "/d") == 0 && strstr(buf, dir) != NULL);
    CHECK_OK(c, ftps_client_cdup(c));
    CHECK_OK(c, ftps_client_rmdir(c, "d", 1));
    CHECK_OK(c, ftps_client_delete(c, "n.bin", 5));
    CHECK_RC(c, ftps_client_delete(c, "n.bin", 5), FTPS_RESULT_REPLY);
    /* Raw commands: any reply code is a result, not an error. */
    CHECK_OK(c, ftps_client_quote(c, "NOOP", 4, &code));
    CHECK(code == 200);
    CHECK_OK(c, ftps_client_quote(c, "XYZZY", 5, &code));
    CHECK(code >= 500 && code < 600 && reply_code(c) == code);
    CHECK(strlen(reply_text(c)) > 0);
    /* docs/threats.md, class D5: data-connection commands cannot be sent raw. */
    CHECK_RC(c, ftps_client_quote(c, "PORT 1,2,3,4,5,6", 16, &code), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_quote(c, "prot c", 6, &code), FTPS_RESULT_INVALID_ARGUMENT);
    /* SITE: a 2xx is success; an error reply is FTPS_RESULT_REPLY. */
    if (s->root != NULL) {
        char local[512];
        struct stat st;
        CHECK(put_bytes(c, "mode.txt", (const unsigned char *)"x", 1));
        CHECK_OK(c, ftps_client_site(c, "CHMOD 600 mode.txt", 18));
        local_of(s, "mode.txt", local, sizeof local);
        CHECK(stat(local, &st) == 0 && (st.st_mode & 0777) == 0600);
        CHECK_RC(c, ftps_client_site(c, "NOSUCHSITECMD", 13), FTPS_RESULT_REPLY);
        CHECK(reply_code(c) >= 500);
    } else {
        ftps_result rc = ftps_client_site(c, "NOSUCHSITECMD", 13);
        CHECK(rc == FTPS_RESULT_OK || rc == FTPS_RESULT_REPLY);
    }
    CHECK_OK(c, ftps_client_noop(c));
    close_session(c);
    return PASS;
}

static int t_features(const struct server *s) {
    ftps_client *c = connect_login(s);
    char buf[256];
    size_t n, count = 0;
    CHECK(c != NULL);
    CHECK_OK(c, ftps_client_feature_count(c, &count));
    CHECK(count > 2);
    CHECK_OK(c, ftps_client_feature(c, "rest", buf, sizeof buf, &n));
    CHECK(strcmp(buf, "STREAM") == 0);
    CHECK_OK(c, ftps_client_feature(c, "EPSV", buf, sizeof buf, &n));
    CHECK_RC(c, ftps_client_feature(c, "NO-SUCH-FEATURE", buf, sizeof buf, &n), FTPS_RESULT_NOT_AVAILABLE);
    CHECK_OK(c, ftps_client_feature_line(c, 0, buf, sizeof buf, &n));
    CHECK(n > 0 && n == strlen(buf));
    CHECK_RC(c, ftps_client_feature_line(c, count, buf, sizeof buf, &n), FTPS_RESULT_INVALID_ARGUMENT);
    ftps_client_free(c);
    return PASS;
}

static int t_active_mode_transfer(const struct server *s) {
    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    ftps_client *c = NULL;
    ftps_listing *l = NULL;
    size_t got = 0;
    CHECK_OK(NULL, ftps_config_builder_new(s->host, &b));
    CHECK_OK(NULL, ftps_config_builder_set_port(b, (uint16_t)s->port));
    CHECK_OK(NULL, ftps_config_builder_set_mode(b, s->implicit ? FTPS_MODE_IMPLICIT : FTPS_MODE_EXPLICIT));
    CHECK_OK(NULL, ftps_config_builder_add_ca_file(b, s->ca));
    CHECK_OK(NULL, ftps_config_builder_set_data_connection_mode(b, FTPS_DATA_CONNECTION_MODE_ACTIVE, NULL));
    CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
    ftps_config_builder_free(b);
    CHECK_OK(NULL, ftps_client_new(cfg, &c));
    ftps_config_free(cfg);
    CHECK_OK(c, ftps_client_connect(c));
    CHECK_OK(c, ftps_client_login(c, s->user, s->pass));
    CHECK_OK(c, ftps_client_list(c, NULL, 0, &l));
    CHECK(ftps_listing_count(l) >= 1);
    ftps_listing_free(l);
    unsigned char *hello = get_bytes(c, "hello.txt", &got);
    CHECK(hello != NULL && got > 0);
    free(hello);
    ftps_client_free(c);
    return PASS;
}

/* ------------------------------------------------------------------------ */
/* Online: errors from the server, and bad input during a session           */
/* ------------------------------------------------------------------------ */

static int t_wrong_password_is_login_rejected(const struct server *s) {
    const ftps_config *cfg = server_config(s, 0);
    ftps_client *c = NULL;
    bool fatal = false;
    CHECK(cfg != NULL);
    CHECK_OK(NULL, ftps_client_new(cfg, &c));
    ftps_config_free(cfg);
    CHECK_OK(c, ftps_client_connect(c));
    CHECK_RC(c, ftps_client_login(c, s->user, "wrong-password"), FTPS_RESULT_LOGIN_REJECTED);
    CHECK(reply_code(c) == 530);
    CHECK(strstr(client_message(c), "login rejected") != NULL);
    CHECK(!ftps_client_is_logged_in(c));
    CHECK_OK(c, ftps_client_last_error_is_fatal(c, &fatal));
    (void)fatal;
    /* The handle recovers: reconnect and log in. */
    CHECK_OK(c, ftps_client_connect(c));
    CHECK_OK(c, ftps_client_login(c, s->user, s->pass));
    CHECK_OK(c, ftps_client_last_error_is_fatal(c, &fatal));
    CHECK(!fatal);
    ftps_client_free(c);
    return PASS;
}

static int t_missing_file_is_reply_550(const struct server *s) {
    ftps_client *c = connect_login(s);
    uint64_t bytes = 77;
    bool fatal = true;
    CHECK(c != NULL);
    int fd = open("/dev/null", O_WRONLY);
    CHECK_RC(c, ftps_client_download_fd(c, "no-such-file.bin", 16, fd, 0, &bytes), FTPS_RESULT_REPLY);
    close(fd);
    CHECK(bytes == 77); /* not written on failure */
    CHECK(reply_code(c) == 550);
    CHECK(strstr(client_message(c), "550") != NULL);
    CHECK_OK(c, ftps_client_last_error_is_fatal(c, &fatal));
    CHECK(!fatal);
    CHECK_OK(c, ftps_client_noop(c)); /* the session goes on */
    ftps_client_free(c);
    return PASS;
}

static int t_wrong_ca_is_a_certificate_error(const struct server *s) {
    const char *wrong = env("FTPS_TEST_WRONG_CA");
    ftps_config_builder *b = NULL;
    const ftps_config *cfg = NULL;
    ftps_client *c = NULL;
    CHECK(wrong != NULL);
    CHECK_OK(NULL, ftps_config_builder_new(s->host, &b));
    CHECK_OK(NULL, ftps_config_builder_set_port(b, (uint16_t)s->port));
    CHECK_OK(NULL, ftps_config_builder_set_mode(b, s->implicit ? FTPS_MODE_IMPLICIT : FTPS_MODE_EXPLICIT));
    CHECK_OK(NULL, ftps_config_builder_add_ca_file(b, wrong));
    CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
    CHECK_OK(NULL, ftps_client_new(cfg, &c));
    ftps_config_free(cfg);
    CHECK_RC(c, ftps_client_connect(c), FTPS_RESULT_CERTIFICATE);
    CHECK(strstr(client_message(c), "certificate") != NULL);
    CHECK(!ftps_client_is_logged_in(c));
    ftps_client_free(c);

    /* The right CA with a wrong pin: PIN_MISMATCH; with the right pin: connected. */
    const char *pin = env("FTPS_TEST_CERT_SHA256");
    if (pin != NULL) {
        CHECK_OK(NULL, ftps_config_builder_new(s->host, &b));
        CHECK_OK(NULL, ftps_config_builder_set_port(b, (uint16_t)s->port));
        CHECK_OK(NULL, ftps_config_builder_set_mode(b, s->implicit ? FTPS_MODE_IMPLICIT : FTPS_MODE_EXPLICIT));
        CHECK_OK(NULL, ftps_config_builder_add_ca_file(b, s->ca));
        CHECK_OK(NULL, ftps_config_builder_add_pin_sha256(b, "00000000000000000000000000000000"
                                                             "00000000000000000000000000000000"));
        CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
        CHECK_OK(NULL, ftps_client_new(cfg, &c));
        ftps_config_free(cfg);
        CHECK_RC(c, ftps_client_connect(c), FTPS_RESULT_PIN_MISMATCH);
        CHECK(strstr(client_message(c), pin) != NULL); /* says which certificate it saw */
        ftps_client_free(c);
        CHECK_OK(NULL, ftps_config_builder_add_pin_sha256(b, pin)); /* any one pin matches */
        CHECK_OK(NULL, ftps_config_builder_build(b, &cfg));
        CHECK_OK(NULL, ftps_client_new(cfg, &c));
        ftps_config_free(cfg);
        CHECK_OK(c, ftps_client_connect(c));
        ftps_client_free(c);
        ftps_config_builder_free(b);
    } else {
        ftps_config_builder_free(b);
    }
    return PASS;
}

/* Counts the commands the client sent, through the transcript callback. */
struct transcript {
    int sent, received;
    int cr_lf_seen; /* a command line with CR or LF inside */
};

static void count_lines(void *userdata, ftps_transcript_direction dir, const char *line, size_t len) {
    struct transcript *t = userdata;
    if (dir == FTPS_TRANSCRIPT_DIRECTION_SENT) {
        t->sent++;
        if (memchr(line, '\r', len) != NULL || memchr(line, '\n', len) != NULL) t->cr_lf_seen = 1;
    } else if (dir == FTPS_TRANSCRIPT_DIRECTION_RECEIVED) {
        t->received++;
    }
}

static int t_e1_cr_lf_nul_in_arguments_are_rejected_and_nothing_is_sent(const struct server *s) {
    const ftps_config *cfg = server_config(s, 0);
    ftps_client *c = NULL;
    struct transcript tr = {0, 0, 0};
    uint16_t code = 0;
    uint64_t size = 0;
    ftps_listing *l = NULL;
    CHECK(cfg != NULL);
    CHECK_OK(NULL, ftps_client_new(cfg, &c));
    ftps_config_free(cfg);
    CHECK_OK(c, ftps_client_set_transcript(c, count_lines, &tr));
    CHECK_OK(c, ftps_client_connect(c));
    CHECK(tr.received > 0);
    /* Credentials with CR/LF: refused before USER is sent. */
    int before = tr.sent;
    CHECK_RC(c, ftps_client_login(c, "ftpuser\r\nDELE hello.txt", s->pass), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_login(c, s->user, "pass\nword"), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(client_message(c), "password") != NULL);
    CHECK_RC(c, ftps_client_login_with_account(c, s->user, s->pass, "acct\r"), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(tr.sent == before);
    CHECK_OK(c, ftps_client_login(c, s->user, s->pass));
    before = tr.sent;
    /* Every command argument. */
    CHECK_RC(c, ftps_client_cwd(c, "x\r\nDELE hello.txt", 17), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_mkdir(c, "a\nb", 3), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_rmdir(c, "a\rb", 3), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_delete(c, "hello.txt\r\n", 11), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_rename(c, "hello.txt", 9, "x\r\nDELE hello.txt", 17), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_rename(c, "hello\n.txt", 10, "y", 1), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_size(c, "hello.txt\n", 10, &size), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_site(c, "CHMOD 777 x\r\nDELE hello.txt", 27), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_quote(c, "NOOP\r\nDELE hello.txt", 20, &code), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_list(c, "x\ny", 3, &l), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_mlst(c, "x\ry", 3, &l), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_start_download(c, "hello.txt\r\nDELE hello.txt", 25, 0), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_start_upload(c, "x\n", 2, FTPS_UPLOAD_MODE_REPLACE, 0), FTPS_RESULT_INVALID_ARGUMENT);
    /* E2: interior NUL, during a session. */
    CHECK_RC(c, ftps_client_cwd(c, "x\0DELE hello.txt", 16), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_quote(c, "NOOP\0", 5, &code), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(l == NULL && size == 0 && code == 0);
    /* Nothing at all went to the server, and the session is fine. */
    CHECK(tr.sent == before);
    CHECK(!tr.cr_lf_seen);
    CHECK(!ftps_client_transfer_open(c));
    CHECK_OK(c, ftps_client_noop(c));
    CHECK(tr.sent == before + 1);
    CHECK_OK(c, ftps_client_size(c, "hello.txt", 9, &size));
    CHECK(size > 0);
    CHECK_OK(c, ftps_client_set_transcript(c, NULL, NULL));
    ftps_client_free(c);
    return PASS;
}

static int fail_write(void *userdata, const uint8_t *buf, size_t len, size_t *out_n) {
    int *calls = userdata;
    (void)buf;
    (void)len;
    (void)out_n;
    (*calls)++;
    return EIO;
}

static int overclaim_write(void *userdata, const uint8_t *buf, size_t len, size_t *out_n) {
    (void)userdata;
    (void)buf;
    *out_n = len + 5;
    return 0;
}

static int fail_read_after_some(void *userdata, uint8_t *buf, size_t len, size_t *out_n) {
    int *calls = userdata;
    if ((*calls)++ >= 2) return ENOSPC;
    memset(buf, 'x', len);
    *out_n = len;
    return 0;
}

static int t_caller_callback_that_fails_aborts_the_transfer(const struct server *s) {
    enum { N = 100 * 1024 };
    ftps_client *c = open_session_buffer(s, 16 * 1024);
    unsigned char *data = malloc(N);
    int calls = 0;
    uint64_t bytes = 99;
    bool fatal = true;
    CHECK(c != NULL && data != NULL);
    fill_pattern(data, N, 6);
    CHECK(put_bytes(c, "f.bin", data, N));
    CHECK_RC(c, ftps_client_download_cb(c, "f.bin", 5, 0, fail_write, &calls, &bytes), FTPS_RESULT_CALLBACK_FAILED);
    CHECK(calls == 1 && bytes == 99);
    CHECK(strstr(client_message(c), "write callback returned 5") != NULL);
    CHECK_OK(c, ftps_client_last_error_is_fatal(c, &fatal));
    CHECK(!fatal);
    CHECK(!ftps_client_transfer_open(c));
    CHECK_OK(c, ftps_client_noop(c));
    CHECK_RC(c, ftps_client_download_cb(c, "f.bin", 5, 0, overclaim_write, NULL, &bytes), FTPS_RESULT_CALLBACK_FAILED);
    CHECK(strstr(client_message(c), "consumed") != NULL);
    CHECK_OK(c, ftps_client_noop(c));
    calls = 0;
    CHECK_RC(c, ftps_client_upload_cb(c, "g.bin", 5, 0, fail_read_after_some, &calls, &bytes), FTPS_RESULT_CALLBACK_FAILED);
    CHECK(strstr(client_message(c), "read callback returned") != NULL);
    CHECK_OK(c, ftps_client_noop(c));
    /* Bad file descriptors are local I/O errors, and the session goes on. */
    CHECK_RC(c, ftps_client_download_fd(c, "f.bin", 5, -1, 0, &bytes), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_download_fd(c, "f.bin", 5, 987654, 0, &bytes), FTPS_RESULT_LOCAL_IO);
    CHECK_RC(c, ftps_client_upload_fd(c, "g.bin", 5, 987654, 0, &bytes), FTPS_RESULT_LOCAL_IO);
    CHECK_OK(c, ftps_client_noop(c));
    free(data);
    close_session(c);
    return PASS;
}

/* What a callback saw when it called back into its own client. */
struct reentry {
    ftps_client *c;
    int calls;
    ftps_result noop, message, read, quote, list;
};

static int reenter_progress(void *userdata, uint64_t done, uint64_t total) {
    struct reentry *r = userdata;
    char buf[16];
    size_t n;
    uint16_t code;
    ftps_listing *l = NULL;
    (void)done;
    (void)total;
    if (r->calls++ == 0) {
        r->noop = ftps_client_noop(r->c);
        r->message = ftps_client_error_message(r->c, buf, sizeof buf, &n);
        r->quote = ftps_client_quote(r->c, "NOOP", 4, &code);
        r->list = ftps_client_list(r->c, NULL, 0, &l);
        ftps_client_free(r->c); /* refused while busy: the client stays alive */
    }
    return 0;
}

static int reenter_write(void *userdata, const uint8_t *buf, size_t len, size_t *out_n) {
    struct reentry *r = userdata;
    uint8_t tmp[8];
    size_t n;
    (void)buf;
    if (r->calls++ == 0) r->read = ftps_client_read(r->c, tmp, sizeof tmp, &n);
    *out_n = len;
    return 0;
}

static void reenter_transcript(void *userdata, ftps_transcript_direction dir, const char *line, size_t len) {
    struct reentry *r = userdata;
    (void)dir;
    (void)line;
    (void)len;
    if (r->calls++ == 0) r->noop = ftps_client_noop(r->c);
}

static int t_caller_callback_that_reenters_the_client_gets_busy(const struct server *s) {
    enum { N = 64 * 1024 };
    ftps_client *c = open_session_buffer(s, 8 * 1024);
    unsigned char *data = malloc(N);
    struct reentry r;
    uint64_t bytes = 0;
    CHECK(c != NULL && data != NULL);
    fill_pattern(data, N, 7);
    CHECK(put_bytes(c, "r.bin", data, N));

    memset(&r, 0, sizeof r);
    r.c = c;
    CHECK_OK(c, ftps_client_set_progress(c, reenter_progress, &r));
    int fd = open("/dev/null", O_WRONLY);
    ftps_result rc = ftps_client_download_fd(c, "r.bin", 5, fd, 0, &bytes);
    close(fd);
    CHECK_OK(c, rc);
    CHECK(bytes == N && r.calls > 1);
    CHECK(r.noop == FTPS_RESULT_BUSY && r.message == FTPS_RESULT_BUSY);
    CHECK(r.quote == FTPS_RESULT_BUSY && r.list == FTPS_RESULT_BUSY);
    CHECK_OK(c, ftps_client_set_progress(c, NULL, NULL));
    CHECK_OK(c, ftps_client_noop(c)); /* alive and well */

    memset(&r, 0, sizeof r);
    r.c = c;
    CHECK_OK(c, ftps_client_download_cb(c, "r.bin", 5, 0, reenter_write, &r, &bytes));
    CHECK(r.read == FTPS_RESULT_BUSY && bytes == N);

    memset(&r, 0, sizeof r);
    r.c = c;
    CHECK_OK(c, ftps_client_set_transcript(c, reenter_transcript, &r));
    CHECK_OK(c, ftps_client_noop(c));
    CHECK(r.calls >= 2 && r.noop == FTPS_RESULT_BUSY);
    CHECK_OK(c, ftps_client_set_transcript(c, NULL, NULL));
    free(data);
    close_session(c);
    return PASS;
}

/* Another thread calls the client while a transfer runs. */
struct other_thread {
    ftps_client *c;
    int started;
    ftps_result noop;
};

static void *call_noop(void *arg) {
    struct other_thread *o = arg;
    o->noop = ftps_client_noop(o->c);
    return NULL;
}

static int progress_spawns_thread(void *userdata, uint64_t done, uint64_t total) {
    struct other_thread *o = userdata;
    pthread_t th;
    (void)done;
    (void)total;
    if (!o->started) {
        o->started = 1;
        if (pthread_create(&th, NULL, call_noop, o) == 0) pthread_join(th, NULL);
    }
    return 0;
}

static int t_caller_second_thread_gets_busy(const struct server *s) {
    ftps_client *c = connect_login_buffer(s, 4096);
    struct other_thread o = {NULL, 0, FTPS_RESULT_OK};
    size_t got = 0;
    CHECK(c != NULL);
    o.c = c;
    CHECK_OK(c, ftps_client_set_progress(c, progress_spawns_thread, &o));
    unsigned char *hello = get_bytes(c, "hello.txt", &got);
    CHECK(hello != NULL);
    free(hello);
    CHECK(o.started && o.noop == FTPS_RESULT_BUSY);
    /* Afterwards, the other thread may use it. */
    pthread_t th;
    CHECK(pthread_create(&th, NULL, call_noop, &o) == 0);
    pthread_join(th, NULL);
    CHECK(o.noop == FTPS_RESULT_OK);
    ftps_client_free(c);
    return PASS;
}

static int cancel_at_second(void *userdata, uint64_t done, uint64_t total) {
    int *calls = userdata;
    (void)done;
    (void)total;
    return ++*calls >= 2;
}

static int t_caller_progress_callback_cancels(const struct server *s) {
    enum { N = 256 * 1024 };
    ftps_client *c = open_session_buffer(s, 16 * 1024);
    unsigned char *data = malloc(N);
    int calls = 0;
    uint64_t bytes = 5;
    struct membuf m = {0};
    CHECK(c != NULL && data != NULL);
    fill_pattern(data, N, 8);
    CHECK(put_bytes(c, "c.bin", data, N));
    CHECK_OK(c, ftps_client_set_progress(c, cancel_at_second, &calls));
    CHECK_RC(c, ftps_client_download_cb(c, "c.bin", 5, 0, membuf_write, &m, &bytes), FTPS_RESULT_CANCELLED);
    CHECK(calls == 2 && bytes == 5 && m.len < N);
    free(m.data);
    CHECK_OK(c, ftps_client_noop(c));
    calls = 0;
    struct source src = {data, N, 0, N, 0};
    CHECK_RC(c, ftps_client_upload_cb(c, "d.bin", 5, 0, source_read, &src, &bytes), FTPS_RESULT_CANCELLED);
    CHECK_OK(c, ftps_client_set_progress(c, NULL, NULL));
    CHECK_OK(c, ftps_client_noop(c));
    free(data);
    close_session(c);
    return PASS;
}

static int t_caller_offset_that_overflows_is_rejected(const struct server *s) {
    ftps_client *c = connect_login(s);
    struct membuf m = {0};
    struct source src = {(const unsigned char *)"x", 1, 0, 1, 0};
    uint64_t bytes = 5;
    int fd = open("/dev/null", O_RDWR);
    CHECK(c != NULL && fd >= 0);
    /* vsftpd turns REST 2^64-1 into 0 and would send (or overwrite) the whole file:
       offsets past 2^63-1 are refused before anything is sent. */
    CHECK_RC(c, ftps_client_download_cb(c, "hello.txt", 9, UINT64_MAX, membuf_write, &m, &bytes),
             FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(client_message(c), "offset") != NULL);
    CHECK_RC(c, ftps_client_download_fd(c, "hello.txt", 9, fd, (uint64_t)INT64_MAX + 1, &bytes),
             FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_upload_fd(c, "hello.txt", 9, fd, UINT64_MAX, &bytes), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_upload_cb(c, "hello.txt", 9, UINT64_MAX, source_read, &src, &bytes),
             FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_start_download(c, "hello.txt", 9, UINT64_MAX), FTPS_RESULT_INVALID_ARGUMENT);
    CHECK_RC(c, ftps_client_start_upload(c, "hello.txt", 9, FTPS_UPLOAD_MODE_AT, UINT64_MAX),
             FTPS_RESULT_INVALID_ARGUMENT);
    close(fd);
    CHECK(bytes == 5 && m.len == 0 && src.pos == 0);
    /* An offset past the end of the file (but representable): no data, and the check
       afterwards finds the server's 6 bytes short of the 1000000 the download would
       end at (G5). Without the check: no data, no error. */
    CHECK_RC(c, ftps_client_download_cb(c, "hello.txt", 9, 1000000, membuf_write, &m, &bytes),
             FTPS_RESULT_INTEGRITY);
    CHECK(bytes == 5 && m.len == 0);
    {
        char v[32];
        size_t vn = 0;
        CHECK_OK(c, ftps_client_last_integrity_check(c, v, sizeof v, &vn));
        CHECK(strcmp(v, "size") == 0 && vn == 4);
        CHECK_OK(c, ftps_client_last_integrity_local(c, v, sizeof v, &vn));
        CHECK(strcmp(v, "1000000") == 0);
        /* The server's size of hello.txt: 6 bytes on the test server, other
           sizes on the real servers. */
        CHECK_OK(c, ftps_client_last_integrity_remote(c, v, sizeof v, &vn));
        CHECK(vn > 0 && vn < 7 && strcmp(v, "1000000") != 0);
    }
    ftps_transfer_options off;
    CHECK_OK(c, ftps_transfer_options_init(&off, sizeof off));
    off.verify = FTPS_VERIFY_OFF;
    CHECK_OK(c, ftps_client_download_cb_ex(c, "hello.txt", 9, 1000000, membuf_write, &m, &off, &bytes));
    CHECK(bytes == 0 && m.len == 0);
    free(m.data);
    CHECK_OK(c, ftps_client_noop(c));
    ftps_client_free(c);
    return PASS;
}

/* ------------------------------------------------------------------------ */
/* H7: whole trees (upload_dir, download_dir, sync)                         */
/* ------------------------------------------------------------------------ */

/* The index of the step (kind, path) in report r, or -1; *reason_out gets its reason. */
static long report_find(const ftps_report *r, ftps_sync_action kind, const char *path, ftps_sync_reason *reason_out) {
    for (size_t i = 0; i < ftps_report_count(r); i++) {
        ftps_sync_action k;
        ftps_sync_reason why;
        const char *p;
        size_t n;
        if (ftps_report_action(r, i, &k, &why, &p, &n) != FTPS_RESULT_OK) return -1;
        if (k == kind && n == strlen(path) && memcmp(p, path, n) == 0) {
            if (reason_out != NULL) *reason_out = why;
            return (long)i;
        }
    }
    return -1;
}

/* The number of steps of `kind` in r. */
static size_t report_count_of(const ftps_report *r, ftps_sync_action kind) {
    size_t count = 0;
    for (size_t i = 0; i < ftps_report_count(r); i++) {
        ftps_sync_action k;
        ftps_sync_reason why;
        const char *p;
        size_t n;
        if (ftps_report_action(r, i, &k, &why, &p, &n) == FTPS_RESULT_OK && k == kind) count++;
    }
    return count;
}

/* Prints a report (for a failure). */
static void report_dump(const ftps_report *r) {
    fprintf(stderr, "    report: %zu steps, %zu skipped, %llu bytes%s\n", ftps_report_count(r),
            ftps_report_skipped_count(r), (unsigned long long)ftps_report_bytes(r),
            ftps_report_dry_run(r) ? ", dry run" : "");
    for (size_t i = 0; i < ftps_report_count(r); i++) {
        ftps_sync_action k;
        ftps_sync_reason why;
        const char *p;
        size_t n;
        if (ftps_report_action(r, i, &k, &why, &p, &n) == FTPS_RESULT_OK)
            fprintf(stderr, "      step %u (reason %u) %.*s\n", (unsigned)k, (unsigned)why, (int)n, p);
    }
    for (size_t i = 0; i < ftps_report_skipped_count(r); i++) {
        const char *p, *why;
        size_t n;
        if (ftps_report_skipped(r, i, &p, &n, &why) == FTPS_RESULT_OK)
            fprintf(stderr, "      skipped %.*s: %s\n", (int)n, p, why);
    }
}
#define CHECK_REPORT(r, cond)                                                          \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            report_dump(r);                                                            \
            FAILF("CHECK_REPORT(%s) failed", #cond);                                   \
        }                                                                              \
    } while (0)

/* The number of skipped entries of r whose reason contains `why`. */
static size_t report_skipped_with(const ftps_report *r, const char *why) {
    size_t count = 0;
    for (size_t i = 0; i < ftps_report_skipped_count(r); i++) {
        const char *p, *w;
        size_t n;
        if (ftps_report_skipped(r, i, &p, &n, &w) == FTPS_RESULT_OK && strstr(w, why) != NULL) count++;
    }
    return count;
}

/* Writes "<dir>/<rel>" to out. */
static void join(char *out, size_t len, const char *dir, const char *rel) { snprintf(out, len, "%s/%s", dir, rel); }

/* H7: a local tree goes up with ftps_client_upload_dir() (a symbolic link out of the
   tree and a name the server cannot take are skipped with their reasons), comes back
   byte-exact with ftps_client_download_dir(), and ftps_client_sync() in both
   directions transfers only what differs: nothing on a second run, a file whose size
   changed, a remote file the source lacks deleted only with FTPS_SYNC_DELETE and only
   planned with FTPS_SYNC_DRY_RUN; finally a sync from an empty directory with
   FTPS_SYNC_DELETE empties the remote tree. */
static int t_h7_upload_dir_download_dir_and_sync_trees(const struct server *s) {
    enum { NA = 70001, NB = 3000 };
    char src[512], dst[512], dst2[512], empty[512], outside[512], path[600];
    unsigned char *a = malloc(NA), *b = malloc(NB + 1);
    ftps_report *r = NULL;
    ftps_sync_reason why = FTPS_SYNC_REASON_NONE;
    uint64_t size = 0;
    CHECK(a != NULL && b != NULL);
    fill_pattern(a, NA, 31);
    fill_pattern(b, NB + 1, 32);
    tmp_path(src, sizeof src, "src");
    tmp_path(dst, sizeof dst, "dst");
    tmp_path(dst2, sizeof dst2, "dst2");
    tmp_path(empty, sizeof empty, "empty");
    tmp_path(outside, sizeof outside, "outside");
    CHECK(mkdir(src, 0700) == 0 && mkdir(empty, 0700) == 0);
    join(path, sizeof path, src, "sub");
    CHECK(mkdir(path, 0700) == 0);
    join(path, sizeof path, src, "sub/deeper");
    CHECK(mkdir(path, 0700) == 0);
    join(path, sizeof path, src, "a.txt");
    CHECK(write_file(path, a, NA));
    join(path, sizeof path, src, "sub/b.bin");
    CHECK(write_file(path, b, NB));
    join(path, sizeof path, src, "sub/deeper/c.txt");
    CHECK(write_file(path, (const unsigned char *)"gamma", 5));
    join(path, sizeof path, src, "bad\\name");
    CHECK(write_file(path, (const unsigned char *)"x", 1));
    CHECK(write_file(outside, (const unsigned char *)"not for the server", 18));
    join(path, sizeof path, src, "out");
    CHECK(symlink(outside, path) == 0);

    ftps_client *c = open_session(s);
    CHECK(c != NULL);
    CHECK_OK(c, ftps_client_upload_dir(c, src, "tree", 4, true, &r));
    CHECK_REPORT(r, report_find(r, FTPS_SYNC_ACTION_MAKE_DIR, "tree", NULL) >= 0);
    CHECK_REPORT(r, report_find(r, FTPS_SYNC_ACTION_MAKE_DIR, "tree/sub/deeper", NULL) >= 0);
    CHECK_REPORT(r, report_find(r, FTPS_SYNC_ACTION_UPLOAD, "tree/a.txt", &why) >= 0);
    CHECK(why == FTPS_SYNC_REASON_NONE);
    CHECK_REPORT(r, report_find(r, FTPS_SYNC_ACTION_UPLOAD, "tree/sub/deeper/c.txt", NULL) >= 0);
    CHECK_REPORT(r, report_count_of(r, FTPS_SYNC_ACTION_UPLOAD) == 3);
    CHECK_REPORT(r, ftps_report_bytes(r) == NA + NB + 5 && !ftps_report_dry_run(r));
    CHECK_REPORT(r, ftps_report_skipped_count(r) == 2 && report_skipped_with(r, "symbolic link out of the tree") == 1);
    ftps_report_free(r);
    r = NULL;
    CHECK_OK(c, ftps_client_size(c, "tree/sub/b.bin", 14, &size));
    CHECK(size == NB);

    CHECK_OK(c, ftps_client_download_dir(c, "tree", 4, dst, true, &r));
    join(path, sizeof path, dst, "sub/b.bin");
    CHECK_REPORT(r, report_find(r, FTPS_SYNC_ACTION_DOWNLOAD, path, NULL) >= 0);
    CHECK_REPORT(r, report_count_of(r, FTPS_SYNC_ACTION_DOWNLOAD) == 3 && ftps_report_bytes(r) == NA + NB + 5);
    ftps_report_free(r);
    r = NULL;
    CHECK(file_equals(path, b, NB));
    join(path, sizeof path, dst, "a.txt");
    CHECK(file_equals(path, a, NA));
    join(path, sizeof path, dst, "sub/deeper/c.txt");
    CHECK(file_equals(path, (const unsigned char *)"gamma", 5));

    /* A sync sends nothing: ftps_client_upload_dir() kept no modification times, so
       where the server's listing has them to the second and they differ, its hash
       says the files are equal and they only get their local times (MFMT). A second
       sync finds nothing to do. */
    CHECK_OK(c, ftps_client_sync(c, src, "tree", 4, FTPS_SYNC_DIRECTION_UPLOAD, 0, &r));
    CHECK_REPORT(r, ftps_report_count(r) == report_count_of(r, FTPS_SYNC_ACTION_SET_MTIME));
    CHECK_REPORT(r, ftps_report_bytes(r) == 0);
    CHECK_REPORT(r, report_skipped_with(r, "symbolic link out of the tree") == 1);
    ftps_report_free(r);
    r = NULL;
    CHECK_OK(c, ftps_client_sync(c, src, "tree", 4, FTPS_SYNC_DIRECTION_UPLOAD, 0, &r));
    CHECK_REPORT(r, ftps_report_count(r) == 0 && ftps_report_bytes(r) == 0);
    ftps_report_free(r);
    r = NULL;

    /* A remote file the source lacks: kept, planned, then deleted when asked. */
    CHECK(put_bytes(c, "tree/extra.txt", (const unsigned char *)"extra", 5));
    CHECK_OK(c, ftps_client_sync(c, src, "tree", 4, FTPS_SYNC_DIRECTION_UPLOAD, 0, &r));
    CHECK_REPORT(r, ftps_report_count(r) == 0);
    ftps_report_free(r);
    r = NULL;
    CHECK_OK(c, ftps_client_sync(c, src, "tree", 4, FTPS_SYNC_DIRECTION_UPLOAD, FTPS_SYNC_DELETE | FTPS_SYNC_DRY_RUN, &r));
    CHECK_REPORT(r, ftps_report_count(r) == 1 && report_find(r, FTPS_SYNC_ACTION_DELETE, "extra.txt", NULL) == 0);
    CHECK_REPORT(r, ftps_report_dry_run(r));
    ftps_report_free(r);
    r = NULL;
    CHECK_OK(c, ftps_client_size(c, "tree/extra.txt", 14, &size));
    CHECK_OK(c, ftps_client_sync(c, src, "tree", 4, FTPS_SYNC_DIRECTION_UPLOAD, FTPS_SYNC_DELETE, &r));
    CHECK_REPORT(r, ftps_report_count(r) == 1 && report_find(r, FTPS_SYNC_ACTION_DELETE, "extra.txt", NULL) == 0);
    ftps_report_free(r);
    r = NULL;
    CHECK_RC(c, ftps_client_size(c, "tree/extra.txt", 14, &size), FTPS_RESULT_REPLY);

    /* A local file that grew: sent again, and only it. */
    join(path, sizeof path, src, "sub/b.bin");
    CHECK(write_file(path, b, NB + 1));
    CHECK_OK(c, ftps_client_sync(c, src, "tree", 4, FTPS_SYNC_DIRECTION_UPLOAD, 0, &r));
    CHECK_REPORT(r, ftps_report_count(r) == 1 && report_find(r, FTPS_SYNC_ACTION_UPLOAD, "sub/b.bin", &why) == 0);
    CHECK(why == FTPS_SYNC_REASON_SIZE && ftps_report_bytes(r) == NB + 1);
    ftps_report_free(r);
    r = NULL;
    CHECK_OK(c, ftps_client_size(c, "tree/sub/b.bin", 14, &size));
    CHECK(size == NB + 1);

    /* Downloading into a directory that does not exist yet: created, then filled. */
    CHECK_OK(c, ftps_client_sync(c, dst2, "tree", 4, FTPS_SYNC_DIRECTION_DOWNLOAD, 0, &r));
    CHECK_REPORT(r, report_find(r, FTPS_SYNC_ACTION_MAKE_DIR, "", NULL) == 0);
    CHECK_REPORT(r, report_find(r, FTPS_SYNC_ACTION_DOWNLOAD, "sub/b.bin", &why) > 0 && why == FTPS_SYNC_REASON_MISSING);
    CHECK_REPORT(r, report_count_of(r, FTPS_SYNC_ACTION_DOWNLOAD) == 3);
    ftps_report_free(r);
    r = NULL;
    join(path, sizeof path, dst2, "sub/b.bin");
    CHECK(file_equals(path, b, NB + 1));
    CHECK_OK(c, ftps_client_sync(c, dst2, "tree", 4, FTPS_SYNC_DIRECTION_DOWNLOAD, 0, &r));
    CHECK_REPORT(r, ftps_report_count(r) == 0);
    ftps_report_free(r);
    r = NULL;

    /* From an empty directory with FTPS_SYNC_DELETE: the remote tree is emptied. */
    CHECK_OK(c, ftps_client_sync(c, empty, "tree", 4, FTPS_SYNC_DIRECTION_UPLOAD, FTPS_SYNC_DELETE, &r));
    CHECK_REPORT(r, report_find(r, FTPS_SYNC_ACTION_REMOVE_DIR, "sub/deeper", NULL) >= 0);
    CHECK_REPORT(r, report_find(r, FTPS_SYNC_ACTION_REMOVE_DIR, "sub", NULL) >
                        report_find(r, FTPS_SYNC_ACTION_DELETE, "sub/b.bin", NULL));
    CHECK_REPORT(r, report_count_of(r, FTPS_SYNC_ACTION_DELETE) == 3);
    ftps_report_free(r);
    r = NULL;
    CHECK_OK(c, ftps_client_rmdir(c, "tree", 4)); /* empty, or RMD would fail */
    close_session(c);

    /* The local trees. */
    static const char *const files[] = {"a.txt", "sub/b.bin", "sub/deeper/c.txt", "sub/deeper", "sub"};
    const char *roots[] = {src, dst, dst2};
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            join(path, sizeof path, roots[k], files[i]);
            if (unlink(path) != 0) rmdir(path);
        }
    }
    join(path, sizeof path, src, "bad\\name");
    unlink(path);
    join(path, sizeof path, src, "out");
    unlink(path);
    CHECK(rmdir(src) == 0 && rmdir(dst) == 0 && rmdir(dst2) == 0 && rmdir(empty) == 0);
    unlink(outside);
    free(a);
    free(b);
    return PASS;
}

/* ------------------------------------------------------------------------ */
/* G1: silent truncation of downloads, against the fault users of           */
/* ftps-testserver (tests/c/run.sh starts it with one --fault-user each)     */
/* ------------------------------------------------------------------------ */

/* A data connection that ends without TLS close_notify counts as complete only when
   the byte count proves it: the 150 count equals the bytes received, or SIZE minus
   the REST offset does. Anything else is FTPS_RESULT_TRUNCATED, and a local target is
   never replaced by a short file. The file is the demo tree's pub/data.bin (byte i is
   i % 251). The fault users below must match TS_FAULT_USERS in tests/c/run.sh: */
enum {
    G1_N = 1024 * 1024,               /* size of pub/data.bin */
    G1_OFF = 100000,                  /* the REST offset of the resumed cases */
    G1_CUT_BY_OFF = G1_N - 2 * G1_OFF, /* truncate-after: offset + bytes = the 150 count */
    G1_CUT = 300007                   /* truncate-after: cut anywhere else */
};
/*   g1whole     announce-whole                   clean end, 150 = the whole file
     g1nocn      no-close-notify                  FIN at full length, 150 = to come
     g1wholenocn announce-whole,no-close-notify   FIN at full length, 150 = whole
     g1cutoff    truncate-after=848576            cut short by exactly G1_OFF
     g1wholecut  announce-whole,truncate-after=848576
     g1cut       truncate-after=300007
     g1rst       rst                              RST at the end (bytes may be lost)
     g1rstcut    rst,truncate-after=300007
     g1cleancut  clean-cut-after=300007           close_notify + FIN after 300007 bytes
     g1cleancutoff clean-cut-after=848576         the same, cut short by exactly G1_OFF
     g1ku        key-update-every=50000
     g1late      late-ticket=65536 */
static const char g1_file[] = "pub/data.bin";

/* Which download call, and what it must end with. */
enum g1_call { G1_PATH, G1_PATH_RESUME, G1_CB, G1_FD };
enum g1_want {
    G1_COMPLETE, /* FTPS_RESULT_OK, every byte */
    G1_SHORT,    /* FTPS_RESULT_TRUNCATED, fewer bytes than the file has */
    G1_EITHER    /* RST: bytes may be lost or not; never success with a short result */
};
static const char *const g1_call_names[] = {"download_path", "download_path(resume)",
                                            "download_cb", "download_fd"};

/* 1 when the fault users are there (run.sh exports FTPS_TESTSERVER_FAULT_USERS=1);
   otherwise the G1 tests skip, or fail under FTPS_C_REQUIRE_SERVERS=1. */
static int g1_available(void) {
    const char *v = env("FTPS_TESTSERVER_FAULT_USERS");
    return v != NULL && strcmp(v, "1") == 0;
}
static int g1_required(void) {
    const char *v = env("FTPS_C_REQUIRE_SERVERS");
    return v != NULL && strcmp(v, "1") == 0;
}
#define G1_NEED_FAULT_USERS()                                                          \
    do {                                                                               \
        if (!g1_available()) {                                                         \
            fprintf(stderr, "    ftps-testserver has no --fault-user (run tests/c/run.sh)\n"); \
            return g1_required() ? FAIL : SKIP;                                        \
        }                                                                              \
    } while (0)

static unsigned char *g1_contents(void) {
    unsigned char *d = malloc(G1_N);
    if (d != NULL)
        for (size_t i = 0; i < G1_N; i++) d[i] = (unsigned char)(i % 251);
    return d;
}

/* The first line of the last 150 reply, from the transcript. */
struct g1_transcript {
    char last150[256];
};

static void g1_transcript_line(void *userdata, ftps_transcript_direction dir, const char *line, size_t len) {
    struct g1_transcript *t = userdata;
    if (dir == FTPS_TRANSCRIPT_DIRECTION_RECEIVED && len >= 4 && memcmp(line, "150 ", 4) == 0) {
        if (len >= sizeof t->last150) len = sizeof t->last150 - 1;
        memcpy(t->last150, line, len);
        t->last150[len] = '\0';
    }
}

/* A session of a fault user of the test server (its password is the server's). */
static ftps_client *g1_login(const struct server *s, const char *user, struct g1_transcript *tr) {
    struct server fs = *s;
    fs.user = user;
    /* Each G1 case checks how one attempt ends: no automatic resume (G6, tested in
       t_g6_...). */
    knob_resume_attempts = 0;
    ftps_client *c = connect_login(&fs);
    knob_resume_attempts = -1;
    if (c != NULL && tr != NULL &&
        ftps_client_set_transcript(c, g1_transcript_line, tr) != FTPS_RESULT_OK) {
        ftps_client_free(c);
        return NULL;
    }
    return c;
}

/* This test's private local directory (created empty). */
static int g1_local_dir(char *out, size_t len) {
    tmp_path(out, len, "dir");
    return mkdir(out, 0700) == 0 || errno == EEXIST;
}

/* Removes the local directory and everything in it (one level). */
static void g1_remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    if (d == NULL) return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* The number of entries of dir besides . and .. ; the first other name than
   `except` goes to stray. */
static int g1_dir_entries(const char *dir, const char *except, char *stray, size_t len) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    stray[0] = '\0';
    if (d == NULL) return -1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        n++;
        if (strcmp(e->d_name, except) != 0 && stray[0] == '\0') snprintf(stray, len, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

#define G1_EXPECT(cond, ...)                                                   \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "    %s:%d: %s %s at offset %llu: ", __FILE__, __LINE__, \
                    user, g1_call_names[call], (unsigned long long)offset);    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            ok = 0;                                                            \
            goto out;                                                          \
        }                                                                      \
    } while (0)

/* One download of pub/data.bin by `call` from `offset` (G1_PATH: always 0; for
   G1_PATH_RESUME the local file first holds the first `offset` bytes), checked
   against `want`; then the session must still answer. `announce` is the count the
   150 reply must carry (0: don't look). Returns 1 when all holds (reasons printed). */
static int g1_download(ftps_client *c, struct g1_transcript *tr, const char *user, const char *dir,
                       enum g1_call call, uint64_t offset, enum g1_want want,
                       const unsigned char *data, uint64_t announce) {
    static const unsigned char old[] = "the old target file, which must survive\n";
    char target[600], part[700], stray[256], needle[64];
    struct membuf m = {0};
    unsigned char *got = NULL;
    size_t got_n = 0;
    const size_t full = G1_N - (size_t)offset;
    uint64_t bytes = 424242; /* an out-parameter is written only on success */
    ftps_result rc = FTPS_RESULT_OK;
    int ok = 1, fd;
    bool fatal = true;

    snprintf(target, sizeof target, "%s/target.bin", dir);
    snprintf(part, sizeof part, "%s/.target.bin.%ld.ftps-part", dir, (long)getpid());
    unlink(target);
    if (tr != NULL) tr->last150[0] = '\0';
    switch (call) {
    case G1_PATH:
        G1_EXPECT(offset == 0 && write_file(target, old, sizeof old - 1), "setup");
        rc = ftps_client_download_path(c, g1_file, strlen(g1_file), target, false, &bytes);
        break;
    case G1_PATH_RESUME:
        G1_EXPECT(offset > 0 && write_file(target, data, (size_t)offset), "setup");
        rc = ftps_client_download_path(c, g1_file, strlen(g1_file), target, true, &bytes);
        break;
    case G1_CB:
        rc = ftps_client_download_cb(c, g1_file, strlen(g1_file), offset, membuf_write, &m, &bytes);
        break;
    case G1_FD:
        fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        G1_EXPECT(fd >= 0, "open %s: %s", target, strerror(errno));
        rc = ftps_client_download_fd(c, g1_file, strlen(g1_file), fd, offset, &bytes);
        close(fd);
        break;
    }
    const char *msg = client_message(c);

    if (announce != 0 && tr != NULL) {
        snprintf(needle, sizeof needle, "(%llu bytes)", (unsigned long long)announce);
        G1_EXPECT(strstr(tr->last150, needle) != NULL, "the 150 reply \"%s\" lacks %s", tr->last150, needle);
    }
    if (want == G1_COMPLETE)
        G1_EXPECT(rc == FTPS_RESULT_OK, "rc %u (%s), want OK; message: %s", (unsigned)rc, ftps_result_str(rc), msg);
    else if (want == G1_SHORT)
        G1_EXPECT(rc == FTPS_RESULT_TRUNCATED, "rc %u (%s), want TRUNCATED; message: %s", (unsigned)rc,
                  ftps_result_str(rc), msg);
    else
        G1_EXPECT(rc == FTPS_RESULT_OK || rc == FTPS_RESULT_TRUNCATED, "rc %u (%s), want OK or TRUNCATED; message: %s",
                  (unsigned)rc, ftps_result_str(rc), msg);

    /* What arrived locally. */
    if (call == G1_CB) {
        got = m.data;
        got_n = m.len;
        m.data = NULL;
    } else {
        got = read_file(target, &got_n);
        G1_EXPECT(got != NULL, "%s is gone", target);
    }

    if (rc == FTPS_RESULT_OK) {
        /* Success: every byte, exactly. */
        G1_EXPECT(bytes == full, "success, but %llu bytes reported of %zu", (unsigned long long)bytes, full);
        if (call == G1_PATH || call == G1_PATH_RESUME)
            G1_EXPECT(got_n == G1_N && memcmp(got, data, G1_N) == 0,
                      "success, but the local file has %zu bytes (want %d) or other bytes", got_n, (int)G1_N);
        else
            G1_EXPECT(got_n == full && memcmp(got, data + offset, full) == 0,
                      "success, but %zu bytes arrived (want %zu) or other bytes", got_n, full);
    } else {
        G1_EXPECT(bytes == 424242, "failed, but *bytes_out was written (%llu)", (unsigned long long)bytes);
        /* The data connection is gone, the control connection in step: not fatal. */
        G1_EXPECT(ftps_client_last_error_is_fatal(c, &fatal) == FTPS_RESULT_OK && !fatal,
                  "a truncated download is reported as fatal (connection lost)");
        switch (call) {
        case G1_PATH:
            /* The old file stays, untouched; no temporary file is left. */
            G1_EXPECT(got_n == sizeof old - 1 && memcmp(got, old, got_n) == 0,
                      "the target was replaced by %zu bytes", got_n);
            break;
        case G1_PATH_RESUME:
            /* The partial file stays a partial: a prefix of the file, at least what it
               held, never presented as complete (short) or longer than the file. */
            G1_EXPECT(got_n >= offset && got_n <= G1_N && memcmp(got, data, got_n) == 0,
                      "the partial file now has %zu bytes, not a prefix of the file from %llu on", got_n,
                      (unsigned long long)offset);
            if (want == G1_SHORT) G1_EXPECT(got_n < G1_N, "truncated, yet the local file is complete");
            break;
        case G1_CB:
        case G1_FD:
            /* What was handed over is a prefix of the data at that offset. */
            G1_EXPECT(got_n <= full && memcmp(got, data + offset, got_n) == 0,
                      "%zu bytes handed over, not a prefix of the data", got_n);
            if (want == G1_SHORT) G1_EXPECT(got_n < full, "truncated, yet %zu bytes (all) arrived", got_n);
            break;
        }
    }
    if (call == G1_PATH || call == G1_PATH_RESUME) {
        int n = g1_dir_entries(dir, "target.bin", stray, sizeof stray);
        G1_EXPECT(n == 1 && stray[0] == '\0', "%d local files, stray: %s", n, stray);
        G1_EXPECT(access(part, F_OK) != 0, "the temporary file %s is left", part);
    }
    /* The session goes on. */
    rc = ftps_client_noop(c);
    G1_EXPECT(rc == FTPS_RESULT_OK, "NOOP afterwards: %s: %s", ftps_result_str(rc), client_message(c));
    G1_EXPECT(!ftps_client_transfer_open(c), "a transfer is still open");
out:
    free(got);
    free(m.data);
    unlink(target);
    return ok;
}
#undef G1_EXPECT

/* One row of the matrix: a download by each call kind. */
struct g1_case {
    enum g1_call call;
    uint64_t offset;
    enum g1_want want;
    uint64_t announce; /* the 150 count to see (0: don't look) */
};

/* Runs the cases for one fault user in one session, then checks that the session
   still transfers a file (hello.txt: 6 bytes, a full count for every fault user but
   the RST ones) and says goodbye. */
static int g1_run(const struct server *s, const char *user, const struct g1_case *cases, size_t n,
                  int hello_must_work) {
    struct g1_transcript tr;
    char dir[512];
    int ok = 1;
    G1_NEED_FAULT_USERS();
    memset(&tr, 0, sizeof tr);
    unsigned char *data = g1_contents();
    ftps_client *c = g1_login(s, user, &tr);
    if (data == NULL || c == NULL || !g1_local_dir(dir, sizeof dir)) {
        free(data);
        ftps_client_free(c);
        FAILF("setup for %s failed", user);
    }
    for (size_t i = 0; i < n && ok; i++)
        ok = g1_download(c, &tr, user, dir, cases[i].call, cases[i].offset, cases[i].want, data, cases[i].announce);
    if (ok) {
        struct membuf m = {0};
        uint64_t bytes = 0;
        ftps_result rc = ftps_client_download_cb(c, "hello.txt", 9, 0, membuf_write, &m, &bytes);
        if (hello_must_work && (rc != FTPS_RESULT_OK || m.len != 6 || memcmp(m.data, "hello\n", 6) != 0)) {
            fprintf(stderr, "    %s: hello.txt afterwards: %s: %s\n", user, ftps_result_str(rc), client_message(c));
            ok = 0;
        }
        if (!hello_must_work && rc != FTPS_RESULT_OK && rc != FTPS_RESULT_TRUNCATED) {
            fprintf(stderr, "    %s: hello.txt afterwards: %s: %s\n", user, ftps_result_str(rc), client_message(c));
            ok = 0;
        }
        free(m.data);
        char pwd[64];
        size_t pwd_n = 0;
        if (ftps_client_pwd(c, pwd, sizeof pwd, &pwd_n) != FTPS_RESULT_OK || ftps_client_quit(c) != FTPS_RESULT_OK) {
            fprintf(stderr, "    %s: the session did not go on: %s\n", user, client_message(c));
            ok = 0;
        }
    }
    g1_remove_dir(dir);
    ftps_client_free(c);
    free(data);
    return ok ? PASS : FAIL;
}

#define G1_CASES(cases) (cases), sizeof(cases) / sizeof((cases)[0])

/* Clean close_notify: complete with either 150 count (the bytes to come: the
   default user; the whole file, as vsftpd says after REST: g1whole). */
static int t_g1_clean_end_is_complete_with_either_150_count(const struct server *s) {
    static const struct g1_case to_come[] = {
        {G1_PATH, 0, G1_COMPLETE, G1_N},
        {G1_PATH_RESUME, G1_OFF, G1_COMPLETE, G1_N - G1_OFF},
        {G1_CB, G1_OFF, G1_COMPLETE, G1_N - G1_OFF},
    };
    static const struct g1_case whole[] = {
        {G1_PATH, 0, G1_COMPLETE, G1_N},
        {G1_PATH_RESUME, G1_OFF, G1_COMPLETE, G1_N},
        {G1_CB, 0, G1_COMPLETE, G1_N},
        {G1_CB, G1_OFF, G1_COMPLETE, G1_N},
        {G1_FD, G1_OFF, G1_COMPLETE, G1_N},
    };
    int r = g1_run(s, s->user, G1_CASES(to_come), 1);
    return r != PASS ? r : g1_run(s, "g1whole", G1_CASES(whole), 1);
}

/* No close_notify, every byte, 150 = the bytes to come: the count proves it, with
   and without an offset. */
static int t_g1_no_close_notify_full_length_count_to_come_is_complete(const struct server *s) {
    static const struct g1_case cases[] = {
        {G1_PATH, 0, G1_COMPLETE, G1_N},
        {G1_PATH_RESUME, G1_OFF, G1_COMPLETE, G1_N - G1_OFF},
        {G1_CB, 0, G1_COMPLETE, G1_N},
        {G1_CB, G1_OFF, G1_COMPLETE, G1_N - G1_OFF},
        {G1_FD, G1_OFF, G1_COMPLETE, G1_N - G1_OFF},
    };
    return g1_run(s, "g1nocn", G1_CASES(cases), 1);
}

/* No close_notify, every byte, 150 = the whole file. At offset 0 the count proves
   it; after REST only SIZE can, and every download from an offset asks for it first
   (a server without SIZE leaves the count alone, and then the library reports
   TRUNCATED: the Rust and Python suites cover that). */
static int t_g1_no_close_notify_full_length_whole_count_is_proven_by_size(const struct server *s) {
    static const struct g1_case cases[] = {
        {G1_PATH, 0, G1_COMPLETE, G1_N},
        {G1_CB, 0, G1_COMPLETE, G1_N},
        {G1_PATH_RESUME, G1_OFF, G1_COMPLETE, G1_N},
        {G1_CB, G1_OFF, G1_COMPLETE, G1_N},
        {G1_FD, G1_OFF, G1_COMPLETE, G1_N},
    };
    return g1_run(s, "g1wholenocn", G1_CASES(cases), 1);
}

/* The ambiguous case: 150 = the bytes to come, cut short by exactly the offset, so
   offset + bytes received = the 150 count, as a complete "whole file" count would
   be. Truncated: SIZE, which every download from an offset asks first, shows it.
   The same cut under a whole-file count (g1wholecut) and at offset 0 (a cut
   elsewhere for both): truncated. */
static int t_g1_cut_short_by_the_offset_is_truncated(const struct server *s) {
    static const struct g1_case to_come[] = {
        {G1_CB, G1_OFF, G1_SHORT, G1_N - G1_OFF},
        {G1_FD, G1_OFF, G1_SHORT, G1_N - G1_OFF},
        {G1_PATH_RESUME, G1_OFF, G1_SHORT, G1_N - G1_OFF},
        {G1_PATH, 0, G1_SHORT, G1_N},
        {G1_CB, 0, G1_SHORT, G1_N},
    };
    static const struct g1_case whole[] = {
        {G1_CB, G1_OFF, G1_SHORT, G1_N},
        {G1_PATH_RESUME, G1_OFF, G1_SHORT, G1_N},
        {G1_PATH, 0, G1_SHORT, G1_N},
    };
    int r = g1_run(s, "g1cutoff", G1_CASES(to_come), 1);
    return r != PASS ? r : g1_run(s, "g1wholecut", G1_CASES(whole), 1);
}

/* Cut anywhere else (no close_notify): truncated, with and without an offset. */
static int t_g1_cut_elsewhere_is_truncated(const struct server *s) {
    static const struct g1_case cases[] = {
        {G1_PATH, 0, G1_SHORT, G1_N},
        {G1_PATH_RESUME, G1_OFF, G1_SHORT, G1_N - G1_OFF},
        {G1_CB, 0, G1_SHORT, G1_N},
        {G1_CB, G1_OFF, G1_SHORT, G1_N - G1_OFF},
    };
    return g1_run(s, "g1cut", G1_CASES(cases), 1);
}

/* A clean end (close_notify) short of what the 150 count or SIZE says: the server
   cut the file all the same. Truncated, with and without an offset. */
static int t_g1_clean_close_short_of_the_count_is_truncated(const struct server *s) {
    static const struct g1_case cases[] = {
        {G1_PATH, 0, G1_SHORT, G1_N},
        {G1_PATH_RESUME, G1_OFF, G1_SHORT, G1_N - G1_OFF},
        {G1_CB, 0, G1_SHORT, G1_N},
        {G1_CB, G1_OFF, G1_SHORT, G1_N - G1_OFF},
    };
    return g1_run(s, "g1cleancut", G1_CASES(cases), 1);
}

/* The ambiguous case with a clean end: 150 = the bytes to come, close_notify after
   exactly G1_OFF bytes fewer, after REST. offset + bytes = the count, as if the count
   were the whole file's; but the server did cut the file (SIZE says so: the resume
   option sees it). A callback or fd download at an offset must not report success
   with the short data either. */
static int t_g1_clean_close_cut_short_by_the_offset_is_truncated(const struct server *s) {
    static const struct g1_case cases[] = {
        {G1_PATH_RESUME, G1_OFF, G1_SHORT, G1_N - G1_OFF},
        {G1_CB, G1_OFF, G1_SHORT, G1_N - G1_OFF},
        {G1_FD, G1_OFF, G1_SHORT, G1_N - G1_OFF},
    };
    return g1_run(s, "g1cleancutoff", G1_CASES(cases), 1);
}

/* A TCP RST at the end may lose bytes (or not): never a success with a short
   result. Cut short and then reset: truncated. */
static int t_g1_rst_is_never_success_with_a_short_file(const struct server *s) {
    static const struct g1_case rst[] = {
        {G1_PATH, 0, G1_EITHER, G1_N},
        {G1_PATH_RESUME, G1_OFF, G1_EITHER, G1_N - G1_OFF},
        {G1_CB, G1_OFF, G1_EITHER, G1_N - G1_OFF},
    };
    static const struct g1_case rst_cut[] = {
        {G1_PATH, 0, G1_SHORT, G1_N},
        {G1_PATH_RESUME, G1_OFF, G1_SHORT, G1_N - G1_OFF},
        {G1_CB, 0, G1_SHORT, G1_N},
        {G1_CB, G1_OFF, G1_SHORT, G1_N - G1_OFF},
    };
    int r = g1_run(s, "g1rst", G1_CASES(rst), 0);
    return r != PASS ? r : g1_run(s, "g1rstcut", G1_CASES(rst_cut), 0);
}

/* TLS 1.3 KeyUpdate (update_requested) every 50000 payload bytes over a few MiB of
   downloads: byte-exact. The file is uploaded by the plain user first: 32 KeyUpdate
   requests in a row with no data from the server in between (an upload) are more than
   rustls accepts (its BoringSSL-like limit), and the upload would fail. */
static int t_g1_key_updates_during_a_download_are_byte_exact(const struct server *s) {
    enum { N = 3 * 1024 * 1024 + 4099, OFF = 777777 };
    struct server ks = *s;
    struct membuf m = {0};
    char local[512], buf[64], dir[256], remote[300];
    size_t n = 0, got_n = 0;
    uint64_t bytes = 0;
    G1_NEED_FAULT_USERS();
    ks.user = "g1ku";
    unsigned char *data = malloc(N);
    CHECK(data != NULL);
    fill_pattern(data, N, 9);
    ftps_client *up = open_session(s);
    CHECK(up != NULL);
    CHECK(put_bytes(up, "ku.bin", data, N));
    test_dir(dir, sizeof dir);
    snprintf(remote, sizeof remote, "/%s/ku.bin", dir);
    ftps_client *c = connect_login(&ks);
    CHECK(c != NULL);
    tmp_path(local, sizeof local, "ku");
    CHECK_OK(c, ftps_client_download_path(c, remote, strlen(remote), local, false, &bytes));
    CHECK(bytes == N);
    unsigned char *back = read_file(local, &got_n);
    unlink(local);
    CHECK(back != NULL);
    int same = got_n == N && memcmp(back, data, N) == 0;
    free(back);
    CHECK(same);
    CHECK_OK(c, ftps_client_tls_version(c, FTPS_TLS_CONNECTION_LAST_DATA, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "TLSv1.3") == 0); /* KeyUpdate is TLS 1.3 */
    CHECK_OK(c, ftps_client_download_cb(c, remote, strlen(remote), OFF, membuf_write, &m, &bytes));
    same = bytes == N - OFF && m.len == N - OFF && memcmp(m.data, data + OFF, N - OFF) == 0;
    free(m.data);
    CHECK(same);
    /* The demo file, through an fd. */
    unsigned char *demo = g1_contents();
    CHECK(demo != NULL);
    int fd = open(local, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ftps_result rc = ftps_client_download_fd(c, g1_file, strlen(g1_file), fd, 0, &bytes);
    close(fd);
    same = file_equals(local, demo, G1_N);
    unlink(local);
    free(demo);
    CHECK_OK(c, rc);
    CHECK(same && bytes == G1_N);
    CHECK_OK(c, ftps_client_noop(c));
    CHECK_OK(c, ftps_client_quit(c));
    ftps_client_free(c);
    free(data);
    close_session(up);
    return PASS;
}

/* The first 64 KiB of each data connection go out as 0.5-RTT data, before the
   server's TLS 1.3 tickets: the tickets still arrive, and the next data connection
   resumes with one. More data connections than the control connection's tickets
   (the server sends 2 per handshake), each checked. */
static int t_g1_late_tickets_still_resume_the_next_data_connection(const struct server *s) {
    struct membuf m = {0};
    char buf[64];
    size_t n;
    uint64_t bytes = 0, tickets_before = 0, tickets = 0, v = 0;
    bool resumed = false;
    G1_NEED_FAULT_USERS();
    unsigned char *data = g1_contents();
    ftps_client *c = g1_login(s, "g1late", NULL);
    CHECK(data != NULL && c != NULL);
    CHECK_OK(c, ftps_client_tls_version(c, FTPS_TLS_CONNECTION_CONTROL, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "TLSv1.3") == 0);
    for (int i = 0; i < 6; i++) {
        uint64_t off = (i % 3 == 2) ? G1_OFF : 0;
        const char *name = (i % 3 == 1) ? "hello.txt" : g1_file; /* hello.txt: all of it before the tickets */
        m.len = 0;
        CHECK_OK(c, ftps_client_session_stat(c, FTPS_SESSION_STAT_DATA_TICKETS, &tickets_before));
        CHECK_OK(c, ftps_client_download_cb(c, name, strlen(name), off, membuf_write, &m, &bytes));
        if (name == g1_file)
            CHECK(bytes == G1_N - off && m.len == bytes && memcmp(m.data, data + off, m.len) == 0);
        else
            CHECK(bytes == 6 && m.len == 6 && memcmp(m.data, "hello\n", 6) == 0);
        CHECK_OK(c, ftps_client_tls_resumed(c, FTPS_TLS_CONNECTION_LAST_DATA, &resumed));
        if (!resumed) FAILF("data connection %d did not resume", i + 1);
        /* The late tickets of this data connection were taken. */
        CHECK_OK(c, ftps_client_session_stat(c, FTPS_SESSION_STAT_DATA_TICKETS, &tickets));
        if (tickets <= tickets_before) FAILF("data connection %d brought no ticket (%llu)", i + 1, (unsigned long long)tickets);
    }
    free(m.data);
    CHECK_OK(c, ftps_client_session_stat(c, FTPS_SESSION_STAT_DATA_RESUMED, &v));
    CHECK(v == 6);
    CHECK_OK(c, ftps_client_session_stat(c, FTPS_SESSION_STAT_DATA_FULL, &v));
    CHECK(v == 0);
    CHECK_OK(c, ftps_client_session_stat(c, FTPS_SESSION_STAT_TICKETS_EXHAUSTED, &v));
    CHECK(v == 0);
    CHECK_OK(c, ftps_client_session_stat(c, FTPS_SESSION_STAT_RETRIED, &v));
    CHECK(v == 0);
    CHECK_OK(c, ftps_client_noop(c));
    CHECK_OK(c, ftps_client_quit(c));
    ftps_client_free(c);
    free(data);
    return PASS;
}

/* ------------------------------------------------------------------------ */
/* G5, G6: transfers verified after the fact, atomic uploads, automatic     */
/* resume, against ftps-testserver and its fault users (tests/c/run.sh)     */
/* ------------------------------------------------------------------------ */

/* The fault users below must match TS_G56_USERS in tests/c/run.sh:
     g5lie       lying-hash                     HASH and XSHA* answer a wrong digest
     g5norename  no-rename-onto-existing        RNTO onto an existing file: 553
     g5left      drop-session-after=200003      every file transfer: data and control
                                                connection reset after 200003 bytes
     g6cut       cut-every-second=300007        the 2nd, 4th... file transfer (counted
                                                over all sessions with a cut fault): data
                                                connection reset after 300007 bytes, 426
     g6drop      drop-session-every-second=300007  the same, and the control connection
                                                reset too
     f8nosize    size-without-number            SIZE answers "213 File status"
   Without hashes: a second ftps-testserver with --no-hash --no-xsha --no-mfmt
   (FTPS_TESTSERVER_NOHASH_EXPLICIT, FTPS_TESTSERVER_NOHASH_CA). Reading commands for
   300 ms after 234: a third, --fault commands-after-234=300
   (FTPS_TESTSERVER_A5_EXPLICIT, FTPS_TESTSERVER_A5_CA). */
enum { G6_CUT = 300007 };

static int host_port(const char *hp, char *host, size_t len, unsigned *port);

static int g56_available(void) {
    const char *v = env("FTPS_TESTSERVER_G56_USERS");
    return v != NULL && strcmp(v, "1") == 0;
}
#define G56_NEED_FAULT_USERS()                                                         \
    do {                                                                               \
        if (!g56_available()) {                                                        \
            fprintf(stderr, "    ftps-testserver lacks the G5/G6 fault users (run tests/c/run.sh)\n"); \
            return g1_required() ? FAIL : SKIP;                                        \
        }                                                                              \
    } while (0)

/* The whole transcript: one line each, "> " sent, "< " received, "* " a note. */
struct tlog {
    char *buf;
    size_t len, cap;
};

static void tlog_line(void *userdata, ftps_transcript_direction dir, const char *line, size_t len) {
    struct tlog *t = userdata;
    const char *prefix = dir == FTPS_TRANSCRIPT_DIRECTION_SENT       ? "> "
                         : dir == FTPS_TRANSCRIPT_DIRECTION_RECEIVED ? "< "
                                                                     : "* ";
    size_t need = t->len + len + 4;
    if (need > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < need) cap *= 2;
        char *nb = realloc(t->buf, cap);
        if (nb == NULL) return;
        t->buf = nb;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, prefix, 2);
    memcpy(t->buf + t->len + 2, line, len);
    t->len += 2 + len;
    t->buf[t->len++] = '\n';
    t->buf[t->len] = '\0';
}

static void tlog_clear(struct tlog *t) {
    t->len = 0;
    if (t->buf != NULL) t->buf[0] = '\0';
}

/* The offset of the first `needle` at or after `from`, or -1. */
static long tlog_find(const struct tlog *t, long from, const char *needle) {
    if (t->buf == NULL || from < 0 || (size_t)from > t->len) return -1;
    const char *p = strstr(t->buf + from, needle);
    return p == NULL ? -1 : (long)(p - t->buf);
}

static int tlog_count(const struct tlog *t, const char *needle) {
    int n = 0;
    for (long at = tlog_find(t, 0, needle); at >= 0; at = tlog_find(t, at + 1, needle)) n++;
    return n;
}

/* Prints the transcript (for a failure). */
static void tlog_dump(const struct tlog *t) {
    fprintf(stderr, "    transcript:\n");
    if (t->buf == NULL) return;
    for (const char *line = t->buf; *line != '\0';) {
        const char *end = strchr(line, '\n');
        int n = end ? (int)(end - line) : (int)strlen(line);
        fprintf(stderr, "      %.*s\n", n, line);
        line += n + (end != NULL);
    }
}

/* needles[] appear in this order in the transcript. */
static int tlog_in_order(const struct tlog *t, const char *const *needles, size_t n) {
    long at = 0;
    for (size_t i = 0; i < n; i++) {
        at = tlog_find(t, at, needles[i]);
        if (at < 0) {
            fprintf(stderr, "    \"%s\" missing (or out of order) in the transcript\n", needles[i]);
            tlog_dump(t);
            return 0;
        }
        at++;
    }
    return 1;
}
#define IN_ORDER(t, ...)                                                               \
    do {                                                                               \
        static const char *const needles_[] = {__VA_ARGS__};                           \
        if (!tlog_in_order((t), needles_, sizeof needles_ / sizeof needles_[0]))       \
            FAILF("transcript order");                                                 \
    } while (0)

/* A session of `user` (NULL: the server's user) with the transcript going to `log`
   (may be NULL), in this test's remote directory when `in_dir` (created if missing). */
static ftps_client *g56_session(const struct server *s, const char *user, struct tlog *log, int in_dir) {
    struct server us = *s;
    char dir[256];
    if (user != NULL) us.user = user;
    ftps_client *c = connect_login(&us);
    if (c == NULL) return NULL;
    if (in_dir) {
        test_dir(dir, sizeof dir);
        (void)ftps_client_mkdir(c, dir, strlen(dir)); /* another user of the test may have made it */
        if (ftps_client_cwd(c, dir, strlen(dir)) != FTPS_RESULT_OK) {
            fprintf(stderr, "    cwd %s: %s\n", dir, client_message(c));
            ftps_client_free(c);
            return NULL;
        }
    }
    if (log != NULL && ftps_client_set_transcript(c, tlog_line, log) != FTPS_RESULT_OK) {
        ftps_client_free(c);
        return NULL;
    }
    return c;
}

/* The client's counter `stat` (FTPS_SESSION_STAT_...), or UINT64_MAX. */
static uint64_t stat_of(const ftps_client *c, uint32_t stat) {
    uint64_t v = 0;
    return ftps_client_session_stat(c, stat, &v) == FTPS_RESULT_OK ? v : UINT64_MAX;
}

/* Copies one of the last integrity facts (`which`: 'c' check, 'l' local, 'r' remote). */
static ftps_result integrity_fact(const ftps_client *c, char which, char *buf, size_t len, size_t *n) {
    return which == 'c' ? ftps_client_last_integrity_check(c, buf, len, n)
           : which == 'l' ? ftps_client_last_integrity_local(c, buf, len, n)
                          : ftps_client_last_integrity_remote(c, buf, len, n);
}

static int is_lower_hex(const char *s, size_t n) {
    if (strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

/* Writes `size` bytes of a pattern (seeded) to a local file, 1 MiB at a time. */
static int write_pattern_file(const char *path, uint64_t size, unsigned seed) {
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    FILE *f = fopen(path, "wb");
    int ok = buf != NULL && f != NULL;
    for (uint64_t done = 0, i = 0; ok && done < size; i++) {
        size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
        fill_pattern(buf, n, seed + (unsigned)i);
        ok = fwrite(buf, 1, n, f) == n;
        done += n;
    }
    if (f != NULL && fclose(f) != 0) ok = 0;
    free(buf);
    return ok;
}

/* 1 when two local files hold the same bytes (compared 1 MiB at a time). */
static int same_files(const char *a, const char *b) {
    enum { CHUNK = 1 << 20 };
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    unsigned char *ba = malloc(CHUNK), *bb = malloc(CHUNK);
    int same = fa != NULL && fb != NULL && ba != NULL && bb != NULL;
    while (same) {
        size_t na = fread(ba, 1, CHUNK, fa), nb = fread(bb, 1, CHUNK, fb);
        if (na != nb || memcmp(ba, bb, na) != 0) same = 0;
        if (na < CHUNK) break;
    }
    if (fa != NULL) fclose(fa);
    if (fb != NULL) fclose(fb);
    free(ba);
    free(bb);
    return same;
}

/* The size of the big file of the G6 test: FTPS_C_G6_BIG_MIB MiB (default 1024; run.sh
   gives 8 under ASan and valgrind). */
static uint64_t g6_big_size(void) {
    const char *v = env("FTPS_C_G6_BIG_MIB");
    unsigned long mib = v != NULL ? strtoul(v, NULL, 10) : 1024;
    if (mib == 0) mib = 1;
    return (uint64_t)mib << 20;
}

/* The cut faults count file transfers over the whole server (all their sessions, the
   ASan and the valgrind run): makes the next one an odd one, which is not cut. A
   download of pub/data.bin (longer than the cut) with no resume shows where the count
   is: cut, it was even; whole, it was odd, and one more transfer (hello.txt, shorter
   than the cut) makes it even. */
static int g6_align(const struct server *s) {
    struct server us = *s;
    struct membuf m = {0};
    ftps_transfer_options once;
    uint64_t bytes = 0;
    us.user = "g6cut";
    ftps_client *c = connect_login(&us);
    CHECK(c != NULL);
    CHECK_OK(c, ftps_transfer_options_init(&once, sizeof once));
    once.resume_attempts = 0;
    once.verify = FTPS_VERIFY_OFF;
    ftps_result rc = ftps_client_download_cb_ex(c, g1_file, strlen(g1_file), 0, membuf_write, &m, &once, &bytes);
    if (rc == FTPS_RESULT_OK) {
        m.len = 0;
        rc = ftps_client_download_cb_ex(c, "hello.txt", 9, 0, membuf_write, &m, &once, &bytes);
        if (rc != FTPS_RESULT_OK) fprintf(stderr, "    align: hello.txt: %s\n", client_message(c));
    } else {
        rc = FTPS_RESULT_OK; /* the cut one */
    }
    free(m.data);
    (void)ftps_client_quit(c);
    ftps_client_free(c);
    CHECK(rc == FTPS_RESULT_OK);
    return PASS;
}

/* G5: a download is checked with the server's strongest hash (HASH SHA-512, selected
   with OPTS HASH once per session); verify off (per call or in the configuration)
   sends no HASH, and a per-call verify overrides the configuration's. */
static int t_g5_download_is_verified_with_the_servers_hash(const struct server *s) {
    /* Each command, then its reply, in the transcript: nothing sent ahead (P3 has its own test). */
    knob_pipelining = FTPS_PIPELINING_OFF;
    struct tlog log = {0};
    struct membuf m = {0};
    char local[512], buf[256];
    size_t n = 0;
    uint64_t bytes = 0;
    ftps_transfer_options o;
    unsigned char *data = g1_contents();
    ftps_client *c = g56_session(s, NULL, &log, 0);
    CHECK(c != NULL && data != NULL);
    CHECK_OK(c, ftps_client_feature(c, "HASH", buf, sizeof buf, &n));
    CHECK(strstr(buf, "SHA-512") != NULL);
    tmp_path(local, sizeof local, "data");
    CHECK_OK(c, ftps_client_download_path(c, g1_file, strlen(g1_file), local, false, &bytes));
    CHECK(bytes == G1_N && file_equals(local, data, G1_N));
    IN_ORDER(&log, "> RETR pub/data.bin", "< 226", "> OPTS HASH SHA-512", "< 200", "> HASH pub/data.bin",
             "< 213 SHA-512 0-1048576 ", "* verified: SHA-512 ");
    CHECK(reply_code(c) == 213);
    CHECK_RC(c, ftps_client_last_integrity_check(c, buf, sizeof buf, &n), FTPS_RESULT_NOT_AVAILABLE);
    /* The algorithm stays selected: HASH alone the next time, also for a callback. */
    tlog_clear(&log);
    CHECK_OK(c, ftps_client_download_cb(c, g1_file, strlen(g1_file), 0, membuf_write, &m, &bytes));
    CHECK(m.len == G1_N && memcmp(m.data, data, G1_N) == 0);
    IN_ORDER(&log, "> RETR pub/data.bin", "> HASH pub/data.bin", "* verified: SHA-512 ");
    CHECK(tlog_count(&log, "> OPTS HASH") == 0);
    /* Per call: off. */
    tlog_clear(&log);
    m.len = 0;
    CHECK_OK(c, ftps_transfer_options_init(&o, sizeof o));
    o.verify = FTPS_VERIFY_OFF;
    CHECK_OK(c, ftps_client_download_cb_ex(c, g1_file, strlen(g1_file), 0, membuf_write, &m, &o, &bytes));
    CHECK(m.len == G1_N && tlog_count(&log, "> RETR ") == 1 && tlog_count(&log, "> HASH") == 0);
    ftps_client_free(c);
    /* In the configuration: off; per call: auto again. */
    knob_verify = FTPS_VERIFY_OFF;
    tlog_clear(&log);
    c = g56_session(s, NULL, &log, 0);
    CHECK(c != NULL);
    CHECK_OK(c, ftps_client_download_path(c, g1_file, strlen(g1_file), local, false, &bytes));
    CHECK(tlog_count(&log, "> RETR ") == 1 && tlog_count(&log, "> HASH") == 0);
    o.verify = FTPS_VERIFY_AUTO;
    CHECK_OK(c, ftps_client_download_path_ex(c, g1_file, strlen(g1_file), local, false, &o, &bytes));
    CHECK(tlog_count(&log, "> HASH pub/data.bin") == 1 && file_equals(local, data, G1_N));
    CHECK_OK(c, ftps_client_quit(c));
    ftps_client_free(c);
    unlink(local);
    free(m.data);
    free(data);
    free(log.buf);
    return PASS;
}

/* G5: a server whose hash disagrees: FTPS_RESULT_INTEGRITY with both SHA-512 values,
   the local target untouched and no temporary file left; an atomic upload is not put
   in place, and its temporary file is deleted. The session goes on. */
static int t_g5_lying_hash_is_an_integrity_error_and_the_target_is_untouched(const struct server *s) {
    enum { UP = 100 * 1000 + 1 };
    static const unsigned char old[] = "the old target, which must survive\n";
    struct tlog log = {0};
    char dir[512], target[600], stray[256], check[16], local[256], remote[256], src[512];
    size_t n = 0, nl = 0, nr = 0;
    uint64_t bytes = 4242, size = 0;
    bool fatal = true;
    ftps_transfer_options o;
    G56_NEED_FAULT_USERS();
    ftps_client *c = g56_session(s, "g5lie", &log, 1);
    CHECK(c != NULL && g1_local_dir(dir, sizeof dir));
    snprintf(target, sizeof target, "%s/target.bin", dir);
    CHECK(write_file(target, old, sizeof old - 1));
    CHECK_RC(c, ftps_client_download_path(c, "/pub/data.bin", 13, target, false, &bytes), FTPS_RESULT_INTEGRITY);
    CHECK(bytes == 4242);
    CHECK(strstr(client_message(c), "integrity check failed for /pub/data.bin: SHA-512") != NULL);
    CHECK_OK(c, ftps_client_last_error_is_fatal(c, &fatal));
    CHECK(!fatal);
    /* What was compared, with the usual buffer rules. */
    CHECK_RC(c, ftps_client_last_integrity_check(c, NULL, 0, &n), FTPS_RESULT_INSUFFICIENT_SIZE);
    CHECK(n == sizeof "SHA-512");
    CHECK_RC(c, ftps_client_last_integrity_local(c, check, sizeof check, &n), FTPS_RESULT_INSUFFICIENT_SIZE);
    CHECK(n == 129);
    for (int i = 0; i < 3; i++) {
        char *out = i == 0 ? check : i == 1 ? local : remote;
        size_t cap = i == 0 ? sizeof check : 256, *outn = i == 0 ? &n : i == 1 ? &nl : &nr;
        CHECK_OK(c, integrity_fact(c, "clr"[i], out, cap, outn));
    }
    CHECK(strcmp(check, "SHA-512") == 0 && n == 7);
    CHECK(nl == 128 && nr == 128 && is_lower_hex(local, 128) && is_lower_hex(remote, 128));
    CHECK(strcmp(local, remote) != 0);
    IN_ORDER(&log, "> RETR /pub/data.bin", "> HASH /pub/data.bin", "< 213 SHA-512 ");
    /* The target is as it was, and nothing else is in its directory. */
    CHECK(file_equals(target, old, sizeof old - 1));
    CHECK(g1_dir_entries(dir, "target.bin", stray, sizeof stray) == 1 && stray[0] == '\0');
    /* A successful call forgets the facts. */
    CHECK_OK(c, ftps_client_noop(c));
    CHECK_RC(c, ftps_client_last_integrity_check(c, check, sizeof check, &n), FTPS_RESULT_NOT_AVAILABLE);
    /* An atomic upload that fails its check: deleted under its temporary name, the
       target never appears. */
    tmp_path(src, sizeof src, "src");
    CHECK(write_pattern_file(src, UP, 11));
    tlog_clear(&log);
    CHECK_OK(c, ftps_transfer_options_init(&o, sizeof o));
    o.atomic_upload = 1;
    CHECK_RC(c, ftps_client_upload_path_ex(c, "lie.bin", 7, src, false, &o, &bytes), FTPS_RESULT_INTEGRITY);
    CHECK(bytes == 4242);
    IN_ORDER(&log, "> STOR .lie.bin.ftps-part.", "> HASH .lie.bin.ftps-part.", "> DELE .lie.bin.ftps-part.", "< 250");
    CHECK(tlog_count(&log, "> RNFR") == 0 && tlog_count(&log, "> RNTO") == 0);
    CHECK_RC(c, ftps_client_size(c, "lie.bin", 7, &size), FTPS_RESULT_REPLY);
    CHECK_OK(c, ftps_client_left_behind_count(c, &n));
    CHECK(n == 0);
    unlink(src);
    g1_remove_dir(dir);
    close_session(c);
    free(log.buf);
    return PASS;
}

/* One of the other test servers of tests/c/run.sh, from its variables `<prefix>_EXPLICIT`
   (host:port) and `<prefix>_CA`, as `*out` (a copy of `s` otherwise; the host lives in
   `host`). 0 with the reason printed when they are missing. */
static int other_testserver(const struct server *s, const char *prefix, const char *name, char *host,
                            size_t host_len, struct server *out) {
    char var[128];
    *out = *s;
    snprintf(var, sizeof var, "%s_EXPLICIT", prefix);
    const char *addr = env(var);
    snprintf(var, sizeof var, "%s_CA", prefix);
    const char *ca = env(var);
    if (!host_port(addr, host, host_len, &out->port) || ca == NULL) {
        fprintf(stderr, "    no %s (%s_EXPLICIT, _CA: run tests/c/run.sh)\n", name, prefix);
        return 0;
    }
    out->name = name;
    out->host = host;
    out->ca = ca;
    return 1;
}

/* G5: verify required against a server without any hash (--no-hash --no-xsha):
   FTPS_RESULT_INTEGRITY with "none" and empty values, before anything is transferred
   (no data connection, no local file). verify auto falls back to SIZE. */
static int t_g5_verify_required_without_a_server_hash_transfers_nothing(const struct server *s) {
    static char host[64];
    struct server nh;
    struct tlog log = {0};
    struct membuf m = {0};
    char target[512], buf[64];
    size_t n = 7;
    uint64_t bytes = 4242;
    ftps_transfer_options o;
    if (!other_testserver(s, "FTPS_TESTSERVER_NOHASH", "testserver-nohash", host, sizeof host, &nh))
        return g1_required() ? FAIL : SKIP;
    knob_verify = FTPS_VERIFY_REQUIRED;
    ftps_client *c = g56_session(&nh, NULL, &log, 0);
    CHECK(c != NULL);
    CHECK_RC(c, ftps_client_feature(c, "HASH", buf, sizeof buf, &n), FTPS_RESULT_NOT_AVAILABLE);
    CHECK_RC(c, ftps_client_feature(c, "XSHA512", buf, sizeof buf, &n), FTPS_RESULT_NOT_AVAILABLE);
    tmp_path(target, sizeof target, "target");
    unlink(target);
    tlog_clear(&log);
    CHECK_RC(c, ftps_client_download_path(c, "hello.txt", 9, target, false, &bytes), FTPS_RESULT_INTEGRITY);
    CHECK(strstr(client_message(c), "verify is required") != NULL);
    CHECK_OK(c, ftps_client_last_integrity_check(c, buf, sizeof buf, &n));
    CHECK(strcmp(buf, "none") == 0 && n == 4);
    CHECK_OK(c, ftps_client_last_integrity_local(c, buf, sizeof buf, &n));
    CHECK(n == 0 && buf[0] == '\0');
    CHECK_OK(c, ftps_client_last_integrity_remote(c, buf, sizeof buf, &n));
    CHECK(n == 0 && buf[0] == '\0');
    CHECK(bytes == 4242 && access(target, F_OK) != 0);
    if (tlog_count(&log, "> ") != 0) {
        tlog_dump(&log);
        FAILF("commands were sent for a transfer that cannot be verified");
    }
    /* An upload: no STOR either. */
    CHECK(write_file(target, (const unsigned char *)"x", 1));
    CHECK_RC(c, ftps_client_upload_path(c, "nohash.bin", 10, target, false, &bytes), FTPS_RESULT_INTEGRITY);
    CHECK(tlog_count(&log, "> STOR") == 0 && tlog_count(&log, "> EPSV") == 0 && tlog_count(&log, "> PASV") == 0);
    unlink(target);
    /* verify auto for this call: the size is checked. */
    CHECK_OK(c, ftps_transfer_options_init(&o, sizeof o));
    o.verify = FTPS_VERIFY_AUTO;
    CHECK_OK(c, ftps_client_download_cb_ex(c, "hello.txt", 9, 0, membuf_write, &m, &o, &bytes));
    CHECK(bytes == 6 && m.len == 6 && memcmp(m.data, "hello\n", 6) == 0);
    IN_ORDER(&log, "> RETR hello.txt", "> SIZE hello.txt", "< 213 6", "* verified: the server's size is 6 bytes");
    ftps_client_free(c);
    /* The configuration's auto, a call's required. */
    knob_verify = -1;
    c = g56_session(&nh, NULL, NULL, 0);
    CHECK(c != NULL);
    m.len = 0;
    o.verify = FTPS_VERIFY_REQUIRED;
    CHECK_RC(c, ftps_client_download_cb_ex(c, "hello.txt", 9, 0, membuf_write, &m, &o, &bytes), FTPS_RESULT_INTEGRITY);
    CHECK(m.len == 0);
    CHECK_OK(c, ftps_client_download_cb(c, "hello.txt", 9, 0, membuf_write, &m, &bytes));
    CHECK(m.len == 6);
    CHECK_OK(c, ftps_client_quit(c));
    ftps_client_free(c);
    free(m.data);
    free(log.buf);
    return PASS;
}

/* G5: an atomic upload goes to .NAME.ftps-part.RANDOM, is verified there and renamed
   onto the target (per call, and from the configuration, for a path, an fd and a
   callback); a per-call 0 writes the target directly. A server that will not rename
   onto an existing file gets the target deleted first. */
static int t_g5_atomic_upload_goes_through_a_temporary_name(const struct server *s) {
    /* Each command, then its reply, in the transcript: nothing sent ahead (P3 has its own test). */
    knob_pipelining = FTPS_PIPELINING_OFF;
    enum { N = 200 * 1024 + 5 };
    struct tlog log = {0};
    char src[512];
    unsigned char *data = malloc(N), *back = NULL;
    size_t got = 0, count = 9;
    uint64_t bytes = 0;
    ftps_transfer_options o;
    ftps_listing *l = NULL;
    G56_NEED_FAULT_USERS();
    ftps_client *c = g56_session(s, NULL, &log, 1);
    CHECK(c != NULL && data != NULL);
    fill_pattern(data, N, 21);
    tmp_path(src, sizeof src, "src");
    CHECK(write_file(src, data, N));
    CHECK_OK(c, ftps_transfer_options_init(&o, sizeof o));
    o.atomic_upload = 1;
    CHECK_OK(c, ftps_client_upload_path_ex(c, "atomic.bin", 10, src, false, &o, &bytes));
    CHECK(bytes == N);
    IN_ORDER(&log, "> STOR .atomic.bin.ftps-part.", "< 226", "> HASH .atomic.bin.ftps-part.",
             "* verified: SHA-512", "> RNFR .atomic.bin.ftps-part.", "< 350", "> RNTO atomic.bin", "< 250");
    CHECK(tlog_count(&log, "> STOR atomic.bin") == 0);
    back = get_bytes(c, "atomic.bin", &got);
    CHECK(back != NULL && got == N && memcmp(back, data, N) == 0);
    free(back);
    CHECK_OK(c, ftps_client_nlst(c, NULL, 0, &l));
    for (size_t i = 0; i < ftps_listing_count(l); i++) {
        const char *name;
        size_t len;
        CHECK_OK(c, ftps_listing_entry_name(l, i, &name, &len));
        for (size_t k = 0; k + 10 <= len; k++) /* names are not NUL-terminated */
            if (memcmp(name + k, ".ftps-part", 10) == 0) FAILF("left on the server: %.*s", (int)len, name);
    }
    ftps_listing_free(l);
    ftps_client_free(c);

    /* From the configuration: an fd upload onto the existing file. */
    knob_atomic = 1;
    tlog_clear(&log);
    c = g56_session(s, NULL, &log, 1);
    CHECK(c != NULL);
    fill_pattern(data, N, 22);
    CHECK(write_file(src, data, N));
    int fd = open(src, O_RDONLY);
    CHECK(fd >= 0);
    ftps_result rc = ftps_client_upload_fd(c, "atomic.bin", 10, fd, 0, &bytes);
    close(fd);
    CHECK_OK(c, rc);
    IN_ORDER(&log, "> STOR .atomic.bin.ftps-part.", "> RNFR .atomic.bin.ftps-part.", "> RNTO atomic.bin", "< 250");
    back = get_bytes(c, "atomic.bin", &got);
    CHECK(back != NULL && got == N && memcmp(back, data, N) == 0);
    free(back);
    /* A callback upload with atomic 0 for this call: straight to the target. */
    struct source cb = {data, 1000, 0, 300, 0};
    tlog_clear(&log);
    o.atomic_upload = 0;
    CHECK_OK(c, ftps_client_upload_cb_ex(c, "direct.bin", 10, 0, source_read, &cb, &o, &bytes));
    CHECK(bytes == 1000 && tlog_count(&log, "> STOR direct.bin") == 1 && tlog_count(&log, "> RNFR") == 0);
    ftps_client_free(c);

    /* A server that refuses to rename onto an existing file (553): the target is
       deleted, then the rename done again. */
    knob_atomic = -1;
    tlog_clear(&log);
    c = g56_session(s, "g5norename", &log, 1);
    CHECK(c != NULL);
    fill_pattern(data, N, 23);
    CHECK(write_file(src, data, N));
    o.atomic_upload = 1;
    CHECK_OK(c, ftps_client_upload_path_ex(c, "atomic.bin", 10, src, false, &o, &bytes));
    IN_ORDER(&log, "> STOR .atomic.bin.ftps-part.", "> RNFR .atomic.bin.ftps-part.", "> RNTO atomic.bin", "< 553",
             "> DELE atomic.bin", "< 250", "> RNFR .atomic.bin.ftps-part.", "> RNTO atomic.bin", "< 250");
    back = get_bytes(c, "atomic.bin", &got);
    CHECK(back != NULL && got == N && memcmp(back, data, N) == 0);
    free(back);
    CHECK_OK(c, ftps_client_left_behind_count(c, &count));
    CHECK(count == 0);
    unlink(src);
    free(data);
    close_session(c);
    free(log.buf);
    return PASS;
}

/* G5/G6: an atomic upload whose session is lost, with no resume: the temporary file
   cannot be deleted and is listed by ftps_client_left_behind_*(), across a
   reconnect and a new connection; it can then be deleted by that name. The reset
   control connection is written to afterwards (close_notify): without libftps's
   SIGPIPE guard this C program would be killed by SIGPIPE here. */
static int t_g5_temporary_file_left_behind_when_the_session_is_lost(const struct server *s) {
    enum { N = 1 << 20 };
    static const char prefix[] = ".left.bin.ftps-part.";
    struct tlog log = {0};
    char src[512], name[128], pwd[512], dir[256];
    size_t n = 0, count = 9;
    uint64_t bytes = 4242;
    bool fatal = false;
    G56_NEED_FAULT_USERS();
    knob_resume_attempts = 0;
    knob_atomic = 1;
    ftps_client *c = g56_session(s, "g5left", &log, 1);
    CHECK(c != NULL);
    tmp_path(src, sizeof src, "src");
    CHECK(write_pattern_file(src, N, 31));
    ftps_result rc = ftps_client_upload_path(c, "left.bin", 8, src, false, &bytes);
    unlink(src);
    if (rc == FTPS_RESULT_OK) FAILF("the upload survived drop-session-after");
    CHECK(bytes == 4242);
    CHECK_OK(c, ftps_client_last_error_is_fatal(c, &fatal));
    if (!fatal) FAILF("%s (%s) is not fatal", ftps_result_str(rc), client_message(c));
    CHECK_OK(c, ftps_client_left_behind_count(c, &count));
    if (count != 1) {
        tlog_dump(&log);
        FAILF("left behind: %zu", count);
    }
    CHECK_RC(c, ftps_client_left_behind_path(c, 0, NULL, 0, &n), FTPS_RESULT_INSUFFICIENT_SIZE);
    CHECK(n == sizeof prefix - 1 + 12 + 1);
    CHECK_OK(c, ftps_client_left_behind_path(c, 0, name, sizeof name, &n));
    CHECK(n == strlen(name) && strncmp(name, prefix, sizeof prefix - 1) == 0);
    CHECK(is_lower_hex(name + sizeof prefix - 1, 12));
    CHECK_RC(c, ftps_client_left_behind_path(c, 1, name, sizeof name, &count), FTPS_RESULT_INVALID_ARGUMENT);
    /* Reconnect: logged in again, in the same directory, the list kept. */
    CHECK_OK(c, ftps_client_reconnect(c));
    CHECK(ftps_client_is_logged_in(c));
    CHECK(stat_of(c, FTPS_SESSION_STAT_RECONNECTS) == 1);
    CHECK_OK(c, ftps_client_pwd(c, pwd, sizeof pwd, &n));
    test_dir(dir, sizeof dir);
    CHECK(strstr(pwd, dir) != NULL);
    CHECK_OK(c, ftps_client_left_behind_count(c, &count));
    CHECK(count == 1);
    /* The server kept what it got under that name: delete it. */
    CHECK_OK(c, ftps_client_delete(c, name, strlen(name)));
    /* A new connection (not a reconnect) keeps the handle's list too. */
    CHECK_OK(c, ftps_client_connect(c));
    CHECK_OK(c, ftps_client_left_behind_count(c, &count));
    CHECK(count == 1);
    CHECK(stat_of(c, FTPS_SESSION_STAT_RECONNECTS) == 0); /* a new session, new counters */
    CHECK_OK(c, ftps_client_login(c, "g5left", s->pass));
    close_session(c);
    free(log.buf);
    return PASS;
}

/* A5: a server that goes on reading the control connection as FTP commands for 300 ms
   after 234 answers the first ClientHello with "502 Command not allowed" in clear
   text (tests/c/run.sh: the third ftps-testserver, --fault commands-after-234=300).
   ftps_client_connect() tries once more on a new connection, waiting before its
   ClientHello; the session then works, and USER went out only once, over TLS. */
static int t_a5_clienthello_answered_in_clear_text_is_tried_again_after_a_wait(const struct server *s) {
    static char host[64];
    struct server q;
    struct tlog log = {0};
    ftps_client *c = NULL;
    unsigned char *back = NULL;
    size_t got = 0;
    if (!other_testserver(s, "FTPS_TESTSERVER_A5", "testserver-a5", host, sizeof host, &q))
        return g1_required() ? FAIL : SKIP;
    const ftps_config *cfg = server_config(&q, 0);
    CHECK(cfg != NULL);
    ftps_result rc = ftps_client_new(cfg, &c);
    ftps_config_free(cfg);
    CHECK(rc == FTPS_RESULT_OK);
    CHECK_OK(c, ftps_client_set_transcript(c, tlog_line, &log));
    CHECK_OK(c, ftps_client_connect(c));
    CHECK_OK(c, ftps_client_login(c, q.user, q.pass));
    if (tlog_count(&log, "> AUTH TLS") != 2 || tlog_count(&log, "> USER") != 1) {
        tlog_dump(&log);
        FAILF("want two AUTH TLS (one per connection) and one USER");
    }
    back = get_bytes(c, "hello.txt", &got);
    CHECK(back != NULL && got == 6 && memcmp(back, "hello\n", 6) == 0);
    free(back);
    (void)ftps_client_quit(c);
    ftps_client_free(c);
    free(log.buf);
    return PASS;
}

/* F8: a server that answers SIZE with "213 File status" and no number (one server's
   answer for an empty file; the fault user f8nosize of tests/c/run.sh):
   ftps_client_size() asks MLST and gives the size, 0 for an empty file. */
static int t_f8_size_213_without_a_number_falls_back_to_mlst(const struct server *s) {
    struct tlog log = {0};
    uint64_t size = 4242;
    G56_NEED_FAULT_USERS();
    ftps_client *c = g56_session(s, "f8nosize", &log, 1);
    CHECK(c != NULL);
    CHECK(put_bytes(c, "five.bin", (const unsigned char *)"12345", 5));
    CHECK(put_bytes(c, "empty.bin", (const unsigned char *)"", 0));
    tlog_clear(&log);
    CHECK_OK(c, ftps_client_size(c, "five.bin", 8, &size));
    CHECK(size == 5);
    IN_ORDER(&log, "> SIZE five.bin", "< 213 File status", "> MLST five.bin");
    CHECK_OK(c, ftps_client_size(c, "empty.bin", 9, &size));
    CHECK(size == 0);
    close_session(c);
    free(log.buf);
    return PASS;
}

/* G6: with every second file transfer of the server cut (data connection reset after
   300007 bytes, 426), a download, an atomic upload and a download of a big file
   (FTPS_C_G6_BIG_MIB, default 1 GiB) all end byte-exact: the first is not cut, the
   others resume (REST) on the same control connection; 2 resumes, no reconnect. */
static int t_g6_cut_transfers_resume_byte_exact(const struct server *s) {
    /* Each command, then its reply, in the transcript: nothing sent ahead (P3 has its own test). */
    knob_pipelining = FTPS_PIPELINING_OFF;
    struct tlog log = {0};
    char local[512], big[512], back[512];
    uint64_t bytes = 0, size = 0, want = g6_big_size();
    ftps_transfer_options o;
    G56_NEED_FAULT_USERS();
    if (g6_align(s) != PASS) return FAIL;
    knob_backoff_ms = 10;
    unsigned char *data = g1_contents();
    ftps_client *c = g56_session(s, "g6cut", &log, 1);
    CHECK(c != NULL && data != NULL);
    tmp_path(local, sizeof local, "data");
    tmp_path(big, sizeof big, "big");
    tmp_path(back, sizeof back, "back");
    /* 1: a transfer the server does not cut. */
    CHECK_OK(c, ftps_client_download_path(c, "/pub/data.bin", 13, local, false, &bytes));
    CHECK(bytes == G1_N && file_equals(local, data, G1_N));
    unlink(local);
    CHECK(stat_of(c, FTPS_SESSION_STAT_RESUMES) == 0);
    /* 2: an atomic upload, cut, resumed from what the server kept. */
    CHECK(write_pattern_file(big, want, 41));
    tlog_clear(&log);
    CHECK_OK(c, ftps_transfer_options_init(&o, sizeof o));
    o.atomic_upload = 1;
    ftps_result rc = ftps_client_upload_path_ex(c, "big.bin", 7, big, false, &o, &bytes);
    if (rc != FTPS_RESULT_OK) tlog_dump(&log);
    CHECK_OK(c, rc);
    CHECK(bytes == want);
    IN_ORDER(&log, "> STOR .big.bin.ftps-part.", "< 426", "* ", "resuming after", "> SIZE .big.bin.ftps-part.",
             "< 213 300007", "> REST 300007", "> STOR .big.bin.ftps-part.", "< 226", "> HASH .big.bin.ftps-part.",
             "* verified: SHA-512", "> RNTO big.bin", "< 250");
    CHECK(stat_of(c, FTPS_SESSION_STAT_RESUMES) == 1);
    CHECK_OK(c, ftps_client_size(c, "big.bin", 7, &size));
    CHECK(size == want);
    /* 3: the big file back through an fd, cut, resumed from the bytes written. */
    tlog_clear(&log);
    int fd = open(back, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    rc = ftps_client_download_fd(c, "big.bin", 7, fd, 0, &bytes);
    close(fd);
    if (rc != FTPS_RESULT_OK) tlog_dump(&log);
    CHECK_OK(c, rc);
    CHECK(bytes == want);
    IN_ORDER(&log, "> RETR big.bin", "< 426", "resuming after", "> REST ", "> RETR big.bin", "< 226",
             "> HASH big.bin", "* verified: SHA-512");
    if (!same_files(big, back)) FAILF("%s and %s differ", big, back);
    CHECK(stat_of(c, FTPS_SESSION_STAT_RESUMES) == 2);
    CHECK(stat_of(c, FTPS_SESSION_STAT_RECONNECTS) == 0);
    unlink(big);
    unlink(back);
    free(data);
    close_session(c);
    free(log.buf);
    return PASS;
}

/* G6: with every second file transfer dropping the whole session (data and control
   connection reset), a callback download and a path upload reconnect (same login,
   same directory) and resume byte-exact; ftps_client_reconnect() counts too; a call
   with resume_attempts 0 fails on the loss, and the next call reconnects first. */
static int t_g6_lost_session_reconnects_and_resumes(const struct server *s) {
    /* Each command, then its reply, in the transcript: nothing sent ahead (P3 has its own test). */
    knob_pipelining = FTPS_PIPELINING_OFF;
    enum { UP = 1 << 20 };
    struct tlog log = {0};
    struct membuf m = {0};
    char src[512], pwd[512], dir[256];
    size_t n = 0;
    uint64_t bytes = 0, size = 0;
    bool fatal = false;
    ftps_transfer_options o;
    G56_NEED_FAULT_USERS();
    if (g6_align(s) != PASS) return FAIL;
    knob_backoff_ms = 10;
    unsigned char *data = g1_contents();
    ftps_client *c = g56_session(s, "g6drop", &log, 1);
    CHECK(c != NULL && data != NULL);
    /* 1: not dropped. */
    CHECK_OK(c, ftps_client_download_cb(c, "/hello.txt", 10, 0, membuf_write, &m, &bytes));
    CHECK(m.len == 6);
    /* 2: dropped after 300007 bytes: reconnect, REST, the rest. */
    m.len = 0;
    tlog_clear(&log);
    ftps_result rc = ftps_client_download_cb(c, "/pub/data.bin", 13, 0, membuf_write, &m, &bytes);
    if (rc != FTPS_RESULT_OK) tlog_dump(&log);
    CHECK_OK(c, rc);
    CHECK(bytes == G1_N && m.len == G1_N && memcmp(m.data, data, G1_N) == 0);
    IN_ORDER(&log, "> RETR /pub/data.bin", "resuming after", "> USER g6drop", "> CWD /", "* reconnected", "> REST ",
             "> RETR /pub/data.bin",
             "< 226", "> HASH /pub/data.bin", "* verified: SHA-512");
    CHECK(stat_of(c, FTPS_SESSION_STAT_RECONNECTS) == 1 && stat_of(c, FTPS_SESSION_STAT_RESUMES) == 1);
    /* 3: an upload, dropped: reconnect, SIZE, REST + STOR of the rest. */
    tmp_path(src, sizeof src, "src");
    CHECK(write_pattern_file(src, UP, 51));
    tlog_clear(&log);
    rc = ftps_client_upload_path(c, "up.bin", 6, src, false, &bytes);
    unlink(src);
    if (rc != FTPS_RESULT_OK) tlog_dump(&log);
    CHECK_OK(c, rc);
    CHECK(bytes == UP);
    IN_ORDER(&log, "> STOR up.bin", "* reconnected", "> SIZE up.bin", "> REST ", "> STOR up.bin", "< 226",
             "> HASH up.bin", "* verified: SHA-512");
    CHECK(stat_of(c, FTPS_SESSION_STAT_RECONNECTS) == 2 && stat_of(c, FTPS_SESSION_STAT_RESUMES) == 2);
    CHECK_OK(c, ftps_client_size(c, "up.bin", 6, &size));
    CHECK(size == UP);
    /* 4: asked for. */
    CHECK_OK(c, ftps_client_reconnect(c));
    CHECK(ftps_client_is_logged_in(c) && stat_of(c, FTPS_SESSION_STAT_RECONNECTS) == 3);
    CHECK_OK(c, ftps_client_pwd(c, pwd, sizeof pwd, &n));
    test_dir(dir, sizeof dir);
    CHECK(strstr(pwd, dir) != NULL);
    /* 5: no resume for this call: the loss is the result... */
    m.len = 0;
    CHECK_OK(c, ftps_transfer_options_init(&o, sizeof o));
    o.resume_attempts = 0;
    rc = ftps_client_download_cb_ex(c, "/pub/data.bin", 13, 0, membuf_write, &m, &o, &bytes);
    /* The data connection's reset is what the call sees first: TRUNCATED (the core does
       not say that the control connection went with it, so the fatal flag may be false). */
    if (rc != FTPS_RESULT_TRUNCATED && rc != FTPS_RESULT_CONNECTION_LOST)
        FAILF("the 6th transfer: %s (%s), want TRUNCATED or CONNECTION_LOST", ftps_result_str(rc), client_message(c));
    CHECK_OK(c, ftps_client_last_error_is_fatal(c, &fatal));
    CHECK(stat_of(c, FTPS_SESSION_STAT_RESUMES) == 2);
    /* ...and the next transfer call reconnects before it starts. */
    m.len = 0;
    CHECK_OK(c, ftps_client_download_cb(c, "/hello.txt", 10, 0, membuf_write, &m, &bytes));
    CHECK(m.len == 6 && memcmp(m.data, "hello\n", 6) == 0);
    CHECK(stat_of(c, FTPS_SESSION_STAT_RECONNECTS) == 4 && stat_of(c, FTPS_SESSION_STAT_RESUMES) == 2);
    free(m.data);
    free(data);
    close_session(c);
    free(log.buf);
    return PASS;
}

/* ------------------------------------------------------------------------ */
/* P1, P2: several sessions at once (ftps_batch, ftps_client_run_batch,     */
/* ftps_client_download_segmented)                                          */
/* ------------------------------------------------------------------------ */

/* What a batch progress callback saw. The calls come from several threads, one at a
   time (serialised by libftps), so plain fields do. */
struct batch_seen {
    size_t want_total;   /* the total every call must carry */
    size_t calls, wrong_total, no_session, backwards, after_cancel;
    size_t max_sessions;
    ftps_batch_progress last;
    size_t cancel_at_done; /* > 0: return non-zero once done reaches it */
    int cancelled;
    /* reenter: the first call tries the client and the batch */
    ftps_client *c;
    ftps_batch *b;
    int reenter;
    ftps_result noop, add, result, error_message;
};

static int batch_progress(void *userdata, const ftps_batch_progress *p) {
    struct batch_seen *w = userdata;
    if (w->cancelled) w->after_cancel++;
    w->calls++;
    if (p->total != w->want_total) w->wrong_total++;
    if (p->sessions < 1) w->no_session++;
    if (p->sessions > w->max_sessions) w->max_sessions = p->sessions;
    if (p->done + p->failed < w->last.done + w->last.failed || p->bytes < w->last.bytes) w->backwards++;
    w->last = *p;
    if (w->reenter && w->calls == 1) {
        char buf[16];
        size_t n;
        w->noop = ftps_client_noop(w->c);
        w->add = ftps_batch_add_download(w->b, "x", 1, "/tmp/x");
        w->result = ftps_batch_result(w->b, 0, NULL);
        w->error_message = ftps_batch_error_message(w->b, 0, buf, sizeof buf, &n);
        ftps_batch_free(w->b); /* refused while it is being run */
    }
    if (w->cancel_at_done > 0 && p->done >= w->cancel_at_done) {
        w->cancelled = 1;
        return 1;
    }
    return 0;
}

static void batch_seen_init(struct batch_seen *w, size_t total) {
    memset(w, 0, sizeof *w);
    w->want_total = total;
}

/* Prints a batch's results that are not FTPS_RESULT_OK, and why sessions did not open. */
static void batch_dump(const ftps_batch *b) {
    char msg[512];
    size_t n;
    fprintf(stderr, "    batch: %zu jobs, %zu failed, %zu sessions, %zu not opened\n", ftps_batch_count(b),
            ftps_batch_failed_count(b), ftps_batch_sessions(b), ftps_batch_not_opened_count(b));
    for (size_t i = 0; i < ftps_batch_count(b); i++) {
        ftps_result rc = ftps_batch_result(b, i, NULL);
        if (rc == FTPS_RESULT_OK) continue;
        if (ftps_batch_error_message(b, i, msg, sizeof msg, &n) != FTPS_RESULT_OK) msg[0] = '\0';
        fprintf(stderr, "      job %zu: %s: %s\n", i, ftps_result_str(rc), msg);
    }
    for (size_t i = 0; i < ftps_batch_not_opened_count(b); i++)
        if (ftps_batch_not_opened_message(b, i, msg, sizeof msg, &n) == FTPS_RESULT_OK)
            fprintf(stderr, "      not opened: %s\n", msg);
}
#define CHECK_BATCH(b, cond)                                                           \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            batch_dump(b);                                                             \
            FAILF("CHECK_BATCH(%s) failed", #cond);                                    \
        }                                                                              \
    } while (0)

/* The number of jobs of b whose result is `want`. */
static size_t batch_count_of(const ftps_batch *b, ftps_result want) {
    size_t count = 0;
    for (size_t i = 0; i < ftps_batch_count(b); i++)
        if (ftps_batch_result(b, i, NULL) == want) count++;
    return count;
}

/* P1 offline: every batch call checks its arguments before anything is sent; a batch
   run on a client that never connected fails as a whole with FTPS_RESULT_STATE and
   leaves the batch as it was (its jobs have no result: FTPS_RESULT_NOT_AVAILABLE). */
static int t_p1_batch_arguments_are_checked_before_anything_is_sent(const struct server *s) {
    (void)s;
    ftps_batch *b = NULL;
    long not_a_handle[8] = {0};
    char buf[64];
    size_t n = 7;
    uint64_t u = 7;
    struct batch_seen w;
    const ftps_result NP = FTPS_RESULT_NULL_PARAMETER, IA = FTPS_RESULT_INVALID_ARGUMENT;
    ftps_client *c = offline_client();
    CHECK(c != NULL);
    CHECK(FTPS_MAX_SESSIONS == 32 && FTPS_MIN_SEGMENT == 4u << 20);
    CHECK_RC(NULL, ftps_batch_new(NULL), NP);
    CHECK_OK(NULL, ftps_batch_new(&b));
    CHECK(b != NULL && ftps_batch_count(b) == 0);

    /* Bad jobs are refused when added, and not added. */
    CHECK_RC(NULL, ftps_batch_add_download(NULL, "x", 1, "/tmp/x"), NP);
    CHECK_RC(NULL, ftps_batch_add_download(b, NULL, 1, "/tmp/x"), NP);
    CHECK_RC(NULL, ftps_batch_add_download(b, "x", 1, NULL), NP);
    CHECK_RC(NULL, ftps_batch_add_download(b, "x", 0, "/tmp/x"), IA);
    CHECK_RC(NULL, ftps_batch_add_download(b, "x\0y", 3, "/tmp/x"), IA);
    CHECK_RC(NULL, ftps_batch_add_download(b, "x\r\nDELE y", 10, "/tmp/x"), IA);
    CHECK_RC(NULL, ftps_batch_add_download(b, "x", 1, ""), IA);
    CHECK_RC(NULL, ftps_batch_add_upload(NULL, "/tmp/x", "x", 1), NP);
    CHECK_RC(NULL, ftps_batch_add_upload(b, NULL, "x", 1), NP);
    CHECK_RC(NULL, ftps_batch_add_upload(b, "/tmp/x", NULL, 0), NP);
    CHECK_RC(NULL, ftps_batch_add_upload(b, "/tmp/x", "", 0), IA);
    CHECK_RC(NULL, ftps_batch_add_upload(b, "/tmp/x", "a\nb", 3), IA);
    CHECK_RC(NULL, ftps_batch_add_upload(b, "", "x", 1), IA);
    CHECK(ftps_batch_count(b) == 0);
    CHECK_OK(NULL, ftps_batch_add_download(b, "a.bin", 5, "/tmp/a.bin"));
    CHECK_OK(NULL, ftps_batch_add_upload(b, "/tmp/b.bin", "b.bin", 5));
    CHECK(ftps_batch_count(b) == 2);

    /* A handle of another type, or none of ours. */
    CHECK_RC(NULL, ftps_batch_add_download((ftps_batch *)(void *)c, "x", 1, "/tmp/x"), FTPS_RESULT_INVALID_HANDLE);
    CHECK_RC(NULL, ftps_batch_add_upload((ftps_batch *)(void *)not_a_handle, "/tmp/x", "x", 1),
             FTPS_RESULT_INVALID_HANDLE);
    CHECK(ftps_batch_count((const ftps_batch *)(void *)not_a_handle) == 0);
    CHECK_RC(NULL, ftps_batch_result((const ftps_batch *)(void *)c, 0, &u), FTPS_RESULT_INVALID_HANDLE);
    CHECK_RC(c, ftps_client_run_batch(c, (ftps_batch *)(void *)c, 4, NULL, NULL), FTPS_RESULT_INVALID_HANDLE);
    CHECK(strstr(client_message(c), "ftps_batch") != NULL);
    CHECK_RC(NULL, ftps_client_run_batch((ftps_client *)(void *)b, b, 4, NULL, NULL), FTPS_RESULT_INVALID_HANDLE);

    /* Getters on NULL, out of range, and of jobs not run yet. */
    CHECK(ftps_batch_count(NULL) == 0 && ftps_batch_failed_count(NULL) == 0);
    CHECK(ftps_batch_sessions(NULL) == 0 && ftps_batch_not_opened_count(NULL) == 0);
    CHECK_RC(NULL, ftps_batch_result(NULL, 0, &u), NP);
    CHECK_RC(NULL, ftps_batch_error_message(NULL, 0, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_batch_not_opened_message(NULL, 0, buf, sizeof buf, &n), NP);
    CHECK_RC(NULL, ftps_batch_result(b, 0, &u), FTPS_RESULT_NOT_AVAILABLE);
    CHECK_RC(NULL, ftps_batch_result(b, 2, &u), IA);
    CHECK_RC(NULL, ftps_batch_result(b, SIZE_MAX, NULL), IA);
    CHECK_RC(NULL, ftps_batch_error_message(b, 1, buf, sizeof buf, &n), FTPS_RESULT_NOT_AVAILABLE);
    CHECK_RC(NULL, ftps_batch_error_message(b, 2, buf, sizeof buf, &n), IA);
    CHECK_RC(NULL, ftps_batch_error_message(b, 0, buf, sizeof buf, NULL), NP);
    CHECK_RC(NULL, ftps_batch_error_message(b, 0, NULL, 10, &n), NP);
    CHECK_RC(NULL, ftps_batch_not_opened_message(b, 0, buf, sizeof buf, &n), IA);
    CHECK(ftps_batch_failed_count(b) == 0 && ftps_batch_sessions(b) == 0 && ftps_batch_not_opened_count(b) == 0);

    /* ftps_client_run_batch: the arguments first, then the session. */
    CHECK_RC(NULL, ftps_client_run_batch(NULL, b, 4, NULL, NULL), NP);
    CHECK_RC(c, ftps_client_run_batch(c, NULL, 4, NULL, NULL), NP);
    CHECK(strcmp(client_message(c), "batch is NULL") == 0);
    CHECK_RC(c, ftps_client_run_batch(c, b, 0, NULL, NULL), IA);
    CHECK(strstr(client_message(c), "FTPS_MAX_SESSIONS") != NULL);
    CHECK_RC(c, ftps_client_run_batch(c, b, FTPS_MAX_SESSIONS + 1, NULL, NULL), IA);
    /* Good arguments, a client that never connected: the call fails, nothing ran. */
    batch_seen_init(&w, 2);
    CHECK_RC(c, ftps_client_run_batch(c, b, FTPS_MAX_SESSIONS, batch_progress, &w), FTPS_RESULT_STATE);
    CHECK(strstr(client_message(c), "ftps_client_connect") != NULL);
    CHECK(w.calls == 0);
    CHECK_RC(NULL, ftps_batch_result(b, 0, &u), FTPS_RESULT_NOT_AVAILABLE);
    CHECK_RC(NULL, ftps_batch_result(b, 1, &u), FTPS_RESULT_NOT_AVAILABLE);
    CHECK(ftps_batch_sessions(b) == 0 && ftps_batch_count(b) == 2);

    /* ftps_client_download_segmented: the same order. */
    CHECK_RC(NULL, ftps_client_download_segmented(NULL, "x", 1, "/tmp/x", 4, NULL, NULL, &u), NP);
    CHECK_RC(c, ftps_client_download_segmented(c, NULL, 1, "/tmp/x", 4, NULL, NULL, &u), NP);
    CHECK_RC(c, ftps_client_download_segmented(c, "x", 0, "/tmp/x", 4, NULL, NULL, &u), IA);
    CHECK_RC(c, ftps_client_download_segmented(c, "x\0y", 3, "/tmp/x", 4, NULL, NULL, &u), IA);
    CHECK_RC(c, ftps_client_download_segmented(c, "x", 1, NULL, 4, NULL, NULL, &u), NP);
    CHECK_RC(c, ftps_client_download_segmented(c, "x", 1, "", 4, NULL, NULL, &u), IA);
    CHECK_RC(c, ftps_client_download_segmented(c, "x", 1, "/tmp/x", 0, NULL, NULL, &u), IA);
    CHECK(strstr(client_message(c), "segments is 0") != NULL);
    CHECK_RC(c, ftps_client_download_segmented(c, "x", 1, "/tmp/x", 33, batch_progress, &w, &u), IA);
    CHECK_RC(c, ftps_client_download_segmented(c, "x", 1, "/tmp/x", 32, batch_progress, &w, &u), FTPS_RESULT_STATE);
    CHECK(w.calls == 0 && u == 7 && n == 7);

    /* Freeing: NULL, another type and a second free are harmless. */
    ftps_batch_free(NULL);
    ftps_batch_free((ftps_batch *)(void *)c); /* another type: ignored */
    ftps_batch_free((ftps_batch *)(void *)not_a_handle);
    ftps_batch_free(b);
    ftps_batch_free(b);
    CHECK(ftps_batch_count(b) == 0); /* no longer a live handle: never dereferenced */
    CHECK_RC(NULL, ftps_batch_add_download(b, "x", 1, "/tmp/x"), FTPS_RESULT_INVALID_HANDLE);
    CHECK_RC(c, ftps_client_noop(c), FTPS_RESULT_STATE); /* the client is still alive */
    ftps_client_free(c);
    return PASS;
}

/* The size of file i of the P1 batch tests. */
static size_t p1_size(size_t i) { return 1000 + 97 * i; }

/* Writes `count` local files dir/fNN.bin (sizes p1_size, patterns seeded by i) and adds
   their uploads to fNN.bin to the batch b. */
static int p1_upload_jobs(ftps_batch *b, const char *dir, size_t count, unsigned seed) {
    unsigned char *data = malloc(p1_size(count));
    char local[600], remote[32];
    int ok = data != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        snprintf(remote, sizeof remote, "f%02zu.bin", i);
        snprintf(local, sizeof local, "%s/%s", dir, remote);
        fill_pattern(data, p1_size(i), seed + (unsigned)i);
        ok = write_file(local, data, p1_size(i)) &&
             ftps_batch_add_upload(b, local, remote, strlen(remote)) == FTPS_RESULT_OK;
    }
    free(data);
    return ok;
}

/* 1 when dir/fNN.bin holds file i of p1_upload_jobs(). */
static int p1_file_is(const char *dir, size_t i, unsigned seed) {
    char local[600];
    unsigned char *data = malloc(p1_size(i));
    snprintf(local, sizeof local, "%s/f%02zu.bin", dir, i);
    if (data == NULL) return 0;
    fill_pattern(data, p1_size(i), seed + (unsigned)i);
    int same = file_equals(local, data, p1_size(i));
    free(data);
    return same;
}

/* Deletes the remote files f00.bin.. of p1_upload_jobs(); 1 when every DELE worked. */
static int p1_delete_remote(ftps_client *c, size_t count) {
    char remote[32];
    int ok = 1;
    for (size_t i = 0; i < count; i++) {
        snprintf(remote, sizeof remote, "f%02zu.bin", i);
        if (ftps_client_delete(c, remote, strlen(remote)) != FTPS_RESULT_OK) {
            fprintf(stderr, "    DELE %s: %s\n", remote, client_message(c));
            ok = 0;
        }
    }
    return ok;
}

/* The start of a P1 test: this test's local directories up/ and down/ (each `len`
   bytes), a session in its remote directory, and `files` files uploaded there by the
   new batch *ub over 4 sessions, `w` (may be NULL) seeing its progress. NULL on failure
   (the reason printed). */
static ftps_client *p1_start(const struct server *s, char *up, char *down, size_t len, size_t files,
                             unsigned seed, ftps_batch **ub, struct batch_seen *w) {
    tmp_path(up, len, "up");
    tmp_path(down, len, "down");
    if (mkdir(up, 0700) != 0 || mkdir(down, 0700) != 0) return NULL;
    ftps_client *c = open_session(s);
    if (c == NULL) return NULL;
    if (w != NULL) batch_seen_init(w, files);
    ftps_result rc = ftps_batch_new(ub);
    if (rc == FTPS_RESULT_OK && !p1_upload_jobs(*ub, up, files, seed)) rc = FTPS_RESULT_LOCAL_IO;
    if (rc == FTPS_RESULT_OK) rc = ftps_client_run_batch(c, *ub, 4, w != NULL ? batch_progress : NULL, w);
    if (rc != FTPS_RESULT_OK || ftps_batch_failed_count(*ub) != 0) {
        fprintf(stderr, "    uploads: %s: %s\n", ftps_result_str(rc), client_message(c));
        batch_dump(*ub);
        close_session(c);
        return NULL;
    }
    return c;
}

/* The end of a P1 test: the remote files deleted one by one (a batch cannot delete),
   the batches freed, the session closed, the local directories removed. 1 when every
   DELE worked. */
static int p1_finish(ftps_client *c, size_t files, ftps_batch *ub, ftps_batch *db, const char *up,
                     const char *down) {
    int ok = p1_delete_remote(c, files);
    ftps_batch_free(ub);
    ftps_batch_free(db);
    close_session(c);
    g1_remove_dir(up);
    g1_remove_dir(down);
    return ok;
}

/* P1: 99 files go up in one batch over 4 sessions, then a batch of 100 downloads (one
   of a file that does not exist) over 4 sessions brings them back byte-exact; the
   missing one fails alone with the server's 550, and the progress callback saw the
   whole batch. */
static int t_p1_batch_of_100_downloads_over_4_sessions_one_missing(const struct server *s) {
    enum { FILES = 99, JOBS = 100, MISSING = 42, SEED = 4000 };
    char up[512], down[512], local[600], remote[32], msg[512];
    size_t n = 0, sum = 0;
    uint64_t bytes = 0;
    ftps_batch *ub = NULL, *db = NULL;
    struct batch_seen w;
    for (size_t i = 0; i < FILES; i++) sum += p1_size(i);
    /* The uploads. */
    ftps_client *c = p1_start(s, up, down, sizeof up, FILES, SEED, &ub, &w);
    CHECK(c != NULL);
    CHECK_BATCH(ub, batch_count_of(ub, FTPS_RESULT_OK) == FILES);
    CHECK_BATCH(ub, ftps_batch_sessions(ub) >= 1 && ftps_batch_sessions(ub) <= 4);
    for (size_t i = 0; i < FILES; i++) {
        CHECK_OK(NULL, ftps_batch_result(ub, i, &bytes));
        CHECK(bytes == p1_size(i));
    }
    CHECK(w.wrong_total == 0 && w.no_session == 0 && w.backwards == 0 && w.max_sessions <= 4);
    CHECK(w.last.done == FILES && w.last.failed == 0 && w.last.bytes == sum);
    CHECK_OK(c, ftps_client_size(c, "f98.bin", 7, &bytes));
    CHECK(bytes == p1_size(98));

    /* The downloads: job MISSING asks for a file that is not there. */
    CHECK_OK(NULL, ftps_batch_new(&db));
    for (size_t j = 0, i = 0; j < JOBS; j++) {
        if (j == MISSING) snprintf(remote, sizeof remote, "missing.bin");
        else snprintf(remote, sizeof remote, "f%02zu.bin", i++);
        snprintf(local, sizeof local, "%s/%s", down, remote);
        CHECK_OK(NULL, ftps_batch_add_download(db, remote, strlen(remote), local));
    }
    CHECK(ftps_batch_count(db) == JOBS);
    batch_seen_init(&w, JOBS);
    CHECK_OK(c, ftps_client_run_batch(c, db, 4, batch_progress, &w));
    CHECK_BATCH(db, ftps_batch_failed_count(db) == 1 && batch_count_of(db, FTPS_RESULT_OK) == FILES);
    CHECK_BATCH(db, ftps_batch_sessions(db) >= 1 && ftps_batch_sessions(db) <= 4);
    CHECK_RC(NULL, ftps_batch_result(db, MISSING, &bytes), FTPS_RESULT_REPLY);
    CHECK_OK(NULL, ftps_batch_error_message(db, MISSING, msg, sizeof msg, &n));
    CHECK(n == strlen(msg) && strstr(msg, "550") != NULL);
    /* The size query of the message, and a buffer one byte short. */
    CHECK_RC(NULL, ftps_batch_error_message(db, MISSING, NULL, 0, &n), FTPS_RESULT_INSUFFICIENT_SIZE);
    CHECK(n == strlen(msg) + 1);
    CHECK_RC(NULL, ftps_batch_error_message(db, MISSING, msg, n - 1, &n), FTPS_RESULT_INSUFFICIENT_SIZE);
    CHECK_OK(NULL, ftps_batch_error_message(db, 0, msg, sizeof msg, &n));
    CHECK(n == 0 && msg[0] == '\0'); /* a job that worked: no message */
    for (size_t j = 0, i = 0; j < JOBS; j++) {
        if (j == MISSING) continue;
        CHECK_OK(NULL, ftps_batch_result(db, j, &bytes));
        CHECK(bytes == p1_size(i));
        if (!p1_file_is(down, i, SEED)) FAILF("f%02zu.bin differs", i);
        i++;
    }
    snprintf(local, sizeof local, "%s/missing.bin", down);
    CHECK(access(local, F_OK) != 0);
    CHECK(w.calls > 0 && w.wrong_total == 0 && w.no_session == 0 && w.backwards == 0);
    CHECK(w.max_sessions >= 1 && w.max_sessions <= 4);
    CHECK(w.last.done == FILES && w.last.failed == 1 && w.last.done + w.last.failed == JOBS);
    CHECK(w.last.bytes == sum);
    /* The client is still its own session, in its directory. */
    CHECK_OK(c, ftps_client_noop(c));
    CHECK(p1_finish(c, FILES, ub, db, up, down));
    return PASS;
}

/* P3: a batch of downloads in one session sends each file's check and the next
   transfer's EPSV ahead of the transfer's final reply (the transcript notes each reply
   taken from there), every file byte-exact; a session with FTPS_PIPELINING_OFF sends
   nothing ahead and gets the same files. */
static int t_p3_batch_in_one_session_sends_checks_and_epsv_ahead(const struct server *s) {
    enum { FILES = 12, SEED = 7000 };
    char up[512], down[512], local[600], remote[32], dir[256];
    ftps_batch *ub = NULL, *db = NULL;
    struct tlog log = {NULL, 0, 0};
    ftps_client *c = p1_start(s, up, down, sizeof up, FILES, SEED, &ub, NULL);
    CHECK(c != NULL);
    CHECK(ftps_client_pipelining(c));
    CHECK_OK(NULL, ftps_batch_new(&db));
    for (size_t i = 0; i < FILES; i++) {
        snprintf(remote, sizeof remote, "f%02zu.bin", i);
        snprintf(local, sizeof local, "%s/%s", down, remote);
        CHECK_OK(NULL, ftps_batch_add_download(db, remote, strlen(remote), local));
    }
    CHECK_OK(c, ftps_client_set_transcript(c, tlog_line, &log));
    CHECK_OK(c, ftps_client_run_batch(c, db, 1, NULL, NULL));
    CHECK_OK(c, ftps_client_set_transcript(c, NULL, NULL));
    CHECK_BATCH(db, ftps_batch_failed_count(db) == 0);
    for (size_t i = 0; i < FILES; i++)
        if (!p1_file_is(down, i, SEED)) FAILF("f%02zu.bin differs", i);
    int ahead = tlog_count(&log, "was sent ahead");
    int epsv = tlog_count(&log, "* EPSV was sent ahead");
    /* The last file's EPSV goes ahead only when a batch follows; the first file may use
       the one the upload batch sent ahead. */
    if (ahead < 2 * FILES - 1 || epsv < FILES - 1 || epsv > FILES) FAILF("%d replies taken ahead, %d of EPSV", ahead, epsv);
    CHECK(tlog_count(&log, "did not take the commands sent ahead") == 0);
    CHECK(ftps_client_pipelining(c));

    /* The same with pipelining off: nothing ahead. */
    knob_pipelining = FTPS_PIPELINING_OFF;
    ftps_client *off = connect_login(s);
    CHECK(off != NULL);
    CHECK(!ftps_client_pipelining(off));
    test_dir(dir, sizeof dir);
    CHECK_OK(off, ftps_client_cwd(off, dir, strlen(dir)));
    tlog_clear(&log);
    CHECK_OK(off, ftps_client_set_transcript(off, tlog_line, &log));
    CHECK_OK(off, ftps_client_run_batch(off, db, 1, NULL, NULL));
    CHECK_OK(off, ftps_client_set_transcript(off, NULL, NULL));
    CHECK_BATCH(db, ftps_batch_failed_count(db) == 0);
    for (size_t i = 0; i < FILES; i++)
        if (!p1_file_is(down, i, SEED)) FAILF("f%02zu.bin differs (pipelining off)", i);
    CHECK(tlog_count(&log, "sent ahead") == 0);
    ftps_client_free(off);
    free(log.buf);
    CHECK(p1_finish(c, FILES, ub, db, up, down));
    return PASS;
}

/* P1: the progress callback cancels once 3 jobs are done: on one session exactly 3
   succeed and the other 17 are FTPS_RESULT_CANCELLED; over 4 sessions at least 3
   succeed (the ones in flight may finish) and the rest are cancelled. The callback is
   not called again after it cancelled; calling the client or changing the batch from
   it gets FTPS_RESULT_BUSY (a free is ignored); the client works afterwards. */
static int t_p1_cancel_from_the_progress_callback(const struct server *s) {
    enum { FILES = 20, SEED = 5000 };
    char up[512], down[512], local[600], remote[32];
    ftps_batch *ub = NULL, *db = NULL;
    struct batch_seen w;
    uint64_t bytes = 0;
    ftps_client *c = p1_start(s, up, down, sizeof up, FILES, SEED, &ub, NULL);
    CHECK(c != NULL);

    CHECK_OK(NULL, ftps_batch_new(&db));
    for (size_t i = 0; i < FILES; i++) {
        snprintf(remote, sizeof remote, "f%02zu.bin", i);
        snprintf(local, sizeof local, "%s/%s", down, remote);
        CHECK_OK(NULL, ftps_batch_add_download(db, remote, strlen(remote), local));
    }
    /* One session: the jobs run in order, and exactly the first 3 are done. */
    batch_seen_init(&w, FILES);
    w.cancel_at_done = 3;
    w.reenter = 1;
    w.c = c;
    w.b = db;
    CHECK_OK(c, ftps_client_run_batch(c, db, 1, batch_progress, &w));
    CHECK(w.cancelled && w.after_cancel == 0 && w.last.done == 3);
    CHECK(w.noop == FTPS_RESULT_BUSY && w.add == FTPS_RESULT_BUSY);
    CHECK(w.result == FTPS_RESULT_BUSY && w.error_message == FTPS_RESULT_BUSY);
    CHECK(ftps_batch_count(db) == FILES); /* neither added to nor freed */
    CHECK_BATCH(db, batch_count_of(db, FTPS_RESULT_OK) == 3 && ftps_batch_failed_count(db) == FILES - 3);
    CHECK_BATCH(db, batch_count_of(db, FTPS_RESULT_CANCELLED) == FILES - 3);
    CHECK_BATCH(db, ftps_batch_sessions(db) == 1 && ftps_batch_not_opened_count(db) == 0);
    for (size_t i = 0; i < 3; i++) {
        CHECK_OK(NULL, ftps_batch_result(db, i, &bytes));
        CHECK(bytes == p1_size(i) && p1_file_is(down, i, SEED));
    }
    snprintf(local, sizeof local, "%s/f03.bin", down);
    CHECK(access(local, F_OK) != 0);
    CHECK_OK(c, ftps_client_noop(c));

    /* Four sessions: run again (the results are replaced). */
    batch_seen_init(&w, FILES);
    w.cancel_at_done = 3;
    CHECK_OK(c, ftps_client_run_batch(c, db, 4, batch_progress, &w));
    size_t ok = batch_count_of(db, FTPS_RESULT_OK);
    CHECK(w.cancelled && w.after_cancel == 0 && w.last.done == 3);
    CHECK_BATCH(db, ok >= 3 && ok <= 3 + 3); /* + the jobs of the other sessions in flight */
    CHECK_BATCH(db, batch_count_of(db, FTPS_RESULT_CANCELLED) == FILES - ok);
    CHECK_BATCH(db, ftps_batch_failed_count(db) == FILES - ok);
    for (size_t i = 0; i < FILES; i++)
        if (ftps_batch_result(db, i, &bytes) == FTPS_RESULT_OK) CHECK(bytes == p1_size(i) && p1_file_is(down, i, SEED));

    /* The client works, for a batch too. */
    CHECK_OK(c, ftps_client_noop(c));
    CHECK_OK(c, ftps_client_run_batch(c, db, 2, NULL, NULL));
    CHECK_BATCH(db, batch_count_of(db, FTPS_RESULT_OK) == FILES);
    CHECK(p1_finish(c, FILES, ub, db, up, down));
    return PASS;
}

/* P1: a server that lets a user log in twice at most (ftps-testserver
   --max-sessions-per-user 2, like ProFTPD's MaxClientsPerUser) refuses the third
   session with 530: a batch of 20 downloads asked to use 8 sessions goes on with the
   2 it has, and every file arrives. */
static int t_p1_batch_shrinks_when_the_server_limits_sessions(const struct server *s) {
    enum { JOBS = 20 };
    static char host[64];
    struct server ls;
    char down[512], local[600], msg[512];
    size_t n = 0;
    uint64_t bytes = 0;
    ftps_batch *b = NULL;
    struct batch_seen w;
    if (!other_testserver(s, "FTPS_TESTSERVER_LIMITED", "testserver-limited", host, sizeof host, &ls))
        return g1_required() ? FAIL : SKIP;
    unsigned char *want = g1_contents();
    CHECK(want != NULL);
    tmp_path(down, sizeof down, "down");
    CHECK(mkdir(down, 0700) == 0);
    ftps_client *c = connect_login(&ls);
    CHECK(c != NULL);
    CHECK_OK(NULL, ftps_batch_new(&b));
    for (size_t i = 0; i < JOBS; i++) {
        snprintf(local, sizeof local, "%s/data%02zu.bin", down, i);
        CHECK_OK(NULL, ftps_batch_add_download(b, g1_file, strlen(g1_file), local));
    }
    batch_seen_init(&w, JOBS);
    CHECK_OK(c, ftps_client_run_batch(c, b, 8, batch_progress, &w));
    CHECK_BATCH(b, ftps_batch_failed_count(b) == 0 && batch_count_of(b, FTPS_RESULT_OK) == JOBS);
    CHECK_BATCH(b, ftps_batch_sessions(b) >= 1 && ftps_batch_sessions(b) <= 2);
    CHECK_BATCH(b, ftps_batch_not_opened_count(b) >= 1);
    for (size_t i = 0; i < ftps_batch_not_opened_count(b); i++) {
        CHECK_OK(NULL, ftps_batch_not_opened_message(b, i, msg, sizeof msg, &n));
        if (strstr(msg, "530") == NULL) FAILF("not opened without a 530: %s", msg);
    }
    CHECK_RC(NULL, ftps_batch_not_opened_message(b, ftps_batch_not_opened_count(b), msg, sizeof msg, &n),
             FTPS_RESULT_INVALID_ARGUMENT);
    CHECK(w.max_sessions <= 2 && w.last.done == JOBS && w.last.bytes == (uint64_t)JOBS * G1_N);
    for (size_t i = 0; i < JOBS; i++) {
        CHECK_OK(NULL, ftps_batch_result(b, i, &bytes));
        snprintf(local, sizeof local, "%s/data%02zu.bin", down, i);
        CHECK(bytes == G1_N && file_equals(local, want, G1_N));
    }
    CHECK_OK(c, ftps_client_noop(c));
    ftps_batch_free(b);
    (void)ftps_client_quit(c);
    ftps_client_free(c);
    g1_remove_dir(down);
    free(want);
    return PASS;
}

/* P2: a file of 20 MiB and some odd bytes comes down in 4 segments byte-exact; the
   progress callback counts the 4 ranges as jobs and the bytes of the whole file. The
   transcript is the calling session's only: it shows one RETR per range this session
   fetched, which is 4 less the other sessions that opened (each of them fetched at
   least one). */
static int t_p2_segmented_download_is_byte_exact(const struct server *s) {
    /* FTPS_C_P2_MIB MiB (run.sh: 256 in its -O2 run on every server), else 20. */
    const char *mib = env("FTPS_C_P2_MIB");
    const uint64_t size = ((uint64_t)(mib != NULL ? strtoul(mib, NULL, 10) : 20) << 20) + 12345;
    char src[512], dir[512], dst[600], stray[256];
    struct tlog log = {0};
    struct batch_seen w;
    uint64_t bytes = 0;
    tmp_path(src, sizeof src, "src");
    CHECK(g1_local_dir(dir, sizeof dir));
    snprintf(dst, sizeof dst, "%s/big.bin", dir);
    CHECK(write_pattern_file(src, size, 77));
    ftps_client *c = open_session(s);
    CHECK(c != NULL);
    CHECK_OK(c, ftps_client_upload_path(c, "big.bin", 7, src, false, &bytes));
    CHECK(bytes == size);
    CHECK_OK(c, ftps_client_set_transcript(c, tlog_line, &log));
    batch_seen_init(&w, 4);
    bytes = 0;
    ftps_result rc = ftps_client_download_segmented(c, "big.bin", 7, dst, 4, batch_progress, &w, &bytes);
    if (rc != FTPS_RESULT_OK) tlog_dump(&log);
    CHECK_OK(c, rc);
    CHECK(bytes == size && same_files(src, dst));
    CHECK(w.wrong_total == 0 && w.no_session == 0 && w.backwards == 0);
    CHECK(w.last.done == 4 && w.last.failed == 0 && w.last.bytes == size);
    CHECK(w.max_sessions >= 2 && w.max_sessions <= 4);
    int retr = tlog_count(&log, "> RETR big.bin");
    if (retr < 1 || retr > 4 - ((int)w.max_sessions - 1)) {
        tlog_dump(&log);
        FAILF("%d RETR on the calling session, %zu sessions at most", retr, w.max_sessions);
    }
    /* Only the target is left in its directory: no temporary file. */
    CHECK(g1_dir_entries(dir, "big.bin", stray, sizeof stray) == 1);
    /* A file smaller than 2 segments is one plain download. */
    CHECK_OK(c, ftps_client_set_transcript(c, NULL, NULL));
    batch_seen_init(&w, 1);
    CHECK(put_bytes(c, "small.bin", (const unsigned char *)"small", 5));
    CHECK_OK(c, ftps_client_download_segmented(c, "small.bin", 9, dst, 4, batch_progress, &w, &bytes));
    CHECK(bytes == 5 && file_equals(dst, (const unsigned char *)"small", 5));
    CHECK(w.last.done == 1 && w.last.bytes == 5 && w.max_sessions == 1);
    /* A missing file: the server's 550, and the target is left alone. */
    CHECK_RC(c, ftps_client_download_segmented(c, "missing.bin", 11, dst, 4, NULL, NULL, &bytes), FTPS_RESULT_REPLY);
    CHECK(file_equals(dst, (const unsigned char *)"small", 5));
    CHECK(g1_dir_entries(dir, "big.bin", stray, sizeof stray) == 1);
    close_session(c);
    g1_remove_dir(dir);
    unlink(src);
    free(log.buf);
    return PASS;
}

/* ------------------------------------------------------------------------ */
/* The runner                                                               */
/* ------------------------------------------------------------------------ */

typedef int (*test_fn)(const struct server *s);

/* Which servers a test runs against. */
/* EVERY: ALL, and ProFTPD (explicit, implicit) and pure-ftpd (explicit) too. */
enum { OFFLINE = 0, ALL = 1, ERRORS = 2, VSFTPD_EXPLICIT = 3, TESTSERVER_EXPLICIT = 4, EVERY = 5 };

struct test {
    const char *name;
    test_fn fn;
    int where;
};

#define T(name, where) {#name, t_##name, where}

static const struct test tests[] = {
    T(version_macros_match_the_library, OFFLINE),
    T(result_codes_have_static_strings, OFFLINE),
    T(caller_null_handles_are_rejected, OFFLINE),
    T(caller_null_out_pointers_are_rejected, OFFLINE),
    T(caller_double_free_is_harmless, OFFLINE),
    T(caller_foreign_or_wrong_type_handle_is_rejected, OFFLINE),
    T(caller_length_zero_is_rejected, OFFLINE),
    T(e2_interior_nul_is_rejected, OFFLINE),
    T(config_builder_rejects_bad_values, OFFLINE),
    T(calls_before_connect_fail_with_state, OFFLINE),
    T(connect_to_a_closed_port_is_a_connect_error, OFFLINE),
    T(g5_transfer_options_are_checked_before_anything_is_sent, OFFLINE),
    T(h7_tree_call_arguments_are_checked_before_anything_is_sent, OFFLINE),
    T(p1_batch_arguments_are_checked_before_anything_is_sent, OFFLINE),
    T(login_and_tls_facts, ALL),
    T(upload_download_fd_roundtrip, ALL),
    T(upload_download_path_and_resume, ALL),
    T(transfer_callbacks_roundtrip, ALL),
    T(download_at_offset_resumes, ALL),
    T(streaming_transfers, ALL),
    T(tls_records_in_place_off_and_on, ALL),
    T(listing_entries_and_h6_name_bytes_roundtrip, ALL),
    T(mlsd_mlst_and_mtime, ALL),
    T(metadata_commands, ALL),
    T(features, ALL),
    T(h7_upload_dir_download_dir_and_sync_trees, ALL),
    T(p1_batch_of_100_downloads_over_4_sessions_one_missing, EVERY),
    T(p2_segmented_download_is_byte_exact, EVERY),
    T(p3_batch_in_one_session_sends_checks_and_epsv_ahead, EVERY),
    T(active_mode_transfer, VSFTPD_EXPLICIT),
    T(wrong_password_is_login_rejected, ERRORS),
    T(missing_file_is_reply_550, ERRORS),
    T(wrong_ca_is_a_certificate_error, VSFTPD_EXPLICIT),
    T(e1_cr_lf_nul_in_arguments_are_rejected_and_nothing_is_sent, ERRORS),
    T(caller_callback_that_fails_aborts_the_transfer, ERRORS),
    T(caller_callback_that_reenters_the_client_gets_busy, ERRORS),
    T(caller_second_thread_gets_busy, ERRORS),
    T(caller_progress_callback_cancels, ERRORS),
    T(caller_offset_that_overflows_is_rejected, ERRORS),
    T(g1_clean_end_is_complete_with_either_150_count, TESTSERVER_EXPLICIT),
    T(g1_no_close_notify_full_length_count_to_come_is_complete, TESTSERVER_EXPLICIT),
    T(g1_no_close_notify_full_length_whole_count_is_proven_by_size, TESTSERVER_EXPLICIT),
    T(g1_cut_short_by_the_offset_is_truncated, TESTSERVER_EXPLICIT),
    T(g1_cut_elsewhere_is_truncated, TESTSERVER_EXPLICIT),
    T(g1_clean_close_short_of_the_count_is_truncated, TESTSERVER_EXPLICIT),
    T(g1_clean_close_cut_short_by_the_offset_is_truncated, TESTSERVER_EXPLICIT),
    T(g1_rst_is_never_success_with_a_short_file, TESTSERVER_EXPLICIT),
    T(g1_key_updates_during_a_download_are_byte_exact, TESTSERVER_EXPLICIT),
    T(g1_late_tickets_still_resume_the_next_data_connection, TESTSERVER_EXPLICIT),
    T(g5_download_is_verified_with_the_servers_hash, TESTSERVER_EXPLICIT),
    T(g5_lying_hash_is_an_integrity_error_and_the_target_is_untouched, TESTSERVER_EXPLICIT),
    T(g5_verify_required_without_a_server_hash_transfers_nothing, TESTSERVER_EXPLICIT),
    T(g5_atomic_upload_goes_through_a_temporary_name, TESTSERVER_EXPLICIT),
    T(g5_temporary_file_left_behind_when_the_session_is_lost, TESTSERVER_EXPLICIT),
    T(g6_cut_transfers_resume_byte_exact, TESTSERVER_EXPLICIT),
    T(g6_lost_session_reconnects_and_resumes, TESTSERVER_EXPLICIT),
    T(a5_clienthello_answered_in_clear_text_is_tried_again_after_a_wait, TESTSERVER_EXPLICIT),
    T(f8_size_213_without_a_number_falls_back_to_mlst, TESTSERVER_EXPLICIT),
    T(p1_cancel_from_the_progress_callback, TESTSERVER_EXPLICIT),
    T(p1_batch_shrinks_when_the_server_limits_sessions, TESTSERVER_EXPLICIT),
};

/* Splits "host:port". */
static int host_port(const char *hp, char *host, size_t len, unsigned *port) {
    const char *colon = hp ? strrchr(hp, ':') : NULL;
    if (colon == NULL || (size_t)(colon - hp) >= len) return 0;
    memcpy(host, hp, (size_t)(colon - hp));
    host[colon - hp] = '\0';
    *port = (unsigned)strtoul(colon + 1, NULL, 10);
    return *port > 0;
}

/* 0 when the environment variable is "0", else 1: a part of the suite is left out only
   when that is asked for by name. */
static int selected_by(const char *name) {
    const char *v = env(name);
    return v == NULL || strcmp(v, "0") != 0;
}

int main(int argc, char **argv) {
    static char ts_host[2][64];
    struct server servers[7];
    int in_run[7];  /* 0: a server of this suite that this run does not include */
    int nservers = 0, passed = 0, failed = 0, skipped = 0, not_in_run = 0;
    const char *filter = argc > 1 ? argv[1] : NULL;
    int require = env("FTPS_C_REQUIRE_SERVERS") != NULL && strcmp(env("FTPS_C_REQUIRE_SERVERS"), "1") == 0;
    int real = selected_by("FTPS_REAL_SERVERS"), local = selected_by("FTPS_LOCAL_TESTS");
    const char *names[2] = {"vsftpd-explicit", "vsftpd-implicit"};
    const char *port_vars[2] = {"FTPS_TEST_VSFTPD_EXPLICIT_PORT", "FTPS_TEST_VSFTPD_IMPLICIT_PORT"};
    const char *root_vars[2] = {"FTPS_TEST_VSFTPD_EXPLICIT_ROOT", "FTPS_TEST_VSFTPD_IMPLICIT_ROOT"};
    const char *ts_vars[2] = {"FTPS_TESTSERVER_EXPLICIT", "FTPS_TESTSERVER_IMPLICIT"};
    const char *ts_names[2] = {"testserver-explicit", "testserver-implicit"};
    /* The other real servers, for the EVERY tests. */
    const char *more[3] = {"proftpd-explicit", "proftpd-implicit", "pure-ftpd-explicit"};
    const char *more_vars[3] = {"FTPS_TEST_PROFTPD_EXPLICIT", "FTPS_TEST_PROFTPD_IMPLICIT",
                                "FTPS_TEST_PURE_FTPD_EXPLICIT"};
    char more_port[3][64], more_root[3][64], more_mode[3][64];

    if (env("FTPS_C_RUN_ID")) run_id = env("FTPS_C_RUN_ID");
    if (env("FTPS_C_TMPDIR")) tmp_dir = env("FTPS_C_TMPDIR");

    for (int i = 0; i < 2; i++) {
        if (!real) {
            struct server sv = {names[i], NULL, 0, i == 1, NULL, NULL, NULL, NULL};
            printf("# %s: not part of this run (FTPS_REAL_SERVERS=0)\n", names[i]);
            in_run[nservers] = 0;
            servers[nservers++] = sv;
        } else if (env(port_vars[i]) && env("FTPS_TEST_CA") && env("FTPS_TEST_USER") && env("FTPS_TEST_PASS")) {
            struct server sv = {names[i], env("FTPS_TEST_HOST") ? env("FTPS_TEST_HOST") : "127.0.0.1",
                                (unsigned)atoi(env(port_vars[i])), i == 1, env("FTPS_TEST_CA"),
                                env("FTPS_TEST_USER"), env("FTPS_TEST_PASS"), env(root_vars[i])};
            in_run[nservers] = 1;
            servers[nservers++] = sv;
        } else {
            printf("# %s: not configured\n", names[i]);
            if (require) failed++;
        }
    }
    for (int i = 0; i < 2; i++) {
        unsigned port = 0;
        if (!local) {
            struct server sv = {ts_names[i], NULL, 0, i == 1, NULL, NULL, NULL, NULL};
            printf("# %s: not part of this run (FTPS_LOCAL_TESTS=0)\n", ts_names[i]);
            in_run[nservers] = 0;
            servers[nservers++] = sv;
        } else if (host_port(env(ts_vars[i]), ts_host[i], sizeof ts_host[i], &port) && env("FTPS_TESTSERVER_CA")) {
            struct server sv = {ts_names[i], ts_host[i], port, i == 1, env("FTPS_TESTSERVER_CA"),
                                env("FTPS_TESTSERVER_USER") ? env("FTPS_TESTSERVER_USER") : "ftpuser",
                                env("FTPS_TESTSERVER_PASS") ? env("FTPS_TESTSERVER_PASS") : "ftppass", NULL};
            in_run[nservers] = 1;
            servers[nservers++] = sv;
        } else {
            printf("# %s: not configured\n", ts_names[i]);
            if (require) failed++;
        }
    }

    /* Only when asked (run.sh's -O2 run): the sanitizer runs keep to vsftpd. */
    int with_more = env("FTPS_C_MORE_SERVERS") != NULL && strcmp(env("FTPS_C_MORE_SERVERS"), "1") == 0;
    for (int i = 0; with_more && i < 3; i++) {
        snprintf(more_port[i], sizeof more_port[i], "%s_PORT", more_vars[i]);
        snprintf(more_root[i], sizeof more_root[i], "%s_ROOT", more_vars[i]);
        snprintf(more_mode[i], sizeof more_mode[i], "%s_MODE", more_vars[i]);
        int implicit = env(more_mode[i]) != NULL && strcmp(env(more_mode[i]), "implicit") == 0;
        if (!real) {
            struct server sv = {more[i], NULL, 0, implicit, NULL, NULL, NULL, NULL};
            in_run[nservers] = 0;
            servers[nservers++] = sv;
        } else if (env(more_port[i]) && env("FTPS_TEST_CA") && env("FTPS_TEST_USER") && env("FTPS_TEST_PASS")) {
            struct server sv = {more[i], env("FTPS_TEST_HOST") ? env("FTPS_TEST_HOST") : "127.0.0.1",
                                (unsigned)atoi(env(more_port[i])), implicit, env("FTPS_TEST_CA"),
                                env("FTPS_TEST_USER"), env("FTPS_TEST_PASS"), env(more_root[i])};
            in_run[nservers] = 1;
            servers[nservers++] = sv;
        } else {
            printf("# %s: not configured\n", more[i]);
            if (require) failed++;
        }
    }

    if (!local) printf("# offline tests: not part of this run (FTPS_LOCAL_TESTS=0)\n");
    for (size_t t = 0; t < sizeof tests / sizeof tests[0]; t++) {
        const struct test *tc = &tests[t];
        if (filter != NULL && strstr(tc->name, filter) == NULL) continue;
        for (int k = (tc->where == OFFLINE ? -1 : 0); k < (tc->where == OFFLINE ? 0 : nservers); k++) {
            const struct server *sv = k < 0 ? NULL : &servers[k];
            if (sv != NULL) {
                int is_ts_explicit = strcmp(sv->name, "testserver-explicit") == 0;
                int is_vs_explicit = strcmp(sv->name, "vsftpd-explicit") == 0;
                if (tc->where == ERRORS && !is_ts_explicit && !is_vs_explicit) continue;
                if (tc->where == VSFTPD_EXPLICIT && !is_vs_explicit) continue;
                if (tc->where == TESTSERVER_EXPLICIT && !is_ts_explicit) continue;
                int is_more = strncmp(sv->name, "proftpd", 7) == 0 || strncmp(sv->name, "pure-ftpd", 9) == 0;
                if (is_more && tc->where != EVERY) continue;
            }
            if (sv != NULL ? !in_run[k] : !local) {
                not_in_run++;
                continue;
            }
            current_test = tc->name;
            current_server = sv ? sv->name : "offline";
            knobs_reset();
            fflush(stdout);
            int r = tc->fn(sv);
            const char *label = r == PASS ? "ok" : r == SKIP ? "skip" : "not ok";
            printf("%s - %s%s%s%s\n", label, tc->name, sv ? " [" : "", sv ? sv->name : "", sv ? "]" : "");
            fflush(stdout);
            if (r == PASS) passed++;
            else if (r == SKIP) skipped++;
            else failed++;
        }
    }
    printf("%d passed, %d failed, %d skipped, %d not in this run\n", passed, failed, skipped, not_in_run);
    fflush(stdout); /* LeakSanitizer may end the process without flushing */
    return failed == 0 ? 0 : 1;
}
