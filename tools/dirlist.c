/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One directory listing, sorted for bsearch(). */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "dirlist.h"

struct entry {
	char *name;
	unsigned char type;
};

struct kyso_dirlist {
	struct entry *e;
	size_t n, cap;
};

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

int
kyso_dirlist_open(struct kyso_dirlist **out, const char *dir, size_t len)
{
	struct kyso_dirlist *l = NULL;
	struct dirent *d;
	char *path = NULL;
	DIR *dp = NULL;
	int rc = -1;

	*out = NULL;
	path = len > 0 ? strndup(dir, len) : strdup(".");
	l = calloc(1, sizeof(*l));
	if (path == NULL || l == NULL || (dp = opendir(path)) == NULL)
		goto out;
	while ((d = readdir(dp)) != NULL) {
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 256;
			struct entry *e;

			if (cap > KYSO_DIRLIST_MAX || (e = realloc(l->e, cap * sizeof(*e))) == NULL)
				goto out;
			l->e = e;
			l->cap = cap;
		}
		if ((l->e[l->n].name = strdup(d->d_name)) == NULL)
			goto out;
		l->e[l->n++].type = d->d_type;
	}
	qsort(l->e, l->n, sizeof(*l->e), cmp_entry);
	*out = l;
	l = NULL;
	rc = 0;
out:
	if (dp != NULL)
		closedir(dp);
	kyso_dirlist_free(l);
	free(path);
	return rc;
}

int
kyso_dirlist_find(const struct kyso_dirlist *l, const char *name, unsigned char *type)
{
	struct entry key, *e;

	if (l == NULL || l->n == 0)
		return 0;
	key.name = (char *)name;
	e = bsearch(&key, l->e, l->n, sizeof(*l->e), cmp_entry);
	if (e == NULL)
		return 0;
	*type = e->type;
	return 1;
}

void
kyso_dirlist_free(struct kyso_dirlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
	free(l);
}
