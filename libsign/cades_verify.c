/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CMS / CAdES verification with ETSI EN 319 102-1 indications.
 *
 * The signature is read by cades_parse.c (a streaming, bounded BER reader);
 * here each SignerInfo is checked.  Signed attributes are hashed exactly as
 * read (the [0] tag replaced by SET), never re-encoded.
 */
#include "cades_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

/* ---- one SignerInfo ------------------------------------------------------ */

/* A claimed signing time may run this far past a signature time-stamp's
 * time, beyond the time-stamp's accuracy, before it is reported as false:
 * signing and asking the TSA take a moment, clocks drift a little. */
#define CADES_SIGNING_TIME_SLACK 60

struct sinfo {
	struct tlv sid;
	int md_ok;
	sign_md md;
	int has_attrs;
	struct tlv attrs;
	struct tlv sigalg;
	struct tlv sig;
	int has_unsigned;
	struct tlv uattrs;          /* [1] unsignedAttrs */
};

static int
parse_sinfo(const struct tlv *si, struct sinfo *o)
{
	struct cur c = ber_inner(si), a;
	struct tlv t, oid;

	memset(o, 0, sizeof(*o));
	if (si->tag != 0x30 || ber_expect(&c, 0x02, &t) != 0 || ber_next(&c, &o->sid) != 0)
		return SIGN_ERR_MALFORMED;
	if (o->sid.tag != 0x30 && o->sid.tag != 0x80)
		return SIGN_ERR_MALFORMED;
	if (ber_expect(&c, 0x30, &t) != 0)
		return SIGN_ERR_MALFORMED;
	a = ber_inner(&t);
	if (ber_expect(&a, 0x06, &oid) != 0)
		return SIGN_ERR_MALFORMED;
	o->md_ok = sign_cades__md_from_oid(oid.val, oid.len, &o->md) == 0;
	if (ber_next(&c, &t) != 0)
		return SIGN_ERR_MALFORMED;
	if (t.tag == 0xa0) {
		o->has_attrs = 1;
		o->attrs = t;
		if (ber_next(&c, &t) != 0)
			return SIGN_ERR_MALFORMED;
	}
	if (t.tag != 0x30)
		return SIGN_ERR_MALFORMED;
	o->sigalg = t;
	if (ber_expect(&c, 0x04, &o->sig) != 0)
		return SIGN_ERR_MALFORMED;
	if (c.len > 0) {
		if (ber_next(&c, &t) != 0 || t.tag != 0xa1)
			return SIGN_ERR_MALFORMED;
		o->has_unsigned = 1;
		o->uattrs = t;
	}
	return c.len == 0 ? 0 : SIGN_ERR_MALFORMED;
}

/*
 * The unsigned attributes by name, ", "-separated, into out: none of them
 * is checked (they are not covered by the signature), and an auditor must
 * know that a counter-signature or a time-stamp is there unchecked.  The
 * signature time-stamp is left out (it has its own check).
 */
static void
unsigned_names(const struct tlv *ua, char *out, size_t cap)
{
	static const struct {
		const char *oid, *name;
	} known[] = {
		{ "1.2.840.113549.1.9.6", "counter-signature" },
		{ "1.2.840.113549.1.9.16.2.14", "signature time-stamp" },
		{ "1.2.840.113549.1.9.16.2.21", "complete-certificate-references" },
		{ "1.2.840.113549.1.9.16.2.22", "complete-revocation-references" },
		{ "1.2.840.113549.1.9.16.2.23", "certificate-values" },
		{ "1.2.840.113549.1.9.16.2.24", "revocation-values" },
		{ "0.4.0.1733.2.4", "archive-time-stamp-v3" },
	};
	struct cur c = ber_inner(ua), a;
	struct tlv attr, oid;
	char txt[80];
	size_t k, used = 0;

	out[0] = '\0';
	while (c.len > 0 && ber_next(&c, &attr) == 0 && attr.tag == 0x30) {
		const unsigned char *p;
		ASN1_OBJECT *obj;
		const char *name;

		a = ber_inner(&attr);
		if (ber_expect(&a, 0x06, &oid) != 0)
			break;
		p = oid.raw;
		obj = d2i_ASN1_OBJECT(NULL, &p, (long)oid.raw_len);
		if (obj == NULL || OBJ_obj2txt(txt, sizeof(txt), obj, 1) <= 0)
			snprintf(txt, sizeof(txt), "a malformed attribute type");
		ASN1_OBJECT_free(obj);
		name = txt;
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(txt, known[k].oid) == 0)
				name = known[k].name;
		if (strcmp(txt, "1.2.840.113549.1.9.16.2.14") == 0)
			continue;
		if (used + strlen(name) + 3 >= cap)
			break;
		used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? ", " : "", name);
	}
	ERR_clear_error();
}


/* The signed attributes we look at. */
struct sattrs {
	int n_ct, n_md, n_st, n_sc1, n_sc2;
	struct tlv ct, md, st, sc1, sc2;   /* the single values */
	char bad[160];
};

static int
parse_attrs(const struct tlv *attrs, struct sattrs *o)
{
	struct cur c = ber_inner(attrs), a, vals;
	struct tlv attr, type, set, v;

	memset(o, 0, sizeof(*o));
	while (c.len > 0) {
		int *count = NULL;
		struct tlv *slot = NULL;

		if (ber_expect(&c, 0x30, &attr) != 0)
			goto bad;
		a = ber_inner(&attr);
		if (ber_expect(&a, 0x06, &type) != 0 || ber_expect(&a, 0x31, &set) != 0 || a.len)
			goto bad;
		if (oid_eq(&type, &OID_CONTENT_TYPE)) {
			count = &o->n_ct;
			slot = &o->ct;
		} else if (oid_eq(&type, &OID_MESSAGE_DIGEST)) {
			count = &o->n_md;
			slot = &o->md;
		} else if (oid_eq(&type, &OID_SIGNING_TIME)) {
			count = &o->n_st;
			slot = &o->st;
		} else if (oid_eq(&type, &OID_SIGNING_CERT)) {
			count = &o->n_sc1;
			slot = &o->sc1;
		} else if (oid_eq(&type, &OID_SIGNING_CERT_V2)) {
			count = &o->n_sc2;
			slot = &o->sc2;
		} else {
			continue;
		}
		vals = ber_inner(&set);
		if (ber_next(&vals, &v) != 0)
			goto bad;
		if (vals.len != 0 || ++*count > 1) {
			snprintf(o->bad, sizeof(o->bad),
			    "a signed attribute occurs more than once or with several values");
			return 0;
		}
		*slot = v;
	}
	if (o->n_ct != 1 || o->n_md != 1) {
		snprintf(o->bad, sizeof(o->bad),
		    "the content-type or message-digest signed attribute is missing");
		return 0;
	}
	if (o->md.tag != 0x04 || o->ct.tag != 0x06) {
		snprintf(o->bad, sizeof(o->bad), "malformed content-type or message-digest attribute");
		return 0;
	}
	return 0;
bad:
	snprintf(o->bad, sizeof(o->bad), "the signed attributes are not a valid SET OF Attribute");
	return 0;
}

