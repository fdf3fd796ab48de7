#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# --csca, --master-list and --ml-signer-anchor naming a file that opens but is
# not what the option takes (text, a PEM private key, an empty file, DER or PEM
# cut short, a key in a CSCA directory, a certificate given as a master list):
# exit 6 and "kyso card: --OPTION FILE is not a certificate (WHAT IT HOLDS);
# FIX", before any card is touched (kyso card read with a reader that does not
# exist still says this, not "no reader": exit 6, not 4), in every command that
# takes these options (card verify, card read, checkin verify), and in --json.
# No card and no pcscd needed.
. "$top_srcdir/tests/integration/lib.sh"

test_pki
cd "$T" || exit 1
P=$T/pki
mkdir dump keydir
printf 'not a certificate\n' > text.pem
: > empty.pem
openssl x509 -in "$P/csca.pem" -outform DER -out csca.der
head -c 100 csca.der > cut.der
head -c 300 "$P/csca.pem" > cut.pem
cp "$P/csca.pem" keydir/a.pem
cp "$P/csca.key" keydir/b.pem
grep -q 'PRIVATE KEY' "$P/csca.key" || fail "the test PKI's csca.key is not a PEM private key"

FIX="give the CSCA's certificate, PEM or DER"
# cv CODE REGEX ARGS...: kyso card verify ARGS dump
cv() { _c=$1 _r=$2; shift 2; expect "$_c" "$_r" "$KYSO" card verify --no-default-csca "$@" dump; }

cv 6 "^kyso card: --csca text.pem is not a certificate \\(it is text, neither PEM nor DER\\); $FIX$" \
    --csca text.pem
cv 6 "^kyso card: --csca $P/csca.key is not a certificate \\(it holds a PEM PRIVATE KEY, and no PEM CERTIFICATE\\); $FIX$" \
    --csca "$P/csca.key"
cv 6 "^kyso card: --csca empty.pem is not a certificate \\(the file is empty\\); $FIX$" \
    --csca empty.pem
cv 6 "^kyso card: --csca cut.der is not a certificate \\(DER data that is not a whole certificate: cut short, or another structure; OpenSSL: [^)]+\\); $FIX$" \
    --csca cut.der
cv 6 "^kyso card: --csca cut.pem is not a certificate \\(its PEM certificate does not decode: cut short or damaged; OpenSSL: [^)]+\\); $FIX$" \
    --csca cut.pem
# the good certificate after a bad one: still refused (nothing half-loaded)
cv 6 "^kyso card: --csca text.pem is not a certificate" --csca "$P/csca.pem" --csca text.pem
# a directory: the file in it that is not a certificate
cv 6 "^kyso card: --csca keydir: keydir/b.pem is not a certificate \\(it holds a PEM PRIVATE KEY, and no PEM CERTIFICATE\\); a CSCA directory may hold only certificates in its \\*.pem, \\*.crt, \\*.cer and \\*.der files: move that file out$" \
    --csca keydir
# the signer anchor of master lists: named as such (the library's message
# named the master list)
cv 6 "^kyso card: --ml-signer-anchor text.pem is not a certificate \\(it is text, neither PEM nor DER\\); give the certificate that signs the master lists \\(or its CSCA\\), PEM or DER$" \
    --master-list "$top_srcdir/tests/fixtures/pa/masterlist/synthetic_test_ml.ml" \
    --ml-signer-anchor text.pem
# a master list that is not one
ML="give an ICAO CSCA master list \\(a CMS SignedData file, DER\\)"
cv 6 "^kyso card: --master-list $P/csca.pem is not an ICAO master list \\(it holds a PEM CERTIFICATE; master lists are DER\\); $ML$" \
    --master-list "$P/csca.pem" --ml-signer-anchor "$P/csca.pem"
cv 6 "^kyso card: --master-list text.pem is not an ICAO master list \\(it is text; master lists are DER\\); $ML$" \
    --master-list text.pem --ml-signer-anchor "$P/csca.pem"
cv 6 "^kyso card: --master-list csca.der is not an ICAO master list \\([^)]+\\); $ML$" \
    --master-list csca.der --ml-signer-anchor "$P/csca.pem"
# good files still load (the dump is empty: that is what fails, later)
cv 6 "^kyso card: dump: no EF.SOD" --csca "$P/csca.pem" --csca csca.der
cv 6 "^kyso card: dump: no EF.SOD" --master-list \
    "$top_srcdir/tests/fixtures/pa/masterlist/synthetic_test_ml.ml" --ml-signer-anchor \
    "$top_srcdir/tests/fixtures/pa/masterlist/test_csca.der"

# --json: the same message in the error object
"$KYSO" card verify --json --no-default-csca --csca "$P/csca.key" dump >j.out 2>/dev/null
rc=$?
[ $rc -eq 6 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["error"]
sys.exit(0 if d["schema"] == 1 and e["exit"] == 6 and e["message"].startswith("--csca " + sys.argv[2] + " is not a certificate (it holds a PEM PRIVATE KEY") else 1)' \
    j.out "$P/csca.key" && pass "card verify --json: the message in error.message" ||
    { fail "card verify --json: exit $rc"; cat j.out; }

# before any card is touched: a reader that does not exist is not reached
expect 6 "^kyso card: --csca text.pem is not a certificate \\(it is text" "$KYSO" card read \
    --reader "no such reader" --id 001190012345 --dob 15/03/1990 --no-default-csca \
    --csca text.pem
grep -qi 'reader\|pcsc' "$T/.out" && fail "card read went to the reader" ||
    pass "card read: refused before the reader"
# kyso checkin verify takes the same options
expect 6 "^kyso checkin: --csca $P/csca.key is not a certificate \\(it holds a PEM PRIVATE KEY" \
    "$KYSO" checkin verify --no-default-csca --csca "$P/csca.key" nothing.json
"$KYSO" checkin verify --json --no-default-csca --csca text.pem nothing.json >j.out 2>/dev/null
rc=$?
[ $rc -eq 6 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if d["error"].startswith("--csca text.pem is not a certificate") and d["results"] == [] else 1)' \
    j.out && pass "checkin verify --json: the message in error" ||
    { fail "checkin verify --json: exit $rc"; cat j.out; }
done_testing
