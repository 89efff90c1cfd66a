// Re-checks tests/data/conformance/mapping-kit-vectors.json and
// sendgrid-default-mapping-vectors.json against Segment's published code:
// `transform` and `getFieldValueKeys` as exported by @segment/actions-core
// (dist/cjs/index.js re-exports them from ./mapping-kit and
// ./mapping-kit/value-keys), and the default mappings read from the field
// definitions of @segment/action-destinations' SendGrid actions.
//
// The vectors were generated from segmentio/action-destinations at commit
// 970a17ee8d064501db7ae555f4d90f17befadfc0 (the mapping-kit sources bundled
// with esbuild, liquidjs 10.27.2), not from the npm packages, so the published
// packages may differ a little. Every difference is printed, one line per
// vector; nothing is skipped. A vector counts as reproduced when its outcome
// (the returned value as JSON text, `undefined`, or a throw) is the same;
// thrown messages are informational in the file (VECTORS.md) and are compared
// and counted separately.
//
// Run it from a folder holding the pinned npm packages (see check.sh):
//
//   cd /tmp/segment-replay && TZ=UTC node /path/to/repo/scripts/conformance/recheck_mapping_vectors.mjs \
//     [/path/to/repo/tests/data/conformance]
//
// Exit status 1 if an outcome differs that is not listed in
// KNOWN_DIFFERENCES below (each with its reason), or if a listed one no
// longer differs (then the list is out of date).

