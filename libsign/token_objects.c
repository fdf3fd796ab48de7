/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Objects on a token: listing keys and certificates (libp11), public keys
 * from object attributes, key generation on the token and certificate
 * import (the module's own C_GenerateKeyPair / C_CreateObject).
 */
#include "token_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define MAX_HANDLES 64

/* ---- public keys from attributes ----------------------------------------- */

static int
pkey_fromdata(EVP_PKEY **out, const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int rc = 0;

	params = OSSL_PARAM_BLD_to_param(bld);
	pctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params == NULL || pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		rc = sign_error__openssl(SIGN_ERR_MALFORMED,
		    "the token's %s public key is malformed", type);
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(pctx);
	return rc;
}

static int
rsa_from_object(EVP_PKEY **out, sign_token *tok, CK_OBJECT_HANDLE h)
{
	unsigned char *n = NULL, *e = NULL;
	CK_ULONG nlen, elen;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int rc;

	rc = sign_token__attr(tok, h, CKA_MODULUS, &n, &nlen);
	if (rc == 0)
		rc = sign_token__attr(tok, h, CKA_PUBLIC_EXPONENT, &e, &elen);
	if (rc != 0)
		goto out;
	bn = BN_bin2bn(n, (int)nlen, NULL);
	be = BN_bin2bn(e, (int)elen, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn == NULL || be == NULL || bld == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be)) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	rc = pkey_fromdata(out, "RSA", bld);
out:
	OPENSSL_free(n);
	OPENSSL_free(e);
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

static int
ec_from_object(EVP_PKEY **out, sign_token *tok, CK_OBJECT_HANDLE h)
{
	unsigned char *params = NULL, *point = NULL;
	const unsigned char *p;
	CK_ULONG plen, qlen;
	ASN1_OBJECT *oid = NULL;
	ASN1_OCTET_STRING *os = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	const char *curve;
	const unsigned char *q;
	size_t ql;
	int rc;

	rc = sign_token__attr(tok, h, CKA_EC_PARAMS, &params, &plen);
	if (rc == 0)
		rc = sign_token__attr(tok, h, CKA_EC_POINT, &point, &qlen);
	if (rc != 0)
		goto out;
	p = params;
	oid = d2i_ASN1_OBJECT(NULL, &p, (long)plen);
	if (oid == NULL || p != params + plen || OBJ_obj2nid(oid) == NID_undef) {
		rc = sign_error__openssl(SIGN_ERR_UNSUPPORTED,
		    "the token's EC key is on a curve given by explicit parameters or unknown");
		goto out;
	}
	curve = OBJ_nid2sn(OBJ_obj2nid(oid));
	/* CKA_EC_POINT is a DER OCTET STRING; some modules give the raw point. */
	p = point;
	os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)qlen);
	if (os != NULL && p == point + qlen) {
		q = ASN1_STRING_get0_data(os);
		ql = (size_t)ASN1_STRING_length(os);
	} else {
		ERR_clear_error();
		q = point;
		ql = qlen;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, ql)) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	rc = pkey_fromdata(out, "EC", bld);
out:
	OPENSSL_free(params);
	OPENSSL_free(point);
	ASN1_OBJECT_free(oid);
	ASN1_OCTET_STRING_free(os);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

int
sign_token__pubkey_from_object(EVP_PKEY **out, sign_token *tok, CK_OBJECT_HANDLE h)
{
	CK_KEY_TYPE kt = (CK_KEY_TYPE)-1;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	CK_RV rv;

	*out = NULL;
	rv = tok->mod->f->C_GetAttributeValue(tok->session, h, &a, 1);
	if (rv != CKR_OK)
		return sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_GetAttributeValue",
		    "cannot read the key type");
	if (kt == CKK_RSA)
		return rsa_from_object(out, tok, h);
	if (kt == CKK_EC)
		return ec_from_object(out, tok, h);
	return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
	    "keys of PKCS#11 type 0x%lx are not supported (RSA and EC are)", (unsigned long)kt);
}

static int
find_by_id(sign_token *tok, CK_OBJECT_CLASS cls, const unsigned char *id, size_t id_len,
    CK_OBJECT_HANDLE *h, CK_ULONG *n, CK_ULONG max)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)id, (CK_ULONG)id_len },
	};

	return sign_token__find(tok, t, 2, h, max, n);
}

