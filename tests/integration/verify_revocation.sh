#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso verify --crl: revocation by the CRLs an auditor gives (made here by
# `openssl ca -gencrl` from the test PKI's CA databases): not revoked, the
# signer revoked, a CA revoked, no CRL of an issuer, a stale CRL, a forged
# CRL, a certificate on hold; PEM, DER and directories; bad --crl files; the
# JSON; and `openssl verify -crl_check_all` as the referee.
set -u
. "$top_srcdir/tests/integration/lib.sh"
test_pki
P=$T/pki
cd "$T" || exit 1
printf 'Quyết định số 12/QĐ-UBND\n' > doc.txt
openssl cms -sign -binary -in doc.txt -signer "$P/signer-rsa.pem" -inkey "$P/signer-rsa.key" \
    -certfile "$P/chain.pem" -cades -outform DER -out doc.txt.p7s || fail "openssl cms -sign"
V() { "$KYSO" verify --no-default-trust --trust "$P/root.pem" "$@" doc.txt.p7s; }

# ---- not revoked ------------------------------------------------------------------
ca_gencrl gov-ca gov.crl
ca_gencrl root root.crl
expect 0 "SKIPPED +revocation +revocation is not checked: no CRL was given" V
expect 0 "doc.txt.p7s: TOTAL-PASSED" V --crl gov.crl --crl root.crl
expect 0 "PASSED +revocation +2 certificates not revoked at .*CRL of \"CA phục vụ thử nghiệm\" of 20" \
    V --crl gov.crl --crl root.crl
# the gov CA as the anchor: only its CRL is needed
expect 0 "PASSED +revocation +1 certificate not revoked" \
    "$KYSO" verify --no-default-trust --trust "$P/gov-ca.pem" --crl gov.crl doc.txt.p7s
# DER, a PEM file of both, a directory
openssl crl -in gov.crl -outform DER -out gov.der
cat gov.crl root.crl > both.pem
mkdir crls && cp gov.der crls/gov.der && cp root.crl crls/root.crl && cp "$P/gov-ca.pem" crls/
expect 0 "TOTAL-PASSED" V --crl gov.der --crl root.crl
expect 0 "TOTAL-PASSED" V --crl both.pem
expect 0 "TOTAL-PASSED" V --crl crls
expect 0 '"crls": 2' V --json --crl crls
# one folder of validation data: the root and the CRLs (PEM) for --trust and --crl
mkdir vdata && cp "$P/root.pem" gov.crl root.crl vdata/ && mv vdata/gov.crl vdata/gov-crl.pem
expect 0 "2 certificates not revoked" "$KYSO" verify --no-default-trust --trust vdata --crl vdata \
    doc.txt.p7s

# ---- no CRL of an issuer: undecided -------------------------------------------------
expect 2 "INDETERMINATE/TRY_LATER" V --crl gov.crl
expect 2 "no CRL of \"Kyso Test Root CA\" among those given: the revocation of \"CA phục vụ thử nghiệm\" is not known" \
    V --crl gov.crl
expect 2 "give the issuer's current CRL with --crl" V --crl gov.crl

# ---- a stale CRL (past its next update) ----------------------------------------------
ca_gencrl gov-ca stale.crl -crl_lastupdate 20250101000000Z -crl_nextupdate 20250201000000Z
expect 2 "INDETERMINATE/TRY_LATER" V --crl stale.crl --crl root.crl
expect 2 "was due for renewal on 2025-02-01T00:00:00Z" V --crl stale.crl --crl root.crl
# a newer one beside it is taken
expect 0 "TOTAL-PASSED" V --crl stale.crl --crl gov.crl --crl root.crl

# ---- a forged CRL: the gov CA's name, another key ------------------------------------
openssl req -new -x509 -key "$P/other-root.key" -subj "/C=VN/O=Kyso Test PKI/CN=CA phục vụ thử nghiệm" \
    -utf8 -days 30 -out fake-ca.pem 2>/dev/null || fail "fake CA"
mkdir -p "$T/ca-fake" && : > "$T/ca-fake/index"
ca_conf fake
openssl ca -config "$T/ca-fake/cnf" -gencrl -cert fake-ca.pem -keyfile "$P/other-root.key" \
    -out forged.crl 2>/dev/null || fail "forged CRL"
