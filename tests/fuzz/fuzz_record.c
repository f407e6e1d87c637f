/*
 * fuzz_record: arbitrary bytes as the server's side of the stream, fed to a
 * client that has sent its ClientHello. Exercises the record layer
 * (framing, length limits, content types, fragmentation across reads) and
 * everything the handshake parses from plaintext records.
 *
 * Properties: those of fuzz_common.h (no handshake completes, no
 * internal_error, the connection fails once the input ends, sticky errors).
 *
 * Input layout: byte 0 picks how the bytes are cut into transport reads
 * (1 byte at a time ... whole records), the rest is the stream.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t chunks[] = {1, 2, 3, 5, 7, 64, 300, 4096, TLS_MAX_RECORD};
    if (size < 1)
        return 0;
    size_t chunk = chunks[data[0] % (sizeof chunks / sizeof chunks[0])];
    tls_config cfg;
    fuzz_watch w;
    tls_conn *c = fuzz_client_new(&cfg, &w);
    if (c == NULL)
        return 0;
    fuzz_pump(c, data + 1, size - 1, chunk);
    fuzz_finish(c, &w);
    tls_conn_free(c);
    return 0;
}
