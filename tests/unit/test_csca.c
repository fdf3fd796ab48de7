/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CSCA trust store: certificate files and directories, the default
 * directory, ICAO CSCA master lists (verified against the anchor before
 * anything is trusted; wrong anchors and tampered lists refused), and the
 * DS -> [link] -> CSCA path check with a synthetic PKI.
 */
#include "pa_testlib.h"
#include "pa_priv.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static sign_csca_store *
store_new(void)
{
	sign_csca_store *s = NULL;

	assert_int_equal(sign_csca_store_new(&s), 0);
	assert_int_equal(sign_csca_store_count(s), 0);
	return s;
}

static void
test_files_and_dedup(void **state)
{
	sign_csca_store *s = store_new();
	sign_buf at = t_fixture("realworld_sod/AT_CSCA_0.der");
	sign_buf pem = t_fixture("masterlist/test_ml_signer.pem");
	sign_buf junk = t_fixture("realworld_sod/AT_EF_SOD.bin");

	(void)state;
	assert_int_equal(sign_csca_store_add_file(s, t_fixture_path("realworld_sod/AT_CSCA_0.der")), 0);
	assert_int_equal(sign_csca_store_count(s), 1);
	/* the same certificate again, as bytes: stored once */
	assert_int_equal(sign_csca_store_add_cert(s, at.data, at.len), 0);
	assert_int_equal(sign_csca_store_count(s), 1);
	assert_int_equal(sign_csca_store_add_file(s, t_fixture_path("realworld_sod/AT_CSCA_1.der")), 0);
	assert_int_equal(sign_csca_store_count(s), 2);
	/* PEM */
	assert_int_equal(sign_csca_store_add_cert(s, pem.data, pem.len), 0);
	assert_int_equal(sign_csca_store_count(s), 3);
	/* not a certificate; missing file */
	assert_int_equal(sign_csca_store_add_cert(s, junk.data, junk.len), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_csca_store_add_cert(s, (const unsigned char *)"hello", 5),
	    SIGN_ERR_MALFORMED);
	assert_int_equal(sign_csca_store_add_file(s, t_fixture_path("no/such.der")),
	    SIGN_ERR_NOT_FOUND);
	assert_non_null(strstr(sign_error_message(), "no/such.der"));
	assert_int_equal(sign_csca_store_count(s), 3);
	assert_int_equal(sign_csca_store_add_file(NULL, "x"), SIGN_ERR_INVALID_ARG);
	sign_csca_store_free(s);
	sign_csca_store_free(NULL);
	sign_buf_dispose(&at);
	sign_buf_dispose(&pem);
	sign_buf_dispose(&junk);
}

/* What a file given as a certificate or a master list holds, when it is
 * not one: the message names the file and says it in words, from the bytes
 * read (the tool adds the option and the fix). */
