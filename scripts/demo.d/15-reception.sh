#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Demo: the hospital reception desk.  A patient's chip ID card (a virtual CCCD in
# the vpcd reader) is read and proven genuine, the stand-in social-security
# gateway confirms the BHYT coverage, and the check-in record is signed with the
# hospital's key on a token (SoftHSM) and written; then anyone re-checks the
# record (TOTAL-PASSED), and an edited copy is caught.
# Runs on a fresh Debian 12 machine as root after ./scripts/build; everything
# lives in a temp dir; the card, the gateway and pcscd's card are removed at the end.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
PART=15-reception
. "$top/scripts/demo.d/common.inc"
B=${KYSO_BUILDDIR:-$top/build}
KYSO=${KYSO:-$B/tools/kyso}
MKCARD=$B/tests/vcard/mkcard
[ -x "$KYSO" ] && [ -x "$MKCARD" ] && [ -x "$B/tests/vcard/vcard" ] ||
    { echo "15-reception: build first (./scripts/build)" >&2; exit 1; }
find_softhsm

D=$(mktemp -d "${TMPDIR:-/tmp}/kyso-demo-reception.XXXXXX")
VCARD_PID=
GW_PID=
cleanup() {
	for p in $VCARD_PID $GW_PID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$D"
}
trap cleanup EXIT INT TERM
# status CMD...: run it, print its output, return its exit status (no set -e stop)
status() {
	printf '$ %s\n' "$*"
	rc=0
	"$@" || rc=$?
	return 0
}

say "Reception demo: card read and verified, coverage confirmed, signed check-in record"

say "1. The hospital's setup: a test PKI, its signing key on a token, the gateway"
sh "$top/certs/mkpki.sh" "$D/pki" >/dev/null 2>&1
mkdir -p "$D/softhsm"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$D/softhsm" > "$D/softhsm2.conf"
SOFTHSM2_CONF=$D/softhsm2.conf
KYSO_PKCS11_MODULE=$MODULE
# PINs and passwords travel in the environment, never on a command line.
KYSO_DEMO_PIN=864213
KYSO_DEMO_GW_PASSWORD=matkhau-thu-nghiem
export SOFTHSM2_CONF KYSO_PKCS11_MODULE KYSO_DEMO_PIN KYSO_DEMO_GW_PASSWORD
softhsm2-util --init-token --free --label "Benh vien" --so-pin 97531864 \
    --pin "$KYSO_DEMO_PIN" >/dev/null
softhsm2-util --import "$D/pki/signer-ec.key" --token "Benh vien" --label checkin --id 01 \
    --pin "$KYSO_DEMO_PIN" >/dev/null
openssl x509 -in "$D/pki/signer-ec.pem" -outform DER -out "$D/checkin.der"
pkcs11-tool --module "$MODULE" --token-label "Benh vien" --login --pin "$KYSO_DEMO_PIN" \
    --write-object "$D/checkin.der" --type cert --id 01 --label checkin >/dev/null 2>&1
echo "token 'Benh vien': EC P-256 key 'checkin' + its certificate (Kyso Test PKI)"
# the stand-in VSS gateway (tests only: fictional people, TLS on 127.0.0.1)
cat "$D/pki/tls-server.pem" "$D/pki/gov-ca.pem" > "$D/gw.pem"
python3 "$top/tests/gateway/gateway.py" --cert "$D/gw.pem" --key "$D/pki/tls-server.key" \
    --log "$D/gw.log" > "$D/gw.out" 2>"$D/gw.err" &
GW_PID=$!
await_ready "$GW_PID" "$D/gw" "the gateway"
GW=https://127.0.0.1:$READY_PORT
(
	umask 077
	cat > "$D/kyso.conf" <<EOF
[insurance]
gateway = $GW
username = 01001_BV
password-source = env:KYSO_DEMO_GW_PASSWORD
staff-name = Trần Thị Bình
staff-id = 001085001234
cacert = $D/pki/trust.pem
EOF
)
echo "gateway: $GW (stand-in); desk settings in $D/kyso.conf:"
sed 's/^/    /' "$D/kyso.conf"

