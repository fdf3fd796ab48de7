/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kyso reception: the hospital desk.  Reads the patient's chip ID card and
 * verifies it (passive + active authentication), looks the verified holder
 * up at the VSS gateway, prints the desk summary, saves the photo and writes
 * a check-in record signed with the facility's key (checkin.h).  One patient,
 * or with --loop patient after patient until SIGINT/SIGTERM: wait for a card,
 * process it, wait for its removal, again.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <libsign/checkin.h>
#include "card_opts.h"
#include "card_result.h"
#include "gateway_opts.h"
#include "pin.h"

int kyso_cmd_reception(int argc, char **argv);

/* Longest QR line taken from a --loop source (card_opts reads at most 2 KiB). */
#define QR_MAX 2048

enum {
	O_SIGN_KEY = 0x7a01, O_SIGN_CERT, O_SIGN_MODULE, O_CHAIN, O_RECORD_DIR, O_FACILITY_NAME,
	O_PHOTO, O_NO_PHOTO, O_ALLOW_UNVERIFIED, O_LOOP, O_MAX_PATIENTS, O_JSON, O_TSA, O_NO_TSA,
	O_TSA_CACERT
};

static const char usage[] =
    "kyso reception --sign-key URI [--pin-source SRC] [--record-dir DIR] KEY\n"
    "                      [CARD OPTIONS] [GATEWAY OPTIONS] [--json]\n"
    "       kyso reception --loop --qr-source fd:N|file:PATH [--max-patients N] ...\n"
    "  KEY: as for kyso card read (--mrz-source, --qr-source, --id --dob ...)";

static const struct kyso_opt opts[] = {
	{ "sign-key", required_argument, O_SIGN_KEY, "URI",
	  "the facility's signing key (pkcs11:token=...;object=...)" },
	{ "sign-cert", required_argument, O_SIGN_CERT, "URI|FILE",
	  "its certificate (default: the token's, same CKA_ID)" },
	{ "sign-module", required_argument, O_SIGN_MODULE, "PATH",
	  "PKCS#11 module of the signing key" },
	{ "chain", required_argument, O_CHAIN, "FILE", "CA certificates to embed in signatures" },
	{ "tsa", required_argument, O_TSA, "URL",
	  "an RFC 3161 time-stamp server: each record's signature is time-stamped (CAdES-T) "
	  "(default: tsa in kyso.conf)" },
	{ "no-tsa", no_argument, O_NO_TSA, NULL, "no time-stamp, even when kyso.conf names a server" },
	{ "tsa-cacert", required_argument, O_TSA_CACERT, "FILE",
	  "CA bundle (PEM) that alone verifies an https time-stamp server "
	  "(default: tsa-cacert in kyso.conf, else the system store)" },
	KYSO_PIN_OPTIONS,
	{ "record-dir", required_argument, O_RECORD_DIR, "DIR",
	  "check-in records (default $XDG_DATA_HOME/kyso/records)" },
	{ "facility-name", required_argument, O_FACILITY_NAME, "NAME",
	  "the facility's name in the records" },
	{ "photo", required_argument, O_PHOTO, "FILE",
	  "write the photo here (replaced each patient), not beside the record" },
	{ "no-photo", no_argument, O_NO_PHOTO, NULL, "do not save the photo" },
	{ "allow-unverified", no_argument, O_ALLOW_UNVERIFIED, NULL,
	  "look up a card that failed authentication (recorded unverified)" },
	{ "loop", no_argument, O_LOOP, NULL, "patient after patient until SIGINT/SIGTERM" },
	{ "max-patients", required_argument, O_MAX_PATIENTS, "N",
	  "with --loop: stop after N cards" },
	{ "json", no_argument, O_JSON, NULL, "print each record's content (one JSON line each)" },
	KYSO_CARD_READER_OPTIONS, KYSO_CARD_KEY_OPTIONS, KYSO_CARD_TRUST_OPTIONS,
	KYSO_GW_OPTIONS,
	{ NULL, 0, 0, NULL, NULL }
};

struct desk {
	struct kyso_card_opts co;
	struct kyso_gw gw;
	struct kyso_pin pin;
	const char *sign_key, *sign_cert, *sign_module, *chain;
	const char *record_dir, *facility_name, *photo, *tsa, *tsa_cli;
	const char *tsa_cacert, *tsa_cacert_cli;
	int no_photo, allow_unverified, loop, json, no_tsa;
	unsigned long max_patients;
	char dirbuf[4096];
	sign_signer *signer;
	sign_insurance_client *client;
	struct kyso_net_signals sigs;   /* SIGINT/SIGTERM: one patient, after the card
	                                   read; --loop, the whole session */
	/* --loop: where each card's QR text comes from */
	int qr_fd;              /* fd:N or a FIFO: one line per card; -1 otherwise */
	int qr_own;             /* we opened qr_fd */
	int qr_file;            /* a regular file, read anew for each card */
	struct stat qr_last;    /* that file as read for the previous card */
	int qr_seen;
	unsigned long served, records;
	char error[1024];       /* why the session could not start (--json) */
};

