/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Certificate inspection and PKCS#10 requests signed by a sign_signer. */
#include "token_priv.h"
#include "libsign/cert.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#define CERT_FILE_MAX (1024 * 1024)
#define CERTS_FILE_MAX (4 * 1024 * 1024)
#define SUBJECT_MAX 4096

struct sign_cert {
	X509 *x;
	unsigned char *der;
	size_t der_len;
	sign_cert_info info;
	char *subject, *issuer, *serial, *nb, *na, *curve, *ku, *eku, *pol, *sha256;
};

void
sign_cert_free(sign_cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->x);
	OPENSSL_free(c->der);
	free(c->subject);
	free(c->issuer);
	free(c->serial);
	free(c->nb);
	free(c->na);
	free(c->curve);
	free(c->ku);
	free(c->eku);
	free(c->pol);
	free(c->sha256);
	free(c);
}

/* s (NUL-terminated) as sign_text_escape() shows it; malloc'd. */
static char *
escape_unsafe(const char *s)
{
	size_t n = sign_text_escape(NULL, 0, s) + 1;
	char *o = malloc(n);

	if (o != NULL)
		sign_text_escape(o, n, s);
	return o;
}

/* A name in UTF-8, RDNs most significant first, separated by ", ". */
static char *
name_text(const X509_NAME *nm)
{
	unsigned long flags = (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
	    ASN1_STRFLGS_UTF8_CONVERT | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
	    XN_FLAG_DUMP_UNKNOWN_FIELDS;
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL, *p;
	long n;

	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, nm, 0, flags) >= 0 && BIO_write(b, "", 1) == 1) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0 && memchr(p, '\0', (size_t)n) == p + n - 1)
			s = escape_unsafe(p);
	}
	BIO_free(b);
	return s;
}

static char *
hex_text(const unsigned char *p, size_t n)
{
	char *s = malloc(n * 2 + 1);

	if (s != NULL)
		sign__hex(s, p, n);
	return s;
}

