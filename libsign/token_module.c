/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PKCS#11 modules: which module to load (option, URI, environment,
 * configuration file, p11-kit proxy), loading it once per process, and the
 * slot list.
 */
#include "token_priv.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>
#include <p11-kit/p11-kit.h>

#define CONF_MAX (64 * 1024)
#define PATH_CAP 4096

static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sign_p11_module *modules;

/* ---- configuration ------------------------------------------------------- */

/*
 * The configuration file is lines of "key = value"; '#' starts a comment
 * line; blank lines are ignored; keys other than pkcs11-module are left to
 * the modules that own them.  Leading and trailing blanks around key and
 * value are dropped.  The last pkcs11-module line wins.
 */
int
sign_token__conf_module(const char *text, size_t len, char *out, size_t cap)
{
	static const char key[] = "pkcs11-module";
	size_t pos = 0;
	int found = 0;

	while (pos < len) {
		const char *line = text + pos, *end, *eq, *k0, *k1, *v0, *v1;
		const char *nl = memchr(line, '\n', len - pos);

		end = nl != NULL ? nl : text + len;
		pos = (size_t)(end - text) + 1;
		k0 = line;
		while (k0 < end && (*k0 == ' ' || *k0 == '\t'))
			k0++;
		if (k0 == end || *k0 == '#')
			continue;
		eq = memchr(k0, '=', (size_t)(end - k0));
		if (eq == NULL)
			continue;
		k1 = eq;
		while (k1 > k0 && (k1[-1] == ' ' || k1[-1] == '\t'))
			k1--;
		if ((size_t)(k1 - k0) != sizeof(key) - 1 || memcmp(k0, key, sizeof(key) - 1) != 0)
			continue;
		v0 = eq + 1;
		v1 = end;
		while (v0 < v1 && (*v0 == ' ' || *v0 == '\t'))
			v0++;
		while (v1 > v0 && (v1[-1] == ' ' || v1[-1] == '\t' || v1[-1] == '\r'))
			v1--;
		if ((size_t)(v1 - v0) + 1 > cap)
			return sign_error__set(SIGN_ERR_TOO_LARGE, 0,
			    "the pkcs11-module path in the configuration is too long");
		if (v1 == v0 || memchr(v0, '\0', (size_t)(v1 - v0)) != NULL)
			continue;
		memcpy(out, v0, (size_t)(v1 - v0));
		out[v1 - v0] = '\0';
		found = 1;
	}
	return found ? 0 : SIGN_ERR_NOT_FOUND;
}

static int
conf_module(char *out, size_t cap)
{
	const char *path = getenv("KYSO_CONF");
	sign_buf text = SIGN_BUF_INIT;
	int rc;

	if (path == NULL || *path == '\0')
		path = SIGN_SYSCONFDIR "/kyso.conf";
	if (access(path, F_OK) != 0)
		return SIGN_ERR_NOT_FOUND;
	rc = sign__read_file(path, CONF_MAX, &text);
	if (rc != 0)
		return rc;
	rc = sign_token__conf_module((const char *)text.data, text.len, out, cap);
	sign_buf_dispose(&text);
	return rc;
}

int
sign_token_module_path(const char **out, const char *uri, const char *module)
{
	static _Thread_local char path[PATH_CAP];
	P11KitUri *u = NULL;
	const char *p;
	int rc = 0;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no output for the module path");
	*out = NULL;
	rc = sign_token__uri_parse(&u, uri);
	if (rc != 0)
		goto out;
	p = p11_kit_uri_get_module_path(u);
	if (module != NULL && *module != '\0') {
		if (p != NULL && strcmp(p, module) != 0) {
			rc = sign_error__set(SIGN_ERR_USAGE, 0,
			    "the URI names the module %s but %s was asked for; give one", p,
			    module);
			goto out;
		}
		p = module;
	}
	if (p == NULL || *p == '\0')
		p = getenv("KYSO_PKCS11_MODULE");
	if (p == NULL || *p == '\0') {
		rc = conf_module(path, sizeof(path));
		if (rc == 0)
			p = path;
		else if (rc != SIGN_ERR_NOT_FOUND)
			goto out;
		rc = 0;
	}
	if (p == NULL || *p == '\0')
		p = SIGN_DEFAULT_PKCS11_MODULE;
	if (strlen(p) >= sizeof(path)) {
		rc = sign_error__set(SIGN_ERR_TOO_LARGE, 0, "the module path is too long");
		goto out;
	}
	if (p != path)
		memmove(path, p, strlen(p) + 1);
	*out = path;
out:
	p11_kit_uri_free(u);
	return rc;
}

