/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One directory listing as a hash set of names (open addressing, FNV-1a). */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dirlist.h"

struct entry {
	char *name;                 /* NULL: empty slot */
	unsigned char type;
};

struct kyso_dirlist {
	struct entry *slots;
	size_t cap, n;              /* cap: a power of two, at least 2 n */
};

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int
grow(struct kyso_dirlist *l)
{
	size_t cap = l->cap ? l->cap * 2 : 256, i, k;
	struct entry *s = calloc(cap, sizeof(*s));

	if (s == NULL)
		return -1;
	for (i = 0; i < l->cap; i++) {
		if (l->slots[i].name == NULL)
			continue;
		for (k = hash(l->slots[i].name) & (cap - 1); s[k].name != NULL; k = (k + 1) & (cap - 1))
			;
		s[k] = l->slots[i];
	}
	free(l->slots);
	l->slots = s;
	l->cap = cap;
	return 0;
}

static int
add(struct kyso_dirlist *l, const char *name, unsigned char type)
{
	size_t k;

	if (2 * (l->n + 1) > l->cap && grow(l) != 0)
		return -1;
	for (k = hash(name) & (l->cap - 1); l->slots[k].name != NULL; k = (k + 1) & (l->cap - 1))
		if (strcmp(l->slots[k].name, name) == 0)
			return 0;
	if ((l->slots[k].name = strdup(name)) == NULL)
		return -1;
	l->slots[k].type = type;
	l->n++;
	return 0;
}

int
kyso_dirlist_open(struct kyso_dirlist **out, const char *dir, size_t len)
{
	struct kyso_dirlist *l = NULL;
	struct dirent *e;
	char *path = NULL;
	DIR *d = NULL;
	int rc = -1;

	*out = NULL;
	path = len > 0 ? strndup(dir, len) : strdup(".");
	l = calloc(1, sizeof(*l));
	if (path == NULL || l == NULL || (d = opendir(path)) == NULL)
		goto out;
	while ((e = readdir(d)) != NULL) {
		if (l->n >= KYSO_DIRLIST_MAX || add(l, e->d_name, e->d_type) != 0)
			goto out;
	}
	*out = l;
	l = NULL;
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	kyso_dirlist_free(l);
	free(path);
	return rc;
}

int
kyso_dirlist_find(const struct kyso_dirlist *l, const char *name, unsigned char *type)
{
	size_t k;

	if (l == NULL || l->cap == 0)
		return 0;
	for (k = hash(name) & (l->cap - 1); l->slots[k].name != NULL; k = (k + 1) & (l->cap - 1)) {
		if (strcmp(l->slots[k].name, name) == 0) {
			*type = l->slots[k].type;
			return 1;
		}
	}
	return 0;
}

void
kyso_dirlist_free(struct kyso_dirlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->cap; i++)
		free(l->slots[i].name);
	free(l->slots);
	free(l);
}