int
sign_token__x509(X509 **out, sign_token *tok, CK_OBJECT_HANDLE h)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	CK_ULONG len;
	int rc;

	*out = NULL;
	rc = sign_token__attr(tok, h, CKA_VALUE, &der, &len);
	if (rc != 0)
		return rc;
	p = der;
	*out = d2i_X509(NULL, &p, (long)len);
	if (*out == NULL || p != der + len) {
		X509_free(*out);
		*out = NULL;
		rc = sign_error__openssl(SIGN_ERR_MALFORMED, "a certificate on the token is malformed");
	}
	OPENSSL_free(der);
	return rc;
}

int
sign_token__pubkey(EVP_PKEY **out, sign_token *tok, const unsigned char *id, size_t id_len)
{
	CK_OBJECT_HANDLE h[4];
	CK_ULONG n = 0, i;
	X509 *x = NULL;
	int rc;

	*out = NULL;
	rc = find_by_id(tok, CKO_PUBLIC_KEY, id, id_len, h, &n, 4);
	for (i = 0; rc == 0 && i < n; i++)
		if (sign_token__pubkey_from_object(out, tok, h[i]) == 0)
			return 0;
	rc = find_by_id(tok, CKO_CERTIFICATE, id, id_len, h, &n, 4);
	for (i = 0; rc == 0 && i < n; i++) {
		if (sign_token__x509(&x, tok, h[i]) == 0) {
			*out = X509_get_pubkey(x);
			X509_free(x);
			if (*out != NULL)
				return 0;
		}
	}
	/* An RSA private key shows its modulus and public exponent. */
	rc = find_by_id(tok, CKO_PRIVATE_KEY, id, id_len, h, &n, 4);
	for (i = 0; rc == 0 && i < n; i++)
		if (rsa_from_object(out, tok, h[i]) == 0)
			return 0;
	return sign_error__set(SIGN_ERR_KEY_NOT_FOUND, 0,
	    "cannot find the public key of the key (no public key object or certificate "
	    "with its CKA_ID); store its public key under the same CKA_ID (pkcs11-tool "
	    "--write-object PUB.pem --type pubkey --id ID)");
}

/* ---- listing ------------------------------------------------------------- */

struct obj_store {
	sign_token_object o;
	char *label;
	unsigned char *id;
	char *uri;
	unsigned char *der;
};

struct sign_token_objects {
	struct obj_store *items;
	size_t n, cap;
};

static void
obj_clear(struct obj_store *s)
{
	free(s->label);
	free(s->id);
	free(s->uri);
	OPENSSL_free(s->der);
}

void
sign_token_objects_free(sign_token_objects *objs)
{
	size_t i;

	if (objs == NULL)
		return;
	for (i = 0; i < objs->n; i++)
		obj_clear(&objs->items[i]);
	free(objs->items);
	free(objs);
}

size_t
sign_token_objects_count(const sign_token_objects *objs)
{
	return objs != NULL ? objs->n : 0;
}

const sign_token_object *
sign_token_objects_get(const sign_token_objects *objs, size_t i)
{
	if (objs == NULL || i >= objs->n)
		return NULL;
	return &objs->items[i].o;
}

static void
key_desc(EVP_PKEY *pk, const char **type, unsigned int *bits)
{
	int id = pk != NULL ? EVP_PKEY_get_base_id(pk) : 0;

	*type = id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS ? "rsa" :
	    id == EVP_PKEY_EC ? "ec" : "other";
	*bits = pk != NULL && EVP_PKEY_get_bits(pk) > 0 ? (unsigned int)EVP_PKEY_get_bits(pk) : 0;
}

/* Without a public key: the type from CKA_KEY_TYPE, an EC key's size from
 * its curve (CKA_EC_PARAMS, on the private key too). */
static void
key_desc_attrs(sign_token *tok, CK_OBJECT_HANDLE h, const char **type, unsigned int *bits)
{
	CK_KEY_TYPE kt = (CK_KEY_TYPE)-1;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	unsigned char *params = NULL;
	const unsigned char *p;
	CK_ULONG plen = 0;
	ASN1_OBJECT *oid = NULL;
	EC_GROUP *g = NULL;

	if (tok->mod->f->C_GetAttributeValue(tok->session, h, &a, 1) != CKR_OK)
		return;
	if (kt == CKK_RSA)
		*type = "rsa";
	if (kt != CKK_EC)
		return;
	*type = "ec";
	if (sign_token__attr(tok, h, CKA_EC_PARAMS, &params, &plen) != 0)
		return;
	p = params;
	oid = d2i_ASN1_OBJECT(NULL, &p, (long)plen);
	if (oid != NULL && p == params + plen)
		g = EC_GROUP_new_by_curve_name(OBJ_obj2nid(oid));
	if (g != NULL)
		*bits = (unsigned int)EC_GROUP_order_bits(g);
	EC_GROUP_free(g);
	ASN1_OBJECT_free(oid);
	OPENSSL_free(params);
}

