#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The time-stamp server in kyso.conf ("tsa = URL", in [sign] or the global
# part): kyso sign time-stamps with it when the command line names none;
# --tsa URL overrides it, --no-tsa turns it off; a value that is not an
# http(s) URL, --tsa with --no-tsa, and a kyso.conf that others may change are
# refused before anything is signed (exit 3), with the file and line.  The
# stand-in server is tests/pkisrv/pkisrv.py; kyso verify is the referee of
# whether a signature carries a time-stamp.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/tsa_lib.sh"
tsa_signer
start_pkisrv
unset KYSO_CONF
# nothing listens there: a request to it fails at once
DEAD=http://127.0.0.1:1/tsa

mkdir "$T/d"
cd "$T/d" || exit 1
printf 'Quyết định số 7/QĐ-BYT\n' > qd.txt
conf() { (umask 077; printf '%s\n' "$@" > "$T/kyso.conf"); }
S() { rm -f qd.txt.p7s; "$KYSO" sign --key "$KEY" --pin-source env:PIN --chain "$P/chain.pem" "$@" qd.txt; }
V() { "$KYSO" verify --no-default-trust --trust "$P/root.pem" qd.txt.p7s; }
stamped() {
	if V 2>&1 | grep -Eq 'PASSED +signature_timestamp'; then
		pass "$1: time-stamped"
	else
		fail "$1: no time-stamp"
	fi
}
unstamped() {
	_v=$(V 2>&1)
	if printf '%s\n' "$_v" | grep -q 'TOTAL-PASSED' &&
	    printf '%s\n' "$_v" | grep -Eq 'SKIPPED +signature_timestamp +no signature time-stamp'; then
		pass "$1: no time-stamp"
	else
		fail "$1: $(printf '%s\n' "$_v" | head -3)"
	fi
}

# ---- the configured server ------------------------------------------------------------
conf "tsa = $PKISRV/ok"
expect 0 "qd.txt -> qd.txt.p7s" S --config "$T/kyso.conf"
stamped "tsa (global) in --config"
n=$(grep -c '^/ok application/timestamp-query' "$T/pkisrv.log")
[ "$n" -eq 1 ] && pass "one request to the configured server" || fail "$n requests"
expect 0 "qd.txt -> qd.txt.p7s" env KYSO_CONF="$T/kyso.conf" "$KYSO" sign --key "$KEY" \
    --pin-source env:PIN --chain "$P/chain.pem" --force qd.txt
stamped "tsa in \$KYSO_CONF"
conf "pkcs11-module = $SOFTHSM_MODULE" "[sign]" "tsa = $PKISRV/ok" "[insurance]" "timeout = 10"
expect 0 '"ok": true' S --config "$T/kyso.conf" --json
stamped "tsa in [sign]"
# --no-tsa turns it off; --tsa overrides it
conf "tsa = $DEAD"
expect 7 "cannot reach the time-stamp server $DEAD" S --config "$T/kyso.conf"
[ ! -e qd.txt.p7s ] && pass "no signature without its time-stamp" || fail "qd.txt.p7s written"
expect 0 "qd.txt -> qd.txt.p7s" S --config "$T/kyso.conf" --no-tsa
unstamped "--no-tsa over the configured server"
expect 0 "qd.txt -> qd.txt.p7s" S --config "$T/kyso.conf" --tsa "$PKISRV/ok"
stamped "--tsa over the configured server"
# no configuration (none named, no default file): no time-stamp
expect 0 "qd.txt -> qd.txt.p7s" S
unstamped "no kyso.conf"

# ---- refusals: exit 3 before any PIN is asked or anything is signed --------------------
conf "[sign]" "tsa = ftp://tsa.example/"
expect 3 "^kyso sign: .*kyso.conf:2: tsa 'ftp://tsa.example/' is not an http:// or https:// URL \(the time-stamp server\)$" \
    S --config "$T/kyso.conf"
expect_json() { # CODE EXPR CMD...
	_c=$1 _e=$2
	shift 2
	"$@" > "$T/j.out" 2>/dev/null
	_g=$?
	if [ "$_g" -eq "$_c" ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($_e) else 1)" "$T/j.out"; then
		pass "$_c, --json: $_e"
	else
		fail "exit $_g, --json: $(cat "$T/j.out")"
	fi
}
expect_json 3 'd["ok"] is False and d["exit"] == 3 and "is not an http" in d["error"]' \
    S --config "$T/kyso.conf" --json
expect 0 "qd.txt -> qd.txt.p7s" S --config "$T/kyso.conf" --no-tsa
unstamped "--no-tsa: the configured value is not looked at"
expect 3 "^kyso sign: --tsa and --no-tsa contradict each other$" S --tsa "$PKISRV/ok" --no-tsa
expect 3 "^kyso sign: --tsa takes the time-stamp server's http:// or https:// URL$" S --tsa tsa.example
conf "tsa = $PKISRV/ok"
chmod 664 "$T/kyso.conf"
expect 3 "may be changed by other users \(mode 0664\).*chmod go-w" S --config "$T/kyso.conf"
chmod 600 "$T/kyso.conf"
expect 6 "cannot open the configuration file $T/none.conf" S --config "$T/none.conf"
expect 6 "cannot open the configuration file $T/none.conf" env KYSO_CONF="$T/none.conf" \
    "$KYSO" sign --key "$KEY" --pin-source env:PIN qd.txt --force
[ "$(grep -c . "$T/pkisrv.log")" -eq 4 ] && pass "no request for a refused run" ||
    fail "$(grep -c . "$T/pkisrv.log") requests in all"

done_testing