/* IssuerSerial of an ESS certificate id against cert: 1 match, 0 not. */
static int
issuer_serial_match(const struct tlv *is, X509 *cert)
{
	struct cur c = ber_inner(is);
	struct tlv names, ser;
	GENERAL_NAMES *gns = NULL;
	ASN1_INTEGER *serial = NULL;
	const unsigned char *p;
	int i, match = 0;

	if (ber_expect(&c, 0x30, &names) != 0 || ber_expect(&c, 0x02, &ser) != 0)
		return 0;
	p = names.raw;
	gns = d2i_GENERAL_NAMES(NULL, &p, (long)names.raw_len);
	p = ser.raw;
	serial = d2i_ASN1_INTEGER(NULL, &p, (long)ser.raw_len);
	if (gns == NULL || serial == NULL)
		goto out;
	if (ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(cert)) != 0)
		goto out;
	for (i = 0; i < sk_GENERAL_NAME_num(gns); i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(gns, i);

		if (gn->type == GEN_DIRNAME &&
		    X509_NAME_cmp(gn->d.directoryName, X509_get_issuer_name(cert)) == 0)
			match = 1;
	}
out:
	GENERAL_NAMES_free(gns);
	ASN1_INTEGER_free(serial);
	ERR_clear_error();
	return match;
}

/* Check the first ESS certificate id of a SigningCertificate(V2) value
 * against cert: 1 match, 0 mismatch (detail says why), <0 malformed. */
