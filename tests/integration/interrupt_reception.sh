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
said "^kyso reception: interrupted \(SIGTERM\) while the record was being signed and time-stamped: the check-in record was NOT written$"
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

# ---- a signal while the record is being signed (the gateway has answered) -------------
# The test PKCS#11 module around SoftHSM (token_p11shim.c, KYSO_SHIM_SIGN_WAIT) holds the
# record's signature until kyso has taken the signal: so it lands after the card read
# and the lookup, inside the signing.  Without a time-stamp server the record is
# finished - whole, signed, valid - and that is said; with one, the time-stamp request
# is abandoned and nothing is written.  Never a half-written record or a temporary file.
# stalled DIR ARGS...: kyso reception (the facility key through the stalling module,
# records in DIR) under interrupt_run, the signal sent once C_Sign waits
stalled() {
	_dir=$1; shift
	: > "$T/stall.log"
	mkdir -p -m 700 "$_dir"
	r=$(KYSO_SHIM_SIGN_WAIT=1 KYSO_SHIM_LOG=$T/stall.log $RUN --log "$T/stall.log" \
	    --pattern '^sign waits' --bound 20 --out "$T/out" --err "$T/err" "$@" -- \
	    "$KYSO" reception --config "$T/kyso.conf" --sign-key "$FKEY" --sign-module "$T/shim.so" \
	    --pin-source env:PIN --chain "$T/pki/chain.pem" --record-dir "$_dir" \
	    --reader "$CARD_READER" --csca "$T/pki/csca.pem" --no-default-csca $STALL_ARGS)
}
# whole DIR WHAT: DIR holds exactly one record, its signature and its photo, and the
# record verifies (kyso checkin verify, openssl cms as referee)
whole() {
	_files=$(cd "$1" && ls -A | LC_ALL=C sort | tr '\n' ' ')
	case $_files in
	*.jpg\ *.json\ *.json.p7s\ ) [ "$(echo "$_files" | wc -w)" -eq 3 ] &&
	    pass "$2: one record, its signature and photo, no temporary file" ||
	    fail "$2: $_files" ;;
	*) fail "$2: $_files" ;;
	esac
	_rec=$(ls "$1"/*.json)
	expect 0 "TOTAL-PASSED" cverify "$_rec"
	expect 0 'Verification successful' ossl_verify "$_rec"
	json_check "$_rec" 'd["outcome"] == "covered" and d["lookup"]["result"]["code"] == "000"' &&
	    pass "$2: the record holds the gateway's answer" || fail "$2: record content"
}
if build_shim; then
	STALL_ARGS="--mrz-source env:MRZ"
	stalled "$T/signed" --signal INT
	ran INT 130 "while the record is being signed"
	said '^kyso reception: interrupted \(SIGINT\) once the visit was done: its check-in record is complete$'
	grep -q '^Outcome: *covered$' "$T/out" && grep -q '^Record: *.*\.json$' "$T/out" &&
	    pass "the desk summary shows the record" || fail "summary: $(cat "$T/out")"
	whole "$T/signed" "SIGINT while signing"

	# with a time-stamp server: its request is abandoned, no record
	start_pkisrv
	STALL_ARGS="--mrz-source env:MRZ --tsa $PKISRV/ok"
	stalled "$T/stamped" --signal TERM
	ran TERM 143 "while the record is being signed, before its time-stamp"
	said '^kyso reception: interrupted \(SIGTERM\) while the record was being signed and time-stamped: the check-in record was NOT written$'
	_left=$(ls -A "$T/stamped" | tr '\n' ' ')
	[ -z "$_left" ] && pass "SIGTERM before the time-stamp: no record and no temporary file" ||
	    fail "SIGTERM before the time-stamp: left: $_left"

	# --loop: the patient's record is finished, then the session ends cleanly
	STALL_ARGS="--loop --qr-source file:$T/qr.txt"
	stalled "$T/looped" --signal INT
	ran INT 0 "while a --loop record is being signed"
	said '^kyso reception: session ended \(SIGINT\): 1 card, 1 record written$'
	whole "$T/looped" "SIGINT while signing in --loop"
else
	echo "# the stalling PKCS#11 module cannot be built here: signal-while-signing not tested"
fi

done_testing
