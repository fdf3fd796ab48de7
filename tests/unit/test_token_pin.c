/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kyso PIN sources (tools/pin.c): parsing, URIs with PINs, the callback. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "pin.h"

static void
test_source_ok(void **state)
{
	static const struct {
		const char *spec;
		int ok;
	} cases[] = {
		{ "tty", 1 }, { "pinpad", 1 }, { "env:PIN", 1 }, { "file:/run/pin", 1 },
		{ "fd:0", 1 }, { "fd:9", 1 },
		{ "env:", 0 }, { "file:", 0 }, { "fd:", 0 }, { "fd:x", 0 }, { "fd:-1", 0 },
		{ "fd:70000", 0 }, { "stdin", 0 }, { "TTY", 0 }, { "pin:1234", 0 }, { "", 0 },
		{ "pinpad:x", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(kyso_pin_source_ok(cases[i].spec), cases[i].ok);
	assert_int_equal(kyso_pin_source_ok(NULL), 0);
}

static void
test_option(void **state)
{
	struct kyso_pin pin = KYSO_PIN_INIT;

	(void)state;
	assert_int_equal(kyso_pin_option(&pin, KYSO_OPT_PIN_SOURCE, "env:X"), 0);
	assert_string_equal(pin.source, "env:X");
	assert_int_equal(kyso_pin_option(&pin, KYSO_OPT_PIN_SOURCE, "value:1234"), KYSO_EXIT_USAGE);
	assert_string_equal(pin.source, "env:X");
	assert_int_equal(pin.force_last_try, 0);
	assert_int_equal(kyso_pin_option(&pin, KYSO_OPT_FORCE_LAST_TRY, NULL), 0);
	assert_int_equal(pin.force_last_try, 1);
	assert_int_equal(kyso_pin_option(&pin, 'x', "y"), -1);
}

static void
test_check_uri(void **state)
{
	(void)state;
	assert_int_equal(kyso_pin_check_uri(NULL), 0);
	assert_int_equal(kyso_pin_check_uri("pkcs11:token=T;object=k"), 0);
	assert_int_equal(kyso_pin_check_uri("pkcs11:token=T?pin-value=1234"), KYSO_EXIT_USAGE);
	assert_int_equal(kyso_pin_check_uri("pkcs11:token=T?PIN-VALUE=1234"), KYSO_EXIT_USAGE);
	assert_int_equal(kyso_pin_check_uri("pkcs11:token=T;pin-source=file:/p"), KYSO_EXIT_USAGE);
	assert_int_equal(kyso_pin_check_uri("PKCS11:pin-value=1;token=T"), KYSO_EXIT_USAGE);
	assert_int_equal(kyso_pin_check_uri("pkcs11:token=T?module-path=/m.so&pin-value=1"),
	    KYSO_EXIT_USAGE);
	assert_int_equal(kyso_pin_check_uri("pkcs11:token=T; pin-value =1"), KYSO_EXIT_USAGE);
	/* the words in a label or a file name are not PIN attributes */
	assert_int_equal(kyso_pin_check_uri("pkcs11:token=T;object=pin-value-backup"), 0);
	assert_int_equal(kyso_pin_check_uri("pkcs11:token=my%20pin-source;object=k"), 0);
	assert_int_equal(kyso_pin_check_uri("/home/an/pin-source/signer.pem"), 0);
}

static void
test_setup(void **state)
{
	struct kyso_pin pin = KYSO_PIN_INIT;
	sign_token_options o = SIGN_TOKEN_OPTIONS_INIT;

	(void)state;
	o.flags = SIGN_TOKEN_OPEN_RW;
	kyso_pin_setup(&pin, &o);
	assert_ptr_equal(o.pin_cb, kyso_pin_cb);
	assert_ptr_equal(o.pin_userdata, &pin);
	assert_int_equal(o.flags, SIGN_TOKEN_OPEN_RW);
	pin.force_last_try = 1;
	kyso_pin_setup(&pin, &o);
	assert_int_equal(o.flags, SIGN_TOKEN_OPEN_RW | SIGN_TOKEN_FORCE_LAST_TRY);
}

static void
test_callback(void **state)
{
	struct kyso_pin pin = KYSO_PIN_INIT;
	sign_token_info ti;
	sign_pin_request req;
	char buf[32], path[] = "/tmp/kyso-test-pin-XXXXXX";
	int fd;

	(void)state;
	memset(&ti, 0, sizeof(ti));
	ti.label = "T1";
	memset(&req, 0, sizeof(req));
	req.kind = SIGN_PIN_USER;
	req.token = &ti;

	/* env: */
	setenv("KYSO_TEST_PIN", "123456", 1);
	pin.source = "env:KYSO_TEST_PIN";
	assert_int_equal(kyso_pin_cb(&req, buf, sizeof(buf), &pin), 0);
	assert_string_equal(buf, "123456");
	assert_int_equal(pin.asked, 1);
	assert_int_equal(pin.reported, 0);
	/* Asked again for a key (CKA_ALWAYS_AUTHENTICATE). */
	req.kind = SIGN_PIN_CONTEXT;
	req.key_label = "k";
	assert_int_equal(kyso_pin_cb(&req, buf, sizeof(buf), &pin), 0);
	assert_int_equal(pin.asked, 2);
	req.kind = SIGN_PIN_USER;

	/* An empty PIN spends no try; an unset variable; a PIN that does not fit. */
	setenv("KYSO_TEST_PIN", "", 1);
	assert_int_equal(kyso_pin_cb(&req, buf, sizeof(buf), &pin), SIGN_ERR_PIN_REQUIRED);
	assert_int_equal(pin.reported, 1);
	pin.reported = 0;
	unsetenv("KYSO_TEST_PIN");
	assert_int_equal(kyso_pin_cb(&req, buf, sizeof(buf), &pin), SIGN_ERR_PIN_REQUIRED);
	assert_int_equal(pin.reported, 1);
	setenv("KYSO_TEST_PIN", "0123456789012345678901234567890123456789", 1);
	assert_int_equal(kyso_pin_cb(&req, buf, sizeof(buf), &pin), SIGN_ERR_PIN_REQUIRED);

	/* file: must not be readable by others. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "4321\n", 5), 5);
	close(fd);
	chmod(path, 0600);
	{
		char spec[64];

		snprintf(spec, sizeof(spec), "file:%s", path);
		pin.source = spec;
		assert_int_equal(kyso_pin_cb(&req, buf, sizeof(buf), &pin), 0);
		assert_string_equal(buf, "4321");
		chmod(path, 0644);
		assert_int_equal(kyso_pin_cb(&req, buf, sizeof(buf), &pin), SIGN_ERR_PIN_REQUIRED);
	}
	unlink(path);

	/* The PIN pad: asked for, or the default when the token has one. */
	pin.source = "pinpad";
	assert_int_equal(kyso_pin_cb(&req, buf, sizeof(buf), &pin), SIGN_PIN_USE_PINPAD);
	pin.source = NULL;
	ti.flags = SIGN_TOKEN_PINPAD;
	assert_int_equal(kyso_pin_cb(&req, buf, sizeof(buf), &pin), SIGN_PIN_USE_PINPAD);
	unsetenv("KYSO_TEST_PIN");
}

static void
test_fail(void **state)
{
	struct kyso_pin pin = KYSO_PIN_INIT;

	(void)state;
	assert_int_equal(kyso_pin_fail(&pin, SIGN_ERR_PIN_INCORRECT), KYSO_EXIT_AUTH);
	assert_int_equal(kyso_pin_fail(&pin, SIGN_ERR_PIN_LOCKED), KYSO_EXIT_AUTH);
	assert_int_equal(kyso_pin_fail(&pin, SIGN_ERR_PIN_FINAL_TRY), KYSO_EXIT_AUTH);
	assert_int_equal(kyso_pin_fail(&pin, SIGN_ERR_TOKEN_NOT_FOUND), KYSO_EXIT_NODEVICE);
	assert_int_equal(kyso_pin_fail(&pin, SIGN_ERR_KEY_NOT_FOUND), KYSO_EXIT_DATA);
	assert_int_equal(kyso_pin_fail(&pin, SIGN_ERR_KEY_USAGE), KYSO_EXIT_USAGE);
	pin.reported = 1;
	assert_int_equal(kyso_pin_fail(&pin, SIGN_ERR_PIN_REQUIRED), KYSO_EXIT_AUTH);
	assert_int_equal(kyso_pin_fail(NULL, SIGN_ERR_PKCS11), KYSO_EXIT_RUNTIME);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_ok),
		cmocka_unit_test(test_option),
		cmocka_unit_test(test_check_uri),
		cmocka_unit_test(test_setup),
		cmocka_unit_test(test_callback),
		cmocka_unit_test(test_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
