#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso key test: signatures made on the token (PKCS#1 v1.5, PSS, ECDSA) verify;
# the signer's certificate is chosen right and encryption-only certificates refused.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"
test_pki
P=$T/pki

tok_init T1
U="pkcs11:token=T1"
softhsm2-util --import "$P/signer-rsa.key" --token T1 --label an --id 01 --pin "$PIN" >/dev/null
softhsm2-util --import "$P/enc-only.key" --token T1 --label enc --id 02 --pin "$PIN" >/dev/null
"$KYSO" cert import --token "$U" --in "$P/signer-rsa.pem" --chain "$P/chain.pem" \
    --pin-source env:PIN >/dev/null || fail "import signer-rsa"
"$KYSO" cert import --token "$U" --in "$P/enc-only.pem" --pin-source env:PIN >/dev/null ||
    fail "import enc-only"
"$KYSO" key generate --token "$U" --label both --id 03 --pin-source env:PIN >/dev/null
"$KYSO" key generate --token "$U" --label both2 --id 05 --type ec:prime256v1 \
    --pin-source env:PIN >/dev/null
"$KYSO" key generate --token "$U" --label nocert --id 04 --type ec:secp384r1 \
    --pin-source env:PIN >/dev/null
# Key "both": an encryption certificate and a signing certificate.
cat >"$T/ext.cnf" <<'EOF'
[ sig ]
keyUsage = critical, digitalSignature, nonRepudiation
[ enc ]
keyUsage = critical, keyEncipherment
EOF
serial=10
for e in enc sig; do
	serial=$((serial + 1))
	"$KYSO" cert request --key "$U;object=both" --subject "/CN=Both $e" --pin-source env:PIN \
	    -o "$T/both-$e.csr" || fail "request $e"
	openssl x509 -req -in "$T/both-$e.csr" -CA "$P/gov-ca.pem" -CAkey "$P/gov-ca.key" \
	    -set_serial "$serial" -days 100 -extfile "$T/ext.cnf" -extensions "$e" \
	    -out "$T/both-$e.pem" 2>/dev/null || fail "issue both-$e"
	"$KYSO" cert import --token "$U" --in "$T/both-$e.pem" --pin-source env:PIN >/dev/null ||
	    fail "import both-$e"
done

# Key "both2": the same, the signing certificate stored first.
for e in sig enc; do
	serial=$((serial + 1))
	"$KYSO" cert request --key "$U;object=both2" --subject "/CN=Both2 $e" \
	    --pin-source env:PIN -o "$T/both2-$e.csr" || fail "request $e"
	openssl x509 -req -in "$T/both2-$e.csr" -CA "$P/gov-ca.pem" -CAkey "$P/gov-ca.key" \
	    -set_serial "$serial" -days 100 -extfile "$T/ext.cnf" -extensions "$e" \
	    -out "$T/both2-$e.pem" 2>/dev/null || fail "issue both2-$e"
	"$KYSO" cert import --token "$U" --in "$T/both2-$e.pem" --pin-source env:PIN >/dev/null ||
	    fail "import both2-$e"
done

# Signatures on the token, verified with the certificate's key.
expect 0 "3 signatures made on the token and verified; certificate: .*CN=Nguyễn Văn An" \
    "$KYSO" key test --key "$U;object=an" --count 3 --pin-source env:PIN
expect 0 "verified" "$KYSO" key test --key "$U;object=an" --scheme pss --md sha512 \
    --pin-source env:PIN
expect 0 "verified" "$KYSO" key test --key "$U;object=an" --scheme pkcs1 --md sha384 \
    --pin-source env:PIN
expect 0 "verified; certificate: \(none\)" "$KYSO" key test --key "$U;object=nocert" \
    --md sha384 --pin-source env:PIN
expect 0 "verified" "$KYSO" key test --key "$U;id=%01;type=cert" --pin-source env:PIN
expect 0 "CN=Nguyễn Văn An" "$KYSO" key test --key "$U;object=an" \
    --cert "$U;object=an;type=cert" --pin-source env:PIN
expect 0 "CN=Nguyễn Văn An" "$KYSO" key test --key "$U;object=an" --cert "$P/signer-rsa.pem" \
    --pin-source env:PIN

