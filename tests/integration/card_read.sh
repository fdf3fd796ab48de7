#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso card list / read / verify against the virtual CCCD through the real
# pcscd + vpcd: the normal read (holder data with diacritics, photo byte for
# byte, JSON keys, stats), the dump re-verified offline, every BAC key form,
# wrong MRZ, no key, no card, --wait.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-card.sh"
card_setup
command -v python3 >/dev/null 2>&1 || skip_all "python3 is missing (scripts/deps)"

make_card "$T/card"
. "$T/card/card.env"
CSCA="--csca $T/pki/csca.pem"
MRZ=$(cat "$T/card/mrz.txt")
export MRZ
card_start "$T/card" normal
R=$CARD_READER

# json_check FILE PYTHON-EXPR : d is the parsed object
json_check() {
	_f=$1; shift
	if python3 - "$_f" "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)
EOF
	then pass "json: $1"; else fail "json: $1"; sed 's/^/    | /' "$_f" | head -40; fi
}

# ---- kyso card list ----
expect 0 "^$R: card present, ATR 3b8580018073940140" "$KYSO" card list
expect 0 "^$R: card present" "$KYSO" card list --wait 5
"$KYSO" card list --json >"$T/list.json"
json_check "$T/list.json" 'd["schema"] == 1 and any(r["name"] == "'"$R"'" and r["card_present"] and r["atr"].startswith("3b85") for r in d["readers"])'

# ---- the normal read: JSON, photo, dump ----
expect 0 '' "$KYSO" card read --reader "$R" --mrz-source env:MRZ $CSCA --json \
    --photo "$T/face.jpg" --dump "$T/dump"
cp "$T/.out" "$T/read.json"
grep -q 'warning' "$T/read.json" && fail "a warning for --mrz-source" || pass "no argv warning for env:"
json_check "$T/read.json" 'sorted(d) == sorted(["schema", "document", "holder", "mrz", "photo", "verification", "files", "stats"]) and d["schema"] == 1'
json_check "$T/read.json" 'd["holder"]["full_name"] == "Nguyễn Thị Hồng Nhung" and d["holder"]["id_number"] == "001190012345" and d["holder"]["date_of_birth"] == "15/03/1990" and d["holder"]["sex"] == "Nữ"'
json_check "$T/read.json" 'd["holder"]["place_of_residence"].startswith("Số nhà 12A, ngách 34/56") and d["holder"]["father_name"] == "Nguyễn Văn Hùng" and d["holder"]["mother_name"] == "Trần Thị Lan" and d["holder"]["old_id_number"] == "012345678" and d["holder"]["expiry_date"] == "15/03/2030"'
json_check "$T/read.json" 'd["document"] == {"type": "ID", "number": "190012345", "issuing_state": "VNM", "expiry": "2030-03-15"}'
json_check "$T/read.json" 'd["mrz"]["document_number"] == "190012345" and d["mrz"]["check_digits_valid"] is True and d["mrz"]["check_digits"]["composite"] == "ok"'
json_check "$T/read.json" 'd["verification"]["passive"] == "passed" and d["verification"]["active"] == "passed" and d["verification"]["genuine"] is True and d["verification"]["chip_authentication"] == "not_supported" and d["verification"]["pace"] == "not_attempted"'
json_check "$T/read.json" 'd["verification"]["document_signer"]["subject"].startswith("CN=Document Signer") and "CSCA" in d["verification"]["document_signer"]["issuer"] and len(d["verification"]["aa"]["challenge"]) == 16 and len(d["verification"]["aa"]["response"]) == 512'
json_check "$T/read.json" 'any(r.startswith("DG3 not read") for r in d["verification"]["reasons"]) and d["files"]["DG3"]["read"] is False'
json_check "$T/read.json" 'all(d["files"][k]["sod_hash"] == "match" for k in ("DG1", "DG2", "DG13", "DG14", "DG15")) and d["files"]["SOD"]["size"] > 0 and d["files"]["COM"]["read"] is True'
json_check "$T/read.json" 'd["photo"]["format"] == "jpeg" and d["photo"]["width"] == 360 and d["photo"]["height"] == 480 and d["photo"]["file"] == "'"$T/face.jpg"'"'
json_check "$T/read.json" 'd["stats"]["apdus"] >= 19 and d["stats"]["bytes"] > 20000 and d["stats"]["ms"] >= 0 and d["stats"]["extended"] is True and d["stats"]["bytes"] == d["stats"]["bytes_sent"] + d["stats"]["bytes_received"]'

