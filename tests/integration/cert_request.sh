#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso cert request: PKCS#10 signed on the token, checked by openssl req -verify.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"

tok_init T1
U="pkcs11:token=T1"
SUBJ="/C=VN/ST=Hà Nội/O=Bộ Nội vụ/CN=Nguyễn Văn An"
for k in "rsa rsa:2048 01" "ec ec:prime256v1 02" "ec384 ec:secp384r1 03"; do
	set -- $k
	"$KYSO" key generate --token "$U" --label "$1" --id "$3" --type "$2" \
	    --pin-source env:PIN >/dev/null || fail "generate $1"
done

for k in rsa ec ec384; do
	expect 0 "" "$KYSO" cert request --key "$U;object=$k" --subject "$SUBJ" \
	    --pin-source env:PIN -o "$T/$k.csr"
	if openssl req -in "$T/$k.csr" -verify -noout 2>&1 | grep -q "verify OK"; then
		pass "openssl req -verify accepts the $k request"
	else
		fail "openssl req -verify rejects the $k request"
	fi
	# The request carries the token's public key (p11tool reads it back;
	# pkcs11-tool 0.23 cannot read P-384 public keys).
	p11tool --provider "$SOFTHSM_MODULE" --login --set-pin="$PIN" --export-pubkey \
	    --outfile "$T/$k.p11.pem" "$U;object=$k;type=public" >/dev/null 2>&1
	openssl pkey -pubin -in "$T/$k.p11.pem" -outform PEM >"$T/$k.tok.pem" 2>/dev/null
	openssl req -in "$T/$k.csr" -pubkey -noout >"$T/$k.req.pem" 2>/dev/null
	if [ -s "$T/$k.tok.pem" ] && cmp -s "$T/$k.tok.pem" "$T/$k.req.pem"; then
		pass "the $k request holds the token's public key"
	else
		fail "the $k request does not hold the token's public key"
	fi
done

# Subject: UTF8String with the Vietnamese diacritics, C as PrintableString.
openssl asn1parse -in "$T/rsa.csr" >"$T/asn1" 2>&1
expect_in "$T/asn1" "UTF8STRING +:Nguyễn Văn An"
expect_in "$T/asn1" "UTF8STRING +:Bộ Nội vụ"
expect_in "$T/asn1" "UTF8STRING +:Hà Nội"
expect_in "$T/asn1" "PRINTABLESTRING +:VN"
openssl req -in "$T/rsa.csr" -noout -subject -nameopt utf8,sep_comma_plus >"$T/subj" 2>&1
expect_in "$T/subj" "CN=Nguyễn Văn An"
openssl req -in "$T/ec384.csr" -noout -text >"$T/ec384.txt" 2>&1
expect_in "$T/ec384.txt" "Signature Algorithm: ecdsa-with-SHA256"
openssl req -in "$T/rsa.csr" -noout -text >"$T/rsa.txt" 2>&1
expect_in "$T/rsa.txt" "Signature Algorithm: sha256WithRSAEncryption"

# Standard output, --md, an escaped slash.
"$KYSO" cert request --key "$U;object=rsa" --subject '/O=A\/B/CN=x' --md sha384 \
    --pin-source env:PIN >"$T/stdout.csr" 2>"$T/err"
openssl req -in "$T/stdout.csr" -verify -noout -text >"$T/stdout.txt" 2>&1
expect_in "$T/stdout.txt" "verify OK"
expect_in "$T/stdout.txt" "sha384WithRSAEncryption"
expect_in "$T/stdout.txt" "O = A/B"

# As openssl req -subj: '+' makes a multi-valued RDN, a backslash makes any
# character plain; emailAddress is an IA5String, serialNumber a PrintableString.
"$KYSO" cert request --key "$U;object=ec" --pin-source env:PIN -o "$T/multi.csr" \
    --subject '/C=VN/O=Sở Tư pháp\+Tư vấn/CN=Nguyễn Văn An+UID=CMND:012345678/emailAddress=an@stp.gov.vn/serialNumber=CCCD:001088012345' ||
    fail "request with a multi-valued RDN"
