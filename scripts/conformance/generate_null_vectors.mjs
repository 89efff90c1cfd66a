// Records what Segment's own SendGrid (Actions) code does with `null` entries
// inside arrays and objects, as tests/data/conformance/sendgrid-null-entry-vectors.json.
//
// Segment's code is never part of this repository. Install the published
// packages into a temporary folder outside it and run this script from there:
//
//   mkdir -p /tmp/segment-replay && cd /tmp/segment-replay && npm init -y
//   # the registry lacks @aws-sdk/client-kinesis 3.974.0 (pinned by 3.497.0, never
//   # loaded by the SendGrid destination); pin the nearest published version:
//   npm pkg set 'overrides[@aws-sdk/client-kinesis]=3.970.0'
//   npm install @segment/action-destinations@3.497.0 @segment/actions-core@3.170.0 nock@13.5.6
//   TZ=UTC node /path/to/repo/scripts/conformance/generate_null_vectors.mjs \
//     /path/to/repo/tests/data/conformance/sendgrid-null-entry-vectors.json
//
// The harness is the one of sendgrid-action-vectors.json: createTestIntegration
// (destination).testAction / testBatchAction, nock answering api.sendgrid.com,
// every outgoing request recorded exactly as sent. Each case is then replayed
// from its JSON alone (mapping + defaults, and effective_mapping alone) and
// must reproduce its recording, or nothing is written.

import { createRequire } from 'node:module'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cases, FIELD_DEFINITIONS } from './null_vector_cases.mjs'

// Packages resolve from the folder the script is run in (the temp install).
const require = createRequire(join(process.cwd(), 'package.json'))
const nock = require('nock')
const { createTestIntegration } = require('@segment/actions-core')
const destination = require('@segment/action-destinations/dist/destinations/sendgrid').default
// Read from the installed folder: some packages do not export ./package.json.
const versionOf = (name) =>
  JSON.parse(readFileSync(join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8')).version

if (process.env.TZ !== 'UTC') throw new Error('run with TZ=UTC')
const HOSTS = ['https://api.sendgrid.com', 'https://api.eu.sendgrid.com']
const KEPT_HEADERS = ['authorization', 'content-type', 'accept', 'user-agent']
const DEFAULT_REPLIES = {
  'GET */v3/marketing/field_definitions': { status: 200, body: 'field_definitions_fixture' },
  'PUT */v3/marketing/contacts': { status: 202, body: { job_id: 'job-0000-1111' } },
  'POST */v3/mail/send': { status: 202, body: '' },
  'anything else': { status: 404, body: { errors: [{ message: 'not found (harness)' }] } }
}

/** Intercepts both hosts; returns the list every request is appended to. */
function intercept() {
  const seen = []
  let pendingBody = ''
  nock.cleanAll()
  for (const host of HOSTS) {
    const answer = (status, body) =>
      function (uri, _parsed) {
        const headers = {}
        for (const name of KEPT_HEADERS) {
          const value = this.req.headers[name]
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
        }
        seen.push({ method: this.req.method, url: host + uri, headers, body: pendingBody === '' ? null : pendingBody })
        return [status, body]
      }
    const scope = nock(host).persist()
    scope.get('/v3/marketing/field_definitions').reply(answer(200, FIELD_DEFINITIONS))
    scope.put('/v3/marketing/contacts').reply(answer(202, { job_id: 'job-0000-1111' }))
    scope.post('/v3/mail/send').reply(answer(202, ''))
    for (const method of ['GET', 'PUT', 'POST', 'PATCH', 'DELETE']) {
      scope.intercept(() => true, method).reply(answer(404, DEFAULT_REPLIES['anything else'].body))
    }
    // The raw body text, exactly as sent (the reply callback sees it parsed);
    // nock emits this just before it calls the reply callback.
    scope.on('request', (_req, _interceptor, body) => {
      pendingBody = body ?? ''
    })
  }
  return seen
}

function errorOf(e) {
  if (!e) return null
  const out = { class: e.constructor?.name ?? 'Error', message: e.message, status: e.status ?? e.response?.status ?? null }
  if (e.code !== undefined) out.code = e.code
  return out
}

/** Runs one case as Segment would; returns { requests, error, multistatus? }. */
async function run(c, mapping, useDefaultMappings) {
  const seen = intercept()
  const integration = createTestIntegration(destination)
  const args = { mapping, settings: c.settings, useDefaultMappings }
  let error = null
  try {
    if (c.invocation === 'testBatchAction') await integration.testBatchAction(c.action, { ...args, events: c.events })
    else await integration.testAction(c.action, { ...args, event: c.event })
  } catch (e) {
    error = errorOf(e)
  }
  const out = { requests: seen, error }
  if (c.invocation === 'testBatchAction' && !error) out.multistatus = integration.results[0]?.multistatus ?? null
  return JSON.parse(JSON.stringify(out))
}

/** `{...defaults, ...mapping}` as testAction builds it (undefined keys vanish in JSON). */
function effectiveMapping(action, mapping) {
  const defaults = {}
  for (const [key, field] of Object.entries(destination.actions[action].fields)) defaults[key] = field.default
  return JSON.parse(JSON.stringify({ ...defaults, ...mapping }))
}

const { createTestEvent } = require('@segment/actions-core')
const recorded = []
for (const spec of cases) {
  const c = {
    name: spec.name,
    action: spec.action,
    invocation: spec.invocation,
    settings: { sendGridApiKey: 'SG.test-key-123' },
    mapping: spec.mapping,
    use_default_mappings: true,
    effective_mapping: effectiveMapping(spec.action, spec.mapping)
  }
  // Full events, fixed times and ids, so the file is the same on every run.
  const full = (e, i) =>
    JSON.parse(JSON.stringify(createTestEvent({
      messageId: `msg-${spec.name}${i === undefined ? '' : `-${i}`}`,
      receivedAt: '2024-01-08T13:52:50.212Z',
      sentAt: '2024-01-08T13:52:50.212Z',
      timestamp: '2024-01-08T13:52:50.212Z',
      ...e
    })))
  if (spec.invocation === 'testBatchAction') c.events = spec.events.map((e, i) => full(e, i))
  else c.event = full(spec.event)
  Object.assign(c, await run(c, c.mapping, true))
  if (spec.note) c.note = spec.note
  const expect = JSON.stringify({ requests: c.requests, error: c.error, multistatus: c.multistatus })
  const fromJson = JSON.parse(JSON.stringify(c))
  for (const [mapping, defaults] of [[fromJson.mapping, true], [fromJson.effective_mapping, false]]) {
    const again = await run(fromJson, mapping, defaults)
    const got = JSON.stringify({ requests: again.requests, error: again.error, multistatus: again.multistatus })
    if (got !== expect) throw new Error(`${c.name}: replay differs\n${got}\n${expect}`)
  }
  recorded.push(c)
}

const file = {
  source: `@segment/action-destinations ${versionOf('@segment/action-destinations')} and @segment/actions-core ${versionOf('@segment/actions-core')} from the npm registry, run under Node ${process.version}`,
  harness: `createTestIntegration(destination).testAction/testBatchAction with nock ${versionOf('nock')} intercepting https://api.sendgrid.com and https://api.eu.sendgrid.com; TZ=UTC; generated by scripts/conformance/generate_null_vectors.mjs`,
  field_definitions_fixture: FIELD_DEFINITIONS,
  default_server_replies: DEFAULT_REPLIES,
  cases: recorded
}
const text = JSON.stringify(file, null, 2) + '\n'
if (process.argv[2]) writeFileSync(process.argv[2], text)
else process.stdout.write(text)
console.error(`${recorded.length} cases`)
