#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Ctrl-C (SIGINT) and SIGTERM while kyso insurance lookup waits for a gateway
# that does not answer (the stand-in's "slow" fault, far longer than the bound
# below; timeout 60 s and 2 retries would keep kyso for minutes): kyso ends at
# once, by the signal (exit 128 + signal), with one line saying the lookup was
# abandoned; with --json, exactly one object with that exit status.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

start_gateway main --slow-seconds 300
write_conf "$T/kyso.conf" "retries = 2"
sed -i 's/^timeout = .*/timeout = 60/' "$T/kyso.conf"
RUN="python3 $(cd "$top_srcdir" && pwd)/tests/integration/interrupt_run.py"

# interrupted SIG EXPECTED-REGEX [lookup options]: a slow lookup interrupted
interrupted() {
	_sig=$1 _re=$2
	shift 2
	: > "$GW_LOG"        # (the pattern is looked for in this run's lines)
	_r=$($RUN --signal "$_sig" --log "$GW_LOG" --pattern "\"slow\"" --bound 10 \
	    --out "$T/out" --err "$T/err" -- "$KYSO" insurance lookup --config "$T/kyso.conf" \
	    --ma-the 0199990001 --name "Người Lỗi Mạng" --dob 01/01/1980 "$@")
	case $_sig in INT) _code=130 ;; TERM) _code=143 ;; esac
	if [ "$_r" != "exit $_code" ]; then
		fail "SIG$_sig during a slow lookup: $_r, expected exit $_code"
		sed 's/^/    | /' "$T/err" | head -5
		return 1
	fi
	pass "SIG$_sig during a slow lookup: ends by the signal (exit $_code), within the bound"
	if [ "$(grep -c . "$T/err")" -eq 1 ] && grep -Eq "$_re" "$T/err"; then
		pass "SIG$_sig: one line: $(cat "$T/err")"
	else
		fail "SIG$_sig: stderr is not one line matching /$_re/"
		sed 's/^/    | /' "$T/err" | head -5
	fi
}

interrupted INT '^kyso insurance: interrupted \(SIGINT\) while waiting for the gateway https://127\.0\.0\.1:[0-9]+: the lookup was abandoned, no answer was taken$'
[ ! -s "$T/out" ] && pass "nothing on stdout" || fail "stdout: $(head -3 "$T/out")"
interrupted TERM 'interrupted \(SIGTERM\) while waiting for the gateway'
interrupted INT 'interrupted \(SIGINT\)' --json
if json_check "$T/out" 'd["ok"] is False and d["exit"] == 130 and "interrupted (SIGINT)" in d["error"] and d["status"] == "failed"' >"$T/jc" 2>&1; then
	pass "--json: one object, exit 130, the interruption as the error"
else
	fail "--json: $(cat "$T/jc")"
fi
# one try only: the retries are not made after the interruption (the last run's log)
sleep 1
[ "$(gw_count /api/egw/KQNhanLichSuKCB2024)" -eq 1 ] && pass "no retry after the interruption" ||
    fail "$(gw_count /api/egw/KQNhanLichSuKCB2024) lookups after the interruption"

done_testing
