#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The hostile user: inputs no other test gives, across the commands that read
# files (sign, verify, cert show/request, key generate, token list, checkin
# verify, card verify, insurance option and kyso.conf parsing).  Each ends with
# its exit status and exactly one stderr line naming the cause, never a crash
# (a sanitizer report or a signal) and never a hang on /dev/zero; --json prints
# exactly one object with "schema" and the same exit status; refused runs leave
# nothing behind.
set -u
. "$top_srcdir/tests/integration/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v timeout >/dev/null 2>&1 || skip_all "timeout (coreutils) is not installed"
fresh_softhsm
# A small PKI of its own (certs/mkpki.sh takes far longer): a root and a signer.
P=$T/pki
mkdir "$P"
cat > "$P/ext.cnf" <<'CNF'
[ ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ signer ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
{
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$P/root.key" &&
	openssl req -new -x509 -key "$P/root.key" -subj "/C=VN/O=Hostile/CN=Hostile Root" \
	    -days 3650 -config "$P/ext.cnf" -extensions ca -out "$P/root.pem" &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$P/signer.key" &&
	openssl req -new -key "$P/signer.key" -subj "/C=VN/O=Hostile/CN=Nguyễn Văn Thử" \
	    -utf8 -out "$P/signer.csr" &&
	openssl x509 -req -in "$P/signer.csr" -CA "$P/root.pem" -CAkey "$P/root.key" \
	    -set_serial 7 -days 3650 -extfile "$P/ext.cnf" -extensions signer -out "$P/signer.pem" &&
	cp "$P/root.pem" "$P/chain.pem"
} >"$T/pki.log" 2>&1 || { cat "$T/pki.log"; fail "openssl: the test PKI"; done_testing; }
export KYSO_TRUST_DIR="$top_srcdir/certs/trust"
unset KYSO_CONF
PIN=123456
export PIN
init_token T1 12345678 "$PIN"
softhsm2-util --import "$P/signer.key" --token T1 --label sign --id 01 --pin "$PIN" \
    >/dev/null || fail "import the signer key"
openssl x509 -in "$P/signer.pem" -outform DER -out "$T/signer.der"
pkcs11-tool --module "$SOFTHSM_MODULE" --token-label T1 --login --pin "$PIN" \
    --write-object "$T/signer.der" --type cert --id 01 --label sign >/dev/null 2>&1 ||
    fail "write the signer certificate"
KEY="pkcs11:token=T1;object=sign"

# one CODE REGEX CMD... : exit CODE, stdout+stderr matching REGEX, no
# sanitizer report, and one stderr line on failure (at most one on success);
# 20 s at most (nothing here may wait on input).
one() {
	_want=$1 _re=$2
	shift 2
	timeout 20 "$@" >"$T/.o" 2>"$T/.e" </dev/null
	_got=$?
	_n=$(wc -l <"$T/.e")
	_bad=
	[ "$_got" -eq "$_want" ] || _bad="exit $_got, expected $_want"
	if [ "$_want" -ne 0 ] && [ "$_n" -ne 1 ] || [ "$_n" -gt 1 ]; then
		_bad="$_bad; $_n stderr lines"
	fi
	if [ -n "$_re" ] && ! cat "$T/.o" "$T/.e" | grep -Eaq -- "$_re"; then
		_bad="$_bad; output does not match /$_re/"
	fi
	grep -Eaq 'Sanitizer|runtime error' "$T/.e" && _bad="$_bad; sanitizer report"
	if [ -n "$_bad" ]; then
		fail "$* : $_bad"
		sed 's/^/    | /' "$T/.e" | head -5
		return 1
	fi
	pass "$* -> $_want"
}
# json CODE CMD... : exit CODE and stdout exactly one JSON object with
# "schema" (and, where it says, "exit" equal to CODE).
json() {
	_want=$1
	shift
	timeout 20 "$@" >"$T/.j" 2>/dev/null </dev/null
	_got=$?
	if [ "$_got" -ne "$_want" ]; then
		fail "$* : exit $_got, expected $_want"
		return 1
	fi
	if python3 - "$T/.j" "$_want" <<'PY'; then pass "$* : one JSON object, exit $_want"
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read()
dec = json.JSONDecoder()
obj, end = dec.raw_decode(text)
assert text[end:].strip() == "", "more than one JSON value"
assert isinstance(obj, dict) and "schema" in obj, "no schema"
if "exit" in obj:
    assert obj["exit"] == int(sys.argv[2]), "exit member %r" % obj["exit"]
PY
	else
		fail "$* : stdout is not one JSON object with schema and exit $_want"
		sed 's/^/    | /' "$T/.j" | head -5
	fi
}
# nothing_new WHAT : the directory holds what it held at `snap`
snap() { ls -A | sort > "$T/.snap"; }
nothing_new() {
	if ls -A | sort | cmp -s - "$T/.snap"; then pass "$1: nothing left behind"
	else fail "$1: left behind: $(ls -A | sort | comm -13 "$T/.snap" - | tr '\n' ' ')"; fi
}

mkdir "$T/d"
cd "$T/d" || exit 1
printf 'Công văn số 45/CV-BYT\n' > doc.txt
"$KYSO" sign --key "$KEY" --pin-source env:PIN --chain "$P/chain.pem" doc.txt >/dev/null 2>&1 ||
    fail "kyso sign doc.txt"
# the commands as small scripts (timeout runs programs, not shell functions)
mkdir "$T/bin"
PATH=$T/bin:$PATH
export P KYSO PATH
wrap() { # NAME COMMAND-LINE
	printf '#!/bin/sh\nexec %s "$@"\n' "$2" > "$T/bin/$1"
	chmod +x "$T/bin/$1"
}
wrap V '"$KYSO" verify --trust "$P/root.pem"'
wrap S '"$KYSO" sign --key "pkcs11:token=T1;object=sign" --pin-source env:PIN --chain "$P/chain.pem"'
wrap I '"$KYSO" cert import --token pkcs11:token=T1 --pin-source env:PIN'
wrap R '"$KYSO" cert request --key "pkcs11:token=T1;object=sign" --pin-source env:PIN'
wrap K '"$KYSO" key generate --token pkcs11:token=T1 --pin-source env:PIN'
wrap CV '"$KYSO" checkin verify --trust "$P/root.pem"'

# ---- kyso verify: files that are not signatures ----------------------------------
: > empty.p7s
one 6 "^kyso verify: empty.p7s is not a valid CMS signature: the file is empty; .*ask the sender" \
    V --content doc.txt empty.p7s
json 6 V --json --content doc.txt empty.p7s
one 6 "/dev/null is not a valid CMS signature: the file is empty" V --content doc.txt /dev/null
# /dev/zero: refused at the first bytes, never read to the end
one 6 "/dev/zero is not a valid CMS signature: no ContentInfo SEQUENCE" V --content doc.txt /dev/zero
json 6 V --json --content doc.txt /dev/zero
one 6 "^kyso verify: \\. is a directory, not a signature file; check the file name$" V .
json 6 V --json .
one 6 "the signed content \\. is not a file; check the file name" V --content . doc.txt.p7s
# truncated anywhere, or with bytes after the signature
sz=$(wc -c < doc.txt.p7s)
for n in 1 2 64 $((sz / 2)) $((sz - 1)); do
	head -c "$n" doc.txt.p7s > "cut$n.p7s"
	one 6 "cut$n.p7s is not a valid CMS signature: truncated" V --content doc.txt "cut$n.p7s"
done
{ cat doc.txt.p7s; printf 'TRAILING'; } > trail.p7s
one 6 "trail.p7s is not a valid CMS signature: trailing data after the signature" \
    V --content doc.txt trail.p7s
cat doc.txt.p7s doc.txt.p7s > twice.p7s
one 6 "trailing data after the signature" V --content doc.txt twice.p7s
json 6 V --json --content doc.txt twice.p7s
# one bit flipped at a time, all over the file: a verdict or "malformed", never a
# crash (a signal, a sanitizer report); in the signature value always TOTAL-FAILED
python3 - doc.txt.p7s <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
step = max(1, len(d) // 40)
for i, p in enumerate(list(range(0, len(d), step)) + [len(d) - 1, len(d) - 17, len(d) - 100]):
    b = bytearray(d)
    b[p] ^= 1 << (i % 8)
    open("flip%03d.p7s" % i, "wb").write(b)
PY
bad=0
for f in flip*.p7s; do
	timeout 20 "$KYSO" verify --trust "$P/root.pem" --content doc.txt "$f" >/dev/null 2>"$T/.e"
	rc=$?
	case $rc in 0|1|2|6) ;; *) bad=$((bad + 1)); echo "    | $f: exit $rc" ;; esac
	if grep -Eq 'Sanitizer|runtime error' "$T/.e"; then bad=$((bad + 1)); echo "    | $f: sanitizer"; fi
