/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso verify: CMS/CAdES signatures with ETSI EN 319 102-1 verdicts. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>

#include <libsign/cades.h>
#include "kyso.h"
#include "trust_opts.h"

int kyso_cmd_verify(int argc, char **argv);

/* The JSON schema version of `kyso verify --json` (docs/verify-json.md). */
#define VERIFY_JSON_SCHEMA 1

enum { OPT_CONTENT = 256, OPT_JSON, OPT_CERTS };

/* --certs options at most (like --trust: a directory holds any number). */
#define VERIFY_CERTS_MAX 64

static const char usage[] =
    "kyso verify [--trust FILE|DIR]... [--no-default-trust] [--certs FILE|DIR]... "
    "[--crl FILE|DIR]... [--ocsp] [--ocsp-url URL] [--crl-fetch] [--content FILE] [--json] "
    "SIG...";

static const struct kyso_opt opts[] = {
	KYSO_TRUST_OPTIONS("add trust anchors (PEM/DER file or directory); repeatable"),
	{ "certs", required_argument, OPT_CERTS, "FILE|DIR",
	  "more certificates, not trusted: a signer or CA certificate the signature lacks; "
	  "repeatable" },
	KYSO_REVOCATION_OPTIONS,
	{ "content", required_argument, OPT_CONTENT, "FILE",
	  "the signed file of a detached signature (default: SIG without .p7s)" },
	{ "json", no_argument, OPT_JSON, NULL, "print one JSON object (docs/verify-json.md)" },
	{ NULL, 0, 0, NULL, NULL }
};

struct verify_args {
	struct kyso_trust_opts trust;
	const char *certs[VERIFY_CERTS_MAX];
	int ncerts;
	struct kyso_revocation_opts rev;
	const char *content;
	int json;
};

static int
verify_opt(int val, const char *arg, void *ud)
{
	struct verify_args *a = ud;
	int rc = kyso_trust_option(&a->trust, val, arg);

	if (rc >= 0 || (rc = kyso_revocation_option(&a->rev, val, arg)) >= 0)
		return rc;
	switch (val) {
	case OPT_CONTENT: a->content = arg; return 0;
	case OPT_CERTS:
		if (a->ncerts >= VERIFY_CERTS_MAX) {
			kyso_err("at most %d --certs options; put the certificates in one directory",
			    VERIFY_CERTS_MAX);
			return KYSO_EXIT_USAGE;
		}
		a->certs[a->ncerts++] = arg;
		return 0;
	case OPT_JSON: a->json = 1; return 0;
	}
	return KYSO_EXIT_USAGE;
}

/* Exit statuses ranked: the worst one of a run decides (verdicts from
 * TOTAL-PASSED to TOTAL-FAILED, then failures to verify at all). */
static int
rank(int code)
{
	switch (code) {
	case KYSO_EXIT_OK: return 0;
	case KYSO_EXIT_INDETERMINATE: return 1;
	case KYSO_EXIT_FAILED: return 2;
	default: return 3;
	}
}

static int
exit_for_indication(sign_cades_indication ind)
{
	switch (ind) {
	case SIGN_CADES_TOTAL_PASSED: return KYSO_EXIT_OK;
	case SIGN_CADES_INDETERMINATE: return KYSO_EXIT_INDETERMINATE;
	case SIGN_CADES_TOTAL_FAILED: return KYSO_EXIT_FAILED;
	}
	return KYSO_EXIT_FAILED;
}

static json_t *
jstr_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? kyso_json_text(s) : json_null();
}

static const char *
verdict_text(sign_cades_indication ind, sign_cades_subindication sub, char *buf, size_t cap)
{
	if (sub == SIGN_CADES_SUB_NONE)
		snprintf(buf, cap, "%s", sign_cades_indication_str(ind));
	else
		snprintf(buf, cap, "%s/%s", sign_cades_indication_str(ind),
		    sign_cades_subindication_str(sub));
	return buf;
}

static char *
cert_sha256(const sign_cades_signature *s, size_t i)
{
	const unsigned char *der;
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	size_t len;

	if (sign_cades_signature_chain_cert(s, i, &der, &len) != 0 ||
	    !EVP_Digest(der, len, h, &hl, EVP_sha256(), NULL))
		return NULL;
	return kyso_hex(h, hl);
}