static void
test_not_a_certificate(void **state)
{
	static const struct {
		const char *name, *data;
		size_t len;
		const char *msg;
	} cases[] = {
		{ "text.pem", "not a certificate\n", 18, "is not a certificate (it is text, "
		  "neither PEM nor DER)" },
		{ "key.pem", "-----BEGIN PRIVATE KEY-----\nMC4CAQA=\n-----END PRIVATE KEY-----\n",
		  63, "is not a certificate (it holds a PEM PRIVATE KEY, and no PEM CERTIFICATE)" },
		{ "empty.der", "", 0, "is not a certificate (the file is empty)" },
		{ "cut.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", 59,
		  "is not a certificate (its PEM certificate does not decode: cut short or "
		  "damaged" },
		{ "cut.der", "\x30\x82\x01\x00\x30", 5, "is not a certificate (DER data that is "
		  "not a whole certificate: cut short, or another structure" },
		{ "bin.der", "\x01\x02\x00\x03", 4, "is not a certificate (neither PEM nor DER "
		  "data)" },
	};
	sign_csca_store *s = store_new();
	char *dir = t_tmpdir(), path[1024], sub[512];
	const char *ml = t_fixture_path("masterlist/test_ml_signer.pem");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t_write(dir, cases[i].name, cases[i].data, cases[i].len);
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].name);
		assert_int_equal(sign_csca_store_add_file(s, path), SIGN_ERR_MALFORMED);
		assert_int_equal(strncmp(sign_error_message(), path, strlen(path)), 0);
		assert_non_null(strstr(sign_error_message(), cases[i].msg));
	}
	/* in a directory: the file that is not one is named */
	snprintf(sub, sizeof(sub), "%s/d", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	t_write(sub, "b.pem", cases[1].data, cases[1].len);
	assert_int_equal(sign_csca_store_add_dir(s, sub), SIGN_ERR_MALFORMED);
	snprintf(path, sizeof(path), "%s/b.pem is not a certificate (it holds a PEM PRIVATE KEY",
	    sub);
	assert_non_null(strstr(sign_error_message(), path));
	/* a master list's anchor that is not a certificate: the anchor named */
	snprintf(path, sizeof(path), "%s/text.pem", dir);
	assert_int_equal(sign_csca_store_add_masterlist_file(s, ml, path), SIGN_ERR_MALFORMED);
	assert_int_equal(strncmp(sign_error_message(), path, strlen(path)), 0);
	assert_non_null(strstr(sign_error_message(), "is not a certificate (it is text"));
	/* a master list that is not one (PEM, text): the list named */
	assert_int_equal(sign_csca_store_add_masterlist_file(s, ml, ml), SIGN_ERR_MALFORMED);
	assert_int_equal(strncmp(sign_error_message(), ml, strlen(ml)), 0);
	assert_non_null(strstr(sign_error_message(), "is not an ICAO master list (it holds a "
	    "PEM CERTIFICATE; master lists are DER)"));
	assert_int_equal(sign_csca_store_add_masterlist_file(s, path, ml), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "is not an ICAO master list (it is text; "
	    "master lists are DER)"));
	assert_int_equal(sign_csca_store_count(s), 0);
	sign_csca_store_free(s);
	t_rmdir(dir);
}

static void
test_dir_and_default(void **state)
{
	char *dir = t_tmpdir();
	sign_csca_store *s = store_new();
	sign_buf a = t_fixture("realworld_sod/FR_CSCA_0.der");
	sign_buf b = t_fixture("realworld_sod/UK_CSCA_0.der");
	sign_buf pem = t_fixture("masterlist/test_ml_signer.pem");
	char *old = getenv("KYSO_CSCA_DIR") ? strdup(getenv("KYSO_CSCA_DIR")) : NULL;

	(void)state;
	t_write(dir, "fr.der", a.data, a.len);
	t_write(dir, "UK.CER", b.data, b.len);
	t_write(dir, "signer.pem", pem.data, pem.len);
	t_write(dir, "README", "not a certificate", 17);     /* ignored: not a cert name */
	t_write(dir, ".hidden.der", "junk", 4);               /* ignored: hidden */
	assert_int_equal(sign_csca_store_add_dir(s, dir), 0);
	assert_int_equal(sign_csca_store_count(s), 3);

	/* KYSO_CSCA_DIR overrides the default directory. */
	setenv("KYSO_CSCA_DIR", dir, 1);
	assert_string_equal(sign_csca_store_default_dir(), dir);
	sign_csca_store_free(s);
	s = store_new();
	assert_int_equal(sign_csca_store_add_default(s), 0);
	assert_int_equal(sign_csca_store_count(s), 3);

	/* A bad certificate file fails the whole directory, naming the file. */
	t_write(dir, "broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n", 33);
	sign_csca_store_free(s);
	s = store_new();
	assert_int_equal(sign_csca_store_add_dir(s, dir), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "broken.pem"));
	assert_int_equal(sign_csca_store_count(s), 0);

	/* A missing default directory is an empty store, a missing named one an error. */
	setenv("KYSO_CSCA_DIR", "/nonexistent/kyso-csca", 1);
	assert_int_equal(sign_csca_store_add_default(s), 0);
	assert_int_equal(sign_csca_store_count(s), 0);
	assert_int_equal(sign_csca_store_add_dir(s, "/nonexistent/kyso-csca"), SIGN_ERR_NOT_FOUND);
	unsetenv("KYSO_CSCA_DIR");
	assert_non_null(strstr(sign_csca_store_default_dir(), "/csca"));
	if (old != NULL) {
		setenv("KYSO_CSCA_DIR", old, 1);
		free(old);
	}
	sign_csca_store_free(s);
	sign_buf_dispose(&a);
	sign_buf_dispose(&b);
	sign_buf_dispose(&pem);
	t_rmdir(dir);
}

