/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The time-stamp options of signing (sign_cades_sign_opts version 3:
 * tsa_cacert): what sign_cades_check_sign_opts() refuses, table-driven (a
 * bundle that cannot be opened, is a directory or FIFO, holds no PEM
 * certificate, a bundle with an http:// server, a server URL that is not
 * http(s)), that the signing calls refuse the same before any signature
 * (no output, no temporary file), that the CA bundle is not looked at in an
 * older (version 2) struct, and that sign_cades_sign_file() reads no byte
 * past the end of a version 1 or 2 struct (it ends at a page that cannot be
 * read).  The HTTPS side (a server verified by the bundle, or not) is
 * tests/integration/tsa_https.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_cades_util.h"
#include "http_priv.h"

#include <sys/mman.h>
#include <unistd.h>

static const char HTTPS[] = "https://127.0.0.1:1/tsa";

static void
write_text(const char *path, const char *text)
{
	assert_int_equal(write_file(path, text, strlen(text)), 0);
}

/* a.pem + b.pem into path */
static void
cat2(const char *path, const char *a, const char *b)
{
	char cmd[1600];

	snprintf(cmd, sizeof(cmd), "cat '%s' '%s' > '%s'", pki(a), pki(b), path);
	assert_int_equal(system(cmd), 0);
}

static void
test_check_opts(void **state)
{
	char der[600], fifo[600], both[600], empty[600], text[600], key[600], trust[600];
	X509 *root = load_cert("root.pem");
	unsigned char *d = NULL;
	int n;
	struct {
		unsigned int version;
		const char *url, *cacert;
		int rc;
		const char *msg;        /* in the message, or NULL */
	} cases[] = {
		{ 3, HTTPS, NULL, 0, NULL },
		{ 3, HTTPS, "", 0, NULL },                    /* "": none */
		{ 3, NULL, "/nonexistent/ca.pem", 0, NULL },  /* no server: ignored */
		{ 2, HTTPS, "/nonexistent/ca.pem", 0, NULL }, /* version 2: no such member */
		{ 3, HTTPS, NULL, 0, NULL },
		{ 3, "ftp://127.0.0.1/tsa", NULL, SIGN_ERR_USAGE,
		  "the time-stamp server URL ftp://127.0.0.1/tsa is not http:// or https://" },
		{ 3, "http://127.0.0.1:1/tsa", "", 0, NULL },
		{ 3, "http://127.0.0.1:1/tsa", "/nonexistent/ca.pem", SIGN_ERR_USAGE,
		  "but http://127.0.0.1:1/tsa is plain http://: no TLS, nothing to verify" },
		{ 3, HTTPS, "/nonexistent/ca.pem", SIGN_ERR_NOT_FOUND,
		  "cannot read the time-stamp server's CA bundle /nonexistent/ca.pem: No such "
		  "file or directory; check the file name (tsa-cacert)" },
		{ 3, HTTPS, work_dir, SIGN_ERR_USAGE, "is a directory, not a file" },
		{ 3, HTTPS, fifo, SIGN_ERR_USAGE, "is a FIFO, not a file" },
		{ 3, HTTPS, der, SIGN_ERR_MALFORMED, "holds no PEM certificate" },
		{ 3, HTTPS, empty, SIGN_ERR_MALFORMED, "holds no PEM certificate" },
		{ 3, HTTPS, text, SIGN_ERR_MALFORMED, "holds no PEM certificate" },
		{ 3, HTTPS, key, SIGN_ERR_MALFORMED, "holds no PEM certificate" },
		{ 3, HTTPS, trust, 0, NULL },
		{ 3, HTTPS, both, 0, NULL },                  /* a key, then a certificate */
		{ 4, HTTPS, NULL, 0, NULL },
		{ 5, HTTPS, NULL, SIGN_ERR_INVALID_ARG, "version 5 is not supported" },
		{ 0, HTTPS, NULL, SIGN_ERR_INVALID_ARG, "version 0 is not supported" },
	};
	size_t i;

	(void)state;
	snprintf(key, sizeof(key), "%s", pki("tsa.key"));
	snprintf(trust, sizeof(trust), "%s", pki("trust.pem"));
	snprintf(der, sizeof(der), "%s", work("root.der"));
	snprintf(fifo, sizeof(fifo), "%s", work("ca.fifo"));
	snprintf(both, sizeof(both), "%s", work("key-then-cert.pem"));
	snprintf(empty, sizeof(empty), "%s", work("empty.pem"));
	snprintf(text, sizeof(text), "%s", work("text.pem"));
	assert_non_null(root);
	n = i2d_X509(root, &d);
	assert_true(n > 0);
	assert_int_equal(write_file(der, d, (size_t)n), 0);
	OPENSSL_free(d);
	X509_free(root);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	cat2(both, "tsa.key", "root.pem");
	write_text(empty, "");
	write_text(text, "-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
		int rc;

		o.version = cases[i].version;
		o.tsa_url = cases[i].url;
		o.tsa_cacert = cases[i].cacert;
		rc = sign_cades_check_sign_opts(&o);
		if (rc != cases[i].rc || (cases[i].msg != NULL &&
		    strstr(sign_error_message(), cases[i].msg) == NULL))
			fail_msg("case %zu (version %u, %s, %s): %d \"%s\", expected %d \"%s\"", i,
			    cases[i].version, cases[i].url != NULL ? cases[i].url : "(none)",
			    cases[i].cacert != NULL ? cases[i].cacert : "(none)", rc,
			    rc != 0 ? sign_error_message() : "", cases[i].rc,
			    cases[i].msg != NULL ? cases[i].msg : "");
	}
	assert_int_equal(sign_cades_check_sign_opts(NULL), SIGN_ERR_INVALID_ARG);
	{
		sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;

		o.md = SIGN_MD_SHA1;
		assert_int_equal(sign_cades_check_sign_opts(&o), SIGN_ERR_UNSUPPORTED);
	}
	unlink(fifo);
}