/* One patient. */
struct visit {
	struct kyso_card_result *cres;
	sign_checkin *rec;
	sign_insurance_result *res;
	sign_buf path;
	char photo[4200];
	const char *photo_note;
	char lookup_error[700];
	char warn[8][520];      /* the desk warnings (also in the record) */
	size_t nwarn;
	int exit;
	int interrupted;        /* the signal that cut the visit short, 0 when none */
	char msg[1200];
};

/* SIGINT or SIGTERM taken (kyso_net_catch: one patient, or the --loop
 * session), 0 when none.  The handler also abandons a request to the gateway
 * or the time-stamp server in progress (cancel.h). */
static int
signal_taken(void)
{
	return kyso_net_caught();
}

/* ---- reporting ----------------------------------------------------------- */

static void
visit_fail(struct visit *v, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The visit's exit status and one-line message (printed on stderr). */
static void
visit_fail(struct visit *v, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
	v->exit = code;
	kyso_err("%s", v->msg);
}

static int
desk_fail(struct desk *d, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Print why the session cannot start, keep it for --json, return code. */
static int
desk_fail(struct desk *d, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->error, sizeof(d->error), fmt, ap);
	va_end(ap);
	kyso_err("%s", d->error);
	return code;
}

/* One JSON object on one line. */
static void
json_line(json_t *obj)
{
	char *s = obj != NULL ? json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
		kyso_json_emitted = 1;
	}
	json_decref(obj);
	fflush(stdout);
}

static void
json_error(int code, const char *msg)
{
	json_line(json_pack("{s:i,s:{s:i,s:o}}", "schema", 1, "error", "exit", code, "message",
	    kyso_json_text(msg != NULL ? msg : "")));
}

/* ---- options ------------------------------------------------------------- */

static int
opt_cb(int val, const char *arg, void *ud)
{
	struct desk *d = ud;
	int rc;

	if ((rc = kyso_pin_option(&d->pin, val, arg)) >= 0)
		return rc;
	if ((rc = kyso_card_option(&d->co, val, arg)) >= 0)
		return rc;
	if (kyso_gw_option(&d->gw, val, arg) == 0)
		return 0;
	switch (val) {
	case O_SIGN_KEY: d->sign_key = arg; return 0;
	case O_SIGN_CERT: d->sign_cert = arg; return 0;
	case O_SIGN_MODULE: d->sign_module = arg; return 0;
	case O_CHAIN: d->chain = arg; return 0;
	case O_TSA: d->tsa_cli = arg; return 0;
	case O_NO_TSA: d->no_tsa = 1; return 0;
	case O_TSA_CACERT: d->tsa_cacert_cli = arg; return 0;
	case O_RECORD_DIR: d->record_dir = arg; return 0;
	case O_FACILITY_NAME: d->facility_name = arg; return 0;
	case O_PHOTO: d->photo = arg; return 0;
	case O_NO_PHOTO: d->no_photo = 1; return 0;
	case O_ALLOW_UNVERIFIED: d->allow_unverified = 1; return 0;
	case O_LOOP: d->loop = 1; return 0;
	case O_JSON: d->json = 1; return 0;
	case O_MAX_PATIENTS:
		if (kyso_parse_uint(arg, 1, 1000000, &d->max_patients) != 0) {
			kyso_err("--max-patients takes a number from 1 to 1000000, not '%s'", arg);
			return KYSO_EXIT_USAGE;
		}
		return 0;
	default:
		return KYSO_EXIT_USAGE;
	}
}

/* $XDG_DATA_HOME/kyso/records, ~/.local/share/kyso/records, /var/lib/kyso/records. */
static const char *
default_record_dir(char *buf, size_t cap)
{
	const char *x = getenv("XDG_DATA_HOME"), *h = getenv("HOME");

	if (x != NULL && x[0] == '/')
		snprintf(buf, cap, "%s/kyso/records", x);
	else if (h != NULL && h[0] == '/')
		snprintf(buf, cap, "%s/.local/share/kyso/records", h);
	else
		snprintf(buf, cap, "/var/lib/kyso/records");
	return buf;
}

/* mkdir -p, each directory made with mode 0700. */
static int
make_dirs(struct desk *d, const char *dir)
{
	char path[4096];
	struct stat st;
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return desk_fail(d, KYSO_EXIT_USAGE, "--record-dir: bad directory name");
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return desk_fail(d, KYSO_EXIT_RUNTIME, "cannot create the record directory "
			    "%s: %s", path, strerror(errno));
		if (i < n)
			path[i] = '/';
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return desk_fail(d, KYSO_EXIT_USAGE, "the record directory %s is not a directory",
		    dir);
	if (access(dir, W_OK | X_OK) != 0)
		return desk_fail(d, KYSO_EXIT_RUNTIME, "cannot write check-in records into %s: %s",
		    dir, strerror(errno));
	if ((st.st_mode & 077) != 0)
		kyso_err("warning: the record directory %s is open to other users (mode %03o): "
		    "records hold patients' data; chmod 700 it", dir, (unsigned)(st.st_mode & 0777));
	return 0;
}

/*
 * --loop takes each card's key from --qr-source: fd:N (a pipe or socket the
 * scanner writes one line per patient to), file:PATH of a FIFO (the same,
 * opened once), or file:PATH of a regular file the scanner rewrites for each
 * patient (read anew for each card, and refused when it was not rewritten
 * since the previous card).
 */
