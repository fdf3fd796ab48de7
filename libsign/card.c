/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Readers, waiting for a card, and the sign_card_doc object (files read,
 * AA exchange, counters, dump, conversion for passive authentication). */
#include "card_priv.h"
#include "pcsc_priv.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/crypto.h>

struct sign_card_readers {
	struct sign_pcsc__reader *r;
	size_t n;
};

int
sign_card_readers_list(sign_card_readers **out)
{
	sign_card_readers *rs = NULL;
	sign_pcsc *ctx = NULL;
	int rc;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "out is NULL");
	*out = NULL;
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	rc = sign_pcsc__open(&ctx);
	if (rc != 0)
		goto out;
	rc = sign_pcsc__list(ctx, &rs->r, &rs->n);
	if (rc != 0)
		goto out;
	*out = rs;
	rs = NULL;
out:
	sign_card_readers_free(rs);
	sign_pcsc__free(ctx);
	return rc;
}

void
sign_card_readers_free(sign_card_readers *rs)
{
	if (rs == NULL)
		return;
	sign_pcsc__list_free(rs->r, rs->n);
	free(rs);
}

size_t
sign_card_readers_count(const sign_card_readers *rs)
{
	return rs != NULL ? rs->n : 0;
}

const char *
sign_card_readers_name(const sign_card_readers *rs, size_t i)
{
	return rs != NULL && i < rs->n ? rs->r[i].name : NULL;
}

int
sign_card_readers_present(const sign_card_readers *rs, size_t i)
{
	return rs != NULL && i < rs->n ? rs->r[i].present : 0;
}

int
sign_card_readers_in_use(const sign_card_readers *rs, size_t i)
{
	return rs != NULL && i < rs->n ? rs->r[i].in_use : 0;
}

const unsigned char *
sign_card_readers_atr(const sign_card_readers *rs, size_t i, size_t *len)
{
	if (rs == NULL || i >= rs->n || rs->r[i].atr_len == 0) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = rs->r[i].atr_len;
	return rs->r[i].atr;
}

int
sign_card_wait(const char *reader, unsigned long timeout_ms)
{
	sign_pcsc *ctx = NULL;
	int rc;

	rc = sign_pcsc__open(&ctx);
	if (rc == 0)
		rc = sign_pcsc__wait(ctx, reader, timeout_ms, NULL);
	sign_pcsc__free(ctx);
	return rc;
}

/* ---- the document ---- */

int
sign_card__doc_new(sign_card_doc **out)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	return 0;
}

void
sign_card_doc_free(sign_card_doc *doc)
{
	size_t i;

	if (doc == NULL)
		return;
	for (i = 0; i < doc->nfiles; i++)
		sign__freezero(doc->files[i].data, doc->files[i].len);
	sign__freezero(doc->aa_resp, doc->aa_resp_len);
	free(doc->reader);
	OPENSSL_cleanse(doc, sizeof(*doc));
	free(doc);
}

int
sign_card__doc_add(sign_card_doc *doc, unsigned int fid, sign_buf *data)
{
	size_t i;

	if (doc->nfiles >= SIGN_CARD__DOC_FILES)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "too many files");
	for (i = 0; i < doc->nfiles; i++)
		if (doc->files[i].fid == fid)
			return sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
			    "file %04X read twice", fid);
	doc->files[doc->nfiles].fid = fid;
	doc->files[doc->nfiles].data = data->data;
	doc->files[doc->nfiles].len = data->len;
	doc->nfiles++;
	data->data = NULL;
	data->len = 0;
	return 0;
}

int
sign_card__doc_skip(sign_card_doc *doc, unsigned int fid, const char *reason)
{
	if (doc->nskipped >= SIGN_CARD__DOC_FILES)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "too many files");
	doc->skipped[doc->nskipped].fid = fid;
	snprintf(doc->skipped[doc->nskipped].reason, sizeof(doc->skipped[0].reason), "%s",
	    reason);
	doc->nskipped++;
	return 0;
}

const char *
sign_card_fid_name(unsigned int fid)
{
	static const char *dg[] = {
		"DG1", "DG2", "DG3", "DG4", "DG5", "DG6", "DG7", "DG8", "DG9", "DG10",
		"DG11", "DG12", "DG13", "DG14", "DG15", "DG16"
	};

	if (fid == SIGN_LDS_FID_COM)
		return "EF.COM";
	if (fid == SIGN_LDS_FID_SOD)
		return "EF.SOD";
	if (fid == SIGN_LDS_FID_CARD_ACCESS)
		return "EF.CardAccess";
	if (fid >= SIGN_LDS_FID_DG(1) && fid <= SIGN_LDS_FID_DG(16))
		return dg[fid - SIGN_LDS_FID_DG(1)];
	return NULL;
}

int
sign_card_doc_file(const sign_card_doc *doc, unsigned int fid, const unsigned char **data,
    size_t *len)
{
	size_t i;

	if (data != NULL)
		*data = NULL;
	if (len != NULL)
		*len = 0;
	if (doc == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "doc is NULL");
	for (i = 0; i < doc->nfiles; i++) {
		if (doc->files[i].fid == fid) {
			if (data != NULL)
				*data = doc->files[i].data;
			if (len != NULL)
				*len = doc->files[i].len;
			return 0;
		}
	}
	return SIGN_ERR_NOT_FOUND;
}

