/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RFC 7512 PKCS#11 URIs, through p11-kit's parser and formatter. */
#include "token_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define URI_MAX 8192

/* 1 for a space between two other characters of an attribute value. */
static int
inner_space(const char *uri, size_t i)
{
	size_t j = i;

	while (j > 0 && uri[j - 1] == ' ')
		j--;
	if (j == 0 || uri[j - 1] == '=')
		return 0;
	j = i;
	while (uri[j] == ' ')
		j++;
	return uri[j] != '\0' && uri[j] != ';' && uri[j] != '?' && uri[j] != '&';
}

/*
 * The URI with the spaces inside attribute values written %20, or NULL when
 * it has none.  p11-kit drops white space anywhere in a URI, so that
 * "token=Sở Y tế" would name a token "SởYtế"; labels with spaces are what
 * users type.
 */
static char *
encode_spaces(const char *uri)
{
	size_t n = 0, i, k = 0;
	int value = 0;
	char *s;

	for (i = 0; uri[i] != '\0'; i++)
		n += uri[i] == ' ';
	if (n == 0)
		return NULL;
	s = malloc(i + 2 * n + 1);
	if (s == NULL)
		return NULL;
	for (i = 0; uri[i] != '\0'; i++) {
		if (uri[i] == ';' || uri[i] == '?' || uri[i] == '&')
			value = 0;
		else if (uri[i] == '=')
			value = 1;
		if (uri[i] == ' ' && value && inner_space(uri, i)) {
			memcpy(s + k, "%20", 3);
			k += 3;
		} else {
			s[k++] = uri[i];
		}
	}
	s[k] = '\0';
	return s;
}

int
sign_token__uri_parse(P11KitUri **out, const char *uri)
{
	P11KitUri *u = NULL;
	char *enc = NULL;
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
	enc = encode_spaces(uri);
	r = p11_kit_uri_parse(enc != NULL ? enc : uri, P11_KIT_URI_FOR_ANY, u);
	free(enc);
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
	/* p11-kit knows module-name (a module registered with p11-kit), but the
	 * module is loaded here by path: a name would be silently ignored. */
	if (p11_kit_uri_get_module_name(u) != NULL) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "module-name=%s in the PKCS#11 URI is not supported: name the module "
		    "with module-path=PATH, --module or KYSO_PKCS11_MODULE",
		    p11_kit_uri_get_module_name(u));
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
