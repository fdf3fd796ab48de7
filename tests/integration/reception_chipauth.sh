#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso reception and kyso checkin verify with Chip Authentication, real parts:
# a virtual CCCD with DG14 (ECDH P-256, AES-128) and no DG15 through pcscd +
# vpcd, the stand-in VSS gateway, the facility key on a fresh SoftHSM token.
# The desk accepts the card (CA passed); its record says genuine true,
# chip_authentication passed, dg14 match, embeds DG14, and verifies (0).  CA
# cannot be re-checked from a record: it is taken as recorded, under the
# facility's signature - so a record re-signed by a facility that lies, claiming
# CA passed with the DG14 removed or replaced, fails (1); without the CA verdict
# (the format before) the same card is judged by the AA-only rule and fails.
# An AA card's record in the format before (no chip_authentication) verifies.
. "$top_srcdir/tests/integration/reception_lib.sh"

# ca_json CODE FILE PYTHON: kyso checkin verify --json FILE exits CODE, its output
# follows docs/checkin-verify-json.md (checkin_verify_schema.py), and its
# chip_authentication member (c) satisfies PYTHON
ca_json() {
	_code=$1 _f=$2 _want=$3
	cverify --json "$_f" >"$T/ca.vj" 2>/dev/null
	_got=$?
	[ "$_got" -eq "$_code" ] && pass "--json $_f: exit $_code" ||
	    fail "--json $_f: exit $_got, expected $_code"
	python3 "$top_srcdir/tests/integration/checkin_verify_schema.py" \
	    "$top_srcdir/docs/checkin-verify-json.md" "$T/ca.vj" >/dev/null &&
	    pass "--json $_f: as documented" || fail "--json $_f: not as documented"
	python3 - "$T/ca.vj" "$_want" <<'PY' && pass "--json chip_authentication: $_want" ||
import json, sys
c = json.load(open(sys.argv[1], encoding="utf-8"))["results"][0]["chip_authentication"]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
	    { fail "--json chip_authentication: $_want"; cat "$T/ca.vj"; }
}

facility_token
make_card "$T/ca" -s aa=none -s ca=ec-p256 -s ca_cipher=aes128
MRZ=$(cat "$T/ca/mrz.txt")
export MRZ
start_gateway main
write_conf "$T/kyso.conf" "retries = 0"
card_start "$T/ca" normal

# ---- the desk: a DG14-only card is genuine through CA ---------------------------
expect 0 'Outcome: +covered' desk
grep -q 'Card: *GENUINE' "$T/.out" && pass "desk: the DG14-only card is genuine" ||
    fail "desk did not accept the DG14-only card"
R=$(newest_record)
[ -n "$R" ] && [ -f "$R.p7s" ] && pass "a signed record" || { fail "no record"; done_testing; }
json_check "$R" 'd["identity"] == "verified" and d["outcome"] == "covered" and d["card"]["verification"]["genuine"] is True and d["card"]["verification"]["chip_authentication"] == "passed" and d["card"]["verification"]["dg14"] == "match" and d["card"]["verification"]["active"] == "not_supported" and d["card"]["verification"]["dg15"] == "absent" and d["card"]["dg15"] is None and d["card"]["aa"] is None and "DG15" not in d["card"]["files"]' &&
    pass "record: genuine, chip_authentication passed, dg14 match, no DG15" ||
    fail "record content"
python3 - "$R" "$T/ca" <<'EOF' && pass "the record embeds the card's DG14 and SOD" || fail "embedded DG14"
import base64, hashlib, json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
c = d["card"]
dg14 = open(sys.argv[2] + "/DG14.bin", "rb").read()
assert base64.b64decode(c["dg14"]) == dg14
assert c["files"]["DG14"]["sha256"] == hashlib.sha256(dg14).hexdigest()
assert base64.b64decode(c["sod"]) == open(sys.argv[2] + "/EF.SOD", "rb").read()
EOF
card_stop

# ---- kyso checkin verify: CA taken as recorded ----------------------------------
expect 0 "$R: TOTAL-PASSED" cverify "$R"
grep -Eq 'PASSED +genuine +genuine = true \(identity verified\); Chip Authentication passed, taken as recorded \(signed by the facility' "$T/.out" &&
    pass "verify: CA taken as recorded, signed by the facility" || fail "verify: genuine detail"
grep -Eq 'card: +passive passed, active not supported, chip authentication passed, genuine true' "$T/.out" &&
    pass "verify shows the CA verdict" || fail "verify: card line"
grep -Eq 'SKIPPED +active_authentication ' "$T/.out" && pass "no AA exchange: skipped" ||
    fail "verify: active_authentication"
expect_json 0 'd["exit"] == 0 and [c["check"] for c in d["results"][0]["checks"] if c["status"] not in ("PASSED", "SKIPPED")] == [] and "taken as recorded" in [c for c in d["results"][0]["checks"] if c["check"] == "genuine"][0]["detail"]' \
    cverify "$R" --json
expect 0 'Verification successful' ossl_verify "$R"
# --json: Chip Authentication in its own member, not only in the genuine detail
ca_json 0 "$R" 'c == {"verdict": "passed", "recorded": True, "dg14": "match", "dg14_confirmed": True, "consistent": True, "counted": True}'
# without the CSCA the card (and so genuineness) cannot be decided
expect 2 'INDETERMINATE +genuine +recorded genuine = true; the evidence cannot decide here' \
    "$KYSO" checkin verify --trust "$T/pki/root.pem" --no-default-trust --no-default-csca "$R"