static int
loop_key_setup(struct desk *d)
{
	const struct kyso_card_opts *o = &d->co;
	const char *spec = o->qr_source;
	struct stat st;

	d->qr_fd = -1;
	if (o->mrz != NULL || o->mrz_source != NULL || o->doc_number != NULL || o->id != NULL ||
	    o->qr != NULL || o->dob != NULL || spec == NULL || (strncmp(spec, "fd:", 3) != 0 &&
	    strncmp(spec, "file:", 5) != 0) || !kyso_secret_spec_ok(spec))
		return desk_fail(d, KYSO_EXIT_USAGE, "in --loop each card needs its own key: give "
		    "--qr-source fd:N (one line per patient from the QR scanner) or --qr-source "
		    "file:PATH (a FIFO, or a file the scanner rewrites for each patient), and no "
		    "other card key option");
	if (strncmp(spec, "fd:", 3) == 0) {
		d->qr_fd = atoi(spec + 3);
		if (fstat(d->qr_fd, &st) != 0)
			return desk_fail(d, KYSO_EXIT_USAGE, "--qr-source %s: %s", spec, strerror(errno));
		return 0;
	}
	if (stat(spec + 5, &st) != 0)
		return desk_fail(d, KYSO_EXIT_USAGE, "--qr-source %s: %s", spec, strerror(errno));
	if (S_ISFIFO(st.st_mode)) {
		/* read-write: the FIFO never reports end-of-file between scans */
		d->qr_fd = open(spec + 5, O_RDWR | O_CLOEXEC);
		if (d->qr_fd < 0)
			return desk_fail(d, KYSO_EXIT_USAGE, "--qr-source %s: %s", spec, strerror(errno));
		d->qr_own = 1;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return desk_fail(d, KYSO_EXIT_USAGE, "--qr-source %s: not a FIFO or a regular file", spec);
	d->qr_file = 1;
	return 0;
}

/* ---- the session --------------------------------------------------------- */

static int
session_open(struct desk *d)
{
	sign_token_options to = SIGN_TOKEN_OPTIONS_INIT;
	sign_csca_store *st = NULL;
	int rc;

	if (d->sign_key == NULL) {
		return desk_fail(d, KYSO_EXIT_USAGE, "--sign-key URI is required: the facility's "
		    "key that signs the check-in records (e.g. pkcs11:token=LABEL;object=KEY)");
	}
	if (strncmp(d->sign_key, "pkcs11:", 7) != 0) {
		return desk_fail(d, KYSO_EXIT_USAGE, "--sign-key takes a PKCS#11 URI "
		    "(pkcs11:token=LABEL;object=KEY); list keys with kyso key list");
	}
	if ((rc = kyso_pin_check_uri(d->sign_key)) != 0 ||
	    (rc = kyso_pin_check_uri(d->sign_cert)) != 0)
		return rc;
	if (d->max_patients > 0 && !d->loop)
		return desk_fail(d, KYSO_EXIT_USAGE, "--max-patients goes with --loop");
	if (d->photo != NULL && d->no_photo)
		return desk_fail(d, KYSO_EXIT_USAGE, "--photo and --no-photo contradict each other");
	if (d->loop) {
		if ((rc = loop_key_setup(d)) != 0)
			return rc;
	} else if (!kyso_card_has_key(&d->co))
		return desk_fail(d, KYSO_EXIT_USAGE, "no card key: give --mrz-source env:NAME (the "
		    "MRZ), --qr-source, or --id with --dob (see --help)");
	/* the gateway settings, and the facility they name */
	if ((rc = kyso_gw_configure(&d->gw)) != 0)
		return rc;
	/* the time-stamp server: --tsa, none with --no-tsa, else tsa in kyso.conf */
	if ((rc = kyso_tsa_url(&d->tsa, d->tsa_cli, d->no_tsa, d->gw.cfg, d->error,
	    sizeof(d->error))) != 0)
		return rc;
	/* its CA bundle (--tsa-cacert, else tsa-cacert in kyso.conf), checked
	 * before the PIN */
	if ((rc = kyso_tsa_cacert(&d->tsa_cacert, d->tsa_cacert_cli, d->tsa, d->tsa_cli,
	    d->no_tsa, d->gw.cfg, d->error, sizeof(d->error))) != 0)
		return rc;
	if (d->gw.facility[0] == '\0')
		return desk_fail(d, KYSO_EXIT_USAGE, "no facility code for the records: set "
		    "facility-code in kyso.conf or give --facility-code (or a gateway username "
		    "ending in _BV)");
	/* the CSCA set once, so that a bad --csca stops the session at once */
	if ((rc = kyso_card_trust(&d->co, &st)) != 0)
		return rc;
	sign_csca_store_free(st);
	if (d->record_dir == NULL)
		d->record_dir = default_record_dir(d->dirbuf, sizeof(d->dirbuf));
	if ((rc = make_dirs(d, d->record_dir)) != 0)
		return rc;
	/* one login for the whole session */
	to.module = d->sign_module;
	kyso_pin_setup(&d->pin, &to);
	rc = sign_token_signer_open(&d->signer, d->sign_key, d->sign_cert, &to);
	if (rc == 0 && d->chain != NULL)
		rc = sign_signer_add_chain_file(d->signer, d->chain);
	if (rc != 0)
		return kyso_pin_fail(&d->pin, rc);
	/* the gateway password is read once, hashed, and wiped */
	return kyso_gw_client(&d->gw, &d->client);
}

static void
session_close(struct desk *d)
{
	sign_insurance_client_free(d->client);
	sign_signer_free(d->signer);
	kyso_gw_done(&d->gw);
	if (d->qr_own && d->qr_fd >= 0)
		close(d->qr_fd);
}

/* ---- one patient --------------------------------------------------------- */

static int
fill_card(struct visit *v)
{
	const struct kyso_card_result *r = v->cres;
	sign_checkin_card k = SIGN_CHECKIN_CARD_INIT;
	const unsigned char *img = NULL, *sod;
	sign_image_format fmt = SIGN_IMAGE_UNKNOWN;
	unsigned int w, h;
	size_t i, len = 0;
	int rc;

	k.document_number = r->mrz != NULL ? sign_mrz_field(r->mrz, "document_number") : NULL;
	k.issuing_state = r->mrz != NULL ? sign_mrz_field(r->mrz, "issuing_state") : NULL;
	k.id_number = kyso_card_holder(r, "id_number");
	k.full_name = kyso_card_holder(r, "full_name");
	k.date_of_birth = kyso_card_holder(r, "date_of_birth");
	k.passive = sign_pa_result_passive(r->pa);
	k.active = kyso_card__active(r);
	k.dg15 = sign_pa_result_dg(r->pa, 15);
	k.chipauth = kyso_card__chipauth(r);
	k.dg14 = sign_pa_result_dg(r->pa, 14);
	k.reason = kyso_card_why(r);
	if (r->aa_chal != NULL && r->aa_resp != NULL) {
		k.aa_challenge = r->aa_chal;
		k.aa_challenge_len = r->aa_chal_len;
		k.aa_response = r->aa_resp;
		k.aa_response_len = r->aa_resp_len;
	}
	if (r->dg2 != NULL && sign_dg2_image(r->dg2, 0, &img, &len, &fmt, &w, &h) == 0) {
		k.photo = img;
		k.photo_len = len;
		k.photo_format = sign_image_format_name(fmt);
	}
	sign_error_clear();
	if ((rc = sign_checkin_set_card(v->rec, &k)) != 0)
		return rc;
	/* EF.SOD first: the record hashes the data groups in its algorithm too */
	if ((sod = kyso_card__file(r, SIGN_LDS_FID_SOD, &len)) != NULL &&
	    (rc = sign_checkin_add_file(v->rec, SIGN_LDS_FID_SOD, sod, len)) != 0)
		return rc;
	for (i = 0; i < r->nfiles; i++) {
		if (r->files[i].fid == SIGN_LDS_FID_SOD)
			continue;
		if ((rc = sign_checkin_add_file(v->rec, r->files[i].fid, r->files[i].data,
		    r->files[i].len)) != 0)
			return rc;
	}
	return 0;
}

static void
add_warning(void *ud, const char *id, const char *message)
{
	struct visit *v = ud;

	if (sign_checkin_add_warning(v->rec, id, message) != 0)
		kyso_err("warning not recorded: %s", sign_error_message());
	if (v->nwarn < sizeof(v->warn) / sizeof(v->warn[0]))
		snprintf(v->warn[v->nwarn++], sizeof(v->warn[0]), "%s", message);
}

static const char *
photo_ext(const char *format)
{
	if (strcmp(format, "jpeg") == 0)
		return ".jpg";
	if (strcmp(format, "jpeg2000") == 0)
		return ".jp2";
	return ".img";
}

/* Write the photo: beside the record (never replacing a file), or to --photo
 * (replaced). */
static void
save_photo(struct desk *d, struct visit *v)
{
	const unsigned char *img = NULL;
	size_t len = 0, off = 0;
	sign_image_format fmt;
	unsigned int w, h;
	char tmp[4300];
	const char *rp = (const char *)v->path.data;
	int fd;

	if (d->no_photo) {
		v->photo_note = "not saved (--no-photo)";
		return;
	}
	if (v->cres->dg2 == NULL || sign_dg2_image(v->cres->dg2, 0, &img, &len, &fmt, &w, &h) !=
	    0) {
		sign_error_clear();
		v->photo_note = "none readable on the card";
		return;
	}
	if (d->photo != NULL)
		snprintf(v->photo, sizeof(v->photo), "%s", d->photo);
	else if (rp != NULL && v->path.len > 5 && v->path.len < sizeof(v->photo) - 8)
		snprintf(v->photo, sizeof(v->photo), "%.*s%s", (int)(v->path.len - 5), rp,
		    photo_ext(sign_image_format_name(fmt)));
	else
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", v->photo);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, img + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off != len || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		goto fail;
	}
	close(fd);
	if (d->photo != NULL ? rename(tmp, v->photo) != 0 : link(tmp, v->photo) != 0) {
		unlink(tmp);
		goto fail;
	}
	if (d->photo == NULL)
		unlink(tmp);
	else if (sign_checkin_remove_photo_leftovers(d->photo, NULL) != 0)
		sign_error_clear();     /* (those beside the records: the record writer) */
	return;
fail:
	kyso_err("warning: the photo could not be written to %s: %s", v->photo, strerror(errno));
	v->photo[0] = '\0';
	v->photo_note = "NOT saved (see the warning)";
}