done
[ "$bad" -eq 0 ] && pass "$(ls flip*.p7s | wc -l) bit-flipped signatures: verdicts, no crash" ||
    fail "$bad bit-flipped signatures crashed or hung"
n=$(ls flip*.p7s | wc -l)
for i in $((n - 3)) $((n - 2)); do
	f=$(printf 'flip%03d.p7s' "$i")
	one 1 "$f: signature 1: TOTAL-FAILED/SIG_CRYPTO_FAILURE" V --content doc.txt "$f"
done
# trust and extra-certificate files that are devices
one 6 "^kyso verify: /dev/zero: larger than [0-9]+ bytes; split the anchors" \
    V --trust /dev/zero doc.txt.p7s
one 6 "^kyso verify: --certs: /dev/zero: larger than [0-9]+ bytes; name PEM or DER" \
    V --certs /dev/zero doc.txt.p7s
json 6 V --json --certs /dev/zero doc.txt.p7s
# a trust directory: special files and broken links are passed over (never
# waited on); an empty certificate file is refused
mkdir td
cp "$P/root.pem" td/
mkfifo td/fifo.pem
ln -s nowhere td/dangling.pem
ln -s loop.pem td/loop.pem
mkdir td/sub.pem
one 0 "" "$KYSO" verify --no-default-trust --trust td doc.txt.p7s
: > td/empty.pem
one 6 "td/empty.pem is not a PEM or DER certificate.*; trust files and directories may hold only certificates" \
    "$KYSO" verify --no-default-trust --trust td doc.txt.p7s

