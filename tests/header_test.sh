#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every public header compiles alone, in C and C++, under -Wall -Wextra -pedantic -Werror,
# and carries its SPDX line and THREAD SAFETY note.
set -u
. "$top_srcdir/tests/integration/lib.sh"
CC=${CC:-cc}
for h in "$top_srcdir"/libsign/include/libsign.h "$top_srcdir"/libsign/include/libsign/*.h; do
	rel=${h#"$top_srcdir"/libsign/include/}
	printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$rel" "$rel" > "$T/t.c"
	if $CC -std=c99 -Wall -Wextra -pedantic -Werror -I"$top_srcdir/libsign/include" \
	    -c "$T/t.c" -o "$T/t.o"; then pass "$rel compiles alone (C99)"; else fail "$rel (C99)"; fi
	if command -v c++ >/dev/null 2>&1; then
		cp "$T/t.c" "$T/t.cc"
		if c++ -Wall -Wextra -pedantic -Werror -I"$top_srcdir/libsign/include" \
		    -c "$T/t.cc" -o "$T/t.o"; then pass "$rel compiles as C++"; else fail "$rel (C++)"; fi
	fi
	grep -q 'SPDX-License-Identifier' "$h" && pass "$rel SPDX" || fail "$rel has no SPDX line"
	grep -q 'THREAD SAFETY' "$h" && pass "$rel THREAD SAFETY" || fail "$rel has no THREAD SAFETY note"
done
done_testing
