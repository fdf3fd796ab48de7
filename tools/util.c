/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Option parsing, exit statuses, secret sources and JSON output. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libsign.h>
#include "kyso.h"

const char *kyso_progname = "kyso";
int kyso_verbose;
int kyso_json_asked;
int kyso_json_emitted;
/* The last message kyso_err printed (for the JSON object of a run that
 * failed before its command printed one: kyso_finish). */
static char last_err[2048];

void
kyso_help(FILE *fp, const char *usage, const struct kyso_opt *opts)
{
	const struct kyso_opt *o;

	fprintf(fp, "usage: %s\n\noptions:\n", usage);
	for (o = opts; o != NULL && o->name != NULL; o++) {
		char left[64];

		char sh[8] = "";

		if (o->val > 0 && o->val < 128 && isalnum(o->val))
			snprintf(sh, sizeof(sh), "-%c, ", o->val);
		if (o->arg != NULL)
			snprintf(left, sizeof(left), "%s--%s %s", sh, o->name, o->arg);
		else
			snprintf(left, sizeof(left), "%s--%s", sh, o->name);
		fprintf(fp, "  %-28s %s\n", left, o->help);
	}
	fprintf(fp, "  %-28s %s\n", "--help", "show this help");
	fprintf(fp, "\nexit status: 0 success/TOTAL-PASSED, 1 TOTAL-FAILED, 2 INDETERMINATE,\n"
	    "3 usage, 4 no reader/card/token, 5 authentication, 6 bad input data, 7 runtime\n");
}

int
kyso_parse(int argc, char **argv, const char *usage, const struct kyso_opt *opts,
    int (*cb)(int val, const char *arg, void *ud), void *ud, int *optind_out)
{
	struct option *lo = NULL;
	char shorts[128];
	size_t n = 0, i, k;
	int c, rc = 0, has_json = 0;

	while (opts != NULL && opts[n].name != NULL) {
		if (strcmp(opts[n].name, "json") == 0 && opts[n].has_arg == no_argument)
			has_json = 1;
		n++;
	}
	/* --json on the command line (before "--"), even after a bad option:
	 * a usage error then also ends with one JSON object (kyso_finish). */
	for (i = 1; has_json && i < (size_t)argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			kyso_json_asked = 1;
	lo = calloc(n + 2, sizeof(*lo));
	if (lo == NULL) {
		kyso_err("out of memory");
		return KYSO_EXIT_RUNTIME;
	}
	for (i = 0; i < n; i++) {
		lo[i].name = opts[i].name;
		lo[i].has_arg = opts[i].has_arg;
		lo[i].val = opts[i].val;
	}
	lo[n].name = "help";
	lo[n].val = 0x7fff;
	/* An option whose val is a letter or digit is also "-<val>". */
	shorts[0] = '+';
	for (i = 0, k = 1; i < n && k + 2 < sizeof(shorts); i++) {
		if (opts[i].val > 0 && opts[i].val < 128 && isalnum(opts[i].val)) {
			shorts[k++] = (char)opts[i].val;
			if (opts[i].has_arg == required_argument)
				shorts[k++] = ':';
		}
	}
	shorts[k] = '\0';
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == 0x7fff) {
			kyso_help(stdout, usage, opts);
			free(lo);
			exit(kyso_finish(0));
		}
		if (c == '?' || c == ':') {
			if (optopt != 0 && optopt < 256 && optopt != '?')
				kyso_err("unknown option -%c (see --help)", optopt);
			else
				kyso_err("unknown option or missing argument: %s (see --help)",
				    argv[optind - 1]);
			rc = KYSO_EXIT_USAGE;
			break;
		}
		rc = cb(c, optarg, ud);
		if (rc != 0)
			break;
	}
	free(lo);
	*optind_out = optind;
	return rc;
}

