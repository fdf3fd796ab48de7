/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Card key and trust options, the read / dump verification, the exit rule. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "card_opts.h"
#include "card_result.h"

/* Longest MRZ / QR text read from a source. */
#define TEXT_MAX 2048

static char last_error[512];

const char *
kyso_card_last_error(void)
{
	return last_error;
}

/* Print "kyso <cmd>: message" and keep it for the JSON error object. */
void
kyso_card__err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	kyso_err("%s", last_error);
}

int
kyso_card_fail(int rc, const char *what)
{
	const char *m = sign_error_last() == rc ? sign_error_message() : sign_strerror(rc);

	if (what != NULL)
		kyso_card__err("%s: %s", what, m);
	else
		kyso_card__err("%s", m);
	return kyso_exit_for(rc);
}

static int
parse_seconds(const char *arg, unsigned long *ms)
{
	unsigned long v;

	if (kyso_parse_uint(arg, 0, 86400, &v) != 0) {
		kyso_card__err("--wait takes whole seconds (0..86400), not '%s'", arg);
		return KYSO_EXIT_USAGE;
	}
	*ms = v * 1000UL;
	return 0;
}

/*
 * A card-key value given on the command line (--mrz, --doc-number, --dob,
 * --expiry, --id, --qr): kept in a copy, and wiped at once from the process's
 * command line, where other users read it (ps, /proc/PID/cmdline); it is
 * still seen there between the start and this point, and in the shell's
 * history.  The copies are wiped at exit.
 */
#define KEPT_MAX 16
static char *kept[KEPT_MAX];
static size_t nkept;

static void
kept_wipe(void)
{
	size_t i;

	for (i = 0; i < nkept; i++) {
		OPENSSL_cleanse(kept[i], strlen(kept[i]));
		free(kept[i]);
		kept[i] = NULL;
	}
	nkept = 0;
}

static const char *
keep(const char *arg)
{
	char *copy;

	if (nkept >= KEPT_MAX || (copy = strdup(arg)) == NULL)
		return arg;     /* used where it is: only not wiped */
	if (nkept == 0)
		atexit(kept_wipe);
	kept[nkept++] = copy;
	/* argv's strings are the program's to change (C11 5.1.2.2.1) */
	OPENSSL_cleanse((char *)arg, strlen(arg));
	return copy;
}

int
kyso_card_option(struct kyso_card_opts *o, int val, const char *arg)
{
	switch (val) {
	case KYSO_OPT_CARD_READER: o->reader = arg; return 0;
	case KYSO_OPT_CARD_WAIT: return parse_seconds(arg, &o->wait_ms);
	case KYSO_OPT_CARD_MRZ: o->mrz = keep(arg); return 0;
	case KYSO_OPT_CARD_MRZ_SOURCE: o->mrz_source = arg; return 0;
	case KYSO_OPT_CARD_DOC_NUMBER: o->doc_number = keep(arg); return 0;
	case KYSO_OPT_CARD_DOB: o->dob = keep(arg); return 0;
	case KYSO_OPT_CARD_EXPIRY: o->expiry = keep(arg); return 0;
	case KYSO_OPT_CARD_ID: o->id = keep(arg); return 0;
	case KYSO_OPT_CARD_ISSUE_DATE: o->issue_date = arg; return 0;
	case KYSO_OPT_CARD_QR: o->qr = keep(arg); return 0;
	case KYSO_OPT_CARD_QR_SOURCE: o->qr_source = arg; return 0;
	case KYSO_OPT_CARD_CSCA:
		if (o->ncsca >= KYSO_CARD_MAX_TRUST) {
			kyso_card__err("at most %d --csca options", KYSO_CARD_MAX_TRUST);
			return KYSO_EXIT_USAGE;
		}
		o->csca[o->ncsca++] = arg;
		return 0;
	case KYSO_OPT_CARD_ML:
		if (o->nml >= KYSO_CARD_MAX_TRUST) {
			kyso_card__err("at most %d --master-list options", KYSO_CARD_MAX_TRUST);
			return KYSO_EXIT_USAGE;
		}
		o->ml[o->nml++] = arg;
		return 0;
	case KYSO_OPT_CARD_ML_ANCHOR: o->ml_anchor = arg; return 0;
	case KYSO_OPT_CARD_NO_DEFAULT: o->no_default_csca = 1; return 0;
	default: return -1;
	}
}

int
kyso_card_has_key(const struct kyso_card_opts *o)
{
	return o->mrz != NULL || o->mrz_source != NULL || o->doc_number != NULL ||
	    o->id != NULL || o->qr != NULL || o->qr_source != NULL;
}

/* Read a whole (multi-line) text from a source into buf; trailing white
 * space removed.  0 or an exit status with a message. */