static int
ess_match(const struct tlv *val, int v2, X509 *cert, char *detail, size_t cap)
{
	struct cur c = ber_inner(val), ids, id;
	struct tlv certs, first, t, oid;
	unsigned char h[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int hl = 0;
	sign_md md = v2 ? SIGN_MD_SHA256 : SIGN_MD_SHA1;
	int n, rc;

	if (val->tag != 0x30 || ber_expect(&c, 0x30, &certs) != 0)
		return SIGN_ERR_MALFORMED;
	ids = ber_inner(&certs);
	if (ber_expect(&ids, 0x30, &first) != 0)
		return SIGN_ERR_MALFORMED;
	id = ber_inner(&first);
	if (ber_next(&id, &t) != 0)
		return SIGN_ERR_MALFORMED;
	if (v2 && t.tag == 0x30) {
		struct cur a = ber_inner(&t);

		if (ber_expect(&a, 0x06, &oid) != 0)
			return SIGN_ERR_MALFORMED;
		if (sign_cades__md_from_oid(oid.val, oid.len, &md) != 0) {
			snprintf(detail, cap, "the ESS certificate hash algorithm is not supported");
			return 0;
		}
		if (ber_next(&id, &t) != 0)
			return SIGN_ERR_MALFORMED;
	}
	if (t.tag != 0x04)
		return SIGN_ERR_MALFORMED;
	n = i2d_X509(cert, &der);
	rc = n > 0 && EVP_Digest(der, (size_t)n, h, &hl, sign_md__evp(md), NULL);
	OPENSSL_free(der);
	if (!rc)
		return sign_error__openssl(SIGN_ERR_CRYPTO, "cannot hash a certificate");
	if (t.len != hl || memcmp(t.val, h, hl) != 0) {
		snprintf(detail, cap, "the %s hash in signing-certificate%s does not match the "
		    "certificate named by the SignerIdentifier", sign_cades__md_name(md),
		    v2 ? "-v2" : "");
		return 0;
	}
	if (id.len > 0) {
		struct tlv is;

		if (ber_expect(&id, 0x30, &is) != 0)
			return SIGN_ERR_MALFORMED;
		if (!issuer_serial_match(&is, cert)) {
			snprintf(detail, cap, "the issuer and serial in signing-certificate%s do "
			    "not match the signer certificate", v2 ? "-v2" : "");
			return 0;
		}
	}
	snprintf(detail, cap, "signing-certificate%s (%s) matches", v2 ? "-v2" : "",
	    sign_cades__md_name(md));
	return 1;
}

/* ---- signature value ----------------------------------------------------- */

static int
pss_params(const struct tlv *params, sign_md *hash, sign_md *mgf, long *salt)
{
	struct cur c = ber_inner(params), a, m;
	struct tlv t, oid, alg;
	int rc;

	*hash = SIGN_MD_SHA1;
	*mgf = SIGN_MD_SHA1;
	*salt = 20;
	if (params->tag == 0x05)
		return 0;
	if (params->tag != 0x30)
		return SIGN_ERR_MALFORMED;
	while (c.len > 0) {
		if ((rc = ber_next(&c, &t)) != 0)
			return rc;
		a = ber_inner(&t);
		switch (t.tag) {
		case 0xa0:
			if (ber_expect(&a, 0x30, &alg) != 0)
				return SIGN_ERR_MALFORMED;
			m = ber_inner(&alg);
			if (ber_expect(&m, 0x06, &oid) != 0 ||
			    sign_cades__md_from_oid(oid.val, oid.len, hash) != 0)
				return SIGN_ERR_UNSUPPORTED;
			break;
		case 0xa1:
			if (ber_expect(&a, 0x30, &alg) != 0)
				return SIGN_ERR_MALFORMED;
			m = ber_inner(&alg);
			if (ber_expect(&m, 0x06, &oid) != 0 || !oid_eq(&oid, &OID_MGF1) ||
			    ber_expect(&m, 0x30, &alg) != 0)
				return SIGN_ERR_UNSUPPORTED;
			m = ber_inner(&alg);
			if (ber_expect(&m, 0x06, &oid) != 0 ||
			    sign_cades__md_from_oid(oid.val, oid.len, mgf) != 0)
				return SIGN_ERR_UNSUPPORTED;
			break;
		case 0xa2:
			if (ber_expect(&a, 0x02, &t) != 0 || t.len == 0 || t.len > 2 ||
			    (t.val[0] & 0x80))
				return SIGN_ERR_MALFORMED;
			*salt = t.len == 1 ? t.val[0] : (t.val[0] << 8) | t.val[1];
			break;
		case 0xa3:
			if (ber_expect(&a, 0x02, &t) != 0 || t.len != 1 || t.val[0] != 1)
				return SIGN_ERR_UNSUPPORTED;
			break;
		default:
			return SIGN_ERR_MALFORMED;
		}
	}
	return 0;
}

/*
 * Algorithms no longer fit for signatures (ETSI TS 119 312): SHA-1 (chosen-
 * prefix collisions make a second document with the same signature
 * feasible), RSA keys under 2048 bits, EC keys under 256 bits.  A signature
 * using them is INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE: it may have
 * been made while they were acceptable, but without a proof of existence
 * (a timestamp) from that time nothing shows it.  1 with why in buf.
 */
#define WEAK_RSA_BITS 2048
#define WEAK_EC_BITS 256

static int
weak_crypto(sign_md md, EVP_PKEY *pub, char *buf, size_t cap)
{
	int bits = EVP_PKEY_get_bits(pub), id = EVP_PKEY_get_base_id(pub);

	if (md == SIGN_MD_SHA1) {
		snprintf(buf, cap, "SHA-1 is no longer secure for signatures (collisions)");
		return 1;
	}
	if ((id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) && bits < WEAK_RSA_BITS) {
		snprintf(buf, cap, "an RSA key of %d bits is too short (at least %d)", bits,
		    WEAK_RSA_BITS);
		return 1;
	}
	if (id == EVP_PKEY_EC && bits < WEAK_EC_BITS) {
		snprintf(buf, cap, "an EC key of %d bits is too short (at least %d)", bits,
		    WEAK_EC_BITS);
		return 1;
	}
	return 0;
}

static int
md_nid(sign_md md)
{
	return EVP_MD_get_type(sign_md__evp(md));
}

/* Check the signature value over tbs (a digest with the signer's md). */
static void
check_signature(struct sign_cades_signature *s, X509 *cert, const struct sinfo *si,
    const unsigned char *tbs, size_t tbs_len)
{
	struct cur c = ber_inner(&si->sigalg);
	struct tlv oid, params;
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	EVP_PKEY_CTX *pctx = NULL;
	ASN1_OBJECT *obj = NULL;
	const unsigned char *p;
	sign_scheme scheme = SIGN_SCHEME_AUTO;
	sign_md hash = si->md, mgf = si->md;
	char weak[120];
	long salt = 0;
	int key_id, ok, mdn = NID_undef, pkn = NID_undef;

	params.tag = 0x05;
	params.len = 0;
	if (ber_expect(&c, 0x06, &oid) != 0 || (c.len > 0 && ber_next(&c, &params) != 0)) {
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_FORMAT_FAILURE, "malformed signature algorithm");
		goto out;
	}
	if (oid_eq(&oid, &OID_RSA)) {
		scheme = SIGN_SCHEME_RSA_PKCS1;
	} else if (oid_eq(&oid, &OID_EC_PUBKEY)) {
		scheme = SIGN_SCHEME_ECDSA;
	} else if (oid_eq(&oid, &OID_RSA_PSS)) {
		scheme = SIGN_SCHEME_RSA_PSS;
		if (pss_params(&params, &hash, &mgf, &salt) != 0) {
			sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE,
			    SIGN_CADES_STATUS_INDETERMINATE,
			    SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
			    "unsupported RSASSA-PSS parameters");
			goto out;
		}
	} else {
		p = oid.raw;
		obj = d2i_ASN1_OBJECT(NULL, &p, (long)oid.raw_len);
		if (obj == NULL || !OBJ_find_sigid_algs(OBJ_obj2nid(obj), &mdn, &pkn)) {
			sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE,
			    SIGN_CADES_STATUS_INDETERMINATE,
			    SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
			    "unsupported signature algorithm");
			goto out;
		}
		if (pkn == NID_rsaEncryption)
			scheme = SIGN_SCHEME_RSA_PKCS1;
		else if (pkn == NID_X9_62_id_ecPublicKey)
			scheme = SIGN_SCHEME_ECDSA;
		if (scheme == SIGN_SCHEME_AUTO || mdn == NID_undef) {
			sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE,
			    SIGN_CADES_STATUS_INDETERMINATE,
			    SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
			    "unsupported signature algorithm %s", OBJ_nid2sn(OBJ_obj2nid(obj)));
			goto out;
		}
		if (mdn != md_nid(si->md))
			hash = SIGN_MD_DEFAULT; /* marks a mismatch below */
	}
	snprintf(s->sig_alg, sizeof(s->sig_alg), "%s",
	    scheme == SIGN_SCHEME_RSA_PKCS1 ? "RSA PKCS#1 v1.5" :
	    scheme == SIGN_SCHEME_RSA_PSS ? "RSA-PSS" : "ECDSA");
	/* RFC 4056: the PSS hash is the digest algorithm; MGF1 may use another
	 * hash (OpenSSL's -keyopt rsa_mgf1_md, PKCS#11 tokens with CKG_MGF1_*). */
	if (hash != si->md) {
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_FORMAT_FAILURE,
		    "the signature algorithm's hash differs from the digest algorithm %s",
		    sign_cades__md_name(si->md));
		goto out;
	}
	key_id = pub == NULL ? NID_undef : EVP_PKEY_get_base_id(pub);
	if (((scheme == SIGN_SCHEME_RSA_PKCS1 || scheme == SIGN_SCHEME_RSA_PSS) &&
	    key_id != EVP_PKEY_RSA && key_id != EVP_PKEY_RSA_PSS) ||
	    (scheme == SIGN_SCHEME_ECDSA && key_id != EVP_PKEY_EC)) {
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_SIG_CRYPTO_FAILURE,
		    "the signature algorithm does not fit the signer's key");
		goto out;
	}
	pctx = EVP_PKEY_CTX_new(pub, NULL);
	ok = pctx != NULL && EVP_PKEY_verify_init(pctx) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(pctx, sign_md__evp(si->md)) > 0;
	if (ok && scheme == SIGN_SCHEME_RSA_PKCS1)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
	if (ok && scheme == SIGN_SCHEME_RSA_PSS)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, (int)salt) > 0 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, sign_md__evp(mgf)) > 0;
	if (!ok) {
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE,
		    SIGN_CADES_STATUS_INDETERMINATE,
		    SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
		    "cannot verify %s signatures with this key", s->sig_alg);
		goto out;
	}
	if (EVP_PKEY_verify(pctx, si->sig.val, si->sig.len, tbs, tbs_len) != 1)
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_SIG_CRYPTO_FAILURE,
		    "the %s signature value does not verify with the signer's public key",
		    s->sig_alg);
	else if (weak_crypto(si->md, pub, weak, sizeof(weak)))
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE,
		    SIGN_CADES_STATUS_INDETERMINATE,
		    SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
		    "%s with %s verifies, but %s: without a proof of existence from before "
		    "it became insecure the signature cannot be relied on", s->sig_alg,
		    s->md_name, weak);
	else if (scheme == SIGN_SCHEME_RSA_PSS && mgf != si->md)
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE, SIGN_CADES_STATUS_PASSED,
		    SIGN_CADES_SUB_NONE, "%s with %s (MGF1 with %s) verifies with the signer's "
		    "public key", s->sig_alg, s->md_name, sign_cades__md_name(mgf));
	else
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE, SIGN_CADES_STATUS_PASSED,
		    SIGN_CADES_SUB_NONE, "%s with %s verifies with the signer's public key",
		    s->sig_alg, s->md_name);
out:
	ERR_clear_error();
	ASN1_OBJECT_free(obj);
	EVP_PKEY_CTX_free(pctx);
}

