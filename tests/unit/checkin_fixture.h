/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixtures the check-in record unit tests share (test_checkin.c,
 * test_checkin_ca.c): a facility (a root, the facility's EC P-256 key and
 * certificate under it, its signer from PEM files, a trust store holding the
 * root and a CSCA store holding the card's CSCA), the canonical bytes of a
 * record, a facility signature over bytes, a record rewritten by an edit, and
 * a check's status.  Every helper fails the test on error.
 */
#ifndef KYSO_TEST_CHECKIN_FIXTURE_H
#define KYSO_TEST_CHECKIN_FIXTURE_H

#include "pa_testlib.h"
#include "libsign/checkin.h"

struct ck_facility {
	EVP_PKEY *root_key, *key;
	X509 *root, *cert;
	char *dir;              /* a temporary directory (its key and certificate) */
	sign_signer *signer;
	sign_trust *trust;      /* the root */
	sign_csca_store *csca;  /* the card's CSCA */
};

/* Make the facility; csca is the card's CSCA certificate. */
void ck_facility_make(struct ck_facility *f, X509 *csca);
void ck_facility_free(struct ck_facility *f);

/* The record's canonical bytes (sign_checkin_to_json). */
sign_buf ck_canon(const sign_checkin *rec);
/* The facility's CAdES detached signature over content. */
sign_buf ck_sign_bytes(const struct ck_facility *f, const sign_buf *content);
/* The record b with edit() applied (when not NULL), serialised by jansson with
 * flags; ck_edited: in canonical form (JSON_SORT_KEYS | JSON_COMPACT). */
sign_buf ck_rewrite(const sign_buf *b, void (*edit)(json_t *), size_t flags);
sign_buf ck_edited(const sign_buf *b, void (*edit)(json_t *));
/* Check c's status in rep (its detail, never NULL, in *detail when not NULL). */
sign_cades_status ck_status(const sign_checkin_report *rep, sign_checkin_check c,
    const char **detail);

#endif