size_t
sign_card_doc_count(const sign_card_doc *doc)
{
	return doc != NULL ? doc->nfiles : 0;
}

int
sign_card_doc_file_at(const sign_card_doc *doc, size_t i, unsigned int *fid,
    const unsigned char **data, size_t *len)
{
	if (doc == NULL || i >= doc->nfiles)
		return SIGN_ERR_NOT_FOUND;
	if (fid != NULL)
		*fid = doc->files[i].fid;
	if (data != NULL)
		*data = doc->files[i].data;
	if (len != NULL)
		*len = doc->files[i].len;
	return 0;
}

size_t
sign_card_doc_skipped_count(const sign_card_doc *doc)
{
	return doc != NULL ? doc->nskipped : 0;
}

int
sign_card_doc_skipped_at(const sign_card_doc *doc, size_t i, unsigned int *fid,
    const char **reason)
{
	if (doc == NULL || i >= doc->nskipped)
		return SIGN_ERR_NOT_FOUND;
	if (fid != NULL)
		*fid = doc->skipped[i].fid;
	if (reason != NULL)
		*reason = doc->skipped[i].reason;
	return 0;
}

int
sign_card_doc_aa(const sign_card_doc *doc, const unsigned char **challenge,
    size_t *challenge_len, const unsigned char **response, size_t *response_len)
{
	if (doc == NULL || !doc->have_aa)
		return SIGN_ERR_NOT_FOUND;
	if (challenge != NULL)
		*challenge = doc->aa_chal;
	if (challenge_len != NULL)
		*challenge_len = sizeof(doc->aa_chal);
	if (response != NULL)
		*response = doc->aa_resp;
	if (response_len != NULL)
		*response_len = doc->aa_resp_len;
	return 0;
}

const char *
sign_card_doc_aa_note(const sign_card_doc *doc)
{
	return doc != NULL && doc->aa_note[0] != '\0' ? doc->aa_note : NULL;
}

unsigned int
sign_card_doc_aa_sw(const sign_card_doc *doc)
{
	return doc != NULL ? doc->aa_sw : 0;
}

sign_chipauth_verdict
sign_card_doc_chipauth(const sign_card_doc *doc, const char **message, const char **protocol)
{
	if (message != NULL)
		*message = doc != NULL ? doc->ca_note : "";
	if (protocol != NULL)
		*protocol = doc != NULL && doc->ca_protocol[0] != '\0' ? doc->ca_protocol : NULL;
	return doc != NULL ? doc->ca : SIGN_CHIPAUTH_NOT_ATTEMPTED;
}

const char *
sign_card_doc_reader(const sign_card_doc *doc)
{
	return doc != NULL ? doc->reader : NULL;
}

size_t
sign_card_doc_key_index(const sign_card_doc *doc)
{
	return doc != NULL ? doc->key_index : 0;
}

void
sign_card_doc_stats(const sign_card_doc *doc, sign_card_stats *out)
{
	if (out == NULL)
		return;
	if (doc == NULL) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = doc->stats;
}

int
sign_card_doc_to_pa(const sign_card_doc *doc, sign_pa_doc **out)
{
	sign_pa_doc *pa = NULL;
	size_t i;
	int rc;

	if (out == NULL || doc == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "NULL argument");
	*out = NULL;
	rc = sign_pa_doc_new(&pa);
	if (rc != 0)
		return rc;
	for (i = 0; i < doc->nfiles && rc == 0; i++) {
		unsigned int fid = doc->files[i].fid;

		if (fid == SIGN_LDS_FID_SOD)
			rc = sign_pa_doc_set_sod(pa, doc->files[i].data, doc->files[i].len);
		else if (fid >= SIGN_LDS_FID_DG(1) && fid <= SIGN_LDS_FID_DG(16))
			rc = sign_pa_doc_set_dg(pa, (int)(fid - SIGN_LDS_FID_DG(0)),
			    doc->files[i].data, doc->files[i].len);
	}
	if (rc == 0 && doc->have_aa)
		rc = sign_pa_doc_set_aa(pa, doc->aa_chal, sizeof(doc->aa_chal), doc->aa_resp,
		    doc->aa_resp_len);
	/* Chip Authentication was proven (or not) by the live session only. */
	if (rc == 0)
		rc = sign_pa_doc_set_chipauth(pa, doc->ca, doc->ca_note);
	if (rc != 0) {
		sign_pa_doc_free(pa);
		return rc;
	}
	*out = pa;
	return 0;
}

/* ---- dump ---- */

