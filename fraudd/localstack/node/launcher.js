'use strict'
// Starts kinesalite through its JS API so that it listens on loopback only: its CLI binds
// every interface. Streams are kept in memory (no `path`) and change state at once, which is
// what makes the emulator fast enough (~8-12k records/s) for the local stack and the tests.
// Usage: node launcher.js <port> [host]
const kinesalite = require('kinesalite')

const port = Number(process.argv[2])
const host = process.argv[3] || '127.0.0.1'
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error('usage: node launcher.js <port> [host]')
  process.exit(2)
}

const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 })
server.on('error', (err) => {
  console.error('kinesalite failed: %s', err.message)
  process.exit(1)
})
server.listen(port, host, () => {
  console.log('kinesalite listening on http://%s:%d', host, port)
})
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0))
}