int
kyso_exit_for(int e)
{
	if (e == 0)
		return KYSO_EXIT_OK;
	switch (e) {
	case SIGN_ERR_VERIFY:
	case SIGN_ERR_HASH_MISMATCH:
		return KYSO_EXIT_FAILED;
	case SIGN_ERR_UNTRUSTED:
	case SIGN_ERR_EXPIRED:
	case SIGN_ERR_NOT_YET_VALID:
		return KYSO_EXIT_INDETERMINATE;
	case SIGN_ERR_USAGE:
	case SIGN_ERR_INVALID_ARG:
	case SIGN_ERR_EXISTS:
	case SIGN_ERR_KEY_USAGE:
		return KYSO_EXIT_USAGE;
	case SIGN_ERR_NO_READER:
	case SIGN_ERR_NO_CARD:
	case SIGN_ERR_CARD_REMOVED:
	case SIGN_ERR_TOKEN_NOT_FOUND:
	case SIGN_ERR_TIMEOUT:
	case SIGN_ERR_NO_APPLET:
		return KYSO_EXIT_NODEVICE;
	case SIGN_ERR_PIN_INCORRECT:
	case SIGN_ERR_PIN_LOCKED:
	case SIGN_ERR_PIN_REQUIRED:
	case SIGN_ERR_PIN_FINAL_TRY:
	case SIGN_ERR_PIN_INVALID:
	case SIGN_ERR_AUTH_FAILED:
	case SIGN_ERR_SERVER_AUTH:
		return KYSO_EXIT_AUTH;
	case SIGN_ERR_MALFORMED:
	case SIGN_ERR_TOO_LARGE:
	case SIGN_ERR_NOT_FOUND:
	case SIGN_ERR_CARD_RESPONSE:
	case SIGN_ERR_CARD_STATUS:
	case SIGN_ERR_ACCESS_DENIED:
	case SIGN_ERR_SM:
	case SIGN_ERR_SERVER_RESPONSE:
	case SIGN_ERR_UNSUPPORTED:
	case SIGN_ERR_KEY_NOT_FOUND:
		return KYSO_EXIT_DATA;
	default:
		return KYSO_EXIT_RUNTIME;
	}
}

int
kyso_input_exit(int rc)
{
	if (rc == SIGN_ERR_IO && sign_error_last() == rc) {
		switch (sign_error_backend()) {
		case EACCES:
		case EPERM:
		case ENOTDIR:
		case ELOOP:
		case ENAMETOOLONG:
		case EISDIR:
			return KYSO_EXIT_DATA;
		}
	}
	return kyso_exit_for(rc);
}

