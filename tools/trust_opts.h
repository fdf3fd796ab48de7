/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --trust FILE|DIR (repeatable) and --no-default-trust, shared by the
 * commands that verify a signature against trust anchors:
 *
 *   static const struct kyso_opt opts[] = { ..., KYSO_TRUST_OPTIONS("help"), { NULL } };
 *   // in the kyso_parse callback:
 *   if ((rc = kyso_trust_option(&t, val, arg)) >= 0) return rc;
 *   // then:
 *   if ((rc = kyso_trust_load(&store, &t, 1, &dflt)) != 0) return rc;
 */
#ifndef KYSO_TRUST_OPTS_H
#define KYSO_TRUST_OPTS_H

#include <libsign/cades.h>

#define KYSO_TRUST_MAX 64
#define KYSO_OPT_TRUST            0x7a01
#define KYSO_OPT_NO_DEFAULT_TRUST 0x7a02

#define KYSO_TRUST_OPTIONS(help) \
	{ "trust", required_argument, KYSO_OPT_TRUST, "FILE|DIR", help }, \
	{ "no-default-trust", no_argument, KYSO_OPT_NO_DEFAULT_TRUST, NULL, \
	  "do not trust the installed Vietnamese roots" }

struct kyso_trust_opts {
	const char *paths[KYSO_TRUST_MAX];
	int npaths;
	int no_default;
};

/* A trust option: 0 taken, an exit status when refused, -1 not a trust
 * option. */
int kyso_trust_option(struct kyso_trust_opts *t, int val, const char *arg);
/*
 * The trust store: the installed roots (unless --no-default-trust) and each
 * --trust path.  A missing installed store (a build tree) is no error; with
 * warn_missing and no --trust it is said on stderr.  *dflt: the default
 * store's directory when it was loaded, else NULL.  0, or the exit status
 * after a message.
 */
int kyso_trust_load(sign_trust **out, const struct kyso_trust_opts *t, int warn_missing,
    const char **dflt);

/*
 * --crl FILE|DIR (repeatable), --ocsp, --ocsp-url URL and --crl-fetch, shared by the
 * commands that check revocation (kyso verify, kyso checkin verify):
 *
 *   KYSO_REVOCATION_OPTIONS in the option table;
 *   if ((rc = kyso_revocation_option(&r, val, arg)) >= 0) return rc;
 *   if ((rc = kyso_revocation_load(store, &r)) != 0) return rc;   // the CRLs
 *   if ((rc = kyso_revocation_cache(anchors, &r)) != 0) return rc; // one run
 *   vo.flags = kyso_revocation_flags(&r); vo.ocsp_url = r.ocsp_url;
 */
#define KYSO_OPT_CRL      0x7a03
#define KYSO_OPT_OCSP     0x7a04
#define KYSO_OPT_OCSP_URL 0x7a05
#define KYSO_OPT_CRL_FETCH 0x7a06

#define KYSO_REVOCATION_OPTIONS \
	{ "crl", required_argument, KYSO_OPT_CRL, "FILE|DIR", \
	  "CRLs (PEM/DER file, or a directory of *.crl, *.pem, *.der): check that no " \
	  "certificate of the path is revoked; repeatable" }, \
	{ "ocsp", no_argument, KYSO_OPT_OCSP, NULL, \
	  "ask each certificate's OCSP responder whether it is revoked (the network)" }, \
	{ "ocsp-url", required_argument, KYSO_OPT_OCSP_URL, "URL", \
	  "the OCSP responder to ask for every certificate (implies --ocsp)" }, \
	{ "crl-fetch", no_argument, KYSO_OPT_CRL_FETCH, NULL, \
	  "fetch each certificate's CRL from its http:// distribution point (the network)" }

struct kyso_revocation_opts {
	const char *crls[KYSO_TRUST_MAX];
	int ncrls;
	int ocsp;
	const char *ocsp_url;
	int crl_fetch;
};

/* As kyso_trust_option, for the revocation options. */
int kyso_revocation_option(struct kyso_revocation_opts *r, int val, const char *arg);
/* The --crl files into store: 0, or the exit status after a message. */
int kyso_revocation_load(sign_trust *store, const struct kyso_revocation_opts *r);
/* With --crl, --ocsp or --crl-fetch: one revocation cache for the whole run, on the
 * anchors' store (sign_trust_cache_revocation()): each certificate asked
 * about once per responder, each CRL's signature verified once, a responder
 * that does not answer asked once.  0, or the exit status after a message. */
int kyso_revocation_cache(sign_trust *trust, const struct kyso_revocation_opts *r);
/* SIGN_CADES_VERIFY_OCSP, SIGN_CADES_VERIFY_CRL_FETCH as asked for. */
unsigned int kyso_revocation_flags(const struct kyso_revocation_opts *r);


#endif
