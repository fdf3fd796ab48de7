#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso checkin verify on a record made by kyso reception (virtual card, stand-in
# gateway, SoftHSM facility key): TOTAL-PASSED (0) with the referees agreeing;
# each kind of edit fails (1) - a holder field, the coverage, the AA answer,
# the gateway answer - through the facility signature and, where the edit is
# re-signed by a facility that lies, through the record's own evidence; an
# untrusted facility chain or an unknown CSCA is INDETERMINATE (2); a record
# not in canonical form, a missing or foreign signature, another schema: 6.
. "$top_srcdir/tests/integration/reception_lib.sh"

desk_setup
expect 0 'Outcome: +covered' desk
card_stop
R=$(newest_record)
mkdir -p "$T/e"

expect 0 "$R: TOTAL-PASSED" cverify "$R"
expect_json 0 'd["schema"] == 1 and d["exit"] == 0 and d["indication"] == "TOTAL-PASSED" and len(d["results"]) == 1 and d["results"][0]["outcome"] == "covered" and [c["status"] for c in d["results"][0]["checks"]] == ["PASSED"] * 8' \
    cverify "$R" --json
expect 0 'TOTAL-PASSED' "$KYSO" verify --trust "$T/pki/root.pem" --content "$R" "$R.p7s"
expect 0 'Verification successful' ossl_verify "$R"
# options after or before the record; several records
expect 0 'TOTAL-PASSED' "$KYSO" checkin verify --trust "$T/pki/root.pem" "$R" \
    --csca "$T/pki/csca.pem" --no-default-csca
cp "$R" "$T/e/copy.json"
cp "$R.p7s" "$T/e/copy.json.p7s"
expect 0 'copy.json: TOTAL-PASSED' cverify "$R" "$T/e/copy.json"

# edit NAME PYTHON: $T/e/NAME.json = the record with PYTHON applied to d, in
# canonical form, under the original signature; and $T/e/NAME-resigned.json the
# same re-signed with the facility key (a facility that lies)
edit() {
	python3 - "$R" "$T/e/$1.json" "$2" <<'EOF' || fail "edit $1"
import base64, json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
exec(sys.argv[3])
open(sys.argv[2], "wb").write(json.dumps(d, sort_keys=True, separators=(",", ":"),
                                          ensure_ascii=False).encode("utf-8"))
EOF
	cp "$R.p7s" "$T/e/$1.json.p7s"
	cp "$T/e/$1.json" "$T/e/$1-resigned.json"
	"$KYSO" sign --key "$FKEY" --pin-source env:PIN --chain "$T/pki/chain.pem" \
	    -o "$T/e/$1-resigned.json.p7s" "$T/e/$1-resigned.json" >/dev/null 2>&1 ||
	    fail "re-sign $1"
}

# edited KIND CHECK: the edit fails under the original signature (signature and
# CHECK fail) and re-signed (only the evidence fails: CHECK)
edited() {
	expect 1 "FAILED +facility_signature .*TOTAL-FAILED" cverify "$T/e/$1.json"
	grep -Eq "FAILED +$2 " "$T/.out" && pass "$1: $2 fails on its own too" ||
	    fail "$1: $2 did not fail"
	expect 1 "$1-resigned.json: TOTAL-FAILED" cverify "$T/e/$1-resigned.json"
	grep -Eq "PASSED +facility_signature " "$T/.out" && grep -Eq "FAILED +$2 " "$T/.out" &&
	    pass "$1 re-signed: the signature passes, $2 fails" ||
	    fail "$1 re-signed: $2 did not fail"
	expect 1 'TOTAL-FAILED' "$KYSO" verify --trust "$T/pki/root.pem" \
	    --content "$T/e/$1.json" "$T/e/$1.json.p7s"
	if ossl_verify "$T/e/$1.json" >/dev/null 2>&1; then
		fail "$1: openssl cms accepts the edited record"
	else
		pass "$1: openssl cms refuses the edited record"
	fi
}

edit holder 'd["card"]["holder"]["full_name"] = "Nguyễn Thị Hồng Nhưng"'
edited holder request
edit dob 'd["card"]["holder"]["date_of_birth"] = "15/03/1991"'
edited dob request
edit coverage 'd["lookup"]["result"]["valid_to"] = "31/12/2099"'
edited coverage result
edit facility 'd["lookup"]["result"]["registered_facility"] = "79024"'
edited facility result
edit aa 'r = bytearray(base64.b64decode(d["card"]["aa"]["response"])); r[5] ^= 1; d["card"]["aa"]["response"] = base64.b64encode(bytes(r)).decode()'
edited aa active_authentication
edit answer 'd["lookup"]["answer"]["data"] = d["lookup"]["answer"]["data"].replace("\"maKetQua\": \"000\"", "\"maKetQua\": \"001\"")'
edited answer answer_hash
edit dghash 'd["card"]["files"]["DG13"]["sha256"] = "00" + d["card"]["files"]["DG13"]["sha256"][2:]'
edited dghash passive_authentication
edit outcome 'd["outcome"] = "not_covered"'
edited outcome outcome

# INDETERMINATE: the facility's root not trusted; the card's CSCA unknown
expect 2 'INDETERMINATE' "$KYSO" checkin verify --no-default-trust --csca "$T/pki/csca.pem" \
    --no-default-csca "$R"
grep -Eq 'INDETERMINATE +facility_signature .*--trust' "$T/.out" &&
    pass "untrusted facility chain: the fix is named" || fail "untrusted facility message"
