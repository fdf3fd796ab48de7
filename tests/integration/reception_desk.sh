#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso reception, one patient, with real parts: the virtual CCCD through pcscd +
# vpcd, the stand-in VSS gateway over TLS, the facility key on a fresh SoftHSM
# token.  A genuine card: desk summary, photo, a signed record that kyso checkin
# verify, kyso verify and openssl cms -verify all accept; --json prints exactly
# the record.  A card whose data was altered (tampered-dg): refused (1), nothing
# sent to the gateway, a record saying "refused"; with --allow-unverified it is
# looked up and recorded as unverified.  Card removed mid-read (4), a wrong MRZ
# (5): no record.  Session errors: no key, a bad PIN, no facility code.
# --tsa: a time-stamped record; a failing time-stamp server: a record without.
. "$top_srcdir/tests/integration/reception_lib.sh"

desk_setup
L=/api/egw/KQNhanLichSuKCB2024

# ---- a genuine card, covered ------------------------------------------------
expect 0 'Outcome: +covered' desk --facility-name "Bệnh viện Thử nghiệm"
for l in 'Patient: +Nguyễn Thị Hồng Nhung' 'ID number: +001190012345' 'Born: +15/03/1990' \
    'Card: +GENUINE' 'BHYT: +COVERED' 'result: +000' 'valid: .* to .*days left' \
    'registered: +01001' 'Photo: .*/records/[0-9]{8}-[0-9]{6}-[0-9a-f]{12}\.jpg' \
    'Record: .*/records/[0-9]{8}-[0-9]{6}-[0-9a-f]{12}\.json$' 'Signature: .*\.json\.p7s$'; do
	grep -Eq -- "$l" "$T/.out" && pass "summary: $l" || fail "summary lacks /$l/"
done
[ "$(nrecords)" -eq 1 ] && [ "$(unsigned)" -eq 0 ] && pass "one record, with its signature" ||
    fail "records: $(ls "$T/records")"
R1=$(newest_record)
# the record directory is private; the photo is the card's JPEG
[ "$(stat -c %a "$T/records")" = 700 ] && pass "record directory created 0700" ||
    fail "record directory mode $(stat -c %a "$T/records")"
[ "$(head -c 3 "${R1%.json}.jpg" | od -An -tx1 | tr -d ' ')" = ffd8ff ] &&
    pass "photo saved beside the record (JPEG)" || fail "no JPEG photo"
json_check "$R1" 'd["schema"] == 1 and d["type"] == "kyso-checkin" and d["outcome"] == "covered" and d["identity"] == "verified" and d["time"].endswith("+07:00") and d["facility"] == {"code": "01001", "name": "Bệnh viện Thử nghiệm"} and d["staff"] == {"name": "Trần Thị Bình", "id": "001085001234"} and d["reader"] == "'"$CARD_READER"'" and d["card"]["document"]["number"] == "190012345" and d["card"]["holder"] == {"id_number": "001190012345", "full_name": "Nguyễn Thị Hồng Nhung", "date_of_birth": "15/03/1990"} and d["card"]["verification"]["passive"] == "passed" and d["card"]["verification"]["active"] == "passed" and d["card"]["verification"]["genuine"] is True and d["card"]["sod_digest"] == "SHA-256" and set(d["card"]["files"]) == {"COM", "DG1", "DG2", "DG13", "DG14", "DG15", "SOD"} and d["card"]["aa"] is not None and d["lookup"]["request"]["maThe"] == "001190012345" and d["lookup"]["result"]["code"] == "000" and d["lookup"]["answer"]["http_status"] == 200 and d["lookup"]["error"] is None' &&
    pass "record content" || fail "record content"
# the SOD and DG15 in the record are the card's bytes; the answer's hash is the gateway's
python3 - "$R1" "$T/card" "$GW_LOG" <<'EOF' && pass "embedded SOD/DG15, file hashes and answer hash match the card and the gateway" || fail "embedded evidence"
import base64, hashlib, json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
card = sys.argv[2]
c = d["card"]
assert base64.b64decode(c["sod"]) == open(card + "/EF.SOD", "rb").read()
assert base64.b64decode(c["dg15"]) == open(card + "/DG15.bin", "rb").read()
for n in ("DG1", "DG2", "DG13"):
    assert c["files"][n]["sha256"] == hashlib.sha256(open(card + "/" + n + ".bin", "rb").read()).hexdigest(), n
