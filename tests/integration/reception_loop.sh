#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso reception --loop: patient after patient with one token login and one
# gateway password read, the QR text of each patient from the scanner (a FIFO,
# one line per card).  Cards come and go (vcard started and stopped between
# patients): a covered patient, a patient whose lookup hits an HTTP 500, a card
# the QR key does not open, a card pulled out mid-read, and a covered patient
# again - the session survives them all, writes a record for every verified
# read (never claiming coverage it did not get), and stops cleanly on SIGTERM.
# Then: --qr-source fd:N (one line per card, the session ends with the source),
# a QR file the scanner must rewrite for each card, --max-patients.
. "$top_srcdir/tests/integration/reception_lib.sh"

facility_token
make_card "$T/a"
make_card "$T/b" -s id=079190055555 -s "full_name=Đặng Văn Lạ"
QR_A=$(. "$T/a/card.env"; printf '%s' "$CARD_QR")
QR_B=$(. "$T/b/card.env"; printf '%s' "$CARD_QR")
case $QR_A in 001190012345\|*) pass "card A's QR text" ;; *) fail "card A's QR: $QR_A"; done_testing ;; esac
case $QR_B in 079190055555\|*) pass "card B's QR text" ;; *) fail "card B's QR: $QR_B"; done_testing ;; esac
# the gateway knows B, but its lookups fail with HTTP 500
cat > "$T/b-registry.json" <<'EOF'
{"people": [{"maThe": ["079190055555"], "hoTen": "Đặng Văn Lạ", "ngaySinh": "15/03/1990",
             "fault": "500"}]}
EOF
start_gateway main --registry "$top_srcdir/tests/gateway/registry.json" \
    --registry "$T/b-registry.json"
write_conf "$T/kyso.conf" "retries = 0"
TK=/api/token/take

# wait_for WHAT COMMAND...: poll (up to 60 s) until COMMAND succeeds
wait_for() {
	_what=$1
	shift
	_i=0
	while ! "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ]; then
			fail "timed out waiting for: $_what"
			sed 's/^/    | /' "$T/loop.err" | tail -20
			kill "$LOOP" 2>/dev/null
			done_testing
		fi
		sleep 0.2
	done
	pass "$_what"
}
records_are() { [ "$(nrecords)" -eq "$1" ]; }
said() { [ "$(grep -c -- "$1" "$T/loop.err")" -ge "$2" ]; }
scan() { printf '%s\n' "$1" > "$T/qr"; }

# no desk outlives the test
trap 'kill $LOOP 2>/dev/null; for _p in $_gw_pids; do kill "$_p" 2>/dev/null; done
    card_stop >/dev/null 2>&1; rm -rf "$T"' EXIT
LOOP=
mkfifo "$T/qr"
card_start "$T/a" normal
# the PIN crosses a pipe once: a second login would find it empty
printf '%s\n' "$PIN" > "$T/pin.txt"
(DESK_EXEC=1; desk_nokey --loop --qr-source "file:$T/qr" --json --pin-source fd:4) \
    4<"$T/pin.txt" >"$T/loop.out" 2>"$T/loop.err" &
LOOP=$!
wait_for "the desk is ready" said 'ready: insert a patient' 1
# 1: A, covered
scan "$QR_A"
wait_for "patient 1 recorded" records_are 1
card_remove
wait_for "card 1 taken out" said 'card taken out' 1
# 2: B, the gateway answers HTTP 500: recorded as a failed lookup
card_start "$T/b" normal
scan "$QR_B"
wait_for "patient 2 recorded" records_are 2
card_remove
wait_for "card 2 taken out" said 'card taken out' 2
# 3: A with B's QR text: the key does not open the card - reported, no record
card_start "$T/a" normal
scan "$QR_B"
wait_for "patient 3 reported" said 'patient 3: exit 5, no record' 1
card_remove
wait_for "card 3 taken out" said 'card taken out' 3
# 4: A pulled out in the middle of the read - reported, no record
card_start "$T/a" remove-after=8
scan "$QR_A"
wait_for "patient 4 reported" said 'patient 4: exit 4, no record' 1
card_remove
wait_for "card 4 taken out" said 'card taken out' 4
# 5: A again, covered
card_start "$T/a" normal
scan "$QR_A"
wait_for "patient 5 recorded" records_are 3
kill -TERM "$LOOP"
wait "$LOOP"
rc=$?
[ "$rc" -eq 0 ] && pass "SIGTERM: the session ends cleanly (exit 0)" || fail "exit $rc after SIGTERM"
grep -q 'session ended (SIGTERM): 5 cards, 3 records written' "$T/loop.err" &&
    pass "session summary" || { fail "session summary"; tail -5 "$T/loop.err"; }
