/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Certificate inspection and PKCS#10 requests, on certificates made here at
 * test time (names in Vietnamese, key usages, policies, validity windows).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/conf.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "token_priv.h"

#define DAY 86400L

static EVP_PKEY *eckey;

static int
setup(void **state)
{
	(void)state;
	eckey = EVP_EC_gen("prime256v1");
	return eckey != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(eckey);
	return 0;
}

static void
add_ext(X509 *x, int nid, const char *value)
{
	CONF *conf = NCONF_new(NULL);  /* certificatePolicies wants a config database */
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, conf);
	e = X509V3_EXT_nconf_nid(conf, &ctx, nid, value);
	NCONF_free(conf);
	assert_non_null(e);
	assert_true(X509_add_ext(x, e, -1));
	X509_EXTENSION_free(e);
}

/* A self-signed certificate valid from now+from_days to now+to_days. */
static X509 *
make_cert(const char *cn, const char *ku, const char *eku, const char *pol, long from_days,
    long to_days, long serial)
{
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();

	assert_non_null(x);
	assert_true(X509_set_version(x, X509_VERSION_3));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
	assert_true(X509_NAME_add_entry_by_txt(nm, "C", MBSTRING_UTF8, (const unsigned char *)"VN",
	    -1, -1, 0));
	assert_true(X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8,
	    (const unsigned char *)"B\xe1\xbb\x99 Y t\xe1\xba\xbf", -1, -1, 0));
	assert_true(X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0));
	assert_true(X509_set_subject_name(x, nm));
	assert_true(X509_set_issuer_name(x, nm));
	X509_NAME_free(nm);
	assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), (int)from_days, 0, NULL));
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), (int)to_days, 0, NULL));
	assert_true(X509_set_pubkey(x, eckey));
	if (ku != NULL)
		add_ext(x, NID_key_usage, ku);
	if (eku != NULL)
		add_ext(x, NID_ext_key_usage, eku);
	if (pol != NULL)
		add_ext(x, NID_certificate_policies, pol);
	assert_true(X509_sign(x, eckey, EVP_sha256()) > 0);
	return x;
}

static sign_cert *
wrap(X509 *x)
{
	sign_cert *c = NULL;

	assert_int_equal(sign_cert__from_x509(&c, x), 0);
	X509_free(x);
	return c;
}

static void
test_info(void **state)
{
	/* "Nguyễn Văn An" */
	const char *cn = "Nguy\xe1\xbb\x85n V\xc4\x83n An";
	X509 *x = make_cert(cn, "critical, digitalSignature, nonRepudiation",
	    "emailProtection, 1.3.6.1.4.1.311.10.3.12", "2.16.704.1.1.1.1.1", -1, 365, 0x1a2b);
	unsigned char md[32];
	unsigned int mdlen;
	char hex[65];
	const sign_cert_info *in;
	sign_cert *c;
	int i;

	assert_true(X509_digest(x, EVP_sha256(), md, &mdlen));
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	c = wrap(x);
	in = sign_cert_get_info(c);
	assert_string_equal(in->subject,
	    "C=VN, O=B\xe1\xbb\x99 Y t\xe1\xba\xbf, CN=Nguy\xe1\xbb\x85n V\xc4\x83n An");
	assert_string_equal(in->issuer, in->subject);
	assert_string_equal(in->serial, "1a2b");
	assert_string_equal(in->key_type, "ec");
	assert_int_equal(in->key_bits, 256);
	assert_string_equal(in->curve, "prime256v1");
	assert_true(in->has_key_usage);
	assert_int_equal(in->key_usage, SIGN_KU_DIGITAL_SIGNATURE | SIGN_KU_NON_REPUDIATION);
	assert_string_equal(in->key_usage_str, "digitalSignature, nonRepudiation");
	assert_string_equal(in->ext_key_usage, "emailProtection, 1.3.6.1.4.1.311.10.3.12");
	assert_string_equal(in->policies, "2.16.704.1.1.1.1.1");
	assert_string_equal(in->sha256, hex);
	assert_false(in->is_ca);
	assert_true(in->self_signed);
	assert_int_equal(sign_cert_check_signing(c), 0);
	assert_true(in->not_after - in->not_before > 360 * DAY);
	assert_int_equal(strlen(in->not_after_str), 20);
	assert_int_equal(in->not_after_str[19], 'Z');
	sign_cert_free(c);
	sign_cert_free(NULL);
}

