/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The names in one directory, read with one listing: checking a thousand
 * paths in it costs a few getdents() calls instead of a thousand stat().
 */
#ifndef KYSO_DIRLIST_H
#define KYSO_DIRLIST_H

#include <stddef.h>

struct kyso_dirlist;

/* List the directory dir (its first len bytes; len 0 is "."): 0, or -1
 * when it cannot be listed or holds more than KYSO_DIRLIST_MAX names. */
int kyso_dirlist_open(struct kyso_dirlist **out, const char *dir, size_t len);
/* 1 when name is in the listing, with its d_type (DT_REG, DT_DIR, DT_LNK,
 * DT_UNKNOWN...) in *type; 0 when it is not. */
int kyso_dirlist_find(const struct kyso_dirlist *l, const char *name, unsigned char *type);
void kyso_dirlist_free(struct kyso_dirlist *l);

#define KYSO_DIRLIST_MAX (1u << 20)

#endif
