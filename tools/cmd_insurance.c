/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso insurance: BHYT card lookups through the VSS gateway (lookup), and
 * the result-code table (codes). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <libsign.h>
#include <libsign/config.h>
#include <libsign/insurance.h>
#include "kyso.h"
#include "card_opts.h"
#include "gateway_opts.h"

#define CARD_JSON_MAX (16u * 1024 * 1024)

enum {
	O_FROM = 256, O_MA_THE, O_NAME, O_BHYT_CODE, O_ALLOW_UNVERIFIED, O_JSON, O_CARD
};

static const struct kyso_opt lookup_opts[] = {
	{ "card", no_argument, O_CARD, NULL, "read the chip ID card now (reader, key and CSCA options below)" },
	{ "from", required_argument, O_FROM, "FILE", "card data written by `kyso card read --json`" },
	{ "ma-the", required_argument, O_MA_THE, "CODE", "card code typed in (with --name, --dob; unverified)" },
	{ "name", required_argument, O_NAME, "NAME", "holder's full name, with --ma-the" },
	{ "ma-the-from", required_argument, KYSO_OPT_GW_MA_THE_FROM, "id|bhyt", "send the card's citizen ID (default) or --bhyt-code" },
	{ "bhyt-code", required_argument, O_BHYT_CODE, "CODE", "the BHYT card / social-insurance code to send" },
	{ "allow-unverified", no_argument, O_ALLOW_UNVERIFIED, NULL, "look up card data that failed authentication" },
	KYSO_GW_OPTIONS,
	{ "json", no_argument, O_JSON, NULL, "print one JSON object (schema 1)" },
	/* --dob is the card key's date of birth with --card, the holder's with --ma-the */
	KYSO_CARD_READER_OPTIONS, KYSO_CARD_KEY_OPTIONS, KYSO_CARD_TRUST_OPTIONS,
	{ NULL, 0, 0, NULL, NULL }
};

static const struct kyso_opt codes_opts[] = {
	{ "json", no_argument, O_JSON, NULL, "print one JSON object (schema 1)" },
	{ NULL, 0, 0, NULL, NULL }
};

struct run {
	struct kyso_gw gw;      /* gateway settings (gateway_opts.h) */
	const char *from, *ma_the, *name, *dob, *bhyt_code;
	int allow_unverified;
	int json;
	int card;               /* --card */
	int card_opts;          /* a card option was given */
	struct kyso_card_opts co;
	json_t *out;            /* the --json object, built as we go */
};

/* ---- reporting ----------------------------------------------------------- */

