/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso token list: the slots and tokens of a PKCS#11 module. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token_cli.h"

int kyso_cmd_token(int argc, char **argv);

static const struct kyso_opt list_opts[] = {
	{ "module", required_argument, OPT_MODULE, "PATH", "PKCS#11 module (default: "
	  "KYSO_PKCS11_MODULE, kyso.conf, p11-kit proxy)" },
	{ "json", no_argument, OPT_JSON, NULL, "print one JSON object" },
	{ NULL, 0, 0, NULL, NULL }
};

static const char list_usage[] = "kyso token list [--module PATH] [--json] [PKCS11-URI]";

static const char *
pin_state(unsigned int f)
{
	if (f & SIGN_TOKEN_PIN_LOCKED)
		return "locked";
	if (f & SIGN_TOKEN_PIN_FINAL_TRY)
		return "final-try";
	if (f & SIGN_TOKEN_PIN_COUNT_LOW)
		return "count-low";
	if (!(f & SIGN_TOKEN_PIN_INITIALIZED))
		return "not-set";
	return "ok";
}

static json_t *
info_json(const sign_token_info *ti)
{
	json_t *o = json_object(), *t;
	unsigned int f = ti->flags;

	json_object_set_new(o, "slot_id", json_integer((json_int_t)ti->slot_id));
	json_object_set_new(o, "description", kyso_json_text(ti->slot_description));
	json_object_set_new(o, "manufacturer", kyso_json_text(ti->slot_manufacturer));
	json_object_set_new(o, "removable", json_boolean(f & SIGN_TOKEN_REMOVABLE));
	if (!(f & SIGN_TOKEN_PRESENT)) {
		json_object_set_new(o, "token", json_null());
		return o;
	}
	t = json_object();
	json_object_set_new(t, "label", kyso_json_text(ti->label));
	json_object_set_new(t, "manufacturer", kyso_json_text(ti->manufacturer));
	json_object_set_new(t, "model", kyso_json_text(ti->model));
	json_object_set_new(t, "serial", kyso_json_text(ti->serial));
	/* an uninitialised token has no label nor serial: no URI names it */
	json_object_set_new(t, "uri", kyso_json_text((f & SIGN_TOKEN_INITIALIZED) ? ti->uri : ""));
	json_object_set_new(t, "initialized", json_boolean(f & SIGN_TOKEN_INITIALIZED));
	json_object_set_new(t, "login_required", json_boolean(f & SIGN_TOKEN_LOGIN_REQUIRED));
	json_object_set_new(t, "pinpad", json_boolean(f & SIGN_TOKEN_PINPAD));
	json_object_set_new(t, "read_only", json_boolean(f & SIGN_TOKEN_READ_ONLY));
	json_object_set_new(t, "pin_state", kyso_json_text(pin_state(f)));
	json_object_set_new(t, "pin_count_low", json_boolean(f & SIGN_TOKEN_PIN_COUNT_LOW));
	json_object_set_new(t, "pin_final_try", json_boolean(f & SIGN_TOKEN_PIN_FINAL_TRY));
	json_object_set_new(t, "pin_locked", json_boolean(f & SIGN_TOKEN_PIN_LOCKED));
	json_object_set_new(t, "pin_to_be_changed", json_boolean(f & SIGN_TOKEN_PIN_TO_CHANGE));
	json_object_set_new(o, "token", t);
	return o;
}

static void
info_print(const sign_token_info *ti)
{
	unsigned int f = ti->flags;

	printf("slot %lu: %s (%s)%s\n", ti->slot_id, kyso_shown(ti->slot_description),
	    kyso_shown(ti->slot_manufacturer), (f & SIGN_TOKEN_REMOVABLE) ? ", removable" : "");
	if (!(f & SIGN_TOKEN_PRESENT)) {
		printf("  no token\n");
		return;
	}
	if (!(f & SIGN_TOKEN_INITIALIZED)) {
		printf("  token:          (not initialised)\n");
		printf("  manufacturer:   %s\n", kyso_shown(ti->manufacturer));
		printf("  model:          %s\n", kyso_shown(ti->model));
		return;
	}
	printf("  token:          %s\n", kyso_shown(ti->label));
	printf("  manufacturer:   %s\n", kyso_shown(ti->manufacturer));
	printf("  model:          %s\n", kyso_shown(ti->model));
	printf("  serial:         %s\n", kyso_shown(ti->serial));
	printf("  uri:            %s\n", ti->uri);
	printf("  initialized:    %s\n", (f & SIGN_TOKEN_INITIALIZED) ? "yes" : "no");
	printf("  login required: %s\n", (f & SIGN_TOKEN_LOGIN_REQUIRED) ? "yes" : "no");
	printf("  PIN pad:        %s\n", (f & SIGN_TOKEN_PINPAD) ? "yes" : "no");
	printf("  PIN:            %s\n", pin_state(f));
}

static int
token_list(int argc, char **argv)
{
	struct kyso_token_args a;
	sign_token_options o = SIGN_TOKEN_OPTIONS_INIT;
	sign_token_list *l = NULL;
	const char *uri = NULL;
	json_t *out = NULL, *slots;
	size_t i;
	int rc, optind_;

	memset(&a, 0, sizeof(a));
	rc = kyso_parse(argc, argv, list_usage, list_opts, kyso_token_opt, &a, &optind_);
	if (rc != 0)
		return rc;
	if (optind_ < argc)
		uri = argv[optind_++];
	if (optind_ < argc) {
		kyso_err("too many arguments (see --help)");
		return KYSO_EXIT_USAGE;
	}
	if (a.json)
		out = json_object();
	if ((rc = kyso_uri_check_json(uri, out)) != 0)
		return rc;
	o.module = a.module;
	rc = sign_token_list_new(&l, uri, &o);
	if (rc != 0)
		return kyso_pin_fail_json(NULL, rc, out);
	if (uri != NULL && sign_token_list_count(l) == 0) {
		/* A URI that names no token: no token, as for the other commands. */
		char msg[1024];

		snprintf(msg, sizeof(msg), "no slot matches %s; list them all with kyso token list",
		    uri);
		kyso_err("%s", msg);
		sign_token_list_free(l);
		return kyso_json_fail(out, KYSO_EXIT_NODEVICE, msg);
	}
	if (out != NULL) {
		json_object_set_new(out, "ok", json_true());
		json_object_set_new(out, "module", kyso_json_text(sign_token_list_module(l)));
		slots = json_array();
		for (i = 0; i < sign_token_list_count(l); i++)
			json_array_append_new(slots, info_json(sign_token_list_get(l, i)));
		json_object_set_new(out, "slots", slots);
		kyso_json_emit(out, 1);
	} else {
		printf("module: %s\n", sign_token_list_module(l));
		if (sign_token_list_count(l) == 0)
			printf("no slot\n");
		for (i = 0; i < sign_token_list_count(l); i++)
			info_print(sign_token_list_get(l, i));
	}
	sign_token_list_free(l);
	return 0;
}

static const char token_usage[] =
	"kyso token list [--module PATH] [--json] [PKCS11-URI]\n"
	"  list the slots and tokens of the PKCS#11 module (see kyso-token(1))";

int
kyso_cmd_token(int argc, char **argv)
{
	static const struct kyso_subcmd tab[] = {
		{ "list", token_list },
		{ NULL, NULL }
	};

	return kyso_subcmd_run(argc, argv, token_usage, "token", tab);
}
