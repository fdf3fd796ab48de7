/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso cert request|import|list|show: certificates and PKCS#10 requests. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "token_cli.h"

int kyso_cmd_cert(int argc, char **argv);

#define WARN_DAYS 30

/* ---- printing a certificate ---------------------------------------------- */

static const char *
status_name(sign_cert_validity v)
{
	switch (v) {
	case SIGN_CERT_VALID: return "valid";
	case SIGN_CERT_EXPIRING: return "expiring";
	case SIGN_CERT_EXPIRED: return "expired";
	case SIGN_CERT_NOT_YET_VALID: return "not-yet-valid";
	}
	return "unknown";
}

/* The warning for a certificate, or NULL; writes into buf. */
static const char *
cert_warning(const sign_cert *c, char *buf, size_t cap)
{
	const sign_cert_info *in = sign_cert_get_info(c);
	time_t now = time(NULL);

	switch (sign_cert_check_time(c, now, WARN_DAYS)) {
	case SIGN_CERT_EXPIRING: {
		long days = (long)((in->not_after - now) / 86400);

		if (days < 1)
			snprintf(buf, cap, "the certificate '%s' expires in less than a day (%s); "
			    "renew it", in->subject, in->not_after_str);
		else
			snprintf(buf, cap, "the certificate '%s' expires in %ld day%s (%s); renew it",
			    in->subject, days, days == 1 ? "" : "s", in->not_after_str);
		return buf;
	}
	case SIGN_CERT_EXPIRED:
		snprintf(buf, cap, "the certificate '%s' expired on %s", in->subject,
		    in->not_after_str);
		return buf;
	case SIGN_CERT_NOT_YET_VALID:
		snprintf(buf, cap, "the certificate '%s' is not valid before %s", in->subject,
		    in->not_before_str);
		return buf;
	default:
		return NULL;
	}
}

static json_t *
cert_json(const sign_cert *c)
{
	const sign_cert_info *in = sign_cert_get_info(c);
	sign_cert_validity v = sign_cert_check_time(c, time(NULL), WARN_DAYS);
	json_t *o = json_object();
	char wbuf[512];
	const char *w = cert_warning(c, wbuf, sizeof(wbuf));

	json_object_set_new(o, "subject", kyso_json_text(in->subject));
	json_object_set_new(o, "issuer", kyso_json_text(in->issuer));
	json_object_set_new(o, "serial", kyso_json_text(in->serial));
	json_object_set_new(o, "not_before", json_string(in->not_before_str));
	json_object_set_new(o, "not_after", json_string(in->not_after_str));
	json_object_set_new(o, "status", json_string(status_name(v)));
	json_object_set_new(o, "days_left",
	    json_integer((json_int_t)((in->not_after - time(NULL)) / 86400)));
	json_object_set_new(o, "key_type", json_string(in->key_type));
	json_object_set_new(o, "key_bits", json_integer(in->key_bits));
	if (in->curve != NULL)
		json_object_set_new(o, "curve", json_string(in->curve));
	json_object_set_new(o, "key_usage", kyso_json_text(in->key_usage_str));
	json_object_set_new(o, "ext_key_usage", kyso_json_text(in->ext_key_usage));
	json_object_set_new(o, "policies", kyso_json_text(in->policies));
	json_object_set_new(o, "sha256", json_string(in->sha256));
	json_object_set_new(o, "ca", json_boolean(in->is_ca));
	json_object_set_new(o, "can_sign", json_boolean(sign_cert_check_signing(c) == 0));
	if (w != NULL)
		json_object_set_new(o, "warning", kyso_json_text(w));
	return o;
}

