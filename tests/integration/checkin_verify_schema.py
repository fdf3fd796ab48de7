# SPDX-License-Identifier: LGPL-2.1-or-later
# checkin_verify_schema.py DOC JSON: the `kyso checkin verify --json` output against
# the tables of docs/checkin-verify-json.md (DOC), as verify_schema.py does for
# kyso verify: every member documented with its type, every member not documented
# as sometimes absent present, and nothing else.
import json, re, sys
doc = open(sys.argv[1], encoding='utf-8').read()
out = json.load(open(sys.argv[2], encoding='utf-8'))
def table(title):
    sec = doc.split('\n## ' + title + '\n', 1)[1].split('\n## ', 1)[0]
    rows = {}
    for line in sec.splitlines():
        m = re.match(r'\| `([a-z_0-9]+)` \| ([^|]+) \| (.*) \|$', line)
        if m:
            rows[m.group(1)] = (m.group(2).strip(), m.group(3))
    assert rows, 'no table under ## ' + title
    return rows
types = {'integer': int, 'string': str, 'array': list, 'boolean': bool, 'null': type(None),
         'object': dict}
def check(obj, rows, where, absent_ok=False):
    for k, v in obj.items():
        assert k in rows, '%s: member %r is not documented' % (where, k)
        allowed = tuple(types[t] for t in re.findall(r'integer|string|array|boolean|null|object', rows[k][0]))
        assert isinstance(v, allowed) and not (isinstance(v, bool) and bool not in allowed), \
            '%s.%s: %r is not %s' % (where, k, v, rows[k][0])
    for k, (t, meaning) in rows.items():
        if not ('absent' in meaning and absent_ok) and 'absent when' not in meaning:
            assert k in obj, '%s: documented member %r missing' % (where, k)
top, res, ca = table('Top level'), table('A result (one record)'), table('Chip Authentication')
check(out, top, 'top')
# the top-level "error" rule: null exactly when the run has a verdict; when a
# record could not be verified, it carries that record's message (one record)
# or the count and the first such record's message (several)
assert (out['error'] is None) == (out['indication'] is not None), \
    'top: error %r beside indication %r' % (out['error'], out['indication'])
failed = [r for r in out['results'] if r['error'] is not None]
if failed:
    assert failed[0]['error'] in out['error'], 'top: error %r lacks %r' % (out['error'], failed[0]['error'])
    if len(out['results']) > 1:
        assert out['error'].startswith('%d of %d records could not be verified' %
                                       (len(failed), len(out['results']))), out['error']
for r in out['results']:
    if r['error'] is not None:
        check(r, res, 'result', absent_ok=True)
        assert set(r) == {'file', 'indication', 'exit', 'error'}, sorted(r)
        continue
    check(r, res, 'result')
    for k in res:
        assert k in r, 'result: %r missing' % k
    check(r['chip_authentication'], ca, 'chip_authentication')
    assert r['chip_authentication']['verdict'] in ('passed', 'failed', 'not_supported', 'not_attempted')
    assert r['chip_authentication']['dg14'] in ('match', 'mismatch', 'not_read', 'not_in_sod', 'absent')
    for c in r['checks']:
        assert set(c) == {'check', 'status', 'detail'}, c
print('ok')