expect 2 "INDETERMINATE/TRY_LATER" V --crl forged.crl --crl root.crl
expect 2 "one in its name does not" V --crl forged.crl --crl root.crl
expect 0 "TOTAL-PASSED" V --crl forged.crl --crl gov.crl --crl root.crl

# ---- the signer revoked -------------------------------------------------------------
ca_revoke gov-ca "$P/signer-rsa.pem" -crl_reason keyCompromise
ca_gencrl gov-ca gov-revoked.crl
expect 2 "doc.txt.p7s: INDETERMINATE/REVOKED_NO_POE" V --crl gov-revoked.crl --crl root.crl
expect 2 "\"Nguyễn Văn An\" was revoked on 20[0-9-]+T[0-9:]+Z \(keyCompromise\) by the CRL of \"CA phục vụ thử nghiệm\"" \
    V --crl gov-revoked.crl --crl root.crl
expect 2 "before; do not rely on it; ask the signer to sign again with a valid certificate$" \
    V --crl gov-revoked.crl --crl root.crl
expect 2 '"sub_indication": "REVOKED_NO_POE"' V --json --crl gov-revoked.crl --crl root.crl
V --json --crl gov-revoked.crl --crl root.crl > rev.json 2>/dev/null
if python3 "$top_srcdir/tests/integration/verify_schema.py" "$top_srcdir/docs/verify-json.md" \
    rev.json >/dev/null; then pass "--json with --crl: as docs/verify-json.md says"
else fail "--json with --crl does not match docs/verify-json.md"; fi
# the referee agrees
expect 2 "certificate revoked" openssl verify -crl_check_all -CAfile "$P/root.pem" \
    -untrusted "$P/gov-ca.pem" -CRLfile gov-revoked.crl -CRLfile root.crl "$P/signer-rsa.pem"
expect 0 "OK" openssl verify -crl_check_all -CAfile "$P/root.pem" \
    -untrusted "$P/gov-ca.pem" -CRLfile gov.crl -CRLfile root.crl "$P/signer-rsa.pem"
# revoked in a newer CRL (a higher CRL number, in the same second or later)
# wins over an older clean one
expect 2 "REVOKED_NO_POE" V --crl gov.crl --crl gov-revoked.crl --crl root.crl

# ---- on hold: may come back ---------------------------------------------------------
openssl cms -sign -binary -in doc.txt -signer "$P/signer-ec.pem" -inkey "$P/signer-ec.key" \
    -certfile "$P/chain.pem" -cades -outform DER -out ec.p7s || fail "sign ec"
ca_revoke gov-ca "$P/signer-ec.pem" -crl_hold holdInstructionReject
ca_gencrl gov-ca gov-hold.crl
expect 2 "INDETERMINATE/TRY_LATER" "$KYSO" verify --no-default-trust --trust "$P/root.pem" \
    --content doc.txt --crl gov-hold.crl --crl root.crl ec.p7s
expect 2 "is on hold \(suspended\) since" "$KYSO" verify --no-default-trust --trust "$P/root.pem" \
    --content doc.txt --crl gov-hold.crl --crl root.crl ec.p7s

# ---- a CA revoked -------------------------------------------------------------------
ca_revoke root "$P/gov-ca.pem" -crl_reason cACompromise
ca_gencrl root root-revoked.crl
expect 2 "INDETERMINATE/REVOKED_CA_NO_POE" V --crl gov.crl --crl root-revoked.crl
expect 2 "\"CA phục vụ thử nghiệm\" was revoked on .* \(cACompromise\)" V --crl gov.crl \
    --crl root-revoked.crl

# ---- bad --crl arguments (exit 6, nothing verified) -----------------------------------
expect 6 "^kyso verify: --crl: cannot read the CRLs absent.crl: No such file or directory; check the name" \
    V --crl absent.crl
expect 6 "holds no CRL" V --crl "$P/gov-ca.pem"
printf 'not a CRL' > junk.crl
expect 6 "junk.crl is not a PEM or DER CRL" V --crl junk.crl
mkdir empty
expect 6 "the directory empty holds no CRL" V --crl empty
expect 6 '"exit": 6' V --json --crl junk.crl
done_testing