static int
read_source(const char *spec, const char *what, char *buf, size_t cap)
{
	size_t n = 0;
	int fd = -1, rc = 0, own = 0;

	if (spec == NULL || !kyso_secret_spec_ok(spec)) {
		kyso_card__err("bad source '%s' for the %s: use env:NAME, file:PATH, fd:N or tty",
		    spec != NULL ? spec : "", what);
		return KYSO_EXIT_USAGE;
	}
	if (strcmp(spec, "tty") == 0) {
		rc = kyso_secret_read(spec, what, buf, cap);
		if (rc != 0)
			snprintf(last_error, sizeof(last_error), "cannot read the %s from the terminal",
			    what);
		goto trim;
	}
	if (strncmp(spec, "env:", 4) == 0) {
		const char *v = getenv(spec + 4);

		if (v == NULL || *v == '\0') {
			kyso_card__err("the %s source env:%s is not set", what, spec + 4);
			return KYSO_EXIT_AUTH;
		}
		if (strlen(v) + 1 > cap) {
			kyso_card__err("the %s in env:%s is too long", what, spec + 4);
			return KYSO_EXIT_USAGE;
		}
		memcpy(buf, v, strlen(v) + 1);
		goto trim;
	}
	if (strncmp(spec, "file:", 5) == 0) {
		struct stat st;

		fd = open(spec + 5, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			kyso_card__err("cannot open the %s file %s: %s", what, spec + 5,
			    strerror(errno));
			return KYSO_EXIT_AUTH;
		}
		own = 1;
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
			close(fd);
			kyso_card__err("the %s file %s is readable by others (or not a file): "
			    "chmod 600 it", what, spec + 5);
			return KYSO_EXIT_AUTH;
		}
	} else {
		char *end;
		long v = strtol(spec + 3, &end, 10);

		fd = (int)v;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			kyso_card__err("cannot read the %s from %s: %s", what, spec, strerror(errno));
			rc = KYSO_EXIT_AUTH;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n >= cap - 1) {
			kyso_card__err("the %s from %s is too long", what, spec);
			rc = KYSO_EXIT_USAGE;
			break;
		}
	}
	if (own)
		close(fd);
	buf[n] = '\0';
trim:
	if (rc == 0) {
		n = strlen(buf);
		while (n > 0 && isspace((unsigned char)buf[n - 1]))
			buf[--n] = '\0';
		if (n == 0) {
			kyso_card__err("the %s from %s is empty", what, spec);
			rc = KYSO_EXIT_AUTH;
		}
	}
	return rc;
}

/*
 * The MRZ as people and scanners give it: lines ended by CR, CR LF or LF,
 * blank lines, spaces around lines, lower case (typed).  In place: one
 * upper-case line per MRZ line, joined by LF.  Nothing else is changed:
 * the check digits still catch a misread character.
 */
static void
normalize_mrz(char *text)
{
	char *r = text, *w = text;

	while (*r != '\0') {
		char *start, *end;

		while (*r == '\r' || *r == '\n' || *r == ' ' || *r == '\t')
			r++;
		if (*r == '\0')
			break;
		start = r;
		while (*r != '\0' && *r != '\r' && *r != '\n')
			r++;
		end = r;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (w != text)
			*w++ = '\n';
		for (; start < end; start++)
			*w++ = (char)(*start >= 'a' && *start <= 'z' ? *start - 'a' + 'A' : *start);
	}
	/* wipe the tail the text no longer uses */
	if (w < r)
		OPENSSL_cleanse(w, (size_t)(r - w));
	*w = '\0';
}

/* dd/mm/yyyy or ddmmyyyy -> YYMMDD (out: 7 bytes); YYMMDD passes. */
static int
to_yymmdd(const char *in, char out[7])
{
	size_t n = strlen(in), i;

	if (n == 6) {
		for (i = 0; i < 6; i++)
			if (!isdigit((unsigned char)in[i]))
				return -1;
		memcpy(out, in, 7);
		return 0;
	}
	if (n == 10 && in[2] == '/' && in[5] == '/') {
		out[0] = in[8]; out[1] = in[9];
		out[2] = in[3]; out[3] = in[4];
		out[4] = in[0]; out[5] = in[1];
	} else if (n == 8) {
		out[0] = in[6]; out[1] = in[7];
		out[2] = in[2]; out[3] = in[3];
		out[4] = in[0]; out[5] = in[1];
	} else {
		return -1;
	}
	out[6] = '\0';
	for (i = 0; i < 6; i++)
		if (!isdigit((unsigned char)out[i]))
			return -1;
	return 0;
}

/* ddmmyyyy (QR) -> dd/mm/yyyy; others unchanged. */
static const char *
slash_date(const char *in, char out[11])
{
	if (in != NULL && strlen(in) == 8) {
		snprintf(out, 11, "%.2s/%.2s/%.4s", in, in + 2, in + 4);
		return out;
	}
	return in;
}

static int
key_fail(int rc, const char *what)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "%s", sign_error_last() == rc ? sign_error_message() :
	    sign_strerror(rc));
	kyso_card__err("%s: %s", what, msg);
	return rc == SIGN_ERR_NOMEM ? KYSO_EXIT_RUNTIME : KYSO_EXIT_USAGE;
}

