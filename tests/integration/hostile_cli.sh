#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The hostile user against what every kyso command shares (tools/main.c,
# tools/util.c): output that cannot be written (a full disk, stdout closed),
# --json usage errors, file names that are not UTF-8 in JSON, secret and
# configuration files that are not regular files.  Each case asserts the exit
# status and the message (and, for --json, exactly one object with "schema").
set -u
. "$top_srcdir/tests/integration/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
fresh_softhsm
init_token T1 12345678 123456
unset KYSO_CONF

# json CODE REGEX CMD... : exit CODE, stdout exactly one JSON object with
# "schema" and, where it has one, "exit" equal to CODE; the object (as
# Python prints it) matches REGEX.
json() {
	_want=$1 _re=$2
	shift 2
	"$@" >"$T/.j" 2>"$T/.je" </dev/null
	_got=$?
	if [ "$_got" -ne "$_want" ]; then
		fail "$* : exit $_got, expected $_want"; sed 's/^/    | /' "$T/.je" | head -5
		return 1
	fi
	if python3 - "$T/.j" "$_want" "$_re" <<'PY'; then pass "$* : one JSON object, exit $_want"
import json, re, sys
with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read()
obj, end = json.JSONDecoder().raw_decode(text)
assert text[end:].strip() == "", "more than one JSON value"
assert isinstance(obj, dict) and "schema" in obj, "no schema"
if "exit" in obj:
    assert obj["exit"] == int(sys.argv[2]), "exit member %r" % obj["exit"]
assert re.search(sys.argv[3], json.dumps(obj, ensure_ascii=False)), "no match"
PY
	else
		fail "$* : stdout is not one JSON object with schema, exit $_want, /$_re/"
		sed 's/^/    | /' "$T/.j" | head -8
	fi
}

cd "$T" || exit 1

# ---- output that cannot be written: exit 7 with the cause, never 0 ---------------
expect 7 "^kyso token: cannot write the output: No space left on device; free some space where the output goes$" \
    sh -c 'exec "$0" token list >/dev/full' "$KYSO"
expect 7 "^kyso token: cannot write the output: No space left on device" \
    sh -c 'exec "$0" token list --json >/dev/full' "$KYSO"
expect 7 "^kyso token: cannot write the output: Bad file descriptor; standard output is closed: redirect it to a file or /dev/null$" \
    sh -c 'exec "$0" token list >&-' "$KYSO"
expect 7 "^kyso: cannot write the output: No space left on device" sh -c 'exec "$0" --version >/dev/full' "$KYSO"
expect 7 "cannot write the output: No space left on device" \
    sh -c 'exec "$0" token list --help >/dev/full' "$KYSO"
# a run that failed keeps its own exit status (and says why it failed first)
expect 6 "cannot write the output" sh -c 'exec "$0" verify --json missing.p7s >/dev/full' "$KYSO"
# with stdout closed, a file kyso opens cannot become its stdout
printf 'x\n' > a.txt
"$KYSO" sign --key "pkcs11:token=T1;object=none" --pin-source env:NOPE a.txt >&- 2>/dev/null
[ ! -e a.txt.p7s ] && pass "stdout closed: nothing written" || fail "stdout closed: a.txt.p7s written"
# the reader that goes away: quiet
"$KYSO" token list 2>"$T/pipe.e" | head -c0
[ ! -s "$T/pipe.e" ] && pass "token list | head -c0: quiet" || fail "| head -c0: $(cat "$T/pipe.e")"

# ---- --json usage errors: one JSON object, exit 3 ---------------------------------
for cmd in "token list" "key generate" "key list" "cert show" "cert import" "cert list" \
    "insurance codes" "checkin verify"; do
	# shellcheck disable=SC2086
	json 3 '"error": "unknown option or missing argument: --bogus' "$KYSO" $cmd --json --bogus x
	# shellcheck disable=SC2086
	json 3 '"exit": 3' "$KYSO" $cmd --bogus x --json
done
# commands that print their own object carry the parser's message too, not a
# generic "bad command line", whichever comes first, the bad option or --json
for cmd in verify "card list" "card read" "card verify" reception sign "insurance lookup"; do
	# shellcheck disable=SC2086
	json 3 '"(error|message)": "unknown option or missing argument: --bogus \(see --help\)"' \
	    "$KYSO" $cmd --json --bogus x
	# shellcheck disable=SC2086
	json 3 '"(error|message)": "unknown option or missing argument: --bogus \(see --help\)"' \
	    "$KYSO" $cmd --bogus x --json
	# shellcheck disable=SC2086
	expect 3 "^kyso ${cmd%% *}: unknown option or missing argument: --bogus \\(see --help\\)$" \
	    "$KYSO" $cmd --json --bogus x
done

# ---- JSON strings that are not UTF-8: shown as \\xNN, never dropped -------------
bad=$(printf 'x\377.json')
json 6 '"file": "x\\\\xff.json"' "$KYSO" checkin verify --json "$bad"
expect 6 "^kyso checkin: x.*\\.json: No such file or directory; check the record's file name$" "$KYSO" checkin verify "$bad"
expect 6 "^kyso checkin: /dev/zero: larger than [0-9]+ bytes$" "$KYSO" checkin verify /dev/zero

