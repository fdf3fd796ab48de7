#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# No PC/SC service: kyso card list / read exit 4 with a message naming the
# fix.  The pcscd of the machine is left alone: the client is pointed at a
# socket nobody listens on (PCSCLITE_CSOCK_NAME, PCSC-lite's client setting).
. "$top_srcdir/tests/integration/lib.sh"

PCSCLITE_CSOCK_NAME=$T/no-pcscd.comm
export PCSCLITE_CSOCK_NAME
MRZ='IDVNM1900123457001190012345<<8
9003152F3003150VNM<<<<<<<<<<<0
NGUYEN<<THI<HONG<NHUNG<<<<<<<<'
export MRZ

expect 4 'the PC/SC service is not running: start pcscd' "$KYSO" card list
expect 4 'the PC/SC service is not running: start pcscd' "$KYSO" card list --wait 1
expect 4 'the PC/SC service is not running: start pcscd' "$KYSO" card read --mrz-source env:MRZ
"$KYSO" card read --mrz-source env:MRZ --json >"$T/out.json" 2>/dev/null
rc=$?
[ $rc -eq 4 ] && pass "--json: exit 4" || fail "--json: exit $rc"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$T/out.json" <<'PY' && pass "--json: one error object" || fail "--json error object"
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(d) == ["error", "schema"] and d["schema"] == 1 and d["error"]["exit"] == 4
assert "start pcscd" in d["error"]["message"]
PY
fi
# A card key given on the command line is wiped from it at once: while kyso
# waits for a PC/SC service that never answers, ps and /proc/PID/cmdline show
# the options without their values.
if command -v python3 >/dev/null 2>&1; then
	python3 - "$KYSO" "$T/hang.comm" <<'PY' && pass "card key values wiped from the command line" ||
import os, socket, subprocess, sys, time
kyso, sock = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock)
srv.listen(1)       # accepts, never answers
env = dict(os.environ, PCSCLITE_CSOCK_NAME=sock)
p = subprocess.Popen([kyso, "card", "read", "--id", "001190012345", "--dob", "900315",
                      "--expiry", "300315"], env=env, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
try:
    srv.settimeout(20)
    conn, _ = srv.accept()          # the options are parsed; kyso waits for the answer
    seen = open("/proc/%d/cmdline" % p.pid, "rb").read()
    args = seen.split(b"\0")
    assert b"--id" in args and b"--dob" in args, args
    for secret in (b"001190012345", b"900315", b"300315"):
        assert secret not in seen, (secret, args)
finally:
    p.kill()
    p.wait()
PY
	    fail "card key values still on the command line"
fi
# the MRZ as scanners and people give it (CR line ends, blank lines, spaces
# around lines, lower case) is accepted: the key is made and the card looked
# for (4 here); a misread character still fails its check digit (3)
L1='IDVNM1900123457001190012345<<8'
L2='9003152F3003150VNM<<<<<<<<<<<0'
L3='NGUYEN<<THI<HONG<NHUNG<<<<<<<<'
for form in cr crlf blank spaces lower; do
	case $form in
	cr) MRZ2=$(printf '%s\r%s\r%s\r' "$L1" "$L2" "$L3") ;;
	crlf) MRZ2=$(printf '%s\r\n%s\r\n%s\r\n' "$L1" "$L2" "$L3") ;;
	blank) MRZ2=$(printf '\n%s\n\n%s\n\n%s\n' "$L1" "$L2" "$L3") ;;
	spaces) MRZ2=$(printf '  %s \n\t%s\n %s  ' "$L1" "$L2" "$L3") ;;
	lower) MRZ2=$(printf '%s\n%s\n%s' "$L1" "$L2" "$L3" | tr 'A-Z' 'a-z') ;;
	esac
	export MRZ2
	expect 4 'the PC/SC service is not running' "$KYSO" card read --mrz-source env:MRZ2