static void
iso_time(time_t t, char *buf, size_t cap)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
print_signature(const sign_cades_signature *s, size_t i, size_t n)
{
	sign_cades_indication ind = sign_cades_signature_indication(s);
	char v[96], when[32];
	time_t t;
	size_t k, nc = sign_cades_signature_chain_count(s);

	printf("  signature %zu of %zu: %s\n", i + 1, n,
	    verdict_text(ind, sign_cades_signature_subindication(s), v, sizeof(v)));
	printf("    signer:        %s\n", *sign_cades_signature_signer(s) ?
	    kyso_shown(sign_cades_signature_signer(s)) : "(unknown: certificate not found)");
	if (*sign_cades_signature_subject(s))
		printf("    subject:       %s\n", kyso_shown(sign_cades_signature_subject(s)));
	if (*sign_cades_signature_serial(s))
		printf("    serial:        %s\n", kyso_shown(sign_cades_signature_serial(s)));
	if (sign_cades_signature_signing_time(s, &t) == 0) {
		iso_time(t, when, sizeof(when));
		printf("    signing time:  %s (claimed by the signer, not proven)\n", when);
	} else {
		printf("    signing time:  none\n");
	}
	printf("    format:        %s, %s with %s\n", sign_cades_signature_format(s),
	    *sign_cades_signature_algorithm(s) ? sign_cades_signature_algorithm(s) : "?",
	    sign_cades_signature_digest(s));
	for (k = 0; k < nc; k++)
		printf("    %s %s%s\n", k == 0 ? "chain:        " : "               <-",
		    kyso_shown(sign_cades_signature_chain_name(s, k)),
		    k + 1 == nc && sign_cades_signature_chain_trusted(s) ? " (trust anchor)" :
		    k + 1 == nc ? " (not trusted)" : "");
	for (k = 0; k < sign_cades_signature_warning_count(s); k++)
		printf("    warning:       %s\n", kyso_shown(sign_cades_signature_warning(s, k)));
	printf("    checks:\n");
	for (k = 0; k < sign_cades_signature_check_count(s); k++) {
		sign_cades_check id;
		sign_cades_status st;
		const char *detail;

		if (sign_cades_signature_check(s, k, &id, &st, &detail) != 0)
			continue;
		printf("      %-14s %-20s %s\n", sign_cades_status_str(st), sign_cades_check_str(id),
		    kyso_shown(detail));
	}
}

static json_t *
json_signature(const sign_cades_signature *s)
{
	json_t *o = json_object(), *chain = json_array(), *checks = json_array();
	json_t *warnings = json_array();
	size_t k;
	time_t t;
	char when[32];

	json_object_set_new(o, "indication",
	    json_string(sign_cades_indication_str(sign_cades_signature_indication(s))));
	json_object_set_new(o, "sub_indication",
	    jstr_or_null(sign_cades_subindication_str(sign_cades_signature_subindication(s))));
	json_object_set_new(o, "signer", jstr_or_null(sign_cades_signature_signer(s)));
	json_object_set_new(o, "subject", jstr_or_null(sign_cades_signature_subject(s)));
	json_object_set_new(o, "serial", jstr_or_null(sign_cades_signature_serial(s)));
	if (sign_cades_signature_signing_time(s, &t) == 0) {
		iso_time(t, when, sizeof(when));
		json_object_set_new(o, "signing_time", json_string(when));
	} else {
		json_object_set_new(o, "signing_time", json_null());
	}
	json_object_set_new(o, "format", json_string(sign_cades_signature_format(s)));
	json_object_set_new(o, "digest", json_string(sign_cades_signature_digest(s)));
	json_object_set_new(o, "algorithm", jstr_or_null(sign_cades_signature_algorithm(s)));
	for (k = 0; k < sign_cades_signature_chain_count(s); k++) {
		json_t *c = json_object();
		char *h = cert_sha256(s, k);

		json_object_set_new(c, "name", kyso_json_text(sign_cades_signature_chain_name(s, k)));
		json_object_set_new(c, "sha256", jstr_or_null(h));
		json_array_append_new(chain, c);
		free(h);
	}
	json_object_set_new(o, "chain", chain);
	json_object_set_new(o, "chain_trusted",
	    json_boolean(sign_cades_signature_chain_trusted(s)));
	for (k = 0; k < sign_cades_signature_check_count(s); k++) {
		sign_cades_check id;
		sign_cades_status st;
		const char *detail;
		json_t *c;

		if (sign_cades_signature_check(s, k, &id, &st, &detail) != 0)
			continue;
		c = json_object();
		json_object_set_new(c, "check", json_string(sign_cades_check_str(id)));
		json_object_set_new(c, "status", json_string(sign_cades_status_str(st)));
		json_object_set_new(c, "detail", kyso_json_text(detail));
		json_array_append_new(checks, c);
	}
	json_object_set_new(o, "checks", checks);
	for (k = 0; k < sign_cades_signature_warning_count(s); k++)
		json_array_append_new(warnings, kyso_json_text(sign_cades_signature_warning(s, k)));
	json_object_set_new(o, "warnings", warnings);
	return o;
}

