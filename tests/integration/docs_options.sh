#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The documents say what the program does:
#   - every option (long, and a letter's short form) that `kyso CMD [SUB] --help` lists
#     is in doc/man/kyso-CMD.1, and every option the page describes (the line after
#     .TP) or shows in its SYNOPSIS is one of that command's options.  Options a page
#     leaves to another page, as its text says (kyso reception: the card options of
#     kyso-card(1), the gateway options of kyso-insurance(1); kyso insurance lookup
#     --card: the card options of kyso-card(1)), count there, and only when they are
#     options of that other command too;
#   - every man page's header names the version `kyso --version` prints;
#   - every command of tools/commands.def has its page, and kyso(1) names each page;
#   - the command lines of README.md and of the man pages' EXAMPLES use only options
#     that command's --help lists;
#   - the result-code table of docs/insurance.md is what kyso insurance codes --json
#     gives (code, Vietnamese and English meaning, class, exit status);
#   - every path docs/ARCHITECTURE.md names in backquotes exists in the source tree (a
#     bare file name: in a directory named on the same line), every sign_/kyso_
#     function it names is in the sources, and the paths README.md and docs/*.md name
#     (under libsign/, tools/, tests/, docs/, doc/, certs/, scripts/, bench/) exist.
# A failure names the option, page or path.
set -u
. "$top_srcdir/tests/integration/lib.sh"
MAN=$top_srcdir/doc/man

# The long and short options in a --help text's "options:" part, one a line
# (--help itself left out).
help_opts() {
	sed -n '/^options:/,/^$/p' | grep -E '^  (-[a-zA-Z0-9], )?--[a-z0-9]' |
	    sed 's/^  //; s/  .*//' | tr ',' '\n' | sed 's/^ *//; s/ .*//' |
	    grep -v -- '^--help$' | sort -u
}

# The options a page names anywhere, described (after .TP) and in the SYNOPSIS.
roff_opts() {
	sed 's/\\f[BIRP]/ /g; s/\\-/-/g' |
	    grep -oE '(^|[] ([|"=,])--?[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*' | sed 's/^[] ([|"=,]//' |
	    grep -E '^--[a-z0-9]|^-[a-zA-Z]$'
}
man_all() { roff_opts < "$1" | sort -u; }
man_defined() {
	{
		awk 'p == ".TP" { print } { p = $1 }' "$1"
		sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$1"
	} | roff_opts | sort -u
}

# The subcommands a command's --help names (kyso CMD SUB), or none.
subcommands() {
	"$KYSO" "$1" --help 2>&1 | grep -oE "kyso $1 [a-z]+" | sed "s/^kyso $1 //" | sort -u
}

# opts_of CMD: the options of every subcommand of CMD (or of CMD itself).
opts_of() {
	_subs=$(subcommands "$1")
	if [ -z "$_subs" ]; then
		"$KYSO" "$1" --help 2>&1 | help_opts
	else
		for _s in $_subs; do "$KYSO" "$1" "$_s" --help 2>&1 | help_opts; done | sort -u
	fi
}

# Pages whose text leaves some options to another command's page.
delegates() {
	case $1 in
	reception) echo "card insurance" ;;
	insurance) echo "card" ;;
	esac
}

version=$("$KYSO" --version 2>&1 | sed -n 's/^kyso \([0-9][0-9.]*\)$/\1/p')
[ -n "$version" ] && pass "kyso --version: $version" || fail "kyso --version prints no version"

cmds=$(sed -n 's/^KYSO_CMD(\([a-z]*\),.*/\1/p' "$top_srcdir/tools/commands.def")
[ -n "$cmds" ] || fail "no KYSO_CMD line in tools/commands.def"
for page in "$MAN"/kyso.1 "$MAN"/kyso-*.1; do
	grep -q "^\.TH [A-Z-]* 1 \"[^\"]*\" \"kyso $version\"" "$page" &&
	    pass "$(basename "$page"): kyso $version" ||
	    fail "$(basename "$page"): its .TH line does not name kyso $version (kyso --version)"
done
for c in $cmds; do
	page=$MAN/kyso-$c.1
	if [ ! -f "$page" ]; then
		fail "kyso $c has no man page doc/man/kyso-$c.1"
		continue
	fi
	grep -q "^\.BR kyso\\\\\{0,1\\}-$c (1)" "$MAN/kyso.1" ||
	    fail "kyso(1) does not name kyso-$c(1) in SEE ALSO"
	opts_of "$c" > "$T/help.$c"
	[ -s "$T/help.$c" ] || { fail "kyso $c --help lists no option"; continue; }
