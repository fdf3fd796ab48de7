#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Demo: a chip ID card is read through a real pcscd (a virtual CCCD in the
# vpcd reader), its data verified against the issuing state's CSCA and its chip
# proven genuine; then a card whose data was altered is caught.
# Runs on a fresh Debian 12 machine as root after ./scripts/build (pcscd is
# started by tests/vcard/start-card when none runs); everything lives in a
# temp dir and the virtual cards are removed at the end.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
PART=10-card
. "$top/scripts/demo.d/common.inc"
B=${KYSO_BUILDDIR:-$top/build}
KYSO=${KYSO:-$B/tools/kyso}
MKCARD=$B/tests/vcard/mkcard
[ -x "$KYSO" ] && [ -x "$MKCARD" ] && [ -x "$B/tests/vcard/vcard" ] ||
    { echo "10-card: build first (./scripts/build)" >&2; exit 1; }

D=$(mktemp -d "${TMPDIR:-/tmp}/kyso-demo-card.XXXXXX")
VCARD_PID=
cleanup() {
	if [ -n "$VCARD_PID" ]; then
		kill "$VCARD_PID" 2>/dev/null || true
		wait "$VCARD_PID" 2>/dev/null || true
	fi
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

# put_card DIR BEHAVIOUR: a virtual card in a free vpcd slot (the slot locks
# of tests/integration/lib-card.sh, so a test running meanwhile keeps out)
SLOT=
put_card() {
	for slot in ${SLOT:-0 1}; do
		if [ -z "$SLOT" ] && command -v flock >/dev/null 2>&1; then
			if [ $slot = 0 ]; then lf=/tmp/kyso-vpcd.lock; else lf=/tmp/kyso-vpcd-$slot.lock; fi
			exec 9>>"$lf"
			flock -n 9 || { exec 9>&-; continue; }
		fi
		if out=$(VCARD_BUILDDIR=$B sh "$top/tests/vcard/start-card" -s $slot -b "$2" \
		    -l "$D/vcard.log" "$1" 2>"$D/start.err"); then
			eval "$out"
			SLOT=$slot
			return 0
		fi
		[ -n "$SLOT" ] || exec 9>&-
	done
	cat "$D/start.err" >&2
	echo "10-card: could not put a virtual card in a reader (is this root? see above)" >&2
	exit 1
}
take_card() {
	kill "$VCARD_PID" 2>/dev/null || true
	wait "$VCARD_PID" 2>/dev/null || true
	VCARD_PID=
}

say "Chip ID card demo: read, verify, prove the chip genuine, catch a forgery"

say "1. A throw-away test PKI (the 'issuing state' CSCA) and a virtual card's data"
sh "$top/certs/mkpki.sh" "$D/pki" >/dev/null 2>&1
# Like the CCCD, the card offers both chip proofs: Active Authentication (DG15)
# and Chip Authentication (DG14; here ECDH P-256 with AES secure messaging).
"$MKCARD" -p "$top/tests/vcard/profiles/default.conf" -k "$D/pki" -o "$D/card" \
    -s ca=ec-p256 -s ca_cipher=aes128 >/dev/null
echo "CSCA: $D/pki/csca.pem; card data: $D/card (holder: Nguyễn Thị Hồng Nhung)"

say "2. The card goes into the reader (pcscd + vpcd)"
put_card "$D/card" normal
run "$KYSO" card list

say "3. Read it: the MRZ key comes from the environment, never from argv"
MRZ=$(cat "$D/card/mrz.txt")
export MRZ
echo "MRZ (the BAC key) is in \$MRZ:"
printf '%s\n' "$MRZ" | sed 's/^/    /'
set +e
run "$KYSO" card read --reader "$VCARD_READER" --mrz-source env:MRZ \
    --csca "$D/pki/csca.pem" --photo "$D/face.jpg" --dump "$D/dump" --stats
rc=$?
set -e
echo "exit status: $rc (0 = authentic data on a genuine chip)"
[ "$rc" -eq 0 ] || { echo "10-card: the genuine card did not verify" >&2; exit 1; }
echo "photo written to $D/face.jpg ($(wc -c <"$D/face.jpg") bytes, $(head -c 3 "$D/face.jpg" |
    od -An -tx1 | tr -d ' ') = JPEG)"

say "4. The same read as JSON (what kyso insurance and kyso reception consume)"
"$KYSO" card read --reader "$VCARD_READER" --mrz-source env:MRZ --csca "$D/pki/csca.pem" --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); h=d["holder"]; v=d["verification"]
print(json.dumps({"holder": {k: h[k] for k in ("id_number", "full_name", "date_of_birth")},
    "verification": {k: v[k] for k in ("passive", "active", "chip_authentication", "genuine")}}, ensure_ascii=False, indent=2))'

say "5. Offline re-verification of the dump (audit)"
run "$KYSO" card verify "$D/dump" --csca "$D/pki/csca.pem" | tail -4

say "6. A card whose personal data was altered after issue (DG13 changed)"
take_card
put_card "$D/card" tampered-dg
set +e
printf '$ %s\n' "$KYSO card read --reader '$VCARD_READER' --mrz-source env:MRZ --csca $D/pki/csca.pem"
"$KYSO" card read --reader "$VCARD_READER" --mrz-source env:MRZ --csca "$D/pki/csca.pem" |
    grep -E '^(Name|Data|Chip|Genuine|  - DG13)'
"$KYSO" card read --reader "$VCARD_READER" --mrz-source env:MRZ --csca "$D/pki/csca.pem" \
    >/dev/null
rc=$?
set -e
echo "exit status: $rc (1 = proven modified)"
[ "$rc" -eq 1 ] || { echo "10-card: the tampered card was not caught" >&2; exit 1; }

say "7. The card is taken out"
take_card
echo "done"