/* ---- certificate path ---------------------------------------------------- */

struct vstate {
	int untrusted;
	int general;
	char general_msg[200];
};

static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct vstate *v = X509_STORE_CTX_get_app_data(ctx);
	int err;

	if (ok)
		return 1;
	err = X509_STORE_CTX_get_error(ctx);
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		break;  /* checked on the path afterwards */
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		v->untrusted = 1;
		break;
	default:
		if (!v->general)
			snprintf(v->general_msg, sizeof(v->general_msg), "%s (certificate %d of the path)",
			    X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(ctx) + 1);
		v->general = 1;
	}
	return 1;
}

/* The path and validity checks at vt (at_tst: the time of a verified
 * signature time-stamp); *out the path (signer first), *trusted whether it
 * ends at a trust anchor. */
static int
check_path(struct sign_cades_signature *s, X509 *cert, STACK_OF(X509) *untrusted,
    const sign_trust *trust, time_t vt, int at_tst, STACK_OF(X509) **out, int *trusted)
{
	const char *vt_is = at_tst ? "the time-stamp's time" : "validation time";
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *path = NULL, *anchors = sign_trust__anchors(trust);
	struct vstate v;
	char when[32], vts[32];
	int i, n, rc = 0, bad = 0;

	memset(&v, 0, sizeof(v));
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (store == NULL || ctx == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	for (i = 0; anchors != NULL && i < sk_X509_num(anchors); i++)
		X509_STORE_add_cert(store, sk_X509_value(anchors, i));
	X509_STORE_set_verify_cb(store, verify_cb);
	if (!X509_STORE_CTX_init(ctx, store, cert, untrusted)) {
		rc = sign_error__openssl(SIGN_ERR_CRYPTO, "cannot start path validation");
		goto out;
	}
	X509_STORE_CTX_set_app_data(ctx, &v);
	/* Every certificate in the store is an anchor, CA certificates included. */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_CTX_set_time(ctx, 0, vt);
	if (X509_verify_cert(ctx) < 0)
		v.general = 1;
	ERR_clear_error();
	path = X509_STORE_CTX_get1_chain(ctx);
	if (path == NULL || sk_X509_num(path) == 0) {
		sk_X509_pop_free(path, X509_free);
		path = sk_X509_new_null();
		if (path == NULL || !sk_X509_push(path, cert)) {
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		X509_up_ref(cert);
		v.untrusted = 1;
	}
	n = sk_X509_num(path);
	if ((rc = sign_cades__set_chain(s, path, !v.untrusted)) != 0)
		goto out;
	if (v.untrusted) {
		char *top = sign_cades__cert_name(sk_X509_value(path, n - 1));

		sign_cades__check(s, SIGN_CADES_CHECK_CHAIN, SIGN_CADES_STATUS_INDETERMINATE,
		    SIGN_CADES_SUB_NO_CERTIFICATE_CHAIN_FOUND,
		    "no path to a trust anchor: \"%s\" is not trusted and has no trusted issuer",
		    top != NULL ? top : "?");
		free(top);
	} else if (v.general) {
		sign_cades__check(s, SIGN_CADES_CHECK_CHAIN, SIGN_CADES_STATUS_INDETERMINATE,
		    SIGN_CADES_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE, "%s", v.general_msg);
	} else {
		char *anchor = sign_cades__cert_name(sk_X509_value(path, n - 1));

		sign_cades__check(s, SIGN_CADES_CHECK_CHAIN, SIGN_CADES_STATUS_PASSED,
		    SIGN_CADES_SUB_NONE, "path of %d certificate%s to the trust anchor \"%s\"",
		    n, n == 1 ? "" : "s", anchor != NULL ? anchor : "?");
		free(anchor);
	}
	/* Validity of every certificate of the path at the validation time. */
	sign_cades__iso_time(vt, vts, sizeof(vts));
	for (i = 0; i < n && !bad; i++) {
		X509 *x = sk_X509_value(path, i);
		const ASN1_TIME *nb = X509_get0_notBefore(x), *na = X509_get0_notAfter(x);
		struct tm tm;
		char *name = sign_cades__cert_name(x);
		const char *role = i == 0 ? "the signer certificate" : "the CA certificate";

		if (X509_cmp_time(nb, &vt) > 0) {
			ASN1_TIME_to_tm(nb, &tm);
			sign_cades__iso_time(timegm(&tm), when, sizeof(when));
			sign_cades__check(s, SIGN_CADES_CHECK_VALIDITY,
			    SIGN_CADES_STATUS_INDETERMINATE, SIGN_CADES_SUB_NOT_YET_VALID,
			    "%s \"%s\" is not valid before %s (%s %s)", role,
			    name != NULL ? name : "?", when, vt_is, vts);
			bad = 1;
		} else if (X509_cmp_time(na, &vt) < 0) {
			ASN1_TIME_to_tm(na, &tm);
			sign_cades__iso_time(timegm(&tm), when, sizeof(when));
			sign_cades__check(s, SIGN_CADES_CHECK_VALIDITY,
			    SIGN_CADES_STATUS_INDETERMINATE, SIGN_CADES_SUB_OUT_OF_BOUNDS_NO_POE,
			    "%s \"%s\" expired on %s (%s %s; no proof of existence "
			    "before that)", role, name != NULL ? name : "?", when, vt_is, vts);
			bad = 1;
		}
		free(name);
	}
	if (!bad) {
		struct tm tm;

		ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm);
		sign_cades__iso_time(timegm(&tm), when, sizeof(when));
		sign_cades__check(s, SIGN_CADES_CHECK_VALIDITY, SIGN_CADES_STATUS_PASSED,
		    SIGN_CADES_SUB_NONE, "%d certificate%s valid at %s%s (signer until %s)", n,
		    n == 1 ? "" : "s", vts, at_tst ? ", the time-stamp's time" : "", when);
	}
	*out = path;
	*trusted = !v.untrusted && !v.general;
	path = NULL;
out:
	ERR_clear_error();
	sk_X509_pop_free(path, X509_free);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

static void
check_key_usage(struct sign_cades_signature *s, X509 *cert)
{
	uint32_t ku = X509_get_key_usage(cert);
	int use = sign_cert__signing_use(cert);

	if (use == SIGN_CERT__NO_SIGNING_KU)
		sign_cades__check(s, SIGN_CADES_CHECK_KEY_USAGE, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_CHAIN_CONSTRAINTS_FAILURE,
		    "the signer certificate's keyUsage has neither digitalSignature nor "
		    "nonRepudiation: it may not sign documents");
	else if (use == SIGN_CERT__NO_SIGNING_EKU)
		sign_cades__check(s, SIGN_CADES_CHECK_KEY_USAGE, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_CHAIN_CONSTRAINTS_FAILURE,
		    "the signer certificate's extendedKeyUsage names no document-signing "
		    "purpose (such as emailProtection or documentSigning): it is for "
		    "another use (a TLS server, time-stamping...) and may not sign "
		    "documents");
	else if (ku == UINT32_MAX)
		sign_cades__check(s, SIGN_CADES_CHECK_KEY_USAGE, SIGN_CADES_STATUS_PASSED,
		    SIGN_CADES_SUB_NONE, "no keyUsage restriction");
	else
		sign_cades__check(s, SIGN_CADES_CHECK_KEY_USAGE, SIGN_CADES_STATUS_PASSED,
		    SIGN_CADES_SUB_NONE, "keyUsage allows signing (%s%s%s)",
		    (ku & KU_DIGITAL_SIGNATURE) ? "digitalSignature" : "",
		    (ku & KU_DIGITAL_SIGNATURE) && (ku & KU_NON_REPUDIATION) ? ", " : "",
		    (ku & KU_NON_REPUDIATION) ? "nonRepudiation" : "");
}

static char *
serial_hex(X509 *x)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL, *s = NULL, *p;

	if (hex != NULL && (s = strdup(hex)) != NULL)
		for (p = s; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
	OPENSSL_free(hex);
	BN_free(bn);
	return s;
}

/* The OID element t equals the OID element encoded in b. */
static int
same_oid(const struct tlv *t, const struct dbuf *b)
{
	struct cur c = { b->p, b->len };
	struct tlv o;

	return ber_next(&c, &o) == 0 && o.tag == 0x06 && t->tag == 0x06 && o.len == t->len &&
	    memcmp(o.val, t->val, t->len) == 0;
}

/*
 * The certificate the SignerIdentifier names, among the signature's
 * certificates (those given with --certs included) and then the trust
 * anchors.  Several may match: the same certificate twice, or certificates
 * of one key (renewed on the same token) with a subjectKeyIdentifier; the
 * one the ESS signing-certificate attribute names is taken, else the first.
 */
static X509 *
find_signer_cert(const struct tlv *sid, STACK_OF(X509) *certs, STACK_OF(X509) *anchors,
    const struct sattrs *at)
{
	char scratch[240];
	X509 *first = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	X509 *found = NULL, *x;
	STACK_OF(X509) *sets[2];
	int i, k;

	sets[0] = certs;
	sets[1] = anchors;
	if (sid->tag == 0x30) {
		struct cur c = ber_inner(sid);
		struct tlv name, ser;
		const unsigned char *p;

		if (ber_expect(&c, 0x30, &name) != 0 || ber_expect(&c, 0x02, &ser) != 0 ||
		    c.len != 0)
			goto out;
		p = name.raw;
		issuer = d2i_X509_NAME(NULL, &p, (long)name.raw_len);
		p = ser.raw;
		serial = d2i_ASN1_INTEGER(NULL, &p, (long)ser.raw_len);
		if (issuer == NULL || serial == NULL)
			goto out;
	}
	for (k = 0; k < 2 && found == NULL; k++) {
		for (i = 0; sets[k] != NULL && i < sk_X509_num(sets[k]); i++) {
			const ASN1_OCTET_STRING *ski;

			x = sk_X509_value(sets[k], i);
			if (sid->tag == 0x30) {
				if (X509_NAME_cmp(X509_get_issuer_name(x), issuer) != 0 ||
				    ASN1_INTEGER_cmp(X509_get0_serialNumber(x), serial) != 0)
					continue;
			} else {
				ski = X509_get0_subject_key_id(x);
				if (ski == NULL || (size_t)ASN1_STRING_length(ski) != sid->len ||
				    memcmp(ASN1_STRING_get0_data(ski), sid->val, sid->len) != 0)
					continue;
			}
			if (first == NULL)
				first = x;
			if (at->bad[0] == '\0' && (at->n_sc2 == 1 || at->n_sc1 == 1) &&
			    ess_match(at->n_sc2 == 1 ? &at->sc2 : &at->sc1, at->n_sc2 == 1, x,
			    scratch, sizeof(scratch)) == 1) {
				found = x;
				break;
			}
		}
	}
	if (found == NULL)
		found = first;
out:
	X509_NAME_free(issuer);
	ASN1_INTEGER_free(serial);
	ERR_clear_error();
	return found;
}

static int
verify_one(sign_cades_report *r, const struct tlv *si_raw, const struct parsed *P,
    const struct mdset *m, const sign_cades_verify_opts *opts, time_t vt)
{
	struct sign_cades_signature *s = NULL;
	struct sinfo si;
	struct sattrs at;
	X509 *cert;
	const unsigned char *cd = NULL;
	unsigned char tbs[EVP_MAX_MD_SIZE];
	unsigned char *attr_der = NULL;
	unsigned int tbs_len = 0;
	size_t cdl = 0;
	char detail[240], tst_msg[400] = "";
	time_t tst_time = 0, tst_acc = 0;
	char late[300] = "";
	int rc, have_cd = 0, ess = 0, tst = 0;

	if (parse_sinfo(si_raw, &si) != 0)
		return SIGN_ERR_MALFORMED;
	if (si.has_unsigned)
		tst = sign_cades__verify_tst(&si.uattrs, si.sig.val, si.sig.len, opts->trust,
		    P->x509s, NULL, vt, &tst_time, &tst_acc, tst_msg, sizeof(tst_msg));
	if ((rc = sign_cades__report_add(r, &s)) != 0)
		return rc;
	snprintf(s->format, sizeof(s->format), "CMS");
	snprintf(s->md_name, sizeof(s->md_name), "%s",
	    si.md_ok ? sign_cades__md_name(si.md) : "unknown");
	s->md = si.md;
	memset(&at, 0, sizeof(at));
	if (si.has_attrs)
		parse_attrs(&si.attrs, &at);
	cert = find_signer_cert(&si.sid, P->x509s, sign_trust__anchors(opts->trust), &at);
	if (cert != NULL) {
		s->signer_name = sign_cades__cert_name(cert);
		s->signer_subject = sign_cades__cert_subject(cert);
		s->serial = serial_hex(cert);
		if (s->signer_name == NULL || s->signer_subject == NULL || s->serial == NULL)
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}

	/* format and signed attributes */
	if (!si.md_ok) {
		sign_cades__check(s, SIGN_CADES_CHECK_FORMAT, SIGN_CADES_STATUS_INDETERMINATE,
		    SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
		    "the digest algorithm is not supported");
	} else if (at.bad[0] != '\0') {
		sign_cades__check(s, SIGN_CADES_CHECK_FORMAT, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_FORMAT_FAILURE, "%s", at.bad);
	} else if (si.has_attrs && !same_oid(&at.ct, &P->econtent_type)) {
		sign_cades__check(s, SIGN_CADES_CHECK_FORMAT, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_FORMAT_FAILURE,
		    "the content-type attribute differs from the encapsulated content type");
	} else if (si.has_attrs && at.n_st == 1 &&
	    sign_cades__parse_time(&at.st, &s->signing_time) != 0) {
		sign_cades__check(s, SIGN_CADES_CHECK_FORMAT, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_FORMAT_FAILURE, "malformed signing-time attribute");
	} else {
		s->has_signing_time = si.has_attrs && at.n_st == 1;
		if (at.n_sc2)
			snprintf(s->format, sizeof(s->format), "%s",
			    at.n_st ? "CAdES-BASELINE-B" : "CAdES-BES");
		else if (at.n_sc1)
			snprintf(s->format, sizeof(s->format), "CAdES-BES");
		char un[160] = "";

		if (si.has_unsigned)
			unsigned_names(&si.uattrs, un, sizeof(un));
		sign_cades__check(s, SIGN_CADES_CHECK_FORMAT, SIGN_CADES_STATUS_PASSED,
		    SIGN_CADES_SUB_NONE, "%s; signed attributes: %s%s%s%s%s%s", s->format,
		    si.has_attrs ? "content-type, message-digest" : "none",
		    at.n_st ? ", signing-time" : "",
		    at.n_sc2 ? ", signing-certificate-v2" : "",
		    at.n_sc1 ? ", signing-certificate" : "",
		    un[0] != '\0' ? "; unsigned attributes, not checked: " : "", un);
	}

	/* signing certificate */
	if (cert == NULL) {
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNING_CERTIFICATE,
		    SIGN_CADES_STATUS_INDETERMINATE, SIGN_CADES_SUB_NO_SIGNING_CERTIFICATE_FOUND,
		    "the certificate named by the SignerIdentifier is neither in the signature "
		    "nor among the certificates given and the trust anchors");
	} else {
		int m2 = 1, m1 = 1;

		detail[0] = '\0';
		if (at.bad[0] == '\0' && at.n_sc2 == 1) {
			m2 = ess_match(&at.sc2, 1, cert, detail, sizeof(detail));
			ess = 2;
		}
		if (m2 == 1 && at.bad[0] == '\0' && at.n_sc1 == 1) {
			m1 = ess_match(&at.sc1, 0, cert, detail, sizeof(detail));
			ess = ess ? ess : 1;
		}
		if (m2 < 0 || m1 < 0)
			sign_cades__check(s, SIGN_CADES_CHECK_SIGNING_CERTIFICATE,
			    SIGN_CADES_STATUS_FAILED, SIGN_CADES_SUB_FORMAT_FAILURE,
			    "malformed signing-certificate attribute");
		else if (m2 == 0 || m1 == 0)
			sign_cades__check(s, SIGN_CADES_CHECK_SIGNING_CERTIFICATE,
			    SIGN_CADES_STATUS_INDETERMINATE,
			    SIGN_CADES_SUB_NO_SIGNING_CERTIFICATE_FOUND, "%s", detail);
		else if (ess)
			sign_cades__check(s, SIGN_CADES_CHECK_SIGNING_CERTIFICATE,
			    SIGN_CADES_STATUS_PASSED, SIGN_CADES_SUB_NONE,
			    "\"%s\", serial %s: %s", s->signer_name, s->serial, detail);
		else
			sign_cades__check(s, SIGN_CADES_CHECK_SIGNING_CERTIFICATE,
			    SIGN_CADES_STATUS_PASSED, SIGN_CADES_SUB_NONE,
			    "\"%s\", serial %s, named by the SignerIdentifier (no ESS "
			    "signing-certificate attribute)", s->signer_name, s->serial);
	}

	/* message digest */
	have_cd = si.md_ok && mdset_get(m, si.md, &cd, &cdl) == 0;
	if (!si.md_ok) {
		sign_cades__check(s, SIGN_CADES_CHECK_MESSAGE_DIGEST,
		    SIGN_CADES_STATUS_INDETERMINATE,
		    SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
		    "the digest algorithm is not supported");
	} else if (!have_cd) {
		sign_cades__check(s, SIGN_CADES_CHECK_MESSAGE_DIGEST, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_FORMAT_FAILURE,
		    "the signer's digest algorithm %s is not listed in digestAlgorithms",
		    s->md_name);
	} else if (!si.has_attrs) {
		sign_cades__check(s, SIGN_CADES_CHECK_MESSAGE_DIGEST, SIGN_CADES_STATUS_SKIPPED,
		    SIGN_CADES_SUB_NONE, "no signed attributes: the content digest is covered by "
		    "the signature value");
	} else if (at.bad[0] != '\0') {
		sign_cades__check(s, SIGN_CADES_CHECK_MESSAGE_DIGEST, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_FORMAT_FAILURE, "no usable message-digest attribute");
	} else if (at.md.len != cdl || sign__ct_memcmp(at.md.val, cd, cdl) != 0) {
		sign_cades__check(s, SIGN_CADES_CHECK_MESSAGE_DIGEST, SIGN_CADES_STATUS_FAILED,
		    SIGN_CADES_SUB_HASH_FAILURE,
		    "the %s of the content (%llu bytes) does not match the signed message-digest: "
		    "the content was modified, or is not the signed file", s->md_name,
		    (unsigned long long)m->bytes);
	} else {
		sign_cades__check(s, SIGN_CADES_CHECK_MESSAGE_DIGEST, SIGN_CADES_STATUS_PASSED,
		    SIGN_CADES_SUB_NONE, "the %s of the content (%llu bytes) matches", s->md_name,
		    (unsigned long long)m->bytes);
	}

	/* signature value */
	if (cert == NULL) {
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE,
		    SIGN_CADES_STATUS_INDETERMINATE, SIGN_CADES_SUB_NO_SIGNING_CERTIFICATE_FOUND,
		    "cannot be checked without the signer certificate");
	} else if (!si.md_ok) {
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE,
		    SIGN_CADES_STATUS_INDETERMINATE,
		    SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
		    "the digest algorithm is not supported");
	} else if (si.has_attrs) {
		/* Hash the attributes exactly as read, with the SET tag. */
		attr_der = malloc(si.attrs.raw_len);
		if (attr_der == NULL)
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		memcpy(attr_der, si.attrs.raw, si.attrs.raw_len);
		attr_der[0] = 0x31;
		rc = EVP_Digest(attr_der, si.attrs.raw_len, tbs, &tbs_len,
		    sign_md__evp(si.md), NULL);
		free(attr_der);
		if (!rc)
			return sign_error__openssl(SIGN_ERR_CRYPTO, "digest failed");
		check_signature(s, cert, &si, tbs, tbs_len);
	} else if (have_cd) {
		check_signature(s, cert, &si, cd, cdl);
	} else {
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_VALUE,
		    SIGN_CADES_STATUS_INDETERMINATE, SIGN_CADES_SUB_FORMAT_FAILURE,
		    "no digest of the content to check");
	}

	/* path, validity, key usage, revocation */
	if (cert != NULL) {
		STACK_OF(X509) *path = NULL;
		STACK_OF(X509_CRL) *crls1 = sign_trust__crls(opts->trust);
		STACK_OF(X509_CRL) *crls2 = sign_trust__crls(opts->version >= 2 ?
		    opts->extra_certs : NULL);
		struct cades_revcache *cache = sign_trust__revcache(opts->trust);
		struct cades_ocsp ocsp = { NULL, P->x509s, opts->trust, { crls1, crls2 },
		    cache, opts->version >= 3 && (opts->flags & SIGN_CADES_VERIFY_CRL_FETCH) != 0 };
		int trusted = 0, want_ocsp = opts->version >= 3 &&
		    (opts->flags & SIGN_CADES_VERIFY_OCSP) != 0;

		/* With a verified signature time-stamp, the path is judged at its
		 * time (the best signature time of EN 319 102-1). */
		if ((rc = check_path(s, cert, P->x509s, opts->trust, tst == 1 ? tst_time : vt,
		    tst == 1, &path, &trusted)) != 0)
			return rc;
		check_key_usage(s, cert);
		if (want_ocsp)
			ocsp.url = opts->ocsp_url;
		sign_cades__check_revocation(s, path, trusted, crls1, crls2,
		    want_ocsp ? &ocsp : NULL, ocsp.fetch, cache, tst == 1 ? tst_time : vt);
		sk_X509_pop_free(path, X509_free);
	} else {
		sign_cades__check(s, SIGN_CADES_CHECK_CHAIN, SIGN_CADES_STATUS_SKIPPED,
		    SIGN_CADES_SUB_NONE, "no signer certificate");
		sign_cades__check(s, SIGN_CADES_CHECK_VALIDITY, SIGN_CADES_STATUS_SKIPPED,
		    SIGN_CADES_SUB_NONE, "no signer certificate");
		sign_cades__check(s, SIGN_CADES_CHECK_KEY_USAGE, SIGN_CADES_STATUS_SKIPPED,
		    SIGN_CADES_SUB_NONE, "no signer certificate");
		sign_cades__check(s, SIGN_CADES_CHECK_REVOCATION, SIGN_CADES_STATUS_SKIPPED,
		    SIGN_CADES_SUB_NONE, "no signer certificate");
	}
	if (tst == 1 && s->has_signing_time &&
	    s->signing_time > tst_time + tst_acc + CADES_SIGNING_TIME_SLACK) {
		char st[32], gt[32];

		sign_cades__iso_time(s->signing_time, st, sizeof(st));
		sign_cades__iso_time(tst_time, gt, sizeof(gt));
		snprintf(late, sizeof(late), "the claimed signing time %s is %lld s after the "
		    "signature time-stamp of %s (accuracy %lld s): the signature existed before "
		    "the time it claims, so that claim is false (a wrong clock or a lie); the "
		    "time-stamp's time is the one relied on", st,
		    (long long)(s->signing_time - tst_time), gt, (long long)tst_acc);
		sign_cades__warn(s, "%s", late);
	}
	if (tst == 0)
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_TIMESTAMP, SIGN_CADES_STATUS_SKIPPED,
		    SIGN_CADES_SUB_NONE, "no signature time-stamp (CAdES-B): nothing proves when "
		    "the signature was made");
	else
		sign_cades__check(s, SIGN_CADES_CHECK_SIGNATURE_TIMESTAMP, tst == 1 ?
		    SIGN_CADES_STATUS_PASSED : SIGN_CADES_STATUS_SKIPPED, SIGN_CADES_SUB_NONE,
		    "%s%s%s", tst_msg, late[0] != '\0' ? "; warning: " : "", late);
	sign_cades__conclude(s);
	return 0;
}