/* Look the verified holder up; the record gets the answer or the failure
 * (not an abandoned request: the caller says so and writes no record). */
static void
lookup(struct desk *d, struct visit *v, const char *id, const char *name, const char *dob)
{
	sign_insurance_request q = SIGN_INSURANCE_REQUEST_INIT;
	const sign_insurance_options *o = &d->gw.o;
	int rc;

	q.ma_the = id;
	q.full_name = name;
	q.birth_date = dob;
	rc = sign_insurance_lookup(&v->res, d->client, &q);
	if (rc == SIGN_ERR_CANCELLED || signal_taken())
		return;
	if (rc != 0) {
		snprintf(v->lookup_error, sizeof(v->lookup_error), "%s",
		    sign_error_last() == rc ? sign_error_message() : sign_strerror(rc));
		if (sign_checkin_set_lookup_error(v->rec, o->gateway, o->username, &q, rc,
		    v->lookup_error) != 0)
			kyso_err("the lookup failure cannot be recorded: %s", sign_error_message());
		visit_fail(v, kyso_exit_for(rc), "the BHYT lookup failed: %s", v->lookup_error);
		return;
	}
	if (sign_checkin_set_lookup(v->rec, o->gateway, o->username, v->res) != 0) {
		visit_fail(v, KYSO_EXIT_RUNTIME, "the gateway's answer cannot be recorded: %s",
		    sign_error_message());
		return;
	}
	kyso_gw_warnings(v->res, d->gw.facility, d->gw.warn_days, add_warning, v);
	switch (sign_insurance_result_class(v->res)) {
	case SIGN_INSURANCE_COVERED:
		v->exit = KYSO_EXIT_OK;
		break;
	case SIGN_INSURANCE_NOT_COVERED:
		visit_fail(v, KYSO_EXIT_FAILED, "not covered: %s %s (%s)",
		    sign_insurance_result_code(v->res), sign_insurance_result_meaning_vi(v->res),
		    sign_insurance_result_meaning_en(v->res));
		break;
	default:
		visit_fail(v, KYSO_EXIT_RUNTIME, "the gateway answered %s %s (%s); try again later "
		    "or ask the social-security office", sign_insurance_result_code(v->res),
		    sign_insurance_result_meaning_vi(v->res) != NULL ?
		    sign_insurance_result_meaning_vi(v->res) : "mã không có trong bảng",
		    sign_insurance_result_meaning_en(v->res) != NULL ?
		    sign_insurance_result_meaning_en(v->res) : "a code not in the table");
		break;
	}
}

