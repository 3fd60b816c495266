#!/bin/sh
# Builds the fixture packages with rpmbuild (rpm 4.18): sh make_rpms.sh
# Output: keeper-hello-1.0-1.noarch.rpm, keeper-tool-0.3-2.x86_64.rpm in this folder.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
export SOURCE_DATE_EPOCH=1796515200
cat > "$top/hello.spec" <<'SPEC'
Name: keeper-hello
Version: 1.0
Release: 1
Epoch: 2
Summary: Keeper test <package> & friends
License: MIT
URL: http://example.org/hello
BuildArch: noarch
Requires: /bin/sh
Requires: keeper-tool >= 0.3
Provides: keeper-greeting = 1.0
Obsoletes: keeper-hi < 1.0
%description
A test package for Keeper.
Second line.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/keeper-hello %{buildroot}/etc
printf '#!/bin/sh\necho hello from keeper\n' > %{buildroot}/usr/bin/keeper-hello
chmod 755 %{buildroot}/usr/bin/keeper-hello
echo data > %{buildroot}/usr/share/keeper-hello/data.txt
echo conf=1 > %{buildroot}/etc/keeper-hello.conf
%files
/usr/bin/keeper-hello
/usr/share/keeper-hello
%config /etc/keeper-hello.conf
%ghost /var/log/keeper-hello.log
%changelog
* Sun Dec 06 2026 Keeper Tests <tests@example.org> - 2:1.0-1
- First build
SPEC
cat > "$top/tool.spec" <<'SPEC'
Name: keeper-tool
Version: 0.3
Release: 2
Summary: Keeper test tool
License: Apache-2.0
BuildArch: x86_64
%description
Tool.
%install
mkdir -p %{buildroot}/usr/libexec/keeper-tool
echo tool > %{buildroot}/usr/libexec/keeper-tool/tool.txt
%files
/usr/libexec/keeper-tool
SPEC
for s in hello tool; do
  rpmbuild -bb --quiet --define "_topdir $top" --define "_buildhost keeper-fixtures" \
    --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
    --define "_binary_payload w9.gzdio" "$top/$s.spec" >/dev/null
done
cp "$top"/RPMS/*/*.rpm "$here/"
