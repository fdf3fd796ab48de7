#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Signing and verification benchmarks (not part of make check): `make bench-sign`.
#
#  1. batch signing of N small files with one login, RSA-2048 and EC P-256 on
#     SoftHSM, against the raw C_Sign rate of the same key on the same token
#     measured in the same run by bench/p11_rawsign (target >= 0.90x, as
#     rates per wall second: files signed/s against signatures/s);
#  2. batch verification of the N signatures in one kyso process, against
#     `openssl speed` verify for the key type and N `openssl cms -verify` processes;
#  3. signing a 1 GiB file, against `openssl dgst -sha256` of the same file
#     (target >= 0.90x), with peak memory (/usr/bin/time -v); and verifying it.
#
# Each side runs BENCH_RUNS times, alternating, and the median is reported with
# the spread (min-max) as a measure of how noisy the machine is.  Batch signing,
# whose runs take a tenth of a second and move by up to 50 % on a shared
# machine, runs BENCH_SIGN_RUNS times (default 21).
#
# Environment: top_srcdir, top_builddir (default: the build tree of this script's
# tree), BENCH_N (default 1000), BENCH_BIG_MB (default 1024), BENCH_RUNS (median
# of, default 7), BENCH_SIGN_RUNS (default 21), BENCH_DIR (work directory; default a fresh one in /dev/shm or
# $TMPDIR: a tmpfs keeps the disk out of the main measurement), BENCH_DISK_DIR
# (default /var/tmp: a directory on a disk file system for the batch with
# durable outputs; "none" skips it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(dirname "$here")}
top_builddir=${top_builddir:-$top_srcdir/build}
KYSO=${KYSO:-$top_builddir/tools/kyso}
RAW=${RAW:-$top_builddir/bench/p11_rawsign}
N=${BENCH_N:-1000}
BIG_MB=${BENCH_BIG_MB:-1024}
RUNS=${BENCH_RUNS:-7}
SIGN_RUNS=${BENCH_SIGN_RUNS:-21}
DISK_DIR=${BENCH_DISK_DIR:-/var/tmp}
for t in "$KYSO" "$RAW"; do
	[ -x "$t" ] || { echo "sign_bench: $t is missing (make bench-sign builds it)" >&2; exit 1; }
