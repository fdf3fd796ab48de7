#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso sign on several token sessions at once (--sessions; by default one per
# CPU once the token shows it is fast), under one login: which sessions sign
# (the test module around SoftHSM logs each signature's session), that every
# extra session is closed, and that a token that gives no second session, or
# gives one not logged in, or is pulled out in the middle, is met as with one.
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"
test_pki
P=$T/pki
tok_init bench
softhsm2-util --import "$P/signer-ec.key" --token bench --label signer --id 01 --pin "$PIN" \
    >/dev/null || fail "import the key"
"$KYSO" cert import --token pkcs11:token=bench --in "$P/signer-ec.pem" --pin-source env:PIN \
    >/dev/null 2>&1 || fail "import the certificate"
if ! build_shim; then
	skip_all "no C compiler or p11-kit headers for the test module"
fi
KYSO_PKCS11_MODULE=$T/shim.so
KYSO_SHIM_LOG=$T/shim.log
KYSO_SHIM_SESSIONS=1
export KYSO_PKCS11_MODULE KYSO_SHIM_LOG KYSO_SHIM_SESSIONS
KEY="pkcs11:token=bench;object=signer"
N=200
mkdir "$T/d"
cd "$T/d" || exit 1
i=0
while [ "$i" -lt "$N" ]; do
	printf 'Hồ sơ %03d\n' "$i" > "f$(printf %03d "$i").txt"
	i=$((i + 1))
done
# Sessions signing at once: one per CPU, at most 4.
cpus=$(nproc 2>/dev/null || echo 1)
[ "$cpus" -gt 4 ] && cpus=4

