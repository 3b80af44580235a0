/** Thrown for a programming mistake (a missing feature name, starting twice); never for data. */
export class TrackerWebError extends TypeError {
  override name = 'TrackerWebError'
}
