/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Check-in records and Chip Authentication (checkin.h, pa.h): the card
 * struct of version 1 (no CA: the record as before, the AA-only rule) and of
 * version 2 (chip_authentication and dg14 recorded, genuine by
 * sign_pa_genuine_chip), and verification of a record's CA claim - taken as
 * recorded under the facility's signature, but only with a DG14 the SOD
 * confirms, and never "not_supported" beside a DG14 that offers CA.  The
 * card is synthetic (pa_testlib): a CSCA, a Document Signer, EF.SOD over
 * DG1, DG13, DG14 (ECDH P-256, AES-128) and, for the AA card, DG15.
 */
#define _GNU_SOURCE 1
#include "checkin_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "checkin_priv.h"
#include "libsign/cades.h"
#include "libsign/mrtd.h"

#define STAFF_NAME "Trần Thị Bình"
#define STAFF_ID "001085001234"

/* ---- fixtures ------------------------------------------------------------ */

static struct {
	EVP_PKEY *csca_key, *ds_key, *aa_key, *ca_key, *ca_key2;
	X509 *csca, *ds;
	sign_buf com, dg1, dg13, dg14, dg14_other, dg14_ta, dg15;
	sign_buf sod_ca;        /* DG1, DG13, DG14: the DG14-only card */
	sign_buf sod_both;      /* DG1, DG13, DG14, DG15 */
	sign_buf sod_aa;        /* DG1, DG13, DG15: no DG14 */
	sign_buf sod_no14;      /* DG1, DG13: DG14 read but not listed */
	sign_buf sod_ta;        /* DG1, DG13, a DG14 offering no CA */
	sign_buf ch, resp;
} C;

static struct ck_facility F;

/* DG14: 6E { 31 { ChipAuthenticationInfo (id-CA-ECDH-AES-CBC-CMAC-128, v1),
 * ChipAuthenticationPublicKeyInfo (id-PK-ECDH, the key) } }. */
static sign_buf
dg14_of(EVP_PKEY *key)
{
	static const unsigned char ca_info[] = { 0x30, 0x0F, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00,
	    0x07, 0x02, 0x02, 0x03, 0x02, 0x02, 0x02, 0x01, 0x01 };
	static const unsigned char pk_oid[] = { 0x06, 0x09, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02,
	    0x02, 0x01, 0x02 };
	unsigned char *spki = NULL, buf[256];
	size_t k = 0, pk_len, set_len;
	int n = i2d_PUBKEY(key, &spki);
	sign_buf out = SIGN_BUF_INIT;

	assert_true(n > 0 && n < 100);
	pk_len = sizeof(pk_oid) + (size_t)n;
	set_len = sizeof(ca_info) + 2 + pk_len;
	assert_true(set_len + 2 < 0x80);
	buf[k++] = 0x6E;
	buf[k++] = (unsigned char)(set_len + 2);
	buf[k++] = 0x31;
	buf[k++] = (unsigned char)set_len;
	memcpy(buf + k, ca_info, sizeof(ca_info));
	k += sizeof(ca_info);
	buf[k++] = 0x30;
	buf[k++] = (unsigned char)pk_len;
	memcpy(buf + k, pk_oid, sizeof(pk_oid));
	k += sizeof(pk_oid);
	memcpy(buf + k, spki, (size_t)n);
	k += (size_t)n;
	OPENSSL_free(spki);
	assert_int_equal(sign_buf__set(&out, buf, k), 0);
	return out;
}

static sign_buf
sod_over(const int *nums, size_t n)
{
	sign_buf data[4];
	size_t i;

	for (i = 0; i < n; i++)
		data[i] = nums[i] == 1 ? C.dg1 : nums[i] == 13 ? C.dg13 : nums[i] == 15 ? C.dg15 :
		    C.dg14;
	return t_sod(C.ds_key, C.ds, EVP_sha256(), nums, data, n, 0);
}

