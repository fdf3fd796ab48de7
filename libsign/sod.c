/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CMS SignedData as ICAO uses it (EF.SOD, CSCA master lists), and EF.SOD
 * itself: the LDSSecurityObject and its SignerInfo.
 *
 * Parsed by hand with the BER-TLV reader so that every byte that is hashed
 * or verified is the byte that was read: the eContent as it appears in the
 * file, and the signed attributes as encoded by the signer (only the
 * [0] IMPLICIT tag is replaced by SET, as RFC 5652 §5.4 prescribes).
 * OpenSSL's CMS_verify is not used: it cannot be told to accept explicit EC
 * parameters and expired signers the way ICAO documents need.
 */
#include "pa_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/x509v3.h>

#define OID_SIGNED_DATA   "1.2.840.113549.1.7.2"
#define OID_CONTENT_TYPE  "1.2.840.113549.1.9.3"
#define OID_MSG_DIGEST    "1.2.840.113549.1.9.4"
#define OID_LDS_SECOBJ    "2.23.136.1.1.1"

#define F SIGN_TLV_INDEFINITE

static int
malformed(const char *what, const char *detail)
{
	return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: %s", what, detail);
}

/* Next child, which must exist and carry `tag` (0: any). */
static int
next_tag(sign_tlv_iter *it, sign_tlv *out, unsigned int tag, const char *what,
    const char *name)
{
	int rc = sign_tlv__next(it, out);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: %s missing", what, name);
	if (tag != 0 && out->tag != tag)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: %s has tag %02X, expected %02X", what, name, out->tag, tag);
	return 0;
}

static int
expect_end(sign_tlv_iter *it, const char *what, const char *name)
{
	sign_tlv t;
	int rc = sign_tlv__next(it, &t);

	if (rc < 0)
		return rc;
	if (rc != 0)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: unexpected data after %s",
		    what, name);
	return 0;
}