# the photo: exactly the card's JPEG (the profile's face.jpg), a valid JPEG
cmp -s "$T/face.jpg" "$top_srcdir/tests/vcard/photo/face.jpg" &&
    pass "photo is the card's JPEG byte for byte" || fail "photo differs from the card's"
python3 - "$T/face.jpg" "$T/read.json" <<'EOF' && pass "photo is a JPEG of the reported size" || fail "photo not a JPEG"
import json, sys
b = open(sys.argv[1], "rb").read()
d = json.load(open(sys.argv[2], encoding="utf-8"))
assert b[:3] == b"\xff\xd8\xff" and b[-2:] == b"\xff\xd9" and len(b) == d["photo"]["size"]
EOF
# --photo FILE is written through FILE.tmpXXXXXX, which only a run killed outright
# (SIGKILL) leaves: the next run that writes the photo removes such leftovers - of
# exactly that shape, regular files of the user, older than 10 minutes - and nothing else
mkdir -m 700 "$T/ph"
for f in face.jpg.tmpKi11ed face.jpg.tmpYoung1 face.jpg.tmpAb12C face.jpg.tmpAb12Cd7 \
    other.jpg.tmpAb12Cd notes.txt; do
	(umask 077; printf 'half' > "$T/ph/$f")
	case $f in *Young*) ;; *) touch -d '1 hour ago' "$T/ph/$f" ;; esac
done
ln -s notes.txt "$T/ph/face.jpg.tmpLink01"
touch -h -d '1 hour ago' "$T/ph/face.jpg.tmpLink01"
expect 0 'Genuine: *yes' "$KYSO" card read --reader "$R" --mrz-source env:MRZ $CSCA \
    --photo "$T/ph/face.jpg"
[ ! -e "$T/ph/face.jpg.tmpKi11ed" ] && pass "--photo: the old leftover beside it is removed" ||
    fail "--photo: the old leftover is still there"
left=$(cd "$T/ph" && ls -A | LC_ALL=C sort | tr '\n' ' ')
[ "$left" = "face.jpg face.jpg.tmpAb12C face.jpg.tmpAb12Cd7 face.jpg.tmpLink01 face.jpg.tmpYoung1 notes.txt other.jpg.tmpAb12Cd " ] &&
    pass "--photo: a young one, look-alikes, a link and other files are left alone" ||
    fail "--photo: left: $left"
cmp -s "$T/ph/face.jpg" "$top_srcdir/tests/vcard/photo/face.jpg" && [ -s "$T/ph/notes.txt" ] &&
    pass "--photo: the photo written, the link's target untouched" || fail "--photo: photo or notes.txt"
# sha256 of the files as reported
python3 - "$T/read.json" "$T/card" <<'EOF' && pass "files.*.sha256 are the card's files" || fail "sha256 of files"
import json, sys, hashlib
d = json.load(open(sys.argv[1], encoding="utf-8"))
for k, f in (("DG1", "DG1.bin"), ("DG2", "DG2.bin"), ("DG13", "DG13.bin"), ("SOD", "EF.SOD"), ("COM", "EF.COM")):
    assert d["files"][k]["sha256"] == hashlib.sha256(open(sys.argv[2] + "/" + f, "rb").read()).hexdigest(), k
EOF

# the dump: every file as read, re-verified offline
for f in EF.COM EF.SOD DG1.bin DG2.bin DG13.bin DG14.bin DG15.bin; do
	cmp -s "$T/dump/$f" "$T/card/$f" && pass "dump $f as on the card" || fail "dump $f"
done
[ -f "$T/dump/DG3.bin" ] && fail "DG3 dumped though unreadable" || pass "no DG3 in the dump"
[ "$(wc -c <"$T/dump/AA-challenge.bin")" -eq 8 ] && [ -s "$T/dump/AA-response.bin" ] &&
    pass "AA exchange dumped" || fail "AA exchange not dumped"
