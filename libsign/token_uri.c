/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RFC 7512 PKCS#11 URIs, through p11-kit's parser and formatter. */
#include "token_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define URI_MAX 8192

int
sign_token__uri_parse(P11KitUri **out, const char *uri)
{
	P11KitUri *u = NULL;
	int rc = 0, r;

	*out = NULL;
	u = p11_kit_uri_new();
	if (u == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (uri == NULL || *uri == '\0')
		goto done;
	if (strlen(uri) > URI_MAX) {
		rc = sign_error__set(SIGN_ERR_TOO_LARGE, 0, "the PKCS#11 URI is too long");
		goto out;
	}
	if (strncasecmp(uri, "pkcs11:", 7) != 0) {
		rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "'%.64s' is not a PKCS#11 URI: write pkcs11:token=...;object=...", uri);
		goto out;
	}
	r = p11_kit_uri_parse(uri, P11_KIT_URI_FOR_ANY, u);
	if (r != P11_KIT_URI_OK) {
		rc = sign_error__set(r == P11_KIT_URI_UNEXPECTED ? SIGN_ERR_NOMEM :
		    SIGN_ERR_INVALID_ARG, (unsigned long)-r,
		    "malformed PKCS#11 URI: %s", p11_kit_uri_message(r));
		goto out;
	}
	if (p11_kit_uri_get_pin_value(u) != NULL || p11_kit_uri_get_pin_source(u) != NULL) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "the PKCS#11 URI carries a PIN (pin-value or pin-source): remove it and "
		    "give the PIN through a PIN source");
		goto out;
	}
	if (p11_kit_uri_any_unrecognized(u)) {
		rc = sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "the PKCS#11 URI has an attribute this program does not know "
		    "(known: token, manufacturer, serial, model, slot-id, object, id, type, "
		    "module-path)");
		goto out;
	}
done:
	*out = u;
	u = NULL;
out:
	p11_kit_uri_free(u);
	return rc;
}

int
sign_token__uri_format(char **out, const CK_TOKEN_INFO *info, CK_ATTRIBUTE *attrs,
    CK_ULONG nattrs)
{
	P11KitUri *u = NULL;
	CK_TOKEN_INFO *ti;
	char *s = NULL;
	int rc = 0, r;

	*out = NULL;
	u = p11_kit_uri_new();
	if (u == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	ti = p11_kit_uri_get_token_info(u);
	memcpy(ti, info, sizeof(*ti));
	if (attrs != NULL && nattrs > 0 &&
	    p11_kit_uri_set_attributes(u, attrs, nattrs) != P11_KIT_URI_OK) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	r = p11_kit_uri_format(u, attrs != NULL ? P11_KIT_URI_FOR_OBJECT_ON_TOKEN :
	    P11_KIT_URI_FOR_TOKEN, &s);
	if (r != P11_KIT_URI_OK) {
		rc = sign_error__set(SIGN_ERR_GENERIC, (unsigned long)-r,
		    "cannot write a PKCS#11 URI: %s", p11_kit_uri_message(r));
		goto out;
	}
	*out = s;
out:
	p11_kit_uri_free(u);
	return rc;
}

CK_OBJECT_CLASS
sign_token__uri_class(P11KitUri *u)
{
	CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(u, CKA_CLASS);
	CK_OBJECT_CLASS c;

	if (a == NULL || a->pValue == NULL || a->ulValueLen != sizeof(c))
		return (CK_OBJECT_CLASS)-1;
	memcpy(&c, a->pValue, sizeof(c));
	return c;
}