/* SIG without ".p7s", else NULL (caller frees).  Also when that file does
 * not exist: a detached signature then fails naming the file looked for. */
static char *
default_content(const char *sig)
{
	size_t n = strlen(sig);

	if (n <= 4 || strcmp(sig + n - 4, ".p7s") != 0)
		return NULL;
	return strndup(sig, n - 4);
}

/* What the user can do about a verdict (the second half of the diagnostic
 * line "cause; fix"). */
static const char *
verdict_fix(sign_cades_subindication sub)
{
	switch (sub) {
	case SIGN_CADES_SUB_HASH_FAILURE:
		return "the file is not the one that was signed: check --content, or get an "
		    "unmodified copy";
	case SIGN_CADES_SUB_SIG_CRYPTO_FAILURE:
	case SIGN_CADES_SUB_FORMAT_FAILURE:
		return "the signature was altered or forged: do not rely on the document";
	case SIGN_CADES_SUB_CHAIN_CONSTRAINTS_FAILURE:
		return "the signer's certificate may not sign documents: do not rely on it";
	case SIGN_CADES_SUB_NO_SIGNING_CERTIFICATE_FOUND:
		return "get the signer's certificate and give it with --certs FILE, or ask for "
		    "a signature that embeds it";
	case SIGN_CADES_SUB_NO_CERTIFICATE_CHAIN_FOUND:
		return "give a missing CA certificate with --certs FILE, or name a CA you trust "
		    "with --trust";
	case SIGN_CADES_SUB_OUT_OF_BOUNDS_NO_POE:
		return "only a time-stamp from before the expiry could prove the signature; "
		    "ask the signer to sign again";
	case SIGN_CADES_SUB_NOT_YET_VALID:
		return "check this computer's clock, or verify again once the certificate is "
		    "valid";
	case SIGN_CADES_SUB_CRYPTO_CONSTRAINTS_FAILURE_NO_POE:
		return "ask the signer to sign again with SHA-256 or better and a current key";
	case SIGN_CADES_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE:
		return "check the certificate path shown above";
	case SIGN_CADES_SUB_REVOKED_NO_POE:
	case SIGN_CADES_SUB_REVOKED_CA_NO_POE:
		return "do not rely on it; ask the signer to sign again with a valid certificate";
	case SIGN_CADES_SUB_TRY_LATER:
		return "give the issuer's current CRL with --crl (its address is in the "
		    "certificate's CRL distribution points)";
	case SIGN_CADES_SUB_NONE:
		break;
	}
	return NULL;
}

/* The same for a file that could not be verified at all; NULL when the
 * library's message already says what to do. */
static const char *
input_fix(int rc, const char *msg)
{
	if (strchr(msg, ';') != NULL || strstr(msg, "--content") != NULL)
		return NULL;
	switch (rc) {
	case SIGN_ERR_MALFORMED:
		return "the file is damaged or is not a CMS/CAdES signature: ask the sender for "
		    "the .p7s file again";
	case SIGN_ERR_TOO_LARGE:
		return "the signature is outside kyso's limits: check it with openssl cms";
	case SIGN_ERR_NOT_FOUND:
		return "check the file name";
	case SIGN_ERR_IO:
		return "check the file and its permissions";
	}
	return NULL;
}

/* The --certs files and directories, and the --crl CRLs: 0 or an exit status
 * (message printed). */
