/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The insurance gateway's HTTPS transport: libcurl with certificate
 * verification always on, an optional client certificate whose key is a PEM
 * file or a PKCS#11 token key (through the pkcs11 OpenSSL engine), bounded
 * answers, and errors sorted into transient and final ones.
 *
 * libcurl is loaded with dlopen() when the first gateway client is made, not
 * linked: it brings some 25 shared libraries (GSSAPI, LDAP, SSH, HTTP/2...)
 * whose loading every other kyso command would pay for. */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* the pkcs11 ENGINE API */
#include "insurance_priv.h"
#include "http_priv.h"
#include "libsign/cancel.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* Only the types and constants come from curl.h; the functions are reached
 * through pointers (below), which curl's GCC argument checks for
 * curl_easy_setopt() and curl_easy_getinfo() do not wrap: every call passes
 * exactly the type its option takes (long, curl_off_t, a string, an object
 * pointer, a callback). */
#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#ifndef OPENSSL_NO_ENGINE
#include <openssl/engine.h>
#endif

#define MAX_PEM (1024 * 1024)

/* configure finds it: the libcurl we compile against (curl.h's types) */
#ifndef SIGN_LIBCURL_SONAME
#error "config.h does not define SIGN_LIBCURL_SONAME"
#endif

/* ---- libcurl, loaded on first use ---------------------------------------- */

/* The functions used, each pointer typed from curl.h's own declaration. */
#define CURL_FUNCTIONS(X) \
	X(curl_global_init) \
	X(curl_easy_init) \
	X(curl_easy_setopt) \
	X(curl_easy_perform) \
	X(curl_easy_getinfo) \
	X(curl_easy_cleanup) \
	X(curl_easy_strerror) \
	X(curl_slist_append) \
	X(curl_slist_free_all)

/* libssl's, for the client certificate in CURLOPT_SSL_CTX_FUNCTION: found
 * through libcurl's handle (an OpenSSL libcurl depends on libssl), so that
 * libsign does not link libssl either. */
#define SSL_FUNCTIONS(X) \
	X(SSL_CTX_use_certificate) \
	X(SSL_CTX_use_PrivateKey) \
	X(SSL_CTX_ctrl)

#define CURL_POINTER(f) static __typeof__(f) *p_##f;
CURL_FUNCTIONS(CURL_POINTER)
SSL_FUNCTIONS(CURL_POINTER)
#undef CURL_POINTER

/* A missing or broken libcurl is SIGN_ERR_NETWORK: like a gateway that
 * cannot be reached, a runtime failure of the network backend (kyso exit 7),
 * not bad input data. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_load_rc;            /* 0 once loaded, else SIGN_ERR_NETWORK */
static char curl_load_msg[512];     /* why it could not be loaded */

/* Runs once per process.  The handle is never closed: libcurl keeps global
 * state (and OpenSSL's) that must outlive every client. */
