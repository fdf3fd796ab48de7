/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signers whose private key stays on a token: choosing the key and its
 * certificate, and the sign operation with the token's own mechanisms
 * (CKM_RSA_PKCS over a DigestInfo, CKM_RSA_PKCS_PSS, CKM_ECDSA).
 */
#include "token_priv.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#define SIG_CAP 1024
#define KEY_MAX 64          /* private keys one URI may match */
#define KEY_ATTR_CAP 256    /* bytes of a key's CKA_ID or CKA_LABEL */
#define CERT_MAX 16         /* certificates with one id or one subject */

/* ---- encodings ----------------------------------------------------------- */

const unsigned char *
sign_token__digestinfo_prefix(sign_md md, size_t *len)
{
	/* RFC 8017 section 9.2, note 1. */
	static const unsigned char sha1[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
		0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14 };
	static const unsigned char sha224[] = { 0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
		0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c };
	static const unsigned char sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
		0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
	static const unsigned char sha384[] = { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
		0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30 };
	static const unsigned char sha512[] = { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
		0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40 };

	switch (md) {
	case SIGN_MD_SHA1: *len = sizeof(sha1); return sha1;
	case SIGN_MD_SHA224: *len = sizeof(sha224); return sha224;
	case SIGN_MD_DEFAULT:
	case SIGN_MD_SHA256: *len = sizeof(sha256); return sha256;
	case SIGN_MD_SHA384: *len = sizeof(sha384); return sha384;
	case SIGN_MD_SHA512: *len = sizeof(sha512); return sha512;
	}
	*len = 0;
	return NULL;
}

int
sign_token__pss_params(sign_md md, CK_RSA_PKCS_PSS_PARAMS *p)
{
	switch (md) {
	case SIGN_MD_SHA1: p->hashAlg = CKM_SHA_1; p->mgf = CKG_MGF1_SHA1; p->sLen = 20; break;
	case SIGN_MD_SHA224:
		p->hashAlg = CKM_SHA224; p->mgf = CKG_MGF1_SHA224; p->sLen = 28; break;
	case SIGN_MD_DEFAULT:
	case SIGN_MD_SHA256:
		p->hashAlg = CKM_SHA256; p->mgf = CKG_MGF1_SHA256; p->sLen = 32; break;
	case SIGN_MD_SHA384:
		p->hashAlg = CKM_SHA384; p->mgf = CKG_MGF1_SHA384; p->sLen = 48; break;
	case SIGN_MD_SHA512:
		p->hashAlg = CKM_SHA512; p->mgf = CKG_MGF1_SHA512; p->sLen = 64; break;
	default:
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0, "no PSS parameters for this digest");
	}
	return 0;
}

/* One DER INTEGER of the big-endian magnitude p[0..n) at out; its length. */
static size_t
der_uint(unsigned char *out, const unsigned char *p, size_t n)
{
	size_t k = 0, pad, len;

	while (n > 1 && *p == 0) {
		p++;
		n--;
	}
	pad = (*p & 0x80) ? 1 : 0;
	len = n + pad;
	out[k++] = 0x02;
	if (len >= 0x80)
		out[k++] = 0x81;
	out[k++] = (unsigned char)len;
	if (pad)
		out[k++] = 0x00;
	memcpy(out + k, p, n);
	return k + n;
}

int
sign_token__ecdsa_der(const unsigned char *rs, size_t len, sign_buf *out)
{
	/* Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279),
	 * encoded directly: this runs once per signature. */
	unsigned char ints[2 * (3 + 1 + 133)], der[4 + sizeof(ints)];
	size_t n, k = 0;

	if (len == 0 || len % 2 != 0 || len > 2 * 133)
		return sign_error__set(SIGN_ERR_PKCS11, 0,
		    "the token's ECDSA signature has an odd length (%zu bytes)", len);
	n = der_uint(ints, rs, len / 2);
	n += der_uint(ints + n, rs + len / 2, len / 2);
	der[k++] = 0x30;
	if (n >= 0x100) {
		der[k++] = 0x82;
		der[k++] = (unsigned char)(n >> 8);
	} else if (n >= 0x80) {
		der[k++] = 0x81;
	}
	der[k++] = (unsigned char)n;
	memcpy(der + k, ints, n);
	return sign_buf__set(out, der, k + n);
}