static int
load_certs(sign_trust **out, const struct verify_args *a)
{
	int i, rc = sign_trust_new(out);
	struct stat st;

	for (i = 0; rc == 0 && i < a->ncerts; i++) {
		rc = sign_trust_add_path(*out, a->certs[i]);
		/* a name that is not there: the library's message would call them
		 * trust anchors, and --certs are never trusted */
		if (rc != 0 && stat(a->certs[i], &st) != 0) {
			int e = errno;

			sign_trust_free(*out);
			*out = NULL;
			kyso_err("--certs: cannot read the extra certificates %s: %s; name PEM or "
			    "DER certificate files, or a directory of them", a->certs[i],
			    strerror(e));
			return kyso_input_exit(rc);
		}
	}
	if (rc == 0)
		return kyso_revocation_load(*out, &a->rev);
	sign_trust_free(*out);
	*out = NULL;
	kyso_err("--certs: %s; name PEM or DER certificate files, or a directory of them",
	    sign_error_last() == rc ? sign_error_message() : sign_strerror(rc));
	return kyso_input_exit(rc);
}

/* Verify one signature file; returns its exit status and fills res. */
static int
verify_one(const char *sig, const sign_trust *trust, const sign_trust *extra,
    const struct verify_args *a, json_t *res)
{
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	sign_cades_report *r = NULL;
	char *fallback = NULL, v[96];
	int rc, code;
	size_t i, n;

	o.trust = trust;
	o.extra_certs = extra;
	o.flags = kyso_revocation_flags(&a->rev);
	o.ocsp_url = a->rev.ocsp_url;
	o.content_path = a->content;
	if (a->content == NULL)
		fallback = default_content(sig);
	o.default_content_path = fallback;
	rc = sign_cades_verify_file(&r, sig, &o);
	json_object_set_new(res, "file", kyso_json_text(sig));
	if (r == NULL) {
		/* not verifiable at all: malformed, missing input, usage */
		const char *msg = sign_error_last() == rc ? sign_error_message() : sign_strerror(rc);
		const char *fix = input_fix(rc, msg);

		code = kyso_input_exit(rc);
		kyso_err("%s%s%s", msg, fix != NULL ? "; " : "", fix != NULL ? fix : "");
		json_object_set_new(res, "indication", json_null());
		json_object_set_new(res, "sub_indication", json_null());
		json_object_set_new(res, "error", kyso_json_text(msg));
		json_object_set_new(res, "exit", json_integer(code));
		json_object_set_new(res, "signatures", json_array());
		if (!a->json)
			printf("%s: NOT VERIFIED (%s)\n", kyso_shown(sig), sign_strerror(rc));
		free(fallback);
		return code;
	}
	code = exit_for_indication(sign_cades_report_indication(r));
	verdict_text(sign_cades_report_indication(r), sign_cades_report_subindication(r), v,
	    sizeof(v));
	if (rc != 0) {  /* one diagnostic line: the deciding check, and what to do */
		const char *fix = verdict_fix(sign_cades_report_subindication(r));

		kyso_err("%s: %s%s%s", sig, sign_error_message(), fix != NULL ? "; " : "",
		    fix != NULL ? fix : "");
	}
	n = sign_cades_report_count(r);
	json_object_set_new(res, "indication",
	    json_string(sign_cades_indication_str(sign_cades_report_indication(r))));
	json_object_set_new(res, "sub_indication",
	    jstr_or_null(sign_cades_subindication_str(sign_cades_report_subindication(r))));
	json_object_set_new(res, "error", json_null());
	json_object_set_new(res, "exit", json_integer(code));
	json_object_set_new(res, "attached", json_boolean(sign_cades_report_attached(r)));
	json_object_set_new(res, "content", jstr_or_null(sign_cades_report_content_path(r)));
	json_object_set_new(res, "content_length",
	    json_integer((json_int_t)sign_cades_report_content_length(r)));
	if (!a->json) {
		printf("%s: %s\n", kyso_shown(sig), v);
		if (sign_cades_report_attached(r))
			printf("  content:         embedded in the signature (%llu bytes)\n",
			    sign_cades_report_content_length(r));
		else
			printf("  content:         %s (detached, %llu bytes)\n",
			    sign_cades_report_content_path(r) != NULL ?
			    kyso_shown(sign_cades_report_content_path(r)) : "(in memory)",
			    sign_cades_report_content_length(r));
	}
	{
		json_t *arr = json_array();

		for (i = 0; i < n; i++) {
			const sign_cades_signature *s = sign_cades_report_get(r, i);

			if (!a->json)
				print_signature(s, i, n);
			json_array_append_new(arr, json_signature(s));
		}
		json_object_set_new(res, "signatures", arr);
	}
	sign_cades_report_free(r);
	free(fallback);
	return code;
}