expect 0 'Genuine: +yes' "$KYSO" card verify "$T/dump" $CSCA
expect 0 '' "$KYSO" card verify $CSCA "$T/dump" --json
json_check "$T/.out" 'd["verification"]["genuine"] is True and d["holder"]["full_name"] == "Nguyễn Thị Hồng Nhung" and d["stats"] is None'
expect 2 'no trusted CSCA' "$KYSO" card verify "$T/dump" --no-default-csca
cp -r "$T/dump" "$T/dump2"
printf 'X' | dd of="$T/dump2/DG13.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
expect 1 'DG13' "$KYSO" card verify "$T/dump2" $CSCA
# without the AA exchange: PA only, the chip not proven genuine
cp -r "$T/dump" "$T/dump3"
rm "$T/dump3/AA-response.bin"
expect 6 'AA-challenge.bin without AA-response.bin' "$KYSO" card verify "$T/dump3" $CSCA
rm "$T/dump3/AA-challenge.bin"
expect 2 'Active Authentication was not done' "$KYSO" card verify "$T/dump3" $CSCA
"$KYSO" card verify "$T/dump3" $CSCA --json >"$T/v3.json" 2>/dev/null
json_check "$T/v3.json" 'd["verification"]["passive"] == "passed" and d["verification"]["active"] == "not_attempted" and d["verification"]["genuine"] is False and d["verification"]["aa"] is None'
# DG15 (listed in the SOD) taken out of the dump: not "a card without AA"
cp -r "$T/dump" "$T/dump4"
rm "$T/dump4/DG15.bin"
expect 1 'active authentication failed: the SOD lists DG15 .* but the dump has no DG15.bin' \
    "$KYSO" card verify "$T/dump4" $CSCA
# a FIFO or a device named like a dump file is refused at once (was: blocked forever)
for f in DG1.bin DG13.bin AA-response.bin EF.SOD; do
	rm -rf "$T/dump5"
	cp -r "$T/dump" "$T/dump5"
	rm "$T/dump5/$f"
	mkfifo "$T/dump5/$f"
	expect 6 "$f: not a regular file" timeout 60 "$KYSO" card verify "$T/dump5" $CSCA
done
rm "$T/dump5/EF.SOD"
ln -s /dev/zero "$T/dump5/EF.SOD"
expect 6 'EF.SOD: not a regular file' timeout 60 "$KYSO" card verify "$T/dump5" $CSCA
expect 6 'nothing: no such directory; give the directory kyso card read --dump made' \
    "$KYSO" card verify "$T/nothing" $CSCA
expect 6 'DG1.bin: not a directory; give the directory' "$KYSO" card verify "$T/dump/DG1.bin" $CSCA
mkdir "$T/nosod"
"$KYSO" card verify --json "$T/$(printf 'd\377')" > "$T/bad.json" 2>/dev/null
json_check "$T/bad.json" 'd["error"]["exit"] == 6 and d["error"]["message"].endswith("d\\xff: no such directory; give the directory kyso card read --dump made")'
expect 6 'no EF.SOD' "$KYSO" card verify "$T/nosod" $CSCA
# a malformed security object is bad card data (6), as a malformed signature file is for
# kyso verify, not a question passive authentication could not decide (2)
rm -rf "$T/dump6"
cp -r "$T/dump" "$T/dump6"
head -c 40 "$T/dump/EF.SOD" > "$T/dump6/EF.SOD"
expect 6 'security object \(EF.SOD\) is malformed: .*read the card again' \
    "$KYSO" card verify "$T/dump6" $CSCA
: > "$T/dump6/EF.SOD"
expect 6 'EF.SOD\) is malformed' "$KYSO" card verify "$T/dump6" $CSCA
# a dump never overwrites: a non-empty directory is refused before the card is read
expect 3 'not empty' "$KYSO" card read --reader "$R" --mrz-source env:MRZ $CSCA --dump "$T/dump"

