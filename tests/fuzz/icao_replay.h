/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Corpus replay for the ICAO fuzz targets.  Built normally (make check),
 * each target is a program that feeds every file of its corpus directory,
 * $top_srcdir/tests/fuzz/corpus/<FUZZ_NAME>/, plus any files or
 * directories named on its command line, to LLVMFuzzerTestOneInput().
 * Built with -DKYSO_LIBFUZZER -fsanitize=fuzzer, libFuzzer supplies main():
 *   clang -DKYSO_LIBFUZZER -fsanitize=fuzzer,address ... tests/fuzz/fuzz_dg13.c
 *   ./fuzz_dg13 tests/fuzz/corpus/dg13
 */
#ifndef KYSO_FUZZ_ICAO_REPLAY_H
#define KYSO_FUZZ_ICAO_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The bytes of $top_srcdir/REL (a fixture, or another target's seed) that a
 * target checks its input against, in memory the target keeps for the life
 * of the process (call it once, into a static); NULL when the file cannot be
 * read (the target then skips what needs it; said on stderr).  make check and
 * scripts/fuzz set top_srcdir.  Both modes.
 */
#if defined(__GNUC__)
__attribute__((unused))
#endif
static const unsigned char *
fuzz_fixture(const char *rel, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	unsigned char *buf = NULL;
	FILE *fp;
	long n;

	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".", rel);
	fp = fopen(path, "rb");
	if (fp != NULL && fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) != NULL &&
	    fread(buf, 1, (size_t)n, fp) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
		fprintf(stderr, "%s: cannot read; set top_srcdir to the source tree\n", path);
	}
	if (fp != NULL)
		fclose(fp);
	return buf;
}

#ifndef KYSO_LIBFUZZER
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

static int
replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;
	int rc = 1;

	if (fp == NULL) {
		fprintf(stderr, "%s: cannot open\n", path);
		return 1;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		/* exactly n bytes in a buffer of n, so that ASan sees overreads */
		buf = malloc(n > 0 ? (size_t)n : 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, fp) == (size_t)n) {
			LLVMFuzzerTestOneInput(buf, (size_t)n);
			rc = 0;
		}
	}
	free(buf);
	fclose(fp);
	if (rc != 0)
		fprintf(stderr, "%s: cannot read\n", path);
	return rc;
}

/* Replay a file or every regular file of a directory; counts inputs. */
static int
replay_path(const char *path, size_t *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: not found\n", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "%s: cannot list\n", path);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
			(*count)++;
			rc |= replay_file(sub);
		}
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dir[4096];
	size_t count = 0;
	int i, rc = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top != NULL ? top : ".", FUZZ_NAME);
	rc |= replay_path(dir, &count);
	for (i = 1; i < argc; i++)
		rc |= replay_path(argv[i], &count);
	if (count == 0) {
		fprintf(stderr, "%s: empty corpus\n", FUZZ_NAME);
		return 1;
	}
	printf("%s: replayed %zu inputs\n", FUZZ_NAME, count);
	return rc;
}
#endif

#endif
