/** What the API shows of its records: never password hashes, token hashes or key hashes. */
import type { Tenant, User } from '../store/types.ts'

export const publicUser = ({ id, tenantId, name, email, role, createdAt }: User) => ({
  id,
  tenantId,
  name,
  email,
  role,
  createdAt,
})

export const publicTenant = ({ id, name, plan, status, createdAt }: Tenant) => ({
  id,
  name,
  plan,
  status,
  createdAt,
})