# detached content found beside the signature: only a regular file is read
# (a FIFO would wait for a writer, a link to /dev/zero never end); named with
# --content a FIFO is read, a character device refused
mkfifo pipe
cp doc.txt.p7s pipe.p7s
one 6 "^kyso verify: the signed content pipe found beside the signature is a FIFO, not a regular file: .*; name the content with --content FILE$" \
    V pipe.p7s
json 6 V --json pipe.p7s
ln -s /dev/zero zero
cp doc.txt.p7s zero.p7s
one 6 "the signed content zero found beside the signature is a character device, not a regular file" \
    V zero.p7s
one 6 "^kyso verify: the signed content /dev/zero is a character device, not a file: it may never end; " \
    V --content /dev/zero doc.txt.p7s
json 6 V --json --content /dev/zero doc.txt.p7s
{ cat doc.txt > pipe & } 2>/dev/null
one 0 "doc.txt.p7s: TOTAL-PASSED" V --content pipe doc.txt.p7s
wait
# the writer may come before kyso reads or after (either order must work; the
# FIFO was reopened once, and a writer that came in between was lost: a hang)
{ (sleep 1; cat doc.txt > pipe) & } 2>/dev/null
one 0 "doc.txt.p7s: TOTAL-PASSED" V --content pipe doc.txt.p7s
wait
cp doc.txt.p7s gone.txt.p7s
one 6 "its content gone.txt was not found; name the signed file with --content FILE" V gone.txt.p7s
ln -s loopc loopc
cp doc.txt.p7s loopc.p7s
one 6 "^kyso verify: cannot open the signed content loopc: Too many levels of symbolic links; check the file name \\(found beside the signature\\), or name it with --content FILE$" \
    V loopc.p7s