/* ---- the sign operation -------------------------------------------------- */

struct tkey {
	sign_token *tok;
	CK_OBJECT_HANDLE h;
	int always_auth;
	char *label;
	/* lanes 1..nextra: sessions of their own on the token (tkey_lanes) */
	CK_SESSION_HANDLE extra[SIGN_SIGNER__MAX_LANES - 1];
	unsigned int nextra;
};

static int
sign_error_for(CK_RV rv, const char *mech)
{
	char what[96];

	snprintf(what, sizeof(what), "the token cannot sign with %s", mech);
	switch (rv) {
	case CKR_MECHANISM_INVALID:
	case CKR_MECHANISM_PARAM_INVALID:
		return sign_token__p11_error(SIGN_ERR_UNSUPPORTED, rv, "C_SignInit", what);
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
	case CKR_KEY_TYPE_INCONSISTENT:
		return sign_token__p11_error(SIGN_ERR_KEY_USAGE, rv, "C_SignInit",
		    "the token does not allow this key to sign");
	case CKR_USER_NOT_LOGGED_IN:
		return sign_token__p11_error(SIGN_ERR_PIN_REQUIRED, rv, "C_Sign",
		    "the token wants a login before signing");
	case CKR_DEVICE_REMOVED:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
		return sign_token__p11_error(SIGN_ERR_TOKEN_NOT_FOUND, rv, "C_Sign",
		    "the token was removed");
	default:
		return sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_Sign", what);
	}
}

static int
tkey_sign_on(struct tkey *k, CK_SESSION_HANDLE sess, sign_scheme scheme, sign_md md,
    const unsigned char *digest, size_t dlen, sign_buf *sig)
{
	CK_FUNCTION_LIST *f = k->tok->mod->f;
	CK_RSA_PKCS_PSS_PARAMS pss;
	CK_MECHANISM mech = { CKM_RSA_PKCS, NULL, 0 };
	unsigned char data[128], *out = NULL;
	const unsigned char *prefix;
	CK_ULONG datalen, outlen = SIG_CAP;
	const char *mname = "CKM_RSA_PKCS";
	size_t plen;
	CK_RV rv;
	int rc = 0;

	if (dlen > 64)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the digest is too long");
	switch (scheme) {
	case SIGN_SCHEME_RSA_PKCS1:
		prefix = sign_token__digestinfo_prefix(md, &plen);
		if (prefix == NULL)
			return sign_error__set(SIGN_ERR_UNSUPPORTED, 0, "no DigestInfo for this digest");
		memcpy(data, prefix, plen);
		memcpy(data + plen, digest, dlen);
		datalen = (CK_ULONG)(plen + dlen);
		break;
	case SIGN_SCHEME_RSA_PSS:
		rc = sign_token__pss_params(md, &pss);
		if (rc != 0)
			return rc;
		mech.mechanism = CKM_RSA_PKCS_PSS;
		mech.pParameter = &pss;
		mech.ulParameterLen = sizeof(pss);
		mname = "CKM_RSA_PKCS_PSS";
		memcpy(data, digest, dlen);
		datalen = (CK_ULONG)dlen;
		break;
	case SIGN_SCHEME_ECDSA:
		mech.mechanism = CKM_ECDSA;
		mname = "CKM_ECDSA";
		memcpy(data, digest, dlen);
		datalen = (CK_ULONG)dlen;
		break;
	default:
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0, "unknown signature scheme");
	}
	out = malloc(SIG_CAP);
	if (out == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rv = f->C_SignInit(sess, &mech, k->h);
	if (sign_log__enabled(SIGN_LOG_TRACE)) {
		char call[64];

		snprintf(call, sizeof(call), "C_SignInit(%s)", mname);
		sign_token__trace(call, rv);
	}
	if (rv != CKR_OK) {
		rc = sign_error_for(rv, mname);
		goto out;
	}
	if (k->always_auth) {
		rc = sign_token__do_login(k->tok, CKU_CONTEXT_SPECIFIC, k->label);
		if (rc != 0) {
			/* End the pending operation: without the context login the
			 * token refuses C_Sign, which terminates it. */
			CK_ULONG dummy = SIG_CAP;

			(void)f->C_Sign(sess, data, datalen, out, &dummy);
			goto out;
		}
	}
	rv = f->C_Sign(sess, data, datalen, out, &outlen);
	if (rv == CKR_BUFFER_TOO_SMALL && outlen > SIG_CAP && outlen <= 64 * 1024) {
		unsigned char *bigger = realloc(out, outlen);

		if (bigger == NULL) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		out = bigger;
		rv = f->C_Sign(sess, data, datalen, out, &outlen);
	}
	sign_token__trace("C_Sign", rv);
	if (rv != CKR_OK) {
		rc = sign_error_for(rv, mname);
		goto out;
	}
	if (scheme == SIGN_SCHEME_ECDSA)
		rc = sign_token__ecdsa_der(out, outlen, sig);
	else
		rc = sign_buf__set(sig, out, outlen);
out:
	OPENSSL_cleanse(data, sizeof(data));
	free(out);
	return rc;
}

