/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The signature time-stamp of a SignerInfo (CAdES-T: the unsigned attribute
 * id-aa-signatureTimeStampToken, an RFC 3161 token over the signature
 * value).  Verified with OpenSSL's TS code: the token's signature, the TSA
 * certificate (extended key usage timeStamping) chaining to a trust anchor
 * at the validation time, and the message imprint against the signature
 * value.  A verified time-stamp is the signature's proof of existence: its
 * certificates are then judged at the time-stamp's time (EN 319 102-1, the
 * best signature time).  One that does not verify is not used, as EN 319
 * 102-1 has it, and the report says why.  Its accuracy is returned too: a
 * signing-time attribute later than the time-stamp beyond it (and a minute)
 * is a false claim, which cades_verify.c reports.
 */
#include "cades_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>

static const unsigned char OID_TST[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10,
	0x02, 0x0e };   /* 1.2.840.113549.1.9.16.2.14 */

/* The first signature time-stamp token of the unsigned attributes; 1 found,
 * 0 none, -1 malformed (several values, or not a SET). */
static int
find_token(const struct tlv *ua, struct tlv *out)
{
	struct cur c = ber_inner(ua), a, vals;
	struct tlv attr, oid, set;

	while (c.len > 0) {
		if (ber_expect(&c, 0x30, &attr) != 0)
			return -1;
		a = ber_inner(&attr);
		if (ber_expect(&a, 0x06, &oid) != 0 || ber_expect(&a, 0x31, &set) != 0)
			return -1;
		if (oid.len != sizeof(OID_TST) || memcmp(oid.val, OID_TST, sizeof(OID_TST)) != 0)
			continue;
		vals = ber_inner(&set);
		if (ber_next(&vals, out) != 0 || out->tag != 0x30 || vals.len != 0)
			return -1;
		return 1;
	}
	return 0;
}

static void
openssl_why(char *buf, size_t cap, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, cap, "%s%s%s", what, r != NULL ? ": " : "", r != NULL ? r : "");
	ERR_clear_error();
}

/* The token's accuracy in whole seconds, rounded up; 0 when it has none.
 * Bounded: a token claiming more than a day is taken as a day. */
static time_t
tst_accuracy(const TS_TST_INFO *tst)
{
	const TS_ACCURACY *acc = TS_TST_INFO_get_accuracy((TS_TST_INFO *)tst);
	long sec, ms, us;

	if (acc == NULL)
		return 0;
	sec = TS_ACCURACY_get_seconds(acc) != NULL ? ASN1_INTEGER_get(TS_ACCURACY_get_seconds(acc)) : 0;
	ms = TS_ACCURACY_get_millis(acc) != NULL ? ASN1_INTEGER_get(TS_ACCURACY_get_millis(acc)) : 0;
	us = TS_ACCURACY_get_micros(acc) != NULL ? ASN1_INTEGER_get(TS_ACCURACY_get_micros(acc)) : 0;
	ERR_clear_error();
	if (sec < 0 || ms < 0 || us < 0 || sec > 86400)
		return 86400;
	return (time_t)sec + (ms > 0 || us > 0 ? 1 : 0);
}