/* The signing calls refuse a bundle that cannot be used before any
 * signature: every file gets the error, nothing is written. */
static void
test_sign_refuses_bundle(void **state)
{
	sign_cades_sign_opts o = SIGN_CADES_SIGN_OPTS_INIT;
	sign_signer *s = mk_signer("signer-ec");
	const char *in[2], *out[2];
	char in0[600], in1[600], out0[600], out1[600], dir[400];
	sign_buf sig = SIGN_BUF_INIT;
	int res[2] = { 1, 1 };

	(void)state;
	assert_non_null(s);
	snprintf(dir, sizeof(dir), "%s", work("refused"));
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(in0, sizeof(in0), "%s/a.txt", dir);
	snprintf(in1, sizeof(in1), "%s/b.txt", dir);
	snprintf(out0, sizeof(out0), "%s/a.txt.p7s", dir);
	snprintf(out1, sizeof(out1), "%s/b.txt.p7s", dir);
	write_text(in0, "Công văn 1\n");
	write_text(in1, "Công văn 2\n");
	in[0] = in0;
	in[1] = in1;
	out[0] = out0;
	out[1] = out1;
	o.tsa_url = HTTPS;
	o.tsa_cacert = "/nonexistent/ca.pem";
	assert_int_equal(sign_cades_sign_files(s, in, out, 2, &o, res), SIGN_ERR_NOT_FOUND);
	assert_int_equal(res[0], SIGN_ERR_NOT_FOUND);
	assert_int_equal(res[1], SIGN_ERR_NOT_FOUND);
	assert_non_null(strstr(sign_error_message(), "/nonexistent/ca.pem"));
	assert_int_equal(sign_cades_sign_file(s, in0, out0, &o), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_cades_sign_mem(&sig, s, (const unsigned char *)"x", 1, &o),
	    SIGN_ERR_NOT_FOUND);
	assert_int_equal(sig.len, 0);
	o.tsa_url = "http://127.0.0.1:1/tsa";
	o.tsa_cacert = pki("trust.pem");
	assert_int_equal(sign_cades_sign_files(s, in, out, 2, &o, res), SIGN_ERR_USAGE);
	/* only the two inputs: no output, no temporary file */
	assert_int_equal(count_files(dir, ".p7s"), 0);
	assert_int_equal(count_files(dir, ".tmp"), 0);
	assert_int_equal(count_files(dir, ".txt"), 2);
	sign_signer_free(s);
}