static char *
time_text(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;
	char buf[32];

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return NULL;
	*out = timegm(&tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return strdup(buf);
}

/* Append s to a comma-separated list in *list (realloc'd). */
static int
list_add(char **list, const char *s)
{
	size_t l = *list != NULL ? strlen(*list) : 0;
	char *n = realloc(*list, l + strlen(s) + 3);

	if (n == NULL)
		return -1;
	if (l == 0)
		n[0] = '\0';
	else
		strcat(n, ", ");
	strcat(n, s);
	*list = n;
	return 0;
}

static char *
obj_text(const ASN1_OBJECT *o, int numeric, char *buf, size_t cap)
{
	int nid = OBJ_obj2nid(o);

	if (!numeric && nid != NID_undef)
		snprintf(buf, cap, "%s", OBJ_nid2sn(nid));
	else if (OBJ_obj2txt(buf, (int)cap, o, 1) <= 0)
		snprintf(buf, cap, "?");
	return buf;
}

static int
fill_info(sign_cert *c)
{
	static const struct {
		uint32_t ossl;
		unsigned int sign;
		const char *name;
	} kus[] = {
		{ KU_DIGITAL_SIGNATURE, SIGN_KU_DIGITAL_SIGNATURE, "digitalSignature" },
		{ KU_NON_REPUDIATION, SIGN_KU_NON_REPUDIATION, "nonRepudiation" },
		{ KU_KEY_ENCIPHERMENT, SIGN_KU_KEY_ENCIPHERMENT, "keyEncipherment" },
		{ KU_DATA_ENCIPHERMENT, SIGN_KU_DATA_ENCIPHERMENT, "dataEncipherment" },
		{ KU_KEY_AGREEMENT, SIGN_KU_KEY_AGREEMENT, "keyAgreement" },
		{ KU_KEY_CERT_SIGN, SIGN_KU_KEY_CERT_SIGN, "keyCertSign" },
		{ KU_CRL_SIGN, SIGN_KU_CRL_SIGN, "cRLSign" },
		{ KU_ENCIPHER_ONLY, SIGN_KU_ENCIPHER_ONLY, "encipherOnly" },
		{ KU_DECIPHER_ONLY, SIGN_KU_DECIPHER_ONLY, "decipherOnly" },
	};
	sign_cert_info *in = &c->info;
	EXTENDED_KEY_USAGE *eku = NULL;
	CERTIFICATEPOLICIES *pols = NULL;
	ASN1_INTEGER *sn;
	BIGNUM *bn = NULL;
	EVP_PKEY *pk;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char buf[256];
	int i, id, crit = 0;
	size_t k;

	c->subject = name_text(X509_get_subject_name(c->x));
	c->issuer = name_text(X509_get_issuer_name(c->x));
	sn = (ASN1_INTEGER *)X509_get0_serialNumber(c->x);
	bn = ASN1_INTEGER_to_BN(sn, NULL);
	if (bn != NULL) {
		char *h = BN_is_zero(bn) ? NULL : BN_bn2hex(bn);

		c->serial = strdup(h != NULL ? h : "00");
		OPENSSL_free(h);
		BN_free(bn);
		for (k = 0; c->serial != NULL && c->serial[k]; k++)
			if (c->serial[k] >= 'A' && c->serial[k] <= 'F')
				c->serial[k] = (char)(c->serial[k] - 'A' + 'a');
	}
	c->nb = time_text(X509_get0_notBefore(c->x), &in->not_before);
	c->na = time_text(X509_get0_notAfter(c->x), &in->not_after);
	if (c->subject == NULL || c->issuer == NULL || c->serial == NULL || c->nb == NULL ||
	    c->na == NULL)
		return sign_error__openssl(SIGN_ERR_MALFORMED,
		    "the certificate's names, serial or validity cannot be read");

	pk = X509_get0_pubkey(c->x);
	id = pk != NULL ? EVP_PKEY_get_base_id(pk) : NID_undef;
	in->key_type = id == EVP_PKEY_RSA ? "rsa" : id == EVP_PKEY_RSA_PSS ? "rsa-pss" :
	    id == EVP_PKEY_EC ? "ec" : id == EVP_PKEY_ED25519 ? "ed25519" :
	    id == EVP_PKEY_ED448 ? "ed448" : id == EVP_PKEY_DSA ? "dsa" : "unknown";
	in->key_bits = pk != NULL && EVP_PKEY_get_bits(pk) > 0 ?
	    (unsigned int)EVP_PKEY_get_bits(pk) : 0;
	if (id == EVP_PKEY_EC && EVP_PKEY_get_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_GROUP_NAME, buf, sizeof(buf), NULL) == 1)
		c->curve = strdup(buf);
	in->curve = c->curve;

	in->has_key_usage = (X509_get_extension_flags(c->x) & EXFLAG_KUSAGE) != 0;
	if (in->has_key_usage) {
		uint32_t ku = X509_get_key_usage(c->x);

		for (k = 0; k < sizeof(kus) / sizeof(kus[0]); k++) {
			if (ku & kus[k].ossl) {
				in->key_usage |= kus[k].sign;
				if (list_add(&c->ku, kus[k].name) != 0)
					return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			}
		}
	}
	eku = X509_get_ext_d2i(c->x, NID_ext_key_usage, &crit, NULL);
	for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++)
		if (list_add(&c->eku, obj_text(sk_ASN1_OBJECT_value(eku, i), 0, buf,
		    sizeof(buf))) != 0)
			break;
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	pols = X509_get_ext_d2i(c->x, NID_certificate_policies, &crit, NULL);
	for (i = 0; pols != NULL && i < sk_POLICYINFO_num(pols); i++)
		if (list_add(&c->pol, obj_text(sk_POLICYINFO_value(pols, i)->policyid, 1, buf,
		    sizeof(buf))) != 0)
			break;
	sk_POLICYINFO_pop_free(pols, POLICYINFO_free);
	ERR_clear_error();
	if (c->ku == NULL)
		c->ku = strdup("");
	if (c->eku == NULL)
		c->eku = strdup("");
	if (c->pol == NULL)
		c->pol = strdup("");
	if (!X509_digest(c->x, EVP_sha256(), md, &mdlen))
		return sign_error__openssl(SIGN_ERR_CRYPTO, "cannot hash the certificate");
	c->sha256 = hex_text(md, mdlen);
	if (c->ku == NULL || c->eku == NULL || c->pol == NULL || c->sha256 == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	in->subject = c->subject;
	in->issuer = c->issuer;
	in->serial = c->serial;
	in->not_before_str = c->nb;
	in->not_after_str = c->na;
	in->key_usage_str = c->ku;
	in->ext_key_usage = c->eku;
	in->policies = c->pol;
	in->sha256 = c->sha256;
	in->is_ca = (X509_get_extension_flags(c->x) & EXFLAG_CA) != 0;
	in->self_signed = X509_self_signed(c->x, 1) == 1;
	ERR_clear_error();
	return 0;
}

