/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso key generate|list|test: key pairs on a PKCS#11 token. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token_cli.h"

int kyso_cmd_key(int argc, char **argv);

static const struct kyso_opt gen_opts[] = {
	{ "token", required_argument, OPT_TOKEN, "URI", "the token (pkcs11:token=LABEL)" },
	{ "label", required_argument, OPT_LABEL, "LABEL", "the key's label (CKA_LABEL)" },
	{ "id", required_argument, OPT_ID, "HEX", "the key's CKA_ID (default: 20 random bytes)" },
	{ "type", required_argument, OPT_TYPE, "TYPE",
	  "rsa:2048 (default), rsa:3072, ec:prime256v1, ec:secp384r1" },
	{ "module", required_argument, OPT_MODULE, "PATH", "PKCS#11 module" },
	KYSO_PIN_OPTIONS,
	{ "json", no_argument, OPT_JSON, NULL, "print one JSON object" },
	{ NULL, 0, 0, NULL, NULL }
};

static const struct kyso_opt list_opts[] = {
	{ "token", required_argument, OPT_TOKEN, "URI", "the token (pkcs11:token=LABEL)" },
	{ "module", required_argument, OPT_MODULE, "PATH", "PKCS#11 module" },
	KYSO_PIN_OPTIONS,
	{ "json", no_argument, OPT_JSON, NULL, "print one JSON object" },
	{ NULL, 0, 0, NULL, NULL }
};

/* Parse HEX (":" separators allowed) into out; length or -1. */
static int
parse_hex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ':' && hi < 0)
			continue;
		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	return hi >= 0 || n == 0 ? -1 : (int)n;
}

static int
key_generate(int argc, char **argv)
{
	static const char usage[] = "kyso key generate --token URI --label LABEL [--id HEX] "
	    "[--type TYPE] [--pin-source SRC] [--json]";
	struct kyso_token_args a;
	sign_token *tok = NULL;
	sign_key_type type = SIGN_KEY_RSA_2048;
	sign_buf uri = SIGN_BUF_INIT;
	unsigned char id[255];
	int idlen = 0, rc, optind_;
	json_t *out = NULL;

	memset(&a, 0, sizeof(a));
	rc = kyso_parse(argc, argv, usage, gen_opts, kyso_token_opt, &a, &optind_);
	if (rc != 0)
		return rc;
	if (a.json)
		out = json_object();
	if (optind_ < argc)
		return kyso_usage_fail(out, "too many arguments (see --help)");
	if (a.token == NULL || a.label == NULL || *a.label == '\0')
		return kyso_usage_fail(out, "--token and --label are required");
	if (kyso_uri_check_json(a.token, out) != 0)
		return KYSO_EXIT_USAGE;
	if (a.id != NULL && (idlen = parse_hex(a.id, id, sizeof(id))) < 0)
		return kyso_usage_fail(out, "--id takes hexadecimal bytes, e.g. 01a2");
	if (a.type != NULL && (rc = sign_key_type_parse(&type, a.type)) != 0)
		return kyso_pin_fail_json(NULL, rc, out);
	rc = kyso_token_login_open(&tok, a.token, a.module, SIGN_TOKEN_OPEN_RW, &a.pin);
	if (rc == 0)
		rc = sign_token_generate_key(&uri, tok, type, a.label, idlen > 0 ? id : NULL,
		    (size_t)idlen);
	if (rc != 0) {
		sign_token_free(tok);
		return kyso_pin_fail_json(&a.pin, rc, out);
	}
	if (out != NULL) {
		json_object_set_new(out, "ok", json_true());
		json_object_set_new(out, "uri", kyso_json_text((const char *)uri.data));
		json_object_set_new(out, "label", kyso_json_text(a.label));
		/* the canonical name, whichever accepted spelling was typed */
		json_object_set_new(out, "type", json_string(sign_key_type_name(type)));
		kyso_json_emit(out, 1);
	} else {
		printf("%s\n", (const char *)uri.data);
	}
	sign_buf_dispose(&uri);
	sign_token_free(tok);
	return 0;
}

