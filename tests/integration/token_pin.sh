#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# PIN sources and login failures: wrong PIN, no tty, locked, final try, PIN pad,
# PINs in URIs, unknown tokens and keys, one login per command.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"

tok_init T1
U="pkcs11:token=T1"
expect 0 "pkcs11:.*object=k1" "$KYSO" key generate --token "$U" --label k1 --id 01 \
    --type ec:prime256v1 --pin-source env:PIN
K="$U;object=k1"

# Sources that work.
expect 0 "object=k1" "$KYSO" key list --token "$U" --pin-source env:PIN
printf '%s\n' "$PIN" >"$T/pin"
chmod 600 "$T/pin"
expect 0 "object=k1" "$KYSO" key list --token "$U" --pin-source "file:$T/pin"
expect 0 "object=k1" "$KYSO" key list --token "$U" --pin-source fd:7 7<"$T/pin"

# Sources that do not.
expect 5 "wrong PIN for token 'T1'; the token reports few tries left" \
    "$KYSO" key list --token "$U" --pin-source env:BADPIN
expect 5 '"exit": 5' "$KYSO" key list --json --token "$U" --pin-source env:BADPIN
expect 5 "env:NOPE is not set" "$KYSO" key list --token "$U" --pin-source env:NOPE
chmod 644 "$T/pin"
expect 5 "readable by others" "$KYSO" key list --token "$U" --pin-source "file:$T/pin"
: >"$T/empty"
chmod 600 "$T/empty"
expect 5 "gave an empty PIN" "$KYSO" key list --token "$U" --pin-source "file:$T/empty"
expect 5 "^kyso key: the PIN file $T is a directory: give the file that holds the PIN \\(chmod 600\\)$" \
    "$KYSO" key list --token "$U" --pin-source "file:$T"
expect 3 "bad --pin-source 'stdin'" "$KYSO" key list --token "$U" --pin-source stdin
expect 3 "has no PIN pad" "$KYSO" key list --token "$U" --pin-source pinpad

# No terminal and no source: exit 5 at once (setsid: no controlling tty).
if command -v setsid >/dev/null 2>&1; then
	expect 5 "no terminal to ask for the PIN" setsid -w "$KYSO" key list --token "$U"
	expect 5 "no terminal to ask for the PIN" setsid -w "$KYSO" key test --key "$K"
	expect 5 "no terminal to ask for the PIN" setsid -w "$KYSO" cert request --key "$K" \
	    --subject /CN=x
fi

# PINs never in URIs; unknown tokens and keys.
expect 3 "module-name=softhsm2 in the PKCS#11 URI is not supported: name the module with module-path=PATH" \
    "$KYSO" key list --token "$U?module-name=softhsm2" --pin-source env:PIN
expect 3 "carries a PIN" "$KYSO" key list --token "$U?pin-value=$PIN"
expect 3 "carries a PIN" "$KYSO" key list --token "$U;pin-source=file:$T/pin"
expect 3 "carries a PIN" "$KYSO" key test --key "$K?pin-value=$PIN"
expect 3 "carries a PIN" "$KYSO" cert import --token "$U?pin-value=1" --in /dev/null
expect 4 "no token matches pkcs11:token=T2" "$KYSO" key list --token pkcs11:token=T2 \
    --pin-source env:PIN
expect 4 "no token matches" "$KYSO" key test --key "pkcs11:token=T2;object=k1" \
    --pin-source env:PIN
expect 6 "no private key on token 'T1' matches" "$KYSO" key test --key "$U;object=nokey" \
    --pin-source env:PIN
expect 6 "no private key on token 'T1' matches" "$KYSO" key test --key "$U;id=%99" \
    --pin-source env:PIN

# SoftHSM never locks a PIN nor reports the final try: a wrapping module shows
# those states to kyso (and a PIN pad).
if ! build_shim; then
	echo "# no C compiler or p11-kit headers: shim tests skipped"
	done_testing
fi
KYSO_PKCS11_MODULE=$T/shim.so
KYSO_SHIM_LOG=$T/logins
export KYSO_PKCS11_MODULE KYSO_SHIM_LOG