import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(join(process.cwd(), 'package.json'))
const { transform, getFieldValueKeys } = require('@segment/actions-core')
const destination = require('@segment/action-destinations/dist/destinations/sendgrid').default
const versionOf = (name) =>
  JSON.parse(readFileSync(join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8')).version

const here = dirname(fileURLToPath(import.meta.url))
const dir = process.argv[2] ?? join(here, '..', '..', 'tests', 'data', 'conformance')
const read = (name) => JSON.parse(readFileSync(join(dir, name), 'utf8'))

// Vectors whose outcome the published package does not reproduce, as
// { name: reason }. Empty: @segment/actions-core 3.170.0 reproduced every
// vector when this was written (see "Re-checking the vectors" in
// tests/data/conformance/SOURCE.md).
const KNOWN_DIFFERENCES = {}

const show = (v) => {
  const text = v === undefined ? 'undefined' : JSON.stringify(v)
  return text.length > 200 ? text.slice(0, 197) + '...' : text
}
/** JSON text with object keys sorted, to tell a key-order difference from a value difference. */
const canonical = (v) => JSON.stringify(v, (_k, x) =>
  x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x)

/** Calls fn; returns { value } or { thrown: [messages] }. */
function outcome(fn) {
  try {
    return { value: fn() }
  } catch (e) {
    // aggregate-error's AggregateError is iterable over the errors it gathers.
    const messages = typeof e?.[Symbol.iterator] === 'function' ? [...e].map((x) => x.message) : [e?.message]
    return { thrown: messages }
  }
}

/** Compares a returned value with the recorded one: null when identical. */
function valueDifference(got, want) {
  const g = JSON.stringify(got)
  const w = JSON.stringify(want)
  if (g === w) return null
  if (g !== undefined && w !== undefined && canonical(got) === canonical(want)) return `same value, key order differs: got ${show(got)}`
  return `got ${show(got)}, file ${show(want)}`
}

// --- mapping-kit-vectors.json

const mk = read('mapping-kit-vectors.json')
const outcomeDiffers = []
const messageDiffers = []
let errorCount = 0
for (const v of mk.vectors) {
  const got = outcome(() => transform(v.mapping, v.input))
  let problem = null
  if (v.error) {
    errorCount++
    if (!got.thrown) problem = `expected a throw, got ${show(got.value)}`
    else {
      const want = v.error_messages ?? [v.error_message]
      if (JSON.stringify(got.thrown) !== JSON.stringify(want)) {
        messageDiffers.push(v.name)
        console.log(`MESSAGE ${v.name} [${v.directive}]: thrown ${show(got.thrown)}, file ${show(want)}`)
      }
    }
  } else if (got.thrown) {
    problem = `threw ${show(got.thrown)}, file ${v.expected_absent ? 'undefined' : show(v.expected)}`
  } else if (v.expected_absent) {
    if (got.value !== undefined) problem = `expected undefined, got ${show(got.value)}`
  } else {
    problem = got.value === undefined ? `got undefined, file ${show(v.expected)}` : valueDifference(got.value, v.expected)
  }
  if (problem) {
    outcomeDiffers.push(v.name)
    const known = KNOWN_DIFFERENCES[v.name]
    console.log(`${known ? 'KNOWN' : 'DIFFERS'} ${v.name} [${v.directive}]: ${problem}${known ? ` (${known})` : ''}`)
  }
}

const keyDiffers = []
for (const v of mk.field_value_keys_vectors ?? []) {
  const got = outcome(() => getFieldValueKeys(v.value))
  const problem = got.thrown ? `threw ${show(got.thrown)}` : valueDifference(got.value, v.expected_keys)
  if (problem) {
    keyDiffers.push(v.name)
    console.log(`DIFFERS getFieldValueKeys ${v.name}: ${problem}`)
  }
}

// --- sendgrid-default-mapping-vectors.json

const dm = read('sendgrid-default-mapping-vectors.json')
/** `{field: default}` for the fields that have one, in definition order. */
const publishedDefaults = (action) =>
  Object.fromEntries(Object.entries(destination.actions[action].fields).filter(([, f]) => f.default !== undefined).map(([k, f]) => [k, f.default]))
const mappings = {
  upsert_contact: { file: dm.upsert_contact_default_mapping, published: publishedDefaults('updateUserProfile'), key: 'upsert_contact_default_mapping', action: 'updateUserProfile' },
  send_email: { file: dm.send_email_default_mapping, published: publishedDefaults('sendEmail'), key: 'send_email_default_mapping', action: 'sendEmail' }
}
const mappingDiffers = []
for (const m of Object.values(mappings)) {
  const d = valueDifference(m.published, m.file)
  if (d) {
    mappingDiffers.push(m.key)
    console.log(`DIFFERS ${m.key} vs the published ${m.action} field defaults: ${d}`)
  }
}
const payloadDiffers = []
const publishedPayloadDiffers = []
for (const [i, v] of dm.vectors.entries()) {
  const m = mappings[v.action]
  if (!m) throw new Error(`vector ${i}: unknown action ${v.action}`)
  const name = `#${i + 1} ${v.action} / ${v.description}`
  // transform of the file's default mapping, and of the published one.
  for (const [which, mapping, list] of [['file mapping', m.file, payloadDiffers], ['published defaults', m.published, publishedPayloadDiffers]]) {
    if (which === 'published defaults' && !mappingDiffers.includes(m.key)) continue
    const got = outcome(() => transform(mapping, v.event))
    const problem = got.thrown ? `threw ${show(got.thrown)}` : valueDifference(got.value, v.expected_payload)
    if (problem) {
      list.push(name)
      console.log(`DIFFERS ${name} (${which}): ${problem}`)
    }
  }
}

// --- summary

const unknown = outcomeDiffers.filter((n) => !KNOWN_DIFFERENCES[n])
const stale = Object.keys(KNOWN_DIFFERENCES).filter((n) => !outcomeDiffers.includes(n))
const nVec = mk.vectors.length
const nKeys = (mk.field_value_keys_vectors ?? []).length
const nDm = dm.vectors.length
console.log(`\nre-checked with transform / getFieldValueKeys of @segment/actions-core ${versionOf('@segment/actions-core')} ` +
  `(liquidjs ${versionOf('liquidjs')}) and the field defaults of @segment/action-destinations ${versionOf('@segment/action-destinations')}, ` +
  `Node ${process.version}; the files were generated from commit 970a17e (liquidjs 10.27.2)`)
console.log(`mapping-kit-vectors.json: ${nVec - outcomeDiffers.length} of ${nVec} transform vectors reproduced` +
  `${outcomeDiffers.length ? ` (${outcomeDiffers.length - unknown.length} known differences, ${unknown.length} unexpected)` : ''}; ` +
  `thrown messages identical for ${errorCount - messageDiffers.length} of ${errorCount} error vectors ` +
  `(${messageDiffers.length} worded differently, informational); ` +
  `${nKeys - keyDiffers.length} of ${nKeys} getFieldValueKeys vectors reproduced`)
console.log(`sendgrid-default-mapping-vectors.json: default mappings ${2 - mappingDiffers.length} of 2 identical to the published field defaults; ` +
  `${nDm - payloadDiffers.length} of ${nDm} expected_payload reproduced` +
  (mappingDiffers.length ? `; with the published defaults instead: ${nDm - publishedPayloadDiffers.length} of ${nDm}` : ''))
for (const n of stale) console.log(`KNOWN_DIFFERENCES lists ${n}, which now reproduces: update the list`)
const failed = unknown.length + stale.length + keyDiffers.length + mappingDiffers.length + payloadDiffers.length
process.exitCode = failed ? 1 : 0
