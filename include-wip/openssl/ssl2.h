/*
 * ShimSSL: SSLv2 is long gone; only its version numbers survive, for
 * programs that still print or compare them.
 */

#ifndef OPENSSL_SSL2_H
#define OPENSSL_SSL2_H

#include <openssl/macros.h>
#ifndef OPENSSL_NO_DEPRECATED_3_0
#define HEADER_SSL2_H
#endif


#ifdef __cplusplus
extern "C" {
#endif

/* SSLv2 numbers */
#define SSL2_VERSION                     0x0002
#define SSL2_MT_CLIENT_HELLO             1

#ifdef __cplusplus
}
#endif
#endif
