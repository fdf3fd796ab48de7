/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The VSS gateway settings: options, kyso.conf [insurance], checks, client. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include "gateway_opts.h"

#define SECTION "insurance"
#define SECRET_MAX 256

/* Each setting: its kyso.conf key and option value (0: file only). */
static const struct setting {
	const char *key;
	int opt;
} settings[KYSO_GW_N] = {
	[KYSO_GW_GATEWAY] = { "gateway", KYSO_OPT_GW_GATEWAY },
	[KYSO_GW_USERNAME] = { "username", KYSO_OPT_GW_USERNAME },
	[KYSO_GW_FACILITY] = { "facility-code", KYSO_OPT_GW_FACILITY },
	[KYSO_GW_PASSWORD_SOURCE] = { "password-source", KYSO_OPT_GW_PASSWORD_SOURCE },
	[KYSO_GW_PASSWORD_FILE] = { "password-file", 0 },
	[KYSO_GW_STAFF_NAME] = { "staff-name", KYSO_OPT_GW_STAFF_NAME },
	[KYSO_GW_STAFF_ID] = { "staff-id", KYSO_OPT_GW_STAFF_ID },
	[KYSO_GW_CACERT] = { "cacert", KYSO_OPT_GW_CACERT },
	[KYSO_GW_CLIENT_CERT] = { "client-cert", KYSO_OPT_GW_CLIENT_CERT },
	[KYSO_GW_CLIENT_KEY] = { "client-key", KYSO_OPT_GW_CLIENT_KEY },
	[KYSO_GW_CLIENT_KEY_PIN] = { "client-key-pin-source", KYSO_OPT_GW_CLIENT_KEY_PIN },
	[KYSO_GW_PKCS11_MODULE] = { "pkcs11-module", KYSO_OPT_GW_PKCS11_MODULE },
	[KYSO_GW_TIMEOUT] = { "timeout", KYSO_OPT_GW_TIMEOUT },
	[KYSO_GW_CONNECT_TIMEOUT] = { "connect-timeout", KYSO_OPT_GW_CONNECT_TIMEOUT },
	[KYSO_GW_RETRIES] = { "retries", KYSO_OPT_GW_RETRIES },
	[KYSO_GW_MA_THE_FROM] = { "ma-the-from", KYSO_OPT_GW_MA_THE_FROM },
	[KYSO_GW_WARN_DAYS] = { "expiry-warn-days", KYSO_OPT_GW_WARN_DAYS },
};

void
kyso_gw_init(struct kyso_gw *g)
{
	sign_insurance_options o = SIGN_INSURANCE_OPTIONS_INIT;

	memset(g, 0, sizeof(*g));
	g->o = o;
	g->warn_days = 30;
}

void
kyso_gw_done(struct kyso_gw *g)
{
	sign_config_free(g->cfg);
	g->cfg = NULL;
}

const char *
kyso_gw_error(const struct kyso_gw *g)
{
	return g->error;
}

int
kyso_gw_fail(struct kyso_gw *g, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->error, sizeof(g->error), fmt, ap);
	va_end(ap);
	kyso_err("%s", g->error);
	return code;
}

/* kyso_secret_read() printed why it failed: that one line is also the
 * error of --json (a second line would only repeat it). */
static int
kept_error(struct kyso_gw *g, int code)
{
	snprintf(g->error, sizeof(g->error), "%s", kyso_err_last());
	return code;
}

const char *
kyso_gw_get(const struct kyso_gw *g, enum kyso_gw_setting s)
{
	return (unsigned int)s < KYSO_GW_N ? g->val[s] : NULL;
}

const char *
kyso_gw_class_name(sign_insurance_class c)
{
	switch (c) {
	case SIGN_INSURANCE_COVERED:
		return "covered";
	case SIGN_INSURANCE_NOT_COVERED:
		return "not_covered";
	case SIGN_INSURANCE_AUTH_ERROR:
		return "auth_error";
	default:
		return "gateway_error";
	}
}