rm -f pipe pipe.p7s zero zero.p7s gone.txt.p7s loopc loopc.p7s

# ---- kyso verify: names ------------------------------------------------------------
for name in 'sp ace' '-lead' "$(printf 'new\nline')" "$(printf 'bad\377\376name')" \
    'Tờ trình'; do
	cp -- doc.txt "$name"
	cp -- doc.txt.p7s "$name.p7s"
done
one 0 "" V -- "-lead.p7s"
one 0 "" V "sp ace.p7s"
one 0 "" V "$(printf 'new\nline').p7s"
one 0 "" V "$(printf 'bad\377\376name').p7s"
one 0 "" V "Tờ trình.p7s"
# a missing non-UTF-8 name is shown escaped on its one stderr line
one 6 "^kyso verify: cannot open bad\\\\FF\\\\FEname-missing.p7s: No such file or directory; check the file name$" \
    V "$(printf 'bad\377\376name')-missing.p7s"
# many operands: one result each, one JSON object
seq -f 'missing%g.p7s' 1 5000 > "$T/many"
# shellcheck disable=SC2046
timeout 60 "$KYSO" verify --json --trust "$P/root.pem" $(cat "$T/many") > many.json 2>/dev/null
rc=$?
if [ "$rc" -eq 6 ] && python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["exit"] == 6 and d["schema"] and len(d["results"]) == 5000' many.json; then
	pass "5000 missing operands: exit 6, one JSON object with 5000 results"
else
	fail "5000 missing operands: exit $rc"
fi
rm -f many.json
# stdout closed by the reader (SIGPIPE) and stderr closed: no hang, no message
"$KYSO" verify --trust "$P/root.pem" doc.txt.p7s doc.txt.p7s 2>"$T/.e" | head -c0
[ ! -s "$T/.e" ] && pass "verify | head -c0: ends quietly" || fail "verify | head -c0: $(cat "$T/.e")"
timeout 20 "$KYSO" verify --trust "$P/root.pem" nothing.p7s >/dev/null 2>&-
rc=$?
[ "$rc" -eq 6 ] && pass "stderr closed: exit 6 all the same" || fail "stderr closed: exit $rc"

# ---- kyso sign ---------------------------------------------------------------------
mkdir s
cd s || exit 1
printf 'a\n' > a.txt
: > empty.txt
one 0 "1 file signed" S empty.txt
one 0 "empty.txt.p7s: TOTAL-PASSED" V empty.txt.p7s
ln -s loop loop
snap
one 3 "^kyso sign: /dev/zero is not a regular file: an enveloping signature reads its input twice; sign it detached$" \
    S --enveloping -o z.p7s /dev/zero
one 6 "^kyso sign: cannot read loop: Too many levels of symbolic links; check the file name$" S loop
one 6 "cannot read loop" S a.txt loop
one 3 "^kyso sign: /dev/null is not a regular file: it is a character device, which the signature would replace with a file; name another output with -o OUT$" \
    S -o /dev/null a.txt
