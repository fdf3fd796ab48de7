/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso card list | read | verify: chip ID cards through PC/SC. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "card_opts.h"
#include "card_result.h"

#define OPT_JSON  0x7b01
#define OPT_PHOTO 0x7b02
#define OPT_DUMP  0x7b03
#define OPT_STATS 0x7b04

#define CARD_USAGE \
	"kyso card list [--json] [--wait SECONDS]\n" \
	"       kyso card read [--reader NAME] KEY [--csca FILE|DIR]... [--photo F] [--dump DIR]\n" \
	"                      [--json] [--stats] [--wait SECONDS]\n" \
	"       kyso card verify DIR [--csca FILE|DIR]... [--master-list FILE.ml\n" \
	"                      --ml-signer-anchor CERT] [--json]\n" \
	"  KEY: --mrz-source env:NAME|file:PATH (preferred), --qr-source SRC, --mrz TEXT,\n" \
	"       --doc-number N --dob YYMMDD --expiry YYMMDD, --id ID12 --dob DATE [--expiry DATE],\n" \
	"       --qr TEXT"

struct state {
	struct kyso_card_opts co;
	int json, stats;
};

static int
opt_cb(int val, const char *arg, void *ud)
{
	struct state *s = ud;
	int rc = kyso_card_option(&s->co, val, arg);

	if (rc >= 0)
		return rc;
	switch (val) {
	case OPT_JSON: s->json = 1; return 0;
	case OPT_STATS: s->stats = 1; return 0;
	case OPT_PHOTO: s->co.photo = arg; return 0;
	case OPT_DUMP: s->co.dump = arg; return 0;
	default:
		kyso_err("unexpected option (see --help)");
		return KYSO_EXIT_USAGE;
	}
}

/* Print the error object for --json (the message went to stderr already). */
static int
fail_json(const struct state *s, int rc)
{
	if (s->json)
		kyso_json_emit(kyso_card_error_json(rc, kyso_card_last_error()), 1);
	return rc;
}

/* 1 when --json is among the options: a command line that does not parse
 * still answers with one JSON object when the caller asked for JSON, even
 * if the bad option came before --json. */
static int
json_asked(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--json") == 0)
			return 1;
	}
	return 0;
}

/* A usage error after (or while) parsing: the message (kept, or the
 * parser's, which went to stderr) as the JSON error object when asked. */
static int
usage_json(struct state *s, int argc, char **argv, int rc)
{
	if (s->json || json_asked(argc, argv))
		kyso_json_emit(kyso_card_error_json(rc, kyso_card_last_error()[0] != '\0' ?
		    kyso_card_last_error() : kyso_err_last()[0] != '\0' ? kyso_err_last() :
		    "bad command line (see --help)"), 1);
	return rc;
}

static int
card_list(int argc, char **argv)
{
	static const struct kyso_opt opts[] = {
		{ "json", no_argument, OPT_JSON, NULL, "one JSON object on stdout" },
		{ "wait", required_argument, KYSO_OPT_CARD_WAIT, "SECONDS",
		  "wait this long for a card in any reader" },
		{ NULL, 0, 0, NULL, NULL }
	};
	struct state s;
	sign_card_readers *rs = NULL;
	json_t *arr = NULL, *j;
	size_t i, n, alen;
	int rc, ind;

	memset(&s, 0, sizeof(s));
	rc = kyso_parse(argc, argv, "kyso card list [--json] [--wait SECONDS]", opts, opt_cb, &s,
	    &ind);
	if (rc != 0)
		return usage_json(&s, argc, argv, rc);
	if (ind != argc) {
		kyso_card__err("unexpected argument '%s'", argv[ind]);
		return usage_json(&s, argc, argv, KYSO_EXIT_USAGE);
	}
	if (s.co.wait_ms > 0) {
		rc = sign_card_wait(NULL, s.co.wait_ms);
		if (rc != 0) {
			return fail_json(&s, kyso_card_fail(rc, NULL));
		}
	}
	rc = sign_card_readers_list(&rs);
	if (rc != 0) {
		return fail_json(&s, kyso_card_fail(rc, NULL));
	}
	n = sign_card_readers_count(rs);
	arr = json_array();
	for (i = 0; i < n; i++) {
		const unsigned char *atr = sign_card_readers_atr(rs, i, &alen);
		char *hex = atr != NULL ? kyso_hex(atr, alen) : NULL;

		if (s.json) {
			j = json_object();
			json_object_set_new(j, "name", kyso_json_text(sign_card_readers_name(rs, i)));
			json_object_set_new(j, "card_present",
			    json_boolean(sign_card_readers_present(rs, i)));
			json_object_set_new(j, "atr", hex != NULL ? json_string(hex) : json_null());
			json_object_set_new(j, "in_use", json_boolean(sign_card_readers_in_use(rs, i)));
			json_array_append_new(arr, j);
		} else {
			printf("%s: %s%s%s%s\n", sign_card_readers_name(rs, i),
			    sign_card_readers_present(rs, i) ? "card present" : "no card",
			    hex != NULL ? ", ATR " : "", hex != NULL ? hex : "",
			    sign_card_readers_in_use(rs, i) ? " (in use)" : "");
		}
		free(hex);
	}
	sign_card_readers_free(rs);
	if (n == 0) {
		kyso_err("no smart-card reader found; connect a reader (and start pcscd)");
		json_decref(arr);
		if (s.json) {
			j = json_object();
			json_object_set_new(j, "readers", json_array());
			json_object_set_new(j, "error", json_pack("{s:i,s:s}", "exit",
			    KYSO_EXIT_NODEVICE, "message", "no smart-card reader found"));
			kyso_json_emit(j, 1);
		}
		return KYSO_EXIT_NODEVICE;
	}
	if (s.json) {
		j = json_object();
		json_object_set_new(j, "readers", arr);
		kyso_json_emit(j, 1);
	} else {
		json_decref(arr);
	}
	return 0;
}

