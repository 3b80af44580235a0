// A client session against the running API: sign in as the demo pro tenant, use two features,
// send one browser-style metric export, and read the catalog. API_URL defaults to `npm start`'s address.
const api = process.env.API_URL ?? 'http://127.0.0.1:3000'

const call = async (method: string, path: string, token?: string, body?: unknown) => {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = await response.json()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`)
  return json
}

const { token, tenant } = await call('POST', '/api/login', undefined, {
  email: 'demo-pro@example.com',
  password: 'demo-password',
})
const { dashboard } = await call('POST', '/api/dashboards', token, { name: 'Signups' })
const { share } = await call('POST', `/api/dashboards/${dashboard.id}/share`, token, {
  email: 'pat@example.com',
})

// What tracker-web sends from the page (OTLP/JSON, delta); the server stamps tenant and plan.
const { partialSuccess } = await call('POST', '/v1/metrics', token, {
  resourceMetrics: [
    {
      scopeMetrics: [
        {
          metrics: [
            {
              name: 'product.feature.click',
              sum: {
                aggregationTemporality: 1,
                isMonotonic: true,
                dataPoints: [
                  {
                    asInt: 1,
                    timeUnixNano: `${Date.now()}000000`, // the ingest refuses points far from now
                    attributes: [
                      { key: 'feature.name', value: { stringValue: 'dashboard_share' } },
                      { key: 'ui.element', value: { stringValue: 'dashboard-share' } },
                    ],
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
})
const { features } = await call('GET', '/api/features')

console.log(`${tenant.plan} tenant shared dashboard "${dashboard.name}" with ${share.email}`)
console.log(
  `ingest rejected ${partialSuccess.rejectedDataPoints} points; catalog has ${features.length} features`,
)
