#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso key generate|list: key pairs made on the token, checked by pkcs11-tool and p11tool.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"

tok_init "Ký số"
U="pkcs11:token=K%C3%BD%20s%E1%BB%91"

gen() { # LABEL ID TYPE
	"$KYSO" key generate --token "$U" --label "$1" --id "$2" --type "$3" \
	    --pin-source env:PIN >"$T/uri.$1" 2>"$T/err.$1"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -Eq "^pkcs11:.*token=K%C3%BD%20s%E1%BB%91;id=%$2;object=$1;type=private$" \
	    "$T/uri.$1"; then
		pass "generate $3 '$1' -> $(cat "$T/uri.$1")"
	else
		fail "generate $3 '$1': exit $rc: $(cat "$T/uri.$1" "$T/err.$1")"
	fi
}
gen rsa2048 A1 rsa:2048
gen p256 A2 ec:prime256v1
gen p384 A3 ec:secp384r1
gen rsa3072 A4 rsa:3072

# The referee: what pkcs11-tool sees on the token.
p11t --token-label "Ký số" --login --pin "$PIN" --list-objects >"$T/objs" 2>&1
for l in rsa2048 p256 p384 rsa3072; do
	if awk -v l="$l" '/^Private Key Object/ { p = 1; b = $0; next }
	    /^[A-Z]/ { p = 0 } p { b = b "\n" $0 }
	    p && $0 ~ "label: +" l "$" { f = 1 }
	    END { exit !f }' "$T/objs"; then pass "pkcs11-tool sees private key $l"; else
		fail "pkcs11-tool does not see private key $l"; fi
done
# Every private key: sensitive, never extractable, signs, does not decrypt.
n_priv=$(grep -c "^Private Key Object" "$T/objs")
n_safe=$(grep -c "Access: *sensitive, always sensitive, never extractable, local" "$T/objs")
[ "$n_priv" = 4 ] && [ "$n_safe" = 4 ] && pass "4 private keys, all sensitive and never extractable" ||
    { fail "private keys: $n_priv, sensitive+never extractable: $n_safe"; cat "$T/objs"; }
if grep -A4 "^Private Key Object" "$T/objs" | grep "Usage:" | grep -Eq "decrypt|unwrap"; then
	fail "a generated private key may decrypt or unwrap"
else
	pass "the generated private keys only sign"
fi
expect_in "$T/objs" "Public Key Object; RSA 2048 bits"
expect_in "$T/objs" "Public Key Object; RSA 3072 bits"
expect_in "$T/objs" "EC_PARAMS: +06082a8648ce3d030107"
expect_in "$T/objs" "EC_PARAMS: +06052b81040022"
p11tool --provider "$SOFTHSM_MODULE" --login --set-pin="$PIN" --list-privkeys "$U" >"$T/p11tool" 2>&1
expect_in "$T/p11tool" "Label: p384"
expect_in "$T/p11tool" "ID: a4"

# kyso key list agrees.
expect 0 "ec 384  label=p384  id=a3" "$KYSO" key list --token "$U" --pin-source env:PIN
expect 0 "rsa 3072  label=rsa3072" "$KYSO" key list --token "$U" --pin-source env:PIN
expect 0 '"bits": 256' "$KYSO" key list --json --token "$U" --pin-source env:PIN
# The generated keys sign (on the token) and verify.
expect 0 "signature made on the token and verified" "$KYSO" key test \
    --key "$(cat "$T/uri.p256")" --pin-source env:PIN
expect 0 "signature made on the token and verified" "$KYSO" key test \
    --key "$U;object=rsa2048" --scheme pss --pin-source env:PIN

# Key types in any case (EC:P-256, as people write it).
expect 0 "object=upper;type=private" "$KYSO" key generate --token "$U" --label upper \
    --type EC:P-256 --pin-source env:PIN
# A random id when none is given; JSON output.
expect 0 '"uri": "pkcs11:.*object=noid;type=private"' "$KYSO" key generate --json \
    --token "$U" --label noid --type ec:prime256v1 --pin-source env:PIN
# --json "type": the canonical name (as --help and kyso-key(1) list them),
# whichever accepted spelling or case was typed.
for spec in EC:P-256=ec:prime256v1 ec:secp256r1=ec:prime256v1 Ec:P-384=ec:secp384r1 \
    RSA:2048=rsa:2048; do
	given=${spec%%=*} want=${spec#*=}
	lab=canon-$(printf '%s' "$given" | tr ':A-Z' '-a-z')
	expect 0 "\"type\": \"$want\"" "$KYSO" key generate --json --token "$U" --label "$lab" \
	    --type "$given" --pin-source env:PIN
done

# Refusals.
expect 3 "already on the token; pick another --id" "$KYSO" key generate --token "$U" \
    --label again --id a1 --pin-source env:PIN
# A label already on a private key: refused (object=LABEL would name neither key).
expect 3 "a private key labelled 'p256' is already on the token.*pick another --label" \
    "$KYSO" key generate --token "$U" --label p256 --type ec:prime256v1 --pin-source env:PIN
expect 0 "ec 256  label=p256  id=a2$" "$KYSO" key list --token "$U;object=p256" \
    --pin-source env:PIN
# An id already on a certificate left on the token: refused (it would pair with the new key).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout /dev/null \
    -subj /CN=left -days 30 -outform DER -out "$T/left.der" 2>/dev/null
p11t --token-label "Ký số" --login --pin "$PIN" --write-object "$T/left.der" --type cert \
    --id b1 --label left >/dev/null 2>&1 || fail "pkcs11-tool --write-object"
expect 3 "a certificate or public key with this id is already on the token" "$KYSO" key \
    generate --token "$U" --label fresh --id b1 --pin-source env:PIN
# A write-protected token (the shim sets CKF_WRITE_PROTECTED): refused with the
# reason, before any PIN is asked (env:NOPE is not set: asking would fail with 5).
if build_shim; then
	wp="token 'Ký số' is write-protected: nothing can be stored on it; use a writable token"
	expect 3 "$wp" env KYSO_SHIM_SET_FLAGS=2 "$KYSO" key generate --module "$T/shim.so" \
	    --token "$U" --label wp --pin-source env:NOPE
	expect 3 "$wp" env KYSO_SHIM_SET_FLAGS=2 "$KYSO" cert import --module "$T/shim.so" \
	    --token "$U" --in "$T/left.der" --pin-source env:NOPE
	# reading it needs no write: still works
	expect 0 "label=rsa2048" env KYSO_SHIM_SET_FLAGS=2 "$KYSO" key list --module "$T/shim.so" \
	    --token "$U" --pin-source env:PIN
else
	echo "# no compiler or p11-kit headers for the shim: write-protected token not tested"
fi
expect 3 "unknown key type 'dsa:1024'" "$KYSO" key generate --token "$U" --label x \
    --type dsa:1024 --pin-source env:PIN
expect 3 "--token and --label are required" "$KYSO" key generate --token "$U" --pin-source env:PIN
expect 3 "--id takes hexadecimal" "$KYSO" key generate --token "$U" --label x --id 0g \
    --pin-source env:PIN
expect 5 "wrong PIN" "$KYSO" key generate --token "$U" --label x --pin-source env:BADPIN
expect 4 "no token matches" "$KYSO" key generate --token pkcs11:token=none --label x \
    --pin-source env:PIN
n=$(p11t --token-label "Ký số" --login --pin "$PIN" --list-objects --type privkey 2>/dev/null |
    grep -c "^Private Key Object")
[ "$n" = 10 ] && pass "refused generations left no key" || fail "$n private keys after refusals"
done_testing
