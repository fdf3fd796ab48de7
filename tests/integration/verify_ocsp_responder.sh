#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Delegated OCSP responders (RFC 6960 4.2.2.2.1), issued by the test PKI's gov CA
# (certs/mkpki.sh DIR NAME v3_ocsp ...): one with id-pkix-ocsp-nocheck is trusted as it is,
# even revoked; one without it is checked against the CRLs given - not revoked: its answer
# is used and the report says the CRL said so; no CRL of the gov CA: its answer is used with
# a note that its revocation was not checked; revoked: its answer (even "revoked") is not
# used and the CRLs answer.  `openssl ocsp` as the referee for the responses themselves.
set -u
. "$top_srcdir/tests/integration/lib.sh"
test_pki
P=$T/pki
cd "$T" || exit 1
ca_conf gov-ca

# responder certificates by the gov CA (mkpki.sh's v3_ocsp), with and without
# id-pkix-ocsp-nocheck
responder() { # NAME CN [EXTENSION-LINE]
	sh "$top_srcdir/certs/mkpki.sh" "$P" "$1" v3_ocsp gov-ca "/C=VN/O=Kyso Test PKI/CN=$2" \
	    "${3-}" >>"$T/pki.log" 2>&1 || fail "make the responder certificate $1"
}
responder resp-plain "Kyso Test OCSP plain"
responder resp-nocheck "Kyso Test OCSP nocheck" "noCheck = ignored"
openssl x509 -noout -text -in "$P/resp-nocheck.pem" | grep -q "OCSP No Check" &&
    pass "resp-nocheck carries id-pkix-ocsp-nocheck" || fail "no nocheck extension"
openssl x509 -noout -text -in "$P/resp-plain.pem" | grep -q "OCSP No Check" &&
    fail "resp-plain carries nocheck" || pass "resp-plain has no nocheck extension"

mkdir files
start_pkisrv --ocsp-index "$T/ca-gov-ca/index" --files "$T/files"
OCSP=$PKISRV
printf 'Giấy mời họp số 3\n' > doc.txt
openssl cms -sign -binary -in doc.txt -signer "$P/signer-rsa.pem" -inkey "$P/signer-rsa.key" \
    -certfile "$P/chain.pem" -cades -outform DER -out doc.txt.p7s || fail "openssl cms -sign"
V() { "$KYSO" verify --no-default-trust --trust "$P/gov-ca.pem" "$@" doc.txt.p7s; }
ca_gencrl gov-ca gov.crl

# a third, without nocheck, naming a CRL distribution point (for --crl-fetch)
responder resp-cdp "Kyso Test OCSP cdp" "crlDistributionPoints = URI:$OCSP/files/gov.crl"

# the referee: both responders' answers verify as the gov CA's delegates
for r in resp-plain resp-nocheck; do
	expect 0 "Response verify OK" openssl ocsp -issuer "$P/gov-ca.pem" -cert "$P/signer-rsa.pem" \
	    -url "$OCSP/ocsp-as/$r" -CAfile "$P/root.pem"
done

# ---- nocheck: trusted as it is ---------------------------------------------------------
expect 0 "PASSED +revocation +1 certificate not revoked at .*good by the OCSP responder $OCSP/ocsp-as/resp-nocheck$" \
    V --ocsp-url "$OCSP/ocsp-as/resp-nocheck"
grep -q "responder certificate" "$T/.out" && fail "a note on a nocheck responder" ||
    pass "no note on a nocheck responder"

# ---- no nocheck, no CRL that tells: used, with a note ------------------------------------
expect 0 "TOTAL-PASSED" V --ocsp-url "$OCSP/ocsp-as/resp-plain"
expect 0 "good by the OCSP responder $OCSP/ocsp-as/resp-plain; note: the revocation of the responder certificate \"Kyso Test OCSP plain\" \(no id-pkix-ocsp-nocheck\) is not checked: no CRL given tells it" \
    V --ocsp-url "$OCSP/ocsp-as/resp-plain"
V --json --ocsp-url "$OCSP/ocsp-as/resp-plain" > note.json 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=[c for c in d["results"][0]["signatures"][0]["checks"] if c["check"] == "revocation"][0]; sys.exit(not (c["status"] == "PASSED" and "is not checked" in c["detail"]))' note.json &&
    pass "--json: the note is in the revocation check" || fail "--json: $(cat note.json)"

# ---- no nocheck, the gov CA's CRL: not revoked ------------------------------------------
expect 0 "good by the OCSP responder $OCSP/ocsp-as/resp-plain; the responder certificate \"Kyso Test OCSP plain\" \(no id-pkix-ocsp-nocheck\) is not revoked by the CRL of \"CA phục vụ thử nghiệm\"" \
    V --ocsp-url "$OCSP/ocsp-as/resp-plain" --crl gov.crl