done
MRZ2=$(printf '%s\r%s\r%s\r' "$L1" "$(echo "$L2" | sed 's/^900315/900316/')" "$L3")
expect 3 'date of birth check digit is wrong' "$KYSO" card read --mrz-source env:MRZ2
expect 4 'the PC/SC service is not running' "$KYSO" card read --mrz "$(printf '%s\r%s\r%s' "$L1" "$L2" "$L3")"
# usage errors come before the card: 3 even without PC/SC
expect 3 'no card key' "$KYSO" card read
expect 3 'unknown subcommand' "$KYSO" card frobnicate
expect 3 '--wait takes whole seconds' "$KYSO" card read --wait soon --mrz-source env:MRZ
# --json: a command line that does not parse answers with one JSON object too
# (exit 3), whichever comes first, the bad option or --json
jusage() {
	_re=$1; shift
	"$KYSO" card "$@" >"$T/u.json" 2>"$T/u.err"
	_rc=$?
	[ $_rc -eq 3 ] && pass "card $* -> 3" || fail "card $*: exit $_rc, expected 3"
	grep -Eq -- "$_re" "$T/u.err" && pass "card $*: message" || fail "card $*: stderr $(cat "$T/u.err")"
	command -v python3 >/dev/null 2>&1 || return 0
	python3 - "$T/u.json" "$_re" <<'PY' && pass "card $*: one JSON error object" ||
import json, re, sys
d = json.load(open(sys.argv[1]))
assert sorted(d) == ["error", "schema"] and d["schema"] == 1 and d["error"]["exit"] == 3
assert re.search(sys.argv[2], d["error"]["message"])
PY
	    { fail "card $*: JSON on stdout"; sed 's/^/    | /' "$T/u.json"; }
}
jusage "unexpected argument 'extra'" read --json --mrz-source env:MRZ extra
jusage 'give one dump directory' verify --json
jusage 'give one dump directory' verify "$T/a" "$T/b" --json
jusage "unexpected argument 'extra'" list --json extra
jusage '--wait takes whole seconds' read --json --wait soon --mrz-source env:MRZ
jusage '--wait takes whole seconds' list --wait soon --json
jusage 'unknown option or missing argument: --bogus' read --bogus --json
jusage 'unknown option or missing argument: --frob' verify --json --frob "$T/a"
# --issue-date only orders expiry candidates: refused where it would be ignored
expect 3 '--issue-date orders the expiry candidates.*not go with --expiry or --doc-number' \
    "$KYSO" card read --id 001190012345 --dob 15/03/1990 --expiry 15/03/2030 --issue-date 01/01/2021
expect 3 '--issue-date orders the expiry candidates' "$KYSO" card read --doc-number 190012345 \
    --dob 900315 --expiry 300315 --issue-date 01/01/2021
expect 3 '--issue-date orders the expiry candidates' "$KYSO" card read \
    --qr '001190012345||Nguyen|15031990|Nu|HN|01012021' --expiry 300315 --issue-date 01/01/2021
# trust files that cannot be opened: the option, the name, the cause and the fix
# (before any card: also without PC/SC), in the JSON error object too
mkdir -p "$T/dump"
expect 6 "^kyso card: --csca $T/none.pem: No such file or directory; give a CSCA certificate file or directory$" \
    "$KYSO" card verify "$T/dump" --csca "$T/none.pem"
expect 6 "^kyso card: --master-list $T/none.ml: No such file or directory; give an ICAO master list file$" \
    "$KYSO" card verify "$T/dump" --master-list "$T/none.ml" --ml-signer-anchor /dev/null
expect 6 "^kyso card: --ml-signer-anchor $T/none.pem: No such file or directory; give the certificate that signs the master lists$" \
    "$KYSO" card verify "$T/dump" --master-list /dev/null --ml-signer-anchor "$T/none.pem"
expect 6 '"message": "--csca [^"]*none.pem: No such file or directory; give a CSCA certificate file or directory"' \
    "$KYSO" card verify --json "$T/dump" --csca "$T/none.pem"
expect 6 "^kyso card: --csca $T/none.pem: No such file or directory; give a CSCA certificate" \
    "$KYSO" card read --mrz-source env:MRZ --csca "$T/none.pem"
expect 0 'usage: kyso card list' "$KYSO" card --help
expect 0 '--mrz-source SRC' "$KYSO" card read --help
done_testing