/* The synthetic master list: both the ML signer and the CSCA that issued it
 * are valid anchors; the list holds the test CSCA and the AT, MY, NZ, FR and
 * UK CSCAs. */
static void
test_masterlist_ok(void **state)
{
	static const char *const anchors[] = { "masterlist/test_csca.der",
	    "masterlist/test_ml_signer.pem" };
	static const char *const cscas[] = { "realworld_sod/AT_CSCA_0.der",
	    "realworld_sod/MY_CSCA_0.der", "realworld_sod/NZ_CSCA_0.der",
	    "realworld_sod/FR_CSCA_0.der", "realworld_sod/UK_CSCA_0.der",
	    "masterlist/test_csca.der" };
	size_t i, j;

	(void)state;
	for (i = 0; i < 2; i++) {
		sign_csca_store *s = store_new();

		if (sign_csca_store_add_masterlist_file(s, t_fixture_path("masterlist/synthetic_test_ml.ml"),
		    t_fixture_path(anchors[i])) != 0)
			fail_msg("%s: %s", anchors[i], sign_error_message());
		assert_int_equal(sign_csca_store_count(s), 6);
		/* each listed CSCA is now in the store (adding it again adds nothing) */
		for (j = 0; j < 6; j++) {
			sign_buf c = t_fixture(cscas[j]);

			assert_int_equal(sign_csca_store_add_cert(s, c.data, c.len), 0);
			sign_buf_dispose(&c);
		}
		assert_int_equal(sign_csca_store_count(s), 6);
		sign_csca_store_free(s);
	}
}

/* A wrong anchor: the list is refused and nothing in it trusted. */
static void
test_masterlist_wrong_anchor(void **state)
{
	static const char *const wrong[] = { "masterlist/DE_ML_2026-05-28_signer.der",
	    "masterlist/DE_ML_2026-05-28_csca-germany.der", "masterlist/NL_ML_2026-07-22_signer.der",
	    "realworld_sod/AT_CSCA_0.der" };
	sign_buf ml = t_fixture("masterlist/synthetic_test_ml.ml");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		sign_csca_store *s = store_new();
		sign_buf a = t_fixture(wrong[i]);

		assert_int_equal(sign_csca_store_add_masterlist(s, ml.data, ml.len, a.data, a.len),
		    SIGN_ERR_UNTRUSTED);
		assert_non_null(strstr(sign_error_message(), "Synthetic Master List Signer"));
		assert_int_equal(sign_csca_store_count(s), 0);
		sign_csca_store_free(s);
		sign_buf_dispose(&a);
	}
	sign_buf_dispose(&ml);
}

/* Tampered lists: a flipped byte anywhere in the certList or the signature
 * is refused before anything is trusted; so is a truncated list. */