static int
key_list(int argc, char **argv)
{
	static const char usage[] = "kyso key list --token URI [--pin-source SRC] [--json]";
	struct kyso_token_args a;
	sign_token *tok = NULL;
	sign_token_objects *objs = NULL;
	json_t *out = NULL, *arr;
	size_t i;
	int rc, optind_;

	memset(&a, 0, sizeof(a));
	rc = kyso_parse(argc, argv, usage, list_opts, kyso_token_opt, &a, &optind_);
	if (rc != 0)
		return rc;
	if (a.json)
		out = json_object();
	if (optind_ < argc)
		return kyso_usage_fail(out, "too many arguments (see --help)");
	if (a.token == NULL)
		return kyso_usage_fail(out, "--token is required");
	if (kyso_uri_check_json(a.token, out) != 0)
		return KYSO_EXIT_USAGE;
	rc = kyso_token_login_open(&tok, a.token, a.module, 0, &a.pin);
	if (rc == 0)
		rc = sign_token_objects_new(&objs, tok, SIGN_TOKEN_OBJ_PRIVATE_KEY, a.token);
	if (rc != 0) {
		sign_token_free(tok);
		return kyso_pin_fail_json(&a.pin, rc, out);
	}
	arr = json_array();
	for (i = 0; i < sign_token_objects_count(objs); i++) {
		const sign_token_object *k = sign_token_objects_get(objs, i);
		char *hex = kyso_hex(k->id, k->id_len);

		if (out != NULL) {
			json_t *j = json_object();

			json_object_set_new(j, "label", kyso_json_text(k->label));
			json_object_set_new(j, "id", kyso_json_text(hex != NULL ? hex : ""));
			json_object_set_new(j, "key_type", kyso_json_text(k->key_type));
			json_object_set_new(j, "bits", json_integer(k->key_bits));
			json_object_set_new(j, "always_authenticate",
			    json_boolean(k->always_authenticate));
			json_object_set_new(j, "uri", kyso_json_text(k->uri));
			json_array_append_new(arr, j);
		} else {
			printf("%s %u  label=%s  id=%s%s\n  %s\n", k->key_type, k->key_bits,
			    kyso_shown(k->label), hex != NULL ? hex : "", k->always_authenticate ?
			    "  (PIN for each signature)" : "", k->uri);
		}
		free(hex);
	}
	if (out != NULL) {
		json_object_set_new(out, "ok", json_true());
		json_object_set_new(out, "keys", arr);
		kyso_json_emit(out, 1);
	} else {
		json_decref(arr);
		if (sign_token_objects_count(objs) == 0)
			printf("no private key\n");
	}
	sign_token_objects_free(objs);
	sign_token_free(tok);
	return 0;
}

static const struct kyso_opt test_opts[] = {
	{ "key", required_argument, OPT_KEY, "URI", "the private key (pkcs11:token=...;object=...)" },
	{ "cert", required_argument, OPT_CERT, "FILE|URI",
	  "its certificate (default: the token's, by CKA_ID)" },
	{ "scheme", required_argument, OPT_SCHEME, "S", "auto (default), pkcs1, pss, ecdsa" },
	{ "md", required_argument, OPT_MD, "HASH", "sha256 (default), sha384, sha512" },
	{ "count", required_argument, OPT_COUNT, "N", "signatures to make (default 1, at most 1000)" },
	{ "module", required_argument, OPT_MODULE, "PATH", "PKCS#11 module" },
	KYSO_PIN_OPTIONS,
	{ "json", no_argument, OPT_JSON, NULL, "print one JSON object" },
	{ NULL, 0, 0, NULL, NULL }
};

