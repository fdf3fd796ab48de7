#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso sign --tsa URL: signature time-stamps (CAdES-T) from a stand-in RFC 3161
# server (tests/pkisrv/pkisrv.py around `openssl ts -reply`), verified by kyso verify
# and still verifying with openssl cms; a batch; and every way the server can
# fail (unreachable, HTTP 500, not a response, a refusal, a token for another
# request): the file is not signed, with the exit status and a message.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/tsa_lib.sh"
tsa_signer

start_pkisrv
TSA=$PKISRV

mkdir "$T/d"
cd "$T/d" || exit 1
printf 'Quyết định số 7/QĐ-BYT\n' > qd.txt

# ---- time-stamped ---------------------------------------------------------------------
expect 0 "qd.txt -> qd.txt.p7s" S --tsa "$TSA/ok" qd.txt
expect 0 "PASSED +signature_timestamp +time-stamped at 20[0-9-]+T[0-9:]+Z by \"Kyso Test TSA\"" V qd.txt.p7s
expect 0 "TOTAL-PASSED" V qd.txt.p7s
grep -q '^/ok application/timestamp-query ' "$T/pkisrv.log" &&
    pass "the request went as application/timestamp-query" || fail "request: $(cat "$T/pkisrv.log")"
expect 0 "Verification successful" openssl cms -verify -binary -inform DER -in qd.txt.p7s \
    -content qd.txt -CAfile "$P/root.pem" -purpose any -out /dev/null
# the token is a signature time-stamp attribute over this signature (openssl's view)
openssl cms -cmsout -print -inform DER -in qd.txt.p7s > "$T/print.txt" 2>/dev/null
grep -q 'id-smime-aa-timeStampToken' "$T/print.txt" &&
    pass "an id-aa-signatureTimeStampToken unsigned attribute" ||
    fail "no time-stamp attribute in $(grep -c . "$T/print.txt") lines"
# enveloping too, and a batch: each file its own time-stamp
expect 0 "-> qd.p7m" S --tsa "$TSA/ok" --enveloping -o qd.p7m qd.txt
expect 0 "PASSED +signature_timestamp" V qd.p7m
printf 'Tờ trình 1\n' > a.txt
printf 'Tờ trình 2\n' > b.txt
printf 'Tờ trình 3\n' > c.txt
expect 0 "3 files signed" S --tsa "$TSA/ok" a.txt b.txt c.txt
for f in a b c; do
	expect 0 "PASSED +signature_timestamp" V "$f.txt.p7s"
done
[ "$(grep -c '^/ok ' "$T/pkisrv.log")" = 5 ] && pass "one time-stamp per signature" ||
    fail "time-stamp requests: $(grep -c '^/ok ' "$T/pkisrv.log")"
# without --tsa: none asked for, and the check says so
rm -f qd.txt.p7s
expect 0 "qd.txt -> qd.txt.p7s" S qd.txt
expect 0 "SKIPPED +signature_timestamp +no signature time-stamp" V qd.txt.p7s
rm -f qd.txt.p7s

# ---- the server fails: the file is not signed ------------------------------------------
only() { # WHAT: no qd.txt.p7s and no temporary file
	if ls -A | grep -q 'qd\.txt\.p7s'; then fail "$1: output left: $(ls -A)"
	else pass "$1: nothing written"; fi
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect 7 "^kyso sign: cannot reach the time-stamp server http://127.0.0.1:$port/ok \(.*\); check the URL and the network$" \
    S --tsa "http://127.0.0.1:$port/ok" qd.txt
only "unreachable"
expect 7 "the time-stamp server $TSA/500 answered HTTP 500; check the URL, or try again later" \
    S --tsa "$TSA/500" qd.txt
only "HTTP 500"
expect 6 "answered something that is not a time-stamp response \(RFC 3161\); check the URL" \
    S --tsa "$TSA/garbage" qd.txt
only "garbage"
expect 7 "refused the time-stamp \(status 2: rejection\); ask its operator, or use another server" \
    S --tsa "$TSA/reject" qd.txt
only "rejection"
expect 6 "answered a time-stamp that is not for this signature" S --tsa "$TSA/other" qd.txt
only "another request's token"
# a batch stops at the first failure: nothing after it is signed
expect 7 "answered HTTP 500" S --tsa "$TSA/500" --force a.txt b.txt
expect 3 "--tsa takes the time-stamp server's http:// or https:// URL" S --tsa "ftp://x/" qd.txt
done_testing
