#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Gateway failures, each with its exit status and message: wrong password (5),
# unreachable (7), timeout (7, bounded), HTTP 500 retried (0) or for good (7),
# non-JSON / truncated / empty answers (6), token expiry and re-authentication
# (0), a 401 that persists (5, no loop), a 5xx carrying a result code (7, no retry).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

start_gateway main
write_conf "$T/kyso.conf" "retries = 2"
L=/api/egw/KQNhanLichSuKCB2024
TK=/api/token/take

# fault people: 0199990001 slow, ...02 500-once, ...03 500, ...04 nonjson,
# ...05 truncated, ...06 truncated-json, ...07 401-once, ...08 http401-once,
# ...09 401-always, ...10 empty, ...11 coded-500
f() { _m=$1; shift; lookup --ma-the "$_m" --name "Người Lỗi Mạng" --dob 01/01/1980 "$@"; }
count() { gw_count $L maThe "$1"; }

# wrong password: the token step refuses (maKetQua 401)
expect 5 'refused the facility account 01001_BV.*check the username and the password' \
    env KYSO_TEST_GW_PASSWORD=wrong "$KYSO" insurance lookup --config "$T/kyso.conf" --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990
[ "$(gw_count $L)" -eq 0 ] && pass "no lookup without a token" || fail "lookup after refusal"
expect 5 'refused the facility account' \
    lookup --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990 --username 01002_BV
expect_json 5 'd["exit"] == 5 and "refused the facility account" in d["error"] and d["status"] == "failed"' \
    env KYSO_TEST_GW_PASSWORD=wrong "$KYSO" insurance lookup --config "$T/kyso.conf" --json \
    --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990

# 500 once, then success: retried
expect 0 'result: +000' f 0199990002
[ "$(count 0199990002)" -eq 2 ] && pass "500 retried once" || fail "500-once: $(count 0199990002) lookups"
# always 500: 3 tries, then 7
expect 7 'answered the lookup request with HTTP 500 \(3 tries\); a server error at the gateway: try again later' f 0199990003
[ "$(count 0199990003)" -eq 3 ] && pass "3 tries on HTTP 500" || fail "always-500: $(count 0199990003) lookups"
expect 7 'HTTP 500 \(2 tries\)' f 0199990003 --retries 1
expect 7 'HTTP 500 \(1 try\); a server error at the gateway: try again later' f 0199990003 --retries 0
# a 5xx answer that carries a result code is an answer: not retried
n=$(count 0199990011)
expect 7 'result: +101 Lỗi server' f 0199990011
[ "$(count 0199990011)" -eq $((n + 1)) ] && pass "coded 500 not retried" || fail "coded 500 retried"

# malformed answers: 6, not retried
expect 6 'lookup answer is not valid JSON' f 0199990004
[ "$(count 0199990004)" -eq 1 ] && pass "non-JSON not retried" || fail "non-JSON retried"
expect 6 'cut short.*truncated answer' f 0199990005
expect 6 'not valid JSON.*truncated' f 0199990006
expect 6 'answer is empty' f 0199990010
expect_json 6 'd["exit"] == 6 and d["ok"] is False and "truncated" in d["error"]' \
    f 0199990006 --json

# token expiry: 401 once, a new token, success
n=$(gw_count $TK)
expect 0 'result: +000' f 0199990007
[ "$(gw_count $TK)" -eq $((n + 2)) ] && pass "re-authenticated after maKetQua 401" ||
    fail "token takes: $(($(gw_count $TK) - n))"
n=$(gw_count $TK)
expect 0 'result: +000' f 0199990008
[ "$(gw_count $TK)" -eq $((n + 2)) ] && pass "re-authenticated after HTTP 401" ||
    fail "token takes after HTTP 401"
# 401 for good: two tokens, two lookups, then 5
n=$(gw_count $TK)
expect 5 'refused the lookup \(401\) again with a new token' f 0199990009
[ "$(gw_count $TK)" -eq $((n + 2)) ] && [ "$(count 0199990009)" -eq 2 ] &&
    pass "401 twice: no loop" || fail "401 loop: $(count 0199990009) lookups"

# short-lived tokens: the answer's expiry is honoured (re-taken when past)
start_gateway ttl --token-ttl 1
write_conf "$T/kyso-ttl.conf"
expect 0 'result: +000' "$KYSO" insurance lookup --config "$T/kyso-ttl.conf" \
    --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990

# the token step fails once with HTTP 500: retried
start_gateway t500 --fault token-500-once
write_conf "$T/kyso-t500.conf"
expect 0 'result: +000' "$KYSO" insurance lookup --config "$T/kyso-t500.conf" \
    --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990
[ "$(gw_count $TK)" -eq 2 ] && pass "token step retried after 500" || fail "token 500 retry"

# other layouts: APIKey fields at the top level; refusal as HTTP 401
start_gateway flat --token-layout toplevel --auth-http-status
write_conf "$T/kyso-flat.conf"
expect 0 'result: +000' "$KYSO" insurance lookup --config "$T/kyso-flat.conf" \
    --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990
expect 5 'refused the facility account 01001_BV \(HTTP 401\)' \
    env KYSO_TEST_GW_PASSWORD=wrong "$KYSO" insurance lookup --config "$T/kyso-flat.conf" \
    --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990

# unreachable: a port nobody listens on (taken from a gateway we stop)
start_gateway gone
write_conf "$T/kyso-gone.conf" "retries = 1"
kill "$GW_PID"
wait "$GW_PID" 2>/dev/null
expect 7 'cannot reach the gateway https://127.0.0.1:[0-9]+ .*\(2 tries\); check the network and the gateway URL, or try again later' \
    "$KYSO" insurance lookup --config "$T/kyso-gone.conf" \
    --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990

# slow: the answer takes 5 s, the client waits 1 s per try (2 tries + 0.5 s):
# exits 7 well before the gateway would answer; `timeout` bounds a hang.
expect 7 'did not answer in time \(timeout 1.000 s.*\(2 tries\); check the network and the gateway URL, or try again later' \
    timeout 30 "$KYSO" insurance lookup --config "$T/kyso.conf" --timeout 1 --retries 1 \
    --ma-the 0199990001 --name "Người Lỗi Mạng" --dob 01/01/1980

done_testing