static void
curl_load_once(void)
{
	const char *missing = NULL;
	void *h;
	CURLcode cc;

	h = dlopen(SIGN_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char *why = dlerror();

		snprintf(curl_load_msg, sizeof(curl_load_msg),
		    "the HTTPS client library %s could not be loaded (%s); install the package "
		    "that provides it (Debian: libcurl4)", SIGN_LIBCURL_SONAME,
		    why != NULL ? why : "no reason given");
		curl_load_rc = SIGN_ERR_NETWORK;
		return;
	}
#define CURL_RESOLVE(f) \
	if (missing == NULL && (p_##f = (__typeof__(p_##f))dlsym(h, #f)) == NULL) \
		missing = #f;
	CURL_FUNCTIONS(CURL_RESOLVE)
#undef CURL_RESOLVE
	/* Not fatal here: without them only a client certificate is refused
	 * (libcurl not built with OpenSSL, see gateway__new). */
#define SSL_RESOLVE(f) p_##f = (__typeof__(p_##f))dlsym(h, #f);
	SSL_FUNCTIONS(SSL_RESOLVE)
#undef SSL_RESOLVE
	if (missing != NULL) {
		snprintf(curl_load_msg, sizeof(curl_load_msg),
		    "the HTTPS client library %s has no function %s: it is not libcurl; install "
		    "the package that provides it (Debian: libcurl4)", SIGN_LIBCURL_SONAME,
		    missing);
		curl_load_rc = SIGN_ERR_NETWORK;
		return;
	}
	/* Here rather than implicitly in the first curl_easy_init(): under the
	 * once, clients made at the same time by several threads are safe. */
	cc = p_curl_global_init(CURL_GLOBAL_DEFAULT);
	if (cc != CURLE_OK) {
		snprintf(curl_load_msg, sizeof(curl_load_msg),
		    "libcurl could not be initialised (curl_global_init: %s)",
		    p_curl_easy_strerror(cc));
		curl_load_rc = SIGN_ERR_NETWORK;
	}
}

/* 0 when libcurl's functions can be called; the reason otherwise. */
static int
curl_load(void)
{
	if (pthread_once(&curl_once, curl_load_once) != 0)
		return sign_error__set(SIGN_ERR_GENERIC, 0, "pthread_once failed loading libcurl");
	if (curl_load_rc != 0)
		return sign_error__set(curl_load_rc, 0, "%s", curl_load_msg);
	return 0;
}

/*
 * Called by libcurl while a request runs (at least about once a second,
 * and at once when a signal interrupts its wait): a nonzero return abandons
 * the request (CURLE_ABORTED_BY_CALLBACK) when sign_cancel_request() was
 * called.  So Ctrl-C ends a request to a server that does not answer within
 * about a second instead of its timeout (cancel.h).
 */
static int
on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	(void)ud;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return sign_cancel_requested();
}

/* Make requests on c abandonable (on_progress). */
static int
set_cancellable(CURL *c)
{
	return p_curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK ||
	    p_curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ? -1 : 0;
}

struct gw {
	CURL *curl;
	struct curl_slist *headers;
	char *base;                 /* for messages */
	char *cacert;               /* the CA bundle, the only trust; NULL: the system's */
	long timeout_ms;
	X509 *cert;                 /* client certificate, or NULL */
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
#ifndef OPENSSL_NO_ENGINE
	ENGINE *engine;             /* the pkcs11 engine holding key, or NULL */
#endif
	/* the answer being received */
	unsigned char *buf;
	size_t len, cap;
	int too_large;
	char errbuf[CURL_ERROR_SIZE];
};

static void
gw_free(void *ctx)
{
	struct gw *g = ctx;

	if (g == NULL)
		return;
	/* (both NULL unless libcurl was loaded) */
	if (g->curl != NULL)
		p_curl_easy_cleanup(g->curl);
	if (g->headers != NULL)
		p_curl_slist_free_all(g->headers);
	free(g->base);
	free(g->cacert);
	X509_free(g->cert);
	sk_X509_pop_free(g->chain, X509_free);
	EVP_PKEY_free(g->key);
#ifndef OPENSSL_NO_ENGINE
	if (g->engine != NULL) {
		ENGINE_finish(g->engine);
		ENGINE_free(g->engine);
	}
#endif
	sign__freezero(g->buf, g->cap);
	free(g);
}

static size_t
on_data(char *p, size_t size, size_t n, void *ud)
{
	struct gw *g = ud;
	size_t add = size * n;

	if (add > SIGN_INSURANCE__MAX_ANSWER - g->len) {
		g->too_large = 1;
		return 0;
	}
	if (g->len + add + 1 > g->cap) {
		size_t ncap = g->cap == 0 ? 16384 : g->cap;
		unsigned char *q;

		while (ncap < g->len + add + 1)
			ncap *= 2;
		q = malloc(ncap);
		if (q == NULL)
			return 0;
		if (g->len > 0)
			memcpy(q, g->buf, g->len);
		sign__freezero(g->buf, g->cap);
		g->buf = q;
		g->cap = ncap;
	}
	memcpy(g->buf + g->len, p, add);
	g->len += add;
	return add;
}

static CURLcode
on_ssl_ctx(CURL *curl, void *sslctx, void *ud)
{
	struct gw *g = ud;
	SSL_CTX *ctx = sslctx;

	(void)curl;
	/* (SSL_CTX_set1_chain is SSL_CTX_ctrl(SSL_CTRL_CHAIN, 1)) */
	if (p_SSL_CTX_use_certificate == NULL || p_SSL_CTX_use_PrivateKey == NULL ||
	    p_SSL_CTX_ctrl == NULL || p_SSL_CTX_use_certificate(ctx, g->cert) != 1 ||
	    p_SSL_CTX_use_PrivateKey(ctx, g->key) != 1 ||
	    (g->chain != NULL && sk_X509_num(g->chain) > 0 &&
	    p_SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN, 1, g->chain) != 1)) {
		ERR_clear_error();
		return CURLE_SSL_CERTPROBLEM;
	}
	return CURLE_OK;
}

