#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso cert import|list: a certificate stored beside its key (same CKA_ID and label),
# the chain as CA certificates; checked by p11tool and pkcs11-tool.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"
test_pki
P=$T/pki

tok_init T1
U="pkcs11:token=T1"
"$KYSO" key generate --token "$U" --label "Chữ ký" --id c1 --pin-source env:PIN >/dev/null ||
    fail "generate"
"$KYSO" key generate --token "$U" --label other --id c2 --type ec:prime256v1 \
    --pin-source env:PIN >/dev/null || fail "generate"
"$KYSO" cert request --key "$U;id=%C1" --subject "/C=VN/O=Bộ Y tế/CN=Nguyễn Văn An" \
    --pin-source env:PIN -o "$T/req.pem" || fail "request"
cat >"$T/ext.cnf" <<'EOF'
[ sig ]
basicConstraints = critical, CA:false
keyUsage = critical, nonRepudiation, digitalSignature
certificatePolicies = 2.16.704.1.1.1.1.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl x509 -req -in "$T/req.pem" -CA "$P/gov-ca.pem" -CAkey "$P/gov-ca.key" \
    -set_serial 0x4b59 -days 365 -extfile "$T/ext.cnf" -extensions sig -out "$T/cert.pem" \
    2>/dev/null || fail "the CA refused the request"

expect 0 "^pkcs11:.*token=T1;id=%C1;object=Ch%E1%BB%AF%20k%C3%BD;type=cert$" \
    "$KYSO" cert import --token "$U" --in "$T/cert.pem" --chain "$P/chain.pem" --pin-source env:PIN

# The referees.
p11tool --provider "$SOFTHSM_MODULE" --list-all-certs "$U" >"$T/p11tool" 2>&1
expect_in "$T/p11tool" "Label: Chữ ký"
expect_in "$T/p11tool" "ID: c1"
expect_in "$T/p11tool" "Flags: CKA_CERTIFICATE_CATEGORY=CA"
expect_in "$T/p11tool" "Label: CA phục vụ thử nghiệm"
n=$(grep -c "Type: X.509 Certificate" "$T/p11tool")
[ "$n" = 2 ] && pass "2 certificates on the token" || fail "$n certificates on the token"
p11t --token-label T1 --read-object --type cert --id c1 -o "$T/back.der" >/dev/null 2>&1
openssl x509 -in "$T/cert.pem" -outform DER -out "$T/cert.der"
cmp -s "$T/back.der" "$T/cert.der" && pass "pkcs11-tool reads back the same certificate" ||
    fail "the certificate read back differs"

# Importing again stores nothing twice; DER input works too.
expect 0 "id=%C1" "$KYSO" cert import --token "$U" --in "$T/cert.der" --chain "$P/chain.pem" \
    --pin-source env:PIN
n=$(p11tool --provider "$SOFTHSM_MODULE" --list-all-certs "$U" 2>/dev/null |
    grep -c "Type: X.509 Certificate")
[ "$n" = 2 ] && pass "no duplicate after a second import" || fail "$n certificates after re-import"

# kyso cert list.
expect 0 "subject: +C=VN, O=Bộ Y tế, CN=Nguyễn Văn An" "$KYSO" cert list --token "$U"
expect 0 "Chữ ký \(id c1\)" "$KYSO" cert list --token "$U"
expect 0 "policies: +2.16.704.1.1.1.1.1" "$KYSO" cert list --token "$U"
expect 0 '"serial": "4b59"' "$KYSO" cert list --json --token "$U"
expect 0 '"can_sign": true' "$KYSO" cert list --json --token "$U"
expect 0 "no certificate" "$KYSO" cert list --token "$U;object=none"

# The key now signs with its certificate (and the chain from the token).
expect 0 "certificate: C=VN, O=Bộ Y tế, CN=Nguyễn Văn An" "$KYSO" key test --key "$U;id=%C1" \
    --pin-source env:PIN
# kyso sign finds the issuing CA on the token by its subject and embeds it: with
# no --chain, openssl verifies against the root alone.
printf 'Tờ trình\n' >"$T/doc.txt"
expect 0 "1 file signed by Nguyễn Văn An \\(serial 4b59\\)" "$KYSO" sign --key "$U;id=%C1" \
    --pin-source env:PIN "$T/doc.txt"
n=$(openssl pkcs7 -inform DER -in "$T/doc.txt.p7s" -print_certs 2>/dev/null | grep -c '^subject=')
[ "$n" = 2 ] && pass "signer and CA certificate embedded" || fail "$n certificates embedded"
expect 0 "Verification successful" openssl cms -verify -binary -inform DER -in "$T/doc.txt.p7s" \
    -content "$T/doc.txt" -CAfile "$P/root.pem" -purpose any -out /dev/null