/* The contents of an OCTET STRING, primitive (04) or constructed (24, BER). */
static int
octets(struct sign_cms__sd *sd, const sign_tlv *t, const char *what)
{
	sign_tlv_iter it;
	sign_tlv seg;
	sign_buf acc = SIGN_BUF_INIT;
	size_t total = 0;
	int rc;

	if (t->tag == 0x04) {
		sd->econtent = t->value;
		sd->econtent_len = t->len;
		return 0;
	}
	if (t->tag != 0x24)
		return malformed(what, "eContent is not an OCTET STRING");
	if ((rc = sign_tlv__iter_init(&it, t, what)) != 0)
		return rc;
	while ((rc = sign_tlv__next(&it, &seg)) == 1) {
		if (seg.tag != 0x04) {
			rc = malformed(what, "nested constructed OCTET STRING segments");
			goto out;
		}
		total += seg.len;
	}
	if (rc < 0)
		goto out;
	acc.data = malloc(total > 0 ? total : 1);
	if (acc.data == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	sign_tlv__iter_init(&it, t, what);
	while (sign_tlv__next(&it, &seg) == 1) {
		memcpy(acc.data + acc.len, seg.value, seg.len);
		acc.len += seg.len;
	}
	sd->econtent_owned = acc.data;
	sd->econtent = acc.data;
	sd->econtent_len = acc.len;
	acc.data = NULL;
	rc = 0;
out:
	free(acc.data);
	return rc;
}

static int
parse_attrs(struct sign_cms__sd *sd, const sign_tlv *attrs, const char *what)
{
	sign_tlv_iter it, ait, vit;
	sign_tlv attr, oid, vals, val;
	char txt[SIGN_PA__OID_MAX], ct[SIGN_PA__OID_MAX];
	int rc, seen_ct = 0, seen_md = 0;

	if ((rc = sign_tlv__iter_init(&it, attrs, what)) != 0)
		return rc;
	while ((rc = sign_tlv__next(&it, &attr)) == 1) {
		if (attr.tag != 0x30)
			return malformed(what, "signed attribute is not a SEQUENCE");
		if ((rc = sign_tlv__iter_init(&ait, &attr, what)) != 0 ||
		    (rc = next_tag(&ait, &oid, 0x06, what, "attribute type")) != 0 ||
		    (rc = sign_pa__oid_text(&oid, txt, sizeof(txt), what)) != 0 ||
		    (rc = next_tag(&ait, &vals, 0x31, what, "attribute values")) != 0 ||
		    (rc = expect_end(&ait, what, "attribute values")) != 0)
			return rc;
		if (strcmp(txt, OID_CONTENT_TYPE) != 0 && strcmp(txt, OID_MSG_DIGEST) != 0)
			continue;
		if ((rc = sign_tlv__iter_init(&vit, &vals, what)) != 0 ||
		    (rc = next_tag(&vit, &val, 0, what, "attribute value")) != 0 ||
		    (rc = expect_end(&vit, what, "the attribute value")) != 0)
			return rc;
		if (strcmp(txt, OID_CONTENT_TYPE) == 0) {
			if (seen_ct++)
				return malformed(what, "two contentType attributes");
			if ((rc = sign_pa__oid_text(&val, ct, sizeof(ct), what)) != 0)
				return rc;
			if (strcmp(ct, sd->econtent_type) != 0)
				return sign_error__set(SIGN_ERR_VERIFY, 0,
				    "%s: the signed contentType %s differs from the eContentType %s",
				    what, ct, sd->econtent_type);
		} else {
			if (seen_md++)
				return malformed(what, "two messageDigest attributes");
			if (val.tag != 0x04)
				return malformed(what, "messageDigest is not an OCTET STRING");
			sd->msg_digest = val.value;
			sd->msg_digest_len = val.len;
		}
	}
	if (rc < 0)
		return rc;
	if (!seen_ct || !seen_md)
		return malformed(what, "signed attributes lack contentType or messageDigest");
	return 0;
}

static int
parse_signer_info(struct sign_cms__sd *sd, const sign_tlv *si, const char *what)
{
	sign_tlv_iter it;
	sign_tlv t, sid, dig, attrs, salg, sig;
	const unsigned char *q;
	int rc;

	if (si->tag != 0x30)
		return malformed(what, "SignerInfo is not a SEQUENCE");
	if ((rc = sign_tlv__iter_init(&it, si, what)) != 0 ||
	    (rc = next_tag(&it, &t, 0x02, what, "SignerInfo version")) != 0 ||
	    (rc = next_tag(&it, &sid, 0, what, "SignerInfo sid")) != 0)
		return rc;
	if (sid.tag == 0x30) {
		sign_tlv_iter sit;
		sign_tlv name, serial;

		if ((rc = sign_tlv__iter_init(&sit, &sid, what)) != 0 ||
		    (rc = next_tag(&sit, &name, 0x30, what, "sid issuer")) != 0 ||
		    (rc = next_tag(&sit, &serial, 0x02, what, "sid serial")) != 0 ||
		    (rc = expect_end(&sit, what, "sid")) != 0)
			return rc;
		q = name.raw;
		sd->sid_issuer = d2i_X509_NAME(NULL, &q, (long)name.raw_len);
		if (sd->sid_issuer == NULL || q != name.raw + name.raw_len)
			return sign_error__openssl(SIGN_ERR_MALFORMED, "%s: bad sid issuer name", what);
		q = serial.raw;
		sd->sid_serial = d2i_ASN1_INTEGER(NULL, &q, (long)serial.raw_len);
		if (sd->sid_serial == NULL || q != serial.raw + serial.raw_len)
			return sign_error__openssl(SIGN_ERR_MALFORMED, "%s: bad sid serial", what);
	} else if (sid.tag == 0x80) {
		if (sid.len == 0)
			return malformed(what, "empty sid subjectKeyIdentifier");
		sd->sid_ski = sid.value;
		sd->sid_ski_len = sid.len;
	} else {
		return malformed(what, "unknown SignerIdentifier choice");
	}
	if ((rc = next_tag(&it, &dig, 0x30, what, "digestAlgorithm")) != 0 ||
	    (rc = sign_pa__md_algid(&dig, &sd->digest, &sd->digest_name, what)) != 0)
		return rc;
	if ((rc = next_tag(&it, &attrs, 0, what, "signatureAlgorithm")) != 0)
		return rc;
	if (attrs.tag == 0xA0) {
		/* DER of SET OF Attribute: the bytes read, with the tag replaced. */
		if (attrs.indefinite)
			return malformed(what, "signed attributes are not DER");
		sd->signed_attrs = malloc(attrs.raw_len);
		if (sd->signed_attrs == NULL)
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		memcpy(sd->signed_attrs, attrs.raw, attrs.raw_len);
		sd->signed_attrs[0] = 0x31;
		sd->signed_attrs_len = attrs.raw_len;
		if ((rc = parse_attrs(sd, &attrs, what)) != 0)
			return rc;
		if ((rc = next_tag(&it, &salg, 0x30, what, "signatureAlgorithm")) != 0)
			return rc;
	} else {
		/* ICAO 9303-10 requires signed attributes. */
		return malformed(what, "SignerInfo without signed attributes");
	}
	if ((rc = sign_pa__sigalg_parse(&salg, sd->digest, &sd->sigalg, what)) != 0)
		return rc;
	if ((rc = next_tag(&it, &sig, 0x04, what, "signature")) != 0)
		return rc;
	if (sig.len == 0)
		return malformed(what, "empty signature");
	sd->sig = sig.value;
	sd->sig_len = sig.len;
	rc = sign_tlv__next(&it, &t);
	if (rc < 0)
		return rc;
	if (rc == 1 && t.tag != 0xA1)
		return malformed(what, "unexpected data after the signature");
	if (rc == 1 && (rc = expect_end(&it, what, "unsignedAttrs")) != 0)
		return rc;
	return 0;
}

void
sign_cms__clear(struct sign_cms__sd *sd)
{
	if (sd == NULL)
		return;
	free(sd->raw);
	free(sd->econtent_owned);
	sk_X509_pop_free(sd->certs, X509_free);
	X509_NAME_free(sd->sid_issuer);
	ASN1_INTEGER_free(sd->sid_serial);
	free(sd->signed_attrs);
	memset(sd, 0, sizeof(*sd));
}

int
sign_cms__parse(struct sign_cms__sd *sd, const unsigned char *p, size_t len, const char *what)
{
	sign_tlv ci, t, sdata, eci, certs, sinfos, si;
	sign_tlv_iter it, sit, eit;
	char txt[SIGN_PA__OID_MAX];
	int rc, n;

	memset(sd, 0, sizeof(*sd));
	sd->certs = sk_X509_new_null();
	sd->raw = malloc(len > 0 ? len : 1);
	if (sd->certs == NULL || sd->raw == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	memcpy(sd->raw, p, len);
	sd->raw_len = len;
	p = sd->raw;
	if ((rc = sign_tlv__expect(&ci, p, len, 0x30, F, what)) != 0 ||
	    (rc = sign_tlv__validate(&ci, what)) != 0 ||
	    (rc = sign_tlv__iter_init(&it, &ci, what)) != 0 ||
	    (rc = next_tag(&it, &t, 0x06, what, "contentType")) != 0 ||
	    (rc = sign_pa__oid_text(&t, txt, sizeof(txt), what)) != 0)
		goto out;
	if (strcmp(txt, OID_SIGNED_DATA) != 0) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: content type %s is not SignedData",
		    what, txt);
		goto out;
	}
	if ((rc = next_tag(&it, &t, 0xA0, what, "content")) != 0 ||
	    (rc = expect_end(&it, what, "content")) != 0 ||
	    (rc = sign_tlv__read_one(&sdata, t.value, t.len, F, what)) != 0)
		goto out;
	if (sdata.tag != 0x30) {
		rc = malformed(what, "SignedData is not a SEQUENCE");
		goto out;
	}
	if ((rc = sign_tlv__iter_init(&sit, &sdata, what)) != 0 ||
	    (rc = next_tag(&sit, &t, 0x02, what, "SignedData version")) != 0 ||
	    (rc = next_tag(&sit, &t, 0x31, what, "digestAlgorithms")) != 0 ||
	    (rc = next_tag(&sit, &eci, 0x30, what, "encapContentInfo")) != 0)
		goto out;
	/* encapContentInfo */
	if ((rc = sign_tlv__iter_init(&eit, &eci, what)) != 0 ||
	    (rc = next_tag(&eit, &t, 0x06, what, "eContentType")) != 0 ||
	    (rc = sign_pa__oid_text(&t, sd->econtent_type, sizeof(sd->econtent_type), what)) != 0 ||
	    (rc = next_tag(&eit, &t, 0xA0, what, "eContent")) != 0 ||
	    (rc = expect_end(&eit, what, "eContent")) != 0)
		goto out;
	{
		sign_tlv os;

		if ((rc = sign_tlv__read_one(&os, t.value, t.len, F, what)) != 0 ||
		    (rc = octets(sd, &os, what)) != 0)
			goto out;
	}
	if ((rc = next_tag(&sit, &certs, 0, what, "signerInfos")) != 0)
		goto out;
	if (certs.tag == 0xA0) {
		sign_tlv_iter cit;
		sign_tlv c;

		if ((rc = sign_tlv__iter_init(&cit, &certs, what)) != 0)
			goto out;
		n = 0;
		while ((rc = sign_tlv__next(&cit, &c)) == 1) {
			X509 *x = NULL;

			if (c.tag != 0x30 || ++n > SIGN_PA__MAX_CERTS) {
				rc = malformed(what, "unsupported CertificateChoices entry");
				goto out;
			}
			if ((rc = sign_pa__x509_der(&x, c.raw, c.raw_len, what)) != 0)
				goto out;
			if (!sk_X509_push(sd->certs, x)) {
				X509_free(x);
				rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
				goto out;
			}
		}
		if (rc < 0 || (rc = next_tag(&sit, &certs, 0, what, "signerInfos")) != 0)
			goto out;
	}
	if (certs.tag == 0xA1 && (rc = next_tag(&sit, &certs, 0, what, "signerInfos")) != 0)
		goto out;
	sinfos = certs;
	if (sinfos.tag != 0x31) {
		rc = malformed(what, "signerInfos is not a SET");
		goto out;
	}
	if ((rc = expect_end(&sit, what, "signerInfos")) != 0 ||
	    (rc = sign_tlv__iter_init(&it, &sinfos, what)) != 0 ||
	    (rc = next_tag(&it, &si, 0x30, what, "SignerInfo")) != 0)
		goto out;
	if ((rc = sign_tlv__next(&it, &t)) != 0) {
		rc = rc < 0 ? rc : sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "%s: more than one SignerInfo", what);
		goto out;
	}
	rc = parse_signer_info(sd, &si, what);
