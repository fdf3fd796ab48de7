/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso.conf parser: syntax, sections, errors with line numbers, the 0600
 * rule for files holding secrets, and the default location; the safe file
 * reading it shares with the library's other readers (sign__file_open,
 * sign__file_read, sign__read_file: util.c). */
#include "internal.h"   /* first: config.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "libsign/config.h"

static sign_config *
parse_ok(const char *text)
{
	sign_config *cfg = NULL;

	assert_int_equal(sign_config_parse(&cfg, text, strlen(text), "t.conf"), 0);
	assert_non_null(cfg);
	return cfg;
}

static void
test_basic(void **state)
{
	const char *text =
	    "\xEF\xBB\xBF# kyso.conf\r\n"
	    "  pkcs11-module = /usr/lib/softhsm/libsofthsm2.so  \r\n"
	    "timeout=5\n"
	    "\n"
	    "   # indented comment\n"
	    "[insurance]\n"
	    "gateway = https://egw.example.vn/\n"
	    "staff-name = \"  Trần Thị Bình \"\n"
	    "empty =\n"
	    "path = /a#b\n"
	    "timeout = 9\n";
	sign_config *cfg = parse_ok(text);
	const char *sec, *key, *val;
	unsigned int line;

	(void)state;
	assert_string_equal(sign_config_get(cfg, NULL, "pkcs11-module"),
	    "/usr/lib/softhsm/libsofthsm2.so");
	/* a section key, and its fallback to the global part */
	assert_string_equal(sign_config_get(cfg, "insurance", "gateway"), "https://egw.example.vn/");
	assert_string_equal(sign_config_get(cfg, "insurance", "pkcs11-module"),
	    "/usr/lib/softhsm/libsofthsm2.so");
	assert_null(sign_config_get(cfg, NULL, "gateway"));
	/* the section's value wins over the global one */
	assert_string_equal(sign_config_get(cfg, "insurance", "timeout"), "9");
	assert_string_equal(sign_config_get(cfg, NULL, "timeout"), "5");
	assert_string_equal(sign_config_get(cfg, "insurance", "staff-name"), "  Trần Thị Bình ");
	assert_string_equal(sign_config_get(cfg, "insurance", "empty"), "");
	/* '#' inside a value is not a comment */
	assert_string_equal(sign_config_get(cfg, "insurance", "path"), "/a#b");
	assert_null(sign_config_get(cfg, "other", "gateway"));
	assert_int_equal(sign_config_line(cfg, "insurance", "gateway"), 7);
	assert_int_equal(sign_config_line(cfg, NULL, "pkcs11-module"), 2);
	assert_int_equal(sign_config_line(cfg, NULL, "nope"), 0);
	assert_int_equal(sign_config_count(cfg), 7);
	assert_int_equal(sign_config_entry(cfg, 0, &sec, &key, &val, &line), 0);
	assert_null(sec);
	assert_string_equal(key, "pkcs11-module");
	assert_int_equal(line, 2);
	assert_int_equal(sign_config_entry(cfg, 2, &sec, &key, &val, &line), 0);
	assert_string_equal(sec, "insurance");
	assert_string_equal(key, "gateway");
	assert_int_equal(sign_config_entry(cfg, 7, &sec, &key, &val, &line), SIGN_ERR_NOT_FOUND);
	assert_string_equal(sign_config_name(cfg), "t.conf");
	sign_config_free(cfg);
	sign_config_free(NULL);
}

static void
test_empty(void **state)
{
	sign_config *cfg = parse_ok("");

	(void)state;
	assert_int_equal(sign_config_count(cfg), 0);
	assert_null(sign_config_get(cfg, NULL, "x"));
	sign_config_free(cfg);
	cfg = parse_ok("# only a comment\n\n[s]\n");
	assert_int_equal(sign_config_count(cfg), 0);
	sign_config_free(cfg);
}

