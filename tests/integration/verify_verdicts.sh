#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso verify: every verdict with its exit status and message (ETSI EN 319 102-1),
# the worst verdict deciding over several signatures, content lookup, trust options,
# malformed input, and the --json object.
set -u
. "$top_srcdir/tests/integration/lib.sh"
fresh_softhsm
test_pki
P=$T/pki
export KYSO_TRUST_DIR="$top_srcdir/certs/trust"
PIN=123456
export PIN
init_token T1 12345678 "$PIN"
softhsm2-util --import "$P/signer-rsa.key" --token T1 --label sign --id 01 --pin "$PIN" >/dev/null
openssl x509 -in "$P/signer-rsa.pem" -outform DER -out "$T/signer.der"
pkcs11-tool --module "$SOFTHSM_MODULE" --token-label T1 --login --pin "$PIN" \
    --write-object "$T/signer.der" --type cert --id 01 --label sign >/dev/null 2>&1

mkdir -p "$T/d"
cd "$T/d" || exit 1
printf 'Công văn số 45/CV-BYT\n' > doc.txt
"$KYSO" sign --key "pkcs11:token=T1;object=sign" --pin-source env:PIN --chain "$P/chain.pem" \
    doc.txt >/dev/null 2>&1 || fail "kyso sign"
# OpenSSL signs with certificates kyso would refuse (expired, future, encryption-only...)
osign() { # NAME OUT [openssl cms options]
	n=$1 o=$2
	shift 2
	openssl cms -sign -binary -in doc.txt -signer "$P/$n.pem" -inkey "$P/$n.key" \
	    -certfile "$P/chain.pem" -outform DER -out "$o" "$@"
}
V() { "$KYSO" verify --trust "$P/root.pem" "$@"; }

# ---- TOTAL-PASSED ------------------------------------------------------------------
expect 0 "doc.txt.p7s: TOTAL-PASSED" V doc.txt.p7s
expect 0 "content: +doc.txt \\(detached" V doc.txt.p7s
expect 0 "signer: +Nguyễn Văn An" V doc.txt.p7s
expect 0 "serial: +01" V doc.txt.p7s
expect 0 "signing time: +20[0-9-]+T" V doc.txt.p7s
expect 0 "<- Kyso Test Root CA \\(trust anchor\\)" V doc.txt.p7s
expect 0 "PASSED +message_digest" V doc.txt.p7s
expect 0 "SKIPPED +revocation" V doc.txt.p7s

# ---- TOTAL-FAILED (exit 1) -----------------------------------------------------------
cp doc.txt orig.txt
printf 'Công văn số 46/CV-BYT\n' > doc.txt
expect 1 "TOTAL-FAILED/HASH_FAILURE" V doc.txt.p7s
expect 1 "does not match the signed message-digest" V doc.txt.p7s
# an untrusted chain does not hide a modified file
expect 1 "TOTAL-FAILED/HASH_FAILURE" "$KYSO" verify doc.txt.p7s
cp orig.txt doc.txt
# the signature value altered: flip its last byte
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[-1] ^= 1
open(sys.argv[2], "wb").write(d)' doc.txt.p7s alt.p7s
expect 1 "TOTAL-FAILED/SIG_CRYPTO_FAILURE" V --content doc.txt alt.p7s
expect 1 "does not verify with the signer's public key" V --content doc.txt alt.p7s
expect 4 "Verification failure" openssl cms -verify -binary -inform DER -in alt.p7s \
    -content doc.txt -CAfile "$P/root.pem" -purpose any -out /dev/null
# an encryption-only certificate: key usage forbids signing
osign enc-only enc.p7s -cades
expect 1 "TOTAL-FAILED/CHAIN_CONSTRAINTS_FAILURE" V --content doc.txt enc.p7s
expect 1 "neither digitalSignature nor nonRepudiation" V --content doc.txt enc.p7s
# a certificate for another use: its extendedKeyUsage names no document-signing purpose
osign tls-server tls.p7s -cades
expect 1 "TOTAL-FAILED/CHAIN_CONSTRAINTS_FAILURE" V --content doc.txt tls.p7s
expect 1 "FAILED +key_usage .*extendedKeyUsage names no document-signing purpose" \
    V --content doc.txt tls.p7s
# ... and purposes that do sign documents, or none named (issued here by the gov CA)
ekusign() { # NAME EXTENSION-LINE
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
	    -subj "/CN=EKU $1" -out "$1.csr" 2>/dev/null &&
	printf '[ e ]\nkeyUsage = critical, digitalSignature\n%s\n' "$2" > "$1.cnf" &&
	openssl x509 -req -in "$1.csr" -CA "$P/gov-ca.pem" -CAkey "$P/gov-ca.key" \
	    -set_serial "0x$(openssl rand -hex 8)" -days 30 -extfile "$1.cnf" -extensions e \
	    -out "$1.pem" 2>/dev/null &&
	openssl cms -sign -binary -in doc.txt -signer "$1.pem" -inkey "$1.key" \
	    -certfile "$P/chain.pem" -outform DER -out "$1.p7s" -cades ||
	fail "issue and sign with $1"
}
ekusign docsign "extendedKeyUsage = 1.3.6.1.5.5.7.3.36"
ekusign noeku ""
ekusign any "extendedKeyUsage = serverAuth, anyExtendedKeyUsage"
ekusign client "extendedKeyUsage = clientAuth"
ekusign tsa "extendedKeyUsage = critical, timeStamping"
for n in docsign noeku any client; do
	expect 0 "$n.p7s: TOTAL-PASSED" V --content doc.txt "$n.p7s"
