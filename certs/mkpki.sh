#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# mkpki.sh DIR: build a throw-away test PKI with the openssl command line.
# Nothing here is ever trusted outside tests; no private key is committed.
#
# DIR/ holds, as NAME.pem (certificate) and NAME.key (PKCS#8 private key, PEM):
#   root              test root CA ("Kyso Test Root CA"), RSA-3072, self-signed
#   gov-ca            government CA under root ("CA phục vụ thử nghiệm"), RSA-3072
#   signer-rsa        civil servant, RSA-2048, nonRepudiation+digitalSignature,
#                     CN "Nguyễn Văn An" (UTF8String), policy 2.16.704.1.1.1.1.1
#   signer-ec         civil servant, EC P-256, same usages
#   signer-ec384      EC P-384
#   signer-rsa3072    RSA-3072
#   signer-expired    RSA-2048, valid 2020-01-01 .. 2021-01-01
#   signer-future     RSA-2048, valid from 2099-01-01
#   enc-only          RSA-2048, keyEncipherment only (must never be used to sign)
#   tsa               timestamp authority, EKU timeStamping (critical)
#   ocsp              OCSP responder for gov-ca, EKU OCSPSigning
#   tls-server        TLS server for 127.0.0.1 / localhost (stand-in servers)
#   tls-client        facility TLS client, EKU clientAuth
#   other-root, other-signer   a second, untrusted hierarchy
#   csca              Vietnam test CSCA (C=VN), ECDSA brainpoolP256r1
#   ds                Document Signer under csca (C=VN), ECDSA brainpoolP256r1
#   csca-rsa, ds-rsa  the same with RSA-2048 (DS signs with RSA-PSS or v1.5)
#   csca-unknown, ds-unknown   a CSCA nobody trusts, and its Document Signer
#   ds-other-country  Document Signer under csca but C=LA (country mismatch)
# and chain.pem (gov-ca), trust.pem (root), csca-trust.pem (csca + csca-rsa).
# DIR/.done marks a complete run.
#
# mkpki.sh DIR NAME SECTION ISSUER SUBJECT [EXTENSION-LINE]: one more
# certificate in a complete DIR, NAME.pem and NAME.key (RSA-2048), issued by
# ISSUER with the extensions of SECTION (v3_ocsp, ... below) and one more
# extension line in openssl.cnf syntax: a test's own variant of a test PKI
# certificate, e.g. an OCSP responder with "noCheck = ignored".  ISSUER's
# database in DIR/db lists it like the others.
set -eu
DIR=${1:?usage: mkpki.sh DIR [NAME SECTION ISSUER SUBJECT [EXTENSION-LINE]]}
mkdir -p "$DIR"
cd "$DIR"
umask 077
OPENSSL=${OPENSSL:-openssl}

cat > openssl.cnf <<'CNF'
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = $dir/db/$ENV::CANAME.index
serial = $dir/db/$ENV::CANAME.serial
new_certs_dir = $dir/db
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
utf8 = yes
string_mask = utf8only
[ policy_any ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
serialNumber = optional
[ req ]
distinguished_name = dn
utf8 = yes
string_mask = utf8only
prompt = no
[ dn ]
CN = placeholder
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_signer ]
basicConstraints = critical, CA:false
keyUsage = critical, nonRepudiation, digitalSignature
extendedKeyUsage = emailProtection, 1.3.6.1.4.1.311.10.3.12
certificatePolicies = 2.16.704.1.1.1.1.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_enc ]
basicConstraints = critical, CA:false
keyUsage = critical, keyEncipherment, dataEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_tsa ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_ocsp ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_tls_server ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_tls_client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_csca ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_ds ]
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
mkdir -p db

genkey() { # NAME TYPE
	case "$2" in
	rsa:*) $OPENSSL genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa:}" -out "$1.key" ;;
	ec:*) $OPENSSL genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${2#ec:}" \
	    -pkeyopt ec_param_enc:named_curve -out "$1.key" ;;
	esac 2>/dev/null
}

selfsign() { # NAME TYPE SUBJECT EXT
	genkey "$1" "$2"
	CANAME=$1; export CANAME
	: > "db/$1.index"; echo 01 > "db/$1.serial"
	$OPENSSL req -config openssl.cnf -new -key "$1.key" -subj "$3" -utf8 -out "$1.csr"
	$OPENSSL ca -config openssl.cnf -batch -notext -selfsign -keyfile "$1.key" \
	    -in "$1.csr" -out "$1.pem" -extensions "$4" -startdate 20240101000000Z \
	    -enddate 20491231000000Z -subj "$3" -utf8 2>/dev/null
	rm -f "$1.csr"
}

