#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso verify --ocsp / --ocsp-url: revocation from an OCSP responder (the
# stand-in tests/pkisrv/pkisrv.py around `openssl ocsp`, the gov CA's
# delegated responder answering from a copy of its database): good, revoked,
# a responder the CA never delegated, none reachable, none named, and the
# CRLs answering for a certificate the responder does not know.  `openssl
# ocsp` as the client referee.
set -u
. "$top_srcdir/tests/integration/lib.sh"
test_pki
P=$T/pki
cd "$T" || exit 1
ca_conf gov-ca          # $T/ca-gov-ca/index: the responder's database
start_pkisrv --ocsp-index "$T/ca-gov-ca/index"
OCSP=$PKISRV

printf 'Công văn số 9/CV-UBND\n' > doc.txt
openssl cms -sign -binary -in doc.txt -signer "$P/signer-rsa.pem" -inkey "$P/signer-rsa.key" \
    -certfile "$P/chain.pem" -cades -outform DER -out doc.txt.p7s || fail "openssl cms -sign"
# the gov CA as the anchor: the signer's status is all there is to ask
V() { "$KYSO" verify --no-default-trust --trust "$P/gov-ca.pem" "$@" doc.txt.p7s; }

# ---- good ---------------------------------------------------------------------------
expect 0 "doc.txt.p7s: TOTAL-PASSED" V --ocsp-url "$OCSP/ocsp"
expect 0 "PASSED +revocation +1 certificate not revoked at .*\"Nguyễn Văn An\" good by the OCSP responder $OCSP/ocsp" \
    V --ocsp-url "$OCSP/ocsp"
grep -q '^/ocsp application/ocsp-request ' "$T/pkisrv.log" &&
    pass "asked as application/ocsp-request" || fail "request: $(cat "$T/pkisrv.log")"
expect 0 "Response verify OK" openssl ocsp -issuer "$P/gov-ca.pem" -cert "$P/signer-rsa.pem" \
    -url "$OCSP/ocsp" -CAfile "$P/root.pem"
# the root as the anchor: the gov CA's own status comes from the root's CRL
ca_gencrl root root.crl
expect 0 "TOTAL-PASSED" "$KYSO" verify --no-default-trust --trust "$P/root.pem" \
    --ocsp-url "$OCSP/ocsp" --crl root.crl doc.txt.p7s
expect 2 "INDETERMINATE/TRY_LATER" "$KYSO" verify --no-default-trust --trust "$P/root.pem" \
    --ocsp-url "$OCSP/ocsp" doc.txt.p7s

# ---- cannot tell ----------------------------------------------------------------------
expect 2 "INDETERMINATE/TRY_LATER" V --ocsp-url "$OCSP/ocsp-bad"
expect 2 "does not verify .*: it is not from the issuer or a responder it named" \
    V --ocsp-url "$OCSP/ocsp-bad"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect 2 "no OCSP answer: cannot reach the OCSP responder http://127.0.0.1:$port/ocsp" \
    V --ocsp-url "http://127.0.0.1:$port/ocsp"
expect 2 "\"Nguyễn Văn An\": the certificate names no OCSP responder, and no CRL was given: its revocation is not known; give the issuer's current CRL with --crl" \
    V --ocsp
# no responder, but a CRL: the CRL answers
ca_gencrl gov-ca gov.crl
expect 0 "TOTAL-PASSED" V --ocsp --crl gov.crl

# ---- revoked --------------------------------------------------------------------------
ca_revoke gov-ca "$P/signer-rsa.pem" -crl_reason keyCompromise
expect 2 "doc.txt.p7s: INDETERMINATE/REVOKED_NO_POE" V --ocsp-url "$OCSP/ocsp"
expect 2 "\"Nguyễn Văn An\" was revoked on 20[0-9-]+T[0-9:]+Z \(keyCompromise\) by the OCSP responder" \
    V --ocsp-url "$OCSP/ocsp"
expect 0 "revoked" openssl ocsp -issuer "$P/gov-ca.pem" -cert "$P/signer-rsa.pem" \
    -url "$OCSP/ocsp" -CAfile "$P/root.pem"

expect 3 "--ocsp-url takes the responder's http:// or https:// URL" V --ocsp-url ldap://x/
done_testing