static const struct bad {
	const char *text;
	int rc;
	const char *msg;        /* substring of the message */
} bad[] = {
	{ "gateway https://x\n", SIGN_ERR_MALFORMED, "t.conf:1: expected 'key = value'" },
	{ "a = 1\nGateway = x\n", SIGN_ERR_MALFORMED, "t.conf:2: expected" },
	{ "= x\n", SIGN_ERR_MALFORMED, "t.conf:1:" },
	{ "a b = 1\n", SIGN_ERR_MALFORMED, "t.conf:1:" },
	{ "a = \"unterminated\n", SIGN_ERR_MALFORMED, "t.conf:1: unterminated quoted value" },
	{ "a = \"x\"y\"\n", SIGN_ERR_MALFORMED, "cannot contain" },
	{ "a = 1\n\na = 2\n", SIGN_ERR_MALFORMED, "t.conf:3: 'a' is set twice (first on line 1)" },
	{ "[s]\na = 1\n[s]\na = 2\n", SIGN_ERR_MALFORMED, "t.conf:4: 'a' is set twice" },
	{ "[s\na = 1\n", SIGN_ERR_MALFORMED, "t.conf:1: a section header" },
	{ "[]\n", SIGN_ERR_MALFORMED, "t.conf:1: a section header" },
	{ "[Bad]\n", SIGN_ERR_MALFORMED, "t.conf:1: section names" },
	{ "a = x\x01y\n", SIGN_ERR_MALFORMED, "t.conf:1: control character 0x01" },
	{ "a = 1\nb = 2\x1b\n", SIGN_ERR_MALFORMED, "t.conf:2: control character 0x1b" },
};

static void
test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sign_config *cfg = (sign_config *)1;
		int rc = sign_config_parse(&cfg, bad[i].text, strlen(bad[i].text), "t.conf");

		if (rc != bad[i].rc || strstr(sign_error_message(), bad[i].msg) == NULL)
			fail_msg("case %zu: rc %d, message '%s'", i, rc, sign_error_message());
		assert_null(cfg);
	}
}

static void
test_nul_and_limits(void **state)
{
	sign_config *cfg = NULL;
	char *big;
	size_t n;

	(void)state;
	/* a NUL byte inside the text */
	assert_int_equal(sign_config_parse(&cfg, "a = 1\0b = 2\n", 12, "t.conf"),
	    SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "0x00"));
	/* a line too long */
	n = SIGN_CONFIG_MAX_LINE + 10;
	big = malloc(n + 1);
	assert_non_null(big);
	memcpy(big, "a = ", 4);
	memset(big + 4, 'x', n - 4);
	big[n] = '\0';
	assert_int_equal(sign_config_parse(&cfg, big, n, "t.conf"), SIGN_ERR_MALFORMED);
	assert_non_null(strstr(sign_error_message(), "line longer"));
	free(big);
	/* the whole file too large */
	n = SIGN_CONFIG_MAX_SIZE + 1;
	big = calloc(1, n);
	assert_non_null(big);
	memset(big, '\n', n);
	assert_int_equal(sign_config_parse(&cfg, big, n, "t.conf"), SIGN_ERR_TOO_LARGE);
	free(big);
	/* same key in two sections is fine */
	cfg = parse_ok("[a]\nk = 1\n[b]\nk = 2\n");
	assert_string_equal(sign_config_get(cfg, "a", "k"), "1");
	assert_string_equal(sign_config_get(cfg, "b", "k"), "2");
	sign_config_free(cfg);
}

