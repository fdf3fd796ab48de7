#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Tokens as users meet them: two tokens with one label, labels typed with
# spaces, a module that is not one or does not start, a token pulled out in
# the middle of a batch, a key that wants its PIN for each signature, and
# RSA-PSS made by the token's own mechanism (OpenSC's pkcs11-spy as referee).
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"
test_pki
P=$T/pki
tok_init T1
init_token T1 12345678 "$PIN"
ossl_verify() { # SIG CONTENT
	openssl cms -verify -binary -inform DER -in "$1" -content "$2" \
	    -CAfile "$P/root.pem" -purpose any -out /dev/null
}

# ---- two tokens named T1: refused, each named by its serial -------------------
"$KYSO" token list --json pkcs11:token=T1 >"$T/list.json" 2>&1
serials=$(sed -n 's/.*"serial": "\(.*\)".*/\1/p' "$T/list.json")
s1=$(echo "$serials" | sed -n 1p)
s2=$(echo "$serials" | sed -n 2p)
[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" != "$s2" ] && pass "two tokens T1: $s1, $s2" ||
    fail "serials of the two T1 tokens: '$serials'"
softhsm2-util --import "$P/signer-rsa.key" --serial "$s2" --label signer --id 01 --pin "$PIN" \
    >/dev/null || fail "import the key"
openssl x509 -in "$P/signer-rsa.pem" -outform DER -out "$T/signer.der"
"$KYSO" cert import --token "pkcs11:serial=$s2" --in "$P/signer-rsa.pem" --pin-source env:PIN \
    >/dev/null 2>&1 || fail "import the certificate"
mkdir "$T/d"
cd "$T/d" || exit 1
printf 'Quyết định\n' > a.txt
expect 3 "^kyso sign: 2 tokens match pkcs11:token=T1;object=signer: ('T1' \\(serial ($s1|$s2)\\)(, )?){2}; name one by its serial \\(pkcs11:serial=SERIAL;token=...\\)$" \
    "$KYSO" sign --key "pkcs11:token=T1;object=signer" --pin-source env:PIN a.txt
grep -q "$s1" "$T/.out" && grep -q "$s2" "$T/.out" && pass "both serials named" ||
    fail "the message does not name both serials"
expect 0 "a.txt -> a.txt.p7s" "$KYSO" sign --key "pkcs11:token=T1;serial=$s2;object=signer" \
    --pin-source env:PIN --chain "$P/chain.pem" a.txt
expect 0 "Verification successful" ossl_verify a.txt.p7s a.txt
rm -f a.txt.p7s

# ---- labels typed with spaces mean those spaces --------------------------------
init_token "Sở Y tế" 12345678 "$PIN"
expect 0 "object=kh%C3%B3a%20k%C3%BD" "$KYSO" key generate --token "pkcs11:token=Sở Y tế" \
    --label "khóa ký" --type ec:prime256v1 --pin-source env:PIN
expect 0 "token: +Sở Y tế" "$KYSO" token list "pkcs11:token=Sở Y tế"
expect 0 "1 signature made on the token and verified" "$KYSO" key test \
    --key "pkcs11:token=Sở Y tế;object=khóa ký" --pin-source env:PIN
expect 0 "1 signature made" "$KYSO" key test --key "pkcs11:token=Sở%20Y%20tế; object=khóa ký " \
    --pin-source env:PIN
expect 4 "no slot matches pkcs11:token=SởYtế" "$KYSO" token list "pkcs11:token=SởYtế"

# ---- modules that are not PKCS#11 modules, or do not start ---------------------
printf 'not a module\n' > "$T/text.so"
expect 6 "^kyso token: $T/text.so is not a PKCS#11 module \\(.*\\); name one with --module" \
    "$KYSO" token list --module "$T/text.so"
n=$(wc -l < "$T/.out")
[ "$n" -eq 1 ] && pass "one line on stderr" || fail "$n lines on stderr: $(cat "$T/.out")"
expect 6 "is not a PKCS#11 module" "$KYSO" sign --key "pkcs11:token=T1;object=signer" \
    --pin-source env:PIN --module "$T/text.so" a.txt
if printf 'int kyso_not_pkcs11 = 1;\n' | ${CC:-cc} -shared -fPIC -x c -o "$T/empty.so" - \
    >/dev/null 2>&1; then
	expect 6 "$T/empty.so is not a PKCS#11 module \\(it has no C_GetFunctionList\\)" \
	    "$KYSO" token list --module "$T/empty.so"
	expect 6 '"exit": 6' "$KYSO" token list --json --module "$T/empty.so"
fi
expect 7 "^kyso token: the PKCS#11 module .* does not start: C_Initialize: .*; check its configuration" \
    env SOFTHSM2_CONF="$T/absent.conf" "$KYSO" token list
[ -e a.txt.p7s ] && fail "output written" || pass "no output from failing modules"

# The remaining tests wrap SoftHSM in the test module.
if ! build_shim; then
	echo "# no C compiler or p11-kit headers: shim tests skipped"
	done_testing
fi
KYSO_PKCS11_MODULE=$T/shim.so
KYSO_SHIM_LOG=$T/logins
export KYSO_PKCS11_MODULE KYSO_SHIM_LOG
KEY="pkcs11:serial=$s2;object=signer"

# ---- the token is pulled out after 3 signatures of 10 ----------------------------
mkdir "$T/rm"
cd "$T/rm" || exit 1
for i in 0 1 2 3 4 5 6 7 8 9; do printf 'Văn bản %d\n' "$i" > "f$i.txt"; done
KYSO_SHIM_SIGN_LIMIT=3 "$KYSO" sign --key "$KEY" --pin-source env:PIN --chain "$P/chain.pem" \
    f*.txt >"$T/rm.out" 2>"$T/rm.err"
rc=$?
[ "$rc" -eq 4 ] && pass "exit 4 when the token is removed" || fail "exit $rc, expected 4"
if grep -q "^kyso sign: 3 of 10 files signed (complete signatures); the others were not$" \
    "$T/rm.err" && grep -q "^kyso sign: the token was removed: C_Sign" "$T/rm.err"; then
	pass "the messages say the token was removed and 3 files were signed"
else
	fail "messages"; sed 's/^/    | /' "$T/rm.err"
fi
listed=$(sed -n 's/ -> .*//p' "$T/rm.out" | sort | tr '\n' ' ')
written=$(ls ./*.p7s 2>/dev/null | sed 's|^\./||; s/\.p7s$//' | sort | tr '\n' ' ')
[ "$(echo "$listed" | wc -w)" -eq 3 ] && [ "$listed" = "$written" ] &&
    pass "the 3 files listed are the 3 outputs" || fail "listed '$listed', written '$written'"
bad=0
for f in $listed; do ossl_verify "$f.p7s" "$f" >/dev/null 2>&1 || bad=$((bad + 1)); done
[ "$bad" -eq 0 ] && pass "the signatures made before the removal verify" || fail "$bad do not verify"
ls ./*.tmp* >/dev/null 2>&1 && fail "temporary files left" || pass "no temporary file left"

# pulled out before the login: no token (exit 4), not a backend failure
expect 4 "the token was removed: put it back and run again" \
    env KYSO_SHIM_LOGIN_RV=32 "$KYSO" sign --key "$KEY" --pin-source env:PIN -o x.p7s f0.txt
[ -e x.p7s ] && fail "x.p7s written" || pass "no output when the token is gone at the login"

# ---- CKA_ALWAYS_AUTHENTICATE: one login, then the PIN for each signature --------
cd "$T/d" || exit 1
if p11t --token-label "Sở Y tế" --login --pin "$PIN" --keypairgen \
    --key-type EC:prime256v1 --always-auth --label aa --id 0a >/dev/null 2>&1 &&
    "$KYSO" cert request --key "pkcs11:token=Sở Y tế;object=aa" --subject "/C=VN/CN=Lý Thị Ký" \
    --pin-source env:PIN -o "$T/aa.csr" >/dev/null 2>&1; then
	printf 'keyUsage = critical, nonRepudiation, digitalSignature\n' > "$T/aa.ext"
	openssl x509 -req -in "$T/aa.csr" -CA "$P/gov-ca.pem" -CAkey "$P/gov-ca.key" \
	    -set_serial 77 -days 10 -extfile "$T/aa.ext" -out "$T/aa.pem" >/dev/null 2>&1 ||
	    fail "certify the always-authenticate key"
	expect 0 "" "$KYSO" cert import --token "pkcs11:token=Sở Y tế" --in "$T/aa.pem" \
	    --pin-source env:PIN
	printf 'một\n' > 1.txt; printf 'hai\n' > 2.txt; printf 'ba\n' > 3.txt
	printf '%s\n%s\n%s\n%s\n' "$PIN" "$PIN" "$PIN" "$PIN" > "$T/pins"
	: > "$KYSO_SHIM_LOG"
	expect 0 "3 files signed by Lý Thị Ký" "$KYSO" sign --key "pkcs11:token=Sở Y tế;object=aa" \
	    --chain "$P/chain.pem" --pin-source fd:3 1.txt 2.txt 3.txt 3<"$T/pins"
	# (a certificate for 10 days: used, with a warning)
	grep -q "^kyso sign: warning: the certificate of Lý Thị Ký (serial 4d) expires on 20..-..-..T..:..:..Z: ask for its renewal$" \
	    "$T/.out" && pass "warned: the certificate expires within 30 days" ||
	    { fail "no warning for a certificate ending in 10 days"; sed 's/^/    | /' "$T/.out"; }
	u=$(grep -c "login user=1" "$KYSO_SHIM_LOG")
	c=$(grep -c "login user=2" "$KYSO_SHIM_LOG")
	[ "$u" = 1 ] && [ "$c" = 3 ] && pass "one C_Login, then one context login per signature" ||
	    fail "$u user logins, $c context logins"
	for f in 1.txt 2.txt 3.txt; do expect 0 "Verification successful" ossl_verify "$f.p7s" "$f"; done
	rm -f ./*.p7s
	# a batch long enough for more token sessions (kyso sign --sessions):
	# this key asks for its PIN at each signature, so one session, one
	# PIN per file (not one per session)
	mkdir "$T/aa20" && cd "$T/aa20" || exit 1
	: > "$T/pins"
	for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23; do
		printf 'tệp %d\n' "$i" > "f$i.txt"
		printf '%s\n' "$PIN" >> "$T/pins"
	done
	printf '%s\n' "$PIN" >> "$T/pins"
	: > "$KYSO_SHIM_LOG"
	expect 0 "24 files signed by Lý Thị Ký" env KYSO_SHIM_SESSIONS=1 "$KYSO" sign \
	    --key "pkcs11:token=Sở Y tế;object=aa" --sessions 4 --pin-source fd:3 f*.txt 3<"$T/pins"
	s=$(sed -n 's/^sign session=//p' "$KYSO_SHIM_LOG" | sort -u | wc -l)
	c=$(grep -c "login user=2" "$KYSO_SHIM_LOG")
	[ "$s" = 1 ] && [ "$c" = 24 ] &&
	    pass "a key asking for its PIN each time signs on one session, one PIN per file" ||
	    fail "$s sessions signed, $c context logins for 24 files"
	cd "$T/d" || exit 1
	# one PIN for the login only: the first context login finds the fd empty
	printf '%s\n' "$PIN" > "$T/pin1"
	expect 5 "^kyso sign: the PIN source fd:3 gave an empty PIN; key 'aa' asks for its PIN before each signature: give it once more for each file$" \
	    "$KYSO" sign --key "pkcs11:token=Sở Y tế;object=aa" --pin-source fd:3 1.txt 3<"$T/pin1"
	# a wrong PIN at the context login: exit 5, nothing written
	printf '%s\n%s\n' "$PIN" "$BADPIN" > "$T/pins"
	expect 5 "^kyso sign: wrong PIN \\(asked again for the key\\) for token 'Sở Y tế'" \
	    "$KYSO" sign --key "pkcs11:token=Sở Y tế;object=aa" --pin-source fd:3 1.txt 2.txt \
	    3<"$T/pins"
	ls ./*.p7s ./*.tmp* >/dev/null 2>&1 && fail "output after a wrong context PIN" ||
	    pass "nothing written after a wrong context PIN"
	# Ctrl-C at the PIN asked before a signature, on a terminal: the batch
	# blocks the signals, yet the prompt ends at once and gives the terminal back.
	if command -v python3 >/dev/null 2>&1; then
		r=$(python3 "$top_srcdir/tests/integration/pin_tty.py" enter,intr "$KYSO" sign \
		    --key "pkcs11:token=Sở Y tế;object=aa" 1.txt 2.txt)
		case $r in
		"echo-at-prompt=off echo-after=on status=signal:2")
			pass "Ctrl-C at the key's PIN prompt: ended by SIGINT, echo back on" ;;
		*) fail "Ctrl-C at the key's PIN prompt: $r" ;;
		esac
		ls ./*.p7s ./*.tmp* >/dev/null 2>&1 && fail "output after Ctrl-C at the key's PIN" ||
		    pass "nothing written after Ctrl-C at the key's PIN"
	fi
else
	echo "# pkcs11-tool cannot make CKA_ALWAYS_AUTHENTICATE keys here: skipped"
fi

# ---- --pss goes through CKM_RSA_PKCS_PSS (the spy shows the token's calls) -------
SPY=
for m in /usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so /usr/lib/aarch64-linux-gnu/pkcs11/pkcs11-spy.so \
    /usr/lib/pkcs11/pkcs11-spy.so; do
	[ -z "$SPY" ] && [ -f "$m" ] && SPY=$m
done
if [ -n "$SPY" ]; then
	expect 0 "a.txt -> pss.p7s" env PKCS11SPY="$SOFTHSM_MODULE" PKCS11SPY_OUTPUT="$T/spy.log" \
	    "$KYSO" sign --module "$SPY" --key "$KEY" --pin-source env:PIN --chain "$P/chain.pem" \
	    --pss -o pss.p7s a.txt
	expect 0 "Verification successful" ossl_verify pss.p7s a.txt
	mechs=$(grep -A3 "C_SignInit" "$T/spy.log" | sed -n 's/.*pMechanism->type = \([A-Z0-9_]*\).*/\1/p' |
	    tr '\n' ' ')
	[ "$mechs" = "CKM_RSA_PKCS_PSS " ] && pass "one C_SignInit, with CKM_RSA_PKCS_PSS" ||
	    fail "C_SignInit mechanisms: '$mechs'"
	grep -A6 "C_SignInit" "$T/spy.log" | grep -q "sLen = 32" && pass "salt length 32" ||
	    fail "PSS parameters"
else
	echo "# no pkcs11-spy.so: PSS mechanism check skipped"
fi
done_testing
