#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Demo: a civil servant signs a dossier with the key on her token (one PIN entry
# for all files), the office verifies it, and a tampered copy is caught.
# Runs on a fresh machine after ./scripts/build; everything lives in a temp dir.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
PART=20-sign
. "$top/scripts/demo.d/common.inc"
KYSO=${KYSO:-$top/build/tools/kyso}
[ -x "$KYSO" ] || { echo "20-sign: build first (./scripts/build)" >&2; exit 1; }
find_softhsm

D=$(mktemp -d "${TMPDIR:-/tmp}/kyso-demo-sign.XXXXXX")
TSA_PID=
trap '[ -z "$TSA_PID" ] || kill "$TSA_PID" 2>/dev/null; rm -rf "$D"' EXIT INT TERM
# A verification that must end with STATUS: its failed checks shown, the
# demo stopped if the status is another.
must() { # STATUS WHAT CMD...
	_want=$1 _what=$2
	shift 2
	printf '$ %s\n' "$*"
	_status=0
	"$@" > "$D/out.txt" 2>&1 || _status=$?
	grep -v '^      PASSED\|^      SKIPPED' "$D/out.txt"
	if [ "$_status" -ne "$_want" ]; then
		echo "20-sign: expected exit $_want ($_what), got $_status" >&2
		exit 1
	fi
	echo "exit status $_want: $_what, as expected"
}

say "Signing demo: a token, a dossier, one login, a verification, a forgery caught"

say "1. A throw-away test PKI (certs/mkpki.sh) and a fresh SoftHSM token"
sh "$top/certs/mkpki.sh" "$D/pki" >/dev/null 2>&1
mkdir -p "$D/softhsm"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$D/softhsm" > "$D/softhsm2.conf"
SOFTHSM2_CONF=$D/softhsm2.conf
KYSO_PKCS11_MODULE=$MODULE
KYSO_TRUST_DIR=$top/certs/trust   # the default store, as installed
# The demo PIN travels in the environment, never on a command line.
KYSO_DEMO_PIN=246810
export SOFTHSM2_CONF KYSO_PKCS11_MODULE KYSO_TRUST_DIR KYSO_DEMO_PIN
softhsm2-util --init-token --free --label "Nguyen Van An" --so-pin 13572468 \
    --pin "$KYSO_DEMO_PIN" >/dev/null
softhsm2-util --import "$D/pki/signer-rsa.key" --token "Nguyen Van An" --label sign --id 01 \
    --pin "$KYSO_DEMO_PIN" >/dev/null
openssl x509 -in "$D/pki/signer-rsa.pem" -outform DER -out "$D/signer.der"
pkcs11-tool --module "$MODULE" --token-label "Nguyen Van An" --login --pin "$KYSO_DEMO_PIN" \
    --write-object "$D/signer.der" --type cert --id 01 --label sign >/dev/null 2>&1
echo "token 'Nguyen Van An': RSA-2048 key 'sign' + certificate of Nguyễn Văn An (Kyso Test PKI)"

say "2. The dossier"
mkdir -p "$D/ho-so"
cd "$D/ho-so"
printf 'TỜ TRÌNH\nV/v phê duyệt kế hoạch chuyển đổi số năm 2027\n' > to-trinh.txt
printf 'PHỤ LỤC\n1. Máy chủ: 2 bộ\n2. Chữ ký số: 40 thiết bị\n' > phu-luc.txt
printf 'BIÊN BẢN HỌP\nNgày 01/12/2026, thống nhất trình Bộ trưởng.\n' > bien-ban.txt
ls -l

say "3. Sign the three files: one session, one login (PIN from env:KYSO_DEMO_PIN)"
run "$KYSO" sign --key "pkcs11:token=Nguyen%20Van%20An;object=sign" \
    --pin-source env:KYSO_DEMO_PIN --chain "$D/pki/chain.pem" \
    to-trinh.txt phu-luc.txt bien-ban.txt

