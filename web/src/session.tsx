import { createContext, useContext, useEffect, useState, type ReactNode } from 'react'
import { accessToken, api, claims, onSessionChange, refresh, type Me } from './api'

interface SessionState {
  ready: boolean
  me: Me | null
  mustChangePassword: boolean
}

const Ctx = createContext<SessionState>({ ready: false, me: null, mustChangePassword: false })

export function useSession() {
  return useContext(Ctx)
}

// SessionProvider restores a session from the stored refresh token on load
// and follows sign-in and sign-out.
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ ready: false, me: null, mustChangePassword: false })
  useEffect(() => {
    let live = true
    const load = async () => {
      if (!accessToken()) {
        if (live) setState({ ready: true, me: null, mustChangePassword: false })
        return
      }
      const pwc = !!claims().pwc
      let me: Me | null = null
      if (!pwc) me = await api<Me>('/users/me').catch(() => null)
      else me = { id: 0, username: claims().sub?.replace(/^user:/, '') ?? '', is_admin: false }
      if (live) setState({ ready: true, me, mustChangePassword: pwc })
    }
    const off = onSessionChange(() => void load())
    void refresh().then((ok) => {
      if (!ok) void load()
    })
    return () => {
      live = false
      off()
    }
  }, [])
  return <Ctx.Provider value={state}>{children}</Ctx.Provider>
}
