/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a chip ID card from a kyso command: the card key options (BAC key
 * from --mrz-source / --qr-source / --mrz / --doc-number --dob --expiry /
 * --id --dob / --qr), the CSCA trust options, the read + verification, the
 * exit status rule, and the output (JSON per docs/card-json.md, or a human
 * summary).  Shared by `kyso card read`, `kyso insurance lookup --card` and
 * `kyso reception`.
 *
 * Use in a command:
 *
 *   static const struct kyso_opt opts[] = {
 *       KYSO_CARD_READER_OPTIONS, KYSO_CARD_KEY_OPTIONS, KYSO_CARD_TRUST_OPTIONS, ...,
 *       { NULL } };
 *   struct kyso_card_opts co = KYSO_CARD_OPTS_INIT;
 *   // in the kyso_parse callback:
 *   if ((rc = kyso_card_option(&co, val, arg)) >= 0) return rc;
 *   // after parsing:
 *   struct kyso_card_result *res = NULL;
 *   rc = kyso_card_read(&co, &res);      // prints its diagnostics
 *   if (res == NULL) return rc;          // no verdict: 3 4 5 6 7
 *   json_t *j = kyso_card_json(res);     // holder.id_number, holder.full_name...
 *   ... rc is the exit status (0 genuine, 1 failed, 2 indeterminate)
 *   kyso_card_result_free(res);
 */
#ifndef KYSO_CARD_OPTS_H
#define KYSO_CARD_OPTS_H

#include <jansson.h>
#include <libsign.h>
#include <libsign/card.h>
#include <libsign/mrtd.h>
#include <libsign/pa.h>
#include "kyso.h"

/* getopt values of the card options (keep clear of them in option tables). */
#define KYSO_OPT_CARD_READER     0x7c01
#define KYSO_OPT_CARD_WAIT       0x7c02
#define KYSO_OPT_CARD_MRZ        0x7c10
#define KYSO_OPT_CARD_MRZ_SOURCE 0x7c11
#define KYSO_OPT_CARD_DOC_NUMBER 0x7c12
#define KYSO_OPT_CARD_DOB        0x7c13
#define KYSO_OPT_CARD_EXPIRY     0x7c14
#define KYSO_OPT_CARD_ID         0x7c15
#define KYSO_OPT_CARD_ISSUE_DATE 0x7c16
#define KYSO_OPT_CARD_QR         0x7c17
#define KYSO_OPT_CARD_QR_SOURCE  0x7c18
#define KYSO_OPT_CARD_CSCA       0x7c20
#define KYSO_OPT_CARD_ML         0x7c21
#define KYSO_OPT_CARD_ML_ANCHOR  0x7c22
#define KYSO_OPT_CARD_NO_DEFAULT 0x7c23

#define KYSO_CARD_READER_OPTIONS \
	{ "reader", required_argument, KYSO_OPT_CARD_READER, "NAME", \
	  "the PC/SC reader (default: the first one holding a card)" }, \
	{ "wait", required_argument, KYSO_OPT_CARD_WAIT, "SECONDS", \
	  "wait this long for a card to be inserted" }

#define KYSO_CARD_KEY_OPTIONS \
	{ "mrz-source", required_argument, KYSO_OPT_CARD_MRZ_SOURCE, "SRC", \
	  "the card's full MRZ from env:NAME|file:PATH|fd:N|tty (preferred)" }, \
	{ "qr-source", required_argument, KYSO_OPT_CARD_QR_SOURCE, "SRC", \
	  "the card's QR text from env:NAME|file:PATH|fd:N|tty" }, \
	{ "mrz", required_argument, KYSO_OPT_CARD_MRZ, "TEXT", \
	  "the MRZ on the command line (visible to others: warns)" }, \
	{ "doc-number", required_argument, KYSO_OPT_CARD_DOC_NUMBER, "N", \
	  "document number (with --dob and --expiry; warns)" }, \
	{ "dob", required_argument, KYSO_OPT_CARD_DOB, "DATE", \
	  "date of birth, YYMMDD or dd/mm/yyyy" }, \
	{ "expiry", required_argument, KYSO_OPT_CARD_EXPIRY, "DATE", \
	  "expiry, YYMMDD or dd/mm/yyyy (991231: no expiry)" }, \
	{ "id", required_argument, KYSO_OPT_CARD_ID, "ID12", \
	  "12-digit citizen ID (with --dob [--expiry]; warns)" }, \
	{ "issue-date", required_argument, KYSO_OPT_CARD_ISSUE_DATE, "DATE", \
	  "issue date (dd/mm/yyyy), orders the expiry candidates" }, \
	{ "qr", required_argument, KYSO_OPT_CARD_QR, "TEXT", \
	  "the QR text on the command line (warns)" }