static void
cert_print(const sign_cert *c, const char *ind)
{
	const sign_cert_info *in = sign_cert_get_info(c);
	sign_cert_validity v = sign_cert_check_time(c, time(NULL), WARN_DAYS);

	printf("%ssubject:       %s\n", ind, in->subject);
	printf("%sissuer:        %s\n", ind, in->issuer);
	printf("%sserial:        %s\n", ind, in->serial);
	printf("%svalid from:    %s\n", ind, in->not_before_str);
	printf("%svalid until:   %s (%s)\n", ind, in->not_after_str,
	    v == SIGN_CERT_EXPIRED ? "EXPIRED" : v == SIGN_CERT_NOT_YET_VALID ?
	    "NOT YET VALID" : v == SIGN_CERT_EXPIRING ? "expires soon" : "valid");
	if (in->curve != NULL)
		printf("%skey:           %s %u (%s)\n", ind, in->key_type, in->key_bits, in->curve);
	else
		printf("%skey:           %s %u\n", ind, in->key_type, in->key_bits);
	printf("%skey usage:     %s%s\n", ind, *in->key_usage_str ? in->key_usage_str : "(none)",
	    sign_cert_check_signing(c) == 0 ? "" : "  [may not sign]");
	printf("%sext key usage: %s\n", ind, *in->ext_key_usage ? in->ext_key_usage : "(none)");
	printf("%spolicies:      %s\n", ind, *in->policies ? in->policies : "(none)");
	printf("%sCA:            %s\n", ind, in->is_ca ? "yes" : "no");
	printf("%sSHA-256:       %s\n", ind, in->sha256);
}

static void
cert_warn(const sign_cert *c)
{
	char wbuf[512];
	const char *w = cert_warning(c, wbuf, sizeof(wbuf));

	if (w != NULL)
		kyso_err("warning: %s", w);
}

/* ---- request ------------------------------------------------------------- */

/*
 * Whether path can take the output, before any PIN is asked: it is a
 * regular file (replaced only with force) or absent, in a directory that
 * can be written.  A symbolic link, FIFO or device is never replaced (the
 * rename would make it a file: as root, -o /dev/stdout replaced the
 * system's).  0 or an exit status (message printed).
 */
static int
out_check(const char *path, int force)
{
	const char *sl = strrchr(path, '/');
	char *dir = NULL;
	struct stat st;
	int e;

	if (lstat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			kyso_err("%s is a directory: name the output file with -o FILE", path);
			return KYSO_EXIT_USAGE;
		}
		if (!S_ISREG(st.st_mode)) {
			kyso_err("%s is not a regular file: it is %s, which the request would "
			    "replace with a file; name another output with -o FILE, or -o - for "
			    "standard output", path, kyso_file_kind(st.st_mode));
			return KYSO_EXIT_USAGE;
		}
		if (!force) {
			kyso_err("%s exists; use --force to replace it", path);
			return KYSO_EXIT_USAGE;
		}
	}
	dir = sl != NULL ? strndup(path, (size_t)(sl - path) + 1) : strdup(".");
	if (dir == NULL) {
		kyso_err("out of memory");
		return KYSO_EXIT_RUNTIME;
	}
	e = access(dir, W_OK | X_OK) == 0 ? 0 : errno;
	if (e != 0)
		kyso_err("cannot write %s: %s: %s; check the output directory", path, dir,
		    strerror(e));
	free(dir);
	return e != 0 ? KYSO_EXIT_RUNTIME : 0;
}

/* Write data to path through a temporary file and rename; refuse to replace
 * an existing file unless force, and anything but a regular file.  Returns 0
 * or an exit status (message printed). */
static int
write_out(const char *path, const void *data, size_t len, int force)
{
	char *tmp = NULL;
	FILE *fp = NULL;
	int fd = -1, rc;

	if ((rc = out_check(path, force)) != 0)
		return rc;
	rc = KYSO_EXIT_RUNTIME;
	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0) {
		tmp = NULL;
		kyso_err("out of memory");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || (fp = fdopen(fd, "wb")) == NULL) {
		kyso_err("cannot write %s: %s; check the output directory", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out_rm;
	}
	if (fwrite(data, 1, len, fp) != len || fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		kyso_err("cannot write %s: %s; %s", path, strerror(errno), errno == ENOSPC ||
		    errno == EDQUOT ? "free some space, or write elsewhere with -o FILE" :
		    "check the output directory");
		fclose(fp);
		goto out_rm;
	}
	fclose(fp);
	chmod(tmp, 0644);
	if (force ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
		if (errno == EEXIST) {
			kyso_err("%s exists (it appeared meanwhile); use --force to replace it", path);
			rc = KYSO_EXIT_USAGE;
		} else {
			kyso_err("cannot write %s: %s; check the output directory", path,
			    strerror(errno));
		}
		goto out_rm;
	}
	rc = 0;
	if (force)
		goto out;
out_rm:
	unlink(tmp);
out:
	free(tmp);
	return rc;
}

