/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opening a token, logging in (PIN callback, PIN pad, tries left), object lookup. */
#include "token_priv.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <p11-kit/p11-kit.h>

/* Longest PIN handed to a callback (bytes, with the NUL). */
#define PIN_CAP 257

void
sign_token__trace(const char *call, CK_RV rv)
{
	if (sign_log__enabled(SIGN_LOG_TRACE))
		sign_log__msg(SIGN_LOG_TRACE, "%s = %s (0x%lx)", call,
		    rv == CKR_OK ? "CKR_OK" : p11_kit_strerror(rv), (unsigned long)rv);
}

int
sign_token__p11_error(int code, CK_RV rv, const char *call, const char *what)
{
	/* A token pulled out is "no token" (exit 4) whatever the call was. */
	if (code == SIGN_ERR_PKCS11 && (rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
	    rv == CKR_SESSION_CLOSED || rv == CKR_SESSION_HANDLE_INVALID))
		return sign_error__set(SIGN_ERR_TOKEN_NOT_FOUND, (unsigned long)rv,
		    "%s: %s: %s (0x%lx); the token was removed: put it back and run again", what,
		    call, p11_kit_strerror(rv), (unsigned long)rv);
	return sign_error__set(code, (unsigned long)rv, "%s: %s: %s (0x%lx)", what, call,
	    p11_kit_strerror(rv), (unsigned long)rv);
}

const char *
sign_token__tries_text(unsigned int f)
{
	if (f & SIGN_TOKEN_PIN_LOCKED)
		return "; the PIN is now locked: unblock it with the SO PIN";
	if (f & SIGN_TOKEN_PIN_FINAL_TRY)
		return "; one try left: one more wrong PIN locks it";
	if (f & SIGN_TOKEN_PIN_COUNT_LOW)
		return "; the token reports few tries left";
	return "; the token does not say how many tries are left";
}

int
sign_token__login_precheck(unsigned int f, int force, const char *label)
{
	if (f & SIGN_TOKEN_PIN_LOCKED)
		return sign_error__set(SIGN_ERR_PIN_LOCKED, CKR_PIN_LOCKED,
		    "the PIN of token '%s' is locked; unblock it with the SO PIN", label);
	if ((f & SIGN_TOKEN_PIN_FINAL_TRY) && !force)
		return sign_error__set(SIGN_ERR_PIN_FINAL_TRY, 0,
		    "token '%s' reports one PIN try left and a wrong PIN would lock it; "
		    "make sure of the PIN and use --force-last-try", label);
	return 0;
}

sign_token *
sign_token__ref(sign_token *tok)
{
	tok->refs++;
	return tok;
}

const sign_token_info *
sign_token_get_info(sign_token *tok)
{
	if (tok == NULL)
		return NULL;
	/* On failure the previous info stays; the strings are heap-owned by
	 * the store, so moving the store keeps the info's pointers valid. */
	{
		struct sign_token_info_store st;

		memset(&st, 0, sizeof(st));
		if (sign_token__info_read(tok->mod, tok->slot_id, &st) == 0) {
			sign_token__info_clear(&tok->info);
			tok->info = st;
		}
	}
	return &tok->info.info;
}

int
sign_token__login_error(sign_token *tok, CK_RV rv, int context)
{
	const sign_token_info *ti;
	const char *what = context ? "PIN (asked again for the key)" : "PIN";

	switch (rv) {
	case CKR_PIN_INCORRECT:
		ti = sign_token_get_info(tok);
		return sign_error__set(SIGN_ERR_PIN_INCORRECT, rv, "wrong %s for token '%s'%s",
		    what, ti->label, sign_token__tries_text(ti->flags));
	case CKR_PIN_LOCKED:
		return sign_error__set(SIGN_ERR_PIN_LOCKED, rv,
		    "the PIN of token '%s' is locked; unblock it with the SO PIN",
		    tok->info.info.label);
	case CKR_PIN_LEN_RANGE:
	case CKR_PIN_INVALID:
		return sign_error__set(SIGN_ERR_PIN_INVALID, rv,
		    "token '%s' refuses a PIN of this length or form", tok->info.info.label);
	case CKR_FUNCTION_CANCELED:
		return sign_error__set(SIGN_ERR_CANCELLED, rv, "the PIN entry was cancelled");
	case CKR_USER_PIN_NOT_INITIALIZED:
		return sign_error__set(SIGN_ERR_AUTH_FAILED, rv,
		    "token '%s' has no user PIN; initialise it with the SO PIN first",
		    tok->info.info.label);
	default:
		return sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_Login", "login failed");
	}
}

