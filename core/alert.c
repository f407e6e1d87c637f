#include "core/alert.h"

#include "core/err.h"

int tls_alert_is_closure(uint8_t desc)
{
    return desc == TLS_AD_CLOSE_NOTIFY;
}

const char *tls_alert_name(uint8_t desc)
{
    switch (desc) {
    case TLS_AD_CLOSE_NOTIFY:
        return "close_notify";
    case TLS_AD_UNEXPECTED_MESSAGE:
        return "unexpected_message";
    case TLS_AD_BAD_RECORD_MAC:
        return "bad_record_mac";
    case TLS_AD_DECRYPTION_FAILED:
        return "decryption_failed";
    case TLS_AD_RECORD_OVERFLOW:
        return "record_overflow";
    case TLS_AD_DECOMPRESSION_FAILURE:
        return "decompression_failure";
    case TLS_AD_HANDSHAKE_FAILURE:
        return "handshake_failure";
    case TLS_AD_NO_CERTIFICATE:
        return "no_certificate";
    case TLS_AD_BAD_CERTIFICATE:
        return "bad_certificate";
    case TLS_AD_UNSUPPORTED_CERTIFICATE:
        return "unsupported_certificate";
    case TLS_AD_CERTIFICATE_REVOKED:
        return "certificate_revoked";
    case TLS_AD_CERTIFICATE_EXPIRED:
        return "certificate_expired";
    case TLS_AD_CERTIFICATE_UNKNOWN:
        return "certificate_unknown";
    case TLS_AD_ILLEGAL_PARAMETER:
        return "illegal_parameter";
    case TLS_AD_UNKNOWN_CA:
        return "unknown_ca";
    case TLS_AD_ACCESS_DENIED:
        return "access_denied";
    case TLS_AD_DECODE_ERROR:
        return "decode_error";
    case TLS_AD_DECRYPT_ERROR:
        return "decrypt_error";
    case TLS_AD_EXPORT_RESTRICTION:
        return "export_restriction";
    case TLS_AD_PROTOCOL_VERSION:
        return "protocol_version";
    case TLS_AD_INSUFFICIENT_SECURITY:
        return "insufficient_security";
    case TLS_AD_INTERNAL_ERROR:
        return "internal_error";
    case TLS_AD_INAPPROPRIATE_FALLBACK:
        return "inappropriate_fallback";
    case TLS_AD_USER_CANCELLED:
        return "user_canceled";
    case TLS_AD_NO_RENEGOTIATION:
        return "no_renegotiation";
    case TLS_AD_MISSING_EXTENSION:
        return "missing_extension";
    case TLS_AD_UNSUPPORTED_EXTENSION:
        return "unsupported_extension";
    case TLS_AD_UNRECOGNIZED_NAME:
        return "unrecognized_name";
    case TLS_AD_BAD_CERTIFICATE_STATUS_RESPONSE:
        return "bad_certificate_status_response";
    case TLS_AD_UNKNOWN_PSK_IDENTITY:
        return "unknown_psk_identity";
    case TLS_AD_CERTIFICATE_REQUIRED:
        return "certificate_required";
    case TLS_AD_NO_APPLICATION_PROTOCOL:
        return "no_application_protocol";
    default:
        return "unknown";
    }
}
