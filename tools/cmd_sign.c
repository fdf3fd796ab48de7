/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso sign: CAdES-B-B signatures of files with a key on a PKCS#11 token. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libsign/cades.h>
#include <libsign/cancel.h>
#include <libsign/cert.h>
#include "dirlist.h"
#include "gateway_opts.h"
#include "pin.h"

int kyso_cmd_sign(int argc, char **argv);

enum { OPT_KEY = 256, OPT_CERT, OPT_CHAIN, OPT_FORCE, OPT_ENVELOPING, OPT_PSS,
	OPT_DIGEST, OPT_MODULE, OPT_JSON, OPT_TSA, OPT_NO_TSA, OPT_CONFIG, OPT_TSA_CACERT,
	OPT_SESSIONS };

static const char usage[] =
    "kyso sign --key URI [--cert URI|FILE] [--chain FILE] [--pin-source SRC]\n"
    "       [--force-last-try] [-o OUT] [--force] [--enveloping] [--pss]\n"
    "       [--digest sha256|sha384|sha512] [--tsa URL|--no-tsa] [--tsa-cacert FILE]\n"
    "       [--sessions N] [--config FILE] [--module PATH] [--json] FILE...";

static const struct kyso_opt opts[] = {
	{ "key", required_argument, OPT_KEY, "URI", "the private key (pkcs11:token=...;object=...)" },
	{ "cert", required_argument, OPT_CERT, "URI|FILE",
	  "signer certificate (default: the token's, same CKA_ID)" },
	{ "chain", required_argument, OPT_CHAIN, "FILE", "CA certificates to embed (PEM or DER)" },
	KYSO_PIN_OPTIONS,
	{ "output", required_argument, 'o', "OUT", "output for a single FILE "
	  "(default FILE.p7s)" },
	{ "force", no_argument, OPT_FORCE, NULL, "replace existing outputs" },
	{ "enveloping", no_argument, OPT_ENVELOPING, NULL, "embed the content (attached signature)" },
	{ "pss", no_argument, OPT_PSS, NULL, "RSA-PSS instead of PKCS#1 v1.5 (RSA keys)" },
	{ "digest", required_argument, OPT_DIGEST, "MD", "sha256 (default), sha384 or sha512" },
	{ "tsa", required_argument, OPT_TSA, "URL",
	  "an RFC 3161 time-stamp server: each signature gets a signature time-stamp (CAdES-T) "
	  "(default: tsa in kyso.conf)" },
	{ "no-tsa", no_argument, OPT_NO_TSA, NULL, "no time-stamp, even when kyso.conf names a server" },
	{ "tsa-cacert", required_argument, OPT_TSA_CACERT, "FILE",
	  "CA bundle (PEM) that alone verifies an https time-stamp server "
	  "(default: tsa-cacert in kyso.conf, else the system store)" },
	{ "sessions", required_argument, OPT_SESSIONS, "N",
	  "token sessions signing at once, 1 to 4 (default: one per CPU, up to 4, once the "
	  "token shows it is fast: an HSM or a software token; a smart card keeps one)" },
	{ "config", required_argument, OPT_CONFIG, "FILE",
	  "configuration file for tsa, tsa-cacert (default $KYSO_CONF, SYSCONFDIR/kyso.conf)" },
	{ "module", required_argument, OPT_MODULE, "PATH", "PKCS#11 module" },
	{ "json", no_argument, OPT_JSON, NULL, "print one JSON object" },
	{ NULL, 0, 0, NULL, NULL }
};

struct sign_args {
	const char *key, *cert, *chain, *output, *digest, *module, *tsa, *config, *tsa_cacert;
	const char *sessions;
	int force, enveloping, pss, json, no_tsa;
	struct kyso_pin pin;
};

static int
sign_opt(int val, const char *arg, void *ud)
{
	struct sign_args *a = ud;
	int rc = kyso_pin_option(&a->pin, val, arg);

	if (rc >= 0)
		return rc;
	switch (val) {
	case OPT_KEY: a->key = arg; return 0;
	case OPT_CERT: a->cert = arg; return 0;
	case OPT_CHAIN: a->chain = arg; return 0;
	case 'o': a->output = arg; return 0;
	case OPT_FORCE: a->force = 1; return 0;
	case OPT_ENVELOPING: a->enveloping = 1; return 0;
	case OPT_PSS: a->pss = 1; return 0;
	case OPT_DIGEST: a->digest = arg; return 0;
	case OPT_MODULE: a->module = arg; return 0;
	case OPT_TSA: a->tsa = arg; return 0;
	case OPT_NO_TSA: a->no_tsa = 1; return 0;
	case OPT_CONFIG: a->config = arg; return 0;
	case OPT_TSA_CACERT: a->tsa_cacert = arg; return 0;
	case OPT_SESSIONS: a->sessions = arg; return 0;
	case OPT_JSON: a->json = 1; return 0;
	}
	return KYSO_EXIT_USAGE;
}

