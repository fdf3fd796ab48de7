# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for tests against the stand-in VSS gateway (sourced after
# tests/integration/lib.sh, POSIX sh).
#
#   start_gateway NAME [gateway.py options]   start one on a free port:
#                       sets GW_URL, GW_PORT, GW_PID, GW_LOG (JSON lines)
#   write_conf FILE [extra lines...]          a kyso.conf (mode 0600) for $GW_URL
#   lookup ARGS...      kyso insurance lookup --config $T/kyso.conf ARGS...
#   gw_count PATH [KEY VALUE]                 requests to PATH in $GW_LOG
#   json_check FILE PYTHON-EXPR               assert on a JSON file (d = the object)
#
# Facility account 01001_BV, password "matkhau-thu-nghiem" (from the env
# variable KYSO_TEST_GW_PASSWORD); staff 001085001234 "Trần Thị Bình".
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
test_pki
cat "$T/pki/tls-server.pem" "$T/pki/gov-ca.pem" > "$T/gw-server.pem"

_gw_pids=""
# (with tests/integration/lib-card.sh sourced first, its card is stopped too)
trap 'for _p in $_gw_pids; do kill "$_p" 2>/dev/null; done
    command -v card_stop >/dev/null 2>&1 && card_stop >/dev/null 2>&1; rm -rf "$T"' EXIT

# 127.0.0.1 only: never through a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
NO_PROXY=127.0.0.1,localhost
no_proxy=$NO_PROXY
KYSO_TEST_GW_PASSWORD=matkhau-thu-nghiem
STAFF_NAME="Trần Thị Bình"
STAFF_ID=001085001234
export NO_PROXY no_proxy KYSO_TEST_GW_PASSWORD
unset KYSO_CONF

start_gateway() {
	_n=$1
	shift
	GW_LOG=$T/gw-$_n.log
	: > "$GW_LOG"
	python3 "$top_srcdir/tests/gateway/gateway.py" --cert "$T/gw-server.pem" \
	    --key "$T/pki/tls-server.key" --log "$GW_LOG" "$@" \
	    >"$T/gw-$_n.out" 2>"$T/gw-$_n.err" &
	GW_PID=$!
	_gw_pids="$_gw_pids $GW_PID"
	await_ready "$GW_PID" "$T/gw-$_n" "the stand-in gateway"
	GW_PORT=$READY_PORT
	GW_URL=https://127.0.0.1:$GW_PORT
}

write_conf() {
	_f=$1
	shift
	(
		umask 077
		{
			echo "# kyso.conf for the stand-in gateway"
			echo "[insurance]"
			echo "gateway = $GW_URL"
			echo "username = 01001_BV"
			echo "password-source = env:KYSO_TEST_GW_PASSWORD"
			echo "staff-name = $STAFF_NAME"
			echo "staff-id = $STAFF_ID"
			echo "cacert = $T/pki/trust.pem"
			echo "timeout = 10"
			echo "connect-timeout = 5"
			for _l in "$@"; do echo "$_l"; done
		} > "$_f"
	)
}

lookup() {
	"$KYSO" insurance lookup --config "$T/kyso.conf" "$@"
}

# gw_count PATH [KEY VALUE]: how many logged requests went to PATH (and had KEY == VALUE).
gw_count() {
	python3 - "$GW_LOG" "$@" <<'EOF'
import json, sys
log, path = sys.argv[1], sys.argv[2]
kv = sys.argv[3:5]
n = 0
for line in open(log, encoding="utf-8"):
    r = json.loads(line)
    if r.get("path") != path:
        continue
    if kv and str(r.get(kv[0])) != kv[1]:
        continue
    n += 1
print(n)
EOF
}

# json_check FILE EXPR: EXPR (Python, the object is d) must be true.
json_check() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
if not eval(sys.argv[2]):
    print("json_check failed: " + sys.argv[2])
    print(json.dumps(d, ensure_ascii=False, indent=1)[:3000])
    sys.exit(1)
EOF
}

# expect_json CODE EXPR CMD...: exit status CODE, stdout exactly one JSON object satisfying EXPR.
expect_json() {
	_want=$1
	_expr=$2
	shift 2
	"$@" >"$T/.json" 2>"$T/.err" </dev/null
	_got=$?
	if [ "$_got" -ne "$_want" ]; then
		fail "$* : exit $_got, expected $_want"
		sed 's/^/    | /' "$T/.err" "$T/.json" | head -20
		return 1
	fi
	if ! json_check "$T/.json" "$_expr" >"$T/.jc" 2>&1; then
		fail "$* : $_expr"
		sed 's/^/    | /' "$T/.jc" | head -30
		return 1
	fi
	pass "$* -> $_want, $_expr"
}