say "2. The patient hands over her chip ID card"
"$MKCARD" -p "$top/tests/vcard/profiles/default.conf" -k "$D/pki" -o "$D/card" >/dev/null
for slot in 0 1; do
	if out=$(VCARD_BUILDDIR=$B sh "$top/tests/vcard/start-card" -s $slot -l "$D/vcard.log" \
	    "$D/card" 2>"$D/start.err"); then
		eval "$out"
		break
	fi
done
[ -n "$VCARD_PID" ] || { cat "$D/start.err" >&2; echo "15-reception: no virtual card (root?)" >&2; exit 1; }
MRZ=$(cat "$D/card/mrz.txt")
export MRZ
echo "card in '$VCARD_READER'; its MRZ (the BAC key) is in \$MRZ"

say "3. kyso reception: read + verify the card, look up BHYT, sign and write the record"
set -- "$KYSO" reception --config "$D/kyso.conf" \
    --sign-key "pkcs11:token=Benh%20vien;object=checkin" --pin-source env:KYSO_DEMO_PIN \
    --chain "$D/pki/chain.pem" --record-dir "$D/records" --facility-name "Bệnh viện Thử nghiệm" \
    --reader "$VCARD_READER" --mrz-source env:MRZ --csca "$D/pki/csca.pem"
status "$@"
[ "$rc" -eq 0 ] || { echo "15-reception: the check-in failed (exit $rc)" >&2; exit 1; }
R=$(ls "$D"/records/*.json)
echo "exit status 0: genuine card, covered, record written"
ls -l "$D/records" | sed 1d
echo "the record (one line of canonical JSON; some members):"
python3 - "$R" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
show = {k: d[k] for k in ("time", "outcome", "identity", "facility", "staff")}
show["card"] = {k: d["card"][k] for k in ("holder", "verification")}
show["card"]["evidence"] = "EF.SOD %d B, DG15 %d B, AA challenge + response (base64)" % (
    d["card"]["files"]["SOD"]["size"], d["card"]["files"]["DG15"]["size"])
show["lookup"] = {"request": d["lookup"]["request"], "result": d["lookup"]["result"],
                  "answer": "%d bytes as received, sha256 %s" % (d["lookup"]["answer"]["size"],
                                                                 d["lookup"]["answer"]["sha256"])}
print(json.dumps(show, ensure_ascii=False, indent=2))
EOF

say "4. Later, an auditor re-checks the record: TOTAL-PASSED"
run "$KYSO" checkin verify "$R" --trust "$D/pki/root.pem" --csca "$D/pki/csca.pem"
echo "OpenSSL agrees on the hospital's signature:"
run openssl cms -verify -binary -content "$R" -inform DER -in "$R.p7s" \
    -CAfile "$D/pki/root.pem" -purpose any -out /dev/null

say "5. Someone edits the coverage in a copy of the record: caught (exit 1)"
mkdir -p "$D/copy"
C=$D/copy/$(basename "$R")
cp "$R.p7s" "$C.p7s"
python3 - "$R" "$C" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["lookup"]["result"]["valid_to"] = "31/12/2099"      # "covered for much longer"
open(sys.argv[2], "wb").write(json.dumps(d, sort_keys=True, separators=(",", ":"),
                                          ensure_ascii=False).encode("utf-8"))
EOF
echo "copy: lookup.result.valid_to changed to 31/12/2099"
status "$KYSO" checkin verify "$C" --trust "$D/pki/root.pem" --csca "$D/pki/csca.pem"
if [ "$rc" -eq 1 ]; then
	echo "exit status 1: TOTAL-FAILED - the signature no longer matches, and the recorded"
	echo "result contradicts the gateway's own answer kept in the record"
else
	echo "15-reception: expected exit 1 for the edited copy, got $rc" >&2
	exit 1
fi

say "6. The card is taken out"
kill "$VCARD_PID" 2>/dev/null || true
wait "$VCARD_PID" 2>/dev/null || true
VCARD_PID=
echo "done"