static int
cert_request(int argc, char **argv)
{
	static const char usage[] = "kyso cert request --key URI --subject SUBJECT [-o FILE] "
	    "[--force] [--md sha256|sha384|sha512] [--module PATH] [--pin-source SRC]";
	static const struct kyso_opt opts[] = {
		{ "key", required_argument, OPT_KEY, "URI", "the private key on the token" },
		{ "subject", required_argument, OPT_SUBJECT, "SUBJECT",
		  "/C=VN/O=.../CN=Nguyễn Văn An, as for openssl req -subj (\\/ a slash, + a "
		  "multi-valued RDN; UTF8String)" },
		{ "out", required_argument, 'o', "FILE", "write the PEM request to FILE "
		  "(- or no -o: to stdout)" },
		{ "force", no_argument, OPT_FORCE, NULL, "replace FILE if it exists" },
		{ "md", required_argument, OPT_MD, "HASH", "sha256 (default), sha384, sha512" },
		{ "module", required_argument, OPT_MODULE, "PATH", "PKCS#11 module" },
		KYSO_PIN_OPTIONS,
		{ NULL, 0, 0, NULL, NULL }
	};
	struct kyso_token_args a;
	sign_signer *signer = NULL;
	sign_token *tok = NULL;
	sign_buf pem = SIGN_BUF_INIT;
	sign_md md = SIGN_MD_SHA256;
	int rc, optind_;

	memset(&a, 0, sizeof(a));
	rc = kyso_parse(argc, argv, usage, opts, kyso_token_opt, &a, &optind_);
	if (rc != 0)
		return rc;
	if (optind_ < argc)
		return kyso_usage_fail(NULL, "too many arguments (see --help)");
	if (a.key == NULL || a.subject == NULL)
		return kyso_usage_fail(NULL, "--key and --subject are required");
	if ((rc = kyso_pin_check_uri(a.key)) != 0)
		return rc;
	if ((rc = kyso_md_option(&md, a.md, NULL)) != 0)
		return rc;
	if (a.out != NULL && strcmp(a.out, "-") == 0)
		a.out = NULL;   /* -o -: standard output, as without -o */
	if (a.out != NULL && (rc = out_check(a.out, a.force)) != 0)
		return rc;
	rc = kyso_token_login_open(&tok, a.key, a.module, 0, &a.pin);
	if (rc == 0)
		rc = sign_token_key_signer(&signer, tok, a.key);
	if (rc == 0)
		rc = sign_cert_request(&pem, signer, a.subject, md, SIGN_SCHEME_AUTO);
	sign_signer_free(signer);
	sign_token_free(tok);
	if (rc != 0)
		return kyso_pin_fail(&a.pin, rc);
	if (a.out != NULL)
		rc = write_out(a.out, pem.data, pem.len, a.force);
	else
		fwrite(pem.data, 1, pem.len, stdout);
	sign_buf_dispose(&pem);
	return rc;
}

/* ---- import -------------------------------------------------------------- */

/* Whether the token's certificates objs include c. */
static int
on_token(const sign_token_objects *objs, const sign_cert *c)
{
	const unsigned char *der;
	size_t len, i;

	if (sign_cert_der(c, &der, &len) != 0)
		return 0;
	for (i = 0; i < sign_token_objects_count(objs); i++) {
		const sign_token_object *o = sign_token_objects_get(objs, i);

		if (o->cert_len == len && memcmp(o->cert_der, der, len) == 0)
			return 1;
	}
	return 0;
}