# --force replaces regular files only: never a device, a FIFO or a link (as
# root, -o /dev/stdout replaced the system's; the test's own are used here,
# so that a build without the check harms nothing)
if [ "$(id -u)" = 0 ] && mknod out.dev c 1 3 2>/dev/null; then
	one 3 "^kyso sign: out.dev is not a regular file: it is a character device" \
	    S --force -o out.dev a.txt
	json 3 S --json --force -o out.dev a.txt
	[ -c out.dev ] && pass "the device is left as it was" || fail "the device was replaced"
	rm -f out.dev
fi
ln -s /dev/stdout stdout
one 3 "^kyso sign: stdout is not a regular file: it is a symbolic link" S --force -o stdout a.txt
rm -f stdout
mkfifo out.fifo
one 3 "^kyso sign: out.fifo is not a regular file: it is a FIFO" S --force -o out.fifo a.txt
ln -s a.txt.p7s lnk.p7s
one 3 "^kyso sign: lnk.p7s is not a regular file: it is a symbolic link" S --force -o lnk.p7s a.txt
[ -p out.fifo ] && [ -L lnk.p7s ] && pass "special outputs left as they were" ||
    fail "a special output was replaced"
rm -f out.fifo lnk.p7s
one 6 "^kyso sign: cannot read \\.: a directory" S -o x.p7s .
json 6 S --json -o x.p7s .
json 3 S --json --bogus a.txt
nothing_new "refused signing runs"
# an output of the run that is an input too (kyso sign --force *, with
# a.txt.p7s there): refused before the PIN, nothing replaced
printf 'b\n' > b.txt
one 0 "2 files signed" S a.txt b.txt
cp a.txt.p7s a.keep
one 3 "^kyso sign: a.txt.p7s is both an input and an output of this run: .*; leave it out" \
    "$KYSO" sign --key "$KEY" --pin-source env:NOPIN --force a.txt a.txt.p7s
json 3 "$KYSO" sign --json --key "$KEY" --pin-source env:NOPIN --force a.txt.p7s b.txt a.txt
one 3 "a.txt.p7s is both an input and an output" S --force ./a.txt.p7s b.txt "$PWD/a.txt"
cmp -s a.txt.p7s a.keep && [ ! -e a.txt.p7s.p7s ] && pass "nothing replaced" ||
    fail "a.txt.p7s was replaced or signed"
ln a.txt.p7s hard.p7s
one 3 "^kyso sign: a.txt.p7s is both an input and an output" S --force hard.p7s a.txt
rm -f hard.p7s a.keep
one 0 "2 files signed" S --force a.txt b.txt
one 0 "a.txt.p7s.p7s: TOTAL-PASSED" sh -c 'S a.txt.p7s && V a.txt.p7s.p7s'
rm -f a.txt.p7s b.txt b.txt.p7s a.txt.p7s.p7s
# stdin closed and no PIN source: no terminal to ask, nothing signed
one 5 "no terminal to ask for the PIN for token 'T1'" sh -c \
    'exec "$0" sign --key "$1" -o c.p7s a.txt <&-' "$KYSO" "$KEY"
nothing_new "no PIN"
# a full disk: exit 7 naming the cause, no output, no temporary file
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	mkdir full
	printf 'x\n' > full.txt
	unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs full || exit 99
	    head -c 200000 /dev/zero > full/fill 2>/dev/null
	    "$0" sign --key "$1" --pin-source env:PIN --chain "$2" --enveloping \
	        -o full/x.p7s full.txt > /dev/null 2> full.err; rc=$?
	    rm -f full/fill; ls -A full > full.ls; exit $rc' "$KYSO" "$KEY" "$P/chain.pem"
	rc=$?
	if [ "$rc" -eq 7 ] && grep -q "No space left on device; free some space on its file system" full.err && [ ! -s full.ls ]; then
		pass "a full disk: exit 7, 'No space left on device' with the fix, nothing left in it"
	else
		fail "a full disk: exit $rc, left '$(cat full.ls)'"; sed 's/^/    | /' full.err
	fi
	rm -rf full full.txt full.err full.ls