int
sign_cades__verify_tst(const struct tlv *uattrs, const unsigned char *sigval, size_t siglen,
    const sign_trust *trust, STACK_OF(X509) *certs, STACK_OF(X509) *extra, time_t vt,
    time_t *gen_time, time_t *accuracy, char *msg, size_t cap)
{
	struct tlv tok;
	const unsigned char *p;
	PKCS7 *p7 = NULL;
	TS_TST_INFO *tst = NULL;
	TS_VERIFY_CTX *ctx = NULL;
	X509_STORE *store = NULL;
	STACK_OF(X509) *anchors = sign_trust__anchors(trust), *untrusted = NULL, *signers;
	BIO *data = NULL;
	struct tm tm;
	char *tsa = NULL, when[32];
	int i, k, rc = -1;

	switch (find_token(uattrs, &tok)) {
	case 0:
		return 0;
	case 1:
		break;
	default:
		snprintf(msg, cap, "a malformed signature time-stamp attribute");
		return -1;
	}
	p = tok.raw;
	p7 = d2i_PKCS7(NULL, &p, (long)tok.raw_len);
	if (p7 == NULL || p != tok.raw + tok.raw_len ||
	    (tst = PKCS7_to_TS_TST_INFO(p7)) == NULL) {
		openssl_why(msg, cap, "the signature time-stamp cannot be read");
		goto out;
	}
	if (!ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst), &tm)) {
		snprintf(msg, cap, "the signature time-stamp has no valid time");
		goto out;
	}
	*gen_time = timegm(&tm);
	*accuracy = tst_accuracy(tst);
	sign_cades__iso_time(*gen_time, when, sizeof(when));
	store = X509_STORE_new();
	untrusted = sk_X509_new_null();
	data = BIO_new_mem_buf(sigval, (int)siglen);
	ctx = TS_VERIFY_CTX_new();
	if (store == NULL || untrusted == NULL || data == NULL || ctx == NULL) {
		snprintf(msg, cap, "out of memory");
		goto out;
	}
	for (i = 0; anchors != NULL && i < sk_X509_num(anchors); i++)
		X509_STORE_add_cert(store, sk_X509_value(anchors, i));
	/* every anchor is one, CA certificates included (as for signatures) */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), vt);
	for (k = 0; k < 2; k++) {
		STACK_OF(X509) *set = k == 0 ? certs : extra;

		for (i = 0; set != NULL && i < sk_X509_num(set); i++) {
			if (!sk_X509_push(untrusted, sk_X509_value(set, i))) {
				snprintf(msg, cap, "out of memory");
				goto out;
			}
			X509_up_ref(sk_X509_value(set, i));
		}
	}
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNER | TS_VFY_SIGNATURE |
	    TS_VFY_DATA);
	TS_VERIFY_CTX_set_data(ctx, data);
	data = NULL;
	TS_VERIFY_CTX_set_store(ctx, store);
	store = NULL;
	TS_VERIFY_CTX_set_certs(ctx, untrusted);
	untrusted = NULL;
	if (TS_RESP_verify_token(ctx, p7) != 1) {
		char why[200];

		openssl_why(why, sizeof(why), "it does not verify");
		snprintf(msg, cap, "a signature time-stamp of %s is present, but %s; it is not "
		    "used as a proof of time", when, why);
		goto out;
	}
	/* the TSA certificate in force when it stamped */
	signers = PKCS7_get0_signers(p7, certs, 0);
	if (signers == NULL || sk_X509_num(signers) != 1) {
		sk_X509_free(signers);
		snprintf(msg, cap, "a signature time-stamp of %s is present, but its TSA "
		    "certificate is not in it; it is not used as a proof of time", when);
		goto out;
	}
	tsa = sign_cades__cert_name(sk_X509_value(signers, 0));
	if (X509_cmp_time(X509_get0_notBefore(sk_X509_value(signers, 0)), gen_time) > 0 ||
	    X509_cmp_time(X509_get0_notAfter(sk_X509_value(signers, 0)), gen_time) < 0) {
		sk_X509_free(signers);
		snprintf(msg, cap, "a signature time-stamp of %s by \"%s\" is present, but the "
		    "TSA certificate was not valid at the time-stamp's time; it is not used as "
		    "a proof of time", when, tsa != NULL ? tsa : "?");
		goto out;
	}
	sk_X509_free(signers);
	snprintf(msg, cap, "time-stamped at %s by \"%s\" (RFC 3161; the imprint of the "
	    "signature value matches, the TSA certificate chains to a trust anchor)", when,
	    tsa != NULL ? tsa : "?");
	rc = 1;
out:
	ERR_clear_error();
	free(tsa);
	TS_VERIFY_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(untrusted, X509_free);
	BIO_free(data);
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	return rc;
}
