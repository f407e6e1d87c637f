/*
 * The one error convention of core/.
 *
 * Every core function that can fail returns int: >= 0 is success, < 0 is a
 * failure that carries both the TLS alert to send and the reason to report.
 * The reason numbers are chosen equal to OpenSSL's SSL_R_* values (facts of
 * the ABI), so compat/ can pass them to the ERR queue unchanged; compat/
 * proves the equality with static assertions. core/ never names SSL_R_*.
 *
 * TRY() propagates a failure; functions returning such an int are marked
 * TLS_MUST_CHECK so that a dropped error does not compile (-Werror).
 */
#ifndef SHIMSSL_CORE_ERR_H
#define SHIMSSL_CORE_ERR_H

#define TLS_MUST_CHECK __attribute__((warn_unused_result))

/* Alert descriptions, RFC 8446 section 6 and RFC 5246 section 7.2. */
enum tls_alert {
    TLS_AD_CLOSE_NOTIFY = 0,
    TLS_AD_UNEXPECTED_MESSAGE = 10,
    TLS_AD_BAD_RECORD_MAC = 20,
    TLS_AD_DECRYPTION_FAILED = 21,
    TLS_AD_RECORD_OVERFLOW = 22,
    TLS_AD_DECOMPRESSION_FAILURE = 30,
    TLS_AD_HANDSHAKE_FAILURE = 40,
    TLS_AD_NO_CERTIFICATE = 41,
    TLS_AD_BAD_CERTIFICATE = 42,
    TLS_AD_UNSUPPORTED_CERTIFICATE = 43,
    TLS_AD_CERTIFICATE_REVOKED = 44,
    TLS_AD_CERTIFICATE_EXPIRED = 45,
    TLS_AD_CERTIFICATE_UNKNOWN = 46,
    TLS_AD_ILLEGAL_PARAMETER = 47,
    TLS_AD_UNKNOWN_CA = 48,
    TLS_AD_ACCESS_DENIED = 49,
    TLS_AD_DECODE_ERROR = 50,
    TLS_AD_DECRYPT_ERROR = 51,
    TLS_AD_EXPORT_RESTRICTION = 60,
    TLS_AD_PROTOCOL_VERSION = 70,
    TLS_AD_INSUFFICIENT_SECURITY = 71,
    TLS_AD_INTERNAL_ERROR = 80,
    TLS_AD_INAPPROPRIATE_FALLBACK = 86,
    TLS_AD_USER_CANCELLED = 90,
    TLS_AD_NO_RENEGOTIATION = 100,
    TLS_AD_MISSING_EXTENSION = 109,
    TLS_AD_UNSUPPORTED_EXTENSION = 110,
    TLS_AD_UNRECOGNIZED_NAME = 112,
    TLS_AD_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
    TLS_AD_UNKNOWN_PSK_IDENTITY = 115,
    TLS_AD_CERTIFICATE_REQUIRED = 116,
    TLS_AD_NO_APPLICATION_PROTOCOL = 120,
    /* Not a wire value: a failure after which no alert is sent (for
     * instance, the peer's own fatal alert, or a transport failure). */
    TLS_AD_NONE = 255,
};