static void
test_secret_keys(void **state)
{
	static const struct {
		const char *key;
		int secret;
	} t[] = {
		{ "password", 1 }, { "password-source", 1 }, { "password-file", 1 },
		{ "passwd", 1 }, { "client-key", 1 }, { "client-key-pin-source", 1 },
		{ "pin", 1 }, { "pin-source", 1 }, { "api.secret", 1 }, { "key", 1 },
		{ "gateway", 0 }, { "username", 0 }, { "client-cert", 0 }, { "cacert", 0 },
		{ "staff-name", 0 }, { "staff-id", 0 }, { "pkcs11-module", 0 },
		{ "mapping", 0 }, { "keyboard", 0 }, { "sources", 0 }, { "timeout", 0 },
		{ "key-size", 0 }, { "facility-code", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (sign_config_key_is_secret(t[i].key) != t[i].secret)
			fail_msg("%s: expected %d", t[i].key, t[i].secret);
	assert_int_equal(sign_config_key_is_secret(NULL), 0);
}

static char tmpdir[512];

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_load_modes(void **state)
{
	char path[600], want[700];
	sign_config *cfg = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/kyso.conf", tmpdir);
	/* no secrets: any mode */
	write_file(path, "[insurance]\ngateway = https://x\n", 0644);
	assert_int_equal(sign_config_load(&cfg, path), 0);
	assert_string_equal(sign_config_get(cfg, "insurance", "gateway"), "https://x");
	sign_config_free(cfg);
	cfg = NULL;
	/* a secret source in a world-readable file: refused with the fix */
	write_file(path, "[insurance]\ngateway = https://x\npassword-source = env:P\n", 0644);
	assert_int_equal(sign_config_load(&cfg, path), SIGN_ERR_USAGE);
	assert_null(cfg);
	snprintf(want, sizeof(want), "chmod 600 %s", path);
	assert_non_null(strstr(sign_error_message(), want));
	assert_non_null(strstr(sign_error_message(), "password-source"));
	assert_non_null(strstr(sign_error_message(), "line 3"));
	/* group-readable is refused too */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(sign_config_load(&cfg, path), SIGN_ERR_USAGE);
	/* 0600 and 0400 are fine */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(sign_config_load(&cfg, path), 0);
	assert_string_equal(sign_config_get(cfg, "insurance", "password-source"), "env:P");
	sign_config_free(cfg);
	cfg = NULL;
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(sign_config_load(&cfg, path), 0);
	sign_config_free(cfg);
	cfg = NULL;
	/* writable by others: refused even without secrets (the gateway URL and
	 * CA bundle decide where the password goes), with the fix */
	unlink(path);
	write_file(path, "[insurance]\ngateway = https://x\n", 0664);
	assert_int_equal(sign_config_load(&cfg, path), SIGN_ERR_USAGE);
	assert_null(cfg);
	snprintf(want, sizeof(want), "chmod go-w %s", path);
	assert_non_null(strstr(sign_error_message(), want));
	assert_non_null(strstr(sign_error_message(), "mode 0664"));
	assert_int_equal(chmod(path, 0646), 0);
	assert_int_equal(sign_config_load(&cfg, path), SIGN_ERR_USAGE);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(sign_config_load(&cfg, path), 0);
	sign_config_free(cfg);
	cfg = NULL;
	/* a client key location counts as a secret */
	unlink(path);
	write_file(path, "client-key = /etc/kyso/client.key\n", 0604);
	assert_int_equal(sign_config_load(&cfg, path), SIGN_ERR_USAGE);
	/* syntax errors name the file and the line */
	unlink(path);
	write_file(path, "ok = 1\nbroken\n", 0600);
	assert_int_equal(sign_config_load(&cfg, path), SIGN_ERR_MALFORMED);
	snprintf(want, sizeof(want), "%s:2:", path);
	assert_non_null(strstr(sign_error_message(), want));
	unlink(path);
	/* missing file */
	assert_int_equal(sign_config_load(&cfg, path), SIGN_ERR_NOT_FOUND);
	/* a directory is not a config file */
	assert_int_not_equal(sign_config_load(&cfg, tmpdir), 0);
	assert_null(cfg);
}

/* n bytes of comment lines (each "#...\n", the last maybe shorter) */
static void
write_size(const char *path, size_t n)
{
	FILE *fp = fopen(path, "w");
	size_t i;

	assert_non_null(fp);
	for (i = 0; i < n; i++)
		fputc(i % 64 == 63 || i == n - 1 ? '\n' : '#', fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0600), 0);
}

/* kyso.conf that is not a regular file, or too large: refused with its own
 * words, and a FIFO without waiting for a writer (alarm: a hang fails). */
static void
test_load_files(void **state)
{
	char path[600], fifo[600], want[700];
	sign_config *cfg = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/size.conf", tmpdir);
	snprintf(fifo, sizeof(fifo), "%s/fifo.conf", tmpdir);
	write_size(path, SIGN_CONFIG_MAX_SIZE);
	assert_int_equal(sign_config_load(&cfg, path), 0);
	assert_int_equal(sign_config_count(cfg), 0);
	sign_config_free(cfg);
	cfg = NULL;
	write_size(path, SIGN_CONFIG_MAX_SIZE + 1);
	assert_int_equal(sign_config_load(&cfg, path), SIGN_ERR_TOO_LARGE);
	snprintf(want, sizeof(want), "%s: larger than %d bytes", path, SIGN_CONFIG_MAX_SIZE);
	assert_string_equal(sign_error_message(), want);
	assert_null(cfg);
	unlink(path);
	assert_int_equal(sign_config_load(&cfg, path), SIGN_ERR_NOT_FOUND);
	snprintf(want, sizeof(want), "cannot open the configuration file %s: %s", path,
	    strerror(ENOENT));
	assert_string_equal(sign_error_message(), want);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(20);
	assert_int_equal(sign_config_load(&cfg, fifo), SIGN_ERR_USAGE);
	alarm(0);
	snprintf(want, sizeof(want), "the configuration file %s is a FIFO, not a regular file; "
	    "name a regular file", fifo);
	assert_string_equal(sign_error_message(), want);
	unlink(fifo);
	assert_int_equal(sign_config_load(&cfg, "/dev/null"), SIGN_ERR_USAGE);
	assert_non_null(strstr(sign_error_message(), "/dev/null is a character device, not a "
	    "regular file"));
	assert_null(strstr(sign_error_message(), "chmod"));
	assert_int_equal(sign_config_load(&cfg, tmpdir), SIGN_ERR_USAGE);
	assert_non_null(strstr(sign_error_message(), "is a directory, not a regular file"));
	assert_null(cfg);
}

/* sign__file_open and sign__file_read: what each refuses and says, the
 * bound to the byte, a file that grows while it is read, and (with
 * SIGN__FILE_ANY_KIND) a FIFO opened without waiting and left non-blocking. */
static void
test_file_helpers(void **state)
{
	char path[600], fifo[600];
	sign_buf b = SIGN_BUF_INIT;
	struct sign__file_why why;
	struct stat st;
	FILE *fp;
	int fd = 99;

	(void)state;
	snprintf(path, sizeof(path), "%s/f.bin", tmpdir);
	snprintf(fifo, sizeof(fifo), "%s/f.fifo", tmpdir);
	/* not there: OPEN, NOT_FOUND, errno; nothing to close */
	assert_int_equal(sign__file_open(path, 0, &fd, &st, &why), -1);
	assert_int_equal(fd, -1);
	assert_int_equal(why.fail, SIGN__FILE_OPEN);
	assert_int_equal(why.code, SIGN_ERR_NOT_FOUND);
	assert_int_equal(why.err, ENOENT);
	/* a directory, a device: KIND, named */
	assert_int_equal(sign__file_open(tmpdir, 0, &fd, &st, &why), -1);
	assert_int_equal(why.fail, SIGN__FILE_KIND);
	assert_string_equal(why.kind, "a directory");
	assert_int_equal(sign__file_open("/dev/null", 0, &fd, &st, &why), -1);
	assert_int_equal(why.fail, SIGN__FILE_KIND);
	assert_string_equal(why.kind, "a character device");
	/* a FIFO with no writer: refused at once; with ANY_KIND opened at once,
	 * still non-blocking */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(20);
	assert_int_equal(sign__file_open(fifo, 0, &fd, &st, &why), -1);
	assert_int_equal(why.fail, SIGN__FILE_KIND);
	assert_string_equal(why.kind, "a FIFO");
	assert_int_equal(sign__file_open(fifo, SIGN__FILE_ANY_KIND, &fd, &st, &why), 0);
	alarm(0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	unlink(fifo);
	/* a regular file: blocking again, read whole up to max; one byte more
	 * is SIZE, from its size before any read */
	write_size(path, 100);
	assert_int_equal(sign__file_open(path, 0, &fd, &st, &why), 0);
	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(sign__file_read(fd, &st, 99, &b, &why), -1);
	assert_int_equal(why.fail, SIGN__FILE_SIZE);
	assert_int_equal(why.code, SIGN_ERR_TOO_LARGE);
	assert_null(b.data);
	assert_int_equal(sign__file_read(fd, &st, 100, &b, &why), 0);
	assert_int_equal(b.len, 100);
	assert_int_equal(b.data[99], '\n');
	close(fd);
	/* grown after the fstat: read to its end (the caller compares with
	 * st_size), past max it is SIZE */
	assert_int_equal(sign__file_open(path, 0, &fd, &st, &why), 0);
	fp = fopen(path, "a");
	assert_non_null(fp);
	assert_int_equal(fputs("more\n", fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(sign__file_read(fd, &st, 1000, &b, &why), 0);
	assert_int_equal(b.len, 105);
	assert_int_equal(st.st_size, 100);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(sign__file_read(fd, &st, 104, &b, &why), -1);
	assert_int_equal(why.fail, SIGN__FILE_SIZE);
	assert_int_equal(b.len, 105);           /* left as it was */
	close(fd);
	sign_buf_dispose(&b);
	/* without st (a device, a pipe): to the end, or SIZE past max */
	fd = open("/dev/zero", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(sign__file_read(fd, NULL, 10000, &b, &why), -1);
	assert_int_equal(why.fail, SIGN__FILE_SIZE);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(sign__file_read(fd, NULL, 10, &b, &why), 0);
	assert_int_equal(b.len, 0);
	close(fd);
	sign_buf_dispose(&b);
	/* sign__read_file reads any kind (a device), with its own words */
	assert_int_equal(sign__read_file("/dev/zero", 5000, &b), SIGN_ERR_TOO_LARGE);
	assert_string_equal(sign_error_message(), "/dev/zero: larger than 5000 bytes");
	assert_int_equal(sign__read_file(path, 105, &b), 0);
	assert_int_equal(b.len, 105);
	sign_buf_dispose(&b);
	assert_int_equal(sign__read_file(tmpdir, 105, &b), SIGN_ERR_IO);
	assert_non_null(strstr(sign_error_message(), ": read error"));
	unlink(path);
	assert_int_equal(sign__read_file(path, 105, &b), SIGN_ERR_NOT_FOUND);
}

static void
test_default_path(void **state)
{
	const char *p = NULL;
	int expl = -1;

	(void)state;
	setenv("KYSO_CONF", "/from/env.conf", 1);
	assert_int_equal(sign_config_default_path(&p, &expl, "/explicit.conf"), 0);
	assert_string_equal(p, "/explicit.conf");
	assert_int_equal(expl, 1);
	assert_int_equal(sign_config_default_path(&p, &expl, NULL), 0);
	assert_string_equal(p, "/from/env.conf");
	assert_int_equal(expl, 1);
	setenv("KYSO_CONF", "", 1);
	assert_int_equal(sign_config_default_path(&p, &expl, NULL), 0);
	assert_int_equal(expl, 0);
	/* p is SYSCONFDIR/kyso.conf when it exists, else NULL */
	if (p != NULL)
		assert_non_null(strstr(p, "/kyso.conf"));
	unsetenv("KYSO_CONF");
}

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/kyso-cfg.XXXXXX", t != NULL && t[0] != '\0' ? t : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_and_limits),
		cmocka_unit_test(test_secret_keys),
		cmocka_unit_test(test_load_modes),
		cmocka_unit_test(test_load_files),
		cmocka_unit_test(test_file_helpers),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