static int
obj_add(sign_token_objects *objs, sign_token *tok, P11KitUri *u, CK_OBJECT_CLASS cls,
    const char *label, const unsigned char *id, size_t id_len, X509 *x509)
{
	struct obj_store *s;
	CK_ATTRIBUTE a[3];
	CK_ULONG na = 0;
	EVP_PKEY *pk = NULL;
	int rc = 0;

	if (label == NULL)
		label = "";
	a[na].type = CKA_CLASS;
	a[na].pValue = &cls;
	a[na++].ulValueLen = sizeof(cls);
	a[na].type = CKA_ID;
	a[na].pValue = (void *)id;
	a[na++].ulValueLen = (CK_ULONG)id_len;
	a[na].type = CKA_LABEL;
	a[na].pValue = (void *)label;
	a[na++].ulValueLen = (CK_ULONG)strlen(label);
	if (u != NULL && !p11_kit_uri_match_attributes(u, a, na))
		return 0;
	if (objs->n == objs->cap) {
		size_t nc = objs->cap ? objs->cap * 2 : 8;
		struct obj_store *ni = realloc(objs->items, nc * sizeof(*ni));

		if (ni == NULL)
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		objs->items = ni;
		objs->cap = nc;
	}
	s = &objs->items[objs->n];
	memset(s, 0, sizeof(*s));
	s->label = strdup(label);
	s->id = malloc(id_len + 1);
	if (s->label == NULL || s->id == NULL) {
		obj_clear(s);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	if (id_len > 0)
		memcpy(s->id, id, id_len);
	rc = sign_token__uri_format(&s->uri, &tok->info.raw, a, na);
	if (rc != 0) {
		obj_clear(s);
		return rc;
	}
	s->o.label = s->label;
	s->o.id = s->id;
	s->o.id_len = id_len;
	s->o.uri = s->uri;
	if (cls == CKO_CERTIFICATE) {
		int n;

		s->o.type = SIGN_TOKEN_OBJ_CERT;
		n = x509 != NULL ? i2d_X509(x509, &s->der) : -1;
		if (n > 0) {
			s->o.cert_der = s->der;
			s->o.cert_len = (size_t)n;
			key_desc(X509_get0_pubkey(x509), &s->o.key_type, &s->o.key_bits);
		} else {
			s->der = NULL;
			s->o.key_type = "other";
		}
	} else {
		CK_OBJECT_HANDLE h[1];
		CK_ULONG n = 0;

		s->o.type = cls == CKO_PRIVATE_KEY ? SIGN_TOKEN_OBJ_PRIVATE_KEY :
		    SIGN_TOKEN_OBJ_PUBLIC_KEY;
		if (cls == CKO_PUBLIC_KEY) {
			if (find_by_id(tok, cls, id, id_len, h, &n, 1) == 0 && n == 1)
				(void)sign_token__pubkey_from_object(&pk, tok, h[0]);
		} else {
			(void)sign_token__pubkey(&pk, tok, id, id_len);
			if (find_by_id(tok, cls, id, id_len, h, &n, 1) == 0 && n == 1)
				s->o.always_authenticate = sign_token__attr_bool(tok, h[0],
				    CKA_ALWAYS_AUTHENTICATE, 0);
		}
		key_desc(pk, &s->o.key_type, &s->o.key_bits);
		if (pk == NULL && n == 1)
			key_desc_attrs(tok, h[0], &s->o.key_type, &s->o.key_bits);
		EVP_PKEY_free(pk);
		ERR_clear_error();
	}
	objs->n++;
	return 0;
}

int
sign_token__objects(sign_token_objects **out, sign_token *tok, unsigned int types,
    P11KitUri *u)
{
	sign_token_objects *objs = NULL;
	PKCS11_KEY *keys;
	PKCS11_CERT *certs;
	unsigned int n, i;
	int rc = 0;

	*out = NULL;
	objs = calloc(1, sizeof(*objs));
	if (objs == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (types & SIGN_TOKEN_OBJ_PRIVATE_KEY) {
		sign_log__msg(SIGN_LOG_TRACE, "PKCS11_enumerate_keys()");
		if (PKCS11_enumerate_keys(tok->slot->token, &keys, &n) != 0) {
			rc = sign_error__openssl(SIGN_ERR_PKCS11, "cannot list the private keys");
			goto out;
		}
		for (i = 0; i < n && rc == 0; i++)
			rc = obj_add(objs, tok, u, CKO_PRIVATE_KEY, keys[i].label, keys[i].id,
			    keys[i].id_len, NULL);
	}
	if (rc == 0 && (types & SIGN_TOKEN_OBJ_PUBLIC_KEY)) {
		sign_log__msg(SIGN_LOG_TRACE, "PKCS11_enumerate_public_keys()");
		if (PKCS11_enumerate_public_keys(tok->slot->token, &keys, &n) != 0) {
			rc = sign_error__openssl(SIGN_ERR_PKCS11, "cannot list the public keys");
			goto out;
		}
		for (i = 0; i < n && rc == 0; i++)
			rc = obj_add(objs, tok, u, CKO_PUBLIC_KEY, keys[i].label, keys[i].id,
			    keys[i].id_len, NULL);
	}
	if (rc == 0 && (types & SIGN_TOKEN_OBJ_CERT)) {
		sign_log__msg(SIGN_LOG_TRACE, "PKCS11_enumerate_certs()");
		if (PKCS11_enumerate_certs(tok->slot->token, &certs, &n) != 0) {
			rc = sign_error__openssl(SIGN_ERR_PKCS11, "cannot list the certificates");
			goto out;
		}
		for (i = 0; i < n && rc == 0; i++)
			rc = obj_add(objs, tok, u, CKO_CERTIFICATE, certs[i].label, certs[i].id,
			    certs[i].id_len, certs[i].x509);
	}
	if (rc != 0)
		goto out;
	*out = objs;
	objs = NULL;
out:
	sign_token_objects_free(objs);
	return rc;
}

int
sign_token_objects_new(sign_token_objects **out, sign_token *tok, unsigned int types,
    const char *uri)
{
	P11KitUri *u = NULL;
	int rc;

	if (out == NULL || tok == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no token or output");
	*out = NULL;
	rc = sign_token__uri_parse(&u, uri);
	if (rc == 0)
		rc = sign_token__objects(out, tok, types, u);
	p11_kit_uri_free(u);
	return rc;
}

/* ---- key generation ------------------------------------------------------ */

/* Every accepted spelling; a type's first is its canonical name. */
static const struct {
	const char *name;
	sign_key_type type;
} key_type_names[] = {
	{ "rsa:2048", SIGN_KEY_RSA_2048 }, { "rsa:3072", SIGN_KEY_RSA_3072 },
	{ "ec:prime256v1", SIGN_KEY_EC_P256 }, { "ec:P-256", SIGN_KEY_EC_P256 },
	{ "ec:secp256r1", SIGN_KEY_EC_P256 },
	{ "ec:secp384r1", SIGN_KEY_EC_P384 }, { "ec:P-384", SIGN_KEY_EC_P384 },
};

const char *
sign_key_type_name(sign_key_type type)
{
	size_t i;

	for (i = 0; i < sizeof(key_type_names) / sizeof(key_type_names[0]); i++)
		if (key_type_names[i].type == type)
			return key_type_names[i].name;
	return NULL;
}

int
sign_key_type_parse(sign_key_type *out, const char *name)
{
	size_t i;

	if (out == NULL || name == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no key type");
	for (i = 0; i < sizeof(key_type_names) / sizeof(key_type_names[0]); i++) {
		if (strcasecmp(key_type_names[i].name, name) == 0) {
			*out = key_type_names[i].type;
			return 0;
		}
	}
	return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
	    "unknown key type '%s': use rsa:2048, rsa:3072, ec:prime256v1 or ec:secp384r1",
	    name);
}

static int
object_uri(sign_buf *uri_out, sign_token *tok, CK_OBJECT_CLASS cls, const char *label,
    const unsigned char *id, size_t id_len)
{
	CK_ATTRIBUTE a[3] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)id, (CK_ULONG)id_len },
		{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
	};
	char *s = NULL;
	int rc;

	if (uri_out == NULL)
		return 0;
	rc = sign_token__uri_format(&s, &tok->info.raw, a, 3);
	if (rc == 0)
		rc = sign_buf__set(uri_out, s, strlen(s) + 1);
	if (rc == 0)
		uri_out->len--;
	free(s);
	return rc;
}

static int
write_protected(sign_token *tok, const char *what)
{
	return sign_error__set(SIGN_ERR_USAGE, (unsigned long)CKR_TOKEN_WRITE_PROTECTED,
	    "token '%s' is write-protected: %s cannot store anything on it; use a writable "
	    "token", tok->info.info.label != NULL ? tok->info.info.label : "", what);
}

/* Before any PIN is asked: the token must take new objects. */
static int
need_rw_login(sign_token *tok, const char *what)
{
	if (!(tok->flags & SIGN_TOKEN_OPEN_RW))
		return sign_error__set(SIGN_ERR_USAGE, 0,
		    "%s needs the token opened read-write (SIGN_TOKEN_OPEN_RW)", what);
	if (tok->info.raw.flags & CKF_WRITE_PROTECTED)
		return write_protected(tok, what);
	return sign_token_login(tok);
}

int
sign_token_generate_key(sign_buf *uri_out, sign_token *tok, sign_key_type type,
    const char *label, const unsigned char *id, size_t id_len)
{
	static const unsigned char p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
		0x01, 0x07 };
	static const unsigned char p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
	static const unsigned char e65537[] = { 0x01, 0x00, 0x01 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG bits = type == SIGN_KEY_RSA_3072 ? 3072 : 2048;
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE, h[1];
	CK_ATTRIBUTE pubt[10], privt[12];
	CK_ULONG npub = 0, npriv = 0, n = 0;
	unsigned char rid[20];
	int is_ec = type == SIGN_KEY_EC_P256 || type == SIGN_KEY_EC_P384;
	CK_RV rv;
	int rc;

#define ATTR(t, n_, ty, v, l) do { t[n_].type = (ty); t[n_].pValue = (void *)(v); \
	t[n_].ulValueLen = (CK_ULONG)(l); n_++; } while (0)

	if (tok == NULL || label == NULL || *label == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "a key needs a label");
	if ((unsigned int)type > SIGN_KEY_EC_P384)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "unknown key type");
	if (strlen(label) > 255)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the label is too long");
	rc = need_rw_login(tok, "key generation");
	if (rc != 0)
		return rc;
	if (id == NULL || id_len == 0) {
		if (RAND_bytes(rid, sizeof(rid)) != 1)
			return sign_error__openssl(SIGN_ERR_CRYPTO, "cannot pick a key id");
		id = rid;
		id_len = sizeof(rid);
	} else if (id_len > 255) {
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the key id is too long");
	}
	rc = find_by_id(tok, CKO_PRIVATE_KEY, id, id_len, h, &n, 1);
	if (rc != 0)
		return rc;
	if (n > 0)
		return sign_error__set(SIGN_ERR_EXISTS, 0,
		    "a private key with this id is already on the token; pick another --id");
	/* A certificate or public key left with this id would be paired with the new key. */
	{
		CK_ATTRIBUTE t[] = { { CKA_ID, (void *)id, (CK_ULONG)id_len } };

		rc = sign_token__find(tok, t, 1, h, 1, &n);
		if (rc != 0)
			return rc;
		if (n > 0)
			return sign_error__set(SIGN_ERR_EXISTS, 0,
			    "a certificate or public key with this id is already on the token "
			    "(another key's, or one left behind); pick another --id");
	}
	/* Two keys with one label: object=LABEL would name neither. */
	{
		CK_OBJECT_CLASS pcls = CKO_PRIVATE_KEY;
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &pcls, sizeof(pcls) },
			{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
		};

		rc = sign_token__find(tok, t, 2, h, 1, &n);
		if (rc != 0)
			return rc;
		if (n > 0)
			return sign_error__set(SIGN_ERR_EXISTS, 0,
			    "a private key labelled '%s' is already on the token (see kyso key "
			    "list); pick another --label", label);
	}

	ATTR(pubt, npub, CKA_TOKEN, &yes, sizeof(yes));
	ATTR(pubt, npub, CKA_PRIVATE, &no, sizeof(no));
	ATTR(pubt, npub, CKA_VERIFY, &yes, sizeof(yes));
	ATTR(pubt, npub, CKA_ENCRYPT, &no, sizeof(no));
	ATTR(pubt, npub, CKA_WRAP, &no, sizeof(no));
	ATTR(pubt, npub, CKA_LABEL, label, strlen(label));
	ATTR(pubt, npub, CKA_ID, id, id_len);
	ATTR(privt, npriv, CKA_TOKEN, &yes, sizeof(yes));
	ATTR(privt, npriv, CKA_PRIVATE, &yes, sizeof(yes));
	ATTR(privt, npriv, CKA_SENSITIVE, &yes, sizeof(yes));
	ATTR(privt, npriv, CKA_EXTRACTABLE, &no, sizeof(no));
	ATTR(privt, npriv, CKA_SIGN, &yes, sizeof(yes));
	ATTR(privt, npriv, CKA_DECRYPT, &no, sizeof(no));
	ATTR(privt, npriv, CKA_UNWRAP, &no, sizeof(no));
	ATTR(privt, npriv, CKA_LABEL, label, strlen(label));
	ATTR(privt, npriv, CKA_ID, id, id_len);
	if (is_ec) {
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		if (type == SIGN_KEY_EC_P256)
			ATTR(pubt, npub, CKA_EC_PARAMS, p256, sizeof(p256));
		else
			ATTR(pubt, npub, CKA_EC_PARAMS, p384, sizeof(p384));
	} else {
		ATTR(pubt, npub, CKA_MODULUS_BITS, &bits, sizeof(bits));
		ATTR(pubt, npub, CKA_PUBLIC_EXPONENT, e65537, sizeof(e65537));
	}
