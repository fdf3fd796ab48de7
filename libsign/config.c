/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso.conf: a strict "key = value" parser with optional sections. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "libsign/config.h"

#ifndef SIGN_SYSCONFDIR
#define SIGN_SYSCONFDIR "/etc"
#endif

#define MAX_ENTRIES 1024

struct entry {
	char *section;          /* NULL: global */
	char *key;
	char *value;
	unsigned int line;
};

struct sign_config {
	char *name;
	struct entry *entries;
	size_t count;
	size_t cap;
};

static char *
dupn(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void
wipe_str(char *s)
{
	if (s != NULL)
		sign__freezero(s, strlen(s));
}

void
sign_config_free(sign_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->count; i++) {
		free(cfg->entries[i].section);
		free(cfg->entries[i].key);
		wipe_str(cfg->entries[i].value);
	}
	free(cfg->entries);
	free(cfg->name);
	free(cfg);
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
key_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	    c == '.';
}

static int
word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(w, s, n) == 0;
}

int
sign_config_key_is_secret(const char *key)
{
	const char *p, *w;
	size_t n;

	if (key == NULL)
		return 0;
	for (p = key;;) {
		w = p;
		while (*p != '\0' && *p != '-' && *p != '_' && *p != '.')
			p++;
		n = (size_t)(p - w);
		if (word_is(w, n, "password") || word_is(w, n, "passwd") ||
		    word_is(w, n, "secret") || word_is(w, n, "pin"))
			return 1;
		if (*p == '\0')
			return word_is(w, n, "source") || word_is(w, n, "key");
		p++;
	}
}

static const struct entry *
find(const sign_config *cfg, const char *section, const char *key)
{
	size_t i;

	if (cfg == NULL || key == NULL)
		return NULL;
	if (section != NULL) {
		for (i = 0; i < cfg->count; i++)
			if (cfg->entries[i].section != NULL &&
			    strcmp(cfg->entries[i].section, section) == 0 &&
			    strcmp(cfg->entries[i].key, key) == 0)
				return &cfg->entries[i];
	}
	for (i = 0; i < cfg->count; i++)
		if (cfg->entries[i].section == NULL && strcmp(cfg->entries[i].key, key) == 0)
			return &cfg->entries[i];
	return NULL;
}

const char *
sign_config_get(const sign_config *cfg, const char *section, const char *key)
{
	const struct entry *e = find(cfg, section, key);

	return e != NULL ? e->value : NULL;
}

unsigned int
sign_config_line(const sign_config *cfg, const char *section, const char *key)
{
	const struct entry *e = find(cfg, section, key);

	return e != NULL ? e->line : 0;
}

const char *
sign_config_name(const sign_config *cfg)
{
	return cfg != NULL ? cfg->name : NULL;
}

size_t
sign_config_count(const sign_config *cfg)
{
	return cfg != NULL ? cfg->count : 0;
}

int
sign_config_entry(const sign_config *cfg, size_t i, const char **section, const char **key,
    const char **value, unsigned int *line)
{
	if (cfg == NULL || i >= cfg->count)
		return SIGN_ERR_NOT_FOUND;
	if (section != NULL)
		*section = cfg->entries[i].section;
	if (key != NULL)
		*key = cfg->entries[i].key;
	if (value != NULL)
		*value = cfg->entries[i].value;
	if (line != NULL)
		*line = cfg->entries[i].line;
	return 0;
}

