/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DG14: SecurityInfos (tag 6E around SET OF SecurityInfo; ICAO 9303-11 §9.2,
 * BSI TR-03110-3 App. A.1).  Every SecurityInfo is
 * SEQUENCE { protocol OBJECT IDENTIFIER, requiredData ANY, optionalData ANY
 * OPTIONAL }; the kinds this library knows are checked for their form, the
 * others are kept with their OID.
 */
#include "pa_priv.h"
#include "chipauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INFOS 64

#define OID_BSI_PROTO "0.4.0.127.0.7.2.2"   /* bsi-de protocols */
#define OID_AA        "2.23.136.1.1.5"      /* id-icao-mrtd-security-aaProtocolObject */

struct info {
	sign_secinfo_kind kind;
	char oid[SIGN_PA__OID_MAX];
	char name[SIGN_PA__OID_MAX];
	long version;
	long key_id;
	const unsigned char *spki;    /* CA public key, into raw */
	size_t spki_len;
	const EVP_MD *aa_md;          /* AA signature hash */
	char aa_alg[32];
	const unsigned char *oid_der; /* OID contents octets, into raw */
	size_t oid_der_len;
};

struct sign_dg14 {
	unsigned char *raw;
	struct info *infos;
	size_t n;
};

static int
bad(const char *detail)
{
	return sign_error__set(SIGN_ERR_MALFORMED, 0, "DG14: %s", detail);
}

/* 1 when oid starts with prefix followed by '.' or end; *rest gets the tail. */
static int
under(const char *oid, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(oid, prefix, n) != 0 || (oid[n] != '\0' && oid[n] != '.'))
		return 0;
	if (rest != NULL)
		*rest = oid[n] == '.' ? oid + n + 1 : oid + n;
	return 1;
}

static const char *
cipher_name(const char *c)
{
	if (strcmp(c, "1") == 0)
		return "3DES-CBC-CBC";
	if (strcmp(c, "2") == 0)
		return "AES-CBC-CMAC-128";
	if (strcmp(c, "3") == 0)
		return "AES-CBC-CMAC-192";
	if (strcmp(c, "4") == 0)
		return "AES-CBC-CMAC-256";
	return NULL;
}

/* Classify by OID and make a readable name. */
static void
classify(struct info *in)
{
	const char *rest, *c;
	static const char *const pace_map[] = { NULL, "DH-GM", "ECDH-GM", "DH-IM", "ECDH-IM",
	    NULL, "ECDH-CAM" };

	snprintf(in->name, sizeof(in->name), "%s", in->oid);
	in->kind = SIGN_SECINFO_UNKNOWN;
	if (strcmp(in->oid, OID_AA) == 0) {
		in->kind = SIGN_SECINFO_AA;
		snprintf(in->name, sizeof(in->name), "id-AA");
		return;
	}
	if (!under(in->oid, OID_BSI_PROTO, &rest))
		return;
	if (strcmp(rest, "1.1") == 0 || strcmp(rest, "1.2") == 0) {
		in->kind = SIGN_SECINFO_CA_PUBKEY;
		snprintf(in->name, sizeof(in->name), "id-PK-%s", rest[2] == '1' ? "DH" : "ECDH");
	} else if (under(rest, "2", NULL)) {
		in->kind = SIGN_SECINFO_TA;
		snprintf(in->name, sizeof(in->name), "id-TA%s", rest[1] != '\0' ? "-*" : "");
	} else if ((under(rest, "3.1", &c) || under(rest, "3.2", &c)) && cipher_name(c) != NULL) {
		in->kind = SIGN_SECINFO_CA;
		snprintf(in->name, sizeof(in->name), "id-CA-%s-%s", rest[2] == '1' ? "DH" : "ECDH",
		    cipher_name(c));
	} else if (under(rest, "4", &c) && c[0] >= '1' && c[0] <= '6' && pace_map[c[0] - '0'] &&
	    (c[1] == '\0' || c[1] == '.')) {
		if (c[1] == '\0') {
			in->kind = SIGN_SECINFO_PACE_DOMAIN;
			snprintf(in->name, sizeof(in->name), "id-PACE-%s", pace_map[c[0] - '0']);
		} else if (cipher_name(c + 2) != NULL) {
			in->kind = SIGN_SECINFO_PACE;
			snprintf(in->name, sizeof(in->name), "id-PACE-%s-%s", pace_map[c[0] - '0'],
			    cipher_name(c + 2));
		}
	}
}

static int
small_int(const sign_tlv *t, long *out)
{
	unsigned long v;

	if (t->tag != 0x02 || sign_tlv__uint(t, &v, "DG14") != 0)
		return bad("bad INTEGER in a SecurityInfo");
	*out = (long)v;
	return 0;
}

