#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shipped trust anchors are exactly the ones whose fingerprints certs/README.md lists.
set -u
. "$top_srcdir/tests/integration/lib.sh"
for f in "$top_srcdir"/certs/trust/*.pem; do
	fp=$(openssl x509 -in "$f" -noout -fingerprint -sha256 | sed 's/.*=//')
	if grep -q "$(basename "$f").*$fp" "$top_srcdir/certs/README.md"; then
		pass "$(basename "$f") fingerprint listed"
	else
		fail "$(basename "$f") fingerprint $fp not in certs/README.md"
	fi
done
done_testing