done
for c in $cmds; do
	page=$MAN/kyso-$c.1
	[ -f "$page" ] && [ -s "$T/help.$c" ] || continue
	man_all "$page" > "$T/man.$c"
	n=0 bad=0
	while read -r o; do
		n=$((n + 1))
		grep -qxF -- "$o" "$T/man.$c" && continue
		found=
		for d in $(delegates "$c"); do
			if grep -qxF -- "$o" "$T/help.$d" && man_all "$MAN/kyso-$d.1" | grep -qxF -- "$o"
			then
				found=$d
			fi
		done
		[ -n "$found" ] && continue
		fail "kyso $c: option $o (in --help) is not in doc/man/kyso-$c.1"
		bad=$((bad + 1))
	done < "$T/help.$c"
	[ "$bad" = 0 ] && pass "kyso $c: the $n options of --help are in kyso-$c.1"
	n=0 bad=0
	for o in $(man_defined "$page"); do
		n=$((n + 1))
		grep -qxF -- "$o" "$T/help.$c" && continue
		fail "doc/man/kyso-$c.1 describes $o, which kyso $c --help does not list"
		bad=$((bad + 1))
	done
	[ "$bad" = 0 ] && pass "kyso-$c.1: the $n options it describes are kyso $c's"
done

# The overview of `kyso CMD --help` names, on each subcommand's line (and the lines
# indented under it), every option of that subcommand's own usage line.  Not kyso card
# read (its KEY options are explained below the lines) nor kyso insurance lookup
# ([OPTIONS]: see kyso insurance lookup --help).
help_line_opts() {
	grep -oE -- '(^|[ [|])--?[a-zA-Z0-9]+(-[a-z0-9]+)*' | sed 's/^[ [|]//' | sort -u
}
for c in token key cert card checkin; do
	"$KYSO" "$c" --help > "$T/overview.$c" 2>&1
	for s in $(subcommands "$c"); do
		[ "$c $s" = "card read" ] && continue
		awk -v s="kyso $c $s" '
		    { t = $0; sub(/^usage: /, "", t); sub(/^ +/, "", t) }
		    index(t, s " ") == 1 || t == s { on = 1; print t; next }
		    on && /^        / { print; next }
		    { on = 0 }' "$T/overview.$c" | help_line_opts > "$T/ov.$c.$s"
		"$KYSO" "$c" "$s" --help 2>&1 | sed -n '1,/^$/p' | help_line_opts > "$T/own.$c.$s"
		missing=$(comm -23 "$T/own.$c.$s" "$T/ov.$c.$s" | tr '\n' ' ')
		[ -z "$missing" ] && pass "kyso $c --help: the line of $s names its options" ||
		    fail "kyso $c --help: the line of $s leaves out $missing(kyso $c $s --help has them)"
	done
done
# kyso --help names --version; kyso cert request --help says plainly where -o writes
expect 0 '^       kyso --version \| --help$' "$KYSO" --help
expect 0 '^  -o, --out FILE +write the PEM request to FILE \(- or no -o: to stdout\)$' \
    "$KYSO" cert request --help

