/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BAC key derivation and mutual authentication: ICAO 9303-11 Appendix D. */
#include "config.h"
#include "icao_util.h"
#include "internal.h"
#include "sm.h"
#include "libsign/mrtd.h"

static json_t *vec;

static int
setup(void **state)
{
	(void)state;
	vec = load_json_fixture("bac_sm_appendix_D.json");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	json_decref(vec);
	return 0;
}

static sign_mrz_key *
d2_key(void)
{
	json_t *d2 = json_object_get(vec, "D.2_key_derivation");
	sign_mrz_key *key = NULL;

	assert_int_equal(sign_mrz_key_new(&key, jstr(d2, "document_number"),
	    jstr(d2, "date_of_birth"), jstr(d2, "date_of_expiry")), 0);
	return key;
}

static void
test_key_derivation(void **state)
{
	json_t *d2 = json_object_get(vec, "D.2_key_derivation");
	sign_mrz_key *key = d2_key();
	unsigned char seed[16], k[16];
	size_t n;
	unsigned char *exp_seed = jhex(d2, "K_seed", &n);

	(void)state;
	assert_int_equal(sign_bac__kseed(key, seed), 0);
	assert_memory_equal(seed, exp_seed, 16);
	assert_int_equal(sign_bac__derive(seed, 16, 1, k), 0);
	assert_hex_equal(k, 16, jstr(d2, "K_enc"));
	assert_int_equal(sign_bac__derive(seed, 16, 2, k), 0);
	assert_hex_equal(k, 16, jstr(d2, "K_mac"));
	free(exp_seed);
	sign_mrz_key_free(key);
}

static void
test_parity(void **state)
{
	json_t *d2 = json_object_get(vec, "D.2_key_derivation");
	size_t n;
	unsigned char *k = jhex(d2, "K_enc_before_parity", &n);

	(void)state;
	sign_bac__parity(k, n);
	assert_hex_equal(k, n, jstr(d2, "K_enc"));
	free(k);
	k = jhex(d2, "K_mac_before_parity", &n);
	sign_bac__parity(k, n);
	assert_hex_equal(k, n, jstr(d2, "K_mac"));
	free(k);
}

/* The whole mutual authentication with the appendix's RND.IFD and K.IFD:
 * our command data must be the appendix's byte for byte, and the card's
 * answer must give its KS_enc, KS_mac and SSC. */
