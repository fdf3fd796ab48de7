#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Ctrl-C (SIGINT) and SIGTERM while kyso reception waits for a server that does
# not answer: the gateway (its "slow" fault for every lookup, longer than the
# bound below) or the time-stamp server (one of this test's own that takes the
# request and never answers).  kyso ends at once, by the signal, says so in one
# line, and writes no record (none may claim a lookup that was abandoned) and
# leaves no temporary file; one patient and --loop alike.  Temporary files a
# desk killed outright left (a record's, a photo's) are removed by the next
# session; look-alikes, young files and links are not.
. "$top_srcdir/tests/integration/reception_lib.sh"

facility_token
make_card "$T/card"
MRZ=$(cat "$T/card/mrz.txt")
export MRZ
QR=$(. "$T/card/card.env"; printf '%s' "$CARD_QR")
(umask 077; printf '%s\n' "$QR" > "$T/qr.txt")
start_gateway slow --fault slow --slow-seconds 300
SLOW_LOG=$GW_LOG
write_conf "$T/slow.conf" "retries = 2"
start_gateway main
write_conf "$T/kyso.conf" "retries = 0"
card_start "$T/card" normal
RUN="python3 $(cd "$top_srcdir" && pwd)/tests/integration/interrupt_run.py"
mkdir -m 700 "$T/records"

# ran SIG CODE DESCRIPTION: the result of interrupt_run (in $r) is exit CODE
ran() {
	if [ "$r" = "exit $2" ]; then
		pass "SIG$1 $3: ends by the signal (exit $2), within the bound"
	else
		fail "SIG$1 $3: $r, expected exit $2"
		sed 's/^/    | /' "$T/err" | head -8
	fi
}
said() {
	grep -Eq -- "$1" "$T/err" && pass "said: $1" ||
	    { fail "not said: $1"; sed 's/^/    | /' "$T/err" | head -8; }
}
nothing_left() {
	_left=$(ls -A "$T/records" | tr '\n' ' ')
	[ -z "$_left" ] && pass "$1: no record and no temporary file" || fail "$1: left: $_left"
}

# ---- one patient, the lookup abandoned ------------------------------------------------
: > "$SLOW_LOG"
r=$($RUN --signal INT --log "$SLOW_LOG" --pattern '"slow"' --bound 10 --out "$T/out" \
    --err "$T/err" -- "$KYSO" reception --config "$T/slow.conf" --sign-key "$FKEY" \
    --pin-source env:PIN --chain "$T/pki/chain.pem" --record-dir "$T/records" \
    --reader "$CARD_READER" --csca "$T/pki/csca.pem" --no-default-csca --mrz-source env:MRZ)
ran INT 130 "during the lookup"
said '^kyso reception: interrupted \(SIGINT\) before the check-in record was written: no record for this patient$'
[ "$(grep -c . "$T/err")" -eq 1 ] && pass "one line on stderr" || fail "stderr: $(cat "$T/err")"
grep -q '^Outcome: *INTERRUPTED (not recorded)$' "$T/out" && grep -q '^Record: *NOT WRITTEN$' "$T/out" &&
    pass "the desk summary says it was not recorded" || fail "summary: $(cat "$T/out")"
nothing_left "SIGINT during the lookup"

# --json: one line, the error object with the exit status
: > "$SLOW_LOG"
r=$($RUN --signal TERM --log "$SLOW_LOG" --pattern '"slow"' --bound 10 --out "$T/out" \
    --err "$T/err" -- "$KYSO" reception --config "$T/slow.conf" --sign-key "$FKEY" \
    --pin-source env:PIN --chain "$T/pki/chain.pem" --record-dir "$T/records" \
    --reader "$CARD_READER" --csca "$T/pki/csca.pem" --no-default-csca --mrz-source env:MRZ --json)
ran TERM 143 "during the lookup (--json)"
json_check "$T/out" 'd["error"]["exit"] == 143 and "interrupted (SIGTERM)" in d["error"]["message"]' &&
    pass "--json: the error object, exit 143" || fail "--json: $(cat "$T/out")"
