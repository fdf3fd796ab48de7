/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers of the kyso command.  Only code under tools/ may exit. */
#ifndef KYSO_TOOL_H
#define KYSO_TOOL_H

#include <stddef.h>
#include <stdio.h>
#include <getopt.h>
#include <jansson.h>

/* Exit status, the same for every subcommand (see kyso(1)). */
enum {
	KYSO_EXIT_OK = 0,            /* success; TOTAL-PASSED */
	KYSO_EXIT_FAILED = 1,        /* TOTAL-FAILED: proven invalid, forged, modified */
	KYSO_EXIT_INDETERMINATE = 2, /* could not decide */
	KYSO_EXIT_USAGE = 3,         /* usage error */
	KYSO_EXIT_NODEVICE = 4,      /* no reader, card or token; card removed */
	KYSO_EXIT_AUTH = 5,          /* wrong PIN/MRZ/CAN, locked, PIN unavailable */
	KYSO_EXIT_DATA = 6,          /* bad input data */
	KYSO_EXIT_RUNTIME = 7        /* network, I/O, backend, internal */
};

/* One subcommand. */
struct kyso_cmd {
	const char *name;       /* "sign", "card", ... */
	const char *summary;    /* one line for `kyso --help` */
	int (*run)(int argc, char **argv);
};

/* One subcommand of a command ("kyso key generate"); tables end with a zero entry. */
struct kyso_subcmd {
	const char *name;       /* "generate", "list", ... */
	int (*run)(int argc, char **argv);
};

/*
 * Dispatch argv[1] of command cmd ("key") to its entry in tab, which runs with
 * argv shifted by one.  --help or -h prints "usage: <usage>" on stdout and
 * returns 0; no subcommand prints it on stderr and returns 3; an unknown one
 * prints "unknown subcommand 'x' (see kyso <cmd> --help)" and returns 3.
 */
int kyso_subcmd_run(int argc, char **argv, const char *usage, const char *cmd,
    const struct kyso_subcmd *tab);

/* Option table entry; the help text is generated from it. */
struct kyso_opt {
	const char *name;       /* long name without "--" */
	int has_arg;            /* no_argument / required_argument */
	int val;                /* value returned by getopt (a char or >= 256) */
	const char *arg;        /* argument name for the help, or NULL */
	const char *help;       /* one line */
};

/*
 * Parse argv with getopt_long against opts (terminated by a zero entry).
 * --help is handled here: prints the usage and the table, then exits 0.
 * Calls cb for each option; cb returns 0, or an exit code to stop with.
 * On return *optind_out is the index of the first operand.
 * Returns 0 or an exit code (3 on an unknown option, with a message).
 */
int kyso_parse(int argc, char **argv, const char *usage, const struct kyso_opt *opts,
    int (*cb)(int val, const char *arg, void *ud), void *ud, int *optind_out);
void kyso_help(FILE *fp, const char *usage, const struct kyso_opt *opts);
/* A whole decimal number in [min, max] (digits only: no sign, space or
 * suffix) into *out: 0, or -1 with *out unchanged. */
int kyso_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* Map a libsign error code to the exit status. */
int kyso_exit_for(int sign_err);
/*
 * For a failure to read an input file: kyso_exit_for(rc), except that a file
 * that exists but cannot be opened (permission, a path through a file, a
 * symbolic-link loop) is bad input data (6), as a missing one is, not a
 * runtime failure (7).  (Outputs keep 7.)
 */
int kyso_input_exit(int rc);

/* Print "kyso: <message>" on stderr, the libsign last-error message when msg is NULL. */
void kyso_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last message kyso_err() printed (unescaped), "" before the first. */
const char *kyso_err_last(void);
/* s as it may be shown on a terminal (sign_text_escape()): for what comes
 * from a card, a token, a certificate, a record or a server.  The last
 * eight results stay valid (one printf() may use eight).  Not thread-safe. */
const char *kyso_shown(const char *s);
/* What a file of mode m is, for messages ("a FIFO", "a character device",
 * "a symbolic link", ...; the library's sign__file_kind, which the shared
 * library does not export). */
const char *kyso_file_kind(unsigned int m);
/* A signal taken on another thread (the batch's signal thread): a terminal
 * prompt under way ends, gives the terminal back, and its caller fails. */
void kyso_interrupt(int sig);
/* Print the library's last error and return its exit status. */
int kyso_fail(int sign_err);

/* The program's subcommand name prefix for messages ("kyso sign"). */
extern const char *kyso_progname;

/* Verbosity: -v on the top level raises library logging to stderr. */
extern int kyso_verbose;

/*
 * Secret sources: "tty", "env:NAME", "file:PATH" (mode 0600 or stricter,
 * refused otherwise), "fd:N".  Reads one line (without the newline) into buf
 * of cap bytes.  tty prompts with echo off on /dev/tty; without a tty it
 * fails at once.  Returns 0, or an exit code with a message printed.
 * The caller wipes buf with OPENSSL_cleanse after use.
 */
int kyso_secret_read(const char *spec, const char *prompt, char *buf, size_t cap);
/* 1 when spec is a well-formed source ("tty", "env:X", "file:X", "fd:N"). */
int kyso_secret_spec_ok(const char *spec);

/* JSON output: add "schema": n, print one compact-but-readable object on
 * stdout followed by a newline, and release it. */
void kyso_json_emit(json_t *obj, int schema);
/* 1 once a JSON object was printed (kyso_json_emit, or a command's own
 * printer sets it); 1 when --json was among the arguments of a command whose
 * option table has --json (kyso_parse), even after a bad option. */
extern int kyso_json_emitted;
extern int kyso_json_asked;
/*
 * A file name, path, URI, subject or message as a JSON string: s itself
 * when it is UTF-8; otherwise each byte that is not part of a valid UTF-8
 * sequence becomes the four characters \xNN (lowercase hex) and each
 * backslash of s is doubled (json_string() would return NULL and the member
 * would silently vanish).  NULL gives JSON null.  docs/verify-json.md.
 */
json_t *kyso_json_text(const char *s);

/* At start: a closed descriptor 0, 1 or 2 stays unusable, but no file kyso
 * opens can take its number. */
void kyso_std_fds(void);
/*
 * At the end of a run with exit status rc: when --json was asked and the run
 * failed before its command printed its object, print one ({"ok": false,
 * "error": the last message, "exit": rc, "schema": 1}); then flush and close
 * stdout.  Output that could not be written turns success into 7 with "cannot
 * write the output: <cause>; <fix>" (a failure keeps its code; a reader that
 * went away, EPIPE, is not reported).  Returns the exit status.
 */
int kyso_finish(int rc);

/* Hex encode (lowercase) into a new string; caller frees. */
char *kyso_hex(const unsigned char *p, size_t n);

#endif
