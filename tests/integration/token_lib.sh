# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the token, key and cert integration tests (sourced after lib.sh).
#
#   tok_init LABEL        fresh SoftHSM store with one token LABEL (user PIN 123456,
#                         exported as $PIN for --pin-source env:PIN)
#   tok_uri LABEL         prints pkcs11:token=LABEL
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

expect_in() {
	if grep -Eq -- "$2" "$1"; then pass "$1 matches /$2/"; else
		fail "$1 does not match /$2/"; sed 's/^/    | /' "$1" | head -20; fi
}
