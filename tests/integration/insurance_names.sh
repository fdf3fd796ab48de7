#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The gateway's text is shown escaped: an answer whose note (ghiChu) carries
# terminal controls and a bidi override cannot clear, retitle or reorder the
# receptionist's screen.  --json keeps the text exact (JSON escapes it).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

start_gateway main
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
done_testing
