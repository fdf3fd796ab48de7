/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Revocation of the certificates of a signature's path (the revocation
 * check of the report), from the CRLs the caller gave: every certificate
 * below the trust anchor against the newest complete CRL of its issuer
 * whose signature verifies with the issuer's key, and with
 * SIGN_CADES_VERIFY_CRL_FETCH those fetched from each certificate's CRL
 * distribution points (cades_crlfetch.c), on the same terms.
 * With OCSP asked for (cades_ocsp.c) the responder answers first; when it
 * gives no usable answer the CRLs do, and the detail keeps why OCSP did not.
 * With a run's cache (cades_revcache.c) a CRL's signature is verified once
 * per issuer, and OCSP answers are reused: only the responder's statement
 * (status, revocation time) is kept, and it is judged here against each
 * signature's own validation time (a time-stamp's time, or now).
 *
 * Without a time-stamp nothing proves the signature was made before a
 * revocation, so a certificate revoked at the validation time makes the
 * signature INDETERMINATE (REVOKED_NO_POE, REVOKED_CA_NO_POE; EN 319
 * 102-1), as does a certificate whose status the CRLs given cannot tell
 * (no CRL of its issuer, or only one past its next update; on hold):
 * TRY_LATER.
 */
#include "cades_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#define REV_DETAIL 640

/* Is crl a complete CRL that covers subject (not a delta CRL, not an
 * indirect or partitioned one, no critical extension we do not know)? */
static int
crl_complete_for(X509_CRL *crl, X509 *subject)
{
	ISSUING_DIST_POINT *idp;
	X509_EXTENSION *ext;
	int i, nid, crit = -1, ok = 1, is_ca = X509_check_ca(subject) > 0;
	void *delta;

	for (i = 0; i < X509_CRL_get_ext_count(crl); i++) {
		ext = X509_CRL_get_ext(crl, i);
		nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
		if (X509_EXTENSION_get_critical(ext) && nid != NID_issuing_distribution_point)
			return 0;
	}
	delta = X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit, NULL);
	ASN1_INTEGER_free(delta);
	if (crit != -1)
		return 0;
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit, NULL);
	if (idp == NULL) {
		ERR_clear_error();
		return crit == -1;       /* absent; present but unreadable: not used */
	}
	if (idp->onlysomereasons != NULL || idp->indirectCRL || idp->onlyattr ||
	    (idp->onlyuser && is_ca) || (idp->onlyCA && !is_ca))
		ok = 0;
	ISSUING_DIST_POINT_free(idp);
	return ok;
}

/* Whether a was issued after b: by thisUpdate, then by CRL number. */
static int
newer(X509_CRL *a, X509_CRL *b)
{
	ASN1_INTEGER *na, *nb;
	int c = ASN1_TIME_compare(X509_CRL_get0_lastUpdate(a), X509_CRL_get0_lastUpdate(b));

	if (c != 0)
		return c > 0;
	na = X509_CRL_get_ext_d2i(a, NID_crl_number, NULL, NULL);
	nb = X509_CRL_get_ext_d2i(b, NID_crl_number, NULL, NULL);
	c = na != NULL && nb != NULL && ASN1_INTEGER_cmp(na, nb) > 0;
	ASN1_INTEGER_free(na);
	ASN1_INTEGER_free(nb);
	return c;
}

/* The newest complete CRL of issuer for x that verifies with issuer's key,
 * from two sets; *forged counts those of issuer's name that do not. */
static X509_CRL *
best_crl(X509 *x, X509 *issuer, STACK_OF(X509_CRL) *const sets[3],
    struct cades_revcache *cache, int *forged)
{
	X509_CRL *best = NULL, *c;
	EVP_PKEY *pk = X509_get0_pubkey(issuer);
	uint32_t ku = X509_get_key_usage(issuer);
	int k, i, ok;

	*forged = 0;
	if (pk == NULL || (ku != UINT32_MAX && !(ku & KU_CRL_SIGN)))
		return NULL;
	for (k = 0; k < 3; k++) {
		for (i = 0; sets[k] != NULL && i < sk_X509_CRL_num(sets[k]); i++) {
			c = sk_X509_CRL_value(sets[k], i);
			if (X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_subject_name(issuer)) != 0 ||
			    !crl_complete_for(c, x))
				continue;
			/* a CRL's signature is verified once per run and issuer */
			if ((ok = sign_cades__revcache_crl_get(cache, c, issuer)) < 0) {
				ok = X509_CRL_verify(c, pk) == 1;
				sign_cades__revcache_crl_put(cache, c, issuer, ok);
			}
			if (!ok) {
				(*forged)++;
				continue;
			}
			if (best == NULL || newer(c, best))
				best = c;
		}
	}
	ERR_clear_error();
	return best;
}

