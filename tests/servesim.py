"""Builds a site the way ``mkdocs serve`` does, on request: run as ``python servesim.py SITE_DIR [--once]``.

``mkdocs serve`` loads the configuration again for every rebuild, keeps the
plugins that have an ``on_startup`` method (so the ``mltrl`` plugin keeps what
it learned), and builds with the preview's address into its site folder. This
script runs exactly those MkDocs calls (the builder of
``mkdocs.commands.serve``), without the web server: it builds once, prints
``built``, then builds again each time a line arrives on its input, until the
input ends. With ``--once`` it builds once and exits: a fresh preview's site.
"""

from __future__ import annotations

import logging
import sys

from mkdocs.commands.build import build
from mkdocs.config import load_config

SERVE_URL = "http://127.0.0.1:8000/"


def main() -> int:
    site_dir = sys.argv[1]
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    def get_config():
        config = load_config("mkdocs.yml", site_dir=site_dir)
        config.site_url = SERVE_URL
        return config

    config = get_config()
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        build(config, serve_url=SERVE_URL)
        print("built", flush=True)
        if "--once" in sys.argv:
            return 0
        for _ in sys.stdin:
            try:
                build(get_config(), serve_url=SERVE_URL)
            except Exception as exc:  # noqa: BLE001 - the server goes on after a failed build, and so does this
                print(f"failed: {exc}", flush=True)
                continue
            print("built", flush=True)
    finally:
        config.plugins.on_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
