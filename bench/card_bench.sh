#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/card_bench.sh [RUNS]: the card read benchmark against the virtual
# CCCD through pcscd + vpcd (as root on Debian 12: scripts/pcscd-vpcd starts
# pcscd).  Builds nothing: run scripts/build (or set top_builddir) first.
# For each card behaviour: APDUs against the minimum for the card's largest
# answer, wall time against APDUs x the round trip measured in the same run,
# and the passive + active authentication time.  Not part of make check.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
export top_srcdir top_builddir
runs=${1:-10}
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-card.sh"
card_setup
BENCH=$top_builddir/bench/card_bench
[ -x "$BENCH" ] || { echo "card_bench.sh: $BENCH not built (scripts/build)" >&2; exit 1; }

make_card "$T/card"
make_card "$T/big" -s photo_min_size=40000

# run TITLE CARD BEHAVIOUR CARD_MAX_ANSWER
run() {
	echo "== $1 (vcard -b $3)"
	card_start "$2" "$3"
	"$BENCH" "$CARD_READER" "$2" "$T/pki/csca.pem" "$4" "$runs" 1000 || echo "(failed)"
	echo
}

# The card's largest plain answer: 65536 with extended length (the host asks
# at most 65472 under SM); 231 when the protected answer must fit a short
# APDU; N with short-le-only=N.
run "default card, extended length" "$T/card" normal 65536
run "default card, short APDUs only" "$T/card" no-extended 231
run "default card, Le at most 223" "$T/card" short-le-only 223
run "default card, Le at most 100" "$T/card" short-le-only=100 100
run "DG2 of 40 KB, extended length" "$T/big" normal 65536
run "DG2 of 40 KB, Le at most 100 (odd-INS reads above 32 767)" "$T/big" short-le-only=100 100
card_stop
exit 0
