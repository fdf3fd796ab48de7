/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VSS gateway settings of a kyso command: the command-line options and
 * the [insurance] section of kyso.conf (command line wins), their checks,
 * and the client made from them (the password and a token client key's PIN
 * read from their sources, used once and wiped).  Shared by
 * `kyso insurance lookup` and `kyso reception`.
 *
 * Use in a command:
 *
 *   static const struct kyso_opt opts[] = { ..., KYSO_GW_OPTIONS, ..., { NULL } };
 *   struct kyso_gw gw;
 *   kyso_gw_init(&gw);
 *   // in the kyso_parse callback:
 *   if ((rc = kyso_gw_option(&gw, val, arg)) >= 0) return rc;
 *   // after parsing:
 *   rc = kyso_gw_configure(&gw);            // kyso.conf + checks; fills gw.o
 *   rc = kyso_gw_client(&gw, &client);      // reads the password, makes the client
 *   ...
 *   kyso_gw_done(&gw);
 *
 * Every failure prints "kyso <cmd>: cause; fix" and keeps the message for
 * the command's JSON output (kyso_gw_error()).
 */
#ifndef KYSO_GATEWAY_OPTS_H
#define KYSO_GATEWAY_OPTS_H

#include <signal.h>
#include <libsign.h>
#include <libsign/config.h>
#include <libsign/insurance.h>
#include "kyso.h"

/* getopt values of the gateway options (keep clear of them in option tables). */
#define KYSO_OPT_GW_CONFIG          0x7d01
#define KYSO_OPT_GW_GATEWAY         0x7d02
#define KYSO_OPT_GW_USERNAME        0x7d03
#define KYSO_OPT_GW_FACILITY        0x7d04
#define KYSO_OPT_GW_PASSWORD_SOURCE 0x7d05
#define KYSO_OPT_GW_STAFF_NAME      0x7d06
#define KYSO_OPT_GW_STAFF_ID        0x7d07
#define KYSO_OPT_GW_CACERT          0x7d08
#define KYSO_OPT_GW_CLIENT_CERT     0x7d09
#define KYSO_OPT_GW_CLIENT_KEY      0x7d0a
#define KYSO_OPT_GW_CLIENT_KEY_PIN  0x7d0b
#define KYSO_OPT_GW_PKCS11_MODULE   0x7d0c
#define KYSO_OPT_GW_TIMEOUT         0x7d0d
#define KYSO_OPT_GW_CONNECT_TIMEOUT 0x7d0e
#define KYSO_OPT_GW_RETRIES         0x7d0f
#define KYSO_OPT_GW_WARN_DAYS       0x7d10
#define KYSO_OPT_GW_MA_THE_FROM     0x7d11   /* `kyso insurance lookup` only */

#define KYSO_GW_OPTIONS \
	{ "config", required_argument, KYSO_OPT_GW_CONFIG, "FILE", \
	  "configuration file (default $KYSO_CONF, SYSCONFDIR/kyso.conf)" }, \
	{ "gateway", required_argument, KYSO_OPT_GW_GATEWAY, "URL", "gateway base URL (https://)" }, \
	{ "username", required_argument, KYSO_OPT_GW_USERNAME, "USER", \
	  "facility account, e.g. 01001_BV" }, \
	{ "facility-code", required_argument, KYSO_OPT_GW_FACILITY, "CODE", \
	  "this facility's code (default: username without _BV)" }, \
	{ "password-source", required_argument, KYSO_OPT_GW_PASSWORD_SOURCE, "SRC", \
	  "gateway password from env:NAME|file:PATH|fd:N|tty" }, \
	{ "staff-name", required_argument, KYSO_OPT_GW_STAFF_NAME, "NAME", \
	  "name of the staff member looking up (hoTenCb)" }, \
	{ "staff-id", required_argument, KYSO_OPT_GW_STAFF_ID, "ID", \
	  "the staff member's 12-digit citizen ID (cccdCb)" }, \
	{ "cacert", required_argument, KYSO_OPT_GW_CACERT, "FILE", \
	  "CA bundle (PEM) that alone verifies the gateway (default: the system store)" }, \
	{ "client-cert", required_argument, KYSO_OPT_GW_CLIENT_CERT, "FILE", \
	  "TLS client certificate (PEM)" }, \
	{ "client-key", required_argument, KYSO_OPT_GW_CLIENT_KEY, "FILE|URI", \
	  "its key: PEM file (0600) or pkcs11: URI" }, \
	{ "client-key-pin-source", required_argument, KYSO_OPT_GW_CLIENT_KEY_PIN, "SRC", \
	  "PIN of a pkcs11: client key (env:|file:|fd:|tty)" }, \
	{ "pkcs11-module", required_argument, KYSO_OPT_GW_PKCS11_MODULE, "PATH", \
	  "PKCS#11 module of the client key" }, \
	{ "timeout", required_argument, KYSO_OPT_GW_TIMEOUT, "SECONDS", \
	  "per request (default 30)" }, \
	{ "connect-timeout", required_argument, KYSO_OPT_GW_CONNECT_TIMEOUT, "SECONDS", \
	  "per connection (default 10)" }, \
	{ "retries", required_argument, KYSO_OPT_GW_RETRIES, "N", \
	  "tries after the first on network errors/HTTP 5xx (default 2)" }, \
	{ "expiry-warn-days", required_argument, KYSO_OPT_GW_WARN_DAYS, "DAYS", \
	  "warn when the card ends within (default 30)" }