out:
	if (rc != 0)
		sign_cms__clear(sd);
	return rc;
}

/* Same attributes in any RDN order (each entry matched once). */
static int
same_name_set(const X509_NAME *a, const X509_NAME *b)
{
	int na = X509_NAME_entry_count(a), nb = X509_NAME_entry_count(b), i, j;
	unsigned char used[64];

	if (na != nb || na > (int)sizeof(used))
		return 0;
	memset(used, 0, sizeof(used));
	for (i = 0; i < na; i++) {
		const X509_NAME_ENTRY *ea = X509_NAME_get_entry(a, i);

		for (j = 0; j < nb; j++) {
			const X509_NAME_ENTRY *eb = X509_NAME_get_entry(b, j);

			if (!used[j] && OBJ_cmp(X509_NAME_ENTRY_get_object(ea),
			    X509_NAME_ENTRY_get_object(eb)) == 0 &&
			    ASN1_STRING_cmp(X509_NAME_ENTRY_get_data(ea),
			    X509_NAME_ENTRY_get_data(eb)) == 0) {
				used[j] = 1;
				break;
			}
		}
		if (j == nb)
			return 0;
	}
	return 1;
}

/*
 * Compatibility: some issuers (the Malaysian SOD among the test vectors)
 * write the sid issuer with the RDNs in another order than the certificate.
 * The pass with exact names comes first; the second accepts the same
 * attributes in another order with the same serial number.  Choosing the
 * certificate is not a trust decision: its key must still verify the
 * signature and the certificate must chain to a CSCA.
 */