int
sign_cert_from_signer(sign_cert **out, const sign_signer *signer)
{
	if (out == NULL || signer == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signer or output");
	*out = NULL;
	if (signer->cert == NULL)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0, "the signer has no certificate");
	return sign_cert__from_x509(out, signer->cert);
}

int
sign_cert__from_x509(sign_cert **out, X509 *x)
{
	sign_cert *c;
	int n, rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	X509_up_ref(x);
	c->x = x;
	n = i2d_X509(x, &c->der);
	if (n <= 0) {
		c->der = NULL;
		sign_cert_free(c);
		return sign_error__openssl(SIGN_ERR_MALFORMED, "cannot encode the certificate");
	}
	c->der_len = (size_t)n;
	rc = fill_info(c);
	if (rc != 0) {
		sign_cert_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

X509 *
sign_cert__x509(const sign_cert *c)
{
	return c != NULL ? c->x : NULL;
}

int
sign_cert_from_der(sign_cert **out, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;
	int rc;

	if (out == NULL || der == NULL || len == 0)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no certificate given");
	*out = NULL;
	if (len > CERT_FILE_MAX)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "the certificate is too large");
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		X509_free(x);
		return sign_error__openssl(SIGN_ERR_MALFORMED,
		    "malformed certificate (not DER, or trailing data)");
	}
	rc = sign_cert__from_x509(out, x);
	X509_free(x);
	return rc;
}

/* ---- certificate files --------------------------------------------------- */

struct sign_cert_list {
	sign_cert **certs;
	size_t n, cap;
};

void
sign_cert_list_free(sign_cert_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		sign_cert_free(l->certs[i]);
	free(l->certs);
	free(l);
}

size_t
sign_cert_list_count(const sign_cert_list *l)
{
	return l != NULL ? l->n : 0;
}

const sign_cert *
sign_cert_list_get(const sign_cert_list *l, size_t i)
{
	return l != NULL && i < l->n ? l->certs[i] : NULL;
}

static int
list_push(sign_cert_list *l, X509 *x)
{
	sign_cert *c = NULL;
	int rc;

	if (l->n == l->cap) {
		size_t nc = l->cap != 0 ? l->cap * 2 : 4;
		sign_cert **nv = realloc(l->certs, nc * sizeof(*nv));

		if (nv == NULL)
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		l->certs = nv;
		l->cap = nc;
	}
	rc = sign_cert__from_x509(&c, x);
	if (rc == 0)
		l->certs[l->n++] = c;
	return rc;
}

/* The certificates of a DER PKCS#7 SignedData (a .p7b/.p7c bundle, or a
 * signature's embedded certificates); 1 when der is no PKCS#7 at all. */
