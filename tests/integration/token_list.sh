#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso token list: slots, tokens, PIN state; where the module comes from.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"
command -v jq >/dev/null 2>&1 && HAVE_JQ=1 || HAVE_JQ=0

tok_init "Thẻ Ký Số"
init_token Second 12345678 "$PIN"

expect 0 "token: +Thẻ Ký Số" "$KYSO" token list
expect 0 "token: +Second" "$KYSO" token list
expect 0 "login required: yes" "$KYSO" token list
expect 0 "PIN pad: +no" "$KYSO" token list
expect 0 "PIN: +ok" "$KYSO" token list
# SoftHSM's spare slot holds an uninitialised token: no label, no serial, no URI
expect 0 "token: +\\(not initialised\\)" "$KYSO" token list
if grep -q "token=\$" "$T/.out"; then fail "a URI naming no token is shown"; else pass "no empty URI"; fi
expect 0 '"initialized": false' "$KYSO" token list --json
if grep -q '"uri": "pkcs11:[^"]*token="' "$T/.out"; then fail "an empty-label URI in the JSON"
else pass "no empty-label URI in the JSON"; fi
expect 0 '"label": "Thẻ Ký Số"' "$KYSO" token list --json
expect 0 '"schema": 1' "$KYSO" token list --json
expect 0 '"pinpad": false' "$KYSO" token list --json

# The referee: p11tool sees the same serial for the token.
serial=$("$KYSO" token list --json "pkcs11:token=Second" | sed -n 's/.*"serial": "\(.*\)".*/\1/p')
if [ -n "$serial" ] && p11tool --provider "$SOFTHSM_MODULE" --list-tokens 2>/dev/null |
    grep -q "serial=$serial"; then
	pass "serial $serial is the one p11tool shows"
else
	fail "serial '$serial' not found by p11tool"
fi

# A URI filters; percent-encoding is decoded (Thẻ = Th%E1%BB%BB).
expect 0 "token: +Thẻ Ký Số" "$KYSO" token list "pkcs11:token=Th%E1%BA%BB%20K%C3%BD%20S%E1%BB%91"
"$KYSO" token list "pkcs11:token=Second" >"$T/one.txt" 2>&1
if grep -q "Thẻ" "$T/one.txt"; then fail "the URI did not filter"; else pass "the URI filters"; fi
expect 4 "^kyso token: no slot matches pkcs11:token=Nope; list them all with kyso token list$" "$KYSO" token list "pkcs11:token=Nope"
expect 4 "\"error\": \"no slot matches pkcs11:token=Nope; list them all" "$KYSO" token list --json "pkcs11:token=Nope"

# The PIN state after a wrong PIN (SoftHSM reports COUNT_LOW).
expect 5 "wrong PIN for token 'Second'" "$KYSO" key list --token pkcs11:token=Second \
    --pin-source env:BADPIN
expect 0 '"pin_count_low": true' "$KYSO" token list --json pkcs11:token=Second
expect 0 "PIN: +count-low" "$KYSO" token list pkcs11:token=Second

# Where the module comes from: --module, module-path=, KYSO_CONF, errors.
mod=$KYSO_PKCS11_MODULE
unset KYSO_PKCS11_MODULE
printf '# kyso test configuration\npkcs11-module = %s\nother-key = x\n' "$mod" >"$T/kyso.conf"
KYSO_CONF=$T/kyso.conf
export KYSO_CONF
expect 0 "module: $mod" "$KYSO" token list
unset KYSO_CONF
expect 0 "token: +Second" "$KYSO" token list --module "$mod"
expect 0 "token: +Second" "$KYSO" token list "pkcs11:token=Second?module-path=$mod"
expect 3 "names the module" "$KYSO" token list --module /nonexistent/x.so \
    "pkcs11:token=Second?module-path=$mod"
expect 6 "no PKCS#11 module at /nonexistent/x.so" "$KYSO" token list --module /nonexistent/x.so
expect 6 '"exit": 6' "$KYSO" token list --json --module /nonexistent/x.so
KYSO_PKCS11_MODULE=$mod
export KYSO_PKCS11_MODULE

# Malformed URIs and PINs in URIs are usage errors.
expect 3 "not a PKCS#11 URI" "$KYSO" token list "token=Second"
expect 3 "malformed PKCS#11 URI" "$KYSO" token list "pkcs11:token=%zz"
expect 3 "attribute this program does not know" "$KYSO" token list "pkcs11:tokn=Second"
expect 3 "carries a PIN" "$KYSO" token list "pkcs11:token=Second?pin-value=123456"
expect 3 "unknown subcommand" "$KYSO" token frobnicate
expect 0 "usage: kyso token list" "$KYSO" token list --help

if [ "$HAVE_JQ" = 1 ]; then
	n=$("$KYSO" token list --json | jq '[.slots[] | select(.token.initialized)] | length')
	[ "$n" = 2 ] && pass "JSON lists 2 initialised tokens" || fail "JSON lists $n tokens"
fi
done_testing