/* Which failures are worth another try, and what to tell the user. */
static int
map_curl_error(struct gw *g, CURLcode cc, int *transient)
{
	const char *detail = g->errbuf[0] != '\0' ? g->errbuf : p_curl_easy_strerror(cc);

	*transient = 0;
	switch (cc) {
	case CURLE_ABORTED_BY_CALLBACK:
		return sign_error__set(SIGN_ERR_CANCELLED, cc, "the request to the gateway %s was "
		    "abandoned: interrupted", g->base);
	case CURLE_WRITE_ERROR:
		if (g->too_large)
			return sign_error__set(SIGN_ERR_TOO_LARGE, cc,
			    "the gateway's answer is larger than %u bytes",
			    SIGN_INSURANCE__MAX_ANSWER);
		return sign_error__set(SIGN_ERR_NOMEM, cc, "out of memory receiving the answer");
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		if (g->cacert != NULL)
			return sign_error__set(SIGN_ERR_NETWORK, cc,
			    "TLS certificate verification of the gateway %s failed (%s): the "
			    "server is not who it claims or its CA is not trusted; check the CA "
			    "bundle (cacert) %s: it alone is trusted for the gateway, not the "
			    "system's CA store, so it must hold a CA of the server's certificate "
			    "chain", g->base, detail, g->cacert);
		return sign_error__set(SIGN_ERR_NETWORK, cc,
		    "TLS certificate verification of the gateway %s failed (%s): the server is "
		    "not who it claims or its CA is not trusted (by the system's CA store); "
		    "check the URL, or name the CA bundle of its certificate (cacert)",
		    g->base, detail);
	case CURLE_SSL_CERTPROBLEM:
		return sign_error__set(SIGN_ERR_NETWORK, cc,
		    "the client certificate could not be used (%s)", detail);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		if (strstr(detail, "alert") != NULL || strstr(detail, "certificate") != NULL) {
			int wants_cert = strstr(detail, "certificate required") != NULL ||
			    (g->cert == NULL && strstr(detail, "handshake failure") != NULL);

			return sign_error__set(SIGN_ERR_NETWORK, cc,
			    "TLS handshake with the gateway %s failed (%s)%s", g->base, detail,
			    wants_cert ? (g->cert == NULL ?
			    ": the gateway requires a client certificate (client-cert and "
			    "client-key)" : ": the gateway did not accept the client "
			    "certificate") : "");
		}
		*transient = 1;
		return sign_error__set(SIGN_ERR_NETWORK, cc, "connection to the gateway %s failed "
		    "(%s)", g->base, detail);
	case CURLE_OPERATION_TIMEDOUT:
		*transient = 1;
		return sign_error__set(SIGN_ERR_NETWORK, cc,
		    "the gateway %s did not answer in time (timeout %ld.%03ld s: %s)", g->base,
		    g->timeout_ms / 1000, g->timeout_ms % 1000, detail);
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_GOT_NOTHING:
		*transient = 1;
		return sign_error__set(SIGN_ERR_NETWORK, cc, "cannot reach the gateway %s (%s)",
		    g->base, detail);
	case CURLE_PARTIAL_FILE:
		return sign_error__set(SIGN_ERR_SERVER_RESPONSE, cc,
		    "the gateway's answer was cut short: %s (truncated answer)", detail);
	default:
		return sign_error__set(SIGN_ERR_NETWORK, cc, "request to the gateway %s failed (%s)",
		    g->base, detail);
	}
}

static int
gw_post(void *ctx, const char *url, const char *log_url, const char *body, size_t blen,
    long *status, sign_buf *answer, int *transient)
{
	struct gw *g = ctx;
	CURLcode cc;
	long code = 0;
	int rc = 0;

	(void)log_url;
	*status = 0;
	*transient = 0;
	g->len = 0;
	g->too_large = 0;
	g->errbuf[0] = '\0';
	if (sign_cancel_requested())
		return sign_error__set(SIGN_ERR_CANCELLED, 0, "the request to the gateway %s was "
		    "not made: interrupted", g->base);
	if (p_curl_easy_setopt(g->curl, CURLOPT_URL, url) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK)
		return sign_error__set(SIGN_ERR_GENERIC, 0, "libcurl refused the request's options");
	cc = p_curl_easy_perform(g->curl);
	/* libcurl keeps a copy of the URL (it holds the token): drop it now. */
	p_curl_easy_setopt(g->curl, CURLOPT_URL, "https://invalid.invalid/");
	p_curl_easy_setopt(g->curl, CURLOPT_POSTFIELDS, "");
	if (cc != CURLE_OK) {
		rc = map_curl_error(g, cc, transient);
		goto out;
	}
	p_curl_easy_getinfo(g->curl, CURLINFO_RESPONSE_CODE, &code);
	*status = code;
	rc = sign_buf__set(answer, g->buf != NULL ? g->buf : (unsigned char *)"", g->len);
out:
	if (g->buf != NULL)
		OPENSSL_cleanse(g->buf, g->len);
	g->len = 0;
	return rc;
}

