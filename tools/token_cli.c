/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pieces shared by kyso token, key and cert (see token_cli.h). */
#include "config.h"

#include <string.h>

#include "token_cli.h"

int
kyso_token_opt(int val, const char *arg, void *ud)
{
	struct kyso_token_args *a = ud;
	int rc = kyso_pin_option(&a->pin, val, arg);

	if (rc >= 0)
		return rc;
	switch (val) {
	case OPT_MODULE: a->module = arg; return 0;
	case OPT_JSON: a->json = 1; return 0;
	case OPT_TOKEN: a->token = arg; return 0;
	case OPT_KEY: a->key = arg; return 0;
	case OPT_LABEL: a->label = arg; return 0;
	case OPT_ID: a->id = arg; return 0;
	case OPT_TYPE: a->type = arg; return 0;
	case OPT_CERT: a->cert = arg; return 0;
	case OPT_SCHEME: a->scheme = arg; return 0;
	case OPT_MD: a->md = arg; return 0;
	case OPT_COUNT: a->count = arg; return 0;
	case OPT_SUBJECT: a->subject = arg; return 0;
	case 'o': a->out = arg; return 0;
	case OPT_FORCE: a->force = 1; return 0;
	case OPT_IN: a->in = arg; return 0;
	case OPT_CHAIN: a->chain = arg; return 0;
	}
	return KYSO_EXIT_USAGE;
}

int
kyso_json_fail(json_t *out, int code, const char *msg)
{
	if (out != NULL) {
		json_object_set_new(out, "ok", json_false());
		json_object_set_new(out, "error", kyso_json_text(msg));
		json_object_set_new(out, "exit", json_integer(code));
		kyso_json_emit(out, 1);
	}
	return code;
}

int
kyso_usage_fail(json_t *out, const char *msg)
{
	kyso_err("%s", msg);
	return kyso_json_fail(out, KYSO_EXIT_USAGE, msg);
}

int
kyso_uri_check_json(const char *uri, json_t *out)
{
	int rc = kyso_pin_check_uri(uri);

	if (rc != 0)
		return kyso_json_fail(out, rc, "the URI carries a PIN");
	return 0;
}

int
kyso_token_login_open(sign_token **tok, const char *uri, const char *module,
    unsigned int open_flags, struct kyso_pin *pin)
{
	sign_token_options o = SIGN_TOKEN_OPTIONS_INIT;
	int rc;

	o.module = module;
	o.flags = open_flags;
	kyso_pin_setup(pin, &o);
	rc = sign_token_open(tok, uri, &o);
	if (rc == 0)
		rc = sign_token_login(*tok);
	if (rc != 0) {
		sign_token_free(*tok);
		*tok = NULL;
	}
	return rc;
}

int
kyso_md_option(sign_md *md, const char *name, json_t *out)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "sha256") == 0)
		*md = SIGN_MD_SHA256;
	else if (strcmp(name, "sha384") == 0)
		*md = SIGN_MD_SHA384;
	else if (strcmp(name, "sha512") == 0)
		*md = SIGN_MD_SHA512;
	else
		return kyso_usage_fail(out, "--md takes sha256, sha384 or sha512");
	return 0;
}
