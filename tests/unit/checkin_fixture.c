/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The check-in record unit tests' shared fixtures (checkin_fixture.h). */
#include "checkin_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>

#include "libsign/cades.h"

static void
write_pem(const char *path, EVP_PKEY *key, X509 *cert)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	if (key != NULL)
		assert_int_equal(PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL), 1);
	if (cert != NULL)
		assert_int_equal(PEM_write_X509(fp, cert), 1);
	fclose(fp);
}

void
ck_facility_make(struct ck_facility *f, X509 *csca)
{
	char kp[512], cp[512];
	sign_buf rd;

	memset(f, 0, sizeof(*f));
	f->root_key = t_key("EC", "P-256");
	f->key = t_key("EC", "P-256");
	f->root = t_cert(f->root_key, "VN", "Test Root", NULL, f->root_key, 1, -100, 3000);
	f->cert = t_cert(f->key, "VN", "Bệnh viện Thử nghiệm", f->root, f->root_key, 0, -10, 1000);
	f->dir = t_tmpdir();
	snprintf(kp, sizeof(kp), "%s/facility.key", f->dir);
	snprintf(cp, sizeof(cp), "%s/facility.pem", f->dir);
	write_pem(kp, f->key, NULL);
	write_pem(cp, NULL, f->cert);
	assert_int_equal(sign_signer_from_files(&f->signer, kp, cp), 0);
	assert_int_equal(sign_trust_new(&f->trust), 0);
	rd = t_der(f->root);
	assert_int_equal(sign_trust_add_der(f->trust, rd.data, rd.len), 0);
	sign_buf_dispose(&rd);
	assert_int_equal(sign_csca_store_new(&f->csca), 0);
	rd = t_der(csca);
	assert_int_equal(sign_csca_store_add_cert(f->csca, rd.data, rd.len), 0);
	sign_buf_dispose(&rd);
}

void
ck_facility_free(struct ck_facility *f)
{
	sign_signer_free(f->signer);
	sign_trust_free(f->trust);
	sign_csca_store_free(f->csca);
	EVP_PKEY_free(f->root_key);
	EVP_PKEY_free(f->key);
	X509_free(f->root);
	X509_free(f->cert);
	if (f->dir != NULL)
		t_rmdir(f->dir);
	memset(f, 0, sizeof(*f));
}

sign_buf
ck_canon(const sign_checkin *rec)
{
	sign_buf b = SIGN_BUF_INIT;

	assert_int_equal(sign_checkin_to_json(&b, rec), 0);
	return b;
}

sign_buf
ck_sign_bytes(const struct ck_facility *f, const sign_buf *content)
{
	sign_cades_sign_opts so = SIGN_CADES_SIGN_OPTS_INIT;
	sign_buf sig = SIGN_BUF_INIT;

	assert_int_equal(sign_cades_sign_mem(&sig, f->signer, content->data, content->len, &so),
	    0);
	return sig;
}

sign_buf
ck_rewrite(const sign_buf *b, void (*edit)(json_t *), size_t flags)
{
	json_t *j = json_loadb((const char *)b->data, b->len, 0, NULL);
	sign_buf out = SIGN_BUF_INIT;
	char *s;

	assert_non_null(j);
	if (edit != NULL)
		edit(j);
	s = json_dumps(j, flags);
	assert_non_null(s);
	out.data = (unsigned char *)s;
	out.len = strlen(s);
	json_decref(j);
	return out;
}

sign_buf
ck_edited(const sign_buf *b, void (*edit)(json_t *))
{
	return ck_rewrite(b, edit, JSON_SORT_KEYS | JSON_COMPACT);
}

sign_cades_status
ck_status(const sign_checkin_report *rep, sign_checkin_check c, const char **detail)
{
	sign_cades_status st = SIGN_CADES_STATUS_SKIPPED;
	const char *d = NULL;

	assert_int_equal(sign_checkin_report_check(rep, c, &st, &d), 0);
	assert_non_null(d);
	if (detail != NULL)
		*detail = d;
	return st;
}
