#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso insurance lookup against the stand-in gateway: covered cards (0), each
# family of "not covered" answers (1), gateway error codes (7), the desk
# summary, warnings and the JSON record.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

start_gateway main
write_conf "$T/kyso.conf"

HOLDER="Nguyễn Thị Hồng Nhung"
OTHER="Người Mã"

# --- covered --------------------------------------------------------------
expect 0 'result: +000 Thông tin thẻ chính xác \(card information correct\)' \
    lookup --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
grep -q '^BHYT: *COVERED' "$T/.out" && pass "summary says COVERED" || fail "no COVERED line"
grep -q '^card code: *DN4010119012345' "$T/.out" && pass "card code shown" || fail "card code"
grep -q '^registered: *01001' "$T/.out" && pass "registered facility shown" || fail "maDKBD"
grep -q '^5 years: *01/01/2020' "$T/.out" && pass "ngayDu5Nam shown" || fail "ngayDu5Nam"
grep -q '^valid: .* to .* (365 days left)' "$T/.out" && pass "validity shown" || fail "validity"
grep -q 'warning: *identity not verified: data typed in by hand' "$T/.out" &&
    pass "typed-in data marked unverified" || fail "no unverified warning"
grep -q 'other facility\|ends on' "$T/.out" && fail "unexpected warning" || pass "no other warning"
# the same card found by its BHYT code and its social-insurance number
expect 0 'result: +000' lookup --ma-the DN4010119012345 --name "$HOLDER" --dob 15/03/1990
expect 0 'result: +000' lookup --ma-the 0112345678 --name "$HOLDER" --dob 15/03/1990
# names compare case-insensitively (as the gateway does)
expect 0 'result: +000' lookup --ma-the 001190012345 --name "NGUYỄN THỊ HỒNG NHUNG" --dob 15/03/1990

# the request the gateway received
[ "$(gw_count /api/token/take ok True)" -ge 4 ] && pass "token step with the MD5 password" ||
    fail "token step not seen"
[ "$(gw_count /api/token/take password_is_md5 False)" -eq 0 ] && pass "password only as MD5" ||
    fail "a clear password reached the gateway"
python3 - "$GW_LOG" <<'EOF' && pass "lookup query and body as the API says" || fail "lookup request"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
l = [x for x in r if x.get("path") == "/api/egw/KQNhanLichSuKCB2024"][0]
assert l["query"] == ["id_token", "password", "token", "username"], l
assert l["body"] == {"maThe": "001190012345", "hoTen": "Nguyễn Thị Hồng Nhung",
                     "ngaySinh": "15/03/1990", "hoTenCb": "Trần Thị Bình",
                     "cccdCb": "001085001234"}, l
EOF

# covered, with special cases
expect 0 'result: +001 Thẻ do BHXH Bộ Quốc Phòng quản lý' \
    lookup --ma-the 0100000003 --name "Vũ Văn Quân" --dob 04/04/1980
expect 0 'result: +002 Thẻ do BHXH Bộ Công An quản lý' \
    lookup --ma-the 0100000004 --name "Đỗ Thị Công" --dob 05/05/1982
expect 0 'warning: *a new card was issued: 0100000055, valid [0-9/]+ to [0-9/]+, registered at 01001 Bệnh viện Thử nghiệm' \
    lookup --ma-the 0100000005 --name "Hoàng Văn Thẻ Mới" --dob 06/06/1970
grep -q 'result: *003 Thẻ cũ hết giá trị sử dụng nhưng được cấp thẻ mới' "$T/.out" &&
    pass "003 meaning" || fail "003 meaning"
grep -q 'warning: *the card ended on' "$T/.out" && pass "003: old card ended" || fail "003 ended"
expect 0 'warning: *a new card was issued: 0100000066' \
    lookup --ma-the 0100000006 --name "Ngô Thị Đổi Thẻ" --dob 07/07/1972
expect 0 'warning: *the card ends on [0-9/]+, within 30 days \(10 left\)' \
    lookup --ma-the 0100000001 --name "Lê Văn Sắp Hết" --dob 02/02/1975