openssl req -in "$T/multi.csr" -verify -noout -subject -nameopt utf8,sep_comma_plus \
    >"$T/multi.txt" 2>&1
expect_in "$T/multi.txt" "verify OK"
expect_in "$T/multi.txt" ",CN=Nguyễn Văn An\+UID=CMND:012345678,"
openssl asn1parse -in "$T/multi.csr" >"$T/multi.asn1" 2>&1
# One SET holds commonName and userId.
if awk '/cons: SET/ { s++ } /:commonName/ { c = s } /:userId/ { u = s }
    END { exit !(c && c == u) }' "$T/multi.asn1"; then
	pass "CN and UID share one RDN"
else
	fail "CN and UID are not in one RDN"; cat "$T/multi.asn1"
fi
expect_in "$T/multi.asn1" "UTF8STRING +:Sở Tư pháp\+Tư vấn"
expect_in "$T/multi.asn1" "IA5STRING +:an@stp.gov.vn"
expect_in "$T/multi.asn1" "PRINTABLESTRING +:CCCD:001088012345"
expect 3 "C takes a two-letter country code" "$KYSO" cert request --key "$U;object=rsa" \
    --subject "/C=VNM/CN=x" --pin-source env:PIN
expect 3 "emailAddress is an IA5String" "$KYSO" cert request --key "$U;object=rsa" \
    --subject "/CN=x/emailAddress=ấn@x.vn" --pin-source env:PIN
expect 3 "bad subject part 'B'.*write \\\\\+ for a plus sign" "$KYSO" cert request \
    --key "$U;object=rsa" --subject "/O=A+B/CN=x" --pin-source env:PIN
expect 3 "lone backslash" "$KYSO" cert request --key "$U;object=rsa" --subject '/CN=x\' \
    --pin-source env:PIN
expect 3 "did you mean 'CN'" "$KYSO" cert request --key "$U;object=rsa" --subject "/cn=x" \
    --pin-source env:PIN
expect 3 "the subject is empty" "$KYSO" cert request --key "$U;object=rsa" --subject / \
    --pin-source env:PIN

# Refusals.
expect 3 "exists; use --force" "$KYSO" cert request --key "$U;object=rsa" --subject "$SUBJ" \
    --pin-source env:PIN -o "$T/rsa.csr"
expect 0 "" "$KYSO" cert request --key "$U;object=rsa" --subject "/CN=replaced" \
    --pin-source env:PIN -o "$T/rsa.csr" --force
openssl req -in "$T/rsa.csr" -noout -subject >"$T/subj2" 2>&1
expect_in "$T/subj2" "CN *= *replaced"
expect 3 "must look like /C=VN" "$KYSO" cert request --key "$U;object=rsa" --subject "CN=x" \
    --pin-source env:PIN
expect 3 "write KEY=VALUE" "$KYSO" cert request --key "$U;object=rsa" --subject "/CN" \
    --pin-source env:PIN
expect 3 "unknown subject attribute 'XX'; use C, ST" "$KYSO" cert request --key "$U;object=rsa" \
    --subject "/XX=1" --pin-source env:PIN
expect 3 "--key and --subject are required" "$KYSO" cert request --key "$U;object=rsa"
expect 3 "--md takes" "$KYSO" cert request --key "$U;object=rsa" --subject /CN=x --md md5
expect 6 "no private key on token 'T1' matches" "$KYSO" cert request --key "$U;object=none" \
    --subject /CN=x --pin-source env:PIN
expect 3 "private keys on token 'T1' match" "$KYSO" cert request --key "$U" \
    --subject /CN=x --pin-source env:PIN
expect 5 "wrong PIN" "$KYSO" cert request --key "$U;object=ec" --subject /CN=x \
    --pin-source env:BADPIN
[ -e "$T/none.csr" ] && fail "a failed request left a file" || pass "no file from failures"
done_testing
