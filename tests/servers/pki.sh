#!/usr/bin/env bash
# pki.sh DIR -- a fresh test PKI in DIR (created if missing), with openssl only: no root, no
# servers. Used by start.sh (RUN/pki/, served by the real servers) and by the Python suite's
# scripted servers when the real servers are not part of the run (`make check`).
#
#   DIR/ca.pem, ca.key              RSA-2048 test CA ("ftps tests CA")
#   DIR/server.pem, server.key      the leaf: CN=localhost, SAN DNS:localhost IP:127.0.0.1
#                                   IP:::1, serverAuth, signed by ca.pem
#   DIR/wrong-ca.pem, wrong-ca.key  an unrelated CA that signed nothing
#
# Keys are mode 600, certificates 644. Exits non-zero on the first failure.
set -Eeuo pipefail

[ "$#" -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
PKI=$1
command -v openssl >/dev/null || { echo "pki.sh: openssl not found (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$PKI"

ext=$PKI/server.ext
cat > "$ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
# three RSA-2048 keys (test CA, server leaf, unrelated CA), made in parallel
pids=()
for k in ca server wrong-ca; do
  openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/$k.key" &
  pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p"; done
# the test CA
openssl req -x509 -new -key "$PKI/ca.key" -sha256 -days 3650 -out "$PKI/ca.pem" \
  -subj "/CN=ftps tests CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
# the server leaf, signed by the test CA
openssl req -new -key "$PKI/server.key" -out "$PKI/server.csr" -subj "/CN=localhost"
openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
  -set_serial "0x$(openssl rand -hex 16)" -days 825 -sha256 -extfile "$ext" -out "$PKI/server.pem"
# an unrelated CA, for "wrong CA" tests
openssl req -x509 -new -key "$PKI/wrong-ca.key" -sha256 -days 3650 -out "$PKI/wrong-ca.pem" \
  -subj "/CN=ftps tests WRONG CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
rm -f "$PKI/server.csr"
openssl verify -CAfile "$PKI/ca.pem" "$PKI/server.pem"
chmod 600 "$PKI"/*.key
chmod 644 "$PKI"/*.pem
