#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso insurance lookup --from CARD.json: card data that passed authentication
# is looked up and recorded as verified; data that failed is refused (1)
# unless --allow-unverified (then recorded as unverified); which code is sent
# (--ma-the-from id|bhyt, --bhyt-code); malformed card data (6).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

start_gateway main
write_conf "$T/kyso.conf"
L=/api/egw/KQNhanLichSuKCB2024

# card_json FILE GENUINE PASSIVE [ID] [DOB]: what `kyso card read --json` writes
card_json() {
	cat > "$1" <<EOF
{"schema": 1,
 "document": {"number": "190012345", "expiry": "15/03/2030"},
 "holder": {"id_number": "${4:-001190012345}", "full_name": "Nguyễn Thị Hồng Nhung",
            "date_of_birth": "${5:-15/03/1990}", "sex": "Nữ"},
 "verification": {"passive": "$3", "active": "$( [ "$2" = true ] && echo passed || echo not_attempted)",
                  "genuine": $2,
                  "reasons": $( [ "$2" = true ] && echo '[]' || echo '["DG13 hash does not match the SOD"]')}}
EOF
}
card_json "$T/good.json" true passed
card_json "$T/bad.json" false failed
card_json "$T/wrongdob.json" true passed 001190012345 16/03/1990

# genuine card data: looked up by the citizen ID, verified
expect 0 "identity: +verified on the chip when it was read, as the card data in $T/good.json say \\(not re-checked here: the file is not signed\\)" \
    lookup --from "$T/good.json"
grep -q 'looked up: *maThe 001190012345 (citizen ID from the card)' "$T/.out" &&
    pass "maThe is the card's ID number" || fail "maThe from the card"
grep -q 'not verified' "$T/.out" && fail "genuine card flagged" || pass "no unverified warning"
expect_json 0 'd["identity"]["verified"] is True and d["identity"]["source"] == "card-json" and d["identity"]["passive"] == "passed" and d["identity"]["genuine"] is True and d["request"]["maThe"] == "001190012345" and d["request"]["ma_the_from"] == "id" and d["request"]["hoTen"] == "Nguyễn Thị Hồng Nhung"' \
    lookup --from "$T/good.json" --json

# the BHYT code instead of the ID
expect 0 'looked up: *maThe DN4010119012345 \(BHYT code\)' \
    lookup --from "$T/good.json" --bhyt-code DN4010119012345
expect 0 'maThe 0112345678 \(BHYT code\)' \
    lookup --from "$T/good.json" --ma-the-from bhyt --bhyt-code 0112345678
python3 - "$GW_LOG" <<'EOF' && pass "the gateway got the BHYT code" || fail "BHYT code not sent"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
sent = [x["body"]["maThe"] for x in r if x.get("path") == "/api/egw/KQNhanLichSuKCB2024"]
assert sent[-2:] == ["DN4010119012345", "0112345678"], sent
EOF
expect 3 'needs --bhyt-code' lookup --from "$T/good.json" --ma-the-from bhyt
expect 3 'contradict' lookup --from "$T/good.json" --ma-the-from id --bhyt-code 0112345678
expect 3 "ma-the-from 'passport'" lookup --from "$T/good.json" --ma-the-from passport
write_conf "$T/kyso-bhyt.conf" "ma-the-from = bhyt"
expect 3 'needs --bhyt-code' "$KYSO" insurance lookup --config "$T/kyso-bhyt.conf" --from "$T/good.json"

# the card's data, checked by the gateway
expect 1 'result: +070 Thẻ sai ngày sinh' lookup --from "$T/wrongdob.json"

# failed authentication: refused, nothing sent
n=$(gw_count $L)
expect 1 "the card data in $T/bad.json failed authentication \(passive authentication failed, active authentication was not attempted; DG13 hash does not match the SOD\): not looked up; --allow-unverified" \
    lookup --from "$T/bad.json"
[ "$(gw_count $L)" -eq "$n" ] && pass "unverified card not sent" || fail "unverified card sent"
expect_json 1 'd["ok"] is False and d["exit"] == 1 and d["identity"]["verified"] is False and d["identity"]["reasons"] == ["DG13 hash does not match the SOD"] and "failed authentication" in d["error"] and "request" not in d' \
    lookup --from "$T/bad.json" --json
# ... unless asked: looked up, and recorded as unverified everywhere
expect 0 'warning: *identity not verified: the card failed authentication \(--allow-unverified\)' \
    lookup --from "$T/bad.json" --allow-unverified
grep -q 'identity: *NOT verified' "$T/.out" && pass "summary says NOT verified" || fail "summary"
expect_json 0 'd["identity"]["verified"] is False and d["identity"]["source"] == "card-json" and d["identity"]["passive"] == "failed" and "unverified" in [w["id"] for w in d["warnings"]]' \
    lookup --from "$T/bad.json" --allow-unverified --json

# malformed card data: 6
printf '{"schema": 1, "holder": {"id_number": "0011900' > "$T/trunc.json"
expect 6 "$T/trunc.json is not JSON" lookup --from "$T/trunc.json"
printf '{"schema": 2, "holder": {}, "verification": {}}' > "$T/schema2.json"
expect 6 'not card data of schema 1' lookup --from "$T/schema2.json"
printf '{"schema": 1, "holder": {"id_number": "12345", "full_name": "A", "date_of_birth": "01/01/1990"}, "verification": {"genuine": true}}' > "$T/shortid.json"
expect 6 'lacks holder.id_number \(12 digits\)' lookup --from "$T/shortid.json"
printf '{"schema": 1, "holder": {"id_number": "001190012345", "full_name": "A", "date_of_birth": "01/01/1990"}, "verification": {"passive": "passed"}}' > "$T/nogenuine.json"
expect 6 'verification.genuine' lookup --from "$T/nogenuine.json"
printf '{"schema": 1, "schema": 1}' > "$T/dup.json"
expect 6 'is not JSON' lookup --from "$T/dup.json"
expect 6 "cannot read the card data $T/none.json" lookup --from "$T/none.json"
expect 3 'give one of --card, --from FILE, or --ma-the' lookup --from "$T/good.json" --ma-the 0112345678
expect 3 'give one of --card, --from FILE, or --ma-the' lookup --from "$T/good.json" --dob 15/03/1990
expect 3 'reader, card key and CSCA options go with --card' lookup --from "$T/good.json" --mrz-source env:X

done_testing
