/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --trust and --no-default-trust: see trust_opts.h. */
#include "config.h"

#include <getopt.h>
#include <stddef.h>
#include <string.h>

#include "kyso.h"
#include "trust_opts.h"

int
kyso_trust_option(struct kyso_trust_opts *t, int val, const char *arg)
{
	switch (val) {
	case KYSO_OPT_TRUST:
		if (t->npaths >= KYSO_TRUST_MAX) {
			kyso_err("at most %d --trust options; put the anchors in one directory",
			    KYSO_TRUST_MAX);
			return KYSO_EXIT_USAGE;
		}
		t->paths[t->npaths++] = arg;
		return 0;
	case KYSO_OPT_NO_DEFAULT_TRUST:
		t->no_default = 1;
		return 0;
	}
	return -1;
}

/* The message of a failed trust path, with what to do about it. */
static int
trust_fail(int rc)
{
	const char *msg = sign_error_last() == rc ? sign_error_message() : sign_strerror(rc);
	const char *fix = NULL;

	switch (rc) {
	case SIGN_ERR_NOT_FOUND:
		fix = "check the --trust path";
		break;
	case SIGN_ERR_MALFORMED:
		fix = "trust files and directories may hold only certificates (PEM or DER); "
		    "move other files out";
		break;
	case SIGN_ERR_TOO_LARGE:
		fix = "split the anchors over fewer, smaller files";
		break;
	}
	if (fix != NULL && strchr(msg, ';') == NULL)
		kyso_err("%s; %s", msg, fix);
	else
		kyso_err("%s", msg);
	return kyso_input_exit(rc);
}

int
kyso_trust_load(sign_trust **out, const struct kyso_trust_opts *t, int warn_missing,
    const char **dflt)
{
	sign_trust *st = NULL;
	const char *dir = NULL;
	int rc, i;

	*out = NULL;
	if (dflt != NULL)
		*dflt = NULL;
	rc = sign_trust_new(&st);
	if (rc != 0)
		return kyso_fail(rc);
	if (!t->no_default) {
		dir = sign_trust_default_dir();
		rc = sign_trust_add_default(st);
		if (rc == SIGN_ERR_NOT_FOUND) {
			/* No installed store (a build tree): go on with --trust. */
			if (warn_missing && t->npaths == 0)
				kyso_err("the default trust store %s is missing; install kyso or "
				    "set KYSO_TRUST_DIR, or name anchors with --trust", dir);
			dir = NULL;
		} else if (rc != 0) {
			sign_trust_free(st);
			return trust_fail(rc);
		}
	}
	for (i = 0; i < t->npaths; i++) {
		rc = sign_trust_add_path(st, t->paths[i]);
		if (rc != 0) {
			sign_trust_free(st);
			return trust_fail(rc);
		}
	}
	if (dflt != NULL)
		*dflt = dir;
	*out = st;
	return 0;
}

int
kyso_revocation_option(struct kyso_revocation_opts *r, int val, const char *arg)
{
	switch (val) {
	case KYSO_OPT_CRL:
		if (r->ncrls >= KYSO_TRUST_MAX) {
			kyso_err("at most %d --crl options; put the CRLs in one directory",
			    KYSO_TRUST_MAX);
			return KYSO_EXIT_USAGE;
		}
		r->crls[r->ncrls++] = arg;
		return 0;
	case KYSO_OPT_OCSP:
		r->ocsp = 1;
		return 0;
	case KYSO_OPT_OCSP_URL:
		if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0) {
			kyso_err("--ocsp-url takes the responder's http:// or https:// URL");
			return KYSO_EXIT_USAGE;
		}
		r->ocsp = 1;
		r->ocsp_url = arg;
		return 0;
	case KYSO_OPT_CRL_FETCH:
		r->crl_fetch = 1;
		return 0;
	}
	return -1;
}

int
kyso_revocation_load(sign_trust *store, const struct kyso_revocation_opts *r)
{
	int i, rc;

	for (i = 0; i < r->ncrls; i++) {
		rc = sign_trust_add_crls(store, r->crls[i]);
		if (rc != 0) {
			kyso_err("--crl: %s; name PEM or DER CRL files, or a directory of them",
			    sign_error_last() == rc ? sign_error_message() : sign_strerror(rc));
			return kyso_input_exit(rc);
		}
	}
	return 0;
}

unsigned int
kyso_revocation_flags(const struct kyso_revocation_opts *r)
{
	return (r->ocsp ? SIGN_CADES_VERIFY_OCSP : 0) |
	    (r->crl_fetch ? SIGN_CADES_VERIFY_CRL_FETCH : 0);
}

int
kyso_revocation_cache(sign_trust *trust, const struct kyso_revocation_opts *r)
{
	int rc;

	if (r->ncrls == 0 && !r->ocsp && !r->crl_fetch)
		return 0;
	rc = sign_trust_cache_revocation(trust, SIGN_TRUST_CACHE_DEFAULT);
	return rc != 0 ? kyso_fail(rc) : 0;
}
