# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the token, key and cert integration tests (sourced after lib.sh).
#
#   tok_init LABEL        fresh SoftHSM store with one token LABEL (user PIN 123456,
#                         exported as $PIN for --pin-source env:PIN)
#   tok_uri LABEL         prints pkcs11:token=LABEL
#   build_shim            compiles token_p11shim.c into $T/shim.so (wraps SoftHSM);
#                         returns 1 when no compiler or header is available
#   p11t ARGS...          pkcs11-tool on SoftHSM (the referee)
#   expect_in FILE REGEX  FILE must match REGEX (extended)

PIN=123456
BADPIN=000000
export PIN BADPIN

tok_init() {
	fresh_softhsm
	init_token "$1" 12345678 "$PIN"
}

tok_uri() { printf 'pkcs11:token=%s' "$1"; }

p11t() { pkcs11-tool --module "$SOFTHSM_MODULE" "$@"; }

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

expect_in() {
	if grep -Eq -- "$2" "$1"; then pass "$1 matches /$2/"; else
		fail "$1 does not match /$2/"; sed 's/^/    | /' "$1" | head -20; fi
}
