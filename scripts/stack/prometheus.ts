/** The one Prometheus HTTP API call the stack scripts need: an instant query. */

export interface Sample {
  labels: Record<string, string>
  value: number
}

interface QueryResponse {
  status?: string
  error?: string
  data?: { resultType?: string; result?: { metric: Record<string, string>; value: [number, string] }[] }
}

export async function instantQuery(baseUrl: string, promql: string): Promise<Sample[]> {
  const response = await fetch(new URL('/api/v1/query', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: promql }),
    signal: AbortSignal.timeout(10_000),
  })
  const body = (await response.json().catch(() => ({}))) as QueryResponse
  if (!response.ok || body.status !== 'success') {
    throw new Error(
      `Prometheus query ${promql} failed (${response.status}): ${body.error ?? 'no error message'}`,
    )
  }
  if (body.data?.resultType !== 'vector')
    throw new Error(`${promql}: expected a vector, got ${body.data?.resultType}`)
  return (body.data.result ?? []).map(({ metric, value }) => ({ labels: metric, value: Number(value[1]) }))
}