int
kyso_card_keys(const struct kyso_card_opts *o, sign_mrz_key **key, sign_mrz_keys **keys)
{
	char *text = NULL;
	sign_vn_qr *qr = NULL;
	int groups, rc = 0;

	*key = NULL;
	*keys = NULL;
	groups = (o->mrz != NULL || o->mrz_source != NULL) + (o->doc_number != NULL) +
	    (o->id != NULL) + (o->qr != NULL || o->qr_source != NULL);
	if (groups != 1) {
		kyso_card__err(groups == 0 ?
		    "no card key: give --mrz-source env:NAME (the MRZ), --qr-source, or --id "
		    "with --dob (see --help)" :
		    "give one card key only: --mrz[-source], --qr[-source], --doc-number or --id");
		return KYSO_EXIT_USAGE;
	}
	if ((o->mrz != NULL && o->mrz_source != NULL) || (o->qr != NULL && o->qr_source != NULL)) {
		kyso_card__err("give the text on the command line or from a source, not both");
		return KYSO_EXIT_USAGE;
	}
	if ((o->mrz != NULL || o->mrz_source != NULL) &&
	    (o->dob != NULL || o->expiry != NULL || o->issue_date != NULL)) {
		kyso_card__err("--dob, --expiry and --issue-date go with --doc-number, --id or --qr");
		return KYSO_EXIT_USAGE;
	}
	if (o->issue_date != NULL && (o->doc_number != NULL || o->expiry != NULL)) {
		/* It only orders the expiry candidates: with the expiry known it
		 * would be ignored, and a mistyped one would go unnoticed. */
		kyso_card__err("--issue-date orders the expiry candidates of --id or --qr: it does "
		    "not go with --expiry or --doc-number");
		return KYSO_EXIT_USAGE;
	}
	if (o->doc_number != NULL && (o->dob == NULL || o->expiry == NULL)) {
		kyso_card__err("--doc-number needs --dob and --expiry (YYMMDD)");
		return KYSO_EXIT_USAGE;
	}
	if (o->id != NULL && o->dob == NULL) {
		kyso_card__err("--id needs --dob (YYMMDD or dd/mm/yyyy)");
		return KYSO_EXIT_USAGE;
	}
	if ((o->qr != NULL || o->qr_source != NULL) && o->dob != NULL) {
		kyso_card__err("the QR text holds the date of birth: --dob does not go with --qr");
		return KYSO_EXIT_USAGE;
	}
	if (o->mrz != NULL || o->doc_number != NULL || o->id != NULL || o->qr != NULL)
		kyso_err("warning: the card key came from the command line, where other users "
		    "can see it; prefer --mrz-source env:NAME or file:PATH");
	text = malloc(TEXT_MAX);
	if (text == NULL) {
		kyso_card__err("out of memory");
		return KYSO_EXIT_RUNTIME;
	}
	text[0] = '\0';
	if (o->mrz != NULL || o->mrz_source != NULL) {
		if (o->mrz != NULL)
			snprintf(text, TEXT_MAX, "%s", o->mrz);
		else if ((rc = read_source(o->mrz_source, "MRZ", text, TEXT_MAX)) != 0)
			goto out;
		normalize_mrz(text);
		rc = sign_mrz_key_from_mrz(key, text, strlen(text));
		if (rc != 0)
			rc = key_fail(rc, "bad card key");
	} else if (o->doc_number != NULL) {
		char dob[7], exp[7];

		if (to_yymmdd(o->dob, dob) != 0 || to_yymmdd(o->expiry, exp) != 0) {
			kyso_card__err("--dob and --expiry take YYMMDD or dd/mm/yyyy");
			rc = KYSO_EXIT_USAGE;
			goto out;
		}
		rc = sign_mrz_key_new(key, o->doc_number, dob, exp);
		if (rc != 0)
			rc = key_fail(rc, "bad card key");
	} else if (o->id != NULL) {
		if (o->expiry != NULL)
			rc = sign_mrz_key_from_vn_id(key, o->id, o->dob, o->expiry);
		else
			rc = sign_mrz_keys_vn(keys, o->id, o->dob, o->issue_date, NULL);
		if (rc != 0)
			rc = key_fail(rc, "bad card key");
	} else {
		char d1[11], d2[11];

		if (o->qr != NULL)
			snprintf(text, TEXT_MAX, "%s", o->qr);
		else if ((rc = read_source(o->qr_source, "QR text", text, TEXT_MAX)) != 0)
			goto out;
		if (o->expiry == NULL && o->issue_date == NULL) {
			rc = sign_mrz_keys_from_qr(keys, text, strlen(text));
		} else {
			rc = sign_vn_qr_parse(&qr, text, strlen(text));
			if (rc == 0)
				rc = sign_mrz_keys_vn(keys, sign_vn_qr_field(qr, "id_number"),
				    slash_date(sign_vn_qr_field(qr, "date_of_birth"), d1),
				    o->issue_date != NULL ? o->issue_date :
				    slash_date(sign_vn_qr_field(qr, "issue_date"), d2), o->expiry);
		}
		if (rc != 0)
			rc = key_fail(rc, "bad card key (QR text)");
	}
out:
	sign_vn_qr_free(qr);
	OPENSSL_cleanse(text, TEXT_MAX);
	free(text);
	if (rc != 0) {
		sign_mrz_key_free(*key);
		sign_mrz_keys_free(*keys);
		*key = NULL;
		*keys = NULL;
	}
	return rc;
}

