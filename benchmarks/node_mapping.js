// Segment's own mapping-kit on W1, for side-by-side figures. Run by
// benchmarks/mapping.py with the package installed into a temporary folder:
//   node node_mapping.js <actions-core dir> <events.jsonl> <mapping.json> <warmup>
'use strict'
const fs = require('fs')
const path = require('path')

const [coreDir, eventsFile, mappingFile, warmupArg] = process.argv.slice(2)
const kit = require(path.join(coreDir, 'dist/cjs/mapping-kit/index.js'))
const mapping = JSON.parse(fs.readFileSync(mappingFile, 'utf8'))
const lines = fs.readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean)
const events = lines.map((l) => JSON.parse(l))
const warmup = Number(warmupArg)

function timeIt(fn) {
  const t0 = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

for (let i = 0; i < warmup; i++) kit.transform(mapping, events[i % events.length])
const single = timeIt(() => {
  for (const e of events) kit.transform(mapping, e)
})
const batch = timeIt(() => {
  for (let i = 0; i < events.length; i += 1000) kit.transformBatch(mapping, events.slice(i, i + 1000))
})
const endToEnd = timeIt(() => {
  for (let i = 0; i < lines.length; i += 1000) {
    const chunk = lines.slice(i, i + 1000).map((l) => JSON.parse(l))
    JSON.stringify({ contacts: kit.transformBatch(mapping, chunk) })
  }
})
console.log(JSON.stringify({ events: events.length, single, batch, endToEnd }))
