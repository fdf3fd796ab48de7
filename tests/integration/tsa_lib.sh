# SPDX-License-Identifier: LGPL-2.1-or-later
# What the time-stamp tests share (sourced after lib.sh):
#
#   tsa_signer        the test PKI in $P, and a fresh SoftHSM token T1 holding the
#                     PKI's EC signer key and certificate: $KEY names the key,
#                     $PIN its PIN (for --pin-source env:PIN)
#   tsa_stats [reset] the stand-in server's (start_pkisrv) counters for its
#                     time-stamp paths, as NAME VALUE lines (connections,
#                     requests, max_inflight); "reset" sets them to 0 after
#   tsa_stat NAME     one of them, from the last tsa_stats (in $T/tsa.stats)
#   tsa_https_server [pkisrv.py options]
#                     start_pkisrv answering https too, with the test PKI's
#                     tls-server certificate (127.0.0.1, localhost) and its chain,
#                     issued under root.pem: HTTPS is its https:// URL, PKISRV
#                     the http:// one (tsa_stats asks there)
#   tsa_files N FORMAT  a new directory $T/d, made the current one, with N files
#                     f00.txt, f01.txt... each one line printf FORMAT of its number
#   S ARGS..., V ARGS...  kyso sign with the signer (after tsa_signer), kyso verify
#                     trusting the test root alone; a script may redefine them
. "$top_srcdir/tests/integration/token_lib.sh"

tsa_https_server() {
	cat "$P/tls-server.pem" "$P/gov-ca.pem" > "$T/tls-server-chain.pem"
	start_pkisrv --tls-cert "$T/tls-server-chain.pem" --tls-key "$P/tls-server.key" "$@"
	HTTPS=https://127.0.0.1:$(sed -n 's/^tls //p' "$T/pkisrv.out")
	[ "$HTTPS" != https://127.0.0.1: ] || fail "the stand-in server has no https port"
}

tsa_signer() {
	test_pki
	P=$T/pki
	tok_init T1
	softhsm2-util --import "$P/signer-ec.key" --token T1 --label sign --id 01 --pin "$PIN" \
	    >/dev/null
	"$KYSO" cert import --token "pkcs11:token=T1" --in "$P/signer-ec.pem" \
	    --pin-source env:PIN >/dev/null 2>&1 || fail "import the signer certificate"
	KEY="pkcs11:token=T1;object=sign"
}

tsa_stats() {
	python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' \
	    "$PKISRV/stats${1:+?$1}" > "$T/tsa.stats" || fail "GET $PKISRV/stats"
	cat "$T/tsa.stats"
}

tsa_stat() { awk -v k="$1" '$1 == k { print $2 }' "$T/tsa.stats"; }

tsa_files() {
	mkdir "$T/d" && cd "$T/d" || fail "make $T/d"
	_i=0
	while [ "$_i" -lt "$1" ]; do
		printf "$2\n" "$_i" > "f$(printf %02d "$_i").txt"
		_i=$((_i + 1))
	done
}

S() { "$KYSO" sign --key "$KEY" --pin-source env:PIN --chain "$P/chain.pem" "$@"; }
V() { "$KYSO" verify --no-default-trust --trust "$P/root.pem" "$@"; }
