#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The gateway password (and its MD5, which is what the gateway takes) never
# shows: not in the summary, the JSON, error messages or the most verbose
# log (where the token, id_token and password in the lookup URL read "***"),
# and never on the command line (ps).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

PW=matkhau-thu-nghiem
PW_MD5=f1c57dbdd69430e6ae87be2d8643d6fe
start_gateway main
write_conf "$T/kyso.conf"
HOLDER="Nguyễn Thị Hồng Nhung"

: > "$T/all.out"
run() { # CODE ARGS...: run kyso -v -v -v insurance lookup, keep everything it printed
	_c=$1
	shift
	"$KYSO" -v -v -v insurance lookup --config "$T/kyso.conf" "$@" >"$T/one.out" 2>&1 </dev/null
	_r=$?
	cat "$T/one.out" >> "$T/all.out"
	[ "$_r" -eq "$_c" ] && pass "lookup $* -> $_c" || { fail "lookup $*: exit $_r, expected $_c"; cat "$T/one.out"; }
}
run 0 --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
run 0 --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990 --json
run 1 --ma-the 001190012345 --name "$HOLDER" --dob 16/03/1990 --json
run 0 --ma-the 0199990007 --name "Người Lỗi Mạng" --dob 01/01/1980      # re-authentication
run 5 --ma-the 0199990009 --name "Người Lỗi Mạng" --dob 01/01/1980      # 401 twice
run 7 --ma-the 0199990003 --name "Người Lỗi Mạng" --dob 01/01/1980 --retries 1
run 6 --ma-the 0199990004 --name "Người Lỗi Mạng" --dob 01/01/1980
KYSO_TEST_GW_PASSWORD=wrong-$PW run 5 --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
KYSO_TEST_GW_PASSWORD=$PW

# the verbose log was really written, with the secrets replaced
grep -q 'POST https://127.0.0.1:[0-9]*/api/egw/KQNhanLichSuKCB2024?token=\*\*\*&id_token=\*\*\*&username=01001_BV&password=\*\*\* (lookup, try 1 of 3)' "$T/all.out" &&
    pass "the debug log shows the lookup URL with secrets replaced" || fail "no redacted URL in the log"
grep -q 'taking a new one' "$T/all.out" && pass "the re-authentication is logged" || fail "no re-auth log"
for secret in "$PW" "$PW_MD5"; do
	if grep -q -- "$secret" "$T/all.out"; then
		fail "a secret ($secret) was printed:"
		grep -n -- "$secret" "$T/all.out" | head -5
	else
		pass "the secret ${secret%"${secret#????}"}... never printed"
	fi
done
# no token either: the gateway's tokens end in "/+=" and its id_tokens in "&="
grep -q 'token=[^*]' "$T/all.out" && fail "a token was printed" || pass "no token printed"
grep -q 'access_token\|id_token"' "$T/all.out" && fail "token JSON printed" || pass "no token JSON printed"

# ps: a lookup in progress (the gateway is slow) shows no secret on its command line
"$KYSO" insurance lookup --config "$T/kyso.conf" --timeout 3 --retries 0 \
    --ma-the 0199990001 --name "Người Lỗi Mạng" --dob 01/01/1980 >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(gw_count /api/egw/KQNhanLichSuKCB2024 maThe 0199990001)" -eq 0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
args=$(ps -ww -o args= -p "$pid" 2>/dev/null)
cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)
wait "$pid"
rc=$?
case "$args" in
*"insurance lookup"*) pass "ps shows the running lookup" ;;
*) fail "the lookup was not seen running (ps: '$args')" ;;
esac
case "$args $cmdline" in
*"$PW"*|*"$PW_MD5"*) fail "the password is visible in ps" ;;
*) pass "no password in ps or /proc/PID/cmdline" ;;
esac
[ "$rc" -eq 7 ] && pass "the slow lookup timed out (7)" || fail "slow lookup exit $rc"

done_testing
