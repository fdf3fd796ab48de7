#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# certs/mkpki.sh makes what issue 2 and the other tests rely on, as openssl (the referee)
# sees it: root -> government CA -> signers (RSA and EC, nonRepudiation, UTF8String
# Vietnamese names), an expired and a not-yet-valid signer, an encryption-only
# certificate, TSA, OCSP responder, facility TLS client, CSCA and Document Signers;
# private keys only in the output folder, never readable by others.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"
test_pki
P=$T/pki

# has NAME REGEX...: openssl x509 -text of NAME matches every REGEX.
has() {
	_n=$1; shift
	openssl x509 -in "$P/$_n.pem" -noout -text -nameopt utf8,sep_comma_plus >"$T/$_n.txt" 2>&1 ||
	    { fail "$_n.pem is not a certificate"; return; }
	for _re in "$@"; do
		grep -Eq -- "$_re" "$T/$_n.txt" || { fail "$_n: no /$_re/"; return; }
	done
	pass "$_n: $*"
}
# verifies NAME CA [UNTRUSTED [-no_check_time]]: openssl verify.
verifies() {
	if openssl verify -CAfile "$P/$2.pem" ${3:+-untrusted "$P/$3.pem"} ${4:+"$4"} \
	    -purpose any "$P/$1.pem" >"$T/v.out" 2>&1; then
		pass "$1 chains to $2"
	else
		fail "$1 does not chain to $2: $(cat "$T/v.out")"
	fi
}

has root "Issuer: C=VN,O=Kyso Test PKI,CN=Kyso Test Root CA" "CA:TRUE" "Certificate Sign"
has gov-ca "Subject: C=VN,O=Kyso Test PKI,CN=CA phục vụ thử nghiệm" "CA:TRUE"
verifies gov-ca root
for s in signer-rsa signer-ec signer-ec384 signer-rsa3072; do
	has "$s" "Digital Signature, Non Repudiation" "Policy: 2.16.704.1.1.1.1.1" "CA:FALSE"
	verifies "$s" root gov-ca
done
has signer-rsa "Public-Key: \(2048 bit\)" "CN=Nguyễn Văn An"
has signer-rsa3072 "Public-Key: \(3072 bit\)"
has signer-ec "NIST CURVE: P-256"
has signer-ec384 "NIST CURVE: P-384"
# Vietnamese names are UTF8String, the country a PrintableString.
openssl asn1parse -in "$P/signer-rsa.pem" >"$T/asn1" 2>&1
expect_in "$T/asn1" "UTF8STRING +:Nguyễn Văn An"
expect_in "$T/asn1" "PRINTABLESTRING +:VN"
has signer-expired "Not After : Jan  1 00:00:00 2021 GMT" "Non Repudiation"
verifies signer-expired root gov-ca -no_check_time
expect 2 "certificate has expired" openssl verify -CAfile "$P/root.pem" -untrusted \
    "$P/gov-ca.pem" "$P/signer-expired.pem"
has signer-future "Not Before: Jan  1 00:00:00 2099 GMT" "Non Repudiation"
verifies signer-future root gov-ca -no_check_time
expect 2 "certificate is not yet valid" openssl verify -CAfile "$P/root.pem" -untrusted \
    "$P/gov-ca.pem" "$P/signer-future.pem"
has enc-only "Key Encipherment, Data Encipherment"
if grep -Eq "Digital Signature|Non Repudiation" "$T/enc-only.txt"; then
	fail "enc-only may sign"
else
	pass "enc-only carries no signing usage"
fi
verifies enc-only root gov-ca
has tsa "Time Stamping" "critical"
verifies tsa root gov-ca
has ocsp "OCSP Signing"
has tls-client "TLS Web Client Authentication" "CN=BV Thử nghiệm 01001_BV"
has tls-server "TLS Web Server Authentication" "IP Address:127.0.0.1"
verifies tls-client root gov-ca
verifies other-signer other-root
expect 2 "unable to get local issuer certificate" openssl verify -CAfile "$P/root.pem" \
    "$P/other-signer.pem"
has csca "C=VN" "CA:TRUE, pathlen:0" "brainpoolP256r1"
has ds "C=VN" "Digital Signature"
verifies ds csca
verifies ds-rsa csca-rsa
verifies ds-unknown csca-unknown
has ds-other-country "C=LA"
verifies ds-other-country csca
# The bundles other tests use.
cmp -s "$P/chain.pem" "$P/gov-ca.pem" && pass "chain.pem is the government CA" ||
    fail "chain.pem"
cmp -s "$P/trust.pem" "$P/root.pem" && pass "trust.pem is the root" || fail "trust.pem"
[ "$(grep -c 'BEGIN CERTIFICATE' "$P/csca-trust.pem")" = 2 ] && pass "csca-trust.pem: 2 CSCAs" ||
    fail "csca-trust.pem"
# Every certificate has its key; keys are readable by the owner only.
for c in "$P"/*.pem; do
	case $(basename "$c") in chain.pem|trust.pem|csca-trust.pem) continue ;; esac
	k=${c%.pem}.key
	a=$(openssl x509 -in "$c" -noout -pubkey 2>/dev/null)
	b=$(openssl pkey -in "$k" -pubout 2>/dev/null)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then :; else fail "$(basename "$k") is not the key of $(basename "$c")"; fi
	case $(ls -l "$k") in -rw-------*) ;; *) fail "$(basename "$k") is readable by others" ;; esac
done
pass "every certificate has its key, mode 0600"
done_testing