static int
push_pkcs7(sign_cert_list *l, const unsigned char *der, size_t len, const char *path)
{
	const unsigned char *p = der;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
	STACK_OF(X509) *sk;
	int i, rc = 0;

	if (p7 == NULL || p != der + len) {
		PKCS7_free(p7);
		ERR_clear_error();
		return 1;
	}
	sk = PKCS7_type_is_signed(p7) && p7->d.sign != NULL ? p7->d.sign->cert : NULL;
	if (sk_X509_num(sk) <= 0)
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "the PKCS#7 data in %s holds no certificate", path);
	for (i = 0; rc == 0 && i < sk_X509_num(sk); i++)
		rc = list_push(l, sk_X509_value(sk, i));
	PKCS7_free(p7);
	return rc;
}

static int
is_cert_block(const char *name)
{
	return strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0 ||
	    strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
}

static int
is_pkcs7_block(const char *name)
{
	return strcmp(name, PEM_STRING_PKCS7) == 0 || strcmp(name, PEM_STRING_PKCS7_SIGNED) == 0 ||
	    strcmp(name, PEM_STRING_CMS) == 0;
}

/*
 * The PEM blocks of data: certificates and PKCS#7 bundles are read, any
 * other block (a private key...) is skipped and its decoded bytes wiped.
 * *blocks counts the blocks seen; others names the first other kind.
 */
static int
read_pem(sign_cert_list *l, const unsigned char *data, size_t dlen, const char *path,
    int *blocks, char *others, size_t ocap)
{
	BIO *bio = BIO_new_mem_buf(data, (int)dlen);
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long len = 0;
	int rc = 0;

	*blocks = 0;
	if (bio == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	ERR_clear_error();
	while (rc == 0 && PEM_read_bio(bio, &name, &header, &der, &len) == 1) {
		const unsigned char *p = der;

		(*blocks)++;
		if (is_cert_block(name)) {
			X509 *x = strcmp(name, PEM_STRING_X509_TRUSTED) == 0 ?
			    d2i_X509_AUX(NULL, &p, len) : d2i_X509(NULL, &p, len);

			if (x == NULL || p != der + len)
				rc = sign_error__openssl(SIGN_ERR_MALFORMED,
				    "%s%s: PEM block %d is not a certificate (damaged, or trailing "
				    "data)", path, l->n == 0 ? " holds no PEM or DER certificate" : "",
				    *blocks);
			else
				rc = list_push(l, x);
			X509_free(x);
		} else if (is_pkcs7_block(name)) {
			rc = push_pkcs7(l, der, (size_t)len, path);
			if (rc == 1)
				rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s: PEM block %d (%s) is damaged", path, *blocks, name);
		} else if (others[0] == '\0') {
			snprintf(others, ocap, "%s", name);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(der, (size_t)len);
		name = header = NULL;
		der = NULL;
	}
	if (rc == 0 && ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE &&
	    ERR_peek_last_error() != 0)
		rc = sign_error__openssl(SIGN_ERR_MALFORMED, "%s%s: PEM block %d is damaged", path,
		    l->n == 0 ? " holds no PEM or DER certificate" : "", *blocks + 1);
	ERR_clear_error();
	BIO_free(bio);
	return rc;
}

/* The certificates of data (a file's bytes; path names it in messages). */
static int
parse_certs(sign_cert_list *l, const unsigned char *data, size_t dlen, const char *path)
{
	char others[64] = "";
	int blocks = 0, rc;

	if (dlen == 0)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s is empty: it holds no PEM or DER certificate", path);
	if (dlen > CERTS_FILE_MAX)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "%s is too large for certificates",
		    path);
	rc = read_pem(l, data, dlen, path, &blocks, others, sizeof(others));
	if (rc != 0 || blocks > 0) {
		if (rc == 0 && l->n == 0)
			rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s holds no PEM or DER certificate (its PEM data is a %s, not a "
			    "certificate)", path, others);
		goto out;
	}
	/* DER: one certificate, or a PKCS#7 bundle. */
	{
		const unsigned char *p = data;
		X509 *x = d2i_X509(NULL, &p, (long)dlen);

		if (x != NULL && p == data + dlen) {
			rc = list_push(l, x);
		} else {
			ERR_clear_error();
			rc = push_pkcs7(l, data, dlen, path);
			if (rc == 1)
				rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s holds no PEM or DER certificate: malformed certificate "
				    "(not DER, or trailing data)", path);
		}
		X509_free(x);
	}
out:
	ERR_clear_error();
	return rc;
}

