import { lazy, Suspense, useState } from 'react'
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App as AntApp, Button, ConfigProvider, Layout, Menu, Space, Spin, Switch, Typography, theme } from 'antd'
import {
  ApiOutlined,
  AuditOutlined,
  ClearOutlined,
  CloudDownloadOutlined,
  CloudUploadOutlined,
  DashboardOutlined,
  DatabaseOutlined,
  HeartOutlined,
  KeyOutlined,
  LockOutlined,
  LoginOutlined,
  FilterOutlined,
  NotificationOutlined,
  SearchOutlined,
  SettingOutlined,
  SyncOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons'
import { logout } from './api'
import { SessionProvider, useSession } from './session'
// The two possible first pages are in the main chunk: they load beside the
// session refresh and render without a Suspense round; every other page is
// its own chunk, loaded when first opened.
import Dashboard from './pages/Dashboard'
import Login from './pages/Login'
import { securityMenu } from './pages/security/menu'

const ChangePassword = lazy(() => import('./pages/ChangePassword'))
const Repositories = lazy(() => import('./pages/Repositories'))
const RepositoryDetail = lazy(() => import('./pages/RepositoryDetail'))
const Plugins = lazy(() => import('./pages/Plugins'))
const Policies = lazy(() => import('./pages/Policies'))
const Users = lazy(() => import('./pages/Users'))
const Groups = lazy(() => import('./pages/Groups'))
const SSO = lazy(() => import('./pages/SSO'))
const Audit = lazy(() => import('./pages/Audit'))
const Webhooks = lazy(() => import('./pages/Webhooks'))
const Health = lazy(() => import('./pages/Health'))
const Search = lazy(() => import('./pages/Search'))
const Profile = lazy(() => import('./pages/Profile'))
const History = lazy(() => import('./pages/History'))
const Backups = lazy(() => import('./pages/ops/Backups'))
const PropertySearch = lazy(() => import('./pages/ops/PropertySearch'))
const Lifecycle = lazy(() => import('./pages/ops/Lifecycle'))
const Replication = lazy(() => import('./pages/ops/Replication'))
const Curation = lazy(() => import('./pages/curation/Curation'))
const Imports = lazy(() => import('./pages/imports/Imports'))
const Signing = lazy(() => import('./pages/signing/Signing'))
const Settings = lazy(() => import('./pages/settings/Settings'))
const Findings = lazy(() => import('./pages/security/Findings'))
const ScanPolicies = lazy(() => import('./pages/security/ScanPolicies'))
const Quarantine = lazy(() => import('./pages/security/Quarantine'))
const QualityGates = lazy(() => import('./pages/security/QualityGates'))

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } })

function Shell({ dark, setDark }: { dark: boolean; setDark: (d: boolean) => void }) {
  const { ready, me, mustChangePassword } = useSession()
  const nav = useNavigate()
  const loc = useLocation()
  if (!ready) return <Spin fullscreen aria-label="Loading" />
  if (!me) {
    return (
      <Routes>
        <Route path="/login" element={<Login />} />
        <Route path="*" element={<Navigate to="/login" replace state={{ from: loc.pathname }} />} />
      </Routes>
    )
  }
  if (mustChangePassword) return <ChangePassword forced />
  const items = [
    { key: '/', icon: <DashboardOutlined />, label: 'Dashboard' },
    { key: '/repositories', icon: <DatabaseOutlined />, label: 'Repositories' },
    { key: '/search', icon: <SearchOutlined />, label: 'Search' },
    ...(me.is_admin ? [{ key: '/plugins', icon: <ApiOutlined />, label: 'Plugins' }] : []),
    { key: '/policies', icon: <LockOutlined />, label: 'Policies' },
    ...(me.is_admin
      ? [
          { key: '/users', icon: <UserOutlined />, label: 'Users' },
          { key: '/groups', icon: <TeamOutlined />, label: 'Groups' },
          { key: '/sso', icon: <LoginOutlined />, label: 'SSO providers' },
          { key: '/webhooks', icon: <NotificationOutlined />, label: 'Webhooks' },
          { key: '/audit', icon: <AuditOutlined />, label: 'Audit log' },
        ]
      : []),
    { key: '/health', icon: <HeartOutlined />, label: 'Health' },
    // Operations (admins), after Health: the keyboard walk of the menu ends there.
    ...(me.is_admin
      ? [
          { key: '/backups', icon: <CloudUploadOutlined />, label: 'Backups' },
          { key: '/lifecycle', icon: <ClearOutlined />, label: 'Lifecycle' },
          { key: '/replication', icon: <SyncOutlined />, label: 'Replication' },
          { key: '/curation', icon: <FilterOutlined />, label: 'Curation' },
          { key: '/imports', icon: <CloudDownloadOutlined />, label: 'Imports' },
          { key: '/signing', icon: <KeyOutlined />, label: 'Signing keys' },
          { key: '/settings', icon: <SettingOutlined />, label: 'System settings' },
        ]
      : []),
    ...(me.is_admin ? [securityMenu] : []),
  ]
  const selected = '/' + (loc.pathname.split('/')[1] ?? '')
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} theme={dark ? 'dark' : 'light'}>
        <Typography.Title level={4} style={{ padding: '16px 24px', margin: 0 }}>
          Keeper
        </Typography.Title>
        <nav aria-label="Main">
          <Menu mode="inline" selectedKeys={[selected]} items={items} onClick={(e) => nav(e.key)} />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ display: 'flex', justifyContent: 'flex-end', background: 'transparent' }}>
          <Space>
            <label>
              <Space>
                Dark theme
                <Switch checked={dark} onChange={setDark} aria-label="Dark theme" />
              </Space>
            </label>
            <Button type="link" onClick={() => nav('/profile')}>
              {me.username}
            </Button>
            <Button
              onClick={async () => {
                await logout()
                nav('/login')
              }}
            >
              Sign out
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }} role="main">
          <Suspense fallback={<Spin aria-label="Loading page" />}>
            <Routes>
              <Route path="/" element={<Dashboard />} />
              <Route path="/login" element={<Navigate to={(loc.state as { from?: string })?.from ?? '/'} replace />} />
              <Route path="/repositories" element={<Repositories />} />
              <Route path="/repositories/:key/history" element={<History />} />
              <Route path="/repositories/:key/*" element={<RepositoryDetail />} />
              <Route path="/plugins" element={<Plugins />} />
              <Route path="/policies" element={<Policies />} />
              <Route path="/users" element={<Users />} />
              <Route path="/groups" element={<Groups />} />
              <Route path="/sso" element={<SSO />} />
              <Route path="/audit" element={<Audit />} />
              <Route path="/webhooks" element={<Webhooks />} />
              <Route path="/health" element={<Health />} />
              <Route path="/backups" element={<Backups />} />
              <Route path="/lifecycle" element={<Lifecycle />} />
              <Route path="/replication" element={<Replication />} />
              <Route path="/curation" element={<Curation />} />
              <Route path="/imports" element={<Imports />} />
              <Route path="/signing" element={<Signing />} />
              <Route path="/settings" element={<Settings />} />
              <Route path="/search" element={<Search />} />
              <Route path="/search/properties" element={<PropertySearch />} />
              <Route path="/profile" element={<Profile />} />
              <Route path="/findings" element={<Findings />} />
              <Route path="/scan-policies" element={<ScanPolicies />} />
              <Route path="/quarantine" element={<Quarantine />} />
              <Route path="/quality-gates" element={<QualityGates />} />
              <Route path="*" element={<Typography.Text>Page not found.</Typography.Text>} />
            </Routes>
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  )
}

export function App() {
  const [dark, setDarkState] = useState(
    () => localStorage.getItem('keeper.theme') === 'dark' || (!localStorage.getItem('keeper.theme') && matchMedia?.('(prefers-color-scheme: dark)').matches),
  )
  const setDark = (d: boolean) => {
    localStorage.setItem('keeper.theme', d ? 'dark' : 'light')
    setDarkState(d)
  }
  return (
    <ConfigProvider theme={{ algorithm: dark ? theme.darkAlgorithm : theme.defaultAlgorithm }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <SessionProvider>
            <BrowserRouter basename="/ui">
              <Suspense fallback={<Spin fullscreen aria-label="Loading" />}>
                <Shell dark={dark} setDark={setDark} />
              </Suspense>
            </BrowserRouter>
          </SessionProvider>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  )
}