/* Reasons. Values equal OpenSSL's SSL_R_* (see the comment at the top). */
enum tls_reason {
    TLS_R_NO_SUITABLE_KEY_SHARE = 101,
    TLS_R_BAD_DH_VALUE = 102,
    TLS_R_BAD_CHANGE_CIPHER_SPEC = 103,
    TLS_R_BAD_DECOMPRESSION = 107,
    TLS_R_BAD_KEY_SHARE = 108,
    TLS_R_BAD_EXTENSION = 110,
    TLS_R_MISSING_SIGALGS_EXTENSION = 112,
    TLS_R_NO_SUITABLE_SIGNATURE_ALGORITHM = 118,
    TLS_R_BAD_KEY_UPDATE = 122,
    TLS_R_BAD_SIGNATURE = 123,
    TLS_R_TOO_MANY_KEY_UPDATES = 132,
    TLS_R_CCS_RECEIVED_EARLY = 133,
    TLS_R_CERTIFICATE_VERIFY_FAILED = 134,
    TLS_R_CERT_LENGTH_MISMATCH = 135,
    TLS_R_DATA_LENGTH_TOO_LONG = 146,
    TLS_R_DIGEST_CHECK_FAILED = 149,
    TLS_R_ENCRYPTED_LENGTH_TOO_LONG = 150,
    TLS_R_EXCESSIVE_MESSAGE_SIZE = 152,
    TLS_R_LENGTH_MISMATCH = 159,
    TLS_R_ILLEGAL_POINT_COMPRESSION = 162,
    TLS_R_NOT_ON_RECORD_BOUNDARY = 182,
    TLS_R_BAD_CIPHER = 186,
    TLS_R_NO_CIPHERS_AVAILABLE = 181,
    TLS_R_NO_PROTOCOLS_AVAILABLE = 191,
    TLS_R_NO_SHARED_CIPHER = 193,
    TLS_R_PACKET_LENGTH_TOO_LONG = 198,
    TLS_R_INVALID_ALERT = 205,
    TLS_R_PROTOCOL_IS_SHUTDOWN = 207,
    TLS_R_RECORD_LENGTH_MISMATCH = 213,
    TLS_R_UNSOLICITED_EXTENSION = 217,
    TLS_R_BAD_PSK = 219,
    TLS_R_SSL_HANDSHAKE_FAILURE = 229,
    TLS_R_NO_APPLICATION_PROTOCOL = 235,
    TLS_R_BAD_PACKET = 240,
    TLS_R_COOKIE_MISMATCH = 308,
    TLS_R_UNEXPECTED_MESSAGE = 244,
    TLS_R_UNEXPECTED_RECORD = 245,
    TLS_R_UNKNOWN_PROTOCOL = 252,
    TLS_R_UNKNOWN_ALERT_TYPE = 246,
    TLS_R_UNKNOWN_CERTIFICATE_TYPE = 247,
    TLS_R_UNKNOWN_CIPHER_RETURNED = 248,
    TLS_R_UNSUPPORTED_PROTOCOL = 258,
    TLS_R_WRONG_CIPHER_RETURNED = 261,
    TLS_R_BAD_HRR_VERSION = 263,
    TLS_R_WRONG_SIGNATURE_LENGTH = 264,
    TLS_R_WRONG_SSL_VERSION = 266,
    TLS_R_WRONG_VERSION_NUMBER = 267,
    TLS_R_BAD_LENGTH = 271,
    TLS_R_EXTENSION_NOT_RECEIVED = 279,
    TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC = 281,
    TLS_R_BAD_LEGACY_VERSION = 292,
    TLS_R_UNEXPECTED_EOF_WHILE_READING = 294,
    TLS_R_RECORD_TOO_SMALL = 298,
    TLS_R_BAD_ECPOINT = 306,
    TLS_R_UNSUPPORTED_ELLIPTIC_CURVE = 315,
    TLS_R_BAD_HANDSHAKE_LENGTH = 332,
    TLS_R_NO_RENEGOTIATION = 339,
    TLS_R_SIGNATURE_ALGORITHMS_ERROR = 360,
    TLS_R_WRONG_SIGNATURE_TYPE = 370,
    TLS_R_NO_SHARED_SIGNATURE_ALGORITHMS = 376,
    TLS_R_EE_KEY_TOO_SMALL = 399,
    TLS_R_BAD_RSA_ENCRYPT = 119,
    TLS_R_WRONG_CURVE = 378,
    TLS_R_WRONG_CERTIFICATE_TYPE = 383,
    TLS_R_BAD_DATA = 390,
    TLS_R_NO_SHARED_GROUPS = 410,
    TLS_R_BAD_RECORD_TYPE = 443,
    /* added by core/custom_ext */
    TLS_R_CALLBACK_FAILED = 234,
    /* added by core/record, core/crypto */
    TLS_R_HTTPS_PROXY_REQUEST = 155,
    TLS_R_HTTP_REQUEST = 156,
    TLS_R_INVALID_SEQUENCE_NUMBER = 402,
    TLS_R_BAD_DIGEST_LENGTH = 111,
    /* added by core/tls13_client */
    TLS_R_INVALID_SESSION_ID = 999,
    TLS_R_OLD_SESSION_CIPHER_NOT_RETURNED = 197,
    TLS_R_NO_CERTIFICATES_RETURNED = 176,
    TLS_R_UNSUPPORTED_COMPRESSION_ALGORITHM = 257,
    TLS_R_INAPPROPRIATE_FALLBACK = 373,
    TLS_R_INVALID_CONTEXT = 282,
    TLS_R_BAD_PROTOCOL_VERSION_NUMBER = 116,
    /* added by core/tls13_server */
    TLS_R_ERROR_IN_RECEIVED_CIPHER_LIST = 151,
    TLS_R_NO_CIPHERS_SPECIFIED = 183,
    TLS_R_MISSING_SUPPORTED_GROUPS_EXTENSION = 209,
    TLS_R_MISSING_PSK_KEX_MODES_EXTENSION = 310,
    TLS_R_INVALID_COMPRESSION_ALGORITHM = 341,
    TLS_R_NO_COMPRESSION_SPECIFIED = 187,
    /* added by core/tls12_crypto */
    TLS_R_TLS_ILLEGAL_EXPORTER_LABEL = 367,
    TLS_R_LENGTH_TOO_SHORT = 160,
    TLS_R_DH_KEY_TOO_SMALL = 394,
    TLS_R_DECRYPTION_FAILED = 147,
    TLS_R_COMPRESSED_LENGTH_TOO_LONG = 140,
    TLS_R_COMPRESSION_FAILURE = 141,
    /* added by core/tls13_psk (resumption, 0-RTT) */
    TLS_R_BINDER_DOES_NOT_VERIFY = 253,
    TLS_R_TOO_MUCH_EARLY_DATA = 164,
    TLS_R_BAD_EARLY_DATA = 233,
    TLS_R_BAD_PSK_IDENTITY = 114,
    TLS_R_INVALID_MAX_EARLY_DATA = 174,
    /* added by core/tls12_server */
    TLS_R_RENEGOTIATION_MISMATCH = 337,
    TLS_R_INCONSISTENT_EXTMS = 104,
    TLS_R_PEER_DID_NOT_RETURN_A_CERTIFICATE = 199,
    /* added by core/tls12_client */
    TLS_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED = 338,
    TLS_R_TOO_MANY_WARN_ALERTS = 409,
    /* added by core/maxfrag (RFC 6066 max_fragment_length) */
    TLS_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH = 232,
    /* added by core/tls13_server (post-handshake auth, SSL_VERIFY_CLIENT_ONCE) */
    TLS_R_INVALID_CONFIG = 283,
    /* added by core/ocsp_status (OCSP stapling) */
    TLS_R_UNSUPPORTED_STATUS_TYPE = 329,
    TLS_R_INVALID_STATUS_RESPONSE = 328,
    TLS_R_OCSP_CALLBACK_FAILURE = 305,
    TLS_R_CLIENTHELLO_TLSEXT = 226,
    /* A received alert is reported as 1000 + its description. */
    TLS_R_ALERT_OFFSET = 1000,
    /* Internal failures (allocation, libcrypto) are reported with
     * libcrypto's ERR_R_INTERNAL_ERROR, which compat maps; value here is
     * only a marker inside core/. */
    TLS_R_INTERNAL = 0xFFFFF,
};

