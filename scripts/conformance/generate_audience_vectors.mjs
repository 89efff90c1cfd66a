// Records what Segment's own "SendGrid Lists (Actions)" destination
// (sendgrid-audiences: action syncAudience, and the destination's
// createAudience / getAudience) does, as
// tests/data/conformance/sendgrid-audiences-vectors.json.
//
// Segment's code is never part of this repository. Install the published
// packages into a temporary folder outside it and run this script from there:
//
//   mkdir -p /tmp/segment-replay && cd /tmp/segment-replay && npm init -y
//   # the registry lacks @aws-sdk/client-kinesis 3.974.0 (pinned by 3.497.0, never
//   # loaded by the SendGrid destinations); pin the nearest published version:
//   npm pkg set 'overrides[@aws-sdk/client-kinesis]=3.970.0'
//   # fast-uri 3.1.6 and later reject the schema key "SendGrid Lists (Actions):Sync
//   # Audience" (TypeError: URI scheme is malformed.); 3.1.5 is the newest that accepts it:
//   npm pkg set 'overrides[fast-uri]=3.1.5'
//   npm install @segment/action-destinations@3.497.0 @segment/actions-core@3.170.0 nock@13.5.6
//   TZ=UTC node /path/to/repo/scripts/conformance/generate_audience_vectors.mjs \
//     /path/to/repo/tests/data/conformance/sendgrid-audiences-vectors.json
//
// The harness is the one of the other action vectors: createTestIntegration
// (destination).testAction / testBatchAction (and .createAudience /
// .getAudience), nock answering https://api.sendgrid.com, every outgoing
// request recorded exactly as sent together with the reply it got. The
// server is a small stateless SendGrid: the case's `lists`, the case's
// `contacts` (what a search finds) and fixed `server_replies`. Each case is
// then replayed from its JSON alone (mapping + defaults, and
// effective_mapping alone) and must reproduce its recording, or nothing is
// written. check.sh regenerates the file and compares it with cmp.

import { createRequire } from 'node:module'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cases } from './audience_vector_cases.mjs'
import { errorOf, fixedEvents, keepAbsentKeys, KEPT_HEADERS, requireUtc, versionOf } from './harness.mjs'

const require = createRequire(join(process.cwd(), 'package.json'))
const nock = require('nock')
const { createTestIntegration } = require('@segment/actions-core')
const destination = require('@segment/action-destinations/dist/destinations/sendgrid-audiences').default
const constants = require('@segment/action-destinations/dist/destinations/sendgrid-audiences/constants')

const ACTION = 'syncAudience'
const HOST = 'https://api.sendgrid.com'
const SETTINGS = { sendGridApiKey: 'SG.test-key-123' }
const CONTACT_FIELDS = ['email', 'phone_number_id', 'external_id', 'anonymous_id']

export const SERVER = {
  'GET /v3/marketing/lists': '200 {"result": lists, "_metadata": {…}}; `next` is set when the case has lists_page_two (GET with page_token=2 serves them)',
  'GET /v3/marketing/lists/{id}': '200 the list with that id, else 404 {"errors":[{"field":null,"message":"resource not found"}]}',
  'POST /v3/marketing/lists': '201 {"id":"list-new-0001","name":<name sent>,"contact_count":0} (the next one list-new-0002, …)',
  'PUT /v3/marketing/contacts': '202 {"job_id":"job-0000-1111"}',
  'POST /v3/marketing/contacts/search': '200 {"result": the case contacts any of whose identifier fields equals a value of the query, in case order, "contact_count": n}; a query that is not `<field> IN (\'v\',…)` joined by " OR " gets 400 {"errors":[{"field":"query","message":"Invalid query (harness)"}]}',
  'DELETE /v3/marketing/lists/{id}/contacts': '202 {"job_id":"job-remove-0001"} (the next one job-remove-0002, …)',
  'anything else': '404 {"errors":[{"message":"not found (harness)"}]}',
  server_replies: 'a case may fix the reply of a route: {status, body}, or a list of them used in turn (the last repeats)'
}

/** The route key of a path (the keys of SERVER and of server_replies). */
function routeOf(method, path) {
  if (path === '/v3/marketing/lists') return `${method} /v3/marketing/lists`
  if (/^\/v3\/marketing\/lists\/[^/]+\/contacts$/.test(path)) return `${method} /v3/marketing/lists/{id}/contacts`
  if (/^\/v3\/marketing\/lists\/[^/]+$/.test(path)) return `${method} /v3/marketing/lists/{id}`
  if (path === '/v3/marketing/contacts') return `${method} /v3/marketing/contacts`
  if (path === '/v3/marketing/contacts/search') return `${method} /v3/marketing/contacts/search`
  return `${method} ${path}`
}

