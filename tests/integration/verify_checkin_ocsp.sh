#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso checkin verify of several records in one run asks the OCSP responder
# (tests/pkisrv/pkisrv.py, which logs the serial numbers asked about) once
# about the facility's certificate, whatever the number
# of records, with the same verdict for each: TOTAL-PASSED, then, the
# facility's certificate revoked, REVOKED_NO_POE for every record.  The record
# is made by kyso reception (virtual card, stand-in gateway, SoftHSM facility
# key) and copied: each copy is a record of its own to verify.
. "$top_srcdir/tests/integration/reception_lib.sh"

desk_setup
expect 0 'Outcome: +covered' desk
card_stop
R=$(newest_record)
mkdir -p "$T/e"
for n in a b c; do
	cp "$R" "$T/e/$n.json"
	cp "$R.p7s" "$T/e/$n.json.p7s"
done
ca_conf gov-ca
start_pkisrv --ocsp-index "$T/ca-gov-ca/index"

serial() { openssl x509 -noout -serial -in "$1" | sed 's/^serial=//'; }
FAC=$(serial "$T/pki/signer-ec.pem")
asked() { # N SERIAL WHAT
	_n=$(grep -c " serial=$2\$" "$T/pkisrv.log")
	[ "$_n" = "$1" ] && pass "$3: asked $1 time(s) about serial $2" ||
	    fail "$3: asked $_n times about serial $2, not $1: $(cat "$T/pkisrv.log")"
}
# the gov CA as the anchor: the facility's certificate is the one asked about
# (its serial is the gov CA's own serial under the root: one issuer only here)
C() { "$KYSO" checkin verify --no-default-trust --trust "$T/pki/gov-ca.pem" \
    --csca "$T/pki/csca.pem" --no-default-csca --ocsp-url "$PKISRV/ocsp" "$R" \
    "$T/e/a.json" "$T/e/b.json" "$T/e/c.json" "$@"; }

: > "$T/pkisrv.log"
expect 0 "c.json: TOTAL-PASSED" C
[ "$(grep -Ec '\.json: TOTAL-PASSED$' "$T/.out")" = 4 ] && pass "four records TOTAL-PASSED" ||
    fail "not all four passed"
asked 1 "$FAC" "four records, the facility"
[ "$(wc -l < "$T/pkisrv.log")" = 1 ] && pass "one request in all" ||
    fail "requests: $(cat "$T/pkisrv.log")"

ca_revoke gov-ca "$T/pki/signer-ec.pem" -crl_reason keyCompromise
: > "$T/pkisrv.log"
expect 2 "c.json: INDETERMINATE" C
[ "$(grep -Ec 'INDETERMINATE +facility_signature .*REVOKED_NO_POE' "$T/.out")" = 4 ] &&
    pass "four records REVOKED_NO_POE" || fail "not all four revoked"
asked 1 "$FAC" "four revoked records, the facility"
# --json: one answer, four verdicts
: > "$T/pkisrv.log"
C --json > "$T/c.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (len(d["results"]) == 4 and all(r["indication"] == "INDETERMINATE" for r in d["results"])))' "$T/c.json" &&
    pass "--json: four INDETERMINATE" || fail "--json: $(head -c 600 "$T/c.json")"
asked 1 "$FAC" "--json run"
done_testing
