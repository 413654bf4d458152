# Shared set-up for scripts/serve and scripts/test: a virtualenv in .venv with the project installed.
# Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Reinstall only when the project's metadata changed since the last install, or when the extras asked for
# (scripts/test: test) were not installed with it; an install with the test extras serves scripts/serve too.
stamp=.venv/.mltrl-installed
extras="${MLTRL_EXTRAS:-}"
hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "${have%%+*}" != "$hash" ] || { [ -n "$extras" ] && [ "${have#*+}" != "$extras" ]; }; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  echo "$hash+$extras" > "$stamp"
fi