static void
time_text(const ASN1_TIME *t, char *buf, size_t cap)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		snprintf(buf, cap, "?");
	else
		sign_cades__iso_time(timegm(&tm), buf, cap);
}

/* CRLReason names (RFC 5280 5.3.1), by code; 7 is unused. */
static const char *const reason_names[] = { "unspecified", "keyCompromise", "cACompromise",
    "affiliationChanged", "superseded", "cessationOfOperation", "certificateHold", "?",
    "removeFromCRL", "privilegeWithdrawn", "aACompromise" };

static const char *
reason_text(X509_REVOKED *rev, long *code)
{
	ASN1_ENUMERATED *e = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);

	*code = e != NULL ? ASN1_ENUMERATED_get(e) : 0;
	ASN1_ENUMERATED_free(e);
	ERR_clear_error();
	return *code >= 0 && *code <= 10 ? reason_names[*code] : "?";
}

#define REV_OK CADES_REV_OK
#define REV_UNKNOWN CADES_REV_UNKNOWN
#define REV_REVOKED CADES_REV_REVOKED

/* The status of x at vt by an OCSP responder: REV_* or -1 when it gave no
 * usable answer (why in msg). */
static int
ocsp_status(X509 *x, X509 *issuer, const struct cades_ocsp *o, time_t vt, char *msg,
    size_t cap)
{
	char what[400], d[32], *xname;
	time_t rt;
	int reason, st;

	st = sign_cades__ocsp_status(x, issuer, o, &rt, &reason, what, sizeof(what));
	xname = sign_cades__cert_name(x);
	if (st == SIGN_CADES__OCSP_GOOD) {
		snprintf(msg, cap, "\"%s\" good by the OCSP responder %s",
		    xname != NULL ? xname : "?", what);
		st = REV_OK;
	} else if (st == SIGN_CADES__OCSP_REVOKED && rt <= vt) {
		sign_cades__iso_time(rt, d, sizeof(d));
		snprintf(msg, cap, "\"%s\" was revoked on %s (%s) by the OCSP responder %s",
		    xname != NULL ? xname : "?", d, reason >= 0 && reason <= 10 ?
		    reason_names[reason] : "unspecified", what);
		st = reason == 6 ? REV_UNKNOWN : REV_REVOKED;
	} else if (st == SIGN_CADES__OCSP_REVOKED) {
		snprintf(msg, cap, "\"%s\" was revoked after the validation time, by the OCSP "
		    "responder %s", xname != NULL ? xname : "?", what);
		st = REV_OK;
	} else {
		snprintf(msg, cap, "\"%s\": %s", xname != NULL ? xname : "?", what);
		st = -1;
	}
	free(xname);
	return st;
}

/* The status of x at vt by issuer's CRL among the three sets (any may be
 * NULL); msg says what decided, *used (may be NULL) the CRL that did
 * (borrowed) or NULL. */
static int
crl_status(X509 *x, X509 *issuer, STACK_OF(X509_CRL) *const sets[3],
    struct cades_revcache *cache, time_t vt, X509_CRL **used, char *msg, size_t cap)
{
	X509_CRL *crl;
	X509_REVOKED *rev = NULL;
	const ASN1_TIME *next;
	char *iname = sign_cades__cert_name(issuer), *xname = sign_cades__cert_name(x);
	char d1[32], d2[32], vts[32];
	long code;
	const char *why;
	int forged, st = REV_UNKNOWN;

