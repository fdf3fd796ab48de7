/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Output of a card read or dump verification: the JSON object of
 * docs/card-json.md (schema 1) and the human summary. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "card_opts.h"
#include "card_result.h"

const char *
kyso_card__aa_note(const struct kyso_card_result *r)
{
	if (r->doc != NULL)
		return sign_card_doc_aa_note(r->doc);
	return r->aa_note[0] != '\0' ? r->aa_note : NULL;
}

static int
aa_refused(const struct kyso_card_result *r)
{
	unsigned int sw = r->doc != NULL ? sign_card_doc_aa_sw(r->doc) : r->aa_sw;

	return sw != 0 && sw != 0x6700 && (sw & 0xFF00) != 0x6C00;
}

/* The SOD lists DG15 but the card (or the dump) did not give it: the
 * document was issued on a chip with an AA key, and this chip hides it (a
 * clone that cannot answer AA, with DG15 left out of its EF.COM) - not a
 * card without AA. */
static int
dg15_hidden(const struct kyso_card_result *r)
{
	return sign_pa_result_active(r->pa) == SIGN_AA_NOT_SUPPORTED &&
	    sign_pa_result_dg(r->pa, 15) == SIGN_DG_NOT_READ;
}

sign_aa_verdict
kyso_card__active(const struct kyso_card_result *r)
{
	if (aa_refused(r) || dg15_hidden(r))
		return SIGN_AA_FAILED;
	return sign_pa_result_active(r->pa);
}

const char *
kyso_card__active_message(const struct kyso_card_result *r)
{
	const char *m;

	if (kyso_card__aa_note(r) != NULL)
		return kyso_card__aa_note(r);
	if (sign_pa_result_active(r->pa) == SIGN_AA_PASSED &&
	    sign_pa_result_dg(r->pa, 15) == SIGN_DG_MISMATCH)
		return "the chip signed the challenge with the key of its DG15, but that DG15 does "
		    "not match its hash in EF.SOD: a key of the chip's own choosing proves nothing";
	if (sign_pa_result_active(r->pa) == SIGN_AA_PASSED &&
	    sign_pa_result_dg(r->pa, 15) == SIGN_DG_NOT_IN_SOD)
		return "the chip signed the challenge with the key of its DG15, but EF.SOD does not "
		    "list DG15: a key of the chip's own choosing proves nothing";
	if (dg15_hidden(r))
		return r->doc != NULL ?
		    "the SOD lists DG15 (the chip's Active Authentication key), but the card "
		    "does not give it" :
		    "the SOD lists DG15 (the chip's Active Authentication key), but the dump "
		    "has no DG15.bin";
	m = sign_pa_result_active_message(r->pa);
	return m != NULL ? m : "";
}

sign_chipauth_verdict
kyso_card__chipauth(const struct kyso_card_result *r)
{
	return sign_pa_result_chipauth(r->pa);
}

const char *
kyso_card__chipauth_message(const struct kyso_card_result *r)
{
	sign_chipauth_verdict v = sign_pa_result_chipauth(r->pa);
	sign_dg_status d14 = sign_pa_result_dg(r->pa, 14);

	if (v == SIGN_CHIPAUTH_PASSED && d14 == SIGN_DG_MISMATCH)
		return "the chip answered under keys agreed with the key of its DG14, but that DG14 "
		    "does not match its hash in EF.SOD: a key of the chip's own choosing proves "
		    "nothing";
	if (v == SIGN_CHIPAUTH_PASSED && d14 == SIGN_DG_NOT_IN_SOD)
		return "the chip answered under keys agreed with the key of its DG14, but EF.SOD "
		    "does not list DG14: a key of the chip's own choosing proves nothing";
	return sign_pa_result_chipauth_message(r->pa);
}

