# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared shell helpers for the integration tests (sourced, POSIX sh).
#
#   pass MSG / fail MSG         record a result
#   expect CODE REGEX CMD...    run CMD, require exit status CODE and stderr+stdout matching REGEX
#   done_testing                print "N passed, N failed" and exit accordingly
#   fresh_softhsm               a new SoftHSM2 token store in $T/softhsm (exports SOFTHSM2_CONF)
#   init_token LABEL [SOPIN PIN] initialise a token on it; prints nothing
#   test_pki                    the test PKI in $T/pki (certs/mkpki.sh), made once per test
#   build_shim                  compiles token_p11shim.c (a PKCS#11 module around SoftHSM that
#                               fakes token states; see its header) into $T/shim.so; returns 1
#                               when no compiler or header is available
#
# $T is a fresh temporary directory removed at exit; $KYSO is the built tool.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
KYSO=${KYSO:-$top_builddir/tools/kyso}
T=$(mktemp -d "${TMPDIR:-/tmp}/kyso-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
_passed=0
_failed=0
SOFTHSM_MODULE=${SOFTHSM_MODULE:-}
for _m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -z "$SOFTHSM_MODULE" ] && [ -f "$_m" ] && SOFTHSM_MODULE=$_m
done
export SOFTHSM_MODULE

pass() { _passed=$((_passed + 1)); echo "ok - $*"; }
fail() { _failed=$((_failed + 1)); echo "FAIL - $*"; }

# expect CODE REGEX CMD... : exit status and output (stdout+stderr) must match.
expect() {
	_want=$1; _re=$2; shift 2
	"$@" >"$T/.out" 2>&1 </dev/null
	_got=$?
	if [ "$_got" -ne "$_want" ]; then
		fail "$* : exit $_got, expected $_want"; sed 's/^/    | /' "$T/.out" | head -20
		return 1
	fi
	if [ -n "$_re" ] && ! grep -Eq -- "$_re" "$T/.out"; then
		fail "$* : output does not match /$_re/"; sed 's/^/    | /' "$T/.out" | head -20
		return 1
	fi
	pass "$* -> $_want"
	return 0
}

# skip_all REASON : the test cannot run here (exit 77, automake's SKIP).
skip_all() { echo "SKIP: $*"; exit 77; }

done_testing() {
	echo "$_passed passed, $_failed failed"
	[ "$_failed" -eq 0 ] || exit 1
	exit 0
}

fresh_softhsm() {
	[ -n "$SOFTHSM_MODULE" ] || skip_all "SoftHSM2 is not installed (run ./scripts/test)"
	mkdir -p "$T/softhsm/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	    "$T/softhsm/tokens" > "$T/softhsm/softhsm2.conf"
	SOFTHSM2_CONF=$T/softhsm/softhsm2.conf
	KYSO_PKCS11_MODULE=$SOFTHSM_MODULE
	export SOFTHSM2_CONF KYSO_PKCS11_MODULE
}

build_shim() {
	_cc=${CC:-cc}
	command -v "$_cc" >/dev/null 2>&1 || return 1
	_cf=$(pkg-config --cflags p11-kit-1 2>/dev/null) || return 1
	# shellcheck disable=SC2086
	$_cc -shared -fPIC $_cf -o "$T/shim.so" \
	    "$top_srcdir/tests/integration/token_p11shim.c" -ldl >"$T/shim.log" 2>&1 || {
		cat "$T/shim.log"; return 1; }
	KYSO_SHIM_REAL=$SOFTHSM_MODULE
	export KYSO_SHIM_REAL
	return 0
}

init_token() {
	softhsm2-util --init-token --free --label "$1" --so-pin "${2:-12345678}" \
	    --pin "${3:-123456}" >/dev/null
}

test_pki() {
	if [ ! -f "$T/pki/.done" ]; then
		sh "$top_srcdir/certs/mkpki.sh" "$T/pki" >"$T/pki.log" 2>&1 ||
		    { cat "$T/pki.log"; fail "certs/mkpki.sh failed"; done_testing; }
	fi
}

# CRLs of the test PKI's CAs (after test_pki): a copy of CA's database in
# $T/ca-CA (the PKI's own stays as it is), revocations and CRLs made from it
# with `openssl ca`.
ca_conf() { # CA
	mkdir -p "$T/ca-$1"
	[ -f "$T/ca-$1/index" ] || cp "$T/pki/db/$1.index" "$T/ca-$1/index"
	[ -f "$T/ca-$1/crlnumber" ] || echo 01 > "$T/ca-$1/crlnumber"
	cat > "$T/ca-$1/cnf" <<CNF
[ ca ]
default_ca = CA
[ CA ]
database = $T/ca-$1/index
crlnumber = $T/ca-$1/crlnumber
default_md = sha256
default_crl_days = 30
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF
}
ca_gencrl() { # CA OUT [openssl ca options]
	_ca=$1 _out=$2
	shift 2
	ca_conf "$_ca"
	openssl ca -config "$T/ca-$_ca/cnf" -gencrl -cert "$T/pki/$_ca.pem" \
	    -keyfile "$T/pki/$_ca.key" -out "$_out" "$@" 2>/dev/null || fail "gencrl $_ca $_out"
}
ca_revoke() { # CA CERT [openssl ca options]
	_ca=$1 _c=$2
	shift 2
	ca_conf "$_ca"
	openssl ca -config "$T/ca-$_ca/cnf" -revoke "$_c" -cert "$T/pki/$_ca.pem" \
	    -keyfile "$T/pki/$_ca.key" "$@" 2>/dev/null || fail "revoke $_c"
}

# The stand-in time-stamp server and OCSP responder (tests/pkisrv/pkisrv.py) on
# 127.0.0.1, after test_pki; sets PKISRV (its http:// URL); stopped at exit.
start_pkisrv() { # [pkisrv.py options]
	command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	NO_PROXY=127.0.0.1,localhost
	no_proxy=$NO_PROXY
	export NO_PROXY no_proxy
	mkdir -p "$T/pkisrv"
	# (9>&-: it must not hold lib-card.sh's vpcd slot lock after card_stop)
	python3 "$top_srcdir/tests/pkisrv/pkisrv.py" --pki "$T/pki" --dir "$T/pkisrv" \
	    --log "$T/pkisrv.log" "$@" > "$T/pkisrv.out" 2> "$T/pkisrv.err" 9>&- &
	_pkisrv_pid=$!
	# (what lib-card.sh and tests/gateway/lib.sh stop at exit, stopped too)
	trap 'kill "$_pkisrv_pid" 2>/dev/null; for _p in ${_gw_pids:-}; do kill "$_p" 2>/dev/null; done
	    command -v card_stop >/dev/null 2>&1 && card_stop >/dev/null 2>&1; rm -rf "$T"' EXIT
	await_ready "$_pkisrv_pid" "$T/pkisrv" "the stand-in time-stamp server and OCSP responder"
	PKISRV=http://127.0.0.1:$READY_PORT
}

# Wait until a stand-in server started in the background (PID) prints
# "ready PORT" into BASE.out; READY_PORT is then its port.  A server that dies
# or is not ready within 20 s fails the test, with BASE.err shown.
await_ready() { # PID BASE WHAT
	_i=0
	while ! grep -q '^ready ' "$2.out" 2>/dev/null; do
		if ! kill -0 "$1" 2>/dev/null || [ "$_i" -gt 200 ]; then
			cat "$2.err"
			fail "$3 did not start"
			done_testing
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	READY_PORT=$(awk '/^ready /{print $2; exit}' "$2.out")
}