/* The --json object for a failure: "ok": false, "error", "exit". */
static int
finish_fail(json_t *out, int code, const char *msg)
{
	if (out != NULL) {
		json_object_set_new(out, "ok", json_false());
		json_object_set_new(out, "error", kyso_json_text(msg));
		json_object_set_new(out, "exit", json_integer(code));
		kyso_json_emit(out, 1);
	}
	return code;
}

static int
usage_fail(json_t *out, const char *msg)
{
	kyso_err("%s", msg);
	return finish_fail(out, KYSO_EXIT_USAGE, msg);
}

/* A library failure: message on stderr, exit status, and the JSON object. */
static int
lib_fail(json_t *out, const struct kyso_pin *pin, int rc)
{
	const char *msg = sign_error_last() == rc ? sign_error_message() : sign_strerror(rc);
	char *copy = strdup(msg);
	int code = pin != NULL ? kyso_pin_fail(pin, rc) : kyso_fail(rc);

	code = finish_fail(out, code, copy != NULL ? copy : sign_strerror(rc));
	free(copy);
	return code;
}

static char *
out_name(const char *in, const char *output)
{
	size_t n;
	char *s;

	if (output != NULL)
		return strdup(output);
	n = strlen(in) + 5;
	s = malloc(n);
	if (s != NULL)
		snprintf(s, n, "%s.p7s", in);
	return s;
}

/* The signer's name for messages: the certificate's CN, else its subject. */
static char *
signer_name(const sign_cert_info *ci, char **serial)
{
	const char *cn = strstr(ci->subject, "CN=");
	char *s = strdup(cn != NULL ? cn + 3 : ci->subject);

	if (s != NULL && cn != NULL)
		s[strcspn(s, ",")] = '\0';
	*serial = strdup(ci->serial);
	return s;
}

/*
 * A signature made with a certificate that is not valid now does not verify
 * (ETSI EN 319 102-1: INDETERMINATE, OUT_OF_BOUNDS_NO_POE or NOT_YET_VALID):
 * refused before anything is signed.  0, or an exit status with msg set.
 * One that ends within 30 days is used, with a warning (as cert show).
 */
static int
check_validity(const sign_cert_info *ci, const sign_cert *c, const char *name,
    char *msg, size_t cap)
{
	switch (sign_cert_check_time(c, time(NULL), 30)) {
	case SIGN_CERT_EXPIRING:
		fprintf(stderr, "%s: warning: the certificate of %s (serial %s) expires on %s: "
		    "ask for its renewal\n", kyso_progname, name, ci->serial, ci->not_after_str);
		return 0;
	case SIGN_CERT_EXPIRED:
		snprintf(msg, cap, "the certificate of %s (serial %s) expired on %s: its "
		    "signatures would not verify (INDETERMINATE/OUT_OF_BOUNDS_NO_POE); renew it "
		    "or sign with another key", name, ci->serial, ci->not_after_str);
		return KYSO_EXIT_USAGE;
	case SIGN_CERT_NOT_YET_VALID:
		snprintf(msg, cap, "the certificate of %s (serial %s) is not valid before %s: "
		    "its signatures would not verify (INDETERMINATE/NOT_YET_VALID); wait, or sign "
		    "with another key", name, ci->serial, ci->not_before_str);
		return KYSO_EXIT_USAGE;
	default:
		return 0;
	}
}

/* The check of every input and output, run beside the module's loading. */
struct precheck {
	char *const *in;
	char **outs;
	int nexist;                 /* outputs that are regular files now */
	int n, force, enveloping;
	const char *output;
	const char *chain_path;     /* --chain, read here */
	const char *cert_path;      /* --cert FILE, checked here */
	sign_chain *chain;
	int code;                   /* 0, or the exit status of the first failure */
	char msg[600];
};