const char *
kyso_card__chipauth_name(sign_chipauth_verdict v)
{
	switch (v) {
	case SIGN_CHIPAUTH_PASSED: return "passed";
	case SIGN_CHIPAUTH_FAILED: return "failed";
	case SIGN_CHIPAUTH_NOT_SUPPORTED: return "not_supported";
	default: return "not_attempted";
	}
}

const char *
kyso_card_verdict_words(const char *name)
{
	if (name == NULL)
		return "?";
	if (strcmp(name, "not_supported") == 0)
		return "not supported";
	if (strcmp(name, "not_attempted") == 0)
		return "not attempted";
	return name;    /* "passed", "failed", "indeterminate" are words already */
}

const char *
kyso_card_verdict_sentence(char *buf, size_t cap, const char *what, const char *name)
{
	if (name == NULL)
		snprintf(buf, cap, "%s: not recorded", what);
	else if (strcmp(name, "not_supported") == 0)
		snprintf(buf, cap, "the chip does not support %s", what);
	else if (strcmp(name, "not_attempted") == 0)
		snprintf(buf, cap, "%s was not attempted", what);
	else if (strcmp(name, "indeterminate") == 0)
		snprintf(buf, cap, "%s could not decide", what);
	else if (strcmp(name, "passed") == 0 || strcmp(name, "failed") == 0)
		snprintf(buf, cap, "%s %s", what, name);
	else
		snprintf(buf, cap, "%s: %s", what, name);
	return buf;
}

const char *
kyso_card_why(const struct kyso_card_result *r)
{
	return r != NULL && r->exit != 0 ? r->why : NULL;
}

const char *
kyso_card_holder(const struct kyso_card_result *r, const char *key)
{
	return r != NULL && r->dg13 != NULL ? sign_dg13_get(r->dg13, key) : NULL;
}

json_t *
kyso_card_error_json(int exit_status, const char *message)
{
	return json_pack("{s:{s:i,s:o}}", "error", "exit", exit_status, "message",
	    kyso_json_text(message != NULL ? message : ""));
}

static const char *
passive_name(sign_pa_verdict v)
{
	switch (v) {
	case SIGN_PA_PASSED: return "passed";
	case SIGN_PA_FAILED: return "failed";
	default: return "indeterminate";
	}
}

static const char *
active_name(sign_aa_verdict v)
{
	switch (v) {
	case SIGN_AA_PASSED: return "passed";
	case SIGN_AA_FAILED: return "failed";
	case SIGN_AA_NOT_SUPPORTED: return "not_supported";
	default: return "not_attempted";
	}
}

const char *
kyso_card_dg_status_name(sign_dg_status s)
{
	switch (s) {
	case SIGN_DG_MATCH: return "match";
	case SIGN_DG_MISMATCH: return "mismatch";
	case SIGN_DG_NOT_READ: return "not_read";
	case SIGN_DG_NOT_IN_SOD: return "not_in_sod";
	default: return "absent";
	}
}

static const char *
cd_name(sign_mrz_cd_status s)
{
	switch (s) {
	case SIGN_MRZ_CD_OK: return "ok";
	case SIGN_MRZ_CD_BAD: return "bad";
	default: return "absent";
	}
}

/* "EF.COM" -> "COM", "EF.SOD" -> "SOD", "DG1" as is. */
static const char *
file_key(unsigned int fid)
{
	const char *n = sign_card_fid_name(fid);

	if (n == NULL)
		return "?";
	return strncmp(n, "EF.", 3) == 0 ? n + 3 : n;
}

static int
fid_dg(unsigned int fid)
{
	if (fid >= SIGN_LDS_FID_DG(1) && fid <= SIGN_LDS_FID_DG(16))
		return (int)(fid - SIGN_LDS_FID_DG(0));
	return 0;
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? kyso_json_text(s) : json_null();
}

static json_t *
jhex(const unsigned char *p, size_t n)
{
	char *h = kyso_hex(p, n);
	json_t *j = h != NULL ? json_string(h) : json_null();

	free(h);
	return j;
}

