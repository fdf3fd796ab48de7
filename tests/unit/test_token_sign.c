/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The token module against a real PKCS#11 module: SoftHSM2 with a fresh
 * token made here.  Login through the callback (once), wrong PIN, key
 * generation, listing, and signatures made with the token's mechanisms
 * (CKM_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_ECDSA) verified by OpenSSL.
 * Skipped (77) when SoftHSM2 is not installed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "token_priv.h"

static char dir[] = "/tmp/kyso-test-token-sign-XXXXXX";
static const char *module;

struct pin_state {
	const char *pin;   /* NULL: answer with rc */
	int rc;
	int calls;
	int context_calls;
};

static int
pin_cb(const sign_pin_request *req, char *buf, size_t cap, void *ud)
{
	struct pin_state *ps = ud;

	ps->calls++;
	if (req->kind == SIGN_PIN_CONTEXT)
		ps->context_calls++;
	assert_non_null(req->token);
	assert_string_equal(req->token->label, "LibT");
	if (ps->pin == NULL)
		return ps->rc;
	assert_true(strlen(ps->pin) < cap);
	strcpy(buf, ps->pin);
	return 0;
}

static sign_token *
open_token(struct pin_state *ps, unsigned int flags)
{
	sign_token_options o = SIGN_TOKEN_OPTIONS_INIT;
	sign_token *tok = NULL;

	o.module = module;
	o.pin_cb = ps != NULL ? pin_cb : NULL;
	o.pin_userdata = ps;
	o.flags = flags;
	assert_int_equal(sign_token_open(&tok, "pkcs11:token=LibT", &o), 0);
	return tok;
}

static void
test_login_failures(void **state)
{
	struct pin_state bad = { "000000", 0, 0, 0 };
	struct pin_state none = { NULL, SIGN_ERR_CANCELLED, 0, 0 };
	struct pin_state pad = { NULL, SIGN_PIN_USE_PINPAD, 0, 0 };
	sign_token *tok;

	(void)state;
	tok = open_token(NULL, 0);
	assert_int_equal(sign_token_login(tok), SIGN_ERR_PIN_REQUIRED);
	sign_token_free(tok);

	tok = open_token(&bad, 0);
	assert_int_equal(sign_token_login(tok), SIGN_ERR_PIN_INCORRECT);
	assert_non_null(strstr(sign_error_message(), "wrong PIN for token 'LibT'"));
	assert_int_equal(sign_error_backend(), CKR_PIN_INCORRECT);
	assert_int_equal(bad.calls, 1);
	/* SoftHSM reports COUNT_LOW after a wrong PIN. */
	assert_true(sign_token_get_info(tok)->flags & SIGN_TOKEN_PIN_COUNT_LOW);
	sign_token_free(tok);

	tok = open_token(&none, 0);
	assert_int_equal(sign_token_login(tok), SIGN_ERR_CANCELLED);
	sign_token_free(tok);

	tok = open_token(&pad, 0);
	assert_int_equal(sign_token_login(tok), SIGN_ERR_USAGE);
	assert_non_null(strstr(sign_error_message(), "has no PIN pad"));
	sign_token_free(tok);

	/* Unknown and ambiguous tokens. */
	{
		sign_token_options o = SIGN_TOKEN_OPTIONS_INIT;

		o.module = module;
		assert_int_equal(sign_token_open(&tok, "pkcs11:token=Nope", &o),
		    SIGN_ERR_TOKEN_NOT_FOUND);
		assert_non_null(strstr(sign_error_message(), "'LibT'"));
		assert_int_equal(sign_token_open(&tok, "pkcs11:model=SoftHSM%20v2", &o),
		    SIGN_ERR_USAGE);
	}
}

static void
verify_all(sign_signer *s, int rsa)
{
	static const sign_md mds[] = { SIGN_MD_SHA256, SIGN_MD_SHA384, SIGN_MD_SHA512 };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (rsa) {
			assert_int_equal(sign_token_signer_test(s, SIGN_SCHEME_RSA_PKCS1, mds[i], 2), 0);
			assert_int_equal(sign_token_signer_test(s, SIGN_SCHEME_RSA_PSS, mds[i], 2), 0);
			assert_int_equal(sign_token_signer_test(s, SIGN_SCHEME_ECDSA, mds[i], 1),
			    SIGN_ERR_USAGE);
		} else {
			assert_int_equal(sign_token_signer_test(s, SIGN_SCHEME_ECDSA, mds[i], 2), 0);
			assert_int_equal(sign_token_signer_test(s, SIGN_SCHEME_RSA_PSS, mds[i], 1),
			    SIGN_ERR_USAGE);
		}
	}
}