/* ---- entry points -------------------------------------------------------- */
struct content {
	const char *path;           /* detached content file, or NULL */
	const char *fallback;       /* used when detached and path is NULL */
	const unsigned char *mem;   /* detached content in memory */
	size_t mem_len;
	int have_mem;
};

static int
verify_src(sign_cades_report **out, struct src *s, const struct content *ct,
    const sign_cades_verify_opts *opts)
{
	struct parsed P;
	struct mdset m;
	STACK_OF(X509) *extra;
	sign_cades_report *r = NULL;
	struct cur c, in;
	struct tlv set, e;
	const char *path = NULL;
	time_t vt;
	int rc, i, count = 0;

	memset(&P, 0, sizeof(P));
	memset(&m, 0, sizeof(m));
	*out = NULL;
	if (opts == NULL || opts->version < 1 || opts->version > SIGN_CADES_VERIFY_OPTS_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_cades_verify_opts missing or of an unsupported version");
	vt = opts->validation_time != 0 ? opts->validation_time : time(NULL);
	if ((rc = parse_signed_data(s, &P, &m)) != 0)
		goto out;
	if ((rc = parse_certs(&P, s->name)) != 0)
		goto out;
	/* The caller's extra certificates go after the embedded ones: the signer
	 * is looked for there too, and paths are built through them (untrusted). */
	if (opts->version >= 2 && (extra = sign_trust__anchors(opts->extra_certs)) != NULL) {
		for (i = 0; i < sk_X509_num(extra); i++) {
			X509 *x = sk_X509_value(extra, i);

			if (!X509_up_ref(x)) {
				rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
				goto out;
			}
			if (!sk_X509_push(P.x509s, x)) {
				X509_free(x);
				rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
				goto out;
			}
		}
	}
	c.p = P.signer_infos.p;
	c.len = P.signer_infos.len;
	if (ber_next(&c, &set) != 0) {
		rc = src_malformed(s, "bad signerInfos");
		goto out;
	}
	/* Announce the signers' digest algorithms for detached content. */
	in = ber_inner(&set);
	while (in.len > 0) {
		struct sinfo si;

		if (ber_next(&in, &e) != 0 || parse_sinfo(&e, &si) != 0) {
			rc = src_malformed(s, "a SignerInfo is malformed");
			goto out;
		}
		if (++count > CADES_MAX_SIGNERS) {
			rc = sign_error__set(SIGN_ERR_TOO_LARGE, 0,
			    "%s holds more than %d signatures", s->name, CADES_MAX_SIGNERS);
			goto out;
		}
		if (!P.attached && si.md_ok && (rc = mdset_add(&m, si.md)) != 0)
			goto out;
	}
	if (count == 0) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s holds no signature (no SignerInfo)", s->name);
		goto out;
	}
	if (P.attached) {
		if (ct->path != NULL || ct->have_mem) {
			rc = sign_error__set(SIGN_ERR_USAGE, 0,
			    "%s embeds the signed content: do not give a content file", s->name);
			goto out;
		}
	} else if (ct->have_mem) {
		if ((rc = mdset_update(&m, ct->mem, ct->mem_len)) != 0)
			goto out;
	} else {
		path = ct->path != NULL ? ct->path : ct->fallback;
		if (path == NULL) {
			rc = sign_error__set(SIGN_ERR_NOT_FOUND, 0,
			    "%s is a detached signature and no signed content was given "
			    "(kyso verify --content FILE)", s->name);
			goto out;
		}
		if ((rc = hash_content_file(path, ct->path != NULL, &m)) != 0) {
			if (rc == SIGN_ERR_NOT_FOUND && ct->path == NULL && access(path, F_OK) != 0)
				rc = sign_error__set(SIGN_ERR_NOT_FOUND, 0,
				    "%s is a detached signature and its content %s was not found; "
				    "name the signed file with --content FILE", s->name, path);
			goto out;
		}
	}
	if ((rc = mdset_final(&m)) != 0)
		goto out;
	if ((rc = sign_cades__report_new(&r)) != 0)
		goto out;
	r->attached = P.attached;
	r->content_len = m.bytes;
	if (path != NULL && (r->content_path = strdup(path)) == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	in = ber_inner(&set);
	while (in.len > 0) {
		if (ber_next(&in, &e) != 0) {
			rc = src_malformed(s, "a SignerInfo is malformed");
			goto out;
		}
		rc = verify_one(r, &e, &P, &m, opts, vt);
		if (rc == SIGN_ERR_MALFORMED)
			rc = src_malformed(s, "a SignerInfo is malformed");
		if (rc != 0)
			goto out;
	}
	sign_cades__report_conclude(r);
	*out = r;
	r = NULL;
	rc = sign_cades__report_rc(*out);
out:
	sign_cades_report_free(r);
	parsed_free(&P);
	mdset_free(&m);
	return rc;
}

/* All the rest of a file source into out (what is buffered first), at most
 * max bytes. */
static int
src_slurp(struct src *s, size_t max, struct dbuf *out)
{
	int rc;

	for (;;) {
		if (s->dlen - s->doff > max - out->len)
			return sign_error__set(SIGN_ERR_TOO_LARGE, 0,
			    "%s: a PEM signature larger than %zu bytes", s->name, max);
		dbuf_put(out, s->data + s->doff, s->dlen - s->doff);
		s->pos += s->dlen - s->doff;
		s->doff = s->dlen;
		if (out->err != 0)
			return sign_error__set(out->err, 0, "out of memory");
		if ((rc = src_fill(s)) <= 0)
			return rc;
	}
}

/* Things often taken for a signature file: a clear message instead of "not
 * a valid CMS signature" at byte 0.  0 when p does not look like them. */
static int
not_cms_hint(const unsigned char *p, size_t n, const char *name)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n";
	size_t i;

	if (n == 0 || p[0] == 0x30)
		return 0;
	if ((n >= 13 && strncasecmp((const char *)p, "MIME-Version:", 13) == 0) ||
	    (n >= 13 && strncasecmp((const char *)p, "Content-Type:", 13) == 0))
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s is an S/MIME (e-mail) message, not a CMS signature file; save its "
		    ".p7s/.p7m attachment, or extract it with openssl cms -cmsout -outform DER",
		    name);
	/* A SEQUENCE in base64 starts with "MI" (0x30 0x8x). */
	if (n >= 16 && p[0] == 'M' && p[1] == 'I') {
		for (i = 0; i < n && i < 4096 && strchr(b64, p[i]) != NULL && p[i] != '\0'; i++)
			;
		if (i == n || i == 4096)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s holds base64 text without PEM armour, not a CMS signature file; "
			    "decode it first with base64 -d", name);
	}
	return 0;
}