# ---- edited records, re-signed by a facility that lies ---------------------------
mkdir -p "$T/e"
# resigned NAME PYTHON SRC: $T/e/NAME.json = SRC with PYTHON applied to d, canonical,
# signed with the facility key
resigned() {
	python3 - "$3" "$T/e/$1.json" "$2" <<'EOF' || fail "edit $1"
import base64, hashlib, json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
exec(sys.argv[3])
open(sys.argv[2], "wb").write(json.dumps(d, sort_keys=True, separators=(",", ":"),
                                          ensure_ascii=False).encode("utf-8"))
EOF
	"$KYSO" sign --key "$FKEY" --pin-source env:PIN --chain "$T/pki/chain.pem" \
	    -o "$T/e/$1.json.p7s" "$T/e/$1.json" >/dev/null 2>&1 || fail "re-sign $1"
}

# DG14 removed, CA still claimed passed
resigned nodg14 'd["card"]["dg14"] = None; del d["card"]["files"]["DG14"]' "$R"
expect 1 'FAILED +genuine +Chip Authentication: recorded passed, but the record holds no DG14 confirmed by the SOD' \
    cverify "$T/e/nodg14.json"
grep -Eq 'PASSED +facility_signature ' "$T/.out" && pass "nodg14: the signature passes, the evidence fails" ||
    fail "nodg14: signature"
expect_json 1 'd["exit"] == 1 and d["indication"] == "TOTAL-FAILED"' cverify "$T/e/nodg14.json" --json
# --json: the CA claim rejected (no DG14 the SOD confirms: the SOD lists one not held)
ca_json 1 "$T/e/nodg14.json" 'c == {"verdict": "passed", "recorded": True, "dg14": "not_read", "dg14_confirmed": False, "consistent": False, "counted": False}'
# DG14 altered (a byte of its key), recorded as read: the SOD does not confirm it
resigned altdg14 '
b = bytearray(base64.b64decode(d["card"]["dg14"])); b[-1] ^= 1; b = bytes(b)
d["card"]["dg14"] = base64.b64encode(b).decode()
d["card"]["files"]["DG14"]["sha256"] = hashlib.sha256(b).hexdigest()' "$R"
expect 1 'FAILED +genuine +Chip Authentication: recorded passed, but the record holds no DG14 confirmed by the SOD \(DG14 re-checked mismatch\)' \
    cverify "$T/e/altdg14.json"
grep -Eq 'FAILED +passive_authentication .*DG14' "$T/.out" && pass "altdg14: PA fails on DG14 too" ||
    fail "altdg14: passive_authentication"
ca_json 1 "$T/e/altdg14.json" 'c == {"verdict": "passed", "recorded": True, "dg14": "mismatch", "dg14_confirmed": False, "consistent": False, "counted": False}'
# DG14 altered, its recorded hash left: the embedded file is not the one read
resigned altdg14b '
b = bytearray(base64.b64decode(d["card"]["dg14"])); b[-1] ^= 1
d["card"]["dg14"] = base64.b64encode(bytes(b)).decode()' "$R"
expect 1 'FAILED +passive_authentication +the embedded DG14 is not the DG14 recorded as read' \
    cverify "$T/e/altdg14b.json"
# not_supported beside a DG14 that offers CA: inconsistent
resigned notsup 'v = d["card"]["verification"]; v["chip_authentication"] = "not_supported"; v["genuine"] = False; d["identity"] = "unverified"' "$R"
expect 1 "FAILED +genuine +Chip Authentication: recorded not_supported, but the record's DG14 offers it \\(id-CA-ECDH-AES-CBC-CMAC-128\\)" \
    cverify "$T/e/notsup.json"
# the CA verdict removed (the format before): the AA-only rule, and this card has no AA
resigned noca 'del d["card"]["verification"]["chip_authentication"]; del d["card"]["verification"]["dg14"]' "$R"
expect 1 'FAILED +genuine +recorded genuine = true, but the evidence gives false' \
    cverify "$T/e/noca.json"
# one of the two members only: malformed
resigned halfca 'del d["card"]["verification"]["dg14"]' "$R"
expect 6 'does not follow schema 1: .*chip_authentication.* go together' cverify "$T/e/halfca.json"

# ---- a record in the format before: an AA card, no chip_authentication ----------
make_card "$T/aa"
MRZ=$(cat "$T/aa/mrz.txt")
card_start "$T/aa" normal
expect 0 'Outcome: +covered' desk
card_stop
RA=$(newest_record)
resigned old 'del d["card"]["verification"]["chip_authentication"]; del d["card"]["verification"]["dg14"]' "$RA"
json_check "$T/e/old.json" '"chip_authentication" not in d["card"]["verification"] and d["card"]["verification"]["genuine"] is True and d["card"]["verification"]["active"] == "passed"' &&
    pass "old-format record made" || fail "old-format record"
expect 0 'TOTAL-PASSED' cverify "$T/e/old.json"
ca_json 0 "$T/e/old.json" 'c["verdict"] == "not_attempted" and c["recorded"] is False and c["consistent"] is True and c["counted"] is False'
grep -Eq 'PASSED +genuine +genuine = true \(identity verified\)$' "$T/.out" &&
    pass "old format: the genuine check as before" || fail "old format: genuine detail"
grep -Eq 'card: +passive passed, active passed, genuine true$' "$T/.out" &&
    pass "old format: card line as before" || fail "old format: card line"
# and the AA card's own record (CA not offered by its DG14)
expect 0 'TOTAL-PASSED' cverify "$RA"
# --json: an AA-only card's record: CA not counted, AA is its proof
ca_json 0 "$RA" 'c["verdict"] in ("not_supported", "not_attempted") and c["recorded"] is True and c["consistent"] is True and c["counted"] is False'

done_testing