#undef ATTR
	sign_log__msg(SIGN_LOG_DEBUG, "generating a %s key on token '%s'",
	    is_ec ? "EC" : "RSA", tok->info.info.label);
	rv = tok->mod->f->C_GenerateKeyPair(tok->session, &mech, pubt, npub, privt, npriv,
	    &pub, &priv);
	sign_token__trace(is_ec ? "C_GenerateKeyPair(CKM_EC_KEY_PAIR_GEN)" :
	    "C_GenerateKeyPair(CKM_RSA_PKCS_KEY_PAIR_GEN)", rv);
	if (rv == CKR_TOKEN_WRITE_PROTECTED)
		return write_protected(tok, "key generation");
	if (rv != CKR_OK)
		return sign_token__p11_error(rv == CKR_MECHANISM_INVALID ||
		    rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_TEMPLATE_INCONSISTENT ?
		    SIGN_ERR_UNSUPPORTED : SIGN_ERR_PKCS11, rv, "C_GenerateKeyPair",
		    "the token cannot generate this key");
	/* The token must have honoured sensitive and non-extractable. */
	if (!sign_token__attr_bool(tok, priv, CKA_SENSITIVE, 0) ||
	    sign_token__attr_bool(tok, priv, CKA_EXTRACTABLE, 1)) {
		tok->mod->f->C_DestroyObject(tok->session, priv);
		tok->mod->f->C_DestroyObject(tok->session, pub);
		return sign_error__set(SIGN_ERR_PKCS11, 0,
		    "the token made the private key extractable or not sensitive; it was "
		    "destroyed");
	}
	return object_uri(uri_out, tok, CKO_PRIVATE_KEY, label, id, id_len);
}

