#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Chip Authentication (ICAO 9303-11 §6.2) with kyso card read against the
# virtual CCCD through the real pcscd + vpcd: a card with DG14 and no DG15 is
# genuine through CA alone; ECDH (P-256, brainpool) and DH keys; 3DES (MSE:Set
# KAT) and AES-128/192/256 (MSE:Set AT + GENERAL AUTHENTICATE, AES secure
# messaging); the data read under the CA keys is the card's; a chip that
# answers with another key, or whose DG14 the SOD does not confirm, is not
# genuine; a refusal of CA proves nothing either way; a dump cannot prove CA offline.  And a chip's
# refusal of AA, recorded in the dump, gives the same verdict offline.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-card.sh"
card_setup
command -v python3 >/dev/null 2>&1 || skip_all "python3 is missing (scripts/deps)"

CSCA="--csca $T/pki/csca.pem"

# json_check FILE PYTHON-EXPR : d is the parsed object
json_check() {
	_f=$1; shift
	if python3 - "$_f" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)
PY
	then pass "json: $1"; else fail "json: $1"; sed 's/^/    | /' "$_f" | head -40; fi
}

# read_card DIR BEHAVIOUR EXIT REGEX [kyso args]: start the card, read it (human), then
# again with --json into $T/r.json (same exit)
read_card() {
	_d=$1 _b=$2 _x=$3 _re=$4; shift 4
	MRZ=$(cat "$_d/mrz.txt"); export MRZ
	card_start "$_d" "$_b"
	expect "$_x" "$_re" "$KYSO" card read --reader "$CARD_READER" --mrz-source env:MRZ $CSCA "$@"
	"$KYSO" card read --reader "$CARD_READER" --mrz-source env:MRZ $CSCA --json >"$T/r.json" 2>"$T/r.err"
	_rc=$?
	[ "$_rc" -eq "$_x" ] && pass "--json: exit $_x ($_b)" || { fail "--json: exit $_rc, not $_x ($_b)"; cat "$T/r.err"; }
}

# ---- a card with DG14 only (no DG15): ECDH P-256, AES-128 ----
make_card "$T/c1" -s aa=none -s ca=ec-p256 -s ca_cipher=aes128
: >"$T/vcard.log"
VCARD_VERBOSE=1 read_card "$T/c1" normal 0 'Chip \(CA\): +passed - the chip answered under keys agreed with its DG14 key \(id-CA-ECDH-AES-CBC-CMAC-128\)' --dump "$T/dump1"
grep -q 'Genuine: *yes' "$T/.out" && pass "DG14-only card: genuine" || fail "DG14-only card not genuine"
grep -q 'Chip (AA): *not supported - ' "$T/.out" && pass "no AA on it, said in words" || fail "AA line"
json_check "$T/r.json" 'd["verification"]["chip_authentication"] == "passed" and d["verification"]["active"] == "not_supported" and d["verification"]["passive"] == "passed" and d["verification"]["genuine"] is True and d["verification"]["ca"] == {"protocol": "id-CA-ECDH-AES-CBC-CMAC-128"}'
json_check "$T/r.json" 'd["holder"]["full_name"] == "Nguyễn Thị Hồng Nhung" and d["holder"]["id_number"] == "001190012345"'
json_check "$T/r.json" 'any(r.startswith("chip authentication: the chip answered") for r in d["verification"]["reasons"])'
# the files read after CA (under AES secure messaging) are the card's, byte for byte
python3 - "$T/r.json" "$T/c1" <<'PY' && pass "files read under the CA keys are the card's" || fail "files differ from the card's"
import json, sys, hashlib
d = json.load(open(sys.argv[1], encoding="utf-8"))
for k, f in (("DG1", "DG1.bin"), ("DG2", "DG2.bin"), ("DG13", "DG13.bin"), ("DG14", "DG14.bin"), ("SOD", "EF.SOD"), ("COM", "EF.COM")):
    assert d["files"][k]["sha256"] == hashlib.sha256(open(sys.argv[2] + "/" + f, "rb").read()).hexdigest(), k