int
kyso_gw_digits(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int
kyso_gw_option(struct kyso_gw *g, int val, const char *arg)
{
	size_t i;

	if (val == KYSO_OPT_GW_CONFIG) {
		g->config = arg;
		return 0;
	}
	for (i = 0; i < KYSO_GW_N; i++) {
		if (settings[i].opt != 0 && settings[i].opt == val) {
			g->cli[i] = arg;
			return 0;
		}
	}
	return -1;
}

static int
is_known_key(const char *key)
{
	size_t i;

	for (i = 0; i < KYSO_GW_N; i++)
		if (strcmp(settings[i].key, key) == 0)
			return 1;
	return 0;
}

static int
load_config(struct kyso_gw *g)
{
	const char *path, *sec, *key;
	unsigned int line;
	int rc;
	size_t i;

	/* (found, loaded and refused as for kyso sign; a failure is printed) */
	if ((rc = kyso_conf_load(&g->cfg, g->config, g->error, sizeof(g->error))) != 0 ||
	    g->cfg == NULL)
		return rc;
	path = sign_config_name(g->cfg);
	for (i = 0; sign_config_entry(g->cfg, i, &sec, &key, NULL, &line) == 0; i++) {
		if (strcmp(key, "password") == 0 && (sec == NULL || strcmp(sec, SECTION) == 0))
			return kyso_gw_fail(g, KYSO_EXIT_USAGE,
			    "%s:%u: the password itself does not belong in the configuration; "
			    "use password-source = file:PATH (mode 0600) or env:NAME", path, line);
		if (sec != NULL && strcmp(sec, SECTION) == 0 && !is_known_key(key))
			return kyso_gw_fail(g, KYSO_EXIT_USAGE,
			    "%s:%u: unknown setting '%s' in [%s] (see kyso-insurance(1))", path,
			    line, key, SECTION);
	}
	g->config_path = path;
	return 0;
}

static void
merge(struct kyso_gw *g)
{
	size_t i;

	for (i = 0; i < KYSO_GW_N; i++) {
		g->val[i] = g->cli[i];
		if (g->val[i] == NULL && g->cfg != NULL)
			g->val[i] = sign_config_get(g->cfg, SECTION, settings[i].key);
		if (g->val[i] != NULL && g->val[i][0] == '\0')
			g->val[i] = NULL;
	}
}

/* Seconds with up to three decimals, (0, 600], into milliseconds. */
static int
parse_seconds(const char *s, long *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 600)
		return -1;
	*ms = (long)(v * 1000 + 0.5);
	return *ms > 0 ? 0 : -1;
}

