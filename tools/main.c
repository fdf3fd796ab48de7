/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kyso: the command-line front end of libsign. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <openssl/crypto.h>

#include <libsign.h>
#include "kyso.h"

#define KYSO_CMD(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef KYSO_CMD

static const struct kyso_cmd commands[] = {
#define KYSO_CMD(name, fn, summary) { #name, summary, fn },
#include "commands.def"
#undef KYSO_CMD
	{ NULL, NULL, NULL }
};

static void
usage(FILE *fp)
{
	const struct kyso_cmd *c;

	fprintf(fp, "usage: kyso [-v] COMMAND [OPTIONS] [ARGS]\n"
	    "       kyso --version | --help\n\ncommands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(fp, "  %-12s %s\n", c->name, c->summary);
	fprintf(fp, "\n`kyso COMMAND --help` describes a command.  kyso(1) has the details.\n"
	    "exit status: 0 success/TOTAL-PASSED, 1 TOTAL-FAILED, 2 INDETERMINATE,\n"
	    "3 usage, 4 no reader/card/token, 5 authentication, 6 bad input data, 7 runtime\n");
}

static void
log_to_stderr(sign_log_level level, const char *msg, void *ud)
{
	static const char *names[] = { "error", "warning", "info", "debug", "trace" };

	(void)ud;
	fprintf(stderr, "kyso[%s]: %s\n", names[level], msg);
}

int
main(int argc, char **argv)
{
	const struct kyso_cmd *c;
	static char prog[64];
	int i = 1;

	/* OpenSSL's exit handler frees its tables one by one (a third of a
	 * millisecond); the process's exit releases them anyway. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	kyso_std_fds();
	setlocale(LC_CTYPE, "");
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			kyso_verbose++;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return kyso_finish(0);
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("kyso %s\n", sign_version());
			return kyso_finish(0);
		} else {
			kyso_err("unknown option %s (see kyso --help)", argv[i]);
			return KYSO_EXIT_USAGE;
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return KYSO_EXIT_USAGE;
	}
	if (kyso_verbose > 0)
		sign_log_set(log_to_stderr, kyso_verbose > 2 ? SIGN_LOG_TRACE :
		    kyso_verbose > 1 ? SIGN_LOG_DEBUG : SIGN_LOG_INFO, NULL);
	for (c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, argv[i]) == 0) {
			snprintf(prog, sizeof(prog), "kyso %s", c->name);
			kyso_progname = prog;
			return kyso_finish(c->run(argc - i, argv + i));
		}
	}
	kyso_err("unknown command '%s' (see kyso --help)", argv[i]);
	return KYSO_EXIT_USAGE;
}
