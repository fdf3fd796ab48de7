/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz CAdES/CMS verification (what kyso verify and kyso checkin verify
 * read from a hostile file): the signature is checked against the content
 * the seed corpus signs (tests/fuzz/make_cades_corpus.sh), detached or
 * attached, first with no trust anchor, then trusting every certificate of
 * the reported paths.  Invariants: a report exactly when the input parsed,
 * every accessor answers, nothing passes without an anchor, and a return of
 * 0 means TOTAL-PASSED.  The same bytes are also verified as files (what kyso
 * verify does: the streaming reader, the detached content read from a file
 * named as the default content), which must give the same verdict.
 */
#define FUZZ_NAME "cades"
#include "config.h"
#include "icao_replay.h"
#include "cades_priv.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const unsigned char content[] = "Bi\xc3\xaan b\xe1\xba\xa3n h\xe1\xbb\x8dp ng\xc3\xa0y "
    "01/12/2026\n";

/* Read every part of the report; the number of path certificates seen. */
static size_t
walk(const sign_cades_report *r, sign_trust *collect)
{
	const sign_cades_signature *s;
	const unsigned char *der;
	const char *detail;
	sign_cades_check id;
	sign_cades_status st;
	size_t i, k, len, n = 0;
	time_t t;

	if (sign_cades_report_count(r) == 0 ||
	    sign_cades_report_get(r, sign_cades_report_count(r)) != NULL)
		abort();
	(void)sign_cades_report_attached(r);
	(void)sign_cades_report_content_length(r);
	if (sign_cades_indication_str(sign_cades_report_indication(r)) == NULL ||
	    sign_cades_subindication_str(sign_cades_report_subindication(r)) == NULL)
		abort();
	for (i = 0; i < sign_cades_report_count(r); i++) {
		s = sign_cades_report_get(r, i);
		if (s == NULL || sign_cades_signature_signer(s) == NULL ||
		    sign_cades_signature_subject(s) == NULL || sign_cades_signature_serial(s) == NULL ||
		    sign_cades_signature_format(s) == NULL || sign_cades_signature_digest(s) == NULL ||
		    sign_cades_signature_algorithm(s) == NULL)
			abort();
		(void)sign_cades_signature_signing_time(s, &t);
		if (sign_cades_signature_check_count(s) == 0)
			abort();
		for (k = 0; k < sign_cades_signature_check_count(s); k++)
			if (sign_cades_signature_check(s, k, &id, &st, &detail) != 0 || detail == NULL ||
			    sign_cades_check_str(id) == NULL || sign_cades_status_str(st) == NULL)
				abort();
		for (k = 0; k < sign_cades_signature_chain_count(s); k++) {
			if (sign_cades_signature_chain_name(s, k) == NULL ||
			    sign_cades_signature_chain_cert(s, k, &der, &len) != 0 || len == 0)
				abort();
			if (collect != NULL && sign_trust_add_der(collect, der, len) == 0)
				n++;
		}
	}
	return n;
}

/* A directory of our own for the file forms, removed at exit. */
static char dir[64], sig_path[96], content_path[96];

static void
remove_files(void)
{
	unlink(sig_path);
	unlink(content_path);
	rmdir(dir);
}

static int
put_file(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ok = fd >= 0 && (size == 0 || write(fd, data, size) == (ssize_t)size);

	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

static int
files_ready(void)
{
	static int state;       /* 0 not tried, 1 ready, -1 failed */
	const char *tmp = getenv("TMPDIR");

	if (state != 0)
		return state > 0;
	state = -1;
	snprintf(dir, sizeof(dir), "%s/fuzz_cades.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 0;
	snprintf(sig_path, sizeof(sig_path), "%s/sig", dir);
	snprintf(content_path, sizeof(content_path), "%s/content", dir);
	atexit(remove_files);
	if (put_file(content_path, content, sizeof(content) - 1) != 0)
		return 0;
	state = 1;
	return 1;
}

/* The signature as a file, the content as the default detached content. */
static int
verify_file(sign_cades_report **r, const uint8_t *data, size_t size, const sign_trust *trust,
    time_t now)
{
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;

	o.trust = trust;
	o.validation_time = now;
	o.default_content_path = content_path;
	*r = NULL;
	if (put_file(sig_path, data, size) != 0)
		abort();
	return sign_cades_verify_file(r, sig_path, &o);
}

static int
verify(sign_cades_report **r, const uint8_t *data, size_t size, const sign_trust *trust,
    time_t now)
{
	sign_cades_verify_opts o = SIGN_CADES_VERIFY_OPTS_INIT;
	int rc;

	o.trust = trust;
	o.validation_time = now;
	*r = NULL;
	rc = sign_cades_verify_mem(r, data, size, content, sizeof(content) - 1, &o);
	if (rc == SIGN_ERR_USAGE && *r == NULL)      /* attached */
		rc = sign_cades_verify_mem(r, data, size, NULL, 0, &o);
	/* a report exactly when there is a verdict (cades.h) */
	if ((*r != NULL) != (rc == 0 || rc == SIGN_ERR_HASH_MISMATCH || rc == SIGN_ERR_VERIFY ||
	    rc == SIGN_ERR_UNTRUSTED || rc == SIGN_ERR_EXPIRED || rc == SIGN_ERR_NOT_YET_VALID))
		abort();
	if (rc != 0 && (sign_error_message() == NULL || sign_error_message()[0] == '\0'))
		abort();        /* a failure names its cause */
	if (*r != NULL && (rc == 0) != (sign_cades_report_indication(*r) == SIGN_CADES_TOTAL_PASSED))
		abort();
	return rc;
}

/* The file form gives the verdict the memory form gave. */
static void
same_verdict(int rc, const sign_cades_report *r, const uint8_t *data, size_t size,
    const sign_trust *trust, time_t now)
{
	sign_cades_report *f = NULL;
	int frc;

	if (!files_ready())
		return;
	frc = verify_file(&f, data, size, trust, now);
	if (frc != rc || (f == NULL) != (r == NULL))
		abort();
	if (f != NULL) {
		if (sign_cades_report_indication(f) != sign_cades_report_indication(r) ||
		    sign_cades_report_subindication(f) != sign_cades_report_subindication(r) ||
		    sign_cades_report_count(f) != sign_cades_report_count(r) ||
		    sign_cades_report_content_length(f) != sign_cades_report_content_length(r))
			abort();
		walk(f, NULL);
	}
	sign_cades_report_free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sign_cades_report *r = NULL;
	sign_trust *all = NULL;
	time_t now = time(NULL);
	size_t n;
	int rc;

	rc = verify(&r, data, size, NULL, now);
	if (rc == 0)
		abort();        /* nothing passes without a trust anchor */
	same_verdict(rc, r, data, size, NULL, now);
	if (r == NULL) {
		sign_error_clear();
		return 0;
	}
	if (sign_trust_new(&all) != 0)
		abort();
	n = walk(r, all);
	sign_cades_report_free(r);
	if (n > 0) {
		rc = verify(&r, data, size, all, now);
		same_verdict(rc, r, data, size, all, now);
		if (r != NULL)
			walk(r, NULL);
		sign_cades_report_free(r);
	}
	sign_trust_free(all);
	sign_error_clear();
	return 0;
}
