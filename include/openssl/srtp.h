/*
 * ShimSSL: the DTLS-SRTP key negotiation extension (RFC 5764): protection
 * profile ids and the functions that configure and report them.
 */

#ifndef OPENSSL_SRTP_H
#define OPENSSL_SRTP_H

#include <openssl/macros.h>
#ifndef OPENSSL_NO_DEPRECATED_3_0
#define HEADER_D1_SRTP_H
#endif

#include <openssl/ssl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Protection profile ids (RFC 5764, RFC 7714) */
#define SRTP_AES128_CM_SHA1_80           0x0001
#define SRTP_AES128_CM_SHA1_32           0x0002
#define SRTP_AES128_F8_SHA1_80           0x0003
#define SRTP_AES128_F8_SHA1_32           0x0004
#define SRTP_NULL_SHA1_80                0x0005
#define SRTP_NULL_SHA1_32                0x0006
#define SRTP_AEAD_AES_128_GCM            0x0007
#define SRTP_AEAD_AES_256_GCM            0x0008

/* --- DTLS-SRTP --- */

#ifndef OPENSSL_NO_SRTP
__owur int SSL_CTX_set_tlsext_use_srtp(SSL_CTX *ctx, const char *profiles);
__owur int SSL_set_tlsext_use_srtp(SSL *ssl, const char *profiles);
__owur STACK_OF(SRTP_PROTECTION_PROFILE) *SSL_get_srtp_profiles(SSL *ssl);
__owur SRTP_PROTECTION_PROFILE *SSL_get_selected_srtp_profile(SSL *s);
#endif

#ifdef __cplusplus
}
#endif
#endif