static int
setup(void **state)
{
	static const unsigned char com[] = { 0x60, 0x05, 0x5C, 0x03, 0x61, 0x6D, 0x6E };
	static const char dg13[] = "\x6D\x0B\x30\x09\x02\x01\x02\x0C\x04Nhung";
	/* TerminalAuthenticationInfo only: no Chip Authentication offered */
	static const unsigned char dg14_ta[] = { 0x6E, 0x11, 0x31, 0x0F, 0x30, 0x0D, 0x06, 0x08,
	    0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x01, 0x01 };
	static const int ca[] = { 1, 13, 14 }, both[] = { 1, 13, 14, 15 }, aa[] = { 1, 13, 15 },
	    no14[] = { 1, 13 };

	(void)state;
	C.csca_key = t_key("EC", "P-256");
	C.ds_key = t_key("EC", "P-256");
	C.aa_key = t_key("RSA", "1024");
	C.ca_key = t_key("EC", "P-256");
	C.ca_key2 = t_key("EC", "P-256");
	C.csca = t_cert(C.csca_key, "VN", "Test CSCA Viet Nam", NULL, C.csca_key, 1, -2000, 4000);
	C.ds = t_cert(C.ds_key, "VN", "Test DS Viet Nam", C.csca, C.csca_key, 0, -10, 3000);
	C.dg1 = t_dg1("VNM");
	C.dg15 = t_dg15(C.aa_key);
	C.dg14 = dg14_of(C.ca_key);
	C.dg14_other = dg14_of(C.ca_key2);
	assert_int_equal(sign_buf__set(&C.dg14_ta, dg14_ta, sizeof(dg14_ta)), 0);
	assert_int_equal(sign_buf__set(&C.com, com, sizeof(com)), 0);
	assert_int_equal(sign_buf__set(&C.dg13, dg13, sizeof(dg13) - 1), 0);
	C.sod_ca = sod_over(ca, 3);
	C.sod_both = sod_over(both, 4);
	C.sod_aa = sod_over(aa, 3);
	C.sod_no14 = sod_over(no14, 2);
	{
		sign_buf data[3] = { C.dg1, C.dg13, C.dg14_ta };

		C.sod_ta = t_sod(C.ds_key, C.ds, EVP_sha256(), ca, data, 3, 0);
	}
	C.ch.data = malloc(8);
	C.ch.len = 8;
	assert_int_equal(RAND_bytes(C.ch.data, 8), 1);
	C.resp = t_aa_sign_rsa(C.aa_key, EVP_sha1(), 0, C.ch.data, 8);

	ck_facility_make(&F, C.csca);
	return 0;
}

static int
teardown(void **state)
{
	sign_buf *b[] = { &C.com, &C.dg1, &C.dg13, &C.dg14, &C.dg14_other, &C.dg14_ta, &C.dg15,
	    &C.sod_ca, &C.sod_both, &C.sod_aa, &C.sod_no14, &C.sod_ta, &C.ch, &C.resp };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		sign_buf_dispose(b[i]);
	EVP_PKEY_free(C.csca_key);
	EVP_PKEY_free(C.ds_key);
	EVP_PKEY_free(C.aa_key);
	EVP_PKEY_free(C.ca_key);
	EVP_PKEY_free(C.ca_key2);
	X509_free(C.csca);
	X509_free(C.ds);
	ck_facility_free(&F);
	return 0;
}

/* ---- building ------------------------------------------------------------ */

/* The layout of sign_checkin_card version 1, as a caller built against the
 * old header has it: it ends before chipauth and dg14. */
struct card_v1 {
	unsigned int version;
	const char *document_number, *issuing_state, *id_number, *full_name, *date_of_birth;
	sign_pa_verdict passive;
	sign_aa_verdict active;
	sign_dg_status dg15;
	const char *reason;
	const unsigned char *aa_challenge;
	size_t aa_challenge_len;
	const unsigned char *aa_response;
	size_t aa_response_len;
	const unsigned char *photo;
	size_t photo_len;
	const char *photo_format;
};

static sign_checkin *
record_new(void)
{
	sign_checkin_context ctx = SIGN_CHECKIN_CONTEXT_INIT;
	sign_checkin *rec = NULL;

	ctx.time = 1773541800;   /* 2026-03-15 09:30:00 +07:00 */
	ctx.facility_code = "01001";
	ctx.staff_name = STAFF_NAME;
	ctx.staff_id = STAFF_ID;
	assert_int_equal(sign_checkin_new(&rec, &ctx), 0);
	return rec;
}

/* The card as the desk reads it: which SOD, DG14 and DG15 (either may be
 * NULL), the AA exchange or not, and the verdicts. */
struct desk_card {
	const sign_buf *sod, *dg14, *dg15;
	int with_aa;
	sign_pa_verdict passive;
	sign_aa_verdict active;
	sign_dg_status dg15_status, dg14_status;
	sign_chipauth_verdict ca;
};

