#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso insurance lookup --card: read the virtual CCCD (real pcscd + vpcd) with
# the card options of `kyso card read`, then look the holder up at the
# stand-in gateway.  A genuine card is looked up as verified (0); a card whose
# passive authentication fails is refused (1, nothing sent) unless
# --allow-unverified (0, recorded as unverified).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-card.sh"
card_setup
. "$top_srcdir/tests/gateway/lib.sh"

make_card "$T/card"
MRZ=$(cat "$T/card/mrz.txt")
export MRZ
start_gateway main
write_conf "$T/kyso.conf"
L=/api/egw/KQNhanLichSuKCB2024

card_start "$T/card" normal
R=$CARD_READER
c() { lookup --card --reader "$R" --mrz-source env:MRZ --csca "$T/pki/csca.pem" --no-default-csca "$@"; }

expect 0 'identity: +verified on the chip \(genuine card\)' c
grep -q 'looked up: *maThe 001190012345 (citizen ID from the card)' "$T/.out" &&
    pass "maThe is the chip's ID number" || fail "maThe from the chip"
grep -q 'result: *000' "$T/.out" && pass "the chip's holder is covered" || fail "no 000"
expect_json 0 'd["identity"]["verified"] is True and d["identity"]["source"] == "card" and d["identity"]["reader"] == "'"$R"'" and d["identity"]["passive"] == "passed" and d["request"]["maThe"] == "001190012345" and d["request"]["hoTen"] == "Nguyễn Thị Hồng Nhung" and d["request"]["ngaySinh"] == "15/03/1990" and d["result"]["code"] == "000"' \
    c --json
expect 0 'maThe DN4010119012345 \(BHYT code\)' c --bhyt-code DN4010119012345
# the BAC key from --id --dob (the card's options; --dob is the card key's here)
expect 0 'result: +000' lookup --card --reader "$R" --id 001190012345 --dob 15/03/1990 \
    --expiry 15/03/2030 --csca "$T/pki/csca.pem" --no-default-csca

# no key for the chip: the card options' own message, nothing sent
n=$(gw_count $L)
expect 3 'no card key: give --mrz-source' lookup --card --reader "$R"
[ "$(gw_count $L)" -eq "$n" ] && pass "nothing sent without a card read" || fail "sent without a read"
expect 3 'give one of --card, --from FILE' c --ma-the 0112345678
expect 3 'go with --card' lookup --ma-the 001190012345 --name X --dob 15/03/1990 --reader "$R"

# a card whose data were changed after signing: refused, unless asked
card_start "$T/card" tampered-dg
R=$CARD_READER
n=$(gw_count $L)
expect 1 "the card in $R failed authentication \(passive authentication failed.*not looked up; --allow-unverified" \
    c
[ "$(gw_count $L)" -eq "$n" ] && pass "a tampered card is not sent" || fail "tampered card sent"
expect 0 'identity: +NOT verified' c --allow-unverified
grep -q 'warning: *identity not verified: the card failed authentication' "$T/.out" &&
    pass "marked unverified" || fail "not marked unverified"
expect_json 0 'd["identity"]["verified"] is False and d["identity"]["source"] == "card" and d["identity"]["passive"] == "failed" and "unverified" in [w["id"] for w in d["warnings"]]' \
    c --allow-unverified --json

done_testing
