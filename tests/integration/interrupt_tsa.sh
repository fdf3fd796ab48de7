#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Ctrl-C (SIGINT) and SIGTERM while kyso sign --tsa waits for a time-stamp
# server that takes the request and never answers (a stand-in of this test's
# own, tests/integration/interrupt_run.py --stall; the request timeout is 30 s
# per file): kyso ends at once, by the signal, with the usual one line of an
# interrupted batch, no signature file and no temporary file left.  And the
# temporary files a killed run leaves: the next run writing that output
# removes them, and nothing else.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/tsa_lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
tsa_signer
RUN="python3 $(cd "$top_srcdir" && pwd)/tests/integration/interrupt_run.py"

mkdir "$T/d"
cd "$T/d" || exit 1
printf 'Quyết định số 7/QĐ-BYT\n' > a.txt
printf 'Tờ trình 2\n' > b.txt
printf 'Tờ trình 3\n' > c.txt

# stalled SIG CODE NAME FILES...: kyso sign --tsa (a server that never answers) FILES,
# interrupted once the request came in
stalled() {
	_sig=$1 _code=$2 _name=$3
	shift 3
	_r=$($RUN --signal "$_sig" --stall --bound 10 --out "$T/out" --err "$T/err" -- \
	    "$KYSO" sign --key "$KEY" --pin-source env:PIN --chain "$P/chain.pem" \
	    --tsa "{STALL}" "$@")
	if [ "$_r" = "exit $_code" ]; then
		pass "SIG$_sig while the time-stamp server is waited for ($*): ends by the signal, exit $_code"
	else
		fail "SIG$_sig while the time-stamp server is waited for ($*): $_r, expected exit $_code"
		sed 's/^/    | /' "$T/err" | head -5
	fi
	if [ "$(grep -c . "$T/err")" -eq 1 ] && grep -q "^kyso sign: interrupted ($_name): no other signature was made and no temporary file is left$" "$T/err"; then
		pass "SIG$_sig: one line: $(cat "$T/err")"
	else
		fail "SIG$_sig: stderr"
		sed 's/^/    | /' "$T/err" | head -5
	fi
	_left=$(ls -A "$T/d" | grep -v '^[abc]\.txt$' | tr '\n' ' ')
	[ -z "$_left" ] && pass "SIG$_sig: no signature and no temporary file left" ||
	    fail "SIG$_sig: left in the directory: $_left"
	[ ! -s "$T/out" ] && pass "SIG$_sig: nothing listed as signed" || fail "stdout: $(cat "$T/out")"
}

stalled INT 130 Interrupt a.txt
stalled TERM 143 Terminated a.txt
stalled INT 130 Interrupt a.txt b.txt c.txt
stalled TERM 143 Terminated --enveloping -o a.p7m a.txt

# a signal the process ignores (nohup, a background job) stays ignored: kyso sign
# is still waiting for the server when the bound runs out (then it is killed)
_r=$($RUN --signal TERM --ignored --stall --bound 3 --out "$T/out" --err "$T/err" -- \
    "$KYSO" sign --key "$KEY" --pin-source env:PIN --tsa "{STALL}" a.txt)
[ "$_r" = bound ] && pass "an ignored SIGTERM stays ignored during a batch" ||
    fail "an ignored SIGTERM during a batch: $_r, expected bound"
rm -f "$T/d/"*.tmp*

# ---- what a killed run (SIGKILL, a crash) leaves: the next run writing that output ------
# removes its own old temporary files; nothing else (young ones may be a run at work,
# a link is not ours, other outputs' are not this run's business)
rm -f "$T/d/"*.p7s "$T/d/"*.p7m
old() { printf 'half' > "$1"; touch -h -d '1 hour ago' "$1"; }
old a.txt.p7s.tmpAb12Cd
old a.txt.p7s.tmp000000
printf 'half' > a.txt.p7s.tmpYoung1
old b.txt.p7s.tmpAb12Cd
old a.txt.p7s.tmp12345
old a.txt.p7s.tmpAb-2Cd
printf 'mine' > "$T/precious"
ln -s "$T/precious" a.txt.p7s.tmpLink01
touch -h -d '1 hour ago' a.txt.p7s.tmpLink01
expect 0 "a.txt -> a.txt.p7s" "$KYSO" sign --key "$KEY" --pin-source env:PIN a.txt
for f in a.txt.p7s.tmpAb12Cd a.txt.p7s.tmp000000; do
	[ ! -e "$f" ] && pass "the leftover $f is removed" || fail "$f is still there"
done
for f in a.txt.p7s.tmpYoung1 b.txt.p7s.tmpAb12Cd a.txt.p7s.tmp12345 a.txt.p7s.tmpAb-2Cd \
    a.txt.p7s.tmpLink01; do
	[ -e "$f" ] || [ -L "$f" ] && pass "$f is left alone" || fail "$f was removed"
done
[ "$(cat "$T/precious")" = mine ] && pass "the link's target is untouched" || fail "the link's target"

done_testing