a = d["lookup"]["answer"]
raw = a["data"].encode("utf-8")
assert hashlib.sha256(raw).hexdigest() == a["sha256"] and len(raw) == a["size"]
log = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
assert a["sha256"] in [r.get("sha256") for r in log]
EOF
# canonical: sorted keys, no white space, raw UTF-8, nothing after it
python3 - "$R1" <<'EOF' && pass "the record file is in canonical form" || fail "not canonical"
import json, sys
b = open(sys.argv[1], "rb").read()
d = json.loads(b)
assert b == json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
assert b"password" not in b and b"matkhau" not in b
EOF
# three verifiers agree
expect 0 'TOTAL-PASSED' cverify "$R1"
for c in facility_signature passive_authentication active_authentication genuine answer_hash \
    result request outcome; do
	grep -Eq "PASSED +$c " "$T/.out" && pass "check $c passed" || fail "check $c"
done
expect 0 'TOTAL-PASSED' "$KYSO" verify --trust "$T/pki/root.pem" --content "$R1" "$R1.p7s"
expect 0 'Verification successful' ossl_verify "$R1"

# --json: exactly the record's content, one line
desk --json >"$T/r.json" 2>"$T/r.err"
rc=$?
R2=$(newest_record)
[ "$rc" -eq 0 ] && [ "$(wc -l <"$T/r.json")" -eq 1 ] && [ "$(nrecords)" -eq 2 ] &&
    [ "$(head -c -1 "$T/r.json" | sha256sum)" = "$(sha256sum <"$R2")" ] &&
    pass "--json prints the record's content" || { fail "--json (exit $rc)"; cat "$T/r.err"; }
[ "$R1" != "$R2" ] && pass "a second check-in of the same card: a new record" ||
    fail "record overwritten"

# --photo FILE instead of beside the record; --no-photo.  FILE is written through
# FILE.tmpXXXXXX: one a desk killed outright left is removed once old; a young one
# (a writer at work) and look-alikes are not
for f in face.jpg.tmpKi11ed face.jpg.tmpYoung1 face.jpg.tmpAb12C face.png.tmpAb12Cd; do
	(umask 077; printf 'half' > "$T/$f")
	case $f in *Young*) ;; *) touch -d '1 hour ago' "$T/$f" ;; esac
done
expect 0 "Photo: +$T/face.jpg" desk --photo "$T/face.jpg"
[ -f "$T/face.jpg" ] && [ ! -f "$(newest_record | sed 's/\.json$/.jpg/')" ] &&
    pass "--photo FILE: the photo there, not beside the record" || fail "--photo"
[ ! -e "$T/face.jpg.tmpKi11ed" ] && [ -f "$T/face.jpg.tmpYoung1" ] && [ -f "$T/face.jpg.tmpAb12C" ] &&
    [ -f "$T/face.png.tmpAb12Cd" ] && pass "--photo FILE: only the old leftover beside it removed" ||
    fail "--photo FILE leftovers: $(cd "$T" && ls -d face*)"
expect 0 'Photo: +not saved \(--no-photo\)' desk --no-photo
[ ! -f "$(newest_record | sed 's/\.json$/.jpg/')" ] && pass "--no-photo: no photo file" ||
    fail "photo written with --no-photo"
n=$(nrecords)

# ---- the record cannot be written (a directory no file can be made in) ---------
if [ -d /proc/self/fdinfo ] && ! touch /proc/self/fdinfo/x 2>/dev/null; then
	expect 7 'the check-in record was NOT written: cannot create a file in /proc/' \
	    desk --record-dir /proc/self/fdinfo
	grep -q 'Record: *NOT WRITTEN' "$T/.out" && pass "desk: record not written" ||
	    fail "desk summary without a record"
fi

# ---- no verdict: no record ------------------------------------------------------
# a key that does not open this card (another date of birth)
expect 5 'do(es)? not open|access key|MRZ' desk_nokey --id 001190012345 --dob 16/03/1990 \
    --expiry 15/03/2030
expect_json 5 'd["schema"] == 1 and d["error"]["exit"] == 5 and "card" not in d' \
    desk_nokey --id 001190012345 --dob 16/03/1990 --expiry 15/03/2030 --json
card_start "$T/card" remove-after=8
expect 4 'the card was removed during the read' desk
card_remove
expect 4 'no card|No card|not present|removed' desk
[ "$(nrecords)" -eq "$n" ] && pass "no record without a verified read" || fail "record written"