/** `email IN ('a','b') OR external_id IN ('x')` → [[field, [values]]], or null if it is not that shape. */
export function parseQuery(query) {
  if (typeof query !== 'string') return null
  const parts = []
  const re = /^([a-z_]+) IN \(('[^']*'(?:,'[^']*')*)\)/
  let rest = query
  for (;;) {
    const m = re.exec(rest)
    if (!m) return null
    parts.push([m[1], m[2].slice(1, -1).split("','")])
    rest = rest.slice(m[0].length)
    if (rest === '') return parts
    if (!rest.startsWith(' OR ')) return null
    rest = rest.slice(4)
  }
}

function makeServer(c) {
  const counters = { list: 0, remove: 0 }
  const used = {}
  const fixed = (route) => {
    const r = c.server_replies?.[route]
    if (!r) return null
    if (!Array.isArray(r)) return r
    const i = Math.min(used[route] ?? 0, r.length - 1)
    used[route] = (used[route] ?? 0) + 1
    return r[i]
  }
  return (method, path, query, bodyText) => {
    const route = routeOf(method, path)
    const f = fixed(route)
    if (f) return f
    const lists = c.lists ?? []
    const body = bodyText ? JSON.parse(bodyText) : null
    switch (route) {
      case 'GET /v3/marketing/lists': {
        const pageTwo = query.page_token === '2'
        const result = pageTwo ? c.lists_page_two : lists
        const _metadata = { self: `${HOST}/v3/marketing/lists?page_size=100` }
        if (c.lists_page_two && !pageTwo) _metadata.next = `${HOST}/v3/marketing/lists?page_size=100&page_token=2`
        return { status: 200, body: { result, _metadata } }
      }
      case 'GET /v3/marketing/lists/{id}': {
        const id = decodeURIComponent(path.split('/')[4])
        const found = [...lists, ...(c.lists_page_two ?? [])].find((l) => l.id === id)
        return found ? { status: 200, body: found } : { status: 404, body: { errors: [{ field: null, message: 'resource not found' }] } }
      }
      case 'POST /v3/marketing/lists':
        return { status: 201, body: { id: `list-new-${String(++counters.list).padStart(4, '0')}`, name: body?.name, contact_count: 0 } }
      case 'PUT /v3/marketing/contacts':
        return { status: 202, body: { job_id: 'job-0000-1111' } }
      case 'POST /v3/marketing/contacts/search': {
        const parts = parseQuery(body?.query)
        if (!parts) return { status: 400, body: { errors: [{ field: 'query', message: 'Invalid query (harness)' }] } }
        const result = (c.contacts ?? []).filter((contact) => parts.some(([field, values]) => contact[field] !== undefined && values.includes(contact[field])))
        return { status: 200, body: { result, contact_count: result.length } }
      }
      case 'DELETE /v3/marketing/lists/{id}/contacts':
        return { status: 202, body: { job_id: `job-remove-${String(++counters.remove).padStart(4, '0')}` } }
      default:
        return { status: 404, body: { errors: [{ message: 'not found (harness)' }] } }
    }
  }
}

/** Intercepts api.sendgrid.com (every method, every path); returns the list every request is appended to. */
function intercept(c) {
  const seen = []
  const server = makeServer(c)
  const rawBodies = new Map()
  nock.cleanAll()
  const scope = nock(HOST).persist()
  for (const method of ['GET', 'PUT', 'POST', 'PATCH', 'DELETE']) {
    scope.intercept(() => true, method).reply(function (uri) {
      const headers = {}
      for (const name of KEPT_HEADERS) {
        const value = this.req.headers[name]
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
      }
      if (!rawBodies.has(this.req)) throw new Error('harness: request body not seen')
      const raw = rawBodies.get(this.req)
      const body = raw === '' ? null : raw
      const url = new URL(HOST + uri)
      const query = Object.fromEntries(url.searchParams)
      const reply = server(this.req.method, url.pathname, query, body)
      seen.push({ method: this.req.method, url: HOST + uri, path: url.pathname, query, headers, body, reply })
      return [reply.status, reply.body]
    })
  }
  scope.on('request', (req, _interceptor, body) => rawBodies.set(req, body ?? ''))
  return seen
}

