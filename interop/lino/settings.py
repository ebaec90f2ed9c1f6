"""Lino Welfare's "gerd" demo site, unchanged, with its site folder outside the repository.

Lino keeps its database, media and caches in the folder of the settings file that creates the
Site. RAAS_INTEROP_SITE_DIR (a temporary folder made by tools/interop.py) stands in for that
folder, so nothing is written into the repository or into the installed package.
"""

import os
from pathlib import Path

from lino_welfare.projects.gerd.settings.demo import *  # noqa: F403  (Django settings)
from lino_welfare.projects.gerd.settings.demo import Site as DemoSite

_SITE_DIR = Path(os.environ["RAAS_INTEROP_SITE_DIR"]).resolve()
_SITE_DIR.mkdir(parents=True, exist_ok=True)
_settings_file = __file__
__file__ = str(_SITE_DIR / "settings.py")  # Lino reads the site folder from here
SITE = DemoSite(globals())
__file__ = _settings_file

DEBUG = False