PY
for f in DG1.bin DG2.bin DG13.bin DG14.bin EF.SOD; do
	cmp -s "$T/dump1/$f" "$T/c1/$f" && pass "dump $f as on the card" || fail "dump $f"
done
# the card side saw: MSE:Set AT, GENERAL AUTHENTICATE, the switch to AES, and the
# data groups read after it
awk '/CA: secure messaging restarts with the agreed AES keys/ { on = 1 } on && /= 00 B0/ { n++ } END { exit !(n >= 5) }' "$T/vcard.log" &&
    pass "the data groups were read under the AES keys" || fail "no reads under the CA keys in the card log"
grep -q '= 00 22 41 A4' "$T/vcard.log" && grep -q '= 00 86 00 00' "$T/vcard.log" &&
    pass "MSE:Set AT and GENERAL AUTHENTICATE sent (AES)" || fail "CA commands for AES"
# a dump cannot prove CA: not attempted offline, not genuine (exit 2)
expect 2 'Chip Authentication needs the live chip: not attempted offline' "$KYSO" card verify "$T/dump1" $CSCA
grep -q 'Chip (CA): *not attempted - ' "$T/.out" && pass "offline: CA not attempted" || fail "offline CA line"
"$KYSO" card verify "$T/dump1" $CSCA --json >"$T/v1.json" 2>/dev/null
json_check "$T/v1.json" 'd["verification"]["chip_authentication"] == "not_attempted" and d["verification"]["genuine"] is False and d["verification"]["passive"] == "passed" and d["verification"]["ca"] is None'

# ---- short APDUs under AES: 223 plain bytes per read, no step-down ----
card_start "$T/c1" no-extended
"$KYSO" card read --reader "$CARD_READER" --mrz-source env:MRZ $CSCA --json >"$T/r.json" 2>"$T/r.err"
rc=$?
[ $rc -eq 0 ] && pass "AES SM with short APDUs: exit 0" || { fail "AES SM short APDUs: exit $rc"; cat "$T/r.err"; }
json_check "$T/r.json" 'd["stats"]["extended"] is False and d["stats"]["max_read"] == 223 and d["stats"]["stepdowns"] == 0 and d["verification"]["genuine"] is True'

# ---- the other protocols: brainpool + 3DES (MSE:Set KAT), DH + AES-256, DH + 3DES, EC + AES-192 ----
for spec in "ec-brainpool256 3des id-CA-ECDH-3DES-CBC-CBC" "dh2048 aes256 id-CA-DH-AES-CBC-CMAC-256" \
    "dh2048 3des id-CA-DH-3DES-CBC-CBC" "ec-p256 aes192 id-CA-ECDH-AES-CBC-CMAC-192"; do
	set -- $spec
	make_card "$T/c-$1-$2" -s aa=none -s ca=$1 -s ca_cipher=$2
	: >"$T/vcard.log"
	VCARD_VERBOSE=1 read_card "$T/c-$1-$2" normal 0 "Chip \\(CA\\): +passed .*\\($3\\)"
	grep -q 'Genuine: *yes' "$T/.out" && pass "$1 $2: genuine" || fail "$1 $2: not genuine"
	json_check "$T/r.json" 'd["verification"]["chip_authentication"] == "passed" and d["verification"]["genuine"] is True and d["holder"]["full_name"] == "Nguyễn Thị Hồng Nhung"'
	if [ "$2" = 3des ]; then
		grep -q '= 00 22 41 A6' "$T/vcard.log" && ! grep -q '= 00 86 00 00' "$T/vcard.log" &&
		    pass "$1 3DES: MSE:Set KAT only" || fail "$1 3DES: not MSE:Set KAT"
	fi
done

