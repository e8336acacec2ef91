// Compiles include/ftps.h as C++11 and links against libftps (tests/c/run.sh).
#include "ftps.h"

#include <cstdio>
#include <cstring>

static int progress(void *, uint64_t, uint64_t) { return 0; }

int main() {
    ftps_config_builder *b = nullptr;
    const ftps_config *cfg = nullptr;
    ftps_client *c = nullptr;
    ftps_progress_callback cb = progress;
    ftps_result r = ftps_config_builder_new("127.0.0.1", &b);
    if (r != FTPS_RESULT_OK) return 1;
    r = ftps_config_builder_set_mode(b, FTPS_MODE_IMPLICIT);
    if (r == FTPS_RESULT_OK) r = ftps_config_builder_build(b, &cfg);
    if (r == FTPS_RESULT_OK) r = ftps_client_new(cfg, &c);
    if (r == FTPS_RESULT_OK) r = ftps_client_set_progress(c, cb, nullptr);
    ftps_entry_kind kind = FTPS_ENTRY_KIND_FILE;
    ftps_client_free(c);
    ftps_config_free(cfg);
    ftps_config_builder_free(b);
    std::printf("libftps %s from C++: %s, entry kind %u\n", ftps_version(), ftps_result_str(r),
                static_cast<unsigned>(kind));
    return r == FTPS_RESULT_OK && std::strlen(ftps_version()) > 0 ? 0 : 1;
}