	sign_cades__iso_time(vt, vts, sizeof(vts));
	crl = best_crl(x, issuer, sets, cache, &forged);
	if (used != NULL)
		*used = crl;
	if (crl == NULL) {
		snprintf(msg, cap, "no CRL of \"%s\" among those given%s: the revocation of "
		    "\"%s\" is not known; get its current CRL", iname != NULL ? iname : "?",
		    forged > 0 ? " verifies with its key (one in its name does not)" : "",
		    xname != NULL ? xname : "?");
		goto out;
	}
	time_text(X509_CRL_get0_lastUpdate(crl), d1, sizeof(d1));
	if (X509_CRL_get0_by_cert(crl, &rev, x) == 1 &&
	    X509_cmp_time(X509_REVOKED_get0_revocationDate(rev), &vt) <= 0) {
		time_text(X509_REVOKED_get0_revocationDate(rev), d2, sizeof(d2));
		why = reason_text(rev, &code);
		if (code == 6) {        /* certificateHold: suspended, may come back */
			snprintf(msg, cap, "\"%s\" is on hold (suspended) since %s by the CRL of "
			    "\"%s\" of %s: its status may change; check a later CRL",
			    xname != NULL ? xname : "?", d2, iname != NULL ? iname : "?", d1);
			goto out;
		}
		snprintf(msg, cap, "\"%s\" was revoked on %s (%s) by the CRL of \"%s\" of %s",
		    xname != NULL ? xname : "?", d2, why, iname != NULL ? iname : "?", d1);
		st = REV_REVOKED;
		goto out;
	}
	next = X509_CRL_get0_nextUpdate(crl);
	if (next != NULL && X509_cmp_time(next, &vt) < 0) {
		time_text(next, d2, sizeof(d2));
		snprintf(msg, cap, "the newest CRL of \"%s\" given is of %s and was due for "
		    "renewal on %s, before the validation time %s: get a current CRL",
		    iname != NULL ? iname : "?", d1, d2, vts);
		goto out;
	}
	snprintf(msg, cap, "CRL of \"%s\" of %s", iname != NULL ? iname : "?", d1);
	st = REV_OK;
out:
	ERR_clear_error();
	free(iname);
	free(xname);
	return st;
}

int
sign_cades__crl_answer(X509 *x, X509 *issuer, STACK_OF(X509_CRL) *crls1,
    STACK_OF(X509_CRL) *crls2, int fetch, struct cades_revcache *cache, time_t vt, char *msg,
    size_t cap)
{
	STACK_OF(X509_CRL) *fetched = NULL;
	X509_CRL *used = NULL;
	char fmsg[400] = "", cmsg[REV_DETAIL];
	int st, i, from_cdp = 0;

	if (fetch)
		sign_cades__crl_fetch(x, cache, &fetched, fmsg, sizeof(fmsg));
	{
		STACK_OF(X509_CRL) *const sets[3] = { crls1, crls2, fetched };

		st = crl_status(x, issuer, sets, cache, vt, &used, cmsg, sizeof(cmsg));
	}
	for (i = 0; used != NULL && fetched != NULL && i < sk_X509_CRL_num(fetched); i++)
		if (sk_X509_CRL_value(fetched, i) == used)
			from_cdp = 1;
	if (from_cdp)
		snprintf(msg, cap, "%.500s, fetched from its CRL distribution point", cmsg);
	else if (st == REV_UNKNOWN && fmsg[0] != '\0')
		snprintf(msg, cap, "%.300s (CRL distribution point: %.300s)", cmsg, fmsg);
	else
		snprintf(msg, cap, "%s", cmsg);
	sk_X509_CRL_pop_free(fetched, X509_CRL_free);
	return st;
}

/* msg = "CRL answer (OCSP: why not)", within what a check's detail holds
 * (512 bytes, the revoked case adding about 70): the CRL's answer whole,
 * the OCSP note cut at a word with "..." when it does not fit (was: cut at
 * a fixed length, mid-date). */
static void
with_ocsp_note(char *msg, size_t cap, const char *crl, const char *ocsp)
{
	const size_t fits = 430;
	size_t room, n = strlen(crl) + sizeof(" (OCSP: )") - 1, k = strlen(ocsp);

	room = n + 4 < fits ? fits - n - 4 : 0;   /* 4: "..." and the NUL */
	/* (a CRL answer longer than a detail holds is cut by snprintf) */
	if (k <= room + 3) {
		if (snprintf(msg, cap, "%s (OCSP: %s)", crl, ocsp) < 0)
			msg[0] = '\0';
		return;
	}
	while (room > 0 && ocsp[room] != ' ')
		room--;
	while (room > 0 && (ocsp[room - 1] == ',' || ocsp[room - 1] == ' ' ||
	    ocsp[room - 1] == ';'))
		room--;
	if (snprintf(msg, cap, "%s (OCSP: %.*s...)", crl, (int)room, ocsp) < 0)
		msg[0] = '\0';
}

