#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A claimed signing time after the signature time-stamp: `kyso sign --tsa` run
# with its clock two hours fast (a small LD_PRELOAD shim over time(), built
# here) writes a signing-time attribute two hours after the stand-in TSA's
# genTime.  kyso verify keeps the verdict (TOTAL-PASSED: the time-stamp's time
# is the proven one) and warns, in the text, in the signature_timestamp detail
# and in --json "warnings"; a signature with an honest clock gets no warning.
# `openssl cms -cmsout -print` as the referee: the signingTime attribute is in the file.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"
test_pki
P=$T/pki
command -v "${CC:-cc}" >/dev/null 2>&1 || skip_all "no C compiler for the clock shim"
cat > "$T/fast.c" <<'EOF'
/* time() two hours fast, for kyso sign only */
#include <time.h>
time_t
time(time_t *t)
{
	struct timespec ts;
	time_t v;

	clock_gettime(CLOCK_REALTIME, &ts);
	v = ts.tv_sec + 7200;
	if (t != NULL)
		*t = v;
	return v;
}
EOF
"${CC:-cc}" -shared -fPIC -o "$T/fast.so" "$T/fast.c" 2>"$T/cc.log" ||
    skip_all "cannot build the clock shim: $(cat "$T/cc.log")"
tok_init T1
softhsm2-util --import "$P/signer-ec.key" --token T1 --label sign --id 01 --pin "$PIN" >/dev/null
"$KYSO" cert import --token "pkcs11:token=T1" --in "$P/signer-ec.pem" --pin-source env:PIN \
    >/dev/null 2>&1 || fail "import the signer certificate"
start_pkisrv
mkdir "$T/d"
cd "$T/d" || exit 1
printf 'Biên bản ký lúc 10 giờ\n' > late.txt
printf 'Biên bản ký đúng giờ\n' > honest.txt
S() { "$KYSO" sign --key "pkcs11:token=T1;object=sign" --pin-source env:PIN \
    --chain "$P/chain.pem" --tsa "$PKISRV/ok" "$@"; }
expect 0 "late.txt -> late.txt.p7s" env LD_PRELOAD="$T/fast.so" "$KYSO" sign \
    --key "pkcs11:token=T1;object=sign" --pin-source env:PIN --chain "$P/chain.pem" \
    --tsa "$PKISRV/ok" late.txt
expect 0 "honest.txt -> honest.txt.p7s" S honest.txt

# the referee: the signingTime attribute is there (the times are compared below)
openssl cms -cmsout -print -inform DER -in late.txt.p7s > print.txt 2>/dev/null
grep -A3 'signingTime' print.txt | grep -q 'UTCTIME' &&
    pass "openssl sees a signingTime attribute" || fail "no signingTime in $(wc -l < print.txt) lines"

V() { "$KYSO" verify --no-default-trust --trust "$P/root.pem" "$@"; }
expect 0 "late.txt.p7s: TOTAL-PASSED" V late.txt.p7s
expect 0 "warning: +the claimed signing time 20[0-9-]+T[0-9:]+Z is 7[12][0-9][0-9] s after the signature time-stamp of 20[0-9-]+T[0-9:]+Z \(accuracy 1 s\): the signature existed before the time it claims, so that claim is false" \
    V late.txt.p7s
expect 0 "PASSED +signature_timestamp +time-stamped at .*; warning: the claimed signing time" V late.txt.p7s
expect 0 "honest.txt.p7s: TOTAL-PASSED" V honest.txt.p7s
grep -q "warning" "$T/.out" && fail "a warning for an honest clock" || pass "no warning for an honest clock"

V --json late.txt.p7s honest.txt.p7s > v.json 2>/dev/null
python3 - v.json <<'EOF' && pass "--json: one warning for the late claim, none for the honest one" ||
import json, sys
d = json.load(open(sys.argv[1]))
late, honest = (r["signatures"][0] for r in d["results"])
assert d["schema"] == 1 and d["exit"] == 0, d
assert len(late["warnings"]) == 1 and "so that claim is false" in late["warnings"][0], late
assert late["indication"] == "TOTAL-PASSED", late
assert honest["warnings"] == [], honest
EOF
    fail "--json: $(cat v.json)"
if python3 "$top_srcdir/tests/integration/verify_schema.py" "$top_srcdir/docs/verify-json.md" \
    v.json >/dev/null; then pass "--json with a warning: as docs/verify-json.md says"
else fail "--json with a warning does not match docs/verify-json.md"; fi
done_testing