int
sign_cades_verify_mem(sign_cades_report **out, const unsigned char *sig, size_t sig_len,
    const unsigned char *content, size_t content_len, const sign_cades_verify_opts *opts)
{
	struct src s;
	struct content ct;
	unsigned char *der = NULL;
	long der_len = 0;
	int rc;

	if (out == NULL || sig == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signature given");
	*out = NULL;
	if (sig_len > CADES_MAX_SIG_FILE && is_pem(sig, sig_len))
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "PEM signature too large");
	memset(&s, 0, sizeof(s));
	memset(&ct, 0, sizeof(ct));
	s.fd = -1;
	s.name = "the signature";
	if (is_pem(sig, sig_len)) {
		if ((rc = pem_to_der(sig, sig_len, s.name, &der, &der_len)) != 0)
			return rc;
		sig = der;
		sig_len = (size_t)der_len;
	} else if ((rc = not_cms_hint(sig, sig_len, s.name)) != 0) {
		return rc;
	}
	s.data = sig;
	s.dlen = sig_len;
	ct.mem = content;
	ct.mem_len = content_len;
	ct.have_mem = content != NULL;
	rc = verify_src(out, &s, &ct, opts);
	OPENSSL_free(der);
	return rc;
}

int
sign_cades_verify_file(sign_cades_report **out, const char *sig_path,
    const sign_cades_verify_opts *opts)
{
	struct src s;
	struct content ct;
	struct dbuf whole = DBUF_INIT;
	unsigned char *der = NULL;
	long der_len = 0;
	int rc;

	if (out == NULL || sig_path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no signature file given");
	*out = NULL;
	if (opts == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no options given");
	memset(&s, 0, sizeof(s));
	memset(&ct, 0, sizeof(ct));
	ct.path = opts->content_path;
	ct.fallback = opts->default_content_path;
	s.name = sig_path;
	s.fd = open(sig_path, O_RDONLY | O_CLOEXEC);
	if (s.fd < 0)
		return sign_error__set(errno == ENOENT ? SIGN_ERR_NOT_FOUND : SIGN_ERR_IO,
		    (unsigned long)errno, "cannot open %s: %s", sig_path, strerror(errno));
	{
		struct stat st;

		if (fstat(s.fd, &st) != 0 || S_ISDIR(st.st_mode)) {
			rc = sign_error__set(SIGN_ERR_NOT_FOUND, 0,
			    "%s is a directory, not a signature file", sig_path);
			goto out;
		}
	}
	s.buf = malloc(CADES_IO_CHUNK);
	if (s.buf == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if ((rc = src_fill(&s)) < 0)
		goto out;
	if (rc == 0) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s is not a valid CMS signature: the file is empty", sig_path);
		goto out;
	}
	if (is_pem(s.data, s.dlen)) {
		/* PEM: bounded, decoded in memory.  The rest is read from the same
		 * descriptor (a pipe cannot be opened twice). */
		if ((rc = src_slurp(&s, CADES_MAX_SIG_FILE, &whole)) != 0)
			goto out;
		if ((rc = pem_to_der(whole.p, whole.len, sig_path, &der, &der_len)) != 0)
			goto out;
		close(s.fd);
		s.fd = -1;
		s.data = der;
		s.dlen = (size_t)der_len;
		s.doff = 0;
		s.pos = 0;
	} else if ((rc = not_cms_hint(s.data, s.dlen, sig_path)) != 0) {
		goto out;
	}
	rc = verify_src(out, &s, &ct, opts);
out:
	if (s.fd >= 0)
		close(s.fd);
	free(s.buf);
	OPENSSL_free(der);
	dbuf_free(&whole);
	return rc;
}