void
kyso_err(const char *fmt, ...)
{
	char msg[2048], shown[4096];
	va_list ap;

	/* Messages carry names from cards, tokens and certificates: shown
	 * with their control and bidi characters escaped, on one line. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sign_text_escape(shown, sizeof(shown), msg);
	fprintf(stderr, "%s: %s\n", kyso_progname, shown);
	snprintf(last_err, sizeof(last_err), "%s", msg);
}

const char *
kyso_err_last(void)
{
	return last_err;
}

const char *
kyso_shown(const char *s)
{
	static char ring[8][1024];
	static unsigned int next;
	char *b = ring[next++ % 8];

	sign_text_escape(b, sizeof(ring[0]), s);
	return b;
}

const char *
kyso_file_kind(unsigned int m)
{
	return S_ISREG(m) ? "a regular file" : S_ISDIR(m) ? "a directory" :
	    S_ISLNK(m) ? "a symbolic link" : S_ISFIFO(m) ? "a FIFO" :
	    S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
	    S_ISSOCK(m) ? "a socket" : "a special file";
}

int
kyso_fail(int e)
{
	kyso_err("%s", sign_error_last() == e ? sign_error_message() : sign_strerror(e));
	return kyso_exit_for(e);
}

int
kyso_secret_spec_ok(const char *spec)
{
	if (spec == NULL)
		return 0;
	if (strcmp(spec, "tty") == 0)
		return 1;
	if (strncmp(spec, "env:", 4) == 0 || strncmp(spec, "file:", 5) == 0)
		return strchr(spec, ':')[1] != '\0';
	if (strncmp(spec, "fd:", 3) == 0) {
		char *end;
		long v = strtol(spec + 3, &end, 10);

		return spec[3] != '\0' && *end == '\0' && v >= 0 && v < 65536;
	}
	return 0;
}

/* Read one line from fd into buf; strips \n and \r\n.  0 or -1. */
/* A signal that ended a terminal prompt (see read_tty), else 0. */
static volatile sig_atomic_t tty_signal;
/* A signal taken by another thread while the signals are blocked (a batch:
 * kyso_interrupt()), else 0. */
static int interrupted;

void
kyso_interrupt(int sig)
{
	__atomic_store_n(&interrupted, sig, __ATOMIC_SEQ_CST);
}

/* Wait until fd can be read; -1 (and tty_signal set) when kyso_interrupt()
 * was called meanwhile: a prompt on a thread whose signals are blocked
 * still ends on Ctrl-C. */
static int
wait_readable(int fd)
{
	struct pollfd p;
	int sig, r;

	for (;;) {
		if ((sig = __atomic_load_n(&interrupted, __ATOMIC_SEQ_CST)) != 0)
			tty_signal = sig;
		if (tty_signal != 0)
			return -1;      /* (a handler of read_tty's, or another thread) */
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		r = poll(&p, 1, 200);
		if (r > 0 || (r < 0 && errno != EINTR))
			return 0;       /* readable, closed or failed: read() tells */
	}
}

/* One line from fd (watch: a terminal prompt, see wait_readable). */
static int
read_line_fd(int fd, char *buf, size_t cap, int watch)
{
	size_t n = 0;
	char c;
	ssize_t r;

	for (;;) {
		if (watch && wait_readable(fd) != 0)
			return -1;
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR && tty_signal == 0)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (n + 1 >= cap) {
			errno = E2BIG;
			return -1;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	c = 0;
	return (r < 0) ? -1 : 0;
}

static void
tty_catch(int sig)
{
	tty_signal = sig;
}

/* The signals that end a process at a prompt: each is caught while echo is
 * off, the terminal restored, and then the signal raised again. */
static const int tty_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
#define N_TTY_SIGNALS (sizeof(tty_signals) / sizeof(tty_signals[0]))

static int
read_tty(const char *prompt, char *buf, size_t cap)
{
	struct sigaction sa, saved[N_TTY_SIGNALS];
	struct termios old, raw;
	int fd, rc, sig;
	size_t i;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || !isatty(fd)) {
		if (fd >= 0)
			close(fd);
		kyso_err("no terminal to ask for the %s: give its source as "
		    "env:NAME, file:PATH or fd:N", prompt);
		return KYSO_EXIT_AUTH;
	}
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		kyso_err("cannot use the terminal to ask for the %s", prompt);
		return KYSO_EXIT_AUTH;
	}
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	raw.c_lflag |= ICANON;
	/* Without SA_RESTART: a signal ends the read(). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_catch;
	sigemptyset(&sa.sa_mask);
	tty_signal = 0;
	for (i = 0; i < N_TTY_SIGNALS; i++) {
		sigaction(tty_signals[i], NULL, &saved[i]);
		if (saved[i].sa_handler != SIG_IGN)     /* e.g. nohup's SIGHUP stays ignored */
			sigaction(tty_signals[i], &sa, NULL);
	}
	dprintf(fd, "Enter %s: ", prompt);
	tcsetattr(fd, TCSAFLUSH, &raw);
	rc = read_line_fd(fd, buf, cap, 1);
	tcsetattr(fd, TCSAFLUSH, &old);
	dprintf(fd, "\n");
	close(fd);
	for (i = 0; i < N_TTY_SIGNALS; i++)
		sigaction(tty_signals[i], &saved[i], NULL);
	sig = tty_signal;
	tty_signal = 0;
	if (sig != 0) {
		/* The terminal is whole again: now the signal does what it
		 * would have done (by default, end the process). */
		explicit_bzero(buf, cap);
		raise(sig);
		kyso_err("interrupted at the %s prompt", prompt);
		return KYSO_EXIT_AUTH;
	}
	if (rc != 0) {
		kyso_err("could not read the %s from the terminal", prompt);
		return KYSO_EXIT_AUTH;
	}
	return 0;
}