static json_t *
sha256_hex(const unsigned char *p, size_t n)
{
	unsigned char md[32];
	unsigned int ml = 0;

	if (EVP_Digest(p, n, md, &ml, EVP_sha256(), NULL) != 1 || ml != sizeof(md))
		return json_null();
	return jhex(md, sizeof(md));
}

/* YYMMDD (an expiry) -> YYYY-MM-DD; expiries are in 2000..2099. */
static json_t *
iso_expiry(const char *yymmdd)
{
	char b[11];

	if (yymmdd == NULL || strlen(yymmdd) != 6)
		return json_null();
	snprintf(b, sizeof(b), "20%.2s-%.2s-%.2s", yymmdd, yymmdd + 2, yymmdd + 4);
	return kyso_json_text(b);
}

static json_t *
name_json(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;
	json_t *j;

	if (b == NULL)
		return json_null();
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(b, &p);
	j = len >= 0 ? json_stringn(p, (size_t)len) : json_null();
	BIO_free(b);
	return j != NULL ? j : json_null();
}

static json_t *
signer_json(const struct kyso_card_result *r)
{
	const unsigned char *der = NULL, *p;
	size_t len = 0;
	X509 *x;
	BIGNUM *bn;
	char *hex;
	json_t *j;

	if (sign_pa_result_signer_cert(r->pa, &der, &len) != 0) {
		sign_error_clear();
		return json_null();
	}
	p = der;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL)
		return json_null();
	j = json_object();
	json_object_set_new(j, "subject", name_json(X509_get_subject_name(x)));
	json_object_set_new(j, "issuer", name_json(X509_get_issuer_name(x)));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	json_object_set_new(j, "serial", jstr(hex));
	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(x);
	return j;
}