done
BENCH_NAME=sign_bench
. "$top_srcdir/bench/bench_lib.sh"
bench_kyso_direct
bench_softhsm_module
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
field() { echo "$1" | cut -d' ' -f"$2"; }
minimum() { printf '%s\n' "$@" | sort -g | head -1; }
# paired "A1 A2 ..." "B1 B2 ...": the median of A[i] / B[i] (runs made one
# right after the other see about the same machine)
paired() { median $(printf '%s\n%s\n' "$1" "$2" | awk 'NR == 1 { n = split($0, a) }
	NR == 2 { split($0, b); for (i = 1; i <= n; i++) print a[i] / b[i] }'); }
runs_ms() { for v in "$@"; do printf ' %.0f' "$(echo "$v" | awk '{ print $1 * 1000 }')"; done; }

echo "== machine"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') ($(nproc) CPUs)"
echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "kernel: $(uname -sr); $(openssl version); SoftHSM $(softhsm2-util --version)"
echo "work dir: $D"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- set-up: test PKI and a fresh token ----------------------------------------
sh "$top_srcdir/certs/mkpki.sh" "$D/pki" >/dev/null 2>&1
KYSO_TRUST_DIR=$top_srcdir/certs/trust
export KYSO_TRUST_DIR
bench_token "$D" rsa ec
bench_files "$D/files" "$N"
cd "$D/files"

# ---- 1. batch signing vs raw C_Sign ---------------------------------------------
# kyso signs new files (the outputs of the previous run are removed, untimed),
# as a user does; both programs are whole processes (module load, C_Initialize,
# login included).  The fixed cost of a process is measured apart (one
# signature, one file), and the rates without it ("marginal": per extra file)
# are given too.
echo
echo "== 1. batch signing of $N files (1 KiB each), one login, vs raw C_Sign (median of $SIGN_RUNS)"
ksign() { # KEY [OPTIONS] FILES...: kyso sign, outputs removed first
	k=$1
	shift
	rm -f ./*.p7s
	measure "$KYSO" sign --key "pkcs11:token=bench;object=$k" \
	    --pin-source env:KYSO_BENCH_PIN --chain "$D/pki/chain.pem" "$@"
}
# kyso signs on one token session per CPU, at most 4 (SoftHSM signs on
# several at once); the raw program on one, the target's baseline.  Measured
# in the same alternation: kyso on one session (--sessions 1), the cost of
# kyso's own work per file; and the raw program on as many sessions as kyso,
# what the token gives when asked that way.
LANES=$(nproc 2>/dev/null || echo 1)
[ "$LANES" -gt 4 ] && LANES=4
for k in rsa ec; do
	rw= rc= kw= kc= r1= k1= sw= pw=
	r=0
	while [ "$r" -lt "$SIGN_RUNS" ]; do
		m=$(measure "$RAW" "$MODULE" bench "$k" "$k" "$N")
		rw="$rw $(field "$m" 1)" rc="$rc $(field "$m" 2)"
		pw="$pw $(field "$(measure "$RAW" "$MODULE" bench "$k" "$k" "$N" "$LANES")" 1)"
		m=$(ksign "$k" f*.txt)
		kw="$kw $(field "$m" 1)" kc="$kc $(field "$m" 2)"
		sw="$sw $(field "$(ksign "$k" --sessions 1 f*.txt)" 1)"
		r1="$r1 $(field "$(measure "$RAW" "$MODULE" bench "$k" "$k" 1)" 1)"
		k1="$k1 $(field "$(ksign "$k" f00000.txt)" 1)"
		r=$((r + 1))
	done
	mrw=$(median $rw) mrc=$(median $rc) mkw=$(median $kw) mkc=$(median $kc)
	mr1=$(median $r1) mk1=$(median $k1)
	echo "$k: per wall second: raw C_Sign $(div "$N" "$mrw")/s, kyso sign $(div "$N" "$mkw")" \
	    "files/s: ratio $(ratio "$mrw" "$mkw") (target >= 0.90)"
	echo "    runs (ms): raw$(runs_ms $rw); kyso$(runs_ms $kw)"
	echo "    best runs (the least disturbed on a shared machine): raw $(ms "$(minimum $rw)") ms," \
	    "kyso $(ms "$(minimum $kw)") ms: ratio $(ratio "$(minimum $rw)" "$(minimum $kw)");" \
	    "median of the run-by-run ratios $(ratio "$(paired "$rw" "$kw")" 1)"
	echo "    per CPU second: raw $(div "$N" "$mrc")/s, kyso $(div "$N" "$mkc") files/s:" \
	    "ratio $(ratio "$mrc" "$mkc")"
	echo "    kyso on one session (--sessions 1): $(div "$N" "$(median $sw)") files/s: ratio" \
	    "$(ratio "$mrw" "$(median $sw)"); run-by-run $(ratio "$(paired "$rw" "$sw")" 1);" \
	    "runs (ms):$(runs_ms $sw)"
	echo "    raw C_Sign on $LANES sessions (as kyso signs): $(div "$N" "$(median $pw)")/s;" \
	    "kyso against it: $(ratio "$(median $pw)" "$mkw")"
	echo "    one signature: raw process $(ms "$mr1") ms, kyso process $(ms "$mk1") ms;" \
	    "per extra file: raw $(div "$((N - 1))" "$(echo "$mrw $mr1" | awk '{ print $1 - $2 }')")/s," \
	    "kyso $(div "$((N - 1))" "$(echo "$mkw $mk1" | awk '{ print $1 - $2 }')")/s: ratio" \
	    "$(echo "$mrw $mr1 $mkw $mk1" | awk '{ printf "%.2f", ($1 - $2) / ($3 - $4) }')"
	[ "$k" = rsa ] && ksign rsa f*.txt >/dev/null && mkdir -p "$D/sig-rsa" && cp f*.txt.p7s "$D/sig-rsa/"
done
ksign ec f*.txt >/dev/null
echo "(medians of $SIGN_RUNS alternating runs; the runs show how noisy the machine is)"
if [ "$DISK_DIR" != none ] && [ -d "$DISK_DIR" ] && [ -w "$DISK_DIR" ]; then
	# Durable outputs cost a sync on a disk; kyso syncs once per group of
	# files (syncfs), not once per file.
	G=$(mktemp -d "$DISK_DIR/kyso-bench-disk.XXXXXX")
	cp f*.txt "$G/"
	kw=
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		kw="$kw $(cd "$G" && field "$(ksign ec f*.txt)" 1)"
		r=$((r + 1))
	done
	echo "ec, outputs on $(df -PT "$G" | awk 'NR == 2 { print $1 " (" $2 }')," \
	    "durable): kyso sign $(div "$N" "$(median $kw)") files/s; runs (ms):$(runs_ms $kw)"
	rm -rf "$G"
fi

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
echo "== 3. a ${BIG_MB} MiB file: kyso sign vs openssl dgst -sha256 (median of $RUNS), peak memory"
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
dg=$(median $dg) ks=$(median $ks) dgw=$(median $dgw) ksw=$(median $ksw)
echo "per wall second: openssl dgst -sha256 $dgw MiB/s; kyso sign (detached) $ksw MiB/s;" \
    "ratio $(ratio "$ksw" "$dgw") (target >= 0.90)"
echo "per CPU second: openssl dgst -sha256 $dg MiB/s; kyso sign (detached) $ks MiB/s;" \
    "ratio $(ratio "$ks" "$dg")"
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
# Constant memory: the same command on a 1 MiB file.
head -c 1048576 /dev/urandom > small.bin
peak() { /usr/bin/time -v -o "$D/time.txt" "$@" >/dev/null 2>&1 &&
    awk '/Maximum resident/ { print $NF }' "$D/time.txt"; }
echo "kyso sign peak RSS: 1 MiB file $(peak "$KYSO" sign --key "pkcs11:token=bench;object=ec" \
    --pin-source env:KYSO_BENCH_PIN --chain "$D/pki/chain.pem" --force small.bin) KiB," \
    "${BIG_MB} MiB file $(peak "$KYSO" sign --key "pkcs11:token=bench;object=ec" \
    --pin-source env:KYSO_BENCH_PIN --chain "$D/pki/chain.pem" --force big.bin) KiB"
