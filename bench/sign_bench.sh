#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Signing and verification benchmarks (not part of make check): `make bench-sign`.
#
#  1. batch signing of N small files with one login, RSA-2048 and EC P-256 on
#     SoftHSM, against the raw C_Sign rate of the same key measured in the
#     same run by bench/p11_rawsign (target >= 0.90x);
#  2. batch verification of the N signatures in one kyso process, against
#     `openssl speed` verify for the key type and N `openssl cms -verify` processes;
#  3. signing a 1 GiB file, against `openssl dgst -sha256` of the same file
#     (target >= 0.90x), with peak memory (/usr/bin/time -v); and verifying it.
#
# Environment: top_srcdir, top_builddir (default: the build tree of this script's
# tree), BENCH_N (default 1000), BENCH_BIG_MB (default 1024), BENCH_RUNS (best of,
# default 3), BENCH_DIR (work directory; default a fresh one in /dev/shm or $TMPDIR:
# outputs are fsync'ed, so a tmpfs keeps the disk out of the measurement).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(dirname "$here")}
top_builddir=${top_builddir:-$top_srcdir/build}
KYSO=${KYSO:-$top_builddir/tools/kyso}
RAW=${RAW:-$top_builddir/bench/p11_rawsign}
N=${BENCH_N:-1000}
BIG_MB=${BENCH_BIG_MB:-1024}
RUNS=${BENCH_RUNS:-3}
for t in "$KYSO" "$RAW"; do
	[ -x "$t" ] || { echo "sign_bench: $t is missing (make bench-sign builds it)" >&2; exit 1; }
done
MODULE=
for m in ${SOFTHSM_MODULE:-} /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
	[ -z "$MODULE" ] && [ -f "$m" ] && MODULE=$m
