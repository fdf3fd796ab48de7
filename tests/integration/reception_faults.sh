#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso reception when the gateway fails, each with its message and exit status
# and a record of the failure that never claims coverage (and that kyso checkin
# verify accepts as true): unreachable (7), HTTP 500 for good (7), an answer
# that is not JSON (6), a wrong gateway password (5), a gateway error code in
# an HTTP 500 (7, outcome gateway_error); and a holder the gateway does not
# know (not covered: 1).
. "$top_srcdir/tests/integration/reception_lib.sh"

desk_setup

# gw NAME [gateway.py options]: a gateway of its own and $T/NAME.conf for it
gw() {
	_name=$1
	shift
	start_gateway "$_name" "$@"
	write_conf "$T/$_name.conf" "retries = 0"
}

# failed WHAT CODE: the newest record is a lookup failure with error code CODE,
# no answer, no coverage - and a true record
failed() {
	_r=$(newest_record)
	if json_check "$_r" 'd["outcome"] == "lookup_failed" and d["identity"] == "verified" and d["lookup"]["error"]["code"] == "'"$2"'" and d["lookup"]["answer"] is None and d["lookup"]["result"] is None and d["lookup"]["request"]["maThe"] == "001190012345"' >"$T/.jc" 2>&1; then
		pass "$1: recorded as a failed lookup ($2), no coverage"
	else
		fail "$1: record"; sed 's/^/    | /' "$T/.jc" | head -20
	fi
	expect 0 'outcome: +lookup_failed' cverify "$_r"
}

n0=$(nrecords)

# unreachable: a port nobody listens on any more
gw gone
kill "$GW_PID"
wait "$GW_PID" 2>/dev/null
expect 7 'the BHYT lookup failed: cannot reach the gateway https://127.0.0.1:[0-9]+' \
    desk --config "$T/gone.conf"
grep -q 'BHYT: *LOOKUP FAILED: cannot reach the gateway' "$T/.out" &&
    grep -q 'Outcome: *lookup_failed' "$T/.out" && pass "desk: lookup failed" ||
    fail "desk summary of an unreachable gateway"
failed unreachable network

# HTTP 500 every time
gw g500 --fault 500
expect 7 'the BHYT lookup failed: .*HTTP 500' desk --config "$T/g500.conf"
failed "HTTP 500" http

# an HTML page instead of JSON
gw gnonjson --fault nonjson
expect 6 'the BHYT lookup failed: .*not valid JSON' desk --config "$T/gnonjson.conf"
failed "non-JSON answer" server_response

# a wrong gateway password: the token step refuses the account
expect 5 'the BHYT lookup failed: .*refused the facility account 01001_BV' \
    env KYSO_TEST_GW_PASSWORD=wrong-password "$KYSO" reception --config "$T/kyso.conf" \
    --sign-key "$FKEY" --pin-source env:PIN --chain "$T/pki/chain.pem" --record-dir "$T/records" \
    --reader "$CARD_READER" --csca "$T/pki/csca.pem" --no-default-csca --mrz-source env:MRZ
failed "wrong password" server_auth
grep -q 'wrong-password' "$(newest_record)" && fail "the password is in the record" ||
    pass "the password is not in the record"

# a server error code (101) in an HTTP 500: the gateway answered, no coverage
gw gcoded --fault coded-500
expect 7 'the gateway answered 101' desk --config "$T/gcoded.conf"
r=$(newest_record)
json_check "$r" 'd["outcome"] == "gateway_error" and d["lookup"]["result"]["code"] == "101" and d["lookup"]["result"]["class"] == "gateway_error" and d["lookup"]["answer"]["http_status"] == 500 and d["lookup"]["error"] is None' &&
    pass "gateway error code recorded as gateway_error" || fail "coded-500 record"
expect 0 'TOTAL-PASSED' cverify "$r"

# a holder the gateway does not know: 050, not covered (1)
make_card "$T/card2" -s id=079190055555 -s "full_name=Đặng Văn Lạ"
MRZ2=$(cat "$T/card2/mrz.txt")
export MRZ2
card_start "$T/card2" normal
expect 1 'not covered: 050' desk_nokey --mrz-source env:MRZ2
grep -q 'BHYT: *NOT COVERED' "$T/.out" && pass "desk: not covered" || fail "desk: not covered"
r=$(newest_record)
json_check "$r" 'd["outcome"] == "not_covered" and d["lookup"]["result"]["code"] == "050" and d["card"]["holder"]["full_name"] == "Đặng Văn Lạ"' &&
    pass "not covered: recorded as such" || fail "not covered record"
expect 0 'outcome: +not_covered' cverify "$r"

[ "$(nrecords)" -eq $((n0 + 6)) ] && [ "$(unsigned)" -eq 0 ] &&
    pass "one signed record per patient, whatever the gateway did" ||
    fail "$(nrecords) records, $(unsigned) unsigned"
python3 - "$T/records" <<'EOF' && pass "no record claims coverage" || fail "a record claims coverage"
import glob, json, sys
for f in glob.glob(sys.argv[1] + "/*.json"):
    d = json.load(open(f, encoding="utf-8"))
    assert d["outcome"] != "covered", f
    assert (d["lookup"]["result"] or {}).get("class") != "covered", f
EOF

done_testing