static void
test_masterlist_tampered(void **state)
{
	sign_buf ml = t_fixture("masterlist/synthetic_test_ml.ml");
	sign_buf an = t_fixture("masterlist/test_csca.der");
	struct sign_cms__sd sd;
	size_t offs[3], i, n;
	int rc;

	(void)state;
	assert_int_equal(sign_cms__parse(&sd, ml.data, ml.len, "ml"), 0);
	offs[0] = (size_t)(sd.econtent - sd.raw) + 20;                 /* certList */
	offs[1] = (size_t)(sd.econtent - sd.raw) + sd.econtent_len - 5; /* last cert's signature */
	offs[2] = (size_t)(sd.sig - sd.raw) + sd.sig_len / 2;           /* ML signature */
	for (i = 0; i < 3; i++) {
		sign_csca_store *s = store_new();
		sign_buf t = t_flip(&ml, offs[i]);

		rc = sign_csca_store_add_masterlist(s, t.data, t.len, an.data, an.len);
		assert_true(rc == SIGN_ERR_HASH_MISMATCH || rc == SIGN_ERR_VERIFY);
		assert_int_equal(sign_csca_store_count(s), 0);
		sign_csca_store_free(s);
		sign_buf_dispose(&t);
	}
	for (n = 0; n < ml.len; n += 97) {
		sign_csca_store *s = store_new();

		rc = sign_csca_store_add_masterlist(s, ml.data, n, an.data, an.len);
		assert_int_not_equal(rc, 0);
		assert_int_equal(sign_csca_store_count(s), 0);
		sign_csca_store_free(s);
	}
	/* not a master list: a SOD (its eContentType is the LDS security object) */
	{
		sign_buf sod = t_fixture("realworld_sod/UK_EF_SOD.bin");
		sign_csca_store *s = store_new();

		assert_int_equal(sign_csca_store_add_masterlist(s, sod.data + 4, sod.len - 4,
		    an.data, an.len), SIGN_ERR_MALFORMED);
		assert_non_null(strstr(sign_error_message(), "cscaMasterList"));
		sign_csca_store_free(s);
		sign_buf_dispose(&sod);
	}
	/* missing files */
	{
		sign_csca_store *s = store_new();

		assert_int_equal(sign_csca_store_add_masterlist_file(s, t_fixture_path("nope.ml"),
		    t_fixture_path("masterlist/test_csca.der")), SIGN_ERR_NOT_FOUND);
		sign_csca_store_free(s);
	}
	sign_cms__clear(&sd);
	sign_buf_dispose(&ml);
	sign_buf_dispose(&an);
}

/* OpenSSL's CMS_verify with the anchor as trust store, as a referee: it
 * agrees with sign_csca_store_add_masterlist on the good list, a wrong anchor
 * and tampered lists.  (Purpose checks off: the ML signer has the ICAO
 * master-list-signer EKU, which OpenSSL does not know.) */
static int
referee(const sign_buf *ml, const char *anchor)
{
	const unsigned char *p = ml->data;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)ml->len);
	X509_STORE *st = X509_STORE_new();
	sign_buf a = t_fixture(anchor);
	const unsigned char *q = a.data;
	X509 *x = d2i_X509(NULL, &q, (long)a.len);
	int ok = 0;

	assert_non_null(x);
	assert_int_equal(X509_STORE_add_cert(st, x), 1);
	X509_STORE_set_purpose(st, X509_PURPOSE_ANY);
	if (cms != NULL)
		ok = CMS_verify(cms, NULL, st, NULL, NULL, CMS_BINARY) == 1;
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	X509_STORE_free(st);
	X509_free(x);
	sign_buf_dispose(&a);
	return ok;
}

static void
test_masterlist_referee(void **state)
{
	static const char *const anchors[] = { "masterlist/test_csca.der",
	    "masterlist/DE_ML_2026-05-28_csca-germany.der" };
	sign_buf ml = t_fixture("masterlist/synthetic_test_ml.ml");
	struct sign_cms__sd sd;
	size_t i, k, offs[2];

	(void)state;
	assert_int_equal(sign_cms__parse(&sd, ml.data, ml.len, "ml"), 0);
	offs[0] = (size_t)(sd.econtent - sd.raw) + 100;
	offs[1] = (size_t)(sd.sig - sd.raw) + 10;
	for (i = 0; i < 2; i++) {
		sign_buf an = t_fixture(anchors[i]);
		sign_csca_store *s = store_new();
		int mine = sign_csca_store_add_masterlist(s, ml.data, ml.len, an.data, an.len) == 0;

		assert_int_equal(mine, referee(&ml, anchors[i]));
		assert_int_equal(mine, i == 0);
		for (k = 0; k < 2; k++) {
			sign_buf t = t_flip(&ml, offs[k]);

			assert_int_not_equal(sign_csca_store_add_masterlist(s, t.data, t.len, an.data,
			    an.len), 0);
			assert_false(referee(&t, anchors[i]));
			sign_buf_dispose(&t);
		}
		sign_csca_store_free(s);
		sign_buf_dispose(&an);
	}
	sign_cms__clear(&sd);
	sign_buf_dispose(&ml);
}