/*
 * sign_cades_sign_file() copies the caller's options: a version 1 or 2
 * struct (an application built against an older header) ends before the
 * newer members, here right at a page that cannot be read.  Signing (no
 * time-stamp server) must work and read nothing past its end.
 */
static void
test_sign_file_old_struct(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	const size_t ends[] = { offsetof(sign_cades_sign_opts, tsa_url),
	    offsetof(sign_cades_sign_opts, tsa_cacert), offsetof(sign_cades_sign_opts, sessions) };
	sign_signer *s = mk_signer("signer-ec");
	char in[512], out[600];
	unsigned char *mem;
	size_t i;

	(void)state;
	assert_non_null(s);
	assert_true(page > 0 && (size_t)page >= sizeof(sign_cades_sign_opts));
	mem = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	assert_true(mem != MAP_FAILED);
	assert_int_equal(mprotect(mem + page, (size_t)page, PROT_NONE), 0);
	snprintf(in, sizeof(in), "%s", work("old.txt"));
	write_text(in, "Tờ trình\n");
	for (i = 0; i < 3; i++) {
		sign_cades_sign_opts full = SIGN_CADES_SIGN_OPTS_INIT;
		unsigned char *at = mem + page - ends[i];
		sign_cades_report *rep = NULL;
		sign_trust *trust = NULL;
		sign_cades_verify_opts vo = SIGN_CADES_VERIFY_OPTS_INIT;

		full.version = (unsigned int)i + 1;
		full.overwrite = 1;
		memcpy(at, &full, ends[i]);
		snprintf(out, sizeof(out), "%s.v%zu.p7s", in, i + 1);
		assert_int_equal(sign_cades_sign_file(s, in, out,
		    (const sign_cades_sign_opts *)(void *)at), 0);
		/* the batch call reads the struct itself (its threads, and its
		 * sessions only from version 4) */
		{
			const char *ip = in, *op = out;

			assert_int_equal(sign_cades_sign_files(s, &ip, &op, 1,
			    (const sign_cades_sign_opts *)(void *)at, NULL), 0);
		}
		trust = mk_trust("root.pem");
		assert_non_null(trust);
		vo.trust = trust;
		vo.content_path = in;
		assert_int_equal(sign_cades_verify_file(&rep, out, &vo), 0);
		sign_cades_report_free(rep);
		sign_trust_free(trust);
	}
	munmap(mem, (size_t)page * 2);
	sign_signer_free(s);
}

static void
test_session_set_ca(void **state)
{
	sign_http__session *h = NULL;

	(void)state;
	assert_int_equal(sign_http__session_set_ca(NULL, "x.pem", "tsa-cacert"),
	    SIGN_ERR_INVALID_ARG);
	assert_int_equal(sign_http__session_new(&h), 0);
	assert_int_equal(sign_http__session_set_ca(h, pki("trust.pem"), "tsa-cacert"), 0);
	/* set again (replaced), and back to the system's store */
	assert_int_equal(sign_http__session_set_ca(h, pki("root.pem"), NULL), 0);
	assert_int_equal(sign_http__session_set_ca(h, NULL, NULL), 0);
	sign_http__session_free(h);
	assert_int_equal(sign_cades__tsa_session_new(&h, pki("trust.pem")), 0);
	assert_non_null(h);
	sign_http__session_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_opts),
		cmocka_unit_test(test_sign_refuses_bundle),
		cmocka_unit_test(test_sign_file_old_struct),
		cmocka_unit_test(test_session_set_ca),
	};

	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
