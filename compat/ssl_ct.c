/*
 * Certificate Transparency: the SSL_CTX's store of CT logs (RFC 6962),
 * kept in libcrypto's CTLOG_STORE. Loading logs is all this file does so
 * far: validating SCTs (SSL_CTX_enable_ct, the validation callback,
 * SSL_get0_peer_scts) is not implemented yet and those functions still
 * fail with an error naming them (docs/COVERAGE.md).
 */
#include "compat/compat.h"

#include <openssl/ct.h>

/* The default list: $CTLOG_FILE, else ct_log_list.cnf in OPENSSLDIR. */
int SSL_CTX_set_default_ctlog_list_file(SSL_CTX *ctx)
{
    return CTLOG_STORE_load_default_file(ctx->ctlog_store);
}

int SSL_CTX_set_ctlog_list_file(SSL_CTX *ctx, const char *path)
{
    return CTLOG_STORE_load_file(ctx->ctlog_store, path);
}

void SSL_CTX_set0_ctlog_store(SSL_CTX *ctx, CTLOG_STORE *logs)
{
    CTLOG_STORE_free(ctx->ctlog_store);
    ctx->ctlog_store = logs;
}

const CTLOG_STORE *SSL_CTX_get0_ctlog_store(const SSL_CTX *ctx)
{
    return ctx->ctlog_store;
}