static void
add_warning(json_t *arr, const char *w)
{
	kyso_err("warning: %s", w);
	json_array_append_new(arr, kyso_json_text(w));
}

/*
 * After an import: what the user should know about the certificates of the
 * files paths (NULL-terminated): one left out (no key on the token for it,
 * and not a CA certificate), and of those stored for keys, one that may not
 * sign documents, one expired, expiring or not yet valid.  Printed on
 * stderr; returned as a JSON array of the same lines.
 */
static json_t *
import_warnings(sign_token *tok, const char *const *paths)
{
	sign_token_objects *objs = NULL;
	sign_cert_list *list = NULL;
	json_t *arr = json_array();
	char buf[600];
	size_t i;

	if (sign_token_objects_new(&objs, tok, SIGN_TOKEN_OBJ_CERT, NULL) != 0)
		return arr;
	for (; *paths != NULL; paths++) {
		if (sign_cert_list_from_file(&list, *paths) != 0)
			continue;
		for (i = 0; i < sign_cert_list_count(list); i++) {
			const sign_cert *c = sign_cert_list_get(list, i);
			const sign_cert_info *in = sign_cert_get_info(c);
			const char *w;

			if (!on_token(objs, c)) {
				snprintf(buf, sizeof(buf), "the certificate '%s' of %s was not stored: "
				    "no key on the token matches it and it is not a CA certificate",
				    in->subject, *paths);
				add_warning(arr, buf);
				continue;
			}
			if (in->is_ca)
				continue;
			if (sign_cert_check_signing(c) != 0) {
				snprintf(buf, sizeof(buf), "the certificate '%s' is not for signing "
				    "(key usage: %s); kyso sign will not use it", in->subject,
				    in->key_usage_str);
				add_warning(arr, buf);
			}
			w = cert_warning(c, buf, sizeof(buf));
			if (w != NULL)
				add_warning(arr, w);
		}
		sign_cert_list_free(list);
		list = NULL;
	}
	sign_token_objects_free(objs);
	return arr;
}

static int
cert_import(int argc, char **argv)
{
	static const char usage[] = "kyso cert import --token URI --in CERT [--chain FILE] "
	    "[--pin-source SRC] [--json]";
	static const struct kyso_opt opts[] = {
		{ "token", required_argument, OPT_TOKEN, "URI", "the token holding the key" },
		{ "in", required_argument, OPT_IN, "FILE", "the certificate (PEM or DER)" },
		{ "chain", required_argument, OPT_CHAIN, "FILE",
		  "CA certificates to store too (PEM)" },
		{ "module", required_argument, OPT_MODULE, "PATH", "PKCS#11 module" },
		KYSO_PIN_OPTIONS,
		{ "json", no_argument, OPT_JSON, NULL, "print one JSON object" },
		{ NULL, 0, 0, NULL, NULL }
	};
	struct kyso_token_args a;
	sign_token *tok = NULL;
	sign_buf uri = SIGN_BUF_INIT;
	json_t *out = NULL, *warnings = NULL;
	int rc, optind_;

	memset(&a, 0, sizeof(a));
	rc = kyso_parse(argc, argv, usage, opts, kyso_token_opt, &a, &optind_);
	if (rc != 0)
		return rc;
	if (a.json)
		out = json_object();
	if (optind_ < argc)
		return kyso_usage_fail(out, "too many arguments (see --help)");
	if (a.token == NULL || a.in == NULL)
		return kyso_usage_fail(out, "--token and --in are required");
	if (kyso_uri_check_json(a.token, out) != 0)
		return KYSO_EXIT_USAGE;
	rc = kyso_token_login_open(&tok, a.token, a.module, SIGN_TOKEN_OPEN_RW, &a.pin);
	if (rc == 0)
		rc = sign_token_import_cert(&uri, tok, a.in, a.chain);
	if (rc == 0) {
		const char *paths[] = { a.in, a.chain, NULL };

		warnings = import_warnings(tok, paths);
	}
	sign_token_free(tok);
	if (rc != 0)
		return kyso_pin_fail_json(&a.pin, rc, out);
	if (out != NULL) {
		json_object_set_new(out, "ok", json_true());
		json_object_set_new(out, "uri", kyso_json_text((const char *)uri.data));
		if (json_array_size(warnings) > 0)
			json_object_set(out, "warnings", warnings);
		kyso_json_emit(out, 1);
	} else {
		printf("%s\n", (const char *)uri.data);
	}
	json_decref(warnings);
	sign_buf_dispose(&uri);
	return 0;
}

