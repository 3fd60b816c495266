import { AlertOutlined, BugOutlined, SafetyCertificateOutlined, StopOutlined } from '@ant-design/icons'

// securityMenu is the main menu's Security group (administrators only):
// the pages themselves load lazily.
export const securityMenu = {
  type: 'group' as const,
  key: 'security',
  label: 'Security',
  children: [
    { key: '/findings', icon: <BugOutlined />, label: 'Findings' },
    { key: '/scan-policies', icon: <SafetyCertificateOutlined />, label: 'Scan policy' },
    { key: '/quarantine', icon: <StopOutlined />, label: 'Quarantine' },
    { key: '/quality-gates', icon: <AlertOutlined />, label: 'Quality gates' },
  ],
}
