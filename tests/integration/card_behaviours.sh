#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso card read against every misbehaviour of the virtual CCCD, through the
# real pcscd + vpcd: short / no extended length (still reads, more APDUs),
# odd-INS reads above 32 767 bytes, tampered data (1, names the DG), unknown
# signer (2), clone (1), no DG15 (2), wrong MAC (6), card removed mid-read
# (4, no output files), oversized / truncated / trailing answers and
# malformed SM (6, no output files, no crash).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-card.sh"
card_setup
command -v python3 >/dev/null 2>&1 || skip_all "python3 is missing (scripts/deps)"

make_card "$T/card"
make_card "$T/big" -s photo_min_size=40000
CSCA="--csca $T/pki/csca.pem"
MRZ=$(cat "$T/card/mrz.txt")
export MRZ

rd() { "$KYSO" card read --reader "$CARD_READER" --mrz-source env:MRZ $CSCA "$@"; }

# json FILE PYTHON-EXPR
json_check() {
	_f=$1; shift
	if python3 - "$_f" "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
	then pass "json: $1"; else fail "json: $1"; sed 's/^/    | /' "$_f" | head -30; fi
}

# rdjson CODE FILE ARGS... : kyso card read --json, stdout to FILE, exit CODE
rdjson() {
	_want=$1; _out=$2; shift 2
	rd --json "$@" >"$_out" 2>"$_out.err"
	_got=$?
	[ "$_got" -eq "$_want" ] && pass "read --json $* -> $_want" ||
	    { fail "read --json $*: exit $_got, expected $_want"; cat "$_out.err"; }
}

# no_outputs NAME : a failed read left no photo, no dump and no holder data
no_outputs() {
	[ ! -e "$T/photo.jpg" ] && pass "$1: no photo file" || fail "$1: photo file written"
	[ ! -e "$T/dump" ] && pass "$1: no dump" || fail "$1: dump written"
	ls "$T" | grep -q 'tmp' && fail "$1: temporary files left: $(ls "$T" | grep tmp)" ||
	    pass "$1: no temporary files"
	json_check "$T/fail.json" 'sorted(d) == ["error", "schema"] and d["error"]["exit"] == '"$2"
}

# fails BEHAVIOUR CODE REGEX : the read fails with CODE and REGEX, leaving nothing
fails() {
	card_start "$T/card" "$1"
	expect "$2" "$3" rd
	card_start "$T/card" "$1"
	rm -rf "$T/photo.jpg" "$T/dump"
	rdjson "$2" "$T/fail.json" --photo "$T/photo.jpg" --dump "$T/dump"
	no_outputs "$1" "$2"
}

# ---- the normal card, as a baseline for the APDU counts ----
card_start "$T/card" normal
rdjson 0 "$T/normal.json"
json_check "$T/normal.json" 'd["stats"]["extended"] is True and d["verification"]["genuine"] is True'

# ---- no extended length: short reads; RSA-2048 AA cannot fit: 2 ----
card_start "$T/card" no-extended
expect 2 'INTERNAL AUTHENTICATE answer does not fit' rd --stats
grep -Eq 'Stats: .*reads of up to 231 bytes, short length' "$T/.out" &&
    pass "no-extended: short reads of 231 bytes" || fail "no-extended: read size"
rdjson 2 "$T/noext.json"
json_check "$T/noext.json" 'd["stats"]["extended"] is False and d["stats"]["max_read"] <= 231 and d["verification"]["passive"] == "passed" and d["verification"]["active"] == "not_attempted" and d["verification"]["genuine"] is False and d["holder"]["full_name"] == "Nguyễn Thị Hồng Nhung"'

# ---- short Le only: the host steps down to 223 and remembers it ----
card_start "$T/card" short-le-only
rdjson 2 "$T/short.json" --dump "$T/d-short"
json_check "$T/short.json" 'd["stats"]["max_read"] == 223 and d["stats"]["stepdowns"] >= 1 and d["verification"]["passive"] == "passed"'
for f in DG1.bin DG2.bin DG13.bin EF.SOD; do
	cmp -s "$T/d-short/$f" "$T/card/$f" && pass "short-le-only: $f read exactly" ||
	    fail "short-le-only: $f differs"
done

# ---- short Le of 100 on a card whose DG2 passes 32 767 bytes: odd-INS B1 reads ----
card_start "$T/big" short-le-only=100
rdjson 2 "$T/short100.json" --dump "$T/d-big"
json_check "$T/short100.json" 'd["stats"]["max_read"] == 100 and d["files"]["DG2"]["size"] > 32767 and d["files"]["DG2"]["sod_hash"] == "match" and d["verification"]["passive"] == "passed"'
cmp -s "$T/d-big/DG2.bin" "$T/big/DG2.bin" && pass "B1: DG2 above 32 767 read exactly" ||
    fail "B1: DG2 differs"
python3 - "$T/normal.json" "$T/noext.json" "$T/short100.json" <<'EOF' &&
import json, sys
n, s, t = (json.load(open(f, encoding="utf-8"))["stats"]["apdus"] for f in sys.argv[1:])
assert n < s < t, (n, s, t)
EOF
    pass "fewer bytes per APDU: more APDUs (normal < no-extended < short Le 100)" ||
    fail "APDU counts do not grow as reads shrink"

# ---- the big card with extended length: one read for DG2 ----
card_start "$T/big" extended
rdjson 0 "$T/bigext.json" --dump "$T/d-bigext"
cmp -s "$T/d-bigext/DG2.bin" "$T/big/DG2.bin" && pass "extended: big DG2 read exactly" ||
    fail "extended: big DG2 differs"