/* Why a secret could not be read from spec (file:PATH or fd:N). */
static void
secret_read_error(const char *prompt, const char *spec, int e)
{
	if (e == E2BIG)
		kyso_err("the %s from %s is too long: give one line, the %s alone", prompt, spec,
		    prompt);
	else if (e == EBADF && spec[0] == 'f' && spec[1] == 'd')
		kyso_err("cannot read the %s from %s: descriptor %s is not open for reading; "
		    "open it for kyso (e.g. %s<FILE) or use env:NAME or file:PATH", prompt, spec,
		    spec + 3, spec + 3);
	else
		kyso_err("cannot read the %s from %s: %s", prompt, spec,
		    e != 0 ? strerror(e) : "read failed");
}

int
kyso_secret_read(const char *spec, const char *prompt, char *buf, size_t cap)
{
	if (!kyso_secret_spec_ok(spec)) {
		kyso_err("bad secret source '%s': use tty, env:NAME, file:PATH or fd:N",
		    spec != NULL ? spec : "");
		return KYSO_EXIT_USAGE;
	}
	if (strcmp(spec, "tty") == 0)
		return read_tty(prompt, buf, cap);
	if (strncmp(spec, "env:", 4) == 0) {
		const char *v = getenv(spec + 4);

		if (v == NULL) {
			kyso_err("the %s source env:%s is not set", prompt, spec + 4);
			return KYSO_EXIT_AUTH;
		}
		if (strlen(v) + 1 > cap) {
			kyso_err("the %s in env:%s is too long", prompt, spec + 4);
			return KYSO_EXIT_AUTH;
		}
		strcpy(buf, v);
		return 0;
	}
	if (strncmp(spec, "file:", 5) == 0) {
		struct stat st;
		/* O_NONBLOCK: a FIFO opens at once, and is refused below */
		int fd = open(spec + 5, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), rc, fl;

		if (fd < 0) {
			kyso_err("cannot open the %s file %s: %s", prompt, spec + 5, strerror(errno));
			return KYSO_EXIT_AUTH;
		}
		if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
			/* (no advice to chmod a device: it would harm the system) */
			close(fd);
			kyso_err("the %s file %s is %s, not a regular file; keep the %s in a "
			    "file of your own (mode 600), or give env:NAME or fd:N", prompt,
			    spec + 5, kyso_file_kind(st.st_mode), prompt);
			return KYSO_EXIT_AUTH;
		}
		if ((fl = fcntl(fd, F_GETFL)) >= 0)
			(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
			close(fd);
			kyso_err("the %s file %s is readable by others: chmod 600 it", prompt,
			    spec + 5);
			return KYSO_EXIT_AUTH;
		}
		errno = 0;
		rc = read_line_fd(fd, buf, cap, 0);
		if (rc != 0)
			secret_read_error(prompt, spec, errno);
		close(fd);
		return rc != 0 ? KYSO_EXIT_AUTH : 0;
	}
	/* fd:N */
	errno = 0;
	if (read_line_fd(atoi(spec + 3), buf, cap, 0) != 0) {
		secret_read_error(prompt, spec, errno);
		return KYSO_EXIT_AUTH;
	}
	return 0;
}

void
kyso_json_emit(json_t *obj, int schema)
{
	char *s;

	if (obj == NULL)
		return;
	json_object_set_new(obj, "schema", json_integer(schema));
	kyso_json_emitted = 1;
	s = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(obj);
}