static int
tkey_sign(void *ctx, sign_scheme scheme, sign_md md, const unsigned char *digest,
    size_t dlen, sign_buf *sig)
{
	struct tkey *k = ctx;

	return tkey_sign_on(k, k->tok->session, scheme, md, digest, dlen, sig);
}

static int
tkey_sign_lane(void *ctx, unsigned int lane, sign_scheme scheme, sign_md md,
    const unsigned char *digest, size_t dlen, sign_buf *sig)
{
	struct tkey *k = ctx;

	if (lane > k->nextra)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no such token session");
	return tkey_sign_on(k, lane == 0 ? k->tok->session : k->extra[lane - 1], scheme, md,
	    digest, dlen, sig);
}

/*
 * Lanes on a token: more sessions of this application, which share its
 * login (PKCS#11 logs an application in, not a session), so that a token
 * that signs several operations at once (a software token, an HSM) does.
 * A session that does not come up logged in (a module that logs in per
 * session), or a key that wants its PIN again for each signature, gives
 * one lane: the PIN is asked for once per command, never per session.
 */
static unsigned int
tkey_lanes(void *ctx, unsigned int n)
{
	struct tkey *k = ctx;
	CK_FUNCTION_LIST *f = k->tok->mod->f;

	if (k->always_auth)
		n = 1;
	while (k->nextra + 1 > n) {
		CK_RV rv = f->C_CloseSession(k->extra[--k->nextra]);

		sign_token__trace("C_CloseSession", rv);
	}
	while (k->nextra + 1 < n) {
		CK_SESSION_HANDLE h;
		CK_SESSION_INFO si;
		CK_RV rv;

		rv = f->C_OpenSession(k->tok->slot_id, CKF_SERIAL_SESSION, NULL, NULL, &h);
		sign_token__trace("C_OpenSession", rv);
		if (rv != CKR_OK)
			break;
		rv = f->C_GetSessionInfo(h, &si);
		if (rv != CKR_OK || (si.state != CKS_RO_USER_FUNCTIONS &&
		    si.state != CKS_RW_USER_FUNCTIONS)) {
			sign_log__msg(SIGN_LOG_DEBUG, "a second session on the token is not "
			    "logged in: signing on one session");
			rv = f->C_CloseSession(h);
			sign_token__trace("C_CloseSession", rv);
			break;
		}
		k->extra[k->nextra++] = h;
	}
	return k->nextra + 1;
}

static void
tkey_free(void *ctx)
{
	struct tkey *k = ctx;

	if (k == NULL)
		return;
	(void)tkey_lanes(k, 1);
	sign_token_free(k->tok);
	free(k->label);
	free(k);
}

static const struct sign_signer_ops tkey_ops = { tkey_sign, tkey_free, tkey_lanes,
	tkey_sign_lane };

/* ---- choosing the key and the certificate -------------------------------- */

/* How good a certificate is for signing now: -1 refused (not a signing
 * certificate), else higher is better. */
static int
cert_rank(const sign_cert *c, time_t now)
{
	const sign_cert_info *in = sign_cert_get_info(c);
	int r = 0;

	if (sign_cert_check_signing(c) != 0)
		return -1;
	if (sign_cert_check_time(c, now, 0) == SIGN_CERT_VALID)
		r += 4;
	if (!in->has_key_usage || (in->key_usage & SIGN_KU_NON_REPUDIATION))
		r += 2;
	return r;
}