# ---- a DH key over short APDUs: its CA command needs extended length (this reader
# does not chain commands): CA not attempted, the read goes on under BAC (exit 2) ----
MRZ=$(cat "$T/c-dh2048-aes256/mrz.txt"); export MRZ
card_start "$T/c-dh2048-aes256" no-extended
expect 2 'Chip Authentication was not attempted: the Chip Authentication command for this key needs extended-length APDUs' \
    "$KYSO" card read --reader "$CARD_READER" --mrz-source env:MRZ $CSCA
grep -q 'Data (PA): *passed' "$T/.out" && pass "DH over short APDUs: the data still read and verified" ||
    fail "DH over short APDUs: PA"

# ---- a chip that answers CA with another key than DG14's (a clone): exit 1 ----
for c in "$T/c1" "$T/c-ec-brainpool256-3des"; do
	read_card "$c" ca-wrong-key 1 'chip authentication failed: the chip.s answer under the agreed keys failed its MAC check: it does not hold the private key of its DG14 public key; the chip is not the one the data was issued on \(a clone\?\)'
	grep -q 'Genuine: *no' "$T/.out" && pass "wrong CA key: not genuine" || fail "wrong CA key: genuine"
	json_check "$T/r.json" 'd["verification"]["chip_authentication"] == "failed" and d["verification"]["genuine"] is False and d["verification"]["passive"] == "passed" and d["holder"]["full_name"] == "Nguyễn Thị Hồng Nhung" and d["verification"]["ca"]["protocol"].startswith("id-CA-ECDH-")'
done
# a chip that refuses CA although its DG14 offers it (it may want another
# variant of the protocol): proves nothing either way; with no AA, exit 2
read_card "$T/c1" ca-refuse 2 'Chip Authentication was not attempted: the chip refused Chip Authentication \(MSE:Set AT: 6A80\): it proves nothing either way'
grep -q 'Genuine: *no' "$T/.out" && pass "CA refused, no AA: not genuine" || fail "CA refused, no AA: genuine"
json_check "$T/r.json" 'd["verification"]["chip_authentication"] == "not_attempted" and d["verification"]["genuine"] is False and d["verification"]["passive"] == "passed"'

# ---- DG14 not confirmed by the SOD: CA proves nothing ----
# the chip's own CA key in a DG14 that does not match the SOD: CA passes, PA fails
read_card "$T/c1" own-dg14 1 'passive authentication failed: DG14: hash does not match the SOD'
grep -q "Chip (CA): *passed - .*but that DG14 does not match its hash in EF.SOD: a key of the chip's own choosing proves nothing" "$T/.out" &&
    pass "own DG14: CA passed but said to prove nothing" || fail "own DG14: CA line"
json_check "$T/r.json" 'd["verification"]["chip_authentication"] == "passed" and d["verification"]["genuine"] is False and d["files"]["DG14"]["sod_hash"] == "mismatch"'
# a SOD that does not list DG14: CA passes, PA cannot decide, not genuine (exit 2)
read_card "$T/c1" unlisted-dg14 2 'passive authentication could not decide: DG14: read but not listed in the SOD'
grep -q "Chip (CA): *passed - .*EF.SOD does not list DG14: a key of the chip's own choosing proves nothing" "$T/.out" &&
    pass "unlisted DG14: CA passed but said to prove nothing" || fail "unlisted DG14: CA line"
json_check "$T/r.json" 'd["verification"]["chip_authentication"] == "passed" and d["verification"]["genuine"] is False and d["files"]["DG14"]["sod_hash"] == "not_in_sod"'

# ---- AA and CA together (the CCCD lists DG14 and DG15) ----
make_card "$T/c2" -s aa=ec-p256 -s ca=ec-p256 -s ca_cipher=aes256
read_card "$T/c2" normal 0 'Chip \(AA\): +passed'
grep -q 'Chip (CA): *passed' "$T/.out" && grep -q 'Genuine: *yes' "$T/.out" && pass "AA and CA passed: genuine" ||
    fail "AA + CA card"
