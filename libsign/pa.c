/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Passive authentication of a document (ICAO 9303-11 §5.1), the verdict
 * model and the genuine rule, and offline re-verification of a dump
 * directory.
 *
 * Decisions:
 *  - A DG hash is computed over the bytes exactly as given (as read from the
 *    chip) and compared in constant time.
 *  - A DG that was read but has no hash in the SOD cannot be authenticated:
 *    the verdict is INDETERMINATE (ICAO requires every DG present to be
 *    listed), never PASSED with unauthenticated data.
 *  - A DG listed in the SOD but not read (DG3/DG4 behind EAC) is reported
 *    as not checked and does not change the verdict.
 *  - Expired or not yet valid DS/CSCA certificates are warnings (see csca.c)
 *    unless SIGN_PA_STRICT_VALIDITY.
 *  - The DS certificate's country must be the document's issuing state and
 *    the CSCA's country: a mismatch is FAILED (a signer of one state cannot
 *    vouch for another state's document).
 */
#include "pa_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/x509v3.h>

struct sign_pa_doc {
	sign_buf sod;
	int has_sod;
	sign_buf dg[17];
	unsigned int have;             /* bit n: DGn given */
	char state[8];                 /* as given; "" when not set */
	STACK_OF(X509) *extra;
	sign_buf aa_challenge, aa_response;
	int has_aa;
	int has_ca;                    /* the live CA outcome was given */
	sign_chipauth_verdict ca;
	char ca_message[200];
};

struct sign_pa_result {
	sign_pa_verdict passive;
	unsigned int reasons;
	char message[320];
	sign_dg_status dg[17];
	sign_aa_verdict active;
	char active_message[200];
	sign_chipauth_verdict chipauth;
	char chipauth_message[200];
	char *signer;
	char *csca;
	char signer_country[3];
	char state[8];
	const char *digest_name;
	char signature_name[48];
	unsigned char *dsc;
	size_t dsc_len;
};

/* ------------------------------------------------------------ the rule */

int
sign_pa_genuine(sign_pa_verdict passive, sign_dg_status dg15, sign_aa_verdict active)
{
	/* AA with a key whose DG15 the SOD does not confirm proves nothing. */
	return passive == SIGN_PA_PASSED && dg15 == SIGN_DG_MATCH && active == SIGN_AA_PASSED;
}

int
sign_pa_genuine_chip(sign_pa_verdict passive, sign_dg_status dg15, sign_aa_verdict active,
    sign_dg_status dg14, sign_chipauth_verdict chipauth)
{
	/* A failed chip proof outweighs a passed one (a clone may pass AA with a
	 * stolen answer path and fail CA, or the reverse); each counts only with
	 * its key confirmed by the SOD. */
	if (passive != SIGN_PA_PASSED || active == SIGN_AA_FAILED ||
	    chipauth == SIGN_CHIPAUTH_FAILED)
		return 0;
	return (dg15 == SIGN_DG_MATCH && active == SIGN_AA_PASSED) ||
	    (dg14 == SIGN_DG_MATCH && chipauth == SIGN_CHIPAUTH_PASSED);
}

/* ------------------------------------------------------------ documents */

int
sign_pa_doc_new(sign_pa_doc **out)
{
	sign_pa_doc *d;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_pa_doc_new: NULL out");
	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->extra = sk_X509_new_null()) == NULL) {
		free(d);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	*out = d;
	return 0;
}

void
sign_pa_doc_free(sign_pa_doc *doc)
{
	int i;

	if (doc == NULL)
		return;
	sign_buf_dispose(&doc->sod);
	for (i = 0; i <= 16; i++)
		sign_buf_dispose(&doc->dg[i]);
	sk_X509_pop_free(doc->extra, X509_free);
	sign_buf_dispose(&doc->aa_challenge);
	sign_buf_dispose(&doc->aa_response);
	free(doc);
}

int
sign_pa_doc_set_sod(sign_pa_doc *doc, const unsigned char *data, size_t len)
{
	int rc;

	if (doc == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_pa_doc_set_sod: NULL argument");
	if (len > SIGN_PA__MAX_SOD)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "EF.SOD: larger than %u bytes",
		    SIGN_PA__MAX_SOD);
	if ((rc = sign_buf__set(&doc->sod, data, len)) == 0)
		doc->has_sod = 1;
	return rc;
}

