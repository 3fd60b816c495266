import type { Repository } from '../../api'
import { useSession } from '../../session'
import { PromoteButton } from './PromoteButton'
import { PropertiesCard } from './PropertiesCard'
import { QuotaCard } from './QuotaCard'

// ArtifactOps are the operations on one artifact in the repository browser:
// promotion and its properties.
export function ArtifactOps({ repo, path, onMoved }: { repo: string; path: string; onMoved?: () => void }) {
  return (
    <>
      <PromoteButton repo={repo} path={path} onMoved={onMoved} />
      <PropertiesCard repo={repo} path={path} />
    </>
  )
}

// RepositoryOps are the operations on the repository's settings tab: its
// properties, and its storage quota for administrators (the quota API is
// theirs alone).
export function RepositoryOps({ repo }: { repo: Repository }) {
  const { me } = useSession()
  return (
    <>
      <PropertiesCard repo={repo.key} />
      {me?.is_admin && <QuotaCard repo={repo.key} />}
    </>
  )
}
