#!/usr/bin/env bash
# Installs what the browser test of frontend-example (TestBrowserDemo) needs,
# when it is missing: Debian's chromium, and the playwright-core pinned in
# frontend-example/browser/package-lock.json. Fast when both are there.
#
#   scripts/browser-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=()
if [[ $(id -u) -ne 0 ]]; then
	sudo=(sudo)
fi
apt_install() {
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

if ! command -v chromium >/dev/null; then
	echo "browser-deps: installing Debian's chromium"
	apt_install chromium
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "browser-deps: installing Node.js and npm"
	apt_install nodejs npm
fi

dir=frontend-example/browser
want=$(node -p "require('./$dir/package-lock.json').packages['node_modules/playwright-core'].version")
have=$(node -p "try { require('./$dir/node_modules/playwright-core/package.json').version } catch { '' }")
if [[ "$have" != "$want" ]]; then
	echo "browser-deps: installing playwright-core $want (npm ci)"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "browser-deps: $(chromium --version 2>/dev/null | head -1), playwright-core $want"