json_check "$T/r.json" 'd["verification"]["active"] == "passed" and d["verification"]["chip_authentication"] == "passed" and d["verification"]["genuine"] is True'
# AA failing outweighs CA passing (exit 1); CA failing beside AA passing: the
# proofs disagree - not genuine, but not proven a clone either (exit 2)
read_card "$T/c2" clone 1 'active authentication failed: AA: ECDSA-plain-SHA-256 signature invalid'
json_check "$T/r.json" 'd["verification"]["chip_authentication"] == "passed" and d["verification"]["active"] == "failed" and d["verification"]["genuine"] is False'
read_card "$T/c2" ca-wrong-key 2 "the chip's proofs disagree: Active Authentication passed but chip authentication failed \\(the chip.s answer under the agreed keys failed its MAC check"
grep -q 'Genuine: *no' "$T/.out" && pass "AA passed, CA failed: not genuine" || fail "AA passed, CA failed: genuine"
json_check "$T/r.json" 'd["verification"]["chip_authentication"] == "failed" and d["verification"]["active"] == "passed" and d["verification"]["genuine"] is False'
# a refusal of CA takes nothing from AA: genuine by AA (exit 0), the data read under BAC
read_card "$T/c2" ca-refuse 0 'Chip \(AA\): +passed'
grep -q 'Genuine: *yes' "$T/.out" && pass "CA refused, AA passed: genuine" || fail "CA refused, AA passed: not genuine"
json_check "$T/r.json" 'd["verification"]["chip_authentication"] == "not_attempted" and d["verification"]["active"] == "passed" and d["verification"]["genuine"] is True and d["holder"]["full_name"] == "Nguyễn Thị Hồng Nhung"'

# ---- a MAC failure under the CA keys later in the read is a read failure (6) ----
# (the 12th protected answer: EF.COM, DG14, MSE:Set AT, GENERAL AUTHENTICATE,
# EF.COM again and DG1 come before DG2's)
MRZ=$(cat "$T/c1/mrz.txt"); export MRZ
card_start "$T/c1" wrong-mac=12
expect 6 "DG2: the card's answer failed its MAC check" "$KYSO" card read --reader "$CARD_READER" \
    --mrz-source env:MRZ $CSCA --json
grep -q '"holder"' "$T/.out" && fail "holder data after a MAC failure" || pass "no holder data after a MAC failure"
grep -q '"error"' "$T/.out" && pass "--json: the error object" || fail "--json: no error object"

# ---- the dump records a chip's refusal of AA: offline gives the same verdict ----
make_card "$T/c3" -s aa=rsa1024
read_card "$T/c3" aa-refuse 1 'active authentication failed: the chip refused INTERNAL AUTHENTICATE \(6985\)' \
    --dump "$T/dump3"
[ "$(od -An -tx1 "$T/dump3/AA-status.bin" | tr -d ' ')" = 6985 ] && pass "AA-status.bin holds 6985" ||
    fail "AA-status.bin"
[ ! -e "$T/dump3/AA-challenge.bin" ] && pass "no AA exchange dumped" || fail "AA exchange dumped"
expect 1 'active authentication failed: the chip refused INTERNAL AUTHENTICATE \(6985, recorded at the read\)' \
    "$KYSO" card verify "$T/dump3" $CSCA
"$KYSO" card verify "$T/dump3" $CSCA --json >"$T/v3.json" 2>/dev/null
json_check "$T/v3.json" 'd["verification"]["active"] == "failed" and d["verification"]["genuine"] is False'
printf '\151\205\000' >"$T/dump3/AA-status.bin"
expect 6 'AA-status.bin: not a 2-byte status word' "$KYSO" card verify "$T/dump3" $CSCA
cp "$T/dump1/DG1.bin" "$T/dump3/AA-challenge.bin"
cp "$T/dump1/DG1.bin" "$T/dump3/AA-response.bin"
printf '\151\205' >"$T/dump3/AA-status.bin"
expect 6 'AA-status.bin: beside an AA exchange' "$KYSO" card verify "$T/dump3" $CSCA

card_stop
done_testing