/* The client certificate, and any further certificates in the file as its chain. */
static int
load_cert(struct gw *g, const char *path)
{
	sign_buf pem = SIGN_BUF_INIT;
	BIO *bio = NULL;
	X509 *x;
	int rc;

	rc = sign__read_file(path, MAX_PEM, &pem);
	if (rc != 0)
		goto out;
	bio = BIO_new_mem_buf(pem.data, (int)pem.len);
	g->chain = sk_X509_new_null();
	if (bio == NULL || g->chain == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	g->cert = PEM_read_bio_X509(bio, NULL, sign__pem_no_password, NULL);
	if (g->cert == NULL) {
		rc = sign_error__openssl(SIGN_ERR_MALFORMED,
		    "%s holds no PEM certificate (the client certificate)", path);
		goto out;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, sign__pem_no_password, NULL)) != NULL) {
		if (!sk_X509_push(g->chain, x)) {
			X509_free(x);
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
	}
	ERR_clear_error();
out:
	BIO_free(bio);
	sign_buf_dispose(&pem);
	return rc;
}

static int
load_key_file(struct gw *g, const char *path)
{
	sign_buf data = SIGN_BUF_INIT;
	struct sign__file_why why;
	struct stat st;
	BIO *bio = NULL;
	int fd = -1, rc = 0;

	if (sign__file_open(path, 0, &fd, &st, &why) != 0) {
		rc = why.fail == SIGN__FILE_OPEN ? sign_error__set(why.code,
		    (unsigned long)why.err, "cannot open the client key %s: %s", path,
		    strerror(why.err)) : sign_error__set(SIGN_ERR_IO, 0, "the client key %s is "
		    "not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "the client key %s may be read by other users (mode %04o); chmod 600 %s",
		    path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if (sign__file_read(fd, &st, MAX_PEM, &data, &why) != 0) {
		rc = why.fail == SIGN__FILE_SIZE ? sign_error__set(why.code, 0,
		    "%s: larger than %d bytes", path, MAX_PEM) :
		    why.fail == SIGN__FILE_NOMEM ? sign_error__set(why.code, 0, "out of memory") :
		    sign_error__set(why.code, (unsigned long)why.err, "cannot read %s: %s", path,
		    strerror(why.err));
		goto out;
	}
	bio = BIO_new_mem_buf(data.data, (int)data.len);
	if (bio == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	/* sign__pem_no_password: an encrypted key fails here instead of prompting. */
	g->key = PEM_read_bio_PrivateKey(bio, NULL, sign__pem_no_password, NULL);
	if (g->key == NULL)
		rc = sign_error__openssl(SIGN_ERR_MALFORMED,
		    "%s holds no unencrypted PEM private key (the client key)", path);
out:
	BIO_free(bio);
	if (fd >= 0)
		close(fd);
	sign_buf_dispose(&data);
	return rc;
}

#ifndef OPENSSL_NO_ENGINE
/* The value of a URI query attribute (module-path=...), percent-decoded. */
static char *
uri_query_attr(const char *uri, const char *name)
{
	const char *q = strchr(uri, '?'), *p, *e;
	size_t n = strlen(name), i, j;
	char *v;

	if (q == NULL)
		return NULL;
	for (p = q + 1; *p != '\0'; p = *e == '\0' ? e : e + 1) {
		e = p + strcspn(p, "&");
		if ((size_t)(e - p) > n && strncmp(p, name, n) == 0 && p[n] == '=') {
			v = malloc((size_t)(e - p));
			if (v == NULL)
				return NULL;
			for (i = n + 1, j = 0; p + i < e; i++) {
				if (p[i] == '%' && p + i + 2 < e && isxdigit((unsigned char)p[i + 1]) &&
				    isxdigit((unsigned char)p[i + 2])) {
					char hx[3] = { p[i + 1], p[i + 2], '\0' };

					v[j++] = (char)strtol(hx, NULL, 16);
					i += 2;
				} else {
					v[j++] = p[i];
				}
			}
			v[j] = '\0';
			return v;
		}
	}
	return NULL;
}

static int
load_key_pkcs11(struct gw *g, const sign_insurance_options *o)
{
	const char *uri = o->client_key;
	char *module = NULL, *path_part = NULL;
	int rc = 0;

	if (strstr(uri, "pin-value") != NULL || strstr(uri, "pin-source") != NULL) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "the client key URI carries a PIN: remove pin-value/pin-source and give "
		    "the PIN through its own source");
		goto out;
	}
	if (o->client_key_pin == NULL || o->client_key_pin[0] == '\0') {
		rc = sign_error__set(SIGN_ERR_PIN_REQUIRED, 0,
		    "the client key is on a token: its PIN is needed (client-key-pin-source)");
		goto out;
	}
	if (o->pkcs11_module != NULL)
		module = strdup(o->pkcs11_module);
	else if ((module = uri_query_attr(uri, "module-path")) == NULL &&
	    getenv("KYSO_PKCS11_MODULE") != NULL)
		module = strdup(getenv("KYSO_PKCS11_MODULE"));
	path_part = strndup(uri, strcspn(uri, "?"));
	if (path_part == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	/* libp11 prints dlerror() itself: check the module first. */
	if (module != NULL && access(module, R_OK) != 0) {
		rc = sign_error__set(SIGN_ERR_PKCS11, (unsigned long)errno,
		    "cannot read the PKCS#11 module %s: %s", module, strerror(errno));
		goto out;
	}
	g->engine = ENGINE_by_id("pkcs11");
	if (g->engine == NULL) {
		rc = sign_error__openssl(SIGN_ERR_UNSUPPORTED,
		    "the OpenSSL pkcs11 engine is not installed (Debian: "
		    "libengine-pkcs11-openssl); it is needed for a client key on a token");
		goto out;
	}
	/* QUIET (libp11 >= 0.4.11): no messages of the engine's own on stderr. */
	ENGINE_ctrl_cmd_string(g->engine, "QUIET", NULL, 1);
	ERR_clear_error();
	if ((module != NULL && !ENGINE_ctrl_cmd_string(g->engine, "MODULE_PATH", module, 0)) ||
	    !ENGINE_ctrl_cmd_string(g->engine, "PIN", o->client_key_pin, 0)) {
		rc = sign_error__openssl(SIGN_ERR_PKCS11, "the pkcs11 engine refused its settings");
		ENGINE_free(g->engine);
		g->engine = NULL;
		goto out;
	}
	if (!ENGINE_init(g->engine)) {
		rc = sign_error__openssl(SIGN_ERR_PKCS11, "the pkcs11 engine cannot load the "
		    "module %s", module != NULL ? module : "(default)");
		/* Drop the PIN copy before letting go. */
		ENGINE_ctrl_cmd_string(g->engine, "PIN", "", 0);
		ENGINE_free(g->engine);
		g->engine = NULL;
		goto out;
	}
	g->key = ENGINE_load_private_key(g->engine, path_part, NULL, NULL);
	/* The engine keeps a copy of the PIN for re-logins: replace it now that the
	 * session is logged in, so that no PIN stays in memory. */
	ENGINE_ctrl_cmd_string(g->engine, "PIN", "", 0);
	if (g->key == NULL) {
		const char *first = NULL, *w;
		int bad_pin = 0, locked = 0, noload = 0;
		unsigned long e;

		/* The queue holds the token's reason and the engine's follow-ups. */
		while ((e = ERR_get_error()) != 0) {
			if ((w = ERR_reason_error_string(e)) == NULL)
				continue;
			if (first == NULL)
				first = w;
			bad_pin |= strstr(w, "PIN incorrect") != NULL;
			locked |= strstr(w, "PIN locked") != NULL || strstr(w, "PIN expired") != NULL;
			noload |= strstr(w, "load PKCS#11 module") != NULL;
		}
		if (bad_pin)
			rc = sign_error__set(SIGN_ERR_PIN_INCORRECT, 0,
			    "the token refused the PIN of the client key %s", path_part);
		else if (locked)
			rc = sign_error__set(SIGN_ERR_PIN_LOCKED, 0,
			    "the PIN of the token holding %s is locked", path_part);
		else if (noload)
			rc = sign_error__set(SIGN_ERR_PKCS11, 0, "the pkcs11 engine cannot load the "
			    "module %s", module != NULL ? module : "(its default)");
		else
			rc = sign_error__set(SIGN_ERR_KEY_NOT_FOUND, 0,
			    "no private key %s on a token of the module %s (%s)", path_part,
			    module != NULL ? module : "(the engine's default)",
			    first != NULL ? first : "no reason given");
		goto out;
	}
out:
	free(module);
	free(path_part);
	return rc;
}
#endif

/* (http_priv.h) The gateway's and the time-stamp server's CA bundles,
 * before anything is sent: libcurl would wait on a FIFO, and fail a bundle
 * without a PEM certificate only at the handshake, as an untrusted server. */
int
sign_http__check_ca_bundle(const char *path, const char *whose, const char *of,
    const char *setting)
{
	sign_buf data = SIGN_BUF_INIT;
	struct sign__file_why why;
	struct stat st;
	BIO *bio = NULL;
	X509 *x = NULL;
	int fd = -1, rc = 0;

	if (sign__file_open(path, 0, &fd, &st, &why) != 0 ||
	    sign__file_read(fd, &st, SIGN_HTTP__MAX_CA_BUNDLE, &data, &why) != 0) {
		switch (why.fail) {
		case SIGN__FILE_OPEN:
			rc = sign_error__set(SIGN_ERR_NOT_FOUND, (unsigned long)why.err, "cannot "
			    "read %s %s: %s; check the file name (%s)", whose, path,
			    strerror(why.err), setting);
			break;
		case SIGN__FILE_KIND:
			rc = sign_error__set(SIGN_ERR_USAGE, 0, "%s %s is %s, not a file; name a "
			    "PEM file of %s (%s)", whose, path, why.kind, of, setting);
			break;
		case SIGN__FILE_SIZE:
			rc = sign_error__set(why.code, 0, "%s %s is larger than %d bytes", whose,
			    path, SIGN_HTTP__MAX_CA_BUNDLE);
			break;
		case SIGN__FILE_NOMEM:
			rc = sign_error__set(why.code, 0, "out of memory");
			break;
		default:
			rc = sign_error__set(why.code, (unsigned long)why.err, "cannot read %s %s: %s",
			    whose, path, strerror(why.err));
		}
		goto out;
	}
	bio = BIO_new_mem_buf(data.data, (int)data.len);
	if (bio == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	x = PEM_read_bio_X509(bio, NULL, sign__pem_no_password, NULL);
	if (x == NULL)
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "%s %s holds no PEM certificate; name "
		    "a PEM file of %s (%s)", whose, path, of, setting);
out:
	ERR_clear_error();
	X509_free(x);
	BIO_free(bio);
	sign_buf_dispose(&data);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Trust for the server's certificate: a CA bundle named is the only one.
 * libcurl's default CApath (Debian: /etc/ssl/certs, a directory of the
 * system's CAs) would otherwise be searched beside it, so that any CA of
 * the system's store could vouch for a server whose CA bundle was named to
 * say who issues its certificate.  No native CA store is asked for
 * (CURLSSLOPT_NATIVE_CA), and CURLOPT_SSL_CTX_FUNCTION adds no CA.
 * Without a bundle: libcurl's defaults, the system's store. */
static int
set_ca(CURL *c, const char *cainfo)
{
	if (cainfo == NULL)
		return 0;
	return p_curl_easy_setopt(c, CURLOPT_CAINFO, cainfo) != CURLE_OK ||
	    p_curl_easy_setopt(c, CURLOPT_CAPATH, (const char *)NULL) != CURLE_OK ? -1 : 0;
}

int
sign_gateway__new(struct sign_insurance__transport *out, const sign_insurance_options *o)
{
	struct gw *g = NULL;
	char ua[64];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if ((o->client_cert == NULL) != (o->client_key == NULL))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "a client certificate needs both client-cert and client-key");
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rc = sign_insurance__check_base(&g->base, o->gateway);
	if (rc != 0)
		goto out;
	g->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
	if (o->cacert != NULL && (rc = sign_http__check_ca_bundle(o->cacert, "the CA bundle",
	    "the gateway's CA certificates", "cacert")) != 0)
		goto out;
	if (o->cacert != NULL && (g->cacert = strdup(o->cacert)) == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	/* Before the client key: no token login when nothing can be sent. */
	rc = curl_load();
	if (rc != 0)
		goto out;
	if (o->client_cert != NULL) {
		rc = load_cert(g, o->client_cert);
		if (rc != 0)
			goto out;
		if (strncmp(o->client_key, "pkcs11:", 7) == 0) {
#ifndef OPENSSL_NO_ENGINE
			rc = load_key_pkcs11(g, o);
#else
			rc = sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
			    "this OpenSSL has no engine support: a token client key cannot be used");
#endif
		} else {
			rc = load_key_file(g, o->client_key);
		}
		if (rc != 0)
			goto out;
		if (X509_check_private_key(g->cert, g->key) != 1) {
			rc = sign_error__openssl(SIGN_ERR_KEY_USAGE,
			    "the client certificate %s does not belong to the client key",
			    o->client_cert);
			goto out;
		}
	}
	g->curl = p_curl_easy_init();
	if (g->curl == NULL) {
		rc = sign_error__set(SIGN_ERR_GENERIC, 0, "libcurl could not be initialised");
		goto out;
	}
	g->headers = p_curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	if (g->headers != NULL)
		g->headers = p_curl_slist_append(g->headers, "Accept: application/json");
	if (g->headers == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	snprintf(ua, sizeof(ua), "kyso/%s", sign_version());
	if (p_curl_easy_setopt(g->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    p_curl_easy_setopt(g->curl, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK ||
#else
	    p_curl_easy_setopt(g->curl, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS) != CURLE_OK ||
#endif
	    p_curl_easy_setopt(g->curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_VERBOSE, 0L) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000L) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_TIMEOUT_MS, g->timeout_ms) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_HTTPHEADER, g->headers) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_USERAGENT, ua) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_WRITEDATA, g) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_ERRORBUFFER, g->errbuf) != CURLE_OK ||
	    set_cancellable(g->curl) != 0 ||
	    set_ca(g->curl, g->cacert) != 0) {
		rc = sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "this libcurl lacks a needed feature (HTTPS, TLS 1.2 or CA settings)");
		goto out;
	}
	if (g->cert != NULL && (p_SSL_CTX_use_certificate == NULL ||
	    p_SSL_CTX_use_PrivateKey == NULL || p_SSL_CTX_ctrl == NULL ||
	    p_curl_easy_setopt(g->curl, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) != CURLE_OK ||
	    p_curl_easy_setopt(g->curl, CURLOPT_SSL_CTX_DATA, g) != CURLE_OK)) {
		rc = sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "this libcurl is not built with OpenSSL: it cannot use a client certificate "
		    "from libsign");
		goto out;
	}
	out->post = gw_post;
	out->free = gw_free;
	out->ctx = g;
	g = NULL;