/* ---- paths with a synthetic PKI ---- */

struct pki {
	EVP_PKEY *old_key, *new_key, *ds_key;
	X509 *old_csca, *new_csca, *link, *ds;
};

static void
pki_make(struct pki *p, int ds_nb, int ds_na)
{
	p->old_key = t_key("EC", "P-256");
	p->new_key = t_key("EC", "brainpoolP256r1");
	p->ds_key = t_key("RSA", "2048");
	p->old_csca = t_cert(p->old_key, "VN", "Test CSCA", NULL, p->old_key, 1, -3000, 3000);
	p->new_csca = t_cert(p->new_key, "VN", "Test CSCA", NULL, p->new_key, 1, -1000, 3000);
	/* link: the new key, certified by the old one */
	p->link = t_cert(p->new_key, "VN", "Test CSCA", p->old_csca, p->old_key, 1, -10, 3000);
	p->ds = t_cert(p->ds_key, "VN", "Test DS", p->new_csca, p->new_key, 0, ds_nb, ds_na);
}

static void
pki_free(struct pki *p)
{
	EVP_PKEY_free(p->old_key);
	EVP_PKEY_free(p->new_key);
	EVP_PKEY_free(p->ds_key);
	X509_free(p->old_csca);
	X509_free(p->new_csca);
	X509_free(p->link);
	X509_free(p->ds);
}

static void
store_add(sign_csca_store *s, X509 *x)
{
	sign_buf d = t_der(x);

	assert_int_equal(sign_csca_store_add_cert(s, d.data, d.len), 0);
	sign_buf_dispose(&d);
}

static void
test_path_link(void **state)
{
	struct pki p;
	struct sign_csca__path path;
	sign_csca_store *s = store_new();
	STACK_OF(X509) *pool = sk_X509_new_null();

	(void)state;
	pki_make(&p, -1, 365);
	store_add(s, p.old_csca);
	/* only the old CSCA is trusted: no path */
	assert_int_equal(sign_csca__path(s, p.ds, pool, time(NULL), &path), 0);
	assert_int_equal(path.status, SIGN_CSCA__UNTRUSTED);
	assert_non_null(strstr(path.detail, "Test CSCA"));
	/* the new self-signed CSCA as an untrusted extra: still no path */
	sk_X509_push(pool, p.new_csca);
	assert_int_equal(sign_csca__path(s, p.ds, pool, time(NULL), &path), 0);
	assert_int_equal(path.status, SIGN_CSCA__UNTRUSTED);
	/* with the link certificate: DS -> link(new key) -> old CSCA */
	sk_X509_push(pool, p.link);
	assert_int_equal(sign_csca__path(s, p.ds, pool, time(NULL), &path), 0);
	assert_int_equal(path.status, SIGN_CSCA__TRUSTED);
	assert_int_equal(path.links, 1);
	assert_ptr_not_equal(path.anchor, NULL);
	assert_int_equal(X509_cmp(path.anchor, p.old_csca), 0);
	assert_int_equal(path.warnings, 0);
	/* the link certificate in the store is an anchor itself */
	sk_X509_zero(pool);
	store_add(s, p.link);
	assert_int_equal(sign_csca__path(s, p.ds, pool, time(NULL), &path), 0);
	assert_int_equal(path.status, SIGN_CSCA__TRUSTED);
	assert_int_equal(path.links, 0);
	sk_X509_free(pool);
	sign_csca_store_free(s);
	pki_free(&p);
}