# signers LOG: the number of sessions that made signatures
signers() { sed -n 's/^sign session=//p' "$1" | sort -u | wc -l; }
# balanced LOG: every session opened was closed
balanced() {
	o=$(grep -c '^open session=' "$1")
	c=$(grep -c '^close session=' "$1")
	[ "$o" -eq "$c" ] && pass "$2: $o sessions opened, all closed" ||
	    fail "$2: $o sessions opened, $c closed"
}
# run NAME CODE REGEX [ENV=V...] -- [kyso sign options]: sign the N files
run() {
	_name=$1 _code=$2 _re=$3
	shift 3
	rm -f ./*.p7s
	: > "$KYSO_SHIM_LOG"
	_env=
	while [ "$1" != -- ]; do _env="$_env $1"; shift; done
	shift
	# shellcheck disable=SC2086
	expect "$_code" "$_re" env $_env "$KYSO" sign --key "$KEY" --pin-source env:PIN \
	    --chain "$P/chain.pem" "$@" f*.txt
	cp "$KYSO_SHIM_LOG" "$T/$_name.log"
}
verified() {
	if "$KYSO" verify --trust "$P/root.pem" ./*.p7s >"$T/verify.out" 2>&1; then
		pass "$1: the $(ls ./*.p7s | wc -l) signatures verify"
	else
		fail "$1: kyso verify"; tail -5 "$T/verify.out" | sed 's/^/    | /'
	fi
}

# ---- the default: one session per CPU, one login ---------------------------------
run default 0 "$N files signed by .*, one login" --
s=$(signers "$T/default.log")
[ "$s" -eq "$cpus" ] && pass "signed on $s sessions ($cpus CPUs)" ||
    fail "signed on $s sessions, expected $cpus (one per CPU)"
[ "$(grep -c '^login user=1' "$T/default.log")" -eq 1 ] && pass "one C_Login" ||
    fail "$(grep -c '^login user=1' "$T/default.log") C_Login calls"
[ "$(grep -c '^sign session=' "$T/default.log")" -eq "$N" ] && pass "$N signatures, no more" ||
    fail "$(grep -c '^sign session=' "$T/default.log") signatures for $N files"
balanced "$T/default.log" default
verified default
# the sessions are the same signer: the outputs of two runs verify alike
if [ "$cpus" -ge 2 ]; then
	run two 0 "$N files signed" -- --sessions 2
	[ "$(signers "$T/two.log")" -eq 2 ] && pass "--sessions 2: two sessions signed" ||
	    fail "--sessions 2: $(signers "$T/two.log") sessions signed"
	balanced "$T/two.log" "--sessions 2"
fi

# ---- --sessions 1: one session ---------------------------------------------------
run one 0 "$N files signed" -- --sessions 1
[ "$(signers "$T/one.log")" -eq 1 ] && pass "--sessions 1: one session signed" ||
    fail "--sessions 1: $(signers "$T/one.log") sessions signed"
[ "$(grep -c '^open session=' "$T/one.log")" -eq 1 ] && pass "--sessions 1: one session opened" ||
    fail "--sessions 1: $(grep -c '^open session=' "$T/one.log") sessions opened"
verified "--sessions 1"

# ---- the values --sessions refuses: a usage error (3) before any PIN or token ----
rm -f ./*.p7s
for v in 0 5 x -1 2x ""; do
	: > "$KYSO_SHIM_LOG"
	expect 3 "^kyso sign: --sessions takes 1 to 4 \\(token sessions signing at once\\)$" \
	    "$KYSO" sign --key "$KEY" --pin-source env:PIN --sessions "$v" f000.txt
	[ -s "$KYSO_SHIM_LOG" ] && fail "--sessions '$v': the token was used" || true
done
expect 3 '"exit": 3' "$KYSO" sign --json --key "$KEY" --pin-source env:PIN --sessions 9 f000.txt
[ -e f000.txt.p7s ] && fail "an output for a refused command" || pass "no output for refused values"

# ---- a token that gives no second session: signed on one --------------------------
run max1 0 "$N files signed" KYSO_SHIM_SESSION_MAX=1 --
[ "$(signers "$T/max1.log")" -eq 1 ] && pass "no second session: signed on one" ||
    fail "no second session: $(signers "$T/max1.log") sessions signed"
verified "no second session"

# ---- a module whose further sessions are not logged in: closed, signed on one ----
run public 0 "$N files signed" KYSO_SHIM_SESSION_PUBLIC=1 --
[ "$(signers "$T/public.log")" -eq 1 ] && pass "sessions not logged in: signed on one" ||
    fail "sessions not logged in: $(signers "$T/public.log") sessions signed"
[ "$(grep -c '^login user=' "$T/public.log")" -eq 1 ] &&
    pass "sessions not logged in: no further login (one PIN)" ||
    fail "$(grep -c '^login user=' "$T/public.log") logins"
balanced "$T/public.log" "sessions not logged in"
verified "sessions not logged in"

# ---- a module that opens a further session but will not sign on it ---------------
# (C_SignInit fails there): the file is signed again on the first session, and
# the batch goes on there
run nosign 0 "$N files signed" KYSO_SHIM_SESSION_NOSIGN=1 --
if [ "$cpus" -ge 2 ]; then
	r=$(grep -c '^signinit refused' "$T/nosign.log")
	[ "$r" -ge 1 ] && [ "$r" -le 2 ] &&
	    pass "a session that will not sign: tried $r time(s), then one session" ||
	    fail "a session that will not sign: refused $r times"
fi
[ "$(signers "$T/nosign.log")" -eq 1 ] && pass "a session that will not sign: signed on one" ||
    fail "a session that will not sign: $(signers "$T/nosign.log") sessions signed"
[ "$(grep -c '^sign session=' "$T/nosign.log")" -eq "$N" ] && pass "$N signatures" ||
    fail "$(grep -c '^sign session=' "$T/nosign.log") signatures for $N files"
balanced "$T/nosign.log" "a session that will not sign"
verified "a session that will not sign"

# ---- the token pulled out after 50 signatures, signing on every session ----------
rm -f ./*.p7s
: > "$KYSO_SHIM_LOG"
KYSO_SHIM_SIGN_LIMIT=50 "$KYSO" sign --key "$KEY" --pin-source env:PIN --chain "$P/chain.pem" \
    f*.txt >"$T/rm.out" 2>"$T/rm.err"
rc=$?
[ "$rc" -eq 4 ] && pass "token removed: exit 4" || fail "token removed: exit $rc, expected 4"
grep -q "^kyso sign: the token was removed: C_Sign" "$T/rm.err" &&
    pass "token removed: the message says so" || { fail "message"; sed 's/^/    | /' "$T/rm.err"; }
k=$(ls ./*.p7s 2>/dev/null | wc -l)
grep -q "^kyso sign: $k of $N files signed (complete signatures); the others were not$" \
    "$T/rm.err" && pass "token removed: $k of $N reported signed, as many outputs" ||
    { fail "token removed: $k outputs"; sed 's/^/    | /' "$T/rm.err"; }
[ "$k" -le 50 ] && pass "no more outputs than signatures" || fail "$k outputs for 50 signatures"
# the outputs are the first k files, without a gap
want=$(ls f*.txt | head -n "$k" | sed 's/$/.p7s/' | tr '\n' ' ')
got=$(ls ./*.p7s 2>/dev/null | sed 's|^\./||' | tr '\n' ' ')
[ "$want" = "$got" ] && pass "token removed: the outputs are the first $k files" ||
    fail "token removed: outputs '$got'"
[ "$k" -gt 0 ] && verified "token removed"
ls ./*.tmp* >/dev/null 2>&1 && fail "temporary files left" || pass "no temporary file left"
balanced "$KYSO_SHIM_LOG" "token removed"

done_testing