/* Length of the directory part of path, its final '/' included (0: none). */
static size_t
dir_part(const char *path)
{
	const char *sl = strrchr(path, '/');

	return sl != NULL ? (size_t)(sl - path) + 1 : 0;
}

/* Many files in one directory are checked against one listing of it. */
static struct kyso_dirlist *
list_dir(const struct precheck *pc)
{
	struct kyso_dirlist *l = NULL;
	size_t len;
	int i;

	if (pc->n < 16 || pc->output != NULL)
		return NULL;
	len = dir_part(pc->in[0]);
	for (i = 1; i < pc->n; i++)
		if (dir_part(pc->in[i]) != len || strncmp(pc->in[i], pc->in[0], len) != 0)
			return NULL;
	return kyso_dirlist_open(&l, pc->in[0], len) == 0 ? l : NULL;
}

enum { IN_MISSING = 0, IN_OK = 1, IN_DIR = -1, IN_NOT_REGULAR = -2 };

/*
 * IN_OK when path is a file that can be read (as far as the listing or
 * stat() tell), IN_MISSING, IN_DIR, or IN_NOT_REGULAR (a pipe or device
 * where regular is asked for).  A name the listing shows as a regular file
 * needs no stat(); anything else (absent, a symbolic link, a type the file
 * system does not give) is stat()ed.
 */
static int
input_ok(const char *path, const struct kyso_dirlist *l, int regular)
{
	unsigned char t = DT_UNKNOWN;
	struct stat st;

	if (l != NULL && kyso_dirlist_find(l, path + dir_part(path), &t) && t == DT_REG)
		return IN_OK;
	if (stat(path, &st) != 0)
		return IN_MISSING;
	if (S_ISDIR(st.st_mode))
		return IN_DIR;
	return regular && !S_ISREG(st.st_mode) ? IN_NOT_REGULAR : IN_OK;
}

enum { OUT_NONE = 0, OUT_FILE, OUT_DIR, OUT_TOO_LONG, OUT_SPECIAL };

/*
 * What is at path now: nothing, a regular file, a directory, anything else
 * (OUT_SPECIAL, *kind set: a symbolic link, even dangling, a FIFO, a
 * device, which an output put in place by rename would replace with a
 * file: -o /dev/stdout as root replaced the system's); OUT_TOO_LONG when
 * its name cannot be created.  lstat(): the name itself, not what it
 * points to.
 */
static int
output_state(const char *path, const struct kyso_dirlist *l, const char **kind)
{
	unsigned char t = DT_UNKNOWN;
	struct stat st;

	if (strlen(path + dir_part(path)) > NAME_MAX)
		return OUT_TOO_LONG;
	if (l != NULL) {
		if (!kyso_dirlist_find(l, path + dir_part(path), &t))
			return OUT_NONE;
		if (t == DT_DIR)
			return OUT_DIR;
		if (t == DT_REG)
			return OUT_FILE;
	}
	if (lstat(path, &st) != 0)
		return errno == ENAMETOOLONG ? OUT_TOO_LONG : OUT_NONE;
	if (S_ISDIR(st.st_mode))
		return OUT_DIR;
	if (S_ISREG(st.st_mode))
		return OUT_FILE;
	*kind = kyso_file_kind(st.st_mode);
	return OUT_SPECIAL;
}

/*
 * The directory of out can take new files.  *last is the directory checked
 * before (its length in *last_len): outputs side by side are checked once.
 */
