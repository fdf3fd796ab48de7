/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PIN sources for token logins (see pin.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pin.h"

int
kyso_pin_source_ok(const char *spec)
{
	if (spec == NULL)
		return 0;
	return strcmp(spec, "pinpad") == 0 || kyso_secret_spec_ok(spec);
}

int
kyso_pin_option(struct kyso_pin *pin, int val, const char *arg)
{
	switch (val) {
	case KYSO_OPT_PIN_SOURCE:
		if (!kyso_pin_source_ok(arg)) {
			kyso_err("bad --pin-source '%s': use tty, pinpad, env:NAME, file:PATH or fd:N",
			    arg != NULL ? arg : "");
			return KYSO_EXIT_USAGE;
		}
		pin->source = arg;
		return 0;
	case KYSO_OPT_FORCE_LAST_TRY:
		pin->force_last_try = 1;
		return 0;
	default:
		return -1;
	}
}

/* 1 when the pkcs11: URI has an attribute named pin-value or pin-source
 * (a label or a file name holding those words is not one). */
static int
has_pin_attr(const char *uri)
{
	const char *p = uri + 7;

	while (*p != '\0') {
		size_t n;

		while (*p == ' ' || *p == ';' || *p == '?' || *p == '&')
			p++;
		n = strcspn(p, "=;?&");
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if ((n == 9 && strncasecmp(p, "pin-value", 9) == 0) ||
		    (n == 10 && strncasecmp(p, "pin-source", 10) == 0))
			return 1;
		p += strcspn(p, ";?&");
	}
	return 0;
}

int
kyso_pin_check_uri(const char *uri)
{
	if (uri == NULL || strncasecmp(uri, "pkcs11:", 7) != 0)
		return 0;
	if (has_pin_attr(uri)) {
		kyso_err("the PKCS#11 URI carries a PIN (pin-value= or pin-source=): PINs never "
		    "go on the command line; remove it and use --pin-source");
		return KYSO_EXIT_USAGE;
	}
	return 0;
}

void
kyso_pin_setup(struct kyso_pin *pin, sign_token_options *opts)
{
	opts->pin_cb = kyso_pin_cb;
	opts->pin_userdata = pin;
	if (pin->force_last_try)
		opts->flags |= SIGN_TOKEN_FORCE_LAST_TRY;
}

int
kyso_pin_cb(const sign_pin_request *req, char *buf, size_t cap, void *userdata)
{
	struct kyso_pin *pin = userdata;
	const char *src = pin->source;
	const char *label = req->token != NULL ? kyso_shown(req->token->label) : "?";
	unsigned int flags = req->token != NULL ? req->token->flags : 0;
	const char *warn = (flags & SIGN_TOKEN_PIN_FINAL_TRY) ? " (LAST TRY)" :
	    (flags & SIGN_TOKEN_PIN_COUNT_LOW) ? " (few tries left)" : "";
	char prompt[160];
	struct stat st;
	int rc;

	pin->asked++;
	if (src == NULL)
		src = (flags & SIGN_TOKEN_PINPAD) ? "pinpad" : "tty";
	if (strcmp(src, "pinpad") == 0) {
		if (flags & SIGN_TOKEN_PINPAD)
			fprintf(stderr, "%s: enter the PIN on the PIN pad of token '%s'\n",
			    kyso_progname, label);
		return SIGN_PIN_USE_PINPAD;
	}
	if (req->kind == SIGN_PIN_CONTEXT)
		snprintf(prompt, sizeof(prompt), "PIN for key '%s' on token '%s'%s",
		    req->key_label != NULL ? kyso_shown(req->key_label) : "?", label, warn);
	else
		snprintf(prompt, sizeof(prompt), "PIN for token '%s'%s", label, warn);
	if (cap > KYSO_PIN_MAX + 1)
		cap = KYSO_PIN_MAX + 1;
	if (strncmp(src, "file:", 5) == 0 && stat(src + 5, &st) == 0 && S_ISDIR(st.st_mode)) {
		kyso_err("the PIN file %s is a directory: give the file that holds the PIN "
		    "(chmod 600)", src + 5);
		pin->reported = 1;
		return SIGN_ERR_PIN_REQUIRED;
	}
	rc = kyso_secret_read(src, prompt, buf, cap);
	if (rc != 0) {
		pin->reported = 1;
		return rc == KYSO_EXIT_USAGE ? SIGN_ERR_USAGE : SIGN_ERR_PIN_REQUIRED;
	}
	if (buf[0] == '\0') {
		/* An exhausted fd or an empty file: do not spend a PIN try on it. */
		if (req->kind == SIGN_PIN_CONTEXT)
			kyso_err("the PIN source %s gave an empty PIN; key '%s' asks for its "
			    "PIN before each signature: give it once more for each file", src,
			    req->key_label != NULL ? req->key_label : "?");
		else
			kyso_err("the PIN source %s gave an empty PIN", src);
		pin->reported = 1;
		return SIGN_ERR_PIN_REQUIRED;
	}
	return 0;
}

int
kyso_pin_fail(const struct kyso_pin *pin, int sign_err)
{
	if (pin != NULL && pin->reported &&
	    (sign_err == SIGN_ERR_PIN_REQUIRED || sign_err == SIGN_ERR_USAGE))
		return kyso_exit_for(sign_err);
	return kyso_fail(sign_err);
}

int
kyso_pin_fail_json(const struct kyso_pin *pin, int sign_err, json_t *obj)
{
	int code = kyso_pin_fail(pin, sign_err);

	if (obj != NULL) {
		json_object_set_new(obj, "ok", json_false());
		json_object_set_new(obj, "error", kyso_json_text(sign_error_last() == sign_err ?
		    sign_error_message() : sign_strerror(sign_err)));
		json_object_set_new(obj, "exit", json_integer(code));
		kyso_json_emit(obj, 1);
	}
	return code;
}
