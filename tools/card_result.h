/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to tools/card_opts.c, card_json.c and cmd_card.c: the result of a card
 * read or of a dump verification. */
#ifndef KYSO_CARD_RESULT_H
#define KYSO_CARD_RESULT_H

#include "card_opts.h"

#define KYSO_CARD_FILES 20

struct kyso_card_file {
	unsigned int fid;
	const unsigned char *data;
	size_t len;
	unsigned char *owned;       /* when loaded from a dump */
};

struct kyso_card_result {
	sign_card_doc *doc;         /* the card read; NULL for a dump */
	struct kyso_card_file files[KYSO_CARD_FILES];
	size_t nfiles;
	const unsigned char *aa_chal, *aa_resp;
	size_t aa_chal_len, aa_resp_len;
	unsigned char *owned_chal, *owned_resp;
	unsigned int aa_sw;         /* a dump: the chip's answer when it gave no AA signature */
	char aa_note[160];          /* a dump: the line on it */
	sign_pa_result *pa;
	sign_mrz *mrz;
	sign_dg13 *dg13;
	sign_dg2 *dg2;
	char parse_error[300];
	const char *photo_file;
	const char *dump_dir;
	int have_stats;
	sign_card_stats stats;
	int genuine;
	int exit;
	char why[600];
};

void kyso_card__err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const unsigned char *kyso_card__file(const struct kyso_card_result *r, unsigned int fid,
    size_t *len);
/* AA verdict including a chip's refusal (FAILED) or an answer too large for
 * the link (NOT_ATTEMPTED). */
sign_aa_verdict kyso_card__active(const struct kyso_card_result *r);
const char *kyso_card__active_message(const struct kyso_card_result *r);
const char *kyso_card__aa_note(const struct kyso_card_result *r);
/* Chip Authentication verdict and its line (a dump: not attempted offline). */
sign_chipauth_verdict kyso_card__chipauth(const struct kyso_card_result *r);
const char *kyso_card__chipauth_message(const struct kyso_card_result *r);
/* "passed", "failed", "not_supported", "not_attempted". */
const char *kyso_card__chipauth_name(sign_chipauth_verdict v);

#endif
