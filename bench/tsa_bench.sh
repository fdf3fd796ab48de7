#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Time-stamped batch signing (kyso sign --tsa URL f1 ... fN) against a stand-in
# RFC 3161 server on 127.0.0.1 (tests/pkisrv/pkisrv.py) that holds each answer
# back BENCH_TSA_DELAY_MS (default 20) milliseconds, as a remote server would.
# Not part of make check; run by `make bench-tsa`, or by hand:
#
#   sh bench/tsa_bench.sh                      (build tree: ./build)
#   top_builddir=$PWD/build-tsa sh bench/tsa_bench.sh
#
# Printed, each the median of BENCH_RUNS (default 3) runs:
#   - the same batch without a time-stamp server (the token's rate: the ceiling);
#   - one time-stamp request on a new connection (curl), so N x that latency is
#     what asking one file after the other on new connections costs;
#   - the batch with --tsa: files/s, the ratio against N x the single request
#     (> 1: faster than one request after the other) and against the batch
#     without time-stamps, and from the server: TCP connections opened, the
#     most requests in flight at once;
#   - the same batch against the server over https (its certificate from the
#     test PKI, named with --tsa-cacert), once with the server keeping its
#     connections (keep-alive: one TLS handshake per connection) and once
#     with a server that closes each after one answer (--no-keepalive: a TCP
#     connection and a TLS handshake per file): files/s and connections of
#     each, and the ratio of the two (what reusing TLS connections gains);
#     and one https request on a new connection (curl), for comparison.
#     On 127.0.0.1 a handshake costs no round trip: BENCH_TSA_CONNECT_DELAY_MS
#     (default 0) holds each new connection back that long (both servers,
#     http and https), as the round trips of the TCP and TLS handshakes to a
#     distant server would.
# With KYSO_BASE=PATH (another kyso binary, e.g. a build from before a change)
# its --tsa batch is measured in the same run too, and the ratio printed.
#
# Environment: top_srcdir, top_builddir, BENCH_N (files, default 150),
# BENCH_RUNS, BENCH_TSA_DELAY_MS, BENCH_TSA_CONNECT_DELAY_MS, BENCH_DIR (work
# directory; default a fresh one).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(dirname "$here")}
top_builddir=${top_builddir:-$top_srcdir/build}
KYSO=${KYSO:-$top_builddir/tools/kyso}
N=${BENCH_N:-150}
RUNS=${BENCH_RUNS:-3}
DELAY=${BENCH_TSA_DELAY_MS:-20}
CDELAY=${BENCH_TSA_CONNECT_DELAY_MS:-0}
[ -x "$KYSO" ] || { echo "tsa_bench: $KYSO is missing (build first)" >&2; exit 1; }
for t in python3 curl openssl softhsm2-util pkcs11-tool; do
	command -v "$t" >/dev/null 2>&1 || { echo "tsa_bench: $t is missing" >&2; exit 1; }
done
BENCH_NAME=tsa_bench
. "$top_srcdir/bench/bench_lib.sh"
bench_kyso_direct
bench_softhsm_module
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
NO_PROXY=127.0.0.1,localhost
no_proxy=$NO_PROXY
export NO_PROXY no_proxy
srvs=
if [ -z "${BENCH_DIR:-}" ]; then
	D=$(mktemp -d "${TMPDIR:-/tmp}/kyso-tsa-bench.XXXXXX")
	trap 'for p in $srvs; do kill "$p" 2>/dev/null; done; rm -rf "$D"' EXIT INT TERM
else
	D=$BENCH_DIR
	mkdir -p "$D"
	trap 'for p in $srvs; do kill "$p" 2>/dev/null; done' EXIT INT TERM
fi

# wall CMD...: run CMD (output discarded), print its wall seconds; fail with it
wall() {
	python3 -c '
import subprocess, sys, time
t0 = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
print("%.4f" % (time.monotonic() - t0))
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode("utf-8", "replace"))
sys.exit(r.returncode)' "$@"
}
rate() { echo "$1 $2" | awk '{ printf "%.1f", $1 / $2 }'; }

echo "== machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $(openssl version)"

# ---- set-up: test PKI, a token with the EC signer, N files, the server -----------
sh "$top_srcdir/certs/mkpki.sh" "$D/pki" >/dev/null 2>&1
bench_token "$D" ec
bench_files "$D/files" "$N"
cat "$D/pki/tls-server.pem" "$D/pki/gov-ca.pem" > "$D/tls-chain.pem"
# server NAME [pkisrv.py options]: a stand-in server answering http and https,
# its output in $D/NAME.out
server() {
	_n=$1
	shift
	mkdir -p "$D/$_n"
	python3 "$top_srcdir/tests/pkisrv/pkisrv.py" --pki "$D/pki" --dir "$D/$_n" --log /dev/null \
	    --delay-ms "$DELAY" --connect-delay-ms "$CDELAY" --tls-cert "$D/tls-chain.pem" \
	    --tls-key "$D/pki/tls-server.key" "$@" > "$D/$_n.out" 2> "$D/$_n.err" &
	_p=$!
	srvs="$srvs $_p"
	_i=0
	while ! grep -q '^ready ' "$D/$_n.out" 2>/dev/null; do
		_i=$((_i + 1))
		[ "$_i" -lt 200 ] && kill -0 "$_p" 2>/dev/null || { cat "$D/$_n.err" >&2; exit 1; }
		sleep 0.1
	done
}
server srv
URL=http://127.0.0.1:$(sed -n 's/^ready //p' "$D/srv.out")
HTTPS=https://127.0.0.1:$(sed -n 's/^tls //p' "$D/srv.out")
# a server that closes each connection after one answer
server close --no-keepalive
CURL_C=http://127.0.0.1:$(sed -n 's/^ready //p' "$D/close.out")
HTTPS_C=https://127.0.0.1:$(sed -n 's/^tls //p' "$D/close.out")
CA=$D/pki/trust.pem
cd "$D/files"

