// A differential run of `@liquid`: random templates and payloads rendered by
// Segment's mapping-kit, written in the format of
// tests/data/conformance/mapping-kit-liquid-vectors.json so that the Rust
// replay (src/core/tests/liquid_conformance.rs, `differential_file`)
// compares this library with them. Run from the folder holding the npm
// packages (see generate_liquid_vectors.mjs), e.g.
//
//   cd /tmp/mk && TZ=UTC node /path/to/repo/scripts/conformance/liquid_differential.mjs \
//     /tmp/liquid-diff.json 5000 [seed]
//   cd /path/to/repo && LIQUID_DIFF_FILE=/tmp/liquid-diff.json \
//     cargo test -p segment-sendgrid-core --test liquid_conformance differential_file
//
// The output holds Segment's results, so it stays outside the repository.
// Templates use the tags and filters this library renders (and a few
// unknown filter names); the refused ones are pinned by the vector file.

import { createRequire } from 'node:module'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const require = createRequire(join(process.cwd(), 'package.json'))
const { transform } = require('@segment/actions-core')

const [path, countText = '2000', seedText = '1'] = process.argv.slice(2)
if (!path || process.env.TZ !== 'UTC') {
  console.error('usage: TZ=UTC liquid_differential.mjs OUTPUT.json [COUNT] [SEED]')
  process.exit(2)
}

// mulberry32: the same seed gives the same run.
let state = Number(seedText) >>> 0
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = (items) => items[Math.floor(random() * items.length)]
const chance = (p) => random() < p

const STRINGS = ['a.b', 'size', 'a[0]', 'a b[c]?d=é#f', 'aGVsbG8gd29ybGQ=', 'w6k', '/+8', 'abc=', 'YQ==\n', '%Y-%m-%d', '%a %b %e %H:%M:%S %Z', '%-d/%_m %j %U %W %V %G %p %l %q %N %s %%', '2024-02-29T13:05:09.123Z',
  '2024-01-02', '1700000000', 'ordinal', 'US', '', ' ', 'a', 'Hello World', '  padded  ', 'zoë', 'ß', '😀x', '12', '-3.5', '1e3', '0x10', 'a,b,,c', 'x y\tz\n', '<b>&"\'</b>', 'true', 'null', '%41+b', 'ÉCOLE', 'a-b_c']
const NUMBERS = [0, -0, 1, -1, 2.5, -2.5, 0.1, 1.005, 3.14159, 1e21, 5e-7, 123456789, -7, 1e-7, 255]
function scalar() {
  switch (Math.floor(random() * 5)) {
    case 0: return pick(STRINGS)
    case 1: return pick(NUMBERS)
    case 2: return pick([true, false])
    case 3: return null
    default: return pick(STRINGS) + pick(STRINGS)
  }
}
function value(depth = 0) {
  const r = random()
  if (depth < 2 && r < 0.15) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1))
  if (depth < 2 && r < 0.25) return Object.fromEntries(['a', 'b', 'c'].filter(() => chance(0.6)).map((k) => [k, value(depth + 1)]))
  return scalar()
}
const KEYS = ['s', 'n', 'x', 'arr', 'obj', 'e']
const payload = () => ({
  properties: Object.fromEntries(KEYS.filter(() => chance(0.8)).map((k) => [k, value()])),
  traits: { name: pick(STRINGS), age: pick(NUMBERS), tags: [pick(STRINGS), pick(STRINGS)] }
})

const PATHS = ['properties.s', 'properties.n', 'properties.x', 'properties.arr', 'properties.obj', 'properties.obj.a',
  'properties.arr[0]', 'properties.arr[-1]', 'properties.arr.size', 'properties.s.size', 'properties.arr.first',
  'properties.obj.b.c', 'properties.missing', 'traits.name', 'traits.age', 'traits.tags', 'traits.tags.last', 'v', 'w']