static int
output(const struct state *s, struct kyso_card_result *res, int rc)
{
	if (s->json)
		kyso_json_emit(kyso_card_json(res), 1);
	else
		kyso_card_print(res, stdout, s->stats);
	fflush(stdout);
	if (rc != 0 && kyso_card_why(res) != NULL)
		kyso_err("%s", kyso_card_why(res));
	return rc;
}

static int
card_read(int argc, char **argv)
{
	static const struct kyso_opt opts[] = {
		KYSO_CARD_READER_OPTIONS,
		KYSO_CARD_KEY_OPTIONS,
		KYSO_CARD_TRUST_OPTIONS,
		{ "photo", required_argument, OPT_PHOTO, "FILE", "write the face image (DG2)" },
		{ "dump", required_argument, OPT_DUMP, "DIR",
		  "write every file as read, for `kyso card verify`" },
		{ "json", no_argument, OPT_JSON, NULL, "one JSON object (docs/card-json.md)" },
		{ "stats", no_argument, OPT_STATS, NULL, "report APDUs, bytes and time" },
		{ NULL, 0, 0, NULL, NULL }
	};
	struct state s;
	struct kyso_card_result *res = NULL;
	int rc, ind;

	memset(&s, 0, sizeof(s));
	rc = kyso_parse(argc, argv, CARD_USAGE, opts, opt_cb, &s, &ind);
	if (rc != 0)
		return usage_json(&s, argc, argv, rc);
	if (ind != argc) {
		kyso_card__err("unexpected argument '%s'", argv[ind]);
		return usage_json(&s, argc, argv, KYSO_EXIT_USAGE);
	}
	rc = kyso_card_read(&s.co, &res);
	if (res == NULL)
		return fail_json(&s, rc);
	rc = output(&s, res, rc);
	kyso_card_result_free(res);
	return rc;
}

/* Move operands after the options (`verify DIR --csca X`): kyso_parse stops
 * at the first operand. */
static void
operands_last(int argc, char **argv, const struct kyso_opt *opts)
{
	char *ops[64];
	int i, n = 0, k = 1;

	for (i = 1; i < argc; i++) {
		const struct kyso_opt *o;
		size_t len;

		if (strcmp(argv[i], "--") == 0)
			return;         /* leave explicit layouts alone */
		if (strncmp(argv[i], "--", 2) != 0) {
			if (n < 64)
				ops[n++] = argv[i];
			continue;
		}
		argv[k++] = argv[i];
		len = strcspn(argv[i] + 2, "=");
		for (o = opts; o->name != NULL; o++) {
			if (strlen(o->name) == len && strncmp(o->name, argv[i] + 2, len) == 0 &&
			    o->has_arg == required_argument && argv[i][2 + len] == '\0' &&
			    i + 1 < argc) {
				argv[k++] = argv[++i];
				break;
			}
		}
	}
	for (i = 0; i < n && k < argc; i++)
		argv[k++] = ops[i];
}

static int
card_verify(int argc, char **argv)
{
	static const struct kyso_opt opts[] = {
		KYSO_CARD_TRUST_OPTIONS,
		{ "json", no_argument, OPT_JSON, NULL, "one JSON object (docs/card-json.md)" },
		{ NULL, 0, 0, NULL, NULL }
	};
	struct state s;
	struct kyso_card_result *res = NULL;
	int rc, ind;

	memset(&s, 0, sizeof(s));
	operands_last(argc, argv, opts);
	rc = kyso_parse(argc, argv, "kyso card verify DIR [--csca FILE|DIR]... "
	    "[--master-list FILE.ml --ml-signer-anchor CERT] [--json]", opts, opt_cb, &s, &ind);
	if (rc != 0)
		return usage_json(&s, argc, argv, rc);
	if (ind != argc - 1) {
		kyso_card__err("give one dump directory (made by kyso card read --dump DIR)");
		return usage_json(&s, argc, argv, KYSO_EXIT_USAGE);
	}
	rc = kyso_card_verify_dir(&s.co, argv[ind], &res);
	if (res == NULL)
		return fail_json(&s, rc);
	rc = output(&s, res, rc);
	kyso_card_result_free(res);
	return rc;
}

int kyso_cmd_card(int argc, char **argv);

int
kyso_cmd_card(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fprintf(argc < 2 ? stderr : stdout, "usage: %s\n\n`kyso card read --help` lists the "
		    "options.  kyso-card(1) has the details.\n", CARD_USAGE);
		return argc < 2 ? KYSO_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "list") == 0)
		return card_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "read") == 0)
		return card_read(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return card_verify(argc - 1, argv + 1);
	kyso_err("unknown subcommand '%s': list, read or verify", argv[1]);
	return KYSO_EXIT_USAGE;
}
