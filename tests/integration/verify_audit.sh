#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso verify against what an auditor meets years later, with `openssl cms` as the
# referee: RSA-PSS with another MGF1 hash (valid), SHA-1 and short keys (not to be
# relied on: INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE), a PEM file with a
# second block or text after it (refused), and the other cases found by an audit.
set -u
. "$top_srcdir/tests/integration/lib.sh"
test_pki
P=$T/pki
export KYSO_TRUST_DIR="$top_srcdir/certs/trust"
mkdir -p "$T/d"
cd "$T/d" || exit 1
printf 'Quyết định số 12/QĐ-UBND\n' > doc.txt
printf 'Quyết định số 13/QĐ-UBND\n' > other.txt

V() { "$KYSO" verify --trust "$P/root.pem" "$@"; }
osign() { # NAME OUT [openssl cms -sign options]
	n=$1 o=$2
	shift 2
	openssl cms -sign -binary -in doc.txt -signer "$P/$n.pem" -inkey "$P/$n.key" \
	    -certfile "$P/chain.pem" -outform DER -out "$o" "$@" || fail "openssl cms -sign $o"
}
referee() { # SIG: openssl cms -verify accepts it over doc.txt
	expect 0 "Verification successful" openssl cms -verify -binary -inform DER -in "$1" \
	    -content doc.txt -CAfile "$P/root.pem" -purpose any -out /dev/null
}

# ---- RSA-PSS: MGF1 with another hash than the message is valid (RFC 4056) -------------
osign signer-rsa pss-mgf512.p7s -cades -keyopt rsa_padding_mode:pss \
    -keyopt rsa_mgf1_md:sha512 -keyopt rsa_pss_saltlen:max
referee pss-mgf512.p7s
expect 0 "pss-mgf512.p7s: TOTAL-PASSED" V --content doc.txt pss-mgf512.p7s
expect 0 "RSA-PSS with SHA-256 \\(MGF1 with SHA-512\\) verifies" V --content doc.txt pss-mgf512.p7s
expect 1 "TOTAL-FAILED/HASH_FAILURE" V --content other.txt pss-mgf512.p7s
osign signer-rsa3072 pss-384.p7s -md sha384 -keyopt rsa_padding_mode:pss \
    -keyopt rsa_mgf1_md:sha256 -keyopt rsa_pss_saltlen:20
referee pss-384.p7s
expect 0 "TOTAL-PASSED" V --content doc.txt pss-384.p7s

# ---- SHA-1 and short keys: verified, but not to be relied on --------------------------
osign signer-rsa sha1.p7s -md sha1 -cades
referee sha1.p7s
expect 2 "sha1.p7s: INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE" V --content doc.txt sha1.p7s
expect 2 "SHA-1 is no longer secure for signatures" V --content doc.txt sha1.p7s
# ...and its ESS signing-certificate (v1, SHA-1) still identifies the signer
expect 2 "PASSED +signing_certificate .*signing-certificate \\(SHA-1\\) matches" \
    V --content doc.txt sha1.p7s
# a proven failure still wins over the weak algorithm
expect 1 "TOTAL-FAILED/HASH_FAILURE" V --content other.txt sha1.p7s
osign signer-rsa sha1-noattr.p7s -md sha1 -noattr
expect 2 "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE" V --content doc.txt sha1-noattr.p7s
expect 1 "TOTAL-FAILED/SIG_CRYPTO_FAILURE" V --content other.txt sha1-noattr.p7s
json_has() { # EXIT PYTHON-ASSERTION ARGS...
	want=$1 cond=$2
	shift 2
	"$KYSO" verify --json "$@" > "$T/out.json" 2>/dev/null
	got=$?
	if [ "$got" -ne "$want" ]; then fail "verify --json $*: exit $got, expected $want"; return; fi
	if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $cond, d" \
	    "$T/out.json" 2>"$T/py.txt"; then
		pass "verify --json $* -> $want: $cond"
	else
		fail "verify --json $*: $cond"; tail -3 "$T/py.txt"
	fi
}
json_has 2 "d['sub_indication'] == 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE' and d['results'][0]['signatures'][0]['digest'] == 'SHA-1'" \
    --trust "$P/root.pem" --content doc.txt sha1.p7s
openssl req -x509 -newkey rsa:1024 -nodes -keyout rsa1024.key -out rsa1024.pem -days 30 \
    -subj "/CN=Khóa RSA 1024" -addext "keyUsage=critical,digitalSignature,nonRepudiation" \
    2>/dev/null || fail "openssl req rsa:1024"
openssl cms -sign -binary -in doc.txt -signer rsa1024.pem -inkey rsa1024.key -cades \
    -outform DER -out rsa1024.p7s || fail "openssl cms -sign rsa1024"