out:
	gw_free(g);
	return rc;
}

/* ---- a plain POST or GET, one-shot or on a session (http_priv.h) ---------- */

struct plain {
	sign_buf *answer;
	size_t max;
	int too_large, nomem;
};

static size_t
plain_data(char *p, size_t size, size_t n, void *ud)
{
	struct plain *pl = ud;
	size_t add = size * n;
	unsigned char *q;

	if (add > pl->max - pl->answer->len) {
		pl->too_large = 1;
		return 0;
	}
	q = realloc(pl->answer->data, pl->answer->len + add + 1);
	if (q == NULL) {
		pl->nomem = 1;
		return 0;
	}
	pl->answer->data = q;
	memcpy(q + pl->answer->len, p, add);
	pl->answer->len += add;
	return add;
}

/* An HTTP session (http_priv.h): one libcurl handle kept between requests,
 * so that its connection cache keeps the connection to the server open. */
struct sign_http__session {
	CURL *curl;                 /* made at the first request */
	char *cainfo;               /* the CA bundle trusted, NULL: the system store */
	char *ca_setting;           /* where it is set, for messages ("tsa-cacert") */
};

int
sign_http__session_new(sign_http__session **out)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	return 0;
}

void
sign_http__session_free(sign_http__session *s)
{
	if (s == NULL)
		return;
	/* (non-NULL only once libcurl was loaded) */
	if (s->curl != NULL)
		p_curl_easy_cleanup(s->curl);
	free(s->cainfo);
	free(s->ca_setting);
	free(s);
}