/* 1 when the token's info gives PIN lengths (sane ones) and len is out of
 * them. */
static int
pin_len_bad(const CK_TOKEN_INFO *raw, size_t len)
{
	CK_ULONG lo = raw->ulMinPinLen, hi = raw->ulMaxPinLen;

	if (hi == 0 || hi == CK_UNAVAILABLE_INFORMATION || lo > hi || hi > 4096)
		return 0;
	return (CK_ULONG)len < lo || (CK_ULONG)len > hi;
}

/* C_Login as user; ti is the token's info just read (its PIN flags). */
static int
login_as(sign_token *tok, CK_USER_TYPE user, const char *key_label, const sign_token_info *ti)
{
	sign_pin_request req;
	char pin[PIN_CAP];
	size_t len;
	CK_RV rv;
	int rc;

	rc = sign_token__login_precheck(ti->flags,
	    (tok->flags & SIGN_TOKEN_FORCE_LAST_TRY) != 0, ti->label);
	if (rc != 0)
		return rc;
	if (tok->pin_cb == NULL)
		return sign_error__set(SIGN_ERR_PIN_REQUIRED, 0,
		    "token '%s' needs a PIN and no PIN source was given", ti->label);
	memset(&req, 0, sizeof(req));
	req.kind = user == CKU_CONTEXT_SPECIFIC ? SIGN_PIN_CONTEXT : SIGN_PIN_USER;
	req.token = ti;
	req.key_label = key_label;
	memset(pin, 0, sizeof(pin));
	rc = tok->pin_cb(&req, pin, sizeof(pin), tok->pin_ud);
	if (rc < 0) {
		OPENSSL_cleanse(pin, sizeof(pin));
		return sign_error__set(rc, 0, "no PIN for token '%s': %s", ti->label,
		    sign_strerror(rc));
	}
	if (rc == SIGN_PIN_USE_PINPAD) {
		OPENSSL_cleanse(pin, sizeof(pin));
		if (!(ti->flags & SIGN_TOKEN_PINPAD))
			return sign_error__set(SIGN_ERR_USAGE, 0,
			    "token '%s' has no PIN pad (protected authentication path); "
			    "choose another PIN source", ti->label);
		sign_log__msg(SIGN_LOG_DEBUG, "logging in to '%s' on its PIN pad", ti->label);
		rv = tok->mod->f->C_Login(tok->session, user, NULL, 0);
	} else if (rc == 0) {
		len = strnlen(pin, sizeof(pin));
		if (len == sizeof(pin)) {
			OPENSSL_cleanse(pin, sizeof(pin));
			return sign_error__set(SIGN_ERR_PIN_INVALID, 0, "the PIN is too long");
		}
		/* A PIN of a length the token says it never takes cannot be
		 * right: no try is spent on it. */
		if (pin_len_bad(&tok->info.raw, len)) {
			OPENSSL_cleanse(pin, sizeof(pin));
			return sign_error__set(SIGN_ERR_PIN_INVALID, 0,
			    "the PIN given is %zu bytes long but token '%s' takes PINs of %lu to "
			    "%lu bytes; no PIN try was spent", len, ti->label,
			    (unsigned long)tok->info.raw.ulMinPinLen,
			    (unsigned long)tok->info.raw.ulMaxPinLen);
		}
		rv = tok->mod->f->C_Login(tok->session, user, (CK_UTF8CHAR *)pin,
		    (CK_ULONG)len);
		OPENSSL_cleanse(pin, sizeof(pin));
	} else {
		OPENSSL_cleanse(pin, sizeof(pin));
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "the PIN callback returned %d", rc);
	}
	sign_token__trace(user == CKU_CONTEXT_SPECIFIC ?
	    "C_Login(CKU_CONTEXT_SPECIFIC, PIN not logged)" :
	    "C_Login(CKU_USER, PIN not logged)", rv);
	if (rv == CKR_OK || (rv == CKR_USER_ALREADY_LOGGED_IN && user != CKU_CONTEXT_SPECIFIC))
		return 0;
	return sign_token__login_error(tok, rv, user == CKU_CONTEXT_SPECIFIC);
}

int
sign_token__do_login(sign_token *tok, CK_USER_TYPE user, const char *key_label)
{
	return login_as(tok, user, key_label, sign_token_get_info(tok));
}