const literal = () => pick([JSON.stringify(pick(STRINGS.filter((s) => !/[\n\t"]/.test(s)))), String(pick([0, 1, 2, 3, -1, 2.5, 10])), 'nil', 'true', 'false', 'empty', 'blank'])
const operand = () => (chance(0.7) ? pick(PATHS) : literal())

// filter name and how many arguments it takes (min, max)
const FILTERS = [['append', 1, 1], ['prepend', 1, 1], ['upcase', 0, 0], ['downcase', 0, 0], ['capitalize', 0, 0],
  ['strip', 0, 1], ['lstrip', 0, 0], ['rstrip', 0, 0], ['strip_newlines', 0, 0], ['strip_html', 0, 0], ['squish', 0, 0],
  ['normalize_whitespace', 0, 0], ['replace', 2, 2], ['replace_first', 2, 2], ['replace_last', 2, 2], ['remove', 1, 1],
  ['remove_first', 1, 1], ['remove_last', 1, 1], ['truncate', 0, 2], ['truncatewords', 0, 2], ['split', 1, 1],
  ['escape', 0, 0], ['escape_once', 0, 0], ['url_encode', 0, 0], ['url_decode', 0, 0], ['cgi_escape', 0, 0],
  ['abs', 0, 0], ['at_least', 1, 1], ['at_most', 1, 1], ['ceil', 0, 0], ['floor', 0, 0], ['divided_by', 1, 2],
  ['minus', 1, 1], ['plus', 1, 1], ['modulo', 1, 1], ['times', 1, 1], ['round', 0, 1], ['join', 0, 1], ['first', 0, 0],
  ['last', 0, 0], ['size', 0, 0], ['compact', 0, 0], ['slice', 1, 2], ['sum', 0, 1], ['default', 1, 1], ['json', 0, 1], ['inspect', 0, 1],
  ['to_integer', 0, 0], ['raw', 0, 0], ['nosuch', 0, 1], ['base64_encode', 0, 0], ['base64_decode', 0, 0],
  ['uri_escape', 0, 0], ['push', 0, 1], ['pop', 0, 0], ['shift', 0, 0], ['unshift', 0, 1], ['where', 1, 2]]
// Date filters take date-like values only: V8's `new Date(text)` also reads
// many other strings ("-3.5" is 2001-03-05), which this library returns
// unchanged (see SOURCE.md).
const DATE_INPUTS = ['"2024-02-29T13:05:09.123Z"', '"2024-01-02"', '"2024-01-02T03:04:05+05:30"', '"2024-01-02 03:04"',
  '"1700000000"', '0', '1700000000', '-86400.5', '"hello"', 'nil', 'properties.missing', 'false', 'true',
  '"Thu, 01 Jan 1970 00:00:10 +0000"', '"2024-13-01"', '"2024-02-30"']
const DATE_FILTERS = ['date', 'date: ' + JSON.stringify(STRINGS[0]), 'date: ' + JSON.stringify(STRINGS[1]),
  'date: ' + JSON.stringify(STRINGS[2]), 'date: "%c %x %X %D %F %T %r %R %z %:z %^A %#b %10N %3L"', 'date: nil, 60',
  'date_to_xmlschema', 'date_to_rfc822', 'date_to_rfc822 | date_to_string', 'date_to_string: "ordinal"',
  'date_to_long_string: "ordinal", "US"', 'date_to_long_string']
function filters() {
  let out = ''
  const n = Math.floor(random() * 3)
  for (let i = 0; i < n; i++) {
    const [name, min, max] = pick(FILTERS)
    const count = min + Math.floor(random() * (max - min + 1))
    const args = Array.from({ length: count }, operand)
    out += ` | ${name}` + (count ? ': ' + args.join(', ') : '')
  }
  return out
}
const condition = () => {
  const one = () => (chance(0.6) ? `${operand()} ${pick(['==', '!=', '>', '<', '>=', '<=', 'contains'])} ${operand()}` : operand())
  return chance(0.3) ? `${one()} ${pick(['and', 'or'])} ${one()}` : one()
}
const dash = () => (chance(0.15) ? '-' : '')
function template(depth = 0) {
  let out = ''
  const parts = 1 + Math.floor(random() * 3)
  for (let i = 0; i < parts; i++) {
    const r = random()
    if (r < 0.2) out += pick(['x', ' ', '\n ', 'a b ', '|'])
    else if (r < 0.5) out += `{{${dash()} ${operand()}${filters()} ${dash()}}}`
    else if (r < 0.6) out += `{{ ${pick(DATE_INPUTS)} | ${pick(DATE_FILTERS)}${filters()} }}`
    else if (r < 0.7) out += `{%${dash()} assign ${pick(['v', 'w'])} = ${operand()}${filters()} ${dash()}%}`
    else if (r < 0.75) out += `{% capture ${pick(['v', 'w'])} %}${depth < 2 ? template(depth + 1) : 'c'}{% endcapture %}`
    else if (depth < 2) {
      const tag = pick(['if', 'if', 'unless'])
      out += `{%${dash()} ${tag} ${condition()} ${dash()}%}${template(depth + 1)}`
      if (tag === 'if' && chance(0.3)) out += `{% elsif ${condition()} %}${template(depth + 1)}`
      if (chance(0.4)) out += `{% else %}${template(depth + 1)}`
      out += `{%${dash()} end${tag} ${dash()}%}`
    }
  }
  return out
}

// JSON.stringify writes a lone surrogate half as a `\\udXXX` escape.
const LONE_SURROGATE = /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i
let skipped = 0
const vectors = []
for (let i = 0; i < Number(countText); i++) {
  const mapping = { f: { '@liquid': template() } }
  const input = payload()
  let outcome
  try {
    const value = transform(mapping, structuredClone(input))
    outcome = value === undefined ? { expected_absent: true } : { expected: value }
  } catch (e) {
    outcome = { error: true, error_message: String(e?.message ?? e) }
  }
  // A lone surrogate half (a slice through an emoji) is no Unicode text:
  // neither JSON parsers nor Rust strings hold it, so such a case is skipped.
  // encodeURIComponent throws "URI malformed" only on such a half.
  if (LONE_SURROGATE.test(JSON.stringify(outcome)) || /URI malformed/.test(outcome.error_message)) {
    skipped++
    continue
  }
  vectors.push({ name: `random ${i}`, mapping, input, ...outcome })
}
writeFileSync(path, JSON.stringify({ counts: { vectors: vectors.length }, vectors }) + '\n')
const errors = vectors.filter((v) => v.error).length
console.log(`${vectors.length} random templates (${errors} errors; ${skipped} skipped: lone surrogates) written to ${path}`)