int
sign_http__session_set_ca(sign_http__session *s, const char *cainfo, const char *setting)
{
	char *c = NULL, *n = NULL;

	if (s == NULL || s->curl != NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the CA bundle of an HTTP session "
		    "is set before its first request");
	if ((cainfo != NULL && (c = strdup(cainfo)) == NULL) ||
	    (setting != NULL && (n = strdup(setting)) == NULL)) {
		free(c);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	free(s->cainfo);
	free(s->ca_setting);
	s->cainfo = c;
	s->ca_setting = n;
	return 0;
}

/* A failure of libcurl's request as the library's error: cancelled, too
 * large, out of memory, timed out, TLS verification (with the CA bundle the
 * session names, or the system's store), unreachable. */
static int
plain_error(const sign_http__session *s, CURLcode cc, const struct plain *pl,
    const char *what, const char *url, size_t max, long timeout_ms, const char *errbuf)
{
	const char *detail = errbuf[0] != '\0' ? errbuf : p_curl_easy_strerror(cc);
	const char *ca = s != NULL ? s->cainfo : NULL;
	const char *setting = s != NULL ? s->ca_setting : NULL;

	switch (cc) {
	case CURLE_ABORTED_BY_CALLBACK:
		return sign_error__set(SIGN_ERR_CANCELLED, cc, "the request to %s %s was "
		    "abandoned: interrupted", what, url);
	case CURLE_WRITE_ERROR:
		if (pl->too_large)
			return sign_error__set(SIGN_ERR_TOO_LARGE, cc, "the answer of %s %s is "
			    "larger than %zu bytes", what, url, max);
		if (pl->nomem)
			return sign_error__set(SIGN_ERR_NOMEM, cc, "out of memory receiving the "
			    "answer");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		return sign_error__set(SIGN_ERR_NETWORK, cc, "%s %s did not answer in time "
		    "(%ld s); try again, or check the URL", what, url, timeout_ms / 1000);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		/* as the gateway says it (map_curl_error), with the bundle used */
		if (ca != NULL)
			return sign_error__set(SIGN_ERR_NETWORK, cc, "TLS certificate "
			    "verification of %s %s failed (%s): the server is not who it claims "
			    "or its CA is not trusted; check the CA bundle %s (%s): it must hold "
			    "a CA of the server's certificate chain", what, url, detail, ca,
			    setting != NULL ? setting : "its CA bundle");
		if (setting != NULL)
			return sign_error__set(SIGN_ERR_NETWORK, cc, "TLS certificate "
			    "verification of %s %s failed (%s): the server is not who it claims "
			    "or its CA is not trusted (by the system's CA store); check the URL, "
			    "or name the CA bundle of its certificate (%s)", what, url, detail,
			    setting);
		return sign_error__set(SIGN_ERR_NETWORK, cc, "TLS certificate verification of "
		    "%s %s failed (%s): the server is not who it claims or its CA is not "
		    "trusted; check the URL and the system's CA store", what, url, detail);
	case CURLE_SSL_CACERT_BADFILE:
		return sign_error__set(SIGN_ERR_NETWORK, cc, "the CA bundle %s%s%s%s could not be "
		    "used to verify %s %s (%s); check the file", ca != NULL ? ca : "of the system",
		    setting != NULL ? " (" : "", setting != NULL ? setting : "",
		    setting != NULL ? ")" : "", what, url, detail);
	default:
		break;
	}
	return sign_error__set(SIGN_ERR_NETWORK, cc, "cannot reach %s %s (%s); check the URL "
	    "and the network", what, url, detail);
}

/* One plain request: a POST of body (blen bytes, Content-Type ctype) or,
 * with ctype NULL, a GET; on session s (POST only), else on a handle of its
 * own, cleaned up after it (closing its connection). */
static int
plain_request(sign_http__session *s, const char *url, const char *what, const char *ctype,
    const unsigned char *body, size_t blen, size_t max, long timeout_ms, long *status,
    sign_buf *answer)
{
	struct plain pl;
	struct curl_slist *hdr = NULL;
	char ct[128], errbuf[CURL_ERROR_SIZE];
	CURL *c = NULL;
	CURLcode cc;
	int rc, ok;

	*status = 0;
	sign_buf_dispose(answer);
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return sign_error__set(SIGN_ERR_USAGE, 0, "%s URL %s is not http:// or https://",
		    what, url);
	if ((rc = curl_load()) != 0)
		return rc;
	if (sign_cancel_requested())
		return sign_error__set(SIGN_ERR_CANCELLED, 0, "%s %s was not asked: interrupted",
		    what, url);
	memset(&pl, 0, sizeof(pl));
	pl.answer = answer;
	pl.max = max;
	errbuf[0] = '\0';
	if (s != NULL && s->curl == NULL)
		s->curl = p_curl_easy_init();
	c = s != NULL ? s->curl : p_curl_easy_init();
	if (ctype != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		hdr = p_curl_slist_append(NULL, ct);
	}
	if (c == NULL || (ctype != NULL && hdr == NULL)) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	/* Every option a request depends on is set for each request: one made
	 * before on the session's handle leaves nothing behind. */
	ok = p_curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK &&
	    p_curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
	    p_curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
	    p_curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    p_curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK &&
	    p_curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) == CURLE_OK &&
	    p_curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, plain_data) == CURLE_OK &&
	    p_curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)&pl) == CURLE_OK &&
	    p_curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK &&
	    set_cancellable(c) == 0;
	/* a CA bundle named for the session is the only one trusted (set_ca) */
	if (ok && s != NULL)
		ok = set_ca(c, s->cainfo) == 0;
	if (ok && ctype != NULL)
		ok = p_curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr) == CURLE_OK &&
		    p_curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen) ==
		    CURLE_OK &&
		    p_curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body) == CURLE_OK;
	if (!ok) {
		rc = sign_error__set(SIGN_ERR_GENERIC, 0, "libcurl refused the request's options");
		goto out;
	}
	cc = p_curl_easy_perform(c);
	if (cc != CURLE_OK)
		rc = plain_error(s, cc, &pl, what, url, max, timeout_ms, errbuf);
	else
		p_curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