static void
add_files(sign_checkin *rec, const struct desk_card *d)
{
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_SOD, d->sod->data, d->sod->len),
	    0);
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_COM, C.com.data, C.com.len), 0);
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_DG(1), C.dg1.data, C.dg1.len), 0);
	assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_DG(13), C.dg13.data, C.dg13.len),
	    0);
	if (d->dg14 != NULL)
		assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_DG(14), d->dg14->data,
		    d->dg14->len), 0);
	if (d->dg15 != NULL)
		assert_int_equal(sign_checkin_add_file(rec, SIGN_LDS_FID_DG(15), d->dg15->data,
		    d->dg15->len), 0);
}

static sign_checkin *
record_v2(const struct desk_card *d)
{
	sign_checkin *rec = record_new();
	sign_checkin_card k = SIGN_CHECKIN_CARD_INIT;

	k.document_number = "190012345";
	k.issuing_state = "VNM";
	k.id_number = "001190012345";
	k.full_name = "Nguyễn Thị Hồng Nhung";
	k.date_of_birth = "15/03/1990";
	k.passive = d->passive;
	k.active = d->active;
	k.dg15 = d->dg15_status;
	k.chipauth = d->ca;
	k.dg14 = d->dg14_status;
	if (d->with_aa) {
		k.aa_challenge = C.ch.data;
		k.aa_challenge_len = C.ch.len;
		k.aa_response = C.resp.data;
		k.aa_response_len = C.resp.len;
	}
	assert_int_equal(sign_checkin_set_card(rec, &k), 0);
	add_files(rec, d);
	return rec;
}

/* The DG14-only card (ECDH P-256 CA, no DG15), CA passed. */
static const struct desk_card ca_card = { &C.sod_ca, &C.dg14, NULL, 0, SIGN_PA_PASSED,
	SIGN_AA_NOT_SUPPORTED, SIGN_DG_ABSENT, SIGN_DG_MATCH, SIGN_CHIPAUTH_PASSED };

/* Sign b (as the facility) and verify it; the report in *rep. */
static int
verify_signed(const sign_buf *b, sign_checkin_report **rep, int with_csca)
{
	sign_checkin_verify_opts o = SIGN_CHECKIN_VERIFY_OPTS_INIT;
	sign_buf sig = ck_sign_bytes(&F, b);
	int rc;

	o.trust = F.trust;
	o.csca = with_csca ? F.csca : NULL;
	*rep = NULL;
	rc = sign_checkin_verify_mem(rep, b->data, b->len, sig.data, sig.len, &o);
	sign_buf_dispose(&sig);
	return rc;
}

static json_t *
verif(json_t *j)
{
	return json_object_get(json_object_get(j, "card"), "verification");
}

/* ---- tests: the card struct ------------------------------------------------ */

static void
test_set_card_v1(void **state)
{
	struct card_v1 k;
	sign_checkin *rec = record_new();
	sign_buf b;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.version = 1;
	k.passive = SIGN_PA_PASSED;
	k.active = SIGN_AA_PASSED;
	k.dg15 = SIGN_DG_MATCH;
	assert_int_equal(sign_checkin_set_card(rec, (const sign_checkin_card *)&k), 0);
	/* the record as before: the AA-only rule, no CA members */
	assert_string_equal(sign_checkin_get(rec, "card.verification.genuine"), "true");
	assert_string_equal(sign_checkin_get(rec, "identity"), "verified");
	assert_null(sign_checkin_get(rec, "card.verification.chip_authentication"));
	assert_null(sign_checkin_get(rec, "card.verification.dg14"));
	b = ck_canon(rec);
	assert_null(memmem(b.data, b.len, "chip_authentication", 19));
	assert_null(memmem(b.data, b.len, "\"dg14\":\"", 8));
	sign_buf_dispose(&b);
	sign_checkin_free(rec);
	/* a version-1 caller cannot make a DG14-only card genuine */
	rec = record_new();
	k.active = SIGN_AA_NOT_SUPPORTED;
	k.dg15 = SIGN_DG_ABSENT;
	assert_int_equal(sign_checkin_set_card(rec, (const sign_checkin_card *)&k), 0);
	assert_string_equal(sign_checkin_get(rec, "card.verification.genuine"), "false");
	assert_string_equal(sign_checkin_get(rec, "identity"), "unverified");
	/* versions that do not exist */
	k.version = 0;
	assert_int_equal(sign_checkin_set_card(rec, (const sign_checkin_card *)&k),
	    SIGN_ERR_INVALID_ARG);
	k.version = SIGN_CHECKIN_CARD_VERSION + 1;
	assert_int_equal(sign_checkin_set_card(rec, (const sign_checkin_card *)&k),
	    SIGN_ERR_INVALID_ARG);
	sign_checkin_free(rec);
}

