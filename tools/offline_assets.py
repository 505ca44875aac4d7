"""Sphinx extension: the book serves its own MathJax and widget manager.

By default Sphinx loads MathJax, and myst-nb the Jupyter widgets HTML manager,
from CDNs, so a reader without a network sees raw TeX and no widgets.  Here
they come from npm packages pinned in package.json and package-lock.json:
`make book` runs `npm ci` (into node_modules/, not committed), and this
extension copies the files the pages load into ``_static/offline/`` of the built
book, with widgets_offline.js (which makes the widget manager find its fonts
there and typeset with MathJax 3).  _config.yml points ``mathjax_path`` and
``nb_ipywidgets_js`` at them.

Jupyter Book loads it through ``sphinx: local_extensions`` in _config.yml.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"

# Folder under _static/offline/: (npm package, folder inside it, what to copy).
# The widget manager's bundle loads its icon fonts from beside itself.
ASSETS = {
    "mathjax": ("mathjax", "es5", ["*"]),
    "html-manager": ("@jupyter-widgets/html-manager", "dist",
                     ["embed-amd.js", "*.woff2", "*.woff", "*.ttf", "*.eot", "*.svg"]),
    "requirejs": ("requirejs", ".", ["require.js"]),
}
# The book's own script between require.js and the widget manager.
WIDGETS_SCRIPT = Path(__file__).resolve().parent / "widgets_offline.js"


def locked_versions(root: Path = ROOT) -> dict[str, str]:
    """The version of each asset package that package-lock.json pins."""
    packages = json.loads((root / "package-lock.json").read_text())["packages"]
    return {name: packages[f"node_modules/{name}"]["version"]
            for name, _, _ in ASSETS.values()}


def _check_installed(node_modules: Path) -> None:
    for name, wanted in locked_versions().items():
        manifest = node_modules / name / "package.json"
        if not manifest.is_file():
            raise ExtensionError(
                f"{name} is not installed in {node_modules}: run `npm ci` in {ROOT} "
                "(`make book` does), so the book can serve MathJax and widgets offline.")
        found = json.loads(manifest.read_text())["version"]
        if found != wanted:
            raise ExtensionError(
                f"{name} {found} is installed but package-lock.json pins {wanted}: "
                f"run `npm ci` in {ROOT} (`make book` does).")


def copy_assets(outdir: Path, node_modules: Path = NODE_MODULES) -> None:
    """Copy the pinned browser assets into ``outdir/_static/offline``."""
    _check_installed(node_modules)
    offline = Path(outdir) / "_static" / "offline"
    for folder, (name, inside, patterns) in ASSETS.items():
        source = node_modules / name / inside
        target = offline / folder
        if target.exists():
            shutil.rmtree(target)
        if patterns == ["*"]:
            shutil.copytree(source, target)
            continue
        target.mkdir(parents=True)
        for pattern in patterns:
            matches = sorted(source.glob(pattern))
            if not matches:
                raise ExtensionError(f"{name}: nothing matches {inside}/{pattern}")
            for path in matches:
                shutil.copy2(path, target / path.name)
    shutil.copy2(WIDGETS_SCRIPT, offline / "widgets-offline.js")


def _builder_inited(app) -> None:
    if app.builder.format == "html":
        copy_assets(Path(app.outdir))


def _drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    # sphinx-thebe registers its inline configuration twice under Jupyter Book
    # (once with filename None, once with ""), and the second copy throws
    # "Identifier 'THEBE_JS_URL' has already been declared" in every page's
    # console.  A page never needs the same script twice.
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, kept = set(), []
    for script in scripts:
        key = (str(script.filename or ""), repr(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def setup(app):
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
