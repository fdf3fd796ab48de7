#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso.conf for insurance lookups: where it is found (--config, $KYSO_CONF),
# the 0600 rule for files naming secret sources (3, "chmod 600 FILE"), files
# others may write refused (3, "chmod go-w FILE"), no
# password in the file (3), unknown settings (3), syntax errors (6), every
# setting overridable on the command line, and the password sources.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

start_gateway main
HOLDER="Nguyễn Thị Hồng Nhung"
ARGS="--ma-the 001190012345 --dob 15/03/1990"
k() { "$KYSO" insurance lookup "$@" --name "$HOLDER" $ARGS; }

write_conf "$T/kyso.conf"
expect 0 'result: +000' k --config "$T/kyso.conf"
# $KYSO_CONF when --config is not given; --config wins over it
expect 0 'result: +000' env KYSO_CONF="$T/kyso.conf" "$KYSO" insurance lookup --name "$HOLDER" $ARGS
expect 6 "^kyso insurance: cannot open the configuration file $T/none.conf: No such file or directory; check the file name given to --config$" \
    env KYSO_CONF="$T/kyso.conf" "$KYSO" insurance lookup --config "$T/none.conf" --name "$HOLDER" $ARGS
expect 6 "^kyso insurance: cannot open the configuration file $T/none.conf: No such file or directory; check the file name in \\\$KYSO_CONF, or name another file with --config FILE$" \
    env KYSO_CONF="$T/none.conf" "$KYSO" insurance lookup --name "$HOLDER" $ARGS
expect_json 0 'd["config"] == "'"$T/kyso.conf"'"' k --config "$T/kyso.conf" --json

# secrets: a file naming a password source must be 0600 or stricter
chmod 644 "$T/kyso.conf"
expect 3 "$T/kyso.conf holds 'password-source' \(line 5\) but other users may read it \(mode 0644\); chmod 600 $T/kyso.conf" \
    k --config "$T/kyso.conf"
chmod 640 "$T/kyso.conf"
expect 3 "chmod 600 $T/kyso.conf" k --config "$T/kyso.conf"
expect_json 3 '"chmod 600" in d["error"] and d["exit"] == 3' k --config "$T/kyso.conf" --json
chmod 400 "$T/kyso.conf"
expect 0 'result: +000' k --config "$T/kyso.conf"
# without secrets any mode is fine (the source comes from the command line)
cat > "$T/public.conf" <<EOF
[insurance]
gateway = $GW_URL
username = 01001_BV
staff-name = $STAFF_NAME
staff-id = $STAFF_ID
cacert = $T/pki/trust.pem
EOF
chmod 644 "$T/public.conf"
expect 0 'result: +000' k --config "$T/public.conf" --password-source env:KYSO_TEST_GW_PASSWORD
expect 3 'no gateway password source' k --config "$T/public.conf"
# a file others may change (its gateway and cacert decide where the password
# goes) is refused, secrets in it or not, before anything is sent
chmod 666 "$T/public.conf"
n0=$(gw_count /api/token/take)
expect 3 "configuration file $T/public.conf may be changed by other users \(mode 0666\).*; chmod go-w $T/public.conf" \
    k --config "$T/public.conf" --password-source env:KYSO_TEST_GW_PASSWORD
[ "$(gw_count /api/token/take)" -eq "$n0" ] && pass "nothing sent with a writable config" ||
    fail "a request was sent with a writable config"
chmod 620 "$T/public.conf"
expect_json 3 '"chmod go-w" in d["error"] and d["exit"] == 3' \
    k --config "$T/public.conf" --password-source env:KYSO_TEST_GW_PASSWORD --json
chmod 644 "$T/public.conf"

