/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso checkin verify: re-check signed check-in records (checkin.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libsign/checkin.h>
#include "card_opts.h"
#include "card_result.h"
#include "trust_opts.h"

int kyso_cmd_checkin(int argc, char **argv);

#define MAX_RECORDS 256

enum { O_SIGNATURE = 0x7901, O_JSON };

static const char usage[] =
    "kyso checkin verify RECORD.json... [--trust FILE|DIR]... [--no-default-trust]\n"
    "                          [--csca FILE|DIR]... [--master-list ML --ml-signer-anchor CERT]\n"
    "                          [--no-default-csca] [--crl FILE|DIR]... [--ocsp] [--ocsp-url URL]\n"
    "                          [--crl-fetch] [--signature SIG] [--json]";

static const struct kyso_opt opts[] = {
	KYSO_TRUST_OPTIONS("trust anchors for the facility's certificate (repeatable)"),
	{ "signature", required_argument, O_SIGNATURE, "SIG",
	  "the signature file (default RECORD.json.p7s; one record only)" },
	{ "json", no_argument, O_JSON, NULL, "print one JSON object" },
	KYSO_REVOCATION_OPTIONS,
	KYSO_CARD_TRUST_OPTIONS,
	{ NULL, 0, 0, NULL, NULL }
};

struct args {
	struct kyso_card_opts co;
	struct kyso_trust_opts trust;
	int json;
	const char *signature;
	const char *records[MAX_RECORDS];
	int nrecords;
	struct kyso_revocation_opts rev;
};

static int
opt_cb(int val, const char *arg, void *ud)
{
	struct args *a = ud;
	int rc = kyso_card_option(&a->co, val, arg);

	if (rc >= 0 || (rc = kyso_trust_option(&a->trust, val, arg)) >= 0 ||
	    (rc = kyso_revocation_option(&a->rev, val, arg)) >= 0)
		return rc;
	switch (val) {
	case O_SIGNATURE: a->signature = arg; return 0;
	case O_JSON: a->json = 1; return 0;
	default: return KYSO_EXIT_USAGE;
	}
}

/* Options and operands in any order: kyso_parse stops at the first operand;
 * take it and parse on from there (it stands in for argv[0]). */
static int
parse(int argc, char **argv, struct args *a)
{
	int pos = 0, ind, rc;

	for (;;) {
		rc = kyso_parse(argc - pos, argv + pos, usage, opts, opt_cb, a, &ind);
		if (rc != 0)
			return rc;
		if (pos + ind >= argc)
			return 0;
		pos += ind;
		if (strcmp(argv[pos], "--") == 0) {
			for (pos++; pos < argc; pos++) {
				if (a->nrecords >= MAX_RECORDS)
					break;
				a->records[a->nrecords++] = argv[pos];
			}
			return 0;
		}
		if (a->nrecords >= MAX_RECORDS) {
			kyso_err("at most %d records at a time", MAX_RECORDS);
			return KYSO_EXIT_USAGE;
		}
		a->records[a->nrecords++] = argv[pos];
	}
}

static int
exit_for(sign_cades_indication ind)
{
	switch (ind) {
	case SIGN_CADES_TOTAL_PASSED: return KYSO_EXIT_OK;
	case SIGN_CADES_INDETERMINATE: return KYSO_EXIT_INDETERMINATE;
	default: return KYSO_EXIT_FAILED;
	}
}

/* The run's status: a record that could not be verified at all outranks
 * TOTAL-FAILED, which outranks INDETERMINATE. */
static int
worse(int code, int c)
{
	static const int weight[8] = { 0, 2, 1, 3, 3, 3, 3, 3 };

	return weight[c & 7] > weight[code & 7] ? c : code;
}

static json_t *
jstr(const char *s)
{
	return kyso_json_text(s);
}

/* Text for the terminal: control and bidi characters escaped (sign_text_escape).
 * The signer's name comes from a certificate anyone can make, and the check
 * details quote names from certificates and the record: a name holding a
 * line break must not print a line of its own ("x.json: TOTAL-PASSED"). */
static const char *
shown(char *buf, size_t cap, const char *s)
{
	sign_text_escape(buf, cap, s != NULL ? s : "");
	return buf;
}

static void
print_text(const char *file, const sign_checkin_report *rep)
{
	char b1[4096], b2[4096];
	const sign_checkin *rec = sign_checkin_report_record(rep);
	const sign_cades_signature *s = sign_cades_report_get(sign_checkin_report_signature(rep),
	    0);
	const char *vc;
	time_t st;
	size_t i;

#define G(p) (sign_checkin_get(rec, p) != NULL ? kyso_shown(sign_checkin_get(rec, p)) : "?")
	printf("%s: %s\n", shown(b1, sizeof(b1), file),
	    sign_cades_indication_str(sign_checkin_report_indication(rep)));
	printf("  time:        %s\n", G("time"));
	printf("  facility:    %s%s%s, staff %s (%s)%s%s\n", G("facility.code"),
	    sign_checkin_get(rec, "facility.name") != NULL ? " " : "",
	    sign_checkin_get(rec, "facility.name") != NULL ? G("facility.name") : "",
	    G("staff.name"), G("staff.id"),
	    sign_checkin_get(rec, "reader") != NULL ? ", reader " : "",
	    sign_checkin_get(rec, "reader") != NULL ? G("reader") : "");
	printf("  patient:     %s, born %s, ID %s (document %s)\n", G("card.holder.full_name"),
	    G("card.holder.date_of_birth"), G("card.holder.id_number"),
	    G("card.document.number"));
	/* the verdicts in words ("not supported", not the record's
	 * "not_supported"); chip authentication: recorded since it was run
	 * (absent in older records) */
#define W(p) (sign_checkin_get(rec, p) != NULL ? \
	kyso_shown(kyso_card_verdict_words(sign_checkin_get(rec, p))) : "?")
	if (sign_checkin_get(rec, "card.verification.chip_authentication") != NULL)
		printf("  card:        passive %s, active %s, chip authentication %s, genuine %s\n",
		    W("card.verification.passive"), W("card.verification.active"),
		    W("card.verification.chip_authentication"), G("card.verification.genuine"));
	else
		printf("  card:        passive %s, active %s, genuine %s\n",
		    W("card.verification.passive"), W("card.verification.active"),
		    G("card.verification.genuine"));
#undef W
	printf("  outcome:     %s (identity %s)\n", G("outcome"), G("identity"));
	vc = sign_checkin_get(rec, "lookup.result.code");
	if (vc != NULL)
		printf("  coverage:    %s %s, valid %s to %s, registered at %s\n", kyso_shown(vc),
		    G("lookup.result.class"), G("lookup.result.valid_from"),
		    G("lookup.result.valid_to"), G("lookup.result.registered_facility"));
	else if (sign_checkin_get(rec, "lookup.error.code") != NULL)
		printf("  lookup:      failed (%s): %s\n", G("lookup.error.code"),
		    G("lookup.error.message"));
#undef G
	if (s != NULL) {
		char when[40] = "none";

		if (sign_cades_signature_signing_time(s, &st) == 0) {
			struct tm tm;

			gmtime_r(&st, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		printf("  signed by:   %s (serial %s), signing time %s\n",
		    *sign_cades_signature_signer(s) ? shown(b1, sizeof(b1),
		    sign_cades_signature_signer(s)) : "?",
		    shown(b2, sizeof(b2), sign_cades_signature_serial(s)), when);
	}
	printf("  checks:\n");
	for (i = 0; i < SIGN_CHECKIN_CHECK_COUNT; i++) {
		sign_cades_status stt;
		const char *detail;

		if (sign_checkin_report_check(rep, (sign_checkin_check)i, &stt, &detail) == 0)
			printf("    %-13s %-22s %s\n", sign_cades_status_str(stt),
			    sign_checkin_check_str((sign_checkin_check)i),
			    shown(b1, sizeof(b1), detail));
	}
}

/* Chip Authentication beside the checks: the verdict as recorded, DG14 as
 * re-checked against the SOD, and whether the claim stands
 * (docs/checkin-verify-json.md). */
static json_t *
chipauth_json(const sign_checkin_report *rep)
{
	sign_chipauth_verdict v = SIGN_CHIPAUTH_NOT_ATTEMPTED;
	sign_dg_status d14 = SIGN_DG_ABSENT;
	int recorded = 0, consistent = 0;

	if (sign_checkin_report_chipauth(rep, &v, &recorded, &d14, &consistent) != 0)
		return json_null();
	return json_pack("{s:s,s:b,s:s,s:b,s:b,s:b}", "verdict", kyso_card__chipauth_name(v),
	    "recorded", recorded, "dg14", kyso_card_dg_status_name(d14), "dg14_confirmed",
	    d14 == SIGN_DG_MATCH, "consistent", consistent, "counted",
	    consistent && v == SIGN_CHIPAUTH_PASSED && d14 == SIGN_DG_MATCH);
}

static json_t *
report_json(const sign_checkin_report *rep)
{
	const sign_checkin *rec = sign_checkin_report_record(rep);
	json_t *checks = json_array(), *r;
	size_t i;

	for (i = 0; i < SIGN_CHECKIN_CHECK_COUNT; i++) {
		sign_cades_status st;
		const char *detail;

		if (sign_checkin_report_check(rep, (sign_checkin_check)i, &st, &detail) == 0)
			json_array_append_new(checks, json_pack("{s:s,s:s,s:o}", "check",
			    sign_checkin_check_str((sign_checkin_check)i), "status",
			    sign_cades_status_str(st), "detail", kyso_json_text(detail)));
	}
	r = json_object();
	json_object_set_new(r, "checks", checks);
	json_object_set_new(r, "chip_authentication", chipauth_json(rep));
	json_object_set_new(r, "time", jstr(sign_checkin_get(rec, "time")));
	json_object_set_new(r, "outcome", jstr(sign_checkin_get(rec, "outcome")));
	json_object_set_new(r, "identity", jstr(sign_checkin_get(rec, "identity")));
	json_object_set_new(r, "facility", jstr(sign_checkin_get(rec, "facility.code")));
	json_object_set_new(r, "holder", jstr(sign_checkin_get(rec, "card.holder.full_name")));
	json_object_set_new(r, "result_code", jstr(sign_checkin_get(rec, "lookup.result.code")));
	{
		const sign_cades_signature *s =
		    sign_cades_report_get(sign_checkin_report_signature(rep), 0);

		json_object_set_new(r, "signer", s != NULL && *sign_cades_signature_signer(s) ?
		    kyso_json_text(sign_cades_signature_signer(s)) : json_null());
	}
	return r;
}

static int
verify_main(int argc, char **argv)
{
	sign_checkin_verify_opts vo = SIGN_CHECKIN_VERIFY_OPTS_INIT;
	sign_trust *trust = NULL;
	sign_csca_store *csca = NULL;
	json_t *top = NULL, *results = NULL;
	struct args a;
	char first[1400] = "";
	int rc, i, code = KYSO_EXIT_OK, nfailed = 0;

	memset(&a, 0, sizeof(a));
	rc = parse(argc, argv, &a);
	if (rc == 0 && a.nrecords == 0) {
		kyso_err("no record given (see --help)");
		rc = KYSO_EXIT_USAGE;
	}
	if (rc == 0 && a.signature != NULL && a.nrecords != 1) {
		kyso_err("--signature names the signature of one record");
		rc = KYSO_EXIT_USAGE;
	}
	if (rc == 0)
		rc = kyso_trust_load(&trust, &a.trust, 0, NULL);
	if (rc == 0)
		rc = kyso_revocation_load(trust, &a.rev);
	if (rc == 0)
		rc = kyso_revocation_cache(trust, &a.rev);
	if (rc == 0)
		rc = kyso_card_trust(&a.co, &csca);
	if (a.json) {
		top = json_object();
		results = json_array();
	}
	if (rc != 0) {
		code = rc;
		if (top != NULL)
			json_object_set_new(top, "error", kyso_json_text(kyso_err_last()[0] != '\0' ?
			    kyso_err_last() : sign_error_last() != 0 ? sign_error_message() :
			    kyso_card_last_error()[0] != '\0' ? kyso_card_last_error() :
			    "bad command line (see --help)"));
		goto out;
	}
	if (!a.json && sign_trust_count(trust) == 0)
		kyso_err("no trust anchor for the facility's certificate: the signature will be "
		    "INDETERMINATE; add one with --trust");
	vo.trust = trust;
	vo.csca = csca;
	vo.flags = kyso_revocation_flags(&a.rev);
	vo.ocsp_url = a.rev.ocsp_url;
	for (i = 0; i < a.nrecords; i++) {
		sign_checkin_report *rep = NULL;
		json_t *r = NULL;
		char b[4096];
		int c;

		rc = sign_checkin_verify_file(&rep, a.records[i], a.signature, &vo);
		if (rep == NULL) {
			const char *m = sign_error_last() == rc ? sign_error_message() :
			    sign_strerror(rc);
			char mfix[1024], line[1400], sig[4096];
			struct stat sb;
			int unreadable = 0;

			/* a record that cannot be opened or read: say what to check
			 * (an input that cannot be read is bad input, 6, not a
			 * runtime failure) */
			if (stat(a.records[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
				snprintf(mfix, sizeof(mfix), "%s: a directory, not a record; give the "
				    "record's .json file (kyso reception writes them in records/)",
				    a.records[i]);
				m = mfix;
				unreadable = 1;
			} else if (access(a.records[i], R_OK) != 0) {
				int e = errno;

				if (strchr(m, ';') == NULL) {
					snprintf(mfix, sizeof(mfix), "%s; %s", m, e == ENOENT ||
					    e == ENOTDIR ? "check the record's file name" :
					    "check that the record is a file kyso may read");
					m = mfix;
				}
				unreadable = 1;
			} else if (snprintf(sig, sizeof(sig), "%s%s", a.signature != NULL ?
			    a.signature : a.records[i], a.signature != NULL ? "" : ".p7s") > 0 &&
			    stat(sig, &sb) == 0 && S_ISDIR(sb.st_mode)) {
				snprintf(mfix, sizeof(mfix), "the record's signature %.700s is a directory, "
				    "not a signature; %s", sig, a.signature != NULL ?
				    "give the record's .p7s file to --signature" :
				    "keep the record's .p7s file beside it, or name it with --signature SIG");
				m = mfix;
				unreadable = 1;
			} else if (rc == SIGN_ERR_NOT_FOUND && strchr(m, ';') == NULL) {
				/* the record is there, its signature is not */
				snprintf(mfix, sizeof(mfix), "%s; %s", m, a.signature != NULL ?
				    "check the file name given to --signature" :
				    "keep the record's .p7s beside it, or name the signature with "
				    "--signature SIG");
				m = mfix;
			}

			c = kyso_exit_for(rc);
			if (unreadable || c == KYSO_EXIT_USAGE || c == KYSO_EXIT_INDETERMINATE ||
			    c == KYSO_EXIT_FAILED)
				c = KYSO_EXIT_DATA;
			/* (the library's message may begin with the name already) */
			if (strncmp(m, a.records[i], strlen(a.records[i])) == 0 &&
			    m[strlen(a.records[i])] == ':')
				snprintf(line, sizeof(line), "%s", m);
			else
				snprintf(line, sizeof(line), "%s: %s", a.records[i], m);
			kyso_err("%s", line);
			/* the run's "error": the first record that could not be
			 * verified (docs/checkin-verify-json.md) */
			if (nfailed++ == 0)
				snprintf(first, sizeof(first), "%s", line);
			if (!a.json) {
				printf("%s: NOT VERIFIED (%s)\n", shown(b, sizeof(b), a.records[i]),
				    sign_strerror(rc));
			} else {
				/* (built member by member: json_pack drops the whole
				 * record when the name is not UTF-8) */
				r = json_object();
				json_object_set_new(r, "file", kyso_json_text(a.records[i]));
				json_object_set_new(r, "indication", json_null());
				json_object_set_new(r, "exit", json_integer(c));
				json_object_set_new(r, "error", kyso_json_text(m));
			}
		} else {
			c = exit_for(sign_checkin_report_indication(rep));
			if (a.json) {
				r = report_json(rep);
				json_object_set_new(r, "file", kyso_json_text(a.records[i]));
				json_object_set_new(r, "indication", json_string(
				    sign_cades_indication_str(sign_checkin_report_indication(rep))));
				json_object_set_new(r, "exit", json_integer(c));
				json_object_set_new(r, "error", json_null());
			} else {
				print_text(a.records[i], rep);
			}
		}
		if (r != NULL)
			json_array_append_new(results, r);
		code = worse(code, c);
		sign_checkin_report_free(rep);
	}
	if (top != NULL && nfailed == 0) {
		json_object_set_new(top, "error", json_null());
	} else if (top != NULL) {
		/* No verdict for the run: "error" says why, as it does when the
		 * run could not start; each result's "error" says it per record. */
		char msg[1600];

		if (nfailed == 1 && a.nrecords == 1)
			snprintf(msg, sizeof(msg), "%s", first);
		else
			snprintf(msg, sizeof(msg), "%d of %d records could not be verified (each "
			    "result's \"error\" says why), the first: %s", nfailed, a.nrecords, first);
		json_object_set_new(top, "error", kyso_json_text(msg));
	}
out:
	if (top != NULL) {
		json_object_set_new(top, "indication", code > 2 ? json_null() :
		    json_string(code == 0 ? "TOTAL-PASSED" : code == KYSO_EXIT_INDETERMINATE ?
		    "INDETERMINATE" : "TOTAL-FAILED"));
		json_object_set_new(top, "exit", json_integer(code));
		json_object_set_new(top, "results", results);
		kyso_json_emit(top, 1);
	} else {
		json_decref(results);
	}
	sign_trust_free(trust);
	sign_csca_store_free(csca);
	return code;
}

int
kyso_cmd_checkin(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return verify_main(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: %s\n\n`kyso checkin verify --help` lists the options; "
		    "kyso-checkin(1) has the details.\n", usage);
		return 0;
	}
	kyso_err("usage: kyso checkin verify RECORD.json... [OPTIONS] (see kyso checkin --help)");
	return KYSO_EXIT_USAGE;
}