# ---- verdicts ----
card_start "$T/card" tampered-dg
expect 1 'passive authentication failed: DG13' rd
card_start "$T/card" tampered-dg
rdjson 1 "$T/tamper.json" --photo "$T/tamper.jpg"
json_check "$T/tamper.json" 'd["verification"]["passive"] == "failed" and d["files"]["DG13"]["sod_hash"] == "mismatch" and d["files"]["DG1"]["sod_hash"] == "match" and d["verification"]["genuine"] is False and any("DG13" in r for r in d["verification"]["reasons"])'

card_start "$T/card" unknown-signer
expect 2 'could not decide: no trusted CSCA' rd
card_start "$T/card" unknown-signer
rdjson 2 "$T/unknown.json"
json_check "$T/unknown.json" 'd["verification"]["passive"] == "indeterminate" and d["verification"]["genuine"] is False and "Unknown" in d["verification"]["document_signer"]["issuer"]'

card_start "$T/card" clone
expect 1 'active authentication failed.*clone' rd
card_start "$T/card" clone
rdjson 1 "$T/clone.json"
json_check "$T/clone.json" 'd["verification"]["passive"] == "passed" and d["verification"]["active"] == "failed" and d["verification"]["genuine"] is False'

card_start "$T/card" no-dg15
expect 2 'no Active Authentication \(no DG15\)' rd
card_start "$T/card" no-dg15
rdjson 2 "$T/nodg15.json"
json_check "$T/nodg15.json" 'd["verification"]["passive"] == "passed" and d["verification"]["active"] == "not_supported" and d["verification"]["genuine"] is False and "DG15" not in d["files"]'

# the genuine SOD lists DG15, the card hides it (EF.COM without DG15, no AA):
# a clone, not a card without AA
card_start "$T/card" hidden-dg15
expect 1 'active authentication failed: the SOD lists DG15 .* but the card does not give it.*clone' rd
card_start "$T/card" hidden-dg15
rdjson 1 "$T/hidden15.json"
json_check "$T/hidden15.json" 'd["verification"]["passive"] == "passed" and d["verification"]["active"] == "failed" and d["verification"]["genuine"] is False and "DG15" not in d["files"]'

# EF.COM lists DG13 twice, the first copy served is forged: each file is read
# once and what is shown is what was verified (was: the forged copy shown,
# the genuine one verified, exit 0)
card_start "$T/card" dup-forged-dg13
rdjson 1 "$T/dup13.json" --dump "$T/d-dup13"
json_check "$T/dup13.json" 'd["verification"]["passive"] == "failed" and d["files"]["DG13"]["sod_hash"] == "mismatch" and d["verification"]["genuine"] is False'
cmp -s "$T/d-dup13/DG13.bin" "$T/card/DG13.bin" && fail "dup-forged-dg13: the dump holds the genuine DG13" ||
    pass "dup-forged-dg13: the dump holds the DG13 that was shown and verified"
card_start "$T/card" dup-forged-dg13
expect 1 'passive authentication failed: DG13' rd

# a clone with its own AA key in DG15: AA "passes" over a key EF.SOD does not
# confirm; the summary must not present that as a genuine chip
card_start "$T/card" own-dg15
expect 1 'passive authentication failed: DG15' rd
grep -Eq '^Chip \(AA\): +passed - .*DG15 does not match its hash in EF.SOD.*proves nothing' "$T/.out" &&
    pass "own-dg15: AA over an unconfirmed key is said to prove nothing" ||
    { fail "own-dg15: AA line"; grep 'Chip' "$T/.out"; }
grep -q 'Genuine: *no' "$T/.out" && pass "own-dg15: not genuine" || fail "own-dg15: genuine?"

# ---- secure messaging and transport failures: nothing written ----
fails wrong-mac 6 "the card's answer failed its MAC check"
# (the 8th protected answer: EF.COM and DG14 - read first, for Chip
# Authentication - and DG1 come before DG2)
fails wrong-mac=8 6 "DG2: the card's answer failed its MAC check"
for n in 0 3 8 14; do
	fails "remove-after=$n" 4 'the card was removed during the read'
done
fails oversized 6 'bytes for a read of'
fails truncated 6 'DG13: the file ends after .* truncated'
fails truncated=dg2 6 'DG2: the file ends after .* truncated'
fails trailing 6 'DG13: the file has 4 bytes of data after'
fails malformed-sm 6 'EF.COM: .*not valid secure messaging'
fails malformed-sm=4 6 'not valid secure messaging'
fails short-le-only=100,wrong-mac=20 6 'failed its MAC check'

# ---- hostile text on the card: shown escaped, whatever the verdict ----
# (a cloned or home-made card needs no signature to put these in DG13; the
# DG13 reader takes text with line breaks and bidi characters, not C0 controls)
rlo=$(printf '\342\200\256')
card_stop
make_card "$T/evil" -s "residence=45 Lê Lợi
Genuine:         yes" -s "marks=Sẹo ${rlo}gpj.exe"
card_start "$T/evil"
rd >"$T/evil.txt" 2>&1
if grep -Eq 'Residence: +45 Lê Lợi\\0AGenuine: +yes' "$T/evil.txt" &&
    ! grep -q '^Genuine: *yes$' "$T/evil.txt" && ! grep -q "$rlo" "$T/evil.txt"; then
	pass "card text with a line break and a bidi override is shown escaped"
else
	fail "card text reached the terminal raw"; sed 's/^/    | /' "$T/evil.txt" | head -30
fi
card_stop
done_testing