expect 0 "TOTAL-PASSED" "$KYSO" verify --trust "$P/root.pem" "$T/doc.txt.p7s"

# The certificate of the key need not come first: a bundle with the CA first,
# and PKCS#7 bundles (.p7b, DER and PEM) holding the certificates of two keys.
tok_init T2
U2="pkcs11:token=T2"
softhsm2-util --import "$P/signer-ec.key" --token T2 --label bi --id 0b --pin "$PIN" >/dev/null
softhsm2-util --import "$P/signer-rsa.key" --token T2 --label an --id 0a --pin "$PIN" >/dev/null
cat "$P/gov-ca.pem" "$P/signer-ec.pem" >"$T/ca-first.pem"
expect 0 "^pkcs11:.*token=T2;id=%0B;object=bi;type=cert$" "$KYSO" cert import --token "$U2" \
    --in "$T/ca-first.pem" --pin-source env:PIN
openssl crl2pkcs7 -nocrl -certfile "$P/root.pem" -certfile "$P/signer-rsa.pem" \
    -certfile "$P/signer-ec.pem" -outform DER -out "$T/bundle.p7b"
expect 0 "id=%0A;object=an;type=cert" "$KYSO" cert import --token "$U2" --in "$T/bundle.p7b" \
    --pin-source env:PIN
p11tool --provider "$SOFTHSM_MODULE" --list-all-certs "$U2" >"$T/p11tool2" 2>&1
n=$(grep -c "Type: X.509 Certificate" "$T/p11tool2")
[ "$n" = 4 ] && pass "bundles: 2 user and 2 CA certificates, none twice" ||
    { fail "$n certificates after the bundles"; cat "$T/p11tool2"; }
p11t --token-label T2 --read-object --type cert --id 0a -o "$T/an.der" >/dev/null 2>&1
openssl x509 -in "$P/signer-rsa.pem" -outform DER -out "$T/an.want.der"
cmp -s "$T/an.der" "$T/an.want.der" && pass "the RSA key's certificate has its id" ||
    fail "id 0a holds another certificate"
p11t --token-label T2 --read-object --type cert --id 0b -o "$T/bi.der" >/dev/null 2>&1
openssl x509 -in "$P/signer-ec.pem" -outform DER -out "$T/bi.want.der"
cmp -s "$T/bi.der" "$T/bi.want.der" && pass "the EC key's certificate has its id" ||
    fail "id 0b holds another certificate"
expect_in "$T/p11tool2" "Label: Kyso Test Root CA"
grep -A5 "Label: Kyso Test Root CA" "$T/p11tool2" | grep -q "CKA_CERTIFICATE_CATEGORY=CA" &&
    pass "the root from the bundle is a CA certificate" || fail "the root is not stored as CA"
# The attributes a PKCS#11 application searches by (the referee: pkcs11-tool).
p11t --token-label T2 --list-objects --type cert >"$T/objs2" 2>&1
expect_in "$T/objs2" "subject: +DN: C=VN, ST=H.*CN=Tr.*n Th.* B.*nh"
expect_in "$T/objs2" "serial: +02"
# A bundle with a certificate for a key kept elsewhere (an encryption key the CA
# holds): that one is left out, said so, never stored as a CA certificate; so is
# an end-entity certificate given with --chain.
openssl crl2pkcs7 -nocrl -certfile "$P/signer-rsa.pem" -certfile "$P/enc-only.pem" \
    -certfile "$P/gov-ca.pem" -out "$T/with-enc.p7b"
expect 0 "warning: the certificate '.*CN=Đặng Văn Mã Hoá' of .*with-enc.p7b was not stored: no key on the token matches it and it is not a CA certificate" \
    "$KYSO" cert import --token "$U2" --in "$T/with-enc.p7b" --pin-source env:PIN
expect 0 "CN=Untrusted Signer' of .*other-signer.pem was not stored" "$KYSO" cert import \
    --token "$U2" --in "$P/signer-rsa.pem" --chain "$P/other-signer.pem" --pin-source env:PIN
cp "$P/other-signer.pem" "$T/other.pem"
expect 0 '"warnings": \[' "$KYSO" cert import --json --token "$U2" --in "$P/signer-rsa.pem" \
    --chain "$T/other.pem" --pin-source env:PIN
n=$(p11tool --provider "$SOFTHSM_MODULE" --list-all-certs "$U2" 2>/dev/null |
    grep -c "Type: X.509 Certificate")