# ---- trust from an ICAO master list (CMS, eContentType 2.23.136.1.1.2) ----
( cd "$T" && umask 077 &&
  openssl ecparam -name prime256v1 -genkey -noout -out mlca.key &&
  openssl req -new -x509 -key mlca.key -sha256 -days 30 -subj "/C=VN/CN=Test ML CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -out mlca.pem &&
  openssl ecparam -name prime256v1 -genkey -noout -out mls.key &&
  openssl req -new -key mls.key -subj "/C=VN/CN=Test ML Signer" -out mls.csr &&
  printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=2.23.136.1.1.3\n' >mls.ext &&
  openssl x509 -req -in mls.csr -CA mlca.pem -CAkey mlca.key -CAcreateserial -days 30 \
      -extfile mls.ext -out mls.pem &&
  openssl x509 -in pki/csca.pem -outform DER -out csca.der &&
  python3 -c '
import sys
def L(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big"); return bytes([0x80 | len(b)]) + b
def T(t, v): return bytes([t]) + L(len(v)) + v
c = open("csca.der", "rb").read()
open("ml.der", "wb").write(T(0x30, T(0x02, b"\0") + T(0x31, c)))' &&
  openssl cms -sign -binary -nodetach -in ml.der -econtent_type 2.23.136.1.1.2 -md sha256 \
      -signer mls.pem -inkey mls.key -certfile mlca.pem -outform DER -out test.ml -nosmimecap
) >"$T/ml.log" 2>&1 || { cat "$T/ml.log"; fail "making a master list"; }
expect 0 'Genuine: +yes' "$KYSO" card read --reader "$R" --mrz-source env:MRZ --no-default-csca \
    --master-list "$T/test.ml" --ml-signer-anchor "$T/mlca.pem"
expect 2 '' "$KYSO" card read --reader "$R" --mrz-source env:MRZ --no-default-csca \
    --master-list "$T/test.ml" --ml-signer-anchor "$T/pki/root.pem"
grep -q '"holder"\|Genuine: *yes' "$T/.out" && fail "untrusted master list used" ||
    pass "a master list from an unknown signer is not used (nothing read)"
expect 3 'needs --ml-signer-anchor' "$KYSO" card read --reader "$R" --mrz-source env:MRZ \
    --master-list "$T/test.ml"
expect 6 "^kyso card: --master-list $T/pki/csca.pem is not an ICAO master list \\(it holds a PEM CERTIFICATE" \
    "$KYSO" card read --reader "$R" --mrz-source env:MRZ --master-list "$T/pki/csca.pem" \
    --ml-signer-anchor "$T/mlca.pem"
expect 6 "^kyso card: --csca $T/pki/csca.key is not a certificate \\(it holds a PEM PRIVATE KEY" \
    "$KYSO" card read --reader "$R" --mrz-source env:MRZ --csca "$T/pki/csca.key"

# ---- the human summary and --stats ----
expect 0 'Name: +Nguyễn Thị Hồng Nhung' "$KYSO" card read --reader "$R" --mrz-source env:MRZ $CSCA --stats
for re in 'ID number: +001190012345' 'Date of birth: +15/03/1990' 'Sex: +Nữ' 'Expiry: +15/03/2030' \
    'Residence: +Số nhà 12A' 'Data \(PA\): +passed' 'Chip \(AA\): +passed' 'Genuine: +yes' \
    'Stats: +[0-9]+ APDUs, [0-9]+ bytes, [0-9]+ ms' 'DG3 not read'; do
	grep -Eq "$re" "$T/.out" && pass "summary: $re" || fail "summary lacks /$re/"
done

# ---- the key forms ----
printf '%s\n' "$MRZ" >"$T/mrz.txt"
chmod 600 "$T/mrz.txt"
expect 0 'Genuine: +yes' "$KYSO" card read --reader "$R" --mrz-source "file:$T/mrz.txt" $CSCA
chmod 644 "$T/mrz.txt"
expect 5 'readable by others.*chmod 600' "$KYSO" card read --reader "$R" --mrz-source "file:$T/mrz.txt" $CSCA
expect 0 'warning: the card key came from the command line' \
    "$KYSO" card read --reader "$R" --mrz "$MRZ" $CSCA
expect 0 'warning: the card key came from the command line' \
    "$KYSO" card read --reader "$R" --doc-number "$CARD_DOC_NUMBER" --dob "$CARD_DOB" \
    --expiry "$CARD_EXPIRY" $CSCA
expect 0 'Genuine: +yes' "$KYSO" card read --reader "$R" --id "$CARD_ID12" --dob 15/03/1990 \
    --expiry 15/03/2030 $CSCA
expect 0 'Genuine: +yes' "$KYSO" card read --reader "$R" --id "$CARD_ID12" --dob 900315 $CSCA
expect 5 'the MRZ source env:NO_SUCH_VAR is not set' "$KYSO" card read --reader "$R" \
    --mrz-source env:NO_SUCH_VAR $CSCA
expect 3 'no card key' "$KYSO" card read --reader "$R" $CSCA
expect 3 'one card key only' "$KYSO" card read --reader "$R" --mrz-source env:MRZ \
    --id "$CARD_ID12" --dob 900315
expect 3 'bad card key' "$KYSO" card read --reader "$R" --doc-number 19001234 --dob 991399 \
    --expiry 300315

# ---- --photo that cannot be written: refused before the card is read, no dump left ----
expect 7 "--photo $T/no-such-dir/face.jpg: cannot create a file beside it" "$KYSO" card read \
    --reader "$R" --mrz-source env:MRZ $CSCA --photo "$T/no-such-dir/face.jpg" --dump "$T/dump-ph"
[ ! -e "$T/dump-ph" ] && pass "--photo unwritable: no dump written" || fail "--photo unwritable: a dump was left"
grep -q 'Name:\|Genuine' "$T/.out" && fail "--photo unwritable: holder data shown" ||
    pass "--photo unwritable: no result shown"
ls "$T" | grep -q 'tmp' && fail "--photo unwritable: temporary files left" || pass "--photo unwritable: no temporary files"
# an existing photo is replaced whole, nothing beside it
printf 'old' >"$T/face-old.jpg"
expect 0 'Genuine: +yes' "$KYSO" card read --reader "$R" --mrz-source env:MRZ $CSCA \
    --photo "$T/face-old.jpg"
cmp -s "$T/face-old.jpg" "$top_srcdir/tests/vcard/photo/face.jpg" && pass "existing --photo replaced by the card's JPEG" ||
    fail "existing --photo not replaced"
ls "$T" | grep -q 'tmp' && fail "--photo: temporary files left" || pass "--photo: no temporary files"

# ---- wrong key: 5, one message, no retry loop ----
expect 5 'these MRZ data do not open this card' "$KYSO" card read --reader "$R" \
    --doc-number "$CARD_DOC_NUMBER" --dob 900316 --expiry "$CARD_EXPIRY" $CSCA --json \
    --photo "$T/wrong.jpg"
[ "$(grep -c 'do not open this card' "$T/.out")" -eq 2 ] &&
    pass "one message (stderr) and the JSON error" || fail "wrong key reported more than once"
grep -q '"holder"' "$T/.out" && fail "holder data after a wrong key" || pass "no holder data"
[ -e "$T/wrong.jpg" ] && fail "photo written after a wrong key" || pass "no photo after a wrong key"

# ---- no card, --wait ----
card_remove
expect 4 'no card in the reader.*--wait' "$KYSO" card read --reader "$R" --mrz-source env:MRZ $CSCA
# a --dump / --photo place that cannot be written is refused before the card is
# looked for (here: no card in the reader, which would be exit 4)
expect 7 "--dump: cannot create a directory beside $T/no-such-dir/dump" "$KYSO" card read \
    --reader "$R" --mrz-source env:MRZ $CSCA --dump "$T/no-such-dir/dump"
expect 7 "--photo $T/no-such-dir/face.jpg: cannot create a file beside it" "$KYSO" card read \
    --reader "$R" --mrz-source env:MRZ $CSCA --photo "$T/no-such-dir/face.jpg"
# a symbolic link to an empty directory cannot be replaced by the dump: refused
# before the read (was: exit 7 after it)
mkdir "$T/empty-dir"
ln -s "$T/empty-dir" "$T/dump-link"
expect 3 "--dump: $T/dump-link is a symbolic link" "$KYSO" card read --reader "$R" \
    --mrz-source env:MRZ $CSCA --dump "$T/dump-link"

expect 4 'no card was inserted within 1 s' "$KYSO" card read --reader "$R" --wait 1 \
    --mrz-source env:MRZ $CSCA
expect 4 "no reader named 'No Such Reader'" "$KYSO" card read --reader "No Such Reader" \
    --mrz-source env:MRZ $CSCA
# a card inserted while kyso waits
"$KYSO" card read --reader "$R" --wait 30 --mrz-source env:MRZ $CSCA >"$T/wait.out" 2>&1 &
kpid=$!
card_start "$T/card" normal
wait $kpid
rc=$?
[ $rc -eq 0 ] && grep -q 'Genuine: *yes' "$T/wait.out" && pass "--wait: read the card inserted later" ||
    { fail "--wait: exit $rc"; cat "$T/wait.out"; }

card_stop
done_testing