# The signing certificate wins over the encryption one of the same key.
expect 0 "certificate: CN=Both sig" "$KYSO" key test --key "$U;object=both" --pin-source env:PIN
expect 0 "certificate: CN=Both2 sig" "$KYSO" key test --key "$U;object=both2" --pin-source env:PIN
printf 'Công văn\n' >"$T/cv.txt"
expect 0 "signed by Both2 sig" "$KYSO" sign --key "$U;object=both2" --pin-source env:PIN \
    -o "$T/cv.p7s" "$T/cv.txt"
openssl cms -cmsout -print -inform DER -in "$T/cv.p7s" 2>/dev/null | grep -c "subject: CN=Both2" \
    >"$T/ncv" || true
[ "$(cat "$T/ncv")" = 1 ] && pass "the signature embeds the signing certificate only" ||
    fail "embedded: $(openssl pkcs7 -inform DER -in "$T/cv.p7s" -print_certs 2>&1)"

# Encryption-only certificates never sign.
expect 3 "is not for signing \(an encryption-only certificate\)" "$KYSO" key test \
    --key "$U;object=enc" --pin-source env:PIN
expect 3 '"exit": 3' "$KYSO" key test --json --key "$U;object=enc" --pin-source env:PIN
expect 3 "may not sign \(key usage: keyEncipherment, dataEncipherment\)" "$KYSO" key test \
    --key "$U;object=enc" --cert "$P/enc-only.pem" --pin-source env:PIN
expect 3 "may not sign \(key usage: keyEncipherment\)" "$KYSO" key test \
    --key "$U;object=both" --cert "$T/both-enc.pem" --pin-source env:PIN
expect 3 "does not belong to the key" "$KYSO" key test --key "$U;object=an" \
    --cert "$P/signer-ec.pem" --pin-source env:PIN

# Certificates for another use (a TLS server's: extendedKeyUsage serverAuth) never sign.
softhsm2-util --import "$P/tls-server.key" --token T1 --label tls --id 06 --pin "$PIN" >/dev/null
"$KYSO" cert import --token "$U" --in "$P/tls-server.pem" --pin-source env:PIN >/dev/null 2>&1 ||
    fail "import tls-server"
expect 3 "is not for signing \(its extended key usage is for another use, such as a TLS server\)" \
    "$KYSO" key test --key "$U;object=tls" --pin-source env:PIN
expect 3 "may not sign documents \(extended key usage: serverAuth\)" "$KYSO" key test \
    --key "$U;object=tls" --cert "$P/tls-server.pem" --pin-source env:PIN
expect 3 "is not for signing \(its extended key usage" "$KYSO" sign --key "$U;object=tls" \
    --pin-source env:PIN -o "$T/tls.p7s" "$T/cv.txt"
[ -e "$T/tls.p7s" ] && fail "signed with a TLS server certificate" || pass "no output (TLS server)"

# Ambiguous or unsuitable.
expect 3 "private keys on token 'T1' match" "$KYSO" key test --key "$U" --pin-source env:PIN
expect 3 "scheme does not fit the key type" "$KYSO" key test --key "$U;object=nocert" \
    --scheme pss --pin-source env:PIN
expect 3 "--count takes 1 to 1000" "$KYSO" key test --key "$U;object=an" --count 0

# CKA_ALWAYS_AUTHENTICATE: the PIN is asked again for each signature.
if p11t --token-label T1 --login --pin "$PIN" --keypairgen --key-type EC:prime256v1 \
    --always-auth --label aa --id 0a >/dev/null 2>&1; then
	printf '%s\n%s\n%s\n%s\n' "$PIN" "$PIN" "$PIN" "$PIN" >"$T/pins"
	chmod 600 "$T/pins"
	expect 0 '"pin_asked": 4' "$KYSO" key test --json --key "$U;object=aa" --count 3 \
	    --pin-source "file:$T/pins"
	expect 0 "PIN for each signature" "$KYSO" key list --token "$U" --pin-source env:PIN
	# A wrong PIN for the signature itself.
	printf '%s\n%s\n' "$PIN" "$BADPIN" >"$T/pins2"
	expect 5 "wrong PIN \(asked again for the key\)" "$KYSO" key test --key "$U;object=aa" \
	    --pin-source fd:7 7<"$T/pins2"
else
	echo "# pkcs11-tool cannot make CKA_ALWAYS_AUTHENTICATE keys here: skipped"
fi
done_testing
