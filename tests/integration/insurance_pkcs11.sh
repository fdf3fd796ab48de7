#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A TLS client certificate whose private key is on a PKCS#11 token (SoftHSM2),
# used through OpenSSL's pkcs11 engine with the PIN from its own source:
# accepted by a gateway that requires client certificates (0); wrong PIN (5),
# no PIN source (5), no such key (6), unreadable module (7), PIN inside the
# URI (3), certificate of another key (3).
. "$top_srcdir/tests/integration/lib.sh"
fresh_softhsm
openssl engine pkcs11 -t >/dev/null 2>&1 ||
    skip_all "OpenSSL's pkcs11 engine is not installed (libengine-pkcs11-openssl)"
. "$top_srcdir/tests/gateway/lib.sh"

init_token facility 12345678 123456
softhsm2-util --import "$T/pki/tls-client.key" --token facility --label tls-client --id 0101 \
    --pin 123456 >/dev/null || { fail "cannot import the key into SoftHSM"; done_testing; }
cat "$T/pki/tls-client.pem" "$T/pki/gov-ca.pem" > "$T/client-chain.pem"
URI="pkcs11:token=facility;object=tls-client;type=private"
KYSO_TEST_PIN=123456
export KYSO_TEST_PIN

start_gateway mtls --client-ca "$T/pki/trust.pem"
write_conf "$T/kyso.conf" "client-cert = $T/client-chain.pem" "client-key = $URI" \
    "client-key-pin-source = env:KYSO_TEST_PIN"
q() { lookup --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990 "$@"; }

# the module from $KYSO_PKCS11_MODULE (set by fresh_softhsm)
expect 0 'result: +000' q
grep -q 'PKCS11_\|returned NULL' "$T/.out" && fail "the engine printed on its own" ||
    pass "the engine stays quiet"
# ... from --pkcs11-module, and from the URI's module-path
expect 0 'result: +000' env -u KYSO_PKCS11_MODULE "$KYSO" insurance lookup --config "$T/kyso.conf" \
    --pkcs11-module "$SOFTHSM_MODULE" --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990
expect 0 'result: +000' env -u KYSO_PKCS11_MODULE "$KYSO" insurance lookup --config "$T/kyso.conf" \
    --client-key "$URI?module-path=$SOFTHSM_MODULE" \
    --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990
# ... and from kyso.conf's global pkcs11-module (the key the token module reads)
{ echo "pkcs11-module = $SOFTHSM_MODULE"; cat "$T/kyso.conf"; } > "$T/module.conf"
chmod 600 "$T/module.conf"
expect 0 'result: +000' env -u KYSO_PKCS11_MODULE "$KYSO" insurance lookup --config "$T/module.conf" \
    --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990
[ "$(gw_count /api/egw/KQNhanLichSuKCB2024)" -eq 4 ] && pass "four lookups over mutual TLS" ||
    fail "lookups over mutual TLS: $(gw_count /api/egw/KQNhanLichSuKCB2024)"

expect 5 'the token refused the PIN of the client key' env KYSO_TEST_PIN=654321 \
    "$KYSO" insurance lookup --config "$T/kyso.conf" --ma-the 001190012345 \
    --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990
grep -q 654321 "$T/.out" && fail "the PIN was printed" || pass "PIN not printed"
expect 5 'env:KYSO_NO_PIN is not set' q --client-key-pin-source env:KYSO_NO_PIN
write_conf "$T/nopin.conf" "client-cert = $T/client-chain.pem" "client-key = $URI"
expect 5 'give its PIN source' "$KYSO" insurance lookup --config "$T/nopin.conf" \
    --ma-the 001190012345 --name "Nguyễn Thị Hồng Nhung" --dob 15/03/1990
expect 6 'no private key pkcs11:token=facility;object=nope;type=private' \
    q --client-key "pkcs11:token=facility;object=nope;type=private"
expect 7 'cannot read the PKCS#11 module /nonexistent/module.so' q --pkcs11-module /nonexistent/module.so
expect 3 'carries a PIN' q --client-key "$URI?pin-value=123456"
expect 3 'does not belong to the client key' q --client-cert "$T/pki/signer-rsa.pem"

done_testing
