#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# One answer per certificate per run: `kyso verify --ocsp-url` of five
# signatures by one signer asks the stand-in responder (tests/pkisrv/pkisrv.py,
# which logs the serial numbers of each OCSP request) once about the signer and
# once about its CA, with the same verdicts as one file at a time - not revoked,
# then revoked for every file; a responder that gives no answer (HTTP 500) is
# asked once per run and the CRLs answer for every file; and a signature
# time-stamped before its certificate was revoked passes beside an undated one
# by the same signer that does not, in either order, from one answer: the cache
# keeps the responder's statement, never a verdict.
set -u
. "$top_srcdir/tests/integration/lib.sh"
test_pki
P=$T/pki
cd "$T" || exit 1
ca_conf gov-ca
start_pkisrv --ocsp-index "$T/ca-gov-ca/index"
OCSP=$PKISRV
ca_gencrl root root.crl
ca_gencrl gov-ca gov.crl

serial() { openssl x509 -noout -serial -in "$1" | sed 's/^serial=//'; }
SIGNER=$(serial "$P/signer-rsa.pem")
CA=$(serial "$P/gov-ca.pem")
# asked N SERIAL WHAT: the log since the mark holds N requests about SERIAL
mark() { : > "$T/pkisrv.log"; }
asked() {
	_n=$(grep -c " serial=$2\$" "$T/pkisrv.log")
	[ "$_n" = "$1" ] && pass "$3: asked $1 time(s) about serial $2" ||
	    fail "$3: asked $_n times about serial $2, not $1: $(cat "$T/pkisrv.log")"
}

for i in 1 2 3 4 5; do
	printf 'Công văn số %s/CV-UBND\n' "$i" > "doc$i.txt"
	openssl cms -sign -binary -in "doc$i.txt" -signer "$P/signer-rsa.pem" \
	    -inkey "$P/signer-rsa.key" -certfile "$P/chain.pem" -cades -outform DER \
	    -out "doc$i.txt.p7s" || fail "openssl cms -sign $i"
done
ALL="doc1.txt.p7s doc2.txt.p7s doc3.txt.p7s doc4.txt.p7s doc5.txt.p7s"
# the root as the anchor: the signer and the gov CA are both asked about (the
# responder does not know the gov CA, so the root's CRL answers for it)
V() { "$KYSO" verify --no-default-trust --trust "$P/root.pem" "$@"; }

# ---- not revoked: one request per certificate for five files ---------------------------
mark
# shellcheck disable=SC2086
expect 0 "doc5.txt.p7s: TOTAL-PASSED" V --ocsp-url "$OCSP/ocsp" --crl root.crl $ALL
[ "$(grep -c '^doc[0-9].txt.p7s: TOTAL-PASSED$' "$T/.out")" = 5 ] && pass "five files TOTAL-PASSED" ||
    fail "not all five passed"
[ "$(grep -c "\"Nguyễn Văn An\" good by the OCSP responder $OCSP/ocsp" "$T/.out")" = 5 ] &&
    pass "each file's revocation check names the responder's answer" ||
    fail "the answer is not in every report"
asked 1 "$SIGNER" "five files, the signer"
asked 1 "$CA" "five files, the CA"
[ "$(wc -l < "$T/pkisrv.log")" = 2 ] && pass "two requests in all" ||
    fail "requests: $(cat "$T/pkisrv.log")"
# a run is one command: the next one asks again
mark
expect 0 "TOTAL-PASSED" V --ocsp-url "$OCSP/ocsp" --crl root.crl doc1.txt.p7s
asked 1 "$SIGNER" "a new run"

# ---- the signer revoked: every file says so, from one request --------------------------
ca_revoke gov-ca "$P/signer-rsa.pem" -crl_reason keyCompromise
mark
# shellcheck disable=SC2086
expect 2 "doc5.txt.p7s: INDETERMINATE/REVOKED_NO_POE" V --ocsp-url "$OCSP/ocsp" \
    --crl root.crl $ALL
[ "$(grep -c '^doc[0-9].txt.p7s: INDETERMINATE/REVOKED_NO_POE$' "$T/.out")" = 5 ] &&
    pass "five files REVOKED_NO_POE" || fail "not all five revoked"
[ "$(grep -Ec 'INDETERMINATE +revocation +.*was revoked on .* \(keyCompromise\) by the OCSP responder' "$T/.out")" = 5 ] &&
    pass "each report says revoked, with the reason" || fail "the revocation is not in every report"