/* ---- certificate import -------------------------------------------------- */

/* The label for a CA certificate: its subject CN, else "CA certificate". */
static void
ca_label(X509 *x, char *buf, size_t cap)
{
	X509_NAME *nm = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
	unsigned char *u = NULL;
	int n;

	snprintf(buf, cap, "CA certificate");
	if (i < 0)
		return;
	n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i)));
	if (n > 0 && (size_t)n < cap)
		snprintf(buf, cap, "%.*s", n, (const char *)u);
	OPENSSL_free(u);
}

/* Store x unless already there; uri_out gets its URI when not NULL. */
static int
store_cert(sign_buf *uri_out, sign_token *tok, X509 *x, const char *label,
    const unsigned char *id, size_t id_len, int authority)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_ULONG cat = authority ? 2 : 1; /* CK_CERTIFICATE_CATEGORY: authority / token user */
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char *der = NULL, *subj = NULL, *iss = NULL, *ser = NULL;
	int dl, sl, il, nl;
	CK_OBJECT_HANDLE h, found[1];
	CK_ULONG n = 0, nt;
	CK_RV rv;
	int rc = 0;

	dl = i2d_X509(x, &der);
	sl = i2d_X509_NAME(X509_get_subject_name(x), &subj);
	il = i2d_X509_NAME(X509_get_issuer_name(x), &iss);
	nl = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &ser);
	if (dl <= 0 || sl <= 0 || il <= 0 || nl <= 0) {
		rc = sign_error__openssl(SIGN_ERR_MALFORMED, "cannot encode the certificate");
		goto out;
	}
	{
		CK_ATTRIBUTE q[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_VALUE, der, (CK_ULONG)dl },
		};

		rc = sign_token__find(tok, q, 2, found, 1, &n);
		if (rc != 0)
			goto out;
	}
	if (n > 0) {
		sign_log__msg(SIGN_LOG_INFO, "the certificate '%s' is already on the token",
		    label);
	} else {
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_PRIVATE, &no, sizeof(no) },
			{ CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
			{ CKA_SUBJECT, subj, (CK_ULONG)sl },
			{ CKA_ISSUER, iss, (CK_ULONG)il },
			{ CKA_SERIAL_NUMBER, ser, (CK_ULONG)nl },
			{ CKA_VALUE, der, (CK_ULONG)dl },
			{ CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
			{ CKA_ID, (void *)id, (CK_ULONG)id_len },
			{ CKA_CERTIFICATE_CATEGORY, &cat, sizeof(cat) },
		};

		nt = sizeof(t) / sizeof(t[0]);
		rv = tok->mod->f->C_CreateObject(tok->session, t, nt, &h);
		sign_token__trace("C_CreateObject(CKO_CERTIFICATE)", rv);
		if (rv == CKR_ATTRIBUTE_TYPE_INVALID) {
			/* A module without CKA_CERTIFICATE_CATEGORY (PKCS#11 < 2.20). */
			rv = tok->mod->f->C_CreateObject(tok->session, t, nt - 1, &h);
			sign_token__trace("C_CreateObject(CKO_CERTIFICATE)", rv);
		}
		if (rv == CKR_TOKEN_WRITE_PROTECTED) {
			rc = write_protected(tok, "certificate import");
			goto out;
		}
		if (rv != CKR_OK) {
			rc = sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_CreateObject",
			    "cannot store the certificate on the token");
			goto out;
		}
	}
	rc = object_uri(uri_out, tok, CKO_CERTIFICATE, label, id, id_len);
