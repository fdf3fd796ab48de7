#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso verify --crl-fetch: each certificate's CRL from its http:// CRL
# distribution point.  A signer certificate for signer-rsa's key is made here by
# the gov CA with a distribution point on the stand-in server
# (tests/pkisrv/pkisrv.py --files, GET /files/NAME, logged): not revoked,
# fetched once for three files in one run; revoked; a forged CRL (the gov CA's
# name, another key) is not used; a missing one (404), garbage, one larger than
# the bound, an unreachable server: TRY_LATER naming the URL; --crl given
# beside it (the newest wins); no --crl-fetch: nothing fetched.  openssl verify
# -crl_download as the referee.
set -u
. "$top_srcdir/tests/integration/lib.sh"
test_pki
P=$T/pki
cd "$T" || exit 1
ca_conf gov-ca
mkdir files
start_pkisrv --files "$T/files"

# the signer certificate, with distribution points on the stand-in server
cdp_cert() { # OUT SERIAL URL
	cat > "$1.cnf" <<CNF
[ ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:$3
CNF
	openssl req -new -key "$P/signer-rsa.key" -subj "/C=VN/O=Kyso Test PKI/CN=Trần Văn CDP" \
	    -utf8 -out "$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$1.csr" -CA "$P/gov-ca.pem" -CAkey "$P/gov-ca.key" -set_serial "$2" \
	    -days 30 -extfile "$1.cnf" -extensions ext -out "$1.pem" 2>/dev/null ||
	    fail "make $1"
}
cdp_cert cdp 0x7301 "$PKISRV/files/gov.crl"
openssl x509 -noout -text -in cdp.pem | grep -q "URI:$PKISRV/files/gov.crl" &&
    pass "the certificate names the distribution point" || fail "no distribution point"
sign() { # CERT IN
	openssl cms -sign -binary -in "$2" -signer "$1" -inkey "$P/signer-rsa.key" \
	    -certfile "$P/chain.pem" -cades -outform DER -out "$2.p7s" || fail "sign $2"
}
for i in 1 2 3; do printf 'Văn bản %s\n' "$i" > "d$i.txt"; sign cdp.pem "d$i.txt"; done
# the gov CA as the anchor: only the signer's status is asked
V() { "$KYSO" verify --no-default-trust --trust "$P/gov-ca.pem" "$@"; }
gets() { grep -c "^GET /files/$1\$" "$T/pkisrv.log"; }

# ---- without --crl-fetch nothing is fetched ----------------------------------------------
# served as DER, as RFC 5280 has it (kyso takes PEM too)
der() { openssl crl -in "$1" -outform DER -out files/gov.crl || fail "DER $1"; }
ca_gencrl gov-ca gov.pem && der gov.pem
: > "$T/pkisrv.log"
expect 0 "SKIPPED +revocation +revocation is not checked" V d1.txt.p7s
[ "$(gets gov.crl)" = 0 ] && pass "nothing fetched without --crl-fetch" || fail "fetched"

# ---- not revoked: one GET for three files --------------------------------------------------
expect 0 "d3.txt.p7s: TOTAL-PASSED" V --crl-fetch d1.txt.p7s d2.txt.p7s d3.txt.p7s
[ "$(grep -c '^d[123].txt.p7s: TOTAL-PASSED$' "$T/.out")" = 3 ] && pass "three files passed" ||
    fail "not all three passed"
expect 0 "PASSED +revocation +1 certificate not revoked at .*CRL of \"CA phục vụ thử nghiệm\" of 20[0-9-]+T[0-9:]+Z, fetched from its CRL distribution point" \
    V --crl-fetch d1.txt.p7s
: > "$T/pkisrv.log"
expect 0 "TOTAL-PASSED" V --crl-fetch d1.txt.p7s d2.txt.p7s d3.txt.p7s
[ "$(gets gov.crl)" = 1 ] && pass "fetched once for three files" ||
    fail "fetched $(gets gov.crl) times"
# the referee downloads it too
expect 0 "OK" openssl verify -crl_check -crl_download -CAfile "$P/root.pem" \
    -untrusted "$P/gov-ca.pem" cdp.pem

# ---- revoked ----------------------------------------------------------------------------
cp gov.pem gov-old.crl
ca_revoke gov-ca cdp.pem -crl_reason keyCompromise
ca_gencrl gov-ca gov-revoked.pem
cp gov-revoked.pem files/gov.crl      # PEM this time
expect 2 "d1.txt.p7s: INDETERMINATE/REVOKED_NO_POE" V --crl-fetch d1.txt.p7s
der gov-revoked.pem
expect 2 "d1.txt.p7s: INDETERMINATE/REVOKED_NO_POE" V --crl-fetch d1.txt.p7s
expect 2 "\"Trần Văn CDP\" was revoked on .* \(keyCompromise\) by the CRL of \"CA phục vụ thử nghiệm\" of .*, fetched from its CRL distribution point" \
    V --crl-fetch d1.txt.p7s
expect 2 "certificate revoked" openssl verify -crl_check -crl_download -CAfile "$P/root.pem" \
    -untrusted "$P/gov-ca.pem" cdp.pem
# an older CRL given with --crl does not hide it: the newest wins
expect 2 "REVOKED_NO_POE" V --crl-fetch --crl gov-old.crl d1.txt.p7s
# and OCSP-less, --crl alone (the old one) still says what it says
expect 0 "TOTAL-PASSED" V --crl gov-old.crl d1.txt.p7s

# ---- a forged CRL at the distribution point: not used ---------------------------------------
openssl req -new -x509 -key "$P/other-root.key" -subj "/C=VN/O=Kyso Test PKI/CN=CA phục vụ thử nghiệm" \
    -utf8 -days 30 -out fake-ca.pem 2>/dev/null || fail "fake CA"
mkdir -p "$T/ca-fake" && : > "$T/ca-fake/index"
ca_conf fake
openssl ca -config "$T/ca-fake/cnf" -gencrl -cert fake-ca.pem -keyfile "$P/other-root.key" \
    -out files/gov.crl 2>/dev/null || fail "forged CRL"
expect 2 "INDETERMINATE/TRY_LATER" V --crl-fetch d1.txt.p7s
expect 2 "one in its name does not" V --crl-fetch d1.txt.p7s

# ---- the distribution point fails: TRY_LATER naming it ----------------------------------------
cdp_cert missing 0x7302 "$PKISRV/files/absent.crl"
sign missing.pem d1.txt && mv d1.txt.p7s missing.p7s
expect 2 "INDETERMINATE/TRY_LATER" V --crl-fetch --content d1.txt missing.p7s
expect 2 "\(CRL distribution point: $PKISRV/files/absent.crl answered HTTP 404\)" \
    V --crl-fetch --content d1.txt missing.p7s
printf 'not a CRL\n' > files/junk.crl
cdp_cert junk 0x7303 "$PKISRV/files/junk.crl"
sign junk.pem d1.txt && mv d1.txt.p7s junk.p7s
expect 2 "$PKISRV/files/junk.crl is not a DER or PEM CRL" V --crl-fetch --content d1.txt junk.p7s
head -c 17000000 /dev/zero > files/big.crl
cdp_cert big 0x7304 "$PKISRV/files/big.crl"
sign big.pem d1.txt && mv d1.txt.p7s big.p7s
expect 2 "$PKISRV/files/big.crl is larger than 16777216 bytes" V --crl-fetch --content d1.txt big.p7s
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cdp_cert dead 0x7305 "http://127.0.0.1:$port/gov.crl"
sign dead.pem d1.txt && mv d1.txt.p7s dead.p7s
expect 2 "cannot reach the CRL distribution point http://127.0.0.1:$port/gov.crl" V --crl-fetch --content d1.txt dead.p7s
# a failure is not retried within the run
: > "$T/pkisrv.log"
cp missing.p7s missing2.p7s
expect 2 "TRY_LATER" V --crl-fetch --content d1.txt missing.p7s missing2.p7s
[ "$(gets absent.crl)" = 1 ] && pass "a failed fetch is not repeated in the run" ||
    fail "absent.crl asked $(gets absent.crl) times"
# a certificate without a distribution point: said so
sign "$P/signer-rsa.pem" d1.txt && mv d1.txt.p7s plain.p7s
expect 2 "it names no http:// CRL distribution point" V --crl-fetch --content d1.txt plain.p7s
done_testing