char *
kyso_hex(const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *s = malloc(n * 2 + 1);
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[2 * i] = hx[p[i] >> 4];
		s[2 * i + 1] = hx[p[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

int
kyso_subcmd_run(int argc, char **argv, const char *usage, const char *cmd,
    const struct kyso_subcmd *tab)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fprintf(argc < 2 ? stderr : stdout, "usage: %s\n", usage);
		return argc < 2 ? KYSO_EXIT_USAGE : 0;
	}
	for (; tab->name != NULL; tab++)
		if (strcmp(argv[1], tab->name) == 0)
			return tab->run(argc - 1, argv + 1);
	kyso_err("unknown subcommand '%s' (see kyso %s --help)", argv[1], cmd);
	return KYSO_EXIT_USAGE;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

json_t *
kyso_json_text(const char *s)
{
	static const char hx[] = "0123456789abcdef";
	json_t *j;
	char *b;
	size_t i, o, n;

	if (s == NULL)
		return json_null();
	n = strlen(s);
	if ((j = json_stringn(s, n)) != NULL)
		return j;
	/* Not UTF-8: every byte that is not part of a valid sequence becomes the
	 * four characters \xNN (a backslash doubles, so that the text stays
	 * lossless: "\\x41" is a backslash and x41, "\x41" the byte 0x41). */
	b = malloc(n * 4 + 1);
	if (b == NULL)
		return json_null();
	for (i = 0, o = 0; i < n; ) {
		size_t len = utf8_seq((const unsigned char *)s + i, n - i);

		if (len > 0) {
			memcpy(b + o, s + i, len);
			o += len;
			if (len == 1 && s[i] == '\\')
				b[o++] = '\\';
			i += len;
		} else {
			b[o++] = '\\';
			b[o++] = 'x';
			b[o++] = hx[(unsigned char)s[i] >> 4];
			b[o++] = hx[(unsigned char)s[i] & 15];
			i++;
		}
	}
	j = json_stringn(b, o);
	free(b);
	return j != NULL ? j : json_null();
}

/* Why the output could not be written, and what to do about it. */
static const char *
output_fix(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
		return "free some space where the output goes";
	case EBADF:
		return "standard output is closed: redirect it to a file or /dev/null";
	default:
		return "check where the output goes";
	}
}

void
kyso_std_fds(void)
{
	int fd;

	/* A descriptor 0, 1 or 2 closed by the caller stays unusable (a write
	 * to 1 or 2 fails with EBADF, as a read from 0), but no file kyso opens
	 * can take its number and receive the output meant for stdout. */
	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY)) != fd)
			break;      /* (cannot happen: the lowest free number) */
	}
}

int
kyso_finish(int rc)
{
	int e = 0;

	if (rc != 0 && kyso_json_asked && !kyso_json_emitted) {
		json_t *o = json_object();

		json_object_set_new(o, "ok", json_false());
		json_object_set_new(o, "error", kyso_json_text(last_err[0] != '\0' ? last_err :
		    "failed (see the message on standard error)"));
		json_object_set_new(o, "exit", json_integer(rc));
		kyso_json_emit(o, 1);
	}
	/* Output that could not be written is a failure of the run: a report
	 * cut short on a full disk must not look like success.  errno of the
	 * first failed write is gone when the error flag was set earlier;
	 * fflush() and fclose() retry and fail the same way. */
	errno = 0;
	if (fflush(stdout) != 0)
		e = errno;
	if (ferror(stdout) && e == 0)
		e = errno != 0 ? errno : EIO;
	if (fclose(stdout) != 0 && e == 0)
		e = errno != 0 ? errno : EIO;
	if (e == 0)
		return rc;
	/* The reader went away (`kyso ... | head`): nothing to say.  (Where
	 * SIGPIPE is not ignored it ended the process before this.) */
	if (e != EPIPE)
		kyso_err("cannot write the output: %s; %s", strerror(e), output_fix(e));
	return rc != 0 ? rc : KYSO_EXIT_RUNTIME;
}

int
kyso_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