/* The settings, shared by the command line and kyso.conf's [insurance]. */
enum kyso_gw_setting {
	KYSO_GW_GATEWAY, KYSO_GW_USERNAME, KYSO_GW_FACILITY, KYSO_GW_PASSWORD_SOURCE,
	KYSO_GW_PASSWORD_FILE, KYSO_GW_STAFF_NAME, KYSO_GW_STAFF_ID, KYSO_GW_CACERT,
	KYSO_GW_CLIENT_CERT, KYSO_GW_CLIENT_KEY, KYSO_GW_CLIENT_KEY_PIN, KYSO_GW_PKCS11_MODULE,
	KYSO_GW_TIMEOUT, KYSO_GW_CONNECT_TIMEOUT, KYSO_GW_RETRIES, KYSO_GW_MA_THE_FROM,
	KYSO_GW_WARN_DAYS, KYSO_GW_N
};

struct kyso_gw {
	const char *cli[KYSO_GW_N];     /* command-line values */
	const char *val[KYSO_GW_N];     /* merged values (NULL: not set) */
	const char *config;             /* --config */
	const char *config_path;        /* the kyso.conf read, NULL when none */
	sign_config *cfg;
	sign_insurance_options o;       /* filled by kyso_gw_configure (no password) */
	char facility[64];              /* facility-code, else username without "_BV" */
	unsigned int warn_days;         /* expiry-warn-days, default 30 */
	char error[1024];               /* the last message printed */
};

void kyso_gw_init(struct kyso_gw *g);
/* Release the configuration (NULL-safe members). */
void kyso_gw_done(struct kyso_gw *g);

/* Handle one option from a kyso_parse callback: -1 when val is not a
 * gateway option, else 0. */
int kyso_gw_option(struct kyso_gw *g, int val, const char *arg);

/*
 * Read kyso.conf (--config, $KYSO_CONF, or SYSCONFDIR/kyso.conf when it
 * exists), refusing a password in it and unknown keys in [insurance],
 * merge it under the command line, and check the settings (gateway,
 * account, staff, client certificate and key, timeouts, retries, warning
 * days).  Fills g->o except the password and the client key's PIN and
 * module.  0 or an exit status with the message printed.
 */
int kyso_gw_configure(struct kyso_gw *g);

/*
 * The client: reads the gateway password (and a pkcs11: client key's PIN)
 * from their sources, creates the client (the password is hashed there) and
 * wipes the clear texts.  0 or an exit status with the message printed.
 */
int kyso_gw_client(struct kyso_gw *g, sign_insurance_client **out);

/* The merged value of a setting (NULL when not set). */
const char *kyso_gw_get(const struct kyso_gw *g, enum kyso_gw_setting s);

/* The message of the last failure printed ("" when none). */
const char *kyso_gw_error(const struct kyso_gw *g);

