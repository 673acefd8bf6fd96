"""The build's one piece of code: the index page's long description, made from README.md.

README.md links its pictures and files by relative path, which works on the repository's own
pages but is broken on a package index. The long description is README.md with each relative
link made absolute against ``REPOSITORY``, the one place the project's address is written
(``url`` and ``project_urls`` come from it too): pictures to their raw file, other links to
their page. Everything else is declared in setup.cfg.
"""

from __future__ import annotations

import re
from pathlib import Path

REPOSITORY = "https://github.com/micrograd-cbook/micrograd_cbook"
BRANCH = "main"

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)  # a fenced code block
_CODE = re.compile(r"(`+).+?\1", re.S)  # an inline code span
_LINK = re.compile(
    r"(?P<image>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\((?P<target>[^)\s]+)(?P<title>[^)]*)\)"
)
_REFERENCE = re.compile(r"^(?P<head> {0,3}\[[^\]]+\]:[ \t]*)(?P<target>\S+)", re.M)
_ATTRIBUTE = re.compile(r"(?P<head>\b(?P<name>src|href)=)(?P<quote>[\"'])(?P<target>.*?)(?P=quote)")


def absolute(target: str, *, image: bool) -> str:
    """``target`` made absolute: a picture's raw file, or a file's page (anchors, URLs as is)."""
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith(("#", "//")):
        return target
    kind = "raw" if image else "blob"
    return f"{REPOSITORY}/{kind}/{BRANCH}/{target.lstrip('/').removeprefix('./')}"


def long_description(readme: str) -> str:
    """README.md with every relative link and picture made absolute (code left as written).

    >>> print(long_description("![a](docs/a.svg) [b](b.ipynb) [c](#c) `[d](e)`"))
    ... # doctest: +ELLIPSIS
    ![a](https://.../raw/main/docs/a.svg) [b](https://.../blob/main/b.ipynb) [c](#c) `[d](e)`
    """
    out, end = [], 0
    for block in _FENCE.finditer(readme):
        out += [_prose(readme[end : block.start()]), block.group()]
        end = block.end()
    return "".join([*out, _prose(readme[end:])])


def _prose(text: str) -> str:
    """Text outside code blocks: its links rewritten, its inline code spans left alone."""
    out, end = [], 0
    for code in _CODE.finditer(text):
        out += [_links(text[end : code.start()]), code.group()]
        end = code.end()
    return "".join([*out, _links(text[end:])])


def _links(text: str) -> str:
    text = _LINK.sub(_markdown_link, text)
    text = _REFERENCE.sub(lambda m: m["head"] + absolute(m["target"], image=False), text)
    return _ATTRIBUTE.sub(_html_attribute, text)


def _markdown_link(m: re.Match) -> str:
    target = absolute(m["target"], image=bool(m["image"]))
    return f"{m['image']}[{m['text']}]({target}{m['title']})"


def _html_attribute(m: re.Match) -> str:
    target = absolute(m["target"], image=m["name"] == "src")
    return f"{m['head']}{m['quote']}{target}{m['quote']}"


if __name__ == "__main__":  # run by the build backend; importing this file only defines
    from setuptools import setup

    here = Path(__file__).resolve().parent
    setup(
        url=REPOSITORY,
        project_urls={
            "Source": REPOSITORY,
            "Documentation": f"{REPOSITORY}#readme",
            "Changelog": f"{REPOSITORY}/blob/{BRANCH}/CHANGELOG.md",
            "Issues": f"{REPOSITORY}/issues",
        },
        long_description=long_description((here / "README.md").read_text(encoding="utf-8")),
        long_description_content_type="text/markdown",
    )