out:
	OPENSSL_free(der);
	OPENSSL_free(subj);
	OPENSSL_free(iss);
	OPENSSL_free(ser);
	return rc;
}

/* A CA certificate's id: its subject key identifier, else the SHA-1 of its key. */
static int
store_ca(sign_token *tok, X509 *ca)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(ca);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char label[128];

	ca_label(ca, label, sizeof(label));
	if (ski != NULL && ASN1_STRING_length(ski) > 0 && ASN1_STRING_length(ski) <= 64) {
		mdlen = (unsigned int)ASN1_STRING_length(ski);
		memcpy(md, ASN1_STRING_get0_data(ski), mdlen);
	} else if (!X509_pubkey_digest(ca, EVP_sha1(), md, &mdlen)) {
		return sign_error__openssl(SIGN_ERR_MALFORMED, "cannot read a chain certificate's key");
	}
	return store_cert(NULL, tok, ca, label, md, mdlen, 1);
}

/* A certificate that matched no key: stored as a CA certificate when it is
 * one (or a self-signed root without basicConstraints); another person's
 * certificate, or one for a key kept elsewhere, is not stored. */
static int
store_authority(sign_token *tok, const sign_cert *c)
{
	const sign_cert_info *in = sign_cert_get_info(c);

	if (!in->is_ca && !in->self_signed) {
		sign_log__msg(SIGN_LOG_INFO, "the certificate '%s' matches no key on the token and "
		    "is not a CA certificate; not stored", in->subject);
		return 0;
	}
	return store_ca(tok, sign_cert__x509(c));
}