/* Print "kyso <cmd>: MESSAGE", keep it, and return code. */
int kyso_gw_fail(struct kyso_gw *g, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "covered", "not_covered", "auth_error", "gateway_error". */
const char *kyso_gw_class_name(sign_insurance_class c);

/* The desk lines of a result: "BHYT:", "result:" and "note:"; and
 * "card code:", "valid:" (days left), "registered:" and "5 years:". */
void kyso_gw_print_verdict(FILE *fp, const sign_insurance_result *res);
void kyso_gw_print_card(FILE *fp, const sign_insurance_result *res);

/* Drop a UTF-8 character left incomplete at the end of s (text cut to its
 * buffer by snprintf), so that s stays valid UTF-8 for JSON. */
void kyso_gw_utf8_trim(char *s);

/* The warnings a result calls for (expires_soon, expired, not_yet_valid,
 * other_facility, new_card): emit(ud, id, message) for each, in that order.
 * facility is this facility's code ("" when unknown).  message is valid
 * UTF-8 (the gateway's names cut at 2 KiB at most, on a character). */
void kyso_gw_warnings(const sign_insurance_result *res, const char *facility,
    unsigned int warn_days, void (*emit)(void *ud, const char *id, const char *message),
    void *ud);

/* 1 when s is exactly n ASCII digits. */
int kyso_gw_digits(const char *s, size_t n);

/*
 * kyso.conf for a command that is not a gateway client (kyso sign): path
 * (--config) when given, else $KYSO_CONF, else SYSCONFDIR/kyso.conf when it
 * exists, loaded with the same rules (sign_config_load: not writable by
 * others, 0600 when it names secrets).  *cfg NULL when no file applies.
 * 0, or an exit status with the message printed and kept in err.
 */
int kyso_conf_load(sign_config **cfg, const char *path, char *err, size_t cap);

/*
 * The RFC 3161 time-stamp server a signing command uses: cli (--tsa URL)
 * when given; none with no_tsa (--no-tsa); else "tsa" of kyso.conf (in
 * [sign], else the global part) when cfg has it.  *out is NULL when none.
 * 0, or KYSO_EXIT_USAGE (--tsa with --no-tsa, a URL that is not http:// or
 * https://) with the message printed and kept in err.
 */
int kyso_tsa_url(const char **out, const char *cli, int no_tsa, const sign_config *cfg,
    char *err, size_t cap);

/*
 * The CA bundle that verifies the https time-stamp server url (as
 * kyso_tsa_url chose it; url_cli the --tsa value, no_tsa --no-tsa): cli
 * (--tsa-cacert FILE) when given, else "tsa-cacert" (or "tsa_cacert") of
 * kyso.conf ([sign], else the global part).  *out NULL when none: the
 * system's store.  KYSO_EXIT_USAGE for --tsa-cacert without a server (or
 * with --no-tsa), with an http:// server, or both spellings in kyso.conf;
 * kyso.conf's bundle is not used for an http:// server from --tsa (but is
 * refused with one from kyso.conf).  The bundle is then checked
 * (sign_cades_check_sign_opts: it can be read and holds a PEM certificate),
 * before any PIN: its message and kyso_exit_for() status.  The message is
 * printed and kept in err.
 */
int kyso_tsa_cacert(const char **out, const char *cli, const char *url, const char *url_cli,
    int no_tsa, const sign_config *cfg, char *err, size_t cap);

/*
 * Ctrl-C and SIGTERM while a server is asked (the gateway, a time-stamp
 * server): kyso_net_catch() installs a handler that notes the signal and
 * abandons every network request at once (sign_cancel_request: the request
 * fails with SIGN_ERR_CANCELLED within about a second); kyso_net_caught()
 * is the signal taken (0: none); kyso_net_release() puts the previous
 * handlers back.  A signal the process ignores (nohup, a background job)
 * stays ignored.  After the command has said what was not done,
 * kyso_net_exit(sig) ends the process by the signal (exit status 128+sig).
 */
struct kyso_net_signals {
	struct sigaction old_int, old_term;
	int on;
};
void kyso_net_catch(struct kyso_net_signals *s);
int kyso_net_caught(void);
void kyso_net_release(struct kyso_net_signals *s);
void kyso_net_exit(int sig) __attribute__((noreturn));
/* "SIGINT", "SIGTERM", else "a signal". */
const char *kyso_net_signame(int sig);

#endif