expect 2 'INDETERMINATE +passive_authentication .*--csca' "$KYSO" checkin verify \
    --trust "$T/pki/root.pem" --no-default-trust --no-default-csca "$R"
# one facility's records only: its certificate as the only anchor (kyso-checkin(1))
expect 0 'TOTAL-PASSED' "$KYSO" checkin verify --no-default-trust --trust "$T/pki/signer-ec.pem" \
    --csca "$T/pki/csca.pem" --no-default-csca "$R"
expect 2 'INDETERMINATE +facility_signature' "$KYSO" checkin verify --no-default-trust \
    --trust "$T/pki/signer-rsa.pem" --csca "$T/pki/csca.pem" --no-default-csca "$R"
# --crl: the facility's certificate not revoked, then revoked
ca_gencrl root "$T/root.crl"
ca_gencrl gov-ca "$T/gov.crl"
expect 0 'TOTAL-PASSED' cverify --crl "$T/root.crl" --crl "$T/gov.crl" "$R"
ca_revoke gov-ca "$T/pki/signer-ec.pem" -crl_reason keyCompromise
ca_gencrl gov-ca "$T/gov-revoked.crl"
expect 2 'INDETERMINATE +facility_signature .*REVOKED_NO_POE' cverify --crl "$T/root.crl" \
    --crl "$T/gov-revoked.crl" "$R"
expect 6 '^kyso checkin: --crl: .*holds no CRL; name PEM or DER CRL files' cverify --crl "$T/pki/root.pem" "$R"
# --ocsp-url: the responder says the same (the facility's certificate is revoked by now)
start_pkisrv --ocsp-index "$T/ca-gov-ca/index"
expect 2 'INDETERMINATE +facility_signature .*REVOKED_NO_POE' "$KYSO" checkin verify \
    --no-default-trust --trust "$T/pki/gov-ca.pem" --csca "$T/pki/csca.pem" --no-default-csca \
    --ocsp-url "$PKISRV/ocsp" "$R"
expect 1 'TOTAL-FAILED' cverify "$R" "$T/e/holder.json"

# bad input: 6, with a message
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); open(sys.argv[2],"w").write(json.dumps(d, indent=1, sort_keys=True, ensure_ascii=False))' \
    "$R" "$T/e/pretty.json"
cp "$R.p7s" "$T/e/pretty.json.p7s"
expect 6 'not in canonical form' cverify "$T/e/pretty.json"
{ cat "$R"; echo; } > "$T/e/newline.json"
cp "$R.p7s" "$T/e/newline.json.p7s"
expect 6 'not in canonical form' cverify "$T/e/newline.json"
edit schema2 'd["schema"] = 2'
expect 6 'schema 2' cverify "$T/e/schema2.json"
edit noholder 'del d["card"]["holder"]'
expect 6 'does not follow schema 1: "card.holder" is missing' cverify "$T/e/noholder.json"
cp "$R" "$T/e/nosig.json"
expect 6 'nosig.json.p7s is missing' cverify "$T/e/nosig.json"
expect_json 6 'd["exit"] == 6 and d["indication"] is None and "missing" in d["results"][0]["error"]' \
    cverify "$T/e/nosig.json" --json
# the output as docs/checkin-verify-json.md has it: a record verified and one that
# could not be (its members then absent), and a run that could not start
cverify "$R" "$T/e/nosig.json" --json >"$T/two.vj" 2>/dev/null
"$KYSO" checkin verify --json --trust "$T/nowhere.pem" "$R" >"$T/nostart.vj" 2>/dev/null
for _j in two nostart; do
	python3 "$top_srcdir/tests/integration/checkin_verify_schema.py" \
	    "$top_srcdir/docs/checkin-verify-json.md" "$T/$_j.vj" >/dev/null &&
	    pass "--json ($_j): as documented" || { fail "--json ($_j): not as documented"; cat "$T/$_j.vj"; }
done
expect 6 "^kyso checkin: $T/e/absent.json: No such file or directory; check the record's file name$" \
    cverify "$T/e/absent.json"
expect 6 "\"error\": \"$T/e/absent.json: No such file or directory; check the record's file name\"" \
    cverify --json "$T/e/absent.json"
# a verified record beside a missing one: the run has no verdict (6), and the
# top-level "error" says why, while the good record keeps its verdict
# (docs/checkin-verify-json.md)
expect_json 6 'd["exit"] == 6 and d["indication"] is None and d["results"][0]["indication"] == "TOTAL-PASSED" and d["results"][1]["exit"] == 6 and d["error"].startswith("1 of 2 records could not be verified") and d["error"].endswith("absent.json: No such file or directory; check the record" + chr(39) + "s file name")' \
    cverify --json "$R" "$T/e/absent.json"
expect 6 "^kyso checkin: --csca $T/none.pem: No such file or directory; give a CSCA certificate file or directory$" \
    cverify --csca "$T/none.pem" "$R"
cp "$R" "$T/e/junk.json"
echo "not a signature" > "$T/e/junk.json.p7s"
expect 6 'CMS|signature' cverify "$T/e/junk.json"
expect 0 'TOTAL-PASSED' cverify "$T/e/junk.json" --signature "$R.p7s"
expect 3 'no record given' "$KYSO" checkin verify
expect 3 'one record only|one record' cverify "$R" "$T/e/copy.json" --signature "$R.p7s"
expect 3 'usage' "$KYSO" checkin

done_testing
