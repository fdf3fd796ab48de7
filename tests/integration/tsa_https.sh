#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso sign with an https time-stamp server whose TLS certificate comes from a
# private CA (the test PKI's tls-server, under root.pem), named with
# --tsa-cacert or tsa-cacert in kyso.conf: a batch of 50 files keeps its TLS
# connections (at most 8 for 50 requests: one handshake per connection, not
# per file), every signature verifies (kyso verify --json says it carries a
# time-stamp; openssl cms -verify is the referee), exactly one request per
# file.  Without the bundle (the system's store) or with another CA's, the
# TLS verification fails: exit 7 with the message naming the setting, no
# output, no temporary file.  A bundle that cannot be used (missing, a
# directory, no PEM certificate) is refused before the PIN is asked (exit 6,
# 3); --tsa-cacert with an http:// server, with --no-tsa or without a server
# is a usage error (exit 3).  The server is tests/pkisrv/pkisrv.py, whose
# counters (GET /stats) are the referee of connections and requests.  No
# timing is asserted.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/tsa_lib.sh"
tsa_signer
tsa_https_server
unset KYSO_CONF

tsa_files 50 'Công văn số %d/UBND-VP'
conf() { (umask 077; printf '%s\n' "$@" > "$T/kyso.conf"); }
CA=$P/trust.pem
# nothing but the inputs in the directory (no output, no temporary file)
only_inputs() {
	_left=$(ls -A | grep -v '^f[0-9][0-9]\.txt$' | tr '\n' ' ')
	[ -z "$_left" ] && pass "$1: no output, no temporary file" || fail "$1: left $_left"
}
# the 50 signatures: each verified with its time-stamp (kyso verify --json),
# each accepted by openssl cms -verify
all_verified() {
	V --json f*.txt.p7s > "$T/v.json" 2>/dev/null
	python3 - "$T/v.json" <<'PY' && pass "$1: kyso verify --json: 50 signatures TOTAL-PASSED, each with a verified time-stamp" ||
import json, sys
d = json.load(open(sys.argv[1]))
files = d["results"]
ok = len(files) == 50
for f in files:
    for s in f["signatures"]:
        ts = [c for c in s["checks"] if c["check"] == "signature_timestamp"]
        ok = ok and s["indication"] == "TOTAL-PASSED" and len(ts) == 1 and \
            ts[0]["status"] == "PASSED" and "Kyso Test TSA" in ts[0]["detail"]
    ok = ok and len(f["signatures"]) == 1
sys.exit(0 if ok else 1)
PY
	    fail "$1: kyso verify --json: $(head -c 600 "$T/v.json")"
	_bad=0
	for _f in f*.txt.p7s; do
		openssl cms -verify -binary -inform DER -in "$_f" -content "${_f%.p7s}" \
		    -CAfile "$P/root.pem" -purpose any -out /dev/null 2>/dev/null || _bad=$((_bad + 1))
	done
	[ "$_bad" = 0 ] && pass "$1: openssl cms -verify accepts the 50 signatures" ||
	    fail "$1: openssl cms -verify rejects $_bad signatures"
}
# the server's counters for the last batch: exactly 50 requests, on 1..8 connections
batch_stats() {
	tsa_stats reset >/dev/null
	[ "$(tsa_stat requests)" = 50 ] && pass "$1: one time-stamp request per file" ||
	    fail "$1: $(tsa_stat requests) requests for 50 files"
	_c=$(tsa_stat connections)
	[ "$_c" -ge 1 ] && [ "$_c" -le 8 ] && pass "$1: 50 requests on $_c TLS connections (kept open, at most 8)" ||
	    fail "$1: 50 requests on $_c connections"
	[ "$(tsa_stat max_inflight)" -le 8 ] && pass "$1: at most 8 requests in flight" ||
	    fail "$1: $(tsa_stat max_inflight) requests in flight"
}
tsa_stats reset >/dev/null