static void
test_set_card_v2(void **state)
{
	static const struct {
		sign_chipauth_verdict ca;
		sign_dg_status dg14;
		sign_aa_verdict aa;
		sign_dg_status dg15;
		const char *name, *genuine;
	} t[] = {
		/* CA alone, DG14 confirmed: genuine */
		{ SIGN_CHIPAUTH_PASSED, SIGN_DG_MATCH, SIGN_AA_NOT_SUPPORTED, SIGN_DG_ABSENT,
		  "passed", "true" },
		/* CA with a DG14 the SOD does not confirm proves nothing */
		{ SIGN_CHIPAUTH_PASSED, SIGN_DG_NOT_IN_SOD, SIGN_AA_NOT_SUPPORTED, SIGN_DG_ABSENT,
		  "passed", "false" },
		{ SIGN_CHIPAUTH_PASSED, SIGN_DG_MISMATCH, SIGN_AA_NOT_SUPPORTED, SIGN_DG_ABSENT,
		  "passed", "false" },
		/* a failed CA outweighs a passed AA */
		{ SIGN_CHIPAUTH_FAILED, SIGN_DG_MATCH, SIGN_AA_PASSED, SIGN_DG_MATCH, "failed",
		  "false" },
		/* AA alone, as before */
		{ SIGN_CHIPAUTH_NOT_SUPPORTED, SIGN_DG_ABSENT, SIGN_AA_PASSED, SIGN_DG_MATCH,
		  "not_supported", "true" },
		{ SIGN_CHIPAUTH_NOT_ATTEMPTED, SIGN_DG_MATCH, SIGN_AA_NOT_SUPPORTED, SIGN_DG_ABSENT,
		  "not_attempted", "false" },
	};
	static const char *const dgn[] = { "absent", "match", "mismatch", "not_read",
	    "not_in_sod" };
	sign_checkin_card k = SIGN_CHECKIN_CARD_INIT;
	sign_checkin *rec;
	sign_buf d14 = SIGN_BUF_INIT;
	size_t i;

	(void)state;
	assert_int_equal(k.version, 2);
	assert_int_equal(k.chipauth, SIGN_CHIPAUTH_NOT_ATTEMPTED);
	assert_int_equal(k.dg14, SIGN_DG_ABSENT);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rec = record_new();
		k.passive = SIGN_PA_PASSED;
		k.active = t[i].aa;
		k.dg15 = t[i].dg15;
		k.chipauth = t[i].ca;
		k.dg14 = t[i].dg14;
		assert_int_equal(sign_checkin_set_card(rec, &k), 0);
		assert_string_equal(sign_checkin_get(rec, "card.verification.chip_authentication"),
		    t[i].name);
		assert_string_equal(sign_checkin_get(rec, "card.verification.dg14"),
		    dgn[t[i].dg14]);
		if (strcmp(sign_checkin_get(rec, "card.verification.genuine"), t[i].genuine) != 0)
			fail_msg("case %zu: genuine %s", i,
			    sign_checkin_get(rec, "card.verification.genuine"));
		assert_string_equal(sign_checkin_get(rec, "identity"),
		    strcmp(t[i].genuine, "true") == 0 ? "verified" : "unverified");
		sign_checkin_free(rec);
	}
	/* PA not passed: no chip proof makes it genuine */
	rec = record_new();
	k.passive = SIGN_PA_INDETERMINATE;
	k.chipauth = SIGN_CHIPAUTH_PASSED;
	k.dg14 = SIGN_DG_MATCH;
	assert_int_equal(sign_checkin_set_card(rec, &k), 0);
	assert_string_equal(sign_checkin_get(rec, "card.verification.genuine"), "false");
	/* unknown verdicts are refused */
	k.chipauth = (sign_chipauth_verdict)7;
	assert_int_equal(sign_checkin_set_card(rec, &k), SIGN_ERR_INVALID_ARG);
	k.chipauth = SIGN_CHIPAUTH_PASSED;
	k.dg14 = (sign_dg_status)9;
	assert_int_equal(sign_checkin_set_card(rec, &k), SIGN_ERR_INVALID_ARG);
	sign_checkin_free(rec);
	/* DG14 is embedded whole, and listed as read */
	rec = record_v2(&ca_card);
	assert_int_equal(sign_checkin__b64_decode(&d14, sign_checkin_get(rec, "card.dg14"),
	    strlen(sign_checkin_get(rec, "card.dg14"))), 0);
	assert_int_equal(d14.len, C.dg14.len);
	assert_memory_equal(d14.data, C.dg14.data, C.dg14.len);
	assert_non_null(sign_checkin_get(rec, "card.files.DG14.sha256"));
	assert_string_equal(sign_checkin_get(rec, "card.verification.genuine"), "true");
	sign_buf_dispose(&d14);
	sign_checkin_free(rec);
}

