#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shipped trust anchors are exactly the ones certs/README.md lists: each file holds one
# certificate (kyso verify would trust a second one appended to a file) whose SHA-256
# fingerprint is on the file's row, every row has its file, every file is installed
# (certs/certs.am), and each is the copy in ../shared/trust/ when that folder is there.
set -u
. "$top_srcdir/tests/integration/lib.sh"
README=$top_srcdir/certs/README.md
AM=$top_srcdir/certs/certs.am
n=0
for f in "$top_srcdir"/certs/trust/*.pem; do
	b=$(basename "$f")
	n=$((n + 1))
	# One certificate, nothing else: one PEM block, or a DER certificate with no trailing data.
	if grep -q -- "-----BEGIN" "$f"; then
		blocks=$(grep -c -- "-----BEGIN" "$f")
		certs=$(grep -c -- "-----BEGIN CERTIFICATE-----" "$f")
		[ "$blocks" = 1 ] && [ "$certs" = 1 ] && pass "$b: one PEM certificate" ||
		    fail "$b: $blocks PEM blocks, $certs certificates (one certificate per file)"
		inform=PEM
	else
		openssl x509 -inform DER -in "$f" -outform DER -out "$T/$b.der" 2>/dev/null
		cmp -s "$f" "$T/$b.der" && pass "$b: one DER certificate" ||
		    fail "$b: not exactly one certificate"
		inform=DER
	fi
	fp=$(openssl x509 -inform "$inform" -in "$f" -noout -fingerprint -sha256 | sed 's/.*=//')
	if grep -q "^| $b |.*\`$fp\`" "$README"; then
		pass "$b fingerprint listed"
	else
		fail "$b fingerprint $fp not on its row in certs/README.md"
	fi
	if [ -f "$AM" ]; then
		grep -q "certs/trust/$b" "$AM" && pass "$b installed" ||
		    fail "$b is not in certs/certs.am: it would not be installed"
	fi
	if [ -d "$top_srcdir/../shared/trust" ]; then
		s=$top_srcdir/../shared/trust/$b
		if [ -f "$s" ] && [ "$(openssl x509 -in "$s" -noout -fingerprint -sha256 |
		    sed 's/.*=//')" = "$fp" ]; then
			pass "$b is the shared copy"
		else
			fail "$b differs from ../shared/trust/$b"
		fi
	fi
done
[ "$n" -gt 0 ] && pass "$n trust anchors" || fail "no trust anchor in certs/trust"
# Every row of the table has its file.
rows=$(grep -E '^\| [^ ]+\.pem \|' "$README" | sed 's/^| \([^ ]*\) .*/\1/')
for r in $rows; do
	[ -f "$top_srcdir/certs/trust/$r" ] && pass "row $r has its file" ||
	    fail "certs/README.md lists $r, which is not in certs/trust"
done
[ "$(echo "$rows" | wc -w)" = "$n" ] && pass "as many rows as files" ||
    fail "$(echo "$rows" | wc -w) rows for $n files"
done_testing