static const struct {
	const char *oid;
	const char *name;
	const char *md;
} aa_algs[] = {
	{ "0.4.0.127.0.7.1.1.4.1.1", "ecdsa-plain-SHA1", "SHA1" },
	{ "0.4.0.127.0.7.1.1.4.1.2", "ecdsa-plain-SHA224", "SHA224" },
	{ "0.4.0.127.0.7.1.1.4.1.3", "ecdsa-plain-SHA256", "SHA256" },
	{ "0.4.0.127.0.7.1.1.4.1.4", "ecdsa-plain-SHA384", "SHA384" },
	{ "0.4.0.127.0.7.1.1.4.1.5", "ecdsa-plain-SHA512", "SHA512" },
	{ "1.2.840.10045.4.1", "ecdsa-with-SHA1", "SHA1" },
	{ "1.2.840.10045.4.3.1", "ecdsa-with-SHA224", "SHA224" },
	{ "1.2.840.10045.4.3.2", "ecdsa-with-SHA256", "SHA256" },
	{ "1.2.840.10045.4.3.3", "ecdsa-with-SHA384", "SHA384" },
	{ "1.2.840.10045.4.3.4", "ecdsa-with-SHA512", "SHA512" },
};

static int
parse_info(struct info *in, const sign_tlv *si)
{
	sign_tlv_iter it;
	sign_tlv oid, req, opt, extra;
	int rc, has_opt;

	in->version = -1;
	in->key_id = -1;
	if (si->tag != 0x30 || sign_tlv__iter_init(&it, si, "DG14") != 0 ||
	    sign_tlv__next(&it, &oid) != 1 || oid.tag != 0x06)
		return bad("SecurityInfo is not SEQUENCE { OID, ... }");
	if ((rc = sign_pa__oid_text(&oid, in->oid, sizeof(in->oid), "DG14")) != 0)
		return rc;
	in->oid_der = oid.value;
	in->oid_der_len = oid.len;
	if (sign_tlv__next(&it, &req) != 1)
		return bad("SecurityInfo without requiredData");
	if ((has_opt = sign_tlv__next(&it, &opt)) < 0)
		return has_opt;
	if (has_opt && sign_tlv__next(&it, &extra) != 0)
		return bad("SecurityInfo with more than three elements");
	classify(in);
	switch (in->kind) {
	case SIGN_SECINFO_CA:
	case SIGN_SECINFO_PACE:
		if ((rc = small_int(&req, &in->version)) != 0)
			return rc;
		if (has_opt && (rc = small_int(&opt, &in->key_id)) != 0)
			return rc;
		break;
	case SIGN_SECINFO_TA:
		if ((rc = small_int(&req, &in->version)) != 0)
			return rc;
		break;   /* efCVCA (optional FileID) kept as is */
	case SIGN_SECINFO_CA_PUBKEY: {
		sign_tlv_iter kit;
		sign_tlv a, b;

		if (req.tag != 0x30 || sign_tlv__iter_init(&kit, &req, "DG14") != 0 ||
		    sign_tlv__next(&kit, &a) != 1 || a.tag != 0x30 ||
		    sign_tlv__next(&kit, &b) != 1 || b.tag != 0x03 ||
		    sign_tlv__next(&kit, &a) != 0)
			return bad("ChipAuthenticationPublicKeyInfo without a SubjectPublicKeyInfo");
		in->spki = req.raw;
		in->spki_len = req.raw_len;
		if (has_opt && (rc = small_int(&opt, &in->key_id)) != 0)
			return rc;
		break;
	}
	case SIGN_SECINFO_PACE_DOMAIN:
		if (req.tag != 0x30)
			return bad("PACEDomainParameterInfo without an AlgorithmIdentifier");
		if (has_opt && (rc = small_int(&opt, &in->key_id)) != 0)
			return rc;
		break;
	case SIGN_SECINFO_AA: {
		char txt[SIGN_PA__OID_MAX];
		size_t i;

		if ((rc = small_int(&req, &in->version)) != 0)
			return rc;
		if (!has_opt || opt.tag != 0x06)
			return bad("ActiveAuthenticationInfo without a signatureAlgorithm");
		if ((rc = sign_pa__oid_text(&opt, txt, sizeof(txt), "DG14")) != 0)
			return rc;
		for (i = 0; i < sizeof(aa_algs) / sizeof(aa_algs[0]); i++) {
			if (strcmp(txt, aa_algs[i].oid) == 0) {
				in->aa_md = EVP_get_digestbyname(aa_algs[i].md);
				snprintf(in->aa_alg, sizeof(in->aa_alg), "%s", aa_algs[i].name);
			}
		}
		if (in->aa_md == NULL)
			snprintf(in->aa_alg, sizeof(in->aa_alg), "%.31s", txt);
		break;
	}
	default:
		break;
	}
	return 0;
}

