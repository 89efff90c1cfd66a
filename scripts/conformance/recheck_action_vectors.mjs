// Re-checks tests/data/conformance/sendgrid-action-vectors.json against
// Segment's published code: every case is replayed from its JSON alone through
// createTestIntegration(destination).testAction / testBatchAction (harness.mjs),
// twice (with `mapping` + defaults, and with `effective_mapping` alone), and
// each recorded request (method, url, kept headers, body byte for byte), the
// error (class, message, status, code) and the multistatus are compared with
// the file. One line per differing case, then `N of M cases reproduced`; the
// exit status is 1 if any case does not reproduce.
//
// Run it from a folder holding the pinned npm packages (see check.sh):
//
//   cd /tmp/segment-replay && TZ=UTC node /path/to/repo/scripts/conformance/recheck_action_vectors.mjs \
//     [/path/to/repo/tests/data/conformance/sendgrid-action-vectors.json]
//
// Cases that need more than their `event` are handled explicitly, as VECTORS.md
// describes them:
// - `send_at_offset_hours`: "__SEND_AT__" in the event is replaced by
//   t = now + N hours in `send_at_format`, and `__SEND_AT_UNIX__` in the
//   recorded bodies by floor(t/1000) (`body_placeholders`);
// - `event_json`: that text is parsed instead of `event` (integer-like keys);
// - `server_replies`: the case's replies replace the default ones;
// - `executeBatch_direct`: the action's executeBatch is called with data: [];
// - an event without a key that createTestEvent fills in (uup_external_id_only
//   and uup_identify_user_id_not_mapped lack `anonymousId`, the batch events
//   lack `event`): the key is passed as `undefined` so that it stays absent, as
//   it was when recorded. A plain replay of these events is run as well and
//   reported: createTestEvent then adds `anonymousId: "anonId1234"`.

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { absentTestEventKeys, outcomeText, replayFromJson, requireUtc, run, versionOf } from './harness.mjs'

requireUtc()
const here = dirname(fileURLToPath(import.meta.url))
const path = process.argv[2] ?? join(here, '..', '..', 'tests', 'data', 'conformance', 'sendgrid-action-vectors.json')
const file = JSON.parse(readFileSync(path, 'utf8'))
const fieldDefinitions = file.field_definitions_fixture

// --- send_at substitution (VECTORS.md, "send_at cases whose result depends on the current time")

const HOUR_MS = 3600000
function formatSendAt(t, format) {
  const iso = new Date(t).toISOString() // 2024-01-08T13:52:50.212Z
  if (format === 'iso_ms_z') return iso
  if (format === 'iso_s_z') return iso.replace(/\.\d{3}Z$/, 'Z')
  if (format === 'iso_no_tz') return iso.slice(0, -1) // UTC wall clock; read as local time, and TZ=UTC
  if (format === 'iso_lowercase') return iso.replace('T', 't').replace('Z', 'z')
  const offset = /^iso_offset_([+-])(\d\d):(\d\d)$/.exec(format)
  if (offset) {
    const minutes = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]))
    return new Date(t + minutes * 60000).toISOString().slice(0, -1) + `${offset[1]}${offset[2]}:${offset[3]}`
  }
  throw new Error(`unknown send_at_format ${format}`)
}

/** Evaluates `floor((now_ms + N * 3600000) / 1000)`, the only expression the file uses. */
function evaluate(expression, nowMs) {
  const m = /^floor\(\(now_ms \+ (-?\d+) \* 3600000\) \/ 1000\)$/.exec(expression)
  if (!m) throw new Error(`unknown placeholder expression ${expression}`)
  return Math.floor((nowMs + Number(m[1]) * HOUR_MS) / 1000)
}

const replaceDeep = (value, from, to) =>
  typeof value === 'string'
    ? value === from ? to : value
    : Array.isArray(value)
      ? value.map((v) => replaceDeep(v, from, to))
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]))
        : value

/** Turns the JSON case into what is run; returns { c, nowMs? }. */
function prepare(c) {
  if (c.event_json !== undefined) c.event = JSON.parse(c.event_json)
  if (c.send_at_offset_hours === undefined) return { c }
  const nowMs = Date.now()
  const t = nowMs + c.send_at_offset_hours * HOUR_MS
  const text = formatSendAt(t, c.send_at_format)
  if (c.event) c.event = replaceDeep(c.event, '__SEND_AT__', text)
  if (c.events) c.events = replaceDeep(c.events, '__SEND_AT__', text)
  return { c, nowMs, sendAt: text }
}

/** The recorded outcome, with body placeholders resolved for this run's clock. */
function expectedOutcome(c, nowMs) {
  const requests = c.requests.map((r) => {
    let body = r.body
    for (const [token, expression] of Object.entries(r.body_placeholders ?? {})) {
      if (nowMs === undefined) throw new Error(`${c.name}: body placeholder without send_at_offset_hours`)
      body = body.split(token).join(String(evaluate(expression, nowMs)))
    }
    return { method: r.method, url: r.url, headers: r.headers, body }
  })
  return { requests, error: c.error, multistatus: c.multistatus }
}

// --- comparison