else
	pass "# SKIP a full disk needs root and a mount namespace"
fi
cd .. || exit 1

# ---- kyso cert show / import / request -------------------------------------------
: > e.pem
one 6 "^kyso cert: e.pem is empty: it holds no PEM or DER certificate$" "$KYSO" cert show e.pem
json 6 "$KYSO" cert show --json e.pem
one 6 "^kyso cert: /dev/null is empty" "$KYSO" cert show /dev/null
one 6 "^kyso cert: /dev/zero: larger than [0-9]+ bytes$" "$KYSO" cert show /dev/zero
json 6 "$KYSO" cert show --json /dev/zero
one 6 "^kyso cert: \\. is a directory; name a certificate file$" "$KYSO" cert show .
openssl x509 -in "$P/root.pem" -outform DER -out root.der
head -c 300 root.der > rootcut.der
head -c 300 "$P/root.pem" > rootcut.pem
{ cat root.der; printf 'garbage'; } > rootg.der
one 6 "rootcut.der holds no PEM or DER certificate: malformed certificate" \
    "$KYSO" cert show rootcut.der
one 6 "rootcut.pem holds no PEM or DER certificate: PEM block 1 is damaged" \
    "$KYSO" cert show rootcut.pem
one 6 "rootg.der holds no PEM or DER certificate: malformed certificate \\(not DER, or trailing data\\)" \
    "$KYSO" cert show rootg.der
one 3 "name one certificate file" "$KYSO" cert show root.der root.der
json 3 "$KYSO" cert show --json
one 6 "^kyso cert: /dev/zero: larger than" I --in /dev/zero
one 6 "^kyso cert: \\. is a directory" I --in .
one 6 "rootg.der holds no PEM or DER certificate" I --in "$P/signer.pem" --chain rootg.der
json 6 I --json --in "$P/signer.pem" --chain e.pem
mkdir rq
cd rq || exit 1
snap
one 3 "^kyso cert: the subject must look like /C=VN/O=.../CN=...$" R --subject garbage -o a.csr
one 3 "^kyso cert: the subject is empty$" R --subject / -o a.csr
one 3 "^kyso cert: the value of CN is not valid UTF-8 text$" \
    R --subject "/CN=$(printf 'bad\377')" -o a.csr
long=$(head -c 5000 /dev/zero | tr '\0' x)
one 6 "^kyso cert: the subject is too long$" R --subject "/CN=$long" -o a.csr
# outputs that cannot be written: said before the PIN (env:NOPIN is unset:
# a login would fail with exit 5), with the fix
wrap RN '"$KYSO" cert request --key "pkcs11:token=T1;object=sign" --pin-source env:NOPIN'
one 7 "^kyso cert: cannot write nodir/x.csr: nodir/: No such file or directory; check the output directory$" \
    RN --subject /CN=x -o nodir/x.csr
one 3 "^kyso cert: \\. is a directory: name the output file with -o FILE$" RN --subject /CN=x -o . --force
one 3 "^kyso cert: /dev/null is not a regular file: it is a character device, .*; name another output with -o FILE, or -o - for standard output$" \
    RN --subject /CN=x -o /dev/null
# --force replaces regular files only (the test's own link, FIFO and device:
# a build without the check harms nothing)
ln -s /dev/stdout stdout
one 3 "^kyso cert: stdout is not a regular file: it is a symbolic link" RN --subject /CN=x -o stdout --force
mkfifo fifo
one 3 "^kyso cert: fifo is not a regular file: it is a FIFO" RN --subject /CN=x -o fifo --force
if [ "$(id -u)" = 0 ] && mknod dev c 1 3 2>/dev/null; then
	one 3 "^kyso cert: dev is not a regular file: it is a character device" \
	    RN --subject /CN=x -o dev --force
	[ -c dev ] && pass "the device is left as it was" || fail "the device was replaced"
	rm -f dev
