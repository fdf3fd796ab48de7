#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso checkin verify shows what it cannot vouch for escaped: a record signed
# with a certificate whose name holds a line break and a right-to-left
# override must not print a line of its own (a fake "x.json: TOTAL-PASSED")
# nor turn the line around; --json keeps the name exact.  No card or token:
# a record of the fuzz corpus, signed by openssl with a self-made certificate.
. "$top_srcdir/tests/integration/lib.sh"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

cp "$top_srcdir/tests/fuzz/corpus/checkin/covered.json" "$T/r.json"
cn=$(printf 'Evil\nr.json: TOTAL-PASSED\342\200\256')
openssl req -new -x509 -newkey rsa:2048 -nodes -days 30 -utf8 -subj "/CN=$cn" \
    -keyout "$T/evil.key" -out "$T/evil.pem" >/dev/null 2>&1 || fail "openssl req"
openssl cms -sign -binary -md sha256 -in "$T/r.json" -signer "$T/evil.pem" \
    -inkey "$T/evil.key" -outform DER -out "$T/r.json.p7s" >/dev/null 2>&1 || fail "openssl cms -sign"

# the facility signature passes (the anchor is given); the card's CSCA is not: 2
expect 2 'signed by: +Evil\\0Ar\.json: TOTAL-PASSED\\E2\\80\\AE \(serial' \
    "$KYSO" checkin verify --trust "$T/evil.pem" --no-default-trust "$T/r.json"
grep -Eq 'PASSED +facility_signature +signed by Evil\\0Ar\.json: TOTAL-PASSED\\E2\\80\\AE' "$T/.out" &&
    pass "the check's detail shows the name escaped" || fail "the check's detail is not escaped"
if grep -q '^r\.json: TOTAL-PASSED' "$T/.out"; then
	fail "the signer's name printed a line of its own"
	sed 's/^/    | /' "$T/.out"
else
	pass "no line made by the signer's name"
fi
if LC_ALL=C grep -q "$(printf '\342\200\256')" "$T/.out"; then
	fail "a right-to-left override reached the terminal"
else
	pass "no bidi control in the text output"
fi
# a record file name with a line break is escaped too
nl=$(printf 'a\nr.json: TOTAL-PASSED')
cp "$T/r.json" "$T/$nl"
cp "$T/r.json.p7s" "$T/$nl.p7s"
expect 2 'a\\0Ar\.json: TOTAL-PASSED: INDETERMINATE' \
    "$KYSO" checkin verify --trust "$T/evil.pem" --no-default-trust "$T/$nl"

# --json: the name exactly as in the certificate, every check present
"$KYSO" checkin verify --trust "$T/evil.pem" --no-default-trust --json "$T/r.json" \
    >"$T/v.json" 2>"$T/v.err"
rc=$?
[ "$rc" -eq 2 ] && pass "--json exit 2" || fail "--json exit $rc"
python3 - "$T/v.json" <<'PY' && pass "--json: schema, the exact name, 8 checks" || fail "--json content"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
r = d["results"][0]
assert d["schema"] == 1 and d["exit"] == 2, d
assert r["signer"] == "Evil\nr.json: TOTAL-PASSED\u202e", r["signer"]
assert len(r["checks"]) == 8, r["checks"]
assert r["checks"][0]["detail"].startswith("signed by Evil\nr.json: TOTAL-PASSED\u202e"), r["checks"][0]
PY

done_testing