int
sign_token_login(sign_token *tok)
{
	const sign_token_info *ti;
	CK_SESSION_INFO si;
	CK_RV rv;
	int rc;

	if (tok == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no token");
	if (tok->logged_in)
		return 0;
	rv = tok->mod->f->C_GetSessionInfo(tok->session, &si);
	sign_token__trace("C_GetSessionInfo", rv);
	if (rv != CKR_OK)
		return sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_GetSessionInfo",
		    "the token session is gone (token removed?)");
	if (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS) {
		tok->logged_in = 1;
		return 0;
	}
	ti = sign_token_get_info(tok);
	if (!(ti->flags & SIGN_TOKEN_LOGIN_REQUIRED)) {
		sign_log__msg(SIGN_LOG_DEBUG, "token '%s' needs no login", ti->label);
		tok->logged_in = 1;
		return 0;
	}
	rc = login_as(tok, CKU_USER, NULL, ti);
	if (rc == 0)
		tok->logged_in = 1;
	return rc;
}

int
sign_token__open_slot(sign_token **out, struct sign_p11_module *mod, PKCS11_SLOT *slot,
    const sign_token_options *opts, struct sign_token_info_store *st)
{
	sign_token *tok;
	CK_RV rv;
	int rc;

	*out = NULL;
	tok = calloc(1, sizeof(*tok));
	if (tok == NULL) {
		sign_token__module_put(mod);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	tok->refs = 1;
	tok->mod = mod;
	tok->slot = slot;
	tok->slot_id = PKCS11_get_slotid_from_slot(slot);
	if (opts != NULL) {
		tok->pin_cb = opts->pin_cb;
		tok->pin_ud = opts->pin_userdata;
		tok->flags = opts->flags;
	}
	if (st != NULL) {
		tok->info = *st;
		memset(st, 0, sizeof(*st));
	} else {
		rc = sign_token__info_read(mod, tok->slot_id, &tok->info);
		if (rc != 0)
			goto fail;
	}
	/* Opened to store something: refused here, before any PIN is asked
	 * (C_OpenSession itself may not refuse a read-write session). */
	if ((tok->flags & SIGN_TOKEN_OPEN_RW) && (tok->info.raw.flags & CKF_WRITE_PROTECTED)) {
		rc = sign_error__set(SIGN_ERR_USAGE, (unsigned long)CKR_TOKEN_WRITE_PROTECTED,
		    "token '%s' is write-protected: nothing can be stored on it; use a "
		    "writable token", tok->info.info.label != NULL ? tok->info.info.label : "");
		goto fail;
	}
	rv = mod->f->C_OpenSession(tok->slot_id, CKF_SERIAL_SESSION |
	    ((tok->flags & SIGN_TOKEN_OPEN_RW) ? CKF_RW_SESSION : 0), NULL, NULL,
	    &tok->session);
	sign_token__trace("C_OpenSession", rv);
	if (rv != CKR_OK) {
		rc = sign_token__p11_error(rv == CKR_TOKEN_WRITE_PROTECTED ? SIGN_ERR_USAGE :
		    rv == CKR_TOKEN_NOT_PRESENT ? SIGN_ERR_TOKEN_NOT_FOUND : SIGN_ERR_PKCS11,
		    rv, "C_OpenSession", "cannot open a session on the token");
		goto fail;
	}
	tok->have_session = 1;
	*out = tok;
	return 0;
fail:
	sign_token_free(tok);
	return rc;
}

int
sign_token_open(sign_token **out, const char *uri, const sign_token_options *opts)
{
	struct sign_p11_module *mod = NULL;
	struct sign_token_info_store st, pick;
	P11KitUri *u = NULL;
	PKCS11_SLOT *found = NULL;
	const char *path;
	char seen[256] = "", both[512] = "";
	unsigned int i, n = 0;
	int rc;

	memset(&st, 0, sizeof(st));
	memset(&pick, 0, sizeof(pick));
	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no output for the token");
	*out = NULL;
	if (opts != NULL && opts->version != SIGN_TOKEN_OPTIONS_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_token_options version %u is not supported", opts->version);
	rc = sign_token__uri_parse(&u, uri);
	if (rc != 0)
		goto out;
	rc = sign_token_module_path(&path, uri, opts != NULL ? opts->module : NULL);
	if (rc != 0)
		goto out;
	rc = sign_token__module_get(&mod, path);
	if (rc != 0)
		goto out;
	for (i = 0; i < mod->nslots; i++) {
		rc = sign_token__info_read(mod, PKCS11_get_slotid_from_slot(&mod->slots[i]), &st);
		if (rc != 0)
			goto out;
		if (st.has_token && (st.info.flags & SIGN_TOKEN_INITIALIZED)) {
			size_t l = strlen(seen);

			if (l + strlen(st.label) + 4 < sizeof(seen))
				snprintf(seen + l, sizeof(seen) - l, "%s'%s'", l ? ", " : "",
				    st.label);
			if (sign_token__slot_matches(u, mod, &st)) {
				l = strlen(both);
				if (l + strlen(st.label) + strlen(st.serial) + 16 < sizeof(both))
					snprintf(both + l, sizeof(both) - l, "%s'%s' (serial %s)",
					    l ? ", " : "", st.label, st.serial);
				found = &mod->slots[i];
				if (n++ == 0) {
					pick = st;
					memset(&st, 0, sizeof(st));
				}
			}
		}
		sign_token__info_clear(&st);
	}
	if (n == 0) {
		rc = sign_error__set(SIGN_ERR_TOKEN_NOT_FOUND, 0,
		    "no token matches %s (module %s has %s)", uri != NULL && *uri ? uri :
		    "the URI", path, *seen ? seen : "no initialised token");
		goto out;
	}
	if (n > 1) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "%u tokens match %s: %s; name one by its serial (pkcs11:serial=SERIAL;token=...)",
		    n, uri != NULL && *uri ? uri : "the URI", both);
		goto out;
	}
	rc = sign_token__open_slot(out, mod, found, opts, &pick);
	mod = NULL;
out:
	sign_token__info_clear(&st);
	sign_token__info_clear(&pick);
	sign_token__module_put(mod);
	p11_kit_uri_free(u);
	return rc;
}