# the password itself never belongs in the file
write_conf "$T/pw.conf" "password = matkhau-thu-nghiem"
expect 3 "$T/pw.conf:11: the password itself does not belong in the configuration" k --config "$T/pw.conf"
grep -q 'matkhau' "$T/.out" && fail "the password was echoed" || pass "password not echoed"
# password-file = PATH (the file: 0600)
printf 'matkhau-thu-nghiem\n' > "$T/pw.txt"
chmod 600 "$T/pw.txt"
{ grep -v password-source "$T/kyso.conf"; echo "password-file = $T/pw.txt"; } > "$T/pf.conf"
chmod 600 "$T/pf.conf"
expect 0 'result: +000' k --config "$T/pf.conf"
chmod 644 "$T/pw.txt"
expect 5 'readable by others: chmod 600' k --config "$T/pf.conf"
chmod 600 "$T/pw.txt"
expect 0 'result: +000' k --config "$T/public.conf" --password-source "file:$T/pw.txt"
expect 0 'result: +000' k --config "$T/public.conf" --password-source fd:3 3<"$T/pw.txt"
expect 5 'env:NOPE_NOT_SET is not set' k --config "$T/public.conf" --password-source env:NOPE_NOT_SET
expect 3 "bad password source 'matkhau'" k --config "$T/public.conf" --password-source matkhau
printf '\n' > "$T/empty.txt"
chmod 600 "$T/empty.txt"
expect 5 'is empty' k --config "$T/public.conf" --password-source "file:$T/empty.txt"

# unknown settings and syntax errors
write_conf "$T/typo.conf" "gatway = https://example.invalid"
expect 3 "$T/typo.conf:11: unknown setting 'gatway' in \[insurance\]" k --config "$T/typo.conf"
write_conf "$T/syntax.conf" "this is not a setting"
expect 6 "$T/syntax.conf:11: expected 'key = value'" k --config "$T/syntax.conf"
write_conf "$T/dup.conf" "gateway = https://127.0.0.1:1"
expect 6 "$T/dup.conf:11: 'gateway' is set twice \(first on line 3\)" k --config "$T/dup.conf"
# global keys of other modules are not ours to judge; sections of others neither
{ echo "pkcs11-module = /nonexistent.so"; cat "$T/kyso.conf"; echo "[card]"; echo "reader = x"; } > "$T/mixed.conf"
chmod 600 "$T/mixed.conf"
expect 0 'result: +000' k --config "$T/mixed.conf"

# every setting on the command line, overriding the file
sed -e "s|^gateway = .*|gateway = https://127.0.0.1:1|" -e "s|^username = .*|username = 09999_BV|" \
    -e "s|^staff-id = .*|staff-id = 079090004321|" -e "s|^cacert = .*|cacert = $T/pki/other-root.pem|" \
    -e "s|^password-source = .*|password-source = env:NOPE_NOT_SET|" \
    "$T/kyso.conf" > "$T/wrong.conf"
chmod 600 "$T/wrong.conf"
expect 0 'result: +000' k --config "$T/wrong.conf" --gateway "$GW_URL" --username 01001_BV \
    --staff-id "$STAFF_ID" --staff-name "$STAFF_NAME" --cacert "$T/pki/trust.pem" \
    --password-source env:KYSO_TEST_GW_PASSWORD --timeout 5 --connect-timeout 2 --retries 0
# and the file alone really is wrong
expect 5 'NOPE_NOT_SET' k --config "$T/wrong.conf"
# values checked
expect 3 "timeout '0'" k --config "$T/kyso.conf" --timeout 0
expect 3 "timeout 'soon'" k --config "$T/kyso.conf" --timeout soon
expect 3 "retries '10'" k --config "$T/kyso.conf" --retries 10
expect 3 "connect-timeout '601'" k --config "$T/kyso.conf" --connect-timeout 601
expect 3 '12-digit citizen ID number' k --config "$T/kyso.conf" --staff-id 0010850012
sed "s|^staff-id = .*|staff-id = 00108500123X|" "$T/kyso.conf" > "$T/badid.conf"
chmod 600 "$T/badid.conf"
expect 3 '00108500123X: the staff member.s ID must be a 12-digit' k --config "$T/badid.conf"
expect 3 'no gateway: set gateway' "$KYSO" insurance lookup --config "$T/public.conf" --gateway "" \
    --password-source env:KYSO_TEST_GW_PASSWORD --name "$HOLDER" $ARGS

# the documented example is valid: every key known, and it works once pointed here
cp "$top_srcdir/docs/kyso.conf.example" "$T/example.conf"
chmod 600 "$T/example.conf"
expect 0 'result: +000' k --config "$T/example.conf" --gateway "$GW_URL" \
    --password-source env:KYSO_TEST_GW_PASSWORD --cacert "$T/pki/trust.pem"
chmod 644 "$T/example.conf"
expect 3 "chmod 600 $T/example.conf" k --config "$T/example.conf" --gateway "$GW_URL" \
    --password-source env:KYSO_TEST_GW_PASSWORD --cacert "$T/pki/trust.pem"

done_testing