/* A private key found on the token for a signer. */
struct keyref {
	CK_OBJECT_HANDLE h;
	unsigned char id[KEY_ATTR_CAP];
	size_t id_len;
	char label[KEY_ATTR_CAP + 1];
};

/* The key's CKA_ID and CKA_LABEL, in one call. */
static int
key_attrs(sign_token *tok, struct keyref *k)
{
	CK_ATTRIBUTE a[2] = {
		{ CKA_ID, k->id, KEY_ATTR_CAP },
		{ CKA_LABEL, k->label, KEY_ATTR_CAP },
	};
	CK_RV rv;

	rv = tok->mod->f->C_GetAttributeValue(tok->session, k->h, a, 2);
	sign_token__trace("C_GetAttributeValue(CKA_ID, CKA_LABEL)", rv);
	if (rv == CKR_BUFFER_TOO_SMALL)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0,
		    "a private key's id or label on the token is longer than %d bytes",
		    KEY_ATTR_CAP);
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE)
		return sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_GetAttributeValue",
		    "cannot read a private key's id and label");
	k->id_len = a[0].ulValueLen <= KEY_ATTR_CAP ? (size_t)a[0].ulValueLen : 0;
	k->label[a[1].ulValueLen <= KEY_ATTR_CAP ? a[1].ulValueLen : 0] = '\0';
	return 0;
}

/*
 * The private keys matching u (its id= and object=, whatever its type=
 * says): at most KEY_MAX.
 */
static int
find_keys(struct keyref *keys, size_t *n, sign_token *tok, P11KitUri *u)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[4] = { { CKA_CLASS, &cls, sizeof(cls) } };
	CK_OBJECT_HANDLE h[KEY_MAX + 1];
	CK_ATTRIBUTE_TYPE want[] = { CKA_ID, CKA_LABEL };
	CK_ULONG nt = 1, got = 0, i;
	int rc;

	*n = 0;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(u, want[i]);

		if (a != NULL)
			t[nt++] = *a;
	}
	rc = sign_token__find(tok, t, nt, h, KEY_MAX + 1, &got);
	if (rc != 0)
		return rc;
	if (got > KEY_MAX)
		return sign_error__set(SIGN_ERR_USAGE, 0,
		    "more than %d private keys on token '%s' match; name one with id= or "
		    "object= (see kyso key list)", KEY_MAX, tok->info.info.label);
	for (i = 0; i < got; i++) {
		keys[i].h = h[i];
		rc = key_attrs(tok, &keys[i]);
		if (rc != 0)
			return rc;
	}
	*n = got;
	return 0;
}

/* The certificate in object h with its details (NULL when malformed). */
static sign_cert *
cert_object(sign_token *tok, CK_OBJECT_HANDLE h)
{
	sign_cert *c = NULL;
	X509 *x = NULL;

	if (sign_token__x509(&x, tok, h) == 0)
		(void)sign_cert__from_x509(&c, x);
	X509_free(x);
	return c;
}

/*
 * The best certificate on the token with the key's id.  *best NULL and
 * *refused set (to why: SIGN_CERT__NO_SIGNING_*) when there are some but
 * none may sign.  Only those certificates are read and decoded, not the
 * token's others.
 */
static int
best_cert(sign_cert **best, int *refused, sign_token *tok, const struct keyref *key)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
		{ CKA_ID, (void *)key->id, (CK_ULONG)key->id_len },
	};
	CK_OBJECT_HANDLE h[CERT_MAX];
	CK_ULONG n = 0, i;
	sign_cert *c = NULL, *pick = NULL;
	int best_rank = -1, rank, rc;
	time_t now = time(NULL);

	*best = NULL;
	*refused = 0;
	rc = sign_token__find(tok, t, 3, h, CERT_MAX, &n);
	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++) {
		c = cert_object(tok, h[i]);
		if (c == NULL)
			continue;
		rank = cert_rank(c, now);
		if (rank < 0) {
			*refused = sign_cert__signing_use(sign_cert__x509(c));
		} else if (rank > best_rank || (rank == best_rank &&
		    sign_cert_get_info(c)->not_after > sign_cert_get_info(pick)->not_after)) {
			sign_cert_free(pick);
			pick = c;
			c = NULL;
			best_rank = rank;
		}
		sign_cert_free(c);
		c = NULL;
	}
	ERR_clear_error();
	if (pick != NULL)
		*refused = 0;
	*best = pick;
	return 0;
}

