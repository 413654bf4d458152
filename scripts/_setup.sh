# Shared set-up for scripts/serve and scripts/test: a virtualenv in .venv with the project installed.
# Sourced, not run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Reinstall only when the project's metadata changed since the last install.
stamp=.venv/.mltrl-installed
extras="${MLTRL_EXTRAS:-}"
want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)$extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  echo "$want" > "$stamp"
fi