/* ---- tests: verification ---------------------------------------------------- */

static void
test_verify_ca_card(void **state)
{
	sign_checkin *rec = record_v2(&ca_card);
	sign_buf b = ck_canon(rec);
	sign_checkin_report *rep = NULL;
	const char *d;

	(void)state;
	assert_int_equal(verify_signed(&b, &rep, 1), 0);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_PASSIVE, NULL), SIGN_CADES_STATUS_PASSED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_ACTIVE, NULL), SIGN_CADES_STATUS_SKIPPED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_GENUINE, &d), SIGN_CADES_STATUS_PASSED);
	assert_non_null(strstr(d, "genuine = true (identity verified); Chip Authentication passed, "
	    "taken as recorded (signed by the facility"));
	assert_non_null(strstr(d, "DG14 match"));
	sign_checkin_report_free(rep);
	/* no CSCA here: PA cannot be re-checked, nor genuine */
	assert_int_equal(verify_signed(&b, &rep, 0), SIGN_ERR_UNTRUSTED);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_GENUINE, NULL),
	    SIGN_CADES_STATUS_INDETERMINATE);
	sign_checkin_report_free(rep);
	sign_buf_dispose(&b);
	sign_checkin_free(rec);
}

static void
drop_dg14_both(json_t *j)
{
	json_object_set_new(json_object_get(j, "card"), "dg14", json_null());
	json_object_del(json_object_get(json_object_get(j, "card"), "files"), "DG14");
}

static void
drop_dg14_embedded(json_t *j)
{
	json_object_set_new(json_object_get(j, "card"), "dg14", json_null());
}

/* another chip key's DG14, recorded as read (size and SHA-256 of it) */
static void
other_dg14(json_t *j)
{
	json_t *card = json_object_get(j, "card");
	json_t *f = json_object_get(json_object_get(card, "files"), "DG14");
	char *s = NULL, h[65];

	assert_int_equal(sign_checkin__b64_encode(&s, C.dg14_other.data, C.dg14_other.len), 0);
	json_object_set_new(card, "dg14", json_string(s));
	free(s);
	assert_int_equal(sign_checkin__sha256_hex(h, C.dg14_other.data, C.dg14_other.len), 0);
	json_object_set_new(f, "sha256", json_string(h));
	json_object_set_new(f, "size", json_integer((json_int_t)C.dg14_other.len));
}

static void
unverify(json_t *j)
{
	json_object_set_new(verif(j), "genuine", json_false());
	json_object_set_new(j, "identity", json_string("unverified"));
}

static void
ca_not_supported(json_t *j)
{
	json_object_set_new(verif(j), "chip_authentication", json_string("not_supported"));
	unverify(j);
}

static void
ca_failed(json_t *j)
{
	json_object_set_new(verif(j), "chip_authentication", json_string("failed"));
	unverify(j);
}

static void
ca_failed_no_dg14(json_t *j)
{
	ca_failed(j);
	drop_dg14_both(j);
}

static void
old_format(json_t *j)
{
	json_object_del(verif(j), "chip_authentication");
	json_object_del(verif(j), "dg14");
}

static void
half_old(json_t *j)
{
	json_object_del(verif(j), "chip_authentication");
}

static void
ca_unknown_name(json_t *j)
{
	json_object_set_new(verif(j), "chip_authentication", json_string("maybe"));
}

static void
dg14_status_lies(json_t *j)
{
	json_object_set_new(verif(j), "dg14", json_string("match"));
}

