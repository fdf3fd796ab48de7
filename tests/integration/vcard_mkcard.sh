#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# mkcard's card files, checked with openssl as the referee: the SOD verifies
# against the test CSCA and hashes exactly the DG files, every DG parses, the
# MRZ check digits hold, DG13 carries the UTF-8 fields, variants differ as
# they should, and everything but keys and signatures is deterministic.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-card.sh"

[ -x "$MKCARD" ] || skip_all "mkcard not built"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is missing"
test_pki
C=$T/card
make_card "$C"

# strip_77 FILE OUT: the CMS inside EF.SOD's tag 77
strip_77() {
	_b=$(od -An -tx1 -j1 -N1 "$1" | tr -d ' ')
	case $_b in 82) _h=4 ;; 81) _h=3 ;; 83) _h=5 ;; *) _h=2 ;; esac
	tail -c +$((_h + 1)) "$1" >"$2"
}
# sod_hashes DER_LDS: "n HEX" per data group
sod_hashes() {
	openssl asn1parse -inform DER -in "$1" |
	    awk '/prim: INTEGER/ { sub(/.*:/, ""); n = sprintf("%d", "0x" $0) }
	         /OCTET STRING/ { sub(/.*:/, ""); print n, tolower($0) }'
}
# check_sod SODFILE CAFILE DG_NUMBERS...: verifies and matches the DG files of $C
check_sod() {
	_sod=$1; _ca=$2; shift 2
	strip_77 "$_sod" "$T/sod.der"
	expect 0 'Verification successful' openssl cms -verify -inform DER -in "$T/sod.der" \
	    -CAfile "$_ca" -purpose any -binary -out "$T/lds.der"
	sod_hashes "$T/lds.der" >"$T/hashes"
	: >"$T/want"
	for n in "$@"; do
		printf '%s %s\n' "$n" "$(sha256sum "$C/DG$n.bin" | cut -d' ' -f1)" >>"$T/want"
	done
	if cmp -s "$T/hashes" "$T/want"; then
		pass "$(basename "$_sod"): SHA-256 of DG $* = the DG files"
	else
		fail "$(basename "$_sod"): hashes differ"; diff "$T/want" "$T/hashes"
	fi
}

# --- the SOD ---
check_sod "$C/EF.SOD" "$T/pki/csca.pem" 1 2 3 13 14 15
openssl cms -cmsout -print -inform DER -in "$T/sod.der" >"$T/sod.txt" 2>&1
grep -q 'eContentType: .*2\.23\.136\.1\.1\.1' "$T/sod.txt" &&
    pass "eContentType is id-icao-ldsSecurityObject" || fail "eContentType"
grep -q 'Document Signer Th' "$T/sod.txt" && pass "the DS certificate is in the SOD" ||
    fail "no DS certificate in the SOD"
grep -q 'ecdsa-with-SHA256' "$T/sod.txt" && pass "signed with ECDSA-SHA256 (ds, brainpoolP256r1)" ||
    fail "signature algorithm"
expect 0 'INTEGER +:00' openssl asn1parse -inform DER -in "$T/lds.der"
expect 4 'Verify error|verification failure' openssl cms -verify -inform DER -in "$T/sod.der" \
    -CAfile "$T/pki/csca-unknown.pem" -purpose any -binary -out /dev/null

check_sod "$C/EF.SOD.no-dg15" "$T/pki/csca.pem" 1 2 3 13 14
check_sod "$C/EF.SOD.unknown-signer" "$T/pki/csca-unknown.pem" 1 2 3 13 14 15
expect 4 'Verify error|verification failure' openssl cms -verify -inform DER -in "$T/sod.der" \
    -CAfile "$T/pki/csca.pem" -purpose any -binary -out /dev/null

# --- the data groups parse, with the expected outer tags ---
expect 0 'appl \[ 0 \]' openssl asn1parse -inform DER -in "$C/EF.COM"
expect 0 'appl \[ 1 \]' openssl asn1parse -inform DER -in "$C/DG1.bin"
expect 0 'appl \[ 21 \]' openssl asn1parse -inform DER -in "$C/DG2.bin"
expect 0 'appl \[ 3 \]' openssl asn1parse -inform DER -in "$C/DG3.bin"
expect 0 'appl \[ 13 \]' openssl asn1parse -inform DER -in "$C/DG13.bin"
expect 0 '0\.4\.0\.127\.0\.7\.2\.2\.2' openssl asn1parse -inform DER -in "$C/DG14.bin"
expect 0 'rsaEncryption' openssl asn1parse -inform DER -in "$C/DG15.bin"
expect 0 'BIT STRING' openssl asn1parse -inform DER -in "$C/DG15.bin" -strparse 4
# EF.COM: LDS 1.7, and the tag list 61 75 63 6D 6E 6F (6F dropped in the no-dg15 variant)
[ "$(od -An -tx1 "$C/EF.COM" | tr -d ' \n')" = 60185f0104303130375f36063034303030305c066175636d6e6f ] &&
    pass "EF.COM lists DG1 DG2 DG3 DG13 DG14 DG15" || fail "EF.COM: $(od -An -tx1 "$C/EF.COM")"
