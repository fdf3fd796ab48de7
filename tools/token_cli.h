/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pieces shared by kyso token, kyso key and kyso cert: the --json failure
 * object, usage failures, the PIN-in-URI check with its failure object,
 * opening a token and logging in, and the --md values.
 */
#ifndef KYSO_TOKEN_CLI_H
#define KYSO_TOKEN_CLI_H

#include "pin.h"

/* getopt values of the kyso token/key/cert options ('o' is --out). */
enum { OPT_MODULE = 256, OPT_JSON, OPT_TOKEN, OPT_KEY, OPT_LABEL, OPT_ID, OPT_TYPE, OPT_CERT,
	OPT_SCHEME, OPT_MD, OPT_COUNT, OPT_SUBJECT, OPT_FORCE, OPT_IN, OPT_CHAIN };

/* What those options set; zero it before kyso_parse. */
struct kyso_token_args {
	const char *module, *token, *key, *label, *id, *type, *cert, *scheme, *md, *count;
	const char *subject, *out, *in, *chain;
	int json, force;
	struct kyso_pin pin;
};

/*
 * The kyso_parse callback for those options and the PIN options
 * (ud: struct kyso_token_args *).  Returns 0 or an exit status.
 */
int kyso_token_opt(int val, const char *arg, void *ud);

/*
 * When out is not NULL (--json), add "ok": false, "error": msg and
 * "exit": code to it and print it (kyso_json_emit, schema 1; out is
 * released).  Prints nothing on stderr.  Returns code.
 */
int kyso_json_fail(json_t *out, int code, const char *msg);

/* Print msg on stderr (kyso_err), then kyso_json_fail(out, 3, msg). */
int kyso_usage_fail(json_t *out, const char *msg);

/*
 * kyso_pin_check_uri, and when it refuses uri, kyso_json_fail(out, 3,
 * "the URI carries a PIN").  Returns 0 or 3.
 */
int kyso_uri_check_json(const char *uri, json_t *out);

/*
 * Open the token that uri names with module (NULL: the default) and
 * open_flags (SIGN_TOKEN_OPEN_RW or 0), PINs from pin, and log in.
 * Returns 0, or a libsign error with *tok NULL.
 */
int kyso_token_login_open(sign_token **tok, const char *uri, const char *module,
    unsigned int open_flags, struct kyso_pin *pin);

/*
 * The value of --md: sha256, sha384 or sha512 into *md; name NULL leaves
 * *md as it is.  Returns 0, or 3 after kyso_usage_fail(out, ...).
 */
int kyso_md_option(sign_md *md, const char *name, json_t *out);

#endif