# ---- secret and configuration files that are not regular files: refused, no chmod advice
TOK="pkcs11:token=T1"
expect 5 "^kyso key: the PIN.* file /dev/zero is a character device, not a regular file; keep the PIN.* in a file of your own \\(mode 600\\), or give env:NAME or fd:N$" \
    "$KYSO" key generate --token "$TOK" --pin-source file:/dev/zero --label k1 --type ec:prime256v1
mkfifo fifo
expect 5 "file fifo is a FIFO, not a regular file" \
    "$KYSO" key generate --token "$TOK" --pin-source file:fifo --label k1 --type ec:prime256v1
expect 5 "^kyso key: cannot read the PIN.* from fd:99: descriptor 99 is not open for reading; open it for kyso \\(e.g. 99<FILE\\) or use env:NAME or file:PATH$" \
    "$KYSO" key generate --token "$TOK" --pin-source fd:99 --label k1 --type ec:prime256v1
if "$KYSO" key generate --token "$TOK" --pin-source file:/dev/zero --label k1 \
    --type ec:prime256v1 2>&1 | grep -q chmod; then fail "chmod advice for /dev/zero"
else pass "no chmod advice for /dev/zero"; fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
GWPW=secret
export GWPW
IL() {
	"$KYSO" insurance lookup --ma-the GD4797920000001 --name "Nguyễn Văn A" \
	    --dob 01/01/1990 --gateway "https://127.0.0.1:$port" --username 01001_BV \
	    --staff-name "Lê Thị B" --staff-id 001190012345 \
	    --connect-timeout 2 --timeout 2 --retries 0 "$@"
}
expect 3 "^kyso insurance: the configuration file /dev/null is a character device, not a regular file; name a regular file$" \
    IL --password-source env:GWPW --config /dev/null
expect 3 "the configuration file fifo is a FIFO, not a regular file" IL --password-source env:GWPW --config fifo
expect 3 "the configuration file \\. is a directory, not a regular file" IL --password-source env:GWPW --config .
IL --password-source env:GWPW --config /dev/null 2>&1 | grep -q chmod &&
    fail "chmod advice for /dev/null" || pass "no chmod advice for /dev/null"
expect 3 "the configuration file /dev/null is a character device" sh -c \
    'KYSO_CONF=/dev/null exec "$0" sign --key "pkcs11:token=T1;object=x" --pin-source env:PIN a.txt' "$KYSO"

# ---- messages: the cause, once --------------------------------------------------------
expect 6 "^kyso insurance: cannot read the card data \\.: Is a directory$" \
    "$KYSO" insurance lookup --from . --gateway "https://127.0.0.1:$port" --username 01001_BV \
    --password-source env:GWPW --staff-name B --staff-id 001190012345
IL --json --password-source env:NOPE > "$T/pw.j" 2> "$T/pw.e"
rc=$?
if [ "$rc" -eq 5 ] && [ "$(wc -l < "$T/pw.e")" -eq 1 ] &&
    grep -q '^kyso insurance: the gateway password source env:NOPE is not set$' "$T/pw.e" &&
    grep -q '"error": "the gateway password source env:NOPE is not set"' "$T/pw.j"; then
	pass "--json, a password source not set: exit 5, one stderr line, the same error in JSON"
else
	fail "--json env:NOPE: exit $rc, $(cat "$T/pw.e")"
fi

# ---- JSON of strings that are not UTF-8: token list --module -------------------------
mod=$(printf 'm\377.so')
json 6 '"error": "m\\\\xff[.]so is not a PKCS#11 module' "$KYSO" token list --json --module "$mod"

# ---- numbers on the command line: whole decimals in range, nothing else (kyso_parse_uint)
for v in 0 1001 +5 " 5" 5x -1 "" 99999999999999999999999; do
	expect 3 "^kyso key: --count takes 1 to 1000$" "$KYSO" key test \
	    --key "pkcs11:token=T1;object=k" --count "$v"
done
# (the value in the message, as a regular expression)
re_of() { printf '%s' "$1" | sed 's/[+.]/\\&/g'; }
for v in -1 86401 +1 " 1" 1s ""; do
	expect 3 "^kyso card: --wait takes whole seconds \\(0\\.\\.86400\\), not '$(re_of "$v")'$" \
	    "$KYSO" card list --wait "$v"
done
for v in 0 1000001 +2 2.0; do
	expect 3 "^kyso reception: --max-patients takes a number from 1 to 1000000, not '$(re_of "$v")'$" \
	    "$KYSO" reception --loop --max-patients "$v"
done
for v in 0 5 +2 2x; do
	expect 3 "^kyso sign: --sessions takes 1 to 4 \\(token sessions signing at once\\)$" \
	    "$KYSO" sign --key "pkcs11:token=T1;object=k" --sessions "$v" a.txt
done

done_testing