/* Print "kyso insurance: MESSAGE" and record it for --json; returns code. */
static int
failf(struct run *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
failf(struct run *r, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kyso_err("%s", msg);
	if (r->out != NULL && json_object_get(r->out, "error") == NULL)
		json_object_set_new(r->out, "error", kyso_json_text(msg));
	return code;
}

/* A library failure: its message, and the exit status for its code. */
static int
fail_lib(struct run *r, int e, const char *fix)
{
	const char *msg = sign_error_last() == e ? sign_error_message() : sign_strerror(e);

	if (fix != NULL)
		return failf(r, kyso_exit_for(e), "%s; %s", msg, fix);
	return failf(r, kyso_exit_for(e), "%s", msg);
}

static void
set_str(json_t *obj, const char *key, const char *v)
{
	json_object_set_new(obj, key, kyso_json_text(v));
}

/* The gateway module printed a failure: record it for --json. */
static int
gw_failed(struct run *r, int code)
{
	if (r->out != NULL && json_object_get(r->out, "error") == NULL)
		json_object_set_new(r->out, "error", kyso_json_text(kyso_gw_error(&r->gw)));
	return code;
}

/* ---- card data ----------------------------------------------------------- */

struct identity {
	char *ma_the, *name, *dob;
	char *id_number;
	int verified;
	json_t *json;           /* the "identity" record */
};

static const char *
jstr(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Read a whole file of at most max bytes; -1 with errno set on failure. */
static int
read_bounded(const char *path, size_t max, sign_buf *out)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p = NULL;
	size_t len = 0, n;
	int e = 0;

	if (fp == NULL)
		return -1;
	p = malloc(max + 1);
	if (p == NULL) {
		e = ENOMEM;
		goto out;
	}
	errno = 0;
	while ((n = fread(p + len, 1, max + 1 - len, fp)) > 0 && len + n <= max)
		len += n;
	if (n > 0) {
		e = EFBIG;
	} else if (ferror(fp)) {
		e = errno != 0 ? errno : EIO;   /* (EISDIR for a directory) */
	} else {
		out->data = p;
		out->len = len;
		p = NULL;
	}
out:
	free(p);
	fclose(fp);
	errno = e;
	return e != 0 ? -1 : 0;
}

/*
 * The holder and the verification verdict from card JSON (docs/card-json.md,
 * schema 1: from a file, or made by a card read now).  what names the source
 * in messages.  Refuses (exit 1) card data that failed authentication unless
 * --allow-unverified.
 */
static int
take_card(struct run *r, struct identity *id, const json_t *j, const char *source,
    const char *what)
{
	const json_t *holder, *ver, *v;
	const char *idn, *name, *dob, *passive, *active;
	char *reasons = NULL;
	int rc = 0, genuine;

	v = json_object_get(j, "schema");
	holder = json_object_get(j, "holder");
	ver = json_object_get(j, "verification");
	if (!json_is_integer(v) || json_integer_value(v) != 1 || !json_is_object(holder) ||
	    !json_is_object(ver)) {
		rc = failf(r, KYSO_EXIT_DATA, "%s: not card data of schema 1 (needs \"schema\": 1, "
		    "\"holder\" and \"verification\"); give the file `kyso card read --json` "
		    "wrote", what);
		goto out;
	}
	idn = jstr(holder, "id_number");
	name = jstr(holder, "full_name");
	dob = jstr(holder, "date_of_birth");
	v = json_object_get(ver, "genuine");
	if (idn == NULL || !kyso_gw_digits(idn, 12) || name == NULL || name[0] == '\0' || dob == NULL ||
	    !json_is_boolean(v)) {
		rc = failf(r, KYSO_EXIT_DATA, "%s lacks holder.id_number (12 digits), "
		    "holder.full_name, holder.date_of_birth or verification.genuine", what);
		goto out;
	}
	genuine = json_is_true(v);
	passive = jstr(ver, "passive");
	active = jstr(ver, "active");
	id->json = json_pack("{s:b,s:s,s:o,s:s?,s:s?,s:b}", "verified", genuine, "source",
	    source, strcmp(source, "card") == 0 ? "reader" : "file",
	    kyso_json_text(strcmp(source, "card") == 0 ? r->co.reader : r->from), "passive", passive, "active", active, "genuine", genuine);
	if (id->json == NULL) {
		rc = failf(r, KYSO_EXIT_RUNTIME, "out of memory");
		goto out;
	}
	v = json_object_get(ver, "reasons");
	if (json_is_array(v)) {
		size_t i, n = 0;
		json_t *e;

		json_object_set(id->json, "reasons", (json_t *)v);
		json_array_foreach(v, i, e)
			if (json_is_string(e))
				n += json_string_length(e) + 2;
		reasons = calloc(1, n + 1);
		json_array_foreach(v, i, e) {
			if (reasons != NULL && json_is_string(e)) {
				if (reasons[0] != '\0')
					strcat(reasons, "; ");
				strcat(reasons, json_string_value(e));
			}
		}
	}
	if (!genuine && !r->allow_unverified) {
		char pw[100], aw[100];

		/* the verdicts in words, not the JSON names ("not_attempted") */
		rc = failf(r, KYSO_EXIT_FAILED, "%s failed authentication "
		    "(%s, %s%s%s): not looked up; --allow-unverified looks it up "
		    "anyway and records it as unverified", what,
		    kyso_card_verdict_sentence(pw, sizeof(pw), "passive authentication", passive),
		    kyso_card_verdict_sentence(aw, sizeof(aw), "active authentication", active),
		    reasons != NULL && reasons[0] ? "; " : "", reasons != NULL ? reasons : "");
		goto out;
	}
	id->verified = genuine;
	id->id_number = strdup(idn);
	id->name = strdup(name);
	id->dob = strdup(dob);
	if (id->id_number == NULL || id->name == NULL || id->dob == NULL)
		rc = failf(r, KYSO_EXIT_RUNTIME, "out of memory");
out:
	free(reasons);
	return rc;
}

static int
read_card_json(struct run *r, struct identity *id)
{
	sign_buf data = SIGN_BUF_INIT;
	json_error_t err;
	json_t *j = NULL;
	char what[4200];
	int rc;

	if (read_bounded(r->from, CARD_JSON_MAX, &data) != 0) {
		rc = failf(r, KYSO_EXIT_DATA, "cannot read the card data %s: %s", r->from,
		    errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
		goto out;
	}
	j = json_loadb((const char *)data.data, data.len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		rc = failf(r, KYSO_EXIT_DATA, "%s is not JSON (%s, line %d); give the file "
		    "`kyso card read --json` wrote", r->from, err.text, err.line);
		goto out;
	}
	snprintf(what, sizeof(what), "the card data in %s", r->from);
	rc = take_card(r, id, j, "card-json", what);
out:
	json_decref(j);
	sign_buf_dispose(&data);
	return rc;
}

/* --card: read the chip now with the card options of `kyso card read`. */
static int
read_card_now(struct run *r, struct identity *id)
{
	struct kyso_card_result *cres = NULL;
	char what[300];
	json_t *j = NULL;
	int rc;

	if (r->dob != NULL && (rc = kyso_card_option(&r->co, KYSO_OPT_CARD_DOB, r->dob)) != 0)
		return rc;
	rc = kyso_card_read(&r->co, &cres);
	if (cres == NULL) {
		/* kyso_card_read printed why */
		if (r->out != NULL)
			set_str(r->out, "error", kyso_card_last_error());
		return rc != 0 ? rc : KYSO_EXIT_RUNTIME;
	}
	j = kyso_card_json(cres);
	if (j != NULL)      /* kyso_card_json leaves "schema" to kyso_json_emit */
		json_object_set_new(j, "schema", json_integer(1));
	snprintf(what, sizeof(what), "the card in %s", r->co.reader != NULL ? r->co.reader :
	    "the reader");
	if (j == NULL)
		rc = failf(r, KYSO_EXIT_RUNTIME, "out of memory");
	else if (rc == KYSO_EXIT_DATA)
		rc = failf(r, rc, "%s: %s", what, kyso_card_why(cres) != NULL ?
		    kyso_card_why(cres) : "its data do not parse");
	else
		rc = take_card(r, id, j, "card", what);
	json_decref(j);
	kyso_card_result_free(cres);
	return rc;
}

/* ---- output -------------------------------------------------------------- */

static const char *
fieldv(const sign_insurance_result *res, const char *name)
{
	const char *v = sign_insurance_result_field(res, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void
warn(json_t *arr, int print, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
warn(json_t *arr, int print, const char *id, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kyso_gw_utf8_trim(msg);
	if (print)
		printf("warning:     %s\n", kyso_shown(msg));
	if (arr != NULL)
		json_array_append_new(arr, json_pack("{s:s,s:o}", "id", id, "message",
		    kyso_json_text(msg)));
}

struct warn_ctx {
	json_t *arr;
	int print;
};

static void
emit_warning(void *ud, const char *id, const char *message)
{
	struct warn_ctx *w = ud;

	warn(w->arr, w->print, id, "%s", message);
}

static void
report(struct run *r, const sign_insurance_result *res, const struct identity *id,
    const char *facility, unsigned int warn_days, const char *ma_the_from)
{
	const char *code = sign_insurance_result_code(res);
	const char *vi = sign_insurance_result_meaning_vi(res);
	const char *en = sign_insurance_result_meaning_en(res);
	sign_insurance_class cls = sign_insurance_result_class(res);
	const char *from = fieldv(res, "gtTheTu"), *to = fieldv(res, "gtTheDen");
	const char *dk = fieldv(res, "maDKBD"), *dkname = fieldv(res, "tenDKBD");
	struct warn_ctx wctx;
	int text = !r->json, has_days;
	json_t *warns = r->json ? json_array() : NULL, *jres = NULL, *ans;
	const char *raw;
	size_t rawlen;
	long days = 0;
	char *hex;

	has_days = sign_insurance_result_days_left(res, &days) == 0;
	if (text) {
		kyso_gw_print_verdict(stdout, res);
		printf("holder:      %s, born %s\n",
		    kyso_shown(sign_insurance_result_request(res, "hoTen")),
		    kyso_shown(sign_insurance_result_request(res, "ngaySinh")));
		printf("looked up:   maThe %s (%s)\n",
		    kyso_shown(sign_insurance_result_request(res, "maThe")),
		    strcmp(ma_the_from, "id") == 0 ? "citizen ID from the card" :
		    strcmp(ma_the_from, "bhyt") == 0 ? "BHYT code" : "typed in");
		/* --from: the verdict is the file's word (it is not signed and
		 * holds no SOD to re-check), which the summary says */
		printf("identity:    %s%s%s\n", !id->verified ? "NOT verified" :
		    r->from == NULL ? "verified on the chip (genuine card)" :
		    "verified on the chip when it was read, as the card data in ",
		    id->verified && r->from != NULL ? kyso_shown(r->from) : "",
		    id->verified && r->from != NULL ? " say (not re-checked here: the file is "
		    "not signed)" : "");
		kyso_gw_print_card(stdout, res);
	}
	wctx.arr = warns;
	wctx.print = text;
	kyso_gw_warnings(res, facility, warn_days, emit_warning, &wctx);
	if (!id->verified)
		warn(warns, text, "unverified", "identity not verified: %s",
		    strcmp(json_string_value(json_object_get(id->json, "source")), "manual") == 0 ?
		    "data typed in by hand" : "the card failed authentication (--allow-unverified)");
	sign_insurance_result_raw(res, &raw, &rawlen);
	hex = kyso_hex(sign_insurance_result_sha256(res), 32);
	if (text) {
		printf("answer:      %zu bytes, sha256 %s\n", rawlen, hex != NULL ? hex : "?");
		free(hex);
		return;
	}
	jres = json_object();
	json_object_set_new(jres, "code", kyso_json_text(code));
	json_object_set_new(jres, "class", json_string(kyso_gw_class_name(cls)));
	json_object_set_new(jres, "covered", json_boolean(cls == SIGN_INSURANCE_COVERED));
	set_str(jres, "meaning_vi", vi);
	set_str(jres, "meaning_en", en);
	set_str(jres, "note", fieldv(res, "ghiChu"));
	set_str(jres, "card_code", fieldv(res, "maThe"));
	set_str(jres, "valid_from", from);
	set_str(jres, "valid_to", to);
	json_object_set_new(jres, "days_left", has_days ? json_integer(days) : json_null());
	json_object_set_new(jres, "facility", dk == NULL ? json_null() :
	    json_pack("{s:s,s:s?,s:b}", "code", dk, "name", dkname, "this_facility",
	    facility[0] != '\0' && strcmp(dk, facility) == 0));
	set_str(jres, "five_years", fieldv(res, "ngayDu5Nam"));
	json_object_set_new(jres, "new_card",
	    (sign_insurance_result_warnings(res) & SIGN_INSURANCE_WARN_NEW_CARD) ?
	    json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?}", "code", fieldv(res, "maTheMoi"),
	    "valid_from", fieldv(res, "gtTheTuMoi"), "valid_to", fieldv(res, "gtTheDenMoi"),
	    "facility", fieldv(res, "maDKBDMoi"), "facility_name", fieldv(res, "tenDKBDMoi")) :
	    json_null());
	json_object_set_new(r->out, "result", jres);
	json_object_set_new(r->out, "warnings", warns);
	ans = json_loadb(raw, rawlen, JSON_DECODE_ANY, NULL);
	json_object_set_new(r->out, "answer", ans != NULL ? ans : json_null());
	json_object_set_new(r->out, "answer_sha256", hex != NULL ? json_string(hex) : json_null());
	json_object_set_new(r->out, "http_status",
	    json_integer(sign_insurance_result_http_status(res)));
	free(hex);
}

/* ---- lookup -------------------------------------------------------------- */

static int
lookup_cb(int val, const char *arg, void *ud)
{
	struct run *r = ud;
	int rc;

	if (kyso_gw_option(&r->gw, val, arg) == 0)
		return 0;
	switch (val) {
	case O_FROM:
		r->from = arg;
		return 0;
	case O_MA_THE:
		r->ma_the = arg;
		return 0;
	case O_NAME:
		r->name = arg;
		return 0;
	case KYSO_OPT_CARD_DOB:
		r->dob = arg;       /* routed to the card options after parsing */
		return 0;
	case O_CARD:
		r->card = 1;
		return 0;
	case O_BHYT_CODE:
		r->bhyt_code = arg;
		return 0;
	case O_ALLOW_UNVERIFIED:
		r->allow_unverified = 1;
		return 0;
	case O_JSON:
		r->json = 1;
		return 0;
	default:
		break;
	}
	rc = kyso_card_option(&r->co, val, arg);
	if (rc >= 0) {
		r->card_opts = 1;
		return rc;
	}
	return KYSO_EXIT_USAGE;
}

/* Which code to send (the gateway settings are checked by then). */
static int
check_ma_the_from(struct run *r, const char **ma_the_from)
{
	*ma_the_from = kyso_gw_get(&r->gw, KYSO_GW_MA_THE_FROM);
	if (r->gw.cli[KYSO_GW_MA_THE_FROM] == NULL && r->bhyt_code != NULL)
		*ma_the_from = "bhyt";
	if (*ma_the_from == NULL)
		*ma_the_from = "id";
	if (strcmp(*ma_the_from, "id") != 0 && strcmp(*ma_the_from, "bhyt") != 0)
		return failf(r, KYSO_EXIT_USAGE, "ma-the-from '%s': use id or bhyt", *ma_the_from);
	if (strcmp(*ma_the_from, "bhyt") == 0 && r->bhyt_code == NULL &&
	    (r->from != NULL || r->card))
		return failf(r, KYSO_EXIT_USAGE, "--ma-the-from bhyt needs --bhyt-code CODE (the "
		    "chip does not hold the BHYT code)");
	if (strcmp(*ma_the_from, "id") == 0 && r->bhyt_code != NULL)
		return failf(r, KYSO_EXIT_USAGE, "--bhyt-code and --ma-the-from id contradict each "
		    "other");
	return 0;
}

static int
get_identity(struct run *r, struct identity *id, const char *ma_the_from)
{
	int rc;

	if (r->card + (r->from != NULL) + (r->ma_the != NULL || r->name != NULL) > 1 ||
	    (r->from != NULL && r->dob != NULL))
		return failf(r, KYSO_EXIT_USAGE, "give one of --card, --from FILE, or --ma-the, "
		    "--name and --dob");
	if (r->card_opts && !r->card)
		return failf(r, KYSO_EXIT_USAGE, "reader, card key and CSCA options go with --card");
	if (r->from != NULL || r->card) {
		rc = r->card ? read_card_now(r, id) : read_card_json(r, id);
		if (rc != 0)
			return rc;
		id->ma_the = strdup(strcmp(ma_the_from, "bhyt") == 0 ? r->bhyt_code :
		    id->id_number);
		return id->ma_the != NULL ? 0 : failf(r, KYSO_EXIT_RUNTIME, "out of memory");
	}
	if (r->ma_the == NULL && r->bhyt_code != NULL)
		r->ma_the = r->bhyt_code;
	if (r->ma_the == NULL || r->name == NULL || r->dob == NULL)
		return failf(r, KYSO_EXIT_USAGE, "what to look up: --card (read the chip), --from "
		    "FILE (card data), or --ma-the CODE --name NAME --dob dd/mm/yyyy");
	id->ma_the = strdup(r->ma_the);
	id->name = strdup(r->name);
	id->dob = strdup(r->dob);
	id->verified = 0;
	id->json = json_pack("{s:b,s:s}", "verified", 0, "source", "manual");
	if (id->ma_the == NULL || id->name == NULL || id->dob == NULL || id->json == NULL)
		return failf(r, KYSO_EXIT_RUNTIME, "out of memory");
	return 0;
}

static int
lookup_main(int argc, char **argv)
{
	static const char usage[] = "kyso insurance lookup (--card [CARD OPTIONS] | --from "
	    "CARD.json | --ma-the CODE --name NAME --dob dd/mm/yyyy) [OPTIONS]";
	sign_insurance_request q = SIGN_INSURANCE_REQUEST_INIT;
	sign_insurance_client *client = NULL;
	sign_insurance_result *res = NULL;
	struct identity id = { NULL, NULL, NULL, NULL, 0, NULL };
	struct run r;
	const sign_insurance_options *o = &r.gw.o;
	const char *ma_the_from = "id";
	struct kyso_net_signals sigs;
	int rc, optind_out = 0, i, sig = 0;
	json_t *jreq;

	memset(&r, 0, sizeof(r));
	kyso_gw_init(&r.gw);
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			r.json = 1;
	if (r.json)
		r.out = json_object();
	rc = kyso_parse(argc, argv, usage, lookup_opts, lookup_cb, &r, &optind_out);
	if (rc != 0) {
		if (r.out != NULL && json_object_get(r.out, "error") == NULL)
			set_str(r.out, "error", kyso_err_last()[0] != '\0' ? kyso_err_last() :
			    "usage error (see --help)");
		goto out;
	}
	if (optind_out < argc) {
		rc = failf(&r, KYSO_EXIT_USAGE, "unexpected argument '%s' (see --help)",
		    argv[optind_out]);
		goto out;
	}
	rc = kyso_gw_configure(&r.gw);
	if (r.out != NULL && r.gw.config_path != NULL)
		set_str(r.out, "config", r.gw.config_path);
	if (rc != 0) {
		rc = gw_failed(&r, rc);
		goto out;
	}
	if ((rc = check_ma_the_from(&r, &ma_the_from)) != 0)
		goto out;
	if (r.from == NULL && !r.card)
		ma_the_from = "manual";
	if ((rc = get_identity(&r, &id, ma_the_from)) != 0)
		goto out;
	if (r.out != NULL)
		json_object_set(r.out, "identity", id.json);
	if ((rc = kyso_gw_client(&r.gw, &client)) != 0) {
		rc = gw_failed(&r, rc);
		goto out;
	}
	q.ma_the = id.ma_the;
	q.full_name = id.name;
	q.birth_date = id.dob;
	if (r.out != NULL) {
		/* (names from the command line and kyso.conf: kyso_json_text) */
		jreq = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "gateway",
		    kyso_json_text(o->gateway), "username", kyso_json_text(o->username), "maThe",
		    kyso_json_text(q.ma_the), "hoTen", kyso_json_text(q.full_name), "ngaySinh",
		    kyso_json_text(q.birth_date), "hoTenCb", kyso_json_text(o->staff_name),
		    "cccdCb", kyso_json_text(o->staff_id), "ma_the_from", ma_the_from);
		json_object_set_new(r.out, "request", jreq != NULL ? jreq : json_null());
	}
	/* Ctrl-C / SIGTERM abandon the request at once (not at its timeout) */
	kyso_net_catch(&sigs);
	rc = sign_insurance_lookup(&res, client, &q);
	kyso_net_release(&sigs);
	if ((sig = kyso_net_caught()) != 0) {
		sign_insurance_result_free(res);
		res = NULL;
		rc = failf(&r, 128 + sig, "interrupted (%s) while waiting for the gateway %s: "
		    "the lookup was abandoned, no answer was taken", kyso_net_signame(sig),
		    o->gateway);
		goto out;
	}
	if (rc != 0) {
		const char *fix = NULL;

		if (rc == SIGN_ERR_INVALID_ARG)
			fix = "check --ma-the, --name, --dob or the card data";
		rc = fail_lib(&r, rc, fix);
		goto out;
	}
	if (r.out != NULL)
		set_str(r.out, "status", kyso_gw_class_name(sign_insurance_result_class(res)));
	report(&r, res, &id, r.gw.facility, r.gw.warn_days, ma_the_from);
	switch (sign_insurance_result_class(res)) {
	case SIGN_INSURANCE_COVERED:
		rc = KYSO_EXIT_OK;
		break;
	case SIGN_INSURANCE_NOT_COVERED:
		rc = failf(&r, KYSO_EXIT_FAILED, "not covered: %s %s (%s)",
		    sign_insurance_result_code(res), sign_insurance_result_meaning_vi(res),
		    sign_insurance_result_meaning_en(res));
		break;
	default:
		rc = failf(&r, KYSO_EXIT_RUNTIME, "the gateway answered %s %s (%s); try again later "
		    "or ask the social-security office", sign_insurance_result_code(res),
		    sign_insurance_result_meaning_vi(res) != NULL ?
		    sign_insurance_result_meaning_vi(res) : "mã không có trong bảng",
		    sign_insurance_result_meaning_en(res) != NULL ?
		    sign_insurance_result_meaning_en(res) : "a code not in the table");
		break;
	}
out:
	if (r.out != NULL) {
		if (json_object_get(r.out, "status") == NULL)
			set_str(r.out, "status", "failed");
		json_object_set_new(r.out, "ok", json_boolean(rc == 0));
		json_object_set_new(r.out, "exit", json_integer(rc));
		if (json_object_get(r.out, "identity") == NULL)
			json_object_set_new(r.out, "identity", id.json != NULL ? json_incref(id.json) :
			    json_null());
		kyso_json_emit(r.out, 1);
	}
	sign_insurance_result_free(res);
	sign_insurance_client_free(client);
	kyso_gw_done(&r.gw);
	json_decref(id.json);
	free(id.ma_the);
	free(id.name);
	free(id.dob);
	free(id.id_number);
	if (sig != 0)
		kyso_net_exit(sig);     /* the process ends by the signal */
	return rc;
}

/* ---- codes --------------------------------------------------------------- */

static int
codes_cb(int val, const char *arg, void *ud)
{
	(void)arg;
	if (val != O_JSON)
		return KYSO_EXIT_USAGE;
	*(int *)ud = 1;
	return 0;
}

static int
codes_main(int argc, char **argv)
{
	int json = 0, optind_out = 0, rc;
	const char *code, *vi, *en;
	sign_insurance_class cls;
	json_t *obj = NULL, *arr = NULL;
	size_t i;

	rc = kyso_parse(argc, argv, "kyso insurance codes [--json]", codes_opts, codes_cb, &json,
	    &optind_out);
	if (rc != 0)
		return rc;
	if (json) {
		obj = json_object();
		arr = json_array();
	}
	for (i = 0; sign_insurance_code_get(i, &code, &cls, &vi, &en) == 0; i++) {
		int ex = cls == SIGN_INSURANCE_COVERED ? 0 : cls == SIGN_INSURANCE_NOT_COVERED ? 1 :
		    cls == SIGN_INSURANCE_AUTH_ERROR ? 5 : 7;

		if (json)
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:i}", "code", code,
			    "class", kyso_gw_class_name(cls), "vi", vi, "en", en, "exit", ex));
		else
			printf("%s  %-13s exit %d  %s (%s)\n", code, kyso_gw_class_name(cls), ex, vi, en);
	}
	if (json) {
		json_object_set_new(obj, "codes", arr);
		kyso_json_emit(obj, 1);
	}
	return 0;
}

int kyso_cmd_insurance(int argc, char **argv);

int
kyso_cmd_insurance(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "lookup") == 0)
		return lookup_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "codes") == 0)
		return codes_main(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: kyso insurance lookup [OPTIONS]   look a BHYT card up at the VSS "
		    "gateway\n       kyso insurance codes [--json]    the gateway's result codes\n"
		    "\n`kyso insurance lookup --help` lists the options; kyso-insurance(1) has the "
		    "details.\n");
		return 0;
	}
	kyso_err("usage: kyso insurance lookup|codes [OPTIONS] (see kyso insurance --help)");
	return KYSO_EXIT_USAGE;
}
