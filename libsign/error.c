/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Error codes, the thread-local last error, and the log callback. */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <openssl/err.h>

#define MSG_MAX 512

static _Thread_local int last_code;
static _Thread_local unsigned long last_backend;
static _Thread_local char last_msg[MSG_MAX];

static sign_log_cb log_cb;
static sign_log_level log_max = SIGN_LOG_ERROR;
static void *log_ud;

static const struct {
	int code;
	const char *text;
} messages[] = {
	{ SIGN_OK, "success" },
	{ SIGN_ERR_GENERIC, "internal error" },
	{ SIGN_ERR_NOMEM, "out of memory" },
	{ SIGN_ERR_INVALID_ARG, "invalid argument" },
	{ SIGN_ERR_IO, "input/output error" },
	{ SIGN_ERR_NOT_FOUND, "not found" },
	{ SIGN_ERR_EXISTS, "output already exists" },
	{ SIGN_ERR_MALFORMED, "malformed data" },
	{ SIGN_ERR_UNSUPPORTED, "unsupported algorithm or format" },
	{ SIGN_ERR_TOO_LARGE, "data too large" },
	{ SIGN_ERR_CANCELLED, "cancelled" },
	{ SIGN_ERR_USAGE, "invalid combination of options" },
	{ SIGN_ERR_NO_READER, "no smart-card reader" },
	{ SIGN_ERR_NO_CARD, "no card in the reader" },
	{ SIGN_ERR_CARD_REMOVED, "card removed" },
	{ SIGN_ERR_CARD_IO, "card communication failed" },
	{ SIGN_ERR_CARD_STATUS, "unexpected card status" },
	{ SIGN_ERR_SM, "secure messaging failed" },
	{ SIGN_ERR_CARD_RESPONSE, "malformed card response" },
	{ SIGN_ERR_ACCESS_DENIED, "access to the file denied by the card" },
	{ SIGN_ERR_TIMEOUT, "timed out" },
	{ SIGN_ERR_NO_APPLET, "the card has no eMRTD application" },
	{ SIGN_ERR_PIN_INCORRECT, "wrong PIN" },
	{ SIGN_ERR_PIN_LOCKED, "PIN locked" },
	{ SIGN_ERR_PIN_REQUIRED, "PIN required" },
	{ SIGN_ERR_PIN_FINAL_TRY, "final PIN try not used" },
	{ SIGN_ERR_PIN_INVALID, "PIN of invalid length or form" },
	{ SIGN_ERR_AUTH_FAILED, "authentication failed" },
	{ SIGN_ERR_VERIFY, "signature invalid" },
	{ SIGN_ERR_HASH_MISMATCH, "digest mismatch" },
	{ SIGN_ERR_UNTRUSTED, "no trusted certificate chain" },
	{ SIGN_ERR_EXPIRED, "certificate expired" },
	{ SIGN_ERR_NOT_YET_VALID, "certificate not yet valid" },
	{ SIGN_ERR_KEY_USAGE, "key usage does not allow this" },
	{ SIGN_ERR_CRYPTO, "cryptographic operation failed" },
	{ SIGN_ERR_PKCS11, "PKCS#11 error" },
	{ SIGN_ERR_PCSC, "PC/SC error" },
	{ SIGN_ERR_NETWORK, "network error" },
	{ SIGN_ERR_TOKEN_NOT_FOUND, "token not found" },
	{ SIGN_ERR_KEY_NOT_FOUND, "key or certificate not found" },
	{ SIGN_ERR_HTTP, "HTTP error" },
	{ SIGN_ERR_SERVER_RESPONSE, "malformed server response" },
	{ SIGN_ERR_SERVER_AUTH, "server refused the credentials" },
};

const char *
sign_strerror(int code)
{
	size_t i;

	for (i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (messages[i].code == code)
			return messages[i].text;
	return "unknown error";
}

/* Formatted apart first: a caller may wrap the last message in a new one
 * (sign_error__set(rc, 0, "%s: %s", name, sign_error_message())). */
static int
vset(int code, unsigned long backend, const char *fmt, va_list ap)
{
	char msg[MSG_MAX];

	last_code = code;
	last_backend = backend;
	if (fmt != NULL)
		vsnprintf(msg, sizeof(msg), fmt, ap);
	else
		snprintf(msg, sizeof(msg), "%s", sign_strerror(code));
	memcpy(last_msg, msg, sizeof(msg));
	sign_log__msg(SIGN_LOG_DEBUG, "error %d: %s", code, last_msg);
	return code;
}

int
sign_error__set(int code, unsigned long backend, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vset(code, backend, fmt, ap);
	va_end(ap);
	return rc;
}

int
sign_error__openssl(int code, const char *fmt, ...)
{
	va_list ap;
	unsigned long e = ERR_peek_error();
	size_t n;

	va_start(ap, fmt);
	vset(code, e, fmt, ap);
	va_end(ap);
	if (e != 0) {
		const char *reason = ERR_reason_error_string(e);

		n = strlen(last_msg);
		snprintf(last_msg + n, sizeof(last_msg) - n, " (OpenSSL: %s)",
		    reason != NULL ? reason : "unknown");
	}
	ERR_clear_error();
	return code;
}

int
sign_error_last(void)
{
	return last_code;
}

const char *
sign_error_message(void)
{
	if (last_code == 0)
		return "no error";
	return last_msg;
}

unsigned long
sign_error_backend(void)
{
	return last_backend;
}

void
sign_error_clear(void)
{
	last_code = 0;
	last_backend = 0;
	last_msg[0] = '\0';
}

void
sign_log_set(sign_log_cb cb, sign_log_level max_level, void *userdata)
{
	log_cb = cb;
	log_max = max_level;
	log_ud = userdata;
}

int
sign_log__enabled(sign_log_level level)
{
	return log_cb != NULL && level <= log_max;
}

void
sign_log__msg(sign_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!sign_log__enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_cb(level, buf, log_ud);
}

const char *
sign_version(void)
{
	return PACKAGE_VERSION;
}
