export { RedisActiveUsers, type RedisActiveUsersOptions } from './active-users.ts'
export { RedisAdoptionStoreError, RedisStoreConfigError } from './errors.ts'
export { RedisAdoptionStore, type RedisAdoptionStoreOptions, type RedisPersistence } from './redis-store.ts'