say "4. Verify (trusting the test root): TOTAL-PASSED"
run "$KYSO" verify --trust "$D/pki/root.pem" to-trinh.txt.p7s
"$KYSO" verify --trust "$D/pki/root.pem" phu-luc.txt.p7s bien-ban.txt.p7s >/dev/null
echo "phu-luc.txt.p7s, bien-ban.txt.p7s: TOTAL-PASSED too"
echo "OpenSSL agrees:"
run openssl cms -verify -binary -inform DER -in to-trinh.txt.p7s -content to-trinh.txt \
    -CAfile "$D/pki/root.pem" -purpose any -out /dev/null

say "4b. The minutes again, with a time-stamp (CAdES-T) from a time-stamp server"
echo "   (a local stand-in: tests/pkisrv/pkisrv.py around openssl ts -reply, the test PKI's TSA)"
mkdir -p "$D/tsa"
python3 "$top/tests/pkisrv/pkisrv.py" --pki "$D/pki" --dir "$D/tsa" --log "$D/tsa.log" \
    > "$D/tsa.out" 2> "$D/tsa.err" &
TSA_PID=$!
await_ready "$TSA_PID" "$D/tsa" "the TSA"
TSA=http://127.0.0.1:$READY_PORT
run "$KYSO" sign --key "pkcs11:token=Nguyen%20Van%20An;object=sign" \
    --pin-source env:KYSO_DEMO_PIN --chain "$D/pki/chain.pem" --tsa "$TSA/ok" --force \
    bien-ban.txt
"$KYSO" verify --trust "$D/pki/root.pem" bien-ban.txt.p7s | grep -E 'TOTAL|signature_timestamp'

say "5. Someone edits the plan after signing: the copy must fail (exit 1)"
mkdir -p "$D/copy"
cp to-trinh.txt to-trinh.txt.p7s "$D/copy/"
sed 's/2027/2028/' to-trinh.txt > "$D/copy/to-trinh.txt"
cd "$D/copy"
must 1 "TOTAL-FAILED/HASH_FAILURE: the forgery is caught" \
    "$KYSO" verify --trust "$D/pki/root.pem" to-trinh.txt.p7s
say "6. Her token is lost: the CA revokes the certificate; with the CAs' CRLs (--crl) the"
echo "   signature is no longer accepted (exit 2: nothing proves it was made before)"
crl() { # CA OUT [openssl ca options]: a CRL from the test PKI's CA database
	mkdir -p "$D/ca-$1"
	[ -f "$D/ca-$1/index" ] || cp "$D/pki/db/$1.index" "$D/ca-$1/index"
	[ -f "$D/ca-$1/crlnumber" ] || echo 01 > "$D/ca-$1/crlnumber"
	printf '[ca]\ndefault_ca=CA\n[CA]\ndatabase=%s\ncrlnumber=%s\ndefault_md=sha256\ndefault_crl_days=30\n' \
	    "$D/ca-$1/index" "$D/ca-$1/crlnumber" > "$D/ca-$1/cnf"
	_ca=$1 _out=$2
	shift 2
	openssl ca -config "$D/ca-$_ca/cnf" -cert "$D/pki/$_ca.pem" -keyfile "$D/pki/$_ca.key" \
	    "$@" -gencrl -out "$_out" 2>/dev/null
}
mkdir -p "$D/crls"
crl root "$D/crls/root.crl"
crl gov-ca "$D/crls/gov-ca.crl"
cd "$D/ho-so"
run "$KYSO" verify --trust "$D/pki/root.pem" --crl "$D/crls" phu-luc.txt.p7s
openssl ca -config "$D/ca-gov-ca/cnf" -cert "$D/pki/gov-ca.pem" -keyfile "$D/pki/gov-ca.key" \
    -revoke "$D/pki/signer-rsa.pem" -crl_reason keyCompromise 2>/dev/null
crl gov-ca "$D/crls/gov-ca.crl"
echo "(the CA revoked the certificate and published a new CRL)"
must 2 "INDETERMINATE/REVOKED_NO_POE" \
    "$KYSO" verify --trust "$D/pki/root.pem" --crl "$D/crls" phu-luc.txt.p7s
say "Signing demo done"