/* ---- loading ------------------------------------------------------------- */

static void
module_destroy(struct sign_p11_module *m)
{
	if (m == NULL)
		return;
	if (m->slots != NULL)
		PKCS11_release_all_slots(m->ctx, m->slots, m->nslots);
	if (m->ctx != NULL) {
		if (m->f != NULL)
			PKCS11_CTX_unload(m->ctx);
		PKCS11_CTX_free(m->ctx);
	}
	if (m->dl != NULL)
		dlclose(m->dl);
	free(m->path);
	free(m);
}

/*
 * Why libp11 could not load a module that has C_GetFunctionList: its
 * C_Initialize fails (a SoftHSM without its configuration, a smart-card
 * module without its service...).  Asked again here to name the reason.
 */
static int
load_error(const char *path, CK_C_GetFunctionList getf)
{
	CK_C_INITIALIZE_ARGS args;
	CK_FUNCTION_LIST *f = NULL;
	CK_RV rv;

	ERR_clear_error();
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = getf(&f);
	if (rv == CKR_OK && f != NULL) {
		rv = f->C_Initialize(&args);
		if (rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
			if (rv == CKR_OK)
				f->C_Finalize(NULL);
			rv = CKR_GENERAL_ERROR;
		}
	}
	sign_token__trace("C_Initialize", rv);
	return sign_error__set(SIGN_ERR_PKCS11, (unsigned long)rv,
	    "the PKCS#11 module %s does not start: C_Initialize: %s (0x%lx); check its "
	    "configuration (SoftHSM: SOFTHSM2_CONF) and its service", path,
	    p11_kit_strerror(rv), (unsigned long)rv);
}

static int
module_load(struct sign_p11_module **out, const char *path)
{
	struct sign_p11_module *m = NULL;
	CK_C_GetFunctionList getf;
	CK_RV rv;
	int rc = 0;

	*out = NULL;
	if (strchr(path, '/') != NULL && access(path, R_OK) != 0) {
		return sign_error__set(SIGN_ERR_NOT_FOUND, (unsigned long)errno,
		    "no PKCS#11 module at %s (%s); name one with --module, "
		    "KYSO_PKCS11_MODULE or pkcs11-module in kyso.conf", path, strerror(errno));
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->path = strdup(path)) == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	m->refs = 1;
	/* Opened before libp11 does (which then shares the handle): a file
	 * that is not a PKCS#11 module is named here, and libp11 does not
	 * print the loader's complaint on stderr. */
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (m->dl == NULL) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s is not a PKCS#11 module (%s); name one with --module, "
		    "KYSO_PKCS11_MODULE or pkcs11-module in kyso.conf", path, dlerror());
		goto out;
	}
	getf = (CK_C_GetFunctionList)dlsym(m->dl, "C_GetFunctionList");
	if (getf == NULL) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s is not a PKCS#11 module (it has no C_GetFunctionList); name one with "
		    "--module, KYSO_PKCS11_MODULE or pkcs11-module in kyso.conf", path);
		goto out;
	}
	m->ctx = PKCS11_CTX_new();
	if (m->ctx == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	sign_log__msg(SIGN_LOG_TRACE, "PKCS11_CTX_load(%s)", path);
	if (PKCS11_CTX_load(m->ctx, path) != 0) {
		rc = load_error(path, getf);
		PKCS11_CTX_free(m->ctx);
		m->ctx = NULL;
		goto out;
	}
	rv = getf(&m->f);
	sign_token__trace("C_GetFunctionList", rv);
	if (rv != CKR_OK || m->f == NULL) {
		m->f = NULL;
		rc = sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_GetFunctionList",
		    "cannot use the PKCS#11 module");
		goto out_unload;
	}
	rv = m->f->C_GetInfo(&m->info);
	sign_token__trace("C_GetInfo", rv);
	m->have_info = rv == CKR_OK;
	sign_log__msg(SIGN_LOG_TRACE, "PKCS11_enumerate_slots()");
	if (PKCS11_enumerate_slots(m->ctx, &m->slots, &m->nslots) != 0) {
		m->slots = NULL;
		m->nslots = 0;
		rc = sign_error__openssl(SIGN_ERR_PKCS11,
		    "cannot list the slots of the PKCS#11 module %s", path);
		goto out;
	}
	*out = m;
	m = NULL;
	goto out;
