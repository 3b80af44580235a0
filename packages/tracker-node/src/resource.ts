import { randomUUID } from 'node:crypto'
import type { Attributes } from '@opentelemetry/api'
import {
  defaultResource,
  detectResources,
  type Resource,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
  serviceNameEnvDetector,
} from '@opentelemetry/resources'
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions'

export interface ServiceIdentity {
  serviceName: string
  serviceVersion?: string
  /** Default: a random UUID per process, so replicas' cumulative series never collide. */
  serviceInstanceId?: string
  resourceAttributes?: Attributes
}

/** SDK defaults, then OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME, then what the code says. */
export function serviceResource(identity: ServiceIdentity): Resource {
  const fromEnv = detectResources({ detectors: [resourceAttributesEnvDetector, serviceNameEnvDetector] })
  const fromCode = resourceFromAttributes({
    ...identity.resourceAttributes,
    [ATTR_SERVICE_NAME]: identity.serviceName,
    ...(identity.serviceVersion ? { [ATTR_SERVICE_VERSION]: identity.serviceVersion } : {}),
    [ATTR_SERVICE_INSTANCE_ID]:
      identity.serviceInstanceId ??
      (fromEnv.attributes[ATTR_SERVICE_INSTANCE_ID] as string | undefined) ??
      randomUUID(),
  })
  return defaultResource().merge(fromEnv).merge(fromCode)
}