/*
 * The signer's certificate from a file.  A file of several (a PEM bundle or
 * a PKCS#7 .p7b as CAs deliver them, CA certificates in any order) gives
 * its one end-entity certificate that may sign; failing that, the first.
 */
static int
cert_from_file(sign_cert **out, const char *path)
{
	sign_cert_list *l = NULL;
	const sign_cert *pick = NULL, *c;
	size_t i, n;
	int rc;

	rc = sign_cert_list_from_file(&l, path);
	if (rc != 0)
		return rc;
	n = sign_cert_list_count(l);
	for (i = 0; i < n && n > 1; i++) {
		c = sign_cert_list_get(l, i);
		if (sign_cert_get_info(c)->is_ca || sign_cert_check_signing(c) != 0)
			continue;
		if (pick != NULL) {     /* two candidates: let the key decide on the first */
			pick = NULL;
			break;
		}
		pick = c;
	}
	sign_error_clear();
	if (pick == NULL)
		pick = sign_cert_list_get(l, 0);
	rc = sign_cert__from_x509(out, sign_cert__x509(pick));
	sign_cert_list_free(l);
	return rc;
}

/* A certificate named by a pkcs11: URI on tok, or read from a file. */
static int
load_cert(sign_cert **out, sign_token *tok, const char *cert)
{
	sign_token_objects *objs = NULL;
	const sign_token_object *o;
	int rc;

	*out = NULL;
	if (strncmp(cert, "pkcs11:", 7) != 0)
		return cert_from_file(out, cert);
	rc = sign_token_objects_new(&objs, tok, SIGN_TOKEN_OBJ_CERT, cert);
	if (rc != 0)
		return rc;
	if (sign_token_objects_count(objs) == 0) {
		rc = sign_error__set(SIGN_ERR_KEY_NOT_FOUND, 0,
		    "no certificate on token '%s' matches %s", tok->info.info.label, cert);
	} else if (sign_token_objects_count(objs) > 1) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "%zu certificates match %s; name one with id= or object=",
		    sign_token_objects_count(objs), cert);
	} else {
		o = sign_token_objects_get(objs, 0);
		rc = sign_cert_from_der(out, o->cert_der, o->cert_len);
	}
	sign_token_objects_free(objs);
	return rc;
}

/* The CA certificate on the token that issued x: looked up by its subject
 * (CKA_SUBJECT, which PKCS#11 requires on certificate objects); NULL when
 * none. */
static X509 *
token_issuer(sign_token *tok, X509 *x)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	unsigned char *name = NULL;
	CK_OBJECT_HANDLE h[CERT_MAX];
	CK_ULONG n = 0, i;
	X509 *next = NULL;
	int len;

	len = i2d_X509_NAME(X509_get_issuer_name(x), &name);
	if (len > 0) {
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_SUBJECT, name, (CK_ULONG)len },
		};

		if (sign_token__find(tok, t, 2, h, CERT_MAX, &n) != 0)
			n = 0;
	}
	for (i = 0; i < n && next == NULL; i++) {
		X509 *ca = NULL;

		if (sign_token__x509(&ca, tok, h[i]) == 0 && X509_cmp(ca, x) != 0 &&
		    X509_check_issued(ca, x) == X509_V_OK)
			next = ca;
		else
			X509_free(ca);
	}
	OPENSSL_free(name);
	return next;
}

/* Add the CA certificates on the token that issued x (up the chain). */
static void
add_token_chain(sign_signer *s, sign_token *tok, X509 *x)
{
	int depth;

	for (depth = 0; depth < 8 && x != NULL && X509_self_signed(x, 0) != 1; depth++) {
		X509 *next = token_issuer(tok, x);

		if (next == NULL || X509_self_signed(next, 0) == 1 || !sk_X509_push(s->chain, next)) {
			X509_free(next);
			break;
		}
		x = next;
	}
	ERR_clear_error();
}

