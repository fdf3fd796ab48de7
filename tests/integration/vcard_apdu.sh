#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The virtual CCCD through a real pcscd + vpcd.  Referees: opensc-tool for the
# plain APDUs, and vcard-pcsc's own small BAC host (tests/vcard/vc-host.c, not
# libsign) for secure messaging, extended length and Active Authentication.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-card.sh"

card_setup
# scripts/pcscd-vpcd is idempotent: pcscd keeps running, the same process
_p1=$(cat /run/pcscd/pcscd.pid 2>/dev/null)
expect 0 '' sh "$top_srcdir/scripts/pcscd-vpcd"
expect 0 '' sh "$top_srcdir/scripts/pcscd-vpcd" --check
[ "$(cat /run/pcscd/pcscd.pid 2>/dev/null)" = "$_p1" ] && pass "pcscd-vpcd again: same pcscd ($_p1)" ||
    fail "pcscd-vpcd restarted pcscd"
expect 3 'unknown option' sh "$top_srcdir/scripts/pcscd-vpcd" --bogus
expect 0 '^Virtual PCD 00 00	' "$VCARD_PCSC" list
expect 0 '^Virtual PCD 00 01	' "$VCARD_PCSC" list
command -v opensc-tool >/dev/null 2>&1 || skip_all "opensc-tool is missing (apt-get install opensc)"
make_card "$T/card"
M=$(sed -n 1p "$T/card/mrz.txt" | cut -c6-15)$(sed -n 2p "$T/card/mrz.txt" | cut -c1-7)$(sed -n 2p "$T/card/mrz.txt" | cut -c9-15)
[ "$M" = 190012345790031523003150 ] && pass "BAC input from the MRZ: $M" || fail "BAC input '$M'"
FILES="011E 0101 0102 0103 010D 010E 010F 011D"

card_start "$T/card"
pass "card in '$CARD_READER' (slot $CARD_SLOT)"

# --- plain APDUs, opensc-tool as referee ---
expect 0 '3b:85:80:01:80:73:94:01:40:22' opensc-tool -r "$CARD_READER" -a
expect 0 'SW1=0x90, SW2=0x00' opensc-tool -r "$CARD_READER" -s '00 A4 04 0C 07 A0 00 00 02 47 10 01'
opensc-tool -r "$CARD_READER" -s '00 84 00 00 08' >"$T/gc.txt" 2>&1
if grep -q 'SW1=0x90, SW2=0x00' "$T/gc.txt" &&
    [ "$(sed -n 's/^\(\([0-9A-F][0-9A-F] \)\{8\}\).*/\1/p' "$T/gc.txt" | wc -l)" -eq 1 ]; then
	pass "GET CHALLENGE: 8 bytes and 9000"
else
	fail "GET CHALLENGE"; cat "$T/gc.txt"
fi
opensc-tool -r "$CARD_READER" -s '00 A4 04 0C 07 A0 00 00 02 47 10 01' -s '00 A4 02 0C 02 01 1E' \
    -s '00 B0 00 00 04' >"$T/plain.txt" 2>&1
[ "$(grep -c 'SW1=0x90, SW2=0x00' "$T/plain.txt")" -eq 2 ] && grep -q 'SW1=0x69, SW2=0x82' "$T/plain.txt" &&
    pass "plain SELECT EF.COM 9000, plain READ BINARY 6982" || { fail "plain READ BINARY"; cat "$T/plain.txt"; }
expect 0 'SW1=0x6D, SW2=0x00' opensc-tool -r "$CARD_READER" -s '00 A4 00 0C 02 3F 00'
expect 0 'SW1=0x6A, SW2=0x82' opensc-tool -r "$CARD_READER" -s '00 A4 04 0C 07 A0 00 00 02 47 10 01' \
    -s '00 A4 02 0C 02 01 1C'
expect 0 '^6D00$' "$VCARD_PCSC" send "$CARD_READER" 00A4000C023F00
expect 0 '^9000$' "$VCARD_PCSC" send "$CARD_READER" 00A4040C07A0000002471001