asked 1 "$SIGNER" "five revoked files, the signer"
# (the signer revoked decides: the CA is not asked about)
asked 0 "$CA" "five revoked files, the CA"
# --json: the same verdict for each file
# shellcheck disable=SC2086
V --json --ocsp-url "$OCSP/ocsp" --crl root.crl $ALL > rev.json 2>/dev/null
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (len(d["results"]) == 5 and all(r["sub_indication"] == "REVOKED_NO_POE" for r in d["results"])))' rev.json
then pass "--json: five REVOKED_NO_POE"; else fail "--json verdicts: $(cat rev.json)"; fi

# ---- a responder without an answer: asked once, the CRLs answer --------------------------
mark
# shellcheck disable=SC2086
expect 0 "doc5.txt.p7s: TOTAL-PASSED" V --ocsp-url "$OCSP/500" --crl gov.crl --crl root.crl $ALL
[ "$(grep -c '^doc[0-9].txt.p7s: TOTAL-PASSED$' "$T/.out")" = 5 ] && pass "the CRLs answer for five files" ||
    fail "not all five passed by the CRLs"
[ "$(grep -c "^/500 " "$T/pkisrv.log")" = 1 ] && pass "the silent responder asked once" ||
    fail "the silent responder was asked $(grep -c "^/500 " "$T/pkisrv.log") times"
grep -q "OCSP: .*answered HTTP 500 (not asked again in this run)" "$T/.out" &&
    pass "later checks say it was not asked again" || fail "no 'not asked again' note"
# without CRLs: TRY_LATER for every file, still one request
mark
# shellcheck disable=SC2086
expect 2 "doc5.txt.p7s: INDETERMINATE/TRY_LATER" V --ocsp-url "$OCSP/500" $ALL
[ "$(grep -c "^/500 " "$T/pkisrv.log")" = 1 ] && pass "asked once without CRLs too" ||
    fail "asked $(grep -c "^/500 " "$T/pkisrv.log") times"

# ---- a time-stamped signature and an undated one, one answer ------------------------------
# (kyso sign --tsa: SoftHSM; the rest of the test does not need it)
if [ -z "$SOFTHSM_MODULE" ]; then
	pass "SKIP the time-stamp part: SoftHSM2 is not installed"
	done_testing
fi
. "$top_srcdir/tests/integration/token_lib.sh"
tok_init T1
softhsm2-util --import "$P/signer-ec.key" --token T1 --label sign --id 01 --pin "$PIN" >/dev/null
"$KYSO" cert import --token "pkcs11:token=T1" --in "$P/signer-ec.pem" --pin-source env:PIN \
    >/dev/null 2>&1 || fail "import the signer certificate"
printf 'Tờ trình đã đóng dấu thời gian\n' > stamped.txt
"$KYSO" sign --key "pkcs11:token=T1;object=sign" --pin-source env:PIN --chain "$P/chain.pem" \
    --tsa "$PKISRV/ok" stamped.txt >/dev/null 2>&1 || fail "kyso sign --tsa"
# revoked strictly after the time-stamp's second
sleep 2
ca_revoke gov-ca "$P/signer-ec.pem" -crl_reason keyCompromise
printf 'Tờ trình không có dấu thời gian\n' > undated.txt
openssl cms -sign -binary -in undated.txt -signer "$P/signer-ec.pem" -inkey "$P/signer-ec.key" \
    -certfile "$P/chain.pem" -cades -outform DER -out undated.txt.p7s || fail "sign undated"
EC=$(serial "$P/signer-ec.pem")
G() { "$KYSO" verify --no-default-trust --trust "$P/gov-ca.pem" --ocsp-url "$OCSP/ocsp" "$@"; }
for order in "stamped.txt.p7s undated.txt.p7s" "undated.txt.p7s stamped.txt.p7s"; do
	mark
	# shellcheck disable=SC2086
	expect 2 "" G $order
	grep -q '^stamped.txt.p7s: TOTAL-PASSED$' "$T/.out" &&
	    grep -q "was revoked after the validation time, by the OCSP responder" "$T/.out" &&
	    pass "$order: time-stamped before the revocation: TOTAL-PASSED" ||
	    fail "$order: the time-stamped signature: $(cat "$T/.out")"
	grep -q '^undated.txt.p7s: INDETERMINATE/REVOKED_NO_POE$' "$T/.out" &&
	    pass "$order: undated: REVOKED_NO_POE" || fail "$order: the undated signature"
	asked 1 "$EC" "$order"
done
done_testing