static int
check(struct kyso_gw *g)
{
	sign_insurance_options *o = &g->o;
	const char **v = g->val;
	unsigned long n;

	if (v[KYSO_GW_GATEWAY] == NULL)
		return kyso_gw_fail(g, KYSO_EXIT_USAGE, "no gateway: set gateway = https://... in "
		    "kyso.conf or give --gateway URL");
	if (v[KYSO_GW_USERNAME] == NULL)
		return kyso_gw_fail(g, KYSO_EXIT_USAGE, "no facility account: set username in "
		    "kyso.conf or give --username (e.g. 01001_BV)");
	if (v[KYSO_GW_STAFF_NAME] == NULL)
		return kyso_gw_fail(g, KYSO_EXIT_USAGE, "no staff name: the gateway needs who "
		    "looks up (staff-name in kyso.conf or --staff-name)");
	if (v[KYSO_GW_STAFF_ID] == NULL || !kyso_gw_digits(v[KYSO_GW_STAFF_ID], 12))
		return kyso_gw_fail(g, KYSO_EXIT_USAGE, "%s: the staff member's ID must be a "
		    "12-digit citizen ID number (staff-id / --staff-id)",
		    v[KYSO_GW_STAFF_ID] != NULL ? v[KYSO_GW_STAFF_ID] : "no staff ID");
	if ((v[KYSO_GW_CLIENT_CERT] == NULL) != (v[KYSO_GW_CLIENT_KEY] == NULL))
		return kyso_gw_fail(g, KYSO_EXIT_USAGE, "a client certificate needs both "
		    "--client-cert and --client-key");
	if (v[KYSO_GW_TIMEOUT] != NULL && parse_seconds(v[KYSO_GW_TIMEOUT], &o->timeout_ms) != 0)
		return kyso_gw_fail(g, KYSO_EXIT_USAGE, "timeout '%s': give seconds, more than 0 "
		    "and at most 600", v[KYSO_GW_TIMEOUT]);
	if (v[KYSO_GW_CONNECT_TIMEOUT] != NULL &&
	    parse_seconds(v[KYSO_GW_CONNECT_TIMEOUT], &o->connect_timeout_ms) != 0)
		return kyso_gw_fail(g, KYSO_EXIT_USAGE, "connect-timeout '%s': give seconds, more "
		    "than 0 and at most 600", v[KYSO_GW_CONNECT_TIMEOUT]);
	if (v[KYSO_GW_RETRIES] != NULL) {
		if (kyso_parse_uint(v[KYSO_GW_RETRIES], 0, 9, &n) != 0)
			return kyso_gw_fail(g, KYSO_EXIT_USAGE, "retries '%s': give 0 to 9",
			    v[KYSO_GW_RETRIES]);
		o->tries = (unsigned int)n + 1;
	}
	if (v[KYSO_GW_WARN_DAYS] != NULL) {
		if (kyso_parse_uint(v[KYSO_GW_WARN_DAYS], 1, 3660, &n) != 0)
			return kyso_gw_fail(g, KYSO_EXIT_USAGE, "expiry-warn-days '%s': give 1 to "
			    "3660", v[KYSO_GW_WARN_DAYS]);
		o->expiry_warn_days = (unsigned int)n;
		g->warn_days = (unsigned int)n;
	}
	o->gateway = v[KYSO_GW_GATEWAY];
	o->username = v[KYSO_GW_USERNAME];
	o->facility_code = v[KYSO_GW_FACILITY];
	o->staff_name = v[KYSO_GW_STAFF_NAME];
	o->staff_id = v[KYSO_GW_STAFF_ID];
	o->cacert = v[KYSO_GW_CACERT];
	o->client_cert = v[KYSO_GW_CLIENT_CERT];
	o->client_key = v[KYSO_GW_CLIENT_KEY];
	o->pkcs11_module = v[KYSO_GW_PKCS11_MODULE];
	/* the facility the library compares maDKBD with */
	if (o->facility_code != NULL) {
		snprintf(g->facility, sizeof(g->facility), "%s", o->facility_code);
	} else {
		size_t ul = strlen(o->username);

		if (ul > 3 && ul < sizeof(g->facility) && strcmp(o->username + ul - 3, "_BV") == 0)
			snprintf(g->facility, sizeof(g->facility), "%.*s", (int)(ul - 3), o->username);
	}
	return 0;
}

int
kyso_gw_configure(struct kyso_gw *g)
{
	int rc;

	g->error[0] = '\0';
	if ((rc = load_config(g)) != 0)
		return rc;
	merge(g);
	return check(g);
}