X509 *
sign_cms__find_signer(const struct sign_cms__sd *sd, STACK_OF(X509) *extra)
{
	STACK_OF(X509) *lists[2];
	int l, i, pass;

	lists[0] = sd->certs;
	lists[1] = extra;
	for (pass = 0; pass < 2; pass++)
	for (l = 0; l < 2; l++) {
		for (i = 0; lists[l] != NULL && i < sk_X509_num(lists[l]); i++) {
			X509 *x = sk_X509_value(lists[l], i);

			if (sd->sid_issuer != NULL) {
				if (ASN1_INTEGER_cmp(X509_get0_serialNumber(x), sd->sid_serial) != 0)
					continue;
				if (pass == 0 ?
				    X509_NAME_cmp(X509_get_issuer_name(x), sd->sid_issuer) == 0 :
				    same_name_set(X509_get_issuer_name(x), sd->sid_issuer))
					return x;
			} else if (pass == 0) {
				const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(x);

				if (ski != NULL && (size_t)ASN1_STRING_length(ski) == sd->sid_ski_len &&
				    memcmp(ASN1_STRING_get0_data(ski), sd->sid_ski, sd->sid_ski_len) == 0)
					return x;
			}
		}
	}
	return NULL;
}

int
sign_cms__verify(const struct sign_cms__sd *sd, X509 *cert, const char *what)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_PKEY *pkey;
	int rc;

	if (EVP_Digest(sd->econtent, sd->econtent_len, md, &mdlen, sd->digest, NULL) != 1)
		return sign_error__openssl(SIGN_ERR_CRYPTO, "%s: hashing the content failed", what);
	if (sd->msg_digest_len != mdlen || sign__ct_memcmp(md, sd->msg_digest, mdlen) != 0)
		return sign_error__set(SIGN_ERR_HASH_MISMATCH, 0,
		    "%s: the signed message digest does not match the content (modified)", what);
	pkey = X509_get0_pubkey(cert);
	if (pkey == NULL)
		return sign_error__openssl(SIGN_ERR_UNSUPPORTED,
		    "%s: cannot use the signer certificate's public key", what);
	rc = sign_pa__verify_data(pkey, &sd->sigalg, sd->signed_attrs, sd->signed_attrs_len,
	    sd->sig, sd->sig_len);
	if (rc == SIGN_ERR_VERIFY)
		return sign_error__set(SIGN_ERR_VERIFY, 0, "%s: %s signature invalid", what,
		    sd->sigalg.name);
	return rc;
}

