# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the kyso reception / kyso checkin tests (POSIX sh).  Sourcing it
# sources lib.sh, lib-card.sh (and runs card_setup: the test is skipped where
# pcscd + vpcd cannot run) and tests/gateway/lib.sh.
#
#   desk_setup            the usual desk: facility_token, the default virtual card in
#                         $T/card (its MRZ exported as MRZ) in the reader, the stand-in
#                         gateway and $T/kyso.conf for it (retries = 0)
#   facility_token        a fresh SoftHSM token "FAC" holding the test PKI's signer-ec key and
#                         certificate (label "facility"): the facility's key.  Sets FKEY, PIN.
#   desk ARGS...          kyso reception with kyso.conf ($T/kyso.conf), the facility key, its PIN
#                         (env:PIN), the chain, --record-dir $T/records, the card's reader, the
#                         test CSCA and the MRZ key (env:MRZ)
#   desk_nokey ARGS...    the same without the card key
#                         (with DESK_EXEC set, in a subshell: exec kyso, so that $! is its pid)
#   nrecords [DIR]        how many *.json records DIR ($T/records) holds
#   unsigned [DIR]        how many of them have no .p7s beside them (must be 0)
#   newest_record [DIR]   the path of the newest record
#   cverify ARGS...       kyso checkin verify trusting the test root and CSCA
#   ossl_verify RECORD    the referee: openssl cms -verify of RECORD.p7s over RECORD
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-card.sh"
card_setup
. "$top_srcdir/tests/gateway/lib.sh"
command -v pkcs11-tool >/dev/null 2>&1 || skip_all "pkcs11-tool (opensc) is not installed"

facility_token() {
	fresh_softhsm
	PIN=246810
	export PIN
	init_token FAC 13572468 "$PIN"
	softhsm2-util --import "$T/pki/signer-ec.key" --token FAC --label facility --id 0f \
	    --pin "$PIN" >/dev/null || { fail "import the facility key"; done_testing; }
	openssl x509 -in "$T/pki/signer-ec.pem" -outform DER -out "$T/facility.der"
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label FAC --login --pin "$PIN" \
	    --write-object "$T/facility.der" --type cert --id 0f --label facility >/dev/null 2>&1 ||
	    { fail "store the facility certificate"; done_testing; }
	FKEY="pkcs11:token=FAC;object=facility"
}

desk_nokey() {
	${DESK_EXEC:+exec} "$KYSO" reception --config "$T/kyso.conf" --sign-key "$FKEY" --pin-source env:PIN \
	    --chain "$T/pki/chain.pem" --record-dir "$T/records" --reader "$CARD_READER" \
	    --csca "$T/pki/csca.pem" --no-default-csca "$@"
}

desk() {
	desk_nokey --mrz-source env:MRZ "$@"
}

nrecords() {
	_d=${1:-$T/records}
	_n=0
	for _f in "$_d"/*.json; do
		[ -f "$_f" ] && _n=$((_n + 1))
	done
	echo "$_n"
}

unsigned() {
	_n=0
	for _f in "${1:-$T/records}"/*.json; do
		[ -f "$_f" ] && [ ! -f "$_f.p7s" ] && _n=$((_n + 1))
	done
	echo "$_n"
}

newest_record() {
	ls -t "${1:-$T/records}"/*.json 2>/dev/null | head -1
}

cverify() {
	"$KYSO" checkin verify --trust "$T/pki/root.pem" --no-default-trust \
	    --csca "$T/pki/csca.pem" --no-default-csca "$@"
}

ossl_verify() {
	openssl cms -verify -binary -content "$1" -inform DER -in "$1.p7s" \
	    -CAfile "$T/pki/root.pem" -purpose any -out /dev/null
}

desk_setup() {
	facility_token
	make_card "$T/card"
	MRZ=$(cat "$T/card/mrz.txt")
	export MRZ
	start_gateway main
	write_conf "$T/kyso.conf" "retries = 0"
	card_start "$T/card" normal
}
