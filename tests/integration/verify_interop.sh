#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso verify accepts what `openssl cms -sign` produces: with and without -cades,
# detached and attached, RSA (PKCS#1 v1.5 and PSS) and EC, DER, BER (-stream) and PEM,
# and without signed attributes; and refuses the same signatures over altered content.
set -u
. "$top_srcdir/tests/integration/lib.sh"
test_pki
P=$T/pki
export KYSO_TRUST_DIR="$top_srcdir/certs/trust"
mkdir -p "$T/d"
cd "$T/d" || exit 1
head -c 300000 /dev/urandom > data.bin
printf 'Quyết định bổ nhiệm\n' > qd.txt

V() { "$KYSO" verify --trust "$P/root.pem" "$@"; }
n=0
interop() { # NAME KEY FORMAT-REGEX [openssl cms -sign options]
	name=$1 key=$2 want=$3
	shift 3
	n=$((n + 1))
	out=$T/d/s$n.sig
	if ! openssl cms -sign -binary -in data.bin -signer "$P/$key.pem" -inkey "$P/$key.key" \
	    -certfile "$P/chain.pem" -out "$out" "$@" 2>"$T/ossl.txt"; then
		fail "openssl cms -sign $name"; cat "$T/ossl.txt"; return
	fi
	case " $* " in
	*" -nodetach "*|*" -stream "*)
		expect 0 "$want" V "$out"
		expect 0 "embedded in the signature \\(300000 bytes\\)" V "$out" ;;
	*)
		expect 0 "$want" V --content data.bin "$out"
		cp data.bin altered.bin
		printf 'X' | dd of=altered.bin bs=1 seek=1000 conv=notrunc 2>/dev/null
		expect 1 "TOTAL-FAILED" V --content altered.bin "$out" ;;
	esac
}

interop "RSA detached" signer-rsa "format: +CMS, RSA PKCS#1 v1.5 with SHA-256" -outform DER
interop "RSA detached CAdES" signer-rsa "format: +CAdES-BASELINE-B" -cades -outform DER
interop "RSA attached" signer-rsa "TOTAL-PASSED" -nodetach -outform DER
interop "RSA attached CAdES" signer-rsa "CAdES-BASELINE-B" -cades -nodetach -outform DER
interop "RSA-PSS detached" signer-rsa "RSA-PSS with SHA-256" -keyopt rsa_padding_mode:pss \
    -outform DER
interop "RSA SHA-512" signer-rsa3072 "Phạm Thị Dung" -md sha512 -cades -outform DER
interop "EC detached" signer-ec "ECDSA with SHA-256" -outform DER
interop "EC detached CAdES" signer-ec "CAdES-BASELINE-B, ECDSA" -cades -outform DER
interop "EC attached" signer-ec "Trần Thị Bình" -nodetach -outform DER
interop "EC P-384 attached CAdES" signer-ec384 "ECDSA with SHA-384" -md sha384 -cades -nodetach \
    -outform DER
interop "BER streaming attached" signer-rsa "TOTAL-PASSED" -stream -nodetach -outform DER
interop "PEM detached" signer-ec "TOTAL-PASSED" -cades -outform PEM
interop "PEM attached" signer-rsa "TOTAL-PASSED" -nodetach -outform PEM
interop "no signed attributes" signer-rsa "signed attributes: none" -noattr -outform DER
interop "no signed attributes, EC" signer-ec "SKIPPED +message_digest" -noattr -outform DER

# the default content: SIG without .p7s
openssl cms -sign -binary -cades -in qd.txt -signer "$P/signer-ec.pem" -inkey "$P/signer-ec.key" \
    -certfile "$P/chain.pem" -outform DER -out qd.txt.p7s
expect 0 "content: +qd.txt \\(detached, 29 bytes\\)" V qd.txt.p7s
done_testing