static void
add_reason(json_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add_reason(json_t *a, const char *fmt, ...)
{
	char b[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	json_array_append_new(a, kyso_json_text(b));
}

static json_t *
reasons_json(const struct kyso_card_result *r)
{
	static const struct { unsigned int bit; const char *text; } bits[] = {
		{ SIGN_PA_R_NO_SOD, "the card has no EF.SOD" },
		{ SIGN_PA_R_SOD_MALFORMED, "EF.SOD does not parse" },
		{ SIGN_PA_R_NO_SIGNER, "EF.SOD carries no Document Signer certificate" },
		{ SIGN_PA_R_BAD_SIGNATURE, "the signature of EF.SOD is invalid" },
		{ SIGN_PA_R_UNTRUSTED, "no trusted CSCA for the Document Signer" },
		{ SIGN_PA_R_BAD_CHAIN, "the CSCA's signature on the Document Signer certificate "
		    "is invalid" },
		{ SIGN_PA_R_COUNTRY_MISMATCH, "the Document Signer's country differs from the "
		    "issuing state" },
		{ SIGN_PA_R_COUNTRY_UNCHECKED, "the issuing state is unknown: the signer's "
		    "country was not checked" },
		{ SIGN_PA_R_EXPIRED, "warning: the Document Signer or CSCA certificate has "
		    "expired" },
		{ SIGN_PA_R_NOT_YET_VALID, "warning: the Document Signer or CSCA certificate is "
		    "not yet valid" },
		{ SIGN_PA_R_UNSUPPORTED, "an algorithm of EF.SOD is not supported" },
	};
	json_t *a = json_array();
	unsigned int bitset = sign_pa_result_reasons(r->pa);
	const char *m = sign_pa_result_message(r->pa);
	size_t i;
	int dg;

	if (m != NULL)
		add_reason(a, "passive authentication: %s", m);
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (bitset & bits[i].bit)
			json_array_append_new(a, json_string(bits[i].text));
	for (dg = 1; dg <= 16; dg++) {
		sign_dg_status s = sign_pa_result_dg(r->pa, dg);

		if (s == SIGN_DG_MISMATCH)
			add_reason(a, "DG%d does not match its hash in EF.SOD: the data was "
			    "modified", dg);
		else if (s == SIGN_DG_NOT_IN_SOD)
			add_reason(a, "DG%d has no hash in EF.SOD", dg);
	}
	if (r->doc != NULL) {
		for (i = 0; i < sign_card_doc_skipped_count(r->doc); i++) {
			unsigned int fid;
			const char *why;

			if (sign_card_doc_skipped_at(r->doc, i, &fid, &why) == 0)
				add_reason(a, "%s not read: %s", sign_card_fid_name(fid), why);
		}
	}
	add_reason(a, "active authentication: %s", kyso_card__active_message(r));
	add_reason(a, "chip authentication: %s", kyso_card__chipauth_message(r));
	if (r->parse_error[0] != '\0')
		json_array_append_new(a, kyso_json_text(r->parse_error));
	return a;
}

static json_t *
verification_json(const struct kyso_card_result *r)
{
	json_t *v = json_object(), *aa;
	const char *proto = NULL;
	sign_chipauth_verdict cv;

	json_object_set_new(v, "passive", json_string(passive_name(sign_pa_result_passive(r->pa))));
	json_object_set_new(v, "active", json_string(active_name(kyso_card__active(r))));
	json_object_set_new(v, "chip_authentication",
	    json_string(kyso_card__chipauth_name(kyso_card__chipauth(r))));
	json_object_set_new(v, "pace", json_string("not_attempted"));
	json_object_set_new(v, "genuine", json_boolean(r->genuine));
	json_object_set_new(v, "reasons", reasons_json(r));
	json_object_set_new(v, "document_signer", signer_json(r));
	if (r->aa_chal != NULL && r->aa_resp != NULL) {
		aa = json_object();
		json_object_set_new(aa, "challenge", jhex(r->aa_chal, r->aa_chal_len));
		json_object_set_new(aa, "response", jhex(r->aa_resp, r->aa_resp_len));
	} else {
		aa = json_null();
	}
	json_object_set_new(v, "aa", aa);
	cv = r->doc != NULL ? sign_card_doc_chipauth(r->doc, NULL, &proto) :
	    SIGN_CHIPAUTH_NOT_ATTEMPTED;
	if ((cv == SIGN_CHIPAUTH_PASSED || cv == SIGN_CHIPAUTH_FAILED) && proto != NULL)
		json_object_set_new(v, "ca", json_pack("{s:s}", "protocol", proto));
	else
		json_object_set_new(v, "ca", json_null());
	return v;
}

static json_t *
document_json(const struct kyso_card_result *r)
{
	json_t *d = json_object();

	json_object_set_new(d, "type", jstr(r->mrz ? sign_mrz_field(r->mrz, "document_code") :
	    NULL));
	json_object_set_new(d, "number", jstr(r->mrz ? sign_mrz_field(r->mrz,
	    "document_number") : NULL));
	json_object_set_new(d, "issuing_state", jstr(r->mrz ? sign_mrz_field(r->mrz,
	    "issuing_state") : NULL));
	json_object_set_new(d, "expiry", iso_expiry(r->mrz ? sign_mrz_field(r->mrz,
	    "expiry_date") : NULL));
	return d;
}

static json_t *
holder_json(const struct kyso_card_result *r)
{
	json_t *h = json_object();
	const char *k, *v;
	size_t i;

	if (r->dg13 == NULL)
		return h;
	for (i = 0; sign_dg13_field_at(r->dg13, i, &k, &v, NULL) == 0; i++)
		json_object_set_new(h, k, kyso_json_text(v));
	sign_error_clear();
	return h;
}

static json_t *
mrz_json(const struct kyso_card_result *r)
{
	static const struct { sign_mrz_cd cd; const char *name; } cds[] = {
		{ SIGN_MRZ_CD_DOCUMENT_NUMBER, "document_number" },
		{ SIGN_MRZ_CD_DATE_OF_BIRTH, "date_of_birth" },
		{ SIGN_MRZ_CD_EXPIRY_DATE, "expiry_date" },
		{ SIGN_MRZ_CD_OPTIONAL_DATA, "optional_data" },
		{ SIGN_MRZ_CD_COMPOSITE, "composite" },
	};
	json_t *m, *c;
	const char *k, *v;
	size_t i;

	if (r->mrz == NULL)
		return json_null();
	m = json_object();
	for (i = 0; sign_mrz_field_at(r->mrz, i, &k, &v) == 0; i++)
		json_object_set_new(m, k, kyso_json_text(v));
	sign_error_clear();
	c = json_object();
	for (i = 0; i < sizeof(cds) / sizeof(cds[0]); i++) {
		sign_mrz_cd_status s = sign_mrz_check(r->mrz, cds[i].cd);

		if (s != SIGN_MRZ_CD_ABSENT)
			json_object_set_new(c, cds[i].name, json_string(cd_name(s)));
	}
	json_object_set_new(m, "check_digits", c);
	json_object_set_new(m, "check_digits_valid", json_boolean(sign_mrz_verify(r->mrz) == 0));
	sign_error_clear();
	return m;
}

static json_t *
photo_json(const struct kyso_card_result *r)
{
	const unsigned char *img = NULL;
	size_t len = 0;
	sign_image_format fmt = SIGN_IMAGE_UNKNOWN;
	unsigned int w = 0, h = 0;

	if (r->dg2 == NULL || sign_dg2_image(r->dg2, 0, &img, &len, &fmt, &w, &h) != 0)
		return json_null();
	return json_pack("{s:s,s:I,s:I,s:I,s:o}", "format", sign_image_format_name(fmt),
	    "width", (json_int_t)w, "height", (json_int_t)h, "size", (json_int_t)len,
	    "file", jstr(r->photo_file));
}

static json_t *
files_json(const struct kyso_card_result *r)
{
	json_t *f = json_object(), *e;
	size_t i;

	for (i = 0; i < r->nfiles; i++) {
		int dg = fid_dg(r->files[i].fid);

		e = json_object();
		json_object_set_new(e, "read", json_true());
		json_object_set_new(e, "sha256", sha256_hex(r->files[i].data, r->files[i].len));
		json_object_set_new(e, "size", json_integer((json_int_t)r->files[i].len));
		if (dg > 0)
			json_object_set_new(e, "sod_hash",
			    json_string(kyso_card_dg_status_name(sign_pa_result_dg(r->pa, dg))));
		json_object_set_new(f, file_key(r->files[i].fid), e);
	}
	if (r->doc != NULL) {
		for (i = 0; i < sign_card_doc_skipped_count(r->doc); i++) {
			unsigned int fid;
			const char *why;

			if (sign_card_doc_skipped_at(r->doc, i, &fid, &why) != 0)
				continue;
			json_object_set_new(f, file_key(fid), json_pack("{s:b,s:o}", "read", 0,
			    "reason", kyso_json_text(why)));
		}
	}
	return f;
}

static json_t *
stats_json(const struct kyso_card_result *r)
{
	const sign_card_stats *s = &r->stats;

	if (!r->have_stats)
		return json_null();
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:s}",
	    "apdus", (json_int_t)s->apdus,
	    "bytes", (json_int_t)(s->bytes_sent + s->bytes_received),
	    "ms", (json_int_t)s->ms,
	    "bytes_sent", (json_int_t)s->bytes_sent,
	    "bytes_received", (json_int_t)s->bytes_received,
	    "max_read", (json_int_t)s->max_read,
	    "stepdowns", (json_int_t)s->stepdowns,
	    "extended", s->extended,
	    "protocol", s->protocol ? "T=1" : "T=0");
}