out:
	if (c != NULL && s != NULL) {
		/* the session's handle keeps its connection, and no pointer to
		 * this call's memory */
		p_curl_easy_setopt(c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
		p_curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)NULL);
		p_curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)NULL);
		p_curl_easy_setopt(c, CURLOPT_ERRORBUFFER, (char *)NULL);
	} else if (c != NULL) {
		p_curl_easy_cleanup(c);
	}
	if (hdr != NULL)
		p_curl_slist_free_all(hdr);
	if (rc != 0)
		sign_buf_dispose(answer);
	return rc;
}

int
sign_http__post(const char *url, const char *what, const char *ctype,
    const unsigned char *body, size_t blen, size_t max, long timeout_ms, long *status,
    sign_buf *answer)
{
	if (ctype == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "a POST needs a content type");
	return plain_request(NULL, url, what, ctype, body, blen, max, timeout_ms, status, answer);
}

int
sign_http__session_post(sign_http__session *s, const char *url, const char *what,
    const char *ctype, const unsigned char *body, size_t blen, size_t max, long timeout_ms,
    long *status, sign_buf *answer)
{
	if (s == NULL || ctype == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "a POST needs a session and a "
		    "content type");
	return plain_request(s, url, what, ctype, body, blen, max, timeout_ms, status, answer);
}

int
sign_http__get(const char *url, const char *what, size_t max, long timeout_ms, long *status,
    sign_buf *answer)
{
	return plain_request(NULL, url, what, NULL, NULL, 0, max, timeout_ms, status, answer);
}