/* Names never carry what a terminal would obey or what reorders the text:
 * C0 and C1 controls, separators and bidi overrides come out as \XX. */
static void
test_name_escapes(void **state)
{
	/* "Nguyễn" ESC "[2J" CSI "x" RLO "nA" LS "y" */
	sign_cert *c = wrap(make_cert("Nguy\xe1\xbb\x85n\x1b[2J\xc2\x9bx\xe2\x80\xaenA"
	    "\xe2\x80\xa8y", NULL, NULL, NULL, 0, 10, 5));
	const char *subj = sign_cert_get_info(c)->subject;

	(void)state;
	assert_string_equal(subj, "C=VN, O=B\xe1\xbb\x99 Y t\xe1\xba\xbf, "
	    "CN=Nguy\xe1\xbb\x85n\\1B[2J\\C2\\9Bx\\E2\\80\\AEnA\\E2\\80\\A8y");
	assert_string_equal(sign_cert_get_info(c)->issuer, subj);
	sign_cert_free(c);
}

static void
test_no_extensions(void **state)
{
	sign_cert *c = wrap(make_cert("x", NULL, NULL, NULL, 0, 10, 0));
	const sign_cert_info *in = sign_cert_get_info(c);

	(void)state;
	assert_false(in->has_key_usage);
	assert_string_equal(in->key_usage_str, "");
	assert_string_equal(in->ext_key_usage, "");
	assert_string_equal(in->policies, "");
	assert_string_equal(in->serial, "00");
	/* No keyUsage: signing allowed. */
	assert_int_equal(sign_cert_check_signing(c), 0);
	sign_cert_free(c);
}

