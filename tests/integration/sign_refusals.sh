#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso sign refuses what cannot be done before any PIN is asked (a wrong PIN
# is given: exit 5 would show that the login came first) and leaves nothing
# behind: an expired or not-yet-valid signer, outputs that cannot be
# written, the same file twice, a FIFO to envelope, a bad --cert file; and
# file names at the file system's limit are signed.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"
test_pki
P=$T/pki
tok_init T1
import() { # NAME ID
	softhsm2-util --import "$P/$1.key" --token T1 --label "$1" --id "$2" --pin "$PIN" \
	    >/dev/null || fail "import $1"
	openssl x509 -in "$P/$1.pem" -outform DER -out "$T/$1.der"
	p11t --token-label T1 --login --pin "$PIN" --write-object "$T/$1.der" --type cert \
	    --id "$2" --label "$1" >/dev/null 2>&1 || fail "write certificate $1"
}
import signer-rsa 01
import signer-expired 05
import signer-future 06
KEY="pkcs11:token=T1;object=signer-rsa"
ossl_verify() { # SIG CONTENT
	openssl cms -verify -binary -inform DER -in "$1" -content "$2" \
	    -CAfile "$P/root.pem" -purpose any -out /dev/null
}
# Nothing but the inputs in the directory (no output, no temporary file).
only_inputs() { # WHAT FILE...
	_what=$1; shift
	_have=$(ls -A | sort | tr '\n' ' ')
	_want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	if [ "$_have" = "$_want" ]; then pass "$_what: nothing written"
	else fail "$_what: the directory holds '$_have', expected '$_want'"; fi
}
bad() { "$KYSO" sign --pin-source env:BADPIN "$@"; }
good() { "$KYSO" sign --pin-source env:PIN --chain "$P/chain.pem" "$@"; }

mkdir "$T/d"
cd "$T/d" || exit 1
printf 'Công văn số 7\n' > a.txt
printf 'Phụ lục\n' > b.txt

# ---- signatures are files like others: made with the umask (was 0600) ---------
expect 0 "a.txt -> m.p7s" sh -c 'umask 022; exec "$0" sign --pin-source env:PIN --key "$1" \
    -o m.p7s a.txt' "$KYSO" "$KEY"
case $(ls -l m.p7s) in -rw-r--r--*) pass "mode 644 with umask 022" ;; *) fail "$(ls -l m.p7s)" ;; esac
rm -f m.p7s

# ---- a signer certificate that is not valid now -------------------------------
expect 3 "^kyso sign: the certificate of Hoàng Văn Hết Hạn \\(serial 05\\) expired on 2021-01-01T00:00:00Z: its signatures would not verify \\(INDETERMINATE/OUT_OF_BOUNDS_NO_POE\\); renew it or sign with another key$" \
    good --key "pkcs11:token=T1;object=signer-expired" a.txt
expect 3 "is not valid before 2099-01-01T00:00:00Z.*NOT_YET_VALID" \
    good --key "pkcs11:token=T1;object=signer-future" a.txt
expect 3 '"exit": 3' good --json --key "pkcs11:token=T1;id=%05" a.txt
expect 3 "expired on 2021-01-01" good --key "pkcs11:token=T1;object=signer-expired" \
    --cert "$P/signer-expired.pem" a.txt
only_inputs "expired signer" a.txt b.txt

# ---- outputs that cannot be written: refused before the PIN -------------------
expect 7 "^kyso sign: cannot write nodir/x.p7s: nodir/: No such file or directory; check the output directory$" \
    bad --key "$KEY" -o nodir/x.p7s a.txt
expect 7 "cannot write a.txt/x.p7s: a.txt/: Not a directory" bad --key "$KEY" -o a.txt/x.p7s a.txt
mkdir outdir
expect 3 "^kyso sign: outdir is a directory: name the output file with -o OUT$" \
    bad --key "$KEY" --force -o outdir a.txt
rmdir outdir
# -o - is not a file named "-"
expect 3 "^kyso sign: -o - \\(standard output\\) is not supported: .*name a file, or -o ./- for a file named -$" \
    bad --key "$KEY" -o - a.txt
[ -e ./- ] && fail "-o - made a file named -" || pass "-o -: no file named -"
mkdir ro
if [ "$(id -u)" != 0 ]; then
	chmod 500 ro
	expect 7 "cannot write ro/x.p7s: ro/: Permission denied" bad --key "$KEY" -o ro/x.p7s a.txt
	chmod 700 ro
elif unshare -m true 2>/dev/null; then
	# root may write anywhere its permissions say no: a read-only file system,
	# mounted in a mount namespace of its own (gone with the command)
	expect 7 "^kyso sign: cannot write ro/x.p7s: ro/: Read-only file system; check the output directory$" \
	    unshare -m sh -c 'mount -t tmpfs -o ro,size=64k tmpfs ro && exec "$0" sign \
	    --pin-source env:BADPIN --key "$1" -o ro/x.p7s a.txt' "$KYSO" "$KEY"
else
	pass "# SKIP root without a mount namespace: no directory it cannot write"
fi
rmdir ro
expect 3 "^kyso sign: the output a.txt is the input file: choose another output$" \
    bad --key "$KEY" -o a.txt a.txt
expect 3 "the output ./a.txt is the input file" bad --key "$KEY" --force -o ./a.txt a.txt
only_inputs "unwritable outputs" a.txt b.txt

