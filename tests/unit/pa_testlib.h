/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers of the passive/active authentication unit tests: fixtures under
 * $top_srcdir/tests/fixtures/pa, hex and JSON, and a small synthetic PKI
 * (keys, CSCA / link / DS certificates, EF.SOD, DG15) made at test time
 * with OpenSSL, for the cases no public vector covers.
 */
#ifndef KYSO_TEST_PA_TESTLIB_H
#define KYSO_TEST_PA_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <time.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "internal.h"
#include "libsign/pa.h"

/* Bytes of tests/fixtures/pa/<rel> (fails the test when missing). */
sign_buf t_fixture(const char *rel);
/* Full path of tests/fixtures/pa/<rel> (one of 4 rotating static buffers). */
const char *t_fixture_path(const char *rel);
/* Parsed JSON fixture. */
json_t *t_json(const char *rel);
/* Hex string to bytes. */
sign_buf t_hex(const char *hex);
/* A copy of b with byte i xor-ed with 0x01. */
sign_buf t_flip(const sign_buf *b, size_t i);
/* A fresh temporary directory (removed by t_rmdir). */
char *t_tmpdir(void);
void t_rmdir(char *dir);
void t_write(const char *dir, const char *name, const void *data, size_t len);

/* Synthetic PKI. */
EVP_PKEY *t_key(const char *type, const char *param);   /* ("EC","P-256"), ("RSA","2048") */
/* A certificate for key `pub`, issued by `issuer` (NULL: self-signed) with
 * issuer_key; C=country, CN=cn; valid from now+nb_days to now+na_days;
 * ca: CA:TRUE + keyCertSign, else digitalSignature. */
X509 *t_cert(EVP_PKEY *pub, const char *country, const char *cn, X509 *issuer,
    EVP_PKEY *issuer_key, int ca, int nb_days, int na_days);
sign_buf t_der(X509 *x);

/* EF.SOD over the given DGs (dgs[i] number, data[i] bytes), LDS hash md,
 * signed by ds_key/ds_cert (embedded unless no_cert). */
sign_buf t_sod(EVP_PKEY *ds_key, X509 *ds_cert, const EVP_MD *md, const int *dgs,
    const sign_buf *data, size_t n, int no_cert);
/* DG15 (6F SubjectPublicKeyInfo) of a key. */
sign_buf t_dg15(EVP_PKEY *key);
/* DG1 with a TD3 MRZ naming the issuing state (3 chars). */
sign_buf t_dg1(const char *state);


/* Active Authentication responses made with a private key (as a chip would):
 * ISO/IEC 9796-2 scheme 1, partial recovery, random M1, trailer BC when
 * trailer_id is 0 else trailer_id || CC; and ECDSA over the challenge, plain
 * r||s (der = 0) or DER. */
sign_buf t_aa_sign_rsa(EVP_PKEY *key, const EVP_MD *md, unsigned char trailer_id,
    const unsigned char *ch, size_t chlen);
sign_buf t_aa_sign_ec(EVP_PKEY *key, const EVP_MD *md, const unsigned char *ch, size_t chlen,
    int der);
/* Raw RSA private operation on a k-byte representative (F^d mod n). */
sign_buf t_raw_rsa_sign(EVP_PKEY *key, const unsigned char *f, size_t k);

#endif