static int
get_password(struct kyso_gw *g, char *buf, size_t cap)
{
	const char *src = g->val[KYSO_GW_PASSWORD_SOURCE];
	char spec[4200];
	int rc;

	if (src == NULL && g->val[KYSO_GW_PASSWORD_FILE] != NULL) {
		snprintf(spec, sizeof(spec), "file:%s", g->val[KYSO_GW_PASSWORD_FILE]);
		src = spec;
	}
	if (src == NULL)
		return kyso_gw_fail(g, KYSO_EXIT_USAGE, "no gateway password source: set "
		    "password-source = file:PATH or env:NAME in kyso.conf, or give "
		    "--password-source");
	if (strcmp(src, "tty") != 0 && !kyso_secret_spec_ok(src))
		return kyso_gw_fail(g, KYSO_EXIT_USAGE, "bad password source '%s': use env:NAME, "
		    "file:PATH (mode 0600), fd:N or tty", src);
	rc = kyso_secret_read(src, "gateway password", buf, cap);
	if (rc != 0)
		return kept_error(g, rc);
	if (buf[0] == '\0')
		return kyso_gw_fail(g, KYSO_EXIT_AUTH, "the gateway password from %s is empty",
		    src);
	return 0;
}

int
kyso_gw_client(struct kyso_gw *g, sign_insurance_client **out)
{
	sign_insurance_options o = g->o;
	char password[SECRET_MAX], pin[SECRET_MAX];
	int rc;

	*out = NULL;
	password[0] = pin[0] = '\0';
	if ((rc = get_password(g, password, sizeof(password))) != 0)
		goto out;
	o.password = password;
	if (o.client_key != NULL && strncmp(o.client_key, "pkcs11:", 7) == 0) {
		if (strstr(o.client_key, "pin-value") != NULL ||
		    strstr(o.client_key, "pin-source") != NULL) {
			rc = kyso_gw_fail(g, KYSO_EXIT_USAGE, "the client key URI carries a PIN: "
			    "give it with --client-key-pin-source instead");
			goto out;
		}
		if (g->val[KYSO_GW_CLIENT_KEY_PIN] == NULL) {
			rc = kyso_gw_fail(g, KYSO_EXIT_AUTH, "the client key is on a token: give its "
			    "PIN source (client-key-pin-source / --client-key-pin-source)");
			goto out;
		}
		rc = kyso_secret_read(g->val[KYSO_GW_CLIENT_KEY_PIN], "client key PIN", pin,
		    sizeof(pin));
		if (rc != 0) {
			rc = kept_error(g, rc);
			goto out;
		}
		o.client_key_pin = pin;
		/* The module, as for tokens (token.h): --pkcs11-module, the URI's
		 * module-path, $KYSO_PKCS11_MODULE, then kyso.conf. */
		o.pkcs11_module = g->cli[KYSO_GW_PKCS11_MODULE];
		if (o.pkcs11_module == NULL && strstr(o.client_key, "module-path=") == NULL &&
		    getenv("KYSO_PKCS11_MODULE") == NULL)
			o.pkcs11_module = g->val[KYSO_GW_PKCS11_MODULE];
	} else {
		o.pkcs11_module = NULL;
	}
	rc = sign_insurance_client_new(out, &o);
	OPENSSL_cleanse(password, sizeof(password));
	OPENSSL_cleanse(pin, sizeof(pin));
	if (rc != 0)
		rc = kyso_gw_fail(g, kyso_exit_for(rc), "%s", sign_error_last() == rc ?
		    sign_error_message() : sign_strerror(rc));
out:
	OPENSSL_cleanse(password, sizeof(password));
	OPENSSL_cleanse(pin, sizeof(pin));
	return rc;
}

/* ---- results ------------------------------------------------------------- */

