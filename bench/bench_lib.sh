# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the signing benchmarks (sourced once top_srcdir, top_builddir and
# KYSO are set; BENCH_NAME names the script in messages):
#
#   bench_kyso_direct       in a build tree tools/kyso is libtool's wrapper
#                           script, which costs a shell and ~10 ms per run:
#                           KYSO becomes the program itself, with the
#                           uninstalled library
#   bench_softhsm_module    MODULE = the SoftHSM2 module (or exit 1)
#   bench_token D KEY...    a fresh SoftHSM store in D/softhsm (exports
#                           SOFTHSM2_CONF, KYSO_PKCS11_MODULE, KYSO_BENCH_PIN)
#                           with token "bench" holding each signer KEY (rsa,
#                           ec) of the test PKI in D/pki and its certificate,
#                           labelled KEY, ids 01, 02, ...
#   bench_files DIR N       N files of 1 KiB of random bytes, f00000.txt ...
#   median V...  ratio A B  ms SECONDS

bench_kyso_direct() {
	if [ -x "$top_builddir/tools/.libs/kyso" ] && [ "$KYSO" = "$top_builddir/tools/kyso" ]; then
		KYSO=$top_builddir/tools/.libs/kyso
		LD_LIBRARY_PATH=$top_builddir/libsign/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
		export LD_LIBRARY_PATH
	fi
}

bench_softhsm_module() {
	MODULE=
	for m in ${SOFTHSM_MODULE:-} /usr/lib/softhsm/libsofthsm2.so \
	    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
	    /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
		[ -z "$MODULE" ] && [ -f "$m" ] && MODULE=$m
	done
	[ -n "$MODULE" ] || { echo "$BENCH_NAME: SoftHSM2 is missing" >&2; exit 1; }
}

bench_token() {
	_d=$1
	shift
	mkdir -p "$_d/softhsm"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	    "$_d/softhsm" > "$_d/softhsm2.conf"
	SOFTHSM2_CONF=$_d/softhsm2.conf
	KYSO_PKCS11_MODULE=$MODULE
	KYSO_BENCH_PIN=123456
	export SOFTHSM2_CONF KYSO_PKCS11_MODULE KYSO_BENCH_PIN
	softhsm2-util --init-token --free --label bench --so-pin 12345678 \
	    --pin "$KYSO_BENCH_PIN" >/dev/null
	_id=1
	for _k in "$@"; do
		softhsm2-util --import "$_d/pki/signer-$_k.key" --token bench --label "$_k" \
		    --id "0$_id" --pin "$KYSO_BENCH_PIN" >/dev/null
		openssl x509 -in "$_d/pki/signer-$_k.pem" -outform DER -out "$_d/$_k.der"
		pkcs11-tool --module "$MODULE" --token-label bench --login --pin "$KYSO_BENCH_PIN" \
		    --write-object "$_d/$_k.der" --type cert --id "0$_id" --label "$_k" >/dev/null 2>&1
		_id=$((_id + 1))
	done
}

bench_files() {
	mkdir -p "$1"
	_i=0
	while [ "$_i" -lt "$2" ]; do
		head -c 1024 /dev/urandom > "$1/f$(printf %05d "$_i").txt"
		_i=$((_i + 1))
	done
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
ms() { echo "$1" | awk '{ printf "%.1f", $1 * 1000 }'; }