static int
read_certs(sign_cert_list *l, const char *path)
{
	sign_buf data = SIGN_BUF_INIT;
	int rc;

	rc = sign__read_file(path, CERTS_FILE_MAX, &data);
	if (rc == SIGN_ERR_IO && sign_error_backend() == EISDIR)
		return sign_error__set(SIGN_ERR_NOT_FOUND, EISDIR,
		    "%s is a directory; name a certificate file", path);
	if (rc != 0)
		return rc;
	rc = parse_certs(l, data.data, data.len, path);
	/* The file may hold a private key beside the certificate. */
	OPENSSL_cleanse(data.data, data.len);
	sign_buf_dispose(&data);
	return rc;
}

int
sign_cert__list_from_mem(sign_cert_list **out, const unsigned char *data, size_t len,
    const char *name)
{
	sign_cert_list *l;
	int rc;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rc = parse_certs(l, data, len, name != NULL ? name : "the data");
	if (rc != 0) {
		sign_cert_list_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int
sign_cert_list_from_file(sign_cert_list **out, const char *path)
{
	sign_cert_list *l;
	int rc;

	if (out == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no certificate file given");
	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rc = read_certs(l, path);
	if (rc != 0) {
		sign_cert_list_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int
sign_cert_from_file(sign_cert **out, const char *path)
{
	sign_cert_list *l = NULL;
	int rc;

	if (out == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no certificate file given");
	*out = NULL;
	rc = sign_cert_list_from_file(&l, path);
	if (rc == 0) {
		/* Take the first certificate out of the list. */
		*out = l->certs[0];
		l->certs[0] = NULL;
		sign_cert_list_free(l);
	}
	return rc;
}

const sign_cert_info *
sign_cert_get_info(const sign_cert *c)
{
	return c != NULL ? &c->info : NULL;
}

int
sign_cert_der(const sign_cert *c, const unsigned char **der, size_t *len)
{
	if (c == NULL || der == NULL || len == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no certificate");
	*der = c->der;
	*len = c->der_len;
	return 0;
}

sign_cert_validity
sign_cert_check_time(const sign_cert *c, time_t now, int warn_days)
{
	if (now < c->info.not_before)
		return SIGN_CERT_NOT_YET_VALID;
	if (now > c->info.not_after)
		return SIGN_CERT_EXPIRED;
	if (warn_days > 0 && c->info.not_after - now <= (time_t)warn_days * 86400)
		return SIGN_CERT_EXPIRING;
	return SIGN_CERT_VALID;
}

int
sign_cert__signing_use(X509 *x)
{
	/* the purposes named by OID only (OpenSSL 3.0 has no NID for them) */
	static const char *const doc_oids[] = {
		"1.3.6.1.5.5.7.3.36",        /* documentSigning (RFC 9336) */
		"1.3.6.1.4.1.311.10.3.12",   /* Microsoft Document Signing */
		"1.2.840.113583.1.1.5",      /* Adobe Authentic Documents Trust */
	};
	EXTENDED_KEY_USAGE *eku;
	char oid[64];
	uint32_t ku = X509_get_key_usage(x);
	int i, crit = -1, nid, ok = 0;
	size_t k;

	if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
		return SIGN_CERT__NO_SIGNING_KU;
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	if (eku == NULL) {
		ERR_clear_error();
		/* -1: no such extension; otherwise present but unreadable, or twice */
		return crit == -1 ? 0 : SIGN_CERT__NO_SIGNING_EKU;
	}
	for (i = 0; !ok && i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);

		nid = OBJ_obj2nid(o);
		if (nid == NID_anyExtendedKeyUsage || nid == NID_email_protect ||
		    nid == NID_code_sign || nid == NID_client_auth) {
			ok = 1;
			break;
		}
		if (OBJ_obj2txt(oid, sizeof(oid), o, 1) <= 0)
			continue;
		for (k = 0; k < sizeof(doc_oids) / sizeof(doc_oids[0]); k++)
			if (strcmp(oid, doc_oids[k]) == 0)
				ok = 1;
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return ok ? 0 : SIGN_CERT__NO_SIGNING_EKU;
}

int
sign_cert_check_signing(const sign_cert *c)
{
	int use;

	if (c == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no certificate");
	use = sign_cert__signing_use(c->x);
	if (use == 0)
		return 0;
	if (use == SIGN_CERT__NO_SIGNING_EKU)
		return sign_error__set(SIGN_ERR_KEY_USAGE, 0,
		    "the certificate '%s' may not sign documents (extended key usage: %s); "
		    "use a signing certificate", c->info.subject,
		    *c->info.ext_key_usage ? c->info.ext_key_usage : "unreadable");
	return sign_error__set(SIGN_ERR_KEY_USAGE, 0,
	    "the certificate '%s' may not sign (key usage: %s); use the signing certificate",
	    c->info.subject, *c->info.key_usage_str ? c->info.key_usage_str : "none");
}

/* ---- PKCS#10 requests ---------------------------------------------------- */

/* Attribute names people mistype in the wrong case, for the hint. */
static const char *const known_attrs[] = {
	"C", "ST", "L", "O", "OU", "CN", "SN", "GN", "UID", "DC", "street", "title",
	"serialNumber", "emailAddress", "givenName", "surname", "initials", "pseudonym",
	"organizationIdentifier", "dnQualifier", "postalCode", "name",
};

static int
unknown_attr(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(known_attrs) / sizeof(known_attrs[0]); i++)
		if (strcasecmp(type, known_attrs[i]) == 0)
			return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
			    "unknown subject attribute '%s'; did you mean '%s'? (names are "
			    "case-sensitive)", type, known_attrs[i]);
	return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
	    "unknown subject attribute '%s'; use C, ST, L, O, OU, CN, serialNumber, "
	    "emailAddress, UID, ... or a dotted OID", type);
}

/* Why value does not fit attribute type, after ASN1_mbstring_ncopy refused it. */
static int
bad_value(const char *type, int nid, const ASN1_STRING_TABLE *tbl)
{
	int reason = ERR_GET_REASON(ERR_peek_last_error());

	ERR_clear_error();
	if (nid == NID_countryName)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "C takes a two-letter country code (ISO 3166), e.g. C=VN");
	if (reason == ASN1_R_STRING_TOO_LONG && tbl != NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "the value of %s is too long (at most %ld characters)", type, tbl->maxsize);
	if (reason == ASN1_R_STRING_TOO_SHORT && tbl != NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "the value of %s is too short (at least %ld characters)", type, tbl->minsize);
	if (reason == ASN1_R_ILLEGAL_CHARACTERS && tbl != NULL &&
	    tbl->mask == B_ASN1_PRINTABLESTRING)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "%s is a PrintableString: only A-Z a-z 0-9, space and ' ( ) + , - . / : = ? "
		    "(no diacritics)", type);
	if (reason == ASN1_R_ILLEGAL_CHARACTERS && tbl != NULL && tbl->mask == B_ASN1_IA5STRING)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "%s is an IA5String: ASCII characters only (no diacritics)", type);
	return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
	    "the value of %s is not valid UTF-8 text", type);
}

/*
 * Add TYPE=VALUE (value: vlen bytes of UTF-8) to nm: a new RDN when set is 0,
 * to the last RDN when set is -1 (a multi-valued RDN).  The string type is
 * the one the attribute demands (PrintableString for C and serialNumber,
 * IA5String for emailAddress and DC), UTF8String for every DirectoryString,
 * whatever the process-wide ASN1_STRING_set_default_mask says.
 */
static int
add_ava(X509_NAME *nm, const char *type, const char *value, size_t vlen, int set)
{
	ASN1_OBJECT *obj = NULL;
	ASN1_STRING *str = NULL;
	const ASN1_STRING_TABLE *tbl = NULL;
	unsigned long mask = B_ASN1_UTF8STRING;
	long minsize = 0, maxsize = 0;
	int nid, rc = 0;

	if (*type == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "a subject part has no attribute name: write KEY=VALUE (e.g. CN=Nguyễn Văn An)");
	obj = OBJ_txt2obj(type, 0);
	if (obj == NULL) {
		ERR_clear_error();
		return unknown_attr(type);
	}
	if (vlen == 0) {
		rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no value for %s in the subject",
		    type);
		goto out;
	}
	nid = OBJ_obj2nid(obj);
	if (nid != NID_undef)
		tbl = ASN1_STRING_TABLE_get(nid);
	if (tbl != NULL) {
		mask = (tbl->mask & B_ASN1_UTF8STRING) ? B_ASN1_UTF8STRING : tbl->mask;
		minsize = tbl->minsize > 0 ? tbl->minsize : 0;
		maxsize = tbl->maxsize > 0 ? tbl->maxsize : 0;
	}
	if (ASN1_mbstring_ncopy(&str, (const unsigned char *)value, (int)vlen, MBSTRING_UTF8,
	    mask, minsize, maxsize) < 0) {
		rc = bad_value(type, nid, tbl);
		goto out;
	}
	if (!X509_NAME_add_entry_by_OBJ(nm, obj, ASN1_STRING_type(str),
	    ASN1_STRING_get0_data(str), ASN1_STRING_length(str), -1, set))
		rc = sign_error__openssl(SIGN_ERR_NOMEM, "cannot add %s to the subject", type);
out:
	ASN1_STRING_free(str);
	ASN1_OBJECT_free(obj);
	return rc;
}

