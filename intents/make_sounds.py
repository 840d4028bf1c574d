"""Write intents/data/sounds.txt, the toneless readings the typo check compares (run after upgrading pypinyin).

    python -m intents.make_sounds

One line per reading, `reading<TAB>characters`, from pypinyin's character table: tones dropped, ü written v, and the
fuzzy-pinyin pairs pinyin input methods forgive folded together (initials zh/z, ch/c, sh/s; finals ang/an, eng/en,
ing/in). A character with several readings (heteronyms) is on several lines; characters beyond the Basic
Multilingual Plane (rare ones no input method offers first) are left out. The classifier reads this small file
instead of importing pypinyin's table, which costs 0.2 s and 55 MB.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from intents.text import SOUNDS_FILE
FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def toneless(reading: str) -> str:
    """A pinyin reading with tone marks (lǜ) without them, ü written v (lv)."""
    return "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c)).replace("ü", "v")


def fold(reading: str) -> str:
    """A pinyin reading with tone marks (zhèng) as the class the typo check compares (zen)."""
    plain = toneless(reading)
    for long, short in FUZZY_INITIALS:
        if plain.startswith(long):
            plain = short + plain[len(long):]
    for long, short in FUZZY_FINALS:
        if plain.endswith(long):
            plain = plain[:-len(long)] + short
    return plain


def classes_text(readings: Callable[[str], Iterable[str]]) -> str:
    """`reading<TAB>characters` lines, one per class, in reading order, characters in code-point order: every
    character of pypinyin's table in the Basic Multilingual Plane under each class `readings` gives for its toned
    readings (pypinyin's comma-separated string, most common first)."""
    from pypinyin.pinyin_dict import pinyin_dict

    chars: dict[str, list[str]] = {}
    for code in sorted(c for c in pinyin_dict if c < 0x10000):  # the input methods' characters; not the rare planes
        for reading in dict.fromkeys(readings(pinyin_dict[code])):
            chars.setdefault(reading, []).append(chr(code))
    return "".join(f"{reading}\t{''.join(cs)}\n" for reading, cs in sorted(chars.items()))


def sounds_text() -> str:
    return classes_text(lambda toned: (fold(r) for r in toned.split(",")))


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


def main() -> None:
    write(SOUNDS_FILE, sounds_text())


if __name__ == "__main__":
    main()