const show = (v) => {
  const text = v === undefined ? 'undefined' : JSON.stringify(v)
  return text.length > 160 ? text.slice(0, 157) + '...' : text
}
/** Around the first differing character of two strings. */
function firstDifference(got, want) {
  let i = 0
  while (i < got.length && i < want.length && got[i] === want[i]) i++
  const from = Math.max(0, i - 40)
  return `at char ${i}: got ${show(got.slice(from, i + 60))}, file ${show(want.slice(from, i + 60))}`
}

/** The differences between a replay and the file, as short texts (empty: reproduced). */
function differences(got, want) {
  const out = []
  if (got.requests.length !== want.requests.length) {
    out.push(`${got.requests.length} requests sent, file has ${want.requests.length}` +
      ` (got ${got.requests.map((r) => `${r.method} ${r.url}`).join(', ') || 'none'})`)
  }
  const n = Math.min(got.requests.length, want.requests.length)
  for (let i = 0; i < n; i++) {
    const g = got.requests[i]
    const w = want.requests[i]
    if (g.method !== w.method) out.push(`requests[${i}].method ${g.method} != ${w.method}`)
    if (g.url !== w.url) out.push(`requests[${i}].url ${g.url} != ${w.url}`)
    for (const name of new Set([...Object.keys(g.headers), ...Object.keys(w.headers)])) {
      if (g.headers[name] !== w.headers[name]) out.push(`requests[${i}].headers.${name} ${show(g.headers[name])} != ${show(w.headers[name])}`)
    }
    if (g.body !== w.body) {
      out.push(typeof g.body === 'string' && typeof w.body === 'string'
        ? `requests[${i}].body ${firstDifference(g.body, w.body)}`
        : `requests[${i}].body ${show(g.body)} != ${show(w.body)}`)
    }
  }
  if ((got.error === null) !== (want.error === null)) {
    out.push(`error ${show(got.error)} != ${show(want.error)}`)
  } else if (got.error) {
    for (const key of ['class', 'message', 'status', 'code']) {
      if (got.error[key] !== want.error[key]) out.push(`error.${key} ${show(got.error[key])} != ${show(want.error[key])}`)
    }
  }
  const gm = JSON.stringify(got.multistatus)
  const wm = JSON.stringify(want.multistatus)
  if (gm !== wm) out.push(gm && wm ? `multistatus ${firstDifference(gm, wm)}` : `multistatus ${show(got.multistatus)} != ${show(want.multistatus)}`)
  return out
}

// --- run every case

const special = { send_at: [], event_json: [], server_replies: [], executeBatch_direct: [], absent_keys: [] }
const differing = []
const plainNotes = []
for (const c of file.cases) {
  const absent = [...new Set((c.events ?? (c.event ? [c.event] : [])).flatMap(absentTestEventKeys))]
  if (c.send_at_offset_hours !== undefined) special.send_at.push(c.name)
  if (c.event_json !== undefined) special.event_json.push(c.name)
  if (c.server_replies) special.server_replies.push(c.name)
  if (c.invocation === 'executeBatch_direct') special.executeBatch_direct.push(c.name)
  if (absent.length) special.absent_keys.push(`${c.name} (${absent.join(', ')})`)

  const problems = []
  for (const { how, outcome, nowMs } of await replayFromJson(c, { fieldDefinitions, prepare })) {
    for (const d of differences(outcome, expectedOutcome(c, nowMs))) problems.push(`[${how}] ${d}`)
  }
  if (problems.length) {
    differing.push(c.name)
    console.log(`DIFFERS ${c.name}: ${problems.join('; ')}`)
  }

  // The same events replayed as they stand, letting createTestEvent fill in
  // what they lack: reported, not counted.
  if (absent.length && c.send_at_offset_hours === undefined && c.event_json === undefined) {
    const plain = await run(JSON.parse(JSON.stringify(c)), c.mapping, c.use_default_mappings,
      { fieldDefinitions, serverReplies: c.server_replies })
    const d = differences(plain, expectedOutcome(c))
    plainNotes.push(`${c.name}: ${d.length ? `differs (${d.join('; ')})` : 'reproduced as well'}`)
  }
}

const total = file.cases.length
const reproduced = total - differing.length
console.log(`\nsendgrid-action-vectors.json: replayed with @segment/action-destinations ${versionOf('@segment/action-destinations')}, ` +
  `@segment/actions-core ${versionOf('@segment/actions-core')}, nock ${versionOf('nock')}, Node ${process.version}, TZ=UTC; ` +
  'each case twice (mapping + defaults, effective_mapping alone)')
console.log(`handled explicitly:`)
console.log(`  send_at substituted (now + N h):           ${special.send_at.length}  ${special.send_at.join(', ')}`)
console.log(`  event parsed from event_json:              ${special.event_json.length}  ${special.event_json.join(', ')}`)
console.log(`  own server_replies:                        ${special.server_replies.length}  ${special.server_replies.join(', ')}`)
console.log(`  Action.executeBatch with data []:          ${special.executeBatch_direct.length}  ${special.executeBatch_direct.join(', ')}`)
console.log(`  createTestEvent keys kept absent:          ${special.absent_keys.length}  ${special.absent_keys.join(', ')}`)
console.log(`plain replay of those events (createTestEvent fills the absent keys back; information only):`)
for (const note of plainNotes) console.log(`  ${note}`)
console.log(`${reproduced} of ${total} cases reproduced${differing.length ? `; differing: ${differing.join(', ')}` : ''}`)
process.exitCode = differing.length ? 1 : 0