# ---- no nocheck, its CRL fetched from its distribution point (--crl-fetch) ----------------
openssl crl -in gov.crl -outform DER -out files/gov.crl
expect 0 "good by the OCSP responder $OCSP/ocsp-as/resp-cdp; the responder certificate \"Kyso Test OCSP cdp\" \(no id-pkix-ocsp-nocheck\) is not revoked by the CRL of \"CA phục vụ thử nghiệm\" of [^,]*, fetched from its CRL distribution point" \
    V --ocsp-url "$OCSP/ocsp-as/resp-cdp" --crl-fetch
grep -q "^GET /files/gov.crl$" "$T/pkisrv.log" && pass "the responder's CRL was fetched" ||
    fail "no GET of the responder's CRL"
# its distribution point does not answer: the note says why
mv files/gov.crl gov-cdp.crl
expect 0 "resp-cdp; note: the revocation of the responder certificate \"Kyso Test OCSP cdp\" \(no id-pkix-ocsp-nocheck\) is not checked: .*CRL distribution point: .*404" \
    V --ocsp-url "$OCSP/ocsp-as/resp-cdp" --crl-fetch
mv gov-cdp.crl files/gov.crl
# without --crl-fetch: the note
expect 0 "resp-cdp; note: the revocation of the responder certificate" V --ocsp-url "$OCSP/ocsp-as/resp-cdp"
ca_revoke gov-ca "$P/resp-cdp.pem" -crl_reason keyCompromise
ca_gencrl gov-ca gov-cdp-revoked.crl
openssl crl -in gov-cdp-revoked.crl -outform DER -out files/gov.crl
# revoked by its fetched CRL: not used; the signer has no distribution point nor CRL given
expect 2 "INDETERMINATE/TRY_LATER" V --ocsp-url "$OCSP/ocsp-as/resp-cdp" --crl-fetch
expect 2 "its answer is not used: its certificate is revoked \(\"Kyso Test OCSP cdp\" was revoked on" \
    V --ocsp-url "$OCSP/ocsp-as/resp-cdp" --crl-fetch
# the check's line is whole: the OCSP note after the CRL's answer is cut at a word when too
# long for a check's detail, never in the middle of a date
V --ocsp-url "$OCSP/ocsp-as/resp-cdp" --crl-fetch > "$T/rev.out" 2>/dev/null
line=$(grep 'INDETERMINATE *revocation' "$T/rev.out")
case $line in
*'(OCSP: '*'...)'|*'(OCSP: '*')') pass "the revocation detail ends cleanly" ;;
*) fail "the revocation detail is cut: $line" ;;
esac
case $line in
*[0-9]T\)|*[0-9]T|*-[0-9][0-9]\)) fail "cut inside a date: $line" ;;
*) pass "not cut inside a date" ;;
esac

# ---- both responders revoked, and the signer too (in the responders' database) ----------
ca_revoke gov-ca "$P/resp-plain.pem" -crl_reason keyCompromise
ca_revoke gov-ca "$P/resp-nocheck.pem" -crl_reason keyCompromise
ca_gencrl gov-ca gov-resp-revoked.crl
ca_revoke gov-ca "$P/signer-rsa.pem" -crl_reason keyCompromise
# the CRL (made before the signer's revocation) lists the responders only
serial=$(openssl x509 -noout -serial -in "$P/resp-plain.pem")
openssl crl -noout -text -in gov-resp-revoked.crl | grep -q "Serial Number: ${serial#serial=}$" &&
    pass "the CRL lists resp-plain" || fail "resp-plain not in the CRL"
# without nocheck: a revoked responder's answer is not used; the CRL answers
expect 0 "doc.txt.p7s: TOTAL-PASSED" V --ocsp-url "$OCSP/ocsp-as/resp-plain" --crl gov-resp-revoked.crl
expect 0 "CRL of \"CA phục vụ thử nghiệm\" of .* \(OCSP: .*its answer is not used: its certificate is revoked \(\"Kyso Test OCSP plain\" was revoked on .* \(keyCompromise\)" \
    V --ocsp-url "$OCSP/ocsp-as/resp-plain" --crl gov-resp-revoked.crl
# no CRL given: nothing tells the responder is revoked; its "revoked" is used, with the note
expect 2 "doc.txt.p7s: INDETERMINATE/REVOKED_NO_POE" V --ocsp-url "$OCSP/ocsp-as/resp-plain"
expect 2 "by the OCSP responder $OCSP/ocsp-as/resp-plain; note: the revocation of the responder certificate" \
    V --ocsp-url "$OCSP/ocsp-as/resp-plain"
# with nocheck: trusted though revoked (RFC 6960): its "revoked" decides
expect 2 "doc.txt.p7s: INDETERMINATE/REVOKED_NO_POE" V --ocsp-url "$OCSP/ocsp-as/resp-nocheck" \
    --crl gov-resp-revoked.crl
expect 2 "was revoked on .* \(keyCompromise\) by the OCSP responder $OCSP/ocsp-as/resp-nocheck" \
    V --ocsp-url "$OCSP/ocsp-as/resp-nocheck" --crl gov-resp-revoked.crl
done_testing