/*
 * Read, verify, look up, record.  A card read without a verdict (no card,
 * removed, wrong key, bad answers) leaves no record; from a verdict on,
 * every patient gets a record saying what happened - refused, looked up,
 * or the lookup's failure - never success unless it was one.
 */
static void
patient(struct desk *d, const struct kyso_card_opts *co, struct visit *v)
{
	sign_checkin_context ctx = SIGN_CHECKIN_CONTEXT_INIT;
	sign_checkin_write_opts wo = SIGN_CHECKIN_WRITE_OPTS_INIT;
	const char *id, *name, *dob, *reader;
	int rc, sig;

	rc = kyso_card_read(co, &v->cres);
	if (v->cres == NULL) {
		v->exit = rc != 0 ? rc : KYSO_EXIT_RUNTIME;
		snprintf(v->msg, sizeof(v->msg), "%s", kyso_card_last_error());
		return;
	}
	/* One patient: from here on Ctrl-C abandons the requests to the gateway
	 * and the time-stamp server and no record is written (--loop catches
	 * the signals for the whole session). */
	if (!d->loop)
		kyso_net_catch(&d->sigs);
	v->exit = rc;
	reader = v->cres->doc != NULL ? sign_card_doc_reader(v->cres->doc) : co->reader;
	ctx.facility_code = d->gw.facility;
	ctx.facility_name = d->facility_name;
	ctx.staff_name = d->gw.o.staff_name;
	ctx.staff_id = d->gw.o.staff_id;
	ctx.reader = reader;
	ctx.software = "kyso " PACKAGE_VERSION;
	if ((rc = sign_checkin_new(&v->rec, &ctx)) != 0 || (rc = fill_card(v)) != 0) {
		visit_fail(v, kyso_exit_for(rc), "the check-in record cannot be made: %s",
		    sign_error_message());
		return;
	}
	id = kyso_card_holder(v->cres, "id_number");
	name = kyso_card_holder(v->cres, "full_name");
	dob = kyso_card_holder(v->cres, "date_of_birth");
	if (!v->cres->genuine && !d->allow_unverified) {
		visit_fail(v, v->exit != 0 ? v->exit : KYSO_EXIT_FAILED, "the card in %s is refused: "
		    "%s; not looked up (--allow-unverified looks it up anyway and records it as "
		    "unverified)", reader != NULL ? reader : "the reader",
		    kyso_card_why(v->cres) != NULL ? kyso_card_why(v->cres) : "not genuine");
	} else if (!kyso_gw_digits(id, 12) || name == NULL || name[0] == '\0' || dob == NULL) {
		visit_fail(v, KYSO_EXIT_DATA, "the card's personal data (DG13: ID number, name, "
		    "date of birth) cannot be read%s%s; not looked up",
		    v->cres->parse_error[0] != '\0' ? ": " : "", v->cres->parse_error);
	} else {
		if (!v->cres->genuine)
			add_warning(v, "unverified", "identity not verified: the card failed "
			    "authentication (--allow-unverified)");
		lookup(d, v, id, name, dob);
	}
	/* A visit cut short leaves no record: none may claim a lookup (or its
	 * failure) that was abandoned. */
	if ((sig = signal_taken()) != 0) {
		v->interrupted = sig;
		visit_fail(v, 128 + sig, "interrupted (%s) before the check-in record was written: "
		    "no record for this patient", kyso_net_signame(sig));
		return;
	}
	/* A signal from here on abandons only the time-stamp request (cancel.h):
	 * the token's signature and the file writes run to their end, and the
	 * write is atomic.  So either the record is written whole (the signal is
	 * said after the visit) or, its time-stamp abandoned, nothing is. */
	wo.tsa_url = d->tsa;
	wo.tsa_cacert = d->tsa_cacert;
	rc = sign_checkin_write_with(&v->path, v->rec, d->signer, d->record_dir, &wo);
	if (rc == SIGN_ERR_CANCELLED || (rc != 0 && signal_taken())) {
		sig = signal_taken();
		v->interrupted = sig;
		sign_buf_dispose(&v->path);
		visit_fail(v, 128 + sig, "interrupted (%s) while the record was being signed%s: the "
		    "check-in record was NOT written", kyso_net_signame(sig), d->tsa != NULL ?
		    " and time-stamped" : "");
		return;
	}
	if (rc == SIGN_ERR_NETWORK || rc == SIGN_ERR_SERVER_RESPONSE) {
		/* the time-stamp server failed, not the record: the patient is not
		 * held up; the record is signed without one, and that is said */
		kyso_err("warning: %s; the record is signed without a time-stamp",
		    sign_error_last() == rc ? sign_error_message() : sign_strerror(rc));
		rc = sign_checkin_write(&v->path, v->rec, d->signer, d->record_dir);
	}
	if (rc != 0) {
		int code = kyso_exit_for(rc);

		/* the token's own failures keep their status; the rest is I/O */
		if (code != KYSO_EXIT_NODEVICE && code != KYSO_EXIT_AUTH)
			code = KYSO_EXIT_RUNTIME;
		sign_buf_dispose(&v->path);
		visit_fail(v, code, "the check-in record was NOT written: %s",
		    sign_error_last() == rc ? sign_error_message() : sign_strerror(rc));
		return;
	}
	d->records++;
	save_photo(d, v);
}