/* A trust file or directory named on the command line that cannot be
 * opened: the option, the name, the cause and what to give instead
 * (the library's message would name only the file). */
static int
trust_arg_check(const char *opt, const char *path, const char *fix)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		kyso_card__err("%s %s: %s; %s", opt, path, strerror(errno), fix);
		return KYSO_EXIT_DATA;
	}
	close(fd);
	return 0;
}

/* A --csca FILE|DIR the store refused: content that is not a certificate
 * (the library's message names the file and what it holds) is exit 6 with
 * what to give instead, else the library's message. */
static int
csca_fail(int rc, const char *path, int dir)
{
	if (rc != SIGN_ERR_MALFORMED || sign_error_last() != rc)
		return kyso_card_fail(rc, NULL);        /* the message names the file */
	if (!dir)
		kyso_card__err("--csca %s; give the CSCA's certificate, PEM or DER",
		    sign_error_message());
	else
		kyso_card__err("--csca %s: %s; a CSCA directory may hold only certificates in its "
		    "*.pem, *.crt, *.cer and *.der files: move that file out", path,
		    sign_error_message());
	return KYSO_EXIT_DATA;
}

/* A --master-list the store refused: the anchor or the list not being one
 * (the message begins with the file's name), or the library's message. */
static int
ml_fail(int rc, const char *ml, const char *anchor)
{
	const char *m = sign_error_message();
	size_t n = strlen(anchor);

	if (rc != SIGN_ERR_MALFORMED || sign_error_last() != rc)
		return kyso_card_fail(rc, NULL);
	if (strncmp(m, anchor, n) == 0 && strncmp(m + n, " is not a certificate", 21) == 0)
		kyso_card__err("--ml-signer-anchor %s; give the certificate that signs the master "
		    "lists (or its CSCA), PEM or DER", m);
	else if (strncmp(m, ml, strlen(ml)) == 0)
		kyso_card__err("--master-list %s; give an ICAO CSCA master list (a CMS SignedData "
		    "file, DER)", m);
	else
		return kyso_card_fail(rc, NULL);
	return KYSO_EXIT_DATA;
}

int
kyso_card_trust(const struct kyso_card_opts *o, sign_csca_store **out)
{
	sign_csca_store *st = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (o->nml > 0 && o->ml_anchor == NULL) {
		kyso_card__err("--master-list needs --ml-signer-anchor CERT (who signs master lists)");
		return KYSO_EXIT_USAGE;
	}
	if (o->nml == 0 && o->ml_anchor != NULL) {
		kyso_card__err("--ml-signer-anchor goes with --master-list");
		return KYSO_EXIT_USAGE;
	}
	for (i = 0; i < o->ncsca; i++)
		if ((rc = trust_arg_check("--csca", o->csca[i],
		    "give a CSCA certificate file or directory")) != 0)
			return rc;
	for (i = 0; i < o->nml; i++)
		if ((rc = trust_arg_check("--master-list", o->ml[i],
		    "give an ICAO master list file")) != 0)
			return rc;
	if (o->ml_anchor != NULL && (rc = trust_arg_check("--ml-signer-anchor", o->ml_anchor,
	    "give the certificate that signs the master lists")) != 0)
		return rc;
	rc = sign_csca_store_new(&st);
	if (rc != 0)
		return kyso_card_fail(rc, NULL);
	if (!o->no_default_csca) {
		rc = sign_csca_store_add_default(st);
		if (rc != 0) {
			rc = kyso_card_fail(rc, "the default CSCA set");
			goto out;
		}
	}
	for (i = 0; i < o->ncsca; i++) {
		struct stat sb;
		int dir = stat(o->csca[i], &sb) == 0 && S_ISDIR(sb.st_mode);

		if (dir)
			rc = sign_csca_store_add_dir(st, o->csca[i]);
		else
			rc = sign_csca_store_add_file(st, o->csca[i]);
		if (rc != 0) {
			rc = csca_fail(rc, o->csca[i], dir);
			goto out;
		}
	}
	for (i = 0; i < o->nml; i++) {
		rc = sign_csca_store_add_masterlist_file(st, o->ml[i], o->ml_anchor);
		if (rc != 0) {
			rc = ml_fail(rc, o->ml[i], o->ml_anchor);
			goto out;
		}
	}
	*out = st;
	st = NULL;
out:
	sign_csca_store_free(st);
	return rc;
}

