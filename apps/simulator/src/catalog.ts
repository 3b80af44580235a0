/**
 * The API's feature catalog (`GET /api/features`), checked against what the simulator knows how to
 * call and what the scenario refers to, before any tenant is created.
 */
import { isPlan, type Plan } from '@feature-analytics/schema'
import { type ApiClient, describeAnswer } from './client.ts'
import { type CallInput, FEATURE_ELEMENTS, type FeatureName, ID_KINDS } from './features.ts'
import type { Scenario } from './scenario.ts'

/** One feature as the API serves it: its name, the plans that include it, and its route. */
export interface CatalogEntry {
  name: FeatureName
  plans: readonly Plan[]
  method: string
  path: string
  /** A call the feature accepts, and one its validation refuses with 400. */
  example: CallInput
  invalid: CallInput
}

export type Catalog = ReadonlyMap<FeatureName, CatalogEntry>

export class CatalogError extends Error {
  override name = 'CatalogError'
}

interface Listed {
  name: string
  plans: string[]
  method: string
  path: string
  example?: CallInput
  invalid?: CallInput
}

/** Every `:name` segment must take an id of a kind the simulator creates. */
const unknownIdKind = (input: CallInput) =>
  Object.values(input.params ?? {}).find((kind) => !Object.hasOwn(ID_KINDS, kind))

export async function fetchCatalog(client: ApiClient): Promise<Map<FeatureName, CatalogEntry>> {
  const answer = await client.call('GET', '/api/features')
  const features = (answer.body as { features?: Listed[] } | undefined)?.features
  if (answer.status !== 200 || !Array.isArray(features)) {
    throw new CatalogError(`GET ${client.baseUrl}/api/features: ${describeAnswer(answer)}`)
  }
  const catalog = new Map<FeatureName, CatalogEntry>()
  for (const { name, plans, method, path, example, invalid } of features) {
    if (!Object.hasOwn(FEATURE_ELEMENTS, name)) {
      throw new CatalogError(`${client.baseUrl} offers feature ${name}, which the simulator cannot call yet`)
    }
    if (typeof example !== 'object' || typeof invalid !== 'object' || !example || !invalid) {
      throw new CatalogError(`${client.baseUrl} serves no example and invalid call for ${name}`)
    }
    const unknown = unknownIdKind(example) ?? unknownIdKind(invalid)
    if (unknown !== undefined) {
      throw new CatalogError(`${name}: the simulator cannot fill in the id of a ${unknown} for ${path}`)
    }
    catalog.set(name as FeatureName, {
      name: name as FeatureName,
      plans: plans.filter(isPlan) as Plan[],
      method,
      path,
      example,
      invalid,
    })
  }
  return catalog
}

/** Every instance must serve the same catalog, and the scenario may only name features it has. */
export function checkCatalogs(catalogs: readonly Map<FeatureName, CatalogEntry>[], scenario: Scenario): void {
  const [first, ...rest] = catalogs.map((c) => JSON.stringify([...c.values()]))
  if (rest.some((c) => c !== first))
    throw new CatalogError('the --target instances serve different feature catalogs')
  const known = catalogs[0] ?? new Map()
  for (const plan of ['free', 'pro', 'enterprise'] as const) {
    for (const name of Object.keys(scenario.plans[plan].affinity)) {
      if (!known.has(name as FeatureName)) {
        throw new CatalogError(`scenario.plans.${plan}.affinity.${name}: the API has no such feature`)
      }
    }
  }
}