/* A failure value: -( reason << 8 | alert ). */
#define TLS_ERR(alert, reason) (-(int)((((unsigned)(reason)) << 8) | ((unsigned)(alert)&0xffu)))
#define TLS_ERR_ALERT(rc)      ((int)(((unsigned)-(rc)) & 0xffu))
#define TLS_ERR_REASON(rc)     ((int)(((unsigned)-(rc)) >> 8))
#define TLS_ERR_INTERNAL       TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_INTERNAL)
#define TLS_ERR_DECODE         TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_BAD_PACKET)

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        int tls_try_rc_ = (expr);                                                                  \
        if (tls_try_rc_ < 0)                                                                       \
            return tls_try_rc_;                                                                    \
    } while (0)

/*
 * Where a failure arose. OpenSSL's ERR entries name the function, file and
 * line that detected an error (not a generic reporting helper), and
 * programs print them (`s_client`, curl, nginx's error log). A failure
 * site notes itself with TLS_FAIL / ENSURE; tls_conn_fail() takes the note
 * when the failure becomes the connection's sticky error, and compat puts
 * it on the ERR entry. Paths are relative to the source tree (the build
 * maps the source directory away, -fmacro-prefix-map).
 */
typedef struct {
    const char *file;
    const char *func;
    int line;
    int rc;
} tls_err_origin;

/* Records (file, line, func) as the origin of rc in this thread. */
__attribute__((cold)) void tls_err_note(int rc, const char *file, int line, const char *func);
/* The same, returning rc (inline, so the compiler still sees which value a
 * failing path returns). */
static inline int tls_err_at(int rc, const char *file, int line, const char *func)
{
    tls_err_note(rc, file, line, func);
    return rc;
}
/* If the last failure noted in this thread is rc, moves its origin to *out
 * and returns 1; 0 (and *out untouched) otherwise. */
int tls_err_take(int rc, tls_err_origin *out);

/* A failure, noted at the place it arises. */
#define TLS_FAIL(alert, reason) tls_err_at(TLS_ERR(alert, reason), __FILE__, __LINE__, __func__)
/* rc (a hook's answer, say), noted here if it is a failure: the handshake
 * step that called the hook is where OpenSSL reports it. */
#define TLS_NOTE(rc) tls_err_at((rc), __FILE__, __LINE__, __func__)

/* Fail with the given error unless cond holds (err is a constant or a
 * plain variable: it is evaluated twice). */
#define ENSURE(cond, err)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            tls_err_note((err), __FILE__, __LINE__, __func__);                                     \
            return (err);                                                                          \
        }                                                                                          \
    } while (0)

#endif