fi
[ -L stdout ] && [ -p fifo ] && pass "link and FIFO left as they were" || fail "an output was replaced"
rm -f stdout fifo
: > exists.csr
snap
one 3 "^kyso cert: exists.csr exists; use --force to replace it$" RN --subject /CN=x -o exists.csr
nothing_new "refused certificate requests"
# -o - is standard output (it wrote a file named "-")
one 0 "BEGIN CERTIFICATE REQUEST" R --subject /CN=x -o -
[ ! -e ./- ] && pass "-o -: no file named -" || fail "-o - wrote a file named -"
rm -f exists.csr
cd .. || exit 1

# ---- kyso key generate / token list ------------------------------------------------
one 3 "^kyso key: the label is too long$" K --label "$long" --type ec:prime256v1
one 3 "a private key labelled 'sign' is already on the token.*; pick another --label" \
    K --label sign --type ec:prime256v1
one 3 "bad --pin-source 'fd:-1'" "$KYSO" key generate --token pkcs11:token=T1 \
    --pin-source fd:-1 --label k9 --type ec:prime256v1
one 3 "bad --pin-source 'fd:99999999999999'" "$KYSO" key generate --token pkcs11:token=T1 \
    --pin-source fd:99999999999999 --label k9 --type ec:prime256v1
one 6 "/dev/null is not a PKCS#11 module .*; name one with --module" \
    "$KYSO" token list --module /dev/null
json 6 "$KYSO" token list --json --module /dev/null
one 6 "/dev/zero is not a PKCS#11 module .*invalid ELF header" "$KYSO" token list --module /dev/zero
one 6 "\\. is not a PKCS#11 module" "$KYSO" token list --module .
one 6 "doc.txt is not a PKCS#11 module" "$KYSO" token list --module "$T/d/doc.txt"
json 3 "$KYSO" token list --json garbage

# ---- kyso checkin verify -----------------------------------------------------------
mkdir ck
cd ck || exit 1
: > empty.json
one 6 "empty.json: the record's signature empty.json.p7s is missing" CV empty.json
json 6 CV --json empty.json
one 6 "/dev/zero: larger than [0-9]+ bytes" CV /dev/zero
json 6 CV --json /dev/zero
echo '{}' > obj.json
one 6 "obj.json: /dev/zero: larger than [0-9]+ bytes" CV --signature /dev/zero obj.json
python3 -c 'print("[" * 100000)' > deep.json
cp ../doc.txt.p7s deep.json.p7s
one 6 "deep.json: the record is not a JSON object \\(maximum parsing depth" CV deep.json
python3 -c 'print("{\"a\":" * 100000)' > deep2.json
one 6 "the record is not a JSON object \\(maximum parsing depth" CV --signature deep.json.p7s deep2.json
echo '[1,2' > cutj.json
cp ../doc.txt.p7s cutj.json.p7s
one 6 "cutj.json: the record is not a JSON object" CV cutj.json
one 3 "^kyso checkin: --signature names the signature of one record$" \
    CV --signature deep.json.p7s obj.json deep.json
json 3 CV --json --signature deep.json.p7s obj.json deep.json
cd .. || exit 1

# ---- kyso card verify DUMPDIR (offline) -------------------------------------------
mkdir cv cv/dirs cv/dirs/EF.SOD cv/empty
one 6 "^kyso card: cv/empty: no EF.SOD \\(not a dump of kyso card read --dump\\?\\)$" \
    "$KYSO" card verify cv/empty
json 6 "$KYSO" card verify --json cv/empty
one 6 "cv/dirs/EF.SOD: not a regular file \\(a dump holds only the files as read\\)" \
    "$KYSO" card verify cv/dirs
