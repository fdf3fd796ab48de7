#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerate the seed corpus of fuzz_cades (run from the top of the source
# tree): CMS/CAdES signatures of the content fuzz_cades.c checks them
# against, made by openssl(1) with a fresh test PKI (certs/mkpki.sh) in every
# form kyso verify meets: RSA, RSA-PSS, ECDSA P-256 and P-384, with and
# without CAdES attributes, attached and detached, the signer named by issuer
# and serial or by key identifier, without certificates, two signers, PEM;
# plus cut and damaged copies.  Only signatures and public certificates are
# kept.  ec-timestamped and ec-timestamp-other (a CAdES-T signature time-stamp,
# and one over other bytes) cannot be made with the openssl command: they are
# test_cades_verify's test_signature_timestamp signatures, kept as they are.
set -eu
C=tests/fuzz/corpus/cades
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
sh certs/mkpki.sh "$W/pki" >/dev/null 2>&1
P=$W/pki
mkdir -p "$C"
find "$C" -type f ! -name 'ec-timestamp*' -exec rm -f {} +
printf 'Biên bản họp ngày 01/12/2026\n' > "$W/content"
s() { # OUT SIGNER [openssl cms options]
	o=$1 n=$2
	shift 2
	openssl cms -sign -binary -in "$W/content" -signer "$P/$n.pem" -inkey "$P/$n.key" \
	    -certfile "$P/chain.pem" -outform DER -out "$C/$o" "$@"
}
s rsa-cades signer-rsa -cades
s rsa-cms signer-rsa
s rsa-noattr signer-rsa -noattr
s rsa-attached signer-rsa -cades -nodetach
s rsa-keyid signer-rsa -cades -keyid
s rsa-nocerts signer-rsa -cades -nocerts
s rsa-sha512 signer-rsa -cades -md sha512
s rsa-pss signer-rsa -cades -keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:32
s ec-cades signer-ec -cades
s ec384-sha384 signer-ec384 -cades -md sha384
s ec-sha1 signer-ec -md sha1
s expired signer-expired -cades
s enc-only enc-only -cades
s tls-server tls-server -cades
openssl cms -sign -binary -in "$W/content" -signer "$P/signer-rsa.pem" -inkey "$P/signer-rsa.key" \
    -signer "$P/signer-ec.pem" -inkey "$P/signer-ec.key" -certfile "$P/chain.pem" -cades \
    -outform DER -out "$C/two-signers"
openssl cms -sign -binary -in "$W/content" -signer "$P/signer-ec.pem" -inkey "$P/signer-ec.key" \
    -cades -outform PEM -out "$C/ec-pem"
# cut and damaged
head -c 700 "$C/rsa-cades" > "$C/rsa-cut"
head -c 40 "$C/ec-cades" > "$C/ec-head"
python3 - "$C" <<'PY'
import sys
c = sys.argv[1]
d = bytearray(open(c + "/ec-cades", "rb").read())
d[-1] ^= 1
open(c + "/ec-flipped", "wb").write(d)
d = bytearray(open(c + "/rsa-cades", "rb").read())
d[1] = 0x84                             # a length of four bytes, too long
open(c + "/rsa-badlen", "wb").write(d)
open(c + "/empty", "wb").write(b"")
open(c + "/junk", "wb").write(b"not a signature\n")
PY
ls "$C" | wc -l
