/**
 * Thrown only at setup time, for a catalog or options the tracker cannot work with. Once a tracker
 * exists nothing it does throws: bad events are refused and counted instead.
 */
export class TrackerConfigError extends Error {
  override name = 'TrackerConfigError'
}
