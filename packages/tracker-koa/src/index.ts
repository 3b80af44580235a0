export { type FeatureTrackingOptions, featureTracking, type TrackedUser } from './feature-tracking.ts'
export { defaultOutcome, type RequestOutcome } from './outcome.ts'
export { type ServerSpanOptions, serverSpan } from './server-span.ts'