expect 2 "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE" \
    "$KYSO" verify --trust rsa1024.pem --content doc.txt rsa1024.p7s
expect 2 "an RSA key of 1024 bits is too short" \
    "$KYSO" verify --trust rsa1024.pem --content doc.txt rsa1024.p7s

# ---- PEM: nothing but white space after the block -----------------------------------
osign signer-ec pem.p7s -cades -outform PEM
expect 0 "TOTAL-PASSED" V --content doc.txt pem.p7s
{ cat pem.p7s; printf '\r\n\n  \n'; } > pem-ws.p7s
expect 0 "TOTAL-PASSED" V --content doc.txt pem-ws.p7s
# a second signature after the first would go unverified: refused
cat pem.p7s pem.p7s > pem-two.p7s
expect 6 "pem-two.p7s is not a valid CMS signature: trailing data after the PEM block" \
    V --content doc.txt pem-two.p7s
{ cat pem.p7s; echo "Signed by the director"; } > pem-text.p7s
expect 6 "trailing data after the PEM block" V --content doc.txt pem-text.p7s

# ---- diagnostics: one line on stderr per file, naming cause and fix ---------------------
one_line() { # EXIT REGEX ARGS...: exactly one stderr line, matching
	want=$1 re=$2
	shift 2
	"$KYSO" verify "$@" >/dev/null 2>"$T/err.txt"
	got=$?
	n=$(wc -l < "$T/err.txt")
	if [ "$got" -ne "$want" ] || [ "$n" -ne 1 ] || ! grep -Eq -- "$re" "$T/err.txt"; then
		fail "verify $*: exit $got (expected $want), $n stderr lines, /$re/"
		sed 's/^/    | /' "$T/err.txt" | head -5
	else
		pass "verify $* -> $want: $re"
	fi
}
osign signer-rsa good.p7s -cades
openssl cms -sign -binary -in doc.txt -signer "$P/signer-rsa.pem" -inkey "$P/signer-rsa.key" \
    -outform DER -out nochain.p7s -cades || fail "openssl cms -sign nochain"
openssl cms -sign -binary -in doc.txt -signer "$P/signer-rsa.pem" -inkey "$P/signer-rsa.key" \
    -outform DER -out nocerts.p7s -cades -nocerts || fail "openssl cms -sign nocerts"
osign signer-expired expired.p7s -cades
one_line 1 "good.p7s: signature 1: TOTAL-FAILED/HASH_FAILURE: .*; the file is not the one that was signed" \
    --trust "$P/root.pem" --content other.txt good.p7s
one_line 2 "NO_CERTIFICATE_CHAIN_FOUND: .*; give a missing CA certificate with --certs FILE, or name a CA you trust with --trust" \
    --trust "$P/root.pem" --content doc.txt nochain.p7s
one_line 2 "NO_SIGNING_CERTIFICATE_FOUND: .*; get the signer's certificate and give it with --certs FILE" \
    --trust "$P/root.pem" --content doc.txt nocerts.p7s
one_line 2 "OUT_OF_BOUNDS_NO_POE: .*; only a time-stamp from before the expiry" \
    --trust "$P/root.pem" --content doc.txt expired.p7s
one_line 2 "CRYPTO_CONSTRAINTS_FAILURE_NO_POE: .*; ask the signer to sign again with SHA-256" \
    --trust "$P/root.pem" --content doc.txt sha1.p7s
head -c 700 good.p7s > cut.p7s
one_line 6 "cut.p7s is not a valid CMS signature: truncated .*; the file is damaged or is not a CMS/CAdES signature" \
    --trust "$P/root.pem" --content doc.txt cut.p7s
one_line 6 "cannot open nothing.p7s: .*; check the file name" --trust "$P/root.pem" nothing.p7s
one_line 6 "cannot open the signed content nothing.txt: .*; check the file name given with --content" \
    --trust "$P/root.pem" --content nothing.txt good.p7s
# the default content (SIG without .p7s) is named when it is missing
cp good.p7s lost.txt.p7s
one_line 6 "lost.txt.p7s is a detached signature and its content lost.txt was not found; name the signed file with --content FILE" \
    --trust "$P/root.pem" lost.txt.p7s
cp doc.txt lost.txt
expect 0 "content: +lost.txt \\(detached" V lost.txt.p7s

# ---- --certs: certificates the signature lacks, not trusted -------------------------
# the intermediate CA missing from the signature: the path still goes to the root
expect 0 "<- Kyso Test Root CA \\(trust anchor\\)" \
    V --certs "$P/chain.pem" --content doc.txt nochain.p7s
expect 0 "path of 3 certificates to the trust anchor" \
    V --certs "$P/chain.pem" --content doc.txt nochain.p7s
