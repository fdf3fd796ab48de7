#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Human output says the verdicts in words: "not supported", "the chip does not
# support Chip Authentication", "was not attempted" - never the JSON names
# not_supported / not_attempted, which --json keeps (docs/card-json.md).
# kyso card verify on dumps laid out from the virtual card's files (mkcard): no
# reader or pcscd needed.  (A card read, kyso checkin verify and kyso insurance
# say them in words too: card_chipauth.sh, reception_chipauth.sh,
# insurance_card_json.sh.)
. "$top_srcdir/tests/integration/lib.sh"

MKCARD=${MKCARD:-$top_builddir/tests/vcard/mkcard}
[ -x "$MKCARD" ] || skip_all "mkcard not built"
test_pki
"$MKCARD" -p "$top_srcdir/tests/vcard/profiles/default.conf" -k "$T/pki" -o "$T/card" \
    >"$T/mkcard.log" 2>&1 || { cat "$T/mkcard.log"; fail "mkcard"; done_testing; }
C=$T/card
# the card's files as kyso card read --dump writes them (no AA exchange: AA not
# attempted offline); and the card without DG15 (no Active Authentication)
mkdir "$T/d" "$T/nodg15"
cp "$C/EF.COM" "$C/EF.SOD" "$C"/DG*.bin "$T/d/"
cp "$C/EF.COM.no-dg15" "$T/nodg15/EF.COM"
cp "$C/EF.SOD.no-dg15" "$T/nodg15/EF.SOD"
for f in "$C"/DG*.bin; do
	[ "$f" = "$C/DG15.bin" ] || cp "$f" "$T/nodg15/"
done
CSCA="--no-default-csca --csca $T/pki/csca.pem"

no_names() { # WHAT: the output of the last expect has no JSON verdict name
	if grep -Eq 'not_supported|not_attempted' "$T/.out"; then
		fail "$1: a JSON name in human output: $(grep -E 'not_supported|not_attempted' "$T/.out")"
	else
		pass "$1: no not_supported / not_attempted in the text"
	fi
}

expect 2 '^kyso card: the data is authentic, but the chip is not proven genuine: no Active Authentication \(no DG15\); the chip does not support Chip Authentication: ' \
    "$KYSO" card verify $CSCA "$T/nodg15"
grep -Eq '^Chip \(AA\): +not supported - ' "$T/.out" && pass "AA line: not supported" ||
    fail "AA line: $(grep 'Chip (AA)' "$T/.out")"
grep -Eq '^Chip \(CA\): +not supported - ' "$T/.out" && pass "CA line: not supported" ||
    fail "CA line: $(grep 'Chip (CA)' "$T/.out")"
grep -Eq '^Data \(PA\): +passed - ' "$T/.out" && pass "PA line: passed" || fail "PA line"
no_names "no DG15"

expect 2 '^kyso card: the data is authentic, but the chip is not proven genuine: Active Authentication was not done' \
    "$KYSO" card verify $CSCA "$T/d"
grep -Eq '^Chip \(AA\): +not attempted - ' "$T/.out" && pass "AA line: not attempted" ||
    fail "AA line: $(grep 'Chip (AA)' "$T/.out")"
no_names "no AA exchange"

# --json keeps the documented names
"$KYSO" card verify --json $CSCA "$T/nodg15" >"$T/j.json" 2>/dev/null
python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["verification"]
sys.exit(0 if v["active"] == "not_supported" and v["chip_authentication"] == "not_supported" else 1)' \
    "$T/j.json" && pass "--json: not_supported kept" || { fail "--json names"; cat "$T/j.json"; }
"$KYSO" card verify --json $CSCA "$T/d" >"$T/j.json" 2>/dev/null
python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["verification"]
sys.exit(0 if v["active"] == "not_attempted" else 1)' \
    "$T/j.json" && pass "--json: not_attempted kept" || { fail "--json names"; cat "$T/j.json"; }
done_testing