# ---- a card whose data was altered: refused, recorded as refused ----------------
card_start "$T/card" tampered-dg
sent=$(gw_count $L)
expect 1 "refused: passive authentication failed: .*DG13.*not looked up \\(--allow-unverified" desk
grep -q 'BHYT: *not looked up (card refused)' "$T/.out" && pass "desk: not looked up" ||
    fail "desk summary of a refused card"
[ "$(gw_count $L)" -eq "$sent" ] && pass "nothing sent to the gateway" || fail "refused card sent"
R3=$(newest_record)
json_check "$R3" 'd["outcome"] == "refused" and d["identity"] == "unverified" and d["lookup"] is None and d["card"]["verification"]["passive"] == "failed" and d["card"]["verification"]["genuine"] is False and "DG13" in d["card"]["verification"]["reason"]' &&
    pass "the refusal is recorded, never as success" || fail "refused record"
expect 0 'TOTAL-PASSED' cverify "$R3"
grep -q 'outcome: *refused (identity unverified)' "$T/.out" && pass "verify shows the refusal" ||
    fail "verify output of a refused record"
expect 0 'Outcome: +covered' desk --allow-unverified
grep -q 'warning: *identity not verified' "$T/.out" && pass "desk warns: unverified" ||
    fail "no unverified warning"
R4=$(newest_record)
json_check "$R4" 'd["outcome"] == "covered" and d["identity"] == "unverified" and d["card"]["verification"]["genuine"] is False and "unverified" in [w["id"] for w in d["warnings"]]' &&
    pass "--allow-unverified: recorded as unverified" || fail "unverified record"
expect 0 'identity NOT verified' cverify "$R4"

# ---- session errors: before any card is read -----------------------------------
n=$(nrecords)
expect 3 '--sign-key URI is required' "$KYSO" reception --config "$T/kyso.conf" \
    --mrz-source env:MRZ --record-dir "$T/records"
expect 3 'no card key' desk_nokey
expect 3 'carries a PIN' desk --sign-key "pkcs11:token=FAC;object=facility;pin-value=1"
expect 5 'PIN|pin' env PIN=000000 "$KYSO" reception --config "$T/kyso.conf" \
    --sign-key "$FKEY" --pin-source env:PIN --record-dir "$T/records" \
    --reader "$CARD_READER" --mrz-source env:MRZ
expect 4 'no token|not found|TOKEN|token' desk --sign-key "pkcs11:token=NOPE;object=facility"
sed 's/^username = .*/username = benhvien/' "$T/kyso.conf" > "$T/nofac.conf"
chmod 600 "$T/nofac.conf"
expect 3 'no facility code' "$KYSO" reception --config "$T/nofac.conf" --sign-key "$FKEY" \
    --pin-source env:PIN --record-dir "$T/records" --mrz-source env:MRZ
expect 3 'goes with --loop' desk --max-patients 2
expect_json 3 'd["schema"] == 1 and d["error"]["exit"] == 3 and d["error"]["message"] == "unknown option or missing argument: --no-such-option (see --help)"' \
    desk --json --no-such-option
expect_json 3 'd["error"]["exit"] == 3 and "--sign-key" in d["error"]["message"]' \
    "$KYSO" reception --config "$T/kyso.conf" --mrz-source env:MRZ --json
: > "$T/plain"
expect 3 'not a directory' desk --record-dir "$T/plain"
[ "$(nrecords)" -eq "$n" ] && pass "no record from a session that did not start" ||
    fail "record written by a failed session"

# ---- --tsa: the record's signature is time-stamped; a failing time-stamp
# server does not hold the patient up (the record is signed without one)
start_pkisrv
card_start "$T/card"
expect 0 'Outcome: +covered' desk --tsa "$PKISRV/ok"
R2=$(newest_record)
expect 0 'PASSED +signature_timestamp +time-stamped at .* by "Kyso Test TSA"' "$KYSO" verify \
    --no-default-trust --trust "$T/pki/root.pem" --content "$R2" "$R2.p7s"
expect 0 'TOTAL-PASSED' cverify "$R2"
expect 0 'warning: the time-stamp server .*/500 answered HTTP 500; .*; the record is signed without a time-stamp' \
    desk --tsa "$PKISRV/500"
R3=$(newest_record)
[ "$R3" != "$R2" ] && pass "a record all the same" || fail "no record when the TSA failed"
expect 0 'SKIPPED +signature_timestamp' "$KYSO" verify --no-default-trust --trust "$T/pki/root.pem" \
    --content "$R3" "$R3.p7s"
expect 3 "--tsa takes the time-stamp server's http:// or https:// URL" desk --tsa ftp://x/

done_testing
