#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# TLS to the gateway: certificate verification is always on (untrusted server
# certificate -> 7 naming certificate verification), https only (3), and
# client certificates: required and given (0), required and missing (7),
# not accepted by the server (7), key file readable by others (3), key and
# certificate that do not match (3), encrypted key (6).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

HOLDER="Nguyễn Thị Hồng Nhung"
q() { lookup --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990 "$@"; }

start_gateway plain
write_conf "$T/kyso.conf"
expect 0 'result: +000' q

# an untrusted server certificate: the gateway's CA is not the one given
expect 7 'TLS certificate verification of the gateway https://127.0.0.1:[0-9]+ failed .*check the CA bundle \(cacert\)' \
    q --cacert "$T/pki/other-root.pem"
# ... nor in the system's store
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
	expect 7 'TLS certificate verification' q --cacert /etc/ssl/certs/ca-certificates.crt
fi
[ "$(gw_count /api/token/take)" -eq 1 ] && pass "nothing sent to an unverified server" ||
    fail "a request passed an unverified TLS connection"
# the certificate names both 127.0.0.1 and localhost
expect 0 'result: +000' q --gateway "https://localhost:$GW_PORT"
# no plain HTTP, not even to 127.0.0.1
expect 3 "is not https://" q --gateway "http://127.0.0.1:$GW_PORT"
expect 3 "no blanks, credentials, query or fragment" q --gateway "https://u:p@127.0.0.1:$GW_PORT"
# a CA bundle that does not exist
expect 6 'cannot read the CA bundle' q --cacert "$T/nonexistent.pem"

# --- client certificates -------------------------------------------------------
cp "$T/pki/tls-client.key" "$T/client.key"
chmod 600 "$T/client.key"
cat "$T/pki/tls-client.pem" "$T/pki/gov-ca.pem" > "$T/client-chain.pem"
cp "$T/pki/other-signer.key" "$T/other.key"
chmod 600 "$T/other.key"

# TLS 1.3: the server judges the client certificate after the handshake, so a
# refusal may reach the client as an alert or as a closed connection: exit 7
# either way.
start_gateway mtls13 --client-ca "$T/pki/trust.pem"
write_conf "$T/kyso.conf"
expect 0 'result: +000' q --client-cert "$T/client-chain.pem" --client-key "$T/client.key"
expect 7 'TLS handshake with the gateway .* failed|connection to the gateway .* failed' q
expect 7 'TLS handshake with the gateway .* failed|connection to the gateway .* failed' \
    q --client-cert "$T/pki/other-signer.pem" --client-key "$T/other.key"

# TLS 1.2: refusals happen inside the handshake, with their reason
start_gateway mtls --client-ca "$T/pki/trust.pem" --tls-max 1.2
write_conf "$T/kyso.conf"

expect 0 'result: +000' q --client-cert "$T/client-chain.pem" --client-key "$T/client.key"
[ "$(gw_count /api/egw/KQNhanLichSuKCB2024)" -eq 1 ] && pass "lookup over mutual TLS" ||
    fail "no lookup over mutual TLS"
# the same from kyso.conf (which then holds a key location: 0600)
write_conf "$T/kyso-mtls.conf" "client-cert = $T/client-chain.pem" "client-key = $T/client.key"
expect 0 'result: +000' "$KYSO" insurance lookup --config "$T/kyso-mtls.conf" \
    --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
# required but not given: a TLS failure (7), saying a client certificate is needed
expect 7 'TLS handshake with the gateway https://127.0.0.1:[0-9]+ failed .*requires a client certificate' q
# a certificate the server does not trust (another hierarchy)
expect 7 'TLS handshake with the gateway .* failed \(.*alert' \
    q --client-cert "$T/pki/other-signer.pem" --client-key "$T/other.key"
# key readable by others: refused before connecting
chmod 644 "$T/client.key"
expect 3 "chmod 600 $T/client.key" q --client-cert "$T/client-chain.pem" --client-key "$T/client.key"
chmod 600 "$T/client.key"
# a key that does not belong to the certificate
expect 3 'does not belong to the client key' \
    q --client-cert "$T/client-chain.pem" --client-key "$T/other.key"
# only one of the pair
expect 3 'needs both --client-cert and --client-key' q --client-cert "$T/client-chain.pem"
# an encrypted key cannot be used (and is never asked for on a terminal)
openssl pkey -in "$T/client.key" -aes256 -passout pass:secret -out "$T/enc.key" 2>/dev/null
chmod 600 "$T/enc.key"
expect 6 'no unencrypted PEM private key' q --client-cert "$T/client-chain.pem" --client-key "$T/enc.key"
# a certificate file that is not one
expect 6 'holds no PEM certificate' q --client-cert "$T/client.key" --client-key "$T/client.key"

done_testing