int
sign_pa_doc_set_dg(sign_pa_doc *doc, int dg, const unsigned char *data, size_t len)
{
	int rc;

	if (doc == NULL || (data == NULL && len > 0) || dg < 1 || dg > 16)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_pa_doc_set_dg: DG number must be 1..16");
	if (len > SIGN_PA__MAX_DG)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "DG%d: larger than %u bytes", dg,
		    SIGN_PA__MAX_DG);
	if ((rc = sign_buf__set(&doc->dg[dg], data, len)) == 0)
		doc->have |= 1u << dg;
	return rc;
}

int
sign_pa_doc_set_issuing_state(sign_pa_doc *doc, const char *state)
{
	if (doc == NULL || state == NULL || strlen(state) >= sizeof(doc->state))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_pa_doc_set_issuing_state: bad state");
	snprintf(doc->state, sizeof(doc->state), "%s", state);
	return 0;
}

int
sign_pa_doc_add_cert(sign_pa_doc *doc, const unsigned char *der, size_t len)
{
	X509 *x = NULL;
	int rc;

	if (doc == NULL || der == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_pa_doc_add_cert: NULL argument");
	if ((rc = sign_pa__x509_der(&x, der, len, "certificate")) != 0)
		return rc;
	if (!sk_X509_push(doc->extra, x)) {
		X509_free(x);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	return 0;
}

int
sign_pa_doc_set_aa(sign_pa_doc *doc, const unsigned char *challenge, size_t challenge_len,
    const unsigned char *response, size_t response_len)
{
	int rc;

	if (doc == NULL || challenge == NULL || response == NULL || challenge_len == 0 ||
	    challenge_len > 256 || response_len == 0 || response_len > 4096)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_pa_doc_set_aa: bad challenge or response");
	if ((rc = sign_buf__set(&doc->aa_challenge, challenge, challenge_len)) != 0 ||
	    (rc = sign_buf__set(&doc->aa_response, response, response_len)) != 0)
		return rc;
	doc->has_aa = 1;
	return 0;
}

int
sign_pa_doc_sod(const sign_pa_doc *doc, const unsigned char **data, size_t *len)
{
	if (doc == NULL || data == NULL || len == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_pa_doc_sod: NULL argument");
	if (!doc->has_sod)
		return SIGN_ERR_NOT_FOUND;
	*data = doc->sod.data;
	*len = doc->sod.len;
	return 0;
}

int
sign_pa_doc_dg(const sign_pa_doc *doc, int dg, const unsigned char **data, size_t *len)
{
	if (doc == NULL || data == NULL || len == NULL || dg < 1 || dg > 16)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_pa_doc_dg: bad argument");
	if (!(doc->have & (1u << dg)))
		return SIGN_ERR_NOT_FOUND;
	*data = doc->dg[dg].data;
	*len = doc->dg[dg].len;
	return 0;
}

int
sign_pa_doc_aa(const sign_pa_doc *doc, const unsigned char **challenge, size_t *challenge_len,
    const unsigned char **response, size_t *response_len)
{
	if (doc == NULL || challenge == NULL || challenge_len == NULL || response == NULL ||
	    response_len == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_pa_doc_aa: NULL argument");
	if (!doc->has_aa)
		return SIGN_ERR_NOT_FOUND;
	*challenge = doc->aa_challenge.data;
	*challenge_len = doc->aa_challenge.len;
	*response = doc->aa_response.data;
	*response_len = doc->aa_response.len;
	return 0;
}

int
sign_pa_doc_set_chipauth(sign_pa_doc *doc, sign_chipauth_verdict verdict, const char *message)
{
	if (doc == NULL || (verdict != SIGN_CHIPAUTH_NOT_ATTEMPTED &&
	    verdict != SIGN_CHIPAUTH_PASSED && verdict != SIGN_CHIPAUTH_FAILED &&
	    verdict != SIGN_CHIPAUTH_NOT_SUPPORTED))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_pa_doc_set_chipauth: bad verdict");
	doc->has_ca = 1;
	doc->ca = verdict;
	snprintf(doc->ca_message, sizeof(doc->ca_message), "%s", message != NULL ? message : "");
	return 0;
}

/* One file of a dump directory, at most max bytes.  Only a regular file:
 * a FIFO or a device named like a dump file (a dump from elsewhere) is
 * refused without blocking on it. */
static int
read_regular(const char *path, size_t max, sign_buf *b)
{
	sign_buf data = SIGN_BUF_INIT;
	struct sign__file_why why;
	struct stat st;
	int fd = -1, rc = 0;

	if (sign__file_open(path, 0, &fd, &st, &why) != 0 ||
	    sign__file_read(fd, &st, max, &data, &why) != 0) {
		rc = why.fail == SIGN__FILE_KIND ? sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: not a regular file (a dump holds only the files as read)", path) :
		    why.fail == SIGN__FILE_SIZE ? sign_error__set(why.code, 0,
		    "%s: larger than %zu bytes", path, max) :
		    why.fail == SIGN__FILE_NOMEM ? sign_error__set(why.code, 0, "out of memory") :
		    sign_error__set(why.code, (unsigned long)why.err, "%s: %s", path,
		    strerror(why.err));
		goto out;
	}
	/* More than its size when opened: a file that grows is refused. */
	if (data.len > (size_t)st.st_size) {
		rc = sign_error__set(SIGN_ERR_IO, 0, "%s: changed while being read", path);
		goto out;
	}
	sign_buf_dispose(b);
	*b = data;
	data.data = NULL;
	data.len = 0;
out:
	sign_buf_dispose(&data);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
load_opt(const char *dir, const char *name, size_t max, sign_buf *b, int *found)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = malloc(n);
	int rc;

	*found = 0;
	if (path == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	snprintf(path, n, "%s/%s", dir, name);
	rc = read_regular(path, max, b);
	if (rc == 0)
		*found = 1;
	else if (rc == SIGN_ERR_NOT_FOUND) {
		sign_error_clear();
		rc = 0;
	}
	free(path);
	return rc;
}

int
sign_pa_doc_load_dir(sign_pa_doc **out, const char *dir)
{
	sign_pa_doc *doc = NULL;
	sign_buf b = SIGN_BUF_INIT, ch = SIGN_BUF_INIT;
	char name[32];
	int rc, found, found2, dg;

	if (out == NULL || dir == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_pa_doc_load_dir: NULL argument");
	*out = NULL;
	if ((rc = sign_pa_doc_new(&doc)) != 0)
		return rc;
	if ((rc = load_opt(dir, SIGN_PA_DUMP_SOD, SIGN_PA__MAX_SOD, &b, &found)) != 0)
		goto out;
	if (!found) {
		rc = sign_error__set(SIGN_ERR_NOT_FOUND, 0,
		    "%s: no " SIGN_PA_DUMP_SOD " (not a dump of kyso card read --dump?)", dir);
		goto out;
	}
	if ((rc = sign_pa_doc_set_sod(doc, b.data, b.len)) != 0)
		goto out;
	for (dg = 1; dg <= 16; dg++) {
		snprintf(name, sizeof(name), SIGN_PA_DUMP_DG_FORMAT, dg);
		if ((rc = load_opt(dir, name, SIGN_PA__MAX_DG, &b, &found)) != 0)
			goto out;
		if (found && (rc = sign_pa_doc_set_dg(doc, dg, b.data, b.len)) != 0)
			goto out;
	}
	if ((rc = load_opt(dir, SIGN_PA_DUMP_AA_CHALLENGE, 256, &ch, &found)) != 0 ||
	    (rc = load_opt(dir, SIGN_PA_DUMP_AA_RESPONSE, 4096, &b, &found2)) != 0)
		goto out;
	if (found != found2) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: %s without %s", dir,
		    found ? SIGN_PA_DUMP_AA_CHALLENGE : SIGN_PA_DUMP_AA_RESPONSE,
		    found ? SIGN_PA_DUMP_AA_RESPONSE : SIGN_PA_DUMP_AA_CHALLENGE);
		goto out;
	}
	if (found && (rc = sign_pa_doc_set_aa(doc, ch.data, ch.len, b.data, b.len)) != 0) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: empty or oversized AA files", dir);
		goto out;
	}
	*out = doc;
	doc = NULL;
out:
	sign_buf_dispose(&b);
	sign_buf_dispose(&ch);
	sign_pa_doc_free(doc);
	return rc;
}

/* ------------------------------------------------------------ DG1 */

int
sign_pa__dg1_state(const unsigned char *dg1, size_t len, char out[3], char raw[4])
{
	sign_tlv t, mrz;
	char s[4];

	out[0] = raw[0] = '\0';
	if (sign_tlv__expect(&t, dg1, len, 0x61, 0, "DG1") != 0 ||
	    sign_tlv__find(&t, 0x5F1F, &mrz, "DG1") != 0 || mrz.len < 5) {
		sign_error_clear();
		return SIGN_ERR_NOT_FOUND;
	}
	/* Every MRZ format: document code (2), then the issuing state (3). */
	memcpy(s, mrz.value + 2, 3);
	s[3] = '\0';
	memcpy(raw, s, 4);
	if (sign_pa_country_alpha2(s, out) != 0) {
		sign_error_clear();
		return SIGN_ERR_NOT_FOUND;
	}
	return 0;
}

/* ------------------------------------------------------------ verify */

static void
msg_add(sign_pa_result *r, const char *fmt, ...) SIGN__PRINTF(2, 3);

static void
msg_add(sign_pa_result *r, const char *fmt, ...)
{
	size_t n = strlen(r->message);
	va_list ap;

	if (n > 0 && n + 2 < sizeof(r->message)) {
		memcpy(r->message + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->message + n, sizeof(r->message) - n, fmt, ap);
	va_end(ap);
}

static void
check_dgs(sign_pa_result *r, const sign_pa_doc *doc, const sign_sod *sod)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, listed = 0;
	char bad[128] = "", unlisted[128] = "", notread[128] = "";
	size_t i;
	int dg;

	for (i = 0; i < sod->ndg; i++) {
		const struct sign_sod_dg *e = &sod->dgs[i];
		const sign_buf *b = &doc->dg[e->dg];

		listed |= 1u << e->dg;
		if (!(doc->have & (1u << e->dg))) {
			r->dg[e->dg] = SIGN_DG_NOT_READ;
			snprintf(notread + strlen(notread), sizeof(notread) - strlen(notread),
			    "%sDG%d", notread[0] ? ", " : "", e->dg);
			continue;
		}
		mdlen = 0;
		if (EVP_Digest(b->data, b->len, md, &mdlen, sod->md, NULL) == 1 &&
		    mdlen == e->hash_len && sign__ct_memcmp(md, e->hash, mdlen) == 0) {
			r->dg[e->dg] = SIGN_DG_MATCH;
		} else {
			r->dg[e->dg] = SIGN_DG_MISMATCH;
			snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%sDG%d",
			    bad[0] ? ", " : "", e->dg);
		}
		OPENSSL_cleanse(md, sizeof(md));
	}
	for (dg = 1; dg <= 16; dg++) {
		if ((doc->have & (1u << dg)) && !(listed & (1u << dg))) {
			r->dg[dg] = SIGN_DG_NOT_IN_SOD;
			snprintf(unlisted + strlen(unlisted), sizeof(unlisted) - strlen(unlisted),
			    "%sDG%d", unlisted[0] ? ", " : "", dg);
		}
	}
	if (bad[0]) {
		r->reasons |= SIGN_PA_R_DG_MISMATCH;
		msg_add(r, "%s: hash does not match the SOD (data modified)", bad);
	}
	if (unlisted[0]) {
		r->reasons |= SIGN_PA_R_DG_NOT_IN_SOD;
		msg_add(r, "%s: read but not listed in the SOD (not authenticated)", unlisted);
	}
	if (notread[0])
		r->reasons |= SIGN_PA_R_DG_NOT_READ;
}

static int
set_text(char **dst, const X509_NAME *name)
{
	free(*dst);
	*dst = sign_pa__name_text(name);
	return *dst != NULL ? 0 : sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
}

/* The SOD's signer, its chain and its country. */
static int
check_signer(sign_pa_result *r, const sign_pa_doc *doc, const sign_sod *sod,
    const sign_csca_store *store, time_t at, unsigned int flags)
{
	STACK_OF(X509) *pool = NULL;
	struct sign_csca__path path;
	X509 *ds;
	char state[3] = "", raw[4] = "", csca_c[3];
	unsigned char *der = NULL;
	int rc = 0, i, n;

	ds = sign_cms__find_signer(&sod->cms, doc->extra);
	if (ds == NULL) {
		r->reasons |= SIGN_PA_R_NO_SIGNER;
		msg_add(r, "no Document Signer certificate (neither in EF.SOD nor given)");
		return 0;
	}
	if ((rc = set_text(&r->signer, X509_get_subject_name(ds))) != 0)
		return rc;
	n = i2d_X509(ds, &der);
	if (n <= 0 || (r->dsc = malloc((size_t)n)) == NULL) {
		OPENSSL_free(der);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	memcpy(r->dsc, der, (size_t)n);
	r->dsc_len = (size_t)n;
	OPENSSL_free(der);
	sign_pa__name_country(X509_get_subject_name(ds), r->signer_country);

	/* The SOD's signature. */
	rc = sign_cms__verify(&sod->cms, ds, "EF.SOD");
	if (rc == SIGN_ERR_VERIFY || rc == SIGN_ERR_HASH_MISMATCH) {
		r->reasons |= SIGN_PA_R_BAD_SIGNATURE;
		msg_add(r, "%s", sign_error_message());
	} else if (rc == SIGN_ERR_NOMEM) {
		return rc;
	} else if (rc != 0) {
		r->reasons |= SIGN_PA_R_UNSUPPORTED;
		msg_add(r, "%s", sign_error_message());
	}
	rc = 0;
	if ((X509_get_extension_flags(ds) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(ds) & KU_DIGITAL_SIGNATURE)) {
		r->reasons |= SIGN_PA_R_BAD_CHAIN;
		msg_add(r, "the DS certificate's key usage does not allow signatures");
	}

	/* DS -> CSCA. */
	pool = sk_X509_dup(doc->extra);
	if (pool == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	for (i = 0; i < sk_X509_num(sod->cms.certs); i++) {
		if (!sk_X509_push(pool, sk_X509_value(sod->cms.certs, i))) {
			sk_X509_free(pool);
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		}
	}
	rc = sign_csca__path(store, ds, pool, at, &path);
	sk_X509_free(pool);
	if (rc != 0)
		return rc;
	r->reasons |= path.warnings;
	if (path.status == SIGN_CSCA__TRUSTED) {
		if ((rc = set_text(&r->csca, X509_get_subject_name(path.anchor))) != 0)
			return rc;
		sign_pa__name_country(X509_get_subject_name(path.anchor), csca_c);
		if (!(flags & SIGN_PA_NO_COUNTRY_CHECK) && strcmp(csca_c, r->signer_country) != 0) {
			r->reasons |= SIGN_PA_R_COUNTRY_MISMATCH;
			msg_add(r, "the DS country \"%s\" differs from its CSCA's \"%s\"",
			    r->signer_country, csca_c);
		}
	} else if (path.status == SIGN_CSCA__BAD) {
		r->reasons |= SIGN_PA_R_BAD_CHAIN;
		msg_add(r, "%s", path.detail);
	} else {
		r->reasons |= SIGN_PA_R_UNTRUSTED;
		msg_add(r, "%s", path.detail);
	}
	if (path.warnings & SIGN_PA_R_EXPIRED)
		msg_add(r, "%s: a DS or CSCA certificate has expired",
		    (flags & SIGN_PA_STRICT_VALIDITY) ? "strict validity" : "warning");
	if (path.warnings & SIGN_PA_R_NOT_YET_VALID)
		msg_add(r, "%s: a DS or CSCA certificate is not yet valid",
		    (flags & SIGN_PA_STRICT_VALIDITY) ? "strict validity" : "warning");

	/* Issuing state. */
	if (flags & SIGN_PA_NO_COUNTRY_CHECK)
		return 0;
	if (doc->state[0] != '\0') {
		snprintf(r->state, sizeof(r->state), "%s", doc->state);
		if (sign_pa_country_alpha2(doc->state, state) != 0) {
			sign_error_clear();
			state[0] = '\0';
		}
	} else if (doc->have & (1u << 1)) {
		sign_pa__dg1_state(doc->dg[1].data, doc->dg[1].len, state, raw);
		snprintf(r->state, sizeof(r->state), "%s", raw);
	}
	if (state[0] == '\0') {
		r->reasons |= SIGN_PA_R_COUNTRY_UNCHECKED;
	} else if (strcmp(state, r->signer_country) != 0) {
		r->reasons |= SIGN_PA_R_COUNTRY_MISMATCH;
		msg_add(r, "the DS country \"%s\" is not the issuing state \"%s\" (%s)",
		    r->signer_country, r->state, state);
	}
	return 0;
}

/* Active Authentication; d14: DG14 as parsed (NULL: none, or unreadable). */
static void
check_aa(sign_pa_result *r, const sign_pa_doc *doc, const sign_dg14 *d14)
{
	sign_dg15 *k = NULL;
	int rc;

	if (!(doc->have & (1u << 15))) {
		r->active = SIGN_AA_NOT_SUPPORTED;
		snprintf(r->active_message, sizeof(r->active_message),
		    "no DG15: the document does not support Active Authentication");
		return;
	}
	if (!doc->has_aa) {
		r->active = SIGN_AA_NOT_ATTEMPTED;
		snprintf(r->active_message, sizeof(r->active_message),
		    "Active Authentication needs the chip (no challenge/response given)");
		return;
	}
	r->active = SIGN_AA_FAILED;
	if ((rc = sign_dg15_parse(&k, doc->dg[15].data, doc->dg[15].len)) != 0) {
		snprintf(r->active_message, sizeof(r->active_message), "%s", sign_error_message());
		goto out;
	}
	/* without d14 AA falls back to the key size for ECDSA */
	rc = sign_aa_verify(k, d14, doc->aa_challenge.data, doc->aa_challenge.len,
	    doc->aa_response.data, doc->aa_response.len);
	if (rc == 0)
		r->active = SIGN_AA_PASSED;
	snprintf(r->active_message, sizeof(r->active_message), "%s",
	    rc == 0 ? "the chip's Active Authentication signature is valid" : sign_error_message());
out:
	sign_dg15_free(k);
}

/* Chip Authentication: the live outcome as given, or what the files allow
 * saying without the chip (d14 as for check_aa). */
static void
check_ca(sign_pa_result *r, const sign_pa_doc *doc, const sign_dg14 *d14)
{
	size_t i;
	int offered = 0;

	if (!(doc->have & (1u << 14))) {
		r->chipauth = SIGN_CHIPAUTH_NOT_SUPPORTED;
		snprintf(r->chipauth_message, sizeof(r->chipauth_message),
		    "no DG14: the document does not support Chip Authentication");
		return;
	}
	if (doc->has_ca) {
		r->chipauth = doc->ca;
		snprintf(r->chipauth_message, sizeof(r->chipauth_message), "%s",
		    doc->ca_message[0] != '\0' ? doc->ca_message :
		    doc->ca == SIGN_CHIPAUTH_PASSED ? "the chip proved it holds the DG14 key" :
		    "no detail given");
		return;
	}
	for (i = 0; i < sign_dg14_count(d14); i++)
		if (sign_dg14_kind(d14, i) == SIGN_SECINFO_CA)
			offered = 1;
	if (!offered) {
		r->chipauth = SIGN_CHIPAUTH_NOT_SUPPORTED;
		snprintf(r->chipauth_message, sizeof(r->chipauth_message),
		    "DG14 offers no Chip Authentication");
		return;
	}
	r->chipauth = SIGN_CHIPAUTH_NOT_ATTEMPTED;
	snprintf(r->chipauth_message, sizeof(r->chipauth_message),
	    "Chip Authentication needs the live chip: not attempted offline (its proof is "
	    "the read session, which no file can replay)");
}

int
sign_pa_verify(sign_pa_result **out, const sign_pa_doc *doc, const sign_csca_store *store,
    const sign_pa_options *opts)
{
	static const sign_pa_options defaults = SIGN_PA_OPTIONS_INIT;
	sign_pa_result *r = NULL;
	sign_sod *sod = NULL;
	sign_dg14 *d14 = NULL;
	unsigned int fail_bits, indet_bits;
	time_t at;
	int rc = 0;

	if (out == NULL || doc == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_pa_verify: NULL argument");
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (opts->version != SIGN_PA_OPTIONS_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_pa_verify: options version %u, expected %u", opts->version,
		    SIGN_PA_OPTIONS_VERSION);
	at = opts->at != 0 ? opts->at : time(NULL);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	/* DG14 parsed once, for AA (its algorithm) and CA (whether it is offered) */
	if ((doc->have & (1u << 14)) &&
	    sign_dg14_parse(&d14, doc->dg[14].data, doc->dg[14].len) != 0)
		sign_error_clear();     /* unreadable: NULL, CA then counts as not offered */
	check_aa(r, doc, d14);
	check_ca(r, doc, d14);
	if (!doc->has_sod) {
		r->reasons |= SIGN_PA_R_NO_SOD;
		msg_add(r, "no EF.SOD: passive authentication is impossible");
		rc = SIGN_ERR_NOT_FOUND;
	} else if ((rc = sign_sod_parse(&sod, doc->sod.data, doc->sod.len)) != 0) {
		if (rc == SIGN_ERR_NOMEM)
			goto out;
		r->reasons |= rc == SIGN_ERR_UNSUPPORTED ? SIGN_PA_R_UNSUPPORTED :
		    SIGN_PA_R_SOD_MALFORMED;
		msg_add(r, "%s", sign_error_message());
	} else {
		r->digest_name = sod->md_name;
		snprintf(r->signature_name, sizeof(r->signature_name), "%s", sod->cms.sigalg.name);
		check_dgs(r, doc, sod);
		if ((rc = check_signer(r, doc, sod, store, at, opts->flags)) != 0)
			goto out;
	}

	fail_bits = SIGN_PA_R_BAD_SIGNATURE | SIGN_PA_R_DG_MISMATCH | SIGN_PA_R_BAD_CHAIN |
	    SIGN_PA_R_COUNTRY_MISMATCH;
	indet_bits = SIGN_PA_R_NO_SOD | SIGN_PA_R_SOD_MALFORMED | SIGN_PA_R_NO_SIGNER |
	    SIGN_PA_R_DG_NOT_IN_SOD | SIGN_PA_R_UNTRUSTED | SIGN_PA_R_UNSUPPORTED;
	if (opts->flags & SIGN_PA_STRICT_VALIDITY)
		indet_bits |= SIGN_PA_R_EXPIRED | SIGN_PA_R_NOT_YET_VALID;
	if (r->reasons & fail_bits)
		r->passive = SIGN_PA_FAILED;
	else if (r->reasons & indet_bits)
		r->passive = SIGN_PA_INDETERMINATE;
	else
		r->passive = SIGN_PA_PASSED;
	if (r->passive == SIGN_PA_PASSED && r->message[0] == '\0')
		msg_add(r, "the data is authentic: signed by a Document Signer of a trusted CSCA");

	if (rc != 0) {
		/* NOT_FOUND / MALFORMED / UNSUPPORTED from the SOD itself. */
	} else if (r->passive == SIGN_PA_FAILED) {
		rc = (r->reasons & fail_bits) == SIGN_PA_R_DG_MISMATCH ? SIGN_ERR_HASH_MISMATCH :
		    SIGN_ERR_VERIFY;
	} else if (r->active == SIGN_AA_FAILED) {
		rc = SIGN_ERR_VERIFY;
	} else if (r->chipauth == SIGN_CHIPAUTH_FAILED && r->dg[14] == SIGN_DG_MATCH) {
		rc = SIGN_ERR_VERIFY;
	} else if (r->passive == SIGN_PA_INDETERMINATE) {
		rc = SIGN_ERR_UNTRUSTED;
	}
	if (rc != 0 && r->passive != SIGN_PA_PASSED)
		sign_error__set(rc, 0, "passive authentication %s: %s",
		    r->passive == SIGN_PA_FAILED ? "FAILED" : "INDETERMINATE", r->message);
	else if (rc != 0 && r->active == SIGN_AA_FAILED)
		sign_error__set(rc, 0, "Active Authentication FAILED: %s", r->active_message);
	else if (rc != 0)
		sign_error__set(rc, 0, "Chip Authentication FAILED: %s", r->chipauth_message);
	*out = r;
	r = NULL;
out:
	sign_dg14_free(d14);
	sign_sod_free(sod);
	sign_pa_result_free(r);
	return rc;
}

int
sign_pa_verify_dir(sign_pa_result **out, const char *dir, const sign_csca_store *store,
    const sign_pa_options *opts)
{
	sign_pa_doc *doc = NULL;
	int rc;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_pa_verify_dir: NULL out");
	*out = NULL;
	if ((rc = sign_pa_doc_load_dir(&doc, dir)) != 0)
		return rc;
	rc = sign_pa_verify(out, doc, store, opts);
	sign_pa_doc_free(doc);
	return rc;
}

/* ------------------------------------------------------------ results */

void
sign_pa_result_free(sign_pa_result *res)
{
	if (res == NULL)
		return;
	free(res->signer);
	free(res->csca);
	free(res->dsc);
	free(res);
}

sign_pa_verdict
sign_pa_result_passive(const sign_pa_result *res)
{
	return res != NULL ? res->passive : SIGN_PA_INDETERMINATE;
}

unsigned int
sign_pa_result_reasons(const sign_pa_result *res)
{
	return res != NULL ? res->reasons : 0;
}

const char *
sign_pa_result_message(const sign_pa_result *res)
{
	return res != NULL ? res->message : "";
}

sign_dg_status
sign_pa_result_dg(const sign_pa_result *res, int dg)
{
	return res != NULL && dg >= 1 && dg <= 16 ? res->dg[dg] : SIGN_DG_ABSENT;
}

sign_aa_verdict
sign_pa_result_active(const sign_pa_result *res)
{
	return res != NULL ? res->active : SIGN_AA_NOT_ATTEMPTED;
}

const char *
sign_pa_result_active_message(const sign_pa_result *res)
{
	return res != NULL ? res->active_message : "";
}

sign_chipauth_verdict
sign_pa_result_chipauth(const sign_pa_result *res)
{
	return res != NULL ? res->chipauth : SIGN_CHIPAUTH_NOT_ATTEMPTED;
}

int
sign_pa_result_genuine(const sign_pa_result *res)
{
	if (res == NULL)
		return 0;
	return sign_pa_genuine_chip(res->passive, res->dg[15], res->active, res->dg[14],
	    res->chipauth);
}

const char *
sign_pa_result_chipauth_message(const sign_pa_result *res)
{
	return res != NULL ? res->chipauth_message : "";
}

const char *
sign_pa_result_signer(const sign_pa_result *res)
{
	return res != NULL ? res->signer : NULL;
}

const char *
sign_pa_result_csca(const sign_pa_result *res)
{
	return res != NULL ? res->csca : NULL;
}

const char *
sign_pa_result_signer_country(const sign_pa_result *res)
{
	return res != NULL && res->signer_country[0] ? res->signer_country : NULL;
}

const char *
sign_pa_result_issuing_state(const sign_pa_result *res)
{
	return res != NULL && res->state[0] ? res->state : NULL;
}

const char *
sign_pa_result_digest_name(const sign_pa_result *res)
{
	return res != NULL ? res->digest_name : NULL;
}

const char *
sign_pa_result_signature_name(const sign_pa_result *res)
{
	return res != NULL && res->signature_name[0] ? res->signature_name : NULL;
}

int
sign_pa_result_signer_cert(const sign_pa_result *res, const unsigned char **der, size_t *len)
{
	if (res == NULL || der == NULL || len == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_pa_result_signer_cert: NULL argument");
	if (res->dsc == NULL)
		return sign_error__set(SIGN_ERR_NOT_FOUND, 0, "no Document Signer certificate");
	*der = res->dsc;
	*len = res->dsc_len;
	return 0;
}
