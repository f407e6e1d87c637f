/*
 * OPENSSL_init_ssl and the ERR_LIB_SSL reason texts.
 *
 * Programs print errors with ERR_error_string / ERR_print_errors and some
 * (curl, python) match on the text, so every SSL_R_* reason must read exactly
 * as OpenSSL 3.0's. The texts are facts gathered by compat/errstr/gen_errstr.py
 * into ssl_errstr_table.h; the library names themselves ("SSL routines") are
 * libcrypto's and already loaded by it.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* we define the deprecated ERR_load_SSL_strings */
#include <pthread.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "compat/init.h"
#include "core/err.h"

/*
 * core/ reports reasons with its own TLS_R_* names whose values were chosen
 * equal to SSL_R_*; compat passes them to ERR unchanged, which is only right
 * while these hold.
 */
#define SAME_REASON(x) _Static_assert(TLS_R_##x == SSL_R_##x, "TLS_R_" #x " != SSL_R_" #x);
SAME_REASON(BAD_CHANGE_CIPHER_SPEC)
SAME_REASON(BAD_CIPHER)
SAME_REASON(BAD_DATA)
SAME_REASON(BAD_DECOMPRESSION)
SAME_REASON(BAD_DH_VALUE)
SAME_REASON(BAD_DIGEST_LENGTH)
SAME_REASON(BAD_ECPOINT)
SAME_REASON(BAD_EXTENSION)
SAME_REASON(BAD_HANDSHAKE_LENGTH)
SAME_REASON(BAD_HRR_VERSION)
SAME_REASON(BAD_KEY_SHARE)
SAME_REASON(BAD_KEY_UPDATE)
SAME_REASON(BAD_LEGACY_VERSION)
SAME_REASON(BAD_LENGTH)
SAME_REASON(BAD_PACKET)
SAME_REASON(BAD_PSK)
SAME_REASON(BAD_RECORD_TYPE)
SAME_REASON(BAD_SIGNATURE)
SAME_REASON(CCS_RECEIVED_EARLY)
SAME_REASON(CERTIFICATE_VERIFY_FAILED)
SAME_REASON(CERT_LENGTH_MISMATCH)
SAME_REASON(DATA_LENGTH_TOO_LONG)
SAME_REASON(DECRYPTION_FAILED_OR_BAD_RECORD_MAC)
SAME_REASON(DIGEST_CHECK_FAILED)
SAME_REASON(ENCRYPTED_LENGTH_TOO_LONG)
SAME_REASON(EXCESSIVE_MESSAGE_SIZE)
SAME_REASON(EXTENSION_NOT_RECEIVED)
SAME_REASON(HTTPS_PROXY_REQUEST)
SAME_REASON(HTTP_REQUEST)
SAME_REASON(ILLEGAL_POINT_COMPRESSION)
SAME_REASON(INVALID_ALERT)
SAME_REASON(INVALID_SEQUENCE_NUMBER)
SAME_REASON(LENGTH_MISMATCH)
SAME_REASON(MISSING_SIGALGS_EXTENSION)
SAME_REASON(NOT_ON_RECORD_BOUNDARY)
SAME_REASON(NO_APPLICATION_PROTOCOL)
SAME_REASON(NO_CIPHERS_AVAILABLE)
SAME_REASON(NO_PROTOCOLS_AVAILABLE)
SAME_REASON(NO_RENEGOTIATION)
SAME_REASON(NO_SHARED_CIPHER)
SAME_REASON(NO_SHARED_GROUPS)
SAME_REASON(NO_SUITABLE_KEY_SHARE)
SAME_REASON(NO_SUITABLE_SIGNATURE_ALGORITHM)
SAME_REASON(PACKET_LENGTH_TOO_LONG)
SAME_REASON(PROTOCOL_IS_SHUTDOWN)
SAME_REASON(RECORD_LENGTH_MISMATCH)
SAME_REASON(RECORD_TOO_SMALL)
SAME_REASON(SIGNATURE_ALGORITHMS_ERROR)
SAME_REASON(SSL_HANDSHAKE_FAILURE)
SAME_REASON(TOO_MANY_KEY_UPDATES)
SAME_REASON(UNEXPECTED_EOF_WHILE_READING)
SAME_REASON(UNEXPECTED_MESSAGE)
SAME_REASON(UNEXPECTED_RECORD)
SAME_REASON(UNKNOWN_CERTIFICATE_TYPE)
SAME_REASON(UNKNOWN_CIPHER_RETURNED)
SAME_REASON(UNSOLICITED_EXTENSION)
SAME_REASON(UNSUPPORTED_ELLIPTIC_CURVE)
SAME_REASON(UNSUPPORTED_PROTOCOL)
SAME_REASON(WRONG_CERTIFICATE_TYPE)
SAME_REASON(WRONG_CIPHER_RETURNED)
SAME_REASON(WRONG_CURVE)
SAME_REASON(WRONG_SIGNATURE_LENGTH)
SAME_REASON(WRONG_SIGNATURE_TYPE)
SAME_REASON(WRONG_SSL_VERSION)
SAME_REASON(WRONG_VERSION_NUMBER)
#undef SAME_REASON

#define SHIMSSL_REASON(name, num, text) {ERR_PACK(ERR_LIB_SSL, 0, num), text},
static const ERR_STRING_DATA ssl_reason_strings[] = {
#include "compat/ssl_errstr_table.h"
    {0, NULL},
};
#undef SHIMSSL_REASON

#define SHIMSSL_REASON(name, num, text) _Static_assert(name == num, #name " changed value");
#include "compat/ssl_errstr_table.h"
#undef SHIMSSL_REASON

/*
 * OpenSSL 3.0's rules: OPENSSL_init_ssl loads the texts only when asked to
 * (OPENSSL_INIT_LOAD_SSL_STRINGS, which SSL_CTX_new passes), and the first
 * call that says either LOAD or NO_LOAD decides for the life of the process
 * (one run-once for both). ERR_load_SSL_strings always loads.
 */
static pthread_mutex_t strings_lock = PTHREAD_MUTEX_INITIALIZER;
static int strings_decided;
static int strings_loaded;

static int load_strings_locked(void)
{
    if (!strings_loaded)
        strings_loaded = ERR_load_strings_const(ssl_reason_strings) == 1;
    return strings_loaded;
}

/* Deprecated in 3.0 but still exported. */
int ERR_load_SSL_strings(void)
{
    int ok;

    pthread_mutex_lock(&strings_lock);
    ok = load_strings_locked();
    pthread_mutex_unlock(&strings_lock);
    return ok;
}

int OPENSSL_init_ssl(uint64_t opts, const OPENSSL_INIT_SETTINGS *settings)
{
    int ok = 1;

    /*
     * libssl needs every cipher and digest registered and, unless told
     * otherwise, the configuration file read, exactly as OpenSSL's own
     * OPENSSL_init_ssl asks of libcrypto.
     */
    opts |= OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS;
    if ((opts & OPENSSL_INIT_NO_LOAD_CONFIG) == 0)
        opts |= OPENSSL_INIT_LOAD_CONFIG;
    if (!OPENSSL_init_crypto(opts, settings))
        return 0;
    if (opts & (OPENSSL_INIT_NO_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_SSL_STRINGS)) {
        pthread_mutex_lock(&strings_lock);
        if (!strings_decided) {
            strings_decided = 1;
            if ((opts & OPENSSL_INIT_NO_LOAD_SSL_STRINGS) == 0)
                ok = load_strings_locked();
        }
        pthread_mutex_unlock(&strings_lock);
    }
    return ok;
}

int shimssl_init(void)
{
    return OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, NULL);
}