int
sign_dg14_parse(sign_dg14 **out, const unsigned char *data, size_t len)
{
	sign_dg14 *d = NULL;
	sign_tlv outer, set, si;
	sign_tlv_iter it;
	int rc;

	if (out == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_dg14_parse: NULL argument");
	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->raw = malloc(len > 0 ? len : 1)) == NULL ||
	    (d->infos = calloc(MAX_INFOS, sizeof(*d->infos))) == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	memcpy(d->raw, data, len);
	if ((rc = sign_tlv__expect(&outer, d->raw, len, 0x6E, 0, "DG14")) != 0 ||
	    (rc = sign_tlv__expect(&set, outer.value, outer.len, 0x31, 0, "DG14")) != 0 ||
	    (rc = sign_tlv__validate(&set, "DG14")) != 0 ||
	    (rc = sign_tlv__iter_init(&it, &set, "DG14")) != 0)
		goto out;
	while ((rc = sign_tlv__next(&it, &si)) == 1) {
		if (d->n == MAX_INFOS) {
			rc = sign_error__set(SIGN_ERR_TOO_LARGE, 0,
			    "DG14: more than %d SecurityInfos", MAX_INFOS);
			goto out;
		}
		if ((rc = parse_info(&d->infos[d->n], &si)) != 0)
			goto out;
		d->n++;
	}
	if (rc < 0)
		goto out;
	if (d->n == 0) {
		rc = bad("no SecurityInfo");
		goto out;
	}
	rc = 0;
	*out = d;
	d = NULL;
out:
	sign_dg14_free(d);
	return rc;
}

void
sign_dg14_free(sign_dg14 *dg14)
{
	if (dg14 == NULL)
		return;
	free(dg14->raw);
	free(dg14->infos);
	free(dg14);
}

size_t
sign_dg14_count(const sign_dg14 *dg14)
{
	return dg14 != NULL ? dg14->n : 0;
}

static const struct info *
at(const sign_dg14 *d, size_t i)
{
	return d != NULL && i < d->n ? &d->infos[i] : NULL;
}

sign_secinfo_kind
sign_dg14_kind(const sign_dg14 *dg14, size_t i)
{
	const struct info *in = at(dg14, i);

	return in != NULL ? in->kind : SIGN_SECINFO_UNKNOWN;
}

const char *
sign_dg14_oid(const sign_dg14 *dg14, size_t i)
{
	const struct info *in = at(dg14, i);

	return in != NULL ? in->oid : NULL;
}

const char *
sign_dg14_name(const sign_dg14 *dg14, size_t i)
{
	const struct info *in = at(dg14, i);

	return in != NULL ? in->name : NULL;
}

long
sign_dg14_version(const sign_dg14 *dg14, size_t i)
{
	const struct info *in = at(dg14, i);

	return in != NULL ? in->version : -1;
}

long
sign_dg14_key_id(const sign_dg14 *dg14, size_t i)
{
	const struct info *in = at(dg14, i);

	return in != NULL ? in->key_id : -1;
}

int
sign_dg14_ca_pubkey(const sign_dg14 *dg14, size_t i, const unsigned char **spki, size_t *len)
{
	const struct info *in = at(dg14, i);

	if (spki == NULL || len == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_dg14_ca_pubkey: NULL argument");
	if (in == NULL || in->kind != SIGN_SECINFO_CA_PUBKEY)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0,
		    "DG14 entry %zu is not a Chip Authentication public key", i);
	*spki = in->spki;
	*len = in->spki_len;
	return 0;
}

int
sign_dg14_aa_algorithm(const sign_dg14 *dg14, const char **name)
{
	size_t i;

	if (name == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_dg14_aa_algorithm: NULL name");
	for (i = 0; dg14 != NULL && i < dg14->n; i++) {
		if (dg14->infos[i].kind == SIGN_SECINFO_AA) {
			*name = dg14->infos[i].aa_alg;
			return 0;
		}
	}
	return sign_error__set(SIGN_ERR_NOT_FOUND, 0, "DG14 has no ActiveAuthenticationInfo");
}

const EVP_MD *
sign_dg14__aa_md(const sign_dg14 *dg14)
{
	size_t i;

	for (i = 0; dg14 != NULL && i < dg14->n; i++)
		if (dg14->infos[i].kind == SIGN_SECINFO_AA)
			return dg14->infos[i].aa_md;
	return NULL;
}

int
sign_dg14__oid_der(const sign_dg14 *dg14, size_t i, const unsigned char **oid, size_t *len)
{
	const struct info *in = at(dg14, i);

	if (in == NULL || oid == NULL || len == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "DG14: no entry %zu", i);
	*oid = in->oid_der;
	*len = in->oid_der_len;
	return 0;
}