static int
dump_name(unsigned int fid, char *out, size_t cap)
{
	if (fid == SIGN_LDS_FID_COM)
		snprintf(out, cap, "%s", SIGN_PA_DUMP_COM);
	else if (fid == SIGN_LDS_FID_SOD)
		snprintf(out, cap, "%s", SIGN_PA_DUMP_SOD);
	else if (fid >= SIGN_LDS_FID_DG(1) && fid <= SIGN_LDS_FID_DG(16))
		snprintf(out, cap, SIGN_PA_DUMP_DG_FORMAT, (int)(fid - SIGN_LDS_FID_DG(0)));
	else
		return -1;
	return 0;
}

static int
write_in(const char *dir, const char *name, const unsigned char *data, size_t len)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "path too long: %s", dir);
	return sign__write_file_atomic(path, data, len, 0);
}

static void
remove_tree(const char *dir, const sign_card_doc *doc)
{
	char path[PATH_MAX], name[64];
	size_t i;

	for (i = 0; i < doc->nfiles; i++) {
		if (dump_name(doc->files[i].fid, name, sizeof(name)) == 0 &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path))
			unlink(path);
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, SIGN_PA_DUMP_AA_CHALLENGE) <
	    sizeof(path))
		unlink(path);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, SIGN_PA_DUMP_AA_RESPONSE) <
	    sizeof(path))
		unlink(path);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, SIGN_PA_DUMP_AA_STATUS) <
	    sizeof(path))
		unlink(path);
	rmdir(dir);
}

static int
dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

/* The temporary directory beside dir ("dir.tmpXXXXXX" in tmp). */
static int
tmp_beside(const char *dir, char *tmp, size_t cap)
{
	size_t dl = strlen(dir);

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if ((size_t)snprintf(tmp, cap, "%.*s.tmpXXXXXX", (int)dl, dir) >= cap)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "path too long: %s", dir);
	return 0;
}

int
sign_card_dump_ready(const char *dir)
{
	char tmp[PATH_MAX];
	struct stat st;
	int rc;

	if (dir == NULL || *dir == '\0')
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no dump directory given");
	/* The dump is made in a directory beside dir, then renamed: make sure
	 * that works now, not after the card was read. */
	if ((rc = tmp_beside(dir, tmp, sizeof(tmp))) != 0)
		return rc;
	if (mkdtemp(tmp) == NULL)
		return sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "cannot create a directory beside %s: %s", dir, strerror(errno));
	rmdir(tmp);
	/* lstat: the dump is renamed over dir, which replaces an empty
	 * directory but not a symbolic link to one. */
	if (lstat(dir, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "%s: %s", dir,
		    strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return sign_error__set(SIGN_ERR_EXISTS, 0,
		    "%s is a symbolic link; give a new or empty directory for the dump", dir);
	if (!S_ISDIR(st.st_mode))
		return sign_error__set(SIGN_ERR_EXISTS, 0,
		    "%s exists and is not a directory; give a new or empty directory", dir);
	if (!dir_empty(dir))
		return sign_error__set(SIGN_ERR_EXISTS, 0,
		    "%s is not empty; give a new or empty directory for the dump", dir);
	return 0;
}

int
sign_card_doc_dump(const sign_card_doc *doc, const char *dir)
{
	char tmp[PATH_MAX], name[64];
	size_t i;
	int rc;

	if (doc == NULL || dir == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "NULL argument");
	rc = sign_card_dump_ready(dir);
	if (rc != 0)
		return rc;
	if ((rc = tmp_beside(dir, tmp, sizeof(tmp))) != 0)
		return rc;
	if (mkdtemp(tmp) == NULL)
		return sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "cannot create a directory beside %s: %s", dir, strerror(errno));
	for (i = 0; i < doc->nfiles; i++) {
		if (dump_name(doc->files[i].fid, name, sizeof(name)) != 0)
			continue;
		rc = write_in(tmp, name, doc->files[i].data, doc->files[i].len);
		if (rc != 0)
			goto fail;
	}
	if (doc->have_aa) {
		rc = write_in(tmp, SIGN_PA_DUMP_AA_CHALLENGE, doc->aa_chal, sizeof(doc->aa_chal));
		if (rc == 0)
			rc = write_in(tmp, SIGN_PA_DUMP_AA_RESPONSE, doc->aa_resp, doc->aa_resp_len);
		if (rc != 0)
			goto fail;
	}
	if (!doc->have_aa && doc->aa_sw != 0) {
		/* The chip's refusal is a verdict too: offline it must not read
		 * as "AA not done". */
		unsigned char sw[2] = { (unsigned char)(doc->aa_sw >> 8),
		    (unsigned char)doc->aa_sw };

		rc = write_in(tmp, SIGN_PA_DUMP_AA_STATUS, sw, sizeof(sw));
		if (rc != 0)
			goto fail;
	}
	/* rename() replaces an empty directory and fails on a non-empty one. */
	if (rename(tmp, dir) != 0) {
		int e = errno;

		rc = sign_error__set(e == ENOTEMPTY || e == EEXIST ? SIGN_ERR_EXISTS : SIGN_ERR_IO,
		    (unsigned long)e, "cannot put the dump in place at %s: %s", dir, strerror(e));
		goto fail;
	}
	return 0;
fail:
	remove_tree(tmp, doc);
	return rc;
}