expect 0 'warning: *the card ends on' \
    lookup --ma-the 0100000001 --name "Lê Văn Sắp Hết" --dob 02/02/1975 --expiry-warn-days 11
expect 0 'valid: ' lookup --ma-the 0100000001 --name "Lê Văn Sắp Hết" --dob 02/02/1975 \
    --expiry-warn-days 9
grep -q 'ends on' "$T/.out" && fail "--expiry-warn-days 9 still warns" || pass "--expiry-warn-days"
expect 0 'warning: *registered at another facility: 79024 Bệnh viện Thử nghiệm Số 2 \(this facility: 01001\)' \
    lookup --ma-the 0100000002 --name "Phạm Thị Nơi Khác" --dob 03/03/1985
expect 0 'registered at another facility: 79024.*this facility: 79025' \
    lookup --ma-the 0100000002 --name "Phạm Thị Nơi Khác" --dob 03/03/1985 --facility-code 79025
expect 0 'registered: *79024' \
    lookup --ma-the 0100000002 --name "Phạm Thị Nơi Khác" --dob 03/03/1985 --facility-code 79024
grep -q 'another facility' "$T/.out" && fail "own facility flagged" || pass "facility-code honoured"

# --- not covered: exit 1, the code and its meaning -------------------------
expect 1 'result: +010 Thẻ hết giá trị sử dụng \(card expired\)' \
    lookup --ma-the 0100000010 --name "Trịnh Văn Hết Hạn" --dob 08/08/1960
grep -q 'kyso insurance: not covered: 010 Thẻ hết giá trị sử dụng (card expired)' "$T/.out" &&
    pass "010 diagnostic on stderr" || fail "010 diagnostic"
grep -q '^BHYT: *NOT COVERED' "$T/.out" && pass "summary says NOT COVERED" || fail "NOT COVERED"
expect 1 'result: +050 Không thấy thông tin thẻ' lookup --ma-the 0123456789 --name "Ai Đó" --dob 01/01/1990
for c in 051:'Mã thẻ không đúng' 052:'Mã tỉnh cấp thẻ' 053:'Mã quyền lợi thẻ' \
    110:'Thẻ đã thu hồi' 120:'Thẻ đã báo giảm' 121:'Giảm chuyển ngoại tỉnh' \
    122:'Giảm chuyển nội tỉnh' 123:'Thu hồi do tăng lại cùng đơn vị' 124:'Ngừng tham gia' \
    130:'Trẻ em không xuất trình thẻ'; do
	code=${c%%:*}
	expect 1 "result: +$code .*${c#*:}" lookup --ma-the "0100000$code" --name "$OTHER $code" \
	    --dob 01/01/1980
done
expect 1 'result: +054 .*staff member.s ID is not registered' \
    lookup --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990 --staff-id 001085009999
expect 1 'result: +055 Họ tên cán bộ tra cứu không khớp' \
    lookup --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990 --staff-name "Lý Văn Cường"
expect 0 'result: +000' \
    lookup --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990 --staff-name "Lý Văn Cường" \
    --staff-id 079090004321
expect 1 'result: +060 Thẻ sai họ tên \(wrong name\)' \
    lookup --ma-the 001190012345 --name "Trần Thị Hồng Nhung" --dob 15/03/1990
expect 1 'result: +061 Thẻ sai họ tên \(đúng ký tự đầu\)' \
    lookup --ma-the 001190012345 --name "Nguyễn Thị Nhung" --dob 15/03/1990
expect 1 'result: +070 Thẻ sai ngày sinh \(wrong date of birth\)' \
    lookup --ma-the 001190012345 --name "$HOLDER" --dob 16/03/1990

# --- gateway error codes: exit 7 ---------------------------------------------
expect 7 'result: +100 Lỗi khi lấy dữ liệu sổ thẻ' lookup --ma-the 0100000100 --name "$OTHER 100" --dob 01/01/1980
grep -q 'kyso insurance: the gateway answered 100 .*try again later' "$T/.out" &&
    pass "100 diagnostic" || fail "100 diagnostic"