out_unload:
	PKCS11_CTX_unload(m->ctx);
	PKCS11_CTX_free(m->ctx);
	m->ctx = NULL;
out:
	module_destroy(m);
	return rc;
}

int
sign_token__module_get(struct sign_p11_module **out, const char *path)
{
	struct sign_p11_module *m;
	int rc = 0;

	*out = NULL;
	pthread_mutex_lock(&modules_lock);
	for (m = modules; m != NULL; m = m->next) {
		if (strcmp(m->path, path) == 0) {
			m->refs++;
			*out = m;
			goto out;
		}
	}
	rc = module_load(&m, path);
	if (rc == 0) {
		m->next = modules;
		modules = m;
		*out = m;
	}
out:
	pthread_mutex_unlock(&modules_lock);
	return rc;
}

void
sign_token__module_put(struct sign_p11_module *mod)
{
	struct sign_p11_module **pp;

	if (mod == NULL)
		return;
	pthread_mutex_lock(&modules_lock);
	if (--mod->refs > 0) {
		pthread_mutex_unlock(&modules_lock);
		return;
	}
	for (pp = &modules; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == mod) {
			*pp = mod->next;
			break;
		}
	}
	pthread_mutex_unlock(&modules_lock);
	module_destroy(mod);
}

/* ---- slot and token info ------------------------------------------------- */

unsigned int
sign_token__flags(CK_FLAGS tf, CK_FLAGS sf, int present)
{
	unsigned int f = 0;

	if (sf & CKF_REMOVABLE_DEVICE)
		f |= SIGN_TOKEN_REMOVABLE;
	if (!present)
		return f;
	f |= SIGN_TOKEN_PRESENT;
	if (tf & CKF_TOKEN_INITIALIZED)
		f |= SIGN_TOKEN_INITIALIZED;
	if (tf & CKF_LOGIN_REQUIRED)
		f |= SIGN_TOKEN_LOGIN_REQUIRED;
	if (tf & CKF_PROTECTED_AUTHENTICATION_PATH)
		f |= SIGN_TOKEN_PINPAD;
	if (tf & CKF_USER_PIN_INITIALIZED)
		f |= SIGN_TOKEN_PIN_INITIALIZED;
	if (tf & CKF_USER_PIN_COUNT_LOW)
		f |= SIGN_TOKEN_PIN_COUNT_LOW;
	if (tf & CKF_USER_PIN_FINAL_TRY)
		f |= SIGN_TOKEN_PIN_FINAL_TRY;
	if (tf & CKF_USER_PIN_LOCKED)
		f |= SIGN_TOKEN_PIN_LOCKED;
	if (tf & CKF_USER_PIN_TO_BE_CHANGED)
		f |= SIGN_TOKEN_PIN_TO_CHANGE;
	if (tf & CKF_WRITE_PROTECTED)
		f |= SIGN_TOKEN_READ_ONLY;
	return f;
}

void
sign_token__info_clear(struct sign_token_info_store *st)
{
	free(st->slot_description);
	free(st->slot_manufacturer);
	free(st->label);
	free(st->manufacturer);
	free(st->model);
	free(st->serial);
	free(st->uri);
	memset(st, 0, sizeof(*st));
}

static char *
space_dup(const unsigned char *s, size_t n)
{
	char *r = p11_kit_space_strdup(s, n);

	return r != NULL ? r : strdup("");
}

int
sign_token__info_read(struct sign_p11_module *mod, CK_SLOT_ID slot_id,
    struct sign_token_info_store *st)
{
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int present = 0;