/* ---- results ---- */

void
kyso_card_result_free(struct kyso_card_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nfiles; i++)
		if (r->files[i].owned != NULL) {
			OPENSSL_cleanse(r->files[i].owned, r->files[i].len);
			free(r->files[i].owned);
		}
	free(r->owned_chal);
	free(r->owned_resp);
	sign_mrz_free(r->mrz);
	sign_dg13_free(r->dg13);
	sign_dg2_free(r->dg2);
	sign_pa_result_free(r->pa);
	sign_card_doc_free(r->doc);
	free(r);
}

const unsigned char *
kyso_card__file(const struct kyso_card_result *r, unsigned int fid, size_t *len)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++)
		if (r->files[i].fid == fid) {
			*len = r->files[i].len;
			return r->files[i].data;
		}
	*len = 0;
	return NULL;
}

static void
note_parse(struct kyso_card_result *r, const char *what)
{
	if (r->parse_error[0] == '\0')
		snprintf(r->parse_error, sizeof(r->parse_error), "%s does not parse: %s", what,
		    sign_error_message());
}

/* Parse DG1, DG2, DG13 for the output; failures are noted, not fatal. */
static void
parse_files(struct kyso_card_result *r)
{
	const unsigned char *d;
	size_t n;

	if ((d = kyso_card__file(r, SIGN_LDS_FID_DG(1), &n)) != NULL &&
	    sign_dg1_parse(&r->mrz, d, n) != 0)
		note_parse(r, "DG1");
	if ((d = kyso_card__file(r, SIGN_LDS_FID_DG(13), &n)) != NULL &&
	    sign_dg13_parse(&r->dg13, d, n) != 0)
		note_parse(r, "DG13");
	if ((d = kyso_card__file(r, SIGN_LDS_FID_DG(2), &n)) != NULL &&
	    sign_dg2_parse(&r->dg2, d, n) != 0)
		note_parse(r, "DG2");
}

