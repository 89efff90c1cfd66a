// Segment's own mapping-kit on W1 with the `@liquid` mapping of
// benchmarks/liquid.py, for side-by-side figures:
//   node node_liquid.js <actions-core dir> <events.jsonl> <mapping.json> <warmup>
// Prints the seconds `transform` takes over every event (best of three) and
// the first 200 results.
'use strict'
const fs = require('fs')
const path = require('path')

const [coreDir, eventsFile, mappingFile, warmupArg] = process.argv.slice(2)
const kit = require(path.join(coreDir, 'dist/cjs/mapping-kit/index.js'))
const mapping = JSON.parse(fs.readFileSync(mappingFile, 'utf8'))
const events = fs
  .readFileSync(eventsFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))

for (let i = 0; i < Number(warmupArg); i++) kit.transform(mapping, events[i % events.length])
const sample = events.slice(0, 200).map((e) => kit.transform(mapping, e))
let single = Infinity
for (let run = 0; run < 3; run++) {
  const t0 = process.hrtime.bigint()
  for (const e of events) kit.transform(mapping, e)
  single = Math.min(single, Number(process.hrtime.bigint() - t0) / 1e9)
}
console.log(JSON.stringify({ events: events.length, single, sample }))