od -An -tx1 "$C/EF.COM.no-dg15" | tr -d ' \n' | grep -q '5c056175636d6e$' &&
    pass "EF.COM.no-dg15 lists no DG15" || fail "EF.COM.no-dg15"

# --- DG1: the TD1 MRZ and its check digits ---
mrz=$(tail -c 90 "$C/DG1.bin")
l1=$(printf %s "$mrz" | cut -c1-30); l2=$(printf %s "$mrz" | cut -c31-60); l3=$(printf %s "$mrz" | cut -c61-90)
[ "$l1" = "IDVNM1900123457001190012345<<8" ] && pass "MRZ line 1 $l1" || fail "MRZ line 1 '$l1'"
[ "$l2" = "9003152F3003150VNM<<<<<<<<<<<0" ] && pass "MRZ line 2 $l2" || fail "MRZ line 2 '$l2'"
[ "$l3" = "NGUYEN<<THI<HONG<NHUNG<<<<<<<<" ] && pass "MRZ line 3 $l3" || fail "MRZ line 3 '$l3'"
cd_ok=$(printf '%s\n%s\n' "$l1" "$l2" | awk '
	function cd(s,   i, c, v, t, w) { t = 0
		for (i = 1; i <= length(s); i++) { c = substr(s, i, 1)
			if (c ~ /[0-9]/) v = c + 0; else if (c == "<") v = 0; else v = index("ABCDEFGHIJKLMNOPQRSTUVWXYZ", c) + 9
			w = (i % 3 == 1) ? 7 : (i % 3 == 2) ? 3 : 1; t += v * w }
		return t % 10 }
	NR == 1 { a = $0 } NR == 2 { b = $0 }
	END { ok = cd(substr(a, 6, 9)) == substr(a, 15, 1) && cd(substr(a, 16, 12)) == substr(a, 30, 1) &&
	      cd(substr(b, 1, 6)) == substr(b, 7, 1) && cd(substr(b, 9, 6)) == substr(b, 15, 1) &&
	      cd(substr(a, 6, 25) substr(b, 1, 7) substr(b, 9, 7) substr(b, 19, 11)) == substr(b, 30, 1)
	      print ok ? "yes" : "no" }')
[ "$cd_ok" = yes ] && pass "MRZ check digits (7-3-1) hold" || fail "MRZ check digits"
cmp -s "$C/mrz.txt" - <<EOF && pass "mrz.txt = DG1's MRZ" || fail "mrz.txt"
$l1
$l2
$l3
EOF

# --- DG13: UTF-8 strings, a residence over 127 bytes (long-form length) ---
openssl asn1parse -inform DER -in "$C/DG13.bin" >"$T/dg13.txt"
grep -q 'UTF8STRING *:Nguyễn Thị Hồng Nhung$' "$T/dg13.txt" && pass "DG13 full name in UTF-8" ||
    fail "DG13 full name"
grep -q 'hl=3 l= *15[0-9] prim: UTF8STRING *:Số nhà 12A' "$T/dg13.txt" &&
    pass "DG13 residence over 127 bytes (long-form length)" || fail "DG13 residence"
grep -q 'UTF8STRING *:Nữ$' "$T/dg13.txt" && pass "DG13 sex Nữ" || fail "DG13 sex"
grep -q 'PRINTABLESTRING *:001190012345$' "$T/dg13.txt" && grep -q 'PRINTABLESTRING *:012345678$' "$T/dg13.txt" &&
    pass "DG13 ID and old ID" || fail "DG13 IDs"
[ "$(grep -c 'prim: INTEGER' "$T/dg13.txt")" -eq 17 ] && pass "DG13: 16 numbered fields + the wrapper version" ||
    fail "DG13 field count"

# --- DG2: CBEFF + ISO 19794-5 record with the JPEG, ~20 KB ---
size=$(wc -c <"$C/DG2.bin")
[ "$size" -gt 15000 ] && [ "$size" -lt 30000 ] && pass "DG2 is $size bytes" || fail "DG2 size $size"
od -An -tx1 -N64 "$C/DG2.bin" | tr -d ' \n' | grep -q '5f2e8[12]....46414300303130' &&
    pass "DG2: 5F2E holds a FAC\\0 010\\0 facial record" || fail "DG2 facial record header"
tail -c "$(wc -c <"$top_srcdir/tests/vcard/photo/face.jpg")" "$C/DG2.bin" | cmp -s - "$top_srcdir/tests/vcard/photo/face.jpg" &&
    pass "DG2 ends with the JPEG photo" || fail "DG2 JPEG"

# --- profile.json, card.env ---
. "$C/card.env"
[ "$CARD_DOC_NUMBER" = 190012345 ] && [ "$CARD_DOB" = 900315 ] && [ "$CARD_EXPIRY" = 300315 ] &&
    pass "card.env BAC inputs" || fail "card.env BAC inputs"
[ "$CARD_QR" = "001190012345|012345678|Nguyễn Thị Hồng Nhung|15031990|Nữ|Số nhà 12A, ngách 34/56, ngõ 78 phố Nguyễn Chí Thanh, Tổ dân phố số 5, Phường Láng Thượng, Quận Đống Đa, Thành phố Hà Nội|10042021" ] &&
    pass "QR text" || fail "QR text '$CARD_QR'"
if command -v python3 >/dev/null 2>&1; then
	expect 0 '^190012345 900315 300315$' python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); b=p["bac"]; print(b["document_number"], b["date_of_birth"], b["date_of_expiry"])' "$C/profile.json"
