#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# libcurl is loaded only by the insurance gateway client: with a broken
# libcurl first on the library path, a lookup fails cleanly (exit 7, a message
# naming the library and the fix, nothing sent) and every other command runs.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

# The library name libsign loads (configure found it: config.h).
SONAME=$(sed -n 's/^#define SIGN_LIBCURL_SONAME "\(.*\)"$/\1/p' "$top_builddir/config.h")
[ -n "$SONAME" ] || { fail "config.h defines no SIGN_LIBCURL_SONAME"; done_testing; }
SONAME_RE=$(printf '%s' "$SONAME" | sed 's/[.]/\\./g')

start_gateway nocurl
write_conf "$T/kyso.conf"
HOLDER="Nguyễn Thị Hồng Nhung"
fresh_softhsm
init_token "Không Curl"
printf 'not a signature\n' > "$T/junk.p7s"
LD0=${LD_LIBRARY_PATH:-}

# with_lib DIR CMD...: CMD with DIR first on the library path (the libtool
# wrapper adds the build's libsign after it: libsign has no libcurl there).
with_lib() {
	_d=$1
	shift
	LD_LIBRARY_PATH=$_d${LD0:+:$LD0} "$@"
}

# --- an empty file where libcurl should be ------------------------------------
mkdir "$T/empty"
: > "$T/empty/$SONAME"
expect 7 "^kyso insurance: the HTTPS client library $SONAME_RE could not be loaded \(.*$SONAME_RE: file too short\); install the package that provides it \(Debian: libcurl4\)\$" \
    with_lib "$T/empty" "$KYSO" insurance lookup --config "$T/kyso.conf" \
    --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
[ "$(wc -l < "$T/.out")" -eq 1 ] && pass "one line on stderr" || fail "more than one line"
expect_json 7 'd["schema"] == 1 and d["ok"] is False and d["exit"] == 7 and d["error"].startswith("the HTTPS client library '"$SONAME"' could not be loaded")' \
    with_lib "$T/empty" "$KYSO" insurance lookup --json --config "$T/kyso.conf" \
    --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990

# --- a shared library that is not libcurl (a copy of libsign) -----------------
if [ -f "$top_builddir/libsign/.libs/libsign.so" ]; then
	mkdir "$T/other"
	cp "$top_builddir/libsign/.libs/libsign.so" "$T/other/$SONAME"
	expect 7 "^kyso insurance: the HTTPS client library $SONAME_RE has no function curl_global_init: it is not libcurl; install the package that provides it \(Debian: libcurl4\)\$" \
	    with_lib "$T/other" "$KYSO" insurance lookup --config "$T/kyso.conf" \
	    --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
else
	echo "# no shared libsign.so (static build): the not-libcurl case is not run"
fi

[ "$(gw_count /api/token/take)" -eq 0 ] && [ "$(gw_count /api/egw/KQNhanLichSuKCB2024)" -eq 0 ] &&
    pass "nothing reached the gateway" || fail "a request was sent without libcurl"

# --- other commands never load it -----------------------------------------------
# (when libsign linked libcurl, each of these failed to start: exit 127)
expect 0 "^kyso [0-9]" with_lib "$T/empty" "$KYSO" --version
expect 0 "token: +Không Curl" with_lib "$T/empty" "$KYSO" token list
expect 6 "junk\.p7s is not a valid CMS signature" \
    with_lib "$T/empty" "$KYSO" verify --trust "$T/pki/trust.pem" "$T/junk.p7s"
expect 0 "^070 +not_covered" with_lib "$T/empty" "$KYSO" insurance codes

# --- the control: the same lookup with the real libcurl -------------------------
expect 0 'result: +000 Thông tin thẻ chính xác' \
    "$KYSO" insurance lookup --config "$T/kyso.conf" \
    --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990

done_testing