/* Add an entry, refusing a key given twice in the same section. */
static int
add(sign_config *cfg, const char *section, const char *k, size_t klen, const char *v,
    size_t vlen, unsigned int line)
{
	struct entry *e;
	size_t i;

	for (i = 0; i < cfg->count; i++) {
		e = &cfg->entries[i];
		if (((e->section == NULL && section == NULL) ||
		    (e->section != NULL && section != NULL && strcmp(e->section, section) == 0)) &&
		    strlen(e->key) == klen && memcmp(e->key, k, klen) == 0)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s:%u: '%.*s' is set twice (first on line %u); keep one",
			    cfg->name, line, (int)klen, k, e->line);
	}
	if (cfg->count == MAX_ENTRIES)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "%s:%u: more than %d settings",
		    cfg->name, line, MAX_ENTRIES);
	if (cfg->count == cfg->cap) {
		size_t ncap = cfg->cap == 0 ? 16 : cfg->cap * 2;
		struct entry *p = realloc(cfg->entries, ncap * sizeof(*p));

		if (p == NULL)
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		cfg->entries = p;
		cfg->cap = ncap;
	}
	e = &cfg->entries[cfg->count];
	memset(e, 0, sizeof(*e));
	e->section = section != NULL ? dupn(section, strlen(section)) : NULL;
	e->key = dupn(k, klen);
	e->value = dupn(v, vlen);
	e->line = line;
	if ((section != NULL && e->section == NULL) || e->key == NULL || e->value == NULL) {
		free(e->section);
		free(e->key);
		free(e->value);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	cfg->count++;
	return 0;
}

/* Parse one line (without its end of line) of len bytes. */
static int
parse_line(sign_config *cfg, char **section, const char *p, size_t len, unsigned int line)
{
	const char *end = p + len, *k, *v, *ve;
	size_t klen;

	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	if (p == end || *p == '#')
		return 0;
	if (*p == '[') {
		const char *s = p + 1;

		if (end[-1] != ']' || end - s < 2)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s:%u: a section header is written [name]", cfg->name, line);
		for (k = s; k < end - 1; k++)
			if (!key_char_ok(*k))
				return sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s:%u: section names are lower-case letters, digits, "
				    "'-', '_' and '.'", cfg->name, line);
		free(*section);
		*section = dupn(s, (size_t)(end - 1 - s));
		if (*section == NULL)
			return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		return 0;
	}
	k = p;
	while (p < end && key_char_ok(*p))
		p++;
	klen = (size_t)(p - k);
	while (p < end && is_blank(*p))
		p++;
	if (klen == 0 || p == end || *p != '=')
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s:%u: expected 'key = value' (keys are lower-case letters, digits, "
		    "'-', '_' and '.')", cfg->name, line);
	p++;
	while (p < end && is_blank(*p))
		p++;
	v = p;
	ve = end;
	if (ve > v && *v == '"') {
		if (ve - v < 2 || ve[-1] != '"')
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s:%u: unterminated quoted value", cfg->name, line);
		v++;
		ve--;
		for (p = v; p < ve; p++)
			if (*p == '"')
				return sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s:%u: a quoted value cannot contain '\"'", cfg->name, line);
	}
	return add(cfg, *section, k, klen, v, (size_t)(ve - v), line);
}

int
sign_config_parse(sign_config **out, const char *text, size_t len, const char *name)
{
	sign_config *cfg = NULL;
	char *section = NULL;
	const char *p, *end, *eol;
	unsigned int line = 0;
	int rc = 0;

	if (out == NULL || (text == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_config_parse: NULL argument");
	*out = NULL;
	if (name == NULL)
		name = "kyso.conf";
	if (len > SIGN_CONFIG_MAX_SIZE)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "%s: larger than %d bytes", name,
		    SIGN_CONFIG_MAX_SIZE);
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL || (cfg->name = dupn(name, strlen(name))) == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	p = text;
	end = text + len;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end) {
		const char *q;
		size_t n;

		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > SIGN_CONFIG_MAX_LINE) {
			rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s:%u: line longer than %d bytes", name, line, SIGN_CONFIG_MAX_LINE);
			goto out;
		}
		for (q = p; q < p + n; q++) {
			unsigned char c = (unsigned char)*q;

			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s:%u: control character 0x%02x (is this a text file?)",
				    name, line, c);
				goto out;
			}
		}
		rc = parse_line(cfg, &section, p, n, line);
		if (rc != 0)
			goto out;
		p = eol < end ? eol + 1 : end;
	}
	*out = cfg;
	cfg = NULL;
out:
	free(section);
	sign_config_free(cfg);
	return rc;
}

