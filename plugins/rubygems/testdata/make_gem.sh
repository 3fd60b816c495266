#!/bin/sh
# Builds a test gem with the real `gem build`:
#   make_gem.sh OUTDIR NAME VERSION [RUNTIME_DEP_NAME]
# testdata/*.gem were made with:
#   make_gem.sh . keeper_dep 0.2.0; make_gem.sh . keeper_demo 1.0.0 keeper_dep;
#   make_gem.sh . keeper_demo 1.1.0.pre1 keeper_dep   (gem 3.3.15, ruby 3.1.2)
set -e
out=$(cd "$1" && pwd); name=$2; version=$3; dep=$4
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lib" && cd "$work"
echo "module KeeperMark; VAL='$name-$version'; end" > "lib/$name.rb"
{
  echo "Gem::Specification.new do |s|"
  echo "  s.name = \"$name\""; echo "  s.version = \"$version\""
  echo "  s.summary = \"Keeper test gem $name\""
  echo "  s.description = \"A gem built for Keeper's tests.\""
  echo "  s.authors = [\"Keeper Tests\"]"; echo "  s.email = \"tests@example.invalid\""
  echo "  s.homepage = \"https://example.invalid/$name\""; echo "  s.license = \"MIT\""
  echo "  s.files = [\"lib/$name.rb\"]"; echo "  s.date = \"2026-01-02\""
  echo "  s.required_ruby_version = \">= 2.5\""
  [ -n "$dep" ] && echo "  s.add_runtime_dependency \"$dep\", \"~> 0.2\", \">= 0.2.0\""
  echo "  s.add_development_dependency \"rake\", \">= 10\""
  echo "end"
} > "$name.gemspec"
gem build -q "$name.gemspec" >/dev/null
mv "$name-$version.gem" "$out/"
