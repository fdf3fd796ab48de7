# SPDX-License-Identifier: LGPL-2.1-or-later
# verify_schema.py DOC JSON: the `kyso verify --json` output JSON against the tables of
# docs/verify-json.md (DOC): every member documented with its type, every member
# not documented as sometimes absent present.  Used by verify_audit.sh.
import json, re, sys
doc = open(sys.argv[1], encoding='utf-8').read()
out = json.load(open(sys.argv[2], encoding='utf-8'))
def table(title):
    sec = doc.split('## ' + title, 1)[1].split('\n## ', 1)[0]
    rows = {}
    for line in sec.splitlines():
        m = re.match(r'\| `([a-z_]+)` \| ([^|]+) \| (.*) \|$', line)
        if m:
            rows[m.group(1)] = (m.group(2).strip(), m.group(3))
    return rows
types = {'integer': int, 'string': str, 'array': list, 'boolean': bool, 'null': type(None)}
def check(obj, rows, where):
    for k, v in obj.items():
        assert k in rows, '%s: member %r is not documented' % (where, k)
        allowed = tuple(types[t] for t in re.findall(r'integer|string|array|boolean|null', rows[k][0]))
        assert isinstance(v, allowed) and not (isinstance(v, bool) and bool not in allowed), \
            '%s.%s: %r is not %s' % (where, k, v, rows[k][0])
    for k, (t, meaning) in rows.items():
        if 'absent' not in meaning:
            assert k in obj, '%s: documented member %r missing' % (where, k)
top, res, sig = table('Top level'), table('A result'), table('A signature (one SignerInfo)')
check(out, top, 'top')
for r in out['results']:
    rr = dict(res)
    if r['error'] is not None:   # "absent when error is set"
        rr = {k: v for k, v in res.items() if k in ('file', 'indication', 'sub_indication', 'error', 'exit', 'signatures')}
        for k in r:
            assert k in res, 'result: %r undocumented' % k
    check(r, rr, 'result')
    for s in r['signatures']:
        check(s, sig, 'signature')
        for c in s['checks']:
            assert set(c) == {'check', 'status', 'detail'}, c
print('ok')
