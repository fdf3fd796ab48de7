#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The gateway's CA bundle (--cacert, cacert in kyso.conf) is the only trust
# for the gateway: the system's CA store is not searched beside it.  The
# stand-in gateway's TLS certificate is issued under the test PKI's other
# root (tls-other, made here with certs/mkpki.sh), which a stand-in "system
# store" holds and the named bundle (trust.pem, the test root) does not.
#
# The system store libcurl trusts is compiled in (Debian: CApath
# /etc/ssl/certs, CAfile /etc/ssl/certs/ca-certificates.crt): libcurl reads
# neither SSL_CERT_DIR nor SSL_CERT_FILE.  So the stand-in store is a
# directory bind-mounted over that CApath in a private mount namespace of
# its own (unshare -rm: a user namespace, mounts private, nothing outside
# changes); without one, that part is skipped and said so.
#
# Asserted: the bundle holding the server's CA works (0), from the command
# line and from kyso.conf; a bundle without it is refused (7, naming the
# bundle and that it alone is trusted) even when the system store would
# vouch for the server, and nothing reaches the server then; the control:
# without a bundle the stand-in store is what verifies the server (0), so
# the refusal is the bundle's rule, not a store that was never looked at.
# Without a bundle and without the stand-in store: 7 naming the system
# store and cacert.  A bundle that is a FIFO or a directory is refused
# before connecting (3), without waiting on the FIFO.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/gateway/lib.sh"

HOLDER="Nguyễn Thị Hồng Nhung"
P=$T/pki
sh "$top_srcdir/certs/mkpki.sh" "$P" tls-other v3_tls_server other-root \
    "/C=VN/O=Kyso Other PKI/CN=localhost" >"$T/mkpki-other.log" 2>&1 ||
    { cat "$T/mkpki-other.log"; fail "certs/mkpki.sh tls-other failed"; done_testing; }
cat "$P/tls-other.pem" "$P/other-root.pem" > "$T/gw-other.pem"
start_gateway other --cert "$T/gw-other.pem" --key "$P/tls-other.key"
write_conf "$T/kyso.conf"                                  # cacert = trust.pem
write_conf "$T/other.conf" && sed -i "s|^cacert = .*|cacert = $P/other-root.pem|" "$T/other.conf"
write_conf "$T/nocacert.conf" && sed -i '/^cacert = /d' "$T/nocacert.conf"
grep -q '^cacert' "$T/nocacert.conf" && fail "nocacert.conf names a bundle"
q() { _c=$1; shift; "$KYSO" insurance lookup --config "$T/$_c.conf" --ma-the 001190012345 \
    --name "$HOLDER" --dob 15/03/1990 "$@"; }
REFUSED="^kyso insurance: TLS certificate verification of the gateway $GW_URL failed \(.*\): the server is not who it claims or its CA is not trusted; check the CA bundle \(cacert\) $P/trust.pem: it alone is trusted for the gateway, not the system's CA store, so it must hold a CA of the server's certificate chain$"
lookups() { gw_count /api/egw/KQNhanLichSuKCB2024; }

# ---- the named bundle alone works -------------------------------------------------
expect 0 'result: +000' q other
expect 0 'result: +000' q kyso --cacert "$P/other-root.pem"
n=$(lookups)
[ "$n" -eq 2 ] && pass "two lookups through the named bundle" || fail "$n lookups, expected 2"
# a bundle without the server's CA; no bundle: the real system store does not
# know the test PKI either
expect 7 "$REFUSED" q kyso
expect 7 "^kyso insurance: TLS certificate verification of the gateway $GW_URL failed \(.*\): the server is not who it claims or its CA is not trusted \(by the system's CA store\); check the URL, or name the CA bundle of its certificate \(cacert\)$" \
    q nocacert

# ---- a bundle that is not a file: refused before connecting ----------------------
# (timeout: a build that waits on the FIFO fails instead of hanging the suite)
mkfifo "$T/fifo.pem"
expect 3 "^kyso insurance: the CA bundle $T/fifo.pem is a FIFO, not a file; name a PEM file of the gateway's CA certificates \(cacert\)$" \
    timeout 120 "$KYSO" insurance lookup --config "$T/kyso.conf" --cacert "$T/fifo.pem" \
    --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
expect 3 "^kyso insurance: the CA bundle $P is a directory, not a file; name a PEM file of the gateway's CA certificates \(cacert\)$" \
    q kyso --cacert "$P"
expect 6 "^kyso insurance: cannot read the CA bundle $T/none.pem: No such file or directory; check the file name \(cacert\)$" \
    q kyso --cacert "$T/none.pem"
# a bundle without a PEM certificate (DER, a key, empty): refused before
# connecting (exit 6), not a TLS failure that blames the server (7)
openssl x509 -in "$P/other-root.pem" -outform DER -out "$T/root.der"
: > "$T/empty.pem"
before=$(lookups)
for b in "$T/root.der" "$P/tls-other.key" "$T/empty.pem"; do
	expect 6 "^kyso insurance: the CA bundle $b holds no PEM certificate; name a PEM file of the gateway's CA certificates \(cacert\)$" \
	    q other --cacert "$b"
done
[ "$(lookups)" -eq "$before" ] && pass "no lookup with a bundle that holds no PEM certificate" ||
    fail "a lookup was sent with a bundle that holds no PEM certificate"

# ---- a system store that vouches for the server ----------------------------------
capath=$(curl-config --configure 2>/dev/null | tr ' ' '\n' | sed -n "s/^'*--with-ca-path=\([^']*\)'*$/\1/p")
[ -n "$capath" ] || capath=/etc/ssl/certs
mkdir "$T/sys"
cp "$P/other-root.pem" "$T/sys/other-root.pem"
cp "$P/other-root.pem" "$T/sys/ca-certificates.crt"   # the CAfile inside it, on Debian
openssl rehash "$T/sys" >/dev/null 2>&1 || c_rehash "$T/sys" >/dev/null 2>&1
# in_sys CMD...: CMD with $T/sys in the place of the system's CA directory
in_sys() {
	unshare -rm sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh \
	    "$T/sys" "$capath" "$@"
}
if [ -d "$capath" ] && ls "$T/sys"/*.0 >/dev/null 2>&1 &&
    in_sys sh -c '[ -f "$1/other-root.pem" ]' sh "$capath" 2>/dev/null; then
	# the control: without a bundle, the stand-in store verifies the server
	expect 0 'result: +000' in_sys "$KYSO" insurance lookup --config "$T/nocacert.conf" \
	    --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
	before=$(lookups)
	# with a bundle that does not hold the server's CA: refused all the same
	expect 7 "$REFUSED" in_sys "$KYSO" insurance lookup --config "$T/kyso.conf" \
	    --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
	expect 7 "$REFUSED" in_sys "$KYSO" insurance lookup --config "$T/nocacert.conf" \
	    --cacert "$P/trust.pem" --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
	[ "$(lookups)" -eq "$before" ] && pass "no lookup reached a server the bundle does not verify" ||
	    fail "a lookup passed a TLS connection only the system store verified"
	# and the bundle holding its CA still works there
	expect 0 'result: +000' in_sys "$KYSO" insurance lookup --config "$T/other.conf" \
	    --ma-the 001190012345 --name "$HOLDER" --dob 15/03/1990
	[ -f "$capath/other-root.pem" ] && fail "the stand-in store shows outside its namespace" ||
	    pass "the system's $capath is untouched"
else
	echo "# SKIP: no private mount namespace (unshare -rm) over $capath here: the" \
	    "bundle is not tried against a system store that knows the server"
fi

done_testing