void
sign_token_free(sign_token *tok)
{
	if (tok == NULL || --tok->refs > 0)
		return;
	if (tok->have_session) {
		CK_RV rv = tok->mod->f->C_CloseSession(tok->session);

		sign_token__trace("C_CloseSession", rv);
	}
	sign_token__info_clear(&tok->info);
	sign_token__module_put(tok->mod);
	free(tok);
}

int
sign_token__find(sign_token *tok, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out,
    CK_ULONG max, CK_ULONG *found)
{
	CK_FUNCTION_LIST *f = tok->mod->f;
	CK_ULONG got = 0;
	CK_RV rv;

	*found = 0;
	rv = f->C_FindObjectsInit(tok->session, tmpl, n);
	sign_token__trace("C_FindObjectsInit", rv);
	if (rv != CKR_OK)
		return sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_FindObjectsInit",
		    "cannot search the token");
	rv = f->C_FindObjects(tok->session, out, max, &got);
	sign_token__trace("C_FindObjects", rv);
	f->C_FindObjectsFinal(tok->session);
	if (rv != CKR_OK)
		return sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_FindObjects",
		    "cannot search the token");
	*found = got;
	return 0;
}

int
sign_token__attr(sign_token *tok, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
    unsigned char **val, CK_ULONG *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	*val = NULL;
	*len = 0;
	rv = tok->mod->f->C_GetAttributeValue(tok->session, h, &a, 1);
	if (rv != CKR_OK || a.ulValueLen == (CK_ULONG)-1) {
		sign_token__trace("C_GetAttributeValue", rv);
		return sign_token__p11_error(rv == CKR_ATTRIBUTE_TYPE_INVALID ||
		    rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_OK ? SIGN_ERR_NOT_FOUND :
		    SIGN_ERR_PKCS11, rv, "C_GetAttributeValue", "cannot read an attribute");
	}
	if (a.ulValueLen > 1024 * 1024)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "a token attribute is too large");
	a.pValue = OPENSSL_malloc(a.ulValueLen + 1);
	if (a.pValue == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rv = tok->mod->f->C_GetAttributeValue(tok->session, h, &a, 1);
	if (rv != CKR_OK) {
		OPENSSL_free(a.pValue);
		return sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_GetAttributeValue",
		    "cannot read an attribute");
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return 0;
}

int
sign_token__attr_bool(sign_token *tok, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, int def)
{
	CK_BBOOL b = CK_FALSE;
	CK_ATTRIBUTE a = { type, &b, sizeof(b) };

	if (tok->mod->f->C_GetAttributeValue(tok->session, h, &a, 1) != CKR_OK ||
	    a.ulValueLen != sizeof(b))
		return def;
	return b == CK_TRUE;
}