done
expect 1 "TOTAL-FAILED/CHAIN_CONSTRAINTS_FAILURE" V --content doc.txt tsa.p7s

# ---- INDETERMINATE (exit 2) -----------------------------------------------------------
expect 2 "INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND" "$KYSO" verify doc.txt.p7s
expect 2 "INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND" "$KYSO" verify --trust "$P/other-root.pem" \
    doc.txt.p7s
expect 2 "not trusted" "$KYSO" verify --no-default-trust doc.txt.p7s
osign other-signer other.p7s -cades
expect 2 "INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND" V --content doc.txt other.p7s
osign signer-expired expired.p7s -cades
expect 2 "INDETERMINATE/OUT_OF_BOUNDS_NO_POE" V --content doc.txt expired.p7s
expect 2 "expired on 2021-01-01T00:00:00Z" V --content doc.txt expired.p7s
osign signer-future future.p7s -cades
expect 2 "INDETERMINATE/NOT_YET_VALID" V --content doc.txt future.p7s
expect 2 "not valid before 2099-01-01" V --content doc.txt future.p7s
osign signer-rsa nocerts.p7s -nocerts
expect 2 "INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND" V --content doc.txt nocerts.p7s
expect 0 "TOTAL-PASSED" V --trust "$P/signer-rsa.pem" --content doc.txt nocerts.p7s

# ---- several signatures: the worst decides ---------------------------------------
cp doc.txt.p7s good.p7s
expect 0 "" V --content doc.txt good.p7s doc.txt.p7s
expect 2 "" V --content doc.txt good.p7s expired.p7s
expect 1 "" V --content doc.txt expired.p7s good.p7s alt.p7s
# several SignerInfos in one file
openssl cms -sign -binary -in doc.txt -signer "$P/signer-rsa.pem" -inkey "$P/signer-rsa.key" \
    -signer "$P/other-signer.pem" -inkey "$P/other-signer.key" -certfile "$P/chain.pem" \
    -outform DER -out two.p7s
expect 2 "signature 2 of 2" V --content doc.txt two.p7s
expect 2 "doc.txt.p7s: TOTAL-PASSED|two.p7s: INDETERMINATE" V --content doc.txt two.p7s
openssl cms -sign -binary -in doc.txt -signer "$P/signer-rsa.pem" -inkey "$P/signer-rsa.key" \
    -signer "$P/signer-ec.pem" -inkey "$P/signer-ec.key" -certfile "$P/chain.pem" \
    -outform DER -out both.p7s
expect 0 "Trần Thị Bình" V --content doc.txt both.p7s

# ---- missing, malformed, usage ----------------------------------------------------
expect 6 "good.p7s is a detached signature and its content good was not found; name the signed file with --content FILE" V good.p7s
cp good.p7s nosuffix.sig
expect 6 "nosuffix.sig is a detached signature and no signed content was given" V nosuffix.sig
expect 6 "cannot open the signed content nothing.txt" V --content nothing.txt doc.txt.p7s
expect 6 "cannot open nothing.p7s" V nothing.p7s
mkdir -p adir.p7s
expect 6 "adir.p7s is a directory" V --content doc.txt adir.p7s
expect 6 "the signed content adir.p7s is not a file" V --content adir.p7s doc.txt.p7s
head -c 300 /dev/urandom > junk.p7s
expect 6 "junk.p7s is not a valid CMS signature" V --content doc.txt junk.p7s
head -c 500 doc.txt.p7s > cut.p7s
expect 6 "cut.p7s is not a valid CMS signature: truncated" V --content doc.txt cut.p7s
openssl x509 -in "$P/root.pem" -outform DER -out cert.p7s
expect 6 "cert.p7s is not a valid CMS signature" V --content doc.txt cert.p7s
openssl cms -encrypt -binary -in doc.txt -outform DER -out enveloped.p7m "$P/tls-server.pem"
expect 6 "the content type is not signedData" V --content doc.txt enveloped.p7m
: > empty.p7s
expect 6 "empty" V --content doc.txt empty.p7s
osign signer-rsa att.p7s -nodetach
expect 0 "embedded in the signature" V att.p7s
expect 3 "embeds the signed content" V --content doc.txt att.p7s
expect 3 "no signature file given" "$KYSO" verify
expect 3 "unknown option" "$KYSO" verify --bogus doc.txt.p7s
expect 6 "cannot open the trust anchors" "$KYSO" verify --trust "$T/none.pem" doc.txt.p7s
# a malformed file outranks the verdicts of the others
expect 6 "" V --content doc.txt good.p7s junk.p7s alt.p7s