/* ---- list and show ------------------------------------------------------- */

/* Print (or add to arr) the certificates on the token that uri names. */
static int
token_certs(const char *uri, const char *module, json_t *arr, size_t *count)
{
	sign_token_options o = SIGN_TOKEN_OPTIONS_INIT;
	sign_token *tok = NULL;
	sign_token_objects *objs = NULL;
	sign_cert *c = NULL;
	size_t i;
	int rc;

	*count = 0;
	o.module = module;
	rc = sign_token_open(&tok, uri, &o);
	if (rc == 0)
		rc = sign_token_objects_new(&objs, tok, SIGN_TOKEN_OBJ_CERT, uri);
	for (i = 0; rc == 0 && i < sign_token_objects_count(objs); i++) {
		const sign_token_object *ob = sign_token_objects_get(objs, i);
		char *hex = kyso_hex(ob->id, ob->id_len);

		if (sign_cert_from_der(&c, ob->cert_der, ob->cert_len) != 0) {
			kyso_err("warning: certificate '%s' on the token is malformed; skipped",
			    ob->label);
			free(hex);
			continue;
		}
		if (arr != NULL) {
			json_t *j = cert_json(c);

			json_object_set_new(j, "label", kyso_json_text(ob->label));
			json_object_set_new(j, "id", json_string(hex != NULL ? hex : ""));
			json_object_set_new(j, "uri", kyso_json_text(ob->uri));
			json_array_append_new(arr, j);
		} else {
			printf("%s%s (id %s)\n", *count ? "\n" : "", kyso_shown(ob->label),
			    hex != NULL ? hex : "");
			printf("  uri:           %s\n", ob->uri);
			cert_print(c, "  ");
		}
		cert_warn(c);
		sign_cert_free(c);
		c = NULL;
		free(hex);
		(*count)++;
	}
	sign_token_objects_free(objs);
	sign_token_free(tok);
	return rc;
}

static int
cert_list(int argc, char **argv)
{
	static const char usage[] = "kyso cert list --token URI [--json]";
	static const struct kyso_opt opts[] = {
		{ "token", required_argument, OPT_TOKEN, "URI", "the token" },
		{ "module", required_argument, OPT_MODULE, "PATH", "PKCS#11 module" },
		{ "json", no_argument, OPT_JSON, NULL, "print one JSON object" },
		{ NULL, 0, 0, NULL, NULL }
	};
	struct kyso_token_args a;
	json_t *out = NULL, *arr = NULL;
	size_t n;
	int rc, optind_;

	memset(&a, 0, sizeof(a));
	rc = kyso_parse(argc, argv, usage, opts, kyso_token_opt, &a, &optind_);
	if (rc != 0)
		return rc;
	if (a.json)
		out = json_object();
	if (optind_ < argc || a.token == NULL)
		return kyso_usage_fail(out, "--token URI is required (see --help)");
	if (kyso_uri_check_json(a.token, out) != 0)
		return KYSO_EXIT_USAGE;
	if (a.json)
		arr = json_array();
	rc = token_certs(a.token, a.module, arr, &n);
	if (rc != 0) {
		json_decref(arr);
		return kyso_pin_fail_json(NULL, rc, out);
	}
	if (out != NULL) {
		json_object_set_new(out, "ok", json_true());
		json_object_set_new(out, "certificates", arr);
		kyso_json_emit(out, 1);
	} else if (n == 0) {
		printf("no certificate\n");
	}
	return 0;
}