/* The configuration file could not be opened or read: why, for the user. */
static int
load_error(const char *path, const struct sign__file_why *why)
{
	switch (why->fail) {
	case SIGN__FILE_OPEN:
		return sign_error__set(why->code, (unsigned long)why->err,
		    "cannot open the configuration file %s: %s", path, strerror(why->err));
	case SIGN__FILE_KIND:
		/* (the advice to chmod /dev/null would harm the system) */
		return sign_error__set(SIGN_ERR_USAGE, 0,
		    "the configuration file %s is %s, not a regular file; name a regular "
		    "file", path, why->kind);
	case SIGN__FILE_SIZE:
		return sign_error__set(why->code, 0, "%s: larger than %d bytes", path,
		    SIGN_CONFIG_MAX_SIZE);
	case SIGN__FILE_NOMEM:
		return sign_error__set(why->code, 0, "out of memory");
	case SIGN__FILE_READ:
		return sign_error__set(why->code, (unsigned long)why->err, "cannot read %s: %s",
		    path, strerror(why->err));
	default:
		return sign_error__set(why->code, (unsigned long)why->err, "%s: %s", path,
		    strerror(why->err));
	}
}

int
sign_config_load(sign_config **out, const char *path)
{
	sign_config *cfg = NULL;
	sign_buf data = SIGN_BUF_INIT;
	struct sign__file_why why;
	struct stat st;
	size_t i;
	int fd = -1, rc = 0;

	if (out == NULL || path == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_config_load: NULL argument");
	*out = NULL;
	/* Only a regular file: a device or a FIFO has no size to bound and no
	 * mode worth judging.  Permissions are judged on the file we read
	 * (fstat), not on a name. */
	if (sign__file_open(path, 0, &fd, &st, &why) != 0) {
		rc = load_error(path, &why);
		goto out;
	}
	/* Whoever may change the file decides where the gateway password and the
	 * patients' data go (gateway, cacert...): only its owner, who is the
	 * user or root. */
	if ((st.st_mode & 022) != 0) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "the configuration file %s may be changed by other users (mode %04o), "
		    "who could send the gateway password elsewhere; chmod go-w %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		rc = sign_error__set(SIGN_ERR_USAGE, 0,
		    "the configuration file %s belongs to another user (uid %lu), who could "
		    "send the gateway password elsewhere; use your own copy or chown it",
		    path, (unsigned long)st.st_uid);
		goto out;
	}
	if (sign__file_read(fd, &st, SIGN_CONFIG_MAX_SIZE, &data, &why) != 0) {
		rc = load_error(path, &why);
		goto out;
	}
	rc = sign_config_parse(&cfg, (const char *)data.data, data.len, path);
	if (rc != 0)
		goto out;
	for (i = 0; i < cfg->count; i++) {
		if (!sign_config_key_is_secret(cfg->entries[i].key))
			continue;
		if ((st.st_mode & 077) != 0) {
			rc = sign_error__set(SIGN_ERR_USAGE, 0,
			    "%s holds '%s' (line %u) but other users may read it "
			    "(mode %04o); chmod 600 %s", path, cfg->entries[i].key,
			    cfg->entries[i].line, (unsigned)(st.st_mode & 07777), path);
			goto out;
		}
		break;
	}
	*out = cfg;
	cfg = NULL;
out:
	if (fd >= 0)
		close(fd);
	sign_buf_dispose(&data);
	sign_config_free(cfg);
	return rc;
}

int
sign_config_default_path(const char **out, int *explicit_out, const char *path)
{
	static const char def[] = SIGN_SYSCONFDIR "/kyso.conf";
	const char *env;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_config_default_path: NULL");
	*out = NULL;
	if (explicit_out != NULL)
		*explicit_out = 0;
	if (path != NULL && path[0] != '\0') {
		*out = path;
		if (explicit_out != NULL)
			*explicit_out = 1;
		return 0;
	}
	env = getenv("KYSO_CONF");
	if (env != NULL && env[0] != '\0') {
		*out = env;
		if (explicit_out != NULL)
			*explicit_out = 1;
		return 0;
	}
	if (access(def, F_OK) == 0)
		*out = def;
	return 0;
}