static int
key_test(int argc, char **argv)
{
	static const char usage[] = "kyso key test --key URI [--cert FILE|URI] [--scheme S] "
	    "[--md HASH] [--count N] [--pin-source SRC] [--json]";
	struct kyso_token_args a;
	sign_token_options o = SIGN_TOKEN_OPTIONS_INIT;
	sign_signer *signer = NULL;
	sign_scheme scheme = SIGN_SCHEME_AUTO;
	sign_md md = SIGN_MD_SHA256;
	sign_cert *c = NULL;
	const unsigned char *der;
	size_t derlen;
	unsigned long count = 1;
	json_t *out = NULL;
	int rc, optind_;

	memset(&a, 0, sizeof(a));
	rc = kyso_parse(argc, argv, usage, test_opts, kyso_token_opt, &a, &optind_);
	if (rc != 0)
		return rc;
	if (a.json)
		out = json_object();
	if (optind_ < argc || a.key == NULL)
		return kyso_usage_fail(out, "--key URI is required (see --help)");
	if (kyso_uri_check_json(a.key, out) != 0 || kyso_uri_check_json(a.cert, out) != 0)
		return KYSO_EXIT_USAGE;
	if (a.scheme != NULL) {
		if (strcmp(a.scheme, "auto") == 0)
			scheme = SIGN_SCHEME_AUTO;
		else if (strcmp(a.scheme, "pkcs1") == 0)
			scheme = SIGN_SCHEME_RSA_PKCS1;
		else if (strcmp(a.scheme, "pss") == 0)
			scheme = SIGN_SCHEME_RSA_PSS;
		else if (strcmp(a.scheme, "ecdsa") == 0)
			scheme = SIGN_SCHEME_ECDSA;
		else
			return kyso_usage_fail(out, "--scheme takes auto, pkcs1, pss or ecdsa");
	}
	if ((rc = kyso_md_option(&md, a.md, out)) != 0)
		return rc;
	if (a.count != NULL) {
		if (kyso_parse_uint(a.count, 1, 1000, &count) != 0)
			return kyso_usage_fail(out, "--count takes 1 to 1000");
	}
	o.module = a.module;
	kyso_pin_setup(&a.pin, &o);
	rc = sign_token_signer_open(&signer, a.key, a.cert, &o);
	if (rc == 0)
		rc = sign_token_signer_test(signer, scheme, md, (unsigned int)count);
	if (rc != 0) {
		sign_signer_free(signer);
		return kyso_pin_fail_json(&a.pin, rc, out);
	}
	if (sign_signer_cert(signer, &der, &derlen) == 0)
		(void)sign_cert_from_der(&c, der, derlen);
	if (out != NULL) {
		json_object_set_new(out, "ok", json_true());
		json_object_set_new(out, "count", json_integer((json_int_t)count));
		json_object_set_new(out, "pin_asked", json_integer(a.pin.asked));
		json_object_set_new(out, "certificate", c != NULL ?
		    kyso_json_text(sign_cert_get_info(c)->subject) : json_null());
		kyso_json_emit(out, 1);
	} else {
		printf("%lu signature%s made on the token and verified; certificate: %s\n", count,
		    count == 1 ? "" : "s", c != NULL ? sign_cert_get_info(c)->subject : "(none)");
	}
	sign_cert_free(c);
	sign_signer_free(signer);
	return 0;
}

static const char key_usage[] =
	"kyso key generate --token URI --label LABEL [--id HEX] [--type TYPE] [--pin-source SRC]\n"
	"           [--json]\n"
	"       kyso key list --token URI [--pin-source SRC] [--json]\n"
	"       kyso key test --key URI [--cert FILE|URI] [--scheme S] [--md HASH] [--count N]\n"
	"           [--pin-source SRC] [--json]\n"
	"  generate a key pair on a token, list its private keys, or sign and verify test\n"
	"  digests with a key (see kyso-key(1))";

int
kyso_cmd_key(int argc, char **argv)
{
	static const struct kyso_subcmd tab[] = {
		{ "generate", key_generate },
		{ "list", key_list },
		{ "test", key_test },
		{ NULL, NULL }
	};

	return kyso_subcmd_run(argc, argv, key_usage, "key", tab);
}