static const struct ca_edit {
	const char *name;
	void (*edit)(json_t *);
	int rc;                     /* of the re-signed record */
	sign_checkin_check failing; /* when rc is SIGN_ERR_VERIFY */
	const char *detail;         /* in its detail */
} ca_edits[] = {
	{ "DG14 removed", drop_dg14_both, SIGN_ERR_VERIFY, SIGN_CHECKIN_CHECK_GENUINE,
	  "recorded passed, but the record holds no DG14 confirmed by the SOD (DG14 absent)" },
	{ "embedded DG14 removed", drop_dg14_embedded, SIGN_ERR_VERIFY,
	  SIGN_CHECKIN_CHECK_GENUINE, "recorded passed, but the record holds no DG14 confirmed" },
	{ "DG14 of another key", other_dg14, SIGN_ERR_VERIFY, SIGN_CHECKIN_CHECK_GENUINE,
	  "no DG14 confirmed by the SOD (DG14 re-checked mismatch)" },
	{ "DG14 of another key (PA)", other_dg14, SIGN_ERR_VERIFY, SIGN_CHECKIN_CHECK_PASSIVE,
	  "DG14" },
	{ "not_supported beside a DG14 offering CA", ca_not_supported, SIGN_ERR_VERIFY,
	  SIGN_CHECKIN_CHECK_GENUINE, "recorded not_supported, but the record's DG14 offers it "
	  "(id-CA-ECDH-AES-CBC-CMAC-128)" },
	{ "failed without a DG14", ca_failed_no_dg14, SIGN_ERR_VERIFY, SIGN_CHECKIN_CHECK_GENUINE,
	  "recorded failed, but the record holds no DG14" },
	/* without the CA verdict the record is judged by the AA-only rule */
	{ "CA verdict removed", old_format, SIGN_ERR_VERIFY, SIGN_CHECKIN_CHECK_GENUINE,
	  "recorded genuine = true, but the evidence gives false" },
	{ "half the CA members", half_old, SIGN_ERR_MALFORMED, 0, NULL },
	{ "unknown CA verdict", ca_unknown_name, SIGN_ERR_MALFORMED, 0, NULL },
	/* a consistent record: a failed CA, not genuine */
	{ "CA failed", ca_failed, 0, 0, NULL },
};

static void
test_verify_ca_edits(void **state)
{
	sign_checkin *rec = record_v2(&ca_card);
	sign_buf b = ck_canon(rec);
	sign_checkin_report *rep = NULL;
	const char *d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ca_edits) / sizeof(ca_edits[0]); i++) {
		const struct ca_edit *c = &ca_edits[i];
		sign_buf x = ck_edited(&b, c->edit);
		int rc = verify_signed(&x, &rep, 1);

		if (rc != c->rc)
			fail_msg("%s: %d, not %d (%s)", c->name, rc, c->rc, sign_error_message());
		if (c->rc == SIGN_ERR_MALFORMED) {
			assert_null(rep);
			assert_non_null(strstr(sign_error_message(), "does not follow schema 1"));
		} else {
			assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_SIGNATURE, NULL),
			    SIGN_CADES_STATUS_PASSED);
		}
		if (c->rc == SIGN_ERR_VERIFY) {
			if (ck_status(rep, c->failing, &d) != SIGN_CADES_STATUS_FAILED ||
			    strstr(d, c->detail) == NULL)
				fail_msg("%s: %s did not fail with '%s': %s", c->name,
				    sign_checkin_check_str(c->failing), c->detail, d);
		}
		sign_checkin_report_free(rep);
		rep = NULL;
		sign_buf_dispose(&x);
	}
	sign_buf_dispose(&b);
	sign_checkin_free(rec);
}

