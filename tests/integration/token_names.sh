#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Names that come from a token (its label, its objects' labels) are shown with
# terminal controls and bidi characters escaped: a token cannot colour, move
# or reorder what kyso prints.  JSON keeps them exact (JSON escapes them).
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"

esc=$(printf '\033')
rlo=$(printf '\342\200\256')   # U+202E RIGHT-TO-LEFT OVERRIDE
tok_init "T${esc}[2J"
# the token's label, typed into a URI: percent-encoded
U="pkcs11:token=T%1B%5B2J"
p11t --token-label "T${esc}[2J" --login --pin "$PIN" --keypairgen --key-type EC:prime256v1 \
    --label "k${esc}]0;pwned${rlo}fdp.exe" --id 01 >/dev/null 2>&1 || fail "pkcs11-tool --keypairgen"

no_raw() { # FILE WHAT: FILE holds no ESC and no U+202E
	if grep -q "$esc" "$1" || grep -q "$rlo" "$1"; then
		fail "$2: a raw control or bidi character reached the terminal"
	else
		pass "$2: no raw control or bidi character"
	fi
}

"$KYSO" key list --token "$U" --pin-source env:PIN >"$T/out" 2>&1
expect_in "$T/out" 'label=k\\1B\]0;pwned\\E2\\80\\AEfdp\.exe'
no_raw "$T/out" "key list"
"$KYSO" token list >"$T/out" 2>&1
expect_in "$T/out" 'token: +T\\1B\[2J'
no_raw "$T/out" "token list"
"$KYSO" key list --token "$U" --pin-source env:BADPIN >"$T/out" 2>&1
expect_in "$T/out" "wrong PIN for token 'T\\\\1B\\[2J'"
no_raw "$T/out" "an error message naming the token"
# JSON: exact, as JSON escapes it
"$KYSO" key list --json --token "$U" --pin-source env:PIN >"$T/out" 2>&1
expect_in "$T/out" '"label": "k\\u001[bB]\]0;pwned'
done_testing