[ "$n" = 4 ] && pass "neither stored" || fail "$n certificates on T2"
# CA certificates only: said so.
expect 6 "chain.pem holds only CA certificates.*give these with --chain" "$KYSO" cert import \
    --token "$U2" --in "$P/chain.pem" --pin-source env:PIN

# Stored, but said: a certificate that may not sign, an expired one; nothing for a good one.
tok_init T3
U3="pkcs11:token=T3"
softhsm2-util --import "$P/enc-only.key" --token T3 --label enc --id 0e --pin "$PIN" >/dev/null
softhsm2-util --import "$P/signer-expired.key" --token T3 --label old --id 0f --pin "$PIN" \
    >/dev/null
softhsm2-util --import "$P/signer-ec.key" --token T3 --label bi --id 0b --pin "$PIN" >/dev/null
expect 0 "warning: the certificate '.*CN=Đặng Văn Mã Hoá' is not for signing \(key usage: keyEncipherment, dataEncipherment\); kyso sign will not use it" \
    "$KYSO" cert import --token "$U3" --in "$P/enc-only.pem" --pin-source env:PIN
expect 0 '"warnings": \[' "$KYSO" cert import --json --token "$U3" --in "$P/signer-expired.pem" \
    --pin-source env:PIN
expect_in "$T/.out" "expired on 2021-01-01T00:00:00Z"
"$KYSO" cert import --token "$U3" --in "$P/signer-ec.pem" --chain "$P/chain.pem" \
    --pin-source env:PIN >/dev/null 2>"$T/err3"
[ -s "$T/err3" ] && fail "a warning for a good certificate: $(cat "$T/err3")" ||
    pass "no warning for a good certificate and its CA"

# An EC private key written without its public key cannot be compared: said so, with
# the fix; once the public key is stored under the same id, the import works.
tok_init T4
U4="pkcs11:token=T4"
p11t --token-label T4 --login --pin "$PIN" --write-object "$P/signer-ec.key" --type privkey \
    --id 0c --label bi >/dev/null 2>&1 || fail "pkcs11-tool --write-object privkey"
expect 0 "^ec 256  label=bi  id=0c$" "$KYSO" key list --token "$U4" --pin-source env:PIN
expect 6 "the key 'bi' has no public key object to compare with; store its public key" \
    "$KYSO" cert import --token "$U4" --in "$P/signer-ec.pem" --pin-source env:PIN
expect 6 "cannot find the public key of the key .*store its public key under the same CKA_ID" \
    "$KYSO" cert request --key "$U4;object=bi" --subject /CN=x --pin-source env:PIN
openssl pkey -in "$P/signer-ec.key" -pubout -out "$T/ec-pub.pem"
p11t --token-label T4 --login --pin "$PIN" --write-object "$T/ec-pub.pem" --type pubkey \
    --id 0c --label bi >/dev/null 2>&1 || fail "pkcs11-tool --write-object pubkey"
expect 0 "id=%0C;object=bi;type=cert" "$KYSO" cert import --token "$U4" --in "$P/signer-ec.pem" \
    --pin-source env:PIN

# Refusals: no matching key (exit 6), bad files.
expect 6 "no private key on token 'T1' matches the public key of" "$KYSO" cert import \
    --token "$U" --in "$P/signer-rsa.pem" --pin-source env:PIN
expect 6 '"exit": 6' "$KYSO" cert import --json --token "$U" --in "$P/signer-ec.pem" \
    --pin-source env:PIN
printf 'not a certificate\n' >"$T/junk.pem"
expect 6 "holds no PEM or DER certificate" "$KYSO" cert import --token "$U" --in "$T/junk.pem" \
    --pin-source env:PIN
expect 6 "No such file" "$KYSO" cert import --token "$U" --in "$T/absent.pem" --pin-source env:PIN
expect 6 "its PEM data is a PRIVATE KEY" "$KYSO" cert import --token "$U" \
    --in "$P/signer-rsa.key" --pin-source env:PIN
expect 6 "junk.pem holds no PEM or DER certificate" "$KYSO" cert import --token "$U" \
    --in "$T/cert.pem" --chain "$T/junk.pem" --pin-source env:PIN
expect 3 "--token and --in are required" "$KYSO" cert import --token "$U"
expect 5 "wrong PIN" "$KYSO" cert import --token "$U" --in "$T/cert.pem" --pin-source env:BADPIN
n=$(p11tool --provider "$SOFTHSM_MODULE" --list-all-certs "$U" 2>/dev/null |
    grep -c "Type: X.509 Certificate")
[ "$n" = 2 ] && pass "refused imports stored nothing" || fail "$n certificates after refusals"
done_testing
