#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso cert show: names in UTF-8, key, usages, policies, fingerprint, validity warnings.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"
test_pki
P=$T/pki

expect 0 "subject: +C=VN, ST=Hà Nội, O=Bộ Y tế, OU=Văn phòng, CN=Nguyễn Văn An" \
    "$KYSO" cert show "$P/signer-rsa.pem"
expect 0 "issuer: +C=VN, O=Kyso Test PKI, CN=CA phục vụ thử nghiệm" "$KYSO" cert show "$P/signer-rsa.pem"
expect 0 "key: +rsa 2048$" "$KYSO" cert show "$P/signer-rsa.pem"
expect 0 "key usage: +digitalSignature, nonRepudiation$" "$KYSO" cert show "$P/signer-rsa.pem"
expect 0 "ext key usage: +emailProtection, 1.3.6.1.4.1.311.10.3.12" "$KYSO" cert show "$P/signer-rsa.pem"
expect 0 "policies: +2.16.704.1.1.1.1.1" "$KYSO" cert show "$P/signer-rsa.pem"
expect 0 "valid until: +2045-12-31T00:00:00Z \(valid\)" "$KYSO" cert show "$P/signer-rsa.pem"
expect 0 "key: +ec 256 \(prime256v1\)" "$KYSO" cert show "$P/signer-ec.pem"
expect 0 "key: +ec 384 \(secp384r1\)" "$KYSO" cert show "$P/signer-ec384.pem"
expect 0 "ext key usage: +timeStamping" "$KYSO" cert show "$P/tsa.pem"
expect 0 "CA: +yes" "$KYSO" cert show "$P/gov-ca.pem"
expect 0 "keyEncipherment, dataEncipherment +\[may not sign\]" "$KYSO" cert show "$P/enc-only.pem"

# The fingerprint and serial agree with openssl.
fp=$(openssl x509 -in "$P/signer-rsa.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
    tr 'A-F' 'a-f')
expect 0 "SHA-256: +$fp" "$KYSO" cert show "$P/signer-rsa.pem"
sn=$(openssl x509 -in "$P/signer-rsa.pem" -noout -serial | sed 's/.*=//' | tr 'A-F' 'a-f' |
    sed 's/^0*//')
expect 0 "serial: +0*$sn$" "$KYSO" cert show "$P/signer-rsa.pem"
openssl x509 -in "$P/signer-rsa.pem" -outform DER -out "$T/signer.der"
expect 0 "SHA-256: +$fp" "$KYSO" cert show "$T/signer.der"

# JSON.
expect 0 '"subject": "C=VN, ST=Hà Nội, O=Bộ Y tế, OU=Văn phòng, CN=Nguyễn Văn An"' \
    "$KYSO" cert show --json "$P/signer-rsa.pem"
expect 0 '"status": "valid"' "$KYSO" cert show --json "$P/signer-rsa.pem"
expect 0 '"can_sign": false' "$KYSO" cert show --json "$P/enc-only.pem"
expect 0 '"schema": 1' "$KYSO" cert show --json "$P/signer-ec.pem"

# Expired, not yet valid, expiring within 30 days: shown, warned on stderr and in JSON.
expect 0 "valid until: +2021-01-01T00:00:00Z \(EXPIRED\)" "$KYSO" cert show "$P/signer-expired.pem"
expect 0 "warning: the certificate .*Hoàng Văn Hết Hạn' expired on 2021-01-01" \
    "$KYSO" cert show "$P/signer-expired.pem"
expect 0 '"status": "expired"' "$KYSO" cert show --json "$P/signer-expired.pem"
expect 0 '"warning": "the certificate .* expired on' "$KYSO" cert show --json "$P/signer-expired.pem"
expect 0 "NOT YET VALID" "$KYSO" cert show "$P/signer-future.pem"
expect 0 '"status": "not-yet-valid"' "$KYSO" cert show --json "$P/signer-future.pem"
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/soon.key" -subj "/CN=Sắp hết hạn" -utf8 -days 10 -out "$T/soon.pem" 2>/dev/null
expect 0 "warning: the certificate 'CN=Sắp hết hạn' expires in (9|10) days" \
    "$KYSO" cert show "$T/soon.pem"
expect 0 '"status": "expiring"' "$KYSO" cert show --json "$T/soon.pem"
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/soon.key" -subj "/CN=Ngày mai" -utf8 -days 1 -out "$T/day.pem" 2>/dev/null
expect 0 "warning: the certificate 'CN=Ngày mai' expires in (less than a day|1 day) \(" \
    "$KYSO" cert show "$T/day.pem"
"$KYSO" cert show "$P/signer-rsa.pem" >/dev/null 2>"$T/err"
[ -s "$T/err" ] && fail "a warning for a valid certificate: $(cat "$T/err")" ||
    pass "no warning for a certificate valid for years"

# Certificates on a token, by URI.
tok_init T1
U="pkcs11:token=T1"
softhsm2-util --import "$P/signer-ec.key" --token T1 --label an --id 0e --pin "$PIN" >/dev/null
"$KYSO" cert import --token "$U" --in "$P/signer-ec.pem" --pin-source env:PIN >/dev/null ||
    fail "import"
expect 0 "subject: +C=VN, ST=Hà Nội, O=Bộ Y tế, OU=Văn phòng, CN=Trần Thị Bình" \
    "$KYSO" cert show "$U;object=an;type=cert"