	sign_token__info_clear(st);
	rv = mod->f->C_GetSlotInfo(slot_id, &si);
	sign_token__trace("C_GetSlotInfo", rv);
	if (rv != CKR_OK)
		return sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_GetSlotInfo",
		    "cannot read the slot");
	memset(&ti, ' ', sizeof(ti));
	ti.flags = 0;
	if (si.flags & CKF_TOKEN_PRESENT) {
		rv = mod->f->C_GetTokenInfo(slot_id, &ti);
		sign_token__trace("C_GetTokenInfo", rv);
		if (rv == CKR_OK)
			present = 1;
		else if (rv != CKR_TOKEN_NOT_PRESENT && rv != CKR_TOKEN_NOT_RECOGNIZED)
			return sign_token__p11_error(SIGN_ERR_PKCS11, rv, "C_GetTokenInfo",
			    "cannot read the token");
	}
	if (!present) {
		memset(&ti, ' ', sizeof(ti));
		ti.flags = 0;
	}
	st->raw = ti;
	st->raw_slot = si;
	st->has_token = present;
	st->slot_description = space_dup(si.slotDescription, sizeof(si.slotDescription));
	st->slot_manufacturer = space_dup(si.manufacturerID, sizeof(si.manufacturerID));
	st->label = present ? space_dup(ti.label, sizeof(ti.label)) : strdup("");
	st->manufacturer = present ? space_dup(ti.manufacturerID,
	    sizeof(ti.manufacturerID)) : strdup("");
	st->model = present ? space_dup(ti.model, sizeof(ti.model)) : strdup("");
	st->serial = present ? space_dup(ti.serialNumber, sizeof(ti.serialNumber)) :
	    strdup("");
	if (present) {
		int rc = sign_token__uri_format(&st->uri, &ti, NULL, 0);

		if (rc != 0) {
			sign_token__info_clear(st);
			return rc;
		}
	} else {
		st->uri = strdup("");
	}
	if (st->slot_description == NULL || st->slot_manufacturer == NULL ||
	    st->label == NULL || st->manufacturer == NULL || st->model == NULL ||
	    st->serial == NULL || st->uri == NULL) {
		sign_token__info_clear(st);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	st->info.slot_id = slot_id;
	st->info.slot_description = st->slot_description;
	st->info.slot_manufacturer = st->slot_manufacturer;
	st->info.label = st->label;
	st->info.manufacturer = st->manufacturer;
	st->info.model = st->model;
	st->info.serial = st->serial;
	st->info.uri = st->uri;
	st->info.flags = sign_token__flags(ti.flags, si.flags, present);
	return 0;
}

/* ---- the slot list ------------------------------------------------------- */

struct sign_token_list {
	struct sign_p11_module *mod;
	struct sign_token_info_store *items;
	size_t n;
};

int
sign_token__slot_matches(P11KitUri *u, struct sign_p11_module *mod,
    const struct sign_token_info_store *st)
{
	CK_SLOT_ID want = p11_kit_uri_get_slot_id(u);

	if (mod->have_info && !p11_kit_uri_match_module_info(u, &mod->info))
		return 0;
	if (want != (CK_SLOT_ID)-1 && want != st->info.slot_id)
		return 0;
	return p11_kit_uri_match_slot_info(u, &st->raw_slot) &&
	    p11_kit_uri_match_token_info(u, &st->raw);
}

int
sign_token_list_new(sign_token_list **out, const char *uri, const sign_token_options *opts)
{
	sign_token_list *l = NULL;
	P11KitUri *u = NULL;
	const char *path;
	unsigned int i;
	int rc;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "no output for the token list");
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
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	rc = sign_token__module_get(&l->mod, path);
	if (rc != 0)
		goto out;
	l->items = calloc(l->mod->nslots + 1, sizeof(*l->items));
	if (l->items == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < l->mod->nslots; i++) {
		struct sign_token_info_store *st = &l->items[l->n];
		CK_SLOT_ID id = PKCS11_get_slotid_from_slot(&l->mod->slots[i]);

		rc = sign_token__info_read(l->mod, id, st);
		if (rc != 0)
			goto out;
		if (!sign_token__slot_matches(u, l->mod, st)) {
			sign_token__info_clear(st);
			continue;
		}
		l->n++;
	}
	*out = l;
	l = NULL;
out:
	sign_token_list_free(l);
	p11_kit_uri_free(u);
	return rc;
}

size_t
sign_token_list_count(const sign_token_list *l)
{
	return l != NULL ? l->n : 0;
}

const sign_token_info *
sign_token_list_get(const sign_token_list *l, size_t i)
{
	if (l == NULL || i >= l->n)
		return NULL;
	return &l->items[i].info;
}

const char *
sign_token_list_module(const sign_token_list *l)
{
	return l != NULL && l->mod != NULL ? l->mod->path : NULL;
}

void
sign_token_list_free(sign_token_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; l->items != NULL && i < l->n; i++)
		sign_token__info_clear(&l->items[i]);
	free(l->items);
	sign_token__module_put(l->mod);
	free(l);
}
