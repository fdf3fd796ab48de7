#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso reception and the time-stamp server in kyso.conf ("tsa = URL", global or
# in [sign]): used when the command line names none (the record's signature is
# time-stamped; kyso verify is the referee), --tsa overrides it, --no-tsa turns
# it off; a value that is not an http(s) URL stops the session before any card
# is read (exit 3, with the file and line).
. "$top_srcdir/tests/integration/reception_lib.sh"

desk_setup
start_pkisrv
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

done_testing