static void
visit_free(struct visit *v)
{
	kyso_card_result_free(v->cres);
	sign_checkin_free(v->rec);
	sign_insurance_result_free(v->res);
	sign_buf_dispose(&v->path);
}

static void
summary(const struct visit *v)
{
	const struct kyso_card_result *r = v->cres;
	const char *name = kyso_card_holder(r, "full_name");
	sign_checkin_outcome oc = sign_checkin_get_outcome(v->rec);
	size_t i;

	printf("Patient:     %s\n", name != NULL ? kyso_shown(name) : "(not readable)");
	if (kyso_card_holder(r, "id_number") != NULL)
		printf("ID number:   %s\n", kyso_shown(kyso_card_holder(r, "id_number")));
	if (kyso_card_holder(r, "date_of_birth") != NULL)
		printf("Born:        %s\n", kyso_shown(kyso_card_holder(r, "date_of_birth")));
	if (r->genuine)
		printf("Card:        GENUINE (data signed by the issuing state, genuine chip)\n");
	else
		printf("Card:        NOT VERIFIED: %s\n", kyso_card_why(r) != NULL ?
		    kyso_card_why(r) : "not genuine");
	if (v->res != NULL) {
		kyso_gw_print_verdict(stdout, v->res);
		kyso_gw_print_card(stdout, v->res);
	} else if (v->lookup_error[0] != '\0') {
		printf("BHYT:        LOOKUP FAILED: %s\n", kyso_shown(v->lookup_error));
	} else if (v->interrupted) {
		printf("BHYT:        NOT LOOKED UP: interrupted (%s)\n",
		    kyso_net_signame(v->interrupted));
	} else {
		printf("BHYT:        not looked up (card refused)\n");
	}
	for (i = 0; i < v->nwarn; i++)
		printf("warning:     %s\n", kyso_shown(v->warn[i]));
	if (v->photo[0] != '\0')
		printf("Photo:       %s\n", v->photo);
	else if (v->photo_note != NULL)
		printf("Photo:       %s\n", v->photo_note);
	if (v->path.data != NULL)
		printf("Record:      %s\nSignature:   %s.p7s\n", (const char *)v->path.data,
		    (const char *)v->path.data);
	else
		printf("Record:      NOT WRITTEN\n");
	if (v->interrupted)
		printf("Outcome:     INTERRUPTED (not recorded)\n");
	else if (v->rec != NULL)
		printf("Outcome:     %s%s\n", sign_checkin_outcome_str(oc),
		    v->path.data != NULL ? "" : " (not recorded)");
	fflush(stdout);
}