ksign() { # KYSO [OPTIONS]: sign every file, outputs removed first
	_k=$1
	shift
	rm -f ./*.p7s
	wall "$_k" sign --key "pkcs11:token=bench;object=ec" --pin-source env:KYSO_BENCH_PIN \
	    --chain "$D/pki/chain.pem" "$@" f*.txt
}
stats() { curl -s "${1:-$URL}/stats?reset"; }
stat_of() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
# check_n STATS: the server saw one request per file
check_n() {
	[ "$(stat_of "$1" requests)" = "$N" ] ||
	    { echo "tsa_bench: $(stat_of "$1" requests) requests for $N files" >&2; exit 1; }
}

# one request on a new connection (as one-shot callers make it), the median of 15
openssl ts -query -data "$D/pki/root.pem" -sha256 -cert -out "$D/q.tsq" 2>/dev/null
one=
i=0
while [ "$i" -lt 15 ]; do
	one="$one $(wall curl -sf -o /dev/null -H 'Content-Type: application/timestamp-query' \
	    --data-binary "@$D/q.tsq" "$URL/ok")"
	i=$((i + 1))
done
one=$(median $one)
# the same over https: a TCP connection and a TLS handshake each
onetls=
i=0
while [ "$i" -lt 15 ]; do
	onetls="$onetls $(wall curl -sf -o /dev/null --cacert "$CA" \
	    -H 'Content-Type: application/timestamp-query' --data-binary "@$D/q.tsq" "$HTTPS/ok")"
	i=$((i + 1))
done
onetls=$(median $onetls)
stats >/dev/null
stats "$CURL_C" >/dev/null

plain= tsa= base= conns= inflight= bconns= binflight=
tls= tlsc= tconns= tinflight= tcconns= tcinflight=
r=0
while [ "$r" -lt "$RUNS" ]; do
	plain="$plain $(ksign "$KYSO")"
	tsa="$tsa $(ksign "$KYSO" --tsa "$URL/ok")"
	s=$(stats)
	conns="$conns $(stat_of "$s" connections)" inflight="$inflight $(stat_of "$s" max_inflight)"
	check_n "$s"
	tls="$tls $(ksign "$KYSO" --tsa "$HTTPS/ok" --tsa-cacert "$CA")"
	s=$(stats)
	tconns="$tconns $(stat_of "$s" connections)" tinflight="$tinflight $(stat_of "$s" max_inflight)"
	check_n "$s"
	tlsc="$tlsc $(ksign "$KYSO" --tsa "$HTTPS_C/ok" --tsa-cacert "$CA")"
	s=$(stats "$CURL_C")
	tcconns="$tcconns $(stat_of "$s" connections)" tcinflight="$tcinflight $(stat_of "$s" max_inflight)"
	check_n "$s"
	if [ -n "${KYSO_BASE:-}" ]; then
		base="$base $(ksign "$KYSO_BASE" --tsa "$URL/ok")"
		s=$(stats)
		bconns="$bconns $(stat_of "$s" connections)" binflight="$binflight $(stat_of "$s" max_inflight)"
	fi
	r=$((r + 1))
done
mp=$(median $plain) mt=$(median $tsa)
seq=$(echo "$N $one" | awk '{ print $1 * $2 }')
echo "== $N files (1 KiB, EC P-256 on SoftHSM), TSA answer delay $DELAY ms, new connection" \
    "delay $CDELAY ms (median of $RUNS runs)"
echo "without a time-stamp server: $(rate "$N" "$mp") files/s ($(ms "$mp") ms)"
echo "one time-stamp request on a new connection: $(ms "$one") ms; $N x that: $(ms "$seq") ms" \
    "= $(rate "$N" "$seq") files/s"
echo "kyso sign --tsa: $(rate "$N" "$mt") files/s ($(ms "$mt") ms): ratio $(ratio "$seq" "$mt")" \
    "against $N x one request, $(ratio "$mp" "$mt") of the rate without time-stamps;" \
    "connections per batch:$conns; most in flight:$inflight"
mtls=$(median $tls) mtlsc=$(median $tlsc)
echo "one https time-stamp request on a new connection (TLS handshake included):" \
    "$(ms "$onetls") ms; $N x that: $(ms "$(echo "$N $onetls" | awk '{ print $1 * $2 }')") ms"
echo "kyso sign --tsa https, server keeps connections: $(rate "$N" "$mtls") files/s" \
    "($(ms "$mtls") ms); connections per batch:$tconns; most in flight:$tinflight"
echo "kyso sign --tsa https, server closes each (--no-keepalive): $(rate "$N" "$mtlsc") files/s" \
    "($(ms "$mtlsc") ms); connections per batch:$tcconns; most in flight:$tcinflight"
echo "https: keeping the TLS connections is $(ratio "$mtlsc" "$mtls")x as fast as a" \
    "connection and handshake per file; https keep-alive is $(ratio "$mt" "$mtls") of the" \
    "http rate"
if [ -n "${KYSO_BASE:-}" ]; then
	mb=$(median $base)
	echo "KYSO_BASE sign --tsa: $(rate "$N" "$mb") files/s ($(ms "$mb") ms); connections per" \
	    "batch:$bconns; most in flight:$binflight; this kyso is $(ratio "$mb" "$mt")x as fast"
fi