# ---- the same file twice: one signature each, refused as a whole ---------------
expect 3 "^kyso sign: a.txt is named twice: name each file once$" bad --key "$KEY" a.txt b.txt a.txt
expect 3 "a.txt is named twice" bad --key "$KEY" --force a.txt a.txt
expect 3 "^kyso sign: a.txt is named twice: name each file once$" bad --key "$KEY" a.txt .//./a.txt
expect 3 "$PWD/a.txt is named twice" bad --key "$KEY" "$PWD/a.txt" "$PWD//a.txt"
only_inputs "a file named twice" a.txt b.txt
# ... and through ".." or a symbolic link to its directory
mkdir "$T/tw" "$T/tw/sub" && ln -s "$T/tw" "$T/twl" && printf 'Tờ trình\n' > "$T/tw/c.txt"
expect 3 "^kyso sign: $T/tw/sub/../c.txt.p7s and $T/tw/c.txt.p7s are one file \(through '..' or a symbolic link\): name each file once$" \
    bad --key "$KEY" "$T/tw/sub/../c.txt" "$T/tw/c.txt"
expect 3 "^kyso sign: $T/tw/c.txt.p7s and $T/twl/c.txt.p7s are one file" \
    bad --key "$KEY" "$T/tw/c.txt" b.txt "$T/twl/c.txt"
[ -e "$T/tw/c.txt.p7s" ] && fail "signed although named twice" ||
    pass "nothing signed (one file, two spellings)"
# two files of one name in two directories are two files
printf 'Tờ trình 2\n' > "$T/tw/sub/c.txt"
expect 0 "2 files signed" good --key "$KEY" "$T/tw/c.txt" "$T/twl/sub/c.txt"

# ---- --enveloping reads its input twice: a FIFO is refused, never waited on ----
mkfifo pipe
expect 3 "^kyso sign: pipe is not a regular file: an enveloping signature reads its input twice; sign it detached$" \
    timeout 20 "$KYSO" sign --pin-source env:BADPIN --key "$KEY" --enveloping -o p.p7s pipe
# a detached signature reads a pipe like any file
expect 0 "pipe -> p.p7s" sh -c '"$0" sign --pin-source env:PIN --chain "$1" --key "$2" -o p.p7s pipe &
    printf "Công văn số 7\n" > pipe; wait $!' "$KYSO" "$P/chain.pem" "$KEY"
expect 0 "Verification successful" ossl_verify p.p7s a.txt
rm -f pipe p.p7s

# ---- --cert FILE is checked before the PIN --------------------------------------
expect 6 "^kyso sign: --cert: .*absent.pem.*; check the file name$" \
    bad --key "$KEY" --cert "$T/absent.pem" a.txt
expect 6 "^kyso sign: cannot read $T: a directory; check the --cert file name$" \
    bad --key "$KEY" --cert "$T" a.txt
only_inputs "bad --cert" a.txt b.txt

# ---- names at the file system's limit --------------------------------------------
# 244 bytes of Vietnamese: NAME.p7s (248) fits, NAME.p7s.tmpXXXXXX would not.
n=''
while [ "$(printf '%s' "$n" | wc -c)" -le 228 ]; do n="${n}Tờ trình "; done
n="$n.txt"
[ "$(printf '%s' "$n" | wc -c)" -eq 244 ] || fail "test name is $(printf '%s' "$n" | wc -c) bytes"
printf 'dài\n' > "$n"
expect 0 "1 file signed" good --key "$KEY" "$n"
expect 0 "Verification successful" ossl_verify "$n.p7s" "$n"
only_inputs "a 244-byte name" a.txt b.txt "$n" "$n.p7s"
rm -f "$n" "$n.p7s"
# 253 bytes: NAME.p7s cannot exist; said before the PIN, with the way out
n=''
while [ "$(printf '%s' "$n" | wc -c)" -lt 253 ]; do n="${n}x"; done
printf 'x\n' > "$n"
expect 3 "the output name $n.p7s is too long for the file system: sign $n alone with -o OUT" \
    bad --key "$KEY" "$n"
expect 0 "$n -> short.p7s" good --key "$KEY" -o short.p7s "$n"
expect 0 "Verification successful" ossl_verify short.p7s "$n"
rm -f "$n" short.p7s

# the same checks in a batch checked against one listing of its directory
i=0
while [ "$i" -lt 20 ]; do printf '%d\n' "$i" > "f$i.txt"; i=$((i + 1)); done
mkdir f3.txt.p7s
expect 3 "f3.txt.p7s is a directory" bad --key "$KEY" --force f*.txt
rmdir f3.txt.p7s
ln -s nowhere f4.txt.p7s
expect 3 "^kyso sign: f4.txt.p7s is not a regular file: it is a symbolic link" bad --key "$KEY" f*.txt
expect 3 "f4.txt.p7s is not a regular file" bad --key "$KEY" --force f*.txt
rm f4.txt.p7s
expect 3 "f7.txt is named twice" bad --key "$KEY" f*.txt f7.txt
only_inputs "refused batches" a.txt b.txt f0.txt f1.txt f2.txt f3.txt f4.txt f5.txt f6.txt \
    f7.txt f8.txt f9.txt f10.txt f11.txt f12.txt f13.txt f14.txt f15.txt f16.txt f17.txt \
    f18.txt f19.txt
done_testing
