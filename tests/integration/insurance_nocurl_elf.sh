#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build property: neither libsign.so nor the kyso program needs libcurl (the
# insurance gateway client dlopen()s it) or libssl, and no libcurl or libssl
# function is called directly (an undefined symbol would bind to nothing at
# run time).
. "$top_srcdir/tests/integration/lib.sh"

LIB=$top_builddir/libsign/.libs/libsign.so
PROG=$top_builddir/tools/.libs/kyso
[ -f "$PROG" ] || PROG=$top_builddir/tools/kyso
[ -f "$LIB" ] || skip_all "no shared libsign.so (static build)"
if command -v readelf >/dev/null 2>&1; then
	needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'; }
	undefined() { readelf -W --dyn-syms "$1" | awk '$7 == "UND" { sub(/@.*/, "", $8); print $8 }'; }
elif command -v objdump >/dev/null 2>&1; then
	needed() { objdump -p "$1" | sed -n 's/^ *NEEDED  *//p'; }
	undefined() { objdump -T "$1" | awk '$3 == "*UND*" { print $NF }'; }
else
	skip_all "neither readelf nor objdump is installed"
fi

needed "$LIB" > "$T/lib.needed"
needed "$PROG" > "$T/prog.needed"
undefined "$LIB" > "$T/lib.und"

# the readers work (so that an empty answer below means something)
grep -q '^libcrypto\.so' "$T/lib.needed" && pass "libsign.so's NEEDED entries read" ||
    fail "no libcrypto in libsign.so's NEEDED entries: $(tr '\n' ' ' < "$T/lib.needed")"
grep -q '^EVP_' "$T/lib.und" && pass "libsign.so's undefined symbols read" ||
    fail "no EVP_ function among libsign.so's undefined symbols"

grep -q 'curl' "$T/lib.needed" && fail "libsign.so needs libcurl: $(grep curl "$T/lib.needed")" ||
    pass "libsign.so does not need libcurl"
grep -q 'curl' "$T/prog.needed" && fail "kyso needs libcurl: $(grep curl "$T/prog.needed")" ||
    pass "kyso does not need libcurl"
grep -q '^curl_' "$T/lib.und" &&
    fail "libsign.so calls libcurl directly: $(grep '^curl_' "$T/lib.und" | tr '\n' ' ')" ||
    pass "libsign.so calls no curl_* function directly"
# libssl too: the client certificate's three SSL_CTX functions are found
# through libcurl's handle
grep -q 'libssl' "$T/lib.needed" && fail "libsign.so needs libssl" ||
    pass "libsign.so does not need libssl"
grep -q '^SSL_' "$T/lib.und" &&
    fail "libsign.so calls libssl directly: $(grep '^SSL_' "$T/lib.und" | tr '\n' ' ')" ||
    pass "libsign.so calls no SSL_* function directly"

done_testing