one 3 "give one dump directory" "$KYSO" card verify cv/empty cv/empty
json 3 "$KYSO" card verify --json --bogus cv/empty
one 6 "/dev/zero: larger than [0-9]+ bytes" "$KYSO" card verify --csca /dev/zero cv/empty
one 6 "^kyso card: --csca doc.txt.p7s is not a certificate \\(DER data that is not a whole certificate" \
    "$KYSO" card verify --csca doc.txt.p7s cv/empty
one 6 "^kyso card: --master-list /dev/null is not an ICAO master list \\(the file is empty\\); give an ICAO CSCA master list" \
    "$KYSO" card verify --master-list /dev/null \
    --ml-signer-anchor "$P/root.pem" cv/empty

# ---- kyso insurance: options and kyso.conf, no gateway reached -------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
GWPW=secret
export GWPW
# kyso insurance lookup with the test's options, each only when the test
# does not give it (an option given twice is refused)
cat > "$T/bin/IL" <<'SH'
#!/bin/sh
given() { _o=$1; shift; for _a; do [ "$_a" = "$_o" ] && return 0; done; return 1; }
given --timeout "$@" || set -- --timeout 2 "$@"
given --connect-timeout "$@" || set -- --connect-timeout 2 "$@"
given --retries "$@" || set -- --retries 0 "$@"
given --gateway "$@" || set -- --gateway "https://127.0.0.1:$port" "$@"
given --staff-id "$@" || set -- --staff-id 001190012345 "$@"
given --dob "$@" || set -- --dob 01/01/1990 "$@"
exec "$KYSO" insurance lookup --ma-the GD4797920000001 --name "Nguyễn Văn A" \
    --username 01001_BV --password-source env:GWPW --staff-name "Lê Thị B" "$@"
SH
chmod +x "$T/bin/IL"
export port
conf() { # NAME CONTENT
	printf '%b' "$2" > "$1"
	chmod 600 "$1"
}
conf j1.conf 'junk line without equals\n'
one 6 "^kyso insurance: j1.conf:1: expected 'key = value'" IL --config j1.conf
python3 -c 'print("a = " + "x" * 200000)' > j2.conf
chmod 600 j2.conf
one 6 "^kyso insurance: j2.conf: larger than [0-9]+ bytes$" IL --config j2.conf
conf j3.conf '\0\0\n'
one 6 "j3.conf:1: control character 0x00" IL --config j3.conf
conf j4.conf 'gateway = "unterminated\n'
one 6 "j4.conf:1: unterminated quoted value" IL --config j4.conf
conf j5.conf '[insurance\n'
one 6 "j5.conf:1: a section header is written \\[name\\]" IL --config j5.conf
one 3 "timeout '-1': give seconds, more than 0 and at most 600" IL --timeout -1
one 3 "timeout '99999999999999999999'" IL --timeout 99999999999999999999
one 3 "connect-timeout '0'" IL --connect-timeout 0
one 3 "retries '1000000': give 0 to 9" IL --retries 1000000
one 3 "expiry-warn-days 'x': give 1 to 3660" IL --expiry-warn-days x
one 3 "gateway URL 'https://' has no host" IL --gateway https://
one 3 "the staff member's ID must be a 12-digit citizen ID" IL --staff-id 123
one 3 "date of birth '31/02/1990' is not a date" IL --dob 31/02/1990
json 3 IL --json --dob 99/99/9999
# a dead server (nothing listens on the port): exit 7, the cause and the fix
one 7 "cannot reach the gateway https://127.0.0.1:$port .*; check the network and the gateway URL" IL
json 7 IL --json
one 6 "cannot read the card data /dev/zero: larger than" "$KYSO" insurance lookup --from /dev/zero \
    --gateway "https://127.0.0.1:$port" --username 01001_BV --password-source env:GWPW \
    --staff-name B --staff-id 001190012345
json 6 "$KYSO" insurance lookup --json --from /dev/zero \
    --gateway "https://127.0.0.1:$port" --username 01001_BV --password-source env:GWPW \
    --staff-name B --staff-id 001190012345
done_testing
