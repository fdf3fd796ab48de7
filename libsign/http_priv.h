/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Plain HTTP(S) requests through the libcurl the gateway transport loads
 * (gateway_http.c): for services other than the insurance gateway, such as
 * an RFC 3161 time-stamp server, an OCSP responder, a CRL distribution
 * point.  All are abandoned when sign_cancel_request() is called. */
#ifndef LIBSIGN_HTTP_PRIV_H
#define LIBSIGN_HTTP_PRIV_H

#include "internal.h"

/*
 * POST body (blen bytes, Content-Type ctype) to url (http:// or https://,
 * server certificate verified; no redirect followed), within timeout_ms;
 * *status the HTTP status, answer its body (at most max bytes).  what names
 * the service in messages ("the time-stamp server").  SIGN_ERR_NETWORK when
 * it cannot be reached, does not answer in time or fails TLS;
 * SIGN_ERR_TOO_LARGE for a longer answer.
 */
int sign_http__post(const char *url, const char *what, const char *ctype,
    const unsigned char *body, size_t blen, size_t max, long timeout_ms, long *status,
    sign_buf *answer);

/* GET url, otherwise as sign_http__post(). */
int sign_http__get(const char *url, const char *what, size_t max, long timeout_ms,
    long *status, sign_buf *answer);

/*
 * A session: requests made one after the other on it share libcurl's
 * connection cache, so a server that keeps connections open (HTTP/1.1
 * keep-alive) is connected to (and for https, its TLS handshake made) once,
 * not for each request.  Each request is otherwise exactly a
 * sign_http__post() (limits, timeouts, TLS verification, no redirects,
 * cancellation, messages).  One thread at a time per session; a thread of
 * its own each for requests in parallel.  sign_http__session_free() is
 * NULL-safe and closes the connections.
 */
typedef struct sign_http__session sign_http__session;

int sign_http__session_new(sign_http__session **out);
/*
 * A CA bundle named for a TLS server, checked before anything is asked of
 * it (whose: "the CA bundle", "the time-stamp server's CA bundle"; of: what
 * it should hold, for the fix; setting: where it is set, "cacert"): a
 * regular file (opened without waiting: a FIFO is refused, not waited on)
 * of at most SIGN_HTTP__MAX_CA_BUNDLE bytes holding at least one PEM
 * certificate (what libcurl's OpenSSL reads from it).  SIGN_ERR_NOT_FOUND
 * (cannot be opened), SIGN_ERR_USAGE (a directory, FIFO or device),
 * SIGN_ERR_TOO_LARGE, SIGN_ERR_MALFORMED (no PEM certificate), each naming
 * the file and the fix.
 */
#define SIGN_HTTP__MAX_CA_BUNDLE (8 * 1024 * 1024)
int sign_http__check_ca_bundle(const char *path, const char *whose, const char *of,
    const char *setting);
void sign_http__session_free(sign_http__session *s);
/* Before its first request: the session's https requests verify the
 * server's certificate against the CA certificates of the PEM file cainfo
 * only (libcurl's default CA file and directory are not used; NULL: the
 * system's store again).  setting names where the bundle is set, for the
 * message of a failed verification ("tsa-cacert"; NULL: none). */
int sign_http__session_set_ca(sign_http__session *s, const char *cainfo,
    const char *setting);
int sign_http__session_post(sign_http__session *s, const char *url, const char *what,
    const char *ctype, const unsigned char *body, size_t blen, size_t max, long timeout_ms,
    long *status, sign_buf *answer);

#endif