expect 7 'result: +101 Lỗi server' lookup --ma-the 0100000101 --name "$OTHER 101" --dob 01/01/1980
expect 7 'result: +205 Lỗi sai định dạng tham số' lookup --ma-the 0100000205 --name "$OTHER 205" --dob 01/01/1980

# --- what the client refuses before sending ---------------------------------
n=$(gw_count /api/egw/KQNhanLichSuKCB2024)
expect 3 'not a date written dd/mm/yyyy' lookup --ma-the 001190012345 --name "$HOLDER" --dob 1990-03-15
expect 3 'neither a 10-digit' lookup --ma-the 12345 --name "$HOLDER" --dob 15/03/1990
expect 3 '12-digit citizen ID' lookup --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990 --staff-id 12345
expect 3 'what to look up' lookup --ma-the 001190012345
expect 3 'unexpected argument' lookup --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990 extra
expect 3 'unknown option' lookup --bogus
[ "$(gw_count /api/egw/KQNhanLichSuKCB2024)" -eq "$n" ] && pass "nothing sent for bad input" ||
    fail "bad input reached the gateway"

# --- JSON ----------------------------------------------------------------------
expect_json 0 'd["schema"] == 1 and d["ok"] and d["exit"] == 0 and d["status"] == "covered" and d["result"]["code"] == "000" and d["result"]["meaning_vi"] == "Thông tin thẻ chính xác" and d["result"]["meaning_en"] == "card information correct" and d["result"]["valid_to"] == d["answer"]["gtTheDen"] and d["result"]["facility"] == {"code": "01001", "name": None, "this_facility": True} and d["result"]["five_years"] == "01/01/2020" and d["answer"]["maKetQua"] == "000" and len(d["answer_sha256"]) == 64 and d["request"]["maThe"] == "001190012345" and d["request"]["cccdCb"] == "001085001234" and "password" not in json.dumps(d) and d["identity"] == {"verified": False, "source": "manual"}' \
    lookup --json --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
expect_json 1 'd["ok"] is False and d["exit"] == 1 and d["status"] == "not_covered" and d["result"]["code"] == "070" and d["result"]["covered"] is False and d["error"].startswith("not covered: 070")' \
    lookup --json --ma-the 001190012345 --name "$HOLDER" --dob 16/03/1990
expect_json 0 '[w["id"] for w in d["warnings"]] == ["expired", "new_card", "unverified"] and d["result"]["new_card"]["code"] == "0100000055"' \
    lookup --json --ma-the 0100000005 --name "Hoàng Văn Thẻ Mới" --dob 06/06/1970
expect_json 3 'd["ok"] is False and d["exit"] == 3 and "dd/mm/yyyy" in d["error"] and d["status"] == "failed"' \
    lookup --json --ma-the 001190012345 --name "$HOLDER" --dob 15-03-1990
expect_json 3 'd["exit"] == 3 and d["schema"] == 1' lookup --json --bogus
# the answer's SHA-256 is over the bytes the gateway sent (the gateway logs its own hash)
expect_json 0 'd["answer_sha256"] == [json.loads(l) for l in open("'"$GW_LOG"'")][-1]["sha256"]' \
    lookup --json --ma-the 0100000002 --name "Phạm Thị Nơi Khác" --dob 03/03/1985
expect_json 7 'd["status"] == "gateway_error" and d["result"]["code"] == "101" and d["exit"] == 7' \
    lookup --json --ma-the 0100000101 --name "$OTHER 101" --dob 01/01/1980

# --- kyso insurance codes --------------------------------------------------------
expect 0 '^070  not_covered   exit 1  Thẻ sai ngày sinh \(wrong date of birth\)' "$KYSO" insurance codes
expect_json 0 'len(d["codes"]) == 26 and {"code": "000", "class": "covered", "vi": "Thông tin thẻ chính xác", "en": "card information correct", "exit": 0} in d["codes"] and [c["exit"] for c in d["codes"] if c["code"] == "401"] == [5]' \
    "$KYSO" insurance codes --json
expect 3 'usage: kyso insurance lookup' "$KYSO" insurance frobnicate

done_testing