static void
test_generate_and_sign(void **state)
{
	struct pin_state ps = { "123456", 0, 0, 0 };
	sign_token *tok = open_token(&ps, SIGN_TOKEN_OPEN_RW), *ro;
	sign_buf uri_rsa = SIGN_BUF_INIT, uri_ec = SIGN_BUF_INIT, uri = SIGN_BUF_INIT;
	sign_token_objects *objs = NULL;
	sign_signer *rs = NULL, *es = NULL, *again = NULL;
	const unsigned char *der;
	size_t derlen;

	(void)state;
	assert_int_equal(sign_token_login(tok), 0);
	assert_int_equal(sign_token_login(tok), 0);
	assert_int_equal(ps.calls, 1);
	assert_int_equal(sign_token_generate_key(&uri_rsa, tok, SIGN_KEY_RSA_2048, "r",
	    (const unsigned char *)"\x01", 1), 0);
	assert_non_null(strstr((const char *)uri_rsa.data, "id=%01;object=r;type=private"));
	assert_int_equal(strlen((const char *)uri_rsa.data), uri_rsa.len);
	assert_int_equal(sign_token_generate_key(&uri_ec, tok, SIGN_KEY_EC_P256, "e", NULL, 0),
	    0);
	assert_int_equal(sign_token_generate_key(&uri, tok, SIGN_KEY_EC_P384, "dup",
	    (const unsigned char *)"\x01", 1), SIGN_ERR_EXISTS);
	assert_null(uri.data);

	/* Listing, with and without a URI filter. */
	assert_int_equal(sign_token_objects_new(&objs, tok, SIGN_TOKEN_OBJ_PRIVATE_KEY, NULL), 0);
	assert_int_equal(sign_token_objects_count(objs), 2);
	sign_token_objects_free(objs);
	assert_int_equal(sign_token_objects_new(&objs, tok, SIGN_TOKEN_OBJ_PRIVATE_KEY |
	    SIGN_TOKEN_OBJ_PUBLIC_KEY, (const char *)uri_ec.data), 0);
	assert_int_equal(sign_token_objects_count(objs), 1);
	assert_int_equal(sign_token_objects_get(objs, 0)->type, SIGN_TOKEN_OBJ_PRIVATE_KEY);
	assert_string_equal(sign_token_objects_get(objs, 0)->key_type, "ec");
	assert_int_equal(sign_token_objects_get(objs, 0)->key_bits, 256);
	assert_int_equal(sign_token_objects_get(objs, 0)->id_len, 20);
	assert_null(sign_token_objects_get(objs, 1));
	sign_token_objects_free(objs);
	assert_int_equal(sign_token_objects_new(&objs, tok, SIGN_TOKEN_OBJ_PUBLIC_KEY,
	    "pkcs11:object=r"), 0);
	assert_int_equal(sign_token_objects_count(objs), 1);
	assert_int_equal(sign_token_objects_get(objs, 0)->key_bits, 2048);
	sign_token_objects_free(objs);

	/* Signers: many signatures, no further PIN request. */
	assert_int_equal(sign_token_signer(&rs, tok, (const char *)uri_rsa.data, NULL), 0);
	assert_int_equal(sign_token_signer(&es, tok, "pkcs11:token=LibT;object=e", NULL), 0);
	assert_int_equal(sign_signer_cert(rs, &der, &derlen), SIGN_ERR_NOT_FOUND);
	verify_all(rs, 1);
	verify_all(es, 0);
	assert_int_equal(ps.calls, 1);
	/* Ambiguous and unknown keys. */
	assert_int_equal(sign_token_signer(&again, tok, "pkcs11:token=LibT", NULL), SIGN_ERR_USAGE);
	assert_int_equal(sign_token_signer(&again, tok, "pkcs11:object=none", NULL),
	    SIGN_ERR_KEY_NOT_FOUND);
	assert_int_equal(sign_token_signer(&again, tok, "pkcs11:token=Other;object=r", NULL),
	    SIGN_ERR_KEY_NOT_FOUND);
	assert_null(again);

	/* The signer keeps the token alive. */
	sign_token_free(tok);
	assert_int_equal(sign_token_signer_test(rs, SIGN_SCHEME_AUTO, SIGN_MD_SHA256, 1), 0);

	/* A second handle on the same module (shared) that is read-only. */
	ro = open_token(&ps, 0);
	assert_int_equal(sign_token_login(ro), 0);
	assert_int_equal(sign_token_generate_key(&uri, ro, SIGN_KEY_EC_P256, "x", NULL, 0),
	    SIGN_ERR_USAGE);
	sign_token_free(ro);
	assert_int_equal(sign_token_signer_test(es, SIGN_SCHEME_AUTO, SIGN_MD_SHA256, 1), 0);

	/* All in one. */
	{
		sign_token_options o = SIGN_TOKEN_OPTIONS_INIT;
		struct pin_state ps2 = { "123456", 0, 0, 0 };

		o.module = module;
		o.pin_cb = pin_cb;
		o.pin_userdata = &ps2;
		assert_int_equal(sign_token_signer_open(&again, "pkcs11:token=LibT;object=e", NULL,
		    &o), 0);
		assert_int_equal(sign_token_signer_test(again, SIGN_SCHEME_ECDSA, SIGN_MD_SHA384, 3),
		    0);
		assert_true(ps2.calls <= 1);
		sign_signer_free(again);
	}
	sign_signer_free(rs);
	sign_signer_free(es);
	sign_buf_dispose(&uri_rsa);
	sign_buf_dispose(&uri_ec);
}

static int
find_module(void)
{
	static const char *cands[] = { "/usr/lib/softhsm/libsofthsm2.so",
		"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
		"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so" };
	size_t i;

	module = getenv("SOFTHSM_MODULE");
	if (module != NULL && *module && access(module, R_OK) == 0)
		return 0;
	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		if (access(cands[i], R_OK) == 0) {
			module = cands[i];
			return 0;
		}
	}
	return -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_failures),
		cmocka_unit_test(test_generate_and_sign),
	};
	char conf[256], cmd[512];
	FILE *fp;
	int rc;

	if (find_module() != 0 || system("softhsm2-util --version >/dev/null 2>&1") != 0) {
		printf("SKIP: SoftHSM2 is not installed\n");
		return 77;
	}
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
	fp = fopen(conf, "w");
	if (fp == NULL)
		return 1;
	fprintf(fp, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
	    dir);
	fclose(fp);
	setenv("SOFTHSM2_CONF", conf, 1);
	snprintf(cmd, sizeof(cmd), "softhsm2-util --init-token --free --label LibT "
	    "--so-pin 12345678 --pin 123456 >/dev/null && softhsm2-util --init-token --free "
	    "--label LibT2 --so-pin 12345678 --pin 123456 >/dev/null");
	if (system(cmd) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