/* Why no certificate of cert_path matched a key; blind: a key without a
 * readable public key (its label), NULL when every key had one. */
static int
no_key_matches(sign_token *tok, const sign_cert_list *certs, const char *cert_path,
    const char *blind)
{
	size_t i, n = sign_cert_list_count(certs);

	for (i = 0; i < n; i++)
		if (!sign_cert_get_info(sign_cert_list_get(certs, i))->is_ca)
			break;
	if (i == n)
		return sign_error__set(SIGN_ERR_KEY_NOT_FOUND, 0,
		    "%s holds only CA certificates ('%s'%s); import the certificate issued for "
		    "your key with --in, and give these with --chain", cert_path,
		    sign_cert_get_info(sign_cert_list_get(certs, 0))->subject,
		    n > 1 ? ", ..." : "");
	if (blind != NULL)
		return sign_error__set(SIGN_ERR_KEY_NOT_FOUND, 0,
		    "no private key on token '%s' matches the public key of %s, but the key "
		    "'%s' has no public key object to compare with; store its public key under "
		    "the same CKA_ID, or generate the key with kyso key generate",
		    tok->info.info.label, cert_path, blind);
	return sign_error__set(SIGN_ERR_KEY_NOT_FOUND, 0,
	    "no private key on token '%s' matches the public key of %s; generate the "
	    "key on this token and request the certificate for it",
	    tok->info.info.label, cert_path);
}