issue() { # NAME TYPE SUBJECT EXT ISSUER [START END]
	genkey "$1" "$2"
	CANAME=$5; export CANAME
	[ -f "db/$5.index" ] || { : > "db/$5.index"; echo 01 > "db/$5.serial"; }
	$OPENSSL req -config openssl.cnf -new -key "$1.key" -subj "$3" -utf8 -out "$1.csr"
	$OPENSSL ca -config openssl.cnf -batch -notext -cert "$5.pem" -keyfile "$5.key" \
	    -in "$1.csr" -out "$1.pem" -extensions "$4" -startdate "${6:-20250101000000Z}" \
	    -enddate "${7:-20451231000000Z}" -subj "$3" -utf8 2>/dev/null
	rm -f "$1.csr"
}

if [ $# -gt 1 ]; then
	[ $# -ge 5 ] && [ -f .done ] && [ -f "$4.pem" ] ||
	    { echo "usage: mkpki.sh DIR NAME SECTION ISSUER SUBJECT [EXTENSION-LINE]," \
	    "DIR a complete test PKI with ISSUER in it" >&2; exit 3; }
	ext=$(sed -n "/^\[ $3 \]\$/,/^\[/{/^\[/!p}" openssl.cnf)
	[ -n "$ext" ] || { echo "mkpki.sh: no extension section $3" >&2; exit 3; }
	printf '[ extra ]\n%s\n%s\n' "$ext" "${6-}" >> openssl.cnf
	issue "$2" rsa:2048 "$5" extra "$4"
	rm -f openssl.cnf
	exit 0
fi

selfsign root rsa:3072 "/C=VN/O=Kyso Test PKI/CN=Kyso Test Root CA" v3_ca
issue gov-ca rsa:3072 "/C=VN/O=Kyso Test PKI/CN=CA phục vụ thử nghiệm" v3_ca root
S="/C=VN/ST=Hà Nội/O=Bộ Y tế/OU=Văn phòng"
issue signer-rsa rsa:2048 "$S/CN=Nguyễn Văn An" v3_signer gov-ca
issue signer-ec ec:prime256v1 "$S/CN=Trần Thị Bình" v3_signer gov-ca
issue signer-ec384 ec:secp384r1 "$S/CN=Lê Văn Cường" v3_signer gov-ca
issue signer-rsa3072 rsa:3072 "$S/CN=Phạm Thị Dung" v3_signer gov-ca
issue signer-expired rsa:2048 "$S/CN=Hoàng Văn Hết Hạn" v3_signer gov-ca \
    20200101000000Z 20210101000000Z
issue signer-future rsa:2048 "$S/CN=Vũ Thị Tương Lai" v3_signer gov-ca \
    20990101000000Z 20991231000000Z
issue enc-only rsa:2048 "$S/CN=Đặng Văn Mã Hoá" v3_enc gov-ca
issue tsa rsa:2048 "/C=VN/O=Kyso Test PKI/CN=Kyso Test TSA" v3_tsa gov-ca
issue ocsp rsa:2048 "/C=VN/O=Kyso Test PKI/CN=Kyso Test OCSP" v3_ocsp gov-ca
issue tls-server rsa:2048 "/C=VN/O=Kyso Test PKI/CN=localhost" v3_tls_server gov-ca
issue tls-client rsa:2048 "/C=VN/O=Bệnh viện Thử nghiệm/CN=BV Thử nghiệm 01001_BV" \
    v3_tls_client gov-ca
selfsign other-root rsa:2048 "/C=VN/O=Other/CN=Untrusted Root" v3_ca
issue other-signer rsa:2048 "/C=VN/O=Other/CN=Untrusted Signer" v3_signer other-root
selfsign csca ec:brainpoolP256r1 "/C=VN/O=Bộ Công an/CN=CSCA Việt Nam Thử nghiệm" v3_csca
issue ds ec:brainpoolP256r1 "/C=VN/O=Bộ Công an/CN=Document Signer Thử nghiệm" v3_ds csca
selfsign csca-rsa rsa:3072 "/C=VN/O=Bộ Công an/CN=CSCA Việt Nam RSA Thử nghiệm" v3_csca
issue ds-rsa rsa:2048 "/C=VN/O=Bộ Công an/CN=Document Signer RSA Thử nghiệm" v3_ds csca-rsa
selfsign csca-unknown ec:prime256v1 "/C=VN/O=Nobody/CN=Unknown CSCA" v3_csca
issue ds-unknown ec:prime256v1 "/C=VN/O=Nobody/CN=Unknown Document Signer" v3_ds csca-unknown
issue ds-other-country ec:brainpoolP256r1 "/C=LA/O=Other/CN=Document Signer LA" v3_ds csca

cp gov-ca.pem chain.pem
cp root.pem trust.pem
cat csca.pem csca-rsa.pem > csca-trust.pem
rm -f openssl.cnf
touch .done