int
kyso_cmd_verify(int argc, char **argv)
{
	struct verify_args a;
	sign_trust *trust = NULL, *extra = NULL;
	json_t *top = json_object(), *results = json_array();
	const char *dflt = NULL;
	int rc, first, i, code = KYSO_EXIT_OK;

	memset(&a, 0, sizeof(a));
	rc = kyso_parse(argc, argv, usage, opts, verify_opt, &a, &first);
	if (rc == 0 && first >= argc) {
		kyso_err("no signature file given (see --help)");
		rc = KYSO_EXIT_USAGE;
	}
	if (rc == 0 && (rc = kyso_trust_load(&trust, &a.trust, 1, &dflt)) == 0 &&
	    (rc = kyso_revocation_cache(trust, &a.rev)) == 0)
		json_object_set_new(top, "trust_anchors",
		    json_integer((json_int_t)sign_trust_count(trust)));
	if (rc == 0 && (a.ncerts > 0 || a.rev.ncrls > 0) && (rc = load_certs(&extra, &a)) == 0) {
		if (a.ncerts > 0)
			json_object_set_new(top, "extra_certs",
			    json_integer((json_int_t)sign_trust_count(extra)));
		if (a.rev.ncrls > 0)
			json_object_set_new(top, "crls",
			    json_integer((json_int_t)sign_trust_crl_count(extra)));
	}
	if (rc != 0) {
		code = rc;
		json_object_set_new(top, "default_trust_dir", json_null());
		json_object_set_new(top, "indication", json_null());
		json_object_set_new(top, "sub_indication", json_null());
		json_object_set_new(top, "error", kyso_json_text(kyso_err_last()[0] != '\0' ?
		    kyso_err_last() : sign_error_last() != 0 ? sign_error_message() :
		    "bad command line (see --help)"));
		goto out;
	}
	json_object_set_new(top, "default_trust_dir", jstr_or_null(dflt));
	json_object_set_new(top, "error", json_null());
	if (!a.json && sign_trust_count(trust) == 0)
		kyso_err("no trust anchor: every chain will be INDETERMINATE; add one with --trust");
	{
		sign_cades_indication worst = SIGN_CADES_TOTAL_PASSED;
		const char *worst_sub = NULL;

		for (i = first; i < argc; i++) {
			json_t *res = json_object();
			int c = verify_one(argv[i], trust, extra, &a, res);
			json_t *ind = json_object_get(res, "indication");

			if (rank(c) > rank(code))
				code = c;
			if (json_is_string(ind)) {
				sign_cades_indication x = strcmp(json_string_value(ind), "TOTAL-FAILED") ==
				    0 ? SIGN_CADES_TOTAL_FAILED : strcmp(json_string_value(ind),
				    "INDETERMINATE") == 0 ? SIGN_CADES_INDETERMINATE :
				    SIGN_CADES_TOTAL_PASSED;

				if (x > worst || (x == worst && worst_sub == NULL && x != 0)) {
					worst = x;
					worst_sub = json_string_value(json_object_get(res,
					    "sub_indication"));
				}
			}
			json_array_append_new(results, res);
			if (!a.json && i + 1 < argc)
				printf("\n");
		}
		/* The run's indication: the worst verdict; none when a file could not
		 * be verified at all. */
		if (rank(code) > 2) {
			json_object_set_new(top, "indication", json_null());
			json_object_set_new(top, "sub_indication", json_null());
		} else {
			json_object_set_new(top, "indication",
			    json_string(sign_cades_indication_str(worst)));
			json_object_set_new(top, "sub_indication", jstr_or_null(worst_sub));
		}
	}
out:
	json_object_set_new(top, "exit", json_integer(code));
	json_object_set_new(top, "results", results);
	if (a.json)
		kyso_json_emit(top, VERIFY_JSON_SCHEMA);
	else
		json_decref(top);
	sign_trust_free(trust);
	sign_trust_free(extra);
	return code;
}