void
sign_cades__check_revocation(struct sign_cades_signature *s, STACK_OF(X509) *path,
    int trusted, STACK_OF(X509_CRL) *crls1, STACK_OF(X509_CRL) *crls2,
    const struct cades_ocsp *ocsp, int fetch, struct cades_revcache *cache, time_t vt)
{
	char msg[REV_DETAIL], first_unknown[REV_DETAIL] = "", ok[REV_DETAIL] = "", vts[32];
	char omsg[560], cmsg[REV_DETAIL];
	int i, n, st, unknown = 0, have_crls;
	size_t used = 0;

	have_crls = sk_X509_CRL_num(crls1) > 0 || sk_X509_CRL_num(crls2) > 0;
	if (!have_crls && ocsp == NULL && !fetch) {
		sign_cades__check(s, SIGN_CADES_CHECK_REVOCATION, SIGN_CADES_STATUS_SKIPPED,
		    SIGN_CADES_SUB_NONE, "revocation is not checked: no CRL was given and OCSP "
		    "was not asked for (kyso verify --crl FILE|DIR, --ocsp, --crl-fetch)");
		return;
	}
	n = path != NULL ? sk_X509_num(path) : 0;
	if (!trusted || n < 1) {
		sign_cades__check(s, SIGN_CADES_CHECK_REVOCATION, SIGN_CADES_STATUS_SKIPPED,
		    SIGN_CADES_SUB_NONE, "revocation is not checked: no path to a trust anchor");
		return;
	}
	/* Below the anchor, signer first: the first revoked decides. */
	for (i = 0; i + 1 < n; i++) {
		st = -1;
		if (ocsp != NULL)
			st = ocsp_status(sk_X509_value(path, i), sk_X509_value(path, i + 1), ocsp,
			    vt, omsg, sizeof(omsg));
		if (st >= 0)
			snprintf(msg, sizeof(msg), "%s", omsg);
		else if (ocsp == NULL)
			st = sign_cades__crl_answer(sk_X509_value(path, i),
			    sk_X509_value(path, i + 1), crls1, crls2, fetch, cache, vt, msg,
			    sizeof(msg));
		else if (have_crls || fetch) {
			/* the CRLs answer; why OCSP did not is kept for the auditor */
			st = sign_cades__crl_answer(sk_X509_value(path, i),
			    sk_X509_value(path, i + 1), crls1, crls2, fetch, cache, vt, cmsg,
			    sizeof(cmsg));
			with_ocsp_note(msg, sizeof(msg), cmsg, omsg);
		} else {
			snprintf(msg, sizeof(msg), "%s, and no CRL was given: its revocation is "
			    "not known", omsg);
			st = REV_UNKNOWN;
		}
		if (st == REV_REVOKED) {
			sign_cades__check(s, SIGN_CADES_CHECK_REVOCATION,
			    SIGN_CADES_STATUS_INDETERMINATE, i == 0 ?
			    SIGN_CADES_SUB_REVOKED_NO_POE : SIGN_CADES_SUB_REVOKED_CA_NO_POE,
			    "%s; without a time-stamp nothing proves the signature was made "
			    "before", msg);
			return;
		}
		if (st == REV_UNKNOWN && unknown++ == 0)
			snprintf(first_unknown, sizeof(first_unknown), "%s", msg);
		if (st == REV_OK && used < sizeof(ok))
			used += (size_t)snprintf(ok + used, sizeof(ok) - used, "%s%s",
			    used > 0 ? ", " : "", msg);
	}
	if (unknown > 0) {
		sign_cades__check(s, SIGN_CADES_CHECK_REVOCATION, SIGN_CADES_STATUS_INDETERMINATE,
		    SIGN_CADES_SUB_TRY_LATER, "%s", first_unknown);
		return;
	}
	sign_cades__iso_time(vt, vts, sizeof(vts));
	if (n == 1)
		sign_cades__check(s, SIGN_CADES_CHECK_REVOCATION, SIGN_CADES_STATUS_PASSED,
		    SIGN_CADES_SUB_NONE, "the signer certificate is itself a trust anchor");
	else
		sign_cades__check(s, SIGN_CADES_CHECK_REVOCATION, SIGN_CADES_STATUS_PASSED,
		    SIGN_CADES_SUB_NONE, "%d certificate%s not revoked at %s: %s", n - 1,
		    n == 2 ? "" : "s", vts, ok);
}
