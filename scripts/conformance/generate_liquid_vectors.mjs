// Records what Segment's mapping-kit does with the `@liquid` templates of
// liquid_vector_cases.mjs, as tests/data/conformance/mapping-kit-liquid-vectors.json.
//
// Segment's code is never part of this repository. Install the published
// package (and the liquidjs its dependents resolve, see SOURCE.md) into a
// temporary folder outside it and run this script from there:
//
//   mkdir -p /tmp/mk && cd /tmp/mk && npm init -y
//   npm install @segment/actions-core@3.170.0 liquidjs@10.31.0
//   TZ=UTC node /path/to/repo/scripts/conformance/generate_liquid_vectors.mjs \
//     /path/to/repo/tests/data/conformance/mapping-kit-liquid-vectors.json
//
// `transform` is the one @segment/actions-core exports; each case is run
// twice and must give the same outcome both times (the engine is shared, so
// a template that changed its state would show here), then written with its
// outcome: `expected` (the value as JSON), `expected_absent`, or `error` with
// `error_message`.

import { createRequire } from 'node:module'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cases } from './liquid_vector_cases.mjs'

const require = createRequire(join(process.cwd(), 'package.json'))
const { transform } = require('@segment/actions-core')
const versionOf = (name) =>
  JSON.parse(readFileSync(join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8')).version

if (process.env.TZ !== 'UTC') {
  console.error('run with TZ=UTC')
  process.exit(2)
}

/** The outcome of one `transform` call, as the vector file records it. */
export function outcomeOf(mapping, input) {
  try {
    const value = transform(mapping, input)
    return value === undefined ? { expected_absent: true } : { expected: value }
  } catch (e) {
    return { error: true, error_message: String(e?.message ?? e) }
  }
}

const vectors = []
for (const c of cases) {
  const mapping = c.mapping ?? { f: { '@liquid': c.template } }
  const first = outcomeOf(mapping, structuredClone(c.input))
  const again = outcomeOf(mapping, structuredClone(c.input))
  if (JSON.stringify(first) !== JSON.stringify(again)) {
    console.error(`${c.name}: two runs differ`)
    process.exit(1)
  }
  vectors.push({ name: c.name, mapping, input: c.input, ...first })
}

const out = {
  source: `@segment/actions-core ${versionOf('@segment/actions-core')} (MIT) from npm, its transform(); liquidjs ${versionOf('liquidjs')}; Node ${process.version}, TZ=UTC`,
  generated_by: 'scripts/conformance/generate_liquid_vectors.mjs (inputs: liquid_vector_cases.mjs)',
  counts: {
    vectors: vectors.length,
    errors: vectors.filter((v) => v.error).length
  },
  vectors
}
const path = process.argv[2]
if (!path) {
  console.error('usage: generate_liquid_vectors.mjs OUTPUT.json')
  process.exit(2)
}
writeFileSync(path, JSON.stringify(out, null, 1) + '\n')
console.log(`${vectors.length} vectors (${out.counts.errors} errors) written to ${path}`)