# ---- 50 files over https, the server's CA named with --tsa-cacert ---------------------------
expect 0 "50 files signed by" S --tsa "$HTTPS/ok" --tsa-cacert "$CA" f*.txt
batch_stats "--tsa-cacert"
all_verified "--tsa-cacert"
# the same with the server's CA and its intermediate (a bundle of several)
rm -f ./*.p7s
cat "$P/gov-ca.pem" "$P/root.pem" > "$T/both.pem"
expect 0 "3 files signed by" S --tsa "$HTTPS/ok" --tsa-cacert "$T/both.pem" f00.txt f01.txt f02.txt
rm -f ./*.p7s
tsa_stats reset >/dev/null

# ---- the same through kyso.conf --------------------------------------------------------------
conf "[sign]" "tsa = $HTTPS/ok" "tsa-cacert = $CA"
expect 0 "50 files signed by" S --config "$T/kyso.conf" f*.txt
batch_stats "tsa-cacert in kyso.conf"
all_verified "tsa-cacert in kyso.conf"
rm -f ./*.p7s
tsa_stats reset >/dev/null
# the spelling with an underscore, in the global part; and found through $KYSO_CONF
conf "tsa = $HTTPS/ok" "tsa_cacert = $CA"
expect 0 "2 files signed by" env KYSO_CONF="$T/kyso.conf" "$KYSO" sign --key "$KEY" \
    --pin-source env:PIN --chain "$P/chain.pem" f00.txt f01.txt
expect 0 "PASSED +signature_timestamp" V f00.txt.p7s
rm -f ./*.p7s
# an https --tsa takes kyso.conf's bundle (kyso.conf is read for it) ...
conf "tsa-cacert = $CA"
expect 0 "f00.txt -> f00.txt.p7s" env KYSO_CONF="$T/kyso.conf" "$KYSO" sign --key "$KEY" \
    --pin-source env:PIN --chain "$P/chain.pem" --tsa "$HTTPS/ok" f00.txt
rm -f ./*.p7s
# ... and --tsa-cacert wins over it
conf "[sign]" "tsa = $HTTPS/ok" "tsa-cacert = $P/other-root.pem"
expect 0 "f00.txt -> f00.txt.p7s" S --config "$T/kyso.conf" --tsa-cacert "$CA" f00.txt
rm -f ./*.p7s
# kyso.conf's bundle is not used for an http:// server named with --tsa
expect 0 "f00.txt -> f00.txt.p7s" S --config "$T/kyso.conf" --tsa "$PKISRV/ok" f00.txt
expect 0 "PASSED +signature_timestamp" V f00.txt.p7s
rm -f ./*.p7s
tsa_stats reset >/dev/null

# ---- a server its bundle does not verify: exit 7, nothing written --------------------------
TLSERR="TLS certificate verification of the time-stamp server $HTTPS/ok failed \(.*\): the server is not who it claims or its CA is not trusted"
# no bundle: the system's store does not know the test PKI
expect 7 "^kyso sign: $TLSERR \(by the system's CA store\); check the URL, or name the CA bundle of its certificate \(tsa-cacert\)$" \
    S --tsa "$HTTPS/ok" f0*.txt
only_inputs "no bundle"
# another CA's bundle
expect 7 "^kyso sign: $TLSERR; check the CA bundle $P/other-root.pem \(tsa-cacert\): it must hold a CA of the server's certificate chain$" \
    S --tsa "$HTTPS/ok" --tsa-cacert "$P/other-root.pem" f*.txt
only_inputs "another CA's bundle"
# the system's bundle named: it does not know the test PKI either
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
	expect 7 "^kyso sign: $TLSERR; check the CA bundle /etc/ssl/certs/ca-certificates.crt \(tsa-cacert\)" \
	    S --tsa "$HTTPS/ok" --tsa-cacert /etc/ssl/certs/ca-certificates.crt f00.txt
	only_inputs "the system's bundle"
fi
# the same from kyso.conf, and with --json: one object with the message
conf "[sign]" "tsa = $HTTPS/ok" "tsa-cacert = $P/other-root.pem"
S --config "$T/kyso.conf" --json f00.txt f01.txt > "$T/j.out" 2>/dev/null
rc=$?
[ "$rc" = 7 ] && python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["ok"] is False and d["exit"] == 7 and d["files"] == [] and
         "TLS certificate verification of the time-stamp server" in d["error"] and
         "(tsa-cacert)" in d["error"] else 1)' "$T/j.out" &&
    pass "kyso.conf's bundle of another CA, --json: exit 7, the TLS message, no file" ||
    fail "exit $rc, --json: $(cat "$T/j.out")"
only_inputs "another CA's bundle in kyso.conf"
tsa_stats reset >/dev/null
[ "$(tsa_stat requests)" = 0 ] && pass "no request sent over an unverified connection" ||
    fail "$(tsa_stat requests) requests reached the server through an unverified TLS connection"

# ---- bundles that cannot be used: refused before the PIN, nothing signed -------------------
# (NOPIN is unset: a PIN asked for would fail with exit 5 and its own message)
N() { "$KYSO" sign --key "$KEY" --pin-source env:NOPIN "$@"; }
unset NOPIN
expect 6 "^kyso sign: cannot read the time-stamp server's CA bundle $T/none.pem: No such file or directory; check the file name \(tsa-cacert\)$" \
    N --tsa "$HTTPS/ok" --tsa-cacert "$T/none.pem" f00.txt
mkdir "$T/cadir"
expect 3 "^kyso sign: the time-stamp server's CA bundle $T/cadir is a directory, not a file; name a PEM file of the CA certificates that issue the server's \(tsa-cacert\)$" \
    N --tsa "$HTTPS/ok" --tsa-cacert "$T/cadir" f00.txt
openssl x509 -in "$CA" -outform DER -out "$T/root.der"
expect 6 "^kyso sign: the time-stamp server's CA bundle $T/root.der holds no PEM certificate; name a PEM file of the CA certificates that issue the server's \(tsa-cacert\)$" \
    N --tsa "$HTTPS/ok" --tsa-cacert "$T/root.der" f00.txt
: > "$T/empty.pem"
expect 6 "holds no PEM certificate" N --tsa "$HTTPS/ok" --tsa-cacert "$T/empty.pem" f00.txt
mkfifo "$T/fifo.pem"
expect 3 "^kyso sign: the time-stamp server's CA bundle $T/fifo.pem is a FIFO, not a file" \
    N --tsa "$HTTPS/ok" --tsa-cacert "$T/fifo.pem" f00.txt
if [ "$(id -u)" != 0 ]; then
	cp "$CA" "$T/locked.pem"
	chmod 000 "$T/locked.pem"
	expect 6 "^kyso sign: cannot read the time-stamp server's CA bundle $T/locked.pem: Permission denied" \
	    N --tsa "$HTTPS/ok" --tsa-cacert "$T/locked.pem" f00.txt
fi
# from kyso.conf: the file and line too
conf "[sign]" "tsa = $HTTPS/ok" "tsa-cacert = $T/none.pem"
expect 6 "^kyso sign: $T/kyso.conf:3: cannot read the time-stamp server's CA bundle $T/none.pem: No such file or directory" \
    N --config "$T/kyso.conf" f00.txt
N --tsa "$HTTPS/ok" --tsa-cacert "$T/none.pem" --json f00.txt > "$T/j.out" 2>/dev/null
rc=$?
[ "$rc" = 6 ] && python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["ok"] is False and d["exit"] == 6 and "cannot read the time-stamp server" in d["error"] else 1)' "$T/j.out" &&
    pass "--json: exit 6 and the bundle's message" || fail "exit $rc, --json: $(cat "$T/j.out")"
# the referee that the PIN would have been asked: the same run with a good bundle
expect 5 "PIN" N --tsa "$HTTPS/ok" --tsa-cacert "$CA" f00.txt
only_inputs "refused bundles"

# ---- --tsa-cacert without an https server: usage errors (exit 3) ------------------------------
expect 3 "^kyso sign: a CA bundle for the time-stamp server \(tsa-cacert\) verifies an https:// server, but $PKISRV/ok is plain http://: no TLS, nothing to verify; give its https:// URL, or leave the CA bundle out$" \
    N --tsa "$PKISRV/ok" --tsa-cacert "$CA" f00.txt
expect 3 "^kyso sign: --tsa-cacert names the CA bundle of an https:// time-stamp server, but --no-tsa asks for none$" \
    N --no-tsa --tsa-cacert "$CA" f00.txt
expect 3 "^kyso sign: --tsa-cacert names the CA bundle of an https:// time-stamp server, but none is named \(--tsa URL, or tsa in kyso.conf\)$" \
    N --tsa-cacert "$CA" f00.txt
expect 3 "^kyso sign: --tsa-cacert takes the PEM file" N --tsa "$HTTPS/ok" --tsa-cacert "" f00.txt
conf "[sign]" "tsa = $PKISRV/ok" "tsa-cacert = $CA"
expect 3 "^kyso sign: $T/kyso.conf:3: a CA bundle for the time-stamp server \(tsa-cacert\) verifies an https:// server, but $PKISRV/ok is plain http://" \
    N --config "$T/kyso.conf" f00.txt
conf "tsa = $HTTPS/ok" "tsa_cacert = $CA" "[sign]" "tsa-cacert = $CA"
expect 3 "^kyso sign: $T/kyso.conf:4: tsa-cacert and $T/kyso.conf:2: tsa_cacert are one setting \(the time-stamp server's CA bundle\); keep one$" \
    N --config "$T/kyso.conf" f00.txt
only_inputs "usage errors"
tsa_stats reset >/dev/null
[ "$(tsa_stat requests)" = 0 ] && pass "no request for a refused run" ||
    fail "$(tsa_stat requests) requests for refused runs"

done_testing