/** Runs one case as Segment would; returns { requests, error, multistatus? | result? }. */
async function run(c, mapping, useDefaultMappings) {
  const seen = intercept(c)
  const integration = createTestIntegration(destination)
  let error = null
  let multistatus
  let result
  try {
    if (c.invocation === 'testAction') {
      await integration.testAction(ACTION, { event: c.event, mapping, settings: SETTINGS, useDefaultMappings })
    } else if (c.invocation === 'testBatchAction') {
      await integration.testBatchAction(ACTION, { events: c.events, mapping, settings: SETTINGS, useDefaultMappings })
      multistatus = integration.results[0]?.multistatus ?? null
    } else if (c.invocation === 'createAudience' || c.invocation === 'getAudience') {
      result = (await integration[c.invocation]({ settings: SETTINGS, ...c.audience_input })) ?? null
    } else {
      throw new Error(`unknown invocation ${c.invocation}`)
    }
  } catch (e) {
    error = errorOf(e)
  }
  const out = { requests: seen, error }
  if (c.invocation === 'testBatchAction' && !error) out.multistatus = multistatus
  if (c.invocation.endsWith('Audience') && !error) out.result = result
  return JSON.parse(JSON.stringify(out))
}

const outcomeText = (o) => JSON.stringify({ requests: o.requests, error: o.error, multistatus: o.multistatus, result: o.result })

function defaultsOf() {
  const defaults = {}
  for (const [key, field] of Object.entries(destination.actions[ACTION].fields)) defaults[key] = field.default
  return defaults
}

requireUtc()
const recorded = []
for (const spec of cases) {
  const c = { name: spec.name, invocation: spec.invocation, settings: SETTINGS }
  const isAction = spec.invocation === 'testAction' || spec.invocation === 'testBatchAction'
  if (isAction) {
    c.mapping = spec.mapping ?? {}
    c.use_default_mappings = true
    c.effective_mapping = JSON.parse(JSON.stringify({ ...defaultsOf(), ...c.mapping }))
    Object.assign(c, fixedEvents(spec))
  } else {
    c.audience_input = spec.audience_input
  }
  for (const key of ['lists', 'lists_page_two', 'contacts', 'server_replies']) if (spec[key] !== undefined) c[key] = spec[key]
  // Run from the recorded JSON (absent createTestEvent keys kept absent).
  const runnable = (x) => {
    const r = JSON.parse(JSON.stringify(x))
    if (r.event) r.event = keepAbsentKeys(r.event)
    if (r.events) r.events = r.events.map(keepAbsentKeys)
    return r
  }
  Object.assign(c, await run(runnable(c), c.mapping, true))
  if (spec.note) c.note = spec.note
  if (isAction) {
    const expect = outcomeText(c)
    for (const [how, mapping, defaults] of [['mapping + defaults', c.mapping, true], ['effective_mapping alone', c.effective_mapping, false]]) {
      const got = outcomeText(await run(runnable(c), mapping, defaults))
      if (got !== expect) throw new Error(`${c.name}: replay (${how}) differs\n${got}\n${expect}`)
    }
  } else if (outcomeText(await run(runnable(c))) !== outcomeText(c)) {
    throw new Error(`${c.name}: replay differs`)
  }
  recorded.push(c)
}

const counts = {}
for (const c of recorded) counts[c.invocation] = (counts[c.invocation] ?? 0) + 1
const file = {
  source: `@segment/action-destinations ${versionOf('@segment/action-destinations')} (dist/destinations/sendgrid-audiences, "SendGrid Lists (Actions)") and @segment/actions-core ${versionOf('@segment/actions-core')} from the npm registry, run under Node ${process.version}`,
  harness: `createTestIntegration(destination).testAction/testBatchAction('syncAudience') and .createAudience/.getAudience, with nock ${versionOf('nock')} intercepting https://api.sendgrid.com; TZ=UTC; generated by scripts/conformance/generate_audience_vectors.mjs from scripts/conformance/audience_vector_cases.mjs`,
  constants: Object.fromEntries(Object.entries(constants).filter(([k]) => k !== '__esModule').map(([k, v]) => [k, v instanceof RegExp ? v.source : v])),
  server: SERVER,
  counts: { ...counts, total: recorded.length },
  cases: recorded
}
const text = JSON.stringify(file, null, 2) + '\n'
if (process.argv[2]) writeFileSync(process.argv[2], text)
else process.stdout.write(text)
console.error(`${recorded.length} cases: ${JSON.stringify(counts)}`)