json_t *
kyso_card_json(const struct kyso_card_result *r)
{
	json_t *j = json_object();

	if (j == NULL)
		return NULL;
	json_object_set_new(j, "document", document_json(r));
	json_object_set_new(j, "holder", holder_json(r));
	json_object_set_new(j, "mrz", mrz_json(r));
	json_object_set_new(j, "photo", photo_json(r));
	json_object_set_new(j, "verification", verification_json(r));
	json_object_set_new(j, "files", files_json(r));
	json_object_set_new(j, "stats", stats_json(r));
	return j;
}

static void
line(FILE *fp, const char *label, const char *v)
{
	if (v != NULL && *v != '\0')
		fprintf(fp, "%-16s %s\n", label, kyso_shown(v));
}

void
kyso_card_print(const struct kyso_card_result *r, FILE *fp, int with_stats)
{
	const unsigned char *img = NULL;
	size_t len = 0, i;
	sign_image_format fmt;
	unsigned int w = 0, h = 0;
	json_t *reasons;
	const char *pm;

	line(fp, "Name:", kyso_card_holder(r, "full_name"));
	line(fp, "ID number:", kyso_card_holder(r, "id_number"));
	line(fp, "Date of birth:", kyso_card_holder(r, "date_of_birth"));
	line(fp, "Sex:", kyso_card_holder(r, "sex"));
	line(fp, "Nationality:", kyso_card_holder(r, "nationality"));
	line(fp, "Expiry:", kyso_card_holder(r, "expiry_date"));
	line(fp, "Residence:", kyso_card_holder(r, "place_of_residence"));
	if (r->dg13 == NULL && r->mrz != NULL) {
		line(fp, "Name (MRZ):", sign_mrz_field(r->mrz, "full_name"));
		line(fp, "Document:", sign_mrz_field(r->mrz, "document_number"));
	}
	if (r->dg2 != NULL && sign_dg2_image(r->dg2, 0, &img, &len, &fmt, &w, &h) == 0)
		fprintf(fp, "%-16s %s (%s, %ux%u, %zu bytes)\n", "Photo:",
		    r->photo_file != NULL ? r->photo_file : r->doc == NULL ? "in DG2.bin" :
		    "not written (use --photo FILE)",
		    sign_image_format_name(fmt), w, h, len);
	if (r->dump_dir != NULL)
		line(fp, "Dump:", r->dump_dir);
	pm = sign_pa_result_message(r->pa);
	fprintf(fp, "%-16s %s%s%s\n", "Data (PA):",
	    kyso_card_verdict_words(passive_name(sign_pa_result_passive(r->pa))),
	    pm != NULL ? " - " : "", pm != NULL ? pm : "");
	if (sign_pa_result_signer(r->pa) != NULL)
		line(fp, "Signed by:", sign_pa_result_signer(r->pa));
	fprintf(fp, "%-16s %s - %s\n", "Chip (AA):",
	    kyso_card_verdict_words(active_name(kyso_card__active(r))),
	    kyso_card__active_message(r));
	fprintf(fp, "%-16s %s - %s\n", "Chip (CA):",
	    kyso_card_verdict_words(kyso_card__chipauth_name(kyso_card__chipauth(r))),
	    kyso_card__chipauth_message(r));
	fprintf(fp, "%-16s %s\n", "Genuine:", r->genuine ? "yes (authentic data, genuine chip)" :
	    "no");
	reasons = reasons_json(r);
	for (i = 0; i < json_array_size(reasons); i++)
		fprintf(fp, "  - %s\n", json_string_value(json_array_get(reasons, i)));
	json_decref(reasons);
	if (with_stats && r->have_stats)
		fprintf(fp, "%-16s %lu APDUs, %llu bytes, %lu ms (reads of up to %lu bytes, %s "
		    "length, T=%d)\n", "Stats:", r->stats.apdus,
		    r->stats.bytes_sent + r->stats.bytes_received, r->stats.ms, r->stats.max_read,
		    r->stats.extended ? "extended" : "short", r->stats.protocol);
}