nothing_left "SIGTERM during the lookup"

# ---- one patient, the record's time-stamp abandoned -----------------------------------
# (and a temporary record file a killed desk left an hour ago: the first record
# written in the directory removes it; one of a writer at work is younger)
(umask 077; printf '{"half":' > "$T/records/.20260101-080000-0123456789ab.json.Ki11ed")
touch -d '1 hour ago' "$T/records/.20260101-080000-0123456789ab.json.Ki11ed"
# (and a photo's, removed the same way)
(umask 077; printf 'half' > "$T/records/20260101-080000-0123456789ab-2.jpg.tmpKi11ed")
touch -d '1 hour ago' "$T/records/20260101-080000-0123456789ab-2.jpg.tmpKi11ed"
r=$($RUN --signal TERM --stall --bound 10 --out "$T/out" --err "$T/err" -- \
    "$KYSO" reception --config "$T/kyso.conf" --sign-key "$FKEY" --tsa "{STALL}" \
    --pin-source env:PIN --chain "$T/pki/chain.pem" --record-dir "$T/records" \
    --reader "$CARD_READER" --csca "$T/pki/csca.pem" --no-default-csca --mrz-source env:MRZ)
ran TERM 143 "while the time-stamp server is waited for"
said "^kyso reception: interrupted \(SIGTERM\) while the record's time-stamp was asked for: the check-in record was NOT written$"
nothing_left "SIGTERM during the time-stamp request"

# ---- --loop: the session ends, the patient is not recorded ----------------------------
: > "$SLOW_LOG"
r=$($RUN --signal INT --log "$SLOW_LOG" --pattern '"slow"' --bound 10 --out "$T/out" \
    --err "$T/err" -- "$KYSO" reception --config "$T/slow.conf" --sign-key "$FKEY" \
    --pin-source env:PIN --chain "$T/pki/chain.pem" --record-dir "$T/records" \
    --reader "$CARD_READER" --csca "$T/pki/csca.pem" --no-default-csca --loop \
    --qr-source "file:$T/qr.txt")
ran INT 130 "during a --loop lookup"
said '^kyso reception: interrupted \(SIGINT\) before the check-in record was written: no record for this patient$'
said '^kyso reception: session ended \(SIGINT\): 1 card, 0 records written$'
nothing_left "SIGINT during a --loop lookup"

# ---- look-alikes of those temporary files are not the desk's to remove ---------------
for f in 20260101-080000-0123456789ab.jpg.tmpYoung1 20260101-080000-0123456789ab.pdf.tmpAb12Cd \
    20260101-080000-0123456789ab.jpg.tmpAb12C notes.jpg.tmpAb12Cd \
    .20260101-080000-0123456789ab.json.Young2; do
	(umask 077; printf 'x' > "$T/records/$f")
	case $f in *Young*) ;; *) touch -d '1 hour ago' "$T/records/$f" ;; esac
done
ln -s "$T/qr.txt" "$T/records/20260101-080000-0123456789ab.jpg.tmpLink01"
touch -h -d '1 hour ago' "$T/records/20260101-080000-0123456789ab.jpg.tmpLink01"
r=$($RUN --signal INT --stall --bound 10 --out "$T/out" --err "$T/err" -- \
    "$KYSO" reception --config "$T/kyso.conf" --sign-key "$FKEY" --tsa "{STALL}" \
    --pin-source env:PIN --chain "$T/pki/chain.pem" --record-dir "$T/records" \
    --reader "$CARD_READER" --csca "$T/pki/csca.pem" --no-default-csca --mrz-source env:MRZ)
ran INT 130 "while the time-stamp server is waited for"
left=$(ls -A "$T/records" | wc -l)
[ "$left" -eq 6 ] && pass "the look-alikes, a young file and a link are left alone" ||
    fail "$left files left: $(ls -A "$T/records" | tr '\n' ' ')"
[ -s "$T/qr.txt" ] && pass "the link's target is untouched" || fail "the link's target"

done_testing