/* Validity: an expired DS is a warning, so is a not-yet-valid one. */
static void
test_path_validity(void **state)
{
	struct pki p, q;
	struct sign_csca__path path;
	sign_csca_store *s = store_new();

	(void)state;
	pki_make(&p, -800, -400);   /* expired a year ago */
	store_add(s, p.new_csca);
	assert_int_equal(sign_csca__path(s, p.ds, NULL, time(NULL), &path), 0);
	assert_int_equal(path.status, SIGN_CSCA__TRUSTED);
	assert_int_equal(path.warnings, SIGN_PA_R_EXPIRED);
	/* at a time inside the validity: no warning */
	assert_int_equal(sign_csca__path(s, p.ds, NULL, time(NULL) - 600 * 86400, &path), 0);
	assert_int_equal(path.warnings, 0);
	pki_make(&q, 30, 400);      /* valid from next month */
	store_add(s, q.new_csca);
	assert_int_equal(sign_csca__path(s, q.ds, NULL, time(NULL), &path), 0);
	assert_int_equal(path.status, SIGN_CSCA__TRUSTED);
	assert_int_equal(path.warnings, SIGN_PA_R_NOT_YET_VALID);
	sign_csca_store_free(s);
	pki_free(&p);
	pki_free(&q);
}

/* A CSCA whose name and key identifier match the DS's issuer, but whose key
 * does not verify the DS: the chain is broken (FAILED), not merely missing.
 * A DS certificate put in the store is no CA and anchors nothing. */
static void
test_path_bad_and_not_ca(void **state)
{
	struct pki p;
	struct sign_csca__path path;
	sign_csca_store *s = store_new();
	EVP_PKEY *fk = t_key("EC", "P-256");
	X509 *fake;
	X509_EXTENSION *e;
	ASN1_OCTET_STRING *ski;
	int idx;

	(void)state;
	pki_make(&p, -1, 365);
	/* fake: same subject, the real CSCA's SKI, another key */
	fake = t_cert(fk, "VN", "Test CSCA", NULL, fk, 1, -10, 3000);
	idx = X509_get_ext_by_NID(fake, NID_subject_key_identifier, -1);
	X509_EXTENSION_free(X509_delete_ext(fake, idx));
	ski = ASN1_OCTET_STRING_dup(X509_get0_subject_key_id(p.new_csca));
	e = X509V3_EXT_i2d(NID_subject_key_identifier, 0, ski);
	assert_int_equal(X509_add_ext(fake, e, -1), 1);
	assert_true(X509_sign(fake, fk, EVP_sha256()) > 0);
	store_add(s, fake);
	assert_int_equal(sign_csca__path(s, p.ds, NULL, time(NULL), &path), 0);
	assert_int_equal(path.status, SIGN_CSCA__BAD);
	assert_non_null(strstr(path.detail, "does not verify"));
	sign_csca_store_free(s);

	/* a non-CA certificate as "anchor" */
	s = store_new();
	{
		X509 *ds2 = t_cert(fk, "VN", "Test DS 2", p.ds, p.ds_key, 0, -1, 365);

		store_add(s, p.ds);
		assert_int_equal(sign_csca__path(s, ds2, NULL, time(NULL), &path), 0);
		assert_int_equal(path.status, SIGN_CSCA__UNTRUSTED);
		X509_free(ds2);
	}
	sign_csca_store_free(s);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(ski);
	X509_free(fake);
	EVP_PKEY_free(fk);
	pki_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_and_dedup),
		cmocka_unit_test(test_not_a_certificate),
		cmocka_unit_test(test_dir_and_default),
		cmocka_unit_test(test_masterlist_ok),
		cmocka_unit_test(test_masterlist_wrong_anchor),
		cmocka_unit_test(test_masterlist_tampered),
		cmocka_unit_test(test_masterlist_referee),
		cmocka_unit_test(test_path_link),
		cmocka_unit_test(test_path_validity),
		cmocka_unit_test(test_path_bad_and_not_ca),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