expect 0 '"label": "an"' "$KYSO" cert show --json "$U;id=%0E"
expect 6 "no certificate matches" "$KYSO" cert show "$U;object=nothing"

# Several certificates in a file, PKCS#7 bundles (.p7b, PEM and DER): all shown.
cat "$P/signer-ec.pem" "$P/gov-ca.pem" >"$T/two.pem"
openssl crl2pkcs7 -nocrl -certfile "$P/signer-rsa.pem" -certfile "$P/gov-ca.pem" \
    -outform DER -out "$T/bundle.p7b"
openssl crl2pkcs7 -nocrl -certfile "$P/signer-rsa.pem" -certfile "$P/gov-ca.pem" \
    -out "$T/bundle.p7b.pem"
for f in two.pem bundle.p7b bundle.p7b.pem; do
	expect 0 "^certificate 2 of 2$" "$KYSO" cert show "$T/$f"
	expect 0 "subject: +C=VN, O=Kyso Test PKI, CN=CA phục vụ thử nghiệm" "$KYSO" cert show "$T/$f"
done
expect 0 "CN=Trần Thị Bình" "$KYSO" cert show "$T/two.pem"
expect 0 "CN=Nguyễn Văn An" "$KYSO" cert show "$T/bundle.p7b"
"$KYSO" cert show --json "$T/bundle.p7b" >"$T/bundle.json" 2>&1
if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["certificates"]) == 2 and d["certificate"] == d["certificates"][0]
assert d["certificates"][1]["ca"] is True' "$T/bundle.json"; then
	pass "--json: every certificate of the bundle, the first as \"certificate\""
else
	fail "--json of a bundle: $(cat "$T/bundle.json")"
fi

# A private key is never shown, nor read as a certificate; a file with the key
# and the certificate shows the certificate only.
expect 6 "signer-rsa.key holds no PEM or DER certificate \(its PEM data is a PRIVATE KEY" \
    "$KYSO" cert show "$P/signer-rsa.key"
cat "$P/signer-rsa.key" "$P/signer-rsa.pem" >"$T/key-and-cert.pem"
"$KYSO" cert show "$T/key-and-cert.pem" >"$T/kc.out" 2>&1
"$KYSO" cert show --json "$T/key-and-cert.pem" >>"$T/kc.out" 2>&1
expect_in "$T/kc.out" "CN=Nguyễn Văn An"
k=$(sed -n 2p "$P/signer-rsa.key" | cut -c1-40)
if grep -q PRIVATE "$T/kc.out" || grep -Fq -- "$k" "$T/kc.out"; then
	fail "the private key was printed"; else
	pass "nothing of the private key printed"; fi
openssl req -new -key "$P/signer-ec.key" -subj /CN=x -out "$T/req.pem" 2>/dev/null
expect 6 "its PEM data is a CERTIFICATE REQUEST, not a certificate" "$KYSO" cert show "$T/req.pem"

# A name with an escape sequence, a C1 CSI and a right-to-left override: shown
# as \XX, so the terminal neither obeys nor reorders it.
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/ctl.key" -subj "$(printf '/CN=Nguyễn\033[2J\302\233x\342\200\256nA')" -utf8 \
    -days 30 -out "$T/ctl.pem" 2>/dev/null
"$KYSO" cert show "$T/ctl.pem" >"$T/ctl.out" 2>&1
"$KYSO" cert show --json "$T/ctl.pem" >>"$T/ctl.out" 2>&1
if LC_ALL=C grep -q "$(printf '\033\\|\302\233\\|\342\200\256')" "$T/ctl.out"; then
	fail "raw control characters printed"
else
	pass "no raw control or bidi character printed"
fi
expect_in "$T/ctl.out" 'subject: +CN=Nguyễn\\1B\[2J\\C2\\9Bx\\E2\\80\\AEnA$'

# Bad input.
printf -- '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' >"$T/bad.pem"
expect 6 "holds no PEM or DER certificate" "$KYSO" cert show "$T/bad.pem"
expect 6 '"exit": 6' "$KYSO" cert show --json "$T/bad.pem"
cat "$T/signer.der" "$T/signer.der" >"$T/trailing.der"
expect 6 "trailing data" "$KYSO" cert show "$T/trailing.der"
expect 6 "^kyso cert: $T/absent.pem: No such file or directory; name a certificate file \(PEM or DER\) or a pkcs11: URI$" \
    "$KYSO" cert show "$T/absent.pem"
expect 6 '"error": "[^"]*absent.pem: No such file or directory; name a certificate file \(PEM or DER\) or a pkcs11: URI"' \
    "$KYSO" cert show --json "$T/absent.pem"
expect 6 "is a directory; name a certificate file" "$KYSO" cert show "$T"
head -c 5000000 /dev/zero >"$T/huge.pem"
expect 6 "huge.pem: larger than 4194304 bytes" "$KYSO" cert show "$T/huge.pem"
: >"$T/empty.pem"
expect 6 "empty.pem is empty" "$KYSO" cert show "$T/empty.pem"
head -c 600 "$P/signer-rsa.pem" >"$T/cut.pem"
expect 6 "cut.pem holds no PEM or DER certificate: PEM block 1 is damaged" "$KYSO" cert show \
    "$T/cut.pem"
expect 3 "name one certificate" "$KYSO" cert show
expect 3 "unknown subcommand" "$KYSO" cert frob
done_testing
