/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PIN sources of the kyso command for token logins: the --pin-source and
 * --force-last-try options, the library PIN callback that reads from them,
 * and the check that refuses PINs inside URIs.
 *
 * Use in a command:
 *
 *   static const struct kyso_opt opts[] = { ..., KYSO_PIN_OPTIONS, { NULL } };
 *   struct kyso_pin pin = KYSO_PIN_INIT;
 *   // in the kyso_parse callback:
 *   if ((rc = kyso_pin_option(&pin, val, arg)) >= 0) return rc;
 *   // before opening the token:
 *   if ((rc = kyso_pin_check_uri(key_uri)) != 0) return rc;
 *   sign_token_options o = SIGN_TOKEN_OPTIONS_INIT;
 *   kyso_pin_setup(&pin, &o);
 *   rc = sign_token_signer_open(&signer, key_uri, cert, &o);
 *   if (rc != 0) return kyso_pin_fail(&pin, rc);
 */
#ifndef KYSO_PIN_H
#define KYSO_PIN_H

#include <libsign.h>
#include <libsign/token.h>
#include "kyso.h"

/* getopt values of the PIN options (keep clear of them in option tables). */
#define KYSO_OPT_PIN_SOURCE     0x7e01
#define KYSO_OPT_FORCE_LAST_TRY 0x7e02

/* The PIN option table entries, to put in a command's struct kyso_opt[]. */
#define KYSO_PIN_OPTIONS \
	{ "pin-source", required_argument, KYSO_OPT_PIN_SOURCE, "SRC", \
	  "PIN from tty|pinpad|env:NAME|file:PATH|fd:N (default: pinpad or tty)" }, \
	{ "force-last-try", no_argument, KYSO_OPT_FORCE_LAST_TRY, NULL, \
	  "log in even when the token reports one PIN try left" }

/* Longest PIN read (bytes, without the NUL). */
#define KYSO_PIN_MAX 256

struct kyso_pin {
	const char *source;     /* NULL: pinpad when the token has one, else tty */
	int force_last_try;
	int reported;           /* a message was already printed (by kyso_secret_read) */
	int asked;              /* how many times the callback ran */
};

#define KYSO_PIN_INIT { NULL, 0, 0, 0 }

/* 1 when spec is a PIN source: tty, pinpad, env:NAME, file:PATH, fd:N. */
int kyso_pin_source_ok(const char *spec);

/*
 * Handle one option value from a kyso_parse callback: returns -1 when val is
 * not a PIN option, 0 when handled, or an exit status (3, with a message)
 * for a bad source.
 */
int kyso_pin_option(struct kyso_pin *pin, int val, const char *arg);

/*
 * Refuse a URI given on the command line that carries a PIN (pin-value=
 * or pin-source=): prints why and returns 3; 0 otherwise (NULL is fine).
 */
int kyso_pin_check_uri(const char *uri);

/* Fill opts' PIN callback and flags (FORCE_LAST_TRY) from pin. */
void kyso_pin_setup(struct kyso_pin *pin, sign_token_options *opts);

/* The library PIN callback; userdata is a struct kyso_pin *. */
int kyso_pin_cb(const sign_pin_request *req, char *buf, size_t cap, void *userdata);

/*
 * Report a failed token call: prints the library's message unless the PIN
 * source already printed one, and returns the exit status for sign_err.
 */
int kyso_pin_fail(const struct kyso_pin *pin, int sign_err);

/*
 * As kyso_pin_fail, and when obj is not NULL (--json) add "ok": false,
 * "error": message and "exit": status to it and print it (kyso_json_emit,
 * schema 1; obj is released).
 */
int kyso_pin_fail_json(const struct kyso_pin *pin, int sign_err, json_t *obj);

#endif