/* Honest records of other cards verify. */
static void
test_verify_ca_variants(void **state)
{
	static const struct desk_card cards[] = {
		/* AA and CA both passed */
		{ &C.sod_both, &C.dg14, &C.dg15, 1, SIGN_PA_PASSED, SIGN_AA_PASSED, SIGN_DG_MATCH,
		  SIGN_DG_MATCH, SIGN_CHIPAUTH_PASSED },
		/* the chip refused AA (no exchange), CA passed: not genuine (AA failed) */
		{ &C.sod_both, &C.dg14, &C.dg15, 0, SIGN_PA_PASSED, SIGN_AA_FAILED, SIGN_DG_MATCH,
		  SIGN_DG_MATCH, SIGN_CHIPAUTH_PASSED },
		/* an AA card without DG14 */
		{ &C.sod_aa, NULL, &C.dg15, 1, SIGN_PA_PASSED, SIGN_AA_PASSED, SIGN_DG_MATCH,
		  SIGN_DG_ABSENT, SIGN_CHIPAUTH_NOT_SUPPORTED },
		/* a DG14 offering no CA */
		{ &C.sod_ta, &C.dg14_ta, NULL, 0, SIGN_PA_PASSED, SIGN_AA_NOT_SUPPORTED,
		  SIGN_DG_ABSENT, SIGN_DG_MATCH, SIGN_CHIPAUTH_NOT_SUPPORTED },
		/* CA not attempted (a DH key over short APDUs) */
		{ &C.sod_ca, &C.dg14, NULL, 0, SIGN_PA_PASSED, SIGN_AA_NOT_SUPPORTED, SIGN_DG_ABSENT,
		  SIGN_DG_MATCH, SIGN_CHIPAUTH_NOT_ATTEMPTED },
		/* CA passed with a DG14 the SOD does not list, recorded as such: it counts
		 * for nothing (PA indeterminate, not genuine) */
		{ &C.sod_no14, &C.dg14, NULL, 0, SIGN_PA_INDETERMINATE, SIGN_AA_NOT_SUPPORTED,
		  SIGN_DG_ABSENT, SIGN_DG_NOT_IN_SOD, SIGN_CHIPAUTH_PASSED },
	};
	static const char *const genuine[] = { "true", "false", "true", "false", "false",
	    "false" };
	sign_checkin_report *rep = NULL;
	const char *d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cards) / sizeof(cards[0]); i++) {
		sign_checkin *rec = record_v2(&cards[i]);
		sign_buf b = ck_canon(rec);
		int rc;

		assert_string_equal(sign_checkin_get(rec, "card.verification.genuine"), genuine[i]);
		rc = verify_signed(&b, &rep, 1);
		if (rc != 0 || ck_status(rep, SIGN_CHECKIN_CHECK_GENUINE, &d) !=
		    SIGN_CADES_STATUS_PASSED)
			fail_msg("card %zu: %d, genuine: %s", i, rc, rep != NULL ?
			    (ck_status(rep, SIGN_CHECKIN_CHECK_GENUINE, &d), d) : sign_error_message());
		sign_checkin_report_free(rep);
		rep = NULL;
		sign_buf_dispose(&b);
		sign_checkin_free(rec);
	}
	/* ...but the last one claiming its DG14 matched is caught */
	{
		sign_checkin *rec = record_v2(&cards[5]);
		sign_buf b = ck_canon(rec), x = ck_edited(&b, dg14_status_lies);

		assert_int_equal(verify_signed(&x, &rep, 1), SIGN_ERR_VERIFY);
		assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_GENUINE, &d),
		    SIGN_CADES_STATUS_FAILED);
		assert_non_null(strstr(d, "no DG14 confirmed by the SOD (DG14 re-checked "
		    "not_in_sod)"));
		sign_checkin_report_free(rep);
		sign_buf_dispose(&x);
		sign_buf_dispose(&b);
		sign_checkin_free(rec);
	}
}

/* A record made by a version-1 caller (as every record before CA was
 * recorded) verifies as before: same checks, same details. */
static void
test_verify_old_format(void **state)
{
	struct card_v1 k;
	sign_checkin *rec = record_new();
	static const struct desk_card aa = { &C.sod_both, &C.dg14, &C.dg15, 1, SIGN_PA_PASSED,
	    SIGN_AA_PASSED, SIGN_DG_MATCH, SIGN_DG_MATCH, SIGN_CHIPAUTH_PASSED };
	sign_checkin_report *rep = NULL;
	sign_buf b;
	const char *d;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.version = 1;
	k.document_number = "190012345";
	k.passive = SIGN_PA_PASSED;
	k.active = SIGN_AA_PASSED;
	k.dg15 = SIGN_DG_MATCH;
	k.aa_challenge = C.ch.data;
	k.aa_challenge_len = C.ch.len;
	k.aa_response = C.resp.data;
	k.aa_response_len = C.resp.len;
	assert_int_equal(sign_checkin_set_card(rec, (const sign_checkin_card *)&k), 0);
	add_files(rec, &aa);
	b = ck_canon(rec);
	assert_null(memmem(b.data, b.len, "chip_authentication", 19));
	assert_int_equal(verify_signed(&b, &rep, 1), 0);
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_GENUINE, &d), SIGN_CADES_STATUS_PASSED);
	assert_string_equal(d, "genuine = true (identity verified)");
	assert_int_equal(ck_status(rep, SIGN_CHECKIN_CHECK_ACTIVE, NULL), SIGN_CADES_STATUS_PASSED);
	sign_checkin_report_free(rep);
	sign_buf_dispose(&b);
	sign_checkin_free(rec);
}

/* sign_checkin_report_chipauth: the verdict as recorded, DG14 as re-checked,
 * and whether the claim stands - for a CA card, an AA-only card, a record
 * from before CA was recorded, and records whose CA claim is rejected. */