static void
test_signing_usage(void **state)
{
	static const struct {
		const char *ku;
		int rc;
	} cases[] = {
		{ "keyEncipherment", SIGN_ERR_KEY_USAGE },
		{ "keyEncipherment, dataEncipherment", SIGN_ERR_KEY_USAGE },
		{ "keyAgreement", SIGN_ERR_KEY_USAGE },
		{ "keyCertSign, cRLSign", SIGN_ERR_KEY_USAGE },
		{ "digitalSignature", 0 },
		{ "nonRepudiation", 0 },
		{ "digitalSignature, keyEncipherment", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_cert *c = wrap(make_cert("k", cases[i].ku, NULL, NULL, 0, 10, 1));

		assert_int_equal(sign_cert_check_signing(c), cases[i].rc);
		if (cases[i].rc != 0)
			assert_non_null(strstr(sign_error_message(), "may not sign"));
		sign_cert_free(c);
	}
}

/* Extended key usage: a document-signing purpose, or none named at all. */
static void
test_signing_eku(void **state)
{
	static const struct {
		const char *eku;
		int use;
	} cases[] = {
		{ NULL, 0 },
		{ "emailProtection", 0 },
		{ "clientAuth, emailProtection", 0 },
		{ "codeSigning", 0 },
		{ "anyExtendedKeyUsage", 0 },
		{ "serverAuth, anyExtendedKeyUsage", 0 },
		{ "1.3.6.1.5.5.7.3.36", 0 },           /* documentSigning, RFC 9336 */
		{ "1.3.6.1.4.1.311.10.3.12", 0 },      /* Microsoft Document Signing */
		{ "critical, 1.2.840.113583.1.1.5", 0 }, /* Adobe Authentic Documents Trust */
		{ "clientAuth", 0 },                   /* a person's token certificate */
		{ "serverAuth, clientAuth", 0 },
		{ "serverAuth", SIGN_CERT__NO_SIGNING_EKU },
		{ "critical, timeStamping", SIGN_CERT__NO_SIGNING_EKU },
		{ "OCSPSigning", SIGN_CERT__NO_SIGNING_EKU },
		{ "1.3.6.1.5.5.7.3.37", SIGN_CERT__NO_SIGNING_EKU },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		X509 *x = make_cert("e", "digitalSignature, nonRepudiation", cases[i].eku, NULL,
		    0, 10, 1);
		sign_cert *c;

		assert_int_equal(sign_cert__signing_use(x), cases[i].use);
		c = wrap(x);
		if (cases[i].use == 0) {
			assert_int_equal(sign_cert_check_signing(c), 0);
		} else {
			assert_int_equal(sign_cert_check_signing(c), SIGN_ERR_KEY_USAGE);
			assert_non_null(strstr(sign_error_message(),
			    "may not sign documents (extended key usage: "));
		}
		sign_cert_free(c);
	}
	/* an extendedKeyUsage extension that does not decode (a NULL) */
	{
		X509 *x = make_cert("bad", "digitalSignature", NULL, NULL, 0, 10, 1);
		ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
		X509_EXTENSION *e;

		assert_true(ASN1_OCTET_STRING_set(v, (const unsigned char *)"\x05\x00", 2));
		e = X509_EXTENSION_create_by_NID(NULL, NID_ext_key_usage, 0, v);
		assert_non_null(e);
		assert_true(X509_add_ext(x, e, -1));
		X509_EXTENSION_free(e);
		ASN1_OCTET_STRING_free(v);
		/* refused (OpenSSL then reads no keyUsage either: either reason) */
		assert_int_not_equal(sign_cert__signing_use(x), 0);
		X509_free(x);
	}
	/* keyUsage is judged first */
	{
		X509 *x = make_cert("k", "keyEncipherment", "emailProtection", NULL, 0, 10, 1);

		assert_int_equal(sign_cert__signing_use(x), SIGN_CERT__NO_SIGNING_KU);
		X509_free(x);
	}
}

static void
test_validity(void **state)
{
	time_t now = time(NULL);
	sign_cert *valid = wrap(make_cert("v", NULL, NULL, NULL, -10, 365, 1));
	sign_cert *soon = wrap(make_cert("s", NULL, NULL, NULL, -10, 10, 2));
	sign_cert *gone = wrap(make_cert("g", NULL, NULL, NULL, -20, -1, 3));
	sign_cert *future = wrap(make_cert("f", NULL, NULL, NULL, 5, 50, 4));

	(void)state;
	assert_int_equal(sign_cert_check_time(valid, now, 30), SIGN_CERT_VALID);
	assert_int_equal(sign_cert_check_time(soon, now, 30), SIGN_CERT_EXPIRING);
	assert_int_equal(sign_cert_check_time(soon, now, 9), SIGN_CERT_VALID);
	assert_int_equal(sign_cert_check_time(soon, now, 0), SIGN_CERT_VALID);
	assert_int_equal(sign_cert_check_time(gone, now, 30), SIGN_CERT_EXPIRED);
	assert_int_equal(sign_cert_check_time(future, now, 30), SIGN_CERT_NOT_YET_VALID);
	/* The window's edges. */
	assert_int_equal(sign_cert_check_time(valid, sign_cert_get_info(valid)->not_after, 0),
	    SIGN_CERT_VALID);
	assert_int_equal(sign_cert_check_time(valid, sign_cert_get_info(valid)->not_after + 1,
	    0), SIGN_CERT_EXPIRED);
	assert_int_equal(sign_cert_check_time(valid, sign_cert_get_info(valid)->not_before - 1,
	    0), SIGN_CERT_NOT_YET_VALID);
	sign_cert_free(valid);
	sign_cert_free(soon);
	sign_cert_free(gone);
	sign_cert_free(future);
}

static void
test_from_der(void **state)
{
	X509 *x = make_cert("d", NULL, NULL, NULL, 0, 10, 7);
	unsigned char *der = NULL, *two;
	const unsigned char *back;
	sign_cert *c = NULL;
	size_t blen;
	int n = i2d_X509(x, &der);

	(void)state;
	assert_true(n > 0);
	assert_int_equal(sign_cert_from_der(&c, der, (size_t)n), 0);
	assert_int_equal(sign_cert_der(c, &back, &blen), 0);
	assert_int_equal(blen, (size_t)n);
	assert_memory_equal(back, der, blen);
	sign_cert_free(c);
	/* Trailing data, truncation, garbage, nothing. */
	two = malloc((size_t)n + 1);
	memcpy(two, der, (size_t)n);
	two[n] = 0;
	assert_int_equal(sign_cert_from_der(&c, two, (size_t)n + 1), SIGN_ERR_MALFORMED);
	assert_null(c);
	assert_int_equal(sign_cert_from_der(&c, der, (size_t)n - 1), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_cert_from_der(&c, (const unsigned char *)"\x30\x03\x02\x01\x01",
	    5), SIGN_ERR_MALFORMED);
	assert_int_equal(sign_cert_from_der(&c, der, 0), SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_cert_from_file(&c, "/nonexistent/cert.pem"), SIGN_ERR_NOT_FOUND);
	free(two);
	OPENSSL_free(der);
	X509_free(x);
}

static void
test_parse_subject(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *want;   /* one-line form, part of the message, or NULL */
	} cases[] = {
		{ "/C=VN/O=B\xe1\xbb\x99 N\xe1\xbb\x99i v\xe1\xbb\xa5/CN=Nguy\xe1\xbb\x85n V\xc4\x83n An",
		  0, "C=VN, O=B\xe1\xbb\x99 N\xe1\xbb\x99i v\xe1\xbb\xa5, CN=Nguy\xe1\xbb\x85n V\xc4\x83n An" },
		{ "/CN=a\\/b/O=x\\\\y", 0, "CN=a/b, O=x\\\\y" },
		{ "/CN=trailing/", 0, "CN=trailing" },
		{ "CN=x", SIGN_ERR_INVALID_ARG, NULL },
		{ "/CN", SIGN_ERR_INVALID_ARG, NULL },
		{ "/CN=", SIGN_ERR_INVALID_ARG, NULL },
		{ "/=x", SIGN_ERR_INVALID_ARG, NULL },
		{ "/NOPE=x", SIGN_ERR_INVALID_ARG, NULL },
		{ "/", SIGN_ERR_INVALID_ARG, NULL },
		{ "/C=VNM", SIGN_ERR_INVALID_ARG, "two-letter country code" },
		{ "/CN=\xc3\x28", SIGN_ERR_INVALID_ARG, "not valid UTF-8" },
		/* As openssl req -subj: a backslash makes any character plain... */
		{ "/CN=a\\+b/O=c\\=d", 0, "CN=a\\+b, O=c=d" },
		{ "/CN=x\\", SIGN_ERR_INVALID_ARG, "lone backslash" },
		/* ...and '+' joins the attributes of a multi-valued RDN. */
		{ "/O=B\xe1\xbb\x99 Y t\xe1\xba\xbf/CN=An+UID=CMND:012345678", 0,
		  "O=B\xe1\xbb\x99 Y t\xe1\xba\xbf, CN=An + UID=CMND:012345678" },
		{ "/O=A+B/CN=x", SIGN_ERR_INVALID_ARG, "write \\+ for a plus sign" },
		{ "/CN=x+", SIGN_ERR_INVALID_ARG, "KEY=VALUE" },
		{ "/CN=x//O=y", SIGN_ERR_INVALID_ARG, "two '/' in a row" },
		{ "/CN=a=b", 0, "CN=a=b" },
		/* The string types the attributes demand, with the reason. */
		{ "/serialNumber=S\xe1\xbb\x91 1", SIGN_ERR_INVALID_ARG, "PrintableString" },
		{ "/emailAddress=\xe1\xba\xa5n@x.vn", SIGN_ERR_INVALID_ARG, "IA5String" },
		{ "/CN=12345678901234567890123456789012345678901234567890123456789012345",
		  SIGN_ERR_INVALID_ARG, "at most 64 characters" },
		{ "/cn=x", SIGN_ERR_INVALID_ARG, "did you mean 'CN'" },
		{ "/1.2.3.4=x", 0, "1.2.3.4=x" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		X509_NAME *nm = X509_NAME_new();
		int rc = sign_cert__parse_subject(nm, cases[i].in);

		if (rc != cases[i].rc)
			fail_msg("case %zu '%s': %d (%s)", i, cases[i].in, rc, sign_error_message());
		if (rc != 0 && cases[i].want != NULL &&
		    strstr(sign_error_message(), cases[i].want) == NULL)
			fail_msg("case %zu '%s': message '%s' lacks '%s'", i, cases[i].in,
			    sign_error_message(), cases[i].want);
		if (rc == 0 && cases[i].want != NULL) {
			BIO *b = BIO_new(BIO_s_mem());
			char *p;
			long n;

			X509_NAME_print_ex(b, nm, 0, (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
			    ASN1_STRFLGS_UTF8_CONVERT | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN);
			n = BIO_get_mem_data(b, &p);
			assert_int_equal((size_t)n, strlen(cases[i].want));
			assert_memory_equal(p, cases[i].want, (size_t)n);
			BIO_free(b);
		}
		X509_NAME_free(nm);
	}
}

/* Write len bytes to a new temporary file; returns its path (free it). */
static char *
temp_file(const void *data, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char *path = malloc(4096);
	int fd;

	assert_non_null(path);
	snprintf(path, 4096, "%s/test_cert.XXXXXX", dir != NULL ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static size_t
pem_of(X509 *x, char *buf, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	assert_true(PEM_write_bio_X509(b, x));
	n = BIO_get_mem_data(b, &p);
	assert_true((size_t)n < cap);
	memcpy(buf, p, (size_t)n);
	BIO_free(b);
	return (size_t)n;
}

/* Read the file of len bytes; check the serials of its certificates
 * (want: 0-terminated) or the error and a part of its message. */
static void
check_list(const void *data, size_t len, const long *want, int rc_want, const char *msg)
{
	char *path = temp_file(data, len);
	sign_cert_list *l = NULL;
	sign_cert *first = NULL;
	size_t i;
	int rc = sign_cert_list_from_file(&l, path);

	if (rc != rc_want)
		fail_msg("%s: %d (%s), expected %d", msg, rc, sign_error_message(), rc_want);
	if (rc != 0) {
		assert_null(l);
		if (strstr(sign_error_message(), msg) == NULL)
			fail_msg("message '%s' lacks '%s'", sign_error_message(), msg);
		assert_int_equal(sign_cert_from_file(&first, path), rc_want);
	} else {
		for (i = 0; want[i] != 0; i++) {
			char hex[32];

			snprintf(hex, sizeof(hex), "%lx", want[i]);
			assert_non_null(sign_cert_list_get(l, i));
			assert_string_equal(sign_cert_get_info(sign_cert_list_get(l, i))->serial, hex);
		}
		assert_int_equal(sign_cert_list_count(l), i);
		assert_null(sign_cert_list_get(l, i));
		/* sign_cert_from_file gives the first. */
		assert_int_equal(sign_cert_from_file(&first, path), 0);
		assert_string_equal(sign_cert_get_info(first)->serial,
		    sign_cert_get_info(sign_cert_list_get(l, 0))->serial);
		sign_cert_free(first);
	}
	sign_cert_list_free(l);
	unlink(path);
	free(path);
}

/* Certificate files: PEM with several certificates and other blocks, DER,
 * PKCS#7 bundles (DER and PEM); what holds none or a damaged one. */
static void
test_cert_files(void **state)
{
	X509 *a = make_cert("a", NULL, NULL, NULL, 0, 10, 0xa1);
	X509 *b = make_cert("b", NULL, NULL, NULL, 0, 10, 0xb2);
	PKCS7 *p7 = PKCS7_new();
	static char buf[16384], pem[16384];
	unsigned char *der = NULL, *p7der = NULL;
	size_t n, m;
	int dl, pl;
	BIO *bio;
	char *p;
	static const long ab[] = { 0xa1, 0xb2, 0 }, ba[] = { 0xb2, 0xa1, 0 }, a1[] = { 0xa1, 0 };

	(void)state;
	/* PEM: a private key (skipped), text, two certificates in file order. */
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_PrivateKey(bio, eckey, NULL, NULL, 0, NULL, NULL));
	n = (size_t)BIO_get_mem_data(bio, &p);
	memcpy(buf, p, n);
	BIO_free(bio);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Certificate:\n    text\n");
	n += pem_of(b, buf + n, sizeof(buf) - n);
	n += pem_of(a, buf + n, sizeof(buf) - n);
	check_list(buf, n, ba, 0, NULL);
	/* A key alone: named, never read as a certificate. */
	m = (size_t)(strstr(buf, "-----END PRIVATE KEY-----\n") - buf) + 26;
	check_list(buf, m, NULL, SIGN_ERR_MALFORMED, "its PEM data is a PRIVATE KEY");
	/* DER. */
	dl = i2d_X509(a, &der);
	assert_true(dl > 0);
	check_list(der, (size_t)dl, a1, 0, NULL);
	check_list(der, (size_t)dl - 1, NULL, SIGN_ERR_MALFORMED, "not DER, or trailing data");
	/* PKCS#7 certificate bundles, DER and PEM. */
	assert_true(PKCS7_set_type(p7, NID_pkcs7_signed));
	assert_true(PKCS7_content_new(p7, NID_pkcs7_data));
	assert_true(PKCS7_add_certificate(p7, a));
	assert_true(PKCS7_add_certificate(p7, b));
	pl = i2d_PKCS7(p7, &p7der);
	assert_true(pl > 0);
	check_list(p7der, (size_t)pl, ab, 0, NULL);
	bio = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio_PKCS7(bio, p7));
	m = (size_t)BIO_get_mem_data(bio, &p);
	memcpy(pem, p, m);
	BIO_free(bio);
	check_list(pem, m, ab, 0, NULL);
	/* Every truncation of the DER certificate and of the bundle is refused. */
	for (n = 1; n < (size_t)dl; n++)
		check_list(der, n, NULL, SIGN_ERR_MALFORMED, "holds no PEM or DER certificate");
	for (n = 1; n < (size_t)pl; n++)
		check_list(p7der, n, NULL, SIGN_ERR_MALFORMED, "");
	/* A damaged block, a certificate block that is not one, nothing. */
	n = pem_of(a, buf, sizeof(buf));
	buf[40] = '*';
	check_list(buf, n, NULL, SIGN_ERR_MALFORMED, "PEM block 1 is damaged");
	m = (size_t)snprintf(pem, sizeof(pem),
	    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
	check_list(pem, m, NULL, SIGN_ERR_MALFORMED, "PEM block 1 is not a certificate");
	/* A good certificate, then a damaged one: refused, naming the second. */
	n = pem_of(a, buf, sizeof(buf));
	n += pem_of(b, buf + n, sizeof(buf) - n);
	buf[n - 60] = '*';
	check_list(buf, n, NULL, SIGN_ERR_MALFORMED, ": PEM block 2 is damaged");
	assert_null(strstr(sign_error_message(), "holds no"));
	check_list("", 0, NULL, SIGN_ERR_MALFORMED, "is empty");
	check_list("junk\n", 5, NULL, SIGN_ERR_MALFORMED, "holds no PEM or DER certificate");
	assert_int_equal(sign_cert_list_from_file(NULL, "x"), SIGN_ERR_INVALID_ARG);
	{
		sign_cert_list *l = NULL;

		assert_int_equal(sign_cert_list_from_file(&l, "/"), SIGN_ERR_NOT_FOUND);
		assert_non_null(strstr(sign_error_message(), "is a directory"));
		assert_int_equal(sign_cert_list_from_file(&l, "/nonexistent/c.pem"),
		    SIGN_ERR_NOT_FOUND);
		assert_null(l);
	}
	sign_cert_list_free(NULL);
	assert_int_equal(sign_cert_list_count(NULL), 0);
	PKCS7_free(p7);
	OPENSSL_free(der);
	OPENSSL_free(p7der);
	X509_free(a);
	X509_free(b);
}

/* The string types do not depend on the process-wide default mask: an
 * application that set "default" (T61String/BMPString allowed) still gets
 * UTF8String names, PrintableString for C, IA5String for emailAddress. */
static void
test_subject_types(void **state)
{
	static const int want[] = { V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING, V_ASN1_UTF8STRING,
		V_ASN1_IA5STRING, V_ASN1_PRINTABLESTRING };
	X509_NAME *nm = X509_NAME_new();
	unsigned long saved = ASN1_STRING_get_default_mask();
	int i;

	(void)state;
	assert_true(ASN1_STRING_set_default_mask_asc("default"));
	assert_int_equal(sign_cert__parse_subject(nm, "/C=VN/O=Ascii only/CN=Nguy\xe1\xbb\x85n "
	    "V\xc4\x83n An/emailAddress=an@example.vn/serialNumber=CCCD:001088012345"), 0);
	ASN1_STRING_set_default_mask(saved);
	assert_int_equal(X509_NAME_entry_count(nm), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(ASN1_STRING_type(X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(nm, i))), want[i]);
	X509_NAME_free(nm);
}

static void
test_request(void **state)
{
	const char *subj = "/C=VN/O=B\xe1\xbb\x99 Y t\xe1\xba\xbf/CN=Tr\xe1\xba\xa7n Th\xe1\xbb\x8b B\xc3\xacnh";
	sign_signer *s = NULL;
	sign_buf pem = SIGN_BUF_INIT;
	X509_REQ *req;
	X509_NAME *nm;
	X509_NAME_ENTRY *e;
	BIO *b;
	int i;

	(void)state;
	assert_int_equal(sign_signer__from_pkey(&s, eckey), 0);
	assert_int_equal(sign_cert_request(&pem, s, subj, SIGN_MD_SHA384, SIGN_SCHEME_AUTO), 0);
	assert_int_equal(strlen((const char *)pem.data), pem.len);
	b = BIO_new_mem_buf(pem.data, (int)pem.len);
	req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	assert_non_null(req);
	assert_int_equal(X509_REQ_verify(req, eckey), 1);
	assert_int_equal(X509_REQ_get_signature_nid(req), NID_ecdsa_with_SHA384);
	nm = X509_REQ_get_subject_name(req);
	assert_int_equal(X509_NAME_entry_count(nm), 3);
	/* C as PrintableString, the rest as UTF8String. */
	for (i = 0; i < 3; i++) {
		e = X509_NAME_get_entry(nm, i);
		assert_int_equal(ASN1_STRING_type(X509_NAME_ENTRY_get_data(e)),
		    i == 0 ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING);
	}
	e = X509_NAME_get_entry(nm, 2);
	assert_int_equal(ASN1_STRING_length(X509_NAME_ENTRY_get_data(e)),
	    (int)strlen("Tr\xe1\xba\xa7n Th\xe1\xbb\x8b B\xc3\xacnh"));
	assert_memory_equal(ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(e)),
	    "Tr\xe1\xba\xa7n Th\xe1\xbb\x8b B\xc3\xacnh",
	    strlen("Tr\xe1\xba\xa7n Th\xe1\xbb\x8b B\xc3\xacnh"));
	X509_REQ_free(req);
	BIO_free(b);
	sign_buf_dispose(&pem);
	/* Refusals. */
	assert_int_equal(sign_cert_request(&pem, s, subj, SIGN_MD_SHA1, SIGN_SCHEME_AUTO),
	    SIGN_ERR_UNSUPPORTED);
	/* PSS on this EC key: a scheme that does not fit the key. */
	assert_int_equal(sign_cert_request(&pem, s, subj, SIGN_MD_SHA256, SIGN_SCHEME_RSA_PSS),
	    SIGN_ERR_USAGE);
	assert_int_equal(sign_cert_request(&pem, s, "CN=x", SIGN_MD_SHA256, SIGN_SCHEME_AUTO),
	    SIGN_ERR_INVALID_ARG);
	assert_null(pem.data);
	sign_signer_free(s);
}

static void
test_request_rsa(void **state)
{
	EVP_PKEY *rsa = EVP_RSA_gen(2048);
	sign_signer *s = NULL;
	sign_buf pem = SIGN_BUF_INIT;
	X509_REQ *req;
	BIO *b;

	(void)state;
	assert_non_null(rsa);
	assert_int_equal(sign_signer__from_pkey(&s, rsa), 0);
	assert_int_equal(sign_cert_request(&pem, s, "/CN=r", SIGN_MD_DEFAULT, SIGN_SCHEME_AUTO), 0);
	b = BIO_new_mem_buf(pem.data, (int)pem.len);
	req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	assert_non_null(req);
	assert_int_equal(X509_REQ_verify(req, rsa), 1);
	assert_int_equal(X509_REQ_get_signature_nid(req), NID_sha256WithRSAEncryption);
	X509_REQ_free(req);
	BIO_free(b);
	sign_buf_dispose(&pem);
	sign_signer_free(s);
	EVP_PKEY_free(rsa);
}

/* The signer's certificate as a sign_cert: the same certificate, none before
 * one is set. */
static void
test_from_signer(void **state)
{
	X509 *x = make_cert("Ch\xe1\xbb\xaf k\xc3\xbd", "critical, nonRepudiation", NULL, NULL,
	    -1, 30, 77);
	sign_signer *s = NULL;
	sign_cert *c = NULL;
	unsigned char *der = NULL;
	int n;

	(void)state;
	assert_int_equal(sign_signer__from_pkey(&s, eckey), 0);
	assert_int_equal(sign_cert_from_signer(&c, s), SIGN_ERR_NOT_FOUND);
	assert_null(c);
	assert_int_equal(sign_cert_from_signer(&c, NULL), SIGN_ERR_INVALID_ARG);
	n = i2d_X509(x, &der);
	assert_true(n > 0);
	assert_int_equal(sign_signer_set_cert(s, der, (size_t)n), 0);
	assert_int_equal(sign_cert_from_signer(&c, s), 0);
	assert_string_equal(sign_cert_get_info(c)->serial, "4d");
	assert_non_null(strstr(sign_cert_get_info(c)->subject, "CN=Ch\xe1\xbb\xaf k\xc3\xbd"));
	sign_signer_free(s);   /* c holds its own reference */
	assert_int_equal(sign_cert_get_info(c)->key_bits, 256);
	sign_cert_free(c);
	OPENSSL_free(der);
	X509_free(x);
}

/* sign_text_escape(): what a terminal would obey is escaped, Vietnamese
 * letters stay, the result is never cut inside an escape or a character. */
static void
test_text_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "Nguyễn Văn An", "Nguyễn Văn An" },
		{ "a\x1b[31mred", "a\\1B[31mred" },
		{ "line\nnext\r\t\x7f", "line\\0Anext\\0D\\09\\7F" },
		{ "c1\xc2\x9b" "2J", "c1\\C2\\9B2J" },                /* U+009B CSI */
		{ "x\xe2\x80\xae" "evil", "x\\E2\\80\\AEevil" },        /* U+202E */
		{ "\xe2\x80\xa8\xe2\x81\xa6\xd8\x9c", "\\E2\\80\\A8\\E2\\81\\A6\\D8\\9C" },
		{ "bad\xff\xc3(", "bad\\FF\\C3(" },                      /* invalid UTF-8 */
		{ "\xe0\x80\x80\xed\xa0\x80", "\\E0\\80\\80\\ED\\A0\\80" }, /* overlong, surrogate */
		{ "\xe2\x80\x94 \xf0\x9f\x98\x80", "\xe2\x80\x94 \xf0\x9f\x98\x80" }, /* em dash, emoji */
		{ "", "" },
	};
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(sign_text_escape(buf, sizeof(buf), t[i].in), strlen(t[i].out));
		assert_string_equal(buf, t[i].out);
	}
	/* cut short: whole characters and whole escapes only */
	assert_int_equal(sign_text_escape(buf, 5, "ễễ"), 6);
	assert_string_equal(buf, "ễ");
	assert_int_equal(sign_text_escape(buf, 6, "ab\x1b\x1b"), 8);
	assert_string_equal(buf, "ab\\1B");
	assert_int_equal(sign_text_escape(buf, 3, "\xe2\x80\xae"), 9);
	assert_string_equal(buf, "");
	assert_int_equal(sign_text_escape(NULL, 0, "abc"), 3);
	assert_int_equal(sign_text_escape(buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_name_escapes),
		cmocka_unit_test(test_no_extensions),
		cmocka_unit_test(test_signing_usage),
		cmocka_unit_test(test_signing_eku),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_from_der),
		cmocka_unit_test(test_cert_files),
		cmocka_unit_test(test_parse_subject),
		cmocka_unit_test(test_subject_types),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_request_rsa),
		cmocka_unit_test(test_from_signer),
		cmocka_unit_test(test_text_escape),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