done
[ -n "$MODULE" ] || { echo "sign_bench: SoftHSM2 is missing" >&2; exit 1; }
if [ -z "${BENCH_DIR:-}" ]; then
	base=${TMPDIR:-/tmp}
	[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
	D=$(mktemp -d "$base/kyso-bench.XXXXXX")
	trap 'rm -rf "$D"' EXIT INT TERM
else
	D=$BENCH_DIR
	mkdir -p "$D"
fi

# measure CMD...: run CMD (output discarded) and print "WALL CPU": wall seconds
# and CPU seconds (user + system, the command and its children).  CPU time is
# the fair measure on a shared machine; both are printed.
measure() {
	python3 -c '
import resource, subprocess, sys, time
u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t1 = time.monotonic()
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f %.4f" % (t1 - t0, u.ru_utime + u.ru_stime - u0.ru_utime - u0.ru_stime))
sys.exit(r.returncode)' "$@"
}
div() { echo "$1 $2" | awk '{ printf "%.1f", $1 / $2 }'; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
best() { printf '%s\n' "$@" | sort -g | tail -1; }
field() { echo "$1" | cut -d' ' -f"$2"; }

echo "== machine"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') ($(nproc) CPUs)"
echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "kernel: $(uname -sr); $(openssl version); SoftHSM $(softhsm2-util --version)"
echo "work dir: $D"

# ---- set-up: test PKI and a fresh token ----------------------------------------
sh "$top_srcdir/certs/mkpki.sh" "$D/pki" >/dev/null 2>&1
mkdir -p "$D/softhsm"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$D/softhsm" > "$D/softhsm2.conf"
SOFTHSM2_CONF=$D/softhsm2.conf
KYSO_PKCS11_MODULE=$MODULE
KYSO_BENCH_PIN=123456
KYSO_TRUST_DIR=$top_srcdir/certs/trust
export SOFTHSM2_CONF KYSO_PKCS11_MODULE KYSO_BENCH_PIN KYSO_TRUST_DIR
softhsm2-util --init-token --free --label bench --so-pin 12345678 --pin "$KYSO_BENCH_PIN" >/dev/null
id=1
for k in rsa ec; do
	softhsm2-util --import "$D/pki/signer-$k.key" --token bench --label "$k" --id "0$id" \
	    --pin "$KYSO_BENCH_PIN" >/dev/null
	openssl x509 -in "$D/pki/signer-$k.pem" -outform DER -out "$D/$k.der"
	pkcs11-tool --module "$MODULE" --token-label bench --login --pin "$KYSO_BENCH_PIN" \
	    --write-object "$D/$k.der" --type cert --id "0$id" --label "$k" >/dev/null 2>&1
	id=$((id + 1))
done
mkdir -p "$D/files"
i=0
while [ "$i" -lt "$N" ]; do
	head -c 1024 /dev/urandom > "$D/files/f$(printf %05d "$i").txt"
	i=$((i + 1))
done
cd "$D/files"

# ---- 1. batch signing vs raw C_Sign ---------------------------------------------
echo
echo "== 1. batch signing of $N files (1 KiB each), one login, vs raw C_Sign (best of $RUNS)"
for k in rsa ec; do
	rw= rc= kw= kc=
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		m=$(measure "$RAW" "$MODULE" bench "$k" "$k" "$N")
		rw="$rw $(div "$N" "$(field "$m" 1)")"
		rc="$rc $(div "$N" "$(field "$m" 2)")"
		m=$(measure "$KYSO" sign --key "pkcs11:token=bench;object=$k" \
		    --pin-source env:KYSO_BENCH_PIN --chain "$D/pki/chain.pem" --force f*.txt)
		kw="$kw $(div "$N" "$(field "$m" 1)")"
		kc="$kc $(div "$N" "$(field "$m" 2)")"
		r=$((r + 1))
	done
	rw=$(best $rw) rc=$(best $rc) kw=$(best $kw) kc=$(best $kc)
	echo "$k: per CPU second: raw C_Sign $rc/s, kyso sign $kc files/s, ratio $(ratio "$kc" "$rc") (target >= 0.90)"
	echo "$k: per wall second: raw C_Sign $rw/s, kyso sign $kw files/s, ratio $(ratio "$kw" "$rw")"
	[ "$k" = rsa ] && mkdir -p "$D/sig-rsa" && cp f*.txt.p7s "$D/sig-rsa/"
done
echo "(both sides are whole processes: module load, C_Initialize and the login included)"

# ---- 2. batch verification ---------------------------------------------------------
echo
echo "== 2. verification of $N signatures (EC P-256, then RSA-2048)"
speed_verify() { # ALG: openssl speed verify/s for one key size
	openssl speed -seconds 2 "$1" 2>/dev/null | awk -v a="$2" '$0 ~ a { print $(NF) }' | tail -1
}
for k in ec rsa; do
	[ "$k" = rsa ] && cp "$D"/sig-rsa/*.p7s .
	m=$(measure "$KYSO" verify --no-default-trust --trust "$D/pki/root.pem" f*.txt.p7s) ||
	    { echo "verification failed" >&2; exit 1; }
	kc=$(div "$N" "$(field "$m" 2)") kw=$(div "$N" "$(field "$m" 1)")
	if [ "$k" = rsa ]; then
		sp=$(speed_verify rsa2048 '^rsa +2048')
	else
		sp=$(speed_verify ecdsap256 '256 bits ecdsa')
	fi
	m=$(measure sh -c 'for f in f*.txt; do openssl cms -verify -binary -inform DER -in "$f.p7s" \
	    -content "$f" -CAfile "$0" -purpose any -out /dev/null || exit 1; done' "$D/pki/root.pem")
	oc=$(div "$N" "$(field "$m" 2)") ow=$(div "$N" "$(field "$m" 1)")
	echo "$k: kyso verify (one process) $kc sig/CPU-s ($kw/wall-s);" \
	    "openssl speed verify $sp/s -> ratio $(ratio "$kc" "$sp");" \
	    "$N openssl cms -verify processes $oc sig/CPU-s ($ow/wall-s) -> kyso is $(ratio "$kc" "$oc")x"
done
echo "(each kyso verification checks 3 signatures: the CMS one and 2 certificates of the path)"

# ---- 3. a 1 GiB file ----------------------------------------------------------------
echo
echo "== 3. a ${BIG_MB} MiB file: kyso sign vs openssl dgst -sha256 (best of $RUNS), peak memory"
cd "$D"
head -c $((BIG_MB * 1048576)) /dev/urandom > big.bin
cat big.bin > /dev/null
dg= ks= dgw= ksw= r=0
while [ "$r" -lt "$RUNS" ]; do
	m=$(measure openssl dgst -sha256 big.bin)
	dg="$dg $(div "$BIG_MB" "$(field "$m" 2)")" dgw="$dgw $(div "$BIG_MB" "$(field "$m" 1)")"
	m=$(measure "$KYSO" sign --key "pkcs11:token=bench;object=ec" --pin-source env:KYSO_BENCH_PIN \
	    --chain "$D/pki/chain.pem" --force big.bin)
	ks="$ks $(div "$BIG_MB" "$(field "$m" 2)")" ksw="$ksw $(div "$BIG_MB" "$(field "$m" 1)")"
	r=$((r + 1))
done
dg=$(best $dg) ks=$(best $ks) dgw=$(best $dgw) ksw=$(best $ksw)
echo "per CPU second: openssl dgst -sha256 $dg MiB/s; kyso sign (detached) $ks MiB/s;" \
    "ratio $(ratio "$ks" "$dg") (target >= 0.90)"
echo "per wall second: openssl dgst -sha256 $dgw MiB/s; kyso sign (detached) $ksw MiB/s;" \
    "ratio $(ratio "$ksw" "$dgw")"
show() { # LABEL CMD...: peak memory (/usr/bin/time -v) and throughput of one run
	label=$1
	shift
	/usr/bin/time -v -o "$D/time.txt" "$@" >/dev/null 2>&1 || { echo "  $label: FAILED"; return; }
	rss=$(awk '/Maximum resident/ { print $NF }' "$D/time.txt")
	m=$(measure "$@")
	printf '  %-32s %8s KiB peak RSS, %s MiB/CPU-s, %s MiB/wall-s\n' "$label" "$rss" \
	    "$(div "$BIG_MB" "$(field "$m" 2)")" "$(div "$BIG_MB" "$(field "$m" 1)")"
}
show "openssl dgst -sha256" openssl dgst -sha256 big.bin
show "kyso sign (detached)" "$KYSO" sign --key "pkcs11:token=bench;object=ec" \
    --pin-source env:KYSO_BENCH_PIN --chain "$D/pki/chain.pem" --force big.bin
show "kyso sign --enveloping" "$KYSO" sign --key "pkcs11:token=bench;object=ec" \
    --pin-source env:KYSO_BENCH_PIN --chain "$D/pki/chain.pem" --force --enveloping \
    -o big.env.p7s big.bin
show "kyso verify (detached)" "$KYSO" verify --trust "$D/pki/root.pem" big.bin.p7s
show "kyso verify (attached)" "$KYSO" verify --trust "$D/pki/root.pem" big.env.p7s
show "openssl cms -verify (attached)" openssl cms -verify -binary -inform DER -in big.env.p7s \
    -CAfile "$D/pki/root.pem" -purpose any -out /dev/null
echo "(--enveloping reads the file twice and writes it; openssl reads the whole signature into memory)"
