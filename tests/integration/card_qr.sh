#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# BAC keys from the card's QR text and from the ID number + birth date: the
# bounded list of expiry candidates is tried in order, each with a fresh BAC,
# stopping at the first that opens the card; none opening is 5, once.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-card.sh"
card_setup

CSCA="--csca $T/pki/csca.pem"
# A holder whose card runs to her 60th birthday: the first candidate (age 40,
# the first rule birthday after the 2021 issue) fails, the second opens.
make_card "$T/c60" -s expiry=15/03/2050
. "$T/c60/card.env"
QR60=$CARD_QR
# A holder over 60: a card without expiry (MRZ 991231).
make_card "$T/cnone" -s id=001050012345 -s dob=15/03/1950 -s sex=Nam -s "expiry=Không thời hạn" \
    -s full_name="Lê Văn Bảy"
. "$T/cnone/card.env"
QRNONE=$CARD_QR

card_start "$T/c60" normal
R=$CARD_READER
expect 0 'BAC key 1 of 3 \(age 40\) refused' "$KYSO" -v card read --reader "$R" --qr "$QR60" $CSCA
grep -q 'BAC key 2 of' "$T/.out" && fail "a key after the one that opened was tried" ||
    pass "stops at the first key that opens"
grep -q 'warning: the card key came from the command line' "$T/.out" &&
    pass "--qr on argv warns" || fail "--qr on argv did not warn"
grep -Eq 'Genuine: +yes' "$T/.out" && pass "QR key reads the card" || fail "QR read"
QRTEXT=$QR60 expect 0 'Genuine: +yes' "$KYSO" card read --reader "$R" --qr-source env:QRTEXT $CSCA
grep -q 'warning' "$T/.out" && fail "--qr-source warned" || pass "--qr-source does not warn"
printf '%s\n' "$QR60" >"$T/qr.txt"
chmod 600 "$T/qr.txt"
expect 0 'Genuine: +yes' "$KYSO" card read --reader "$R" --qr-source "file:$T/qr.txt" $CSCA
# the expiry given: just that key
expect 0 'Genuine: +yes' "$KYSO" card read --reader "$R" --qr-source "file:$T/qr.txt" \
    --expiry 15/03/2050 $CSCA
expect 5 'these MRZ data do not open this card' "$KYSO" card read --reader "$R" \
    --qr-source "file:$T/qr.txt" --expiry 15/03/2030 $CSCA
# the ID and birth date: the same candidates
expect 0 'BAC key 1 of 3 \(age 40\) refused' "$KYSO" -v card read --reader "$R" \
    --id 001190012345 --dob 15/03/1990 $CSCA
# wrong birth date: every candidate refused, one message, exit 5
expect 5 'none of the 3 candidate keys opens this card' "$KYSO" card read --reader "$R" \
    --id 001190012345 --dob 16/03/1990 $CSCA
[ "$(grep -c 'candidate keys' "$T/.out")" -eq 1 ] && pass "one message" ||
    fail "the refusal was reported more than once"
bad=$(printf '%s' "$QR60" | sed 's/|15031990|/|16031990|/')
expect 5 'none of the 3 candidate keys' "$KYSO" card read --reader "$R" --qr "$bad" $CSCA
expect 3 'bad card key \(QR text\)' "$KYSO" card read --reader "$R" --qr "not|a qr" $CSCA
expect 3 'does not go with --qr' "$KYSO" card read --reader "$R" --qr "$QR60" --dob 900315

# no expiry: 991231
card_start "$T/cnone" normal
expect 0 'Name: +Lê Văn Bảy' "$KYSO" card read --reader "$CARD_READER" --qr "$QRNONE" $CSCA
expect 0 'Genuine: +yes' "$KYSO" card read --reader "$CARD_READER" --id 001050012345 \
    --dob 15/03/1950 --expiry 991231 $CSCA

card_stop
done_testing
