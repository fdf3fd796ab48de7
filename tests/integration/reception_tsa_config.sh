#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso reception and the time-stamp server in kyso.conf ("tsa = URL", global or
# in [sign]): used when the command line names none (the record's signature is
# time-stamped; kyso verify is the referee), --tsa overrides it, --no-tsa turns
# it off; a value that is not an http(s) URL stops the session before any card
# is read (exit 3, with the file and line).  An https server whose certificate
# comes from a private CA (the test PKI's): with its CA bundle (--tsa-cacert, or
# tsa-cacert in kyso.conf) the record is time-stamped; without it the TLS
# verification fails, which, as any time-stamp failure at the desk, is a
# warning and a record without a time-stamp; a bundle that cannot be read, or
# one for an http:// server, stops the session before any card is read.
. "$top_srcdir/tests/integration/reception_lib.sh"

desk_setup
# (the stand-in server answers https too, with the gateway's certificate and chain)
start_pkisrv --tls-cert "$T/gw-server.pem" --tls-key "$T/pki/tls-server.key"
HTTPS=https://127.0.0.1:$(sed -n 's/^tls //p' "$T/pkisrv.out")
unset KYSO_CONF
mkdir -m 700 "$T/records"
DEAD=http://127.0.0.1:1/tsa
cp "$T/kyso.conf" "$T/base.conf"
# conf LINE...: kyso.conf for the gateway, then LINE... (a [section] goes last)
conf() { (umask 077; cat "$T/base.conf" > "$T/kyso.conf"; printf '%s\n' "$@" >> "$T/kyso.conf"); }
# a global key must come before the first section
gconf() { (umask 077; { printf '%s\n' "$@"; cat "$T/base.conf"; } > "$T/kyso.conf"); }
V() { "$KYSO" verify --no-default-trust --trust "$T/pki/root.pem" --content "$1" "$1.p7s"; }

gconf "tsa = $PKISRV/ok"
expect 0 'Outcome: +covered' desk
R=$(newest_record)
expect 0 'PASSED +signature_timestamp +time-stamped at .* by "Kyso Test TSA"' V "$R"
expect 0 'TOTAL-PASSED' cverify "$R"

conf "[sign]" "tsa = $DEAD"
expect 0 "warning: cannot reach the time-stamp server $DEAD.*the record is signed without a time-stamp" desk
R2=$(newest_record)
[ "$R2" != "$R" ] && pass "[sign] tsa asked (unreachable): a record all the same" || fail "no record"
n=$(nrecords)
expect 0 'Outcome: +covered' desk --no-tsa
grep -q 'time-stamp' "$T/.out" && fail "--no-tsa: $(grep time-stamp "$T/.out")" ||
    pass "--no-tsa: no time-stamp server asked"
R3=$(newest_record)
expect 0 'SKIPPED +signature_timestamp' V "$R3"
expect 0 'Outcome: +covered' desk --tsa "$PKISRV/ok"
R4=$(newest_record)
expect 0 'PASSED +signature_timestamp' V "$R4"
[ "$(nrecords)" -eq $((n + 2)) ] && pass "one record each" || fail "$(nrecords) records"

conf "[sign]" "tsa = ftp://x/"
n=$(nrecords)
expect 3 "kyso.conf:[0-9]+: tsa 'ftp://x/' is not an http:// or https:// URL \(the time-stamp server\)" desk
expect 3 "--tsa and --no-tsa contradict each other" desk --tsa "$PKISRV/ok" --no-tsa
[ "$(nrecords)" -eq "$n" ] && pass "no record from a session that did not start" || fail "records"

# ---- an https time-stamp server and its CA bundle ------------------------------------------
conf
expect 0 'Outcome: +covered' desk --tsa "$HTTPS/ok" --tsa-cacert "$T/pki/trust.pem"
R5=$(newest_record)
expect 0 'PASSED +signature_timestamp +time-stamped at .* by "Kyso Test TSA"' V "$R5"
expect 0 'TOTAL-PASSED' cverify "$R5"
expect 0 'Verification successful' ossl_verify "$R5"
conf "[sign]" "tsa = $HTTPS/ok" "tsa-cacert = $T/pki/trust.pem"
expect 0 'Outcome: +covered' desk
R6=$(newest_record)
[ "$R6" != "$R5" ] && pass "tsa-cacert in kyso.conf: a new record" || fail "no new record"
expect 0 'PASSED +signature_timestamp' V "$R6"
# no bundle: the system's store does not know the server's CA
conf
expect 0 "warning: TLS certificate verification of the time-stamp server $HTTPS/ok failed \(.*\): the server is not who it claims or its CA is not trusted \(by the system's CA store\); check the URL, or name the CA bundle of its certificate \(tsa-cacert\); the record is signed without a time-stamp" \
    desk --tsa "$HTTPS/ok"
R7=$(newest_record)
expect 0 'SKIPPED +signature_timestamp' V "$R7"
n=$(nrecords)
expect 6 "^kyso reception: cannot read the time-stamp server's CA bundle $T/none.pem: No such file or directory; check the file name \(tsa-cacert\)$" \
    desk --tsa "$HTTPS/ok" --tsa-cacert "$T/none.pem"
conf "[sign]" "tsa = $HTTPS/ok" "tsa-cacert = $T/none.pem"
expect 6 "^kyso reception: $T/kyso.conf:[0-9]+: cannot read the time-stamp server's CA bundle $T/none.pem" desk
expect 3 "^kyso reception: a CA bundle for the time-stamp server \(tsa-cacert\) verifies an https:// server, but $PKISRV/ok is plain http://" \
    desk --tsa "$PKISRV/ok" --tsa-cacert "$T/pki/trust.pem"
expect 3 "^kyso reception: --tsa-cacert names the CA bundle of an https:// time-stamp server, but --no-tsa asks for none" \
    desk --no-tsa --tsa-cacert "$T/pki/trust.pem"
[ "$(nrecords)" -eq "$n" ] && pass "no record from a session refused for its CA bundle" ||
    fail "$(nrecords) records, $n before"

done_testing