grep -q 'the card was removed during the read' "$T/loop.err" && pass "removal reported" ||
    fail "removal not reported"
[ "$(gw_count $TK)" -eq 1 ] && pass "one gateway token for the session (password read once)" ||
    fail "$(gw_count $TK) token requests"
grep -q 'empty PIN' "$T/loop.err" && fail "the token was logged in again" ||
    pass "one token login for three records"
[ "$(unsigned)" -eq 0 ] && pass "every record has its signature" || fail "unsigned records"
# --json: one line per patient - the records, and the failures as error objects
python3 - "$T/loop.out" <<'EOF' && pass "--json: one object per patient" || { fail "--json lines"; cat "$T/loop.out" | cut -c1-200; }
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(lines) == 5, len(lines)
assert [l.get("outcome") for l in lines] == ["covered", "lookup_failed", None, None, "covered"], \
    [l.get("outcome") for l in lines]
assert lines[1]["lookup"]["error"]["code"] == "http" and lines[1]["lookup"]["result"] is None
assert lines[1]["card"]["holder"]["full_name"] == "Đặng Văn Lạ"
assert lines[2]["error"]["exit"] == 5 and lines[3]["error"]["exit"] == 4
assert all(l["schema"] == 1 for l in lines)
EOF
for r in "$T"/records/*.json; do
	expect 0 'TOTAL-PASSED' cverify "$r"
done

# ---- fd:N: one line per card; the session ends with the source --------------
# (card A is still in the reader)
printf '%s\n' "$QR_A" > "$T/lines"
n=$(nrecords)
(DESK_EXEC=1; desk_nokey --loop --qr-source fd:3) 3<"$T/lines" >"$T/fd.out" 2>"$T/fd.err" &
LOOP=$!
wait_for "fd: patient 1 recorded" records_are $((n + 1))
card_remove
card_start "$T/a" normal
wait "$LOOP"
rc=$?
[ "$rc" -eq 0 ] && grep -q 'the QR source fd:3 has ended' "$T/fd.err" &&
    grep -q 'session ended (the QR source ended): 1 card, 1 record written' "$T/fd.err" &&
    pass "fd:N: one line per card, the session ends with the source" ||
    { fail "fd:N session (exit $rc)"; tail -5 "$T/fd.err"; }

# ---- a QR file the scanner rewrites: a stale one is refused ---------------------
(umask 077; printf '%s\n' "$QR_A" > "$T/qr.txt")
n=$(nrecords)
(DESK_EXEC=1; desk_nokey --loop --qr-source "file:$T/qr.txt" --max-patients 2) \
    >"$T/file.out" 2>"$T/file.err" &
LOOP=$!
wait_for "file: patient 1 recorded" records_are $((n + 1))
card_remove
card_start "$T/a" normal
wait "$LOOP"
rc=$?
[ "$rc" -eq 0 ] && grep -q 'was not rewritten since the previous card' "$T/file.err" &&
    grep -q 'session ended (--max-patients reached): 2 cards, 1 record written' "$T/file.err" &&
    [ "$(nrecords)" -eq $((n + 1)) ] &&
    pass "a stale QR file is not used for the next card; --max-patients ends the session" ||
    { fail "QR file session (exit $rc)"; tail -5 "$T/file.err"; }

# ---- SIGINT while waiting for the scanner ----------------------------------------
(DESK_EXEC=1; desk_nokey --loop --qr-source "file:$T/qr") >"$T/int.out" 2>"$T/int.err" &
LOOP=$!
wait_for "SIGINT: the desk is ready" grep -q 'ready: insert' "$T/int.err"
sleep 1
kill -INT "$LOOP"
wait "$LOOP"
rc=$?
[ "$rc" -eq 0 ] && grep -q 'session ended (SIGINT): 0 cards, 0 records written' "$T/int.err" &&
    pass "SIGINT while waiting for a QR line: the session ends cleanly" ||
    { fail "SIGINT (exit $rc)"; tail -3 "$T/int.err"; }

# ---- usage -----------------------------------------------------------------------
expect 3 'in --loop each card needs its own key' desk --loop
expect 3 'in --loop each card needs its own key' desk_nokey --loop --qr-source env:QR
expect 3 'not a FIFO or a regular file' desk_nokey --loop --qr-source "file:$T"

done_testing
