/*
 * Small ABI functions with no better home: the default cipher strings of
 * OpenSSL 3.0, and reading every certificate of a directory into a CA
 * name list (stunnel's CApath for client CA names).
 */
#include "compat/compat.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* OpenSSL 3.0's values (openssl/ssl.h documents them as its defaults). */
const char *OSSL_default_cipher_list(void)
{
    return "ALL:!COMPLEMENTOFDEFAULT:!eNULL";
}

const char *OSSL_default_ciphersuites(void)
{
    return "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
}

/*
 * Every file of dir through SSL_add_file_cert_subjects_to_stack (names
 * already in the stack are not added twice). A path longer than OpenSSL's
 * 1024-byte buffer fails with SSL_R_PATH_TOO_LONG, an unreadable directory
 * with ERR_R_SYS_LIB; 1 on success.
 */
int SSL_add_dir_cert_subjects_to_stack(STACK_OF(X509_NAME) * stack, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int ret = 0;

    if (d == NULL) {
        ERR_raise_data(ERR_LIB_SYS, errno, "calling OPENSSL_dir_read(%s)", dir);
        ERR_raise(ERR_LIB_SSL, ERR_R_SYS_LIB);
        return 0;
    }
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        struct stat st;

        if (strlen(dir) + strlen(e->d_name) + 2 > sizeof(path)) {
            ERR_raise(ERR_LIB_SSL, SSL_R_PATH_TOO_LONG);
            goto end;
        }
        int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (n <= 0 || (size_t)n >= sizeof(path))
            goto end;
        /* "." / ".." and subdirectories hold no certificate. */
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            errno = 0;
            continue;
        }
        if (!SSL_add_file_cert_subjects_to_stack(stack, path))
            goto end;
        errno = 0;
    }
    if (errno != 0) {
        ERR_raise_data(ERR_LIB_SYS, errno, "calling OPENSSL_dir_read(%s)", dir);
        ERR_raise(ERR_LIB_SSL, ERR_R_SYS_LIB);
        goto end;
    }
    ret = 1;
end:
    closedir(d);
    return ret;
}
