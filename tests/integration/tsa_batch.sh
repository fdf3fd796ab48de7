#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso sign --tsa URL with many files: the batch keeps its connections to the
# time-stamp server open (a handful for 50 files, not one per file), has
# several requests in flight at once (a server that answers only once 4 are
# waiting), one request per file; and a server that fails in the middle of a
# batch (HTTP 500 from its Nth request on) stops it as a failure does: exit 7
# and the server's message, the files signed are a run from the first one,
# each complete and valid (kyso verify, openssl cms -verify), nothing for the
# files after it, no temporary file.  The server is tests/pkisrv/pkisrv.py,
# whose counters (GET /stats) are the referee.  No timing is asserted.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/tsa_lib.sh"
tsa_signer
start_pkisrv

tsa_files 50 'Văn bản số %d/QĐ-UBND'
tsa_stats reset >/dev/null

# ---- 50 files: a few kept connections, one request per file -------------------------------
expect 0 "50 files signed by" S --tsa "$PKISRV/ok" f*.txt
tsa_stats reset >/dev/null
[ "$(tsa_stat requests)" = 50 ] && pass "one time-stamp request per file" ||
    fail "$(tsa_stat requests) requests for 50 files"
c=$(tsa_stat connections)
[ "$c" -ge 1 ] && [ "$c" -le 8 ] && pass "50 files on $c connections (kept open, at most 8)" ||
    fail "50 files on $c connections"
[ "$(tsa_stat max_inflight)" -le 8 ] && pass "at most 8 requests in flight" ||
    fail "$(tsa_stat max_inflight) requests in flight"
n=$(V f*.txt.p7s 2>&1 | grep -Ec 'PASSED +signature_timestamp')
[ "$n" = 50 ] && pass "50 signatures with a time-stamp, verified" || fail "$n verified with a time-stamp"
expect 0 "Verification successful" openssl cms -verify -binary -inform DER -in f49.txt.p7s \
    -content f49.txt -CAfile "$P/root.pem" -purpose any -out /dev/null

# ---- several requests in flight: a server that answers once 4 wait ------------------------
# (one request at a time, or two, would wait for the gate until the server's 503)
rm -f ./*.p7s
expect 0 "20 files signed by" S --tsa "$PKISRV/gate/4" f0*.txt f1*.txt
tsa_stats reset >/dev/null
[ "$(tsa_stat max_inflight)" -ge 4 ] && pass "$(tsa_stat max_inflight) requests in flight at once" ||
    fail "at most $(tsa_stat max_inflight) requests in flight"
[ "$(ls ./*.p7s | wc -l)" -eq 20 ] && pass "20 signatures" || fail "$(ls ./*.p7s | wc -l) signatures"

# ---- the server fails from its 15th request on: the batch stops there ---------------------
rm -f ./*.p7s
S --tsa "$PKISRV/fail-from/15" f*.txt > "$T/out" 2> "$T/err"
rc=$?
[ "$rc" = 7 ] && pass "a server that fails mid-batch: exit 7" || fail "exit $rc, expected 7"
tail -1 "$T/err" | grep -q "^kyso sign: the time-stamp server $PKISRV/fail-from/15 answered HTTP 500; check the URL, or try again later$" &&
    pass "the server's failure is the message" || fail "stderr: $(cat "$T/err")"
# the outputs: f00 .. f(k-1), nothing after; k <= 14 (14 answers were granted)
k=0
while [ -e "f$(printf %02d "$k").txt.p7s" ]; do k=$((k + 1)); done
after=$(ls ./*.p7s 2>/dev/null | wc -l)
[ "$after" -eq "$k" ] && pass "the signed files are the first $k, none after a gap" ||
    fail "$after signatures, but not f00..: $(ls ./*.p7s | tr '\n' ' ')"
[ "$k" -le 14 ] && pass "$k files signed before the failure (at most 14)" || fail "$k files signed"
left=$(ls -A | grep -v '^f[0-9][0-9]\.txt\(\.p7s\)\{0,1\}$' | tr '\n' ' ')
[ -z "$left" ] && pass "no temporary file left" || fail "left: $left"
# what kyso sign says it did: exactly those files
[ "$(grep -c ' -> ' "$T/out")" -eq "$k" ] && pass "stdout lists the $k files signed" ||
    fail "stdout: $(cat "$T/out")"
if [ "$k" -gt 0 ]; then
	grep -q "^kyso sign: $k of 50 files signed (complete signatures); the others were not$" \
	    "$T/err" && pass "stderr: $k of 50 files signed" || fail "stderr: $(cat "$T/err")"
	n=$(V ./*.p7s 2>&1 | grep -Ec 'PASSED +signature_timestamp')
	[ "$n" = "$k" ] && pass "the $k signatures are time-stamped and valid" || fail "$n of $k verified"
	bad=0
	for f in ./*.p7s; do
		openssl cms -verify -binary -inform DER -in "$f" -content "${f%.p7s}" \
		    -CAfile "$P/root.pem" -purpose any -out /dev/null 2>/dev/null || bad=$((bad + 1))
	done
	[ "$bad" = 0 ] && pass "openssl cms -verify accepts the $k signatures" ||
	    fail "$bad rejected by openssl"
fi
tsa_stats reset >/dev/null
[ "$(tsa_stat requests)" -le 30 ] && pass "the batch stopped asking: $(tsa_stat requests) requests for 50 files" ||
    fail "$(tsa_stat requests) requests for 50 files after a failure"
# a server that fails at once: nothing signed, nothing listed
rm -f ./*.p7s
S --tsa "$PKISRV/fail-from/1" f00.txt f01.txt f02.txt > "$T/out" 2> "$T/err"
rc=$?
[ "$rc" = 7 ] && [ ! -s "$T/out" ] && [ -z "$(ls ./*.p7s 2>/dev/null)" ] &&
    pass "a server failing from the first request: exit 7, nothing signed" ||
    fail "exit $rc; stdout: $(cat "$T/out"); $(ls ./*.p7s 2>/dev/null)"
done_testing
