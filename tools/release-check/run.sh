#!/usr/bin/env bash
# Release dry run: on a scratch copy of the repository (built packages included), apply the pending
# changesets with `changeset version`, check that every package with a changeset got a new version and a
# CHANGELOG entry, then `pnpm publish --dry-run` every public package. Nothing is published or committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

tar -C "$root" --exclude=node_modules --exclude=.git --exclude=.certs --exclude=demo-output -cf - . | tar -C "$scratch" -xf -
cd "$scratch"
git init -q && git add -A && git -c user.email=ci@example.invalid -c user.name=ci commit -qm scratch
pnpm install --frozen-lockfile --offline >/dev/null

before=$(node -e 'for (const d of require("fs").readdirSync("packages")) { const p = require(`./packages/${d}/package.json`); console.log(`${p.name}@${p.version}`) }')
# Apps are private but versioned too (privatePackages.version): their versions before, for the check below.
all_before=$(node -e 'for (const g of ["packages", "apps"]) for (const d of require("fs").readdirSync(g)) { const f = `./${g}/${d}/package.json`; if (require("fs").existsSync(f)) { const p = require(f); console.log(`${p.name}@${p.version}`) } }')
pnpm changeset version >/dev/null
after=$(node -e 'for (const d of require("fs").readdirSync("packages")) { const p = require(`./packages/${d}/package.json`); console.log(`${p.name}@${p.version}`) }')
echo "versions before: $(echo $before)"
echo "versions after:  $(echo $after)"

# Every package named in a pending changeset must have moved, with a CHANGELOG entry for its new version.
# Changesets name packages and apps (private ones are versioned too), so each name is looked up by its folder.
package_dir() {
  node -e 'const fs = require("fs");
    for (const group of ["packages", "apps", "tools"]) for (const d of fs.readdirSync(group)) {
      const file = `${group}/${d}/package.json`;
      if (fs.existsSync(file) && require(`./${file}`).name === process.argv[1]) { console.log(`${group}/${d}`); process.exit(0); }
    }
    process.exit(1);' "$1"
}
for file in "$root"/.changeset/*.md; do
  [ "$(basename "$file")" = README.md ] && continue
  for name in $(sed -n '/^---$/,/^---$/p' "$file" | grep -o '"@certs/[^"]*"' | tr -d '"'); do
    dir=$(package_dir "$name") || {
      echo "release dry run FAILED: a changeset names $name, which is no package of this repository"
      exit 1
    }
    version=$(node -p "require('./$dir/package.json').version")
    if echo "$all_before" | grep -qx "$name@$version"; then
      echo "release dry run FAILED: $name has a pending changeset but its version did not change ($version)"
      exit 1
    fi
    if ! grep -q "^## $version" "$dir/CHANGELOG.md"; then
      echo "release dry run FAILED: $dir/CHANGELOG.md has no entry for $version"
      exit 1
    fi
  done
done
if ls .changeset/*.md 2>/dev/null | grep -v README.md >/dev/null; then
  echo "release dry run FAILED: changesets left after changeset version"
  exit 1
fi

pnpm -r --filter "./packages/**" publish --dry-run --no-git-checks --access public >"$scratch/publish.log" 2>&1 || {
  cat "$scratch/publish.log"
  echo "release dry run FAILED: pnpm publish --dry-run"
  exit 1
}
echo "publish --dry-run: $(grep -c '^+ @certs/' "$scratch/publish.log" || true) packages would be published"
echo "release dry run passed"
