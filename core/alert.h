/*
 * Alert records (RFC 8446 6). The mapping from a failure to the alert to
 * send is not here: every failure value carries its alert (core/err.h), so
 * the only decisions left are the level and whether a received alert ends
 * the connection.
 */
#ifndef SHIMSSL_CORE_ALERT_H
#define SHIMSSL_CORE_ALERT_H

#include <stdint.h>

enum { TLS_AL_WARNING = 1, TLS_AL_FATAL = 2 };

/* RFC 8446 6: in TLS 1.3 only close_notify (and user_canceled, which the
 * engine reports like any other alert) may arrive as a warning; every other
 * alert is an error whatever its level says. */
int tls_alert_is_closure(uint8_t desc);
/* Short lower-case name ("handshake_failure"), "unknown" if not known. */
const char *tls_alert_name(uint8_t desc);

#endif