# The command lines of README.md (its sh blocks) and of the man pages' EXAMPLES: each
# option is one that `kyso CMD [SUB] --help` lists.
{
	awk '/^```sh/ { f = 1; next } /^```/ { f = 0 } f' "$top_srcdir/README.md"
	for page in "$MAN"/kyso*.1; do
		sed -n '/^\.SH EXAMPLES/,/^\.SH [^E]/p' "$page" |
		    sed -e :a -e '/\\e$/N; s/\\e\n//; ta' | sed 's/\\-/-/g'
	done
} | grep -oE '(^|[ "(])kyso [a-z]+[^#]*' | sed 's/^[ "(]//' > "$T/examples"
n=0 bad=0
while read -r line; do
	# shellcheck disable=SC2086
	set -- $line
	c=$2 s=
	case ${3:-} in "" | -* | */* | *.* | *[A-Z]*) ;; *) s=$3 ;; esac
	"$KYSO" "$c" $s --help 2>&1 | help_opts > "$T/ex.opts"
	for o in $(printf '%s\n' "$line" | grep -oE -- '(^| )--?[a-z][a-z0-9-]*'); do
		n=$((n + 1))
		grep -qxF -- "$o" "$T/ex.opts" && continue
		fail "the example \"$line\" gives $o, which kyso $c${s:+ $s} --help does not list"
		bad=$((bad + 1))
	done
done < "$T/examples"
[ -s "$T/examples" ] || fail "no example command line found in README.md and the man pages"
[ "$bad" = 0 ] && pass "README.md and the man pages' examples: $n options, each the command's"

# The result-code table of docs/insurance.md is the one kyso insurance codes prints.
if ! command -v python3 >/dev/null 2>&1; then
	echo "# python3 is not installed: the result-code table is not checked"
elif "$KYSO" insurance codes --json > "$T/codes.json" 2>"$T/codes.err" &&
    python3 - "$top_srcdir/docs/insurance.md" "$T/codes.json" > "$T/codes.check" 2>&1 <<'EOF2'
import json, re, sys
doc = open(sys.argv[1], encoding='utf-8').read()
rows = {}
for line in doc.splitlines():
    m = re.match(r'^\| (\d{3}) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| (\d) \|$', line)
    if m:
        rows[m.group(1)] = tuple(x.strip() for x in m.groups()[1:])
codes = json.load(open(sys.argv[2], encoding='utf-8'))['codes']
bad = 0
for c in codes:
    r = rows.pop(c['code'], None)
    if r is None:
        print('code %s (kyso insurance codes) is not in the table' % c['code']); bad += 1
    elif (r[0], r[1], int(r[3])) != (c['vi'], c['en'], c['exit']) or \
            r[2].replace(' ', '_') != c['class'] and not (c['class'] == 'auth_error' and 'auth' in r[2]):
        print('code %s: the table has %s, kyso insurance codes %s' % (c['code'], r, c)); bad += 1
for k in rows:
    print('code %s is in the table, not in kyso insurance codes' % k); bad += 1
sys.exit(1 if bad else 0)
EOF2
then
	pass "docs/insurance.md: its result-code table is kyso insurance codes"
else
	fail "docs/insurance.md: the result-code table differs from kyso insurance codes"
	sed 's/^/    | /' "$T/codes.check" "$T/codes.err" | head -20
fi

# Paths and functions of docs/ARCHITECTURE.md.
ARCH=$top_srcdir/docs/ARCHITECTURE.md
exists() { # PATTERN (a path with *, <name> or {a,b}): some file or directory matches
	_p=$(printf '%s' "$1" | sed 's/<[a-z]*>/*/g')
	case $_p in
	*\{*\}*)
		_pre=${_p%%\{*} _rest=${_p#*\{} _alts=${_rest%%\}*} _post=${_rest#*\}}
		_ok=0
		for _a in $(printf '%s' "$_alts" | tr ',' ' '); do
			exists "$_pre$_a$_post" || return 1
			_ok=1
		done
		[ "$_ok" = 1 ]
		return
		;;
	esac
	for _f in $top_srcdir/$_p; do
		[ -e "$_f" ] && return 0
	done
	return 1
}
if [ -f "$ARCH" ]; then
	n=0 bad=0
	grep -n '`' "$ARCH" > "$T/arch.lines"
	while IFS= read -r line; do
		ln=${line%%:*}
		printf '%s\n' "${line#*:}" | grep -oE '`[^` ]+`' | tr -d '`' > "$T/arch.toks"
		# the directories this line names, for its bare file names
		dirs=
		for tok in $(grep '/' "$T/arch.toks" | grep -vE '^/|^(sign|kyso)_'); do
			case $tok in */) d=${tok%/} ;; *) d=$(dirname -- "$tok") ;; esac
			dirs="$dirs $d"
		done
		for tok in $(grep '/' "$T/arch.toks" | grep -E '^[a-z_.]+/$'); do
			for d in $dirs; do [ -d "$top_srcdir/$d/$tok" ] && dirs="$dirs $d/${tok%/}"; done
		done
		while IFS= read -r tok; do
			case $tok in
			/* | sign_* | kyso_* | *=* | -* | *\(\)) continue ;;
			# build directories the scripts make (.gitignore: /build/, /build-*/)
			build/* | build-*) continue ;;
			*/*) ;;
			*.c | *.h | *.sh | *.py | *.am | *.md | *.inc | *.def) ;;
			*) continue ;;
			esac
			n=$((n + 1))
			ok=
			for d in . $dirs; do exists "$d/$tok" && ok=1; done
			[ -n "$ok" ] && continue
			fail "docs/ARCHITECTURE.md line $ln names $tok, which is not in the source tree"
			bad=$((bad + 1))
		done < "$T/arch.toks"
	done < "$T/arch.lines"
	[ "$bad" = 0 ] && pass "docs/ARCHITECTURE.md: the $n paths it names exist"
	n=0 bad=0
	for s in $(grep -oE '`(sign|kyso)_[A-Za-z0-9_]+(\(\))?`' "$ARCH" | tr -d '`()' | sort -u); do
		n=$((n + 1))
		grep -rqw -- "$s" "$top_srcdir/libsign" "$top_srcdir/tools" && continue
		fail "docs/ARCHITECTURE.md names $s, which no source file in libsign/ or tools/ has"
		bad=$((bad + 1))
	done
	[ "$bad" = 0 ] && pass "docs/ARCHITECTURE.md: the $n functions it names exist"
fi

# Paths that README.md and docs/*.md name in backquotes.
n=0 bad=0
for doc in "$top_srcdir"/README.md "$top_srcdir"/docs/*.md; do
	# (ARCHITECTURE.md: above; BENCHMARKS.md names built programs)
	case ${doc##*/} in BENCHMARKS.md | ARCHITECTURE.md) continue ;; esac
	[ -f "$doc" ] || continue
	for tok in $(grep -oE '`(libsign|tools|tests|docs|doc|certs|scripts|bench)/[^` ]*`' "$doc" |
	    tr -d '`' | sort -u); do
		n=$((n + 1))
		exists "$tok" && continue
		fail "${doc#"$top_srcdir"/} names $tok, which is not in the source tree"
		bad=$((bad + 1))
	done
done
[ "$bad" = 0 ] && pass "README.md, docs/*.md: the $n paths they name exist"
done_testing
