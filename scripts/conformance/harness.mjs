// The harness shared by generate_null_vectors.mjs and recheck_action_vectors.mjs:
// Segment's published "SendGrid (Actions)" code run through
// createTestIntegration(destination).testAction / testBatchAction, with nock
// answering https://api.sendgrid.com and https://api.eu.sendgrid.com and every
// outgoing request recorded exactly as sent.
//
// Segment's code is never part of this repository: the packages are resolved
// from the folder the calling script is run in (a temporary npm install, see
// check.sh or the header of generate_null_vectors.mjs).

import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

// Packages resolve from the folder the script is run in (the temp install).
const require = createRequire(join(process.cwd(), 'package.json'))
const nock = require('nock')
const { createTestIntegration, createTestEvent } = require('@segment/actions-core')
export const destination = require('@segment/action-destinations/dist/destinations/sendgrid').default
export { createTestEvent }

/** A package's version, read from the installed folder: some packages do not export ./package.json. */
export const versionOf = (name) =>
  JSON.parse(readFileSync(join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8')).version

export function requireUtc() {
  if (process.env.TZ !== 'UTC') throw new Error('run with TZ=UTC')
}

export const HOSTS = ['https://api.sendgrid.com', 'https://api.eu.sendgrid.com']
export const KEPT_HEADERS = ['authorization', 'content-type', 'accept', 'user-agent']
export const DEFAULT_REPLIES = {
  'GET */v3/marketing/field_definitions': { status: 200, body: 'field_definitions_fixture' },
  'PUT */v3/marketing/contacts': { status: 202, body: { job_id: 'job-0000-1111' } },
  'POST */v3/mail/send': { status: 202, body: '' },
  'anything else': { status: 404, body: { errors: [{ message: 'not found (harness)' }] } }
}

/**
 * Intercepts both hosts; returns the list every request is appended to.
 * `serverReplies` is a case's optional `server_replies` override
 * (`field_definitions` / `contacts` / `mail_send`, each `{status, body}`).
 */
export function intercept(fieldDefinitions, serverReplies = {}) {
  const seen = []
  let pendingBody = ''
  nock.cleanAll()
  const reply = (key, status, body) => serverReplies[key] ?? { status, body }
  const fieldDefs = reply('field_definitions', 200, fieldDefinitions)
  const contacts = reply('contacts', 202, { job_id: 'job-0000-1111' })
  const mailSend = reply('mail_send', 202, '')
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
    scope.get('/v3/marketing/field_definitions').reply(answer(fieldDefs.status, fieldDefs.body))
    scope.put('/v3/marketing/contacts').reply(answer(contacts.status, contacts.body))
    scope.post('/v3/mail/send').reply(answer(mailSend.status, mailSend.body))
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

export function errorOf(e) {
  if (!e) return null
  const out = { class: e.constructor?.name ?? 'Error', message: e.message, status: e.status ?? e.response?.status ?? null }
  if (e.code !== undefined) out.code = e.code
  return out
}

/** `{...defaults, ...mapping}` as testAction / testBatchAction build it. */
export function withDefaults(action, mapping) {
  const defaults = {}
  for (const [key, field] of Object.entries(destination.actions[action].fields)) defaults[key] = field.default
  return { ...defaults, ...mapping }
}

/** The mapping that actually ran, as recorded (undefined keys vanish in JSON). */
export const effectiveMapping = (action, mapping) => JSON.parse(JSON.stringify(withDefaults(action, mapping)))

// The top-level keys createTestEvent fills in when an event lacks them.
const TEST_EVENT_KEYS = Object.keys(createTestEvent({}))

/**
 * The event to hand to testAction so that createTestEvent gives back exactly
 * the recorded event: a createTestEvent key that the recorded event lacks was
 * really missing (VECTORS.md), so it is passed as `undefined`, which the
 * `...event` spread of createTestEvent keeps (and JSON drops).
 */
export function keepAbsentKeys(event) {
  const out = { ...event }
  for (const key of TEST_EVENT_KEYS) if (!(key in event)) out[key] = undefined
  return out
}

/** The keys of `event` that createTestEvent would add if it were replayed as is. */
export const absentTestEventKeys = (event) => TEST_EVENT_KEYS.filter((key) => !(key in event))

/**
 * Runs one case as Segment would; returns { requests, error, multistatus? }.
 * `c` carries action, invocation, settings and event / events (already the
 * objects to pass); options: fieldDefinitions, serverReplies.
 */
export async function run(c, mapping, useDefaultMappings, { fieldDefinitions, serverReplies } = {}) {
  const seen = intercept(fieldDefinitions, serverReplies)
  const integration = createTestIntegration(destination)
  const args = { mapping, settings: c.settings, useDefaultMappings }
  let error = null
  let multistatus
  try {
    if (c.invocation === 'testBatchAction') {
      await integration.testBatchAction(c.action, { ...args, events: c.events })
      multistatus = integration.results[0]?.multistatus ?? null
    } else if (c.invocation === 'executeBatch_direct') {
      // testBatchAction replaces an empty list with one dummy event, so the
      // action's executeBatch is called directly, as testBatchAction would.
      multistatus = await integration.actions[c.action].executeBatch({
        mapping: useDefaultMappings ? withDefaults(c.action, mapping) : mapping ?? {},
        data: c.events.map((event) => createTestEvent(event)),
        settings: c.settings ?? {},
        audienceSettings: {},
        auth: undefined,
        features: {},
        statsContext: {},
        logger: {},
        engageDestinationCache: {},
        transactionContext: {},
        stateContext: {},
        subscriptionMetadata: {}
      })
    } else if (c.invocation === 'testAction') {
      await integration.testAction(c.action, { ...args, event: c.event })
    } else {
      throw new Error(`unknown invocation ${c.invocation}`)
    }
  } catch (e) {
    error = errorOf(e)
  }
  const out = { requests: seen, error }
  if (c.invocation !== 'testAction' && !error) out.multistatus = multistatus
  return JSON.parse(JSON.stringify(out))
}

/** The recorded outcome of a case as one comparable text. */
/** A case's events as recorded: full test events with fixed ids and times (so a
 * generated file is the same on every run); `{events}` for a batch, else `{event}`. */
export function fixedEvents(spec) {
  const full = (e, i) =>
    JSON.parse(JSON.stringify(createTestEvent({
      messageId: `msg-${spec.name}${i === undefined ? '' : `-${i}`}`,
      receivedAt: '2024-01-08T13:52:50.212Z',
      sentAt: '2024-01-08T13:52:50.212Z',
      timestamp: '2024-01-08T13:52:50.212Z',
      ...e
    })))
  return spec.invocation === 'testBatchAction'
    ? { events: spec.events.map((e, i) => full(e, i)) }
    : { event: full(spec.event) }
}

export const outcomeText = (o) => JSON.stringify({ requests: o.requests, error: o.error, multistatus: o.multistatus })

/**
 * Replays a case from its JSON alone, twice: with `mapping` + the action's
 * defaults (as `use_default_mappings` says), and with `effective_mapping` and
 * no defaults. `prepare(c)` may turn the JSON case into the objects to run
 * (event_json, send_at substitution); by default the recorded event(s) are
 * passed with absent createTestEvent keys kept absent.
 * Returns [{ how, outcome }, …].
 */
export async function replayFromJson(c, { fieldDefinitions, prepare } = {}) {
  const results = []
  for (const [how, mapping, defaults] of [
    ['mapping + defaults', c.mapping, c.use_default_mappings],
    ['effective_mapping alone', c.effective_mapping, false]
  ]) {
    const fromJson = JSON.parse(JSON.stringify(c))
    const prepared = prepare ? prepare(fromJson) : { c: fromJson }
    const runnable = { ...prepared.c }
    if (runnable.event) runnable.event = keepAbsentKeys(runnable.event)
    if (runnable.events) runnable.events = runnable.events.map(keepAbsentKeys)
    const outcome = await run(runnable, mapping, defaults, { fieldDefinitions, serverReplies: c.server_replies })
    results.push({ how, outcome, ...prepared })
  }
  return results
}