/* ---------------------------------------------------------------- EF.SOD */

static int
parse_lds(sign_sod *sod, const char *what)
{
	sign_tlv lso, t, algid, dgh, e;
	sign_tlv_iter it, dit, eit;
	unsigned long v;
	unsigned int seen = 0;
	int rc;

	if ((rc = sign_tlv__expect(&lso, sod->cms.econtent, sod->cms.econtent_len, 0x30, F,
	    what)) != 0 ||
	    (rc = sign_tlv__iter_init(&it, &lso, what)) != 0 ||
	    (rc = next_tag(&it, &t, 0x02, what, "LDSSecurityObject version")) != 0 ||
	    (rc = sign_tlv__uint(&t, &v, what)) != 0)
		return rc;
	if (v > 1)
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "%s: LDSSecurityObject version %lu", what, v);
	sod->version = (int)v;
	if ((rc = next_tag(&it, &algid, 0x30, what, "hashAlgorithm")) != 0 ||
	    (rc = sign_pa__md_algid(&algid, &sod->md, &sod->md_name, what)) != 0)
		return rc;
	if ((rc = next_tag(&it, &dgh, 0x30, what, "dataGroupHashValues")) != 0 ||
	    (rc = sign_tlv__iter_init(&dit, &dgh, what)) != 0)
		return rc;
	while ((rc = sign_tlv__next(&dit, &e)) == 1) {
		sign_tlv num, hash;

		if (e.tag != 0x30)
			return malformed(what, "DataGroupHash is not a SEQUENCE");
		if ((rc = sign_tlv__iter_init(&eit, &e, what)) != 0 ||
		    (rc = next_tag(&eit, &num, 0x02, what, "dataGroupNumber")) != 0 ||
		    (rc = sign_tlv__uint(&num, &v, what)) != 0 ||
		    (rc = next_tag(&eit, &hash, 0x04, what, "dataGroupHashValue")) != 0 ||
		    (rc = expect_end(&eit, what, "dataGroupHashValue")) != 0)
			return rc;
		if (v < 1 || v > 16)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: data group number %lu out of 1..16", what, v);
		if (seen & (1u << v))
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: DG%lu listed twice", what, v);
		seen |= 1u << v;
		if (hash.len != (size_t)EVP_MD_get_size(sod->md))
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: DG%lu hash of %zu bytes, %s needs %d", what, v, hash.len,
			    sod->md_name, EVP_MD_get_size(sod->md));
		sod->dgs[sod->ndg].dg = (int)v;
		sod->dgs[sod->ndg].hash = hash.value;
		sod->dgs[sod->ndg].hash_len = hash.len;
		sod->ndg++;
	}
	if (rc < 0)
		return rc;
	if (sod->ndg == 0)
		return malformed(what, "no data group hashes");
	rc = sign_tlv__next(&it, &t);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		/* ldsVersionInfo (version 1): SEQUENCE { PrintableString, PrintableString } */
		if (t.tag != 0x30 || sod->version != 1)
			return malformed(what, "unexpected data after dataGroupHashValues");
		if ((rc = expect_end(&it, what, "ldsVersionInfo")) != 0)
			return rc;
	} else if (sod->version == 1) {
		return malformed(what, "LDSSecurityObject V1 without ldsVersionInfo");
	}
	return 0;
}