# --- BAC + secure messaging through pcscd, short and extended reads ---
for le in 223 256 65536; do
	rm -rf "$T/out"; mkdir "$T/out"
	if "$VCARD_PCSC" read "$CARD_READER" "$M" "$le" "$T/out" $FILES >"$T/read.txt" 2>&1 &&
	    grep -q '^0103 READ BINARY at 0: 6982$' "$T/read.txt" &&
	    cmp -s "$T/out/011E.bin" "$T/card/EF.COM" && cmp -s "$T/out/0101.bin" "$T/card/DG1.bin" &&
	    cmp -s "$T/out/0102.bin" "$T/card/DG2.bin" && cmp -s "$T/out/010D.bin" "$T/card/DG13.bin" &&
	    cmp -s "$T/out/010E.bin" "$T/card/DG14.bin" && cmp -s "$T/out/010F.bin" "$T/card/DG15.bin" &&
	    cmp -s "$T/out/011D.bin" "$T/card/EF.SOD"; then
		pass "BAC + SM read of every file with Le $le ($(tail -1 "$T/read.txt"))"
	else
		fail "BAC + SM read with Le $le"; cat "$T/read.txt"
	fi
done
expect 5 'BAC failed: 6300' "$VCARD_PCSC" read "$CARD_READER" 190012345790031523003151 223 "$T/out" 011E
expect 0 'AA valid \(256-byte' "$VCARD_PCSC" aa "$CARD_READER" "$M" "$T/card/DG15.bin" sha1
expect 0 '011C SELECT 6A82' "$VCARD_PCSC" read "$CARD_READER" "$M" 223 "$T/out" 011C

# round-trip time (information only, not an assertion)
"$VCARD_PCSC" ping "$CARD_READER" 1000 | sed 's/^/# GET CHALLENGE via pcscd: /'

# --- card removal is seen ---
card_remove
expect 0 '' "$VCARD_PCSC" wait "$CARD_READER" absent 5
expect 1 'Card not present' opensc-tool -r "$CARD_READER" -s '00 84 00 00 08'
expect 4 'SCardConnect' "$VCARD_PCSC" send "$CARD_READER" 0084000008

# --- behaviours seen through PC/SC ---
card_start "$T/card" clone
expect 1 'AA invalid' "$VCARD_PCSC" aa "$CARD_READER" "$M" "$T/card/DG15.bin" sha1

card_start "$T/card" short-le-only=223
expect 0 '3b:85:80:01:80:73:94:01:00:62' opensc-tool -r "$CARD_READER" -a
expect 0 '^0102 READ BINARY at 0: 6700$' "$VCARD_PCSC" read "$CARD_READER" "$M" 224 "$T/out" 0102
expect 0 '^0102 19[0-9]{3} bytes$' "$VCARD_PCSC" read "$CARD_READER" "$M" 223 "$T/out" 0102

card_start "$T/card" no-extended
expect 6 'unprotected status 6700' "$VCARD_PCSC" read "$CARD_READER" "$M" 1024 "$T/out" 0102
expect 0 '^0102 19[0-9]{3} bytes$' "$VCARD_PCSC" read "$CARD_READER" "$M" 200 "$T/out" 0102

card_start "$T/card" wrong-mac=3
expect 6 'response MAC wrong' "$VCARD_PCSC" read "$CARD_READER" "$M" 223 "$T/out" 011E 0101

card_start "$T/card" malformed-sm
expect 6 'malformed protected response' "$VCARD_PCSC" read "$CARD_READER" "$M" 223 "$T/out" 011E

card_start "$T/card" oversized
expect 6 'returned 231 bytes for Le 223' "$VCARD_PCSC" read "$CARD_READER" "$M" 223 "$T/out" 011E

card_start "$T/card" no-dg15
expect 0 '010F SELECT 6A82' "$VCARD_PCSC" read "$CARD_READER" "$M" 223 "$T/out" 010F

# remove-after: 10 APDUs (SELECT, GET CHALLENGE, EXTERNAL AUTHENTICATE, then reads) and the card is gone
card_start "$T/card" remove-after=10
_pid=$CARD_PID
expect 4 'empty response|SCardTransmit' "$VCARD_PCSC" read "$CARD_READER" "$M" 32 "$T/out" 0102
expect 0 '' "$VCARD_PCSC" wait "$CARD_READER" absent 5
wait "$_pid"; _rc=$?
[ "$_rc" -eq 0 ] && pass "vcard ended by itself after remove-after (exit 0)" || fail "vcard exit $_rc"
CARD_PID=
card_stop

done_testing