static const char *
fieldv(const sign_insurance_result *res, const char *name)
{
	const char *v = sign_insurance_result_field(res, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

void
kyso_gw_print_verdict(FILE *fp, const sign_insurance_result *res)
{
	sign_insurance_class cls = sign_insurance_result_class(res);
	const char *vi = sign_insurance_result_meaning_vi(res);
	const char *en = sign_insurance_result_meaning_en(res);

	fprintf(fp, "BHYT:        %s\n", cls == SIGN_INSURANCE_COVERED ? "COVERED (có BHYT)" :
	    cls == SIGN_INSURANCE_NOT_COVERED ? "NOT COVERED (không hưởng BHYT)" :
	    "GATEWAY ERROR (lỗi cổng giám định)");
	fprintf(fp, "result:      %s %s (%s)\n", kyso_shown(sign_insurance_result_code(res)),
	    vi != NULL ? vi : "mã không có trong bảng", en != NULL ? en : "code not in the table");
	if (fieldv(res, "ghiChu") != NULL)
		fprintf(fp, "note:        %s\n", kyso_shown(fieldv(res, "ghiChu")));
}

void
kyso_gw_print_card(FILE *fp, const sign_insurance_result *res)
{
	const char *from = fieldv(res, "gtTheTu"), *to = fieldv(res, "gtTheDen");
	const char *dk = fieldv(res, "maDKBD"), *dkname = fieldv(res, "tenDKBD");
	long days = 0;

	if (fieldv(res, "maThe") != NULL)
		fprintf(fp, "card code:   %s\n", kyso_shown(fieldv(res, "maThe")));
	if (from != NULL || to != NULL) {
		fprintf(fp, "valid:       %s to %s", from != NULL ? kyso_shown(from) : "?",
		    to != NULL ? kyso_shown(to) : "?");
		if (sign_insurance_result_days_left(res, &days) == 0)
			fprintf(fp, days >= 0 ? " (%ld days left)\n" : " (ended %ld days ago)\n",
			    days >= 0 ? days : -days);
		else
			fprintf(fp, "\n");
	}
	if (dk != NULL)
		fprintf(fp, "registered:  %s%s%s\n", kyso_shown(dk), dkname != NULL ? " " : "",
		    dkname != NULL ? kyso_shown(dkname) : "");
	if (fieldv(res, "ngayDu5Nam") != NULL)
		fprintf(fp, "5 years:     %s (ngày đủ 5 năm liên tục)\n",
		    kyso_shown(fieldv(res, "ngayDu5Nam")));
}

void
kyso_gw_utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, need;
	unsigned char c;

	while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	if (c < 0x80)
		return;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

static void
emitf(void (*emit)(void *, const char *, const char *), void *ud, const char *id,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
emitf(void (*emit)(void *, const char *, const char *), void *ud, const char *id,
    const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* (a cut inside a letter would make the warning vanish from --json and
	 * from the check-in record) */
	kyso_gw_utf8_trim(msg);
	emit(ud, id, msg);
}

void
kyso_gw_warnings(const sign_insurance_result *res, const char *facility,
    unsigned int warn_days, void (*emit)(void *ud, const char *id, const char *message),
    void *ud)
{
	unsigned int w = sign_insurance_result_warnings(res);
	const char *from = fieldv(res, "gtTheTu"), *to = fieldv(res, "gtTheDen");
	const char *dk = fieldv(res, "maDKBD"), *dkname = fieldv(res, "tenDKBD");
	long days = 0;

	(void)sign_insurance_result_days_left(res, &days);
	if (w & SIGN_INSURANCE_WARN_EXPIRES_SOON)
		emitf(emit, ud, "expires_soon", "the card ends on %s, within %u days (%ld left)",
		    to, warn_days, days);
	if (w & SIGN_INSURANCE_WARN_EXPIRED)
		emitf(emit, ud, "expired", "the card ended on %s", to);
	if (w & SIGN_INSURANCE_WARN_NOT_YET_VALID)
		emitf(emit, ud, "not_yet_valid", "the card is valid only from %s", from);
	if (w & SIGN_INSURANCE_WARN_OTHER_FACILITY)
		emitf(emit, ud, "other_facility",
		    "registered at another facility: %s%s%s (this facility: %s)", dk,
		    dkname != NULL ? " " : "", dkname != NULL ? dkname : "",
		    facility != NULL && facility[0] != '\0' ? facility : "?");
	if (w & SIGN_INSURANCE_WARN_NEW_CARD)
		emitf(emit, ud, "new_card", "a new card was issued: %s, valid %s to %s, "
		    "registered at %s%s%s", fieldv(res, "maTheMoi") ? fieldv(res, "maTheMoi") : "?",
		    fieldv(res, "gtTheTuMoi") ? fieldv(res, "gtTheTuMoi") : "?",
		    fieldv(res, "gtTheDenMoi") ? fieldv(res, "gtTheDenMoi") : "?",
		    fieldv(res, "maDKBDMoi") ? fieldv(res, "maDKBDMoi") : "?",
		    fieldv(res, "tenDKBDMoi") ? " " : "",
		    fieldv(res, "tenDKBDMoi") ? fieldv(res, "tenDKBDMoi") : "");
}

/* ---- kyso.conf for signing: the time-stamp server ------------------------- */

int
kyso_conf_load(sign_config **cfg, const char *path, char *err, size_t cap)
{
	const char *p = NULL;
	int expl = 0, rc;

	*cfg = NULL;
	err[0] = '\0';
	sign_config_default_path(&p, &expl, path);
	if (p == NULL)
		return 0;
	rc = sign_config_load(cfg, p);
	if (rc == SIGN_ERR_NOT_FOUND && !expl)
		return 0;
	if (rc != 0) {
		const char *m = sign_error_last() == rc ? sign_error_message() : sign_strerror(rc);

		/* a file named on purpose that is not there: where the name came from */
		snprintf(err, cap, "%s%s", m, !expl ? "; or name another file with --config FILE" :
		    strchr(m, ';') != NULL || rc != SIGN_ERR_NOT_FOUND ? "" : path != NULL ?
		    "; check the file name given to --config" :
		    "; check the file name in $KYSO_CONF, or name another file with --config FILE");
		kyso_gw_utf8_trim(err);
		kyso_err("%s", err);
		return kyso_exit_for(rc);
	}
	return 0;
}

static int
is_http_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 ? s[7] != '\0' :
	    strncmp(s, "https://", 8) == 0 ? s[8] != '\0' : 0;
}

int
kyso_tsa_url(const char **out, const char *cli, int no_tsa, const sign_config *cfg,
    char *err, size_t cap)
{
	const char *v;

	*out = NULL;
	err[0] = '\0';
	if (cli != NULL && no_tsa)
		snprintf(err, cap, "--tsa and --no-tsa contradict each other");
	else if (cli != NULL && !is_http_url(cli))
		snprintf(err, cap, "--tsa takes the time-stamp server's http:// or https:// URL");
	if (err[0] != '\0') {
		kyso_err("%s", err);
		return KYSO_EXIT_USAGE;
	}
	if (cli != NULL || no_tsa) {
		*out = cli;
		return 0;
	}
	v = cfg != NULL ? sign_config_get(cfg, "sign", "tsa") : NULL;
	if (v == NULL || v[0] == '\0')
		return 0;
	if (!is_http_url(v)) {
		snprintf(err, cap, "%s:%u: tsa '%s' is not an http:// or https:// URL (the "
		    "time-stamp server)", sign_config_name(cfg), sign_config_line(cfg, "sign", "tsa"),
		    v);
		kyso_gw_utf8_trim(err);
		kyso_err("%s", err);
		return KYSO_EXIT_USAGE;
	}
	*out = v;
	return 0;
}

/* The kyso.conf key of the time-stamp server's CA bundle, in the spelling of
 * the other keys, and the one with an underscore, taken as well. */
static const char *const tsa_ca_keys[] = { "tsa-cacert", "tsa_cacert" };

int
kyso_tsa_cacert(const char **out, const char *cli, const char *url, const char *url_cli,
    int no_tsa, const sign_config *cfg, char *err, size_t cap)
{
	sign_cades_sign_opts so = SIGN_CADES_SIGN_OPTS_INIT;
	const char *v = NULL, *key = NULL, *w;
	size_t i;
	int rc;

	*out = NULL;
	err[0] = '\0';
	if (cli != NULL && cli[0] == '\0')
		snprintf(err, cap, "--tsa-cacert takes the PEM file of the CA certificates that "
		    "verify the time-stamp server");
	else if (cli != NULL && url == NULL)
		snprintf(err, cap, "--tsa-cacert names the CA bundle of an https:// time-stamp "
		    "server, but %s", no_tsa ? "--no-tsa asks for none" : "none is named (--tsa URL, "
		    "or tsa in kyso.conf)");
	if (err[0] != '\0') {
		kyso_err("%s", err);
		return KYSO_EXIT_USAGE;
	}
	if (url == NULL)
		return 0;
	if (cli != NULL) {
		v = cli;
	} else if (cfg != NULL) {
		for (i = 0; i < sizeof(tsa_ca_keys) / sizeof(tsa_ca_keys[0]); i++) {
			if ((w = sign_config_get(cfg, "sign", tsa_ca_keys[i])) == NULL)
				continue;
			if (key != NULL) {
				snprintf(err, cap, "%s:%u: %s and %s:%u: %s are one setting (the "
				    "time-stamp server's CA bundle); keep one", sign_config_name(cfg),
				    sign_config_line(cfg, "sign", key), key, sign_config_name(cfg),
				    sign_config_line(cfg, "sign", tsa_ca_keys[i]), tsa_ca_keys[i]);
				kyso_gw_utf8_trim(err);
				kyso_err("%s", err);
				return KYSO_EXIT_USAGE;
			}
			v = w;
			key = tsa_ca_keys[i];
		}
		if (v != NULL && v[0] == '\0')
			v = NULL;
		/* kyso.conf's bundle is for an https server; an http:// one from
		 * --tsa has no TLS for it to verify: not used */
		if (v != NULL && url_cli != NULL && strncmp(url, "https://", 8) != 0)
			v = NULL;
	}
	if (v == NULL)
		return 0;
	so.tsa_url = url;
	so.tsa_cacert = v;
	rc = sign_cades_check_sign_opts(&so);
	if (rc != 0) {
		const char *msg = sign_error_last() == rc ? sign_error_message() : sign_strerror(rc);

		if (key != NULL)
			snprintf(err, cap, "%s:%u: %s", sign_config_name(cfg),
			    sign_config_line(cfg, "sign", key), msg);
		else
			snprintf(err, cap, "%s", msg);
		kyso_gw_utf8_trim(err);
		kyso_err("%s", err);
		return kyso_exit_for(rc);
	}
	*out = v;
	return 0;
}

/* ---- Ctrl-C during network requests -------------------------------------- */

static volatile sig_atomic_t net_signal;

static void
net_on_signal(int sig)
{
	net_signal = sig;
	sign_cancel_request();      /* async-signal-safe (cancel.h) */
}

void
kyso_net_catch(struct kyso_net_signals *s)
{
	struct sigaction sa;

	memset(s, 0, sizeof(*s));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = net_on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a wait the signal interrupts ends at once */
	if (sigaction(SIGINT, NULL, &s->old_int) != 0 || sigaction(SIGTERM, NULL, &s->old_term) != 0)
		return;
	if (s->old_int.sa_handler != SIG_IGN)
		sigaction(SIGINT, &sa, NULL);
	if (s->old_term.sa_handler != SIG_IGN)
		sigaction(SIGTERM, &sa, NULL);
	s->on = 1;
}

int
kyso_net_caught(void)
{
	return net_signal;
}

void
kyso_net_release(struct kyso_net_signals *s)
{
	if (!s->on)
		return;
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGTERM, &s->old_term, NULL);
	s->on = 0;
}

void
kyso_net_exit(int sig)
{
	sigset_t set;

	fflush(stdout);
	fflush(stderr);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

const char *
kyso_net_signame(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" :
	    "a signal";
}