/*
 * Parse "/C=VN/O=Org/CN=Nguyễn Văn An" into nm, as openssl req -subj does:
 * '/' separates RDNs, '+' attributes of one multi-valued RDN
 * ("/CN=An+UID=CMND:012345678"), and a backslash makes the next character
 * plain ("\/", "\+", "\\").  One trailing '/' is allowed.
 */
int
sign_cert__parse_subject(X509_NAME *nm, const char *subject)
{
	char buf[SUBJECT_MAX];
	const char *p = subject;
	size_t n = 0, eq = 0;
	int have_eq = 0, set = 0, rc = 0;

	if (subject == NULL || *subject != '/')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "the subject must look like /C=VN/O=.../CN=...");
	if (strlen(subject) >= sizeof(buf))
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "the subject is too long");
	p++;
	if (*p == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the subject is empty");
	for (;;) {
		if (*p == '\\') {
			if (p[1] == '\0')
				return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
				    "the subject ends with a lone backslash; write \\\\ for one");
			buf[n++] = p[1];
			p += 2;
			continue;
		}
		if (*p == '=' && !have_eq) {
			have_eq = 1;
			eq = n;
			buf[n++] = '\0';
			p++;
			continue;
		}
		if (*p != '/' && *p != '+' && *p != '\0') {
			buf[n++] = *p++;
			continue;
		}
		buf[n] = '\0';
		if (!have_eq) {
			if (n == 0 && *p == '/')
				return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
				    "the subject has an empty part (two '/' in a row)");
			return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
			    "bad subject part '%s': write KEY=VALUE (e.g. CN=Nguyễn Văn An); "
			    "a '+' joins two KEY=VALUE in one RDN, write \\+ for a plus sign", buf);
		}
		rc = add_ava(nm, buf, buf + eq + 1, n - eq - 1, set);
		if (rc != 0)
			return rc;
		set = *p == '+' ? -1 : 0;
		n = 0;
		have_eq = 0;
		if (*p == '\0' || (*p == '/' && p[1] == '\0'))
			break;
		p++;
	}
	if (X509_NAME_entry_count(nm) == 0)
		rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0, "the subject is empty");
	return rc;
}

