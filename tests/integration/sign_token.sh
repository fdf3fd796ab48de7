#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso sign on a fresh SoftHSM token: every scheme checked by `openssl cms -verify`,
# a batch with one login (the PIN crosses a pipe once), streaming, atomic outputs,
# and each failure with its exit status and message.
set -u
. "$top_srcdir/tests/integration/lib.sh"
fresh_softhsm
test_pki
P=$T/pki
export KYSO_TRUST_DIR="$top_srcdir/certs/trust"
PIN=123456
export PIN
init_token T1 12345678 "$PIN"

# Keys and certificates go on the token with the token tools, not kyso.
import() { # NAME ID
	softhsm2-util --import "$P/$1.key" --token T1 --label "$1" --id "$2" --pin "$PIN" \
	    >/dev/null || fail "import $1"
	openssl x509 -in "$P/$1.pem" -outform DER -out "$T/$1.der"
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label T1 --login --pin "$PIN" \
	    --write-object "$T/$1.der" --type cert --id "$2" --label "$1" >/dev/null 2>&1 ||
	    fail "write certificate $1"
}
import signer-rsa 01
import signer-ec 02
import enc-only 03
import signer-ec384 04
KEY="pkcs11:token=T1;object=signer-rsa"

# The referee, as a user would type it.
ossl_verify() { # SIG [CONTENT]
	if [ $# -eq 2 ]; then
		openssl cms -verify -binary -inform DER -in "$1" -content "$2" \
		    -CAfile "$P/root.pem" -purpose any -out /dev/null
	else
		openssl cms -verify -binary -inform DER -in "$1" \
		    -CAfile "$P/root.pem" -purpose any -out "$1.out"
	fi
}
no_tmp() {
	if ls "$T"/d/*.tmp* >/dev/null 2>&1; then fail "temporary files left: $(ls "$T"/d/*.tmp*)"
	else pass "no temporary file left"; fi
}

mkdir -p "$T/d"
cd "$T/d" || exit 1
printf 'Tờ trình số 12/TTr-VP\n' > to-trinh.txt
printf 'Phụ lục 1\n' > phu-luc.txt
printf 'Biên bản\n' > bien-ban.txt

# ---- a batch, one login: the PIN crosses a pipe exactly once -----------------
expect 0 "3 files signed by Nguyễn Văn An \\(serial 01\\), one login" sh -c \
    'printf "%s\n" "$PIN" | "$0" sign --key "$1" --chain "$2" --pin-source fd:3 \
    to-trinh.txt phu-luc.txt bien-ban.txt 3<&0' "$KYSO" "$KEY" "$P/chain.pem"
for f in to-trinh.txt phu-luc.txt bien-ban.txt; do
	expect 0 "Verification successful" ossl_verify "$f.p7s" "$f"
	expect 0 "CAdES Verification successful" openssl cms -verify -cades -binary -inform DER \
	    -in "$f.p7s" -content "$f" -CAfile "$P/root.pem" -purpose any -out /dev/null
	expect 0 "$f.p7s: TOTAL-PASSED" "$KYSO" verify --trust "$P/root.pem" "$f.p7s"
done
# the signed attributes are exactly the four of CAdES-B-B
openssl cms -cmsout -print -inform DER -in to-trinh.txt.p7s > "$T/print.txt"
n=$(sed -n '/signedAttrs:/,/unsignedAttrs:/p' "$T/print.txt" | grep -c '^ *object: ')
if [ "$n" -eq 4 ] && grep -q 'object: contentType' "$T/print.txt" &&
    grep -q 'object: signingTime' "$T/print.txt" && grep -q 'object: messageDigest' "$T/print.txt" &&
    grep -q 'object: id-smime-aa-signingCertificateV2' "$T/print.txt" &&
    grep -A1 'unsignedAttrs:' "$T/print.txt" | grep -q ABSENT; then
	pass "four signed attributes: content-type, signing-time, message-digest, signing-certificate-v2"
else
	fail "unexpected attributes ($n)"; grep 'object:' "$T/print.txt" | head
fi
# a second read of the PIN fd would find it empty: a second login would fail
expect 5 "empty PIN" sh -c 'printf "" | "$0" sign --key "$1" --pin-source fd:3 -o x.p7s \
    to-trinh.txt 3<&0' "$KYSO" "$KEY"

# ---- every scheme ---------------------------------------------------------------
sign() { "$KYSO" sign --pin-source env:PIN --chain "$P/chain.pem" "$@"; }
expect 0 "to-trinh.txt -> pss.p7s" sign --key "$KEY" --pss -o pss.p7s to-trinh.txt
expect 0 "Verification successful" ossl_verify pss.p7s to-trinh.txt
expect 0 "rsassaPss" sh -c 'openssl cms -cmsout -print -inform DER -in pss.p7s | grep -A12 signatureAlgorithm'
expect 0 "" sign --key "$KEY" --pss --digest sha512 -o pss512.p7s to-trinh.txt
expect 0 "Verification successful" ossl_verify pss512.p7s to-trinh.txt
expect 0 "RSA-PSS with SHA-512" "$KYSO" verify --trust "$P/root.pem" --content to-trinh.txt pss512.p7s
expect 0 "" sign --key "$KEY" --digest sha384 -o rsa384.p7s to-trinh.txt
expect 0 "Verification successful" ossl_verify rsa384.p7s to-trinh.txt
expect 0 "" sign --key "pkcs11:token=T1;object=signer-ec" -o ec.p7s to-trinh.txt
expect 0 "Verification successful" ossl_verify ec.p7s to-trinh.txt
expect 0 "ECDSA with SHA-256" "$KYSO" verify --trust "$P/root.pem" --content to-trinh.txt ec.p7s
expect 0 "" sign --key "pkcs11:token=T1;object=signer-ec384" --digest sha384 -o ec384.p7s \
    to-trinh.txt
expect 0 "Verification successful" ossl_verify ec384.p7s to-trinh.txt
expect 0 "Lê Văn Cường" "$KYSO" verify --trust "$P/root.pem" --content to-trinh.txt ec384.p7s
# enveloping: the content comes back out of the signature
expect 0 "" sign --key "$KEY" --enveloping -o env.p7s to-trinh.txt
expect 0 "Verification successful" ossl_verify env.p7s
if cmp -s env.p7s.out to-trinh.txt; then pass "enveloped content intact"; else fail "enveloped content"; fi
expect 0 "embedded in the signature" "$KYSO" verify --trust "$P/root.pem" env.p7s
expect 0 "" sign --key "pkcs11:token=T1;object=signer-ec" --enveloping -o env-ec.p7s to-trinh.txt
expect 0 "Verification successful" ossl_verify env-ec.p7s

# ---- a larger file streams (several read chunks) --------------------------------
head -c 5000000 /dev/urandom > big.bin
expect 0 "" sign --key "$KEY" big.bin
expect 0 "Verification successful" ossl_verify big.bin.p7s big.bin
size=$(wc -c < big.bin.p7s)
if [ "$size" -lt 8000 ]; then pass "detached signature is small ($size bytes)"; else fail "size $size"; fi
expect 0 "" sign --key "$KEY" --enveloping -o big.env.p7s big.bin
expect 0 "Verification successful" ossl_verify big.env.p7s
if cmp -s big.env.p7s.out big.bin; then pass "5 MB enveloped intact"; else fail "5 MB enveloped"; fi

# ---- failures: exit status, message, and no partial output -------------------
cp to-trinh.txt.p7s keep.p7s
expect 3 "to-trinh.txt.p7s already exists; use --force" sign --key "$KEY" to-trinh.txt
if cmp -s keep.p7s to-trinh.txt.p7s; then pass "existing output untouched"; else fail "output changed"; fi
# (RSA PKCS#1 v1.5 is deterministic: within the same second of signing-time
# the new signature has the same bytes, so look at the file, not its bytes.)
ino=$(ls -i to-trinh.txt.p7s | awk '{ print $1 }')
expect 0 "" sign --key "$KEY" --force to-trinh.txt
if [ "$(ls -i to-trinh.txt.p7s | awk '{ print $1 }')" = "$ino" ]; then fail "--force did not replace"
else pass "--force replaced"; fi
expect 0 "Verification successful" ossl_verify to-trinh.txt.p7s to-trinh.txt

expect 6 "cannot read missing.txt: No such file" sign --key "$KEY" -o m.p7s missing.txt
cp bien-ban.txt.p7s keep2.p7s
expect 6 "cannot read missing.txt" sign --key "$KEY" --force bien-ban.txt missing.txt
if cmp -s keep2.p7s bien-ban.txt.p7s; then pass "nothing signed when an input is missing"
else fail "bien-ban.txt signed although missing.txt is missing"; fi
[ -e m.p7s ] && fail "output for a missing input" || pass "no output for a missing input"

BADPIN=000000
export BADPIN
expect 5 "wrong PIN" "$KYSO" sign --key "$KEY" --pin-source env:BADPIN -o wrong.p7s to-trinh.txt
[ -e wrong.p7s ] && fail "output after a wrong PIN" || pass "no output after a wrong PIN"
expect 5 '"exit": 5' "$KYSO" sign --json --key "$KEY" --pin-source env:BADPIN -o wrong.p7s \
    to-trinh.txt
expect 5 '"schema": 1' "$KYSO" sign --json --key "$KEY" --pin-source env:BADPIN -o wrong.p7s \
    to-trinh.txt

expect 3 "(not for signing|does not allow signing)" sign \
    --key "pkcs11:token=T1;object=enc-only" -o enc.p7s to-trinh.txt
[ -e enc.p7s ] && fail "output with an encryption-only certificate" || pass "no output (encryption-only)"

expect 3 "RSA-PSS signatures need an RSA key" sign --key "pkcs11:token=T1;object=signer-ec" --pss \
    -o x.p7s to-trinh.txt
# A --chain file that cannot be used is refused before any PIN is asked: with
# a wrong PIN the message is still about the chain (the PIN was never tried).
expect 6 "^kyso sign: cannot read $T/absent-chain.pem: No such file or directory; check the file name$" "$KYSO" sign --key "$KEY" \
    --pin-source env:BADPIN --chain "$T/absent-chain.pem" -o x.p7s to-trinh.txt
printf 'not a certificate\n' > "$T/junk-chain.pem"
expect 6 "junk-chain.pem holds no PEM or DER certificate" "$KYSO" sign --key "$KEY" \
    --pin-source env:BADPIN --chain "$T/junk-chain.pem" -o x.p7s to-trinh.txt
expect 6 '"exit": 6' "$KYSO" sign --json --key "$KEY" --pin-source env:BADPIN \
    --chain "$T/junk-chain.pem" -o x.p7s to-trinh.txt
# Certificates as CAs deliver them: a PKCS#7 bundle with the CA first, given as
# --cert (its one signing end-entity certificate is taken) and as --chain.
openssl crl2pkcs7 -nocrl -certfile "$P/gov-ca.pem" -certfile "$P/signer-rsa.pem" \
    -outform DER -out "$T/bundle.p7b" || fail "openssl crl2pkcs7"
expect 0 "to-trinh.txt -> bundle.p7s" "$KYSO" sign --pin-source env:PIN --key "$KEY" \
    --cert "$T/bundle.p7b" --chain "$T/bundle.p7b" -o bundle.p7s to-trinh.txt
expect 0 "Verification successful" ossl_verify bundle.p7s to-trinh.txt
# the CA certificate of the bundle is embedded (--chain)
expect 0 "subject: C=VN, O=Kyso Test PKI, CN=CA ph" sh -c \
    'openssl cms -cmsout -print -inform DER -in bundle.p7s | grep "subject:"'
expect 3 "-o names one output" sign --key "$KEY" -o x.p7s to-trinh.txt phu-luc.txt
expect 3 "--key URI is required" "$KYSO" sign to-trinh.txt
expect 3 "--digest takes sha256" sign --key "$KEY" --digest md5 -o x.p7s to-trinh.txt
expect 3 "carries a PIN" sign --key "$KEY;pin-value=123456" -o x.p7s to-trinh.txt
expect 3 "PKCS#11 URI" sign --key "$P/signer-rsa.key" -o x.p7s to-trinh.txt
expect 3 "unknown option" sign --key "$KEY" --bogus to-trinh.txt
expect 3 "no file to sign" sign --key "$KEY"
expect 4 "" sign --key "pkcs11:token=Nope;object=x" -o x.p7s to-trinh.txt
expect 6 "" sign --key "pkcs11:token=T1;object=nokey" -o x.p7s to-trinh.txt
[ -e x.p7s ] && fail "x.p7s written by a failing run" || pass "no output from failing runs"
no_tmp

# ---- a batch larger than the files in flight at once (several commit groups) ---
mkdir -p "$T/many"
cd "$T/many" || exit 1
i=0
while [ "$i" -lt 70 ]; do
	printf 'Giấy tờ số %d\n' "$i" > "g$i.txt"
	i=$((i + 1))
done
expect 0 "70 files signed by Trần Thị Bình \\(serial 02\\), one login" \
    sign --key "pkcs11:token=T1;object=signer-ec" g*.txt
bad=0
for f in g*.txt; do
	ossl_verify "$f.p7s" "$f" >/dev/null 2>&1 || bad=$((bad + 1))
done
if [ "$bad" -eq 0 ]; then pass "openssl cms -verify accepts the 70 signatures of the batch"
else fail "openssl cms -verify rejects $bad of the 70 signatures"; fi
expect 0 "g69.txt.p7s: TOTAL-PASSED" "$KYSO" verify --trust "$P/root.pem" g*.txt.p7s
if ls ./*.tmp* >/dev/null 2>&1; then fail "temporary files left by the batch"
else pass "no temporary file left by the batch"; fi

# ---- a batch ended by a signal: the signed files are listed and complete, the
# others have no output, and no temporary file is left (SIGTERM: a background
# job of a script ignores SIGINT; kyso takes both the same way) --------------
mkdir -p "$T/int"
cd "$T/int" || exit 1
i=0
while [ "$i" -lt 3000 ]; do : > "i$i.txt"; i=$((i + 1)); done
"$KYSO" sign --pin-source env:PIN --chain "$P/chain.pem" --key "$KEY" i*.txt >"$T/int.out" 2>"$T/int.err" &
pid=$!
n=0
while [ "$n" -lt 600 ] && ! ls i*.txt.p7s >/dev/null 2>&1; do sleep 0.05; n=$((n + 1)); done
kill -TERM "$pid"
wait "$pid"
rc=$?
listed=$(grep -c ' -> ' "$T/int.out")
written=$(ls | grep -c '\.p7s$')
if [ "$rc" -eq 143 ] && [ "$listed" -gt 0 ] && [ "$listed" -lt 3000 ]; then
	pass "ended by SIGTERM after $listed of 3000 signatures"
else
	fail "exit $rc after $listed signatures (expected 143, some but not all signed)"
fi
grep -q "^kyso sign: interrupted (Terminated): no other signature was made and no temporary file is left$" \
    "$T/int.err" && grep -q "^kyso sign: $listed of 3000 files signed (complete signatures)" "$T/int.err" &&
    pass "the messages say how many were signed" || { fail "messages"; sed 's/^/    | /' "$T/int.err"; }
[ "$listed" = "$written" ] && pass "the outputs are the files listed" ||
    fail "$written outputs, $listed listed"
if ls ./*.tmp* >/dev/null 2>&1; then fail "$(ls ./*.tmp* | wc -l) temporary files left"
else pass "no temporary file left after the signal"; fi
last=$(sed -n 's/ -> .*//p' "$T/int.out" | tail -1)
expect 0 "Verification successful" ossl_verify "$last.p7s" "$last"
cd "$T/d" || exit 1

# Before the login, a batch of 16 files or more in one directory is checked
# against one listing of it: the same refusals as one stat() per file.
mkdir -p "$T/chk"
cd "$T/chk" || exit 1
i=0
while [ "$i" -lt 20 ]; do printf '%d\n' "$i" > "h$i.txt"; i=$((i + 1)); done
: > h7.txt.p7s
expect 3 "^kyso sign: h7.txt.p7s already exists; use --force to replace it$" \
    sign --key "$KEY" h*.txt
rm h7.txt.p7s
mkdir h12.dir
expect 6 "cannot read h12.dir: a directory" sign --key "$KEY" h*.txt h12.dir
expect 6 "cannot read h99.txt: No such file or directory" sign --key "$KEY" h*.txt h99.txt
ln -s h3.txt link.txt
ln -s nowhere.txt dangling.txt
expect 6 "cannot read dangling.txt: No such file or directory" sign --key "$KEY" h*.txt dangling.txt
ln -s h5.txt h5.txt.p7s
expect 3 "h5.txt.p7s is not a regular file: it is a symbolic link" sign --key "$KEY" h*.txt
rm h5.txt.p7s
ls ./*.p7s >/dev/null 2>&1 && fail "outputs written by refused batches" ||
    pass "refused batches wrote nothing"
expect 0 "21 files signed" sign --key "$KEY" h*.txt link.txt
[ -s link.txt.p7s ] && [ -s h19.txt.p7s ] && pass "a symbolic link among the inputs is signed" ||
    fail "outputs missing"
cd "$T/many" || exit 1

# ---- a failure in the middle of a batch: the files signed stay signed, complete;
# the failed one has no output; nothing temporary is left.  (An output that is
# a directory is refused before the batch starts; a write failure is made with
# a file size limit: the third signature, enveloping 1 MB, cannot be written.)
mkdir -p "$T/mid"
cd "$T/mid" || exit 1
for f in a b d e; do printf '%s\n' "$f" > "$f.txt"; done
head -c 1000000 /dev/urandom > c.txt
sh -c 'trap "" XFSZ; ulimit -f 400; exec "$0" sign --pin-source env:PIN --chain "$1" \
    --key "$2" --enveloping a.txt b.txt c.txt d.txt e.txt' "$KYSO" "$P/chain.pem" "$KEY" \
    >"$T/mid.out" 2>"$T/mid.err"
rc=$?
if [ "$rc" -eq 7 ]; then pass "exit 7 when an output cannot be written"
else fail "exit $rc when an output cannot be written, expected 7"; sed 's/^/    | /' "$T/mid.err"; fi
listed=$(sed -n 's/ -> .*//p' "$T/mid.out" | tr '\n' ' ')
n=$(echo "$listed" | wc -w)
if grep -q "kyso sign: writing c.txt.p7s failed: File too large" "$T/mid.err" &&
    grep -q "$n of 5 files signed (complete signatures)" "$T/mid.err" && [ "$n" -ge 2 ]; then
	pass "the message names the failed output and says how many were signed ($n)"
else
	fail "messages of the interrupted batch"; sed 's/^/    | /' "$T/mid.err"
fi
written=$(ls ./*.p7s 2>/dev/null | sed 's|^\./||; s/\.p7s$//' | tr '\n' ' ')
case $listed in
"a.txt b.txt "*) pass "the files before the failure are listed: $listed" ;;
*) fail "listed as signed: '$listed'" ;;
esac
[ "$listed" = "$written" ] && pass "the outputs are the files listed" ||
    fail "outputs '$written', listed '$listed'"
bad=0
for f in $listed; do
	ossl_verify "$f.p7s" >/dev/null 2>&1 && cmp -s "$f.p7s.out" "$f" || bad=$((bad + 1))
done
if [ "$bad" -eq 0 ]; then pass "the signed outputs verify"
else fail "$bad listed outputs do not verify"; fi
if ls ./*.tmp* >/dev/null 2>&1; then fail "temporary files left: $(ls ./*.tmp*)"
else pass "no temporary file left after the failure"; fi
cd "$T/d" || exit 1

# the JSON of a success
expect 0 '"packaging": "detached"' sign --json --key "$KEY" -o j.p7s phu-luc.txt
expect 0 '"output": "j2.p7s"' sign --json --key "$KEY" -o j2.p7s phu-luc.txt
done_testing