static void
test_mutual_authentication(void **state)
{
	json_t *d3 = json_object_get(vec, "D.3_authentication");
	sign_mrz_key *key = d2_key();
	sign_bac *bac = NULL;
	sign_sm *sm = NULL, *ref = NULL;
	unsigned char cmd[40], ssc[8];
	size_t n1, n2, n3, n4, n5, n6;
	unsigned char *rnd_ic = jhex(d3, "RND_IC", &n1);
	unsigned char *rnd_ifd = jhex(d3, "RND_IFD", &n2);
	unsigned char *k_ifd = jhex(d3, "K_IFD", &n3);
	unsigned char *resp = jhex(d3, "resp_data", &n4);
	unsigned char *ks_enc = jhex(d3, "KS_enc", &n5);
	unsigned char *ks_mac = jhex(d3, "KS_mac", &n6);
	sign_buf a = SIGN_BUF_INIT, b = SIGN_BUF_INIT;
	sign_apdu apdu = { 0x00, 0xB0, 0x00, 0x00, NULL, 0, 4, 0 };

	(void)state;
	assert_int_equal(sign_bac__new(&bac, key), 0);
	assert_int_equal(sign_bac__set_random(bac, rnd_ifd, k_ifd), 0);
	assert_int_equal(sign_bac__ext_auth_data(bac, rnd_ic, cmd), 0);
	assert_hex_equal(cmd, 40, jstr(d3, "cmd_data"));
	assert_int_equal(sign_bac__finish(bac, resp, n4, &sm), 0);
	assert_non_null(sm);
	assert_int_equal(sign_sm__ssc(sm, ssc, 8), 0);
	assert_hex_equal(ssc, 8, jstr(d3, "SSC"));
	/* The session keys: an SM context built from the appendix's KS_enc and
	 * KS_mac protects a command exactly like ours. */
	assert_int_equal(sign_sm__new(&ref, SIGN_SM_3DES, ks_enc, ks_mac, 16, ssc, 8), 0);
	assert_int_equal(sign_sm__wrap(sm, &apdu, &a), 0);
	assert_int_equal(sign_sm__wrap(ref, &apdu, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	sign_buf_dispose(&a);
	sign_buf_dispose(&b);
	sign_sm__free(sm);
	sign_sm__free(ref);
	sign_bac__free(bac);
	sign_mrz_key_free(key);
	free(rnd_ic);
	free(rnd_ifd);
	free(k_ifd);
	free(resp);
	free(ks_enc);
	free(ks_mac);
}

/* A card answer with a flipped byte, a wrong length or a wrong echo is
 * refused with SIGN_ERR_AUTH_FAILED / CARD_RESPONSE and no session. */
static void
test_mutual_authentication_refused(void **state)
{
	json_t *d3 = json_object_get(vec, "D.3_authentication");
	sign_mrz_key *key = d2_key(), *wrong = NULL;
	sign_bac *bac = NULL;
	sign_sm *sm = NULL;
	unsigned char cmd[40];
	size_t n1, n2, n3, n4, i;
	unsigned char *rnd_ic = jhex(d3, "RND_IC", &n1);
	unsigned char *rnd_ifd = jhex(d3, "RND_IFD", &n2);
	unsigned char *k_ifd = jhex(d3, "K_IFD", &n3);
	unsigned char *resp = jhex(d3, "resp_data", &n4);
	static const size_t flips[] = { 0, 31, 32, 39 };

	(void)state;
	assert_int_equal(sign_bac__new(&bac, key), 0);
	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		assert_int_equal(sign_bac__set_random(bac, rnd_ifd, k_ifd), 0);
		assert_int_equal(sign_bac__ext_auth_data(bac, rnd_ic, cmd), 0);
		resp[flips[i]] ^= 0x01;
		assert_int_equal(sign_bac__finish(bac, resp, n4, &sm), SIGN_ERR_AUTH_FAILED);
		assert_null(sm);
		assert_non_null(strstr(sign_error_message(), "MRZ key"));
		resp[flips[i]] ^= 0x01;
	}
	/* wrong length */
	assert_int_equal(sign_bac__set_random(bac, rnd_ifd, k_ifd), 0);
	assert_int_equal(sign_bac__ext_auth_data(bac, rnd_ic, cmd), 0);
	assert_int_equal(sign_bac__finish(bac, resp, n4 - 1, &sm), SIGN_ERR_CARD_RESPONSE);
	/* finish without a challenge */
	assert_int_equal(sign_bac__finish(bac, resp, n4, &sm), SIGN_ERR_INVALID_ARG);
	/* a different RND.IFD: the MAC holds (same keys) but the echo does not */
	rnd_ifd[0] ^= 0xFF;
	assert_int_equal(sign_bac__set_random(bac, rnd_ifd, k_ifd), 0);
	assert_int_equal(sign_bac__ext_auth_data(bac, rnd_ic, cmd), 0);
	assert_int_equal(sign_bac__finish(bac, resp, n4, &sm), SIGN_ERR_AUTH_FAILED);
	assert_non_null(strstr(sign_error_message(), "echo"));
	assert_null(sm);
	sign_bac__free(bac);
	bac = NULL;
	rnd_ifd[0] ^= 0xFF;
	/* another MRZ key: the card's answer fails our MAC */
	assert_int_equal(sign_mrz_key_new(&wrong, "L898902C<", "690806", "940624"), 0);
	assert_int_equal(sign_bac__new(&bac, wrong), 0);
	assert_int_equal(sign_bac__set_random(bac, rnd_ifd, k_ifd), 0);
	assert_int_equal(sign_bac__ext_auth_data(bac, rnd_ic, cmd), 0);
	assert_int_equal(sign_bac__finish(bac, resp, n4, &sm), SIGN_ERR_AUTH_FAILED);
	sign_bac__free(bac);
	sign_mrz_key_free(wrong);
	sign_mrz_key_free(key);
	free(rnd_ic);
	free(rnd_ifd);
	free(k_ifd);
	free(resp);
}

/* Without injected values, RND.IFD and K.IFD are fresh for each challenge. */
static void
test_random_is_fresh(void **state)
{
	sign_mrz_key *key = d2_key();
	sign_bac *bac = NULL;
	unsigned char rnd_ic[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, c1[40], c2[40];

	(void)state;
	assert_int_equal(sign_bac__new(&bac, key), 0);
	assert_int_equal(sign_bac__ext_auth_data(bac, rnd_ic, c1), 0);
	assert_int_equal(sign_bac__ext_auth_data(bac, rnd_ic, c2), 0);
	assert_memory_not_equal(c1, c2, 40);
	sign_bac__free(bac);
	sign_mrz_key_free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_derivation),
		cmocka_unit_test(test_parity),
		cmocka_unit_test(test_mutual_authentication),
		cmocka_unit_test(test_mutual_authentication_refused),
		cmocka_unit_test(test_random_is_fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