int
sign_cert_request(sign_buf *out, sign_signer *signer, const char *subject, sign_md md,
    sign_scheme scheme)
{
	X509_REQ *req = NULL;
	X509_NAME *nm = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_BIT_STRING *bs = NULL;
	unsigned char *tbs = NULL, dig[EVP_MAX_MD_SIZE];
	unsigned int diglen = 0;
	sign_buf sig = SIGN_BUF_INIT;
	BIO *bio = NULL;
	const EVP_MD *evp;
	char *pem;
	long pemlen;
	int tbslen, nid, rc;

	if (out == NULL || signer == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signer or output");
	evp = sign_md__evp(md);
	if (evp == NULL || md == SIGN_MD_SHA1)
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "requests are signed with SHA-224/256/384/512");
	rc = sign_signer__scheme(signer, scheme, &scheme);
	if (rc != 0)
		return rc;
	if (scheme == SIGN_SCHEME_RSA_PSS)
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "RSA-PSS certification requests are not supported; use PKCS#1 v1.5");
	if (!OBJ_find_sigid_by_algs(&nid, EVP_MD_get_type(evp),
	    scheme == SIGN_SCHEME_ECDSA ? EVP_PKEY_EC : EVP_PKEY_RSA))
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0, "no signature algorithm for this key");
	req = X509_REQ_new();
	nm = X509_NAME_new();
	alg = X509_ALGOR_new();
	bs = ASN1_BIT_STRING_new();
	if (req == NULL || nm == NULL || alg == NULL || bs == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	rc = sign_cert__parse_subject(nm, subject);
	if (rc != 0)
		goto out;
	if (!X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_subject_name(req, nm) || !X509_REQ_set_pubkey(req, signer->pub) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(nid), scheme == SIGN_SCHEME_ECDSA ?
	    V_ASN1_UNDEF : V_ASN1_NULL, NULL) || !X509_REQ_set1_signature_algo(req, alg)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot build the request");
		goto out;
	}
	tbslen = i2d_re_X509_REQ_tbs(req, &tbs);
	if (tbslen <= 0 || !EVP_Digest(tbs, (size_t)tbslen, dig, &diglen, evp, NULL)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot encode the request");
		goto out;
	}
	rc = sign_signer__sign(signer, scheme, md, dig, diglen, &sig);
	if (rc != 0)
		goto out;
	if (!ASN1_BIT_STRING_set(bs, sig.data, (int)sig.len)) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	/* All bits used: without BITS_LEFT, DER encoding would drop trailing zero bytes. */
	bs->flags &= ~(long)0x07;
	bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, bs);
	bs = NULL;
	if (X509_REQ_verify(req, signer->pub) != 1) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO,
		    "the token's signature on the request does not verify");
		goto out;
	}
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || !PEM_write_bio_X509_REQ(bio, req)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot write the request");
		goto out;
	}
	/* Text with a NUL that len does not count. */
	if (BIO_write(bio, "", 1) != 1) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	pemlen = BIO_get_mem_data(bio, &pem);
	rc = sign_buf__set(out, pem, (size_t)pemlen);
	if (rc == 0)
		out->len = (size_t)pemlen - 1;
out:
	ERR_clear_error();
	BIO_free(bio);
	sign_buf_dispose(&sig);
	OPENSSL_free(tbs);
	ASN1_BIT_STRING_free(bs);
	X509_ALGOR_free(alg);
	X509_NAME_free(nm);
	X509_REQ_free(req);
	return rc;
}
