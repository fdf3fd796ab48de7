# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for tests that use a virtual CCCD through a real pcscd + vpcd.
# Source after lib.sh:   . "$top_srcdir/tests/integration/lib.sh"
#                        . "$top_srcdir/tests/integration/lib-card.sh"
#
#   card_setup                   skip the test (77) when pcscd/vpcd cannot run here;
#                                otherwise make sure pcscd runs with vpcd (scripts/pcscd-vpcd)
#   make_card DIR [MKCARD_ARGS]  test PKI in $T/pki + mkcard -> DIR (profile: default.conf;
#                                e.g. make_card "$T/card" -s aa=ec-p256).  Then: . DIR/card.env
#   card_start DIR [BEHAVIOURS]  take a free vpcd slot (a lock per slot, shared by every test
#                                on the machine), start vcard on it and wait until the reader
#                                shows the card.  Sets CARD_PID CARD_SLOT CARD_PORT CARD_READER
#                                (pass "$CARD_READER" to the program under test: never rely on
#                                "the first reader", the other slot may hold another test's card)
#   card_stop                    remove the card (stop vcard), wait until the reader is empty,
#                                release the slot.  Also done at exit.
#   card_remove                  the same, but keep the slot (for removal tests; then card_stop)
#   card_wait_present [SECONDS] / card_wait_absent [SECONDS]
#   card_apdu APDU...            send APDUs on one PC/SC connection (vcard-pcsc send); responses
#                                in hex on stdout, one a line
#
# The vcard log (stderr, APDU trace with VCARD_VERBOSE=1) is $T/vcard.log.
VCARD=${VCARD:-$top_builddir/tests/vcard/vcard}
MKCARD=${MKCARD:-$top_builddir/tests/vcard/mkcard}
VCARD_PCSC=${VCARD_PCSC:-$top_builddir/tests/vcard/vcard-pcsc}
VCARD_PROFILE=${VCARD_PROFILE:-$top_srcdir/tests/vcard/profiles/default.conf}
VCARD_LOCKDIR=${VCARD_LOCKDIR:-/tmp}
CARD_PID=
CARD_SLOT=
CARD_PORT=
CARD_READER=
_card_lockfd=

trap 'card_stop >/dev/null 2>&1; rm -rf "$T"' EXIT

card_setup() {
	[ -x "$VCARD" ] && [ -x "$VCARD_PCSC" ] && [ -x "$MKCARD" ] ||
	    skip_all "vcard, vcard-pcsc or mkcard not built"
	command -v flock >/dev/null 2>&1 || skip_all "flock (util-linux) is missing"
	[ -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] ||
	    skip_all "vsmartcard-vpcd is not installed (scripts/deps)"
	command -v pcscd >/dev/null 2>&1 || [ -x /usr/sbin/pcscd ] ||
	    skip_all "pcscd is not installed (scripts/deps)"
	if ! sh "$top_srcdir/scripts/pcscd-vpcd" >"$T/pcscd-vpcd.log" 2>&1; then
		if [ "$(id -u)" -ne 0 ]; then
			skip_all "pcscd with vpcd is not running and needs root to start: $(cat "$T/pcscd-vpcd.log")"
		fi
		cat "$T/pcscd-vpcd.log"
		fail "scripts/pcscd-vpcd could not start pcscd with vpcd"
		done_testing
	fi
}

make_card() {
	_dir=$1; shift
	test_pki
	"$MKCARD" -p "$VCARD_PROFILE" -k "$T/pki" -o "$_dir" "$@" >"$T/mkcard.log" 2>&1 ||
	    { cat "$T/mkcard.log"; fail "mkcard $*"; done_testing; }
}

# _card_lock: take the first free slot (0 or 1), waiting up to 600 s.
_card_lock() {
	_i=0
	while [ $_i -lt 3000 ]; do
		for _s in 0 1; do
			if [ $_s = 0 ]; then _lf=$VCARD_LOCKDIR/kyso-vpcd.lock; else _lf=$VCARD_LOCKDIR/kyso-vpcd-$_s.lock; fi
			exec 9>>"$_lf"
			if flock -n 9; then
				CARD_SLOT=$_s
				CARD_PORT=$((35963 + _s))
				CARD_READER="Virtual PCD 00 0$_s"
				_card_lockfd=9
				return 0
			fi
			exec 9>&-
		done
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}

card_wait_present() {
	"$VCARD_PCSC" wait "$CARD_READER" present "${1:-15}"
}

card_wait_absent() {
	"$VCARD_PCSC" wait "$CARD_READER" absent "${1:-15}"
}

card_start() {
	_cdir=$1
	_beh=${2:-normal}
	[ -z "$CARD_PID" ] || card_stop
	if [ -z "$_card_lockfd" ]; then
		_card_lock || { fail "no free vpcd slot after 600 s"; done_testing; }
	fi
	# The slot must be empty: a card left by a killed test would answer instead.
	if ! card_wait_absent 10 2>/dev/null; then
		fail "reader '$CARD_READER' still holds a card from an earlier run (a stray vcard?)"
		done_testing
	fi
	_v=
	[ "${VCARD_VERBOSE:-0}" = 1 ] && _v=-v
	: >"$T/vcard.out"
	# -P: vcard dies with this shell, so a killed test leaves no card behind.
	"$VCARD" -P $_v -p "$CARD_PORT" -b "$_beh" "$_cdir" >"$T/vcard.out" 2>>"$T/vcard.log" &
	CARD_PID=$!
	_i=0
	while ! grep -q '^ready$' "$T/vcard.out" 2>/dev/null; do
		if ! kill -0 "$CARD_PID" 2>/dev/null || [ $_i -ge 150 ]; then
			cat "$T/vcard.log"
			fail "vcard did not connect to vpcd on port $CARD_PORT"
			CARD_PID=
			done_testing
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	card_wait_present 15 || { cat "$T/vcard.log"; fail "'$CARD_READER' does not show the card"; done_testing; }
}

card_remove() {
	if [ -n "$CARD_PID" ]; then
		kill "$CARD_PID" 2>/dev/null
		wait "$CARD_PID" 2>/dev/null
		CARD_PID=
		card_wait_absent 15 >/dev/null 2>&1
	fi
	return 0
}

card_stop() {
	card_remove
	if [ -n "$_card_lockfd" ]; then
		exec 9>&-
		_card_lockfd=
	fi
	return 0
}

card_apdu() {
	"$VCARD_PCSC" send "$CARD_READER" "$@"
}