static void
report(const struct desk *d, const struct visit *v)
{
	sign_buf b = SIGN_BUF_INIT;

	if (d->json) {
		if (v->path.data != NULL && sign_checkin_to_json(&b, v->rec) == 0) {
			fwrite(b.data, 1, b.len, stdout);
			fputc('\n', stdout);
			fflush(stdout);
			sign_buf_dispose(&b);
		} else {
			json_error(v->exit, v->msg);
		}
		return;
	}
	if (v->cres != NULL)
		summary(v);
}

/* ---- the loop ------------------------------------------------------------ */

static int
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	return signal_taken() != 0;
}

/* Wait until a card is in the reader: 0, or 1 when asked to stop. */
static int
wait_card(struct desk *d)
{
	int said = 0, rc;

	while (!signal_taken()) {
		rc = sign_card_wait(d->co.reader, 500);
		if (rc == 0)
			return 0;
		if (rc == SIGN_ERR_TIMEOUT || rc == SIGN_ERR_NO_CARD)
			continue;
		if (!said)
			kyso_err("waiting for a reader: %s", sign_error_last() == rc ?
			    sign_error_message() : sign_strerror(rc));
		said = 1;
		if (sleep_ms(1000))
			break;
	}
	return 1;
}

/* 1 when a card is in reader (NULL: in any reader), 0 when none, -1 on error. */
static int
card_present(const char *reader)
{
	sign_card_readers *rs = NULL;
	size_t i, n;
	int present = 0;

	if (sign_card_readers_list(&rs) != 0)
		return -1;
	n = sign_card_readers_count(rs);
	for (i = 0; i < n; i++)
		if ((reader == NULL || strcmp(reader, sign_card_readers_name(rs, i)) == 0) &&
		    sign_card_readers_present(rs, i))
			present = 1;
	sign_card_readers_free(rs);
	return present;
}

/* Wait until the card is taken out: 0, or 1 when asked to stop. */
static int
wait_removal(const char *reader)
{
	while (!signal_taken()) {
		if (card_present(reader) == 0)
			return 0;
		if (sleep_ms(200))
			break;
	}
	return 1;
}

/* The next line of the QR source: 0, 1 at its end or when asked to stop, or
 * an exit status. */
static int
qr_line(struct desk *d, char *buf, size_t cap)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(d->qr_fd, &c, 1);

		if (r < 0 && errno == EINTR) {
			if (signal_taken())
				return 1;
			continue;
		}
		if (r < 0) {
			kyso_err("cannot read the QR text from %s: %s", d->co.qr_source,
			    strerror(errno));
			return 1;
		}
		if (r == 0) {
			if (n > 0)
				break;
			kyso_err("the QR source %s has ended", d->co.qr_source);
			return 1;
		}
		if (c == '\n') {
			if (n > 0 && buf[n - 1] == '\r')
				n--;
			if (n > 0)
				break;
			continue;   /* an empty line: a scan without text */
		}
		if (n + 1 >= cap) {
			/* too long: drop it up to its end, and say so */
			while (read(d->qr_fd, &c, 1) == 1 && c != '\n')
				;
			OPENSSL_cleanse(buf, cap);
			kyso_err("a line of the QR source %s is longer than %zu bytes: not a card's "
			    "QR text", d->co.qr_source, cap - 1);
			return KYSO_EXIT_USAGE;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

/*
 * The key of the card just inserted, as card options: the QR line through a
 * pipe (card_opts reads fd:N to its end), or the rewritten QR file.  *pipe_fd
 * is the read end to close after the read.  0, 1 to stop, or an exit status.
 */
static int
loop_key(struct desk *d, struct kyso_card_opts *co, char *spec, size_t cap, int *pipe_fd)
{
	char line[QR_MAX];
	struct stat st;
	int p[2], rc;

	*pipe_fd = -1;
	if (d->qr_file) {
		if (stat(d->co.qr_source + 5, &st) != 0) {
			kyso_err("--qr-source %s: %s", d->co.qr_source, strerror(errno));
			return KYSO_EXIT_AUTH;
		}
		if (d->qr_seen && st.st_ino == d->qr_last.st_ino &&
		    st.st_mtim.tv_sec == d->qr_last.st_mtim.tv_sec &&
		    st.st_mtim.tv_nsec == d->qr_last.st_mtim.tv_nsec &&
		    st.st_size == d->qr_last.st_size) {
			kyso_err("the QR file %s was not rewritten since the previous card: scan this "
			    "patient's QR code, then take the card out and put it back",
			    d->co.qr_source + 5);
			return KYSO_EXIT_AUTH;
		}
		d->qr_last = st;
		d->qr_seen = 1;
		return 0;
	}
	rc = qr_line(d, line, sizeof(line));
	if (rc != 0)
		return rc;
	if (pipe(p) != 0) {
		OPENSSL_cleanse(line, sizeof(line));
		kyso_err("pipe: %s", strerror(errno));
		return KYSO_EXIT_RUNTIME;
	}
	rc = (write(p[1], line, strlen(line)) == (ssize_t)strlen(line)) ? 0 : KYSO_EXIT_RUNTIME;
	OPENSSL_cleanse(line, sizeof(line));
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		kyso_err("cannot pass the QR text on");
		return rc;
	}
	snprintf(spec, cap, "fd:%d", p[0]);
	co->qr_source = spec;
	*pipe_fd = p[0];
	return 0;
}

