"""Start the app's Streamlit server as `streamlit run app.py` does, with two differences that matter
to the first visitor after a start.

1. Streamlit treats an app that has a `pages/` folder as a legacy multipage app until a script run
   calls `st.navigation`. So the first session after a start ran in the legacy mode: its navigation
   listed the folder's file names and a deep link such as /explore showed "Page not found". Telling
   Streamlit before any session that this app declares its pages with `st.navigation` removes that.
2. The evidence is loaded and validated before the server answers its health check, so the first
   visitor does not wait for it (and a broken dataset is reported at start, in the log). Every
   module the pages use is imported then too.
3. What is loaded at start lives as long as the process, so it is moved out of the garbage
   collector's sight (`gc.freeze`). Streamlit runs a full collection after every script run; with the
   evidence, pandas and Plotly in view that took a fifth of each rerun's time under load.

    python -m components.views.launch [any `streamlit run` option, e.g. --server.port 8600]
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parents[2] / "app.py"


def main(argv: list[str] | None = None) -> None:
    # A class attribute Streamlit reads when a session starts; st.navigation sets the same value.
    PagesManager.uses_pages_directory = False
    from components.views import ui  # after the flag: importing the UI helpers starts nothing

    result = ui.load_shipped()
    if result.evidence is None:
        print(f"The evidence data has {len(result.problems)} problem(s); the app will list them.", file=sys.stderr)
    _import_everything()
    gc.collect()
    gc.freeze()
    cli.main(args=["run", str(APP), *(sys.argv[1:] if argv is None else argv)], prog_name="streamlit")


def _import_everything() -> None:
    """Import every module of the app's package, so no visitor waits for an import."""
    import components

    for module in pkgutil.walk_packages(components.__path__, "components."):
        if module.name != __name__:
            importlib.import_module(module.name)


if __name__ == "__main__":
    main()