int
sign_sod_parse(sign_sod **out, const unsigned char *data, size_t len)
{
	sign_sod *sod = NULL;
	sign_tlv outer;
	X509 *dsc;
	int rc;

	if (out == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_sod_parse: NULL argument");
	*out = NULL;
	if (len > SIGN_PA__MAX_SOD)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "EF.SOD: larger than %u bytes",
		    SIGN_PA__MAX_SOD);
	sod = calloc(1, sizeof(*sod));
	if (sod == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if ((rc = sign_tlv__expect(&outer, data, len, 0x77, F, "EF.SOD")) != 0)
		goto out;
	if ((rc = sign_cms__parse(&sod->cms, outer.value, outer.len, "EF.SOD")) != 0)
		goto out;
	if (strcmp(sod->cms.econtent_type, OID_LDS_SECOBJ) != 0) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "EF.SOD: eContentType %s is not an LDSSecurityObject",
		    sod->cms.econtent_type);
		goto out;
	}
	if ((rc = parse_lds(sod, "EF.SOD")) != 0)
		goto out;
	dsc = sign_cms__find_signer(&sod->cms, NULL);
	if (dsc != NULL) {
		unsigned char *p = NULL;
		int n = i2d_X509(dsc, &p);

		if (n <= 0) {
			rc = sign_error__openssl(SIGN_ERR_MALFORMED, "EF.SOD: bad DS certificate");
			goto out;
		}
		sod->dsc_der = malloc((size_t)n);
		if (sod->dsc_der == NULL) {
			OPENSSL_free(p);
			rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
			goto out;
		}
		memcpy(sod->dsc_der, p, (size_t)n);
		sod->dsc_len = (size_t)n;
		OPENSSL_free(p);
	}
	*out = sod;
	sod = NULL;
out:
	sign_sod_free(sod);
	return rc;
}

void
sign_sod_free(sign_sod *sod)
{
	if (sod == NULL)
		return;
	sign_cms__clear(&sod->cms);
	free(sod->dsc_der);
	free(sod);
}

const char *
sign_sod_digest_name(const sign_sod *sod)
{
	return sod != NULL ? sod->md_name : NULL;
}

const char *
sign_sod_signature_name(const sign_sod *sod)
{
	return sod != NULL ? sod->cms.sigalg.name : NULL;
}

int
sign_sod_version(const sign_sod *sod)
{
	return sod != NULL ? sod->version : -1;
}

size_t
sign_sod_dg_count(const sign_sod *sod)
{
	return sod != NULL ? sod->ndg : 0;
}

int
sign_sod_dg_at(const sign_sod *sod, size_t i, int *dg, const unsigned char **hash,
    size_t *hash_len)
{
	if (sod == NULL || i >= sod->ndg)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_sod_dg_at: index out of range");
	if (dg != NULL)
		*dg = sod->dgs[i].dg;
	if (hash != NULL)
		*hash = sod->dgs[i].hash;
	if (hash_len != NULL)
		*hash_len = sod->dgs[i].hash_len;
	return 0;
}

int
sign_sod_signer_cert(const sign_sod *sod, const unsigned char **der, size_t *len)
{
	if (sod == NULL || der == NULL || len == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_sod_signer_cert: NULL argument");
	if (sod->dsc_der == NULL)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0,
		    "EF.SOD carries no Document Signer certificate");
	*der = sod->dsc_der;
	*len = sod->dsc_len;
	return 0;
}

int
sign_sod_verify_signer(const sign_sod *sod, const unsigned char *dsc, size_t dsc_len)
{
	X509 *x = NULL;
	int rc;

	if (sod == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_sod_verify_signer: NULL sod");
	if (dsc == NULL) {
		dsc = sod->dsc_der;
		dsc_len = sod->dsc_len;
	}
	if (dsc == NULL)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0,
		    "EF.SOD carries no Document Signer certificate; give one");
	if ((rc = sign_pa__x509_der(&x, dsc, dsc_len, "DS certificate")) != 0)
		return rc;
	rc = sign_cms__verify(&sod->cms, x, "EF.SOD");
	X509_free(x);
	return rc;
}
