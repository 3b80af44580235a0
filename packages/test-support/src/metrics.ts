/**
 * Readers that collect what the OpenTelemetry SDK recorded, on demand: testReader is the one reader
 * every helper here builds on; the others are views of one collection for each kind of test.
 */
export { normalize, testReader } from './collect.ts'
export { otel, type Point as OtelPoint } from './otel.ts'
export { type Point, Snapshot, sdk } from './sdk.ts'
export { MetricsSnapshot, snapshot } from './snapshot.ts'