# One login per command, however many signatures.
: >"$KYSO_SHIM_LOG"
expect 0 "5 signatures made on the token and verified" "$KYSO" key test --key "$K" \
    --count 5 --pin-source env:PIN
n=$(grep -c "login user=1" "$KYSO_SHIM_LOG")
[ "$n" = 1 ] && pass "one C_Login for 5 signatures" || fail "$n logins for 5 signatures"

# An exhausted fd spends no PIN try.
: >"$KYSO_SHIM_LOG"
expect 5 "gave an empty PIN" "$KYSO" key list --token "$U" --pin-source fd:7 7</dev/null
[ -s "$KYSO_SHIM_LOG" ] && fail "C_Login called with an empty PIN" || pass "no C_Login for an empty PIN"

# A PIN of a length the token never takes (SoftHSM: 4 to 255) spends no try.
SHORTPIN=123
export SHORTPIN
: >"$KYSO_SHIM_LOG"
expect 5 "^kyso key: the PIN given is 3 bytes long but token 'T1' takes PINs of 4 to 255 bytes; no PIN try was spent$" \
    "$KYSO" key list --token "$U" --pin-source env:SHORTPIN
[ -s "$KYSO_SHIM_LOG" ] && fail "C_Login called with a 3-byte PIN" || pass "no C_Login for a 3-byte PIN"
expect 0 "PIN: +ok" "$KYSO" token list "$U"

# Locked: refused before any C_Login.
KYSO_SHIM_SET_FLAGS=40000 # CKF_USER_PIN_LOCKED
export KYSO_SHIM_SET_FLAGS
: >"$KYSO_SHIM_LOG"
expect 5 "PIN of token 'T1' is locked; unblock it with the SO PIN" \
    "$KYSO" key list --token "$U" --pin-source env:PIN
expect 5 "locked; unblock it with the SO PIN" "$KYSO" key test --key "$K" --pin-source env:PIN \
    --force-last-try
[ -s "$KYSO_SHIM_LOG" ] && fail "C_Login tried on a locked PIN" || pass "no C_Login on a locked PIN"
expect 0 "PIN: +locked" "$KYSO" token list "$U"
expect 0 '"pin_locked": true' "$KYSO" token list --json "$U"

# The token answers CKR_PIN_LOCKED to the login itself.
KYSO_SHIM_SET_FLAGS=0
KYSO_SHIM_LOGIN_RV=a4 # CKR_PIN_LOCKED
export KYSO_SHIM_LOGIN_RV
expect 5 "locked; unblock it with the SO PIN" "$KYSO" key list --token "$U" --pin-source env:PIN
unset KYSO_SHIM_LOGIN_RV

# Final try: refused unless forced.
KYSO_SHIM_SET_FLAGS=20000 # CKF_USER_PIN_FINAL_TRY
: >"$KYSO_SHIM_LOG"
expect 5 "one PIN try left.*--force-last-try" "$KYSO" key list --token "$U" --pin-source env:PIN
[ -s "$KYSO_SHIM_LOG" ] && fail "C_Login tried on the final try" || pass "no C_Login on the final try"
expect 0 "PIN: +final-try" "$KYSO" token list "$U"
expect 0 "object=k1" "$KYSO" key list --token "$U" --pin-source env:PIN --force-last-try
expect 5 "wrong PIN for token 'T1'; one try left" "$KYSO" key list --token "$U" \
    --pin-source env:BADPIN --force-last-try

# PIN pad: the default source when the token has one; no PIN leaves kyso.
KYSO_SHIM_SET_FLAGS=100 # CKF_PROTECTED_AUTHENTICATION_PATH
KYSO_SHIM_PINPAD_PIN=$PIN
export KYSO_SHIM_PINPAD_PIN
: >"$KYSO_SHIM_LOG"
expect 0 "PIN pad: +yes" "$KYSO" token list "$U"
expect 0 "1 signature made" setsid -w "$KYSO" key test --key "$K"
expect_in "$KYSO_SHIM_LOG" "^login user=1 pin=none$"
expect 0 "1 signature made" "$KYSO" key test --key "$K" --pin-source pinpad
KYSO_SHIM_PINPAD_PIN=$BADPIN
expect 5 "wrong PIN for token 'T1'" setsid -w "$KYSO" key test --key "$K"
done_testing