/*
 * The signer for the key named by key_uri on tok.  Reads only what the
 * choice needs: the matching private keys' ids and labels, the
 * certificates with their ids, and the CA certificates up the chosen
 * certificate's chain, found by subject (a token holding many objects is
 * not listed, and no other certificate is decoded).
 */
static int
make_signer(sign_signer **out, sign_token *tok, const char *key_uri, const char *cert,
    int with_cert)
{
	struct keyref *keys = NULL;
	const struct keyref *key = NULL;
	sign_cert *given = NULL, *chosen = NULL, *kcert = NULL;
	struct sign_token_info_store *st;
	P11KitUri *u = NULL;
	EVP_PKEY *pub = NULL;
	struct tkey *k = NULL;
	int best_score = -2, nbest = 0, refused = 0, refused_use = 0;
	size_t i, nkeys = 0;
	int rc;

	if (out == NULL || tok == NULL || key_uri == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no token, key or output");
	*out = NULL;
	st = &tok->info;
	rc = sign_token__uri_parse(&u, key_uri);
	if (rc != 0)
		goto out;
	if (!sign_token__slot_matches(u, tok->mod, st)) {
		rc = sign_error__set(SIGN_ERR_KEY_NOT_FOUND, 0,
		    "the key URI names another token than '%s'", st->info.label);
		goto out;
	}
	rc = sign_token_login(tok);
	if (rc != 0)
		goto out;
	if (cert != NULL) {
		rc = load_cert(&given, tok, cert);
		if (rc == 0)
			rc = sign_cert_check_signing(given);
		if (rc != 0)
			goto out;
	}
	keys = calloc(KEY_MAX, sizeof(*keys));
	if (keys == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	/* type=cert or type=public name the pair: find_keys looks for the
	 * private key. */
	rc = find_keys(keys, &nkeys, tok, u);
	if (rc != 0)
		goto out;
	if (nkeys == 0) {
		rc = sign_error__set(SIGN_ERR_KEY_NOT_FOUND, 0,
		    "no private key on token '%s' matches %s (see kyso key list)",
		    st->info.label, key_uri);
		goto out;
	}
	/* Score each matching key: 2 with a signing certificate (or the given
	 * certificate is its), 1 without any certificate, 0 with only
	 * certificates that may not sign, -1 not the given certificate's key. */
	for (i = 0; i < nkeys; i++) {
		const struct keyref *o = &keys[i];
		int score;

		kcert = NULL;
		if (given != NULL) {
			EVP_PKEY *kp = NULL;

			score = sign_token__pubkey(&kp, tok, o->id, o->id_len) == 0 &&
			    EVP_PKEY_eq(kp, X509_get0_pubkey(sign_cert__x509(given))) == 1 ?
			    2 : -1;
			EVP_PKEY_free(kp);
			ERR_clear_error();
		} else if (with_cert) {
			rc = best_cert(&kcert, &refused, tok, o);
			if (rc != 0)
				goto out;
			score = kcert != NULL ? 2 : refused > 0 ? 0 : 1;
		} else {
			score = 1;
		}
		if (score > best_score) {
			best_score = score;
			refused_use = refused;
			nbest = 1;
			key = o;
			sign_cert_free(chosen);
			chosen = kcert;
			kcert = NULL;
		} else if (score == best_score) {
			nbest++;
		}
		sign_cert_free(kcert);
	}
	if (best_score == -1) {
		rc = sign_error__set(SIGN_ERR_KEY_USAGE, 0,
		    "the certificate %s does not belong to the key %s", cert, key_uri);
		goto out;
	}
	if (best_score == 0) {
		rc = sign_error__set(SIGN_ERR_KEY_USAGE, 0,
		    "the certificate of key '%s' on token '%s' is not for signing (%s); "
		    "choose the signing key", key->label, st->info.label,
		    refused_use == SIGN_CERT__NO_SIGNING_EKU ?
		    "its extended key usage is for another use, such as a TLS server" :
		    "an encryption-only certificate");
		goto out;
	}
	if (nbest > 1) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "%d private keys on token '%s' match %s; name one with id= or object= "
		    "(see kyso key list)", nbest, st->info.label, key_uri);
		goto out;
	}
	if (given != NULL) {
		chosen = given;
		given = NULL;
	}
	if (chosen != NULL) {
		pub = X509_get_pubkey(sign_cert__x509(chosen));
	} else {
		rc = sign_token__pubkey(&pub, tok, key->id, key->id_len);
		if (rc != 0)
			goto out;
	}
	if (pub == NULL) {
		rc = sign_error__openssl(SIGN_ERR_UNSUPPORTED, "cannot read the public key");
		goto out;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL || (k->label = strdup(key->label)) == NULL) {
		free(k);
		k = NULL;
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	k->tok = sign_token__ref(tok);
	k->h = key->h;
	k->always_auth = sign_token__attr_bool(tok, key->h, CKA_ALWAYS_AUTHENTICATE, 0);
	sign_log__msg(SIGN_LOG_DEBUG, "signing with key '%s' on token '%s'%s", k->label,
	    st->info.label, k->always_auth ? " (PIN asked for each signature)" : "");
	rc = sign_signer__new(out, &tkey_ops, k, pub);
	k = NULL;
	if (rc != 0)
		goto out;
	if (chosen != NULL) {
		rc = sign_signer__set_x509(*out, sign_cert__x509(chosen));
		if (rc == 0)
			add_token_chain(*out, tok, sign_cert__x509(chosen));
	}
	if (rc != 0) {
		sign_signer_free(*out);
		*out = NULL;
	}
out:
	tkey_free(k);
	EVP_PKEY_free(pub);
	sign_cert_free(given);
	sign_cert_free(chosen);
	free(keys);
	p11_kit_uri_free(u);
	return rc;
}

int
sign_token_signer(sign_signer **out, sign_token *tok, const char *key_uri, const char *cert)
{
	return make_signer(out, tok, key_uri, cert, 1);
}

int
sign_token_key_signer(sign_signer **out, sign_token *tok, const char *key_uri)
{
	return make_signer(out, tok, key_uri, NULL, 0);
}

int
sign_token_signer_open(sign_signer **out, const char *key_uri, const char *cert,
    const sign_token_options *opts)
{
	sign_token *tok = NULL;
	int rc;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no output for the signer");
	*out = NULL;
	rc = sign_token_open(&tok, key_uri, opts);
	if (rc == 0)
		rc = sign_token_login(tok);
	if (rc == 0)
		rc = sign_token_signer(out, tok, key_uri, cert);
	sign_token_free(tok);
	return rc;
}

int
sign_token_signer_test(sign_signer *s, sign_scheme scheme, sign_md md, unsigned int count)
{
	const EVP_MD *evp = sign_md__evp(md);
	unsigned char digest[EVP_MAX_MD_SIZE];
	sign_buf sig = SIGN_BUF_INIT;
	EVP_PKEY_CTX *vctx = NULL;
	size_t dlen;
	unsigned int i;
	int rc;

	if (s == NULL || evp == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signer or digest");
	rc = sign_signer__scheme(s, scheme, &scheme);
	if (rc != 0)
		return rc;
	dlen = (size_t)EVP_MD_get_size(evp);
	for (i = 0; i < count && rc == 0; i++) {
		if (RAND_bytes(digest, (int)dlen) != 1) {
			rc = sign_error__openssl(SIGN_ERR_CRYPTO, "no random digest");
			break;
		}
		rc = sign_signer__sign(s, scheme, md, digest, dlen, &sig);
		if (rc != 0)
			break;
		vctx = EVP_PKEY_CTX_new(s->pub, NULL);
		if (vctx == NULL || EVP_PKEY_verify_init(vctx) <= 0 ||
		    EVP_PKEY_CTX_set_signature_md(vctx, evp) <= 0 ||
		    (scheme == SIGN_SCHEME_RSA_PKCS1 &&
		    EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING) <= 0) ||
		    (scheme == SIGN_SCHEME_RSA_PSS &&
		    (EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(vctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(vctx, evp) <= 0))) {
			rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot set up verification");
		} else if (EVP_PKEY_verify(vctx, sig.data, sig.len, digest, dlen) != 1) {
			rc = sign_error__openssl(SIGN_ERR_VERIFY,
			    "the token's signature %u of %u does not verify with the public key",
			    i + 1, count);
		}
		EVP_PKEY_CTX_free(vctx);
		vctx = NULL;
		sign_buf_dispose(&sig);
	}
	ERR_clear_error();
	return rc;
}