static void
test_report_chipauth(void **state)
{
	static const struct desk_card aa_only = { &C.sod_aa, NULL, &C.dg15, 1, SIGN_PA_PASSED,
	    SIGN_AA_PASSED, SIGN_DG_MATCH, SIGN_DG_ABSENT, SIGN_CHIPAUTH_NOT_SUPPORTED };
	static const struct desk_card no14 = { &C.sod_no14, &C.dg14, NULL, 0,
	    SIGN_PA_INDETERMINATE, SIGN_AA_NOT_SUPPORTED, SIGN_DG_ABSENT, SIGN_DG_NOT_IN_SOD,
	    SIGN_CHIPAUTH_PASSED };
	static const struct {
		const char *name;
		const struct desk_card *card;
		void (*edit)(json_t *);
		sign_chipauth_verdict v;
		int recorded;
		sign_dg_status dg14;
		int consistent;
	} t[] = {
		{ "CA card", &ca_card, NULL, SIGN_CHIPAUTH_PASSED, 1, SIGN_DG_MATCH, 1 },
		{ "AA-only card", &aa_only, NULL, SIGN_CHIPAUTH_NOT_SUPPORTED, 1, SIGN_DG_ABSENT, 1 },
		{ "record from before CA", &ca_card, old_format, SIGN_CHIPAUTH_NOT_ATTEMPTED, 0,
		  SIGN_DG_MATCH, 1 },
		{ "CA failed (consistent)", &ca_card, ca_failed, SIGN_CHIPAUTH_FAILED, 1,
		  SIGN_DG_MATCH, 1 },
		{ "DG14 not in the SOD, said so", &no14, NULL, SIGN_CHIPAUTH_PASSED, 1,
		  SIGN_DG_NOT_IN_SOD, 1 },
		{ "DG14 removed", &ca_card, drop_dg14_both, SIGN_CHIPAUTH_PASSED, 1, SIGN_DG_NOT_READ,
		  0 },
		{ "DG14 of another key", &ca_card, other_dg14, SIGN_CHIPAUTH_PASSED, 1,
		  SIGN_DG_MISMATCH, 0 },
		{ "DG14 not in the SOD, said match", &no14, dg14_status_lies, SIGN_CHIPAUTH_PASSED,
		  1, SIGN_DG_NOT_IN_SOD, 0 },
		{ "not_supported beside a DG14 offering CA", &ca_card, ca_not_supported,
		  SIGN_CHIPAUTH_NOT_SUPPORTED, 1, SIGN_DG_MATCH, 0 },
		{ "failed without a DG14", &ca_card, ca_failed_no_dg14, SIGN_CHIPAUTH_FAILED, 1,
		  SIGN_DG_NOT_READ, 0 },
	};
	sign_checkin_report *rep = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sign_checkin *rec = record_v2(t[i].card);
		sign_buf b = ck_canon(rec), x = SIGN_BUF_INIT;
		sign_chipauth_verdict v = (sign_chipauth_verdict)99;
		sign_dg_status d14 = (sign_dg_status)99;
		int recorded = -1, consistent = -1;

		if (t[i].edit != NULL)
			x = ck_edited(&b, t[i].edit);
		(void)verify_signed(t[i].edit != NULL ? &x : &b, &rep, 1);
		if (rep == NULL)
			fail_msg("%s: no report: %s", t[i].name, sign_error_message());
		assert_int_equal(sign_checkin_report_chipauth(rep, &v, &recorded, &d14,
		    &consistent), 0);
		if (v != t[i].v || recorded != t[i].recorded || d14 != t[i].dg14 ||
		    consistent != t[i].consistent)
			fail_msg("%s: verdict %d recorded %d dg14 %d consistent %d", t[i].name, v,
			    recorded, d14, consistent);
		/* a rejected claim is what fails the genuine check */
		if (!consistent && ck_status(rep, SIGN_CHECKIN_CHECK_GENUINE, NULL) !=
		    SIGN_CADES_STATUS_FAILED)
			fail_msg("%s: rejected, but genuine did not fail", t[i].name);
		assert_int_equal(sign_checkin_report_chipauth(rep, NULL, NULL, NULL, NULL), 0);
		sign_checkin_report_free(rep);
		rep = NULL;
		sign_buf_dispose(&x);
		sign_buf_dispose(&b);
		sign_checkin_free(rec);
	}
	assert_int_equal(sign_checkin_report_chipauth(NULL, NULL, NULL, NULL, NULL),
	    SIGN_ERR_INVALID_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_card_v1),
		cmocka_unit_test(test_set_card_v2),
		cmocka_unit_test(test_verify_ca_card),
		cmocka_unit_test(test_verify_ca_edits),
		cmocka_unit_test(test_verify_ca_variants),
		cmocka_unit_test(test_verify_old_format),
		cmocka_unit_test(test_report_chipauth),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