static int
serve(struct desk *d)
{
	const char *why = "stopped";
	int cut = 0;            /* a patient's visit was cut short by the signal */
	struct sigaction dfl;
	int i;

	/*
	 * The session's signals are the shared kyso_net_* ones, with one
	 * difference: a session runs until it is stopped, so SIGINT and SIGTERM
	 * end it even when inherited ignored.  A shell starts background jobs
	 * with SIGINT ignored (`kyso reception --loop &` from a start-up script,
	 * reception_loop.sh): kyso_net_catch() alone would leave it so, and
	 * `kill -INT` could not end the desk.  (SIGHUP, which nohup ignores, is
	 * not one of them.)
	 */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (i = 0; i < 2; i++) {
		struct sigaction old;
		int sig = i == 0 ? SIGINT : SIGTERM;

		if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			sigaction(sig, &dfl, NULL);
	}
	kyso_net_catch(&d->sigs);
	kyso_err("ready: insert a patient's card (records in %s; Ctrl-C ends the session)",
	    d->record_dir);
	for (;;) {
		struct kyso_card_opts co = d->co;
		struct visit v;
		char spec[32];
		int pfd = -1, rc;
		const char *reader;

		if (wait_card(d) != 0)
			break;
		co.wait_ms = 0;
		rc = loop_key(d, &co, spec, sizeof(spec), &pfd);
		if (rc == 1) {
			why = signal_taken() ? "stopped" : "the QR source ended";
			break;
		}
		memset(&v, 0, sizeof(v));
		if (rc != 0) {
			v.exit = rc;
			snprintf(v.msg, sizeof(v.msg), "no key for this card (see above)");
		} else {
			patient(d, &co, &v);
		}
		if (pfd >= 0)
			close(pfd);
		d->served++;
		report(d, &v);
		if (!d->json)
			printf("\n");
		if (v.exit != 0)
			kyso_err("patient %lu: exit %d%s", d->served, v.exit, v.path.data != NULL ?
			    ", recorded" : ", no record");
		cut = v.interrupted;
		reader = v.cres != NULL && v.cres->doc != NULL ? sign_card_doc_reader(v.cres->doc) :
		    d->co.reader;
		rc = (d->max_patients > 0 && d->served >= d->max_patients) ? 2 :
		    wait_removal(reader);
		visit_free(&v);
		if (rc == 2) {
			why = "--max-patients reached";
			break;
		}
		if (rc != 0)
			break;
		kyso_err("card taken out: ready for the next patient");
	}
	if (signal_taken())
		why = kyso_net_signame(signal_taken());
	kyso_err("session ended (%s): %lu card%s, %lu record%s written", why, d->served,
	    d->served == 1 ? "" : "s", d->records, d->records == 1 ? "" : "s");
	/* stopped between patients: a normal end; during one: 128 + signal */
	return cut != 0 ? 128 + cut : KYSO_EXIT_OK;
}

int
kyso_cmd_reception(int argc, char **argv)
{
	struct desk d;
	struct visit v;
	int rc, first;

	memset(&d, 0, sizeof(d));
	memset(&v, 0, sizeof(v));
	kyso_gw_init(&d.gw);
	d.qr_fd = -1;
	/* --json also for a command line that does not parse */
	for (first = 1; first < argc && strcmp(argv[first], "--") != 0; first++)
		if (strcmp(argv[first], "--json") == 0)
			d.json = 1;
	rc = kyso_parse(argc, argv, usage, opts, opt_cb, &d, &first);
	if (rc == 0 && first < argc) {
		kyso_err("unexpected argument '%s' (see --help)", argv[first]);
		rc = KYSO_EXIT_USAGE;
	}
	if (rc != 0) {
		if (d.json)
			json_error(rc, kyso_err_last()[0] != '\0' ? kyso_err_last() :
			    "bad command line (see --help)");
		goto out;
	}
	rc = session_open(&d);
	if (rc != 0) {
		if (d.json)
			json_error(rc, d.error[0] != '\0' ? d.error :
			    kyso_gw_error(&d.gw)[0] != '\0' ? kyso_gw_error(&d.gw) :
			    kyso_card_last_error()[0] != '\0' ? kyso_card_last_error() :
			    sign_error_last() != 0 ? sign_error_message() :
			    "the session could not start (see the message above)");
		goto out;
	}
	if (d.loop) {
		rc = serve(&d);
		goto out;
	}
	patient(&d, &d.co, &v);
	report(&d, &v);
	rc = v.exit;
	/* a signal that came while the record was being signed and written
	 * (nothing abandoned): the visit is complete, and that is said */
	if (signal_taken() != 0 && !v.interrupted) {
		kyso_err("interrupted (%s) once the visit was done: %s",
		    kyso_net_signame(signal_taken()), v.path.data != NULL ?
		    "its check-in record is complete" : "nothing was left half done");
		rc = 128 + signal_taken();
	}
	visit_free(&v);
out:
	kyso_net_release(&d.sigs);
	session_close(&d);
	if (rc > 128 && signal_taken() == rc - 128)
		kyso_net_exit(rc - 128);        /* the process ends by the signal */
	return rc;
}
