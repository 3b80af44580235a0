export { RedisAdoptionStoreError, RedisStoreConfigError } from './errors.ts'
export { RedisAdoptionStore, type RedisAdoptionStoreOptions } from './redis-store.ts'
