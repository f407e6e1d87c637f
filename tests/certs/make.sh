#!/bin/bash
# Regenerates the committed test PKI with the system openssl command.
# The PEM files are committed so tests never depend on this running; rerun it
# only to change the PKI (every test reads the files by these names).
set -euo pipefail
cd "$(dirname "$0")"

DAYS=36500   # ~100 years: the suite must not start failing on a date
SUBJ_BASE="/O=ShimSSL Test"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ext_server="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"
ext_client="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"

selfsigned_ca() { # name CN
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key"
    openssl req -new -x509 -key "$1.key" -subj "$SUBJ_BASE/CN=$2" -days "$DAYS" \
        -sha256 -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem"
}

# issue name CN extensions-text genpkey-args...
issue() {
    local name=$1 cn=$2 ext=$3
    shift 3
    openssl genpkey "$@" -out "$name.key"
    openssl req -new -key "$name.key" -subj "$SUBJ_BASE/CN=$cn" -out "$work/$name.csr"
    printf '%s\n' "$ext" >"$work/$name.ext"
    openssl x509 -req -in "$work/$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
        -CAserial "$work/ca.srl" -days "$DAYS" -sha256 -extfile "$work/$name.ext" -out "$name.pem"
}

selfsigned_ca ca "ShimSSL Test Root CA"
selfsigned_ca untrusted-ca "ShimSSL Untrusted CA"

issue server localhost "$ext_server" -algorithm RSA -pkeyopt rsa_keygen_bits:2048
issue server-ec localhost "$ext_server" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
issue server-ed25519 localhost "$ext_server" -algorithm ED25519
issue client "ShimSSL Test Client" "$ext_client" -algorithm RSA -pkeyopt rsa_keygen_bits:2048

# A server certificate signed by the untrusted CA (same names as server.pem).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out untrusted-server.key
openssl req -new -key untrusted-server.key -subj "$SUBJ_BASE/CN=localhost" -out "$work/us.csr"
printf '%s\n' "$ext_server" >"$work/us.ext"
openssl x509 -req -in "$work/us.csr" -CA untrusted-ca.pem -CAkey untrusted-ca.key \
    -CAcreateserial -CAserial "$work/uca.srl" -days "$DAYS" -sha256 -extfile "$work/us.ext" \
    -out untrusted-server.pem

# The expired certificate: `openssl x509 -days` cannot date into the past, so
# use the `ca` command, which takes explicit start and end dates.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out expired.key
openssl req -new -key expired.key -subj "$SUBJ_BASE/CN=localhost" -out "$work/expired.csr"
mkdir -p "$work/ca"
: >"$work/ca/index.txt"
echo 1000 >"$work/ca/serial"
cat >"$work/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
dir = $work/ca
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
default_md = sha256
policy = anything
copy_extensions = none
x509_extensions = srv
[anything]
commonName = supplied
organizationName = optional
[srv]
$ext_server
CNF
openssl ca -batch -config "$work/ca.cnf" -cert ca.pem -keyfile ca.key \
    -startdate 20000101000000Z -enddate 20010101000000Z -notext \
    -in "$work/expired.csr" -out expired.pem

# --- intermediate CA chain (auto-chain, SSL_build_cert_chain tests) ---------
# Root (ca.pem) -> "ShimSSL Test Intermediate CA" -> chain-server / chain-client.
# The leaves are given to servers without their chain; the intermediate sits
# only in a CA file (chain-cafile.pem: intermediate + root, chain-inter.pem:
# the intermediate alone), as in an Apache SSLCACertificateFile setup.
ext_inter="basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"
inter_issue() { # name CN extensions-text
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key"
    openssl req -new -key "$1.key" -subj "$SUBJ_BASE/CN=$2" -out "$work/$1.csr"
    printf '%s\n' "$3" >"$work/$1.ext"
    openssl x509 -req -in "$work/$1.csr" -CA chain-inter.pem -CAkey chain-inter.key \
        -CAcreateserial -CAserial "$work/inter.srl" -days "$DAYS" -sha256 \
        -extfile "$work/$1.ext" -out "$1.pem"
}
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out chain-inter.key
openssl req -new -key chain-inter.key -subj "$SUBJ_BASE/CN=ShimSSL Test Intermediate CA" \
    -out "$work/inter.csr"
printf '%s\n' "$ext_inter" >"$work/inter.ext"
openssl x509 -req -in "$work/inter.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -CAserial "$work/ca2.srl" -days "$DAYS" -sha256 -extfile "$work/inter.ext" -out chain-inter.pem
inter_issue chain-server localhost "$ext_server"
inter_issue chain-client "ShimSSL Test Chain Client" "$ext_client"
cat chain-inter.pem ca.pem >chain-cafile.pem
# --- end of the intermediate CA chain ----------------------------------------

# Convenience bundles: server chain (leaf + CA) for servers that want one file.
cat server.pem ca.pem >server-chain.pem
chmod 644 ./*.pem ./*.key
echo "test PKI written to $(pwd)"
