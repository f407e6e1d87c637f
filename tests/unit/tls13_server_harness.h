// The names the core server tests use for the in-memory pair harness of
// tests/testlib/core_pair.h (a server tls_conn configured from tests/certs,
// pumping bytes between it and a peer, wire helpers).
#ifndef SHIMSSL_TESTS_TLS13_SERVER_HARNESS_H
#define SHIMSSL_TESTS_TLS13_SERVER_HARNESS_H

#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "core/tls.h"
#include "core/conn.h"
#include "core/handshake.h"
}

#include "testlib/core_pair.h"

namespace tls13srv
{

// The pair harness lives in tests/testlib/core_pair.h; these names are the
// ones the server tests use.
using shimtest::cert_path;
using shimtest::ext;
using shimtest::hs;
using shimtest::load_cert;
using shimtest::load_key;
using shimtest::Rec;
using shimtest::record;
using shimtest::split;
using shimtest::u16;
using shimtest::u24;
using shimtest::u8;
// Our server alone: configuration, bytes it sent, bytes waiting for it
// (to_server), and what its callbacks reported.
using Server = shimtest::CoreServer;

} // namespace tls13srv

#endif
