"""Write knowledge_base/data/sounds.txt, the sound classes the FAQ matcher reads (run after upgrading pypinyin).

    python -m knowledge_base.make_sounds

One line per toneless reading, `reading<TAB>characters`: the characters whose first reading in pypinyin's table
it is, in code-point order, so the first stands for them all (`matcher.sound`: 居住正 reads as 居住证). Unlike the
classifier's table (intents/data/sounds.txt) there are no heteronyms and no fuzzy-pinyin folding: the FAQ compares
whole bigrams, and every extra equivalence merges entries. Characters beyond the Basic Multilingual Plane (rare
ones no input method offers first) are left out and read as themselves. The matcher reads this file instead of
importing pypinyin's table, which costs 0.2 s and 55 MB in every process that answers questions.
"""

from __future__ import annotations

from intents.make_sounds import classes_text, toneless, write
from knowledge_base.matcher import SOUNDS_FILE


def sounds_text() -> str:
    return classes_text(lambda toned: (toneless(toned.split(",")[0]),))


def main() -> None:
    write(SOUNDS_FILE, sounds_text())


if __name__ == "__main__":
    main()