int
sign_token_import_cert(sign_buf *uri_out, sign_token *tok, const char *cert_path,
    const char *chain_path)
{
	sign_cert_list *certs = NULL, *chain = NULL;
	sign_token_objects *keys = NULL;
	EVP_PKEY **kpub = NULL;
	const sign_token_object **owner = NULL;
	const char *blind = NULL;
	size_t i, k, nkeys = 0, ncerts, matched = 0;
	int rc, have_uri = 0;

	if (tok == NULL || cert_path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no token or certificate");
	rc = sign_cert_list_from_file(&certs, cert_path);
	if (rc == 0 && chain_path != NULL)
		rc = sign_cert_list_from_file(&chain, chain_path);
	if (rc != 0)
		goto out;
	rc = need_rw_login(tok, "certificate import");
	if (rc != 0)
		goto out;
	/* The public key of every private key on the token, read once. */
	rc = sign_token_objects_new(&keys, tok, SIGN_TOKEN_OBJ_PRIVATE_KEY, NULL);
	if (rc != 0)
		goto out;
	nkeys = sign_token_objects_count(keys);
	ncerts = sign_cert_list_count(certs);
	kpub = calloc(nkeys + 1, sizeof(*kpub));
	owner = calloc(ncerts, sizeof(*owner));
	if (kpub == NULL || owner == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	for (k = 0; k < nkeys; k++) {
		const sign_token_object *o = sign_token_objects_get(keys, k);

		if (sign_token__pubkey(&kpub[k], tok, o->id, o->id_len) != 0) {
			kpub[k] = NULL;
			if (blind == NULL)
				blind = o->label;
		}
	}
	ERR_clear_error();
	/* Any certificate of the file may be a key's (bundles often put the CA
	 * first); of the others, the CA certificates are stored too. */
	for (i = 0; i < ncerts; i++) {
		EVP_PKEY *cpub = X509_get0_pubkey(sign_cert__x509(sign_cert_list_get(certs, i)));

		for (k = 0; cpub != NULL && k < nkeys && owner[i] == NULL; k++)
			if (kpub[k] != NULL && EVP_PKEY_eq(kpub[k], cpub) == 1)
				owner[i] = sign_token_objects_get(keys, k);
		if (owner[i] != NULL)
			matched++;
	}
	ERR_clear_error();
	if (matched == 0) {
		rc = no_key_matches(tok, certs, cert_path, blind);
		goto out;
	}
	for (i = 0; rc == 0 && i < ncerts; i++) {
		const sign_cert *c = sign_cert_list_get(certs, i);

		if (owner[i] != NULL)
			rc = store_cert(have_uri++ == 0 ? uri_out : NULL, tok, sign_cert__x509(c),
			    owner[i]->label, owner[i]->id, owner[i]->id_len, 0);
		else
			rc = store_authority(tok, c);
	}
	for (i = 0; rc == 0 && i < sign_cert_list_count(chain); i++)
		rc = store_authority(tok, sign_cert_list_get(chain, i));
out:
	if (rc != 0 && uri_out != NULL)
		sign_buf_dispose(uri_out);
	for (k = 0; kpub != NULL && k < nkeys; k++)
		EVP_PKEY_free(kpub[k]);
	free(kpub);
	free(owner);
	sign_token_objects_free(keys);
	sign_cert_list_free(certs);
	sign_cert_list_free(chain);
	return rc;
}
