/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the certificate-file reader (PEM blocks of any kind, DER, PKCS#7):
 * what kyso cert import/show, kyso sign --cert/--chain and --trust read;
 * and the subject parser of kyso cert request --subject on the same bytes
 * as text. */
#define FUZZ_NAME "certfile"
#include "config.h"
#include "icao_replay.h"
#include "signer_priv.h"
#include "token_priv.h"

#include <stdlib.h>
#include <string.h>

/* "/C=VN/O=.../CN=...": a name with at least one entry, or a cause. */
static void
subject(const uint8_t *data, size_t size)
{
	X509_NAME *nm = X509_NAME_new();
	char *text = malloc(size + 1);

	if (nm == NULL || text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (sign_cert__parse_subject(nm, text) == 0) {
		if (X509_NAME_entry_count(nm) == 0)
			abort();
	} else if (sign_error_message() == NULL || sign_error_message()[0] == '\0') {
		abort();
	}
	sign_error_clear();
	free(text);
	X509_NAME_free(nm);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_cert_list *l = NULL;
	const sign_cert_info *ci;
	size_t i;

	if (sign_cert__list_from_mem(&l, data, size, "fuzz") == 0) {
		if (sign_cert_list_count(l) == 0)
			abort();        /* success means at least one certificate */
		for (i = 0; i < sign_cert_list_count(l); i++) {
			ci = sign_cert_get_info(sign_cert_list_get(l, i));
			if (ci == NULL || ci->subject == NULL || ci->sha256 == NULL)
				abort();
		}
	} else if (l != NULL || sign_error_message() == NULL || sign_error_message()[0] == '\0') {
		abort();                /* a failure names its cause, and returns nothing */
	}
	sign_cert_list_free(l);
	subject(data, size);
	return 0;
}
