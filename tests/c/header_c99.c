/* Compiles include/ftps.h as strict C99 (tests/c/run.sh: -std=c99 -pedantic -Werror). */
#include "ftps.h"
#include "ftps.h" /* the include guard works */

#if FTPS_VERSION_MAJOR < 0 || FTPS_VERSION_MINOR < 0 || FTPS_VERSION_PATCH < 0
#error "version macros must be numbers usable in #if"
#endif

int header_c99_uses(void);

static int progress(void *userdata, uint64_t done, uint64_t total) {
    (void)userdata;
    return done > total;
}

int header_c99_uses(void) {
    ftps_result r = FTPS_RESULT_OK;
    ftps_mode m = FTPS_MODE_IMPLICIT;
    ftps_entry_kind k = FTPS_ENTRY_KIND_DIR;
    ftps_time t = {0, 0};
    ftps_progress_callback cb = progress;
    uint64_t unknown = FTPS_SIZE_UNKNOWN;
    (void)cb;
    return (int)r + (int)m + (int)k + (int)t.nanoseconds + (unknown == UINT64_MAX);
}
