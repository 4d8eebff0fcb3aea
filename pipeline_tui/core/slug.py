"""Readable ASCII slugs of titles in any script, for deal ids and file names.

Ids stay ``[a-z0-9-]`` so they type on any keyboard, sort the same everywhere
and make safe file names.  Han characters become per-syllable pinyin through
pypinyin, whose phrase dictionary reads polyphones right (重庆 -> chong-qing,
银行 -> yin-hang); everything else goes through anyascii (Café -> cafe,
Москва -> moskva).  The form is one syllable per hyphenated part
(华为云迁移项目 -> ``hua-wei-yun-qian-yi-xiang-mu``): grouping syllables
into words (``huawei-yun-qianyi-xiangmu``) would need a word segmenter
(jieba), which is slow to load and whose output changes between dictionary
versions, and an id must not depend on which version made it.

Both libraries are permissively licensed (pypinyin MIT, anyascii ISC; not
Unidecode, which is GPL) and imported on first use: commands that create no
deal never pay for pypinyin's phrase dictionary.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


#: Slugs are cut to this many characters, at a ``-`` where there is one.
MAX_SLUG = 40


def slugify(text: str) -> str:
    """``text`` as lowercase ASCII words joined by ``-`` (empty if nothing is left).

    Longer than :data:`MAX_SLUG`, it is cut after the last whole word (syllable)
    that fits, so an id never ends in half a pinyin syllable.
    """
    normal = unicodedata.normalize("NFKC", text)
    parts = [normal] if normal.isascii() else _romanized(normal)
    slug = _NOT_SLUG.sub("-", " ".join(parts).lower()).strip("-")
    if len(slug) <= MAX_SLUG:
        return slug
    cut = slug[: MAX_SLUG + 1]
    return (cut.rsplit("-", 1)[0] if "-" in cut else cut[:MAX_SLUG]).strip("-")


def _romanized(text: str) -> list[str]:
    """Pinyin per Han character; other runs transliterated by anyascii."""
    from anyascii import anyascii
    from pypinyin import Style, lazy_pinyin

    return list(lazy_pinyin(text, style=Style.NORMAL, errors=lambda chunk: anyascii(chunk)))