# ---- trust options ----------------------------------------------------------------
expect 0 "TOTAL-PASSED" "$KYSO" verify --no-default-trust --trust "$P/root.pem" doc.txt.p7s
expect 0 "TOTAL-PASSED" "$KYSO" verify --trust "$P" doc.txt.p7s
KYSO_TRUST_DIR=$T/no-such-dir
export KYSO_TRUST_DIR
expect 0 "TOTAL-PASSED" V doc.txt.p7s
expect 2 "default trust store .*no-such-dir is missing" "$KYSO" verify doc.txt.p7s
KYSO_TRUST_DIR=$P
expect 0 "TOTAL-PASSED" "$KYSO" verify doc.txt.p7s
KYSO_TRUST_DIR="$top_srcdir/certs/trust"
many=""
i=0
while [ "$i" -le 64 ]; do many="$many --trust $P/root.pem"; i=$((i + 1)); done
# shellcheck disable=SC2086
expect 3 "at most 64 --trust options; put the anchors in one directory" "$KYSO" verify $many \
    doc.txt.p7s
expect 6 "cannot open the trust anchors" "$KYSO" checkin verify --trust "$T/none.pem" \
    doc.txt

# ---- --json: one object, also on failure --------------------------------------------
json_check() { # EXIT PYTHON-ASSERTION ARGS...
	want=$1 cond=$2
	shift 2
	"$KYSO" verify --json "$@" > "$T/out.json" 2>"$T/err.txt"
	got=$?
	if [ "$got" -ne "$want" ]; then fail "verify --json $*: exit $got, expected $want"; return; fi
	if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $cond, d" \
	    "$T/out.json" 2>"$T/py.txt"; then
		pass "verify --json $* -> $want: $cond"
	else
		fail "verify --json $*: $cond"; sed 's/^/    | /' "$T/py.txt" | tail -3
	fi
}
json_check 0 "d['schema'] == 1 and d['indication'] == 'TOTAL-PASSED' and d['exit'] == 0" \
    --trust "$P/root.pem" doc.txt.p7s
json_check 0 "d['results'][0]['signatures'][0]['signer'] == 'Nguyễn Văn An'" \
    --trust "$P/root.pem" doc.txt.p7s
json_check 0 "[c['status'] for c in d['results'][0]['signatures'][0]['checks']].count('PASSED') == 7" \
    --trust "$P/root.pem" doc.txt.p7s
json_check 0 "d['results'][0]['content'] == 'doc.txt' and d['results'][0]['attached'] is False" \
    --trust "$P/root.pem" doc.txt.p7s
json_check 0 "len(d['results'][0]['signatures'][0]['chain']) == 3" --trust "$P/root.pem" doc.txt.p7s
json_check 1 "d['indication'] == 'TOTAL-FAILED' and d['sub_indication'] == 'SIG_CRYPTO_FAILURE'" \
    --trust "$P/root.pem" --content doc.txt good.p7s alt.p7s
json_check 2 "d['results'][0]['sub_indication'] == 'OUT_OF_BOUNDS_NO_POE'" \
    --trust "$P/root.pem" --content doc.txt expired.p7s
json_check 6 "d['exit'] == 6 and d['indication'] is None and 'not a valid CMS' in d['results'][0]['error']" \
    --trust "$P/root.pem" --content doc.txt junk.p7s
json_check 3 "d['schema'] == 1 and d['exit'] == 3" --bogus doc.txt.p7s
json_check 2 "len(d['results'][0]['signatures']) == 2" --trust "$P/root.pem" --content doc.txt two.p7s
# ---- names cannot forge the report -----------------------------------------------------
# A file named "fake.p7s: TOTAL-PASSED<newline>x.p7s" whose signature cannot be decided:
# no stdout line may read as a verdict kyso did not give; the name is shown escaped.
forged=$(printf 'fake.p7s: TOTAL-PASSED\nx.p7s')
cp doc.txt.p7s "$forged"
"$KYSO" verify --content doc.txt "$forged" > "$T/forged.out" 2>/dev/null
rc=$?
[ "$rc" -eq 2 ] && pass "a forged name: INDETERMINATE, exit 2" || fail "a forged name: exit $rc"
if grep -q '^fake.p7s: TOTAL-PASSED$' "$T/forged.out"; then
	fail "a file name forged a verdict line: $(head -3 "$T/forged.out")"
else
	pass "a file name cannot forge a verdict line"
fi
grep -q '^fake.p7s: TOTAL-PASSED\\0Ax.p7s: INDETERMINATE' "$T/forged.out" &&
    pass "the name is shown with its newline escaped" ||
    fail "escaped name: $(head -2 "$T/forged.out")"
rm -f "$forged"
# a name that is not UTF-8 stays in --json, its bad byte as \xNN (it was dropped)
cp doc.txt.p7s "$(printf 'bad\377.p7s')"
json_check 2 "d['results'][0]['file'] == 'bad\\\\xff.p7s' and d['results'][0]['content'] == 'doc.txt'" \
    --content doc.txt "$(printf 'bad\377.p7s')"
json_check 3 "d['error'].startswith('unknown option or missing argument: --bogus')" --bogus x.p7s
done_testing