static int
outdir_ok(struct precheck *pc, const char *out, const char **last, size_t *last_len)
{
	size_t len = dir_part(out);
	char *dir;
	int e = 0;

	if (*last != NULL && len == *last_len && strncmp(out, *last, len) == 0)
		return 0;
	dir = len > 0 ? strndup(out, len) : strdup(".");
	if (dir == NULL) {
		snprintf(pc->msg, sizeof(pc->msg), "out of memory");
		pc->code = KYSO_EXIT_RUNTIME;
		return -1;
	}
	if (access(dir, W_OK | X_OK) != 0)
		e = errno;
	if (e != 0) {
		snprintf(pc->msg, sizeof(pc->msg), "cannot write %s: %s: %s; check the output "
		    "directory", out, dir, strerror(e));
		pc->code = KYSO_EXIT_RUNTIME;
	}
	free(dir);
	*last = out;
	*last_len = len;
	return e != 0 ? -1 : 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* p without "." components and repeated slashes ("./a.txt" and "a.txt",
 * "d//./a" and "d/a" are one file); malloc'd.  ".." is kept: through a
 * symbolic link it is not the parent a lexical rule would take. */
static char *
norm_path(const char *p)
{
	char *o = malloc(strlen(p) + 1), *q = o;
	const char *c = p, *e;

	if (o == NULL)
		return NULL;
	if (*c == '/')
		*q++ = '/';
	while (*c != '\0') {
		while (*c == '/')
			c++;
		e = strchr(c, '/');
		if (e == NULL)
			e = c + strlen(c);
		if (e > c && !(e - c == 1 && *c == '.')) {
			if (q > o && q[-1] != '/')
				*q++ = '/';
			memcpy(q, c, (size_t)(e - c));
			q += e - c;
		}
		c = e;
	}
	*q = '\0';
	return o;
}

/* An output by its directory's identity and its name. */
struct outid {
	dev_t dev;
	ino_t ino;
	const char *base;
	int idx;
};

static int
cmp_outid(const void *a, const void *b)
{
	const struct outid *x = a, *y = b;
	int c;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if ((c = strcmp(x->base, y->base)) != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Outputs in directories spelt differently ("d/../a.txt.p7s" and
 * "a.txt.p7s"; a directory and a symbolic link to it) are one file when the
 * directories are one and the names the same.  Outputs all in one directory,
 * spelt one way, need no look: the names alone tell.
 */
static void
no_twice_dirs(struct precheck *pc)
{
	struct outid *v;
	struct stat st;
	size_t len0 = dir_part(pc->outs[0]), len;
	char *dir;
	int i;

	for (i = 1; i < pc->n; i++)
		if (dir_part(pc->outs[i]) != len0 || strncmp(pc->outs[i], pc->outs[0], len0) != 0)
			break;
	if (i == pc->n)
		return;
	v = calloc((size_t)pc->n, sizeof(*v));
	for (i = 0; v != NULL && i < pc->n; i++) {
		len = dir_part(pc->outs[i]);
		dir = len > 0 ? strndup(pc->outs[i], len) : strdup(".");
		if (dir == NULL)
			break;
		if (stat(dir, &st) != 0)      /* it was writable a moment ago */
			memset(&st, 0, sizeof(st));
		free(dir);
		v[i].dev = st.st_dev;
		v[i].ino = st.st_ino;
		v[i].base = pc->outs[i] + len;
		v[i].idx = i;
	}
	if (v == NULL || i < pc->n) {
		snprintf(pc->msg, sizeof(pc->msg), "out of memory");
		pc->code = KYSO_EXIT_RUNTIME;
		free(v);
		return;
	}
	qsort(v, (size_t)pc->n, sizeof(*v), cmp_outid);
	for (i = 1; i < pc->n; i++) {
		if (v[i].ino != 0 && v[i - 1].dev == v[i].dev && v[i - 1].ino == v[i].ino &&
		    strcmp(v[i - 1].base, v[i].base) == 0) {
			snprintf(pc->msg, sizeof(pc->msg), "%s and %s are one file (through '..' "
			    "or a symbolic link): name each file once", pc->outs[v[i - 1].idx],
			    pc->outs[v[i].idx]);
			pc->code = KYSO_EXIT_USAGE;
			break;
		}
	}
	free(v);
}

/* The same output twice (the same file named twice, perhaps spelt two
 * ways): refused. */
static int
no_twice(struct precheck *pc)
{
	char **v;
	int i, n = 0;

	if (pc->n < 2)
		return 0;
	v = calloc((size_t)pc->n, sizeof(*v));
	for (i = 0; v != NULL && i < pc->n && (v[i] = norm_path(pc->outs[i])) != NULL; i++)
		n++;
	if (v == NULL || n < pc->n) {
		snprintf(pc->msg, sizeof(pc->msg), "out of memory");
		pc->code = KYSO_EXIT_RUNTIME;
		goto out;
	}
	qsort(v, (size_t)pc->n, sizeof(*v), cmp_str);
	for (i = 1; i < pc->n; i++) {
		if (strcmp(v[i - 1], v[i]) == 0) {
			snprintf(pc->msg, sizeof(pc->msg), "%.*s is named twice: name each file "
			    "once", (int)(strlen(v[i]) - 4), v[i]);
			pc->code = KYSO_EXIT_USAGE;
			break;
		}
	}
	if (pc->code == 0)
		no_twice_dirs(pc);
out:
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return pc->code != 0 ? -1 : 0;
}

/*
 * An output of the run that is also an input of it (kyso sign --force *,
 * with a.txt.p7s there): replaced within the batch, its own signature would
 * sign bytes that are gone.  The batch refuses it too; here before the PIN.
 * Only an output that exists can be an input: none, nothing to look at.
 */
static void
no_in_out(struct precheck *pc)
{
	size_t bad;
	int rc;

	if (pc->nexist == 0)
		return;
	rc = sign_cades_check_outputs((const char *const *)pc->in,
	    (const char *const *)pc->outs, (size_t)pc->n, &bad);
	if (rc != 0) {
		snprintf(pc->msg, sizeof(pc->msg), "%s", sign_error_message());
		pc->code = kyso_exit_for(rc);
	}
}

static void *
precheck_run(void *arg)
{
	struct precheck *pc = arg;
	struct kyso_dirlist *l = list_dir(pc);
	const char *last = NULL;
	size_t last_len = 0;
	struct stat st, ost;
	sign_cert *c = NULL;
	const char *kind = NULL;
	int i, ok, rc;

	for (i = 0; i < pc->n; i++) {
		const char *in = pc->in[i];

		if ((ok = input_ok(in, l, pc->enveloping)) != IN_OK) {
			if (ok == IN_NOT_REGULAR) {
				snprintf(pc->msg, sizeof(pc->msg), "%s is not a regular file: an "
				    "enveloping signature reads its input twice; sign it detached",
				    in);
				pc->code = KYSO_EXIT_USAGE;
				break;
			}
			snprintf(pc->msg, sizeof(pc->msg), "cannot read %s: %s; check the file name",
			    in, ok == IN_DIR ? "a directory" : strerror(errno));
			pc->code = KYSO_EXIT_DATA;
			break;
		}
		pc->outs[i] = out_name(in, pc->output);
		if (pc->outs[i] == NULL) {
			snprintf(pc->msg, sizeof(pc->msg), "out of memory");
			pc->code = KYSO_EXIT_RUNTIME;
			break;
		}
		switch (output_state(pc->outs[i], l, &kind)) {
		case OUT_TOO_LONG:
			snprintf(pc->msg, sizeof(pc->msg), "the output name %s is too long for the "
			    "file system: sign %s alone with -o OUT", pc->outs[i], in);
			pc->code = KYSO_EXIT_USAGE;
			break;
		case OUT_DIR:
			snprintf(pc->msg, sizeof(pc->msg), "%s is a directory: name the output "
			    "file with -o OUT", pc->outs[i]);
			pc->code = KYSO_EXIT_USAGE;
			break;
		case OUT_SPECIAL:
			snprintf(pc->msg, sizeof(pc->msg), "%s is not a regular file: it is %s, "
			    "which the signature would replace with a file; name another output "
			    "with -o OUT", pc->outs[i], kind);
			pc->code = KYSO_EXIT_USAGE;
			break;
		case OUT_FILE:
			pc->nexist++;
			/* -o naming the input itself: no --force may help */
			if (pc->output != NULL && stat(in, &st) == 0 &&
			    stat(pc->output, &ost) == 0 && st.st_dev == ost.st_dev &&
			    st.st_ino == ost.st_ino) {
				snprintf(pc->msg, sizeof(pc->msg), "the output %s is the input "
				    "file: choose another output", pc->output);
				pc->code = KYSO_EXIT_USAGE;
			} else if (!pc->force) {
				snprintf(pc->msg, sizeof(pc->msg),
				    "%s already exists; use --force to replace it", pc->outs[i]);
				pc->code = KYSO_EXIT_USAGE;
			}
			break;
		}
		if (pc->code != 0 || outdir_ok(pc, pc->outs[i], &last, &last_len) != 0)
			break;
	}
	kyso_dirlist_free(l);
	if (pc->code == 0)
		no_twice(pc);
	if (pc->code == 0)
		no_in_out(pc);
	/* --cert FILE: readable and a certificate, before any PIN is asked. */
	if (pc->code == 0 && pc->cert_path != NULL && strncmp(pc->cert_path, "pkcs11:", 7) != 0) {
		if (stat(pc->cert_path, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(pc->msg, sizeof(pc->msg), "cannot read %s: a directory; check "
			    "the --cert file name", pc->cert_path);
			pc->code = KYSO_EXIT_DATA;
		} else if ((rc = sign_cert_from_file(&c, pc->cert_path)) != 0) {
			snprintf(pc->msg, sizeof(pc->msg), "--cert: %s; check the file name",
			    sign_error_last() == rc ? sign_error_message() : sign_strerror(rc));
			pc->code = kyso_exit_for(rc);
		}
		sign_cert_free(c);
	}
	/* The --chain file too, beside the module's loading (and OpenSSL sets
	 * its certificate decoders up here, on first use). */
	if (pc->code == 0 && pc->chain_path != NULL &&
	    (rc = sign_chain_read(&pc->chain, pc->chain_path)) != 0) {
		snprintf(pc->msg, sizeof(pc->msg), "%s",
		    sign_error_last() == rc ? sign_error_message() : sign_strerror(rc));
		pc->code = kyso_exit_for(rc);
	}
	return NULL;
}

/* ---- an interrupted batch ------------------------------------------------ */

/*
 * Ctrl-C, SIGTERM or SIGHUP during a batch would kill the process with the
 * files being written left as OUT.tmpXXXXXX (a hundred or more with a fast
 * token).  While the batch runs those signals are blocked in every thread
 * and taken by one thread that cancels the signer and abandons a request to
 * the time-stamp server in progress (sign_cancel_request: it would otherwise
 * run to its 30 s timeout): the batch stops as after
 * any failure (the files signed are written, no temporary file is left),
 * the signed files are listed, and the process then ends by the signal.
 */
struct interrupt {
	sign_signer *signer;
	sigset_t set, old;
	pthread_t tid;
	int started, running;
	volatile int sig;           /* the signal taken, 0 when none */
};

static void *
interrupt_run(void *arg)
{
	struct interrupt *it = arg;
	int sig = 0;

	if (sigwait(&it->set, &sig) != 0)
		return NULL;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	it->sig = sig;
	sign_signer_cancel(it->signer);
	sign_cancel_request();      /* a time-stamp request in progress ends too */
	kyso_interrupt(sig);        /* a PIN prompt for the next signature ends too */
	return NULL;
}

/* Block the signals and start the thread that takes them (best effort:
 * without it the batch runs as before). */
static void
interrupt_start(struct interrupt *it, sign_signer *signer)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(it, 0, sizeof(*it));
	it->signer = signer;
	sigemptyset(&it->set);
	/* a signal the process ignores (nohup, a background job) stays ignored:
	 * blocked, Linux would queue it for sigwait() all the same */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&it->set, sigs[i]);
	if (pthread_sigmask(SIG_BLOCK, &it->set, &it->old) != 0)
		return;
	it->started = 1;
	if (pthread_create(&it->tid, NULL, interrupt_run, it) == 0)
		it->running = 1;
}

/* The batch is over: the signal taken (0 when none).  The signals are
 * blocked until interrupt_end(). */
static int
interrupt_stop(struct interrupt *it)
{
	if (!it->running)
		return 0;
	pthread_cancel(it->tid);
	pthread_join(it->tid, NULL);
	it->running = 0;
	return it->sig;
}

/* Deliver the signals as before; end the process by the signal taken. */
static void
interrupt_end(struct interrupt *it)
{
	if (!it->started)
		return;
	fflush(stdout);
	if (it->sig != 0)
		signal(it->sig, SIG_DFL);
	pthread_sigmask(SIG_SETMASK, &it->old, NULL);
	if (it->sig != 0)
		kyso_net_exit(it->sig);
}

int
kyso_cmd_sign(int argc, char **argv)
{
	struct sign_args a;
	sign_token_options to = SIGN_TOKEN_OPTIONS_INIT;
	sign_cades_sign_opts so = SIGN_CADES_SIGN_OPTS_INIT;
	sign_signer *signer = NULL;
	sign_token *tok = NULL;
	sign_cert *cert = NULL;
	struct precheck pc;
	struct interrupt intr;
	sign_config *cfg = NULL;    /* kyso.conf (tsa), NULL when none */
	pthread_t checker;
	int checking = 0;
	json_t *out = NULL, *files = NULL;
	char **outs = NULL, *name = NULL, *serial = NULL;
	int *results = NULL;
	int rc, first, nfiles, i, code = 0, done = 0, sig = 0;

	memset(&a, 0, sizeof(a));
	memset(&pc, 0, sizeof(pc));
	memset(&intr, 0, sizeof(intr));
	rc = kyso_parse(argc, argv, usage, opts, sign_opt, &a, &first);
	if (a.json)
		out = json_object();
	if (rc != 0) {
		code = finish_fail(out, rc, kyso_err_last()[0] != '\0' ? kyso_err_last() :
		    "bad command line (see --help)");
		goto out;
	}
	nfiles = argc - first;
	if (a.key == NULL) {
		code = usage_fail(out, "--key URI is required (the signing key on the token, e.g. "
		    "pkcs11:token=LABEL;object=KEY)");
		goto out;
	}
	if (nfiles < 1) {
		code = usage_fail(out, "no file to sign (see --help)");
		goto out;
	}
	if (a.output != NULL && strcmp(a.output, "-") == 0) {
		/* as other tools read it, not a file named "-" */
		code = usage_fail(out, "-o - (standard output) is not supported: signatures are "
		    "written to files atomically; name a file, or -o ./- for a file named -");
		goto out;
	}
	if (a.output != NULL && nfiles > 1) {
		code = usage_fail(out, "-o names one output: with several files leave it out "
		    "(each FILE gets FILE.p7s)");
		goto out;
	}
	if (a.digest == NULL || strcmp(a.digest, "sha256") == 0) {
		so.md = SIGN_MD_SHA256;
	} else if (strcmp(a.digest, "sha384") == 0) {
		so.md = SIGN_MD_SHA384;
	} else if (strcmp(a.digest, "sha512") == 0) {
		so.md = SIGN_MD_SHA512;
	} else {
		code = usage_fail(out, "--digest takes sha256, sha384 or sha512");
		goto out;
	}
	if (a.sessions != NULL) {
		unsigned long v;

		if (kyso_parse_uint(a.sessions, 1, 4, &v) != 0) {
			code = usage_fail(out, "--sessions takes 1 to 4 (token sessions signing "
			    "at once)");
			goto out;
		}
		so.sessions = (unsigned int)v;
	}
	if (strncmp(a.key, "pkcs11:", 7) != 0) {
		code = usage_fail(out, "--key takes a PKCS#11 URI (pkcs11:token=LABEL;object=KEY); "
		    "list keys with kyso key list");
		goto out;
	}
	if (kyso_pin_check_uri(a.key) != 0 || kyso_pin_check_uri(a.cert) != 0) {
		code = finish_fail(out, KYSO_EXIT_USAGE, "the URI carries a PIN");
		goto out;
	}
	/* The time-stamp server: --tsa, none with --no-tsa, else tsa in kyso.conf
	 * (read only then, for an https --tsa without --tsa-cacert (its
	 * tsa-cacert), or when --config names it). */
	if ((a.config != NULL || (!a.no_tsa && (a.tsa == NULL || (a.tsa_cacert == NULL &&
	    strncmp(a.tsa, "https://", 8) == 0)))) &&
	    (code = kyso_conf_load(&cfg, a.config, pc.msg, sizeof(pc.msg))) != 0) {
		code = finish_fail(out, code, pc.msg);
		goto out;
	}
	if ((code = kyso_tsa_url(&so.tsa_url, a.tsa, a.no_tsa, cfg, pc.msg, sizeof(pc.msg))) != 0) {
		code = finish_fail(out, code, pc.msg);
		goto out;
	}
	/* its CA bundle: read and checked here, before any PIN is asked */
	if ((code = kyso_tsa_cacert(&so.tsa_cacert, a.tsa_cacert, so.tsa_url, a.tsa, a.no_tsa,
	    cfg, pc.msg, sizeof(pc.msg))) != 0) {
		code = finish_fail(out, code, pc.msg);
		goto out;
	}
	so.scheme = a.pss ? SIGN_SCHEME_RSA_PSS : SIGN_SCHEME_AUTO;
	so.enveloping = a.enveloping;
	so.overwrite = a.force;

	/* Every input and output is checked before logging in (no PIN is asked
	 * for a batch that cannot be done), on a thread while the module loads
	 * and the token is opened: for a thousand files the checks take as
	 * long as the loading. */
	outs = calloc((size_t)nfiles, sizeof(*outs));
	if (outs == NULL) {
		code = finish_fail(out, KYSO_EXIT_RUNTIME, "out of memory");
		goto out;
	}
	pc.in = argv + first;
	pc.outs = outs;
	pc.n = nfiles;
	pc.force = a.force;
	pc.enveloping = a.enveloping;
	pc.output = a.output;
	pc.chain_path = a.chain;
	pc.cert_path = a.cert;
	if (pthread_create(&checker, NULL, precheck_run, &pc) != 0) {
		precheck_run(&pc);
		checking = 0;
	} else {
		checking = 1;
	}

	/* One login for the whole batch (and one token session, or more for a
	 * fast token: see --sessions). */
	to.module = a.module;
	kyso_pin_setup(&a.pin, &to);
	rc = sign_token_open(&tok, a.key, &to);
	if (checking)
		pthread_join(checker, NULL);
	if (pc.code != 0) {
		kyso_err("%s", pc.msg);
		code = finish_fail(out, pc.code, pc.msg);
		goto out;
	}
	if (rc == 0)
		rc = sign_token_login(tok);
	if (rc == 0)
		rc = sign_token_signer(&signer, tok, a.key, a.cert);
	if (rc == 0 && pc.chain != NULL)
		rc = sign_signer_add_chain(signer, pc.chain);
	if (rc != 0) {
		code = lib_fail(out, &a.pin, rc);
		goto out;
	}
	/* (A key without a certificate is refused by the signing itself, with
	 * the fix: --cert.) */
	if (sign_cert_from_signer(&cert, signer) == 0)
		name = signer_name(sign_cert_get_info(cert), &serial);
	if (cert != NULL && (code = check_validity(sign_cert_get_info(cert), cert,
	    name != NULL ? name : "?", pc.msg, sizeof(pc.msg))) != 0) {
		kyso_err("%s", pc.msg);
		code = finish_fail(out, code, pc.msg);
		goto out;
	}
	files = json_array();
	results = calloc((size_t)nfiles, sizeof(*results));
	if (results == NULL) {
		code = finish_fail(out, KYSO_EXIT_RUNTIME, "out of memory");
		out = NULL;
		goto out;
	}
	/* Files are read, hashed and written on a few threads while the token
	 * signs one digest at a time on each of its sessions. */
	interrupt_start(&intr, signer);
	rc = sign_cades_sign_files(signer, (const char *const *)argv + first,
	    (const char *const *)outs, (size_t)nfiles, &so, results);
	sig = interrupt_stop(&intr);
	for (i = 0; i < nfiles; i++) {
		if (results[i] != 0)
			continue;
		done++;
		if (out != NULL) {
			json_t *f = json_object();

			json_object_set_new(f, "input", kyso_json_text(argv[first + i]));
			json_object_set_new(f, "output", kyso_json_text(outs[i]));
			json_array_append_new(files, f);
		} else {
			printf("%s -> %s\n", argv[first + i], outs[i]);
		}
	}
	if (out != NULL) {
		json_object_set_new(out, "signer", name != NULL ? kyso_json_text(name) : json_null());
		json_object_set_new(out, "serial", serial != NULL ? kyso_json_text(serial) : json_null());
		json_object_set_new(out, "packaging", json_string(a.enveloping ? "enveloping" :
		    "detached"));
		json_object_set_new(out, "files", files);
		files = NULL;
	}
	if (rc != 0) {
		if (done > 0)
			fprintf(stderr, "%s: %d of %d file%s signed (complete signatures); the "
			    "others were not\n", kyso_progname, done, nfiles, nfiles == 1 ? "" : "s");
		if (sig != 0) {
			snprintf(pc.msg, sizeof(pc.msg), "interrupted (%s): no other signature "
			    "was made and no temporary file is left", strsignal(sig));
			kyso_err("%s", pc.msg);
			code = finish_fail(out, 128 + sig, pc.msg);
		} else {
			code = lib_fail(out, &a.pin, rc);
		}
		out = NULL;
		goto out;
	}
	if (out != NULL) {
		json_object_set_new(out, "ok", json_true());
		kyso_json_emit(out, 1);
		out = NULL;
	} else {
		fprintf(stderr, "%s: %d file%s signed by %s (serial %s), one login\n", kyso_progname,
		    done, done == 1 ? "" : "s", name != NULL ? name : "?",
		    serial != NULL ? serial : "?");
	}
out:
	if (outs != NULL)
		for (i = 0; i < argc - first && i >= 0; i++)
			free(outs[i]);
	free(outs);
	free(results);
	free(name);
	free(serial);
	json_decref(files);
	sign_cert_free(cert);
	sign_signer_free(signer);
	sign_token_free(tok);
	sign_chain_free(pc.chain);
	sign_config_free(cfg);
	interrupt_end(&intr);
	return code;
}