#define KYSO_CARD_TRUST_OPTIONS \
	{ "csca", required_argument, KYSO_OPT_CARD_CSCA, "FILE|DIR", \
	  "trust this CSCA certificate / directory (repeatable)" }, \
	{ "master-list", required_argument, KYSO_OPT_CARD_ML, "FILE.ml", \
	  "trust the CSCAs of an ICAO master list (repeatable)" }, \
	{ "ml-signer-anchor", required_argument, KYSO_OPT_CARD_ML_ANCHOR, "CERT", \
	  "certificate that must sign the master lists" }, \
	{ "no-default-csca", no_argument, KYSO_OPT_CARD_NO_DEFAULT, NULL, \
	  "do not add the installed CSCA set" }

#define KYSO_CARD_MAX_TRUST 32

struct kyso_card_opts {
	const char *reader;
	unsigned long wait_ms;
	const char *mrz, *mrz_source, *doc_number, *dob, *expiry, *id, *issue_date;
	const char *qr, *qr_source;
	const char *csca[KYSO_CARD_MAX_TRUST];
	size_t ncsca;
	const char *ml[KYSO_CARD_MAX_TRUST];
	size_t nml;
	const char *ml_anchor;
	int no_default_csca;
	/* outputs of `kyso card read` (others leave them NULL) */
	const char *photo;
	const char *dump;
};

#define KYSO_CARD_OPTS_INIT { 0 }

/* Handle one option from a kyso_parse callback: -1 when val is not a card
 * option, 0 when handled, or an exit status with a message printed. */
int kyso_card_option(struct kyso_card_opts *o, int val, const char *arg);

/* 1 when some card key option was given. */
int kyso_card_has_key(const struct kyso_card_opts *o);

/* The BAC key(s) from the options: exactly one of *key and *keys is set.
 * Prints a warning when key material came from argv.  0 or an exit status
 * (3 usage / bad key data, 5 a source that cannot be read). */
int kyso_card_keys(const struct kyso_card_opts *o, sign_mrz_key **key, sign_mrz_keys **keys);

/* The CSCA store from the options (and the default set).  0 or an exit
 * status with a message. */
int kyso_card_trust(const struct kyso_card_opts *o, sign_csca_store **out);

/* A read (or a dump) and its verification. */
struct kyso_card_result;

/*
 * Read the card per the options, verify it, write --photo / --dump when
 * asked (only after a complete read), and return the result with its exit
 * status: 0 genuine, 1 a check failed, 2 undecided, 6 data that passed PA
 * but does not parse.  Without a verdict (*out NULL): 3 4 5 6 7, with the
 * message printed.
 */
int kyso_card_read(const struct kyso_card_opts *o, struct kyso_card_result **out);

/* Re-verify a dump directory offline (PA; AA when the dump holds the
 * exchange).  As kyso_card_read. */
int kyso_card_verify_dir(const struct kyso_card_opts *o, const char *dir,
    struct kyso_card_result **out);

void kyso_card_result_free(struct kyso_card_result *res);

/* The JSON object of docs/card-json.md (without "schema": kyso_json_emit
 * adds it); never NULL except out of memory. */
json_t *kyso_card_json(const struct kyso_card_result *res);
/* The human summary on fp. */
void kyso_card_print(const struct kyso_card_result *res, FILE *fp, int with_stats);
/* One line on why the exit status is not 0 (NULL when it is 0). */
const char *kyso_card_why(const struct kyso_card_result *res);

/* Borrowed holder fields (DG13 keys, e.g. "id_number", "full_name",
 * "date_of_birth"); NULL when absent. */
const char *kyso_card_holder(const struct kyso_card_result *res, const char *key);

/* A data group's status against the SOD as docs/card-json.md names it:
 * "match", "mismatch", "not_read", "not_in_sod", "absent". */
const char *kyso_card_dg_status_name(sign_dg_status s);

/*
 * A verdict as docs/card-json.md names it ("passed", "failed", "indeterminate",
 * "not_supported", "not_attempted") said in words, for human output (JSON
 * keeps the names).  kyso_card_verdict_words: for a "label: value" line
 * ("not supported"); a name it does not know comes back as it is (show it
 * with kyso_shown()).  kyso_card_verdict_sentence: a clause about what (e.g.
 * "active authentication") in buf: "the chip does not support active
 * authentication", "active authentication was not attempted", "active
 * authentication passed"; returns buf.
 */
const char *kyso_card_verdict_words(const char *name);
const char *kyso_card_verdict_sentence(char *buf, size_t cap, const char *what,
    const char *name);

/* The JSON printed instead of a result when there is no verdict:
 * {"error": {"exit": n, "message": "..."}} (schema added by
 * kyso_json_emit). */
json_t *kyso_card_error_json(int exit_status, const char *message);
/* The message of the last failure kyso_card_read / kyso_card_keys /
 * kyso_card_trust / kyso_card_verify_dir printed ("" when none). */
const char *kyso_card_last_error(void);
/* Print the library's last error (prefixed with what, may be NULL), keep
 * it for kyso_card_last_error(), and return the exit status of rc. */
int kyso_card_fail(int rc, const char *what);

#endif
