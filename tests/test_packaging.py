"""What a package index and a user see: the long description, the license, the classifiers.

``scripts/check-wheel`` (run by ``make test``) checks the built sdist and wheel themselves.
"""

import configparser
import doctest
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELATIVE = r"(?!https?://|#|mailto:)[^)\s\"']+"


def setup_py():
    """setup.py as a module (importing it only defines; the build backend runs it as main)."""
    spec = importlib.util.spec_from_file_location("setup_py", ROOT / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def setup_cfg() -> configparser.ConfigParser:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    return cfg


def test_the_long_description_links_every_picture_and_file_absolutely():
    module = setup_py()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    text = module.long_description(readme)
    assert re.findall(rf"\]\(({RELATIVE})", text) == []
    assert re.findall(rf"\b(?:src|href)=[\"']({RELATIVE})", text) == []
    for picture in re.findall(r"(?:!\[[^\n]*?\]\(|src=\")([^)\"]+\.svg)", text):
        assert picture.startswith(f"{module.REPOSITORY}/raw/"), picture
    assert text.count("```") == readme.count("```")  # code blocks are left as written


def test_the_long_description_leaves_code_anchors_and_urls_alone():
    module = setup_py()
    text = "\n".join(
        [
            "[a](#usage) [b](https://example.org/x.png) `[c](d.md)`",
            "```python",
            "print('[e](f.md)')",
            "```",
            '<img src="docs/g.svg"> [h]: docs/h.md',
        ]
    )
    out = module.long_description(text)
    base = module.REPOSITORY
    assert out.splitlines()[:4] == text.splitlines()[:4]
    assert out.splitlines()[4] == f'<img src="{base}/raw/main/docs/g.svg"> [h]: docs/h.md'
    assert module.long_description("[h]: docs/h.md") == f"[h]: {base}/blob/main/docs/h.md"
    assert doctest.testmod(module).failed == 0


def test_the_license_is_mit_in_a_file_and_in_the_metadata():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 micrograd_cbook contributors\n")
    meta = setup_cfg()["metadata"]
    assert (meta["license"], meta["license_files"]) == ("MIT", "LICENSE")
    assert meta["author"] == "micrograd_cbook contributors"


def test_the_classifiers_name_each_supported_python():
    cfg = setup_cfg()
    versions = re.findall(r"Python :: (3\.\d+)$", cfg["metadata"]["classifiers"], re.M)
    assert versions == ["3.10", "3.11", "3.12", "3.13"]
    assert cfg["options"]["python_requires"] == f">={versions[0]}"