# no certificate at all in the signature (openssl cms -sign -nocerts)
expect 0 "nocerts.p7s: TOTAL-PASSED" \
    V --certs "$P/signer-rsa.pem" --certs "$P/chain.pem" --content doc.txt nocerts.p7s
mkdir -p certs.d
cp "$P/signer-rsa.pem" "$P/gov-ca.pem" certs.d/
expect 0 "signer: +Nguyễn Văn An" V --certs certs.d --content doc.txt nocerts.p7s
# --certs never makes a certificate trusted
expect 2 "INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND" "$KYSO" verify --no-default-trust \
    --certs "$P/signer-rsa.pem" --certs "$P/chain.pem" --certs "$P/root.pem" \
    --content doc.txt nocerts.p7s
expect 2 "INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND" "$KYSO" verify --certs "$P/other-root.pem" \
    --trust "$P/other-root.pem" --certs "$P/signer-rsa.pem" --content doc.txt nocerts.p7s
# referees: openssl cms -verify -certfile finds the signer and checks the signature
# (3.0 builds paths only from the embedded certificates), openssl verify the path
cat certs.d/*.pem > certs.pem
expect 0 "Verification successful" openssl cms -verify -binary -inform DER -in nocerts.p7s \
    -content doc.txt -certfile certs.pem -noverify -out /dev/null
expect 0 "OK" openssl verify -untrusted "$P/chain.pem" -CAfile "$P/root.pem" \
    certs.d/signer-rsa.pem
expect 0 "TOTAL-PASSED" V --certs certs.pem --content doc.txt nocerts.p7s
# (--certs are never trusted: the message does not call them trust anchors)
one_line 6 "^kyso verify: --certs: cannot read the extra certificates $T/none.pem: No such file or directory; name PEM or DER certificate files, or a directory of them$" \
    --certs "$T/none.pem" --content doc.txt nocerts.p7s
json_has 6 "d['error'].startswith('--certs: cannot read the extra certificates ') and 'trust anchor' not in d['error']" \
    --certs "$T/none.pem" --content doc.txt nocerts.p7s
printf 'not a certificate\n' > junk.pem
one_line 6 "--certs: .*junk.pem" --certs junk.pem --content doc.txt nocerts.p7s
json_has 0 "d['extra_certs'] == 2 and d['results'][0]['signatures'][0]['chain_trusted']" \
    --trust "$P/root.pem" --certs certs.d --content doc.txt nocerts.p7s
json_has 3 "d['exit'] == 3 and d['schema'] == 1" --certs
many=""
i=0
while [ "$i" -le 64 ]; do many="$many --certs $P/chain.pem"; i=$((i + 1)); done
# shellcheck disable=SC2086
expect 3 "at most 64 --certs options" "$KYSO" verify $many good.p7s

# ---- signatures through a pipe, and what is often taken for a signature file ------------
expect 0 "/dev/stdin: TOTAL-PASSED" sh -c '"$0" verify --trust "$1" --content doc.txt /dev/stdin < good.p7s' \
    "$KYSO" "$P/root.pem"
# a PEM signature through a pipe (was: read a second time, found empty)
expect 0 "/dev/stdin: TOTAL-PASSED" sh -c 'cat pem.p7s | "$0" verify --trust "$1" --content doc.txt /dev/stdin' \
    "$KYSO" "$P/root.pem"
expect 6 "trailing data after the PEM block" sh -c 'cat pem.p7s pem.p7s | "$0" verify --trust "$1" --content doc.txt /dev/stdin' \
    "$KYSO" "$P/root.pem"
# openssl cms -sign without -outform writes S/MIME
openssl cms -sign -binary -in doc.txt -signer "$P/signer-rsa.pem" -inkey "$P/signer-rsa.key" \
    -certfile "$P/chain.pem" -out smime.txt || fail "openssl cms -sign smime"
one_line 6 "smime.txt is an S/MIME \\(e-mail\\) message, not a CMS signature file; save its" \
    --trust "$P/root.pem" --content doc.txt smime.txt
# ...which holds the signature openssl can take out
openssl cms -cmsout -in smime.txt -outform DER -out smime.p7s || fail "openssl cms -cmsout"
expect 0 "TOTAL-PASSED" V --content doc.txt smime.p7s
base64 good.p7s > b64.p7s
one_line 6 "b64.p7s holds base64 text without PEM armour.*; decode it first with base64 -d" \
    --trust "$P/root.pem" --content doc.txt b64.p7s
base64 -d b64.p7s > b64-decoded.p7s
expect 0 "TOTAL-PASSED" V --content doc.txt b64-decoded.p7s

# ---- 1000 signatures in one run, one content modified in the middle ---------------------
mkdir -p many
i=1
while [ "$i" -le 1000 ]; do
	cp doc.txt "many/f$i.txt"
	cp good.p7s "many/f$i.txt.p7s"
	i=$((i + 1))
done
printf 'sửa\n' >> many/f500.txt
# (no descriptor may leak per file: 1000 files pass a limit of 256)
expect 1 "many/f500.txt.p7s: TOTAL-FAILED/HASH_FAILURE" sh -c \
    'ulimit -n 256 && "$0" verify --trust "$1" many/f*.txt.p7s' "$KYSO" "$P/root.pem"
json_has 1 "len(d['results']) == 1000 and [r['file'] for r in d['results'] if r['indication'] != 'TOTAL-PASSED'] == ['many/f500.txt.p7s'] and all(r['exit'] == 0 for r in d['results'] if r['file'] != 'many/f500.txt.p7s') and d['sub_indication'] == 'HASH_FAILURE'" \
    --trust "$P/root.pem" many/f*.txt.p7s

# ---- trust directories: PEM bundles, DER files, other files ---------------------------
mkdir -p td
cat "$P/other-root.pem" "$P/root.pem" > td/bundle.pem
openssl x509 -in "$P/gov-ca.pem" -outform DER -out td/gov-ca.der
printf 'Các chứng thư gốc\n' > td/README.txt
mkdir -p td/old
expect 0 "good.p7s: TOTAL-PASSED" "$KYSO" verify --no-default-trust --trust td --content doc.txt good.p7s
json_has 0 "d['trust_anchors'] == 3" --no-default-trust --trust td --content doc.txt good.p7s
# the intermediate alone (DER) is an anchor too
rm td/bundle.pem
expect 0 "<- CA phục vụ thử nghiệm \\(trust anchor\\)" "$KYSO" verify --no-default-trust \
    --trust td --content doc.txt good.p7s
# a private key or a text file named *.pem in it: refused, naming the file and the fix
cp "$P/root.key" td/root-key.pem
one_line 6 "td/root-key.pem.*; trust files and directories may hold only certificates" \
    --no-default-trust --trust td --content doc.txt good.p7s
rm td/root-key.pem
one_line 6 "cannot open the trust anchors .*; check the --trust path" --trust "$T/no-such" \
    --content doc.txt good.p7s

# ---- --json against its documented schema (docs/verify-json.md) ------------------------
schema() { # EXIT ARGS...
	want=$1
	shift
	"$KYSO" verify --json "$@" > "$T/s.json" 2>/dev/null
	got=$?
	if [ "$got" -ne "$want" ]; then fail "verify --json $*: exit $got, expected $want"; return; fi
	if python3 "$top_srcdir/tests/integration/verify_schema.py" "$top_srcdir/docs/verify-json.md" \
	    "$T/s.json" > "$T/s.txt" 2>&1; then
		pass "verify --json $*: documented schema"
	else
		fail "verify --json $*: schema"; tail -2 "$T/s.txt"
	fi
}
schema 0 --trust "$P/root.pem" --content doc.txt good.p7s pss-mgf512.p7s
schema 6 --trust "$P/root.pem" --content doc.txt good.p7s sha1.p7s cut.p7s nocerts.p7s
schema 2 --trust "$P/root.pem" --certs "$P/chain.pem" --content doc.txt nochain.p7s expired.p7s
osign signer-ec attached.p7s -cades -nodetach
schema 0 --trust "$P/root.pem" attached.p7s
schema 3 --trust "$P/root.pem" --content doc.txt attached.p7s
schema 3 --bogus
schema 6 --trust "$T/no-such" good.p7s

# ---- files that exist but cannot be opened are bad input (6), not a runtime failure (7) --
ln -s loop.p7s loop.p7s
one_line 6 "cannot open loop.p7s: .*; check the file and its permissions" \
    --trust "$P/root.pem" --content doc.txt loop.p7s
one_line 6 "cannot open doc.txt/x.p7s" --trust "$P/root.pem" --content doc.txt doc.txt/x.p7s
one_line 6 "cannot open the signed content doc.txt/x" --trust "$P/root.pem" --content doc.txt/x \
    good.p7s
one_line 6 "cannot open the trust anchors doc.txt/x" --trust doc.txt/x good.p7s
one_line 6 "^kyso verify: --certs: cannot read the extra certificates loop.p7s: Too many levels of symbolic links; name PEM or DER" --certs loop.p7s good.p7s
if [ "$(id -u)" -ne 0 ]; then
	cp good.p7s locked.p7s
	chmod 000 locked.p7s
	one_line 6 "cannot open locked.p7s: Permission denied" --trust "$P/root.pem" \
	    --content doc.txt locked.p7s
fi

done_testing
