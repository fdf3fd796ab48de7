#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The gateway's text is shown escaped: an answer whose note (ghiChu) carries
# terminal controls and a bidi override cannot clear, retitle or reorder the
# receptionist's screen.  --json keeps the text exact (JSON escapes it).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

# a person registered at another facility whose name is long (2.8 KB of
# Vietnamese; 2 KiB ends inside a letter): the other_facility warning is cut
# before that letter, never dropped from --json
python3 - "$T/long.json" <<'EOF'
import json, sys
json.dump({"people": [{"maThe": "0100000098", "hoTen": "Người Tên Dài", "ngaySinh": "08/08/1988",
    "maDKBD": "79024", "gtTheTu": "today-300", "gtTheDen": "today+365",
    "extra": {"tenDKBD": "Khu " + "Bệnh viện " * 200}}]},
    open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False)
EOF
start_gateway main --registry "$top_srcdir/tests/gateway/registry.json" --registry "$T/long.json"
write_conf "$T/kyso.conf"
esc=$(printf '\033')
bel=$(printf '\007')
rlo=$(printf '\342\200\256')
lookup --ma-the 0100000099 --name "Người Ghi Chú Lạ" --dob 09/09/1999 >"$T/out" 2>&1
expect_in() {
	if grep -Eq -- "$2" "$1"; then pass "$1 matches /$2/"; else
		fail "$1 does not match /$2/"; sed 's/^/    | /' "$1" | head -20; fi
}
expect_in "$T/out" 'note: +ghi\\1B\[2J\\1B\]0;pwned\\07chú\\E2\\80\\AEexe\.fdp'
if grep -q "$esc" "$T/out" || grep -q "$bel" "$T/out" || grep -q "$rlo" "$T/out"; then
	fail "a raw control or bidi character reached the terminal"
else
	pass "no raw control or bidi character in the text output"
fi
lookup --ma-the 0100000099 --name "Người Ghi Chú Lạ" --dob 09/09/1999 --json >"$T/out" 2>&1
expect_in "$T/out" '"ghiChu": "ghi\\u001[bB]\[2J'
expect_json 0 '[w["id"] for w in d["warnings"]] == ["other_facility", "unverified"] and d["warnings"][0]["message"].startswith("registered at another facility: 79024 Khu Bệnh viện Bệnh viện")' \
    lookup --ma-the 0100000098 --name "Người Tên Dài" --dob 08/08/1988 --json
expect 0 'warning: +registered at another facility: 79024 Khu Bệnh viện' \
    lookup --ma-the 0100000098 --name "Người Tên Dài" --dob 08/08/1988
done_testing