static void
set_why(struct kyso_card_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

/* The exit rule, in one place. */
static void
decide(struct kyso_card_result *r)
{
	sign_pa_verdict pv = sign_pa_result_passive(r->pa);
	sign_aa_verdict av = kyso_card__active(r);
	sign_chipauth_verdict cv = kyso_card__chipauth(r);
	const char *pm = sign_pa_result_message(r->pa);

	r->genuine = sign_pa_result_genuine(r->pa) && av != SIGN_AA_FAILED;
	if (pv == SIGN_PA_FAILED) {
		r->exit = KYSO_EXIT_FAILED;
		set_why(r, "passive authentication failed: %s", pm != NULL ? pm : "");
	} else if (av == SIGN_AA_FAILED) {
		r->exit = KYSO_EXIT_FAILED;
		set_why(r, "active authentication failed: %s; the chip is not the one the data "
		    "was issued on (a clone?)", kyso_card__active_message(r));
	} else if (cv == SIGN_CHIPAUTH_FAILED && sign_pa_result_dg(r->pa, 14) == SIGN_DG_MATCH &&
	    av == SIGN_AA_PASSED && sign_pa_result_dg(r->pa, 15) == SIGN_DG_MATCH) {
		/* Active Authentication proved the chip holds the key the SOD
		 * confirms, which no clone can; a CA failing beside it is more
		 * likely a protocol variant this reader gets wrong than a clone.
		 * Not genuine (the proofs disagree), but not proven a clone. */
		r->exit = KYSO_EXIT_INDETERMINATE;
		set_why(r, "the chip's proofs disagree: Active Authentication passed but chip "
		    "authentication failed (%s); the chip is not proven genuine: read the card "
		    "again, and if it repeats, check it by other means",
		    kyso_card__chipauth_message(r));
	} else if (cv == SIGN_CHIPAUTH_FAILED && sign_pa_result_dg(r->pa, 14) == SIGN_DG_MATCH) {
		r->exit = KYSO_EXIT_FAILED;
		set_why(r, "chip authentication failed: %s; the chip is not the one the data was "
		    "issued on (a clone?)", kyso_card__chipauth_message(r));
	} else if (pv == SIGN_PA_INDETERMINATE &&
	    (sign_pa_result_reasons(r->pa) & SIGN_PA_R_SOD_MALFORMED) != 0) {
		/* malformed card data, as a malformed signature file is for kyso
		 * verify: not a question PA could not decide */
		r->exit = KYSO_EXIT_DATA;
		set_why(r, "the card's security object (EF.SOD) is malformed: %s; read the card "
		    "again, and if it repeats, its data is damaged or it is not an ICAO 9303 "
		    "document", pm != NULL ? pm : "");
	} else if (pv == SIGN_PA_INDETERMINATE) {
		r->exit = KYSO_EXIT_INDETERMINATE;
		set_why(r, "passive authentication could not decide: %s", pm != NULL ? pm : "");
	} else if (r->parse_error[0] != '\0') {
		r->exit = KYSO_EXIT_DATA;
		set_why(r, "%s", r->parse_error);
	} else if (!r->genuine) {
		const char *note = kyso_card__aa_note(r);
		char aa[300], ca[100];

		r->exit = KYSO_EXIT_INDETERMINATE;
		if (av == SIGN_AA_NOT_SUPPORTED)
			snprintf(aa, sizeof(aa), "no Active Authentication (no DG15)");
		else if (av == SIGN_AA_NOT_ATTEMPTED)
			snprintf(aa, sizeof(aa), "Active Authentication was not done%s%s",
			    note != NULL ? ": " : "", note != NULL ? note : "");
		else
			snprintf(aa, sizeof(aa), "the DG15 key used for Active Authentication is not "
			    "confirmed by the SOD");
		set_why(r, "the data is authentic, but the chip is not proven genuine: %s; %s: %s",
		    aa, kyso_card_verdict_sentence(ca, sizeof(ca), "Chip Authentication",
		    kyso_card__chipauth_name(cv)), kyso_card__chipauth_message(r));
	} else {
		r->exit = KYSO_EXIT_OK;
		r->why[0] = '\0';
	}
}

static int
verify(struct kyso_card_result *r, sign_pa_doc *pd, const sign_csca_store *st)
{
	int rc;

	rc = sign_pa_verify(&r->pa, pd, st, NULL);
	if (r->pa == NULL)
		return kyso_card_fail(rc, "verification");
	sign_error_clear();
	parse_files(r);
	decide(r);
	return 0;
}

static int
ensure_photo_path(const char *photo)
{
	struct stat st;

	if (photo == NULL)
		return 0;
	if (stat(photo, &st) == 0 && !S_ISREG(st.st_mode)) {
		kyso_card__err("--photo %s: exists and is not a file", photo);
		return KYSO_EXIT_USAGE;
	}
	return 0;
}

/* --photo: a temporary file beside the target is made (and removed) before
 * the card is read, so a path that cannot be written fails at once, not
 * after the read and the dump; after the read it is made again, filled
 * before the dump is written and renamed over the target last.  Only a
 * process killed outright leaves it: the next run that writes the photo
 * removes such leftovers once they are old. */
struct photo_out {
	const char *path;
	char tmp[4096];
	int fd;
};

static int
photo_open(struct photo_out *ph, const char *path)
{
	ph->path = path;
	ph->fd = -1;
	ph->tmp[0] = '\0';
	if (path == NULL)
		return 0;
	if ((size_t)snprintf(ph->tmp, sizeof(ph->tmp), "%s.tmpXXXXXX", path) >= sizeof(ph->tmp)) {
		ph->tmp[0] = '\0';
		kyso_card__err("--photo: path too long");
		return KYSO_EXIT_USAGE;
	}
	ph->fd = mkstemp(ph->tmp);
	if (ph->fd < 0) {
		ph->tmp[0] = '\0';
		kyso_card__err("--photo %s: cannot create a file beside it: %s", path,
		    strerror(errno));
		return KYSO_EXIT_RUNTIME;
	}
	return 0;
}

/* Remove the temporary file (nothing of the photo is left). */
static void
photo_abort(struct photo_out *ph)
{
	if (ph->fd >= 0)
		close(ph->fd);
	ph->fd = -1;
	if (ph->tmp[0] != '\0')
		unlink(ph->tmp);
	ph->tmp[0] = '\0';
}

/* Write the face image into the temporary file (durable, not yet in place). */
static int
photo_write(struct kyso_card_result *r, struct photo_out *ph)
{
	const unsigned char *img = NULL;
	size_t len = 0, off = 0;
	sign_image_format fmt;
	unsigned int w, h;

	if (r->dg2 == NULL || sign_dg2_image(r->dg2, 0, &img, &len, &fmt, &w, &h) != 0) {
		kyso_card__err("--photo %s: the card has no readable face image (DG2)", ph->path);
		return KYSO_EXIT_DATA;
	}
	while (off < len) {
		ssize_t n = write(ph->fd, img + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off != len || fchmod(ph->fd, 0600) != 0 || fsync(ph->fd) != 0) {
		kyso_card__err("--photo %s: write failed: %s", ph->path, strerror(errno));
		return KYSO_EXIT_RUNTIME;
	}
	return 0;
}

static int
photo_commit(struct kyso_card_result *r, struct photo_out *ph)
{
	if (close(ph->fd) != 0) {
		ph->fd = -1;
		kyso_card__err("--photo %s: write failed: %s", ph->path, strerror(errno));
		return KYSO_EXIT_RUNTIME;
	}
	ph->fd = -1;
	if (rename(ph->tmp, ph->path) != 0) {
		kyso_card__err("--photo %s: %s", ph->path, strerror(errno));
		return KYSO_EXIT_RUNTIME;
	}
	ph->tmp[0] = '\0';
	r->photo_file = ph->path;
	/* a run killed outright (SIGKILL) left its temporary file beside the
	 * photo: old ones of exactly that shape go now (checkin.h) */
	if (sign_checkin_remove_photo_leftovers(ph->path, NULL) != 0)
		sign_error_clear();
	return 0;
}

int
kyso_card_read(const struct kyso_card_opts *o, struct kyso_card_result **out)
{
	sign_card_read_options ro = SIGN_CARD_READ_OPTIONS_INIT;
	struct kyso_card_result *r = NULL;
	sign_mrz_key *key = NULL;
	sign_mrz_keys *keys = NULL;
	sign_csca_store *st = NULL;
	sign_pa_doc *pd = NULL;
	struct photo_out ph = { NULL, "", -1 };
	size_t i, n;
	int rc;

	*out = NULL;
	last_error[0] = '\0';
	rc = kyso_card_keys(o, &key, &keys);
	if (rc != 0)
		goto out;
	rc = kyso_card_trust(o, &st);
	if (rc != 0)
		goto out;
	if (o->dump != NULL && (rc = sign_card_dump_ready(o->dump)) != 0) {
		rc = kyso_card_fail(rc, "--dump");
		goto out;
	}
	if ((rc = ensure_photo_path(o->photo)) != 0 || (rc = photo_open(&ph, o->photo)) != 0)
		goto out;
	photo_abort(&ph);       /* only a probe: nothing is left if the read is interrupted */
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		kyso_card__err("out of memory");
		rc = KYSO_EXIT_RUNTIME;
		goto out;
	}
	ro.reader = o->reader;
	ro.wait_ms = o->wait_ms;
	ro.key = key;
	ro.keys = keys;
	rc = sign_card_read(&r->doc, &ro);
	if (rc != 0) {
		rc = kyso_card_fail(rc, NULL);
		goto out;
	}
	n = sign_card_doc_count(r->doc);
	for (i = 0; i < n && r->nfiles < KYSO_CARD_FILES; i++) {
		struct kyso_card_file *f = &r->files[r->nfiles];

		if (sign_card_doc_file_at(r->doc, i, &f->fid, &f->data, &f->len) == 0)
			r->nfiles++;
	}
	sign_card_doc_aa(r->doc, &r->aa_chal, &r->aa_chal_len, &r->aa_resp, &r->aa_resp_len);
	sign_card_doc_stats(r->doc, &r->stats);
	r->have_stats = 1;
	rc = sign_card_doc_to_pa(r->doc, &pd);
	if (rc != 0) {
		rc = kyso_card_fail(rc, NULL);
		goto out;
	}
	rc = verify(r, pd, st);
	if (rc != 0)
		goto out;
	/* Outputs only now: the read is complete and every answer passed its
	 * MAC check.  The dump is written whatever the verdict (audit).  The
	 * photo goes in place last: a failure leaves neither. */
	if (o->photo != NULL &&
	    ((rc = photo_open(&ph, o->photo)) != 0 || (rc = photo_write(r, &ph)) != 0))
		goto out;
	if (o->dump != NULL) {
		rc = sign_card_doc_dump(r->doc, o->dump);
		if (rc != 0) {
			rc = kyso_card_fail(rc, "--dump");
			goto out;
		}
		r->dump_dir = o->dump;
	}
	if (o->photo != NULL && (rc = photo_commit(r, &ph)) != 0)
		goto out;
	*out = r;
	r = NULL;
	rc = (*out)->exit;
out:
	photo_abort(&ph);
	kyso_card_result_free(r);
	sign_pa_doc_free(pd);
	sign_csca_store_free(st);
	sign_mrz_key_free(key);
	sign_mrz_keys_free(keys);
	return rc;
}

/* A file of the dump, bounded; absent is fine (NULL). */
static int
load(const char *dir, const char *name, unsigned char **out, size_t *len)
{
	char path[4096];
	FILE *fp = NULL;
	unsigned char *b = NULL;
	size_t n = 0, cap = 256 * 1024 + 1;
	struct stat st;
	int fd;

	*out = NULL;
	*len = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -1;
	/* Never block on a FIFO or a device named like a dump file. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (fp = fdopen(fd, "rb")) == NULL) {
		close(fd);
		return -1;
	}
	b = malloc(cap);
	if (b != NULL)
		n = fread(b, 1, cap, fp);
	if (b == NULL || ferror(fp) || n >= cap) {
		fclose(fp);
		free(b);
		return -1;
	}
	fclose(fp);
	*out = b;
	*len = n;
	return 0;
}

int
kyso_card_verify_dir(const struct kyso_card_opts *o, const char *dir,
    struct kyso_card_result **out)
{
	struct kyso_card_result *r = NULL;
	sign_csca_store *st = NULL;
	sign_pa_doc *pd = NULL;
	const unsigned char *ch = NULL, *rs = NULL;
	unsigned char *b = NULL;
	size_t chl = 0, rsl = 0, len = 0;
	struct stat dst;
	int rc, dg, e;

	*out = NULL;
	last_error[0] = '\0';
	rc = kyso_card_trust(o, &st);
	if (rc != 0)
		goto out;
	/* Every file is read once, here; what is shown below is the bytes
	 * verified (was: read a second time for the display, so a file changed
	 * in between could show one thing and verify another). */
	/* not a dump directory: say so, not "DIR/EF.SOD: Not a directory" */
	e = stat(dir, &dst) != 0 ? errno : !S_ISDIR(dst.st_mode) ? ENOTDIR : 0;
	if (e != 0) {
		kyso_card__err("%s: %s; give the directory kyso card read --dump made", dir,
		    e == ENOTDIR ? "not a directory" : e == ENOENT ? "no such directory" :
		    strerror(e));
		rc = KYSO_EXIT_DATA;
		goto out;
	}
	rc = sign_pa_doc_load_dir(&pd, dir);
	if (rc != 0) {
		rc = kyso_card_fail(rc, NULL);
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		kyso_card__err("out of memory");
		rc = KYSO_EXIT_RUNTIME;
		goto out;
	}
	for (dg = 0; dg <= 17; dg++) {
		struct kyso_card_file *f = &r->files[r->nfiles];
		const unsigned char *d = NULL;
		char name[32];
		unsigned int fid;

		if (dg == 0) {
			/* EF.COM: not verified (not in the SOD), only listed */
			snprintf(name, sizeof(name), "%s", SIGN_PA_DUMP_COM);
			fid = SIGN_LDS_FID_COM;
			if (load(dir, name, &b, &len) != 0)
				goto bad_file;
			if (b == NULL)
				continue;
			f->data = f->owned = b;
			b = NULL;
		} else {
			if (dg == 17) {
				snprintf(name, sizeof(name), "%s", SIGN_PA_DUMP_SOD);
				fid = SIGN_LDS_FID_SOD;
				rc = sign_pa_doc_sod(pd, &d, &len);
			} else {
				snprintf(name, sizeof(name), SIGN_PA_DUMP_DG_FORMAT, dg);
				fid = SIGN_LDS_FID_DG(dg);
				rc = sign_pa_doc_dg(pd, dg, &d, &len);
			}
			if (rc != 0)
				continue;
			if (len > 256 * 1024)
				goto bad_file;
			f->owned = malloc(len > 0 ? len : 1);
			if (f->owned == NULL) {
				kyso_card__err("out of memory");
				rc = KYSO_EXIT_RUNTIME;
				goto out;
			}
			if (len > 0)
				memcpy(f->owned, d, len);
			f->data = f->owned;
		}
		f->fid = fid;
		f->len = len;
		r->nfiles++;
		continue;
bad_file:
		kyso_card__err("%s/%s: cannot read it (or larger than 256 KiB)", dir, name);
		rc = KYSO_EXIT_DATA;
		goto out;
	}
	if (sign_pa_doc_aa(pd, &ch, &chl, &rs, &rsl) == 0) {
		r->owned_chal = malloc(chl);
		r->owned_resp = malloc(rsl);
		if (r->owned_chal == NULL || r->owned_resp == NULL) {
			kyso_card__err("out of memory");
			rc = KYSO_EXIT_RUNTIME;
			goto out;
		}
		memcpy(r->owned_chal, ch, chl);
		memcpy(r->owned_resp, rs, rsl);
		r->aa_chal = r->owned_chal;
		r->aa_resp = r->owned_resp;
		r->aa_chal_len = chl;
		r->aa_resp_len = rsl;
	}
	/* The chip's answer when it gave no AA signature, as recorded. */
	if (load(dir, SIGN_PA_DUMP_AA_STATUS, &b, &len) != 0 ||
	    (b != NULL && (len != 2 || r->aa_chal != NULL))) {
		kyso_card__err("%s/%s: %s", dir, SIGN_PA_DUMP_AA_STATUS, b == NULL ?
		    "cannot read it" : r->aa_chal != NULL ?
		    "beside an AA exchange (a dump holds one or the other)" :
		    "not a 2-byte status word");
		rc = KYSO_EXIT_DATA;
		goto out;
	}
	if (b != NULL) {
		r->aa_sw = ((unsigned int)b[0] << 8) | b[1];
		if (r->aa_sw == 0x6700 || (r->aa_sw & 0xFF00) == 0x6C00)
			snprintf(r->aa_note, sizeof(r->aa_note),
			    "the chip's INTERNAL AUTHENTICATE answer did not fit the APDUs this card "
			    "and reader allow (%04X, recorded at the read)", r->aa_sw);
		else
			snprintf(r->aa_note, sizeof(r->aa_note),
			    "the chip refused INTERNAL AUTHENTICATE (%04X, recorded at the read)",
			    r->aa_sw);
	}
	rc = verify(r, pd, st);
	if (rc != 0)
		goto out;
	*out = r;
	r = NULL;
	rc = (*out)->exit;
out:
	free(b);
	kyso_card_result_free(r);
	sign_pa_doc_free(pd);
	sign_csca_store_free(st);
	return rc;
}