static int
cert_show(int argc, char **argv)
{
	static const char usage[] = "kyso cert show [--json] FILE|PKCS11-URI";
	static const struct kyso_opt opts[] = {
		{ "module", required_argument, OPT_MODULE, "PATH", "PKCS#11 module (for a URI)" },
		{ "json", no_argument, OPT_JSON, NULL, "print one JSON object" },
		{ NULL, 0, 0, NULL, NULL }
	};
	struct kyso_token_args a;
	sign_cert_list *list = NULL;
	json_t *out = NULL, *arr = NULL;
	const char *what;
	size_t n, i;
	int rc, optind_;

	memset(&a, 0, sizeof(a));
	rc = kyso_parse(argc, argv, usage, opts, kyso_token_opt, &a, &optind_);
	if (rc != 0)
		return rc;
	if (a.json)
		out = json_object();
	if (optind_ + 1 != argc)
		return kyso_usage_fail(out, "name one certificate file or pkcs11: URI (see --help)");
	what = argv[optind_];
	if (strncmp(what, "pkcs11:", 7) == 0) {
		if (kyso_uri_check_json(what, out) != 0)
			return KYSO_EXIT_USAGE;
		if (out != NULL)
			arr = json_array();
		rc = token_certs(what, a.module, arr, &n);
		if (rc == 0 && n == 0) {
			kyso_err("no certificate matches %s (see kyso cert list)", what);
			json_decref(arr);
			return kyso_json_fail(out, KYSO_EXIT_DATA, "no certificate matches the URI");
		}
		if (rc != 0) {
			json_decref(arr);
			return kyso_pin_fail_json(NULL, rc, out);
		}
		if (out != NULL) {
			json_object_set_new(out, "ok", json_true());
			json_object_set_new(out, "certificates", arr);
			kyso_json_emit(out, 1);
		}
		return 0;
	}
	{
		/* a file that cannot be opened: the cause and what to give */
		int fd = open(what, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		char msg[1024];

		if (fd < 0) {
			snprintf(msg, sizeof(msg), "%s: %s; name a certificate file (PEM or DER) "
			    "or a pkcs11: URI", what, strerror(errno));
			kyso_err("%s", msg);
			return kyso_json_fail(out, KYSO_EXIT_DATA, msg);
		}
		close(fd);
	}
	rc = sign_cert_list_from_file(&list, what);
	if (rc != 0)
		return kyso_pin_fail_json(NULL, rc, out);
	n = sign_cert_list_count(list);
	if (out != NULL)
		arr = json_array();
	for (i = 0; i < n; i++) {
		const sign_cert *c = sign_cert_list_get(list, i);

		if (arr != NULL) {
			json_array_append_new(arr, cert_json(c));
		} else if (n == 1) {
			cert_print(c, "");
		} else {
			printf("%scertificate %zu of %zu\n", i > 0 ? "\n" : "", i + 1, n);
			cert_print(c, "  ");
		}
		cert_warn(c);
	}
	if (out != NULL) {
		/* "certificate": the first (the one a single-certificate file holds). */
		json_object_set_new(out, "ok", json_true());
		json_object_set(out, "certificate", json_array_get(arr, 0));
		json_object_set_new(out, "certificates", arr);
		kyso_json_emit(out, 1);
	}
	sign_cert_list_free(list);
	return 0;
}

static const char cert_usage[] =
	"kyso cert request --key URI --subject SUBJECT [-o FILE] [--force] [--md HASH]\n"
	"           [--module PATH] [--pin-source SRC]\n"
	"       kyso cert import --token URI --in CERT [--chain FILE] [--pin-source SRC] [--json]\n"
	"       kyso cert list --token URI [--json]\n"
	"       kyso cert show [--json] FILE|PKCS11-URI\n"
	"  certification requests signed on the token, certificates on tokens and in files\n"
	"  (see kyso-cert(1))";

int
kyso_cmd_cert(int argc, char **argv)
{
	static const struct kyso_subcmd tab[] = {
		{ "request", cert_request },
		{ "import", cert_import },
		{ "list", cert_list },
		{ "show", cert_show },
		{ NULL, NULL }
	};

	return kyso_subcmd_run(argc, argv, cert_usage, "cert", tab);
}
