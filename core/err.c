/*
 * Failure origins (see core/err.h): the site that detected a failure notes
 * itself in a per-thread slot; the connection takes the note when the
 * failure becomes sticky. One slot is enough: a failure travels up the
 * call chain of one thread unchanged (TRY), and a site that turns it into
 * another failure notes itself in turn, which is the error then reported.
 */
#include "core/err.h"

#include <stddef.h>

static _Thread_local tls_err_origin last_origin;

void tls_err_note(int rc, const char *file, int line, const char *func)
{
    if (rc < 0)
        last_origin = (tls_err_origin){.file = file, .func = func, .line = line, .rc = rc};
}

int tls_err_take(int rc, tls_err_origin *out)
{
    if (rc >= 0 || last_origin.rc != rc || last_origin.func == NULL)
        return 0;
    *out = last_origin;
    last_origin = (tls_err_origin){0};
    return 1;
}