fi
[ "$(stat -c %a "$C/aa.key")" = 600 ] && pass "aa.key is 0600" || fail "aa.key mode"

# --- deterministic except keys and signatures ---
make_card "$T/card2"
same=yes
for f in EF.COM DG1.bin DG2.bin DG3.bin DG13.bin DG14.bin mrz.txt profile.json card.env; do
	cmp -s "$C/$f" "$T/card2/$f" || { same=no; echo "    differs: $f"; }
done
[ "$same" = yes ] && pass "same profile, same data groups" || fail "mkcard is not deterministic"
cmp -s "$C/DG15.bin" "$T/card2/DG15.bin" && fail "two cards share an AA key" || pass "fresh AA key per card"

# --- the ec-aa profile: ECDSA AA, flat DG13, RSA-PSS Document Signer ---
E=$T/card-ec
VCARD_PROFILE=$top_srcdir/tests/vcard/profiles/ec-aa.conf make_card "$E"
C=$E
check_sod "$E/EF.SOD" "$T/pki/csca-rsa.pem" 1 2 3 13 14 15
openssl cms -cmsout -print -inform DER -in "$T/sod.der" | grep -q rsassaPss && pass "ec-aa: SOD signed with RSA-PSS" ||
    fail "ec-aa: not RSA-PSS"
expect 0 '2\.23\.136\.1\.1\.5' openssl asn1parse -inform DER -in "$E/DG14.bin"
expect 0 '0\.4\.0\.127\.0\.7\.1\.1\.4\.1\.3' openssl asn1parse -inform DER -in "$E/DG14.bin"
expect 0 'prime256v1' openssl asn1parse -inform DER -in "$E/DG15.bin"
grep -q '^TRAN<<DUC<ANH<<<<' "$E/mrz.txt" && pass "ec-aa: MRZ name from Trần Đức Anh" || fail "ec-aa MRZ name"
sed -n 2p "$E/mrz.txt" | grep -q '^030902.M280902' && pass "ec-aa: sex M, expiry at 25" || fail "ec-aa line 2"
openssl asn1parse -inform DER -in "$E/DG13.bin" | sed -n 2p | grep -q 'd=1.*SEQUENCE' &&
    pass "ec-aa: flat DG13 (fields directly in 6D)" || fail "ec-aa: DG13 layout"

# --- mkcard refuses bad input ---
expect 1 'id: expected 12 digits' "$MKCARD" -k "$T/pki" -o "$T/bad" -s id=12345
expect 1 "unknown profile key 'colour'" "$MKCARD" -k "$T/pki" -o "$T/bad" -s colour=red
expect 1 'sex: expected Nam or Nữ' "$MKCARD" -k "$T/pki" -o "$T/bad" -s sex=X \
    -s photo="$top_srcdir/tests/vcard/photo/face.jpg"
expect 1 'cannot open .*/nopki/ds.pem' "$MKCARD" -k "$T/nopki" -o "$T/bad" \
    -s photo="$top_srcdir/tests/vcard/photo/face.jpg"
expect 3 'usage: mkcard' "$MKCARD" -o "$T/bad"

done_testing
